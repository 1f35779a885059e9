//! The release log: appends under a lock, torn lines reported and never allowed to swallow
//! the next record.

use std::io::Write as _;
use std::ops::ControlFlow;

use release_core::log::{
    BaselineSearch, LOG_SCHEMA_VERSION, LOOK_BACK_BYTES, LineFilter, LogEntry, LogLine, LogRecord,
    ReadBack, ReleaseLog, ReleaseStore, StoreError, TornLine, baselines_from_log,
};
use release_core::{Counts, Outcome};

fn record(run_id: &str) -> LogRecord {
    LogRecord {
        schema_version: LOG_SCHEMA_VERSION,
        run_id: run_id.to_owned(),
        recorded_at: "2026-11-27T10:00:00Z".parse().unwrap(),
        phase: "preflight-env".to_owned(),
        environment: "staging".to_owned(),
        strict: false,
        outcome: Outcome::Passed,
        counts: Counts {
            pass: 1,
            ..Counts::default()
        },
        tool_version: "0.1.0".to_owned(),
        summary_path: None,
        measurements: Default::default(),
        release: Default::default(),
        deployments: Vec::new(),
    }
}

fn ids(log: &ReleaseLog) -> Vec<String> {
    log.read()
        .unwrap()
        .records
        .into_iter()
        .map(|(_, r)| r.run_id)
        .collect()
}

#[test]
fn appends_and_reads_back_in_order_creating_directories() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("nested/dir/release-log.jsonl"));
    log.append_line(&LogLine::Run(record("one"))).unwrap();
    log.append_line(&LogLine::Run(record("two"))).unwrap();
    assert_eq!(ids(&log), ["one", "two"]);
    let text = std::fs::read_to_string(log.path()).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.ends_with('\n'));
}

#[test]
fn a_torn_last_line_is_reported_and_the_next_append_starts_clean() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("release-log.jsonl"));
    log.append_line(&LogLine::Run(record("before"))).unwrap();
    // A writer that died mid-line: half a record, no newline.
    let full = serde_json::to_string(&record("torn")).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(log.path())
        .unwrap();
    file.write_all(&full.as_bytes()[..full.len() / 2]).unwrap();
    drop(file);

    let contents = log.read().unwrap();
    assert_eq!(contents.records.len(), 1);
    assert_eq!(contents.problems.len(), 1);
    assert_eq!(contents.problems[0].line, 2);
    assert!(
        contents.problems[0].reason.contains("torn"),
        "{}",
        contents.problems[0].reason
    );

    log.append_line(&LogLine::Run(record("after"))).unwrap();
    let contents = log.read().unwrap();
    let found: Vec<_> = contents
        .records
        .iter()
        .map(|(line, r)| (*line, r.run_id.as_str()))
        .collect();
    assert_eq!(
        found,
        [(1, "before"), (3, "after")],
        "the new record is not glued to the torn one"
    );
    assert_eq!(
        contents.problems.len(),
        1,
        "the torn line is still reported, not dropped"
    );
    assert_eq!(contents.problems[0].line, 2);
}

#[test]
fn a_writer_killed_mid_line_leaves_a_reported_torn_line() {
    // A real process writes half a record and is killed before it finishes the line.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release-log.jsonl");
    let log = ReleaseLog::new(&path);
    log.append_line(&LogLine::Run(record("before"))).unwrap();
    let half = &serde_json::to_string(&record("killed")).unwrap()[..40];
    let script = format!("printf '%s' '{half}' >> '{}'; sleep 30", path.display());
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .spawn()
        .unwrap();
    // Wait until the half line is on disk, then kill the writer.
    for _ in 0..200 {
        if std::fs::metadata(&path).unwrap().len() > 0
            && !std::fs::read(&path).unwrap().ends_with(b"\n")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    log.append_line(&LogLine::Run(record("after"))).unwrap();
    let contents = log.read().unwrap();
    let found: Vec<_> = contents
        .records
        .iter()
        .map(|(_, r)| r.run_id.as_str())
        .collect();
    assert_eq!(found, ["before", "after"]);
    assert_eq!(contents.problems.len(), 1);
}

#[test]
fn malformed_and_oversized_lines_are_reported_with_their_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let good = serde_json::to_string(&record("ok")).unwrap();
    let huge = "x".repeat(2 * 1024 * 1024);
    std::fs::write(
        &path,
        format!("{good}\nnot json\n\n{{\"schema_version\":1}}\n{huge}\n{good}\n"),
    )
    .unwrap();
    let contents = ReleaseLog::new(&path).read().unwrap();
    let lines: Vec<usize> = contents.records.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [1, 6]);
    let problems: Vec<usize> = contents.problems.iter().map(|p| p.line).collect();
    assert_eq!(problems, [2, 4, 5]);
    assert!(contents.problems[2].reason.contains("longer than"));
}

