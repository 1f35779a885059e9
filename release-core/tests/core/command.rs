//! The `command` gate with real processes: exit statuses, timeouts and cancellation that stop
//! the whole process group (grandchildren included), programs that cannot start, floods of
//! output, planted secrets, and services started and stopped around the command.

use std::path::Path;
use std::time::Duration;

use release_core::gates::command::{CommandGate, CommandGateSpec};
use release_core::{Context, Evaluation, Gate, GateInfo, Redactor, Runner, Vars, Verdict};
use tokio_util::sync::CancellationToken;

const CANARY: &str = "canary-9f8e7d6c5b4a-secret";

fn gate(toml_spec: &str, timeout: Option<Duration>) -> CommandGate {
    let spec: CommandGateSpec = toml::from_str(toml_spec).expect("spec");
    let mut info = GateInfo::new("qa", "command");
    info.timeout = timeout;
    CommandGate::new(info, spec).expect("gate")
}

fn context() -> Context {
    context_with(CancellationToken::new())
}

fn context_with(cancel: CancellationToken) -> Context {
    let mut vars = Vars::from_process();
    vars.overlay(Vars::from_pairs([("RELEASE_TEST_TOKEN", CANARY)]));
    let mut redactor = Redactor::new();
    redactor.add(CANARY);
    Context::builder("staging")
        .vars(vars)
        .redactor(redactor)
        .cancellation(cancel)
        .build()
}

fn evidence<'a>(evaluation: &'a Evaluation, name: &str) -> &'a str {
    evaluation
        .evidence
        .iter()
        .find(|e| e.name == name)
        .map(|e| e.detail.as_str())
        .unwrap_or_else(|| panic!("no `{name}` evidence in {evaluation:#?}"))
}

/// Whether a process is running: present in /proc and not a zombie.
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or("");
        state != "Z" && state != "X"
    })
}

fn read_pid(path: &Path) -> i32 {
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(pid) = text.trim().parse()
        {
            return pid;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no pid written to {}", path.display());
}

#[tokio::test]
async fn a_passing_command_passes_with_its_output_as_evidence() {
    let gate = gate(
        r#"command = ["sh", "-c", "echo checked 42 files; echo 'a note' >&2"]"#,
        None,
    );
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    assert!(evaluation.summary.starts_with("exited 0 after"));
    assert_eq!(
        evidence(&evaluation, "command"),
        "sh -c 'echo checked 42 files; echo '\\''a note'\\'' >&2'"
    );
    assert_eq!(
        evidence(&evaluation, "stdout"),
        "last 1 of 1 lines (17 bytes)\nchecked 42 files"
    );
    assert!(evidence(&evaluation, "stderr").ends_with("\na note"));
}

#[tokio::test]
async fn a_failing_command_fails_and_plan_declared_codes_warn_or_skip() {
    let failing = gate(r#"shell = "echo broken >&2; exit 3""#, None)
        .evaluate(&context())
        .await;
    assert_eq!(failing.verdict, Verdict::Fail);
    assert!(
        failing.summary.starts_with("exited 3 after"),
        "{}",
        failing.summary
    );
    assert_eq!(failing.observations[0].rule, "exit-code");
    assert_eq!(failing.observations[0].observed, serde_json::json!(3));
    assert!(evidence(&failing, "stderr").ends_with("broken"));

    let warned = gate(
        "shell = 'exit 3'\nexit_codes = { warn = [3], skip = [4] }",
        None,
    )
    .evaluate(&context())
    .await;
    assert_eq!(warned.verdict, Verdict::Warn);
    assert_eq!(
        warned.observations[0].expected,
        serde_json::json!("0 (warn: 3) (skip: 4)")
    );
    let skipped = gate(
        "shell = 'exit 4'\nexit_codes = { warn = [3], skip = [4] }",
        None,
    )
    .evaluate(&context())
    .await;
    assert_eq!(skipped.verdict, Verdict::Skipped);
}

#[tokio::test]
async fn a_command_killed_by_a_signal_fails_naming_it() {
    let evaluation = gate(r#"shell = "kill -SEGV $$""#, None)
        .evaluate(&context())
        .await;
    assert_eq!(evaluation.verdict, Verdict::Fail);
    assert!(
        evaluation.summary.contains("SIGSEGV"),
        "{}",
        evaluation.summary
    );
}

#[tokio::test]
async fn a_timeout_stops_the_whole_group_grandchildren_that_ignore_sigterm_included() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pidfile = dir.path().join("grandchild.pid");
    let script = format!(
        "sh -c 'trap \"\" TERM; echo $$ > {}; exec sleep 300' & wait",
        pidfile.display()
    );
    let gate = gate(
        &format!("shell = {script:?}\ngrace = \"300ms\""),
        Some(Duration::from_secs(1)),
    );
    let evaluation = gate.evaluate(&context()).await;
    let grandchild = read_pid(&pidfile);
    assert_eq!(evaluation.verdict, Verdict::Error, "{evaluation:#?}");
    assert!(
        evaluation.summary.starts_with(
            "timed out after 1s; stopped its process group (SIGTERM, then SIGKILL after 300ms)"
        ),
        "{}",
        evaluation.summary
    );
    assert_eq!(evaluation.observations[0].rule, "timeout");
    assert!(
        !running(grandchild),
        "grandchild {grandchild} survived the timeout"
    );
}

#[tokio::test]
async fn processes_left_behind_by_a_passing_command_are_stopped_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pidfile = dir.path().join("leftover.pid");
    let gate = gate(
        &format!(
            "shell = \"sleep 300 & echo $! > {}; echo started\"",
            pidfile.display()
        ),
        None,
    );
    let evaluation = gate.evaluate(&context()).await;
    let leftover = read_pid(&pidfile);
    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    assert!(evidence(&evaluation, "left behind").contains("still running after it exited"));
    assert!(
        !running(leftover),
        "the leftover {leftover} is still running"
    );
}

#[tokio::test]
async fn cancelling_stops_the_group_and_reports_the_output_so_far() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pidfile = dir.path().join("child.pid");
    let cancel = CancellationToken::new();
    let gate = gate(
        &format!(
            "shell = \"echo working; sleep 300 & echo $! > {}; wait\"",
            pidfile.display()
        ),
        None,
    );
    let cx = context_with(cancel.clone());
    let trigger = async {
        read_pid_async(&pidfile).await;
        cancel.cancel();
    };
    let (evaluation, ()) = tokio::join!(gate.evaluate(&cx), trigger);
    let child = read_pid(&pidfile);
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation.summary.starts_with("cancelled after"),
        "{}",
        evaluation.summary
    );
    assert!(evidence(&evaluation, "stdout").ends_with("working"));
    assert!(!running(child));
}

