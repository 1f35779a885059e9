//! `release rollback evaluate|plan` and `release health report` over the recorded runs
//! under `fixtures/summaries/`: exit codes, byte-identical replays, the release log, and the
//! report validating against the committed schema.

use std::path::PathBuf;

use crate::support::{Release, assert_nothing_acts};

fn recorded(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/summaries")
        .join(case)
}

/// A working directory holding the recorded run's release log where the runbook plan
/// expects it.
fn with_log(case: &str) -> Release {
    let log = std::fs::read(recorded(case).join("release-log.jsonl")).unwrap();
    Release::new().file("artifacts/release/release-log.jsonl", log)
}

/// The runbook plan of this checkout (its triggers are what the decisions weigh).
fn runbook_plan() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/plans/runbook.toml")
        .display()
        .to_string()
}

fn summary_arg(case: &str) -> String {
    recorded(case).join("summary.json").display().to_string()
}

#[test]
fn evaluate_exits_by_decision() {
    for (case, code) in [("healthy", 0), ("degraded", 3), ("roles-blocked", 1)] {
        let (run, _dir) = with_log(case)
            .args(["--plan", &runbook_plan(), "rollback", "evaluate", "--from"])
            .arg(summary_arg(case))
            .run();
        assert_eq!(run.code, code, "{case}: {}{}", run.stdout, run.stderr);
    }
}

#[test]
fn evaluate_as_html_is_the_runs_page_with_the_decision_and_exits_by_it() {
    for (case, code, decision) in [("degraded", 3, "hold"), ("roles-blocked", 1, "rollback")] {
        let (run, dir) = with_log(case)
            .args([
                "--plan",
                &runbook_plan(),
                "--format",
                "html",
                "rollback",
                "evaluate",
            ])
            .arg("--from")
            .arg(summary_arg(case))
            .run();
        assert_eq!(run.code, code, "{case}: {}", run.stderr);
        assert!(run.stdout.starts_with("<!DOCTYPE html>"), "{case}");
        assert!(
            run.stdout.ends_with("</html>\n"),
            "{case}: one document only"
        );
        let badge = format!("Rollback decision: <span class=\"badge is-{decision}\">");
        assert!(run.stdout.contains(&badge), "{case}: {}", run.stdout);
        // Recorded like any evaluation.
        let log = std::fs::read_to_string(dir.path().join("artifacts/release/release-log.jsonl"));
        let wanted = format!("\"decision\":\"{decision}\"");
        assert!(
            log.unwrap().lines().last().unwrap().contains(&wanted),
            "{case}"
        );
    }
}

#[test]
fn evaluate_is_byte_identical_on_replay_and_appends_each_decision_to_the_log() {
    let release = with_log("roles-blocked");
    let dir = release.dir().to_path_buf();
    let args = [
        "--plan".to_owned(),
        runbook_plan(),
        "--format".into(),
        "json".into(),
        "rollback".into(),
        "evaluate".into(),
        "--from".into(),
        summary_arg("roles-blocked"),
    ];
    let (first, _guard) = release.args(&args).run();
    let (second, _other) = Release::new().args(&args).run_in(&dir);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert_eq!(
        first.stdout, second.stdout,
        "the decision over a run never changes"
    );
    let decision: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(decision["decision"], "rollback");
    assert_eq!(decision["plan"]["steps"][0]["action"], "freeze-deployments");

    let log = std::fs::read_to_string(dir.join("artifacts/release/release-log.jsonl")).unwrap();
    let decisions: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.contains("rollback-decision"))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["decision"], "rollback");
    assert_eq!(
        decisions[0]["fired"],
        serde_json::json!(["control-plane-blocked"])
    );
    // `log show` still reads the log with decisions in it.
    let (show, _g) = Release::new()
        .args(["--plan", &runbook_plan(), "log", "show"])
        .run_in(&dir);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(!show.stderr.contains("skipped"), "{}", show.stderr);
}

