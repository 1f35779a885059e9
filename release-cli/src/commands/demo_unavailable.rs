//! `release demo` in a binary built without the `demo` feature, which links the test kit's
//! mock environment: the command stays listed, so a user learns why it does nothing.

use std::path::PathBuf;

use crate::cli::GlobalArgs;
use crate::error::CliError;

pub(crate) fn run(
    _global: &GlobalArgs,
    _scenario: &str,
    _dir: Option<PathBuf>,
) -> Result<i32, CliError> {
    Err(CliError::Input(
        "this `release` was built without the `demo` feature (on by default), so it has no \
         mock environment to run the demo against; rebuild with `--features demo`"
            .to_owned(),
    ))
}
