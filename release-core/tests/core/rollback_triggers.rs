//! The built-in triggers on hand-made runs: holds by samples and by duration, gaps in a soak,
//! samples out of order, growth edges and missing data.

use std::collections::BTreeMap;

use release_core::rollback::{
    Growth, GrowthTrigger, Hold, Level, MissingDataTrigger, RollbackTrigger, ThresholdTrigger,
    TriggerInput, TriggerState,
};
use release_core::{Baseline, Summary};
use serde_json::{Value, json};

fn summary(gates: Vec<Value>) -> Summary {
    serde_json::from_value(json!({
        "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
        "run_id": "r", "phase": "launch-gate", "environment": "production", "strict": true,
        "started_at": "2026-11-27T09:00:00Z", "finished_at": "2026-11-27T11:00:00Z",
        "duration_ms": 0, "outcome": "passed",
        "counts": { "pass": 0, "warn": 0, "fail": 0, "inconclusive": 0, "error": 0, "skipped": 0 },
        "gates": gates,
    }))
    .unwrap()
}

/// A soak gate with samples `(time, value)`; `None` is a sample without a value.
fn soak(samples: &[(&str, Option<f64>)]) -> Value {
    let samples: Vec<Value> = samples
        .iter()
        .map(|(at, value)| {
            let mut s =
                json!({ "at": format!("2026-11-27T{at}Z"), "verdict": "pass", "summary": "s" });
            if let Some(v) = value {
                s["value"] = json!(v);
            }
            s
        })
        .collect();
    json!({ "id": "latency", "kind": "prometheus", "title": "t", "verdict": "pass",
            "required": true, "blocking": false, "summary": "s", "duration_ms": 1, "attempts": 1,
            "observations": [], "details": { "samples": samples } })
}

fn assess(trigger: &dyn RollbackTrigger, gates: Vec<Value>) -> (TriggerState, String) {
    let summary = summary(gates);
    let baselines = BTreeMap::new();
    let a = trigger.assess(&TriggerInput::new(&summary, &baselines));
    (a.state, a.reason)
}

#[test]
fn a_long_sparse_breach_fires_a_duration_hold_over_a_short_dense_one() {
    let trigger = ThresholdTrigger::new(
        "t",
        "latency",
        Level::Above(1.5),
        Hold::Duration(std::time::Duration::from_secs(60)),
    );
    let gate = soak(&[
        ("10:00:00", Some(2.0)),
        ("10:10:00", Some(2.0)),
        ("10:11:00", Some(0.1)),
        ("10:12:00", Some(2.0)),
        ("10:12:01", Some(2.0)),
        ("10:12:02", Some(2.0)),
    ]);
    let (state, reason) = assess(&trigger, vec![gate]);
    assert_eq!(state, TriggerState::Fired, "{reason}");
    assert!(reason.contains("over 10m"), "{reason}");
}

#[test]
fn a_sample_without_a_value_breaks_a_run() {
    let trigger = ThresholdTrigger::new("t", "latency", Level::Above(1.5), Hold::Samples(2));
    let gate = soak(&[
        ("10:00:00", Some(2.0)),
        ("10:10:00", None),
        ("10:20:00", None),
        ("10:30:00", Some(2.0)),
    ]);
    let (state, reason) = assess(&trigger, vec![gate]);
    assert_eq!(state, TriggerState::Watch, "{reason}");
    assert!(reason.contains("in 1 of 4 samples"), "{reason}");
}

#[test]
fn samples_out_of_order_are_judged_in_time_order() {
    let trigger = ThresholdTrigger::new("t", "latency", Level::Above(1.5), Hold::Samples(2));
    // In time order: 2.0, 0.1, 2.0, never two in a row.
    let gate = soak(&[
        ("10:02:00", Some(2.0)),
        ("10:00:00", Some(2.0)),
        ("10:01:00", Some(0.1)),
    ]);
    assert_eq!(assess(&trigger, vec![gate]).0, TriggerState::Watch);
}

#[test]
fn a_soak_of_a_hundred_thousand_samples_is_judged() {
    let trigger = ThresholdTrigger::new("t", "latency", Level::Above(1.5), Hold::Samples(50_000));
    let start = jiff::Timestamp::from_second(1_800_000_000).unwrap();
    let samples: Vec<Value> = (0..100_000i64)
        .map(|i| {
            json!({ "at": (start + jiff::SignedDuration::from_secs(i)).to_string(),
                    "value": 2.0, "verdict": "fail", "summary": "s" })
        })
        .collect();
    let gate = json!({ "id": "latency", "kind": "prometheus", "title": "t", "verdict": "fail",
        "required": true, "blocking": true, "summary": "s", "duration_ms": 1, "attempts": 1,
        "observations": [], "details": { "samples": samples } });
    let (state, reason) = assess(&trigger, vec![gate]);
    assert_eq!(state, TriggerState::Fired, "{reason}");
}

#[test]
fn growth_judges_percentages_of_the_baseline_s_size_and_zero_baselines_watch() {
    let gate = |value: f64| {
        json!({ "id": "sessions", "kind": "sessions", "title": "t", "verdict": "pass",
            "required": true, "blocking": false, "summary": "s", "duration_ms": 1, "attempts": 1,
            "observations": [], "measurements": [{ "name": "stale", "value": value }] })
    };
    let trigger = GrowthTrigger::new("g", "sessions", "stale", Growth::Percent(50.0));
    let run = |value: f64, baseline: f64| {
        let summary = summary(vec![gate(value)]);
        let baselines = BTreeMap::from([(
            "sessions.stale".to_owned(),
            Baseline {
                value: baseline,
                source: "log".into(),
            },
        )]);
        trigger
            .assess(&TriggerInput::new(&summary, &baselines))
            .state
    };
    assert_eq!(run(16.0, 10.0), TriggerState::Fired);
    assert_eq!(
        run(15.0, 10.0),
        TriggerState::Clear,
        "exactly +50% is within"
    );
    assert_eq!(
        run(-4.0, -10.0),
        TriggerState::Fired,
        "+60% of a negative baseline's size"
    );
    assert_eq!(run(3.0, 0.0), TriggerState::Watch);
    assert_eq!(run(0.0, 0.0), TriggerState::Clear);
    // Without a baseline there is nothing to compare; said, not guessed.
    let summary = summary(vec![gate(100.0)]);
    let none = BTreeMap::new();
    let a = trigger.assess(&TriggerInput::new(&summary, &none));
    assert_eq!(a.state, TriggerState::Clear);
    assert!(a.reason.contains("no baseline yet"), "{}", a.reason);
}

#[test]
fn missing_data_watches_or_fires_as_configured() {
    let absent = MissingDataTrigger::new("m", ["latency", "errors"]);
    let (state, reason) = assess(&absent, vec![soak(&[("10:00:00", Some(1.0))])]);
    assert_eq!(state, TriggerState::Watch);
    assert!(reason.contains("errors"), "{reason}");
    let fire = MissingDataTrigger::new("m", ["errors"]).state(TriggerState::Fired);
    assert_eq!(assess(&fire, vec![]).0, TriggerState::Fired);
    let clear = MissingDataTrigger::new("m", ["latency"]).state(TriggerState::Fired);
    assert_eq!(
        assess(&clear, vec![soak(&[("10:00:00", Some(1.0))])]).0,
        TriggerState::Clear
    );
}
