//! What the whole-process benches share: the machine's description, and the measuring half: the bench re-runs itself as a
//! measurer (`--measure CMD…`), so `RUSAGE_CHILDREN` covers exactly one child, the command.

use std::error::Error;
use std::process::{Command, Stdio};
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};
use serde_json::json;

/// The measurer: runs the command as its only child, and prints the child's wall time, CPU
/// time and max RSS (from `RUSAGE_CHILDREN`, which now covers that child alone), its exit code
/// and its output, as one JSON line.
pub(crate) fn measure(command: &[String]) -> Result<(), Box<dyn Error>> {
    let (program, args) = command.split_first().ok_or("--measure needs a command")?;
    let start = Instant::now();
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()?;
    let wall = start.elapsed();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let micros = |t: nix::sys::time::TimeVal| t.tv_sec() * 1_000_000 + t.tv_usec();
    let report = json!({
        "wall_us": wall.as_micros() as u64,
        "user_us": micros(usage.user_time()),
        "sys_us": micros(usage.system_time()),
        // Linux reports it in KiB.
        "max_rss_kib": usage.max_rss(),
        "exit_code": output.status.code(),
        "stdout": String::from_utf8_lossy(&output.stdout),
        "stderr": String::from_utf8_lossy(&output.stderr),
    });
    println!("{report}");
    Ok(())
}

/// CPU count, CPU model and memory, for the report.
pub(crate) fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let read = |path| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let meminfo = read("/proc/meminfo");
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    format!(
        "{cpus} CPUs ({model}), {:.1} GiB memory",
        mem_kib as f64 / 1024.0 / 1024.0
    )
}
