//! The one way an upstream's JSON body is read: health bodies, `expect.json`, the AI runtime
//! and sessions endpoints, Prometheus, Alertmanager and Railway all go through [`parse`], so
//! the same bytes get the same judgement everywhere.
//!
//! - **Not UTF-8 is malformed** (RFC 8259 section 8.1): a byte that is not UTF-8 is never
//!   replaced by `U+FFFD` and read on, since `{"status":"\xff\xfeok"}` is not a status at all.
//! - **A key twice in one object is refused**, in every object of the document. Parsers
//!   disagree on which of the two wins (serde_json keeps the last, others the first), so a
//!   gate that picked one would be guessing what the service meant.
//! - **At most [`MAX_DEPTH`] levels of nesting**, said in those words: deeper documents are
//!   valid JSON, but no health or API answer needs them, and the limit keeps the parser's
//!   recursion bounded.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::http::HttpResponse;

/// The deepest nesting accepted: 128 arrays or objects inside one another.
pub const MAX_DEPTH: usize = 128;

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
    /// A byte sequence that is not UTF-8.
    #[error("malformed JSON: not UTF-8 (byte {byte:#04x} at line {line} column {column})")]
    NotUtf8 {
        /// The first offending byte.
        byte: u8,
        /// Its line, from 1.
        line: usize,
        /// Its column in bytes, from 1.
        column: usize,
    },
    /// One object holds a key twice.
    #[error("malformed JSON: duplicate key `{key}` at line {line} column {column}")]
    DuplicateKey {
        /// The key, cut to 60 characters and without control characters.
        key: String,
        /// Where the second one is.
        line: usize,
        /// Where the second one is.
        column: usize,
    },
    /// Valid JSON, nested deeper than [`MAX_DEPTH`].
    #[error("JSON nested deeper than {MAX_DEPTH} levels (at line {line} column {column})")]
    TooDeep {
        /// Where the level past the limit opens.
        line: usize,
        /// Where the level past the limit opens.
        column: usize,
    },
    /// Not JSON: serde_json's reason, with its position.
    #[error("malformed JSON: {0}")]
    Syntax(String),
}

/// Parses `bytes` as one JSON document under the rules of this module.
///
/// ```
/// use release_core::clients::json::{parse, JsonError};
/// assert_eq!(parse(br#"{"status":"pass"}"#).unwrap()["status"], "pass");
/// assert!(matches!(parse(b"{\"status\":\"\xff\xfeok\"}"), Err(JsonError::NotUtf8 { .. })));
/// let twice = parse(br#"{"status":"fail","status":"pass"}"#).unwrap_err();
/// assert_eq!(twice.to_string(), "malformed JSON: duplicate key `status` at line 1 column 25");
/// let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
/// assert!(matches!(parse(deep.as_bytes()), Err(JsonError::TooDeep { .. })));
/// ```
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(JsonError::Empty);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let (line, column) = position(bytes, at);
        JsonError::NotUtf8 {
            byte: bytes.get(at).copied().unwrap_or_default(),
            line,
            column,
        }
    })?;
    let problem = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    // The depth is bounded by `Node` below, at MAX_DEPTH, before any deeper recursion.
    deserializer.disable_recursion_limit();
    let result = Node {
        depth: 0,
        problem: &problem,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    result.map_err(|e| {
        let (line, column) = (e.line(), e.column());
        match problem.into_inner() {
            Some(Problem::Duplicate(key)) => JsonError::DuplicateKey { key, line, column },
            Some(Problem::TooDeep) => JsonError::TooDeep { line, column },
            None => JsonError::Syntax(e.to_string()),
        }
    })
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

/// Line and column (from 1, in bytes) of `offset`.
fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = match before.iter().rposition(|b| *b == b'\n') {
        Some(newline) => offset - newline,
        None => offset + 1,
    };
    (line, column)
}

enum Problem {
    Duplicate(String),
    TooDeep,
}

/// One value at `depth` containers down; it records what went wrong beyond syntax.
#[derive(Clone, Copy)]
struct Node<'a> {
    depth: usize,
    problem: &'a RefCell<Option<Problem>>,
}

