//! Test kit for release gates: the shipped fixtures, found from any test.
//!
//! Mock environments on loopback (health, admin API, Railway, Prometheus, Alertmanager) join
//! this crate with the gates that talk to them; today it locates the fixtures that contract
//! tests read.
//!
//! ```
//! let plan = release_testkit::fixtures::plan("runbook");
//! assert!(plan.ends_with("fixtures/plans/runbook.toml"));
//! assert!(plan.is_file());
//! ```

#![warn(missing_docs)]

pub mod fixtures;
