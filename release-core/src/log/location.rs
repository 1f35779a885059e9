//! Where the release store is: a file path (the release log) or a PostgreSQL URL, from the
//! plan's `release.log` or `RELEASE_LOG_URL`.

use std::path::PathBuf;

use super::file::ReleaseLog;
use super::postgres::{PostgresStore, PostgresUrl};
use super::store::{ReleaseStore, StoreError};

/// The environment variable naming the store, over the plan's `release.log`: a URL carries
/// a password, which belongs in a CI secret rather than a committed plan.
pub const RELEASE_LOG_URL: &str = "RELEASE_LOG_URL";

/// Where the release store is.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A JSON Lines file (the default: `artifacts/release/release-log.jsonl`).
    File(PathBuf),
    /// A PostgreSQL database shared by CI runners.
    Postgres(PostgresUrl),
}

impl StoreLocation {
    /// A `postgres://` or `postgresql://` URL names a database; anything else is a path.
    /// A malformed URL is refused in words that never hold its password.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        if PostgresUrl::is_url(text) {
            Ok(Self::Postgres(PostgresUrl::parse(text)?))
        } else {
            Ok(Self::File(PathBuf::from(text)))
        }
    }

    /// Whether it is a database.
    pub fn is_database(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// What must never be printed: the URL's password, and the URL as written.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Self::File(_) => Vec::new(),
            Self::Postgres(url) => url.secrets(),
        }
    }

    /// Opens the store; a database is connected to when it is first used, so opening never
    /// waits and never fails.
    pub fn open(
        &self,
        cancel: Option<tokio_util::sync::CancellationToken>,
    ) -> Box<dyn ReleaseStore> {
        match self {
            Self::File(path) => {
                let log = ReleaseLog::new(path);
                Box::new(match cancel {
                    Some(cancel) => log.cancellation(cancel),
                    None => log,
                })
            }
            Self::Postgres(url) => Box::new(PostgresStore::new(url.clone())),
        }
    }
}

/// The path, or the URL without its password.
impl std::fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => write!(f, "{url}"),
        }
    }
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(url).finish(),
        }
    }
}
