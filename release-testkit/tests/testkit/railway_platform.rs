//! The stateful Railway platform mock over real HTTP on loopback: deployments moving through
//! their statuses, rollbacks, redeploys, faults, records, and the live signal. Statuses are
//! asserted by polling, never against wall-clock times.

use std::time::Duration;

use release_core::gates::platform::{PlatformGate, PlatformGateSpec};
use release_core::{Context, Gate, GateInfo, Vars, Verdict};
use release_testkit::{Progress, RailwayFault, RailwayMock, RailwayPlatformMock, RecordedResponse};
use serde_json::{Value, json};

const TOKEN: &str = "platform-canary-token-5d1e9c7b";

const DEPLOY: &str = "mutation ServiceInstanceDeployV2($environmentId: String!, $serviceId: String!, $commitSha: String) { serviceInstanceDeployV2(environmentId: $environmentId, serviceId: $serviceId, commitSha: $commitSha) }";
const ROLLBACK: &str = "mutation DeploymentRollback($id: String!) { deploymentRollback(id: $id) }";
const REDEPLOY: &str =
    "mutation DeploymentRedeploy($id: String!) { deploymentRedeploy(id: $id) { id } }";
const DEPLOYMENT: &str = "query Deployment($id: String!) { deployment(id: $id) { id status canRollback canRedeploy serviceId createdAt instances { id status } } }";
const DEPLOYMENTS: &str = "query Deployments($input: DeploymentListInput!, $first: Int) { deployments(input: $input, first: $first) { edges { node { id createdAt status meta } } } }";
const ENVIRONMENT_INSTANCES: &str = "query EnvironmentInstances($environmentId: String!, $projectId: String!) { environment(id: $environmentId, projectId: $projectId) { id name serviceInstances { edges { node { id serviceId serviceName latestDeployment { id status instances { id status } } } } } } }";

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn call(platform: &RailwayPlatformMock, query: &str, variables: Value) -> Reply {
    let operation = query
        .split(['(', ' ', '{'])
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let response = reqwest::Client::new()
        .post(platform.url())
        .header("Project-Access-Token", TOKEN)
        .body(
            json!({ "query": query, "variables": variables, "operationName": operation })
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

async fn deploy(platform: &RailwayPlatformMock, service_id: &str) -> Reply {
    call(
        platform,
        DEPLOY,
        json!({ "environmentId": "env-prod", "serviceId": service_id, "commitSha": "c0ffee0123456789" }),
    )
    .await
}

async fn status_of(platform: &RailwayPlatformMock, id: &str) -> String {
    let reply = call(platform, DEPLOYMENT, json!({ "id": id })).await;
    reply.body["data"]["deployment"]["status"]
        .as_str()
        .unwrap_or_else(|| panic!("no status for {id}: {:?}", reply.body))
        .to_owned()
}

/// Polls `id` until `last`, returning each distinct status seen in order.
async fn statuses_until(platform: &RailwayPlatformMock, id: &str, last: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..2000 {
        let status = status_of(platform, id).await;
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == last {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{id} never reached {last}: saw {seen:?}");
}

fn is_in_order(seen: &[String], order: &[&str]) -> bool {
    let mut rest = order.iter();
    seen.iter()
        .all(|status| rest.any(|expected| expected == status))
}

#[tokio::test]
async fn a_deploy_moves_through_its_schedule_then_replaces_the_current_deployment() {
    let platform = RailwayPlatformMock::start().await;
    let ms = Duration::from_millis;
    let schedule = Progress::new()
        .status("INITIALIZING", ms(0))
        .status("BUILDING", ms(40))
        .status("DEPLOYING", ms(80))
        .status("SUCCESS", ms(120));
    assert!(platform.deploys("api", schedule).await);

    let reply = deploy(&platform, "svc-api").await;
    assert_eq!(reply.status, 200);
    let id = reply.body["data"]["serviceInstanceDeployV2"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.starts_with("dep-api-"), "{id}");

    let seen = statuses_until(&platform, &id, "SUCCESS").await;
    let order = ["INITIALIZING", "BUILDING", "DEPLOYING", "SUCCESS"];
    assert!(is_in_order(&seen, &order), "{seen:?}");

    let current = platform.current("api").await.unwrap();
    assert_eq!(
        (current.id.as_str(), current.new_release),
        (id.as_str(), true)
    );
    let replaced = call(&platform, DEPLOYMENT, json!({ "id": "dep-5e2b8d13" })).await;
    let replaced = &replaced.body["data"]["deployment"];
    assert_eq!(replaced["status"], "REMOVED");
    assert_eq!(replaced["canRollback"], true);
    assert_eq!(replaced["instances"], json!([]));

    let live = call(&platform, DEPLOYMENT, json!({ "id": id })).await;
    let live = &live.body["data"]["deployment"];
    assert_eq!(live["serviceId"], "svc-api");
    let created = live["createdAt"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() == 24, "{created}");
    assert!(created.parse::<jiff::Timestamp>().is_ok(), "{created}");
    assert_eq!(live["instances"].as_array().unwrap().len(), 2);
    assert!(
        live["instances"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "RUNNING")
    );

    let listed = call(
        &platform,
        DEPLOYMENTS,
        json!({ "input": { "serviceId": "svc-api" }, "first": 2 }),
    )
    .await;
    let edges = listed.body["data"]["deployments"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 2);
    assert_eq!(edges[0]["node"]["id"], id.as_str());
    assert_eq!(edges[0]["node"]["meta"]["commitHash"], "c0ffee0123456789");
    assert_eq!(edges[1]["node"]["id"], "dep-5e2b8d13");

    // The other services did not move.
    assert_eq!(platform.current("web").await.unwrap().id, "dep-9c41e7a2");
}

#[tokio::test]
async fn a_deployment_in_progress_is_the_latest_but_not_yet_current() {
    let platform = RailwayPlatformMock::start().await;
    platform
        .deploys("web", Progress::stuck_in("BUILDING"))
        .await;
    let id = deploy(&platform, "svc-web").await.body["data"]["serviceInstanceDeployV2"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status_of(&platform, &id).await, "BUILDING");
    assert_eq!(platform.current("web").await.unwrap().id, "dep-9c41e7a2");
    assert_eq!(platform.live_since("web").await, None);

    let instances = call(
        &platform,
        ENVIRONMENT_INSTANCES,
        json!({ "environmentId": "env-prod", "projectId": RailwayMock::PROJECT_ID }),
    )
    .await;
    let edges = instances.body["data"]["environment"]["serviceInstances"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    let web = edges
        .iter()
        .find(|e| e["node"]["serviceName"] == "web")
        .unwrap();
    assert_eq!(web["node"]["latestDeployment"]["id"], id.as_str());
    assert_eq!(web["node"]["latestDeployment"]["status"], "BUILDING");
    assert_eq!(web["node"]["activeDeployments"][0]["id"], "dep-9c41e7a2");
}

#[tokio::test]
async fn a_crashing_deploy_never_becomes_current() {
    let platform = RailwayPlatformMock::start().await;
    platform
        .deploys("api", Progress::crashes_after(Duration::from_millis(30)))
        .await;
    let id = deploy(&platform, "svc-api").await.body["data"]["serviceInstanceDeployV2"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = statuses_until(&platform, &id, "CRASHED").await;
    assert!(
        is_in_order(&seen, &["INITIALIZING", "BUILDING", "DEPLOYING", "CRASHED"]),
        "{seen:?}"
    );
    assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");
    assert_eq!(status_of(&platform, "dep-5e2b8d13").await, "SUCCESS");
    assert!(!platform.deployment(&id).await.unwrap().can_rollback);
}

#[tokio::test]
async fn a_rollback_makes_an_earlier_deployment_current_and_removes_the_replaced_one() {
    let platform = RailwayPlatformMock::start().await;
    platform.deploys("api", Progress::immediate()).await;
    let new = deploy(&platform, "svc-api").await.body["data"]["serviceInstanceDeployV2"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(platform.current("api").await.unwrap().id, new);
    assert!(platform.live_since("api").await.is_some());

    let reply = call(&platform, ROLLBACK, json!({ "id": "dep-5e2b8d13" })).await;
    assert_eq!(
        (reply.status, &reply.body),
        (200, &json!({ "data": { "deploymentRollback": true } }))
    );
    assert_eq!(status_of(&platform, "dep-5e2b8d13").await, "SUCCESS");
    assert_eq!(status_of(&platform, &new).await, "REMOVED");
    assert!(platform.deployment(&new).await.unwrap().can_rollback);
    assert_eq!(platform.live_since("api").await, None);

    // The deployment rolled back to leads the list, as Railway's rollback deployment would.
    let ids: Vec<String> = platform
        .deployments("api")
        .await
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids[..2], ["dep-5e2b8d13".to_owned(), new.clone()]);

    // Rolling back to the current deployment again (a retry after a lost answer) changes
    // nothing and succeeds.
    let again = call(&platform, ROLLBACK, json!({ "id": "dep-5e2b8d13" })).await;
    assert_eq!(again.body["data"]["deploymentRollback"], true);
    assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");
}

#[tokio::test]
async fn a_rollback_with_a_schedule_keeps_the_current_deployment_until_its_success() {
    let platform = RailwayPlatformMock::start().await;
    platform
        .rollbacks(
            "web",
            Progress::new()
                .status("DEPLOYING", Duration::ZERO)
                .status("SUCCESS", Duration::from_millis(40)),
        )
        .await;
    let reply = call(&platform, ROLLBACK, json!({ "id": "dep-7d18b3f4" })).await;
    assert_eq!(reply.body["data"]["deploymentRollback"], true);
    let seen = statuses_until(&platform, "dep-7d18b3f4", "SUCCESS").await;
    assert!(is_in_order(&seen, &["DEPLOYING", "SUCCESS"]), "{seen:?}");
    assert_eq!(platform.current("web").await.unwrap().id, "dep-7d18b3f4");
    assert_eq!(status_of(&platform, "dep-9c41e7a2").await, "REMOVED");
}

#[tokio::test]
async fn a_deployment_that_cannot_be_rolled_back_is_a_graphql_error() {
    let platform = RailwayPlatformMock::start().await;
    // The FAILED attempt never served.
    let failed = call(&platform, ROLLBACK, json!({ "id": "dep-3a9f2b71" })).await;
    assert_eq!(failed.status, 200);
    assert_eq!(failed.body["data"], Value::Null);
    assert!(
        failed.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be rolled back")
    );

    assert!(platform.set_can_rollback("dep-48c1d7e6", false).await);
    let refused = call(&platform, ROLLBACK, json!({ "id": "dep-48c1d7e6" })).await;
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("canRollback is false")
    );
    let read = call(&platform, DEPLOYMENT, json!({ "id": "dep-48c1d7e6" })).await;
    assert_eq!(read.body["data"]["deployment"]["canRollback"], false);

    let unknown = call(&platform, ROLLBACK, json!({ "id": "dep-nope" })).await;
    assert_eq!(unknown.body["errors"][0]["message"], "Deployment not found");
    let unknown = call(&platform, DEPLOYMENT, json!({ "id": "dep-nope" })).await;
    assert_eq!(unknown.body["errors"][0]["message"], "Deployment not found");

    assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");
    let mutations = platform.mutations().await;
    assert_eq!(mutations.len(), 3);
    assert!(mutations.iter().all(|m| !m.acted && m.deployment.is_none()));
}

#[tokio::test]
async fn selecting_fields_on_a_scalar_mutation_is_a_validation_error_that_changes_nothing() {
    let platform = RailwayPlatformMock::start().await;
    let docs_example =
        "mutation DeploymentRollback($id: String!) { deploymentRollback(id: $id) { id status } }";
    let reply = call(&platform, docs_example, json!({ "id": "dep-48c1d7e6" })).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["errors"][0]["message"],
        "Field \"deploymentRollback\" must not have a selection since type \"Boolean!\" has no subfields."
    );
    assert_eq!(
        reply.body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");

    let bare_redeploy = "mutation DeploymentRedeploy($id: String!) { deploymentRedeploy(id: $id) }";
    let reply = call(&platform, bare_redeploy, json!({ "id": "dep-5e2b8d13" })).await;
    assert!(
        reply.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("must have a selection")
    );

    let missing = call(&platform, ROLLBACK, json!({})).await;
    assert!(
        missing.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("\"$id\"")
    );

    let mutations = platform.mutations().await;
    assert_eq!(mutations.len(), 3);
    assert!(mutations.iter().all(|m| !m.acted));
    assert_eq!(platform.deployments("api").await.len(), 4);
}

#[tokio::test]
async fn a_redeploy_copies_the_deployment_and_progresses_like_a_deploy() {
    let platform = RailwayPlatformMock::start().await;
    platform
        .deploys(
            "worker",
            Progress::succeeds_after(Duration::from_millis(30)),
        )
        .await;
    let reply = call(&platform, REDEPLOY, json!({ "id": "dep-c3e82d1a" })).await;
    let id = reply.body["data"]["deploymentRedeploy"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(id, "dep-c3e82d1a");
    statuses_until(&platform, &id, "SUCCESS").await;
    let current = platform.current("worker").await.unwrap();
    assert_eq!(current.id, id);
    // A redeploy of a deployment from before is no new release.
    assert!(!current.new_release);
    assert_eq!(platform.live_since("worker").await, None);
    let listed = call(
        &platform,
        DEPLOYMENTS,
        json!({ "input": { "serviceId": "svc-worker", "status": { "in": ["SUCCESS"] } } }),
    )
    .await;
    let edges = listed.body["data"]["deployments"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 1);
    assert_eq!(
        edges[0]["node"]["meta"]["commitHash"],
        "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
    );
}

#[tokio::test]
async fn faults_answer_before_the_state_and_act_only_when_told() {
    let platform = RailwayPlatformMock::start().await;
    platform.deploys("api", Progress::immediate()).await;
    platform
        .inject(
            "ServiceInstanceDeployV2",
            RailwayFault::rate_limited(1).times(2),
        )
        .await;
    platform
        .inject(
            "ServiceInstanceDeployV2",
            RailwayFault::status(500).after_acting(),
        )
        .await;
    platform
        .inject("ServiceInstanceDeployV2", RailwayFault::not_authorized())
        .await;

    for _ in 0..2 {
        let limited = deploy(&platform, "svc-api").await;
        assert_eq!(limited.status, 429);
        assert_eq!(limited.headers["retry-after"], "1");
    }
    assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");

    let acted = deploy(&platform, "svc-api").await;
    assert_eq!(acted.status, 500);
    let created = platform.current("api").await.unwrap();
    assert!(created.new_release, "the 500 came after the deploy acted");

    let refused = deploy(&platform, "svc-api").await;
    assert_eq!(refused.body["errors"][0]["message"], "Not Authorized");
    let normal = deploy(&platform, "svc-api").await;
    assert_eq!(normal.status, 200);

    let mutations = platform.mutations().await;
    let summary: Vec<(u16, bool)> = mutations.iter().map(|m| (m.status, m.acted)).collect();
    assert_eq!(
        summary,
        [
            (429, false),
            (429, false),
            (500, true),
            (200, false),
            (200, true)
        ]
    );
    assert_eq!(
        mutations[2].deployment.as_deref(),
        Some(created.id.as_str())
    );
    assert!(
        mutations
            .windows(2)
            .all(|w| w[0].since_start <= w[1].since_start)
    );
    assert!(
        mutations
            .iter()
            .all(|m| m.operation == "ServiceInstanceDeployV2")
    );
    assert_eq!(mutations[0].variables["serviceId"], "svc-api");
}

#[tokio::test]
async fn faults_on_queries_match_the_operation_name_a_client_sends() {
    let platform = RailwayPlatformMock::start().await;
    platform
        .inject(
            "DeploymentStatus",
            RailwayFault::graphql_error("Problem processing request"),
        )
        .await;
    platform
        .inject(
            "Deployment",
            RailwayFault::respond(RecordedResponse::json(502, json!({ "data": null }))),
        )
        .await;
    let status_query = "query DeploymentStatus($id: String!) { deployment(id: $id) { status } }";
    // The fault on the executed operation's name comes first.
    let first = call(&platform, status_query, json!({ "id": "dep-5e2b8d13" })).await;
    assert_eq!(first.status, 502);
    let second = call(&platform, status_query, json!({ "id": "dep-5e2b8d13" })).await;
    assert_eq!(
        second.body["errors"][0]["message"],
        "Problem processing request"
    );
    let third = call(&platform, status_query, json!({ "id": "dep-5e2b8d13" })).await;
    assert_eq!(third.body["data"]["deployment"]["status"], "SUCCESS");
}

#[tokio::test]
async fn a_hanging_mutation_that_did_not_act_changes_nothing() {
    let platform = RailwayPlatformMock::start().await;
    platform
        .inject("DeploymentRollback", RailwayFault::hang())
        .await;
    let result = reqwest::Client::new()
        .post(platform.url())
        .bearer_auth(TOKEN)
        .timeout(Duration::from_millis(200))
        .body(json!({ "query": ROLLBACK, "variables": { "id": "dep-48c1d7e6" } }).to_string())
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");
    assert!(!platform.mutations().await[0].acted);

    platform
        .inject(
            "DeploymentRollback",
            RailwayFault::delay(Duration::from_millis(20)),
        )
        .await;
    let delayed = call(&platform, ROLLBACK, json!({ "id": "dep-48c1d7e6" })).await;
    assert_eq!(delayed.body["data"]["deploymentRollback"], true);
    assert_eq!(platform.current("api").await.unwrap().id, "dep-48c1d7e6");
}

#[tokio::test]
async fn auth_and_scope_are_checked_like_railway_and_tokens_never_shown() {
    let platform = RailwayPlatformMock::start().await;
    let client = reqwest::Client::new();
    let body = json!({ "query": ROLLBACK, "variables": { "id": "dep-48c1d7e6" } });
    let anonymous = client
        .post(platform.url())
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 200);
    assert!(anonymous.text().await.unwrap().contains("Not Authorized"));
    let token_probe = client
        .post(platform.url())
        .bearer_auth(TOKEN)
        .body(json!({ "query": "query ProjectToken { projectToken { id } }" }).to_string())
        .send()
        .await
        .unwrap();
    assert!(token_probe.text().await.unwrap().contains("Not Authorized"));
    let not_json = client
        .post(platform.url())
        .bearer_auth(TOKEN)
        .body("{\"query\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);

    // A project token deploys only to its own environment.
    let elsewhere = call(
        &platform,
        DEPLOY,
        json!({ "environmentId": "env-staging", "serviceId": "svc-api" }),
    )
    .await;
    assert_eq!(elsewhere.body["errors"][0]["message"], "Not Authorized");
    let unknown = call(
        &platform,
        DEPLOY,
        json!({ "environmentId": "env-prod", "serviceId": "svc-nope" }),
    )
    .await;
    assert_eq!(unknown.body["errors"][0]["message"], "Service not found");
    let unknown_op = call(&platform, "query Me { me { id } }", json!({})).await;
    assert!(
        unknown_op.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Cannot query field \"me\"")
    );

    assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");
    let requests = platform.requests().await;
    assert_eq!(requests.len(), 6);
    assert_eq!(requests[3].project_token(), Some(TOKEN));
    for request in &requests {
        assert!(!format!("{request:?}").contains(TOKEN));
    }
    // The anonymous rollback and the two refused deploys were recorded as mutations.
    let mutations = platform.mutations().await;
    assert_eq!(mutations.len(), 3, "{mutations:?}");
    assert!(mutations.iter().all(|m| !m.acted));
}

#[tokio::test]
async fn the_platform_gate_passes_and_finds_the_previous_stable_deployment() {
    let platform = RailwayPlatformMock::start().await;
    platform.deploys("api", Progress::immediate()).await;
    let new = deploy(&platform, "svc-api").await.body["data"]["serviceInstanceDeployV2"]
        .as_str()
        .unwrap()
        .to_owned();

    let spec: PlatformGateSpec =
        serde_json::from_value(json!({ "services": ["web", "api", "worker"] })).unwrap();
    let gate = PlatformGate::new(GateInfo::new("railway", "platform"), spec).unwrap();
    let mut redactor = release_core::Redactor::new();
    redactor.add(TOKEN);
    let cx = Context::builder("production")
        .strict(true)
        .url("railway_api_url", platform.url())
        .vars(Vars::from_pairs([("RAILWAY_TOKEN", TOKEN)]))
        .redactor(redactor)
        .build();
    let evaluation = gate.evaluate(&cx).await;
    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:#?}");
    let shown = format!("{evaluation:?}");
    assert!(shown.contains(&new), "{shown}");
    assert!(
        shown.contains("dep-5e2b8d13"),
        "the previous stable deployment: {shown}"
    );
    assert!(!shown.contains(TOKEN));
}

#[tokio::test]
async fn the_builder_sets_services_histories_and_schedules() {
    let platform = RailwayPlatformMock::builder()
        .environment("staging")
        .services(["api", "web"])
        .history(
            "web",
            [
                ("dep-w3", "SUCCESS"),
                ("dep-w2", "CRASHED"),
                ("dep-w1", "REMOVED"),
            ],
        )
        .deploys("api", Progress::stuck_in("QUEUED"))
        .start()
        .await;
    assert_eq!(platform.environment_id().await, "env-staging");
    assert_eq!(platform.current("web").await.unwrap().id, "dep-w3");
    assert_eq!(platform.current("svc-web").await.unwrap().id, "dep-w3");
    assert!(platform.current("worker").await.is_none());
    assert!(platform.deployment("dep-w2").await.unwrap().can_rollback);
    let reply = call(
        &platform,
        DEPLOY,
        json!({ "environmentId": "env-staging", "serviceId": "svc-api" }),
    )
    .await;
    let id = reply.body["data"]["serviceInstanceDeployV2"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status_of(&platform, &id).await, "QUEUED");
    let token = call(
        &platform,
        "query ProjectToken { projectToken { id project { id } environment { id name } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        token.body["data"]["projectToken"]["environment"]["name"],
        "staging"
    );
}

/// The app, its metrics and its alerts switch when the release under test goes live, and
/// switch back after a rollback.
#[tokio::test]
async fn an_app_that_degrades_after_deploy_recovers_after_the_rollback() {
    use release_testkit::{Metric, MockEnvironment, Scenario};

    let query = "sum(rate(http_requests_total{code=~\"5..\"}[5m]))";
    let env = MockEnvironment::builder()
        .after_deploy("api", Scenario::ApiDown)
        .metric(query, Metric::ErrorRatio)
        .start()
        .await
        .unwrap();
    let platform = env.platform().unwrap();
    assert_eq!(env.railway_url(), platform.url());
    platform
        .deploys("api", Progress::stuck_in("BUILDING"))
        .await;

    let health = || async {
        reqwest::get(format!("{}/health", env.api_url()))
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let metric = || async {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/api/v1/query", env.prometheus().url()),
            [("query", query)],
        )
        .unwrap();
        let body: Value =
            serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap();
        body["data"]["result"][0]["value"][1]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let alerts = || async {
        let url = format!("{}/api/v2/alerts", env.alertmanager().url());
        let body: Value =
            serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap();
        body.as_array().unwrap().len()
    };
    assert_eq!(
        (health().await, metric().await, alerts().await),
        (200, "0.0012".to_owned(), 1)
    );

    // Not live while it builds.
    let building = deploy(platform, "svc-api").await.body["data"]["serviceInstanceDeployV2"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status_of(platform, &building).await, "BUILDING");
    assert_eq!(health().await, 200);
    assert_eq!(platform.live_since("api").await, None);

    platform
        .deploys("api", Progress::succeeds_after(Duration::from_millis(60)))
        .await;
    let id = deploy(platform, "svc-api").await.body["data"]["serviceInstanceDeployV2"]
        .as_str()
        .unwrap()
        .to_owned();
    statuses_until(platform, &id, "SUCCESS").await;
    assert!(platform.live_since("api").await.is_some());
    assert_eq!(
        (health().await, metric().await, alerts().await),
        (502, "0.35".to_owned(), 2)
    );
    let body = reqwest::get(format!("{}/ready", env.api_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Application failed to respond"));

    let rolled_back = call(platform, ROLLBACK, json!({ "id": "dep-5e2b8d13" })).await;
    assert_eq!(rolled_back.body["data"]["deploymentRollback"], true);
    assert_eq!(
        (health().await, metric().await, alerts().await),
        (200, "0.0012".to_owned(), 1)
    );
}

#[tokio::test]
async fn a_deploy_of_another_service_leaves_the_app_alone() {
    use release_testkit::{MockEnvironment, Scenario};

    let env = MockEnvironment::builder()
        .after_deploy("api", Scenario::Degraded)
        .start()
        .await
        .unwrap();
    let platform = env.platform().unwrap();
    platform.deploys("web", Progress::immediate()).await;
    deploy(platform, "svc-web").await;
    assert!(platform.live_since("web").await.is_some());
    let health = reqwest::get(format!("{}/health", env.api_url()))
        .await
        .unwrap();
    assert!(health.text().await.unwrap().contains("\"pass\""));
}

#[tokio::test]
async fn hostile_documents_get_errors_not_panics() {
    let platform = RailwayPlatformMock::start().await;
    let huge = format!(
        "query X {{ deployment(id: \"{}\") {{ id }} }}",
        "x".repeat(5_000_000)
    );
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies = [
        json!({ "query": huge }).to_string(),
        json!({ "query": "mutation { deploymentRollback(id: \"dep-48c1d7e6\"" }).to_string(),
        json!({ "query": "{ deploymentRollback(id: $id) }", "variables": "not an object" })
            .to_string(),
        json!({ "query": 42, "variables": { "id": "dep-48c1d7e6" } }).to_string(),
        json!({ "query": "{ deployment(id: $id) { id } }", "variables": { "id": 7 } }).to_string(),
        deep,
        "null".to_owned(),
    ];
    for body in bodies {
        let reply = reqwest::Client::new()
            .post(platform.url())
            .bearer_auth(TOKEN)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = reply.status().as_u16();
        let text = reply.text().await.unwrap();
        assert!(status == 200 || status == 400, "{status} for {:.80}", body);
        assert!(text.contains("errors"), "{text:.200} for {:.80}", body);
    }
    assert_eq!(platform.current("api").await.unwrap().id, "dep-5e2b8d13");
}
