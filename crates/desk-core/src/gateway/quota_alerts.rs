//! Desktop notices for the daily quota: once when a profile's calls today
//! pass 80 % of its limit, once when they reach 100 % (or Meituan refused a
//! call for quota), per profile per Beijing day. The shell polls
//! [`take_quota_alerts`] on a timer and hands each alert to the OS
//! notification service; what to say, and whether it was said already
//! today, is decided here, so it is tested without a window. Polling the
//! ledger (rather than hooking the call path) also catches calls made by
//! `mtu` on the same data folder.

use crate::clock::{beijing_rfc3339, Clock};
use crate::error::Result;
use crate::gateway::quota::{QuotaLedger, QuotaStatus, WARNING_PERCENT};
use crate::profiles::{self, Profile};
use crate::settings::{Language, Settings};
use crate::store::Store;
use crate::words;

/// This feature's SQL.
pub mod sql;

/// A threshold a notice is given for, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum QuotaThreshold {
    /// [`WARNING_PERCENT`] (80 %) of the limit used.
    Warning,
    /// The limit reached, or the server refused a call for quota.
    Exhausted,
}

impl QuotaThreshold {
    /// As stored in `quota_notices.percent`.
    pub fn percent(self) -> u32 {
        match self {
            QuotaThreshold::Warning => WARNING_PERCENT,
            QuotaThreshold::Exhausted => 100,
        }
    }

    fn from_percent(percent: u32) -> Option<Self> {
        match percent {
            p if p >= 100 => Some(QuotaThreshold::Exhausted),
            p if p >= WARNING_PERCENT => Some(QuotaThreshold::Warning),
            _ => None,
        }
    }
}

/// The highest threshold today's usage has passed; `None` below 80 % and
/// always for an unlimited tier (it is counted, but has no limit to warn
/// about).
pub fn threshold_reached(status: &QuotaStatus) -> Option<QuotaThreshold> {
    let limit = u64::from(status.limit?);
    let used = u64::from(status.used);
    if status.server_exhausted || used >= limit {
        Some(QuotaThreshold::Exhausted)
    } else if used * 100 >= limit * u64::from(WARNING_PERCENT) {
        Some(QuotaThreshold::Warning)
    } else {
        None
    }
}

