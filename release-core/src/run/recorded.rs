//! A run recorded earlier, read back as input (`--from`): the summary, checked against the
//! plan that later steps (health report, rollback) use with it.

use std::path::Path;

use super::error::RunError;
use crate::names::escaped;
use crate::{Plan, PlanError, Summary};

/// Whether a plan came from its file or is the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanSource {
    /// Read from its file.
    File,
    /// The defaults: the file is missing and the command can do without it.
    Defaults,
}

/// The plan at `path`, or, when it is missing and not `required` (a command reading a summary
/// file), the defaults (artifacts under `artifacts/release`), which declare no environment to
/// check a run's against.
pub fn plan_or_default(path: &Path, required: bool) -> Result<(Plan, PlanSource), PlanError> {
    match Plan::load(path) {
        Ok(plan) => Ok((plan, PlanSource::File)),
        Err(PlanError::Read { source, .. })
            if !required && source.kind() == std::io::ErrorKind::NotFound =>
        {
            Ok((
                Plan::parse(path, "[environments.default]\n")?,
                PlanSource::Defaults,
            ))
        }
        Err(e) => Err(e),
    }
}

/// The summary at `path`, read bounded and strictly. Its environment names files
/// (`<env>-health-report.json`), so it must be one of the plan's environments, and the one
/// `environment` asks for when given: a summary read back is input like any other.
pub fn read_recorded(
    plan: &Plan,
    source: PlanSource,
    path: &Path,
    environment: Option<&str>,
) -> Result<Summary, RunError> {
    let summary = Summary::read_file(path).map_err(RunError::Recorded)?;
    let name = summary.environment.as_str();
    let shown = || escaped(&path.display().to_string()).into_owned();
    if source == PlanSource::File && !plan.environments.contains_key(name) {
        return Err(RunError::NotAnEnvironment {
            path: shown(),
            environment: name.to_owned(),
            plan: escaped(&plan.path.display().to_string()).into_owned(),
        });
    }
    if let Some(requested) = environment
        && requested != name
    {
        return Err(RunError::OtherEnvironment {
            path: shown(),
            recorded: name.to_owned(),
            requested: escaped(requested).into_owned(),
        });
    }
    Ok(summary)
}
