//! Queries for `quota_notices`: the quota notifications already shown, per
//! profile and Beijing day.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// The highest threshold (80 or 100) already notified for `profile_id` on
/// `day`, if any.
pub fn notified(conn: &Connection, profile_id: &str, day: &str) -> Result<Option<u32>> {
    Ok(conn
        .query_row(
            "SELECT percent FROM quota_notices WHERE profile_id = ?1 AND day = ?2",
            params![profile_id, day],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records that `percent` was notified for `profile_id` on `day`. Returns
/// false when that threshold or a higher one was already recorded (another
/// check got there first), so the caller does not notify twice. Rows of
/// the profile's earlier days are dropped.
pub fn record(
    conn: &Connection,
    profile_id: &str,
    day: &str,
    percent: u32,
    notified_at: &str,
) -> Result<bool> {
    let changed = conn.execute(
        "INSERT INTO quota_notices (profile_id, day, percent, notified_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(profile_id, day) DO UPDATE
            SET percent = excluded.percent, notified_at = excluded.notified_at
          WHERE excluded.percent > quota_notices.percent",
        params![profile_id, day, percent, notified_at],
    )?;
    conn.execute(
        "DELETE FROM quota_notices WHERE profile_id = ?1 AND day < ?2",
        params![profile_id, day],
    )?;
    Ok(changed > 0)
}
