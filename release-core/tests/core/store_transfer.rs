//! `release log import` and `export` in the library: an import adds only what the store does
//! not hold (twice adds nothing), skips and reports every line that is not a record by its
//! number, and refuses the store's own file; an export is the store's records as the file
//! writes them.

use std::io::Write as _;

use release_core::log::{
    FreezeRecord, LogLine, ReleaseStore, RolloutAction, RolloutRecord, StepRecord, StoreLocation,
    TransferError, export, import_file,
};

fn at(minute: i64) -> release_core::Timestamp {
    let base: release_core::Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
    base + jiff::SignedDuration::from_mins(minute)
}

fn run_line(run_id: &str) -> String {
    format!(
        r#"{{"schema_version":1,"run_id":"{run_id}","recorded_at":"2026-11-27T09:00:00Z","phase":"launch-gate","environment":"production","strict":true,"outcome":"passed","counts":{{"pass":1,"warn":0,"fail":0,"inconclusive":0,"error":0,"skipped":0}},"tool_version":"0.1.0"}}"#
    )
}

fn decision_line(run_id: &str) -> String {
    format!(
        r#"{{"schema_version":1,"kind":"rollback-decision","run_id":"{run_id}","recorded_at":"2026-11-27T09:01:00Z","environment":"production","decision":"proceed","tool_version":"0.1.0"}}"#
    )
}

/// Lines of every kind, appended through the file store as a run would.
fn every_kind(store: &dyn ReleaseStore) -> Vec<LogLine> {
    let lines = vec![
        LogLine::Run(serde_json::from_str(&run_line("r-1")).unwrap()),
        LogLine::Decision(serde_json::from_str(&decision_line("r-1")).unwrap()),
        RolloutRecord::start("ro-1", "production", "acme", RolloutAction::Rollout, at(0)).into(),
        StepRecord::start("ro-1", "production", "deploy-api", "deploy", at(1)).into(),
        FreezeRecord::freeze("production", "ci", "incident 42", None, at(2)).into(),
        LogLine::Run(serde_json::from_str(&run_line("r-2")).unwrap()),
    ];
    for line in &lines {
        store.append_line(line).unwrap();
    }
    lines
}

fn exported(store: &dyn ReleaseStore) -> (String, Vec<String>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let report = export(store, &mut out, |p| problems.push(p.position())).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(report.records, text.lines().count());
    assert_eq!(report.skipped, problems.len());
    (text, problems)
}

#[test]
fn an_export_of_a_log_file_is_its_valid_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let location = StoreLocation::File(path.clone());
    let store = location.open(None);
    every_kind(store.as_ref());
    let valid = std::fs::read_to_string(&path).unwrap();
    // Garbage between and after the records: reported, left out of the export.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(b"not json\n\xff\xfe\n{\"kind\":\"from-the-future\"}\n")
        .unwrap();
    file.write_all(run_line("r-3").as_bytes()).unwrap();
    file.write_all(b"\n{\"schema_version\":1,\"run_").unwrap();
    drop(file);
    let (text, problems) = exported(store.as_ref());
    assert_eq!(text, format!("{valid}{}\n", run_line("r-3")));
    assert_eq!(problems, ["line 7", "line 8", "line 9", "line 11"]);
    // An empty or missing store exports nothing.
    let none = StoreLocation::File(dir.path().join("none.jsonl")).open(None);
    assert_eq!(exported(none.as_ref()), (String::new(), Vec::new()));
}

#[test]
fn importing_twice_adds_nothing_the_second_time_and_export_gives_the_records_back() {
    let dir = tempfile::tempdir().unwrap();
    let old = StoreLocation::File(dir.path().join("old.jsonl"));
    let lines = every_kind(old.open(None).as_ref());
    let new = StoreLocation::File(dir.path().join("new.jsonl"));
    let store = new.open(None);
    let first = import_file(&new, store.as_ref(), &dir.path().join("old.jsonl")).unwrap();
    assert_eq!(
        (first.imported.added, first.imported.already_present),
        (lines.len(), 0)
    );
    assert!(first.skipped.is_empty());
    let again = import_file(&new, store.as_ref(), &dir.path().join("old.jsonl")).unwrap();
    assert_eq!(
        (again.imported.added, again.imported.already_present),
        (0, lines.len())
    );
    assert_eq!(
        exported(store.as_ref()).0,
        std::fs::read_to_string(dir.path().join("old.jsonl")).unwrap(),
        "import then export gives back the same records"
    );
}

