//! Durations as plans write them: `"5s"`, `"1m30s"`, `"300ms"`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative duration written as a string in plans, such as `"5s"` or `"1m30s"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    /// The duration.
    pub fn get(self) -> Duration {
        self.0
    }
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration {input:?}: expected a duration such as \"5s\", \"300ms\" or \"1m30s\"{reason}"
)]
pub struct DurationError {
    input: String,
    reason: &'static str,
}

impl FromStr for HumanDuration {
    type Err = DurationError;

    /// ```
    /// use release_core::HumanDuration;
    /// use std::time::Duration;
    /// let d: HumanDuration = "1m30s".parse().unwrap();
    /// assert_eq!(d.get(), Duration::from_secs(90));
    /// assert!("soon".parse::<HumanDuration>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = |reason| DurationError {
            input: s.chars().take(40).collect(),
            reason,
        };
        let trimmed = s.trim();
        // A bare number has no unit, and "5" could mean seconds or milliseconds; refuse it.
        if trimmed.is_empty() || trimmed.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(error(" (a unit is required)"));
        }
        let signed: jiff::SignedDuration = trimmed.parse().map_err(|_| error(""))?;
        if signed.is_negative() {
            return Err(error(" (it must not be negative)"));
        }
        Duration::try_from(signed)
            .map(HumanDuration)
            .map_err(|_| error(""))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

/// A duration the way a person writes it: `5s`, `1m30s`, `300ms`, `1.5s`.
pub fn format_duration(d: Duration) -> String {
    let total_ms = d.as_millis();
    if total_ms < 1000 {
        return format!("{total_ms}ms");
    }
    let secs = d.as_secs();
    let ms = d.subsec_millis();
    if secs < 60 {
        return if ms == 0 {
            format!("{secs}s")
        } else {
            format!("{}s", format!("{secs}.{ms:03}").trim_end_matches('0'))
        };
    }
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for HumanDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A duration with units, such as \"5s\", \"300ms\" or \"1m30s\".",
            "examples": ["5s", "300ms", "1m30s"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_plans_use() {
        for (text, ms) in [
            ("5s", 5000),
            ("300ms", 300),
            ("1m30s", 90_000),
            ("2h", 7_200_000),
            ("1.5s", 1500),
        ] {
            assert_eq!(
                text.parse::<HumanDuration>().map(|d| d.get().as_millis()),
                Ok(ms),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_bare_numbers_negatives_and_words() {
        for text in ["5", "", "-5s", "soon", "5 parsecs"] {
            assert!(text.parse::<HumanDuration>().is_err(), "{text}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for text in ["5s", "300ms", "1m30s", "2h", "1.5s", "1h1m1s"] {
            let d: HumanDuration = text.parse().unwrap_or_default();
            assert_eq!(d.to_string(), text);
        }
    }
}
