use std::fmt;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a gate concluded.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The check held.
    Pass,
    /// The check held with a concern; blocks only in strict mode.
    Warn,
    /// The check did not hold.
    Fail,
    /// It ran, but there was no data and the gate's no-data policy says so; blocks only in
    /// strict mode.
    Inconclusive,
    /// It could not run: a timeout, a refused connection, a malformed response, cancellation.
    Error,
    /// It was not run, for a stated reason.
    Skipped,
}

impl Verdict {
    /// Every verdict, in report order.
    pub const ALL: [Verdict; 6] = [
        Verdict::Pass,
        Verdict::Warn,
        Verdict::Fail,
        Verdict::Inconclusive,
        Verdict::Error,
        Verdict::Skipped,
    ];

    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "error",
            Verdict::Skipped => "skipped",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The "why" behind a verdict, as data: what was seen next to what was expected.
///
/// Values that came from secrets are never put here; gates describe them instead
/// (`"set (23 characters)"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Observation {
    /// What was measured, e.g. `summary.rolesBlocked` or a variable name.
    pub name: String,
    /// What was seen.
    pub observed: Value,
    /// What the rule wanted.
    pub expected: Value,
    /// The rule applied, e.g. `eq`, `le`, `url.scheme`.
    pub rule: String,
    /// The unit of `observed` and `expected`, when they have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The value this one was compared with, when the rule is relative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Value>,
}

impl Observation {
    /// An observation without unit or baseline.
    ///
    /// ```
    /// use release_core::Observation;
    /// let o = Observation::new("summary.rolesBlocked", 2, 0, "eq");
    /// assert_eq!(o.observed, 2);
    /// ```
    pub fn new(
        name: impl Into<String>,
        observed: impl Into<Value>,
        expected: impl Into<Value>,
        rule: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            // Floats in their shortest form (`13`, not `13.0`): see `crate::number`.
            observed: crate::number::tidy(observed.into()),
            expected: crate::number::tidy(expected.into()),
            rule: rule.into(),
            unit: None,
            baseline: None,
        }
    }

    /// Sets the unit.
    #[must_use]
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// Replaces every secret the redactor knows in the observation's text.
    pub fn redact(&mut self, redactor: &crate::Redactor) {
        redactor.redact_in_place(&mut self.name);
        redactor.redact_json(&mut self.observed);
        redactor.redact_json(&mut self.expected);
        redactor.redact_in_place(&mut self.rule);
        if let Some(unit) = &mut self.unit {
            redactor.redact_in_place(unit);
        }
        if let Some(baseline) = &mut self.baseline {
            redactor.redact_json(baseline);
        }
    }

    /// Sets the baseline.
    #[must_use]
    pub fn baseline(mut self, baseline: impl Into<Value>) -> Self {
        self.baseline = Some(crate::number::tidy(baseline.into()));
        self
    }
}

/// Context a reader wants beside the verdict that is not a rule outcome, such as which source
/// each variable came from or the tail of a command's output. Already redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// What this is about, e.g. a variable name.
    pub name: String,
    /// What was found, in words.
    pub detail: String,
}

impl Evidence {
    /// Replaces every secret the redactor knows in the evidence's text.
    pub fn redact(&mut self, redactor: &crate::Redactor) {
        redactor.redact_in_place(&mut self.name);
        redactor.redact_in_place(&mut self.detail);
    }

    /// A piece of evidence.
    pub fn new(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            detail: detail.into(),
        }
    }
}

/// A number a later run can compare with, such as the count of stale sessions; recorded in
/// the summary and the release log, where baselines come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Measurement {
    /// What was measured, unique within the gate, e.g. `stale_active_sessions`.
    pub name: String,
    /// The value (written `13`, not `13.0`).
    #[serde(serialize_with = "crate::number::serialize")]
    pub value: f64,
    /// Its unit, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// The result of evaluating one gate. It serializes as the summary writes a gate (empty lists
