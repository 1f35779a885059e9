//! A mock of Prometheus's HTTP query API (`/api/v1/query`, `/api/v1/query_range`), answering
//! on the PromQL text.
//!
//! The recorded answers (`fixtures/responses/prometheus/<case>.json`) are listed in that
//! directory's `README.md`.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{MockServer, Request, ResponseTemplate};

use crate::after_deploy::AfterDeploy;
use crate::embedded;
use crate::mock::{self, RedactedHeaders, StatefulMock, Upstream};
use crate::recorded::{FixtureError, RecordedResponse};
use crate::script::Script;

const QUERY: &str = "/api/v1/query";
const QUERY_RANGE: &str = "/api/v1/query_range";

/// The body Prometheus sends for an empty or missing `query` (external-apis.md 2.4).
const NO_EXPRESSION: &str =
    "invalid parameter \"query\": 1:1: parse error: no expression found in input";

/// Prometheus's HTTP query API on loopback: `GET` and `POST` (form-encoded) on `/api/v1/query`
/// and `/api/v1/query_range`, answering on the PromQL text.
///
/// The `query` parameter is read the way Prometheus reads it (Go's `FormValue`): from an
/// `application/x-www-form-urlencoded` `POST` body first, then from the URL. Each PromQL text
/// (matched exactly, on both endpoints) has a queue of [`RecordedResponse`]s, served in order,
/// **the last one repeating**. A query with no script gets a success with no series:
/// `{"status":"success","data":{"resultType":"vector","result":[]}}` on `/api/v1/query`,
/// `resultType` `matrix` on `/api/v1/query_range` (the only type it returns).
///
/// Before any script, the mock checks what Prometheus would, with Prometheus's messages
/// (HTTP 400, `errorType` `bad_data`): an empty or missing `query` (`invalid parameter
/// "query": 1:1: parse error: no expression found in input`), a `time` that is neither RFC 3339
/// nor unix seconds, a `timeout` that is not a duration, and on `query_range` the `start`, `end`
/// and `step` parameters (unparsable, `end` before `start`, a step of zero or less, more than
/// 11,000 points). These answers do
/// not use up a scripted response. Other methods on the two paths get `405 Method Not
/// Allowed`, other paths `404 page not found` (plain text). Every request is recorded.
///
/// ```
/// use release_testkit::PrometheusMock;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let prometheus = PrometheusMock::start().await;
/// let query = r#"sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))"#;
/// prometheus
///     .respond_sequence(query, vec![PrometheusMock::vector(0.2), PrometheusMock::vector(0.001)])
///     .await;
///
/// let url = reqwest::Url::parse_with_params(
///     &format!("{}/api/v1/query", prometheus.url()),
///     [("query", query)],
/// )
/// .unwrap();
/// let client = reqwest::Client::new();
/// let mut values = Vec::new();
/// for _ in 0..3 {
///     let body = client
///         .get(url.clone())
///         .bearer_auth("prometheus-token")
///         .send()
///         .await
///         .unwrap()
///         .text()
///         .await
///         .unwrap();
///     let body: serde_json::Value = serde_json::from_str(&body).unwrap();
///     values.push(body["data"]["result"][0]["value"][1].clone());
/// }
/// assert_eq!(values, ["0.2", "0.001", "0.001"]);
///
/// let requests = prometheus.requests().await;
/// assert_eq!(requests[0].query.as_deref(), Some(query));
/// assert_eq!(requests[0].header("authorization"), Some("Bearer prometheus-token"));
/// # });
/// ```
pub struct PrometheusMock {
    mock: StatefulMock<Prometheus>,
}

