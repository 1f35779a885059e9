//! The release log: appends under a lock, torn lines reported and never allowed to swallow
//! the next record.

use std::io::Write as _;

use release_core::log::{LOG_SCHEMA_VERSION, LogRecord, ReleaseLog};
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
    log.append(&record("one")).unwrap();
    log.append(&record("two")).unwrap();
    assert_eq!(ids(&log), ["one", "two"]);
    let text = std::fs::read_to_string(log.path()).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.ends_with('\n'));
}

#[test]
fn a_torn_last_line_is_reported_and_the_next_append_starts_clean() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("release-log.jsonl"));
    log.append(&record("before")).unwrap();
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

    log.append(&record("after")).unwrap();
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
    log.append(&record("before")).unwrap();
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

    log.append(&record("after")).unwrap();
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
                    log.append(&record(&format!("t{t}-{i}"))).unwrap();
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
    log.append(&record("first")).unwrap();
    // Another open file description holding the lock stands in for a stuck process.
    let holder = std::fs::File::open(log.path()).unwrap();
    holder.lock().unwrap();
    let err = log.append(&record("second")).unwrap_err();
    assert!(
        err.to_string().starts_with("failed to lock release log"),
        "{err}"
    );
    assert!(
        err.to_string().contains("held its lock for over 100ms"),
        "{err}"
    );
    holder.unlock().unwrap();
    log.append(&record("third")).unwrap();
    assert_eq!(ids(&log), ["first", "third"]);
}

#[test]
fn a_cancelled_run_stops_waiting_for_the_lock_but_takes_a_free_one() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    let log = ReleaseLog::new(dir.path().join("log.jsonl")).cancellation(cancel.clone());
    log.append(&record("first")).unwrap();
    let holder = std::fs::File::open(log.path()).unwrap();
    holder.lock().unwrap();
    // Cancelled a moment into the ten-second wait, as a signal would.
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    let append = log.append(&record("second")).unwrap_err();
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
    log.append(&record("third")).unwrap();
    assert_eq!(ids(&log), ["first", "third"], "a free lock is still taken");
}
