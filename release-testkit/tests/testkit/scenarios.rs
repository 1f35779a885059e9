//! Each scenario's key responses over real HTTP on loopback.

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use release_testkit::{MockEnvironment, Scenario};
use serde_json::Value;

const SESSIONS: &str = "/api/admin/agent-gateway/sessions?source=db&limit=20";

async fn get(url: String) -> reqwest::Response {
    reqwest::get(&url)
        .await
        .unwrap_or_else(|err| panic!("GET {url}: {err}"))
}

async fn admin_get(env: &MockEnvironment, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", env.api_url()))
        .bearer_auth(env.admin_token())
        .send()
        .await
        .unwrap()
}

async fn dry_run(env: &MockEnvironment, role: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/admin/ai-runtime/dry-run", env.api_url()))
        .bearer_auth(env.admin_token())
        .header("content-type", "application/json")
        .body(serde_json::json!({ "role": role }).to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    // Bodies that are not JSON (the 503 of `flaky`) come back as null.
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn json(response: reqwest::Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"))
}

fn content_type(response: &reqwest::Response) -> &str {
    response.headers()["content-type"].to_str().unwrap()
}

/// Ages of the active sessions in a sessions body, checking every timestamp on the way.
fn active_session_ages(body: &Value) -> Vec<SignedDuration> {
    let now = Timestamp::now();
    let sessions = body["sessions"].as_array().unwrap();
    let mut ages = Vec::new();
    for session in sessions {
        let started: Timestamp = session["startedAt"].as_str().unwrap().parse().unwrap();
        let last: Timestamp = session["lastActivityAt"].as_str().unwrap().parse().unwrap();
        assert!(started <= last, "{session}");
        assert!(last <= now, "{session} is in the future");
        assert!(session["lastActivityAt"].as_str().unwrap().ends_with('Z'));
        if session["status"] == "active" {
            ages.push(now.duration_since(last));
        }
    }
    ages
}

#[tokio::test]
async fn healthy_serves_every_endpoint() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    assert_ne!(env.api_url(), env.web_url());
    assert!(!env.api_url().ends_with('/'));

    let health = get(format!("{}/health", env.api_url())).await;
    assert_eq!(health.status(), 200);
    assert_eq!(content_type(&health), "application/health+json");
    let body = json(health).await;
    assert_eq!(body["status"], "pass");
    let checked: Timestamp = body["checks"]["uptime"][0]["time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(Timestamp::now().duration_since(checked) < SignedDuration::from_mins(1));

    let ready = get(format!("{}/ready", env.api_url())).await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ok");
    let verbose = get(format!("{}/ready?verbose", env.api_url())).await;
    assert!(
        verbose
            .text()
            .await
            .unwrap()
            .ends_with("readyz check passed\n")
    );

    let session = reqwest::Client::new()
        .post(format!("{}/api/auth/session", env.api_url()))
        .body(r#"{"email":"demo@acme.example","password":"demo"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200);
    let session = json(session).await;
    assert!(
        session["token"]
            .as_str()
            .is_some_and(|token| !token.is_empty())
    );
    assert!(session["user"].is_object());
    let bad = reqwest::Client::new()
        .post(format!("{}/api/auth/session", env.api_url()))
        .body("email=demo")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let projects = json(get(format!("{}/api/projects", env.api_url())).await).await;
    assert!(!projects.as_array().unwrap().is_empty());

    let ai = admin_get(&env, "/api/admin/ai-runtime/health").await;
    assert_eq!(ai.status(), 200);
    let ai = json(ai).await;
    assert_eq!(ai["summary"]["health"], "ok");
    assert_eq!(ai["summary"]["rolesBlocked"], 0);
    let roles: Vec<&str> = ai["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|role| role["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "support-agent",
            "billing-agent",
            "research-agent",
            "summarizer"
        ]
    );
    for role in roles {
        let (status, body) = dry_run(&env, role).await;
        assert_eq!(status, 200);
        assert_eq!(body["ok"], true, "{body}");
        assert_eq!(body["role"], role);
        assert_eq!(body["latencyMs"], 840);
        assert!(body["output"].as_str().unwrap().contains(role));
    }
    let (status, body) = dry_run(&env, "poet").await;
    assert_eq!((status, &body["ok"]), (404, &Value::Bool(false)));

    let sessions = json(admin_get(&env, SESSIONS).await).await;
    assert_eq!(sessions["source"], "db");
    assert_eq!(sessions["sessions"].as_array().unwrap().len(), 20);
    let ages = active_session_ages(&sessions);
    assert!(!ages.is_empty());
    assert!(
        ages.iter().all(|age| *age < SignedDuration::from_mins(15)),
        "{ages:?}"
    );
    let five =
        json(admin_get(&env, "/api/admin/agent-gateway/sessions?source=db&limit=5").await).await;
    assert_eq!(five["sessions"].as_array().unwrap().len(), 5);

    for path in ["/", "/login"] {
        let page = get(format!("{}{path}", env.web_url())).await;
        assert_eq!(page.status(), 200);
        assert!(content_type(&page).starts_with("text/html"));
        assert!(page.text().await.unwrap().contains("<html"));
    }
    let web_health = json(get(format!("{}/health", env.web_url())).await).await;
    assert_eq!(web_health, serde_json::json!({ "status": "ok" }));
}

#[tokio::test]
async fn admin_endpoints_refuse_requests_without_the_token() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let client = reqwest::Client::new();
    for (method, path) in [
        ("GET", "/api/admin/ai-runtime/health"),
        ("POST", "/api/admin/ai-runtime/dry-run"),
        ("GET", SESSIONS),
    ] {
        let url = format!("{}{path}", env.api_url());
        let method: reqwest::Method = method.parse().unwrap();
        for auth in [None, Some("Bearer wrong-token"), Some(env.admin_token())] {
            let mut request = client
                .request(method.clone(), &url)
                .body(r#"{"role":"summarizer"}"#);
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            let response = request.send().await.unwrap();
            // The bare token, without the Bearer scheme, is refused too.
            assert_eq!(response.status(), 401, "{method} {path} with {auth:?}");
            assert_eq!(
                json(response).await,
                serde_json::json!({ "error": "unauthorized" })
            );
        }
    }
    let lower_case_scheme = client
        .get(format!("{}/api/admin/ai-runtime/health", env.api_url()))
        .header("authorization", format!("bearer {}", env.admin_token()))
        .send()
        .await
        .unwrap();
    assert_eq!(lower_case_scheme.status(), 200);
}

#[tokio::test]
async fn degraded_warns_and_is_slow() {
    let env = MockEnvironment::start(Scenario::Degraded).await;
    let started = Instant::now();
    let health = get(format!("{}/health", env.api_url())).await;
    assert!(started.elapsed() >= Scenario::DEGRADED_DELAY);
    assert_eq!(health.status(), 200);
    let body = json(health).await;
    assert_eq!(body["status"], "warn");
    let checks = body["checks"].as_object().unwrap();
    assert!(
        checks
            .values()
            .flat_map(|c| c.as_array().unwrap())
            .any(|c| c["status"] == "warn")
    );

    let started = Instant::now();
    let ai = admin_get(&env, "/api/admin/ai-runtime/health").await;
    assert!(started.elapsed() >= Scenario::DEGRADED_DELAY);
    assert_eq!(json(ai).await["summary"]["health"], "ok");
}

#[tokio::test]
async fn roles_blocked_names_the_blocked_critical_roles_and_fails_their_dry_runs() {
    let env = MockEnvironment::start(Scenario::RolesBlocked).await;
    let health = get(format!("{}/health", env.api_url())).await;
    assert_eq!(json(health).await["status"], "pass");

    let ai = json(admin_get(&env, "/api/admin/ai-runtime/health").await).await;
    assert_eq!(ai["summary"]["health"], "degraded");
    assert_eq!(ai["summary"]["rolesBlocked"], 2);
    let blocked: Vec<&Value> = ai["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|role| role["status"] == "blocked")
        .collect();
    let names: Vec<&str> = blocked
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["support-agent", "billing-agent"]);
    for role in &blocked {
        assert_eq!(role["critical"], true);
        assert!(
            role["blockedReason"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
        );
    }

    for role in ["support-agent", "billing-agent"] {
        let (status, body) = dry_run(&env, role).await;
        assert_eq!(status, 200);
        assert_eq!(body["ok"], false);
        assert_eq!(body["role"], role);
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("role blocked: "),
            "{body}"
        );
    }
    for role in ["research-agent", "summarizer"] {
        let (status, body) = dry_run(&env, role).await;
        assert_eq!((status, &body["ok"]), (200, &Value::Bool(true)));
    }
}

#[tokio::test]
async fn api_down_refuses_connections_and_the_web_still_answers() {
    let env = MockEnvironment::start(Scenario::ApiDown).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for path in ["/health", "/ready", "/api/admin/ai-runtime/health"] {
        let err = client
            .get(format!("{}{path}", env.api_url()))
            .send()
            .await
            .expect_err("the API should be down");
        assert!(err.is_connect(), "{err:?}");
    }
    let web = get(format!("{}/health", env.web_url())).await;
    assert_eq!(web.status(), 200);
}

#[tokio::test]
async fn api_down_on_a_given_port_keeps_that_port_refusing() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = MockEnvironment::builder()
        .scenario(Scenario::ApiDown)
        .api_port(port)
        .start()
        .await
        .unwrap();
    assert_eq!(env.api_url(), format!("http://127.0.0.1:{port}"));
    // The port is held: no one else can listen there while the environment lives.
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err());
    let err = reqwest::get(format!("{}/health", env.api_url()))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

#[tokio::test]
async fn stale_sessions_has_six_active_sessions_idle_for_40_to_90_minutes() {
    let env = MockEnvironment::start(Scenario::StaleSessions).await;
    let body = json(admin_get(&env, SESSIONS).await).await;
    let sessions = body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 20);
    let ages = active_session_ages(&body);
    let stale: Vec<_> = ages
        .iter()
        .filter(|age| **age >= SignedDuration::from_mins(15))
        .collect();
    assert_eq!(stale.len(), 6, "{ages:?}");
    for age in stale {
        assert!(*age >= SignedDuration::from_mins(40), "{age:?}");
        assert!(*age <= SignedDuration::from_mins(91), "{age:?}");
    }
    let active = body["active"].as_u64().unwrap();
    let total = body["total"].as_u64().unwrap();
    assert!(active >= ages.len() as u64);
    assert!(total >= sessions.len() as u64 && total >= active);
}

