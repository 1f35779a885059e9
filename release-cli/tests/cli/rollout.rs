//! `release rollout`, `release rollback execute`, `release rollout status` over the real
//! binary, against the test kit's stateful Railway platform mock, its Slack webhook mock and
//! its app, Prometheus and Alertmanager: deploys, rollbacks and messages are counted at the
//! mocks.

use std::time::Duration;

use release_core::Plan;
use release_testkit::{
    MockEnvironment, Progress, RailwayFault, RailwayPlatformMock, Scenario, SlackMock, SlackReply,
};

use crate::support::{Release, Run, short_soak_plan};

/// A canary that must appear nowhere: it is the Railway token.
const TOKEN: &str = "rw-canary-7d1f0c9e-4b2a-4e8f-9a3c-5e6d7f8a9b0c";

/// The mock environment of a rollout, served by its own runtime while the binary runs.
pub(crate) struct Stage {
    env: MockEnvironment,
    slack: SlackMock,
    runtime: tokio::runtime::Runtime,
}

impl Stage {
    pub(crate) fn start(after_deploy: Option<(&str, Scenario)>, deploys: Progress) -> Stage {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (env, slack) = runtime.block_on(async {
            let platform = RailwayPlatformMock::builder()
                .environment("production")
                .deploys("api", deploys.clone())
                .deploys("web", deploys);
            let plan = Plan::parse("runbook.toml", &short_soak_plan()).unwrap();
            let mut builder = MockEnvironment::builder()
                .railway_platform(platform)
                .railway_environment("production")
                .metrics_of(&plan);
            if let Some((service, scenario)) = after_deploy {
                builder = builder.after_deploy(service, scenario);
            }
            (builder.start().await.unwrap(), SlackMock::start().await)
        });
        Stage {
            env,
            slack,
            runtime,
        }
    }

    fn platform(&self) -> &RailwayPlatformMock {
        self.env.platform().expect("a platform mock")
    }

    /// `release --plan runbook.toml --env production ARGS` against this stage.
    pub(crate) fn release(&self) -> Release {
        Release::new()
            .file("runbook.toml", plan())
            .args(["--plan", "runbook.toml", "--env", "production"])
            .env("RELEASE_API_URL", self.env.api_url())
            .env("RELEASE_WEB_URL", self.env.web_url())
            .env("RELEASE_PROMETHEUS_URL", self.env.prometheus().url())
            .env("RELEASE_ALERTMANAGER_URL", self.env.alertmanager().url())
            .env("RELEASE_ADMIN_TOKEN", self.env.admin_token())
            .env("RAILWAY_API_URL", self.env.railway_url())
            .env("RAILWAY_TOKEN", TOKEN)
            .env("SLACK_WEBHOOK_URL", self.slack.url())
            .env("RELEASE_ACTOR", "ci-bot")
            .timeout(Duration::from_secs(120))
    }

    /// The deploy and rollback mutations that acted, as `operation service-or-id`.
    pub(crate) fn acted(&self) -> Vec<String> {
        self.runtime.block_on(async {
            let platform = self.platform();
            let mut out = Vec::new();
            for m in platform.mutations().await.into_iter().filter(|m| m.acted) {
                let what = match m.operation.as_str() {
                    "ServiceInstanceDeployV2" => {
                        m.variables["serviceId"].as_str().unwrap_or("?").to_owned()
                    }
                    _ => m.variables["id"].as_str().unwrap_or("?").to_owned(),
                };
                out.push(format!("{} {what}", m.operation));
            }
            out
        })
    }

    fn payloads(&self) -> Vec<serde_json::Value> {
        self.runtime.block_on(self.slack.payloads())
    }
}

/// The shipped runbook with short soaks, fast deploy polls, and stand-ins for the app's npm
/// migration scripts that leave a mark in the working directory.
fn plan() -> String {
    let plan = short_soak_plan();
    for expected in [
        r#"command = ["npm", "run", "db:migrate"]"#,
        r#"database_command = ["npm", "run", "db:migrate:undo"]"#,
        r#"deploy = { platform = "railway", timeout = "15m", poll = "5s" }"#,
    ] {
        assert!(
            plan.contains(expected),
            "the runbook's rollout changed: {expected}"
        );
    }
    plan.replace(
        r#"command = ["npm", "run", "db:migrate"]"#,
        r#"command = ["sh", "-c", "echo up >> migrations.txt"]"#,
    )
    .replace(
        r#"database_command = ["npm", "run", "db:migrate:undo"]"#,
        r#"database_command = ["sh", "-c", "echo down >> migrations.txt"]"#,
    )
    .replace(
        r#"deploy = { platform = "railway", timeout = "15m", poll = "5s" }"#,
        r#"deploy = { platform = "railway", timeout = "20s", poll = "20ms" }"#,
    )
}

fn summary(run: &Run, kind: &str) -> serde_json::Value {
    summary_in(&run.dir, kind)
}

