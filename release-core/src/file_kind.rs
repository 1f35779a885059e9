//! What is at a path, in words, and whether a missing path could be created: shared by the
//! artifact writer and the release log, so both refuse the same things with the same words.

use std::fs::FileType;
use std::io;
use std::path::Path;

/// `a regular file`, `a directory`, `a character device`, ... as a message says it.
pub(crate) fn describe(file_type: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_file() {
        "a regular file"
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// Whether a character device or a FIFO: what is written to in place, never replaced.
pub(crate) fn is_stream(file_type: &FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        file_type.is_char_device() || file_type.is_fifo()
    }
    #[cfg(not(unix))]
    {
        let _ = file_type;
        false
    }
}

/// For a path that does not exist: `Ok` when its nearest existing ancestor is a directory (so
/// the missing directories, then the file, can be made), else an error naming the ancestor
/// and what it is, e.g. `artifacts is a regular file, not a directory`.
pub(crate) fn check_creatable(path: &Path) -> io::Result<()> {
    for ancestor in path.ancestors().skip(1) {
        let shown = if ancestor.as_os_str().is_empty() {
            Path::new(".")
        } else {
            ancestor
        };
        match std::fs::metadata(shown) {
            Ok(meta) if meta.is_dir() => return Ok(()),
            Ok(meta) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!(
                        "{} is {}, not a directory",
                        shown.display(),
                        describe(&meta.file_type())
                    ),
                ));
            }
            // Missing, or itself below a file: the next ancestor up says which.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether the path is written as a directory: it ends with `/` (or `/.`, `/..`), or is `.`
/// or `..` themselves.
pub(crate) fn names_directory(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    let last = bytes.rsplit(|b| *b == b'/').next().unwrap_or_default();
    bytes.ends_with(b"/") || last == b"." || last == b".."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_spellings_are_recognised() {
        for yes in [".", "..", "a/", "a/.", "a/..", "/"] {
            assert!(names_directory(Path::new(yes)), "{yes}");
        }
        for no in ["a", "a.json", "./a", "../a", ".hidden", "a..b"] {
            assert!(!names_directory(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn a_file_among_the_ancestors_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let err = check_creatable(&file.join("a/b/c.json")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{} is a regular file, not a directory", file.display())
        );
        check_creatable(&dir.path().join("missing/deeper/c.json")).unwrap();
    }
}
