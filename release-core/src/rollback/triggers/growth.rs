//! The `growth` trigger kind: a measurement grown over the last successful run's value.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kinds::{SettingProblem, TriggerKind, refused};
use super::number;
use crate::errors::InvalidTrigger;
use crate::gate::Observation;
use crate::number::json as json_number;
use crate::rollback::trigger::{Assessment, RollbackTrigger, TriggerInput, TriggerState};

/// How much a value may grow over its baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    /// By this many percent of the baseline, e.g. `+50%`.
    Percent(f64),
    /// By this much, e.g. `+5`.
    Absolute(f64),
}

impl Growth {
    /// The limit as written in a plan. [`FromStr`](std::str::FromStr) reads `+50%` or `+5`
    /// (the sign is optional; growth is always upward).
    ///
    /// ```
    /// use release_core::rollback::Growth;
    /// assert_eq!("+50%".parse::<Growth>(), Ok(Growth::Percent(50.0)));
    /// assert_eq!("5".parse::<Growth>(), Ok(Growth::Absolute(5.0)));
    /// assert!("fast".parse::<Growth>().is_err());
    /// assert_eq!(Growth::Percent(50.0).describe(), "+50%");
    /// ```
    pub fn describe(self) -> String {
        match self {
            Growth::Percent(p) => format!("+{}%", number(p)),
            Growth::Absolute(d) => format!("+{}", number(d)),
        }
    }
}

/// Text that is not a growth limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a growth limit; expected e.g. `+50%` or `+5`")]
#[non_exhaustive]
pub struct NotAGrowth {
    /// The text as written.
    pub text: String,
}

impl std::str::FromStr for Growth {
    type Err = NotAGrowth;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
        let (digits, percent) = match body.strip_suffix('%') {
            Some(d) => (d, true),
            None => (body, false),
        };
        let value: f64 = digits
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| NotAGrowth {
                text: text.to_owned(),
            })?;
        Ok(if percent {
            Growth::Percent(value)
        } else {
            Growth::Absolute(value)
        })
    }
}

/// Fires when a gate's measurement grew over its baseline (the last successful run's value)
/// by more than a limit, e.g. stale sessions up 50%. Without a baseline there is nothing to
/// compare, which is said; a percentage of a zero baseline is undefined, so any growth from
/// zero is in watch.
///
/// ```
/// use release_core::rollback::{Growth, GrowthTrigger};
/// let stale = GrowthTrigger::new("stale-sessions", "agent-sessions", "stale_active_sessions", Growth::Percent(50.0))
///     .watch(Growth::Percent(20.0));
/// # let _ = stale;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GrowthTrigger {
    id: String,
    gate: String,
    measurement: String,
    fire: Growth,
    watch: Option<Growth>,
}

impl GrowthTrigger {
    /// Fires when `gate`'s `measurement` grew by more than `fire`.
    pub fn new(
        id: impl Into<String>,
        gate: impl Into<String>,
        measurement: impl Into<String>,
        fire: Growth,
    ) -> Self {
        Self {
            id: id.into(),
            gate: gate.into(),
            measurement: measurement.into(),
            fire,
            watch: None,
        }
    }

    /// A smaller growth that puts the trigger in watch.
    #[must_use]
    pub fn watch(mut self, growth: Growth) -> Self {
        self.watch = Some(growth);
        self
    }
}

fn exceeds(growth: Growth, value: f64, baseline: f64) -> Option<bool> {
    match growth {
        Growth::Absolute(limit) => Some(value - baseline > limit),
        Growth::Percent(_) if baseline == 0.0 => None,
        Growth::Percent(limit) => Some((value - baseline) / baseline.abs() * 100.0 > limit),
    }
}

impl RollbackTrigger for GrowthTrigger {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &str {
        "growth"
    }

    fn baseline_keys(&self) -> Vec<String> {
        vec![format!("{}.{}", self.gate, self.measurement)]
    }

