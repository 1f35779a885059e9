//! Checking a JSON document against a JSON Schema.
//!
//! Every violation comes with the JSON Pointer of the offending instance and the keyword it
//! broke. Messages are built here from the kind of error, never from the instance: a document
//! under check may hold a secret, and a message like `"hunter2" is not of type "integer"` would
//! print it. What the schema says (types, allowed values, limits, property names) may appear.
//!
//! A schema is self-contained: a `$ref` that leaves the document (`https:`, `file:`, or a
//! relative URI) fails compilation with [`SchemaCheckError::RemoteReference`]; nothing is ever
//! fetched, whatever features `jsonschema` is built with.

use std::collections::HashSet;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ReferencingError, Retrieve, Uri, ValidationError, Validator};
use serde_json::Value;

use super::document::{Compact, JsonDocument, Paths};

/// Enum options listed in a message before the rest are counted.
const MAX_LISTED_OPTIONS: usize = 12;

/// A compiled schema, ready to check any number of documents.
///
/// # Examples
///
/// ```
/// use release_core::health::{SchemaChecker, SchemaViolation};
/// use serde_json::json;
///
/// let schema = json!({
///     "type": "object",
///     "required": ["status"],
///     "properties": {
///         "status": { "enum": ["pass", "warn", "fail"] },
///         "token": { "type": "integer" },
///     },
///     "additionalProperties": false,
/// });
/// let checker = SchemaChecker::new(&schema)?;
///
/// assert!(checker.check(&json!({ "status": "pass" })).is_empty());
///
/// let violations = checker.check(&json!({ "colour": "red", "token": "s3cr3t-t0ken" }));
/// let found: Vec<(&str, &str)> = violations
///     .iter()
///     .map(|v| (v.path.as_str(), v.rule.as_str()))
///     .collect();
/// assert_eq!(
///     found,
///     [("", "additionalProperties"), ("", "required"), ("/token", "type")]
/// );
/// assert_eq!(violations[0].message, r#"property "colour" is not allowed"#);
/// assert_eq!(violations[1].message, r#"missing required property "status""#);
/// // The offending value is never repeated: it could be a secret.
/// assert_eq!(violations[2].message, "expected type integer, found string");
/// # Ok::<(), release_core::health::SchemaCheckError>(())
/// ```
pub struct SchemaChecker {
    validator: Validator<Compact>,
}

impl std::fmt::Debug for SchemaChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaChecker").finish_non_exhaustive()
    }
}

/// One way a document breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaViolation {
    /// RFC 6901 JSON Pointer of the offending instance; `""` is the document itself. For a
    /// missing or forbidden property it is the object that should (not) hold it.
    pub path: String,
    /// The JSON Schema keyword broken: `type`, `required`, `enum`, `const`,
    /// `additionalProperties`, `minimum`, `pattern`, `format`, ...
    pub rule: String,
    /// What is wrong, in words; never contains the offending value.
    pub message: String,
}

/// Why a schema cannot be used to check documents.
#[derive(Debug, thiserror::Error)]
pub enum SchemaCheckError {
    /// The schema is not valid JSON Schema, or one of its local references leads nowhere.
    #[error(
        "the schema is not valid JSON Schema at {}: {}",
        crate::names::escaped(display_pointer(.location)),
        crate::names::escaped(.reason)
    )]
    Invalid {
        /// JSON Pointer into the schema where the problem is; `""` is its root.
        location: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `$ref` (or `$schema`) points outside the schema document.
    #[error(
        "the schema's reference `{}` points outside the document; remote references are never fetched",
        crate::names::escaped(.uri)
    )]
    RemoteReference {
        /// The reference, resolved against the schema's base URI.
        uri: String,
    },
}

impl SchemaChecker {
    /// Compiles `schema` (draft 2020-12 unless its `$schema` says otherwise), with `format`
    /// asserted rather than treated as an annotation.
    ///
    /// # Errors
    ///
    /// [`SchemaCheckError::Invalid`] when the schema is not valid JSON Schema or a local
    /// reference leads nowhere; [`SchemaCheckError::RemoteReference`] when a reference leaves
    /// the document. Nothing is fetched, from the network or the file system.
    pub fn new(schema: &Value) -> Result<Self, SchemaCheckError> {
        jsonschema::options_for::<Compact>()
            .with_retriever(NeverFetch)
            .should_validate_formats(true)
            .build(schema)
            .map(|validator| Self { validator })
            .map_err(|e| compile_error(&e))
    }

