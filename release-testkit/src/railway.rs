//! A mock of Railway's public GraphQL API (`POST /graphql/v2`), routing on `operationName`.
//!
//! Fixture cases (`fixtures/responses/railway/<case>.json`) script every operation at once; their
//! format is described on [`RailwayCase`] and in `fixtures/responses/railway/README.md`, which
//! also lists the cases, the project's ids and each service's deployments.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value, json};
use wiremock::{MockServer, Request, ResponseTemplate};

use crate::embedded;
use crate::mock::{self, RedactedHeaders, StatefulMock, Upstream};
use crate::railway_case::{DEPLOYMENTS, RailwayCase};
use crate::recorded::{FixtureError, RecordedResponse};
use crate::route::Route;
use crate::script::Script;

/// The GraphQL endpoint's path, as on `backboard.railway.com`.
pub(crate) const ENDPOINT: &str = "/graphql/v2";

const NAME: &str = "Railway GraphQL";

/// Only `POST /graphql/v2` reaches the mock's state; wiremock answers anything else 404.
pub(crate) fn graphql_route() -> Route {
    Route::new(Some("POST"), ENDPOINT)
}

/// Railway's public GraphQL API on loopback, in the style of the Railway CLI's own test mock:
/// `POST /graphql/v2` routes on the body's `operationName` to a queue of scripted
/// [`RecordedResponse`]s per operation, served in order, **the last one repeating** so polling
/// always gets an answer. `Deployments` can also be scripted per service (on
/// `variables.input.serviceId`). Every request is recorded with its variables and headers.
///
/// Before any script, the mock checks what Railway would:
///
/// - a body that is not JSON: HTTP 400 with a GraphQL error;
/// - no `Project-Access-Token` and no `Authorization: Bearer` with a non-empty token: HTTP 200
///   `{"data":null,"errors":[{"message":"Not Authorized"}]}` (any non-empty token is accepted);
/// - `ProjectToken` without a project token (a bearer token only): the same `Not Authorized`;
/// - no `operationName`: HTTP 200 with a GraphQL error saying the mock routes on it;
/// - an operation with no script: HTTP 200 with the GraphQL error `Cannot query field … unknown
///   operation "<name>"`; `Deployments` for a `serviceId` without a script (when only per-service
///   scripts exist): HTTP 200 with the error `Service not found: <serviceId> …`.
///
/// These answers do not use up a scripted response. Fixture cases
/// ([`RailwayCase`], `fixtures/responses/railway/`) script every operation at once.
///
/// ```
/// use release_testkit::{RailwayMock, RecordedResponse};
/// use serde_json::json;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let railway = RailwayMock::start().await;
/// railway
///     .script("DeploymentStatus", vec![
///         RecordedResponse::json(200, json!({ "data": { "deployment": { "status": "DEPLOYING" } } })),
///         RecordedResponse::json(200, json!({ "data": { "deployment": { "status": "SUCCESS" } } })),
///     ])
///     .await;
///
/// let body = json!({
///     "query": "query DeploymentStatus($id: String!) { deployment(id: $id) { status } }",
///     "variables": { "id": "dep-5e2b8d13" },
///     "operationName": "DeploymentStatus",
/// });
/// let client = reqwest::Client::new();
/// let mut statuses = Vec::new();
/// for _ in 0..3 {
///     let response = client
///         .post(railway.url())
///         .header("Project-Access-Token", RailwayMock::PROJECT_TOKEN)
///         .header("content-type", "application/json")
///         .body(serde_json::to_vec(&body).unwrap())
///         .send()
///         .await
///         .unwrap();
///     let reply: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
///     statuses.push(reply["data"]["deployment"]["status"].clone());
/// }
/// assert_eq!(statuses, ["DEPLOYING", "SUCCESS", "SUCCESS"]);
///
/// let requests = railway.requests().await;
/// assert_eq!(requests[0].operation.as_deref(), Some("DeploymentStatus"));
/// assert_eq!(requests[0].variables["id"], "dep-5e2b8d13");
/// assert_eq!(requests[0].project_token(), Some(RailwayMock::PROJECT_TOKEN));
/// # });
/// ```
pub struct RailwayMock {
    mock: StatefulMock<Railway>,
}

