//! A small builder over the real `release` binary, in the style of just's `tests/test.rs`.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// One invocation of `release` in its own temporary working directory, with a clean
/// environment: only what the test sets reaches the binary.
pub(crate) struct Release {
    dir: tempfile::TempDir,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    timeout: Option<std::time::Duration>,
}

/// What the binary did.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) dir: PathBuf,
}

impl Release {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            args: Vec::new(),
            envs: Vec::new(),
            timeout: None,
        }
    }

    /// Kills the binary after `limit`, failing the test, rather than letting a hang hang it.
    pub(crate) fn timeout(mut self, limit: std::time::Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<str>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub(crate) fn env(mut self, key: &str, value: impl AsRef<str>) -> Self {
        self.envs.push((key.to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Writes a file in the working directory and returns its path.
    pub(crate) fn file(self, name: &str, contents: impl AsRef<[u8]>) -> Self {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, contents).expect("write file");
        self
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the binary; the temporary directory lives on in the returned guard.
    pub(crate) fn run(self) -> (Run, tempfile::TempDir) {
        let dir = self.dir.path().to_path_buf();
        let run = self.execute(&dir);
        (run, self.dir)
    }

    /// Starts the binary without waiting, output piped; the directory lives on in the
    /// returned guard.
    pub(crate) fn spawn(self) -> (std::process::Child, tempfile::TempDir) {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_release"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(self.dir.path())
            .args(&self.args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        (cmd.spawn().expect("start release"), self.dir)
    }

    /// Runs the binary in another test's directory, to share files between runs.
    pub(crate) fn run_in(self, dir: &Path) -> (Run, tempfile::TempDir) {
        let run = self.execute(dir);
        (run, self.dir)
    }

    fn execute(&self, dir: &Path) -> Run {
        let mut cmd = Command::cargo_bin("release").expect("binary");
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(dir)
            .args(&self.args);
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        if let Some(limit) = self.timeout {
            cmd.timeout(limit);
        }
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("run release");
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            dir: dir.to_path_buf(),
        }
    }
}

/// The shipped runbook plan.
pub(crate) fn runbook_plan() -> String {
    release_testkit::fixtures::plan("runbook")
        .display()
        .to_string()
}

/// The runbook plan with its ten-minute soak windows cut to two samples 10 ms apart: the
/// gates and their levels are the shipped ones, only the waiting is shorter.
pub(crate) fn short_soak_plan() -> String {
    let plan = std::fs::read_to_string(runbook_plan()).unwrap();
    let soak = r#"sustain = { interval = "1m", count = 10,"#;
    assert!(
        plan.contains(soak),
        "the runbook's soak windows changed: update this test"
    );
    plan.replace(soak, r#"sustain = { interval = "10ms", count = 2,"#)
        .replace("failure_limit = 1,", "failure_limit = 0,")
}

/// An example env file.
pub(crate) fn env_file(name: &str) -> String {
    release_testkit::fixtures::env_file(name)
        .display()
        .to_string()
}

/// Replaces what changes between runs (times, durations, run ids, paths) with stable tokens.
pub(crate) fn redact(text: &str, dir: &Path) -> String {
    let mut out = text.replace(&dir.display().to_string(), "[TMP]");
    out = out.replace(
        &release_testkit::fixtures::root().display().to_string(),
        "[FIXTURES]",
    );
    let rules: [(&str, &str); 6] = [
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[TIME]"),
        (r"\d{8}T\d{6}Z-[0-9a-f]{6}", "[RUN_ID]"),
        (r#""duration_ms": \d+"#, r#""duration_ms": "[MS]""#),
        (r#"time="[0-9.]+""#, r#"time="[SECONDS]""#),
        (r"\b\d+(\.\d+)?(ms|s)\b", "[DURATION]"),
        (r#"timestamp="[^"]+""#, r#"timestamp="[TIME]""#),
    ];
    for (pattern, replacement) in rules {
        out = regex::Regex::new(pattern)
            .expect("regex")
            .replace_all(&out, replacement)
            .into_owned();
    }
    // Table columns widen with the real durations ("0ms" or "12ms"), so borders and padding
    // are collapsed in table lines; the cells' contents stay as they are.
    let borders = regex::Regex::new("[─═]+").expect("regex");
    let padding = regex::Regex::new(" {2,}").expect("regex");
    out.lines()
        .map(|line| {
            if line.starts_with(['│', '┌', '╞', '└', '├']) {
                let line = borders.replace_all(line, "─");
                padding.replace_all(&line, " ").into_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if out.ends_with('\n') { "\n" } else { "" }
}

/// `release preflight env` on the runbook plan.
pub(crate) fn runbook_preflight() -> Release {
    Release::new().args(["preflight", "env", "--plan", &runbook_plan()])
}

/// `release preflight env` on the runbook plan with an example env file.
pub(crate) fn preflight_env(env_file_name: &str) -> Release {
    runbook_preflight().args(["--env-file", &env_file(env_file_name)])
}

/// `release preflight env` against production with the broken example environment.
pub(crate) fn broken_production() -> Release {
    preflight_env("production-broken").args(["--env", "production"])
}

/// Sends SIGINT (as Ctrl-C does) to a running `release` and waits for it: its output, and how
/// long it took to end after the signal.
pub(crate) fn interrupt(child: std::process::Child) -> (Output, std::time::Duration) {
    let signalled = std::time::Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success(), "kill -INT failed");
    let output = child.wait_with_output().expect("wait for release");
    (output, signalled.elapsed())
}

/// Asserts that `text` holds nothing a terminal would act on or that would reorder it: no
/// control character but line feeds, no bidirectional embedding, override or isolate, no
/// zero-width character. What a file, an argument or an upstream said is shown escaped.
pub(crate) fn assert_nothing_acts(text: &str, context: &str) {
    let acts = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(
                c,
                '\u{61c}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{2028}'..='\u{202e}'
                    | '\u{2060}'..='\u{2069}'
                    | '\u{feff}'
            )
    };
    if let Some(c) = text.chars().find(|c| acts(*c)) {
        panic!("{context}: {c:?} reaches the terminal raw in {text:?}");
    }
}

/// Whether `program` runs here (`program --version` exits 0).
pub(crate) fn installed(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
