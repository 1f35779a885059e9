//! Baselines: the values earlier runs measured, which relative rules compare with.

use std::collections::BTreeMap;
use std::path::Path;

use super::file::LogContents;
use crate::gate::Baseline;
use crate::policy::Outcome;
use crate::summary::Summary;

/// For each measurement, its value in the most recent successful run (passed, with or
/// without warnings) of the environment. A blocked run's values are never a baseline: a bad
/// release must not become the yardstick for the next one.
///
/// ```
/// use release_core::log::{baselines_from_log, LogContents};
/// assert!(baselines_from_log(&LogContents::default(), "production").is_empty());
/// ```
pub fn baselines_from_log(contents: &LogContents, environment: &str) -> BTreeMap<String, Baseline> {
    let mut baselines = BTreeMap::new();
    for (_, record) in &contents.records {
        if record.environment != environment || record.outcome == Outcome::Blocked {
            continue;
        }
        for (key, value) in &record.measurements {
            let source = format!(
                "release log: run {} ({})",
                record.run_id,
                record.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            );
            // Records are oldest first, so later ones replace earlier ones.
            baselines.insert(
                key.clone(),
                Baseline {
                    value: *value,
                    source,
                },
            );
        }
    }
    baselines
}

/// Every measurement of a summary file (`--baseline FILE`), whatever its outcome: the
/// operator chose this file on purpose.
pub fn baselines_from_summary(summary: &Summary, path: &Path) -> BTreeMap<String, Baseline> {
    summary
        .gates
        .iter()
        .flat_map(|gate| {
            gate.measurements.iter().map(move |m| {
                let source = format!("{}: run {}", path.display(), summary.run_id);
                (
                    format!("{}.{}", gate.id, m.name),
                    Baseline {
                        value: m.value,
                        source,
                    },
                )
            })
        })
        .collect()
}
