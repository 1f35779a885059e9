//! Messages of `toml` and serde in the words of a plan's author: TOML's names for values
//! (table, array, float) instead of serde's (map, sequence, floating point), ranges instead of
//! Rust's integer types, and positions for the errors `toml` gives none.

use std::ops::Range;

use super::error::LineIndex;

/// How deep `toml` reads: arrays and inline tables nested inside each other, and the parts
/// of a dotted key (its parser's `LIMIT`; `deep_nesting_is_reported_where_it_is` pins it).
pub(crate) const TOML_DEPTH: usize = 80;

/// `toml`'s message for arrays and inline tables nested too deeply.
const DEEP_VALUE: &str = "cannot recurse further; max recursion depth met";
/// `toml`'s message for a dotted key of too many parts, which comes without a position.
pub(crate) const DEEP_KEY: &str = "recursion limit";

/// A `toml` or serde message about a plan, in a plan author's words.
///
/// `invalid type: integer `-1`, expected u32` becomes `invalid value: integer `-1`, expected
/// a whole number between 0 and 4294967295`; `map` and `sequence` become `table` and `array`;
/// `struct Expect` becomes `a table`.
pub(crate) fn plain(message: &str) -> String {
    let message = message.trim_end();
    match message {
        DEEP_VALUE => {
            return format!(
                "nested too deeply: toml reads arrays and inline tables at most {TOML_DEPTH} levels deep"
            );
        }
        DEEP_KEY => {
            return format!(
                "nested too deeply: toml reads dotted keys of at most {TOML_DEPTH} parts"
            );
        }
        // `toml` asked for an enum (such as an op) and found something else.
        "wanted string or table" => return "invalid type: expected a string".to_owned(),
        _ => {}
    }
    let (head, expected) = match message.split_once(", expected ") {
        Some((head, expected)) => (head, Some(expected)),
        None => (message, None),
    };
    let mut head = head.to_owned();
    // An integer beyond i64 is handed over as an i128 that no setting takes: its value, not
    // its type, is what is wrong.
    for wide in ["` as i128", "` as u128"] {
        if head.contains(wide) {
            head = head
                .replace(wide, "`")
                .replacen("invalid type:", "invalid value:", 1);
        }
    }
    for (serde, toml) in [
        ("invalid type: map", "invalid type: table"),
        ("invalid type: sequence", "invalid type: array"),
        ("invalid type: unit value", "invalid type: nothing"),
    ] {
        if let Some(rest) = head.strip_prefix(serde) {
            head = format!("{toml}{rest}");
            break;
        }
    }
    head = head.replacen("floating point `", "float `", 1);
    match expected {
        Some(expected) => format!("{head}, expected {}", expected_words(expected)),
        None => head,
    }
}

/// What serde says it expected, in TOML's words.
fn expected_words(expected: &str) -> String {
    fn between(min: impl std::fmt::Display, max: impl std::fmt::Display) -> String {
        format!("a whole number between {min} and {max}")
    }
    match expected {
        "u8" => between(u8::MIN, u8::MAX),
        "u16" => between(u16::MIN, u16::MAX),
        "u32" => between(u32::MIN, u32::MAX),
        "u64" => between(u64::MIN, u64::MAX),
        "usize" => between(usize::MIN, usize::MAX),
        "i8" => between(i8::MIN, i8::MAX),
        "i16" => between(i16::MIN, i16::MAX),
        "i32" => between(i32::MIN, i32::MAX),
        "i64" => between(i64::MIN, i64::MAX),
        "isize" => between(isize::MIN, isize::MAX),
        "u128" | "i128" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a sequence" => "an array".to_owned(),
        "a map" | "map" => "a table".to_owned(),
        "a character" | "char" => "a single character".to_owned(),
        "variant identifier" | "field identifier" => "a string".to_owned(),
        other
            if other.starts_with("struct ")
                || other.starts_with("struct variant ")
                || other.starts_with("internally tagged enum ")
                || other.starts_with("adjacently tagged enum ") =>
        {
            "a table".to_owned()
        }
        other if other.starts_with("enum ") => "one of the allowed values".to_owned(),
        other if other.starts_with("tuple struct ") || other.starts_with("tuple variant ") => {
            "an array".to_owned()
        }
        other => other.to_owned(),
    }
}

