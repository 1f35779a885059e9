//! JSON assertions: a path (JSONPath or JSON Pointer), an operator and a value, compiled once
//! when the gate is built so a bad path or regex is a plan error, not a run-time surprise.

use regex::Regex;
use serde_json::Value;
use serde_json_path::JsonPath;

use super::spec::{JsonAssertion, Op};
use crate::gate::Observation;

/// Observed values longer than this (as JSON) are summarised rather than copied whole.
const MAX_OBSERVED_CHARS: usize = 256;

#[derive(Debug)]
enum Selector {
    Path(JsonPath),
    Pointer(String),
}

/// An assertion ready to run.
#[derive(Debug)]
pub(crate) struct CompiledAssertion {
    spec: JsonAssertion,
    selector: Selector,
    regex: Option<Regex>,
}

impl CompiledAssertion {
    pub(crate) fn new(spec: JsonAssertion) -> Result<Self, String> {
        let selector = if spec.path.starts_with('$') {
            Selector::Path(
                JsonPath::parse(&spec.path)
                    .map_err(|e| format!("invalid JSONPath `{}`: {e}", spec.path))?,
            )
        } else if spec.path.is_empty() || spec.path.starts_with('/') {
            Selector::Pointer(spec.path.clone())
        } else {
            return Err(format!(
                "path `{}` must start with `$` (JSONPath) or `/` (JSON Pointer)",
                spec.path
            ));
        };
        let needs_value = !matches!(spec.op, Op::Exists);
        if needs_value && spec.value.is_none() {
            return Err(format!(
                "`{}` on `{}` needs a `value`",
                spec.op.as_str(),
                spec.path
            ));
        }
        let regex = match (spec.op, &spec.value) {
            (Op::Matches, Some(Value::String(pattern))) => Some(
                regex::RegexBuilder::new(pattern)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| {
                        format!(
                            "invalid regex for `{}`: {}",
                            spec.path,
                            e.to_string().lines().last().unwrap_or_default().trim()
                        )
                    })?,
            ),
            (Op::Matches, _) => {
                return Err(format!(
                    "`matches` on `{}` needs a string `value`",
                    spec.path
                ));
            }
            (Op::In, Some(value)) if !value.is_array() => {
                return Err(format!("`in` on `{}` needs an array `value`", spec.path));
            }
            _ => None,
        };
        if matches!(spec.op, Op::Lt | Op::Le | Op::Gt | Op::Ge)
            && !spec.value.as_ref().is_some_and(Value::is_number)
        {
            return Err(format!(
                "`{}` on `{}` needs a number `value`",
                spec.op.as_str(),
                spec.path
            ));
        }
        Ok(Self {
            spec,
            selector,
            regex,
        })
    }

    fn select<'a>(&self, body: &'a Value) -> Vec<&'a Value> {
        match &self.selector {
            Selector::Path(path) => path.query(body).all(),
            Selector::Pointer(pointer) => body.pointer(pointer).into_iter().collect(),
        }
    }

    /// `None` when the assertion holds; otherwise the observation that shows why not.
    pub(crate) fn check(&self, body: &Value) -> Option<Observation> {
        let nodes = self.select(body);
        let op = self.spec.op;
        let expected = self.spec.value.clone().unwrap_or(Value::Bool(true));
        let observation = |observed: Value| {
            Some(Observation::new(
                &self.spec.path,
                observed,
                expected.clone(),
                op.as_str(),
            ))
        };
        if op == Op::Exists {
            let want = self
                .spec
                .value
                .as_ref()
                .and_then(Value::as_bool)
                .unwrap_or(true);
            return if nodes.is_empty() == want {
                observation(if nodes.is_empty() {
                    Value::String("nothing at this path".into())
                } else {
                    shown(&nodes)
                })
            } else {
                None
            };
        }
        if nodes.is_empty() {
            return observation(Value::String("nothing at this path".into()));
        }
        let holds = nodes.iter().all(|node| self.holds(node, &expected));
        if holds {
            None
        } else {
            observation(shown(&nodes))
        }
    }

    fn holds(&self, node: &Value, expected: &Value) -> bool {
        match self.spec.op {
            Op::Eq => equal(node, expected),
            Op::Ne => !equal(node, expected),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => match (node.as_f64(), expected.as_f64()) {
                (Some(a), Some(b)) => match self.spec.op {
                    Op::Lt => a < b,
                    Op::Le => a <= b,
                    Op::Gt => a > b,
                    _ => a >= b,
                },
                _ => false,
            },
            Op::In => expected
                .as_array()
                .is_some_and(|items| items.iter().any(|i| equal(node, i))),
            Op::Contains => match (node, expected) {
                (Value::String(s), Value::String(part)) => s.contains(part.as_str()),
                (Value::Array(items), wanted) => items.iter().any(|i| equal(i, wanted)),
                (Value::Object(map), Value::String(key)) => map.contains_key(key),
                _ => false,
            },
            Op::Matches => match (node, &self.regex) {
                (Value::String(s), Some(regex)) => regex.is_match(s),
                _ => false,
            },
            Op::Exists => true,
        }
    }
}

