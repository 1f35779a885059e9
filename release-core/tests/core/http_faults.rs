//! The HTTP gates against hostile and broken upstreams, over real HTTP on loopback: hung
//! sockets, huge, empty and malformed bodies, rate limits, status errors and cross-host
//! redirects. Each gives a verdict with its reason; none panics or leaks the token.

use std::time::Duration;

use release_core::gates::http::{HttpGate, HttpGateSpec};
use release_core::gates::sessions::{SessionsGate, SessionsGateSpec};
use release_core::{Baseline, Context, Evaluation, Gate, GateInfo, Redactor, Verdict};
use release_testkit::{Fault, MockEnvironment, RecordedResponse, Scenario};

fn http_gate(toml_spec: &str, timeout: Option<Duration>) -> HttpGate {
    let spec: HttpGateSpec = toml::from_str(toml_spec).expect("spec");
    let mut info = GateInfo::new("probe", "http");
    info.timeout = timeout;
    HttpGate::new(info, spec).expect("gate")
}

fn context(env: &MockEnvironment) -> Context {
    let mut redactor = Redactor::new();
    redactor.add(env.admin_token());
    Context::builder("staging")
        .url("api_url", env.api_url())
        .url("web_url", env.web_url())
        .token("admin", "RELEASE_ADMIN_TOKEN")
        .vars(release_core::Vars::from_pairs([(
            "RELEASE_ADMIN_TOKEN",
            env.admin_token(),
        )]))
        .redactor(redactor)
        .build()
}

fn dump(evaluation: &Evaluation) -> String {
    format!("{evaluation:?}")
}

#[tokio::test]
async fn a_hung_endpoint_costs_at_most_the_gates_timeout() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", Fault::Hang).await;
    let gate = http_gate(
        "url = '{api_url}/health'\nretries = 3",
        Some(Duration::from_secs(1)),
    );
    let started = std::time::Instant::now();
    let evaluation = gate.evaluate(&context(&env)).await;
    let elapsed = started.elapsed();
    assert_eq!(evaluation.verdict, Verdict::Error);
    assert!(
        evaluation.summary.starts_with("no answer within"),
        "{}",
        evaluation.summary
    );
    assert_eq!(evaluation.observations[0].rule, "timeout");
    assert!(
        elapsed < Duration::from_secs(5),
        "a 1 s budget took {elapsed:?}"
    );
}

#[tokio::test]
async fn a_huge_body_is_cut_at_the_cap_and_reported() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", Fault::OversizedBody(10 * 1024 * 1024))
        .await;
    let gate = http_gate("url = '{api_url}/health'\nexpect = { health = true }", None);
    let evaluation = gate.evaluate(&context(&env)).await;
    assert_eq!(evaluation.verdict, Verdict::Error, "{}", dump(&evaluation));
    assert!(
        evaluation.observations[0]
            .observed
            .as_str()
            .unwrap()
            .contains("larger than the 1048576 byte cap")
    );
    let response = evaluation
        .evidence
        .iter()
        .find(|e| e.name == "response")
        .unwrap();
    assert_eq!(
        response.detail.split(", ").nth(1),
        Some("1048576 bytes (cut at the cap)"),
        "read up to the cap only"
    );

    // Without anything to parse, a big page is only noted.
    let status_only = http_gate("url = '{api_url}/health'", None)
        .evaluate(&context(&env))
        .await;
    assert_eq!(status_only.verdict, Verdict::Pass);
}

#[tokio::test]
async fn empty_and_malformed_bodies_are_errors_with_the_reason() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", Fault::EmptyBody).await;
    env.inject("/ready", Fault::MalformedJson).await;
    let cx = context(&env);
    let empty = http_gate("url = '{api_url}/health'\nexpect = { health = true }", None)
        .evaluate(&cx)
        .await;
    assert_eq!(empty.verdict, Verdict::Error);
    assert_eq!(
        empty.observations[0].observed,
        "empty body where a health status was expected"
    );
    let json =
        "url = '{api_url}/ready'\nexpect = { json = [{ path = '$.status', value = 'pass' }] }";
    let malformed = http_gate(json, None).evaluate(&cx).await;
    assert_eq!(malformed.verdict, Verdict::Error);
    assert!(
        malformed.observations[0]
            .observed
            .as_str()
            .unwrap()
            .starts_with("malformed JSON"),
        "{}",
        dump(&malformed)
    );
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_servers_delay() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject(
        "/health",
        Fault::RateLimited {
            retry_after_secs: 1,
            times: 1,
        },
    )
    .await;
    let gate = http_gate(
        "url = '{api_url}/health'\nretries = 2\nretry_backoff = '10ms'",
        None,
    );
    let started = std::time::Instant::now();
    let evaluation = gate.evaluate(&context(&env)).await;
    assert_eq!(evaluation.verdict, Verdict::Pass, "{}", dump(&evaluation));
    assert_eq!(evaluation.attempts, 2);
    assert!(
        evaluation
            .evidence
            .iter()
            .any(|e| e.detail == "attempt 1: status 429, retried after 1s (Retry-After)")
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 wins over a 10ms backoff"
    );

    // Without retries, the 429 is the answer.
    env.inject(
        "/ready",
        Fault::RateLimited {
            retry_after_secs: 1,
            times: 5,
        },
    )
    .await;
    let once = http_gate("url = '{api_url}/ready'", None)
        .evaluate(&context(&env))
        .await;
    assert_eq!(once.verdict, Verdict::Fail);
    assert_eq!(once.observations[0].observed, 429);
}

#[tokio::test]
async fn status_and_header_expectations_fail_with_observations() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", Fault::Status(502)).await;
    let evaluation = http_gate(
        "url = '{api_url}/health'\nexpect = { status = [200, 204] }",
        None,
    )
    .evaluate(&context(&env))
    .await;
    assert_eq!(evaluation.verdict, Verdict::Fail);
    assert_eq!(evaluation.summary, "status: 502, expected [200,204]");
    let header = http_gate(
        "url = '{web_url}/'\nexpect = { headers = { content-type = 'application/json' } }",
        None,
    )
    .evaluate(&context(&env))
    .await;
    assert_eq!(header.verdict, Verdict::Fail);
    assert_eq!(header.observations[0].rule, "header");
}