/// One request the [`PrometheusMock`] received.
///
/// Its `Debug` output hides the value of the `Authorization` header.
///
/// ```
/// use release_testkit::PrometheusMock;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let prometheus = PrometheusMock::start().await;
/// reqwest::Client::new()
///     .post(format!("{}/api/v1/query?time=1795773600", prometheus.url()))
///     .header("content-type", "application/x-www-form-urlencoded")
///     .header("authorization", "Basic cHJvbTpzZWNyZXQ=")
///     .body("query=up%7Bjob%3D%22api%22%7D&timeout=10s")
///     .send()
///     .await
///     .unwrap();
///
/// let request = &prometheus.requests().await[0];
/// assert_eq!(request.method, "POST");
/// assert_eq!(request.path, "/api/v1/query");
/// assert_eq!(request.query.as_deref(), Some(r#"up{job="api"}"#));
/// assert_eq!(request.param("timeout"), Some("10s"));
/// assert_eq!(request.param("time"), Some("1795773600"));
/// assert!(!format!("{request:?}").contains("cHJvbTpzZWNyZXQ="));
/// # });
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct PrometheusRequest {
    /// The HTTP method, upper case (`GET`, `POST`).
    pub method: String,
    /// The URL path, such as `/api/v1/query`.
    pub path: String,
    /// The `query` parameter (the PromQL text) as Prometheus reads it, if present.
    pub query: Option<String>,
    /// Every parameter in the order Prometheus reads them: those of a form-encoded `POST` body,
    /// then those of the URL.
    pub params: Vec<(String, String)>,
    /// Every header in the order received, names in lower case (values that are not UTF-8 are
    /// converted lossily).
    pub headers: Vec<(String, String)>,
}

impl PrometheusRequest {
    /// The first value of header `name` (compared case-insensitively).
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let prometheus = PrometheusMock::start().await;
    /// reqwest::Client::new()
    ///     .get(format!("{}/api/v1/query?query=up", prometheus.url()))
    ///     .header("X-Scope-OrgID", "tenant-1")
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(prometheus.requests().await[0].header("x-scope-orgid"), Some("tenant-1"));
    /// # });
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        mock::header(&self.headers, name)
    }

    /// The first value of parameter `name`, as Prometheus reads it (the body before the URL).
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let prometheus = PrometheusMock::start().await;
    /// let url = format!(
    ///     "{}/api/v1/query_range?query=up&start=1795773000&end=1795773600&step=15s",
    ///     prometheus.url()
    /// );
    /// reqwest::get(url).await.unwrap();
    /// let request = &prometheus.requests().await[0];
    /// assert_eq!(request.param("step"), Some("15s"));
    /// assert_eq!(request.param("limit"), None);
    /// # });
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        mock::param(&self.params, name)
    }

    fn from_request(request: &Request) -> Self {
        let headers = mock::headers(request);
        let method = request.method.as_str().to_ascii_uppercase();
        // Go's ParseForm reads the body of a POST only when it is form-encoded.
        let form = method == "POST"
            && headers.iter().any(|(name, value)| {
                name == "content-type"
                    && value.split(';').next().is_some_and(|media| {
                        media
                            .trim()
                            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                    })
            });
        let mut params: Vec<(String, String)> = Vec::new();
        if form {
            params.extend(
                url::form_urlencoded::parse(&request.body)
                    .map(|(name, value)| (name.into_owned(), value.into_owned())),
            );
        }
        params.extend(
            request
                .url
                .query_pairs()
                .map(|(name, value)| (name.into_owned(), value.into_owned())),
        );
        let query = params
            .iter()
            .find(|(name, _)| name == "query")
            .map(|(_, value)| value.clone());
        PrometheusRequest {
            method,
            path: request.url.path().to_owned(),
            query,
            params,
            headers,
        }
    }
}

impl fmt::Debug for PrometheusRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("params", &self.params)
            .field(
                "headers",
                &RedactedHeaders {
                    headers: &self.headers,
                    secret: &["authorization", "proxy-authorization"],
                },
            )
            .finish()
    }
}

/// The Prometheus HTTP API's state: a script per PromQL text.
#[derive(Debug, Default)]
struct Prometheus {
    scripts: BTreeMap<String, Script>,
    /// Scripts that win while the release under test is live (see `respond_after_deploy`).
    after_deploy: Option<(AfterDeploy, BTreeMap<String, Script>)>,
}

impl Upstream for Prometheus {
    type Recorded = PrometheusRequest;

    fn record(request: &Request) -> PrometheusRequest {
        PrometheusRequest::from_request(request)
    }

