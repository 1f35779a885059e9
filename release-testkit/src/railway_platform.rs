//! A stateful mock of Railway's platform: deploys, redeploys and rollbacks that change what the
//! queries answer, over the same GraphQL endpoint as [`RailwayMock`](crate::RailwayMock).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;

use wiremock::MockServer;

use crate::mock::{Shared, StatefulMock};
use crate::platform_answer::{Platform, RecordedMutation};
use crate::platform_fault::RailwayFault;
use crate::platform_progress::Progress;
use crate::platform_seed::{self, SeedDeployment};
use crate::platform_state::{State, View};
use crate::railway::{ENDPOINT, RailwayMock, RailwayRequest, graphql_route};

const NAME: &str = "Railway platform";

/// Railway's platform on loopback, with state: one project (`acme`,
/// [`RailwayMock::PROJECT_ID`]), one environment (`production`, `env-prod`, unless the builder
/// names another: `staging` is `env-staging`), and services (`web`, `api` and `worker` by
/// default, ids `svc-<name>`), each with a history of deployments: those of the fixture cases
/// for `web`, `api` and `worker` (`fixtures/responses/railway/README.md`: `api` is at
/// `dep-5e2b8d13`, its previous stable one `dep-48c1d7e6`), else a current `SUCCESS` one and a
/// `REMOVED` one before it.
///
/// It answers `POST /graphql/v2` by the document's root field, as a server executes it (the
/// `operationName` only when the query text has none), after the checks of
/// [`RailwayMock`] (JSON body, a `Project-Access-Token` or a bearer token, `projectToken` only
/// for a project token):
///
/// - `serviceInstanceDeployV2(environmentId, serviceId, commitSha)` returns a new deployment id
///   (`dep-<service>-<n>`); the deployment moves along the service's [`Progress`]
///   ([`deploys`](Self::deploys); by default `SUCCESS` after 300 ms), computed from the time
///   since the mutation. On `SUCCESS` it becomes current and the one it replaces goes `REMOVED`
///   (`canRollback` stays `true`).
/// - `deploymentRollback(id)` (a bare `Boolean!`: a selection set on it is a validation error,
///   as on Railway) makes that deployment current again along the service's rollback schedule
///   ([`rollbacks`](Self::rollbacks); by default at once); `canRollback: false` (a deployment
///   that never served, or one set with [`set_can_rollback`](Self::set_can_rollback)) is a
///   GraphQL error. Rolling back to the current deployment succeeds and changes nothing.
/// - `deploymentRedeploy(id) { id }` creates a copy of that deployment, progressing like a
///   deploy.
/// - `deployment(id)`, `deployments(input, first)` (newest first: the deployment last deployed
///   or rolled back to leads, as the one a rollback creates does on Railway; `status.in` and
///   `status.notIn` filter), `projectToken`, `project(id)` and
///   `environment(id, projectId) { serviceInstances }` (`latestDeployment`,
///   `activeDeployments`) answer from the state, so the `platform` gate sees it.
///
/// Every request is recorded ([`requests`](Self::requests)), every mutation too, with when it
/// arrived and whether it acted ([`mutations`](Self::mutations)). [`inject`](Self::inject)
/// makes the next calls of an operation fail; [`live_since`](Self::live_since) tells when the
/// release under test went live.
///
/// ```
/// use std::time::Duration;
/// use release_testkit::{Progress, RailwayPlatformMock};
/// use serde_json::{Value, json};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let platform = RailwayPlatformMock::start().await;
/// platform.deploys("api", Progress::succeeds_after(Duration::from_millis(100))).await;
///
/// let client = reqwest::Client::new();
/// let call = |query: &str, variables: Value| {
///     let request = client
///         .post(platform.url())
///         .header("Project-Access-Token", "a-project-token")
///         .body(json!({ "query": query, "variables": variables }).to_string());
///     async move { serde_json::from_str::<Value>(&request.send().await.unwrap().text().await.unwrap()).unwrap() }
/// };
/// let deployed = call(
///     "mutation Deploy($e: String!, $s: String!, $c: String) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s, commitSha: $c) }",
///     json!({ "e": "env-prod", "s": "svc-api", "c": "0123abc" }),
/// )
/// .await;
/// let id = deployed["data"]["serviceInstanceDeployV2"].as_str().unwrap().to_owned();
///
/// // Poll until it is live: statuses only move forward.
/// let mut seen = Vec::new();
/// loop {
///     let reply = call("query D($id: String!) { deployment(id: $id) { status } }", json!({ "id": id })).await;
///     let status = reply["data"]["deployment"]["status"].as_str().unwrap().to_owned();
///     if seen.last() != Some(&status) {
///         seen.push(status.clone());
///     }
///     if status == "SUCCESS" {
///         break;
///     }
///     tokio::time::sleep(Duration::from_millis(10)).await;
/// }
/// assert_eq!(seen.last().unwrap(), "SUCCESS");
/// assert_eq!(platform.current("api").await.unwrap().id, id);
/// assert!(platform.live_since("api").await.is_some());
/// assert_eq!(platform.deployment("dep-5e2b8d13").await.unwrap().status, "REMOVED");
///
/// let rolled_back = call(
///     "mutation R($id: String!) { deploymentRollback(id: $id) }",
///     json!({ "id": "dep-5e2b8d13" }),
/// )
/// .await;
/// assert_eq!(rolled_back["data"]["deploymentRollback"], true);
/// assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");
/// assert_eq!(platform.live_since("api").await, None);
///
/// let mutations = platform.mutations().await;
/// assert_eq!(mutations.len(), 2);
/// assert_eq!(mutations[0].operation, "ServiceInstanceDeployV2");
/// assert_eq!(mutations[1].deployment.as_deref(), Some("dep-5e2b8d13"));
/// # });
/// ```
pub struct RailwayPlatformMock {
    mock: StatefulMock<Platform>,
}

