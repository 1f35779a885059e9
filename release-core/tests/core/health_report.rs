//! Health reports built from summaries: which status each sub-check carries, keys that stay
//! apart whatever the gate ids, and summaries read without echoing their values.

use release_core::health::{HealthReport, HealthStatus};
use release_core::{Summary, SummaryReadError};
use serde_json::{Value, json};

/// A summary of `gates` (each a gate record as JSON) in production.
fn summary(gates: Value) -> Summary {
    serde_json::from_value(summary_json(gates)).expect("a valid summary")
}

fn summary_json(gates: Value) -> Value {
    json!({
        "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
        "run_id": "r1", "phase": "launch-gate", "environment": "production", "strict": true,
        "started_at": "2026-11-27T10:00:00Z", "finished_at": "2026-11-27T10:00:01Z",
        "duration_ms": 1000, "outcome": "blocked",
        "counts": { "pass": 0, "warn": 0, "fail": 1, "inconclusive": 0, "error": 0, "skipped": 0 },
        "gates": gates
    })
}

fn gate(id: &str, kind: &str, verdict: &str, observations: Value, measurements: Value) -> Value {
    json!({
        "id": id, "kind": kind, "title": id, "verdict": verdict, "required": true,
        "blocking": verdict == "fail", "summary": format!("{id} {verdict}"),
        "duration_ms": 9, "attempts": 1,
        "observations": observations, "measurements": measurements
    })
}

fn status(report: &HealthReport, key: &str) -> HealthStatus {
    let entries = report
        .checks
        .get(key)
        .unwrap_or_else(|| panic!("no check `{key}` in {:?}", report.checks.keys()));
    assert_eq!(entries.len(), 1, "{key}: {entries:#?}");
    entries[0].status
}

#[test]
fn a_measurement_without_an_observation_of_its_name_passes_whatever_the_gate() {
    // The API answered 503 quickly: the status failed the gate, the latency did not.
    let report = HealthReport::from_summary(&summary(json!([gate(
        "api-health",
        "http",
        "fail",
        json!([{ "name": "status", "observed": 503, "expected": [200], "rule": "in" }]),
        json!([{ "name": "latency", "value": 0.038, "unit": "s" }]),
    )])));
    assert_eq!(status(&report, "api-health"), HealthStatus::Fail);
    assert_eq!(status(&report, "api-health:status"), HealthStatus::Fail);
    assert_eq!(status(&report, "api-health:latency"), HealthStatus::Pass);
}

#[test]
fn a_measurement_an_observation_names_carries_the_gate_status() {
    let report = HealthReport::from_summary(&summary(json!([gate(
        "api-health",
        "http",
        "warn",
        json!([{ "name": "latency", "observed": 0.5, "expected": 0.3, "rule": "le", "unit": "s" }]),
        json!([
            { "name": "latency", "value": 0.5, "unit": "s" },
            { "name": "bytes", "value": 512.0 }
        ]),
    )])));
    assert_eq!(status(&report, "api-health"), HealthStatus::Warn);
    assert_eq!(status(&report, "api-health:latency"), HealthStatus::Warn);
    assert_eq!(status(&report, "api-health:bytes"), HealthStatus::Pass);
    let latency = &report.checks["api-health:latency"][0];
    assert_eq!(
        latency.threshold.as_ref().map(|t| t.rule.as_str()),
        Some("le")
    );
}

#[test]
fn a_colon_in_a_gate_id_does_not_share_a_key_with_another_gates_measurement() {
    let report = HealthReport::from_summary(&summary(json!([
        gate(
            "api",
            "http",
            "pass",
            json!([]),
            json!([{ "name": "latency", "value": 0.04, "unit": "s" }]),
        ),
        gate(
            "api:latency",
            "prometheus",
            "fail",
            json!([{ "name": "p95", "observed": 3.0, "expected": 1.5, "rule": "le" }]),
            json!([{ "name": "p95", "value": 3.0, "unit": "s" }]),
        ),
    ])));
    let keys: Vec<&str> = report.checks.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["api", "api.latency", "api.latency:p95", "api:latency"],
        "{:#?}",
        report.checks
    );
    // Gate `api`'s measurement.
    let measurement = &report.checks["api:latency"];
    assert_eq!(measurement.len(), 1, "{measurement:#?}");
    assert_eq!(measurement[0].component_id, "api");
    assert_eq!(measurement[0].status, HealthStatus::Pass);
    // Gate `api:latency`'s own entry and its measurement keep the id as written.
    let own = &report.checks["api.latency"];
    assert_eq!(own.len(), 1, "{own:#?}");
    assert_eq!(own[0].component_id, "api:latency");
    assert_eq!(own[0].status, HealthStatus::Fail);
    assert_eq!(
        report.checks["api.latency:p95"][0].component_id,
        "api:latency"
    );
    assert_eq!(status(&report, "api.latency:p95"), HealthStatus::Fail);
}

