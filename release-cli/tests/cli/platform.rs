//! `release preflight platform` and `release preflight` against the Railway mock.

use release_testkit::{RailwayMock, RecordedResponse};

use crate::support::{Release, env_file, runbook_plan};

/// The Railway mock serving a recorded case, its project token scoped to `environment`, on its
/// own runtime while the binary runs.
struct Railway {
    mock: RailwayMock,
    _runtime: tokio::runtime::Runtime,
}

fn railway(case: &str, environment: &str) -> Railway {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = runtime.block_on(async {
        let mock = RailwayMock::start_case(case).await.unwrap();
        if case != "unauthorized" {
            let scope = serde_json::json!({ "data": { "projectToken": { "id": "pt-1",
                "project": { "id": RailwayMock::PROJECT_ID, "name": "acme" },
                "environment": { "id": format!("env-{environment}"), "name": environment } } } });
            mock.script("ProjectToken", vec![RecordedResponse::json(200, scope)])
                .await;
        }
        mock
    });
    Railway {
        mock,
        _runtime: runtime,
    }
}

fn platform(railway: &Railway, env: &str) -> Release {
    Release::new()
        .args([
            "preflight",
            "platform",
            "--plan",
            &runbook_plan(),
            "--env",
            env,
        ])
        .env("RAILWAY_API_URL", railway.mock.url())
        .env("RAILWAY_TOKEN", RailwayMock::PROJECT_TOKEN)
}

#[test]
fn a_healthy_project_passes_even_in_strict_production() {
    let mock = railway("healthy", "production");
    let (run, _dir) = platform(&mock, "production")
        .args(["--format", "json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["strict"], true, "production is strict by default");
    let details = &summary["gates"][0]["details"];
    assert_eq!(
        details["deployments"][1]["previous_stable"], "dep-48c1d7e6",
        "rollback targets are in the summary"
    );
}

#[test]
fn warnings_block_only_when_strict() {
    let mock = railway("crashed-running-instances", "staging");
    let (lax, _dir) = platform(&mock, "staging").run();
    assert_eq!(lax.code, 0, "{}{}", lax.stdout, lax.stderr);
    let (strict, _dir) = platform(&mock, "staging").arg("--strict").run();
    assert_eq!(strict.code, 1);
    assert!(
        strict
            .stdout
            .contains("CRASHED with 1 of 2 instances running"),
        "{}",
        strict.stdout
    );
}

#[test]
fn preflight_runs_env_and_platform_together() {
    let mock = railway("healthy", "staging");
    let (run, _dir) = Release::new()
        .args([
            "preflight",
            "--plan",
            &runbook_plan(),
            "--env-file",
            &env_file("staging"),
            "--format",
            "json",
            // The runbook's QA runs the app's npm scripts, which this repository has not.
            "--skip",
            "preflight-qa",
        ])
        .env("RAILWAY_API_URL", mock.mock.url())
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["phase"], "preflight");
    assert_eq!(summary["counts"]["pass"], 2);
    assert_eq!(summary["counts"]["skipped"], 3);
    let ids: Vec<&str> = summary["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "release-env",
            "railway-baseline",
            "qa-preflight",
            "qa-web-tests",
            "qa-api-tests"
        ]
    );
}

#[test]
fn neither_railway_token_appears_anywhere() {
    const PROJECT: &str = "canaryRWYPROJ5e7a9c1b3d5f7a9c1b";
    const ACCOUNT: &str = "canaryRWYACCT2b4d6f8a0c2e4b6d8f";
    for case in ["healthy", "unauthorized"] {
        let mock = railway(case, "production");
        for format in ["human", "json", "junit", "markdown"] {
            let (run, dir) = Release::new()
                .args([
                    "preflight",
                    "platform",
                    "--plan",
                    &runbook_plan(),
                    "--env",
                    "production",
                ])
                .args(["--format", format, "--out", "out.json", "-vv"])
                .env("RAILWAY_API_URL", mock.mock.url())
                .env("RAILWAY_TOKEN", PROJECT)
                .env("RAILWAY_API_TOKEN", ACCOUNT)
                .env("RUST_LOG", "trace")
                .run();
            assert!(run.code <= 1, "{case}/{format}: {}", run.stderr);
            let files: Vec<String> = ["out.json", "artifacts/release/release-log.jsonl"]
                .iter()
                .map(|f| std::fs::read_to_string(dir.path().join(f)).unwrap())
                .collect();
            for text in [&run.stdout, &run.stderr].into_iter().chain(files.iter()) {
                assert!(
                    !text.contains(&PROJECT[..20]) && !text.contains(&ACCOUNT[..20]),
                    "{case}/{format} leaks a Railway token:\n{text}"
                );
            }
        }
    }
}
