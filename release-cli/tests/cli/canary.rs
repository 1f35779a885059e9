//! A canary secret planted in the environment and in an env file appears in no output:
//! none of the five formats (HTML too), the --out file, the release log, RUST_LOG=trace logs, GitHub
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
    for format in ["human", "json", "junit", "markdown", "html"] {
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

    // So do the man pages, the completion scripts and the version.
    for args in [
        &["man"][..],
        &["man", "--dir", "man1"],
        &["completions", "bash"],
        &["completions", "fish"],
        &["-vV"],
    ] {
        let (run, dir) = with_canaries(Release::new())
            .env(
                "RELEASE_API_URL",
                format!("https://u:{SECRET_IN_PROCESS}@api.test"),
            )
            .env("RELEASE_PLAN", SECRET_IN_PROCESS)
            .args(args)
            .run();
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_clean("man, completions or version", &run.stdout);
        for page in std::fs::read_dir(dir.path().join("man1"))
            .into_iter()
            .flatten()
        {
            let page = std::fs::read_to_string(page.unwrap().path()).unwrap();
            assert_clean("a man page", &page);
        }
    }

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
fn short_secrets_that_equal_report_words_are_redacted_without_breaking_documents() {
    // Undeclared, secret by name, and short: each is replaced where it stands as a word of
    // its own, in the typed summary, so the documents stay well-formed.
    let release = || {
        preflight_env("staging")
            .env("SMTP_PASSWORD", "set")
            .env("GITHUB_TOKEN", "valid")
    };
    let (json, _dir) = release()
        .args(["--format", "json", "--out", "summary.json"])
        .run();
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("valid JSON");
    assert_eq!(doc["outcome"], "passed");
    let evidence = &doc["gates"][0]["evidence"][0];
    assert_eq!(evidence["name"], "NODE_ENV");
    assert!(
        evidence["detail"]
            .as_str()
            .unwrap()
            .starts_with("[redacted] (10 characters), [redacted], from "),
        "{evidence}"
    );
    let words = regex::Regex::new(r"\b(set|valid)\b").unwrap();
    assert!(!words.is_match(&json.stdout), "{}", json.stdout);
    for format in ["junit", "markdown", "human"] {
        let (run, _dir) = release().args(["--format", format]).run();
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert!(!words.is_match(&run.stdout), "{format}: {}", run.stdout);
        if format == "junit" {
            assert!(
                run.stdout.trim_end().ends_with("</testsuites>"),
                "{}",
                run.stdout
            );
        }
    }
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
    for format in ["human", "json", "junit", "markdown", "html"] {
        let release = Release::new();
        let step_summary = release.path("step-summary.md");
        let (run, dir) = release
            .file("runbook.toml", short_soak_plan())
            .args([
                "launch-gate",
                "--no-fail-fast",
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
    for format in ["human", "json", "junit", "markdown", "html"] {
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

/// Values the plan does not declare, in variables whose names say they are secrets, and a
/// short value the plan declares a secret with `min_length = 4`: a QA command prints them all.
const UNDECLARED: [(&str, &str); 6] = [
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYcanaryAWS",
    ),
    ("GITHUB_TOKEN", "ghp_canaryGH7f3a9c1e5b2d8f0a1b2c3d4e5f6a7b"),
    ("STRIPE_SECRET_KEY", "sk_live_canarySTRIPE4c6e8a0b2d4f6a8c"),
    // Six characters: short values are redacted too, where they stand as a word of their own.
    ("DB_PASSWORD", "hunt3r"),
    (
        "SENTRY_DSN",
        "https://canarySENTRYkey5e1d9c@o1.ingest.example/42",
    ),
    // Declared by the env gate below with `min_length = 4`.
    ("SHORT_PIN", "k9Zq"),
];
/// A URL whose password is a secret, whatever the variable's name.
const URL_NAME: &str = "REPLICA_URL";
const URL_VALUE: &str = "postgres://user:hunter2hunter2@db.internal:5432/app";
/// A plain value, which must stay visible.
const PLAIN: (&str, &str) = ("APP_NAME", "canaryPLAINappname");

const SECRET_PRINTING_PLAN: &str = r#"[release]
name = "canary"
artifacts_dir = "artifacts/release"

[environments.staging]

[[gates]]
id = "release-env"
kind = "env"
phases = ["preflight-env"]
vars = [{ name = "SHORT_PIN", secret = { min_length = 4 } }]

[[gates]]
id = "qa-leaky"
kind = "command"
phases = ["preflight-qa"]
command = ["sh", "-c", """
for v in AWS_SECRET_ACCESS_KEY GITHUB_TOKEN STRIPE_SECRET_KEY DB_PASSWORD SENTRY_DSN SHORT_PIN REPLICA_URL APP_NAME; do
  echo "$v=$(printenv $v)"; echo "stderr $v=$(printenv $v)" >&2
done
exit 1
"""]
timeout = "1m"
output_lines = 40
"#;

/// The parts of every planted secret a leak would show.
fn secret_canaries() -> Vec<&'static str> {
    let mut canaries: Vec<&str> = UNDECLARED.iter().map(|(_, v)| *v).collect();
    canaries.push("hunter2hunter2");
    canaries
}

fn assert_no_secret(what: &str, text: &str) {
    for canary in secret_canaries() {
        // Short values are looked for as words of their own: `hunt3r` inside a longer word is
        // not the secret.
        let leaked = if canary.len() < 8 {
            regex::Regex::new(&format!(r"(^|[^A-Za-z0-9]){}($|[^A-Za-z0-9])", canary))
                .unwrap()
                .is_match(text)
        } else {
            text.contains(canary)
        };
        assert!(!leaked, "{what} leaks {canary}:\n{text}");
    }
}

/// Every file a run left in its directory, but the inputs.
fn written_files(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(at) = todo.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if !["release.toml", "planted.env"]
                .iter()
                .any(|input| path.ends_with(input))
            {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path.display().to_string(), text));
            }
        }
    }
    files
}

