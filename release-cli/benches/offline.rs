//! Benchmark: two offline commands as whole processes, over large generated inputs.
//!
//! - `release --plan PLAN rollback evaluate --from SUMMARY --format json` over a summary of
//!   10,000 gate results (every tenth a `prometheus` gate with a 10-sample sustain window),
//!   once with a plan that declares all 10,000 gates (so the `verdict` and `missing-data`
//!   triggers over the `launch` phase judge every one of them) and once with a plan that
//!   declares only the few gates its triggers name, which tells plan loading and per-gate
//!   judging from reading the summary;
//! - `release health check FILE --format json` over a ~10 MiB health report, valid, and the
//!   same report with every 100th check broken (`status = "degraded"`).
//!
//! Run it with `cargo bench -p release-cli --bench offline` (`-- --runs N` for other than 5
//! measured runs); it prints a Markdown table. Every run is checked: the exit code (0, 1 or 3
//! for `rollback evaluate`, 0 for the valid report and 1 for the broken one) and JSON on
//! stdout, or the bench fails.
//!
//! The binary plays three roles, chosen by its first argument:
//! - (none, or cargo's `--bench`): the benchmark itself;
//! - `--measure PROGRAM ARGS..`: runs one command and prints its wall time and rusage as one
//!   JSON line (as in `launch_gate.rs`: a fresh process per run, because `RUSAGE_CHILDREN`
//!   accumulates over every waited child and keeps the *max* RSS);
//! - `--generate DIR [GATES]`: writes the inputs to `DIR` (plans, summary, seeded release log,
//!   health reports; 10,000 gates unless `GATES` says otherwise) and prints the commands, so
//!   `release` can be profiled (`perf record`) or timed at other sizes by hand.

use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;

#[path = "support/measure.rs"]
mod measure;

/// Gate results in the generated summary (and gates in the large plan).
const GATES: usize = 10_000;
/// Every this many gates, one is a `prometheus` gate with a sustain window.
const PROMETHEUS_EVERY: usize = 10;
/// Samples in each sustain window.
const WINDOW_SAMPLES: usize = 10;
/// The health reports' target size.
const HEALTH_REPORT_BYTES: usize = 10 * 1024 * 1024;
/// In the broken health report, every this many checks is broken.
const BROKEN_EVERY: usize = 100;
/// Measured runs per command unless `--runs N` says otherwise (odd, so the median is one
/// run's figure); one more run before them warms the page cache and is discarded.
const RUNS: usize = 5;

const MEASURE: &str = "--measure";
const GENERATE: &str = "--generate";

/// When the generated run started; its soak windows take 10 minutes.
const STARTED_AT: &str = "2026-11-28T10:00:00Z";
const FINISHED_AT: &str = "2026-11-28T10:10:04Z";
/// The earlier, passing run whose measurements the seeded release log holds.
const BASELINE_RECORDED_AT: &str = "2026-11-27T10:12:00Z";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(MEASURE) => measure::measure(&args[1..]),
        Some(GENERATE) => match &args[1..] {
            [dir] => generate(Path::new(dir), GATES),
            [dir, gates] => generate(Path::new(dir), gates.parse()?),
            _ => Err("usage: --generate DIR [GATES]".into()),
        },
        // `cargo bench` passes `--bench` (and any filter); only `--runs N` is read.
        _ => {
            let runs = match args.iter().position(|a| a == "--runs") {
                Some(at) => args
                    .get(at + 1)
                    .and_then(|n| n.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .ok_or("--runs needs a positive number")?,
                None => RUNS,
            };
            bench(runs)
        }
    }
}

/// Every input of the bench, written to one directory.
struct Inputs {
    dir: PathBuf,
    summary: PathBuf,
    summary_bytes: usize,
    large_plan: PathBuf,
    large_plan_bytes: usize,
    small_plan: PathBuf,
    small_plan_gates: usize,
    /// The seeded release log (one earlier passing run), restored before every evaluate run,
    /// which appends its decision.
    log: PathBuf,
    log_seed: String,
    valid_report: PathBuf,
    valid_report_bytes: usize,
    valid_report_checks: usize,
    broken_report: PathBuf,
    broken_report_bytes: usize,
    broken_checks: usize,
}

impl Inputs {
    /// Writes the inputs for a run of `count` gates.
    fn write(dir: &Path, count: usize) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let dir = dir.canonicalize()?;
        let gates: Vec<GateResult> = (1..=count).map(GateResult::new).collect();

        let summary_text = serde_json::to_string_pretty(&summary(&gates))?;
        let summary = dir.join("production-launch-gate-summary.json");
        std::fs::write(&summary, &summary_text)?;

        let log = dir.join("artifacts").join("release-log.jsonl");
        std::fs::create_dir_all(log.parent().ok_or("no parent")?)?;
        let log_seed = format!("{}\n", baseline_record(&gates));
        std::fs::write(&log, &log_seed)?;

        let triggers = Triggers::pick(&gates);
        let all: Vec<&GateResult> = gates.iter().collect();
        let large_text = plan_text(&dir, &all, &triggers);
        let large_plan = dir.join(format!("release-{count}.toml"));
        std::fs::write(&large_plan, &large_text)?;
        let named: Vec<&GateResult> = gates.iter().filter(|g| triggers.names(&g.id)).collect();
        let small_plan = dir.join("release-small.toml");
        std::fs::write(&small_plan, plan_text(&dir, &named, &triggers))?;

