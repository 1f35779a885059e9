//! Benchmarks (issue 14) of `release rollout`, through the library as the CLI runs it, against
//! the test kit's Railway platform and Slack mocks and a Prometheus stand-in on loopback:
//!
//! 1. **Trigger to rollback.** A launch gate soaks an error-rate query for 10 samples 1 s
//!    apart; the metric answers 0.1% for three samples, then 50%. The `threshold` trigger
//!    fires at the fourth sample, the run stops, and the rollout rolls back. Measured: from the
//!    moment Prometheus answered the deciding sample to the moment the first
//!    `DeploymentRollback` mutation reached the platform mock (target: at most 1 s).
//! 2. **Overhead.** A 6-step rollout (announce, deploy api, a command, deploy web, a command,
//!    smoke) whose deploys are live at once and whose gates answer at once, so nothing waits:
//!    its wall time is the rollout's own overhead, process spawns and loopback round trips
//!    included (target: at most 100 ms).
//!
//! Run it with `cargo bench -p release-core --bench rollout`.

use std::error::Error;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use release_core::rollout::{RolloutRequest, rollout};
use release_core::run::RunRequest;
use release_core::{Plan, Vars};
use release_testkit::{Progress, RailwayPlatformMock, SlackMock};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const RUNS: usize = 5;

/// The error ratio: low for the first `healthy` samples, then over the trigger's level; each
/// answer's time is kept.
struct ErrorRatio {
    healthy: usize,
    answered: Arc<Mutex<Vec<Instant>>>,
}

impl Respond for ErrorRatio {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut answered = self
            .answered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let value = if answered.len() < self.healthy {
            "0.001"
        } else {
            "0.5"
        };
        answered.push(Instant::now());
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "success",
            "data": { "resultType": "vector", "result": [
                { "metric": {}, "value": [1_764_849_600.0, value] }
            ] }
        }))
    }
}

fn plan(dir: &std::path::Path, steps: &str, soak: bool) -> Result<Plan> {
    let launch = match soak {
        true => {
            "\n[[gates]]\nid = \"api-5xx-rate\"\nkind = \"prometheus\"\nphases = [\"launch\"]\n\
             query = \"error_ratio\"\nwarn_above = 0.005\nfail_above = 0.02\n\
             sustain = { interval = \"1s\", count = 10 }\n\n\
             [[rollback.triggers]]\nid = \"api-error-rate\"\nkind = \"threshold\"\ngate = \"api-5xx-rate\"\n\
             fire_above = 0.02\nsamples = 1\n"
        }
        false => {
            "\n[[rollback.triggers]]\nid = \"smoke-failed\"\nkind = \"verdict\"\ngates = [\"smoke\"]\n"
        }
    };
    let body = format!(
        "[release]\nname = \"bench\"\nlog = {log:?}\nartifacts_dir = {dir:?}\n\n\
         [environments.production]\n\n\
         [[gates]]\nid = \"api-health\"\nkind = \"http\"\nphases = [\"smoke\", \"launch\"]\nurl = \"{{api_url}}/health\"\n\
         {launch}\n\
         [rollout]\ndeploy = {{ platform = \"railway\", timeout = \"30s\", poll = \"5ms\" }}\n{steps}",
        log = dir.join("release-log.jsonl").display().to_string(),
        dir = dir.display().to_string(),
    );
    Ok(Plan::parse(dir.join("release.toml"), &body)?)
}

struct Stage {
    server: tokio::runtime::Runtime,
    platform: RailwayPlatformMock,
    slack: SlackMock,
    app: MockServer,
}

fn stage(healthy_samples: usize) -> Result<(Stage, Arc<Mutex<Vec<Instant>>>)> {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let answered = Arc::new(Mutex::new(Vec::new()));
    let (platform, slack, app) = server.block_on(async {
        let platform = RailwayPlatformMock::builder()
            .environment("production")
            .deploys("api", Progress::immediate())
            .deploys("web", Progress::immediate())
            .start()
            .await;
        let app = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/health"))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&app)
            .await;
        // Prometheus queries may come as GET or POST.
        Mock::given(path("/api/v1/query"))
            .respond_with(ErrorRatio {
                healthy: healthy_samples,
                answered: answered.clone(),
            })
            .mount(&app)
            .await;
        (platform, SlackMock::start().await, app)
    });
    Ok((
        Stage {
            server,
            platform,
            slack,
            app,
        },
        answered,
    ))
}

