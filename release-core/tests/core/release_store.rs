//! The release store over the release log: journal lines of rollouts and their steps, freezes,
//! and the environment lock (one rollout or rollback per plan and environment, held by an OS
//! file lock that a dead holder cannot keep).

use std::io::{BufRead as _, Write as _};
use std::ops::ControlFlow;
use std::path::Path;

use release_core::ReleaseInfo;
use release_core::log::{
    EnvironmentLock, FreezeLineKind, FreezeRecord, LineFilter, LockError, LockHolder, LogEntry,
    LogLine, ReadBack, ReleaseLog, ReleaseStore, RolloutAction, RolloutEvent, RolloutRecord,
    StepEvent, StepRecord, StepStatus, lock_path,
};
use release_core::schema::SchemaName;

fn at(minute: i64) -> release_core::Timestamp {
    let base: release_core::Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
    base + jiff::SignedDuration::from_mins(minute)
}

fn start(run_id: &str, environment: &str, minute: i64) -> RolloutRecord {
    RolloutRecord::start(
        run_id,
        environment,
        "acme",
        RolloutAction::Rollout,
        at(minute),
    )
}

fn step(run_id: &str, environment: &str, step_id: &str, minute: i64) -> StepRecord {
    StepRecord::start(run_id, environment, step_id, "deploy", at(minute))
}

fn append(store: &dyn ReleaseStore, line: impl Into<LogLine>) {
    store.append_line(&line.into()).unwrap();
}

fn old_run_line(run_id: &str) -> String {
    format!(
        r#"{{"schema_version":1,"run_id":"{run_id}","recorded_at":"2026-11-27T09:00:00Z","phase":"launch-gate","environment":"production","strict":true,"outcome":"passed","counts":{{"pass":1,"warn":0,"fail":0,"inconclusive":0,"error":0,"skipped":0}},"tool_version":"0.1.0"}}"#
    )
}

fn old_decision_line(run_id: &str) -> String {
    format!(
        r#"{{"schema_version":1,"kind":"rollback-decision","run_id":"{run_id}","recorded_at":"2026-11-27T09:01:00Z","environment":"production","decision":"proceed","tool_version":"0.1.0"}}"#
    )
}

#[test]
fn every_new_line_round_trips_validates_and_is_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("log.jsonl"));
    let release = ReleaseInfo {
        version: Some("1.4.0".into()),
        commit: Some("abc123".into()),
        migrations: None,
    };
    let run = start("r-1", "production", 0).release(release.clone());
    let deploy = step("r-1", "production", "deploy-api", 1).service("api");
    let mut migrate = StepRecord::start("r-1", "production", "migrate", "command", at(2))
        .ended(StepStatus::Done, at(3))
        .summary("npm run db:migrate exited 0");
    migrate.migrations = true;
    let mut database = StepRecord::start("r-1", "production", "db", "database", at(4))
        .ended(StepStatus::Warned, at(5));
    database.approved_by = Some("dana".into());
    database.approved_at = Some(at(4));
    let mut gates = StepRecord::start("r-1", "production", "verify", "gates", at(6))
        .ended(StepStatus::Failed, at(7));
    gates.summary_path = Some("artifacts/release/production-launch-gate-summary.json".into());
    let lines: Vec<LogLine> = vec![
        run.clone().into(),
        deploy.clone().into(),
        deploy
            .ended(StepStatus::Done, at(2))
            .deployment("dep-2")
            .into(),
        migrate.into(),
        database.into(),
        gates.into(),
        run.ended("rolled-back", 1, at(8)).into(),
        FreezeRecord::freeze(
            "production",
            "alice@ci",
            "incident 42",
            Some("r-1".into()),
            at(9),
        )
        .into(),
        FreezeRecord::unfreeze("production", "bob", at(10)).into(),
    ];
    let validator = jsonschema::validator_for(&SchemaName::LogRecord.schema()).unwrap();
    for line in &lines {
        let json = serde_json::to_value(line).unwrap();
        assert!(validator.is_valid(&json), "{json}");
        let back: LogLine = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(&back, line, "{json}");
        append(&log, line.clone());
    }
    let text = std::fs::read_to_string(log.path()).unwrap();
    let kinds: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "\"rollout\"",
            "\"rollout-step\"",
            "\"rollout-step\"",
            "\"rollout-step\"",
            "\"rollout-step\"",
            "\"rollout-step\"",
            "\"rollout\"",
            "\"freeze\"",
            "\"unfreeze\"",
        ]
    );
    assert!(
        !text.contains("\"migrations\":false"),
        "false is left out: {text}"
    );

    // The whole-file reader sorts them by kind, with their line numbers.
    let contents = log.read().unwrap();
    assert!(contents.problems.is_empty(), "{:?}", contents.problems);
    let rollout_lines: Vec<usize> = contents.rollouts.iter().map(|(n, _)| *n).collect();
    let step_lines: Vec<usize> = contents.steps.iter().map(|(n, _)| *n).collect();
    let freeze_lines: Vec<usize> = contents.freezes.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        (rollout_lines, step_lines, freeze_lines),
        (vec![1, 7], vec![2, 3, 4, 5, 6], vec![8, 9])
    );
    assert_eq!(contents.rollouts[0].1.release, release);
    assert!(contents.steps[2].1.migrations);

    // Read from the end, every line comes back as it was written.
    let mut newest = Vec::new();
    log.newest_first(&LineFilter::all(), u64::MAX, &mut |entry| {
        newest.push(match entry {
            LogEntry::Rollout(r) => LogLine::Rollout(r),
            LogEntry::Step(s) => LogLine::Step(s),
            LogEntry::Freeze(f) => LogLine::Freeze(f),
            other => panic!("{other:?}"),
        });
        ControlFlow::Continue(())
    })
    .unwrap();
    newest.reverse();
    assert_eq!(newest, lines);

    // Baseline searches pass over them.
    let (read, problems) = log
        .newest_runs_first(None, u64::MAX, false, &mut |r| panic!("not a run: {r:?}"))
        .unwrap();
    assert_eq!((read, problems.len()), (ReadBack::WholeLog, 0));
}

