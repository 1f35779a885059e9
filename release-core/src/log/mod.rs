//! The release log: an append-only JSON Lines record of every run, written under an exclusive
//! file lock and fsynced; a torn last line is reported, never silently dropped. It is also
//! the release store ([`ReleaseStore`]): the journal of rollouts and rollbacks, the
//! environments' locks (files beside it) and their freezes.

mod baseline;
mod env_lock;
mod file;
mod freeze;
mod journal;
mod location;
pub mod postgres;
mod record;
mod store;
mod transfer;

pub use baseline::{BaselineSearch, Baselines, baselines_from_log, baselines_from_summary};
pub use env_lock::{EnvironmentLock, LockError, LockHolder, lock_path};
pub use file::{
    LOOK_BACK_BYTES, LogContents, LogEntry, LogError, ReadBack, ReleaseLog, TornLine, format_size,
};
pub use freeze::{FreezeLineKind, FreezeRecord, actor, host_name};
pub use journal::{
    RolloutAction, RolloutEvent, RolloutLineKind, RolloutRecord, StepEvent, StepLineKind,
    StepRecord, StepStatus,
};
pub use location::{RELEASE_LOG_URL, StoreLocation};
pub use record::{
    DecisionKind, DecisionLineKind, DecisionRecord, LOG_SCHEMA_VERSION, LogLine, LogRecord,
};
pub use store::{FreezeChange, Imported, Journal, LineFilter, LineKind, ReleaseStore, StoreError};
pub use transfer::{Exported, ImportReport, TransferError, export, import_file};
