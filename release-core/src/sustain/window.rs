//! Judging a window from its samples: pure and synchronous, so every rule is testable without
//! timers. [`Sustained`](super::Sustained) feeds it samples and asks it when to stop.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

use super::details::{SampleDetails, WindowDetails};
use super::spec::SustainSpec;
use crate::duration::format_duration;
use crate::gate::{Evaluation, Evidence, Measurement, Observation, Threshold, Verdict};

/// At most this many samples are listed in the evidence's sample table; the details list all.
const TABLE_ROWS: usize = 10;

/// A sample's summary is clipped to this many characters in the details: a window keeps up to
/// 10 000 of them.
const SUMMARY_CHARS: usize = 200;

/// Why a window stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Every sample ran.
    Completed,
    /// More failed samples than `failure_limit`.
    FailureLimit,
    /// More errored samples in a row than `consecutive_error_limit`.
    ErrorLimit,
    /// `consecutive_successes` samples in a row passed.
    Held,
    /// The first sample was skipped: the gate does not apply.
    Skipped,
    /// The run was cancelled.
    Cancelled,
}

impl Ending {
    fn as_str(self) -> &'static str {
        match self {
            Ending::Completed => "completed",
            Ending::FailureLimit => "failure_limit",
            Ending::ErrorLimit => "consecutive_error_limit",
            Ending::Held => "consecutive_successes",
            Ending::Skipped => "skipped",
            Ending::Cancelled => "cancelled",
        }
    }
}

/// One sample as the details list it.
#[derive(Debug, Clone)]
struct Record {
    at: Timestamp,
    offset: Duration,
    verdict: Verdict,
    value: Option<f64>,
    summary: String,
}

/// A sample kept whole, because the window's evaluation may quote it.
#[derive(Debug, Clone)]
struct Kept {
    index: u32,
    evaluation: Evaluation,
}

/// How many samples of each verdict.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    pass: u32,
    warn: u32,
    fail: u32,
    inconclusive: u32,
    error: u32,
    skipped: u32,
}

impl Counts {
    fn add(&mut self, verdict: Verdict) {
        let count = match verdict {
            Verdict::Pass => &mut self.pass,
            Verdict::Warn => &mut self.warn,
            Verdict::Fail => &mut self.fail,
            Verdict::Inconclusive => &mut self.inconclusive,
            Verdict::Error => &mut self.error,
            Verdict::Skipped => &mut self.skipped,
        };
        *count = count.saturating_add(1);
    }

    fn successes(self) -> u32 {
        self.pass.saturating_add(self.warn)
    }

    /// Samples that brought no data: inconclusive, or skipped after the first.
    fn no_data(self) -> u32 {
        self.inconclusive.saturating_add(self.skipped)
    }
}

/// The state of a window as its samples come in.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    spec: SustainSpec,
    samples: u32,
    counts: Counts,
    errors_in_a_row: u32,
    successes_in_a_row: u32,
    warns_in_run: u32,
    /// The most attempts any one sample needed (its retries), at least 1.
    most_attempts: u32,
    records: Vec<Record>,
    /// The levels the latest sample that gave any was judged against.
    thresholds: Vec<Threshold>,
    last_success: Option<Kept>,
    last_warn: Option<Kept>,
    last_fail: Option<Kept>,
    last_error: Option<Kept>,
    last_no_data: Option<Kept>,
    last_not_success: Option<Kept>,
}

impl Window {
    /// A window of `samples` samples under `spec` (already validated).
    pub(crate) fn new(spec: SustainSpec, samples: u32) -> Self {
        Self {
            spec,
            samples,
            counts: Counts::default(),
            errors_in_a_row: 0,
            successes_in_a_row: 0,
            warns_in_run: 0,
            most_attempts: 1,
            records: Vec::new(),
            thresholds: Vec::new(),
            last_success: None,
            last_warn: None,
            last_fail: None,
            last_error: None,
            last_no_data: None,
            last_not_success: None,
        }
    }

    /// How many samples have been taken.
    pub(crate) fn taken(&self) -> u32 {
        u32::try_from(self.records.len()).unwrap_or(u32::MAX)
    }

