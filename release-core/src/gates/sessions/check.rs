use jiff::Timestamp;
use serde_json::Value;

use super::spec::SessionsGateSpec;
use crate::clients::{HttpRequest, RetryPolicy};
use crate::duration::format_duration;
use crate::gate::{Context, Evaluation, Evidence, Gate, GateInfo, Observation, Verdict};
use crate::gates::ai_runtime::parse_json;
use crate::gates::http::exchange;
use crate::gates::http::worst;

const SESSIONS_PATH: &str = "{api_url}/api/admin/agent-gateway/sessions?source=db&limit=20";

/// The measurement a later run's baseline reads.
pub const STALE_MEASUREMENT: &str = "stale_active_sessions";

/// Stale active sessions in the gateway's sample, against absolute limits and growth over the
/// baseline (`cx.baseline("<gate id>.stale_active_sessions")`). Without a baseline only the
/// absolute limits apply, and the count recorded becomes the next run's baseline.
///
/// ```
/// use release_core::gates::sessions::{SessionsGate, SessionsGateSpec};
/// let spec: SessionsGateSpec = toml::from_str("stale_after = '15m'\nmax_stale = { warn = 2, fail = 5 }").unwrap();
/// let gate = SessionsGate::new(release_core::GateInfo::new("sessions", "sessions"), spec).unwrap();
/// ```
#[derive(Debug)]
pub struct SessionsGate {
    info: GateInfo,
    spec: SessionsGateSpec,
}

impl SessionsGate {
    /// A gate from its spec; limits must be ordered (`warn` not above `fail`).
    pub fn new(info: GateInfo, spec: SessionsGateSpec) -> Result<Self, String> {
        crate::gates::http::check_retries(spec.retries)?;
        if spec.max_stale.warn.is_none() && spec.max_stale.fail.is_none() {
            // Without an absolute limit, the first run (no baseline yet) could never fail.
            return Err("set `max_stale.warn` or `max_stale.fail`: an absolute limit applies until a baseline exists".to_owned());
        }
        const MAX_STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(30 * 86_400);
        if spec.stale_after.get() > MAX_STALE_AFTER || spec.stale_after.get().is_zero() {
            return Err("`stale_after` must be longer than zero and at most 30 days".to_owned());
        }
        if let (Some(warn), Some(fail)) = (spec.max_stale.warn, spec.max_stale.fail)
            && warn > fail
        {
            return Err(format!(
                "max_stale.warn ({warn}) is above max_stale.fail ({fail})"
            ));
        }
        let g = spec.growth;
        if let (Some(warn), Some(fail)) = (g.warn, g.fail)
            && warn > fail
        {
            return Err(format!(
                "growth.warn ({warn}) is above growth.fail ({fail})"
            ));
        }
        if let (Some(warn), Some(fail)) = (g.warn_percent, g.fail_percent)
            && warn > fail
        {
            return Err(format!(
                "growth.warn_percent ({warn}) is above growth.fail_percent ({fail})"
            ));
        }
        if [g.warn_percent, g.fail_percent]
            .into_iter()
            .flatten()
            .any(|p| !p.is_finite() || p < 0.0)
        {
            return Err("growth percentages must be finite and not negative".to_owned());
        }
        Ok(Self { info, spec })
    }

    fn key(&self) -> String {
        format!("{}.{STALE_MEASUREMENT}", self.info.id)
    }
}

/// What the sample held.
struct Sample {
    sampled: usize,
    active: usize,
    stale: usize,
    undated: usize,
    unknown_status: usize,
    total: Option<u64>,
    /// The endpoint's own count of active sessions, when it gives one.
    reported_active: Option<u64>,
}

fn read_sample(
    body: &Value,
    now: Timestamp,
    stale_after: std::time::Duration,
) -> Result<Sample, String> {
    let sessions = body
        .get("sessions")
        .and_then(Value::as_array)
        .ok_or("no `sessions` array")?;
    let cutoff = now
        .checked_sub(jiff::SignedDuration::try_from(stale_after).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let mut sample = Sample {
        sampled: sessions.len(),
        active: 0,
        stale: 0,
        undated: 0,
        unknown_status: 0,
        total: body.get("total").and_then(Value::as_u64),
        reported_active: body.get("active").and_then(Value::as_u64),
    };
    for session in sessions {
        let Some(status) = session.get("status").and_then(Value::as_str) else {
            // A session whose status cannot be read might be an active one.
            sample.unknown_status += 1;
            continue;
        };
        if !status.eq_ignore_ascii_case("active") {
            continue;
        }
        sample.active += 1;
        match session
            .get("lastActivityAt")
            .and_then(Value::as_str)
            .map(str::parse::<Timestamp>)
        {
            Some(Ok(at)) if at < cutoff => sample.stale += 1,
            Some(Ok(_)) => {}
            Some(Err(_)) | None => sample.undated += 1,
        }
    }
    Ok(sample)
}

impl Gate for SessionsGate {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        let url = match cx.expand_url(self.spec.url.as_deref().unwrap_or(SESSIONS_PATH)) {
            Ok(url) => url,
            Err(e) => return exchange::misconfigured("url", e),
        };
        let mut request = HttpRequest::get(url);
        request.bearer = match cx.token(&self.spec.token) {
            Ok(token) => Some(token),
            Err(e) => return exchange::misconfigured("token", e),
        };
        let policy = RetryPolicy {
            retries: self.spec.retries,
            ..RetryPolicy::default()
        };
        let budget = exchange::Budget::start(self.info.timeout);
        let exchange = exchange::send(cx, request.clone(), policy, budget).await;
        let attempts = exchange.attempts;
        let mut evaluation = match &exchange.result {
            Err(e) => exchange::no_response(cx, e, attempts, "sessions"),
            Ok(response) if !(200..300).contains(&response.status) => Evaluation::fail(
                exchange::status_said(cx, response),
            )
            .observation(Observation::new("status", response.status, "2xx", "status")),
            Ok(response) => match parse_json(response)
                .and_then(|body| read_sample(&body, cx.now(), self.spec.stale_after.get()))
            {
                Err(why) => {
                    Evaluation::error(format!("unreadable sessions sample: {why}")).observation(
                        Observation::new("sessions", why, "a sessions sample", "json"),
                    )
                }
                Ok(sample) => self.judge(cx, &sample),
            },
        };
        evaluation.attempts = attempts;
        exchange::explain(evaluation, &request, &exchange)
    }
}

