//! `release log show`: what every gate command appended, and torn lines reported.

use std::io::Write as _;

use crate::support::{Release, env_file, preflight_env, redact, runbook_plan, runbook_preflight};

#[test]
fn every_gate_command_appends_and_log_show_lists_them() {
    let release = Release::new();
    let dir = release.dir().to_path_buf();
    for env_name in ["staging", "production-broken"] {
        let env = if env_name == "staging" {
            "staging"
        } else {
            "production"
        };
        let (run, _keep) = runbook_preflight()
            .args(["--env", env, "--env-file", &env_file(env_name)])
            .args(["--format", "json"])
            .env("RELEASE_PLAN", "ignored-because-flag-wins.toml")
            .run_in(&dir);
        assert!(run.code <= 1, "{}", run.stderr);
    }
    let (shown, _keep) = Release::new()
        .args(["log", "show", "--plan", &runbook_plan(), "--color", "never"])
        .run_in(&dir);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    insta::assert_snapshot!("log_show", redact(&shown.stdout, &dir));

    let (last, _keep) = Release::new()
        .args([
            "log",
            "show",
            "--plan",
            &runbook_plan(),
            "--last",
            "1",
            "--format",
            "json",
        ])
        .run_in(&dir);
    let doc: serde_json::Value = serde_json::from_str(&last.stdout).unwrap();
    assert_eq!(doc["records"].as_array().unwrap().len(), 1);
    assert_eq!(doc["records"][0]["outcome"], "blocked");
    drop(release);
}

#[test]
fn a_torn_line_is_reported_by_log_show_and_the_next_append_is_intact() {
    let release = Release::new();
    let dir = release.dir().to_path_buf();
    let run_preflight = || {
        preflight_env("staging")
            .args(["--format", "json"])
            .run_in(&dir)
    };
    assert_eq!(run_preflight().0.code, 0);
    let log_path = dir.join("artifacts/release/release-log.jsonl");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&log_path)
        .unwrap();
    file.write_all(br#"{"schema_version":1,"run_id":"half-writ"#)
        .unwrap();
    drop(file);
    assert_eq!(run_preflight().0.code, 0);

    let (shown, _keep) = Release::new()
        .args(["log", "show", "--plan", &runbook_plan(), "--format", "json"])
        .run_in(&dir);
    assert_eq!(shown.code, 0);
    let doc: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(
        doc["records"].as_array().unwrap().len(),
        2,
        "both complete records survive"
    );
    assert_eq!(doc["problems"][0]["line"], 2);
    assert!(
        shown
            .stderr
            .contains("release-log.jsonl:2: incomplete record"),
        "{}",
        shown.stderr
    );
    drop(release);
}

#[test]
fn log_show_without_a_plan_or_log_says_there_is_nothing() {
    let (run, _dir) = Release::new().args(["log", "show"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "no records in artifacts/release/release-log.jsonl\n"
    );
}
