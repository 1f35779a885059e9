//! The plan's `[rollback]` table: the triggers a decision weighs and the facts its plan needs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::model::{GateSpec, Plan};
use crate::duration::HumanDuration;
use crate::gate::Verdict;
use crate::rollback::{
    Growth, GrowthTrigger, Hold, Level, MissingDataTrigger, RollbackServices, RollbackTrigger,
    ThresholdTrigger, TriggerState, VerdictTrigger,
};

/// The `[rollback]` table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackSection {
    /// Whether releases of this plan run database migrations, when a run does not say
    /// (`RELEASE_MIGRATIONS`); a rollback then includes the database step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrations: Option<bool>,
    /// The web app's service on the platform (default `web`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_service: Option<String>,
    /// The API's service on the platform (default `api`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_service: Option<String>,
    /// The triggers, written `[[rollback.triggers]]`.
    #[serde(default)]
    pub triggers: Vec<TriggerSpec>,
}

impl RollbackSection {
    /// The services the rollback plan names.
    pub fn services(&self) -> RollbackServices {
        let defaults = RollbackServices::default();
        RollbackServices {
            web: self.web_service.clone().unwrap_or(defaults.web),
            api: self.api_service.clone().unwrap_or(defaults.api),
        }
    }
}

/// One `[[rollback.triggers]]` entry; `kind` says which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TriggerSpec {
    /// A gate's verdict: fires on `fire_on` (default `fail`, `error`), watches on
    /// `watch_on`.
    Verdict {
        /// Unique among the triggers.
        id: String,
        /// Gate ids, kinds or phases.
        gates: Vec<String>,
        /// The verdicts that fire it.
        #[serde(default = "fail_and_error")]
        fire_on: Vec<Verdict>,
        /// The verdicts that put it in watch.
        #[serde(default)]
        watch_on: Vec<Verdict>,
    },
    /// A gate's value beyond a level for `samples` in a row or for `duration`.
    Threshold {
        /// Unique among the triggers.
        id: String,
        /// The gate's id.
        gate: String,
        /// The measurement, when the gate records several.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        measurement: Option<String>,
        /// Fires above this level.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fire_above: Option<f64>,
        /// Fires below this level.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fire_below: Option<f64>,
        /// Watches above this level.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        watch_above: Option<f64>,
        /// Watches below this level.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        watch_below: Option<f64>,
        /// Consecutive samples beyond the level that fire it (default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        samples: Option<u32>,
        /// How long consecutive samples must stay beyond the level instead.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration: Option<HumanDuration>,
    },
    /// A measurement's growth over the last successful run's value.
    Growth {
        /// Unique among the triggers.
        id: String,
        /// The gate's id.
        gate: String,
        /// The measurement, e.g. `stale_active_sessions`.
        measurement: String,
        /// Fires above this growth: `+50%` or `+5`.
        fire_above: String,
        /// Watches above this growth.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        watch_above: Option<String>,
    },
    /// Gates without data: absent, skipped, inconclusive or errored.
    MissingData {
        /// Unique among the triggers.
        id: String,
        /// Gate ids, kinds or phases.
        gates: Vec<String>,
        /// Whether missing data fires it instead of putting it in watch.
        #[serde(default)]
        fire: bool,
    },
}

fn fail_and_error() -> Vec<Verdict> {
    vec![Verdict::Fail, Verdict::Error]
}

impl TriggerSpec {
    /// The trigger's id.
    pub fn id(&self) -> &str {
        match self {
            TriggerSpec::Verdict { id, .. }
            | TriggerSpec::Threshold { id, .. }
            | TriggerSpec::Growth { id, .. }
            | TriggerSpec::MissingData { id, .. } => id,
        }
    }

    /// Every gate name it refers to, as written.
    pub fn gate_names(&self) -> Vec<&str> {
        match self {
            TriggerSpec::Verdict { gates, .. } | TriggerSpec::MissingData { gates, .. } => {
                gates.iter().map(String::as_str).collect()
            }
            TriggerSpec::Threshold { gate, .. } | TriggerSpec::Growth { gate, .. } => {
                vec![gate.as_str()]
            }
        }
    }