#[test]
fn a_journal_is_one_runs_lines_whatever_is_interleaved_and_last_rollout_is_per_environment() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("log.jsonl"));
    let store: &dyn ReleaseStore = &log;
    let old = start("old", "production", 0);
    append(store, old.clone());
    append(store, old.ended("proceeding", 0, at(1)));
    // Staging and production interleaved; a gate run and a decision between them.
    let prod = start("prod-2", "production", 10);
    let stage = start("stage-1", "staging", 11);
    append(store, prod.clone());
    append(store, stage.clone());
    append(store, step("prod-2", "production", "deploy-api", 12));
    append(store, step("stage-1", "staging", "deploy-api", 12));
    log.append_line(&LogLine::Decision(
        serde_json::from_str(&old_decision_line("prod-2")).unwrap(),
    ))
    .unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(log.path())
        .unwrap()
        .write_all(format!("{}\n", old_run_line("gates-1")).as_bytes())
        .unwrap();
    append(
        store,
        step("prod-2", "production", "deploy-api", 12)
            .ended(StepStatus::Done, at(13))
            .deployment("dep-9"),
    );
    append(store, step("prod-2", "production", "deploy-web", 14));
    append(store, stage.ended("proceeding", 0, at(15)));

    let journal = store.journal("prod-2").unwrap();
    assert_eq!(journal.run_id, "prod-2");
    assert_eq!(journal.runs, [prod]);
    let steps: Vec<(&str, StepEvent)> = journal
        .steps
        .iter()
        .map(|s| (s.step_id.as_str(), s.event))
        .collect();
    assert_eq!(
        steps,
        [
            ("deploy-api", StepEvent::Start),
            ("deploy-api", StepEvent::End),
            ("deploy-web", StepEvent::Start),
        ]
    );
    assert_eq!(
        journal
            .step_end("deploy-api")
            .unwrap()
            .deployment_id
            .as_deref(),
        Some("dep-9")
    );
    assert!(journal.step_end("deploy-web").is_none(), "never finished");
    assert!(journal.step_start("deploy-web").is_some());
    assert!(journal.ended().is_none());
    assert_eq!(journal.action(), Some(RolloutAction::Rollout));
    assert_eq!(journal.environment(), Some("production"));

    // The newest run of each environment, not the newest line of the log.
    let last_prod = store.last_rollout("production").unwrap().unwrap();
    assert_eq!(last_prod, journal);
    let last_stage = store.last_rollout("staging").unwrap().unwrap();
    assert_eq!(last_stage.run_id, "stage-1");
    assert_eq!(
        last_stage.ended().unwrap().outcome.as_deref(),
        Some("proceeding")
    );
    assert_eq!(last_stage.runs.len(), 2);
    assert_eq!(last_stage.steps.len(), 1);
    assert!(store.last_rollout("qa").unwrap().is_none());

    // A run the log does not hold has an empty journal.
    let none = store.journal("missing").unwrap();
    assert!(none.is_empty());
    assert_eq!(none.run_id, "missing");
    assert_eq!(store.journal("old").unwrap().runs.len(), 2);
}

