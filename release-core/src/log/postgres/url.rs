//! A PostgreSQL URL as libpq reads it (`postgres://user:password@host:port/db?sslmode=…`), with
//! the TLS modes tokio-postgres does not parse (`verify-ca`, `verify-full`, `sslrootcert`) taken
//! out and kept here, and a form without the password for every message.

use std::path::PathBuf;
use std::time::Duration;

use crate::log::store::StoreError;

/// How a connection uses TLS, as libpq's `sslmode` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, without checking its certificate (libpq's default).
    Prefer,
    /// TLS or no connection, without checking the certificate (libpq's meaning).
    Require,
    /// TLS with a certificate signed by a trusted authority, whatever host it names.
    VerifyCa,
    /// TLS with a trusted certificate naming the host connected to: what a managed database
    /// reached over the internet should use.
    VerifyFull,
}

/// How long to wait for a connection before giving up: a black-holed address otherwise hangs
/// the release for the kernel's TCP timeout (minutes).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one statement may run, on the server (`statement_timeout`) and in the client (a
/// connection cut mid-answer never answers).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A PostgreSQL URL. Its `Display` and `Debug` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    /// The URL as given, less the parameters kept below: what tokio-postgres parses.
    driver_url: String,
    /// `scheme://user@host:port/db`.
    shown: String,
    password: Option<String>,
    written: String,
    /// The TLS mode.
    pub tls: TlsMode,
    /// `sslrootcert`: the PEM file of the authorities to trust instead of the system's.
    pub root_cert: Option<PathBuf>,
    /// `connect_timeout` (seconds) when given, else [`CONNECT_TIMEOUT`].
    pub connect_timeout: Duration,
    /// `statement_timeout` (milliseconds, as PostgreSQL counts it) when given, else
    /// [`STATEMENT_TIMEOUT`].
    pub statement_timeout: Duration,
}

impl PostgresUrl {
    /// Whether `text` is a PostgreSQL URL rather than a path.
    pub fn is_url(text: &str) -> bool {
        let lower = text.trim_start().to_ascii_lowercase();
        lower.starts_with("postgres://") || lower.starts_with("postgresql://")
    }

    /// Reads a URL; errors never quote it (it holds a password).
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let invalid = |reason: String| StoreError::Database {
            location: "release store (a PostgreSQL URL)".to_owned(),
            action: "read the URL of",
            reason,
        };
        let mut url = url::Url::parse(text.trim())
            .map_err(|e| invalid(format!("it is not a valid URL ({e})")))?;
        let mut tls = TlsMode::Prefer;
        let mut root_cert = None;
        let mut connect_timeout = CONNECT_TIMEOUT;
        let mut statement_timeout = STATEMENT_TIMEOUT;
        // Parameters the driver reads are handed on exactly as written: decoding and
        // re-encoding them would turn `%20` into `+`, which libpq's rules (and the driver's)
        // read as a plus sign.
        let mut kept: Vec<String> = Vec::new();
        let mut query_password = None;
        let raw_query = url.query().unwrap_or_default().to_owned();
        for piece in raw_query.split('&').filter(|piece| !piece.is_empty()) {
            let Some((key, value)) = url::form_urlencoded::parse(piece.as_bytes()).next() else {
                continue;
            };
            match key.as_ref() {
                "sslmode" => {
                    tls = match value.as_ref() {
                        "disable" => TlsMode::Disable,
                        "allow" | "prefer" => TlsMode::Prefer,
                        "require" => TlsMode::Require,
                        "verify-ca" => TlsMode::VerifyCa,
                        "verify-full" => TlsMode::VerifyFull,
                        other => {
                            return Err(invalid(format!(
                                "sslmode `{}` is not one of disable, prefer, require, verify-ca, verify-full",
                                crate::text::clip(other)
                            )));
                        }
                    }
                }
                "sslrootcert" => root_cert = Some(PathBuf::from(value.as_ref())),
                "connect_timeout" => {
                    connect_timeout = seconds(&value).ok_or_else(|| {
                        invalid(
                            "connect_timeout is not a whole number of seconds above 0".to_owned(),
                        )
                    })?;
                }
                "statement_timeout" => {
                    statement_timeout = value
                        .parse::<u64>()
                        .ok()
                        .filter(|ms| *ms > 0)
                        .map(Duration::from_millis)
                        .ok_or_else(|| {
                            invalid(
                                "statement_timeout is not a whole number of milliseconds above 0"
                                    .to_owned(),
                            )
                        })?;
                }
                "password" => {
                    query_password = Some(value.into_owned());
                    kept.push(piece.to_owned());
                }
                _ => kept.push(piece.to_owned()),
            }
        }
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.set_query(Some(&kept.join("&")));
        }
        // With an authority to trust, libpq checks the issuer even under `require`.
        if root_cert.is_some() && matches!(tls, TlsMode::Prefer | TlsMode::Require) {
            tls = TlsMode::VerifyCa;
        }
        let password = url
            .password()
            .map(percent_decode)
            .or(query_password)
            .filter(|p| !p.is_empty());
        let driver_url = url.to_string();
        // tokio-postgres reads the rest; its errors name the parameter, never the value.
        driver_url
            .parse::<tokio_postgres::Config>()
            .map_err(|e| invalid(format!("it is not a PostgreSQL URL ({e})")))?;
        let mut shown = url.clone();
        let _ = shown.set_password(None);
        shown.set_query(None);
        shown.set_fragment(None);
        Ok(Self {
            driver_url,
            shown: shown.to_string(),
            password,
            written: text.to_owned(),
            tls,
            root_cert,
            connect_timeout,
            statement_timeout,
        })
    }

    /// The driver's settings (TLS aside).
    pub(super) fn config(&self) -> Result<tokio_postgres::Config, StoreError> {
        let mut config: tokio_postgres::Config =
            self.driver_url.parse().map_err(|e| StoreError::Database {
                location: self.to_string(),
                action: "read the URL of",
                reason: format!("it is not a PostgreSQL URL ({e})"),
            })?;
        config.connect_timeout(self.connect_timeout);
        if config.get_application_name().is_none() {
            config.application_name("release");
        }
        // A peer that vanishes (a runner killed, a network cut) is noticed in seconds, not
        // hours: the server then frees the lock the dead session held.
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(10));
        config.keepalives_interval(Duration::from_secs(5));
        config.keepalives_retries(3);
        config.ssl_mode(match self.tls {
            TlsMode::Disable => tokio_postgres::config::SslMode::Disable,
            TlsMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
        Ok(config)
    }

    /// What must never be printed: the password and the URL as written.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.written.clone(), self.written.trim().to_owned()];
        secrets.extend(self.password.clone());
        secrets.sort();
        secrets.dedup();
        secrets
    }
}