#[test]
fn every_timestamp_of_the_schema_is_a_date_time_and_the_version_a_constant() {
    let schema = release_core::schema::SchemaName::HealthReport.schema();
    let text = schema.to_string();
    let check = &schema["$defs"]["ComponentCheck"]["properties"];
    let release = &schema["$defs"]["ReleaseMetadata"]["properties"];
    for (name, property) in [
        ("time", &schema["properties"]["time"]),
        ("checks[].time", &check["time"]),
        ("release.startedAt", &release["startedAt"]),
        ("release.finishedAt", &release["finishedAt"]),
    ] {
        assert_eq!(
            (&property["type"], &property["format"]),
            (&json!("string"), &json!("date-time")),
            "{name}: {text}"
        );
    }
    assert_eq!(schema["properties"]["schemaVersion"]["const"], json!(1));
}

const CANARY: &str = "ghp_CANARY7f3e9a1bSECRET";
const CANARY_NUMBER: i64 = -731_905_284;

/// What is wrong with `document` read as a summary file (the message after its path,
/// line and column, which a temporary directory's name could make match anything).
fn read_error(document: &Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.json");
    std::fs::write(&path, serde_json::to_vec_pretty(document).unwrap()).unwrap();
    match Summary::read_file(&path) {
        Err(SummaryReadError::Invalid { message, .. }) => message,
        other => panic!("{other:?}"),
    }
}

fn assert_no_canary(message: &str) {
    assert!(!message.contains("CANARY"), "{message}");
    assert!(!message.contains("731905284"), "{message}");
}

#[test]
fn a_summary_read_error_never_repeats_a_value_from_the_file() {
    let base = || {
        summary_json(json!([gate(
            "api-health",
            "http",
            "pass",
            json!([]),
            json!([])
        )]))
    };

    // A verdict that is no verdict: the variants the schema allows are still listed.
    let mut doc = base();
    doc["gates"][0]["verdict"] = json!(CANARY);
    let message = read_error(&doc);
    assert_no_canary(&message);
    assert!(message.contains("`…` is not one of `pass`"), "{message}");

    // An integer out of an integer field's range.
    let mut doc = base();
    doc["gates"][0]["duration_ms"] = json!(CANARY_NUMBER);
    let message = read_error(&doc);
    assert_no_canary(&message);
    // In JSON's words, never Rust's (`u64`).
    assert!(
        message.contains("expected a whole number, not negative, got a number"),
        "{message}"
    );

    // A string where a number belongs, and a number where a string belongs.
    let mut doc = base();
    doc["gates"][0]["attempts"] = json!(CANARY);
    let message = read_error(&doc);
    assert_no_canary(&message);
    assert!(message.contains("got a string"), "{message}");
    let mut doc = base();
    doc["gates"][0]["summary"] = json!(CANARY_NUMBER);
    let message = read_error(&doc);
    assert_no_canary(&message);
    assert!(
        message.contains("expected a string, got a number"),
        "{message}"
    );
    let mut doc = base();
    doc["gates"][0]["summary"] = json!(-0.731_905_284);
    assert_no_canary(&read_error(&doc));

    // A canary in a key, and in values a parser describes in its own words.
    let mut doc = base();
    doc["release"] = json!({ CANARY: true });
    assert_no_canary(&read_error(&doc));
    for time in [
        format!("2026-11-27T{CANARY}"),
        format!("2026-11-27T10:00:00Z{CANARY}"),
        "2026-11-27T10:00:00-99:00".to_owned(),
    ] {
        let mut doc = base();
        doc["started_at"] = json!(time);
        let message = read_error(&doc);
        assert_no_canary(&message);
        assert!(!message.contains("99"), "{message}");
    }
    let mut doc = base();
    doc["gates"][0]["observations"] = json!([1, 2, 3, CANARY]);
    assert_no_canary(&read_error(&doc));
}

#[test]
fn a_missing_field_is_still_named() {
    let mut doc = summary_json(json!([]));
    doc.as_object_mut().unwrap().remove("run_id");
    let message = read_error(&doc);
    assert!(message.contains("missing field `run_id`"), "{message}");
}

#[test]
#[cfg(feature = "health-check")]
fn the_report_of_every_recorded_run_validates_against_the_committed_schema() {
    use release_core::health::SchemaChecker;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("schemas/health-report.schema.json")).unwrap(),
    )
    .unwrap();
    let checker = SchemaChecker::new(&committed).expect("the committed schema compiles");
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures.join("summaries")).unwrap() {
        let dir = entry.unwrap().path();
        let summary = Summary::read_file(&dir.join("summary.json")).unwrap();
        let report = serde_json::to_value(HealthReport::from_summary(&summary)).unwrap();
        let violations = checker.check(&report);
        assert!(violations.is_empty(), "{}: {violations:#?}", dir.display());
        let back: HealthReport = serde_json::from_value(report).expect("reads back");
        assert_eq!(
            back,
            HealthReport::from_summary(&summary),
            "{}",
            dir.display()
        );
        checked += 1;
    }
    assert!(checked >= 7, "{checked} recorded runs");
}
