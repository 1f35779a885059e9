//! Running a plan through the library as an embedder would (`run`, `runbook`): what the CLI
//! used to do on its own now holds for every caller.

use std::time::Duration;

use release_core::run::{RunError, RunRequest};
use release_core::runbook::{self, PREFLIGHT_ENV, PREFLIGHT_PLATFORM, Phase};
use release_core::{Context, DynGate, Evaluation, Outcome, Plan, Runner, Vars, Verdict};
use release_testkit::{MockGate, RailwayMock};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn plan(dir: &std::path::Path, body: &str) -> Plan {
    let log = dir.join("release-log.jsonl");
    Plan::parse(
        dir.join("release.toml"),
        &format!(
            "[release]\nlog = {log:?}\nartifacts_dir = {:?}\n{body}",
            dir.display().to_string()
        ),
    )
    .unwrap()
}

const PLATFORM: &str = r#"
[environments.production]
[[gates]]
id = "railway"
kind = "platform"
phases = ["preflight-platform"]
services = ["web", "api", "worker"]
"#;

#[test]
fn railway_api_url_in_the_runs_variables_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), PLATFORM);
    let runtime = runtime();
    let mock = runtime
        .block_on(RailwayMock::start_case("healthy"))
        .unwrap();
    let vars = Vars::from_pairs([
        ("RAILWAY_API_URL", mock.url()),
        ("RAILWAY_TOKEN", RailwayMock::PROJECT_TOKEN.to_owned()),
    ]);
    let request = RunRequest::new(&plan).vars(vars);
    let summary = runbook::run_phase(&request, PREFLIGHT_PLATFORM, &runtime, &()).unwrap();
    let asked = runtime.block_on(mock.requests());
    assert!(
        !asked.is_empty(),
        "the platform gate called another endpoint than RAILWAY_API_URL: {summary:#?}"
    );
    assert_eq!(summary.outcome, Outcome::Passed, "{summary:#?}");
}

#[test]
fn a_railway_api_url_that_is_not_a_base_url_is_refused_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), PLATFORM);
    let vars = Vars::from_pairs([("RAILWAY_API_URL", "ftp://u:SecretPw-1@railway.example")]);
    let err = RunRequest::new(&plan)
        .vars(vars)
        .prepare(PREFLIGHT_PLATFORM.phases)
        .unwrap_err();
    assert!(matches!(err, RunError::RailwayApiUrl { .. }), "{err}");
    let text = err.to_string();
    assert!(text.starts_with("RAILWAY_API_URL (from "), "{text}");
    assert!(!text.contains("SecretPw-1"), "{text}");
}

const ENV_ONLY: &str = r#"
[environments.staging]
[[gates]]
id = "database"
kind = "env"
phases = ["preflight-env"]
vars = [{ name = "DATABASE_URL" }]
"#;

#[test]
fn an_unknown_phase_is_an_error_not_a_pass_also_in_strict_mode() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), ENV_ONLY);
    let runtime = runtime();
    for strict in [false, true] {
        for phases in [&["smok"][..], &["preflight-env", "lanch"], &[""]] {
            let misspelt = Phase {
                label: "custom",
                phases: Box::leak(phases.to_vec().into_boxed_slice()),
                writes_summary: false,
            };
            let request = RunRequest::new(&plan).strict(strict);
            let err = runbook::run_phase(&request, misspelt, &runtime, &()).unwrap_err();
            assert!(
                matches!(err, RunError::UnknownPhase { .. }),
                "{phases:?}: {err}"
            );
            assert!(
                err.to_string().contains("nothing to check is not a pass"),
                "{err}"
            );
        }
    }
    // A selection that leaves the phase nothing to run is an error, worded as the CLI always
    // worded it.
    let filter = release_core::plan::GateFilter {
        only: vec![],
        skip: vec!["database".to_owned()],
    };
    let err = RunRequest::new(&plan)
        .filter(filter)
        .prepare(PREFLIGHT_ENV.phases)
        .unwrap()
        .gates(PREFLIGHT_ENV.phases)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "--only/--skip leave no gate of phase preflight-env to run; nothing checked is not a pass"
    );
    // A known phase without gates for the environment is an error too, never an empty pass.
    let err = RunRequest::new(&plan)
        .prepare(&["smoke"])
        .and_then(|run| run.gates(&["smoke"]).map(|_| ()));
    assert!(matches!(err, Err(RunError::NoGates { .. })), "{err:?}");
}

#[test]
fn an_unknown_environment_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), ENV_ONLY);
    let err = RunRequest::new(&plan)
        .environment("prodution")
        .prepare(PREFLIGHT_ENV.phases)
        .unwrap_err();
    assert!(matches!(err, RunError::Plan(_)), "{err}");
    assert!(err.to_string().contains("prodution"), "{err}");
}

