//! Time is an input. Beijing time is a fixed +08:00 offset (China has no DST);
//! day boundaries, quota resets and working days are computed in it.

use chrono::{DateTime, Utc};
use std::sync::Mutex;

/// The one source of "now" for the core.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests move by hand.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
    pub fn advance(&self, by: chrono::Duration) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

// Beijing time (UTC+08:00), the zone of every Meituan day boundary (the
// quota reset among them): one home in `meituan_union::beijing`, shared
// with the sandbox. `beijing_rfc3339` is the one timestamp form of the
// database and the IPC payloads.
pub use meituan_union::beijing::{
    day as beijing_day, next_midnight as next_beijing_midnight, offset as beijing,
    rfc3339 as beijing_rfc3339,
};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn beijing_day_turns_at_16_utc() {
        let before = Utc.with_ymd_and_hms(2026, 3, 1, 15, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap();
        assert_eq!(beijing_day(before).to_string(), "2026-03-01");
        assert_eq!(beijing_day(after).to_string(), "2026-03-02");
        assert_eq!(next_beijing_midnight(before), after);
        assert_eq!(
            next_beijing_midnight(after),
            Utc.with_ymd_and_hms(2026, 3, 2, 16, 0, 0).unwrap()
        );
    }

    #[test]
    fn beijing_rfc3339_uses_the_fixed_offset() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 16, 30, 5).unwrap();
        assert_eq!(beijing_rfc3339(at), "2026-03-02T00:30:05+08:00");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(chrono::Duration::seconds(90));
        assert_eq!(clock.now(), start + chrono::Duration::seconds(90));
    }
}
