//! The mock deployment: an API server, a web server and another host, on loopback.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request};

use crate::after_deploy::{AfterDeploy, LiveScenario};
use crate::alertmanager::AlertmanagerMock;
use crate::app::{Endpoint, EndpointResponder, Serve, web_page};
use crate::embedded;
use crate::fault::Fault;
use crate::health::HealthBody;
use crate::mock::loopback_server;
use crate::prometheus::PrometheusMock;
use crate::railway::{self, RailwayMock};
use crate::railway_platform::{RailwayPlatformBuilder, RailwayPlatformMock};
use crate::recorded::{FixtureError, RecordedResponse};
use crate::route::{Route, normalize_path};
use crate::scenario::{Metric, Scenario};

/// The admin token a [`MockEnvironment`] expects unless the builder sets another one.
///
/// ```
/// assert!(release_testkit::DEFAULT_ADMIN_TOKEN.len() >= 40);
/// ```
pub const DEFAULT_ADMIN_TOKEN: &str = "demo-admin-0f3c9a7e5b1d4f8a2c6e0b9d7f5a3c1e";

/// Priority of bodies mounted by [`MockEnvironment::serve_health`] and
/// [`MockEnvironment::serve_recorded`]: below faults, above the scenario (wiremock's default 5).
const OVERRIDE_PRIORITY: u8 = 2;

/// The app a release is gated on, on loopback with random ports: an API server, a web server and
/// an "other host" for cross-host redirects, each a wiremock [`MockServer`], serving a
/// [`Scenario`].
///
/// The API server answers `GET /health` (health+json), `GET /ready` (`ok`, or the verbose
/// readyz text with `?verbose`), `POST /api/auth/session`, `GET /api/projects`, and the admin
/// endpoints `GET /api/admin/ai-runtime/health`, `POST /api/admin/ai-runtime/dry-run` and
/// `GET /api/admin/agent-gateway/sessions`, which answer 401 `{"error":"unauthorized"}` without
/// `Authorization: Bearer <admin token>`. The web server answers `GET /`, `GET /login` and
/// `GET /health` (`{"status":"ok"}`). A [`RailwayMock`] serves Railway's GraphQL API
/// ([`railway_url`](MockEnvironment::railway_url)) with the `healthy` case in every scenario,
/// `api-down` included (the platform sees the deployment; the probes fail), unless the builder
/// chose another case. A [`PrometheusMock`] and an [`AlertmanagerMock`] serve the scenario's
/// metrics and alerts: the queries named with [`MockEnvironmentBuilder::metric`] answer
/// [`Scenario::metric`], and Alertmanager holds [`Scenario::alerts`].
///
/// ```
/// use release_testkit::{MockEnvironment, Scenario};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let env = MockEnvironment::start(Scenario::RolesBlocked).await;
///
/// let response = reqwest::Client::new()
///     .get(format!("{}/api/admin/ai-runtime/health", env.api_url()))
///     .bearer_auth(env.admin_token())
///     .send()
///     .await
///     .unwrap();
/// assert_eq!(response.status(), 200);
/// let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
/// assert_eq!(body["summary"]["rolesBlocked"], 2);
/// # });
/// ```
pub struct MockEnvironment {
    scenario: Scenario,
    admin_token: Arc<str>,
    api: MockServer,
    web: MockServer,
    other: MockServer,
    api_url: String,
    other_host_url: String,
    railway: RailwayMock,
    platform: Option<RailwayPlatformMock>,
    prometheus: PrometheusMock,
    alertmanager: AlertmanagerMock,
    routes: Vec<Arc<EndpointResponder>>,
    /// In `api-down`, the API URL's port: bound so no one else gets it, never listening, so
    /// connections are refused.
    _api_down_port: Option<socket2::Socket>,
}

/// Why a [`MockEnvironment`] could not start.
///
/// ```
/// use release_testkit::{MockEnvironment, StartError};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let err = MockEnvironment::builder().admin_token("").start().await.unwrap_err();
/// assert!(matches!(err, StartError::AdminToken { .. }));
/// # });
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A loopback port could not be bound (for example, the requested API port is taken).
    #[error("failed to bind {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The admin token cannot be sent in an `Authorization` header. The token itself is never
    /// part of the message.
    #[error("invalid admin token: {reason}")]
    AdminToken {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The Railway case chosen with [`MockEnvironmentBuilder::railway_case`] could not be
    /// loaded.
    #[error("failed to load Railway case {name:?}")]
    RailwayCase {
        /// The case name given.
        name: String,
        /// The underlying error.
        #[source]
        source: FixtureError,
    },
}

