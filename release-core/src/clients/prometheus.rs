//! A Prometheus HTTP API client for instant queries: `POST /api/v1/query`, form-encoded.
//!
//! What breaks naive clients (reference section 2.5), handled here: sample values are
//! strings (`"1e-07"`, `"NaN"`, `"+Inf"`); timestamps are bare numbers, with or without
//! decimals; `status: "error"` arrives with HTTP 200 from some compatible backends (and
//! `status: "success"` with a 400 from none that behave), so both the code and the envelope
//! are checked; proxies in front answer with HTML or plain text, which is reported as such;
//! `warnings` and `infos` come with partial data and are kept.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::errors::SampleValueError;
use crate::net::json::{JsonError, JsonProblem};
use crate::net::shape::describe;
use crate::net::{HttpRequest, HttpResponse};

/// One instant query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryAnswer {
    /// The result.
    pub result: QueryResult,
    /// `warnings` of the envelope, e.g. partial data from a failed remote read.
    pub warnings: Vec<String>,
    /// `infos` of the envelope (newer servers).
    pub infos: Vec<String>,
}

/// What a query returned.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    /// An instant vector: one value per series.
    Vector(Vec<Series>),
    /// A scalar.
    Scalar(f64),
    /// A range vector: many values per series (not what an instant query usually returns).
    Matrix(Vec<(BTreeMap<String, String>, Vec<f64>)>),
    /// A string.
    String(String),
}

/// One series of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its value (`NaN` and infinities included); `None` for a native-histogram sample.
    pub value: Option<f64>,
}

impl Series {
    /// The labels as PromQL writes them: `{job="api",code="500"}`.
    pub fn describe(&self) -> String {
        describe_labels(&self.labels)
    }
}

/// Labels as PromQL writes a series: `name{label="value",…}`.
pub(crate) fn describe_labels(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("__name__").map_or("", String::as_str);
    let inner: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// Why a query gave no answer. A status that is not 2xx leads the message (`HTTP 404: …`).
#[derive(Debug, Clone, PartialEq)]
pub enum PrometheusError {
    /// Prometheus answered with its error envelope.
    Api {
        /// `errorType`: `bad_data`, `execution`, `timeout`, `canceled`, `internal`, …
        error_type: String,
        /// `error`.
        message: String,
        /// The HTTP status it came with.
        status: u16,
    },
    /// Something that is not Prometheus answered: a proxy's HTML page, an auth proxy's text.
    NotPrometheus {
        /// The HTTP status.
        status: u16,
        /// The content type, or `no content type`.
        content_type: String,
        /// The page's title or first words.
        excerpt: String,
    },
    /// A Prometheus envelope that does not hold together.
    Malformed {
        /// The HTTP status.
        status: u16,
        /// What is wrong.
        reason: String,
    },
}

impl std::fmt::Display for PrometheusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let failed = |status: &u16| !(200..300).contains(status);
        match self {
            Self::Api {
                error_type,
                message,
                status,
            } if failed(status) => write!(
                f,
                "HTTP {status}: Prometheus refused the query ({error_type}): {message}"
            ),
            Self::Api {
                error_type,
                message,
                status,
            } => write!(
                f,
                "Prometheus refused the query ({error_type}, HTTP {status}): {message}"
            ),
            Self::NotPrometheus {
                status,
                content_type,
                excerpt,
            } if failed(status) => write!(
                f,
                "HTTP {status}: not a Prometheus answer ({content_type}): {excerpt}"
            ),
            Self::NotPrometheus {
                status,
                content_type,
                excerpt,
            } => write!(
                f,
                "not a Prometheus answer: HTTP {status}, {content_type}: {excerpt}"
            ),
            Self::Malformed { status, reason } if failed(status) => {
                write!(f, "HTTP {status}: malformed Prometheus answer: {reason}")
            }
            Self::Malformed { status, reason } => {
                write!(f, "malformed Prometheus answer (HTTP {status}): {reason}")
            }
        }
    }
}

impl std::error::Error for PrometheusError {}

/// The form body of an instant query.
pub fn query_request(base_url: &str, query: &str) -> HttpRequest {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("query", query)
        .finish();
    let mut request = HttpRequest::get(format!("{}/api/v1/query", base_url.trim_end_matches('/')));
    request.method = reqwest::Method::POST;
    request.body = Some((
        "application/x-www-form-urlencoded".to_owned(),
        body.into_bytes(),
    ));
    request
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Value,
}

