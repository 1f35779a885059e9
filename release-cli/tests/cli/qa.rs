//! `release preflight qa` and `release dry-run` with command gates: QA before smoke against
//! the test kit's mock environment, the dry-run's artifacts, skipping QA, secrets in a
//! command's output, Ctrl-C with a grandchild that ignores `SIGTERM`, and `--skip-deps`.

use std::collections::BTreeSet;
use std::path::Path;

use release_testkit::{MockEnvironment, Scenario};
use serde_json::Value;

use crate::support::{Release, Run, redact};

/// A mock environment served by its own runtime while the binary runs.
struct Mock {
    env: MockEnvironment,
    runtime: tokio::runtime::Runtime,
}

impl Mock {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let env = runtime.block_on(MockEnvironment::start(Scenario::Healthy));
        Self { env, runtime }
    }

    /// How many requests the API and the web server received.
    fn requests(&self) -> usize {
        self.runtime.block_on(async {
            let api = self.env.received_requests().await.len();
            let web = self
                .env
                .web_server()
                .received_requests()
                .await
                .map_or(0, |r| r.len());
            api + web
        })
    }
}

/// A plan for staging whose URLs point nowhere: the tests give `--api-url`/`--web-url`.
fn plan(gates: &str) -> String {
    format!(
        r#"[release]
name = "qa-test"
artifacts_dir = "artifacts/qa"

[environments.staging]
api_url = "https://api.staging.invalid"
web_url = "https://staging.invalid"

{gates}"#
    )
}

/// Two passing QA commands; the first leaves a marker, so a test can tell it ran.
const QA_PASSING: &str = r#"
[[gates]]
id = "qa-lint"
kind = "command"
phases = ["preflight-qa"]
command = ["sh", "-c", "echo 'lint: 12 files checked' && touch qa-lint.ran"]
timeout = "1m"

[[gates]]
id = "qa-unit"
kind = "command"
phases = ["preflight-qa"]
command = ["sh", "-c", "echo 'unit: 40 passed'; echo 'unit: 1 deprecation' >&2"]
timeout = "1m"
"#;

/// A third QA command that passes.
const QA_E2E_PASSING: &str = r#"
[[gates]]
id = "qa-e2e"
kind = "command"
phases = ["preflight-qa"]
command = ["sh", "-c", "echo 'e2e: 3 passed'"]
timeout = "1m"
"#;

/// A third QA command that fails.
const QA_E2E_FAILING: &str = r#"
[[gates]]
id = "qa-e2e"
kind = "command"
phases = ["preflight-qa"]
command = ["sh", "-c", "echo 'e2e: 1 failed' >&2; exit 3"]
timeout = "1m"
"#;

/// Smoke checks the healthy mock passes.
const SMOKE: &str = r#"
[[gates]]
id = "api-health"
kind = "http"
phases = ["smoke"]
url = "{api_url}/health"
timeout = "5s"
expect = { status = 200, health = true }

[[gates]]
id = "web-login"
kind = "http"
phases = ["smoke"]
url = "{web_url}/login"
timeout = "5s"
expect = { status = 200, headers = { content-type = "text/html" } }
"#;

/// An optional smoke check that fails on a header the mock never sends: its evidence file has
/// an observation, and the run still passes (with warnings).
const SMOKE_PROBE: &str = r#"
[[gates]]
id = "web-login-probe"
kind = "http"
phases = ["smoke"]
required = false
url = "{web_url}/login"
timeout = "5s"
expect = { status = 200, headers = { x-release-probe = "present" } }
"#;

fn dry_run(mock: &Mock, gates: &str) -> Release {
    Release::new().file("release.toml", plan(gates)).args([
        "dry-run",
        "--api-url",
        &mock.env.api_url(),
        "--web-url",
        &mock.env.web_url(),
        "--format",
        "json",
    ])
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn gate<'a>(summary: &'a Value, id: &str) -> &'a Value {
    summary["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .unwrap_or_else(|| panic!("no gate {id} in {summary}"))
}

fn ids(summary: &Value) -> Vec<&str> {
    summary["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect()
}

/// The one run directory under `<artifacts_dir>/dry-run/`, and its file names.
fn dry_run_dir(root: &Path) -> (std::path::PathBuf, BTreeSet<String>) {
    let runs: Vec<_> = std::fs::read_dir(root.join("artifacts/qa/dry-run"))
        .expect("the dry-run directory")
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "one run directory: {runs:?}");
    let dir = runs[0].clone();
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    (dir, files)
}

