//! A soak window as the reports draw it: the samples a sustained gate recorded in its details,
//! the levels they were judged against, and the one-line sparkline of the human report.

use crate::gate::Threshold;
use crate::sustain::SampleDetails;
use crate::{GateRecord, Summary};

/// The widest sparkline: a longer window is drawn in buckets, each the highest of its samples.
pub(crate) const SPARKLINE_WIDTH: usize = 60;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// A sample without a value (no data, an error) in a sparkline.
const NO_VALUE: char = '·';

/// One sustained gate's window.
#[derive(Debug, Clone)]
pub(crate) struct SoakWindow<'a> {
    /// The gate.
    pub(crate) gate: &'a GateRecord,
    /// Its samples, in order.
    pub(crate) samples: Vec<SampleDetails>,
    /// The levels drawn with them.
    pub(crate) thresholds: Vec<Threshold>,
    /// The unit of the values, when the gate gave one.
    pub(crate) unit: Option<String>,
}

/// Every gate whose details list samples, in plan order.
pub(crate) fn windows(summary: &Summary) -> Vec<SoakWindow<'_>> {
    summary
        .gates
        .iter()
        .filter_map(|gate| {
            let details = gate.details.as_ref()?;
            let samples = SampleDetails::read_all(details)?;
            Some(SoakWindow {
                gate,
                samples,
                thresholds: Threshold::read_all(details),
                unit: gate
                    .measurements
                    .iter()
                    .find_map(|m| m.unit.clone())
                    .or_else(|| gate.observations.iter().find_map(|o| o.unit.clone())),
            })
        })
        .collect()
}

impl SoakWindow<'_> {
    /// The finite values, for scales.
    pub(crate) fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.samples
            .iter()
            .filter_map(|s| s.value)
            .filter(|v| v.is_finite())
    }
}

/// One character per sample (or per bucket of samples beyond `width`), from `▁` for the lowest
/// value to `█` for the highest; `·` for a sample without a finite value.
///
/// ```text
/// [1, 2, 3, none, 8] → ▁▂▃·█
/// ```
pub(crate) fn sparkline(values: &[Option<f64>], width: usize) -> String {
    let width = width.max(1);
    let finite = |v: &Option<f64>| v.filter(|v| v.is_finite());
    let buckets: Vec<Option<f64>> = if values.len() <= width {
        values.iter().map(finite).collect()
    } else {
        (0..width)
            .map(|i| {
                let start = i * values.len() / width;
                let end = ((i + 1) * values.len() / width).max(start + 1);
                values[start..end.min(values.len())]
                    .iter()
                    .filter_map(finite)
                    .reduce(f64::max)
            })
            .collect()
    };
    let (low, high) = buckets
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    buckets
        .iter()
        .map(|bucket| match bucket {
            None => NO_VALUE,
            // A flat window sits in the middle rather than looking like all-zero or all-peak.
            Some(_) if high - low <= 0.0 => BARS[3],
            Some(v) => {
                // Halves, so that values near f64::MAX do not overflow the span.
                let step = (v / 2.0 - low / 2.0) / (high / 2.0 - low / 2.0);
                match step.is_finite() {
                    true => {
                        BARS[((step * (BARS.len() - 1) as f64).round() as usize)
                            .min(BARS.len() - 1)]
                    }
                    false => BARS[3],
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sample_is_one_bar_scaled_between_the_lowest_and_the_highest() {
        let line = sparkline(&[Some(1.0), Some(2.0), Some(3.0), None, Some(8.0)], 60);
        assert_eq!(line, "▁▂▃·█");
        assert_eq!(sparkline(&[Some(0.5); 4], 60), "▄▄▄▄");
        assert_eq!(
            sparkline(&[None, Some(f64::NAN), Some(f64::INFINITY)], 60),
            "···"
        );
        assert_eq!(sparkline(&[], 60), "");
        assert_eq!(sparkline(&[Some(1.7e308), Some(-1.7e308)], 60), "█▁");
        assert_eq!(sparkline(&[Some(0.0), Some(f64::MAX)], 60), "▁█");
    }

    #[test]
    fn a_long_window_is_drawn_in_buckets_that_keep_the_peak() {
        let mut values = vec![Some(1.0); 10_000];
        values[7_777] = Some(50.0);
        let line = sparkline(&values, SPARKLINE_WIDTH);
        assert_eq!(line.chars().count(), SPARKLINE_WIDTH);
        assert_eq!(line.matches('█').count(), 1, "{line}");
        assert_eq!(
            sparkline(&[Some(1.0), Some(2.0), Some(3.0)], 0)
                .chars()
                .count(),
            1
        );
    }
}