#[tokio::test]
async fn a_redirect_to_another_host_never_carries_the_token() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/api/admin/ai-runtime/health", Fault::RedirectToOtherHost)
        .await;
    let gate = http_gate(
        "url = '{api_url}/api/admin/ai-runtime/health'\ntoken = 'admin'\nexpect = { health = true }",
        None,
    );
    let evaluation = gate.evaluate(&context(&env)).await;
    assert_eq!(
        evaluation.verdict,
        Verdict::Pass,
        "the other host answers pass: {}",
        dump(&evaluation)
    );
    let first = env.received_requests().await;
    assert!(
        first
            .iter()
            .any(|r| r.headers.get("authorization").is_some()),
        "the token went to its own host"
    );
    let other = env.other_host_requests().await;
    assert_eq!(other.len(), 1, "the redirect was followed");
    assert!(
        other[0].headers.get("authorization").is_none(),
        "the token did not follow the redirect"
    );
    assert!(!dump(&evaluation).contains(env.admin_token()));
}

#[tokio::test]
async fn observed_values_that_hold_a_secret_are_redacted() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let body = format!(
        r#"{{ "status": 200, "headers": {{ "content-type": "application/json" }}, "body": {{ "echo": "token={}" }} }}"#,
        env.admin_token()
    );
    env.serve_recorded("GET", "/echo", &RecordedResponse::from_json(&body).unwrap())
        .await;
    let gate = http_gate(
        "url = '{api_url}/echo'\nexpect = { json = [{ path = '$.echo', value = 'nothing' }] }",
        None,
    );
    let evaluation = gate.evaluate(&context(&env)).await;
    assert_eq!(evaluation.verdict, Verdict::Fail);
    assert_eq!(evaluation.observations[0].observed, "token=[redacted]");
}

#[tokio::test]
async fn a_missing_token_or_base_url_is_an_error_naming_it() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let cx = Context::builder("staging")
        .url("api_url", env.api_url())
        .token("admin", "RELEASE_ADMIN_TOKEN")
        .build();
    let no_token = http_gate("url = '{api_url}/health'\ntoken = 'admin'", None)
        .evaluate(&cx)
        .await;
    assert_eq!(no_token.verdict, Verdict::Error);
    assert_eq!(
        no_token.summary,
        "token `admin`: RELEASE_ADMIN_TOKEN is not set"
    );
    let no_url = http_gate("url = '{web_url}/'", None).evaluate(&cx).await;
    assert_eq!(no_url.verdict, Verdict::Error);
    assert!(
        no_url.summary.contains("has no `web_url`"),
        "{}",
        no_url.summary
    );
}

fn sessions_gate() -> SessionsGate {
    let spec: SessionsGateSpec = toml::from_str("max_stale = { warn = 10, fail = 20 }\ngrowth = { warn = 2, fail = 5, warn_percent = 50, fail_percent = 200 }").unwrap();
    SessionsGate::new(GateInfo::new("agent-sessions", "sessions"), spec).unwrap()
}

async fn sessions_with_baseline(baseline: Option<f64>) -> Evaluation {
    let env = MockEnvironment::start(Scenario::StaleSessions).await;
    let mut builder = Context::builder("staging")
        .url("api_url", env.api_url())
        .token("admin", "RELEASE_ADMIN_TOKEN")
        .vars(release_core::Vars::from_pairs([(
            "RELEASE_ADMIN_TOKEN",
            env.admin_token(),
        )]));
    if let Some(value) = baseline {
        builder = builder.baseline(
            "agent-sessions.stale_active_sessions",
            Baseline {
                value,
                source: "release log: run r1".into(),
            },
        );
    }
    sessions_gate().evaluate(&builder.build()).await
}

#[tokio::test]
async fn session_growth_is_judged_against_the_baseline_and_names_it() {
    // Six stale sessions in the sample; absolute limits (10/20) hold.
    let none = sessions_with_baseline(None).await;
    assert_eq!(none.verdict, Verdict::Pass, "{}", dump(&none));
    assert_eq!(none.measurements[0].value, 6.0);

    let from_four = sessions_with_baseline(Some(4.0)).await;
    assert_eq!(
        from_four.verdict,
        Verdict::Pass,
        "+2 and +50% are at, not over, the limits: {}",
        dump(&from_four)
    );

    let from_two = sessions_with_baseline(Some(2.0)).await;
    assert_eq!(from_two.verdict, Verdict::Warn, "{}", dump(&from_two));
    let rules: Vec<&str> = from_two
        .observations
        .iter()
        .map(|o| o.rule.as_str())
        .collect();
    assert_eq!(rules, ["growth.warn", "growth.warn_percent"]);
    assert_eq!(
        from_two.observations[0].baseline,
        Some(2.into()),
        "`2`, not `2.0`"
    );
    assert!(
        from_two
            .evidence
            .iter()
            .any(|e| e.detail == "2 from release log: run r1")
    );

    // A zero baseline counts as 1 for relative limits: 0 -> 6 is +500%, and +6 sessions.
    let from_zero = sessions_with_baseline(Some(0.0)).await;
    assert_eq!(from_zero.verdict, Verdict::Fail);
    let rules: Vec<&str> = from_zero
        .observations
        .iter()
        .map(|o| o.rule.as_str())
        .collect();
    assert_eq!(rules, ["growth.fail", "growth.fail_percent"]);
}

/// A sessions gate over a sample served at `/sample`, with a baseline.
async fn sessions_over(sample: serde_json::Value, spec: &str, baseline: Option<f64>) -> Evaluation {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let recorded = serde_json::json!({ "status": 200, "headers": { "content-type": "application/json" }, "body": sample });
    env.serve_recorded(
        "GET",
        "/sample",
        &RecordedResponse::from_json(&recorded.to_string()).unwrap(),
    )
    .await;
    let spec: SessionsGateSpec =
        toml::from_str(&format!("url = '{{api_url}}/sample'\n{spec}")).unwrap();
    let gate = SessionsGate::new(GateInfo::new("s", "sessions"), spec).unwrap();
    let mut builder = Context::builder("staging")
        .url("api_url", env.api_url())
        .token("admin", "RELEASE_ADMIN_TOKEN")
        .vars(release_core::Vars::from_pairs([(
            "RELEASE_ADMIN_TOKEN",
            env.admin_token(),
        )]));
    if let Some(value) = baseline {
        builder = builder.baseline(
            "s.stale_active_sessions",
            Baseline {
                value,
                source: "test".into(),
            },
        );
    }
    gate.evaluate(&builder.build()).await
}

fn stale_sessions(n: usize) -> serde_json::Value {
    let sessions: Vec<_> = (0..n)
        .map(|i| serde_json::json!({ "id": format!("s{i}"), "status": "active", "lastActivityAt": "2020-01-01T00:00:00Z" }))
        .collect();
    serde_json::json!({ "total": n, "active": n, "sessions": sessions })
}

