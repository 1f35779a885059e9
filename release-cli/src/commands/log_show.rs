//! `release log show`: the release store listed (`release_core::report::log_listing`).

use std::path::PathBuf;

use release_core::exit_code;
use release_core::report::log_listing;

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
    let (location, store) = super::log_command_store(global, log.as_deref())?;
    let warn = |text: &str| output::print_stderr(&format!("warning: {text}\n"));
    let shown_as = location.to_string();
    let out = std::io::stdout().lock();
    match log_listing::show(store.as_ref(), &shown_as, format, last, out, warn) {
        Ok(()) => Ok(exit_code::PASSED),
        Err(e @ log_listing::ListingError::Store(_)) => Err(CliError::input(e)),
        Err(e) => Err(CliError::output(e)),
    }
}
