//! The `missing-data` trigger kind: gates the decision needs without data.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::NAMED_IN_REASON;
use super::kinds::{SettingProblem, TriggerKind, refused};
use crate::errors::InvalidTrigger;
use crate::gate::{Observation, Verdict};
use crate::rollback::trigger::{Assessment, RollbackTrigger, TriggerInput, TriggerState};

/// Watches (or fires) when one of its gates has no data: it is not in the run, was skipped,
/// had no data (`inconclusive`) or could not run (`error`). Missing data is never silently
/// clear.
///
/// ```
/// use release_core::rollback::{MissingDataTrigger, TriggerState};
/// let metrics = MissingDataTrigger::new("metrics-missing", ["api-5xx-rate", "api-p95-latency"]);
/// let strict = MissingDataTrigger::new("control-plane-missing", ["ai-runtime-health"])
///     .state(TriggerState::Fired);
/// # let _ = (metrics, strict);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MissingDataTrigger {
    id: String,
    gates: Vec<String>,
    state: TriggerState,
}

impl MissingDataTrigger {
    /// Watches when any of `gates` has no data.
    pub fn new(id: impl Into<String>, gates: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            id: id.into(),
            gates: gates.into_iter().map(Into::into).collect(),
            state: TriggerState::Watch,
        }
    }

    /// The state missing data puts it in (default watch).
    #[must_use]
    pub fn state(mut self, state: TriggerState) -> Self {
        self.state = state;
        self
    }
}

impl RollbackTrigger for MissingDataTrigger {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &str {
        "missing-data"
    }

    fn assess(&self, input: &TriggerInput<'_>) -> Assessment {
        let mut missing = Vec::new();
        for id in &self.gates {
            let observed = match input.gate(id) {
                None => "absent from the run".to_owned(),
                Some(g)
                    if matches!(
                        g.verdict,
                        Verdict::Skipped | Verdict::Inconclusive | Verdict::Error
                    ) =>
                {
                    format!("{}: {}", g.verdict, g.summary)
                }
                Some(_) => continue,
            };
            missing.push(Observation::new(
                format!("{id}.data"),
                observed,
                "a value",
                "missing_data",
            ));
        }
        if missing.is_empty() {
            return Assessment::new(
                self,
                TriggerState::Clear,
                format!("all {} gates have data", self.gates.len()),
            );
        }
        let named: Vec<&str> = missing
            .iter()
            .take(NAMED_IN_REASON)
            .map(|o| o.name.trim_end_matches(".data"))
            .collect();
        let more = missing.len().saturating_sub(NAMED_IN_REASON);
        let reason = format!(
            "no data from {}{}",
            named.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        Assessment::new(self, self.state.max(TriggerState::Watch), reason).observations(missing)
    }
}

/// Gates without data: absent, skipped, inconclusive or errored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub struct MissingDataSpec {
    /// Unique among the triggers.
    pub id: String,
    /// Gate ids, kinds or phases.
    pub gates: Vec<String>,
    /// Whether missing data fires it instead of putting it in watch.
    #[serde(default)]
    pub fire: bool,
}

impl TriggerKind for MissingDataSpec {
    fn kind(&self) -> &'static str {
        "missing-data"
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn gate_names(&self) -> Vec<&str> {
        self.gates.iter().map(String::as_str).collect()
    }

    fn gate_key(&self) -> &'static str {
        "gates"
    }

    fn one_gate(&self) -> Option<&str> {
        None
    }

    fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        if self.gates.is_empty() {
            problems.push(SettingProblem::new("gates", super::kinds::NO_GATES));
        }
        problems
    }

    fn build(
        &self,
        resolve: &dyn Fn(&[String]) -> Vec<String>,
    ) -> Result<Box<dyn RollbackTrigger>, InvalidTrigger> {
        refused(self.problems())?;
        let state = if self.fire {
            TriggerState::Fired
        } else {
            TriggerState::Watch
        };
        Ok(Box::new(
            MissingDataTrigger::new(&self.id, resolve(&self.gates)).state(state),
        ))
    }
}
