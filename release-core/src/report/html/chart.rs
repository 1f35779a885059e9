//! A soak window as an SVG chart: one point per sample, in order, against its warn and fail
//! levels and its baseline.

use std::fmt::Write as _;

use super::document::{escape, text};
use crate::gate::ThresholdLevel;
use crate::number::shortest;
use crate::report::soak::SoakWindow;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
/// Room for the value labels on the left and the level labels on the right.
const LEFT: f64 = 56.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 24.0;

/// The chart of one window, with its samples listed in a table below it (collapsed) so that
/// every value can be read without hovering.
pub(crate) fn soak_chart(window: &SoakWindow<'_>) -> String {
    let id = text(&window.gate.id);
    let unit = window.unit.as_deref().map(text).unwrap_or_default();
    let scale = Scale::new(window);
    let mut svg = format!(
        "<svg class=\"soak-chart\" data-gate=\"{id}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-label=\"{count} samples of {id}\">\n\
         <rect class=\"frame\" x=\"{LEFT}\" y=\"{TOP}\" width=\"{w}\" height=\"{h}\"/>\n",
        count = window.samples.len(),
        w = WIDTH - LEFT - RIGHT,
        h = HEIGHT - TOP - BOTTOM,
    );
    // The scale's ends, on the left.
    for value in [scale.low, scale.high] {
        let _ = writeln!(
            svg,
            "<text x=\"{x}\" y=\"{y:.1}\" text-anchor=\"end\">{v}</text>",
            x = LEFT - 4.0,
            y = scale.y(value) + 4.0,
            v = escape(&shortest(value)),
        );
    }
    for threshold in window.thresholds.iter().filter(|t| scale.shows(t.value)) {
        let class = match threshold.level {
            ThresholdLevel::Warn => "threshold-warn",
            ThresholdLevel::Fail => "threshold-fail",
            ThresholdLevel::Baseline => "threshold-baseline",
        };
        let y = scale.y(threshold.value);
        let _ = writeln!(
            svg,
            "<line class=\"threshold {class}\" x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{y:.1}\" y2=\"{y:.1}\">\
             <title>{label} {value}</title></line>\
             <text x=\"{tx}\" y=\"{ty:.1}\">{label} {value}</text>",
            x2 = WIDTH - RIGHT,
            tx = WIDTH - RIGHT + 4.0,
            ty = y + 4.0,
            label = text(&threshold.label),
            value = escape(&shortest(threshold.value)),
        );
    }
    let points: Vec<String> = (window.samples.iter().enumerate())
        .filter_map(|(i, s)| {
            let v = s.value.filter(|v| v.is_finite())?;
            Some(format!("{:.1},{:.1}", scale.x(i), scale.y(v)))
        })
        .collect();
    if points.len() > 1 {
        let _ = writeln!(
            svg,
            "<polyline class=\"series\" points=\"{}\"/>",
            points.join(" ")
        );
    }
    for (i, sample) in window.samples.iter().enumerate() {
        let verdict = sample.verdict.map_or("unknown", |v| v.as_str());
        let value = sample.value.filter(|v| v.is_finite());
        let (y, class) = match value {
            Some(v) => (scale.y(v), ""),
            // Drawn on the floor, hollow: taken, but it measured nothing.
            None => (HEIGHT - BOTTOM, " no-value"),
        };
        let _ = writeln!(
            svg,
            "<circle class=\"sample sample-{verdict}{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\">\
             <title>#{n} {verdict}: {summary}</title></circle>",
            x = scale.x(i),
            n = i + 1,
            summary = text(&sample.summary),
        );
    }
    svg.push_str("</svg>\n");

    let mut rows = String::new();
    let first = window.samples.first().map(|s| s.at);
    for (i, sample) in window.samples.iter().enumerate() {
        let offset = first
            .and_then(|first| sample.at.duration_since(first).try_into().ok())
            .map(crate::duration::format_duration)
            .unwrap_or_default();
        let _ = writeln!(
            rows,
            "<tr><td class=\"num\">{n}</td><td class=\"num\">+{offset}</td><td>{verdict}</td>\
             <td class=\"num\">{value}</td><td>{summary}</td></tr>",
            n = i + 1,
            offset = escape(&offset),
            verdict = sample.verdict.map_or("", |v| v.as_str()),
            value = sample
                .value
                .map(|v| escape(&shortest(v)))
                .unwrap_or_else(|| "—".to_owned()),
            summary = text(&sample.summary),
        );
    }
    let levels: Vec<String> = (window.thresholds.iter())
        .map(|t| format!("{} {}", text(&t.label), escape(&shortest(t.value))))
        .collect();
    let levels = match levels.is_empty() {
        true => "no levels recorded".to_owned(),
        false => levels.join(" · "),
    };
    format!(
        "<figure class=\"soak\" id=\"soak-{id}\">\n<figcaption>{title} <span class=\"mono\">({id})</span>: \
         {count} samples{unit_text} · {levels}</figcaption>\n{svg}\
         <details><summary>Samples</summary>\n<table class=\"samples\"><thead><tr><th>#</th>\
         <th>at</th><th>verdict</th><th>value</th><th>summary</th></tr></thead><tbody>\n{rows}\
         </tbody></table></details>\n</figure>\n",
        title = text(&window.gate.title),
        count = window.samples.len(),
        unit_text = match unit.is_empty() {
            true => String::new(),
            false => format!(" in {unit}"),
        },
    )
}

