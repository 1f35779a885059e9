//! The levels a measured value is judged against, as numbers a chart can draw.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One level a gate judged its value against: a warn or fail limit, or the baseline a relative
/// limit is taken from. A soak window keeps its samples' levels in its details, so a report can
/// draw every sample against them.
///
/// ```
/// use release_core::{Threshold, ThresholdLevel};
/// let warn = Threshold::new(ThresholdLevel::Warn, "warn above", 0.005);
/// assert_eq!(serde_json::to_value(&warn).unwrap()["level"], "warn");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// What it is to a reader, e.g. `warn above` or `relative fail (<=+50%)`.
    pub label: String,
    /// Where the line is.
    #[serde(serialize_with = "crate::number::serialize")]
    pub value: f64,
    /// What crossing it means.
    pub level: ThresholdLevel,
}

/// What crossing a [`Threshold`] means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdLevel {
    /// Crossing it warns.
    Warn,
    /// Crossing it fails.
    Fail,
    /// Not a limit: the earlier value relative limits are taken from.
    Baseline,
}

impl Threshold {
    /// A level; a value that is not finite is still kept (readers leave it out of charts).
    pub fn new(level: ThresholdLevel, label: impl Into<String>, value: f64) -> Self {
        Self {
            label: label.into(),
            value,
            level,
        }
    }

    /// The levels listed in a gate's `details` (`thresholds`), in the order written; an entry
    /// of another shape or with a value that is not a finite number is left out.
    pub fn read_all(details: &Value) -> Vec<Threshold> {
        let Some(listed) = details.get("thresholds").and_then(Value::as_array) else {
            return Vec::new();
        };
        listed
            .iter()
            .filter_map(|entry| Threshold::deserialize(entry).ok())
            .filter(|threshold| threshold.value.is_finite())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn levels_of_another_shape_are_left_out_and_the_rest_kept_in_order() {
        let details = json!({ "thresholds": [
            { "label": "warn above", "value": 0.5, "level": "warn" },
            { "label": "fail above", "value": "high", "level": "fail" },
            { "label": "odd", "value": 1, "level": "panic" },
            "fail above 3",
            { "label": "baseline", "value": 0.25, "level": "baseline" },
        ]});
        assert_eq!(
            Threshold::read_all(&details),
            [
                Threshold::new(ThresholdLevel::Warn, "warn above", 0.5),
                Threshold::new(ThresholdLevel::Baseline, "baseline", 0.25),
            ]
        );
        for details in [
            json!(null),
            json!({}),
            json!({ "thresholds": {} }),
            json!([1]),
        ] {
            assert!(Threshold::read_all(&details).is_empty(), "{details}");
        }
    }
}