    fn answer(&mut self, recorded: &PrometheusRequest, _request: &Request) -> ResponseTemplate {
        let range = match recorded.path.as_str() {
            QUERY => false,
            QUERY_RANGE => true,
            _ => return plain(404, "404 page not found\n"),
        };
        if recorded.method != "GET" && recorded.method != "POST" {
            return plain(405, "Method Not Allowed\n").insert_header("allow", "GET, OPTIONS, POST");
        }
        let checked = if range {
            check_range(recorded)
        } else {
            check_instant(recorded)
        };
        if let Err(message) = checked {
            return PrometheusMock::error(400, "bad_data", &message).template();
        }
        let query = recorded.query.as_deref().unwrap_or_default();
        if let Some((after, scripts)) = &mut self.after_deploy
            && after.live()
            && let Some(response) = scripts.get_mut(query).and_then(Script::next)
        {
            return response.template();
        }
        if let Some(response) = self.scripts.get_mut(query).and_then(Script::next) {
            return response.template();
        }
        let result_type = if range { "matrix" } else { "vector" };
        RecordedResponse::json(
            200,
            json!({ "status": "success", "data": { "resultType": result_type, "result": [] } }),
        )
        .template()
    }
}

/// `/api/v1/query`'s parameter checks, in Prometheus's order.
fn check_instant(request: &PrometheusRequest) -> Result<(), String> {
    if let Some(time) = request.param("time").filter(|time| !time.is_empty()) {
        parse_time(time).map_err(|err| invalid_param("time", &err))?;
    }
    check_timeout(request)?;
    check_query(request)
}

/// `/api/v1/query_range`'s parameter checks, in Prometheus's order.
fn check_range(request: &PrometheusRequest) -> Result<(), String> {
    let param = |name| request.param(name).unwrap_or_default();
    let start = parse_time(param("start")).map_err(|err| invalid_param("start", &err))?;
    let end = parse_time(param("end")).map_err(|err| invalid_param("end", &err))?;
    if end < start {
        return Err("end timestamp must not be before start time".to_owned());
    }
    let step = parse_duration(param("step")).map_err(|err| invalid_param("step", &err))?;
    if step <= 0 {
        return Err(
            "zero or negative query resolution step widths are not accepted. Try a positive integer"
                .to_owned(),
        );
    }
    // Go: end.Sub(start)/step > 11000, integer division of nanoseconds.
    if (end - start).saturating_mul(1_000_000) / step > 11_000 {
        return Err(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing \
                    the query resolution (?step=XX)"
                .to_owned(),
        );
    }
    check_timeout(request)?;
    check_query(request)
}

fn check_timeout(request: &PrometheusRequest) -> Result<(), String> {
    match request
        .param("timeout")
        .filter(|timeout| !timeout.is_empty())
    {
        Some(timeout) => parse_duration(timeout)
            .map(|_| ())
            .map_err(|err| invalid_param("timeout", &err)),
        None => Ok(()),
    }
}

fn check_query(request: &PrometheusRequest) -> Result<(), String> {
    match request.query.as_deref() {
        Some(query) if !query.trim().is_empty() => Ok(()),
        _ => Err(NO_EXPRESSION.to_owned()),
    }
}

fn invalid_param(name: &str, err: &str) -> String {
    format!("invalid parameter {name:?}: {err}")
}

/// Prometheus's `parseTime`: unix seconds (a float) or RFC 3339, to milliseconds.
fn parse_time(text: &str) -> Result<i128, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        let nanos = seconds * 1e9;
        if !nanos.is_finite() || nanos.abs() > i64::MAX as f64 {
            return Err(format!(
                "cannot parse {text:?} to a valid timestamp. It overflows int64"
            ));
        }
        // Whole milliseconds, as Prometheus rounds them.
        return Ok((seconds * 1000.0).round() as i128);
    }
    match text.parse::<Timestamp>() {
        Ok(ts) => Ok(i128::from(ts.as_millisecond())),
        Err(_) => Err(format!("cannot parse {text:?} to a valid timestamp")),
    }
}

/// Prometheus's `parseDuration`: float seconds or a duration like `1h30m`, to nanoseconds.
fn parse_duration(text: &str) -> Result<i128, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        let nanos = seconds * 1e9;
        if !nanos.is_finite() || nanos.abs() > i64::MAX as f64 {
            return Err(format!(
                "cannot parse {text:?} to a valid duration. It overflows int64"
            ));
        }
        return Ok(nanos as i128);
    }
    model_duration(text)
        .map(|millis| millis.saturating_mul(1_000_000))
        .ok_or_else(|| format!("cannot parse {text:?} to a valid duration"))
}

