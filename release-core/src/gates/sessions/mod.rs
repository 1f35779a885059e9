//! The `sessions` gate: stale active agent-gateway sessions, against absolute limits and
//! against a baseline from an earlier run (runbook post-release step 3).

mod check;
mod kind;
mod spec;

pub use check::{STALE_MEASUREMENT, SessionsGate};
pub use spec::{GrowthLimits, SessionsGateSpec, StaleLimits};
