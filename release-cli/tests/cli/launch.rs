//! `release smoke`, `release launch-gate` and `release demo` against the test kit's mock
//! environment, running the real binary.

use release_testkit::{MockEnvironment, Scenario};

use crate::support::{Release, redact, runbook_plan};

/// A mock environment served by its own runtime while the binary runs.
struct Mock {
    env: MockEnvironment,
    _runtime: tokio::runtime::Runtime,
}

fn mock(scenario: Scenario) -> Mock {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let env = runtime.block_on(MockEnvironment::start(scenario));
    Mock {
        env,
        _runtime: runtime,
    }
}

fn against(mock: &Mock) -> Release {
    Release::new()
        .args(["--plan", &runbook_plan()])
        .env("RELEASE_API_URL", mock.env.api_url())
        .env("RELEASE_WEB_URL", mock.env.web_url())
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
    assert_eq!(summary["gates"].as_array().unwrap().len(), 9);
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
    assert_eq!(summary["counts"]["skipped"], 6);

    let (skip, _dir) = against(&mock)
        .args([
            "launch-gate",
            "--skip",
            "http",
            "--skip",
            "sessions",
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
fn stale_sessions_become_the_next_runs_baseline() {
    let mock = mock(Scenario::StaleSessions);
    let release = against(&mock);
    let dir = release.dir().to_path_buf();
    let (first, _keep) = release
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run_in(&dir);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    let evidence = |summary: &serde_json::Value| {
        summary["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == "agent-sessions")
            .unwrap()["evidence"]
            .to_string()
    };
    assert!(
        evidence(&first).contains("none yet"),
        "{}",
        evidence(&first)
    );

    let (second, _keep) = against(&mock)
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run_in(&dir);
    let second: serde_json::Value = serde_json::from_str(&second.stdout).unwrap();
    let run_id = first["run_id"].as_str().unwrap();
    assert!(
        evidence(&second).contains(&format!("6 from release log: run {run_id}")),
        "{}",
        evidence(&second)
    );

    // An explicit baseline file wins over the log.
    let baseline = serde_json::to_string(&{
        let mut b = first.clone();
        b["run_id"] = "chosen".into();
        for gate in b["gates"].as_array_mut().unwrap() {
            if gate["id"] == "agent-sessions" {
                gate["measurements"][0]["value"] = 1.0.into();
            }
        }
        b
    })
    .unwrap();
    std::fs::write(dir.join("baseline.json"), baseline).unwrap();
    let (third, _keep) = against(&mock)
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
    assert_eq!(
        third.code, 1,
        "6 stale over a baseline of 1 is +500%, over the fail limit of +200%"
    );
    let third: serde_json::Value = serde_json::from_str(&third.stdout).unwrap();
    assert!(
        evidence(&third).contains("1 from baseline.json: run chosen"),
        "{}",
        evidence(&third)
    );
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
        "release preflight-env · staging",
        "release smoke · staging",
        "release launch-gate · staging",
    ] {
        assert!(
            run.stdout.contains(phase),
            "{phase} missing from\n{}",
            run.stdout
        );
    }
    let out = dir.path().join("demo-out/artifacts");
    assert!(out.join("staging-launch-gate-summary.json").is_file());
    let log = std::fs::read_to_string(out.join("release-log.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 3, "one record per phase");

    let (blocked, _dir) = Release::new()
        .args(["demo", "--scenario", "roles-blocked", "--format", "json"])
        .run();
    assert_eq!(blocked.code, 1, "{}", blocked.stderr);
    let summary: serde_json::Value =
        serde_json::from_str(&blocked.stdout).expect("one JSON document: the launch gate's");
    assert_eq!(summary["phase"], "launch-gate");
    assert_eq!(summary["outcome"], "blocked");

    let (unknown, _dir) = Release::new().args(["demo", "--scenario", "sunny"]).run();
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("healthy"),
        "lists the scenarios: {}",
        unknown.stderr
    );
}
