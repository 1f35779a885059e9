//! `release freeze` and `release unfreeze`: an environment's freeze recorded in its release
//! store, and what changed, for a person or as JSON.

use serde::Serialize;

use crate::log::{FreezeRecord, ReleaseStore, StoreError};
use crate::names::escaped;

use super::error::RolloutError;

/// A reason is a sentence for whoever is refused, not a document.
pub const MAX_REASON_CHARS: usize = 1000;

/// What a freeze or an unfreeze did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FreezeChange {
    /// The environment was not frozen and is now.
    Frozen,
    /// It was frozen; the new reason replaces the old.
    ReasonUpdated,
    /// It was frozen and is not any more.
    Unfrozen,
    /// It was not frozen; nothing was written.
    NotFrozen,
}

/// A freeze or unfreeze, done.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreezeOutcome {
    /// The environment.
    pub environment: String,
    /// What changed.
    pub change: FreezeChange,
    /// Whether it is frozen now.
    pub frozen: bool,
    /// The record written, if any.
    pub written: Option<FreezeRecord>,
    /// The freeze in force before.
    pub before: Option<FreezeRecord>,
}

/// Freezes `environment` for `reason` (trimmed, not empty, at most [`MAX_REASON_CHARS`]).
/// `redact` is applied to the reason before it is recorded (a secret pasted into it) and to
/// whatever is read back (the log is written by anyone with access to it).
pub fn freeze(
    store: &dyn ReleaseStore,
    environment: &str,
    by: &str,
    reason: &str,
    redact: &dyn Fn(&str) -> String,
) -> Result<FreezeOutcome, RolloutError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(RolloutError::FreezeReason(
            "`--reason` must say why the environment is frozen".to_owned(),
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(RolloutError::FreezeReason(format!(
            "`--reason` is longer than {MAX_REASON_CHARS} characters; say why in a sentence"
        )));
    }
    let change = store
        .freeze(environment, &redact(by), &redact(reason), None)
        .map_err(store_error)?;
    let what = match change.before {
        None => FreezeChange::Frozen,
        Some(_) => FreezeChange::ReasonUpdated,
    };
    Ok(outcome(environment, what, change, redact))
}

/// Lifts `environment`'s freeze; nothing is written when it is not frozen.
pub fn unfreeze(
    store: &dyn ReleaseStore,
    environment: &str,
    by: &str,
    redact: &dyn Fn(&str) -> String,
) -> Result<FreezeOutcome, RolloutError> {
    let change = store
        .unfreeze(environment, &redact(by))
        .map_err(store_error)?;
    let what = match change.written {
        Some(_) => FreezeChange::Unfrozen,
        None => FreezeChange::NotFrozen,
    };
    Ok(outcome(environment, what, change, redact))
}

fn store_error(error: StoreError) -> RolloutError {
    RolloutError::Store(error)
}

fn outcome(
    environment: &str,
    change: FreezeChange,
    store_change: crate::log::FreezeChange,
    redact: &dyn Fn(&str) -> String,
) -> FreezeOutcome {
    let clean = |record: Option<FreezeRecord>| {
        record.map(|mut record| {
            record.reason = record.reason.as_deref().map(redact);
            record.by = redact(&record.by);
            record
        })
    };
    FreezeOutcome {
        environment: environment.to_owned(),
        change,
        frozen: matches!(change, FreezeChange::Frozen | FreezeChange::ReasonUpdated),
        written: clean(store_change.written),
        before: clean(store_change.before),
    }
}

/// The outcome for a person.
pub fn render_freeze(outcome: &FreezeOutcome) -> String {
    let env = escaped(&outcome.environment);
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
    match outcome.change {
        FreezeChange::Frozen => format!("{env} is {}\n{refused}\n", describe(&outcome.written)),
        FreezeChange::ReasonUpdated => format!(
            "{env} was already {}\nreason updated: {env} is {}\n{refused}\n",
            describe(&outcome.before),
            describe(&outcome.written)
        ),
        FreezeChange::Unfrozen => format!(
            "{env} is {} (it was {})\n",
            describe(&outcome.written),
            describe(&outcome.before)
        ),
        FreezeChange::NotFrozen => format!("{env} is not frozen; nothing to do\n"),
    }
}
