//! The run that `health report` and `rollback` read: a summary file (`--from`), or a launch
//! gate run now.

use std::path::Path;

use release_core::names::escaped;
use release_core::{Plan, PlanError, Summary};

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

/// The plan, or for commands that can do without one when reading a summary file, the
/// defaults (artifacts under `artifacts/release`), which declare no environment to check a
/// run's against.
pub(crate) fn plan_or_default(
    global: &GlobalArgs,
    required: bool,
) -> Result<(Plan, PlanSource), CliError> {
    match Plan::load(&global.plan) {
        Ok(plan) => Ok((plan, PlanSource::File)),
        Err(PlanError::Read { source, .. })
            if !required && source.kind() == std::io::ErrorKind::NotFound =>
        {
            let plan =
                Plan::parse(&global.plan, "[environments.default]\n").map_err(CliError::input)?;
            Ok((plan, PlanSource::Defaults))
        }
        Err(e) => Err(CliError::input(e)),
    }
}

/// Whether the plan came from its file or is the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlanSource {
    File,
    Defaults,
}

/// A summary's environment names files (`<env>-health-report.json`), so it must be one of the
/// plan's environments: a summary read back is input like any other. (That it is a plain name,
/// as its gate ids are, `Summary::read_file` checks.)
fn check_environment(
    plan: &Plan,
    source: PlanSource,
    summary: &Summary,
    path: &Path,
) -> Result<(), CliError> {
    let name = summary.environment.as_str();
    if source == PlanSource::File && !plan.environments.contains_key(name) {
        return Err(CliError::Input(format!(
            "{}: environment `{name}` is not one of {}'s environments",
            escaped(&path.display().to_string()),
            escaped(&plan.path.display().to_string())
        )));
    }
    Ok(())
}

/// Reads `--from`, or runs the launch gate and records it as `release launch-gate` would
/// (summary file, release log), its report left off stdout, which belongs to the caller.
pub(crate) fn obtain(
    global: &GlobalArgs,
    (plan, source): (&Plan, PlanSource),
    from: Option<&Path>,
) -> Result<RunInput, CliError> {
    let Some(path) = from else {
        let request = phase::request(global, plan, None)?;
        let session = Session::start()?;
        let summary =
            runbook::run_phase(&request, LAUNCH_GATE, &session.runtime, &Shown::new(global))?;
        let code = phase::record(global, &request, &summary, LAUNCH_GATE, true, None)?;
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
        return Ok(RunInput {
            summary,
            summary_path,
        });
    };
    let summary = Summary::read_file(path).map_err(CliError::input)?;
    check_environment(plan, source, &summary, path)?;
    if let Some(env) = &global.environment
        && *env != summary.environment
    {
        return Err(CliError::Input(format!(
            "{} is a run of `{}`, not of `{}` (--env)",
            escaped(&path.display().to_string()),
            summary.environment,
            escaped(env)
        )));
    }
    Ok(RunInput {
        summary,
        summary_path: Some(path.display().to_string()),
    })
}
