//! Rollouts and rollbacks, carried out: `release rollout` runs the plan's `[rollout]` steps
//! in order (announce, deploy, command, gates), decides with the rollback triggers, and rolls
//! back on its own; `release rollback execute` runs the runbook's rollback. Every step is
//! journalled in the release store, under the environment's lock, and refused while frozen.

mod announce;
mod dry_run;
mod engine;
mod error;
mod execution;
mod freeze;
mod html;
mod human;
mod journal;
mod platform;
mod recorded;
mod report;
mod request;
mod rollback;
mod status;
mod steps;
mod summary;

pub use engine::rollout;
pub use error::RolloutError;
pub use freeze::{FreezeChange, FreezeOutcome, MAX_REASON_CHARS, freeze, render_freeze, unfreeze};
pub use html::render_html;
pub use human::render_rollout;
pub use recorded::RecordedDocument;
pub use report::{annotations, record, render, summary_path};
pub use request::{Resume, RolloutRequest, RolloutWatch};
pub use rollback::rollback_execute;
pub use status::{LastRun, RolloutStatus, render_status, status};
pub use summary::{
    GateRun, ROLLOUT_SCHEMA_VERSION, RolloutKind, RolloutOutcome, RolloutSummary, StepReport,
    StepStatus,
};
