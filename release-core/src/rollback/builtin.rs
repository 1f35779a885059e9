//! The built-in trigger kinds: a gate's verdict, a threshold held over samples, growth over a
//! baseline, and missing data.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::trigger::{Assessment, RollbackTrigger, TriggerInput, TriggerState};
use crate::gate::{Observation, Verdict};
use crate::summary::GateRecord;
use crate::sustain::SampleDetails;

/// At most this many gates are named in a reason; the observations list them all.
const NAMED_IN_REASON: usize = 3;

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

impl std::str::FromStr for Growth {
    type Err = String;

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
            .ok_or_else(|| {
                format!("`{text}` is not a growth limit; expected e.g. `+50%` or `+5`")
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

use crate::number::json as json_number;
pub(crate) use crate::number::shortest as number;
