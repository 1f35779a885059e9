//! Benchmark (issue 15): the whole `release launch-gate` process with the release log in a
//! file against the same run with the log in PostgreSQL (`RELEASE_LOG_URL`, a private durable
//! server on loopback: `release_testkit::PrivatePostgres`). Target: at most +20 ms.
//!
//! The plan is the runbook's with its soak windows cut to two samples 10 ms apart, against the
//! test kit's healthy environment, Prometheus and Alertmanager mocks, so the gates answer at
//! once and the difference is the store's: connecting, the schema check, the baseline read and
//! the append. Each configuration runs once to warm up (and to leave a baseline), then `RUNS`
//! times, alternating; the median wall time is reported.
//!
//! Run it with `cargo bench -p release-cli --bench log_store`.

use std::error::Error;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use release_core::Plan;
use release_core::plan::GateKindSpec;
use release_testkit::{
    AlertmanagerMock, MockEnvironment, PrivatePostgres, PrometheusMock, Scenario,
};

type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;

const RUNS: usize = 21;

fn main() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let runbook = std::fs::read_to_string(root.join("fixtures/plans/runbook.toml"))?;
    let plan_text = runbook
        .replace(
            r#"sustain = { interval = "1m", count = 10,"#,
            r#"sustain = { interval = "10ms", count = 2,"#,
        )
        .replace("failure_limit = 1,", "failure_limit = 0,");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (env, prometheus, alertmanager) = runtime.block_on(async {
        let env = MockEnvironment::start(Scenario::Healthy).await;
        let prometheus = PrometheusMock::start().await;
        let plan = Plan::parse("runbook.toml", &plan_text)?;
        for gate in &plan.gates {
            if let GateKindSpec::Prometheus(spec) = &gate.spec {
                prometheus
                    .respond(&spec.query, PrometheusMock::vector(0.001))
                    .await;
            }
        }
        let alertmanager = AlertmanagerMock::start().await;
        alertmanager.set_alerts(serde_json::json!([])).await;
        Ok::<_, Box<dyn Error>>((env, prometheus, alertmanager))
    })?;
    let database = PrivatePostgres::builder().durable().start()?;
    let file_dir = tempfile::tempdir()?;
    let pg_dir = tempfile::tempdir()?;
    for dir in [&file_dir, &pg_dir] {
        std::fs::write(dir.path().join("runbook.toml"), &plan_text)?;
    }
    let run = |dir: &Path, log_url: Option<&str>| -> Result<Duration> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_release"));
        command
            .current_dir(dir)
            .args([
                "--plan",
                "runbook.toml",
                "--env",
                "production",
                "launch-gate",
            ])
            .env("RELEASE_API_URL", env.api_url())
            .env("RELEASE_WEB_URL", env.web_url())
            .env("RELEASE_PROMETHEUS_URL", prometheus.url())
            .env("RELEASE_ALERTMANAGER_URL", alertmanager.url())
            .env("RELEASE_ADMIN_TOKEN", env.admin_token())
            .env_remove("RELEASE_LOG_URL");
        if let Some(url) = log_url {
            command.env("RELEASE_LOG_URL", url);
        }
        let started = Instant::now();
        let out = command.output()?;
        let took = started.elapsed();
        if out.status.code() != Some(0) {
            return Err(format!(
                "launch-gate exited {:?}: {}{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(took)
    };
    let url = database.url();
    run(file_dir.path(), None)?;
    run(pg_dir.path(), Some(&url))?;
    let (mut file, mut pg) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        file.push(run(file_dir.path(), None)?);
        pg.push(run(pg_dir.path(), Some(&url))?);
    }
    let records = database.psql("SELECT count(*) FROM release_records");
    let (file_ms, pg_ms) = (median(&mut file), median(&mut pg));
    println!("| log | median wall time of `release launch-gate` ({RUNS} runs) |");
    println!("|---|---|");
    println!("| file | {file_ms:.1} ms |");
    println!("| PostgreSQL (loopback, durable, {records} records) | {pg_ms:.1} ms |");
    println!(
        "| difference | {:+.1} ms (target: at most +20 ms) |",
        pg_ms - file_ms
    );
    Ok(())
}

fn median(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}