/// Configures a [`RailwayPlatformMock`]: see [`RailwayPlatformMock::builder`].
#[derive(Debug, Clone)]
pub struct RailwayPlatformBuilder {
    environment: String,
    services: Vec<String>,
    histories: BTreeMap<String, Vec<SeedDeployment>>,
    deploys: BTreeMap<String, Progress>,
}

/// One deployment of the [`RailwayPlatformMock`] as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformDeployment {
    /// The deployment id.
    pub id: String,
    /// The service's name.
    pub service: String,
    /// Its status now.
    pub status: String,
    /// Whether `deploymentRollback` accepts it.
    pub can_rollback: bool,
    /// Whether it is the service's current (live) deployment.
    pub current: bool,
    /// Whether it belongs to the release under test: created by `serviceInstanceDeployV2`, or
    /// a redeploy of such a deployment.
    pub new_release: bool,
}

impl From<View> for PlatformDeployment {
    fn from(view: View) -> Self {
        Self {
            id: view.id,
            service: view.service,
            status: view.status,
            can_rollback: view.can_rollback,
            current: view.current,
            new_release: view.new_release,
        }
    }
}

impl Default for RailwayPlatformBuilder {
    fn default() -> Self {
        Self {
            environment: "production".to_owned(),
            services: platform_seed::KNOWN
                .iter()
                .map(|known| known.name.to_owned())
                .collect(),
            histories: BTreeMap::new(),
            deploys: BTreeMap::new(),
        }
    }
}

