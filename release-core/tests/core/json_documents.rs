//! Every JSON document read back (summaries and baselines, release-log lines, health reports
//! and schemas) goes through one strict reader: duplicate keys are refused at any depth, with
//! their position, where `serde_json` lets the last one win.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use release_core::Summary;
use release_core::health::{JsonDocument, SchemaChecker};
use release_core::log::{LineFilter, LogEntry, ReleaseLog, ReleaseStore};
use release_core::schema::SchemaName;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

#[test]
fn a_health_report_with_a_repeated_key_is_refused_not_read_as_its_last() {
    let valid = std::fs::read_to_string(fixtures().join("health/valid.json")).unwrap();
    assert!(valid.contains("\"schemaVersion\": 1"));
    let doubled = valid.replacen(
        "\"schemaVersion\": 1",
        "\"schemaVersion\": 2,\n  \"schemaVersion\": 1",
        1,
    );
    let err = JsonDocument::parse(doubled.into_bytes()).unwrap_err();
    assert_eq!(err.message, "duplicate key \"schemaVersion\"");
    // The second occurrence is the one named.
    let checker = SchemaChecker::new(&SchemaName::HealthReport.schema()).unwrap();
    let doc = JsonDocument::parse(valid.into_bytes()).unwrap();
    assert!(checker.check_document(&doc).is_empty());
}

fn summary_text() -> String {
    std::fs::read_to_string(fixtures().join("summaries/roles-blocked/summary.json")).unwrap()
}

#[test]
fn a_summary_with_a_repeated_key_anywhere_is_not_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.json");
    let text = summary_text();
    // Inside an observation's free-form value, which no struct's derive looks at.
    let at = text.find("\"observed\": ").unwrap();
    let nested = format!(
        "{}\"observed\": {{\"a\": 1, \"a\": 2}}, \"was\": {}",
        &text[..at],
        &text[at + "\"observed\": ".len()..]
    );
    let nested = nested.replacen("\"was\": ", "\"observed_before\": ", 1);
    std::fs::write(&path, &nested).unwrap();
    serde_json::from_str::<serde_json::Value>(&nested).expect("serde_json lets it through");
    let err = Summary::read_file(&path).unwrap_err().to_string();
    assert!(
        err.contains(": not a release summary: duplicate key \"a\""),
        "{err}"
    );
    // And at the top, where the derive used to catch it: now with its position too.
    let top = text.replacen("{", "{\n  \"outcome\": \"passed\",", 1);
    std::fs::write(&path, &top).unwrap();
    let err = Summary::read_file(&path).unwrap_err().to_string();
    assert!(
        err.contains(": not a release summary: duplicate key \"outcome\""),
        "{err}"
    );
}

#[test]
fn a_log_line_with_a_repeated_key_is_a_reported_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let line = r#"{"schema_version":1,"run_id":"r","recorded_at":"2026-11-27T10:00:00Z","phase":"smoke","environment":"staging","strict":false,"outcome":"passed","counts":{"pass":1,"warn":0,"fail":0,"inconclusive":0,"error":0,"skipped":0},"tool_version":"0.1.0","measurements":{"a.b":1.0,"a.b":9.0}}"#;
    std::fs::write(&path, format!("{line}\n")).unwrap();
    let contents = ReleaseLog::new(&path).read().unwrap();
    assert!(contents.records.is_empty());
    assert_eq!(contents.problems.len(), 1);
    assert!(
        contents.problems[0]
            .reason
            .contains("duplicate key \"a.b\""),
        "{}",
        contents.problems[0].reason
    );
    let mut from_end = Vec::new();
    ReleaseLog::new(&path)
        .newest_first(&LineFilter::all(), u64::MAX, &mut |entry| {
            from_end.push(entry);
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    assert!(matches!(&from_end[..], [LogEntry::Problem(_)]));
}

/// A reference: `serde_json` parsing into a value that refuses duplicate keys, written
/// independently of the scanner under test.
struct NoDuplicates;

impl<'de> de::Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(de::Error::custom("duplicate"));
            }
            map.next_value::<NoDuplicates>()?;
        }
        Ok(NoDuplicates)
    }
}

fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1.5",
        "1e2",
        "-12",
        "\"a\"",
        "\"\\u0061\"",
        "\"\\ud83d\\ude00\"",
        "\"x\\ny\"",
        "\"\"",
    ])
    .prop_map(str::to_owned);
    leaf.prop_recursive(4, 30, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            // Keys from a small set, so objects often repeat one (spelled two ways, too).
            prop::collection::vec(
                (
                    prop::sample::select(vec!["a", "b", "\\u0061", "c d"]),
                    inner
                ),
                0..4
            )
            .prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\": {v}"))
                    .collect();
                format!("{{{}}}", members.join(", "))
            }),
        ]
    })
}

/// A document with one character inserted, replaced or removed, or left as it is.
fn mutated() -> impl Strategy<Value = String> {
    (
        json_text(),
        any::<prop::sample::Index>(),
        prop::sample::select(vec![
            "", "{", "}", "[", "]", ",", ":", "\"", "\\", "0", "-", "e", ".", " ", "\t", "\u{1}",
            "x", "n",
        ]),
        0..4u8,
    )
        .prop_map(|(text, at, with, how)| {
            if text.is_empty() || how == 0 {
                return text;
            }
            let at = at.index(text.len());
            if !text.is_char_boundary(at) {
                return text;
            }
            let (head, tail) = text.split_at(at);
            match how {
                1 => format!("{head}{with}{tail}"),
                2 => format!("{head}{with}{}", tail.chars().skip(1).collect::<String>()),
                _ => format!("{head}{}", tail.chars().skip(1).collect::<String>()),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The strict reader accepts exactly what `serde_json` accepts without duplicate keys,
    /// and reads it as the same value.
    #[test]
    fn the_strict_reader_accepts_what_serde_accepts_without_duplicates(text in mutated()) {
        let ours = JsonDocument::parse(text.clone().into_bytes());
        let serde = serde_json::from_str::<serde_json::Value>(&text);
        let unique = serde_json::from_str::<NoDuplicates>(&text).is_ok();
        match (&ours, &serde) {
            (Ok(doc), Ok(value)) => {
                prop_assert!(unique, "accepted a duplicate: {text}");
                prop_assert_eq!(&doc.to_value(), value);
            }
            (Err(e), Ok(_)) => {
                prop_assert!(!unique, "refused {text:?}: {e}");
                prop_assert!(e.message.starts_with("duplicate key"), "{text:?}: {e}");
            }
            (Ok(_), Err(e)) => prop_assert!(false, "accepted {text:?}, which serde refuses: {e}"),
            (Err(ours), Err(theirs)) => {
                // Both refuse, on the same line.
                prop_assert_eq!(ours.line, theirs.line(), "{:?}: {} / {}", text, ours, theirs);
            }
        }
    }
}