/// Reads a response to an instant query.
pub fn parse_answer(response: &HttpResponse) -> Result<QueryAnswer, PrometheusError> {
    let status = response.status;
    let content_type = response
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .to_owned();
    if response.truncated {
        return Err(PrometheusError::Malformed {
            status,
            reason: format!(
                "the answer is larger than the {} byte cap; narrow the query (aggregate, or fewer series)",
                response.body.len()
            ),
        });
    }
    let text = String::from_utf8_lossy(&response.body);
    let looks_like_json = text.trim_start().starts_with('{') && content_type.contains("json");
    let not_prometheus = || PrometheusError::NotPrometheus {
        status,
        content_type: content_type.clone(),
        excerpt: excerpt(&text),
    };
    let envelope: Envelope = match crate::net::json::parse(&response.body) {
        Ok(value) => match crate::net::shape::from_value(&value) {
            Ok(envelope) => envelope,
            Err(e) if looks_like_json => {
                return Err(PrometheusError::Malformed {
                    status,
                    reason: format!("not the query API's envelope: {e}"),
                });
            }
            Err(_) => return Err(not_prometheus()),
        },
        // A JSON document that breaks the rules every upstream body is read by (not UTF-8, a
        // key twice, too deep) is malformed, whatever its content type says.
        Err(
            e @ JsonError::Malformed(crate::json::JsonError {
                problem: JsonProblem::NotUtf8 | JsonProblem::DuplicateKey | JsonProblem::TooDeep,
                ..
            }),
        ) => {
            return Err(PrometheusError::Malformed {
                status,
                reason: e.to_string(),
            });
        }
        Err(e) if looks_like_json => {
            return Err(PrometheusError::Malformed {
                status,
                reason: format!("not the query API's envelope: {e}"),
            });
        }
        Err(_) => return Err(not_prometheus()),
    };
    if envelope.status == "error" {
        return Err(PrometheusError::Api {
            error_type: envelope.error_type.unwrap_or_else(|| "unknown".to_owned()),
            message: envelope.error.unwrap_or_else(|| "no message".to_owned()),
            status,
        });
    }
    if envelope.status != "success" {
        return Err(PrometheusError::Malformed {
            status,
            reason: format!("unknown status {:?}", clip(&envelope.status)),
        });
    }
    if !(200..300).contains(&status) {
        return Err(PrometheusError::Malformed {
            status,
            reason: "`status: success` with an error code: the answer cannot be trusted".to_owned(),
        });
    }
    let Some(data) = envelope.data else {
        return Err(PrometheusError::Malformed {
            status,
            reason: "no `data` in a successful answer".to_owned(),
        });
    };
    let malformed = |reason: String| PrometheusError::Malformed { status, reason };
    let result = match data.result_type.as_str() {
        "vector" => QueryResult::Vector(vector(&data.result).map_err(malformed)?),
        "scalar" => {
            let (_, text) =
                pair(&data.result, "result", "a [time, \"number\"] pair").map_err(&malformed)?;
            QueryResult::Scalar(parse_value(text).map_err(|e| malformed(e.to_string()))?)
        }
        "matrix" => QueryResult::Matrix(matrix(&data.result).map_err(malformed)?),
        "string" => {
            let (_, text) =
                pair(&data.result, "result", "a [time, \"text\"] pair").map_err(&malformed)?;
            QueryResult::String(text.to_owned())
        }
        other => return Err(malformed(format!("unknown resultType {:?}", clip(other)))),
    };
    Ok(QueryAnswer {
        result,
        warnings: envelope.warnings,
        infos: envelope.infos,
    })
}

/// A series' labels, by name.
type Labels = BTreeMap<String, String>;

/// An instant vector's series: `[{"metric": {…}, "value": [time, "number"]}, …]`, or a
/// native histogram's `histogram` in place of `value`. Each shape problem is said in JSON's
/// words and names the series.
fn vector(result: &Value) -> Result<Vec<Series>, String> {
    let items = result.as_array().ok_or_else(|| {
        format!(
            "`result` should be an array of series; got {}",
            describe(result)
        )
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (labels, item) = series(i, item)?;
            let at = || describe_labels(&labels);
            let value = match (item.get("value"), item.get("histogram")) {
                (Some(value), _) => {
                    let (_, text) = pair(value, "value", "a [time, \"number\"] pair")
                        .map_err(|why| format!("series {}: {why}", at()))?;
                    Some(parse_value(text).map_err(|e| e.to_string())?)
                }
                (None, Some(_)) => None,
                (None, None) => return Err(format!("series {} has no value", at())),
            };
            Ok(Series { labels, value })
        })
        .collect()
}

