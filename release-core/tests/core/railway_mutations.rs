//! Railway's deploy and rollback mutations and the deployment read, over real HTTP on loopback
//! against the test kit's Railway mock (or plain wiremock for broken servers): a mutation is
//! sent once and again only when Railway certainly did not act; every failure says whether it
//! may have acted; the token never shows.

use std::time::Duration;

use release_core::clients::railway::{
    DeploymentStatus, MAY_HAVE_ACTED, RailwayAuth, RailwayClient, RailwayError, Scope,
};
use release_core::net::HttpClient;
use release_core::{Redactor, SystemClock};
use release_testkit::{RailwayMock, RecordedResponse};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CANARY: &str = "canary-railway-token-5d1e9b7a";

struct Parts {
    http: HttpClient,
    clock: SystemClock,
    redactor: Redactor,
}

impl Parts {
    fn new() -> Self {
        let mut redactor = Redactor::new();
        redactor.add(CANARY);
        Self {
            http: HttpClient::new().unwrap(),
            clock: SystemClock,
            redactor,
        }
    }

    fn client(&self, endpoint: String, retries: u32, timeout: Duration) -> RailwayClient<'_> {
        RailwayClient::new(
            Ok(&self.http),
            &self.clock,
            &self.redactor,
            endpoint,
            RailwayAuth::Project(CANARY.into()),
            retries,
            Some(timeout),
        )
    }
}

fn shown(error: &RailwayError) -> String {
    let text = format!("{error} {error:?}");
    assert!(!text.contains(CANARY), "the token leaked: {text}");
    text
}

async fn operations(mock: &RailwayMock, name: &str) -> usize {
    mock.requests()
        .await
        .iter()
        .filter(|r| r.operation.as_deref() == Some(name))
        .count()
}

#[tokio::test]
async fn a_deploy_returns_the_new_deployment_id_and_sends_what_railway_expects() {
    let mock = RailwayMock::start().await;
    mock.script(
        "ServiceInstanceDeployV2",
        vec![RecordedResponse::json(
            200,
            json!({ "data": { "serviceInstanceDeployV2": "dep-44" } }),
        )],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 2, Duration::from_secs(5));
    let (id, attempts) = client
        .deploy("env-prod", "svc-api", Some("a1b2c3d"))
        .await
        .unwrap();
    assert_eq!((id.as_str(), attempts), ("dep-44", 1));
    let requests = mock.requests().await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.variables["environmentId"], "env-prod");
    assert_eq!(request.variables["serviceId"], "svc-api");
    assert_eq!(request.variables["commitSha"], "a1b2c3d");
    assert_eq!(request.project_token(), Some(CANARY));

    // Without a commit, Railway deploys the service's latest source.
    client.deploy("env-prod", "svc-api", None).await.unwrap();
    assert!(mock.requests().await[1].variables["commitSha"].is_null());
}

#[tokio::test]
async fn a_deployment_reads_its_status_abilities_and_replicas() {
    let mock = RailwayMock::start().await;
    mock.script(
        "Deployment",
        vec![
            RecordedResponse::json(
                200,
                json!({ "data": { "deployment": {
                    "id": "dep-44", "status": "BUILDING", "canRollback": false, "canRedeploy": true,
                    "serviceId": "svc-api", "createdAt": "2026-12-04T13:00:00Z", "instances": [] } } }),
            ),
            RecordedResponse::json(
                200,
                json!({ "data": { "deployment": {
                    "id": "dep-44", "status": "SUCCESS", "canRollback": true, "canRedeploy": true,
                    "serviceId": "svc-api", "createdAt": "2026-12-04T13:00:00Z",
                    "instances": [ { "id": "i-1", "status": "RUNNING" }, { "id": "i-2", "status": "CRASHED" } ] } } }),
            ),
            RecordedResponse::json(
                200,
                json!({ "data": { "deployment": {
                    "id": "dep-44", "status": "HIBERNATING", "canRollback": true, "canRedeploy": true } } }),
            ),
        ],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 2, Duration::from_secs(5));
    let (first, _) = client.deployment("dep-44").await.unwrap();
    assert_eq!(first.status, DeploymentStatus::Building);
    assert!(!first.can_rollback);
    let (second, _) = client.deployment("dep-44").await.unwrap();
    assert_eq!(second.status, DeploymentStatus::Success);
    assert_eq!(second.service_id.as_deref(), Some("svc-api"));
    assert_eq!(second.running(), 1);
    let (third, _) = client.deployment("dep-44").await.unwrap();
    assert_eq!(
        third.status,
        DeploymentStatus::Unknown("HIBERNATING".to_owned())
    );
    assert_eq!(mock.requests().await[0].variables["id"], "dep-44");
}

