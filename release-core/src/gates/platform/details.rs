//! What a `platform` gate records in its `details`, as types: the gate writes them, and a
//! summary read back ([`Summary::deployments`](crate::Summary::deployments), the rollback
//! plan's targets) reads them through the same types.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A `platform` gate's `details`: where it looked and each deployed service's deployments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformDetails {
    /// The Railway project's id.
    pub project_id: String,
    /// The environment's name.
    pub environment: String,
    /// The environment's id.
    pub environment_id: String,
    /// One entry per deployed service, in the plan's order.
    pub deployments: Vec<DeploymentDetails>,
}

/// One service's deployments: what serves now and the most recent earlier deployment that
/// served, the target a rollback returns to. Unknowns are written as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentDetails {
    /// The service's name, e.g. `api`.
    pub service: String,
    /// The platform's id of the service.
    #[serde(default)]
    pub service_id: Option<String>,
    /// The latest deployment's id.
    #[serde(default)]
    pub current: Option<String>,
    /// The latest deployment's status, e.g. `SUCCESS`.
    #[serde(default)]
    pub current_status: Option<String>,
    /// The most recent earlier deployment that served.
    #[serde(default)]
    pub previous_stable: Option<String>,
}

impl PlatformDetails {
    /// As the gate's `details` value.
    pub fn to_json(&self) -> Value {
        // Strings only: serializing cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl DeploymentDetails {
    /// The deployments listed in a gate's `details`, in the order written; an entry of
    /// another shape is left out. Empty when the details list none.
    pub fn read_all(details: &Value) -> Vec<DeploymentDetails> {
        details
            .get("deployments")
            .and_then(Value::as_array)
            .map(|listed| {
                listed
                    .iter()
                    .filter_map(|entry| DeploymentDetails::deserialize(entry).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unknowns_are_written_as_null_and_read_back_as_absent() {
        let details = PlatformDetails {
            project_id: "p".to_owned(),
            environment: "production".to_owned(),
            environment_id: "e".to_owned(),
            deployments: vec![DeploymentDetails {
                service: "api".to_owned(),
                service_id: Some("s1".to_owned()),
                current: Some("d2".to_owned()),
                current_status: Some("SUCCESS".to_owned()),
                previous_stable: None,
            }],
        };
        let written = details.to_json();
        assert_eq!(
            written,
            json!({ "project_id": "p", "environment": "production", "environment_id": "e",
                "deployments": [{ "service": "api", "service_id": "s1", "current": "d2",
                    "current_status": "SUCCESS", "previous_stable": null }] })
        );
        assert_eq!(DeploymentDetails::read_all(&written), details.deployments);
        let odd = json!({ "deployments": [{ "service": "web" }, { "service": 3 }, "api"] });
        let read = DeploymentDetails::read_all(&odd);
        assert_eq!(read.len(), 1);
        assert_eq!(
            (read[0].service.as_str(), read[0].current.as_ref()),
            ("web", None)
        );
    }
}
