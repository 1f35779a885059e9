//! An upstream answer's shape in a person's words. Upstream bodies are read into typed
//! structs with serde; serde's own messages speak Rust (`invalid type: floating point `0.5`,
//! expected a string`, `expected f64`, `invalid length 3, expected fewer elements in array`)
//! and do not say where in the answer the problem is. [`from_value`] reads a value the same
//! way and, when it does not fit, says where and what in JSON's terms:
//! `` `edges[0].node.status`: expected a string, got null ``. Every client that reads an
//! upstream's JSON into a type goes through it (Prometheus's envelope, Alertmanager's alerts,
//! Railway's data); `plan/wording.rs` does the same for plans, in TOML's terms.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::json::{Scalar, Sink};
use crate::names::escaped;

/// A JSON value's kind, for a message: `null`, `a number`, `an object`.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON value as a message names what came: `null`, `true`, `the number 0.5`, `the string
/// "x"` (at most 40 characters, escaped), `an array of 3`, `an object`.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => format!("the number {}", crate::number::value_text(value)),
        Value::String(text) => format!("the string {}", quoted(text)),
        Value::Array(items) => format!("an array of {}", items.len()),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// Upstream text quoted for a message: at most 40 characters, characters that would act on a
/// terminal written as escapes.
fn quoted(text: &str) -> String {
    let clipped: String = text.chars().take(40).collect();
    let more = if clipped.len() < text.len() {
        "…"
    } else {
        ""
    };
    format!("\"{}{more}\"", escaped(&clipped))
}

/// `T` read from an upstream's JSON `value`, or why not, worded for a person and naming where
/// (`` `project.name`: expected a string, got null ``).
pub(crate) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    T::deserialize(value).map_err(|e| {
        let message = e.to_string();
        let mut path = locate::<T>(value).unwrap_or_default();
        // A length is the array's, where serde stops at the item one too many.
        if message.starts_with("invalid length ")
            && path.ends_with(']')
            && let Some(open) = path.rfind('[')
        {
            path.truncate(open);
        }
        let what = serde_words(&message, true);
        if path.is_empty() {
            what
        } else {
            format!("`{path}`: {what}")
        }
    })
}

/// Where in `value` reading a `T` fails, as a path (`edges[0].node.status`; empty for the
/// whole value). serde reading a `Value` knows no positions, so the value is read again from
/// its text, whose error has a line and column, and the scanner finds the member there.
fn locate<T: DeserializeOwned>(value: &Value) -> Option<String> {
    let text = serde_json::to_string_pretty(value).ok()?;
    let error = crate::json::from_checked::<T>(&text).err()?;
    let offset = offset_of(&text, error.line(), error.column())?;
    let mut finder = PathAt {
        text: &text,
        at: offset,
        frames: Vec::new(),
        found: None,
    };
    crate::json::scan(&text, &mut finder).ok()?;
    finder.found
}

/// The byte offset of serde_json's 1-based line and column (the column counts bytes), kept
/// inside the text. serde_json points at the last character it read: inside a scalar it
/// refused, at the `}` of an object that lacks a member, but before the value (on the space
/// after a `:`) when it refused a container by its first character, so spaces and a `:` are
/// skipped to reach the value.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let bytes = text.as_bytes();
    let mut at = (start + column.saturating_sub(1)).min(bytes.len().saturating_sub(1));
    while let Some(b' ' | b'\n' | b'\t' | b'\r' | b':') = bytes.get(at) {
        at += 1;
    }
    Some(at.min(bytes.len().saturating_sub(1)))
}

/// An open container while looking for the member at an offset.
struct Frame {
    array: bool,
    start: usize,
    /// The path to it.
    path: String,
    /// The next element's index (arrays), or the key just read (objects).
    index: usize,
    key: String,
}

/// Finds the path of the innermost value whose text holds an offset.
struct PathAt<'t> {
    text: &'t str,
    at: usize,
    frames: Vec<Frame>,
    found: Option<String>,
}

impl PathAt<'_> {
    /// The path of the value starting now, in the innermost open container.
    fn child(&self) -> String {
        let Some(frame) = self.frames.last() else {
            return String::new();
        };
        if frame.array {
            format!("{}[{}]", frame.path, frame.index)
        } else if frame.path.is_empty() {
            frame.key.clone()
        } else {
            format!("{}.{}", frame.path, frame.key)
        }
    }

    /// A value spanning `start..end` at `path` ended: the innermost one holding the offset
    /// ends first, so the first found wins.
    fn ended(&mut self, path: String, start: usize, end: usize) {
        if self.found.is_none() && (start..end).contains(&self.at) {
            self.found = Some(path);
        }
        if let Some(frame) = self.frames.last_mut()
            && frame.array
        {
            frame.index += 1;
        }
    }
}