impl RailwayPlatformBuilder {
    /// The environment's name (default `production`, id `env-prod`; another name `n` gets id
    /// `env-n`, as [`RailwayMock::scope_project_token`] scopes a token).
    ///
    /// ```
    /// use release_testkit::RailwayPlatformMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let platform = RailwayPlatformMock::builder().environment("staging").start().await;
    /// assert_eq!(platform.environment_id().await, "env-staging");
    /// # });
    /// ```
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.environment = name.into();
        self
    }

    /// The services, by name, in this order (default `web`, `api`, `worker`).
    ///
    /// ```
    /// use release_testkit::RailwayPlatformMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let platform = RailwayPlatformMock::builder().services(["api", "jobs"]).start().await;
    /// assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");
    /// assert_eq!(platform.current("jobs").await.unwrap().id, "dep-jobs-2");
    /// assert!(platform.current("web").await.is_none());
    /// # });
    /// ```
    pub fn services<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.services = names.into_iter().map(Into::into).collect();
        self
    }

    /// The starting deployments of `service`, newest first, as `(id, status)`: the newest
    /// `SUCCESS` (or `SLEEPING`, `CRASHED`) one is current; those that served (`SUCCESS`, `REMOVED`, `SLEEPING`,
    /// `CRASHED`) can be rolled back to.
    ///
    /// ```
    /// use release_testkit::RailwayPlatformMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let platform = RailwayPlatformMock::builder()
    ///     .services(["api"])
    ///     .history("api", [("dep-b", "SUCCESS"), ("dep-a", "FAILED")])
    ///     .start()
    ///     .await;
    /// assert_eq!(platform.current("api").await.unwrap().id, "dep-b");
    /// assert!(!platform.deployment("dep-a").await.unwrap().can_rollback);
    /// # });
    /// ```
    pub fn history<'a>(
        mut self,
        service: &str,
        deployments: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let seeds = deployments
            .into_iter()
            .map(|(id, status)| SeedDeployment {
                id: id.to_owned(),
                status: status.to_owned(),
                created_at: "2026-05-12T14:00:00.000Z".to_owned(),
                commit: "4be1c7f0a3d29e6b8c5f1a7d3e9b2c4f6a8d0e1f".to_owned(),
                message: format!("{id} of {service}"),
            })
            .collect();
        self.histories.insert(service.to_owned(), seeds);
        self
    }

    /// How deploys of `service` progress (see [`RailwayPlatformMock::deploys`]).
    pub fn deploys(mut self, service: &str, progress: Progress) -> Self {
        self.deploys.insert(service.to_owned(), progress);
        self
    }

    /// Starts the mock on a random loopback port.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`).
    pub async fn start(self) -> RailwayPlatformMock {
        RailwayPlatformMock {
            mock: StatefulMock::start(NAME, graphql_route(), self.platform()).await,
        }
    }

    /// Serves the mock on `server` (for [`MockEnvironment`](crate::MockEnvironment)).
    pub(crate) async fn serve(self, server: MockServer) -> RailwayPlatformMock {
        RailwayPlatformMock {
            mock: StatefulMock::serve(server, graphql_route(), NAME, self.platform()).await,
        }
    }

    fn platform(mut self) -> Platform {
        let services: Vec<(String, Vec<SeedDeployment>)> = self
            .services
            .iter()
            .map(|name| {
                let history = self
                    .histories
                    .remove(name)
                    .unwrap_or_else(|| platform_seed::history(name));
                (name.clone(), history)
            })
            .collect();
        let mut state = State::new(RailwayMock::PROJECT_ID, &self.environment, &services);
        for (service, progress) in self.deploys {
            if let Some(index) = state.service_index(&service) {
                state.services[index].deploys = progress;
            }
        }
        Platform {
            state,
            started: Instant::now(),
            faults: BTreeMap::new(),
            mutations: Vec::new(),
        }
    }
}

impl RailwayPlatformMock {
    /// Starts the default platform (`production`; `web`, `api`, `worker`) on a random loopback
    /// port.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`).
    pub async fn start() -> RailwayPlatformMock {
        Self::builder().start().await
    }

    /// A builder for the environment, the services and their histories.
    pub fn builder() -> RailwayPlatformBuilder {
        RailwayPlatformBuilder::default()
    }

