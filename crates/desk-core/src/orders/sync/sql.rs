//! Queries for `order_sync_state`, the per-profile sync cursor.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// A profile's sync state. `run` is `Some` while a sync is unfinished.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// Every modification up to this instant (epoch s) is stored.
    pub synced_until: Option<i64>,
    pub run: Option<RunCursor>,
}

/// Where an unfinished sync stands: the next page to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCursor {
    pub from: i64,
    pub to: i64,
    pub window_start: i64,
    /// Legacy: index into the business lines; media: into
    /// `meituan_union::lines::MEDIA_ORDER_PASSES`.
    pub line_index: u32,
    /// Legacy: next page number (from 1).
    pub next_page: u32,
    /// Legacy: pages in the current (window, line), once page 1 told.
    pub total_pages: Option<u32>,
    /// Media: the scroll cursor of the next page (`None`: first page).
    pub scroll_id: Option<String>,
    /// Pages fetched so far in this run.
    pub pages_done: u32,
}

pub fn load(conn: &Connection, profile_id: &str) -> Result<SyncState> {
    type Raw = (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        u32,
        u32,
        Option<u32>,
        Option<String>,
        u32,
    );
    let raw: Option<Raw> = conn
        .query_row(
            "SELECT synced_until, run_from, run_to, window_start, line_index, next_page,
                    total_pages, scroll_id, pages_done
             FROM order_sync_state WHERE profile_id = ?1",
            [profile_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            },
        )
        .optional()?;
    Ok(match raw {
        None => SyncState::default(),
        Some((synced_until, from, to, ws, li, np, tp, scroll, done)) => SyncState {
            synced_until,
            run: match (from, to, ws) {
                (Some(from), Some(to), Some(window_start)) => Some(RunCursor {
                    from,
                    to,
                    window_start,
                    line_index: li,
                    next_page: np.max(1),
                    total_pages: tp,
                    scroll_id: scroll,
                    pages_done: done,
                }),
                _ => None,
            },
        },
    })
}

/// Writes the state (inside the caller's transaction, with the page's orders).
pub fn save(conn: &Connection, profile_id: &str, state: &SyncState, at: &str) -> Result<()> {
    let run = state.run.as_ref();
    conn.execute(
        "INSERT INTO order_sync_state (profile_id, synced_until, run_from, run_to, window_start,
                line_index, next_page, total_pages, scroll_id, pages_done, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(profile_id) DO UPDATE SET synced_until = excluded.synced_until,
                run_from = excluded.run_from, run_to = excluded.run_to,
                window_start = excluded.window_start, line_index = excluded.line_index,
                next_page = excluded.next_page, total_pages = excluded.total_pages,
                scroll_id = excluded.scroll_id, pages_done = excluded.pages_done,
                updated_at = excluded.updated_at",
        params![
            profile_id,
            state.synced_until,
            run.map(|r| r.from),
            run.map(|r| r.to),
            run.map(|r| r.window_start),
            run.map_or(0, |r| r.line_index),
            run.map_or(1, |r| r.next_page),
            run.and_then(|r| r.total_pages),
            run.and_then(|r| r.scroll_id.clone()),
            run.map_or(0, |r| r.pages_done),
            at,
        ],
    )?;
    Ok(())
}

/// The stored range `[synced_from, synced_until]` of a profile: every change
/// inside it is stored. `None` before the first complete sync.
pub fn synced_range(conn: &Connection, profile_id: &str) -> Result<Option<(i64, i64)>> {
    let row: Option<(Option<i64>, Option<i64>)> = conn
        .query_row(
            "SELECT synced_from, synced_until FROM order_sync_state WHERE profile_id = ?1",
            [profile_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((Some(from), Some(until))) => Some((from, until)),
        _ => None,
    })
}

/// A run over `[from, …]` finished: the stored range now reaches back to
/// `from` (runs are contiguous with what was stored before).
pub fn extend_synced_from(conn: &Connection, profile_id: &str, from: i64) -> Result<()> {
    conn.execute(
        "UPDATE order_sync_state SET synced_from = min(coalesce(synced_from, ?2), ?2)
         WHERE profile_id = ?1",
        params![profile_id, from],
    )?;
    Ok(())
}

/// Forgets the cursor and the synced range (the next sync starts afresh).
pub fn reset(conn: &Connection, profile_id: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM order_sync_state WHERE profile_id = ?1",
        [profile_id],
    )?;
    Ok(())
}

/// A profile's lease row: who holds its sync and until when (epoch s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    pub holder: String,
    pub expires_at: i64,
}

/// The profile's lease row, if any.
pub fn lease(conn: &Connection, profile_id: &str) -> Result<Option<LeaseRow>> {
    Ok(conn
        .query_row(
            "SELECT holder, expires_at FROM sync_leases WHERE profile_id = ?1",
            [profile_id],
            |r| {
                Ok(LeaseRow {
                    holder: r.get(0)?,
                    expires_at: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// Takes the profile's sync lease for `holder` until `expires_at`, unless
/// another holder has one that has not expired at `now`. True when taken.
pub fn acquire_lease(
    conn: &Connection,
    profile_id: &str,
    holder: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool> {
    let changed = conn.execute(
        "INSERT INTO sync_leases (profile_id, holder, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (profile_id) DO UPDATE
            SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE sync_leases.expires_at <= ?4 OR sync_leases.holder = excluded.holder",
        params![profile_id, holder, expires_at, now],
    )?;
    Ok(changed == 1)
}

/// Takes the profile's sync lease for `holder` whoever had it: for a caller
/// that knows the previous holder is gone (it holds the OS lock a live
/// holder would hold).
pub fn take_lease(
    conn: &Connection,
    profile_id: &str,
    holder: &str,
    expires_at: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_leases (profile_id, holder, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (profile_id) DO UPDATE
            SET holder = excluded.holder, expires_at = excluded.expires_at",
        params![profile_id, holder, expires_at],
    )?;
    Ok(())
}

/// Takes the lease from `previous` (a holder found dead), only if it still
/// holds it: of two processes that both found it dead, one wins.
pub fn replace_lease(
    conn: &Connection,
    profile_id: &str,
    previous: &str,
    holder: &str,
    expires_at: i64,
) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE sync_leases SET holder = ?3, expires_at = ?4
         WHERE profile_id = ?1 AND holder = ?2",
        params![profile_id, previous, holder, expires_at],
    )?;
    Ok(changed == 1)
}
/// Extends `holder`'s lease; false when it no longer holds it.
pub fn renew_lease(
    conn: &Connection,
    profile_id: &str,
    holder: &str,
    expires_at: i64,
) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE sync_leases SET expires_at = ?3 WHERE profile_id = ?1 AND holder = ?2",
        params![profile_id, holder, expires_at],
    )?;
    Ok(changed == 1)
}

pub fn release_lease(conn: &Connection, profile_id: &str, holder: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM sync_leases WHERE profile_id = ?1 AND holder = ?2",
        params![profile_id, holder],
    )?;
    Ok(())
}
