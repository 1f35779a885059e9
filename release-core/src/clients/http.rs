use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

/// Bodies are read up to this many bytes unless a gate says otherwise (DESIGN: 1 MiB).
pub const DEFAULT_BODY_CAP: usize = 1024 * 1024;

/// How long a TCP (and TLS) connection may take to establish.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// At most this many redirects are followed.
const MAX_REDIRECTS: usize = 5;

/// The HTTP client gates share: one connection pool, bounded connects, a capped number of
/// redirects. reqwest drops `Authorization`, cookies and proxy credentials when a redirect
/// leaves the host, port or scheme, so a bearer token never follows a redirect elsewhere.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    connect_timeout: Duration,
    /// For requests that carry credentials reqwest does not know to strip on a cross-host
    /// redirect (Railway's `Project-Access-Token`): built on first use, never follows.
    no_redirects: std::sync::Arc<std::sync::OnceLock<Result<reqwest::Client, HttpError>>>,
}

/// One request, with everything bounded.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The method, e.g. `GET`.
    pub method: reqwest::Method,
    /// The full URL.
    pub url: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// A bearer token, sent as `Authorization: Bearer …`.
    pub bearer: Option<secrecy::SecretString>,
    /// The body, if any, with its content type.
    pub body: Option<(String, Vec<u8>)>,
    /// The whole exchange, connect to last body byte, must finish within this.
    pub timeout: Duration,
    /// Whether redirects are followed (default). Turn it off for requests whose credentials
    /// are in a header of their own: a redirect must not carry them to another host.
    pub follow_redirects: bool,
    /// The most body bytes kept; the rest is not read.
    pub body_cap: usize,
}

impl HttpRequest {
    /// A `GET` with a 10 s timeout and the default body cap.
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: reqwest::Method::GET,
            url: url.into(),
            headers: Vec::new(),
            bearer: None,
            body: None,
            timeout: Duration::from_secs(10),
            follow_redirects: true,
            body_cap: DEFAULT_BODY_CAP,
        }
    }
}

/// A response, its body read up to the cap.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, at most the cap.
    pub body: Vec<u8>,
    /// Whether the body was longer than the cap (and so cut).
    pub truncated: bool,
    /// Time to the last byte read.
    pub latency: Duration,
    /// The URL that answered, after redirects.
    pub final_url: String,
}

impl HttpResponse {
    /// A header's value, when present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type without parameters, lowercased (`application/json`).
    pub fn content_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The `Retry-After` delay, in its seconds form (the HTTP-date form is rare for APIs and
    /// is ignored, which falls back to the policy's backoff).
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")?
            .trim()
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
    }
}

/// What kind of failure an exchange had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpErrorKind {
    /// The request could not be built: a bad URL, method or header.
    Request,
    /// No connection: refused, unreachable, DNS, TLS.
    Connect,
    /// The exchange did not finish in time.
    Timeout,
    /// Too many redirects, or a redirect that could not be followed.
    Redirect,
    /// The connection broke while the body was read.
    Body,
}

/// An exchange that produced no response. The message never contains the URL's query or
/// credentials: reqwest's own messages are stripped of the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HttpError {
    /// What went wrong.
    pub kind: HttpErrorKind,
    /// In words.
    pub message: String,
}

