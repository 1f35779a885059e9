//! A headless Chromium driven over the DevTools protocol, for the HTML report's tests: open a
//! file, collect what the page logs as errors, and query its DOM without running any of its
//! (or our) JavaScript. Debian's `chromium` package; `scripts/test` installs it when missing.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

const INSTALL: &str = "the HTML report's browser tests need Chromium: install it with \
     `apt-get install -y chromium` (scripts/test does when it is missing)";

/// Every wait for the browser ends within this.
const PATIENCE: Duration = Duration::from_secs(60);

/// A browser with one page, killed on drop.
pub(crate) struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    /// Events read while waiting for something else, oldest first.
    pending: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// A page as loaded: what it logged as errors.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) errors: Vec<String>,
}

impl Browser {
    /// Starts a headless Chromium on a free loopback port with a fresh profile, and opens a
    /// blank page with logging on. Fails the test, saying how to install it, without one.
    pub(crate) fn start() -> Self {
        let program = ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .find(|name| crate::support::installed(name))
            .unwrap_or_else(|| panic!("{INSTALL}"));
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = Command::new(program)
            .args([
                "--headless",
                // Root in a container has no user namespace to sandbox with.
                "--no-sandbox",
                "--disable-gpu",
                // Containers give /dev/shm 64 MiB; a renderer that runs out of it crashes.
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            // Its own process group, so that the renderers go with it.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} did not start: {e}; {INSTALL}"));
        let stderr = child.stderr.take().expect("stderr piped");
        let (found, address) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = found.send(url.trim().to_owned());
                }
            }
        });
        let url = address
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("{program} never said where DevTools listens"));
        let host = url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .expect("a ws:// URL")
            .to_owned();
        let stream = TcpStream::connect(&host).expect("connect to DevTools");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let (socket, _) = tungstenite::client(url.as_str(), stream).expect("DevTools handshake");
        let mut browser = Self {
            child,
            socket,
            session: String::new(),
            next_id: 0,
            pending: Vec::new(),
            _profile: profile,
        };
        let target = browser.call_browser("Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().expect("a target id").to_owned();
        let attached = browser.call_browser(
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        browser.session = attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable", "DOM.enable"] {
            browser.call(domain, json!({}));
        }
        browser
    }

    /// Opens `file` with scripts allowed or not, and waits until it has loaded.
    pub(crate) fn open(&mut self, file: &Path, scripts: bool) -> Loaded {
        self.call(
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": !scripts }),
        );
        self.pending.clear();
        let url = format!("file://{}", file.display());
        let navigated = self.call("Page.navigate", json!({ "url": url }));
        assert!(
            navigated.get("errorText").is_none(),
            "{url} did not open: {navigated}"
        );
        self.wait_for("Page.loadEventFired");
        // Errors logged while loading arrive before the load event; give stragglers (a
        // refused request logs after it) a moment by asking one more round trip.
        self.call("Runtime.evaluate", json!({ "expression": "1" }));
        let errors = self
            .pending
            .iter()
            .filter_map(|event| {
                let params = &event["params"];
                match event["method"].as_str()? {
                    "Runtime.exceptionThrown" => Some(params["exceptionDetails"].to_string()),
                    "Runtime.consoleAPICalled"
                        if matches!(params["type"].as_str(), Some("error" | "assert")) =>
                    {
                        Some(params["args"].to_string())
                    }
                    "Log.entryAdded" if params["entry"]["level"] == "error" => {
                        Some(params["entry"]["text"].to_string())
                    }
                    _ => None,
                }
            })
            .collect();
        Loaded { errors }
    }

    /// How many elements match `selector` in the page's document (the DOM domain: no
    /// JavaScript runs).
    pub(crate) fn count(&mut self, selector: &str) -> usize {
        let root = self.call("DOM.getDocument", json!({ "depth": 0 }));
        let node = root["root"]["nodeId"].clone();
        let found = self.call(
            "DOM.querySelectorAll",
            json!({ "nodeId": node, "selector": selector }),
        );
        found["nodeIds"].as_array().map_or(0, Vec::len)
    }

    /// The HTML of every element that matches `selector`.
    pub(crate) fn outer_html(&mut self, selector: &str) -> Vec<String> {
        let root = self.call("DOM.getDocument", json!({ "depth": 0 }));
        let node = root["root"]["nodeId"].clone();
        let found = self.call(
            "DOM.querySelectorAll",
            json!({ "nodeId": node, "selector": selector }),
        );
        let ids: Vec<Value> = found["nodeIds"].as_array().cloned().unwrap_or_default();
        ids.into_iter()
            .map(|id| {
                let html = self.call("DOM.getOuterHTML", json!({ "nodeId": id }));
                html["outerHTML"].as_str().unwrap_or_default().to_owned()
            })
            .collect()
    }

    /// The laid-out size of the first element matching `selector`, in CSS pixels: zero when
    /// it is not shown.
    pub(crate) fn size(&mut self, selector: &str) -> (f64, f64) {
        let root = self.call("DOM.getDocument", json!({ "depth": 0 }));
        let node = root["root"]["nodeId"].clone();
        let found = self.call(
            "DOM.querySelector",
            json!({ "nodeId": node, "selector": selector }),
        );
        let model = self.call("DOM.getBoxModel", json!({ "nodeId": found["nodeId"] }));
        let model = &model["model"];
        (
            model["width"].as_f64().unwrap_or(0.0),
            model["height"].as_f64().unwrap_or(0.0),
        )
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(&session), method, params)
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Value {
        self.send(None, method, params)
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .expect("send to DevTools");
        let deadline = Instant::now() + PATIENCE;
        loop {
            assert!(Instant::now() < deadline, "no answer to {method}");
            let value = self.read();
            if value["id"] == id {
                if let Some(error) = value.get("error") {
                    panic!("{method} failed: {error}");
                }
                return value["result"].clone();
            }
            if value.get("method").is_some() {
                self.pending.push(value);
            }
        }
    }

    fn wait_for(&mut self, event: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.pending.iter().any(|e| e["method"] == event) {
            assert!(Instant::now() < deadline, "no {event}");
            let value = self.read();
            if value.get("method").is_some() {
                self.pending.push(value);
            }
        }
    }

    fn read(&mut self) -> Value {
        loop {
            match self.socket.read().expect("read from DevTools") {
                Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
                Message::Close(_) => panic!("the browser closed DevTools"),
                _ => {}
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.child.wait();
    }
}
