//! The trigger kinds, one file each (its plan settings, their checks, and how it judges a
//! run), and the one list that names them (`kinds.rs`).

mod growth;
mod kinds;
mod missing_data;
mod threshold;
mod verdict;

pub use growth::{Growth, GrowthSpec, GrowthTrigger, NotAGrowth};
pub use kinds::{SettingProblem, TriggerKind, TriggerSpec};
pub use missing_data::{MissingDataSpec, MissingDataTrigger};
pub use threshold::{Hold, Level, ThresholdSpec, ThresholdTrigger};
pub use verdict::{VerdictSpec, VerdictTrigger};

pub(crate) use crate::number::shortest as number;

/// At most this many gates are named in a reason; the observations list them all.
const NAMED_IN_REASON: usize = 3;
