//! Writing artifacts (summaries, health reports, dry-run evidence, the step summary) to the
//! path a user named, whatever is there:
//!
//! - a **regular file**, or nothing yet, is replaced atomically: a temporary file in the same
//!   directory, fsynced, then renamed over it, so a reader never sees half a file; missing
//!   directories are made;
//! - a **character device or a FIFO** (`/dev/null`, `/dev/stdout` on a pipe, `>(jq .)`) is
//!   written to in place: renaming over it would replace the device with a file (as root,
//!   `/dev/null` itself) and write nothing where the user pointed;
//! - a **symbolic link** is followed: its target is written (replaced, or written in place by
//!   the rules above), never the link itself;
//! - a regular file that is this process's own **stdout or stderr** (`--out /dev/stdout` with
//!   stdout redirected to a file) is appended to: replacing it would take the file away from
//!   the stream;
//! - anything else (a directory, a block device, a socket, a path below a regular file, a path
//!   ending in `/`) is an error that says what is there.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::file_kind;

/// An artifact could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to write {}: {source}", path.display())]
pub struct WriteError {
    /// The target file, as given.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// How many symbolic links are followed before giving up, as the kernel's `ELOOP` limit.
const MAX_LINKS: usize = 40;

/// Where the bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Destination {
    /// A regular file (or none yet) at this path, links resolved: replaced atomically.
    Replace(PathBuf),
    /// A character device, a FIFO, or the process's own stdout or stderr: written in place.
    InPlace,
}

/// Writes `contents` to `path` by the rules of the module: a regular file is replaced
/// atomically (parent directories are made), a character device or FIFO is written to in
/// place, a symbolic link is followed.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out/summary.json");
/// release_core::atomic::write(&path, b"{}\n").unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"{}\n");
/// let err = release_core::atomic::write(dir.path(), b"{}").unwrap_err();
/// assert!(err.to_string().ends_with("it is a directory"), "{err}");
/// ```
pub fn write(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    write_with(path, |out| out.write_all(contents))
}

/// [`write`] of what `fill` writes, streamed rather than held whole: a replaced file is
/// still replaced only once `fill` has succeeded (a failure leaves the old file as it was).
///
/// ```
/// use std::io::Write as _;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("export.jsonl");
/// let lines = release_core::atomic::write_with(&path, |out| {
///     for n in 0..3 {
///         writeln!(out, "{{\"n\":{n}}}")?;
///     }
///     Ok(3)
/// })
/// .unwrap();
/// assert_eq!(lines, 3);
/// assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
/// ```
pub fn write_with<T>(
    path: &Path,
    fill: impl FnOnce(&mut dyn io::Write) -> io::Result<T>,
) -> Result<T, WriteError> {
    let error = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    match destination(path).map_err(error)? {
        Destination::Replace(target) => replace(&target, fill).map_err(error),
        Destination::InPlace => write_in_place(path, fill).map_err(error),
    }
}

/// Appends `contents` to `path` (`GITHUB_STEP_SUMMARY`) by the same rules: a regular file is
/// appended to (created when missing, its directory is not), a character device or FIFO is
/// written to, a symbolic link is followed, anything else is an error that says what is there.
pub fn append(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let error = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let target = match destination(path).map_err(error)? {
        Destination::Replace(target) => target,
        Destination::InPlace => path.to_path_buf(),
    };
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&target)
        .map_err(error)?;
    // A single appending write, so that other writers' appends are unlikely to interleave.
    file.write_all(contents).map_err(error)?;
    file.flush().map_err(error)
}

/// Whether [`write`] could write `path`, without writing: what is there is refused now (a
/// directory, a block device, a path below a file) rather than after a long run.
pub fn check(path: &Path) -> Result<(), WriteError> {
    destination(path).map(drop).map_err(|source| WriteError {
        path: path.to_path_buf(),
        source,
    })
}

fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// What is at `path`, decided from where its links lead (the kernel follows them, so
/// `/dev/stdout` → `/proc/self/fd/1` → a pipe is a FIFO).
fn destination(path: &Path) -> io::Result<Destination> {
    if path.as_os_str().is_empty() {
        return Err(refused("the path is empty".to_owned()));
    }
    match std::fs::metadata(path) {
        Ok(meta) => {
            let kind = meta.file_type();
            if meta.is_dir() {
                Err(refused("it is a directory".to_owned()))
            } else if file_kind::is_stream(&kind) || is_own_standard_stream(&meta) {
                Ok(Destination::InPlace)
            } else if meta.is_file() {
                Ok(Destination::Replace(follow_links(path)?))
            } else {
                Err(refused(format!(
                    "it is {}; only regular files, character devices and FIFOs are written",
                    file_kind::describe(&kind)
                )))
            }
        }
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            if file_kind::names_directory(path) {
                return Err(refused(
                    "it ends with `/`, naming a directory, not a file".to_owned(),
                ));
            }
            // Missing, or a link to something missing: the file is made where the links lead.
            let target = follow_links(path)?;
            file_kind::check_creatable(&target)?;
            Ok(Destination::Replace(target))
        }
        Err(e) => Err(e),
    }
}

/// The path with every symbolic link of its last component resolved, so the rename replaces
/// what the link points at and not the link. Links in the directories above need no
/// resolving: the rename happens in the same directory through them.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("more than {MAX_LINKS} symbolic links to follow"),
    ))
}

/// Whether `meta` is the file this process writes its stdout or stderr to.
#[cfg(unix)]
fn is_own_standard_stream(meta: &std::fs::Metadata) -> bool {
    use std::os::fd::AsFd as _;
    use std::os::unix::fs::MetadataExt as _;
    let same = |fd: std::os::fd::BorrowedFd<'_>| {
        fd.try_clone_to_owned()
            .and_then(|owned| File::from(owned).metadata())
            .is_ok_and(|own| own.dev() == meta.dev() && own.ino() == meta.ino())
    };
    meta.is_file() && (same(io::stdout().as_fd()) || same(io::stderr().as_fd()))
}

#[cfg(not(unix))]
fn is_own_standard_stream(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Writes to a device, a FIFO or the process's own output file, where it is: opened to
/// append (a regular file keeps what was written before), never created or truncated. There
/// is nothing to fsync on a device or a pipe.
fn write_in_place<T>(
    path: &Path,
    fill: impl FnOnce(&mut dyn io::Write) -> io::Result<T>,
) -> io::Result<T> {
    let file = OpenOptions::new().append(true).open(path)?;
    let mut out = io::BufWriter::new(file);
    let filled = fill(&mut out)?;
    out.flush()?;
    Ok(filled)
}

/// Replaces the regular file at `target` (links already resolved) atomically, making missing
/// directories. A replaced file's permissions are kept.
fn replace<T>(
    target: &Path,
    fill: impl FnOnce(&mut dyn io::Write) -> io::Result<T>,
) -> io::Result<T> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".release-").suffix(".tmp");
    // Temporary files are private by default; an artifact is shared like any file the user
    // writes, so it gets the usual mode (the umask still applies), or the one it had.
    #[cfg(unix)]
    builder.permissions(match std::fs::metadata(target) {
        Ok(meta) if meta.is_file() => meta.permissions(),
        _ => std::os::unix::fs::PermissionsExt::from_mode(0o644),
    });
    let mut file = builder.tempfile_in(dir)?;
    let filled = {
        let mut out = io::BufWriter::new(&mut file);
        let filled = fill(&mut out)?;
        out.flush()?;
        filled
    };
    file.as_file().sync_all()?;
    file.persist(target).map_err(|e| e.error)?;
    // The rename is durable only once the directory entry is; not every platform can open a
    // directory for syncing, and the data itself is already safe, so a failure here is ignored.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_existing_file_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.json")]);
    }

    #[cfg(unix)]
    #[test]
    fn artifacts_are_readable_like_ordinary_files() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write(&path, b"{}").unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"{}").unwrap();
        let readable = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o444;
        assert_eq!(
            readable(&path),
            readable(&plain),
            "read bits as for any file the user writes"
        );
    }

    #[test]
    fn reports_the_path_when_the_directory_cannot_be_made() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let err = write(&blocker.join("sub/out.json"), b"{}").unwrap_err();
        assert!(err.to_string().contains("sub/out.json"), "{err}");
    }
}
