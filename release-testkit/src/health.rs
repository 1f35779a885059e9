//! Health endpoint responses in every format of the reference's section 4.

use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::embedded;
use crate::recorded::RecordedResponse;
use crate::route::Route;

/// A health endpoint's response in one of the formats gates must understand: the IETF draft's
/// `application/health+json`, Spring Boot Actuator, the ad-hoc `{ "status": "ok" }`, plain `ok`
/// and Kubernetes `/readyz`. Each comes with the HTTP status its server would send.
///
/// All but [`HealthBody::HealthJsonStatus`] are the recorded responses under
/// `fixtures/responses/health/` (see [`HealthBody::fixture_case`]).
///
/// ```
/// use release_testkit::HealthBody;
///
/// let (status, content_type, body) = HealthBody::SpringOutOfService.parts();
/// assert_eq!(status, 503);
/// assert_eq!(content_type, "application/vnd.spring-boot.actuator.v3+json");
/// assert!(body.contains("OUT_OF_SERVICE"));
///
/// let (status, _, body) = HealthBody::ReadyzFailed.parts();
/// assert_eq!(status, 500);
/// assert!(body.contains("reason withheld"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HealthBody {
    /// health+json `pass`, 200, with passing checks.
    HealthJsonPass,
    /// health+json `warn`, 200 (the draft requires 2xx-3xx for warn), one check in warn.
    HealthJsonWarn,
    /// health+json `fail`, 503.
    HealthJsonFail,
    /// health+json with aliases in mixed case (`"Up"` at the top, `"OK"` and `"PASS"` in the
    /// checks), sent as `application/json`, 200: means pass.
    HealthJsonAliasMixedCase,
    /// health+json with the top-level status spelled exactly as given (`"OK"`, `"Up"`, `"DOWN"`,
    /// `"Error"`, …). The HTTP status follows its meaning: 503 for the fail aliases (`fail`,
    /// `error`, `down`, in any case), 200 otherwise.
    HealthJsonStatus(String),
    /// Spring Boot Actuator `UP` with components, 200.
    SpringUp,
    /// Spring Boot Actuator `DOWN`, 503.
    SpringDown,
    /// Spring Boot Actuator `OUT_OF_SERVICE`, 503.
    SpringOutOfService,
    /// Spring Boot Actuator `UNKNOWN`, 200 (Spring's default mapping).
    SpringUnknown,
    /// Spring Boot 2.0-2.1 (legacy v2 media type): `UP` with components under `details`, 200.
    SpringLegacyDetails,
    /// `{ "status": "ok" }` as `application/json`, 200.
    SimpleOk,
    /// Plain-text `ok` without a trailing newline, 200.
    PlainOk,
    /// Kubernetes `/readyz?verbose`: every check `ok`, then `readyz check passed`, 200.
    ReadyzVerbosePassed,
    /// Kubernetes `/readyz` failure: 500, `[-]etcd failed: reason withheld`,
    /// `readyz check failed`.
    ReadyzFailed,
}

impl HealthBody {
    /// One of each format, with the aliases `"OK"`, `"Up"` and `"DOWN"` for
    /// [`HealthBody::HealthJsonStatus`].
    ///
    /// ```
    /// use release_testkit::HealthBody;
    ///
    /// let all = HealthBody::all();
    /// assert!(all.contains(&HealthBody::PlainOk));
    /// assert!(all.contains(&HealthBody::HealthJsonStatus("DOWN".into())));
    /// ```
    pub fn all() -> Vec<HealthBody> {
        vec![
            Self::HealthJsonPass,
            Self::HealthJsonWarn,
            Self::HealthJsonFail,
            Self::HealthJsonAliasMixedCase,
            Self::HealthJsonStatus("OK".to_owned()),
            Self::HealthJsonStatus("Up".to_owned()),
            Self::HealthJsonStatus("DOWN".to_owned()),
            Self::SpringUp,
            Self::SpringDown,
            Self::SpringOutOfService,
            Self::SpringUnknown,
            Self::SpringLegacyDetails,
            Self::SimpleOk,
            Self::PlainOk,
            Self::ReadyzVerbosePassed,
            Self::ReadyzFailed,
        ]
    }

