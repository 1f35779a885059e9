//! Checks on plan settings that their types cannot express and that would otherwise fail only
//! when a gate runs: URL templates, HTTP headers, date-times, and text that does not print as
//! itself anywhere in the plan. Each returns what is wrong as a message fragment; the loader
//! adds where.

use std::ops::Range;

use reqwest::header::HeaderName;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::build::URL_PLACEHOLDERS;
use crate::names::{acts_instead_of_showing, escaped};

/// Checks a URL setting such as `{api_url}/health`: every placeholder is a base URL a plan's
/// environment has (`{api_url}`, `{web_url}`, `{prometheus_url}`, `{alertmanager_url}`), every
/// `{` is closed, and once filled it is an absolute URL; without a placeholder in front, an
/// `http` or `https` one.
pub(crate) fn url_template(template: &str) -> Result<(), String> {
    // The base URLs themselves are checked where the environments set them.
    const BASE: &str = "https://base.invalid";
    let mut filled = String::with_capacity(template.len() + BASE.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err("has a `{` without its `}`".to_owned());
        };
        let name = &after[..close];
        if !URL_PLACEHOLDERS.contains(&name) {
            let known: Vec<String> = URL_PLACEHOLDERS
                .iter()
                .map(|p| format!("`{{{p}}}`"))
                .collect();
            return Err(format!(
                "uses `{{{}}}`, which is not a base URL an environment has; expected one of {}",
                escaped(name),
                known.join(", ")
            ));
        }
        filled.push_str(BASE);
        rest = &after[close + 1..];
    }
    filled.push_str(rest);
    match url::Url::parse(&filled) {
        // Never sent: the gate would check the URL without it, not the one written.
        Ok(url) if url.fragment().is_some() => Err(
            "has a fragment (`#…`), which is never sent; the gate would check the URL without it"
                .to_owned(),
        ),
        Ok(url) if template.starts_with('{') || matches!(url.scheme(), "http" | "https") => Ok(()),
        Ok(url) => Err(format!(
            "is a `{}` URL; expected `http` or `https`",
            escaped(url.scheme())
        )),
        Err(e) => Err(format!("is not an absolute URL: {e}")),
    }
}

/// Headers the HTTP client writes itself, from the body and the connection: a plan's value
/// would contradict it (a wrong `content-length`) or be refused by HTTP/2.
const CLIENT_HEADERS: [&str; 8] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
];

fn header_name(name: &str) -> Result<HeaderName, HeaderProblem> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        HeaderProblem::Name(format!(
            "`{}` is not a valid header name (letters, digits and !#$%&'*+-.^_|~, no spaces)",
            escaped(name)
        ))
    })
}

/// What is wrong with a header, and whether its name or its value is at fault (the loader
/// reports each where it is written).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    /// The name cannot be sent or received.
    Name(String),
    /// The value cannot be sent, or never matches.
    Value(String),
}

/// The characters a header value may hold as text: visible ASCII, spaces and tabs. The `http`
/// crate also lets bytes above 127 through (`obs-text`), which would carry a bidirectional
/// override or an invisible character as UTF-8; a plan's value is held to the text.
fn first_not_in_header(value: &str) -> Option<char> {
    value.chars().find(|c| !matches!(c, ' ' | '\t' | '!'..='~'))
}

/// Checks a header the gate sends, by the rules the HTTP client applies when it sends it.
pub(crate) fn sent_header(name: &str, value: &str) -> Result<(), HeaderProblem> {
    let parsed = header_name(name)?;
    if CLIENT_HEADERS.contains(&parsed.as_str()) {
        return Err(HeaderProblem::Name(format!(
            "header `{}` is set by the HTTP client; a plan cannot set it",
            escaped(name)
        )));
    }
    match first_not_in_header(value) {
        Some(c) => Err(HeaderProblem::Value(format!(
            "header `{}`: the value holds `{}`, which a header value cannot (visible ASCII characters, spaces and tabs; no line breaks)",
            escaped(name),
            escaped(c.encode_utf8(&mut [0; 4]))
        ))),
        None => Ok(()),
    }
}

/// Checks a header a response must have: a name no response can carry, or text no header
/// value can hold, could never match.
pub(crate) fn expected_header(name: &str, value: &str) -> Result<(), HeaderProblem> {
    header_name(name)?;
    match first_not_in_header(value) {
        Some(c) => Err(HeaderProblem::Value(format!(
            "header `{}`: the expected text holds `{}`, so it can never match; header values hold visible ASCII characters, spaces and tabs only",
            escaped(name),
            escaped(c.encode_utf8(&mut [0; 4]))
        ))),
        None => Ok(()),
    }
}

