//! Moving records between stores: `release log import FILE` (a JSON Lines release log into
//! the configured store, adding only what it does not hold) and `release log export` (a
//! store's records as JSON Lines, the file's own format).

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::file::{LogEntry, LogError, ReleaseLog, TornLine};
use super::location::StoreLocation;
use super::record::LogLine;
use super::store::{Imported, LineFilter, ReleaseStore, StoreError};

/// Lines handed to the store at a time: an import's memory holds this many records, however
/// long the file.
const IMPORT_BATCH: usize = 10_000;

/// An import or an export that could not be carried out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The file to import could not be read (missing, not a regular file, unreadable).
    #[error(transparent)]
    Read(#[from] LogError),
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file to import is the store itself: importing it would add nothing.
    #[error(
        "{} is the release log the records would be imported into; name another store (the plan's `release.log`, RELEASE_LOG_URL or --log)",
        .0.display()
    )]
    SameFile(PathBuf),
    /// The exported lines could not be written.
    #[error("failed to write the exported records: {0}")]
    Write(std::io::Error),
    /// A record could not be rendered as JSON.
    #[error("failed to render a record as JSON: {0}")]
    Json(serde_json::Error),
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Records added, and records the store held already.
    pub imported: Imported,
    /// Lines of the file that are not records (torn, malformed, of an unknown kind, too
    /// long, not UTF-8), each with its line number: skipped, the rest imported.
    pub skipped: Vec<TornLine>,
}

/// Imports the JSON Lines release log at `file` into `store` (at `into`), in order: records
/// the store holds already are not added again, so importing twice adds nothing the second
/// time. Lines that are not records are skipped and reported, never stopping the rest. A
/// file that is the store itself is refused.
///
/// ```
/// use release_core::log::{StoreLocation, import_file};
/// let dir = tempfile::tempdir().unwrap();
/// let from = dir.path().join("old.jsonl");
/// std::fs::write(&from, "not json\n").unwrap();
/// let into = StoreLocation::File(dir.path().join("new.jsonl"));
/// let report = import_file(&into, into.open(None).as_ref(), &from).unwrap();
/// assert_eq!(report.imported.added, 0);
/// assert_eq!(report.skipped[0].line, 1);
/// assert!(import_file(&into, into.open(None).as_ref(), dir.path().join("new.jsonl").as_path()).is_err());
/// ```
pub fn import_file(
    into: &StoreLocation,
    store: &dyn ReleaseStore,
    file: &Path,
) -> Result<ImportReport, TransferError> {
    if let StoreLocation::File(target) = into
        && same_file(target, file)
    {
        return Err(TransferError::SameFile(file.to_path_buf()));
    }
    // A missing file is an empty log to a store, but an import of nothing is a mistake.
    if let Err(source) = std::fs::metadata(file) {
        return Err(TransferError::Read(LogError {
            action: "read",
            path: file.to_path_buf(),
            source,
        }));
    }
    let source = ReleaseLog::new(file);
    source.check()?;
    // A store that cannot be used is named now, even when the file holds nothing to add.
    store.check()?;
    let mut report = ImportReport::default();
    let mut batch = Vec::new();
    let mut failed = None;
    let flush = |batch: &mut Vec<LogLine>, report: &mut ImportReport| {
        let imported = store.import(batch)?;
        report.imported.added += imported.added;
        report.imported.already_present += imported.already_present;
        batch.clear();
        Ok::<(), StoreError>(())
    };
    source.for_each(|_, entry| {
        match entry {
            LogEntry::Problem(problem) => report.skipped.push(problem),
            entry => batch.extend(entry.into_line()),
        }
        if batch.len() >= IMPORT_BATCH
            && let Err(e) = flush(&mut batch, &mut report)
        {
            failed = Some(e);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    if !batch.is_empty() {
        flush(&mut batch, &mut report)?;
    }
    Ok(report)
}

/// Whether two paths name one file (links followed); a path that does not exist names none.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        (Ok(a), Ok(b)) => {
            use std::os::unix::fs::MetadataExt as _;
            a.dev() == b.dev() && a.ino() == b.ino()
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok(),
        _ => false,
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Exported {
    /// Records written.
    pub records: usize,
    /// Lines or rows of the store that are not records, skipped (each told to `problem`).
    pub skipped: usize,
}

/// Writes every record of `store`, oldest first, to `out` as JSON Lines, the release log's
/// own format (one record a line, as the file store writes it); lines that are not records
/// are told to `problem` and left out. A closed pipe ends the export quietly
/// (`release log export | head`).
///
/// ```
/// use release_core::log::{StoreLocation, export};
/// let dir = tempfile::tempdir().unwrap();
/// let store = StoreLocation::File(dir.path().join("none.jsonl")).open(None);
/// let mut out = Vec::new();
/// let exported = export(store.as_ref(), &mut out, |_| {}).unwrap();
/// assert_eq!((exported.records, out.len()), (0, 0));
/// ```
pub fn export(
    store: &dyn ReleaseStore,
    out: impl Write,
    mut problem: impl FnMut(&TornLine),
) -> Result<Exported, TransferError> {
    let mut out = std::io::BufWriter::new(out);
    let mut exported = Exported::default();
    let mut failed = None;
    store.oldest_first(&LineFilter::all(), &mut |_, entry| {
        let line = match entry {
            LogEntry::Problem(torn) => {
                problem(&torn);
                exported.skipped += 1;
                return ControlFlow::Continue(());
            }
            entry => entry.into_line(),
        };
        let Some(line) = line else {
            return ControlFlow::Continue(());
        };
        let written = serde_json::to_string(&line)
            .map_err(TransferError::Json)
            .and_then(|mut text| {
                text.push('\n');
                out.write_all(text.as_bytes()).map_err(TransferError::Write)
            });
        match written {
            Ok(()) => {
                exported.records += 1;
                ControlFlow::Continue(())
            }
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        }
    })?;
    let flushed = match failed {
        Some(e) => Err(e),
        None => out.flush().map_err(TransferError::Write),
    };
    match flushed {
        Err(TransferError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exported),
        other => other.map(|()| exported),
    }
}