/// Configures a [`MockEnvironment`]: see [`MockEnvironment::builder`].
///
/// ```
/// use release_testkit::{MockEnvironment, Scenario};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let env = MockEnvironment::builder()
///     .scenario(Scenario::Degraded)
///     .admin_token("my-admin-token-for-this-test-0123456789")
///     .start()
///     .await
///     .unwrap();
/// assert_eq!(env.scenario(), Scenario::Degraded);
/// assert_eq!(env.admin_token(), "my-admin-token-for-this-test-0123456789");
/// # });
/// ```
#[derive(Clone, Default)]
pub struct MockEnvironmentBuilder {
    scenario: Scenario,
    admin_token: Option<String>,
    api_port: Option<u16>,
    railway_case: Option<String>,
    railway_environment: Option<String>,
    metrics: Vec<(String, Metric)>,
    platform: Option<RailwayPlatformBuilder>,
    after_deploy: Option<(String, Scenario)>,
}

impl MockEnvironmentBuilder {
    /// The scenario to serve (default [`Scenario::Healthy`]).
    ///
    /// ```
    /// let builder = release_testkit::MockEnvironment::builder()
    ///     .scenario(release_testkit::Scenario::Flaky);
    /// # drop(builder);
    /// ```
    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = scenario;
        self
    }

    /// The bearer token the admin endpoints accept (default [`DEFAULT_ADMIN_TOKEN`]). It must be
    /// non-empty printable ASCII without spaces, or [`start`](Self::start) fails.
    ///
    /// ```
    /// let builder = release_testkit::MockEnvironment::builder()
    ///     .admin_token("a-test-token-of-reasonable-length-42");
    /// # drop(builder);
    /// ```
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// The API server's port on 127.0.0.1 (default: a random free port). In `api-down` this is
    /// the port that refuses connections.
    ///
    /// ```
    /// use release_testkit::MockEnvironment;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    /// let env = MockEnvironment::builder().api_port(port).start().await.unwrap();
    /// assert_eq!(env.api_url(), format!("http://127.0.0.1:{port}"));
    /// # });
    /// ```
    pub fn api_port(mut self, port: u16) -> Self {
        self.api_port = Some(port);
        self
    }

    /// The Railway case the [`RailwayMock`] serves (default `healthy`; see
    /// [`RailwayMock::CASES`]). An unknown case makes [`start`](Self::start) fail.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, StartError};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::builder().railway_case("deploying").start().await.unwrap();
    /// # drop(env);
    /// let err = MockEnvironment::builder().railway_case("sunny").start().await.unwrap_err();
    /// assert!(matches!(err, StartError::RailwayCase { .. }));
    /// # });
    /// ```
    pub fn railway_case(mut self, name: impl Into<String>) -> Self {
        self.railway_case = Some(name.into());
        self
    }

    /// Scopes the Railway mock's project token to `environment` (see
    /// [`RailwayMock::scope_project_token`]), for a run against an environment other than the
    /// recorded cases' `production`.
    ///
    /// ```
    /// use release_testkit::MockEnvironment;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::builder().railway_environment("staging").start().await.unwrap();
    /// # drop(env);
    /// # });
    /// ```
    pub fn railway_environment(mut self, environment: impl Into<String>) -> Self {
        self.railway_environment = Some(environment.into());
        self
    }

    /// Makes the Prometheus mock answer PromQL text `query` with the scenario's value of
    /// `metric` ([`Scenario::metric`]), every time. Other queries get Prometheus's empty result.
    ///
    /// ```
    /// use release_testkit::{Metric, MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let query = "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
    /// let env = MockEnvironment::builder()
    ///     .scenario(Scenario::Degraded)
    ///     .metric(query, Metric::LatencySeconds)
    ///     .start()
    ///     .await
    ///     .unwrap();
    ///
    /// let url = reqwest::Url::parse_with_params(
    ///     &format!("{}/api/v1/query", env.prometheus().url()),
    ///     [("query", query)],
    /// )
    /// .unwrap();
    /// let body: serde_json::Value =
    ///     serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap();
    /// assert_eq!(body["data"]["result"][0]["value"][1], "0.62");
    /// # });
    /// ```
    pub fn metric(mut self, query: impl Into<String>, metric: Metric) -> Self {
        self.metrics.push((query.into(), metric));
        self
    }

    /// Answers every `prometheus` gate of `plan` with the scenario's values: the runbook's
    /// error-rate gate (`api-5xx-rate`) as [`Metric::ErrorRatio`], every other one as
    /// [`Metric::LatencySeconds`], as [`metric`](Self::metric) does for one query.
    ///
    /// ```
    /// use release_core::Plan;
    /// use release_testkit::MockEnvironment;
    ///
    /// let plan = Plan::parse("release.toml", r#"
    /// [environments.staging]
    /// [[gates]]
    /// id = "api-5xx-rate"
    /// kind = "prometheus"
    /// phases = ["launch"]
    /// query = "error_ratio"
    /// fail_above = 0.02
    /// "#).unwrap();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::builder().metrics_of(&plan).start().await.unwrap();
    /// let url = format!("{}/api/v1/query?query=error_ratio", env.prometheus().url());
    /// let body: serde_json::Value =
    ///     serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap();
    /// assert_eq!(body["status"], "success");
    /// # });
    /// ```
    pub fn metrics_of(mut self, plan: &release_core::Plan) -> Self {
        for gate in &plan.gates {
            if let release_core::plan::GateKindSpec::Prometheus(spec) = &gate.spec {
                let metric = match gate.common.id.as_str() {
                    "api-5xx-rate" => Metric::ErrorRatio,
                    _ => Metric::LatencySeconds,
                };
                self = self.metric(&spec.query, metric);
            }
        }
        self
    }

    /// Serves a stateful [`RailwayPlatformMock`] built by `platform` at
    /// [`railway_url`](MockEnvironment::railway_url), instead of the scripted [`RailwayMock`]
    /// (which still runs, at [`railway`](MockEnvironment::railway)). Its environment is the one
    /// named with [`railway_environment`](Self::railway_environment), if any.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, RailwayPlatformMock};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::builder()
    ///     .railway_platform(RailwayPlatformMock::builder().services(["web", "api"]))
    ///     .railway_environment("staging")
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let platform = env.platform().unwrap();
    /// assert_eq!(env.railway_url(), platform.url());
    /// assert_eq!(platform.environment_id().await, "env-staging");
    /// # });
    /// ```
    pub fn railway_platform(mut self, platform: RailwayPlatformBuilder) -> Self {
        self.platform = Some(platform);
        self
    }

    /// The app (API endpoints, Prometheus metrics, Alertmanager alerts) serves the builder's
    /// scenario until the release under test goes live on `service` of the platform mock
    /// ([`RailwayPlatformMock::live_since`]), then `scenario`, and the first again once a
    /// rollback makes an earlier deployment current. Starts a default platform mock unless
    /// [`railway_platform`](Self::railway_platform) set one. `Scenario::ApiDown` after a deploy
    /// keeps the API's port open and answers every endpoint
    /// `502 {"message":"Application failed to respond"}`, as Railway's edge does.
    ///
    /// ```
    /// use std::time::Duration;
    /// use release_testkit::{MockEnvironment, Progress, Scenario};
    /// use serde_json::json;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::builder()
    ///     .after_deploy("api", Scenario::RolesBlocked)
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let platform = env.platform().unwrap();
    /// platform.deploys("api", Progress::immediate()).await;
    ///
    /// let roles_blocked = || async {
    ///     let body = reqwest::Client::new()
    ///         .get(format!("{}/api/admin/ai-runtime/health", env.api_url()))
    ///         .bearer_auth(env.admin_token())
    ///         .send()
    ///         .await
    ///         .unwrap()
    ///         .text()
    ///         .await
    ///         .unwrap();
    ///     serde_json::from_str::<serde_json::Value>(&body).unwrap()["summary"]["rolesBlocked"].clone()
    /// };
    /// assert_eq!(roles_blocked().await, 0);
    ///
    /// reqwest::Client::new()
    ///     .post(env.railway_url())
    ///     .bearer_auth("an-account-token")
    ///     .body(json!({
    ///         "query": "mutation D($e: String!, $s: String!) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s) }",
    ///         "variables": { "e": "env-prod", "s": "svc-api" },
    ///     }).to_string())
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(roles_blocked().await, 2);
    /// # });
    /// ```
    pub fn after_deploy(mut self, service: impl Into<String>, scenario: Scenario) -> Self {
        self.after_deploy = Some((service.into(), scenario));
        self
    }

    /// Binds the servers and mounts the scenario.
    ///
    /// ```
    /// use release_testkit::MockEnvironment;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::builder().start().await.unwrap();
    /// let response = reqwest::get(format!("{}/ready", env.api_url())).await.unwrap();
    /// assert_eq!(response.text().await.unwrap(), "ok");
    /// # });
    /// ```
    pub async fn start(self) -> Result<MockEnvironment, StartError> {
        let admin_token: Arc<str> = match self.admin_token {
            Some(token) => {
                check_admin_token(&token)?;
                token.into()
            }
            None => DEFAULT_ADMIN_TOKEN.into(),
        };
        let scenario = self.scenario;
        let railway_case = self.railway_case.as_deref().unwrap_or("healthy");
        let railway_case =
            railway::load_case(railway_case).map_err(|source| StartError::RailwayCase {
                name: railway_case.to_owned(),
                source,
            })?;

        let (api, api_url, api_down_port) = if scenario == Scenario::ApiDown {
            let socket = reserve_refusing_port(self.api_port.unwrap_or(0))?;
            let port = socket
                .local_addr()
                .ok()
                .and_then(|addr| addr.as_socket())
                .map_or(0, |addr| addr.port());
            // The API server still exists (so `inject` and friends work) but nothing points
            // at it.
            let api = start_server(0).await?;
            (api, format!("http://127.0.0.1:{port}"), Some(socket))
        } else {
            let api = start_server(self.api_port.unwrap_or(0)).await?;
            let url = api.uri();
            (api, url, None)
        };
        let web = start_server(0).await?;
        let other = start_server(0).await?;
        let other_host_url = format!("http://localhost:{}", other.address().port());
        let railway = RailwayMock::serve(start_server(0).await?, &railway_case).await;
        if let Some(environment) = &self.railway_environment {
            railway.scope_project_token(environment).await;
        }
        let platform = match (self.platform, &self.after_deploy) {
            (Some(platform), _) => Some(platform),
            (None, Some(_)) => Some(RailwayPlatformMock::builder()),
            (None, None) => None,
        };
        let platform = match platform {
            Some(mut platform) => {
                if let Some(environment) = &self.railway_environment {
                    platform = platform.environment(environment.clone());
                }
                Some(platform.serve(start_server(0).await?).await)
            }
            None => None,
        };
        let after_deploy = match (&platform, self.after_deploy) {
            (Some(platform), Some((service, scenario))) => Some(AfterDeploy {
                watch: platform.watch(),
                service,
                scenario,
            }),
            _ => None,
        };
        let prometheus = PrometheusMock::serve(start_server(0).await?).await;
        for (query, metric) in &self.metrics {
            prometheus
                .respond(query, PrometheusMock::vector(scenario.metric(*metric)))
                .await;
            if let Some(after) = &after_deploy {
                let value = after.scenario.metric(*metric);
                prometheus
                    .respond_after_deploy(after, query, PrometheusMock::vector(value))
                    .await;
            }
        }
        let alertmanager = AlertmanagerMock::serve(start_server(0).await?).await;
        alertmanager
            .set_alerts(serde_json::Value::Array(scenario.alerts()))
            .await;
        if let Some(after) = &after_deploy {
            let alerts = serde_json::Value::Array(after.scenario.alerts());
            alertmanager.set_alerts_after_deploy(after, alerts).await;
        }

        let mut routes = Vec::new();
        if scenario != Scenario::ApiDown {
            for endpoint in Endpoint::ALL {
                let responder = Arc::new(EndpointResponder::new(
                    endpoint,
                    LiveScenario::switching(scenario, after_deploy.clone()),
                    Arc::clone(&admin_token),
                ));
                Mock::given(Route::new(Some(endpoint.method()), endpoint.path()))
                    .respond_with(Serve(Arc::clone(&responder)))
                    .named(format!("{} {}", endpoint.method(), endpoint.path()))
                    .mount(&api)
                    .await;
                routes.push(responder);
            }
        }

        for (path, title) in [("/", "Acme"), ("/login", "Sign in")] {
            Mock::given(Route::new(Some("GET"), path))
                .respond_with(web_page(title))
                .mount(&web)
                .await;
        }
        embedded::response("health", "simple-ok")
            .mount_on(&web, "GET", "/health")
            .await;

        Mock::given(any())
            .respond_with(embedded::response("health", "health-json-pass").template())
            .mount(&other)
            .await;

        Ok(MockEnvironment {
            scenario,
            admin_token,
            api,
            web,
            other,
            api_url,
            other_host_url,
            railway,
            platform,
            prometheus,
            alertmanager,
            routes,
            _api_down_port: api_down_port,
        })
    }
}

