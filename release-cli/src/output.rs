//! Where things go: reports to stdout, logs and errors to stderr.
//!
//! Secrets are kept out structurally, before anything is rendered (`Summary::redact`), so that
//! a coincidental match can never corrupt a JSON or XML document on its way out.

use std::io::{IsTerminal as _, Write as _};
use std::sync::{PoisonError, RwLock};

use release_core::Redactor;

use tracing_subscriber::EnvFilter;

use crate::cli::{ColorWhen, GlobalArgs};
use crate::error::CliError;

/// The run's secrets, hidden in every log line once the run's variables are known
/// ([`redact_logs`]): command output is redacted before it is logged, but a library's own
/// events (`RUST_LOG=trace`) are not ours to redact at the source.
static LOG_REDACTOR: RwLock<Option<Redactor>> = RwLock::new(None);

/// Hides these secrets in every log line from now on.
pub(crate) fn redact_logs(redactor: Redactor) {
    *LOG_REDACTOR.write().unwrap_or_else(PoisonError::into_inner) = Some(redactor);
}

/// One log event, written to stderr with the run's secrets replaced when it is dropped:
/// `tracing_subscriber` formats an event whole, then writes it through a fresh writer.
struct LogEvent(Vec<u8>);

impl std::io::Write for LogEvent {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogEvent {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let redactor = LOG_REDACTOR.read().unwrap_or_else(PoisonError::into_inner);
        match redactor.as_ref() {
            Some(redactor) => print_stderr(&redactor.redact(&text)),
            None => print_stderr(&text),
        }
    }
}

/// Logs go to stderr; `RUST_LOG` wins over `-v`/`-q`.
pub(crate) fn init_logging(global: &GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,release_core=debug,release_cli=debug",
        (false, _) => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LogEvent(Vec::new()))
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .try_init();
}

/// Whether human output on stdout gets colour: `always`, `never`, or on a terminal without
/// `NO_COLOR` set.
pub(crate) fn stdout_color(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            std::io::stdout().is_terminal() && !no_color
        }
    }
}

/// Writes to stdout.
pub(crate) fn print_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`release ... | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::output(format!("failed to write output: {e}"))),
    }
}

/// Writes to stderr; a failure to write there has nowhere to be reported.
pub(crate) fn print_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// An error for a person: one line per problem, prefixed `error:`. Whatever in it would act
/// on a terminal (text from a file, an argument or an upstream that its maker did not escape)
/// is shown escaped here, once for every error.
pub(crate) fn print_error(err: &CliError) {
    let mut stderr = std::io::stderr().lock();
    for line in err.to_string().lines() {
        let _ = writeln!(stderr, "error: {}", release_core::names::escaped(line));
    }
}
