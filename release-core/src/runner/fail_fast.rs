//! Stopping a run once its outcome is decided: a required gate blocked it (fail-fast), or a
//! judge outside the runner (a rollback trigger that fired) said so. Shared by every part of a
//! run, and by runs that decide together, so the first decision stops them all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::duration::format_duration;

/// Why and when a run stopped before every gate finished, other than by cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoppedEarly {
    /// The gate whose result decided the run (or whose sample fired a trigger).
    pub by: String,
    /// When, from the start of the run.
    pub at: Duration,
    /// The reason every gate it stopped reports, e.g. "stopped: the run was already blocked by
    /// api-health at +0.4 s".
    pub reason: String,
}

/// The stop shared by the runs of one decision. Cloning shares it.
///
/// Its token is a child of the caller's cancellation: a Ctrl-C stops the gates through it as
/// well, while a stop here leaves the caller's token alone, so a run tells the two apart.
///
/// ```
/// use release_core::RunStop;
/// use tokio_util::sync::CancellationToken;
/// let ctrl_c = CancellationToken::new();
/// let stop = RunStop::new(&ctrl_c);
/// assert!(stop.stop_blocked_by("api-health"));
/// assert!(!stop.stop_blocked_by("web-health"), "the first decision stands");
/// let stopped = stop.stopped().unwrap();
/// assert_eq!(stopped.by, "api-health");
/// assert!(stopped.reason.starts_with("stopped: the run was already blocked by api-health at +"));
/// assert!(stop.token().is_cancelled() && !ctrl_c.is_cancelled());
/// ```
#[derive(Debug, Clone)]
pub struct RunStop {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    token: CancellationToken,
    started: Instant,
    decided: Mutex<Option<StoppedEarly>>,
}

impl RunStop {
    /// A stop for runs starting now, beneath `cancel` (the caller's Ctrl-C token).
    pub fn new(cancel: &CancellationToken) -> Self {
        Self {
            inner: Arc::new(Inner {
                token: cancel.child_token(),
                started: Instant::now(),
                decided: Mutex::new(None),
            }),
        }
    }

    /// The token the gates see: cancelled by a stop or by the caller's cancellation.
    pub fn token(&self) -> &CancellationToken {
        &self.inner.token
    }

    /// Stops the runs because `gate` blocked them; false when they were already stopped
    /// (the first decision stands) or cancelled.
    pub fn stop_blocked_by(&self, gate: &str) -> bool {
        self.stop_with(gate, |at| {
            format!("stopped: the run was already blocked by {gate} at {at}")
        })
    }

    /// Stops the runs for a reason found outside the runner, e.g. "rollback trigger X fired at
    /// sample 3 of Y", said of `gate`. The reason is given the offset from the start
    /// ("+1.2 s") to include. False when already stopped or cancelled.
    pub fn stop_with(&self, gate: &str, reason: impl FnOnce(&str) -> String) -> bool {
        if self.inner.token.is_cancelled() {
            return false;
        }
        let at = self.inner.started.elapsed();
        let stopped = StoppedEarly {
            by: gate.to_owned(),
            at,
            reason: reason(&offset(at)),
        };
        {
            let mut decided = match self.inner.decided.lock() {
                Ok(decided) => decided,
                // Only the assignment below runs under the lock; a poisoned one still holds
                // a whole value.
                Err(poisoned) => poisoned.into_inner(),
            };
            if decided.is_some() {
                return false;
            }
            *decided = Some(stopped);
        }
        self.inner.token.cancel();
        true
    }

    /// The decision that stopped the runs, if one did.
    pub fn stopped(&self) -> Option<StoppedEarly> {
        match self.inner.decided.lock() {
            Ok(decided) => decided.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// "+0.4 s": tenths of a second below a minute, else the usual wording.
fn offset(at: Duration) -> String {
    if at < Duration::from_secs(60) {
        format!("+{:.1} s", at.as_secs_f64())
    } else {
        format!("+{}", format_duration(at))
    }
}
