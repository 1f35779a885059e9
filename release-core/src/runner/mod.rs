//! Runs a set of gates concurrently, bounded, with per-gate timeouts and cancellation.

mod fail_fast;
mod run;
mod threads;

pub use fail_fast::{RunStop, StoppedEarly};
pub use run::{GateResult, RunEvent, RunReport, Runner};
pub(crate) use run::{panicked, timed_out};
