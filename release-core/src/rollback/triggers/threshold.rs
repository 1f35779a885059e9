//! The `threshold` trigger kind: a value beyond a level for samples in a row or for a
//! duration.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::json;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kinds::{SettingProblem, TriggerKind, refused};
use super::number;
use crate::duration::HumanDuration;
use crate::errors::InvalidTrigger;
use crate::gate::Observation;
use crate::number::json as json_number;
use crate::rollback::trigger::{Assessment, RollbackTrigger, TriggerInput, TriggerState};
use crate::summary::GateRecord;
use crate::sustain::SampleDetails;

/// A level a value must stay on the right side of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    /// Beyond when strictly above.
    Above(f64),
    /// Beyond when strictly below.
    Below(f64),
}

impl Level {
    fn beyond(self, value: f64) -> bool {
        match self {
            Level::Above(limit) => value > limit,
            Level::Below(limit) => value < limit,
        }
    }

    fn describe(self) -> String {
        match self {
            Level::Above(limit) => format!("above {}", number(limit)),
            Level::Below(limit) => format!("below {}", number(limit)),
        }
    }
}

/// How long a value must stay beyond its level before the trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// This many samples in a row.
    Samples(u32),
    /// Samples in a row spanning at least this long (first to last sample's time).
    Duration(Duration),
}

impl Hold {
    fn describe(self) -> String {
        match self {
            Hold::Samples(1) => "in any sample".to_owned(),
            Hold::Samples(n) => format!("for {n} samples in a row"),
            Hold::Duration(d) => format!("for {}", crate::duration::format_duration(d)),
        }
    }
}

/// Fires when a gate's value stays beyond a level for a number of consecutive samples or a
/// duration, read from a soak's samples (`details.samples`) or, for a gate without a window,
/// its single measurement. Watches when a value crossed the fire level without holding, or
/// crossed the watch level. A gate without any value is in watch: no data is never clear.
///
/// ```
/// use release_core::rollback::{Hold, Level, ThresholdTrigger};
/// let errors = ThresholdTrigger::new("error-rate", "api-5xx-rate", Level::Above(0.02), Hold::Samples(3))
///     .watch(Level::Above(0.005));
/// # let _ = errors;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdTrigger {
    id: String,
    gate: String,
    measurement: Option<String>,
    fire: Level,
    watch: Option<Level>,
    hold: Hold,
}

impl ThresholdTrigger {
    /// Fires when `gate`'s value is beyond `fire` for `hold`.
    pub fn new(id: impl Into<String>, gate: impl Into<String>, fire: Level, hold: Hold) -> Self {
        Self {
            id: id.into(),
            gate: gate.into(),
            measurement: None,
            fire,
            watch: None,
            hold,
        }
    }

    /// The measurement to read when the gate records several (default: its samples' values,
    /// else its first measurement).
    #[must_use]
    pub fn measurement(mut self, name: impl Into<String>) -> Self {
        self.measurement = Some(name.into());
        self
    }

    /// A level that puts the trigger in watch.
    #[must_use]
    pub fn watch(mut self, level: Level) -> Self {
        self.watch = Some(level);
        self
    }
}

/// One sample of a gate: when it was taken and its value, `None` when it had none (no data,
/// an error). A sample without a value breaks a run: breaches either side of it are not "in
/// a row".
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Timestamp,
    value: Option<f64>,
}

impl ThresholdTrigger {
    fn name(&self) -> String {
        format!(
            "{}.{}",
            self.gate,
            self.measurement.as_deref().unwrap_or("value")
        )
    }

    /// The gate's samples in time order: the soak's when it has them and no other
    /// measurement was named, else the named (or first) measurement at the run's end.
    fn samples(&self, gate: &GateRecord, finished_at: Timestamp) -> Vec<Sample> {
        let from_window = self.measurement.is_none()
            || gate
                .measurements
                .first()
                .is_some_and(|m| Some(&m.name) == self.measurement.as_ref());
        if from_window
            && let Some(samples) = gate.details.as_ref().and_then(SampleDetails::read_all)
        {
            let mut taken: Vec<Sample> = samples
                .into_iter()
                .map(|s| Sample {
                    at: s.at,
                    value: s.value,
                })
                .collect();
            if taken.iter().any(|s| s.value.is_some()) {
                // Stable, so samples recorded at the same instant keep their order.
                taken.sort_by_key(|s| s.at);
                return taken;
            }
        }
        let measured = match &self.measurement {
            Some(name) => gate.measurements.iter().find(|m| &m.name == name),
            None => gate.measurements.first(),
        };
        measured
            .map(|m| m.value)
            .or_else(|| {
                let name = self.measurement.as_deref().unwrap_or("value");
                gate.observations
                    .iter()
                    .find(|o| o.name == name)
                    .and_then(|o| o.observed.as_f64())
            })
            .filter(|v| !v.is_nan())
            .map(|value| {
                vec![Sample {
                    at: finished_at,
                    value: Some(value),
                }]
            })
            .unwrap_or_default()
    }
}