/// One request the [`RailwayMock`] received.
///
/// Its `Debug` output hides the values of the `Authorization` and `Project-Access-Token`
/// headers.
///
/// ```
/// use release_testkit::RailwayMock;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let railway = RailwayMock::start_healthy().await;
/// reqwest::Client::new()
///     .post(railway.url())
///     .bearer_auth("account-token-1234")
///     .body(r#"{"query":"query Project($id: String!) { project(id: $id) { id } }","variables":{"id":"p-1"},"operationName":"Project"}"#)
///     .send()
///     .await
///     .unwrap();
///
/// let request = &railway.requests().await[0];
/// assert_eq!(request.operation.as_deref(), Some("Project"));
/// assert_eq!(request.bearer_token(), Some("account-token-1234"));
/// assert_eq!(request.project_token(), None);
/// assert!(!format!("{request:?}").contains("account-token-1234"));
/// # });
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct RailwayRequest {
    /// The body's `operationName`, if the body is a JSON object with a string there.
    pub operation: Option<String>,
    /// The body's `variables` (`null` when absent or when the body is not JSON).
    pub variables: Value,
    /// The body's `query` text, if any.
    pub query: Option<String>,
    /// Every header in the order received, names in lower case (values that are not UTF-8 are
    /// converted lossily).
    pub headers: Vec<(String, String)>,
}

impl RailwayRequest {
    /// The first value of header `name` (compared case-insensitively).
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_healthy().await;
    /// reqwest::Client::new()
    ///     .post(railway.url())
    ///     .header("User-Agent", "release/0.1.0")
    ///     .body("{}")
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(railway.requests().await[0].header("user-agent"), Some("release/0.1.0"));
    /// # });
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        mock::header(&self.headers, name)
    }

    /// The `Project-Access-Token` header's value, when present and not blank.
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_healthy().await;
    /// reqwest::Client::new()
    ///     .post(railway.url())
    ///     .header("project-access-token", "project-token-5678")
    ///     .body(r#"{"query":"query ProjectToken { projectToken { id } }","operationName":"ProjectToken"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// let request = &railway.requests().await[0];
    /// assert_eq!(request.project_token(), Some("project-token-5678"));
    /// assert_eq!(request.bearer_token(), None);
    /// # });
    /// ```
    pub fn project_token(&self) -> Option<&str> {
        self.header("project-access-token")
            .map(str::trim)
            .filter(|token| !token.is_empty())
    }

    /// The token of an `Authorization: Bearer <token>` header (scheme compared
    /// case-insensitively), when present and not blank.
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_healthy().await;
    /// reqwest::Client::new()
    ///     .post(railway.url())
    ///     .header("authorization", "Bearer workspace-token-42")
    ///     .body("{}")
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(railway.requests().await[0].bearer_token(), Some("workspace-token-42"));
    /// # });
    /// ```
    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.header("authorization")?.trim();
        let (scheme, token) = value.split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    }

    /// `variables.input.serviceId`, as `Deployments` sends it.
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_healthy().await;
    /// reqwest::Client::new()
    ///     .post(railway.url())
    ///     .header("project-access-token", RailwayMock::PROJECT_TOKEN)
    ///     .body(r#"{"query":"…","variables":{"input":{"serviceId":"svc-api"},"first":10},"operationName":"Deployments"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(railway.requests().await[0].service_id(), Some("svc-api"));
    /// # });
    /// ```
    pub fn service_id(&self) -> Option<&str> {
        self.variables
            .get("input")
            .and_then(|input| input.get("serviceId"))
            .and_then(Value::as_str)
    }

    pub(crate) fn from_request(request: &Request) -> Self {
        let body: Option<Value> = serde_json::from_slice(&request.body).ok();
        let field = |name: &str| {
            body.as_ref()
                .and_then(|body| body.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        RailwayRequest {
            operation: field("operationName"),
            variables: body
                .as_ref()
                .and_then(|body| body.get("variables"))
                .cloned()
                .unwrap_or(Value::Null),
            query: field("query"),
            headers: mock::headers(request),
        }
    }
}

impl fmt::Debug for RailwayRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RailwayRequest")
            .field("operation", &self.operation)
            .field("variables", &self.variables)
            .field("query", &self.query)
            .field(
                "headers",
                &RedactedHeaders {
                    headers: &self.headers,
                    secret: &["authorization", "project-access-token"],
                },
            )
            .finish()
    }
}

/// Railway's GraphQL API's state: scripts per operation, and `Deployments` per service.
#[derive(Debug, Default)]
struct Railway {
    operations: BTreeMap<String, Script>,
    deployments: BTreeMap<String, Script>,
}

impl Railway {
    fn from_case(case: &RailwayCase) -> Self {
        let mut railway = Self::default();
        railway.script_case(case);
        railway
    }

    fn script_case(&mut self, case: &RailwayCase) {
        self.operations = scripts(&case.operations);
        self.deployments = scripts(&case.deployments);
    }
}