impl Sink for PathAt<'_> {
    fn scalar(&mut self, _: Scalar, start: usize, end: usize) {
        let path = self.child();
        self.ended(path, start, end);
    }

    fn key(&mut self, start: usize, end: usize, is_escaped: bool) {
        let raw = self.text.get(start + 1..end - 1).unwrap_or_default();
        let name = if is_escaped {
            crate::json::unescape(raw)
        } else {
            raw.to_owned()
        };
        if let Some(frame) = self.frames.last_mut() {
            frame.key = escaped(&name).into_owned();
        }
    }

    fn open(&mut self, array: bool, start: usize) {
        let path = self.child();
        self.frames.push(Frame {
            array,
            start,
            path,
            index: 0,
            key: String::new(),
        });
    }

    fn close(&mut self, end: usize) {
        if let Some(frame) = self.frames.pop() {
            self.ended(frame.path, frame.start, end);
        }
    }
}

/// A serde message about JSON in a person's words: `expected a string, got the number 0.5`,
/// `expected an array of 2, got an array of 3`. With `values` false, what came
/// is named by its kind only (`got a number`), for documents whose values may not be repeated
/// (a summary's strings may hold what a gate saw) and whose messages were masked already.
pub(crate) fn serde_words(message: &str, values: bool) -> String {
    let message = message.trim_end();
    // `missing field `x`` and `duplicate field `x`` are plain words already.
    if let Some(rest) = message.strip_prefix("unknown variant ")
        && let Some((variant, expected)) = rest.split_once(", expected ")
    {
        return format!("{variant} is not {}", expected_words(expected));
    }
    if message.starts_with("data did not match any variant") {
        return "matches none of the shapes expected".to_owned();
    }
    let Some((head, expected)) = message.split_once(", expected ") else {
        return message.to_owned();
    };
    let got = if let Some(length) = head.strip_prefix("invalid length ") {
        if values {
            format!("an array of {length}")
        } else {
            "an array of another length".to_owned()
        }
    } else if let Some(found) = head
        .strip_prefix("invalid type: ")
        .or_else(|| head.strip_prefix("invalid value: "))
    {
        found_words(found, values)
    } else {
        return message.to_owned();
    };
    format!("expected {}, got {got}", expected_words(expected))
}

/// What serde found, in JSON's words: with its value (`the number 0.5`), or only its kind.
fn found_words(found: &str, values: bool) -> String {
    let inner = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .map(|rest| rest.trim_matches('`').to_owned())
    };
    if let Some(number) = inner("floating point ")
        .or_else(|| inner("integer "))
        .map(|n| {
            n.trim_end_matches(" as i128")
                .trim_end_matches(" as u128")
                .to_owned()
        })
    {
        return if values {
            format!("the number {number}")
        } else {
            "a number".to_owned()
        };
    }
    if let Some(boolean) = inner("boolean ") {
        return if values {
            boolean
        } else {
            "a boolean".to_owned()
        };
    }
    if let Some(text) = found.strip_prefix("string ") {
        return if values {
            format!("the string {text}")
        } else {
            "a string".to_owned()
        };
    }
    match found {
        "map" => "an object".to_owned(),
        "sequence" => "an array".to_owned(),
        "unit value" | "null" => "null".to_owned(),
        other => other.to_owned(),
    }
}