impl fmt::Debug for MockEnvironmentBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockEnvironmentBuilder")
            .field("scenario", &self.scenario)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "[redacted]"),
            )
            .field("api_port", &self.api_port)
            .field("railway_case", &self.railway_case)
            .field("railway_environment", &self.railway_environment)
            .field("metrics", &self.metrics)
            .field("platform", &self.platform)
            .field("after_deploy", &self.after_deploy)
            .finish()
    }
}

impl MockEnvironment {
    /// Starts `scenario` on random loopback ports with the default admin token.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound at all (like wiremock's `MockServer::start`). Use
    /// [`MockEnvironment::builder`] to get an error instead.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// let response = reqwest::get(format!("{}/health", env.api_url())).await.unwrap();
    /// assert_eq!(response.status(), 200);
    /// assert_eq!(response.headers()["content-type"], "application/health+json");
    /// # });
    /// ```
    pub async fn start(scenario: Scenario) -> MockEnvironment {
        match Self::builder().scenario(scenario).start().await {
            Ok(env) => env,
            // A test kit cannot run without loopback; the builder returns the error instead.
            Err(err) => panic!("failed to start the mock environment: {err}"),
        }
    }

    /// A builder for the scenario, admin token and API port.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::builder()
    ///     .scenario(Scenario::StaleSessions)
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(env.scenario(), Scenario::StaleSessions);
    /// # });
    /// ```
    pub fn builder() -> MockEnvironmentBuilder {
        MockEnvironmentBuilder::default()
    }

