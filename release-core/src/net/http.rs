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

    /// What the response's `Retry-After` asks, in either form RFC 9110 allows: delay-seconds
    /// (`120`), or an HTTP date, read relative to the response's own `Date` header when it
    /// has a readable one (the server's clock against the server's clock), else to `now`. A
    /// date in the past asks for no wait; a number of seconds too large to hold is the
    /// longest wait there is. Anything else (`-5`, `3600.0`, `soon`, two different values) is
    /// [`RetryAfter::Unreadable`], never silently the same as no header.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use release_core::net::{HttpResponse, RetryAfter};
    /// let at = |value: &str| {
    ///     let mut headers = reqwest::header::HeaderMap::new();
    ///     headers.insert("date", "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
    ///     headers.insert("retry-after", value.parse().unwrap());
    ///     let response = HttpResponse { status: 503, headers, body: vec![], truncated: false,
    ///         latency: Duration::ZERO, final_url: String::new() };
    ///     response.retry_after(SystemTime::now())
    /// };
    /// assert_eq!(at("120").wait(), Some(Duration::from_secs(120)));
    /// assert_eq!(at("Sun, 06 Nov 1994 08:51:37 GMT").wait(), Some(Duration::from_secs(120)));
    /// assert_eq!(at("Sun, 06 Nov 1994 08:00:00 GMT").wait(), Some(Duration::ZERO));
    /// assert!(matches!(at("3600.0"), RetryAfter::Unreadable(_)));
    /// ```
    pub fn retry_after(&self, now: std::time::SystemTime) -> RetryAfter {
        let mut values = self.headers.get_all(reqwest::header::RETRY_AFTER).iter();
        let Some(first) = values.next() else {
            return RetryAfter::Absent;
        };
        let shown = |value: &HeaderValue| {
            let text = String::from_utf8_lossy(value.as_bytes());
            let text = text.trim();
            let clipped: String = text.chars().take(60).collect();
            let more = if clipped.len() < text.len() {
                "…"
            } else {
                ""
            };
            format!("{}{more}", crate::names::escaped(&clipped))
        };
        if values.any(|other| other.as_bytes().trim_ascii() != first.as_bytes().trim_ascii()) {
            return RetryAfter::Unreadable(format!("{} and another value", shown(first)));
        }
        let unreadable = || RetryAfter::Unreadable(shown(first));
        let Ok(text) = first.to_str() else {
            return unreadable();
        };
        let text = text.trim();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            // More seconds than a u64 holds is still a request to wait, longer than any
            // budget: the longest wait there is.
            let seconds = text.parse::<u64>().unwrap_or(u64::MAX);
            return RetryAfter::Seconds(Duration::from_secs(seconds));
        }
        let Ok(until) = httpdate::parse_http_date(text) else {
            return unreadable();
        };
        let reference = self
            .header("date")
            .and_then(|date| httpdate::parse_http_date(date.trim()).ok())
            .unwrap_or(now);
        RetryAfter::Date {
            wait: until.duration_since(reference).unwrap_or(Duration::ZERO),
            date: text.to_owned(),
        }
    }
}

/// What a response's `Retry-After` header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAfter {
    /// No header.
    Absent,
    /// Delay-seconds: wait this long.
    Seconds(Duration),
    /// An HTTP date: wait this long (zero for a date in the past).
    Date {
        /// The wait until the date.
        wait: Duration,
        /// The date as the server wrote it.
        date: String,
    },
    /// A value that is neither delay-seconds nor an HTTP date (or two values that differ), as
    /// received: escaped and clipped for a message.
    Unreadable(String),
}

impl RetryAfter {
    /// The wait asked for, when the header asks for one that could be read.
    pub fn wait(&self) -> Option<Duration> {
        match self {
            RetryAfter::Seconds(wait) | RetryAfter::Date { wait, .. } => Some(*wait),
            RetryAfter::Absent | RetryAfter::Unreadable(_) => None,
        }
    }

