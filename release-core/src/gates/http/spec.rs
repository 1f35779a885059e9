use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::duration::HumanDuration;

/// The `http` gate's part of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpGateSpec {
    /// The method (default `GET`).
    #[serde(default = "default_method")]
    pub method: String,
    /// The URL; `{api_url}` and `{web_url}` are the environment's base URLs.
    pub url: String,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A token from `[tokens]`, sent as `Authorization: Bearer …`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// A text body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// A JSON body (sent with `Content-Type: application/json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<serde_json::Value>,
    /// Retries after the first attempt, on connection errors, timeouts, 5xx and 429
    /// (default 0).
    #[serde(default)]
    pub retries: u32,
    /// The first wait between attempts, doubled each time (default `200ms`); a
    /// `Retry-After` header wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_backoff: Option<HumanDuration>,
    /// The most body bytes read (default 1 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<usize>,
    /// What the response must look like.
    #[serde(default)]
    pub expect: Expect,
}

fn default_method() -> String {
    "GET".to_owned()
}

/// Expectations on the response. With none, any 2xx passes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The allowed status codes: one (`200`) or several (`[200, 204]`); default any 2xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSet>,
    /// Headers that must be present and contain the given text (ignoring case).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Latency budget: slower than `warn` warns, slower than `fail` fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyBudget>,
    /// Read the body as a health report (health+json, Spring, `{"status":"ok"}`, plain
    /// `ok`, Kubernetes readyz): `warn` health warns, `fail`/`down` fails.
    #[serde(default)]
    pub health: bool,
    /// Assertions on the JSON body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json: Vec<JsonAssertion>,
}

/// A latency budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencyBudget {
    /// Slower than this warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<HumanDuration>,
    /// Slower than this fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<HumanDuration>,
}

/// One assertion on the JSON body: the value(s) at `path` compared with `value` by `op`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonAssertion {
    /// JSONPath (RFC 9535) when it starts with `$`, JSON Pointer when it starts with `/`.
    pub path: String,
    /// The comparison (default `eq`).
    #[serde(default)]
    pub op: Op,
    /// What to compare with; for `exists`, `true` (default) or `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// A comparison. Every value the path selects must satisfy it (`exists`: at least one is
/// there); a path that selects nothing fails, never passes silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Equal (numbers by value: `1` equals `1.0`).
    #[default]
    Eq,
    /// Not equal.
    Ne,
    /// Less than (numbers).
    Lt,
    /// Less than or equal (numbers).
    Le,
    /// Greater than (numbers).
    Gt,
    /// Greater than or equal (numbers).
    Ge,
    /// One of the values of an array.
    In,
    /// Present (or absent, with `value = false`).
    Exists,
    /// A string containing the text, an array containing the element, or an object with the
    /// key.
    Contains,
    /// A string matching the regular expression (unanchored).
    Matches,
}

impl Op {
    /// The name used in plans and observations.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::In => "in",
            Op::Exists => "exists",
            Op::Contains => "contains",
            Op::Matches => "matches",
        }
    }
}

/// One status code or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StatusSet(pub Vec<u16>);

impl JsonSchema for StatusSet {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StatusSet".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A status code such as 200, or a list such as [200, 204].",
            "anyOf": [
                { "type": "integer", "minimum": 100, "maximum": 599 },
                { "type": "array", "items": { "type": "integer", "minimum": 100, "maximum": 599 }, "minItems": 1 }
            ]
        })
    }
}

impl StatusSet {
    /// Whether the status is allowed.
    pub fn allows(&self, status: u16) -> bool {
        self.0.contains(&status)
    }
}

impl<'de> Deserialize<'de> for StatusSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatusVisitor;

        fn code<E: de::Error>(n: i64) -> Result<u16, E> {
            u16::try_from(n)
                .ok()
                .filter(|c| (100..=599).contains(c))
                .ok_or_else(|| E::custom(format!("{n} is not an HTTP status code (100-599)")))
        }

        impl<'de> Visitor<'de> for StatusVisitor {
            type Value = StatusSet;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status code such as 200, or a list such as [200, 204]")
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<StatusSet, E> {
                Ok(StatusSet(vec![code(n)?]))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<StatusSet, E> {
                self.visit_i64(i64::try_from(n).unwrap_or(i64::MAX))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StatusSet, A::Error> {
                let mut codes = Vec::new();
                while let Some(n) = seq.next_element::<i64>()? {
                    codes.push(code(n)?);
                }
                if codes.is_empty() {
                    return Err(de::Error::custom(
                        "an empty list of status codes allows nothing",
                    ));
                }
                Ok(StatusSet(codes))
            }
        }

        deserializer.deserialize_any(StatusVisitor)
    }
}
