use regex::{Regex, RegexBuilder};

use super::host::{HostClass, classify};
use super::spec::{EnvGateSpec, IntegerRule, SecretRule, UrlRule, VarSpec};
use crate::gate::{Context, Evaluation, Evidence, Gate, GateInfo, Observation};

/// Compiled regexes are capped so a hostile plan cannot exhaust memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Values every secret rule refuses, compared ignoring case and surrounding whitespace.
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "change-this",
    "todo",
    "tbd",
    "fixme",
    "placeholder",
    "secret",
    "password",
    "passw0rd",
    "example",
    "dummy",
    "test",
    "testing",
    "default",
    "none",
    "null",
    "undefined",
    "replace-me",
    "replaceme",
    "insert-here",
    "redacted",
];

/// Checks variables against their rules; see [`VarSpec`]. Values never appear in its output:
/// observations describe them (`set (23 characters)`, `a URL pointing at localhost`).
///
/// ```
/// use release_core::gates::env::{EnvGate, EnvGateSpec, VarSpec};
/// use release_core::{Context, Gate, GateInfo, Vars, Verdict};
///
/// let spec = EnvGateSpec { vars: vec![
///     VarSpec { name: "SESSION_SECRET".into(), secret: Some(Default::default()), ..VarSpec::named("SESSION_SECRET") },
/// ]};
/// let gate = EnvGate::new(GateInfo::new("env", "env"), spec).unwrap();
/// let cx = Context::builder("staging").vars(Vars::from_pairs([("SESSION_SECRET", "changeme")])).build();
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let evaluation = gate.evaluate(&cx).await;
/// assert_eq!(evaluation.verdict, Verdict::Fail);
/// assert!(evaluation.observations.iter().all(|o| !o.observed.to_string().contains("changeme")));
/// # });
/// ```
#[derive(Debug)]
pub struct EnvGate {
    info: GateInfo,
    vars: Vec<(VarSpec, Option<Regex>)>,
}

/// A variable rule that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("variable `{}`: {message}", crate::names::escaped(var))]
pub struct EnvSpecError {
    /// The variable whose rule is wrong.
    pub var: String,
    /// Which index in `vars`.
    pub index: usize,
    /// What is wrong.
    pub message: String,
}

impl VarSpec {
    /// A required variable with no format rules.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            required: true,
            ..Self::default()
        }
    }
}

