//! The runbook's commands as library calls (layer 10): its phases, the dry-run, and what
//! each leaves behind. The CLI's gate commands are thin shells over these.

mod after_launch;
mod dry_run;
mod phases;
mod steps;

pub use after_launch::{
    AfterLaunchError, decide, health_report, record_decision, rollback_facts, rollback_plan,
};
pub use dry_run::{DRY_RUN, SKIP_QA, dry_run, write_dry_run_artifacts};
pub use phases::{
    LAUNCH_GATE, PREFLIGHT, PREFLIGHT_ENV, PREFLIGHT_PLATFORM, PREFLIGHT_QA, Phase, SMOKE,
    record_phase, run_phase,
};
pub use steps::{RUNBOOK_STEPS, Step};