    /// The counts so far, for a progress line: `2 pass, 1 fail`.
    pub(crate) fn tally(&self) -> String {
        self.counts_text(false)
    }

    /// Adds the next sample; says when the window must stop early.
    pub(crate) fn record(
        &mut self,
        at: Timestamp,
        offset: Duration,
        evaluation: Evaluation,
    ) -> Option<Ending> {
        let index = self.taken().saturating_add(1);
        let verdict = evaluation.verdict;
        self.most_attempts = self.most_attempts.max(evaluation.attempts);
        self.records.push(Record {
            at,
            offset,
            verdict,
            value: evaluation.measurements.first().map(|m| m.value),
            summary: clip(&evaluation.summary),
        });
        self.counts.add(verdict);
        if !evaluation.thresholds.is_empty() {
            self.thresholds.clone_from(&evaluation.thresholds);
        }
        let kept = Kept { index, evaluation };
        match verdict {
            Verdict::Pass | Verdict::Warn => {
                self.errors_in_a_row = 0;
                self.successes_in_a_row = self.successes_in_a_row.saturating_add(1);
                if verdict == Verdict::Warn {
                    self.warns_in_run = self.warns_in_run.saturating_add(1);
                    self.last_warn = Some(kept.clone());
                }
                self.last_success = Some(kept);
            }
            Verdict::Fail | Verdict::Inconclusive | Verdict::Error | Verdict::Skipped => {
                self.successes_in_a_row = 0;
                self.warns_in_run = 0;
                if verdict == Verdict::Error {
                    self.errors_in_a_row = self.errors_in_a_row.saturating_add(1);
                } else {
                    self.errors_in_a_row = 0;
                }
                let slot = match verdict {
                    Verdict::Fail => &mut self.last_fail,
                    Verdict::Error => &mut self.last_error,
                    _ => &mut self.last_no_data,
                };
                *slot = Some(kept.clone());
                self.last_not_success = Some(kept);
            }
        }
        if index == 1 && verdict == Verdict::Skipped {
            return Some(Ending::Skipped);
        }
        if self.counts.fail > self.spec.failure_limit {
            return Some(Ending::FailureLimit);
        }
        if self.errors_in_a_row > self.spec.consecutive_error_limit {
            return Some(Ending::ErrorLimit);
        }
        if self
            .spec
            .consecutive_successes
            .is_some_and(|k| self.successes_in_a_row >= k)
        {
            return Some(Ending::Held);
        }
        None
    }

    /// The window's evaluation.
    pub(crate) fn conclude(self, ending: Ending) -> Evaluation {
        let judged = self.judge(ending);
        let counts = self.counts_text(true);
        let summary = if counts.is_empty() || ending == Ending::Skipped {
            // A skipped gate's summary is the reason, as the inner gate gave it.
            judged.head
        } else {
            format!("{}: {counts}", judged.head)
        };
        let quoted = judged.quote.and_then(|which| self.kept(which));
        let mut summary = summary;
        let mut observations = judged.observations;
        let mut evidence = Vec::new();
        if let Some(kept) = quoted {
            // The deciding sample's own words: its value next to its thresholds.
            if ending != Ending::Skipped {
                summary.push_str(&format!(
                    "; sample {}: {}",
                    kept.index, kept.evaluation.summary
                ));
            }
            observations.extend(kept.evaluation.observations.iter().cloned());
            evidence.extend(kept.evaluation.evidence.iter().map(|e| {
                Evidence::new(
                    format!("sample {}: {}", kept.index, e.name),
                    e.detail.clone(),
                )
            }));
        }
        if !self.records.is_empty() {
            evidence.push(Evidence::new("samples", self.table()));
        }
        let mut evaluation = Evaluation::new(judged.verdict, summary)
            .observations(observations)
            .evidence(evidence)
            .details(self.details(ending));
        evaluation.measurements = self.measurements();
        evaluation.thresholds.clone_from(&self.thresholds);
        // Samples are not attempts: a sample's retries are, and the most any sample needed
        // is the window's.
        evaluation.samples = Some(self.taken());
        evaluation.attempts = self.most_attempts;
        evaluation
    }

