//! The store's tables, created and migrated by the tool on first use: each migration in one
//! transaction, under a transaction-level advisory lock so two first runs cannot race, its
//! version recorded in `release_schema`. A database whose schema is newer than this release
//! knows is refused rather than written to. The tables are described in
//! `docs/postgres-store.md`.

use tokio_postgres::Client;

use super::session::Failure;
use super::url::PostgresUrl;
use crate::log::store::StoreError;

/// The newest schema version this release knows.
pub const SCHEMA_VERSION: i32 = 1;

/// The advisory lock key migrations take (`pg_advisory_xact_lock`), a constant every release
/// shares.
const MIGRATION_KEY: i64 = 0x7265_6c65_6173_6531; // "release1"

/// Migration `n` brings the schema from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: records (the JSON document plus the columns queries select on), the lock holders.
    "CREATE TABLE release_records (
        seq         bigserial   PRIMARY KEY,
        kind        text        NOT NULL,
        environment text,
        run_id      text,
        recorded_at timestamptz,
        outcome     text,
        document    jsonb       NOT NULL
    );
    CREATE UNIQUE INDEX release_records_once
        ON release_records (kind, (coalesce(run_id, '')), (md5(document::text)));
    CREATE INDEX release_records_newest ON release_records (environment, kind, seq DESC);
    CREATE INDEX release_records_kind ON release_records (kind, seq DESC);
    CREATE INDEX release_records_of_run ON release_records (run_id, seq);
    CREATE TABLE release_lock_holders (
        plan        text        NOT NULL,
        environment text        NOT NULL,
        lock_key    bigint      NOT NULL,
        host        text        NOT NULL,
        pid         bigint      NOT NULL,
        run_id      text        NOT NULL,
        since       timestamptz NOT NULL,
        PRIMARY KEY (plan, environment)
    );
    CREATE VIEW release_freezes AS
        SELECT seq, environment, kind, recorded_at,
               document->>'by' AS by, document->>'reason' AS reason, run_id
        FROM release_records
        WHERE kind IN ('freeze', 'unfreeze');",
];

/// Brings the schema to [`SCHEMA_VERSION`], or refuses a newer one.
pub(super) async fn migrate(client: &Client, url: &PostgresUrl) -> Result<(), Failure> {
    // The usual case, without a lock: the schema is current.
    if let Ok(row) = client
        .query_one("SELECT max(version) FROM release_schema", &[])
        .await
    {
        let found: Option<i32> = row.get(0);
        if found == Some(SCHEMA_VERSION) {
            return Ok(());
        }
    }
    client.batch_execute("BEGIN").await?;
    let migrated = migrate_locked(client, url).await;
    let end = if migrated.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    let ended = client.batch_execute(end).await;
    migrated?;
    ended?;
    Ok(())
}

async fn migrate_locked(client: &Client, url: &PostgresUrl) -> Result<(), Failure> {
    client
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_KEY])
        .await?;
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS release_schema (
                version     integer     PRIMARY KEY,
                migrated_at timestamptz NOT NULL DEFAULT now(),
                tool        text        NOT NULL
            )",
        )
        .await?;
    let row = client
        .query_one("SELECT coalesce(max(version), 0) FROM release_schema", &[])
        .await?;
    let found: i32 = row.get(0);
    if found > SCHEMA_VERSION {
        return Err(Failure::Store(StoreError::SchemaTooNew {
            location: format!("release store {url}"),
            found,
            supported: SCHEMA_VERSION,
        }));
    }
    let tool = format!("release {}", crate::log::journal::TOOL_VERSION);
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let to = i32::try_from(from + 1).unwrap_or(i32::MAX);
        client.batch_execute(migration).await?;
        client
            .execute(
                "INSERT INTO release_schema (version, tool) VALUES ($1, $2)",
                &[&to, &tool],
            )
            .await?;
        tracing::info!(store = %url, version = to, "release store schema migrated");
    }
    Ok(())
}
