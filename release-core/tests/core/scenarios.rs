//! The shipped plan's smoke and launch gates against each scenario of the test kit's mock
//! environment, over real HTTP on loopback: the verdicts a release engineer expects.

use std::collections::BTreeMap;

use release_core::plan::{GateKindSpec, UrlOverrides};
use release_core::{HumanDuration, Outcome, Plan, Policy, Runner, Vars, Verdict};
use release_testkit::{AlertmanagerMock, MockEnvironment, PrometheusMock, Scenario};

struct Run {
    outcome: Outcome,
    strict_outcome: Outcome,
    verdicts: BTreeMap<String, Verdict>,
    report: release_core::RunReport,
}

async fn launch_gate(scenario: Scenario) -> Run {
    let env = MockEnvironment::start(scenario).await;
    let mut plan = Plan::load(&release_testkit::fixtures::plan("runbook")).expect("runbook plan");
    // The metric and alert gates read a healthy Prometheus and Alertmanager (the scenarios are
    // about the app), over soak windows of two samples 10 ms apart instead of ten minutes.
    let prometheus = PrometheusMock::start().await;
    let alertmanager = AlertmanagerMock::start().await;
    alertmanager.set_alerts(serde_json::json!([])).await;
    for gate in &mut plan.gates {
        if let GateKindSpec::Prometheus(spec) = &gate.spec {
            prometheus
                .respond(&spec.query, PrometheusMock::vector(0.001))
                .await;
        }
        if let Some(window) = &mut gate.common.sustain {
            window.interval = HumanDuration(std::time::Duration::from_millis(10));
            window.count = Some(2);
            window.failure_limit = 0;
        }
    }
    let selected = plan.select_environment(Some("staging")).expect("staging");
    let overrides = UrlOverrides {
        api_url: Some(env.api_url()),
        web_url: Some(env.web_url()),
        prometheus_url: Some(prometheus.url()),
        alertmanager_url: Some(alertmanager.url()),
    };
    let cx = selected
        .context(&plan, &overrides)
        .vars(Vars::from_pairs([(
            "RELEASE_ADMIN_TOKEN",
            env.admin_token(),
        )]))
        .build();
    let gates = plan
        .build_gates(&["smoke", "launch"], "staging")
        .expect("gates");
    let report = Runner::new().run(&gates, &cx).await;
    Run {
        outcome: report.outcome(Policy::new(false)),
        strict_outcome: report.outcome(Policy::new(true)),
        verdicts: report
            .results
            .iter()
            .map(|r| (r.info.id.clone(), r.evaluation.verdict))
            .collect(),
        report,
    }
}

fn evaluation<'a>(run: &'a Run, id: &str) -> &'a release_core::Evaluation {
    &run.report
        .results
        .iter()
        .find(|r| r.info.id == id)
        .expect("gate")
        .evaluation
}

#[tokio::test]
async fn healthy_passes() {
    let run = launch_gate(Scenario::Healthy).await;
    assert_eq!(run.outcome, Outcome::Passed, "{:#?}", run.verdicts);
    assert_eq!(run.strict_outcome, Outcome::Passed);
    assert_eq!(run.verdicts.len(), 12);
}

#[tokio::test]
async fn roles_blocked_blocks_naming_the_roles() {
    let run = launch_gate(Scenario::RolesBlocked).await;
    assert_eq!(run.outcome, Outcome::Blocked);
    assert_eq!(run.verdicts["ai-runtime-health"], Verdict::Fail);
    assert_eq!(run.verdicts["ai-runtime-dry-run"], Verdict::Fail);
    let health = evaluation(&run, "ai-runtime-health");
    assert_eq!(
        health.summary,
        "2 roles blocked: support-agent, billing-agent"
    );
    let names: Vec<&str> = health
        .observations
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "summary.health",
            "summary.rolesBlocked",
            "roles.support-agent",
            "roles.billing-agent"
        ]
    );
    assert_eq!(
        run.verdicts["api-health"],
        Verdict::Pass,
        "only the control plane is broken"
    );
}

#[tokio::test]
async fn api_down_blocks_with_error_verdicts() {
    let run = launch_gate(Scenario::ApiDown).await;
    assert_eq!(run.outcome, Outcome::Blocked);
    for id in [
        "api-health",
        "api-ready",
        "flow-sign-in",
        "flow-projects",
        "ai-runtime-health",
        "ai-runtime-dry-run",
        "agent-sessions",
    ] {
        assert_eq!(run.verdicts[id], Verdict::Error, "{id}");
    }
    assert_eq!(
        run.verdicts["web-home"],
        Verdict::Pass,
        "the web app is still up"
    );
    let health = evaluation(&run, "api-health");
    assert!(
        health.summary.starts_with("cannot connect: "),
        "{}",
        health.summary
    );
    assert_eq!(health.attempts, 3, "retried twice before giving up");
    assert_eq!(health.observations[0].rule, "reachable");
}

#[tokio::test]
async fn degraded_passes_with_warnings_and_blocks_when_strict() {
    let run = launch_gate(Scenario::Degraded).await;
    assert_eq!(
        run.outcome,
        Outcome::PassedWithWarnings,
        "{:#?}",
        run.verdicts
    );
    assert_eq!(run.strict_outcome, Outcome::Blocked);
    assert_eq!(run.verdicts["api-health"], Verdict::Warn);
    let rules: Vec<&str> = evaluation(&run, "api-health")
        .observations
        .iter()
        .map(|o| o.rule.as_str())
        .collect();
    assert!(
        rules.contains(&"health"),
        "a warn health body is a warn verdict: {rules:?}"
    );
    assert!(
        rules.contains(&"latency.warn"),
        "slow responses warn: {rules:?}"
    );
}

#[tokio::test]
async fn flaky_passes_after_retries() {
    let run = launch_gate(Scenario::Flaky).await;
    assert_eq!(run.outcome, Outcome::Passed, "{:#?}", run.verdicts);
    let health = evaluation(&run, "api-health");
    assert!(health.attempts > 1, "attempts: {}", health.attempts);
    assert!(
        health
            .evidence
            .iter()
            .any(|e| e.name == "retried" && e.detail.contains("status 503"))
    );
}

#[tokio::test]
async fn stale_sessions_warn_by_the_plans_limits() {
    let run = launch_gate(Scenario::StaleSessions).await;
    assert_eq!(run.verdicts["agent-sessions"], Verdict::Warn);
    let sessions = evaluation(&run, "agent-sessions");
    assert_eq!(sessions.observations[0].rule, "max_stale.warn");
    assert_eq!(sessions.observations[0].observed, 6);
    assert_eq!(sessions.measurements[0].name, "stale_active_sessions");
    assert!(
        sessions
            .evidence
            .iter()
            .any(|e| e.name == "baseline" && e.detail.starts_with("none yet"))
    );
}
