//! The sandbox's notion of "now". The host passes a clock in (the app adapts
//! its own clock, tests use [`ManualClock`]); nothing in the sandbox reads the
//! wall clock except [`Clock::system`].

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A source of epoch milliseconds.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The real wall clock.
    pub fn system() -> Self {
        Clock(Arc::new(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0)
        }))
    }

    /// Any function returning epoch milliseconds, e.g. an adapter over the
    /// host application's own clock.
    pub fn from_fn(f: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        Clock(Arc::new(f))
    }

    /// A clock that never moves.
    pub fn fixed(epoch_ms: i64) -> Self {
        Clock(Arc::new(move || epoch_ms))
    }

    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

impl From<Arc<dyn Fn() -> i64 + Send + Sync>> for Clock {
    fn from(f: Arc<dyn Fn() -> i64 + Send + Sync>) -> Self {
        Clock(f)
    }
}

/// A clock tests move by hand; cheap to clone, all clones share the time.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(epoch_ms: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(epoch_ms)))
    }
    pub fn set(&self, epoch_ms: i64) {
        self.0.store(epoch_ms, Ordering::SeqCst);
    }
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
    pub fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    /// A [`Clock`] reading this manual clock.
    pub fn clock(&self) -> Clock {
        let inner = self.0.clone();
        Clock::from_fn(move || inner.load(Ordering::SeqCst))
    }
}

/// The furthest the admin clock (`/__admin/clock`) or the gateway skew fault
/// may move the sandbox from the injected clock: 100 Julian years, either way.
pub const MAX_CLOCK_OFFSET_MS: i64 = 3_155_760_000_000;

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the sandbox's "now" is
/// kept inside these years, where every calendar computation it makes (Beijing
/// day, month starts, `Date` header) is defined, whatever the injected clock
/// says.
const EARLIEST_NOW_MS: i64 = -62_135_596_800_000;
const LATEST_NOW_MS: i64 = 253_402_300_799_999;

/// `base + offset`, saturating instead of overflowing and kept within the
/// years 1 to 9999.
pub(crate) fn offset_now(base_ms: i64, offset_ms: i64) -> i64 {
    base_ms
        .saturating_add(offset_ms)
        .clamp(EARLIEST_NOW_MS, LATEST_NOW_MS)
}

/// `offset_ms` limited to ±[`MAX_CLOCK_OFFSET_MS`].
pub(crate) fn clamp_offset(offset_ms: i64) -> i64 {
    offset_ms.clamp(-MAX_CLOCK_OFFSET_MS, MAX_CLOCK_OFFSET_MS)
}

/// Whether an admin offset is within ±[`MAX_CLOCK_OFFSET_MS`].
pub(crate) fn offset_in_bounds(offset_ms: i64) -> bool {
    offset_ms.unsigned_abs() <= MAX_CLOCK_OFFSET_MS as u64
}

// Beijing time (UTC+08:00, no DST), the zone of every Meituan day: one
// home in `meituan_union::beijing`, shared with the app.
pub use meituan_union::beijing::{
    day_of_epoch_ms as beijing_day, day_start_s as beijing_midnight_s, OFFSET_S as BEIJING_OFFSET_S,
};

fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// Epoch milliseconds of the next Beijing midnight after `epoch_ms` (the
/// quota reset).
pub fn next_beijing_midnight_ms(epoch_ms: i64) -> i64 {
    let next = beijing_day(epoch_ms)
        .succ_opt()
        .expect("date within chrono's range");
    beijing_midnight_s(next) * 1000
}

/// First day of the Beijing month `months` away from the month of `day`
/// (negative goes back).
pub(crate) fn month_start_offset(day: NaiveDate, months: i32) -> NaiveDate {
    let total = day.year() * 12 + day.month0() as i32 + months;
    let (y, m0) = (total.div_euclid(12), total.rem_euclid(12));
    NaiveDate::from_ymd_opt(y, m0 as u32 + 1, 1).expect("valid month start")
}

/// An RFC 9110 `Date` header value (IMF-fixdate).
pub(crate) fn http_date(epoch_ms: i64) -> String {
    utc(epoch_ms)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn beijing_day_turns_at_16_utc() {
        // 2023-11-14 15:59:59 UTC is 23:59:59 in Beijing.
        let before = Utc
            .with_ymd_and_hms(2023, 11, 14, 15, 59, 59)
            .unwrap()
            .timestamp_millis();
        assert_eq!(beijing_day(before).to_string(), "2023-11-14");
        assert_eq!(beijing_day(before + 1000).to_string(), "2023-11-15");
        assert_eq!(next_beijing_midnight_ms(before), before + 1000);
    }

    #[test]
    fn month_offsets_cross_years() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 17).unwrap();
        assert_eq!(month_start_offset(d, -4).to_string(), "2023-10-01");
        assert_eq!(month_start_offset(d, 11).to_string(), "2025-01-01");
        assert_eq!(month_start_offset(d, 0).to_string(), "2024-02-01");
    }

    #[test]
    fn http_date_format() {
        assert_eq!(
            http_date(1_700_000_000_000),
            "Tue, 14 Nov 2023 22:13:20 GMT"
        );
    }

    #[test]
    fn offsets_saturate_within_the_calendar() {
        assert_eq!(offset_now(5, 10), 15);
        assert_eq!(offset_now(i64::MAX, i64::MAX), LATEST_NOW_MS);
        assert_eq!(offset_now(i64::MIN, -1), EARLIEST_NOW_MS);
        for ms in [EARLIEST_NOW_MS, LATEST_NOW_MS] {
            // None of these may panic at the ends of the range.
            let day = beijing_day(ms);
            next_beijing_midnight_ms(ms);
            month_start_offset(day, -4);
            month_start_offset(day, 1);
            http_date(ms);
        }
        assert_eq!(clamp_offset(i64::MIN), -MAX_CLOCK_OFFSET_MS);
        assert!(offset_in_bounds(-MAX_CLOCK_OFFSET_MS));
        assert!(!offset_in_bounds(MAX_CLOCK_OFFSET_MS + 1));
        assert!(!offset_in_bounds(i64::MIN));
    }

    #[test]
    fn manual_clock_is_shared() {
        let m = ManualClock::new(5);
        let c = m.clock();
        m.advance_ms(10);
        assert_eq!(c.now_ms(), 15);
        m.set(1);
        assert_eq!(c.now_ms(), 1);
    }
}
