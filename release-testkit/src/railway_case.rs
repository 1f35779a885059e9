//! Scripted Railway GraphQL answers: the `fixtures/responses/railway/<case>.json` format.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::recorded::{FixtureError, RecordedResponse};

/// The operation whose answers can be scripted per service, keyed by `variables.input.serviceId`.
pub(crate) const DEPLOYMENTS: &str = "Deployments";

/// A Railway case: the answers a [`RailwayMock`](crate::RailwayMock) gives, per GraphQL
/// operation, as stored in `fixtures/responses/railway/<case>.json`:
///
/// ```json
/// {
///   "description": "…",
///   "operations": {
///     "ProjectToken": [ { "status": 429, "headers": { "retry-after": "1" }, "body": { "data": null } },
///                       { "status": 200, "headers": { … }, "body": { "data": { … } } } ],
///     "Project": [ … ],
///     "EnvironmentInstances": [ … ],
///     "Deployments": { "svc-web": [ … ], "svc-api": [ … ] }
///   }
/// }
/// ```
///
/// Each operation (the request's `operationName`) has a list of [`RecordedResponse`]s, served in
/// order, the last one repeating. `Deployments` may instead map a `serviceId` (the request's
/// `variables.input.serviceId`) to its own list; such lists land in
/// [`deployments`](Self::deployments), a plain list in [`operations`](Self::operations). No list
/// may be empty. `description` is optional.
///
/// ```
/// use release_testkit::RailwayCase;
///
/// let case = RailwayCase::from_json(
///     r#"{ "operations": {
///            "Project": [ { "status": 200, "body": { "data": { "project": null } } } ],
///            "Deployments": { "svc-api": [ { "status": 200, "body": {} } ] } } }"#,
/// )
/// .unwrap();
/// assert_eq!(case.operations["Project"].len(), 1);
/// assert_eq!(case.deployments["svc-api"][0].status, 200);
/// assert_eq!(case.operation_names(), ["Deployments", "Project"]);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RailwayCase {
    /// What the case shows.
    pub description: Option<String>,
    /// Responses per operation name, served in order, the last one repeating.
    pub operations: BTreeMap<String, Vec<RecordedResponse>>,
    /// `Deployments` responses per `serviceId`; they win over a `Deployments` entry in
    /// [`operations`](Self::operations) for that service.
    pub deployments: BTreeMap<String, Vec<RecordedResponse>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    description: Option<String>,
    operations: BTreeMap<String, Value>,
}

impl RailwayCase {
    /// Parses the text of a case file, checking every response as
    /// [`RecordedResponse::from_json`] does.
    ///
    /// ```
    /// use release_testkit::RailwayCase;
    ///
    /// assert!(RailwayCase::from_json(r#"{ "operations": {} }"#).is_ok());
    /// // An empty list, a bad status, a per-service map for another operation:
    /// assert!(RailwayCase::from_json(r#"{ "operations": { "Project": [] } }"#).is_err());
    /// assert!(RailwayCase::from_json(r#"{ "operations": { "Project": [ { "status": 7 } ] } }"#).is_err());
    /// assert!(RailwayCase::from_json(r#"{ "operations": { "Project": { "svc-api": [] } } }"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> Result<Self, FixtureError> {
        Self::from_json_at(text, PathBuf::from("<memory>"))
    }

    pub(crate) fn from_json_at(text: &str, path: PathBuf) -> Result<Self, FixtureError> {
        let file: CaseFile = match serde_json::from_str(text) {
            Ok(file) => file,
            Err(source) => return Err(FixtureError::Parse { path, source }),
        };
        let invalid = |reason: String| FixtureError::Invalid {
            path: path.clone(),
            reason,
        };
        let mut case = RailwayCase {
            description: file.description,
            ..RailwayCase::default()
        };
        for (operation, value) in file.operations {
            if operation.is_empty() {
                return Err(invalid("an operation name is empty".to_owned()));
            }
            match value {
                Value::Object(per_service) if operation == DEPLOYMENTS => {
                    for (service_id, list) in per_service {
                        let at = format!("operations.{operation}.{service_id}");
                        let responses = responses(&at, list).map_err(invalid)?;
                        case.deployments.insert(service_id, responses);
                    }
                }
                Value::Object(_) => {
                    return Err(invalid(format!(
                        "operations.{operation}: only {DEPLOYMENTS} can be scripted per serviceId; \
                         expected a list of responses"
                    )));
                }
                list => {
                    let at = format!("operations.{operation}");
                    let responses = responses(&at, list).map_err(invalid)?;
                    case.operations.insert(operation, responses);
                }
            }
        }
        Ok(case)
    }

    /// The scripted operation names, sorted (`Deployments` once, whether scripted as a list or
    /// per service).
    ///
    /// ```
    /// let case = release_testkit::fixtures::railway_case("healthy").unwrap();
    /// assert_eq!(
    ///     case.operation_names(),
    ///     ["Deployments", "EnvironmentInstances", "Project", "ProjectToken"],
    /// );
    /// ```
    pub fn operation_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.operations.keys().map(String::as_str).collect();
        if !self.deployments.is_empty() && !self.operations.contains_key(DEPLOYMENTS) {
            names.push(DEPLOYMENTS);
            names.sort_unstable();
        }
        names
    }
}

/// A non-empty list of valid recorded responses at `at` (for error messages).
fn responses(at: &str, list: Value) -> Result<Vec<RecordedResponse>, String> {
    let Value::Array(items) = list else {
        return Err(format!("{at}: expected a list of responses"));
    };
    if items.is_empty() {
        return Err(format!("{at}: the list of responses is empty"));
    }
    let mut responses = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let response: RecordedResponse =
            serde_json::from_value(item).map_err(|err| format!("{at}[{index}]: {err}"))?;
        response
            .validate()
            .map_err(|reason| format!("{at}[{index}]: {reason}"))?;
        responses.push(response);
    }
    Ok(responses)
}
