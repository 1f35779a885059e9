//! A JSON document to check against a schema, held compactly: its text and 8 bytes a value
//! (`crate::json::Tree`), which `jsonschema` validates in place through its `Json` trait. A
//! `serde_json::Value` costs ~16 bytes per byte of a dense document (32 bytes a value, a
//! string and a map node per member); this costs about twice the text.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object};
use jsonschema_value::LazyInstance;
use serde_json::Value;

use crate::json::{JsonError, Kind, Tree};

/// A JSON document read strictly (duplicate keys refused, see [`JsonError`]), ready to check
/// with [`SchemaChecker::check_document`](super::SchemaChecker::check_document).
///
/// ```
/// use release_core::health::JsonDocument;
/// let doc = JsonDocument::parse(br#"{"status": "pass"}"#.to_vec()).unwrap();
/// # let _ = doc;
/// let err = JsonDocument::parse(br#"{"schemaVersion": 2, "schemaVersion": 1}"#.to_vec()).unwrap_err();
/// assert_eq!(err.to_string(), r#"1:22: duplicate key "schemaVersion""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonDocument {
    tree: Tree,
}

/// A document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocumentReadError {
    /// The file could not be read.
    #[error("failed to read {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than the limit.
    #[error("{} is larger than {} MiB; refusing to read it", path.display(), limit / (1024 * 1024))]
    TooLarge {
        /// The file.
        path: std::path::PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not strict JSON.
    #[error("{}:{}:{}: not valid JSON: {}", path.display(), error.line, error.column, error.message)]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// Where and what.
        error: JsonError,
    },
}

impl JsonDocument {
    /// The document in `bytes`.
    pub fn parse(bytes: Vec<u8>) -> Result<Self, JsonError> {
        Tree::parse(bytes).map(|tree| Self { tree })
    }

    /// A value already parsed (it has no duplicate keys to find).
    pub fn from_value(value: &Value) -> Self {
        // A `Value` always serializes, and its text always parses back.
        let text = serde_json::to_vec(value).unwrap_or_default();
        Self::parse(text).unwrap_or_else(|_| Self { tree: Tree::null() })
    }

    /// The file at `path`, read up to `limit` bytes (the cap holds for pipes and devices).
    pub fn read_file(path: &Path, limit: u64) -> Result<Self, DocumentReadError> {
        let bytes = crate::read::read_limited(path, limit)
            .map_err(|source| DocumentReadError::Read {
                path: path.to_path_buf(),
                source,
            })?
            .ok_or_else(|| DocumentReadError::TooLarge {
                path: path.to_path_buf(),
                limit,
            })?;
        Self::parse(bytes).map_err(|error| DocumentReadError::Invalid {
            path: path.to_path_buf(),
            error,
        })
    }

    /// The document as a `serde_json::Value` (for a schema, which is compiled from one).
    pub fn to_value(&self) -> Value {
        parse_span(self.tree.span(self.tree.root()).as_bytes(), 0)
    }

    pub(crate) fn root(&self) -> CompactNode<'_> {
        CompactNode::At(&self.tree, self.tree.root())
    }

    /// The JSON type of a node, as JSON Schema names it (`integer` for a number with no
    /// fraction, or a zero one).
    fn type_name(&self, at: u32) -> &'static str {
        match self.tree.node(at).kind() {
            Kind::Null => "null",
            Kind::False | Kind::True => "boolean",
            Kind::Number => {
                let number = Number(self.tree.span(at));
                if number.as_u64().is_some()
                    || number.as_i64().is_some()
                    || number.as_f64().is_some_and(|f| f.fract() == 0.0)
                {
                    "integer"
                } else {
                    "number"
                }
            }
            Kind::String | Kind::EscapedString => "string",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }
}

/// Values of a document found by JSON Pointer. Each object's members and each array's
/// elements are indexed the first time a pointer passes through them, so many violations in
/// one large container cost one pass over it, not one each.
pub(crate) struct Paths<'d> {
    doc: &'d JsonDocument,
    objects: HashMap<u32, HashMap<Cow<'d, str>, (usize, u32)>>,
    arrays: HashMap<u32, Vec<u32>>,
}

impl<'d> Paths<'d> {
    pub(crate) fn new(doc: &'d JsonDocument) -> Self {
        Self {
            doc,
            objects: HashMap::new(),
            arrays: HashMap::new(),
        }
    }

