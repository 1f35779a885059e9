use std::time::Duration;

use crate::errors::SustainError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::{HumanDuration, format_duration};

/// The most samples one window takes: every sample is kept in the evaluation's details, and a
/// window that needs more is better written with a longer interval.
pub const MAX_SAMPLES: u32 = 10_000;

/// The longest a window may run from its start to its last sample (initial delay included): a
/// release waits for it, and a day-long window is a typo (`10h` for `10m`), not a plan.
pub const MAX_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// How many errors in a row a window tolerates unless the plan says otherwise; Argo Rollouts'
/// default too.
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: u32 = 4;

/// How to evaluate a gate over a window of time instead of once, in the manner of Argo
/// Rollouts' analysis and Azure DevOps' gates: a sample every `interval`, for `count` samples
/// or for `duration`, with limits on failed and errored samples.
///
/// In a plan: `sustain = { interval = "30s", duration = "10m", failure_limit = 1 }`.
///
/// ```
/// use release_core::sustain::SustainSpec;
///
/// let spec: SustainSpec = toml::from_str(r#"
///     interval = "30s"
///     duration = "10m"
///     failure_limit = 1
/// "#).unwrap();
/// assert_eq!(spec.samples(), Ok(20));
/// assert_eq!(spec.consecutive_error_limit, 4);
///
/// let both: SustainSpec = toml::from_str(r#"
///     interval = "30s"
///     count = 10
///     duration = "10m"
/// "#).unwrap();
/// assert!(both.validate().unwrap_err().to_string().contains("not both"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SustainSpec {
    /// How long to wait before the first sample, e.g. for a new deployment to take traffic
    /// (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<HumanDuration>,
    /// The time between the starts of two samples. A sample that takes longer than this
    /// delays the next one; samples never overlap.
    pub interval: HumanDuration,
    /// How many samples to take. Set this or `duration`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// How long to sample: `duration / interval` samples, rounded up, at least one. Set this
    /// or `count`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<HumanDuration>,
    /// How many failed samples the window tolerates (default 0); one more fails it at once.
    /// Tolerated failures turn a pass into a warning, unless `consecutive_successes` is set
    /// and the window recovered.
    #[serde(default)]
    pub failure_limit: u32,
    /// When set, the window passes as soon as this many samples in a row pass (or warn), and
    /// only then: a window that ends without such a run fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_successes: Option<u32>,
    /// How many errored samples in a row the window tolerates (default 4); one more is an
    /// `error` at once. Any sample that is not an error starts the count again.
    #[serde(default = "default_consecutive_error_limit")]
    pub consecutive_error_limit: u32,
}

fn default_consecutive_error_limit() -> u32 {
    DEFAULT_CONSECUTIVE_ERROR_LIMIT
}

impl SustainSpec {
    /// `count` samples, `interval` apart, with the default limits: no failed sample tolerated,
    /// four errors in a row.
    ///
    /// ```
    /// use std::time::Duration;
    /// use release_core::sustain::SustainSpec;
    ///
    /// let spec = SustainSpec::count(Duration::from_secs(30), 10).failure_limit(1);
    /// assert_eq!(spec.samples(), Ok(10));
    /// ```
    pub fn count(interval: Duration, count: u32) -> Self {
        Self {
            count: Some(count),
            ..Self::every(interval)
        }
    }

    /// A sample every `interval` for `duration` (that many intervals, rounded up), with the
    /// default limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use release_core::sustain::SustainSpec;
    ///
    /// let spec = SustainSpec::over(Duration::from_secs(45), Duration::from_secs(600));
    /// assert_eq!(spec.samples(), Ok(14));
    /// ```
    pub fn over(interval: Duration, duration: Duration) -> Self {
        Self {
            duration: Some(HumanDuration(duration)),
            ..Self::every(interval)
        }
    }

    fn every(interval: Duration) -> Self {
        Self {
            initial_delay: None,
            interval: HumanDuration(interval),
            count: None,
            duration: None,
            failure_limit: 0,
            consecutive_successes: None,
            consecutive_error_limit: DEFAULT_CONSECUTIVE_ERROR_LIMIT,
        }
    }

    /// Waits this long before the first sample.
    #[must_use]
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = Some(HumanDuration(delay));
        self
    }

    /// Tolerates this many failed samples.
    #[must_use]
    pub fn failure_limit(mut self, limit: u32) -> Self {
        self.failure_limit = limit;
        self
    }

    /// Passes once this many samples in a row pass, and only then.
    #[must_use]
    pub fn consecutive_successes(mut self, successes: u32) -> Self {
        self.consecutive_successes = Some(successes);
        self
    }

    /// Tolerates this many errored samples in a row.
    #[must_use]
    pub fn consecutive_error_limit(mut self, limit: u32) -> Self {
        self.consecutive_error_limit = limit;
        self
    }

    /// Checks the spec; the error says what is wrong and what would be right.
    pub fn validate(&self) -> Result<(), SustainError> {
        self.samples().map(|_| ())
    }

    /// The number of samples the window takes, once the spec is checked.
    pub fn samples(&self) -> Result<u32, SustainError> {
        let interval = self.interval.get();
        if interval.is_zero() {
            return Err(SustainError::ZeroInterval);
        }
        let samples = match (self.count, self.duration) {
            (Some(_), Some(_)) => {
                return Err(SustainError::CountAndDuration);
            }
            (None, None) => {
                return Err(SustainError::NoLength);
            }
            (Some(0), None) => return Err(SustainError::ZeroCount),
            (Some(count), None) if count > MAX_SAMPLES => {
                return Err(SustainError::TooManySamples {
                    count,
                    max: MAX_SAMPLES,
                });
            }
            (Some(count), None) => count,
            (None, Some(duration)) if duration.get().is_zero() => {
                return Err(SustainError::ZeroDuration);
            }
            (None, Some(duration)) => {
                let samples = duration
                    .get()
                    .as_nanos()
                    .div_ceil(interval.as_nanos())
                    .max(1);
                match u32::try_from(samples) {
                    Ok(samples) if samples <= MAX_SAMPLES => samples,
                    _ => {
                        return Err(SustainError::TooLong {
                            duration: duration.to_string(),
                            interval: self.interval.to_string(),
                            samples,
                            max: MAX_SAMPLES,
                        });
                    }
                }
            }
        };
        let delay = self
            .initial_delay
            .map_or(Duration::ZERO, HumanDuration::get);
        let span = delay.saturating_add(interval.saturating_mul(samples - 1));
        if span > MAX_WINDOW {
            return Err(SustainError::TooWide {
                span: format_duration(span),
                max: format_duration(MAX_WINDOW),
            });
        }
        if self.failure_limit >= samples {
            return Err(SustainError::FailureLimit {
                limit: self.failure_limit,
                samples,
            });
        }
        match self.consecutive_successes {
            Some(0) => {
                return Err(SustainError::ZeroSuccesses);
            }
            Some(successes) if successes > samples => {
                return Err(SustainError::TooManySuccesses { successes, samples });
            }
            _ => {}
        }
        Ok(samples)
    }
}
