use std::fmt;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// The `env` gate's part of a plan: the variables to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvGateSpec {
    /// The variables, each with its rules.
    pub vars: Vec<VarSpec>,
}

/// One variable and its rules. All format rules apply to a set, non-empty value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VarSpec {
    /// The variable's name, e.g. `DATABASE_URL`.
    pub name: String,
    /// What the variable is for, shown in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether it must be set and non-empty (default `true`). With `environments`, it is
    /// required only there and optional elsewhere.
    #[serde(default = "yes")]
    pub required: bool,
    /// The environments where the variable is required; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
    /// A URL: `true`, or a table with allowed schemes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "flag_or_table"
    )]
    #[schemars(with = "Option<FlagOr<UrlRule>>")]
    pub url: Option<UrlRule>,
    /// An integer: `true`, or a table with `min` and `max`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "flag_or_table"
    )]
    #[schemars(with = "Option<FlagOr<IntegerRule>>")]
    pub integer: Option<IntegerRule>,
    /// One of these exact values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    /// A regular expression the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// A boolean (`true false 1 0 yes no on off`, any case).
    #[serde(default)]
    pub boolean: bool,
    /// A secret: `true`, or a table with `min_length` and extra `placeholders`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "flag_or_table"
    )]
    #[schemars(with = "Option<FlagOr<SecretRule>>")]
    pub secret: Option<SecretRule>,
}

fn yes() -> bool {
    true
}

/// Rules for a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UrlRule {
    /// Allowed schemes (default `http`, `https`).
    #[serde(default = "default_schemes")]
    pub schemes: Vec<String>,
    /// Allow private hosts (`10.x`, `*.internal`, …) in production, e.g. for a database on a
    /// private network. Localhost is never allowed in production.
    #[serde(default)]
    pub allow_private: bool,
}

impl Default for UrlRule {
    fn default() -> Self {
        Self {
            schemes: default_schemes(),
            allow_private: false,
        }
    }
}

fn default_schemes() -> Vec<String> {
    vec!["http".to_owned(), "https".to_owned()]
}

/// Rules for an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegerRule {
    /// The smallest allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// The largest allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

/// Rules for a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRule {
    /// The shortest acceptable length in characters (default 16).
    #[serde(default = "default_min_length")]
    pub min_length: usize,
    /// Values to refuse besides the built-in placeholders (compared ignoring case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placeholders: Vec<String>,
}

impl Default for SecretRule {
    fn default() -> Self {
        Self {
            min_length: default_min_length(),
            placeholders: Vec::new(),
        }
    }
}

fn default_min_length() -> usize {
    16
}

/// `true` for the rule with its defaults, `false` for no rule, or a table of settings.
#[derive(JsonSchema)]
#[schemars(untagged)]
#[expect(
    dead_code,
    reason = "describes the plan's shape for the JSON Schema only"
)]
enum FlagOr<T> {
    Flag(bool),
    Table(T),
}

fn flag_or_table<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    struct FlagOrTable<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for FlagOrTable<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("`true`, `false` or a table of settings")
        }

        fn visit_bool<E: de::Error>(self, enabled: bool) -> Result<Self::Value, E> {
            Ok(enabled.then(T::default))
        }

        fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }

    deserializer.deserialize_any(FlagOrTable(PhantomData))
}
