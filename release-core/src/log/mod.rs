//! The release log: an append-only JSON Lines record of every run, written under an exclusive
//! file lock and fsynced; a torn last line is reported, never silently dropped.

mod baseline;
mod file;
mod record;

pub use baseline::{BaselineSearch, Baselines, baselines_from_log, baselines_from_summary};
pub use file::{
    LOOK_BACK_BYTES, LogContents, LogEntry, LogError, ReadBack, ReleaseLog, TornLine, format_size,
};
pub use record::{
    DecisionKind, DecisionLineKind, DecisionRecord, LOG_SCHEMA_VERSION, LogLine, LogRecord,
};
