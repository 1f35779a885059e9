//! The runbook's post-release steps over a launch-gate run: the health report, the rollback
//! decision with its plan, and their records.

use std::path::PathBuf;

use crate::errors::DecisionError;
use crate::health::HealthReport;
use crate::log::{DecisionRecord, LOOK_BACK_BYTES, LogLine, ReleaseStore, StoreError};
use crate::rollback::{Decision, DecisionKind, LogFacts, RollbackConfig, RollbackPlan};
use crate::run::RecordError;
use crate::{Plan, Summary, exit_code};

/// Why a decision could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AfterLaunchError {
    /// The plan's rollback configuration does not hold for the run.
    #[error(transparent)]
    Decision(#[from] DecisionError),
    /// The release store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The health report of a run, its JSON text, and where it belongs
/// (`<artifacts_dir>/<env>-health-report.json`); the caller writes it
/// ([`crate::atomic::write`]) after showing it.
pub fn health_report(
    plan: &Plan,
    summary: &Summary,
) -> Result<(HealthReport, PathBuf, String), RecordError> {
    let report = HealthReport::from_summary(summary);
    let path = plan
        .release
        .artifacts_dir
        .join(format!("{}-health-report.json", summary.environment));
    let mut json = serde_json::to_string_pretty(&report)
        .map_err(|e| RecordError::Render(crate::report::ReportError::Json(e)))?;
    json.push('\n');
    Ok((report, path, json))
}

/// The plan's rollback configuration for the run's environment and what the decision needs
/// from the release log (read from its end), problem lines logged.
pub fn rollback_facts(
    plan: &Plan,
    summary: &Summary,
    store: &dyn ReleaseStore,
) -> Result<(RollbackConfig, LogFacts), AfterLaunchError> {
    let config = plan.rollback_config(&summary.environment)?;
    let facts = LogFacts::read(&config, summary, store, LOOK_BACK_BYTES)?;
    for problem in &facts.problems {
        tracing::warn!(line = %problem.position(), reason = %crate::names::escaped(&problem.reason), "release log line skipped");
    }
    Ok((config, facts))
}

/// The rollback decision over a run: the plan's triggers, the log's baselines from before
/// the run, and the ordered rollback plan.
pub fn decide(
    plan: &Plan,
    summary: &Summary,
    store: &dyn ReleaseStore,
) -> Result<Decision, AfterLaunchError> {
    let (config, facts) = rollback_facts(plan, summary, store)?;
    Ok(Decision::replay_facts(&config, summary, &facts)?)
}

/// The ordered rollback steps for a run, whatever the decision.
pub fn rollback_plan(
    plan: &Plan,
    summary: &Summary,
    store: &dyn ReleaseStore,
) -> Result<RollbackPlan, AfterLaunchError> {
    let (config, facts) = rollback_facts(plan, summary, store)?;
    Ok(RollbackPlan::from_facts(&config, summary, &facts))
}

/// Appends the decision to the release store; returns the exit code and the failed write, if any. A
/// lost record fails a proceed; a rollback or hold keeps its code, so a pipeline branching on
/// it still rolls back or waits.
pub fn record_decision(
    store: &dyn ReleaseStore,
    decision: &Decision,
    summary_path: Option<String>,
) -> (i32, Option<StoreError>) {
    let record = DecisionRecord::from_decision(decision, jiff::Timestamp::now(), summary_path);
    match store.append_line(&LogLine::Decision(record)) {
        Ok(()) => (decision.decision.exit_code(), None),
        Err(e) => {
            let code = match decision.decision {
                DecisionKind::Proceed => exit_code::INVALID_INPUT,
                DecisionKind::Hold | DecisionKind::Rollback => decision.decision.exit_code(),
            };
            (code, Some(e))
        }
    }
}
