//! Benchmark (issue 6): a sustained window of 60 samples over 20 `prometheus` gates against
//! the test kit's Prometheus mock, with real 10 ms intervals. Reports the CPU time per sample
//! spent by the gates (the runner's thread only: the mock answers on threads of its own) and
//! the process's peak memory, with the memory before the run for comparison.
//!
//! Run it with `cargo bench -p release-core --bench sustained_window`.

use std::error::Error;
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use nix::time::{ClockId, clock_gettime};
use release_core::gates::prometheus::{PrometheusGate, PrometheusGateSpec};
use release_core::{Context, DynGate, GateInfo, Runner, SustainSpec, Sustained, Verdict};
use release_testkit::PrometheusMock;

const GATES: usize = 20;
const SAMPLES: u32 = 60;
const INTERVAL: Duration = Duration::from_millis(10);
const RUNS: usize = 5;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn thread_cpu() -> Result<Duration> {
    let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)?;
    Ok(Duration::new(
        u64::try_from(t.tv_sec())?,
        u32::try_from(t.tv_nsec())?,
    ))
}

fn peak_rss_mib() -> Result<f64> {
    Ok(getrusage(UsageWho::RUSAGE_SELF)?.max_rss() as f64 / 1024.0)
}

fn current_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() -> Result<()> {
    // The mock serves from a runtime of its own, so the gates' thread measures only the gates.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mock = server.block_on(PrometheusMock::start());
    let gates: Vec<Box<dyn DynGate>> = (0..GATES)
        .map(|i| {
            let query = format!("release:error_ratio{{gate=\"{i}\"}}");
            server.block_on(mock.respond(&query, PrometheusMock::vector(0.001)));
            let spec: PrometheusGateSpec = toml::from_str(&format!(
                "query = '{query}'\nurl = '{}'\nwarn_above = 0.01\nfail_above = 0.05",
                mock.url()
            ))?;
            let gate =
                PrometheusGate::new(GateInfo::new(format!("metric-{i}"), "prometheus"), spec)?;
            let window = SustainSpec::count(INTERVAL, SAMPLES);
            Ok(Box::new(Sustained::new(Box::new(gate), window)?) as Box<dyn DynGate>)
        })
        .collect::<Result<_>>()?;

    // The gates run as `release` runs them: on a current-thread runtime.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let cx = Context::builder("staging").build();
    let rss_before = current_rss_mib();
    let mut rows = Vec::new();
    for run in 0..=RUNS {
        let cpu = thread_cpu()?;
        let wall = Instant::now();
        let report = runtime.block_on(Runner::new().run(&gates, &cx));
        let (cpu, wall) = (thread_cpu()? - cpu, wall.elapsed());
        let samples: u32 = report.results.iter().map(|r| r.evaluation.attempts).sum();
        if report
            .results
            .iter()
            .any(|r| r.evaluation.verdict != Verdict::Pass)
            || samples != SAMPLES * GATES as u32
        {
            return Err(format!("run {run}: not every sample passed: {report:#?}").into());
        }
        if run > 0 {
            rows.push((cpu, wall, samples));
        }
    }
    rows.sort_by_key(|(cpu, ..)| *cpu);
    let (cpu, wall, samples) = rows[rows.len() / 2];
    let per_sample = cpu.as_secs_f64() * 1e6 / f64::from(samples);
    println!(
        "## sustained window: {GATES} gates × {SAMPLES} samples, {} ms apart\n",
        INTERVAL.as_millis()
    );
    println!("median of {RUNS} runs (after 1 warm-up); CPU of the gates' thread only\n");
    println!(
        "| samples | wall | CPU (gates' thread) | CPU / sample | CPU range / sample | RSS before | peak RSS (process, mock included) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let first = rows
        .first()
        .map_or(0.0, |r| r.0.as_secs_f64() * 1e6 / f64::from(r.2));
    let last = rows
        .last()
        .map_or(0.0, |r| r.0.as_secs_f64() * 1e6 / f64::from(r.2));
    println!(
        "| {samples} | {:.0} ms | {:.1} ms | {per_sample:.0} µs | {first:.0}–{last:.0} µs | {rss_before:.1} MiB | {:.1} MiB |",
        wall.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3,
        peak_rss_mib()?,
    );
    drop(mock);
    Ok(())
}