#[test]
fn a_resumed_run_keeps_the_journal_from_before_its_resume() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("log.jsonl"));
    let run = start("r-7", "production", 0);
    append(&log, run.clone());
    append(&log, step("r-7", "production", "deploy-api", 1));
    // Killed here; the resumed process says so and goes on.
    append(&log, run.resumed(at(5)));
    append(
        &log,
        step("r-7", "production", "deploy-api", 1).ended(StepStatus::Done, at(6)),
    );
    append(&log, run.ended("proceeding", 0, at(7)));
    let journal = log.journal("r-7").unwrap();
    let events: Vec<RolloutEvent> = journal.runs.iter().map(|r| r.event).collect();
    assert_eq!(
        events,
        [RolloutEvent::Start, RolloutEvent::Resume, RolloutEvent::End]
    );
    assert_eq!(journal.steps.len(), 2);
}

#[test]
fn torn_and_unknown_lines_between_journal_lines_are_reported_never_swallowed() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("log.jsonl"));
    let run = start("r-1", "production", 0);
    append(&log, run.clone());
    // A writer killed mid-line: half a step, no newline.
    let half = serde_json::to_string(&step("r-1", "production", "deploy-api", 1)).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(log.path())
        .unwrap()
        .write_all(&half.as_bytes()[..half.len() / 2])
        .unwrap();
    append(&log, step("r-1", "production", "deploy-api", 2));
    // A journal line of a later version's, and a line of another kind of its.
    std::fs::OpenOptions::new()
        .append(true)
        .open(log.path())
        .unwrap()
        .write_all(b"{\"schema_version\":2,\"kind\":\"rollout-canary\",\"run_id\":\"r-1\"}\n{\"kind\":\"audit\"}\n")
        .unwrap();
    append(
        &log,
        step("r-1", "production", "deploy-api", 2).ended(StepStatus::Done, at(3)),
    );

    let journal = log.journal("r-1").unwrap();
    assert_eq!(journal.runs, [run]);
    assert_eq!(
        journal.steps.len(),
        2,
        "the step after the torn line is whole"
    );
    let problems: Vec<String> = journal
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.position(), p.reason))
        .collect();
    assert_eq!(
        problems,
        [
            "line 5 from the end: incomplete record, likely a write cut short (torn line); skipped",
            "line 3 from the end: a record of unknown kind `rollout-canary`; skipped",
        ],
        "the journal reports what could be its lines"
    );
    // The whole-log reader reports every line it cannot read.
    let contents = log.read().unwrap();
    let problems: Vec<(usize, &str)> = contents
        .problems
        .iter()
        .map(|p| (p.line, p.reason.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            (
                2,
                "incomplete record, likely a write cut short (torn line); skipped"
            ),
            (4, "a record of unknown kind `rollout-canary`; skipped"),
            (5, "a record of unknown kind `audit`; skipped"),
        ]
    );
    assert_eq!(contents.steps.len(), 2);
}

#[test]
fn an_old_log_reads_as_before_and_holds_no_journal_or_freeze() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    std::fs::write(
        &path,
        format!(
            "{}\n{}\n{}\n",
            old_run_line("r-1"),
            old_decision_line("r-1"),
            old_run_line("r-2")
        ),
    )
    .unwrap();
    let log = ReleaseLog::new(&path);
    let contents = log.read().unwrap();
    assert_eq!(
        (
            contents.records.len(),
            contents.decisions.len(),
            contents.problems.len()
        ),
        (2, 1, 0)
    );
    assert!(contents.rollouts.is_empty() && contents.steps.is_empty());
    assert!(log.journal("r-1").unwrap().is_empty());
    assert!(log.last_rollout("production").unwrap().is_none());
    assert!(log.freeze_state("production").unwrap().is_none());
    // And a log that does not exist yet is an empty store.
    let none = ReleaseLog::new(dir.path().join("none.jsonl"));
    assert!(none.last_rollout("production").unwrap().is_none());
    assert!(none.freeze_state("production").unwrap().is_none());
    assert!(!none.path().exists(), "reading creates nothing");
}

