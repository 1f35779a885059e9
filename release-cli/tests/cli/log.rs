//! `release log show`: what every gate command appended, and torn lines reported.

use std::io::Write as _;

use crate::support::{
    Release, assert_nothing_acts, env_file, preflight_env, redact, runbook_plan, runbook_preflight,
};

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

/// A run line of the release log, as a run appends it.
fn run_line(run_id: &str, at: &str, environment: &str, outcome: &str) -> String {
    serde_json::json!({
        "schema_version": 1, "run_id": run_id, "recorded_at": at, "phase": "launch-gate",
        "environment": environment, "strict": true, "outcome": outcome,
        "counts": { "pass": 3, "warn": 0, "fail": 1, "inconclusive": 0, "error": 0, "skipped": 0 },
        "tool_version": "0.1.0"
    })
    .to_string()
}

/// A decision line, as `release rollback evaluate` appends it.
fn decision_line(
    run_id: &str,
    at: &str,
    decision: &str,
    fired: &[&str],
    watching: &[&str],
) -> String {
    let mut line = serde_json::json!({
        "schema_version": 1, "kind": "rollback-decision", "run_id": run_id,
        "recorded_at": at, "environment": "production", "decision": decision,
        "tool_version": "0.1.0", "summary_path": "artifacts/release/production-launch-gate-summary.json"
    });
    if !fired.is_empty() {
        line["fired"] = serde_json::json!(fired);
    }
    if !watching.is_empty() {
        line["watching"] = serde_json::json!(watching);
    }
    line.to_string()
}

/// Two runs, each followed by the decision over it.
fn mixed_log() -> String {
    [
        run_line("run-1", "2026-11-27T10:00:00Z", "production", "blocked"),
        decision_line(
            "run-1",
            "2026-11-27T10:01:00Z",
            "rollback",
            &["control-plane-blocked", "api-error-rate"],
            &["metrics-missing"],
        ),
        run_line("run-2", "2026-11-27T11:00:00Z", "production", "passed"),
        decision_line("run-2", "2026-11-27T11:01:00Z", "proceed", &[], &[]),
    ]
    .join("\n")
        + "\n"
}

#[test]
fn log_show_lists_decisions_between_the_runs_they_follow() {
    let (shown, _dir) = Release::new()
        .file("log.jsonl", mixed_log())
        .args(["log", "show", "--log", "log.jsonl", "--color", "never"])
        .run();
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    insta::assert_snapshot!("log_show_with_decisions", shown.stdout);

    let (json, _dir) = Release::new()
        .file("log.jsonl", mixed_log())
        .args(["log", "show", "--log", "log.jsonl", "--format", "json"])
        .run();
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let records = doc["records"].as_array().unwrap();
    let listed: Vec<(&str, Option<&str>)> = records
        .iter()
        .map(|r| (r["run_id"].as_str().unwrap(), r["kind"].as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("run-1", None),
            ("run-1", Some("rollback-decision")),
            ("run-2", None),
            ("run-2", Some("rollback-decision")),
        ]
    );
    assert_eq!(records[1]["decision"], "rollback");
    assert_eq!(
        records[1]["fired"],
        serde_json::json!(["control-plane-blocked", "api-error-rate"])
    );
}

#[test]
fn last_counts_runs_and_decisions_alike() {
    for (last, want) in [
        ("1", vec![("run-2", Some("rollback-decision"))]),
        (
            "3",
            vec![
                ("run-1", Some("rollback-decision")),
                ("run-2", None),
                ("run-2", Some("rollback-decision")),
            ],
        ),
    ] {
        let (json, _dir) = Release::new()
            .file("log.jsonl", mixed_log())
            .args(["log", "show", "--log", "log.jsonl", "--format", "json"])
            .args(["--last", last])
            .run();
        assert_eq!(json.code, 0, "{}", json.stderr);
        let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let listed: Vec<(&str, Option<&str>)> = doc["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["run_id"].as_str().unwrap(), r["kind"].as_str()))
            .collect();
        assert_eq!(listed, want, "--last {last}");
    }
    let (human, _dir) = Release::new()
        .file("log.jsonl", mixed_log())
        .args(["log", "show", "--log", "log.jsonl", "--last", "2"])
        .args(["--color", "never"])
        .run();
    let lines: Vec<&str> = human.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", human.stdout);
    assert!(
        lines[0].contains("run-2") && lines[0].contains("passed"),
        "{}",
        human.stdout
    );
    assert!(lines[1].contains("rollback-decision"), "{}", human.stdout);
}

#[test]
fn a_log_of_only_decisions_lists_them() {
    let log = decision_line(
        "run-9",
        "2026-11-27T12:00:00Z",
        "hold",
        &[],
        &["metrics-missing"],
    ) + "\n";
    let (shown, _dir) = Release::new()
        .file("log.jsonl", log)
        .args(["log", "show", "--log", "log.jsonl", "--color", "never"])
        .run();
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(!shown.stdout.contains("no records"), "{}", shown.stdout);
    assert_eq!(
        shown.stdout,
        "2026-11-27T12:00:00Z  production   rollback-decision  hold      watching metrics-missing  run run-9  artifacts/release/production-launch-gate-summary.json\n"
    );
}

/// Continuation lines indented by `spaces`.
fn indented(text: &str, spaces: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(spaces)))
}