    /// Every violation in `document`, ordered by where the offending instance sits in the
    /// document (a parent before its children, object members in the order the document
    /// holds them, array items by index). Violations at the same place are ordered by rule,
    /// then as the schema lists them (`required` properties in its order). The same inputs
    /// always give the same list.
    pub fn check(&self, document: &Value) -> Vec<SchemaViolation> {
        self.check_document(&JsonDocument::from_value(document))
    }

    /// [`check`](Self::check) over a document read compactly ([`JsonDocument`]): memory
    /// stays near twice the document's text, where a `serde_json::Value` takes up to 16
    /// times.
    pub fn check_document(&self, document: &JsonDocument) -> Vec<SchemaViolation> {
        let mut violations = Vec::new();
        let mut paths = Paths::new(document);
        for error in self.validator.iter_errors(document.root()) {
            collect(&error, Some(&mut paths), &mut violations);
        }
        // The first of identical violations is kept; the set borrows, so deduplicating copies
        // nothing.
        let first: Vec<bool> = {
            let mut seen = HashSet::new();
            violations
                .iter()
                .map(|v| seen.insert((v.path.as_str(), v.rule.as_str(), v.message.as_str())))
                .collect()
        };
        let mut keyed: Vec<(Vec<usize>, SchemaViolation)> = violations
            .into_iter()
            .zip(first)
            .filter(|(_, first)| *first)
            .map(|(v, _)| (paths.order(&v.path), v))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.rule.cmp(&b.1.rule)));
        keyed.into_iter().map(|(_, v)| v).collect()
    }
}

/// Refuses every retrieval: a schema checked here is self-contained.
struct NeverFetch;

impl Retrieve for NeverFetch {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("remote references are never fetched ({uri})").into())
    }
}

fn compile_error(error: &ValidationError<'_>) -> SchemaCheckError {
    match error.kind() {
        ValidationErrorKind::Referencing(ReferencingError::Unretrievable { uri, .. }) => {
            SchemaCheckError::RemoteReference { uri: uri.clone() }
        }
        ValidationErrorKind::Referencing(e) => SchemaCheckError::Invalid {
            location: error.schema_path().as_str().to_owned(),
            reason: e.to_string(),
        },
        // The schema is the instance here, and it is no secret: jsonschema's own message is
        // the most precise account of what is wrong with it.
        _ => SchemaCheckError::Invalid {
            location: error.instance_path().as_str().to_owned(),
            reason: error.to_string(),
        },
    }
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

/// Turns one jsonschema error into violations: usually one, one per property for
/// `additionalProperties`, and the errors of the only plausible branch of an `anyOf`/`oneOf`.
fn collect(
    error: &ValidationError<'_>,
    mut paths: Option<&mut Paths<'_>>,
    out: &mut Vec<SchemaViolation>,
) {
    let path = error.instance_path().as_str();
    let push = |out: &mut Vec<SchemaViolation>, message: String| {
        out.push(SchemaViolation {
            path: path.to_owned(),
            rule: error.kind().keyword().to_owned(),
            message,
        });
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                push(out, format!("property {} is not allowed", quote(name)));
            }
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            match plausible_branch(context, path) {
                Some(branch) => {
                    for e in branch {
                        collect(e, paths.as_deref_mut(), out);
                    }
                }
                None => push(out, describe(error, paths)),
            }
        }
        _ => push(out, describe(error, paths)),
    }
}

/// Whether an error is about the instance itself being the wrong kind of value (its type, or
/// not one of the constants a branch allows), rather than about its contents.
fn is_shallow(error: &ValidationError<'_>, path: &str) -> bool {
    matches!(
        error.kind(),
        ValidationErrorKind::Type { .. }
            | ValidationErrorKind::Constant { .. }
            | ValidationErrorKind::Enum { .. }
    ) && error.instance_path().as_str() == path
}

