//! Large plans, which `release` runs in two halves on two threads: the summary keeps the
//! plan's order, the plan's concurrency bound and kind limits hold across both halves, and
//! Ctrl-C stops both.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::support::{Release, interrupt};

/// Gates in each test plan: enough that the run is split in two.
const GATES: usize = 40;

/// A loopback server that answers every request after a pause and counts how many requests
/// it holds at once, and which paths it was asked for.
struct CountingServer {
    url: String,
    most_at_once: Arc<AtomicUsize>,
    paths: Arc<std::sync::Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl CountingServer {
    fn start(pause: Duration) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let most_at_once = Arc::new(AtomicUsize::new(0));
        let paths = Arc::new(std::sync::Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let (most, seen) = (most_at_once.clone(), paths.clone());
        runtime.spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    continue;
                };
                let (most, seen, in_flight) = (most.clone(), seen.clone(), in_flight.clone());
                tokio::spawn(async move {
                    // Keep-alive: the client reuses connections, so serve requests until it
                    // closes.
                    let mut buffer = [0_u8; 1024];
                    loop {
                        let mut request = Vec::new();
                        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                            match socket.read(&mut buffer).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => request.extend_from_slice(&buffer[..n]),
                            }
                        }
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        let line = String::from_utf8_lossy(&request);
                        let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
                        seen.lock().unwrap().push(path);
                        tokio::time::sleep(pause).await;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        let body = r#"{"status":"ok"}"#;
                        let response = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if socket.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            url,
            most_at_once,
            paths,
            _runtime: runtime,
        }
    }
}

fn plan(release: &str, gates: impl Fn(usize) -> String) -> String {
    let mut plan = format!(
        "[release]\nname = \"many\"\nartifacts_dir = \"artifacts\"\n{release}\n\n\
         [environments.staging]\napi_url = \"http://127.0.0.1:1\"\n"
    );
    for i in 0..GATES {
        plan.push_str(&gates(i));
    }
    plan
}

/// Runs `release launch-gate` over the plan, which must pass, and returns the summary's gate
/// ids in order.
fn passing_gate_ids(plan: String) -> Vec<String> {
    let (run, _dir) = Release::new()
        .file("release.toml", plan)
        .args(["launch-gate", "--format", "json"])
        .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    gate_ids(&run.stdout)
}

fn gate_ids(stdout: &str) -> Vec<String> {
    let summary: serde_json::Value = serde_json::from_str(stdout).expect("a JSON summary");
    summary["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert_eq!(g["verdict"], "pass", "{g}");
            g["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn a_large_plan_runs_both_halves_at_once_and_keeps_its_order() {
    let server = CountingServer::start(Duration::from_millis(300));
    let plan = plan("concurrency = 40", |i| {
        format!(
            "\n[[gates]]\nid = \"probe-{i:02}\"\nkind = \"http\"\nphases = [\"launch\"]\n\
             url = \"{}/probe/{i:02}\"\nexpect = {{ status = 200 }}\n",
            server.url
        )
    });
    let expected: Vec<String> = (0..GATES).map(|i| format!("probe-{i:02}")).collect();
    assert_eq!(passing_gate_ids(plan), expected, "the plan's order");
    let mut paths = server.paths.lock().unwrap().clone();
    paths.sort();
    let asked: Vec<String> = (0..GATES).map(|i| format!("/probe/{i:02}")).collect();
    assert_eq!(paths, asked, "every gate probed once");
    // Each request is held 300 ms: more than half of them at once means both halves ran
    // together, and no more than the plan's bound.
    let most = server.most_at_once.load(Ordering::SeqCst);
    assert!(
        most > GATES / 2,
        "only {most} requests at once: the halves ran in turn"
    );
    assert!(
        most <= GATES,
        "{most} requests at once under `concurrency = 40`"
    );
}

#[test]
fn a_kind_limit_holds_across_both_halves() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("lock");
    let lock = lock.to_str().unwrap();
    // Each command holds a directory as a lock for a moment; two at once would fail one.
    let plan = plan("concurrency = 64\ncommand_concurrency = 1", |i| {
        format!(
            "\n[[gates]]\nid = \"step-{i:02}\"\nkind = \"command\"\nphases = [\"launch\"]\n\
             command = [\"sh\", \"-c\", \"mkdir {lock} && sleep 0.01 && rmdir {lock}\"]\n"
        )
    });
    let expected: Vec<String> = (0..GATES).map(|i| format!("step-{i:02}")).collect();
    assert_eq!(passing_gate_ids(plan), expected);
}

#[test]
fn ctrl_c_stops_both_halves_and_the_summary_has_every_gate() {
    use std::process::{Command, Stdio};
    use std::time::Instant;

    // Accepts every connection and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counted = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for socket in listener.incoming().flatten() {
            held.push(socket);
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    let plan = plan("", |i| {
        format!(
            "\n[[gates]]\nid = \"hangs-{i:02}\"\nkind = \"http\"\nphases = [\"launch\"]\n\
             url = \"{url}/hang/{i:02}\"\ntimeout = \"60s\"\nexpect = {{ status = 200 }}\n"
        )
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("release.toml"), plan).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_release"))
        .args(["launch-gate", "--format", "json"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once every gate of both halves is waiting on its connection.
    let waiting = Instant::now();
    while accepted.load(Ordering::SeqCst) < GATES && waiting.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        GATES,
        "not every gate connected"
    );
    let threads: Vec<String> = std::fs::read_dir(format!("/proc/{}/task", child.id()))
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect();
    assert!(
        threads.iter().any(|name| name == "gates"),
        "the second half's thread is missing: {threads:?}"
    );
    let (output, took) = interrupt(child);
    assert!(
        took < Duration::from_secs(10),
        "a half kept waiting for its 60 s timeouts"
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["cancelled"], true);
    let gates = summary["gates"].as_array().unwrap();
    let expected: Vec<String> = (0..GATES).map(|i| format!("hangs-{i:02}")).collect();
    let ids: Vec<&str> = gates.iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids, expected);
    for gate in gates {
        assert_eq!(gate["verdict"], "error", "{gate}");
        assert_eq!(gate["summary"], "cancelled", "{gate}");
    }
}
