//! The Railway GraphQL mock and its fixture cases, over real HTTP on loopback.

use jiff::Timestamp;
use release_testkit::{
    MockEnvironment, RailwayCase, RailwayMock, RecordedResponse, Scenario, fixtures,
};
use serde_json::{Value, json};

/// The cases the platform gate's tests rely on.
const REQUIRED_CASES: &[&str] = &[
    "healthy",
    "missing-api-service",
    "crashed-deployment",
    "crashed-running-instances",
    "deploying",
    "never-deployed",
    "sleeping-service",
    "unauthorized",
    "rate-limited",
    "unknown-status",
    "needs-approval",
    "no-healthcheck",
    "single-replica",
    "restart-never",
    "not-json",
    "missing-data",
];

/// Railway's 13 `DeploymentStatus` values.
const DEPLOYMENT_STATUSES: &[&str] = &[
    "BUILDING",
    "CRASHED",
    "DEPLOYING",
    "FAILED",
    "INITIALIZING",
    "NEEDS_APPROVAL",
    "QUEUED",
    "REMOVED",
    "REMOVING",
    "SKIPPED",
    "SLEEPING",
    "SUCCESS",
    "WAITING",
];

/// Railway's `DeploymentInstanceStatus` values.
const INSTANCE_STATUSES: &[&str] = &[
    "CRASHED",
    "CREATED",
    "EXITED",
    "INITIALIZING",
    "REMOVED",
    "REMOVING",
    "RESTARTING",
    "RUNNING",
    "SKIPPED",
    "STOPPED",
];

const SERVICES: [&str; 3] = ["svc-web", "svc-api", "svc-worker"];

/// Which token header a request carries.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Project(&'a str),
    Bearer(&'a str),
    Both { project: &'a str, bearer: &'a str },
}

const PROJECT: Auth<'static> = Auth::Project(RailwayMock::PROJECT_TOKEN);

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text))
    }

    fn error_message(&self) -> String {
        let body = self.json();
        assert_eq!(body["data"], Value::Null, "{}", self.text);
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no errors[0].message: {}", self.text))
            .to_owned()
    }
}

/// The query text the client sends for `operation` (only its name matters to the mock).
fn query(operation: &str) -> String {
    format!("query {operation} {{ __typename }}")
}

/// The variables the client sends for `operation`.
fn variables(operation: &str, service_id: &str) -> Value {
    match operation {
        "ProjectToken" => json!({}),
        "Project" => json!({ "id": RailwayMock::PROJECT_ID }),
        "EnvironmentInstances" => json!({
            "environmentId": RailwayMock::ENVIRONMENT_ID,
            "projectId": RailwayMock::PROJECT_ID,
            "serviceInstancesFirst": 100,
            "serviceInstancesAfter": null,
        }),
        "Deployments" => json!({
            "input": {
                "projectId": RailwayMock::PROJECT_ID,
                "environmentId": RailwayMock::ENVIRONMENT_ID,
                "serviceId": service_id,
            },
            "first": 10,
        }),
        _ => json!({}),
    }
}

thread_local! {
    /// One client per test (each test runs on its own thread and runtime): building a client
    /// loads the TLS roots, which is slow in debug builds.
    static CLIENT: reqwest::Client = reqwest::Client::new();
}

async fn post_body(url: &str, auth: Auth<'_>, body: Vec<u8>) -> Reply {
    let mut request = CLIENT
        .with(reqwest::Client::clone)
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "release-testkit-tests");
    match auth {
        Auth::None => {}
        Auth::Project(token) => request = request.header("Project-Access-Token", token),
        Auth::Bearer(token) => request = request.bearer_auth(token),
        Auth::Both { project, bearer } => {
            request = request
                .header("Project-Access-Token", project)
                .bearer_auth(bearer);
        }
    }
    let response = request
        .body(body)
        .send()
        .await
        .unwrap_or_else(|err| panic!("POST {url}: {err}"));
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}

async fn post(url: &str, auth: Auth<'_>, operation: &str, variables: Value) -> Reply {
    let body = json!({
        "query": query(operation),
        "variables": variables,
        "operationName": operation,
    });
    post_body(url, auth, serde_json::to_vec(&body).unwrap()).await
}

/// Sends `operation` with the variables the client sends (`service_id` for `Deployments`).
async fn ask(railway: &RailwayMock, auth: Auth<'_>, operation: &str, service_id: &str) -> Reply {
    post(
        &railway.url(),
        auth,
        operation,
        variables(operation, service_id),
    )
    .await
}

fn data_response(data: Value) -> RecordedResponse {
    RecordedResponse::json(200, json!({ "data": data }))
}

