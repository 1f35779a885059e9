//! A mock of the Alertmanager API v2's `GET /api/v2/alerts`, filtering the alerts it holds as
//! the real server does, and of the removed v1 API's HTTP 410.
//!
//! The recorded answers (`fixtures/responses/alertmanager/<case>.json`) are listed in that
//! directory's `README.md`.

use std::fmt;
use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use regex::Regex;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{MockServer, Request, ResponseTemplate};

use crate::after_deploy::AfterDeploy;
use crate::embedded;
use crate::mock::{self, RedactedHeaders, StatefulMock, Upstream};
use crate::recorded::{FixtureError, RecordedResponse};
use crate::script::Script;

const ALERTS: &str = "/api/v2/alerts";

/// What every v1 endpoint answers since v0.27.0 (HTTP 410), as Go's `json.Encoder` writes it.
const V1_GONE: &str = "{\"status\":\"deprecated\",\"error\":\"The Alertmanager v1 API was deprecated in version 0.16.0 and is removed as of version 0.27.0 - please use the equivalent route in the v2 API\"}\n";

/// The silence id [`AlertmanagerMock::alert`] puts in `silencedBy` for state `suppressed`.
const SILENCE_ID: &str = "9f1c2e7a-4b3d-4a8e-b6f0-2d5c8e1a7b34";

/// The instant the recorded alerts' timestamps are written relative to.
const REFERENCE: &str = "2026-11-27T10:00:00Z";

/// The Alertmanager API v2 on loopback: `GET /api/v2/alerts` over the alerts it holds (set with
/// [`set_alerts`](Self::set_alerts)), filtered like the real server (api/v2/api.go):
///
/// - `filter` (repeatable): matchers `label="value"`, `label!="value"`, `label=~"regex"`,
///   `label!~"regex"` (quotes optional, regexes anchored), every one of which must match; a
///   label the alert lacks matches as the empty string. One that does not parse: HTTP 400 with
///   a JSON string body such as `"bad matcher format: alertname"`.
/// - `active=false` drops alerts whose `status.state` is `active`; `silenced=false` those with a
///   non-empty `status.silencedBy`; `inhibited=false` those with a non-empty
///   `status.inhibitedBy`. A value counts as true when it is `true`, `1`, `yes`, `y`, `t`, `on`,
///   `ok`, `enabled`, `selected` or `checked` (any case) and as **false otherwise** (go-openapi's
///   `ConvertBool`: `active=maybe` is false, not an error); an empty value keeps the default,
///   true; the last of repeated values wins.
/// - `unprocessed` is accepted and, as in the real server, **ignored**: the handler never passes
///   it to its filter, so `unprocessed=false` still returns unprocessed alerts.
/// - `receiver`: a regex (anchored) that one of the alert's `receivers[].name` must match; one
///   that does not compile: HTTP 400 `"failed to parse receiver param: …"`.
/// - Alerts whose `endsAt` has passed are resolved and left out.
///
/// The answer is a JSON array sorted by `fingerprint`, `[]` when empty. The v1 endpoints
/// (`GET /api/v1/status`, `/receivers`, `GET|POST /api/v1/alerts`, `/silences`,
/// `GET|DELETE /api/v1/silence/<id>`) answer HTTP 410 with the deprecation notice; any other
/// request `404 page not found`. Every request is recorded.
///
/// ```
/// use release_testkit::AlertmanagerMock;
/// use serde_json::Value;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let alertmanager = AlertmanagerMock::start().await;
/// alertmanager
///     .set_alerts(Value::Array(vec![
///         AlertmanagerMock::alert("HighErrorRate", "critical", "active"),
///         AlertmanagerMock::alert("HighLatency", "warning", "active"),
///         AlertmanagerMock::alert("DiskSpaceLow", "critical", "suppressed"),
///     ]))
///     .await;
///
/// let url = reqwest::Url::parse_with_params(
///     &format!("{}/api/v2/alerts", alertmanager.url()),
///     [("silenced", "false"), ("inhibited", "false"), ("filter", r#"severity="critical""#)],
/// )
/// .unwrap();
/// let body = reqwest::get(url).await.unwrap().text().await.unwrap();
/// let alerts: Vec<Value> = serde_json::from_str(&body).unwrap();
/// assert_eq!(alerts.len(), 1);
/// assert_eq!(alerts[0]["labels"]["alertname"], "HighErrorRate");
///
/// let request = &alertmanager.requests().await[0];
/// assert_eq!(request.filters(), [r#"severity="critical""#]);
/// # });
/// ```
pub struct AlertmanagerMock {
    mock: StatefulMock<Alertmanager>,
}

