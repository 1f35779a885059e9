//! The release store in a real PostgreSQL, started privately (`release_testkit::PrivatePostgres`):
//! the same behaviour as the release log file through the same interface (each shared test runs
//! over both), plus what only a database meets: migrations raced by two first runs, a schema
//! newer than the tool, rows written by someone else, a wrong password, a server that never
//! answers, a connection cut under a held lock.

use std::ops::ControlFlow;
use std::time::Duration;

use release_core::log::postgres::{PostgresStore, PostgresUrl, SCHEMA_VERSION};
use release_core::log::{
    FreezeRecord, LineFilter, LineKind, LockError, LockHolder, LogEntry, LogLine, LogRecord,
    ReadBack, ReleaseLog, ReleaseStore, RolloutAction, RolloutRecord, StepRecord, StepStatus,
    StoreError, StoreLocation,
};

use crate::postgres_server::{Database, server, tls_server};

fn at(minute: i64) -> release_core::Timestamp {
    let base: release_core::Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
    base + jiff::SignedDuration::from_mins(minute)
}

fn run_record(run_id: &str, environment: &str, minute: i64, latency: f64) -> LogRecord {
    let mut record: LogRecord = serde_json::from_value(serde_json::json!({
        "schema_version": 1,
        "run_id": run_id,
        "recorded_at": at(minute).to_string(),
        "phase": "launch-gate",
        "environment": environment,
        "strict": true,
        "outcome": "passed",
        "counts": {"pass": 1, "warn": 0, "fail": 0, "inconclusive": 0, "error": 0, "skipped": 0},
        "tool_version": "0.1.0",
    }))
    .unwrap();
    record
        .measurements
        .insert("api-latency.p95_ms".to_owned(), latency);
    record
}

fn store(database: &Database<'_>) -> PostgresStore {
    PostgresStore::new(PostgresUrl::parse(&database.url()).unwrap())
}

/// Every line kind, in the order a rollout writes them, over two environments.
fn journal_lines() -> Vec<LogLine> {
    let start = RolloutRecord::start("r-1", "production", "acme", RolloutAction::Rollout, at(0));
    let deploy =
        StepRecord::start("r-1", "production", "deploy-api", "deploy", at(1)).service("api");
    vec![
        LogLine::Run(run_record("g-1", "production", 0, 120.0)),
        LogLine::Run(run_record("g-2", "staging", 1, 80.0)),
        start.clone().into(),
        deploy.clone().into(),
        LogLine::Run(run_record("g-3", "production", 2, 130.5)),
        deploy
            .ended(StepStatus::Done, at(3))
            .deployment("dep-2")
            .into(),
        start.ended("proceeding", 0, at(4)).into(),
        FreezeRecord::freeze("production", "alice@ci", "incident 42", None, at(5)).into(),
        FreezeRecord::freeze("staging", "bob", "drill", None, at(6)).into(),
        FreezeRecord::unfreeze("production", "carol", at(7)).into(),
    ]
}