    fn kept(&self, which: Quote) -> Option<&Kept> {
        match which {
            Quote::Success => self.last_success.as_ref(),
            Quote::Fail => self.last_fail.as_ref(),
            Quote::Error => self.last_error.as_ref(),
            Quote::NoData => self.last_no_data.as_ref(),
            Quote::NotSuccess => self.last_not_success.as_ref(),
            Quote::Skipped => self.last_no_data.as_ref(),
            // The later of the last warning and the last (tolerated) failure.
            Quote::Concern => match (&self.last_warn, &self.last_fail) {
                (Some(warn), Some(fail)) if fail.index > warn.index => Some(fail),
                (Some(warn), _) => Some(warn),
                (None, fail) => fail.as_ref(),
            },
        }
    }

    fn judge(&self, ending: Ending) -> Judged {
        let taken = self.taken();
        let n = self.samples;
        let c = self.counts;
        let limit = self.spec.failure_limit;
        let failed = |rule_limit: u32| {
            Observation::new(
                "failed samples",
                c.fail,
                format!("at most {rule_limit}"),
                "failure_limit",
            )
        };
        match ending {
            Ending::Skipped => {
                let reason = self
                    .last_no_data
                    .as_ref()
                    .map_or_else(String::new, |k| k.evaluation.summary.clone());
                Judged {
                    verdict: Verdict::Skipped,
                    head: reason,
                    observations: Vec::new(),
                    quote: Some(Quote::Skipped),
                }
            }
            Ending::Cancelled => Judged {
                verdict: Verdict::Error,
                head: format!("cancelled after {taken} of {n} samples"),
                observations: vec![Observation::new("samples taken", taken, n, "cancelled")],
                quote: None,
            },
            Ending::FailureLimit => Judged {
                verdict: Verdict::Fail,
                head: format!("failure limit exceeded at sample {taken} of {n}"),
                observations: vec![failed(limit)],
                quote: Some(Quote::Fail),
            },
            Ending::ErrorLimit => Judged {
                verdict: Verdict::Error,
                head: format!(
                    "{} errors in a row at sample {taken} of {n}",
                    self.errors_in_a_row
                ),
                observations: vec![Observation::new(
                    "errored samples in a row",
                    self.errors_in_a_row,
                    format!("at most {}", self.spec.consecutive_error_limit),
                    "consecutive_error_limit",
                )],
                quote: Some(Quote::Error),
            },
            Ending::Held => {
                let run = self.successes_in_a_row;
                let head = format!("{run} samples in a row passed at sample {taken} of {n}");
                if self.warns_in_run > 0 {
                    Judged {
                        verdict: Verdict::Warn,
                        head,
                        observations: vec![Observation::new(
                            "warning samples in the passing run",
                            self.warns_in_run,
                            0,
                            "warn",
                        )],
                        quote: Some(Quote::Concern),
                    }
                } else {
                    Judged {
                        verdict: Verdict::Pass,
                        head,
                        observations: Vec::new(),
                        quote: Some(Quote::Success),
                    }
                }
            }
            Ending::Completed => self.judge_completed(),
        }
    }