/// The rollout or rollback summary written in `dir`.
fn summary_in(dir: &std::path::Path, kind: &str) -> serde_json::Value {
    let path = dir.join(format!("artifacts/release/production-{kind}-summary.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("summary file")).unwrap()
}

fn assert_no_secret(stage: &Stage, run: &Run) {
    let log = std::fs::read_to_string(run.dir.join("artifacts/release/release-log.jsonl"))
        .unwrap_or_default();
    let summaries: String = ["rollout", "rollback"]
        .iter()
        .filter_map(|k| {
            std::fs::read_to_string(
                run.dir
                    .join(format!("artifacts/release/production-{k}-summary.json")),
            )
            .ok()
        })
        .collect();
    for text in [&run.stdout, &run.stderr, &log, &summaries] {
        assert!(!text.contains(TOKEN), "the Railway token leaked:\n{text}");
        assert!(
            !text.contains(SlackMock::SECRET),
            "the webhook leaked:\n{text}"
        );
        assert!(
            !text.contains(&stage.slack.url()),
            "the webhook leaked:\n{text}"
        );
    }
}

#[test]
fn a_healthy_rollout_deploys_each_service_once_announces_and_proceeds() {
    let stage = Stage::start(None, Progress::succeeds_after(Duration::from_millis(100)));
    let (run, _dir) = stage
        .release()
        .args(["rollout", "--version", "1.4.0", "--commit", "a1b2c3d4e5f6"])
        .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        stage.acted(),
        [
            "ServiceInstanceDeployV2 svc-api",
            "ServiceInstanceDeployV2 svc-web"
        ]
    );
    let deploys = stage.runtime.block_on(stage.platform().mutations());
    assert!(
        deploys
            .iter()
            .all(|m| m.variables["commitSha"] == "a1b2c3d4e5f6")
    );
    let summary = summary(&run, "rollout");
    assert_eq!(summary["outcome"], "proceeding");
    let steps: Vec<(&str, &str)> = summary["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("announce-start", "done"),
            ("deploy-api", "done"),
            ("migrate", "done"),
            ("deploy-web", "done"),
            ("verify", "done"),
        ]
    );
    assert_eq!(summary["steps"][1]["replaces"], "dep-5e2b8d13");
    assert_eq!(
        summary["steps"][1]["statuses"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        "SUCCESS"
    );
    assert_eq!(summary["decision"]["decision"], "proceed");
    assert_eq!(
        std::fs::read_to_string(run.dir.join("migrations.txt")).unwrap(),
        "up\n"
    );
    // The launch gate's own artifacts, as `release launch-gate` writes them.
    for file in [
        "production-launch-gate-summary.json",
        "production-health-report.json",
    ] {
        assert!(
            run.dir.join("artifacts/release").join(file).exists(),
            "{file}"
        );
    }
    let payloads = stage.payloads();
    assert_eq!(payloads.len(), 2, "start and outcome: {payloads:#?}");
    assert!(payloads[0]["text"].as_str().unwrap().contains("started"));
    assert!(payloads[1]["text"].as_str().unwrap().contains("proceeding"));
    let blocks = payloads[0]["blocks"].to_string();
    for shown in [
        "production",
        "1.4.0",
        "a1b2c3d4e5f6",
        summary["run_id"].as_str().unwrap(),
    ] {
        assert!(blocks.contains(shown), "{shown} in {blocks}");
    }
    assert!(
        run.stdout.contains("Outcome: proceeding (exit 0)"),
        "{}",
        run.stdout
    );
    assert_no_secret(&stage, &run);

    // The summary fits the committed schema, as the tool's own validator reads it.
    let schema = release_testkit::fixtures::root().join("schemas/rollout.schema.json");
    let (checked, _) = Release::new()
        .args(["health", "check"])
        .arg(
            run.dir
                .join("artifacts/release/production-rollout-summary.json")
                .display()
                .to_string(),
        )
        .args(["--schema", &schema.display().to_string()])
        .run();
    assert_eq!(checked.code, 0, "{}\n{}", checked.stdout, checked.stderr);
}

#[test]
fn bad_release_rolls_back_web_before_api_and_leaves_the_database_to_its_owner() {
    let stage = Stage::start(
        Some(("web", Scenario::RolesBlocked)),
        Progress::succeeds_after(Duration::from_millis(100)),
    );
    let (run, dir) = stage
        .release()
        .args(["rollout", "--version", "1.4.0", "--commit", "a1b2c3d"])
        .run();
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        stage.acted(),
        [
            "ServiceInstanceDeployV2 svc-api",
            "ServiceInstanceDeployV2 svc-web",
            "DeploymentRollback dep-9c41e7a2",
            "DeploymentRollback dep-5e2b8d13",
        ],
        "web is rolled back before the API, each to where it was"
    );
    assert_eq!(
        std::fs::read_to_string(run.dir.join("migrations.txt")).unwrap(),
        "up\n",
        "the database is not touched without its owner's approval"
    );
    let summary = summary(&run, "rollout");
    assert_eq!(summary["outcome"], "rollback-incomplete");
    assert_eq!(summary["decision"]["decision"], "rollback");
    let rollback: Vec<(&str, &str)> = summary["rollback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rollback,
        [
            ("freeze", "done"),
            ("rollback-web", "done"),
            ("rollback-api", "done"),
            ("rollback-database", "skipped"),
            ("rerun-smoke", "done"),
        ]
    );
    let run_id = summary["run_id"].as_str().unwrap().to_owned();
    let finish = format!(
        "To finish: release --plan runbook.toml --env production rollback execute --resume {run_id} --db-owner-approved NAME"
    );
    assert!(run.stdout.contains(&finish), "{}", run.stdout);
    let texts: Vec<String> = stage
        .payloads()
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("rollback incomplete")),
        "{texts:?}"
    );

    // The owner approves: the rollback finishes where it stopped.
    let (finished, _) = stage
        .release()
        .args(["rollback", "execute", "--resume", &run_id])
        .args(["--db-owner-approved", "Dana Owner"])
        .run_in(dir.path());
    assert_eq!(finished.code, 0, "{}\n{}", finished.stdout, finished.stderr);
    assert_eq!(
        std::fs::read_to_string(run.dir.join("migrations.txt")).unwrap(),
        "up\ndown\n"
    );
    assert_eq!(stage.acted().len(), 4, "nothing is rolled back twice");
    let log = std::fs::read_to_string(run.dir.join("artifacts/release/release-log.jsonl")).unwrap();
    assert!(log.contains(r#""approved_by":"Dana Owner""#), "{log}");
    assert_no_secret(&stage, &run);
    assert_no_secret(&stage, &finished);

    // The environment stays frozen until someone lifts it.
    let (again, _) = stage.release().args(["rollout"]).run_in(dir.path());
    assert_eq!(again.code, 1);
    assert!(
        again
            .stdout
            .contains("production is frozen: frozen by ci-bot"),
        "{}",
        again.stdout
    );
    assert_eq!(
        stage.acted().len(),
        4,
        "a frozen environment is not deployed to"
    );
}

#[test]
fn a_deploy_killed_mid_flight_is_resumed_without_deploying_twice() {
    let stage = Stage::start(None, Progress::succeeds_after(Duration::from_secs(3)));
    let (mut child, dir) = stage
        .release()
        .args(["rollout", "--commit", "a1b2c3d"])
        .spawn();
    // Kill -9 once the API's deploy has been sent and is in progress.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while stage.acted().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no deploy within a minute"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let (resumed, _) = stage
        .release()
        .args(["rollout", "--resume", "last", "--commit", "a1b2c3d"])
        .run_in(dir.path());
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    assert_eq!(
        stage.acted(),
        [
            "ServiceInstanceDeployV2 svc-api",
            "ServiceInstanceDeployV2 svc-web"
        ],
        "one deploy per service"
    );
    assert!(
        resumed.stdout.contains("not deploying again"),
        "{}",
        resumed.stdout
    );
}

#[test]
fn a_second_rollout_exits_1_naming_the_first() {
    let stage = Stage::start(None, Progress::succeeds_after(Duration::from_secs(2)));
    let (child, dir) = stage.release().args(["rollout"]).spawn();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while stage.acted().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no deploy within a minute"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (second, _) = stage.release().args(["rollout"]).run_in(dir.path());
    assert_eq!(second.code, 1, "{}\n{}", second.stdout, second.stderr);
    let holder = format!("pid {}", child.id());
    assert!(second.stdout.contains(&holder), "{}", second.stdout);
    assert!(
        second.stdout.contains("another rollout or rollback"),
        "{}",
        second.stdout
    );
    let first = child.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    assert_eq!(
        stage.acted().len(),
        2,
        "the second rollout deployed nothing"
    );
}

#[test]
fn dry_run_shows_every_target_and_changes_nothing() {
    let stage = Stage::start(None, Progress::immediate());
    let (run, _dir) = stage
        .release()
        .args(["rollout", "--dry-run", "--commit", "a1b2c3d"])
        .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for shown in [
        "serviceInstanceDeployV2 of `api` at a1b2c3d",
        "live now: dep-5e2b8d13",
        "live now: dep-9c41e7a2",
        "Slack webhook from SLACK_WEBHOOK_URL (set)",
        "run sh -c echo up >> migrations.txt (database migrations)",
        "deploymentRollback(dep-9c41e7a2)",
    ] {
        assert!(run.stdout.contains(shown), "{shown}:\n{}", run.stdout);
    }
    assert!(stage.acted().is_empty());
    assert!(stage.payloads().is_empty());
    assert!(!run.dir.join("migrations.txt").exists());
    assert!(!run.dir.join("artifacts/release/release-log.jsonl").exists());
    assert_no_secret(&stage, &run);

    // A secret's value written into a command of the plan is not shown by the dry run.
    let leaky = plan().replace(
        r#"database_command = ["sh", "-c", "echo down >> migrations.txt"]"#,
        &format!(r#"database_command = ["sh", "-c", "echo down", "{TOKEN}"]"#),
    );
    assert_ne!(leaky, plan());
    let (dry, _dir) = stage
        .release()
        .file("runbook.toml", leaky)
        .args(["rollout", "--dry-run"])
        .run();
    assert_eq!(dry.code, 0, "{}\n{}", dry.stdout, dry.stderr);
    assert!(
        dry.stdout.contains("sh -c echo down [redacted]"),
        "{}",
        dry.stdout
    );
    assert_no_secret(&stage, &dry);
}

#[test]
fn a_failed_migration_rolls_back_the_api_and_leaves_the_database_to_its_owner() {
    let stage = Stage::start(None, Progress::immediate());
    let release = stage.release();
    let broken = plan().replace(
        r#"command = ["sh", "-c", "echo up >> migrations.txt"]"#,
        r#"command = ["sh", "-c", "echo 'relation already exists' >&2; exit 3"]"#,
    );
    let (run, _dir) = release.file("runbook.toml", broken).args(["rollout"]).run();
    // A migration that failed may have applied part of its changes: only the database's
    // owner can say whether to reverse them.
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        stage.acted(),
        [
            "ServiceInstanceDeployV2 svc-api",
            "DeploymentRollback dep-5e2b8d13"
        ],
        "web is never deployed, so only the API is rolled back"
    );
    let summary = summary(&run, "rollout");
    assert_eq!(summary["outcome"], "rollback-incomplete");
    assert_eq!(summary["steps"][2]["status"], "failed");
    assert_eq!(summary["steps"].as_array().unwrap().len(), 3);
    assert_eq!(summary["rollback"][2]["id"], "rollback-database");
    assert_eq!(summary["rollback"][2]["status"], "skipped");
    assert!(
        run.stdout.contains("step `migrate` failed: exited 3"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_deploy_mutation_answered_500_is_not_repeated_and_is_rolled_back() {
    let stage = Stage::start(None, Progress::immediate());
    stage.runtime.block_on(stage.platform().inject(
        "ServiceInstanceDeployV2",
        RailwayFault::status(500).after_acting(),
    ));
    let (run, _dir) = stage.release().args(["rollout"]).run();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let deploys: Vec<_> = stage
        .runtime
        .block_on(stage.platform().mutations())
        .into_iter()
        .filter(|m| m.operation == "ServiceInstanceDeployV2")
        .collect();
    assert_eq!(deploys.len(), 1, "a 500 on a mutation is never sent again");
    assert!(
        run.stdout.contains("Railway may have acted on it"),
        "{}",
        run.stdout
    );
    let summary = summary(&run, "rollout");
    assert_eq!(summary["outcome"], "rolled-back");
    // The deployment Railway made despite the 500 is found and settled before the rollback.
    assert_eq!(
        summary["steps"][1]["deployment_id"], "dep-api-1",
        "{summary}"
    );
    assert!(
        summary["steps"][1]["summary"]
            .as_str()
            .unwrap()
            .contains("Railway made deployment dep-api-1 all the same (now SUCCESS)"),
        "{summary}"
    );
    assert_eq!(
        stage.acted().last().map(String::as_str),
        Some("DeploymentRollback dep-5e2b8d13")
    );
}

#[test]
fn a_deployment_stuck_building_fails_at_the_timeout_and_says_where_it_stuck() {
    let stage = Stage::start(None, Progress::stuck_in("BUILDING"));
    let stuck = plan().replace(r#"timeout = "20s", poll"#, r#"timeout = "300ms", poll"#);
    let (run, _dir) = stage
        .release()
        .file("runbook.toml", stuck)
        .args(["rollout"])
        .run();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let summary = summary(&run, "rollout");
    let deploy = &summary["steps"][1];
    assert_eq!(deploy["status"], "failed");
    assert!(
        deploy["summary"]
            .as_str()
            .unwrap()
            .contains("was still BUILDING after 300ms"),
        "{deploy}"
    );
    assert_eq!(
        deploy["statuses"].as_array().unwrap().last().unwrap(),
        "BUILDING"
    );
}

#[test]
fn an_announcement_slack_refuses_warns_and_a_required_one_blocks_before_any_change() {
    let stage = Stage::start(None, Progress::immediate());
    stage.runtime.block_on(stage.slack.reply_next(
        1,
        SlackReply::RateLimited {
            retry_after_secs: 1,
        },
    ));
    stage
        .runtime
        .block_on(stage.slack.reply_next(1, SlackReply::no_service()));
    let (run, _dir) = stage.release().args(["rollout", "--dry-run"]).run();
    assert_eq!(run.code, 0);
    assert!(stage.payloads().is_empty(), "a dry run never posts");

    let required = plan().replace(
        "id = \"announce-start\"\nkind = \"announce\"",
        "id = \"announce-start\"\nkind = \"announce\"\nrequired = true",
    );
    assert_ne!(required, plan());
    let (blocked, _) = stage
        .release()
        .file("runbook.toml", required)
        .args(["rollout"])
        .run();
    assert_eq!(blocked.code, 1, "{}\n{}", blocked.stdout, blocked.stderr);
    assert!(
        blocked.stdout.contains("HTTP 404: no_service"),
        "{}",
        blocked.stdout
    );
    assert!(
        blocked.stdout.contains("nothing was changed"),
        "{}",
        blocked.stdout
    );
    assert!(stage.acted().is_empty());
    assert_no_secret(&stage, &blocked);

    // Optional (the default): a refused announcement warns and the rollout goes on.
    stage
        .runtime
        .block_on(stage.slack.reply_next(1, SlackReply::channel_is_archived()));
    let (warned, _warned_dir) = stage.release().args(["rollout"]).run();
    assert_eq!(warned.code, 0, "{}\n{}", warned.stdout, warned.stderr);
    let summary = summary(&warned, "rollout");
    assert_eq!(summary["steps"][0]["status"], "warned");
    assert!(
        summary["steps"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("HTTP 410: channel_is_archived"),
        "{summary}"
    );
    assert_no_secret(&stage, &warned);
}

#[test]
fn status_shows_the_lock_the_freeze_and_the_last_rollout() {
    let stage = Stage::start(None, Progress::immediate());
    let (run, dir) = stage.release().args(["rollout"]).run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let (frozen, _) = stage
        .release()
        .args(["freeze", "--reason", "incident 42"])
        .run_in(dir.path());
    assert_eq!(frozen.code, 0);
    let (status, _) = stage
        .release()
        .args(["rollout", "status"])
        .run_in(dir.path());
    assert_eq!(status.code, 0, "{}", status.stderr);
    for shown in [
        "lock: free",
        "frozen by ci-bot",
        "incident 42",
        "(proceeding)",
        "deploy-web (deploy): done",
    ] {
        assert!(status.stdout.contains(shown), "{shown}:\n{}", status.stdout);
    }
}

#[test]
fn a_rollout_naming_an_unknown_service_or_phase_is_refused_at_load_with_its_position() {
    let stage = Stage::start(None, Progress::immediate());
    let broken = plan().replace(
        "service = \"web\"\n\n[[rollout.steps]]\nid = \"verify\"\nkind = \"gates\"\nphases = [\"smoke\", \"launch\"]",
        "service = \"wbe\"\n\n[[rollout.steps]]\nid = \"verify\"\nkind = \"gates\"\nphases = [\"smoke\", \"lunch\"]",
    );
    assert_ne!(broken, plan());
    let (run, _dir) = stage
        .release()
        .file("runbook.toml", broken)
        .args(["rollout"])
        .run();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("deploys `wbe`, which the plan does not know"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("names phase `lunch`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("runbook.toml:"),
        "positions: {}",
        run.stderr
    );
    assert!(stage.acted().is_empty());
}

#[test]
fn every_format_reports_the_rollout_and_none_shows_a_secret() {
    let stage = Stage::start(Some(("web", Scenario::RolesBlocked)), Progress::immediate());
    let (json, dir) = stage
        .release()
        .args(["rollout", "--format", "json", "--commit", "a1b2c3d"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "step-summary.md")
        .run();
    assert_eq!(json.code, 4, "{}\n{}", json.stdout, json.stderr);
    let document: serde_json::Value =
        serde_json::from_str(&json.stdout).expect("one JSON document on stdout");
    assert_eq!(document["kind"], "rollout");
    // Annotations go to stderr when stdout carries JSON.
    assert!(
        json.stderr.contains("::error title=rollout verify::"),
        "{}",
        json.stderr
    );
    let step_summary = std::fs::read_to_string(dir.path().join("step-summary.md")).unwrap();
    assert!(
        step_summary.contains("## Release rollout: acme → production"),
        "{step_summary}"
    );
    assert!(
        step_summary.contains("| rollback-web | rollback | done |"),
        "{step_summary}"
    );
    assert_no_secret(&stage, &json);
    assert!(!step_summary.contains(TOKEN) && !step_summary.contains(SlackMock::SECRET));

    // A second rollout is refused while frozen; its reports still come out in each format.
    for format in ["junit", "markdown", "human"] {
        let (run, _) = stage
            .release()
            .args(["rollout", "--format", format])
            .run_in(dir.path());
        assert_eq!(run.code, 1, "{format}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("frozen"), "{format}: {}", run.stdout);
        assert_no_secret(&stage, &run);
    }
    let (junit, _) = stage
        .release()
        .args([
            "rollback",
            "execute",
            "--format",
            "junit",
            "--db-owner-approved",
            "Dana",
        ])
        .run_in(dir.path());
    assert_eq!(junit.code, 0, "{}\n{}", junit.stdout, junit.stderr);
    assert!(junit.stdout.starts_with("<?xml"), "{}", junit.stdout);
    assert!(
        junit
            .stdout
            .contains(r#"testsuite name="release.rollback.production""#),
        "{}",
        junit.stdout
    );
    assert_no_secret(&stage, &junit);
}

/// Waits until `done` holds, polling; fails the test after a minute.
pub(crate) fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} within a minute"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub(crate) fn kill_9(child: &mut std::process::Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn an_interrupted_deploy_whose_answer_never_came_is_found_at_the_platform() {
    let stage = Stage::start(None, Progress::succeeds_after(Duration::from_millis(200)));
    // Railway takes the deploy, and the answer never comes back: the journal cannot know
    // the deployment's id.
    stage.runtime.block_on(stage.platform().inject(
        "ServiceInstanceDeployV2",
        RailwayFault::hang().after_acting(),
    ));
    let (mut child, dir) = stage
        .release()
        .args(["rollout", "--commit", "a1b2c3d"])
        .spawn();
    wait_until("the deploy reaching Railway", || !stage.acted().is_empty());
    kill_9(&mut child);

    let (resumed, _) = stage
        .release()
        .args(["rollout", "--resume", "last", "--commit", "a1b2c3d"])
        .run_in(dir.path());
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    assert_eq!(
        stage.acted(),
        [
            "ServiceInstanceDeployV2 svc-api",
            "ServiceInstanceDeployV2 svc-web"
        ],
        "the deployment the killed run made is found, not made again"
    );
    assert!(
        resumed
            .stdout
            .contains("found deployment dep-api-1, made by the interrupted run"),
        "{}",
        resumed.stdout
    );
}

#[test]
fn kill_9_at_any_step_then_resume_finishes_with_one_deploy_per_service() {
    for step in ["deploy-api", "migrate", "deploy-web", "verify"] {
        let stage = Stage::start(None, Progress::succeeds_after(Duration::from_millis(500)));
        let slow = plan().replace(
            r#"command = ["sh", "-c", "echo up >> migrations.txt"]"#,
            r#"command = ["sh", "-c", "echo up >> migrations.txt; sleep 1"]"#,
        );
        let (mut child, dir) = stage
            .release()
            .file("runbook.toml", slow.clone())
            .args(["rollout"])
            .spawn();
        let log = dir.path().join("artifacts/release/release-log.jsonl");
        let started = format!(r#""step_id":"{step}","step_kind""#);
        wait_until(&format!("{step} starting"), || {
            std::fs::read_to_string(&log).is_ok_and(|text| text.contains(&started))
        });
        kill_9(&mut child);

        let (resumed, _) = stage
            .release()
            .file("runbook.toml", slow)
            .args(["rollout", "--resume", "last"])
            .run_in(dir.path());
        assert_eq!(
            resumed.code, 0,
            "{step}: {}\n{}",
            resumed.stdout, resumed.stderr
        );
        assert_eq!(
            stage.acted(),
            [
                "ServiceInstanceDeployV2 svc-api",
                "ServiceInstanceDeployV2 svc-web"
            ],
            "{step}: one deploy per service"
        );
        let summary = summary_in(dir.path(), "rollout");
        assert_eq!(summary["resumed"], true, "{step}");
        assert_eq!(summary["outcome"], "proceeding", "{step}");
    }
}

#[test]
fn a_deployment_railway_cannot_roll_back_to_is_redeployed() {
    let stage = Stage::start(Some(("web", Scenario::RolesBlocked)), Progress::immediate());
    stage
        .runtime
        .block_on(stage.platform().set_can_rollback("dep-9c41e7a2", false));
    let (run, _dir) = stage.release().args(["rollout"]).run();
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    let acted = stage.acted();
    assert_eq!(acted[2], "DeploymentRedeploy dep-9c41e7a2", "{acted:?}");
    assert_eq!(acted[3], "DeploymentRollback dep-5e2b8d13", "{acted:?}");
    assert!(
        run.stdout.contains("`web` redeployed from dep-9c41e7a2 as"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_rollback_with_no_known_target_is_left_to_a_human() {
    let stage = Stage::start(None, Progress::immediate());
    let (run, _dir) = stage.release().args(["rollback", "execute"]).run();
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("no previous stable deployment of `web` is known; roll it back by hand"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("To finish: release"), "{}", run.stdout);
    assert!(stage.acted().is_empty(), "nothing is guessed");
}

#[test]
fn on_rollback_plan_prints_the_plan_and_changes_nothing_back() {
    let stage = Stage::start(Some(("web", Scenario::RolesBlocked)), Progress::immediate());
    let by_hand = plan().replace(r#"on_rollback = "auto""#, r#"on_rollback = "plan""#);
    assert_ne!(by_hand, plan());
    let (run, dir) = stage
        .release()
        .file("runbook.toml", by_hand.clone())
        .args(["rollout"])
        .run();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(stage.acted().len(), 2, "deploys only: {:?}", stage.acted());
    for shown in [
        "· rollback-web",
        "deploymentRollback(dep-9c41e7a2)",
        "· rollback-api",
        "To finish: release --plan runbook.toml --env production rollback execute",
    ] {
        assert!(run.stdout.contains(shown), "{shown}:\n{}", run.stdout);
    }
    assert_eq!(summary(&run, "rollout")["outcome"], "failed");

    // The plan's dry run, then the rollback it describes, carried out.
    let (dry, _) = stage
        .release()
        .file("runbook.toml", by_hand.clone())
        .args(["rollback", "execute", "--dry-run"])
        .run_in(dir.path());
    assert_eq!(dry.code, 0, "{}\n{}", dry.stdout, dry.stderr);
    assert!(
        dry.stdout.contains("deploymentRollback(dep-9c41e7a2)"),
        "{}",
        dry.stdout
    );
    assert_eq!(stage.acted().len(), 2, "a dry run changes nothing");
    let (done, _) = stage
        .release()
        .file("runbook.toml", by_hand)
        .args(["rollback", "execute", "--db-owner-approved", "Dana"])
        .run_in(dir.path());
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert_eq!(
        &stage.acted()[2..],
        [
            "DeploymentRollback dep-9c41e7a2",
            "DeploymentRollback dep-5e2b8d13"
        ]
    );
}

#[test]
fn a_rollout_killed_in_its_rollback_resumes_the_rollback_never_forward() {
    let stage = Stage::start(Some(("web", Scenario::RolesBlocked)), Progress::immediate());
    // The rollback's first mutation takes long: the run is killed in it.
    stage.runtime.block_on(stage.platform().inject(
        "DeploymentRollback",
        RailwayFault::delay(Duration::from_secs(30)),
    ));
    let (mut child, dir) = stage
        .release()
        .args(["rollout", "--commit", "a1b2c3d"])
        .spawn();
    wait_until("the rollback's first mutation", || {
        stage
            .runtime
            .block_on(stage.platform().mutations())
            .iter()
            .any(|m| m.operation == "DeploymentRollback")
    });
    kill_9(&mut child);

    // The freeze the rollback recorded holds; lifting it must not let the resume go forward.
    let (unfrozen, _) = stage.release().args(["unfreeze"]).run_in(dir.path());
    assert_eq!(unfrozen.code, 0, "{}", unfrozen.stderr);
    let (resumed, _) = stage
        .release()
        .args(["rollout", "--resume", "last"])
        .run_in(dir.path());
    assert_eq!(resumed.code, 4, "{}\n{}", resumed.stdout, resumed.stderr);
    assert!(
        resumed.stdout.contains("resumed the rollback of rollout"),
        "{}",
        resumed.stdout
    );
    assert!(!resumed.stdout.contains("proceeding"), "{}", resumed.stdout);
    let deploys = stage
        .acted()
        .iter()
        .filter(|m| m.starts_with("ServiceInstanceDeployV2"))
        .count();
    assert_eq!(deploys, 2, "nothing is deployed again: {:?}", stage.acted());
    let acted = stage.acted();
    assert_eq!(
        acted.last().map(String::as_str),
        Some("DeploymentRollback dep-5e2b8d13"),
        "{acted:?}"
    );
}

#[test]
fn a_resume_keeps_the_release_it_started_with() {
    let stage = Stage::start(None, Progress::succeeds_after(Duration::from_secs(2)));
    let (mut child, dir) = stage
        .release()
        .args(["rollout", "--version", "1.4.0", "--commit", "a1b2c3d"])
        .spawn();
    wait_until("the first deploy", || !stage.acted().is_empty());
    kill_9(&mut child);

    let (other, _) = stage
        .release()
        .args(["rollout", "--resume", "last", "--commit", "ffff000"])
        .run_in(dir.path());
    assert_eq!(other.code, 2, "{}\n{}", other.stdout, other.stderr);
    assert!(
        other.stderr.contains("released commit `a1b2c3d`"),
        "{}",
        other.stderr
    );

    let (resumed, _) = stage
        .release()
        .args(["rollout", "--resume", "last"])
        .run_in(dir.path());
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    let deploys = stage.runtime.block_on(stage.platform().mutations());
    assert!(
        deploys
            .iter()
            .filter(|m| m.acted)
            .all(|m| m.variables["commitSha"] == "a1b2c3d"),
        "web is deployed at the commit the rollout started with"
    );
    assert!(
        resumed.stdout.contains("Rollout of acme 1.4.0 (a1b2c3d)"),
        "{}",
        resumed.stdout
    );
}

#[test]
fn a_failed_migration_approved_later_rolls_the_database_back_and_smoke_runs_after_it() {
    let stage = Stage::start(None, Progress::immediate());
    let broken = plan().replace(
        r#"command = ["sh", "-c", "echo up >> migrations.txt"]"#,
        r#"command = ["sh", "-c", "echo up >> migrations.txt; exit 3"]"#,
    );
    let (run, dir) = stage
        .release()
        .file("runbook.toml", broken)
        .args(["rollout"])
        .run();
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    let run_id = summary(&run, "rollout")["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (finished, _) = stage
        .release()
        .args(["rollback", "execute", "--resume", &run_id])
        .args(["--db-owner-approved", "Dana Owner"])
        .run_in(dir.path());
    assert_eq!(finished.code, 0, "{}\n{}", finished.stdout, finished.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("migrations.txt")).unwrap(),
        "up\ndown\n",
        "the failed migration's changes are reversed once approved"
    );
    let rollback = &summary_in(dir.path(), "rollback")["rollback"];
    let smoke = rollback
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "rerun-smoke")
        .unwrap();
    assert!(
        smoke.get("resumed").is_none(),
        "smoke runs again after the database: {smoke}"
    );
}

#[test]
fn ctrl_c_in_a_deploy_rolls_nothing_back_and_resume_carries_on() {
    let stage = Stage::start(None, Progress::succeeds_after(Duration::from_secs(3)));
    let (child, dir) = stage.release().args(["rollout"]).spawn();
    wait_until("the first deploy", || !stage.acted().is_empty());
    let (output, _) = crate::support::interrupt(child);
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--resume"), "{stderr}");
    assert_eq!(stage.acted().len(), 1, "no rollback: {:?}", stage.acted());

    let (resumed, _) = stage
        .release()
        .args(["rollout", "--resume", "last"])
        .run_in(dir.path());
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    assert_eq!(
        stage.acted(),
        [
            "ServiceInstanceDeployV2 svc-api",
            "ServiceInstanceDeployV2 svc-web"
        ]
    );
}

#[test]
fn a_rollback_killed_while_its_redeploy_goes_live_is_not_redeployed_twice() {
    let stage = Stage::start(
        Some(("web", Scenario::RolesBlocked)),
        Progress::succeeds_after(Duration::from_millis(1500)),
    );
    stage
        .runtime
        .block_on(stage.platform().set_can_rollback("dep-9c41e7a2", false));
    let (mut child, dir) = stage.release().args(["rollout"]).spawn();
    wait_until("the web redeploy", || {
        stage
            .acted()
            .iter()
            .any(|m| m.starts_with("DeploymentRedeploy"))
    });
    // Once Railway's answer is journalled (the redeploy's new deployment), kill.
    let log = dir.path().join("artifacts/release/release-log.jsonl");
    wait_until("the redeploy's journal record", || {
        std::fs::read_to_string(&log).is_ok_and(|text| {
            text.lines().any(|line| {
                line.contains(r#""step_id":"rollback-web""#)
                    && line.contains(r#""summary":"deployment created""#)
            })
        })
    });
    kill_9(&mut child);

    let (resumed, _) = stage
        .release()
        .args(["rollout", "--resume", "last"])
        .run_in(dir.path());
    assert_eq!(resumed.code, 4, "{}\n{}", resumed.stdout, resumed.stderr);
    let redeploys = stage
        .acted()
        .iter()
        .filter(|m| m.starts_with("DeploymentRedeploy"))
        .count();
    assert_eq!(redeploys, 1, "{:?}", stage.acted());
    assert!(
        resumed
            .stdout
            .contains("`web` redeployed from dep-9c41e7a2 as"),
        "{}",
        resumed.stdout
    );
}

#[test]
fn a_rollout_without_its_lock_refuses_to_start_and_exits_2_naming_the_store() {
    let stage = Stage::start(None, Progress::succeeds_after(Duration::from_millis(10)));
    let password = "canaryLOCKPW3e5g7i9k";
    let (run, dir) = stage
        .release()
        .args(["rollout"])
        .env(
            "RELEASE_LOG_URL",
            format!("postgres://release:{password}@127.0.0.1:1/release"),
        )
        .run();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("the environment's lock could not be taken: failed to "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("release store postgres://release@127.0.0.1:1/release"),
        "{}",
        run.stdout
    );
    assert!(
        stage.acted().is_empty(),
        "nothing deployed: {:?}",
        stage.acted()
    );
    assert!(stage.payloads().is_empty(), "nothing announced");
    let summary = summary_in(dir.path(), "rollout");
    assert_eq!(summary["outcome"], "blocked");
    assert_eq!(summary["exit_code"], 2);
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(password), "{text}");
    }
    assert!(
        !std::fs::read_to_string(
            dir.path()
                .join("artifacts/release/production-rollout-summary.json")
        )
        .unwrap()
        .contains(password)
    );
}
