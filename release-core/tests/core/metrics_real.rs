//! The `prometheus` and `alerts` gates against real servers from Debian's packages, each a
//! private instance on a free loopback port, in a temporary directory, killed when its test
//! ends (whether it passed or panicked).
//!
//! Prometheus gets its data deterministically: an OpenMetrics file generated here (two series
//! of a ratio, a sample every 15 s over the half hour ending a minute ago) is turned into
//! blocks with `promtool tsdb create-blocks-from openmetrics`, and Prometheus starts on them
//! with no scrape configuration, so it touches no network and its answers do not depend on
//! timing. The queries use `last_over_time(…[1h])`, so the lookback delta does not matter.
//!
//! Alertmanager (with clustering off and a route to a receiver that notifies nobody) gets two
//! critical alerts posted to it and a silence for one of them.
//!
//! These tests need `prometheus` and `prometheus-alertmanager` installed (`.ci/run` installs
//! them). Without them they fail, saying how to install them; they never pass without having
//! run.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use release_core::gates::alerts::{AlertsGate, AlertsGateSpec};
use release_core::gates::prometheus::{PrometheusGate, PrometheusGateSpec};
use release_core::{Baseline, Context, Evaluation, Gate, GateInfo, Verdict};
use serde_json::{Value, json};
use tempfile::TempDir;

const INSTALL: &str = "install them with: apt-get install -y prometheus prometheus-alertmanager \
                       (.ci/run does this)";

/// How long a server may take to answer `/-/ready`, and Alertmanager to show the silence.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// The metric the generated data holds: `service="api"` well under the levels below,
/// `service="web"` well over them.
const METRIC: &str = "http_requests_error_ratio";
const API_RATIO: f64 = 0.004;
const WEB_RATIO: f64 = 0.09;

/// The levels every Prometheus gate here is judged against.
const LEVELS: &str = "warn_above = 0.01\nfail_above = 0.05\nunit = \"ratio\"\n";

// ---------------------------------------------------------------------------------------------
// Packages and servers

fn executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(program))))
}

/// Fails the test, naming what is missing, when Prometheus or Alertmanager is not installed.
fn require_packages() {
    let missing: Vec<String> = [
        ("prometheus", "prometheus"),
        ("promtool", "prometheus"),
        ("prometheus-alertmanager", "prometheus-alertmanager"),
    ]
    .into_iter()
    .filter(|(program, _)| !on_path(program))
    .map(|(program, package)| format!("{program} (package {package})"))
    .collect();
    assert!(
        missing.is_empty(),
        "Prometheus and Alertmanager are needed for these tests; missing: {}; {INSTALL}",
        missing.join(", ")
    );
}

