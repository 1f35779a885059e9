//! `release report --from FILE`: a recorded run's summary (a gate run's, a rollout's or a
//! rollback's) rendered again in `--format`, e.g. as the HTML page
//! (`release_core::rollout::RecordedDocument`).

use std::path::Path;

use release_core::report::{Format, RenderOptions};
use release_core::rollback::Decision;
use release_core::rollout::RecordedDocument;
use release_core::run::{PlanSource, RunError};

use super::run_input;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(global: &GlobalArgs, from: &Path) -> Result<i32, CliError> {
    let document = RecordedDocument::read(from).map_err(RunError::Recorded)?;
    // Only the page shows a launch gate's decision; a report is written whatever stands in
    // the way of replaying it.
    let decision = match global.format == Format::Html && document.replays_decision() {
        true => page_decision(global, &document).unwrap_or_else(|why| {
            output::print_note(&format!("the page shows no rollback decision: {why}"));
            None
        }),
        false => None,
    };
    let options = RenderOptions {
        color: global.format == Format::Human && output::stdout_color(global.color),
        verbose: global.verbose > 0,
    };
    let rendered = document
        .render(global.format, &options, decision.as_ref())
        .map_err(CliError::output)?;
    output::print_stdout(&rendered)?;
    Ok(release_core::exit_code::PASSED)
}

/// The decision the plan's triggers give over a launch gate's run; none without a plan file.
fn page_decision(
    global: &GlobalArgs,
    document: &RecordedDocument,
) -> Result<Option<Decision>, String> {
    let (plan, source) = run_input::plan_or_default(global, false).map_err(|e| e.to_string())?;
    if source == PlanSource::Defaults {
        return Ok(None);
    }
    let location = super::store_location(global, &plan).map_err(|e| e.to_string())?;
    let store = super::open_store(&location);
    document
        .decision(&plan, store.as_ref())
        .map_err(|e| e.to_string())
}