impl SessionsGate {
    fn judge(&self, cx: &Context, sample: &Sample) -> Evaluation {
        if sample.sampled == 0 && sample.reported_active.is_some_and(|a| a > 0) {
            let active = sample.reported_active.unwrap_or_default();
            return Evaluation::inconclusive(format!(
                "the endpoint reports {active} active sessions but sampled none"
            ))
            .observation(Observation::new(
                "sessions",
                "an empty sample",
                format!("a sample of the {active} active sessions"),
                "no_data",
            ));
        }
        let stale = sample.stale as u64;
        let stale_after = format_duration(self.spec.stale_after.get());
        let mut findings: Vec<(Verdict, Observation)> = Vec::new();
        let limits = self.spec.max_stale;
        let observe = |expected: String, rule: &str| {
            Observation::new(STALE_MEASUREMENT, stale, expected, rule)
        };
        if let Some(fail) = limits.fail.filter(|f| stale > *f) {
            findings.push((
                Verdict::Fail,
                observe(format!("<= {fail}"), "max_stale.fail"),
            ));
        } else if let Some(warn) = limits.warn.filter(|w| stale > *w) {
            findings.push((
                Verdict::Warn,
                observe(format!("<= {warn}"), "max_stale.warn"),
            ));
        }
        let mut evidence = vec![Evidence::new(
            "sample",
            format!(
                "{} sessions sampled{}, {} active, {} stale (no activity for {stale_after})",
                sample.sampled,
                sample.total.map(|t| format!(" of {t}")).unwrap_or_default(),
                sample.active,
                stale
            ),
        )];
        match cx.baseline(&self.key()) {
            None => evidence.push(Evidence::new(
                "baseline",
                "none yet; this run's count becomes the next baseline",
            )),
            Some(baseline) => {
                evidence.push(Evidence::new(
                    "baseline",
                    format!(
                        "{} from {}",
                        crate::number::shortest(baseline.value),
                        baseline.source
                    ),
                ));
                findings.extend(self.growth_findings(stale as f64, baseline));
            }
        }
        if sample.unknown_status > 0 {
            findings.push((
                Verdict::Warn,
                Observation::new(
                    "sessions.status",
                    format!("missing on {} sessions", sample.unknown_status),
                    "a status string",
                    "json",
                ),
            ));
        }
        if sample.undated > 0 {
            // Missing data is never a silent pass: active sessions whose activity cannot be
            // read might be stale.
            findings.push((
                Verdict::Warn,
                Observation::new(
                    "sessions.lastActivityAt",
                    format!(
                        "missing or unreadable on {} active sessions",
                        sample.undated
                    ),
                    "an RFC 3339 time",
                    "json",
                ),
            ));
        }
        let verdict = worst(findings.iter().map(|(v, _)| *v));
        let summary = if findings.is_empty() {
            format!("{stale} stale of {} active sessions", sample.active)
        } else {
            let first = findings.iter().find(|(v, _)| *v == verdict).map(|(_, o)| o);
            match first {
                Some(o) => format!(
                    "{stale} stale active sessions ({}: expected {})",
                    o.rule,
                    crate::gates::http::plain(&o.expected)
                ),
                None => format!("{stale} stale active sessions"),
            }
        };
        Evaluation::new(verdict, summary)
            .observations(findings.into_iter().map(|(_, o)| o))
            .evidence(evidence)
            .measurement(STALE_MEASUREMENT, stale as f64, None)
    }

    fn growth_findings(
        &self,
        stale: f64,
        baseline: &crate::gate::Baseline,
    ) -> Vec<(Verdict, Observation)> {
        let g = self.spec.growth;
        let growth = stale - baseline.value;
        // A zero baseline counts as 1 for percentages (see `GrowthLimits`): 0 -> 3 is +200%.
        let base = baseline.value.max(1.0);
        let percent = (stale - base) / base * 100.0;
        let observe = |expected: String, rule: &str| {
            Observation::new(STALE_MEASUREMENT, stale, expected, rule).baseline(baseline.value)
        };
        let mut findings = Vec::new();
        let over = |limit: Option<u64>| limit.filter(|l| growth > *l as f64);
        let over_pct = |limit: Option<f64>| limit.filter(|l| percent > *l);
        if let Some(fail) = over(g.fail) {
            findings.push((
                Verdict::Fail,
                observe(format!("at most +{fail} over the baseline"), "growth.fail"),
            ));
        } else if let Some(warn) = over(g.warn) {
            findings.push((
                Verdict::Warn,
                observe(format!("at most +{warn} over the baseline"), "growth.warn"),
            ));
        }
        if let Some(fail) = over_pct(g.fail_percent) {
            findings.push((
                Verdict::Fail,
                observe(
                    format!("at most +{fail}% over the baseline"),
                    "growth.fail_percent",
                ),
            ));
        } else if let Some(warn) = over_pct(g.warn_percent) {
            findings.push((
                Verdict::Warn,
                observe(
                    format!("at most +{warn}% over the baseline"),
                    "growth.warn_percent",
                ),
            ));
        }
        findings
    }
}
