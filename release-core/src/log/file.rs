use std::fs::{File, OpenOptions};
use std::io::{BufRead as _, BufReader, Read as _, Seek as _, SeekFrom, Write as _};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize as _;

use super::freeze::FreezeRecord;
use super::journal::{RolloutRecord, StepRecord};
use super::record::{DecisionRecord, LogRecord};

/// A line longer than this is not a record of ours; it is reported, not parsed.
pub(super) const MAX_LINE_BYTES: usize = 1024 * 1024;

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
    /// 1-based line number, counted from the log's first line, or from its last one when
    /// `from_end` (a read from the end does not know how many lines come before).
    pub line: usize,
    /// Whether `line` counts from the end: `1` is the last line.
    pub from_end: bool,
    /// Whether `line` is a database row's sequence number rather than a line of a file.
    pub row: bool,
    /// What is wrong with it.
    pub reason: String,
}

impl TornLine {
    /// `line 12`, `line 3 from the end`, or `row 12` (of a database).
    pub fn position(&self) -> String {
        if self.row {
            format!("row {}", self.line)
        } else if self.from_end {
            format!("line {} from the end", self.line)
        } else {
            format!("line {}", self.line)
        }
    }
}

/// What reading the log found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogContents {
    /// Valid run records with their line numbers, oldest first.
    pub records: Vec<(usize, LogRecord)>,
    /// Rollback decisions with their line numbers, oldest first.
    pub decisions: Vec<(usize, DecisionRecord)>,
    /// Rollout and rollback runs' start, resume and end lines, oldest first.
    pub rollouts: Vec<(usize, RolloutRecord)>,
    /// Their steps' start and end lines, oldest first.
    pub steps: Vec<(usize, StepRecord)>,
    /// Freezes and unfreezes, oldest first.
    pub freezes: Vec<(usize, FreezeRecord)>,
    /// Lines that could not be read as records; they were skipped.
    pub problems: Vec<TornLine>,
}

/// One line of the log, as read. New kinds of line may come: match with a wildcard.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LogEntry {
    /// A run.
    Run(LogRecord),
    /// A rollback decision.
    Decision(DecisionRecord),
    /// A rollout or rollback run started, resumed or ended.
    Rollout(RolloutRecord),
    /// A step of one started or ended.
    Step(StepRecord),
    /// An environment frozen or unfrozen.
    Freeze(FreezeRecord),
    /// A line that is not a record (torn, malformed, or of a kind this version does not
    /// know); it is skipped.
    Problem(TornLine),
}

/// How a read from the end of the log ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBack {
    /// The reader had what it looked for and stopped.
    Found,
    /// Every line was read, back to the first.
    WholeLog,
    /// The look-back limit was reached first: older lines were not read.
    LimitReached {
        /// How many bytes were read from the end.
        bytes: u64,
    },
}

/// How far back from its end a search of the release log reads (16 MiB, tens of thousands of
/// runs) before it gives up: a search for something the log does not hold costs at most this,
/// however long the log has grown.
pub const LOOK_BACK_BYTES: u64 = 16 * 1024 * 1024;

