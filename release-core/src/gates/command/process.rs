//! Processes in a process group of their own, stopped as a whole (`SIGTERM`, then `SIGKILL`
//! after a grace period), with a bounded tail of their output.
//!
//! A command that times out must not leave anything behind: test runners fork workers,
//! `npm run` starts a shell that starts node. Every process the gate starts leads a new
//! process group, and stopping it signals the whole group, so grandchildren go too. A process
//! that puts itself in another group (a daemon calling `setsid`) escapes this; service gates
//! stop such daemons with their `stop` command.

use std::collections::VecDeque;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::watchdog;
use crate::Redactor;
use crate::secret::LineStream;

/// Lines longer than this are cut: only their first bytes are kept.
const LINE_WINDOW: usize = 8 * 1024;
/// Characters of a line shown in evidence.
const SHOWN_LINE_CHARS: usize = 1000;
/// How long output may still arrive after the process group is gone.
pub(crate) const DRAIN: Duration = Duration::from_millis(500);
/// How long a group is watched after `SIGKILL`.
pub(crate) const KILL_WAIT: Duration = Duration::from_secs(2);
/// How often a stopping group is checked.
const POLL: Duration = Duration::from_millis(20);
/// Once the run is cancelled (Ctrl-C, `SIGTERM`), it must end within a second, summary
/// written: every wait of a stop (the grace before `SIGKILL`, a `stop` command, the rest of
/// the output) is cut to this.
pub(crate) const CANCELLED_WAIT: Duration = Duration::from_millis(200);

/// `wait`, or at most [`CANCELLED_WAIT`] once the run is cancelled.
pub(crate) fn bounded(wait: Duration, cancel: &CancellationToken) -> Duration {
    if cancel.is_cancelled() {
        wait.min(CANCELLED_WAIT)
    } else {
        wait
    }
}

/// A process group we started. Dropped without [`ProcessGroup::stop`], it is killed.
#[derive(Debug)]
pub(crate) struct ProcessGroup {
    pgid: i32,
    stopped: bool,
}

impl ProcessGroup {
    fn new(leader: u32) -> Self {
        let pgid = i32::try_from(leader).unwrap_or(i32::MAX);
        watchdog::register(pgid);
        Self {
            pgid,
            stopped: false,
        }
    }

    /// Whether any process of the group is still running (zombies do not count: they are
    /// dead, waiting for a parent that may never come).
    pub(crate) fn alive(&self) -> bool {
        group_alive(self.pgid)
    }

    /// Stops the group: `SIGTERM`, then `SIGKILL` if anything is left after `grace`.
    /// Returns whether it had to kill.
    pub(crate) async fn stop(&mut self, grace: Duration) -> bool {
        let pgid = Pid::from_raw(self.pgid);
        let mut killed = false;
        if self.alive() {
            let _ = killpg(pgid, Signal::SIGTERM);
            // A stopped process cannot act on SIGTERM until it runs again.
            let _ = killpg(pgid, Signal::SIGCONT);
            let until = Instant::now() + grace;
            while self.alive() && Instant::now() < until {
                tokio::time::sleep(POLL).await;
            }
            if self.alive() {
                killed = true;
                let _ = killpg(pgid, Signal::SIGKILL);
                let until = Instant::now() + KILL_WAIT;
                while self.alive() && Instant::now() < until {
                    tokio::time::sleep(POLL).await;
                }
            }
        }
        self.stopped = true;
        watchdog::forget(self.pgid);
        killed
    }
}

impl ProcessGroup {
    /// Forgets a group with nothing left running, whose leader was reaped: its id may soon
    /// belong to another group, which must never be signalled in its place. Returns whether
    /// it was empty (and so forgotten).
    pub(crate) fn forget_if_empty(&mut self) -> bool {
        if self.stopped || self.alive() {
            return self.stopped;
        }
        self.stopped = true;
        watchdog::forget(self.pgid);
        true
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = killpg(Pid::from_raw(self.pgid), Signal::SIGKILL);
            watchdog::forget(self.pgid);
        }
    }
}

