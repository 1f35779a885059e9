//! `release smoke`, `release launch-gate` and `release demo` against the test kit's mock
//! environment, running the real binary.

use release_core::Plan;
use release_core::plan::GateKindSpec;
use release_testkit::{AlertmanagerMock, MockEnvironment, PrometheusMock, Scenario};

use crate::support::{Release, interrupt, redact, runbook_plan, short_soak_plan};

/// A mock environment served by its own runtime while the binary runs, with Prometheus and
/// Alertmanager answering the runbook's metric and alert gates as a healthy service would.
pub(crate) struct Mock {
    env: MockEnvironment,
    prometheus: PrometheusMock,
    alertmanager: AlertmanagerMock,
    _runtime: tokio::runtime::Runtime,
}

pub(crate) fn mock(scenario: Scenario) -> Mock {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let env = runtime.block_on(MockEnvironment::start(scenario));
    let (prometheus, alertmanager) = runtime.block_on(async {
        let prometheus = PrometheusMock::start().await;
        let plan = Plan::load(std::path::Path::new(&runbook_plan())).unwrap();
        for gate in &plan.gates {
            if let GateKindSpec::Prometheus(spec) = &gate.spec {
                // Under every level of the runbook's gates.
                prometheus
                    .respond(&spec.query, PrometheusMock::vector(0.001))
                    .await;
            }
        }
        let alertmanager = AlertmanagerMock::start().await;
        alertmanager.set_alerts(serde_json::json!([])).await;
        (prometheus, alertmanager)
    });
    Mock {
        env,
        prometheus,
        alertmanager,
        _runtime: runtime,
    }
}

pub(crate) fn against(mock: &Mock) -> Release {
    Release::new()
        .file("runbook.toml", short_soak_plan())
        .args(["--plan", "runbook.toml"])
        .env("RELEASE_API_URL", mock.env.api_url())
        .env("RELEASE_WEB_URL", mock.env.web_url())
        .env("RELEASE_PROMETHEUS_URL", mock.prometheus.url())
        .env("RELEASE_ALERTMANAGER_URL", mock.alertmanager.url())
        .env("RELEASE_ADMIN_TOKEN", mock.env.admin_token())
}

#[test]
fn launch_gate_writes_the_environments_summary_file() {
    let mock = mock(Scenario::Healthy);
    let (run, dir) = against(&mock)
        .args(["launch-gate", "--format", "json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(
        dir.path()
            .join("artifacts/release/staging-launch-gate-summary.json"),
    )
    .unwrap();
    let summary: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(summary["phase"], "launch-gate");
    assert_eq!(summary["outcome"], "passed");
    assert_eq!(summary["gates"].as_array().unwrap().len(), 12);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()["run_id"],
        summary["run_id"]
    );
    assert!(
        !run.stdout.contains(mock.env.admin_token())
            && !run.stderr.contains(mock.env.admin_token())
    );
}

