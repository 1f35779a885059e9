use std::fs::{File, OpenOptions};
use std::io::{BufRead as _, BufReader, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize as _;

use super::record::{DecisionRecord, LogRecord};

/// A line longer than this is not a record of ours; it is reported, not parsed.
const MAX_LINE_BYTES: usize = 1024 * 1024;

/// How long to wait for another writer's lock before giving up: appends take milliseconds, so
/// a lock held this long belongs to a stuck process, and waiting forever would hang a release.
const LOCK_WAIT: Duration = Duration::from_secs(10);
const LOCK_POLL: Duration = Duration::from_millis(20);

/// The release log could not be used.
#[derive(Debug, thiserror::Error)]
#[error("failed to {action} release log {}: {source}", path.display())]
pub struct LogError {
    /// What was being done: `append to`, `read`, `lock`.
    pub action: &'static str,
    /// The log file.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// A line that is not a valid record, typically the tail of a write cut short by a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornLine {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// What reading the log found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogContents {
    /// Valid run records with their line numbers, oldest first.
    pub records: Vec<(usize, LogRecord)>,
    /// Rollback decisions with their line numbers, oldest first.
    pub decisions: Vec<(usize, DecisionRecord)>,
    /// Lines that could not be read as records; they were skipped.
    pub problems: Vec<TornLine>,
}

/// An append-only JSON Lines file.
///
/// ```
/// use release_core::log::ReleaseLog;
/// let dir = tempfile::tempdir().unwrap();
/// let log = ReleaseLog::new(dir.path().join("release-log.jsonl"));
/// assert!(log.read().unwrap().records.is_empty(), "a missing log is an empty one");
/// ```
#[derive(Debug, Clone)]
pub struct ReleaseLog {
    path: PathBuf,
    lock_wait: Duration,
    cancel: Option<tokio_util::sync::CancellationToken>,
}

impl ReleaseLog {
    /// The log at `path`; nothing is touched until it is used.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock_wait: LOCK_WAIT,
            cancel: None,
        }
    }

    /// Stops waiting for another process's lock once `cancel` is cancelled (Ctrl-C,
    /// `SIGTERM`), failing with an `Interrupted` error: a signal must end a run within a
    /// second, not after the lock wait. A free lock is still taken after cancellation.
    #[must_use]
    pub fn cancellation(mut self, cancel: tokio_util::sync::CancellationToken) -> Self {
        self.cancel = Some(cancel);
        self
    }

    /// How long to wait for another process's lock (default 10 s) before failing with a
    /// `lock` error rather than hanging.
    #[must_use]
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> LogError + '_ {
        move |source| LogError {
            action,
            path: self.path.clone(),
            source,
        }
    }

    /// Appends one record under an exclusive lock and fsyncs it. When the file ends in a torn
    /// line, the torn line is first closed with a newline, so it stays one bad line that
    /// [`read`](Self::read) reports instead of swallowing the new record.
    pub fn append(&self, record: &LogRecord) -> Result<(), LogError> {
        self.append_line(record, &record.run_id)
    }

    /// Appends a rollback decision, as [`append`](Self::append) does a run.
    pub fn append_decision(&self, record: &DecisionRecord) -> Result<(), LogError> {
        self.append_line(record, &record.run_id)
    }

    fn append_line(&self, record: &impl serde::Serialize, run_id: &str) -> Result<(), LogError> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| self.error("serialize a record for")(std::io::Error::other(e)))?;
        line.push(b'\n');
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(self.error("create the directory of"))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(self.error("open"))?;
        lock(&file, File::try_lock, self.lock_wait, self.cancel.as_ref())
            .map_err(self.error("lock"))?;
        let result = (|| {
            if ends_without_newline(&mut file)? {
                file.write_all(b"\n")?;
            }
            file.write_all(&line)?;
            file.sync_all()
        })();
        // Closing the file releases the lock too; unlocking first makes the order explicit.
        let _ = file.unlock();
        result.map_err(self.error("append to"))?;
        tracing::debug!(log = %self.path.display(), %run_id, "release log appended");
        Ok(())
    }

    /// Reads every record, reporting lines that are not records. A missing file is an empty
    /// log.
    pub fn read(&self) -> Result<LogContents, LogError> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LogContents::default()),
            Err(e) => return Err(self.error("open")(e)),
        };
        lock(
            &file,
            File::try_lock_shared,
            self.lock_wait,
            self.cancel.as_ref(),
        )
        .map_err(self.error("lock"))?;
        let mut contents = LogContents::default();
        let mut reader = BufReader::new(file);
        let mut buf = Vec::new();
        let mut number = 0;
        loop {
            buf.clear();
            let read = (&mut reader)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buf)
                .map_err(self.error("read"))?;
            if read == 0 {
                break;
            }
            number += 1;
            let complete = buf.ends_with(b"\n");
            if !complete && buf.len() > MAX_LINE_BYTES {
                contents.problems.push(TornLine {
                    line: number,
                    reason: format!("longer than {MAX_LINE_BYTES} bytes; skipped"),
                });
                skip_rest_of_line(&mut reader).map_err(self.error("read"))?;
                continue;
            }
            let text = String::from_utf8_lossy(&buf);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let parsed = serde_json::from_str::<serde_json::Value>(text).and_then(|value| {
                if value.get("kind").is_some() {
                    DecisionRecord::deserialize(value).map(Line::Decision)
                } else {
                    LogRecord::deserialize(value).map(Line::Run)
                }
            });
            match parsed {
                Ok(Line::Run(record)) => contents.records.push((number, record)),
                Ok(Line::Decision(record)) => contents.decisions.push((number, record)),
                Err(e) => {
                    let reason = if !complete || e.is_eof() {
                        "incomplete record, likely a write cut short (torn line); skipped"
                            .to_owned()
                    } else {
                        format!("not a valid record ({e}); skipped")
                    };
                    contents.problems.push(TornLine {
                        line: number,
                        reason,
                    });
                }
            }
        }
        Ok(contents)
    }
}

enum Line {
    Run(LogRecord),
    Decision(DecisionRecord),
}

/// Takes a lock, polling until `wait` has passed or `cancel` is cancelled.
fn lock(
    file: &File,
    try_lock: fn(&File) -> Result<(), std::fs::TryLockError>,
    wait: Duration,
    cancel: Option<&tokio_util::sync::CancellationToken>,
) -> std::io::Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        match try_lock(file) {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
            Err(std::fs::TryLockError::WouldBlock)
                if cancel.is_some_and(tokio_util::sync::CancellationToken::is_cancelled) =>
            {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "interrupted while another process held its lock",
                ));
            }
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() >= deadline => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "another process has held its lock for over {}",
                        crate::duration::format_duration(wait)
                    ),
                ));
            }
            Err(std::fs::TryLockError::WouldBlock) => std::thread::sleep(LOCK_POLL),
        }
    }
}

fn ends_without_newline(file: &mut File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

fn skip_rest_of_line(reader: &mut impl std::io::BufRead) -> std::io::Result<()> {
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(());
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = available.len();
                reader.consume(n);
            }
        }
    }
}