/// Whether a process of group `pgid` is running. An empty group answers `kill(0)` with
/// `ESRCH`; otherwise, on Linux, `/proc` tells zombies (dead, but answering `kill(0)`) apart.
/// Elsewhere any member counts.
fn group_alive(pgid: i32) -> bool {
    if killpg(Pid::from_raw(pgid), None).is_err() {
        return false;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            return false;
        };
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| parse_stat(&stat))
            .is_some_and(|(state, group)| group == pgid && state != 'Z' && state != 'X')
    })
}

/// The state and process group of a `/proc/<pid>/stat` line: `pid (comm) state ppid pgrp …`,
/// where `comm` may hold spaces and parentheses, so fields are counted from the last `)`.
fn parse_stat(stat: &str) -> Option<(char, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

/// The last lines of one output stream, each cut to [`LINE_WINDOW`] bytes, with counts of
/// everything seen. Lines are kept as written and redacted when shown.
#[derive(Debug)]
pub(crate) struct Tail {
    keep: usize,
    /// Each kept line, and whether it was cut at [`LINE_WINDOW`].
    lines: VecDeque<Line>,
    /// The end of the lines no longer kept, joined, as long as the longest secret less one
    /// byte: the first kept line may end a secret that began there, and its piece is
    /// redacted only if the beginning is known.
    context: String,
    context_limit: usize,
    partial: Vec<u8>,
    partial_cut: bool,
    total_lines: u64,
    total_bytes: u64,
}

impl Tail {
    /// A tail keeping `keep` lines, and enough of the lines before them to recognise the
    /// secrets of `redactor` that begin there (see [`Redactor::redact_lines`]).
    pub(crate) fn new(keep: usize, redactor: &Redactor) -> Self {
        Self {
            keep,
            lines: VecDeque::new(),
            context: String::new(),
            context_limit: redactor.longest_secret_len().saturating_sub(1),
            partial: Vec::new(),
            partial_cut: false,
            total_lines: 0,
            total_bytes: 0,
        }
    }

    /// Adds a chunk; returns the lines it completed, for live display.
    fn push(&mut self, chunk: &[u8]) -> Vec<Line> {
        self.total_bytes += chunk.len() as u64;
        let mut completed = Vec::new();
        let mut rest = chunk;
        while let Some(newline) = rest.iter().position(|b| *b == b'\n') {
            self.extend_partial(&rest[..newline]);
            completed.push(self.complete_line());
            rest = &rest[newline + 1..];
        }
        self.extend_partial(rest);
        completed
    }

    fn extend_partial(&mut self, bytes: &[u8]) {
        let room = LINE_WINDOW.saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.partial_cut = true;
        }
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn complete_line(&mut self) -> Line {
        // A cut inside a character leaves its first bytes, which would show as U+FFFD and
        // hide a secret's beginning from `redact_cut`.
        let kept = if self.partial_cut {
            whole_characters(&self.partial)
        } else {
            &self.partial
        };
        let mut text = strip_ansi(&String::from_utf8_lossy(kept));
        if text.ends_with('\r') {
            text.pop();
        }
        let line = Line {
            text,
            cut: self.partial_cut,
        };
        self.partial.clear();
        self.partial_cut = false;
        self.total_lines += 1;
        if self.keep > 0 {
            if self.lines.len() == self.keep
                && let Some(gone) = self.lines.pop_front()
            {
                self.remember(&gone);
            }
            self.lines.push_back(line.clone());
        }
        line
    }

    /// Ends the stream: a last line without a newline still counts.
    fn finish(&mut self) -> Option<Line> {
        (!self.partial.is_empty()).then(|| self.complete_line())
    }

    /// Keeps the end of a line no longer kept as the context of the next ones.
    fn remember(&mut self, gone: &Line) {
        if gone.cut || self.context_limit == 0 {
            // Nothing joins a cut line: what follows it is not what followed its window.
            self.context.clear();
            return;
        }
        self.context.push_str(&gone.text);
        if self.context.len() > self.context_limit {
            let mut from = self.context.len() - self.context_limit;
            while !self.context.is_char_boundary(from) {
                from += 1;
            }
            self.context.drain(..from);
        }
    }

    /// Whether nothing was written.
    pub(crate) fn is_empty(&self) -> bool {
        self.total_bytes == 0
    }

    /// The kept lines, redacted and cut for display, under a heading with the counts.
    pub(crate) fn render(&self, redactor: &Redactor) -> String {
        let mut text = format!(
            "last {} of {} lines ({} bytes)",
            self.lines.len(),
            self.total_lines,
            self.total_bytes
        );
        // Runs of lines that join, each ended by a cut line (nothing continues one).
        let mut context = self.context.as_str();
        let mut run: Vec<&str> = Vec::new();
        let mut show = |run: &mut Vec<&str>, context: &str, cut: bool| {
            let shown = redactor.redact_lines(context, run, cut);
            let last = shown.len().saturating_sub(1);
            for (i, line) in shown.iter().enumerate() {
                text.push('\n');
                text.push_str(&clip(line, cut && i == last));
            }
            run.clear();
        };
        for line in &self.lines {
            run.push(&line.text);
            if line.cut {
                show(&mut run, context, true);
                context = "";
            }
        }
        show(&mut run, context, false);
        text
    }
}

/// The bytes up to the last whole UTF-8 character: a cut may fall inside one.
fn whole_characters(bytes: &[u8]) -> &[u8] {
    let tail = bytes.len().saturating_sub(4);
    for at in (tail..bytes.len()).rev() {
        let byte = bytes[at];
        if byte & 0xC0 == 0x80 {
            continue;
        }
        let width = match byte {
            0xF0..=0xF7 => 4,
            0xE0..=0xEF => 3,
            0xC0..=0xDF => 2,
            _ => 1,
        };
        return if bytes.len() - at < width {
            &bytes[..at]
        } else {
            bytes
        };
    }
    bytes
}

/// A line of output as written (ANSI codes and the line end removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    text: String,
    /// It was longer than [`LINE_WINDOW`]; the rest was not kept.
    cut: bool,
}

