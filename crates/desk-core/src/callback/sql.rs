//! Queries of `callback_config` and `callback_events` (0007).

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRow {
    pub profile_id: String,
    pub url: String,
    pub registered_at: String,
    pub via: String,
}

pub fn set_config(conn: &Connection, row: &ConfigRow) -> Result<()> {
    conn.execute(
        "INSERT INTO callback_config (profile_id, url, registered_at, via) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (profile_id) DO UPDATE SET url = ?2, registered_at = ?3, via = ?4",
        params![row.profile_id, row.url, row.registered_at, row.via],
    )?;
    Ok(())
}

pub fn get_config(conn: &Connection, profile_id: &str) -> Result<Option<ConfigRow>> {
    Ok(conn
        .query_row(
            "SELECT profile_id, url, registered_at, via FROM callback_config WHERE profile_id = ?1",
            [profile_id],
            |r| {
                Ok(ConfigRow {
                    profile_id: r.get(0)?,
                    url: r.get(1)?,
                    registered_at: r.get(2)?,
                    via: r.get(3)?,
                })
            },
        )
        .optional()?)
}

pub fn delete_config(conn: &Connection, profile_id: &str) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM callback_config WHERE profile_id = ?1",
        [profile_id],
    )? > 0)
}

/// A stored order event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: i64,
    pub scope: String,
    pub event_key: String,
    pub order_id: String,
    pub status: String,
    pub mod_time: String,
    pub pay_time: String,
    pub sid: String,
    pub pay_price: String,
    pub appkey: String,
    pub body: String,
    pub received_at: String,
    pub duplicates: u32,
}

const EVENT_COLUMNS: &str = "id, scope, event_key, order_id, status, mod_time, pay_time, sid, \
    pay_price, appkey, body, received_at, duplicates";

fn event_from_row(r: &Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        scope: r.get(1)?,
        event_key: r.get(2)?,
        order_id: r.get(3)?,
        status: r.get(4)?,
        mod_time: r.get(5)?,
        pay_time: r.get(6)?,
        sid: r.get(7)?,
        pay_price: r.get(8)?,
        appkey: r.get(9)?,
        body: r.get(10)?,
        received_at: r.get(11)?,
        duplicates: r.get(12)?,
    })
}

/// Stores an event once. Returns `(id, true)` when it is new, `(id, false)`
/// when the same event was stored before (its duplicate count is bumped).
pub fn insert_event_once(conn: &mut Connection, e: &EventRow) -> Result<(i64, bool)> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let inserted = tx.execute(
        "INSERT INTO callback_events (scope, event_key, order_id, status, mod_time, pay_time, \
         sid, pay_price, appkey, body, received_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (scope, event_key) DO NOTHING",
        params![
            e.scope,
            e.event_key,
            e.order_id,
            e.status,
            e.mod_time,
            e.pay_time,
            e.sid,
            e.pay_price,
            e.appkey,
            e.body,
            e.received_at
        ],
    )? > 0;
    let id = if inserted {
        tx.last_insert_rowid()
    } else {
        tx.execute(
            "UPDATE callback_events SET duplicates = duplicates + 1 WHERE scope = ?1 AND event_key = ?2",
            params![e.scope, e.event_key],
        )?;
        tx.query_row(
            "SELECT id FROM callback_events WHERE scope = ?1 AND event_key = ?2",
            params![e.scope, e.event_key],
            |r| r.get(0),
        )?
    };
    tx.commit()?;
    Ok((id, inserted))
}

/// Events of a scope with `id > after`, oldest first, at most `limit`.
pub fn events_after(
    conn: &Connection,
    scope: &str,
    after: i64,
    limit: u32,
) -> Result<Vec<EventRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM callback_events WHERE scope = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![scope, after, limit], event_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The latest `limit` events of a scope, newest first.
pub fn recent_events(conn: &Connection, scope: &str, limit: u32) -> Result<Vec<EventRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM callback_events WHERE scope = ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![scope, limit], event_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn count_events(conn: &Connection, scope: &str) -> Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM callback_events WHERE scope = ?1",
        [scope],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}
