//! The one connection a process keeps to the database, driven by a runtime of its own.
//!
//! The store's interface is synchronous, like the file's (which blocks on `flock` and
//! `fsync`), and is called from inside the CLI's tokio runtime, where blocking on another
//! future of the same runtime could deadlock and `block_on` panics. So the connection lives on
//! a one-thread runtime owned by the store; each call sends its work there and waits for the
//! answer. Calls are taken one at a time: a migration's transaction must not interleave with
//! another call's statements on the same connection.
//!
//! A connection that breaks is replaced on the next call, unless it held an environment's lock:
//! the server freed that lock with the session, so carrying on would be running unlocked.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio_postgres::Client;

use super::schema;
use super::tls;
use super::url::PostgresUrl;
use crate::log::store::StoreError;

/// Why a call failed, before it is put in the store's words.
#[derive(Debug)]
pub(super) enum Failure {
    /// The driver or the server said no.
    Driver(tokio_postgres::Error),
    /// Something else, already in words.
    Store(StoreError),
    /// No answer in time.
    TimedOut(Duration),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(error: tokio_postgres::Error) -> Self {
        Self::Driver(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// The connection and what it holds.
#[derive(Default)]
struct State {
    client: Option<Arc<Client>>,
    /// Advisory lock keys this session holds.
    locks: Vec<i64>,
    /// Keys a thread of this process is taking right now.
    claimed: Vec<i64>,
    /// Set when a connection holding locks broke: every later call fails.
    lost_locks: bool,
}

/// A connection to the store's database, made on first use.
pub(super) struct Session {
    url: PostgresUrl,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(super) fn new(url: PostgresUrl) -> Self {
        Self {
            url,
            runtime: Mutex::new(None),
            state: Mutex::new(State::default()),
        }
    }

    pub(super) fn url(&self) -> &PostgresUrl {
        &self.url
    }

    pub(super) fn location(&self) -> String {
        format!("release store {}", self.url)
    }

    /// Runs `work` on the connection (made first when there is none), one call at a time,
    /// bounded by the statement timeout and a margin.
    pub(super) fn run<T, F, Fut>(&self, action: &'static str, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Arc<Client>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, Failure>> + Send + 'static,
    {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let client = self.client(&mut state, action)?;
        let limit = self.url.statement_timeout + Duration::from_secs(5);
        let answer = self.block(action, async move {
            match tokio::time::timeout(limit, work(client)).await {
                Ok(answer) => answer,
                Err(_) => Err(Failure::TimedOut(limit)),
            }
        })?;
        answer.map_err(|failure| {
            let broken = matches!(failure, Failure::TimedOut(_))
                || state.client.as_ref().is_some_and(|c| c.is_closed());
            if broken {
                self.forget(&mut state);
            }
            self.error(action, failure, &state)
        })
    }

    /// Claims `key` for a take by this thread; `false` when this process holds it or is
    /// taking it already.
    pub(super) fn claim(&self, key: i64) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.locks.contains(&key) || state.claimed.contains(&key) {
            return false;
        }
        state.claimed.push(key);
        true
    }

    /// Gives up a claim whose take failed.
    pub(super) fn unclaim(&self, key: i64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.claimed.retain(|k| *k != key);
    }

    /// Remembers that the session holds `key` (its claim fulfilled).
    pub(super) fn held(&self, key: i64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.claimed.retain(|k| *k != key);
        state.locks.push(key);
    }

    /// Forgets `key` (it was released).
    pub(super) fn released(&self, key: i64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = state.locks.iter().position(|k| *k == key) {
            state.locks.remove(at);
        }
    }

    fn forget(&self, state: &mut State) {
        state.client = None;
        if !state.locks.is_empty() {
            state.lost_locks = true;
            state.locks.clear();
        }
    }

    fn client(&self, state: &mut State, action: &'static str) -> Result<Arc<Client>, StoreError> {
        if state.lost_locks {
            return Err(self.lost(action));
        }
        if let Some(client) = state.client.as_ref().filter(|c| !c.is_closed()) {
            return Ok(client.clone());
        }
        if state.client.take().is_some() {
            self.forget(state);
            if state.lost_locks {
                return Err(self.lost(action));
            }
        }
        let url = self.url.clone();
        let limit = url.connect_timeout;
        let connected = self
            .block("connect to", async move {
                match tokio::time::timeout(limit, connect(url)).await {
                    Ok(connected) => connected,
                    Err(_) => Err(Failure::TimedOut(limit)),
                }
            })?
            .map_err(|failure| self.error("connect to", failure, state))?;
        let client = Arc::new(connected);
        state.client = Some(client.clone());
        Ok(client)
    }

    fn lost(&self, action: &'static str) -> StoreError {
        StoreError::Database {
            location: self.location(),
            action,
            reason: "the connection that held the environment's lock was lost, and the server \
                     freed the lock with it; stopping rather than carrying on unlocked"
                .to_owned(),
        }
    }

    fn error(&self, action: &'static str, failure: Failure, state: &State) -> StoreError {
        let reason = match failure {
            Failure::Store(error) => return error,
            Failure::TimedOut(limit) => format!(
                "no answer within {} s (the database or the network is stuck)",
                limit.as_secs()
            ),
            Failure::Driver(error) => describe(&error),
        };
        let reason = if state.lost_locks {
            format!("{reason}; the connection held the environment's lock, which the server freed")
        } else {
            reason
        };
        StoreError::Database {
            location: self.location(),
            action,
            reason: self.without_secrets(reason),
        }
    }

    /// The driver's words never hold the password; this makes sure of it.
    fn without_secrets(&self, mut text: String) -> String {
        for secret in self.url.secrets() {
            if !secret.is_empty() {
                text = text.replace(&secret, "[REDACTED]");
            }
        }
        text
    }

    /// Runs `future` on the session's runtime and waits for it.
    fn block<T: Send + 'static>(
        &self,
        action: &'static str,
        future: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        {
            let mut runtime = self.runtime.lock().unwrap_or_else(PoisonError::into_inner);
            if runtime.is_none() {
                *runtime = Some(
                    tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(1)
                        .thread_name("release-store")
                        .enable_all()
                        .build()
                        .map_err(|e| StoreError::Database {
                            location: self.location(),
                            action,
                            reason: format!("cannot start its connection's thread: {e}"),
                        })?,
                );
            }
            if let Some(runtime) = runtime.as_ref() {
                runtime.spawn(async move {
                    let _ = tx.send(future.await);
                });
            }
        }
        rx.recv().map_err(|_| StoreError::Database {
            location: self.location(),
            action,
            reason: "its connection's thread stopped".to_owned(),
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Dropping a runtime inside another's context panics; closing the connection in the
        // background frees the session's locks on the server all the same.
        let runtime = self
            .runtime
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(runtime) = runtime {
            runtime.shutdown_background();
        }
    }
}

/// Connects, sets the session's timeouts and brings the schema up to date. The server's own
/// keepalives matter most: a runner whose machine vanishes (no FIN, no RST) would otherwise
/// hold its environment's lock for the server's default of two hours; with these the server
/// drops the session, and the lock, within about 25 seconds.
async fn connect(url: PostgresUrl) -> Result<Client, Failure> {
    let config = url.config()?;
    let tls = tls::connector(&url)?;
    let (client, connection) = config.connect(tls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "release store connection ended");
        }
    });
    let statement_ms = url.statement_timeout.as_millis();
    client
        .batch_execute(&format!(
            "SET statement_timeout = {statement_ms}; SET lock_timeout = {statement_ms}; \
             SET idle_in_transaction_session_timeout = {statement_ms}; \
             SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; \
             SET tcp_keepalives_count = 3"
        ))
        .await?;
    schema::migrate(&client, &url).await?;
    Ok(client)
}

/// The driver's error in words: the server's message and detail for a database error.
pub(super) fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{}: {}", db.severity(), db.message());
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            text
        }
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                let cause = cause.to_string();
                if !text.contains(&cause) {
                    text.push_str(&format!(": {cause}"));
                }
                source = cause_of(source);
            }
            text
        }
    }
}

fn cause_of<'a>(
    error: Option<&'a (dyn std::error::Error + 'static)>,
) -> Option<&'a (dyn std::error::Error + 'static)> {
    error.and_then(std::error::Error::source)
}
