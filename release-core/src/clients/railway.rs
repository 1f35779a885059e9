//! Railway's public GraphQL API (v2): the project, an environment's service instances with
//! their latest deployments, and each service's recent deployments; the deploy and rollback
//! mutations are in `railway_deploy.rs`. Plain reqwest and serde; no code generator. Unknown enum values read as `Unknown(..)`, never as
//! an error, because Railway adds statuses over time.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::errors::MissingRailwayToken;
use crate::net::RetryPolicy;
use crate::net::exchange::{self, Budget, Wire};
use crate::net::json::{self, JsonError, JsonProblem};
use crate::net::{HttpClient, HttpError};
use crate::net::{HttpRequest, HttpResponse};
use crate::secret::Redactor;
use crate::vars::Vars;

pub use super::railway_deploy::{DeploymentState, MAY_HAVE_ACTED};

/// Railway's public endpoint.
pub const RAILWAY_ENDPOINT: &str = "https://backboard.railway.com/graphql/v2";

/// The token a run authenticates with. Railway's CLI prefers the project token when both
/// are set, and so do we.
#[derive(Clone)]
pub enum RailwayAuth {
    /// `RAILWAY_TOKEN`, sent as `Project-Access-Token`; scoped to one environment.
    Project(SecretString),
    /// `RAILWAY_API_TOKEN` (account or workspace), sent as `Authorization: Bearer`.
    Account(SecretString),
}

impl fmt::Debug for RailwayAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RailwayAuth::Project(_) => "Project([redacted])",
            RailwayAuth::Account(_) => "Account([redacted])",
        })
    }
}

impl RailwayAuth {
    /// The token from the run's variables: `RAILWAY_TOKEN` first, then
    /// `RAILWAY_API_TOKEN`. The error names the variables, never a value.
    pub fn from_vars(vars: &Vars) -> Result<Self, MissingRailwayToken> {
        let read = |name: &str| {
            vars.get(name)
                .map(|v| v.expose().trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        if let Some(token) = read("RAILWAY_TOKEN") {
            return Ok(RailwayAuth::Project(token.into()));
        }
        if let Some(token) = read("RAILWAY_API_TOKEN") {
            return Ok(RailwayAuth::Account(token.into()));
        }
        Err(MissingRailwayToken)
    }

    /// Which kind of token, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            RailwayAuth::Project(_) => "project token (RAILWAY_TOKEN)",
            RailwayAuth::Account(_) => "account token (RAILWAY_API_TOKEN)",
        }
    }
}

/// A Railway call that gave no usable data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Railway {operation}: {message}")]
pub struct RailwayError {
    /// The GraphQL operation, e.g. `EnvironmentInstances`.
    pub operation: &'static str,
    /// What went wrong, with what to do about it when that is known.
    pub message: String,
    /// Whether the request got no answer at all (connection, timeout), as opposed to an
    /// answer that said no.
    pub unreachable: bool,
    /// Attempts made.
    pub attempts: u32,
    /// Whether a mutation may have been applied although it failed (a 5xx, a timeout after
    /// sending, a cut connection, a GraphQL error): the caller must look before acting again.
    /// Always `false` for reads and for a mutation Railway certainly did not receive.
    pub may_have_acted: bool,
}

/// A status Railway gives a deployment (13 known; anything else is kept by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeploymentStatus {
    /// Building the image.
    Building,
    /// Was serving, then crashed (some instances may still run).
    Crashed,
    /// Being deployed.
    Deploying,
    /// Failed to build or deploy.
    Failed,
    /// Just created.
    Initializing,
    /// Waiting for someone to approve it.
    NeedsApproval,
    /// Queued.
    Queued,
    /// Superseded by a newer deployment.
    Removed,
    /// Being removed.
    Removing,
    /// Skipped (superseded before it ran, or by a watch path).
    Skipped,
    /// Asleep (serverless).
    Sleeping,
    /// Serving ("Active" in the dashboard).
    Success,
    /// Waiting (for CI).
    Waiting,
    /// A status this version does not know.
    Unknown(String),
}

/// The status of one replica of a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceStatus {
    /// Serving.
    Running,
    /// Any other status, by name (`CRASHED`, `EXITED`, `RESTARTING`, …).
    Other(String),
}

fn upper<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(String::deserialize(deserializer)?.to_ascii_uppercase())
}

