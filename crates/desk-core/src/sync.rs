//! Incremental, resumable order sync.
//!
//! Legacy: `/api/orderList` by modification time (queryTimeType 2) in windows
//! of at most one day, 100 per page, for each business line (the endpoint
//! needs one). Media: `query_order` by update time with scroll paging. Every
//! page is one call through the gateway (so the quota ledger counts it), and
//! its orders are upserted in the same transaction that moves the cursor to
//! the next page: a sync killed anywhere resumes at the first page it had
//! not stored, and never fetches a page twice.
//!
//! A sync keeps a reserve of the day's calls (20 % by default) for other
//! work: it refuses to start when its estimate would eat into it and stops
//! (resumably) when it reaches it, unless the caller allows the reserve.

use crate::api::Api;
use crate::clock::beijing_rfc3339;
use crate::error::{Error, Result};
use crate::orders::{self, UpsertCounts};
use crate::profiles::{Generation, Profile};
use crate::store::sync::{RunCursor, SyncState};
use crate::store::{self, Store};
use meituan_union::{BusinessLine, OrderListRequest, QueryOrderRequest, QueryTimeType, SearchType};
use serde::{Deserialize, Serialize};

/// Orders per page (the API's maximum).
pub const PAGE_LIMIT: u32 = 100;
/// The longest window either API accepts.
pub const WINDOW_SECS: i64 = 86_400;
/// Share of the day's limit a sync leaves alone unless allowed.
pub const DEFAULT_RESERVE_PERCENT: u32 = 20;
/// How far back the first sync of a profile goes.
pub const DEFAULT_INITIAL_DAYS: u32 = 30;
/// The media API serves the last three months only.
pub const MEDIA_HORIZON_DAYS: u32 = 90;
/// A new run starts this much before the last synced instant, so a change
/// Meituan records a little late is still picked up. Within one window it
/// costs no extra call.
pub const DEFAULT_OVERLAP_SECS: i64 = 120;

const RESERVE_KEY: &str = "orders.sync_reserve_percent";

/// The share of the day's calls kept back from syncs (settings table).
pub fn reserve_percent(store: &Store) -> Result<u32> {
    let conn = store.connect()?;
    Ok(store::settings::get(&conn, RESERVE_KEY)?
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|p| *p <= 100)
        .unwrap_or(DEFAULT_RESERVE_PERCENT))
}

pub fn set_reserve_percent(store: &Store, percent: u32) -> Result<()> {
    if percent > 90 {
        return Err(Error::invalid("reserve_percent", "must be 0 to 90"));
    }
    store::settings::put(&*store.connect()?, RESERVE_KEY, &percent.to_string())
}

/// How a sync runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SyncOptions {
    /// Let the sync use the reserved part of today's calls.
    #[serde(default)]
    pub allow_reserve: bool,
    /// First sync of a profile: how many days back (by modification time).
    #[serde(default)]
    pub initial_days: Option<u32>,
    /// Stop after this many pages (the run stays resumable).
    #[serde(default)]
    pub max_pages: Option<u32>,
}

/// What a sync would do, shown before it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SyncPlan {
    /// Epoch seconds of the range by modification time.
    #[specta(type = f64)]
    pub from: i64,
    #[specta(type = f64)]
    pub to: i64,
    /// True when an interrupted sync will be resumed.
    pub resumes: bool,
    pub windows: u32,
    /// At least one call per window (and per business line, legacy).
    pub min_calls: u32,
    /// The minimum plus the pages the local order rate suggests.
    pub estimated_calls: u32,
    /// Calls left today (`null`: unlimited tier).
    pub remaining_today: Option<u32>,
    /// Calls kept back from syncs today (`null`: unlimited tier).
    pub reserve: Option<u32>,
    /// Calls the sync may use without the reserve (`null`: unlimited).
    pub usable: Option<u32>,
    /// Whether it can start without `allow_reserve`.
    pub fits: bool,
}

