//! Incremental, resumable order sync.
//!
//! Legacy: `/api/orderList` by modification time (queryTimeType 2) in windows
//! of at most one day, 100 per page, for each business line (the endpoint
//! needs one). Media: `query_order` by update time with scroll paging, once
//! for each of [`meituan_union::lines::MEDIA_ORDER_PASSES`] (到家 without a
//! line list, which leaves out 商品超值券包; 到家 券包 alone; 到店). Every
//! page is one call through the gateway (so the quota ledger counts it), and
//! its orders are upserted in the same transaction that moves the cursor to
//! the next page: a sync killed anywhere resumes at the first page it had
//! not stored, and never fetches a page twice.
//!
//! A sync keeps a reserve of the day's calls (20 % by default) for other
//! work: it refuses to start when its estimate would eat into it and stops
//! (resumably) when it reaches it, unless the caller allows the reserve.

use crate::clock::beijing_rfc3339;
use crate::error::{Error, Result};
use crate::gateway::api::Api;
use crate::orders::{self, UpsertCounts};
use crate::profiles::{Generation, Profile};
use crate::store::Store;
use meituan_union::lines::MEDIA_ORDER_PASSES;
use meituan_union::{BusinessLine, OrderListRequest, QueryOrderRequest, QueryTimeType, SearchType};
use serde::{Deserialize, Serialize};
use sql::{RunCursor, SyncState};

/// This feature's SQL.
pub mod sql;

/// Orders per page (the API's maximum).
pub const PAGE_LIMIT: u32 = 100;
/// The window of one sync step: the legacy `orderList` maximum of one day
/// (bububa/meituan `model/orderList.go:21`), also used for media, where no
/// maximum is documented, as the app's own paging.
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
    Ok(crate::settings::sql::get(&conn, RESERVE_KEY)?
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|p| *p <= 100)
        .unwrap_or(DEFAULT_RESERVE_PERCENT))
}

pub fn set_reserve_percent(store: &Store, percent: u32) -> Result<()> {
    if percent > 90 {
        return Err(Error::invalid("reserve_percent", "must be 0 to 90"));
    }
    crate::settings::sql::put(&*store.connect()?, RESERVE_KEY, &percent.to_string())
}

/// How a sync runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SyncOptions {
    /// Let the sync use the reserved part of today's calls.
    #[serde(default)]
    pub allow_reserve: bool,
    /// How many days back (by modification time) the stored history should
    /// reach: the first sync goes this far back ([`DEFAULT_INITIAL_DAYS`]
    /// when `None`); a later one reaches back this far too when the stored
    /// history starts later (fetching the days in between again), so the
    /// monthly-average estimate can be made complete.
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
        Generation::Media => MEDIA_ORDER_PASSES.len() as u32,
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
    synced_from: Option<i64>,
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
    let back = |days: u32| now - i64::from(days.clamp(1, horizon_days.min(3650))) * WINDOW_SECS + 1;
    let oldest = now - i64::from(horizon_days.min(3650)) * WINDOW_SECS + 1;
    let from = match state.synced_until {
        Some(until) => {
            let next = (until + 1 - DEFAULT_OVERLAP_SECS).min(now);
            // Asked to reach further back than the stored history does:
            // one run from there to now.
            match (options.initial_days, synced_from) {
                (Some(days), Some(stored_from)) if back(days).max(oldest) < stored_from => {
                    back(days).min(next)
                }
                _ => next,
            }
        }
        None => back(options.initial_days.unwrap_or(DEFAULT_INITIAL_DAYS)),
    };
    new_run(from.max(oldest), now)
}

/// Calls still needed for a run at its cursor, at least.
fn min_calls_left(run: &RunCursor, generation: Generation) -> u32 {
    let lines = lines_per_window(generation);
    let windows_left = windows_between(run.window_start, run.to);
    let more_pages = match generation {
        Generation::Legacy => run
            .total_pages
            .map_or(0, |t| t.saturating_sub(run.next_page)),
        // Scroll paging tells no total.
        Generation::Media => 0,
    };
    let in_window = lines.saturating_sub(run.line_index) + more_pages;
    windows_left.saturating_sub(1) * lines + in_window
}

