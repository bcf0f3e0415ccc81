//! The tier advisor: the console's call-frequency table (调用频次) as data,
//! the user's monthly average order volume from synced orders, the tier it
//! qualifies for and the gap to the next one.
//!
//! Monthly average, exactly (shown on screen and in `mtu tier`):
//! - orders of the profile in the local `orders` table whose status is
//!   `paid`, `completed` or `settled` (cancelled, refunded and risk-held
//!   orders are not volume Meituan rewards);
//! - grouped by the Beijing (+08:00) calendar month of `pay_time`;
//! - over the last [`COUNTED_MONTHS`] complete Beijing months before now;
//!   the current, partial month is shown but not counted;
//! - average = total of those months / 3, rounded down.
//!
//! A month with no synced orders counts as 0, so a user who synced only one
//! month sees a low average: the screen shows the months so that is visible.

use crate::clock::beijing;
use crate::error::Result;
use crate::profiles::{Profile, Tier};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use rusqlite::Connection;
use serde::Serialize;

/// Complete months averaged.
pub const COUNTED_MONTHS: u32 = 3;

/// Order statuses that count as volume.
pub const COUNTED_STATUSES: [&str; 3] = ["paid", "completed", "settled"];

/// One row of the console's table: from `min_monthly_orders` on, `tier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct TierRow {
    pub min_monthly_orders: u32,
    pub tier: Tier,
    /// Calls per Beijing day; `None` is 不限 (unlimited).
    pub daily_limit: Option<u32>,
}

/// The table, lowest tier first.
pub const TIER_TABLE: [TierRow; 5] = [
    TierRow {
        min_monthly_orders: 0,
        tier: Tier::T2000,
        daily_limit: Some(2000),
    },
    TierRow {
        min_monthly_orders: 1000,
        tier: Tier::T3000,
        daily_limit: Some(3000),
    },
    TierRow {
        min_monthly_orders: 2000,
        tier: Tier::T6000,
        daily_limit: Some(6000),
    },
    TierRow {
        min_monthly_orders: 5000,
        tier: Tier::T15000,
        daily_limit: Some(15000),
    },
    TierRow {
        min_monthly_orders: 10000,
        tier: Tier::Unlimited,
        daily_limit: None,
    },
];

fn row_of(tier: Tier) -> usize {
    TIER_TABLE
        .iter()
        .position(|r| r.tier == tier)
        .expect("every tier is in the table")
}

/// The tier a monthly average of `n` orders qualifies for.
pub fn tier_for_average(n: u64) -> Tier {
    TIER_TABLE
        .iter()
        .rev()
        .find(|r| n >= u64::from(r.min_monthly_orders))
        .map(|r| r.tier)
        .unwrap_or(Tier::T2000)
}

/// The row above `tier`, if any.
pub fn next_tier(tier: Tier) -> Option<TierRow> {
    TIER_TABLE.get(row_of(tier) + 1).copied()
}

/// Orders in one Beijing month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MonthCount {
    /// `YYYY-MM`.
    pub month: String,
    pub orders: u64,
    /// False for the current, partial month (shown, not averaged).
    pub counted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct NextTier {
    pub tier: Tier,
    /// `None` is 不限.
    pub limit: Option<u32>,
    pub min_monthly_orders: u32,
    /// How many more orders a month the average needs.
    pub orders_needed: u64,
}

/// What `mtu tier --json` prints and the quota screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct TierReport {
    pub monthly_average: u64,
    /// Oldest first: the counted months, then the current partial month.
    pub months: Vec<MonthCount>,
    /// The profile's limit now (`None` = unlimited).
    pub current_limit: Option<u32>,
    pub current_tier: Tier,
    /// The limit the average qualifies for (`None` = unlimited).
    pub eligible_limit: Option<u32>,
    pub eligible_tier: Tier,
    /// The tier above both the eligible and the current one; `None` at
    /// the top.
    pub next: Option<NextTier>,
    /// True when the average qualifies for more than the current limit: a
    /// frequency request (频次申请) is worth filing.
    pub can_request: bool,
    pub table: Vec<TierRow>,
    /// The definition above, in one English sentence.
    pub definition: String,
}

/// `YYYY-MM` of a Beijing month.
fn month_key(first_day: NaiveDate) -> String {
    first_day.format("%Y-%m").to_string()
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("day 1 exists")
}

