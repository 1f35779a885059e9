//! Running a plan: what a gate command of the CLI does, as library calls (layer 10).
//!
//! A [`RunRequest`] names the plan, the environment, the variables and the run's choices;
//! [`RunRequest::prepare`] checks all of it once (environment, phases, base URLs, release
//! metadata, baselines) and builds the context and the runner; [`PreparedRun`] then builds and
//! runs gates and turns the report into a redacted [`crate::Summary`]; [`record`] writes the
//! artifacts (summary files, GitHub step summary, release log) and says which writes failed.
//! The runbook's commands on top of these are in [`crate::runbook`].

mod error;
mod live_triggers;
mod prepare;
mod record;
mod recorded;
mod release_info;
mod request;
mod store;

pub use error::{RecordError, RunError};
pub use prepare::{PreparedRun, Watch};
pub use record::{Recorded, record, record_exit_code};
pub use recorded::{PlanSource, plan_or_default, read_recorded};
pub use release_info::release_info;
pub use request::{BaselineSource, RunRequest};
