//! `release rollback evaluate` and `release rollback plan`: the decision over a launch-gate
//! run and the ordered rollback steps. Both are pure over their inputs (the run, the plan and
//! the release log); times come from the run, never the clock.

use std::path::Path;

use release_core::log::{DecisionRecord, LOOK_BACK_BYTES};
use release_core::report::Format;
use release_core::rollback::{
    Decision, DecisionKind, LogFacts, RollbackConfig, RollbackPlan, render_decision, render_plan,
};
use release_core::{Plan, Summary, exit_code};

use super::listing_format;
use super::run_input;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn evaluate(global: &GlobalArgs, from: Option<&Path>) -> Result<i32, CliError> {
    let format = listing_format(global, "rollback evaluate")?;
    let (plan, source) = run_input::plan_or_default(global, true)?;
    let input = run_input::obtain(global, (&plan, source), from)?;
    let decision = decide(&plan, &input.summary)?;
    output::print_stdout(&render(format, &decision, render_decision)?)?;
    Ok(record(&plan, &decision, input.summary_path))
}

/// The decision over a run with the plan's triggers, the release log's baselines from before
/// the run, and the rollback plan.
pub(crate) fn decide(plan: &Plan, summary: &Summary) -> Result<Decision, CliError> {
    let config = rollback_config(plan, summary)?;
    let facts = read_facts(plan, &config, summary)?;
    Decision::replay_facts(&config, summary, &facts).map_err(|e| CliError::Input(e.to_string()))
}

/// Appends the decision to the release log; returns the exit code.
pub(crate) fn record(plan: &Plan, decision: &Decision, summary_path: Option<String>) -> i32 {
    let log = super::release_log(plan.release.log_path());
    let record = DecisionRecord::from_decision(decision, jiff::Timestamp::now(), summary_path);
    if let Err(e) = log.append_decision(&record) {
        output::print_error(&CliError::output(e));
        // A lost record fails a proceed; a rollback or hold keeps its code, so a pipeline
        // branching on it still rolls back or waits.
        return match decision.decision {
            DecisionKind::Proceed => exit_code::INVALID_INPUT,
            DecisionKind::Hold | DecisionKind::Rollback => decision.decision.exit_code(),
        };
    }
    decision.decision.exit_code()
}

pub(crate) fn plan(global: &GlobalArgs, from: Option<&Path>) -> Result<i32, CliError> {
    let format = listing_format(global, "rollback plan")?;
    let (plan, source) = run_input::plan_or_default(global, true)?;
    let input = run_input::obtain(global, (&plan, source), from)?;
    let config = rollback_config(&plan, &input.summary)?;
    let facts = read_facts(&plan, &config, &input.summary)?;
    let steps = RollbackPlan::from_facts(&config, &input.summary, &facts);
    output::print_stdout(&render(format, &steps, render_plan)?)?;
    Ok(exit_code::PASSED)
}

fn render<T: serde::Serialize>(
    format: Format,
    value: &T,
    human: fn(&T) -> String,
) -> Result<String, CliError> {
    Ok(match format {
        Format::Json => {
            let mut json = serde_json::to_string_pretty(value).map_err(CliError::output)?;
            json.push('\n');
            json
        }
        _ => human(value),
    })
}

/// The plan's rollback configuration for the run's environment.
fn rollback_config(plan: &Plan, summary: &Summary) -> Result<RollbackConfig, CliError> {
    plan.rollback_config(&summary.environment)
        .map_err(|e| CliError::Input(e.to_string()))
}

/// What the decision needs from the release log, read from its end.
fn read_facts(
    plan: &Plan,
    config: &RollbackConfig,
    summary: &Summary,
) -> Result<LogFacts, CliError> {
    let log = super::release_log(plan.release.log_path());
    let facts = LogFacts::read(config, summary, &log, LOOK_BACK_BYTES).map_err(CliError::input)?;
    for problem in &facts.problems {
        tracing::warn!(line = %problem.position(), reason = %release_core::names::escaped(&problem.reason), "release log line skipped");
    }
    Ok(facts)
}