fn prev_month(first: NaiveDate) -> NaiveDate {
    first_of_month(first.pred_opt().expect("in range"))
}

fn next_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("day 1 exists")
}

fn epoch_of(day: NaiveDate) -> i64 {
    beijing()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("fixed offset")
        .timestamp()
}

/// The months shown for `now`: [`COUNTED_MONTHS`] complete Beijing months,
/// then the current one. Each as (first day, counted).
pub fn report_months(now: DateTime<Utc>) -> Vec<(NaiveDate, bool)> {
    let current = first_of_month(now.with_timezone(&beijing()).date_naive());
    let mut months = Vec::new();
    let mut m = current;
    for _ in 0..COUNTED_MONTHS {
        m = prev_month(m);
        months.push((m, true));
    }
    months.reverse();
    months.push((current, false));
    months
}

/// Builds the report from per-month counts (`count(first_day)` gives the
/// orders of that Beijing month).
pub fn build_report(
    now: DateTime<Utc>,
    current_tier: Tier,
    mut count: impl FnMut(NaiveDate) -> Result<u64>,
) -> Result<TierReport> {
    let mut months = Vec::new();
    let mut total = 0u64;
    for (first, counted) in report_months(now) {
        let orders = count(first)?;
        if counted {
            total += orders;
        }
        months.push(MonthCount {
            month: month_key(first),
            orders,
            counted,
        });
    }
    Ok(report_from_average(
        total / u64::from(COUNTED_MONTHS),
        months,
        current_tier,
    ))
}

/// The report for a known average (the months as given).
pub fn report_from_average(
    monthly_average: u64,
    months: Vec<MonthCount>,
    current_tier: Tier,
) -> TierReport {
    let eligible = tier_for_average(monthly_average);
    // The next tier worth speaking of is above both the one the average
    // qualifies for and the one the profile already has (a granted request
    // can put the current tier above the eligible one).
    let base = if row_of(eligible) >= row_of(current_tier) {
        eligible
    } else {
        current_tier
    };
    let next = next_tier(base).map(|row| NextTier {
        tier: row.tier,
        limit: row.daily_limit,
        min_monthly_orders: row.min_monthly_orders,
        orders_needed: u64::from(row.min_monthly_orders).saturating_sub(monthly_average),
    });
    TierReport {
        monthly_average,
        months,
        current_limit: current_tier.daily_limit(),
        current_tier,
        eligible_limit: eligible.daily_limit(),
        eligible_tier: eligible,
        next,
        can_request: row_of(eligible) > row_of(current_tier),
        table: TIER_TABLE.to_vec(),
        definition: format!(
            "Orders with status paid, completed or settled, by Beijing calendar month of pay time, \
             over the last {COUNTED_MONTHS} complete months (the current month is shown, not counted); \
             average = total / {COUNTED_MONTHS}, rounded down."
        ),
    }
}

/// Counts a profile's orders paid in the Beijing month starting `first`
/// with a counted status. Reads `order_month_counts`, which triggers on
/// `orders` keep (migration 0008), so it costs the same for ten orders or a
/// million; [`count_month_by_scan`] is the same figure from the orders
/// themselves.
pub fn count_month(conn: &Connection, profile_id: &str, first: NaiveDate) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(orders), 0) FROM order_month_counts
             WHERE profile_id = ?1 AND month = ?2
               AND status IN ('paid', 'completed', 'settled')",
        )?
        .query_row(
            rusqlite::params![profile_id, first.format("%Y-%m").to_string()],
            |r| r.get(0),
        )?;
    Ok(n.max(0) as u64)
}

/// [`count_month`] computed by counting the orders paid in the month (by
/// `pay_time`, epoch seconds): the definition the kept counts must match.
pub fn count_month_by_scan(conn: &Connection, profile_id: &str, first: NaiveDate) -> Result<u64> {
    let from = epoch_of(first);
    let to = epoch_of(next_month(first));
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM orders
         WHERE profile_id = ?1 AND pay_time >= ?2 AND pay_time < ?3
           AND status IN ('paid', 'completed', 'settled')",
        rusqlite::params![profile_id, from, to],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// The tier report of a profile from its synced orders.
pub fn report(conn: &Connection, profile: &Profile, now: DateTime<Utc>) -> Result<TierReport> {
    build_report(now, profile.tier, |first| {
        count_month(conn, &profile.id, first)
    })
}
