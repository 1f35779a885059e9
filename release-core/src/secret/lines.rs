//! Secrets split between lines: `fold -w 12` of a token, a wrapped log line, a progress
//! display that rewrites its line with `\r`.
//!
//! The consecutive lines of one stream are read as one text with their line breaks (and every
//! `\r`) removed; each occurrence there of a secret of [`MIN_SUBSTRING_LEN`] characters or more
//! covers its pieces in every line it touches, and each covered piece is replaced. Shorter
//! secrets are matched only as words of one line: two lines that happen to end and start
//! with the halves of a four-character secret are not that secret.

use std::borrow::Cow;
use std::ops::Range;

use super::{MIN_SUBSTRING_LEN, REDACTED, Redactor};

/// Where a line's text sits in the joined text: runs between `\r`s.
struct Chunk {
    /// Start in the joined text.
    joined: usize,
    /// Which line.
    line: usize,
    /// Start in that line.
    at: usize,
    len: usize,
}

/// Consecutive lines joined, line breaks and `\r` removed, with where each part came from.
struct Joined<'a> {
    text: Cow<'a, str>,
    chunks: Vec<Chunk>,
}

impl<'a> Joined<'a> {
    fn new(lines: impl IntoIterator<Item = &'a str>) -> Self {
        let mut lines = lines.into_iter().peekable();
        let first = lines.next();
        // One line without `\r`, the usual case of a live line: itself, not a copy.
        if let Some(first) = first
            && !first.contains('\r')
            && lines.peek().is_none()
        {
            let chunks = vec![Chunk {
                joined: 0,
                line: 0,
                at: 0,
                len: first.len(),
            }];
            return Self {
                text: Cow::Borrowed(first),
                chunks,
            };
        }
        let mut text = String::new();
        let mut chunks = Vec::new();
        for (line, content) in first.into_iter().chain(lines).enumerate() {
            let mut at = 0;
            for piece in content.split('\r') {
                if !piece.is_empty() {
                    chunks.push(Chunk {
                        joined: text.len(),
                        line,
                        at,
                        len: piece.len(),
                    });
                    text.push_str(piece);
                }
                at += piece.len() + 1;
            }
        }
        Self {
            text: Cow::Owned(text),
            chunks,
        }
    }

    /// Which line holds this position of the joined text.
    fn line_at(&self, position: usize) -> Option<usize> {
        self.chunks
            .iter()
            .find(|c| c.joined + c.len > position)
            .map(|c| c.line)
    }

    /// Adds the parts of each line that `range` of the joined text covers.
    fn cover(&self, range: &Range<usize>, covered: &mut [Vec<Range<usize>>]) {
        for chunk in &self.chunks {
            let start = range.start.max(chunk.joined);
            let end = range.end.min(chunk.joined + chunk.len);
            if start < end
                && let Some(line) = covered.get_mut(chunk.line)
            {
                line.push(chunk.at + start - chunk.joined..chunk.at + end - chunk.joined);
            }
        }
    }
}

impl Redactor {
    /// The secrets matched across line breaks: those of [`MIN_SUBSTRING_LEN`] characters or
    /// more, without a line break of their own (each line of a multi-line secret is a secret
    /// of its own).
    fn long_secrets(&self) -> impl Iterator<Item = &str> {
        self.values().filter(|s| {
            s.len() >= MIN_SUBSTRING_LEN
                && s.chars().count() >= MIN_SUBSTRING_LEN
                && !s.contains('\n')
                && !s.contains('\r')
        })
    }

    /// Whether any secret is matched across line breaks.
    pub(crate) fn has_long_secrets(&self) -> bool {
        self.long_secrets().next().is_some()
    }

    /// The byte length of the longest secret matched across line breaks: how much of the
    /// text before a line can still hold the beginning of a secret that ends in it.
    pub(crate) fn longest_secret_len(&self) -> usize {
        self.long_secrets().map(str::len).max().unwrap_or(0)
    }

