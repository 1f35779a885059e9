//! Reading JSON strictly: one scanner for every JSON text the tool reads, documents it (or a
//! user) wrote (summaries and `--baseline`, release-log lines, health reports and the schemas
//! they are checked against) and upstream bodies alike (`net::json`: health bodies,
//! `expect.json`, the admin API, Prometheus, Alertmanager, Railway), so the same bytes get the
//! same judgement everywhere. It refuses what `serde_json` lets through:
//!
//! - **Bytes that are not UTF-8** (RFC 8259 section 8.1): never replaced by `U+FFFD` and read
//!   on, since `{"status":"\xff\xfeok"}` is not a status at all.
//! - **Duplicate keys** in any object, at any depth: `serde_json` keeps the last one, so
//!   `{"schemaVersion": 2, "schemaVersion": 1}` read as version 1, and a struct's derive
//!   catches only its own fields, never a map's or a `Value`'s. Parsers disagree on which of
//!   two wins, so reading one would be guessing.
//! - **Nesting deeper than [`MAX_DEPTH`]**, said in those words: valid JSON, but nothing we
//!   read needs it. The scanner is iterative (depth costs heap, never stack), and [`value`]
//!   reads only what it checked, so `serde_json`'s recursion stays within the limit.
//! - Anything RFC 8259 forbids, as `serde_json` refuses it (numbers out of range, lone
//!   surrogates), with a line and column.
//!
//! One thing it lets through that `serde_json` refuses: a UTF-8 **byte-order mark** at the
//! very start, which RFC 8259 section 8.1 lets a reader ignore (editors on Windows write one;
//! plans and env files accept it too). It is skipped, and positions count from after it. A
//! byte-order mark anywhere else is refused in those words, not as "expected value".
//!
//! Messages never quote a value from the document, which may hold a secret; a duplicate key's
//! name (the document's structure, as a schema names its properties) is quoted.
//!
//! [`Tree`] is the document in a compact form (8 bytes a value, strings and numbers left in
//! the text), for checking large documents against a schema without `serde_json::Value`'s
//! ~16 bytes of overhead per byte of input.

use std::borrow::Cow;
use std::collections::HashSet;

/// Containers nested deeper than this are refused: 128 arrays or objects inside one another
/// are read.
pub const MAX_DEPTH: usize = 128;

/// What is wrong with a JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonProblem {
    /// A byte sequence that is not UTF-8.
    NotUtf8,
    /// One object holds a key twice.
    DuplicateKey,
    /// Valid JSON, nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Not JSON.
    Syntax,
}

/// A text that is not the JSON it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct JsonError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, without any value from the document.
    pub message: String,
    /// Its kind.
    pub problem: JsonProblem,
    /// Whether the text ended before the document did (a write cut short).
    pub(crate) at_end: bool,
}

impl JsonError {
    fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        Self::of(JsonProblem::Syntax, text, offset, message)
    }

    fn of(problem: JsonProblem, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let before = text.get(..offset).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let message = message.into();
        Self {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            at_end: message.starts_with("EOF while parsing"),
            message,
            problem,
        }
    }

    /// Whether the text ended before the document did, as a write cut short leaves it.
    pub fn is_eof(&self) -> bool {
        self.at_end
    }
}

/// `bytes` as text once it is checked to be one strict JSON document: UTF-8, well-formed, no
/// duplicate key, nesting within [`MAX_DEPTH`]. Deserialize it with [`from_checked`] after.
pub(crate) fn check(bytes: &[u8]) -> Result<&str, JsonError> {
    let text = utf8(without_bom(bytes))?;
    scan(text, &mut ())?;
    Ok(text)
}

