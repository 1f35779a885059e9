//! Every recorded response under `fixtures/responses/` loads and makes sense.

use release_testkit::{FixtureError, RecordedResponse, fixtures};

const REQUIRED: &[(&str, &[&str])] = &[
    (
        "health",
        &[
            "health-json-pass",
            "health-json-warn",
            "health-json-fail",
            "health-json-alias-mixed-case",
            "spring-up",
            "spring-down",
            "spring-out-of-service",
            "spring-unknown",
            "spring-legacy-details",
            "simple-ok",
            "plain-ok",
            "readyz-verbose-passed",
            "readyz-failed",
            "empty-body",
            "malformed-json",
        ],
    ),
    (
        "ai-runtime",
        &[
            "health-ok",
            "health-roles-blocked",
            "health-rolesblocked-top-level",
            "health-missing-summary",
            "dry-run-ok",
            "dry-run-failed",
        ],
    ),
    (
        "agent-gateway",
        &[
            "sessions-fresh",
            "sessions-stale",
            "sessions-empty",
            "sessions-missing-lastactivity",
        ],
    ),
];

/// String bodies under a JSON content type: the deliberately broken cases.
const BROKEN_JSON: &[&str] = &["empty-body", "malformed-json"];

#[test]
fn every_recorded_response_loads_and_is_sane() {
    let all = fixtures::responses().unwrap();
    assert!(!all.is_empty());
    for (system, case, path) in &all {
        let recorded = fixtures::response(system, case).unwrap_or_else(|err| panic!("{err}"));
        assert!(
            path.ends_with(format!("{system}/{case}.json")),
            "{}",
            path.display()
        );
        assert!(
            recorded
                .description
                .as_deref()
                .is_some_and(|d| !d.is_empty()),
            "{system}/{case} has no description"
        );
        assert!((200..600).contains(&recorded.status), "{system}/{case}");
        let content_type = recorded
            .content_type()
            .unwrap_or_else(|| panic!("{system}/{case} has no content-type"));
        let json = content_type.contains("json");
        let text = content_type.starts_with("text/");
        assert!(json || text, "{system}/{case}: {content_type}");
        match &recorded.body {
            serde_json::Value::String(_) if json => {
                assert!(
                    BROKEN_JSON.contains(&case.as_str()),
                    "{system}/{case}: string body under {content_type}"
                )
            }
            serde_json::Value::String(_) => {}
            _ => {
                assert!(json, "{system}/{case}: JSON body under {content_type}");
                let bytes = recorded.body_bytes();
                assert_eq!(
                    serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
                    recorded.body
                );
            }
        }
        for name in recorded.headers.keys() {
            assert_eq!(name, &name.to_ascii_lowercase(), "{system}/{case}");
        }
    }
}

#[test]
fn the_listing_is_sorted_and_has_every_required_case() {
    let all = fixtures::responses().unwrap();
    let keys: Vec<(&str, &str)> = all
        .iter()
        .map(|(s, c, _)| (s.as_str(), c.as_str()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for (system, cases) in REQUIRED {
        for case in *cases {
            assert!(keys.contains(&(system, case)), "missing {system}/{case}");
        }
    }
}

#[test]
fn health_statuses_follow_the_upstream_rules() {
    for (case, status) in [
        ("health-json-fail", 503),
        ("health-json-warn", 200),
        ("spring-down", 503),
        ("spring-out-of-service", 503),
        ("spring-unknown", 200),
        ("readyz-failed", 500),
    ] {
        assert_eq!(
            fixtures::response("health", case).unwrap().status,
            status,
            "{case}"
        );
    }
    let plain = fixtures::response("health", "plain-ok").unwrap();
    assert_eq!(plain.body_bytes(), b"ok");
}

#[test]
fn bad_names_and_missing_cases_are_errors() {
    for (system, case) in [
        ("health", "../../plans/runbook"),
        ("", "x"),
        ("health", "Plain-OK"),
    ] {
        let err = fixtures::response(system, case).unwrap_err();
        assert!(matches!(err, FixtureError::Name { .. }), "{err:?}");
    }
    let err = fixtures::response("health", "no-such-case").unwrap_err();
    assert!(matches!(err, FixtureError::Read { .. }), "{err:?}");
}

#[test]
fn invalid_recorded_responses_are_errors() {
    for text in [
        r#"{ "status": 1000, "body": "" }"#,
        r#"{ "status": 200, "headers": { "bad header": "x" }, "body": "" }"#,
        r#"{ "status": 200, "headers": { "x-a": "line\nbreak" }, "body": "" }"#,
        r#"{ "status": 200, "extra": 1 }"#,
        r#"{ "body": "" }"#,
        "not json",
    ] {
        assert!(RecordedResponse::from_json(text).is_err(), "{text}");
    }
    let minimal = RecordedResponse::from_json(r#"{ "status": 204 }"#).unwrap();
    assert!(minimal.body_bytes().is_empty());
}

#[tokio::test]
async fn a_recorded_response_mounts_on_a_wiremock_server() {
    let server = wiremock::MockServer::start().await;
    let recorded = fixtures::response("health", "readyz-verbose-passed").unwrap();
    recorded.mount_on(&server, "get", "/readyz?verbose").await;
    let response = reqwest::get(format!("{}/readyz?verbose", server.uri()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.bytes().await.unwrap(), recorded.body_bytes());

    let template: wiremock::ResponseTemplate = (&recorded).into();
    wiremock::Mock::given(wiremock::matchers::path("/other"))
        .respond_with(template)
        .mount(&server)
        .await;
    let other = reqwest::get(format!("{}/other", server.uri()))
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}
