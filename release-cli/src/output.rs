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

/// The secrets hidden in every log line and error message: from the start, those known
/// before a plan is read ([`redact_from_the_start`]); once a run's variables are known, the
/// run's ([`redact_logs`]). Command output is redacted before it is logged, but a library's
/// own events (`RUST_LOG=trace`) and the messages of errors (clap's echo an argument) are not
/// ours to redact at the source.
static REDACTOR: RwLock<Option<Redactor>> = RwLock::new(None);

/// Hides these secrets in every log line and error from now on.
pub(crate) fn redact_logs(redactor: Redactor) {
    *REDACTOR.write().unwrap_or_else(PoisonError::into_inner) = Some(redactor);
}

/// Hides these secrets too in every log line and error from now on (a release store's URL
/// and password, known once the plan is read).
pub(crate) fn redact_also(secrets: Vec<String>) {
    let mut redactor = REDACTOR.write().unwrap_or_else(PoisonError::into_inner);
    let redactor = redactor.get_or_insert_with(Redactor::new);
    for secret in secrets {
        redactor.add(secret);
    }
}

/// Hides, from the start, the secrets known before a plan is read: the values of the process
/// environment's and the env file's variables with secret names, and the credentials of the
/// URLs in them and in the arguments (`--api-url https://user:password@…`). The env file is
/// the one `--env-file` or `RELEASE_ENV_FILE` names, read here only when it is a regular file:
/// a pipe (`--env-file <(vault …)`) can be read once, by the run.
pub(crate) fn redact_from_the_start() {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let env_file = env_file_argument(&args)
        .or_else(|| std::env::var("RELEASE_ENV_FILE").ok())
        .map(std::path::PathBuf::from)
        .filter(|path| std::fs::metadata(path).is_ok_and(|m| m.is_file()));
    let vars = release_core::Vars::load(env_file.as_deref())
        .unwrap_or_else(|_| release_core::Vars::from_process());
    let redactor =
        release_core::SecretNames::default().redactor(&vars, args.iter().map(String::as_str));
    redact_logs(redactor);
}

/// The value of `--env-file` among raw arguments (before clap, which may refuse them).
fn env_file_argument(args: &[String]) -> Option<String> {
    let mut found = None;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if word == "--env-file" {
            found = words.next().cloned();
        } else if let Some(value) = word.strip_prefix("--env-file=") {
            found = Some(value.to_owned());
        }
    }
    found
}

/// Text from an argument or a file that a command records or prints, with the secrets known
/// so far replaced: what is not a run's summary (whose secrets are kept out structurally)
/// goes through here.
pub(crate) fn redact(text: &str) -> String {
    redacted(text)
}

/// The text with the secrets known so far replaced.
fn redacted(text: &str) -> String {
    let redactor = REDACTOR.read().unwrap_or_else(PoisonError::into_inner);
    match redactor.as_ref() {
        Some(redactor) => redactor.redact(text).into_owned(),
        None => text.to_owned(),
    }
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
        print_stderr(&redacted(&String::from_utf8_lossy(&self.0)));
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
        .with_ansi(colored(global.color, std::io::stderr().is_terminal()))
        .with_target(false)
        .try_init();
}

/// Whether human output on stdout gets colour (see [`colored`]).
pub(crate) fn stdout_color(when: ColorWhen) -> bool {
    colored(when, std::io::stdout().is_terminal())
}

/// The one colour rule, for stdout, logs and clap's messages alike: `--color always|never`
/// wins; else `NO_COLOR` set and not empty turns colour off, then `CLICOLOR_FORCE` set, not
/// empty and not `0` turns it on, then `CLICOLOR=0` off; else colour on a terminal
/// (no-color.org and bixense.com/clicolors, in the order anstream reads them).
pub(crate) fn colored(when: ColorWhen, terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto if set("NO_COLOR").is_some() => false,
        ColorWhen::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColorWhen::Auto if set("CLICOLOR").is_some_and(|v| v == "0") => false,
        ColorWhen::Auto => terminal,
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

/// A note for a person on stderr, `note:` per line, secrets replaced and what would act on a
/// terminal shown escaped, as errors are.
pub(crate) fn print_note(text: &str) {
    let text = redacted(text);
    let mut stderr = std::io::stderr().lock();
    for line in text.lines() {
        let _ = writeln!(stderr, "note: {}", release_core::names::escaped(line));
    }
}

/// An error for a person: one line per problem, prefixed `error:`, secrets replaced. Whatever
/// in it would act on a terminal (text from a file, an argument or an upstream that its maker
/// did not escape) is shown escaped here, once for every error.
pub(crate) fn print_error(err: &CliError) {
    let text = redacted(&err.to_string());
    let mut stderr = std::io::stderr().lock();
    for line in text.lines() {
        let _ = writeln!(stderr, "error: {}", release_core::names::escaped(line));
    }
    // On GitHub Actions, a problem at a known line is annotated there too (the runner reads
    // workflow commands from stderr as from stdout).
    if let CliError::InputAt { file, places, .. } = err
        && std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
    {
        let file = redacted(file);
        for (line, column, message) in places {
            let annotation = release_core::report::github::file_annotation(
                &file,
                *line,
                *column,
                "release",
                &redacted(message),
            );
            let _ = stderr.write_all(annotation.as_bytes());
        }
    }
}

/// What clap says about the command line (a usage error on stderr, or help and version on
/// stdout), as clap would print it, secrets replaced: an error echoes the argument it
/// refused, which may be a secret. Returns clap's exit code (2 for an error, 0 for help).
pub(crate) fn print_clap(err: &clap::Error) -> i32 {
    let to_stderr = err.use_stderr();
    let terminal = if to_stderr {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    // The command line did not parse, so `--color` is unknown: the rule without it.
    let color = colored(ColorWhen::Auto, terminal);
    let rendered = err.render();
    let text = redacted(&if color {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    });
    if to_stderr {
        print_stderr(&text);
    } else {
        let _ = print_stdout(&text);
    }
    err.exit_code()
}

/// `err` and its causes on one line (for `release demo`'s own errors).
#[cfg(feature = "demo")]
pub(crate) fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(err) = cause {
        text.push_str(&format!(": {err}"));
        cause = err.source();
    }
    text
}