/// Why a sync stopped before the end of its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The page budget (`max_pages`) was spent.
    PageBudget,
    /// The next call would have used the day's reserve.
    Reserve,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SyncReport {
    /// Pages fetched (each one call).
    pub pages: u32,
    /// Calls made (equal to `pages`: a failed call ends the sync with an error).
    pub calls: u32,
    pub new: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Orders that could not be read (no id or pay time) and were skipped.
    pub skipped: u32,
    /// True when the whole range is stored; false when stopped early.
    pub complete: bool,
    pub stopped: Option<StopReason>,
    /// Epoch s up to which every change is stored.
    #[specta(type = Option<f64>)]
    pub synced_until: Option<i64>,
}

/// Progress after each page, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SyncProgress {
    pub pages: u32,
    pub windows_done: u32,
    pub windows: u32,
    pub new: u32,
    pub updated: u32,
}

/// The business lines a legacy sync walks (`orderList` needs one).
pub fn legacy_lines() -> &'static [BusinessLine] {
    BusinessLine::ALL
}

fn lines_per_window(generation: Generation) -> u32 {
    match generation {
        Generation::Legacy => legacy_lines().len() as u32,
        Generation::Media => 1,
    }
}

fn windows_between(from: i64, to: i64) -> u32 {
    if to < from {
        0
    } else {
        ((to - from) / WINDOW_SECS + 1) as u32
    }
}

/// The cursor a new run over `[from, to]` starts with.
fn new_run(from: i64, to: i64) -> RunCursor {
    RunCursor {
        from,
        to,
        window_start: from,
        line_index: 0,
        next_page: 1,
        total_pages: None,
        scroll_id: None,
        pages_done: 0,
    }
}

/// The run a sync would do now: the unfinished one, or a new one from the
/// last synced instant (less the overlap) to `now`.
fn run_for(
    state: &SyncState,
    generation: Generation,
    now: i64,
    options: &SyncOptions,
) -> RunCursor {
    if let Some(run) = &state.run {
        return run.clone();
    }
    let horizon_days = match generation {
        Generation::Media => MEDIA_HORIZON_DAYS,
        Generation::Legacy => u32::MAX,
    };
    let from = match state.synced_until {
        Some(until) => (until + 1 - DEFAULT_OVERLAP_SECS).min(now),
        None => {
            let days = options
                .initial_days
                .unwrap_or(DEFAULT_INITIAL_DAYS)
                .clamp(1, horizon_days.min(3650));
            now - i64::from(days) * WINDOW_SECS + 1
        }
    };
    let oldest = now - i64::from(horizon_days.min(3650)) * WINDOW_SECS + 1;
    new_run(from.max(oldest), now)
}

/// Calls still needed for a run at its cursor, at least.
fn min_calls_left(run: &RunCursor, generation: Generation) -> u32 {
    let lines = lines_per_window(generation);
    let windows_left = windows_between(run.window_start, run.to);
    match generation {
        Generation::Legacy => {
            let in_window = lines.saturating_sub(run.line_index)
                + run
                    .total_pages
                    .map_or(0, |t| t.saturating_sub(run.next_page));
            windows_left.saturating_sub(1) * lines + in_window
        }
        Generation::Media => windows_left,
    }
}

/// The estimate and quota check shown before a sync.
pub fn plan(api: &Api, profile: &Profile, options: &SyncOptions) -> Result<SyncPlan> {
    let store = api.store();
    let conn = store.connect()?;
    let state = store::sync::load(&conn, &profile.id)?;
    let now = api.clock().now().timestamp();
    let run = run_for(&state, profile.generation, now, options);
    let windows = windows_between(run.window_start, run.to);
    let min_calls = min_calls_left(&run, profile.generation);
    // Extra pages: the local rate of changes over the last week suggests how
    // many orders each remaining window holds.
    let week = store::orders::modified_between(&conn, &profile.id, now - 7 * WINDOW_SECS, now)?;
    let per_window = f64::from(week) / 7.0;
    let extra_pages = (per_window * f64::from(windows) / f64::from(PAGE_LIMIT)).floor() as u32;
    let estimated_calls = min_calls + extra_pages;
    let status = api.ledger().status(profile)?;
    let percent = reserve_percent(store)?;
    let reserve = status
        .limit
        .map(|l| (u64::from(l) * u64::from(percent)).div_ceil(100) as u32);
    let usable = match (status.remaining, reserve) {
        (Some(rem), Some(res)) => Some(rem.saturating_sub(res)),
        _ => None,
    };
    Ok(SyncPlan {
        from: run.from,
        to: run.to,
        resumes: state.run.is_some(),
        windows,
        min_calls,
        estimated_calls,
        remaining_today: status.remaining,
        reserve,
        usable,
        fits: usable.is_none_or(|u| estimated_calls <= u),
    })
}