#[tokio::test]
async fn flaky_fails_twice_per_endpoint_then_recovers() {
    let env = MockEnvironment::start(Scenario::Flaky).await;
    for path in [
        "/health",
        "/ready",
        "/api/projects",
        "/api/admin/ai-runtime/health",
        SESSIONS,
    ] {
        for attempt in 1..=Scenario::FLAKY_FAILURES {
            let response = admin_get(&env, path).await;
            assert_eq!(response.status(), 503, "{path} attempt {attempt}");
        }
        let response = admin_get(&env, path).await;
        assert_eq!(response.status(), 200, "{path} after recovering");
        assert_eq!(admin_get(&env, path).await.status(), 200, "{path} stays up");
    }
    for expected in [503, 503, 200] {
        let (status, _) = dry_run(&env, "support-agent").await;
        assert_eq!(status, expected);
    }
}

#[tokio::test]
async fn debug_output_never_shows_the_admin_token() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let debug = format!("{env:?}");
    assert!(!debug.contains(env.admin_token()), "{debug}");
    assert!(debug.contains(&env.api_url()));
    let builder = MockEnvironment::builder().admin_token("secret-token-that-must-not-show-42");
    assert!(!format!("{builder:?}").contains("secret-token-that-must-not-show-42"));
}

#[tokio::test]
async fn an_invalid_admin_token_or_a_taken_port_is_an_error_not_a_panic() {
    for token in ["", "has space", "tab\there"] {
        let err = MockEnvironment::builder()
            .admin_token(token)
            .start()
            .await
            .unwrap_err();
        assert!(
            matches!(err, release_testkit::StartError::AdminToken { .. }),
            "{err:?}"
        );
        if !token.is_empty() {
            assert!(!err.to_string().contains(token));
        }
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = MockEnvironment::builder()
        .api_port(port)
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(err, release_testkit::StartError::Bind { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(&port.to_string()));
}
