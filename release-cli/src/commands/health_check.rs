//! `release health check FILE [--schema FILE]`: check a JSON document against a JSON Schema
//! (the health report's by default), every violation with its JSON path and rule.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

use release_core::exit_code;
use release_core::health::{SchemaChecker, SchemaViolation};
use release_core::report::Format;
use release_core::schema::SchemaName;
use serde::Serialize;
use serde_json::Value;

use super::listing_format;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

/// Neither the document nor the schema is read past this many bytes.
const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Serialize)]
struct Outcome<'a> {
    file: String,
    schema: String,
    valid: bool,
    errors: &'a [SchemaViolation],
}

pub(crate) fn run(
    global: &GlobalArgs,
    file: &Path,
    schema: Option<&Path>,
) -> Result<i32, CliError> {
    let format = listing_format(global, "health check")?;
    let (schema_name, schema) = match schema {
        Some(path) => (path.display().to_string(), read_json(path)?),
        None => (
            SchemaName::HealthReport.as_str().to_owned(),
            SchemaName::HealthReport.schema(),
        ),
    };
    let checker =
        SchemaChecker::new(&schema).map_err(|e| CliError::Input(format!("{schema_name}: {e}")))?;
    let document = read_json(file)?;
    let errors = checker.check(&document);
    let outcome = Outcome {
        file: file.display().to_string(),
        schema: schema_name,
        valid: errors.is_empty(),
        errors: &errors,
    };
    let text = match format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&outcome).map_err(CliError::output)?
        ),
        _ => human(&outcome),
    };
    output::print_stdout(&text)?;
    Ok(if outcome.valid {
        exit_code::PASSED
    } else {
        exit_code::BLOCKED
    })
}

fn human(outcome: &Outcome<'_>) -> String {
    let Outcome {
        file,
        schema,
        valid,
        errors,
    } = outcome;
    if *valid {
        return format!("valid: {file} against {schema}\n");
    }
    let mut out = String::new();
    for v in *errors {
        let path = if v.path.is_empty() { "/" } else { &v.path };
        let _ = writeln!(out, "  {path}: {} ({})", v.message, v.rule);
    }
    let count = errors.len();
    let plural = if count == 1 { "" } else { "s" };
    let _ = writeln!(
        out,
        "invalid: {file} against {schema} ({count} error{plural})"
    );
    out
}

/// A JSON file, read up to [`MAX_INPUT_BYTES`]; a parse error names the file, line and column.
fn read_json(path: &Path) -> Result<Value, CliError> {
    let shown = path.display();
    let bytes = read_limited(path, MAX_INPUT_BYTES)
        .map_err(|e| CliError::Input(format!("failed to read {shown}: {e}")))?
        .ok_or_else(|| {
            CliError::Input(format!(
                "{shown} is larger than {} MiB; refusing to read it",
                MAX_INPUT_BYTES / (1024 * 1024)
            ))
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        // serde_json ends its message with " at line L column C"; the location goes first here.
        let reason = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let reason = reason.strip_suffix(&suffix).unwrap_or(&reason);
        CliError::Input(format!(
            "{shown}:{}:{}: not valid JSON: {reason}",
            e.line(),
            e.column()
        ))
    })
}

/// The file's bytes, or `None` when it holds more than `limit`; the cap holds while reading,
/// so pipes and devices (whose metadata says 0 bytes) are bounded too.
fn read_limited(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}