impl<'de> Deserialize<'de> for DeploymentStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let original = String::deserialize(deserializer)?;
        Ok(match original.to_ascii_uppercase().as_str() {
            "BUILDING" => Self::Building,
            "CRASHED" => Self::Crashed,
            "DEPLOYING" => Self::Deploying,
            "FAILED" => Self::Failed,
            "INITIALIZING" => Self::Initializing,
            "NEEDS_APPROVAL" => Self::NeedsApproval,
            "QUEUED" => Self::Queued,
            "REMOVED" => Self::Removed,
            "REMOVING" => Self::Removing,
            "SKIPPED" => Self::Skipped,
            "SLEEPING" => Self::Sleeping,
            "SUCCESS" => Self::Success,
            "WAITING" => Self::Waiting,
            // Kept as written: a status is compared ignoring case, but shown as it came.
            _ => Self::Unknown(original),
        })
    }
}

impl<'de> Deserialize<'de> for InstanceStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let status = upper(deserializer)?;
        Ok(if status == "RUNNING" {
            Self::Running
        } else {
            Self::Other(status)
        })
    }
}

impl fmt::Display for DeploymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Building => "BUILDING",
            Self::Crashed => "CRASHED",
            Self::Deploying => "DEPLOYING",
            Self::Failed => "FAILED",
            Self::Initializing => "INITIALIZING",
            Self::NeedsApproval => "NEEDS_APPROVAL",
            Self::Queued => "QUEUED",
            Self::Removed => "REMOVED",
            Self::Removing => "REMOVING",
            Self::Skipped => "SKIPPED",
            Self::Sleeping => "SLEEPING",
            Self::Success => "SUCCESS",
            Self::Waiting => "WAITING",
            Self::Unknown(name) => name,
        };
        f.write_str(name)
    }
}

/// One replica of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeploymentInstance {
    /// Its id.
    pub id: String,
    /// Its status.
    pub status: InstanceStatus,
}

/// A deployment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// Its id, the target of a rollback.
    pub id: String,
    /// Its status.
    pub status: DeploymentStatus,
    /// When it was created (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Whether its process exited ("Completed" in the dashboard).
    #[serde(default)]
    pub deployment_stopped: bool,
    /// Railway's free-form `meta` (commit, branch, …), when the query asked for it.
    #[serde(default)]
    pub meta: Option<Value>,
    /// Its replicas.
    #[serde(default)]
    pub instances: Vec<DeploymentInstance>,
}

impl Deployment {
    /// How many replicas are running.
    pub fn running(&self) -> usize {
        self.instances
            .iter()
            .filter(|i| i.status == InstanceStatus::Running)
            .count()
    }
}

/// A service's settings and latest deployment in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceInstance {
    /// The service's id.
    pub service_id: String,
    /// The service's name, e.g. `api`.
    pub service_name: String,
    /// Replicas; Railway's default is 1 when unset.
    #[serde(default)]
    pub num_replicas: Option<i64>,
    /// The path Railway probes while deploying.
    #[serde(default)]
    pub healthcheck_path: Option<String>,
    /// Seconds Railway waits for the healthcheck.
    #[serde(default)]
    pub healthcheck_timeout: Option<i64>,
    /// `ALWAYS`, `ON_FAILURE` or `NEVER`.
    #[serde(default)]
    pub restart_policy_type: Option<String>,
    /// The region.
    #[serde(default)]
    pub region: Option<String>,
    /// Whether the app sleeps when idle.
    #[serde(default)]
    pub sleep_application: Option<bool>,
    /// The latest deployment; `None` for a service never deployed.
    #[serde(default)]
    pub latest_deployment: Option<Deployment>,
}

/// The project and environment a token or plan points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The project id.
    pub project_id: String,
    /// The environment id.
    pub environment_id: String,
    /// The environment name.
    pub environment_name: String,
}

/// A Railway client on a run's HTTP client.
#[derive(Debug)]
pub struct RailwayClient<'a> {
    http: Result<&'a HttpClient, HttpError>,
    clock: &'a dyn Clock,
    /// The run's secrets, hidden from every message (with the client's own token).
    redactor: &'a Redactor,
    endpoint: String,
    pub(super) auth: RailwayAuth,
    policy: RetryPolicy,
    /// The deadline all calls share, or `None` when each call has `timeout` of its own.
    shared_budget: Option<Budget>,
    timeout: Option<std::time::Duration>,
    /// What the calls' retries went by that a person should know (a `Retry-After` that could
    /// not be read), for the gate's evidence.
    notes: std::sync::Mutex<Vec<String>>,
}

const PROJECT_TOKEN: &str =
    "query ProjectToken { projectToken { id project { id name } environment { id name } } }";
