//! The PostgreSQL release store: each line one row (its JSON document and the columns reads
//! select on), appended in one statement (so in one transaction: a cut connection leaves no
//! part of a record), read back newest or oldest first a page at a time.

use std::ops::ControlFlow;
use std::sync::Arc;

use tokio_postgres::types::ToSql;

use super::lock;
use super::session::{Failure, Session};
use super::url::PostgresUrl;
use crate::log::env_lock::{EnvironmentLock, LockError, LockHolder};
use crate::log::file::{LogEntry, MAX_LINE_BYTES, ReadBack, parse_entry, too_long_row};
use crate::log::record::LogLine;
use crate::log::store::{Imported, LineFilter, LineKind, ReleaseStore, StoreError};

/// Rows fetched by a read's first round trip (a baseline is usually in it); each next page is
/// twice as long, up to [`MAX_PAGE_ROWS`], so a read that goes far back takes few round trips.
const PAGE_ROWS: i64 = 32;
const MAX_PAGE_ROWS: i64 = 8192;
/// About how many bytes of documents a page may hold: the next page's length is cut to fit
/// what the last one's rows weighed, so memory stays bounded however large the rows are.
const PAGE_BYTES: u64 = 8 * 1024 * 1024;

/// Lines sent per transaction by an import.
const IMPORT_BATCH: usize = 500;

/// The release store in a PostgreSQL database, connected on first use; see the module
/// `log::postgres`.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    session: Arc<Session>,
}

impl PostgresStore {
    /// The store at `url`; nothing is connected until it is used.
    pub fn new(url: PostgresUrl) -> Self {
        Self {
            session: Arc::new(Session::new(url)),
        }
    }

    /// Its URL.
    pub fn url(&self) -> &PostgresUrl {
        self.session.url()
    }

    fn page(
        &self,
        filter: &LineFilter,
        newest_first: bool,
        after: Option<i64>,
        rows: i64,
    ) -> Result<Vec<(i64, Option<String>)>, StoreError> {
        let query = PageQuery::new(filter, newest_first, after, rows);
        self.session.run("read", move |client| async move {
            let params: Vec<&(dyn ToSql + Sync)> = query.params();
            let rows = client.query(&query.sql, &params).await?;
            Ok(rows
                .iter()
                .map(|row| (row.get::<_, i64>(0), row.get::<_, Option<String>>(1)))
                .collect())
        })
    }
}

/// One page's query, its conditions only those the filter sets (a catch-all `$1 IS NULL OR`
/// would keep the planner off the indexes). Several kinds are one ordered index scan each,
/// merged: with `kind = ANY(…)` the planner cannot read `(environment, kind, seq)` in `seq`
/// order and walks the whole table backwards instead when few rows match (a million rows,
/// no freeze: 300 ms instead of 1 ms).
struct PageQuery {
    sql: String,
    kinds: Vec<String>,
    environment: Option<String>,
    run_id: Option<String>,
    after: Option<i64>,
}

