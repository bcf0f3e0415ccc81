//! Queries for `quota_days` and `call_log`: the ledger's storage. Each
//! reservation is one IMMEDIATE transaction, which SQLite serializes across
//! threads and processes sharing the file.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// One day's counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub day: String,
    pub used: u32,
    pub server_exhausted_at: Option<String>,
}

/// What a reservation attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserve {
    /// Counted; the call log row to complete afterwards.
    Granted { call_id: i64, used: u32 },
    /// Nothing counted: the limit is reached or the server said so.
    Refused { used: u32 },
}

pub struct NewCall<'a> {
    pub profile_id: &'a str,
    pub appkey: &'a str,
    pub day: &'a str,
    pub started_at: &'a str,
    pub endpoint: &'a str,
}

/// Counts one call if the day allows it, and opens its call-log row, in one
/// transaction: either both happen or neither.
pub fn reserve(conn: &mut Connection, call: &NewCall<'_>, limit: Option<u32>) -> Result<Reserve> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let row = day_in(&tx, call.appkey, call.day)?;
    let used = row.as_ref().map_or(0, |r| r.used);
    let exhausted = row
        .as_ref()
        .is_some_and(|r| r.server_exhausted_at.is_some());
    if exhausted || limit.is_some_and(|l| used >= l) {
        return Ok(Reserve::Refused { used });
    }
    tx.execute(
        "INSERT INTO quota_days (appkey, day, used) VALUES (?1, ?2, 1)
         ON CONFLICT(appkey, day) DO UPDATE SET used = used + 1",
        params![call.appkey, call.day],
    )?;
    tx.execute(
        "INSERT INTO call_log (profile_id, appkey, day, started_at, endpoint, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending')",
        params![
            call.profile_id,
            call.appkey,
            call.day,
            call.started_at,
            call.endpoint
        ],
    )?;
    let call_id = tx.last_insert_rowid();
    tx.commit()?;
    Ok(Reserve::Granted {
        call_id,
        used: used + 1,
    })
}

pub struct Finished<'a> {
    pub call_id: i64,
    pub ok: bool,
    pub http_status: Option<u16>,
    pub api_code: Option<&'a str>,
    pub error_code: Option<&'a str>,
    pub latency_ms: u64,
    /// The server refused for quota: close the day.
    pub exhausts_day: Option<&'a str>,
}

/// Completes a call-log row (and closes the day on a server quota refusal).
pub fn finish(conn: &mut Connection, f: &Finished<'_>) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE call_log SET outcome = ?2, http_status = ?3, api_code = ?4, error_code = ?5,
                latency_ms = ?6
         WHERE id = ?1",
        params![
            f.call_id,
            if f.ok { "ok" } else { "error" },
            f.http_status,
            f.api_code,
            f.error_code,
            i64::try_from(f.latency_ms).unwrap_or(i64::MAX),
        ],
    )?;
    if let Some(at) = f.exhausts_day {
        tx.execute(
            "UPDATE quota_days SET server_exhausted_at = coalesce(server_exhausted_at, ?2)
             WHERE (appkey, day) = (SELECT appkey, day FROM call_log WHERE id = ?1)",
            params![f.call_id, at],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Takes back a reservation whose request never left the process (it was
/// refused before sending), so the server cannot have counted it.
pub fn cancel(conn: &mut Connection, call_id: i64) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE quota_days SET used = max(used - 1, 0)
         WHERE (appkey, day) = (SELECT appkey, day FROM call_log WHERE id = ?1 AND outcome = 'pending')",
        [call_id],
    )?;
    tx.execute(
        "DELETE FROM call_log WHERE id = ?1 AND outcome = 'pending'",
        [call_id],
    )?;
    tx.commit()?;
    Ok(())
}

/// What [`settle_interrupted`] writes as a settled row's `error_code`.
pub const INTERRUPTED: &str = "interrupted";

/// Settings key: every call-log row below this id is settled (not pending),
/// so a start scans only the rows written since.
const SETTLED_BELOW_KEY: &str = "quota.call_log_settled_below";

/// Closes the call-log rows a process left `pending` because it ended
/// (killed, crashed, power cut) between counting a call and recording how
/// it went: they become errors with the code [`INTERRUPTED`]. The day's
/// count keeps them: the request may have reached Meituan. Only rows
/// started before `started_before` (RFC 3339, +08:00, as the ledger writes
/// them) when given, so a live process's calls in flight are left alone.
/// Returns how many rows were settled.
pub fn settle_interrupted(conn: &mut Connection, started_before: Option<&str>) -> Result<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let from: i64 = crate::settings::sql::get(&tx, SETTLED_BELOW_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let n = tx.execute(
        "UPDATE call_log SET outcome = 'error', error_code = ?1
         WHERE id >= ?2 AND outcome = 'pending' AND (?3 IS NULL OR started_at < ?3)",
        params![INTERRUPTED, from, started_before],
    )?;
    let next: i64 = tx.query_row(
        "SELECT coalesce(
            (SELECT min(id) FROM call_log WHERE id >= ?1 AND outcome = 'pending'),
            (SELECT coalesce(max(id), 0) + 1 FROM call_log))",
        [from],
        |r| r.get(0),
    )?;
    if next != from {
        crate::settings::sql::put(&tx, SETTLED_BELOW_KEY, &next.to_string())?;
    }
    tx.commit()?;
    Ok(n as u32)
}