#[tokio::test]
async fn a_deployment_without_its_abilities_is_an_error_not_a_guess() {
    let mock = RailwayMock::start().await;
    mock.script(
        "Deployment",
        vec![RecordedResponse::json(
            200,
            json!({ "data": { "deployment": { "id": "dep-44", "status": "SUCCESS" } } }),
        )],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 0, Duration::from_secs(5));
    let error = client.deployment("dep-44").await.unwrap_err();
    assert!(
        shown(&error).contains("unexpected response shape"),
        "{error}"
    );
}

#[tokio::test]
async fn rollback_and_redeploy_send_their_mutations() {
    let mock = RailwayMock::start().await;
    mock.script(
        "DeploymentRollback",
        vec![RecordedResponse::json(
            200,
            json!({ "data": { "deploymentRollback": true } }),
        )],
    )
    .await;
    mock.script(
        "DeploymentRedeploy",
        vec![RecordedResponse::json(
            200,
            json!({ "data": { "deploymentRedeploy": { "id": "dep-45" } } }),
        )],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 2, Duration::from_secs(5));
    assert_eq!(client.rollback_deployment("dep-41").await.unwrap(), 1);
    let (id, _) = client.redeploy_deployment("dep-41").await.unwrap();
    assert_eq!(id, "dep-45");
    let requests = mock.requests().await;
    assert_eq!(requests[0].variables["id"], "dep-41");
    assert_eq!(requests[1].variables["id"], "dep-41");
}

#[tokio::test]
async fn a_rollback_railway_refuses_is_an_error_that_did_nothing() {
    let mock = RailwayMock::start().await;
    mock.script(
        "DeploymentRollback",
        vec![RecordedResponse::json(
            200,
            json!({ "data": { "deploymentRollback": false } }),
        )],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 2, Duration::from_secs(5));
    let error = client.rollback_deployment("dep-41").await.unwrap_err();
    let text = shown(&error);
    assert!(
        text.contains("refused to roll back to deployment dep-41"),
        "{text}"
    );
    assert!(!error.may_have_acted);
    assert_eq!(operations(&mock, "DeploymentRollback").await, 1);
}

#[tokio::test]
async fn a_graphql_error_on_a_mutation_is_sent_once_and_may_have_acted() {
    for message in ["Problem processing request", "Not Authorized"] {
        let mock = RailwayMock::start().await;
        mock.script(
            "ServiceInstanceDeployV2",
            vec![
                RecordedResponse::json(
                    200,
                    json!({ "data": null, "errors": [ { "message": message } ] }),
                ),
                RecordedResponse::json(
                    200,
                    json!({ "data": { "serviceInstanceDeployV2": "dep-44" } }),
                ),
            ],
        )
        .await;
        let parts = Parts::new();
        let client = parts.client(mock.url(), 3, Duration::from_secs(5));
        let error = client
            .deploy("env-prod", "svc-api", None)
            .await
            .unwrap_err();
        let text = shown(&error);
        assert!(text.contains(message), "{text}");
        assert!(text.contains(MAY_HAVE_ACTED), "{text}");
        assert!(error.may_have_acted);
        assert_eq!(error.attempts, 1);
        assert_eq!(operations(&mock, "ServiceInstanceDeployV2").await, 1);
    }
}