#[tokio::test]
async fn the_zero_baseline_rule_counts_zero_as_one() {
    // 0 -> 3 reads as +200% (the documented rule), not +300%: at, not over, a fail limit of 200%.
    let evaluation = sessions_over(
        stale_sessions(3),
        "max_stale = { fail = 100 }\ngrowth = { fail_percent = 200 }",
        Some(0.0),
    )
    .await;
    assert_eq!(evaluation.verdict, Verdict::Pass, "{evaluation:?}");
    let over = sessions_over(
        stale_sessions(4),
        "max_stale = { fail = 100 }\ngrowth = { fail_percent = 200 }",
        Some(0.0),
    )
    .await;
    assert_eq!(over.verdict, Verdict::Fail, "0 -> 4 is +300%: {over:?}");
    assert_eq!(over.observations[0].baseline, Some(0.into()));
}

#[tokio::test]
async fn stale_sessions_fail_by_the_plans_limits() {
    let env = MockEnvironment::start(Scenario::StaleSessions).await;
    let spec: SessionsGateSpec = toml::from_str("max_stale = { warn = 2, fail = 5 }").unwrap();
    let gate = SessionsGate::new(GateInfo::new("agent-sessions", "sessions"), spec).unwrap();
    let evaluation = gate.evaluate(&context(&env)).await;
    assert_eq!(evaluation.verdict, Verdict::Fail);
    assert_eq!(evaluation.observations[0].rule, "max_stale.fail");
    assert_eq!(evaluation.observations[0].expected, "<= 5");
}

#[tokio::test]
async fn an_empty_or_unlabelled_sample_is_never_a_silent_pass() {
    let empty = sessions_over(
        serde_json::json!({ "total": 500, "active": 300, "sessions": [] }),
        "max_stale = { fail = 5 }",
        None,
    )
    .await;
    assert_eq!(empty.verdict, Verdict::Inconclusive, "{empty:?}");
    let unlabelled = sessions_over(
        serde_json::json!({ "sessions": [ { "id": "x" } ] }),
        "max_stale = { fail = 5 }",
        None,
    )
    .await;
    assert_eq!(unlabelled.verdict, Verdict::Warn, "{unlabelled:?}");
    assert_eq!(unlabelled.observations[0].name, "sessions.status");
}

#[test]
fn a_sessions_gate_needs_an_absolute_limit() {
    let spec: SessionsGateSpec = toml::from_str("growth = { warn = 2 }").unwrap();
    let err = SessionsGate::new(GateInfo::new("s", "sessions"), spec).unwrap_err();
    assert!(err.to_string().contains("max_stale"), "{err}");
}

#[tokio::test]
async fn a_server_slower_than_the_retries_can_afford_keeps_its_real_answer() {
    // A 503 after 700 ms with a 1 s budget: a retry would only time out and hide the 503.
    use wiremock::matchers::path;
    let env = MockEnvironment::start(Scenario::Healthy).await;
    wiremock::Mock::given(path("/slow503"))
        .respond_with(wiremock::ResponseTemplate::new(503).set_delay(Duration::from_millis(700)))
        .mount(env.api_server())
        .await;
    let gate = http_gate(
        "url = '{api_url}/slow503'\nretries = 3\nretry_backoff = '10ms'",
        Some(Duration::from_secs(1)),
    );
    let evaluation = gate.evaluate(&context(&env)).await;
    assert_eq!(evaluation.verdict, Verdict::Fail, "{evaluation:?}");
    assert_eq!(evaluation.observations[0].observed, 503);
    assert_eq!(evaluation.attempts, 1);
}

#[tokio::test]
async fn a_failing_component_under_a_passing_service_warns() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let body = r#"{ "status": 200, "headers": { "content-type": "application/health+json" }, "body": { "status": "pass", "checks": { "db:responseTime": [ { "status": "fail", "output": "timeout" } ] } } }"#;
    env.serve_recorded("GET", "/mixed", &RecordedResponse::from_json(body).unwrap())
        .await;
    let evaluation = http_gate("url = '{api_url}/mixed'\nexpect = { health = true }", None)
        .evaluate(&context(&env))
        .await;
    assert_eq!(evaluation.verdict, Verdict::Warn, "{evaluation:?}");
    assert_eq!(evaluation.observations[0].name, "health.db:responseTime");
}

#[tokio::test]
async fn control_plane_roles_that_are_not_ready_warn_and_an_empty_runtime_fails() {
    use release_core::gates::ai_runtime::{AiRuntimeGate, AiRuntimeGateSpec};
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let serve = |path: &str, body: serde_json::Value| {
        let recorded = serde_json::json!({ "status": 200, "headers": { "content-type": "application/json" }, "body": body });
        let recorded = RecordedResponse::from_json(&recorded.to_string()).unwrap();
        let path = path.to_owned();
        let env = &env;
        async move { env.serve_recorded("GET", &path, &recorded).await }
    };
    serve("/unready", serde_json::json!({ "summary": { "health": "ok", "rolesTotal": 2, "rolesBlocked": 0 },
        "roles": [ { "role": "a", "status": "ready" }, { "role": "b", "status": "unavailable" } ] })).await;
    serve("/empty", serde_json::json!({ "summary": { "health": "ok", "rolesTotal": 0, "rolesBlocked": 0 }, "roles": [] })).await;
    let gate = |path: &str| {
        let spec: AiRuntimeGateSpec =
            toml::from_str(&format!("url = '{{api_url}}{path}'")).unwrap();
        AiRuntimeGate::new(GateInfo::new("ai", "ai-runtime"), spec).unwrap()
    };
    let unready = gate("/unready").evaluate(&context(&env)).await;
    assert_eq!(unready.verdict, Verdict::Warn, "{unready:?}");
    assert_eq!(unready.summary, "roles.b: unavailable, expected ready");
    let empty = gate("/empty").evaluate(&context(&env)).await;
    assert_eq!(empty.verdict, Verdict::Fail, "{empty:?}");
}

