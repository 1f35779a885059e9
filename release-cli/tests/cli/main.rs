//! End-to-end tests of the `release` binary: real process, real files, outputs snapshotted
//! with times, durations, run ids and paths redacted.

mod browser;
mod canary;
mod ci_doc;
mod color;
mod completions;
mod errors;
mod files;
mod freeze;
mod github;
mod health_check;
mod help;
mod html_report;
mod init;
mod launch;
mod log;
mod man;
mod many_gates;
mod plan;
mod platform;
mod postgres_store;
mod preflight;
mod qa;
mod rollback;
mod rollout;
mod signals;
mod store;
mod support;
