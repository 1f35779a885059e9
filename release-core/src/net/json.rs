//! The one way an upstream's JSON body is read: health bodies, `expect.json`, the AI runtime
//! and sessions endpoints, Prometheus, Alertmanager and Railway all go through [`parse_body`],
//! which reads with the crate's one strict JSON reader ([`crate::json`]: not UTF-8, a key
//! twice in one object, nesting past [`MAX_DEPTH`] levels are refused there, for documents
//! read back as for bodies), so the same bytes get the same judgement everywhere.

use std::fmt;

use serde_json::Value;

use super::http::HttpResponse;
pub use crate::json::{JsonProblem, MAX_DEPTH};

/// Why a body is not a JSON document a gate can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// The body was longer than the cap and was cut: what was read is not the whole document.
    #[error("larger than the {cap} byte cap")]
    Truncated {
        /// The bytes read.
        cap: usize,
    },
    /// Nothing but whitespace.
    #[error("empty body")]
    Empty,
    /// Not one strict JSON document.
    #[error("{}", Malformed(.0))]
    Malformed(crate::json::JsonError),
}

impl JsonError {
    /// What is wrong, when the body is there but is not strict JSON.
    pub fn problem(&self) -> Option<JsonProblem> {
        match self {
            JsonError::Malformed(e) => Some(e.problem),
            JsonError::Truncated { .. } | JsonError::Empty => None,
        }
    }
}

/// How a malformed body is worded: `malformed JSON: duplicate key "status" at line 1 column
/// 18`, or `JSON nested deeper than 128 levels (at line 1 column 129)`, since that is valid
/// JSON.
struct Malformed<'a>(&'a crate::json::JsonError);

impl fmt::Display for Malformed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        match e.problem {
            JsonProblem::TooDeep => write!(
                f,
                "JSON {} (at line {} column {})",
                e.message, e.line, e.column
            ),
            _ => write!(
                f,
                "malformed JSON: {} at line {} column {}",
                e.message, e.line, e.column
            ),
        }
    }
}

/// Parses `bytes` as one strict JSON document.
///
/// ```
/// use release_core::net::json::{parse, JsonError, JsonProblem};
/// assert_eq!(parse(br#"{"status":"pass"}"#).unwrap()["status"], "pass");
/// let not_utf8 = parse(b"{\"status\":\"\xff\xfeok\"}").unwrap_err();
/// assert_eq!(not_utf8.problem(), Some(JsonProblem::NotUtf8));
/// let twice = parse(br#"{"status":"fail","status":"pass"}"#).unwrap_err();
/// assert_eq!(twice.to_string(), r#"malformed JSON: duplicate key "status" at line 1 column 18"#);
/// let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
/// assert_eq!(parse(deep.as_bytes()).unwrap_err().problem(), Some(JsonProblem::TooDeep));
/// ```
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(JsonError::Empty);
    }
    crate::json::value(bytes).map_err(JsonError::Malformed)
}

/// A response's body as JSON: refused when it was cut at the cap, then [`parse`]d.
pub fn parse_body(response: &HttpResponse) -> Result<Value, JsonError> {
    if response.truncated {
        return Err(JsonError::Truncated {
            cap: response.body.len(),
        });
    }
    parse(&response.body)
}

/// Bodies every client must refuse, with the start of the reason each gives.
#[cfg(test)]
pub(crate) fn hostile_bodies() -> Vec<(Vec<u8>, &'static str)> {
    vec![
        (
            b"{\"status\":\"success\",\"x\":\"\xff\xfe\"}".to_vec(),
            "malformed JSON: not UTF-8",
        ),
        (
            br#"{"status":"error","status":"success","data":{}}"#.to_vec(),
            r#"malformed JSON: duplicate key "status""#,
        ),
        (
            format!(
                r#"{{"status":"success","x":{}{}}}"#,
                "[".repeat(150),
                "]".repeat(150)
            )
            .into_bytes(),
            "JSON nested deeper than 128 levels",
        ),
    ]
}

/// A response with these bytes, for client tests.
#[cfg(test)]
pub(crate) fn test_response(status: u16, content_type: &str, body: &[u8]) -> HttpResponse {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(value) = content_type.parse() {
        headers.insert(reqwest::header::CONTENT_TYPE, value);
    }
    HttpResponse {
        status,
        headers,
        body: body.to_vec(),
        truncated: false,
        latency: std::time::Duration::ZERO,
        final_url: "http://upstream/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_worded_for_the_gate_that_read_them() {
        for (body, message) in [
            (
                &b"{\"status\":\"\xff\xfeok\"}"[..],
                "malformed JSON: not UTF-8 (byte 0xff) at line 1 column 12",
            ),
            (
                br#"{"checks":{"db":[{"status":"pass","status":"fail"}]}}"#,
                r#"malformed JSON: duplicate key "status" at line 1 column 35"#,
            ),
            (
                br#"{"status": "pa"#,
                "malformed JSON: EOF while parsing a string at line 1 column 15",
            ),
            (
                b"{\"a\":1} x",
                "malformed JSON: trailing characters at line 1 column 9",
            ),
        ] {
            assert_eq!(parse(body).unwrap_err().to_string(), message, "{body:?}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(
            parse(deep.as_bytes()).unwrap_err().to_string(),
            "JSON nested deeper than 128 levels (at line 1 column 129)"
        );
        assert_eq!(parse(b"  \n").unwrap_err(), JsonError::Empty);
        assert_eq!(parse(b"").unwrap_err(), JsonError::Empty);
    }

    #[test]
    fn values_come_out_as_serde_json_reads_them() {
        let text = r#" {"s":"x\u00e9","i":-3,"u":18446744073709551615,"f":1.5e3,"b":true,"n":null,"a":[1,{}]} "#;
        assert_eq!(
            parse(text.as_bytes()).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        // The same key in different objects is fine.
        assert!(parse(br#"[{"a":1},{"a":2},{"x":{"a":3}}]"#).is_ok());
    }

    #[test]
    fn a_body_cut_at_the_cap_is_never_read() {
        let mut response = test_response(200, "application/json", br#"{"status":"pass"}"#);
        response.truncated = true;
        assert_eq!(
            parse_body(&response).unwrap_err().to_string(),
            format!("larger than the {} byte cap", response.body.len())
        );
    }
}
