//! The Prometheus mock and its recorded answers, over real HTTP on loopback.

use release_testkit::{PrometheusMock, RecordedResponse, fixtures};
use serde_json::{Value, json};

/// The cases gates' tests rely on (external-apis.md 2.3 to 2.5).
const REQUIRED_CASES: &[&str] = &[
    "vector-one",
    "vector-two-series",
    "scalar",
    "string",
    "matrix",
    "empty",
    "warnings-infos",
    "nan",
    "plus-inf",
    "minus-inf",
    "tiny-exponent",
    "integer-timestamp",
    "bad-data-400",
    "execution-422",
    "timeout-503",
    "canceled-499",
    "internal-500",
    "unavailable-500",
    "not-found-404",
    "not-acceptable-406",
    "error-with-200",
    "success-with-400",
    "proxy-html-502",
    "proxy-401-text",
    "native-histogram",
];

const ERROR_RATIO: &str = r#"sum(rate(http_requests_total{service="api",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="api"}[5m]))"#;

struct Reply {
    status: u16,
    content_type: Option<String>,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text))
    }

    fn value(&self) -> Value {
        self.json()["data"]["result"][0]["value"][1].clone()
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    Reply {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        text: response.text().await.unwrap(),
    }
}

async fn get(mock: &PrometheusMock, path: &str, params: &[(&str, &str)]) -> Reply {
    let url = reqwest::Url::parse_with_params(&format!("{}{path}", mock.url()), params).unwrap();
    reply(reqwest::get(url).await.unwrap()).await
}