/// Deserializes a text [`check`] accepted. `serde_json`'s own recursion limit (127 levels)
/// is lifted, since the check bounded the depth at [`MAX_DEPTH`] already.
pub(crate) fn from_checked<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<T, serde_json::Error> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let value = <T as serde::Deserialize>::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// One strict JSON document as a `serde_json::Value`.
///
/// ```
/// use release_core::json::{value, JsonProblem};
/// assert_eq!(value(br#"{"status":"pass"}"#).unwrap()["status"], "pass");
/// let twice = value(br#"{"status":"fail","status":"pass"}"#).unwrap_err();
/// assert_eq!(twice.problem, JsonProblem::DuplicateKey);
/// assert_eq!(twice.to_string(), r#"1:18: duplicate key "status""#);
/// assert_eq!(value(b"[\"\xff\"]").unwrap_err().problem, JsonProblem::NotUtf8);
/// let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
/// assert_eq!(value(deep.as_bytes()).unwrap_err().problem, JsonProblem::TooDeep);
/// ```
pub fn value(bytes: &[u8]) -> Result<serde_json::Value, JsonError> {
    let text = check(bytes)?;
    // A checked text is a JSON value, which a `Value` can always hold.
    from_checked(text).map_err(|e| JsonError::at(text, 0, e.to_string()))
}

/// The byte-order mark, U+FEFF.
const BOM: char = '\u{feff}';

/// `bytes` without one leading UTF-8 byte-order mark.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes)
}

/// `message` at `i`, unless what is there is a byte-order mark, which is named: it does not
/// show in an editor, and "expected value" would point at nothing visible.
fn unexpected(text: &str, i: usize, message: &str) -> JsonError {
    if text.get(i..).is_some_and(|rest| rest.starts_with(BOM)) {
        JsonError::at(
            text,
            i,
            "a byte-order mark (U+FEFF), which JSON allows only at the start",
        )
    } else {
        JsonError::at(text, i, message)
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, JsonError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        // The valid prefix is text, so the position can be told in lines and characters.
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let byte = bytes.get(valid).copied().unwrap_or_default();
        JsonError::of(
            JsonProblem::NotUtf8,
            prefix,
            valid,
            format!("not UTF-8 (byte {byte:#04x})"),
        )
    })
}

/// What a scalar is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    Null,
    False,
    True,
    Number,
    /// A string; `escaped` when it holds a backslash escape (its text is not its value).
    String {
        escaped: bool,
    },
}

/// What the scanner found, in document order. Offsets are byte offsets into the text; a
/// string's span includes its quotes.
pub(crate) trait Sink {
    fn scalar(&mut self, kind: Scalar, start: usize, end: usize);
    fn key(&mut self, start: usize, end: usize, escaped: bool);
    fn open(&mut self, array: bool, start: usize);
    fn close(&mut self, end: usize);
}

impl Sink for () {
    fn scalar(&mut self, _: Scalar, _: usize, _: usize) {}
    fn key(&mut self, _: usize, _: usize, _: bool) {}
    fn open(&mut self, _: bool, _: usize) {}
    fn close(&mut self, _: usize) {}
}

/// An open container: an array, or an object with the keys it has so far.
enum Frame<'t> {
    Array,
    Object(HashSet<Cow<'t, str>>),
}