/// Text as reports show it: redacted first (so a cut cannot split a secret and keep half),
/// then cut to [`SHOWN_LINE_CHARS`].
pub(crate) fn shown(line: &str, redactor: &Redactor) -> String {
    clip(&redactor.redact(line), false)
}

fn clip(redacted: &str, already_cut: bool) -> String {
    match redacted.char_indices().nth(SHOWN_LINE_CHARS) {
        Some((at, _)) => format!("{} … [line cut]", &redacted[..at]),
        None if already_cut => format!("{redacted} … [line cut]"),
        None => redacted.to_owned(),
    }
}

/// Removes terminal colour and cursor sequences (`ESC [ … letter`), which test runners and
/// npm print even into pipes.
fn strip_ansi(text: &str) -> String {
    if !text.contains('\u{1b}') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() || c == '~' {
                    break;
                }
            }
        }
    }
    out
}

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct Invocation<'a> {
    /// The program and its arguments.
    pub(crate) argv: &'a [String],
    /// The working directory.
    pub(crate) cwd: Option<&'a Path>,
    /// The whole environment of the process.
    pub(crate) env: &'a [(String, String)],
    /// Whether stdout and stderr are piped to us (else they go nowhere).
    pub(crate) capture: bool,
}

impl Invocation<'_> {
    /// Starts it as the leader of a new process group, stdin closed.
    pub(crate) fn spawn(&self) -> Result<(tokio::process::Child, ProcessGroup), String> {
        let Some((program, args)) = self.argv.split_first() else {
            return Err("no program to run".to_owned());
        };
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(if self.capture {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(if self.capture {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .process_group(0);
        if let Some(cwd) = self.cwd {
            command.current_dir(cwd);
        }
        let child = command.spawn().map_err(|e| {
            let hint = match e.kind() {
                std::io::ErrorKind::NotFound => match self.cwd {
                    Some(cwd) if !cwd.is_dir() => {
                        format!(" (the working directory {} does not exist)", cwd.display())
                    }
                    _ => " (is it installed and on PATH?)".to_owned(),
                },
                std::io::ErrorKind::PermissionDenied => " (is it executable?)".to_owned(),
                _ => String::new(),
            };
            format!("cannot start `{program}`: {e}{hint}")
        })?;
        let Some(pid) = child.id() else {
            return Err(format!("`{program}` exited before it could be watched"));
        };
        Ok((child, ProcessGroup::new(pid)))
    }
}

/// How a run ended.
#[derive(Debug)]
pub(crate) enum Ending {
    /// The process exited by itself.
    Exited(ExitStatus),
    /// The deadline passed; the group was stopped.
    TimedOut,
    /// The run was cancelled; the group was stopped.
    Cancelled,
    /// Waiting for the process failed.
    Lost(String),
}

/// A finished run.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) ending: Ending,
    pub(crate) stdout: Tail,
    pub(crate) stderr: Tail,
    /// Processes of the group were still running after the leader exited (and were stopped).
    pub(crate) leftovers: bool,
    /// Whether stopping the group needed `SIGKILL`.
    pub(crate) killed: bool,
    /// The time between `SIGTERM` and `SIGKILL` it was given: the gate's grace, or less once
    /// the run was cancelled.
    pub(crate) grace: Duration,
    pub(crate) elapsed: Duration,
}

/// Limits of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) deadline: Instant,
    pub(crate) grace: Duration,
    pub(crate) keep_lines: usize,
}

/// Where live output goes: `tracing` events at `info`, redacted, tagged with the gate.
#[derive(Clone, Copy)]
pub(crate) struct Live<'a> {
    pub(crate) gate: &'a str,
    pub(crate) redactor: &'a Redactor,
}

