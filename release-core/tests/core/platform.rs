//! The platform gate against the Railway mock, over real HTTP on loopback: every recorded case
//! gives the verdict a release engineer expects, in normal and in strict mode; the token is sent
//! in the right header and never shown; the deployment ids are recorded for rollbacks.

use std::collections::BTreeMap;

use release_core::gates::platform::{PlatformGate, PlatformGateSpec};
use release_core::{Context, Evaluation, Gate, GateInfo, Policy, Vars, Verdict};
use release_testkit::{RailwayMock, fixtures};

fn gate(services: &[&str], extra: &str) -> PlatformGate {
    let list: Vec<String> = services.iter().map(|s| format!("'{s}'")).collect();
    let spec: PlatformGateSpec = toml::from_str(&format!(
        "services = [{}]\nretries = 2\n{extra}",
        list.join(", ")
    ))
    .unwrap();
    PlatformGate::new(GateInfo::new("railway", "platform"), spec).unwrap()
}

fn context(mock: &RailwayMock, strict: bool, vars: &[(&str, &str)]) -> Context {
    let mut redactor = release_core::Redactor::new();
    for (_, value) in vars {
        redactor.add(*value);
    }
    Context::builder("production")
        .strict(strict)
        .url("railway_api_url", mock.url())
        .vars(Vars::from_pairs(vars.iter().copied()))
        .redactor(redactor)
        .build()
}

async fn run_case(case: &str, strict: bool) -> Evaluation {
    let mock = RailwayMock::start_case(case).await.unwrap();
    let cx = context(
        &mock,
        strict,
        &[("RAILWAY_TOKEN", RailwayMock::PROJECT_TOKEN)],
    );
    gate(&["web", "api", "worker"], "").evaluate(&cx).await
}

