//! `release rollback evaluate` and `release rollback plan`: the decision over a launch-gate
//! run and the ordered rollback steps (`release_core::runbook::decide`, `rollback_plan`).

use std::path::Path;

use release_core::exit_code;
use release_core::log::ReleaseStore;
use release_core::report::{self, Format};
use release_core::rollback::{Decision, render_decision, render_plan};
use release_core::runbook;

use super::{listing_format, run_input};
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn evaluate(global: &GlobalArgs, from: Option<&Path>) -> Result<i32, CliError> {
    // The page is the run's, with the decision over it.
    let format = match global.format {
        Format::Html => Format::Html,
        _ => listing_format(global, "rollback evaluate")?,
    };
    let (plan, source) = run_input::plan_or_default(global, true)?;
    let input = run_input::obtain(global, (&plan, source), from)?;
    let store = super::open_store(&super::store_location(global, &plan)?);
    let decision =
        runbook::decide(&plan, &input.summary, store.as_ref()).map_err(CliError::input)?;
    let rendered = match format {
        Format::Html => report::html::render(&input.summary, Some(&decision)),
        _ => render(format, &decision, render_decision)?,
    };
    output::print_stdout(&rendered)?;
    Ok(record(store.as_ref(), &decision, input.summary_path))
}

/// Appends the decision to the release store; returns the exit code.
pub(crate) fn record(
    store: &dyn ReleaseStore,
    decision: &Decision,
    summary_path: Option<String>,
) -> i32 {
    let (code, failed) = runbook::record_decision(store, decision, summary_path);
    if let Some(e) = failed {
        output::print_error(&CliError::output(e));
    }
    code
}

pub(crate) fn plan(global: &GlobalArgs, from: Option<&Path>) -> Result<i32, CliError> {
    let format = listing_format(global, "rollback plan")?;
    let (plan, source) = run_input::plan_or_default(global, true)?;
    let input = run_input::obtain(global, (&plan, source), from)?;
    let store = super::open_store(&super::store_location(global, &plan)?);
    let steps =
        runbook::rollback_plan(&plan, &input.summary, store.as_ref()).map_err(CliError::input)?;
    output::print_stdout(&render(format, &steps, render_plan)?)?;
    Ok(exit_code::PASSED)
}

fn render<T: serde::Serialize>(
    format: Format,
    value: &T,
    human: fn(&T) -> String,
) -> Result<String, CliError> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(value).map_err(CliError::output)? + "\n",
        _ => human(value),
    })
}