const PROJECT: &str = "query Project($id: String!) { project(id: $id) { id name deletedAt environments { edges { node { id name canAccess deletedAt } } } services { edges { node { id name } } } } }";
const ENVIRONMENT_INSTANCES: &str = "query EnvironmentInstances($environmentId: String!, $projectId: String!, $serviceInstancesFirst: Int, $serviceInstancesAfter: String) { environment(id: $environmentId, projectId: $projectId) { id name serviceInstances(first: $serviceInstancesFirst, after: $serviceInstancesAfter) { edges { node { id serviceId serviceName environmentId numReplicas healthcheckPath healthcheckTimeout restartPolicyType region sleepApplication latestDeployment { id status createdAt deploymentStopped instances { id status } } } } pageInfo { hasNextPage endCursor } } } }";
const DEPLOYMENTS: &str = "query Deployments($input: DeploymentListInput!, $first: Int) { deployments(input: $input, first: $first) { edges { node { id createdAt status meta } } } }";

/// Pages of service instances followed at most; 100 per page is more services than any
/// environment has.
const MAX_PAGES: usize = 10;

#[derive(Deserialize)]
struct Edges<T> {
    edges: Vec<Edge<T>>,
    #[serde(default, rename = "pageInfo")]
    page_info: Option<PageInfo>,
}

#[derive(Deserialize)]
struct Edge<T> {
    node: T,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Named {
    id: String,
    name: String,
    #[serde(default, rename = "deletedAt")]
    deleted_at: Option<String>,
}

/// A project's environments and services by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectView {
    /// The project's name.
    pub name: String,
    /// (id, name) of each live environment.
    pub environments: Vec<(String, String)>,
    /// (id, name) of each service.
    pub services: Vec<(String, String)>,
}

impl<'a> RailwayClient<'a> {
    /// A client for `endpoint` (Railway's public one unless overridden) with the given auth.
    /// Every call of the client shares one deadline, the gate's `timeout` (`None`: the default
    /// of HTTP gates) from now: a gate makes several calls and must still end within its own
    /// timeout.
    ///
    /// `http` is the run's client, or why it could not be built (each call then fails
    /// unreachable, with that reason); `clock` reads a `Retry-After` date.
    pub fn new(
        http: Result<&'a HttpClient, HttpError>,
        clock: &'a dyn Clock,
        redactor: &'a Redactor,
        endpoint: String,
        auth: RailwayAuth,
        retries: u32,
        timeout: Option<std::time::Duration>,
    ) -> Self {
        let policy = RetryPolicy {
            retries,
            ..RetryPolicy::default()
        };
        Self {
            http,
            clock,
            redactor,
            endpoint,
            auth,
            policy,
            shared_budget: Some(Budget::start(timeout)),
            timeout,
            notes: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Gives each call its own `timeout` from when it starts, instead of one deadline shared
    /// by all: for a client that polls a deployment for many minutes.
    pub fn with_timeout_per_call(mut self) -> Self {
        self.shared_budget = None;
        self
    }

    fn budget(&self) -> Budget {
        self.shared_budget
            .unwrap_or_else(|| Budget::start(self.timeout).owned_by("Railway call"))
    }

    /// What the retries of this client's calls went by that a person should know, each once:
    /// a `Retry-After` that could not be read, so the backoff was used.
    pub fn notes(&self) -> Vec<String> {
        self.notes
            .lock()
            .map(|notes| notes.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Text from Railway or from a library, with the run's secrets and this client's own
    /// token hidden, then cut to a readable length (in that order, so no cut can split a
    /// secret and leave half of it).
    pub(super) fn scrub(&self, text: &str) -> String {
        let token = match &self.auth {
            RailwayAuth::Project(token) | RailwayAuth::Account(token) => token.expose_secret(),
        };
        let text = self.redactor.redact(text);
        let mut own = Redactor::new();
        own.add(token);
        crate::text::clip(&own.redact(&text))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        query: &str,
        variables: Value,
    ) -> Result<(T, u32), RailwayError> {
        self.call_as(Call::Read, operation, query, variables).await
    }

    pub(super) async fn call_as<T: DeserializeOwned>(
        &self,
        kind: Call,
        operation: &'static str,
        query: &str,
        variables: Value,
    ) -> Result<(T, u32), RailwayError> {
        let error = |message: String, unreachable: bool, attempts: u32| RailwayError {
            operation,
            message,
            unreachable,
            attempts,
            may_have_acted: false,
        };
        let budget = self.budget();
        if budget.remaining().is_zero() {
            return Err(error(budget.spent(), true, 0));
        }
        let body = json!({ "query": query, "variables": variables, "operationName": operation });
        let mut request = HttpRequest::get(self.endpoint.clone());
        request.method = reqwest::Method::POST;
        request.body = Some(("application/json".to_owned(), body.to_string().into_bytes()));
        // Railway's API does not redirect; a redirect would carry the token elsewhere
        // (reqwest strips `Authorization` on a cross-host redirect, not `Project-Access-Token`).
        request.follow_redirects = false;
        match &self.auth {
            RailwayAuth::Project(token) => {
                request.headers.push((
                    "Project-Access-Token".to_owned(),
                    token.expose_secret().to_owned(),
                ));
            }
            RailwayAuth::Account(token) => request.bearer = Some(token.clone()),
        }
        let wire = Wire {
            client: self.http.clone(),
            clock: self.clock,
        };
        let exchange = match kind {
            // Reads are safe to repeat, so the exchange may retry a POST here as a GET.
            Call::Read => exchange::send_idempotent(wire, request, self.policy, budget).await,
            Call::Mutation => exchange::send_once(wire, request, self.policy, budget).await,
        };
        if kind == Call::Mutation {
            return self.finish_mutation(operation, exchange);
        }
        let attempts = exchange.attempts;
        if !exchange.notes.is_empty() {
            let mut notes = self
                .notes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for note in &exchange.notes {
                if !notes.contains(note) {
                    notes.push(note.clone());
                }
            }
        }
        let not_retried: String = exchange
            .not_retried
            .iter()
            .chain(&exchange.notes)
            .map(|why| format!("; {why}"))
            .collect();
        let response = exchange
            .result
            .map_err(|e| error(self.scrub(&e.message), true, attempts))?;
        let data = envelope(&response, self.auth.kind())
            .map_err(|m| error(self.scrub(&format!("{m}{not_retried}")), false, attempts))?;
        crate::net::shape::from_value(&data)
            .map(|value| (value, attempts))
            .map_err(|e| {
                error(
                    self.scrub(&format!("unexpected response shape: {e}")),
                    false,
                    attempts,
                )
            })
    }

    /// The project and environment of a project token.
    pub async fn token_scope(&self) -> Result<(Scope, u32), RailwayError> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "projectToken")]
            project_token: TokenScope,
        }
        #[derive(Deserialize)]
        struct TokenScope {
            project: Named,
            environment: Named,
        }
        let (data, attempts): (Data, u32) =
            self.call("ProjectToken", PROJECT_TOKEN, json!({})).await?;
        let t = data.project_token;
        Ok((
            Scope {
                project_id: t.project.id,
                environment_id: t.environment.id,
                environment_name: t.environment.name,
            },
            attempts,
        ))
    }