impl EnvGate {
    /// A gate over the given variables; fails when a regex does not compile or an integer
    /// range is empty.
    pub fn new(info: GateInfo, spec: EnvGateSpec) -> Result<Self, EnvSpecError> {
        let vars = spec
            .vars
            .into_iter()
            .enumerate()
            .map(|(index, var)| {
                let error = |message: String| EnvSpecError {
                    var: var.name.clone(),
                    index,
                    message,
                };
                // Anything else could never be set, so it would be reported missing.
                if let Err(problem) = crate::names::check_variable_name(&var.name) {
                    return Err(error(format!(
                        "not a variable name: it {problem}; variable names are {}",
                        crate::names::VARIABLE_RULE
                    )));
                }
                if let Some(IntegerRule {
                    min: Some(min),
                    max: Some(max),
                }) = var.integer
                    && min > max
                {
                    return Err(error(format!(
                        "integer range is empty: min {min} > max {max}"
                    )));
                }
                let regex = match &var.regex {
                    Some(pattern) => Some(compile_anchored(pattern).map_err(|e| {
                        error(format!("invalid regex: {}", last_line(&e.to_string())))
                    })?),
                    None => None,
                };
                Ok((var, regex))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { info, vars })
    }

    /// The names of the variables this gate treats as secrets.
    pub fn secret_names(&self) -> impl Iterator<Item = &str> {
        self.vars
            .iter()
            .filter(|(v, _)| v.secret.is_some())
            .map(|(v, _)| v.name.as_str())
    }

    fn check_var(
        &self,
        cx: &Context,
        var: &VarSpec,
        regex: Option<&Regex>,
        problems: &mut Vec<Observation>,
    ) -> Evidence {
        let required = var.required
            && var
                .environments
                .as_ref()
                .is_none_or(|envs| envs.iter().any(|e| e == cx.environment()));
        let value = cx.vars().get(&var.name);
        let Some(value) = value.filter(|v| !v.expose().is_empty()) else {
            let (observed, detail) = match value {
                Some(v) => (
                    "set but empty",
                    format!("set but empty, from {}", v.source()),
                ),
                None => ("unset", "unset".to_owned()),
            };
            if required {
                let rule = if value.is_some() {
                    "non_empty"
                } else {
                    "required"
                };
                problems.push(Observation::new(
                    &var.name,
                    observed,
                    "set and non-empty",
                    rule,
                ));
            }
            let optional = if required { "" } else { " (optional)" };
            return Evidence::new(&var.name, format!("{detail}{optional}"));
        };
        let before = problems.len();
        let text = value.expose();
        let mut fail = |observed: &str, expected: String, rule: &str| {
            problems.push(Observation::new(&var.name, observed, expected, rule));
        };
        if let Some(rule) = &var.url {
            check_url(text, rule, cx.is_production(), &mut fail);
        }
        if let Some(rule) = &var.integer {
            check_integer(text, rule, &mut fail);
        }
        if let Some(allowed) = &var.one_of
            && !allowed.iter().any(|a| a == text)
        {
            fail(
                "a value not among the allowed ones",
                format!("one of: {}", allowed.join(", ")),
                "one_of",
            );
        }
        if let Some(regex) = regex
            && !regex.is_match(text)
        {
            let pattern = var.regex.as_deref().unwrap_or_default();
            fail(
                "a value that does not match",
                format!("matches /{pattern}/"),
                "regex",
            );
        }
        if var.boolean && parse_bool(text).is_none() {
            fail(
                "a value that is not a boolean",
                "one of: true, false, 1, 0, yes, no, on, off".to_owned(),
                "boolean",
            );
        }
        if let Some(rule) = &var.secret {
            check_secret(text, rule, &mut fail);
        }
        let verdict = if problems.len() > before {
            "invalid"
        } else {
            "valid"
        };
        Evidence::new(
            &var.name,
            format!("{}, {verdict}, from {}", value.describe(), value.source()),
        )
    }
}

impl Gate for EnvGate {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        let mut problems = Vec::new();
        let evidence: Vec<Evidence> = self
            .vars
            .iter()
            .map(|(var, regex)| self.check_var(cx, var, regex.as_ref(), &mut problems))
            .collect();
        let checked = self.vars.len();
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let evaluation = if problems.is_empty() {
            Evaluation::pass(format!("{} set and valid", plural(checked, "variable")))
        } else {
            let mut bad: Vec<&str> = problems.iter().map(|o| o.name.as_str()).collect();
            bad.dedup();
            // The one-liner names a few variables; the observations name them all.
            const NAMED: usize = 3;
            let mut named = bad
                .iter()
                .take(NAMED)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if bad.len() > NAMED {
                named.push_str(&format!(" and {} more", bad.len() - NAMED));
            }
            Evaluation::fail(format!(
                "{} in {} of {checked}: {named}",
                plural(problems.len(), "problem"),
                plural(bad.len(), "variable"),
            ))
        };
        evaluation.observations(problems).evidence(evidence)
    }
}