async fn post_form(mock: &PrometheusMock, path: &str, params: &[(&str, &str)]) -> Reply {
    let body: String = url_encode(params);
    let response = reqwest::Client::new()
        .post(format!("{}{path}", mock.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    reply(response).await
}

fn url_encode(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[test]
fn every_case_loads_and_is_sane() {
    let cases = fixtures::prometheus_cases().unwrap();
    let names: Vec<&str> = cases.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, PrometheusMock::CASES);
    for required in REQUIRED_CASES {
        assert!(names.contains(required), "missing prometheus/{required}");
    }
    for (name, path) in &cases {
        assert!(path.ends_with(format!("prometheus/{name}.json")));
        let recorded = fixtures::prometheus_case(name).unwrap();
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
        let content_type = recorded.content_type().unwrap_or_default();
        if name.starts_with("proxy-") {
            assert!(content_type.starts_with("text/"), "{name}: {content_type}");
            assert!(serde_json::from_slice::<Value>(&recorded.body_bytes()).is_err());
            continue;
        }
        assert_eq!(content_type, "application/json", "{name}");
        let body: Value = serde_json::from_slice(&recorded.body_bytes())
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let status = body["status"].as_str().unwrap_or_default();
        match status {
            "success" => {
                assert!(body["data"]["resultType"].is_string(), "{name}");
                assert!(body.get("errorType").is_none(), "{name}");
            }
            "error" => {
                assert!(body["errorType"].is_string(), "{name}");
                assert!(body["error"].is_string(), "{name}");
                assert!(body.get("data").is_none(), "{name}");
                // Error envelopes are Prometheus's exact bytes.
                let text = recorded.body.as_str().unwrap_or_default();
                assert!(
                    text.starts_with(r#"{"status":"error","errorType":"#),
                    "{name}"
                );
            }
            other => panic!("{name}: status {other:?}"),
        }
        // The HTTP code in the name (or 200).
        let code = name
            .rsplit('-')
            .next()
            .and_then(|last| last.parse::<u16>().ok())
            .unwrap_or(200);
        assert_eq!(recorded.status, code, "{name}");
    }
}

#[test]
fn the_cases_show_what_their_names_say() {
    let case = |name| fixtures::prometheus_case(name).unwrap();
    let value = |name| case(name).body["data"]["result"][0]["value"].clone();

    assert_eq!(value("vector-one")[1], "0.012");
    assert_eq!(
        case("vector-one").body["data"]["result"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        case("vector-two-series").body["data"]["result"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(value("nan")[1], "NaN");
    assert_eq!(value("plus-inf")[1], "+Inf");
    assert_eq!(value("minus-inf")[1], "-Inf");
    assert_eq!(value("tiny-exponent")[1], "1e-07");
    assert_eq!(value("huge-exponent")[1], "1e+21");
    // Every sample value parses as f64 (Rust accepts NaN, +Inf, -Inf, 1e-07).
    for name in [
        "vector-one",
        "nan",
        "plus-inf",
        "minus-inf",
        "tiny-exponent",
    ] {
        assert!(
            value(name)[1].as_str().unwrap().parse::<f64>().is_ok(),
            "{name}"
        );
        assert!(value(name)[0].is_f64(), "{name}: a timestamp with decimals");
    }
    let integer = value("integer-timestamp");
    assert!(integer[0].is_u64(), "{integer}");
    assert!(
        fixtures::prometheus_case("integer-timestamp")
            .unwrap()
            .body_bytes()
            .windows(11)
            .any(|w| w == b"[1795773600")
    );

    assert_eq!(case("scalar").body["data"]["resultType"], "scalar");
    assert_eq!(case("scalar").body["data"]["result"][1], "1.5");
    assert_eq!(case("string").body["data"]["result"][1], "hello");
    let matrix = case("matrix").body;
    assert_eq!(matrix["data"]["resultType"], "matrix");
    assert_eq!(
        matrix["data"]["result"][0]["values"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(case("empty").body["data"]["result"], json!([]));

    let warned = case("warnings-infos").body;
    assert_eq!(warned["status"], "success");
    assert!(
        warned["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("PromQL warning: ")
    );
    assert!(
        warned["infos"][0]
            .as_str()
            .unwrap()
            .starts_with("PromQL info: ")
    );
    let partial = case("warnings-partial").body;
    assert_eq!(partial["data"]["result"][0]["value"][1], "0.012");
    assert_eq!(partial["warnings"].as_array().unwrap().len(), 1);

    let histogram = &case("native-histogram").body["data"]["result"][0];
    assert!(histogram.get("value").is_none());
    assert_eq!(histogram["histogram"][1]["count"], "42");
    let buckets = histogram["histogram"][1]["buckets"].as_array().unwrap();
    let total: u64 = buckets
        .iter()
        .map(|bucket| bucket[3].as_str().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 42, "the bucket counts add up to count");

    assert_eq!(
        case("bad-data-400").body_bytes(),
        br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:1: parse error: no expression found in input"}"#
    );
    assert_eq!(
        case("not-acceptable-406").body_bytes(),
        br#"{"status":"error","errorType":"not_acceptable","error":"cannot encode response as application/default-format"}"#
    );
    assert_eq!(
        case("error-with-200").body_bytes(),
        br#"{"status":"error","errorType":"internal","error":"multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"}"#
    );
    let inconsistent = case("success-with-400");
    assert_eq!(inconsistent.status, 400);
    assert_eq!(inconsistent.body["status"], "success");
    for (name, error_type) in [
        ("execution-422", "execution"),
        ("timeout-503", "timeout"),
        ("canceled-499", "canceled"),
        ("internal-500", "internal"),
        ("unavailable-500", "unavailable"),
        ("not-found-404", "not_found"),
    ] {
        let body: Value = serde_json::from_slice(&case(name).body_bytes()).unwrap();
        assert_eq!(body["errorType"], error_type, "{name}");
    }
    let html = case("proxy-html-502");
    assert_eq!(html.content_type(), Some("text/html"));
    assert!(
        html.body
            .as_str()
            .unwrap()
            .contains("<title>502 Bad Gateway</title>")
    );
    let proxy = case("proxy-401-text");
    assert_eq!(proxy.content_type(), Some("text/plain; charset=utf-8"));
    assert!(proxy.headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn a_query_is_matched_exactly_via_get_and_post_form() {
    let mock = PrometheusMock::start().await;
    mock.respond(ERROR_RATIO, PrometheusMock::vector(0.012))
        .await;

    let via_get = get(&mock, "/api/v1/query", &[("query", ERROR_RATIO)]).await;
    assert_eq!(via_get.status, 200);
    assert_eq!(via_get.content_type.as_deref(), Some("application/json"));
    assert_eq!(via_get.value(), "0.012");

    let via_post = post_form(
        &mock,
        "/api/v1/query",
        &[("query", ERROR_RATIO), ("time", "1795773600")],
    )
    .await;
    assert_eq!(via_post.value(), "0.012");

    // Not the same text: the default answer.
    let spaced = format!("{ERROR_RATIO} ");
    let other = get(&mock, "/api/v1/query", &[("query", &spaced)]).await;
    assert_eq!(other.json()["data"]["result"], json!([]));
    let other = get(&mock, "/api/v1/query", &[("query", "up")]).await;
    assert_eq!(other.json()["data"]["result"], json!([]));

    // As in Go's FormValue: the form body wins over the URL.
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/query?query=up", mock.url()))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(url_encode(&[("query", ERROR_RATIO)]))
        .send()
        .await
        .unwrap();
    assert_eq!(reply(response).await.value(), "0.012");

    // A POST body that is not form-encoded is not read: no query at all.
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/query", mock.url()))
        .header("content-type", "application/json")
        .body(url_encode(&[("query", ERROR_RATIO)]))
        .send()
        .await
        .unwrap();
    let json_post = reply(response).await;
    assert_eq!(json_post.status, 400);
    assert_eq!(json_post.json()["errorType"], "bad_data");

    let requests = mock.requests().await;
    assert_eq!(requests.len(), 6);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[1].method, "POST");
    assert_eq!(requests[1].query.as_deref(), Some(ERROR_RATIO));
    assert_eq!(requests[1].param("time"), Some("1795773600"));
    assert_eq!(requests[4].query.as_deref(), Some(ERROR_RATIO));
    assert_eq!(
        requests[4].params.len(),
        2,
        "body and URL: {:?}",
        requests[4].params
    );
    assert_eq!(requests[5].query, None);
}

#[tokio::test]
async fn a_sequence_is_served_in_turn_then_the_last_repeats() {
    let mock = PrometheusMock::start().await;
    mock.respond_sequence(
        ERROR_RATIO,
        vec![
            PrometheusMock::vector(0.2),
            PrometheusMock::error(503, "timeout", "query timed out in expression evaluation"),
            PrometheusMock::vector_str("NaN"),
            PrometheusMock::vector(0.001),
        ],
    )
    .await;
    let mut seen = Vec::new();
    for i in 0..7 {
        // Alternate GET and POST: the queue is the query's, whatever the method.
        let answer = if i % 2 == 0 {
            get(&mock, "/api/v1/query", &[("query", ERROR_RATIO)]).await
        } else {
            post_form(&mock, "/api/v1/query", &[("query", ERROR_RATIO)]).await
        };
        let body = answer.json();
        seen.push(match body["status"].as_str() {
            Some("success") => body["data"]["result"][0]["value"][1].clone(),
            _ => json!(answer.status),
        });
    }
    assert_eq!(
        seen,
        [
            json!("0.2"),
            json!(503),
            json!("NaN"),
            json!("0.001"),
            json!("0.001"),
            json!("0.001"),
            json!("0.001")
        ]
    );

    // Scripting again starts over; an empty script falls back to the default.
    mock.respond_sequence(ERROR_RATIO, vec![PrometheusMock::vector(0.5)])
        .await;
    assert_eq!(
        get(&mock, "/api/v1/query", &[("query", ERROR_RATIO)])
            .await
            .value(),
        "0.5"
    );
    mock.respond_sequence(ERROR_RATIO, Vec::new()).await;
    let default = get(&mock, "/api/v1/query", &[("query", ERROR_RATIO)]).await;
    assert_eq!(default.json()["data"]["result"], json!([]));
}

#[tokio::test]
async fn an_unknown_query_gets_an_empty_success() {
    let mock = PrometheusMock::start().await;
    let instant = get(&mock, "/api/v1/query", &[("query", "up")]).await;
    assert_eq!(instant.status, 200);
    assert_eq!(
        instant.json(),
        json!({ "status": "success", "data": { "resultType": "vector", "result": [] } })
    );
    let range = get(
        &mock,
        "/api/v1/query_range",
        &[
            ("query", "up"),
            ("start", "1795773000"),
            ("end", "1795773600"),
            ("step", "15s"),
        ],
    )
    .await;
    assert_eq!(range.status, 200);
    assert_eq!(
        range.json(),
        json!({ "status": "success", "data": { "resultType": "matrix", "result": [] } })
    );
}

#[tokio::test]
async fn parameters_are_checked_like_prometheus_before_any_script() {
    let mock = PrometheusMock::start().await;
    mock.respond("up", PrometheusMock::vector(1.0)).await;
    let error = |reply: &Reply| {
        assert_eq!(reply.status, 400, "{}", reply.text);
        let body = reply.json();
        assert_eq!(body["status"], "error");
        assert_eq!(body["errorType"], "bad_data");
        body["error"].as_str().unwrap().to_owned()
    };

    let no_query = get(&mock, "/api/v1/query", &[]).await;
    let bad_data = fixtures::prometheus_case("bad-data-400").unwrap();
    assert_eq!(no_query.text.as_bytes(), bad_data.body_bytes());
    let blank = get(&mock, "/api/v1/query", &[("query", "  ")]).await;
    assert_eq!(blank.text.as_bytes(), bad_data.body_bytes());
    assert_eq!(
        error(
            &get(
                &mock,
                "/api/v1/query",
                &[("query", "up"), ("time", "yesterday")]
            )
            .await
        ),
        r#"invalid parameter "time": cannot parse "yesterday" to a valid timestamp"#
    );
    assert_eq!(
        error(
            &get(
                &mock,
                "/api/v1/query",
                &[("query", "up"), ("timeout", "soon")]
            )
            .await
        ),
        r#"invalid parameter "timeout": cannot parse "soon" to a valid duration"#
    );
    // RFC 3339 and float seconds are both times.
    for time in ["2026-11-27T10:00:00Z", "1795773600.5"] {
        let ok = get(&mock, "/api/v1/query", &[("query", "up"), ("time", time)]).await;
        assert_eq!(ok.value(), "1", "{time}");
    }

    let range = |start: &'static str, end: &'static str, step: &'static str| {
        let mock = &mock;
        async move {
            get(
                mock,
                "/api/v1/query_range",
                &[
                    ("query", "up"),
                    ("start", start),
                    ("end", end),
                    ("step", step),
                ],
            )
            .await
        }
    };
    assert_eq!(
        error(&range("", "1795773600", "15s").await),
        r#"invalid parameter "start": cannot parse "" to a valid timestamp"#
    );
    assert_eq!(
        error(&range("1795773600", "1795773000", "15s").await),
        "end timestamp must not be before start time"
    );
    assert_eq!(
        error(&range("1795773000", "1795773600", "fast").await),
        r#"invalid parameter "step": cannot parse "fast" to a valid duration"#
    );
    assert_eq!(
        error(&range("1795773000", "1795773600", "0").await),
        "zero or negative query resolution step widths are not accepted. Try a positive integer"
    );
    assert_eq!(
        error(&range("1795000000", "1795773600", "1s").await),
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"
    );
    // 11,000 points exactly is fine, and the script answers.
    let ok = range("1795762600", "1795773600", "1").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.value(), "1", "the scripted answer, whatever its type");

    // The failed requests did not use up the script, and were recorded.
    assert_eq!(
        get(&mock, "/api/v1/query", &[("query", "up")])
            .await
            .value(),
        "1"
    );
    assert_eq!(mock.requests().await.len(), 13);
}

#[tokio::test]
async fn every_case_is_served_verbatim() {
    let mock = PrometheusMock::start().await;
    for (index, name) in PrometheusMock::CASES.iter().enumerate() {
        let query = format!("case_{index}");
        mock.respond_case(&query, name).await.unwrap();
        let recorded = fixtures::prometheus_case(name).unwrap();
        let answer = get(&mock, "/api/v1/query", &[("query", &query)]).await;
        assert_eq!(answer.status, recorded.status, "{name}");
        assert_eq!(
            answer.content_type.as_deref(),
            recorded.content_type(),
            "{name}"
        );
        assert_eq!(answer.text.as_bytes(), recorded.body_bytes(), "{name}");
    }
    let err = mock.respond_case("up", "no-such-case").await.unwrap_err();
    assert!(err.to_string().contains("no-such-case"), "{err}");
    assert!(mock.respond_case("up", "../health/plain-ok").await.is_err());
}

#[tokio::test]
async fn requests_keep_headers_for_auth_checks() {
    let mock = PrometheusMock::start().await;
    reqwest::Client::new()
        .get(format!("{}/api/v1/query?query=up", mock.url()))
        .bearer_auth("prom-token-1234")
        .header("X-Scope-OrgID", "tenant-a")
        .send()
        .await
        .unwrap();
    let request = &mock.requests().await[0];
    assert_eq!(request.path, "/api/v1/query");
    assert_eq!(
        request.header("Authorization"),
        Some("Bearer prom-token-1234")
    );
    assert_eq!(request.header("x-scope-orgid"), Some("tenant-a"));
    assert!(!format!("{request:?}").contains("prom-token-1234"));
}

#[tokio::test]
async fn other_methods_and_paths_are_refused() {
    let mock = PrometheusMock::start().await;
    let put = reqwest::Client::new()
        .put(format!("{}/api/v1/query?query=up", mock.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);
    assert_eq!(put.headers()["allow"], "GET, OPTIONS, POST");
    let other = reqwest::get(format!("{}/api/v1/series", mock.url()))
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    assert_eq!(other.text().await.unwrap(), "404 page not found\n");
    assert_eq!(mock.requests().await.len(), 2);
}

#[test]
fn the_helpers_build_prometheus_shapes() {
    let vector = PrometheusMock::vector(0.012);
    assert_eq!(vector.content_type(), Some("application/json"));
    let sample = &vector.body["data"]["result"][0]["value"];
    let ts = sample[0].as_f64().unwrap();
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    assert!((now - ts).abs() < 60.0, "{ts} is now");
    let written = String::from_utf8(vector.body_bytes()).unwrap();
    assert!(
        !written.contains(".0,"),
        "no Go-unlike trailing .0: {written}"
    );

    let error: RecordedResponse = PrometheusMock::error(400, "bad_data", "bad <query> & more");
    assert_eq!(error.status, 400);
    let body: Value = serde_json::from_slice(&error.body_bytes()).unwrap();
    assert_eq!(body["error"], "bad <query> & more");
    assert!(
        String::from_utf8(error.body_bytes())
            .unwrap()
            .contains(r"\u003cquery\u003e \u0026"),
        "escaped like Go"
    );
}