/// Where a plan's string is, as its keys from the top (array indices left out): `gates.title`,
/// `environments.staging.api_url`.
type KeyPath<'a> = Vec<&'a str>;

/// Whether a string at this path is data the plan passes on (a script, a request body, a
/// pattern, an expected value) rather than text shown as it is. Data may hold line breaks and
/// tabs; nothing else that acts instead of showing is allowed anywhere. A path not listed is
/// shown text, so a new setting is held to the stricter rule until it is listed here.
fn is_data(path: &[&str]) -> bool {
    matches!(
        path,
        ["gates", "shell" | "command" | "body" | "query"]
            | ["gates", "json", ..]
            | ["gates", "env" | "headers", _]
            | ["gates", "expect", "headers", _]
            | ["gates", "expect", "json", "value", ..]
            | ["gates", "vars", "regex"]
            | ["gates", "services", "start" | "stop"]
            | ["gates", "services", "env", _]
            | ["gates", "services", "ready", "command"]
    )
}

/// A string in the plan that does not print as itself.
pub(crate) struct Unprintable {
    /// Where it is.
    pub(crate) at: Range<usize>,
    /// The index of the `[[gates]]` entry it is in, if any.
    pub(crate) gate: Option<usize>,
    /// What is wrong, naming the setting.
    pub(crate) message: String,
}

/// The `[[gates]]` entry a walk is in: its index, and its id when it has a plain one.
#[derive(Clone, Copy)]
struct InGate<'a> {
    index: usize,
    id: Option<&'a str>,
}

/// Every string and key of the plan that holds a character acting instead of showing: a
/// control character (line breaks and tabs allowed in data, see [`is_data`]), a
/// bidirectional override or an invisible formatting character. Such text shows as something
/// else than it is in a terminal, a report or the plan itself (a title reading backwards, a
/// `PORT` that is not `PORT`), so it is refused wherever it is, not field by field.
pub(crate) fn unprintable(root: &DeTable<'_>) -> Vec<Unprintable> {
    let mut found = Vec::new();
    walk_table(root, &mut Vec::new(), None, &mut found);
    found
}

/// How a message names the setting at `path`: `gate `api-health`: `title``, or the dotted
/// path (`release.name`).
fn setting(path: &[&str], gate: Option<InGate<'_>>) -> String {
    match (path, gate) {
        (["gates", rest @ ..], Some(InGate { id: Some(id), .. })) if !rest.is_empty() => {
            format!("gate `{}`: `{}`", escaped(id), rest.join("."))
        }
        ([], _) => "the plan".to_owned(),
        _ => format!("`{}`", path.join(".")),
    }
}

fn walk_table<'a>(
    table: &'a DeTable<'_>,
    path: &mut KeyPath<'a>,
    gate: Option<InGate<'a>>,
    found: &mut Vec<Unprintable>,
) {
    for (key, value) in table {
        let name: &str = key.get_ref();
        path.push(name);
        let problem = printable_as(name, is_data(path));
        path.pop();
        if let Err(problem) = problem {
            found.push(Unprintable {
                at: key.span(),
                gate: gate.map(|g| g.index),
                message: format!(
                    "{} has a key `{}` that {problem}",
                    setting(path, gate),
                    escaped(name)
                ),
            });
        }
        path.push(name);
        walk_value(value, path, gate, found);
        path.pop();
    }
}

fn walk_value<'a>(
    value: &'a Spanned<DeValue<'_>>,
    path: &mut KeyPath<'a>,
    gate: Option<InGate<'a>>,
    found: &mut Vec<Unprintable>,
) {
    match value.get_ref() {
        DeValue::String(text) => {
            if let Err(problem) = printable_as(text, is_data(path)) {
                found.push(Unprintable {
                    at: value.span(),
                    gate: gate.map(|g| g.index),
                    message: format!("{} {problem}", setting(path, gate)),
                });
            }
        }
        DeValue::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let gate = match (path.as_slice(), item.get_ref()) {
                    (["gates"], DeValue::Table(table)) => Some(InGate {
                        index,
                        id: table
                            .get("id")
                            .and_then(|id| id.get_ref().as_str())
                            .filter(|id| crate::names::check_name(id).is_ok()),
                    }),
                    (["gates"], _) => Some(InGate { index, id: None }),
                    _ => gate,
                };
                walk_value(item, path, gate, found);
            }
        }
        DeValue::Table(table) => walk_table(table, path, gate, found),
        DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) | DeValue::Datetime(_) => {}
    }
}