/// One request the [`AlertmanagerMock`] received.
///
/// Its `Debug` output hides the value of the `Authorization` header.
///
/// ```
/// use release_testkit::AlertmanagerMock;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let alertmanager = AlertmanagerMock::start().await;
/// reqwest::Client::new()
///     .get(format!("{}/api/v2/alerts?active=true&filter=env%3D%22production%22", alertmanager.url()))
///     .bearer_auth("alertmanager-token")
///     .send()
///     .await
///     .unwrap();
///
/// let request = &alertmanager.requests().await[0];
/// assert_eq!(request.method, "GET");
/// assert_eq!(request.path, "/api/v2/alerts");
/// assert_eq!(request.param("active"), Some("true"));
/// assert_eq!(request.filters(), [r#"env="production""#]);
/// assert_eq!(request.header("authorization"), Some("Bearer alertmanager-token"));
/// assert!(!format!("{request:?}").contains("alertmanager-token"));
/// # });
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct AlertmanagerRequest {
    /// The HTTP method, upper case.
    pub method: String,
    /// The URL path, such as `/api/v2/alerts`.
    pub path: String,
    /// The URL's query parameters, in order (repeated ones repeated).
    pub params: Vec<(String, String)>,
    /// Every header in the order received, names in lower case (values that are not UTF-8 are
    /// converted lossily).
    pub headers: Vec<(String, String)>,
}

impl AlertmanagerRequest {
    /// The first value of header `name` (compared case-insensitively).
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// reqwest::Client::new()
    ///     .get(format!("{}/api/v2/alerts", alertmanager.url()))
    ///     .header("accept", "application/json")
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(alertmanager.requests().await[0].header("Accept"), Some("application/json"));
    /// # });
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        mock::header(&self.headers, name)
    }

    /// The first value of query parameter `name` (the server itself uses the **last** of
    /// repeated boolean parameters).
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// reqwest::get(format!("{}/api/v2/alerts?silenced=false", alertmanager.url())).await.unwrap();
    /// let request = &alertmanager.requests().await[0];
    /// assert_eq!(request.param("silenced"), Some("false"));
    /// assert_eq!(request.param("inhibited"), None);
    /// # });
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        mock::param(&self.params, name)
    }

    /// Every `filter` parameter, in order.
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// let url = reqwest::Url::parse_with_params(
    ///     &format!("{}/api/v2/alerts", alertmanager.url()),
    ///     [("filter", r#"env="production""#), ("filter", r#"severity=~"crit.*""#)],
    /// )
    /// .unwrap();
    /// reqwest::get(url).await.unwrap();
    /// assert_eq!(
    ///     alertmanager.requests().await[0].filters(),
    ///     [r#"env="production""#, r#"severity=~"crit.*""#],
    /// );
    /// # });
    /// ```
    pub fn filters(&self) -> Vec<&str> {
        self.params
            .iter()
            .filter(|(name, _)| name == "filter")
            .map(|(_, value)| value.as_str())
            .collect()
    }

    fn from_request(request: &Request) -> Self {
        AlertmanagerRequest {
            method: request.method.as_str().to_ascii_uppercase(),
            path: request.url.path().to_owned(),
            params: request
                .url
                .query_pairs()
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
            headers: mock::headers(request),
        }
    }
}

impl fmt::Debug for AlertmanagerRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertmanagerRequest")
            .field("method", &self.method)
            .field("path", &self.path)
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

/// The Alertmanager API's state: the alerts it holds, or a response served instead.
#[derive(Debug)]
struct Alertmanager {
    /// What `set_alerts` was given: normally an array of alerts.
    alerts: Value,
    /// A response served instead of the alerts, whatever the parameters.
    fixed: Option<Script>,
    /// The alerts held instead while the release under test is live.
    after_deploy: Option<(AfterDeploy, Value)>,
}

impl Default for Alertmanager {
    fn default() -> Self {
        Self {
            alerts: Value::Array(Vec::new()),
            fixed: None,
            after_deploy: None,
        }
    }
}

impl Upstream for Alertmanager {
    type Recorded = AlertmanagerRequest;

