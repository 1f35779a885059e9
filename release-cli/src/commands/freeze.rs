//! `release freeze` and `release unfreeze`: an environment's freeze, recorded in the plan's
//! release log (`release_core::log::ReleaseStore`).

use release_core::exit_code;
use release_core::log::{FreezeChange, FreezeRecord, ReleaseStore as _, actor};
use release_core::names::escaped;
use release_core::report::Format;

use super::{listing_format, run_input};
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

/// A reason is a sentence for whoever is refused, not a document.
const MAX_REASON_CHARS: usize = 1000;

pub(crate) fn freeze(global: &GlobalArgs, reason: &str) -> Result<i32, CliError> {
    let format = listing_format(global, "freeze")?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CliError::Input(
            "`--reason` must say why the environment is frozen".to_owned(),
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(CliError::Input(format!(
            "`--reason` is longer than {MAX_REASON_CHARS} characters; say why in a sentence"
        )));
    }
    let (log, environment) = store(global)?;
    // A secret pasted into a reason must not reach the log either.
    let reason = output::redact(reason);
    let change = log
        .freeze(&environment, &by(), &reason, None)
        .map_err(CliError::input)?;
    print(format, &environment, Action::Freeze, change)
}

pub(crate) fn unfreeze(global: &GlobalArgs) -> Result<i32, CliError> {
    let format = listing_format(global, "unfreeze")?;
    let (log, environment) = store(global)?;
    let change = log.unfreeze(&environment, &by()).map_err(CliError::input)?;
    print(format, &environment, Action::Unfreeze, change)
}

/// The plan's release log and the environment chosen (`--env`, or the plan's default).
fn store(global: &GlobalArgs) -> Result<(release_core::log::ReleaseLog, String), CliError> {
    let (plan, _) = run_input::plan_or_default(global, true)?;
    let environment = plan
        .select_environment(global.environment.as_deref())
        .map_err(CliError::input)?
        .name;
    Ok((super::release_log(plan.release.log_path()), environment))
}

fn by() -> String {
    output::redact(&actor(|name| std::env::var(name).ok()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Freeze,
    Unfreeze,
}

/// What a freeze or an unfreeze did, as the JSON document's `change` says it.
#[derive(Clone, Copy)]
enum Change {
    Frozen,
    ReasonUpdated,
    Unfrozen,
    NotFrozen,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Self::Frozen => "frozen",
            Self::ReasonUpdated => "reason-updated",
            Self::Unfrozen => "unfrozen",
            Self::NotFrozen => "not-frozen",
        }
    }
}

fn print(
    format: Format,
    environment: &str,
    action: Action,
    mut change: FreezeChange,
) -> Result<i32, CliError> {
    // Reasons read back from the log were written by anyone with access to it.
    for record in [&mut change.written, &mut change.before]
        .into_iter()
        .flatten()
    {
        record.reason = record.reason.as_deref().map(output::redact);
        record.by = output::redact(&record.by);
    }
    let what = match (action, &change.written, &change.before) {
        (Action::Freeze, _, None) => Change::Frozen,
        (Action::Freeze, _, Some(_)) => Change::ReasonUpdated,
        (Action::Unfreeze, Some(_), _) => Change::Unfrozen,
        (Action::Unfreeze, None, _) => Change::NotFrozen,
    };
    let text = match format {
        Format::Json => {
            let document = serde_json::json!({
                "environment": environment,
                "change": what.as_str(),
                "frozen": action == Action::Freeze,
                "written": change.written,
                "before": change.before,
            });
            serde_json::to_string_pretty(&document).map_err(CliError::output)? + "\n"
        }
        _ => human(environment, what, &change),
    };
    output::print_stdout(&text)?;
    Ok(exit_code::PASSED)
}

fn human(environment: &str, what: Change, change: &FreezeChange) -> String {
    let env = escaped(environment);
    let describe = |record: &Option<FreezeRecord>| {
        record
            .as_ref()
            .map(FreezeRecord::describe)
            .unwrap_or_default()
    };
    let refused = format!(
        "`release rollout` is refused until `release unfreeze --env {env}`; \
         `release rollback execute` still runs"
    );
    match what {
        Change::Frozen => format!("{env} is {}\n{refused}\n", describe(&change.written)),
        Change::ReasonUpdated => format!(
            "{env} was already {}\nreason updated: {env} is {}\n{refused}\n",
            describe(&change.before),
            describe(&change.written)
        ),
        Change::Unfrozen => format!(
            "{env} is {} (it was {})\n",
            describe(&change.written),
            describe(&change.before)
        ),
        Change::NotFrozen => format!("{env} is not frozen; nothing to do\n"),
    }
}