/// A run of consecutive samples beyond a level.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    count: u32,
    span: Duration,
    peak: Option<f64>,
}

/// The runs that matter for a hold: the one with the most samples and the one that lasted
/// longest (a long breach sampled rarely can have fewer samples than a short, dense one).
#[derive(Debug, Clone, Copy, Default)]
struct Runs {
    most_samples: Run,
    longest: Run,
}

impl Runs {
    fn any(&self) -> bool {
        self.most_samples.count > 0
    }

    /// The run a hold is judged on.
    fn for_hold(&self, hold: Hold) -> Run {
        match hold {
            Hold::Samples(_) => self.most_samples,
            Hold::Duration(_) => self.longest,
        }
    }
}

/// One pass over the samples, so a soak of any length costs linear time.
fn runs_beyond(samples: &[Sample], level: Level) -> Runs {
    let mut runs = Runs::default();
    let mut current: Option<(Timestamp, Run)> = None;
    for sample in samples {
        let Some(value) = sample.value.filter(|v| level.beyond(*v)) else {
            current = None;
            continue;
        };
        let (start, run) = current.get_or_insert((sample.at, Run::default()));
        run.count = run.count.saturating_add(1);
        run.span = sample.at.duration_since(*start).unsigned_abs();
        run.peak = Some(match (run.peak, level) {
            (None, _) => value,
            (Some(p), Level::Above(_)) => p.max(value),
            (Some(p), Level::Below(_)) => p.min(value),
        });
        let run = *run;
        if run.count > runs.most_samples.count
            || (run.count == runs.most_samples.count && run.span > runs.most_samples.span)
        {
            runs.most_samples = run;
        }
        if run.span > runs.longest.span
            || (run.span == runs.longest.span && run.count > runs.longest.count)
        {
            runs.longest = run;
        }
    }
    runs
}

impl RollbackTrigger for ThresholdTrigger {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &str {
        "threshold"
    }

    fn assess(&self, input: &TriggerInput<'_>) -> Assessment {
        let name = self.name();
        let rule = format!("{} {}", self.fire.describe(), self.hold.describe());
        let Some(gate) = input.gate(&self.gate) else {
            return Assessment::new(
                self,
                TriggerState::Watch,
                format!("gate {} is not in the run; nothing to judge", self.gate),
            )
            .observations([Observation::new(&name, "absent", rule, "threshold.held")]);
        };
        let samples = self.samples(gate, input.summary.finished_at);
        if samples.is_empty() {
            return Assessment::new(
                self,
                TriggerState::Watch,
                format!(
                    "{} has no value ({}: {})",
                    self.gate, gate.verdict, gate.summary
                ),
            )
            .observations([Observation::new(&name, "no data", rule, "threshold.held")]);
        }
        let runs = runs_beyond(&samples, self.fire);
        let run = runs.for_hold(self.hold);
        let held = match self.hold {
            Hold::Samples(n) => run.count >= n.max(1),
            Hold::Duration(d) => run.count > 0 && run.span >= d,
        };
        let last = samples
            .iter()
            .rev()
            .find_map(|s| s.value)
            .unwrap_or(f64::NAN);
        let of = samples.len();
        let held_observation = |run: Run| {
            let observed = match self.hold {
                Hold::Samples(_) => json!(run.count),
                Hold::Duration(_) => json!(crate::duration::format_duration(run.span)),
            };
            let expected = match self.hold {
                Hold::Samples(n) => json!(format!("fewer than {n}")),
                Hold::Duration(d) => {
                    json!(format!(
                        "shorter than {}",
                        crate::duration::format_duration(d)
                    ))
                }
            };
            Observation::new(
                format!("{name} {} in a row", self.fire.describe()),
                observed,
                expected,
                "threshold.held",
            )
        };
        if held {
            let peak = run.peak.unwrap_or(last);
            return Assessment::new(
                self,
                TriggerState::Fired,
                format!(
                    "{name} {} for {} of {of} samples in a row{} (peak {})",
                    self.fire.describe(),
                    run.count,
                    span_text(run.span),
                    number(peak)
                ),
            )
            .observations([
                Observation::new(&name, json_number(peak), rule, "threshold"),
                held_observation(run),
            ]);
        }
        if runs.any() {
            return Assessment::new(
                self,
                TriggerState::Watch,
                format!(
                    "{name} {} in {} of {of} samples, not held {}",
                    self.fire.describe(),
                    run.count,
                    self.hold.describe()
                ),
            )
            .observations([
                Observation::new(
                    &name,
                    json_number(run.peak.unwrap_or(last)),
                    rule,
                    "threshold",
                ),
                held_observation(run),
            ]);
        }
        if let Some(watch) = self.watch {
            let crossed = runs_beyond(&samples, watch).most_samples;
            if crossed.count > 0 {
                return Assessment::new(
                    self,
                    TriggerState::Watch,
                    format!(
                        "{name} {} (watch level) in {} of {of} samples",
                        watch.describe(),
                        crossed.count
                    ),
                )
                .observations([Observation::new(
                    &name,
                    json_number(crossed.peak.unwrap_or(last)),
                    format!("not {}", watch.describe()),
                    "threshold.watch",
                )]);
            }
        }
        Assessment::new(
            self,
            TriggerState::Clear,
            format!(
                "{name} never {} in {of} samples (last {})",
                self.fire.describe(),
                number(last)
            ),
        )
    }
}