fn deployment_ids(reply: &Reply) -> Vec<String> {
    reply.json()["data"]["deployments"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no edges: {}", reply.text))
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

// Routing and scripts ----------------------------------------------------------------------

#[tokio::test]
async fn routes_on_the_operation_name() {
    let railway = RailwayMock::start_healthy().await;
    for (operation, field) in [
        ("ProjectToken", "projectToken"),
        ("Project", "project"),
        ("EnvironmentInstances", "environment"),
        ("Deployments", "deployments"),
    ] {
        let reply = ask(&railway, PROJECT, operation, "svc-api").await;
        assert_eq!(reply.status, 200, "{operation}: {}", reply.text);
        assert_eq!(reply.headers["content-type"], "application/json");
        let body = reply.json();
        let data = body["data"].as_object().unwrap();
        assert_eq!(
            data.keys().collect::<Vec<_>>(),
            [field],
            "{operation}: {}",
            reply.text
        );
    }
    let requests = railway.requests().await;
    let operations: Vec<_> = requests
        .iter()
        .map(|request| request.operation.as_deref().unwrap())
        .collect();
    assert_eq!(
        operations,
        [
            "ProjectToken",
            "Project",
            "EnvironmentInstances",
            "Deployments"
        ]
    );
    assert_eq!(requests[1].variables["id"], RailwayMock::PROJECT_ID);
    assert_eq!(requests[2].variables["serviceInstancesFirst"], 100);
    assert_eq!(requests[3].service_id(), Some("svc-api"));
    assert_eq!(
        requests[0].query.as_deref(),
        Some("query ProjectToken { __typename }")
    );
}

#[tokio::test]
async fn routing_ignores_the_query_text() {
    let railway = RailwayMock::start_healthy().await;
    let body = json!({
        "query": "query EnvironmentInstances { environment { id } }",
        "variables": {},
        "operationName": "Project",
    });
    let reply = post_body(&railway.url(), PROJECT, serde_json::to_vec(&body).unwrap()).await;
    assert!(
        reply.json()["data"]["project"].is_object(),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn a_script_is_served_in_order_and_repeats_its_last_response() {
    let railway = RailwayMock::start().await;
    let statuses = ["QUEUED", "BUILDING", "DEPLOYING", "SUCCESS"];
    railway
        .script(
            "DeploymentStatus",
            statuses
                .iter()
                .map(|status| data_response(json!({ "deployment": { "status": status } })))
                .collect(),
        )
        .await;
    let mut seen = Vec::new();
    for _ in 0..7 {
        let reply = post(
            &railway.url(),
            PROJECT,
            "DeploymentStatus",
            json!({ "id": "dep-5e2b8d13" }),
        )
        .await;
        seen.push(reply.json()["data"]["deployment"]["status"].clone());
    }
    assert_eq!(
        seen,
        [
            "QUEUED",
            "BUILDING",
            "DEPLOYING",
            "SUCCESS",
            "SUCCESS",
            "SUCCESS",
            "SUCCESS"
        ]
    );

    // Scripting again starts over; an empty script removes the operation.
    railway
        .script(
            "DeploymentStatus",
            vec![data_response(
                json!({ "deployment": { "status": "CRASHED" } }),
            )],
        )
        .await;
    let reply = post(&railway.url(), PROJECT, "DeploymentStatus", json!({})).await;
    assert_eq!(reply.json()["data"]["deployment"]["status"], "CRASHED");
    railway.script("DeploymentStatus", Vec::new()).await;
    let reply = post(&railway.url(), PROJECT, "DeploymentStatus", json!({})).await;
    assert!(
        reply.error_message().contains("unknown operation"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn each_operation_has_its_own_queue() {
    let railway = RailwayMock::start().await;
    railway
        .script(
            "A",
            vec![
                data_response(json!({ "a": 1 })),
                data_response(json!({ "a": 2 })),
            ],
        )
        .await;
    railway
        .script(
            "B",
            vec![
                data_response(json!({ "b": 1 })),
                data_response(json!({ "b": 2 })),
            ],
        )
        .await;
    let a1 = post(&railway.url(), PROJECT, "A", json!({})).await.json();
    let b1 = post(&railway.url(), PROJECT, "B", json!({})).await.json();
    let a2 = post(&railway.url(), PROJECT, "A", json!({})).await.json();
    assert_eq!(
        (
            a1["data"]["a"].clone(),
            b1["data"]["b"].clone(),
            a2["data"]["a"].clone()
        ),
        (json!(1), json!(1), json!(2))
    );
}

#[tokio::test]
async fn deployments_are_answered_per_service() {
    let railway = RailwayMock::start_healthy().await;
    let web = ask(&railway, PROJECT, "Deployments", "svc-web").await;
    let api = ask(&railway, PROJECT, "Deployments", "svc-api").await;
    let worker = ask(&railway, PROJECT, "Deployments", "svc-worker").await;
    assert_eq!(
        deployment_ids(&web),
        ["dep-9c41e7a2", "dep-7d18b3f4", "dep-2f6a9e0b"]
    );
    assert_eq!(
        deployment_ids(&api),
        [
            "dep-5e2b8d13",
            "dep-3a9f2b71",
            "dep-48c1d7e6",
            "dep-1e7c5d08"
        ]
    );
    assert_eq!(deployment_ids(&worker), ["dep-a7f06c59", "dep-c3e82d1a"]);

    // A service without a script, and a request without a serviceId.
    let other = ask(&railway, PROJECT, "Deployments", "svc-cron").await;
    assert_eq!(other.status, 200);
    let message = other.error_message();
    assert!(
        message.starts_with("Service not found: svc-cron"),
        "{message}"
    );
    let none = post(
        &railway.url(),
        PROJECT,
        "Deployments",
        json!({ "first": 10 }),
    )
    .await;
    assert!(none.error_message().contains("serviceId"), "{}", none.text);

    // Per-service scripts are independent queues and can be replaced one by one.
    railway
        .script_deployments(
            "svc-api",
            vec![
                data_response(json!({ "deployments": { "edges": [] } })),
                data_response(
                    json!({ "deployments": { "edges": [{ "node": { "id": "dep-2" } }] } }),
                ),
            ],
        )
        .await;
    for expected in [&[][..], &["dep-2"], &["dep-2"]] {
        let api = ask(&railway, PROJECT, "Deployments", "svc-api").await;
        assert_eq!(deployment_ids(&api), expected);
        let web = ask(&railway, PROJECT, "Deployments", "svc-web").await;
        assert_eq!(deployment_ids(&web)[0], "dep-9c41e7a2");
    }
}

#[tokio::test]
async fn a_deployments_list_answers_every_service_and_per_service_scripts_win() {
    let railway = RailwayMock::start().await;
    railway
        .script(
            "Deployments",
            vec![data_response(
                json!({ "deployments": { "edges": [{ "node": { "id": "dep-any" } }] } }),
            )],
        )
        .await;
    railway
        .script_deployments(
            "svc-api",
            vec![data_response(
                json!({ "deployments": { "edges": [{ "node": { "id": "dep-api" } }] } }),
            )],
        )
        .await;
    let api = ask(&railway, PROJECT, "Deployments", "svc-api").await;
    let web = ask(&railway, PROJECT, "Deployments", "svc-web").await;
    assert_eq!(deployment_ids(&api), ["dep-api"]);
    assert_eq!(deployment_ids(&web), ["dep-any"]);

    railway.script_deployments("svc-api", Vec::new()).await;
    let api = ask(&railway, PROJECT, "Deployments", "svc-api").await;
    assert_eq!(deployment_ids(&api), ["dep-any"]);
}

#[tokio::test]
async fn script_case_replaces_every_script_and_keeps_the_requests() {
    let railway = RailwayMock::start_case("deploying").await.unwrap();
    let status = |reply: &Reply| {
        let body = reply.json();
        body["data"]["environment"]["serviceInstances"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|edge| edge["node"]["serviceName"] == "api")
            .map(|edge| edge["node"]["latestDeployment"]["status"].clone())
            .unwrap()
    };
    let before = ask(&railway, PROJECT, "EnvironmentInstances", "").await;
    assert_eq!(status(&before), "DEPLOYING");
    railway
        .script_case(&fixtures::railway_case("healthy").unwrap())
        .await;
    let after = ask(&railway, PROJECT, "EnvironmentInstances", "").await;
    assert_eq!(status(&after), "SUCCESS");
    assert_eq!(railway.requests().await.len(), 2);
}

// Errors the mock produces itself -------------------------------------------------------------

#[tokio::test]
async fn an_unknown_operation_is_a_graphql_error_with_http_200() {
    let railway = RailwayMock::start_healthy().await;
    let reply = ask(&railway, PROJECT, "DeploymentRollback", "").await;
    assert_eq!(reply.status, 200);
    let message = reply.error_message();
    assert!(message.starts_with("Cannot query field"), "{message}");
    assert!(
        message.contains(r#"unknown operation "DeploymentRollback""#),
        "{message}"
    );
    assert!(
        message.contains("Deployments, EnvironmentInstances, Project, ProjectToken"),
        "{message}"
    );
}

#[tokio::test]
async fn no_token_is_not_authorized() {
    let railway = RailwayMock::start_healthy().await;
    for auth in [
        Auth::None,
        Auth::Project(""),
        Auth::Project("   "),
        Auth::Bearer(""),
    ] {
        for operation in [
            "ProjectToken",
            "Project",
            "EnvironmentInstances",
            "Deployments",
        ] {
            let reply = ask(&railway, auth, operation, "svc-api").await;
            assert_eq!(reply.status, 200);
            assert_eq!(
                reply.json(),
                json!({ "data": null, "errors": [{ "message": "Not Authorized" }] })
            );
        }
    }
    // `Authorization` without the Bearer scheme is no token either.
    let body =
        serde_json::to_vec(&json!({ "query": query("Project"), "operationName": "Project" }))
            .unwrap();
    let reply = reqwest::Client::new()
        .post(railway.url())
        .header("authorization", "Basic dXNlcjpwYXNz")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(reply.text().await.unwrap().contains("Not Authorized"));
}

#[tokio::test]
async fn project_token_needs_a_project_token() {
    let railway = RailwayMock::start_healthy().await;
    let bearer = ask(
        &railway,
        Auth::Bearer("account-token-0123456789"),
        "ProjectToken",
        "",
    )
    .await;
    assert_eq!(bearer.status, 200);
    assert_eq!(bearer.error_message(), "Not Authorized");
    // Other operations answer a bearer token.
    let project = ask(
        &railway,
        Auth::Bearer("account-token-0123456789"),
        "Project",
        "",
    )
    .await;
    assert_eq!(
        project.json()["data"]["project"]["name"],
        "acme",
        "{}",
        project.text
    );
    let with_project = ask(&railway, PROJECT, "ProjectToken", "").await;
    assert_eq!(
        with_project.json()["data"]["projectToken"]["project"]["id"],
        RailwayMock::PROJECT_ID
    );
}

#[tokio::test]
async fn refused_requests_do_not_use_up_a_scripted_response() {
    let railway = RailwayMock::start_case("rate-limited").await.unwrap();
    let refused = ask(&railway, Auth::None, "ProjectToken", "").await;
    assert_eq!(refused.error_message(), "Not Authorized");
    let first = ask(&railway, PROJECT, "ProjectToken", "").await;
    assert_eq!(first.status, 429);
}

#[tokio::test]
async fn a_body_that_is_not_json_or_has_no_operation_name_is_an_error() {
    let railway = RailwayMock::start_healthy().await;
    let reply = post_body(&railway.url(), PROJECT, b"query { me { id } }".to_vec()).await;
    assert_eq!(reply.status, 400);
    assert!(reply.error_message().contains("invalid JSON"));

    let body = serde_json::to_vec(&json!({ "query": "query Project { project { id } }" })).unwrap();
    let reply = post_body(&railway.url(), PROJECT, body).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.error_message().contains("operationName"),
        "{}",
        reply.text
    );

    let requests = railway.requests().await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].operation, None);
    assert_eq!(requests[0].variables, Value::Null);
    assert_eq!(
        requests[1].query.as_deref(),
        Some("query Project { project { id } }")
    );
}

#[tokio::test]
async fn only_post_on_the_endpoint_is_served() {
    let railway = RailwayMock::start_healthy().await;
    let get = reqwest::get(railway.url()).await.unwrap();
    assert_eq!(get.status(), 404);
    let base = railway.url().trim_end_matches("/graphql/v2").to_owned();
    let other = post(&format!("{base}/graphql"), PROJECT, "Project", json!({})).await;
    assert_eq!(other.status, 404);
}

// Headers -------------------------------------------------------------------------------------

#[tokio::test]
async fn records_which_token_header_was_sent() {
    let railway = RailwayMock::start_healthy().await;
    ask(
        &railway,
        Auth::Project("project-token-aaaa-1111"),
        "Project",
        "",
    )
    .await;
    ask(
        &railway,
        Auth::Bearer("account-token-bbbb-2222"),
        "Project",
        "",
    )
    .await;
    ask(
        &railway,
        Auth::Both {
            project: "project-token-cccc-3333",
            bearer: "account-token-dddd-4444",
        },
        "Project",
        "",
    )
    .await;

    let requests = railway.requests().await;
    assert_eq!(requests.len(), 3);

    let project = &requests[0];
    assert_eq!(project.project_token(), Some("project-token-aaaa-1111"));
    assert_eq!(
        project.header("Project-Access-Token"),
        Some("project-token-aaaa-1111")
    );
    assert_eq!(project.bearer_token(), None);
    assert_eq!(project.header("authorization"), None);

    let bearer = &requests[1];
    assert_eq!(bearer.bearer_token(), Some("account-token-bbbb-2222"));
    assert_eq!(
        bearer.header("authorization"),
        Some("Bearer account-token-bbbb-2222")
    );
    assert_eq!(bearer.project_token(), None);
    assert_eq!(bearer.header("project-access-token"), None);

    let both = &requests[2];
    assert_eq!(both.project_token(), Some("project-token-cccc-3333"));
    assert_eq!(both.bearer_token(), Some("account-token-dddd-4444"));

    for request in &requests {
        assert_eq!(request.header("user-agent"), Some("release-testkit-tests"));
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert!(
            request
                .headers
                .iter()
                .all(|(name, _)| *name == name.to_ascii_lowercase())
        );
        let debug = format!("{request:?}");
        assert!(!debug.contains("-token-"), "{debug}");
        assert!(debug.contains("[redacted]"), "{debug}");
    }
}

// Fixture cases -------------------------------------------------------------------------------

#[test]
fn every_required_case_exists_and_the_listing_is_sorted_and_embedded() {
    let cases = fixtures::railway_cases().unwrap();
    let names: Vec<&str> = cases.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names.is_sorted(), "{names:?}");
    for required in REQUIRED_CASES {
        assert!(names.contains(required), "missing railway case {required}");
    }
    assert_eq!(names, RailwayMock::CASES);
    for (name, path) in &cases {
        assert!(
            path.ends_with(format!("railway/{name}.json")),
            "{}",
            path.display()
        );
    }
}

#[test]
fn responses_leaves_the_railway_cases_out() {
    let all = fixtures::responses().unwrap();
    assert!(!all.is_empty());
    assert!(
        all.iter().all(|(system, _, _)| system != fixtures::RAILWAY),
        "responses() lists railway cases, which are not single recorded responses"
    );
    // Everything `responses()` lists still parses as a single recorded response.
    for (system, case, _) in &all {
        fixtures::response(system, case).unwrap_or_else(|err| panic!("{err}"));
    }
    // And the Railway files are not single recorded responses.
    assert!(fixtures::response(fixtures::RAILWAY, "healthy").is_err());
}

#[test]
fn bad_case_names_and_missing_cases_are_errors() {
    for name in ["../health/plain-ok", "", "Healthy"] {
        let err = fixtures::railway_case(name).unwrap_err();
        assert!(
            matches!(err, fixtures::FixtureError::Name { .. }),
            "{err:?}"
        );
    }
    let err = fixtures::railway_case("no-such-case").unwrap_err();
    assert!(
        matches!(err, fixtures::FixtureError::Read { .. }),
        "{err:?}"
    );
}

#[test]
fn invalid_cases_are_errors() {
    for text in [
        r#"{ "operations": { "Project": [] } }"#,
        r#"{ "operations": { "Project": [ { "status": 99 } ] } }"#,
        r#"{ "operations": { "Project": [ { "status": 200, "bdy": {} } ] } }"#,
        r#"{ "operations": { "Project": { "svc-api": [ { "status": 200 } ] } } }"#,
        r#"{ "operations": { "Deployments": { "svc-api": [] } } }"#,
        r#"{ "operations": { "Deployments": 3 } }"#,
        r#"{ "operations": { "": [ { "status": 200 } ] } }"#,
        r#"{ "operations": {}, "extra": 1 }"#,
        r#"{ "description": "no operations" }"#,
        "not json",
    ] {
        assert!(RailwayCase::from_json(text).is_err(), "{text}");
    }
    let err = RailwayCase::from_json(
        r#"{ "operations": { "Project": [ {"status": 200}, {"status": 7} ] } }"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("operations.Project[1]"), "{err}");
}

/// Every operation of every case answers what the case says, to a client with a project token.
#[tokio::test]
async fn every_case_loads_and_serves_its_operations() {
    for &name in RailwayMock::CASES {
        let case = fixtures::railway_case(name).unwrap();
        assert!(
            case.description.as_deref().is_some_and(|d| !d.is_empty()),
            "{name} has no description"
        );
        for operation in [
            "ProjectToken",
            "Project",
            "EnvironmentInstances",
            "Deployments",
        ] {
            assert!(
                case.operation_names().contains(&operation),
                "{name} lacks {operation}"
            );
        }
        let railway = RailwayMock::start_case(name).await.unwrap();
        let mut expected: Vec<(&str, &str, &RecordedResponse)> = Vec::new();
        // Each answer in order, and the last one again (it repeats). A `Deployments` list is
        // one queue for every service: its requests go round the services.
        for (operation, responses) in &case.operations {
            for index in 0..=responses.len() {
                let service = if operation == "Deployments" {
                    SERVICES[index % SERVICES.len()]
                } else {
                    ""
                };
                expected.push((
                    operation,
                    service,
                    &responses[index.min(responses.len() - 1)],
                ));
            }
        }
        for (service, responses) in &case.deployments {
            for index in 0..=responses.len() {
                expected.push((
                    "Deployments",
                    service,
                    &responses[index.min(responses.len() - 1)],
                ));
            }
        }
        for (operation, service, response) in expected {
            let reply = ask(&railway, PROJECT, operation, service).await;
            assert_eq!(
                reply.status, response.status,
                "{name} {operation} {service}"
            );
            assert_eq!(
                reply.text.as_bytes(),
                response.body_bytes(),
                "{name} {operation} {service}"
            );
            if let Some(content_type) = response.content_type() {
                assert_eq!(
                    reply.headers["content-type"], content_type,
                    "{name} {operation}"
                );
            }
            for (header, value) in &response.headers {
                assert_eq!(
                    reply.headers[header.as_str()],
                    value.as_str(),
                    "{name} {operation}"
                );
            }
        }
    }
}

#[tokio::test]
async fn rate_limited_answers_429_with_retry_after_then_the_healthy_answer() {
    let railway = RailwayMock::start_case("rate-limited").await.unwrap();
    let first = ask(&railway, PROJECT, "ProjectToken", "").await;
    assert_eq!(first.status, 429);
    assert_eq!(first.headers["retry-after"], "1");
    assert_eq!(first.json(), json!({ "data": null }));

    let healthy = fixtures::railway_case("healthy").unwrap();
    for _ in 0..2 {
        let next = ask(&railway, PROJECT, "ProjectToken", "").await;
        assert_eq!(next.status, 200);
        assert_eq!(next.json(), healthy.operations["ProjectToken"][0].body);
    }
    // The other operations are the healthy ones from the start.
    let project = ask(&railway, PROJECT, "Project", "").await;
    assert_eq!(project.json(), healthy.operations["Project"][0].body);
}

#[tokio::test]
async fn unauthorized_not_json_and_missing_data_answer_every_operation_alike() {
    for (name, status, expected) in [
        (
            "unauthorized",
            200,
            r#"{"data":null,"errors":[{"message":"Not Authorized"}]}"#,
        ),
        ("missing-data", 200, "{}"),
    ] {
        let railway = RailwayMock::start_case(name).await.unwrap();
        for operation in [
            "ProjectToken",
            "Project",
            "EnvironmentInstances",
            "Deployments",
        ] {
            let reply = ask(&railway, PROJECT, operation, "svc-api").await;
            assert_eq!(
                (reply.status, reply.text.as_str()),
                (status, expected),
                "{name}"
            );
        }
    }
    let railway = RailwayMock::start_case("not-json").await.unwrap();
    for operation in [
        "ProjectToken",
        "Project",
        "EnvironmentInstances",
        "Deployments",
    ] {
        let reply = ask(&railway, PROJECT, operation, "svc-api").await;
        assert_eq!(reply.status, 502);
        assert!(
            reply.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(reply.text.contains("502 Bad Gateway"));
        assert!(serde_json::from_str::<Value>(&reply.text).is_err());
    }
}

/// The `data` of the first answer of `operation` in `case`, if it has data.
fn first_data<'a>(case: &'a RailwayCase, operation: &str) -> Option<&'a Value> {
    let response = case
        .operations
        .get(operation)?
        .iter()
        .find(|response| response.status == 200)?;
    response.body.get("data").filter(|data| !data.is_null())
}

fn check_timestamp(value: &Value, at: &str) {
    let text = value.as_str().unwrap_or_else(|| panic!("{at}: {value}"));
    assert!(text.ends_with('Z'), "{at}: {text} is not UTC");
    text.parse::<Timestamp>()
        .unwrap_or_else(|err| panic!("{at}: {text}: {err}"));
}

/// The cases describe one consistent project: the services in `Project` are the service
/// instances, each latest deployment is the first of its `Deployments`, ids look like Railway's,
/// statuses are Railway's (but in `unknown-status`), and `createdAt`s are RFC 3339 UTC.
#[test]
fn the_cases_are_consistent() {
    for &name in RailwayMock::CASES {
        let case = fixtures::railway_case(name).unwrap();
        let Some(project) = first_data(&case, "Project") else {
            continue;
        };
        let project = &project["project"];
        assert_eq!(project["id"], RailwayMock::PROJECT_ID, "{name}");
        assert_eq!(project["name"], "acme", "{name}");
        let token = &first_data(&case, "ProjectToken").unwrap()["projectToken"];
        assert_eq!(token["project"]["id"], RailwayMock::PROJECT_ID, "{name}");
        assert_eq!(
            token["environment"]["id"],
            RailwayMock::ENVIRONMENT_ID,
            "{name}"
        );
        assert_eq!(
            project["environments"]["edges"][0]["node"]["id"],
            RailwayMock::ENVIRONMENT_ID,
            "{name}"
        );

        let mut services: Vec<(String, String)> = project["services"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| {
                let node = &edge["node"];
                (
                    node["id"].as_str().unwrap().to_owned(),
                    node["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let environment = &first_data(&case, "EnvironmentInstances").unwrap()["environment"];
        assert_eq!(environment["id"], RailwayMock::ENVIRONMENT_ID, "{name}");
        assert_eq!(
            environment["serviceInstances"]["pageInfo"]["hasNextPage"],
            false
        );
        let nodes: Vec<&Value> = environment["serviceInstances"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| &edge["node"])
            .collect();
        let mut instances: Vec<(String, String)> = nodes
            .iter()
            .map(|node| {
                (
                    node["serviceId"].as_str().unwrap().to_owned(),
                    node["serviceName"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        services.sort();
        instances.sort();
        assert_eq!(services, instances, "{name}");
        let mut deployment_services: Vec<&String> = case.deployments.keys().collect();
        deployment_services.sort();
        let mut service_ids: Vec<&String> = services.iter().map(|(id, _)| id).collect();
        service_ids.sort();
        assert_eq!(deployment_services, service_ids, "{name}");

        for node in nodes {
            let service = node["serviceId"].as_str().unwrap();
            assert_eq!(node["environmentId"], RailwayMock::ENVIRONMENT_ID, "{name}");
            for field in [
                "id",
                "numReplicas",
                "healthcheckPath",
                "healthcheckTimeout",
                "restartPolicyType",
                "region",
                "sleepApplication",
                "latestDeployment",
            ] {
                assert!(node.get(field).is_some(), "{name} {service} lacks {field}");
            }
            let deployments = &case.deployments[service][0].body["data"]["deployments"]["edges"];
            let deployments = deployments.as_array().unwrap();
            for edge in deployments {
                let node = &edge["node"];
                let id = node["id"].as_str().unwrap();
                assert!(id.starts_with("dep-"), "{name} {service}: {id}");
                check_timestamp(&node["createdAt"], &format!("{name} {service} {id}"));
                for key in ["commitHash", "commitMessage", "branch"] {
                    assert!(
                        node["meta"][key].is_string(),
                        "{name} {service} {id} meta.{key}"
                    );
                }
                let status = node["status"].as_str().unwrap();
                assert!(
                    DEPLOYMENT_STATUSES.contains(&status) || name == "unknown-status",
                    "{name} {service} {id}: {status}"
                );
            }
            let dates: Vec<Timestamp> = deployments
                .iter()
                .map(|edge| edge["node"]["createdAt"].as_str().unwrap().parse().unwrap())
                .collect();
            assert!(
                dates.is_sorted_by(|a, b| a > b),
                "{name} {service}: newest first"
            );

            let latest = &node["latestDeployment"];
            if latest.is_null() {
                assert!(deployments.is_empty(), "{name} {service}");
                continue;
            }
            let current = &deployments[0]["node"];
            for field in ["id", "status", "createdAt"] {
                assert_eq!(latest[field], current[field], "{name} {service} {field}");
            }
            assert_eq!(latest["deploymentStopped"], false);
            check_timestamp(&latest["createdAt"], &format!("{name} {service}"));
            let status = latest["status"].as_str().unwrap();
            assert!(
                DEPLOYMENT_STATUSES.contains(&status) || name == "unknown-status",
                "{name} {service}: {status}"
            );
            for instance in latest["instances"].as_array().unwrap() {
                let status = instance["status"].as_str().unwrap();
                assert!(
                    INSTANCE_STATUSES.contains(&status),
                    "{name} {service}: {status}"
                );
                assert!(instance["id"].is_string());
            }
        }
    }
}

/// What each case changes, read from its `EnvironmentInstances` answer.
#[test]
fn each_case_shows_what_its_name_says() {
    let node = |case: &str, service: &str| -> Value {
        let case = fixtures::railway_case(case).unwrap();
        first_data(&case, "EnvironmentInstances").unwrap()["environment"]["serviceInstances"]
            ["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["node"].clone())
            .find(|node| node["serviceName"] == service)
            .unwrap_or(Value::Null)
    };
    let instance_statuses = |node: &Value| -> Vec<String> {
        node["latestDeployment"]["instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|instance| instance["status"].as_str().unwrap().to_owned())
            .collect()
    };

    for service in ["web", "api", "worker"] {
        let healthy = node("healthy", service);
        assert_eq!(healthy["latestDeployment"]["status"], "SUCCESS");
        assert!(healthy["healthcheckPath"].is_string());
        assert_eq!(healthy["restartPolicyType"], "ON_FAILURE");
        assert_eq!(healthy["sleepApplication"], false);
        let replicas = 2;
        assert_eq!(healthy["numReplicas"], replicas);
        assert_eq!(instance_statuses(&healthy), vec!["RUNNING"; replicas]);
    }
    let healthy = fixtures::railway_case("healthy").unwrap();
    let statuses: Vec<&Value> =
        healthy.deployments["svc-api"][0].body["data"]["deployments"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| &edge["node"]["status"])
            .collect();
    assert_eq!(statuses, ["SUCCESS", "FAILED", "REMOVED", "REMOVED"]);

    assert_eq!(node("missing-api-service", "api"), Value::Null);
    let crashed = node("crashed-deployment", "api");
    assert_eq!(crashed["latestDeployment"]["status"], "CRASHED");
    assert!(!instance_statuses(&crashed).contains(&"RUNNING".to_owned()));
    let crashed = node("crashed-running-instances", "api");
    assert_eq!(crashed["latestDeployment"]["status"], "CRASHED");
    assert_eq!(instance_statuses(&crashed), ["RUNNING", "CRASHED"]);
    assert_eq!(
        node("deploying", "api")["latestDeployment"]["status"],
        "DEPLOYING"
    );
    assert_eq!(
        node("never-deployed", "worker")["latestDeployment"],
        Value::Null
    );
    let sleeping = node("sleeping-service", "web");
    assert_eq!(sleeping["sleepApplication"], true);
    assert_eq!(sleeping["latestDeployment"]["status"], "SLEEPING");
    let unknown = node("unknown-status", "api")["latestDeployment"]["status"].clone();
    assert_eq!(unknown, "HIBERNATING");
    assert!(!DEPLOYMENT_STATUSES.contains(&unknown.as_str().unwrap()));
    assert_eq!(
        node("needs-approval", "api")["latestDeployment"]["status"],
        "NEEDS_APPROVAL"
    );
    assert_eq!(
        node("no-healthcheck", "web")["healthcheckPath"],
        Value::Null
    );
    assert_eq!(node("single-replica", "api")["numReplicas"], 1);
    assert_eq!(
        node("restart-never", "worker")["restartPolicyType"],
        "NEVER"
    );

    let rate_limited = fixtures::railway_case("rate-limited").unwrap();
    let statuses: Vec<u16> = rate_limited.operations["ProjectToken"]
        .iter()
        .map(|response| response.status)
        .collect();
    assert_eq!(statuses, [429, 200]);
}

// The mock environment ------------------------------------------------------------------------

#[tokio::test]
async fn every_scenario_serves_the_healthy_railway_case() {
    let healthy = fixtures::railway_case("healthy").unwrap();
    for scenario in Scenario::ALL {
        let env = MockEnvironment::start(scenario).await;
        assert!(env.railway_url().ends_with("/graphql/v2"), "{scenario}");
        assert_eq!(env.railway_url(), env.railway().url());
        let reply = post(
            &env.railway_url(),
            Auth::Project(RailwayMock::PROJECT_TOKEN),
            "EnvironmentInstances",
            variables("EnvironmentInstances", ""),
        )
        .await;
        assert_eq!(reply.status, 200, "{scenario}");
        assert_eq!(
            reply.json(),
            healthy.operations["EnvironmentInstances"][0].body,
            "{scenario}"
        );
        assert_eq!(env.railway().requests().await.len(), 1);
        // The app's servers see none of it.
        assert!(env.received_requests().await.is_empty(), "{scenario}");
    }
}

#[tokio::test]
async fn the_builder_chooses_the_railway_case() {
    let env = MockEnvironment::builder()
        .railway_case("crashed-deployment")
        .start()
        .await
        .unwrap();
    let reply = ask(env.railway(), PROJECT, "Deployments", "svc-api").await;
    assert_eq!(
        reply.json()["data"]["deployments"]["edges"][0]["node"]["status"],
        "CRASHED"
    );
    let err = MockEnvironment::builder()
        .railway_case("../health/plain-ok")
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Railway case"), "{err}");
}
