//! The environment lock: one rollout or rollback per plan and environment at a time.
//!
//! Beside a release log at `<log>` the lock of a plan's environment is the file
//! `<log>.lock.<plan>.<environment>` (each name encoded by [`lock_path`]), locked with an OS
//! file lock (`flock`) for as long as an [`EnvironmentLock`] lives. The operating system
//! releases the lock when its holder exits, however it dies (`kill -9` included), so a dead
//! holder never keeps an environment locked and nobody has to clean up. The holder writes
//! who it is into the file ([`LockHolder`], as JSON) so a second taker can say who holds
//! it; that text alone means nothing: an unlocked file with a holder in it is free.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::text::escaped;

/// Who holds an environment's lock, as its lock file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// The holder's host name.
    pub host: String,
    /// The holder's process id on that host.
    pub pid: u32,
    /// The run holding it.
    pub run_id: String,
    /// Since when (RFC 3339).
    pub since: Timestamp,
}

impl LockHolder {
    /// This process, for `run_id`, from now.
    pub fn current(run_id: impl Into<String>) -> Self {
        Self {
            host: super::freeze::host_name(),
            pid: std::process::id(),
            run_id: run_id.into(),
            since: Timestamp::now(),
        }
    }
}

impl std::fmt::Display for LockHolder {
    /// `run r-1 (pid 4242 on ci-7, since 2026-11-27T10:00:00Z)`, safe to print: the lock
    /// file is text anyone with write access can edit.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run {} (pid {} on {}, since {})",
            escaped(&self.run_id),
            self.pid,
            escaped(&self.host),
            self.since.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    }
}

/// The environment could not be locked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another rollout or rollback holds it.
    #[error("another rollout or rollback holds the lock: {0}")]
    Held(LockHolder),
    /// Another process holds it but has not written who it is (it is taking it right now, or
    /// its lock file was edited).
    #[error(
        "another process holds the lock but its lock file {} does not say who",
        .0.display()
    )]
    Unnamed(PathBuf),
    /// The store holding the lock could not be used (a database's lock).
    #[error(transparent)]
    Store(Box<super::store::StoreError>),
    /// The lock file could not be used.
    #[error("failed to {action} lock file {}: {source}", path.display())]
    File {
        /// What was being done: `open`, `lock`, `write`, `read`.
        action: &'static str,
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A held environment lock; dropping it releases the lock.
pub struct EnvironmentLock {
    plan: String,
    environment: String,
    holder: LockHolder,
    location: String,
    /// What keeps the lock: an open locked file here, a database session in a database store.
    _held: Box<dyn std::any::Any + Send + Sync>,
}

impl EnvironmentLock {
    /// A lock held by `holder` for as long as `held` lives, at `location` (words for
    /// messages). For stores other than the release log.
    pub fn new(
        plan: impl Into<String>,
        environment: impl Into<String>,
        holder: LockHolder,
        location: impl Into<String>,
        held: impl std::any::Any + Send + Sync,
    ) -> Self {
        Self {
            plan: plan.into(),
            environment: environment.into(),
            holder,
            location: location.into(),
            _held: Box::new(held),
        }
    }

    /// Who holds it: this run.
    pub fn holder(&self) -> &LockHolder {
        &self.holder
    }

    /// The plan it is keyed by.
    pub fn plan(&self) -> &str {
        &self.plan
    }

    /// The environment it is keyed by.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// Where the lock is, e.g. `lock file artifacts/release/release-log.jsonl.lock.acme.production`.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Releases it now (dropping it does the same).
    pub fn release(self) {}
}

impl std::fmt::Debug for EnvironmentLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvironmentLock")
            .field("plan", &self.plan)
            .field("environment", &self.environment)
            .field("holder", &self.holder)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// The lock file of `plan`'s `environment` beside the release log at `log`:
/// `<log>.lock.<plan>.<environment>`. Each name keeps ASCII letters, digits, `-` and `_`;
/// any other byte is written `%XX` (so `.` cannot be confused with the separator and no two
/// names share a file), an empty name is `%`, and a name longer than 48 bytes once encoded is
/// cut to 32 bytes followed by `~` and a hash of the whole name.
///
/// ```
/// use std::path::Path;
/// use release_core::log::lock_path;
/// assert_eq!(
///     lock_path(Path::new("artifacts/release/release-log.jsonl"), "acme", "eu.prod"),
///     Path::new("artifacts/release/release-log.jsonl.lock.acme.eu%2Eprod")
/// );
/// assert_eq!(lock_path(Path::new("log.jsonl"), "", "staging"), Path::new("log.jsonl.lock.%.staging"));
/// ```
pub fn lock_path(log: &Path, plan: &str, environment: &str) -> PathBuf {
    let mut name = log
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_else(|| "release-log".into());
    name.push(format!(
        ".lock.{}.{}",
        file_name_part(plan),
        file_name_part(environment)
    ));
    log.with_file_name(name)
}

fn file_name_part(name: &str) -> String {
    const MAX: usize = 48;
    const KEPT: usize = 32;
    if name.is_empty() {
        return "%".to_owned();
    }
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    if encoded.len() <= MAX {
        return encoded;
    }
    // Cut at a whole `%XX`: the encoding is ASCII, so any byte index is a char boundary.
    let mut cut = KEPT;
    if let Some(percent) = encoded[KEPT.saturating_sub(2)..KEPT].find('%') {
        cut = KEPT - 2 + percent;
    }
    format!("{}~{:016x}", &encoded[..cut], fnv1a(name.as_bytes()))
}

/// FNV-1a, 64 bits: stable across builds and versions, unlike `std`'s hasher, so two tool
/// versions agree on a lock file's name.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// How long a taker that finds the lock busy keeps trying before it believes a holder: a
/// `lock_holder` probe holds it for microseconds, and a taker that just won it needs a moment
/// to write its name.
const SETTLE: Duration = Duration::from_millis(50);
/// How long to wait for a holder to write its name before saying it has not.
const NAME_WAIT: Duration = Duration::from_millis(500);
const POLL: Duration = Duration::from_millis(10);
/// A holder's text is a few hundred bytes; more is not a holder.
const MAX_HOLDER_BYTES: u64 = 64 * 1024;

/// The lock file, held: closing it releases the lock.
struct LockedFile(File);

impl Drop for LockedFile {
    fn drop(&mut self) {
        // Cleared while still held, so the file never names a holder that let go; a holder
        // that dies leaves its name, which means nothing once the lock is free.
        let _ = self.0.set_len(0);
        let _ = self.0.unlock();
    }
}

/// Takes the lock of `plan`'s `environment` at `path` for `holder`.
pub(crate) fn take(
    path: &Path,
    plan: &str,
    environment: &str,
    holder: LockHolder,
) -> Result<EnvironmentLock, LockError> {
    let error = |action| {
        move |source| LockError::File {
            action,
            path: path.to_path_buf(),
            source,
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(error("create the directory of"))?;
    }
    let mut file = open(path, true)?
        .ok_or_else(|| error("open")(std::io::Error::from(std::io::ErrorKind::NotFound)))?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::Error(e)) => return Err(error("lock")(e)),
            Err(std::fs::TryLockError::WouldBlock) => {
                if started.elapsed() >= SETTLE
                    && let Some(holder) = read_holder(&mut file)
                {
                    return Err(LockError::Held(holder));
                }
                if started.elapsed() >= NAME_WAIT {
                    return Err(LockError::Unnamed(path.to_path_buf()));
                }
                std::thread::sleep(POLL);
            }
        }
    }
    let held = LockedFile(file);
    let mut text = serde_json::to_vec(&holder).map_err(|e| error("write")(e.into()))?;
    text.push(b'\n');
    let mut writer = &held.0;
    writer
        .set_len(0)
        .and_then(|()| writer.seek(SeekFrom::Start(0)).map(drop))
        .and_then(|()| writer.write_all(&text))
        .and_then(|()| writer.sync_all())
        .map_err(error("write"))?;
    tracing::debug!(lock = %path.display(), run_id = %holder.run_id, "environment locked");
    Ok(EnvironmentLock::new(
        plan,
        environment,
        holder,
        format!("lock file {}", path.display()),
        held,
    ))
}