fn span_text(span: Duration) -> String {
    if span.is_zero() {
        String::new()
    } else {
        format!(" over {}", crate::duration::format_duration(span))
    }
}

/// A gate's value beyond a level for `samples` in a row or for `duration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub struct ThresholdSpec {
    /// Unique among the triggers.
    pub id: String,
    /// The gate's id.
    pub gate: String,
    /// The measurement, when the gate records several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<String>,
    /// Fires above this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fire_above: Option<f64>,
    /// Fires below this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fire_below: Option<f64>,
    /// Watches above this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch_above: Option<f64>,
    /// Watches below this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch_below: Option<f64>,
    /// Consecutive samples beyond the level that fire it (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u32>,
    /// How long consecutive samples must stay beyond the level instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<HumanDuration>,
}

const ONE_FIRE_LEVEL: &str = "set exactly one of `fire_above` and `fire_below`";
const WATCH_SIDE: &str =
    "a watch level goes on the same side as the fire level (`watch_above` with `fire_above`)";
const SAMPLES_OR_DURATION: &str = "set `samples` or `duration`, not both";

impl TriggerKind for ThresholdSpec {
    fn kind(&self) -> &'static str {
        "threshold"
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
        let mut problems = Vec::new();
        let mut problem = |key: &'static str, message: String| {
            problems.push(SettingProblem { key, message });
        };
        let (fire_above, fire_below) = (&self.fire_above, &self.fire_below);
        let (watch_above, watch_below) = (&self.watch_above, &self.watch_below);
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
        match (self.samples, &self.duration) {
            (Some(_), Some(_)) => problem("duration", SAMPLES_OR_DURATION.to_owned()),
            (Some(0), None) => {
                problem("samples", "`samples` must be at least 1".to_owned());
            }
            (None, Some(d)) if d.get().is_zero() => {
                problem("duration", "`duration` must be longer than zero".to_owned())
            }
            _ => {}
        }
        problems
    }

    fn build(
        &self,
        _resolve: &dyn Fn(&[String]) -> Vec<String>,
    ) -> Result<Box<dyn RollbackTrigger>, InvalidTrigger> {
        refused(self.problems())?;
        // The settings passed their checks: exactly one fire level, a watch level on its side,
        // samples or a duration.
        let fire = match self.fire_below {
            Some(level) => Level::Below(level),
            None => Level::Above(self.fire_above.unwrap_or(f64::INFINITY)),
        };
        let watch = match fire {
            Level::Above(_) => self.watch_above.map(Level::Above),
            Level::Below(_) => self.watch_below.map(Level::Below),
        };
        let hold = match self.duration {
            Some(duration) => Hold::Duration(duration.get()),
            None => Hold::Samples(self.samples.unwrap_or(1)),
        };
        let mut trigger = ThresholdTrigger::new(&self.id, &self.gate, fire, hold);
        if let Some(m) = &self.measurement {
            trigger = trigger.measurement(m);
        }
        if let Some(w) = watch {
            trigger = trigger.watch(w);
        }
        Ok(Box::new(trigger))
    }
}