    /// For each line, the parts of it that secrets occurring across the joined lines cover
    /// (overlapping occurrences included, so that appending lines only ever adds cover).
    fn cover(&self, joined: &Joined<'_>, lines: usize) -> Vec<Vec<Range<usize>>> {
        let mut covered = vec![Vec::new(); lines];
        for secret in self.long_secrets() {
            let step = secret.chars().next().map_or(1, char::len_utf8);
            let mut from = 0;
            while let Some(found) = joined.text[from..].find(secret) {
                let at = from + found;
                joined.cover(&(at..at + secret.len()), &mut covered);
                from = at + step;
            }
        }
        covered
    }

    /// The earliest position from which the joined text, to its end, is the beginning (not
    /// the whole) of a secret matched across line breaks: what the next line may complete.
    fn pending(&self, joined: &Joined<'_>) -> Option<usize> {
        let text = &joined.text;
        self.long_secrets()
            .filter_map(|secret| {
                let first = secret.chars().next()?;
                let mut from = text.len().saturating_sub(secret.len() - 1);
                while !text.is_char_boundary(from) {
                    from += 1;
                }
                // Only where its first character stands: most lines end in none.
                text[from..]
                    .match_indices(first)
                    .map(|(at, _)| from + at)
                    .find(|at| secret.starts_with(&text[*at..]))
            })
            .min()
    }

    /// Consecutive lines of one stream (a command's output), each redacted, also of the
    /// pieces of secrets split between them. `context` is the text before the first line (the
    /// end of lines no longer kept), read but not returned; the last line may be `cut` (it
    /// went on, but the rest was not kept), and then also loses a secret's beginning at its
    /// end ([`Redactor::redact_cut`]).
    pub(crate) fn redact_lines(&self, context: &str, lines: &[&str], cut: bool) -> Vec<String> {
        let all: Vec<&str> = std::iter::once(context)
            .chain(lines.iter().copied())
            .collect();
        let covered = if self.has_long_secrets() {
            self.cover(&Joined::new(all.iter().copied()), all.len())
        } else {
            vec![Vec::new(); all.len()]
        };
        let last = lines.len().saturating_sub(1);
        lines
            .iter()
            .zip(covered.iter().skip(1))
            .enumerate()
            .map(|(i, (line, cover))| self.finish_line(line, cover, cut && i == last))
            .collect()
    }

    /// A line with its covered parts replaced, then redacted on its own.
    fn finish_line(&self, line: &str, covered: &[Range<usize>], cut: bool) -> String {
        let replaced = replace_covered(line, covered);
        if cut {
            self.redact_cut(&replaced).into_owned()
        } else {
            self.redact_line(&replaced).into_owned()
        }
    }

    /// Text of several lines: each piece of a secret split between them (or by `\r`) is
    /// replaced, after what [`Redactor::redact_line`] replaces.
    pub(super) fn redact_split(&self, text: &str) -> Option<String> {
        let lines: Vec<&str> = text.split('\n').collect();
        let covered = self.cover(&Joined::new(lines.iter().copied()), lines.len());
        if covered.iter().all(Vec::is_empty) {
            return None;
        }
        let out: Vec<String> = lines
            .iter()
            .zip(&covered)
            .map(|(line, cover)| replace_covered(line, cover))
            .collect();
        Some(out.join("\n"))
    }
}

/// The line with each run of covered bytes replaced by [`REDACTED`].
fn replace_covered(line: &str, covered: &[Range<usize>]) -> String {
    if covered.is_empty() {
        return line.to_owned();
    }
    let mut ranges = covered.to_vec();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    for range in ranges {
        if range.end <= copied {
            continue;
        }
        let start = range.start.max(copied);
        if start > copied {
            out.push_str(&line[copied..start]);
            out.push_str(REDACTED);
        } else if copied == 0 || !out.ends_with(REDACTED) {
            out.push_str(REDACTED);
        }
        copied = range.end;
    }
    out.push_str(&line[copied..]);
    out
}

/// Lines of one stream redacted as they come, for a live display: a line whose end could be
/// the beginning of a secret that the next line completes is held back until the next line
/// or the end of the stream decides, so that no piece of a secret is ever shown.
#[derive(Debug, Default)]
pub(crate) struct LineStream {
    held: Vec<Held>,
}

#[derive(Debug)]
struct Held {
    text: String,
    cut: bool,
    covered: Vec<Range<usize>>,
}

