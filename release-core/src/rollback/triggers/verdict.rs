//! The `verdict` trigger kind: a gate ended with a verdict that fires or watches.

use serde_json::Value;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::NAMED_IN_REASON;
use super::kinds::{SettingProblem, TriggerKind, refused};
use crate::errors::InvalidTrigger;
use crate::gate::{Observation, Verdict};
use crate::rollback::trigger::{Assessment, RollbackTrigger, TriggerInput, TriggerState};
use crate::summary::GateRecord;

/// Fires (or watches) when one of its gates ended with one of the listed verdicts, e.g. a
/// smoke check failed. A gate the run did not include is not judged here; a
/// [`MissingDataTrigger`] covers that.
///
/// ```
/// use release_core::Verdict;
/// use release_core::rollback::VerdictTrigger;
/// let smoke = VerdictTrigger::new("smoke-failed", ["api-health", "web-home"])
///     .watch_on([Verdict::Warn]);
/// # let _ = smoke;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictTrigger {
    id: String,
    gates: Vec<String>,
    fire_on: Vec<Verdict>,
    watch_on: Vec<Verdict>,
}

impl VerdictTrigger {
    /// Fires on `fail` or `error` of any of `gates`.
    pub fn new(id: impl Into<String>, gates: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            id: id.into(),
            gates: gates.into_iter().map(Into::into).collect(),
            fire_on: vec![Verdict::Fail, Verdict::Error],
            watch_on: Vec::new(),
        }
    }

    /// The verdicts that fire it (default `fail`, `error`).
    #[must_use]
    pub fn fire_on(mut self, verdicts: impl IntoIterator<Item = Verdict>) -> Self {
        self.fire_on = verdicts.into_iter().collect();
        self
    }

    /// The verdicts that put it in watch (default none).
    #[must_use]
    pub fn watch_on(mut self, verdicts: impl IntoIterator<Item = Verdict>) -> Self {
        self.watch_on = verdicts.into_iter().collect();
        self
    }
}

impl RollbackTrigger for VerdictTrigger {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &str {
        "verdict"
    }

    fn assess(&self, input: &TriggerInput<'_>) -> Assessment {
        let mut state = TriggerState::Clear;
        let mut deciding: Vec<&GateRecord> = Vec::new();
        let mut observations = Vec::new();
        let mut judged = 0usize;
        for gate in self.gates.iter().filter_map(|id| input.gate(id)) {
            judged += 1;
            let gate_state = if self.fire_on.contains(&gate.verdict) {
                TriggerState::Fired
            } else if self.watch_on.contains(&gate.verdict) {
                TriggerState::Watch
            } else {
                continue;
            };
            if gate_state > state {
                state = gate_state;
                deciding.clear();
            }
            if gate_state == state {
                deciding.push(gate);
            }
            observations.push(Observation::new(
                format!("{}.verdict", gate.id),
                gate.verdict.as_str(),
                expected_verdicts(&self.fire_on, &self.watch_on, gate_state),
                "verdict",
            ));
            observations.extend(gate.observations.iter().map(|o| {
                let mut o = o.clone();
                o.name = format!("{}: {}", gate.id, o.name);
                o
            }));
        }
        let reason = match deciding.as_slice() {
            [] if judged == 0 => format!(
                "none of its gates ({}) is in the run",
                self.gates.join(", ")
            ),
            [] => format!(
                "{judged} of its gates judged; none ended {}",
                verdict_list(&self.fire_on, &self.watch_on)
            ),
            [first, rest @ ..] => {
                let mut reason = format!("{} {}: {}", first.id, first.verdict, first.summary);
                if !rest.is_empty() {
                    let named: Vec<&str> = rest
                        .iter()
                        .take(NAMED_IN_REASON)
                        .map(|g| g.id.as_str())
                        .collect();
                    reason.push_str(&format!("; also {}", named.join(", ")));
                    if rest.len() > NAMED_IN_REASON {
                        reason.push_str(&format!(" and {} more", rest.len() - NAMED_IN_REASON));
                    }
                }
                reason
            }
        };
        Assessment::new(self, state, reason).observations(observations)
    }
}

fn expected_verdicts(fire_on: &[Verdict], watch_on: &[Verdict], state: TriggerState) -> Value {
    let bad: Vec<&str> = match state {
        TriggerState::Fired => fire_on.iter().map(|v| v.as_str()).collect(),
        _ => watch_on.iter().map(|v| v.as_str()).collect(),
    };
    Value::String(format!("not {}", bad.join(" or ")))
}

fn verdict_list(fire_on: &[Verdict], watch_on: &[Verdict]) -> String {
    let all: Vec<&str> = fire_on.iter().chain(watch_on).map(|v| v.as_str()).collect();
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => all.join(""),
    }
}

/// A gate's verdict: fires on `fire_on` (default `fail`, `error`), watches on
/// `watch_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub struct VerdictSpec {
    /// Unique among the triggers.
    pub id: String,
    /// Gate ids, kinds or phases.
    pub gates: Vec<String>,
    /// The verdicts that fire it.
    #[serde(default = "fail_and_error")]
    pub fire_on: Vec<Verdict>,
    /// The verdicts that put it in watch.
    #[serde(default)]
    pub watch_on: Vec<Verdict>,
}

fn fail_and_error() -> Vec<Verdict> {
    vec![Verdict::Fail, Verdict::Error]
}

impl TriggerKind for VerdictSpec {
    fn kind(&self) -> &'static str {
        "verdict"
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
        if self.fire_on.is_empty() && self.watch_on.is_empty() {
            problems.push(SettingProblem::new(
                "fire_on",
                "`fire_on` and `watch_on` are both empty, so no verdict could fire it or put it in watch",
            ));
        }
        problems
    }

    fn build(
        &self,
        resolve: &dyn Fn(&[String]) -> Vec<String>,
    ) -> Result<Box<dyn RollbackTrigger>, InvalidTrigger> {
        refused(self.problems())?;
        Ok(Box::new(
            VerdictTrigger::new(&self.id, resolve(&self.gates))
                .fire_on(self.fire_on.iter().copied())
                .watch_on(self.watch_on.iter().copied()),
        ))
    }
}
