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

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    output::init_logging(&cli.global);
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            output::print_error(&err);
            err.exit_code()
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