/// Whether one more call stays out of the reserve.
fn may_call(api: &Api, profile: &Profile, options: &SyncOptions, percent: u32) -> Result<bool> {
    if options.allow_reserve {
        return Ok(true);
    }
    let status = api.ledger().status(profile)?;
    Ok(match (status.limit, status.remaining) {
        (Some(limit), Some(remaining)) => {
            let reserve = (u64::from(limit) * u64::from(percent)).div_ceil(100) as u32;
            remaining > reserve
        }
        _ => true,
    })
}

/// Runs (or resumes) a sync of the profile's orders. Refuses to start when
/// the estimate does not fit outside the reserve, unless `allow_reserve`.
/// How long a sync's lease lasts without renewal; every page renews it, so
/// only a sync whose process died (or a page stuck this long) lets it lapse.
pub const LEASE_SECS: i64 = 300;

/// A unique name for this sync run, for its lease.
fn lease_holder() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Fetches what changed since the last sync, resuming an interrupted one.
/// Only one sync per profile runs at a time, across the app and `mtu`:
/// another one is refused with [`Error::SyncRunning`] before any call.
pub async fn sync(
    api: &Api,
    profile: &Profile,
    options: &SyncOptions,
    progress: Option<&(dyn Fn(&SyncProgress) + Send + Sync)>,
) -> Result<SyncReport> {
    let holder = lease_holder();
    let now = api.clock().now().timestamp();
    let taken = store::sync::acquire_lease(
        &*api.store().connect()?,
        &profile.id,
        &holder,
        now,
        now + LEASE_SECS,
    )?;
    if !taken {
        return Err(Error::SyncRunning);
    }
    // Dropped when the sync ends, fails or is cancelled (its future dropped).
    let _lease = Lease {
        store: api.store().clone(),
        profile_id: profile.id.clone(),
        holder: holder.clone(),
    };
    sync_holding_lease(api, profile, options, progress, &holder).await
}

/// Releases a sync's lease when dropped.
struct Lease {
    store: Store,
    profile_id: String,
    holder: String,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let released = self
            .store
            .connect()
            .and_then(|c| store::sync::release_lease(&c, &self.profile_id, &self.holder));
        if let Err(e) = released {
            tracing::warn!(error = %e, "could not release the sync lease; it expires by itself");
        }
    }
}

