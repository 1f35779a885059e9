//! The `prometheus` gate: one PromQL query, one number, judged against absolute levels and
//! against the last successful run's value (runbook post-release step 2: error rates and
//! latency within thresholds). No data is never a silent pass: the plan says what it means.

mod check;
mod kind;
mod relative;
mod spec;

pub use check::PrometheusGate;
pub(crate) use check::VALUE_MEASUREMENT;
pub use relative::RelativeRule;
pub use spec::{BasicAuth, NoData, PrometheusGateSpec, Reduce, RelativeLimits};
