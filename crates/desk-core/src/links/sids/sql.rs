//! Queries for `sids`.

use crate::error::Result;
use crate::links::sids::Sid;
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLUMNS: &str = "id, profile_id, sid, name, archived, created_at";

fn read(r: &Row<'_>) -> rusqlite::Result<Sid> {
    Ok(Sid {
        id: r.get(0)?,
        profile_id: r.get(1)?,
        sid: r.get(2)?,
        name: r.get(3)?,
        archived: r.get::<_, i64>(4)? != 0,
        created_at: r.get(5)?,
    })
}

pub fn insert(
    conn: &Connection,
    profile_id: &str,
    sid: &str,
    name: &str,
    created_at: &str,
) -> Result<u32> {
    conn.execute(
        "INSERT INTO sids (profile_id, sid, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![profile_id, sid, name, created_at],
    )?;
    Ok(conn.last_insert_rowid() as u32)
}

pub fn get(conn: &Connection, id: u32) -> Result<Option<Sid>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM sids WHERE id = ?1"),
            [id],
            read,
        )
        .optional()?)
}

pub fn by_code(conn: &Connection, profile_id: &str, sid: &str) -> Result<Option<Sid>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM sids WHERE profile_id = ?1 AND sid = ?2"),
            params![profile_id, sid],
            read,
        )
        .optional()?)
}

pub fn list(conn: &Connection, profile_id: &str, include_archived: bool) -> Result<Vec<Sid>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM sids WHERE profile_id = ?1 AND (?2 OR archived = 0)
         ORDER BY archived, name COLLATE NOCASE, id"
    ))?;
    let rows = stmt.query_map(params![profile_id, include_archived], read)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn set_name(conn: &Connection, id: u32, name: &str) -> Result<usize> {
    Ok(conn.execute("UPDATE sids SET name = ?2 WHERE id = ?1", params![id, name])?)
}

pub fn set_archived(conn: &Connection, id: u32, archived: bool) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE sids SET archived = ?2 WHERE id = ?1",
        params![id, archived],
    )?)
}
