//! `release man [--dir DIR]`: the roff man pages, generated from the parser itself so that
//! they always describe every subcommand and flag.

use std::path::Path;

use clap::CommandFactory as _;
use release_core::exit_code;

use crate::cli::Cli;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(dir: Option<&Path>) -> Result<i32, CliError> {
    let command = built_command();
    match dir {
        None => output::print_stdout(&page(&command)?.1)?,
        Some(dir) => {
            // Every page is rendered before the first is written.
            let mut pages = Vec::new();
            collect(&command, &mut pages)?;
            write_pages(dir, &pages)?;
        }
    }
    Ok(exit_code::PASSED)
}

/// The parser with what clap derives lazily filled in: each subcommand's display name
/// (`release-log-show`, the page's name) and the global flags it accepts. `help` is no
/// command of its own in a man page.
fn built_command() -> clap::Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

/// The page of `command` and its file name (`release-log-show.1`).
fn page(command: &clap::Command) -> Result<(String, String), CliError> {
    let source = format!("release {}", env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(command.clone()).source(source);
    let mut roff = Vec::new();
    man.render(&mut roff)
        .map_err(|err| CliError::output(format!("cannot render the man page: {err}")))?;
    Ok((
        man.get_filename(),
        String::from_utf8_lossy(&roff).into_owned(),
    ))
}

/// The pages of `command` and of every subcommand under it, `command`'s first.
fn collect(command: &clap::Command, pages: &mut Vec<(String, String)>) -> Result<(), CliError> {
    pages.push(page(command)?);
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        collect(sub, pages)?;
    }
    Ok(())
}

/// Writes each page into `dir`, creating it; each page replaced atomically, so none is left
/// half written.
fn write_pages(dir: &Path, pages: &[(String, String)]) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|err| {
        CliError::input(format!("cannot create directory {}: {err}", dir.display()))
    })?;
    for (file, page) in pages {
        let path = dir.join(file);
        release_core::atomic::write(&path, page.as_bytes()).map_err(|err| {
            CliError::input(format!("cannot write {}: {}", path.display(), err.source))
        })?;
    }
    Ok(())
}