/// Scans one document, reporting it to `sink`. Iterative: depth costs heap, never stack.
pub(crate) fn scan(text: &str, sink: &mut impl Sink) -> Result<(), JsonError> {
    let bytes = text.as_bytes();
    let error = |offset: usize, message: &str| JsonError::at(text, offset, message);
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut i = skip_ws(bytes, 0);
    // Expecting a value at `i`.
    'value: loop {
        let Some(&byte) = bytes.get(i) else {
            return Err(error(i, "EOF while parsing a value"));
        };
        match byte {
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(JsonError::of(
                        JsonProblem::TooDeep,
                        text,
                        i,
                        format!("nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let array = byte == b'[';
                sink.open(array, i);
                i = skip_ws(bytes, i + 1);
                let close = if array { b']' } else { b'}' };
                if bytes.get(i) == Some(&close) {
                    i += 1;
                    sink.close(i);
                } else if array {
                    stack.push(Frame::Array);
                    continue 'value;
                } else {
                    let mut keys = HashSet::new();
                    i = key(text, i, &mut keys, sink)?;
                    stack.push(Frame::Object(keys));
                    continue 'value;
                }
            }
            b'"' => {
                let (end, escaped) = string(text, i)?;
                sink.scalar(Scalar::String { escaped }, i, end);
                i = end;
            }
            b't' | b'f' | b'n' => {
                let (word, kind): (&[u8], _) = match byte {
                    b't' => (b"true", Scalar::True),
                    b'f' => (b"false", Scalar::False),
                    _ => (b"null", Scalar::Null),
                };
                if !bytes[i..].starts_with(word) {
                    return Err(error(i, "expected value"));
                }
                sink.scalar(kind, i, i + word.len());
                i += word.len();
            }
            b'-' | b'0'..=b'9' => {
                let end = number(text, i)?;
                sink.scalar(Scalar::Number, i, end);
                i = end;
            }
            _ => return Err(unexpected(text, i, "expected value")),
        }
        // After a value: the end, or what its container allows next.
        loop {
            i = skip_ws(bytes, i);
            let Some(frame) = stack.last_mut() else {
                return match bytes.get(i) {
                    None => Ok(()),
                    Some(_) => Err(unexpected(text, i, "trailing characters")),
                };
            };
            let (close, expected, eof) = match frame {
                Frame::Array => (b']', "expected `,` or `]`", "EOF while parsing a list"),
                Frame::Object(_) => (b'}', "expected `,` or `}`", "EOF while parsing an object"),
            };
            match bytes.get(i) {
                Some(b',') => {
                    i = skip_ws(bytes, i + 1);
                    if bytes.get(i) == Some(&close) {
                        return Err(error(i, "trailing comma"));
                    }
                    if let Frame::Object(keys) = frame {
                        i = key(text, i, keys, sink)?;
                    }
                    continue 'value;
                }
                Some(&b) if b == close => {
                    i += 1;
                    sink.close(i);
                    stack.pop();
                }
                Some(_) => return Err(unexpected(text, i, expected)),
                None => return Err(error(i, eof)),
            }
        }
    }
}

/// A member's key at `i` and the `:` after it; returns where its value starts. A key the
/// object already has is an error at the second one.
fn key<'t>(
    text: &'t str,
    i: usize,
    keys: &mut HashSet<Cow<'t, str>>,
    sink: &mut impl Sink,
) -> Result<usize, JsonError> {
    let bytes = text.as_bytes();
    if bytes.get(i) != Some(&b'"') {
        return Err(if i >= bytes.len() {
            JsonError::at(text, i, "EOF while parsing an object")
        } else {
            unexpected(text, i, "key must be a string")
        });
    }
    let (end, escaped) = string(text, i)?;
    let raw = &text[i + 1..end - 1];
    let name = if escaped {
        Cow::Owned(unescape(raw))
    } else {
        Cow::Borrowed(raw)
    };
    if keys.contains(&name) {
        return Err(JsonError::of(
            JsonProblem::DuplicateKey,
            text,
            i,
            format!("duplicate key {}", quote_key(&name)),
        ));
    }
    keys.insert(name);
    sink.key(i, end, escaped);
    let colon = skip_ws(bytes, end);
    if bytes.get(colon) != Some(&b':') {
        return Err(JsonError::at(
            text,
            colon,
            if colon >= bytes.len() {
                "EOF while parsing an object"
            } else {
                "expected `:`"
            },
        ));
    }
    Ok(skip_ws(bytes, colon + 1))
}

/// A key for a message: as JSON, cut after 60 characters.
fn quote_key(name: &str) -> String {
    const SHOWN: usize = 60;
    let mut shown: String = name.chars().take(SHOWN).collect();
    if name.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    // JSON quoting escapes control characters; a bidirectional override is text to it.
    crate::names::escaped(&serde_json::Value::from(shown).to_string()).into_owned()
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(i) {
        i += 1;
    }
    i
}

