//! Faults injected on one API path.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::app::{EndpointResponder, json_response};
use crate::embedded;
use crate::recorded::valid_status;
use crate::route::Route;

/// Priority of injected faults: above everything else the environment mounts.
pub(crate) const FAULT_PRIORITY: u8 = 1;

/// A way for one API path to misbehave, injected with
/// [`MockEnvironment::inject`](crate::MockEnvironment::inject). A fault takes precedence over the
/// scenario; faults injected on the same path apply in injection order, a limited one
/// ([`Fault::RateLimited`]) giving way to the next, and finally to the scenario.
///
/// ```
/// use std::time::Duration;
/// use release_testkit::{Fault, MockEnvironment, Scenario};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let env = MockEnvironment::start(Scenario::Healthy).await;
/// env.inject("/health", Fault::Status(502)).await;
///
/// let response = reqwest::get(format!("{}/health", env.api_url())).await.unwrap();
/// assert_eq!(response.status(), 502);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Answers with this status and a small JSON error body. A status HTTP cannot carry
    /// (outside 100-999) is served as 500 with a body that says so.
    Status(u16),
    /// The scenario's normal answer, after this much more delay.
    Delay(Duration),
    /// 200, `application/json`, no body at all.
    EmptyBody,
    /// 200, `application/json`, body `{"status": "pa`.
    MalformedJson,
    /// 200, `application/json`, a body of exactly this many bytes of JSON-shaped filler
    /// (`{"status":"pass","padding":"xxxx…"}` when it fits).
    OversizedBody(usize),
    /// Accepts the connection and never answers (for [`Fault::HANG`]).
    Hang,
    /// 429 with `Retry-After: retry_after_secs` for the next `times` requests, then the normal
    /// answer.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
        /// How many requests are refused.
        times: u64,
    },
    /// This status with these headers, as given (a `Retry-After` in any form, a `Date`), and
    /// a small JSON error body, for the next `times` requests, then the normal answer.
    WithHeaders {
        /// The status; one HTTP cannot carry is served as 500.
        status: u16,
        /// The headers, name and value, byte for byte.
        headers: Vec<(String, String)>,
        /// How many requests get it.
        times: u64,
    },
    /// 302 to the same path and query on the environment's other host
    /// ([`MockEnvironment::other_host_url`](crate::MockEnvironment::other_host_url)), which
    /// answers health+json `pass` and records what reached it.
    RedirectToOtherHost,
    /// 302 to this URL, as given (to a path of the web server, say, which is another host by
    /// port: a redirect there is cross-host for the client).
    RedirectTo(String),
    /// Answers with exactly these bytes, status and content type: bodies no recorded response
    /// can hold (bytes that are not UTF-8, duplicate keys, deep nesting). A status HTTP cannot
    /// carry is served as 500.
    Body {
        /// The status.
        status: u16,
        /// The `content-type` header.
        content_type: String,
        /// The body, byte for byte.
        body: Vec<u8>,
    },
}

impl Fault {
    /// How long [`Fault::Hang`] keeps the request waiting: far longer than any gate timeout.
    ///
    /// ```
    /// assert_eq!(release_testkit::Fault::HANG.as_secs(), 3600);
    /// ```
    pub const HANG: Duration = Duration::from_secs(3600);

