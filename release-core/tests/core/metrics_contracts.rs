//! Contract tests for the metric and alert gates: every recorded Prometheus and Alertmanager
//! answer under `fixtures/responses/{prometheus,alertmanager}/` is served by the test kit's
//! mocks on loopback and judged by the gate, and the Evaluation is snapshotted. No answer may
//! pass silently unless it really says all is well.

use release_core::gates::alerts::{AlertsGate, AlertsGateSpec};
use release_core::gates::prometheus::{PrometheusGate, PrometheusGateSpec};
use release_core::{Context, Evaluation, Gate, GateInfo, Verdict};
use release_testkit::{AlertmanagerMock, PrometheusMock};

const QUERY: &str = "release:error_ratio";

fn shown(evaluation: &Evaluation) -> String {
    serde_json::to_string_pretty(&serde_json::json!({
        "verdict": evaluation.verdict,
        "summary": evaluation.summary,
        "observations": evaluation.observations,
        "evidence": evaluation.evidence,
        "measurements": evaluation.measurements,
    }))
    .unwrap()
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "[HOST]");
    settings.add_filter(r"\b\d+(\.\d+)?(ms|s)\b", "[DURATION]");
    settings.set_omit_expression(true);
    settings
}

#[tokio::test]
async fn every_recorded_prometheus_answer_reads_as_snapshotted() {
    let _guard = settings().bind_to_scope();
    let mock = PrometheusMock::start().await;
    let spec: PrometheusGateSpec = toml::from_str(&format!(
        "query = '{QUERY}'\nurl = '{}'\nwarn_above = 0.01\nfail_above = 0.05",
        mock.url()
    ))
    .unwrap();
    let gate = PrometheusGate::new(GateInfo::new("error-ratio", "prometheus"), spec).unwrap();
    let cx = Context::builder("staging").build();
    assert!(
        PrometheusMock::CASES.len() >= 25,
        "{:?}",
        PrometheusMock::CASES
    );
    for case in PrometheusMock::CASES {
        mock.respond_case(QUERY, case).await.unwrap();
        let evaluation = gate.evaluate(&cx).await;
        // Only an answer with one number under the levels may pass, shown next to them.
        if evaluation.verdict == Verdict::Pass {
            assert!(
                evaluation
                    .observations
                    .iter()
                    .any(|o| o.name == "value" && o.rule == "threshold"),
                "{case} passed without a value: {evaluation:#?}"
            );
        }
        insta::assert_snapshot!(format!("prometheus__{case}"), shown(&evaluation));
    }
}

#[tokio::test]
async fn every_recorded_alertmanager_answer_reads_as_snapshotted() {
    let _guard = settings().bind_to_scope();
    let mock = AlertmanagerMock::start().await;
    let spec: AlertsGateSpec = toml::from_str(&format!("url = '{}'", mock.url())).unwrap();
    let gate = AlertsGate::new(GateInfo::new("firing-alerts", "alerts"), spec).unwrap();
    let cx = Context::builder("staging").build();
    assert!(
        AlertmanagerMock::CASES.len() >= 14,
        "{:?}",
        AlertmanagerMock::CASES
    );
    for case in AlertmanagerMock::CASES {
        mock.respond_case(case).await.unwrap();
        let evaluation = gate.evaluate(&cx).await;
        insta::assert_snapshot!(format!("alertmanager__{case}"), shown(&evaluation));
    }
}

#[tokio::test]
async fn a_percent_rule_over_a_zero_baseline_with_no_absolute_level_is_not_a_pass() {
    let mock = PrometheusMock::start().await;
    mock.respond(QUERY, PrometheusMock::vector(0.4)).await;
    let spec: PrometheusGateSpec = toml::from_str(&format!(
        "query = '{QUERY}'\nurl = '{}'\nrelative = {{ fail = '<=+50%' }}",
        mock.url()
    ))
    .unwrap();
    let gate = PrometheusGate::new(GateInfo::new("error-ratio", "prometheus"), spec).unwrap();
    let cx = Context::builder("staging")
        .baseline(
            "error-ratio.value",
            release_core::Baseline {
                value: 0.0,
                source: "release log: run 1".to_owned(),
            },
        )
        .build();
    let evaluation = gate.evaluate(&cx).await;
    assert_eq!(evaluation.verdict, Verdict::Inconclusive, "{evaluation:#?}");
    assert!(
        evaluation.observations[0]
            .expected
            .as_str()
            .unwrap()
            .contains("judges nothing here"),
        "{evaluation:#?}"
    );
}

#[tokio::test]
async fn token_and_basic_auth_together_are_refused_and_matchers_may_be_unquoted() {
    let mock = AlertmanagerMock::start().await;
    mock.set_alerts(serde_json::json!([])).await;
    let spec: AlertsGateSpec = toml::from_str(&format!(
        "url = '{}'\nfilters = ['env=production', 'alertname!~\"Watchdog|Info\"']",
        mock.url()
    ))
    .unwrap();
    let gate = AlertsGate::new(GateInfo::new("alerts", "alerts"), spec).unwrap();
    assert_eq!(
        gate.evaluate(&Context::builder("staging").build())
            .await
            .verdict,
        Verdict::Pass
    );
    let refused: AlertsGateSpec = toml::from_str("filters = ['no operator here']").unwrap();
    assert!(AlertsGate::new(GateInfo::new("alerts", "alerts"), refused).is_err());

    let spec: PrometheusGateSpec = toml::from_str(
        "query = 'up'\nurl = 'http://127.0.0.1:9'\nfail_below = 1\ntoken = 'prometheus'\nbasic_auth = { user = 'U', password = 'P' }",
    )
    .unwrap();
    let gate = PrometheusGate::new(GateInfo::new("up", "prometheus"), spec).unwrap();
    let evaluation = gate.evaluate(&Context::builder("staging").build()).await;
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation
            .summary
            .contains("set `token` or `basic_auth`, not both"),
        "{}",
        evaluation.summary
    );
}

