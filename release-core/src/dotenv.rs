//! A dotenv file reader: `KEY=value` lines, `#` comments, an optional `export ` prefix, single
//! quotes (literal), double quotes (with `\n`, `\t`, `\"`, `\\` escapes, may span lines) and
//! trailing comments after unquoted values.
//!
//! Errors carry the line and column and never the value, since any value may be a secret.

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

/// Env files larger than this are refused: a dotenv file of megabytes is a mistake.
pub const MAX_ENV_FILE_BYTES: u64 = 1024 * 1024;

/// One assignment.
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) value: SecretString,
    pub(crate) line: usize,
}

/// One problem in an env file, at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileProblem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What was expected, never the value.
    pub message: String,
}

/// An env file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EnvFileError {
    /// The file could not be read.
    #[error("failed to read env file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds more than [`MAX_ENV_FILE_BYTES`].
    #[error("env file {} is over the limit of {MAX_ENV_FILE_BYTES} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The file has syntax errors; all of them are listed.
    #[error("{}", SyntaxList { path, problems })]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<EnvFileProblem>,
    },
}

struct SyntaxList<'a> {
    path: &'a Path,
    problems: &'a [EnvFileProblem],
}

impl fmt::Display for SyntaxList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                p.line,
                p.column,
                p.message
            )?;
        }
        Ok(())
    }
}

pub(crate) fn read(path: &Path) -> Result<Vec<Entry>, EnvFileError> {
    let read_err = |source| EnvFileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let Some(bytes) = crate::read::read_limited(path, MAX_ENV_FILE_BYTES).map_err(read_err)? else {
        return Err(EnvFileError::TooLarge {
            path: path.to_path_buf(),
        });
    };
    from_bytes(path, &bytes)
}

/// The UTF-8 byte-order mark some editors put at the start of a file.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Parses env file bytes; `path` names them in messages. A leading byte-order mark is
/// skipped (and is not a column); anything else that is not UTF-8 is an error where it is.
pub(crate) fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>, EnvFileError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let syntax = |problems| EnvFileError::Syntax {
        path: path.to_path_buf(),
        problems,
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = String::from_utf8_lossy(&bytes[..err.valid_up_to()]);
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(syntax(vec![EnvFileProblem {
                line,
                column,
                message: "invalid UTF-8; an env file is UTF-8 text".to_owned(),
            }]));
        }
    };
    parse(text).map_err(syntax)
}

/// What a character no line may hold is, for the message at its position.
fn unusable(c: char) -> Option<&'static str> {
    match c {
        '\0' => Some("unexpected NUL character; no variable can hold one"),
        '\r' => Some("unexpected carriage return; lines end with LF or CRLF"),
        _ => None,
    }
}

