//! Faults injected on one operation of the [`RailwayPlatformMock`](crate::RailwayPlatformMock).

use std::time::Duration;

use serde_json::json;

use crate::fault::Fault;
use crate::recorded::RecordedResponse;

/// What the next calls of one operation answer instead of the platform's state, injected with
/// [`RailwayPlatformMock::inject`](crate::RailwayPlatformMock::inject). By default a faulted
/// call does **not** act (the server refused before doing anything);
/// [`after_acting`](Self::after_acting) makes a mutation take effect first and only then
/// answer the fault, the case a client must reconcile ("500 after acting": never retry it
/// blindly). Faults on one operation apply in injection order.
///
/// ```
/// use std::time::Duration;
/// use release_testkit::RailwayFault;
///
/// let fault = RailwayFault::status(500).times(2).after_acting();
/// assert_eq!(fault.remaining(), 2);
/// assert!(fault.acts());
/// assert!(!RailwayFault::rate_limited(1).acts());
/// // A delay still gives the normal answer, so the call acts.
/// assert!(RailwayFault::delay(Duration::from_millis(50)).acts());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RailwayFault {
    /// `None`: the state's normal answer.
    pub(crate) response: Option<RecordedResponse>,
    pub(crate) delay: Duration,
    pub(crate) acts: bool,
    pub(crate) times: u64,
}

impl RailwayFault {
    /// Answers `response` once.
    ///
    /// ```
    /// use release_testkit::{RailwayFault, RecordedResponse};
    ///
    /// let fault = RailwayFault::respond(RecordedResponse::json(502, serde_json::json!({})));
    /// assert_eq!(fault.remaining(), 1);
    /// ```
    pub fn respond(response: RecordedResponse) -> Self {
        Self {
            response: Some(response),
            delay: Duration::ZERO,
            acts: false,
            times: 1,
        }
    }

    /// HTTP 200 with `{"data":null,"errors":[{"message":…}]}`: how Railway reports errors.
    pub fn graphql_error(message: &str) -> Self {
        Self::respond(RecordedResponse::json(
            200,
            json!({ "data": null, "errors": [{ "message": message }] }),
        ))
    }

    /// Railway's `Not Authorized` (HTTP 200), as for a token that lost its scope.
    pub fn not_authorized() -> Self {
        Self::graphql_error("Not Authorized")
    }

    /// HTTP 429 with `Retry-After: retry_after_secs` and body `{"data":null}`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::respond(
            RecordedResponse::json(429, json!({ "data": null }))
                .with_header("retry-after", &retry_after_secs.to_string()),
        )
    }

    /// HTTP `status` with Railway's generic `Problem processing request`.
    pub fn status(status: u16) -> Self {
        Self::respond(RecordedResponse::json(
            status,
            json!({ "data": null, "errors": [{ "message": "Problem processing request" }] }),
        ))
    }

    /// The normal answer, `delay` late (the call acts).
    pub fn delay(delay: Duration) -> Self {
        Self {
            response: None,
            delay,
            acts: true,
            times: 1,
        }
    }

    /// No answer for [`Fault::HANG`] (an hour); the call does not act unless
    /// [`after_acting`](Self::after_acting).
    pub fn hang() -> Self {
        Self {
            delay: Fault::HANG,
            ..Self::status(504)
        }
    }

    /// Applies to the next `times` calls instead of one (0: none).
    pub fn times(mut self, times: u64) -> Self {
        self.times = times;
        self
    }

    /// The mutation takes effect, then the fault answers.
    pub fn after_acting(mut self) -> Self {
        self.acts = true;
        self
    }

    /// Answers `delay` late (on top of any other delay of the fault).
    ///
    /// ```
    /// use std::time::Duration;
    /// use release_testkit::RailwayFault;
    ///
    /// let fault = RailwayFault::status(500).delayed(Duration::from_millis(20));
    /// assert!(!fault.acts());
    /// ```
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = self.delay.saturating_add(delay);
        self
    }

    /// How many calls it still applies to.
    pub fn remaining(&self) -> u64 {
        self.times
    }

    /// Whether a faulted mutation takes effect.
    pub fn acts(&self) -> bool {
        self.acts
    }
}