/// `model.ParseDuration` (`1y2w3d4h5m6s7ms`, each unit at most once, in that order), to
/// milliseconds.
fn model_duration(text: &str) -> Option<i128> {
    const UNITS: [(&str, i128); 7] = [
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    if text == "0" {
        return Some(0);
    }
    if text.is_empty() {
        return None;
    }
    let mut rest = text;
    let mut total: i128 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let (number, after) = rest.split_at(digits);
        let number: i128 = number.parse().ok()?;
        let letters = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, after) = after.split_at(letters);
        let index = UNITS[next_unit..]
            .iter()
            .position(|(name, _)| *name == unit)?
            + next_unit;
        total = total.checked_add(number.checked_mul(UNITS[index].1)?)?;
        next_unit = index + 1;
        rest = after;
    }
    Some(total)
}

fn plain(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_raw(body.as_bytes().to_vec(), "text/plain; charset=utf-8")
}

/// `text` as a JSON string the way Go's `encoding/json` writes it (`<`, `>`, `&`, U+2028 and
/// U+2029 escaped).
fn go_json_string(text: &str) -> String {
    // Serializing a `&str` cannot fail.
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// A sample value as Prometheus writes it (`jsonutil.MarshalFloat`): Go's
/// `strconv.AppendFloat(f, 'f' or 'e', -1, 64)`, `'e'` for |x| < 1e-6 or ≥ 1e21, and `NaN`,
/// `+Inf`, `-Inf`.
fn go_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let abs = value.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust writes `1.5e-7`, Go `1.5e-07`: a sign, and at least two exponent digits.
        let rust = format!("{value:e}");
        if let Some((mantissa, exponent)) = rust.split_once('e') {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(digits) => ('-', digits),
                None => ('+', exponent),
            };
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
        return rust;
    }
    format!("{value}")
}

/// The current time as Prometheus writes a sample timestamp: unix seconds, an integer when the
/// millisecond part is 0.
fn now_timestamp() -> Value {
    let millis = Timestamp::now().as_millisecond();
    if millis % 1000 == 0 {
        json!(millis / 1000)
    } else {
        json!(millis as f64 / 1000.0)
    }
}

impl PrometheusMock {
    /// The recorded answers compiled into the crate (every file under
    /// `fixtures/responses/prometheus/`), sorted; see that directory's `README.md`.
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// assert!(PrometheusMock::CASES.contains(&"error-with-200"));
    /// assert!(PrometheusMock::CASES.is_sorted());
    /// ```
    pub const CASES: &[&str] = embedded::PROMETHEUS_CASE_NAMES;

    /// Starts a mock with nothing scripted on a random loopback port.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`).
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let prometheus = PrometheusMock::start().await;
    /// let url = format!("{}/api/v1/query?query=up", prometheus.url());
    /// let body = reqwest::get(url).await.unwrap().text().await.unwrap();
    /// assert_eq!(body, r#"{"data":{"result":[],"resultType":"vector"},"status":"success"}"#);
    /// # });
    /// ```
    pub async fn start() -> PrometheusMock {
        PrometheusMock {
            mock: StatefulMock::start("Prometheus HTTP API", any(), Prometheus::default()).await,
        }
    }

    /// Serves the mock on `server` (for [`MockEnvironment`](crate::MockEnvironment)).
    pub(crate) async fn serve(server: MockServer) -> PrometheusMock {
        PrometheusMock {
            mock: StatefulMock::serve(server, any(), "Prometheus HTTP API", Prometheus::default())
                .await,
        }
    }

    /// The base URL, `http://127.0.0.1:PORT` (what a Prometheus URL setting is set to; the API
    /// is under `/api/v1/`).
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let prometheus = PrometheusMock::start().await;
    /// assert!(prometheus.url().starts_with("http://127.0.0.1:"));
    /// assert!(!prometheus.url().ends_with('/'));
    /// # });
    /// ```
    pub fn url(&self) -> String {
        self.mock.uri()
    }

