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