/// Runs the invocation to its end, the deadline or cancellation, and stops its whole group.
pub(crate) async fn run(
    invocation: &Invocation<'_>,
    limits: Limits,
    cancel: &CancellationToken,
    live: Live<'_>,
) -> Result<Finished, String> {
    let started = Instant::now();
    if cancel.is_cancelled() {
        return Err("cancelled before it started".to_owned());
    }
    let (mut child, mut group) = invocation.spawn()?;
    let stdout = Mutex::new(Tail::new(limits.keep_lines, live.redactor));
    let stderr = Mutex::new(Tail::new(limits.keep_lines, live.redactor));
    let (out_pipe, err_pipe) = (child.stdout.take(), child.stderr.take());
    let pumps = async {
        tokio::join!(
            pump(out_pipe, &stdout, "stdout", Some(live)),
            pump(err_pipe, &stderr, "stderr", Some(live)),
        )
    };
    let control = async {
        let ending = tokio::select! {
            // A cancellation that kills the group (SIGTERM to `release`) is a cancellation, not
            // a command killed by a signal.
            biased;
            () = cancel.cancelled() => Ending::Cancelled,
            status = child.wait() => match status {
                Ok(status) => Ending::Exited(status),
                Err(e) => Ending::Lost(format!("failed to wait for the process: {e}")),
            },
            () = tokio::time::sleep_until(limits.deadline) => Ending::TimedOut,
        };
        let leftovers = matches!(ending, Ending::Exited(_)) && group.alive();
        let grace = bounded(limits.grace, cancel);
        let killed = group.stop(grace).await;
        if !matches!(ending, Ending::Exited(_)) {
            // Reap the leader, dead by now, so it leaves no zombie.
            let wait = bounded(Duration::from_secs(1), cancel);
            let _ = tokio::time::timeout(wait, child.wait()).await;
        }
        (ending, leftovers, killed, grace)
    };
    tokio::pin!(pumps);
    tokio::pin!(control);
    let mut drained = false;
    let (ending, leftovers, killed, grace) = loop {
        tokio::select! {
            result = &mut control => break result,
            _ = &mut pumps, if !drained => drained = true,
        }
    };
    // Output ends when the last process holding the pipes is gone; one that left the group
    // could hold them forever, so it gets a moment, not more.
    if !drained {
        let _ = tokio::time::timeout(bounded(DRAIN, cancel), &mut pumps).await;
    }
    Ok(Finished {
        ending,
        stdout: take(&stdout),
        stderr: take(&stderr),
        leftovers,
        killed,
        grace,
        elapsed: started.elapsed(),
    })
}

/// The tail so far; a pump still holding the stream (abandoned after [`DRAIN`]) keeps an
/// empty one.
fn take(tail: &Mutex<Tail>) -> Tail {
    std::mem::replace(&mut *lock(tail), Tail::new(0, &Redactor::new()))
}