        let (valid_text, checks, _) = health_report(&gates, false);
        let valid_report = dir.join("health-report-valid.json");
        std::fs::write(&valid_report, &valid_text)?;
        let (broken_text, _, broken_checks) = health_report(&gates, true);
        let broken_report = dir.join("health-report-broken.json");
        std::fs::write(&broken_report, &broken_text)?;

        Ok(Self {
            dir,
            summary,
            summary_bytes: summary_text.len(),
            large_plan,
            large_plan_bytes: large_text.len(),
            small_plan,
            small_plan_gates: named.len(),
            log,
            log_seed,
            valid_report,
            valid_report_bytes: valid_text.len(),
            valid_report_checks: checks,
            broken_report,
            broken_report_bytes: broken_text.len(),
            broken_checks,
        })
    }
}

/// Writes the inputs to `dir` and prints the commands, for profiling by hand.
fn generate(dir: &Path, count: usize) -> Result<()> {
    let inputs = Inputs::write(dir, count)?;
    let show = |p: &Path| p.display().to_string();
    eprintln!(
        "summary {} ({}); plans {} and {}; log {} (restore it from its first line after each \
         evaluate); reports {} and {}",
        show(&inputs.summary),
        mib(inputs.summary_bytes),
        show(&inputs.large_plan),
        show(&inputs.small_plan),
        show(&inputs.log),
        show(&inputs.valid_report),
        show(&inputs.broken_report),
    );
    for plan in [&inputs.large_plan, &inputs.small_plan] {
        println!(
            "release --plan {} rollback evaluate --from {} --format json",
            show(plan),
            show(&inputs.summary)
        );
    }
    for report in [&inputs.valid_report, &inputs.broken_report] {
        println!("release health check {} --format json", show(report));
    }
    Ok(())
}

/// One measured run of a child process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    user: Duration,
    sys: Duration,
    max_rss_kib: u64,
}

/// A command's medians, and the spread of its wall time.
#[derive(Debug, Clone, Copy)]
struct Figures {
    wall: Duration,
    wall_min: Duration,
    wall_max: Duration,
    user: Duration,
    sys: Duration,
    peak_mib: f64,
}