#[test]
fn concurrent_appends_from_many_threads_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    std::thread::scope(|scope| {
        for t in 0..8 {
            let path = path.clone();
            scope.spawn(move || {
                let log = ReleaseLog::new(path);
                for i in 0..25 {
                    log.append_line(&LogLine::Run(record(&format!("t{t}-{i}"))))
                        .unwrap();
                }
            });
        }
    });
    let contents = ReleaseLog::new(&path).read().unwrap();
    assert_eq!(contents.records.len(), 200);
    assert!(contents.problems.is_empty());
}

#[test]
fn a_missing_log_is_empty_and_an_unreadable_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        ReleaseLog::new(dir.path().join("none.jsonl"))
            .read()
            .unwrap()
            .records
            .is_empty()
    );
    let err = ReleaseLog::new(dir.path()).read().unwrap_err();
    assert!(err.to_string().contains("release log"), "{err}");
}

#[test]
fn a_lock_held_elsewhere_fails_the_append_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("log.jsonl"))
        .lock_wait(std::time::Duration::from_millis(100));
    log.append_line(&LogLine::Run(record("first"))).unwrap();
    // Another open file description holding the lock stands in for a stuck process.
    let holder = std::fs::File::open(log.path()).unwrap();
    holder.lock().unwrap();
    let err = log
        .append_line(&LogLine::Run(record("second")))
        .unwrap_err();
    assert!(
        err.to_string().starts_with("failed to lock release log"),
        "{err}"
    );
    assert!(
        err.to_string().contains("held its lock for over 100ms"),
        "{err}"
    );
    holder.unlock().unwrap();
    log.append_line(&LogLine::Run(record("third"))).unwrap();
    assert_eq!(ids(&log), ["first", "third"]);
}

/// Every entry of a full read, with its line counted from the end, in the order a read from
/// the end offers them.
fn forward_reversed(log: &ReleaseLog, total_lines: usize) -> Vec<LogEntry> {
    let mut entries = Vec::new();
    log.oldest_first(&LineFilter::all(), &mut |line, entry| {
        entries.push(match entry {
            LogEntry::Problem(p) => LogEntry::Problem(TornLine {
                line: total_lines - line + 1,
                from_end: true,
                ..p
            }),
            other => other,
        });
        ControlFlow::Continue(())
    })
    .unwrap();
    entries.reverse();
    entries
}

fn backward(log: &ReleaseLog, look_back: u64) -> (Vec<LogEntry>, ReadBack) {
    let mut entries = Vec::new();
    let read = log
        .newest_first(&LineFilter::all(), look_back, &mut |entry| {
            entries.push(entry);
            ControlFlow::Continue(())
        })
        .unwrap();
    (entries, read)
}

