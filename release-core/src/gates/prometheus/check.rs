use serde_json::Value;

use super::relative::RelativeRule;
use super::spec::{NoData, PrometheusGateSpec};
use crate::clients::prometheus::{
    PrometheusError, QueryAnswer, QueryResult, parse_answer, query_request,
};
use crate::gate::worst;
use crate::gate::{
    Context, Evaluation, Evidence, Gate, GateInfo, Observation, Threshold, ThresholdLevel, Verdict,
};
use crate::net::RetryPolicy;
use crate::net::check_retries;
use crate::probe::{self, exchange_evidence, request_auth};
use crate::text::{clip, plain, whole};

/// The measurement a later run's baseline reads: `<gate id>.value`.
pub(crate) const VALUE_MEASUREMENT: &str = "value";

/// One PromQL query, one number, judged against absolute levels (`warn_above`,
/// `fail_above`, `warn_below`, `fail_below`) and against the baseline (`relative`), with an
/// explicit policy for no data. Every observation carries the value with its threshold, and
/// the baseline and its source when there is one.
///
/// ```
/// use release_core::gates::prometheus::{PrometheusGate, PrometheusGateSpec};
/// use release_core::GateInfo;
///
/// let spec: PrometheusGateSpec = toml::from_str(r#"
///     query = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))'
///     unit = "s"
///     warn_above = 0.3
///     fail_above = 0.8
/// "#).unwrap();
/// let gate = PrometheusGate::new(GateInfo::new("api-p95", "prometheus"), spec).unwrap();
/// ```
#[derive(Debug)]
pub struct PrometheusGate {
    info: GateInfo,
    spec: PrometheusGateSpec,
    relative_warn: Option<RelativeRule>,
    relative_fail: Option<RelativeRule>,
}

impl PrometheusGate {
    /// A gate from its spec; fails on an empty query, levels in the wrong order or a relative
    /// limit that does not parse.
    pub fn new(
        info: GateInfo,
        spec: PrometheusGateSpec,
    ) -> Result<Self, crate::errors::InvalidSpec> {
        Self::checked(info, spec).map_err(crate::errors::InvalidSpec::from)
    }

    fn checked(info: GateInfo, spec: PrometheusGateSpec) -> Result<Self, String> {
        if spec.query.trim().is_empty() {
            return Err("`query` is empty".to_owned());
        }
        check_retries(spec.retries)?;
        let levels = [
            ("warn_above", spec.warn_above),
            ("fail_above", spec.fail_above),
            ("warn_below", spec.warn_below),
            ("fail_below", spec.fail_below),
        ];
        if let Some((name, _)) = levels
            .iter()
            .find(|(_, v)| v.is_some_and(|v| !v.is_finite()))
        {
            return Err(format!("`{name}` must be a finite number"));
        }
        if let (Some(warn), Some(fail)) = (spec.warn_above, spec.fail_above)
            && warn > fail
        {
            return Err(format!(
                "`warn_above` ({warn}) is above `fail_above` ({fail})"
            ));
        }
        if let (Some(warn), Some(fail)) = (spec.warn_below, spec.fail_below)
            && warn < fail
        {
            return Err(format!(
                "`warn_below` ({warn}) is below `fail_below` ({fail})"
            ));
        }
        let parse = |rule: &Option<String>| {
            let rule = rule.as_deref().map(str::parse::<RelativeRule>).transpose();
            rule.map_err(|e| e.message)
        };
        let (relative_warn, relative_fail) = match &spec.relative {
            Some(limits) => (parse(&limits.warn)?, parse(&limits.fail)?),
            None => (None, None),
        };
        if levels.iter().all(|(_, v)| v.is_none())
            && relative_warn.is_none()
            && relative_fail.is_none()
        {
            return Err(
                "no threshold: set `warn_above`, `fail_above`, `warn_below`, `fail_below` or `relative`"
                    .to_owned(),
            );
        }
        Ok(Self {
            info,
            spec,
            relative_warn,
            relative_fail,
        })
    }

    fn key(&self) -> String {
        format!("{}.{VALUE_MEASUREMENT}", self.info.id)
    }

    fn unit(&self) -> Option<&str> {
        self.spec.unit.as_deref()
    }

