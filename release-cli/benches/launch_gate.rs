//! Benchmark: the whole `release launch-gate` process over a plan of `N` HTTP gates, against a
//! loopback server that answers every request after `d = 100 ms` (issue 3, "Done when").
//!
//! Run it with `cargo bench -p release-cli --bench launch_gate`; it prints a Markdown table.
//!
//! For each `N` it reports, as the median of several runs:
//! - wall time over `d` (the floor is 1: every probe in flight at once),
//! - CPU time (user + sys) of the process per probe,
//! - peak memory (max RSS) of the process,
//!
//! for the real release-mode `release` binary and for a bare tokio + reqwest client firing the
//! same requests, which shows what the server and the machine allow.
//!
//! The binary plays three roles, chosen by its first argument:
//! - (none, or cargo's `--bench`): the benchmark itself, which hosts the delay server;
//! - `--measure PROGRAM ARGS..`: runs one command and prints its wall time and rusage as one
//!   JSON line. It is a fresh process per run because `RUSAGE_CHILDREN` accumulates over every
//!   waited child (and keeps the *max* RSS), so only a process with a single child reads that
//!   child's figures exactly;
//! - `--bare-client BASE_URL N`: the bare tokio + reqwest client, run as a child like `release`
//!   so its CPU and memory are measured the same way;
//! - `--serve DIR N`: writes the plan of `N` gates to `DIR/release.toml` and serves until
//!   killed, so `release` can be profiled (`perf record`, `strace`) by hand against the same
//!   server.

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{Resource, getrlimit, setrlimit};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;

#[path = "support/measure.rs"]
mod measure;

/// How long the server waits before answering each request.
const DELAY: Duration = Duration::from_millis(100);
/// The plan sizes measured.
const SIZES: [usize; 3] = [10, 100, 1000];
/// Measured runs per configuration (odd, so the median is one run's figure); one more run
/// before them warms the page cache and the server and is discarded.
const RUNS: usize = 5;

const MEASURE: &str = "--measure";
const BARE_CLIENT: &str = "--bare-client";
const SERVE: &str = "--serve";

/// The one response the server sends: a small JSON health body, like a real probe gets.
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(MEASURE) => measure::measure(&args[1..]),
        Some(BARE_CLIENT) => match &args[1..] {
            [base, n] => bare_client(base, n.parse()?),
            _ => Err("usage: --bare-client BASE_URL N".into()),
        },
        Some(SERVE) => match &args[1..] {
            [dir, n] => serve(Path::new(dir), n.parse()?),
            _ => Err("usage: --serve DIR N".into()),
        },
        // `cargo bench` passes `--bench` (and any filter); there is nothing to choose.
        _ => bench(),
    }
}

/// Serves the delay server until killed, with a plan of `n` gates against it in `dir`.
fn serve(dir: &Path, n: usize) -> Result<()> {
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let base = runtime.block_on(start_server())?;
    std::fs::create_dir_all(dir)?;
    let plan = dir.join("release.toml");
    std::fs::write(&plan, plan_text(&base, n))?;
    eprintln!("serving {base}; plan of {n} gates in {}", plan.display());
    runtime.block_on(std::future::pending::<()>());
    Ok(())
}

/// Waits (at most 70 s) until the kernel holds few sockets in TIME_WAIT. Each run leaves one
/// per probe for 60 s, and thousands of them make every `connect` search longer for a free
/// ephemeral port, so without this whichever configuration runs second pays for the first.
fn settle_time_wait() {
    let time_wait = || -> Option<u64> {
        let sockstat = std::fs::read_to_string("/proc/net/sockstat").ok()?;
        let tcp = sockstat.lines().find(|l| l.starts_with("TCP:"))?;
        let mut fields = tcp.split_whitespace();
        fields.find(|f| *f == "tw")?;
        fields.next()?.parse().ok()
    };
    let deadline = Instant::now() + Duration::from_secs(70);
    while time_wait().is_some_and(|tw| tw > 200) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// One measured run of a child process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    user: Duration,
    sys: Duration,
    max_rss_kib: u64,
    /// For `release`: the gates' run alone (the summary's `duration_ms`), which tells the
    /// time spent running probes from the time spent starting, loading the plan and writing.
    run: Option<Duration>,
}

/// A configuration's medians, and the spread of its wall time.
#[derive(Debug, Clone, Copy)]
struct Figures {
    wall_over_d: f64,
    wall_min: f64,
    wall_max: f64,
    run_over_d: Option<f64>,
    cpu_per_probe_us: f64,
    user_per_probe_us: f64,
    sys_per_probe_us: f64,
    peak_mib: f64,
}

