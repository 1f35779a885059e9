//! The plan's `[rollback]` table: the triggers a decision weighs and the facts its plan needs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::model::{GateSpec, Plan};
use crate::duration::HumanDuration;
use crate::errors::DecisionError;
use crate::gate::Verdict;
use crate::rollback::builtin_number as number;
use crate::rollback::{
    Assessment, Growth, GrowthTrigger, Hold, Level, MissingDataTrigger, RollbackConfig,
    RollbackServices, RollbackTrigger, ThresholdTrigger, TriggerInput, TriggerState,
    VerdictTrigger,
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
    ///
    /// A `threshold` or `growth` trigger whose gate does not run in `environment` (the gate's
    /// `environments` leave it out) is always clear, saying so: there is nothing to judge, and
    /// nothing is missing either.
    ///
    /// # Errors
    ///
    /// The first problem with the trigger's own settings, e.g. a watch level beyond its fire
    /// level; a loaded plan has none.
    pub fn build(
        &self,
        plan: &Plan,
        environment: &str,
    ) -> Result<Box<dyn RollbackTrigger>, String> {
        // Every setting is checked before the environment is: a trigger that is clear in one
        // environment is still wrong in the others.
        if let Some(problem) = self.problems().into_iter().next() {
            return Err(problem.message);
        }
        if let TriggerSpec::Threshold { id, gate, .. } | TriggerSpec::Growth { id, gate, .. } = self
        {
            let mut named = plan
                .gates
                .iter()
                .filter(|g| g.common.id == *gate)
                .peekable();
            if named.peek().is_some() && !named.any(|g| g.applies_to(environment)) {
                return Ok(Box::new(NotInEnvironment {
                    id: id.clone(),
                    kind: self.kind(),
                    reason: format!("gate {gate} does not run in {environment}"),
                }));
            }
        }
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
                    _ => return Err(ONE_FIRE_LEVEL.into()),
                };
                let watch = match (fire, watch_above, watch_below) {
                    (_, None, None) => None,
                    (Level::Above(_), Some(a), None) => Some(Level::Above(*a)),
                    (Level::Below(_), None, Some(b)) => Some(Level::Below(*b)),
                    _ => return Err(WATCH_SIDE.into()),
                };
                let hold = match (samples, duration) {
                    (Some(n), None) => Hold::Samples(*n),
                    (None, Some(d)) => Hold::Duration(d.get()),
                    (None, None) => Hold::Samples(1),
                    (Some(_), Some(_)) => return Err(SAMPLES_OR_DURATION.into()),
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

    /// The kind's name as a plan writes it.
    fn kind(&self) -> &'static str {
        match self {
            TriggerSpec::Verdict { .. } => "verdict",
            TriggerSpec::Threshold { .. } => "threshold",
            TriggerSpec::Growth { .. } => "growth",
            TriggerSpec::MissingData { .. } => "missing-data",
        }
    }

    /// Every problem with the trigger's own settings, each with the key that causes it: the
    /// ones its types cannot express, and the ones that would leave it unable to ever fire or
    /// watch.
    fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        let mut problem = |key: &'static str, message: String| {
            problems.push(SettingProblem { key, message });
        };
        match self {
            TriggerSpec::Verdict {
                gates,
                fire_on,
                watch_on,
                ..
            } => {
                if gates.is_empty() {
                    problem("gates", NO_GATES.to_owned());
                }
                if fire_on.is_empty() && watch_on.is_empty() {
                    problem(
                        "fire_on",
                        "`fire_on` and `watch_on` are both empty, so no verdict could fire it or put it in watch".to_owned(),
                    );
                }
            }
            TriggerSpec::MissingData { gates, .. } => {
                if gates.is_empty() {
                    problem("gates", NO_GATES.to_owned());
                }
            }
            TriggerSpec::Threshold {
                fire_above,
                fire_below,
                watch_above,
                watch_below,
                samples,
                duration,
                ..
            } => {
                let levels = [
                    ("fire_above", fire_above),
                    ("fire_below", fire_below),
                    ("watch_above", watch_above),
                    ("watch_below", watch_below),
                ];
                let mut finite = true;
                for (key, level) in levels {
                    if level.is_some_and(|l| !l.is_finite()) {
                        finite = false;
                        problem(key, format!("`{key}` must be a finite number"));
                    }
                }
                match (fire_above, fire_below) {
                    (Some(_), None) | (None, Some(_)) => {}
                    (Some(_), Some(_)) => problem("fire_below", ONE_FIRE_LEVEL.to_owned()),
                    (None, None) => problem("fire_above", ONE_FIRE_LEVEL.to_owned()),
                }
                match (fire_above, fire_below, watch_above, watch_below) {
                    (_, _, None, None) => {}
                    (Some(fire), None, Some(watch), None) => {
                        if finite && watch >= fire {
                            problem(
                                "watch_above",
                                format!(
                                    "`watch_above` ({}) must be below `fire_above` ({}), or it could never watch before firing",
                                    number(*watch),
                                    number(*fire)
                                ),
                            );
                        }
                    }
                    (None, Some(fire), None, Some(watch)) => {
                        if finite && watch <= fire {
                            problem(
                                "watch_below",
                                format!(
                                    "`watch_below` ({}) must be above `fire_below` ({}), or it could never watch before firing",
                                    number(*watch),
                                    number(*fire)
                                ),
                            );
                        }
                    }
                    // Which side is wrong is unclear when the fire level is.
                    (Some(_), Some(_), ..) | (None, None, ..) => {}
                    (_, _, Some(_), _) => problem("watch_above", WATCH_SIDE.to_owned()),
                    (_, _, None, Some(_)) => problem("watch_below", WATCH_SIDE.to_owned()),
                }
                match (samples, duration) {
                    (Some(_), Some(_)) => problem("duration", SAMPLES_OR_DURATION.to_owned()),
                    (Some(0), None) => {
                        problem("samples", "`samples` must be at least 1".to_owned());
                    }
                    (None, Some(d)) if d.get().is_zero() => {
                        problem("duration", "`duration` must be longer than zero".to_owned())
                    }
                    _ => {}
                }
            }
            TriggerSpec::Growth {
                fire_above,
                watch_above,
                ..
            } => {
                let fire = fire_above
                    .parse::<Growth>()
                    .map_err(|e| problem("fire_above", e))
                    .ok();
                let watch = watch_above.as_ref().and_then(|w| {
                    w.parse::<Growth>()
                        .map_err(|e| problem("watch_above", e))
                        .ok()
                });
                let beyond = match (fire, watch) {
                    (Some(Growth::Percent(f)), Some(Growth::Percent(w)))
                    | (Some(Growth::Absolute(f)), Some(Growth::Absolute(w))) => w >= f,
                    // A percentage and an amount cannot be compared without the baseline.
                    _ => false,
                };
                if let (true, Some(fire), Some(watch)) = (beyond, fire, watch) {
                    problem(
                        "watch_above",
                        format!(
                            "`watch_above` ({}) must be below `fire_above` ({}), or it could never watch before firing",
                            watch.describe(),
                            fire.describe()
                        ),
                    );
                }
            }
        }
        problems
    }
}

