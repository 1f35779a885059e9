//! The release store from the command line: `release log import` and `log export` move
//! records between a log file and the configured store (`--log`, `RELEASE_LOG_URL`, the
//! plan's `release.log`), and a store that cannot be reached fails what needs it with 2.

use crate::support::{Release, preflight_env, runbook_plan};

/// Two gate runs recorded in `artifacts/release/release-log.jsonl` of a new directory.
fn recorded() -> (Release, std::path::PathBuf) {
    let release = Release::new();
    let dir = release.dir().to_path_buf();
    for _ in 0..2 {
        let (run, _keep) = preflight_env("staging").run_in(&dir);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    (release, dir)
}

#[test]
fn export_prints_the_log_as_it_is_and_import_adds_only_what_is_missing() {
    let (release, dir) = recorded();
    let log = dir.join("artifacts/release/release-log.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let (export, _keep) = Release::new()
        .args(["log", "export", "--plan", &runbook_plan()])
        .run_in(&dir);
    assert_eq!(export.code, 0, "{}", export.stderr);
    assert_eq!(export.stdout, text);
    assert_eq!(export.stderr, "");

    // Into another file store, twice: the second import adds nothing.
    let import = |dir: &std::path::Path| {
        Release::new()
            .args([
                "log",
                "import",
                log.to_str().unwrap(),
                "--log",
                "copy.jsonl",
            ])
            .run_in(dir)
            .0
    };
    let first = import(&dir);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first
            .stdout
            .contains(": 2 added, 0 already present, 0 skipped"),
        "{}",
        first.stdout
    );
    let again = import(&dir);
    assert!(
        again
            .stdout
            .contains(": 0 added, 2 already present, 0 skipped"),
        "{}",
        again.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("copy.jsonl")).unwrap(),
        text
    );

    // --output writes the same, and says so on stderr.
    let (written, _keep) = Release::new()
        .args([
            "log",
            "export",
            "--log",
            "copy.jsonl",
            "--output",
            "out/export.jsonl",
        ])
        .run_in(&dir);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(written.stdout, "");
    assert!(
        written
            .stderr
            .starts_with("exported 2 records from copy.jsonl"),
        "{}",
        written.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out/export.jsonl")).unwrap(),
        text
    );

    // An export that fails leaves the file it would have replaced as it was.
    let (failed, _keep) = Release::new()
        .args(["log", "export", "--output", "out/export.jsonl", "--log"])
        .arg("postgres://release:canary-pw@127.0.0.1:1/release?connect_timeout=2")
        .run_in(&dir);
    assert_eq!(failed.code, 2, "{}", failed.stderr);
    assert!(
        failed
            .stderr
            .contains("release store postgres://release@127.0.0.1:1/release"),
        "{}",
        failed.stderr
    );
    assert!(!failed.stderr.contains("canary"), "{}", failed.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("out/export.jsonl")).unwrap(),
        text,
        "untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    drop(release);
}

#[test]
fn import_reports_bad_lines_by_number_and_refuses_the_store_itself() {
    let (release, dir) = recorded();
    let log = dir.join("artifacts/release/release-log.jsonl");
    let good = std::fs::read_to_string(&log).unwrap();
    let mut hostile = b"not json\n".to_vec();
    hostile.extend_from_slice(good.as_bytes());
    hostile.extend_from_slice(b"\xff\xfe\n\x1b[31m{\"kind\":\"x\"}\n{\"schema_version\":1,\"run_");
    std::fs::write(dir.join("hostile.jsonl"), hostile).unwrap();
    let (run, _keep) = Release::new()
        .args([
            "log",
            "import",
            "hostile.jsonl",
            "--log",
            "into.jsonl",
            "--format",
            "json",
        ])
        .run_in(&dir);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["added"], 2);
    let lines: Vec<u64> = (doc["skipped"].as_array().unwrap().iter())
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 4, 5, 6]);
    for line in [1, 4, 5, 6] {
        assert!(
            run.stderr
                .contains(&format!("warning: hostile.jsonl:{line}: ")),
            "{}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains('\x1b'),
        "shown escaped: {}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("into.jsonl")).unwrap(),
        good
    );

    // The plan's own log, named by another path, is the store itself.
    let (same, _keep) = Release::new()
        .args(["log", "import", "./artifacts/release/release-log.jsonl"])
        .args(["--plan", &runbook_plan()])
        .run_in(&dir);
    assert_eq!(same.code, 2, "{}", same.stderr);
    assert!(
        same.stderr
            .contains("is the release log the records would be imported into"),
        "{}",
        same.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        good,
        "nothing added"
    );

    let (missing, _keep) = Release::new()
        .args(["log", "import", "missing.jsonl", "--log", "into.jsonl"])
        .run_in(&dir);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("missing.jsonl"),
        "{}",
        missing.stderr
    );
    drop(release);
}

#[test]
fn log_show_takes_the_store_from_release_log_url() {
    let (release, dir) = recorded();
    std::fs::rename(
        dir.join("artifacts/release/release-log.jsonl"),
        dir.join("moved.jsonl"),
    )
    .unwrap();
    let (shown, _keep) = Release::new()
        .args(["log", "show", "--plan", &runbook_plan(), "--format", "json"])
        .env("RELEASE_LOG_URL", "moved.jsonl")
        .run_in(&dir);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let doc: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(doc["log"], "moved.jsonl");
    assert_eq!(doc["records"].as_array().unwrap().len(), 2);
    // Empty, it is not set.
    let (plan_log, _keep) = Release::new()
        .args(["log", "show", "--plan", &runbook_plan()])
        .env("RELEASE_LOG_URL", "")
        .run_in(&dir);
    assert!(
        plan_log
            .stdout
            .starts_with("no records in artifacts/release/release-log.jsonl"),
        "{}",
        plan_log.stdout
    );
    drop(release);
}
