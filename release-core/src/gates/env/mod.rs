//! The `env` gate: required variables set, well-formed and not placeholders, without ever
//! showing a value.

mod check;
mod host;
mod kind;
mod spec;

pub use check::EnvGate;
pub use spec::{EnvGateSpec, IntegerRule, SecretRule, UrlRule, VarSpec};
