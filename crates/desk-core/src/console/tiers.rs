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
//! This is our estimate, not Meituan's figure: the seed says only
//! 我们会根据您的月均订单量反馈结果. So the report says which months and how
//! many orders it counted and whether the synced history covers each month
//! completely (a month before the first synced day counts 0 and makes the
//! estimate too low), and a figure the user read in the console (数据中心)
//! and typed in is preferred to it.

use crate::clock::beijing;
use crate::error::{Error, Result};
use crate::profiles::{Profile, Tier};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
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

/// The table, lowest tier first, as [`Tier`] defines it.
pub const TIER_TABLE: [TierRow; 5] = [
    row(Tier::ALL[0]),
    row(Tier::ALL[1]),
    row(Tier::ALL[2]),
    row(Tier::ALL[3]),
    row(Tier::ALL[4]),
];

const fn row(tier: Tier) -> TierRow {
    TierRow {
        min_monthly_orders: tier.min_monthly_orders(),
        tier,
        daily_limit: tier.daily_limit(),
    }
}

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
    /// The synced history covers the whole month (up to now for the
    /// current one); otherwise its count is too low.
    pub complete: bool,
}

/// Where the report's `monthly_average` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AverageSource {
    /// The figure the user read in the Meituan Union console and typed in.
    Console,
    /// Our estimate from the synced orders.
    Estimate,
}

/// A monthly average the user typed in from the console (数据中心).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ConsoleFigure {
    pub monthly_orders: u64,
    /// When it was typed in (RFC 3339, Beijing).
    pub entered_at: String,
}

/// The largest figure accepted as a monthly order count.
pub const MAX_CONSOLE_FIGURE: u64 = 100_000_000;

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
    /// The figure the tiers are read from: the console figure when the
    /// user typed one in, else the estimate.
    pub monthly_average: u64,
    pub source: AverageSource,
    /// Our estimate from the synced orders, whatever the source.
    pub estimated_average: u64,
    /// Orders of the counted months (the estimate is this / 3).
    pub counted_orders: u64,
    pub console_figure: Option<ConsoleFigure>,
    /// The first instant (epoch s) of the synced history; `None` before a
    /// complete sync.
    #[specta(type = Option<f64>)]
    pub history_from: Option<i64>,
    /// Every counted month is covered by the synced history.
    pub history_complete: bool,
    /// Days back a sync must reach for every counted month to be covered.
    pub history_days_needed: u32,
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

use meituan_union::beijing::day_start_s as epoch_of;

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
/// `history` is the synced range `[from, until]` (epoch s), `console` the
/// figure the user typed in.
pub fn build_report(
    now: DateTime<Utc>,
    current_tier: Tier,
    history: Option<(i64, i64)>,
    console: Option<ConsoleFigure>,
    mut count: impl FnMut(NaiveDate) -> Result<u64>,
) -> Result<TierReport> {
    let now_s = now.timestamp();
    let mut months = Vec::new();
    let mut total = 0u64;
    let mut first_counted = None;
    for (first, counted) in report_months(now) {
        let orders = count(first)?;
        if counted {
            total += orders;
            first_counted.get_or_insert(first);
        }
        let (start, end) = (
            epoch_of(first),
            (epoch_of(next_month(first)) - 1).min(now_s),
        );
        months.push(MonthCount {
            month: month_key(first),
            orders,
            counted,
            complete: history.is_some_and(|(from, until)| from <= start && until >= end),
        });
    }
    let estimate = total / u64::from(COUNTED_MONTHS);
    let mut report = report_from_average(
        console.as_ref().map_or(estimate, |c| c.monthly_orders),
        months,
        current_tier,
    );
    report.estimated_average = estimate;
    report.counted_orders = total;
    if console.is_some() {
        report.source = AverageSource::Console;
    }
    report.console_figure = console;
    report.history_from = history.map(|(from, _)| from);
    report.history_days_needed = first_counted.map_or(0, |first| {
        u32::try_from((now_s - epoch_of(first)) / 86_400 + 1).unwrap_or(u32::MAX)
    });
    Ok(report)
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
    let history_complete = months.iter().filter(|m| m.counted).all(|m| m.complete);
    TierReport {
        monthly_average,
        source: AverageSource::Estimate,
        estimated_average: monthly_average,
        counted_orders: 0,
        console_figure: None,
        history_from: None,
        history_complete,
        history_days_needed: 0,
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

/// The tier report of a profile from its synced orders (and the console
/// figure, when the user typed one in).
pub fn report(conn: &Connection, profile: &Profile, now: DateTime<Utc>) -> Result<TierReport> {
    let history = crate::orders::sync::sql::synced_range(conn, &profile.id)?;
    build_report(
        now,
        profile.tier,
        history,
        console_figure(conn, &profile.id)?,
        |first| count_month(conn, &profile.id, first),
    )
}

/// The monthly average the user typed in from the console, if any.
pub fn console_figure(conn: &Connection, profile_id: &str) -> Result<Option<ConsoleFigure>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT monthly_orders, entered_at FROM tier_figures WHERE profile_id = ?1",
            [profile_id],
            |r| {
                Ok(ConsoleFigure {
                    monthly_orders: r.get::<_, i64>(0)?.max(0) as u64,
                    entered_at: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// Stores (or with `None` forgets) the monthly average the user read in
/// the console's 数据中心.
pub fn set_console_figure(
    conn: &Connection,
    profile_id: &str,
    monthly_orders: Option<u64>,
    at: &str,
) -> Result<()> {
    match monthly_orders {
        Some(n) if n > MAX_CONSOLE_FIGURE => Err(Error::invalid(
            "monthly_orders",
            format!("at most {MAX_CONSOLE_FIGURE} orders a month"),
        )),
        Some(n) => {
            conn.execute(
                "INSERT INTO tier_figures (profile_id, monthly_orders, entered_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(profile_id) DO UPDATE SET monthly_orders = excluded.monthly_orders,
                        entered_at = excluded.entered_at",
                rusqlite::params![profile_id, n as i64, at],
            )?;
            Ok(())
        }
        None => {
            conn.execute(
                "DELETE FROM tier_figures WHERE profile_id = ?1",
                [profile_id],
            )?;
            Ok(())
        }
    }
}
