//! `release health check FILE [--schema FILE]`: a JSON document against a JSON Schema (the
//! health report's by default), every violation with its JSON path and rule.

use std::path::Path;

use release_core::exit_code;
use release_core::health::FileCheck;
use release_core::report::Format;
use release_core::schema::SchemaName;

use super::listing_format;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(
    global: &GlobalArgs,
    file: &Path,
    schema: Option<&Path>,
) -> Result<i32, CliError> {
    let format = listing_format(global, "health check")?;
    let check = match schema {
        Some(path) => FileCheck::against_file(file, path),
        None => {
            let name = SchemaName::HealthReport;
            FileCheck::against(file, name.as_str(), &name.schema())
        }
    };
    let check = check.map_err(CliError::input)?;
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&check).map_err(CliError::output)? + "\n",
        _ => check.human(),
    };
    output::print_stdout(&text)?;
    Ok(match check.valid {
        true => exit_code::PASSED,
        false => exit_code::BLOCKED,
    })
}