#[test]
fn the_newest_freeze_or_unfreeze_of_an_environment_decides() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("log.jsonl"));
    let store: &dyn ReleaseStore = &log;
    assert!(store.freeze_state("production").unwrap().is_none());

    let first = store
        .freeze("production", "alice@ci", "incident 42", None)
        .unwrap();
    assert!(first.before.is_none());
    let frozen = store.freeze_state("production").unwrap().unwrap();
    assert_eq!(Some(&frozen), first.written.as_ref());
    assert_eq!(
        (frozen.kind, frozen.by.as_str(), frozen.reason.as_deref()),
        (FreezeLineKind::Freeze, "alice@ci", Some("incident 42"))
    );
    assert!(
        store.freeze_state("staging").unwrap().is_none(),
        "per environment"
    );

    // Lines of other kinds and environments after it change nothing.
    append(store, start("r-1", "production", 0));
    store.freeze("staging", "bob", "load test", None).unwrap();
    store.unfreeze("staging", "bob").unwrap();

    // Freezing again replaces the reason and says what was in force.
    let again = store
        .freeze("production", "carol", "incident 43", Some("r-9"))
        .unwrap();
    assert_eq!(again.before.as_ref(), Some(&frozen));
    let now = store.freeze_state("production").unwrap().unwrap();
    assert_eq!(now.reason.as_deref(), Some("incident 43"));
    assert_eq!(now.run_id.as_deref(), Some("r-9"));

    let lifted = store.unfreeze("production", "dave").unwrap();
    assert_eq!(lifted.before.as_ref(), Some(&now));
    let written = lifted.written.unwrap();
    assert_eq!(
        (written.kind, written.by.as_str()),
        (FreezeLineKind::Unfreeze, "dave")
    );
    assert!(store.freeze_state("production").unwrap().is_none());

    // Unfreezing what is not frozen writes nothing.
    let lines = std::fs::read_to_string(log.path()).unwrap().lines().count();
    let nothing = store.unfreeze("production", "dave").unwrap();
    assert_eq!((nothing.written, nothing.before), (None, None));
    assert_eq!(
        std::fs::read_to_string(log.path()).unwrap().lines().count(),
        lines
    );
}

#[test]
fn reads_stop_at_what_they_need_and_pass_over_other_kinds() {
    // A torn journal line at the start of a long log: a read that reaches it reports it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let mut text = String::from("{\"schema_version\":1,\"kind\":\"rollout-step\",\"run_\n");
    text.push_str(&format!("{}\n", old_run_line("gates")).repeat(50_000));
    let mut line = |l: LogLine| {
        text.push_str(&serde_json::to_string(&l).unwrap());
        text.push('\n');
    };
    line(FreezeRecord::freeze("production", "a", "old", None, at(0)).into());
    line(start("r-1", "production", 1).into());
    line(step("r-1", "production", "deploy-api", 2).into());
    std::fs::write(&path, &text).unwrap();
    let log = ReleaseLog::new(&path);
    let journal = log.journal("r-1").unwrap();
    assert_eq!((journal.runs.len(), journal.steps.len()), (1, 1));
    assert!(journal.problems.is_empty(), "stopped at the run's start");
    let last = log.last_rollout("production").unwrap().unwrap();
    assert!(last.problems.is_empty());
    assert_eq!(last.run_id, "r-1");
    assert!(log.freeze_state("production").unwrap().is_some());
    // What the log does not hold is looked for in all of it: nothing is missed.
    let missing = log.journal("r-0").unwrap();
    let problems: Vec<String> = missing.problems.iter().map(|p| p.position()).collect();
    assert_eq!(problems, ["line 50004 from the end"]);
    assert!(log.last_rollout("staging").unwrap().is_none());
    assert!(log.freeze_state("staging").unwrap().is_none());
}

fn holder(run_id: &str) -> LockHolder {
    LockHolder {
        host: "ci-7".into(),
        pid: 4242,
        run_id: run_id.into(),
        since: at(0),
    }
}

