//! The `command` gate with real services from Debian's packages: a private PostgreSQL
//! (`fixtures/services/postgres.sh`: `initdb` in the service's temporary directory, the server
//! in the foreground) and a private Redis, each on a free loopback port. The command connects
//! to both; both are stopped afterwards, whether the command passed, failed or timed out, and
//! nothing of them is left running.
//!
//! These tests need `postgresql` and `redis-server` installed (`.ci/run` installs them). Without
//! them they fail, saying how to install them; they never pass without having run.

use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use release_core::gates::command::{CommandGate, CommandGateSpec};
use release_core::{Context, Evaluation, Gate, GateInfo, Vars, Verdict};

const INSTALL: &str =
    "install them with: apt-get install -y postgresql redis-server (.ci/run does this)";

/// The services, as a plan declares them. The script's path is filled in by [`gate`];
/// `POSTGRES_DIR` and `REDIS_DIR` let the command tell the test where the services ran.
const SERVICES: &str = r#"
[[services]]
name = "postgres"
start = ["postgres.sh", "{dir}", "{port}"]
# Not `tcp`: the server listens a moment before it accepts connections ("the database system
# is starting up"). `-U postgres`, or the probe logs `role "root" does not exist` as root.
ready = { command = ["pg_isready", "-U", "postgres", "-h", "{host}", "-p", "{port}"] }
env = { DATABASE_URL = "postgres://postgres@{host}:{port}/postgres", POSTGRES_DIR = "{dir}" }

[[services]]
name = "redis"
start = [
    "redis-server", "--port", "{port}", "--bind", "{host}", "--save", "", "--appendonly", "no",
    "--dir", "{dir}",
]
ready = { tcp = true }
env = { REDIS_URL = "redis://{host}:{port}/0", REDIS_DIR = "{dir}" }
"#;

/// Connects to both services and prints what they answered; the tests add how it ends.
const CONNECT: &str = r#"set -eu
echo "postgres dir: $POSTGRES_DIR"
echo "redis dir: $REDIS_DIR"
pg=$(psql "$DATABASE_URL" -tAc "select 1")
redis=$(redis-cli -u "$REDIS_URL" ping)
echo "postgres answered: $pg"
echo "redis answered: $redis"
test "$pg" = 1
test "$redis" = PONG
"#;

/// The services listen on ports of their own and are checked by scanning all processes, so
/// the tests run one at a time (this also spares a small machine three Postgres clusters).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

fn postgres_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/services/postgres.sh")
}

fn executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(program))))
}

/// Fails the test, naming what is missing, when PostgreSQL or Redis is not installed.
fn require_services() {
    let mut missing = Vec::new();
    let initdb = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .any(|version| executable(&version.path().join("bin/initdb")));
    if !initdb {
        missing.push("/usr/lib/postgresql/*/bin/initdb (package postgresql)".to_owned());
    }
    for (program, package) in [
        ("pg_isready", "postgresql-client"),
        ("psql", "postgresql-client"),
        ("redis-server", "redis-server"),
        ("redis-cli", "redis-tools"),
    ] {
        if !on_path(program) {
            missing.push(format!("{program} (package {package})"));
        }
    }
    assert!(
        missing.is_empty(),
        "PostgreSQL and Redis are needed for these tests; missing: {}; {INSTALL}",
        missing.join(", ")
    );
    assert!(
        executable(&postgres_script()),
        "{} is missing or not executable",
        postgres_script().display()
    );
}

fn gate(ending: &str, timeout: Option<Duration>) -> CommandGate {
    let mut spec: CommandGateSpec = toml::from_str(SERVICES).expect("services spec");
    spec.shell = Some(format!("{CONNECT}{ending}"));
    let script = postgres_script();
    let script = script.canonicalize().unwrap_or(script);
    spec.services[0].start[0] = script.display().to_string();
    let mut info = GateInfo::new("api-suite", "command");
    if let Some(timeout) = timeout {
        info = info.timeout(timeout);
    }
    CommandGate::new(info, spec).expect("valid gate")
}

fn evaluate(gate: &CommandGate) -> Evaluation {
    // The run's variables, PATH among them, reach the services and the command.
    let cx = Context::builder("staging")
        .vars(Vars::from_process())
        .build();
    // A current-thread runtime, as `release` runs gates on.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(gate.evaluate(&cx))
}

fn evidence<'a>(evaluation: &'a Evaluation, name: &str) -> &'a str {
    evaluation
        .evidence
        .iter()
        .find(|e| e.name == name)
        .map(|e| e.detail.as_str())
        .unwrap_or_else(|| panic!("no `{name}` evidence in {evaluation:#?}"))
}

