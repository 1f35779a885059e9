//! Alertmanager API v2: `GET /api/v2/alerts`.
//!
//! Surprises (reference section 3.3) handled here: the body is a bare JSON array; `mutedBy`
//! exists only since v0.28 and older servers leave it out, so every optional field has a
//! default; `endsAt` is set (in the future) for firing alerts and means nothing; errors come
//! as a JSON *string* body; the v1 API answers 410.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::net::{HttpRequest, HttpResponse};

/// One alert as `/api/v2/alerts` lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Alert {
    /// Its labels (`alertname`, `severity`, …).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Its annotations (`summary`, `runbook_url`, …).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Since when it fires.
    #[serde(default, rename = "startsAt")]
    pub starts_at: Option<String>,
    /// Its fingerprint.
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Its state.
    #[serde(default)]
    pub status: AlertStatus,
}

impl Alert {
    /// The `alertname` label, or the fingerprint when it has none.
    pub fn name(&self) -> String {
        self.labels
            .get("alertname")
            .or(self.fingerprint.as_ref())
            .cloned()
            .unwrap_or_else(|| "an unnamed alert".to_owned())
    }
}

/// An alert's state and what suppresses it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AlertStatus {
    /// `active`, `suppressed` or `unprocessed`.
    #[serde(default = "unknown_state")]
    pub state: String,
    /// Silences that mute it.
    #[serde(default, rename = "silencedBy")]
    pub silenced_by: Vec<String>,
    /// Alerts that inhibit it.
    #[serde(default, rename = "inhibitedBy")]
    pub inhibited_by: Vec<String>,
    /// Time intervals that mute it (v0.28 and later).
    #[serde(default, rename = "mutedBy")]
    pub muted_by: Vec<String>,
}

impl Default for AlertStatus {
    fn default() -> Self {
        Self {
            state: unknown_state(),
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
            muted_by: Vec::new(),
        }
    }
}

fn unknown_state() -> String {
    "unknown".to_owned()
}

impl AlertStatus {
    /// Whether it is suppressed (silenced, inhibited or muted), and so does not count.
    pub fn is_suppressed(&self) -> bool {
        // Any other word (`active`, `unprocessed`, one this version does not know) counts:
        // an alert is harmless only when Alertmanager says so.
        self.state.trim().eq_ignore_ascii_case("suppressed")
    }

    /// Why it is suppressed, in words.
    pub fn suppressed_by(&self) -> String {
        let mut why = Vec::new();
        if !self.silenced_by.is_empty() {
            why.push(format!("silenced by {}", self.silenced_by.join(", ")));
        }
        if !self.inhibited_by.is_empty() {
            why.push(format!("inhibited by {}", self.inhibited_by.join(", ")));
        }
        if !self.muted_by.is_empty() {
            why.push(format!("muted by {}", self.muted_by.join(", ")));
        }
        if why.is_empty() {
            "suppressed".to_owned()
        } else {
            why.join("; ")
        }
    }
}

/// Why the alerts could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlertmanagerError {
    /// Alertmanager refused the request, with its message.
    #[error("HTTP {status}: Alertmanager refused the request: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Its message.
        message: String,
    },
    /// The answer was not the list of alerts.
    #[error("not an Alertmanager alert list (HTTP {status}): {reason}")]
    Unexpected {
        /// The HTTP status.
        status: u16,
        /// What came instead.
        reason: String,
    },
}

/// `GET {base}/api/v2/alerts` with every state listed (suppressed ones are reported, not
/// counted) and the matchers as repeated `filter` parameters.
pub fn alerts_request(base_url: &str, filters: &[String], receiver: Option<&str>) -> HttpRequest {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("active", "true")
        .append_pair("silenced", "true")
        .append_pair("inhibited", "true")
        .append_pair("unprocessed", "true");
    for filter in filters {
        query.append_pair("filter", filter);
    }
    if let Some(receiver) = receiver {
        query.append_pair("receiver", receiver);
    }
    HttpRequest::get(format!(
        "{}/api/v2/alerts?{}",
        base_url.trim_end_matches('/'),
        query.finish()
    ))
}

/// Reads the answer to [`alerts_request`].
pub fn parse_alerts(response: &HttpResponse) -> Result<Vec<Alert>, AlertmanagerError> {
    let status = response.status;
    if response.truncated && (200..300).contains(&status) {
        return Err(AlertmanagerError::Unexpected {
            status,
            reason: format!(
                "the alert list is larger than the {} byte cap; narrow it with `filters`",
                response.body.len()
            ),
        });
    }
    let text = String::from_utf8_lossy(&response.body);
    let json = crate::net::json::parse(&response.body);
    if !(200..300).contains(&status) {
        let message = match json {
            Ok(serde_json::Value::String(message)) => message,
            Ok(serde_json::Value::Object(map)) => map
                .get("error")
                .and_then(|e| e.as_str())
                .map_or_else(|| clip(&text), str::to_owned),
            // A proxy's page: its title says more than its markup.
            _ => super::prometheus::excerpt(&text),
        };
        return Err(AlertmanagerError::Refused { status, message });
    }
    match json {
        Ok(value @ serde_json::Value::Array(_)) => {
            crate::net::shape::from_value(&value).map_err(|e| AlertmanagerError::Unexpected {
                status,
                reason: format!("an alert does not parse: {e}"),
            })
        }
        Ok(other) => Err(AlertmanagerError::Unexpected {
            status,
            reason: format!(
                "expected an array of alerts, got {}",
                crate::net::shape::kind(&other)
            ),
        }),
        Err(e)
            if matches!(e, crate::net::json::JsonError::Empty)
                || e.problem() == Some(crate::net::json::JsonProblem::Syntax) =>
        {
            Err(AlertmanagerError::Unexpected {
                status,
                reason: format!("not JSON: {}", clip(&text)),
            })
        }
        Err(e) => Err(AlertmanagerError::Unexpected {
            status,
            reason: e.to_string(),
        }),
    }
}

fn clip(text: &str) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match words.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &words[..at]),
        None if words.is_empty() => "an empty body".to_owned(),
        None => words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_json_is_not_an_alert_list() {
        for (body, reason) in crate::net::json::hostile_bodies() {
            let response = crate::net::json::test_response(200, "application/json", &body);
            match parse_alerts(&response) {
                Err(AlertmanagerError::Unexpected { reason: got, .. }) => {
                    assert!(got.starts_with(reason), "{got}");
                }
                other => panic!("{reason}: {other:?}"),
            }
        }
        let wrong = br#"[{"labels":{"alertname":"A"}},{"labels":{"severity":5}}]"#;
        let response = crate::net::json::test_response(200, "application/json", wrong);
        assert_eq!(
            parse_alerts(&response).unwrap_err().to_string(),
            "not an Alertmanager alert list (HTTP 200): an alert does not parse: `[1].labels.severity`: expected a string, got the number 5"
        );
        let twice = br#"[{"labels":{"severity":"critical","severity":"none"}}]"#;
        let response = crate::net::json::test_response(200, "application/json", twice);
        assert!(
            parse_alerts(&response).is_err(),
            "a label twice is ambiguous"
        );
    }
}
