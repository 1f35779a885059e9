//! `release health check FILE [--schema FILE]`: exit 0 valid, 1 invalid, 2 when the file or
//! schema cannot be used; violations with their JSON path and rule, values never shown.

use std::io::ErrorKind;
use std::net::TcpListener;

use serde_json::{Value, json};

use crate::support::{Release, assert_nothing_acts};

const CANARY: &str = "canary-7f3e9a1b-SECRET";

/// The corpus's valid health report.
fn valid_report() -> Value {
    let path = release_testkit::fixtures::root().join("health/valid.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A report with a missing status, an unknown check status behind a key with a colon, a
/// forbidden field, and a secret in a wrong-typed spot.
fn invalid_report() -> String {
    let mut report = valid_report();
    report.as_object_mut().unwrap().remove("status");
    report["checks"]["api-health:latency"][0]["status"] = json!("ok");
    report["checks"]["api-health"][0]["colour"] = json!("red");
    report["release"]["strict"] = json!(CANARY);
    serde_json::to_string_pretty(&report).unwrap()
}

fn check(file: &str) -> Release {
    Release::new().args(["health", "check", file])
}

#[test]
fn a_valid_report_exits_0() {
    let report = serde_json::to_string(&valid_report()).unwrap();
    let (run, _dir) = check("report.json").file("report.json", &report).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "valid: report.json against health-report\n");
    assert_eq!(run.stderr, "");

    let (run, _dir) = check("report.json")
        .file("report.json", &report)
        .args(["--format", "json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        doc,
        json!({ "file": "report.json", "schema": "health-report", "valid": true, "errors": [] })
    );
}

#[test]
fn an_invalid_report_exits_1_with_every_path_and_rule() {
    let (run, _dir) = check("report.json")
        .file("report.json", invalid_report())
        .args(["--color", "never"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        concat!(
            "  /: missing required property \"status\" (required)\n",
            "  /checks/api-health/0: property \"colour\" is not allowed (additionalProperties)\n",
            "  /checks/api-health:latency/0/status: value is not one of \"pass\", \"warn\", \"fail\" (oneOf)\n",
            "  /release/strict: expected type boolean, found string (type)\n",
            "invalid: report.json against health-report (4 errors)\n",
        )
    );
    assert!(!run.stdout.contains(CANARY) && !run.stderr.contains(CANARY));
}

#[test]
fn an_invalid_report_in_json_is_one_document() {
    let (run, _dir) = check("report.json")
        .file("report.json", invalid_report())
        .args(["--format", "json"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).expect("exactly one JSON document");
    assert_eq!(doc["valid"], false);
    assert!(!run.stdout.contains(CANARY));
    insta::assert_snapshot!("health_check_invalid_json", run.stdout);
}

#[test]
fn a_file_that_cannot_be_read_exits_2() {
    let (run, _dir) = check("missing.json").run();
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: failed to read missing.json: No such file or directory (os error 2)\n"
    );

    // The size cap holds for devices whose length is unknown.
    let (run, _dir) = check("/dev/zero").run();
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: /dev/zero is larger than 64 MiB; refusing to read it\n"
    );
}

#[test]
fn a_file_that_is_not_json_exits_2_naming_line_and_column() {
    let (run, _dir) = check("report.json")
        .file("report.json", "{\n  \"status\": pass\n}\n")
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: report.json:2:13: not valid JSON: expected value\n"
    );

    let (run, _dir) = check("report.json").file("report.json", "").run();
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: report.json:1:1: not valid JSON: EOF while parsing a value\n"
    );
}