    /// The mock to mount on the API server for `path`. `routes` are the scenario's responders
    /// for that path (for [`Fault::Delay`]). `None` means nothing to mount (`times: 0`).
    pub(crate) fn mock(
        &self,
        path: &str,
        routes: Vec<Arc<EndpointResponder>>,
        other_host_url: &str,
    ) -> Option<Mock> {
        let given = Mock::given(Route::path(path));
        let mock = match self {
            Self::Status(status) => given.respond_with(status_response(*status)),
            Self::Delay(delay) => given.respond_with(Delayed {
                routes,
                delay: *delay,
            }),
            Self::EmptyBody => {
                given.respond_with(embedded::response("health", "empty-body").template())
            }
            Self::MalformedJson => {
                given.respond_with(embedded::response("health", "malformed-json").template())
            }
            Self::OversizedBody(len) => given.respond_with(
                ResponseTemplate::new(200).set_body_raw(oversized_body(*len), "application/json"),
            ),
            Self::Hang => given.respond_with(
                embedded::response("health", "health-json-pass")
                    .template()
                    .set_delay(Self::HANG),
            ),
            Self::RateLimited {
                retry_after_secs,
                times,
            } => {
                if *times == 0 {
                    return None;
                }
                given
                    .respond_with(
                        json_response(429, &json!({ "error": "rate limited" }))
                            .insert_header("retry-after", retry_after_secs.to_string()),
                    )
                    .up_to_n_times(*times)
            }
            Self::WithHeaders {
                status,
                headers,
                times,
            } => {
                if *times == 0 {
                    return None;
                }
                let mut template = status_response(*status);
                for (name, value) in headers {
                    template = template.insert_header(name.as_str(), value.as_str());
                }
                given.respond_with(template).up_to_n_times(*times)
            }
            Self::RedirectToOtherHost => given.respond_with(Redirect {
                base: other_host_url.to_owned(),
            }),
            Self::RedirectTo(location) => given.respond_with(
                ResponseTemplate::new(302).insert_header("location", location.as_str()),
            ),
            Self::Body {
                status,
                content_type,
                body,
            } => {
                let status = if valid_status(*status) { *status } else { 500 };
                given.respond_with(
                    ResponseTemplate::new(status).set_body_raw(body.clone(), content_type),
                )
            }
        };
        Some(
            mock.with_priority(FAULT_PRIORITY)
                .named(format!("fault {self:?} on {path}")),
        )
    }
}

fn status_response(status: u16) -> ResponseTemplate {
    if valid_status(status) {
        json_response(
            status,
            &json!({ "error": format!("injected status {status}") }),
        )
    } else {
        json_response(
            500,
            &json!({ "error": format!("invalid injected status {status}, served as 500") }),
        )
    }
}

/// Exactly `len` bytes: `{"status":"pass","padding":"xx…x"}`, or only `x`s when that does not
/// fit.
fn oversized_body(len: usize) -> Vec<u8> {
    const HEAD: &[u8] = br#"{"status":"pass","padding":""#;
    const TAIL: &[u8] = br#""}"#;
    let Some(filler) = len.checked_sub(HEAD.len() + TAIL.len()) else {
        return vec![b'x'; len];
    };
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(HEAD);
    body.resize(HEAD.len() + filler, b'x');
    body.extend_from_slice(TAIL);
    body
}

/// The scenario's answer for the request's method, later; 404 (later) when the path has no
/// route for that method.
struct Delayed {
    routes: Vec<Arc<EndpointResponder>>,
    delay: Duration,
}

impl Respond for Delayed {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let route = self.routes.iter().find(|route| {
            request
                .method
                .as_str()
                .eq_ignore_ascii_case(route.endpoint().method())
        });
        match route {
            Some(route) => route.respond_delayed(request, self.delay),
            None => ResponseTemplate::new(404).set_delay(self.delay),
        }
    }
}

/// 302 to the same path and query on another host.
struct Redirect {
    base: String,
}

impl Respond for Redirect {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut location = format!("{}{}", self.base, request.url.path());
        if let Some(query) = request.url.query() {
            location.push('?');
            location.push_str(query);
        }
        ResponseTemplate::new(302).insert_header("location", location.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_bodies_have_the_exact_length_and_parse_when_they_fit() {
        let fits = br#"{"status":"pass","padding":""}"#.len();
        for len in [0, 1, fits - 1, fits, fits + 1, 1000, 10 * 1024 * 1024] {
            let body = oversized_body(len);
            assert_eq!(body.len(), len);
            if len >= fits {
                let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(value["status"], "pass");
            }
        }
    }
}