    /// The runnable trigger, its gate names resolved against the plan's gates for the
    /// environment (ids, kinds or phases), in plan order.
    pub fn build(
        &self,
        plan: &Plan,
        environment: &str,
    ) -> Result<Box<dyn RollbackTrigger>, String> {
        let resolve = |names: &[String]| -> Vec<String> {
            plan.gates
                .iter()
                .filter(|g| g.applies_to(environment))
                .filter(|g| names.iter().any(|n| selects(n, g)))
                .map(|g| g.common.id.clone())
                .collect()
        };
        Ok(match self {
            TriggerSpec::Verdict {
                id,
                gates,
                fire_on,
                watch_on,
            } => Box::new(
                VerdictTrigger::new(id, resolve(gates))
                    .fire_on(fire_on.iter().copied())
                    .watch_on(watch_on.iter().copied()),
            ),
            TriggerSpec::Threshold {
                id,
                gate,
                measurement,
                fire_above,
                fire_below,
                watch_above,
                watch_below,
                samples,
                duration,
            } => {
                let fire = match (fire_above, fire_below) {
                    (Some(a), None) => Level::Above(*a),
                    (None, Some(b)) => Level::Below(*b),
                    _ => return Err("set exactly one of `fire_above` and `fire_below`".into()),
                };
                let watch = match (fire, watch_above, watch_below) {
                    (_, None, None) => None,
                    (Level::Above(_), Some(a), None) => Some(Level::Above(*a)),
                    (Level::Below(_), None, Some(b)) => Some(Level::Below(*b)),
                    _ => {
                        return Err(
                            "a watch level goes on the same side as the fire level (`watch_above` with `fire_above`)".into(),
                        );
                    }
                };
                let hold = match (samples, duration) {
                    (Some(0), _) => return Err("`samples` must be at least 1".into()),
                    (Some(_), Some(_)) => {
                        return Err("set `samples` or `duration`, not both".into());
                    }
                    (Some(n), None) => Hold::Samples(*n),
                    (None, Some(d)) => Hold::Duration(d.get()),
                    (None, None) => Hold::Samples(1),
                };
                let mut trigger = ThresholdTrigger::new(id, gate, fire, hold);
                if let Some(m) = measurement {
                    trigger = trigger.measurement(m);
                }
                if let Some(w) = watch {
                    trigger = trigger.watch(w);
                }
                Box::new(trigger)
            }
            TriggerSpec::Growth {
                id,
                gate,
                measurement,
                fire_above,
                watch_above,
            } => {
                let fire: Growth = fire_above.parse()?;
                let mut trigger = GrowthTrigger::new(id, gate, measurement, fire);
                if let Some(w) = watch_above {
                    trigger = trigger.watch(w.parse()?);
                }
                Box::new(trigger)
            }
            TriggerSpec::MissingData { id, gates, fire } => {
                Box::new(MissingDataTrigger::new(id, resolve(gates)).state(if *fire {
                    TriggerState::Fired
                } else {
                    TriggerState::Watch
                }))
            }
        })
    }
}

fn selects(name: &str, gate: &GateSpec) -> bool {
    name == gate.common.id || name == gate.spec.kind() || gate.in_phase(name)
}

impl Plan {
    /// The plan's rollback triggers for an environment, in plan order.
    pub fn rollback_triggers(
        &self,
        environment: &str,
    ) -> Result<Vec<Box<dyn RollbackTrigger>>, String> {
        self.rollback
            .triggers
            .iter()
            .map(|t| {
                t.build(self, environment)
                    .map_err(|e| format!("rollback trigger `{}`: {e}", t.id()))
            })
            .collect()
    }

    /// Problems with the `[rollback]` table that its types cannot express: duplicate ids,
    /// gate names that match nothing, contradictory levels.
    pub(crate) fn rollback_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for trigger in &self.rollback.triggers {
            let id = trigger.id();
            if id.trim().is_empty() {
                problems.push("a rollback trigger has an empty `id`".to_owned());
            } else if !seen.insert(id) {
                problems.push(format!("duplicate rollback trigger id `{id}`"));
            }
            for name in trigger.gate_names() {
                if !self.gates.iter().any(|g| selects(name, g)) {
                    problems.push(format!(
                        "rollback trigger `{id}`: `{name}` names no gate id, kind or phase of the plan"
                    ));
                }
            }
            if let TriggerSpec::Threshold { gate, .. } | TriggerSpec::Growth { gate, .. } = trigger
                && !self.gates.iter().any(|g| g.common.id == *gate)
                && self.gates.iter().any(|g| selects(gate, g))
            {
                problems.push(format!(
                    "rollback trigger `{id}`: `gate` must be one gate's id, not a kind or phase"
                ));
            }
            if let Err(e) = trigger.build(self, "") {
                problems.push(format!("rollback trigger `{id}`: {e}"));
            }
        }
        problems
    }
}
