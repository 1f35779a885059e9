//! Benchmarks (issue 15) of the PostgreSQL release store, against a private PostgreSQL on
//! loopback (`release_testkit::PrivatePostgres`) holding 1,000,000 records:
//!
//! 1. **Append latency**: `append_line` of a run record, 1,000 times (targets: p50 and p99 at
//!    most 5 ms).
//! 2. **Baseline lookup**: the newest `production` run's measurement, as `BaselineSearch` reads
//!    it (`newest_runs_first` with the environment), 200 times (target at most 20 ms). Also the
//!    other reads a rollout makes before it starts (`freeze_state`, `last_rollout`), and the
//!    worst case: a measurement no record holds, read back to the look-back limit.
//! 3. **Connecting**: a new store's first call (connect, session settings, schema check), what
//!    each `release` process pays once.
//!
//! The million rows: 2% `production` gate runs, the rest other environments' runs, rollout
//! steps and decisions, generated in the server by one `INSERT … SELECT`.
//!
//! Run it with `cargo bench -p release-core --bench postgres_store`.

use std::error::Error;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use release_core::log::postgres::{PostgresStore, PostgresUrl};
use release_core::log::{LOOK_BACK_BYTES, LogLine, LogRecord, ReleaseStore};
use release_testkit::PrivatePostgres;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const RECORDS: i64 = 1_000_000;

fn main() -> Result<()> {
    // Durable (`fsync` on), as a real database commits; the test kit's default is off.
    let server = PrivatePostgres::builder().durable().start()?;
    let url = PostgresUrl::parse(&server.url())?;
    let store = PostgresStore::new(url.clone());
    store.check()?;
    let loading = Instant::now();
    server.psql(&format!(
        "INSERT INTO release_records (kind, environment, run_id, recorded_at, outcome, document)
         SELECT kind, environment, 'r-' || i, at::timestamptz, outcome,
                CASE WHEN kind = 'run' THEN jsonb_build_object(
                    'schema_version', 1, 'run_id', 'r-' || i, 'recorded_at', at,
                    'phase', 'launch-gate', 'environment', environment, 'strict', true,
                    'outcome', 'passed',
                    'counts', jsonb_build_object('pass', 12, 'warn', 0, 'fail', 0,
                        'inconclusive', 0, 'error', 0, 'skipped', 0),
                    'tool_version', '0.1.0',
                    'measurements', jsonb_build_object('api-latency.p95_ms', i % 200,
                        'checkout.error_ratio', 0.001, 'db.stale_sessions', i % 7))
                ELSE jsonb_build_object('schema_version', 1, 'kind', kind,
                    'run_id', 'r-' || i, 'recorded_at', at, 'environment', environment,
                    'step_id', 'deploy-api', 'step_kind', 'deploy', 'event', 'end',
                    'status', 'done', 'tool_version', '0.1.0') END
         FROM (SELECT i,
                      CASE WHEN i % 50 = 0 THEN 'run' WHEN i % 3 = 0 THEN 'run'
                           ELSE 'rollout-step' END AS kind,
                      CASE WHEN i % 50 = 0 THEN 'production'
                           ELSE 'preview-' || (i % 40) END AS environment,
                      to_char(timestamptz '2026-01-01' + i * interval '1 second',
                              'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at,
                      'passed' AS outcome
               FROM generate_series(1, {RECORDS}) AS i) AS generated"
    ));
    // As autovacuum would leave it: hint bits set, statistics current.
    server.psql("VACUUM (ANALYZE) release_records");
    println!(
        "loaded {RECORDS} records in {:.1} s ({} in production)",
        loading.elapsed().as_secs_f64(),
        RECORDS / 50
    );

    // 1. Appends.
    let line = LogLine::Run(serde_json::from_value::<LogRecord>(serde_json::json!({
        "schema_version": 1, "run_id": "bench", "recorded_at": "2026-12-04T10:00:00Z",
        "phase": "launch-gate", "environment": "production", "strict": true,
        "outcome": "passed",
        "counts": {"pass": 12, "warn": 0, "fail": 0, "inconclusive": 0, "error": 0, "skipped": 0},
        "tool_version": "0.1.0", "measurements": {"api-latency.p95_ms": 120.0}
    }))?);
    let mut appends = Vec::new();
    for n in 0..1_000 {
        let mut line = line.clone();
        if let LogLine::Run(record) = &mut line {
            record.run_id = format!("bench-{n}");
        }
        let started = Instant::now();
        store.append_line(&line)?;
        appends.push(started.elapsed());
    }
    report("append_line (1,000 appends)", &mut appends, "5 ms");

    // 2. Reads a run or a rollout makes before it starts.
    let mut lookups = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let mut found = None;
        store.newest_runs_first(Some("production"), LOOK_BACK_BYTES, false, &mut |record| {
            found = record.measurements.get("api-latency.p95_ms").copied();
            if found.is_some() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        lookups.push(started.elapsed());
        if found.is_none() {
            return Err("no baseline found".into());
        }
    }
    report(
        "baseline lookup (newest production run)",
        &mut lookups,
        "20 ms",
    );

    let mut freezes = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        store.freeze_state("production")?;
        store.last_rollout("production")?;
        freezes.push(started.elapsed());
    }
    report("freeze_state + last_rollout (none held)", &mut freezes, "-");

    let mut misses = Vec::new();
    let mut read = None;
    for _ in 0..5 {
        let started = Instant::now();
        read = Some(
            store
                .newest_runs_first(Some("production"), LOOK_BACK_BYTES, false, &mut |record| {
                    if record.measurements.contains_key("no.such.measurement") {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })?
                .0,
        );
        misses.push(started.elapsed());
    }
    report(
        &format!("baseline that no record holds ({read:?})"),
        &mut misses,
        "-",
    );

    // 3. A process's first call.
    let mut connects = Vec::new();
    for _ in 0..20 {
        let fresh = PostgresStore::new(url.clone());
        let started = Instant::now();
        fresh.check()?;
        connects.push(started.elapsed());
    }
    report("connect + schema check (a new process)", &mut connects, "-");
    Ok(())
}

fn report(what: &str, times: &mut [Duration], target: &str) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{what}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (n = {}, target {target})",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        times.len()
    );
}
