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
//!
//! The daily limit (the tier) and the reset at 北京时间 0 点 are our
//! assumptions: no source states when Meituan's count resets. What Meituan
//! actually does is kept as observations ([`QuotaLedger::observations`]):
//! a quota refusal before the local count reached the limit, and the answer
//! to a probe call the user may ask for, one at a time, once the ledger
//! says the day is used up ([`QuotaLedger::reserve_probe`]). An accepted probe reopens the
//! day until Meituan refuses a call; early refusals on several days at
//! similar counts suggest a lower limit, which the user may adopt as the
//! profile's learned limit ([`QuotaLedger::set_learned_limit`]).

use crate::clock::{beijing, beijing_day, beijing_rfc3339, next_beijing_midnight, Clock};
use crate::error::{Error, ErrorCode, Result};
use crate::profiles::{Profile, Tier};
use crate::store::Store;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The one call beyond a used-up day.
pub mod probe;
/// This feature's SQL.
pub mod sql;

/// How many days of observations are kept.
pub const OBSERVATION_DAYS: i64 = 90;

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
    /// `null` when the tier is unlimited, or while the day is reopened by
    /// an accepted probe (unknown); 0 once exhausted.
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
    /// Meituan accepted a probe after the day was used up (our observation):
    /// calls go through again until Meituan refuses one; `remaining` is
    /// unknown (`null`) meanwhile.
    pub reopened: bool,
    /// `limit` is the profile's learned limit (set by the user from our
    /// observations), not the tier's.
    pub limit_learned: bool,
}

/// What an observation saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ObservationKind {
    /// Meituan refused for quota before the local count reached the limit.
    EarlyRefusal,
    /// A probe asked for after the local count said "used up" was accepted.
    AcceptedAfterUsedUp,
    /// Such a probe was refused for quota: the day was used up indeed.
    ProbeRefused,
    /// On a day reopened by an accepted probe, Meituan refused for quota
    /// above the limit we assumed: it took more calls than that.
    RefusedAboveLimit,
}

/// One kept observation of Meituan's quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct QuotaObservation {
    /// RFC 3339, +08:00.
    pub observed_at: String,
    /// Beijing date, `YYYY-MM-DD`.
    pub day: String,
    pub kind: ObservationKind,
    /// The day's local count then (including that call).
    pub used: u32,
    /// The daily limit the app assumed then.
    pub assumed_limit: u32,
}

/// A daily limit the observations suggest. Our inference, not Meituan's word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LimitSuggestion {
    /// About this many calls a day go through.
    pub limit: u32,
    /// On how many days Meituan refused at a similar count.
    pub days: u32,
}

/// The learned limit in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LearnedLimit {
    pub daily_limit: u32,
    /// RFC 3339, +08:00.
    pub set_at: String,
}