/// A range vector's series: `[{"metric": {…}, "values": [[time, "number"], …]}, …]`.
fn matrix(result: &Value) -> Result<Vec<(Labels, Vec<f64>)>, String> {
    let items = result.as_array().ok_or_else(|| {
        format!(
            "`result` should be an array of series; got {}",
            describe(result)
        )
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (labels, item) = series(i, item)?;
            let values = match item.get("values") {
                None => Vec::new(),
                Some(Value::Array(values)) => values
                    .iter()
                    .enumerate()
                    .map(|(n, value)| {
                        let (_, text) =
                            pair(value, &format!("values[{n}]"), "a [time, \"number\"] pair")
                                .map_err(|why| {
                                    format!("series {}: {why}", describe_labels(&labels))
                                })?;
                        parse_value(text).map_err(|e| e.to_string())
                    })
                    .collect::<Result<_, _>>()?,
                Some(other) => {
                    return Err(format!(
                        "series {}: `values` should be an array of [time, \"number\"] pairs; got {}",
                        describe_labels(&labels),
                        describe(other)
                    ));
                }
            };
            Ok((labels, values))
        })
        .collect()
}

/// Series number `i` of a result: its labels (`metric`, an object of strings; none when
/// absent) and the object itself.
fn series(i: usize, item: &Value) -> Result<(Labels, &serde_json::Map<String, Value>), String> {
    let Value::Object(item) = item else {
        return Err(format!(
            "series {i} should be an object; got {}",
            describe(item)
        ));
    };
    let mut labels = BTreeMap::new();
    match item.get("metric") {
        None | Some(Value::Null) => {}
        Some(Value::Object(metric)) => {
            for (name, value) in metric {
                let Value::String(value) = value else {
                    return Err(format!(
                        "series {i}: label `{}` should be a string; got {}",
                        crate::names::escaped(name),
                        describe(value)
                    ));
                };
                labels.insert(name.clone(), value.clone());
            }
        }
        Some(other) => {
            return Err(format!(
                "series {i}: `metric` should be an object of labels; got {}",
                describe(other)
            ));
        }
    }
    Ok((labels, item))
}

/// A `[time, "text"]` pair, as Prometheus writes a sample: the time a number of seconds, the
/// value a string (`"0.5"`, `"NaN"`, `"+Inf"`).
fn pair<'v>(value: &'v Value, name: &str, shape: &str) -> Result<(f64, &'v str), String> {
    let wrong = |got: String| format!("`{name}` should be {shape}; got {got}");
    let Value::Array(items) = value else {
        return Err(wrong(describe(value)));
    };
    let [time, text] = items.as_slice() else {
        return Err(wrong(describe(value)));
    };
    let Some(time) = time.as_f64() else {
        return Err(wrong(format!("{} for the time", describe(time))));
    };
    let Value::String(text) = text else {
        return Err(wrong(format!(
            "{} for the value, which Prometheus writes as a string",
            describe(text)
        )));
    };
    Ok((time, text))
}

/// A sample value: Go's float formatting, `NaN`, `+Inf` and `-Inf` included.
pub fn parse_value(text: &str) -> Result<f64, SampleValueError> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| SampleValueError { text: clip(text) })
}

fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}

/// A page's `<title>`, else its first words, on one line.
pub(crate) fn excerpt(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if let (Some(open), Some(close)) = (lower.find("<title>"), lower.find("</title>"))
        && open + 7 <= close
        && let Some(title) = text.get(open + 7..close)
    {
        return title.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match words.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &words[..at]),
        None if words.is_empty() => "an empty body".to_owned(),
        None => words,
    }
}

