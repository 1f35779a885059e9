//! Numbers as people read them, in one place: every summary, observation, evidence line and
//! report shows a number through [`shortest`] (text) or [`json`] (a JSON value).
//!
//! - **Shortest form**: `13`, not `13.0`; `0.0006`, not `0.0006000000000000001`. Text is
//!   rounded to 12 significant digits, which removes the noise of binary arithmetic
//!   (`0.0001 + 0.0005`) and keeps every digit a metric or a limit really has, then written
//!   in the shortest form that reads back as that value. JSON values are data (triggers
//!   compare them on replay), so they keep every bit: an integral float becomes an integer,
//!   nothing is rounded, and renderers show them through [`shortest`].
//! - Very large and very small magnitudes use an exponent (`1e-7`, `2.5e15`), as Prometheus
//!   writes them; `NaN`, `+Inf` and `-Inf` are spelled out (JSON has no such numbers, so
//!   [`json`] gives them as strings).

use serde_json::Value;

/// Significant digits kept: more than any metric or limit has, fewer than binary noise needs.
const SIGNIFICANT: usize = 12;

/// The value rounded to [`SIGNIFICANT`] digits (finite values only).
fn rounded(value: f64) -> f64 {
    format!("{value:.*e}", SIGNIFICANT - 1)
        .parse()
        .unwrap_or(value)
}

/// A number as text: `13`, `0.0006`, `1e-7`, `+Inf`, `NaN`.
///
/// ```
/// use release_core::number::shortest;
/// assert_eq!(shortest(13.0), "13");
/// assert_eq!(shortest(0.0001 + 0.0005), "0.0006");
/// assert_eq!(shortest(0.1 + 0.2), "0.3");
/// assert_eq!(shortest(812.5), "812.5");
/// assert_eq!(shortest(1e-7), "1e-7");
/// assert_eq!(shortest(-0.0), "0");
/// assert_eq!(shortest(f64::INFINITY), "+Inf");
/// ```
pub fn shortest(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let value = rounded(value);
    if value == 0.0 {
        "0".to_owned()
    } else if value.abs() >= 1e15 || value.abs() < 1e-4 {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// A number as a JSON value: an integer when it is one (`13`, not `13.0`), else the float
/// exactly (JSON values are data a rollback trigger may compare, so they are never rounded;
/// only text is); `NaN` and the infinities as strings.
///
/// ```
/// use release_core::number::json;
/// assert_eq!(json(13.0).to_string(), "13");
/// assert_eq!(json(0.07).to_string(), "0.07");
/// assert_eq!(json(0.0001 + 0.0005).as_f64(), Some(0.0001 + 0.0005));
/// assert_eq!(json(f64::NEG_INFINITY), "-Inf");
/// ```
pub fn json(value: f64) -> Value {
    if !value.is_finite() {
        return Value::from(shortest(value));
    }
    // Integers up to 2^53 are exact in a float, and print as integers.
    if value.fract() == 0.0 && value.abs() <= 9_007_199_254_740_992.0 {
        return Value::from(value as i64);
    }
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// A JSON value with a float number put in its shortest form ([`json`]); any other value
/// unchanged. Observations pass what they are given through this.
pub(crate) fn tidy(value: Value) -> Value {
    match &value {
        Value::Number(n) if n.is_f64() => n.as_f64().map_or(value, json),
        _ => value,
    }
}

/// A JSON value as text: numbers through [`shortest`], strings without quotes, anything
/// else as compact JSON.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => n.as_f64().map_or_else(|| n.to_string(), shortest),
        other => other.to_string(),
    }
}

/// Serializes a float through [`json`], so a summary or log says `13`, not `13.0` (for
/// `#[serde(serialize_with)]`).
pub(crate) fn serialize<S: serde::Serializer>(
    value: &f64,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&json(*value), serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_goes_and_digits_stay() {
        for (value, shown) in [
            (0.0006000000000000001, "0.0006"),
            (0.30000000000000004, "0.3"),
            (13.0, "13"),
            (-2.5, "-2.5"),
            (0.123456789012, "0.123456789012"),
            (1234567.125, "1234567.125"),
            (0.00012, "0.00012"),
            (0.00001, "1e-5"),
            (1.5e20, "1.5e20"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(shortest(value), shown, "{value:?}");
        }
    }

    #[test]
    fn json_numbers_are_integers_when_they_are_and_reread_as_the_same_value() {
        assert_eq!(json(6.0), Value::from(6));
        assert_eq!(json(-0.0), Value::from(0));
        assert_eq!(
            json(0.0006000000000000001).as_f64(),
            Some(0.0006000000000000001)
        );
        assert_eq!(json(0.07), Value::from(0.07));
        assert_eq!(json(1e300).as_f64(), Some(1e300));
        assert_eq!(json(f64::NAN), "NaN");
        assert_eq!(tidy(Value::from(2.0)), Value::from(2));
        assert_eq!(tidy(Value::from("2.0")), "2.0");
        assert_eq!(value_text(&Value::from(0.0006000000000000001)), "0.0006");
        assert_eq!(value_text(&Value::from(13.0)), "13");
        assert_eq!(value_text(&Value::from(7)), "7");
    }
}