impl HttpError {
    fn new(kind: HttpErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    fn from_reqwest(err: reqwest::Error, timeout: Duration, connect_timeout: Duration) -> Self {
        // A connect that timed out is a connect error (nothing reached the server, so even a
        // POST may be sent again), worded with the limit that fired.
        if err.is_connect() && err.is_timeout() {
            return Self::new(
                HttpErrorKind::Connect,
                format!(
                    "could not connect within {} (connect timeout)",
                    crate::duration::format_duration(connect_timeout)
                ),
            );
        }
        let kind = if err.is_timeout() {
            HttpErrorKind::Timeout
        } else if err.is_connect() {
            HttpErrorKind::Connect
        } else if err.is_redirect() {
            HttpErrorKind::Redirect
        } else if err.is_body() || err.is_decode() {
            HttpErrorKind::Body
        } else {
            HttpErrorKind::Request
        };
        let message = match kind {
            HttpErrorKind::Timeout => {
                format!(
                    "no answer within {}",
                    crate::duration::format_duration(timeout)
                )
            }
            // The innermost cause says what happened ("Connection refused"); the layers above
            // it only repeat that a request was being sent.
            HttpErrorKind::Connect => format!("cannot connect: {}", innermost(&err)),
            _ => describe(&err.without_url()),
        };
        Self::new(kind, message)
    }
}

fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// The error and its sources on one line, e.g. `error sending request: connection refused`.
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

impl HttpClient {
    /// A client with bounded connects (5 s) and redirects.
    pub fn new() -> Result<Self, HttpError> {
        Self::with_connect_timeout(CONNECT_TIMEOUT)
    }

    /// A client whose TCP (and TLS) connects may take at most `connect_timeout`.
    pub fn with_connect_timeout(connect_timeout: Duration) -> Result<Self, HttpError> {
        let inner = Self::builder(
            reqwest::redirect::Policy::limited(MAX_REDIRECTS),
            connect_timeout,
        )?;
        Ok(Self {
            inner,
            connect_timeout,
            no_redirects: Default::default(),
        })
    }

    fn builder(
        policy: reqwest::redirect::Policy,
        connect_timeout: Duration,
    ) -> Result<reqwest::Client, HttpError> {
        let tls = super::tls::client_config()
            .map_err(|e| HttpError::new(HttpErrorKind::Request, format!("TLS set-up: {e}")))?;
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(connect_timeout)
            .redirect(policy)
            // A Referer would carry the first URL, query string included, to wherever a
            // redirect leads.
            .referer(false)
            .user_agent(concat!("release/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpError::new(HttpErrorKind::Request, describe(&e)))
    }

    fn client_for(&self, request: &HttpRequest) -> Result<&reqwest::Client, HttpError> {
        if request.follow_redirects {
            return Ok(&self.inner);
        }
        self.no_redirects
            .get_or_init(|| Self::builder(reqwest::redirect::Policy::none(), self.connect_timeout))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Sends one request and reads the body up to the cap; never more than `timeout` in all.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        let start = Instant::now();
        let mut builder = self
            .client_for(request)?
            .request(request.method.clone(), &request.url)
            .timeout(request.timeout);
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                HttpError::new(
                    HttpErrorKind::Request,
                    format!("invalid header name `{name}`"),
                )
            })?;
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                HttpError::new(
                    HttpErrorKind::Request,
                    format!("invalid value for header `{name}`"),
                )
            })?;
            // Credentials in headers of their own stay out of reqwest's and hyper's debug output.
            if matches!(
                name.as_str(),
                "project-access-token" | "x-api-key" | "authorization"
            ) {
                value.set_sensitive(true);
            }
            headers.append(name, value);
        }
        if let Some(token) = &request.bearer {
            let mut value = HeaderValue::from_str(&format!(
                "Bearer {}",
                secrecy::ExposeSecret::expose_secret(token)
            ))
            .map_err(|_| {
                HttpError::new(
                    HttpErrorKind::Request,
                    "the bearer token is not a valid header value",
                )
            })?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        builder = builder.headers(headers);
        if let Some((content_type, body)) = &request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| HttpError::from_reqwest(e, request.timeout, self.connect_timeout))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let final_url = redact_url(response.url());
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| HttpError::from_reqwest(e, request.timeout, self.connect_timeout))?
        {
            let room = request.body_cap.saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                // The rest is not read: dropping the response closes the connection.
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
            truncated,
            latency: start.elapsed(),
            final_url,
        })
    }
}

/// A URL for reports: scheme, host, port and path; never credentials or the query string,
/// which may carry tokens.
pub(crate) fn redact_url(url: &reqwest::Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    if url.query().is_some() {
        shown.push_str("?…");
    }
    shown
}
