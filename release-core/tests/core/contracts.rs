//! Contract tests: every recorded upstream response under `fixtures/responses/` is served on
//! loopback and read by the gate that reads that system, and the Evaluation is snapshotted.
//! A change in an upstream shape, or in how we read it, shows up as a snapshot diff.

use std::sync::Arc;

use release_core::gates::ai_runtime::{AiRuntimeGate, AiRuntimeGateSpec};
use release_core::gates::http::{HttpGate, HttpGateSpec};
use release_core::gates::sessions::{SessionsGate, SessionsGateSpec};
use release_core::{Clock, Context, DynGate, GateInfo, Vars};
use release_testkit::fixtures;

/// The instant the recorded responses were captured at (see the fixtures' descriptions).
#[derive(Debug)]
struct RecordedAt;

impl Clock for RecordedAt {
    fn now(&self) -> jiff::Timestamp {
        "2026-11-27T10:00:00Z"
            .parse()
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }
}

const TOKEN: &str = "contract-admin-token-7c1e9a4f2b8d3e6a";

/// The gate that reads a system's responses, pointed at `path`.
fn gate_for(system: &str, case: &str, path: &str) -> Box<dyn DynGate> {
    let info = GateInfo::new(format!("{system}-{case}"), system);
    match system {
        "health" => {
            let spec: HttpGateSpec = toml::from_str(&format!(
                "url = '{{api_url}}{path}'\nexpect = {{ health = true }}"
            ))
            .unwrap();
            Box::new(HttpGate::new(info, spec).unwrap())
        }
        "ai-runtime" => {
            let probe = if case.starts_with("dry-run") {
                "probe = 'dry-run'\nroles = ['support-agent']"
            } else {
                "probe = 'health'"
            };
            let spec: AiRuntimeGateSpec =
                toml::from_str(&format!("{probe}\nurl = '{{api_url}}{path}'")).unwrap();
            Box::new(AiRuntimeGate::new(info, spec).unwrap())
        }
        "agent-gateway" => {
            let spec: SessionsGateSpec = toml::from_str(&format!(
                "url = '{{api_url}}{path}'\nmax_stale = {{ warn = 3, fail = 10 }}"
            ))
            .unwrap();
            Box::new(SessionsGate::new(info, spec).unwrap())
        }
        other => panic!(
            "fixtures/responses/{other}/ has no contract test: add the gate that reads it here"
        ),
    }
}

#[tokio::test]
async fn every_recorded_response_reads_as_snapshotted() {
    let server = wiremock::MockServer::start().await;
    let cx = Context::builder("staging")
        .url("api_url", server.uri())
        .token("admin", "RELEASE_ADMIN_TOKEN")
        .vars(Vars::from_pairs([("RELEASE_ADMIN_TOKEN", TOKEN)]))
        .clock(Arc::new(RecordedAt))
        .build();
    let responses = fixtures::responses().expect("fixtures/responses is readable");
    assert!(
        responses.len() >= 20,
        "the recorded responses are all there: {}",
        responses.len()
    );

    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "[HOST]");
    settings.add_filter(r"\b\d+(\.\d+)?(ms|s)\b", "[DURATION]");
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();

    for (system, case, _path) in responses {
        let path = format!("/{system}/{case}");
        let recorded = fixtures::response(&system, &case).expect("fixture parses");
        let method = if case.starts_with("dry-run") {
            "POST"
        } else {
            "GET"
        };
        recorded.mount_on(&server, method, &path).await;
        let evaluation = gate_for(&system, &case, &path).evaluate_boxed(&cx).await;
        let shown = serde_json::json!({
            "verdict": evaluation.verdict,
            "summary": evaluation.summary,
            "observations": evaluation.observations,
            "evidence": evaluation.evidence,
            "measurements": evaluation.measurements,
        });
        insta::assert_snapshot!(
            format!("{system}__{case}"),
            serde_json::to_string_pretty(&shown).unwrap()
        );
    }
}
