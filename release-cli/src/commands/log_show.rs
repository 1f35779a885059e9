//! `release log show`: the release log listed (`release_core::report::log_listing`).

use std::path::PathBuf;

use release_core::report::log_listing;
use release_core::{Plan, PlanError, exit_code};

use super::listing_format;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(
    global: &GlobalArgs,
    last: Option<usize>,
    log: Option<PathBuf>,
) -> Result<i32, CliError> {
    let format = listing_format(global, "log show")?;
    let path = match log {
        Some(path) => path,
        None => match Plan::load(&global.plan) {
            Ok(plan) => plan.release.log_path(),
            // Without a plan the default location is the only sensible guess.
            Err(PlanError::Read { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                release_core::plan::ReleaseSection::default().log_path()
            }
            Err(e) => return Err(CliError::input(e)),
        },
    };
    let log = super::release_log(&path);
    let warn = |text: &str| output::print_stderr(&format!("warning: {text}\n"));
    match log_listing::show(&log, format, last, std::io::stdout().lock(), warn) {
        Ok(()) => Ok(exit_code::PASSED),
        Err(e @ log_listing::ListingError::Log(_)) => Err(CliError::input(e)),
        Err(e) => Err(CliError::output(e)),
    }
}
