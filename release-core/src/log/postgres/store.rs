//! The PostgreSQL release store.

use std::ops::ControlFlow;

use super::url::PostgresUrl;
use crate::log::env_lock::{EnvironmentLock, LockError, LockHolder};
use crate::log::file::{LogEntry, ReadBack};
use crate::log::record::LogLine;
use crate::log::store::{LineFilter, ReleaseStore, StoreError};

/// The release store in a PostgreSQL database, connected on first use.
#[derive(Debug)]
pub struct PostgresStore {
    url: PostgresUrl,
}

impl PostgresStore {
    /// The store at `url`; nothing is connected until it is used.
    pub fn new(url: PostgresUrl) -> Self {
        Self { url }
    }

    fn unavailable(&self, action: &'static str) -> StoreError {
        StoreError::Database {
            location: self.location(),
            action,
            reason: "the PostgreSQL store is being built".to_owned(),
        }
    }
}

impl ReleaseStore for PostgresStore {
    fn location(&self) -> String {
        format!("release store {}", self.url)
    }

    fn check(&self) -> Result<(), StoreError> {
        Err(self.unavailable("connect to"))
    }

    fn append_line(&self, _line: &LogLine) -> Result<(), StoreError> {
        Err(self.unavailable("append to"))
    }

    fn newest_first(
        &self,
        _filter: &LineFilter,
        _look_back: u64,
        _visit: &mut dyn FnMut(LogEntry) -> ControlFlow<()>,
    ) -> Result<ReadBack, StoreError> {
        Err(self.unavailable("read"))
    }

    fn oldest_first(
        &self,
        _filter: &LineFilter,
        _visit: &mut dyn FnMut(usize, LogEntry) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        Err(self.unavailable("read"))
    }

    fn lock(
        &self,
        _plan: &str,
        _environment: &str,
        _holder: LockHolder,
    ) -> Result<EnvironmentLock, LockError> {
        Err(LockError::Store(Box::new(self.unavailable("lock"))))
    }

    fn lock_holder(
        &self,
        _plan: &str,
        _environment: &str,
    ) -> Result<Option<LockHolder>, LockError> {
        Err(LockError::Store(Box::new(self.unavailable("read"))))
    }
}
