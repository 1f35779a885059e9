//! Clients for the systems gates talk to, each bounded: connect and total timeouts, capped
//! bodies, bounded retries.

pub mod alertmanager;
mod http;
pub mod json;
pub mod prometheus;
pub mod railway;
mod retry;
pub(crate) mod shape;
mod tls;

pub(crate) use http::redact_url as redact_url_for_reports;
pub use http::{
    DEFAULT_BODY_CAP, HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse, RetryAfter,
};
pub use retry::{RetryDecision, RetryPolicy};