#[test]
fn a_second_lock_fails_naming_the_holder_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("nested/log.jsonl"));
    let store: &dyn ReleaseStore = &log;
    assert_eq!(store.lock_holder("acme", "production").unwrap(), None);
    assert!(
        !log.lock_path("acme", "production").exists(),
        "asking creates nothing"
    );

    let lock: EnvironmentLock = store.lock("acme", "production", holder("r-1")).unwrap();
    assert_eq!(lock.holder(), &holder("r-1"));
    assert_eq!((lock.plan(), lock.environment()), ("acme", "production"));
    let path = log.lock_path("acme", "production");
    assert_eq!(
        path,
        dir.path().join("nested/log.jsonl.lock.acme.production")
    );
    assert_eq!(lock.location(), format!("lock file {}", path.display()));
    let written: LockHolder =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written, holder("r-1"));

    let err = store.lock("acme", "production", holder("r-2")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "another rollout or rollback holds the lock: run r-1 (pid 4242 on ci-7, since 2026-11-27T10:00:00Z)"
    );
    assert!(matches!(&err, LockError::Held(h) if *h == holder("r-1")));
    assert_eq!(
        store.lock_holder("acme", "production").unwrap(),
        Some(holder("r-1"))
    );

    // Keyed by plan and environment: nothing else is blocked.
    let staging = store.lock("acme", "staging", holder("r-3")).unwrap();
    let other_plan = store.lock("other", "production", holder("r-4")).unwrap();
    drop((staging, other_plan));

    drop(lock);
    assert_eq!(store.lock_holder("acme", "production").unwrap(), None);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "",
        "no stale name left"
    );
    let again = store.lock("acme", "production", holder("r-2")).unwrap();
    again.release();
    assert_eq!(store.lock_holder("acme", "production").unwrap(), None);
}

#[test]
fn a_holders_text_in_an_unlocked_file_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("log.jsonl"));
    let path = log.lock_path("acme", "production");
    std::fs::write(&path, serde_json::to_vec(&holder("dead")).unwrap()).unwrap();
    assert_eq!(log.lock_holder("acme", "production").unwrap(), None);
    let lock = log.lock("acme", "production", holder("r-1")).unwrap();
    assert_eq!(
        log.lock_holder("acme", "production").unwrap(),
        Some(holder("r-1"))
    );
    drop(lock);
}

#[test]
fn lock_files_are_named_so_no_two_keys_share_one() {
    let log = Path::new("a/log.jsonl");
    let name = |plan: &str, env: &str| {
        lock_path(log, plan, env)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    assert_eq!(name("acme", "eu.prod"), "log.jsonl.lock.acme.eu%2Eprod");
    assert_eq!(name("a.b", "c"), "log.jsonl.lock.a%2Eb.c");
    assert_ne!(name("a.b", "c"), name("a", "b.c"));
    assert_ne!(name("a_b", "c"), name("a.b", "c"));
    assert_eq!(name("", "x"), "log.jsonl.lock.%.x");
    assert_eq!(
        name("../../etc/passwd", "x"),
        "log.jsonl.lock.%2E%2E%2F%2E%2E%2Fetc%2Fpasswd.x"
    );
    assert_eq!(name("Ümlaut", "x"), "log.jsonl.lock.%C3%9Cmlaut.x");
    let long = "p".repeat(300);
    let cut = name(&long, "production");
    assert!(cut.len() < 120, "{cut}");
    assert_ne!(cut, name(&"p".repeat(301), "production"));
    assert_eq!(lock_path(log, "acme", "x").parent(), Some(Path::new("a")));
}

#[test]
fn a_link_or_anything_but_a_file_of_its_own_at_the_lock_path_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("log.jsonl"));
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let path = log.lock_path("acme", "production");

    std::os::unix::fs::symlink(&victim, &path).unwrap();
    for err in [
        log.lock("acme", "production", holder("r-1")).unwrap_err(),
        log.lock_holder("acme", "production").unwrap_err(),
    ] {
        assert_eq!(
            err.to_string(),
            format!(
                "failed to use lock file {}: it is a symbolic link; a lock file must be a regular file of its own",
                path.display()
            )
        );
    }
    // A link to nowhere is not followed to create its target either.
    std::fs::remove_file(&path).unwrap();
    let nowhere = dir.path().join("nowhere");
    std::os::unix::fs::symlink(&nowhere, &path).unwrap();
    assert!(log.lock("acme", "production", holder("r-1")).is_err());
    assert!(!nowhere.exists());

    std::fs::remove_file(&path).unwrap();
    std::fs::hard_link(&victim, &path).unwrap();
    let err = log.lock("acme", "production", holder("r-1")).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "it is a file with 2 hard links; a lock file must be a regular file of its own"
        ),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let err = log.lock("acme", "production", holder("r-1")).unwrap_err();
    assert!(
        err.to_string().contains("failed to open lock file")
            || err.to_string().contains("it is a directory"),
        "{err}"
    );

    std::fs::remove_dir(&path).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    let err = log.lock("acme", "production", holder("r-1")).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("it is a FIFO; a lock file must be a regular file of its own"),
        "{err}"
    );
}

