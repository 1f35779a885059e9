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
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let valid = String::from_utf8_lossy(valid);
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let problems = vec![EnvFileProblem {
                line,
                column,
                message: "invalid UTF-8".to_owned(),
            }];
            return Err(EnvFileError::Syntax {
                path: path.to_path_buf(),
                problems,
            });
        }
    };
    parse(&text).map_err(|problems| EnvFileError::Syntax {
        path: path.to_path_buf(),
        problems,
    })
}

/// Parses env file text into assignments, or every problem found.
pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, Vec<EnvFileProblem>> {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((index, raw)) = lines.next() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_start();
        let indent = line.chars().count() - trimmed.chars().count();
        if trimmed.is_empty() || trimmed.starts_with('#') {
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
            problems.push(problem(
                column,
                "expected a variable name (letters, digits, `_`)",
            ));
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
            Some('"') => parse_double_quoted(&value_trimmed[1..], &mut lines, line_no, column),
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

fn parse_double_quoted<'a>(
    first: &'a str,
    lines: &mut std::iter::Peekable<impl Iterator<Item = (usize, &'a str)>>,
    start_line: usize,
    start_column: usize,
) -> Result<String, EnvFileProblem> {
    let mut value = String::new();
    let mut current = first;
    let mut current_line = start_line;
    let mut column_offset = start_column + 1;
    loop {
        let mut chars = current.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    let tail = &current[i + 1..];
                    let tail = tail.strip_suffix('\r').unwrap_or(tail);
                    let column = column_offset + current[..=i].chars().count();
                    check_tail(tail, column, current_line)?;
                    return Ok(value);
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
        match lines.next() {
            Some((_, next)) => {
                value.push('\n');
                current = next.strip_suffix('\r').unwrap_or(next);
                current_line += 1;
                column_offset = 1;
            }
            None => {
                return Err(EnvFileProblem {
                    line: start_line,
                    column: start_column,
                    message: "unterminated double quote".to_owned(),
                });
            }
        }
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
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

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

        /// Assignment-shaped lines with arbitrary values round-trip when quoted.
        #[test]
        fn single_quoted_values_round_trip(name in "[A-Z_][A-Z0-9_]{0,10}", value in "[^'\\n\\r]{0,40}") {
            let text = format!("{name}='{value}'\n");
            let entries = parse(&text).map_err(|p| TestCaseError::fail(format!("{p:?}")))?;
            prop_assert_eq!(entries.len(), 1);
            prop_assert_eq!(secrecy::ExposeSecret::expose_secret(&entries[0].value), value.as_str());
        }
    }
}