fn bench() -> Result<()> {
    // N = 1000 needs more than 1000 sockets in the server and in each client; children inherit
    // the limit.
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard)?;

    // The server runs on its own multi-thread runtime in this process, so it answers while the
    // main thread waits on children.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let base = runtime.block_on(start_server())?;
    let release = env!("CARGO_BIN_EXE_release");
    let me = std::env::current_exe()?;
    let me = me.to_str().ok_or("the bench's path is not UTF-8")?;

    let mut out = String::new();
    writeln!(
        out,
        "## launch-gate benchmark (d = {} ms)\n",
        DELAY.as_millis()
    )?;
    writeln!(out, "machine: {}\n", measure::machine())?;
    // Other processes on the machine (builds, say) move every figure; say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    writeln!(out, "load average (1, 5, 15 min) at start: {load}\n")?;
    writeln!(
        out,
        "median of {RUNS} runs (after 1 warm-up); wall / d with (min–max) over the runs; \
         \"gates run\" is `release`'s own timing of the gates (the summary's `duration_ms`); \
         CPU is user + sys of the process, divided by N\n"
    )?;
    writeln!(
        out,
        "| N | process | wall / d | gates run / d | CPU / probe (user + sys) | peak RSS | target | reference (issue 3) |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|")?;
    for n in SIZES {
        eprintln!("N = {n}: release launch-gate");
        settle_time_wait();
        let release_figures = figures(n, || run_release(me, release, &base, n))?;
        eprintln!("N = {n}: bare tokio + reqwest");
        settle_time_wait();
        let bare_figures = figures(n, || run_bare(me, &base, n))?;
        let (release_target, hurl, bare_reference) = expectations(n, &release_figures);
        row(
            &mut out,
            n,
            "`release launch-gate`",
            &release_figures,
            &release_target,
            &hurl,
        )?;
        row(
            &mut out,
            n,
            "bare tokio + reqwest",
            &bare_figures,
            "",
            &bare_reference,
        )?;
    }
    println!("{out}");
    Ok(())
}

/// Targets for `release` and the reference figures (hurl 8.0.1 `--jobs N`, and a
/// bare tokio + reqwest client), for the table.
fn expectations(n: usize, release: &Figures) -> (String, String, String) {
    let met = |ok: bool| if ok { "met" } else { "**MISSED**" };
    match n {
        100 => (
            format!("wall < 1.2 × d: {}", met(release.wall_over_d < 1.2)),
            "hurl: 1.55 × d".to_owned(),
            "bare: 1.08 × d".to_owned(),
        ),
        1000 => (
            format!(
                "wall < 2.5 × d: {}; CPU < 150 µs: {}; RSS < 50 MiB: {}",
                met(release.wall_over_d < 2.5),
                met(release.cpu_per_probe_us < 150.0),
                met(release.peak_mib < 50.0),
            ),
            "hurl: 3.66 × d, 409 µs, 92 MiB".to_owned(),
            "bare: 2.2 × d, 105 µs, 29 MiB".to_owned(),
        ),
        _ => (String::new(), String::new(), String::new()),
    }
}

fn row(
    out: &mut String,
    n: usize,
    process: &str,
    f: &Figures,
    target: &str,
    reference: &str,
) -> Result<()> {
    let run = f.run_over_d.map_or("–".to_owned(), |r| format!("{r:.2}"));
    writeln!(
        out,
        "| {n} | {process} | {:.2} ({:.2}–{:.2}) | {run} | {:.0} µs ({:.0} + {:.0}) | {:.1} MiB | {target} | {reference} |",
        f.wall_over_d,
        f.wall_min,
        f.wall_max,
        f.cpu_per_probe_us,
        f.user_per_probe_us,
        f.sys_per_probe_us,
        f.peak_mib
    )?;
    Ok(())
}

/// Runs a configuration once to warm up, then `RUNS` times, and takes the medians.
fn figures(n: usize, mut run: impl FnMut() -> Result<Sample>) -> Result<Figures> {
    run()?;
    let samples = (0..RUNS).map(|_| run()).collect::<Result<Vec<_>>>()?;
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        (
            values[values.len() / 2],
            values[0],
            values[values.len() - 1],
        )
    };
    let (wall, wall_min, wall_max) = median(samples.iter().map(|s| s.wall.as_secs_f64()).collect());
    // The user/sys split is shown for the run of median total CPU, so the parts add up.
    let mut by_cpu = samples.clone();
    by_cpu.sort_by_key(|s| s.user + s.sys);
    let middle = by_cpu[by_cpu.len() / 2];
    let (cpu, user, sys) = (
        (middle.user + middle.sys).as_secs_f64(),
        middle.user.as_secs_f64(),
        middle.sys.as_secs_f64(),
    );
    let (rss, _, _) = median(samples.iter().map(|s| s.max_rss_kib as f64).collect());
    let runs: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.run.map(|r| r.as_secs_f64()))
        .collect();
    let d = DELAY.as_secs_f64();
    let per_probe_us = |seconds: f64| seconds * 1e6 / n as f64;
    Ok(Figures {
        wall_over_d: wall / d,
        wall_min: wall_min / d,
        wall_max: wall_max / d,
        run_over_d: (!runs.is_empty()).then(|| median(runs).0 / d),
        cpu_per_probe_us: per_probe_us(cpu),
        user_per_probe_us: per_probe_us(user),
        sys_per_probe_us: per_probe_us(sys),
        peak_mib: rss / 1024.0,
    })
}

