//! Every fault over real HTTP on loopback.

use std::time::{Duration, Instant};

use release_testkit::{Fault, HealthBody, MockEnvironment, Scenario};

async fn get(url: String) -> reqwest::Response {
    reqwest::get(&url)
        .await
        .unwrap_or_else(|err| panic!("GET {url}: {err}"))
}

#[tokio::test]
async fn status_overrides_only_its_path() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/api/projects", Fault::Status(503)).await;
    let response = get(format!("{}/api/projects", env.api_url())).await;
    assert_eq!(response.status(), 503);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("injected status 503")
    );
    assert_eq!(get(format!("{}/health", env.api_url())).await.status(), 200);
    // The fault applies to every request, not just the first.
    assert_eq!(
        get(format!("{}/api/projects", env.api_url()))
            .await
            .status(),
        503
    );
}

#[tokio::test]
async fn a_status_http_cannot_carry_is_served_as_500() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", Fault::Status(42)).await;
    let response = get(format!("{}/health", env.api_url())).await;
    assert_eq!(response.status(), 500);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("invalid injected status 42")
    );
}

#[tokio::test]
async fn delay_serves_the_normal_answer_late() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let delay = Duration::from_millis(300);
    env.inject("/health", Fault::Delay(delay)).await;
    env.inject("/api/admin/ai-runtime/health", Fault::Delay(delay))
        .await;

    let started = Instant::now();
    let response = get(format!("{}/health", env.api_url())).await;
    assert!(started.elapsed() >= delay);
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(r#""status":"pass""#)
    );

    // The normal answer includes the admin check.
    let started = Instant::now();
    let response = get(format!("{}/api/admin/ai-runtime/health", env.api_url())).await;
    assert!(started.elapsed() >= delay);
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn delay_adds_to_the_degraded_delay() {
    let env = MockEnvironment::start(Scenario::Degraded).await;
    let delay = Duration::from_millis(200);
    env.inject("/ready", Fault::Delay(delay)).await;
    let started = Instant::now();
    let response = get(format!("{}/ready", env.api_url())).await;
    assert!(started.elapsed() >= Scenario::DEGRADED_DELAY + delay);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn empty_body_and_malformed_json() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", Fault::EmptyBody).await;
    env.inject("/api/admin/ai-runtime/health", Fault::MalformedJson)
        .await;

    let empty = get(format!("{}/health", env.api_url())).await;
    assert_eq!(empty.status(), 200);
    assert_eq!(empty.headers()["content-type"], "application/json");
    assert_eq!(empty.content_length(), Some(0));
    assert!(empty.bytes().await.unwrap().is_empty());

    // Faults come before the admin check.
    let malformed = get(format!("{}/api/admin/ai-runtime/health", env.api_url())).await;
    assert_eq!(malformed.status(), 200);
    assert_eq!(malformed.headers()["content-type"], "application/json");
    let text = malformed.text().await.unwrap();
    assert_eq!(text, r#"{"status": "pa"#);
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
}

#[tokio::test]
async fn oversized_body_has_the_announced_length() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let len = 10 * 1024 * 1024;
    env.inject("/health", Fault::OversizedBody(len)).await;
    let response = get(format!("{}/health", env.api_url())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(len as u64));
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len(), len);
    assert!(body.starts_with(br#"{"status":"pass","padding":"xxx"#));
}

#[tokio::test]
async fn hang_costs_the_client_its_timeout() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/ready", Fault::Hang).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .get(format!("{}/ready", env.api_url()))
        .send()
        .await
        .expect_err("a hung endpoint should time out");
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The request did arrive: the connection was accepted, then never answered.
    let requests = env.received_requests().await;
    assert!(
        requests
            .iter()
            .any(|request| request.url.path() == "/ready")
    );
}

#[tokio::test]
async fn rate_limited_then_normal() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject(
        "/health",
        Fault::RateLimited {
            retry_after_secs: 3,
            times: 2,
        },
    )
    .await;
    let url = format!("{}/health", env.api_url());
    for _ in 0..2 {
        let response = get(url.clone()).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "3");
    }
    let response = get(url.clone()).await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(r#""status":"pass""#)
    );
}

#[tokio::test]
async fn headers_as_given_then_normal() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject(
        "/health",
        Fault::WithHeaders {
            status: 503,
            headers: vec![
                ("Retry-After".into(), "Sun, 06 Nov 1994 08:49:38 GMT".into()),
                ("Date".into(), "Sun, 06 Nov 1994 08:49:37 GMT".into()),
            ],
            times: 1,
        },
    )
    .await;
    let url = format!("{}/health", env.api_url());
    let response = get(url.clone()).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["retry-after"],
        "Sun, 06 Nov 1994 08:49:38 GMT"
    );
    assert_eq!(response.headers()["date"], "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(get(url).await.status(), 200);
}

#[tokio::test]
async fn rate_limited_zero_times_changes_nothing() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject(
        "/health",
        Fault::RateLimited {
            retry_after_secs: 1,
            times: 0,
        },
    )
    .await;
    assert_eq!(get(format!("{}/health", env.api_url())).await.status(), 200);
}

#[tokio::test]
async fn faults_on_one_path_apply_in_injection_order() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject(
        "/ready",
        Fault::RateLimited {
            retry_after_secs: 1,
            times: 1,
        },
    )
    .await;
    env.inject("/ready", Fault::Status(500)).await;
    let url = format!("{}/ready", env.api_url());
    assert_eq!(get(url.clone()).await.status(), 429);
    assert_eq!(get(url.clone()).await.status(), 500);
    assert_eq!(get(url).await.status(), 500);
}

#[tokio::test]
async fn a_fault_path_ignores_its_query_and_wins_over_serve_health() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.serve_health("/health", HealthBody::SpringUp).await;
    let body = get(format!("{}/health", env.api_url()))
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains(r#""status":"UP""#));

    env.inject("/health", Fault::Status(502)).await;
    env.inject(
        "/api/admin/agent-gateway/sessions?source=db&limit=20",
        Fault::Status(504),
    )
    .await;
    assert_eq!(get(format!("{}/health", env.api_url())).await.status(), 502);
    let sessions = format!(
        "{}/api/admin/agent-gateway/sessions?source=db&limit=20",
        env.api_url()
    );
    assert_eq!(get(sessions).await.status(), 504);
}

#[tokio::test]
async fn redirect_to_other_host_drops_the_authorization_header_there() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", Fault::RedirectToOtherHost).await;

    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_follow
        .get(format!("{}/health?probe=1", env.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        format!("{}/health?probe=1", env.other_host_url()).as_str()
    );
    assert!(env.other_host_requests().await.is_empty());

    // A client that follows redirects lands on the other host, which a careful client treats
    // as another origin: the bearer token stays behind.
    let response = reqwest::Client::new()
        .get(format!("{}/health", env.api_url()))
        .bearer_auth(env.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.url().host_str(), Some("localhost"));
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(r#""status":"pass""#)
    );

    let other = env.other_host_requests().await;
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].url.path(), "/health");
    assert!(other[0].headers.get("authorization").is_none());
    let host = other[0].headers["host"].to_str().unwrap();
    assert!(host.starts_with("localhost:"), "{host}");

    let api = env.received_requests().await;
    let with_token = api
        .iter()
        .filter(|request| request.headers.get("authorization").is_some())
        .count();
    assert_eq!(with_token, 1, "the API saw the token once");
}