/// The variable that makes [`hold_the_lock_in_a_child_process`] hold a lock: the log's path.
const CHILD_LOG: &str = "RELEASE_STORE_TEST_CHILD_LOG";
/// What the child prints once it holds the lock.
const LOCKED: &str = "child: lock held";

/// Run by [`another_process_holds_the_lock_until_it_is_killed`] as a child process (this
/// test binary again, with `--ignored`): takes the lock, says so on stdout, and waits to be
/// killed. Without the variable it does nothing.
#[test]
#[ignore = "a helper run as a child process by another test"]
fn hold_the_lock_in_a_child_process() {
    let Some(path) = std::env::var_os(CHILD_LOG) else {
        return;
    };
    let log = ReleaseLog::new(path);
    let holder = LockHolder {
        since: at(30),
        ..LockHolder::current("child-run")
    };
    let _lock = log.lock("acme", "production", holder).unwrap();
    println!("{LOCKED}");
    std::io::stdout().flush().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(120));
}

/// Killed when the test ends, passed or not.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn another_process_holds_the_lock_until_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let mut child = Child(
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "release_store::hold_the_lock_in_a_child_process",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_LOG, &path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let child = &mut child.0;
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the child ended before it held the lock"
        );
        // libtest prints the test's name on the same line first.
        if line.contains(LOCKED) {
            break;
        }
    }

    let log = ReleaseLog::new(&path);
    let err = log.lock("acme", "production", holder("r-2")).unwrap_err();
    let LockError::Held(held) = &err else {
        panic!("{err}")
    };
    let expected = LockHolder {
        host: release_core::log::host_name(),
        pid: child.id(),
        run_id: "child-run".into(),
        since: at(30),
    };
    assert_eq!(held, &expected);
    assert_eq!(
        err.to_string(),
        format!(
            "another rollout or rollback holds the lock: run child-run (pid {} on {}, since 2026-11-27T10:30:00Z)",
            child.id(),
            release_core::log::host_name()
        )
    );
    assert_eq!(
        log.lock_holder("acme", "production").unwrap(),
        Some(expected)
    );
    // Another environment of the same plan is free meanwhile.
    log.lock("acme", "staging", holder("r-3")).unwrap();

    // SIGKILL: no destructor runs, the name stays in the file, and the lock is free at once.
    child.kill().unwrap();
    child.wait().unwrap();
    let stale = std::fs::read_to_string(log.lock_path("acme", "production")).unwrap();
    assert!(stale.contains("child-run"), "{stale}");
    assert_eq!(log.lock_holder("acme", "production").unwrap(), None);
    let lock = log.lock("acme", "production", holder("r-2")).unwrap();
    assert_eq!(lock.holder().run_id, "r-2");
}

mod equivalence {
    use super::*;
    use proptest::prelude::*;

    const ENVIRONMENTS: [&str; 2] = ["production", "staging"];

