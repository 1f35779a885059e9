use jiff::Timestamp;
use serde_json::Value;

use super::spec::SessionsGateSpec;
use crate::duration::format_duration;
use crate::gate::worst;
use crate::gate::{Context, Evaluation, Evidence, Gate, GateInfo, Observation, Verdict};
use crate::net::{HttpRequest, RetryPolicy};
use crate::probe::{self, parse_json};

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
    pub fn new(info: GateInfo, spec: SessionsGateSpec) -> Result<Self, crate::errors::InvalidSpec> {
        Self::checked(info, spec).map_err(crate::errors::InvalidSpec::from)
    }

    fn checked(info: GateInfo, spec: SessionsGateSpec) -> Result<Self, String> {
        crate::net::check_retries(spec.retries)?;
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

/// How far ahead of this machine's clock a session's `lastActivityAt` may be and still be read
/// as "just now": clocks of two machines differ by a little. Further ahead, the time says
/// nothing about how long the session has been idle.
const CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Status words of sessions that are over, compared as health statuses are: ignoring case
/// and surrounding whitespace, `-` read as `_`. `active` is the one the gate judges; a word
/// in neither is a status the gate cannot judge.
const INACTIVE: &[&str] = &[
    "ended",
    "closed",
    "completed",
    "complete",
    "expired",
    "terminated",
    "cancelled",
    "canceled",
    "failed",
    "inactive",
    "archived",
    "abandoned",
    "timed_out",
];

/// What a session's status says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Active,
    Over,
    /// A word the gate does not know, as written (escaped for a message).
    Unknown(String),
    /// No status, or one that is not a string: what it is instead.
    Unreadable(&'static str),
}

impl Status {
    fn of(value: Option<&Value>) -> Self {
        match value {
            Some(Value::String(text)) => {
                let word = text.trim().to_ascii_lowercase().replace('-', "_");
                if word == "active" {
                    Status::Active
                } else if INACTIVE.contains(&word.as_str()) {
                    Status::Over
                } else {
                    Status::Unknown(crate::names::escaped(text).into_owned())
                }
            }
            Some(other) => Status::Unreadable(crate::net::shape::kind(other)),
            None => Status::Unreadable("missing"),
        }
    }
}

/// What a session's `lastActivityAt` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activity {
    Stale,
    Fresh,
    /// More than [`CLOCK_SKEW`] ahead of the clock.
    Future,
    /// Missing, not a string, or not an RFC 3339 time.
    Unreadable,
}

impl Activity {
    fn of(value: Option<&Value>, now: Timestamp, cutoff: Timestamp) -> Self {
        let Some(at) = value
            .and_then(Value::as_str)
            .and_then(|text| text.trim().parse::<Timestamp>().ok())
        else {
            return Activity::Unreadable;
        };
        let ahead = now
            .checked_add(jiff::SignedDuration::from_secs(CLOCK_SKEW.as_secs() as i64))
            .unwrap_or(now);
        if at > ahead {
            Activity::Future
        } else if at < cutoff {
            Activity::Stale
        } else {
            Activity::Fresh
        }
    }
}

/// What the sample held.
#[derive(Debug, Default)]
struct Sample {
    sampled: usize,
    active: usize,
    stale: usize,
    /// Active sessions whose `lastActivityAt` cannot be read.
    undated: usize,
    /// Active sessions whose `lastActivityAt` is ahead of the clock.
    future: usize,
    /// Status words the gate does not know, with how many sessions had each, in order.
    unknown_words: Vec<(String, usize)>,
    /// Sessions whose status is missing or not a string, by what it is instead.
    unreadable_status: Vec<(&'static str, usize)>,
    /// Sessions the gate cannot judge that could be stale active ones: an unknown or
    /// unreadable status on a session idle past the limit (or of unknown idleness), and
    /// active sessions whose idleness cannot be read.
    doubtful: usize,
    total: Option<u64>,
    /// The endpoint's own count of active sessions, when it gives one.
    reported_active: Option<u64>,
}

fn count<K: PartialEq>(counts: &mut Vec<(K, usize)>, key: K) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => counts.push((key, 1)),
    }
}