/// The estimate and quota check shown before a sync.
pub fn plan(api: &Api, profile: &Profile, options: &SyncOptions) -> Result<SyncPlan> {
    let store = api.store();
    let conn = store.connect()?;
    let state = sql::load(&conn, &profile.id)?;
    let now = api.clock().now().timestamp();
    let synced_from = sql::synced_range(&conn, &profile.id)?.map(|(f, _)| f);
    let run = run_for(&state, synced_from, profile.generation, now, options);
    let windows = windows_between(run.window_start, run.to);
    let min_calls = min_calls_left(&run, profile.generation);
    // Extra pages: the local rate of changes over the last week suggests how
    // many orders each remaining window holds.
    let week =
        crate::orders::sql::modified_between(&conn, &profile.id, now - 7 * WINDOW_SECS, now)?;
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

/// How long a sync's lease row lasts without renewal. Every page renews it.
/// The lease's real guard is an OS file lock that dies with its process
/// (see [`SyncLease`]); the expiry only matters where the data folder's
/// file system cannot lock files.
pub const LEASE_SECS: i64 = 300;

/// Who holds a profile's sync lease, as recorded in its lease row. Shown in
/// a refusal; holds nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncHolder {
    /// Unique per run, to tell two runs of one process apart.
    pub id: String,
    pub pid: u32,
    /// When the process started (Linux: clock ticks after boot, field 22 of
    /// `/proc/<pid>/stat`): a pid reused by another process has another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_start: Option<u64>,
    /// What is running, e.g. `order sync in mtu`.
    pub what: String,
    /// When the sync started, RFC 3339 in Beijing time.
    pub since: String,
}

impl std::fmt::Display for SyncHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, pid {}, since {}", self.what, self.pid, self.since)
    }
}

impl SyncHolder {
    /// This process, starting a sync now.
    fn this_process(since: String) -> SyncHolder {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let pid = std::process::id();
        let program = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "an unknown program".into());
        SyncHolder {
            id: format!(
                "{pid}-{}-{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
            pid,
            process_start: process_start(pid),
            what: format!("order sync in {program}"),
            since,
        }
    }

    /// The holder recorded in a lease row; `None` for a row written by an
    /// older version (a bare id).
    pub fn parse(text: &str) -> Option<SyncHolder> {
        serde_json::from_str(text).ok()
    }

    fn to_row(&self) -> String {
        serde_json::to_string(self).expect("a holder serializes")
    }

    /// Whether the holder's process still runs: `Some(false)` when it is
    /// gone or its pid now names another process, `None` when this system
    /// cannot tell.
    fn alive(&self) -> Option<bool> {
        if cfg!(target_os = "linux") {
            Some(match (self.process_start, process_start(self.pid)) {
                (_, None) => false,
                (Some(recorded), Some(now)) => recorded == now,
                (None, Some(_)) => true,
            })
        } else {
            None
        }
    }
}

/// The start time of process `pid` (Linux), or `None`: no such process, or
/// not Linux.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ...`: comm may hold spaces and parentheses, so
    // count fields after the last ')'. Field 22 is the 20th after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The OS file lock of a profile's syncs: `<data folder>/locks/sync-<id>.lock`.
fn lock_path(store: &Store, profile_id: &str) -> std::path::PathBuf {
    let dir = match store.path().parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let safe: String = profile_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join("locks").join(format!("sync-{safe}.lock"))
}

enum OsLock {
    /// Ours until the file is closed (or the process dies).
    Held(std::fs::File),
    /// A live sync holds it.
    Busy,
}