    /// The scenario being served.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// assert_eq!(MockEnvironment::start(Scenario::Flaky).await.scenario(), Scenario::Flaky);
    /// # });
    /// ```
    pub fn scenario(&self) -> Scenario {
        self.scenario
    }

    /// The API's base URL, `http://127.0.0.1:PORT`, without a trailing slash.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// assert!(env.api_url().starts_with("http://127.0.0.1:"));
    /// assert_ne!(env.api_url(), env.web_url());
    /// # });
    /// ```
    pub fn api_url(&self) -> String {
        self.api_url.clone()
    }

    /// The web app's base URL, `http://127.0.0.1:PORT`, without a trailing slash.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::ApiDown).await;
    /// let page = reqwest::get(format!("{}/login", env.web_url())).await.unwrap();
    /// assert_eq!(page.status(), 200);
    /// # });
    /// ```
    pub fn web_url(&self) -> String {
        self.web.uri()
    }

    /// The other host's base URL, `http://localhost:PORT`: a different host name than the API's
    /// `127.0.0.1`, so HTTP clients treat a redirect there as cross-host. It answers every
    /// request with health+json `pass`.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// assert!(env.other_host_url().starts_with("http://localhost:"));
    /// # });
    /// ```
    pub fn other_host_url(&self) -> String {
        self.other_host_url.clone()
    }

