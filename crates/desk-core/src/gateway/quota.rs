//! The quota ledger: every signed call is counted *before* it is sent, in a
//! SQLite transaction, so the count is never below what Meituan received,
//! even across threads, processes (the GUI and `mtu` on one data folder) and
//! crashes. Days are Beijing days; the limit is the profile's tier
//! (unlimited still counts). At the limit a call is refused locally with
//! [`Error::QuotaExhausted`]; a documented quota refusal from the server
//! (media 403 请求次数超过授权额度; the legacy API documents none) closes the
//! day whatever the local count says. A call that provably never reached
//! a server (refused before sending, or no connection could be made: DNS,
//! refused, connect timeout, TLS handshake) gives its reservation back; a
//! call that may have arrived (a reset or timeout after sending) stays
//! counted.

use crate::clock::{beijing, beijing_day, beijing_rfc3339, next_beijing_midnight, Clock};
use crate::error::{Error, ErrorCode, Result};
use crate::profiles::{Profile, Tier};
use crate::store::Store;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// This feature's SQL.
pub mod sql;

/// Share of the limit at which the UI warns.
pub const WARNING_PERCENT: u32 = 80;
/// Share of the limit at which the UI warns urgently.
pub const CRITICAL_PERCENT: u32 = 95;

/// How close today is to the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum QuotaLevel {
    Normal,
    /// ≥ 80 % used.
    Warning,
    /// ≥ 95 % used.
    Critical,
    /// Used up (locally, or the server said so): calls are refused until reset.
    Exhausted,
}

/// Today's quota for a profile's appkey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct QuotaStatus {
    /// Beijing date, `YYYY-MM-DD`.
    pub day: String,
    pub used: u32,
    /// `null` when the tier is unlimited.
    pub limit: Option<u32>,
    /// `null` when the tier is unlimited; 0 once exhausted.
    pub remaining: Option<u32>,
    /// Next Beijing midnight, RFC 3339 with `+08:00`.
    pub resets_at: String,
    pub tier: Tier,
    pub level: QuotaLevel,
    /// Meituan refused a call for quota today.
    pub server_exhausted: bool,
    /// Meituan refused for quota before the local count reached the limit:
    /// what was observed, so the screen can say the limit or the reset time
    /// (北京时间 0 点 is our assumption) differs from what the app assumed.
    pub early_refusal: Option<EarlyRefusal>,
}

/// A quota refusal from Meituan before the local count reached the limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct EarlyRefusal {
    /// When the refusal came (RFC 3339, Beijing).
    pub at: String,
    /// The local count that day.
    pub used: u32,
    /// The limit the app assumed.
    pub limit: u32,
}

/// One day of the history chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DayUsage {
    pub day: String,
    pub used: u32,
    pub server_exhausted: bool,
}

/// A counted call, to be completed with [`QuotaLedger::finish`].
#[derive(Debug)]
#[must_use = "a reservation must be finished so the call log records the outcome"]
pub struct Reservation {
    pub call_id: i64,
    pub appkey: String,
    pub day: NaiveDate,
    /// The day's count including this call.
    pub used: u32,
    started: Instant,
}

impl Reservation {
    pub fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// How a reserved call ended. Carries no secret, signature or body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallOutcome {
    pub ok: bool,
    pub http_status: Option<u16>,
    pub api_code: Option<String>,
    pub error_code: Option<ErrorCode>,
    /// The server refused for quota (media code 403, or the legacy message).
    pub quota_refused: bool,
}

impl CallOutcome {
    pub fn ok(http_status: u16) -> Self {
        CallOutcome {
            ok: true,
            http_status: Some(http_status),
            ..Default::default()
        }
    }
}

/// The ledger over one data folder's database.
#[derive(Clone)]
pub struct QuotaLedger {
    store: Store,
    clock: Arc<dyn Clock>,
    /// One connection kept open for the ledger's writes. Closing the last
    /// connection of a WAL database checkpoints and syncs it, which made a
    /// connection-per-call ledger cost ~60 ms a call; kept open it is ~1 ms.
    /// Threads of one process take turns on it; processes are kept apart by
    /// SQLite's own locking (IMMEDIATE transactions, busy timeout).
    conn: Arc<Mutex<Option<crate::store::Conn>>>,
}

fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn resets_at(now: DateTime<Utc>) -> chrono::DateTime<chrono::FixedOffset> {
    next_beijing_midnight(now).with_timezone(&beijing())
}