#[tokio::test]
async fn a_cancelled_command_is_killed_within_a_second_whatever_its_grace() {
    // A grandchild that ignores SIGTERM and a five-minute grace: after a cancellation (a
    // signal to `release`) the run must still end within a second, so the grace is cut.
    let dir = tempfile::tempdir().expect("tempdir");
    let pidfile = dir.path().join("child.pid");
    let cancel = CancellationToken::new();
    let gate = gate(
        &format!(
            // The grandchild writes its pid once it ignores SIGTERM, so the cancellation (sent
            // when the pid appears) can never reach it before the trap is set.
            "shell = \"echo working; sh -c 'trap \\\"\\\" TERM; echo $$ > {}; exec sleep 300' & wait\"\ngrace = \"5m\"",
            pidfile.display()
        ),
        None,
    );
    let cx = context_with(cancel.clone());
    let trigger = async {
        read_pid_async(&pidfile).await;
        cancel.cancel();
    };
    let started = std::time::Instant::now();
    let (evaluation, ()) = tokio::join!(gate.evaluate(&cx), trigger);
    let child = read_pid(&pidfile);
    assert!(!running(child), "the grandchild outlived the cancellation");
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation
            .summary
            .ends_with("stopped its process group (SIGTERM, then SIGKILL after 200ms)"),
        "{}",
        evaluation.summary
    );
    assert!(evidence(&evaluation, "stdout").ends_with("working"));
    // Well under a second by design (200 ms of grace); three allow for a loaded machine.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