/// The quota screen's observations card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct QuotaObservations {
    /// The last [`OBSERVATION_DAYS`] days, newest first.
    pub entries: Vec<QuotaObservation>,
    pub suggestion: Option<LimitSuggestion>,
    pub learned_limit: Option<LearnedLimit>,
    /// The tier's own limit (`null`: unlimited).
    pub tier_limit: Option<u32>,
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
    /// The limit assumed when it was counted (learned or the tier's).
    pub limit: Option<u32>,
    /// The one call beyond a used-up day that the user asked for.
    pub probe: bool,
    profile_id: String,
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
    /// The server refused for quota (media code 403).
    pub quota_refused: bool,
    /// The API that answered documents its quota refusal (media), so a
    /// refusal that is not one says nothing about the quota.
    pub quota_refusal_documented: bool,
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

    /// The daily limit the ledger uses for `profile`: its learned limit while
    /// the tier is the one it was learned for, else the tier's.
    fn limit_of(conn: &Connection, profile: &Profile) -> Result<(Option<u32>, bool)> {
        match sql::learned_limit(conn, &profile.id)? {
            Some((limit, tier, _)) if tier == profile.tier.as_str() => Ok((Some(limit), true)),
            _ => Ok((profile.tier.daily_limit(), false)),
        }
    }

    /// Counts one call for `profile` before it is sent, or refuses with
    /// [`Error::QuotaExhausted`] without counting.
    pub fn reserve(&self, profile: &Profile, endpoint: &str) -> Result<Reservation> {
        self.reserve_as(profile, endpoint, false)
    }

    /// Counts a probe call the user asked for on a used-up day (one at a
    /// time): the
    /// call beyond the count (still counted) whose answer tells whether the
    /// day is really used up at Meituan. Refused (nothing counted) when the
    /// day is not used up, or while the day's previous probe is pending.
    pub fn reserve_probe(&self, profile: &Profile, endpoint: &str) -> Result<Reservation> {
        self.reserve_as(profile, endpoint, true)
    }

    fn reserve_as(&self, profile: &Profile, endpoint: &str, probe: bool) -> Result<Reservation> {
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
            probe,
        };
        let (limit, reserved) = self.with_conn(|conn| {
            let (limit, _) = Self::limit_of(conn, profile)?;
            Ok((limit, sql::reserve(conn, &call, limit)?))
        })?;
        match reserved {
            sql::Reserve::Granted { call_id, used } => Ok(Reservation {
                call_id,
                appkey: profile.appkey.clone(),
                day,
                used,
                limit,
                probe,
                profile_id: profile.id.clone(),
                started: Instant::now(),
            }),
            sql::Reserve::Refused { .. } => Err(Error::QuotaExhausted {
                resets_at: resets_at(now),
            }),
            sql::Reserve::ProbeNotNeeded => Err(crate::error::FieldError::rule(
                "probe",
                "not_used_up",
                "today is not used up: calls go through without a probe",
            )
            .into()),
            sql::Reserve::ProbeInFlight => Err(crate::error::FieldError::rule(
                "probe",
                "in_flight",
                "the previous probe has not finished yet",
            )
            .into()),
        }
    }

    /// Records how a reserved call ended, and what it showed about
    /// Meituan's quota (an observation), if anything.
    pub fn finish(&self, reservation: Reservation, outcome: &CallOutcome) -> Result<()> {
        let latency_ms = reservation.elapsed_ms();
        let now = self.clock.now();
        let now_text = beijing_rfc3339(now);
        let prune_before = day_key(beijing_day(now) - Duration::days(OBSERVATION_DAYS - 1));
        let exhausted_at = outcome.quota_refused.then(|| now_text.clone());
        let error_code = outcome.error_code.map(ErrorCode::name);
        let day = day_key(reservation.day);
        let observed = self.with_conn(|conn| {
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
                    quota_refusal_documented: outcome.quota_refusal_documented,
                    appkey: &reservation.appkey,
                    day: &day,
                    profile_id: &reservation.profile_id,
                    limit: reservation.limit,
                    probe: reservation.probe,
                    now: &now_text,
                    prune_before: &prune_before,
                },
            )
        })?;
        if let Some(kind) = observed {
            tracing::info!(
                kind = kind.as_str(),
                used = reservation.used,
                limit = ?reservation.limit,
                "quota observation kept"
            );
        }
        Ok(())
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
        let (row, (limit, limit_learned)) = self.with_conn(|conn| {
            Ok((
                sql::day(conn, &profile.appkey, &day)?,
                Self::limit_of(conn, profile)?,
            ))
        })?;
        let used = row.as_ref().map_or(0, |r| r.used);
        let reopened = row.as_ref().is_some_and(|r| r.reopened);
        let early_refusal = row.as_ref().and_then(|r| {
            let at = r.server_exhausted_at.clone()?;
            let limit = limit?;
            (r.used < limit).then_some(EarlyRefusal {
                at,
                used: r.used,
                limit,
            })
        });
        let server_exhausted = row.as_ref().is_some_and(|r| r.server_closed());
        let remaining = limit.filter(|_| !reopened).map(|l| {
            if server_exhausted {
                0
            } else {
                l.saturating_sub(used)
            }
        });
        let level = match level(used, limit, server_exhausted) {
            // Past our assumed limit, but Meituan still answers.
            QuotaLevel::Exhausted if reopened => QuotaLevel::Critical,
            other => other,
        };
        Ok(QuotaStatus {
            day,
            used,
            limit,
            remaining,
            resets_at: resets_at(now).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            tier: profile.tier,
            level,
            server_exhausted,
            early_refusal,
            reopened,
            limit_learned,
        })
    }

    /// The profile's kept observations, what they suggest, and the learned
    /// limit in use.
    pub fn observations(&self, profile: &Profile) -> Result<QuotaObservations> {
        let today = beijing_day(self.clock.now());
        let from = day_key(today - Duration::days(OBSERVATION_DAYS - 1));
        let (rows, learned, (limit, _)) = self.with_conn(|conn| {
            Ok((
                sql::observations(conn, &profile.id, &from)?,
                sql::learned_limit(conn, &profile.id)?,
                Self::limit_of(conn, profile)?,
            ))
        })?;
        let entries: Vec<QuotaObservation> = rows
            .into_iter()
            .map(|r| QuotaObservation {
                observed_at: r.observed_at,
                day: r.day,
                kind: r.kind,
                used: r.used,
                assumed_limit: r.assumed_limit,
            })
            .collect();
        Ok(QuotaObservations {
            suggestion: suggest(&entries, limit),
            learned_limit: learned
                .filter(|(_, tier, _)| tier == profile.tier.as_str())
                .map(|(daily_limit, _, set_at)| LearnedLimit {
                    daily_limit,
                    set_at,
                }),
            tier_limit: profile.tier.daily_limit(),
            entries,
        })
    }

    /// Sets the profile's learned daily limit (the user adopting our
    /// suggestion), or with `None` goes back to the tier's. It holds while
    /// the profile keeps its current tier.
    pub fn set_learned_limit(&self, profile: &Profile, limit: Option<u32>) -> Result<()> {
        if let Some(l) = limit {
            if l == 0 || l > MAX_LEARNED_LIMIT {
                return Err(crate::error::FieldError::rule(
                    "daily_limit",
                    "range",
                    format!("must be between 1 and {MAX_LEARNED_LIMIT}"),
                )
                .into());
            }
        }
        let set_at = beijing_rfc3339(self.clock.now());
        self.with_conn(|conn| {
            sql::set_learned_limit(
                conn,
                &profile.id,
                limit.map(|l| (l, profile.tier.as_str(), set_at.as_str())),
            )
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

/// The highest learned limit accepted (the highest tier's, 15000, and room).
pub const MAX_LEARNED_LIMIT: u32 = 1_000_000;

/// Share within which refusal counts of different days are "similar".
const SIMILAR_PERCENT: u64 = 10;

/// What the observations suggest: Meituan refused for quota on two or more
/// days at similar local counts (within [`SIMILAR_PERCENT`]) → the real
/// daily limit looks like about the smallest of those counts, less the
/// refused call. Lower than the limit in use from early refusals (a refusal
/// below a tenth of the assumed limit points at the reset time rather than
/// the limit and is left out; a probe accepted on a later day contradicts
/// them), higher from refusals that ended days reopened by an accepted
/// probe. Nothing when the limit in use is already that figure.
pub fn suggest(entries: &[QuotaObservation], limit: Option<u32>) -> Option<LimitSuggestion> {
    let mut per_day: Vec<(&str, u32)> = Vec::new();
    for e in entries.iter().filter(|e| {
        (e.kind == ObservationKind::EarlyRefusal
            && u64::from(e.used) * 10 >= u64::from(e.assumed_limit))
            || e.kind == ObservationKind::RefusedAboveLimit
    }) {
        match per_day.iter_mut().find(|(d, _)| *d == e.day) {
            Some((_, used)) => *used = (*used).min(e.used),
            None => per_day.push((&e.day, e.used)),
        }
    }
    per_day.sort_by_key(|&(_, used)| used);
    let mut best: Option<&[(&str, u32)]> = None;
    for i in 0..per_day.len() {
        let low = u64::from(per_day[i].1);
        let n = per_day[i..]
            .iter()
            .take_while(|(_, u)| u64::from(*u) * 100 <= low * (100 + SIMILAR_PERCENT))
            .count();
        if n >= 2 && best.is_none_or(|b| n > b.len()) {
            best = Some(&per_day[i..i + n]);
        }
    }
    let cluster = best?;
    let suggested = cluster[0].1.saturating_sub(1).max(1);
    let lower = limit.is_none_or(|l| suggested < l);
    if limit == Some(suggested) {
        return None;
    }
    let latest = cluster.iter().map(|(d, _)| *d).max()?;
    if lower
        && entries
            .iter()
            .any(|e| e.kind == ObservationKind::AcceptedAfterUsedUp && e.day.as_str() > latest)
    {
        return None;
    }
    // A higher limit only from refusals above the assumed one.
    let above = |day: &str| {
        entries
            .iter()
            .any(|e| e.day == day && e.kind == ObservationKind::RefusedAboveLimit)
    };
    if !lower && !cluster.iter().all(|(d, _)| above(d)) {
        return None;
    }
    Some(LimitSuggestion {
        limit: suggested,
        days: cluster.len() as u32,
    })
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
        ledger.finish(r, &quota_refusal()).unwrap();
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

    /// The profile row observations belong to (they cascade with it).
    fn stored(ledger: &QuotaLedger, p: &Profile) {
        ledger
            .store
            .connect()
            .unwrap()
            .execute(
                "INSERT INTO profiles (id, name, appkey, generation, base_url, sandbox, tier, auth_status, created_at)
                 VALUES (?1, ?1, ?2, 'legacy', 'https://openapi.meituan.com', 0, ?3, 'open', '2026-03-01T10:00:00+08:00')",
                rusqlite::params![p.id, p.appkey, p.tier.as_str()],
            )
            .unwrap();
    }

    fn fill(ledger: &QuotaLedger, appkey: &str, day: &str, used: u32) {
        ledger
            .store
            .connect()
            .unwrap()
            .execute(
                "INSERT INTO quota_days (appkey, day, used) VALUES (?1, ?2, ?3)
                 ON CONFLICT(appkey, day) DO UPDATE SET used = ?3",
                rusqlite::params![appkey, day, used],
            )
            .unwrap();
    }

    /// Meituan refused the call with `code` (HTTP 200); `documented`: the
    /// answering API documents its quota refusal (media does, legacy not).
    fn api_refusal(code: &str, error: ErrorCode, documented: bool) -> CallOutcome {
        CallOutcome {
            ok: false,
            http_status: Some(200),
            api_code: Some(code.into()),
            error_code: Some(error),
            quota_refused: false,
            quota_refusal_documented: documented,
        }
    }

    fn quota_refusal() -> CallOutcome {
        CallOutcome {
            quota_refused: true,
            ..api_refusal("403", ErrorCode::QuotaExhausted, true)
        }
    }

    #[test]
    fn early_refusals_are_kept_per_day_and_pruned_after_90_days() {
        let (_d, ledger, clock) = ledger();
        let p = profile("k", Tier::T3000);
        stored(&ledger, &p);
        fill(&ledger, "k", "2026-03-01", 1999);
        // Two refusals the same day (calls in flight together): one kept.
        let a = ledger.reserve(&p, "/x").unwrap();
        let b = ledger.reserve(&p, "/x").unwrap();
        ledger.finish(a, &quota_refusal()).unwrap();
        ledger.finish(b, &quota_refusal()).unwrap();
        let seen = ledger.observations(&p).unwrap();
        assert_eq!(seen.entries.len(), 1);
        let e = &seen.entries[0];
        assert_eq!(e.kind, ObservationKind::EarlyRefusal);
        assert_eq!(
            (e.day.as_str(), e.used, e.assumed_limit),
            ("2026-03-01", 2001, 3000)
        );
        assert_eq!(e.observed_at, "2026-03-01T23:30:00+08:00");
        // A refusal at the limit is no early refusal.
        clock.advance(Duration::days(1));
        fill(&ledger, "k", "2026-03-02", 2999);
        let r = ledger.reserve(&p, "/x").unwrap();
        ledger.finish(r, &quota_refusal()).unwrap();
        assert_eq!(ledger.observations(&p).unwrap().entries.len(), 1);
        // Kept for 90 Beijing days (03-01 to 05-29); then it is no longer
        // shown, and the next write prunes it.
        clock.advance(Duration::days(88));
        assert_eq!(ledger.observations(&p).unwrap().entries.len(), 1);
        clock.advance(Duration::days(1));
        let r = ledger.reserve(&p, "/x").unwrap();
        ledger.finish(r, &quota_refusal()).unwrap();
        let seen = ledger.observations(&p).unwrap();
        assert_eq!(seen.entries.len(), 1);
        assert_eq!(seen.entries[0].day, "2026-05-30");
        let kept: u32 = ledger
            .store
            .connect()
            .unwrap()
            .query_row("SELECT count(*) FROM quota_observations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 1);
    }

    #[test]
    fn a_probe_is_one_call_beyond_a_used_up_day_and_an_accepted_one_reopens_it() {
        let (_d, ledger, _c) = ledger();
        let p = profile("k", Tier::T2000);
        stored(&ledger, &p);
        // Not used up: no probe, nothing counted.
        let e = ledger.reserve_probe(&p, "/x").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e.to_string().contains("probe"), "{e}");
        assert_eq!(ledger.status(&p).unwrap().used, 0);
        fill(&ledger, "k", "2026-03-01", 2000);
        assert!(ledger.reserve(&p, "/x").is_err());
        let probe = ledger.reserve_probe(&p, "/x").unwrap();
        assert_eq!(probe.used, 2001);
        // One at a time.
        assert_eq!(
            ledger.reserve_probe(&p, "/x").unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        ledger.finish(probe, &CallOutcome::ok(200)).unwrap();
        let st = ledger.status(&p).unwrap();
        assert!(st.reopened);
        assert_eq!((st.used, st.remaining), (2001, None));
        assert_eq!(st.level, QuotaLevel::Critical);
        let seen = ledger.observations(&p).unwrap();
        assert_eq!(seen.entries.len(), 1);
        assert_eq!(seen.entries[0].kind, ObservationKind::AcceptedAfterUsedUp);
        assert_eq!(
            (seen.entries[0].used, seen.entries[0].assumed_limit),
            (2001, 2000)
        );
        // Reopened: calls go through again (and count) ...
        let r = ledger.reserve(&p, "/x").unwrap();
        ledger.finish(r, &CallOutcome::ok(200)).unwrap();
        assert_eq!(ledger.status(&p).unwrap().used, 2002);
        // ... until Meituan refuses one, of any kind.
        let r = ledger.reserve(&p, "/x").unwrap();
        ledger
            .finish(r, &api_refusal("1006", ErrorCode::Api, false))
            .unwrap();
        let st = ledger.status(&p).unwrap();
        assert!(!st.reopened);
        assert_eq!(st.level, QuotaLevel::Exhausted);
        assert_eq!(
            ledger.reserve(&p, "/x").unwrap_err().code(),
            ErrorCode::QuotaExhausted
        );
        // A network failure would not have closed it: only a refusal does.
        assert_eq!(ledger.observations(&p).unwrap().entries.len(), 1);
    }

    /// The media API documents its quota refusal (403), so on a reopened
    /// day its other refusals (here 402, too frequent) leave the day open;
    /// its 403 ends it.
    #[test]
    fn a_reopened_day_stays_open_through_a_media_refusal_that_is_not_for_quota() {
        let (_d, ledger, _c) = ledger();
        let p = profile("k", Tier::T2000);
        stored(&ledger, &p);
        fill(&ledger, "k", "2026-03-01", 2000);
        let probe = ledger.reserve_probe(&p, "/x").unwrap();
        ledger.finish(probe, &CallOutcome::ok(200)).unwrap();
        let r = ledger.reserve(&p, "/x").unwrap();
        ledger
            .finish(r, &api_refusal("402", ErrorCode::TooFrequent, true))
            .unwrap();
        let st = ledger.status(&p).unwrap();
        assert!(st.reopened, "a media 402 closed a reopened day");
        assert!(ledger.reserve(&p, "/x").is_ok());
        let r = ledger.reserve(&p, "/x").unwrap();
        ledger.finish(r, &quota_refusal()).unwrap();
        let st = ledger.status(&p).unwrap();
        assert!(!st.reopened && st.server_exhausted);
    }

    #[test]
    fn a_probe_refused_for_quota_confirms_the_day_and_one_not_sent_is_given_back() {
        let (_d, ledger, _c) = ledger();
        let p = profile("k", Tier::T2000);
        stored(&ledger, &p);
        fill(&ledger, "k", "2026-03-01", 2000);
        let probe = ledger.reserve_probe(&p, "/x").unwrap();
        ledger.cancel(probe).unwrap();
        assert_eq!(ledger.status(&p).unwrap().used, 2000);
        let probe = ledger.reserve_probe(&p, "/x").unwrap();
        ledger.finish(probe, &quota_refusal()).unwrap();
        let st = ledger.status(&p).unwrap();
        assert_eq!(
            (st.used, st.reopened, st.server_exhausted),
            (2001, false, true)
        );
        assert_eq!(st.early_refusal, None);
        let seen = ledger.observations(&p).unwrap();
        assert_eq!(seen.entries.len(), 1);
        assert_eq!(seen.entries[0].kind, ObservationKind::ProbeRefused);
        // The server closed the day: a probe is still allowed after the last finished.
        let probe = ledger.reserve_probe(&p, "/x").unwrap();
        ledger.finish(probe, &CallOutcome::ok(200)).unwrap();
        let st = ledger.status(&p).unwrap();
        assert!(st.reopened && !st.server_exhausted);
        assert!(ledger.reserve(&p, "/x").is_ok());
    }

    #[test]
    fn a_quota_refusal_that_ends_a_reopened_day_is_kept_as_taken_above_the_limit() {
        let (_d, ledger, _c) = ledger();
        let p = profile("k", Tier::T2000);
        stored(&ledger, &p);
        fill(&ledger, "k", "2026-03-01", 2000);
        let probe = ledger.reserve_probe(&p, "/x").unwrap();
        ledger.finish(probe, &CallOutcome::ok(200)).unwrap();
        for _ in 0..2 {
            let r = ledger.reserve(&p, "/x").unwrap();
            ledger.finish(r, &CallOutcome::ok(200)).unwrap();
        }
        let r = ledger.reserve(&p, "/x").unwrap();
        ledger.finish(r, &quota_refusal()).unwrap();
        let st = ledger.status(&p).unwrap();
        assert_eq!(
            (st.used, st.reopened, st.server_exhausted),
            (2004, false, true)
        );
        let seen = ledger.observations(&p).unwrap();
        let kinds: Vec<_> = seen.entries.iter().map(|e| (e.kind, e.used)).collect();
        assert!(
            kinds.contains(&(ObservationKind::RefusedAboveLimit, 2004)),
            "{kinds:?}"
        );
        // One such day suggests nothing yet.
        assert_eq!(seen.suggestion, None);
    }

    #[test]
    fn refusals_above_the_limit_on_two_days_suggest_a_higher_limit() {
        let above = |day: &str, used: u32| QuotaObservation {
            kind: ObservationKind::RefusedAboveLimit,
            ..early(day, used, 2000)
        };
        let two = [above("2026-03-02", 2650), above("2026-03-01", 2601)];
        assert_eq!(
            suggest(&two, Some(2000)),
            Some(LimitSuggestion {
                limit: 2600,
                days: 2
            })
        );
        // Adopted: nothing more to suggest.
        assert_eq!(suggest(&two, Some(2600)), None);
        // Early refusals never suggest more than the limit in use.
        let early_two = [
            early("2026-03-02", 1580, 2000),
            early("2026-03-01", 1501, 2000),
        ];
        assert_eq!(suggest(&early_two, Some(1400)), None);
    }

    fn early(day: &str, used: u32, limit: u32) -> QuotaObservation {
        QuotaObservation {
            observed_at: format!("{day}T20:00:00+08:00"),
            day: day.into(),
            kind: ObservationKind::EarlyRefusal,
            used,
            assumed_limit: limit,
        }
    }

    #[test]
    fn early_refusals_on_two_days_at_similar_counts_suggest_a_lower_limit() {
        // One day is not enough.
        assert_eq!(
            suggest(&[early("2026-03-01", 1501, 2000)], Some(2000)),
            None
        );
        // Two days within 10 %: about the smaller count less the refused call.
        let two = [
            early("2026-03-02", 1580, 2000),
            early("2026-03-01", 1501, 2000),
        ];
        assert_eq!(
            suggest(&two, Some(2000)),
            Some(LimitSuggestion {
                limit: 1500,
                days: 2
            })
        );
        // Far apart: no pattern.
        let apart = [
            early("2026-03-02", 1900, 2000),
            early("2026-03-01", 1000, 2000),
        ];
        assert_eq!(suggest(&apart, Some(2000)), None);
        // Just after midnight points at the reset time, not the limit.
        let resets = [early("2026-03-02", 5, 2000), early("2026-03-01", 5, 2000)];
        assert_eq!(suggest(&resets, Some(2000)), None);
        // Two refusals the same day are one day.
        let same = [
            early("2026-03-01", 1510, 2000),
            early("2026-03-01", 1501, 2000),
        ];
        assert_eq!(suggest(&same, Some(2000)), None);
        // The largest group wins.
        let three = [
            early("2026-03-04", 1200, 2000),
            early("2026-03-03", 1610, 2000),
            early("2026-03-02", 1640, 2000),
            early("2026-03-01", 1601, 2000),
        ];
        assert_eq!(
            suggest(&three, Some(2000)),
            Some(LimitSuggestion {
                limit: 1600,
                days: 3
            })
        );
        // Already at or below that: nothing to suggest.
        assert_eq!(suggest(&two, Some(1500)), None);
        // A later accepted probe contradicts them.
        let mut contradicted = two.to_vec();
        contradicted.insert(
            0,
            QuotaObservation {
                kind: ObservationKind::AcceptedAfterUsedUp,
                ..early("2026-03-03", 1501, 1500)
            },
        );
        assert_eq!(suggest(&contradicted, Some(2000)), None);
    }

    #[test]
    fn a_learned_limit_is_the_ledgers_limit_while_the_tier_stays() {
        let (_d, ledger, _c) = ledger();
        let mut p = profile("k", Tier::T2000);
        stored(&ledger, &p);
        for bad in [0, MAX_LEARNED_LIMIT + 1] {
            let e = ledger.set_learned_limit(&p, Some(bad)).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput);
        }
        ledger.set_learned_limit(&p, Some(1500)).unwrap();
        fill(&ledger, "k", "2026-03-01", 1499);
        let st = ledger.status(&p).unwrap();
        assert_eq!(
            (st.limit, st.remaining, st.limit_learned),
            (Some(1500), Some(1), true)
        );
        let r = ledger.reserve(&p, "/x").unwrap();
        assert_eq!(r.limit, Some(1500));
        ledger.finish(r, &CallOutcome::ok(200)).unwrap();
        assert_eq!(
            ledger.reserve(&p, "/x").unwrap_err().code(),
            ErrorCode::QuotaExhausted
        );
        let seen = ledger.observations(&p).unwrap();
        assert_eq!(seen.learned_limit.map(|l| l.daily_limit), Some(1500));
        assert_eq!(seen.tier_limit, Some(2000));
        // A new tier drops it.
        p.tier = Tier::T3000;
        let st = ledger.status(&p).unwrap();
        assert_eq!((st.limit, st.limit_learned), (Some(3000), false));
        assert!(ledger.observations(&p).unwrap().learned_limit.is_none());
        // Back to the tier's on request.
        p.tier = Tier::T2000;
        ledger.set_learned_limit(&p, None).unwrap();
        assert_eq!(ledger.status(&p).unwrap().limit, Some(2000));
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

    /// The learned limit and the observations belong to the appkey, as its
    /// count does: every profile sharing the appkey sees and uses the same.
    #[test]
    fn profiles_sharing_an_appkey_share_the_learned_limit_and_the_observations() {
        let (_d, ledger, _c) = ledger();
        let a = profile("same", Tier::T3000);
        let mut b = profile("same", Tier::T3000);
        b.id = "p2".into();
        let mut other = profile("other", Tier::T3000);
        other.id = "p3".into();
        for p in [&a, &b, &other] {
            stored(&ledger, p);
        }
        fill(&ledger, "same", "2026-03-01", 1999);
        let r = ledger.reserve(&a, "/x").unwrap();
        ledger.finish(r, &quota_refusal()).unwrap();
        let seen_b = ledger.observations(&b).unwrap();
        assert_eq!(seen_b.entries.len(), 1);
        assert_eq!(seen_b.entries[0].kind, ObservationKind::EarlyRefusal);
        assert!(ledger.observations(&other).unwrap().entries.is_empty());

        ledger.set_learned_limit(&a, Some(2000)).unwrap();
        let st_b = ledger.status(&b).unwrap();
        assert_eq!((st_b.limit, st_b.limit_learned), (Some(2000), true));
        assert_eq!(ledger.status(&other).unwrap().limit, Some(3000));
        // Set through one profile, replaced or cleared through the other.
        ledger.set_learned_limit(&b, Some(2500)).unwrap();
        assert_eq!(ledger.status(&a).unwrap().limit, Some(2500));
        ledger.set_learned_limit(&b, None).unwrap();
        let st_a = ledger.status(&a).unwrap();
        assert_eq!((st_a.limit, st_a.limit_learned), (Some(3000), false));
        assert_eq!(ledger.observations(&a).unwrap().learned_limit, None);
    }
}