impl Sample {
    /// Sessions the gate could not judge, in words: `status \`busy\` on 5 sessions`,
    /// `lastActivityAt in the future on 1 active session`.
    fn unjudged(&self) -> Vec<String> {
        let sessions = |n: usize| if n == 1 { "session" } else { "sessions" };
        let mut said: Vec<String> = self
            .unknown_words
            .iter()
            .map(|(word, n)| format!("status `{word}` on {n} {}", sessions(*n)))
            .collect();
        said.extend(self.unreadable_status.iter().map(|(what, n)| match *what {
            "missing" => format!("status missing on {n} {}", sessions(*n)),
            what => format!("status {what}, not a string, on {n} {}", sessions(*n)),
        }));
        if self.undated > 0 {
            said.push(format!(
                "lastActivityAt missing or unreadable on {} active {}",
                self.undated,
                sessions(self.undated)
            ));
        }
        if self.future > 0 {
            said.push(format!(
                "lastActivityAt in the future on {} active {}",
                self.future,
                sessions(self.future)
            ));
        }
        said
    }
}

impl Sample {
    /// A warning for each kind of session the gate could not judge, with its count.
    fn unjudged_findings(&self) -> Vec<(Verdict, Observation)> {
        let sessions = |n: usize| if n == 1 { "session" } else { "sessions" };
        let mut found = Vec::new();
        for (word, n) in &self.unknown_words {
            found.push(Observation::new(
                "sessions.status",
                format!("`{word}` on {n} {}", sessions(*n)),
                format!(
                    "active, or a status of a session that is over ({})",
                    INACTIVE.join(", ")
                ),
                "status",
            ));
        }
        for (what, n) in &self.unreadable_status {
            let observed = match *what {
                "missing" => format!("missing on {n} {}", sessions(*n)),
                what => format!("{what}, not a string, on {n} {}", sessions(*n)),
            };
            found.push(Observation::new(
                "sessions.status",
                observed,
                "a status string",
                "json",
            ));
        }
        if self.undated > 0 {
            found.push(Observation::new(
                "sessions.lastActivityAt",
                format!(
                    "missing or unreadable on {} active {}",
                    self.undated,
                    sessions(self.undated)
                ),
                "an RFC 3339 time",
                "json",
            ));
        }
        if self.future > 0 {
            found.push(Observation::new(
                "sessions.lastActivityAt",
                format!(
                    "in the future on {} active {}",
                    self.future,
                    sessions(self.future)
                ),
                format!(
                    "not more than {} ahead of this clock",
                    format_duration(CLOCK_SKEW)
                ),
                "clock",
            ));
        }
        found.into_iter().map(|o| (Verdict::Warn, o)).collect()
    }
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
        total: body.get("total").and_then(Value::as_u64),
        reported_active: body.get("active").and_then(Value::as_u64),
        ..Sample::default()
    };
    for session in sessions {
        let activity = Activity::of(session.get("lastActivityAt"), now, cutoff);
        // A session the gate cannot judge is counted and said, never dropped; it is doubtful
        // when it could be a stale active one.
        let could_be_stale = activity != Activity::Fresh;
        match Status::of(session.get("status")) {
            Status::Over => {}
            Status::Unknown(word) => {
                count(&mut sample.unknown_words, word);
                sample.doubtful += usize::from(could_be_stale);
            }
            Status::Unreadable(what) => {
                count(&mut sample.unreadable_status, what);
                sample.doubtful += usize::from(could_be_stale);
            }
            Status::Active => {
                sample.active += 1;
                match activity {
                    Activity::Stale => sample.stale += 1,
                    Activity::Fresh => {}
                    Activity::Future => {
                        sample.future += 1;
                        sample.doubtful += 1;
                    }
                    Activity::Unreadable => {
                        sample.undated += 1;
                        sample.doubtful += 1;
                    }
                }
            }
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
            Err(e) => return probe::misconfigured("url", e),
        };
        let mut request = HttpRequest::get(url);
        request.bearer = match cx.token(&self.spec.token) {
            Ok(token) => Some(token),
            Err(e) => return probe::misconfigured("token", e),
        };
        let policy = RetryPolicy {
            retries: self.spec.retries,
            ..RetryPolicy::default()
        };
        let budget = probe::Budget::start(self.info.timeout);
        let exchange = probe::send(cx, request.clone(), policy, budget).await;
        let attempts = exchange.attempts;
        let mut evaluation = match &exchange.result {
            Err(e) => probe::no_response(cx, e, attempts, "sessions"),
            Ok(response) if !(200..300).contains(&response.status) => Evaluation::fail(
                probe::status_said(cx, response),
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
        probe::explain(evaluation, &request, &exchange)
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
        let mut findings = self.limit_findings(cx, stale);
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
            Some(baseline) => evidence.push(Evidence::new(
                "baseline",
                format!(
                    "{} from {}",
                    crate::number::shortest(baseline.value),
                    baseline.source
                ),
            )),
        }
        let known = worst(findings.iter().map(|(v, _)| *v));
        // Sessions the gate cannot judge are never a silent pass: each kind is a warning,
        // named with its count.
        findings.extend(sample.unjudged_findings());
        // Counted as stale, the sessions that could be stale might break a limit the judged
        // ones do not: then the sample cannot say whether the gate passes. Inconclusive
        // (which blocks in strict mode) when the limit is a `fail` one, a warning otherwise.
        let mut doubt = None;
        if sample.doubtful > 0 {
            let as_stale = stale + sample.doubtful as u64;
            let could_be = self.limit_findings(cx, as_stale);
            let worst_could_be = worst(could_be.iter().map(|(v, _)| *v));
            if worst_could_be != Verdict::Pass
                && worst_could_be != known
                && let Some((_, breach)) = could_be.iter().find(|(v, _)| *v == worst_could_be)
            {
                let verdict = if worst_could_be == Verdict::Fail {
                    Verdict::Inconclusive
                } else {
                    Verdict::Warn
                };
                let mut observation = Observation::new(
                    STALE_MEASUREMENT,
                    format!(
                        "{stale}, or up to {as_stale} counting {} the gate cannot judge",
                        match sample.doubtful {
                            1 => "1 session".to_owned(),
                            n => format!("{n} sessions"),
                        }
                    ),
                    breach.expected.clone(),
                    breach.rule.clone(),
                );
                observation.baseline = breach.baseline.clone();
                doubt = Some(observation.clone());
                findings.push((verdict, observation));
            }
        }
        let verdict = worst(findings.iter().map(|(v, _)| *v));
        let unjudged = sample.unjudged().join(", ");
        let summary = match findings.iter().find(|(v, _)| *v == verdict) {
            None => format!("{stale} stale of {} active sessions", sample.active),
            Some((_, o)) if Some(o) == doubt.as_ref() => format!(
                "{stale} stale active sessions, or up to {} counting those the gate cannot judge ({unjudged}); {}: expected {}",
                stale + sample.doubtful as u64,
                o.rule,
                crate::text::plain(&o.expected)
            ),
            Some((_, o)) if o.name.starts_with("sessions.") => format!(
                "{stale} stale of {} active sessions; cannot judge {unjudged}",
                sample.active
            ),
            Some((_, o)) => format!(
                "{stale} stale active sessions ({}: expected {})",
                o.rule,
                crate::text::plain(&o.expected)
            ),
        };
        Evaluation::new(verdict, summary)
            .observations(findings.into_iter().map(|(_, o)| o))
            .evidence(evidence)
            .measurement(STALE_MEASUREMENT, stale as f64, None)
    }

    /// The absolute limits and growth over the baseline, for this many stale sessions.
    fn limit_findings(&self, cx: &Context, stale: u64) -> Vec<(Verdict, Observation)> {
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
        if let Some(baseline) = cx.baseline(&self.key()) {
            findings.extend(self.growth_findings(stale as f64, baseline));
        }
        findings
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
