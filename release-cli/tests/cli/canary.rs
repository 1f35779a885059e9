//! A canary secret planted in the environment and in an env file appears in no output:
//! none of the four formats, the --out file, the release log, RUST_LOG=trace logs, GitHub
//! annotations and step summary, help text, or any error.

use crate::support::{Release, preflight_env, runbook_plan, short_soak_plan};

/// Values of secret variables (redacted if they ever reached text) and of plain variables
/// (never redacted), planted in the process environment and in an env file.
const SECRET_IN_PROCESS: &str = "canarySECRETPROC7f3a9c1e5b2d8f";
const SECRET_IN_FILE: &str = "canarySECRETFILE9e2b4d6f8a1c3e";
const PLAIN_IN_PROCESS: &str = "canaryPLAINPROC4c6e8a0b2d4f6a8";
const PLAIN_IN_FILE: &str = "canaryPLAINFILE1b3d5f7a9c2e4b6";
const CANARIES: [&str; 4] = [
    SECRET_IN_PROCESS,
    SECRET_IN_FILE,
    PLAIN_IN_PROCESS,
    PLAIN_IN_FILE,
];

fn with_canaries(release: Release) -> Release {
    release
        .file(
            "planted.env",
            format!(
                "SESSION_SECRET={SECRET_IN_FILE}\nRELEASE_ADMIN_TOKEN=\"{SECRET_IN_FILE}-admin\"\nPORT={PLAIN_IN_FILE}\nPUBLIC_WEB_URL=https://{PLAIN_IN_FILE}.localhost\nOPENAI_API_KEY=sk-{SECRET_IN_FILE}\nCORS_ALLOWED_ORIGINS={PLAIN_IN_FILE}\n"
            ),
        )
        .env("DATABASE_URL", format!("postgresql://u:{SECRET_IN_PROCESS}@localhost/db"))
        .env("RAILWAY_TOKEN", SECRET_IN_PROCESS)
        .env("APP_ENV", PLAIN_IN_PROCESS)
        .env("AI_RUNTIME_DEFAULT_MODEL", format!("{PLAIN_IN_PROCESS} model"))
        .env("RUST_LOG", "trace")
        .env("GITHUB_ACTIONS", "true")
}

/// No canary, and no `[redacted]` either: values are never formatted in the first place, so
/// the redactor should have nothing to catch.
fn assert_clean(what: &str, text: &str) {
    for canary in CANARIES {
        assert!(
            !text.contains(&canary[..20]),
            "{what} leaks {canary}:\n{text}"
        );
    }
    assert!(
        !text.contains("[redacted]"),
        "{what} needed the redactor:\n{text}"
    );
}

#[test]
fn no_output_contains_a_planted_secret() {
    for format in ["human", "json", "junit", "markdown"] {
        for env in ["staging", "production"] {
            let release = with_canaries(Release::new());
            let step_summary = release.path("step-summary.md");
            let (run, dir) = release
                .env("GITHUB_STEP_SUMMARY", step_summary.display().to_string())
                .args([
                    "preflight",
                    "env",
                    "--plan",
                    &runbook_plan(),
                    "--env",
                    env,
                    "--env-file",
                    "planted.env",
                ])
                .args([
                    "--format",
                    format,
                    "--out",
                    "out/summary.json",
                    "-vv",
                    "--color",
                    "always",
                ])
                .run();
            assert_eq!(
                run.code, 1,
                "{format}/{env}: the canaries break rules: {}",
                run.stderr
            );
            assert_clean("stdout", &run.stdout);
            assert_clean("stderr", &run.stderr);
            for file in [
                "out/summary.json",
                "artifacts/release/release-log.jsonl",
                "step-summary.md",
            ] {
                let text = std::fs::read_to_string(dir.path().join(file))
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
                assert_clean(file, &text);
            }
        }
    }
}

