//! Checking documents against a JSON Schema: paths, rules, masked messages, no remote
//! references, and the invalid health-report corpus under `fixtures/health/invalid/`.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::PathBuf;

use proptest::prelude::*;
use release_core::health::{HealthReport, SchemaCheckError, SchemaChecker, SchemaViolation};
use release_core::schema::SchemaName;
use serde_json::{Value, json};

const CANARY: &str = "canary-7f3e9a1b-SECRET";

/// A health-report-like schema exercising the common keywords.
fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["status", "checks"],
        "additionalProperties": false,
        "properties": {
            "status": { "enum": ["pass", "warn", "fail"] },
            "version": { "type": "string", "pattern": "^[0-9]+\\.[0-9]+$" },
            "time": { "type": "string", "format": "date-time" },
            "retries": { "type": "integer", "minimum": 0, "maximum": 10 },
            "owner": { "anyOf": [{ "$ref": "#/$defs/owner" }, { "type": "null" }] },
            "kind": { "const": "health" },
            "notes": { "type": ["string", "null"], "maxLength": 8 },
            "tags": { "type": "array", "items": { "type": "string" }, "uniqueItems": true },
            "checks": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "minItems": 1,
                    "items": { "$ref": "#/$defs/check" }
                }
            }
        },
        "$defs": {
            "owner": {
                "type": "object",
                "required": ["team"],
                "properties": { "team": { "type": "string", "minLength": 2 } },
                "additionalProperties": false
            },
            "check": {
                "type": "object",
                "required": ["status"],
                "additionalProperties": false,
                "properties": {
                    "status": {
                        "oneOf": [
                            { "const": "pass", "type": "string" },
                            { "const": "warn", "type": "string" },
                            { "const": "fail", "type": "string" }
                        ]
                    },
                    "componentId": { "type": "string" },
                    "observedValue": { "type": "number" }
                }
            }
        }
    })
}

fn checker() -> SchemaChecker {
    SchemaChecker::new(&schema()).expect("the test schema compiles")
}

fn valid() -> Value {
    json!({
        "status": "pass",
        "version": "1.2",
        "time": "2025-01-02T03:04:05Z",
        "retries": 2,
        "owner": { "team": "platform" },
        "kind": "health",
        "notes": null,
        "tags": ["a", "b"],
        "checks": {
            "api-health:status": [{ "status": "pass", "componentId": "api" }],
            "db:latency": [{ "status": "warn", "observedValue": 12.5 }]
        }
    })
}

fn found(violations: &[SchemaViolation]) -> Vec<(&str, &str)> {
    violations
        .iter()
        .map(|v| (v.path.as_str(), v.rule.as_str()))
        .collect()
}

fn check_one(document: &Value) -> SchemaViolation {
    let violations = checker().check(document);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    violations.into_iter().next().unwrap()
}

#[test]
fn a_valid_document_has_no_violations() {
    assert_eq!(checker().check(&valid()), []);
}

#[test]
fn wrong_types_name_the_expected_and_found_types() {
    let mut doc = valid();
    doc["retries"] = json!("three");
    let v = check_one(&doc);
    assert_eq!((v.path.as_str(), v.rule.as_str()), ("/retries", "type"));
    assert_eq!(v.message, "expected type integer, found string");

    let mut doc = valid();
    doc["notes"] = json!(7);
    let v = check_one(&doc);
    // `null` comes last, the other types in JSON Schema's order.
    assert_eq!(v.message, "expected type string or null, found integer");

    let mut doc = valid();
    doc["checks"]["db:latency"][0]["observedValue"] = json!(true);
    let v = check_one(&doc);
    assert_eq!(v.path, "/checks/db:latency/0/observedValue");
    assert_eq!(v.message, "expected type number, found boolean");

    let v = check_one(&json!([valid()]));
    assert_eq!((v.path.as_str(), v.rule.as_str()), ("", "type"));
    assert_eq!(v.message, "expected type object, found array");
}

#[test]
fn missing_required_properties_are_reported_on_their_object() {
    let mut doc = valid();
    doc.as_object_mut().unwrap().remove("status");
    doc.as_object_mut().unwrap().remove("checks");
    let violations = checker().check(&doc);
    assert_eq!(found(&violations), [("", "required"), ("", "required")]);
    assert_eq!(
        violations[0].message,
        r#"missing required property "status""#
    );
    assert_eq!(
        violations[1].message,
        r#"missing required property "checks""#
    );

    let mut doc = valid();
    doc["checks"]["db:latency"][0] = json!({ "observedValue": 1 });
    let v = check_one(&doc);
    assert_eq!(
        (v.path.as_str(), v.rule.as_str()),
        ("/checks/db:latency/0", "required")
    );
}