impl Upstream for Railway {
    type Recorded = RailwayRequest;

    fn record(request: &Request) -> RailwayRequest {
        RailwayRequest::from_request(request)
    }

    fn answer(&mut self, recorded: &RailwayRequest, request: &Request) -> ResponseTemplate {
        let project_token = recorded.project_token().is_some();
        let authenticated = project_token || recorded.bearer_token().is_some();
        let operation = recorded.operation.clone();
        let service_id = recorded.service_id().map(str::to_owned);

        if serde_json::from_slice::<Value>(&request.body).is_err() {
            return graphql_error(400, "POST body sent invalid JSON.");
        }
        if !authenticated {
            return not_authorized();
        }
        let Some(operation) = operation else {
            return graphql_error(
                200,
                "operationName is required: release-testkit's RailwayMock routes on it",
            );
        };
        if operation == "ProjectToken" && !project_token {
            // `projectToken` only answers project tokens.
            return not_authorized();
        }
        if operation == DEPLOYMENTS && !self.deployments.is_empty() {
            let script = service_id
                .as_deref()
                .and_then(|id| self.deployments.get_mut(id));
            if let Some(response) = script.and_then(Script::next) {
                return response.template();
            }
            if !self.operations.contains_key(DEPLOYMENTS) {
                let scripted: Vec<&str> = self.deployments.keys().map(String::as_str).collect();
                return graphql_error(
                    200,
                    &format!(
                        "Service not found: {} (release-testkit's RailwayMock has Deployments \
                         scripted for: {})",
                        service_id
                            .as_deref()
                            .unwrap_or("<no variables.input.serviceId>"),
                        scripted.join(", ")
                    ),
                );
            }
        }
        if let Some(response) = self.operations.get_mut(&operation).and_then(Script::next) {
            return response.template();
        }
        let mut scripted: Vec<&str> = self.operations.keys().map(String::as_str).collect();
        if !self.deployments.is_empty() && !self.operations.contains_key(DEPLOYMENTS) {
            scripted.push(DEPLOYMENTS);
            scripted.sort_unstable();
        }
        graphql_error(
            200,
            &format!(
                "Cannot query field on type \"Query\": unknown operation {operation:?} \
                 (release-testkit's RailwayMock has scripts for: {})",
                if scripted.is_empty() {
                    "nothing".to_owned()
                } else {
                    scripted.join(", ")
                }
            ),
        )
    }
}

fn scripts(responses: &BTreeMap<String, Vec<RecordedResponse>>) -> BTreeMap<String, Script> {
    responses
        .iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(key, list)| (key.clone(), Script::new(list.clone())))
        .collect()
}

pub(crate) fn not_authorized() -> ResponseTemplate {
    graphql_error(200, "Not Authorized")
}

pub(crate) fn graphql_error(status: u16, message: &str) -> ResponseTemplate {
    RecordedResponse::json(
        status,
        json!({ "data": null, "errors": [{ "message": message }] }),
    )
    .template()
}

impl RailwayMock {
    /// The id of project `acme` in the fixture cases.
    ///
    /// ```
    /// let case = release_testkit::fixtures::railway_case("healthy").unwrap();
    /// let body = &case.operations["Project"][0].body;
    /// assert_eq!(body["data"]["project"]["id"], release_testkit::RailwayMock::PROJECT_ID);
    /// ```
    pub const PROJECT_ID: &str = "4d1f7c2e-8a3b-4e6d-9f05-b2c7a8e1d3f6";

    /// The id of environment `production` in the fixture cases.
    ///
    /// ```
    /// assert_eq!(release_testkit::RailwayMock::ENVIRONMENT_ID, "env-prod");
    /// ```
    pub const ENVIRONMENT_ID: &str = "env-prod";

    /// A made-up project token, as `release-mock serve` prints it. The mock accepts any
    /// non-empty token (unless the case is `unauthorized`).
    ///
    /// ```
    /// assert!(release_testkit::RailwayMock::PROJECT_TOKEN.len() >= 20);
    /// ```
    pub const PROJECT_TOKEN: &str = "8b2f6c1e-3d7a-4f90-a5c4-e1b9d0f7a362";

    /// The fixture cases compiled into the crate (every file under
    /// `fixtures/responses/railway/`), sorted.
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// assert!(RailwayMock::CASES.contains(&"healthy"));
    /// assert!(RailwayMock::CASES.is_sorted());
    /// ```
    pub const CASES: &[&str] = embedded::RAILWAY_CASE_NAMES;

