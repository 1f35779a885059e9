//! One file per command; each returns the exit code or a [`CliError`].

mod completions;
// Without its feature, a command's stand-in says what the binary lacks.
#[cfg_attr(not(feature = "demo"), path = "demo_unavailable.rs")]
mod demo;
mod dry_run;
mod freeze;
#[cfg_attr(not(feature = "health-check"), path = "health_check_unavailable.rs")]
mod health_check;
mod health_report;
mod init;
mod log_show;
mod log_transfer;
mod man;
mod phase;
mod plan_check;
mod publish;
mod report;
mod rollback;
mod rollout;
mod run_input;

use std::sync::Arc;

use release_core::log::{ReleaseStore, StoreLocation};
use release_core::run::RunRequest;
use release_core::runbook;
use release_core::schema::SchemaName;
use release_core::{Plan, Vars};

use release_core::report::Format;

use crate::cli::{
    Cli, Command, GlobalArgs, HealthCommand, LogCommand, PlanCommand, PreflightStep,
    RollbackCommand, RolloutCommand,
};
use crate::error::CliError;

pub(crate) fn run(cli: Cli) -> Result<i32, CliError> {
    let global = &cli.global;
    match cli.command {
        Command::Preflight { step: None } => phase::run(global, runbook::PREFLIGHT),
        Command::Preflight {
            step: Some(PreflightStep::Env),
        } => phase::run(global, runbook::PREFLIGHT_ENV),
        Command::Preflight {
            step: Some(PreflightStep::Platform),
        } => phase::run(global, runbook::PREFLIGHT_PLATFORM),
        Command::Preflight {
            step: Some(PreflightStep::Qa),
        } => phase::run(global, runbook::PREFLIGHT_QA),
        Command::DryRun => dry_run::run(global),
        Command::Smoke => phase::run(global, runbook::SMOKE),
        Command::LaunchGate => phase::run(global, runbook::LAUNCH_GATE),
        Command::Demo { scenario, dir } => demo::run(global, &scenario, dir),
        Command::Plan {
            command: PlanCommand::Check,
        } => plan_check::run(global),
        Command::Log {
            command: LogCommand::Show { last, log },
        } => log_show::run(global, last, log),
        Command::Log {
            command: LogCommand::Import { file, log },
        } => log_transfer::import(global, &file, log),
        Command::Log {
            command: LogCommand::Export { output, log },
        } => log_transfer::export(global, output.as_deref(), log),
        Command::Health {
            command: HealthCommand::Report { from },
        } => health_report::run(global, from.as_deref()),
        Command::Health {
            command: HealthCommand::Check { file, schema },
        } => health_check::run(global, &file, schema.as_deref()),
        Command::Rollback {
            command: RollbackCommand::Evaluate { from },
        } => rollback::evaluate(global, from.as_deref()),
        Command::Rollback {
            command: RollbackCommand::Plan { from },
        } => rollback::plan(global, from.as_deref()),
        Command::Freeze { reason } => freeze::freeze(global, &reason),
        Command::Unfreeze => freeze::unfreeze(global),
        Command::Rollback {
            command: RollbackCommand::Execute { args },
        } => rollout::rollback(global, &args),
        Command::Rollout {
            command: None,
            args,
        } => rollout::run(global, &args),
        Command::Rollout {
            command: Some(RolloutCommand::Status),
            ..
        } => rollout::status(global),
        Command::Init { template } => init::run(global, &template),
        Command::Report { from } => report::run(global, &from),
        Command::Schema { name } => {
            let name: SchemaName = name.parse().map_err(CliError::input)?;
            crate::output::print_stdout(&name.render())?;
            Ok(release_core::exit_code::PASSED)
        }
        Command::Completions { shell } => completions::run(shell),
        Command::Man { dir } => man::run(dir.as_deref()),
    }
}

/// Where the release store of a command that runs no gates is: `RELEASE_LOG_URL` from the
/// environment (and the env file), as a run reads it, else the plan's `release.log`.
fn store_location(global: &GlobalArgs, plan: &Plan) -> Result<StoreLocation, CliError> {
    let vars = Vars::load(global.env_file.as_deref()).map_err(CliError::from)?;
    RunRequest::new(plan)
        .vars(vars)
        .store_location()
        .map_err(CliError::input)
}

/// The store `--log` names: a `postgres://` URL, or a path.
fn given_location(path: &std::path::Path) -> Result<StoreLocation, CliError> {
    match path.to_str() {
        Some(text) => StoreLocation::parse(text).map_err(CliError::input),
        None => Ok(StoreLocation::File(path.to_path_buf())),
    }
}

/// Opens a release store; its URL and password are hidden from every later line, and a
/// signal stops a wait for another process's lock on a log file.
fn open_store(location: &StoreLocation) -> Arc<dyn ReleaseStore> {
    crate::output::redact_also(location.secrets());
    Arc::from(location.open(Some(crate::signals::cancellation())))
}

/// The store `--log` names, else the plan's (or the defaults' when there is no plan file).
fn log_command_store(
    global: &GlobalArgs,
    given: Option<&std::path::Path>,
) -> Result<(StoreLocation, Arc<dyn ReleaseStore>), CliError> {
    let location = match given {
        Some(path) => given_location(path)?,
        None => {
            let (plan, _) = run_input::plan_or_default(global, false)?;
            store_location(global, &plan)?
        }
    };
    let store = open_store(&location);
    Ok((location, store))
}

/// Commands that list things print human text or JSON; a report-only format is a usage error,
/// not something to ignore silently.
fn listing_format(global: &GlobalArgs, command: &str) -> Result<Format, CliError> {
    match global.format {
        Format::Human | Format::Json => Ok(global.format),
        other => Err(CliError::Input(format!(
            "`release {command}` prints human or json, not {other}"
        ))),
    }
}