/// `duplicate key` with the key as written, which `toml` points at but does not name.
pub(crate) fn duplicate_key(source: &str, span: Option<Range<usize>>) -> String {
    let written = span
        .and_then(|s| source.get(s))
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.chars().count() <= 100);
    match written {
        Some(key) => format!("duplicate key `{key}`"),
        None => "duplicate key".to_owned(),
    }
}

/// Where the dotted keys of more than [`TOML_DEPTH`] parts are, in order: `toml` reports
/// them without a position. A key never spans lines, so each line that holds enough dots is
/// read on its own; the position is where its key starts.
pub(crate) fn deep_keys(source: &str, lines: &LineIndex) -> Vec<usize> {
    let mut found = Vec::new();
    for range in lines.line_ranges(source) {
        let line = &source[range.clone()];
        if line.matches('.').count() < TOML_DEPTH {
            continue;
        }
        let (_, errors) = toml::de::DeTable::parse_recoverable(line);
        if errors.iter().any(|e| e.message().trim_end() == DEEP_KEY) {
            let key = line.len() - line.trim_start_matches([' ', '\t', '[']).len();
            found.push(range.start + key);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_types_become_ranges() {
        assert_eq!(
            plain("invalid value: integer `-1`, expected u32"),
            "invalid value: integer `-1`, expected a whole number between 0 and 4294967295"
        );
        assert_eq!(
            plain("invalid type: integer `99999999999999999999` as i128, expected usize"),
            format!(
                "invalid value: integer `99999999999999999999`, expected a whole number between 0 and {}",
                usize::MAX
            )
        );
        assert_eq!(
            plain("invalid type: floating point `1.5`, expected i64"),
            "invalid type: float `1.5`, expected a whole number between -9223372036854775808 and 9223372036854775807"
        );
        assert_eq!(
            plain("invalid type: boolean `true`, expected f64"),
            "invalid type: boolean `true`, expected a number"
        );
        assert_eq!(
            plain("invalid value: integer `300`, expected u8"),
            "invalid value: integer `300`, expected a whole number between 0 and 255"
        );
        assert_eq!(
            plain("invalid value: integer `-40000`, expected i16"),
            "invalid value: integer `-40000`, expected a whole number between -32768 and 32767"
        );
    }

    #[test]
    fn serde_values_become_toml_values() {
        assert_eq!(
            plain("invalid type: map, expected a string"),
            "invalid type: table, expected a string"
        );
        assert_eq!(
            plain("invalid type: string \"x\", expected struct ReleaseSection"),
            "invalid type: string \"x\", expected a table"
        );
        assert_eq!(
            plain("invalid type: string \"x\", expected a sequence"),
            "invalid type: string \"x\", expected an array"
        );
        assert_eq!(
            plain("invalid type: sequence, expected a map"),
            "invalid type: array, expected a table"
        );
        assert_eq!(
            plain("invalid type: map, expected internally tagged enum TriggerSpec"),
            "invalid type: table, expected a table"
        );
        assert_eq!(
            plain("invalid type: integer `3`, expected variant identifier"),
            "invalid type: integer `3`, expected a string"
        );
        assert_eq!(
            plain("wanted string or table"),
            "invalid type: expected a string"
        );
    }

    #[test]
    fn other_messages_are_kept() {
        for kept in [
            "unknown field `nmae`, expected one of `name`, `log`",
            "missing field `kind`",
            "invalid duration \"soon\"",
            "unknown variant `x`, expected one of `eq`, `ne`",
            "invalid type: string \"x\", expected a status code such as 200, or a list such as [200, 204]",
        ] {
            assert_eq!(plain(kept), kept);
        }
    }

    #[test]
    fn duplicate_keys_are_named_as_written() {
        assert_eq!(
            duplicate_key("a = 1\na = 2", Some(6..7)),
            "duplicate key `a`"
        );
        assert_eq!(
            duplicate_key("\"x y\" = 1", Some(0..5)),
            "duplicate key `\"x y\"`"
        );
        assert_eq!(duplicate_key("a", None), "duplicate key");
        assert_eq!(duplicate_key("a", Some(4..9)), "duplicate key");
    }
}