    /// Answers PromQL text `query` (matched exactly, on both endpoints, whether it came in the
    /// URL or a form body) with `response`, every time. Replaces any script for `query`.
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let prometheus = PrometheusMock::start().await;
    /// prometheus.respond("up", PrometheusMock::error(503, "timeout", "query timed out in expression evaluation")).await;
    ///
    /// let reply = reqwest::Client::new()
    ///     .post(format!("{}/api/v1/query", prometheus.url()))
    ///     .header("content-type", "application/x-www-form-urlencoded")
    ///     .body("query=up")
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(reply.status(), 503);
    /// assert!(reply.text().await.unwrap().contains(r#""errorType":"timeout""#));
    /// # });
    /// ```
    pub async fn respond(&self, query: &str, response: RecordedResponse) {
        self.respond_sequence(query, vec![response]).await;
    }

    /// Answers `query` with `response` while the release under test is live (`after`), over
    /// what [`respond`](Self::respond) set.
    pub(crate) async fn respond_after_deploy(
        &self,
        after: &AfterDeploy,
        query: &str,
        response: RecordedResponse,
    ) {
        self.mock.with(|prometheus| {
            let (_, scripts) = prometheus
                .after_deploy
                .get_or_insert_with(|| (after.clone(), BTreeMap::new()));
            scripts.insert(query.to_owned(), Script::new(vec![response]));
        });
    }

    /// Answers `query` with the recorded case `name` (see [`PrometheusMock::CASES`] and
    /// `fixtures/responses/prometheus/README.md`; a case not compiled in is read from the file).
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let prometheus = PrometheusMock::start().await;
    /// prometheus.respond_case("up", "error-with-200").await.unwrap();
    /// assert!(prometheus.respond_case("up", "no-such-case").await.is_err());
    ///
    /// let url = format!("{}/api/v1/query?query=up", prometheus.url());
    /// let reply = reqwest::get(url).await.unwrap();
    /// assert_eq!(reply.status(), 200);
    /// assert!(reply.text().await.unwrap().starts_with(r#"{"status":"error","errorType":"internal""#));
    /// # });
    /// ```
    pub async fn respond_case(&self, query: &str, name: &str) -> Result<(), FixtureError> {
        let response = load_case(name)?;
        self.respond(query, response).await;
        Ok(())
    }

    /// Answers `query` with `responses` in turn, **the last one repeating** (a sustained window
    /// sees the last value for as long as it polls). A query already scripted starts over with
    /// these; an empty list removes the script, so the query gets the default answer again.
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let prometheus = PrometheusMock::start().await;
    /// prometheus
    ///     .respond_sequence("up", vec![PrometheusMock::vector(0.0), PrometheusMock::vector(1.0)])
    ///     .await;
    /// let url = format!("{}/api/v1/query?query=up", prometheus.url());
    /// let first = reqwest::get(&url).await.unwrap().text().await.unwrap();
    /// assert!(first.contains(r#","0"]"#));
    ///
    /// prometheus.respond_sequence("up", Vec::new()).await;
    /// let default = reqwest::get(&url).await.unwrap().text().await.unwrap();
    /// assert!(default.contains(r#""result":[]"#));
    /// # });
    /// ```
    pub async fn respond_sequence(&self, query: &str, responses: Vec<RecordedResponse>) {
        self.mock.with(|prometheus| {
            if responses.is_empty() {
                prometheus.scripts.remove(query);
            } else {
                prometheus
                    .scripts
                    .insert(query.to_owned(), Script::new(responses));
            }
        });
    }

    /// The requests received so far, oldest first (including those answered with an error).
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let prometheus = PrometheusMock::start().await;
    /// assert!(prometheus.requests().await.is_empty());
    /// reqwest::get(format!("{}/api/v1/query", prometheus.url())).await.unwrap();
    /// let requests = prometheus.requests().await;
    /// assert_eq!(requests.len(), 1);
    /// assert_eq!(requests[0].query, None);
    /// # });
    /// ```
    pub async fn requests(&self) -> Vec<PrometheusRequest> {
        self.mock.requests()
    }

