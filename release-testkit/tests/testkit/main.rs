//! The test kit's integration tests, one module per mock or area, gathered into one test binary
//! so the crate links once instead of once per file.

mod alertmanager;
mod environment_metrics;
mod faults;
mod fixtures;
mod health_bodies;
mod mock_gate;
#[cfg(feature = "postgres")]
mod postgres;
mod prometheus;
mod railway;
mod railway_platform;
#[cfg(feature = "bin")]
mod release_mock;
mod scenarios;
mod slack;