    #[derive(Debug, Clone)]
    enum Op {
        /// A line of run `0..4`: its start the first time, then a step's start or end, a
        /// resume or an end.
        Run(usize, u8),
        Freeze(usize, bool),
        Garbage(String),
        /// Half a journal line, closed by the next line's newline as an append would.
        Torn,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (0..4usize, 0..4u8).prop_map(|(run, what)| Op::Run(run, what)),
            2 => (0..2usize, any::<bool>()).prop_map(|(env, on)| Op::Freeze(env, on)),
            1 => "[a-z {}\":,]{0,30}".prop_map(Op::Garbage),
            1 => Just(Op::Torn),
        ]
    }

    fn render(ops: &[Op]) -> String {
        let mut started = [false; 4];
        let mut text = String::new();
        for (n, op) in ops.iter().enumerate() {
            let minute = i64::try_from(n).unwrap();
            let line = match op {
                Op::Run(run, what) => {
                    let (id, env) = (format!("r{run}"), ENVIRONMENTS[run % 2]);
                    let first = start(&id, env, minute);
                    let line: LogLine = if !std::mem::replace(&mut started[*run], true) {
                        first.into()
                    } else {
                        match what {
                            0 => step(&id, env, &format!("s{n}"), minute).into(),
                            1 => step(&id, env, &format!("s{}", n - 1), minute)
                                .ended(StepStatus::Done, at(minute))
                                .into(),
                            2 => first.resumed(at(minute)).into(),
                            _ => first.ended("proceeding", 0, at(minute)).into(),
                        }
                    };
                    serde_json::to_string(&line).unwrap()
                }
                Op::Freeze(env, true) => serde_json::to_string(&LogLine::from(
                    FreezeRecord::freeze(ENVIRONMENTS[*env], "a", "why", None, at(minute)),
                ))
                .unwrap(),
                Op::Freeze(env, false) => serde_json::to_string(&LogLine::from(
                    FreezeRecord::unfreeze(ENVIRONMENTS[*env], "a", at(minute)),
                ))
                .unwrap(),
                Op::Garbage(g) => g.clone(),
                Op::Torn => "{\"schema_version\":1,\"kind\":\"rollout-step\",\"run_".to_owned(),
            };
            text.push_str(&line);
            text.push('\n');
        }
        text
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Read from the end and stopped early, the store answers what a whole read of the
        /// log answers.
        #[test]
        fn the_store_answers_as_a_whole_read_does(ops in proptest::collection::vec(op(), 0..60)) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("log.jsonl");
            std::fs::write(&path, render(&ops)).unwrap();
            let log = ReleaseLog::new(&path);
            let all = log.read().unwrap();
            let of_run = |id: &str| {
                let runs: Vec<RolloutRecord> = all.rollouts.iter()
                    .filter(|(_, r)| r.run_id == id).map(|(_, r)| r.clone()).collect();
                let steps: Vec<StepRecord> = all.steps.iter()
                    .filter(|(_, s)| s.run_id == id).map(|(_, s)| s.clone()).collect();
                (runs, steps)
            };
            for run in 0..4 {
                let id = format!("r{run}");
                let journal = log.journal(&id).unwrap();
                prop_assert_eq!((journal.runs, journal.steps), of_run(&id));
            }
            for env in ENVIRONMENTS {
                let newest = all.rollouts.iter().map(|(n, r)| (*n, &r.run_id, &r.environment))
                    .chain(all.steps.iter().map(|(n, s)| (*n, &s.run_id, &s.environment)))
                    .filter(|(_, _, e)| e.as_str() == env)
                    .max_by_key(|(n, _, _)| *n)
                    .map(|(_, id, _)| id.clone());
                let last = log.last_rollout(env).unwrap();
                prop_assert_eq!(last.as_ref().map(|j| j.run_id.clone()), newest.clone());
                if let (Some(last), Some(id)) = (last, newest) {
                    prop_assert_eq!((last.runs, last.steps), of_run(&id));
                }
                let freeze = all.freezes.iter().rev()
                    .find(|(_, f)| f.environment == env)
                    .map(|(_, f)| f.clone())
                    .filter(|f| f.kind == FreezeLineKind::Freeze);
                prop_assert_eq!(log.freeze_state(env).unwrap(), freeze);
            }
        }
    }
}

#[test]
fn a_lock_held_by_a_process_that_names_no_one_is_reported_so_and_a_huge_lock_file_is_not_read_whole()
 {
    let dir = tempfile::tempdir().unwrap();
    let log = ReleaseLog::new(dir.path().join("log.jsonl"));
    let path = log.lock_path("acme", "production");
    // Held, but what the file holds is not a holder: garbage, then 10 MiB of it.
    for text in [b"not json".to_vec(), vec![b'x'; 10 * 1024 * 1024]] {
        std::fs::write(&path, &text).unwrap();
        let raw = std::fs::File::open(&path).unwrap();
        raw.lock().unwrap();
        let want = format!(
            "another process holds the lock but its lock file {} does not say who",
            path.display()
        );
        let err = log.lock("acme", "production", holder("r-1")).unwrap_err();
        assert!(matches!(err, LockError::Unnamed(_)), "{err}");
        assert_eq!(err.to_string(), want);
        let err = log.lock_holder("acme", "production").unwrap_err();
        assert_eq!(err.to_string(), want);
        raw.unlock().unwrap();
        assert!(log.lock("acme", "production", holder("r-1")).is_ok());
    }
}