/// `user:password` as an HTTP Basic credential.
pub(crate) fn basic_credential(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}");
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4 + 6);
    out.push_str("Basic ");
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> HttpResponse {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(value) = content_type.parse() {
            headers.insert(reqwest::header::CONTENT_TYPE, value);
        }
        HttpResponse {
            status,
            headers,
            body: body.as_bytes().to_vec(),
            truncated: false,
            latency: std::time::Duration::ZERO,
            final_url: "http://prometheus/api/v1/query".to_owned(),
        }
    }

    #[test]
    fn hostile_json_is_malformed_whatever_the_content_type() {
        for (body, reason) in crate::net::json::hostile_bodies() {
            for content_type in ["application/json", "text/plain"] {
                let response = crate::net::json::test_response(200, content_type, &body);
                match parse_answer(&response) {
                    Err(PrometheusError::Malformed { reason: got, .. }) => {
                        assert!(got.starts_with(reason), "{got}");
                    }
                    other => panic!("{reason}, {content_type}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn values_are_go_floats_in_strings() {
        assert_eq!(parse_value("1e-07"), Ok(1e-7));
        assert_eq!(parse_value("+Inf"), Ok(f64::INFINITY));
        assert_eq!(parse_value("-Inf"), Ok(f64::NEG_INFINITY));
        assert!(parse_value("NaN").is_ok_and(f64::is_nan));
        assert_eq!(
            parse_value("ok").unwrap_err().to_string(),
            "sample value \"ok\" is not a number"
        );
    }

    #[test]
    fn basic_credentials_are_base64() {
        assert_eq!(
            basic_credential("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic_credential("a", "b"), "Basic YTpi");
        assert_eq!(basic_credential("ab", "cd"), "Basic YWI6Y2Q=");
    }

    #[test]
    fn an_error_envelope_with_200_is_an_error() {
        let body =
            r#"{"status":"error","errorType":"internal","error":"multiple matches for labels"}"#;
        let error = parse_answer(&response(200, "application/json", body)).unwrap_err();
        assert!(
            matches!(error, PrometheusError::Api { ref error_type, status: 200, .. } if error_type == "internal")
        );
    }

    #[test]
    fn a_proxy_page_is_named_for_what_it_is() {
        let body = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        let error = parse_answer(&response(502, "text/html", body)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "HTTP 502: not a Prometheus answer (text/html): 502 Bad Gateway"
        );
    }

    #[test]
    fn shape_problems_are_worded_for_people_never_in_serdes_words() {
        let answer = |data: &str| {
            let body = format!(r#"{{"status":"success","data":{data}}}"#);
            parse_answer(&response(200, "application/json", &body))
                .unwrap_err()
                .to_string()
        };
        let vector =
            |result: &str| answer(&format!(r#"{{"resultType":"vector","result":{result}}}"#));
        let m = "malformed Prometheus answer (HTTP 200): ";
        for (said, expected) in [
            (
                vector(r#"[{"metric":{},"value":[1,0.5]}]"#),
                r#"series {}: `value` should be a [time, "number"] pair; got the number 0.5 for the value, which Prometheus writes as a string"#,
            ),
            (
                vector(r#"[{"metric":{},"value":[1,"0.5","9"]}]"#),
                r#"series {}: `value` should be a [time, "number"] pair; got an array of 3"#,
            ),
            (
                vector(r#"[{"metric":{"job":"api"},"value":["x","0.5"]}]"#),
                r#"series {job="api"}: `value` should be a [time, "number"] pair; got the string "x" for the time"#,
            ),
            (
                vector(r#"[{"metric":{},"value":"0.5"}]"#),
                r#"series {}: `value` should be a [time, "number"] pair; got the string "0.5""#,
            ),
            (
                vector(r#"[{"metric":{"job":5},"value":[1,"0.5"]}]"#),
                "series 0: label `job` should be a string; got the number 5",
            ),
            (
                vector(r#"[{"metric":[],"value":[1,"0.5"]}]"#),
                "series 0: `metric` should be an object of labels; got an array of 0",
            ),
            (
                vector(r#"[5]"#),
                "series 0 should be an object; got the number 5",
            ),
            (
                vector(r#"{"a":1}"#),
                "`result` should be an array of series; got an object",
            ),
            (
                answer(r#"{"resultType":"scalar","result":[1]}"#),
                r#"`result` should be a [time, "number"] pair; got an array of 1"#,
            ),
            (
                answer(r#"{"resultType":"string","result":[1,2]}"#),
                r#"`result` should be a [time, "text"] pair; got the number 2 for the value, which Prometheus writes as a string"#,
            ),
            (
                answer(
                    r#"{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2]]}]}"#,
                ),
                r#"series {}: `values[1]` should be a [time, "number"] pair; got an array of 1"#,
            ),
            (
                answer(r#"{"resultType":"matrix","result":[{"metric":{},"values":{}}]}"#),
                r#"series {}: `values` should be an array of [time, "number"] pairs; got an object"#,
            ),
            (
                answer(r#"{"resultType":7,"result":[]}"#),
                "not the query API's envelope: `data.resultType`: expected a string, got the number 7",
            ),
            (
                answer(r#"{"resultType":"vector","result":[]},"warnings":[5]"#),
                "not the query API's envelope: `warnings[0]`: expected a string, got the number 5",
            ),
        ] {
            assert_eq!(said, format!("{m}{expected}"));
            for rust in [
                "f64",
                "floating point",
                "sequence",
                "invalid type",
                "invalid length",
            ] {
                assert!(!said.contains(rust), "{said}");
            }
        }
    }

    #[test]
    fn timestamps_with_or_without_decimals_parse() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1435781451,"2"]},{"metric":{"a":"b"},"value":[1435781451.781,"3"]}]}}"#;
        let answer = parse_answer(&response(200, "application/json", body)).unwrap();
        let QueryResult::Vector(series) = answer.result else {
            panic!("a vector")
        };
        assert_eq!(series[0].value, Some(2.0));
        assert_eq!(series[1].describe(), r#"{a="b"}"#);
    }
}