/// A size in words: `16 MiB`, `64 KiB`, `300 bytes` (whole units, rounded down).
pub fn format_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    match bytes {
        b if b >= KIB * KIB => format!("{} MiB", b / (KIB * KIB)),
        b if b >= KIB => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// Bytes read at a time when reading from the end.
const CHUNK_BYTES: u64 = 64 * 1024;

/// An append-only JSON Lines file.
///
/// It must be a regular file (or not exist yet, in a directory that can hold it): a device, a
/// FIFO or a directory is refused with a message saying what it is, by [`check`](Self::check)
/// and by every read and append, so `/dev/zero` can never be read without end.
///
/// ```
/// use release_core::log::ReleaseLog;
/// let dir = tempfile::tempdir().unwrap();
/// let log = ReleaseLog::new(dir.path().join("release-log.jsonl"));
/// log.check().unwrap();
/// assert!(log.read().unwrap().records.is_empty(), "a missing log is an empty one");
/// let err = ReleaseLog::new("/dev/zero").check().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "failed to use release log /dev/zero: it is a character device; the release log must be a regular file"
/// );
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

    fn not_a_file(&self, kind: &std::fs::FileType) -> LogError {
        self.error("use")(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "it is {}; the release log must be a regular file",
                crate::file_kind::describe(kind)
            ),
        ))
    }

    /// Whether the log can be used: a regular file (links followed), or no file yet where one
    /// can be made (the nearest existing ancestor is a directory). Commands call this before
    /// any gate runs, so a bad `log` path is refused at once, saying what is there.
    pub fn check(&self) -> Result<(), LogError> {
        match std::fs::metadata(&self.path) {
            Ok(meta) if meta.is_file() => Ok(()),
            Ok(meta) => Err(self.not_a_file(&meta.file_type())),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                crate::file_kind::check_creatable(&self.path).map_err(self.error("use"))
            }
            Err(e) => Err(self.error("use")(e)),
        }
    }

    /// Opens the log to read it, or `None` when there is none yet. Opening never blocks (a
    /// FIFO opened to read would wait for a writer), and anything but a regular file is
    /// refused.
    fn open_to_read(&self) -> Result<Option<File>, LogError> {
        let mut options = OpenOptions::new();
        options.read(true);
        without_blocking(&mut options);
        let file = match options.open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                self.check()?;
                return Err(self.error("open")(e));
            }
            Err(e) => return Err(self.error("open")(e)),
        };
        let meta = file.metadata().map_err(self.error("open"))?;
        if !meta.is_file() {
            return Err(self.not_a_file(&meta.file_type()));
        }
        Ok(Some(file))
    }

    /// Appends any line under an exclusive lock and fsyncs it (the store's `append_line`).
    /// When the file ends in a torn line, the torn line is first closed with a newline, so it
    /// stays one bad line that a read reports instead of swallowing the new record.
    pub(super) fn write_line(
        &self,
        record: &impl serde::Serialize,
        run_id: &str,
    ) -> Result<(), LogError> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| self.error("serialize a record for")(std::io::Error::other(e)))?;
        line.push(b'\n');
        // Refused before opening: opening a FIFO to write waits for a reader.
        self.check()?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(self.error("create the directory of"))?;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        without_blocking(&mut options);
        let mut file = options.open(&self.path).map_err(self.error("open"))?;
        let meta = file.metadata().map_err(self.error("open"))?;
        if !meta.is_file() {
            return Err(self.not_a_file(&meta.file_type()));
        }
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

    /// Reads every record into memory, reporting lines that are not records. A missing file
    /// is an empty log. Memory grows with the log: commands read any store line by line
    /// ([`ReleaseStore::oldest_first`](super::ReleaseStore::oldest_first)) or from its end
    /// ([`ReleaseStore::newest_first`](super::ReleaseStore::newest_first)).
    pub fn read(&self) -> Result<LogContents, LogError> {
        let mut contents = LogContents::default();
        self.for_each(|line, entry| {
            match entry {
                LogEntry::Run(record) => contents.records.push((line, record)),
                LogEntry::Decision(record) => contents.decisions.push((line, record)),
                LogEntry::Rollout(record) => contents.rollouts.push((line, record)),
                LogEntry::Step(record) => contents.steps.push((line, record)),
                LogEntry::Freeze(record) => contents.freezes.push((line, record)),
                LogEntry::Problem(problem) => contents.problems.push(problem),
            }
            ControlFlow::Continue(())
        })?;
        Ok(contents)
    }

    /// Offers every line, oldest first with its 1-based number, until `visit` breaks; only one
    /// line is held at a time, whatever the log's size. Blank lines are skipped; lines that
    /// are not records are offered as [`LogEntry::Problem`].
    pub(super) fn for_each(
        &self,
        mut visit: impl FnMut(usize, LogEntry) -> ControlFlow<()>,
    ) -> Result<(), LogError> {
        let Some(file) = self.open_to_read()? else {
            return Ok(());
        };
        lock(
            &file,
            File::try_lock_shared,
            self.lock_wait,
            self.cancel.as_ref(),
        )
        .map_err(self.error("lock"))?;
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
                return Ok(());
            }
            number += 1;
            let complete = buf.ends_with(b"\n");
            let entry = if !complete && buf.len() > MAX_LINE_BYTES {
                skip_rest_of_line(&mut reader).map_err(self.error("read"))?;
                Some(too_long(number, false))
            } else {
                parse_line(&buf, complete, number, false)
            };
            if let Some(entry) = entry
                && visit(number, entry).is_break()
            {
                return Ok(());
            }
        }
    }

    /// Offers lines newest first until `visit` breaks, the first line is reached, or
    /// `look_back` bytes have been read from the end ([`LOOK_BACK_BYTES`] is the default
    /// commands use): what looks for the newest matching records reads only the log's end.
    /// Problems carry their line counted from the end. A line whose start lies beyond the
    /// limit is not offered.
    ///
    /// Only the lines that hold `word` are offered (and lines that are not UTF-8, so they are
    /// still reported): the others are passed over unparsed. A search for lines of one kind
    /// (every such line holds its kind's name) then costs little more than reading the bytes,
    /// however many lines of other kinds there are.
    pub(super) fn newest_first_holding(
        &self,
        look_back: u64,
        word: Option<&str>,
        mut visit: impl FnMut(LogEntry) -> ControlFlow<()>,
    ) -> Result<ReadBack, LogError> {
        let Some(mut file) = self.open_to_read()? else {
            return Ok(ReadBack::WholeLog);
        };
        lock(
            &file,
            File::try_lock_shared,
            self.lock_wait,
            self.cancel.as_ref(),
        )
        .map_err(self.error("lock"))?;
        let len = file.metadata().map_err(self.error("read"))?.len();
        let mut lines = Backward::new(len, look_back);
        loop {
            let Some(piece) = lines.next(&mut file).map_err(self.error("read"))? else {
                return Ok(match lines.cut_short {
                    true => ReadBack::LimitReached { bytes: lines.read },
                    false => ReadBack::WholeLog,
                });
            };
            let number = lines.from_end;
            let entry = match piece {
                Piece::Line { range, complete } => {
                    let line = &lines.buf[range.clone()];
                    let wanted = word.is_none_or(|word| {
                        std::str::from_utf8(line).map_or(true, |text| text.contains(word))
                    });
                    let entry = wanted
                        .then(|| parse_line(line, complete, number, true))
                        .flatten();
                    lines.buf.truncate(range.start);
                    entry
                }
                Piece::TooLong => Some(too_long(number, true)),
            };
            if let Some(entry) = entry
                && visit(entry).is_break()
            {
                return Ok(ReadBack::Found);
            }
        }
    }
}