#[test]
fn plan_prints_the_ordered_steps_with_targets() {
    let (run, _dir) = with_log("roles-blocked")
        .args(["--plan", &runbook_plan(), "rollback", "plan", "--from"])
        .arg(summary_arg("roles-blocked"))
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let order: Vec<usize> = [
        "1. Freeze deployments to staging",
        "2. Roll back web",
        "3. Roll back API",
        "4. Re-run the smoke checks",
    ]
    .iter()
    .map(|s| {
        run.stdout
            .find(s)
            .unwrap_or_else(|| panic!("{s} in {}", run.stdout))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", run.stdout);
    assert!(
        run.stdout.contains("target: deployment dep-9c41e7a2"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("whether the release ran migrations is unknown"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_inputs_exit_2_with_the_reason() {
    let (missing, _d) = Release::new()
        .args([
            "--plan",
            &runbook_plan(),
            "rollback",
            "evaluate",
            "--from",
            "nope.json",
        ])
        .run();
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.json"), "{}", missing.stderr);

    let (torn, _d) = Release::new()
        .file("summary.json", "{\"schema_version\": 1, \"tool\": ")
        .args([
            "--plan",
            &runbook_plan(),
            "rollback",
            "evaluate",
            "--from",
            "summary.json",
        ])
        .run();
    assert_eq!(torn.code, 2);
    assert!(torn.stderr.contains("summary.json:1:"), "{}", torn.stderr);

    let (no_triggers, _d) = Release::new()
        .file("release.toml", "[environments.staging]\n")
        .args(["rollback", "evaluate", "--from"])
        .arg(summary_arg("healthy"))
        .run();
    assert_eq!(no_triggers.code, 2);
    assert!(
        no_triggers.stderr.contains("no `[[rollback.triggers]]`"),
        "{}",
        no_triggers.stderr
    );

    let (wrong_env, _d) = Release::new()
        .args([
            "--plan",
            &runbook_plan(),
            "--env",
            "production",
            "rollback",
            "plan",
            "--from",
        ])
        .arg(summary_arg("healthy"))
        .run();
    assert_eq!(wrong_env.code, 2);
    assert!(
        wrong_env.stderr.contains("not of `production`"),
        "{}",
        wrong_env.stderr
    );
}

#[test]
fn health_report_is_written_atomically_and_validates_against_the_committed_schema() {
    for (case, code, status) in [
        ("healthy", 0, "pass"),
        ("degraded", 0, "warn"),
        ("roles-blocked", 1, "fail"),
    ] {
        let (run, dir) = Release::new()
            .args(["--plan", &runbook_plan(), "health", "report", "--from"])
            .arg(summary_arg(case))
            .run();
        assert_eq!(run.code, code, "{case}: {}{}", run.stdout, run.stderr);
        let path = dir
            .path()
            .join("artifacts/release/staging-health-report.json");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(report["status"], status, "{case}");
        let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/schemas/health-report.schema.json");
        let (check, _g) = Release::new()
            .args(["health", "check"])
            .arg(path.display().to_string())
            .arg("--schema")
            .arg(schema.display().to_string())
            .run();
        assert_eq!(check.code, 0, "{case}: {}{}", check.stdout, check.stderr);
        // The same file against the built-in schema.
        let (builtin, _g) = Release::new()
            .args(["health", "check"])
            .arg(path.display().to_string())
            .run();
        assert_eq!(builtin.code, 0, "{}", builtin.stdout);
    }
}

#[test]
fn the_printed_health_report_schema_is_the_committed_one() {
    let (run, _d) = Release::new().args(["schema", "health-report"]).run();
    assert_eq!(run.code, 0);
    let committed = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/schemas/health-report.schema.json"),
    )
    .unwrap();
    assert_eq!(run.stdout, committed);
}

#[test]
fn a_summary_s_environment_never_chooses_where_the_report_goes() {
    let summary = std::fs::read_to_string(recorded("healthy").join("summary.json")).unwrap();
    for (name, hostile) in [
        ("traversal", "../../escaped"),
        ("absolute", "/tmp/abs"),
        ("undeclared", "qa"),
    ] {
        let text = summary.replace(
            "\"environment\": \"staging\"",
            &format!("\"environment\": {}", serde_json::json!(hostile)),
        );
        assert_ne!(text, summary, "the fixture names its environment");
        let (run, dir) = Release::new()
            .file("s.json", text)
            .args([
                "--plan",
                &runbook_plan(),
                "health",
                "report",
                "--from",
                "s.json",
            ])
            .run();
        assert_eq!(run.code, 2, "{name}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("environment"), "{name}: {}", run.stderr);
        assert!(
            !dir.path().join("artifacts").exists(),
            "{name}: nothing is written"
        );
    }
    assert!(!std::path::Path::new("/tmp/abs-health-report.json").exists());
}

#[test]
fn the_demo_s_exit_code_never_lets_a_hold_hide_a_block() {
    let (run, _dir) = Release::new()
        .args([
            "demo",
            "--scenario",
            "degraded",
            "--strict",
            "--dir",
            "out",
            "--color",
            "never",
        ])
        .run();
    assert_eq!(run.code, 1, "strict blocks on warnings: {}", run.stderr);
    // The dry-run's warnings block in strict mode, so no rollout starts and no hold is
    // reached to hide the block.
    assert!(
        run.stderr.contains("the rollout does not start"),
        "{}",
        run.stderr
    );
}

/// The recorded run of `case`, changed by `change`, as text.
fn changed(case: &str, change: impl FnOnce(&mut serde_json::Value)) -> String {
    let text = std::fs::read_to_string(recorded(case).join("summary.json")).unwrap();
    let mut summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    change(&mut summary);
    serde_json::to_string_pretty(&summary).unwrap()
}

#[test]
fn a_summary_read_back_holds_its_names_to_the_plan_rule() {
    // A gate id `../\e[31mevil\u202e` was accepted by `health report --from` and printed raw;
    // only the environment was checked.
    for (field, name) in [
        ("gate", "../\u{1b}[31mevil\u{202e}"),
        ("gate", ".hidden"),
        ("gate", "a/b"),
        ("gate", "with space"),
        ("environment", "staging\u{1b}]0;T\u{7}"),
        ("environment", "../up"),
    ] {
        let summary = changed("roles-blocked", |s| match field {
            "gate" => s["gates"][1]["id"] = name.into(),
            _ => s["environment"] = name.into(),
        });
        let commands: [&[&str]; 3] = [
            &["health", "report", "--from", "run.json"],
            &["rollback", "evaluate", "--from", "run.json"],
            &["rollback", "plan", "--from", "run.json"],
        ];
        for command in commands {
            let (run, dir) = with_log("roles-blocked")
                .file("run.json", &summary)
                .args(["--plan", &runbook_plan()])
                .args(command)
                .run();
            let context = format!("{command:?} with {field} {name:?}");
            assert_eq!(run.code, 2, "{context}: {}{}", run.stdout, run.stderr);
            assert!(run.stdout.is_empty(), "{context}: {}", run.stdout);
            let what = if field == "gate" {
                "gate id"
            } else {
                "environment"
            };
            assert!(
                run.stderr.contains(&format!("error: run.json: {what} `")),
                "{context}: {}",
                run.stderr
            );
            assert_nothing_acts(&run.stderr, &context);
            let reports: Vec<_> = std::fs::read_dir(dir.path().join("artifacts/release"))
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().contains("health-report"))
                .collect();
            assert!(reports.is_empty(), "{context}: {reports:?}");
        }
    }
}

#[test]
fn a_baseline_summary_holds_its_names_to_the_plan_rule() {
    let summary = changed("roles-blocked", |s| {
        s["gates"][0]["id"] = "../\u{1b}[31mx".into();
    });
    let plan = "[environments.staging]\napi_url = 'http://127.0.0.1:9'\n[[gates]]\nid = 'up'\nkind = 'http'\nphases = ['launch']\nurl = '{api_url}/up'\n";
    let (run, _dir) = Release::new()
        .file("release.toml", plan)
        .file("base.json", summary)
        .args(["launch-gate", "--baseline", "base.json"])
        .run();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("error: --baseline: base.json: gate id `../\\u{1b}[31mx` starts with `.`"),
        "{}",
        run.stderr
    );
}

#[test]
fn text_read_back_from_a_summary_is_shown_escaped() {
    // The release's version and a gate's observations holding ESC reached the terminal raw.
    let summary = changed("roles-blocked", |s| {
        s["release"] = serde_json::json!({ "version": "v\u{1b}[31m1\u{202e}" });
        for gate in s["gates"].as_array_mut().unwrap() {
            gate["title"] = "T\u{1b}]0;pwned\u{7}".into();
            gate["summary"] = "sum \u{1b}[2J cleared\u{2066}".into();
            if let Some(observations) = gate["observations"].as_array_mut() {
                for o in observations {
                    o["name"] = "x\u{1b}[1m".into();
                    o["observed"] = "o\u{1b}[5m\u{202e}".into();
                    o["rule"] = "r\u{200b}".into();
                }
            }
        }
    });
    let (report, _dir) = with_log("roles-blocked")
        .file("run.json", &summary)
        .args([
            "--plan",
            &runbook_plan(),
            "health",
            "report",
            "--from",
            "run.json",
        ])
        .run();
    assert_eq!(report.code, 1, "{}", report.stderr);
    assert_nothing_acts(&report.stdout, "health report");
    assert!(
        report.stdout.contains("v\\u{1b}[31m1\\u{202e}"),
        "{}",
        report.stdout
    );
    assert!(
        report.stdout.contains("o\\u{1b}[5m\\u{202e}"),
        "{}",
        report.stdout
    );
    for command in ["evaluate", "plan"] {
        let (run, _dir) = with_log("roles-blocked")
            .file("run.json", &summary)
            .args([
                "--plan",
                &runbook_plan(),
                "rollback",
                command,
                "--from",
                "run.json",
            ])
            .run();
        assert!(run.code == 0 || run.code == 1, "{command}: {}", run.stderr);
        assert_nothing_acts(&run.stdout, command);
    }
}