    /// Every sample ran and no limit stopped the window early.
    fn judge_completed(&self) -> Judged {
        let taken = self.taken();
        let c = self.counts;
        let none_passed = || {
            Observation::new(
                "passing samples",
                0,
                "at least 1",
                if c.fail == 0 && c.no_data() > 0 {
                    "no_data"
                } else {
                    "no_success"
                },
            )
        };
        if c.successes() == 0 {
            let head = format!("no sample passed in {taken} samples");
            return if c.fail > 0 {
                Judged {
                    verdict: Verdict::Fail,
                    head,
                    observations: vec![none_passed()],
                    quote: Some(Quote::Fail),
                }
            } else if c.no_data() > 0 {
                let head = if c.no_data() == taken {
                    format!("no data in any of {taken} samples")
                } else {
                    head
                };
                Judged {
                    verdict: Verdict::Inconclusive,
                    head,
                    observations: vec![none_passed()],
                    quote: Some(Quote::NoData),
                }
            } else {
                Judged {
                    verdict: Verdict::Error,
                    head: format!("every one of {taken} samples errored"),
                    observations: vec![none_passed()],
                    quote: Some(Quote::Error),
                }
            };
        }
        // A window mostly without data has not shown the service is well: one passing sample
        // among nine empty answers would otherwise pass where a single empty check blocks.
        if c.no_data() * 2 > taken {
            return Judged {
                verdict: Verdict::Inconclusive,
                head: format!("no data in {} of {taken} samples", c.no_data()),
                observations: vec![Observation::new(
                    "samples without data",
                    c.no_data(),
                    format!("at most half of {taken}"),
                    "no_data",
                )],
                quote: Some(Quote::NoData),
            };
        }
        if let Some(k) = self.spec.consecutive_successes {
            // A run of `k` would have ended the window early: it ended without one. Without a
            // failed sample, what broke the runs was missing data, not a bad service.
            let verdict = if c.fail == 0 && c.no_data() > 0 {
                Verdict::Inconclusive
            } else {
                Verdict::Fail
            };
            return Judged {
                verdict,
                head: format!("{taken} samples without {k} passing in a row"),
                observations: vec![Observation::new(
                    "passing samples in a row at the end",
                    self.successes_in_a_row,
                    format!("at least {k}"),
                    "consecutive_successes",
                )],
                quote: Some(Quote::NotSuccess),
            };
        }
        let head = format!("{taken} of {} samples", self.samples);
        let mut observations = Vec::new();
        if c.fail > 0 {
            observations.push(Observation::new(
                "failed samples",
                c.fail,
                format!("at most {}", self.spec.failure_limit),
                "failure_limit",
            ));
        }
        if c.warn > 0 {
            observations.push(Observation::new("warning samples", c.warn, 0, "warn"));
        }
        if observations.is_empty() {
            Judged {
                verdict: Verdict::Pass,
                head,
                observations,
                quote: Some(Quote::Success),
            }
        } else {
            Judged {
                verdict: Verdict::Warn,
                head,
                observations,
                quote: Some(Quote::Concern),
            }
        }
    }

    /// `9 pass, 1 fail (limit 1)`; zero counts are left out.
    fn counts_text(&self, limits: bool) -> String {
        let c = self.counts;
        let mut parts = Vec::new();
        for (count, verdict) in [
            (c.pass, Verdict::Pass),
            (c.warn, Verdict::Warn),
            (c.fail, Verdict::Fail),
            (c.inconclusive, Verdict::Inconclusive),
            (c.error, Verdict::Error),
            (c.skipped, Verdict::Skipped),
        ] {
            if count == 0 {
                continue;
            }
            let mut part = format!("{count} {verdict}");
            if limits {
                match verdict {
                    Verdict::Fail => {
                        part.push_str(&format!(" (limit {})", self.spec.failure_limit))
                    }
                    Verdict::Error => part.push_str(&format!(
                        " (limit {} in a row)",
                        self.spec.consecutive_error_limit
                    )),
                    _ => {}
                }
            }
            parts.push(part);
        }
        parts.join(", ")
    }

    /// The last samples on one line: `#3 +1m fail 0.07, #4 +1m30s pass 0.01`.
    fn table(&self) -> String {
        let skip = self.records.len().saturating_sub(TABLE_ROWS);
        let rows: Vec<String> = self
            .records
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(i, r)| {
                let mut row = format!(
                    "#{} +{} {}",
                    i.saturating_add(1),
                    format_duration(r.offset),
                    r.verdict
                );
                if let Some(value) = r.value {
                    row.push_str(&format!(" {}", crate::number::shortest(value)));
                }
                row
            })
            .collect();
        let mut table = rows.join(", ");
        if skip > 0 {
            table.push_str(&format!(" ({skip} earlier samples in the details)"));
        }
        table
    }

    fn details(&self, ending: Ending) -> Value {
        WindowDetails {
            window: self.spec.clone(),
            planned: self.samples,
            ended: ending.as_str().to_owned(),
            samples: self
                .records
                .iter()
                .map(|r| SampleDetails {
                    at: r.at,
                    verdict: Some(r.verdict),
                    value: r.value,
                    summary: r.summary.clone(),
                })
                .collect(),
            thresholds: self.thresholds.clone(),
        }
        .to_json()
    }

    /// The last passing (or warning) sample's measurements, so baselines keep coming from a
    /// sustained gate as they did from a single check.
    fn measurements(&self) -> Vec<Measurement> {
        self.last_success
            .as_ref()
            .map(|k| k.evaluation.measurements.clone())
            .unwrap_or_default()
    }
}

