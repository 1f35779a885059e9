//! Benchmark (issue 14): time to verdict after a decisive failure. A required HTTP gate fails
//! at t = 0 (500, no retries) beside 10 soak windows of 10 x 1 s, run through the library as
//! `release smoke` runs them. Reports, per run, the time from the decision (the failing gate's
//! result, `stopped_early.at_ms`) to the summary being ready, and the whole run; the target is
//! at most 0.1 s after the failure. One run without fail-fast is shown for comparison.
//!
//! Run it with `cargo bench -p release-core --bench fail_fast`.

use std::error::Error;
use std::time::{Duration, Instant};

use release_core::Plan;
use release_core::run::RunRequest;
use release_core::runbook::{self, SMOKE};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RUNS: usize = 5;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn plan(dir: &std::path::Path, api_url: &str) -> Result<Plan> {
    let mut body = format!(
        "[release]\nlog = {log:?}\nartifacts_dir = {dir:?}\n\n[environments.staging]\napi_url = \"{api_url}\"\n\n\
         [[gates]]\nid = \"api-health\"\nkind = \"http\"\nphases = [\"smoke\"]\nurl = \"{{api_url}}/down\"\nretries = 0\n",
        log = dir.join("release-log.jsonl").display().to_string(),
        dir = dir.display().to_string(),
    );
    for i in 0..10 {
        body.push_str(&format!(
            "\n[[gates]]\nid = \"soak-{i}\"\nkind = \"http\"\nphases = [\"smoke\"]\nurl = \"{{api_url}}/soak\"\n\
             sustain = {{ interval = \"1s\", count = 10 }}\n"
        ));
    }
    Ok(Plan::parse(dir.join("release.toml"), &body)?)
}

fn soak_samples(server: &tokio::runtime::Runtime, mock: &MockServer) -> usize {
    server
        .block_on(mock.received_requests())
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/soak")
        .count()
}

fn main() -> Result<()> {
    // The mock serves from a runtime of its own, as a real API would.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mock = server.block_on(async {
        let mock = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/down"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&mock)
            .await;
        Mock::given(method("GET"))
            .and(path("/soak"))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&mock)
            .await;
        mock
    });
    let dir = tempfile::tempdir()?;
    let plan = plan(dir.path(), &mock.uri())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    let mut after = Vec::new();
    println!("run | decided at | summary ready at | after the failure | soak samples taken");
    for run in 0..=RUNS {
        let before = soak_samples(&server, &mock);
        let started = Instant::now();
        let summary = runbook::run_phase(&RunRequest::new(&plan), SMOKE, &runtime, &())?;
        let whole = started.elapsed();
        let Some(stopped) = &summary.stopped_early else {
            return Err("the run did not stop early".into());
        };
        let decided = Duration::from_millis(stopped.at_ms);
        let samples = soak_samples(&server, &mock) - before;
        if run == 0 {
            continue; // warm-up
        }
        let gap = whole.saturating_sub(decided);
        after.push(gap);
        println!("{run} | {decided:?} | {whole:?} | {gap:?} | {samples} of 100");
    }
    after.sort();
    println!("median after the failure: {:?}", after[after.len() / 2]);

    let started = Instant::now();
    let summary = runbook::run_phase(
        &RunRequest::new(&plan).fail_fast(false),
        SMOKE,
        &runtime,
        &(),
    )?;
    println!(
        "--no-fail-fast for comparison: {:?} (outcome {})",
        started.elapsed(),
        summary.outcome
    );
    Ok(())
}