    fn record(request: &Request) -> AlertmanagerRequest {
        AlertmanagerRequest::from_request(request)
    }

    fn answer(&mut self, recorded: &AlertmanagerRequest, _request: &Request) -> ResponseTemplate {
        if recorded.path == ALERTS && recorded.method == "GET" {
            match self.fixed.as_mut().and_then(Script::next) {
                Some(fixed) => fixed.template(),
                None => match &self.after_deploy {
                    Some((after, alerts)) if after.live() => list_alerts(alerts, &recorded.params),
                    _ => list_alerts(&self.alerts, &recorded.params),
                },
            }
        } else if is_v1_route(&recorded.method, &recorded.path) {
            ResponseTemplate::new(410).set_body_raw(V1_GONE.as_bytes().to_vec(), "application/json")
        } else {
            ResponseTemplate::new(404).set_body_raw(
                b"404 page not found\n".to_vec(),
                "text/plain; charset=utf-8",
            )
        }
    }
}

/// The routes of Alertmanager's `V1DeprecationRouter`.
fn is_v1_route(method: &str, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    match rest {
        "status" | "receivers" => method == "GET",
        "alerts" | "silences" => method == "GET" || method == "POST",
        _ => {
            rest.strip_prefix("silence/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'))
                && (method == "GET" || method == "DELETE")
        }
    }
}

/// `GET /api/v2/alerts` over `alerts`.
fn list_alerts(alerts: &Value, params: &[(String, String)]) -> ResponseTemplate {
    let Value::Array(alerts) = alerts else {
        // Something other than an array was set: served as is, like a broken server.
        return v2_json(200, alerts);
    };
    let last = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(param, _)| param == name)
            .map(|(_, value)| value.as_str())
    };
    let flag = |name: &str| {
        last(name)
            .filter(|v| !v.is_empty())
            .is_none_or(convert_bool)
    };
    let matchers: Result<Vec<Matcher>, String> = params
        .iter()
        .filter(|(name, _)| name == "filter")
        .map(|(_, value)| Matcher::parse(value))
        .collect();
    let matchers = match matchers {
        Ok(matchers) => matchers,
        Err(message) => return v2_json(400, &Value::String(message)),
    };
    let receiver = match last("receiver").filter(|r| !r.is_empty()) {
        None => None,
        Some(pattern) => match Regex::new(&format!("^(?:{pattern})$")) {
            Ok(regex) => Some(regex),
            Err(err) => {
                return v2_json(
                    400,
                    &Value::String(format!(
                        "failed to parse receiver param: error parsing regexp: {}",
                        one_line(&err.to_string())
                    )),
                );
            }
        },
    };
    let (active, silenced, inhibited) = (flag("active"), flag("silenced"), flag("inhibited"));
    let now = Timestamp::now();
    let mut kept: Vec<&Value> = alerts
        .iter()
        .filter(|alert| {
            if let Some(receiver) = &receiver {
                let names = alert["receivers"].as_array().into_iter().flatten();
                if !names
                    .filter_map(|r| r["name"].as_str())
                    .any(|name| receiver.is_match(name))
                {
                    return false;
                }
            }
            let resolved = alert["endsAt"]
                .as_str()
                .and_then(|ends| ends.parse::<Timestamp>().ok())
                .is_some_and(|ends| ends < now);
            let status = &alert["status"];
            let non_empty = |key: &str| status[key].as_array().is_some_and(|ids| !ids.is_empty());
            !resolved
                && (active || status["state"] != "active")
                && (silenced || !non_empty("silencedBy"))
                && (inhibited || !non_empty("inhibitedBy"))
                && matchers.iter().all(|m| m.matches(&alert["labels"]))
        })
        .collect();
    kept.sort_by(|a, b| {
        let fingerprint =
            |alert: &Value| alert["fingerprint"].as_str().unwrap_or_default().to_owned();
        fingerprint(a).cmp(&fingerprint(b))
    });
    v2_json(200, &Value::Array(kept.into_iter().cloned().collect()))
}

/// An API v2 answer: compact JSON and a newline (go-openapi's JSON producer), with the headers
/// the v2 handler sets.
fn v2_json(status: u16, body: &Value) -> ResponseTemplate {
    // Serializing a `Value` cannot fail: its map keys are strings.
    let mut bytes = serde_json::to_vec(body).unwrap_or_default();
    bytes.push(b'\n');
    ResponseTemplate::new(status)
        .insert_header("cache-control", "no-store")
        .set_body_raw(bytes, "application/json")
}

