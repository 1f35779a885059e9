//! The one list of trigger kinds: [`TriggerSpec`] has one variant per kind, and each kind's
//! settings implement [`TriggerKind`] in the kind's own file.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{GrowthSpec, MissingDataSpec, ThresholdSpec, VerdictSpec};
use crate::errors::InvalidTrigger;
use crate::rollback::RollbackTrigger;

/// One `[[rollback.triggers]]` entry; `kind` says which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TriggerSpec {
    /// A gate's verdict: fires on `fire_on` (default `fail`, `error`), watches on
    /// `watch_on`.
    Verdict(VerdictSpec),
    /// A gate's value beyond a level for `samples` in a row or for `duration`.
    Threshold(ThresholdSpec),
    /// A measurement's growth over the last successful run's value.
    Growth(GrowthSpec),
    /// Gates without data: absent, skipped, inconclusive or errored.
    MissingData(MissingDataSpec),
}

impl TriggerSpec {
    /// The kind's settings as one unit: their checks and the trigger they build.
    pub fn unit(&self) -> &dyn TriggerKind {
        match self {
            TriggerSpec::Verdict(spec) => spec,
            TriggerSpec::Threshold(spec) => spec,
            TriggerSpec::Growth(spec) => spec,
            TriggerSpec::MissingData(spec) => spec,
        }
    }

    /// The trigger's id.
    pub fn id(&self) -> &str {
        self.unit().id()
    }

    /// Every gate name it refers to, as written.
    pub fn gate_names(&self) -> Vec<&str> {
        self.unit().gate_names()
    }
}

/// What a plan needs of a trigger kind's settings.
pub trait TriggerKind {
    /// The kind's name as a plan writes it.
    fn kind(&self) -> &'static str;

    /// The trigger's id.
    fn id(&self) -> &str;

    /// Every gate name it refers to, as written.
    fn gate_names(&self) -> Vec<&str>;

    /// The key that names its gates (`gates`, or `gate` for one gate's id).
    fn gate_key(&self) -> &'static str;

    /// The one gate it judges, for kinds that judge one gate's values; `None` for kinds that
    /// take gate ids, kinds or phases.
    fn one_gate(&self) -> Option<&str>;

    /// Every problem with the trigger's own settings, each with the key that causes it: the
    /// ones its types cannot express, and the ones that would leave it unable to ever fire or
    /// watch.
    fn problems(&self) -> Vec<SettingProblem>;

    /// The runnable trigger; `resolve` turns gate names (ids, kinds or phases) into the ids
    /// of the gates that run. Refuses the settings [`TriggerKind::problems`] refuses.
    fn build(
        &self,
        resolve: &dyn Fn(&[String]) -> Vec<String>,
    ) -> Result<Box<dyn RollbackTrigger>, InvalidTrigger>;
}

/// A problem with one of a trigger's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingProblem {
    /// The key that causes it.
    pub key: &'static str,
    /// What is wrong, as a fragment.
    pub message: String,
}

impl SettingProblem {
    pub(crate) fn new(key: &'static str, message: impl Into<String>) -> Self {
        Self {
            key,
            message: message.into(),
        }
    }
}

/// The first of the settings' problems as an error, if any.
pub(crate) fn refused(problems: Vec<SettingProblem>) -> Result<(), InvalidTrigger> {
    match problems.into_iter().next() {
        Some(SettingProblem { key, message }) => Err(InvalidTrigger::Setting { key, message }),
        None => Ok(()),
    }
}

pub(crate) const NO_GATES: &str = "`gates` must name at least one gate id, kind or phase";