    /// The GraphQL endpoint, `http://127.0.0.1:PORT/graphql/v2` (for `RAILWAY_API_URL`).
    pub fn url(&self) -> String {
        format!("{}{ENDPOINT}", self.mock.uri())
    }

    /// The environment's id (`env-prod` unless the builder named another environment).
    pub async fn environment_id(&self) -> String {
        self.mock.with(|p| p.state.environment_id.clone())
    }

    /// The id of service `name`, if there is one (`svc-<name>`).
    ///
    /// ```
    /// use release_testkit::RailwayPlatformMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let platform = RailwayPlatformMock::start().await;
    /// assert_eq!(platform.service_id("api").await.as_deref(), Some("svc-api"));
    /// assert_eq!(platform.service_id("nope").await, None);
    /// # });
    /// ```
    pub async fn service_id(&self, name: &str) -> Option<String> {
        self.mock.with(|p| {
            p.state
                .services
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.id.clone())
        })
    }

    /// Deploys (and redeploys) of `service` (a name or an id) created from now on follow
    /// `progress`. `false` when there is no such service.
    ///
    /// ```
    /// use release_testkit::{Progress, RailwayPlatformMock};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let platform = RailwayPlatformMock::start().await;
    /// assert!(platform.deploys("web", Progress::stuck_in("BUILDING")).await);
    /// assert!(!platform.deploys("nope", Progress::stuck_in("BUILDING")).await);
    /// # });
    /// ```
    pub async fn deploys(&self, service: &str, progress: Progress) -> bool {
        self.mock.with(|p| match p.state.service_index(service) {
            Some(index) => {
                p.state.services[index].deploys = progress;
                true
            }
            None => false,
        })
    }

    /// Rollbacks of `service` from now on follow `progress` (default
    /// [`Progress::immediate`]): until its `SUCCESS`, the current deployment stays current.
    /// `false` when there is no such service.
    pub async fn rollbacks(&self, service: &str, progress: Progress) -> bool {
        self.mock.with(|p| match p.state.service_index(service) {
            Some(index) => {
                p.state.services[index].rollbacks = progress;
                true
            }
            None => false,
        })
    }

    /// Sets whether deployment `id` can be rolled back to (`canRollback`). `false` when there is
    /// no such deployment.
    ///
    /// ```
    /// use release_testkit::RailwayPlatformMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let platform = RailwayPlatformMock::start().await;
    /// assert!(platform.set_can_rollback("dep-48c1d7e6", false).await);
    /// assert!(!platform.deployment("dep-48c1d7e6").await.unwrap().can_rollback);
    /// # });
    /// ```
    pub async fn set_can_rollback(&self, id: &str, can_rollback: bool) -> bool {
        self.mock.with(|p| match p.state.deployment_index(id) {
            Some(index) => {
                p.state.deployments[index].can_rollback_override = Some(can_rollback);
                true
            }
            None => false,
        })
    }

    /// Makes the next calls of `operation` answer `fault` before the state is consulted.
    /// `operation` is one of the names in [`RecordedMutation::operation`] or `ProjectToken`,
    /// `Project`, `EnvironmentInstances`, `Deployments`, `Deployment`, or the `operationName` a
    /// client sends (`DeploymentStatus`, say). Requests refused before (no token, invalid JSON,
    /// a validation error) do not use it up.
    ///
    /// ```
    /// use release_testkit::{RailwayFault, RailwayPlatformMock};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let platform = RailwayPlatformMock::start().await;
    /// platform.inject("DeploymentRollback", RailwayFault::status(500).after_acting()).await;
    /// let reply = reqwest::Client::new()
    ///     .post(platform.url())
    ///     .bearer_auth("an-account-token")
    ///     .body(r#"{"query":"mutation R($id: String!) { deploymentRollback(id: $id) }","variables":{"id":"dep-48c1d7e6"}}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(reply.status(), 500);
    /// // The server acted all the same.
    /// assert_eq!(platform.current("api").await.unwrap().id, "dep-48c1d7e6");
    /// assert!(platform.mutations().await[0].acted);
    /// # });
    /// ```
    pub async fn inject(&self, operation: &str, fault: RailwayFault) {
        self.mock.with(|p| {
            p.faults
                .entry(operation.to_owned())
                .or_default()
                .push_back(fault);
        });
    }

    /// The mutations received so far, oldest first, refused ones included (see
    /// [`RecordedMutation::acted`]).
    pub async fn mutations(&self) -> Vec<RecordedMutation> {
        self.mock.with(|p| p.mutations.clone())
    }

    /// Every request received so far, oldest first (`Debug` hides the tokens).
    pub async fn requests(&self) -> Vec<RailwayRequest> {
        self.mock.requests()
    }

    /// The deployments of `service` (a name or an id), newest first as `deployments` lists
    /// them; empty when there is no such service.
    ///
    /// ```
    /// use release_testkit::RailwayPlatformMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let platform = RailwayPlatformMock::start().await;
    /// let ids: Vec<String> = platform.deployments("web").await.into_iter().map(|d| d.id).collect();
    /// assert_eq!(ids, ["dep-9c41e7a2", "dep-7d18b3f4", "dep-2f6a9e0b"]);
    /// # });
    /// ```
    pub async fn deployments(&self, service: &str) -> Vec<PlatformDeployment> {
        self.mock.with(|p| {
            let now = Instant::now();
            p.state.settle(now);
            let Some(index) = p.state.service_index(service) else {
                return Vec::new();
            };
            p.state
                .listed(Some(index))
                .into_iter()
                .map(|d| p.state.view(d, now).into())
                .collect()
        })
    }

    /// Deployment `id` as it stands.
    pub async fn deployment(&self, id: &str) -> Option<PlatformDeployment> {
        self.mock.with(|p| {
            let now = Instant::now();
            p.state.settle(now);
            let index = p.state.deployment_index(id)?;
            Some(p.state.view(index, now).into())
        })
    }

    /// The current (live) deployment of `service` (a name or an id).
    pub async fn current(&self, service: &str) -> Option<PlatformDeployment> {
        self.mock.with(|p| {
            let now = Instant::now();
            p.state.settle(now);
            let (index, _) = p.state.current(p.state.service_index(service)?)?;
            Some(p.state.view(index, now).into())
        })
    }

    /// Since when the release under test has been live on `service`: the moment its current
    /// deployment, created by `serviceInstanceDeployV2` (or a redeploy of one), reached
    /// `SUCCESS`. `None` while a deployment from before (the starting one, or one rolled back
    /// to) is current, or for an unknown service. The moment is computed from the deploy's
    /// schedule, so it is exact however late it is asked.
    ///
    /// This is what makes an app scenario degrade after a deploy
    /// ([`MockEnvironmentBuilder::after_deploy`](crate::MockEnvironmentBuilder::after_deploy)).
    pub async fn live_since(&self, service: &str) -> Option<Instant> {
        self.watch().live_since(service)
    }

    /// A handle that answers [`live_since`](Self::live_since) without awaiting, for the app's
    /// responders.
    pub(crate) fn watch(&self) -> PlatformWatch {
        PlatformWatch(self.mock.shared())
    }
}

/// Reads the platform's state from another mock's responder.
#[derive(Clone)]
pub(crate) struct PlatformWatch(Shared<Platform>);

impl PlatformWatch {
    pub(crate) fn live_since(&self, service: &str) -> Option<Instant> {
        self.0.with(|p| {
            p.state.settle(Instant::now());
            let (index, since) = p.state.current(p.state.service_index(service)?)?;
            p.state.deployments[index]
                .origin
                .new_release()
                .then_some(since)
                .flatten()
        })
    }
}

impl fmt::Debug for PlatformWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformWatch").finish_non_exhaustive()
    }
}

impl fmt::Debug for RailwayPlatformMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RailwayPlatformMock")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}
