//! `release completions SHELL`: the shell's completion script, generated from the parser itself
//! so that it always knows every subcommand and flag.

use clap::CommandFactory as _;
use clap_complete::Shell;
use release_core::exit_code;

use crate::cli::Cli;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(shell: Shell) -> Result<i32, CliError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "release", &mut script);
    output::print_stdout(&String::from_utf8_lossy(&script))?;
    Ok(exit_code::PASSED)
}
