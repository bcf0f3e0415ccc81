//! Queries of the 选品 tables (migration 0017): the day's search pages and
//! filter lists, the image URLs search answers named, and the 收藏 list.
//! Pages, filters and favorites are kept as JSON text of the core's types.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// A cached page: its JSON, the `searchId` Meituan gave, when fetched.
pub struct CachedPage {
    pub page_json: String,
    pub search_id: Option<String>,
    pub fetched_at: String,
}

pub fn page(
    conn: &Connection,
    profile_id: &str,
    query_key: &str,
    page: u32,
    day: &str,
) -> Result<Option<CachedPage>> {
    Ok(conn
        .query_row(
            "SELECT page_json, search_id, fetched_at FROM search_pages
             WHERE profile_id = ?1 AND query_key = ?2 AND page = ?3 AND day = ?4",
            params![profile_id, query_key, page, day],
            |r| {
                Ok(CachedPage {
                    page_json: r.get(0)?,
                    search_id: r.get(1)?,
                    fetched_at: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Whether `page` of the query is cached for `day` (no JSON read).
pub fn has_page(
    conn: &Connection,
    profile_id: &str,
    query_key: &str,
    page: u32,
    day: &str,
) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM search_pages
             WHERE profile_id = ?1 AND query_key = ?2 AND page = ?3 AND day = ?4",
            params![profile_id, query_key, page, day],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Stores a page for `day`, dropping the profile's pages of other days,
/// and remembers the image URLs it names.
#[allow(clippy::too_many_arguments)]
pub fn put_page(
    conn: &mut Connection,
    profile_id: &str,
    query_key: &str,
    page: u32,
    day: &str,
    page_json: &str,
    search_id: Option<&str>,
    fetched_at: &str,
    image_urls: &[&str],
) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM search_pages WHERE profile_id = ?1 AND day <> ?2",
        params![profile_id, day],
    )?;
    tx.execute(
        "INSERT OR REPLACE INTO search_pages
             (profile_id, query_key, page, day, page_json, search_id, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![profile_id, query_key, page, day, page_json, search_id, fetched_at],
    )?;
    for url in image_urls {
        tx.execute(
            "INSERT OR IGNORE INTO search_images (profile_id, url, named_at) VALUES (?1, ?2, ?3)",
            params![profile_id, url, fetched_at],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub fn filters(conn: &Connection, profile_id: &str, day: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT filters_json FROM search_filters WHERE profile_id = ?1 AND day = ?2",
            params![profile_id, day],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn put_filters(
    conn: &Connection,
    profile_id: &str,
    day: &str,
    filters_json: &str,
    fetched_at: &str,
) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO search_filters (profile_id, day, filters_json, fetched_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![profile_id, day, filters_json, fetched_at],
    )?;
    Ok(())
}

/// A named image: `None` when no answer named the URL; else its cached
/// file and MIME type, if fetched.
pub fn image(
    conn: &Connection,
    profile_id: &str,
    url: &str,
) -> Result<Option<(Option<String>, Option<String>)>> {
    Ok(conn
        .query_row(
            "SELECT file, mime FROM search_images WHERE profile_id = ?1 AND url = ?2",
            params![profile_id, url],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn set_image_file(
    conn: &Connection,
    profile_id: &str,
    url: &str,
    file: &str,
    mime: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE search_images SET file = ?3, mime = ?4 WHERE profile_id = ?1 AND url = ?2",
        params![profile_id, url, file, mime],
    )?;
    Ok(())
}

/// The profile's favorites as (key, item JSON, added at), oldest first.
pub fn favorites(conn: &Connection, profile_id: &str) -> Result<Vec<(String, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT key, item_json, added_at FROM favorites WHERE profile_id = ?1
         ORDER BY added_at, rowid",
    )?;
    let rows = stmt.query_map(params![profile_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn favorite_count(conn: &Connection, profile_id: &str) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM favorites WHERE profile_id = ?1",
        params![profile_id],
        |r| r.get(0),
    )?)
}

/// Adds (or refreshes the item of) a favorite; its first added time stays.
pub fn put_favorite(
    conn: &Connection,
    profile_id: &str,
    key: &str,
    item_json: &str,
    added_at: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO favorites (profile_id, key, item_json, added_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (profile_id, key) DO UPDATE SET item_json = excluded.item_json",
        params![profile_id, key, item_json, added_at],
    )?;
    Ok(())
}

pub fn remove_favorite(conn: &Connection, profile_id: &str, key: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM favorites WHERE profile_id = ?1 AND key = ?2",
        params![profile_id, key],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Migration 17 on a database of schema 16 with a profile: pages,
    /// images and favorites are kept per profile, pages of other days go,
    /// and everything goes with the profile.
    #[test]
    fn migration_17_on_schema_16_keeps_search_per_profile() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for sql in &crate::store::MIGRATIONS[..16] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 16).unwrap();
        conn.execute(
            "INSERT INTO profiles (id, name, appkey, generation, base_url, sandbox, tier, auth_status, created_at)
             VALUES ('p', 'p', 'k', 'media', 'https://media.meituan.com', 0, '2000', 'open',
                     '2026-12-01T10:00:00+08:00')",
            [],
        )
        .unwrap();
        crate::store::migrate(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert!(v >= 17);
        let at = "2026-12-01T10:00:00+08:00";
        put_page(
            &mut conn,
            "p",
            "q",
            1,
            "2026-12-01",
            "{}",
            Some("s"),
            at,
            &["http://x/a.png"],
        )
        .unwrap();
        assert!(has_page(&conn, "p", "q", 1, "2026-12-01").unwrap());
        assert!(page(&conn, "p", "q", 1, "2026-12-02").unwrap().is_none());
        assert_eq!(
            image(&conn, "p", "http://x/a.png").unwrap(),
            Some((None, None))
        );
        assert_eq!(image(&conn, "p", "http://x/b.png").unwrap(), None);
        // The next day's page drops the day before's.
        put_page(&mut conn, "p", "q", 2, "2026-12-02", "{}", None, at, &[]).unwrap();
        assert!(!has_page(&conn, "p", "q", 1, "2026-12-01").unwrap());
        put_favorite(&conn, "p", "sku:a", "{}", at).unwrap();
        put_favorite(
            &conn,
            "p",
            "sku:a",
            "{\"x\":1}",
            "2026-12-02T00:00:00+08:00",
        )
        .unwrap();
        assert_eq!(
            favorites(&conn, "p").unwrap(),
            vec![("sku:a".to_owned(), "{\"x\":1}".to_owned(), at.to_owned())]
        );
        // Nothing for a profile that does not exist; all gone with the profile.
        assert!(put_favorite(&conn, "nobody", "sku:a", "{}", at).is_err());
        conn.execute("DELETE FROM profiles WHERE id = 'p'", [])
            .unwrap();
        for table in ["search_pages", "search_images", "favorites"] {
            let n: i64 = conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
    }
}