/// The string starting with the quote at `start`: where it ends (after the closing quote),
/// and whether it holds an escape.
fn string(text: &str, start: usize) -> Result<(usize, bool), JsonError> {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    let mut escaped = false;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err(JsonError::at(text, i, "EOF while parsing a string"));
        };
        match b {
            b'"' => return Ok((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                i = escape(text, i)?;
            }
            0x00..=0x1f => {
                return Err(JsonError::at(
                    text,
                    i,
                    "control character (\\u0000-\\u001F) found while parsing a string",
                ));
            }
            _ => i += 1,
        }
    }
}

/// The escape at `i` (a backslash); returns where it ends.
fn escape(text: &str, i: usize) -> Result<usize, JsonError> {
    let bytes = text.as_bytes();
    match bytes.get(i + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
        Some(b'u') => {
            let unit =
                hex4(bytes, i + 2).ok_or_else(|| JsonError::at(text, i, "invalid escape"))?;
            match unit {
                0xD800..=0xDBFF => {
                    let low = (bytes.get(i + 6) == Some(&b'\\') && bytes.get(i + 7) == Some(&b'u'))
                        .then(|| hex4(bytes, i + 8))
                        .flatten();
                    match low {
                        Some(0xDC00..=0xDFFF) => Ok(i + 12),
                        _ => Err(JsonError::at(
                            text,
                            i,
                            "lone leading surrogate in hex escape",
                        )),
                    }
                }
                0xDC00..=0xDFFF => Err(JsonError::at(
                    text,
                    i,
                    "lone trailing surrogate in hex escape",
                )),
                _ => Ok(i + 6),
            }
        }
        _ => Err(JsonError::at(text, i, "invalid escape")),
    }
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

/// A string's value from its text between the quotes (already checked by the scanner).
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next().map(|(_, c)| c) {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let unit = hex4(raw.as_bytes(), at + 2).unwrap_or(0xFFFD);
                let mut skip = 4;
                let code = if (0xD800..=0xDBFF).contains(&unit) {
                    let low = hex4(raw.as_bytes(), at + 8).unwrap_or(0xDC00);
                    skip += 6;
                    0x10000 + ((unit - 0xD800) << 10) + (low.saturating_sub(0xDC00) & 0x3FF)
                } else {
                    unit
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                for _ in 0..skip {
                    chars.next();
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The number starting at `start`; returns where it ends. Its grammar is RFC 8259's; a value
/// beyond `f64`'s range is refused, as `serde_json` refuses it.
fn number(text: &str, start: usize) -> Result<usize, JsonError> {
    let bytes = text.as_bytes();
    let digits = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let invalid = |at: usize| JsonError::at(text, at, "invalid number");
    let mut i = start;
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => {
            i += 1;
            if bytes.get(i).is_some_and(u8::is_ascii_digit) {
                return Err(invalid(i));
            }
        }
        Some(b'1'..=b'9') => i = digits(i),
        _ => return Err(invalid(i)),
    }
    let mut integer = true;
    if bytes.get(i) == Some(&b'.') {
        integer = false;
        let after = digits(i + 1);
        if after == i + 1 {
            return Err(invalid(after));
        }
        i = after;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        integer = false;
        i += 1;
        if let Some(b'+' | b'-') = bytes.get(i) {
            i += 1;
        }
        let after = digits(i);
        if after == i {
            return Err(invalid(after));
        }
        i = after;
    }
    let literal = &text[start..i];
    let fits = integer && (literal.parse::<u64>().is_ok() || literal.parse::<i64>().is_ok());
    if !fits && !literal.parse::<f64>().is_ok_and(f64::is_finite) {
        return Err(JsonError::at(text, start, "number out of range"));
    }
    Ok(i)
}

/// One value of a [`Tree`]: 8 bytes. Scalars hold their span in the text; containers their
/// entry in [`Tree::containers`] and how many members or elements they have.
#[cfg(feature = "health-check")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Node {
    start: u32,
    /// The kind in the top three bits; a scalar's length in bytes, or a container's count.
    tag: u32,
}

#[cfg(feature = "health-check")]
const KIND_SHIFT: u32 = 29;
#[cfg(feature = "health-check")]
const LEN_MASK: u32 = (1 << KIND_SHIFT) - 1;

/// What a [`Node`] is.
#[cfg(feature = "health-check")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null = 0,
    False = 1,
    True = 2,
    Number = 3,
    String = 4,
    EscapedString = 5,
    Array = 6,
    Object = 7,
}

#[cfg(feature = "health-check")]
impl Kind {
    fn from_bits(bits: u32) -> Self {
        match bits {
            0 => Self::Null,
            1 => Self::False,
            2 => Self::True,
            3 => Self::Number,
            4 => Self::String,
            5 => Self::EscapedString,
            6 => Self::Array,
            _ => Self::Object,
        }
    }
}

#[cfg(feature = "health-check")]
impl Node {
    fn new(kind: Kind, start: usize, len: usize) -> Self {
        // A document is at most a few hundred MiB (the readers' caps), so both fit.
        Self {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            tag: ((kind as u32) << KIND_SHIFT)
                | (u32::try_from(len).unwrap_or(LEN_MASK) & LEN_MASK),
        }
    }

    pub(crate) fn kind(self) -> Kind {
        Kind::from_bits(self.tag >> KIND_SHIFT)
    }

    fn len(self) -> usize {
        (self.tag & LEN_MASK) as usize
    }
}

/// A container's extent: its span in the text and the node after its last descendant.
#[cfg(feature = "health-check")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Container {
    start: u32,
    end: u32,
    next: u32,
}