/// Which kept sample the window's evaluation quotes (observations and evidence).
#[derive(Debug, Clone, Copy)]
enum Quote {
    Success,
    Fail,
    Error,
    NoData,
    NotSuccess,
    Skipped,
    Concern,
}

struct Judged {
    verdict: Verdict,
    head: String,
    observations: Vec<Observation>,
    quote: Option<Quote>,
}

fn clip(text: &str) -> String {
    let count = text.chars().count();
    if count <= SUMMARY_CHARS {
        text.to_owned()
    } else {
        format!(
            "{}… ({count} characters)",
            text.chars().take(SUMMARY_CHARS).collect::<String>()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SustainSpec {
        SustainSpec::count(Duration::from_secs(1), 5)
    }

    fn run(spec: SustainSpec, verdicts: &[Verdict]) -> (Option<Ending>, Evaluation) {
        let samples = spec.samples().unwrap_or(1);
        let mut window = Window::new(spec, samples);
        let mut ended = None;
        for verdict in verdicts {
            ended = window.record(
                Timestamp::UNIX_EPOCH,
                Duration::ZERO,
                Evaluation::new(*verdict, verdict.as_str()),
            );
            if ended.is_some() {
                break;
            }
        }
        let ending = ended.unwrap_or(Ending::Completed);
        (ended, window.conclude(ending))
    }

    use Verdict::{Error, Fail, Inconclusive, Pass, Skipped, Warn};

    #[test]
    fn tolerated_errors_and_no_data_beside_passes_do_not_warn() {
        let (_, e) = run(spec(), &[Pass, Error, Inconclusive, Pass, Pass]);
        assert_eq!(e.verdict, Pass);
        assert_eq!(
            e.summary,
            "5 of 5 samples: 3 pass, 1 inconclusive, 1 error (limit 4 in a row); sample 5: pass"
        );
    }

    #[test]
    fn a_failed_sample_without_any_pass_fails_rather_than_being_inconclusive() {
        let (_, e) = run(
            spec().failure_limit(1),
            &[Inconclusive, Fail, Inconclusive, Inconclusive, Inconclusive],
        );
        assert_eq!(e.verdict, Fail);
        assert_eq!(e.observations[0].rule, "no_success");
    }

    #[test]
    fn errors_and_no_data_without_a_pass_are_inconclusive() {
        let (_, e) = run(spec(), &[Error, Inconclusive, Error, Error, Inconclusive]);
        assert_eq!(e.verdict, Inconclusive);
        assert_eq!(e.observations[0].rule, "no_data");
    }

    #[test]
    fn a_first_skipped_sample_skips_the_window_and_a_later_one_is_no_data() {
        let (ended, e) = run(spec(), &[Skipped, Pass]);
        assert_eq!((ended, e.verdict), (Some(Ending::Skipped), Skipped));
        assert_eq!(e.summary, "skipped");
        let (_, e) = run(spec(), &[Pass, Skipped, Pass, Pass, Pass]);
        assert_eq!(e.verdict, Pass);
    }

    #[test]
    fn a_warning_in_the_passing_run_warns_but_one_before_it_does_not() {
        let s = || spec().consecutive_successes(2).failure_limit(1);
        let (_, e) = run(s(), &[Warn, Fail, Pass, Pass]);
        assert_eq!(e.verdict, Pass);
        let (_, e) = run(s(), &[Fail, Pass, Warn]);
        assert_eq!(e.verdict, Warn);
        assert_eq!(e.observations[0].rule, "warn");
    }

    #[test]
    fn the_table_keeps_the_last_rows() {
        let spec = SustainSpec::count(Duration::from_secs(1), 12);
        let (_, e) = run(spec, &[Pass; 12]);
        let table = &e
            .evidence
            .last()
            .map(|e| e.detail.clone())
            .unwrap_or_default();
        assert!(table.starts_with("#3 +0ms pass"), "{table}");
        assert!(
            table.ends_with("(2 earlier samples in the details)"),
            "{table}"
        );
    }
}
