use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a plan, at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Line starts of a source, so that each position costs a binary search instead of a scan
/// from the top: a plan of a thousand gates asks for a position per gate.
#[derive(Debug)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(source: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { starts }
    }

    /// 1-based line and column (in characters) of a byte offset, clamped to the source. A
    /// byte-order mark is not a column: editors do not show it.
    pub(crate) fn position(&self, source: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|start| *start <= offset).max(1);
        let mut start = self.starts.get(line - 1).copied().unwrap_or(0).min(offset);
        if start == 0 && source.starts_with('\u{feff}') {
            start = '\u{feff}'.len_utf8().min(offset);
        }
        (line, source[start..offset].chars().count() + 1)
    }

    /// The byte range of each line, without its line break.
    pub(crate) fn line_ranges<'a>(
        &'a self,
        source: &'a str,
    ) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
        self.starts.iter().enumerate().map(move |(i, &start)| {
            let end = self.starts.get(i + 1).map_or(source.len(), |next| next - 1);
            start..end.max(start)
        })
    }
}

/// 1-based line and column (in characters) of a byte offset, clamped to the source.
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(source).position(source, offset)
}

/// A plan that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file could not be read.
    #[error("failed to read plan {}: {source}", path.display())]
    Read {
        /// The plan file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The plan is over the size limit.
    #[error("plan {} is over the limit of {limit} bytes", path.display())]
    TooLarge {
        /// The plan file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// The plan has errors; every one found is listed, in source order.
    #[error("{}", Listing { path, diagnostics })]
    Invalid {
        /// The plan file.
        path: PathBuf,
        /// Every problem found.
        diagnostics: Vec<Diagnostic>,
    },
}

impl PlanError {
    /// The problems found, empty for read errors.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            PlanError::Invalid { diagnostics, .. } => diagnostics,
            _ => &[],
        }
    }
}

struct Listing<'a> {
    path: &'a Path,
    diagnostics: &'a [Diagnostic],
}

impl fmt::Display for Listing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                d.line,
                d.column,
                d.message
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 6), (2, 1));
        assert_eq!(line_column(src, 9), (2, 3));
        assert_eq!(
            line_column(src, 8),
            (2, 2),
            "inside a character clamps back"
        );
        assert_eq!(line_column(src, 999), (3, 1));
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let src = "\u{feff}ab\ncd";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 3), (1, 1));
        assert_eq!(line_column(src, 4), (1, 2));
        assert_eq!(line_column(src, 7), (2, 2));
    }

    #[test]
    fn line_ranges_leave_out_line_breaks() {
        let src = "ab\n\ncd\n";
        let index = LineIndex::new(src);
        let ranges: Vec<_> = index.line_ranges(src).collect();
        assert_eq!(ranges, [0..2, 3..3, 4..6, 7..7]);
    }
}
