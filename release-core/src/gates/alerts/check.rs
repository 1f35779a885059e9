use super::spec::AlertsGateSpec;
use crate::clients::alertmanager::{Alert, alerts_request, parse_alerts};
use crate::gate::{Context, Evaluation, Evidence, Gate, GateInfo, Observation, Verdict};
use crate::net::RetryPolicy;
use crate::net::check_retries;
use crate::probe::{self, exchange_evidence, request_auth};
use crate::text::clip;

/// Active alerts in Alertmanager: at or above `fail_severity` they fail, from
/// `min_severity` up they warn; suppressed ones (silenced, inhibited, muted) and ignored
/// names are listed as evidence but do not count.
///
/// ```
/// use release_core::gates::alerts::{AlertsGate, AlertsGateSpec};
/// use release_core::GateInfo;
///
/// let spec: AlertsGateSpec = toml::from_str(r#"filters = ['env="production"']"#).unwrap();
/// let gate = AlertsGate::new(GateInfo::new("firing-alerts", "alerts"), spec).unwrap();
/// ```
#[derive(Debug)]
pub struct AlertsGate {
    info: GateInfo,
    spec: AlertsGateSpec,
    min_rank: usize,
    fail_rank: usize,
}

impl AlertsGate {
    /// A gate from its spec; fails when a severity is not in `severities` or the levels are
    /// in the wrong order.
    pub fn new(info: GateInfo, spec: AlertsGateSpec) -> Result<Self, crate::errors::InvalidSpec> {
        Self::checked(info, spec).map_err(crate::errors::InvalidSpec::from)
    }

    fn checked(info: GateInfo, spec: AlertsGateSpec) -> Result<Self, String> {
        check_retries(spec.retries)?;
        if spec.severities.is_empty() {
            return Err("`severities` is empty".to_owned());
        }
        let rank = |name: &str, field: &str| {
            spec.severities
                .iter()
                .position(|s| s.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!(
                        "`{field}` is {name:?}, which `severities` ({}) does not list",
                        spec.severities.join(", ")
                    )
                })
        };
        let min_rank = rank(&spec.min_severity, "min_severity")?;
        let fail_rank = rank(&spec.fail_severity, "fail_severity")?;
        if min_rank > fail_rank {
            return Err(format!(
                "`min_severity` ({}) is above `fail_severity` ({})",
                spec.min_severity, spec.fail_severity
            ));
        }
        if let Some(filter) = spec.filters.iter().find(|f| !is_matcher(f)) {
            return Err(format!(
                "filter {filter:?} is not a matcher such as `env=\"production\"` or `service=~\"api|web\"`"
            ));
        }
        Ok(Self {
            info,
            spec,
            min_rank,
            fail_rank,
        })
    }

    /// The order the gate judged by, in words: `none < info < warning < critical (the default);
    /// counted from warning, failing from critical`.
    fn severity_order(&self) -> String {
        let whose = match self.spec.severities == super::spec::default_severities() {
            true => "the default",
            false => "the plan's",
        };
        format!(
            "{} ({whose}); counted from {}, failing from {}; another severity counts as {}",
            self.spec.severities.join(" < "),
            self.spec.min_severity,
            self.spec.fail_severity,
            self.spec.fail_severity
        )
    }

    /// An alert's severity rank; unknown or missing severities count as the fail level.
    fn rank(&self, alert: &Alert) -> (usize, String) {
        match alert.labels.get("severity") {
            Some(severity) => match self
                .spec
                .severities
                .iter()
                // Read as every status word is: case and surrounding whitespace mean nothing.
                .position(|s| s.eq_ignore_ascii_case(severity.trim()))
            {
                Some(rank) => (rank, severity.clone()),
                None => (
                    self.fail_rank,
                    format!(
                        "{severity} (unknown, counted as {})",
                        self.spec.fail_severity
                    ),
                ),
            },
            None => (
                self.fail_rank,
                format!("no severity (counted as {})", self.spec.fail_severity),
            ),
        }
    }
}