/// Parses env file text into assignments, or every problem found, in order.
pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, Vec<EnvFileProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|raw| raw.strip_suffix('\r').unwrap_or(raw))
        .collect();
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    // A NUL or a CR that does not end a line is reported where it is, and its line is not
    // read as an assignment (inside a quoted value it is still an error, reported here).
    let mut skip = vec![false; lines.len()];
    for (index, line) in lines.iter().enumerate() {
        if let Some((column, message)) = line
            .chars()
            .enumerate()
            .find_map(|(i, c)| unusable(c).map(|m| (i + 1, m)))
        {
            problems.push(EnvFileProblem {
                line: index + 1,
                column,
                message: message.to_owned(),
            });
            skip[index] = true;
        }
    }
    let mut next = 0;
    while let Some(&line) = lines.get(next) {
        let index = next;
        next += 1;
        let line_no = index + 1;
        let trimmed = line.trim_start();
        let indent = line.chars().count() - trimmed.chars().count();
        if skip[index] || trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let problem = |column: usize, message: &str| EnvFileProblem {
            line: line_no,
            column,
            message: message.to_owned(),
        };
        let (rest, mut column) = match trimmed.strip_prefix("export") {
            Some(after) if after.starts_with([' ', '\t']) => {
                let after_ws = after.trim_start_matches([' ', '\t']);
                (
                    after_ws,
                    indent + 1 + "export".len() + (after.len() - after_ws.len()),
                )
            }
            _ => (trimmed, indent + 1),
        };
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            let message = if rest.starts_with('\u{feff}') {
                "unexpected byte-order mark; only the start of the file may have one"
            } else {
                "expected a variable name (letters, digits, `_`)"
            };
            problems.push(problem(column, message));
            continue;
        }
        column += name.chars().count();
        let after_name = &rest[name_len..];
        let after_ws = after_name.trim_start_matches([' ', '\t']);
        column += after_name.len() - after_ws.len();
        let Some(value_src) = after_ws.strip_prefix('=') else {
            problems.push(problem(column, "expected `=` after the variable name"));
            continue;
        };
        column += 1;
        let value_trimmed = value_src.trim_start_matches([' ', '\t']);
        column += value_src.len() - value_trimmed.len();
        let value = match value_trimmed.chars().next() {
            Some('\'') => match value_trimmed[1..].find('\'') {
                Some(end) => {
                    // `end + 2` is just past the closing quote, an ASCII byte: a char boundary.
                    let (quoted, tail) = value_trimmed.split_at(end + 2);
                    check_tail(tail, column + quoted.chars().count(), line_no)
                        .map(|()| value_trimmed[1..end + 1].to_owned())
                }
                None => Err(problem(column, "unterminated single quote")),
            },
            // On an error the lines after the opening quote are read as lines again: the
            // quote, not what follows it, is the likely mistake.
            Some('"') => parse_double_quoted(&value_trimmed[1..], &lines, index, column).map(
                |(value, after)| {
                    next = after;
                    value
                },
            ),
            _ => Ok(strip_inline_comment(value_trimmed).trim_end().to_owned()),
        };
        match value {
            Ok(value) => entries.push(Entry {
                name: name.to_owned(),
                value: SecretString::from(value),
                line: line_no,
            }),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        problems.sort_by_key(|p| (p.line, p.column));
        Err(problems)
    }
}

/// After a closing quote only whitespace or a comment may follow.
fn check_tail(tail: &str, column: usize, line: usize) -> Result<(), EnvFileProblem> {
    let rest = tail.trim_start_matches([' ', '\t']);
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err(EnvFileProblem {
            line,
            column: column + (tail.chars().count() - rest.chars().count()),
            message: "unexpected text after the closing quote".to_owned(),
        })
    }
}

fn strip_inline_comment(value: &str) -> &str {
    // A `#` starts a comment only after whitespace, so `a#b` keeps its `#`, as in dotenv.
    let bytes = value.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
            return &value[..i];
        }
    }
    value
}

