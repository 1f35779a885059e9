//! The library's integration tests, one module per area, gathered into one test binary (as
//! ripgrep and just do) so the crate links once instead of once per file.
//!
//! Snapshots live in `snapshots/` as `core__<module>__<name>.snap`. Proptest keeps a module's
//! regression seeds in `../proptest-regressions/<module>.txt`: with a `main.rs` here it files
//! them beside this folder, not beside the module.

mod command;
mod contracts;
mod env_gate;
mod fail_fast;
#[cfg(feature = "health-check")]
mod health_check;
mod health_report;
mod http_faults;
#[cfg(feature = "health-check")]
mod json_documents;
mod junit_schema;
mod kind_secrets;
mod layers;
mod metrics_contracts;
mod metrics_real;
mod outputs;
mod plan_hostile;
mod plan_load;
mod plan_templates;
mod platform;
mod postgres_server;
mod postgres_store;
mod railway_mutations;
mod release_log;
mod release_store;
mod report_formats;
mod report_html;
mod report_run;
mod rollback_decisions;
mod rollback_props;
mod rollback_triggers;
mod run_library;
mod runner;
mod scenarios;
mod schemas;
mod secrets;
mod services_real;
mod slack_message;
mod slack_webhook;
mod store_choice;
mod store_transfer;
mod sustain;
mod tls;