/// go-openapi's `ConvertBool`: a few words are true, anything else false.
fn convert_bool(value: &str) -> bool {
    [
        "true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled",
    ]
    .iter()
    .any(|word| value.eq_ignore_ascii_case(word))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One label matcher of a `filter` parameter.
#[derive(Debug)]
struct Matcher {
    name: String,
    kind: MatchKind,
}

#[derive(Debug)]
enum MatchKind {
    Equal(String),
    NotEqual(String),
    Regex(String, Regex),
    NotRegex(String, Regex),
}

impl Matcher {
    /// Alertmanager's classic matcher syntax (`matcher/oldparse`), with its error messages.
    fn parse(input: &str) -> Result<Matcher, String> {
        if input.starts_with('{') || input.ends_with('}') {
            return Err(format!("unexpected open or close brace: {input}"));
        }
        let bad = || format!("bad matcher format: {input}");
        let text = input.trim();
        let name_len = text
            .bytes()
            .enumerate()
            .take_while(|&(i, b)| {
                b == b'_' || b == b':' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit())
            })
            .count();
        if name_len == 0 {
            return Err(bad());
        }
        let (name, rest) = text.split_at(name_len);
        let rest = rest.trim_start();
        let (op, raw) = ["=~", "!=", "!~", "="]
            .iter()
            .find_map(|op| rest.strip_prefix(op).map(|raw| (*op, raw.trim())))
            .ok_or_else(bad)?;
        let value = unquote(raw)?;
        let kind = match op {
            "=" => MatchKind::Equal(value),
            "!=" => MatchKind::NotEqual(value),
            _ => {
                let regex = Regex::new(&format!("^(?:{value})$")).map_err(|err| {
                    format!(
                        "error parsing regexp: {}: `{value}`",
                        one_line(&err.to_string())
                    )
                })?;
                if op == "=~" {
                    MatchKind::Regex(value, regex)
                } else {
                    MatchKind::NotRegex(value, regex)
                }
            }
        };
        Ok(Matcher {
            name: name.to_owned(),
            kind,
        })
    }

    /// api.go's `matchFilterLabels`: a missing label is the empty string.
    fn matches(&self, labels: &Value) -> bool {
        let value = labels[&self.name].as_str();
        let present = value.is_some();
        let value = value.unwrap_or_default();
        match &self.kind {
            MatchKind::Equal(expected) => (expected.is_empty() && !present) || value == expected,
            MatchKind::NotEqual(expected) => (expected.is_empty() && present) || value != expected,
            MatchKind::Regex(pattern, regex) => {
                (pattern.is_empty() && !present) || regex.is_match(value)
            }
            MatchKind::NotRegex(pattern, regex) => {
                (pattern.is_empty() && present) || !regex.is_match(value)
            }
        }
    }
}

/// A matcher value: optionally double-quoted, with `\"`, `\\` and `\n` escapes.
fn unquote(raw: &str) -> Result<String, String> {
    let (inner, quoted) = match raw.strip_prefix('"') {
        Some(inner) => (inner, true),
        None => (raw, false),
    };
    let unescaped_quote = || format!("matcher value contains unescaped double quote: {raw}");
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.char_indices().peekable();
    let mut closed = !quoted;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.peek().map(|&(_, next)| next) {
                Some('n') => {
                    value.push('\n');
                    chars.next();
                }
                Some(next @ ('"' | '\\')) => {
                    value.push(next);
                    chars.next();
                }
                // A spurious escape, or a trailing backslash: literal.
                _ => value.push('\\'),
            },
            '"' => {
                if !quoted || i + 1 != inner.len() {
                    return Err(unescaped_quote());
                }
                closed = true;
            }
            other => value.push(other),
        }
    }
    if closed {
        Ok(value)
    } else {
        Err(unescaped_quote())
    }
}