/// A message for an `anyOf`/`oneOf` whose every branch failed shallowly: the types the
/// branches allow when the instance has none of them (`Option<Struct>` given a string), else
/// the constants they allow (a documented Rust enum is a `oneOf` of `const`s).
fn alternatives(
    context: &[Vec<ValidationError<'static>>],
    error: &ValidationError<'_>,
    paths: Option<&mut Paths<'_>>,
) -> Option<String> {
    let path = error.instance_path().as_str();
    let all_shallow = !context.is_empty()
        && context
            .iter()
            .all(|branch| !branch.is_empty() && branch.iter().all(|e| is_shallow(e, path)));
    if !all_shallow {
        return None;
    }
    let mut types: Vec<&str> = Vec::new();
    let mut every_branch_typed = true;
    let mut options: Vec<String> = Vec::new();
    for branch in context {
        let mut typed = false;
        for e in branch {
            match e.kind() {
                ValidationErrorKind::Type { kind } => {
                    typed = true;
                    let expected: Vec<&str> = match kind {
                        TypeKind::Single(t) => vec![t.as_str()],
                        TypeKind::Multiple(set) => set.iter().map(|t| t.as_str()).collect(),
                    };
                    for t in expected {
                        if !types.contains(&t) {
                            types.push(t);
                        }
                    }
                }
                ValidationErrorKind::Constant { expected_value } => {
                    options.push(expected_value.to_string());
                }
                ValidationErrorKind::Enum { options: allowed } => options.extend(
                    allowed
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .map(Value::to_string),
                ),
                _ => {}
            }
        }
        every_branch_typed &= typed;
    }
    if every_branch_typed {
        return Some(format!(
            "expected type {}, found {}",
            join_or(&types),
            type_of(error, paths)
        ));
    }
    let mut seen = HashSet::new();
    options.retain(|o| seen.insert(o.clone()));
    (!options.is_empty()).then(|| format!("value is not one of {}", list_options(&options)))
}

/// Allowed values, the first few listed and the rest counted.
fn list_options(options: &[String]) -> String {
    let mut listed: Vec<&str> = options
        .iter()
        .take(MAX_LISTED_OPTIONS)
        .map(String::as_str)
        .collect();
    let more = options.len().saturating_sub(MAX_LISTED_OPTIONS);
    let more = format!("{more} more");
    if options.len() > MAX_LISTED_OPTIONS {
        listed.push(&more);
    }
    listed.join(", ")
}

/// Of the branches an `anyOf`/`oneOf` tried, the one the instance was evidently meant for: the
/// only branch that did not fail on the instance's type alone. `Option<Struct>` becomes
/// `anyOf: [struct, null]`, and an object with a bad field should report that field, not
/// "matches none of the schemas".
fn plausible_branch<'e>(
    context: &'e [Vec<ValidationError<'static>>],
    path: &str,
) -> Option<&'e [ValidationError<'static>]> {
    let mut candidates = context
        .iter()
        .filter(|errors| !errors.iter().all(|e| is_shallow(e, path)));
    let only = candidates.next()?;
    candidates.next().is_none().then_some(only.as_slice())
}