/// A matcher as Alertmanager reads one: a label (bare, or quoted for UTF-8 names), an
/// operator (`=`, `!=`, `=~`, `!~`) and a value, quoted or not. Anything subtler is left to
/// Alertmanager, whose 400 names the problem.
fn is_matcher(text: &str) -> bool {
    let Some(at) = text.find(['=', '!']) else {
        return false;
    };
    let (label, rest) = text.split_at(at);
    let label = label.trim();
    let has_op = ["=~", "!~", "!=", "="]
        .iter()
        .any(|op| rest.starts_with(op));
    let label_ok = (label.len() >= 2 && label.starts_with('"') && label.ends_with('"'))
        || (!label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    has_op && label_ok
}

impl Gate for AlertsGate {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        let template = self.spec.url.as_deref().unwrap_or("{alertmanager_url}");
        let base = match cx.expand_url(template) {
            Ok(base) => base,
            Err(problem) => return probe::misconfigured("url", problem),
        };
        let mut request = alerts_request(&base, &self.spec.filters, self.spec.receiver.as_deref());
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
        let exchange = probe::send(cx, request.clone(), policy, budget).await;
        let mut evidence = exchange_evidence("GET", &request, &exchange);
        evidence.push(Evidence::new("severity order", self.severity_order()));
        if !self.spec.filters.is_empty() {
            evidence.push(Evidence::new("filters", self.spec.filters.join(", ")));
        }
        let response = match &exchange.result {
            Ok(response) => response,
            Err(error) => {
                let mut evaluation =
                    probe::no_response(cx, error, exchange.attempts, "alertmanager")
                        .evidence(evidence);
                evaluation.attempts = exchange.attempts;
                return probe::explain(evaluation, &request, &exchange);
            }
        };
        let alerts = match parse_alerts(response) {
            Ok(alerts) => alerts,
            Err(error) => {
                let message = error.to_string();
                let mut evaluation = Evaluation::error(clip(&message))
                    .observation(Observation::new(
                        "alerts",
                        crate::text::whole(&message),
                        "the list of alerts",
                        "response",
                    ))
                    .evidence(evidence);
                evaluation.attempts = exchange.attempts;
                return probe::explain(evaluation, &request, &exchange);
            }
        };

        let mut observations = Vec::new();
        let mut verdicts = Vec::new();
        let mut counted = Vec::new();
        let (mut suppressed, mut ignored) = (0, 0);
        for alert in &alerts {
            let name = alert.name();
            let (rank, severity) = self.rank(alert);
            let since = alert.starts_at.as_deref().unwrap_or("an unknown time");
            let about = alert
                .annotations
                .get("summary")
                .map(|s| format!(": {}", clip(s)))
                .unwrap_or_default();
            if alert.status.is_suppressed() {
                suppressed += 1;
                evidence.push(Evidence::new(
                    "suppressed",
                    format!(
                        "{name} ({severity}), {}{about}",
                        alert.status.suppressed_by()
                    ),
                ));
                continue;
            }
            if self.spec.ignore.contains(&name) {
                ignored += 1;
                evidence.push(Evidence::new(
                    "ignored",
                    format!("{name} ({severity}), by the plan"),
                ));
                continue;
            }
            if rank < self.min_rank {
                ignored += 1;
                evidence.push(Evidence::new(
                    "below min_severity",
                    format!("{name} ({severity}) firing since {since}{about}"),
                ));
                continue;
            }
            let verdict = if rank >= self.fail_rank {
                Verdict::Fail
            } else {
                Verdict::Warn
            };
            verdicts.push(verdict);
            counted.push(format!("{name} ({severity})"));
            let rule = format!(
                "severity.{}",
                if verdict == Verdict::Fail {
                    "fail"
                } else {
                    "warn"
                }
            );
            observations.push(Observation::new(
                name,
                format!("{} since {since}{about}", alert.status.state),
                format!("not firing at {} or above", self.spec.min_severity),
                rule,
            ));
        }
        let verdict = if verdicts.contains(&Verdict::Fail) {
            Verdict::Fail
        } else if verdicts.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Warn
        };
        let mut aside = Vec::new();
        if suppressed > 0 {
            aside.push(format!("{suppressed} suppressed"));
        }
        if ignored > 0 {
            aside.push(format!("{ignored} not counted"));
        }
        let aside = if aside.is_empty() {
            String::new()
        } else {
            format!(" ({})", aside.join(", "))
        };
        // A storm of alerts must not become a report of thousands of lines: the first ones
        // are named, the rest counted.
        const NAMED: usize = 5;
        const OBSERVED: usize = 50;
        let mut names = counted
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if counted.len() > NAMED {
            names.push_str(&format!(" and {} more", counted.len() - NAMED));
        }
        let summary = match counted.len() {
            0 => format!("no alert firing{aside}"),
            1 => format!("1 alert firing: {names}{aside}"),
            n => format!("{n} alerts firing: {names}{aside}"),
        };
        if observations.len() > OBSERVED {
            let more = observations.len() - OBSERVED;
            observations.truncate(OBSERVED);
            observations.push(Observation::new(
                "more alerts",
                format!("{more} more firing"),
                "none",
                "severity",
            ));
        }
        evidence.truncate(OBSERVED * 2);
        let mut evaluation = Evaluation::new(verdict, summary)
            .observations(observations)
            .evidence(evidence)
            .measurement("firing_alerts", counted.len() as f64, None);
        evaluation.attempts = exchange.attempts;
        probe::explain(evaluation, &request, &exchange)
    }
}