#[test]
fn smoke_runs_the_smoke_phase_only() {
    let mock = mock(Scenario::Healthy);
    let (run, _dir) = against(&mock).args(["smoke", "--color", "never"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("smoke_healthy", redact(&run.stdout, &run.dir));
}

#[test]
fn roles_blocked_exits_1_and_names_the_roles() {
    let mock = mock(Scenario::RolesBlocked);
    let (run, _dir) = against(&mock)
        .args(["launch-gate", "--color", "never"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("2 roles blocked: support-agent, billing-agent"),
        "{}",
        run.stdout
    );
}

#[test]
fn degraded_passes_with_warnings_and_blocks_with_strict() {
    let mock = mock(Scenario::Degraded);
    let (run, _dir) = against(&mock)
        .args(["launch-gate", "--format", "json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["outcome"], "passed_with_warnings");
    let (strict, _dir) = against(&mock)
        .args(["launch-gate", "--strict", "--format", "json"])
        .run();
    assert_eq!(strict.code, 1);
}

#[test]
fn only_and_skip_select_gates_and_report_the_rest_as_skipped() {
    let mock = mock(Scenario::Healthy);
    let (run, _dir) = against(&mock)
        .args([
            "launch-gate",
            "--only",
            "ai-runtime,api-health",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let verdicts: Vec<(String, String)> = summary["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap().to_owned(),
                g["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let ran: Vec<&str> = verdicts
        .iter()
        .filter(|(_, v)| v != "skipped")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(
        ran,
        ["api-health", "ai-runtime-health", "ai-runtime-dry-run"]
    );
    assert_eq!(summary["counts"]["skipped"], 9);

    let (skip, _dir) = against(&mock)
        .args([
            "launch-gate",
            "--skip",
            "http",
            "--skip",
            "sessions",
            "--skip",
            "prometheus,alerts",
            "--format",
            "json",
        ])
        .run();
    let summary: serde_json::Value = serde_json::from_str(&skip.stdout).unwrap();
    assert_eq!(
        summary["counts"]["pass"], 2,
        "only the two ai-runtime gates ran"
    );

    let (typo, _dir) = against(&mock)
        .args(["launch-gate", "--only", "api-helth"])
        .run();
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("name no gate id, kind or phase"),
        "{}",
        typo.stderr
    );
}

#[test]
fn a_passing_runs_count_becomes_the_next_runs_baseline() {
    // First a healthy environment: no stale sessions, a pass, recorded as the baseline.
    let healthy = mock(Scenario::Healthy);
    let release = against(&healthy);
    let dir = release.dir().to_path_buf();
    let (first, _keep) = release
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run_in(&dir);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    let sessions = |summary: &serde_json::Value| {
        summary["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == "agent-sessions")
            .unwrap()
            .clone()
    };
    assert!(
        sessions(&first)["evidence"]
            .to_string()
            .contains("none yet")
    );

    // Then six stale sessions: +6 over a baseline of 0 fails the growth limits, and the report
    // names the baseline and the run it came from.
    let stale = mock(Scenario::StaleSessions);
    let (second, _keep) = against(&stale)
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run_in(&dir);
    assert_eq!(second.code, 1, "{}", second.stderr);
    let second: serde_json::Value = serde_json::from_str(&second.stdout).unwrap();
    let run_id = first["run_id"].as_str().unwrap();
    let gate = sessions(&second);
    assert_eq!(gate["verdict"], "fail");
    assert!(
        gate["evidence"]
            .to_string()
            .contains(&format!("0 from release log: run {run_id}")),
        "{gate}"
    );

    // The failing count is not a baseline: a third run still compares with the first.
    let (third, _keep) = against(&stale)
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run_in(&dir);
    let third: serde_json::Value = serde_json::from_str(&third.stdout).unwrap();
    assert!(
        sessions(&third)["evidence"]
            .to_string()
            .contains(&format!("run {run_id}"))
    );

    // An explicit baseline file wins over the log.
    let mut chosen = first.clone();
    chosen["run_id"] = "chosen".into();
    for gate in chosen["gates"].as_array_mut().unwrap() {
        if gate["id"] == "agent-sessions" {
            gate["measurements"][0]["value"] = 5.0.into();
        }
    }
    std::fs::write(dir.join("baseline.json"), chosen.to_string()).unwrap();
    let (fourth, _keep) = against(&stale)
        .args([
            "launch-gate",
            "--only",
            "sessions",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ])
        .run_in(&dir);
    let fourth: serde_json::Value = serde_json::from_str(&fourth.stdout).unwrap();
    let gate = sessions(&fourth);
    assert!(
        gate["evidence"]
            .to_string()
            .contains("5 from baseline.json: run chosen"),
        "{gate}"
    );
    assert_eq!(
        gate["verdict"], "warn",
        "6 stale over 5 is +1 and +20%: only max_stale.warn (3) is crossed"
    );
}

#[test]
fn baselines_are_read_from_the_end_of_the_log_and_a_cut_short_search_says_so() {
    let healthy = mock(Scenario::Healthy);
    let release = against(&healthy);
    let dir = release.dir().to_path_buf();
    let (first, _keep) = release
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run_in(&dir);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    let run_id = first["run_id"].as_str().unwrap().to_owned();
    let log_path = dir.join("artifacts/release/release-log.jsonl");
    let recorded = std::fs::read_to_string(&log_path).unwrap();
    let evidence = |run: &crate::support::Run| {
        let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        summary["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == "agent-sessions")
            .unwrap()["evidence"]
            .to_string()
    };
    let stale = mock(Scenario::StaleSessions);

    // Older lines that are not records: a search that finds its baseline in the newest
    // record never reads them, so nothing is said about them.
    std::fs::write(&log_path, "not a record\n".repeat(1000) + &recorded).unwrap();
    let (second, _keep) = against(&stale)
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run_in(&dir);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(
        evidence(&second).contains(&format!("0 from release log: run {run_id}")),
        "{}",
        second.stdout
    );
    assert!(
        !second.stderr.contains("skipped"),
        "the old lines were read: {}",
        second.stderr
    );

    // The baseline behind more than the look-back limit: not found, and the run says why.
    let filler = format!("{}\n", "x".repeat(1024 * 1024 + 1));
    std::fs::write(&log_path, recorded.clone() + &filler.repeat(17)).unwrap();
    let (third, _keep) = against(&stale)
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run_in(&dir);
    assert!(evidence(&third).contains("none yet"), "{}", third.stdout);
    assert!(
        third.stderr.contains(
            "note: release log artifacts/release/release-log.jsonl: read back 16 MiB from its end (the limit) without finding a baseline for agent-sessions.stale_active_sessions; older records were not read"
        ),
        "{}",
        third.stderr
    );
}

#[test]
fn gate_selection_never_lets_a_run_pass_with_nothing_or_too_little_checked() {
    let mock = mock(Scenario::Healthy);
    let (nothing, _dir) = against(&mock)
        .args(["launch-gate", "--skip", "smoke,launch"])
        .run();
    assert_eq!(nothing.code, 2, "{}", nothing.stderr);
    assert!(
        nothing.stderr.contains("leave no gate"),
        "{}",
        nothing.stderr
    );

    // In a strict run, a required gate left out blocks.
    let (strict, dir) = against(&mock)
        .args([
            "launch-gate",
            "--strict",
            "--only",
            "web-home",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    let summary: serde_json::Value = serde_json::from_str(&strict.stdout).unwrap();
    assert_eq!(summary["counts"]["inconclusive"], 11);
    assert!(
        !dir.path()
            .join("artifacts/release/staging-launch-gate-summary.json")
            .exists(),
        "a partial run does not write the phase's summary file"
    );

    let (demo, _dir) = Release::new().args(["demo", "--only", "api-helth"]).run();
    assert_eq!(demo.code, 2, "the demo checks names too: {}", demo.stderr);
}

#[test]
fn demo_runs_the_runbook_against_the_mock_environment() {
    let (run, dir) = Release::new()
        .args(["demo", "--dir", "demo-out", "--color", "never"])
        .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .starts_with("demo: scenario healthy; API http://127.0.0.1:"),
        "{}",
        run.stderr
    );
    for phase in [
        "release preflight · staging",
        "release dry-run · staging",
        "release launch-gate · staging",
        "Rollout of acme 1.4.0-demo to staging",
    ] {
        assert!(
            run.stdout.contains(phase),
            "{phase} missing from\n{}",
            run.stdout
        );
    }
    let out = dir.path().join("demo-out/artifacts");
    assert!(out.join("staging-launch-gate-summary.json").is_file());
    assert!(out.join("staging-rollout-summary.json").is_file());
    let dry_runs: Vec<_> = std::fs::read_dir(out.join("dry-run")).unwrap().collect();
    assert_eq!(dry_runs.len(), 1, "one dry-run directory");
    let dry_run = dry_runs[0].as_ref().unwrap().path();
    assert!(dry_run.join("summary.json").is_file());
    assert!(
        dry_run.join("api-health.json").is_file(),
        "evidence per smoke gate"
    );
    let log = std::fs::read_to_string(out.join("release-log.jsonl")).unwrap();
    let decisions: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(r#""kind":"rollback-decision""#))
        .collect();
    assert_eq!(decisions.len(), 1, "{log}");
    assert!(decisions[0].contains("\"decision\":\"proceed\""), "{log}");
    assert!(out.join("staging-health-report.json").is_file());
    assert!(run.stdout.contains("health report: pass"), "{}", run.stdout);
    assert!(run.stdout.contains("Decision: proceed"), "{}", run.stdout);
    for step in [
        "✓ announce-start",
        "✓ deploy-api",
        "(INITIALIZING → BUILDING → DEPLOYING → SUCCESS)",
        "✓ migrate",
        "✓ deploy-web",
        "✓ verify",
        "Outcome: proceeding (exit 0)",
    ] {
        assert!(
            run.stdout.contains(step),
            "{step} missing from\n{}",
            run.stdout
        );
    }

    // bad-release: the new web deployment blocks two roles; the rollout rolls back on its
    // own, web first, and shows the timeline.
    let (bad, _dir) = Release::new()
        .args([
            "demo",
            "--scenario",
            "bad-release",
            "--dir",
            "out",
            "--color",
            "never",
        ])
        .run();
    assert_eq!(bad.code, 1, "{}\n{}", bad.stdout, bad.stderr);
    let tail = &bad.stdout[bad.stdout.find("Decision: rollback").expect("a decision")..];
    let web = tail.find("✓ rollback-web").expect("web rolled back");
    let api = tail.find("✓ rollback-api").expect("api rolled back");
    assert!(web < api, "web before api:\n{tail}");
    assert!(tail.contains("- rollback-database"), "{tail}");
    assert!(tail.contains("✓ rerun-smoke"), "{tail}");
    assert!(tail.contains("Outcome: rolled-back (exit 1)"), "{tail}");

    let (blocked, _dir) = Release::new()
        .args([
            "demo",
            "--scenario",
            "roles-blocked",
            "--dir",
            "out",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(blocked.code, 1, "{}", blocked.stderr);
    let summary: serde_json::Value =
        serde_json::from_str(&blocked.stdout).expect("one JSON document: the rollout's");
    assert_eq!(summary["kind"], "rollout");
    assert_eq!(summary["outcome"], "rolled-back");
    assert_eq!(summary["decision"]["decision"], "rollback");

    let (unknown, _dir) = Release::new().args(["demo", "--scenario", "sunny"]).run();
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("healthy"),
        "lists the scenarios: {}",
        unknown.stderr
    );
}

/// What `release demo --help` says a scenario ends with: its decision, its exit code, and
/// the exit code with `--strict` when that differs.
struct Ending {
    scenario: String,
    decision: String,
    code: i32,
    strict_code: Option<i32>,
}

fn demo_endings() -> Vec<Ending> {
    let (help, _dir) = Release::new().args(["demo", "--help"]).run();
    assert_eq!(help.code, 0, "{}", help.stderr);
    let exit_code = |text: &str| -> i32 {
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().expect("a code after `exit `")
    };
    help.stdout
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- "))
        .filter_map(|line| line.split_once(": "))
        .filter(|(_, text)| text.contains("; exit "))
        .map(|(scenario, text)| {
            let decision = text
                .split("decision ")
                .nth(1)
                .and_then(|rest| rest.split([';', ' ']).next())
                .expect("each scenario names its decision")
                .to_owned();
            let (_, after) = text.split_once("; exit ").unwrap();
            Ending {
                scenario: scenario.trim().to_owned(),
                decision,
                code: exit_code(after),
                strict_code: text
                    .split_once("--strict: ")
                    .map(|(_, rest)| exit_code(rest.rsplit_once("exit ").unwrap().1)),
            }
        })
        .collect()
}

#[test]
fn every_demo_scenario_ends_as_its_help_and_the_readme_say() {
    let endings = demo_endings();
    let names: Vec<&str> = endings.iter().map(|e| e.scenario.as_str()).collect();
    assert_eq!(
        names,
        release_testkit::DemoScenario::ALL.map(|s| s.name()),
        "the help describes every scenario, in the test kit's order"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    std::thread::scope(|scope| {
        for ending in &endings {
            let row = readme
                .lines()
                .find(|line| line.starts_with(&format!("| `{}` |", ending.scenario)))
                .unwrap_or_else(|| {
                    panic!("README's scenario table has no `{}` row", ending.scenario)
                });
            assert!(
                row.contains(&format!("exit {}", ending.code))
                    && row.contains(&format!("decision {}", ending.decision)),
                "README disagrees with the help on {}: {row}",
                ending.scenario
            );
            scope.spawn(move || {
                let (run, _dir) = Release::new()
                    .args(["demo", "--scenario", &ending.scenario, "--dir", "out"])
                    .run();
                assert_eq!(
                    run.code, ending.code,
                    "{}: {}\n{}",
                    ending.scenario, run.stdout, run.stderr
                );
                match ending.decision.as_str() {
                    "none" => assert!(
                        run.stderr.contains("the rollout does not start")
                            && !run.stdout.contains("Decision:"),
                        "{}: {}\n{}",
                        ending.scenario,
                        run.stdout,
                        run.stderr
                    ),
                    decision => assert!(
                        run.stdout.contains(&format!("Decision: {decision}")),
                        "{}: {}",
                        ending.scenario,
                        run.stdout
                    ),
                }
                if let Some(strict_code) = ending.strict_code {
                    let (strict, _dir) = Release::new()
                        .args([
                            "demo",
                            "--scenario",
                            &ending.scenario,
                            "--strict",
                            "--dir",
                            "out",
                        ])
                        .run();
                    assert_eq!(strict.code, strict_code, "{} --strict", ending.scenario);
                    assert!(
                        row.contains(&format!("`--strict`: exit {strict_code}")),
                        "{row}"
                    );
                }
            });
        }
    });
}

#[test]
fn ctrl_c_stops_in_flight_gates_and_still_writes_the_summary() {
    use std::process::{Command, Stdio};
    use std::time::Duration;

    let mock = mock(Scenario::Healthy);
    mock._runtime
        .block_on(mock.env.inject("/health", release_testkit::Fault::Hang));
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_release"))
        .args([
            "launch-gate",
            "--plan",
            &runbook_plan(),
            "--format",
            "json",
            "--out",
            "summary.json",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RELEASE_API_URL", mock.env.api_url())
        .env("RELEASE_WEB_URL", mock.env.web_url())
        .env("RELEASE_PROMETHEUS_URL", mock.prometheus.url())
        .env("RELEASE_ALERTMANAGER_URL", mock.alertmanager.url())
        .env("RELEASE_ADMIN_TOKEN", mock.env.admin_token())
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the fast gates are done and only the hung one is in flight, then interrupt.
    let log = dir.path().join("artifacts/release/release-log.jsonl");
    std::thread::sleep(Duration::from_millis(1500));
    let (output, took) = interrupt(child);
    assert!(
        took < Duration::from_secs(4),
        "the hung gate (5 s timeout) was not waited for"
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the summary is still printed");
    assert_eq!(summary["cancelled"], true);
    let health = summary["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "api-health")
        .unwrap();
    assert_eq!(health["verdict"], "error");
    assert_eq!(health["summary"], "cancelled");
    let finished = summary["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["verdict"] == "pass")
        .count();
    assert!(finished >= 1, "finished gates keep their results");
    assert!(
        dir.path().join("summary.json").is_file(),
        "--out is written"
    );
    let record: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    assert_eq!(
        record["outcome"], "blocked",
        "the interrupted run is in the release log"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
}

/// The library example (`release-core/examples/launch_gate.rs`), compiled into this test so
/// the very code a reader copies is what is compared with the binary.
#[path = "../../../release-core/examples/launch_gate.rs"]
#[expect(dead_code, reason = "the example's own main is not called here")]
mod example;

#[test]
fn the_library_example_gives_the_same_launch_gate_summary_as_the_cli() {
    let mock = mock(Scenario::Healthy);
    let (run, dir) = against(&mock)
        .args(["launch-gate", "--format", "json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cli = redact(&run.stdout, dir.path());

    // The same plan, variables and base URLs, given to the library; its files in a
    // directory of its own, so neither run sees the other's log.
    let own = tempfile::tempdir().unwrap();
    let mut plan = Plan::parse(own.path().join("runbook.toml"), &short_soak_plan()).unwrap();
    plan.release.artifacts_dir = own.path().join("artifacts/release");
    plan.release.log = Some(own.path().join("artifacts/release/release-log.jsonl"));
    let vars = release_core::Vars::from_pairs([("RELEASE_ADMIN_TOKEN", mock.env.admin_token())]);
    let overrides = release_core::plan::UrlOverrides {
        api_url: Some(mock.env.api_url().to_string()),
        web_url: Some(mock.env.web_url().to_string()),
        prometheus_url: Some(mock.prometheus.url().to_string()),
        alertmanager_url: Some(mock.alertmanager.url().to_string()),
    };
    let summary = example::launch_gate(&plan, "staging", vars, overrides).unwrap();
    let library = redact(
        &release_core::report::json::render(&summary).unwrap(),
        own.path(),
    );
    assert_eq!(library, cli);
    assert!(
        own.path()
            .join("artifacts/release/staging-launch-gate-summary.json")
            .is_file()
    );
}

#[test]
fn a_launch_gate_against_an_unreachable_store_runs_warns_and_exits_2_naming_it() {
    let healthy = mock(Scenario::Healthy);
    let password = "canaryLAUNCHPW8b0d2f";
    let (run, dir) = against(&healthy)
        .env(
            "RELEASE_LOG_URL",
            format!("postgres://release:{password}@127.0.0.1:1/release"),
        )
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .args(["--out", "out/summary.json"])
        .run();
    assert_eq!(run.code, 2, "never a silent pass\n{}", run.stderr);
    // The gates ran, without baselines, and their summary is on stdout and on disk.
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["outcome"], "passed");
    let written = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    assert!(!written.contains(password));
    let store = "release store postgres://release@127.0.0.1:1/release";
    assert!(
        run.stderr.contains("baselines not read") && run.stderr.contains(store),
        "a warning names the store: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("failed to append to {store}"))
            || run
                .stderr
                .contains(&format!("failed to connect to {store}")),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains(password) && !run.stderr.contains(password));
}