impl Node<'_> {
    fn enter<E: de::Error>(self) -> Result<Self, E> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            *self.problem.borrow_mut() = Some(Problem::TooDeep);
            return Err(E::custom("nested too deep"));
        }
        Ok(Node { depth, ..self })
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so this is always a number.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.enter()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.enter()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                *self.problem.borrow_mut() = Some(Problem::Duplicate(shown_key(&key)));
                return Err(de::Error::custom("duplicate key"));
            }
            let value = map.next_value_seed(inner)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A key as a message shows it: no control characters, at most 60 characters.
fn shown_key(key: &str) -> String {
    let cleaned: String = key.chars().filter(|c| !c.is_control()).collect();
    match cleaned.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &cleaned[..at]),
        None => cleaned,
    }
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
            "malformed JSON: duplicate key `status`",
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

    fn nested(levels: usize) -> String {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    }

    fn nested_objects(levels: usize) -> String {
        format!("{}1{}", r#"{"a":"#.repeat(levels), "}".repeat(levels))
    }

    #[test]
    fn nesting_is_accepted_up_to_the_limit_and_named_past_it() {
        for levels in [1, 2, 127, MAX_DEPTH] {
            assert!(parse(nested(levels).as_bytes()).is_ok(), "{levels} arrays");
            assert!(
                parse(nested_objects(levels).as_bytes()).is_ok(),
                "{levels} objects"
            );
        }
        for levels in [MAX_DEPTH + 1, 200, 100_000] {
            for text in [nested(levels), nested_objects(levels)] {
                let err = parse(text.as_bytes()).unwrap_err();
                assert!(matches!(err, JsonError::TooDeep { .. }), "{levels}: {err}");
                assert!(
                    err.to_string()
                        .starts_with("JSON nested deeper than 128 levels (at line 1 column "),
                    "{err}"
                );
            }
        }
        // Deep but unclosed is still "too deep" first: the limit is met before the end.
        assert!(matches!(
            parse("[".repeat(300).as_bytes()),
            Err(JsonError::TooDeep { .. })
        ));
    }

    #[test]
    fn invalid_utf8_anywhere_is_malformed() {
        for (bytes, line, column) in [
            (&b"{\"status\":\"\xff\xfeok\"}"[..], 1, 12),
            (b"{\"a\":1,\n\"k\xc3\":2}", 2, 3),
            (b"\xef\xbb", 1, 1),
            (b"[\"ok\"]\xff", 1, 7),
            (b"{\"s\":\"\xed\xa0\x80\"}", 1, 7),
        ] {
            match parse(bytes) {
                Err(JsonError::NotUtf8 {
                    line: l, column: c, ..
                }) => assert_eq!((l, c), (line, column), "{bytes:?}"),
                other => panic!("{bytes:?}: {other:?}"),
            }
        }
        let err = parse(b"{\"status\":\"\xff\xfeok\"}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed JSON: not UTF-8 (byte 0xff at line 1 column 12)"
        );
    }

    #[test]
    fn a_key_twice_in_any_object_is_refused() {
        for text in [
            r#"{"status":"pass","status":"pass"}"#,
            r#"{"checks":{"db":[{"status":"pass","status":"fail"}]}}"#,
            r#"[{"a":1},{"b":2,"b":2}]"#,
            r#"{"a":1,"\u0061":2}"#,
        ] {
            assert!(
                matches!(parse(text.as_bytes()), Err(JsonError::DuplicateKey { .. })),
                "{text}"
            );
        }
        // The same key in different objects is fine.
        assert!(parse(br#"[{"a":1},{"a":2},{"x":{"a":3}}]"#).is_ok());
        let long = format!(r#"{{"{0}\n":1,"{0}\n":2}}"#, "k".repeat(100));
        let JsonError::DuplicateKey { key, .. } = parse(long.as_bytes()).unwrap_err() else {
            panic!("duplicate")
        };
        assert_eq!(key, format!("{}…", "k".repeat(60)));
    }

    #[test]
    fn values_come_out_as_serde_json_reads_them() {
        let text = r#" {"s":"x\u00e9","i":-3,"u":18446744073709551615,"f":1.5e3,"b":true,"n":null,"a":[1,{}]} "#;
        assert_eq!(
            parse(text.as_bytes()).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(parse(b"  \n").unwrap_err(), JsonError::Empty);
        assert!(matches!(parse(b"{\"a\":1} x"), Err(JsonError::Syntax(_))));
        assert!(matches!(
            parse(br#"{"status": "pa"#),
            Err(JsonError::Syntax(_))
        ));
    }
}
