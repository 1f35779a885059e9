//! `release health check FILE [--schema FILE]`: check a JSON document against a JSON Schema
//! (the health report's by default), every violation with its JSON path and rule.

use std::fmt::Write as _;
use std::path::Path;

use release_core::exit_code;
use release_core::health::{JsonDocument, SchemaChecker, SchemaViolation};
use release_core::names::escaped;
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
        Some(path) => (path.display().to_string(), read_schema(path)?),
        None => (
            SchemaName::HealthReport.as_str().to_owned(),
            SchemaName::HealthReport.schema(),
        ),
    };
    let checker = SchemaChecker::new(&schema)
        .map_err(|e| CliError::Input(format!("{}: {e}", escaped(&schema_name))))?;
    // Held compactly (about twice its text), duplicate keys refused.
    let document = JsonDocument::read_file(file, MAX_INPUT_BYTES)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let errors = checker.check_document(&document);
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

/// The outcome for a person. The document's keys (in each JSON Pointer), the file names and
/// what the schema says are text from input: each is shown escaped. The JSON outcome keeps
/// them as data.
fn human(outcome: &Outcome<'_>) -> String {
    let Outcome {
        file,
        schema,
        valid,
        errors,
    } = outcome;
    let (file, schema) = (escaped(file), escaped(schema));
    if *valid {
        return format!("valid: {file} against {schema}\n");
    }
    let mut out = String::new();
    for v in *errors {
        let path = if v.path.is_empty() { "/" } else { &v.path };
        let _ = writeln!(
            out,
            "  {}: {} ({})",
            escaped(path),
            escaped(&v.message),
            escaped(&v.rule)
        );
    }
    let count = errors.len();
    let plural = if count == 1 { "" } else { "s" };
    let _ = writeln!(
        out,
        "invalid: {file} against {schema} ({count} error{plural})"
    );
    out
}

/// A schema file, read as strictly as the document (it is a JSON document too), then as a
/// value for the schema compiler.
fn read_schema(path: &Path) -> Result<Value, CliError> {
    let document = JsonDocument::read_file(path, MAX_INPUT_BYTES)
        .map_err(|e| CliError::Input(e.to_string()))?;
    Ok(document.to_value())
}