fn line_count(bytes: &[u8]) -> usize {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

#[test]
fn a_read_from_the_end_offers_lines_newest_first_numbered_from_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let good = |id: &str| serde_json::to_string(&record(id)).unwrap();
    let huge = "x".repeat(2 * 1024 * 1024);
    let text = format!(
        "{}\nnot json\n\n{{\"schema_version\":1}}\n{huge}\n{}\n{{\"schema_version\":1,\"run_",
        good("first"),
        good("last")
    );
    std::fs::write(&path, &text).unwrap();
    let log = ReleaseLog::new(&path);
    let (entries, read) = backward(&log, u64::MAX);
    assert_eq!(read, ReadBack::WholeLog);
    let shown: Vec<String> = entries
        .iter()
        .map(|e| match e {
            LogEntry::Run(r) => format!("run {}", r.run_id),
            LogEntry::Decision(d) => format!("decision {}", d.run_id),
            LogEntry::Problem(p) => format!("problem {}", p.position()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        shown,
        [
            "problem line 1 from the end",
            "run last",
            "problem line 3 from the end",
            "problem line 4 from the end",
            "problem line 6 from the end",
            "run first",
        ]
    );
    assert_eq!(entries, forward_reversed(&log, line_count(text.as_bytes())));
    let LogEntry::Problem(torn) = &entries[0] else {
        panic!()
    };
    assert!(torn.reason.contains("torn"), "{}", torn.reason);
}

#[test]
fn a_read_from_the_end_stops_at_its_limit_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let log = ReleaseLog::new(&path);
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&serde_json::to_string(&record(&format!("r{i:04}"))).unwrap());
        text.push('\n');
    }
    std::fs::write(&path, &text).unwrap();
    let (entries, read) = backward(&log, 100 * 1024);
    let ReadBack::LimitReached { bytes } = read else {
        panic!("{read:?}")
    };
    assert!((100 * 1024..=200 * 1024).contains(&bytes), "{bytes}");
    let ids: Vec<String> = entries
        .iter()
        .map(|e| match e {
            LogEntry::Run(r) => r.run_id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let newest: Vec<String> = (0..2000)
        .rev()
        .take(ids.len())
        .map(|i| format!("r{i:04}"))
        .collect();
    assert_eq!(
        ids, newest,
        "the newest ones, newest first, none cut in half"
    );
    let line = text.len() / 2000;
    assert!(
        ids.len() * line <= bytes as usize && bytes as usize - ids.len() * line < line,
        "every whole line read was offered: {} lines in {bytes} bytes",
        ids.len()
    );
    // A visitor that has what it needs stops the reading.
    let mut offered = 0;
    let read = log
        .newest_first(&LineFilter::all(), u64::MAX, &mut |_| {
            offered += 1;
            ControlFlow::Break(())
        })
        .unwrap();
    assert_eq!((read, offered), (ReadBack::Found, 1));
}

#[test]
fn baselines_come_from_the_end_and_the_search_stops_at_what_it_wants() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let with = |id: &str, outcome: Outcome, key: &str, value: f64| {
        let mut r = record(id);
        r.outcome = outcome;
        r.environment = "production".to_owned();
        r.measurements.insert(key.to_owned(), value);
        serde_json::to_string(&r).unwrap() + "\n"
    };
    // Old garbage first: a read from the end that finds what it wants never reaches it.
    let mut text = "garbage\n".repeat(400_000);
    text.push_str(&with("old", Outcome::Passed, "sessions.stale", 1.0));
    text.push_str(&with("older-latency", Outcome::Passed, "api.latency", 7.0));
    text.push_str(&with("good", Outcome::Passed, "sessions.stale", 2.0));
    text.push_str(&with("bad", Outcome::Blocked, "sessions.stale", 9.0));
    std::fs::write(&path, &text).unwrap();
    let log = ReleaseLog::new(&path);

    let found = BaselineSearch::new("production")
        .wanted(["sessions.stale"])
        .read(&log, LOOK_BACK_BYTES)
        .unwrap();
    assert_eq!(found.read, ReadBack::Found);
    assert!(found.problems.is_empty(), "{:?}", found.problems.len());
    assert!(found.missing.is_empty());
    assert_eq!(
        found.values["sessions.stale"].value, 2.0,
        "blocked runs never count"
    );
    assert!(found.values["sessions.stale"].source.contains("run good"));

    // Nothing wanted: nothing read.
    let none = BaselineSearch::new("production")
        .wanted(Vec::<String>::new())
        .read(&log, LOOK_BACK_BYTES)
        .unwrap();
    assert_eq!(none.read, ReadBack::Found);
    assert!(none.values.is_empty());

    // A key the log does not hold: the search reads back to its limit and says what is
    // missing.
    let limited = BaselineSearch::new("production")
        .wanted(["sessions.stale", "never.recorded"])
        .read(&log, 1024 * 1024)
        .unwrap();
    assert!(matches!(limited.read, ReadBack::LimitReached { .. }));
    assert_eq!(limited.missing, ["never.recorded"]);
    assert_eq!(limited.values["sessions.stale"].value, 2.0);

    // Everything, as the whole-file reader finds it.
    let all = BaselineSearch::new("production")
        .read(&log, u64::MAX)
        .unwrap();
    assert_eq!(all.read, ReadBack::WholeLog);
    assert_eq!(
        all.values,
        baselines_from_log(&log.read().unwrap(), "production")
    );
    assert_eq!(all.values["api.latency"].value, 7.0);
}

