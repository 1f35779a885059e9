//! `release report --from FILE`: a recorded run's summary (a gate run's, a rollout's or a
//! rollback's) rendered again in `--format`, e.g. as the HTML page
//! (`release_core::rollout::RecordedDocument`).

use std::path::Path;

use release_core::report::{Format, RenderOptions};
use release_core::rollout::RecordedDocument;
use release_core::run::{PlanSource, RunError};

use super::run_input;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(global: &GlobalArgs, from: &Path) -> Result<i32, CliError> {
    let document = RecordedDocument::read(from).map_err(RunError::Recorded)?;
    // Only the page shows a launch gate's decision; it is replayed from the plan's triggers
    // and the store, and a report is still written when that cannot be done.
    let decision = match (global.format, run_input::plan_or_default(global, false)?) {
        (Format::Html, (plan, PlanSource::File)) => {
            let store = super::open_store(&super::store_location(global, &plan)?);
            document
                .decision(&plan, store.as_ref())
                .unwrap_or_else(|e| {
                    output::print_stderr(&format!(
                        "note: the page shows no rollback decision: {e}\n"
                    ));
                    None
                })
        }
        _ => None,
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