    /// Starts a mock with nothing scripted on a random loopback port.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`).
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start().await;
    /// let reply = reqwest::Client::new()
    ///     .post(railway.url())
    ///     .bearer_auth("any-token")
    ///     .body(r#"{"query":"query Project { project { id } }","operationName":"Project"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(reply.status(), 200);
    /// assert!(reply.text().await.unwrap().contains(r#"unknown operation \"Project\""#));
    /// # });
    /// ```
    pub async fn start() -> RailwayMock {
        Self::start_with(&RailwayCase::default()).await
    }

    /// Starts a mock serving the `healthy` case: project `acme`, environment `production`,
    /// services `web`, `api` and `worker`, every one deployed and running.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`), or if the
    /// embedded `healthy` case were broken (a unit test rules that out).
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_healthy().await;
    /// let reply = reqwest::Client::new()
    ///     .post(railway.url())
    ///     .header("Project-Access-Token", RailwayMock::PROJECT_TOKEN)
    ///     .body(r#"{"query":"query ProjectToken { projectToken { id } }","operationName":"ProjectToken"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// let reply: serde_json::Value = serde_json::from_str(&reply.text().await.unwrap()).unwrap();
    /// assert_eq!(reply["data"]["projectToken"]["environment"]["id"], RailwayMock::ENVIRONMENT_ID);
    /// # });
    /// ```
    pub async fn start_healthy() -> RailwayMock {
        match Self::start_case("healthy").await {
            Ok(railway) => railway,
            Err(err) => panic!("the embedded Railway case `healthy` is broken: {err}"),
        }
    }

    /// Starts a mock serving fixture case `name` (see [`RailwayMock::CASES`]; a case not
    /// compiled in is read from `fixtures/responses/railway/<name>.json`).
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`).
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_case("unauthorized").await.unwrap();
    /// let reply = reqwest::Client::new()
    ///     .post(railway.url())
    ///     .header("Project-Access-Token", RailwayMock::PROJECT_TOKEN)
    ///     .body(r#"{"query":"query ProjectToken { projectToken { id } }","operationName":"ProjectToken"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(reply.status(), 200);
    /// assert!(reply.text().await.unwrap().contains("Not Authorized"));
    ///
    /// assert!(RailwayMock::start_case("no-such-case").await.is_err());
    /// # });
    /// ```
    pub async fn start_case(name: &str) -> Result<RailwayMock, FixtureError> {
        let case = load_case(name)?;
        Ok(Self::start_with(&case).await)
    }

    /// Starts a mock serving `case`.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`).
    ///
    /// ```
    /// use release_testkit::{RailwayMock, fixtures};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut case = fixtures::railway_case("healthy").unwrap();
    /// case.operations.remove("ProjectToken");
    /// let railway = RailwayMock::start_with(&case).await;
    ///
    /// let reply = reqwest::Client::new()
    ///     .post(railway.url())
    ///     .header("Project-Access-Token", RailwayMock::PROJECT_TOKEN)
    ///     .body(r#"{"query":"query ProjectToken { projectToken { id } }","operationName":"ProjectToken"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert!(reply.text().await.unwrap().contains("unknown operation"));
    /// # });
    /// ```
    pub async fn start_with(case: &RailwayCase) -> RailwayMock {
        RailwayMock {
            mock: StatefulMock::start(NAME, graphql_route(), Railway::from_case(case)).await,
        }
    }

    /// Serves `case` on `server` (for [`MockEnvironment`](crate::MockEnvironment)).
    pub(crate) async fn serve(server: MockServer, case: &RailwayCase) -> RailwayMock {
        RailwayMock {
            mock: StatefulMock::serve(server, graphql_route(), NAME, Railway::from_case(case))
                .await,
        }
    }

    /// The GraphQL endpoint, `http://127.0.0.1:PORT/graphql/v2` (what `RAILWAY_API_URL` is set
    /// to).
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start().await;
    /// assert!(railway.url().starts_with("http://127.0.0.1:"));
    /// assert!(railway.url().ends_with("/graphql/v2"));
    /// # });
    /// ```
    pub fn url(&self) -> String {
        format!("{}{ENDPOINT}", self.mock.uri())
    }

