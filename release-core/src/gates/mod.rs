//! The built-in gate kinds, one module each.

pub mod ai_runtime;
pub mod alerts;
pub mod command;
pub mod env;
pub mod http;
mod kind;
pub(crate) mod kinds;
pub mod platform;
pub mod prometheus;
pub mod sessions;

pub use ai_runtime::AiRuntimeGate;
pub use alerts::AlertsGate;
pub use command::CommandGate;
pub use env::EnvGate;
pub use http::HttpGate;
pub use platform::PlatformGate;
pub use prometheus::PrometheusGate;
pub use sessions::SessionsGate;

pub use kind::{GateKind, NamedVariable, Written};
pub use kinds::GateKindSpec;