/// A checked document in compact form: its text, and its values in document order (a
/// container's members follow it; an object's are key, value, key, value...).
#[cfg(feature = "health-check")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tree {
    text: String,
    nodes: Vec<Node>,
    containers: Vec<Container>,
}

/// Builds a [`Tree`] from the scanner's events.
#[cfg(feature = "health-check")]
struct Builder {
    nodes: Vec<Node>,
    containers: Vec<Container>,
    /// Open containers: their node index.
    open: Vec<usize>,
}

#[cfg(feature = "health-check")]
impl Builder {
    fn count_member(&mut self) {
        if let Some(&parent) = self.open.last() {
            let node = &mut self.nodes[parent];
            // Objects count keys (a member is a key and its value); arrays count elements.
            node.tag += 1;
        }
    }
}

#[cfg(feature = "health-check")]
impl Sink for Builder {
    fn scalar(&mut self, kind: Scalar, start: usize, end: usize) {
        if self
            .open
            .last()
            .is_some_and(|&p| self.nodes[p].kind() == Kind::Array)
        {
            self.count_member();
        }
        let kind = match kind {
            Scalar::Null => Kind::Null,
            Scalar::False => Kind::False,
            Scalar::True => Kind::True,
            Scalar::Number => Kind::Number,
            Scalar::String { escaped: false } => Kind::String,
            Scalar::String { escaped: true } => Kind::EscapedString,
        };
        self.nodes.push(Node::new(kind, start, end - start));
    }

    fn key(&mut self, start: usize, end: usize, escaped: bool) {
        self.count_member();
        let kind = if escaped {
            Kind::EscapedString
        } else {
            Kind::String
        };
        self.nodes.push(Node::new(kind, start, end - start));
    }

    fn open(&mut self, array: bool, start: usize) {
        if self
            .open
            .last()
            .is_some_and(|&p| self.nodes[p].kind() == Kind::Array)
        {
            self.count_member();
        }
        let kind = if array { Kind::Array } else { Kind::Object };
        self.open.push(self.nodes.len());
        self.nodes.push(Node::new(kind, self.containers.len(), 0));
        self.containers.push(Container {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: 0,
            next: 0,
        });
    }