    /// A project's environments and services.
    pub async fn project(&self, project_id: &str) -> Result<(ProjectView, u32), RailwayError> {
        #[derive(Deserialize)]
        struct Data {
            project: Project,
        }
        #[derive(Deserialize)]
        struct Project {
            name: String,
            environments: Edges<Named>,
            services: Edges<Named>,
        }
        let (data, attempts): (Data, u32) = self
            .call("Project", PROJECT, json!({ "id": project_id }))
            .await?;
        let p = data.project;
        let live = |edges: Edges<Named>| {
            edges
                .edges
                .into_iter()
                .map(|e| e.node)
                .filter(|n| n.deleted_at.is_none())
                .map(|n| (n.id, n.name))
                .collect()
        };
        Ok((
            ProjectView {
                name: p.name,
                environments: live(p.environments),
                services: live(p.services),
            },
            attempts,
        ))
    }

    /// Every service instance of the environment, following pages.
    pub async fn service_instances(
        &self,
        scope: &Scope,
    ) -> Result<(Vec<ServiceInstance>, u32), RailwayError> {
        #[derive(Deserialize)]
        struct Data {
            environment: Environment,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Environment {
            service_instances: Edges<ServiceInstance>,
        }
        let mut instances = Vec::new();
        let mut after: Option<String> = None;
        let mut attempts = 0;
        for _ in 0..MAX_PAGES {
            let variables = json!({
                "environmentId": scope.environment_id,
                "projectId": scope.project_id,
                "serviceInstancesFirst": 100,
                "serviceInstancesAfter": after,
            });
            let (data, tries): (Data, u32) = self
                .call("EnvironmentInstances", ENVIRONMENT_INSTANCES, variables)
                .await?;
            attempts = attempts.max(tries);
            let page = data.environment.service_instances;
            instances.extend(page.edges.into_iter().map(|e| e.node));
            let paging_error = |message: &str| RailwayError {
                operation: "EnvironmentInstances",
                message: message.to_owned(),
                unreachable: false,
                attempts,
                may_have_acted: false,
            };
            match page.page_info {
                Some(PageInfo {
                    has_next_page: true,
                    end_cursor: Some(cursor),
                }) => {
                    // A cursor that does not move would list the same services again.
                    if after.as_deref() == Some(cursor.as_str()) {
                        return Err(paging_error("the next page's cursor repeats the last one"));
                    }
                    after = Some(cursor);
                }
                Some(PageInfo {
                    has_next_page: true,
                    end_cursor: None,
                }) => {
                    return Err(paging_error(
                        "more pages are announced, without a cursor to fetch them",
                    ));
                }
                _ => return Ok((instances, attempts)),
            }
        }
        // A partial list would hide services: no verdict on part of an environment.
        Err(RailwayError {
            operation: "EnvironmentInstances",
            message: format!("more than {MAX_PAGES} pages of services"),
            unreachable: false,
            attempts,
            may_have_acted: false,
        })
    }

    /// A service's most recent deployments, newest first.
    pub async fn deployments(
        &self,
        scope: &Scope,
        service_id: &str,
    ) -> Result<(Vec<Deployment>, u32), RailwayError> {
        #[derive(Deserialize)]
        struct Data {
            deployments: Edges<Deployment>,
        }
        let variables = json!({
            "input": { "projectId": scope.project_id, "environmentId": scope.environment_id, "serviceId": service_id },
            "first": 10,
        });
        let (data, attempts): (Data, u32) =
            self.call("Deployments", DEPLOYMENTS, variables).await?;
        Ok((
            data.deployments.edges.into_iter().map(|e| e.node).collect(),
            attempts,
        ))
    }
}

/// Whether a call may be repeated (a read) or must act at most once (a mutation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    Read,
    Mutation,
}