    /// The absolute levels in words, e.g. `warn above 0.01, fail above 0.05`.
    fn levels(&self) -> String {
        let spec = &self.spec;
        let parts: Vec<String> = [
            ("warn above", spec.warn_above),
            ("fail above", spec.fail_above),
            ("warn below", spec.warn_below),
            ("fail below", spec.fail_below),
        ]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| format!("{name} {}", number(v))))
        .collect();
        if parts.is_empty() {
            "no absolute level".to_owned()
        } else {
            parts.join(", ")
        }
    }

    fn judge(&self, cx: &Context, value: f64) -> Vec<(Verdict, Observation)> {
        let spec = &self.spec;
        let observe = |expected: String, rule: &str| {
            let mut observation = Observation::new("value", number_json(value), expected, rule);
            observation.unit = self.unit().map(str::to_owned);
            observation
        };
        let mut findings = Vec::new();
        let absolute = if spec.fail_above.is_some_and(|l| value > l) {
            Some((Verdict::Fail, "fail_above"))
        } else if spec.fail_below.is_some_and(|l| value < l) {
            Some((Verdict::Fail, "fail_below"))
        } else if spec.warn_above.is_some_and(|l| value > l) {
            Some((Verdict::Warn, "warn_above"))
        } else if spec.warn_below.is_some_and(|l| value < l) {
            Some((Verdict::Warn, "warn_below"))
        } else {
            None
        };
        let has_absolute = [
            spec.warn_above,
            spec.fail_above,
            spec.warn_below,
            spec.fail_below,
        ]
        .iter()
        .any(Option::is_some);
        match absolute {
            Some((verdict, rule)) => findings.push((verdict, observe(self.levels(), rule))),
            None if has_absolute => {
                findings.push((Verdict::Pass, observe(self.levels(), "threshold")))
            }
            None => {}
        }
        if self.relative_warn.is_none() && self.relative_fail.is_none() {
            return findings;
        }
        let Some(baseline) = cx.baseline(&self.key()) else {
            findings.push((
                Verdict::Pass,
                Observation::new(
                    "baseline",
                    "none yet; this run's value becomes the next baseline",
                    "a baseline for the relative limits",
                    "relative",
                ),
            ));
            return findings;
        };
        for (verdict, rule, level) in [
            (Verdict::Fail, self.relative_fail, "relative.fail"),
            (Verdict::Warn, self.relative_warn, "relative.warn"),
        ] {
            let Some(rule) = rule else { continue };
            let expected = match rule.limit(baseline.value) {
                Some(limit) => format!(
                    "{rule} of the baseline {} ({}): {} {}",
                    number(baseline.value),
                    baseline.source,
                    rule.op(),
                    number(limit)
                ),
                None => format!(
                    "{rule} of the baseline {} ({}): a percentage of 0 is 0, so this rule judges nothing here; only absolute levels do",
                    number(baseline.value),
                    baseline.source
                ),
            };
            let breached = rule.breached(value, baseline.value);
            let mut observation = observe(expected, level).baseline(baseline.value);
            observation.unit = self.unit().map(str::to_owned);
            // A `%` rule over a zero baseline judges nothing; with no absolute level either,
            // nothing judged the value, and that is not a pass.
            let unjudged = rule.limit(baseline.value).is_none() && !has_absolute;
            let outcome = match (breached, unjudged) {
                (true, _) => verdict,
                (false, true) => Verdict::Inconclusive,
                (false, false) => Verdict::Pass,
            };
            findings.push((outcome, observation));
            if breached {
                break;
            }
        }
        findings
    }

    fn no_data(&self, why: String) -> Evaluation {
        let verdict = match self.spec.no_data {
            NoData::Fail => Verdict::Fail,
            NoData::Inconclusive => Verdict::Inconclusive,
            NoData::Warn => Verdict::Warn,
            NoData::Pass => Verdict::Pass,
        };
        let policy = format!("{:?}", self.spec.no_data).to_lowercase();
        Evaluation::new(verdict, format!("no data: {why} (no_data = \"{policy}\")")).observation(
            Observation::new("value", "no data", self.levels(), "no_data").unit_opt(self.unit()),
        )
    }

    /// The one number of an answer, or why there is none (`Ok(None)` is no data, with the
    /// reason), with evidence of every series it came from.
    fn value_of(
        &self,
        answer: &QueryAnswer,
        evidence: &mut Vec<Evidence>,
    ) -> Result<Result<f64, String>, String> {
        match &answer.result {
            QueryResult::Scalar(v) => Ok(finite_or_no_data(*v)),
            QueryResult::String(s) => Err(format!(
                "the query returned a string ({:?}), not a number",
                s.chars().take(60).collect::<String>()
            )),
            QueryResult::Matrix(series) => Err(format!(
                "the query returned a range vector ({} series); an instant query must return one number: drop the `[range]` selector or wrap it in a function such as `max_over_time`",
                series.len()
            )),
            QueryResult::Vector(series) => {
                if series.is_empty() {
                    return Ok(Err("the query returned no series".to_owned()));
                }
                if let Some(s) = series.iter().find(|s| s.value.is_none()) {
                    return Err(format!(
                        "series {} is a native histogram, not a number; use histogram_quantile or histogram_count",
                        s.describe()
                    ));
                }
                if series.len() > 1 {
                    for s in series.iter().take(20) {
                        evidence.push(Evidence::new(
                            "series",
                            format!(
                                "{} = {}",
                                s.describe(),
                                s.value.map_or("?".to_owned(), number)
                            ),
                        ));
                    }
                    if series.len() > 20 {
                        evidence.push(Evidence::new(
                            "series",
                            format!("… and {} more", series.len() - 20),
                        ));
                    }
                }
                let values: Vec<f64> = series.iter().filter_map(|s| s.value).collect();
                let Some(reduce) = self.spec.reduce else {
                    return match values.as_slice() {
                        [one] => Ok(finite_or_no_data(*one)),
                        _ => Err(format!(
                            "the query returned {} series; set `reduce` (max, min, sum, avg) or aggregate in the query, since the others would be ignored",
                            series.len()
                        )),
                    };
                };
                let usable: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
                if usable.len() < values.len() {
                    evidence.push(Evidence::new(
                        "NaN",
                        format!(
                            "{} of {} series are NaN and left out of `{}`",
                            values.len() - usable.len(),
                            values.len(),
                            reduce.name()
                        ),
                    ));
                }
                Ok(reduce
                    .apply(&usable)
                    .ok_or_else(|| "every series is NaN (a 0/0 ratio: no traffic?)".to_owned()))
            }
        }
    }
}

