//! The runbook's gate steps in order, each a phase or the dry-run.

use tokio::runtime::Runtime;

use super::dry_run::{DRY_RUN, dry_run};
use super::phases::{LAUNCH_GATE, PREFLIGHT, Phase, run_phase};
use crate::Summary;
use crate::run::{RunError, RunRequest, Watch};

/// A step of the runbook that runs gates: a phase, or the dry-run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A phase's gates.
    Phase(Phase),
    /// QA, then smoke ([`dry_run`]).
    DryRun,
}

/// The runbook's gate steps in order: preflight, the dry-run, the launch gate.
pub const RUNBOOK_STEPS: [Step; 3] = [
    Step::Phase(PREFLIGHT),
    Step::DryRun,
    Step::Phase(LAUNCH_GATE),
];

impl Step {
    /// The phase it records as.
    pub fn phase(&self) -> Phase {
        match self {
            Step::Phase(phase) => *phase,
            Step::DryRun => DRY_RUN,
        }
    }

    /// Runs the step ([`run_phase`] or [`dry_run`]).
    pub fn run(
        &self,
        request: &RunRequest<'_>,
        runtime: &Runtime,
        watch: &dyn Watch,
    ) -> Result<Summary, RunError> {
        match self {
            Step::Phase(phase) => run_phase(request, *phase, runtime, watch),
            Step::DryRun => dry_run(request, runtime, watch),
        }
    }
}