fn try_os_lock(path: &std::path::Path) -> std::io::Result<OsLock> {
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    match file.try_lock() {
        Ok(()) => Ok(OsLock::Held(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(OsLock::Busy),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// One sync's hold on its profile: only one sync per profile runs at a
/// time, across the app and `mtu`. Held as an OS file lock, which the OS
/// releases when the process ends however it ends, so a killed sync never
/// blocks the next one; the lease row beside it records the holder (pid,
/// process start, what, since) for the refusal message. Released when
/// dropped.
pub struct SyncLease {
    store: Store,
    profile_id: String,
    holder: SyncHolder,
    row: String,
    /// `None` where the file system cannot lock: the row alone then guards,
    /// with the holder's pid and process start (Linux) or its expiry.
    _lock: Option<std::fs::File>,
}

impl SyncLease {
    /// Takes the profile's sync lease, or refuses with
    /// [`Error::SyncRunning`] naming the live holder. A holder that died
    /// (killed, crashed) is taken over at once.
    pub fn acquire(store: &Store, clock: &dyn crate::Clock, profile_id: &str) -> Result<Self> {
        let now = clock.now();
        let holder = SyncHolder::this_process(beijing_rfc3339(now));
        let row = holder.to_row();
        let expires_at = now.timestamp() + LEASE_SECS;
        let path = lock_path(store, profile_id);
        let lock = match try_os_lock(&path) {
            Ok(OsLock::Held(file)) => Some(file),
            Ok(OsLock::Busy) => {
                let current = sql::lease(&*store.connect()?, profile_id)?;
                return Err(Error::SyncRunning(
                    current.and_then(|r| SyncHolder::parse(&r.holder)),
                ));
            }
            Err(e) => {
                tracing::warn!(
                    path = %path.display(),
                    error = %e,
                    "cannot lock the sync lock file; relying on the lease's recorded holder"
                );
                None
            }
        };
        let conn = store.connect()?;
        if lock.is_some() {
            // A live holder would hold the lock: whatever row is there was
            // left by a sync that died.
            sql::take_lease(&conn, profile_id, &row, expires_at)?;
        } else {
            let taken = match sql::lease(&conn, profile_id)? {
                None => sql::acquire_lease(&conn, profile_id, &row, now.timestamp(), expires_at)?,
                Some(current) => {
                    let recorded = SyncHolder::parse(&current.holder);
                    let dead = recorded.as_ref().and_then(SyncHolder::alive) == Some(false)
                        || current.expires_at <= now.timestamp();
                    if !dead {
                        return Err(Error::SyncRunning(recorded));
                    }
                    sql::replace_lease(&conn, profile_id, &current.holder, &row, expires_at)?
                }
            };
            if !taken {
                let current = sql::lease(&conn, profile_id)?;
                return Err(Error::SyncRunning(
                    current.and_then(|r| SyncHolder::parse(&r.holder)),
                ));
            }
        }
        Ok(SyncLease {
            store: store.clone(),
            profile_id: profile_id.to_owned(),
            holder,
            row,
            _lock: lock,
        })
    }

    pub fn holder(&self) -> &SyncHolder {
        &self.holder
    }

    /// Extends the lease row; an error when another sync took the lease over
    /// (its row was replaced), so this one stops and leaves it the work.
    fn renew(&self, conn: &rusqlite::Connection, until: i64) -> Result<()> {
        if sql::renew_lease(conn, &self.profile_id, &self.row, until)? {
            return Ok(());
        }
        let current = sql::lease(conn, &self.profile_id)?;
        Err(Error::SyncRunning(
            current.and_then(|r| SyncHolder::parse(&r.holder)),
        ))
    }
}

impl Drop for SyncLease {
    fn drop(&mut self) {
        // The row first, then the lock (when `_lock` drops after this).
        let released = self
            .store
            .connect()
            .and_then(|c| sql::release_lease(&c, &self.profile_id, &self.row));
        if let Err(e) = released {
            tracing::warn!(error = %e, "could not clear the sync lease row; the next sync replaces it");
        }
    }
}

/// Fetches what changed since the last sync, resuming an interrupted one.
/// Refuses to start when the estimate does not fit outside the reserve,
/// unless `allow_reserve`. Only one sync per profile runs at a time, across
/// the app and `mtu`: another one is refused with [`Error::SyncRunning`]
/// (naming the running one) before any call.
pub async fn sync(
    api: &Api,
    profile: &Profile,
    options: &SyncOptions,
    progress: Option<&(dyn Fn(&SyncProgress) + Send + Sync)>,
) -> Result<SyncReport> {
    // Dropped when the sync ends, fails or is cancelled (its future dropped).
    let lease = SyncLease::acquire(api.store(), api.clock(), &profile.id)?;
    sync_holding_lease(api, profile, options, progress, &lease).await
}

async fn sync_holding_lease(
    api: &Api,
    profile: &Profile,
    options: &SyncOptions,
    progress: Option<&(dyn Fn(&SyncProgress) + Send + Sync)>,
    lease: &SyncLease,
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
    let mut state = sql::load(&conn, &profile.id)?;
    let now = api.clock().now().timestamp();
    let synced_from = sql::synced_range(&conn, &profile.id)?.map(|(f, _)| f);
    let mut run = run_for(&state, synced_from, profile.generation, now, options);
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
        sql::save(
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
        // Another sync took the lease over (its row was replaced): leave
        // it the work.
        lease.renew(&conn, api.clock().now().timestamp() + LEASE_SECS)?;
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
        let counts: UpsertCounts = crate::orders::sql::upsert(&tx, &profile.id, &rows)?;
        sql::save(
            &tx,
            &profile.id,
            &state,
            &beijing_rfc3339(api.clock().now()),
        )?;
        if finished {
            sql::extend_synced_from(&tx, &profile.id, run.from)?;
        }
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
            let (platform, lines) =
                MEDIA_ORDER_PASSES[(run.line_index as usize).min(MEDIA_ORDER_PASSES.len() - 1)];
            let mut req = QueryOrderRequest::window(
                run.window_start,
                window_end,
                QueryTimeType::ModifyTime,
                SearchType::Scroll,
                PAGE_LIMIT,
            );
            req.platform = Some(platform);
            req.business_line = lines.to_vec();
            req.scroll_id = run.scroll_id.clone();
            let answer = api.media(profile, &req).await?;
            let asked = orders::MediaAsked {
                platform: Some(platform.code()),
                line: match lines {
                    [only] => Some(*only),
                    _ => None,
                },
            };
            for o in &answer.orders {
                match orders::from_media(o, asked) {
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
                    next.line_index = run.line_index + 1;
                    if next.line_index as usize >= MEDIA_ORDER_PASSES.len() {
                        next.line_index = 0;
                        next.window_start = run.window_start + WINDOW_SECS;
                    }
                }
            }
        }
    }
    Ok((rows, skipped, next))
}

/// Where a profile's sync stands, for the UI: polled while a sync runs to
/// draw its progress (pages done of pages planned, windows, time left).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SyncStatus {
    #[specta(type = Option<f64>)]
    pub synced_until: Option<i64>,
    /// An interrupted sync will resume.
    pub interrupted: bool,
    /// Pages (one call each) fetched so far by the current run.
    pub pages_done: u32,
    /// Pages the run still needs at least: one per remaining question of
    /// each window, plus the known further pages of the current one. A
    /// window with more than a page of orders adds pages as it is read.
    pub pages_left_min: u32,
    /// Day windows of the run, and how many are done.
    pub windows: u32,
    pub windows_done: u32,
}

pub fn status(store: &Store, profile_id: &str) -> Result<SyncStatus> {
    let state = sql::load(&*store.connect()?, profile_id)?;
    let (pages_left_min, windows, windows_done) = match &state.run {
        Some(run) => {
            let generation = crate::profiles::get(store, profile_id)?.generation;
            let windows = windows_between(run.from, run.to);
            (
                min_calls_left(run, generation),
                windows,
                windows.saturating_sub(windows_between(run.window_start, run.to)),
            )
        }
        None => (0, 0, 0),
    };
    Ok(SyncStatus {
        synced_until: state.synced_until,
        interrupted: state.run.is_some(),
        pages_done: state.run.map_or(0, |r| r.pages_done),
        pages_left_min,
        windows,
        windows_done,
    })
}

/// Forgets the cursor: the next sync starts from `initial_days` back.
/// Stored orders stay.
pub fn reset(store: &Store, profile_id: &str) -> Result<()> {
    sql::reset(&*store.connect()?, profile_id)
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
        let run = run_for(&state, None, Generation::Legacy, now, &opts);
        assert_eq!(run.to, now);
        assert_eq!(windows_between(run.from, run.to), 2);
        assert_eq!(min_calls_left(&run, Generation::Legacy), 14);
        // Media: three questions per window (到家, 到家 券包, 到店).
        assert_eq!(min_calls_left(&run, Generation::Media), 6);
        let mut media_mid = run.clone();
        media_mid.line_index = 2;
        assert_eq!(min_calls_left(&media_mid, Generation::Media), 4);
        let mut mid = run.clone();
        mid.line_index = 3;
        mid.next_page = 2;
        mid.total_pages = Some(4);
        let resumed = run_for(
            &SyncState {
                synced_until: None,
                run: Some(mid.clone()),
            },
            None,
            Generation::Legacy,
            now + 999,
            &opts,
        );
        assert_eq!(resumed, mid);
        // Pages 2..4 of line 3, lines 4..6 of this window, 7 of the next.
        assert_eq!(min_calls_left(&mid, Generation::Legacy), 4 + 2 + 7);
        // A later run starts at the last synced instant, less the overlap.
        let synced = SyncState {
            synced_until: Some(now),
            run: None,
        };
        let later = run_for(
            &synced,
            Some(run.from),
            Generation::Media,
            now + 3600,
            &opts,
        );
        assert_eq!(later.from, now + 1 - DEFAULT_OVERLAP_SECS);
        assert_eq!(windows_between(later.from, later.to), 1);
        // Asked for more history than is stored: one run from there to now.
        let longer = SyncOptions {
            initial_days: Some(60),
            ..Default::default()
        };
        let back = run_for(
            &synced,
            Some(run.from),
            Generation::Legacy,
            now + 3600,
            &longer,
        );
        assert_eq!(back.from, now + 3600 - 60 * WINDOW_SECS + 1);
        assert_eq!(back.to, now + 3600);
        // Media cannot reach beyond its horizon: the stored 2 days are
        // extended to 90, not 400.
        let far = SyncOptions {
            initial_days: Some(400),
            ..Default::default()
        };
        let capped = run_for(&synced, Some(run.from), Generation::Media, now + 3600, &far);
        assert_eq!(windows_between(capped.from, capped.to), MEDIA_HORIZON_DAYS);
        // Already stored that far back: incremental.
        let shorter = run_for(
            &synced,
            Some(run.from),
            Generation::Legacy,
            now + 3600,
            &opts,
        );
        assert_eq!(shorter.from, later.from);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_holder_is_alive_only_while_its_process_runs() {
        let me = SyncHolder::this_process("2026-03-10T12:00:00+08:00".into());
        assert_eq!(me.pid, std::process::id());
        assert!(me.process_start.is_some());
        assert_eq!(me.alive(), Some(true));
        assert_eq!(SyncHolder::parse(&me.to_row()), Some(me.clone()));
        // The same pid with another start time: a reused pid.
        let reused = SyncHolder {
            process_start: me.process_start.map(|s| s + 1),
            ..me.clone()
        };
        assert_eq!(reused.alive(), Some(false));
        // A process that has ended.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let gone = SyncHolder { pid, ..me.clone() };
        assert_eq!(gone.alive(), Some(false));
        assert!(me.to_string().contains(&format!("pid {}", me.pid)));
        assert_eq!(SyncHolder::parse("4242-1-0"), None);
    }

    #[test]
    fn media_first_run_is_capped_at_three_months() {
        let now = 1_772_300_000;
        let run = run_for(
            &SyncState::default(),
            None,
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