async fn read_pid_async(path: &Path) {
    for _ in 0..250 {
        if std::fs::read_to_string(path).is_ok_and(|t| t.trim().parse::<i32>().is_ok()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no pid written to {}", path.display());
}

#[tokio::test]
async fn the_runner_lets_a_command_gate_stop_itself_on_timeout_and_ctrl_c() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pidfile = dir.path().join("sleeper.pid");
    let spec: CommandGateSpec = toml::from_str(&format!(
        "shell = \"echo before; sleep 300 & echo $! > {}; wait\"",
        pidfile.display()
    ))
    .expect("spec");
    let timed = CommandGate::new(
        GateInfo::new("slow", "command").timeout(Duration::from_secs(1)),
        spec,
    )
    .expect("gate");
    let gates: Vec<Box<dyn release_core::DynGate>> = vec![Box::new(timed)];
    let report = Runner::new().run(&gates, &context()).await;
    let evaluation = &report.results[0].evaluation;
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation
            .summary
            .starts_with("timed out after 1s; stopped its process group"),
        "{}",
        evaluation.summary
    );
    assert!(
        evidence(evaluation, "stdout").ends_with("before"),
        "the gate's own report, not the runner's"
    );
    assert!(!running(read_pid(&pidfile)));

    std::fs::remove_file(&pidfile).expect("remove pidfile");
    let cancel = CancellationToken::new();
    let cx = context_with(cancel.clone());
    let spec: CommandGateSpec = toml::from_str(&format!(
        "shell = \"echo before; sleep 300 & echo $! > {}; wait\"",
        pidfile.display()
    ))
    .expect("spec");
    let gates: Vec<Box<dyn release_core::DynGate>> = vec![Box::new(
        CommandGate::new(GateInfo::new("slow", "command"), spec).expect("gate"),
    )];
    let runner = Runner::new();
    let trigger = async {
        read_pid_async(&pidfile).await;
        cancel.cancel();
    };
    let (report, ()) = tokio::join!(runner.run(&gates, &cx), trigger);
    assert!(report.cancelled);
    let evaluation = &report.results[0].evaluation;
    assert!(
        evaluation.summary.starts_with("cancelled after"),
        "{}",
        evaluation.summary
    );
    assert!(!running(read_pid(&pidfile)));
}

#[tokio::test]
async fn a_program_that_cannot_start_is_an_error_naming_it() {
    let evaluation = gate(r#"command = ["release-no-such-program-7c1d"]"#, None)
        .evaluate(&context())
        .await;
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation
            .summary
            .starts_with("cannot start `release-no-such-program-7c1d`: No such file or directory"),
        "{}",
        evaluation.summary
    );
    assert!(
        evaluation
            .summary
            .ends_with("(is it installed and on PATH?)")
    );

    let evaluation = gate(
        "command = ['true']\ncwd = '/nonexistent/release-test'",
        None,
    )
    .evaluate(&context())
    .await;
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation
            .summary
            .contains("the working directory /nonexistent/release-test does not exist"),
        "{}",
        evaluation.summary
    );
}

#[tokio::test]
async fn megabytes_of_output_leave_bounded_evidence() {
    // 8 MiB of short lines on stdout and one 4 MiB line without a newline on stderr.
    let gate = gate(
        r#"shell = "yes 'a line of output' | head -c 8388608; head -c 4194304 /dev/zero | tr '\\0' x >&2""#,
        None,
    );
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, Verdict::Pass, "{}", evaluation.summary);
    let stdout = evidence(&evaluation, "stdout");
    assert!(
        stdout.starts_with("last 40 of 493448 lines (8388608 bytes)"),
        "{}",
        &stdout[..80]
    );
    assert!(
        stdout.len() < 2_000,
        "{} bytes of stdout evidence",
        stdout.len()
    );
    let stderr = evidence(&evaluation, "stderr");
    assert!(stderr.starts_with("last 1 of 1 lines (4194304 bytes)"));
    assert!(
        stderr.len() < 1_200,
        "{} bytes of stderr evidence",
        stderr.len()
    );
    assert!(stderr.ends_with("[line cut]"));
}

#[tokio::test]
async fn a_planted_secret_reaches_the_process_but_no_output() {
    let gate = gate(
        r#"shell = "echo token=$RELEASE_TEST_TOKEN; echo \"failed with $RELEASE_TEST_TOKEN\" >&2; exit 1""#,
        None,
    );
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, Verdict::Fail);
    assert!(
        evidence(&evaluation, "stdout").ends_with("token=[redacted]"),
        "the variable was passed through"
    );
    let everything = format!("{evaluation:?}");
    assert!(!everything.contains(CANARY), "{everything}");
}

#[tokio::test]
async fn a_service_is_started_before_and_stopped_after_the_command() {
    // A loopback service from any machine: a shell loop around Python's socket module would
    // do; python3 ships with the CI image.
    let server = "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); print('listening', flush=True); [s.accept()[0].close() for _ in iter(int, 1)]";
    let gate = gate(
        &format!(
            r#"shell = "echo service at $SERVICE_ADDR"
[[services]]
name = "echo"
start = ["python3", "-c", {server:?}, "{{port}}"]
env = {{ SERVICE_ADDR = "{{host}}:{{port}}" }}
"#
        ),
        None,
    );
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    let line = evidence(&evaluation, "service");
    assert!(line.starts_with("echo on 127.0.0.1:"), "{line}");
    assert!(
        line.contains(": ready after") && line.ends_with(", stopped"),
        "{line}"
    );
    let port: u16 = line["echo on 127.0.0.1:".len()..]
        .split(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port in the service line");
    assert!(evidence(&evaluation, "stdout").ends_with(&format!("service at 127.0.0.1:{port}")));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the service still listens on {port}"
    );
}

