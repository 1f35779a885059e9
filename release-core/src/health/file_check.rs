//! Checking a JSON document file against a JSON Schema (`release health check`): every
//! violation with its JSON path and rule, read bounded and strictly.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::{DocumentReadError, JsonDocument, SchemaCheckError, SchemaChecker, SchemaViolation};
use crate::names::escaped;

/// Neither the document nor the schema is read past this many bytes.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file could not be checked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileCheckError {
    /// The document or the schema could not be read as JSON.
    #[error(transparent)]
    Read(#[from] DocumentReadError),
    /// The schema does not compile.
    #[error("{schema}: {source}")]
    Schema {
        /// The schema's name or path, escaped.
        schema: String,
        /// Why.
        source: SchemaCheckError,
    },
}

/// A document checked against a schema.
#[derive(Debug, Serialize)]
pub struct FileCheck {
    /// The document's path.
    pub file: String,
    /// The schema's path, or the health report schema's name.
    pub schema: String,
    /// Whether the document holds to the schema.
    pub valid: bool,
    /// Every violation.
    pub errors: Vec<SchemaViolation>,
}

impl FileCheck {
    /// Checks `file` against the JSON Schema at `schema_file`.
    pub fn against_file(file: &Path, schema_file: &Path) -> Result<Self, FileCheckError> {
        let schema = read_schema(schema_file)?;
        Self::against(file, &schema_file.display().to_string(), &schema)
    }

    /// Checks `file` against `schema`, named `schema_name` in the outcome (e.g.
    /// `SchemaName::HealthReport`'s). The document is held compactly (about twice its text),
    /// duplicate keys refused.
    pub fn against(file: &Path, schema_name: &str, schema: &Value) -> Result<Self, FileCheckError> {
        let checker = SchemaChecker::new(schema).map_err(|source| FileCheckError::Schema {
            schema: escaped(schema_name).to_string(),
            source,
        })?;
        let document = JsonDocument::read_file(file, MAX_INPUT_BYTES)?;
        let errors = checker.check_document(&document);
        Ok(Self {
            file: file.display().to_string(),
            schema: schema_name.to_owned(),
            valid: errors.is_empty(),
            errors,
        })
    }

    /// The outcome for a person. The document's keys (in each JSON Pointer), the file names and
    /// what the schema says are text from input: each is shown escaped. The JSON outcome keeps
    /// them as data.
    pub fn human(&self) -> String {
        let Self {
            file,
            schema,
            valid,
            errors,
        } = self;
        let (file, schema) = (escaped(file), escaped(schema));
        if *valid {
            return format!("valid: {file} against {schema}\n");
        }
        let mut out = String::new();
        for v in errors {
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
}

/// A schema file, read as strictly as the document (it is a JSON document too), then as a
/// value for the schema compiler.
fn read_schema(path: &Path) -> Result<Value, FileCheckError> {
    let document = JsonDocument::read_file(path, MAX_INPUT_BYTES)?;
    Ok(document.to_value())
}