#[test]
fn release_metadata_and_strictness_come_from_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), ENV_ONLY);
    let runtime = runtime();
    let vars = Vars::from_pairs([
        ("DATABASE_URL", "postgres://db/app"),
        ("RELEASE_VERSION", "1.4.2"),
        ("GITHUB_SHA", "abc123"),
        ("RELEASE_MIGRATIONS", "yes"),
    ]);
    let tool = release_core::ToolInfo {
        name: "acme-deployer".to_owned(),
        version: "7.1.0".to_owned(),
    };
    let request = RunRequest::new(&plan)
        .vars(vars)
        .strict(true)
        .tool(tool.clone());
    let summary = runbook::run_phase(&request, PREFLIGHT_ENV, &runtime, &()).unwrap();
    assert!(summary.strict);
    assert_eq!(summary.tool, tool);
    assert_eq!(summary.release.version.as_deref(), Some("1.4.2"));
    assert_eq!(summary.release.commit.as_deref(), Some("abc123"));
    assert_eq!(summary.release.migrations, Some(true));
    let bad = RunRequest::new(&plan).vars(Vars::from_pairs([("RELEASE_MIGRATIONS", "maybe")]));
    assert!(matches!(
        bad.prepare(PREFLIGHT_ENV.phases),
        Err(RunError::ReleaseMigrations)
    ));
}

#[test]
fn a_recorded_run_writes_its_summary_and_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), ENV_ONLY);
    let runtime = runtime();
    let request =
        RunRequest::new(&plan).vars(Vars::from_pairs([("DATABASE_URL", "postgres://db/app")]));
    let summary = runbook::run_phase(&request, PREFLIGHT_ENV, &runtime, &()).unwrap();
    let out = dir.path().join("out/summary.json");
    let recorded = runbook::record_phase(
        &request,
        PREFLIGHT_ENV,
        &summary,
        std::slice::from_ref(&out),
        None,
        None,
    );
    assert!(recorded.failures.is_empty(), "{:?}", recorded.failures);
    assert_eq!(release_core::run::record_exit_code(&summary, &recorded), 0);
    let back = release_core::Summary::read_file(&out).unwrap();
    assert_eq!(back.run_id, summary.run_id);
    let log = std::fs::read_to_string(dir.path().join("release-log.jsonl")).unwrap();
    assert!(log.contains(&summary.run_id), "{log}");
}

/// 48 scripted gates, some slow, with verdicts by position: the split run returns the same
/// results in plan order as a run on one thread, and calls every gate once.
#[test]
fn a_run_split_over_threads_keeps_plan_order_and_every_result() {
    let verdict = |i: usize| match i % 4 {
        0 => Evaluation::pass("fine"),
        1 => Evaluation::warn("slow"),
        2 => Evaluation::fail("broken"),
        _ => Evaluation::pass("fine again"),
    };
    let make = || -> (Vec<Box<dyn DynGate>>, Vec<release_testkit::MockGateCalls>) {
        (0..48)
            .map(|i| {
                let gate = MockGate::new(&format!("gate-{i}"))
                    .returning(verdict(i))
                    .delay(Duration::from_millis(if i % 7 == 0 { 30 } else { 1 }));
                let calls = gate.calls();
                (Box::new(gate) as Box<dyn DynGate>, calls)
            })
            .unzip()
    };
    let runtime = runtime();
    let cx = Context::builder("staging").build();
    let (gates, calls) = make();
    let split = Runner::new().threads(2).run_blocking(&runtime, &gates, &cx);
    let (single_gates, _) = make();
    let single = Runner::new().run_blocking(&runtime, &single_gates, &cx);
    let shape = |report: &release_core::RunReport| -> Vec<(String, Verdict)> {
        report
            .results
            .iter()
            .map(|r| (r.info.id.clone(), r.evaluation.verdict))
            .collect()
    };
    assert_eq!(shape(&split), shape(&single));
    let ids: Vec<String> = (0..48).map(|i| format!("gate-{i}")).collect();
    assert_eq!(
        shape(&split)
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        ids
    );
    assert!(
        calls.iter().all(|c| c.count() == 1),
        "every gate runs exactly once"
    );
    // Too few gates for a second thread: the same answers, one thread.
    let (few, few_calls) = (0..8)
        .map(|i| {
            let gate = MockGate::new(&format!("few-{i}")).returning(verdict(i));
            let calls = gate.calls();
            (Box::new(gate) as Box<dyn DynGate>, calls)
        })
        .unzip::<_, _, Vec<_>, Vec<_>>();
    let report = Runner::new().threads(2).run_blocking(&runtime, &few, &cx);
    assert_eq!(report.results.len(), 8);
    assert!(few_calls.iter().all(|c| c.count() == 1));
}

#[test]
fn cancelled_before_the_gates_start_is_an_interruption_not_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), ENV_ONLY);
    let runtime = runtime();
    let cancel = release_core::CancellationToken::new();
    cancel.cancel();
    let request = RunRequest::new(&plan).cancellation(cancel);
    let err = runbook::run_phase(&request, PREFLIGHT_ENV, &runtime, &()).unwrap_err();
    assert!(matches!(err, RunError::Interrupted), "{err}");
}