fn finite_or_no_data(value: f64) -> Result<f64, String> {
    if value.is_nan() {
        Err("the value is NaN (a 0/0 ratio: no traffic?)".to_owned())
    } else {
        Ok(value)
    }
}

use crate::number::{json as number_json, shortest as number};

trait UnitOpt {
    fn unit_opt(self, unit: Option<&str>) -> Self;
}

impl UnitOpt for Observation {
    fn unit_opt(mut self, unit: Option<&str>) -> Self {
        self.unit = unit.map(str::to_owned);
        self
    }
}

impl Gate for PrometheusGate {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        let template = self.spec.url.as_deref().unwrap_or("{prometheus_url}");
        let base = match cx.expand_url(template) {
            Ok(base) => base,
            Err(problem) => return probe::misconfigured("url", problem),
        };
        let mut request = query_request(&base, &self.spec.query);
        if let Err(problem) = request_auth(
            cx,
            &mut request,
            self.spec.token.as_deref(),
            self.spec.basic_auth.as_ref(),
        ) {
            return probe::misconfigured("auth", problem);
        }
        let policy = RetryPolicy {
            retries: self.spec.retries,
            ..RetryPolicy::default()
        };
        let budget = probe::Budget::start(self.info.timeout);
        // A query changes nothing: repeating it is safe although it goes by POST.
        let exchange = probe::send_idempotent(cx, request.clone(), policy, budget).await;
        let mut evidence = vec![Evidence::new("query", self.spec.query.clone())];
        evidence.extend(exchange_evidence("POST", &request, &exchange));
        let response = match &exchange.result {
            Ok(response) => response,
            Err(error) => {
                let mut evaluation = probe::no_response(cx, error, exchange.attempts, "prometheus")
                    .evidence(evidence);
                evaluation.attempts = exchange.attempts;
                return probe::explain(evaluation, &request, &exchange);
            }
        };
        let answer = match parse_answer(response) {
            Ok(answer) => answer,
            Err(error) => {
                let rule = match &error {
                    PrometheusError::Api { error_type, .. } => error_type.clone(),
                    PrometheusError::NotPrometheus { .. } => "not_prometheus".to_owned(),
                    PrometheusError::Malformed { .. } => "malformed".to_owned(),
                };
                // The summary is one line; the observation keeps Prometheus's whole message.
                let message = error.to_string();
                let mut evaluation = Evaluation::error(clip(&message))
                    .observation(Observation::new("query", whole(&message), "a result", rule))
                    .evidence(evidence);
                evaluation.attempts = exchange.attempts;
                return probe::explain(evaluation, &request, &exchange);
            }
        };
        for warning in &answer.warnings {
            evidence.push(Evidence::new("warning", warning.clone()));
        }
        for info in &answer.infos {
            evidence.push(Evidence::new("info", info.clone()));
        }
        let notes = match answer.warnings.len() {
            0 => String::new(),
            1 => " (Prometheus warned: see evidence)".to_owned(),
            n => format!(" ({n} warnings from Prometheus: see evidence)"),
        };
        let mut evaluation = match self.value_of(&answer, &mut evidence) {
            Err(problem) => Evaluation::error(problem.clone()).observation(Observation::new(
                "value",
                problem,
                "one number",
                "result",
            )),
            Ok(Err(why)) => self.no_data(why),
            Ok(Ok(value)) => {
                let findings = self.judge(cx, value);
                let verdict = worst(findings.iter().map(|(v, _)| *v));
                let unit = self.unit().map(|u| format!(" {u}")).unwrap_or_default();
                let summary = match findings
                    .iter()
                    .find(|(v, _)| *v == verdict && *v != Verdict::Pass)
                {
                    Some((_, o)) => format!(
                        "{}{unit}, {}",
                        number(value),
                        self.breach(&o.rule, &o.expected)
                    ),
                    None => format!("{}{unit} ({})", number(value), self.levels()),
                };
                let mut evaluation = Evaluation::new(verdict, summary)
                    .observations(findings.into_iter().map(|(_, o)| o));
                if value.is_finite() {
                    evaluation = evaluation.measurement(VALUE_MEASUREMENT, value, self.unit());
                }
                evaluation
            }
        }
        .evidence(evidence);
        evaluation.summary.push_str(&notes);
        evaluation.attempts = exchange.attempts;
        evaluation.thresholds = self.thresholds(cx);
        probe::explain(evaluation, &request, &exchange)
    }
}