/// The `data` of a GraphQL answer, or why there is none. Railway reports errors with HTTP 200.
pub(super) fn envelope(response: &HttpResponse, token_kind: &str) -> Result<Value, String> {
    let ok = (200..300).contains(&response.status);
    // A status that is not 2xx leads whatever the body says.
    let status = if ok {
        String::new()
    } else {
        format!("HTTP {}: ", response.status)
    };
    let body: Value = match json::parse_body(response) {
        Ok(body) => body,
        Err(e) if e.problem() == Some(JsonProblem::Syntax) => {
            let kind = response
                .content_type()
                .unwrap_or_else(|| "no content type".to_owned());
            return Err(format!(
                "HTTP {} with a body that is not JSON ({kind}); a proxy or an outage page?",
                response.status
            ));
        }
        Err(JsonError::Truncated { cap }) => {
            return Err(format!(
                "{status}the answer is larger than the {cap} byte cap"
            ));
        }
        Err(e) => return Err(format!("{status}{e}")),
    };
    // Any `errors` that is there at all means the data cannot be trusted, whatever its shape.
    let errors = body.get("errors").filter(|e| match e {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::String(text) => !text.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    });
    if let Some(errors) = errors {
        let first = errors.as_array().and_then(|e| e.first()).unwrap_or(errors);
        let message = first
            .get("message")
            .and_then(Value::as_str)
            .or_else(|| first.as_str())
            .unwrap_or("an error without a message");
        let lower = message.to_ascii_lowercase();
        let hint = if lower.contains("project token not found") {
            " (the project token is invalid or was revoked)".to_owned()
        } else if lower.contains("not authorized") {
            format!(
                " (the {token_kind} is missing, expired, or not allowed to read this project and environment)"
            )
        } else {
            String::new()
        };
        // Cut (after redaction) by the caller.
        return Err(format!("{status}{message}{hint}"));
    }
    if !ok {
        return Err(format!("HTTP {}", response.status));
    }
    match body.get("data") {
        Some(data) if !data.is_null() => Ok(data.clone()),
        _ => Err("the answer has neither data nor errors".to_owned()),
    }
}

#[cfg(test)]
mod envelope_tests {
    use super::*;

    #[test]
    fn hostile_json_is_refused_and_a_status_leads() {
        for (body, reason) in crate::net::json::hostile_bodies() {
            let response = crate::net::json::test_response(200, "application/json", &body);
            let err = envelope(&response, "project token").unwrap_err();
            assert!(err.starts_with(reason), "{err}");
            let response = crate::net::json::test_response(502, "application/json", &body);
            let err = envelope(&response, "project token").unwrap_err();
            assert!(err.starts_with(&format!("HTTP 502: {reason}")), "{err}");
        }
        let refused = br#"{"errors":[{"message":"Not Authorized"}]}"#;
        let response = crate::net::json::test_response(403, "application/json", refused);
        let err = envelope(&response, "account token").unwrap_err();
        assert!(err.starts_with("HTTP 403: Not Authorized"), "{err}");
    }
}
