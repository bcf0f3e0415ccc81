//! Queries for `minicodes`: which library link has its mini-program code
//! image kept, in which file.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// A kept mini-program code image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiniCodeFile {
    pub link_id: u32,
    /// File name inside the data folder's `minicodes/`.
    pub file: String,
    pub kind: String,
    pub bytes: u64,
    pub sha256: String,
    pub fetched_at: String,
}

pub fn get(conn: &Connection, link_id: u32) -> Result<Option<MiniCodeFile>> {
    Ok(conn
        .query_row(
            "SELECT link_id, file, kind, bytes, sha256, fetched_at FROM minicodes
             WHERE link_id = ?1",
            [link_id],
            |r| {
                Ok(MiniCodeFile {
                    link_id: r.get(0)?,
                    file: r.get(1)?,
                    kind: r.get(2)?,
                    bytes: r.get::<_, i64>(3)? as u64,
                    sha256: r.get(4)?,
                    fetched_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Records (or replaces, after a fetch again) the image of `link_id`.
pub fn put(conn: &Connection, f: &MiniCodeFile) -> Result<()> {
    conn.execute(
        "INSERT INTO minicodes (link_id, file, kind, bytes, sha256, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(link_id) DO UPDATE SET file = excluded.file, kind = excluded.kind,
             bytes = excluded.bytes, sha256 = excluded.sha256, fetched_at = excluded.fetched_at",
        params![
            f.link_id,
            f.file,
            f.kind,
            f.bytes as i64,
            f.sha256,
            f.fetched_at
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Migration 18 on a database of schema 17 with a link in its library:
    /// the link can get its kept image, and loses it with the link.
    #[test]
    fn migration_18_on_schema_17_keeps_images_per_link() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for sql in &crate::store::MIGRATIONS[..17] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 17).unwrap();
        conn.execute(
            "INSERT INTO profiles (id, name, appkey, generation, base_url, sandbox, tier, auth_status, created_at)
             VALUES ('p', 'p', 'k', 'legacy', 'https://openapi.meituan.com', 0, '2000', 'open',
                     '2026-12-01T10:00:00+08:00')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO links (id, profile_id, request_key, target_kind, target, sid, link_types, url, created_at)
             VALUES (7, 'p', 'legacy|act|33|s|4|0|minicode', 'act', '33', 's', '4',
                     'https://img.example/a.png', '2026-12-01T10:00:00+08:00')",
            [],
        )
        .unwrap();
        crate::store::migrate(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            v,
            crate::store::MIGRATIONS.len() as i64,
            "migrated to the latest"
        );
        assert_eq!(get(&conn, 7).unwrap(), None);
        let mut row = MiniCodeFile {
            link_id: 7,
            file: "7.png".into(),
            kind: "png".into(),
            bytes: 10,
            sha256: "ab".into(),
            fetched_at: "2026-12-01T10:00:01+08:00".into(),
        };
        put(&conn, &row).unwrap();
        assert_eq!(get(&conn, 7).unwrap().as_ref(), Some(&row));
        row.bytes = 11;
        row.sha256 = "cd".into();
        put(&conn, &row).unwrap();
        assert_eq!(get(&conn, 7).unwrap().as_ref(), Some(&row));
        // A row for a link that does not exist is refused.
        assert!(put(
            &conn,
            &MiniCodeFile {
                link_id: 8,
                ..row.clone()
            }
        )
        .is_err());
        conn.execute("DELETE FROM links WHERE id = 7", []).unwrap();
        assert_eq!(get(&conn, 7).unwrap(), None);
    }
}
