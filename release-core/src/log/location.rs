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
    /// Anything else that looks like a URL (`postgress://…`, `pg://…`, `postgres:/…`) is
    /// refused: read as a path, a typo would write the log to a file on an ephemeral runner
    /// and every run would pass without sharing anything.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        if PostgresUrl::is_url(text) {
            Ok(Self::Postgres(PostgresUrl::parse(text)?))
        } else if let Some(scheme) = url_like(text) {
            Err(StoreError::Database {
                location: "release store".to_owned(),
                action: "read the location of",
                reason: format!(
                    "`{}:` is not a store this release knows: the log is a file path or a \
                     postgres:// (postgresql://) URL",
                    crate::text::clip(&scheme)
                ),
            })
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

/// The scheme of a value that looks like a URL (`word://`, or `postgres:` / `postgresql:`
/// without the slashes); `None` for a path (a Windows drive letter `C:` included).
fn url_like(text: &str) -> Option<String> {
    let text = text.trim_start();
    let (scheme, rest) = text.split_once(':')?;
    let is_scheme = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let postgres = matches!(
        scheme.to_ascii_lowercase().as_str(),
        "postgres" | "postgresql"
    );
    (is_scheme && (rest.starts_with("//") || postgres)).then(|| scheme.to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_of_another_scheme_or_a_misspelt_one_is_refused_and_paths_are_paths() {
        for refused in [
            "postgress://u:canary@db/release",
            "pg://u:canary@db/release",
            "postgres:/u:canary@db/release",
            "postgresql:u:canary@db",
            "https://db.example/release",
            "mysql://u:canary@db/release",
        ] {
            let error = StoreLocation::parse(refused).unwrap_err().to_string();
            assert!(
                error.contains("is not a store this release knows"),
                "{refused}: {error}"
            );
            assert!(!error.contains("canary"), "{refused}: {error}");
        }
        for path in [
            "artifacts/release/release-log.jsonl",
            "/var/lib/release/log.jsonl",
            "C:\\release\\log.jsonl",
            "logs/release:2026.jsonl",
            "./postgres",
        ] {
            assert!(
                matches!(StoreLocation::parse(path), Ok(StoreLocation::File(_))),
                "{path}"
            );
        }
    }
}