/// What serde expected, in JSON's words.
fn expected_words(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            "a whole number, not negative".to_owned()
        }
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a borrowed string" | "a string" | "char" | "a character" => "a string".to_owned(),
        "a sequence" => "an array".to_owned(),
        "a map" | "map" => "an object".to_owned(),
        "unit" => "null".to_owned(),
        "fewer elements in array" => "fewer items".to_owned(),
        "variant identifier" | "field identifier" => "a string".to_owned(),
        other => {
            if let Some(size) = other.strip_prefix("a tuple of size ") {
                format!("an array of {size}")
            } else if other.starts_with("struct ") || other.starts_with("struct variant ") {
                "an object".to_owned()
            } else if other.starts_with("tuple struct ") || other.starts_with("tuple variant ") {
                "an array".to_owned()
            } else if other.starts_with("enum ") {
                "one of the values allowed".to_owned()
            } else if let Some(list) = other.strip_prefix("one of ") {
                format!("one of {list}")
            } else {
                other.to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "read to test the messages")]
    struct Node {
        id: String,
        count: u32,
        #[serde(default)]
        pair: Option<(f64, String)>,
        #[serde(default)]
        labels: BTreeMap<String, String>,
    }

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "read to test the messages")]
    struct Edges {
        edges: Vec<Edge>,
    }

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "read to test the messages")]
    struct Edge {
        node: Node,
    }

    fn why(value: serde_json::Value) -> String {
        from_value::<Edges>(&value).unwrap_err()
    }

    #[test]
    fn a_shape_error_says_where_and_what_in_jsons_words() {
        let ok = json!({ "id": "a", "count": 1 });
        for (value, message) in [
            (
                json!({ "edges": [ok, { "id": null, "count": 1 }] }),
                "`edges[0]`: missing field `node`",
            ),
            (
                json!({ "edges": [{ "node": ok }, { "node": { "id": null, "count": 1 } }] }),
                "`edges[1].node.id`: expected a string, got null",
            ),
            (
                json!({ "edges": [{ "node": { "id": "a", "count": -1 } }] }),
                "`edges[0].node.count`: expected a whole number, not negative, got the number -1",
            ),
            (
                json!({ "edges": [{ "node": { "id": "a", "count": 1.5 } }] }),
                "`edges[0].node.count`: expected a whole number, not negative, got the number 1.5",
            ),
            (
                json!({ "edges": [{ "node": { "id": "a", "count": 1, "pair": [1, "x", 3] } }] }),
                "`edges[0].node.pair`: expected fewer items, got an array of 3",
            ),
            (
                json!({ "edges": [{ "node": { "id": "a", "count": 1, "pair": [1] } }] }),
                "`edges[0].node.pair`: expected an array of 2, got an array of 1",
            ),
            (
                json!({ "edges": [{ "node": { "id": "a", "count": 1, "pair": [1, 0.5] } }] }),
                "`edges[0].node.pair[1]`: expected a string, got the number 0.5",
            ),
            (
                json!({ "edges": [{ "node": { "id": "a", "count": 1, "pair": ["x", "1"] } }] }),
                "`edges[0].node.pair[0]`: expected a number, got the string \"x\"",
            ),
            (
                json!({ "edges": [{ "node": { "id": "a", "count": 1, "labels": { "a.b": 5 } } }] }),
                "`edges[0].node.labels.a.b`: expected a string, got the number 5",
            ),
            (
                json!({ "edges": { "node": ok } }),
                "`edges`: expected an array, got an object",
            ),
            (json!([]), "expected an object, got an array of 0"),
            (json!({}), "missing field `edges`"),
            (
                json!({ "edges": [{ "node": { "id": "a\u{1b}[2J", "count": true } }] }),
                "`edges[0].node.count`: expected a whole number, not negative, got true",
            ),
        ] {
            assert_eq!(why(value.clone()), message, "{value}");
        }
    }

    #[test]
    fn no_rust_words_reach_a_message() {
        // The messages serde gives for JSON, as `serde_json` words them.
        for (message, words) in [
            (
                "invalid type: floating point `0.5`, expected a string",
                "expected a string, got the number 0.5",
            ),
            (
                "invalid type: string \"x\", expected f64",
                "expected a number, got the string \"x\"",
            ),
            (
                "invalid length 3, expected fewer elements in array",
                "expected fewer items, got an array of 3",
            ),
            (
                "invalid type: map, expected a sequence",
                "expected an array, got an object",
            ),
            (
                "invalid type: sequence, expected struct Named",
                "expected an object, got an array",
            ),
            (
                "invalid value: integer `-1`, expected u64",
                "expected a whole number, not negative, got the number -1",
            ),
            (
                "invalid type: null, expected a boolean",
                "expected a boolean, got null",
            ),
            ("missing field `name`", "missing field `name`"),
            (
                "unknown variant `x`, expected one of `a`, `b`",
                "`x` is not one of `a`, `b`",
            ),
        ] {
            let said = serde_words(message, true);
            assert_eq!(said, words, "{message}");
            for rust in [
                "f64",
                "u64",
                "sequence",
                "map",
                "struct",
                "floating point",
                "invalid",
            ] {
                assert!(!said.contains(rust), "{said}");
            }
        }
    }

    #[test]
    fn without_values_only_kinds_are_named() {
        for (message, words) in [
            (
                "invalid value: integer `…`, expected u64",
                "expected a whole number, not negative, got a number",
            ),
            (
                "invalid type: string \"…\", expected u32",
                "expected a whole number, not negative, got a string",
            ),
            (
                "invalid type: boolean `…`, expected f64",
                "expected a number, got a boolean",
            ),
            (
                "invalid length …, expected a tuple of size 2",
                "expected an array of 2, got an array of another length",
            ),
        ] {
            assert_eq!(serde_words(message, false), words, "{message}");
        }
    }

    #[test]
    fn values_are_described_short_and_escaped() {
        assert_eq!(describe(&json!(0.5)), "the number 0.5");
        assert_eq!(describe(&json!([1, 2, 3])), "an array of 3");
        assert_eq!(describe(&json!("a\u{0}b")), r#"the string "a\u{0}b""#);
        assert_eq!(
            describe(&json!("x".repeat(50))),
            format!("the string \"{}…\"", "x".repeat(40))
        );
    }
}