fn check_url(
    text: &str,
    rule: &UrlRule,
    production: bool,
    fail: &mut impl FnMut(&str, String, &str),
) {
    let schemes = rule.schemes.join(", ");
    let Ok(url) = url::Url::parse(text) else {
        fail(
            "a value that is not a URL",
            format!("a URL with scheme {schemes}"),
            "url",
        );
        return;
    };
    if !rule
        .schemes
        .iter()
        .any(|s| s.eq_ignore_ascii_case(url.scheme()))
    {
        fail(
            "a URL whose scheme is not allowed",
            format!("scheme {schemes}"),
            "url.scheme",
        );
    }
    let Some(host) = url.host() else {
        fail(
            "a URL without a host",
            "a URL with a host".to_owned(),
            "url.host",
        );
        return;
    };
    if production {
        let class = classify(&host);
        let refused = match class {
            HostClass::Local => true,
            HostClass::Private => !rule.allow_private,
            HostClass::Public => false,
        };
        if refused {
            let expected = if rule.allow_private {
                "a host other than localhost"
            } else {
                "a public host"
            };
            fail(
                class.describe(),
                format!("{expected} in production"),
                "url.production_host",
            );
        }
    }
}

fn check_integer(text: &str, rule: &IntegerRule, fail: &mut impl FnMut(&str, String, &str)) {
    let range = match (rule.min, rule.max) {
        (Some(min), Some(max)) => format!("an integer from {min} to {max}"),
        (Some(min), None) => format!("an integer of at least {min}"),
        (None, Some(max)) => format!("an integer of at most {max}"),
        (None, None) => "an integer".to_owned(),
    };
    match text.parse::<i64>() {
        Err(_) => fail("a value that is not an integer", range, "integer"),
        Ok(n) if rule.min.is_some_and(|min| n < min) => {
            fail("an integer below the minimum", range, "integer.min")
        }
        Ok(n) if rule.max.is_some_and(|max| n > max) => {
            fail("an integer above the maximum", range, "integer.max")
        }
        Ok(_) => {}
    }
}

fn check_secret(text: &str, rule: &SecretRule, fail: &mut impl FnMut(&str, String, &str)) {
    let length = text.chars().count();
    if length < rule.min_length {
        let observed = format!("{length} characters");
        fail(
            &observed,
            format!("at least {} characters", rule.min_length),
            "secret.min_length",
        );
    }
    if is_placeholder(text, &rule.placeholders) {
        fail(
            "a placeholder value",
            "a real secret".to_owned(),
            "secret.placeholder",
        );
    }
}

/// Whether a value looks like a stand-in left from a template rather than a real secret.
fn is_placeholder(text: &str, extra: &[String]) -> bool {
    let value = text.trim().to_ascii_lowercase();
    let bare = value.trim_matches(|c: char| matches!(c, '"' | '\''));
    if PLACEHOLDERS.contains(&bare) || extra.iter().any(|p| p.trim().eq_ignore_ascii_case(bare)) {
        return true;
    }
    let templated = (bare.starts_with('<') && bare.ends_with('>'))
        || (bare.starts_with("${") && bare.ends_with('}'))
        || (bare.starts_with("{{") && bare.ends_with("}}"))
        || bare.starts_with("your-")
        || bare.starts_with("your_")
        || without_key_prefix(bare).starts_with("xxx")
        || bare.contains("changeme");
    let mut chars = bare.chars();
    let one_repeated_char = chars.next().is_some_and(|first| chars.all(|c| c == first));
    templated || one_repeated_char
}

/// The value after a short key-type prefix such as `sk-`, `pk_` or `ghp_`, so that `sk-xxxx…`
/// is recognised while a random secret that merely contains `xxx` is not.
fn without_key_prefix(value: &str) -> &str {
    match value.find(['-', '_']) {
        Some(i) if i <= 8 && value[..i].chars().all(|c| c.is_ascii_alphanumeric()) => {
            &value[i + 1..]
        }
        _ => value,
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The pattern must match the whole value. It is compiled on its own first, so that a
/// pattern such as `a)|(b` cannot close the anchoring group and escape the anchors.
fn compile_anchored(pattern: &str) -> Result<Regex, regex::Error> {
    let build = |p: &str| RegexBuilder::new(p).size_limit(REGEX_SIZE_LIMIT).build();
    build(pattern)?;
    build(&format!("^(?:{pattern})$"))
}

/// The regex crate's message ends with the line that says what is wrong.
fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}