/// Bodies every HTTP-based gate must refuse the same way, whatever reads them: (body, what
/// the reason says).
fn hostile_bodies() -> Vec<(Vec<u8>, &'static str)> {
    let deep = |levels: usize| {
        format!(
            r#"{{"status":"pass","summary":{{"health":"ok","rolesBlocked":0}},"sessions":[],"x":{}1{}}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
        .into_bytes()
    };
    vec![
        (
            b"{\"status\":\"\xff\xfeok\"}".to_vec(),
            "malformed JSON: not UTF-8 (byte 0xff) at line 1 column 12",
        ),
        (
            br#"{"status":"fail","status":"pass","summary":{"health":"ok","rolesBlocked":0},"sessions":[]}"#.to_vec(),
            r#"malformed JSON: duplicate key "status" at line 1 column"#,
        ),
        (
            br#"{"status":"pass","summary":{"health":"ok","rolesBlocked":0,"rolesBlocked":0},"sessions":[]}"#.to_vec(),
            r#"malformed JSON: duplicate key "rolesBlocked" at line 1 column"#,
        ),
        (deep(200), "JSON nested deeper than 128 levels"),
        (deep(128), "JSON nested deeper than 128 levels"),
    ]
}

fn raw_body(body: &[u8], content_type: &str) -> Fault {
    Fault::Body {
        status: 200,
        content_type: content_type.to_owned(),
        body: body.to_vec(),
    }
}

#[tokio::test]
async fn every_gate_reads_a_hostile_body_the_same_way() {
    use release_core::gates::ai_runtime::{AiRuntimeGate, AiRuntimeGateSpec};
    for (body, reason) in hostile_bodies() {
        let env = MockEnvironment::start(Scenario::Healthy).await;
        env.inject("/health", raw_body(&body, "application/health+json"))
            .await;
        env.inject("/assert", raw_body(&body, "application/json"))
            .await;
        env.inject("/ai", raw_body(&body, "application/json")).await;
        env.inject("/sessions", raw_body(&body, "application/json"))
            .await;
        let cx = context(&env);
        let health = http_gate("url = '{api_url}/health'\nexpect = { health = true }", None)
            .evaluate(&cx)
            .await;
        let asserted = http_gate(
            "url = '{api_url}/assert'\nexpect = { json = [{ path = '$.status', op = 'exists' }] }",
            None,
        )
        .evaluate(&cx)
        .await;
        let spec: AiRuntimeGateSpec = toml::from_str("url = '{api_url}/ai'").unwrap();
        let ai = AiRuntimeGate::new(GateInfo::new("ai", "ai-runtime"), spec)
            .unwrap()
            .evaluate(&cx)
            .await;
        let spec: SessionsGateSpec =
            toml::from_str("url = '{api_url}/sessions'\nmax_stale = { fail = 5 }").unwrap();
        let sessions = SessionsGate::new(GateInfo::new("s", "sessions"), spec)
            .unwrap()
            .evaluate(&cx)
            .await;
        for (kind, evaluation) in [
            ("health", &health),
            ("expect.json", &asserted),
            ("ai-runtime", &ai),
            ("sessions", &sessions),
        ] {
            let shown = String::from_utf8_lossy(&body);
            assert_eq!(
                evaluation.verdict,
                Verdict::Error,
                "{kind} on {shown}: {}",
                dump(evaluation)
            );
            assert!(
                evaluation.summary.contains(reason),
                "{kind} on {shown}: {}",
                evaluation.summary
            );
        }
    }
}

#[tokio::test]
async fn nesting_up_to_128_levels_is_read() {
    // The object itself is level 1: 127 arrays inside it make 128.
    let body = format!(
        r#"{{"status":"pass","x":{}1{}}}"#,
        "[".repeat(127),
        "]".repeat(127)
    );
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject(
        "/health",
        raw_body(body.as_bytes(), "application/health+json"),
    )
    .await;
    let evaluation = http_gate(
        "url = '{api_url}/health'\nexpect = { health = true, json = [{ path = '$.status', value = 'pass' }] }",
        None,
    )
    .evaluate(&context(&env))
    .await;
    assert_eq!(evaluation.verdict, Verdict::Pass, "{}", dump(&evaluation));
}

#[tokio::test]
async fn a_health_status_no_format_defines_is_an_error_never_a_pass() {
    for (body, said) in [
        (r#"{"status":"banana"}"#, "`banana`"),
        (r#"{"status":""}"#, "empty"),
        (r#"{"status":"\ufffd\ufffdok"}"#, "`\u{fffd}\u{fffd}ok`"),
        // A control character is quoted escaped, never dropped: the message says what came.
        (r#"{"status":"pass\u0000"}"#, r"`pass\u{0}`"),
        (r#"{"status":"\u001b[2Jpass"}"#, r"`\u{1b}[2Jpass`"),
    ] {
        let env = MockEnvironment::start(Scenario::Healthy).await;
        env.inject(
            "/health",
            raw_body(body.as_bytes(), "application/health+json"),
        )
        .await;
        let evaluation = http_gate("url = '{api_url}/health'\nexpect = { health = true }", None)
            .evaluate(&context(&env))
            .await;
        assert_eq!(
            evaluation.verdict,
            Verdict::Error,
            "{body}: {}",
            dump(&evaluation)
        );
        assert_eq!(
            evaluation.summary,
            format!("health: the health body's `status` is {said}, which no health format defines")
        );
    }
    // `unknown` itself is a status: no indicator knows, which is inconclusive.
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject(
        "/health",
        raw_body(br#"{"status":"UNKNOWN"}"#, "application/json"),
    )
    .await;
    let unknown = http_gate("url = '{api_url}/health'\nexpect = { health = true }", None)
        .evaluate(&context(&env))
        .await;
    assert_eq!(unknown.verdict, Verdict::Inconclusive, "{}", dump(&unknown));
}

#[tokio::test]
async fn timeouts_name_the_limit_that_fired_as_configured() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", Fault::Hang).await;
    for (timeout, said) in [
        (Duration::from_secs(1), "1s"),
        (Duration::from_millis(1500), "1.5s"),
    ] {
        let evaluation = http_gate("url = '{api_url}/health'\nretries = 2", Some(timeout))
            .evaluate(&context(&env))
            .await;
        assert_eq!(
            evaluation.summary,
            format!("no answer within {said} (the gate's timeout)")
        );
        assert_eq!(
            evaluation.observations[0].observed,
            format!("no answer within {said} (the gate's timeout)")
        );
    }
}

/// A loopback address whose listener never accepts and whose queue is full, so a connect to it
/// hangs (Linux drops the SYN) until the connect timeout; the sockets keep it so.
fn unconnectable() -> (String, Vec<std::net::TcpStream>, socket2::Socket) {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut held = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) => held.push(stream),
            Err(_) => return (format!("http://{addr}"), held, listener),
        }
    }
    panic!("the listen queue never filled")
}

#[tokio::test]
async fn a_connect_timeout_is_named_as_such() {
    let (url, _held, _listener) = unconnectable();
    let client =
        release_core::net::HttpClient::with_connect_timeout(Duration::from_millis(300)).unwrap();
    let cx = Context::builder("staging")
        .url("api_url", url)
        .http(client)
        .build();
    let started = std::time::Instant::now();
    let evaluation = http_gate("url = '{api_url}/health'", Some(Duration::from_secs(3)))
        .evaluate(&cx)
        .await;
    assert_eq!(evaluation.verdict, Verdict::Error, "{}", dump(&evaluation));
    assert_eq!(
        evaluation.summary,
        "could not connect within 300ms (connect timeout)"
    );
    assert_eq!(evaluation.observations[0].rule, "reachable");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_says_why_no_retry_was_made() {
    for (retry_after_secs, why) in [
        (
            5,
            "not retried: the server asked to wait 5s (Retry-After), longer than the gate's 2s timeout allows",
        ),
        (
            45,
            "not retried: the server asked to wait 45s (Retry-After), more than the 30s a retry may wait",
        ),
    ] {
        let env = MockEnvironment::start(Scenario::Healthy).await;
        env.inject(
            "/health",
            Fault::RateLimited {
                retry_after_secs,
                times: 5,
            },
        )
        .await;
        let evaluation = http_gate(
            "url = '{api_url}/health'\nretries = 2",
            Some(Duration::from_secs(2)),
        )
        .evaluate(&context(&env))
        .await;
        assert_eq!(evaluation.verdict, Verdict::Fail, "{}", dump(&evaluation));
        assert_eq!(evaluation.attempts, 1);
        assert_eq!(
            evaluation.summary,
            format!("status: 429, expected 2xx; {why}")
        );
        assert!(evaluation.evidence.iter().any(|e| e.detail == why));
    }
}

#[tokio::test]
async fn a_status_the_plan_does_not_allow_leads_before_the_body() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", Fault::Status(404)).await;
    env.inject(
        "/ready",
        Fault::Body {
            status: 404,
            content_type: "text/html".into(),
            body: b"<html><title>Not Found</title></html>".to_vec(),
        },
    )
    .await;
    env.inject(
        "/down",
        Fault::Body {
            status: 503,
            content_type: "application/health+json".into(),
            body: br#"{"status":"fail","output":"database unreachable"}"#.to_vec(),
        },
    )
    .await;
    let cx = context(&env);
    for path in ["/health", "/ready"] {
        let evaluation = http_gate(
            &format!("url = '{{api_url}}{path}'\nexpect = {{ health = true, json = [{{ path = '$.status', op = 'exists' }}] }}"),
            None,
        )
        .evaluate(&cx)
        .await;
        assert_eq!(
            evaluation.verdict,
            Verdict::Fail,
            "{path}: {}",
            dump(&evaluation)
        );
        assert_eq!(evaluation.summary, "status: 404, expected 2xx", "{path}");
    }
    let down = http_gate("url = '{api_url}/down'\nexpect = { health = true }", None)
        .evaluate(&cx)
        .await;
    assert_eq!(down.verdict, Verdict::Fail, "{}", dump(&down));
    assert_eq!(
        down.summary,
        "status: 503, expected 2xx; health.status: fail (database unreachable), expected pass"
    );
}

#[tokio::test]
async fn a_dry_run_refused_with_an_error_body_keeps_its_words() {
    use release_core::gates::ai_runtime::{AiRuntimeGate, AiRuntimeGateSpec};
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/api/admin/ai-runtime/dry-run", Fault::Status(500))
        .await;
    let spec: AiRuntimeGateSpec =
        toml::from_str("probe = 'dry-run'\nroles = ['support-agent']").unwrap();
    let evaluation = AiRuntimeGate::new(GateInfo::new("ai", "ai-runtime"), spec)
        .unwrap()
        .evaluate(&context(&env))
        .await;
    assert_eq!(evaluation.verdict, Verdict::Fail, "{}", dump(&evaluation));
    assert_eq!(
        evaluation.observations[0].observed,
        "status 500: injected status 500"
    );
}

#[tokio::test]
async fn every_gate_kind_says_a_cross_host_redirect_happened() {
    use release_core::gates::ai_runtime::{AiRuntimeGate, AiRuntimeGateSpec};
    let env = MockEnvironment::start(Scenario::Healthy).await;
    // The web server is another host for the client (another port): the token is not sent
    // there, and it answers 401.
    wiremock::Mock::given(wiremock::matchers::path("/denied"))
        .respond_with(
            wiremock::ResponseTemplate::new(401)
                .set_body_raw(r#"{"error":"missing token"}"#, "application/json"),
        )
        .mount(env.web_server())
        .await;
    let denied = format!("{}/denied", env.web_url());
    for path in ["/redirected", "/ai", "/sessions"] {
        env.inject(path, Fault::RedirectTo(denied.clone())).await;
    }
    let cx = context(&env);
    let http = http_gate(
        "url = '{api_url}/redirected'\ntoken = 'admin'\nexpect = { health = true }",
        None,
    )
    .evaluate(&cx)
    .await;
    let spec: AiRuntimeGateSpec = toml::from_str("url = '{api_url}/ai'").unwrap();
    let ai = AiRuntimeGate::new(GateInfo::new("ai", "ai-runtime"), spec)
        .unwrap()
        .evaluate(&cx)
        .await;
    let spec: SessionsGateSpec =
        toml::from_str("url = '{api_url}/sessions'\nmax_stale = { fail = 5 }").unwrap();
    let sessions = SessionsGate::new(GateInfo::new("s", "sessions"), spec)
        .unwrap()
        .evaluate(&cx)
        .await;
    let note = format!("(redirected to another host, {denied}, which the token is never sent to)");
    for (kind, evaluation, status) in [
        ("http", &http, "status: 401, expected 2xx"),
        ("ai-runtime", &ai, "status 401: missing token"),
        ("sessions", &sessions, "status 401: missing token"),
    ] {
        assert_eq!(
            evaluation.verdict,
            Verdict::Fail,
            "{kind}: {}",
            dump(evaluation)
        );
        assert_eq!(evaluation.summary, format!("{status} {note}"), "{kind}");
        assert!(
            evaluation
                .evidence
                .iter()
                .any(|e| e.name == "redirected to" && e.detail == denied),
            "{kind}: {}",
            dump(evaluation)
        );
    }
}

#[tokio::test]
async fn a_health_body_that_says_both_failed_and_passed_fails_named() {
    for (body, summary) in [
        (
            "[+]ping ok\nreadyz check failed\nreadyz check passed\n",
            "health.status: readyz check failed (the body also says `readyz check passed`), expected pass",
        ),
        (
            "readyz check failed\n[+]ping ok\nlivez check passed\n",
            "health.status: readyz check failed (the body also says `livez check passed`), expected pass",
        ),
        (
            "[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check passed\n",
            "health.status: readyz check passed (yet etcd failed), expected pass",
        ),
    ] {
        let env = MockEnvironment::start(Scenario::Healthy).await;
        env.inject("/readyz", raw_body(body.as_bytes(), "text/plain"))
            .await;
        let evaluation = http_gate("url = '{api_url}/readyz'\nexpect = { health = true }", None)
            .evaluate(&context(&env))
            .await;
        assert_eq!(
            evaluation.verdict,
            Verdict::Fail,
            "{body}: {}",
            dump(&evaluation)
        );
        assert_eq!(evaluation.summary, summary, "{body}");
    }
}

#[tokio::test]
async fn every_component_section_of_a_health_body_is_judged() {
    for (body, component) in [
        (
            r#"{"status":"pass","checks":{},"components":{"db":{"status":"DOWN"}}}"#,
            ("health.db", "DOWN"),
        ),
        (
            r#"{"status":"pass","checks":[{"componentId":"db","status":"fail"}]}"#,
            ("health.checks[0]", "fail"),
        ),
        (
            r#"{"status":"UP","components":{"db":{"status":503}}}"#,
            (
                "health.db",
                "unreadable: its `status` is a number, not a string",
            ),
        ),
    ] {
        let env = MockEnvironment::start(Scenario::Healthy).await;
        env.inject("/health", raw_body(body.as_bytes(), "application/json"))
            .await;
        let evaluation = http_gate("url = '{api_url}/health'\nexpect = { health = true }", None)
            .evaluate(&context(&env))
            .await;
        assert_eq!(
            evaluation.verdict,
            Verdict::Warn,
            "{body}: {}",
            dump(&evaluation)
        );
        assert_eq!(
            (
                evaluation.observations[0].name.as_str(),
                &evaluation.observations[0].observed
            ),
            (component.0, &serde_json::Value::from(component.1)),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_byte_order_mark_before_a_body_is_ignored_by_every_gate() {
    use release_core::gates::ai_runtime::{AiRuntimeGate, AiRuntimeGateSpec};
    let body = b"\xef\xbb\xbf{\"status\":\"pass\",\"summary\":{\"health\":\"ok\",\"rolesBlocked\":0},\"sessions\":[]}";
    let env = MockEnvironment::start(Scenario::Healthy).await;
    env.inject("/health", raw_body(body, "application/health+json"))
        .await;
    env.inject("/assert", raw_body(body, "application/json"))
        .await;
    env.inject("/ai", raw_body(body, "application/json")).await;
    env.inject("/sessions", raw_body(body, "application/json"))
        .await;
    env.inject("/text", raw_body(b"\xef\xbb\xbfok", "text/plain"))
        .await;
    let cx = context(&env);
    let health = http_gate("url = '{api_url}/health'\nexpect = { health = true }", None)
        .evaluate(&cx)
        .await;
    let text = http_gate("url = '{api_url}/text'\nexpect = { health = true }", None)
        .evaluate(&cx)
        .await;
    let asserted = http_gate(
        "url = '{api_url}/assert'\nexpect = { json = [{ path = '$.status', value = 'pass' }] }",
        None,
    )
    .evaluate(&cx)
    .await;
    let spec: AiRuntimeGateSpec = toml::from_str("url = '{api_url}/ai'").unwrap();
    let ai = AiRuntimeGate::new(GateInfo::new("ai", "ai-runtime"), spec)
        .unwrap()
        .evaluate(&cx)
        .await;
    let spec: SessionsGateSpec =
        toml::from_str("url = '{api_url}/sessions'\nmax_stale = { fail = 5 }").unwrap();
    let sessions = SessionsGate::new(GateInfo::new("s", "sessions"), spec)
        .unwrap()
        .evaluate(&cx)
        .await;
    for (kind, evaluation) in [
        ("health", &health),
        ("plain text", &text),
        ("expect.json", &asserted),
        ("ai-runtime", &ai),
        ("sessions", &sessions),
    ] {
        assert_eq!(
            evaluation.verdict,
            Verdict::Pass,
            "{kind}: {}",
            dump(evaluation)
        );
    }
}

/// A 503 with these headers for the next five requests.
async fn unavailable_with(env: &MockEnvironment, headers: &[(&str, &str)]) {
    env.inject(
        "/health",
        Fault::WithHeaders {
            status: 503,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            times: 5,
        },
    )
    .await;
}

fn evidence_of<'e>(evaluation: &'e Evaluation, name: &str) -> Vec<&'e str> {
    evaluation
        .evidence
        .iter()
        .filter(|e| e.name == name)
        .map(|e| e.detail.as_str())
        .collect()
}

#[tokio::test]
async fn a_retry_after_date_is_a_wait_from_the_servers_date() {
    const NOW: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
    // One second after the server's own `Date`: one second, whatever our clock says.
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let soon = "Sun, 06 Nov 1994 08:49:38 GMT";
    unavailable_with(&env, &[("Retry-After", soon), ("Date", NOW)]).await;
    let started = std::time::Instant::now();
    let evaluation = http_gate(
        "url = '{api_url}/health'\nretries = 1\nretry_backoff = '10ms'",
        Some(Duration::from_secs(5)),
    )
    .evaluate(&context(&env))
    .await;
    assert_eq!(evaluation.attempts, 2, "{}", dump(&evaluation));
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "the server's second, not the 10ms backoff: {:?}",
        started.elapsed()
    );
    assert_eq!(
        evidence_of(&evaluation, "retried"),
        [format!(
            "attempt 1: status 503, retried after 1s (Retry-After: {soon})"
        )]
    );

    // An hour after it: more than a retry may wait, said with the date.
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let later = "Sun, 06 Nov 1994 09:49:37 GMT";
    unavailable_with(&env, &[("Retry-After", later), ("Date", NOW)]).await;
    let evaluation = http_gate("url = '{api_url}/health'\nretries = 2", None)
        .evaluate(&context(&env))
        .await;
    assert_eq!(evaluation.attempts, 1, "{}", dump(&evaluation));
    let why = format!(
        "not retried: the server asked to wait 1h (Retry-After: {later}), more than the 30s a retry may wait"
    );
    assert_eq!(
        evaluation.summary,
        format!("status: 503, expected 2xx; {why}")
    );

    // In the past (the obsolete RFC 850 form, which a recipient must read too): no wait.
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let past = "Sunday, 06-Nov-94 08:00:00 GMT";
    unavailable_with(&env, &[("Retry-After", past), ("Date", NOW)]).await;
    let evaluation = http_gate(
        "url = '{api_url}/health'\nretries = 1\nretry_backoff = '10s'",
        Some(Duration::from_secs(5)),
    )
    .evaluate(&context(&env))
    .await;
    assert_eq!(evaluation.attempts, 2, "{}", dump(&evaluation));
    assert_eq!(
        evidence_of(&evaluation, "retried"),
        [format!(
            "attempt 1: status 503, retried after 0ms (Retry-After: {past})"
        )]
    );
}

#[tokio::test]
async fn a_retry_after_that_cannot_be_read_is_said_and_the_backoff_used() {
    for value in [
        "-5",
        "3600.0",
        "soon",
        "1 2",
        "Sun, 06 Nov 1994 25:00:00 GMT",
    ] {
        let env = MockEnvironment::start(Scenario::Healthy).await;
        unavailable_with(&env, &[("Retry-After", value)]).await;
        let evaluation = http_gate(
            "url = '{api_url}/health'\nretries = 2\nretry_backoff = '10ms'",
            Some(Duration::from_secs(5)),
        )
        .evaluate(&context(&env))
        .await;
        assert_eq!(evaluation.attempts, 3, "{value}: {}", dump(&evaluation));
        assert_eq!(
            evidence_of(&evaluation, "retry"),
            [format!(
                "Retry-After `{value}` is neither seconds nor an HTTP date; used the backoff"
            )],
            "{value}: once, not once per attempt"
        );
    }
}

#[tokio::test]
async fn a_retry_after_too_large_to_hold_is_a_wait_too_long() {
    for value in ["99999999999999999999", "18446744073709551616", "86401"] {
        let env = MockEnvironment::start(Scenario::Healthy).await;
        unavailable_with(&env, &[("Retry-After", value)]).await;
        let evaluation = http_gate("url = '{api_url}/health'\nretries = 2", None)
            .evaluate(&context(&env))
            .await;
        assert_eq!(evaluation.attempts, 1, "{value}: {}", dump(&evaluation));
        assert_eq!(
            evaluation.summary,
            "status: 503, expected 2xx; not retried: the server asked to wait over a day (Retry-After), more than the 30s a retry may wait",
            "{value}"
        );
    }
}

/// `n` sessions with this status and `lastActivityAt`.
fn sessions_like(
    n: usize,
    status: serde_json::Value,
    last: serde_json::Value,
) -> serde_json::Value {
    let sessions: Vec<_> = (0..n)
        .map(|i| serde_json::json!({ "id": format!("s{i}"), "status": status, "lastActivityAt": last }))
        .collect();
    serde_json::json!({ "sessions": sessions })
}

fn minutes_from_now(minutes: i64) -> serde_json::Value {
    let at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .unwrap();
    serde_json::Value::from(at.to_string())
}

#[tokio::test]
async fn a_session_the_gate_cannot_judge_is_counted_and_said_never_dropped() {
    use serde_json::json;
    let old = json!("2020-01-01T00:00:00Z");
    let limit = "max_stale = { fail = 1 }";
    for (sample, verdict, summary) in [
        // Whitespace and case around a status mean nothing: read as health statuses are.
        (
            sessions_like(5, json!("active "), old.clone()),
            Verdict::Fail,
            "5 stale active sessions (max_stale.fail: expected <= 1)",
        ),
        (
            sessions_like(5, json!(" ACTIVE\n"), old.clone()),
            Verdict::Fail,
            "5 stale active sessions (max_stale.fail: expected <= 1)",
        ),
        // An unknown status on an old session could be a stale active one: counted as such
        // the sample would fail, so it cannot pass.
        (
            sessions_like(5, json!("busy"), old.clone()),
            Verdict::Inconclusive,
            "0 stale active sessions, or up to 5 counting those the gate cannot judge (status `busy` on 5 sessions); max_stale.fail: expected <= 1",
        ),
        (
            sessions_like(5, json!({ "state": "active" }), old.clone()),
            Verdict::Inconclusive,
            "0 stale active sessions, or up to 5 counting those the gate cannot judge (status an object, not a string, on 5 sessions); max_stale.fail: expected <= 1",
        ),
        (
            sessions_like(5, json!("active"), json!("2999-01-01T00:00:00Z")),
            Verdict::Inconclusive,
            "0 stale active sessions, or up to 5 counting those the gate cannot judge (lastActivityAt in the future on 5 active sessions); max_stale.fail: expected <= 1",
        ),
        (
            sessions_like(5, json!("active"), json!(1577836800)),
            Verdict::Inconclusive,
            "0 stale active sessions, or up to 5 counting those the gate cannot judge (lastActivityAt missing or unreadable on 5 active sessions); max_stale.fail: expected <= 1",
        ),
        (
            sessions_like(5, json!("active"), json!("last tuesday")),
            Verdict::Inconclusive,
            "0 stale active sessions, or up to 5 counting those the gate cannot judge (lastActivityAt missing or unreadable on 5 active sessions); max_stale.fail: expected <= 1",
        ),
        // An unknown status on a session active a minute ago cannot hide a stale one: a
        // warning that names it.
        (
            sessions_like(5, json!("busy"), minutes_from_now(-1)),
            Verdict::Warn,
            "0 stale of 0 active sessions; cannot judge status `busy` on 5 sessions",
        ),
        // A clock a little ahead is still "just now".
        (
            sessions_like(5, json!("active"), minutes_from_now(2)),
            Verdict::Pass,
            "0 stale of 5 active sessions",
        ),
        // A session that is over is not judged, whatever its age.
        (
            sessions_like(5, json!("Ended"), old.clone()),
            Verdict::Pass,
            "0 stale of 0 active sessions",
        ),
    ] {
        let evaluation = sessions_over(sample.clone(), limit, None).await;
        assert_eq!(
            evaluation.verdict,
            verdict,
            "{sample}: {}",
            dump(&evaluation)
        );
        assert_eq!(evaluation.summary, summary, "{sample}");
    }
    // One unknown session that cannot reach the fail limit warns.
    let one = sessions_over(
        sessions_like(1, json!("busy"), old.clone()),
        "max_stale = { fail = 5 }",
        None,
    )
    .await;
    assert_eq!(one.verdict, Verdict::Warn, "{}", dump(&one));
    assert_eq!(one.observations[0].name, "sessions.status");
    assert_eq!(one.observations[0].observed, "`busy` on 1 session");
    // One stale active session at the limit, and one unknown: together over it.
    let mut mixed = sessions_like(1, json!("active"), old.clone());
    mixed["sessions"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "x", "status": "paused", "lastActivityAt": old }));
    let mixed = sessions_over(mixed, limit, None).await;
    assert_eq!(mixed.verdict, Verdict::Inconclusive, "{}", dump(&mixed));
    let doubt = mixed
        .observations
        .iter()
        .find(|o| o.name == "stale_active_sessions")
        .unwrap();
    assert_eq!(
        doubt.observed,
        "1, or up to 2 counting 1 session the gate cannot judge"
    );
    assert_eq!(doubt.rule, "max_stale.fail");
    // The measurement a later run compares against is what was judged.
    assert_eq!(mixed.measurements[0].value, 1.0);
    // Growth limits count the doubtful sessions too.
    let growth = sessions_over(
        sessions_like(3, json!("busy"), old),
        "max_stale = { fail = 100 }\ngrowth = { fail = 2 }",
        Some(0.0),
    )
    .await;
    assert_eq!(growth.verdict, Verdict::Inconclusive, "{}", dump(&growth));
}

#[tokio::test]
async fn an_ai_runtime_body_that_gives_two_answers_is_judged_on_the_worse() {
    use release_core::gates::ai_runtime::{AiRuntimeGate, AiRuntimeGateSpec};
    use serde_json::json;
    let ok_summary = json!({ "health": "ok", "rolesTotal": 2, "rolesBlocked": 0 });
    for (body, verdict, summary) in [
        // Case and whitespace around a role's status mean nothing: blocked is blocked.
        (
            json!({ "summary": ok_summary, "roles": [ { "role": "a", "status": "BLOCKED " } ] }),
            Verdict::Fail,
            "1 role blocked: a",
        ),
        (
            json!({ "summary": ok_summary, "roles": [ { "role": "a", "status": " Ready" } ] }),
            Verdict::Pass,
            "health ok, 2 roles, none blocked",
        ),
        // A status the gate cannot read is named as such, not as the word "unknown".
        (
            json!({ "summary": ok_summary, "roles": [ { "role": "a", "status": 5 } ] }),
            Verdict::Warn,
            "roles.a: status a number, not a string, expected ready",
        ),
        (
            json!({ "summary": ok_summary, "roles": [ { "role": "a" } ] }),
            Verdict::Warn,
            "roles.a: status missing, expected ready",
        ),
        (
            json!({ "summary": ok_summary, "roles": [ { "role": "a\u{1b}[2J", "status": "paused" } ] }),
            Verdict::Warn,
            r"roles.a\u{1b}[2J: paused, expected ready",
        ),
        // `summary.x` and a top-level `x` that disagree: the worse one counts.
        (
            json!({ "summary": ok_summary, "rolesBlocked": 2 }),
            Verdict::Fail,
            "2 roles blocked",
        ),
        (
            json!({ "summary": ok_summary, "health": "degraded" }),
            Verdict::Fail,
            "health: degraded, expected ok",
        ),
        (
            json!({ "summary": ok_summary, "health": { "db": "ok" } }),
            Verdict::Pass,
            "health ok, 2 roles, none blocked",
        ),
        (
            json!({ "summary": { "health": 5, "rolesBlocked": 0 } }),
            Verdict::Error,
            "unreadable ai-runtime health: `summary.health` is a number, not a string",
        ),
        // A count that is not one is never skipped for the other: it might be the block.
        (
            json!({ "summary": ok_summary, "rolesBlocked": "2" }),
            Verdict::Error,
            "unreadable ai-runtime health: `rolesBlocked` is a string, not a count",
        ),
        (
            json!({ "summary": { "health": "ok", "rolesBlocked": "2" } }),
            Verdict::Error,
            "unreadable ai-runtime health: `summary.rolesBlocked` is a string, not a count",
        ),
        (
            json!({ "summary": { "health": "ok", "rolesBlocked": -1 } }),
            Verdict::Error,
            "unreadable ai-runtime health: `summary.rolesBlocked` is -1, not a count",
        ),
    ] {
        let env = MockEnvironment::start(Scenario::Healthy).await;
        env.inject(
            "/ai",
            raw_body(body.to_string().as_bytes(), "application/json"),
        )
        .await;
        let spec: AiRuntimeGateSpec = toml::from_str("url = '{api_url}/ai'").unwrap();
        let evaluation = AiRuntimeGate::new(GateInfo::new("ai", "ai-runtime"), spec)
            .unwrap()
            .evaluate(&context(&env))
            .await;
        assert_eq!(evaluation.verdict, verdict, "{body}: {}", dump(&evaluation));
        assert_eq!(evaluation.summary, summary, "{body}");
    }
    // Both counts are shown when they disagree.
    let env = MockEnvironment::start(Scenario::Healthy).await;
    let body = json!({ "summary": ok_summary, "rolesBlocked": 2 });
    env.inject(
        "/ai",
        raw_body(body.to_string().as_bytes(), "application/json"),
    )
    .await;
    let spec: AiRuntimeGateSpec = toml::from_str("url = '{api_url}/ai'").unwrap();
    let evaluation = AiRuntimeGate::new(GateInfo::new("ai", "ai-runtime"), spec)
        .unwrap()
        .evaluate(&context(&env))
        .await;
    assert_eq!(evaluation.observations[0].name, "rolesBlocked");
    assert_eq!(
        evaluation.observations[0].observed,
        "summary.rolesBlocked 0, rolesBlocked 2"
    );
}

#[tokio::test]
async fn a_plain_text_health_body_that_echoes_a_secret_is_quoted_redacted() {
    let env = MockEnvironment::start(Scenario::Healthy).await;
    for (path, body) in [
        ("/echo", format!("token {}", env.admin_token())),
        (
            "/down",
            format!("down: token {} refused", env.admin_token()),
        ),
        // Where the quote is clipped, through the secret: it is replaced before the cut.
        ("/long", format!("{} {}", "x".repeat(90), env.admin_token())),
    ] {
        env.inject(
            path,
            Fault::Body {
                status: 200,
                content_type: "text/plain".into(),
                body: body.into_bytes(),
            },
        )
        .await;
    }
    for (path, verdict) in [
        ("/echo", Verdict::Inconclusive),
        ("/down", Verdict::Fail),
        ("/long", Verdict::Inconclusive),
    ] {
        let evaluation = http_gate(
            &format!("url = '{{api_url}}{path}'\nexpect = {{ health = true }}"),
            None,
        )
        .evaluate(&context(&env))
        .await;
        assert_eq!(evaluation.verdict, verdict, "{}", dump(&evaluation));
        assert!(
            !dump(&evaluation).contains(&env.admin_token()[..6]),
            "{}",
            dump(&evaluation)
        );
        assert!(
            evaluation.summary.contains("[red"),
            "{}",
            evaluation.summary
        );
    }
}
