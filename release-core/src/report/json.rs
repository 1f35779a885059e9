//! The JSON summary as a document: what `--format json` prints and `--out` writes.

use super::ReportError;
use crate::Summary;

/// The summary as pretty-printed JSON with a trailing newline: exactly one document.
pub fn render(summary: &Summary) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(summary).map_err(ReportError::Json)?;
    text.push('\n');
    Ok(text)
}