/// A double-quoted value from just after its opening quote (line `start`, 0-based, at
/// `start_column`), which may span lines; the value and the index of the line after it.
fn parse_double_quoted(
    first: &str,
    lines: &[&str],
    start: usize,
    start_column: usize,
) -> Result<(String, usize), EnvFileProblem> {
    let mut value = String::new();
    let mut current = first;
    let mut index = start;
    let mut column_offset = start_column + 1;
    loop {
        let mut chars = current.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    let column = column_offset + current[..=i].chars().count();
                    return match check_tail(&current[i + 1..], column, index + 1) {
                        Ok(()) => Ok((value, index + 1)),
                        Err(problem) if index == start => Err(problem),
                        // Text after a quote lines below: that quote was meant to open a
                        // value, so the one that opened this value was never closed.
                        Err(_) => Err(EnvFileProblem {
                            line: start + 1,
                            column: start_column,
                            message: format!(
                                "unterminated double quote (the next `\"`, on line {}, is followed by text)",
                                index + 1
                            ),
                        }),
                    };
                }
                '\\' => match chars.next().map(|(_, c)| c) {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some('r') => value.push('\r'),
                    Some('"') => value.push('"'),
                    Some('\\') => value.push('\\'),
                    Some('$') => value.push('$'),
                    Some(other) => {
                        value.push('\\');
                        value.push(other);
                    }
                    None => value.push('\\'),
                },
                c => value.push(c),
            }
        }
        index += 1;
        let Some(&next) = lines.get(index) else {
            return Err(EnvFileProblem {
                line: start + 1,
                column: start_column,
                message: "unterminated double quote".to_owned(),
            });
        };
        value.push('\n');
        current = next;
        column_offset = 1;
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn pairs(text: &str) -> Vec<(String, String, usize)> {
        match parse(text) {
            Ok(entries) => entries
                .into_iter()
                .map(|e| (e.name, e.value.expose_secret().to_owned(), e.line))
                .collect(),
            Err(problems) => panic!("unexpected problems: {problems:?}"),
        }
    }

    fn problems(text: &str) -> Vec<EnvFileProblem> {
        match parse(text) {
            Ok(_) => panic!("expected problems"),
            Err(problems) => problems,
        }
    }

    #[test]
    fn reads_plain_quoted_exported_and_commented_lines() {
        let text = "# comment\n\nA=1\nexport B = two words # trailing\nC='lit # eral \\n'\nD=\"x\\ny\" # c\nE=\nF=a#b\r\n";
        assert_eq!(
            pairs(text),
            vec![
                ("A".into(), "1".into(), 3),
                ("B".into(), "two words".into(), 4),
                ("C".into(), "lit # eral \\n".into(), 5),
                ("D".into(), "x\ny".into(), 6),
                ("E".into(), "".into(), 7),
                ("F".into(), "a#b".into(), 8),
            ]
        );
    }

    #[test]
    fn double_quotes_may_span_lines() {
        assert_eq!(
            pairs("K=\"a\r\nb\r\nc\"\r\n"),
            vec![("K".into(), "a\nb\nc".into(), 1)],
            "CRLF files"
        );
        assert_eq!(
            pairs("K=\"line1\nline2\"\nN=1"),
            vec![
                ("K".into(), "line1\nline2".into(), 1),
                ("N".into(), "1".into(), 3)
            ]
        );
    }

    #[test]
    fn reports_every_problem_with_position_and_no_value() {
        let found = problems("OK=1\n=nothing\nNOEQ value\nQ='open-canary-secret\nR=\"x\" junk\n");
        let at: Vec<_> = found.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(at, vec![(2, 1), (3, 6), (4, 3), (5, 7)]);
        for p in &found {
            assert!(!p.message.contains("canary"), "{}", p.message);
        }
    }

    #[test]
    fn unterminated_double_quote_names_the_opening_line() {
        let found = problems("A=1\nB=\"never closed\nC=2\n");
        assert_eq!((found[0].line, found[0].column), (2, 3));
        assert_eq!(found[0].message, "unterminated double quote");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let found = problems("K='é€' junk\n");
        assert_eq!((found[0].line, found[0].column), (1, 8));
    }

    #[test]
    fn export_alone_is_a_variable_name() {
        assert_eq!(pairs("export=1"), vec![("export".into(), "1".into(), 1)]);
    }

    fn at(text: &str) -> Vec<(usize, usize, String)> {
        problems(text)
            .into_iter()
            .map(|p| (p.line, p.column, p.message))
            .collect()
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_skipped() {
        // Editors on Windows write one; plans accept it, so env files do too.
        assert_eq!(
            pairs("\u{feff}A=1\r\nB=2\r\n"),
            vec![("A".into(), "1".into(), 1), ("B".into(), "2".into(), 2)]
        );
        // It is not a column either.
        assert_eq!(at("\u{feff}=x")[0].1, 1);
        let found = at("A=1\n\u{feff}B=2\n");
        assert_eq!((found[0].0, found[0].1), (2, 1));
        assert!(found[0].2.contains("byte-order mark"), "{found:?}");
    }

    #[test]
    fn an_unterminated_quote_is_reported_where_it_opens() {
        // The next `"` is two lines down, followed by text: the quote on line 1 is the
        // mistake, and the lines after it are read as lines again.
        let found = at("A=\"never closed\nB=1\nC=\"x\"\nD\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (1, 3));
        assert!(
            found[0].2.starts_with("unterminated double quote"),
            "{found:?}"
        );
        assert_eq!((found[1].0, found[1].1), (4, 2), "{found:?}");
        // Quotes at the end of the file.
        for text in ["A=\"", "A='", "A=\"\n", "  export A = '"] {
            let found = at(text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            assert!(found[0].2.starts_with("unterminated"), "{found:?}");
            assert_eq!(found[0].1, text.find(['"', '\'']).unwrap() + 1, "{text:?}");
        }
        // A value that spans lines and closes cleanly is still one value.
        assert_eq!(
            pairs("K=\"a\nb\" # c\nN=1\n"),
            vec![("K".into(), "a\nb".into(), 1), ("N".into(), "1".into(), 3)]
        );
    }

    #[test]
    fn nul_characters_and_bare_carriage_returns_are_refused_where_they_are() {
        for (text, line, column, word) in [
            ("A=x\0y\n", 1, 4, "NUL"),
            ("\0A=1\n", 1, 1, "NUL"),
            ("A=1\nB='a\0'\n", 2, 5, "NUL"),
            ("A=\"a\nb\0\"\n", 2, 2, "NUL"),
            ("A=1\rB=2\n", 1, 4, "carriage return"),
            ("A='x\ry'\r\n", 1, 5, "carriage return"),
        ] {
            let found = at(text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            assert_eq!((found[0].0, found[0].1), (line, column), "{text:?}");
            assert!(found[0].2.contains(word), "{text:?}: {found:?}");
        }
    }

    #[test]
    fn crlf_line_ends_are_line_ends() {
        assert_eq!(
            pairs("A=1\r\nB='x'\r\nC=\"y\" # c\r\n\r\n"),
            vec![
                ("A".into(), "1".into(), 1),
                ("B".into(), "x".into(), 2),
                ("C".into(), "y".into(), 3)
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_positioned_in_names_and_values() {
        let bytes_at = |bytes: &[u8]| match from_bytes(Path::new("x.env"), bytes) {
            Err(EnvFileError::Syntax { problems, .. }) => (problems[0].line, problems[0].column),
            other => panic!("{:?}", other.map(|e| e.len())),
        };
        assert_eq!(bytes_at(b"A\xff=1\n"), (1, 2));
        assert_eq!(bytes_at(b"A=1\nB=\xc3\n"), (2, 3));
        assert_eq!(
            bytes_at(b"\xef\xbb\xbfA=\xff"),
            (1, 3),
            "after a byte-order mark"
        );
    }

    #[test]
    fn long_lines_are_read_in_one_pass() {
        let value = "v".repeat(1024 * 1024);
        let start = std::time::Instant::now();
        assert_eq!(pairs(&format!("A={value}\n"))[0].1.len(), value.len());
        let found = at(&format!("A=\"{value}\nB=1\n"));
        assert_eq!((found[0].0, found[0].1), (1, 3));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use secrecy::ExposeSecret;

    use super::*;

    /// A piece of a hostile env file.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"A=1".to_vec()),
            Just(b"export B = 'secret-canary'".to_vec()),
            Just(b"C=\"secret-canary".to_vec()),
            Just(b"D='".to_vec()),
            Just(b"E=\"".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"'".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\0".to_vec()),
            Just(b"\xef\xbb\xbf".to_vec()),
            Just(b"\xff".to_vec()),
            Just(b"\xc3".to_vec()),
            Just(b"\x1b[31m".to_vec()),
            Just("\u{202e}".as_bytes().to_vec()),
            Just(b" # c".to_vec()),
            Just(b"\\".to_vec()),
            (0usize..5000).prop_map(|n| vec![b'v'; n]),
            "[A-Za-z_.]{0,6}=?".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..8),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any text gives either assignments or positioned problems, and problems never quote
        /// the text.
        #[test]
        fn arbitrary_text_never_panics(text in "(\\PC|[\\n\\r\\t'\"#=\\\\ ]){0,200}") {
            let lines = text.split('\n').count();
            match parse(&text) {
                Ok(entries) => {
                    for e in entries {
                        prop_assert!(e.line >= 1 && e.line <= lines);
                    }
                }
                Err(problems) => {
                    prop_assert!(!problems.is_empty());
                    let widths: Vec<usize> = text.split('\n').map(|l| l.chars().count()).collect();
                    for p in problems {
                        prop_assert!(p.line >= 1 && p.line <= lines && p.column >= 1);
                        prop_assert!(p.column <= widths[p.line - 1] + 1, "{:?} beyond its line", p);
                        prop_assert!(["invalid", "expected", "unterminated", "unexpected"].iter().any(|w| p.message.starts_with(w)));
                    }
                }
            }
        }

        /// Hostile bytes (byte-order marks, NULs, CRs, invalid UTF-8, quotes at the end, long
        /// runs) give assignments or positioned problems: each inside the input, each
        /// rendered as one printable `file:line:column: ` line.
        #[test]
        fn hostile_bytes_get_positioned_printable_messages(
            pieces in proptest::collection::vec(piece(), 0..24),
        ) {
            let bytes = pieces.concat();
            let lines = {
                let body = bytes.strip_prefix(BOM).unwrap_or(&bytes);
                let text = String::from_utf8_lossy(body);
                text.split('\n').map(|l| l.chars().count()).collect::<Vec<_>>()
            };
            match from_bytes(Path::new("fuzz.env"), &bytes) {
                Ok(entries) => {
                    for e in entries {
                        prop_assert!(e.line >= 1 && e.line <= lines.len());
                        prop_assert!(!e.value.expose_secret().contains('\0'));
                    }
                }
                Err(err) => {
                    let EnvFileError::Syntax { problems, .. } = &err else {
                        return Err(TestCaseError::fail(format!("{err}")));
                    };
                    prop_assert!(!problems.is_empty());
                    let rendered = err.to_string();
                    let rendered: Vec<&str> = rendered.split('\n').collect();
                    prop_assert_eq!(rendered.len(), problems.len());
                    for (p, shown) in problems.iter().zip(rendered) {
                        prop_assert!(p.line >= 1 && p.line <= lines.len(), "{:?}", p);
                        prop_assert!(p.column >= 1 && p.column <= lines[p.line - 1] + 1, "{:?} beyond its line", p);
                        let prefix = format!("fuzz.env:{}:{}: ", p.line, p.column);
                        prop_assert!(shown.starts_with(&prefix), "{}", shown);
                        prop_assert!(!shown.chars().any(char::is_control), "{:?}", shown);
                        prop_assert!(!shown.contains("secret-canary"), "{}", shown);
                    }
                }
            }
        }

        /// Assignment-shaped lines with arbitrary values round-trip when quoted (a NUL never
        /// does: no variable can hold one).
        #[test]
        fn single_quoted_values_round_trip(name in "[A-Z_][A-Z0-9_]{0,10}", value in "[^'\\n\\r\\x00]{0,40}") {
            let text = format!("{name}='{value}'\n");
            let entries = parse(&text).map_err(|p| TestCaseError::fail(format!("{p:?}")))?;
            prop_assert_eq!(entries.len(), 1);
            prop_assert_eq!(secrecy::ExposeSecret::expose_secret(&entries[0].value), value.as_str());
        }
    }
}