/// What a store answers after `journal_lines` were appended: the shared contract.
fn assert_reads(store: &dyn ReleaseStore) {
    let mut newest = Vec::new();
    store
        .newest_first(&LineFilter::all(), u64::MAX, &mut |entry| {
            newest.push(entry);
            ControlFlow::Continue(())
        })
        .unwrap();
    let written: Vec<LogLine> = journal_lines();
    let read: Vec<LogLine> = newest
        .into_iter()
        .rev()
        .filter_map(LogEntry::into_line)
        .collect();
    assert_eq!(
        read, written,
        "newest first, reversed, is every line as written"
    );

    let mut oldest = Vec::new();
    store
        .oldest_first(
            &LineFilter::kinds(&[LineKind::Run]).environment("production"),
            &mut |_, e| {
                oldest.push(e);
                ControlFlow::Continue(())
            },
        )
        .unwrap();
    let ids: Vec<String> = oldest
        .iter()
        .map(|e| match e {
            LogEntry::Run(r) => r.run_id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, ["g-1", "g-3"]);

    let mut latest = None;
    let (read, problems) = store
        .newest_runs_first(Some("production"), u64::MAX, false, &mut |record| {
            latest = Some(record.measurements["api-latency.p95_ms"]);
            ControlFlow::Break(())
        })
        .unwrap();
    assert_eq!(
        (read, problems.len(), latest),
        (ReadBack::Found, 0, Some(130.5))
    );

    let journal = store.journal("r-1").unwrap();
    assert_eq!(journal.runs.len(), 2);
    assert_eq!(journal.steps.len(), 2);
    assert_eq!(
        journal
            .step_end("deploy-api")
            .and_then(|s| s.deployment_id.clone()),
        Some("dep-2".to_owned())
    );
    assert_eq!(
        store.last_rollout("production").unwrap().unwrap().run_id,
        "r-1"
    );
    assert!(store.last_rollout("staging").unwrap().is_none());
    assert!(store.journal("r-unknown").unwrap().is_empty());

    assert!(
        store.freeze_state("production").unwrap().is_none(),
        "unfrozen by carol"
    );
    let staging = store.freeze_state("staging").unwrap().unwrap();
    assert_eq!(
        (staging.by.as_str(), staging.reason.as_deref()),
        ("bob", Some("drill"))
    );
}

#[test]
fn the_file_and_the_database_answer_every_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let file = ReleaseLog::new(dir.path().join("log.jsonl"));
    let server = server();
    let database = server.database();
    let pg = store(&database);
    for store in [&file as &dyn ReleaseStore, &pg] {
        for line in journal_lines() {
            store.append_line(&line).unwrap();
        }
        assert_reads(store);
    }
    // One row per line, with the columns reads select on.
    let rows = database.psql(
        "SELECT kind, coalesce(environment, '-'), coalesce(run_id, '-'), coalesce(outcome, '-') \
         FROM release_records ORDER BY seq",
    );
    assert_eq!(
        rows.lines().collect::<Vec<_>>(),
        [
            "run|production|g-1|passed",
            "run|staging|g-2|passed",
            "rollout|production|r-1|-",
            "rollout-step|production|r-1|-",
            "run|production|g-3|passed",
            "rollout-step|production|r-1|done",
            "rollout|production|r-1|proceeding",
            "freeze|production|-|-",
            "freeze|staging|-|-",
            "unfreeze|production|-|-",
        ]
    );
    assert_eq!(
        database.psql("SELECT environment, by, reason FROM release_freezes ORDER BY seq"),
        "production|alice@ci|incident 42\nstaging|bob|drill\nproduction|carol|\n"
    );
}