/// and absent values left out, the duration in milliseconds), so an embedder can keep or send
/// one.
///
/// ```
/// use release_core::{Evaluation, Observation};
/// let failed = Evaluation::fail("2 roles blocked")
///     .observation(Observation::new("summary.rolesBlocked", 2, 0, "eq"));
/// let json = serde_json::to_string(&failed).unwrap();
/// assert!(json.contains(r#""verdict":"fail""#) && json.contains(r#""duration_ms":0"#));
/// assert_eq!(serde_json::from_str::<Evaluation>(&json).unwrap(), failed);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The verdict.
    pub verdict: Verdict,
    /// One line a person reads first.
    pub summary: String,
    /// Why; every verdict but `pass` and `skipped` carries at least one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
    /// Context beside the observations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Numbers later runs compare with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// The levels the value was judged against, for a soak window's chart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<super::Threshold>,
    /// Facts a later step needs in a structure of the gate kind's own, such as the deployment
    /// ids a rollback returns to. Already redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Wall time of the evaluation; the runner measures it.
    #[serde(rename = "duration_ms", with = "millis")]
    pub duration: Duration,
    /// How many attempts were made; `1` unless a retry ran more. A sustained gate gives the
    /// most any one sample needed.
    pub attempts: u32,
    /// How many samples a sustained gate took; `None` for a single check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u32>,
}

/// A duration as whole milliseconds, as the summary writes it.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

impl Evaluation {
    /// An evaluation with the given verdict and summary.
    pub fn new(verdict: Verdict, summary: impl Into<String>) -> Self {
        Self {
            verdict,
            summary: summary.into(),
            observations: Vec::new(),
            evidence: Vec::new(),
            measurements: Vec::new(),
            thresholds: Vec::new(),
            details: None,
            duration: Duration::ZERO,
            attempts: 1,
            samples: None,
        }
    }

    /// A passing evaluation.
    pub fn pass(summary: impl Into<String>) -> Self {
        Self::new(Verdict::Pass, summary)
    }

    /// A warning.
    pub fn warn(summary: impl Into<String>) -> Self {
        Self::new(Verdict::Warn, summary)
    }

    /// A failure.
    pub fn fail(summary: impl Into<String>) -> Self {
        Self::new(Verdict::Fail, summary)
    }

    /// No data, and the no-data policy says inconclusive.
    pub fn inconclusive(summary: impl Into<String>) -> Self {
        Self::new(Verdict::Inconclusive, summary)
    }

    /// The gate could not run.
    pub fn error(summary: impl Into<String>) -> Self {
        Self::new(Verdict::Error, summary)
    }

    /// The gate was not run; the summary is the reason.
    pub fn skipped(reason: impl Into<String>) -> Self {
        Self::new(Verdict::Skipped, reason)
    }

    /// Adds an observation.
    #[must_use]
    pub fn observation(mut self, observation: Observation) -> Self {
        self.observations.push(observation);
        self
    }

    /// Adds observations.
    #[must_use]
    pub fn observations(mut self, observations: impl IntoIterator<Item = Observation>) -> Self {
        self.observations.extend(observations);
        self
    }

    /// Records a measurement for later baselines.
    #[must_use]
    pub fn measurement(mut self, name: impl Into<String>, value: f64, unit: Option<&str>) -> Self {
        self.measurements.push(Measurement {
            name: name.into(),
            value,
            unit: unit.map(str::to_owned),
        });
        self
    }

    /// Replaces every secret the redactor knows in the evaluation's text: its summary,
    /// observations, evidence and details.
    pub fn redact(&mut self, redactor: &crate::Redactor) {
        if redactor.is_empty() {
            return;
        }
        redactor.redact_in_place(&mut self.summary);
        self.observations
            .iter_mut()
            .for_each(|o| o.redact(redactor));
        self.evidence.iter_mut().for_each(|e| e.redact(redactor));
        if let Some(details) = &mut self.details {
            redactor.redact_json(details);
        }
    }

    /// Sets the kind-specific details.
    #[must_use]
    pub fn details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Adds evidence.
    #[must_use]
    pub fn evidence(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(evidence);
        self
    }
}
/// The worst verdict, in the order fail/error > inconclusive > warn.
pub(crate) fn worst(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
    let rank = |v: Verdict| match v {
        Verdict::Pass | Verdict::Skipped => 0,
        Verdict::Warn => 1,
        Verdict::Inconclusive => 2,
        Verdict::Fail => 3,
        Verdict::Error => 4,
    };
    verdicts
        .into_iter()
        .max_by_key(|v| rank(*v))
        .unwrap_or(Verdict::Pass)
}