impl PrometheusGate {
    /// Every level a value is judged against, as numbers: the absolute ones, and with a
    /// baseline, the baseline and the relative limits taken from it.
    fn thresholds(&self, cx: &Context) -> Vec<Threshold> {
        let spec = &self.spec;
        let mut thresholds: Vec<Threshold> = [
            (ThresholdLevel::Warn, "warn above", spec.warn_above),
            (ThresholdLevel::Fail, "fail above", spec.fail_above),
            (ThresholdLevel::Warn, "warn below", spec.warn_below),
            (ThresholdLevel::Fail, "fail below", spec.fail_below),
        ]
        .into_iter()
        .filter_map(|(level, label, value)| value.map(|v| Threshold::new(level, label, v)))
        .collect();
        let Some(baseline) = cx.baseline(&self.key()) else {
            return thresholds;
        };
        if self.relative_warn.is_none() && self.relative_fail.is_none() {
            return thresholds;
        }
        thresholds.push(Threshold::new(
            ThresholdLevel::Baseline,
            format!("baseline ({})", baseline.source),
            baseline.value,
        ));
        for (level, name, rule) in [
            (ThresholdLevel::Warn, "relative warn", self.relative_warn),
            (ThresholdLevel::Fail, "relative fail", self.relative_fail),
        ] {
            if let Some(rule) = rule
                && let Some(limit) = rule.limit(baseline.value)
            {
                thresholds.push(Threshold::new(level, format!("{name} ({rule})"), limit));
            }
        }
        thresholds
    }

    /// Which level a value broke, e.g. `above fail_above 0.05`.
    fn breach(&self, rule: &str, expected: &Value) -> String {
        let spec = &self.spec;
        let level = |name: &str, level: Option<f64>, side: &str| {
            level.map_or_else(
                || name.to_owned(),
                |l| format!("{side} {name} {}", number(l)),
            )
        };
        match rule {
            "fail_above" => level(rule, spec.fail_above, "above"),
            "warn_above" => level(rule, spec.warn_above, "above"),
            "fail_below" => level(rule, spec.fail_below, "below"),
            "warn_below" => level(rule, spec.warn_below, "below"),
            _ => format!("breaks {rule}: {}", plain(expected)),
        }
    }
}
