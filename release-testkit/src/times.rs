//! Moves the timestamps of a recorded body to the request time.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// The instant the recorded bodies' timestamps are written relative to.
const REFERENCE: &str = "2026-11-27T10:00:00Z";

/// Keys whose timestamp values are shifted.
const KEYS: [&str; 5] = [
    "checkedAt",
    "startedAt",
    "lastActivityAt",
    "endedAt",
    "time",
];

/// Shifts every RFC 3339 timestamp under one of [`KEYS`] in `value` by `now - REFERENCE`, so a
/// session recorded as 40 minutes before the reference instant is 40 minutes old when served.
/// Values that are not timestamps are left alone.
pub(crate) fn shift_to_now(value: &mut Value) {
    let Ok(reference) = REFERENCE.parse::<Timestamp>() else {
        return;
    };
    // Whole seconds, so shifted values stay whole seconds like the recorded ones.
    let Ok(now) = Timestamp::from_second(Timestamp::now().as_second()) else {
        return;
    };
    shift(value, now.duration_since(reference));
}

fn shift(value: &mut Value, offset: SignedDuration) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child {
                    Value::String(text) if KEYS.contains(&key.as_str()) => {
                        if let Some(shifted) = text
                            .parse::<Timestamp>()
                            .ok()
                            .and_then(|ts| ts.checked_add(offset).ok())
                        {
                            *text = shifted.to_string();
                        }
                    }
                    other => shift(other, offset),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| shift(item, offset)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_known_keys_relative_to_now_and_leaves_the_rest() {
        let mut value = serde_json::json!({
            "checkedAt": "2026-11-27T10:00:00Z",
            "sessions": [{ "lastActivityAt": "2026-11-27T09:20:00Z", "id": "2026-11-27T10:00:00Z" }],
            "time": "not a time",
        });
        shift_to_now(&mut value);
        let now = Timestamp::now();
        let checked: Timestamp = value["checkedAt"].as_str().unwrap().parse().unwrap();
        assert!(now.duration_since(checked).abs() < SignedDuration::from_secs(5));
        let last: Timestamp = value["sessions"][0]["lastActivityAt"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let age = now.duration_since(last);
        assert!(age >= SignedDuration::from_mins(39) && age <= SignedDuration::from_mins(41));
        assert_eq!(value["sessions"][0]["id"], "2026-11-27T10:00:00Z");
        assert_eq!(value["time"], "not a time");
    }
}
