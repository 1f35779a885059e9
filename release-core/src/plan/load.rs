use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::checks;
use super::error::{Diagnostic, LineIndex, PlanError, line_column};
use super::model::{
    Environment, GateCommon, GateKindSpec, GateSpec, KNOWN_PHASES, Plan, ReleaseSection,
};
use super::rollback::RollbackSection;
use super::rollout::RolloutSection;
use super::wording;
use crate::base_url::{BASE_URL_RULE, check_base_url};
use crate::gate::GateInfo;
use crate::gates::Written;
use crate::gates::env::{EnvGate, EnvGateSpec};
use crate::gates::kinds::ReadSpec;
use crate::names::{NAME_RULE, VARIABLE_RULE, check_name, check_variable_name, escaped};

/// Plans larger than this are refused before parsing.
pub const MAX_PLAN_BYTES: u64 = 4 * 1024 * 1024;

/// The keys every gate table may have besides its kind's own.
const COMMON_KEYS: [&str; 7] = [
    "id",
    "title",
    "phases",
    "required",
    "timeout",
    "environments",
    "sustain",
];

/// The top-level tables, each read on its own so that a mistake in one does not hide the
/// mistakes in the others.
#[derive(Default)]
struct Header {
    release: ReleaseSection,
    environments: BTreeMap<String, Spanned<Environment>>,
    tokens: BTreeMap<String, String>,
    rollback: RollbackSection,
    /// Where `[rollback]` and each of its triggers are written.
    rollback_spans: SectionSpans,
    rollout: RolloutSection,
    /// Where `[rollout]` and each of its steps are written.
    rollout_spans: SectionSpans,
    /// Each gate as read (`None` when it had errors) with the spans of its parts.
    gates: Vec<(Option<GateSpec>, GateSpans)>,
    /// Where each `[release]` value is written.
    release_at: BTreeMap<String, Range<usize>>,
    /// Where each environment's name is written.
    environment_at: BTreeMap<String, Range<usize>>,
    /// Where each environment's settings are written, by environment and key.
    environment_keys: BTreeMap<(String, String), Range<usize>>,
    /// Where each `[tokens]` entry's variable is written.
    token_at: BTreeMap<String, Range<usize>>,
    /// Where `release.secrets.not_secret` is written.
    not_secret_at: Option<Range<usize>>,
    /// Whether every part was read without error; validation runs either way.
    complete: bool,
}

/// Where a gate's parts are written, so that a problem found after reading points at the key
/// that causes it rather than at the gate.
#[derive(Default)]
struct GateSpans {
    gate: Range<usize>,
    keys: BTreeMap<String, Range<usize>>,
    /// The names of the entries of `headers`, `expect.headers`, `env`, services' `env` and
    /// `basic_auth`, keyed by the dotted path (`headers.x-request-id`, `services.env.PGPORT`,
    /// `basic_auth.user`).
    entries: BTreeMap<String, Range<usize>>,
    /// Where the values of those entries are written, keyed the same way.
    values: BTreeMap<String, Range<usize>>,
    vars: Vec<Range<usize>>,
    /// Where each variable's `name` is written, when it is.
    var_names: Vec<Option<Range<usize>>>,
}

impl GateSpans {
    fn key(&self, key: &str) -> Range<usize> {
        self.keys
            .get(key)
            .cloned()
            .unwrap_or_else(|| self.gate.clone())
    }

    /// Where the entry `name` of the table at `path` is named, else where the table is.
    fn entry(&self, path: &str, name: &str) -> Range<usize> {
        self.entries
            .get(&format!("{path}.{name}"))
            .cloned()
            .unwrap_or_else(|| self.key(path.split('.').next().unwrap_or(path)))
    }

    /// Where the value of the entry `name` of the table at `path` is written, else where the
    /// entry is named.
    fn value(&self, path: &str, name: &str) -> Range<usize> {
        self.values
            .get(&format!("{path}.{name}"))
            .cloned()
            .unwrap_or_else(|| self.entry(path, name))
    }