/// Opening never waits: a FIFO would otherwise block `open` until someone opens its other
/// end. Reads and writes of a regular file ignore the flag.
fn without_blocking(options: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits());
    }
    #[cfg(not(unix))]
    let _ = options;
}

/// A database row too long to be a record, by its sequence number.
pub(super) fn too_long_row(seq: usize) -> LogEntry {
    LogEntry::Problem(TornLine {
        line: seq,
        from_end: false,
        row: true,
        reason: format!("longer than {MAX_LINE_BYTES} bytes; skipped"),
    })
}

fn too_long(line: usize, from_end: bool) -> LogEntry {
    LogEntry::Problem(TornLine {
        line,
        from_end,
        row: false,
        reason: format!("longer than {MAX_LINE_BYTES} bytes; skipped"),
    })
}

/// A line read as a record, or the problem with it; `None` for a blank line. A database row's
/// document is read the same way (`line` its sequence number, `row` set).
pub(super) fn parse_line(
    bytes: &[u8],
    complete: bool,
    line: usize,
    from_end: bool,
) -> Option<LogEntry> {
    parse_entry(bytes, complete, line, from_end, false)
}

/// [`parse_line`] for a line or a row.
pub(super) fn parse_entry(
    bytes: &[u8],
    complete: bool,
    line: usize,
    from_end: bool,
    row: bool,
) -> Option<LogEntry> {
    // Neither reader hands over more than MAX_LINE_BYTES: the file's stops reading a longer
    // line, the database's query returns no document longer than that (`too_long_row`).
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let problem = |reason: String| {
        LogEntry::Problem(TornLine {
            line,
            from_end,
            row,
            reason,
        })
    };
    let torn = || "incomplete record, likely a write cut short (torn line); skipped".to_owned();
    // Strict first, as every document read back: a duplicate key is refused, not resolved.
    if let Err(e) = crate::json::check(text.as_bytes()) {
        return Some(problem(if !complete || e.is_eof() {
            torn()
        } else {
            format!("not a valid record ({e}); skipped")
        }));
    }
    // Every line but a run's has a `kind` key; the text of a run line cannot hold `"kind"`
    // unless a value is exactly that word (a quote inside a string is escaped). Runs, most
    // lines, are read straight into their type; anything else is told apart by the parsed key.
    let parsed = if text.contains("\"kind\"") {
        crate::json::from_checked::<serde_json::Value>(text).and_then(|value| {
            match value.get("kind").map(|kind| kind.as_str()) {
                None => LogRecord::deserialize(value).map(LogEntry::Run),
                Some(Some("rollout")) => RolloutRecord::deserialize(value).map(LogEntry::Rollout),
                Some(Some("rollout-step")) => StepRecord::deserialize(value).map(LogEntry::Step),
                Some(Some("freeze" | "unfreeze")) => {
                    FreezeRecord::deserialize(value).map(LogEntry::Freeze)
                }
                // A kind of a newer version's: reported, as any line not read.
                Some(Some(kind)) if kind != "rollback-decision" => Ok(problem(format!(
                    "a record of unknown kind `{}`; skipped",
                    crate::text::clip(kind)
                ))),
                Some(_) => DecisionRecord::deserialize(value).map(LogEntry::Decision),
            }
        })
    } else {
        crate::json::from_checked::<LogRecord>(text).map(LogEntry::Run)
    };
    Some(parsed.unwrap_or_else(|e| {
        problem(if !complete || e.is_eof() {
            torn()
        } else {
            // In JSON's words, without the line's values (as a summary's errors are).
            format!(
                "not a valid record ({}); skipped",
                crate::summary::without_value(&e)
            )
        })
    }))
}