/// JSON equality, with numbers compared by value (`1` equals `1.0`).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// The selected values as an observation shows them: one value as itself, several as an
/// array, anything long summarised.
fn shown(nodes: &[&Value]) -> Value {
    let value = match nodes {
        [one] => (*one).clone(),
        many => Value::Array(many.iter().map(|v| (*v).clone()).collect()),
    };
    let text = value.to_string();
    if text.chars().count() <= MAX_OBSERVED_CHARS {
        return value;
    }
    let summary = match &value {
        Value::Object(map) => format!("an object with {} keys", map.len()),
        Value::Array(items) => format!("an array of {} values", items.len()),
        Value::String(s) => format!(
            "{}… ({} characters)",
            s.chars().take(64).collect::<String>(),
            s.chars().count()
        ),
        other => other.to_string().chars().take(64).collect(),
    };
    Value::String(summary)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn assertion(path: &str, op: Op, value: Option<Value>) -> CompiledAssertion {
        CompiledAssertion::new(JsonAssertion {
            path: path.into(),
            op,
            value,
        })
        .unwrap()
    }

    fn holds(path: &str, op: Op, value: Value, body: &Value) -> bool {
        assertion(path, op, Some(value)).check(body).is_none()
    }

    #[test]
    fn every_operator() {
        let body = json!({ "summary": { "health": "ok", "rolesBlocked": 0, "ratio": 1.0 },
                           "roles": [ { "role": "a", "status": "ready" }, { "role": "b", "status": "ready" } ],
                           "tags": ["x", "y"], "version": "1.4.2" });
        assert!(holds("$.summary.health", Op::Eq, json!("ok"), &body));
        assert!(holds("/summary/rolesBlocked", Op::Eq, json!(0), &body));
        assert!(
            holds("$.summary.ratio", Op::Eq, json!(1), &body),
            "1.0 equals 1"
        );
        assert!(holds("$.summary.health", Op::Ne, json!("degraded"), &body));
        assert!(holds("$.summary.rolesBlocked", Op::Lt, json!(1), &body));
        assert!(holds("$.summary.rolesBlocked", Op::Le, json!(0), &body));
        assert!(!holds("$.summary.rolesBlocked", Op::Gt, json!(0), &body));
        assert!(holds("$.summary.rolesBlocked", Op::Ge, json!(0), &body));
        assert!(holds(
            "$.summary.health",
            Op::In,
            json!(["ok", "warn"]),
            &body
        ));
        assert!(
            holds("$.roles[*].status", Op::Eq, json!("ready"), &body),
            "every selected value"
        );
        assert!(holds("$.tags", Op::Contains, json!("y"), &body));
        assert!(holds("$.version", Op::Contains, json!("1.4"), &body));
        assert!(holds("$.summary", Op::Contains, json!("health"), &body));
        assert!(holds(
            "$.version",
            Op::Matches,
            json!(r"^\d+\.\d+\.\d+$"),
            &body
        ));
        assert!(
            assertion("$.summary.health", Op::Exists, None)
                .check(&body)
                .is_none()
        );
        assert!(
            assertion("$.missing", Op::Exists, Some(json!(false)))
                .check(&body)
                .is_none()
        );
        assert!(
            !holds("$.summary.health", Op::Lt, json!(1), &body),
            "a string is not less than a number"
        );
    }

    #[test]
    fn a_path_that_selects_nothing_fails_with_a_clear_observation() {
        let o = assertion("$.summary.rolesBlocked", Op::Eq, Some(json!(0)))
            .check(&json!({}))
            .unwrap();
        assert_eq!(o.observed, json!("nothing at this path"));
        assert_eq!(o.expected, json!(0));
        assert_eq!(o.rule, "eq");
    }

    #[test]
    fn observations_show_what_was_there() {
        let o = assertion("$.roles[*].status", Op::Eq, Some(json!("ready")))
            .check(&json!({ "roles": [ { "status": "ready" }, { "status": "blocked" } ] }))
            .unwrap();
        assert_eq!(o.observed, json!(["ready", "blocked"]));
        let big = json!({ "blob": "x".repeat(1000) });
        let o = assertion("$.blob", Op::Eq, Some(json!("y")))
            .check(&big)
            .unwrap();
        assert!(o.observed.as_str().unwrap().ends_with("(1000 characters)"));
    }

    #[test]
    fn bad_assertions_are_refused_when_built() {
        let bad = |path: &str, op: Op, value: Option<Value>| {
            CompiledAssertion::new(JsonAssertion {
                path: path.into(),
                op,
                value,
            })
            .unwrap_err()
        };
        assert!(bad("summary.health", Op::Eq, Some(json!(1))).contains("must start with"));
        assert!(bad("$[", Op::Eq, Some(json!(1))).contains("invalid JSONPath"));
        assert!(bad("$.a", Op::Eq, None).contains("needs a `value`"));
        assert!(bad("$.a", Op::Matches, Some(json!("("))).contains("invalid regex"));
        assert!(bad("$.a", Op::In, Some(json!("x"))).contains("array"));
        assert!(bad("$.a", Op::Lt, Some(json!("x"))).contains("number"));
    }
}
