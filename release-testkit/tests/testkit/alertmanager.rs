//! The Alertmanager mock and its recorded answers, over real HTTP on loopback.

use jiff::Timestamp;
use release_testkit::{AlertmanagerMock, RecordedResponse, fixtures};
use serde_json::{Value, json};

/// The cases gates' tests rely on (external-apis.md 3.2 and 3.3).
const REQUIRED_CASES: &[&str] = &[
    "none",
    "critical-active",
    "warning-active",
    "mixed",
    "suppressed-silenced",
    "muted-by-time-interval",
    "pre-0.28-no-muted-by",
    "unprocessed",
    "error-400-string",
    "error-500-string",
    "v1-410-deprecated",
    "not-an-array",
    "null-body",
    "html-502",
];

const V1_GONE: &str = r#"{"status":"deprecated","error":"The Alertmanager v1 API was deprecated in version 0.16.0 and is removed as of version 0.27.0 - please use the equivalent route in the v2 API"}"#;

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

    /// The `alertname/service` of every alert in the answer, in order.
    fn names(&self) -> Vec<String> {
        self.json()
            .as_array()
            .unwrap_or_else(|| panic!("not an array: {}", self.text))
            .iter()
            .map(|alert| {
                format!(
                    "{}/{}",
                    alert["labels"]["alertname"].as_str().unwrap_or_default(),
                    alert["labels"]["service"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}

async fn alerts(mock: &AlertmanagerMock, params: &[(&str, &str)]) -> Reply {
    let url =
        reqwest::Url::parse_with_params(&format!("{}/api/v2/alerts", mock.url()), params).unwrap();
    send(reqwest::Client::new().get(url)).await
}

/// Query parameters, in order.
type Params<'a> = &'a [(&'a str, &'a str)];

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

/// Five alerts: api critical active, web warning active, worker warning silenced, api warning
/// inhibited by the critical one, web critical unprocessed.
fn five_alerts() -> Value {
    let critical = AlertmanagerMock::alert("HighErrorRate", "critical", "active");
    let warning = with_service(
        AlertmanagerMock::alert("HighLatency", "warning", "active"),
        "web",
    );
    let silenced = with_service(
        AlertmanagerMock::alert("DiskSpaceLow", "warning", "suppressed"),
        "worker",
    );
    let mut inhibited = AlertmanagerMock::alert("HighLatency", "warning", "suppressed");
    inhibited["status"]["silencedBy"] = json!([]);
    inhibited["status"]["inhibitedBy"] = json!([critical["fingerprint"].clone()]);
    let unprocessed = with_service(
        AlertmanagerMock::alert("HighErrorRate", "critical", "unprocessed"),
        "web",
    );
    json!([critical, warning, silenced, inhibited, unprocessed])
}

fn with_service(mut alert: Value, service: &str) -> Value {
    alert["labels"]["service"] = json!(service);
    alert["fingerprint"] = json!(AlertmanagerMock::fingerprint(&alert["labels"]));
    alert
}

#[test]
fn every_case_loads_and_is_sane() {
    let cases = fixtures::alertmanager_cases().unwrap();
    let names: Vec<&str> = cases.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, AlertmanagerMock::CASES);
    for required in REQUIRED_CASES {
        assert!(names.contains(required), "missing alertmanager/{required}");
    }
    let millis = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$").unwrap();
    let recorded_at: Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
    for name in &names {
        let recorded = fixtures::alertmanager_case(name).unwrap();
        assert!(
            recorded
                .description
                .as_deref()
                .is_some_and(|d| !d.is_empty()),
            "{name} has no description"
        );
        for header in recorded.headers.keys() {
            assert_eq!(header, &header.to_ascii_lowercase(), "{name}");
        }
        if *name == "html-502" {
            assert_eq!(recorded.content_type(), Some("text/html"));
            continue;
        }
        assert_eq!(recorded.content_type(), Some("application/json"), "{name}");
        let body: Value = serde_json::from_slice(&recorded.body_bytes())
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let Value::Array(alerts) = body else {
            continue;
        };
        assert_eq!(recorded.status, 200, "{name}");
        assert_eq!(
            recorded.headers.get("cache-control").map(String::as_str),
            Some("no-store")
        );
        let fingerprints: Vec<&str> = alerts
            .iter()
            .map(|alert| alert["fingerprint"].as_str().unwrap())
            .collect();
        assert!(fingerprints.is_sorted(), "{name}: sorted by fingerprint");
        for alert in &alerts {
            for key in ["labels", "annotations"] {
                let map = alert[key]
                    .as_object()
                    .unwrap_or_else(|| panic!("{name}: {key}"));
                assert!(map.values().all(Value::is_string), "{name}: {key}");
            }
            for label in ["alertname", "severity", "service", "env"] {
                assert!(alert["labels"][label].is_string(), "{name}: label {label}");
            }
            assert!(alert["receivers"][0]["name"].is_string(), "{name}");
            let fingerprint = alert["fingerprint"].as_str().unwrap();
            assert_eq!(fingerprint.len(), 16, "{name}");
            assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
            assert_eq!(
                AlertmanagerMock::fingerprint(&alert["labels"]),
                fingerprint,
                "{name}"
            );
            for key in ["startsAt", "updatedAt", "endsAt"] {
                let time = alert[key].as_str().unwrap_or_default();
                assert!(millis.is_match(time), "{name}: {key} {time}");
            }
            let ends: Timestamp = alert["endsAt"].as_str().unwrap().parse().unwrap();
            assert!(
                ends > recorded_at,
                "{name}: firing alerts end in the future"
            );
            let status = &alert["status"];
            assert!(
                ["active", "suppressed", "unprocessed"]
                    .contains(&status["state"].as_str().unwrap()),
                "{name}"
            );
            assert!(status["silencedBy"].is_array(), "{name}");
            assert!(status["inhibitedBy"].is_array(), "{name}");
            assert_eq!(
                status.get("mutedBy").is_some(),
                *name != "pre-0.28-no-muted-by",
                "{name}: mutedBy"
            );
            let suppressed = ["silencedBy", "inhibitedBy", "mutedBy"]
                .iter()
                .any(|key| status[key].as_array().is_some_and(|ids| !ids.is_empty()));
            assert_eq!(suppressed, status["state"] == "suppressed", "{name}");
        }
    }
}

#[test]
fn case_names_may_hold_dots_but_system_names_may_not() {
    assert!(fixtures::response("alertmanager", "pre-0.28-no-muted-by").is_ok());
    for (system, case) in [
        ("health", ".hidden"),
        ("health", ".."),
        ("a.b", "x"),
        ("..", "x"),
    ] {
        let err = fixtures::response(system, case).unwrap_err();
        assert!(
            matches!(err, release_testkit::FixtureError::Name { .. }),
            "{system}/{case}: {err:?}"
        );
    }
}

#[test]
fn the_cases_show_what_their_names_say() {
    let case = |name| fixtures::alertmanager_case(name).unwrap();
    assert_eq!(case("none").body, json!([]));
    assert_eq!(case("none").body_bytes(), b"[]");
    let critical = &case("critical-active").body[0];
    assert_eq!(critical["labels"]["severity"], "critical");
    assert_eq!(critical["status"]["state"], "active");
    let warning = &case("warning-active").body[0];
    assert_eq!(warning["labels"]["severity"], "warning");

    let mixed = case("mixed").body;
    let mixed = mixed.as_array().unwrap();
    assert_eq!(mixed.len(), 4);
    let by_state = |state: &str| {
        mixed
            .iter()
            .filter(|a| a["status"]["state"] == state)
            .count()
    };
    assert_eq!(by_state("active"), 2);
    assert_eq!(by_state("suppressed"), 2);
    let inhibited = mixed
        .iter()
        .find(|a| {
            a["status"]["inhibitedBy"]
                .as_array()
                .is_some_and(|ids| !ids.is_empty())
        })
        .unwrap();
    let inhibitor = &inhibited["status"]["inhibitedBy"][0];
    assert!(
        mixed
            .iter()
            .any(|a| &a["fingerprint"] == inhibitor && a["labels"]["severity"] == "critical")
    );
    assert!(mixed.iter().any(|a| {
        a["status"]["silencedBy"]
            .as_array()
            .is_some_and(|ids| !ids.is_empty())
    }));

    let muted = &case("muted-by-time-interval").body[0]["status"];
    assert_eq!(muted["state"], "suppressed");
    assert_eq!(muted["mutedBy"], json!(["out-of-business-hours"]));
    assert_eq!(muted["silencedBy"], json!([]));
    assert_eq!(
        case("unprocessed").body[0]["status"]["state"],
        "unprocessed"
    );

    let error_400 = case("error-400-string");
    assert_eq!(error_400.status, 400);
    let body: Value = serde_json::from_slice(&error_400.body_bytes()).unwrap();
    assert!(body.is_string(), "a JSON string body");
    let error_500 = case("error-500-string");
    assert_eq!(error_500.status, 500);
    assert!(
        serde_json::from_slice::<Value>(&error_500.body_bytes())
            .unwrap()
            .is_string()
    );

    let gone = case("v1-410-deprecated");
    assert_eq!(gone.status, 410);
    assert_eq!(gone.body_bytes(), format!("{V1_GONE}\n").as_bytes());
    assert!(case("not-an-array").body.is_object());
    assert_eq!(case("null-body").body_bytes(), b"null");
    assert_eq!(case("html-502").status, 502);
}

#[tokio::test]
async fn filters_match_like_alertmanager() {
    let mock = AlertmanagerMock::start().await;
    mock.set_alerts(five_alerts()).await;

    let all = alerts(&mock, &[]).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.headers["content-type"], "application/json");
    assert_eq!(all.headers["cache-control"], "no-store");
    assert_eq!(all.names().len(), 5);
    let fingerprints: Vec<String> = all
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["fingerprint"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        fingerprints.is_sorted(),
        "sorted by fingerprint: {fingerprints:?}"
    );

    let cases: &[(&[&str], &[&str])] = &[
        (
            &[r#"severity="critical""#],
            &["HighErrorRate/api", "HighErrorRate/web"],
        ),
        (
            &["severity=critical"],
            &["HighErrorRate/api", "HighErrorRate/web"],
        ),
        (
            &[r#"severity!="critical""#],
            &["DiskSpaceLow/worker", "HighLatency/api", "HighLatency/web"],
        ),
        (
            &[r#"alertname=~"High.*""#, r#"service="api""#],
            &["HighErrorRate/api", "HighLatency/api"],
        ),
        (&[r#"alertname=~"High""#], &[]),
        (&[r#"service!~"api|web""#], &["DiskSpaceLow/worker"]),
        (
            &[r#"team="""#],
            &[
                "DiskSpaceLow/worker",
                "HighErrorRate/api",
                "HighErrorRate/web",
                "HighLatency/api",
                "HighLatency/web",
            ],
        ),
        (&[r#"team!="""#], &[]),
        (
            &[
                r#"env="production""#,
                r#"severity="warning""#,
                r#"service="web""#,
            ],
            &["HighLatency/web"],
        ),
    ];
    for (filters, expected) in cases {
        let params: Vec<(&str, &str)> = filters.iter().map(|f| ("filter", *f)).collect();
        let reply = alerts(&mock, &params).await;
        assert_eq!(reply.status, 200, "{filters:?}: {}", reply.text);
        assert_eq!(sorted(reply.names()), *expected, "{filters:?}");
    }

    for (filter, message) in [
        ("alertname", "bad matcher format: alertname"),
        (
            r#"{severity="critical"}"#,
            r#"unexpected open or close brace: {severity="critical"}"#,
        ),
    ] {
        let reply = alerts(&mock, &[("filter", filter)]).await;
        assert_eq!(reply.status, 400, "{filter}");
        assert_eq!(reply.headers["content-type"], "application/json");
        assert_eq!(
            reply.text,
            format!("\"{}\"\n", message.replace('"', "\\\""))
        );
        assert_eq!(reply.json(), json!(message));
    }
    let bad_regex = alerts(&mock, &[("filter", r#"alertname=~"(""#)]).await;
    assert_eq!(bad_regex.status, 400);
    assert!(
        bad_regex
            .json()
            .as_str()
            .unwrap()
            .starts_with("error parsing regexp: ")
    );

    let requests = mock.requests().await;
    assert_eq!(requests[1].filters(), [r#"severity="critical""#]);
    assert_eq!(
        requests[4].filters(),
        [r#"alertname=~"High.*""#, r#"service="api""#]
    );
}

#[tokio::test]
async fn state_parameters_filter_like_alertmanager() {
    let mock = AlertmanagerMock::start().await;
    mock.set_alerts(five_alerts()).await;
    let every = [
        "DiskSpaceLow/worker",
        "HighErrorRate/api",
        "HighErrorRate/web",
        "HighLatency/api",
        "HighLatency/web",
    ];
    let cases: &[(Params<'_>, &[&str])] = &[
        (
            &[
                ("active", "true"),
                ("silenced", "true"),
                ("inhibited", "true"),
            ],
            &every,
        ),
        // The usual gate question: firing and neither silenced nor inhibited. Unprocessed
        // alerts are not "active", yet they stay.
        (
            &[("silenced", "false"), ("inhibited", "false")],
            &["HighErrorRate/api", "HighErrorRate/web", "HighLatency/web"],
        ),
        // active=false is not "inactive": it drops the active ones.
        (
            &[("active", "false")],
            &[
                "DiskSpaceLow/worker",
                "HighErrorRate/web",
                "HighLatency/api",
            ],
        ),
        (
            &[("silenced", "false")],
            &[
                "HighErrorRate/api",
                "HighErrorRate/web",
                "HighLatency/api",
                "HighLatency/web",
            ],
        ),
        (
            &[("inhibited", "false")],
            &[
                "DiskSpaceLow/worker",
                "HighErrorRate/api",
                "HighErrorRate/web",
                "HighLatency/web",
            ],
        ),
        // unprocessed is accepted and ignored, as by the real handler.
        (&[("unprocessed", "false")], &every),
        // go-openapi's ConvertBool: not a true word means false, never an error.
        (
            &[("active", "maybe")],
            &[
                "DiskSpaceLow/worker",
                "HighErrorRate/web",
                "HighLatency/api",
            ],
        ),
        (
            &[("active", "0")],
            &[
                "DiskSpaceLow/worker",
                "HighErrorRate/web",
                "HighLatency/api",
            ],
        ),
        (&[("active", "YES")], &every),
        // An empty value keeps the default; the last of repeated values wins.
        (&[("active", "")], &every),
        (&[("active", "false"), ("active", "true")], &every),
        (
            &[
                ("active", "false"),
                ("silenced", "false"),
                ("inhibited", "false"),
            ],
            &["HighErrorRate/web"],
        ),
        // receiver: an anchored regex over receivers[].name.
        (
            &[("receiver", "pagerduty-prod")],
            &["HighErrorRate/api", "HighErrorRate/web"],
        ),
        (&[("receiver", "pagerduty")], &[]),
        (&[("receiver", "slack.*|pagerduty-prod")], &every),
    ];
    for (params, expected) in cases {
        let reply = alerts(&mock, params).await;
        assert_eq!(reply.status, 200, "{params:?}: {}", reply.text);
        assert_eq!(sorted(reply.names()), *expected, "{params:?}");
    }
    let bad = alerts(&mock, &[("receiver", "(")]).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()
            .as_str()
            .unwrap()
            .starts_with("failed to parse receiver param: error parsing regexp: ")
    );
}

#[tokio::test]
async fn resolved_alerts_are_left_out_and_non_arrays_served_as_is() {
    let mock = AlertmanagerMock::start().await;
    let mut resolved = AlertmanagerMock::alert("HighLatency", "warning", "active");
    resolved["endsAt"] = json!("2026-01-01T00:00:00.000Z");
    let firing = AlertmanagerMock::alert("HighErrorRate", "critical", "active");
    mock.set_alerts(json!([resolved, firing])).await;
    assert_eq!(alerts(&mock, &[]).await.names(), ["HighErrorRate/api"]);

    mock.set_alerts(json!([])).await;
    assert_eq!(alerts(&mock, &[]).await.text, "[]\n");

    mock.set_alerts(json!({ "status": "success", "data": [] }))
        .await;
    let object = alerts(&mock, &[("filter", "alertname")]).await;
    assert_eq!(object.status, 200);
    assert_eq!(object.json(), json!({ "status": "success", "data": [] }));
    mock.set_alerts(Value::Null).await;
    assert_eq!(alerts(&mock, &[]).await.text, "null\n");
}

#[tokio::test]
async fn recorded_cases_are_served_verbatim_until_alerts_are_set() {
    let mock = AlertmanagerMock::start().await;
    mock.set_alerts(five_alerts()).await;
    for name in AlertmanagerMock::CASES {
        mock.respond_case(name).await.unwrap();
        let recorded = fixtures::alertmanager_case(name).unwrap();
        // The parameters are ignored.
        let reply = alerts(&mock, &[("active", "false"), ("filter", "not a matcher")]).await;
        assert_eq!(reply.status, recorded.status, "{name}");
        assert_eq!(reply.text.as_bytes(), recorded.body_bytes(), "{name}");
        assert_eq!(
            reply.headers["content-type"].to_str().unwrap(),
            recorded.content_type().unwrap(),
            "{name}"
        );
    }
    assert!(mock.respond_case("no-such-case").await.is_err());

    mock.respond(RecordedResponse::json(500, json!("internal error")))
        .await;
    assert_eq!(alerts(&mock, &[]).await.status, 500);
    mock.set_alerts(five_alerts()).await;
    assert_eq!(alerts(&mock, &[]).await.names().len(), 5);
}

#[tokio::test]
async fn case_alerts_are_moved_to_now_and_filtered() {
    let mock = AlertmanagerMock::start().await;
    mock.set_case_alerts("mixed").await.unwrap();
    let all = alerts(&mock, &[]).await;
    assert_eq!(all.names().len(), 4, "moved to now, so still firing");
    let ends: Timestamp = all.json()[0]["endsAt"].as_str().unwrap().parse().unwrap();
    assert!(ends > Timestamp::now());

    let firing = alerts(&mock, &[("silenced", "false"), ("inhibited", "false")]).await;
    assert_eq!(
        sorted(firing.names()),
        ["HighErrorRate/api", "HighLatency/web"]
    );
    let critical = alerts(
        &mock,
        &[
            ("silenced", "false"),
            ("inhibited", "false"),
            ("filter", r#"severity="critical""#),
        ],
    )
    .await;
    assert_eq!(critical.names(), ["HighErrorRate/api"]);

    for not_alerts in ["html-502", "not-an-array", "null-body", "error-400-string"] {
        assert!(
            mock.set_case_alerts(not_alerts).await.is_err(),
            "{not_alerts}"
        );
    }
    assert!(mock.set_case_alerts("no-such-case").await.is_err());

    // A muted alert is suppressed but neither silenced nor inhibited: it survives all three
    // state parameters set to false.
    mock.set_case_alerts("muted-by-time-interval")
        .await
        .unwrap();
    let muted = alerts(
        &mock,
        &[
            ("active", "false"),
            ("silenced", "false"),
            ("inhibited", "false"),
        ],
    )
    .await;
    assert_eq!(muted.names(), ["BatchJobStale/worker"]);
}

#[tokio::test]
async fn the_v1_api_is_gone() {
    let mock = AlertmanagerMock::start().await;
    let client = reqwest::Client::new();
    for (method, path) in [
        ("GET", "/api/v1/alerts"),
        ("POST", "/api/v1/alerts"),
        ("GET", "/api/v1/status"),
        ("GET", "/api/v1/receivers"),
        ("GET", "/api/v1/silences"),
        ("POST", "/api/v1/silences"),
        (
            "GET",
            "/api/v1/silence/9f1c2e7a-4b3d-4a8e-b6f0-2d5c8e1a7b34",
        ),
        (
            "DELETE",
            "/api/v1/silence/9f1c2e7a-4b3d-4a8e-b6f0-2d5c8e1a7b34",
        ),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let reply = send(client.request(method.clone(), format!("{}{path}", mock.url()))).await;
        assert_eq!(reply.status, 410, "{method} {path}");
        assert_eq!(reply.headers["content-type"], "application/json");
        assert_eq!(reply.text, format!("{V1_GONE}\n"), "{method} {path}");
        assert_eq!(reply.json()["status"], "deprecated");
    }
    let recorded = fixtures::alertmanager_case("v1-410-deprecated").unwrap();
    let reply = send(client.get(format!("{}/api/v1/alerts?silenced=false", mock.url()))).await;
    assert_eq!(reply.text.as_bytes(), recorded.body_bytes());

    for (method, path) in [
        ("DELETE", "/api/v1/alerts"),
        ("GET", "/api/v1/query"),
        ("POST", "/api/v2/alerts"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let reply = send(client.request(method.clone(), format!("{}{path}", mock.url()))).await;
        assert_eq!(reply.status, 404, "{method} {path}");
    }
    let requests = mock.requests().await;
    assert_eq!(requests.len(), 12);
    assert_eq!(requests[0].path, "/api/v1/alerts");
    assert_eq!(requests[1].method, "POST");
}

#[tokio::test]
async fn requests_keep_headers_and_parameters() {
    let mock = AlertmanagerMock::start().await;
    send(
        reqwest::Client::new()
            .get(format!(
                "{}/api/v2/alerts?active=true&silenced=false&inhibited=false&filter=env%3D%22production%22",
                mock.url()
            ))
            .basic_auth("gate", Some("s3cret")),
    )
    .await;
    let request = &mock.requests().await[0];
    assert_eq!(request.param("silenced"), Some("false"));
    assert_eq!(request.filters(), [r#"env="production""#]);
    assert!(
        request
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert!(!format!("{request:?}").contains(request.header("authorization").unwrap()));
}
