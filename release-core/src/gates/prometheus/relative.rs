use std::fmt;
use std::str::FromStr;

use crate::errors::InvalidSpec;

/// A limit relative to a baseline: `"<=+10%"`, `"<=+2pp"`, `">=-5%"`, `"<=+0.5"`.
///
/// `%` scales the baseline; `pp` adds percentage points to a ratio (0.01 each: values such
/// as error rates are ratios, 0.012 = 1.2 %); a bare number adds that much. A `%` rule says
/// nothing about a zero baseline (any percentage of 0 is 0), so it is not applied then, and
/// the observation says so; `pp` and absolute rules apply to a zero baseline as to any.
///
/// ```
/// use release_core::gates::prometheus::RelativeRule;
/// let rule: RelativeRule = "<=+10%".parse().unwrap();
/// assert_eq!(rule.limit(2.0), Some(2.2));
/// assert!(rule.breached(2.3, 2.0));
/// assert_eq!(rule.limit(0.0), None);
/// assert_eq!(rule.limit(-2.0), Some(-1.8)); // above a negative baseline too
/// let rule: RelativeRule = "<=+2pp".parse().unwrap();
/// assert!((rule.limit(0.01).unwrap() - 0.03).abs() < 1e-12);
/// assert!("about the same".parse::<RelativeRule>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelativeRule {
    at_most: bool,
    delta: f64,
    unit: DeltaUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeltaUnit {
    Percent,
    Points,
    Absolute,
}

impl FromStr for RelativeRule {
    type Err = InvalidSpec;

    fn from_str(text: &str) -> Result<Self, InvalidSpec> {
        let error = || {
            InvalidSpec::new(format!(
                "invalid relative limit {text:?}: expected `<=` or `>=`, a signed number and `%`, `pp` or nothing, such as \"<=+10%\" or \">=-2pp\""
            ))
        };
        let trimmed = text.trim();
        let (at_most, rest) = if let Some(rest) = trimmed.strip_prefix("<=") {
            (true, rest)
        } else if let Some(rest) = trimmed.strip_prefix(">=") {
            (false, rest)
        } else {
            return Err(error());
        };
        let rest = rest.trim();
        let (number, unit) = if let Some(n) = rest.strip_suffix('%') {
            (n, DeltaUnit::Percent)
        } else if let Some(n) = rest.strip_suffix("pp") {
            (n, DeltaUnit::Points)
        } else {
            (rest, DeltaUnit::Absolute)
        };
        if !(number.starts_with('+') || number.starts_with('-')) {
            return Err(error());
        }
        let delta: f64 = number.trim().parse().map_err(|_| error())?;
        if !delta.is_finite() {
            return Err(error());
        }
        if unit == DeltaUnit::Percent && delta <= -100.0 {
            return Err(InvalidSpec::new(format!(
                "invalid relative limit {text:?}: a change of -100% or less leaves nothing"
            )));
        }
        Ok(Self {
            at_most,
            delta,
            unit,
        })
    }
}

impl RelativeRule {
    /// The limit for a baseline, or `None` when the rule says nothing about it (a `%` rule
    /// and a zero baseline).
    pub fn limit(&self, baseline: f64) -> Option<f64> {
        match self.unit {
            DeltaUnit::Percent if baseline == 0.0 => None,
            // Of the baseline's size, so that `<=+10%` stays above a negative baseline too.
            DeltaUnit::Percent => Some(baseline + baseline.abs() * self.delta / 100.0),
            DeltaUnit::Points => Some(baseline + self.delta / 100.0),
            DeltaUnit::Absolute => Some(baseline + self.delta),
        }
    }

    /// Whether `value` breaks the rule against `baseline`.
    pub fn breached(&self, value: f64, baseline: f64) -> bool {
        match self.limit(baseline) {
            None => false,
            Some(limit) if self.at_most => value > limit,
            Some(limit) => value < limit,
        }
    }

    /// `<=` or `>=`.
    pub(crate) fn op(&self) -> &'static str {
        if self.at_most { "<=" } else { ">=" }
    }
}

impl fmt::Display for RelativeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            DeltaUnit::Percent => "%",
            DeltaUnit::Points => "pp",
            DeltaUnit::Absolute => "",
        };
        let sign = if self.delta >= 0.0 { "+" } else { "" };
        let delta = crate::number::shortest(self.delta);
        write!(f, "{}{sign}{delta}{unit}", self.op())
    }
}
