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

/// A search that is itself a link (`http…`), so it may match inside URLs.
fn looks_like_url(s: &str) -> bool {
    s.get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("http"))
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
        // What the user names a link by: its target (actId, skuViewId or
        // text), its sid, the sid's name and its label. Not the URL: its
        // digits would match an actId search ("33" is in many links), so the
        // URL is searched only for a query that is itself a URL.
        w.push_str(
            " AND (target LIKE ? ESCAPE '\\' OR sid LIKE ? ESCAPE '\\'
                   OR coalesce(label, '') LIKE ? ESCAPE '\\'
                   OR EXISTS (SELECT 1 FROM sids s WHERE s.profile_id = links.profile_id
                              AND s.sid = links.sid AND s.name LIKE ? ESCAPE '\\')",
        );
        let mut patterns = 4;
        if looks_like_url(s) {
            w.push_str(" OR url LIKE ? ESCAPE '\\'");
            patterns += 1;
        }
        w.push(')');
        let pat = format!("%{}%", escape_like(s));
        for _ in 0..patterns {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::Generation;

    fn add(conn: &Connection, target: &str, sid: &str, url: &str) -> LinkEntry {
        let req = CanonicalRequest {
            generation: Generation::Legacy,
            target_kind: TargetKind::Act,
            target: target.into(),
            sid: sid.into(),
            link_types: vec![1],
            short_link: false,
        };
        let at = "2026-12-05T10:00:00+08:00";
        insert(conn, "p1", &req.key(), &req, url, &BTreeMap::new(), at).unwrap()
    }

    fn found(conn: &Connection, search: &str) -> Vec<String> {
        let q = LibraryQuery {
            search: Some(search.into()),
            ..Default::default()
        };
        let (total, rows) = super::search(conn, "p1", &q, 0, 100).unwrap();
        assert_eq!(total as usize, rows.len());
        let mut targets: Vec<String> = rows.into_iter().map(|e| e.target).collect();
        targets.sort();
        targets
    }

    /// An actId search finds that activity, not every link whose URL holds
    /// the same digits; the sid's name and the label are searched too, and
    /// the URL only by a query that is a URL.
    #[test]
    fn search_matches_what_names_a_link_not_digits_inside_its_url() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(dir.path().join("db")).unwrap();
        let conn = store.connect().unwrap();
        conn.execute(
            "INSERT INTO profiles (id, name, appkey, generation, sandbox, tier, created_at)
             VALUES ('p1', 'main', 'k', 'legacy', 1, '2000', '2026-12-05T10:00:00+08:00')",
            [],
        )
        .unwrap();
        crate::links::sids::sql::insert(&conn, "p1", "wx01", "公众号推文", "2026-12-05").unwrap();
        add(
            &conn,
            "33",
            "wx01",
            "https://i.meituan.invalid/a?actId=33&k=1",
        );
        let other = add(
            &conn,
            "108",
            "web",
            "https://i.meituan.invalid/u/x33y?actId=108",
        );
        set_label(&conn, other.id, Some("双十一主会场")).unwrap();

        assert_eq!(found(&conn, "33"), ["33"], "the URL of 108 holds 33");
        assert_eq!(found(&conn, "公众号"), ["33"], "the sid's name");
        assert_eq!(found(&conn, "双十一"), ["108"], "the label");
        assert_eq!(found(&conn, "WEB"), ["108"], "the sid, any case");
        assert_eq!(found(&conn, "x33y"), Vec::<String>::new());
        assert_eq!(found(&conn, "https://i.meituan.invalid/u/"), ["108"]);
        assert_eq!(found(&conn, "HTTPS://I.MEITUAN"), ["108", "33"]);
        // LIKE wildcards are plain characters.
        assert_eq!(found(&conn, "%"), Vec::<String>::new());
    }
}
