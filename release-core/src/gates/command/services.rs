//! Services a command needs (a private Postgres, a Redis): started before it on a free
//! loopback port, probed until ready, stopped after it whatever happened.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::process::{self, Invocation, ProcessGroup, Tail};
use super::spec::ServiceSpec;
use crate::Redactor;
use crate::duration::format_duration;

/// The loopback address services listen on.
pub(crate) const HOST: &str = "127.0.0.1";
/// Default for `ready_timeout`.
const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How often readiness is probed.
const PROBE_INTERVAL: Duration = Duration::from_millis(100);
/// A readiness command or a `stop` command may take this long.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of a service's output kept for the report.
const SERVICE_LINES: usize = 20;

/// The placeholders a service's settings may use.
pub(crate) const PLACEHOLDERS: [&str; 3] = ["port", "host", "dir"];

/// Checks that `text` uses no placeholder but [`PLACEHOLDERS`] and closes every `{`.
pub(crate) fn check_template(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed `{{` in `{text}`"))?;
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder `{{{name}}}` in `{text}`; expected {{port}}, {{host}} or {{dir}}"
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// A service setting with the placeholders known before the service starts filled: `{host}`.
pub(crate) fn fill_constant_placeholders(text: &str) -> String {
    text.replace("{host}", HOST)
}

/// The parts of a secret that hold no placeholder filled only when its service starts
/// (`{port}`, `{dir}`), for a redactor built before: the whole secret when it holds none.
pub(crate) fn literal_pieces(secret: &str) -> Vec<String> {
    secret
        .split("{port}")
        .flat_map(|piece| piece.split("{dir}"))
        .filter(|piece| !piece.is_empty())
        .map(str::to_owned)
        .collect()
}

fn fill(text: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = text.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A free TCP port on loopback: bound, read and released. Another process could take it
/// before the service binds it: the service then fails to start (and says so in its output),
/// though a `tcp` probe could meanwhile reach the other listener; a `command` probe that asks
/// the service itself (`pg_isready`, `redis-cli ping`) is not fooled.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind((HOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// A started service.
#[derive(Debug)]
pub(crate) struct RunningService {
    spec: ServiceSpec,
    port: u16,
    values: BTreeMap<&'static str, String>,
    // Removed when the service is dropped, after it has stopped.
    _dir: tempfile::TempDir,
    child: tokio::process::Child,
    group: ProcessGroup,
    readers: Vec<tokio::task::JoinHandle<()>>,
    stdout: Arc<Mutex<Tail>>,
    stderr: Arc<Mutex<Tail>>,
    ready_after: Duration,
}

impl RunningService {
    /// The variables it gives the command, placeholders filled.
    pub(crate) fn env(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.spec
            .env
            .iter()
            .map(|(k, v)| (k.clone(), fill(v, &self.values)))
    }

    /// Stops it: its `stop` command, then its process group. Returns a line for the report
    /// and the service's last output, redacted.
    pub(crate) async fn stop(
        mut self,
        env: &[(String, String)],
        grace: Duration,
        cancel: &CancellationToken,
        redactor: &Redactor,
    ) -> StoppedService {
        let mut notes = Vec::new();
        if !self.spec.stop.is_empty() {
            let argv: Vec<String> = self
                .spec
                .stop
                .iter()
                .map(|a| fill(a, &self.values))
                .collect();
            match run_helper(&argv, env, HELPER_TIMEOUT, cancel).await {
                Ok(()) => {}
                Err(problem) => notes.push(format!("stop command: {problem}")),
            }
        }
        let grace = process::bounded(grace, cancel);
        if self.group.stop(grace).await {
            notes.push(format!("killed after {}", format_duration(grace)));
        }
        let exit_wait = process::bounded(EXIT_WAIT, cancel);
        let _ = tokio::time::timeout(exit_wait, self.child.wait()).await;
        drain(std::mem::take(&mut self.readers), cancel).await;
        let mut line = format!(
            "{} on {HOST}:{}: ready after {}, stopped",
            self.spec.name,
            self.port,
            format_duration(self.ready_after)
        );
        if !notes.is_empty() {
            line.push_str(&format!(" ({})", notes.join("; ")));
        }
        let mut output = Vec::new();
        for (stream, tail) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let tail = process::lock(tail);
            if !tail.is_empty() {
                output.push((
                    format!("{} {stream}", self.spec.name),
                    tail.render(redactor),
                ));
            }
        }
        StoppedService { line, output }
    }
}

/// What is left of a stopped service for the report.
#[derive(Debug)]
pub(crate) struct StoppedService {
    /// Where it ran, how long it took to be ready, how it stopped.
    pub(crate) line: String,
    /// Its last output lines, per stream, redacted.
    pub(crate) output: Vec<(String, String)>,
}

/// Why a service could not be started.
#[derive(Debug)]
pub(crate) struct ServiceFailure {
    /// What went wrong, naming the service.
    pub(crate) summary: String,
    /// The service's last output lines, per stream, redacted.
    pub(crate) output: Vec<(String, String)>,
}

/// Starts one service and waits until it is ready.
pub(crate) async fn start(
    spec: &ServiceSpec,
    env: &[(String, String)],
    deadline: Instant,
    cancel: &CancellationToken,
    grace: Duration,
    redactor: &Redactor,
) -> Result<RunningService, ServiceFailure> {
    let fail = |summary: String| ServiceFailure {
        summary,
        output: Vec::new(),
    };
    if cancel.is_cancelled() {
        return Err(fail(format!(
            "service `{}`: cancelled before it started",
            spec.name
        )));
    }
    let port = match spec.port {
        // Something already listening there would pass the readiness probe in the service's
        // place, and the command would run against it (a developer's own database, say).
        Some(port) => match std::net::TcpListener::bind((HOST, port)) {
            Ok(_) => port,
            Err(e) => {
                return Err(fail(format!(
                    "service `{}`: port {port} on {HOST} is taken ({e}); stop what holds it, or leave `port` out for a free one",
                    spec.name
                )));
            }
        },
        None => free_port().map_err(|e| fail(format!("service `{}`: {e}", spec.name)))?,
    };
    let dir = tempfile::Builder::new()
        .prefix(&format!("release-{}-", spec.name))
        .tempdir()
        .map_err(|e| {
            fail(format!(
                "service `{}`: no temporary directory: {e}",
                spec.name
            ))
        })?;
    let values = BTreeMap::from([
        ("port", port.to_string()),
        ("host", HOST.to_owned()),
        ("dir", dir.path().display().to_string()),
    ]);
    let argv: Vec<String> = spec.start.iter().map(|a| fill(a, &values)).collect();
    let invocation = Invocation {
        argv: &argv,
        cwd: None,
        env,
        capture: true,
    };
    let (mut child, mut group) = invocation
        .spawn()
        .map_err(|e| fail(format!("service `{}`: {e}", spec.name)))?;
    let stdout = Arc::new(Mutex::new(Tail::new(SERVICE_LINES, redactor)));
    let stderr = Arc::new(Mutex::new(Tail::new(SERVICE_LINES, redactor)));
    // Services run alongside the command, so their output is read by tasks of their own.
    let mut readers = Vec::new();
    for (reader, tail) in [
        (
            child
                .stdout
                .take()
                .map(|r| Box::new(r) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            stdout.clone(),
        ),
        (
            child
                .stderr
                .take()
                .map(|r| Box::new(r) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            stderr.clone(),
        ),
    ] {
        readers.push(tokio::spawn(async move {
            process::pump(reader, &tail, "service", None).await;
        }));
    }
    let started = Instant::now();
    let ready_timeout = spec
        .ready_timeout
        .map_or(DEFAULT_READY_TIMEOUT, |t| t.get());
    let ready_by = started
        .checked_add(ready_timeout)
        .map_or(deadline, |by| by.min(deadline));
    let output = |stdout: &Arc<Mutex<Tail>>, stderr: &Arc<Mutex<Tail>>| {
        vec![
            (
                format!("{} stdout", spec.name),
                process::lock(stdout).render(redactor),
            ),
            (
                format!("{} stderr", spec.name),
                process::lock(stderr).render(redactor),
            ),
        ]
    };
    let mut daemonized = false;
    let has_stop = !spec.stop.is_empty();
    let problem = loop {
        if cancel.is_cancelled() {
            break "cancelled while it started".to_owned();
        }
        if let Err(problem) = watch_start(&mut child, &mut group, &mut daemonized, has_stop) {
            break problem;
        }
        if probe(spec, port, &values, env, ready_by, cancel).await {
            // Ready only if it is still ours: a start command that died meanwhile (the port was
            // taken, say) leaves whatever answered the probe in its place.
            match watch_start(&mut child, &mut group, &mut daemonized, has_stop) {
                Err(problem) => break problem,
                Ok(()) => {
                    return Ok(RunningService {
                        spec: spec.clone(),
                        port,
                        values,
                        _dir: dir,
                        child,
                        group,
                        readers,
                        stdout,
                        stderr,
                        ready_after: started.elapsed(),
                    });
                }
            }
        }
        if Instant::now() >= ready_by {
            let waited = format_duration(ready_by.saturating_duration_since(started));
            break format!(
                "not ready after {waited} ({})",
                describe_probe(spec, port, &values)
            );
        }
        tokio::select! {
            () = tokio::time::sleep(PROBE_INTERVAL) => {}
            () = cancel.cancelled() => {}
        }
    };
    if !spec.stop.is_empty() {
        let stop: Vec<String> = spec.stop.iter().map(|a| fill(a, &values)).collect();
        let _ = run_helper(&stop, env, HELPER_TIMEOUT, cancel).await;
    }
    group.stop(process::bounded(grace, cancel)).await;
    let _ = tokio::time::timeout(process::bounded(EXIT_WAIT, cancel), child.wait()).await;
    // The last output usually says why; it is read to the end, briefly.
    drain(readers, cancel).await;
    Err(ServiceFailure {
        summary: format!("service `{}` did not start: {problem}", spec.name),
        output: output(&stdout, &stderr),
    })
}

/// Checks that the service's start command still runs (it is the service) or exited 0 having
/// started a daemon that a `stop` command will end; anything else means the service is gone.
fn watch_start(
    child: &mut tokio::process::Child,
    group: &mut ProcessGroup,
    daemonized: &mut bool,
    has_stop: bool,
) -> Result<(), String> {
    if *daemonized {
        return Ok(());
    }
    match child.try_wait() {
        Ok(Some(status)) if status.success() && !has_stop => Err(
            "its start command exited 0, leaving a daemon that no `stop` command will end; run the service in the foreground or declare `stop`".to_owned(),
        ),
        Ok(Some(status)) if status.success() => {
            *daemonized = true;
            // The leader is reaped: once its group is empty its id may be reused, and must not
            // be signalled any more.
            group.forget_if_empty();
            Ok(())
        }
        Ok(Some(status)) => Err(format!(
            "its start command exited with {status} before it was ready"
        )),
        Ok(None) => Ok(()),
        Err(e) => Err(format!("failed to watch its start command: {e}")),
    }
}

fn describe_probe(spec: &ServiceSpec, port: u16, values: &BTreeMap<&str, String>) -> String {
    if spec.ready.command.is_empty() {
        format!("no TCP connection to {HOST}:{port}")
    } else {
        let argv: Vec<String> = spec.ready.command.iter().map(|a| fill(a, values)).collect();
        format!("`{}` did not exit 0", argv.join(" "))
    }
}

/// How long stopping one service may take at most: its `stop` command and that command's
/// group, then its own group (`SIGTERM`, the grace, `SIGKILL`, a wait), the leader's exit and
/// the rest of its output. The gate's stop grace is made of these.
pub(crate) fn stop_budget(grace: Duration) -> Duration {
    HELPER_TIMEOUT + HELPER_GRACE + KILL_WAIT + grace + KILL_WAIT + EXIT_WAIT + process::DRAIN
}

/// The group of a readiness or stop command gets this long after `SIGTERM`.
const HELPER_GRACE: Duration = Duration::from_secs(1);
/// See [`process::KILL_WAIT`].
const KILL_WAIT: Duration = process::KILL_WAIT;
/// How long a stopped leader's exit is waited for.
const EXIT_WAIT: Duration = Duration::from_secs(1);

/// Waits a moment for the output readers to reach the end of their pipes.
async fn drain(readers: Vec<tokio::task::JoinHandle<()>>, cancel: &CancellationToken) {
    let all = futures_util::future::join_all(readers);
    let _ = tokio::time::timeout(process::bounded(process::DRAIN, cancel), all).await;
}

/// One readiness probe, over by `ready_by` or on cancellation.
async fn probe(
    spec: &ServiceSpec,
    port: u16,
    values: &BTreeMap<&str, String>,
    env: &[(String, String)],
    ready_by: Instant,
    cancel: &CancellationToken,
) -> bool {
    if spec.ready.command.is_empty() {
        let connect = tokio::net::TcpStream::connect((HOST, port));
        return matches!(
            tokio::time::timeout(Duration::from_secs(1), connect).await,
            Ok(Ok(_))
        );
    }
    let argv: Vec<String> = spec.ready.command.iter().map(|a| fill(a, values)).collect();
    let limit = HELPER_TIMEOUT.min(ready_by.saturating_duration_since(Instant::now()));
    tokio::select! {
        result = run_helper(&argv, env, limit, cancel) => result.is_ok(),
        () = cancel.cancelled() => false,
    }
}

/// Runs a readiness or stop command to its end (at most `limit`, less once the run is
/// cancelled), output discarded.
async fn run_helper(
    argv: &[String],
    env: &[(String, String)],
    limit: Duration,
    cancel: &CancellationToken,
) -> Result<(), String> {
    let limit = process::bounded(limit, cancel);
    let invocation = Invocation {
        argv,
        cwd: None,
        env,
        capture: false,
    };
    let (mut child, mut group) = invocation.spawn()?;
    let result = match tokio::time::timeout(limit, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("exited with {status}")),
        Ok(Err(e)) => Err(format!("failed to wait: {e}")),
        Err(_) => Err(format!("no exit within {}", format_duration(limit))),
    };
    group.stop(process::bounded(HELPER_GRACE, cancel)).await;
    result
}
