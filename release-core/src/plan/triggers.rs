//! A plan's rollback triggers: their gate names checked and resolved against the plan's
//! gates. What each trigger kind's settings mean is the kind's own (`rollback/triggers/`).

use super::model::{GateSpec, Plan};
use crate::errors::InvalidTrigger;
use crate::rollback::{Assessment, RollbackTrigger, TriggerInput, TriggerSpec, TriggerState};

/// A problem with the `[rollback]` table, with where it comes from so that it can be reported
/// there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RollbackProblem {
    /// The index of the trigger it belongs to in `[[rollback.triggers]]`; `None` for the table.
    pub(crate) trigger: Option<usize>,
    /// The trigger's key that causes it, when one does.
    pub(crate) key: Option<&'static str>,
    /// What is wrong, naming the trigger.
    pub(crate) message: String,
}

/// A `threshold` or `growth` trigger whose gate does not run in the environment evaluated: it
/// has nothing to judge and nothing is missing, so it is always clear.
#[derive(Debug)]
struct NotInEnvironment {
    id: String,
    kind: &'static str,
    reason: String,
}

impl RollbackTrigger for NotInEnvironment {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &str {
        self.kind
    }

    fn assess(&self, _input: &TriggerInput<'_>) -> Assessment {
        Assessment::new(self, TriggerState::Clear, self.reason.clone())
    }
}

fn selects(name: &str, gate: &GateSpec) -> bool {
    name == gate.common.id || name == gate.spec.kind() || gate.in_phase(name)
}

impl Plan {
    /// The `[rollback]` table with its triggers built for `environment`: what a decision over
    /// a run of that environment takes.
    pub fn rollback_config(
        &self,
        environment: &str,
    ) -> Result<crate::rollback::RollbackConfig, crate::errors::DecisionError> {
        Ok(crate::rollback::RollbackConfig {
            declared_in: self.path.display().to_string(),
            triggers: self
                .rollback_triggers(environment)
                .map_err(|e| crate::errors::DecisionError::Trigger(e.to_string()))?,
            services: self.rollback.services(),
            migrations: self.rollback.migrations,
        })
    }

    /// The plan's rollback triggers for an environment, in plan order.
    ///
    /// # Errors
    ///
    /// The first trigger whose settings cannot be used; a loaded plan has none.
    pub fn rollback_triggers(
        &self,
        environment: &str,
    ) -> Result<Vec<Box<dyn RollbackTrigger>>, InvalidTrigger> {
        self.rollback
            .triggers
            .iter()
            .map(|t| {
                self.rollback_trigger(t, environment)
                    .map_err(|source| InvalidTrigger::Trigger {
                        id: t.id().to_owned(),
                        source: Box::new(source),
                    })
            })
            .collect()
    }

    /// The runnable trigger, its gate names resolved against the plan's gates for the
    /// environment (ids, kinds or phases), in plan order.
    ///
    /// A trigger of one gate's values whose gate does not run in `environment` (the gate's
    /// `environments` leave it out) is always clear, saying so: there is nothing to judge, and
    /// nothing is missing either.
    ///
    /// # Errors
    ///
    /// The first problem with the trigger's own settings, e.g. a watch level beyond its fire
    /// level; a loaded plan has none.
    pub fn rollback_trigger(
        &self,
        trigger: &TriggerSpec,
        environment: &str,
    ) -> Result<Box<dyn RollbackTrigger>, InvalidTrigger> {
        let unit = trigger.unit();
        // Every setting is checked before the environment is: a trigger that is clear in one
        // environment is still wrong in the others.
        crate::rollback::TriggerKind::problems(unit)
            .into_iter()
            .next()
            .map_or(Ok(()), |p| {
                Err(InvalidTrigger::Setting {
                    key: p.key,
                    message: p.message,
                })
            })?;
        if let Some(gate) = unit.one_gate() {
            let mut named = self.gates.iter().filter(|g| g.common.id == gate).peekable();
            if named.peek().is_some() && !named.any(|g| g.applies_to(environment)) {
                return Ok(Box::new(NotInEnvironment {
                    id: unit.id().to_owned(),
                    kind: unit.kind(),
                    reason: format!("gate {gate} does not run in {environment}"),
                }));
            }
        }
        let resolve = |names: &[String]| -> Vec<String> {
            self.gates
                .iter()
                .filter(|g| g.applies_to(environment))
                .filter(|g| names.iter().any(|n| selects(n, g)))
                .map(|g| g.common.id.clone())
                .collect()
        };
        unit.build(&resolve)
    }

    /// Problems with the `[rollback]` table that its types cannot express: duplicate ids,
    /// gate names that match nothing, contradictory levels, triggers that could never fire or
    /// watch. Each names the trigger it belongs to, and the key behind it where one is.
    /// Without `gates_read` (a gate could not be read, so the plan lacks it), names that match
    /// no gate are not reported: they may name that gate.
    pub(crate) fn rollback_problems(&self, gates_read: bool) -> Vec<RollbackProblem> {
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (index, trigger) in self.rollback.triggers.iter().enumerate() {
            let mut problem = |key: Option<&'static str>, message: String| {
                problems.push(RollbackProblem {
                    trigger: Some(index),
                    key,
                    message,
                });
            };
            let id = trigger.id();
            if let Err(why) = crate::names::check_name(id) {
                problem(
                    Some("id"),
                    format!(
                        "rollback trigger id `{id}` {why}; ids are {}, as they are recorded and shown",
                        crate::names::NAME_RULE
                    ),
                );
            } else if !seen.insert(id) {
                problem(Some("id"), format!("duplicate rollback trigger id `{id}`"));
            }
            let unit = trigger.unit();
            let gate_key = unit.gate_key();
            for name in trigger.gate_names().into_iter().filter(|_| gates_read) {
                if !self.gates.iter().any(|g| selects(name, g)) {
                    problem(
                        Some(gate_key),
                        format!(
                            "rollback trigger `{id}`: `{name}` names no gate id, kind or phase of the plan"
                        ),
                    );
                }
            }
            if let Some(gate) = unit.one_gate()
                && gates_read
                && !self.gates.iter().any(|g| g.common.id == *gate)
                && self.gates.iter().any(|g| selects(gate, g))
            {
                problem(
                    Some(gate_key),
                    format!(
                        "rollback trigger `{id}`: `gate` must be one gate's id, not a kind or phase"
                    ),
                );
            }
            let settings = unit.problems();
            let settings_ok = settings.is_empty();
            for setting in settings {
                problem(
                    Some(setting.key),
                    format!("rollback trigger `{id}`: {}", setting.message),
                );
            }
            // Building checks the same settings; anything it refuses beyond them is reported
            // too. The environment is left empty: a gate's own `environments` do not matter
            // to whether the trigger is well formed.
            if settings_ok && let Err(e) = self.rollback_trigger(trigger, "") {
                problem(None, format!("rollback trigger `{id}`: {e}"));
            }
        }
        problems
    }
}
