use crate::support::{Release, broken_production, env_file, preflight_env, redact, runbook_plan};

#[test]
fn staging_env_passes_from_the_example_env_file() {
    let (run, _dir) = preflight_env("staging").args(["--color", "never"]).run();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    insta::assert_snapshot!("staging_human", redact(&run.stdout, &run.dir));
}

#[test]
fn broken_production_env_is_blocked_with_one_observation_per_failed_rule() {
    let (run, _dir) = broken_production().args(["--format", "json"]).run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(summary["outcome"], "blocked");
    assert_eq!(summary["strict"], true);
    assert_eq!(summary["phase"], "preflight-env");
    let observations: Vec<(String, String)> = summary["gates"][0]["observations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_owned(),
                o["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("PORT", "integer.max"),
        ("PUBLIC_WEB_URL", "url.scheme"),
        ("PUBLIC_WEB_URL", "url.production_host"),
        ("CORS_ALLOWED_ORIGINS", "regex"),
        ("DATABASE_URL", "url.production_host"),
        ("SESSION_SECRET", "secret.min_length"),
        ("SESSION_SECRET", "secret.placeholder"),
        ("RELEASE_ADMIN_TOKEN", "secret.min_length"),
        ("RELEASE_ADMIN_TOKEN", "secret.placeholder"),
        ("COOKIE_SECURE", "boolean"),
        ("OPENAI_API_KEY", "regex"),
        ("OPENAI_API_KEY", "secret.min_length"),
        ("OPENAI_API_KEY", "secret.placeholder"),
        ("SENTRY_DSN", "required"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, r)| (n.to_string(), r.to_string()))
        .collect();
    assert_eq!(observations, expected);
}

#[test]
fn broken_production_env_in_every_format() {
    for format in ["human", "json", "junit", "markdown"] {
        let (run, _dir) = broken_production()
            .args(["--format", format, "--color", "never"])
            .run();
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        insta::assert_snapshot!(
            format!("production_broken_{format}"),
            redact(&run.stdout, &run.dir)
        );
    }
}

#[test]
fn the_process_environment_wins_over_the_env_file_and_the_report_says_so() {
    let (run, _dir) = preflight_env("staging")
        .args(["--format", "json"])
        .env("PORT", "9090")
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let evidence = summary["gates"][0]["evidence"].as_array().unwrap();
    let detail = |name: &str| {
        evidence
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["detail"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(
        detail("PORT"),
        "set (4 characters), valid, from process environment"
    );
    assert!(
        detail("APP_ENV").contains("staging.env:"),
        "{}",
        detail("APP_ENV")
    );
}

#[test]
fn global_flags_are_accepted_before_and_after_the_subcommand() {
    let before = Release::new()
        .args([
            "--format",
            "json",
            "--plan",
            &runbook_plan(),
            "--env-file",
            &env_file("staging"),
            "preflight",
            "env",
        ])
        .run()
        .0;
    let after = Release::new()
        .args([
            "preflight",
            "env",
            "--format",
            "json",
            "--plan",
            &runbook_plan(),
            "--env-file",
            &env_file("staging"),
        ])
        .run()
        .0;
    assert_eq!(before.code, 0, "{}", before.stderr);
    assert_eq!(after.code, 0, "{}", after.stderr);
    // The same gates, verdicts and observations either way; only timings may differ.
    let gates = |stdout: &str| {
        let mut doc: serde_json::Value = serde_json::from_str(stdout).unwrap();
        for gate in doc["gates"].as_array_mut().unwrap() {
            gate.as_object_mut().unwrap().remove("duration_ms");
        }
        doc["gates"].take()
    };
    let (a, b) = (gates(&before.stdout), gates(&after.stdout));
    assert_eq!(a, b);
}

#[test]
fn warnings_pass_unless_strict() {
    // An optional gate's failure is a warning-level outcome: passed_with_warnings, exit 0;
    // the environment flag --strict does not turn an optional gate into a blocker.
    let plan = "[environments.staging]\n[[gates]]\nid='opt'\nkind='env'\nphases=['preflight-env']\nrequired=false\nvars=[{name='MISSING_VAR'}]\n";
    let (run, _dir) = Release::new()
        .file("release.toml", plan)
        .args(["preflight", "env", "--format", "json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["outcome"], "passed_with_warnings");
    assert_eq!(summary["gates"][0]["blocking"], false);

    let (strict, _dir) = Release::new()
        .file("release.toml", plan)
        .args(["preflight", "env", "--strict", "--format", "json"])
        .run();
    assert_eq!(strict.code, 0);
}

#[test]
fn out_writes_the_json_summary_and_the_log_records_it() {
    let (run, _dir) = preflight_env("staging")
        .args(["--format", "junit", "--out", "reports/summary.json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("<?xml"),
        "stdout carries the chosen format"
    );
    let written = std::fs::read_to_string(run.dir.join("reports/summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(summary["schema_version"], 1);
    let log = std::fs::read_to_string(run.dir.join("artifacts/release/release-log.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(record["run_id"], summary["run_id"]);
    assert_eq!(record["summary_path"], "reports/summary.json");
    assert_eq!(record["outcome"], "passed");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let run = |extra: &[&str], no_color: bool| {
        let mut release = preflight_env("staging").args(extra);
        if no_color {
            release = release.env("NO_COLOR", "1");
        }
        release.run().0.stdout
    };
    assert!(
        !run(&[], false).contains('\u{1b}'),
        "auto: stdout is a pipe here, so no colour"
    );
    assert!(
        run(&["--color", "always"], false).contains("\u{1b}["),
        "always colours"
    );
    assert!(!run(&["--color", "never"], false).contains('\u{1b}'));
    assert!(!run(&["--color", "auto"], true).contains('\u{1b}'));
}
