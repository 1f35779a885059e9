//! Outputs and files: `--out` writes what is at the path by its kind, the release log must be
//! a regular file, and reading it is bounded.
//!
//! No test names `/dev/null` or `/dev/stdout` as a path to write: a regression that renamed
//! over them would, as root, replace the machine's own. Links to them and `/dev/fd/1` (whose
//! directory no file can be made in) stand in.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{Release, env_file, runbook_plan};

/// A run that must end at once, not spin: a hang fails the test instead of hanging it.
const QUICK: Duration = Duration::from_secs(20);

/// The runbook plan with its release log at `log`.
fn plan_with_log(log: &str) -> String {
    let plan = std::fs::read_to_string(runbook_plan()).unwrap();
    let default = r#"log = "artifacts/release/release-log.jsonl""#;
    assert!(plan.contains(default), "the runbook's log setting moved");
    plan.replace(default, &format!("log = {}", toml_string(log)))
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success());
}

fn preflight_staging() -> Release {
    Release::new()
        .args(["preflight", "env", "--plan", &runbook_plan()])
        .args(["--env-file", &env_file("staging")])
        .timeout(QUICK)
}

fn recorded_summary(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/summaries")
        .join(case)
        .join("summary.json")
}

#[test]
fn out_paths_that_can_never_be_written_are_refused_before_any_gate_runs() {
    for (out, reason) in [
        (".", "it is a directory"),
        ("sub", "it is a directory"),
        ("sub/..", "it is a directory"),
        (
            "blocker/summary.json",
            "blocker is a regular file, not a directory",
        ),
        (
            "blocker/deeper/summary.json",
            "blocker is a regular file, not a directory",
        ),
        (
            "missing/",
            "it ends with `/`, naming a directory, not a file",
        ),
    ] {
        let release = preflight_staging()
            .file("blocker", "a file where a directory is needed")
            .file("sub/keep", "")
            .args(["--format", "json", "--out", out]);
        let (run, dir) = release.run();
        assert_eq!(run.code, 2, "--out {out:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "--out {out:?}: no gate ran");
        assert_eq!(run.stderr, format!("error: --out {out}: {reason}\n"));
        assert!(
            !dir.path().join("artifacts").exists(),
            "--out {out:?}: nothing was recorded"
        );
    }
}

#[test]
fn a_write_that_fails_after_the_run_is_reported_after_the_report() {
    let release = preflight_staging().args(["--format", "json", "--out", "full.json"]);
    std::os::unix::fs::symlink("/dev/full", release.path("full.json")).unwrap();
    let (run, _dir) = release.run();
    assert_eq!(run.code, 2, "a lost summary makes a passing run unusable");
    serde_json::from_str::<serde_json::Value>(&run.stdout).expect("the report still printed");
    assert!(
        run.stderr
            .contains("failed to write full.json: No space left on device"),
        "{}",
        run.stderr
    );
}

#[test]
fn out_to_a_device_or_a_link_writes_through_it() {
    let release = preflight_staging().args(["--out", "link.json"]);
    std::os::unix::fs::symlink("real/summary.json", release.path("link.json")).unwrap();
    let (run, dir) = release.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let link = std::fs::symlink_metadata(dir.path().join("link.json")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("real/summary.json")).unwrap())
            .unwrap();
    assert_eq!(written["phase"], "preflight-env");

    let release = preflight_staging().args(["--out", "null.json"]);
    std::os::unix::fs::symlink("/dev/null", release.path("null.json")).unwrap();
    let (run, dir) = release.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::symlink_metadata(dir.path().join("null.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    use std::os::unix::fs::FileTypeExt as _;
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn out_to_the_standard_output_writes_after_the_report() {
    // Stdout is a pipe here: the summary follows the human report on it.
    let (run, _dir) = preflight_staging()
        .args(["--color", "never", "--out", "/dev/fd/1"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let at = run
        .stdout
        .find("\n{\n")
        .expect("a JSON document after the report")
        + 1;
    assert!(run.stdout[..at].contains("preflight-env"), "{}", run.stdout);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout[at..]).unwrap();
    assert_eq!(summary["phase"], "preflight-env");

    // Stdout redirected to a file (`> out.txt`): the file keeps the report and gets the
    // summary after it, rather than being replaced by a new file the stream no longer reaches.
    let dir = tempfile::tempdir().unwrap();
    let captured = dir.path().join("out.txt");
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin!("release"))
        .env_clear()
        .current_dir(dir.path())
        .args(["preflight", "env", "--plan", &runbook_plan()])
        .args(["--env-file", &env_file("staging")])
        .args(["--color", "never", "--out", "/dev/fd/1"])
        .stdout(std::fs::File::create(&captured).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&captured).unwrap();
    let at = text
        .find("\n{\n")
        .expect("a JSON document after the report")
        + 1;
    assert!(text[..at].contains("preflight-env"), "{text}");
    serde_json::from_str::<serde_json::Value>(&text[at..]).unwrap();
}

/// What each kind of log path is called, and the commands that must refuse it at once.
#[test]
fn a_release_log_that_is_not_a_regular_file_is_refused_at_start() {
    let scratch = tempfile::tempdir().unwrap();
    let fifo = scratch.path().join("log.fifo");
    mkfifo(&fifo);
    let blocker = scratch.path().join("blocker");
    std::fs::write(&blocker, "x").unwrap();
    let shown = |p: &Path| p.display().to_string();
    let cases = [
        (
            "/dev/zero".to_owned(),
            "it is a character device".to_owned(),
        ),
        (
            "/dev/full".to_owned(),
            "it is a character device".to_owned(),
        ),
        (
            "/dev/null".to_owned(),
            "it is a character device".to_owned(),
        ),
        (shown(scratch.path()), "it is a directory".to_owned()),
        (shown(&fifo), "it is a FIFO".to_owned()),
        (
            shown(&blocker.join("log.jsonl")),
            format!("{} is a regular file, not a directory", blocker.display()),
        ),
    ];
    for (log, what) in &cases {
        let must_be_file = if what.contains("not a directory") {
            String::new()
        } else {
            "; the release log must be a regular file".to_owned()
        };
        let want = format!("error: failed to use release log {log}: {what}{must_be_file}\n");
        let commands: [Vec<String>; 4] = [
            vec!["preflight".into(), "env".into()],
            vec!["log".into(), "show".into()],
            vec!["log".into(), "show".into(), "--last".into(), "2".into()],
            vec![
                "rollback".into(),
                "plan".into(),
                "--from".into(),
                recorded_summary("healthy").display().to_string(),
            ],
        ];
        for command in commands {
            let (run, _dir) = Release::new()
                .file("release.toml", plan_with_log(log))
                .args(&command)
                .args(["--env-file", &env_file("staging")])
                .timeout(QUICK)
                .run();
            assert_eq!(run.code, 2, "{log} {command:?}: {}", run.stderr);
            assert_eq!(run.stdout, "", "{log} {command:?}");
            assert_eq!(run.stderr, want, "{log} {command:?}");
        }
    }
    use std::os::unix::fs::FileTypeExt as _;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_link_to_a_log_file_is_followed() {
    let release = Release::new()
        .file("release.toml", plan_with_log("link.jsonl"))
        .args(["preflight", "env", "--env-file", &env_file("staging")]);
    std::os::unix::fs::symlink("logs/real.jsonl", release.path("link.jsonl")).unwrap();
    std::fs::create_dir(release.path("logs")).unwrap();
    let (run, dir) = release.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log = std::fs::read_to_string(dir.path().join("logs/real.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1);
    assert!(
        std::fs::symlink_metadata(dir.path().join("link.jsonl"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_baseline_file_is_read_like_a_summary_and_bounded() {
    for (file, want) in [
        (
            "/dev/zero".to_owned(),
            "error: --baseline: /dev/zero is larger than 256 MiB; not a release summary\n"
                .to_owned(),
        ),
        (
            "missing.json".to_owned(),
            "error: --baseline: failed to read summary missing.json: No such file or directory (os error 2)\n"
                .to_owned(),
        ),
    ] {
        let (run, _dir) = preflight_staging()
            .args(["--baseline", &file])
            .timeout(QUICK)
            .run();
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert_eq!(run.stderr, want);
    }
}

#[test]
fn documents_read_back_refuse_repeated_keys() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let report = std::fs::read_to_string(fixtures.join("health/valid.json")).unwrap();
    let doubled = report.replacen(
        "\"schemaVersion\": 1",
        "\"schemaVersion\": 2,\n  \"schemaVersion\": 1",
        1,
    );
    let (run, _dir) = Release::new()
        .file("report.json", doubled)
        .args(["health", "check", "report.json"])
        .timeout(QUICK)
        .run();
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("error: report.json:")
            && run
                .stderr
                .ends_with(": not valid JSON: duplicate key \"schemaVersion\"\n"),
        "{}",
        run.stderr
    );

    let summary = std::fs::read_to_string(recorded_summary("roles-blocked")).unwrap();
    let doubled = summary.replacen("{", "{\n  \"environment\": \"staging\",", 1);
    for command in [
        vec!["rollback", "evaluate", "--from", "summary.json"],
        vec!["health", "report", "--from", "summary.json"],
        vec!["preflight", "env", "--baseline", "summary.json"],
    ] {
        let (run, _dir) = Release::new()
            .file("summary.json", &doubled)
            .args([
                "--plan",
                &runbook_plan(),
                "--env-file",
                &env_file("staging"),
            ])
            .args(&command)
            .timeout(QUICK)
            .run();
        assert_eq!(run.code, 2, "{command:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(": not a release summary: duplicate key \"environment\""),
            "{command:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn the_step_summary_is_appended_by_the_same_rules() {
    let release = preflight_staging()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "steps-link.md");
    std::os::unix::fs::symlink("real-steps.md", release.path("steps-link.md")).unwrap();
    let (run, dir) = release.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(dir.path().join("real-steps.md")).unwrap();
    assert!(written.contains("preflight-env"), "{written}");

    let (run, dir) = preflight_staging()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "steps")
        .file("steps/keep", "")
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: GITHUB_STEP_SUMMARY: failed to write steps: it is a directory\n"),
        "{}",
        run.stderr
    );
    assert!(dir.path().join("steps").is_dir());
}