/// Who holds the lock at `path`, or `None` when it is free (or was never taken).
pub(crate) fn holder(path: &Path) -> Result<Option<LockHolder>, LockError> {
    let Some(mut file) = open(path, false)? else {
        return Ok(None);
    };
    let started = Instant::now();
    loop {
        // A shared lock: two probes never get in each other's way.
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                return Ok(None);
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(LockError::File {
                    action: "lock",
                    path: path.to_path_buf(),
                    source: e,
                });
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                if let Some(holder) = read_holder(&mut file) {
                    return Ok(Some(holder));
                }
                if started.elapsed() >= NAME_WAIT {
                    return Err(LockError::Unnamed(path.to_path_buf()));
                }
                std::thread::sleep(POLL);
            }
        }
    }
}

/// Opens the lock file (creating it when `create`; else `None` when it does not exist). A
/// symbolic link is never followed and anything but a regular file of its own is refused:
/// the file is truncated and written, so a link planted at its name must not aim that at
/// another file.
fn open(path: &Path, create: bool) -> Result<Option<File>, LockError> {
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
    let refuse = |what: String| LockError::File {
        action: "use",
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it is {what}; a lock file must be a regular file of its own"),
        ),
    };
    let mut options = OpenOptions::new();
    options.read(true);
    if create {
        options.write(true).create(true).mode(0o644);
    }
    // Not following a link, and never waiting in `open` for a FIFO's other end.
    options.custom_flags((nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK).bits());
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if !create && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) => {
            return Err(refuse("a symbolic link".to_owned()));
        }
        Err(e) => {
            return Err(LockError::File {
                action: "open",
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    let meta = file.metadata().map_err(|source| LockError::File {
        action: "open",
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_file() {
        return Err(refuse(
            crate::file_kind::describe(&meta.file_type()).to_owned(),
        ));
    }
    if meta.nlink() > 1 {
        return Err(refuse(format!("a file with {} hard links", meta.nlink())));
    }
    Ok(Some(file))
}

/// The holder the file names, or `None` when it names none (yet).
fn read_holder(file: &mut File) -> Option<LockHolder> {
    let mut text = Vec::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    std::io::Read::take(&mut *file, MAX_HOLDER_BYTES)
        .read_to_end(&mut text)
        .ok()?;
    serde_json::from_slice(&text).ok()
}