    /// Records where the entries of the tables whose entries name things are named.
    fn record_entries(&mut self, key: &str, value: &DeValue<'_>) {
        let mut record = |path: &str, table: &DeValue<'_>| {
            if let DeValue::Table(table) = table {
                for (name, value) in table {
                    let key = format!("{path}.{}", name.get_ref());
                    self.entries.insert(key.clone(), name.span());
                    self.values.insert(key, value.span());
                }
            }
        };
        match (key, value) {
            ("headers" | "env" | "basic_auth", table) => record(key, table),
            ("expect", DeValue::Table(expect)) => {
                if let Some(headers) = expect.get("headers") {
                    record("expect.headers", headers.get_ref());
                }
            }
            ("services", DeValue::Array(services)) => {
                for service in services.iter() {
                    if let DeValue::Table(service) = service.get_ref()
                        && let Some(env) = service.get("env")
                    {
                        record("services.env", env.get_ref());
                    }
                }
            }
            _ => {}
        }
    }

    fn var(&self, index: usize) -> Range<usize> {
        self.vars
            .get(index)
            .cloned()
            .unwrap_or_else(|| self.key("vars"))
    }

    /// Where the variable's `name` is written, else where the variable is.
    fn var_name(&self, index: usize) -> Range<usize> {
        self.var_names
            .get(index)
            .cloned()
            .flatten()
            .unwrap_or_else(|| self.var(index))
    }
}

/// Where `[rollback]` or `[rollout]` and each of its entries (triggers, steps) are written, so
/// that an entry's problem is reported at that entry (at the key that causes it, where one does).
#[derive(Default)]
struct SectionSpans {
    table: Range<usize>,
    /// Where each of the table's own values is written.
    keys: BTreeMap<String, Range<usize>>,
    /// Per entry, in order.
    items: Vec<ItemSpans>,
}

/// Where an entry and each of its keys are written.
struct ItemSpans {
    item: Range<usize>,
    keys: BTreeMap<String, Range<usize>>,
}

impl SectionSpans {
    fn at(&self, item: Option<usize>, key: Option<&str>) -> Range<usize> {
        let Some(spans) = item.and_then(|i| self.items.get(i)) else {
            return key
                .and_then(|k| self.keys.get(k))
                .cloned()
                .unwrap_or_else(|| self.table.clone());
        };
        key.and_then(|k| spans.keys.get(k))
            .cloned()
            .unwrap_or_else(|| spans.item.clone())
    }
}

const TOP_LEVEL_KEYS: [&str; 6] = [
    "release",
    "environments",
    "tokens",
    "gates",
    "rollback",
    "rollout",
];

impl Plan {
    /// Reads and validates a plan file.
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        let read_err = |source| PlanError::Read {
            path: path.to_path_buf(),
            source,
        };
        let Some(bytes) = crate::read::read_limited(path, MAX_PLAN_BYTES).map_err(read_err)? else {
            return Err(PlanError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_PLAN_BYTES,
            });
        };
        let plan = Self::from_bytes(path, &bytes)?;
        tracing::debug!(
            plan = %path.display(),
            environments = plan.environments.len(),
            gates = plan.gates.len(),
            "plan loaded"
        );
        Ok(plan)
    }

    /// Validates plan bytes; `path` names them in messages.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: &[u8]) -> Result<Plan, PlanError> {
        let path = path.into();
        match std::str::from_utf8(bytes) {
            Ok(source) => Self::parse(path, source),
            Err(err) => {
                let valid = String::from_utf8_lossy(&bytes[..err.valid_up_to()]).into_owned();
                let (line, column) = line_column(&valid, valid.len());
                let diagnostics = vec![Diagnostic {
                    line,
                    column,
                    message: "invalid UTF-8; a plan is UTF-8 text".to_owned(),
                }];
                Err(PlanError::Invalid { path, diagnostics })
            }
        }
    }

    /// Validates plan text; `path` names it in messages. Every problem found is reported,
    /// not only the first.
    ///
    /// ```
    /// let source = "[release]\nnmae = 'x'\n\n[environments.staging]\n";
    /// let err = release_core::Plan::parse("release.toml", source).unwrap_err();
    /// assert!(err.to_string().starts_with("release.toml:2:1: unknown field `nmae`"), "{err}");
    /// ```
    pub fn parse(path: impl Into<PathBuf>, source: &str) -> Result<Plan, PlanError> {
        let path = path.into();
        let mut loader = Loader {
            source,
            lines: LineIndex::new(source),
            diagnostics: Vec::new(),
        };
        let plan = loader.plan(&path);
        let mut diagnostics = loader.diagnostics;
        match plan {
            Some(plan) if diagnostics.is_empty() => Ok(plan),
            _ => {
                diagnostics.sort_by_key(|d| (d.line, d.column));
                diagnostics.dedup();
                if diagnostics.is_empty() {
                    diagnostics.push(Diagnostic {
                        line: 1,
                        column: 1,
                        message: "invalid plan".to_owned(),
                    });
                }
                Err(PlanError::Invalid { path, diagnostics })
            }
        }
    }
}

struct Loader<'s> {
    source: &'s str,
    lines: LineIndex,
    diagnostics: Vec<Diagnostic>,
}

