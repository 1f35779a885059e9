//! Where things go: reports to stdout, logs and errors to stderr, secrets nowhere.

use std::io::{IsTerminal as _, Write as _};

use release_core::Redactor;
use tracing_subscriber::EnvFilter;

use crate::cli::{ColorWhen, GlobalArgs};
use crate::error::CliError;

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
        .with_writer(std::io::stderr)
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

/// Writes to stdout through the redactor: the last guard before anything leaves the process.
pub(crate) fn print_stdout(redactor: &Redactor, text: &str) -> Result<(), CliError> {
    write_guarded(&mut std::io::stdout().lock(), redactor, text)
}

/// Writes to stderr through the redactor.
pub(crate) fn print_stderr(redactor: &Redactor, text: &str) {
    let _ = write_guarded(&mut std::io::stderr().lock(), redactor, text);
}

fn write_guarded(
    out: &mut impl std::io::Write,
    redactor: &Redactor,
    text: &str,
) -> Result<(), CliError> {
    let text = redactor.redact(text);
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`release ... | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::output(format!("failed to write output: {e}"))),
    }
}

/// An error for a person: one line per problem, prefixed `error:`.
pub(crate) fn print_error(err: &CliError) {
    let mut stderr = std::io::stderr().lock();
    for line in err.to_string().lines() {
        let _ = writeln!(stderr, "error: {line}");
    }
}
