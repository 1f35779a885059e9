//! Fail-fast: a run whose outcome is decided stops the gates still running and reports them
//! `skipped` with the reason, over real HTTP on loopback; `fail_fast(false)` runs them all.
//! Samples are counted at the mock, never timed.

use std::time::Duration;

use release_core::run::RunRequest;
use release_core::runbook::{self, SMOKE};
use release_core::{
    Context, DynGate, Evaluation, Outcome, Plan, Policy, RunStop, Runner, Summary, Verdict,
};
use release_testkit::MockGate;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A mock whose `/down` answers 500 and whose `/soak` answers 200 `ok`.
async fn app() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/down"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/soak"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    server
}

/// A smoke phase: `api-health` on `/down` (required unless `optional`) beside ten soak
/// windows of `count` samples a second on `/soak`.
fn plan(dir: &std::path::Path, api_url: &str, count: u32, optional: bool) -> Plan {
    let required = if optional { "required = false" } else { "" };
    let mut body = format!(
        r#"[release]
log = {log:?}
artifacts_dir = {dir:?}

[environments.staging]
api_url = "{api_url}"

[[gates]]
id = "api-health"
kind = "http"
phases = ["smoke"]
url = "{{api_url}}/down"
retries = 0
{required}
"#,
        log = dir.join("release-log.jsonl").display().to_string(),
        dir = dir.display().to_string(),
    );
    for i in 0..10 {
        body.push_str(&format!(
            r#"
[[gates]]
id = "soak-{i}"
kind = "http"
phases = ["smoke"]
url = "{{api_url}}/soak"
sustain = {{ interval = "1s", count = {count} }}
"#
        ));
    }
    Plan::parse(dir.join("release.toml"), &body).unwrap()
}

fn soak_requests(runtime: &tokio::runtime::Runtime, server: &MockServer) -> usize {
    runtime
        .block_on(server.received_requests())
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/soak")
        .count()
}

fn run_smoke(plan: &Plan, fail_fast: bool, runtime: &tokio::runtime::Runtime) -> Summary {
    let request = RunRequest::new(plan).fail_fast(fail_fast);
    runbook::run_phase(&request, SMOKE, runtime, &()).unwrap()
}

#[test]
fn a_required_failure_stops_long_soak_windows_which_report_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let server = runtime.block_on(app());
    let plan = plan(dir.path(), &server.uri(), 30, false);
    let summary = run_smoke(&plan, true, &runtime);

    assert_eq!(summary.outcome, Outcome::Blocked, "{summary:#?}");
    let stopped = summary.stopped_early.as_ref().expect("stopped early");
    assert_eq!(stopped.by, "api-health");
    assert!(
        stopped
            .reason
            .starts_with("stopped: the run was already blocked by api-health at +"),
        "{stopped:?}"
    );
    assert!(!summary.cancelled, "a decided run is not a cancelled one");
    let api = summary.gates.iter().find(|g| g.id == "api-health").unwrap();
    assert!(
        matches!(api.verdict, Verdict::Fail | Verdict::Error),
        "{api:#?}"
    );
    for gate in summary.gates.iter().filter(|g| g.id.starts_with("soak-")) {
        assert_eq!(gate.verdict, Verdict::Skipped, "{gate:#?}");
        assert_eq!(gate.summary, stopped.reason);
        assert!(!gate.blocking);
    }
    assert_eq!(summary.counts.skipped, 10);
    // 300 samples configured; the first of each window, and perhaps a second, were taken.
    let asked = soak_requests(&runtime, &server);
    assert!(
        asked <= 30,
        "{asked} soak samples taken after the run was decided"
    );

    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["stopped_early"]["by"], "api-health");
    assert!(json["stopped_early"]["at_ms"].is_u64());
}

#[test]
fn without_fail_fast_every_sample_is_taken_and_nothing_says_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let server = runtime.block_on(app());
    let plan = plan(dir.path(), &server.uri(), 3, false);
    let summary = run_smoke(&plan, false, &runtime);

    assert_eq!(summary.outcome, Outcome::Blocked);
    assert_eq!(summary.stopped_early, None);
    assert_eq!(soak_requests(&runtime, &server), 30);
    for gate in summary.gates.iter().filter(|g| g.id.starts_with("soak-")) {
        assert_eq!(gate.verdict, Verdict::Pass, "{gate:#?}");
    }
    let json = serde_json::to_value(&summary).unwrap();
    assert!(json.get("stopped_early").is_none(), "absent, not null");
}

#[test]
fn an_optional_gate_failing_does_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let server = runtime.block_on(app());
    let plan = plan(dir.path(), &server.uri(), 3, true);
    let summary = run_smoke(&plan, true, &runtime);

    assert_eq!(summary.outcome, Outcome::PassedWithWarnings, "{summary:#?}");
    assert_eq!(summary.stopped_early, None);
    assert_eq!(soak_requests(&runtime, &server), 30);
}

