//! The built-in gate kinds, one module each.

pub mod env;

pub use env::EnvGate;