    /// An instant-vector answer with one series (metric `{}`, as an aggregation such as an error
    /// ratio returns it) whose value is `value`, written as Prometheus writes floats (`0.012`,
    /// `1e-07`, `NaN`, `+Inf`), at the current time.
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// let answer = PrometheusMock::vector(0.012);
    /// assert_eq!(answer.status, 200);
    /// assert_eq!(answer.body["status"], "success");
    /// assert_eq!(answer.body["data"]["resultType"], "vector");
    /// assert_eq!(answer.body["data"]["result"][0]["metric"], serde_json::json!({}));
    /// assert_eq!(answer.body["data"]["result"][0]["value"][1], "0.012");
    /// assert!(answer.body["data"]["result"][0]["value"][0].is_number());
    ///
    /// assert_eq!(PrometheusMock::vector(1e-7).body["data"]["result"][0]["value"][1], "1e-07");
    /// assert_eq!(PrometheusMock::vector(f64::INFINITY).body["data"]["result"][0]["value"][1], "+Inf");
    /// ```
    pub fn vector(value: f64) -> RecordedResponse {
        Self::vector_str(&go_float(value))
    }

    /// Like [`vector`](Self::vector), with the sample value written verbatim (`"NaN"`, `"-Inf"`,
    /// `"1e+21"`, or something no Prometheus would send).
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// let answer = PrometheusMock::vector_str("NaN");
    /// assert_eq!(answer.body["data"]["result"][0]["value"][1], "NaN");
    /// assert_eq!(answer.body["data"]["result"].as_array().unwrap().len(), 1);
    /// ```
    pub fn vector_str(value: &str) -> RecordedResponse {
        RecordedResponse::json(
            200,
            json!({
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [{ "metric": {}, "value": [now_timestamp(), value] }],
                },
            }),
        )
    }

    /// An error envelope with HTTP `status`, written exactly as Prometheus writes it:
    /// `{"status":"error","errorType":"<error_type>","error":"<message>"}`. The body is that
    /// text (a string [`RecordedResponse::body`]), so the field order is Prometheus's.
    /// Prometheus's own pairs: `bad_data` 400, `execution` 422, `timeout` 503, `canceled` 499,
    /// `internal` 500, `unavailable` 500, `not_found` 404, `not_acceptable` 406.
    ///
    /// ```
    /// use release_testkit::PrometheusMock;
    ///
    /// let answer = PrometheusMock::error(422, "execution", "many-to-many matching not allowed");
    /// assert_eq!(answer.status, 422);
    /// assert_eq!(answer.content_type(), Some("application/json"));
    /// assert_eq!(
    ///     answer.body_bytes(),
    ///     br#"{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}"#,
    /// );
    /// ```
    pub fn error(status: u16, error_type: &str, message: &str) -> RecordedResponse {
        let body = format!(
            r#"{{"status":"error","errorType":{},"error":{}}}"#,
            go_json_string(error_type),
            go_json_string(message)
        );
        RecordedResponse::json(status, Value::String(body))
    }
}

impl fmt::Debug for PrometheusMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusMock")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

/// Recorded case `name`: the embedded one, else the file.
fn load_case(name: &str) -> Result<RecordedResponse, FixtureError> {
    match embedded::mock_case(crate::fixtures::PROMETHEUS, name) {
        Some(case) => case,
        None => crate::fixtures::prometheus_case(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_like_go() {
        for (value, written) in [
            (0.012, "0.012"),
            (1.0, "1"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1e-7, "1e-07"),
            (1.5e-7, "1.5e-07"),
            (-2.5e-10, "-2.5e-10"),
            (0.000001, "0.000001"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.234e300, "1.234e+300"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(go_float(value), written, "{value}");
        }
    }

    #[test]
    fn json_strings_are_escaped_like_go() {
        assert_eq!(
            go_json_string(r#"a "b" <c> & d"#),
            r#""a \"b\" \u003cc\u003e \u0026 d""#
        );
    }

    #[test]
    fn durations_and_times_parse_like_prometheus() {
        assert_eq!(parse_duration("15s"), Ok(15_000_000_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("0.5"), Ok(500_000_000));
        assert_eq!(parse_duration("100ms"), Ok(100_000_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert!(parse_duration("30m1h").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5 m").is_err());
        assert_eq!(parse_time("1795773600"), Ok(1_795_773_600_000));
        assert_eq!(parse_time("1795773600.781"), Ok(1_795_773_600_781));
        assert_eq!(parse_time("2026-11-27T10:00:00Z"), Ok(1_795_773_600_000));
        assert_eq!(
            parse_time("yesterday"),
            Err(r#"cannot parse "yesterday" to a valid timestamp"#.to_owned())
        );
    }
}