    fn close(&mut self, end: usize) {
        if let Some(index) = self.open.pop() {
            let slot = self.nodes[index].start as usize;
            let next = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
            if let Some(container) = self.containers.get_mut(slot) {
                container.end = u32::try_from(end).unwrap_or(u32::MAX);
                container.next = next;
            }
        }
    }
}

#[cfg(feature = "health-check")]
impl Tree {
    /// Checks `bytes` strictly and builds the tree. Documents of 4 GiB or more are refused
    /// (offsets are 32 bits); the readers' caps are far below.
    pub(crate) fn parse(bytes: Vec<u8>) -> Result<Self, JsonError> {
        if u32::try_from(bytes.len()).is_err() {
            return Err(JsonError::at("", 0, "larger than 4 GiB"));
        }
        let text = match String::from_utf8(bytes) {
            Ok(mut text) => {
                if text.starts_with(BOM) {
                    text.drain(..BOM.len_utf8());
                }
                text
            }
            Err(e) => {
                return Err(utf8(without_bom(e.as_bytes()))
                    .err()
                    .unwrap_or_else(|| JsonError::of(JsonProblem::NotUtf8, "", 0, "not UTF-8")));
            }
        };
        let mut builder = Builder {
            nodes: Vec::new(),
            containers: Vec::new(),
            open: Vec::new(),
        };
        scan(&text, &mut builder)?;
        let Builder {
            mut nodes,
            mut containers,
            ..
        } = builder;
        nodes.shrink_to_fit();
        containers.shrink_to_fit();
        Ok(Self {
            text,
            nodes,
            containers,
        })
    }

    /// The document `null`.
    pub(crate) fn null() -> Self {
        Self {
            text: "null".to_owned(),
            nodes: vec![Node::new(Kind::Null, 0, 4)],
            containers: Vec::new(),
        }
    }

    /// The root value.
    pub(crate) fn root(&self) -> u32 {
        0
    }

    pub(crate) fn node(&self, index: u32) -> Node {
        self.nodes
            .get(index as usize)
            .copied()
            .unwrap_or(Node::new(Kind::Null, 0, 0))
    }

    /// The node's text: a scalar's token (a string with its quotes), a container's whole
    /// span.
    pub(crate) fn span(&self, index: u32) -> &str {
        let node = self.node(index);
        let (start, end) = match node.kind() {
            Kind::Array | Kind::Object => match self.containers.get(node.start as usize) {
                Some(c) => (c.start as usize, c.end as usize),
                None => (0, 0),
            },
            _ => (node.start as usize, node.start as usize + node.len()),
        };
        self.text.get(start..end).unwrap_or_default()
    }