/// What the command printed after `prefix`, e.g. the directory of a service.
fn printed<'a>(evaluation: &'a Evaluation, prefix: &str) -> &'a str {
    evidence(evaluation, "stdout")
        .lines()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("the command printed no `{prefix}` line: {evaluation:#?}"))
}

/// The command reached both services: Postgres answered `select 1`, Redis `PING`.
fn assert_connected(evaluation: &Evaluation) {
    assert_eq!(
        printed(evaluation, "postgres answered: "),
        "1",
        "{evaluation:#?}"
    );
    assert_eq!(
        printed(evaluation, "redis answered: "),
        "PONG",
        "{evaluation:#?}"
    );
}

/// Each service has its `service` line, its port refuses connections, its directory is gone
/// and no process of it is left.
fn assert_stopped(evaluation: &Evaluation) {
    let lines: Vec<&str> = evaluation
        .evidence
        .iter()
        .filter(|e| e.name == "service")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(
        lines.len(),
        2,
        "one `service` line per service: {evaluation:#?}"
    );
    let mut ports = Vec::new();
    let mut dirs = Vec::new();
    for (name, line) in ["postgres", "redis"].into_iter().zip(lines) {
        // "postgres on 127.0.0.1:41234: ready after 1.2s, stopped"
        let port = line
            .strip_prefix(&format!("{name} on 127.0.0.1:"))
            .and_then(|rest| rest.split_once(": ready after "))
            .filter(|(_, rest)| rest.contains(", stopped"))
            .and_then(|(port, _)| port.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("unexpected `service` line for {name}: {line}"));
        let refused = TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(1),
        )
        .is_err();
        assert!(refused, "{name} still accepts connections on port {port}");
        let dir = PathBuf::from(printed(evaluation, &format!("{name} dir: ")));
        assert!(
            !dir.exists(),
            "{name}'s directory {} was not removed",
            dir.display()
        );
        ports.push(port);
        dirs.push(dir);
    }
    let left = processes_of(&dirs, &ports);
    assert!(
        left.is_empty(),
        "processes of the services are still running: {left:#?}"
    );
}

/// Live processes (zombies aside) that belong to the services: started from or working in
/// one of their directories (Postgres's workers rename themselves but keep the data directory
/// as theirs), or naming one of their ports (Redis renames itself `redis-server host:port`).
fn processes_of(dirs: &[PathBuf], ports: &[u16]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_owned)
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or("");
        if state == "Z" || state == "X" {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
            .unwrap_or_default();
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd"))
            .map(|path| path.display().to_string())
            .unwrap_or_default();
        let in_dir = dirs.iter().any(|dir| {
            let dir = dir.display().to_string();
            cmdline.contains(&dir) || cwd.starts_with(&dir)
        });
        let on_port = ports.iter().any(|port| {
            cmdline.contains(&format!("127.0.0.1:{port}"))
                || cmdline.contains(&format!("-p {port} "))
        });
        if in_dir || on_port {
            found.push(format!("{pid} [{state}] {cmdline} (in {cwd})"));
        }
    }
    found
}

#[test]
fn the_command_reaches_private_postgres_and_redis_which_are_stopped_after_it() {
    let _serial = one_at_a_time();
    require_services();
    let evaluation = evaluate(&gate("", None));
    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    assert!(
        evaluation.summary.starts_with("exited 0 after"),
        "{evaluation:#?}"
    );
    assert_connected(&evaluation);
    assert_stopped(&evaluation);
}

#[test]
fn a_failing_command_fails_and_its_services_are_stopped_all_the_same() {
    let _serial = one_at_a_time();
    require_services();
    let evaluation = evaluate(&gate("echo 'failing on purpose'; exit 1\n", None));
    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:#?}");
    assert!(
        evaluation.summary.starts_with("exited 1 after"),
        "{evaluation:#?}"
    );
    assert_connected(&evaluation);
    assert_stopped(&evaluation);
}

#[test]
fn a_command_that_times_out_is_an_error_and_its_services_are_stopped_all_the_same() {
    let _serial = one_at_a_time();
    require_services();
    // The gate's timeout also bounds starting its services (initdb takes a second or more on
    // a busy machine), so it is not as short as the command alone would allow.
    let evaluation = evaluate(&gate("sleep 300\n", Some(Duration::from_secs(10))));
    assert_eq!(evaluation.verdict, Verdict::Error, "{evaluation:#?}");
    assert!(
        evaluation
            .summary
            .starts_with("timed out after 10s; stopped its process group"),
        "{evaluation:#?}"
    );
    assert_connected(&evaluation);
    assert_stopped(&evaluation);
}
