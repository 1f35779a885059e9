//! `Decision::replay` over arbitrary well-typed summaries never panics and is deterministic:
//! the same input twice gives byte-identical JSON.

use proptest::prelude::*;
use release_core::log::LogContents;
use release_core::rollback::Decision;
use release_core::{Plan, Summary, Verdict};
use serde_json::{Value, json};

const IDS: [&str; 8] = [
    "api-health",
    "ai-runtime-health",
    "ai-runtime-dry-run",
    "agent-sessions",
    "api-5xx-rate",
    "api-p95-latency",
    "firing-alerts",
    "unrelated",
];

fn runbook() -> Plan {
    Plan::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/plans/runbook.toml"),
    )
    .unwrap()
}

fn verdict() -> impl Strategy<Value = Verdict> {
    prop::sample::select(Verdict::ALL.to_vec())
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<f64>()
            .prop_map(|v| serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)),
        (-1e6f64..1e6).prop_map(|v| json!(v)),
        Just(json!("NaN")),
        Just(Value::Null),
    ]
}

fn sample() -> impl Strategy<Value = Value> {
    (0i64..4_000_000_000, number(), verdict()).prop_map(|(secs, value, verdict)| {
        let at = jiff::Timestamp::from_second(secs).unwrap();
        json!({ "at": at.to_string(), "value": value, "verdict": verdict, "summary": "s" })
    })
}

fn gate() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(IDS.to_vec()),
        verdict(),
        prop::collection::vec(
            (
                prop::sample::select(vec!["value", "stale_active_sessions", "x"]),
                -1e9f64..1e9,
            ),
            0..3,
        ),
        prop::option::of(prop::collection::vec(sample(), 0..12)),
        prop::collection::vec(number(), 0..3),
    )
        .prop_map(|(id, verdict, measurements, samples, observed)| {
            let measurements: Vec<Value> = measurements
                .into_iter()
                .map(|(name, value)| json!({ "name": name, "value": value }))
                .collect();
            let observations: Vec<Value> = observed
                .into_iter()
                .map(|o| json!({ "name": "value", "observed": o, "expected": 0, "rule": "le" }))
                .collect();
            let mut gate = json!({
                "id": id, "kind": "prometheus", "title": id, "verdict": verdict,
                "required": true, "blocking": false, "summary": "x", "duration_ms": 1,
                "attempts": 1, "observations": observations, "measurements": measurements,
            });
            if let Some(samples) = samples {
                gate["details"] = json!({ "samples": samples });
            }
            gate
        })
}

fn summary() -> impl Strategy<Value = Summary> {
    (
        prop::collection::vec(gate(), 0..20),
        prop::option::of(any::<bool>()),
        0i64..4_000_000_000,
    )
        .prop_map(|(gates, migrations, start)| {
            let started = jiff::Timestamp::from_second(start).unwrap();
            serde_json::from_value(json!({
                "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
                "run_id": "r", "phase": "launch-gate", "environment": "production",
                "strict": true, "started_at": started.to_string(),
                "finished_at": started.to_string(), "duration_ms": 0, "outcome": "blocked",
                "counts": { "pass": 0, "warn": 0, "fail": 0, "inconclusive": 0, "error": 0, "skipped": 0 },
                "release": { "migrations": migrations },
                "gates": gates,
            }))
            .unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn evaluate_never_panics_and_is_deterministic(summary in summary()) {
        let plan = runbook();
        let log = LogContents::default();
        let config = plan.rollback_config(&summary.environment).unwrap();
        let first = serde_json::to_string(&Decision::replay(&config, &summary, &log).unwrap()).unwrap();
        let second = serde_json::to_string(&Decision::replay(&config, &summary, &log).unwrap()).unwrap();
        prop_assert_eq!(first, second);
    }
}