impl PageQuery {
    fn new(filter: &LineFilter, newest_first: bool, after: Option<i64>, rows: i64) -> Self {
        let kinds: Vec<String> = filter.kind_names().into_iter().map(str::to_owned).collect();
        // Parameters: the kinds first ($1…$k), then environment, run id, position.
        let mut n = kinds.len();
        let mut next = || {
            n += 1;
            n
        };
        let mut shared = Vec::new();
        if filter.environment.is_some() {
            shared.push(format!("environment = ${}", next()));
        }
        if filter.run_id.is_some() {
            shared.push(format!("run_id = ${}", next()));
        }
        if after.is_some() {
            let op = if newest_first { "<" } else { ">" };
            shared.push(format!("seq {op} ${}", next()));
        }
        let order = if newest_first { "seq DESC" } else { "seq" };
        let select = |kind: Option<usize>| {
            let mut conditions = Vec::new();
            if let Some(k) = kind {
                conditions.push(format!("kind = ${k}"));
            }
            conditions.extend(shared.iter().cloned());
            let mut sql = "SELECT seq, document FROM release_records".to_owned();
            if !conditions.is_empty() {
                sql.push_str(" WHERE ");
                sql.push_str(&conditions.join(" AND "));
            }
            format!("{sql} ORDER BY {order} LIMIT {rows}")
        };
        let page = match kinds.len() {
            0 => select(None),
            1 => select(Some(1)),
            count => {
                let parts: Vec<String> = (1..=count)
                    .map(|k| format!("({})", select(Some(k))))
                    .collect();
                format!(
                    "SELECT seq, document FROM ({}) AS kinds ORDER BY {order} LIMIT {rows}",
                    parts.join(" UNION ALL ")
                )
            }
        };
        // Each document made text once; one too long to be a line comes back NULL.
        let sql = format!(
            "SELECT seq, CASE WHEN octet_length(text) <= {MAX_LINE_BYTES} THEN text END \
             FROM (SELECT seq, document::text AS text FROM ({page}) AS page) AS texts \
             ORDER BY {order}"
        );
        Self {
            sql,
            kinds,
            environment: filter.environment.clone(),
            run_id: filter.run_id.clone(),
            after,
        }
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
        for kind in &self.kinds {
            params.push(kind);
        }
        if let Some(environment) = &self.environment {
            params.push(environment);
        }
        if let Some(run_id) = &self.run_id {
            params.push(run_id);
        }
        if let Some(after) = &self.after {
            params.push(after);
        }
        params
    }
}

/// A line as a row: its columns and its document.
struct Row {
    kind: String,
    environment: Option<String>,
    run_id: Option<String>,
    recorded_at: Option<String>,
    outcome: Option<String>,
    document: String,
}

impl Row {
    /// The parameters of [`INSERT`], in its order.
    fn params(&self) -> [&(dyn ToSql + Sync); 6] {
        [
            &self.kind,
            &self.environment,
            &self.run_id,
            &self.recorded_at,
            &self.outcome,
            &self.document,
        ]
    }

    fn of(line: &LogLine) -> Result<Self, serde_json::Error> {
        let mut value = serde_json::to_value(line)?;
        // PostgreSQL's jsonb cannot hold U+0000 (`\u0000`); a NUL that reached a record
        // (an upstream's text) is kept as U+FFFD rather than failing the append.
        without_nul(&mut value);
        let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        let kind = match line {
            LogLine::Freeze(_) => text("kind").unwrap_or_else(|| "freeze".to_owned()),
            other => LineKind::of_line(other).names()[0].to_owned(),
        };
        Ok(Self {
            kind,
            environment: text("environment"),
            run_id: text("run_id"),
            recorded_at: text("recorded_at"),
            outcome: text("outcome")
                .or_else(|| text("decision"))
                .or_else(|| text("status")),
            document: serde_json::to_string(&value)?,
        })
    }
}

/// Replaces U+0000 in every string and key of `value` with U+FFFD.
fn without_nul(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) if text.contains('\0') => {
            *text = text.replace('\0', "\u{fffd}");
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(without_nul),
        serde_json::Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                without_nul(&mut item);
                map.insert(key.replace('\0', "\u{fffd}"), item);
            }
        }
        _ => {}
    }
}

const INSERT: &str = "INSERT INTO release_records
        (kind, environment, run_id, recorded_at, outcome, document)
    VALUES ($1, $2, $3, $4::text::timestamptz, $5, $6::text::jsonb)
    ON CONFLICT DO NOTHING";

impl ReleaseStore for PostgresStore {
    fn location(&self) -> String {
        self.session.location()
    }

    fn check(&self) -> Result<(), StoreError> {
        self.session.run("connect to", |_| async { Ok(()) })
    }

    fn append_line(&self, line: &LogLine) -> Result<(), StoreError> {
        let row = Row::of(line).map_err(|e| StoreError::Database {
            location: self.location(),
            action: "append to",
            reason: format!("the record cannot be written as JSON: {e}"),
        })?;
        self.session.run("append to", move |client| async move {
            client.execute(INSERT, &row.params()).await?;
            Ok(())
        })
    }

