//! Where "now" comes from: one trait, so tests fix the time and nothing reads the system
//! clock behind their back.

use std::fmt;

use jiff::Timestamp;

/// Where "now" comes from, so tests can fix it.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