    /// How a message names the header: `Retry-After`, or with its date
    /// (`Retry-After: Sun, 06 Nov 1994 08:49:37 GMT`), since the wait was worked out from it.
    pub fn named(&self) -> String {
        match self {
            RetryAfter::Date { date, .. } => {
                format!("Retry-After: {}", crate::names::escaped(date))
            }
            _ => "Retry-After".to_owned(),
        }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn response(headers: &[(&str, &[u8])]) -> HttpResponse {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        HttpResponse {
            status: 503,
            headers: map,
            body: Vec::new(),
            truncated: false,
            latency: Duration::ZERO,
            final_url: String::new(),
        }
    }

    #[test]
    fn retry_after_reads_both_forms_and_names_what_it_cannot() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let read = |headers: &[(&str, &[u8])]| response(headers).retry_after(now);
        assert_eq!(read(&[]), RetryAfter::Absent);
        assert_eq!(
            read(&[("retry-after", b"120")]),
            RetryAfter::Seconds(Duration::from_secs(120))
        );
        assert_eq!(
            read(&[("retry-after", b" 7 ")]).wait(),
            Some(Duration::from_secs(7))
        );
        assert_eq!(read(&[("retry-after", b"0")]).wait(), Some(Duration::ZERO));
        // Without a `Date` header, the date is read against the clock; all three forms.
        for date in [
            "Sun, 06 Nov 1994 08:50:07 GMT",
            "Sunday, 06-Nov-94 08:50:07 GMT",
            "Sun Nov  6 08:50:07 1994",
        ] {
            assert_eq!(
                read(&[("retry-after", date.as_bytes())]),
                RetryAfter::Date {
                    wait: Duration::from_secs(30),
                    date: date.to_owned()
                },
                "{date}"
            );
        }
        // With one, against the server's own clock, however far ours is off.
        let skewed = read(&[
            ("retry-after", b"Mon, 07 Nov 1994 00:00:10 GMT"),
            ("date", b"Mon, 07 Nov 1994 00:00:00 GMT"),
        ]);
        assert_eq!(skewed.wait(), Some(Duration::from_secs(10)));
        assert_eq!(skewed.named(), "Retry-After: Mon, 07 Nov 1994 00:00:10 GMT");
        // A `Date` that cannot be read falls back to the clock.
        let fallback = read(&[
            ("retry-after", b"Sun, 06 Nov 1994 08:49:47 GMT"),
            ("date", b"yesterday"),
        ]);
        assert_eq!(fallback.wait(), Some(Duration::from_secs(10)));
        // The past is no wait.
        assert_eq!(
            read(&[("retry-after", b"Sat, 01 Jan 1994 00:00:00 GMT")]).wait(),
            Some(Duration::ZERO)
        );
        // Too many seconds to hold is the longest wait, not no wait.
        assert_eq!(
            read(&[("retry-after", b"99999999999999999999")]).wait(),
            Some(Duration::from_secs(u64::MAX))
        );
        for (value, shown) in [
            (&b"-5"[..], "-5"),
            (b"3600.0", "3600.0"),
            (b"+5", "+5"),
            (b"", ""),
            (b"soon", "soon"),
            (b"5s", "5s"),
            (b"\xff1", "\u{fffd}1"),
            (b"1\tx", "1\\tx"),
        ] {
            assert_eq!(
                read(&[("retry-after", value)]),
                RetryAfter::Unreadable(shown.to_owned()),
                "{value:?}"
            );
        }
        let long = "x".repeat(100);
        assert_eq!(
            read(&[("retry-after", long.as_bytes())]),
            RetryAfter::Unreadable(format!("{}…", "x".repeat(60)))
        );
        // Two answers that differ are not a guess at one of them; the same twice is one.
        assert_eq!(
            read(&[("retry-after", b"1"), ("retry-after", b"3600")]),
            RetryAfter::Unreadable("1 and another value".to_owned())
        );
        assert_eq!(
            read(&[("retry-after", b"5"), ("retry-after", b" 5")]).wait(),
            Some(Duration::from_secs(5))
        );
    }
}