fn request<'p>(plan: &'p Plan, stage: &Stage) -> RolloutRequest<'p> {
    let vars = Vars::from_pairs([
        ("RAILWAY_TOKEN", "bench-project-token".to_owned()),
        ("RAILWAY_API_URL", stage.platform.url()),
        ("SLACK_WEBHOOK_URL", stage.slack.url()),
        ("RELEASE_API_URL", stage.app.uri()),
    ]);
    let overrides = release_core::plan::UrlOverrides {
        api_url: Some(stage.app.uri()),
        prometheus_url: Some(stage.app.uri()),
        ..Default::default()
    };
    RolloutRequest::new(
        RunRequest::new(plan)
            .vars(vars)
            .overrides(overrides)
            .environment("production"),
    )
}

fn trigger_to_rollback() -> Result<()> {
    let steps = "[[rollout.steps]]\nid = \"deploy-api\"\nkind = \"deploy\"\nservice = \"api\"\n\n\
                 [[rollout.steps]]\nid = \"deploy-web\"\nkind = \"deploy\"\nservice = \"web\"\n\n\
                 [[rollout.steps]]\nid = \"verify\"\nkind = \"gates\"\nphases = [\"smoke\", \"launch\"]\n";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut gaps = Vec::new();
    println!(
        "1. trigger to rollback: run | deciding sample | rollback mutation after it | samples taken | outcome"
    );
    for run in 1..=RUNS {
        let (stage, answered) = stage(3)?;
        let dir = tempfile::tempdir()?;
        let plan = plan(dir.path(), steps, true)?;
        let summary = rollout(&request(&plan, &stage), &runtime, &())?;
        let answered = answered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let Some(&deciding) = answered.get(3) else {
            return Err(format!(
                "no fourth sample: {}",
                release_core::rollout::render_rollout(&summary)
            )
            .into());
        };
        let mutations = stage.server.block_on(stage.platform.mutations());
        let rollback = mutations
            .iter()
            .find(|m| m.operation == "DeploymentRollback")
            .ok_or("no rollback mutation")?;
        let gap = rollback.at.saturating_duration_since(deciding);
        gaps.push(gap);
        println!(
            "{run} | sample 4 of 10 | {gap:?} | {} | {}",
            answered.len(),
            summary.outcome.as_str()
        );
    }
    gaps.sort();
    println!(
        "median: {:?} (max {:?})",
        gaps[gaps.len() / 2],
        gaps[gaps.len() - 1]
    );
    Ok(())
}

fn overhead() -> Result<()> {
    let steps = "[[rollout.steps]]\nid = \"announce\"\nkind = \"announce\"\n\n\
                 [[rollout.steps]]\nid = \"deploy-api\"\nkind = \"deploy\"\nservice = \"api\"\n\n\
                 [[rollout.steps]]\nid = \"migrate\"\nkind = \"command\"\ncommand = [\"true\"]\nmigrations = true\n\n\
                 [[rollout.steps]]\nid = \"deploy-web\"\nkind = \"deploy\"\nservice = \"web\"\n\n\
                 [[rollout.steps]]\nid = \"warm-cache\"\nkind = \"command\"\ncommand = [\"true\"]\n\n\
                 [[rollout.steps]]\nid = \"smoke\"\nkind = \"gates\"\nphases = [\"smoke\"]\n";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (stage, _) = stage(0)?;
    let mut times = Vec::new();
    println!(
        "\n2. overhead of a 6-step rollout with nothing to wait for: run | wall time | outcome"
    );
    for run in 0..=RUNS * 2 {
        let dir = tempfile::tempdir()?;
        let plan = plan(dir.path(), steps, false)?;
        let started = Instant::now();
        let summary = rollout(&request(&plan, &stage), &runtime, &())?;
        let took = started.elapsed();
        if run == 0 {
            continue; // warm-up
        }
        times.push(took);
        let steps: Vec<String> = summary
            .steps
            .iter()
            .map(|s| format!("{} {}ms", s.id, s.duration_ms))
            .collect();
        println!(
            "{run} | {took:?} | {} | {}",
            summary.outcome.as_str(),
            steps.join(", ")
        );
    }
    times.sort();
    println!(
        "median: {:?} (min {:?}, max {:?})",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    Ok(())
}

fn main() -> Result<()> {
    trigger_to_rollback()?;
    overhead()
}