/// Which notice to give now, given today's status and the highest threshold
/// already notified *today* (`None` when nothing was, including on a new
/// Beijing day). Only the highest threshold passed is notified: a jump from
/// 70 % to 100 % gives the 100 % notice alone.
pub fn notice_due(status: &QuotaStatus, already: Option<QuotaThreshold>) -> Option<QuotaThreshold> {
    let reached = threshold_reached(status)?;
    match already {
        Some(done) if done >= reached => None,
        _ => Some(reached),
    }
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaAlert {
    pub profile_id: String,
    pub threshold: QuotaThreshold,
    pub title: String,
    pub body: String,
}

/// The notices due now for every profile, each recorded as given before it
/// is returned (so it comes once, even if showing it fails), worded in the
/// user's language.
pub fn take_quota_alerts(
    store: &Store,
    ledger: &QuotaLedger,
    clock: &dyn Clock,
) -> Result<Vec<QuotaAlert>> {
    let profiles = profiles::list(store)?;
    let mut due = Vec::new();
    {
        let conn = store.connect()?;
        for profile in profiles {
            let status = ledger.status(&profile)?;
            let already = sql::notified(&conn, &profile.id, &status.day)?
                .and_then(QuotaThreshold::from_percent);
            let Some(threshold) = notice_due(&status, already) else {
                continue;
            };
            // Another check may have recorded it in between: only the one
            // that records it notifies.
            let recorded = sql::record(
                &conn,
                &profile.id,
                &status.day,
                threshold.percent(),
                &beijing_rfc3339(clock.now()),
            )?;
            if recorded {
                due.push((profile, status, threshold));
            }
        }
    }
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let language = Settings::load(store)?.language;
    Ok(due
        .iter()
        .map(|(profile, status, threshold)| alert_for(profile, status, *threshold, language))
        .collect())
}

/// The words of one notice.
pub fn alert_for(
    profile: &Profile,
    status: &QuotaStatus,
    threshold: QuotaThreshold,
    language: Language,
) -> QuotaAlert {
    let name = &profile.name;
    let used = status.used;
    let limit = status.limit.unwrap_or(0);
    let percent = if limit == 0 {
        0
    } else {
        u64::from(used) * 100 / u64::from(limit)
    };
    // The screens' catalogues word the notices (`notify.quota.*`), so the
    // reset is called our estimate here as everywhere.
    let (used, limit, percent) = (used.to_string(), limit.to_string(), percent.to_string());
    let threshold_percent = WARNING_PERCENT.to_string();
    let params = [
        ("name", name.as_str()),
        ("used", used.as_str()),
        ("limit", limit.as_str()),
        ("percent", percent.as_str()),
        ("threshold", threshold_percent.as_str()),
    ];
    let say = |key: &str| words::t(language, &format!("notify.quota.{key}"), &params);
    let (title, body) = match threshold {
        QuotaThreshold::Warning => (say("warningTitle"), say("warningBody")),
        QuotaThreshold::Exhausted if status.server_exhausted => {
            (say("exhaustedTitle"), say("serverBody"))
        }
        QuotaThreshold::Exhausted => (say("exhaustedTitle"), say("localBody")),
    };
    QuotaAlert {
        profile_id: profile.id.clone(),
        threshold,
        title,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{beijing, beijing_day};
    use crate::gateway::quota::QuotaLevel;
    use crate::profiles::{Endpoint, Generation, NewProfile, Tier};
    use crate::secrets::vault::MemoryVault;
    use crate::ManualClock;
    use chrono::{Duration, TimeZone, Utc};
    use std::sync::Arc;

    fn status(used: u32, limit: Option<u32>, server_exhausted: bool) -> QuotaStatus {
        QuotaStatus {
            day: "2026-03-02".into(),
            used,
            limit,
            remaining: limit.map(|l| l.saturating_sub(used)),
            resets_at: "2026-03-03T00:00:00+08:00".into(),
            tier: Tier::T2000,
            level: QuotaLevel::Normal,
            server_exhausted,
            early_refusal: None,
            reopened: false,
            limit_learned: false,
        }
    }

    #[test]
    fn the_decision_at_80_and_100_percent() {
        use QuotaThreshold::*;
        // Below 80 %: nothing.
        assert_eq!(notice_due(&status(1599, Some(2000), false), None), None);
        // Crossing 80 %.
        assert_eq!(
            notice_due(&status(1600, Some(2000), false), None),
            Some(Warning)
        );
        // Not twice the same day.
        assert_eq!(
            notice_due(&status(1700, Some(2000), false), Some(Warning)),
            None
        );
        // Crossing 100 % after the 80 % notice.
        assert_eq!(
            notice_due(&status(2000, Some(2000), false), Some(Warning)),
            Some(Exhausted)
        );
        assert_eq!(
            notice_due(&status(2000, Some(2000), false), Some(Exhausted)),
            None
        );
        // A jump past both gives the 100 % notice alone.
        assert_eq!(
            notice_due(&status(2000, Some(2000), false), None),
            Some(Exhausted)
        );
        // Meituan's quota refusal counts as 100 %, whatever the local count.
        assert_eq!(
            notice_due(&status(10, Some(2000), true), Some(Warning)),
            Some(Exhausted)
        );
        // The unlimited tier never.
        assert_eq!(notice_due(&status(1_000_000, None, false), None), None);
        assert_eq!(notice_due(&status(1_000_000, None, true), None), None);
    }

    fn bj(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<Utc> {
        beijing()
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Store,
        clock: Arc<ManualClock>,
        ledger: QuotaLedger,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.sqlite3")).unwrap();
        let clock = Arc::new(ManualClock::new(bj(2026, 3, 2, 10)));
        let ledger = QuotaLedger::new(store.clone(), clock.clone());
        Fixture {
            _dir: dir,
            store,
            clock,
            ledger,
        }
    }

    fn add_profile(f: &Fixture, name: &str, appkey: &str, tier: Tier) -> Profile {
        profiles::create(
            &f.store,
            &MemoryVault::new(),
            f.clock.as_ref(),
            NewProfile {
                name: name.into(),
                appkey: appkey.into(),
                generation: Generation::Legacy,
                endpoint: Endpoint::Meituan,
                tier,
                api_secret: None,
                callback_secret: None,
            },
        )
        .unwrap()
    }

    /// Sets today's count for `appkey` as the ledger would have.
    fn set_used(f: &Fixture, appkey: &str, used: u32) {
        let day = beijing_day(f.clock.now()).format("%Y-%m-%d").to_string();
        f.store
            .connect()
            .unwrap()
            .execute(
                "INSERT INTO quota_days (appkey, day, used) VALUES (?1, ?2, ?3)
                 ON CONFLICT(appkey, day) DO UPDATE SET used = excluded.used",
                rusqlite::params![appkey, day, used],
            )
            .unwrap();
    }

    fn take(f: &Fixture) -> Vec<QuotaAlert> {
        take_quota_alerts(&f.store, &f.ledger, f.clock.as_ref()).unwrap()
    }

    const KEY: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    const OTHER: &str = "0f9e8d7c6b5a49382716f5e4d3c2b1a0";

    #[test]
    fn once_at_80_once_at_100_per_profile_per_beijing_day() {
        let f = fixture();
        let shop = add_profile(&f, "小店推广", KEY, Tier::T2000);
        let free = add_profile(&f, "不限账号", OTHER, Tier::Unlimited);

        set_used(&f, KEY, 1599);
        set_used(&f, OTHER, 50_000);
        assert!(take(&f).is_empty(), "below 80 % and unlimited: nothing");

        set_used(&f, KEY, 1600);
        let alerts = take(&f);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].profile_id, shop.id);
        assert_eq!(alerts[0].threshold, QuotaThreshold::Warning);
        assert_eq!(alerts[0].title, "今日调用次数已过 80%");
        assert_eq!(
            alerts[0].body,
            "「小店推广」今天已调用 1600 / 2000 次（80%）。我们估计调用次数在北京时间 0 点重置（美团未公布重置时间）。"
        );
        // Not twice the same day, however often the timer asks.
        set_used(&f, KEY, 1900);
        assert!(take(&f).is_empty());
        assert!(take(&f).is_empty());

        set_used(&f, KEY, 2000);
        let alerts = take(&f);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].threshold, QuotaThreshold::Exhausted);
        assert_eq!(alerts[0].title, "今天的调用次数已用完");
        assert!(alerts[0].body.contains("2000 / 2000"), "{}", alerts[0].body);
        assert!(take(&f).is_empty());

        // The next Beijing day (00:30 there) starts afresh: yesterday's
        // count does not carry over, and the notices come again, in English
        // now that the user chose it.
        let mut settings = Settings::load(&f.store).unwrap();
        settings.language = Language::En;
        settings.save(&f.store).unwrap();
        f.clock.set(bj(2026, 3, 3, 0) + Duration::minutes(30));
        assert!(take(&f).is_empty());
        set_used(&f, KEY, 1700);
        let alerts = take(&f);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].threshold, QuotaThreshold::Warning);
        assert_eq!(alerts[0].title, "Today's calls passed 80 %");
        assert_eq!(
            alerts[0].body,
            "“小店推广” has made 1700 of 2000 calls today (85 %). We estimate the count resets at midnight Beijing time; Meituan does not publish when."
        );
        // Yesterday's record is gone: the table holds today's at most.
        let rows: i64 = f
            .store
            .connect()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM quota_notices WHERE profile_id = ?1",
                [&shop.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 1);
        // The unlimited profile never got one.
        let free_rows: i64 = f
            .store
            .connect()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM quota_notices WHERE profile_id = ?1",
                [&free.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(free_rows, 0);
    }

    #[test]
    fn a_server_quota_refusal_gives_the_100_percent_notice() {
        let f = fixture();
        add_profile(&f, "media", KEY, Tier::T3000);
        set_used(&f, KEY, 12);
        let day = beijing_day(f.clock.now()).format("%Y-%m-%d").to_string();
        f.store
            .connect()
            .unwrap()
            .execute(
                "UPDATE quota_days SET server_exhausted_at = '2026-03-02T10:00:00+08:00'
                  WHERE appkey = ?1 AND day = ?2",
                [KEY, &day],
            )
            .unwrap();
        let alerts = take(&f);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].threshold, QuotaThreshold::Exhausted);
        assert!(
            alerts[0].body.contains("美团以调用次数已用完为由拒绝"),
            "{}",
            alerts[0].body
        );
        assert!(take(&f).is_empty());
    }

    #[test]
    fn a_lower_threshold_never_overwrites_a_higher_one() {
        let f = fixture();
        let p = add_profile(&f, "p", KEY, Tier::T2000);
        let conn = f.store.connect().unwrap();
        let day = "2026-03-02";
        let at = "2026-03-02T10:00:00+08:00";
        assert!(sql::record(&conn, &p.id, day, 100, at).unwrap());
        assert!(!sql::record(&conn, &p.id, day, 80, at).unwrap());
        assert!(!sql::record(&conn, &p.id, day, 100, at).unwrap());
        assert_eq!(sql::notified(&conn, &p.id, day).unwrap(), Some(100));
    }
}
