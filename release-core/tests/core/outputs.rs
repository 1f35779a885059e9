//! Where artifacts go (`release_core::atomic`): regular files are replaced atomically,
//! character devices and FIFOs are written to in place, symbolic links are followed, and
//! everything else is refused with a message that says what is there.
//!
//! No test here names `/dev/null` directly: a regression that renamed over it would, as root,
//! replace the machine's `/dev/null` with a file. Links to it are used instead.

#![cfg(unix)]

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::Path;
use std::time::Duration;

use release_core::atomic;

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_link_to_a_file_writes_the_file_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::fs::write(dir.path().join("real/summary.json"), b"old").unwrap();
    // A relative link, through a second link.
    std::os::unix::fs::symlink("real/summary.json", dir.path().join("first")).unwrap();
    std::os::unix::fs::symlink("first", dir.path().join("out.json")).unwrap();
    atomic::write(&dir.path().join("out.json"), b"new").unwrap();
    for link in ["out.json", "first"] {
        let meta = std::fs::symlink_metadata(dir.path().join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is still a link");
    }
    assert_eq!(
        std::fs::read(dir.path().join("real/summary.json")).unwrap(),
        b"new"
    );
    assert_eq!(entries(&dir.path().join("real")), ["summary.json"]);
}

#[test]
fn a_dangling_link_creates_its_target() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("later/summary.json", dir.path().join("out.json")).unwrap();
    atomic::write(&dir.path().join("out.json"), b"{}").unwrap();
    assert!(
        std::fs::symlink_metadata(dir.path().join("out.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(dir.path().join("later/summary.json")).unwrap(),
        b"{}"
    );
}

#[test]
fn a_link_to_a_character_device_writes_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("null");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    atomic::write(&link, b"{}\n").unwrap();
    atomic::append(&link, b"{}\n").unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert_eq!(entries(dir.path()), ["null"], "no temporary file left");
}

#[test]
fn a_full_device_reports_the_failed_write() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("full");
    std::os::unix::fs::symlink("/dev/full", &link).unwrap();
    let err = atomic::write(&link, b"{}\n").unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "failed to write {}: No space left",
            link.display()
        )),
        "{err}"
    );
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn a_fifo_is_written_to_and_stays_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (sent, received) = std::sync::mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        let _ = sent.send(std::fs::read(reader_path));
    });
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || atomic::write(&writer_path, b"{\"ok\":true}\n"));
    let read = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the reader got what was written to the FIFO");
    assert_eq!(read.unwrap(), b"{\"ok\":true}\n");
    writer.join().unwrap().unwrap();
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn directories_and_paths_spelled_as_directories_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("file.json"), b"x").unwrap();
    std::os::unix::fs::symlink("sub", dir.path().join("link-to-dir")).unwrap();
    let cases = [
        (dir.path().to_path_buf(), "it is a directory"),
        (dir.path().join("sub"), "it is a directory"),
        (dir.path().join("sub/."), "it is a directory"),
        (dir.path().join("sub/.."), "it is a directory"),
        (dir.path().join("link-to-dir"), "it is a directory"),
        (
            dir.path().join("missing/"),
            "it ends with `/`, naming a directory, not a file",
        ),
        (
            dir.path().join("file.json/"),
            "it ends with `/`, naming a directory, not a file",
        ),
        (Path::new("").to_path_buf(), "the path is empty"),
    ];
    for (path, want) in cases {
        for err in [
            atomic::write(&path, b"{}").unwrap_err(),
            atomic::append(&path, b"{}").unwrap_err(),
            atomic::check(&path).unwrap_err(),
        ] {
            assert_eq!(
                err.to_string(),
                format!("failed to write {}: {want}", path.display())
            );
        }
    }
    assert_eq!(std::fs::read(dir.path().join("file.json")).unwrap(), b"x");
    assert_eq!(entries(&dir.path().join("sub")), Vec::<String>::new());
}

#[test]
fn a_file_where_a_directory_should_be_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, b"x").unwrap();
    for path in [
        blocker.join("summary.json"),
        blocker.join("deeper/still/summary.json"),
    ] {
        let err = atomic::write(&path, b"{}").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "failed to write {}: {} is a regular file, not a directory",
                path.display(),
                blocker.display()
            )
        );
        assert!(atomic::check(&path).is_err());
    }
    assert_eq!(std::fs::read(&blocker).unwrap(), b"x");
}

#[test]
fn sockets_are_refused_as_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("s.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let err = atomic::write(&socket, b"{}").unwrap_err();
    assert!(
        err.to_string().ends_with(
            "it is a socket; only regular files, character devices and FIFOs are written"
        ),
        "{err}"
    );
    assert!(std::fs::metadata(&socket).unwrap().file_type().is_socket());
}

#[test]
fn a_replaced_file_keeps_its_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.json");
    std::fs::write(&path, b"old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    atomic::write(&path, b"new").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn append_follows_links_and_creates_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("steps.md", dir.path().join("link.md")).unwrap();
    atomic::append(&dir.path().join("link.md"), b"one\n").unwrap();
    atomic::append(&dir.path().join("link.md"), b"two\n").unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("steps.md")).unwrap(),
        b"one\ntwo\n"
    );
    assert!(
        std::fs::symlink_metadata(dir.path().join("link.md"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
