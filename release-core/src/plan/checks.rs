//! Checks on plan settings that their types cannot express and that would otherwise fail only
//! when a gate runs: URL templates, HTTP headers, date-times, text a path cannot hold. Each
//! returns what is wrong as a message fragment; the loader adds where.

use std::ops::Range;

use reqwest::header::{HeaderName, HeaderValue};
use toml::Spanned;
use toml::de::DeValue;

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

fn header_name(name: &str) -> Result<HeaderName, String> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        format!(
            "`{}` is not a valid header name (letters, digits and !#$%&'*+-.^_|~, no spaces)",
            escaped(name)
        )
    })
}

/// Checks a header the gate sends, by the rules the HTTP client applies when it sends it.
pub(crate) fn sent_header(name: &str, value: &str) -> Result<(), String> {
    let parsed = header_name(name)?;
    if CLIENT_HEADERS.contains(&parsed.as_str()) {
        return Err(format!(
            "header `{}` is set by the HTTP client; a plan cannot set it",
            escaped(name)
        ));
    }
    HeaderValue::from_str(value).map(drop).map_err(|_| {
        format!(
            "header `{}`: the value is not a valid header value (visible ASCII characters, spaces and tabs; no line breaks)",
            escaped(name)
        )
    })
}

/// Checks a header a response must have: a name no response can carry, or text no header
/// value can hold, could never match.
pub(crate) fn expected_header(name: &str, value: &str) -> Result<(), String> {
    header_name(name)?;
    HeaderValue::from_str(value).map(drop).map_err(|_| {
        format!(
            "header `{}`: the expected text can never match; header values hold visible ASCII characters, spaces and tabs only",
            escaped(name)
        )
    })
}

/// Checks text that names a path or is shown as a name: no control characters, which a
/// terminal would act on and a path cannot sensibly hold, and no bidirectional overrides or
/// invisible characters, which would make it show as something else.
pub(crate) fn printable(text: &str) -> Result<(), String> {
    match text.chars().find(|c| acts_instead_of_showing(*c)) {
        Some(c) => Err(format!(
            "holds `{}`, which does not print as itself",
            escaped(c.encode_utf8(&mut [0; 4]))
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
    }

    #[test]
    fn headers() {
        assert_eq!(sent_header("X-Request-Id", "a\tb c"), Ok(()));
        assert!(
            sent_header("a b", "x")
                .unwrap_err()
                .contains("not a valid header name")
        );
        assert!(
            sent_header("x", "a\r\nb")
                .unwrap_err()
                .contains("the value")
        );
        assert!(
            sent_header("Content-Length", "1")
                .unwrap_err()
                .contains("HTTP client")
        );
        assert!(
            expected_header("x", "\u{1}")
                .unwrap_err()
                .contains("never match")
        );
        assert_eq!(expected_header("content-length", "1"), Ok(()));
    }

    #[test]
    fn printable_texts() {
        assert_eq!(printable("artifacts/release"), Ok(()));
        assert_eq!(printable("/tmp/été"), Ok(()));
        assert_eq!(
            printable("a\u{0}"),
            Err("holds `\\u{0}`, which does not print as itself".to_owned())
        );
        assert!(printable("\u{202e}lanif").is_err());
    }
}