impl LineStream {
    /// Adds a line (`cut`: it went on, the rest not kept, so nothing continues it); returns
    /// the lines now decided, redacted, each with whether it was cut.
    pub(crate) fn push(
        &mut self,
        redactor: &Redactor,
        text: String,
        cut: bool,
    ) -> Vec<(String, bool)> {
        self.held.push(Held {
            text,
            cut,
            covered: Vec::new(),
        });
        if !redactor.has_long_secrets() {
            return self.release(redactor, self.held.len());
        }
        let joined = Joined::new(self.held.iter().map(|h| h.text.as_str()));
        let covered = redactor.cover(&joined, self.held.len());
        let decided = match redactor.pending(&joined) {
            Some(at) if !cut => joined.line_at(at).unwrap_or(self.held.len()),
            _ => self.held.len(),
        };
        drop(joined);
        // Added to what earlier lines, since released, covered of the ones still held.
        for (held, cover) in self.held.iter_mut().zip(covered) {
            held.covered.extend(cover);
            held.covered.sort_by_key(|r| (r.start, r.end));
            held.covered.dedup();
        }
        self.release(redactor, decided)
    }

    /// The stream ended: every line still held, redacted.
    pub(crate) fn finish(&mut self, redactor: &Redactor) -> Vec<(String, bool)> {
        self.release(redactor, self.held.len())
    }

    fn release(&mut self, redactor: &Redactor, count: usize) -> Vec<(String, bool)> {
        self.held
            .drain(..count)
            .map(|h| (redactor.finish_line(&h.text, &h.covered, h.cut), h.cut))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghp_R3alTokenValue0123456789";

    fn redactor() -> Redactor {
        let mut r = Redactor::new();
        r.add(TOKEN);
        r.add("k9Zq");
        r
    }

    /// `text` folded into lines of `width` characters, as `fold -w` prints it.
    fn folded(text: &str, width: usize) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        chars.chunks(width).map(|c| c.iter().collect()).collect()
    }

    #[test]
    fn a_secret_folded_over_lines_is_redacted_in_every_piece() {
        let r = redactor();
        for width in [1, 2, 5, 12, 27] {
            let mut lines = vec!["before".to_owned(), format!("token: {}", &TOKEN[..3])];
            lines.extend(folded(&TOKEN[3..], width));
            lines.push("after".to_owned());
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let shown = r.redact_lines("", &refs, false);
            assert_eq!(shown[0], "before");
            assert_eq!(shown[1], "token: [redacted]");
            assert!(
                shown[2..shown.len() - 1].iter().all(|l| l == REDACTED),
                "{shown:?}"
            );
            assert_eq!(shown.last().map(String::as_str), Some("after"));
            // The same text in one string, as a report field holds it.
            let text = refs.join("\n");
            let redacted = r.redact(&text);
            assert!(
                !redacted.contains("R3al") && !redacted.contains("6789"),
                "{redacted}"
            );
            assert_eq!(redacted.lines().count(), refs.len());
        }
    }

    #[test]
    fn the_context_before_the_kept_lines_completes_a_secret() {
        let r = redactor();
        let shown = r.redact_lines("x ghp_R3alToke", &["nValue012345", "6789 done"], false);
        assert_eq!(shown, ["[redacted]", "[redacted] done"]);
    }

    #[test]
    fn carriage_returns_split_a_secret_too() {
        let r = redactor();
        let line = format!("{}\r{}\rok", &TOKEN[..10], &TOKEN[10..]);
        assert_eq!(
            r.redact_lines("", &[&line], false),
            ["[redacted]\r[redacted]\rok"]
        );
        assert_eq!(r.redact(&line), "[redacted]\r[redacted]\rok");
    }

    #[test]
    fn a_cut_line_ends_what_can_join() {
        let r = redactor();
        // The first line was cut: the next does not continue it, but its end is a beginning.
        let shown = r.redact_lines("", &["x", "key=ghp_R3al"], true);
        assert_eq!(shown, ["x", "key=[redacted]"]);
    }