/// The labels' fingerprint as Alertmanager computes it (`model.LabelSet.Fingerprint`: FNV-1a
/// over the sorted names and values, each followed by a 0xff byte), as 16 hex digits.
fn fingerprint_of(labels: &Value) -> String {
    const OFFSET: u64 = 14_695_981_039_346_656_037;
    const PRIME: u64 = 1_099_511_628_211;
    let add = |hash: u64, bytes: &[u8]| {
        bytes
            .iter()
            .fold(hash, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
    };
    let mut pairs: Vec<(&str, &str)> = labels
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| (name.as_str(), value.as_str().unwrap_or_default()))
        .collect();
    pairs.sort_unstable();
    let hash = pairs.iter().fold(OFFSET, |hash, (name, value)| {
        let hash = add(add(hash, name.as_bytes()), &[0xff]);
        add(add(hash, value.as_bytes()), &[0xff])
    });
    format!("{hash:016x}")
}

/// RFC 3339 with exactly three fractional digits, as Alertmanager writes times.
fn millis(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Moves `startsAt`, `updatedAt` and `endsAt` of every alert by `now - REFERENCE` (whole
/// seconds, so the recorded milliseconds stay).
fn shift_to_now(alerts: &mut Value) {
    let (Ok(reference), Ok(now)) = (
        REFERENCE.parse::<Timestamp>(),
        Timestamp::from_second(Timestamp::now().as_second()),
    ) else {
        return;
    };
    let offset = now.duration_since(reference);
    for alert in alerts.as_array_mut().into_iter().flatten() {
        for key in ["startsAt", "updatedAt", "endsAt"] {
            let Some(text) = alert.get_mut(key) else {
                continue;
            };
            let shifted = text
                .as_str()
                .and_then(|t| t.parse::<Timestamp>().ok())
                .and_then(|t| t.checked_add(offset).ok());
            if let Some(shifted) = shifted {
                *text = Value::String(millis(shifted));
            }
        }
    }
}

impl AlertmanagerMock {
    /// The recorded answers compiled into the crate (every file under
    /// `fixtures/responses/alertmanager/`), sorted; see that directory's `README.md`.
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// assert!(AlertmanagerMock::CASES.contains(&"mixed"));
    /// assert!(AlertmanagerMock::CASES.is_sorted());
    /// ```
    pub const CASES: &[&str] = embedded::ALERTMANAGER_CASE_NAMES;

    /// Starts a mock holding no alerts on a random loopback port.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`).
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// let reply = reqwest::get(format!("{}/api/v2/alerts", alertmanager.url())).await.unwrap();
    /// assert_eq!(reply.status(), 200);
    /// assert_eq!(reply.text().await.unwrap(), "[]\n");
    ///
    /// let reply = reqwest::get(format!("{}/api/v1/alerts", alertmanager.url())).await.unwrap();
    /// assert_eq!(reply.status(), 410);
    /// assert!(reply.text().await.unwrap().contains(r#""status":"deprecated""#));
    /// # });
    /// ```
    pub async fn start() -> AlertmanagerMock {
        AlertmanagerMock {
            mock: StatefulMock::start("Alertmanager API", any(), Alertmanager::default()).await,
        }
    }

    /// Serves the mock on `server` (for [`MockEnvironment`](crate::MockEnvironment)).
    pub(crate) async fn serve(server: MockServer) -> AlertmanagerMock {
        AlertmanagerMock {
            mock: StatefulMock::serve(server, any(), "Alertmanager API", Alertmanager::default())
                .await,
        }
    }

    /// The base URL, `http://127.0.0.1:PORT` (the API is under `/api/v2/`).
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// assert!(alertmanager.url().starts_with("http://127.0.0.1:"));
    /// # });
    /// ```
    pub fn url(&self) -> String {
        self.mock.uri()
    }

    /// Holds `alerts`, a JSON array of alerts in the API's shape (see
    /// [`alert`](Self::alert)), and serves them filtered by each request's parameters, instead
    /// of any recorded case. They are served as given (sorted by `fingerprint`): the mock does
    /// not recompute fingerprints or states. An alert whose `endsAt` has passed is left out, as
    /// the real server leaves resolved alerts out: the recorded cases' times are in the past, so
    /// to hold those use [`set_case_alerts`](Self::set_case_alerts), which moves them to now.
    /// A value that is not an array (an object, `null`) is served as is, whatever the
    /// parameters.
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    /// use serde_json::{Value, json};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// let mut resolved = AlertmanagerMock::alert("HighLatency", "warning", "active");
    /// resolved["endsAt"] = json!("2026-01-01T00:00:00.000Z");
    /// alertmanager
    ///     .set_alerts(Value::Array(vec![
    ///         AlertmanagerMock::alert("HighErrorRate", "critical", "active"),
    ///         resolved,
    ///     ]))
    ///     .await;
    ///
    /// let url = format!("{}/api/v2/alerts", alertmanager.url());
    /// let alerts: Vec<Value> =
    ///     serde_json::from_str(&reqwest::get(&url).await.unwrap().text().await.unwrap()).unwrap();
    /// assert_eq!(alerts.len(), 1);
    /// assert_eq!(alerts[0]["labels"]["alertname"], "HighErrorRate");
    /// # });
    /// ```
    pub async fn set_alerts(&self, alerts: Value) {
        self.mock.with(|alertmanager| {
            alertmanager.alerts = alerts;
            alertmanager.fixed = None;
        });
    }

    /// Holds `alerts` instead while the release under test is live (`after`).
    pub(crate) async fn set_alerts_after_deploy(&self, after: &AfterDeploy, alerts: Value) {
        self.mock
            .with(|alertmanager| alertmanager.after_deploy = Some((after.clone(), alerts)));
    }

    /// Holds the alerts of recorded case `name` (its body must be an array), with their
    /// `startsAt`, `updatedAt` and `endsAt` moved by the time between the recording
    /// (2026-11-27T10:00:00Z) and now, so firing alerts are still firing; then serves them like
    /// [`set_alerts`](Self::set_alerts).
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// alertmanager.set_case_alerts("mixed").await.unwrap();
    /// assert!(alertmanager.set_case_alerts("html-502").await.is_err());
    ///
    /// let url = format!("{}/api/v2/alerts?silenced=false&inhibited=false", alertmanager.url());
    /// let body = reqwest::get(url).await.unwrap().text().await.unwrap();
    /// let alerts: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    /// assert_eq!(alerts.len(), 2);
    /// assert!(alerts.iter().all(|alert| alert["status"]["state"] == "active"));
    /// # });
    /// ```
    pub async fn set_case_alerts(&self, name: &str) -> Result<(), FixtureError> {
        let mut alerts = load_case(name)?.body;
        if !alerts.is_array() {
            return Err(FixtureError::Invalid {
                path: PathBuf::from(format!("fixtures/responses/alertmanager/{name}.json")),
                reason: "the body is not an array of alerts".to_owned(),
            });
        }
        shift_to_now(&mut alerts);
        self.set_alerts(alerts).await;
        Ok(())
    }

    /// Serves `response` to every `GET /api/v2/alerts`, whatever its parameters, until
    /// [`set_alerts`](Self::set_alerts) is called.
    ///
    /// ```
    /// use release_testkit::{AlertmanagerMock, RecordedResponse};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// alertmanager.respond(RecordedResponse::json(503, serde_json::json!("overloaded"))).await;
    /// let reply = reqwest::get(format!("{}/api/v2/alerts", alertmanager.url())).await.unwrap();
    /// assert_eq!(reply.status(), 503);
    /// # });
    /// ```
    pub async fn respond(&self, response: RecordedResponse) {
        self.mock
            .with(|alertmanager| alertmanager.fixed = Some(Script::new(vec![response])));
    }

    /// Serves recorded case `name` verbatim (see [`AlertmanagerMock::CASES`] and
    /// `fixtures/responses/alertmanager/README.md`) to every `GET /api/v2/alerts`, whatever its
    /// parameters, until [`set_alerts`](Self::set_alerts) is called.
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// alertmanager.respond_case("error-400-string").await.unwrap();
    /// assert!(alertmanager.respond_case("no-such-case").await.is_err());
    ///
    /// let reply = reqwest::get(format!("{}/api/v2/alerts", alertmanager.url())).await.unwrap();
    /// assert_eq!(reply.status(), 400);
    /// let body: serde_json::Value = serde_json::from_str(&reply.text().await.unwrap()).unwrap();
    /// assert_eq!(body, "bad matcher format: alertname");
    /// # });
    /// ```
    pub async fn respond_case(&self, name: &str) -> Result<(), FixtureError> {
        let response = load_case(name)?;
        self.respond(response).await;
        Ok(())
    }

    /// The requests received so far, oldest first, whatever they were answered.
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let alertmanager = AlertmanagerMock::start().await;
    /// reqwest::get(format!("{}/-/healthy", alertmanager.url())).await.unwrap();
    /// let requests = alertmanager.requests().await;
    /// assert_eq!(requests.len(), 1);
    /// assert_eq!(requests[0].path, "/-/healthy");
    /// # });
    /// ```
    pub async fn requests(&self) -> Vec<AlertmanagerRequest> {
        self.mock.requests()
    }

    /// One alert as `GET /api/v2/alerts` returns it, firing now: labels `alertname` = `name`,
    /// `severity`, `service` = `api`, `env` = `production`; annotations `summary` and
    /// `runbook_url`; receiver `pagerduty-prod` for `critical`, else `slack-prod`; started 15
    /// minutes ago, updated 30 seconds ago, `endsAt` in 4 minutes (times RFC 3339 with
    /// milliseconds); the labels' real fingerprint. `state`:
    ///
    /// - `active`: `silencedBy`, `inhibitedBy` and `mutedBy` empty;
    /// - `suppressed`: `silencedBy` holds one silence id (silenced, not inhibited or muted);
    /// - `unprocessed` or any other text: that state, every list empty.
    ///
    /// Change the returned value freely (after changing labels, recompute `fingerprint` with
    /// [`fingerprint`](Self::fingerprint) if the order matters).
    ///
    /// ```
    /// use release_testkit::AlertmanagerMock;
    ///
    /// let alert = AlertmanagerMock::alert("HighErrorRate", "critical", "suppressed");
    /// assert_eq!(alert["labels"]["alertname"], "HighErrorRate");
    /// assert_eq!(alert["labels"]["severity"], "critical");
    /// assert_eq!(alert["status"]["state"], "suppressed");
    /// assert_eq!(alert["status"]["silencedBy"].as_array().unwrap().len(), 1);
    /// assert_eq!(alert["receivers"][0]["name"], "pagerduty-prod");
    /// assert_eq!(alert["fingerprint"].as_str().unwrap().len(), 16);
    /// let ends: jiff::Timestamp = alert["endsAt"].as_str().unwrap().parse().unwrap();
    /// assert!(ends > jiff::Timestamp::now());
    /// ```
    pub fn alert(name: &str, severity: &str, state: &str) -> Value {
        let labels = json!({
            "alertname": name,
            "env": "production",
            "service": "api",
            "severity": severity,
        });
        let silenced_by: Vec<&str> = if state == "suppressed" {
            vec![SILENCE_ID]
        } else {
            Vec::new()
        };
        let now = Timestamp::now();
        let now = Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now);
        let at = |offset: SignedDuration| millis(now.checked_add(offset).unwrap_or(now));
        let expr: String = url::form_urlencoded::byte_serialize(
            format!("ALERTS{{alertname=\"{name}\"}}").as_bytes(),
        )
        .collect();
        json!({
            "annotations": {
                "summary": format!("{name} ({severity}) on api in production"),
                "runbook_url": format!("https://runbooks.example.com/api/{}", name.to_ascii_lowercase()),
            },
            "endsAt": at(SignedDuration::from_mins(4)),
            "fingerprint": fingerprint_of(&labels),
            "receivers": [{
                "name": if severity == "critical" { "pagerduty-prod" } else { "slack-prod" },
            }],
            "startsAt": at(SignedDuration::from_mins(-15)),
            "status": {
                "inhibitedBy": [],
                "mutedBy": [],
                "silencedBy": silenced_by,
                "state": state,
            },
            "updatedAt": at(SignedDuration::from_secs(-30)),
            "generatorURL": format!("http://prometheus-0:9090/graph?g0.expr={expr}&g0.tab=1"),
            "labels": labels,
        })
    }

    /// The fingerprint Alertmanager gives an alert with `labels` (a JSON object of strings):
    /// 16 hex digits of FNV-1a over the sorted label names and values.
    ///
    /// ```
    /// use release_testkit::{AlertmanagerMock, fixtures};
    ///
    /// let recorded = fixtures::alertmanager_case("critical-active").unwrap();
    /// let alert = &recorded.body[0];
    /// assert_eq!(AlertmanagerMock::fingerprint(&alert["labels"]), alert["fingerprint"]);
    /// ```
    pub fn fingerprint(labels: &Value) -> String {
        fingerprint_of(labels)
    }
}

impl fmt::Debug for AlertmanagerMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertmanagerMock")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

/// Recorded case `name`: the embedded one, else the file.
fn load_case(name: &str) -> Result<RecordedResponse, FixtureError> {
    match embedded::mock_case(crate::fixtures::ALERTMANAGER, name) {
        Some(case) => case,
        None => crate::fixtures::alertmanager_case(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Value {
        json!({ "alertname": "HighErrorRate", "severity": "critical", "service": "api" })
    }

    fn matches(filter: &str) -> bool {
        Matcher::parse(filter).unwrap().matches(&labels())
    }

    #[test]
    fn matchers_follow_the_classic_syntax() {
        assert!(matches(r#"alertname="HighErrorRate""#));
        assert!(matches("alertname=HighErrorRate"));
        assert!(matches(r#" severity = "critical" "#));
        assert!(!matches(r#"severity!="critical""#));
        assert!(matches(r#"severity=~"crit.*""#));
        assert!(!matches(r#"severity=~"crit""#), "regexes are anchored");
        assert!(matches(r#"severity!~"warn.*|info""#));
        assert!(matches(r#"env="""#), "a missing label is empty");
        assert!(!matches(r#"env!="""#));
        assert!(matches(r#"env!="production""#));
        assert!(matches(r#"service!="""#));
        assert!(!matches(r#"service="""#));
        assert!(matches(r#"env=~".*""#));
        assert!(Matcher::parse(r#"summary="say \"hi\"""#).is_ok());
    }

    #[test]
    fn bad_matchers_get_alertmanagers_messages() {
        for (filter, message) in [
            ("alertname", "bad matcher format: alertname"),
            ("", "bad matcher format: "),
            ("1abc=x", "bad matcher format: 1abc=x"),
            (
                r#"{alertname="x"}"#,
                r#"unexpected open or close brace: {alertname="x"}"#,
            ),
            (
                r#"alertname="a"b""#,
                r#"matcher value contains unescaped double quote: "a"b""#,
            ),
            (
                r#"alertname="open"#,
                r#"matcher value contains unescaped double quote: "open"#,
            ),
        ] {
            assert_eq!(Matcher::parse(filter).unwrap_err(), message, "{filter}");
        }
        let err = Matcher::parse(r#"alertname=~"(""#).unwrap_err();
        assert!(err.starts_with("error parsing regexp: "), "{err}");
    }

    #[test]
    fn fingerprints_are_alertmanagers() {
        assert_eq!(fingerprint_of(&json!({})), "cbf29ce484222325");
        for (name, _) in embedded::ALERTMANAGER_CASES {
            let recorded = load_case(name).unwrap();
            let alerts = match &recorded.body {
                Value::Array(alerts) => alerts.clone(),
                Value::Object(object) => object
                    .get("data")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            for alert in alerts {
                assert_eq!(
                    fingerprint_of(&alert["labels"]),
                    alert["fingerprint"],
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn booleans_convert_like_go_openapi() {
        for word in [
            "true", "TRUE", "1", "yes", "y", "t", "on", "ok", "enabled", "checked",
        ] {
            assert!(convert_bool(word), "{word}");
        }
        for word in ["false", "0", "no", "maybe", "2"] {
            assert!(!convert_bool(word), "{word}");
        }
    }

    #[test]
    fn v1_routes_are_alertmanagers() {
        assert!(is_v1_route("GET", "/api/v1/alerts"));
        assert!(is_v1_route("POST", "/api/v1/alerts"));
        assert!(is_v1_route("GET", "/api/v1/status"));
        assert!(is_v1_route("DELETE", "/api/v1/silence/abc"));
        assert!(!is_v1_route("DELETE", "/api/v1/alerts"));
        assert!(!is_v1_route("GET", "/api/v1/query"));
        assert!(!is_v1_route("GET", "/api/v2/alerts"));
    }

    #[test]
    fn recorded_times_move_to_now_keeping_milliseconds() {
        let mut alerts =
            json!([{ "endsAt": "2026-11-27T10:03:31.501Z", "other": "2026-11-27T10:03:31.501Z" }]);
        shift_to_now(&mut alerts);
        let ends = alerts[0]["endsAt"].as_str().unwrap();
        assert!(ends.ends_with(".501Z"), "{ends}");
        let ends: Timestamp = ends.parse().unwrap();
        let ahead = ends.duration_since(Timestamp::now());
        assert!(ahead > SignedDuration::from_secs(200) && ahead < SignedDuration::from_secs(215));
        assert_eq!(alerts[0]["other"], "2026-11-27T10:03:31.501Z");
    }
}
