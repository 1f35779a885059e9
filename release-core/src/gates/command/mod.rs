//! The `command` gate: a process with a timeout whose whole process group is stopped on
//! timeout or Ctrl-C, with the services it needs started before it and stopped after it
//! (runbook preflight steps 3 and 4: lint, web build, critical E2E, the test suites, the API
//! suite with a Postgres/Redis bootstrap).

mod check;
mod kind;
mod process;
mod services;
mod spec;
mod watchdog;

pub use check::{CommandGate, DEFAULT_COMMAND_TIMEOUT};
pub(crate) use services::{fill_constant_placeholders, literal_pieces};
pub use spec::{CommandGateSpec, ExitCodes, ReadyProbe, ServiceSpec};
pub use watchdog::kill_running_commands;