#[test]
fn errors_and_help_do_not_contain_a_planted_secret() {
    // A malformed env file whose bad lines hold the canary.
    let (run, _dir) = with_canaries(Release::new())
        .file(
            "bad.env",
            format!("X='{SECRET_IN_FILE}\n{PLAIN_IN_FILE} junk\nY=\"{SECRET_IN_FILE}\" trailing\n"),
        )
        .args([
            "preflight",
            "env",
            "--plan",
            &runbook_plan(),
            "--env-file",
            "bad.env",
        ])
        .run();
    assert_eq!(run.code, 2);
    assert_clean("env file error", &run.stderr);

    // A plan error while canaries are in the environment.
    let (run, _dir) = with_canaries(Release::new())
        .file("release.toml", "[release\n")
        .args(["preflight", "env"])
        .run();
    assert_eq!(run.code, 2);
    assert_clean("plan error", &run.stderr);

    // Help shows flags whose values come from the environment without those values.
    let (run, _dir) = with_canaries(Release::new())
        .env("RELEASE_ENV", PLAIN_IN_PROCESS)
        .env("RELEASE_ENV_FILE", PLAIN_IN_FILE)
        .env("RELEASE_PLAN", SECRET_IN_PROCESS)
        .args(["preflight", "env", "--help"])
        .run();
    assert_eq!(run.code, 0);
    assert_clean("help", &run.stdout);

    // An unknown environment named by a variable does not echo other values.
    let (run, _dir) = with_canaries(Release::new())
        .args(["plan", "check", "--plan", &runbook_plan(), "--env", "nope"])
        .run();
    assert_eq!(run.code, 2);
    assert_clean("environment error", &run.stderr);
}

#[test]
fn a_secret_that_equals_report_words_is_redacted_without_breaking_documents() {
    // A secret that happens to be a word of the report itself: the report's text about it is
    // redacted in the summary before rendering, so JSON and XML stay well-formed.
    let release = || preflight_env("staging").env("SESSION_SECRET", "variables");
    let (json, _dir) = release()
        .args(["--format", "json", "--out", "summary.json"])
        .run();
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("valid JSON");
    assert_eq!(doc["gates"][0]["title"], "Release environment [redacted]");
    assert!(!json.stdout.contains("variables"));
    let (junit, _dir) = release().args(["--format", "junit"]).run();
    assert!(
        junit.stdout.contains("<testsuites name=\"release\""),
        "{}",
        junit.stdout
    );
    assert!(!junit.stdout.contains("variables"));
}

#[test]
fn the_admin_token_appears_nowhere_and_does_not_follow_a_redirect() {
    use release_testkit::{Fault, MockEnvironment, Scenario};

    const ADMIN_CANARY: &str = "canaryADMIN3d5f7b9a1c2e4d6f8a0b2c4e";
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let env = runtime.block_on(async {
        let env = MockEnvironment::builder()
            .scenario(Scenario::RolesBlocked)
            .admin_token(ADMIN_CANARY)
            .start()
            .await
            .unwrap();
        env.inject(
            "/api/admin/agent-gateway/sessions",
            Fault::RedirectToOtherHost,
        )
        .await;
        env
    });
    for format in ["human", "json", "junit", "markdown"] {
        let release = Release::new();
        let step_summary = release.path("step-summary.md");
        let (run, dir) = release
            .file("runbook.toml", short_soak_plan())
            .args([
                "launch-gate",
                "--plan",
                "runbook.toml",
                "--format",
                format,
                "--out",
                "out.json",
                "-vv",
            ])
            .env("RELEASE_API_URL", env.api_url())
            .env("RELEASE_WEB_URL", env.web_url())
            // Nothing listens there: the metric gates err at once, on loopback.
            .env("RELEASE_PROMETHEUS_URL", "http://127.0.0.1:9")
            .env("RELEASE_ALERTMANAGER_URL", "http://127.0.0.1:9")
            .env("RELEASE_ADMIN_TOKEN", ADMIN_CANARY)
            .env("RUST_LOG", "trace")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", step_summary.display().to_string())
            .run();
        assert_eq!(
            run.code, 1,
            "{format}: roles-blocked blocks: {}",
            run.stderr
        );
        for (what, text) in [
            ("stdout", run.stdout.clone()),
            ("stderr", run.stderr.clone()),
        ] {
            assert!(
                !text.contains(&ADMIN_CANARY[..20]),
                "{format} {what} leaks the admin token"
            );
        }
        for file in [
            "out.json",
            "artifacts/release/release-log.jsonl",
            "artifacts/release/staging-launch-gate-summary.json",
            "step-summary.md",
        ] {
            let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
            assert!(
                !text.contains(&ADMIN_CANARY[..20]),
                "{format}: {file} leaks the admin token"
            );
        }
    }
    let redirected = runtime.block_on(env.other_host_requests());
    assert!(
        !redirected.is_empty(),
        "the sessions gate followed the redirect"
    );
    for request in redirected {
        assert!(
            request.headers.get("authorization").is_none(),
            "the token followed the redirect to another host"
        );
    }
}

