//! `release`: run release gates from a plan and branch on the exit code.
//!
//! This binary owns parsing, output choice and exit codes; everything else is `release-core`.

#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod cli;
mod commands;
mod error;
mod output;
mod progress;
mod signals;

use std::process::ExitCode;

fn main() -> ExitCode {
    // First, so that a signal at any later point ends the run in time (see `signals`).
    signals::listen();
    // Before anything can print: clap's own errors echo arguments.
    output::redact_from_the_start();
    let cli = match cli::Cli::try_parse_recording_sources() {
        Ok(cli) => cli,
        Err(err) => {
            let code = output::print_clap(&err);
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    output::init_logging(&cli.global);
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            output::print_error(&err);
            // An error after a signal (a lock wait it interrupted, say) is the signal's doing.
            signals::received().unwrap_or_else(|| err.exit_code())
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