/// Sample index to x, value to y, with the levels inside the range drawn.
struct Scale {
    low: f64,
    high: f64,
    samples: usize,
}

impl Scale {
    fn new(window: &SoakWindow<'_>) -> Self {
        let values: Vec<f64> = window.values().map(bounded).collect();
        let (mut low, mut high) = range(values.iter().copied());
        if !low.is_finite() {
            (low, high) = (0.0, 1.0);
        }
        // A level drawn far from every value would flatten them against one edge: only levels
        // within twenty spans of the values widen the range (the caption lists them all).
        let reach = (high - low)
            .max(low.abs())
            .max(high.abs())
            .max(f64::MIN_POSITIVE)
            * 20.0;
        let levels = (window.thresholds.iter().map(|t| bounded(t.value)))
            .filter(|v| *v >= low - reach && *v <= high + reach);
        (low, high) = range(values.iter().copied().chain(levels).chain([low, high]));
        let pad = match high - low {
            span if span > 0.0 => span * 0.08,
            // A flat window: a band around its value, not one from zero to far above it.
            _ if low != 0.0 => low.abs() * 0.25,
            _ => 1.0,
        };
        // Counts and ratios do not go below zero; the axis need not either.
        let floor = if low >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
        Self {
            low: (low - pad).max(floor),
            high: high + pad,
            samples: window.samples.len(),
        }
    }

    fn x(&self, index: usize) -> f64 {
        let width = WIDTH - LEFT - RIGHT;
        match self.samples {
            0 | 1 => LEFT + width / 2.0,
            n => LEFT + 8.0 + (width - 16.0) * index as f64 / (n - 1) as f64,
        }
    }

    fn y(&self, value: f64) -> f64 {
        let height = HEIGHT - TOP - BOTTOM;
        let share = (bounded(value) - self.low) / (self.high - self.low);
        match share.is_finite() {
            true => TOP + height * (1.0 - share.clamp(0.0, 1.0)),
            false => TOP + height,
        }
    }

    /// Whether a level is inside the drawn range.
    fn shows(&self, value: f64) -> bool {
        (self.low..=self.high).contains(&bounded(value))
    }
}

/// A value the arithmetic of a scale cannot overflow with: spans and pads of values within
/// ±1e300 stay finite.
fn bounded(value: f64) -> f64 {
    value.clamp(-1e300, 1e300)
}

/// The lowest and the highest, or infinities for none.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}
