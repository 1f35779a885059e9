//! The `ai-runtime` gates: the runtime control plane's health, and dry-run probes of
//! critical roles (runbook post-release step 3).

mod check;
mod kind;
mod spec;

pub use check::AiRuntimeGate;
pub use spec::{AiRuntimeGateSpec, Probe, Require};