    /// The Railway GraphQL endpoint, `http://127.0.0.1:PORT/graphql/v2` (for `RAILWAY_API_URL`).
    /// It serves the `healthy` case unless the builder chose another.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, RailwayMock, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::ApiDown).await;
    /// let reply = reqwest::Client::new()
    ///     .post(env.railway_url())
    ///     .header("Project-Access-Token", RailwayMock::PROJECT_TOKEN)
    ///     .body(r#"{"query":"query ProjectToken { projectToken { id } }","operationName":"ProjectToken"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert!(reply.text().await.unwrap().contains(RailwayMock::PROJECT_ID));
    /// # });
    /// ```
    pub fn railway_url(&self) -> String {
        match &self.platform {
            Some(platform) => platform.url(),
            None => self.railway.url(),
        }
    }

    /// The stateful Railway platform mock, when the builder asked for one
    /// ([`MockEnvironmentBuilder::railway_platform`],
    /// [`MockEnvironmentBuilder::after_deploy`]).
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// assert!(MockEnvironment::start(Scenario::Healthy).await.platform().is_none());
    /// # });
    /// ```
    pub fn platform(&self) -> Option<&RailwayPlatformMock> {
        self.platform.as_ref()
    }

    /// The Railway mock, to script further answers or read the requests it received.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario, fixtures};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// env.railway().script_case(&fixtures::railway_case("crashed-deployment").unwrap()).await;
    /// assert!(env.railway().requests().await.is_empty());
    /// # });
    /// ```
    pub fn railway(&self) -> &RailwayMock {
        &self.railway
    }