    /// Scripts `operation`: `responses` are served in order, the last one repeating; an
    /// operation already scripted starts over with these. An empty list removes the script.
    ///
    /// ```
    /// use release_testkit::{RailwayMock, RecordedResponse};
    /// use serde_json::json;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_healthy().await;
    /// railway
    ///     .script("ProjectToken", vec![
    ///         RecordedResponse::json(429, json!({ "data": null })).with_header("retry-after", "2"),
    ///     ])
    ///     .await;
    /// let reply = reqwest::Client::new()
    ///     .post(railway.url())
    ///     .header("project-access-token", RailwayMock::PROJECT_TOKEN)
    ///     .body(r#"{"query":"query ProjectToken { projectToken { id } }","operationName":"ProjectToken"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(reply.status(), 429);
    /// assert_eq!(reply.headers()["retry-after"], "2");
    /// # });
    /// ```
    pub async fn script(&self, operation: &str, responses: Vec<RecordedResponse>) {
        self.mock.with(|railway| {
            if responses.is_empty() {
                railway.operations.remove(operation);
            } else {
                railway
                    .operations
                    .insert(operation.to_owned(), Script::new(responses));
            }
        });
    }

    /// Scripts `Deployments` for one service (the request's `variables.input.serviceId`),
    /// like [`script`](Self::script). A per-service script wins over a `Deployments` script for
    /// every service; with per-service scripts only, another `serviceId` gets the GraphQL error
    /// `Service not found`. An empty list removes the service's script.
    ///
    /// ```
    /// use release_testkit::{RailwayMock, RecordedResponse};
    /// use serde_json::json;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_healthy().await;
    /// railway
    ///     .script_deployments("svc-api", vec![RecordedResponse::json(
    ///         200,
    ///         json!({ "data": { "deployments": { "edges": [] } } }),
    ///     )])
    ///     .await;
    /// let reply = reqwest::Client::new()
    ///     .post(railway.url())
    ///     .bearer_auth("account-token")
    ///     .body(r#"{"query":"…","variables":{"input":{"serviceId":"svc-api"},"first":10},"operationName":"Deployments"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert!(reply.text().await.unwrap().contains(r#""edges":[]"#));
    /// # });
    /// ```
    pub async fn script_deployments(&self, service_id: &str, responses: Vec<RecordedResponse>) {
        self.mock.with(|railway| {
            if responses.is_empty() {
                railway.deployments.remove(service_id);
            } else {
                railway
                    .deployments
                    .insert(service_id.to_owned(), Script::new(responses));
            }
        });
    }

    /// Answers `ProjectToken` as a project token of project `acme` scoped to `environment`
    /// (id `env-<environment>`), as a real token for that environment would, instead of the
    /// recorded cases' `production`. Replaces any `ProjectToken` script.
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_healthy().await;
    /// railway.scope_project_token("staging").await;
    /// let reply = reqwest::Client::new()
    ///     .post(railway.url())
    ///     .header("Project-Access-Token", RailwayMock::PROJECT_TOKEN)
    ///     .body(r#"{"query":"query ProjectToken { projectToken { id } }","operationName":"ProjectToken"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// let reply: serde_json::Value = serde_json::from_str(&reply.text().await.unwrap()).unwrap();
    /// assert_eq!(reply["data"]["projectToken"]["environment"]["id"], "env-staging");
    /// assert_eq!(reply["data"]["projectToken"]["project"]["id"], RailwayMock::PROJECT_ID);
    /// # });
    /// ```
    pub async fn scope_project_token(&self, environment: &str) {
        let token = json!({ "data": { "projectToken": {
            "id": "pt-demo",
            "project": { "id": Self::PROJECT_ID, "name": "acme" },
            "environment": { "id": format!("env-{environment}"), "name": environment },
        } } });
        self.script("ProjectToken", vec![RecordedResponse::json(200, token)])
            .await;
    }

    /// Replaces every script with `case`'s (each queue starts over). The requests received so
    /// far are kept.
    ///
    /// ```
    /// use release_testkit::{RailwayMock, fixtures};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_case("deploying").await.unwrap();
    /// // … the gate sees DEPLOYING; then the deployment finishes:
    /// railway.script_case(&fixtures::railway_case("healthy").unwrap()).await;
    /// # });
    /// ```
    pub async fn script_case(&self, case: &RailwayCase) {
        self.mock.with(|railway| railway.script_case(case));
    }

    /// The requests received so far, oldest first (including those answered `Not Authorized`
    /// or with an error).
    ///
    /// ```
    /// use release_testkit::RailwayMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let railway = RailwayMock::start_healthy().await;
    /// assert!(railway.requests().await.is_empty());
    /// # });
    /// ```
    pub async fn requests(&self) -> Vec<RailwayRequest> {
        self.mock.requests()
    }
}

impl fmt::Debug for RailwayMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RailwayMock")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

/// Fixture case `name`: the embedded one, else the file.
pub(crate) fn load_case(name: &str) -> Result<RailwayCase, FixtureError> {
    match embedded::railway_case(name) {
        Some(case) => case,
        None => crate::fixtures::railway_case(name),
    }
}
