//! Clients for the systems gates and the rollout talk to (Railway, Prometheus, Alertmanager,
//! Slack): wire types and calls. They take an HTTP client and a redactor, never a gate's
//! context; the wire itself is [`crate::net`].

pub mod alertmanager;
pub mod prometheus;
pub mod railway;
mod railway_deploy;
pub mod slack;
mod slack_message;
