//! The gate model: what a check is, what it reports and what it runs with.

mod context;
mod evaluation;
mod threshold;
mod traits;

pub use context::{Baseline, Clock, Context, ContextBuilder, SampleSoFar, SystemClock};
pub(crate) use evaluation::worst;
pub use evaluation::{Evaluation, Evidence, Measurement, Observation, Verdict};
pub use threshold::{Threshold, ThresholdLevel};
pub use traits::{CANCEL_GRACE, DynGate, Gate, GateInfo};
