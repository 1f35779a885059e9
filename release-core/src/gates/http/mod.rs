//! The `http` gate: one request, with expectations on status, headers, latency, health bodies
//! and JSON; and the bounded exchange the other HTTP-based gates share.

mod assert;
mod check;
pub(crate) mod health;
mod kind;
mod spec;

pub use check::HttpGate;
pub use spec::{Expect, HttpGateSpec, JsonAssertion, LatencyBudget, Op, StatusSet};
