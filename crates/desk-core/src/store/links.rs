//! Queries for `links` (the library).

use crate::error::Result;
use crate::links::{
    parse_types, types_text, CanonicalRequest, LibraryQuery, LinkEntry, TargetKind,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::BTreeMap;

const COLUMNS: &str =
    "id, target_kind, target, sid, link_types, short_link, url, links_json, label,
                       created_at, library_hits";

fn read(r: &Row<'_>) -> rusqlite::Result<LinkEntry> {
    let kind: String = r.get(1)?;
    let types: String = r.get(4)?;
    let links: String = r.get(7)?;
    Ok(LinkEntry {
        id: r.get(0)?,
        target_kind: TargetKind::parse(&kind).unwrap_or(TargetKind::Act),
        target: r.get(2)?,
        sid: r.get(3)?,
        link_types: parse_types(&types).unwrap_or_default(),
        short_link: r.get::<_, i64>(5)? != 0,
        url: r.get(6)?,
        links: serde_json::from_str::<BTreeMap<String, String>>(&links).unwrap_or_default(),
        label: r.get(8)?,
        created_at: r.get(9)?,
        library_hits: r.get(10)?,
    })
}

pub fn by_key(conn: &Connection, profile_id: &str, key: &str) -> Result<Option<LinkEntry>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM links WHERE profile_id = ?1 AND request_key = ?2"),
            params![profile_id, key],
            read,
        )
        .optional()?)
}

/// The entry for `key`, counting the library hit.
pub fn hit(conn: &Connection, profile_id: &str, key: &str) -> Result<Option<LinkEntry>> {
    let n = conn.execute(
        "UPDATE links SET library_hits = library_hits + 1 WHERE profile_id = ?1 AND request_key = ?2",
        params![profile_id, key],
    )?;
    if n == 0 {
        return Ok(None);
    }
    by_key(conn, profile_id, key)
}

/// Stores a generated link. If the same request was stored meanwhile (two
/// identical requests in flight), the first one stays and is returned.
pub fn insert(
    conn: &Connection,
    profile_id: &str,
    key: &str,
    req: &CanonicalRequest,
    url: &str,
    links: &BTreeMap<String, String>,
    created_at: &str,
) -> Result<LinkEntry> {
    let links_json = serde_json::to_string(links).unwrap_or_else(|_| "{}".into());
    conn.execute(
        "INSERT INTO links (profile_id, request_key, target_kind, target, sid, link_types,
                            short_link, url, links_json, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(profile_id, request_key) DO NOTHING",
        params![
            profile_id,
            key,
            req.target_kind.as_str(),
            req.target,
            req.sid,
            types_text(&req.link_types),
            req.short_link,
            url,
            links_json,
            created_at
        ],
    )?;
    by_key(conn, profile_id, key)?
        .ok_or_else(|| crate::Error::Internal("a stored link vanished".into()))
}

pub fn get(conn: &Connection, id: u32) -> Result<Option<LinkEntry>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM links WHERE id = ?1"),
            [id],
            read,
        )
        .optional()?)
}

pub fn set_label(conn: &Connection, id: u32, label: Option<&str>) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE links SET label = ?2 WHERE id = ?1",
        params![id, label],
    )?)
}

pub fn delete(conn: &Connection, id: u32) -> Result<usize> {
    Ok(conn.execute("DELETE FROM links WHERE id = ?1", [id])?)
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Entries matching the query, newest first, and how many match in all.
pub fn search(
    conn: &Connection,
    profile_id: &str,
    q: &LibraryQuery,
    offset: u32,
    limit: u32,
) -> Result<(u32, Vec<LinkEntry>)> {
    let mut w = String::from("profile_id = ?");
    let mut args: Vec<SqlValue> = vec![SqlValue::Text(profile_id.to_owned())];
    if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        w.push_str(
            " AND (target LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\'
                   OR coalesce(label, '') LIKE ? ESCAPE '\\' OR sid LIKE ? ESCAPE '\\')",
        );
        let pat = format!("%{}%", escape_like(s));
        for _ in 0..4 {
            args.push(SqlValue::Text(pat.clone()));
        }
    }
    if let Some(sid) = q.sid.as_deref().filter(|s| !s.is_empty()) {
        w.push_str(" AND sid = ?");
        args.push(SqlValue::Text(sid.to_owned()));
    }
    if let Some(kind) = q.target_kind {
        w.push_str(" AND target_kind = ?");
        args.push(SqlValue::Text(kind.as_str().to_owned()));
    }
    if let Some(act) = q.act_id.as_deref().filter(|s| !s.is_empty()) {
        w.push_str(" AND target_kind = 'act' AND target = ?");
        args.push(SqlValue::Text(act.to_owned()));
    }
    if let Some(t) = q.link_type {
        w.push_str(" AND (',' || link_types || ',') LIKE ?");
        args.push(SqlValue::Text(format!("%,{t},%")));
    }
    let total: u32 = conn.query_row(
        &format!("SELECT count(*) FROM links WHERE {w}"),
        rusqlite::params_from_iter(args.clone()),
        |r| r.get(0),
    )?;
    args.push(SqlValue::Integer(i64::from(limit)));
    args.push(SqlValue::Integer(i64::from(offset)));
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM links WHERE {w} ORDER BY id DESC LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), read)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((total, rows))
}