#[test]
fn undeclared_secret_names_url_passwords_and_short_secrets_leak_through_no_output() {
    for source in ["env-file", "process"] {
        for verbosity in ["-v", "-vv"] {
            for format in ["human", "json", "junit", "markdown", "html"] {
                let what = format!("{format} {verbosity} from the {source}");
                let mut release = Release::new().file("release.toml", SECRET_PRINTING_PLAN);
                let planted: Vec<(&str, &str)> = UNDECLARED
                    .iter()
                    .copied()
                    .chain([(URL_NAME, URL_VALUE), PLAIN])
                    // What the run releases is recorded in the release log.
                    .chain([("RELEASE_VERSION", "2.0.0+hunt3r")])
                    .collect();
                let mut env_file = String::new();
                for (name, value) in &planted {
                    if source == "process" {
                        release = release.env(name, value);
                    } else {
                        env_file.push_str(&format!("{name}='{value}'\n"));
                    }
                }
                let step_summary = release.path("step-summary.md");
                let (run, dir) = release
                    .file("planted.env", env_file)
                    .env("GITHUB_ACTIONS", "true")
                    .env("GITHUB_STEP_SUMMARY", step_summary.display().to_string())
                    .args(["preflight", "qa", "--env-file", "planted.env"])
                    .args(["--format", format, "--out", "out/summary.json", verbosity])
                    .run();
                assert_eq!(run.code, 1, "{what}: the command exits 1: {}", run.stderr);
                assert_no_secret(&format!("{what} stdout"), &run.stdout);
                assert_no_secret(&format!("{what} stderr"), &run.stderr);
                let files = written_files(dir.path());
                for expected in [
                    "out/summary.json",
                    "step-summary.md",
                    "artifacts/release/release-log.jsonl",
                ] {
                    assert!(
                        files.iter().any(|(path, _)| path.ends_with(expected)),
                        "{what}: no {expected} in {files:?}"
                    );
                }
                for (path, text) in &files {
                    assert_no_secret(&format!("{what} {path}"), text);
                }
                // The lines are there, streamed and kept as evidence, with only the secrets
                // replaced.
                let summary: serde_json::Value = serde_json::from_str(
                    &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
                )
                .unwrap();
                let evidence = summary["gates"][0]["evidence"].to_string();
                for line in [
                    "AWS_SECRET_ACCESS_KEY=[redacted]",
                    "GITHUB_TOKEN=[redacted]",
                    "STRIPE_SECRET_KEY=[redacted]",
                    "DB_PASSWORD=[redacted]",
                    "SENTRY_DSN=[redacted]",
                    "SHORT_PIN=[redacted]",
                    "REPLICA_URL=postgres://user:[redacted]@db.internal:5432/app",
                    "APP_NAME=canaryPLAINappname",
                ] {
                    assert!(evidence.contains(line), "{what}: no `{line}` in {evidence}");
                    assert!(
                        run.stderr.contains(&format!("stderr {line}")),
                        "{what}: `stderr {line}` not streamed:\n{}",
                        run.stderr
                    );
                }
                if format == "json" {
                    let _: serde_json::Value =
                        serde_json::from_str(&run.stdout).expect("valid JSON");
                }
                let log =
                    std::fs::read_to_string(dir.path().join("artifacts/release/release-log.jsonl"))
                        .unwrap();
                assert!(log.contains(r#""version":"2.0.0+[redacted]""#), "{log}");
            }
        }
    }
}

#[test]
fn library_log_lines_hide_the_run_secrets() {
    use std::io::{Read as _, Write as _};

    // A server that redirects to a URL holding the password of one of the run's variables:
    // the HTTP library logs the redirect's target at trace level, in its own words.
    const PASSWORD: &str = "canaryLOGpw3e5a7c9b1d";
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 302 Found\r\nLocation: http://bob:{PASSWORD}@127.0.0.1:{port}/next\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    let plan = format!(
        r#"[release]
artifacts_dir = "artifacts"

[environments.staging]
api_url = "http://127.0.0.1:{port}"

[[gates]]
id = "api-health"
kind = "http"
phases = ["smoke"]
url = "{{api_url}}/health"
"#
    );
    let (run, _dir) = Release::new()
        .file("release.toml", plan)
        .env(
            "BACKUP_URL",
            format!("postgres://bob:{PASSWORD}@backup.internal/db"),
        )
        .env("RUST_LOG", "trace")
        .args(["smoke", "--format", "json"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains(PASSWORD), "{}", run.stdout);
    assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
    assert!(
        run.stderr.contains("bob:[redacted]@127.0.0.1"),
        "the library no longer logs the redirect: {}",
        run.stderr
    );
}

/// Every output of a run: stdout, stderr, and the files it wrote but its inputs.
fn outputs(run: &crate::support::Run, dir: &std::path::Path) -> Vec<(String, String)> {
    let mut all = vec![
        ("stdout".to_owned(), run.stdout.clone()),
        ("stderr".to_owned(), run.stderr.clone()),
    ];
    all.extend(written_files(dir));
    all
}

/// Asserts that no text holds any of `secrets`.
fn assert_hidden(what: &str, texts: &[(String, String)], secrets: &[&str]) {
    for (name, text) in texts {
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{what}: {name} shows {secret}:\n{text}"
            );
        }
    }
}