fn day_in(conn: &Connection, appkey: &str, day: &str) -> Result<Option<DayRow>> {
    Ok(conn
        .query_row(
            "SELECT day, used, server_exhausted_at FROM quota_days WHERE appkey = ?1 AND day = ?2",
            params![appkey, day],
            |r| {
                Ok(DayRow {
                    day: r.get(0)?,
                    used: r.get(1)?,
                    server_exhausted_at: r.get(2)?,
                })
            },
        )
        .optional()?)
}

pub fn day(conn: &Connection, appkey: &str, day: &str) -> Result<Option<DayRow>> {
    day_in(conn, appkey, day)
}

/// Days from `from` to `to` inclusive (YYYY-MM-DD) that have a counter.
pub fn days_between(conn: &Connection, appkey: &str, from: &str, to: &str) -> Result<Vec<DayRow>> {
    let mut stmt = conn.prepare(
        "SELECT day, used, server_exhausted_at FROM quota_days
         WHERE appkey = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day",
    )?;
    let rows = stmt.query_map(params![appkey, from, to], |r| {
        Ok(DayRow {
            day: r.get(0)?,
            used: r.get(1)?,
            server_exhausted_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One call-log row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub id: i64,
    pub profile_id: Option<String>,
    pub started_at: String,
    pub endpoint: String,
    pub outcome: String,
    pub http_status: Option<u16>,
    pub api_code: Option<String>,
    pub error_code: Option<String>,
    pub latency_ms: Option<u64>,
}

/// The latest calls of an appkey, newest first.
pub fn recent_calls(conn: &Connection, appkey: &str, limit: u32) -> Result<Vec<CallRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, profile_id, started_at, endpoint, outcome, http_status, api_code,
                error_code, latency_ms
         FROM call_log WHERE appkey = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![appkey, limit], |r| {
        Ok(CallRow {
            id: r.get(0)?,
            profile_id: r.get(1)?,
            started_at: r.get(2)?,
            endpoint: r.get(3)?,
            outcome: r.get(4)?,
            http_status: r.get(5)?,
            api_code: r.get(6)?,
            error_code: r.get(7)?,
            latency_ms: r.get::<_, Option<i64>>(8)?.map(|v| v.max(0) as u64),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// How many call-log rows a day has (the ledger's own consistency check).
pub fn calls_on(conn: &Connection, appkey: &str, day: &str) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM call_log WHERE appkey = ?1 AND day = ?2",
        params![appkey, day],
        |r| r.get(0),
    )?)
}