#[test]
fn bad_lines_of_the_file_are_skipped_by_number_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("hostile.jsonl");
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let mut text = Vec::new();
    text.extend_from_slice(format!("{}\n", run_line("a")).as_bytes());
    text.extend_from_slice(b"\xff\xfe\xfd not utf-8\n");
    text.extend_from_slice(format!("{huge}\n").as_bytes());
    text.extend_from_slice(b"{\"run_id\": 1}\n");
    text.extend_from_slice(b"\n");
    text.extend_from_slice(format!("{}\n", decision_line("a")).as_bytes());
    text.extend_from_slice(format!("{}\n", run_line("a")).as_bytes());
    text.extend_from_slice(b"{\"schema_version\":1,\"run_");
    std::fs::write(&from, &text).unwrap();
    let into = StoreLocation::File(dir.path().join("into.jsonl"));
    let report = import_file(&into, into.open(None).as_ref(), &from).unwrap();
    let skipped: Vec<usize> = report.skipped.iter().map(|p| p.line).collect();
    assert_eq!(skipped, [2, 3, 4, 8]);
    assert!(
        report.skipped[1].reason.contains("longer than"),
        "{report:?}"
    );
    assert!(report.skipped[3].reason.contains("torn line"), "{report:?}");
    assert_eq!(
        (report.imported.added, report.imported.already_present),
        (2, 1),
        "a line repeated within the file is one record"
    );

    // An empty file imports nothing and reports nothing.
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let report = import_file(&into, into.open(None).as_ref(), &empty).unwrap();
    assert_eq!(report, Default::default());
}

#[test]
fn what_is_not_a_log_file_is_refused_with_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let into = StoreLocation::File(dir.path().join("into.jsonl"));
    let store = into.open(None);
    let missing = dir.path().join("missing.jsonl");
    let err = import_file(&into, store.as_ref(), &missing).unwrap_err();
    assert!(matches!(err, TransferError::Read(_)), "{err}");
    assert!(
        err.to_string().starts_with("failed to read release log "),
        "{err}"
    );
    let err = import_file(&into, store.as_ref(), dir.path()).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("it is a directory; the release log must be a regular file"),
        "{err}"
    );
    let err = import_file(&into, store.as_ref(), std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(err.to_string().contains("character device"), "{err}");
    assert!(
        !dir.path().join("into.jsonl").exists(),
        "nothing was written"
    );
}

#[test]
fn importing_the_store_into_itself_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let location = StoreLocation::File(path.clone());
    let store = location.open(None);
    every_kind(store.as_ref());
    let before = std::fs::read(&path).unwrap();
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    for same in [&path, &link] {
        let err = import_file(&location, store.as_ref(), same).unwrap_err();
        assert!(matches!(err, TransferError::SameFile(_)), "{err}");
        assert!(err.to_string().contains("is the release log"), "{err}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("old.jsonl");
    every_kind(StoreLocation::File(from.clone()).open(None).as_ref());
    let url = "postgres://release:CanaryPw-9931@127.0.0.1:1/release";
    let into = StoreLocation::parse(url).unwrap();
    let err = import_file(&into, into.open(None).as_ref(), &from).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, TransferError::Store(_)), "{text}");
    assert!(
        text.contains("release store postgres://release@127.0.0.1:1/release"),
        "{text}"
    );
    assert!(!text.contains("CanaryPw-9931"), "{text}");
    let mut out = Vec::new();
    let err = export(into.open(None).as_ref(), &mut out, |_| {}).unwrap_err();
    assert!(!err.to_string().contains("CanaryPw-9931"), "{err}");
    assert!(out.is_empty());
}

#[test]
fn a_closed_pipe_ends_an_export_quietly() {
    struct Closed;
    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let store = StoreLocation::File(dir.path().join("log.jsonl")).open(None);
    every_kind(store.as_ref());
    export(store.as_ref(), Closed, |_| {}).unwrap();
}
