//! Writing artifacts so a reader never sees half a file: a temporary file in the same
//! directory, fsynced, then renamed over the target.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// An artifact could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to write {}: {source}", path.display())]
pub struct WriteError {
    /// The target file.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// Writes `contents` to `path` atomically, creating parent directories.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out/summary.json");
/// release_core::atomic::write(&path, b"{}\n").unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"{}\n");
/// ```
pub fn write(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let error = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(error)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".release-").suffix(".tmp");
    // Temporary files are private by default; an artifact is shared like any file the user
    // writes, so it gets the usual mode (the umask still applies).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut file = builder.tempfile_in(dir).map_err(error)?;
    file.write_all(contents).map_err(error)?;
    file.as_file().sync_all().map_err(error)?;
    file.persist(path).map_err(|e| error(e.error))?;
    // The rename is durable only once the directory entry is; not every platform can open a
    // directory for syncing, and the data itself is already safe, so a failure here is ignored.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
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