#[tokio::test]
async fn a_service_that_never_gets_ready_is_an_error_with_its_output() {
    let gate = gate(
        r#"command = ["true"]
[[services]]
name = "stuck"
start = ["sh", "-c", "echo 'waiting for a lock'; exec sleep 300"]
ready_timeout = "500ms"
"#,
        None,
    );
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation.summary.starts_with(
            "service `stuck` did not start: not ready after 500ms (no TCP connection to 127.0.0.1:"
        ),
        "{}",
        evaluation.summary
    );
    assert!(evidence(&evaluation, "stuck stdout").ends_with("waiting for a lock"));

    let crashed = self::gate(
        r#"command = ["true"]
[[services]]
name = "crash"
start = ["sh", "-c", "echo 'bad config' >&2; exit 2"]
"#,
        None,
    )
    .evaluate(&context())
    .await;
    assert_eq!(crashed.verdict, Verdict::Error);
    assert!(
        crashed
            .summary
            .contains("its start command exited with exit status: 2"),
        "{}",
        crashed.summary
    );
    assert!(evidence(&crashed, "crash stderr").ends_with("bad config"));
}

#[tokio::test]
async fn skip_deps_uses_running_services_and_says_so() {
    let gate = gate(
        r#"command = ["true"]
[[services]]
name = "postgres"
start = ["release-no-such-program-7c1d"]
"#,
        None,
    );
    let cx = Context::builder("staging")
        .vars(Vars::from_process())
        .use_running_services(true)
        .build();
    let evaluation = gate.evaluate(&cx).await;
    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    assert_eq!(
        evidence(&evaluation, "services"),
        "not started (--skip-deps): postgres must already be running"
    );
}

#[test]
fn bad_settings_are_refused_with_the_reason() {
    let refused = |toml_spec: &str| {
        let spec: CommandGateSpec = toml::from_str(toml_spec).expect("spec");
        CommandGate::new(GateInfo::new("qa", "command"), spec)
            .expect_err("refused")
            .to_string()
    };
    assert!(refused("").starts_with("no program to run"));
    assert_eq!(
        refused("command = ['a']\nshell = 'b'"),
        "set `command` or `shell`, not both"
    );
    assert_eq!(refused("command = ['']"), "the program's name is empty");
    assert!(refused("command = ['a']\nexit_codes = { warn = [0] }").contains("always passes"));
    assert!(
        refused("command = ['a']\nexit_codes = { warn = [2], skip = [2] }")
            .contains("both warn and skip")
    );
    assert!(refused("command = ['a']\noutput_lines = 5000").contains("at most 1000"));
    assert!(
        refused("command = ['a']\n[[services]]\nname = 'db'\nstart = ['x', '{prot}']")
            .contains("unknown placeholder `{prot}`")
    );
    assert!(
        refused("command = ['a']\n[[services]]\nname = 'db'\nstart = ['x']\nready = {}")
            .contains("`ready` takes `tcp = true` or a `command`")
    );
}

#[tokio::test]
async fn a_service_port_already_taken_is_refused_before_anything_starts() {
    // Whatever listens there would pass the probe in the service's place.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = squatter.local_addr().expect("addr").port();
    let gate = gate(
        &format!(
            r#"command = ["true"]
[[services]]
name = "db"
port = {port}
start = ["sleep", "300"]
"#
        ),
        None,
    );
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation
            .summary
            .starts_with(&format!("service `db`: port {port} on 127.0.0.1 is taken")),
        "{}",
        evaluation.summary
    );
}

#[tokio::test]
async fn a_service_that_daemonizes_without_a_stop_command_is_an_error() {
    let gate = gate(
        r#"command = ["true"]
[[services]]
name = "daemon"
start = ["true"]
"#,
        None,
    );
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation.summary.contains(
            "its start command exited 0, leaving a daemon that no `stop` command will end"
        ),
        "{}",
        evaluation.summary
    );
}

/// The variable that marks every process of a [`killed_runner`] run, so they can be found in
/// `/proc` whatever their parent is now.
const MARKER_VAR: &str = "RELEASE_TEST_ORPHAN_MARKER";