/// One `release launch-gate` run over a fresh plan in a fresh directory (so the release log
/// and its baselines do not grow from run to run); fails loudly unless all `n` gates passed.
fn run_release(me: &str, release: &str, base: &str, n: usize) -> Result<Sample> {
    let dir = tempfile::tempdir()?;
    let plan = dir.path().join("release.toml");
    std::fs::write(&plan, plan_text(base, n))?;
    let plan = plan.to_str().ok_or("the temp dir's path is not UTF-8")?;
    let args = [
        release,
        "launch-gate",
        "--plan",
        plan,
        "--env",
        "bench",
        "--format",
        "json",
    ];
    let (mut sample, stdout) = measured(me, &args, dir.path())?;
    let summary: Value = serde_json::from_str(&stdout)
        .map_err(|e| format!("launch-gate printed no JSON summary ({e}): {stdout}"))?;
    let gates = summary["gates"].as_array().map_or(0, Vec::len);
    let passed = summary["counts"]["pass"].as_u64();
    if summary["outcome"] != "passed" || gates != n || passed != Some(n as u64) {
        return Err(format!(
            "launch-gate with {n} gates did not pass every gate: outcome {}, {gates} gates, \
             counts {}",
            summary["outcome"], summary["counts"]
        )
        .into());
    }
    sample.run = summary["duration_ms"].as_u64().map(Duration::from_millis);
    Ok(sample)
}

/// One run of the bare client.
fn run_bare(me: &str, base: &str, n: usize) -> Result<Sample> {
    let dir = tempfile::tempdir()?;
    let n = n.to_string();
    let (sample, _) = measured(me, &[me, BARE_CLIENT, base, &n], dir.path())?;
    Ok(sample)
}

/// Runs `command` under a fresh measurer process, with a clean environment (PATH only) and
/// `dir` as the working directory. Returns the figures and the command's stdout; any exit
/// code but 0 is an error that carries the command's stderr.
fn measured(me: &str, command: &[&str], dir: &Path) -> Result<(Sample, String)> {
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
        report[name]
            .as_u64()
            .ok_or_else(|| format!("measurer report without `{name}`: {report}"))
    };
    let code = report["exit_code"].as_i64();
    if code != Some(0) {
        return Err(format!(
            "`{}` exited with {code:?}; stderr:\n{}",
            command.join(" "),
            report["stderr"].as_str().unwrap_or_default()
        )
        .into());
    }
    let sample = Sample {
        wall: Duration::from_micros(field("wall_us")?),
        user: Duration::from_micros(field("user_us")?),
        sys: Duration::from_micros(field("sys_us")?),
        max_rss_kib: field("max_rss_kib")?,
        run: None,
    };
    let stdout = report["stdout"].as_str().unwrap_or_default().to_owned();
    Ok((sample, stdout))
}

/// A plan of `n` HTTP gates in the `launch` phase, every one in flight at once.
fn plan_text(base: &str, n: usize) -> String {
    let mut plan = format!(
        "[release]\n\
         name = \"bench\"\n\
         artifacts_dir = \"artifacts\"\n\
         log = \"artifacts/release-log.jsonl\"\n\
         concurrency = {n}\n\
         \n\
         [environments.bench]\n\
         api_url = \"{base}\"\n"
    );
    for i in 0..n {
        plan.push_str(&format!(
            "\n[[gates]]\n\
             id = \"probe-{i}\"\n\
             kind = \"http\"\n\
             phases = [\"launch\"]\n\
             url = \"{{api_url}}/probe/{i}\"\n\
             timeout = \"30s\"\n\
             expect = {{ status = 200 }}\n"
        ));
    }
    plan
}

/// The bare client: one reqwest client, `n` concurrent GETs, every answer must be 200.
fn bare_client(base: &str, n: usize) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut requests = tokio::task::JoinSet::new();
        for i in 0..n {
            let request = client.get(format!("{base}/probe/{i}"));
            requests.spawn(async move {
                let response = request.send().await?;
                let status = response.status();
                // Read the body, as a gate does.
                response.bytes().await?;
                Ok::<_, reqwest::Error>(status)
            });
        }
        while let Some(joined) = requests.join_next().await {
            let status = joined??;
            if status != reqwest::StatusCode::OK {
                return Err(format!("bare client got {status}").into());
            }
        }
        Ok::<(), Box<dyn Error>>(())
    })
}

/// Starts the delay server on a random loopback port and returns its base URL.
async fn start_server() -> Result<String> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(([127, 0, 0, 1], 0).into())?;
    // A backlog big enough for every probe to connect at once.
    let listener = socket.listen(4096)?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(answer(stream));
                }
                Err(e) => eprintln!("delay server: accept failed: {e}"),
            }
        }
    });
    Ok(format!("http://{addr}"))
}

/// Serves one connection: for each request head (GETs have no body), wait `DELAY` and send
/// the response; keep-alive, so a client may reuse the connection.
async fn answer(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(1024);
    loop {
        let end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if stream.read_buf(&mut buf).await? == 0 {
                return Ok(()); // the client closed the connection
            }
        };
        buf.drain(..end);
        tokio::time::sleep(DELAY).await;
        stream.write_all(RESPONSE).await?;
    }
}