/// Reads a stream to its end into the tail, emitting each line live when asked (and live
/// lines are logged): redacted, a line that may begin a secret the next one ends held back
/// until that line or the end of the stream decides (see [`LineStream`]).
pub(crate) async fn pump(
    reader: Option<impl AsyncRead + Unpin>,
    tail: &Mutex<Tail>,
    stream: &str,
    live: Option<Live<'_>>,
) {
    let Some(mut reader) = reader else { return };
    let live = live.filter(|_| tracing::enabled!(tracing::Level::INFO));
    let mut buf = vec![0u8; 16 * 1024];
    let mut held = LineStream::default();
    let mut emit = |lines: Vec<Line>, end: bool| {
        let Some(live) = live else { return };
        let mut decided = Vec::new();
        for line in lines {
            decided.extend(held.push(live.redactor, line.text, line.cut));
        }
        if end {
            decided.extend(held.finish(live.redactor));
        }
        for (text, cut) in decided {
            tracing::info!(gate = live.gate, stream, "{}", clip(&text, cut));
        }
    };
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let lines = lock(tail).push(&buf[..n]);
                emit(lines, false);
            }
        }
    }
    let last = lock(tail).finish();
    emit(last.into_iter().collect(), true);
}

pub(crate) fn lock(tail: &Mutex<Tail>) -> std::sync::MutexGuard<'_, Tail> {
    tail.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names_parse() {
        assert_eq!(
            parse_stat("42 (a (weird) name) S 1 42 42 0 -1"),
            Some(('S', 42))
        );
        assert_eq!(parse_stat("7 (sh) Z 1 5 5"), Some(('Z', 5)));
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat(""), None);
    }

    #[test]
    fn the_tail_keeps_the_last_lines_and_counts_everything() {
        let mut tail = Tail::new(2, &Redactor::new());
        tail.push(b"one\ntwo\nthr");
        tail.push(b"ee\nfour");
        assert_eq!(tail.finish().map(|l| l.text).as_deref(), Some("four"));
        let kept: Vec<&str> = tail.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(kept, ["three", "four"]);
        assert_eq!(tail.total_lines, 4);
        assert_eq!(tail.total_bytes, 18);
        let shown = tail.render(&Redactor::new());
        assert_eq!(shown, "last 2 of 4 lines (18 bytes)\nthree\nfour");
    }

    #[test]
    fn a_huge_line_is_cut_and_the_rest_of_it_not_kept() {
        let mut tail = Tail::new(5, &Redactor::new());
        tail.push(&vec![b'x'; 100_000]);
        tail.push(b"\nnext\n");
        assert_eq!(tail.lines.len(), 2);
        assert_eq!(tail.lines[0].text.len(), LINE_WINDOW);
        assert!(tail.lines[0].cut);
        let rendered = tail.render(&Redactor::new());
        assert!(rendered.len() < 1200, "{} bytes shown", rendered.len());
        assert!(rendered.contains("x … [line cut]\nnext"), "{rendered}");
    }

    #[test]
    fn colour_codes_and_carriage_returns_are_removed() {
        let mut tail = Tail::new(5, &Redactor::new());
        tail.push(b"\x1b[32mok\x1b[0m done\r\n");
        assert_eq!(tail.lines[0].text, "ok done");
    }

    #[test]
    fn secrets_are_redacted_before_a_long_line_is_cut() {
        let mut redactor = Redactor::new();
        redactor.add("s3cr3t-canary-value");
        let line = format!("{}s3cr3t-canary-value{}", "a".repeat(990), "b".repeat(50));
        let shown = shown(&line, &redactor);
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn a_secret_cut_at_the_window_is_not_half_shown() {
        let mut redactor = Redactor::new();
        redactor.add("s3cr3t-canary-value");
        // Colour codes fill the window, so the text kept is short and ends in half the secret.
        let mut tail = Tail::new(5, &redactor);
        let mut line = "\x1b[0m".repeat((LINE_WINDOW - 10) / 4).into_bytes();
        line.extend_from_slice(b"x=s3cr3t-canary-value and more\n");
        tail.push(&line);
        let rendered = tail.render(&redactor);
        assert!(!rendered.contains("s3cr3t"), "{rendered}");
        assert!(
            rendered.ends_with("x=[redacted] … [line cut]"),
            "{rendered}"
        );
    }

    #[test]
    fn each_line_of_a_multi_line_secret_is_redacted() {
        let mut redactor = Redactor::new();
        redactor.add("-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END KEY-----");
        let mut tail = Tail::new(5, &redactor);
        tail.push(b"key:\nMIIEvQIBADANBgkqhkiG9w0B\n");
        assert!(!tail.render(&redactor).contains("MIIEvQ"));
    }

    const TOKEN: &str = "ghp_R3alTokenValue0123456789";

    fn token_redactor() -> Redactor {
        let mut redactor = Redactor::new();
        redactor.add(TOKEN);
        redactor
    }

    #[test]
    fn a_secret_folded_over_lines_is_redacted_in_every_kept_piece() {
        let redactor = token_redactor();
        // `printf '%s\n' "$GITHUB_TOKEN" | fold -w 12`, kept whole and with its first
        // piece no longer kept (the beginning is still known).
        for keep in [5, 3, 2, 1] {
            let mut tail = Tail::new(keep, &redactor);
            tail.push(b"before\nghp_R3alToke\nnValue012345\n6789\n");
            let rendered = tail.render(&redactor);
            for piece in ["ghp_R3al", "nValue012345", "6789"] {
                assert!(!rendered.contains(piece), "keep {keep}: {rendered}");
            }
            assert!(
                rendered.ends_with("\n[redacted]"),
                "keep {keep}: {rendered}"
            );
        }
        // Folded at every width, written in chunks that split lines anywhere.
        for width in 1..TOKEN.len() {
            let mut tail = Tail::new(40, &redactor);
            let folded: Vec<String> = TOKEN
                .as_bytes()
                .chunks(width)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            let output = format!("x {}\ndone\n", folded.join("\n"));
            for chunk in output.as_bytes().chunks(5) {
                tail.push(chunk);
            }
            let rendered = tail.render(&redactor);
            assert!(
                !rendered.contains("R3al") && !rendered.contains("6789"),
                "width {width}: {rendered}"
            );
            assert!(
                rendered.contains("x [redacted]\n"),
                "width {width}: {rendered}"
            );
        }
    }

    #[test]
    fn a_secret_split_by_a_carriage_return_is_redacted() {
        let redactor = token_redactor();
        let mut tail = Tail::new(5, &redactor);
        tail.push(format!("{}\r{}\r\n", &TOKEN[..9], &TOKEN[9..]).as_bytes());
        let rendered = tail.render(&redactor);
        assert!(
            rendered.ends_with("\n[redacted]\r[redacted]"),
            "{rendered:?}"
        );
    }

    #[test]
    fn a_secret_that_a_window_cut_splits_inside_a_character_is_not_half_shown() {
        let mut redactor = Redactor::new();
        redactor.add("pässwörd-canary-value");
        let mut tail = Tail::new(5, &redactor);
        // The window ends inside `ö`'s two bytes, after `=pässw`; colour codes fill the rest
        // of it, so the text shown is short.
        let mut line = "\x1b[0m".repeat((LINE_WINDOW - 8) / 4).into_bytes();
        line.extend_from_slice("=pässwörd-canary-value\n".as_bytes());
        tail.push(&line);
        assert!(tail.lines[0].cut);
        let rendered = tail.render(&redactor);
        assert!(!rendered.contains('\u{fffd}'), "{rendered}");
        assert!(!rendered.contains("pässw"), "{rendered}");
        assert!(
            rendered.ends_with("\n=[redacted] … [line cut]"),
            "{rendered}"
        );
    }

    #[test]
    fn whole_characters_drop_a_cut_character_only() {
        assert_eq!(whole_characters(b"abc"), b"abc");
        assert_eq!(whole_characters("aé".as_bytes()), "aé".as_bytes());
        assert_eq!(whole_characters(&"aé".as_bytes()[..2]), b"a");
        assert_eq!(whole_characters(&"a😀".as_bytes()[..4]), b"a");
        assert_eq!(whole_characters("a😀".as_bytes()), "a😀".as_bytes());
        assert_eq!(whole_characters(b""), b"");
    }

    #[test]
    fn the_context_of_evicted_lines_is_bounded_and_ends_at_a_cut() {
        let redactor = token_redactor();
        let mut tail = Tail::new(1, &redactor);
        for _ in 0..100 {
            tail.push(b"0123456789abcdef\n");
        }
        assert!(tail.context.len() < TOKEN.len(), "{}", tail.context.len());
        tail.push(&vec![b'z'; LINE_WINDOW + 10]);
        tail.push(b"\nlast\n");
        assert_eq!(tail.context, "", "a cut line ends the context");
        tail.push(b"more\n");
        assert_eq!(tail.context, "last");
    }
}
