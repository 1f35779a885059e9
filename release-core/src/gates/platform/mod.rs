//! The `platform` gate: the Railway deployment and runtime baseline of the target environment
//! (runbook preflight step 2), normal and strict.

mod check;
mod details;
mod kind;
mod spec;

pub use check::PlatformGate;
pub use details::{DeploymentDetails, PlatformDetails};
pub use spec::PlatformGateSpec;
