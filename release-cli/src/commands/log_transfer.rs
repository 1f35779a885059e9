//! `release log import FILE` and `release log export`: records into and out of the release
//! store as JSON Lines (`release_core::log::import_file`, `export`).

use std::path::{Path, PathBuf};

use release_core::exit_code;
use release_core::log::{self, TornLine, TransferError};
use release_core::names::escaped;
use release_core::report::Format;
use serde_json::json;

use super::listing_format;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn import(
    global: &GlobalArgs,
    file: &Path,
    log: Option<PathBuf>,
) -> Result<i32, CliError> {
    let format = listing_format(global, "log import")?;
    let (location, store) = super::log_command_store(global, log.as_deref())?;
    let report = log::import_file(&location, store.as_ref(), file).map_err(transfer_error)?;
    let shown = escaped(&file.display().to_string()).into_owned();
    for problem in &report.skipped {
        warn(&shown, problem);
    }
    let text = match format {
        Format::Json => {
            let skipped: Vec<_> = (report.skipped.iter())
                .map(|p| json!({ "line": p.line, "reason": escaped(&p.reason) }))
                .collect();
            let document = json!({
                "file": shown,
                "store": location.to_string(),
                "added": report.imported.added,
                "already_present": report.imported.already_present,
                "skipped": skipped,
            });
            serde_json::to_string_pretty(&document).map_err(CliError::output)? + "\n"
        }
        _ => format!(
            "imported {shown} into {}: {} added, {} already present, {} skipped\n",
            escaped(&location.to_string()),
            report.imported.added,
            report.imported.already_present,
            report.skipped.len()
        ),
    };
    output::print_stdout(&text)?;
    Ok(exit_code::PASSED)
}

pub(crate) fn export(
    global: &GlobalArgs,
    to: Option<&Path>,
    log: Option<PathBuf>,
) -> Result<i32, CliError> {
    if let Some(path) = to {
        release_core::atomic::check(path)
            .map_err(|e| CliError::Input(format!("--output {}: {}", path.display(), e.source)))?;
    }
    let (location, store) = super::log_command_store(global, log.as_deref())?;
    let shown = escaped(&location.to_string()).into_owned();
    let problem = |torn: &TornLine| warn(&shown, torn);
    let Some(path) = to else {
        let out = std::io::stdout().lock();
        log::export(store.as_ref(), out, problem).map_err(transfer_error)?;
        return Ok(exit_code::PASSED);
    };
    // Streamed into a temporary file that replaces the target once whole: a reader never sees
    // half an export, and a million records are never held in memory.
    let mut failed = None;
    let written = release_core::atomic::write_with(path, |out| {
        log::export(store.as_ref(), out, problem).map_err(|e| {
            let io = std::io::Error::other(e.to_string());
            failed = Some(e);
            io
        })
    });
    if let Some(e) = failed {
        return Err(transfer_error(e));
    }
    let exported = written.map_err(CliError::output)?;
    output::print_stderr(&format!(
        "exported {} records from {shown} to {}\n",
        exported.records,
        escaped(&path.display().to_string())
    ));
    Ok(exit_code::PASSED)
}

/// A line that is not a record, on stderr: `FILE:12: reason`, `URL: row 12: reason`.
fn warn(shown: &str, problem: &TornLine) {
    let reason = escaped(&problem.reason);
    let text = match problem.row || problem.from_end {
        true => format!("warning: {shown}: {}: {reason}\n", problem.position()),
        false => format!("warning: {shown}:{}: {reason}\n", problem.line),
    };
    output::print_stderr(&text);
}

/// The store or the file could not be used: invalid input (2); the output could not be
/// written: an output error (2 as well).
fn transfer_error(error: TransferError) -> CliError {
    match error {
        e @ TransferError::Write(_) => CliError::output(e),
        e => CliError::input(e),
    }
}