    fn newest_first(
        &self,
        filter: &LineFilter,
        look_back: u64,
        visit: &mut dyn FnMut(LogEntry) -> ControlFlow<()>,
    ) -> Result<ReadBack, StoreError> {
        let mut after = None;
        let mut rows = PAGE_ROWS;
        let mut read: u64 = 0;
        loop {
            let page = self.page(filter, true, after, rows)?;
            let full = page.len() as i64 == rows;
            rows = next_page_rows(rows, &page);
            for (seq, document) in page {
                after = Some(seq);
                read = read.saturating_add(document.as_ref().map_or(0, String::len) as u64 + 1);
                if read > look_back {
                    return Ok(ReadBack::LimitReached { bytes: read });
                }
                if let Some(entry) = entry(seq, document.as_deref())
                    && filter.wants(&entry)
                    && visit(entry).is_break()
                {
                    return Ok(ReadBack::Found);
                }
            }
            if !full {
                return Ok(ReadBack::WholeLog);
            }
        }
    }

    fn oldest_first(
        &self,
        filter: &LineFilter,
        visit: &mut dyn FnMut(usize, LogEntry) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let mut after = None;
        let mut rows = PAGE_ROWS;
        loop {
            let page = self.page(filter, false, after, rows)?;
            let full = page.len() as i64 == rows;
            rows = next_page_rows(rows, &page);
            for (seq, document) in page {
                after = Some(seq);
                if let Some(entry) = entry(seq, document.as_deref())
                    && filter.wants(&entry)
                    && visit(usize::try_from(seq).unwrap_or(usize::MAX), entry).is_break()
                {
                    return Ok(());
                }
            }
            if !full {
                return Ok(());
            }
        }
    }

    fn import(&self, lines: &[LogLine]) -> Result<Imported, StoreError> {
        let mut imported = Imported::default();
        for batch in lines.chunks(IMPORT_BATCH) {
            let rows = batch
                .iter()
                .map(Row::of)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::Database {
                    location: self.location(),
                    action: "import into",
                    reason: format!("a record cannot be written as JSON: {e}"),
                })?;
            let count = rows.len();
            let added = self.session.run("import into", move |client| async move {
                client.batch_execute("BEGIN").await?;
                let inserted = insert_all(&client, &rows).await;
                let end = if inserted.is_ok() {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                };
                let ended = client.batch_execute(end).await;
                let added = inserted?;
                ended?;
                Ok(added)
            })?;
            imported.added += added;
            imported.already_present += count - added;
        }
        Ok(imported)
    }

    fn lock(
        &self,
        plan: &str,
        environment: &str,
        holder: LockHolder,
    ) -> Result<EnvironmentLock, LockError> {
        lock::take(&self.session, plan, environment, holder)
    }

    fn lock_holder(&self, plan: &str, environment: &str) -> Result<Option<LockHolder>, LockError> {
        lock::holder(&self.session, plan, environment)
    }
}

async fn insert_all(client: &tokio_postgres::Client, rows: &[Row]) -> Result<usize, Failure> {
    let statement = client.prepare(INSERT).await?;
    let mut added = 0;
    for row in rows {
        added += client.execute(&statement, &row.params()).await? as usize;
    }
    Ok(added)
}

/// The next page's length: twice the last, cut to about [`PAGE_BYTES`] at the last page's
/// bytes per row.
fn next_page_rows(rows: i64, page: &[(i64, Option<String>)]) -> i64 {
    let bytes: u64 = page
        .iter()
        .map(|(_, document)| document.as_ref().map_or(1024 * 1024, String::len) as u64 + 1)
        .sum();
    let per_row = (bytes / page.len().max(1) as u64).max(1);
    let fits = i64::try_from(PAGE_BYTES / per_row).unwrap_or(MAX_PAGE_ROWS);
    (rows * 2).min(MAX_PAGE_ROWS).min(fits).max(16)
}

/// A row's document read as a line would be; a malformed one (written by someone else) is a
/// problem naming its row, and one too long to fetch (`None`) is reported as such.
fn entry(seq: i64, document: Option<&str>) -> Option<LogEntry> {
    let Some(document) = document else {
        return Some(too_long_row(usize::try_from(seq).unwrap_or(usize::MAX)));
    };
    parse_entry(
        document.as_bytes(),
        true,
        usize::try_from(seq).unwrap_or(usize::MAX),
        false,
        true,
    )
}