fn seconds(value: &str) -> Option<Duration> {
    value
        .parse::<u64>()
        .ok()
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| text.to_owned())
}

/// `postgres://user@host:port/db`: no password, no parameters.
impl std::fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresUrl")
            .field("url", &self.shown)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_kept_out_of_every_rendering() {
        let url = PostgresUrl::parse(
            "postgres://release:s3cr%40t-canary@db.example:6543/release?sslmode=verify-full&sslrootcert=/ca.pem",
        )
        .unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://release@db.example:6543/release"
        );
        assert!(!format!("{url:?}").contains("canary"));
        assert_eq!(url.tls, TlsMode::VerifyFull);
        assert_eq!(url.root_cert, Some(PathBuf::from("/ca.pem")));
        assert!(url.secrets().contains(&"s3cr@t-canary".to_owned()));
        let config = url.config().unwrap();
        assert_eq!(config.get_password(), Some("s3cr@t-canary".as_bytes()));
        assert_eq!(config.get_dbname(), Some("release"));
    }

    #[test]
    fn parameters_for_the_driver_are_handed_on_as_written() {
        let url = PostgresUrl::parse(
            "postgres://u@h/db?options=-c%20search_path%3Drel&sslmode=require&application_name=ci%2B1",
        )
        .unwrap();
        let config = url.config().unwrap();
        assert_eq!(config.get_options(), Some("-c search_path=rel"));
        assert_eq!(
            config.get_application_name(),
            Some("ci+1"),
            "the user's name is kept"
        );
        assert_eq!(url.tls, TlsMode::Require);
        let with_ca =
            PostgresUrl::parse("postgres://u@h/db?sslmode=require&sslrootcert=/ca.pem").unwrap();
        assert_eq!(
            with_ca.tls,
            TlsMode::VerifyCa,
            "libpq checks the issuer when given one"
        );
        let in_query = PostgresUrl::parse("postgres://u@h/db?password=canary-q").unwrap();
        assert!(in_query.secrets().contains(&"canary-q".to_owned()));
        assert_eq!(
            PostgresUrl::parse("postgres://u@h/db")
                .unwrap()
                .config()
                .unwrap()
                .get_application_name(),
            Some("release")
        );
    }

    #[test]
    fn a_bad_url_is_refused_without_quoting_it() {
        for bad in [
            "postgres://u:canary@[::1/db",
            "postgres://u:canary@h/db?sslmode=sometimes",
            "postgres://u:canary@h/db?connect_timeout=soon",
            "postgres://u:canary@h/db?statement_timeout=0",
            "postgres://u:canary@h/db?no_such_option=canary",
        ] {
            let err = PostgresUrl::parse(bad).unwrap_err().to_string();
            assert!(!err.contains("canary"), "{bad}: {err}");
            assert!(err.contains("URL"), "{bad}: {err}");
        }
    }
}
