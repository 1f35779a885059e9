//! Writing what a finished run leaves behind: summary files, the GitHub step summary, the
//! release log; and the exit code when one of them could not be written.

use std::path::PathBuf;

use super::error::RecordError;
use crate::log::{LogLine, LogRecord, ReleaseStore, StoreError};
use crate::report;
use crate::{Outcome, Summary, exit_code};

/// What [`record`] wrote and what it could not.
#[derive(Debug, Default)]
pub struct Recorded {
    /// The first summary file written, as the release log names it.
    pub summary_path: Option<String>,
    /// The writes that failed, in the order tried.
    pub failures: Vec<RecordError>,
}

/// Writes `summary` as JSON to each of `summary_files` (atomically; `json` is its text when the
/// caller rendered it already), appends it to the GitHub step summary at `step_summary`, and
/// appends its record to `store` (a store that could not be opened is a failure too, after
/// the local files are written). Every write is tried even when one fails.
pub fn record(
    summary: &Summary,
    summary_files: &[PathBuf],
    json: Option<String>,
    step_summary: Option<&std::path::Path>,
    store: Result<&dyn ReleaseStore, StoreError>,
) -> Recorded {
    let mut recorded = Recorded::default();
    if let Some(path) = step_summary
        && let Err(e) = report::github::append_step_summary(path, summary)
    {
        recorded.failures.push(RecordError::StepSummary(e));
    }
    if !summary_files.is_empty() {
        match json.map_or_else(|| report::json::render(summary), Ok) {
            Ok(json) => {
                for path in summary_files {
                    match crate::atomic::write(path, json.as_bytes()) {
                        Ok(()) => {
                            tracing::debug!(path = %path.display(), "summary written");
                            recorded
                                .summary_path
                                .get_or_insert_with(|| path.display().to_string());
                        }
                        Err(e) => recorded.failures.push(e.into()),
                    }
                }
            }
            Err(e) => recorded.failures.push(e.into()),
        }
    }
    let line = LogRecord::from_summary(summary, summary.finished_at, recorded.summary_path.clone());
    if let Err(e) = store.and_then(|store| store.append_line(&LogLine::Run(line))) {
        recorded.failures.push(e.into());
    }
    recorded
}

/// The exit code of a run whose artifacts could not all be written: a blocked release stays
/// blocked; otherwise the lost artifact makes the run unusable (invalid input, 2).
pub fn record_exit_code(summary: &Summary, recorded: &Recorded) -> i32 {
    match (recorded.failures.is_empty(), summary.outcome) {
        (true, outcome) => outcome.exit_code(),
        (false, Outcome::Blocked) => exit_code::BLOCKED,
        (false, Outcome::Passed | Outcome::PassedWithWarnings) => exit_code::INVALID_INPUT,
    }
}