    /// The case under `fixtures/responses/health/` this body is, if any.
    ///
    /// ```
    /// use release_testkit::HealthBody;
    ///
    /// assert_eq!(HealthBody::SpringUp.fixture_case(), Some("spring-up"));
    /// assert_eq!(HealthBody::HealthJsonStatus("Up".into()).fixture_case(), None);
    /// ```
    pub fn fixture_case(&self) -> Option<&'static str> {
        Some(match self {
            Self::HealthJsonPass => "health-json-pass",
            Self::HealthJsonWarn => "health-json-warn",
            Self::HealthJsonFail => "health-json-fail",
            Self::HealthJsonAliasMixedCase => "health-json-alias-mixed-case",
            Self::HealthJsonStatus(_) => return None,
            Self::SpringUp => "spring-up",
            Self::SpringDown => "spring-down",
            Self::SpringOutOfService => "spring-out-of-service",
            Self::SpringUnknown => "spring-unknown",
            Self::SpringLegacyDetails => "spring-legacy-details",
            Self::SimpleOk => "simple-ok",
            Self::PlainOk => "plain-ok",
            Self::ReadyzVerbosePassed => "readyz-verbose-passed",
            Self::ReadyzFailed => "readyz-failed",
        })
    }

    /// The full response: status, headers (some formats send more than a content type) and body.
    ///
    /// ```
    /// use release_testkit::HealthBody;
    ///
    /// let recorded = HealthBody::ReadyzVerbosePassed.recorded();
    /// assert_eq!(recorded.headers["x-content-type-options"], "nosniff");
    /// ```
    pub fn recorded(&self) -> RecordedResponse {
        match (self, self.fixture_case()) {
            (Self::HealthJsonStatus(status), _) => {
                let meaning = status.to_ascii_lowercase();
                let http_status = if ["fail", "error", "down"].contains(&meaning.as_str()) {
                    503
                } else {
                    200
                };
                RecordedResponse {
                    description: Some(format!("health+json with status {status:?}")),
                    status: http_status,
                    headers: [(
                        "content-type".to_owned(),
                        "application/health+json".to_owned(),
                    )]
                    .into(),
                    body: serde_json::json!({ "status": status, "releaseId": "1.4.0" }),
                }
            }
            (_, Some(case)) => embedded::response("health", case),
            // Unreachable: every other variant has a fixture case.
            (_, None) => embedded::response("health", "missing"),
        }
    }

    /// `(status, content type, body)`.
    ///
    /// ```
    /// use release_testkit::HealthBody;
    ///
    /// assert_eq!(
    ///     HealthBody::PlainOk.parts(),
    ///     (200, "text/plain; charset=utf-8".to_owned(), "ok".to_owned())
    /// );
    /// let (status, content_type, body) = HealthBody::HealthJsonStatus("DOWN".into()).parts();
    /// assert_eq!((status, content_type.as_str()), (503, "application/health+json"));
    /// assert!(body.contains(r#""status":"DOWN""#));
    /// ```
    pub fn parts(&self) -> (u16, String, String) {
        let recorded = self.recorded();
        let content_type = recorded.content_type().unwrap_or_default().to_owned();
        let body = String::from_utf8_lossy(&recorded.body_bytes()).into_owned();
        (recorded.status, content_type, body)
    }

    /// The response as a wiremock [`ResponseTemplate`].
    ///
    /// ```
    /// use release_testkit::HealthBody;
    /// use wiremock::{Mock, MockServer, matchers::any};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let server = MockServer::start().await;
    /// Mock::given(any())
    ///     .respond_with(HealthBody::SpringDown.template())
    ///     .mount(&server)
    ///     .await;
    /// assert_eq!(reqwest::get(server.uri()).await.unwrap().status(), 503);
    /// # });
    /// ```
    pub fn template(&self) -> ResponseTemplate {
        self.recorded().template()
    }

    /// Serves this body for `GET path` on any wiremock server. On a
    /// [`MockEnvironment`](crate::MockEnvironment), use
    /// [`serve_health`](crate::MockEnvironment::serve_health), which also takes precedence
    /// over the scenario.
    ///
    /// ```
    /// use release_testkit::HealthBody;
    /// use wiremock::MockServer;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let server = MockServer::start().await;
    /// HealthBody::ReadyzFailed.mount_on(&server, "/readyz").await;
    ///
    /// let response = reqwest::get(format!("{}/readyz?verbose", server.uri())).await.unwrap();
    /// assert_eq!(response.status(), 500);
    /// assert!(response.text().await.unwrap().ends_with("readyz check failed\n"));
    /// # });
    /// ```
    pub async fn mount_on(&self, server: &MockServer, path: &str) {
        Mock::given(Route::new(Some("GET"), path))
            .respond_with(self.template())
            .mount(server)
            .await;
    }
}