#[tokio::test]
async fn every_case_gives_the_expected_verdict_normal_and_strict() {
    use Verdict::*;
    // case -> (verdict, blocks when not strict, blocks when strict)
    let expected: BTreeMap<&str, (Verdict, bool, bool)> = [
        ("healthy", (Pass, false, false)),
        ("missing-api-service", (Fail, true, true)),
        ("crashed-deployment", (Fail, true, true)),
        ("crashed-running-instances", (Warn, false, true)),
        ("deploying", (Inconclusive, false, true)),
        ("never-deployed", (Fail, true, true)),
        ("sleeping-service", (Fail, true, true)),
        ("unauthorized", (Error, true, true)),
        ("rate-limited", (Pass, false, false)),
        ("unknown-status", (Inconclusive, false, true)),
        ("needs-approval", (Fail, true, true)),
        ("no-healthcheck", (Warn, false, true)),
        ("single-replica", (Warn, false, true)),
        ("restart-never", (Fail, true, true)),
        ("not-json", (Error, true, true)),
        ("missing-data", (Error, true, true)),
    ]
    .into_iter()
    .collect();
    let cases = fixtures::railway_cases().unwrap();
    assert_eq!(
        cases.len(),
        expected.len(),
        "a new case needs an expected verdict here"
    );
    for (case, _) in cases {
        let (verdict, blocks, blocks_strict) = expected[case.as_str()];
        for strict in [false, true] {
            let evaluation = run_case(&case, strict).await;
            assert_eq!(
                evaluation.verdict, verdict,
                "{case} (strict: {strict}): {evaluation:#?}"
            );
            let blocking = Policy::new(strict).blocks(evaluation.verdict, true);
            assert_eq!(
                blocking,
                if strict { blocks_strict } else { blocks },
                "{case} strict={strict}"
            );
            if verdict != Pass {
                assert!(
                    !evaluation.observations.is_empty(),
                    "{case}: a non-pass verdict says why"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_case_reads_as_snapshotted() {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "[HOST]");
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();
    for (case, _) in fixtures::railway_cases().unwrap() {
        let evaluation = run_case(&case, false).await;
        let shown = serde_json::json!({
            "verdict": evaluation.verdict,
            "summary": evaluation.summary,
            "attempts": evaluation.attempts,
            "observations": evaluation.observations,
            "evidence": evaluation.evidence,
            "details": evaluation.details,
        });
        insta::assert_snapshot!(
            format!("railway__{case}"),
            serde_json::to_string_pretty(&shown).unwrap()
        );
    }
}

#[tokio::test]
async fn specific_findings_name_what_is_wrong() {
    let crashed = run_case("crashed-running-instances", false).await;
    assert_eq!(crashed.observations[0].name, "api.deployment");
    assert_eq!(
        crashed.observations[0].observed,
        "CRASHED with 1 of 2 instances running"
    );
    let deploying = run_case("deploying", false).await;
    assert!(
        deploying.summary.contains("DEPLOYING"),
        "{}",
        deploying.summary
    );
    let approval = run_case("needs-approval", false).await;
    assert!(
        approval.observations[0]
            .observed
            .as_str()
            .unwrap()
            .contains("approve")
    );
    let unauthorized = run_case("unauthorized", false).await;
    assert!(
        unauthorized.summary.contains(
            "Not Authorized (the project token (RAILWAY_TOKEN) is missing, expired, or not allowed"
        ),
        "{}",
        unauthorized.summary
    );
    let not_json = run_case("not-json", false).await;
    assert!(
        not_json.summary.contains("not JSON"),
        "{}",
        not_json.summary
    );
    let unknown = run_case("unknown-status", false).await;
    assert!(
        unknown.observations[0]
            .observed
            .as_str()
            .unwrap()
            .starts_with("HIBERNATING")
    );
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_counted() {
    let evaluation = run_case("rate-limited", false).await;
    assert_eq!(evaluation.verdict, Verdict::Pass);
    assert_eq!(evaluation.attempts, 2);
}

#[tokio::test]
async fn strict_mode_requires_the_api_service_even_when_the_plan_forgets_it() {
    let mock = RailwayMock::start_case("missing-api-service")
        .await
        .unwrap();
    let vars = [("RAILWAY_TOKEN", RailwayMock::PROJECT_TOKEN)];
    let lax = gate(&["web", "worker"], "")
        .evaluate(&context(&mock, false, &vars))
        .await;
    assert_eq!(lax.verdict, Verdict::Pass, "{lax:#?}");
    let strict = gate(&["web", "worker"], "")
        .evaluate(&context(&mock, true, &vars))
        .await;
    assert_eq!(strict.verdict, Verdict::Fail);
    assert_eq!(strict.observations[0].name, "api.service");
}

#[tokio::test]
async fn the_deployment_ids_for_a_rollback_are_recorded() {
    let evaluation = run_case("healthy", false).await;
    let details = evaluation.details.unwrap();
    let api = details["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["service"] == "api")
        .unwrap()
        .clone();
    assert_eq!(api["current"], "dep-5e2b8d13");
    assert_eq!(
        api["previous_stable"], "dep-48c1d7e6",
        "the FAILED deployment in between is no rollback target"
    );
    assert_eq!(details["environment"], "production");
}

#[tokio::test]
async fn the_project_token_is_sent_as_project_access_token_and_wins_over_an_account_token() {
    const PROJECT: &str = "project-token-canary-1f2e3d4c5b6a";
    const ACCOUNT: &str = "account-token-canary-9a8b7c6d5e4f";
    let mock = RailwayMock::start_healthy().await;
    let both = gate(&["web", "api", "worker"], "")
        .evaluate(&context(
            &mock,
            false,
            &[("RAILWAY_TOKEN", PROJECT), ("RAILWAY_API_TOKEN", ACCOUNT)],
        ))
        .await;
    assert_eq!(both.verdict, Verdict::Pass, "{both:#?}");
    let requests = mock.requests().await;
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request.project_token(), Some(PROJECT));
        assert_eq!(
            request.bearer_token(),
            None,
            "with both set only the project token is sent"
        );
    }
    let dump = format!("{both:?}");
    assert!(!dump.contains(PROJECT) && !dump.contains(ACCOUNT));

    // An account token alone goes as a bearer token, and needs the project id.
    let mock = RailwayMock::start_healthy().await;
    let account = gate(
        &["web", "api", "worker"],
        &format!("project = '{}'", RailwayMock::PROJECT_ID),
    )
    .evaluate(&context(&mock, false, &[("RAILWAY_API_TOKEN", ACCOUNT)]))
    .await;
    assert_eq!(account.verdict, Verdict::Pass, "{account:#?}");
    for request in mock.requests().await {
        assert_eq!(request.bearer_token(), Some(ACCOUNT));
        assert_eq!(request.project_token(), None);
    }
    let no_project = gate(&["web"], "")
        .evaluate(&context(&mock, false, &[("RAILWAY_API_TOKEN", ACCOUNT)]))
        .await;
    assert_eq!(no_project.verdict, Verdict::Error);
    assert!(
        no_project.summary.contains("needs the gate's `project` id"),
        "{}",
        no_project.summary
    );
}

#[tokio::test]
async fn no_token_is_an_error_naming_both_variables() {
    let mock = RailwayMock::start_healthy().await;
    let evaluation = gate(&["web"], "")
        .evaluate(&context(&mock, false, &[]))
        .await;
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation.summary.contains("RAILWAY_TOKEN")
            && evaluation.summary.contains("RAILWAY_API_TOKEN")
    );
}

#[tokio::test]
async fn a_token_for_another_environment_fails() {
    let mock = RailwayMock::start_healthy().await;
    let evaluation = gate(&["web"], "environment = 'staging'")
        .evaluate(&context(
            &mock,
            false,
            &[("RAILWAY_TOKEN", RailwayMock::PROJECT_TOKEN)],
        ))
        .await;
    assert_eq!(evaluation.verdict, Verdict::Fail);
    assert_eq!(
        evaluation.summary,
        "the project token is for environment `production`, not `staging`"
    );
}

/// The healthy case's `EnvironmentInstances` answer, changed by `edit`, served by a healthy mock.
async fn healthy_with(edit: impl FnOnce(&mut serde_json::Value)) -> RailwayMock {
    let mock = RailwayMock::start_healthy().await;
    let mut body = fixtures::railway_case("healthy").unwrap().operations["EnvironmentInstances"][0]
        .body
        .clone();
    edit(&mut body);
    mock.script(
        "EnvironmentInstances",
        vec![release_testkit::RecordedResponse::json(200, body)],
    )
    .await;
    mock
}

fn node<'a>(body: &'a mut serde_json::Value, service: &str) -> &'a mut serde_json::Value {
    body["data"]["environment"]["serviceInstances"]["edges"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .map(|e| &mut e["node"])
        .find(|n| n["serviceName"] == service)
        .unwrap()
}

#[tokio::test]
async fn the_token_is_hidden_even_when_railway_echoes_it_and_no_plan_declares_it() {
    const TOKEN: &str = "echoed-account-token-7d9f1b3c5e";
    let mock = healthy_with(|body| {
        node(body, "web")["healthcheckPath"] = format!("/health?t={TOKEN}").into()
    })
    .await;
    // No redactor from a plan: the gate hides its own token.
    let cx = Context::builder("production")
        .url("railway_api_url", mock.url())
        .vars(Vars::from_pairs([("RAILWAY_API_TOKEN", TOKEN)]))
        .build();
    let evaluation = gate(
        &["web", "api", "worker"],
        &format!("project = '{}'", RailwayMock::PROJECT_ID),
    )
    .evaluate(&cx)
    .await;
    let dump = format!("{evaluation:?}");
    assert!(!dump.contains(TOKEN), "{dump}");
    assert!(dump.contains("/health?t=[redacted]"));
}

#[tokio::test]
async fn a_redirect_never_carries_the_project_token() {
    use wiremock::matchers::method;
    let mock = RailwayMock::start_healthy().await;
    let redirector = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(307).insert_header("location", mock.url().as_str()),
        )
        .mount(&redirector)
        .await;
    let cx = Context::builder("production")
        .url(
            "railway_api_url",
            format!("{}/graphql/v2", redirector.uri()),
        )
        .vars(Vars::from_pairs([(
            "RAILWAY_TOKEN",
            RailwayMock::PROJECT_TOKEN,
        )]))
        .build();
    let evaluation = gate(&["web"], "").evaluate(&cx).await;
    assert_eq!(evaluation.verdict, Verdict::Error, "{evaluation:#?}");
    assert!(
        mock.requests().await.is_empty(),
        "nothing followed the redirect to Railway's mock"
    );
}

#[tokio::test]
async fn a_project_token_for_another_project_fails() {
    let mock = RailwayMock::start_healthy().await;
    let cx = context(
        &mock,
        false,
        &[("RAILWAY_TOKEN", RailwayMock::PROJECT_TOKEN)],
    );
    let evaluation = gate(&["web"], "project = 'some-other-project'")
        .evaluate(&cx)
        .await;
    assert_eq!(evaluation.verdict, Verdict::Fail);
    assert!(
        evaluation
            .summary
            .starts_with("the project token is for project"),
        "{}",
        evaluation.summary
    );
}

#[tokio::test]
async fn hostile_answers_never_pass_silently() {
    let vars = [("RAILWAY_TOKEN", RailwayMock::PROJECT_TOKEN)];
    let all = ["web", "api", "worker"];

    // A cursor that does not move.
    let looping = healthy_with(|body| {
        body["data"]["environment"]["serviceInstances"]["pageInfo"] =
            serde_json::json!({ "hasNextPage": true, "endCursor": "c1" });
    })
    .await;
    let evaluation = gate(&all, "")
        .evaluate(&context(&looping, false, &vars))
        .await;
    assert_eq!(evaluation.verdict, Verdict::Error, "{evaluation:#?}");
    assert!(
        looping
            .requests()
            .await
            .iter()
            .filter(|r| r.operation.as_deref() == Some("EnvironmentInstances"))
            .count()
            <= 2
    );

    // Two services named api, the second failed.
    let twins = healthy_with(|body| {
        let mut twin = node(body, "api").clone();
        twin["latestDeployment"]["status"] = "FAILED".into();
        body["data"]["environment"]["serviceInstances"]["edges"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({ "node": twin }));
    })
    .await;
    let evaluation = gate(&all, "")
        .evaluate(&context(&twins, false, &vars))
        .await;
    assert_eq!(evaluation.verdict, Verdict::Inconclusive, "{evaluation:#?}");

    // SUCCESS, but one of two instances crashed; and fields the schema promises are missing.
    let limping = healthy_with(|body| {
        node(body, "api")["latestDeployment"]["instances"][1]["status"] = "CRASHED".into();
        node(body, "worker")
            .as_object_mut()
            .unwrap()
            .remove("restartPolicyType");
        node(body, "web")
            .as_object_mut()
            .unwrap()
            .remove("sleepApplication");
    })
    .await;
    let evaluation = gate(&all, "")
        .evaluate(&context(&limping, false, &vars))
        .await;
    assert_eq!(evaluation.verdict, Verdict::Warn, "{evaluation:#?}");
    let names: Vec<&str> = evaluation
        .observations
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "web.sleepApplication",
            "api.instances",
            "worker.restartPolicyType"
        ]
    );

    // `errors` that is not an array still means the data cannot be trusted.
    let odd = RailwayMock::start_healthy().await;
    let scope = fixtures::railway_case("healthy").unwrap().operations["ProjectToken"][0]
        .body
        .clone();
    let mut with_errors = scope.clone();
    with_errors["errors"] = "upstream degraded".into();
    odd.script(
        "ProjectToken",
        vec![release_testkit::RecordedResponse::json(200, with_errors)],
    )
    .await;
    let evaluation = gate(&all, "").evaluate(&context(&odd, false, &vars)).await;
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation.summary.contains("upstream degraded"),
        "{}",
        evaluation.summary
    );
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_says_where_in_jsons_words() {
    let vars = [("RAILWAY_TOKEN", RailwayMock::PROJECT_TOKEN)];
    let all = ["web", "api", "worker"];
    for (edit, said) in [
        (
            (|body: &mut serde_json::Value| {
                node(body, "api")["serviceName"] = serde_json::Value::Null
            }) as fn(&mut serde_json::Value),
            "`environment.serviceInstances.edges[1].node.serviceName`: expected a string, got null",
        ),
        (
            |body: &mut serde_json::Value| {
                node(body, "web")["numReplicas"] = serde_json::json!(1.5)
            },
            "`environment.serviceInstances.edges[0].node.numReplicas`: expected a whole number, got the number 1.5",
        ),
        (
            |body: &mut serde_json::Value| {
                body["data"]["environment"]["serviceInstances"]["edges"] = serde_json::json!({})
            },
            "`environment.serviceInstances.edges`: expected an array, got an object",
        ),
    ] {
        let mock = healthy_with(edit).await;
        let evaluation = gate(&all, "").evaluate(&context(&mock, false, &vars)).await;
        assert_eq!(evaluation.verdict, Verdict::Error, "{evaluation:#?}");
        assert_eq!(
            evaluation.summary,
            format!("Railway EnvironmentInstances: unexpected response shape: {said}")
        );
    }
}
