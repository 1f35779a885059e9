//! Reading input files with a size cap that holds for pipes and devices too.

use std::io::Read as _;
use std::path::Path;

/// The file's bytes, or `None` when it holds more than `limit` bytes. The cap is enforced
/// while reading, since `metadata().len()` is 0 for FIFOs, `/dev/zero` and `/proc` files.
pub(crate) fn read_limited(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    // A regular file says its size: reading into a buffer of that size, not a doubling one,
    // keeps a large document from costing up to twice its size while it is read.
    let expected = file
        .metadata()
        .map(|m| m.len().min(limit).saturating_add(1))
        .unwrap_or(0);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_limit_even_for_endless_devices() {
        assert_eq!(read_limited(Path::new("/dev/zero"), 1024).unwrap(), None);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_limited(&path, 5).unwrap(), Some(b"12345".to_vec()));
        assert_eq!(read_limited(&path, 4).unwrap(), None);
    }
}
