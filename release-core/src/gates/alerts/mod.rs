//! The `alerts` gate: no alert of consequence firing in Alertmanager (runbook post-release
//! step 2, "confirm alerts … are within thresholds").

mod check;
mod kind;
mod spec;

pub use check::AlertsGate;
pub use spec::AlertsGateSpec;
