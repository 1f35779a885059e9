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

use super::http::{HttpRequest, HttpResponse};
use super::json::{JsonError, JsonProblem};

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

#[derive(Deserialize)]
struct VectorSample {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    value: Option<(f64, String)>,
    #[serde(default)]
    histogram: Option<Value>,
}

#[derive(Deserialize)]
struct MatrixSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
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
    let envelope: Envelope = match super::json::parse(&response.body) {
        Ok(value) => match serde_json::from_value(value) {
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
        "vector" => {
            let samples: Vec<VectorSample> = serde_json::from_value(data.result)
                .map_err(|e| malformed(format!("a vector that does not parse: {e}")))?;
            let series = samples
                .into_iter()
                .map(|s| {
                    let value = match (s.value, s.histogram) {
                        (Some((_, text)), _) => Some(parse_value(&text).map_err(&malformed)?),
                        (None, Some(_)) => None,
                        (None, None) => {
                            return Err(malformed(format!(
                                "series {} has no value",
                                describe_labels(&s.metric)
                            )));
                        }
                    };
                    Ok(Series {
                        labels: s.metric,
                        value,
                    })
                })
                .collect::<Result<_, _>>()?;
            QueryResult::Vector(series)
        }
        "scalar" => {
            let (_, text): (f64, String) = serde_json::from_value(data.result)
                .map_err(|e| malformed(format!("a scalar that does not parse: {e}")))?;
            QueryResult::Scalar(parse_value(&text).map_err(&malformed)?)
        }
        "matrix" => {
            let series: Vec<MatrixSeries> = serde_json::from_value(data.result)
                .map_err(|e| malformed(format!("a matrix that does not parse: {e}")))?;
            let series = series
                .into_iter()
                .map(|s| {
                    let values = s
                        .values
                        .iter()
                        .map(|(_, text)| parse_value(text))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(&malformed)?;
                    Ok((s.metric, values))
                })
                .collect::<Result<_, _>>()?;
            QueryResult::Matrix(series)
        }
        "string" => {
            let (_, text): (f64, String) = serde_json::from_value(data.result)
                .map_err(|e| malformed(format!("a string result that does not parse: {e}")))?;
            QueryResult::String(text)
        }
        other => return Err(malformed(format!("unknown resultType {:?}", clip(other)))),
    };
    Ok(QueryAnswer {
        result,
        warnings: envelope.warnings,
        infos: envelope.infos,
    })
}

/// A sample value: Go's float formatting, `NaN`, `+Inf` and `-Inf` included.
pub fn parse_value(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| format!("sample value {:?} is not a number", clip(text)))
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
        for (body, reason) in crate::clients::json::hostile_bodies() {
            for content_type in ["application/json", "text/plain"] {
                let response = crate::clients::json::test_response(200, content_type, &body);
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
        assert!(parse_value("ok").is_err());
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