#[test]
fn unknown_enum_values_list_the_allowed_ones() {
    let mut doc = valid();
    doc["status"] = json!("ok");
    let v = check_one(&doc);
    assert_eq!((v.path.as_str(), v.rule.as_str()), ("/status", "enum"));
    assert_eq!(v.message, r#"value is not one of "pass", "warn", "fail""#);

    // A documented Rust enum is a `oneOf` of `const`s: the constants are the allowed values.
    let mut doc = valid();
    doc["checks"]["api-health:status"][0]["status"] = json!("ok");
    let v = check_one(&doc);
    assert_eq!(
        (v.path.as_str(), v.rule.as_str()),
        ("/checks/api-health:status/0/status", "oneOf")
    );
    assert_eq!(v.message, r#"value is not one of "pass", "warn", "fail""#);

    let mut doc = valid();
    doc["checks"]["api-health:status"][0]["status"] = json!(3);
    let v = check_one(&doc);
    assert_eq!(v.message, "expected type string, found integer");

    let mut doc = valid();
    doc["kind"] = json!("other");
    let v = check_one(&doc);
    assert_eq!((v.path.as_str(), v.rule.as_str()), ("/kind", "const"));
    assert_eq!(v.message, r#"value is not the constant "health""#);
}

#[test]
fn forbidden_properties_are_named_one_violation_each() {
    let mut doc = valid();
    doc["colour"] = json!("red");
    doc["size"] = json!(3);
    doc["checks"]["db:latency"][0]["extra"] = json!({});
    let violations = checker().check(&doc);
    assert_eq!(
        found(&violations),
        [
            ("", "additionalProperties"),
            ("", "additionalProperties"),
            ("/checks/db:latency/0", "additionalProperties"),
        ]
    );
    assert_eq!(violations[0].message, r#"property "colour" is not allowed"#);
    assert_eq!(violations[1].message, r#"property "size" is not allowed"#);
    assert_eq!(violations[2].message, r#"property "extra" is not allowed"#);
}

#[test]
fn limits_patterns_and_formats_say_the_schema_side_only() {
    let cases = [
        ("retries", json!(-1), "minimum", "below the minimum 0"),
        ("retries", json!(11), "maximum", "above the maximum 10"),
        (
            "version",
            json!("v1"),
            "pattern",
            r#"does not match the pattern "^[0-9]+\\.[0-9]+$""#,
        ),
        (
            "time",
            json!("yesterday"),
            "format",
            r#"not a valid "date-time""#,
        ),
        (
            "notes",
            json!("far too long"),
            "maxLength",
            "longer than 8 characters",
        ),
        (
            "tags",
            json!(["a", "a"]),
            "uniqueItems",
            "items are not unique",
        ),
    ];
    for (field, value, rule, message) in cases {
        let mut doc = valid();
        doc[field] = value;
        let v = check_one(&doc);
        assert_eq!(v.path, format!("/{field}"));
        assert_eq!((v.rule.as_str(), v.message.as_str()), (rule, message));
    }
    let mut doc = valid();
    doc["checks"]["empty"] = json!([]);
    let v = check_one(&doc);
    assert_eq!(
        (v.path.as_str(), v.rule.as_str(), v.message.as_str()),
        ("/checks/empty", "minItems", "fewer than 1 item")
    );
}

#[test]
fn an_optional_object_reports_its_own_fields_not_the_any_of() {
    let mut doc = valid();
    doc["owner"] = json!({ "team": "x", "lead": "someone" });
    let violations = checker().check(&doc);
    assert_eq!(
        found(&violations),
        [
            ("/owner", "additionalProperties"),
            ("/owner/team", "minLength")
        ]
    );
    assert_eq!(violations[1].message, "shorter than 2 characters");

    let mut doc = valid();
    doc["owner"] = json!("platform");
    let v = check_one(&doc);
    assert_eq!((v.path.as_str(), v.rule.as_str()), ("/owner", "anyOf"));
    assert_eq!(v.message, "expected type object or null, found string");
}

#[test]
fn paths_are_json_pointers_with_escaped_keys() {
    let mut doc = valid();
    doc["checks"]["a/b~c:d"] = json!([{ "status": "pass" }, { "status": "gone" }]);
    doc["checks"]["api-health:status"][0]["status"] = json!(1);
    let violations = checker().check(&doc);
    assert_eq!(
        found(&violations),
        [
            ("/checks/a~1b~0c:d/1/status", "oneOf"),
            ("/checks/api-health:status/0/status", "oneOf"),
        ]
    );
    // The pointer resolves to the offending instance.
    for v in &violations {
        assert!(doc.pointer(&v.path).is_some(), "{}", v.path);
    }
}

#[test]
fn violations_come_in_document_order() {
    // The schema lists `status` before `retries` and `checks` last; the document order wins,
    // a parent before its children, array items by index.
    let doc = json!({
        "checks": {
            "a": [{ "status": 1 }, { "status": "pass", "x": 1 }],
            "b": [{ "status": 2 }]
        },
        "colour": "red",
        "retries": "many",
        "status": "nope"
    });
    let violations = checker().check(&doc);
    let mut paths: Vec<&str> = violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "",
            "/checks/a/0/status",
            "/checks/a/1",
            "/checks/b/0/status",
            "/retries",
            "/status",
        ]
    );
    paths.dedup();
    assert_eq!(paths.len(), violations.len());
}

#[test]
fn the_same_inputs_give_the_same_list() {
    let mut doc = valid();
    for i in 0..50 {
        doc["checks"][format!("c{i}")] = json!([{ "status": i, "more": i, "observedValue": "x" }]);
    }
    doc["status"] = json!("?");
    doc.as_object_mut().unwrap().remove("version");
    let first = checker().check(&doc);
    assert_eq!(first.len(), 1 + 50 * 3);
    for _ in 0..3 {
        assert_eq!(checker().check(&doc), first);
    }
    let reparsed: Value = serde_json::from_str(&doc.to_string()).unwrap();
    assert_eq!(checker().check(&reparsed), first);
}

#[test]
fn a_secret_in_the_document_never_reaches_a_message() {
    let schema = schema();
    let checker = SchemaChecker::new(&schema).unwrap();
    let mut doc = valid();
    doc["status"] = json!(CANARY); // enum
    doc["version"] = json!(CANARY); // pattern
    doc["time"] = json!(CANARY); // format
    doc["retries"] = json!(CANARY); // type
    doc["kind"] = json!(CANARY); // const
    doc["notes"] = json!(CANARY); // maxLength
    doc["tags"] = json!([CANARY, CANARY]); // uniqueItems
    doc["owner"] = json!(CANARY); // anyOf
    doc["checks"]["api-health:status"][0]["status"] = json!(CANARY); // oneOf of consts
    doc["checks"]["api-health:status"][0]["componentId"] = json!([CANARY]); // type
    doc["checks"]["api-health:status"][0]["observedValue"] = json!(CANARY); // type
    let violations = checker.check(&doc);
    let rules: Vec<&str> = violations.iter().map(|v| v.rule.as_str()).collect();
    assert_eq!(violations.len(), 11, "{violations:#?}");
    for rule in [
        "enum",
        "pattern",
        "format",
        "type",
        "const",
        "maxLength",
        "uniqueItems",
        "anyOf",
        "oneOf",
    ] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
    let rendered = serde_json::to_string(&violations).unwrap() + &format!("{violations:?}");
    assert!(!rendered.contains("canary"), "{rendered}");
    assert!(!rendered.contains("SECRET"), "{rendered}");
}

#[test]
fn every_keyword_has_a_message_without_the_value() {
    let schema = json!({
        "type": "object",
        "properties": {
            "exclusive": { "exclusiveMinimum": 0, "exclusiveMaximum": 1 },
            "multiple": { "multipleOf": 0.5 },
            "short": { "minLength": 30 },
            "few": { "type": "array", "minItems": 3, "maxItems": 0 },
            "contains": { "contains": { "const": 1 } },
            "not": { "not": { "type": "string" } },
            "names": { "propertyNames": { "pattern": "^[a-z]+$" }, "maxProperties": 0 },
            "nothing": false,
            "both": { "oneOf": [{ "type": "string" }, { "minLength": 1 }] },
            "tuple": { "prefixItems": [{ "type": "string" }], "items": false },
            "sealed": { "properties": { "a": true }, "unevaluatedProperties": false },
            "email": { "format": "email" },
            "ipv4": { "format": "ipv4" },
            "uuid": { "format": "uuid" },
            "big": { "enum": (0..20).collect::<Vec<_>>() }
        }
    });
    let checker = SchemaChecker::new(&schema).unwrap();
    let doc = json!({
        "exclusive": 1,
        "multiple": 0.3,
        "short": CANARY,
        "few": [CANARY],
        "contains": [CANARY],
        "not": CANARY,
        "names": { CANARY: 1 },
        "nothing": CANARY,
        "both": CANARY,
        "tuple": [CANARY, CANARY],
        "sealed": { "b": CANARY },
        "email": CANARY,
        "ipv4": CANARY,
        "uuid": CANARY,
        "big": CANARY
    });
    let violations = checker.check(&doc);
    let rendered: Vec<String> = violations
        .iter()
        .map(|v| format!("{} {} {}", v.path, v.rule, v.message))
        .collect();
    // Property names may appear (`b`, but also the canary key under `names`, as its path);
    // messages never repeat a value.
    for v in &violations {
        assert!(!v.message.contains("canary"), "{rendered:#?}");
    }
    assert_eq!(
        rendered,
        [
            "/big enum value is not one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8 more",
            "/both oneOf matches more than one of the \"oneOf\" schemas",
            "/contains contains no item matches the \"contains\" schema",
            "/email format not a valid \"email\"",
            "/exclusive exclusiveMaximum not below the exclusive maximum 1",
            "/few maxItems more than 0 items",
            "/few minItems fewer than 3 items",
            "/ipv4 format not a valid \"ipv4\"",
            "/multiple multipleOf not a multiple of 0.5",
            "/names maxProperties more than 0 properties",
            "/names propertyNames a property name is not allowed: does not match the pattern \"^[a-z]+$\"",
            "/not not matches the schema \"not\" forbids",
            "/nothing falseSchema no value is allowed here",
            "/sealed unevaluatedProperties property \"b\" is not allowed",
            "/short minLength shorter than 30 characters",
            "/tuple/1 falseSchema no value is allowed here",
            "/uuid format not a valid \"uuid\"",
        ]
    );
}

#[test]
fn an_invalid_schema_is_an_error_with_its_location() {
    let err = SchemaChecker::new(&json!({ "type": 12 })).unwrap_err();
    match &err {
        SchemaCheckError::Invalid { location, .. } => assert_eq!(location, "/type"),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("the schema is not valid JSON Schema at /type: "),
        "{err}"
    );
    for schema in [
        json!("not a schema"),
        json!({ "properties": { "a": { "minimum": "zero" } } }),
        json!({ "pattern": "(unclosed" }),
        json!({ "$ref": "#/$defs/missing" }),
    ] {
        let err = SchemaChecker::new(&schema).unwrap_err();
        assert!(
            matches!(err, SchemaCheckError::Invalid { .. }),
            "{schema}: {err:?}"
        );
    }
}

/// Compiles a schema whose only reference leads out of the document, and returns the error.
fn remote_ref_error(uri: &str) -> SchemaCheckError {
    let schema = json!({
        "type": "object",
        "properties": { "nested": { "$ref": uri } }
    });
    SchemaChecker::new(&schema).expect_err("a remote reference must not compile")
}

#[test]
fn remote_references_are_never_fetched() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let local = format!("http://127.0.0.1:{port}/s.json");

    for uri in [
        local.as_str(),
        "https://example.com/s.json",
        "file:///etc/passwd",
    ] {
        let err = remote_ref_error(uri);
        let SchemaCheckError::RemoteReference { uri: named } = &err else {
            panic!("{uri}: {err:?}");
        };
        assert_eq!(named, uri);
        let message = err.to_string();
        assert!(message.contains(uri), "{message}");
        assert!(
            message.contains("remote references are never fetched"),
            "{message}"
        );
        assert!(!message.contains("root:"), "nothing was read: {message}");
    }
    // Nobody knocked.
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the schema's reference was fetched: {other:?}"),
    }
}

#[test]
fn a_reference_relative_to_the_schema_leaves_it_too() {
    let err = SchemaChecker::new(&json!({
        "$id": "https://example.com/root.json",
        "$ref": "other.json"
    }))
    .unwrap_err();
    assert!(
        matches!(&err, SchemaCheckError::RemoteReference { uri } if uri == "https://example.com/other.json"),
        "{err:?}"
    );
}

#[test]
fn a_large_document_with_many_errors_is_checked_in_full() {
    let count = 60_000;
    let pad = "x".repeat(140);
    let checks: Vec<Value> = (0..count)
        .map(|i| json!({ "status": i, "componentId": pad, "extra": true }))
        .collect();
    let mut doc = valid();
    doc["checks"]["bulk"] = Value::Array(checks);
    let size = serde_json::to_vec(&doc).unwrap().len();
    assert!(size > 10 * 1024 * 1024, "{size} bytes");

    let violations = checker().check(&doc);
    assert_eq!(violations.len(), count * 2);
    assert_eq!(violations[0].path, "/checks/bulk/0");
    assert_eq!(violations[1].path, "/checks/bulk/0/status");
    assert_eq!(
        violations.last().unwrap().path,
        format!("/checks/bulk/{}/status", count - 1)
    );
}

fn health_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/health")
}

fn read_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn health_report_checker() -> SchemaChecker {
    SchemaChecker::new(&SchemaName::HealthReport.schema())
        .expect("the health report schema compiles")
}

#[test]
fn the_corpus_base_report_is_valid_and_reads_as_a_health_report() {
    let report = read_json(&health_fixtures().join("valid.json"));
    assert_eq!(health_report_checker().check(&report), []);
    let typed: HealthReport = serde_json::from_value(report.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), report);
}