/// A gate that never ends on its own.
fn hanging(id: &str) -> Box<dyn DynGate> {
    Box::new(MockGate::new(id).delay(Duration::from_secs(3600)))
}

#[tokio::test]
async fn strict_mode_stops_on_a_warning_and_lenient_mode_does_not() {
    let gates: Vec<Box<dyn DynGate>> = vec![
        Box::new(MockGate::new("latency").returning(Evaluation::warn("slow"))),
        hanging("soak"),
    ];
    let cx = Context::builder("production").build();
    let strict = Runner::new().fail_fast(Policy::new(true));
    let report = strict.run(&gates, &cx).await;
    assert_eq!(report.results[1].evaluation.verdict, Verdict::Skipped);
    assert_eq!(report.stopped_early.as_ref().unwrap().by, "latency");
    assert!(!report.cancelled);

    let lenient = Runner::new().fail_fast(Policy::new(false));
    let quick: Vec<Box<dyn DynGate>> = vec![
        Box::new(MockGate::new("latency").returning(Evaluation::warn("slow"))),
        Box::new(MockGate::new("soak").delay(Duration::from_millis(50))),
    ];
    let report = lenient.run(&quick, &cx).await;
    assert_eq!(report.stopped_early, None);
    assert_eq!(report.results[1].evaluation.verdict, Verdict::Pass);
}

#[tokio::test]
async fn gates_not_yet_started_are_skipped_with_the_same_reason() {
    let gates: Vec<Box<dyn DynGate>> = vec![
        Box::new(MockGate::new("api-health").returning(Evaluation::error("refused"))),
        hanging("second"),
        hanging("third"),
    ];
    let cx = Context::builder("staging").build();
    let report = Runner::new()
        .concurrency(2)
        .fail_fast(Policy::new(false))
        .run(&gates, &cx)
        .await;
    let reason = &report.stopped_early.as_ref().unwrap().reason;
    for result in &report.results[1..] {
        assert_eq!(result.evaluation.verdict, Verdict::Skipped);
        assert_eq!(&result.evaluation.summary, reason);
    }
}

#[tokio::test]
async fn a_cancelled_run_is_still_reported_cancelled_not_stopped() {
    let gates: Vec<Box<dyn DynGate>> = vec![hanging("soak")];
    let cancel = release_core::CancellationToken::new();
    let cx = Context::builder("staging")
        .cancellation(cancel.clone())
        .build();
    let runner = Runner::new().fail_fast(Policy::new(false));
    let (report, ()) = tokio::join!(runner.run(&gates, &cx), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        cancel.cancel();
    });
    assert!(report.cancelled);
    assert_eq!(report.stopped_early, None);
    assert_eq!(report.results[0].evaluation.verdict, Verdict::Error);
}

#[test]
fn a_failure_on_one_thread_stops_the_gates_of_the_other() {
    // 40 gates, all started at once, split across two threads: the failing gate is in the
    // first part, the hanging ones in both.
    let mut gates: Vec<Box<dyn DynGate>> = vec![Box::new(
        MockGate::new("api-health")
            .returning(Evaluation::fail("down"))
            .delay(Duration::from_millis(50)),
    )];
    gates.extend((1..40).map(|i| hanging(&format!("soak-{i}"))));
    let runtime = runtime();
    let cx = Context::builder("staging").build();
    let report = Runner::new()
        .threads(2)
        .fail_fast(Policy::new(false))
        .run_blocking(&runtime, &gates, &cx);
    assert_eq!(report.stopped_early.as_ref().unwrap().by, "api-health");
    assert!(
        report.results[1..]
            .iter()
            .all(|r| r.evaluation.verdict == Verdict::Skipped),
        "{report:#?}"
    );
}

#[test]
fn a_judge_outside_the_runner_stops_the_run_through_a_shared_stop() {
    let gates: Vec<Box<dyn DynGate>> = vec![hanging("soak-a"), hanging("soak-b")];
    let runtime = runtime();
    let cx = Context::builder("staging").build();
    let stop = RunStop::new(cx.cancellation());
    let judge = stop.clone();
    let runner = Runner::new().stop(stop);
    let report = runtime.block_on(async {
        let (report, ()) = tokio::join!(runner.run(&gates, &cx), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            judge.stop_with("soak-a", |at| {
                format!("stopped: rollback trigger errors fired at sample 1 of soak-a ({at})")
            });
        });
        report
    });
    let stopped = report.stopped_early.unwrap();
    assert_eq!(stopped.by, "soak-a");
    assert!(
        stopped
            .reason
            .starts_with("stopped: rollback trigger errors fired")
    );
    assert!(!report.cancelled);
    assert!(
        report
            .results
            .iter()
            .all(|r| r.evaluation.verdict == Verdict::Skipped)
    );
}