impl<'s> Loader<'s> {
    /// A diagnostic at a byte offset. Its message may quote the plan, so whatever would act
    /// on a terminal instead of showing is escaped here, once for every message.
    fn diagnostic(&self, offset: usize, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.lines.position(self.source, offset);
        let message = message.into();
        Diagnostic {
            line,
            column,
            message: escaped(&message).into_owned(),
        }
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diagnostics.push(self.diagnostic(span.start, message));
    }

    fn deserialize<T: Deserialize<'s>>(&mut self, value: Spanned<DeValue<'s>>) -> Option<T> {
        if self.refuse_datetimes(&value) {
            return None;
        }
        match T::deserialize(ValueDeserializer::from(value)) {
            Ok(v) => Some(v),
            Err(err) => {
                let start = err.span().map_or(0, |s| s.start);
                self.diagnostics
                    .push(self.diagnostic(start, wording::plain(err.message())));
                None
            }
        }
    }

    /// Reports each date-time in a part about to be read, which then is not read: serde's own
    /// message for it would be about a table with a private key.
    fn refuse_datetimes(&mut self, value: &Spanned<DeValue<'s>>) -> bool {
        let mut found = Vec::new();
        checks::datetimes(value, &mut found);
        for at in &found {
            self.error(at.clone(), checks::DATETIME);
        }
        !found.is_empty()
    }

    fn plan(&mut self, path: &Path) -> Option<Plan> {
        let (root, errors) = DeTable::parse_recoverable(self.source);
        if !errors.is_empty() {
            self.syntax_errors(&errors);
            return None;
        }
        let root_span = root.span();
        let unprintable = checks::unprintable(root.get_ref());
        let header = self.header(root.into_inner());
        self.check_names(&header);
        let mut environments = BTreeMap::new();
        for (name, env) in header.environments {
            let span = env.span();
            let env = env.into_inner();
            for (key, url) in [
                ("api_url", &env.api_url),
                ("web_url", &env.web_url),
                ("prometheus_url", &env.prometheus_url),
                ("alertmanager_url", &env.alertmanager_url),
            ] {
                if let Some(url) = url
                    && let Err(problem) = check_base_url(url)
                {
                    let at = header
                        .environment_keys
                        .get(&(name.clone(), key.to_owned()))
                        .cloned()
                        .unwrap_or_else(|| span.clone());
                    self.error(
                        at,
                        format!(
                            "environment `{name}`: `{key}` {problem}; a base URL is {BASE_URL_RULE}"
                        ),
                    );
                }
            }
            environments.insert(name, env);
        }
        for (token, variable) in &header.tokens {
            if let Err(problem) = check_variable_name(variable) {
                let at = header.token_at.get(token).cloned().unwrap_or(0..0);
                self.error(
                    at,
                    not_a_variable(&format!("token `{token}`"), variable, &problem),
                );
            }
        }
        if header.release.command_concurrency == 0 {
            self.error(0..0, "`release.command_concurrency` must be at least 1");
        }
        if header.release.concurrency == 0 {
            self.error(0..0, "`release.concurrency` must be at least 1");
        }
        if environments.is_empty() {
            self.error(
                root_span.start..root_span.start,
                "the plan declares no environment; add an `[environments.NAME]` table",
            );
        }
        if let Some(default) = &header.release.default_environment
            && !environments.contains_key(default)
        {
            let at = header
                .release_at
                .get("default_environment")
                .cloned()
                .unwrap_or(0..0);
            self.error(at, format!("`release.default_environment` names `{default}`, which is not a declared environment"));
        }
        let plan = Plan {
            path: path.to_path_buf(),
            release: header.release,
            environments,
            tokens: header.tokens,
            gates: header.gates.iter().filter_map(|(g, _)| g.clone()).collect(),
            rollback: header.rollback.clone(),
            rollout: header.rollout.clone(),
        };
        let gates_with_text_problems: BTreeSet<usize> =
            unprintable.iter().filter_map(|u| u.gate).collect();
        self.validate(&plan, &header.gates, &gates_with_text_problems);
        for problem in plan.not_secret_problems() {
            self.error(header.not_secret_at.clone().unwrap_or(0..0), problem);
        }
        if header.complete {
            // A gate that could not be read is missing from the plan: a trigger naming it
            // would be reported as naming nothing, which is not the mistake.
            let gates_read = header.gates.iter().all(|(gate, _)| gate.is_some());
            for problem in plan.rollback_problems(gates_read) {
                let at = header.rollback_spans.at(problem.trigger, problem.key);
                self.error(at, problem.message);
            }
            for problem in plan.rollout_problems() {
                let at = header.rollout_spans.at(problem.step, problem.key);
                self.error(at, problem.message);
            }
        }
        // A text problem is reported unless a more particular one is already reported where
        // it is (a gate id's or an environment name's rule, a base URL's, a variable name's).
        let reported: BTreeSet<(usize, usize)> = self
            .diagnostics
            .iter()
            .map(|d| (d.line, d.column))
            .collect();
        for problem in unprintable {
            let diagnostic = self.diagnostic(problem.at.start, problem.message);
            if !reported.contains(&(diagnostic.line, diagnostic.column)) {
                self.diagnostics.push(diagnostic);
            }
        }
        header.complete.then_some(plan)
    }

    fn header(&mut self, root: DeTable<'s>) -> Header {
        let mut header = Header::default();
        let mut ok = true;
        for (key, value) in root {
            match key.get_ref().as_ref() {
                "release" => {
                    if let Some(table) = value.get_ref().as_table() {
                        header.release_at = table
                            .iter()
                            .map(|(k, v)| (k.get_ref().to_string(), v.span()))
                            .collect();
                        header.not_secret_at = table
                            .get("secrets")
                            .and_then(|s| s.get_ref().as_table())
                            .and_then(|t| t.get("not_secret"))
                            .map(Spanned::span);
                    }
                    match self.deserialize(value) {
                        Some(release) => header.release = release,
                        None => ok = false,
                    }
                }
                "environments" => {
                    let span = value.span();
                    let DeValue::Table(table) = value.into_inner() else {
                        self.error(
                            span,
                            "`environments` must be a table of `[environments.NAME]` tables",
                        );
                        ok = false;
                        continue;
                    };
                    for (name, env) in table {
                        let env_span = env.span();
                        header
                            .environment_at
                            .insert(name.get_ref().to_string(), name.span());
                        if let DeValue::Table(settings) = env.get_ref() {
                            for (key, value) in settings {
                                header.environment_keys.insert(
                                    (name.get_ref().to_string(), key.get_ref().to_string()),
                                    value.span(),
                                );
                            }
                        }
                        // An environment with a mistake is still declared, so gates naming it
                        // do not get a second, misleading error.
                        let env = self.deserialize::<Environment>(env).unwrap_or_else(|| {
                            ok = false;
                            Environment::default()
                        });
                        header
                            .environments
                            .insert(name.into_inner().into_owned(), Spanned::new(env_span, env));
                    }
                }
                "tokens" => {
                    if let DeValue::Table(tokens) = value.get_ref() {
                        header.token_at = tokens
                            .iter()
                            .map(|(k, v)| (k.get_ref().to_string(), v.span()))
                            .collect();
                    }
                    match self.deserialize(value) {
                        Some(tokens) => header.tokens = tokens,
                        None => ok = false,
                    }
                }
                "gates" => header.gates = self.gates(value),
                "rollback" => match self.rollback(value, &mut header.rollback_spans) {
                    Some(rollback) => header.rollback = rollback,
                    None => ok = false,
                },
                "rollout" => match self.rollout(value, &mut header.rollout_spans) {
                    Some(rollout) => header.rollout = rollout,
                    None => ok = false,
                },
                other => {
                    self.error(
                        key.span(),
                        format!(
                            "unknown field `{other}`, expected one of {}",
                            quoted(&TOP_LEVEL_KEYS)
                        ),
                    );
                    ok = false;
                }
            }
        }
        header.complete = ok;
        header
    }

    /// Names that become parts of file names are plain names, unique ignoring case; paths are
    /// not empty.
    fn check_names(&mut self, header: &Header) {
        let mut folded: BTreeMap<String, &str> = BTreeMap::new();
        let mut environments: Vec<(&String, &Range<usize>)> =
            header.environment_at.iter().collect();
        environments.sort_by_key(|(_, at)| at.start);
        for (name, at) in environments {
            if let Err(problem) = check_name(name) {
                self.error(
                    at.clone(),
                    format!("environment name `{name}` {problem}; names are {NAME_RULE}, as they name files"),
                );
            } else if let Some(first) = folded.insert(name.to_ascii_lowercase(), name) {
                self.error(at.clone(), format!("environment `{name}` differs from `{first}` only in case; names name files, and some file systems do not tell them apart"));
            }
        }
        let release = &header.release;
        let paths = [
            ("artifacts_dir", Some(&release.artifacts_dir)),
            ("log", release.log.as_ref()),
        ];
        for (key, path) in paths {
            let Some(path) = path else { continue };
            // What a path holds is checked with every other string (`checks::unprintable`).
            if path.as_os_str().is_empty() {
                let at = header.release_at.get(key).cloned().unwrap_or(0..0);
                self.error(at, format!("`release.{key}` is empty"));
            }
        }
        // A store URL that cannot be used is named where it is written (its password never
        // shown), not when the first run fails to connect.
        if release.log.is_some()
            && let Err(e) = release.log_location()
        {
            let at = header.release_at.get("log").cloned().unwrap_or(0..0);
            self.error(at, format!("`release.log`: {e}"));
        }
    }

    /// The parser's errors, each where it is and naming what it can.
    fn syntax_errors(&mut self, errors: &[toml::de::Error]) {
        let mut deep_keys = None;
        let mut deep_seen = 0;
        for err in errors {
            let message = err.message().trim_end();
            let start = match (message, err.span()) {
                (wording::DEEP_KEY, None) => {
                    // `toml` gives these no position: find each deep key in turn.
                    let found = deep_keys
                        .get_or_insert_with(|| wording::deep_keys(self.source, &self.lines));
                    let at = found.get(deep_seen).copied().unwrap_or(0);
                    deep_seen += 1;
                    at
                }
                (_, span) => span.as_ref().map_or(0, |s| s.start),
            };
            let message = match message {
                "duplicate key" => wording::duplicate_key(self.source, err.span()),
                other => wording::plain(other),
            };
            self.diagnostics.push(self.diagnostic(start, message));
        }
    }

    /// Each gate is read on its own, so one bad gate does not hide the problems of the next.
    fn gates(&mut self, gates: Spanned<DeValue<'s>>) -> Vec<(Option<GateSpec>, GateSpans)> {
        let span = gates.span();
        let DeValue::Array(items) = gates.into_inner() else {
            self.error(
                span,
                "`gates` must be an array of tables, written `[[gates]]`",
            );
            return Vec::new();
        };
        items.into_iter().map(|item| self.gate(item)).collect()
    }

    /// `[rollback]` with each trigger read on its own, so that a mistake is reported at the
    /// trigger that makes it and one bad trigger does not hide the next.
    fn rollback(
        &mut self,
        value: Spanned<DeValue<'s>>,
        spans: &mut SectionSpans,
    ) -> Option<RollbackSection> {
        self.section_with_items(
            value,
            "rollback",
            "triggers",
            spans,
            |section: &mut RollbackSection, items| {
                section.triggers = items;
            },
        )
    }

    /// `[rollout]` with each step read on its own, as the rollback's triggers are.
    fn rollout(
        &mut self,
        value: Spanned<DeValue<'s>>,
        spans: &mut SectionSpans,
    ) -> Option<RolloutSection> {
        self.section_with_items(
            value,
            "rollout",
            "steps",
            spans,
            |section: &mut RolloutSection, items| {
                section.steps = items;
            },
        )
    }

    /// A table whose `items` key is an array of tables read one by one, each positioned, then
    /// the table's other keys with `items` emptied, so an unknown key next to them is named.
    fn section_with_items<T: Deserialize<'s>, I: Deserialize<'s>>(
        &mut self,
        value: Spanned<DeValue<'s>>,
        section: &str,
        items_key: &str,
        spans: &mut SectionSpans,
        set: impl FnOnce(&mut T, Vec<I>),
    ) -> Option<T> {
        let span = value.span();
        spans.table = span.clone();
        if !matches!(value.get_ref(), DeValue::Table(_)) {
            // serde says what it expected.
            return self.deserialize(value);
        }
        let DeValue::Table(mut table) = value.into_inner() else {
            return None;
        };
        spans.keys = table
            .iter()
            .map(|(k, v)| (k.get_ref().to_string(), v.span()))
            .collect();
        let Some((key, items)) = table.remove_entry(items_key) else {
            return self.deserialize(Spanned::new(span, DeValue::Table(table)));
        };
        let items_span = items.span();
        let mut parsed = Vec::new();
        let mut ok = true;
        match items.into_inner() {
            DeValue::Array(entries) => {
                for item in entries {
                    let item_span = item.span();
                    let keys: BTreeMap<String, Range<usize>> = match item.get_ref() {
                        DeValue::Table(t) => t
                            .iter()
                            .map(|(k, v)| (k.get_ref().to_string(), v.span()))
                            .collect(),
                        _ => BTreeMap::new(),
                    };
                    match self.deserialize_keyed(item, &keys) {
                        Some(entry) => parsed.push(entry),
                        None => ok = false,
                    }
                    spans.items.push(ItemSpans {
                        item: item_span,
                        keys,
                    });
                }
            }
            _ => {
                self.error(
                    items_span.clone(),
                    format!("`{section}.{items_key}` must be an array of tables, written `[[{section}.{items_key}]]`"),
                );
                ok = false;
            }
        }
        table.insert(
            key,
            Spanned::new(items_span, DeValue::Array(toml::de::DeArray::new())),
        );
        let mut whole: T = self.deserialize(Spanned::new(span, DeValue::Table(table)))?;
        set(&mut whole, parsed);
        ok.then_some(whole)
    }

    /// Like [`Self::deserialize`] for one table whose keys are at `keys`. serde reads a tagged
    /// enum's table whole and loses its positions, so an unknown field is reported at its key
    /// and any other mistake at the table, never elsewhere.
    fn deserialize_keyed<T: Deserialize<'s>>(
        &mut self,
        value: Spanned<DeValue<'s>>,
        keys: &BTreeMap<String, Range<usize>>,
    ) -> Option<T> {
        let span = value.span();
        if self.refuse_datetimes(&value) {
            return None;
        }
        match T::deserialize(ValueDeserializer::from(value)) {
            Ok(v) => Some(v),
            Err(err) => {
                let message = wording::plain(err.message());
                let named = message
                    .as_str()
                    .strip_prefix("unknown field `")
                    .and_then(|rest| rest.split_once('`'))
                    .and_then(|(name, _)| keys.get(name));
                let start = match (named, err.span()) {
                    (Some(at), _) => at.start,
                    // A position inside the entry is precise; one outside it is not about it.
                    (None, Some(s)) if span.contains(&s.start) => s.start,
                    (None, _) => span.start,
                };
                self.diagnostics.push(self.diagnostic(start, message));
                None
            }
        }
    }

    fn gate(&mut self, item: Spanned<DeValue<'s>>) -> (Option<GateSpec>, GateSpans) {
        let span = item.span();
        let mut spans = GateSpans {
            gate: span.clone(),
            ..GateSpans::default()
        };
        let DeValue::Table(table) = item.into_inner() else {
            self.error(span, "each gate must be a table, written `[[gates]]`");
            return (None, spans);
        };
        let mut common = DeTable::new();
        let mut rest = DeTable::new();
        let mut kind: Option<Spanned<DeValue<'s>>> = None;
        for (key, value) in table {
            spans.keys.insert(key.get_ref().to_string(), value.span());
            spans.record_entries(key.get_ref(), value.get_ref());
            if key.get_ref() == "kind" {
                kind = Some(value);
            } else if COMMON_KEYS.contains(&key.get_ref().as_ref()) {
                common.insert(key, value);
            } else {
                rest.insert(key, value);
            }
        }
        let common: Option<GateCommon> =
            self.deserialize(Spanned::new(span.clone(), DeValue::Table(common)));
        let Some(kind) = kind else {
            self.error(
                span,
                format!(
                    "missing field `kind`; expected one of {}",
                    quoted(GateKindSpec::KINDS)
                ),
            );
            return (None, spans);
        };
        let kind_span = kind.span();
        let rest = Spanned::new(span.clone(), DeValue::Table(rest));
        let spec = match kind.get_ref().as_str() {
            // Each variable is read on its own, so every variable's mistake is reported.
            Some("env") => self.env_spec(rest, &mut spans).map(GateKindSpec::Env),
            Some(name) => match GateKindSpec::read(name, Reading { loader: self, rest }) {
                Some(spec) => spec,
                None => {
                    self.error(
                        kind_span,
                        format!(
                            "unknown gate kind `{name}`; expected one of {}",
                            quoted(GateKindSpec::KINDS)
                        ),
                    );
                    None
                }
            },
            None => {
                self.error(kind_span, "`kind` must be a string");
                None
            }
        };
        let (line, _) = self.lines.position(self.source, span.start);
        let gate = match (common, spec) {
            (Some(common), Some(spec)) => Some(GateSpec { common, spec, line }),
            _ => None,
        };
        (gate, spans)
    }

    /// Reads each variable on its own, so that every variable's mistake is reported.
    fn env_spec(
        &mut self,
        rest: Spanned<DeValue<'s>>,
        spans: &mut GateSpans,
    ) -> Option<EnvGateSpec> {
        let span = rest.span();
        let DeValue::Table(mut table) = rest.into_inner() else {
            return None;
        };
        let Some((key, vars)) = table.remove_entry("vars") else {
            return self.deserialize(Spanned::new(span, DeValue::Table(table)));
        };
        let vars_span = vars.span();
        let DeValue::Array(items) = vars.into_inner() else {
            self.error(vars_span, "`vars` must be an array of tables, written `[[gates.vars]]` or `vars = [{ name = ... }]`");
            return None;
        };
        let mut parsed = Vec::new();
        let mut ok = true;
        for item in items {
            spans.vars.push(item.span());
            spans.var_names.push(match item.get_ref() {
                DeValue::Table(var) => var.get("name").map(Spanned::span),
                _ => None,
            });
            match self.deserialize(item) {
                Some(var) => parsed.push(var),
                None => ok = false,
            }
        }
        // The other keys are checked against the spec with `vars` emptied, so an unknown key
        // next to `vars` is still named.
        table.insert(
            key,
            Spanned::new(vars_span, DeValue::Array(toml::de::DeArray::new())),
        );
        let mut spec: EnvGateSpec = self.deserialize(Spanned::new(span, DeValue::Table(table)))?;
        spec.vars = parsed;
        ok.then_some(spec)
    }

    /// Checks what reading each gate could not. `text_problems` holds the gates with text that
    /// does not print as itself, already reported where it is: building such a gate would
    /// report the same mistake again, less precisely, so it is not built.
    fn validate(
        &mut self,
        plan: &Plan,
        gates: &[(Option<GateSpec>, GateSpans)],
        text_problems: &BTreeSet<usize>,
    ) {
        let mut seen = BTreeSet::new();
        let mut folded = BTreeMap::new();
        for (index, (gate, spans)) in gates.iter().enumerate() {
            let Some(gate) = gate else { continue };
            let id = &gate.common.id;
            if let Err(problem) = check_name(id) {
                self.error(
                    spans.key("id"),
                    format!("gate id `{id}` {problem}; ids are {NAME_RULE}, as they name files"),
                );
            } else if !seen.insert(id.clone()) {
                self.error(spans.key("id"), format!("duplicate gate id `{id}`"));
            } else if let Some(first) = folded.insert(id.to_ascii_lowercase(), id.clone()) {
                self.error(spans.key("id"), format!("gate id `{id}` differs from `{first}` only in case; ids name files, and some file systems do not tell them apart"));
            }
            if gate.common.phases.is_empty() {
                let message = format!(
                    "gate `{id}` belongs to no phase; expected `phases` with one or more of {}",
                    quoted(&KNOWN_PHASES)
                );
                self.error(spans.key("phases"), message);
            }
            for phase in &gate.common.phases {
                if !KNOWN_PHASES.contains(&phase.as_str()) {
                    let message = format!(
                        "gate `{id}`: unknown phase `{phase}`; expected one of {}",
                        quoted(&KNOWN_PHASES)
                    );
                    self.error(spans.key("phases"), message);
                }
            }
            const MAX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(86_400);
            if gate
                .common
                .timeout
                .is_some_and(|t| t.get().is_zero() || t.get() > MAX_TIMEOUT)
            {
                self.error(
                    spans.key("timeout"),
                    format!("gate `{id}`: `timeout` must be longer than zero and at most 24h"),
                );
            }
            let what = format!("gate `{id}`");
            self.known_environments(
                plan,
                spans.key("environments"),
                &what,
                gate.common.environments.as_deref(),
            );
            match &gate.spec {
                GateKindSpec::Env(spec) => {
                    self.validate_env(plan, id, spec, spans);
                    // Other kinds check their window when built, below; env gates are not built
                    // here, so theirs is checked on its own.
                    if let Some(Err(problem)) = gate.common.sustain.as_ref().map(|w| w.validate()) {
                        self.error(
                            spans.key("sustain"),
                            format!("gate `{id}`: sustain: {problem}"),
                        );
                    }
                }
                // Every other kind is checked by building it.
                _ => {
                    let named_well = self.check_variables(id, &gate.spec, spans);
                    if named_well
                        && !text_problems.contains(&index)
                        && let Err(problem) = gate.build_gate()
                    {
                        self.error(spans.gate.clone(), format!("gate `{id}`: {problem}"));
                    }
                }
            }
            for (key, template) in gate.spec.unit().url_templates() {
                if let Err(problem) = checks::url_template(template) {
                    self.error(spans.key(key), format!("gate `{id}`: `{key}` {problem}"));
                }
            }
            if let GateKindSpec::Http(spec) = &gate.spec {
                self.check_headers(id, spec, spans);
            }
            if let Some(token) = gate.spec.unit().token()
                && !plan.tokens.contains_key(token)
            {
                let known: Vec<&str> = plan.tokens.keys().map(String::as_str).collect();
                let message = format!(
                    "gate `{id}` uses token `{token}`, which `[tokens]` does not declare; expected one of {}",
                    quoted(&known)
                );
                self.error(spans.key("token"), message);
            }
        }
    }

    /// The variables a gate names besides an env gate's (command `env` keys, `basic_auth`),
    /// each reported where it is written. Returns whether all are variable names.
    fn check_variables(&mut self, id: &str, spec: &GateKindSpec, spans: &GateSpans) -> bool {
        let named = spec.unit().named_variables().into_iter().map(|v| {
            let at = match v.at {
                Written::Entry { path, name } => spans.entry(path, name),
                Written::Value { path, name } => spans.value(path, name),
            };
            (v.what, v.name, at)
        });
        let mut well = true;
        for (what, name, at) in named {
            if let Err(problem) = check_variable_name(name) {
                well = false;
                let message = not_a_variable(&format!("gate `{id}`: {what}"), name, &problem);
                self.error(at, message);
            }
        }
        well
    }

    /// The headers an HTTP gate sends and expects, each reported where it is named.
    fn check_headers(
        &mut self,
        id: &str,
        spec: &crate::gates::http::HttpGateSpec,
        spans: &GateSpans,
    ) {
        let sent = spec
            .headers
            .iter()
            .map(|(name, value)| ("headers", "", name, checks::sent_header(name, value)));
        let expected = spec.expect.headers.iter().map(|(name, value)| {
            let problem = checks::expected_header(name, value);
            ("expect.headers", "`expect`: ", name, problem)
        });
        for (path, what, name, problem) in sent.chain(expected).collect::<Vec<_>>() {
            let (at, problem) = match problem {
                Ok(()) => continue,
                Err(checks::HeaderProblem::Name(problem)) => (spans.entry(path, name), problem),
                Err(checks::HeaderProblem::Value(problem)) => (spans.value(path, name), problem),
            };
            self.error(at, format!("gate `{id}`: {what}{problem}"));
        }
    }

    fn validate_env(&mut self, plan: &Plan, id: &str, spec: &EnvGateSpec, spans: &GateSpans) {
        if spec.vars.is_empty() {
            self.error(
                spans.key("vars"),
                format!("gate `{id}` checks no variables; add `[[gates.vars]]` entries"),
            );
        }
        let mut names = BTreeSet::new();
        let mut badly_named = BTreeSet::new();
        for (index, var) in spec.vars.iter().enumerate() {
            let at = spans.var(index);
            if var.name.is_empty() {
                badly_named.insert(index);
                self.error(
                    at.clone(),
                    format!("gate `{id}`: a variable has an empty `name`"),
                );
            } else if let Err(problem) = check_variable_name(&var.name) {
                badly_named.insert(index);
                let message = not_a_variable(&format!("gate `{id}`"), &var.name, &problem);
                self.error(spans.var_name(index), message);
            } else if !names.insert(var.name.as_str()) {
                self.error(
                    at.clone(),
                    format!("gate `{id}`: variable `{}` is listed twice", var.name),
                );
            }
            let what = format!("gate `{id}`, variable `{}`", var.name);
            self.known_environments(plan, at, &what, var.environments.as_deref());
        }
        // The gate refuses a bad name too (for library users); it is reported above already.
        if let Err(err) = EnvGate::new(GateInfo::new(id, "env"), spec.clone())
            && !badly_named.contains(&err.index)
        {
            self.error(spans.var(err.index), format!("gate `{id}`: {err}"));
        }
    }

    fn known_environments(
        &mut self,
        plan: &Plan,
        at: Range<usize>,
        what: &str,
        envs: Option<&[String]>,
    ) {
        for env in envs.unwrap_or_default() {
            if !plan.environments.contains_key(env) {
                let known: Vec<&str> = plan.environments.keys().map(String::as_str).collect();
                self.error(at.clone(), format!("{what} names environment `{env}`, which is not declared; expected one of {}", quoted(&known)));
            }
        }
    }
}

/// The message for a variable name that is not one.
fn not_a_variable(what: &str, name: &str, problem: &crate::names::NameProblem) -> String {
    format!(
        "{what}: `{}` is not a variable name: it {problem}; variable names are {VARIABLE_RULE}",
        escaped(name)
    )
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a kind's settings through the loader, which reports their mistakes with positions.
struct Reading<'l, 's> {
    loader: &'l mut Loader<'s>,
    rest: Spanned<DeValue<'s>>,
}

impl ReadSpec for Reading<'_, '_> {
    fn read<T: serde::de::DeserializeOwned>(self) -> Option<T> {
        self.loader.deserialize(self.rest)
    }
}
