//! Every byte on the wire, bounded: the HTTP client (connect and total timeouts, capped
//! bodies, TLS), the retry policy, one exchange sent within a time budget, and JSON bodies read
//! with a depth limit. Below the gates and the upstream clients, which both send through it.

pub(crate) mod exchange;
mod http;
pub mod json;
mod retry;
pub(crate) mod shape;
pub(crate) mod tls;

pub(crate) use http::redact_url;
pub use http::{
    DEFAULT_BODY_CAP, HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse, RetryAfter,
};
pub(crate) use retry::check_retries;
pub use retry::{RetryDecision, RetryPolicy};