/// A port nobody listens on right now. Another process may take it before the server binds
/// it; [`Server::start`] then tries another.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// One HTTP/1.0 exchange (the server closes the connection after the answer, so the body is
/// everything after the headers), with an optional body and its content type: the status and
/// the body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
) -> std::io::Result<(u16, String)> {
    let timeout = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut request = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: */*\r\n");
    if let Some((content_type, body)) = body {
        write!(
            request,
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            body.len()
        )
        .expect("write to a String");
    }
    request.push_str("\r\n");
    request.push_str(body.map_or("", |(_, body)| body));
    stream.write_all(request.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer);
    let invalid = || std::io::Error::other(format!("not an HTTP answer: {answer:?}"));
    let (head, body) = answer.split_once("\r\n\r\n").ok_or_else(invalid)?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(invalid)?;
    Ok((status, body.to_owned()))
}

/// A server process: killed and waited for on drop, also when the test panics.
struct Process {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
    stderr: PathBuf,
}

impl Process {
    /// Starts `program` in `dir` listening on `port` (as `args` say), its output in files
    /// there.
    fn spawn(name: &'static str, program: &str, dir: &Path, port: u16, args: Vec<String>) -> Self {
        let output = |stream: &str| {
            let path = dir.join(format!("{name}-{port}.{stream}"));
            let file = std::fs::File::create(&path)
                .unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
            (path, file)
        };
        let (_, stdout) = output("stdout");
        let (stderr, stderr_file) = output("stderr");
        let child = Command::new(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}; {INSTALL}"));
        Self {
            name,
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            stderr,
        }
    }

    /// Waits until the server answers `/-/ready` with 200; `Err` with its exit status and
    /// stderr when it exits first; panics with its stderr when it never gets ready.
    fn wait_ready(&mut self) -> Result<(), String> {
        let start = Instant::now();
        let mut last = String::from("no answer yet");
        while start.elapsed() < READY_WITHIN {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                return Err(format!("{status}; its stderr:\n{}", self.stderr()));
            }
            match http(self.addr, "GET", "/-/ready", None) {
                Ok((200, _)) => return Ok(()),
                Ok((status, body)) => last = format!("HTTP {status}: {}", body.trim()),
                Err(error) => last = error.to_string(),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{} on {} did not answer /-/ready with 200 within {READY_WITHIN:?} (last: {last}); its stderr:\n{}",
            self.name,
            self.addr,
            self.stderr()
        );
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_else(|e| format!("(unreadable: {e})"))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server started for one test, ready; its directory is removed after the process is
/// killed (fields drop in order).
struct Server {
    process: Process,
    _dir: TempDir,
}

impl Server {
    /// Starts `program` in `dir` with `args(port)` on a free port and waits until it answers
    /// `/-/ready`. If it exits because another process took the port meanwhile, tries another.
    fn start(
        name: &'static str,
        program: &str,
        dir: TempDir,
        args: impl Fn(u16) -> Vec<String>,
    ) -> Server {
        const ATTEMPTS: u32 = 3;
        for attempt in 1..=ATTEMPTS {
            let port = free_port();
            let mut process = Process::spawn(name, program, dir.path(), port, args(port));
            match process.wait_ready() {
                Ok(()) => return Server { process, _dir: dir },
                Err(why) if why.contains("address already in use") && attempt < ATTEMPTS => {}
                Err(why) => panic!("{name} ({program}) exited before it was ready: {why}"),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    fn addr(&self) -> SocketAddr {
        self.process.addr
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    fn stderr(&self) -> String {
        self.process.stderr()
    }

    /// A request: the status and the body as JSON (`Null` when empty).
    fn request(&self, method: &str, path: &str, body: Option<(&str, &str)>) -> (u16, Value) {
        let name = self.process.name;
        let (status, text) = http(self.addr(), method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path} on {name}: {e}"));
        if text.trim().is_empty() {
            return (status, Value::Null);
        }
        let json = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("{method} {path} on {name}: HTTP {status}, not JSON ({e}): {text}")
        });
        (status, json)
    }

    /// A request with a JSON body, or none, that must succeed: the answer as JSON.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let body = body.map(Value::to_string);
        let (status, answer) = self.request(
            method,
            path,
            body.as_deref().map(|b| ("application/json", b)),
        );
        assert!(
            (200..300).contains(&status),
            "{method} {path} on {}: HTTP {status}: {answer}; its stderr:\n{}",
            self.process.name,
            self.stderr()
        );
        answer
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs()
}

fn temp_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("metrics-real-")
        .tempdir()
        .expect("temporary directory")
}

fn evaluate(gate: &impl Gate, cx: &Context) -> Evaluation {
    // A current-thread runtime, as `release` runs gates on.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(gate.evaluate(cx))
}

fn evidence<'a>(evaluation: &'a Evaluation, name: &str) -> Vec<&'a str> {
    evaluation
        .evidence
        .iter()
        .filter(|e| e.name == name)
        .map(|e| e.detail.as_str())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Prometheus

/// The OpenMetrics text: both series, a sample every 15 s over the 30 minutes ending a minute
/// ago (timestamps in seconds), and the `# EOF` OpenMetrics requires.
fn openmetrics(now: u64) -> String {
    let end = now - 60;
    let start = end - 30 * 60;
    let mut text =
        format!("# HELP {METRIC} Share of requests that failed.\n# TYPE {METRIC} gauge\n");
    for (service, value) in [("api", API_RATIO), ("web", WEB_RATIO)] {
        for at in (start..=end).step_by(15) {
            writeln!(text, "{METRIC}{{service=\"{service}\"}} {value} {at}")
                .expect("write to a String");
        }
    }
    text.push_str("# EOF\n");
    text
}

/// A Prometheus on the generated data: blocks built by `promtool`, no scrape configuration.
fn prometheus() -> Server {
    require_packages();
    let dir = temp_dir();
    let data = dir.path().join("data");
    let metrics = dir.path().join("metrics.om");
    std::fs::write(&metrics, openmetrics(unix_now())).expect("write the OpenMetrics file");
    let built = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&metrics)
        .arg(&data)
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run promtool: {e}; {INSTALL}"));
    assert!(
        built.status.success(),
        "promtool tsdb create-blocks-from openmetrics failed ({}):\n{}{}",
        built.status,
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    // No scrape configs, rule files, alertmanagers or remote storage: nothing leaves the host.
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, "global:\n  evaluation_interval: 1h\n").expect("write the config");
    Server::start("prometheus", "prometheus", dir, move |port| {
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", data.display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            format!("--web.external-url=http://127.0.0.1:{port}"),
            "--log.level=warn".to_owned(),
        ]
    })
}

/// A gate on `query` with the levels above, against `url` (none: the context's
/// `prometheus_url`), plus `extra` TOML.
fn prometheus_gate(url: Option<&str>, query: &str, extra: &str) -> PrometheusGate {
    let mut toml = format!("query = '{query}'\n{LEVELS}{extra}\n");
    if let Some(url) = url {
        writeln!(toml, "url = \"{url}\"").expect("write to a String");
    }
    let spec: PrometheusGateSpec =
        toml::from_str(&toml).unwrap_or_else(|e| panic!("spec {toml}: {e}"));
    PrometheusGate::new(GateInfo::new("error-ratio", "prometheus"), spec)
        .unwrap_or_else(|e| panic!("gate {toml}: {e}"))
}

fn staging() -> Context {
    Context::builder("staging").build()
}

fn value_of(evaluation: &Evaluation) -> f64 {
    let measurement = evaluation
        .measurements
        .iter()
        .find(|m| m.name == "value")
        .unwrap_or_else(|| panic!("no `value` measurement: {evaluation:#?}"));
    assert_eq!(
        measurement.unit.as_deref(),
        Some("ratio"),
        "{evaluation:#?}"
    );
    measurement.value
}

#[test]
fn a_query_under_the_levels_passes_with_its_value() {
    let prometheus = prometheus();
    // The base URL from the context, as `--prometheus-url` gives it.
    let cx = Context::builder("staging")
        .url("prometheus_url", prometheus.url())
        .build();
    let query = format!(r#"last_over_time({METRIC}{{service="api"}}[1h])"#);
    let evaluation = evaluate(&prometheus_gate(None, &query, ""), &cx);

    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    assert_eq!(value_of(&evaluation), API_RATIO, "{evaluation:#?}");
    let [observation] = evaluation.observations.as_slice() else {
        panic!("one observation: {evaluation:#?}")
    };
    assert_eq!(observation.name, "value");
    assert_eq!(observation.observed, json!(API_RATIO), "{evaluation:#?}");
    assert_eq!(observation.rule, "threshold", "{evaluation:#?}");
    assert!(
        observation
            .expected
            .as_str()
            .is_some_and(|e| e.contains("0.01") && e.contains("0.05")),
        "the observation states the levels: {evaluation:#?}"
    );
    assert_eq!(observation.unit.as_deref(), Some("ratio"));
    assert!(
        evaluation.summary.starts_with("0.004 ratio"),
        "{evaluation:#?}"
    );
    assert_eq!(evidence(&evaluation, "query"), [query.as_str()]);
}

#[test]
fn a_query_over_the_fail_level_fails_naming_it() {
    let prometheus = prometheus();
    let query = format!(r#"last_over_time({METRIC}{{service="web"}}[1h])"#);
    let gate = prometheus_gate(Some(&prometheus.url()), &query, "");
    let evaluation = evaluate(&gate, &staging());

    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:#?}");
    assert_eq!(value_of(&evaluation), WEB_RATIO, "{evaluation:#?}");
    let [observation] = evaluation.observations.as_slice() else {
        panic!("one observation: {evaluation:#?}")
    };
    assert_eq!(observation.rule, "fail_above", "{evaluation:#?}");
    assert_eq!(observation.observed, json!(WEB_RATIO), "{evaluation:#?}");
    let summary = &evaluation.summary;
    assert!(
        summary.contains("0.09")
            && summary.contains("0.05")
            && (summary.contains("fail_above") || summary.contains("fail above")),
        "the summary names the value and the level it broke: {evaluation:#?}"
    );
}

#[test]
fn a_relative_limit_fails_against_the_baseline() {
    let prometheus = prometheus();
    let query = format!(r#"last_over_time({METRIC}{{service="web"}}[1h])"#);
    // Far under the absolute levels' reach, so only the relative limit can fail it.
    let toml = format!(
        "query = '{query}'\nurl = \"{}\"\nfail_above = 0.5\nrelative = {{ fail = \"<=+2pp\" }}\n",
        prometheus.url()
    );
    let spec: PrometheusGateSpec = toml::from_str(&toml).expect("spec");
    let gate = PrometheusGate::new(GateInfo::new("error-ratio", "prometheus"), spec).expect("gate");
    let cx = Context::builder("staging")
        .baseline(
            "error-ratio.value",
            Baseline {
                value: 0.05,
                source: "release log: run 1".to_owned(),
            },
        )
        .build();
    let evaluation = evaluate(&gate, &cx);

    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:#?}");
    let relative = evaluation
        .observations
        .iter()
        .find(|o| o.rule == "relative.fail")
        .unwrap_or_else(|| panic!("a relative.fail observation: {evaluation:#?}"));
    assert_eq!(relative.observed, json!(WEB_RATIO));
    assert_eq!(relative.baseline, Some(json!(0.05)));
    assert!(
        relative
            .expected
            .as_str()
            .is_some_and(|e| e.contains("release log: run 1")),
        "{evaluation:#?}"
    );
}

#[test]
fn a_metric_without_data_is_inconclusive() {
    let prometheus = prometheus();
    let query = "last_over_time(http_requests_never_recorded_total[1h])";
    let gate = prometheus_gate(Some(&prometheus.url()), query, "");
    let evaluation = evaluate(&gate, &staging());

    assert_eq!(evaluation.verdict, Verdict::Inconclusive, "{evaluation:#?}");
    assert!(
        evaluation.summary.contains("no data") && evaluation.summary.contains("inconclusive"),
        "{evaluation:#?}"
    );
    let [observation] = evaluation.observations.as_slice() else {
        panic!("one observation: {evaluation:#?}")
    };
    assert_eq!(observation.rule, "no_data", "{evaluation:#?}");
    assert!(evaluation.measurements.is_empty(), "{evaluation:#?}");
}

#[test]
fn a_syntax_error_is_an_error_with_prometheus_message() {
    let prometheus = prometheus();
    let query = format!("sum(last_over_time({METRIC}[1h])");
    // What Prometheus itself says about the query, asked directly.
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("query", &query)
        .finish();
    let (status, body) = prometheus.request(
        "POST",
        "/api/v1/query",
        Some(("application/x-www-form-urlencoded", &form)),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errorType"], "bad_data", "{body}");
    let message = body["error"].as_str().expect("an error message");
    assert!(message.contains("parse error"), "{body}");

    let gate = prometheus_gate(Some(&prometheus.url()), &query, "");
    let evaluation = evaluate(&gate, &staging());

    assert_eq!(evaluation.verdict, Verdict::Error, "{evaluation:#?}");
    assert!(
        evaluation.summary.contains(message),
        "the summary carries Prometheus's message {message:?}: {evaluation:#?}"
    );
    let [observation] = evaluation.observations.as_slice() else {
        panic!("one observation: {evaluation:#?}")
    };
    assert_eq!(observation.rule, "bad_data", "{evaluation:#?}");
    assert!(evaluation.measurements.is_empty(), "{evaluation:#?}");
}

#[test]
fn several_series_need_reduce() {
    let prometheus = prometheus();
    let query = format!("last_over_time({METRIC}[1h])");

    let gate = prometheus_gate(Some(&prometheus.url()), &query, "");
    let evaluation = evaluate(&gate, &staging());
    assert_eq!(evaluation.verdict, Verdict::Error, "{evaluation:#?}");
    assert!(
        evaluation.summary.contains("2 series") && evaluation.summary.contains("reduce"),
        "{evaluation:#?}"
    );
    assert_eq!(evidence(&evaluation, "series").len(), 2, "{evaluation:#?}");

    let gate = prometheus_gate(Some(&prometheus.url()), &query, "reduce = \"max\"");
    let evaluation = evaluate(&gate, &staging());
    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:#?}");
    assert_eq!(value_of(&evaluation), WEB_RATIO, "{evaluation:#?}");
    let series = evidence(&evaluation, "series");
    assert!(
        series
            .iter()
            .any(|s| s.contains(r#"service="api""#) && s.ends_with("= 0.004"))
            && series
                .iter()
                .any(|s| s.contains(r#"service="web""#) && s.ends_with("= 0.09")),
        "both series in the evidence: {evaluation:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Alertmanager

/// The `env` label of the alerts posted here.
const ENV: &str = "metrics-real";

/// An Alertmanager with clustering off and one route, to a receiver that notifies nobody.
fn alertmanager() -> Server {
    require_packages();
    let dir = temp_dir();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: \"null\"\nreceivers:\n  - name: \"null\"\n",
    )
    .expect("write the config");
    let storage = dir.path().join("data");
    Server::start(
        "alertmanager",
        "prometheus-alertmanager",
        dir,
        move |port| {
            vec![
                format!("--config.file={}", config.display()),
                format!("--storage.path={}", storage.display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                format!("--web.external-url=http://127.0.0.1:{port}"),
                // Empty: no cluster, so no gossip and no peers to look for.
                "--cluster.listen-address=".to_owned(),
                "--log.level=warn".to_owned(),
            ]
        },
    )
}

/// Posts `ApiDown` and `DiskFull` (both critical), silences `DiskFull`, and waits until
/// Alertmanager lists `ApiDown` active and `DiskFull` suppressed. Returns the silence's id.
fn fire_and_silence(alertmanager: &Server) -> String {
    let now = jiff::Timestamp::now();
    let later = now + jiff::SignedDuration::from_hours(1);
    let alert = |name: &str, summary: &str| {
        json!({
            "labels": { "alertname": name, "severity": "critical", "env": ENV },
            "annotations": { "summary": summary },
            "startsAt": now.to_string(),
            "endsAt": later.to_string(),
        })
    };
    let alerts = json!([
        alert("ApiDown", "the API answers 503"),
        alert("DiskFull", "the disk of db-1 is full"),
    ]);
    alertmanager.call("POST", "/api/v2/alerts", Some(&alerts));
    let silence = json!({
        "matchers": [
            { "name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true },
            { "name": "env", "value": ENV, "isRegex": false, "isEqual": true },
        ],
        "createdBy": "metrics_real.rs",
        "comment": "a known problem, handled elsewhere",
        "startsAt": now.to_string(),
        "endsAt": later.to_string(),
    });
    let created = alertmanager.call("POST", "/api/v2/silences", Some(&silence));
    let silence_id = created["silenceID"]
        .as_str()
        .unwrap_or_else(|| panic!("no silenceID in {created}"))
        .to_owned();

    let path = "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true";
    let start = Instant::now();
    loop {
        let listed = alertmanager.call("GET", path, None);
        let state = |name: &str| {
            listed
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["labels"]["alertname"] == name)
                .map(|a| a["status"].clone())
        };
        let api_down = state("ApiDown");
        let disk_full = state("DiskFull");
        let ready = api_down.as_ref().is_some_and(|s| s["state"] == "active")
            && disk_full.as_ref().is_some_and(|s| {
                s["state"] == "suppressed"
                    && s["silencedBy"]
                        .as_array()
                        .is_some_and(|ids| ids.iter().any(|id| *id == *silence_id))
            });
        if ready {
            return silence_id;
        }
        assert!(
            start.elapsed() < READY_WITHIN,
            "Alertmanager did not list ApiDown active and DiskFull silenced by {silence_id} within {READY_WITHIN:?}; it lists: {listed}; its stderr:\n{}",
            alertmanager.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn alerts_gate(toml: &str) -> AlertsGate {
    let spec: AlertsGateSpec = toml::from_str(toml).unwrap_or_else(|e| panic!("spec {toml}: {e}"));
    AlertsGate::new(GateInfo::new("firing-alerts", "alerts"), spec)
        .unwrap_or_else(|e| panic!("gate {toml}: {e}"))
}

#[test]
fn an_active_critical_alert_fails_and_a_silenced_one_does_not_count() {
    let alertmanager = alertmanager();
    let silence = fire_and_silence(&alertmanager);
    let gate = alerts_gate(&format!(
        "url = \"{}\"\nfilters = ['env=\"{ENV}\"']\n",
        alertmanager.url()
    ));
    let evaluation = evaluate(&gate, &staging());

    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:#?}");
    let [observation] = evaluation.observations.as_slice() else {
        panic!("one observation, for ApiDown only: {evaluation:#?}")
    };
    assert_eq!(observation.name, "ApiDown", "{evaluation:#?}");
    assert_eq!(observation.rule, "severity.fail", "{evaluation:#?}");
    assert!(
        observation
            .observed
            .as_str()
            .is_some_and(|o| o.contains("active") && o.contains("the API answers 503")),
        "{evaluation:#?}"
    );
    let suppressed = evidence(&evaluation, "suppressed");
    assert!(
        matches!(suppressed.as_slice(), [only] if only.starts_with("DiskFull")
            && only.contains(&format!("silenced by {silence}"))),
        "DiskFull listed as silenced, by its silence: {evaluation:#?}"
    );
    let summary = &evaluation.summary;
    assert!(
        summary.starts_with("1 alert firing")
            && summary.contains("ApiDown")
            && summary.contains("1 suppressed")
            && !summary.contains("DiskFull"),
        "{evaluation:#?}"
    );
    let firing = evaluation
        .measurements
        .iter()
        .find(|m| m.name == "firing_alerts")
        .unwrap_or_else(|| panic!("a firing_alerts measurement: {evaluation:#?}"));
    assert_eq!(firing.value, 1.0, "the silenced alert is not counted");
}

#[test]
fn only_a_silenced_alert_passes() {
    let alertmanager = alertmanager();
    let silence = fire_and_silence(&alertmanager);
    // The base URL from the context, as `--alertmanager-url` gives it.
    let cx = Context::builder("staging")
        .url("alertmanager_url", alertmanager.url())
        .build();
    let gate = alerts_gate(&format!(
        "filters = ['env=\"{ENV}\"', 'alertname=\"DiskFull\"']\n"
    ));
    let evaluation = evaluate(&gate, &cx);

    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    assert!(
        evaluation.summary.contains("1 suppressed"),
        "{evaluation:#?}"
    );
    assert!(evaluation.observations.is_empty(), "{evaluation:#?}");
    let suppressed = evidence(&evaluation, "suppressed");
    assert!(
        matches!(suppressed.as_slice(), [only] if only.starts_with("DiskFull")
            && only.contains(&format!("silenced by {silence}"))),
        "{evaluation:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// What the real servers answer that mocks did not (issue 17)

/// An `http` gate that reads the health body: `expect = { status = 200, health = true }`.
fn readiness_gate(url: &str) -> release_core::gates::http::HttpGate {
    let spec: release_core::gates::http::HttpGateSpec = toml::from_str(&format!(
        "url = \"{url}\"\nexpect = {{ status = 200, health = true }}\n"
    ))
    .unwrap_or_else(|e| panic!("spec: {e}"));
    release_core::gates::http::HttpGate::new(GateInfo::new("ready", "http"), spec)
        .unwrap_or_else(|e| panic!("gate: {e}"))
}

#[test]
fn the_plain_text_readiness_answers_of_prometheus_and_alertmanager_pass_with_health_true() {
    let prometheus = prometheus();
    let alertmanager = alertmanager();
    for url in [
        format!("{}/-/ready", prometheus.url()),
        format!("{}/-/healthy", prometheus.url()),
        format!("{}/-/ready", alertmanager.url()),
        format!("{}/-/healthy", alertmanager.url()),
    ] {
        let evaluation = evaluate(&readiness_gate(&url), &staging());
        assert_eq!(evaluation.verdict, Verdict::Pass, "{url}: {evaluation:#?}");
    }
    // The same server's error page on a path that is not there is never a healthy reading.
    let missing = format!("{}/-/nothing-here", prometheus.url());
    let evaluation = evaluate(&readiness_gate(&missing), &staging());
    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:#?}");
}

/// Evaluates `gate` until `done` holds of its evaluation (Alertmanager shows posted alerts
/// after a moment), failing the test after [`READY_WITHIN`].
fn evaluate_until(gate: &AlertsGate, what: &str, done: impl Fn(&Evaluation) -> bool) -> Evaluation {
    let start = Instant::now();
    loop {
        let evaluation = evaluate(gate, &staging());
        if done(&evaluation) {
            return evaluation;
        }
        assert!(
            start.elapsed() < READY_WITHIN,
            "not {what}: {evaluation:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_alert_of_severity_none_is_listed_and_not_counted_by_the_default_order() {
    let alertmanager = alertmanager();
    let now = jiff::Timestamp::now();
    let later = now + jiff::SignedDuration::from_hours(1);
    let alert = |name: &str, severity: &str| {
        json!({
            "labels": { "alertname": name, "severity": severity, "env": ENV },
            "annotations": { "summary": format!("{name} fires") },
            "startsAt": now.to_string(),
            "endsAt": later.to_string(),
        })
    };
    // kube-prometheus: Watchdog and InfoInhibitor always fire, with severity none.
    alertmanager.call(
        "POST",
        "/api/v2/alerts",
        Some(&json!([
            alert("Watchdog", "none"),
            alert("InfoInhibitor", "none")
        ])),
    );
    let gate = alerts_gate(&format!(
        "url = \"{}\"\nfilters = ['env=\"{ENV}\"']\n",
        alertmanager.url()
    ));
    let evaluation = evaluate_until(&gate, "both alerts listed", |e| {
        evidence(e, "below min_severity").len() == 2
    });
    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    assert!(
        evaluation
            .summary
            .starts_with("no alert firing (2 not counted)"),
        "{evaluation:#?}"
    );
    let listed = evidence(&evaluation, "below min_severity");
    assert!(
        listed
            .iter()
            .any(|l| l.starts_with("Watchdog (none) firing since")),
        "{listed:?}"
    );
    let order = evidence(&evaluation, "severity order");
    assert_eq!(
        order,
        [
            "none < info < warning < critical (the default); counted from warning, failing from critical; another severity counts as critical"
        ]
    );
    // A critical alert beside them is counted, and fails.
    alertmanager.call(
        "POST",
        "/api/v2/alerts",
        Some(&json!([alert("ApiDown", "critical")])),
    );
    let evaluation = evaluate_until(&gate, "ApiDown counted", |e| e.verdict != Verdict::Pass);
    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:#?}");
    assert!(
        evaluation
            .summary
            .starts_with("1 alert firing: ApiDown (critical) (2 not counted)"),
        "{evaluation:#?}"
    );
}