/// Every file in `fixtures/health/invalid/` breaks the health report schema in exactly the
/// ways `expected.json` lists for it, in that order; a file without an entry fails.
#[test]
fn the_invalid_corpus_breaks_the_schema_exactly_as_expected() {
    let dir = health_fixtures().join("invalid");
    let expected = read_json(&dir.join("expected.json"));
    let expected = expected
        .as_object()
        .expect("expected.json maps file names to lists");
    let checker = health_report_checker();

    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "expected.json")
        .collect();
    names.sort();
    assert!(names.len() >= 8, "only {} cases", names.len());

    let mut problems = Vec::new();
    for name in &names {
        let violations = checker.check(&read_json(&dir.join(name)));
        let found: Vec<Value> = violations
            .iter()
            .map(|v| json!({ "path": v.path, "rule": v.rule }))
            .collect();
        let rendered = serde_json::to_string(&violations).unwrap();
        assert!(
            !rendered.contains("canary"),
            "{name}: a value reached a message: {rendered}"
        );
        match expected.get(name) {
            None => problems.push(format!(
                "{name}: no entry in expected.json; found {}",
                Value::from(found)
            )),
            Some(want) if want.as_array().is_none_or(Vec::is_empty) => {
                problems.push(format!(
                    "{name}: its entry must list at least one violation"
                ));
            }
            Some(want) if *want != Value::from(found.clone()) => problems.push(format!(
                "{name}:\n  expected {want}\n  found    {}\n  messages {rendered}",
                Value::from(found)
            )),
            Some(_) => {}
        }
    }
    for name in expected.keys() {
        if !names.contains(name) {
            problems.push(format!(
                "{name}: listed in expected.json but not in the directory"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the document, the check neither panics nor repeats any of its string values.
    #[test]
    fn no_document_leaks_its_values(doc in arbitrary_document()) {
        let violations = checker().check(&doc);
        let rendered = serde_json::to_string(&violations).unwrap();
        prop_assert!(!rendered.contains("zq"), "{}", rendered);
        for v in &violations {
            prop_assert!(v.path.is_empty() || doc.pointer(&v.path).is_some(), "{}", v.path);
        }
    }
}

/// Documents that look like the schema's, with values that are often wrong; every string
/// value starts with `zq`, which no key, keyword or schema value contains.
fn arbitrary_document() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "zq[a-z0-9:/~ -]{0,12}".prop_map(Value::from),
    ];
    let keys = prop::sample::select(vec![
        "status",
        "version",
        "time",
        "retries",
        "owner",
        "kind",
        "notes",
        "tags",
        "checks",
        "team",
        "componentId",
        "observedValue",
        "a/b~c",
        "api:health",
    ]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}
