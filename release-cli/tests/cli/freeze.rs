//! `release freeze` and `release unfreeze`: recorded in the plan's release log, human and
//! JSON, every answer exit 0; bad input exit 2.

use crate::support::{Release, Run, assert_nothing_acts, redact, runbook_plan};

fn release(dir: &std::path::Path, args: &[&str]) -> Run {
    Release::new()
        .args(args)
        .args(["--plan", &runbook_plan()])
        .env("RELEASE_ACTOR", "alice")
        .run_in(dir)
        .0
}

fn log_lines(dir: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("artifacts/release/release-log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn freeze_refreeze_unfreeze_and_unfreeze_again() {
    let keep = tempfile::tempdir().unwrap();
    let dir = keep.path();

    let frozen = release(
        dir,
        &["freeze", "--env", "production", "--reason", "incident 42"],
    );
    assert_eq!(frozen.code, 0, "{}", frozen.stderr);
    assert_eq!(
        redact(&frozen.stdout, dir),
        "production is frozen by alice at [TIME]: incident 42\n\
         `release rollout` is refused until `release unfreeze --env production`; `release rollback execute` still runs\n"
    );
    assert_eq!(frozen.stderr, "");

    let again = Release::new()
        .args(["freeze", "--env", "production", "--reason", "incident 43"])
        .args(["--plan", &runbook_plan()])
        .env("GITHUB_ACTOR", "octocat")
        .run_in(dir)
        .0;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        redact(&again.stdout, dir),
        "production was already frozen by alice at [TIME]: incident 42\n\
         reason updated: production is frozen by octocat at [TIME]: incident 43\n\
         `release rollout` is refused until `release unfreeze --env production`; `release rollback execute` still runs\n"
    );

    // Staging is another environment: not frozen.
    let staging = release(dir, &["unfreeze", "--env", "staging"]);
    assert_eq!(
        (staging.code, staging.stdout.as_str()),
        (0, "staging is not frozen; nothing to do\n")
    );

    let lifted = release(
        dir,
        &["unfreeze", "--env", "production", "--format", "json"],
    );
    assert_eq!(lifted.code, 0, "{}", lifted.stderr);
    let doc: serde_json::Value = serde_json::from_str(&lifted.stdout).unwrap();
    assert_eq!(doc["change"], "unfrozen");
    assert_eq!(doc["environment"], "production");
    assert_eq!(doc["frozen"], false);
    assert_eq!(doc["written"]["kind"], "unfreeze");
    assert_eq!(doc["written"]["by"], "alice");
    assert_eq!(doc["before"]["reason"], "incident 43");
    assert_eq!(doc["before"]["by"], "octocat");

    let nothing = release(
        dir,
        &["unfreeze", "--env", "production", "--format", "json"],
    );
    assert_eq!(nothing.code, 0, "{}", nothing.stderr);
    let doc: serde_json::Value = serde_json::from_str(&nothing.stdout).unwrap();
    assert_eq!(doc["change"], "not-frozen");
    assert!(doc["written"].is_null() && doc["before"].is_null());

    let human = release(dir, &["unfreeze", "--env", "production"]);
    assert_eq!(human.stdout, "production is not frozen; nothing to do\n");

    let json = release(
        dir,
        &["freeze", "--reason", "load test", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        (&doc["change"], &doc["environment"], &doc["frozen"]),
        (&"frozen".into(), &"staging".into(), &true.into()),
        "the plan's default environment"
    );

    let kinds: Vec<(String, String)> = log_lines(dir)
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_owned(),
                l["environment"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let kinds: Vec<(&str, &str)> = kinds.iter().map(|(k, e)| (&k[..], &e[..])).collect();
    assert_eq!(
        kinds,
        [
            ("freeze", "production"),
            ("freeze", "production"),
            ("unfreeze", "production"),
            ("freeze", "staging"),
        ],
        "an unfreeze of what is not frozen writes nothing"
    );

    let shown = release(dir, &["log", "show"]);
    assert_eq!(
        redact(&shown.stdout, dir),
        "[TIME]  production   freeze   by alice: incident 42\n\
         [TIME]  production   freeze   by octocat: incident 43\n\
         [TIME]  production   unfreeze by alice\n\
         [TIME]  staging      freeze   by alice: load test\n"
    );
}

#[test]
fn who_froze_it_comes_from_release_actor_then_github_actor_then_user_at_host() {
    let keep = tempfile::tempdir().unwrap();
    let dir = keep.path();
    let freeze = |envs: &[(&str, &str)]| {
        let mut run = Release::new()
            .args(["freeze", "--reason", "r", "--format", "json"])
            .args(["--plan", &runbook_plan()]);
        for (k, v) in envs {
            run = run.env(k, v);
        }
        let out = run.run_in(dir).0;
        assert_eq!(out.code, 0, "{}", out.stderr);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        doc["written"]["by"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        freeze(&[
            ("RELEASE_ACTOR", "alice"),
            ("GITHUB_ACTOR", "octocat"),
            ("USER", "u")
        ]),
        "alice"
    );
    assert_eq!(
        freeze(&[
            ("RELEASE_ACTOR", ""),
            ("GITHUB_ACTOR", "octocat"),
            ("USER", "u")
        ]),
        "octocat"
    );
    assert_eq!(
        freeze(&[("USER", "carol")]),
        format!("carol@{}", release_core::log::host_name())
    );
}

#[test]
fn a_missing_or_empty_reason_an_unknown_environment_or_a_report_format_is_refused() {
    let keep = tempfile::tempdir().unwrap();
    let dir = keep.path();
    let cases: [(&[&str], &str); 5] = [
        (&["freeze"], "--reason <REASON>"),
        (
            &["freeze", "--reason", "  "],
            "error: `--reason` must say why the environment is frozen\n",
        ),
        (
            &["freeze", "--reason", &"x".repeat(1001)],
            "error: `--reason` is longer than 1000 characters; say why in a sentence\n",
        ),
        (
            &["unfreeze", "--env", "prod"],
            "error: environment `prod` is not declared in",
        ),
        (
            &["freeze", "--reason", "r", "--format", "junit"],
            "error: `release freeze` prints human or json, not junit\n",
        ),
    ];
    for (args, message) in cases {
        let run = release(dir, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
    }
    assert!(
        !dir.join("artifacts/release/release-log.jsonl").exists(),
        "nothing recorded"
    );
}

#[test]
fn a_secret_pasted_into_a_reason_is_redacted_before_it_is_recorded_or_printed() {
    const CANARY: &str = "canarySECRETFREEZE5d7f9b1c3e5a";
    let keep = tempfile::tempdir().unwrap();
    let dir = keep.path();
    for format in ["human", "json"] {
        let run = Release::new()
            .args(["freeze", "--env", "production", "--format", format])
            .args(["--reason", &format!("rotated {CANARY} after the leak")])
            .args(["--plan", &runbook_plan()])
            .env("RAILWAY_TOKEN", CANARY)
            .env("RELEASE_ACTOR", "alice")
            .run_in(dir)
            .0;
        assert_eq!(run.code, 0, "{}", run.stderr);
        for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(!text.contains(CANARY), "{format} {what}: {text}");
        }
        assert!(
            run.stdout.contains("rotated [redacted] after the leak"),
            "{}",
            run.stdout
        );
    }
    let log = std::fs::read_to_string(dir.join("artifacts/release/release-log.jsonl")).unwrap();
    assert!(!log.contains(CANARY), "{log}");
    assert!(log.contains("[redacted]"), "{log}");
}

#[test]
fn text_read_back_from_an_edited_log_is_escaped() {
    let keep = tempfile::tempdir().unwrap();
    let dir = keep.path();
    let log = dir.join("artifacts/release/release-log.jsonl");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(
        &log,
        "{\"schema_version\":1,\"kind\":\"freeze\",\"environment\":\"production\",\"recorded_at\":\"2026-11-27T10:00:00Z\",\"by\":\"mallory\\u001b[2J\",\"reason\":\"\\u001b]0;owned\\u0007\",\"tool_version\":\"0.1.0\"}\n",
    )
    .unwrap();
    let run = release(dir, &["freeze", "--env", "production", "--reason", "ok"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_nothing_acts(&run.stdout, "freeze over an edited log");
    assert!(
        run.stdout.starts_with(
            "production was already frozen by mallory\\u{1b}[2J at 2026-11-27T10:00:00Z: \\u{1b}]0;owned\\u{7}\n"
        ),
        "{}",
        run.stdout
    );
    let shown = release(dir, &["log", "show"]);
    assert_nothing_acts(&shown.stdout, "log show");
}

#[test]
fn log_show_lists_a_rollouts_journal() {
    let keep = tempfile::tempdir().unwrap();
    let dir = keep.path();
    let log = dir.join("artifacts/release/release-log.jsonl");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let lines = [
        r#"{"schema_version":1,"kind":"rollout","run_id":"r-1","recorded_at":"2026-11-27T10:00:00Z","environment":"production","plan":"acme","event":"start","action":"rollout","release":{"version":"1.4.0","commit":"abc123"},"tool_version":"0.1.0"}"#,
        r#"{"schema_version":1,"kind":"rollout-step","run_id":"r-1","recorded_at":"2026-11-27T10:00:01Z","environment":"production","step_id":"deploy-api","step_kind":"deploy","event":"start","service":"api"}"#,
        r#"{"schema_version":1,"kind":"rollout-step","run_id":"r-1","recorded_at":"2026-11-27T10:02:00Z","environment":"production","step_id":"deploy-api","step_kind":"deploy","event":"end","status":"done","service":"api","deployment_id":"dep-2","summary":"SUCCESS after BUILDING, DEPLOYING"}"#,
        r#"{"schema_version":1,"kind":"rollout-step","run_id":"r-1","recorded_at":"2026-11-27T10:03:00Z","environment":"production","step_id":"migrate","step_kind":"command","event":"end","status":"done","migrations":true}"#,
        r#"{"schema_version":1,"kind":"rollout","run_id":"r-1","recorded_at":"2026-11-27T10:09:00Z","environment":"production","plan":"acme","event":"end","action":"rollout","outcome":"proceeding","exit_code":0,"tool_version":"0.1.0"}"#,
    ];
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let shown = release(dir, &["log", "show"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert_eq!(
        shown.stdout,
        "2026-11-27T10:00:00Z  production   rollout  start   run r-1  plan acme  version 1.4.0  commit abc123\n\
         2026-11-27T10:00:01Z  production   step     start   deploy-api (deploy)  service api  run r-1\n\
         2026-11-27T10:02:00Z  production   step     end     deploy-api (deploy) done  service api  deployment dep-2  run r-1  SUCCESS after BUILDING, DEPLOYING\n\
         2026-11-27T10:03:00Z  production   step     end     migrate (command) done  migrations  run r-1\n\
         2026-11-27T10:09:00Z  production   rollout  end     run r-1  plan acme  proceeding (exit 0)\n"
    );
    assert_eq!(shown.stderr, "", "no line is a problem");
    let json = release(dir, &["log", "show", "--last", "2", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let kinds: Vec<&str> = doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["rollout-step", "rollout"]);
}