#[test]
fn a_basic_auth_credential_echoed_by_a_proxy_appears_nowhere() {
    use release_testkit::{PrometheusMock, RecordedResponse};

    const PASSWORD: &str = "canary-prom-password-5e1d9c";
    let encoded = {
        // base64("release-bot:canary-prom-password-5e1d9c"), as an auth proxy would see it.
        let plan = release_core::Plan::parse(
            "release.toml",
            r#"
            [environments.staging]
            [[gates]]
            id = "up"
            kind = "prometheus"
            phases = ["launch"]
            query = "up"
            fail_below = 1
            basic_auth = { user = "PROM_USER", password = "PROM_PASSWORD" }
            "#,
        )
        .unwrap();
        let vars = release_core::Vars::from_pairs([
            ("PROM_USER", "release-bot"),
            ("PROM_PASSWORD", PASSWORD),
        ]);
        plan.derived_secrets(&vars)[0].clone()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = runtime.block_on(PrometheusMock::start());
    runtime.block_on(
        mock.respond(
            "up",
            RecordedResponse::json(
                401,
                serde_json::json!(format!(
                    "401 Unauthorized: credential Basic {encoded} is not allowed"
                )),
            )
            .with_header("content-type", "text/plain"),
        ),
    );
    let plan = format!(
        r#"[release]
artifacts_dir = "artifacts"

[environments.staging]
prometheus_url = "{}"

[[gates]]
id = "up"
kind = "prometheus"
phases = ["launch"]
query = "up"
fail_below = 1
basic_auth = {{ user = "PROM_USER", password = "PROM_PASSWORD" }}
"#,
        mock.url()
    );
    for format in ["human", "json", "junit", "markdown"] {
        let (run, dir) = Release::new()
            .file("release.toml", &plan)
            .args(["launch-gate", "--format", format, "-vv"])
            .env("PROM_USER", "release-bot")
            .env("PROM_PASSWORD", PASSWORD)
            .env("RUST_LOG", "trace")
            .run();
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(
            run.stdout.contains("HTTP 401: not a Prometheus answer"),
            "{format}: {}",
            run.stdout
        );
        let log = std::fs::read_to_string(dir.path().join("artifacts/release-log.jsonl")).unwrap();
        for (what, text) in [
            ("stdout", &run.stdout),
            ("stderr", &run.stderr),
            ("log", &log),
        ] {
            assert!(
                !text.contains(&encoded),
                "{format} {what} shows the Basic credential"
            );
            assert!(
                !text.contains(PASSWORD),
                "{format} {what} shows the password"
            );
        }
    }
    let sent = runtime.block_on(mock.requests());
    assert!(
        sent.iter()
            .all(|r| r.header("authorization") == Some(&format!("Basic {encoded}"))),
        "the credential was sent"
    );
}

#[test]
fn the_health_report_and_rollback_decision_run_live_leak_no_token() {
    use release_testkit::{MockEnvironment, Scenario};

    const ADMIN_CANARY: &str = "canaryADMINlive9b8a7c6d5e4f3a2b1c0d";
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let env = runtime.block_on(async {
        MockEnvironment::builder()
            .scenario(Scenario::RolesBlocked)
            .admin_token(ADMIN_CANARY)
            .start()
            .await
            .unwrap()
    });
    for (command, expected) in [(["health", "report"], 1), (["rollback", "evaluate"], 1)] {
        for format in ["human", "json"] {
            let (run, dir) = Release::new()
                .file("runbook.toml", short_soak_plan())
                .args(["--plan", "runbook.toml", "--format", format, "-vv"])
                .args(command)
                .env("RELEASE_API_URL", env.api_url())
                .env("RELEASE_WEB_URL", env.web_url())
                .env("RELEASE_PROMETHEUS_URL", "http://127.0.0.1:9")
                .env("RELEASE_ALERTMANAGER_URL", "http://127.0.0.1:9")
                .env("RELEASE_ADMIN_TOKEN", ADMIN_CANARY)
                .env("RELEASE_VERSION", "1.4.0")
                .env("RUST_LOG", "trace")
                .run();
            let what = format!("{} {format}", command.join(" "));
            assert_eq!(run.code, expected, "{what}: {}", run.stderr);
            for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                assert!(
                    !text.contains(&ADMIN_CANARY[..20]),
                    "{what} {name} leaks the admin token"
                );
            }
            let artifacts = dir.path().join("artifacts/release");
            for entry in std::fs::read_dir(&artifacts).unwrap() {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(
                    !text.contains(&ADMIN_CANARY[..20]),
                    "{what}: {} leaks the admin token",
                    path.display()
                );
            }
            if command[0] == "health" {
                let report = std::fs::read_to_string(artifacts.join("staging-health-report.json"))
                    .expect("the live run writes the report");
                assert!(report.contains("\"version\": \"1.4.0\""), "{report}");
            }
        }
    }
}