#[test]
fn a_custom_schema_replaces_the_health_report_schema() {
    let schema = json!({ "type": "object", "required": ["ok"] });
    let (run, _dir) = check("doc.json")
        .file("doc.json", r#"{"ok": true}"#)
        .file("schema.json", schema.to_string())
        .args(["--schema", "schema.json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "valid: doc.json against schema.json\n");

    let (run, _dir) = check("doc.json")
        .file("doc.json", "[]")
        .file("schema.json", schema.to_string())
        .args(["--schema", "schema.json"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "  /: expected type object, found array (type)\ninvalid: doc.json against schema.json (1 error)\n"
    );
}

#[test]
fn an_invalid_schema_exits_2() {
    let (run, _dir) = check("doc.json")
        .file("doc.json", "{}")
        .file("schema.json", r#"{"type": 12}"#)
        .args(["--schema", "schema.json"])
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: schema.json: the schema is not valid JSON Schema at /type: "),
        "{}",
        run.stderr
    );

    let (run, _dir) = check("doc.json")
        .file("doc.json", "{}")
        .file("schema.json", "{\"type\": }")
        .args(["--schema", "schema.json"])
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: schema.json:1:10: not valid JSON: expected value\n"
    );
}

#[test]
fn a_schema_with_a_remote_reference_exits_2_without_fetching_it() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let uri = format!(
        "http://127.0.0.1:{}/s.json",
        listener.local_addr().unwrap().port()
    );
    let schema = json!({ "properties": { "status": { "$ref": uri } } });
    let (run, _dir) = check("doc.json")
        .file("doc.json", r#"{"status": "pass"}"#)
        .file("schema.json", schema.to_string())
        .args(["--schema", "schema.json"])
        .run();
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(
        run.stderr,
        format!(
            "error: schema.json: the schema's reference `{uri}` points outside the document; remote references are never fetched\n"
        )
    );
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the schema's reference was fetched: {other:?}"),
    }
}

#[test]
fn report_formats_are_a_usage_error() {
    let (run, _dir) = check("report.json")
        .file("report.json", "{}")
        .args(["--format", "junit"])
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `release health check` prints human or json, not junit\n"
    );
}

#[test]
fn keys_from_the_document_are_shown_escaped_in_json_pointers() {
    // A key holding an OSC title sequence, colour and a bidirectional override reached the
    // terminal raw in every error path.
    let evil = "evil\u{1b}]0;T\u{7}\u{1b}[31m\u{202e}:x/y~z";
    let mut report = valid_report();
    report["checks"][evil] = json!([{ "status": "banana\u{1b}[5m" }]);
    let (run, _dir) = Release::new()
        .file("report.json", serde_json::to_string(&report).unwrap())
        .args(["health", "check", "report.json"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_nothing_acts(&run.stdout, "health check");
    // RFC 6901: `~` is `~0` and `/` is `~1`; what acts is escaped.
    let pointer = "/checks/evil\\u{1b}]0;T\\u{7}\\u{1b}[31m\\u{202e}:x~1y~0z/0";
    assert!(
        run.stdout
            .contains(&format!("  {pointer}: missing required property")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("  {pointer}/status: value is not one of")),
        "{}",
        run.stdout
    );

    // JSON keeps the pointer as data: the key as it is, `~0`/`~1` escaped.
    let (run, _dir) = Release::new()
        .file("report.json", serde_json::to_string(&report).unwrap())
        .args(["health", "check", "report.json", "--format", "json"])
        .run();
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let raw = "/checks/evil\u{1b}]0;T\u{7}\u{1b}[31m\u{202e}:x~1y~0z/0";
    assert!(
        doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == raw),
        "{}",
        run.stdout
    );

    // A property the schema forbids is named in the message: escaped too.
    let mut report = valid_report();
    report["\u{1b}[2Jcolour\u{202e}"] = json!("red");
    let (run, _dir) = Release::new()
        .file("report.json", serde_json::to_string(&report).unwrap())
        .args(["health", "check", "report.json"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_nothing_acts(&run.stdout, "a forbidden property");
    assert!(
        run.stdout
            .contains(r#"property "\u001b[2Jcolour\u{202e}" is not allowed"#),
        "{}",
        run.stdout
    );
}

#[test]
fn a_duplicate_key_is_named_escaped() {
    let (run, _dir) = Release::new()
        .file(
            "report.json",
            "{\"checks\": {\"a\": 1, \"a\\u202e\\u001b\": 2, \"a\\u202e\\u001b\": 3}}",
        )
        .args(["health", "check", "report.json"])
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_nothing_acts(&run.stderr, "duplicate key");
    assert!(
        run.stderr.contains(r#"duplicate key "a\u{202e}\u001b""#),
        "{}",
        run.stderr
    );
}