impl QuotaLedger {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        QuotaLedger {
            store,
            clock,
            conn: Arc::new(Mutex::new(None)),
        }
    }

    /// Runs `f` on the kept connection, opening it if needed. After a
    /// failure the connection is dropped, so the next call starts afresh.
    fn with_conn<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(self.store.connect()?);
        }
        let result = f(guard.as_mut().expect("just opened"));
        if result.is_err() {
            *guard = None;
        }
        result
    }

    /// Counts one call for `profile` before it is sent, or refuses with
    /// [`Error::QuotaExhausted`] without counting.
    pub fn reserve(&self, profile: &Profile, endpoint: &str) -> Result<Reservation> {
        let now = self.clock.now();
        let day = beijing_day(now);
        let key = day_key(day);
        let started_at = beijing_rfc3339(now);
        let call = sql::NewCall {
            profile_id: &profile.id,
            appkey: &profile.appkey,
            day: &key,
            started_at: &started_at,
            endpoint,
        };
        let limit = profile.tier.daily_limit();
        match self.with_conn(|conn| sql::reserve(conn, &call, limit))? {
            sql::Reserve::Granted { call_id, used } => Ok(Reservation {
                call_id,
                appkey: profile.appkey.clone(),
                day,
                used,
                started: Instant::now(),
            }),
            sql::Reserve::Refused { .. } => Err(Error::QuotaExhausted {
                resets_at: resets_at(now),
            }),
        }
    }

    /// Records how a reserved call ended.
    pub fn finish(&self, reservation: Reservation, outcome: &CallOutcome) -> Result<()> {
        let latency_ms = reservation.elapsed_ms();
        let exhausted_at = outcome
            .quota_refused
            .then(|| beijing_rfc3339(self.clock.now()));
        let error_code = outcome.error_code.map(error_code_str);
        self.with_conn(|conn| {
            sql::finish(
                conn,
                &sql::Finished {
                    call_id: reservation.call_id,
                    ok: outcome.ok,
                    http_status: outcome.http_status,
                    api_code: outcome.api_code.as_deref(),
                    error_code: error_code.as_deref(),
                    latency_ms,
                    exhausts_day: exhausted_at.as_deref(),
                },
            )
        })
    }

    /// Takes back a reservation whose request was never sent (refused before
    /// signing or sending), so it does not count.
    pub fn cancel(&self, reservation: Reservation) -> Result<()> {
        self.with_conn(|conn| sql::cancel(conn, reservation.call_id))
    }

    /// Today's count against the profile's tier.
    pub fn status(&self, profile: &Profile) -> Result<QuotaStatus> {
        let now = self.clock.now();
        let day = day_key(beijing_day(now));
        let row = self.with_conn(|conn| sql::day(conn, &profile.appkey, &day))?;
        let used = row.as_ref().map_or(0, |r| r.used);
        let limit = profile.tier.daily_limit();
        let early_refusal = row.as_ref().and_then(|r| {
            let at = r.server_exhausted_at.clone()?;
            let limit = limit?;
            (r.used < limit).then_some(EarlyRefusal {
                at,
                used: r.used,
                limit,
            })
        });
        let server_exhausted = row.is_some_and(|r| r.server_exhausted_at.is_some());
        let remaining = limit.map(|l| {
            if server_exhausted {
                0
            } else {
                l.saturating_sub(used)
            }
        });
        Ok(QuotaStatus {
            day,
            used,
            limit,
            remaining,
            resets_at: resets_at(now).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            tier: profile.tier,
            level: level(used, limit, server_exhausted),
            server_exhausted,
            early_refusal,
        })
    }

    /// The last `days` Beijing days up to today, oldest first, zero-filled.
    pub fn history(&self, profile: &Profile, days: u32) -> Result<Vec<DayUsage>> {
        let today = beijing_day(self.clock.now());
        let days = days.max(1);
        let first = today - Duration::days(i64::from(days) - 1);
        let rows = self.with_conn(|conn| {
            sql::days_between(conn, &profile.appkey, &day_key(first), &day_key(today))
        })?;
        Ok(first
            .iter_days()
            .take(days as usize)
            .map(|d| {
                let key = day_key(d);
                let row = rows.iter().find(|r| r.day == key);
                DayUsage {
                    used: row.map_or(0, |r| r.used),
                    server_exhausted: row.is_some_and(|r| r.server_exhausted_at.is_some()),
                    day: key,
                }
            })
            .collect())
    }
}