    #[test]
    fn halves_of_short_secrets_and_unrelated_lines_are_left_alone() {
        let r = redactor();
        let lines = ["pin k9", "Zq", "ghp_R3al", "nothing else"];
        assert_eq!(r.redact_lines("", &lines, false), lines);
        assert_eq!(r.redact(&lines.join("\n")), lines.join("\n"));
    }

    #[test]
    fn the_live_stream_holds_lines_that_may_begin_a_secret() {
        let r = redactor();
        let mut stream = LineStream::default();
        let mut shown = Vec::new();
        let mut push = |stream: &mut LineStream, line: &str| {
            let out = stream.push(&r, line.to_owned(), false);
            shown.extend(out.into_iter().map(|(l, _)| l));
            shown.len()
        };
        assert_eq!(push(&mut stream, "start"), 1);
        // Could be the beginning of the token: held.
        assert_eq!(push(&mut stream, "ghp_R3alToke"), 1);
        assert_eq!(push(&mut stream, "nValue012345"), 1);
        // Completed: both pieces and the last released, redacted.
        assert_eq!(push(&mut stream, "6789 and more"), 4);
        // A beginning that the next line does not continue is shown as it is.
        assert_eq!(push(&mut stream, "ends in ghp_"), 4);
        assert_eq!(push(&mut stream, "something else"), 6);
        assert_eq!(push(&mut stream, "ghp_R3"), 6);
        shown.extend(stream.finish(&r).into_iter().map(|(l, _)| l));
        assert_eq!(
            shown,
            [
                "start",
                "[redacted]",
                "[redacted]",
                "[redacted] and more",
                "ends in ghp_",
                "something else",
                "ghp_R3"
            ]
        );
    }

    #[test]
    fn the_live_stream_releases_what_comes_before_a_held_beginning() {
        let r = redactor();
        let mut stream = LineStream::default();
        assert_eq!(stream.push(&r, "one".to_owned(), false).len(), 1);
        // A line ending in `g` may begin the token; the one before it is decided.
        assert!(stream.push(&r, "a g".to_owned(), false).is_empty());
        let out = stream.push(&r, "hp_R3alTokenValue0123456789".to_owned(), false);
        assert_eq!(
            out,
            [
                ("a [redacted]".to_owned(), false),
                (REDACTED.to_owned(), false)
            ]
        );
        // A line that could go on forever beginning secrets does not hold the stream:
        // each line ends in `g`, and the ones before the last are decided.
        for _ in 0..100 {
            stream.push(&r, "xg".to_owned(), false);
        }
        assert!(stream.held.len() <= 1, "{} held", stream.held.len());
        // A cut line releases everything: nothing continues it.
        assert_eq!(stream.push(&r, "ghp_R3a".to_owned(), true).len(), 2);
    }

    #[test]
    fn the_live_stream_and_the_batch_agree() {
        let r = redactor();
        let texts = [
            format!("a {TOKEN} b"),
            format!("{}\n{}", &TOKEN[..4], &TOKEN[4..]),
            folded(&format!("x{TOKEN}{TOKEN}y"), 7).join("\n"),
            format!("k9Zq\nk9\nZq\n{}", &TOKEN[..20]),
        ];
        for text in texts {
            let lines: Vec<&str> = text.split('\n').collect();
            let batch = r.redact_lines("", &lines, false);
            let mut stream = LineStream::default();
            let mut live: Vec<String> = Vec::new();
            for line in &lines {
                live.extend(
                    stream
                        .push(&r, (*line).to_owned(), false)
                        .into_iter()
                        .map(|l| l.0),
                );
            }
            live.extend(stream.finish(&r).into_iter().map(|l| l.0));
            assert_eq!(live, batch, "{text:?}");
        }
    }

    #[test]
    fn covered_runs_become_one_marker_each() {
        assert_eq!(replace_covered("abcdef", &[1..3, 2..4]), "a[redacted]ef");
        assert_eq!(
            replace_covered("abcdef", &[0..2, 4..6]),
            "[redacted]cd[redacted]"
        );
        let whole = [Range { start: 0, end: 6 }];
        assert_eq!(replace_covered("abcdef", &whole), "[redacted]");
        assert_eq!(replace_covered("abcdef", &[]), "abcdef");
    }
}