const NO_GATES: &str = "`gates` must name at least one gate id, kind or phase";
const ONE_FIRE_LEVEL: &str = "set exactly one of `fire_above` and `fire_below`";
const WATCH_SIDE: &str =
    "a watch level goes on the same side as the fire level (`watch_above` with `fire_above`)";
const SAMPLES_OR_DURATION: &str = "set `samples` or `duration`, not both";

/// A problem with one of a trigger's settings.
struct SettingProblem {
    key: &'static str,
    message: String,
}

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

    /// The `[rollback]` table with its triggers built for `environment`: what a decision over
    /// a run of that environment takes.
    pub fn rollback_config(&self, environment: &str) -> Result<RollbackConfig, DecisionError> {
        Ok(RollbackConfig {
            declared_in: self.path.display().to_string(),
            triggers: self
                .rollback_triggers(environment)
                .map_err(DecisionError::Trigger)?,
            services: self.rollback.services(),
            migrations: self.rollback.migrations,
        })
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
            let gate_key = match trigger {
                TriggerSpec::Verdict { .. } | TriggerSpec::MissingData { .. } => "gates",
                TriggerSpec::Threshold { .. } | TriggerSpec::Growth { .. } => "gate",
            };
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
            if let TriggerSpec::Threshold { gate, .. } | TriggerSpec::Growth { gate, .. } = trigger
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
            let settings = trigger.problems();
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
            if settings_ok && let Err(e) = trigger.build(self, "") {
                problem(None, format!("rollback trigger `{id}`: {e}"));
            }
        }
        problems
    }
}