/// Running processes (zombies aside) whose environment holds `marker`, but `except`.
fn marked_processes(marker: &str, except: i32) -> Vec<i32> {
    let needle = format!("{MARKER_VAR}={marker}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != except && running(*pid))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
        })
        .collect()
}

/// The watchdog `sh` that a process started: a child of it running the watchdog script.
fn watchdog_of(parent: i32) -> Option<i32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .find(|pid| {
            let parent_matches = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let rest = stat.rsplit_once(')')?.1.to_owned();
                    rest.split_whitespace().nth(1)?.parse::<i32>().ok()
                })
                == Some(parent);
            parent_matches
                && running(*pid)
                && std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains("trap '' INT TERM HUP"))
        })
}

/// Not a test of its own: the process that the `a_runner_killed_…` tests start and kill with
/// `SIGKILL`. It runs a command gate whose command, grandchildren and service all ignore
/// `SIGTERM`, until it is killed.
#[tokio::test]
#[ignore = "started by other tests in a process of its own"]
async fn killed_runner() {
    let Ok(dir) = std::env::var("RELEASE_TEST_KILLED_RUNNER_DIR") else {
        return;
    };
    let gate = gate(
        &format!(
            r#"shell = "trap '' TERM; sleep 300 & (trap '' TERM; exec sleep 301) & touch {dir}/command.ready; wait"
[[services]]
name = "stubborn"
start = ["sh", "-c", "trap '' TERM; touch {{dir}}/ready; while :; do sleep 1; done"]
ready = {{ command = ["test", "-f", "{{dir}}/ready"] }}
"#
        ),
        None,
    );
    let evaluation = gate.evaluate(&context()).await;
    panic!("the gate was to be killed before it ended: {evaluation:#?}");
}

/// A [`killed_runner`] process; dropped, it and everything it started are killed, so a failed
/// test leaves nothing running.
struct KilledRunner {
    child: std::process::Child,
    pid: i32,
    marker: String,
    _dir: tempfile::TempDir,
}

impl Drop for KilledRunner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in marked_processes(&self.marker, self.pid) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// [`killed_runner`]'s name as libtest knows it: its module path without the crate's name, as
/// this file is a module of the crate's one test binary.
fn killed_runner_name() -> String {
    match module_path!().split_once("::") {
        Some((_crate, module)) => format!("{module}::killed_runner"),
        None => "killed_runner".to_owned(),
    }
}

/// Starts [`killed_runner`] and waits until its command, grandchildren and service run.
fn start_killed_runner() -> KilledRunner {
    let marker = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", &killed_runner_name(), "--ignored", "--nocapture"])
        .env("RELEASE_TEST_KILLED_RUNNER_DIR", dir.path())
        .env(MARKER_VAR, &marker)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the runner");
    let runner = KilledRunner {
        pid: i32::try_from(child.id()).expect("pid"),
        child,
        marker,
        _dir: dir,
    };
    for _ in 0..500 {
        // The service's loop and its sleep, the command's shell, its sleep and the subshell's.
        if runner._dir.path().join("command.ready").exists()
            && marked_processes(&runner.marker, runner.pid).len() >= 4
        {
            return runner;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "the runner's processes did not start: {:?}",
        marked_processes(&runner.marker, runner.pid)
    );
}

/// Kills the runner with `SIGKILL` and checks that nothing it started is left.
fn kill_and_expect_no_orphans(mut runner: KilledRunner) {
    let marker = runner.marker.clone();
    assert!(!marked_processes(&marker, runner.pid).is_empty());
    runner.child.kill().expect("SIGKILL the runner");
    runner.child.wait().expect("reap the runner");
    // The rule is "gone within a second" (0.2 s of it is the watchdog's SIGTERM grace); the
    // bound here is three, as this loaded two-core machine may be slow to schedule anyone.
    let mut left = Vec::new();
    for _ in 0..150 {
        left = marked_processes(&marker, runner.pid);
        if left.is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("processes outlived their runner: {left:?}");
}

#[test]
fn a_runner_killed_with_sigkill_leaves_no_command_or_service_behind() {
    kill_and_expect_no_orphans(start_killed_runner());
}

#[test]
fn a_runner_whose_watchdog_was_killed_first_still_leaves_nothing_behind() {
    let runner = start_killed_runner();
    let first = watchdog_of(runner.pid).expect("the runner has a watchdog");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(first),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill the watchdog");
    let mut replaced = false;
    for _ in 0..250 {
        if watchdog_of(runner.pid).is_some_and(|p| p != first) {
            replaced = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(replaced, "no new watchdog after the first was killed");
    kill_and_expect_no_orphans(runner);
}