#[tokio::test]
async fn not_authorized_says_which_token_to_check() {
    let mock = RailwayMock::start().await;
    mock.script(
        "DeploymentRedeploy",
        vec![RecordedResponse::json(
            200,
            json!({ "data": null, "errors": [ { "message": "Not Authorized" } ] }),
        )],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 3, Duration::from_secs(5));
    let error = client.redeploy_deployment("dep-41").await.unwrap_err();
    let text = shown(&error);
    assert!(text.contains("project token (RAILWAY_TOKEN)"), "{text}");
    assert!(error.message.ends_with(MAY_HAVE_ACTED), "{text}");
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_then_succeeds() {
    let mock = RailwayMock::start().await;
    mock.script(
        "ServiceInstanceDeployV2",
        vec![
            RecordedResponse::json(429, json!({ "data": null })).with_header("Retry-After", "1"),
            RecordedResponse::json(
                200,
                json!({ "data": { "serviceInstanceDeployV2": "dep-44" } }),
            ),
        ],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 2, Duration::from_secs(10));
    let (id, attempts) = client.deploy("env-prod", "svc-api", None).await.unwrap();
    assert_eq!((id.as_str(), attempts), ("dep-44", 2));
    assert_eq!(operations(&mock, "ServiceInstanceDeployV2").await, 2);
}

#[tokio::test]
async fn a_429_past_the_budget_is_not_retried_and_railway_did_not_act() {
    let mock = RailwayMock::start().await;
    mock.script(
        "ServiceInstanceDeployV2",
        vec![
            RecordedResponse::json(429, json!({ "data": null })).with_header("Retry-After", "120"),
        ],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 2, Duration::from_secs(5));
    let error = client
        .deploy("env-prod", "svc-api", None)
        .await
        .unwrap_err();
    let text = shown(&error);
    assert!(text.contains("rate limited (HTTP 429)"), "{text}");
    assert!(text.contains("asked to wait 2m"), "{text}");
    assert!(!error.may_have_acted);
    assert_eq!(operations(&mock, "ServiceInstanceDeployV2").await, 1);
}

#[tokio::test]
async fn a_5xx_on_a_mutation_is_sent_exactly_once_and_may_have_acted() {
    for status in [500, 502, 503] {
        let mock = RailwayMock::start().await;
        mock.script(
            "ServiceInstanceDeployV2",
            vec![
                RecordedResponse::json(status, json!({ "data": null })),
                RecordedResponse::json(
                    200,
                    json!({ "data": { "serviceInstanceDeployV2": "dep-44" } }),
                ),
            ],
        )
        .await;
        let parts = Parts::new();
        let client = parts.client(mock.url(), 3, Duration::from_secs(5));
        let error = client
            .deploy("env-prod", "svc-api", None)
            .await
            .unwrap_err();
        let text = shown(&error);
        assert!(text.contains(&format!("HTTP {status}")), "{text}");
        assert!(text.contains(MAY_HAVE_ACTED), "{text}");
        assert!(error.may_have_acted);
        assert_eq!(
            operations(&mock, "ServiceInstanceDeployV2").await,
            1,
            "{status}"
        );
    }
}

#[tokio::test]
async fn reads_are_still_retried_after_a_5xx() {
    let mock = RailwayMock::start().await;
    mock.script(
        "Deployment",
        vec![
            RecordedResponse::json(502, json!({ "data": null })),
            RecordedResponse::json(
                200,
                json!({ "data": { "deployment": {
                    "id": "dep-44", "status": "SUCCESS", "canRollback": true, "canRedeploy": true } } }),
            ),
        ],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 2, Duration::from_secs(5));
    let (_, attempts) = client.deployment("dep-44").await.unwrap();
    assert_eq!(attempts, 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_and_railway_never_received_it() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/graphql/v2", unused.local_addr().unwrap());
    drop(unused);
    let parts = Parts::new();
    let client = parts.client(endpoint, 2, Duration::from_secs(5));
    let error = client
        .deploy("env-prod", "svc-api", None)
        .await
        .unwrap_err();
    let text = shown(&error);
    assert_eq!(error.attempts, 3, "{text}");
    assert!(error.unreachable);
    assert!(!error.may_have_acted);
    assert!(text.contains("Railway did not receive it"), "{text}");
}

#[tokio::test]
async fn a_hanging_server_costs_the_timeout_and_may_have_acted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "data": { "deploymentRollback": true } }))
                .set_delay(Duration::from_secs(60)),
        )
        .mount(&server)
        .await;
    let parts = Parts::new();
    let client = parts
        .client(server.uri(), 3, Duration::from_secs(1))
        .with_timeout_per_call();
    let error = client.rollback_deployment("dep-41").await.unwrap_err();
    let text = shown(&error);
    assert!(
        text.contains("no answer within 1s (the Railway call's timeout)"),
        "{text}"
    );
    assert!(error.may_have_acted);
    assert_eq!(error.attempts, 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn malformed_empty_and_huge_answers_are_errors_that_may_have_acted() {
    let huge = format!(
        "{{\"data\":{{\"serviceInstanceDeployV2\":\"{}\"}}}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let cases: Vec<(ResponseTemplate, &str)> = vec![
        (
            ResponseTemplate::new(200).set_body_raw("{\"data\": {", "application/json"),
            "",
        ),
        (ResponseTemplate::new(200), "empty body"),
        (
            ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"),
            "not JSON (text/html)",
        ),
        (
            ResponseTemplate::new(200).set_body_raw(huge, "application/json"),
            "byte cap",
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({ "data": null })),
            "neither data nor errors",
        ),
        (
            ResponseTemplate::new(200)
                .set_body_json(json!({ "data": { "serviceInstanceDeployV2": 44 } })),
            "unexpected response shape",
        ),
        (
            ResponseTemplate::new(200)
                .set_body_json(json!({ "data": { "serviceInstanceDeployV2": "" } })),
            "an empty deployment id",
        ),
        (
            ResponseTemplate::new(200)
                .set_body_json(json!({ "data": { "serviceInstanceDeployV2": "d".repeat(500) } })),
            "over 200 characters",
        ),
    ];
    for (template, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(template)
            .mount(&server)
            .await;
        let parts = Parts::new();
        let client = parts.client(server.uri(), 3, Duration::from_secs(5));
        let error = client
            .deploy("env-prod", "svc-api", None)
            .await
            .unwrap_err();
        let text = shown(&error);
        assert!(text.contains(expected), "{expected}: {text}");
        assert!(error.may_have_acted, "{text}");
        assert!(
            text.len() < 2000,
            "an error quoted a huge body: {}",
            text.len()
        );
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "{text}");
    }
}