/// Checks that text prints as itself: no control characters, which a terminal would act on,
/// and no bidirectional overrides or invisible characters, which would make it show as
/// something else. Data may hold line breaks and tabs.
fn printable_as(text: &str, data: bool) -> Result<(), String> {
    let allowed = |c: char| data && matches!(c, '\n' | '\r' | '\t');
    match text
        .chars()
        .find(|c| acts_instead_of_showing(*c) && !allowed(*c))
    {
        Some(c) => Err(format!(
            "holds {}`{}`, which does not print as itself{}",
            if c == '\0' { "a NUL character " } else { "" },
            escaped(c.encode_utf8(&mut [0; 4])),
            if data {
                " (line breaks and tabs are the only such characters allowed here)"
            } else {
                ""
            }
        )),
        None => Ok(()),
    }
}

/// Where the date-times in a value are. No setting takes one, and serde would report it as a
/// table with a private key, or turn it into one inside a JSON body.
pub(crate) fn datetimes(value: &Spanned<DeValue<'_>>, found: &mut Vec<Range<usize>>) {
    match value.get_ref() {
        DeValue::Datetime(_) => found.push(value.span()),
        DeValue::Array(items) => items.iter().for_each(|item| datetimes(item, found)),
        DeValue::Table(table) => table.values().for_each(|item| datetimes(item, found)),
        DeValue::String(_) | DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) => {}
    }
}

/// The message for a date-time.
pub(crate) const DATETIME: &str = "a date-time is not allowed here; use a string";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_templates() {
        for fine in [
            "{api_url}/health",
            "{web_url}",
            "https://status.example.com/x?y=1",
            "http://127.0.0.1:9090",
            "{prometheus_url}/api/v1/query",
            "https://proxy.example.com/?to={api_url}",
        ] {
            assert_eq!(url_template(fine), Ok(()), "{fine}");
        }
        let err = |t: &str| url_template(t).unwrap_err();
        assert!(err("{nope_url}/x").contains("uses `{nope_url}`"));
        assert!(err("{api_url}/{a").contains("without its `}`"));
        assert!(err("api.example.com").contains("not an absolute URL"));
        assert!(err("file:///etc/passwd").contains("a `file` URL"));
        assert!(err("{\u{1b}}").contains("`{\\u{1b}}`"));
        assert!(err("{api_url}/health#top").contains("fragment"));
        assert!(err("https://status.example.com/#").contains("fragment"));
    }

    #[test]
    fn headers() {
        let value = |p| matches!(p, Err(HeaderProblem::Value(_)));
        let name = |p| matches!(p, Err(HeaderProblem::Name(_)));
        assert_eq!(sent_header("X-Request-Id", "a\tb c"), Ok(()));
        assert!(name(sent_header("a b", "x")));
        assert!(value(sent_header("x", "a\r\nb")));
        assert!(value(sent_header("x", "caf\u{e9}")));
        assert!(value(sent_header("x", "a\u{202e}")));
        assert!(name(sent_header("Content-Length", "1")));
        assert!(value(expected_header("x", "\u{1}")));
        assert!(value(expected_header("x", "\u{200b}")));
        assert_eq!(expected_header("content-length", "1"), Ok(()));
        assert_eq!(
            sent_header("x", "a\u{1b}b"),
            Err(HeaderProblem::Value("header `x`: the value holds `\\u{1b}`, which a header value cannot (visible ASCII characters, spaces and tabs; no line breaks)".to_owned()))
        );
    }

    #[test]
    fn printable_texts() {
        assert_eq!(printable_as("artifacts/release", false), Ok(()));
        assert_eq!(printable_as("/tmp/été 🚀", false), Ok(()));
        assert_eq!(
            printable_as("a\u{0}", false),
            Err("holds a NUL character `\\u{0}`, which does not print as itself".to_owned())
        );
        assert!(printable_as("\u{202e}lanif", false).is_err());
        assert!(printable_as("a\nb", false).is_err());
        assert_eq!(printable_as("set -e\n\techo ok\r\n", true), Ok(()));
        assert!(printable_as("echo \u{202e}", true).is_err());
        assert!(printable_as("a\u{1b}[31m", true).is_err());
    }

    #[test]
    fn data_is_where_the_plan_passes_text_on() {
        for data in [
            &["gates", "shell"][..],
            &["gates", "json", "a", "b"],
            &["gates", "env", "X"],
            &["gates", "expect", "json", "value"],
            &["gates", "services", "ready", "command"],
        ] {
            assert!(is_data(data), "{data:?}");
        }
        for shown in [
            &["gates", "title"][..],
            &["gates", "unit"],
            &["gates", "env"],
            &["gates", "vars", "name"],
            &["gates", "vars", "description"],
            &["tokens", "admin"],
            &["release", "name"],
        ] {
            assert!(!is_data(shown), "{shown:?}");
        }
    }
}
