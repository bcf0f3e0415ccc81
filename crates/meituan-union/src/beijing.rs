//! Beijing time (UTC+08:00, no DST): the zone of every Meituan day, so of
//! the daily quota, order windows and monthly volumes. One home for the
//! sandbox and the core.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// Seconds east of UTC.
pub const OFFSET_S: i64 = 8 * 3600;

/// UTC+08:00.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(OFFSET_S as i32).expect("+08:00 is a valid offset")
}

/// The Beijing calendar day that contains `at`.
pub fn day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&offset()).date_naive()
}

/// The Beijing calendar day that contains `epoch_ms`.
pub fn day_of_epoch_ms(epoch_ms: i64) -> NaiveDate {
    day(DateTime::<Utc>::from_timestamp_millis(epoch_ms).unwrap_or(DateTime::<Utc>::UNIX_EPOCH))
}

/// Epoch seconds of 00:00 Beijing time on `day`.
pub fn day_start_s(day: NaiveDate) -> i64 {
    offset()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("fixed offsets are unambiguous")
        .timestamp()
}

/// The instant the Beijing day after `at` starts.
pub fn next_midnight(at: DateTime<Utc>) -> DateTime<Utc> {
    let next = day(at).succ_opt().expect("date within chrono's range");
    DateTime::<Utc>::from_timestamp(day_start_s(next), 0).expect("within chrono's range")
}

/// `at` as RFC 3339 in Beijing time, to the second
/// (`2026-03-01T08:00:00+08:00`).
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.with_timezone(&offset())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The Beijing date of an epoch-seconds instant, `YYYY-MM-DD` (empty when
/// out of range).
pub fn date_of_epoch_s(epoch_s: i64) -> String {
    format_epoch_s(epoch_s, "%Y-%m-%d")
}

/// The Beijing date and time of an epoch-seconds instant,
/// `YYYY-MM-DD HH:MM:SS` (empty when out of range).
pub fn time_of_epoch_s(epoch_s: i64) -> String {
    format_epoch_s(epoch_s, "%Y-%m-%d %H:%M:%S")
}

fn format_epoch_s(epoch_s: i64, format: &str) -> String {
    offset()
        .timestamp_opt(epoch_s, 0)
        .single()
        .map(|t| t.format(format).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_turns_at_16_utc() {
        let before = Utc.with_ymd_and_hms(2023, 11, 14, 15, 59, 59).unwrap();
        assert_eq!(day(before).to_string(), "2023-11-14");
        let after = before + chrono::Duration::seconds(1);
        assert_eq!(day(after).to_string(), "2023-11-15");
        assert_eq!(day_of_epoch_ms(after.timestamp_millis()), day(after));
        assert_eq!(next_midnight(before), after);
        assert_eq!(day_start_s(day(after)), after.timestamp());
        assert_eq!(rfc3339(after), "2023-11-15T00:00:00+08:00");
        assert_eq!(date_of_epoch_s(after.timestamp()), "2023-11-15");
        assert_eq!(time_of_epoch_s(before.timestamp()), "2023-11-14 23:59:59");
    }
}
