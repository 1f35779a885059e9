use std::time::Duration;

/// Whether to try again, and after how long: the decision, kept apart from the loop that
/// sleeps and retries so it can be tested without a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Stop and report this attempt's result: no retries left.
    Stop,
    /// Try again after the delay.
    RetryAfter(Duration),
    /// A retry is left, but its wait (the server's `Retry-After`, or the backoff) is longer
    /// than `max_wait` or than the time left: stop, and say so.
    WaitTooLong(Duration),
}

/// Bounded retries with exponential backoff that honour `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first backoff; doubled for each later retry.
    pub backoff: Duration,
    /// No single wait is longer than this, `Retry-After` included.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 0,
            backoff: Duration::from_millis(200),
            max_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// What to do after attempt number `attempt` (1-based) ended retryably; `retry_after` is
    /// the server's request, `remaining` the time left in the gate's budget. A wait that would
    /// not leave time for another attempt is not taken.
    ///
    /// ```
    /// use std::time::Duration;
    /// use release_core::net::{RetryDecision, RetryPolicy};
    /// let policy = RetryPolicy { retries: 2, ..RetryPolicy::default() };
    /// let ms = Duration::from_millis;
    /// assert_eq!(policy.decide(1, None, ms(5000)), RetryDecision::RetryAfter(ms(200)));
    /// assert_eq!(policy.decide(2, None, ms(5000)), RetryDecision::RetryAfter(ms(400)));
    /// assert_eq!(policy.decide(3, None, ms(5000)), RetryDecision::Stop);
    /// assert_eq!(policy.decide(1, Some(ms(1000)), ms(5000)), RetryDecision::RetryAfter(ms(1000)));
    /// assert_eq!(policy.decide(1, Some(ms(9000)), ms(5000)), RetryDecision::WaitTooLong(ms(9000)));
    /// let long = Duration::from_secs(45);
    /// assert_eq!(policy.decide(1, Some(long), Duration::MAX), RetryDecision::WaitTooLong(long));
    /// assert_eq!(policy.decide(3, Some(long), Duration::MAX), RetryDecision::Stop);
    /// ```
    pub fn decide(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        remaining: Duration,
    ) -> RetryDecision {
        if attempt > self.retries {
            return RetryDecision::Stop;
        }
        let exponent = attempt.saturating_sub(1).min(16);
        let backoff = self.backoff.saturating_mul(1 << exponent);
        // A server that asks for more patience than we have is not retried early.
        let wait = retry_after.unwrap_or(backoff.min(self.max_wait));
        if wait > self.max_wait || wait >= remaining {
            RetryDecision::WaitTooLong(wait)
        } else {
            RetryDecision::RetryAfter(wait)
        }
    }
}

/// More retries than this only hide a broken service.
pub(crate) fn check_retries(retries: u32) -> Result<(), String> {
    if retries > 10 {
        return Err(format!("`retries` is {retries}; at most 10"));
    }
    Ok(())
}