#[tokio::test]
async fn a_token_echoed_by_railway_is_hidden() {
    let mock = RailwayMock::start().await;
    mock.script(
        "ServiceInstanceDeployV2",
        vec![RecordedResponse::json(
            200,
            json!({ "data": null, "errors": [ { "message": format!("token {CANARY} lacks scope") } ] }),
        )],
    )
    .await;
    let parts = Parts::new();
    let client = parts.client(mock.url(), 0, Duration::from_secs(5));
    let error = client
        .deploy("env-prod", "svc-api", None)
        .await
        .unwrap_err();
    let text = shown(&error);
    assert!(text.contains("[redacted]"), "{text}");
}

#[tokio::test]
async fn a_client_with_a_timeout_per_call_polls_past_its_first_deadline() {
    let mock = RailwayMock::start().await;
    mock.script(
        "Deployment",
        vec![RecordedResponse::json(
            200,
            json!({ "data": { "deployment": {
                "id": "dep-44", "status": "DEPLOYING", "canRollback": false, "canRedeploy": true } } }),
        )],
    )
    .await;
    let parts = Parts::new();
    let shared = parts.client(mock.url(), 0, Duration::from_millis(300));
    let per_call = parts
        .client(mock.url(), 0, Duration::from_millis(300))
        .with_timeout_per_call();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let error = shared.deployment("dep-44").await.unwrap_err();
    assert!(shown(&error).contains("no time left"), "{error}");
    for _ in 0..3 {
        per_call.deployment("dep-44").await.unwrap();
    }
}

#[tokio::test]
async fn a_services_deployments_read_newest_first_with_time_and_commit_to_reconcile_by() {
    let mock = RailwayMock::start_healthy().await;
    let parts = Parts::new();
    let client = parts
        .client(mock.url(), 1, Duration::from_secs(5))
        .with_timeout_per_call();
    let scope = Scope {
        project_id: RailwayMock::PROJECT_ID.to_owned(),
        environment_id: RailwayMock::ENVIRONMENT_ID.to_owned(),
        environment_name: "production".to_owned(),
    };
    let (deployments, _) = client.deployments(&scope, "svc-api").await.unwrap();
    assert!(deployments.len() >= 2, "{deployments:?}");
    let times: Vec<_> = deployments.iter().map(|d| d.created().unwrap()).collect();
    assert!(times.windows(2).all(|pair| pair[0] >= pair[1]), "{times:?}");
    assert!(deployments[0].commit_hash().is_some(), "{deployments:?}");
}