#[test]
fn import_adds_each_record_once_and_export_gives_back_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = ReleaseLog::new(dir.path().join("log.jsonl"));
    for line in journal_lines() {
        file.append_line(&line).unwrap();
    }
    let mut lines = Vec::new();
    file.oldest_first(&LineFilter::all(), &mut |_, e| {
        lines.extend(e.into_line());
        ControlFlow::Continue(())
    })
    .unwrap();
    let server = server();
    let database = server.database();
    let pg = store(&database);
    let first = pg.import(&lines).unwrap();
    assert_eq!((first.added, first.already_present), (10, 0));
    let again = pg.import(&lines[3..]).unwrap();
    assert_eq!((again.added, again.already_present), (0, 7), "idempotent");
    let mut exported = String::new();
    pg.oldest_first(&LineFilter::all(), &mut |_, e| {
        exported.push_str(&serde_json::to_string(&e.into_line().unwrap()).unwrap());
        exported.push('\n');
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(
        exported,
        std::fs::read_to_string(file.path()).unwrap(),
        "byte for byte"
    );
}

#[test]
fn twenty_threads_appending_at_once_leave_every_record_once() {
    let server = server();
    let database = server.database();
    std::thread::scope(|scope| {
        for writer in 0..20 {
            let database = &database;
            scope.spawn(move || {
                let store = store(database);
                for n in 0..10 {
                    let line =
                        LogLine::Run(run_record(&format!("w{writer}-{n}"), "production", n, 1.0));
                    store.append_line(&line).unwrap();
                }
            });
        }
    });
    assert_eq!(
        database.psql("SELECT count(*), count(DISTINCT run_id) FROM release_records"),
        "200|200\n"
    );
    assert_eq!(
        database.psql("SELECT count(*) FROM release_schema"),
        "1\n",
        "migrated once"
    );
}

#[test]
fn a_schema_newer_than_the_tool_is_refused_and_nothing_is_written() {
    let server = server();
    let database = server.database();
    store(&database).check().unwrap();
    database.psql(&format!(
        "INSERT INTO release_schema (version, tool) VALUES ({}, 'release 9.0.0')",
        SCHEMA_VERSION + 1
    ));
    let newer = store(&database);
    let error = newer
        .append_line(&LogLine::Run(run_record("g-1", "production", 0, 1.0)))
        .unwrap_err();
    assert!(matches!(error, StoreError::SchemaTooNew { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("version {}", SCHEMA_VERSION + 1)),
        "{message}"
    );
    assert!(message.contains("upgrade release"), "{message}");
    assert_eq!(database.psql("SELECT count(*) FROM release_records"), "0\n");
}

#[test]
fn rows_written_by_someone_else_are_skipped_and_reported_with_their_row() {
    let server = server();
    let database = server.database();
    let pg = store(&database);
    pg.append_line(&LogLine::Run(run_record("g-1", "production", 0, 100.0)))
        .unwrap();
    database.psql(
        "INSERT INTO release_records (kind, environment, document) VALUES \
         ('run', 'production', '{\"hello\": \"world\"}'), \
         ('run', 'production', '[1, 2, 3]'), \
         ('rollout', 'production', '{\"kind\": \"rollout\", \"run_id\": 7}'), \
         ('teleport', 'production', '{\"kind\": \"teleport\"}'), \
         ('run', 'production', jsonb_build_object('run_id', repeat('x', 2000000)))",
    );
    pg.append_line(&LogLine::Run(run_record("g-2", "production", 1, 200.0)))
        .unwrap();
    let mut runs = Vec::new();
    let mut problems = Vec::new();
    pg.oldest_first(&LineFilter::all(), &mut |_, entry| {
        match entry {
            LogEntry::Run(r) => runs.push(r.run_id),
            LogEntry::Problem(p) => problems.push(p.position()),
            other => panic!("{other:?}"),
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(runs, ["g-1", "g-2"]);
    assert_eq!(problems, ["row 2", "row 3", "row 4", "row 5", "row 6"]);
    // A baseline search passes over them to the good row before, and says what it skipped.
    let mut seen = Vec::new();
    let (_, skipped) = pg
        .newest_runs_first(Some("production"), u64::MAX, false, &mut |r| {
            seen.push(r.run_id.clone());
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(seen, ["g-2", "g-1"]);
    assert_eq!(skipped.len(), 3, "the malformed `run` rows: {skipped:?}");
    assert!(
        skipped[0].reason.contains("longer than 1048576 bytes"),
        "a huge row is not fetched: {skipped:?}"
    );
}

#[test]
fn a_wrong_password_and_a_closed_port_are_clear_errors_without_the_password() {
    let server = server();
    let database = server.database();
    let wrong = database
        .url()
        .replace(&server.password(), "canary-wrong-password");
    let error = PostgresStore::new(PostgresUrl::parse(&wrong).unwrap())
        .check()
        .unwrap_err()
        .to_string();
    assert!(error.contains("password authentication failed"), "{error}");
    assert!(!error.contains("canary"), "{error}");
    assert!(
        error.starts_with("failed to connect to release store postgres://"),
        "{error}"
    );

    let closed = format!(
        "postgres://release:canary-secret@127.0.0.1:{}/release",
        free_port()
    );
    let error = PostgresStore::new(PostgresUrl::parse(&closed).unwrap())
        .append_line(&LogLine::Run(run_record("g-1", "production", 0, 1.0)))
        .unwrap_err()
        .to_string();
    assert!(error.contains("refused"), "{error}");
    assert!(!error.contains("canary"), "{error}");
}

#[test]
fn a_server_that_never_answers_is_given_up_on_after_the_connect_timeout() {
    // Accepts the TCP connection and never says a word: the handshake would wait forever.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let (_socket, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(4));
    });
    let url = format!(
        "postgres://release:canary@127.0.0.1:{port}/release?connect_timeout=1&sslmode=disable"
    );
    let error = PostgresStore::new(PostgresUrl::parse(&url).unwrap())
        .check()
        .unwrap_err()
        .to_string();
    assert!(error.contains("no answer within 1 s"), "{error}");
    held.join().unwrap();
}

fn holder(run_id: &str) -> LockHolder {
    LockHolder::current(run_id)
}

#[test]
fn one_session_holds_an_environments_lock_the_next_learns_who_and_gets_it_once_freed() {
    let server = server();
    let database = server.database();
    let first = store(&database);
    let second = store(&database);
    assert_eq!(second.lock_holder("acme", "production").unwrap(), None);
    let held = first.lock("acme", "production", holder("r-1")).unwrap();
    match second.lock("acme", "production", holder("r-2")) {
        Err(LockError::Held(who)) => assert_eq!(who.run_id, "r-1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        second
            .lock_holder("acme", "production")
            .unwrap()
            .unwrap()
            .run_id,
        "r-1"
    );
    // Other environments and plans are other locks.
    let staging = second.lock("acme", "staging", holder("r-3")).unwrap();
    let other_plan = second.lock("globex", "production", holder("r-4")).unwrap();
    // The same process cannot take it twice, as with a lock file.
    assert!(matches!(
        first.lock("acme", "production", holder("r-5")),
        Err(LockError::Held(_))
    ));
    drop(held);
    assert_eq!(second.lock_holder("acme", "production").unwrap(), None);
    let now_second = second.lock("acme", "production", holder("r-2")).unwrap();
    assert_eq!(
        first
            .lock_holder("acme", "production")
            .unwrap()
            .unwrap()
            .run_id,
        "r-2"
    );
    drop((now_second, staging, other_plan));
    assert_eq!(
        database.psql("SELECT count(*) FROM release_lock_holders"),
        "0\n"
    );
}

#[test]
fn a_holder_whose_connection_dies_frees_the_lock_and_learns_it_lost_it() {
    let server = server();
    let database = server.database();
    let first = store(&database);
    let second = store(&database);
    let _held = first.lock("acme", "production", holder("r-1")).unwrap();
    // The server ends the holder's session, as it does when a runner dies.
    database.psql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'release' AND pid <> pg_backend_pid() \
         AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')",
    );
    let mut taken = None;
    for _ in 0..50 {
        match second.lock("acme", "production", holder("r-2")) {
            Ok(lock) => {
                taken = Some(lock);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    assert!(taken.is_some(), "the dead session's lock was freed");
    let error = first
        .append_line(&LogLine::Run(run_record("g-1", "production", 0, 1.0)))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("lock was lost") || error.contains("held the environment's lock"),
        "{error}"
    );
}

#[test]
fn a_connection_cut_without_a_lock_is_made_again_on_the_next_call() {
    let server = server();
    let database = server.database();
    let pg = store(&database);
    pg.append_line(&LogLine::Run(run_record("g-1", "production", 0, 1.0)))
        .unwrap();
    database.psql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'release' AND pid <> pg_backend_pid()",
    );
    // pg_terminate_backend only signals the backend: wait until it is gone, so the cut is
    // behind us and not in the middle of the next calls.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while database.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'release'")
        != "0\n"
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the backend outlived its termination"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The first call after the cut may fail (it finds the connection gone); none loses data.
    let _ = pg.append_line(&LogLine::Run(run_record("g-2", "production", 1, 1.0)));
    pg.append_line(&LogLine::Run(run_record("g-3", "production", 2, 1.0)))
        .unwrap();
    let count =
        database.psql("SELECT count(*) FROM release_records WHERE run_id IN ('g-1', 'g-3')");
    assert_eq!(count, "2\n");
}

#[test]
fn the_location_names_the_database_never_its_password() {
    let location = StoreLocation::parse(
        "postgres://release:canary-pw@db.internal:5432/release?sslmode=verify-full",
    )
    .unwrap();
    let store = location.open(None);
    assert_eq!(
        store.location(),
        "release store postgres://release@db.internal:5432/release"
    );
    assert!(!format!("{store:?}").contains("canary"));
    assert!(location.secrets().iter().any(|s| s == "canary-pw"));
    assert!(!location.to_string().contains("canary"));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn tls_is_used_as_sslmode_says_and_a_certificate_nobody_trusts_is_refused() {
    let server = tls_server();
    let kit = server.database();
    // verify-full with the server's authority (sslrootcert): encrypted, and the name checked.
    let verified = store(&kit);
    verified
        .append_line(&LogLine::Run(run_record("g-1", "production", 0, 1.0)))
        .unwrap();
    assert_eq!(
        kit.psql(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                  WHERE s.ssl AND a.application_name = 'release'"
        ),
        "1\n"
    );
    // require: encrypted without checking who answers (libpq's meaning).
    let url = kit.url().split('?').next().unwrap().to_owned();
    let require =
        PostgresStore::new(PostgresUrl::parse(&format!("{url}?sslmode=require")).unwrap());
    require.check().unwrap();
    // verify-full with the system's authorities: this server's is not among them.
    let untrusted =
        PostgresStore::new(PostgresUrl::parse(&format!("{url}?sslmode=verify-full")).unwrap());
    let error = untrusted.check().unwrap_err().to_string();
    assert!(error.contains("certificate"), "{error}");
    // No TLS at all: the server refuses.
    let plain = PostgresStore::new(PostgresUrl::parse(&format!("{url}?sslmode=disable")).unwrap());
    let error = plain.check().unwrap_err().to_string();
    assert!(
        error.contains("no encryption") || error.contains("pg_hba"),
        "{error}"
    );
    // A root certificate file that is not one.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ca.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let error = PostgresStore::new(
        PostgresUrl::parse(&format!(
            "{url}?sslmode=verify-full&sslrootcert={}",
            bad.display()
        ))
        .unwrap(),
    )
    .check()
    .unwrap_err()
    .to_string();
    assert!(error.contains("holds no certificate"), "{error}");
    assert!(!error.contains(&server.password()), "{error}");
}

#[test]
fn a_database_stopped_mid_run_is_a_clear_error_and_later_calls_reconnect_once_it_is_back() {
    let mut server = server();
    let pg = store(&server.database());
    pg.append_line(&LogLine::Run(run_record("g-1", "production", 0, 1.0)))
        .unwrap();
    server.kit().stop().unwrap();
    let error = pg
        .append_line(&LogLine::Run(run_record("g-2", "production", 1, 1.0)))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("failed to "), "{error}");
    assert!(
        error.contains("release store postgres://postgres@127.0.0.1:"),
        "{error}"
    );
    assert!(!error.contains(&server.password()), "{error}");
    server.kit().start_again().unwrap();
    pg.append_line(&LogLine::Run(run_record("g-3", "production", 2, 1.0)))
        .unwrap();
    assert_eq!(
        server
            .database()
            .psql("SELECT string_agg(run_id, ',' ORDER BY seq) FROM release_records"),
        "g-1,g-3\n",
        "no part of g-2"
    );
}

#[test]
fn a_nul_in_a_record_is_stored_as_a_replacement_character_not_refused() {
    let server = server();
    let database = server.database();
    let pg = store(&database);
    let mut record = run_record("g-\0-1", "production", 0, 1.0);
    record.summary_path = Some("out\0put.json".to_owned());
    pg.append_line(&LogLine::Run(record)).unwrap();
    let mut found = Vec::new();
    pg.oldest_first(&LineFilter::all(), &mut |_, entry| {
        if let LogEntry::Run(r) = entry {
            found.push((r.run_id, r.summary_path));
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(
        found,
        [(
            "g-\u{fffd}-1".to_owned(),
            Some("out\u{fffd}put.json".to_owned())
        )]
    );
}

#[test]
fn a_lock_taken_by_two_threads_of_one_process_at_once_is_held_by_one() {
    let server = server();
    let database = server.database();
    let pg = store(&database);
    let results: Vec<bool> = std::thread::scope(|scope| {
        let takers: Vec<_> = (0..4)
            .map(|n| {
                let pg = &pg;
                scope.spawn(move || {
                    pg.lock("acme", "production", holder(&format!("r-{n}")))
                        .map(|lock| {
                            std::thread::sleep(Duration::from_millis(300));
                            drop(lock);
                        })
                        .is_ok()
                })
            })
            .collect();
        takers.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|ok| **ok).count(), 1, "{results:?}");
    assert_eq!(
        pg.lock_holder("acme", "production").unwrap(),
        None,
        "released whole"
    );
    assert_eq!(
        database.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"),
        "0\n"
    );
}
