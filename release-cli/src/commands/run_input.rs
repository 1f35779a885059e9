//! The run that `health report` and `rollback` read: a summary file (`--from`), or a launch
//! gate run now.

use std::path::Path;

use release_core::Plan;
use release_core::Summary;
use release_core::run::{PlanSource, read_recorded};
use release_core::runbook::{self, LAUNCH_GATE};

use super::phase;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;
use crate::progress::Shown;
use crate::signals::Session;

/// A run read back or run now, and where its summary is.
pub(crate) struct RunInput {
    pub(crate) summary: Summary,
    pub(crate) summary_path: Option<String>,
}

/// The plan, or the defaults when it is missing and not `required`.
pub(crate) fn plan_or_default(
    global: &GlobalArgs,
    required: bool,
) -> Result<(Plan, PlanSource), CliError> {
    release_core::run::plan_or_default(&global.plan, required).map_err(CliError::from)
}

/// Reads `--from`, or runs the launch gate and records it as `release launch-gate` would
/// (summary file, release log), its report left off stdout, which belongs to the caller.
pub(crate) fn obtain(
    global: &GlobalArgs,
    (plan, source): (&Plan, PlanSource),
    from: Option<&Path>,
) -> Result<RunInput, CliError> {
    if let Some(path) = from {
        let summary = read_recorded(plan, source, path, global.environment.as_deref())?;
        let summary_path = Some(path.display().to_string());
        return Ok(RunInput {
            summary,
            summary_path,
        });
    }
    let request = phase::request(global, plan, None)?;
    let session = Session::start()?;
    let summary = runbook::run_phase(&request, LAUNCH_GATE, &session.runtime, &Shown::new(global))?;
    let code = super::publish::record(global, &request, &summary, LAUNCH_GATE, true, None)?;
    session.finish();
    if code == release_core::exit_code::INVALID_INPUT {
        return Err(CliError::Output(
            "the launch gate's summary could not be recorded".to_owned(),
        ));
    }
    output::print_stderr(&format!(
        "launch gate: {} ({} gates)\n",
        summary.outcome,
        summary.gates.len()
    ));
    // With gates left out, no phase summary is written (only `--out`).
    let summary_path = (!request.is_partial()).then(|| {
        LAUNCH_GATE
            .summary_path(plan, &summary.environment)
            .display()
            .to_string()
    });
    Ok(RunInput {
        summary,
        summary_path,
    })
}