/// A launch phase: `error-rate` sampled 10 times at 0.2 (under its own fail level of 0.9, so
/// the gate itself would pass), beside a slow soak; a trigger fires above 0.1 held 3 samples.
fn trigger_plan(dir: &std::path::Path, prometheus: &str, api_url: &str) -> Plan {
    let body = format!(
        r#"[release]
log = {log:?}
artifacts_dir = {dir:?}

[environments.staging]
api_url = "{api_url}"
prometheus_url = "{prometheus}"

[[gates]]
id = "error-rate"
kind = "prometheus"
phases = ["launch"]
query = "release:error_ratio"
warn_above = 0.8
fail_above = 0.9
sustain = {{ interval = "100ms", count = 10 }}

[[gates]]
id = "soak"
kind = "http"
phases = ["launch"]
url = "{{api_url}}/soak"
sustain = {{ interval = "1s", count = 30 }}

[[rollback.triggers]]
id = "errors"
kind = "threshold"
gate = "error-rate"
fire_above = 0.1
samples = 3
"#,
        log = dir.join("release-log.jsonl").display().to_string(),
        dir = dir.display().to_string(),
    );
    Plan::parse(dir.join("release.toml"), &body).unwrap()
}

#[test]
fn a_trigger_firing_mid_window_stops_the_run_and_the_decision_is_rollback() {
    use release_core::rollback::{DecisionKind, TriggerInput};
    use release_testkit::PrometheusMock;

    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let server = runtime.block_on(app());
    let prometheus = runtime.block_on(PrometheusMock::start());
    runtime.block_on(prometheus.respond("release:error_ratio", PrometheusMock::vector(0.2)));
    let plan = trigger_plan(dir.path(), &prometheus.url(), &server.uri());
    let request = RunRequest::new(&plan);
    let phase = runbook::Phase {
        label: "launch",
        phases: &["launch"],
        writes_summary: false,
    };
    let summary = runbook::run_phase(&request, phase, &runtime, &()).unwrap();

    let stopped = summary.stopped_early.as_ref().unwrap_or_else(|| {
        panic!(
            "not stopped: {:?}\n{}",
            plan.rollback_config("staging").map(|c| c.triggers.len()),
            serde_json::to_string_pretty(&summary).unwrap()
        )
    });
    assert_eq!(stopped.by, "error-rate");
    assert!(
        stopped
            .reason
            .starts_with("stopped: rollback trigger errors fired at sample 3 of error-rate at +"),
        "{stopped:?}"
    );
    let soak = summary.gates.iter().find(|g| g.id == "soak").unwrap();
    assert_eq!(soak.verdict, Verdict::Skipped);
    assert_eq!(soak.summary, stopped.reason);
    // The window that fired keeps the samples that fired it: 3 of 10.
    let window = summary.gates.iter().find(|g| g.id == "error-rate").unwrap();
    assert_eq!(window.samples, Some(3), "{window:#?}");
    let asked = runtime.block_on(prometheus.requests()).len();
    assert_eq!(asked, 3, "samples taken after the trigger fired");
    assert!(soak_requests(&runtime, &server) < 30);

    // The decision over the summary, as `release rollback evaluate` takes it, is rollback.
    let config = plan.rollback_config("staging").unwrap();
    let baselines = std::collections::BTreeMap::new();
    let input = TriggerInput::new(&summary, &baselines);
    let decision =
        DecisionKind::from_states(config.triggers.iter().map(|t| t.assess(&input).state));
    assert_eq!(decision, DecisionKind::Rollback);
}

#[test]
fn without_fail_fast_triggers_wait_for_the_end_of_the_window() {
    use release_testkit::PrometheusMock;

    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let server = runtime.block_on(app());
    let prometheus = runtime.block_on(PrometheusMock::start());
    runtime.block_on(prometheus.respond("release:error_ratio", PrometheusMock::vector(0.2)));
    let plan = trigger_plan(dir.path(), &prometheus.url(), &server.uri()).to_owned();
    let text = std::fs::read_to_string(dir.path().join("release.toml")).ok();
    let _ = text;
    let request = RunRequest::new(&plan).fail_fast(false);
    let prepared = request.prepare(&["launch"]).unwrap();
    let gates: Vec<Box<dyn DynGate>> = prepared
        .gates(&["launch"])
        .unwrap()
        .into_iter()
        .filter(|g| g.info().id == "error-rate")
        .collect();
    let report = prepared.run(&runtime, "launch", &gates, &());
    assert_eq!(report.stopped_early, None);
    assert_eq!(runtime.block_on(prometheus.requests()).len(), 10);
}