async fn sync_holding_lease(
    api: &Api,
    profile: &Profile,
    options: &SyncOptions,
    progress: Option<&(dyn Fn(&SyncProgress) + Send + Sync)>,
    holder: &str,
) -> Result<SyncReport> {
    let plan = plan(api, profile, options)?;
    if !options.allow_reserve && !plan.fits {
        return Err(Error::invalid(
            "allow_reserve",
            format!(
                "this sync needs about {} calls but only {} remain before the reserve of {} \
                 calls; allow the reserve or sync later",
                plan.estimated_calls,
                plan.usable.unwrap_or(0),
                plan.reserve.unwrap_or(0)
            ),
        ));
    }
    let store = api.store();
    let mut conn = store.connect()?;
    let mut state = store::sync::load(&conn, &profile.id)?;
    let now = api.clock().now().timestamp();
    let mut run = run_for(&state, profile.generation, now, options);
    let percent = reserve_percent(store)?;
    let windows = windows_between(run.from, run.to);
    let mut report = SyncReport {
        pages: 0,
        calls: 0,
        new: 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        complete: false,
        stopped: None,
        synced_until: state.synced_until,
    };
    if state.run.is_none() {
        // Persist the run's range first: a resume must cover the same
        // windows (the media scroll cursor is bound to them).
        state.run = Some(run.clone());
        store::sync::save(
            &conn,
            &profile.id,
            &state,
            &beijing_rfc3339(api.clock().now()),
        )?;
    }
    while run.window_start <= run.to {
        if options.max_pages.is_some_and(|m| report.pages >= m) {
            report.stopped = Some(StopReason::PageBudget);
            return Ok(report);
        }
        if !may_call(api, profile, options, percent)? {
            report.stopped = Some(StopReason::Reserve);
            return Ok(report);
        }
        let renewed_until = api.clock().now().timestamp() + LEASE_SECS;
        if !store::sync::renew_lease(&conn, &profile.id, holder, renewed_until)? {
            // Our lease lapsed and another sync took over: leave it the work.
            return Err(Error::SyncRunning);
        }
        let window_end = (run.window_start + WINDOW_SECS - 1).min(run.to);
        let (rows, skipped, mut next) = fetch_page(api, profile, &run, window_end).await?;
        report.pages += 1;
        report.calls += 1;
        report.skipped += skipped;
        next.pages_done = run.pages_done + 1;
        let finished = next.window_start > next.to;
        state.run = (!finished).then(|| next.clone());
        if finished {
            state.synced_until = Some(run.to);
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let counts: UpsertCounts = store::orders::upsert(&tx, &profile.id, &rows)?;
        store::sync::save(
            &tx,
            &profile.id,
            &state,
            &beijing_rfc3339(api.clock().now()),
        )?;
        tx.commit()?;
        report.new += counts.new;
        report.updated += counts.updated;
        report.unchanged += counts.unchanged;
        run = next;
        if let Some(cb) = progress {
            cb(&SyncProgress {
                pages: report.pages,
                windows_done: windows - windows_between(run.window_start, run.to),
                windows,
                new: report.new,
                updated: report.updated,
            });
        }
    }
    report.complete = true;
    report.synced_until = state.synced_until;
    Ok(report)
}

/// Fetches the page at the cursor; returns its orders, how many were
/// skipped, and the cursor of the page after it.
async fn fetch_page(
    api: &Api,
    profile: &Profile,
    run: &RunCursor,
    window_end: i64,
) -> Result<(Vec<orders::OrderRow>, u32, RunCursor)> {
    let mut next = run.clone();
    let mut skipped = 0;
    let mut rows = Vec::new();
    match profile.generation {
        Generation::Legacy => {
            let lines = legacy_lines();
            let line = lines[(run.line_index as usize).min(lines.len() - 1)];
            let req = OrderListRequest {
                business_line: Some(line),
                act_id: None,
                start_time: run.window_start,
                end_time: window_end,
                page: run.next_page,
                limit: PAGE_LIMIT,
                query_time_type: QueryTimeType::ModifyTime,
            };
            let answer = api.legacy(profile, &req).await?;
            for o in &answer.orders {
                match orders::from_legacy(o) {
                    Ok(r) => rows.push(r),
                    Err(e) => {
                        tracing::warn!(error = %e, "skipped an unreadable order");
                        skipped += 1;
                    }
                }
            }
            let total = u32::try_from(answer.total.max(0)).unwrap_or(u32::MAX);
            let pages = total.div_ceil(PAGE_LIMIT).max(1);
            // The total may grow between pages while the window includes now.
            let pages = pages.max(run.total_pages.unwrap_or(0));
            if run.next_page < pages && !answer.orders.is_empty() {
                next.next_page = run.next_page + 1;
                next.total_pages = Some(pages);
            } else {
                next.next_page = 1;
                next.total_pages = None;
                next.line_index = run.line_index + 1;
                if next.line_index as usize >= lines.len() {
                    next.line_index = 0;
                    next.window_start = run.window_start + WINDOW_SECS;
                }
            }
        }
        Generation::Media => {
            let mut req = QueryOrderRequest::window(
                run.window_start,
                window_end,
                QueryTimeType::ModifyTime,
                SearchType::Scroll,
                PAGE_LIMIT,
            );
            req.scroll_id = run.scroll_id.clone();
            let answer = api.media(profile, &req).await?;
            for o in &answer.orders {
                match orders::from_media(o) {
                    Ok(r) => rows.push(r),
                    Err(e) => {
                        tracing::warn!(error = %e, "skipped an unreadable order");
                        skipped += 1;
                    }
                }
            }
            match req.next_scroll_page(&answer) {
                Some(after) => next.scroll_id = after.scroll_id,
                None => {
                    next.scroll_id = None;
                    next.window_start = run.window_start + WINDOW_SECS;
                }
            }
        }
    }
    Ok((rows, skipped, next))
}

/// Where a profile's sync stands, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SyncStatus {
    #[specta(type = Option<f64>)]
    pub synced_until: Option<i64>,
    /// An interrupted sync will resume.
    pub interrupted: bool,
    pub pages_done: u32,
}