fn bench(runs: usize) -> Result<()> {
    let release = env!("CARGO_BIN_EXE_release");
    let me = std::env::current_exe()?;
    let me = me.to_str().ok_or("the bench's path is not UTF-8")?;

    let temp = tempfile::tempdir()?;
    let started = Instant::now();
    let inputs = Inputs::write(temp.path(), GATES)?;
    eprintln!(
        "inputs written in {:.1} s: summary of {GATES} gates {}, plan of {GATES} gates {}, \
         health reports {} ({} checks) and {} ({} broken)",
        started.elapsed().as_secs_f64(),
        mib(inputs.summary_bytes),
        mib(inputs.large_plan_bytes),
        mib(inputs.valid_report_bytes),
        inputs.valid_report_checks,
        mib(inputs.broken_report_bytes),
        inputs.broken_checks,
    );
    check_summary_schema(release, &inputs)?;

    let path = |p: &Path| p.to_str().map(str::to_owned).ok_or("a path is not UTF-8");
    let summary = path(&inputs.summary)?;
    let large_plan = path(&inputs.large_plan)?;
    let small_plan = path(&inputs.small_plan)?;
    let valid_report = path(&inputs.valid_report)?;
    let broken_report = path(&inputs.broken_report)?;

    let mut out = String::new();
    writeln!(
        out,
        "## rollback evaluate and health check (offline, whole process)\n"
    )?;
    writeln!(out, "machine: {}\n", measure::machine())?;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    writeln!(out, "load average (1, 5, 15 min) at start: {load}\n")?;
    writeln!(
        out,
        "median of {runs} runs (after 1 warm-up); wall with (min–max) over the runs; CPU is \
         user + sys of the process\n"
    )?;
    writeln!(
        out,
        "| command | input | wall (min–max) | CPU (user + sys) | peak RSS | exit | result |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;

    eprintln!("release --version");
    let mut result = String::new();
    let f = figures(runs, || {
        let (sample, code, stdout) = measured(me, &[release, "--version"], &inputs.dir)?;
        expect_code("release --version", code, &[0])?;
        result = stdout.trim().to_owned();
        Ok(sample)
    })?;
    row(
        &mut out,
        "`release --version`",
        "none (start-up floor)",
        &f,
        "0",
        &result,
    )?;

    for (plan, label) in [
        (&large_plan, format!("plan of {} gates", thousands(GATES))),
        (
            &small_plan,
            format!("plan of {} gates", inputs.small_plan_gates),
        ),
    ] {
        eprintln!("rollback evaluate, {label}");
        let args = [
            release.to_owned(),
            "--plan".to_owned(),
            plan.clone(),
            "rollback".to_owned(),
            "evaluate".to_owned(),
            "--from".to_owned(),
            summary.clone(),
            "--format".to_owned(),
            "json".to_owned(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut last = (0, String::new());
        let f = figures(runs, || {
            // Each run appends its decision; start every run from the same log.
            std::fs::write(&inputs.log, &inputs.log_seed)?;
            let (sample, code, stdout) = measured(me, &args, &inputs.dir)?;
            expect_code("rollback evaluate", code, &[0, 1, 3])?;
            let decision: Value = serde_json::from_str(&stdout).map_err(|e| {
                format!("rollback evaluate printed no JSON ({e}): {}", head(&stdout))
            })?;
            last = (code, decision_result(&decision, stdout.len()));
            Ok(sample)
        })?;
        row(
            &mut out,
            "`release rollback evaluate --format json`",
            &format!(
                "{label}; summary of {} gates ({})",
                thousands(GATES),
                mib(inputs.summary_bytes)
            ),
            &f,
            &last.0.to_string(),
            &last.1,
        )?;
    }

    for (report, label, expected, broken) in [
        (&valid_report, "valid", 0, 0),
        (&broken_report, "broken", 1, inputs.broken_checks),
    ] {
        eprintln!("health check, {label}");
        let args = [release, "health", "check", report, "--format", "json"];
        let mut result = String::new();
        let f = figures(runs, || {
            let (sample, code, stdout) = measured(me, &args, &inputs.dir)?;
            expect_code("health check", code, &[expected])?;
            let outcome: Value = serde_json::from_str(&stdout)
                .map_err(|e| format!("health check printed no JSON ({e}): {}", head(&stdout)))?;
            let errors = outcome["errors"].as_array().map_or(0, Vec::len);
            if outcome["valid"] != (expected == 0) || (errors == 0) != (broken == 0) {
                return Err(format!(
                    "health check of the {label} report: valid {}, {errors} errors",
                    outcome["valid"]
                )
                .into());
            }
            result = format!(
                "valid: {}, {errors} errors listed ({} of JSON)",
                outcome["valid"],
                kib(stdout.len())
            );
            Ok(sample)
        })?;
        let bytes = if expected == 0 {
            inputs.valid_report_bytes
        } else {
            inputs.broken_report_bytes
        };
        let input = if broken == 0 {
            format!(
                "valid report, {} checks ({})",
                thousands(inputs.valid_report_checks),
                mib(bytes)
            )
        } else {
            format!(
                "the same, every {BROKEN_EVERY}th check's `status` \"degraded\": {broken} \
                 of {} broken ({})",
                thousands(inputs.valid_report_checks),
                mib(bytes)
            )
        };
        row(
            &mut out,
            "`release health check --format json`",
            &input,
            &f,
            &expected.to_string(),
            &result,
        )?;
    }
    println!("{out}");
    Ok(())
}

/// Checks the generated summary against `release schema summary` once, with `release health
/// check --schema`, so the evaluate runs read a summary `release` could have written.
fn check_summary_schema(release: &str, inputs: &Inputs) -> Result<()> {
    let schema = Command::new(release).args(["schema", "summary"]).output()?;
    if !schema.status.success() {
        return Err("`release schema summary` failed".into());
    }
    let schema_path = inputs.dir.join("summary.schema.json");
    std::fs::write(&schema_path, &schema.stdout)?;
    let check = Command::new(release)
        .arg("health")
        .arg("check")
        .arg(&inputs.summary)
        .arg("--schema")
        .arg(&schema_path)
        .stdin(Stdio::null())
        .output()?;
    if !check.status.success() {
        return Err(format!(
            "the generated summary does not match `release schema summary`:\n{}{}",
            head(&String::from_utf8_lossy(&check.stdout)),
            String::from_utf8_lossy(&check.stderr)
        )
        .into());
    }
    Ok(())
}

/// The decision and how many triggers ended in each state, for the table.
fn decision_result(decision: &Value, bytes: usize) -> String {
    let mut states: std::collections::BTreeMap<String, usize> = Default::default();
    for assessment in decision["assessments"].as_array().into_iter().flatten() {
        if let Some(state) = assessment["state"].as_str() {
            *states.entry(state.to_owned()).or_default() += 1;
        }
    }
    let states: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
    format!(
        "{} (triggers: {}; {} of JSON)",
        decision["decision"].as_str().unwrap_or("?"),
        if states.is_empty() {
            "?".to_owned()
        } else {
            states.join(", ")
        },
        kib(bytes)
    )
}

fn expect_code(command: &str, code: i32, allowed: &[i32]) -> Result<()> {
    if allowed.contains(&code) {
        Ok(())
    } else {
        Err(format!("`{command}` exited with {code}, expected one of {allowed:?}").into())
    }
}

fn row(
    out: &mut String,
    command: &str,
    input: &str,
    f: &Figures,
    exit: &str,
    result: &str,
) -> Result<()> {
    writeln!(
        out,
        "| {command} | {input} | {} ({}–{}) | {} ({} + {}) | {:.1} MiB | {exit} | {result} |",
        ms(f.wall),
        ms(f.wall_min),
        ms(f.wall_max),
        ms(f.user + f.sys),
        ms(f.user),
        ms(f.sys),
        f.peak_mib
    )?;
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// `10000` as `10,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

/// The start of a long text, for error messages.
fn head(text: &str) -> &str {
    let end = text
        .char_indices()
        .nth(2000)
        .map_or(text.len(), |(at, _)| at);
    &text[..end]
}

/// Runs a command once to warm up, then `runs` times, and takes the medians.
fn figures(runs: usize, mut run: impl FnMut() -> Result<Sample>) -> Result<Figures> {
    run()?;
    let samples = (0..runs).map(|_| run()).collect::<Result<Vec<_>>>()?;
    let mut walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    walls.sort();
    // The user/sys split is shown for the run of median total CPU, so the parts add up.
    let mut by_cpu = samples.clone();
    by_cpu.sort_by_key(|s| s.user + s.sys);
    let middle = by_cpu[by_cpu.len() / 2];
    let mut rss: Vec<u64> = samples.iter().map(|s| s.max_rss_kib).collect();
    rss.sort_unstable();
    Ok(Figures {
        wall: walls[walls.len() / 2],
        wall_min: walls[0],
        wall_max: walls[walls.len() - 1],
        user: middle.user,
        sys: middle.sys,
        peak_mib: rss[rss.len() / 2] as f64 / 1024.0,
    })
}

/// Runs `command` under a fresh measurer process, with a clean environment (PATH only) and
/// `dir` as the working directory. Returns the figures, the command's exit code and its
/// stdout; a command killed by a signal is an error that carries its stderr.
fn measured(me: &str, command: &[&str], dir: &Path) -> Result<(Sample, i32, String)> {
    let output = Command::new(me)
        .arg(MEASURE)
        .args(command)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "the measurer failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let report: Value = serde_json::from_slice(&output.stdout)?;
    let field = |name: &str| {
        report[name].as_u64().ok_or_else(|| {
            format!(
                "measurer report without `{name}`: {}",
                head(&report.to_string())
            )
        })
    };
    let stderr = report["stderr"].as_str().unwrap_or_default();
    let code = report["exit_code"].as_i64().ok_or_else(|| {
        format!(
            "`{}` was killed by a signal; stderr:\n{stderr}",
            command.join(" ")
        )
    })?;
    // 2 is "invalid input or unusable output": never a figure worth reporting.
    if code == 2 {
        return Err(format!("`{}` exited with 2; stderr:\n{stderr}", command.join(" ")).into());
    }
    let sample = Sample {
        wall: Duration::from_micros(field("wall_us")?),
        user: Duration::from_micros(field("user_us")?),
        sys: Duration::from_micros(field("sys_us")?),
        max_rss_kib: field("max_rss_kib")?,
    };
    let stdout = report["stdout"].as_str().unwrap_or_default().to_owned();
    Ok((sample, i32::try_from(code)?, stdout))
}

// ---------------------------------------------------------------------------------------------
// Generated inputs
// ---------------------------------------------------------------------------------------------

/// A small deterministic generator (SplitMix64), so every run of the bench reads the same
/// inputs.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A number in `0..1` from a seed.
fn unit(seed: u64) -> f64 {
    (mix(seed) >> 11) as f64 / (1u64 << 53) as f64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Http,
    Prometheus,
    Alerts,
    Sessions,
    AiRuntime,
}

impl Kind {
    fn of(i: usize) -> Self {
        if i.is_multiple_of(PROMETHEUS_EVERY) {
            return Kind::Prometheus;
        }
        match i % 7 {
            0 => Kind::Alerts,
            1 => Kind::Sessions,
            2 => Kind::AiRuntime,
            _ => Kind::Http,
        }
    }

    /// The measurements a gate of this kind records when it has data.
    fn measurements(self) -> Vec<(&'static str, Option<&'static str>)> {
        match self {
            Kind::Http => vec![("latency", Some("s"))],
            Kind::Prometheus => vec![("value", Some("ratio"))],
            Kind::Alerts => vec![("firing_alerts", None)],
            Kind::Sessions => vec![("stale_active_sessions", None)],
            Kind::AiRuntime => vec![("roles_blocked", None)],
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Prometheus => "prometheus",
            Kind::Alerts => "alerts",
            Kind::Sessions => "sessions",
            Kind::AiRuntime => "ai-runtime",
        }
    }
}

/// One gate's result: its verdict and the numbers its record and its health checks carry.
struct GateResult {
    i: usize,
    id: String,
    kind: Kind,
    verdict: &'static str,
    required: bool,
    /// The gate's main value: latency (http, s), error ratio (prometheus), firing alerts,
    /// stale sessions, blocked roles.
    value: f64,
    /// The prometheus gate's samples, one a minute.
    samples: Vec<f64>,
    duration_ms: u64,
}

impl GateResult {
    fn new(i: usize) -> Self {
        let kind = Kind::of(i);
        let seed = i as u64;
        let roll = unit(seed);
        // Mostly pass: 90 % pass, 4 % warn, 2 % fail, 1.5 % inconclusive, 1.5 % error, 1 %
        // skipped.
        let verdict = match roll {
            r if r < 0.90 => "pass",
            r if r < 0.94 => "warn",
            r if r < 0.96 => "fail",
            r if r < 0.975 => "inconclusive",
            r if r < 0.99 => "error",
            _ => "skipped",
        };
        let required = unit(seed ^ 0xa5a5) < 0.9;
        let jitter = unit(seed ^ 0x5a5a);
        let (value, samples) = match kind {
            Kind::Http => (
                match verdict {
                    "warn" => 0.3 + jitter,
                    "fail" => 2.0 + jitter,
                    _ => 0.02 + 0.05 * jitter,
                },
                Vec::new(),
            ),
            Kind::Prometheus => {
                // An error ratio: around 0.1 % when healthy, climbing past the 0.5 % watch and
                // 2 % fire levels when the gate warned or failed.
                let level = match verdict {
                    "warn" => 0.008,
                    "fail" => 0.03,
                    _ => 0.001,
                };
                let samples: Vec<f64> = (0..WINDOW_SAMPLES)
                    .map(|k| {
                        let noise = unit(seed.wrapping_mul(31).wrapping_add(k as u64));
                        let ramp = if verdict == "pass" {
                            1.0
                        } else {
                            0.4 + 0.6 * k as f64 / WINDOW_SAMPLES as f64
                        };
                        round(level * ramp * (0.8 + 0.4 * noise), 5)
                    })
                    .collect();
                (samples[WINDOW_SAMPLES - 1], samples)
            }
            Kind::Alerts => (
                if verdict == "fail" {
                    1.0 + (jitter * 3.0).floor()
                } else {
                    0.0
                },
                Vec::new(),
            ),
            Kind::Sessions => (
                match verdict {
                    "warn" => 8.0 + (jitter * 4.0).floor(),
                    "fail" => 20.0 + (jitter * 10.0).floor(),
                    _ => (jitter * 4.0).floor(),
                },
                Vec::new(),
            ),
            Kind::AiRuntime => (if verdict == "fail" { 2.0 } else { 0.0 }, Vec::new()),
        };
        let duration_ms = match kind {
            Kind::Prometheus => 540_000 + (jitter * 1_000.0) as u64,
            _ => 5 + (jitter * 200.0) as u64,
        };
        Self {
            i,
            id: format!("gate-{i:05}"),
            kind,
            verdict,
            required,
            value: round(value, 4),
            samples,
            duration_ms,
        }
    }

    fn blocking(&self) -> bool {
        // A non-strict run: only a required gate's fail or error blocks.
        self.required && matches!(self.verdict, "fail" | "error")
    }

    fn title(&self) -> String {
        match self.kind {
            Kind::Http => format!("Service {} /health", self.i),
            Kind::Prometheus => format!("Service {} 5xx error rate", self.i),
            Kind::Alerts => format!("No alert firing for service {}", self.i),
            Kind::Sessions => format!("Agent gateway {}: stale active sessions", self.i),
            Kind::AiRuntime => format!("AI runtime {} health", self.i),
        }
    }

    /// The one-line summary a person reads first.
    fn summary(&self) -> String {
        let v = self.value;
        match (self.verdict, self.kind) {
            ("skipped", _) => "skipped: no url for production".to_owned(),
            ("error", _) => "timed out after 10s (3 attempts)".to_owned(),
            ("inconclusive", Kind::Prometheus) => "no data in any of 10 samples".to_owned(),
            ("inconclusive", _) => "no data: the endpoint answered with an empty body".to_owned(),
            (_, Kind::Http) => format!("200 in {:.0}ms", v * 1000.0),
            (_, Kind::Prometheus) => format!(
                "10 of 10 samples: {}; sample 10: {v} ratio (warn above 0.005, fail above 0.02)",
                self.sample_counts()
            ),
            (_, Kind::Alerts) if v > 0.0 => format!("{v} alerts firing (critical)"),
            (_, Kind::Alerts) => "no alert firing".to_owned(),
            (_, Kind::Sessions) => format!("{v} stale of 40 active sessions"),
            (_, Kind::AiRuntime) if v > 0.0 => format!("health degraded, {v} roles blocked"),
            (_, Kind::AiRuntime) => "health ok, 4 roles, none blocked".to_owned(),
        }
    }

    fn sample_verdict(value: f64) -> &'static str {
        if value > 0.02 {
            "fail"
        } else if value > 0.005 {
            "warn"
        } else {
            "pass"
        }
    }

    fn sample_counts(&self) -> String {
        let count = |verdict: &str| {
            self.samples
                .iter()
                .filter(|&&v| Self::sample_verdict(v) == verdict)
                .count()
        };
        ["pass", "warn", "fail"]
            .iter()
            .map(|v| (count(v), v))
            .filter(|(n, _)| *n > 0)
            .map(|(n, v)| format!("{n} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Observed beside expected: a few per gate.
    fn observations(&self) -> Vec<Value> {
        if matches!(self.verdict, "skipped") {
            return Vec::new();
        }
        if matches!(self.verdict, "error") {
            return vec![json!({
                "name": "attempts", "observed": 3, "expected": "an answer within 10s",
                "rule": "timeout",
            })];
        }
        let v = self.value;
        match self.kind {
            Kind::Http => vec![
                json!({"name": "status", "observed": 200, "expected": 200, "rule": "eq"}),
                json!({"name": "latency", "observed": v, "expected": {"warn": 0.3, "fail": 2.0},
                       "rule": "threshold", "unit": "s"}),
                json!({"name": "body.status", "observed": "ok", "expected": "ok",
                       "rule": "json.eq"}),
            ],
            Kind::Prometheus => vec![
                json!({"name": "value", "observed": v,
                       "expected": "warn above 0.005, fail above 0.02", "rule": "threshold",
                       "unit": "ratio"}),
                json!({"name": "baseline", "observed": round(v * 0.9, 5),
                       "expected": "<=+50%", "rule": "relative", "baseline": 0.001}),
            ],
            Kind::Alerts => vec![
                json!({"name": "firing_alerts", "observed": v, "expected": 0, "rule": "eq"}),
                json!({"name": "min_severity", "observed": "critical", "expected": "warning",
                       "rule": "severity"}),
            ],
            Kind::Sessions => vec![
                json!({"name": "stale_active_sessions", "observed": v, "expected": "<=+50%",
                       "rule": "growth", "baseline": 4}),
                json!({"name": "sampled", "observed": 20, "expected": 20, "rule": "eq"}),
            ],
            Kind::AiRuntime => vec![
                json!({"name": "summary.health",
                       "observed": if v > 0.0 { "degraded" } else { "ok" },
                       "expected": "ok", "rule": "eq"}),
                json!({"name": "summary.rolesBlocked", "observed": v, "expected": 0,
                       "rule": "eq"}),
            ],
        }
    }

    /// The gate's measurements: the numbers the next run compares with.
    fn measurements(&self) -> Vec<(&'static str, Option<&'static str>)> {
        if matches!(self.verdict, "skipped" | "error" | "inconclusive") {
            return Vec::new();
        }
        self.kind.measurements()
    }

    fn record(&self) -> Value {
        let mut gate = Map::new();
        gate.insert("id".into(), json!(self.id));
        gate.insert("kind".into(), json!(self.kind.as_str()));
        gate.insert("title".into(), json!(self.title()));
        gate.insert("verdict".into(), json!(self.verdict));
        gate.insert("required".into(), json!(self.required));
        gate.insert("blocking".into(), json!(self.blocking()));
        gate.insert("summary".into(), json!(self.summary()));
        gate.insert("duration_ms".into(), json!(self.duration_ms));
        let attempts = match (self.kind, self.verdict) {
            (_, "skipped") => 0,
            (_, "error") => 3,
            (Kind::Prometheus, _) => WINDOW_SAMPLES,
            _ => 1,
        };
        gate.insert("attempts".into(), json!(attempts));
        gate.insert("observations".into(), Value::Array(self.observations()));
        let url = format!("https://api.example.com/svc/{}/health", self.i);
        let evidence = match self.kind {
            Kind::Prometheus => vec![
                json!({"name": "sample 10: query", "detail": format!(
                    "sum(rate(http_requests_total{{job=\"svc-{}\",code=~\"5..\"}}[5m])) / \
                     sum(rate(http_requests_total{{job=\"svc-{}\"}}[5m]))", self.i, self.i)}),
                json!({"name": "sample 10: request",
                       "detail": "POST https://prometheus.example.com/api/v1/query"}),
            ],
            _ => vec![
                json!({"name": "request", "detail": format!("GET {url}")}),
                json!({"name": "response", "detail": format!("200 in {}ms, 698 bytes",
                                                             self.duration_ms)}),
            ],
        };
        gate.insert("evidence".into(), Value::Array(evidence));
        let measurements: Vec<Value> = self
            .measurements()
            .into_iter()
            .map(|(name, unit)| match unit {
                Some(unit) => json!({"name": name, "value": self.value, "unit": unit}),
                None => json!({"name": name, "value": self.value}),
            })
            .collect();
        gate.insert("measurements".into(), Value::Array(measurements));
        if self.kind == Kind::Prometheus && self.verdict != "skipped" {
            gate.insert("details".into(), self.window());
        }
        Value::Object(gate)
    }

    /// The sustain window's details: one sample a minute from the run's start.
    fn window(&self) -> Value {
        let samples: Vec<Value> = self
            .samples
            .iter()
            .enumerate()
            .map(|(k, &value)| {
                // STARTED_AT plus k minutes and a few milliseconds.
                let at = format!("2026-11-28T10:{k:02}:00.{:03}Z", self.i % 1000);
                let (verdict, value) = if self.verdict == "inconclusive" {
                    ("inconclusive", Value::Null)
                } else {
                    (Self::sample_verdict(value), json!(value))
                };
                json!({
                    "at": at,
                    "verdict": verdict,
                    "value": value,
                    "summary": format!("{value} ratio (warn above 0.005, fail above 0.02)"),
                })
            })
            .collect();
        json!({
            "ended": "completed",
            "planned": WINDOW_SAMPLES,
            "samples": samples,
            "window": {"interval": "1m", "count": WINDOW_SAMPLES, "failure_limit": 1,
                       "consecutive_error_limit": 2},
        })
    }
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// The launch gate's JSON summary over `gates`.
fn summary(gates: &[GateResult]) -> Value {
    let mut counts = Map::new();
    for verdict in ["pass", "warn", "fail", "inconclusive", "error", "skipped"] {
        let n = gates.iter().filter(|g| g.verdict == verdict).count();
        counts.insert(verdict.into(), json!(n));
    }
    let outcome = if gates.iter().any(GateResult::blocking) {
        "blocked"
    } else if gates
        .iter()
        .any(|g| g.verdict != "pass" && g.verdict != "skipped")
    {
        "passed_with_warnings"
    } else {
        "passed"
    };
    json!({
        "schema_version": 1,
        "tool": {"name": "release", "version": env!("CARGO_PKG_VERSION")},
        "run_id": "20261128T100000Z-b3e7c1",
        "phase": "launch-gate",
        "environment": "production",
        "strict": false,
        "started_at": STARTED_AT,
        "finished_at": FINISHED_AT,
        "duration_ms": 604_000,
        "outcome": outcome,
        "counts": counts,
        "release": {"version": "1.4.0", "commit": "3f9c2a7b1d04e5f6a7b8c9d0e1f2a3b4c5d6e7f8",
                    "migrations": false},
        "gates": gates.iter().map(GateResult::record).collect::<Vec<_>>(),
    })
}

/// One line of the release log: an earlier launch gate where every gate passed, with a
/// measurement of every gate (so `growth` triggers have baselines), and the deployments.
fn baseline_record(gates: &[GateResult]) -> Value {
    let mut measurements = Map::new();
    for gate in gates {
        for (name, _) in gate.kind.measurements() {
            // The last good run saw healthy values.
            let earlier = match gate.kind {
                Kind::Http => 0.04,
                Kind::Prometheus => 0.001,
                Kind::Sessions => 4.0,
                Kind::Alerts | Kind::AiRuntime => 0.0,
            };
            measurements.insert(format!("{}.{name}", gate.id), json!(earlier));
        }
    }
    json!({
        "schema_version": 1,
        "run_id": "20261127T100000Z-0a1b2c",
        "recorded_at": BASELINE_RECORDED_AT,
        "phase": "launch-gate",
        "environment": "production",
        "strict": false,
        "outcome": "passed",
        "counts": {"pass": gates.len(), "warn": 0, "fail": 0, "inconclusive": 0, "error": 0,
                   "skipped": 0},
        "tool_version": env!("CARGO_PKG_VERSION"),
        "deployments": [
            {"service": "web", "service_id": "svc-web", "current": "dep-9c41e7a2",
             "current_status": "SUCCESS", "previous_stable": "dep-7d18b3f4"},
            {"service": "api", "service_id": "svc-api", "current": "dep-5e2b8d13",
             "current_status": "SUCCESS", "previous_stable": "dep-48c1d7e6"},
        ],
        "measurements": measurements,
    })
}

/// The `threshold` and `growth` triggers' gates: the first few prometheus gates that failed,
/// warned and passed, and the first few sessions gates that failed, warned and passed.
struct Triggers {
    threshold: Vec<String>,
    growth: Vec<String>,
}

impl Triggers {
    fn pick(gates: &[GateResult]) -> Self {
        let first = |kind: Kind, verdict: &str| {
            gates
                .iter()
                .find(|g| g.kind == kind && g.verdict == verdict)
                .map(|g| g.id.clone())
        };
        let pick = |kind| {
            ["fail", "warn", "pass"]
                .iter()
                .filter_map(|v| first(kind, v))
                .collect()
        };
        Self {
            threshold: pick(Kind::Prometheus),
            growth: pick(Kind::Sessions),
        }
    }

    fn names(&self, id: &str) -> bool {
        self.threshold.iter().chain(&self.growth).any(|g| g == id)
    }
}

/// A plan declaring `gates` as `http` gates of the `launch` phase, with the rollback
/// triggers: one `verdict` and one `missing-data` over the phase (so every declared gate is
/// judged), `threshold` triggers on prometheus gates and `growth` triggers on sessions gates.
fn plan_text(dir: &Path, gates: &[&GateResult], triggers: &Triggers) -> String {
    let dir = dir.display();
    let mut plan = format!(
        "[release]\n\
         name = \"bench\"\n\
         artifacts_dir = \"{dir}/artifacts\"\n\
         log = \"{dir}/artifacts/release-log.jsonl\"\n\
         \n\
         [environments.production]\n\
         api_url = \"https://api.example.com\"\n"
    );
    for gate in gates {
        // `{{api_url}}` is the plan's own placeholder; the path keeps each gate distinct.
        plan.push_str(&format!(
            "\n[[gates]]\n\
             id = \"{}\"\n\
             kind = \"http\"\n\
             phases = [\"launch\"]\n\
             url = \"{{api_url}}/svc/{}/health\"\n",
            gate.id, gate.i
        ));
    }
    plan.push_str(
        "\n[rollback]\n\
         migrations = false\n\
         \n\
         [[rollback.triggers]]\n\
         id = \"launch-verdicts\"\n\
         kind = \"verdict\"\n\
         gates = [\"launch\"]\n\
         watch_on = [\"warn\"]\n\
         \n\
         [[rollback.triggers]]\n\
         id = \"launch-data-missing\"\n\
         kind = \"missing-data\"\n\
         gates = [\"launch\"]\n",
    );
    for (n, gate) in triggers.threshold.iter().enumerate() {
        let hold = if n % 2 == 0 {
            "samples = 2"
        } else {
            "duration = \"2m\""
        };
        plan.push_str(&format!(
            "\n[[rollback.triggers]]\n\
             id = \"error-rate-{gate}\"\n\
             kind = \"threshold\"\n\
             gate = \"{gate}\"\n\
             fire_above = 0.02\n\
             watch_above = 0.005\n\
             {hold}\n"
        ));
    }
    for gate in &triggers.growth {
        plan.push_str(&format!(
            "\n[[rollback.triggers]]\n\
             id = \"stale-sessions-{gate}\"\n\
             kind = \"growth\"\n\
             gate = \"{gate}\"\n\
             measurement = \"stale_active_sessions\"\n\
             fire_above = \"+50%\"\n\
             watch_above = \"+25%\"\n"
        ));
    }
    plan
}

/// A health report over `gates`, repeated (with suffixed ids) until it reaches
/// [`HEALTH_REPORT_BYTES`]: per gate a check of its verdict and one of each measurement.
/// With `broken`, every [`BROKEN_EVERY`]th check has `status = "degraded"`, which the schema
/// does not allow. Returns the text, the number of checks and the number broken.
fn health_report(gates: &[GateResult], broken: bool) -> (String, usize, usize) {
    // Two passes: measure the size of one pass over the gates, then scale.
    let one = health_report_of(gates, 1.0, broken);
    let rounds = HEALTH_REPORT_BYTES as f64 / one.0.len() as f64;
    if rounds <= 1.0 {
        return one;
    }
    health_report_of(gates, rounds, broken)
}

fn health_report_of(gates: &[GateResult], rounds: f64, broken: bool) -> (String, usize, usize) {
    let wanted = (gates.len() as f64 * rounds).round() as usize;
    let time = FINISHED_AT;
    let status = |verdict: &str| match verdict {
        "fail" | "error" => "fail",
        "warn" | "inconclusive" => "warn",
        _ => "pass",
    };
    let mut checks = Map::new();
    let mut count = 0usize;
    let mut broken_count = 0usize;
    let mut next_status = |status: &'static str| {
        count += 1;
        if broken && count.is_multiple_of(BROKEN_EVERY) {
            broken_count += 1;
            "degraded"
        } else {
            status
        }
    };
    for n in 0..wanted {
        let gate = &gates[n % gates.len()];
        if gate.verdict == "skipped" {
            continue;
        }
        let id = if n < gates.len() {
            gate.id.clone()
        } else {
            format!("{}-{}", gate.id, n / gates.len())
        };
        let gate_status = status(gate.verdict);
        checks.insert(
            id.clone(),
            json!([{
                "componentId": id,
                "componentType": gate.kind.as_str(),
                "observedValue": gate.verdict,
                "status": next_status(gate_status),
                "required": gate.required,
                "time": time,
                "output": gate.summary(),
            }]),
        );
        for (name, unit) in gate.measurements() {
            let threshold = match gate.kind {
                Kind::Http => json!({"rule": "threshold", "expected": {"warn": 0.3, "fail": 2.0}}),
                Kind::Prometheus => json!({"rule": "threshold",
                                           "expected": {"warn": 0.005, "fail": 0.02}}),
                Kind::Sessions => json!({"rule": "growth", "expected": "<=+50%", "baseline": 4}),
                Kind::Alerts | Kind::AiRuntime => json!({"rule": "eq", "expected": 0}),
            };
            let mut check = json!({
                "componentId": id,
                "componentType": gate.kind.as_str(),
                "observedValue": gate.value,
                "threshold": threshold,
                "status": next_status(gate_status),
                "required": gate.required,
                "time": time,
            });
            if let Some(unit) = unit {
                check["observedUnit"] = json!(unit);
            }
            checks.insert(format!("{id}:{name}"), json!([check]));
        }
    }
    let outcome = if gates.iter().any(GateResult::blocking) {
        "blocked"
    } else {
        "passed_with_warnings"
    };
    let skipped: Vec<Value> = gates
        .iter()
        .filter(|g| g.verdict == "skipped")
        .take(20)
        .map(|g| json!(format!("{} skipped: no url for production", g.id)))
        .collect();
    let report = json!({
        "schemaVersion": 1,
        "tool": {"name": "release", "version": env!("CARGO_PKG_VERSION")},
        "status": if outcome == "blocked" { "fail" } else { "warn" },
        "description": format!("launch-gate of 1.4.0 (3f9c2a7b1d04) in production: {} gates",
                               gates.len()),
        "time": time,
        "release": {
            "environment": "production",
            "version": "1.4.0",
            "commit": "3f9c2a7b1d04e5f6a7b8c9d0e1f2a3b4c5d6e7f8",
            "runId": "20261128T100000Z-b3e7c1",
            "phase": "launch-gate",
            "outcome": outcome,
            "strict": false,
            "startedAt": STARTED_AT,
            "finishedAt": FINISHED_AT,
            "deployments": [
                {"service": "api", "deploymentId": "dep-5e2b8d13",
                 "previousStableId": "dep-48c1d7e6"},
                {"service": "web", "deploymentId": "dep-9c41e7a2"},
            ],
        },
        "checks": checks,
        "notes": skipped,
    });
    let text = serde_json::to_string_pretty(&report).expect("a JSON value serializes");
    (text, count, broken_count)
}
