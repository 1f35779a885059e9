//! Release gates as a library: typed checks with explainable verdicts, plans that declare them,
//! a bounded concurrent runner, reports in several formats and an append-only release log.
//!
//! The `release` CLI is a thin shell over this crate; anything it does, a Rust program can do.
//!
//! # Gates in code, without a plan file
//!
//! ```
//! use release_core::gates::env::{EnvGate, EnvGateSpec, UrlRule, VarSpec};
//! use release_core::{Context, DynGate, GateInfo, Policy, Outcome, Runner, Vars, Verdict};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let spec = EnvGateSpec { vars: vec![
//!     VarSpec { url: Some(UrlRule::default()), ..VarSpec::named("API_URL") },
//!     VarSpec::named("DATABASE_URL"),
//! ]};
//! let gates: Vec<Box<dyn DynGate>> = vec![
//!     Box::new(EnvGate::new(GateInfo::new("release-env", "env"), spec).unwrap()),
//! ];
//! let cx = Context::builder("production")
//!     .vars(Vars::from_pairs([("API_URL", "http://localhost:3000")]))
//!     .build();
//! let report = Runner::new().run(&gates, &cx).await;
//!
//! let env = &report.results[0].evaluation;
//! assert_eq!(env.verdict, Verdict::Fail);
//! // DATABASE_URL is unset and API_URL points at localhost in production: one observation each.
//! let rules: Vec<&str> = env.observations.iter().map(|o| o.rule.as_str()).collect();
//! assert_eq!(rules, ["url.production_host", "required"]);
//! assert_eq!(report.outcome(Policy::new(cx.is_strict())), Outcome::Blocked);
//! # });
//! ```
//!
//! # From a plan
//!
//! [`Plan::load`] reads a TOML plan and reports every problem with its line and column;
//! [`Plan::build_gates`] turns the gates of a phase into runnable gates, and
//! [`Summary::new`] turns a [`RunReport`] into the versioned JSON summary that
//! [`report`] renders.
//!
//! # Features and platforms
//!
//! `health-check` (default): `health::SchemaChecker` and `health::JsonDocument`, checking a
//! document against a JSON Schema with `jsonschema`; everything else works without it.
//!
//! Unix only (Linux and macOS): command gates run each command in a process group and signal
//! it (`nix`), and artifacts and the release log rely on Unix file types and permissions.

#![warn(missing_docs)]
// Library code must not panic on any input; tests may (integration tests are other crates).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(not(unix))]
compile_error!(
    "release-core supports Unix only (Linux, macOS): command gates run commands in process \
     groups and signal them with `nix`, and artifacts rely on Unix file types and permissions"
);

pub mod atomic;
pub mod base_url;
pub mod clients;
mod clock;
mod dotenv;
pub mod duration;
pub mod errors;
pub mod exit_code;
mod file_kind;
mod gate;
pub mod gates;
pub mod health;
pub mod json;
pub mod log;
pub mod names;
pub mod net;
pub mod number;
pub mod plan;
mod policy;
mod probe;
mod read;
pub mod report;
pub mod rollback;
pub mod rollout;
pub mod run;
pub mod runbook;
mod runner;
pub mod schema;
mod secret;
mod summary;
pub mod sustain;
mod text;
mod vars;

pub use dotenv::{EnvFileError, EnvFileProblem, MAX_ENV_FILE_BYTES};
pub use duration::HumanDuration;
pub use gate::{
    Baseline, CANCEL_GRACE, Clock, Context, ContextBuilder, DynGate, Evaluation, Evidence, Gate,
    GateInfo, Measurement, Observation, SampleSoFar, SystemClock, Threshold, ThresholdLevel,
    Verdict,
};
pub use plan::{Plan, PlanError};
pub use policy::{Outcome, Policy};
pub use runner::{GateResult, RunEvent, RunReport, RunStop, Runner, StoppedEarly};
pub use secret::{
    DEFAULT_SECRET_PATTERNS, DESCRIPTIVE_LAST_WORDS, MIN_SUBSTRING_LEN, NamePattern,
    NamePatternError, REDACTED, Redactor, SecretNames, url_credentials,
};
pub use summary::{
    Counts, DeploymentRecord, GateRecord, MAX_SUMMARY_BYTES, ReleaseInfo, RunMeta,
    SUMMARY_SCHEMA_VERSION, StoppedEarlyRecord, Summary, SummaryReadError, ToolInfo, new_run_id,
};
pub use sustain::{SustainSpec, Sustained};
pub use vars::{VarSource, VarValue, Vars};

// Types of other crates in this crate's public signatures, so an embedder need not depend on
// the same versions by hand.
pub use jiff::Timestamp;
pub use secrecy::SecretString;
pub use tokio_util::sync::CancellationToken;