/// The warning level for `used` calls of `limit`.
pub fn level(used: u32, limit: Option<u32>, server_exhausted: bool) -> QuotaLevel {
    if server_exhausted {
        return QuotaLevel::Exhausted;
    }
    let Some(limit) = limit else {
        return QuotaLevel::Normal;
    };
    let (used, limit) = (u64::from(used), u64::from(limit));
    if used >= limit {
        QuotaLevel::Exhausted
    } else if used * 100 >= limit * u64::from(CRITICAL_PERCENT) {
        QuotaLevel::Critical
    } else if used * 100 >= limit * u64::from(WARNING_PERCENT) {
        QuotaLevel::Warning
    } else {
        QuotaLevel::Normal
    }
}

fn error_code_str(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{code:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{AuthStatus, Generation};
    use crate::ManualClock;
    use chrono::TimeZone;

    fn profile(appkey: &str, tier: Tier) -> Profile {
        Profile {
            id: "p1".into(),
            name: "p".into(),
            appkey: appkey.into(),
            generation: Generation::Legacy,
            base_url: Some("https://openapi.meituan.com".into()),
            sandbox: false,
            tier,
            auth_status: AuthStatus::Open,
            auth_applications: 0,
            auth_applied_at: None,
            api_secret_hint: None,
            callback_secret_hint: None,
            created_at: String::new(),
            auth_checked_at: None,
        }
    }

    fn ledger() -> (tempfile::TempDir, QuotaLedger, Arc<ManualClock>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        // 2026-03-01 23:30 Beijing.
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 3, 1, 15, 30, 0).unwrap(),
        ));
        (dir, QuotaLedger::new(store, clock.clone()), clock)
    }

    #[test]
    fn levels_at_80_95_and_100_percent() {
        assert_eq!(level(1599, Some(2000), false), QuotaLevel::Normal);
        assert_eq!(level(1600, Some(2000), false), QuotaLevel::Warning);
        assert_eq!(level(1899, Some(2000), false), QuotaLevel::Warning);
        assert_eq!(level(1900, Some(2000), false), QuotaLevel::Critical);
        assert_eq!(level(2000, Some(2000), false), QuotaLevel::Exhausted);
        assert_eq!(level(1_000_000, None, false), QuotaLevel::Normal);
        assert_eq!(level(3, Some(2000), true), QuotaLevel::Exhausted);
    }

    #[test]
    fn refuses_at_the_limit_without_counting_and_resets_at_beijing_midnight() {
        let (_d, ledger, clock) = ledger();
        let mut p = profile("k", Tier::T2000);
        // Pretend the tier were tiny by filling the day directly.
        let conn = ledger.store.connect().unwrap();
        conn.execute(
            "INSERT INTO quota_days (appkey, day, used) VALUES ('k', '2026-03-01', 1999)",
            [],
        )
        .unwrap();
        let r = ledger.reserve(&p, "/api/orderList").unwrap();
        assert_eq!(r.used, 2000);
        ledger.finish(r, &CallOutcome::ok(200)).unwrap();
        let err = ledger.reserve(&p, "/api/orderList").unwrap_err();
        match &err {
            Error::QuotaExhausted { resets_at } => {
                assert_eq!(resets_at.to_rfc3339(), "2026-03-02T00:00:00+08:00")
            }
            other => panic!("expected QuotaExhausted, got {other:?}"),
        }
        let st = ledger.status(&p).unwrap();
        assert_eq!(
            (st.used, st.remaining, st.level),
            (2000, Some(0), QuotaLevel::Exhausted)
        );
        assert_eq!(st.resets_at, "2026-03-02T00:00:00+08:00");
        // A higher tier lets calls through again the same day.
        p.tier = Tier::T3000;
        let _ = ledger.reserve(&p, "/api/orderList").unwrap();
        // A new Beijing day starts at 16:00 UTC.
        clock.set(Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap());
        let st = ledger.status(&p).unwrap();
        assert_eq!((st.day.as_str(), st.used), ("2026-03-02", 0));
    }

    #[test]
    fn cancel_takes_back_an_unsent_call_only() {
        let (_d, ledger, _c) = ledger();
        let p = profile("k", Tier::T2000);
        let sent = ledger.reserve(&p, "/x").unwrap();
        ledger.finish(sent, &CallOutcome::ok(200)).unwrap();
        let unsent = ledger.reserve(&p, "/x").unwrap();
        assert_eq!(ledger.status(&p).unwrap().used, 2);
        ledger.cancel(unsent).unwrap();
        assert_eq!(ledger.status(&p).unwrap().used, 1);
        let conn = ledger.store.connect().unwrap();
        assert_eq!(sql::calls_on(&conn, "k", "2026-03-01").unwrap(), 1);
    }

    #[test]
    fn unlimited_still_counts() {
        let (_d, ledger, _c) = ledger();
        let p = profile("k", Tier::Unlimited);
        for _ in 0..3 {
            let r = ledger.reserve(&p, "/x").unwrap();
            ledger.finish(r, &CallOutcome::ok(200)).unwrap();
        }
        let st = ledger.status(&p).unwrap();
        assert_eq!((st.used, st.limit, st.remaining), (3, None, None));
        assert_eq!(st.level, QuotaLevel::Normal);
    }

    #[test]
    fn server_refusal_closes_the_day() {
        let (_d, ledger, clock) = ledger();
        let p = profile("k", Tier::T2000);
        let r = ledger
            .reserve(&p, "/cps_open/common/api/v1/query_order")
            .unwrap();
        ledger
            .finish(
                r,
                &CallOutcome {
                    ok: false,
                    http_status: Some(200),
                    api_code: Some("403".into()),
                    error_code: Some(ErrorCode::QuotaExhausted),
                    quota_refused: true,
                },
            )
            .unwrap();
        let st = ledger.status(&p).unwrap();
        assert_eq!(
            (st.used, st.remaining, st.server_exhausted),
            (1, Some(0), true)
        );
        assert_eq!(st.level, QuotaLevel::Exhausted);
        assert_eq!(
            ledger.reserve(&p, "/x").unwrap_err().code(),
            ErrorCode::QuotaExhausted
        );
        // Next day, fresh.
        clock.advance(Duration::hours(1));
        assert!(ledger.reserve(&p, "/x").is_ok());
    }

    #[test]
    fn call_log_records_outcome_without_secrets() {
        let (_d, ledger, _c) = ledger();
        let p = profile("k", Tier::T2000);
        let r = ledger.reserve(&p, "/api/orderList").unwrap();
        let id = r.call_id;
        ledger
            .finish(
                r,
                &CallOutcome {
                    ok: false,
                    http_status: Some(502),
                    error_code: Some(ErrorCode::Http),
                    ..Default::default()
                },
            )
            .unwrap();
        let calls = sql::recent_calls(&ledger.store.connect().unwrap(), "k", 10).unwrap();
        assert_eq!(calls.len(), 1);
        let c = &calls[0];
        assert_eq!(c.id, id);
        assert_eq!(c.endpoint, "/api/orderList");
        assert_eq!(c.outcome, "error");
        assert_eq!(c.http_status, Some(502));
        assert_eq!(c.error_code.as_deref(), Some("http"));
        assert_eq!(c.started_at, "2026-03-01T23:30:00+08:00");
        assert!(c.latency_ms.is_some());
    }

    #[test]
    fn history_is_zero_filled_and_ordered() {
        let (_d, ledger, clock) = ledger();
        let p = profile("k", Tier::T2000);
        let _ = ledger.reserve(&p, "/x").unwrap();
        clock.advance(Duration::days(2));
        let _ = ledger.reserve(&p, "/x").unwrap();
        let _ = ledger.reserve(&p, "/x").unwrap();
        let h = ledger.history(&p, 30).unwrap();
        assert_eq!(h.len(), 30);
        assert_eq!(h[29].day, "2026-03-03");
        assert_eq!(h[29].used, 2);
        assert_eq!(h[28].used, 0);
        assert_eq!(h[27].day, "2026-03-01");
        assert_eq!(h[27].used, 1);
        assert_eq!(h[0].day, "2026-02-02");
    }

    #[test]
    fn profiles_sharing_an_appkey_share_the_count() {
        let (_d, ledger, _c) = ledger();
        let a = profile("same", Tier::T2000);
        let mut b = profile("same", Tier::T2000);
        b.id = "p2".into();
        let _ = ledger.reserve(&a, "/x").unwrap();
        let _ = ledger.reserve(&b, "/x").unwrap();
        assert_eq!(ledger.status(&a).unwrap().used, 2);
        assert_eq!(
            ledger.status(&profile("other", Tier::T2000)).unwrap().used,
            0
        );
    }
}