pub fn status(store: &Store, profile_id: &str) -> Result<SyncStatus> {
    let state = store::sync::load(&*store.connect()?, profile_id)?;
    Ok(SyncStatus {
        synced_until: state.synced_until,
        interrupted: state.run.is_some(),
        pages_done: state.run.map_or(0, |r| r.pages_done),
    })
}

/// Forgets the cursor: the next sync starts from `initial_days` back.
/// Stored orders stay.
pub fn reset(store: &Store, profile_id: &str) -> Result<()> {
    store::sync::reset(&*store.connect()?, profile_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_range_without_overlap() {
        assert_eq!(windows_between(0, 0), 1);
        assert_eq!(windows_between(0, WINDOW_SECS - 1), 1);
        assert_eq!(windows_between(0, WINDOW_SECS), 2);
        assert_eq!(windows_between(10, 5), 0);
    }

    #[test]
    fn first_run_goes_back_initial_days_and_resume_keeps_the_cursor() {
        let now = 1_772_300_000;
        let state = SyncState::default();
        let opts = SyncOptions {
            initial_days: Some(2),
            ..Default::default()
        };
        let run = run_for(&state, Generation::Legacy, now, &opts);
        assert_eq!(run.to, now);
        assert_eq!(windows_between(run.from, run.to), 2);
        assert_eq!(min_calls_left(&run, Generation::Legacy), 14);
        assert_eq!(min_calls_left(&run, Generation::Media), 2);
        let mut mid = run.clone();
        mid.line_index = 3;
        mid.next_page = 2;
        mid.total_pages = Some(4);
        let resumed = run_for(
            &SyncState {
                synced_until: None,
                run: Some(mid.clone()),
            },
            Generation::Legacy,
            now + 999,
            &opts,
        );
        assert_eq!(resumed, mid);
        // Pages 2..4 of line 3, lines 4..6 of this window, 7 of the next.
        assert_eq!(min_calls_left(&mid, Generation::Legacy), 4 + 2 + 7);
        // A later run starts at the last synced instant, less the overlap.
        let later = run_for(
            &SyncState {
                synced_until: Some(now),
                run: None,
            },
            Generation::Media,
            now + 3600,
            &opts,
        );
        assert_eq!(later.from, now + 1 - DEFAULT_OVERLAP_SECS);
        assert_eq!(windows_between(later.from, later.to), 1);
    }

    #[test]
    fn media_first_run_is_capped_at_three_months() {
        let now = 1_772_300_000;
        let run = run_for(
            &SyncState::default(),
            Generation::Media,
            now,
            &SyncOptions {
                initial_days: Some(400),
                ..Default::default()
            },
        );
        assert_eq!(windows_between(run.from, run.to), MEDIA_HORIZON_DAYS);
    }
}
