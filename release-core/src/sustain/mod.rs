//! Sustained evaluation: any gate, sampled over a window of time, in the manner of Argo
//! Rollouts' analysis (`interval`, `count`, `failureLimit`, `consecutiveErrorLimit`) and Azure
//! DevOps' gates (sampling interval, minimum success duration).
//!
//! [`Sustained`] wraps a gate rather than each gate growing its own loop, so every kind gets
//! the same rules, the same report and the same cancellation, and a gate stays a single check.
//!
//! # The rules, and why
//!
//! - **A pass needs a passing sample.** Inconclusive samples (no data) are neither success nor
//!   failure, and a window in which no sample passed never passes: it is `fail` when a sample
//!   failed (within the limit; data that says the service was bad outweighs no data), else
//!   `inconclusive` when a sample had no data ("no data in any of n samples" when none did),
//!   else `error` (every sample errored, under a `consecutive_error_limit` of at least the
//!   window's size). Operators' first complaint about sustained checks is no data passing
//!   silently.
//! - **Tolerated failures warn; tolerated errors and no-data samples do not.** A failed sample
//!   within `failure_limit` is evidence that the service misbehaved, so a window that ends with
//!   one is `warn` and says so. An errored sample (a timeout, a refused query) says nothing
//!   about the service; tolerating a few in a row is what `consecutive_error_limit` is for
//!   (Argo's default of 4), and if they warned, one slow Prometheus query would block a strict
//!   production release. They, and the no-data samples, are counted in the summary and listed
//!   in the details, never hidden.
//! - **`consecutive_successes` judges the run, not the history.** It is for deployments that
//!   settle (Azure's "steady results"): the window passes as soon as that many samples in a row
//!   pass, failures before the run notwithstanding (a recovery within `failure_limit` is a
//!   pass, not a warning), and fails when it runs out without such a run. A warning inside the
//!   run still warns.
//! - **Limits stop the window at once.** One failure more than `failure_limit`, or one error
//!   in a row more than `consecutive_error_limit`, ends it: the verdict cannot change, and the
//!   release should not wait the rest of the window to hear it.
//! - **Samples start `interval` apart and never overlap.** A steady cadence is what the
//!   interval promises; a sample slower than the interval delays the next one instead of
//!   running beside it, which would double the load on the system being watched.
//! - **`duration` is `duration / interval` samples, rounded up**: each sample stands for the
//!   interval it starts, so ten minutes at 30 seconds is 20 samples, the last at 9m30s.
//! - **The first sample skipped skips the window** with the inner gate's reason: a gate that
//!   does not apply will not start applying in a minute. A later skipped sample counts as no
//!   data.
//! - **Cancellation is an `error` with the samples so far**, never a partial pass: a window cut
//!   short has not shown what it was asked to show.
//! - **The runner never cuts a window short**: the wrapper's timeout covers the initial delay,
//!   every interval and every sample's own timeout, and each sample is bounded by the inner
//!   gate's timeout (an inner gate with a stop grace gets it per sample, as the runner would
//!   give it). A timed-out sample is an error sample.
//! - **The inner gate's observations are passed through unchanged** after the window's own, from
//!   the sample that decided the verdict, so thresholds stay next to values and rollback
//!   triggers that match observations by name keep matching.
//! - **Measurements come from the last passing sample**, so baselines recorded from a
//!   sustained gate mean what they meant for a single check.
//! - **Bounded**: at most [`MAX_SAMPLES`] samples and [`MAX_WINDOW`] to the last one; only
//!   a few samples are kept whole (the last of each kind), the rest as a line in the details.

mod details;
mod spec;
mod sustained;
mod window;

pub use details::{SampleDetails, WindowDetails};
pub use spec::{DEFAULT_CONSECUTIVE_ERROR_LIMIT, MAX_SAMPLES, MAX_WINDOW, SustainSpec};
pub use sustained::{DEFAULT_SAMPLE_TIMEOUT, Sustained};
