//! `release health check` in a binary built without the `health-check` feature, which links
//! the JSON Schema validator: the command stays listed, so a user learns why it does nothing.

use std::path::Path;

use crate::cli::GlobalArgs;
use crate::error::CliError;

pub(crate) fn run(
    _global: &GlobalArgs,
    _file: &Path,
    _schema: Option<&Path>,
) -> Result<i32, CliError> {
    Err(CliError::Input(
        "this `release` was built without the `health-check` feature (on by default), so it \
         cannot validate documents; rebuild with `--features health-check`"
            .to_owned(),
    ))
}
