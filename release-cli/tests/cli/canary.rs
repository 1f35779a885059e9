//! A canary secret planted in the environment and in an env file appears in no output:
//! none of the four formats, the --out file, the release log, RUST_LOG=trace logs, GitHub
//! annotations and step summary, help text, or any error.

use crate::support::{Release, runbook_plan};

const IN_PROCESS: &str = "canaryPROC7f3a9c1e5b2d8f4a6c0e";
const IN_FILE: &str = "canaryFILE9e2b4d6f8a1c3e5b7d9f";

fn with_canaries(release: Release) -> Release {
    release
        .file(
            "planted.env",
            format!(
                "SESSION_SECRET={IN_FILE}\nRELEASE_ADMIN_TOKEN=\"{IN_FILE}-admin\"\nPORT={IN_FILE}\nPUBLIC_WEB_URL=https://{IN_FILE}.localhost\nOPENAI_API_KEY=sk-{IN_FILE}\n"
            ),
        )
        .env("DATABASE_URL", format!("postgresql://u:{IN_PROCESS}@localhost/db"))
        .env("RAILWAY_TOKEN", IN_PROCESS)
        .env("APP_ENV", IN_PROCESS)
        .env("RUST_LOG", "trace")
        .env("GITHUB_ACTIONS", "true")
}

fn assert_clean(what: &str, text: &str) {
    for canary in ["canaryPROC", "canaryFILE"] {
        assert!(!text.contains(canary), "{what} leaks {canary}:\n{text}");
    }
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
            format!("X='{IN_FILE}\n{IN_FILE} junk\nY=\"{IN_FILE}\" trailing\n"),
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
        .env("RELEASE_ENV", IN_PROCESS)
        .env("RELEASE_ENV_FILE", IN_FILE)
        .env("RELEASE_PLAN", IN_PROCESS)
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