/// Lines of a file from its end, read in chunks.
struct Backward {
    /// The file offset of `buf[0]`.
    start: u64,
    /// Bytes from `start` to the end of the next line to offer (its newline included).
    buf: Vec<u8>,
    /// Bytes read so far.
    read: u64,
    /// Stop reading once this many bytes were read.
    look_back: u64,
    /// The number of the line offered last, counted from the end.
    from_end: usize,
    /// Whether the limit stopped the reading before the first line.
    cut_short: bool,
}

/// What [`Backward::next`] found.
enum Piece {
    /// A line, at `buf[range]`, without its newline; `complete` when it had one.
    Line {
        range: std::ops::Range<usize>,
        complete: bool,
    },
    /// A line longer than [`MAX_LINE_BYTES`], skipped.
    TooLong,
}

impl Backward {
    fn new(len: u64, look_back: u64) -> Self {
        Self {
            start: len,
            buf: Vec::new(),
            read: 0,
            look_back,
            from_end: 0,
            cut_short: false,
        }
    }

    /// Reads the chunk before `start` into the front of `buf`; `false` when the limit is
    /// reached (and lines remain unread).
    fn read_before(&mut self, file: &mut File) -> std::io::Result<bool> {
        if self.read >= self.look_back {
            self.cut_short = true;
            return Ok(false);
        }
        let n = CHUNK_BYTES.min(self.start);
        let from = self.start - n;
        let mut chunk = vec![0; usize::try_from(n).unwrap_or(usize::MAX)];
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&self.buf);
        self.buf = chunk;
        self.start = from;
        self.read += n;
        Ok(true)
    }

    /// The next line from the end. The caller truncates `buf` to the line's start once it has
    /// read it.
    fn next(&mut self, file: &mut File) -> std::io::Result<Option<Piece>> {
        loop {
            if self.buf.is_empty() && self.start == 0 {
                return Ok(None);
            }
            let complete = self.buf.ends_with(b"\n");
            let body_end = self.buf.len() - usize::from(complete);
            let line_start = match self.buf[..body_end].iter().rposition(|&b| b == b'\n') {
                Some(newline) => Some(newline + 1),
                None if self.start == 0 => Some(0),
                None => None,
            };
            match line_start {
                Some(line_start) if body_end - line_start > MAX_LINE_BYTES => {
                    self.buf.truncate(line_start);
                    self.from_end += 1;
                    return Ok(Some(Piece::TooLong));
                }
                Some(line_start) => {
                    self.from_end += 1;
                    return Ok(Some(Piece::Line {
                        range: line_start..body_end,
                        complete,
                    }));
                }
                None if body_end > MAX_LINE_BYTES => return self.skip_long_line(file),
                None => {
                    if !self.read_before(file)? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Drops a line longer than the limit, reading back to the newline before it.
    fn skip_long_line(&mut self, file: &mut File) -> std::io::Result<Option<Piece>> {
        self.buf.clear();
        loop {
            if self.start == 0 {
                break;
            }
            if !self.read_before(file)? {
                return Ok(None);
            }
            if let Some(newline) = self.buf.iter().rposition(|&b| b == b'\n') {
                self.buf.truncate(newline + 1);
                break;
            }
            self.buf.clear();
        }
        self.from_end += 1;
        Ok(Some(Piece::TooLong))
    }
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
