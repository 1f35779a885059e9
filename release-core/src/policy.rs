//! How verdicts become a decision.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::exit_code;
use crate::gate::Verdict;

/// How verdicts become a decision: `fail` and `error` of a required gate block; `warn` and
/// `inconclusive` block only in strict mode; an optional gate never blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// Whether warnings and inconclusive results block.
    pub strict: bool,
}

impl Policy {
    /// A policy, strict or not.
    pub fn new(strict: bool) -> Self {
        Self { strict }
    }

    /// Whether this verdict of a gate, required or not, blocks the release.
    ///
    /// ```
    /// use release_core::{Policy, Verdict};
    /// assert!(Policy::new(false).blocks(Verdict::Fail, true));
    /// assert!(!Policy::new(false).blocks(Verdict::Warn, true));
    /// assert!(Policy::new(true).blocks(Verdict::Inconclusive, true));
    /// assert!(!Policy::new(true).blocks(Verdict::Error, false));
    /// ```
    pub fn blocks(&self, verdict: Verdict, required: bool) -> bool {
        required
            && match verdict {
                Verdict::Fail | Verdict::Error => true,
                Verdict::Warn | Verdict::Inconclusive => self.strict,
                Verdict::Pass | Verdict::Skipped => false,
            }
    }

    /// The outcome of a run from each gate's verdict and whether it is required.
    pub fn outcome(&self, results: impl IntoIterator<Item = (Verdict, bool)>) -> Outcome {
        let mut outcome = Outcome::Passed;
        for (verdict, required) in results {
            if self.blocks(verdict, required) {
                return Outcome::Blocked;
            }
            if !matches!(verdict, Verdict::Pass | Verdict::Skipped) {
                outcome = Outcome::PassedWithWarnings;
            }
        }
        outcome
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every gate passed or was skipped.
    Passed,
    /// Nothing blocked, but something did not pass.
    PassedWithWarnings,
    /// A blocking gate did not pass.
    Blocked,
}

impl Outcome {
    /// The name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::PassedWithWarnings => "passed_with_warnings",
            Outcome::Blocked => "blocked",
        }
    }

    /// The process exit code for this outcome.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Passed | Outcome::PassedWithWarnings => exit_code::PASSED,
            Outcome::Blocked => exit_code::BLOCKED,
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_against_every_policy() {
        use Verdict::*;
        let cases = [
            (Pass, [false, false, false, false]),
            (Skipped, [false, false, false, false]),
            (Warn, [false, true, false, false]),
            (Inconclusive, [false, true, false, false]),
            (Fail, [true, true, false, false]),
            (Error, [true, true, false, false]),
        ];
        for (verdict, expected) in cases {
            let got = [
                Policy::new(false).blocks(verdict, true),
                Policy::new(true).blocks(verdict, true),
                Policy::new(false).blocks(verdict, false),
                Policy::new(true).blocks(verdict, false),
            ];
            assert_eq!(got, expected, "{verdict}");
        }
    }

    #[test]
    fn outcomes() {
        let lax = Policy::new(false);
        assert_eq!(lax.outcome([]), Outcome::Passed);
        assert_eq!(
            lax.outcome([(Verdict::Pass, true), (Verdict::Skipped, true)]),
            Outcome::Passed
        );
        assert_eq!(
            lax.outcome([(Verdict::Warn, true)]),
            Outcome::PassedWithWarnings
        );
        assert_eq!(
            lax.outcome([(Verdict::Fail, false)]),
            Outcome::PassedWithWarnings
        );
        assert_eq!(lax.outcome([(Verdict::Error, true)]), Outcome::Blocked);
        assert_eq!(
            Policy::new(true).outcome([(Verdict::Warn, true)]),
            Outcome::Blocked
        );
        assert_eq!(Outcome::Blocked.exit_code(), 1);
        assert_eq!(Outcome::PassedWithWarnings.exit_code(), 0);
    }
}
