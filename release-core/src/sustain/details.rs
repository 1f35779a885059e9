//! What a sustained window records in its gate's `details`, as types: the window writes them,
//! and whoever reads a summary back (rollback triggers, the health report) reads them through
//! the same types, so the shape has one definition.

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::spec::SustainSpec;
use crate::gate::{Threshold, Verdict};

/// A sustained gate's `details`: its window, how it ended and every sample taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowDetails {
    /// The window as the plan set it.
    pub window: SustainSpec,
    /// The samples the window was to take.
    pub planned: u32,
    /// Why it ended: `completed`, `failure_limit`, `consecutive_error_limit`,
    /// `consecutive_successes`, `skipped` or `cancelled`.
    pub ended: String,
    /// The samples taken, in order.
    pub samples: Vec<SampleDetails>,
    /// The levels the samples were judged against (the last sample's), for charts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
}

/// One sample of a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleDetails {
    /// When it was taken.
    pub at: Timestamp,
    /// Its verdict; absent in a summary written by hand.
    #[serde(default, deserialize_with = "lenient")]
    pub verdict: Option<Verdict>,
    /// Its value, when it measured one. Written in the shortest form (`-Inf` as text); read
    /// only when it is a JSON number.
    #[serde(
        default,
        serialize_with = "write_value",
        deserialize_with = "read_value"
    )]
    pub value: Option<f64>,
    /// Its summary, clipped.
    #[serde(default, deserialize_with = "lenient")]
    pub summary: String,
}

impl WindowDetails {
    /// As the gate's `details` value.
    pub fn to_json(&self) -> Value {
        // Strings, numbers and a spec of plain fields: serializing cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl SampleDetails {
    /// The samples listed in a gate's `details`, in the order written; an entry without a
    /// readable time is left out. `None` when the details list no samples.
    pub fn read_all(details: &Value) -> Option<Vec<SampleDetails>> {
        let listed = details.get("samples")?.as_array()?;
        Some(
            listed
                .iter()
                .filter_map(|entry| SampleDetails::deserialize(entry).ok())
                .collect(),
        )
    }
}

fn write_value<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    value.map(crate::number::json).serialize(serializer)
}

/// A field read back from a summary file: a value of another shape reads as absent, so only
/// the sample's time decides whether the sample is read at all.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    deserializer: D,
) -> Result<T, D::Error> {
    Ok(T::deserialize(Value::deserialize(deserializer)?).unwrap_or_default())
}

fn read_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    Ok(Value::deserialize(deserializer)?
        .as_f64()
        .filter(|v| !v.is_nan()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_sample_is_written_as_the_window_always_wrote_it() {
        let at: Timestamp = "2026-11-27T10:00:00.5Z".parse().unwrap();
        let written = |value: Option<f64>| {
            serde_json::to_value(SampleDetails {
                at,
                verdict: Some(Verdict::Warn),
                value,
                summary: "0.62 s".to_owned(),
            })
            .unwrap()
        };
        assert_eq!(
            written(Some(0.5)),
            json!({ "at": "2026-11-27T10:00:00.5Z", "verdict": "warn", "value": 0.5, "summary": "0.62 s" })
        );
        assert_eq!(written(Some(f64::INFINITY))["value"], "+Inf");
        assert_eq!(written(None)["value"], Value::Null);
    }

    #[test]
    fn reading_back_skips_what_has_no_time_and_ignores_fields_of_another_shape() {
        let details = json!({ "samples": [
            { "at": "2026-11-27T10:00:00Z", "value": 3, "verdict": "pass", "summary": "3" },
            { "value": 4 },
            { "at": "not a time", "value": 5 },
            { "at": "2026-11-27T10:00:30Z", "value": "-Inf", "verdict": "sideways", "summary": 7 },
        ]});
        let read = SampleDetails::read_all(&details).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].value, Some(3.0));
        assert_eq!(read[0].verdict, Some(Verdict::Pass));
        assert_eq!(
            (read[1].value, read[1].verdict, read[1].summary.as_str()),
            (None, None, "")
        );
        assert_eq!(SampleDetails::read_all(&json!({ "deployments": [] })), None);
    }
}