    /// The Prometheus mock, serving the scenario's metrics (see
    /// [`MockEnvironmentBuilder::metric`]); script further answers on it.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// assert!(env.prometheus().url().starts_with("http://127.0.0.1:"));
    /// assert!(env.prometheus().requests().await.is_empty());
    /// # });
    /// ```
    pub fn prometheus(&self) -> &PrometheusMock {
        &self.prometheus
    }

    /// The Alertmanager mock, holding the scenario's alerts ([`Scenario::alerts`]).
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::ApiDown).await;
    /// let url = format!("{}/api/v2/alerts?filter=severity%3D%22critical%22", env.alertmanager().url());
    /// let alerts: Vec<serde_json::Value> =
    ///     serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap();
    /// assert_eq!(alerts[0]["labels"]["alertname"], "ApiDown");
    /// # });
    /// ```
    pub fn alertmanager(&self) -> &AlertmanagerMock {
        &self.alertmanager
    }

    /// The bearer token the admin endpoints accept.
    ///
    /// ```
    /// use release_testkit::{DEFAULT_ADMIN_TOKEN, MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// assert_eq!(env.admin_token(), DEFAULT_ADMIN_TOKEN);
    /// # });
    /// ```
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// Injects `fault` on `path` of the API server, for every method (a query string in `path`
    /// is ignored). It takes precedence over the scenario and over
    /// [`serve_health`](Self::serve_health); faults on one path apply in injection order.
    ///
    /// ```
    /// use release_testkit::{Fault, MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// env.inject("/ready", Fault::RateLimited { retry_after_secs: 2, times: 1 }).await;
    ///
    /// let url = format!("{}/ready", env.api_url());
    /// let first = reqwest::get(&url).await.unwrap();
    /// assert_eq!(first.status(), 429);
    /// assert_eq!(first.headers()["retry-after"], "2");
    /// assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    /// # });
    /// ```
    pub async fn inject(&self, path: &str, fault: Fault) {
        let path = normalize_path(path);
        let routes = self
            .routes
            .iter()
            .filter(|route| route.endpoint().path() == path)
            .cloned()
            .collect();
        if let Some(mock) = fault.mock(&path, routes, &self.other_host_url) {
            mock.mount(&self.api).await;
        }
    }

    /// Serves `body` for `GET path` on the API server, over the scenario (faults still come
    /// first).
    ///
    /// ```
    /// use release_testkit::{HealthBody, MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// env.serve_health("/health", HealthBody::SpringDown).await;
    ///
    /// let response = reqwest::get(format!("{}/health", env.api_url())).await.unwrap();
    /// assert_eq!(response.status(), 503);
    /// assert!(response.text().await.unwrap().contains(r#""status":"DOWN""#));
    /// # });
    /// ```
    pub async fn serve_health(&self, path: &str, body: HealthBody) {
        Mock::given(Route::new(Some("GET"), path))
            .respond_with(body.template())
            .with_priority(OVERRIDE_PRIORITY)
            .mount(&self.api)
            .await;
    }

    /// Serves a recorded response for `method path` on the API server, over the scenario
    /// (faults still come first).
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario, fixtures};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// let recorded = fixtures::response("agent-gateway", "sessions-empty").unwrap();
    /// env.serve_recorded("GET", "/api/admin/agent-gateway/sessions", &recorded).await;
    ///
    /// let url = format!("{}/api/admin/agent-gateway/sessions?source=db&limit=20", env.api_url());
    /// let body = reqwest::get(url).await.unwrap().text().await.unwrap();
    /// assert!(body.contains(r#""sessions":[]"#));
    /// # });
    /// ```
    pub async fn serve_recorded(&self, method: &str, path: &str, recorded: &RecordedResponse) {
        Mock::given(Route::new(Some(method), path))
            .respond_with(recorded.template())
            .with_priority(OVERRIDE_PRIORITY)
            .mount(&self.api)
            .await;
    }

    /// The requests the API server received, oldest first, with their headers and bodies.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// reqwest::get(format!("{}/health", env.api_url())).await.unwrap();
    ///
    /// let requests = env.received_requests().await;
    /// assert_eq!(requests.len(), 1);
    /// assert_eq!(requests[0].url.path(), "/health");
    /// # });
    /// ```
    pub async fn received_requests(&self) -> Vec<Request> {
        self.api.received_requests().await.unwrap_or_default()
    }

    /// The requests that reached the other host (through [`Fault::RedirectToOtherHost`]).
    ///
    /// ```
    /// use release_testkit::{Fault, MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// env.inject("/health", Fault::RedirectToOtherHost).await;
    /// let response = reqwest::Client::new()
    ///     .get(format!("{}/health", env.api_url()))
    ///     .bearer_auth(env.admin_token())
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(response.status(), 200);
    ///
    /// let requests = env.other_host_requests().await;
    /// assert_eq!(requests.len(), 1);
    /// assert!(requests[0].headers.get("authorization").is_none());
    /// # });
    /// ```
    pub async fn other_host_requests(&self) -> Vec<Request> {
        self.other.received_requests().await.unwrap_or_default()
    }

    /// The API server, to mount further wiremock mocks on (at wiremock's default priority, which
    /// the scenario's routes share: prefer [`serve_recorded`](Self::serve_recorded) for the
    /// scenario's paths).
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    /// use wiremock::{Mock, ResponseTemplate, matchers::path};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// Mock::given(path("/version"))
    ///     .respond_with(ResponseTemplate::new(200).set_body_string("1.4.0"))
    ///     .mount(env.api_server())
    ///     .await;
    /// let body = reqwest::get(format!("{}/version", env.api_url())).await.unwrap();
    /// assert_eq!(body.text().await.unwrap(), "1.4.0");
    /// # });
    /// ```
    pub fn api_server(&self) -> &MockServer {
        &self.api
    }

    /// The web server, to mount further wiremock mocks on or read its received requests.
    ///
    /// ```
    /// use release_testkit::{MockEnvironment, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let env = MockEnvironment::start(Scenario::Healthy).await;
    /// reqwest::get(env.web_url()).await.unwrap();
    /// let requests = env.web_server().received_requests().await.unwrap();
    /// assert_eq!(requests[0].url.path(), "/");
    /// # });
    /// ```
    pub fn web_server(&self) -> &MockServer {
        &self.web
    }
}

