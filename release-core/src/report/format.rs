use std::fmt;
use std::str::FromStr;

use super::{ReportError, html, human, json, junit, markdown};
use crate::Summary;

/// An output format for a run's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A table and explanations for people, optionally coloured.
    Human,
    /// The JSON summary: exactly one document.
    Json,
    /// JUnit XML, one test case per gate.
    Junit,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// One self-contained HTML page with a chart per soak window.
    Html,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 5] = [
        Format::Human,
        Format::Json,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// Whether stdout must hold the document and nothing else: a program or a browser reads
    /// it, not a person at a terminal.
    ///
    /// ```
    /// use release_core::report::Format;
    /// assert!(Format::Json.is_machine());
    /// assert!(!Format::Markdown.is_machine());
    /// ```
    pub fn is_machine(self) -> bool {
        matches!(self, Format::Json | Format::Junit | Format::Html)
    }

    /// Every name, comma-separated, for error messages.
    pub(crate) fn names() -> String {
        Format::ALL.map(Format::as_str).join(", ")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ReportError;

    /// ```
    /// use release_core::report::Format;
    /// assert_eq!("junit".parse::<Format>().ok(), Some(Format::Junit));
    /// let error = "xml".parse::<Format>().unwrap_err().to_string();
    /// assert!(error.contains("human, json, junit, markdown, html"), "{error}");
    /// ```
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.as_str() == name)
            .ok_or_else(|| ReportError::UnknownFormat {
                name: name.to_owned(),
            })
    }
}

/// How to render; only the human format reads these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour verdicts and the outcome with ANSI escapes.
    pub color: bool,
    /// Also explain passing gates (their observations and evidence).
    pub verbose: bool,
}

/// Renders a summary in a format.
///
/// ```
/// use release_core::report::{Format, RenderOptions, render};
/// # fn summary() -> release_core::Summary {
/// #     serde_json::from_value(serde_json::json!({
/// #         "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
/// #         "run_id": "r1", "phase": "launch", "environment": "production", "strict": false,
/// #         "started_at": "2026-11-27T10:00:00Z", "finished_at": "2026-11-27T10:00:01Z",
/// #         "duration_ms": 1000, "outcome": "passed",
/// #         "counts": { "pass": 0, "warn": 0, "fail": 0, "inconclusive": 0, "error": 0, "skipped": 0 },
/// #         "gates": []
/// #     })).unwrap()
/// # }
/// let text = render(Format::Human, &summary(), &RenderOptions::default()).unwrap();
/// assert!(text.starts_with("release launch · production\n"));
/// ```
pub fn render(
    format: Format,
    summary: &Summary,
    options: &RenderOptions,
) -> Result<String, ReportError> {
    match format {
        Format::Human => Ok(human::render(summary, options)),
        Format::Json => json::render(summary),
        Format::Junit => junit::render(summary),
        Format::Markdown => Ok(markdown::render(summary)),
        Format::Html => Ok(html::render(summary, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.to_string().parse::<Format>().ok(), Some(format));
        }
        assert_eq!(
            Format::ALL.map(Format::is_machine),
            [false, true, true, false, true]
        );
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        for name in ["", "JSON", "xml", " human"] {
            let want = format!(
                "unknown report format {name:?}: expected one of human, json, junit, markdown, html"
            );
            let got = name.parse::<Format>().map_err(|e| e.to_string());
            assert_eq!(got, Err(want));
        }
    }
}
