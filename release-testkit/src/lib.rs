//! Test kit for release gates: a mock deployment on loopback, fault injection, health bodies in
//! every common format, and the recorded upstream responses under `fixtures/`.
//!
//! A [`MockEnvironment`] serves the app's API and web surfaces for a [`Scenario`], in the style
//! of wiremock's `MockServer::start()`; [`Fault`]s make one path misbehave; [`HealthBody`] and
//! [`RecordedResponse`] serve any recorded shape. A [`RailwayMock`] serves Railway's GraphQL API
//! from scripted answers or a fixture [`RailwayCase`]; every mock environment runs one with the
//! `healthy` case. A [`RailwayPlatformMock`] is Railway with state: deploys move through their
//! statuses on a [`Progress`] the test sets, rollbacks make an earlier deployment current, every
//! mutation is recorded and [`RailwayFault`]s make calls fail; with
//! [`MockEnvironmentBuilder::after_deploy`] the app degrades once the release under test is
//! live. A [`SlackMock`] is an incoming webhook that records payloads and answers like Slack.
//! A [`PrometheusMock`] answers PromQL queries from scripted or recorded answers
//! and an [`AlertmanagerMock`] filters the alerts it holds like the Alertmanager API v2; every
//! mock environment runs one of each with the scenario's [`Metric`] values and alerts. A [`Demo`]
//! runs the shipped runbook against a mock environment, as `release demo` does. A
//! `PrivatePostgres` (feature `postgres`, on by default) is a real PostgreSQL server of the
//! test's own, for the release store. A
//! [`MockGate`] returns scripted evaluations, for tests of runners and reports. The
//! `release-mock` binary (feature `bin`, on by default) serves a scenario so a pipeline can be
//! rehearsed.
//!
//! ```
//! use release_testkit::{Fault, MockEnvironment, Scenario};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let env = MockEnvironment::start(Scenario::Healthy).await;
//! env.inject("/api/projects", Fault::MalformedJson).await;
//!
//! let body = reqwest::get(format!("{}/api/projects", env.api_url()))
//!     .await
//!     .unwrap()
//!     .text()
//!     .await
//!     .unwrap();
//! assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
//!
//! let plan = release_testkit::fixtures::plan("runbook");
//! assert!(plan.is_file());
//! # });
//! ```

#![warn(missing_docs)]

mod after_deploy;
mod alertmanager;
mod app;
mod demo;
mod embedded;
mod environment;
mod fault;
pub mod fixtures;
mod gate;
mod graphql_text;
mod health;
mod mock;
mod platform_answer;
mod platform_fault;
mod platform_progress;
mod platform_seed;
mod platform_state;
#[cfg(feature = "postgres")]
mod postgres;
mod prometheus;
mod railway;
mod railway_case;
mod railway_platform;
mod recorded;
mod route;
mod scenario;
mod script;
mod slack;
mod times;

pub use alertmanager::{AlertmanagerMock, AlertmanagerRequest};
pub use demo::{Demo, DemoError, DemoScenario};
pub use environment::{DEFAULT_ADMIN_TOKEN, MockEnvironment, MockEnvironmentBuilder, StartError};
pub use fault::Fault;
pub use gate::{MockGate, MockGateCalls};
pub use health::HealthBody;
pub use platform_answer::RecordedMutation;
pub use platform_fault::RailwayFault;
pub use platform_progress::Progress;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresError, PrivatePostgres, PrivatePostgresBuilder};
pub use prometheus::{PrometheusMock, PrometheusRequest};
pub use railway::{RailwayMock, RailwayRequest};
pub use railway_case::RailwayCase;
pub use railway_platform::{PlatformDeployment, RailwayPlatformBuilder, RailwayPlatformMock};
pub use recorded::{FixtureError, RecordedResponse};
pub use scenario::{Metric, ParseScenarioError, Scenario};
pub use slack::{SlackMock, SlackPost, SlackReply};
