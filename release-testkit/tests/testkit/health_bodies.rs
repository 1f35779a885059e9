//! Every health body format, served and read back.

use release_testkit::{HealthBody, MockEnvironment, Scenario, fixtures};

#[tokio::test]
async fn every_health_body_is_served_as_its_parts() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    for (i, body) in HealthBody::all().into_iter().enumerate() {
        let path = format!("/health/{i}");
        env.serve_health(&path, body.clone()).await;
        let (status, content_type, text) = body.parts();
        let response = reqwest::get(format!("{}{path}", env.api_url()))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{body:?}");
        assert_eq!(
            response.headers()["content-type"],
            content_type.as_str(),
            "{body:?}"
        );
        assert_eq!(response.text().await.unwrap(), text, "{body:?}");
    }
}

#[test]
fn statuses_follow_each_format_s_rules() {
    let expected = [
        (HealthBody::HealthJsonPass, 200, "pass"),
        (HealthBody::HealthJsonWarn, 200, "warn"),
        (HealthBody::HealthJsonFail, 503, "fail"),
        (HealthBody::HealthJsonAliasMixedCase, 200, "Up"),
        (HealthBody::HealthJsonStatus("OK".into()), 200, "OK"),
        (HealthBody::HealthJsonStatus("Up".into()), 200, "Up"),
        (HealthBody::HealthJsonStatus("DOWN".into()), 503, "DOWN"),
        (HealthBody::HealthJsonStatus("Error".into()), 503, "Error"),
        (HealthBody::SpringUp, 200, "UP"),
        (HealthBody::SpringDown, 503, "DOWN"),
        (HealthBody::SpringOutOfService, 503, "OUT_OF_SERVICE"),
        (HealthBody::SpringUnknown, 200, "UNKNOWN"),
        (HealthBody::SpringLegacyDetails, 200, "UP"),
        (HealthBody::SimpleOk, 200, "ok"),
    ];
    for (body, status, field) in expected {
        let (got, content_type, text) = body.parts();
        assert_eq!(got, status, "{body:?}");
        assert!(content_type.contains("json"), "{body:?}: {content_type}");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["status"], field, "{body:?}");
    }
    let (status, content_type, text) = HealthBody::PlainOk.parts();
    assert_eq!(
        (status, content_type.as_str(), text.as_str()),
        (200, "text/plain; charset=utf-8", "ok")
    );
    let (status, _, text) = HealthBody::ReadyzVerbosePassed.parts();
    assert_eq!(status, 200);
    assert!(
        text.lines()
            .all(|line| line.starts_with("[+]") || line == "readyz check passed")
    );
    let (status, _, text) = HealthBody::ReadyzFailed.parts();
    assert_eq!(status, 500);
    assert!(text.contains("[-]etcd failed: reason withheld\n"));
    assert!(text.ends_with("readyz check failed\n"));
}

#[test]
fn health_bodies_with_a_case_are_the_recorded_fixtures() {
    let mut cases = 0;
    for body in HealthBody::all() {
        let Some(case) = body.fixture_case() else {
            continue;
        };
        assert_eq!(
            body.recorded(),
            fixtures::response("health", case).unwrap(),
            "{case}"
        );
        cases += 1;
    }
    assert_eq!(cases, 13);
}

#[tokio::test]
async fn mount_on_serves_a_plain_wiremock_server() {
    let server = wiremock::MockServer::start().await;
    HealthBody::SpringUnknown
        .mount_on(&server, "actuator/health")
        .await;
    let response = reqwest::get(format!("{}/actuator/health", server.uri()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.spring-boot.actuator.v3+json"
    );
    // Only GET is served.
    let post = reqwest::Client::new()
        .post(format!("{}/actuator/health", server.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 404);
}