/// The message for one error, from its kind alone; the instance is consulted only for its
/// JSON type or size, never its value.
fn describe(error: &ValidationError<'_>, paths: Option<&mut Paths<'_>>) -> String {
    match error.kind() {
        ValidationErrorKind::Type { kind } => {
            let expected: Vec<&str> = match kind {
                TypeKind::Single(t) => vec![t.as_str()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.as_str()).collect(),
            };
            format!(
                "expected type {}, found {}",
                join_or(&expected),
                type_of(error, paths)
            )
        }
        ValidationErrorKind::Required { property } => {
            format!("missing required property {}", schema_value(property))
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<String> = options
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(Value::to_string)
                .collect();
            format!("value is not one of {}", list_options(&options))
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("value is not the constant {expected_value}")
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let names: Vec<String> = unexpected.iter().map(|n| quote(n)).collect();
            format!("properties {} are not allowed", names.join(", "))
        }
        ValidationErrorKind::UnevaluatedItems { unexpected } => {
            format!(
                "{} are not allowed",
                count(unexpected.len(), "unevaluated item")
            )
        }
        ValidationErrorKind::AdditionalItems { limit } => {
            format!("more than {} are not allowed", count(*limit, "item"))
        }
        ValidationErrorKind::Minimum { limit } => format!("below the minimum {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("above the maximum {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("not above the exclusive minimum {limit}")
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("not below the exclusive maximum {limit}")
        }
        ValidationErrorKind::MultipleOf { multiple_of } => {
            format!("not a multiple of {multiple_of}")
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("shorter than {}", count_u64(*limit, "character"))
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("longer than {}", count_u64(*limit, "character"))
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("fewer than {}", count_u64(*limit, "item"))
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("more than {}", count_u64(*limit, "item"))
        }
        ValidationErrorKind::MinProperties { limit } => {
            format!("fewer than {}", properties(*limit))
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!("more than {}", properties(*limit))
        }
        ValidationErrorKind::UniqueItems => "items are not unique".to_owned(),
        ValidationErrorKind::Contains => r#"no item matches the "contains" schema"#.to_owned(),
        ValidationErrorKind::Pattern { pattern } => {
            format!("does not match the pattern {}", quote(pattern))
        }
        ValidationErrorKind::BacktrackLimitExceeded { .. }
        | ValidationErrorKind::RegexEngineFailure { .. } => {
            "the pattern could not be evaluated against the value".to_owned()
        }
        ValidationErrorKind::Format { format } => format!("not a valid {}", quote(format)),
        ValidationErrorKind::ContentEncoding { content_encoding } => {
            format!("not valid {} content", quote(content_encoding))
        }
        ValidationErrorKind::FromUtf8 { .. } => "decoded content is not valid UTF-8".to_owned(),
        ValidationErrorKind::ContentMediaType { content_media_type } => {
            format!("not valid {} content", quote(content_media_type))
        }
        ValidationErrorKind::AnyOf { context } => alternatives(context, error, paths)
            .unwrap_or_else(|| r#"matches none of the "anyOf" schemas"#.to_owned()),
        ValidationErrorKind::OneOfNotValid { context } => alternatives(context, error, paths)
            .unwrap_or_else(|| r#"matches none of the "oneOf" schemas"#.to_owned()),
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            r#"matches more than one of the "oneOf" schemas"#.to_owned()
        }
        ValidationErrorKind::Not { .. } => r#"matches the schema "not" forbids"#.to_owned(),
        ValidationErrorKind::FalseSchema => "no value is allowed here".to_owned(),
        // The name is no value of the document: its own (small) instance says its type.
        ValidationErrorKind::PropertyNames { error } => {
            format!("a property name is not allowed: {}", describe(error, None))
        }
        ValidationErrorKind::Referencing(e) => {
            format!("a reference in the schema could not be resolved: {e}")
        }
        // Custom keywords (none are registered here): the keyword says what failed; the
        // value stays out.
        _ => format!("fails the {} rule", quote(error.kind().keyword())),
    }
}

/// The JSON type of an error's instance, as JSON Schema names it: looked up in the document
/// by the error's path, so the instance is never rebuilt as a `Value` (for an error about the
/// whole document, that would be the whole document). Without the document (a property name),
/// from the instance itself.
fn type_of(error: &ValidationError<'_>, paths: Option<&mut Paths<'_>>) -> &'static str {
    match paths {
        Some(paths) => paths
            .type_at(error.instance_path().as_str())
            .unwrap_or("unknown"),
        None => value_type(error.instance()),
    }
}

fn value_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `a`, `a or b`, `a, b or c`; `null` last (`string or null` reads as "an optional string").
fn join_or(items: &[&str]) -> String {
    let mut items = items.to_vec();
    items.sort_by_key(|t| *t == "null");
    match items.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A string from the schema, or a property name, quoted as JSON and
/// [`escaped`](crate::names::escaped): JSON escapes control characters, not a bidirectional
/// override.
fn quote(s: &str) -> String {
    crate::names::escaped(&Value::from(s).to_string()).into_owned()
}

/// A value from the schema: strings quoted, the rest as JSON.
fn schema_value(value: &Value) -> String {
    value.to_string()
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn count_u64(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn properties(n: u64) -> String {
    format!("{n} propert{}", if n == 1 { "y" } else { "ies" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Raw errors of a validator: where, which keyword, and the instance.
    fn raw(errors: impl Iterator<Item = ValidationError<'static>>) -> Vec<(String, String, Value)> {
        let mut out: Vec<(String, String, Value)> = errors
            .map(|e| {
                (
                    e.instance_path().as_str().to_owned(),
                    e.schema_path().as_str().to_owned(),
                    e.instance().clone().into_owned(),
                )
            })
            .collect();
        out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        out
    }

    /// The compact representation validates exactly as `serde_json::Value` does.
    fn same_errors(schema: &Value, text: &str) -> Result<(), TestCaseError> {
        let serde = jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .unwrap();
        let compact = jsonschema::options_for::<Compact>()
            .should_validate_formats(true)
            .build(schema)
            .unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        let doc = JsonDocument::parse(text.as_bytes().to_vec()).unwrap();
        let by_serde = raw(serde.iter_errors(&value).map(ValidationError::to_owned));
        let by_compact = raw(compact
            .iter_errors(doc.root())
            .map(ValidationError::to_owned));
        prop_assert_eq!(by_serde, by_compact, "{}", text);
        prop_assert_eq!(serde.is_valid(&value), compact.is_valid(doc.root()));
        Ok(())
    }

    fn health_schema() -> Value {
        crate::schema::SchemaName::HealthReport.schema()
    }

    fn valid_report() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/health/valid.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Scalars in the forms documents write them, including numbers `serde_json` never
    /// prints itself.
    fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            prop::sample::select(vec![
                "0",
                "-0",
                "1",
                "-1",
                "1.0",
                "1.5",
                "-0.0",
                "1e2",
                "1E2",
                "2.5e-3",
                "1e308",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775809",
            ])
            .prop_map(str::to_owned),
            prop::sample::select(vec![
                "pass",
                "warn",
                "fail",
                "banana",
                "",
                "2026-11-27T10:00:00Z",
                "not a time",
                "é\\u00e9",
                "a\\nb",
                "x:y",
                "release",
            ])
            .prop_map(|s| format!("\"{s}\"")),
        ]
    }

    fn document() -> impl Strategy<Value = String> {
        let leaf = scalar();
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                prop::collection::btree_map(
                    prop::sample::select(vec![
                        "status",
                        "checks",
                        "schemaVersion",
                        "release",
                        "notes",
                        "time",
                        "tool",
                        "componentId",
                        "observedValue",
                        "x",
                    ]),
                    inner,
                    0..6,
                )
                .prop_map(|members| {
                    let members: Vec<String> = members
                        .into_iter()
                        .map(|(k, v)| format!("\"{k}\": {v}"))
                        .collect();
                    format!("{{{}}}", members.join(", "))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_documents_get_the_same_errors_as_with_serde_values(text in document()) {
            same_errors(&health_schema(), &text)?;
        }

        /// The valid report with one member replaced: the errors a real report would have.
        #[test]
        fn broken_reports_get_the_same_errors_as_with_serde_values(
            pointer in prop::sample::select(vec![
                "/status", "/schemaVersion", "/time", "/release", "/release/phase", "/checks",
                "/notes", "/tool", "/description",
            ]),
            replacement in document(),
        ) {
            let mut report = valid_report();
            if let Some(slot) = report.pointer_mut(pointer) {
                *slot = serde_json::from_str(&replacement).unwrap();
            }
            same_errors(&health_schema(), &serde_json::to_string_pretty(&report).unwrap())?;
        }
    }

    #[test]
    fn the_recorded_invalid_reports_get_the_same_errors_as_with_serde_values() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/health/invalid");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            if serde_json::from_str::<Value>(&text).is_ok()
                && crate::json::check(text.as_bytes()).is_ok()
            {
                same_errors(&health_schema(), &text).unwrap();
            }
        }
    }
}