    /// The node at `pointer`, if the document holds one, and the position of each step (a
    /// member's place in its object, an element's index; `usize::MAX` past what the
    /// document holds), which sorts pointers in document order.
    fn walk(&mut self, pointer: &str) -> (Option<u32>, Vec<usize>) {
        let tree = &self.doc.tree;
        let mut key = Vec::new();
        let mut at = Some(tree.root());
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            let step = match at {
                Some(node) if tree.node(node).kind() == Kind::Object => self
                    .objects
                    .entry(node)
                    .or_insert_with(|| {
                        let mut members = HashMap::with_capacity(tree.count(node));
                        let mut next = tree.first_child(node);
                        for position in 0..tree.count(node) {
                            let Some(name) = next else { break };
                            members
                                .entry(tree.string(name))
                                .or_insert((position, name + 1));
                            next = Some(tree.next(name + 1));
                        }
                        members
                    })
                    .get(token.as_str())
                    .copied(),
                Some(node) if tree.node(node).kind() == Kind::Array => {
                    let elements = self.arrays.entry(node).or_insert_with(|| {
                        let mut elements = Vec::with_capacity(tree.count(node));
                        let mut next = tree.first_child(node);
                        for _ in 0..tree.count(node) {
                            let Some(element) = next else { break };
                            elements.push(element);
                            next = Some(tree.next(element));
                        }
                        elements
                    });
                    token
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| elements.get(i).map(|&child| (i, child)))
                }
                _ => None,
            };
            match step {
                Some((position, child)) => {
                    key.push(position);
                    at = Some(child);
                }
                None => {
                    key.push(usize::MAX);
                    at = None;
                }
            }
        }
        (at, key)
    }

    /// Sort key of a pointer in document order.
    pub(crate) fn order(&mut self, pointer: &str) -> Vec<usize> {
        self.walk(pointer).1
    }

    /// The JSON type at `pointer`, as JSON Schema names it.
    pub(crate) fn type_at(&mut self, pointer: &str) -> Option<&'static str> {
        let (at, _) = self.walk(pointer);
        at.map(|at| self.doc.type_name(at))
    }
}

/// The representation `jsonschema` validates: nodes of a [`Tree`].
pub(crate) struct Compact;

/// A value of the document, or a standalone string (a property name under `propertyNames`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum CompactNode<'a> {
    At(&'a Tree, u32),
    Str(&'a str),
}

impl Json for Compact {
    type Node<'a> = CompactNode<'a>;
    type PreparedKey = String;
    type StringBuffer = ();
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(
        _buffer: &mut (),
        string: &str,
        f: impl FnOnce(CompactNode<'_>) -> T,
    ) -> T {
        f(CompactNode::Str(string))
    }
}

/// A number's literal, as written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Number<'a>(&'a str);

impl Number<'_> {
    fn written_as_integer(&self) -> bool {
        !self.0.contains(['.', 'e', 'E'])
    }
}

/// As `serde_json` reads a literal: an integer that fits `u64`, else `i64` (but `-0` is a
/// float), else an `f64`.
impl JsonNumber for Number<'_> {
    fn as_u64(&self) -> Option<u64> {
        (self.written_as_integer() && !self.0.starts_with('-'))
            .then(|| self.0.parse().ok())
            .flatten()
    }

    fn as_i64(&self) -> Option<i64> {
        let negative_zero =
            self.0.starts_with('-') && self.0.trim_start_matches(['-', '0']).is_empty();
        (self.written_as_integer() && !negative_zero)
            .then(|| self.0.parse().ok())
            .flatten()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.0)
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        let number = if let Some(u) = self.as_u64() {
            serde_json::Number::from(u)
        } else if let Some(i) = self.as_i64() {
            serde_json::Number::from(i)
        } else {
            // The scanner refused non-finite values.
            self.as_f64()
                .and_then(serde_json::Number::from_f64)
                .unwrap_or_else(|| serde_json::Number::from(0))
        };
        Cow::Owned(number)
    }

    fn is_written_as_integer(&self) -> bool {
        self.written_as_integer()
    }
}

impl<'a> CompactNode<'a> {
    fn kind(&self) -> Option<Kind> {
        match self {
            Self::At(tree, at) => Some(tree.node(*at).kind()),
            Self::Str(_) => None,
        }
    }
}

/// Builds a node's value from its text, for errors and comparisons only.
fn parse_span(bytes: &[u8], _tag: u32) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