impl fmt::Debug for MockEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockEnvironment")
            .field("scenario", &self.scenario)
            .field("api_url", &self.api_url)
            .field("web_url", &self.web.uri())
            .field("other_host_url", &self.other_host_url)
            .field("railway_url", &self.railway_url())
            .field("prometheus_url", &self.prometheus.url())
            .field("alertmanager_url", &self.alertmanager.url())
            .field("admin_token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

fn check_admin_token(token: &str) -> Result<(), StartError> {
    if token.is_empty() {
        return Err(StartError::AdminToken {
            reason: "it is empty",
        });
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(StartError::AdminToken {
            reason: "it must be printable ASCII without spaces",
        });
    }
    Ok(())
}

/// A wiremock server on `127.0.0.1:port` (0: any free port), recording requests.
async fn start_server(port: u16) -> Result<MockServer, StartError> {
    loopback_server(port)
        .await
        .map_err(|(addr, source)| StartError::Bind { addr, source })
}

/// Binds `127.0.0.1:port` without listening: the port stays ours (no other server can take it
/// while the environment lives) and connections to it are refused.
fn reserve_refusing_port(port: u16) -> Result<socket2::Socket, StartError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let bind_error = |source| StartError::Bind { addr, source };
    let socket = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )
    .map_err(bind_error)?;
    socket.bind(&addr.into()).map_err(bind_error)?;
    Ok(socket)
}