/// A server that answers every request `503` with a health+json body whose `output` echoes
/// the request's line and headers, as a debugging endpoint or a proxy's error page might.
fn echo_server() -> u16 {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buf = [0; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&request)
                .trim()
                .replace("\r\n", " | ");
            let body = serde_json::json!({ "status": "fail", "output": head }).to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/health+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn url_credentials_and_headers_the_plan_or_the_flags_write_leak_nowhere() {
    const PLAN_PASSWORD: &str = "PlanUrlPass-4f2a9c";
    const QUERY_TOKEN: &str = "QueryTok-7e1b3d5f";
    const HEADER_KEY: &str = "HeaderLiteral-9c8b7a";
    const BEARER: &str = "BearerLiteral-2d4f6a8c";
    const FLAG_PASSWORD: &str = "FlagPass-1a3c5e7g";
    const ENV_PASSWORD: &str = "EnvPass-8h6f4d2b";
    // base64 of `apiuser:PlanUrlPass-4f2a9c`, `u:FlagPass-1a3c5e7g`, `u:EnvPass-8h6f4d2b`:
    // the Basic credentials the HTTP client makes of each URL's user information.
    const BASIC: [&str; 3] = [
        "YXBpdXNlcjpQbGFuVXJsUGFzcy00ZjJhOWM=",
        "dTpGbGFnUGFzcy0xYTNjNWU3Zw==",
        "dTpFbnZQYXNzLThoNmY0ZDJi",
    ];
    let port = echo_server();
    let plan = format!(
        r#"[release]
artifacts_dir = "artifacts"

[environments.staging]
api_url = "http://apiuser:{PLAN_PASSWORD}@127.0.0.1:{port}"
web_url = "http://127.0.0.1:{port}"

[[gates]]
id = "h1"
kind = "http"
phases = ["smoke"]
url = "{{api_url}}/health?access_token={QUERY_TOKEN}&page=2"
expect = {{ status = 200, health = true }}

[[gates]]
id = "h2"
kind = "http"
phases = ["smoke"]
url = "{{web_url}}/x"
headers = {{ X-Api-Key = "{HEADER_KEY}", Authorization = "Bearer {BEARER}", X-Request-Id = "req-plain-0123" }}
expect = {{ health = true }}
"#
    );
    let flag_url = format!("http://u:{FLAG_PASSWORD}@127.0.0.1:{port}");
    let env_url = format!("http://u:{ENV_PASSWORD}@127.0.0.1:{port}");
    let secrets = [
        PLAN_PASSWORD,
        QUERY_TOKEN,
        HEADER_KEY,
        BEARER,
        FLAG_PASSWORD,
        ENV_PASSWORD,
        BASIC[0],
        BASIC[1],
        BASIC[2],
    ];
    for source in ["plan", "flag", "variable"] {
        for format in ["human", "json", "junit", "markdown", "html"] {
            let what = format!("{format}, api_url from the {source}");
            let mut release = Release::new().file("release.toml", &plan);
            let step_summary = release.path("step-summary.md");
            release = match source {
                "flag" => release.args(["--api-url", &flag_url]),
                "variable" => release.env("RELEASE_API_URL", &env_url),
                _ => release,
            };
            let (run, dir) = release
                .args([
                    "smoke",
                    "--no-fail-fast",
                    "--format",
                    format,
                    "--out",
                    "out.json",
                    "-vv",
                ])
                .env("RUST_LOG", "trace")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_STEP_SUMMARY", step_summary.display().to_string())
                .run();
            assert_eq!(run.code, 1, "{what}: {}", run.stderr);
            let texts = outputs(&run, dir.path());
            assert!(
                texts
                    .iter()
                    .any(|(path, _)| path.ends_with("release-log.jsonl")),
                "{what}: no release log"
            );
            assert_hidden(&what, &texts, &secrets);
            // The server did echo them: the redactor, not luck, kept them out.
            let summary = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
            for echoed in [
                "authorization: Basic [redacted]",
                "access_token=[redacted]&page=2",
                "x-api-key: [redacted]",
                "authorization: [redacted]",
                "x-request-id: req-plain-0123",
            ] {
                assert!(
                    summary.contains(echoed),
                    "{what}: no `{echoed}` in {summary}"
                );
            }
        }
    }
}

#[test]
fn the_env_a_plan_gives_a_command_or_its_service_leaks_nowhere() {
    const GATE_PASSWORD: &str = "GateEnvPw-5b7d9f1a";
    const GATE_URL_PASSWORD: &str = "GateUrlPw-3c5e7a9b";
    const GATE_TOKEN: &str = "GateTok-8a6c4e2b0d";
    const SERVICE_PASSWORD: &str = "SvcUrlPass-98765abc";
    const SERVICE_SECRET: &str = "SvcSecret-1f3e5d7c";
    let plan = format!(
        r#"[release]
artifacts_dir = "artifacts"

[environments.staging]

[[gates]]
id = "qa-env"
kind = "command"
phases = ["preflight-qa"]
shell = """
echo "db=$DB_PASSWORD api=$API_URL token=$DEPLOY_TOKEN_PROD"
echo "redis=$REDIS_URL session=$SESSION_SECRET" >&2
exit 1
"""
env = {{ DB_PASSWORD = "{GATE_PASSWORD}", API_URL = "https://bot:{GATE_URL_PASSWORD}@api.example/v1", DEPLOY_TOKEN_PROD = "{GATE_TOKEN}" }}

[[gates.services]]
name = "cache"
start = ["sh", "-c", "echo cache up with $REDIS_URL; exec sleep 30"]
ready = {{ command = ["true"] }}
env = {{ REDIS_URL = "redis://:{SERVICE_PASSWORD}@{{host}}:{{port}}/0", SESSION_SECRET = "{SERVICE_SECRET}" }}
"#
    );
    let secrets = [
        GATE_PASSWORD,
        GATE_URL_PASSWORD,
        GATE_TOKEN,
        SERVICE_PASSWORD,
        SERVICE_SECRET,
    ];
    for verbosity in ["-v", "-vv"] {
        for format in ["human", "json", "junit", "markdown", "html"] {
            let what = format!("{format} {verbosity}");
            let release = Release::new().file("release.toml", &plan);
            let step_summary = release.path("step-summary.md");
            let (run, dir) = release
                .args(["preflight", "qa", "--format", format, "--out", "out.json"])
                .arg(verbosity)
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_STEP_SUMMARY", step_summary.display().to_string())
                .run();
            assert_eq!(run.code, 1, "{what}: {}", run.stderr);
            assert_hidden(&what, &outputs(&run, dir.path()), &secrets);
            let summary = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
            for shown in [
                "db=[redacted] api=https://bot:[redacted]@api.example/v1 token=[redacted]",
                "redis=redis://:[redacted]@127.0.0.1:",
                "session=[redacted]",
            ] {
                assert!(summary.contains(shown), "{what}: no `{shown}` in {summary}");
                assert!(
                    run.stderr.contains(shown),
                    "{what}: `{shown}` not streamed:\n{}",
                    run.stderr
                );
            }
        }
    }
}

#[test]
fn a_secret_split_over_lines_of_command_output_leaks_nowhere() {
    const TOKEN: &str = "ghp_R3alTokenValueQxZwYvKjHgFd";
    // Its pieces as `fold -w 12`, `fold -w 5` and a carriage return after ten characters cut it.
    const PIECES: [&str; 12] = [
        "ghp_R3alToke",
        "nValueQxZwYv",
        "KjHgFd",
        "ghp_R",
        "3alTo",
        "kenVa",
        "lueQx",
        "ZwYvK",
        "jHgFd",
        "ghp_R3alTo",
        "kenValueQxZwYvKjHgFd",
        "R3al",
    ];
    let plan = r#"[release]
artifacts_dir = "artifacts"

[environments.staging]

[[gates]]
id = "qa-fold"
kind = "command"
phases = ["preflight-qa"]
shell = """
echo start
printf '%s\n' "$GITHUB_TOKEN" | fold -w 12
echo folded
printf '%s\n' "$GITHUB_TOKEN" | fold -w 12 >&2
printf 'cr %s\r%s\n' "$(printf %s "$GITHUB_TOKEN" | cut -c1-10)" "$(printf %s "$GITHUB_TOKEN" | cut -c11-)"
exit 1
"""

[[gates]]
id = "qa-fold-tail"
kind = "command"
phases = ["preflight-qa"]
output_lines = 3
shell = """printf '%s\n' "$GITHUB_TOKEN" | fold -w 5; exit 1"""
"#;
    for source in ["env-file", "process"] {
        for verbosity in ["-v", "-vv"] {
            for format in ["human", "json", "junit", "markdown", "html"] {
                let what = format!("{format} {verbosity}, the token from the {source}");
                let mut release = Release::new().file("release.toml", plan);
                release = if source == "process" {
                    release.env("GITHUB_TOKEN", TOKEN).file("planted.env", "")
                } else {
                    release.file("planted.env", format!("GITHUB_TOKEN={TOKEN}\n"))
                };
                let step_summary = release.path("step-summary.md");
                let (run, dir) = release
                    .args([
                        "preflight",
                        "qa",
                        "--no-fail-fast",
                        "--env-file",
                        "planted.env",
                    ])
                    .args(["--format", format, "--out", "out/summary.json", verbosity])
                    .env("GITHUB_ACTIONS", "true")
                    .env("GITHUB_STEP_SUMMARY", step_summary.display().to_string())
                    .run();
                assert_eq!(run.code, 1, "{what}: {}", run.stderr);
                assert_hidden(&what, &outputs(&run, dir.path()), &PIECES);
                let summary: serde_json::Value = serde_json::from_str(
                    &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
                )
                .unwrap();
                let evidence = |gate: usize, name: &str| {
                    summary["gates"][gate]["evidence"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|e| e["name"] == name)
                        .map(|e| e["detail"].as_str().unwrap().to_owned())
                        .unwrap_or_default()
                };
                assert!(
                    evidence(0, "stdout").ends_with(
                        "start\n[redacted]\n[redacted]\n[redacted]\nfolded\ncr [redacted]\r[redacted]"
                    ),
                    "{what}: {summary}"
                );
                assert!(
                    evidence(0, "stderr").ends_with("\n[redacted]\n[redacted]\n[redacted]"),
                    "{what}: {summary}"
                );
                // The first pieces are no longer kept, yet the last three are known for
                // what they are.
                assert!(
                    evidence(1, "stdout").ends_with(
                        "last 3 of 6 lines (36 bytes)\n[redacted]\n[redacted]\n[redacted]"
                    ),
                    "{what}: {summary}"
                );
                // The stream shows the lines, redacted, and the ones around them.
                for line in ["start", "folded", "cr [redacted]"] {
                    assert!(
                        run.stderr.contains(line),
                        "{what}: `{line}` not streamed:\n{}",
                        run.stderr
                    );
                }
            }
        }
    }
}

#[test]
fn usage_errors_never_echo_a_secret_argument() {
    const SECRET: &str = "adm-secret-0123456789";
    const URL_PASSWORD: &str = "ArgPass-6e8a0c2f";
    let plan = "[release]\nartifacts_dir = \"artifacts\"\n\n[environments.staging]\n";
    let url = format!("http://u:{URL_PASSWORD}@127.0.0.1:9");
    let format_equals = format!("--format={SECRET}");
    let skip_list = format!("lint,{SECRET}");
    let commands: Vec<Vec<&str>> = vec![
        vec!["smoke", SECRET],
        vec!["smoke", "--format", SECRET],
        vec![&format_equals, "smoke"],
        vec!["smoke", "--only", SECRET],
        vec!["smoke", "--skip", &skip_list],
        vec!["smoke", "--env", SECRET],
        vec!["smoke", "--color", SECRET],
        vec!["plan", "check", "--env", SECRET],
        vec!["log", "show", "--last", SECRET],
        vec!["schema", SECRET],
        vec![SECRET],
        vec!["preflight", SECRET],
    ];
    // Where the secret comes from: the process, an env file named by the flag or by the
    // variable, or the URL argument itself (its password).
    for source in ["process", "--env-file", "RELEASE_ENV_FILE", "url"] {
        for command in &commands {
            let mut args: Vec<String> = command.iter().map(|a| (*a).to_owned()).collect();
            if source == "url" {
                for arg in &mut args {
                    *arg = arg.replace(SECRET, &url);
                }
            }
            let what = format!("{args:?} with the secret from {source}");
            let mut release = Release::new()
                .file("release.toml", plan)
                .file("secrets.env", format!("RELEASE_ADMIN_TOKEN={SECRET}\n"));
            release = match source {
                "process" => release.env("RELEASE_ADMIN_TOKEN", SECRET),
                "--env-file" => release.args(["--env-file", "secrets.env"]),
                "RELEASE_ENV_FILE" => release.env("RELEASE_ENV_FILE", "secrets.env"),
                _ => release,
            };
            let (run, _dir) = release.args(&args).run();
            assert_eq!(run.code, 2, "{what}: {}{}", run.stdout, run.stderr);
            for text in [&run.stdout, &run.stderr] {
                assert!(
                    !text.contains(SECRET) && !text.contains(URL_PASSWORD),
                    "{what} shows the secret:\n{text}"
                );
            }
            assert!(
                run.stderr.starts_with("error: ") && run.stderr.contains("[redacted]"),
                "{what}: the error no longer names the argument:\n{}",
                run.stderr
            );
        }
    }
    // clap's usage text and hints stay.
    let (run, _dir) = Release::new()
        .env("RELEASE_ADMIN_TOKEN", SECRET)
        .args(["smoke", SECRET])
        .run();
    assert_eq!(
        run.stderr,
        "error: unexpected argument '[redacted]' found\n\nUsage: release smoke [OPTIONS]\n\nFor more information, try '--help'.\n"
    );
    assert_eq!(run.stdout, "");
}

/// The release store's password, in `RELEASE_LOG_URL`; nothing listens on port 1 of loopback,
/// so every use of the store fails at once.
const STORE_PASSWORD: &str = "canaryPGPASS5a7c9e1b3d";

fn unreachable_store() -> String {
    format!("postgres://release:{STORE_PASSWORD}@127.0.0.1:1/release")
}

#[test]
fn the_release_log_url_password_appears_nowhere_and_the_unwritable_store_is_named() {
    for format in ["human", "json", "junit", "markdown", "html"] {
        let release = preflight_env("staging");
        let step_summary = release.path("step-summary.md");
        let (run, dir) = release
            .env("RELEASE_LOG_URL", unreachable_store())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", step_summary.display().to_string())
            .env("RUST_LOG", "trace")
            .args(["--format", format, "--out", "out/summary.json", "-vv"])
            .run();
        let what = format!("preflight env --format {format}");
        assert_eq!(run.code, 2, "{what}: never a silent pass\n{}", run.stderr);
        assert!(
            run.stderr
                .contains("release store postgres://release@127.0.0.1:1/release"),
            "{what}: the store is named\n{}",
            run.stderr
        );
        assert!(dir.path().join("out/summary.json").is_file(), "{what}");
        assert!(step_summary.is_file(), "{what}");
        assert_hidden(&what, &outputs(&run, dir.path()), &[STORE_PASSWORD]);
    }
    // The commands that run no gates name it the same way, and hide it as well.
    let commands: [&[&str]; 5] = [
        &["log", "show"],
        &["log", "export"],
        &["log", "import", "old.jsonl"],
        &["freeze", "--reason", "incident 7"],
        &["rollout", "status"],
    ];
    for command in commands {
        let (run, dir) = Release::new()
            .file("old.jsonl", "")
            .args(["--plan", &runbook_plan(), "--env", "staging"])
            .args(command)
            .env("RELEASE_LOG_URL", unreachable_store())
            .env("RUST_LOG", "trace")
            .run();
        let what = command.join(" ");
        assert_eq!(run.code, 2, "{what}\n{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("postgres://release@127.0.0.1:1/release"),
            "{what}\n{}",
            run.stderr
        );
        assert_hidden(&what, &outputs(&run, dir.path()), &[STORE_PASSWORD]);
    }
    // As --log too.
    let (run, dir) = Release::new()
        .args(["log", "show", "--log", &unreachable_store()])
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_hidden(
        "log show --log",
        &outputs(&run, dir.path()),
        &[STORE_PASSWORD],
    );
}