#[tokio::test]
async fn numbers_are_shown_in_their_shortest_form() {
    // 0.0001 + 0.05pp is 0.0006000000000000001 in binary arithmetic; 13 is a float here.
    let mock = PrometheusMock::start().await;
    mock.respond(QUERY, PrometheusMock::vector(13.0)).await;
    let spec: PrometheusGateSpec = toml::from_str(&format!(
        "query = '{QUERY}'\nurl = '{}'\nfail_above = 12.5\nrelative = {{ fail = '<=+0.05pp' }}",
        mock.url()
    ))
    .unwrap();
    let gate = PrometheusGate::new(GateInfo::new("error-ratio", "prometheus"), spec).unwrap();
    let cx = Context::builder("staging")
        .baseline(
            "error-ratio.value",
            release_core::Baseline {
                value: 0.0001,
                source: "release log: run 1".to_owned(),
            },
        )
        .build();
    let evaluation = gate.evaluate(&cx).await;
    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:#?}");
    let text = shown(&evaluation);
    assert!(text.contains("<= 0.0006"), "{text}");
    assert!(!text.contains("0.00060000"), "{text}");
    assert!(!text.contains("13.0"), "{text}");
    assert_eq!(evaluation.observations[0].observed, serde_json::json!(13));
    assert!(
        evaluation.summary.starts_with("13, above"),
        "{}",
        evaluation.summary
    );
}

#[tokio::test]
async fn alert_states_and_severities_are_read_as_every_status_word_is() {
    let mock = AlertmanagerMock::start().await;
    let spec: AlertsGateSpec = toml::from_str(&format!("url = '{}'", mock.url())).unwrap();
    let gate = AlertsGate::new(GateInfo::new("alerts", "alerts"), spec).unwrap();
    let cx = Context::builder("staging").build();
    let alert = |severity: &str, state: &str| {
        serde_json::json!([{ "labels": { "alertname": "HighLatency", "severity": severity },
            "status": { "state": state, "silencedBy": ["s1"] } }])
    };
    // Case and surrounding whitespace mean nothing: `warning ` is a warning, not an unknown
    // severity counted as critical.
    mock.set_alerts(alert("Warning ", "active")).await;
    assert_eq!(gate.evaluate(&cx).await.verdict, Verdict::Warn);
    mock.set_alerts(alert("critical", " Suppressed")).await;
    assert_eq!(gate.evaluate(&cx).await.verdict, Verdict::Pass);
    // A state this version does not know counts: an alert is harmless only when
    // Alertmanager says so.
    mock.set_alerts(alert("critical", "snoozed")).await;
    let evaluation = gate.evaluate(&cx).await;
    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:#?}");
    assert!(
        evaluation.observations[0]
            .observed
            .as_str()
            .unwrap()
            .starts_with("snoozed since")
    );
}

#[tokio::test]
async fn the_levels_a_value_is_judged_against_are_given_as_numbers_for_charts() {
    use release_core::{Threshold, ThresholdLevel};

    let mock = PrometheusMock::start().await;
    mock.respond(QUERY, PrometheusMock::vector(0.3)).await;
    let spec: PrometheusGateSpec = toml::from_str(&format!(
        "query = '{QUERY}'\nurl = '{}'\nwarn_above = 0.5\nfail_above = 0.8\nfail_below = 0.01\n\
         relative = {{ warn = '<=+50%', fail = '<=+100%' }}",
        mock.url()
    ))
    .unwrap();
    let gate = PrometheusGate::new(GateInfo::new("p95", "prometheus"), spec).unwrap();
    let absolute = [
        Threshold::new(ThresholdLevel::Warn, "warn above", 0.5),
        Threshold::new(ThresholdLevel::Fail, "fail above", 0.8),
        Threshold::new(ThresholdLevel::Fail, "fail below", 0.01),
    ];
    // Without a baseline, the relative rules draw nothing.
    let evaluation = gate.evaluate(&Context::builder("staging").build()).await;
    assert_eq!(evaluation.thresholds, absolute, "{evaluation:#?}");
    let cx = Context::builder("staging")
        .baseline(
            "p95.value",
            release_core::Baseline {
                value: 0.2,
                source: "release log: run 7".to_owned(),
            },
        )
        .build();
    let evaluation = gate.evaluate(&cx).await;
    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    let mut expected = absolute.to_vec();
    expected.extend([
        Threshold::new(
            ThresholdLevel::Baseline,
            "baseline (release log: run 7)",
            0.2,
        ),
        Threshold::new(
            ThresholdLevel::Warn,
            "relative warn (<=+50%)",
            0.30000000000000004,
        ),
        Threshold::new(ThresholdLevel::Fail, "relative fail (<=+100%)", 0.4),
    ]);
    assert_eq!(evaluation.thresholds, expected);
    // An answer that is no number still says what it would have been judged against.
    mock.respond(QUERY, PrometheusMock::vector_str("NaN")).await;
    let evaluation = gate.evaluate(&cx).await;
    assert_eq!(evaluation.thresholds, expected, "{evaluation:#?}");
}