#[test]
fn anything_but_a_regular_file_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let cases = [
        (
            std::path::PathBuf::from("/dev/zero"),
            "it is a character device; the release log must be a regular file".to_owned(),
        ),
        (
            std::path::PathBuf::from("/dev/full"),
            "it is a character device; the release log must be a regular file".to_owned(),
        ),
        (
            fifo.clone(),
            "it is a FIFO; the release log must be a regular file".to_owned(),
        ),
        (
            dir.path().to_path_buf(),
            "it is a directory; the release log must be a regular file".to_owned(),
        ),
        (
            blocker.join("log.jsonl"),
            format!("{} is a regular file, not a directory", blocker.display()),
        ),
    ];
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (path, reason) in cases {
            let log = ReleaseLog::new(&path);
            let want = format!("failed to use release log {}: {reason}", path.display());
            let errors = [
                log.check().unwrap_err().to_string(),
                log.read().unwrap_err().to_string(),
                ReleaseStore::newest_first(&log, &LineFilter::all(), u64::MAX, &mut |_| {
                    ControlFlow::Continue(())
                })
                .unwrap_err()
                .to_string(),
                log.append_line(&LogLine::Run(record("x")))
                    .unwrap_err()
                    .to_string(),
            ];
            for err in errors {
                assert_eq!(err, want);
            }
        }
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("no read or append blocks or spins");
    use std::os::unix::fs::FileTypeExt as _;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

mod equivalence {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Line {
        Record(u16),
        Blank,
        Garbage(String),
        /// Bytes of `x`: long enough to cross the reader's chunks, or the line limit.
        Long(usize),
    }

    fn line() -> impl Strategy<Value = Line> {
        prop_oneof![
            6 => any::<u16>().prop_map(Line::Record),
            1 => Just(Line::Blank),
            2 => "[a-z {}\":,]{0,40}".prop_map(Line::Garbage),
            1 => prop_oneof![
                Just(70_000usize),
                Just(1024 * 1024 - 1),
                Just(1024 * 1024),
                Just(1024 * 1024 + 1),
            ]
            .prop_map(Line::Long),
        ]
    }

    fn render(lines: &[Line], newline_at_end: bool) -> Vec<u8> {
        let mut text = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            match line {
                Line::Record(n) => {
                    text.extend(serde_json::to_vec(&record(&format!("r{n}"))).unwrap())
                }
                Line::Blank => {}
                Line::Garbage(g) => text.extend(g.as_bytes()),
                Line::Long(n) => text.extend(std::iter::repeat_n(b'x', *n)),
            }
            if i + 1 < lines.len() || newline_at_end {
                text.push(b'\n');
            }
        }
        text
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Read from the end, a log gives what a full read gives, in reverse, whatever its
        /// lines and wherever the chunks fall.
        #[test]
        fn a_read_from_the_end_mirrors_a_full_read(
            lines in proptest::collection::vec(line(), 0..40),
            newline_at_end in any::<bool>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("log.jsonl");
            let text = render(&lines, newline_at_end);
            std::fs::write(&path, &text).unwrap();
            let log = ReleaseLog::new(&path);
            let (entries, read) = backward(&log, u64::MAX);
            prop_assert_eq!(read, ReadBack::WholeLog);
            prop_assert_eq!(entries, forward_reversed(&log, line_count(&text)));
        }
    }
}

#[test]
fn a_cancelled_run_stops_waiting_for_the_lock_but_takes_a_free_one() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    let log = ReleaseLog::new(dir.path().join("log.jsonl")).cancellation(cancel.clone());
    log.append_line(&LogLine::Run(record("first"))).unwrap();
    let holder = std::fs::File::open(log.path()).unwrap();
    holder.lock().unwrap();
    // Cancelled a moment into the ten-second wait, as a signal would.
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    let StoreError::Log(append) = log
        .append_line(&LogLine::Run(record("second")))
        .unwrap_err()
    else {
        panic!("a log file's error")
    };
    let read = log.read().unwrap_err();
    canceller.join().unwrap();
    // Polled every 20 ms; the bound is generous for a loaded machine.
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    for err in [append, read] {
        assert_eq!(err.source.kind(), std::io::ErrorKind::Interrupted, "{err}");
        assert!(
            err.to_string()
                .ends_with("interrupted while another process held its lock"),
            "{err}"
        );
    }
    holder.unlock().unwrap();
    log.append_line(&LogLine::Run(record("third"))).unwrap();
    assert_eq!(ids(&log), ["first", "third"], "a free lock is still taken");
}
