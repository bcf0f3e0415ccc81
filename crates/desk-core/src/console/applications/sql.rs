//! Queries of `console_requests` (0006).

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A row of `console_requests`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    pub id: i64,
    pub profile_id: String,
    pub kind: String,
    pub status: String,
    pub attempt: u32,
    pub tier_before: Option<String>,
    pub requested_tier: Option<String>,
    pub tier_after: Option<String>,
    pub monthly_average: Option<u64>,
    pub justification: Option<String>,
    pub filed_at: String,
    pub due_at: String,
    pub answered_at: Option<String>,
    pub notified_at: Option<String>,
    pub note: Option<String>,
    pub via: String,
}

const COLUMNS: &str = "id, profile_id, kind, status, attempt, tier_before, requested_tier, \
    tier_after, monthly_average, justification, filed_at, due_at, answered_at, notified_at, note, via";

fn from_row(r: &Row<'_>) -> rusqlite::Result<RequestRow> {
    Ok(RequestRow {
        id: r.get(0)?,
        profile_id: r.get(1)?,
        kind: r.get(2)?,
        status: r.get(3)?,
        attempt: r.get(4)?,
        tier_before: r.get(5)?,
        requested_tier: r.get(6)?,
        tier_after: r.get(7)?,
        monthly_average: r.get::<_, Option<i64>>(8)?.map(|n| n.max(0) as u64),
        justification: r.get(9)?,
        filed_at: r.get(10)?,
        due_at: r.get(11)?,
        answered_at: r.get(12)?,
        notified_at: r.get(13)?,
        note: r.get(14)?,
        via: r.get(15)?,
    })
}

/// Inserts `row` (its `id` is ignored) and returns the new id.
pub fn insert(conn: &Connection, row: &RequestRow) -> Result<i64> {
    conn.execute(
        "INSERT INTO console_requests (profile_id, kind, status, attempt, tier_before, \
         requested_tier, tier_after, monthly_average, justification, filed_at, due_at, \
         answered_at, notified_at, note, via) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            row.profile_id,
            row.kind,
            row.status,
            row.attempt,
            row.tier_before,
            row.requested_tier,
            row.tier_after,
            row.monthly_average.map(|n| n as i64),
            row.justification,
            row.filed_at,
            row.due_at,
            row.answered_at,
            row.notified_at,
            row.note,
            row.via,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<RequestRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM console_requests WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// A profile's requests, newest first; `kind` filters when given.
pub fn list(conn: &Connection, profile_id: &str, kind: Option<&str>) -> Result<Vec<RequestRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM console_requests \
         WHERE profile_id = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map(params![profile_id, kind], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// How many requests of `kind` a profile has filed.
pub fn count(conn: &Connection, profile_id: &str, kind: &str) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM console_requests WHERE profile_id = ?1 AND kind = ?2",
        params![profile_id, kind],
        |r| r.get(0),
    )?)
}

/// Records the answer of a request.
pub fn answer(
    conn: &Connection,
    id: i64,
    status: &str,
    tier_after: Option<&str>,
    answered_at: &str,
    note: Option<&str>,
) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE console_requests SET status = ?2, tier_after = COALESCE(?3, tier_after), \
         answered_at = ?4, note = COALESCE(?5, note) WHERE id = ?1",
        params![id, status, tier_after, answered_at, note],
    )? > 0)
}

pub fn set_justification(conn: &Connection, id: i64, text: &str) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE console_requests SET justification = ?2 WHERE id = ?1",
        params![id, text],
    )? > 0)
}

/// Open requests whose answer is due at or before `now` and that were not
/// notified yet (RFC 3339 +08:00 strings compare in time order).
pub fn due_unnotified(conn: &Connection, now: &str) -> Result<Vec<RequestRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM console_requests \
         WHERE status = 'filed' AND notified_at IS NULL AND due_at <= ?1 ORDER BY due_at"
    ))?;
    let rows = stmt.query_map([now], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn mark_notified(conn: &Connection, id: i64, at: &str) -> Result<()> {
    conn.execute(
        "UPDATE console_requests SET notified_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}