fn read_json(path: &Path) -> Value {
    json(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn names(files: &[&str]) -> BTreeSet<String> {
    files.iter().map(|f| (*f).to_owned()).collect()
}

#[test]
fn dry_run_runs_qa_then_smoke_and_writes_the_summary_and_smoke_evidence() {
    let mock = Mock::start();
    let (run, dir) = dry_run(
        &mock,
        &format!("{QA_PASSING}{QA_E2E_PASSING}{SMOKE}{SMOKE_PROBE}"),
    )
    .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        dir.path().join("qa-lint.ran").is_file(),
        "the QA commands ran, in the working directory"
    );
    let stdout = json(&run.stdout);
    assert_eq!(stdout["outcome"], "passed_with_warnings");

    let (run_dir, files) = dry_run_dir(dir.path());
    assert_eq!(
        files,
        names(&[
            "summary.json",
            "api-health.json",
            "web-login.json",
            "web-login-probe.json"
        ]),
        "the summary and one file per smoke gate, none for QA gates"
    );
    let run_id = run_dir.file_name().unwrap().to_str().unwrap();
    assert!(
        run.stderr.contains(&format!(
            "dry-run artifacts: artifacts/qa/dry-run/{run_id}\n"
        )),
        "the directory is named on stderr: {}",
        run.stderr
    );

    let summary = read_json(&run_dir.join("summary.json"));
    assert_eq!(
        summary["run_id"], run_id,
        "the directory is named after the run"
    );
    assert_eq!(summary["run_id"], stdout["run_id"]);
    assert_eq!(summary["phase"], "dry-run");
    assert_eq!(
        ids(&summary),
        [
            "qa-lint",
            "qa-unit",
            "qa-e2e",
            "api-health",
            "web-login",
            "web-login-probe"
        ],
        "QA, then smoke"
    );
    for id in ["qa-lint", "qa-unit", "qa-e2e", "api-health", "web-login"] {
        assert_eq!(gate(&summary, id)["verdict"], "pass", "{id}");
    }
    assert!(
        mock.requests() >= 3,
        "smoke reached the mock: {} requests",
        mock.requests()
    );

    for id in ["api-health", "web-login", "web-login-probe"] {
        let evidence = read_json(&run_dir.join(format!("{id}.json")));
        assert_eq!(
            &evidence,
            gate(&summary, id),
            "{id}.json is the gate's result"
        );
        let shown: Vec<(&str, &str)> = evidence["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["name"].as_str().unwrap(), e["detail"].as_str().unwrap()))
            .collect();
        let path = if id == "api-health" {
            "/health"
        } else {
            "/login"
        };
        assert!(
            shown.iter().any(|(n, d)| *n == "request"
                && d.starts_with("GET http://127.0.0.1:")
                && d.ends_with(path)),
            "{id}: {shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|(n, d)| *n == "response" && d.starts_with("200 in ")),
            "{id}: {shown:?}"
        );
        assert!(evidence["observations"].is_array(), "{id}: {evidence}");
    }
    let probe = read_json(&run_dir.join("web-login-probe.json"));
    assert_eq!(probe["verdict"], "fail");
    assert_eq!(probe["blocking"], false);
    assert_eq!(probe["observations"][0]["name"], "header x-release-probe");

    // The file as written, with the mock's port, durations and times redacted.
    let written = std::fs::read_to_string(run_dir.join("web-login-probe.json")).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    settings.bind(|| {
        insta::assert_snapshot!("dry_run_smoke_evidence", redact(&written, dir.path()));
    });
}

#[test]
fn skipping_qa_reports_it_skipped_runs_no_command_and_still_runs_smoke() {
    let mock = Mock::start();
    let (run, dir) = dry_run(&mock, &format!("{QA_PASSING}{QA_E2E_PASSING}{SMOKE}"))
        .env("RELEASE_LOCAL_SKIP_QA_CRITICAL", "true")
        .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let summary = json(&run.stdout);
    assert_eq!(summary["outcome"], "passed");
    for id in ["qa-lint", "qa-unit", "qa-e2e"] {
        let qa = gate(&summary, id);
        assert_eq!(qa["verdict"], "skipped", "{qa}");
        assert!(
            qa["summary"]
                .as_str()
                .unwrap()
                .contains("RELEASE_LOCAL_SKIP_QA_CRITICAL=true"),
            "{qa}"
        );
    }
    assert!(
        !dir.path().join("qa-lint.ran").exists(),
        "a QA command ran although QA was skipped"
    );
    for id in ["api-health", "web-login"] {
        assert_eq!(gate(&summary, id)["verdict"], "pass", "{id}");
    }
    assert!(mock.requests() >= 2, "smoke reached the mock");
    let (run_dir, files) = dry_run_dir(dir.path());
    assert_eq!(
        files,
        names(&["summary.json", "api-health.json", "web-login.json"])
    );
    assert_eq!(
        read_json(&run_dir.join("summary.json"))["gates"],
        summary["gates"]
    );
}

#[test]
fn a_failing_qa_command_blocks_and_smoke_is_not_run() {
    let mock = Mock::start();
    let (run, dir) = dry_run(&mock, &format!("{QA_PASSING}{QA_E2E_FAILING}{SMOKE}")).run();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let summary = json(&run.stdout);
    assert_eq!(summary["outcome"], "blocked");
    let e2e = gate(&summary, "qa-e2e");
    assert_eq!(e2e["verdict"], "fail");
    assert_eq!(e2e["observations"][0]["observed"], 3);
    for id in ["api-health", "web-login"] {
        let smoke = gate(&summary, id);
        assert_eq!(smoke["verdict"], "skipped", "{smoke}");
        assert_eq!(smoke["summary"], "not run: QA blocked the dry-run");
    }
    assert_eq!(mock.requests(), 0, "smoke must not reach the target");

    // The artifacts of a blocked dry-run are still written: they say why.
    let (run_dir, files) = dry_run_dir(dir.path());
    assert_eq!(
        files,
        names(&["summary.json", "api-health.json", "web-login.json"])
    );
    let written = read_json(&run_dir.join("summary.json"));
    assert_eq!(written["outcome"], "blocked");
    assert_eq!(
        written["run_id"].as_str(),
        run_dir.file_name().unwrap().to_str()
    );
    assert_eq!(
        read_json(&run_dir.join("api-health.json"))["summary"],
        "not run: QA blocked the dry-run"
    );
    let log = std::fs::read_to_string(dir.path().join("artifacts/qa/release-log.jsonl")).unwrap();
    let record = json(log.trim());
    assert_eq!(record["phase"], "dry-run");
    assert_eq!(record["outcome"], "blocked");
}

/// Secrets the plan declares (one by an env gate's `secret` rule, one as a token), planted in
/// the process environment and printed by a QA command on stdout and stderr.
const SESSION_CANARY: &str = "canaryQASESSION5d7f9b1c3e5a7d9f";
const ADMIN_CANARY: &str = "canaryQAADMIN8e0a2c4f6b8d0f2a4c";

const LEAKING_PLAN: &str = r#"[release]
name = "qa-test"
artifacts_dir = "artifacts/qa"

[environments.staging]

[tokens]
admin = "QA_ADMIN_TOKEN"

[[gates]]
id = "release-env"
kind = "env"
phases = ["preflight-env"]
vars = [{ name = "SESSION_SECRET", secret = { min_length = 16 } }]

[[gates]]
id = "qa-leaky"
kind = "command"
phases = ["preflight-qa"]
command = ["sh", "-c", "echo \"session=$SESSION_SECRET\"; echo \"admin: $QA_ADMIN_TOKEN\" >&2; echo \"both $SESSION_SECRET/$QA_ADMIN_TOKEN\"; exit 1"]
timeout = "1m"
"#;

fn assert_no_canary(what: &str, text: &str) {
    for canary in [SESSION_CANARY, ADMIN_CANARY] {
        assert!(
            !text.contains(&canary[..16]),
            "{what} leaks {canary}:\n{text}"
        );
    }
}

#[test]
fn a_secret_printed_by_a_qa_command_appears_in_no_output() {
    for format in ["human", "json", "junit", "markdown", "html"] {
        let release = Release::new();
        let step_summary = release.path("step-summary.md");
        let (run, dir) = release
            .file("release.toml", LEAKING_PLAN)
            .env("SESSION_SECRET", SESSION_CANARY)
            .env("QA_ADMIN_TOKEN", ADMIN_CANARY)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", step_summary.display().to_string())
            .args([
                "preflight",
                "qa",
                "--format",
                format,
                "--out",
                "out/summary.json",
                "-v",
                "--color",
                "never",
            ])
            .run();
        assert_eq!(run.code, 1, "{format}: the command exits 1: {}", run.stderr);
        assert_no_canary(&format!("{format} stdout"), &run.stdout);
        assert_no_canary(&format!("{format} stderr"), &run.stderr);
        // -v streams the command's output live, redacted: the lines are there, the values not.
        for line in [
            "session=[redacted]",
            "admin: [redacted]",
            "both [redacted]/[redacted]",
        ] {
            assert!(
                run.stderr.contains(line),
                "{format}: `{line}` not streamed on stderr:\n{}",
                run.stderr
            );
        }
        for file in [
            "out/summary.json",
            "artifacts/qa/release-log.jsonl",
            "step-summary.md",
        ] {
            let text = std::fs::read_to_string(dir.path().join(file))
                .unwrap_or_else(|e| panic!("{format}: {file}: {e}"));
            assert_no_canary(&format!("{format} {file}"), &text);
        }
        // The evidence keeps the lines, with the values redacted.
        let summary = read_json(&dir.path().join("out/summary.json"));
        let leaky = gate(&summary, "qa-leaky");
        assert_eq!(leaky["verdict"], "fail");
        let evidence = leaky["evidence"].to_string();
        assert!(
            evidence.contains("session=[redacted]") && evidence.contains("admin: [redacted]"),
            "{evidence}"
        );
    }
}

/// Kills processes this test started, should it fail before they end.
struct KillOnDrop(Vec<i32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        for pid in &self.0 {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(*pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn sigint(pid: i32) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT");
}

/// Waits for `what` to hold, giving up (without asserting how long it took) after a while.
fn wait_for<T>(what: &str, mut ready: impl FnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(value) = ready() {
            return value;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("gave up waiting for {what}");
}

/// Whether a process is running: `/proc/<pid>/stat` exists and its state is not zombie.
fn running(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .next()
        .unwrap_or("");
    state != "Z" && state != "X"
}

/// A QA command whose grandchild ignores `SIGTERM` and writes its pid to `grandchild.pid`.
fn stubborn_plan(grace: &str) -> String {
    plan(&format!(
        r#"
[[gates]]
id = "qa-stubborn"
kind = "command"
phases = ["preflight-qa"]
command = ["sh", "-c", "sh -c 'trap \"\" TERM; echo $$ > grandchild.pid.tmp; mv grandchild.pid.tmp grandchild.pid; exec sleep 300' & wait"]
grace = "{grace}"
timeout = "10m"
"#
    ))
}

/// Starts `release preflight qa` on the plan in a fresh directory, output piped.
fn spawn_preflight_qa(plan: &str) -> (std::process::Child, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("release.toml"), plan).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_release"))
        .args(["preflight", "qa", "--format", "json"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    (child, dir)
}

fn grandchild_pid(dir: &Path) -> i32 {
    wait_for("the grandchild's pid file", || {
        std::fs::read_to_string(dir.join("grandchild.pid"))
            .ok()
            .and_then(|text| text.trim().parse().ok())
    })
}

#[test]
fn ctrl_c_stops_a_qa_command_and_the_grandchild_that_ignores_sigterm() {
    let (child, dir) = spawn_preflight_qa(&stubborn_plan("300ms"));
    let release_pid = i32::try_from(child.id()).unwrap();
    let mut guard = KillOnDrop(vec![release_pid]);
    let grandchild = grandchild_pid(dir.path());
    guard.0.push(grandchild);
    assert!(running(grandchild), "the grandchild runs before Ctrl-C");

    sigint(release_pid);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let summary: Value = serde_json::from_slice(&output.stdout).expect("the summary is printed");
    assert_eq!(summary["cancelled"], true);
    assert_eq!(summary["outcome"], "blocked");
    let stubborn = gate(&summary, "qa-stubborn");
    assert_eq!(stubborn["verdict"], "error", "{stubborn}");
    let text = stubborn["summary"].as_str().unwrap();
    assert!(text.starts_with("cancelled"), "{text}");
    assert!(
        text.contains("SIGKILL"),
        "the grandchild ignored SIGTERM, so the group needed SIGKILL: {text}"
    );
    assert!(
        !running(grandchild),
        "the grandchild {grandchild} outlived the release process"
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
    let log = std::fs::read_to_string(dir.path().join("artifacts/qa/release-log.jsonl")).unwrap();
    assert_eq!(json(log.trim())["outcome"], "blocked");
    guard.0.clear();
}

fn services_plan() -> String {
    plan(
        r#"
[[gates]]
id = "qa-api"
kind = "command"
phases = ["preflight-qa"]
command = ["sh", "-c", "echo 'api suite: 9 passed' && touch qa-api.ran"]
timeout = "1m"

[[gates.services]]
name = "db"
start = ["./no-such-database-server", "--port", "{port}"]
ready_timeout = "5s"
env = { DATABASE_URL = "postgres://{host}:{port}/app" }
"#,
    )
}

fn preflight_qa_json(release: Release) -> (Run, Value, tempfile::TempDir) {
    let (run, dir) = release
        .file("release.toml", services_plan())
        .args(["preflight", "qa", "--format", "json"])
        .run();
    let summary = json(&run.stdout);
    (run, summary, dir)
}

#[test]
fn skip_deps_uses_running_services_instead_of_starting_them() {
    let (run, summary, dir) = preflight_qa_json(Release::new().arg("--skip-deps"));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let api = gate(&summary, "qa-api");
    assert_eq!(api["verdict"], "pass", "{api}");
    let services = api["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "services")
        .unwrap_or_else(|| panic!("no services evidence: {api}"));
    let detail = services["detail"].as_str().unwrap();
    assert!(detail.starts_with("not started (--skip-deps)"), "{detail}");
    assert!(detail.contains("db"), "{detail}");
    assert!(dir.path().join("qa-api.ran").is_file(), "the command ran");

    let (run, summary, dir) = preflight_qa_json(Release::new());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let api = gate(&summary, "qa-api");
    assert_eq!(api["verdict"], "error", "{api}");
    let text = api["summary"].as_str().unwrap();
    assert!(
        text.contains("`db`") && text.contains("no-such-database-server"),
        "{text}"
    );
    assert!(
        !dir.path().join("qa-api.ran").exists(),
        "the command does not run without its service"
    );
}

#[test]
fn evidence_files_never_overwrite_the_summary_or_each_other() {
    // Gate ids are plain names (a plan with `api/health` does not load), but `summary` is
    // one, and so is the name the first one's file would move to: each gets a file of its own.
    let smoke = r#"
[[gates]]
id = "summary"
kind = "http"
phases = ["smoke"]
url = "{api_url}/health"

[[gates]]
id = "summary-2"
kind = "http"
phases = ["smoke"]
url = "{api_url}/health"

[[gates]]
id = "api_health"
kind = "http"
phases = ["smoke"]
url = "{api_url}/health"
"#;
    let mock = Mock::start();
    let (run, dir) = dry_run(&mock, &format!("{QA_PASSING}{smoke}")).run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let (run_dir, files) = dry_run_dir(dir.path());
    assert_eq!(
        files,
        names(&[
            "summary.json",
            "summary-2.json",
            "summary-2-2.json",
            "api_health.json",
        ])
    );
    assert_eq!(read_json(&run_dir.join("summary.json"))["phase"], "dry-run");
    assert_eq!(read_json(&run_dir.join("summary-2.json"))["id"], "summary");
    assert_eq!(
        read_json(&run_dir.join("summary-2-2.json"))["id"],
        "summary-2"
    );
    assert_eq!(
        read_json(&run_dir.join("api_health.json"))["id"],
        "api_health"
    );
}

#[test]
fn sigterm_kills_the_commands_at_once_and_still_writes_the_summary() {
    // A CI job cancelled, `docker stop`: SIGTERM reaches `release` only, not the command's
    // process group, which must not be orphaned even with a five-minute grace.
    let (child, dir) = spawn_preflight_qa(&stubborn_plan("5m"));
    let release_pid = i32::try_from(child.id()).unwrap();
    let mut guard = KillOnDrop(vec![release_pid]);
    let grandchild = grandchild_pid(dir.path());
    guard.0.push(grandchild);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(release_pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("SIGTERM: killed the running command; stopping"),
        "{stderr}"
    );
    let summary = json(&stdout);
    assert_eq!(summary["cancelled"], true);
    let gate = gate(&summary, "qa-stubborn");
    assert_eq!(gate["verdict"], "error");
    assert!(
        gate["summary"]
            .as_str()
            .unwrap()
            .starts_with("cancelled after"),
        "{gate}"
    );
    assert!(
        !running(grandchild),
        "the grandchild outlived SIGTERM to release"
    );
    guard.0.clear();
}

#[test]
fn skipping_qa_in_a_strict_dry_run_still_runs_smoke() {
    let mock = Mock::start();
    let (run, _dir) = dry_run(&mock, &format!("{QA_PASSING}{SMOKE}"))
        .env("RELEASE_LOCAL_SKIP_QA_CRITICAL", "true")
        .arg("--strict")
        .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let summary = json(&run.stdout);
    assert_eq!(gate(&summary, "qa-lint")["verdict"], "skipped");
    assert_eq!(gate(&summary, "api-health")["verdict"], "pass");
    assert!(mock.requests() >= 2, "smoke reached the mock");
}

#[test]
fn a_smoke_selection_that_cannot_run_is_refused_before_qa_runs() {
    let mock = Mock::start();
    let (run, dir) = dry_run(&mock, &format!("{QA_PASSING}{SMOKE}"))
        .args(["--only", "preflight-qa"])
        .run();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("leave no gate of phase smoke"),
        "{}",
        run.stderr
    );
    assert!(
        !dir.path().join("qa-lint.ran").exists(),
        "QA ran although the dry-run could not finish"
    );
}