    /// A string node's value: borrowed when it has no escape.
    pub(crate) fn string(&self, index: u32) -> Cow<'_, str> {
        let span = self.span(index);
        let raw = span
            .get(1..span.len().saturating_sub(1))
            .unwrap_or_default();
        match self.node(index).kind() {
            Kind::EscapedString => Cow::Owned(unescape(raw)),
            _ => Cow::Borrowed(raw),
        }
    }

    /// How many members (objects) or elements (arrays).
    pub(crate) fn count(&self, index: u32) -> usize {
        match self.node(index).kind() {
            Kind::Array | Kind::Object => self.node(index).len(),
            _ => 0,
        }
    }

    /// The node after `index` and all its descendants.
    pub(crate) fn next(&self, index: u32) -> u32 {
        let node = self.node(index);
        match node.kind() {
            Kind::Array | Kind::Object => self
                .containers
                .get(node.start as usize)
                .map_or(index + 1, |c| c.next),
            _ => index + 1,
        }
    }

    /// A container's first child (an object's first key), if it has any.
    pub(crate) fn first_child(&self, index: u32) -> Option<u32> {
        (self.count(index) > 0).then_some(index + 1)
    }

    /// The value at a JSON Pointer (RFC 6901), if the document holds one.
    #[cfg(test)]
    fn pointer(&self, pointer: &str) -> Option<u32> {
        let mut at = self.root();
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            at = match self.node(at).kind() {
                Kind::Object => self.member(at, &token)?,
                Kind::Array => {
                    let wanted: usize = token.parse().ok()?;
                    let mut child = self.first_child(at)?;
                    for _ in 0..wanted.min(self.count(at)) {
                        child = self.next(child);
                    }
                    (wanted < self.count(at)).then_some(child)?
                }
                _ => return None,
            };
        }
        Some(at)
    }

    /// The value of an object's member, by a linear search.
    pub(crate) fn member(&self, object: u32, name: &str) -> Option<u32> {
        let mut key = self.first_child(object)?;
        for _ in 0..self.count(object) {
            let value = key + 1;
            if self.string(key) == name {
                return Some(value);
            }
            key = self.next(value);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        check(text.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth_and_named() {
        assert_eq!(
            err(r#"{"schemaVersion": 2, "schemaVersion": 1}"#),
            r#"1:22: duplicate key "schemaVersion""#
        );
        assert_eq!(
            err("{\"a\": [{\"x\": 1,\n \"\\u0078\": 2}]}"),
            r#"2:2: duplicate key "x""#
        );
        // The same name in different objects is fine.
        check(br#"{"a": {"x": 1}, "b": {"x": 1}, "x": [{"x": 1}, {"x": 2}]}"#).unwrap();
    }

    #[test]
    fn what_serde_json_refuses_is_refused_with_a_position() {
        for (text, want) in [
            ("", "1:1: EOF while parsing a value"),
            ("{\"a\" 1}", "1:6: expected `:`"),
            ("{\"a\"", "1:5: EOF while parsing an object"),
            ("{1: 2}", "1:2: key must be a string"),
            ("[1 2]", "1:4: expected `,` or `]`"),
            ("[1,]", "1:4: trailing comma"),
            ("{\"a\":1,}", "1:8: trailing comma"),
            ("01", "1:2: invalid number"),
            ("1.", "1:3: invalid number"),
            ("-", "1:2: invalid number"),
            ("1e400", "1:1: number out of range"),
            ("\"\\ud800\"", "1:2: lone leading surrogate in hex escape"),
            ("\"\\udc00\"", "1:2: lone trailing surrogate in hex escape"),
            ("\"\\u12\"", "1:2: invalid escape"),
            (
                "\"a\tb\"",
                "1:3: control character (\\u0000-\\u001F) found while parsing a string",
            ),
            ("\"\\x\"", "1:2: invalid escape"),
            ("{} x", "1:4: trailing characters"),
            ("[", "1:2: EOF while parsing a value"),
            ("[1", "1:3: EOF while parsing a list"),
            ("\"abc", "1:5: EOF while parsing a string"),
            ("nul", "1:1: expected value"),
            ("}", "1:1: expected value"),
        ] {
            assert_eq!(err(text), want, "{text:?}");
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_err(),
                "serde_json refuses {text:?} too"
            );
        }
        for (bytes, at) in [
            (&b"\"\xff\""[..], "1:2"),
            (b"{\"status\":\"\xff\xfeok\"}", "1:12"),
            (b"{\"a\":1,\n\"k\xc3\":2}", "2:3"),
            (b"\xef\xbb", "1:1"),
            (b"[\"ok\"]\xff", "1:7"),
            (b"{\"s\":\"\xed\xa0\x80\"}", "1:7"),
        ] {
            let e = check(bytes).unwrap_err();
            assert_eq!(e.problem, JsonProblem::NotUtf8, "{bytes:?}");
            assert_eq!(e.to_string().split(": ").next(), Some(at), "{bytes:?}: {e}");
        }
        assert_eq!(
            check(b"\"\xff\"").unwrap_err().to_string(),
            "1:2: not UTF-8 (byte 0xff)"
        );
    }

    #[test]
    #[cfg(feature = "health-check")]
    fn a_byte_order_mark_is_skipped_at_the_start_and_named_anywhere_else() {
        // RFC 8259 8.1: a reader MAY ignore one at the start. Every reader agrees: the value,
        // the check, a typed read and the compact tree.
        let with_bom = "\u{feff}{\"status\":\"pass\"}";
        assert_eq!(value(with_bom.as_bytes()).unwrap()["status"], "pass");
        let text = check(with_bom.as_bytes()).unwrap();
        assert_eq!(text, "{\"status\":\"pass\"}");
        assert!(from_checked::<serde_json::Value>(with_bom).is_ok());
        let tree = Tree::parse(with_bom.as_bytes().to_vec()).unwrap();
        assert_eq!(
            tree.string(tree.member(tree.root(), "status").unwrap()),
            "pass"
        );
        // Positions count from after it, as an editor shows the text.
        assert_eq!(err("\u{feff}{\"a\":}"), "1:6: expected value");
        let named = "a byte-order mark (U+FEFF), which JSON allows only at the start";
        for (text, at) in [
            ("\u{feff}\u{feff}{}", "1:1"),
            ("[\u{feff}1]", "1:2"),
            ("{\u{feff}\"a\":1}", "1:2"),
            ("[1\u{feff}]", "1:3"),
            ("{}\u{feff}", "1:3"),
            (" \u{feff}{}", "1:2"),
        ] {
            assert_eq!(err(text), format!("{at}: {named}"), "{text:?}");
            assert!(Tree::parse(text.as_bytes().to_vec()).is_err(), "{text:?}");
        }
    }

    #[test]
    fn nesting_is_read_up_to_the_limit_and_named_past_it() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        let deep_objects = |n: usize| r#"{"a":"#.repeat(n) + "1" + &"}".repeat(n);
        for text in [deep(MAX_DEPTH), deep_objects(MAX_DEPTH)] {
            // Deeper than serde_json reads on its own (127 levels): the check bounded it.
            assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
            assert_eq!(
                value(text.as_bytes()).unwrap(),
                from_checked::<serde_json::Value>(&text).unwrap()
            );
        }
        assert_eq!(
            err(&deep(MAX_DEPTH + 1)),
            format!("1:{}: nested deeper than {MAX_DEPTH} levels", MAX_DEPTH + 1)
        );
        for text in [
            deep(MAX_DEPTH + 1),
            deep_objects(MAX_DEPTH + 1),
            "[".repeat(300),
        ] {
            assert_eq!(
                check(text.as_bytes()).unwrap_err().problem,
                JsonProblem::TooDeep,
                "deep, even unclosed, is too deep first"
            );
        }
        // A hundred thousand levels cost no stack.
        assert!(check(deep(100_000).as_bytes()).is_err());
    }

    #[test]
    fn escapes_decode_as_serde_json_decodes_them() {
        let raw = r#"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"#;
        let want: String = serde_json::from_str(&format!("\"{raw}\"")).unwrap();
        assert_eq!(unescape(raw), want);
    }

    #[test]
    #[cfg(feature = "health-check")]
    fn a_tree_walks_members_in_document_order() {
        let tree =
            Tree::parse(br#"{"b": [1, {"c": null}], "a": "x\u0041", "e": {}}"#.to_vec()).unwrap();
        let root = tree.root();
        assert_eq!(tree.count(root), 3);
        let b = tree.member(root, "b").unwrap();
        assert_eq!(tree.node(b).kind(), Kind::Array);
        assert_eq!(tree.span(b), r#"[1, {"c": null}]"#);
        assert_eq!(tree.string(tree.member(root, "a").unwrap()), "xA");
        assert_eq!(
            tree.pointer("/b/1/c").map(|n| tree.node(n).kind()),
            Some(Kind::Null)
        );
        assert_eq!(tree.pointer("/b/2"), None);
        assert_eq!(tree.pointer("/e").map(|n| tree.count(n)), Some(0));
        assert_eq!(tree.pointer(""), Some(root));
        assert_eq!(tree.next(root) as usize, tree.nodes.len());
    }
}