    fn assess(&self, input: &TriggerInput<'_>) -> Assessment {
        let key = format!("{}.{}", self.gate, self.measurement);
        let expected = format!("at most {} over the baseline", self.fire.describe());
        let value = input
            .gate(&self.gate)
            .and_then(|g| g.measurements.iter().find(|m| m.name == self.measurement))
            .map(|m| m.value)
            .filter(|v| v.is_finite());
        let Some(value) = value else {
            return Assessment::new(
                self,
                TriggerState::Watch,
                format!("{key} was not measured in the run; nothing to judge"),
            )
            .observations([Observation::new(&key, "no data", expected, "growth")]);
        };
        let Some(baseline) = input.baselines.get(&key) else {
            return Assessment::new(
                self,
                TriggerState::Clear,
                format!(
                    "{key} is {}; no baseline yet, so growth cannot be judged",
                    number(value)
                ),
            );
        };
        let observation = Observation::new(&key, json_number(value), expected, "growth")
            .baseline(json_number(baseline.value));
        let change = describe_change(value, baseline.value);
        let source = &baseline.source;
        let fired = exceeds(self.fire, value, baseline.value);
        let watched = self.watch.and_then(|w| exceeds(w, value, baseline.value));
        let (state, why) = match (fired, watched) {
            (Some(true), _) => (
                TriggerState::Fired,
                format!("more than {}", self.fire.describe()),
            ),
            (None, _) if value > baseline.value => (
                TriggerState::Watch,
                "growth from a zero baseline, which a percentage cannot judge".to_owned(),
            ),
            (_, Some(true)) => (
                TriggerState::Watch,
                format!(
                    "more than the watch level {}",
                    self.watch.map(Growth::describe).unwrap_or_default()
                ),
            ),
            _ => (
                TriggerState::Clear,
                format!("within {}", self.fire.describe()),
            ),
        };
        Assessment::new(
            self,
            state,
            format!(
                "{key} is {} against {} ({change}, {why}); baseline from {source}",
                number(value),
                number(baseline.value)
            ),
        )
        .observations([observation])
    }
}

fn describe_change(value: f64, baseline: f64) -> String {
    let delta = value - baseline;
    if baseline == 0.0 {
        format!("{}{}", if delta >= 0.0 { "+" } else { "" }, number(delta))
    } else {
        let percent = delta / baseline.abs() * 100.0;
        format!(
            "{}{}%",
            if percent >= 0.0 { "+" } else { "" },
            number((percent * 10.0).round() / 10.0)
        )
    }
}

/// A measurement's growth over the last successful run's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub struct GrowthSpec {
    /// Unique among the triggers.
    pub id: String,
    /// The gate's id.
    pub gate: String,
    /// The measurement, e.g. `stale_active_sessions`.
    pub measurement: String,
    /// Fires above this growth: `+50%` or `+5`.
    pub fire_above: String,
    /// Watches above this growth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch_above: Option<String>,
}

impl GrowthSpec {
    /// The fire and watch growths as read, with the problems of reading them.
    fn growths(&self) -> (Option<Growth>, Option<Growth>, Vec<SettingProblem>) {
        let mut problems = Vec::new();
        let fire = self
            .fire_above
            .parse::<Growth>()
            .map_err(|e| problems.push(SettingProblem::new("fire_above", e.to_string())))
            .ok();
        let watch = self.watch_above.as_ref().and_then(|w| {
            w.parse::<Growth>()
                .map_err(|e| problems.push(SettingProblem::new("watch_above", e.to_string())))
                .ok()
        });
        (fire, watch, problems)
    }
}

impl TriggerKind for GrowthSpec {
    fn kind(&self) -> &'static str {
        "growth"
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn gate_names(&self) -> Vec<&str> {
        vec![self.gate.as_str()]
    }

    fn gate_key(&self) -> &'static str {
        "gate"
    }

    fn one_gate(&self) -> Option<&str> {
        Some(&self.gate)
    }

    fn problems(&self) -> Vec<SettingProblem> {
        let (fire, watch, mut problems) = self.growths();
        let beyond = match (fire, watch) {
            (Some(Growth::Percent(f)), Some(Growth::Percent(w)))
            | (Some(Growth::Absolute(f)), Some(Growth::Absolute(w))) => w >= f,
            // A percentage and an amount cannot be compared without the baseline.
            _ => false,
        };
        if let (true, Some(fire), Some(watch)) = (beyond, fire, watch) {
            problems.push(SettingProblem::new(
                "watch_above",
                format!(
                    "`watch_above` ({}) must be below `fire_above` ({}), or it could never watch before firing",
                    watch.describe(),
                    fire.describe()
                ),
            ));
        }
        problems
    }

    fn build(
        &self,
        _resolve: &dyn Fn(&[String]) -> Vec<String>,
    ) -> Result<Box<dyn RollbackTrigger>, InvalidTrigger> {
        refused(self.problems())?;
        let (fire, watch, _) = self.growths();
        let Some(fire) = fire else {
            // The checks above refuse a `fire_above` that is not a growth.
            let message = format!("`{}` is not a growth limit", self.fire_above);
            return Err(InvalidTrigger::Setting {
                key: "fire_above",
                message,
            });
        };
        let mut trigger = GrowthTrigger::new(&self.id, &self.gate, &self.measurement, fire);
        if let Some(w) = watch {
            trigger = trigger.watch(w);
        }
        Ok(Box::new(trigger))
    }
}