impl<'a> Node<'a, Compact> for CompactNode<'a> {
    type Object = CompactObject<'a>;
    type Array = CompactArray<'a>;
    type Number = Number<'a>;

    fn as_object(&self) -> Option<CompactObject<'a>> {
        match self {
            Self::At(tree, at) if tree.node(*at).kind() == Kind::Object => {
                Some(CompactObject { tree, at: *at })
            }
            _ => None,
        }
    }

    fn as_array(&self) -> Option<CompactArray<'a>> {
        match self {
            Self::At(tree, at) if tree.node(*at).kind() == Kind::Array => {
                Some(CompactArray { tree, at: *at })
            }
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Self::At(tree, at)
                if matches!(tree.node(*at).kind(), Kind::String | Kind::EscapedString) =>
            {
                Some(tree.string(*at))
            }
            Self::At(..) => None,
            Self::Str(s) => Some(Cow::Borrowed(s)),
        }
    }

    fn as_number(&self) -> Option<Number<'a>> {
        match self {
            Self::At(tree, at) if tree.node(*at).kind() == Kind::Number => {
                Some(Number(tree.span(*at)))
            }
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.kind() {
            Some(Kind::True) => Some(true),
            Some(Kind::False) => Some(false),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        self.kind() == Some(Kind::Null)
    }

    fn json_type(&self) -> JsonType {
        match self.kind() {
            None | Some(Kind::String | Kind::EscapedString) => JsonType::String,
            Some(Kind::Null) => JsonType::Null,
            Some(Kind::False | Kind::True) => JsonType::Boolean,
            Some(Kind::Number) => JsonType::Number,
            Some(Kind::Array) => JsonType::Array,
            Some(Kind::Object) => JsonType::Object,
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(match self {
            Self::At(tree, at) => parse_span(tree.span(*at).as_bytes(), 0),
            Self::Str(s) => Value::String((*s).to_owned()),
        })
    }

    /// Built only if an error's instance is read: an error about the whole document must not
    /// rebuild the whole document as a `Value`.
    fn lazy_value(&self) -> LazyInstance<'a> {
        match self {
            Self::At(tree, at) => LazyInstance::Deferred {
                bytes: tree.span(*at).as_bytes(),
                tag: 0,
                make: parse_span,
                cell: OnceLock::new(),
            },
            Self::Str(s) => LazyInstance::Ready(Cow::Owned(Value::String((*s).to_owned()))),
        }
    }

    fn identity(&self) -> Option<NodeIdentity> {
        match self {
            Self::At(tree, at) => Some(NodeIdentity::tagged(
                std::ptr::from_ref::<Tree>(*tree) as usize,
                *at,
            )),
            Self::Str(_) => None,
        }
    }
}

/// An object of the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CompactObject<'a> {
    tree: &'a Tree,
    at: u32,
}

impl<'a> Object<'a, Compact> for CompactObject<'a> {
    type Node = CompactNode<'a>;
    type MemberName = Cow<'a, str>;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        self.tree.count(self.at)
    }

    fn get(&self, key: &String) -> Option<CompactNode<'a>> {
        self.tree
            .member(self.at, key)
            .map(|value| CompactNode::At(self.tree, value))
    }

    fn members(&self) -> Members<'a> {
        Members {
            tree: self.tree,
            next: self.tree.first_child(self.at),
            left: self.tree.count(self.at),
        }
    }
}

/// An object's members in document order.
pub(crate) struct Members<'a> {
    tree: &'a Tree,
    next: Option<u32>,
    left: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (Cow<'a, str>, CompactNode<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let key = self.next?;
        self.left -= 1;
        self.next = Some(self.tree.next(key + 1));
        Some((self.tree.string(key), CompactNode::At(self.tree, key + 1)))
    }
}

/// An array of the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CompactArray<'a> {
    tree: &'a Tree,
    at: u32,
}

impl<'a> Array<'a, Compact> for CompactArray<'a> {
    type Node = CompactNode<'a>;
    type ElementsIter = Elements<'a>;

    fn len(&self) -> usize {
        self.tree.count(self.at)
    }

    fn elements(&self) -> Elements<'a> {
        Elements {
            tree: self.tree,
            next: self.tree.first_child(self.at),
            left: self.tree.count(self.at),
        }
    }
}

/// An array's elements in order.
pub(crate) struct Elements<'a> {
    tree: &'a Tree,
    next: Option<u32>,
    left: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = CompactNode<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let at = self.next?;
        self.left -= 1;
        self.next = Some(self.tree.next(at));
        Some(CompactNode::At(self.tree, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_representation_keeps_jsonschemas_contract() {
        let doc = JsonDocument::from_value(&jsonschema_value::conformance::document());
        jsonschema_value::conformance::assert_conformance::<Compact>(&doc.root());
    }

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        for literal in [
            "0",
            "-0",
            "5",
            "-5",
            "1.0",
            "-0.0",
            "1e2",
            "1E2",
            "1.5e-3",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890",
        ] {
            let serde: serde_json::Number = serde_json::from_str(literal).unwrap();
            let ours = Number(literal);
            assert_eq!(ours.as_u64(), serde.as_u64(), "{literal}");
            assert_eq!(ours.as_i64(), serde.as_i64(), "{literal}");
            assert_eq!(ours.as_f64(), serde.as_f64(), "{literal}");
            assert_eq!(*ours.to_number(), serde, "{literal}");
        }
    }

    #[test]
    fn an_error_about_the_whole_document_does_not_rebuild_it() {
        let doc = JsonDocument::parse(br#"{"a": [1, 2, 3]}"#.to_vec()).unwrap();
        let LazyInstance::Deferred { bytes, .. } = doc.root().lazy_value() else {
            panic!("built eagerly");
        };
        assert_eq!(bytes, br#"{"a": [1, 2, 3]}"#);
    }
}