#[test]
fn log_show_json_streams_one_pretty_document_records_then_problems() {
    let log = [
        run_line("run-1", "2026-11-27T10:00:00Z", "production", "blocked"),
        "not a record".to_owned(),
        String::new(),
        decision_line("run-1", "2026-11-27T10:01:00Z", "rollback", &["x"], &[]),
    ]
    .join("\n")
        + "\n";
    let (json, _dir) = Release::new()
        .file("log.jsonl", log)
        .args(["log", "show", "--log", "log.jsonl", "--format", "json"])
        .run();
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["records"].as_array().unwrap().len(), 2);
    assert_eq!(
        doc["problems"],
        serde_json::json!([{ "line": 2, "reason": doc["problems"][0]["reason"] }])
    );
    // Pretty-printed as a JSON value prints: each record's keys in order, two spaces a level.
    let expected = format!(
        "{{\n  \"log\": \"log.jsonl\",\n  \"records\": {},\n  \"problems\": {}\n}}\n",
        indented(&serde_json::to_string_pretty(&doc["records"]).unwrap(), 2),
        indented(&serde_json::to_string_pretty(&doc["problems"]).unwrap(), 2),
    );
    assert_eq!(json.stdout, expected);
    assert!(
        json.stderr.contains("log.jsonl:2: not a valid record"),
        "{}",
        json.stderr
    );

    let (empty, _dir) = Release::new()
        .file("log.jsonl", "")
        .args(["log", "show", "--log", "log.jsonl", "--format", "json"])
        .run();
    assert_eq!(
        empty.stdout,
        "{\n  \"log\": \"log.jsonl\",\n  \"records\": [],\n  \"problems\": []\n}\n"
    );
}

#[test]
fn log_show_last_reads_from_the_end_and_counts_problem_lines_from_it() {
    let log = [
        "an old bad line".to_owned(),
        run_line("run-1", "2026-11-27T10:00:00Z", "production", "blocked"),
        run_line("run-2", "2026-11-27T11:00:00Z", "production", "passed"),
        r#"{"schema_version":1,"run_id":"half"#.to_owned(),
    ]
    .join("\n");
    let (json, _dir) = Release::new()
        .file("log.jsonl", log)
        .args(["log", "show", "--log", "log.jsonl", "--format", "json"])
        .args(["--last", "1"])
        .run();
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let records = doc["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["run_id"], "run-2");
    let problems = doc["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "only the lines read: {problems:?}");
    assert_eq!(problems[0]["line_from_end"], 1);
    assert_eq!(
        json.stderr,
        "warning: log.jsonl: line 1 from the end: incomplete record, likely a write cut short (torn line); skipped\n"
    );
}

#[test]
fn log_show_shows_text_from_the_log_escaped() {
    // `environment`, `phase`, `summary_path` holding ESC/OSC reached the terminal raw.
    let counts = r#"{"pass":1,"warn":0,"fail":0,"inconclusive":0,"error":0,"skipped":0}"#;
    let run = format!(
        r#"{{"schema_version":1,"run_id":"r\u001b[1m","recorded_at":"2026-12-04T08:40:38Z","phase":"smoke\u001b[31m","environment":"staging\u001b]0;PWN\u0007","strict":false,"outcome":"passed","counts":{counts},"tool_version":"0.1.0","summary_path":"x\u001b[2J\u202e.json"}}"#
    );
    let decision = r#"{"schema_version":1,"kind":"rollback-decision","run_id":"r2\u202e","recorded_at":"2026-12-04T08:40:39Z","environment":"prod\u001b[5m","decision":"rollback","fired":["t\u001b[31m"],"watching":["w\u2066"],"tool_version":"0.1.0","summary_path":"s\u0007.json"}"#;
    let torn = r#"{"schema_version":1,"kind":"rollback-decision","decision":"x\u001b[31m"}"#;
    let (shown, _dir) = Release::new()
        .file("log.jsonl", format!("{run}\n{decision}\n{torn}\n"))
        .args(["log", "show", "--log", "log.jsonl"])
        .run();
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert_nothing_acts(&shown.stdout, "log show");
    assert_nothing_acts(&shown.stderr, "log show's warnings");
    for escaped in [
        "r\\u{1b}[1m",
        "smoke\\u{1b}[31m",
        "staging\\u{1b}]0;PWN\\u{7}",
        "x\\u{1b}[2J\\u{202e}.json",
        "r2\\u{202e}",
        "prod\\u{1b}[5m",
        "fired t\\u{1b}[31m",
        "watching w\\u{2066}",
        "s\\u{7}.json",
    ] {
        assert!(
            shown.stdout.contains(escaped),
            "{escaped}: {}",
            shown.stdout
        );
    }
    assert!(shown.stderr.contains("log.jsonl:3:"), "{}", shown.stderr);

    // JSON stays data: the text as it was written.
    let (json, _dir) = Release::new()
        .file("log.jsonl", format!("{run}\n{decision}\n"))
        .args(["log", "show", "--log", "log.jsonl", "--format", "json"])
        .run();
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["records"][0]["phase"], "smoke\u{1b}[31m");
    assert_eq!(doc["records"][1]["run_id"], "r2\u{202e}");
}
