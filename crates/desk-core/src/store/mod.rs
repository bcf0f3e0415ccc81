//! The SQLite store: one file, WAL, a busy timeout, foreign keys, and
//! numbered migrations tracked by `PRAGMA user_version`. Each table's queries
//! live with their feature, in its `sql` child module.

use crate::error::{Error, Result};
use rusqlite::Connection;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Numbered migrations, applied in order; index + 1 is the schema version.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_profiles.sql"),
    include_str!("../../migrations/0003_quota.sql"),
    include_str!("../../migrations/0004_links.sql"),
    include_str!("../../migrations/0005_orders.sql"),
    include_str!("../../migrations/0006_requests.sql"),
    include_str!("../../migrations/0007_callbacks.sql"),
    include_str!("../../migrations/0008_order_month_counts.sql"),
    include_str!("../../migrations/0009_sync_leases.sql"),
    include_str!("../../migrations/0010_auth_checked.sql"),
    include_str!("../../migrations/0011_order_lines.sql"),
    include_str!("../../migrations/0012_batch_row_problems.sql"),
    include_str!("../../migrations/0013_tier_figures.sql"),
    include_str!("../../migrations/0014_quota_notices.sql"),
    include_str!("../../migrations/0015_order_day_totals.sql"),
    include_str!("../../migrations/0016_quality_scores.sql"),
    include_str!("../../migrations/0017_search.sql"),
    include_str!("../../migrations/0018_minicodes.sql"),
    include_str!("../../migrations/0019_quota_observations.sql"),
    include_str!("../../migrations/0020_order_unknown_status.sql"),
];

/// How long a writer waits for another (the GUI and `mtu` share the file).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle connections a [`Store`] keeps for reuse.
const MAX_IDLE: usize = 8;

/// A handle on the database file. Cheap to clone: clones share a small pool
/// of open connections. Closing the last connection of a WAL database
/// checkpoints and syncs it, so a connection per operation made every
/// operation pay a checkpoint; [`Store::connect`] hands out a pooled one
/// instead. A connection is only ever used by one thread at a time.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
}

/// A connection borrowed from a [`Store`]'s pool; it goes back when dropped
/// (unless it was left inside a transaction, then it is closed).
#[derive(Debug)]
pub struct Conn {
    conn: Option<Connection>,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl Deref for Conn {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("present until dropped")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if !conn.is_autocommit() {
            return; // closing rolls the open transaction back
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database and brings it to the latest schema.
    ///
    /// On Unix a new database file is created 0600, and an existing one (with
    /// its `-wal`/`-shm` files, which SQLite creates with the database's
    /// permissions) loses any group and other permission bits. A file that
    /// is not a database (damaged, or something else) is reported with its
    /// path and the way out.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let store = Store {
            path: path.as_ref().to_path_buf(),
            idle: Arc::new(Mutex::new(Vec::new())),
        };
        #[cfg(unix)]
        make_private(&store.path);
        let opened = store.connect().and_then(|mut conn| migrate(&mut conn));
        opened.map_err(|e| store.explain_unreadable(e))?;
        Ok(store)
    }

    /// A damaged database said only "file is not a database": name the file
    /// and what to do. The error stays `Storage`.
    fn explain_unreadable(&self, e: Error) -> Error {
        let Error::Storage(detail) = &e else { return e };
        let damaged = ["file is not a database", "database disk image is malformed"];
        if !damaged.iter().any(|d| detail.contains(d)) {
            return e;
        }
        let path = self.path.display();
        let remedy = match find_backup(&self.path) {
            Some(backup) => format!(
                "quit Union Desk and mtu, then restore the backup {} by copying it to {path} \
                 (move the damaged file aside first)",
                backup.display()
            ),
            None => {
                let mut aside = self.path.as_os_str().to_owned();
                aside.push(".damaged");
                format!(
                    "quit Union Desk and mtu, then restore a backup copy of it if you have one, \
                     or move it aside (for example rename it to {}): the next start creates \
                     an empty database (profiles and orders must then be added and synced again)",
                    Path::new(&aside).display()
                )
            }
        };
        Error::Storage(format!(
            "{path} cannot be read as a Union Desk database ({detail}); {remedy}"
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The data folder the database lives in.
    pub fn data_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// A connection with the house settings applied: a pooled one when one
    /// is idle, otherwise a new one.
    pub fn connect(&self) -> Result<Conn> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => self.open_connection()?,
        };
        Ok(Conn {
            conn: Some(conn),
            idle: self.idle.clone(),
        })
    }

    fn open_connection(&self) -> Result<Connection> {
        let conn = Connection::open(&self.path)
            .map_err(|e| Error::Storage(format!("cannot open {}: {e}", self.path.display())))?;
        conn.busy_handler(Some(wait_for_writer))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(conn)
    }
}

/// Creates the database file 0600 if it is missing (so SQLite's `-wal` and
/// `-shm` files are 0600 too) and removes group and other permission bits
/// from an existing one and its side files. Best effort: SQLite reports a
/// file it cannot open.
#[cfg(unix)]
fn make_private(db: &Path) {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(db);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = Path::new(&name);
        // Never through a link: only a regular file of ours is changed.
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_file() && mode & 0o077 != 0 {
            let tight = std::fs::Permissions::from_mode(mode & !0o077);
            if let Err(e) = std::fs::set_permissions(path, tight) {
                tracing::warn!(path = %path.display(), error = %e, "cannot make private to this user");
            }
        }
    }
}

/// The newest copy next to the database whose name starts with the
/// database's and mentions a backup (`union-desk.sqlite3.bak`,
/// `union-desk.sqlite3.backup-2026-03-01`…). Union Desk writes none itself;
/// a user or a backup tool may have.
fn find_backup(db: &Path) -> Option<PathBuf> {
    let name = db.file_name()?.to_str()?.to_owned();
    let dir = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let file_name = entry.file_name().to_str()?.to_owned();
            let rest = file_name.strip_prefix(&name)?.to_ascii_lowercase();
            if !rest.contains("bak") {
                return None;
            }
            let meta = entry
                .metadata()
                .ok()
                .filter(|m| m.is_file() && m.len() > 0)?;
            Some((meta.modified().ok()?, entry.path()))
        })
        .max()
        .map(|(_, path)| path)
}

/// Busy handler: another connection (a thread, or the other of GUI and
/// `mtu`) holds the write lock. SQLite's default handler sleeps 1, 2, 5, 10,
/// … 100 ms, so a writer that just missed a short transaction waited tens of
/// milliseconds; write transactions here take well under a millisecond, so
/// retry every 50 µs at first, then every millisecond, and give up after
/// [`BUSY_TIMEOUT`] in all.
fn wait_for_writer(attempt: i32) -> bool {
    const FAST: i32 = 200; // 200 × 50 µs = 10 ms of quick retries
    let attempt = attempt.max(0);
    let waited = if attempt < FAST {
        Duration::from_micros(50) * attempt as u32
    } else {
        Duration::from_millis(10) + Duration::from_millis(1) * (attempt - FAST) as u32
    };
    if waited >= BUSY_TIMEOUT {
        return false;
    }
    std::thread::sleep(if attempt < FAST {
        Duration::from_micros(50)
    } else {
        Duration::from_millis(1)
    });
    true
}

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest_version() {
        return Err(Error::Storage(format!(
            "the database was written by a newer Union Desk (schema {current}, this build knows {})",
            latest_version()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)
            .map_err(|e| Error::Storage(format!("migration {} failed: {e}", index + 1)))?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_applies_migrations_once_and_uses_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let store = Store::open(&path).unwrap();
        let conn = store.connect().unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest_version());
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(conn);
        // Re-opening must not re-run migrations (they would fail on CREATE TABLE).
        Store::open(&path).unwrap();
    }

    /// Migration 10 on a database of schema 9: a profile whose status a
    /// step had set counts as checked; one still at the default does not.
    #[test]
    fn migration_10_marks_only_profiles_with_a_set_status_as_checked() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..9] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
        for (id, status) in [("a", "not_open"), ("b", "open"), ("c", "applying")] {
            conn.execute(
                "INSERT INTO profiles (id, name, appkey, generation, base_url, sandbox, tier, auth_status, created_at)
                 VALUES (?1, ?1, ?1, 'legacy', 'https://openapi.meituan.com', 0, '2000', ?2,
                         '2026-12-01T10:00:00+08:00')",
                rusqlite::params![id, status],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        let checked: Vec<(String, Option<String>)> = conn
            .prepare("SELECT id, auth_checked_at FROM profiles ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let stamp = Some("2026-12-01T10:00:00+08:00".to_owned());
        assert_eq!(
            checked,
            vec![
                ("a".to_owned(), None),
                ("b".to_owned(), stamp.clone()),
                ("c".to_owned(), stamp)
            ]
        );
    }

    /// Migration 11 on a database of schema 10: each stored order gets its
    /// generation's line key from the order as Meituan sent it.
    #[test]
    fn migration_11_keys_stored_orders_by_generation_and_platform() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..10] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 10).unwrap();
        conn.execute(
            "INSERT INTO profiles (id, name, appkey, generation, base_url, sandbox, tier, auth_status, created_at)
             VALUES ('p', 'p', 'k', 'legacy', 'https://openapi.meituan.com', 0, '2000', 'open',
                     '2026-12-01T10:00:00+08:00')",
            [],
        )
        .unwrap();
        let orders = [
            (
                "l1",
                Some(2),
                r#"{"orderid":"l1","businessLine":2,"subBusinessLine":1}"#,
            ),
            (
                "l2",
                Some(4),
                r#"{"orderid":"l2","businessLine":4,"subBusinessLine":0}"#,
            ),
            (
                "m1",
                Some(4),
                r#"{"orderId":"m1","platform":1,"businessLine":4}"#,
            ),
            (
                "m2",
                Some(1),
                r#"{"orderId":"m2","platform":2,"businessLine":1}"#,
            ),
            ("m3", Some(7), r#"{"orderId":"m3","businessLine":7}"#),
            ("m4", None, r#"{"orderId":"m4"}"#),
        ];
        for (id, line, raw) in orders {
            conn.execute(
                "INSERT INTO orders (profile_id, order_id, pay_time, mod_time, status, raw_status,
                        business_line, pay_price_cents, profit_cents, raw_json, pay_day)
                 VALUES ('p', ?1, 0, 0, 'paid', 1, ?2, 0, 0, ?3, '1970-01-01')",
                rusqlite::params![id, line, raw],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        let keys: Vec<(String, Option<String>)> = conn
            .prepare("SELECT order_id, line_key FROM orders ORDER BY order_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let want = |id: &str, key: Option<&str>| (id.to_owned(), key.map(str::to_owned));
        assert_eq!(
            keys,
            vec![
                want("l1", Some("legacy:2:1")),
                want("l2", Some("legacy:4")),
                want("m1", Some("media:1:4")),
                want("m2", Some("media:2:1")),
                want("m3", Some("media:1:7")),
                want("m4", None),
            ]
        );
    }

    /// Migration 0020 on a database of schema 19: the day totals keep an
    /// order of an undocumented status (stored as `paid`) under `unknown`,
    /// both when rebuilt and as the orders change later.
    #[test]
    fn migration_0020_keeps_undocumented_statuses_apart_in_the_day_totals() {
        let mut conn = Connection::open_in_memory().unwrap();
        let at = MIGRATIONS
            .iter()
            .position(|m| *m == include_str!("../../migrations/0020_order_unknown_status.sql"))
            .unwrap();
        for sql in &MIGRATIONS[..at] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", at as i64).unwrap();
        conn.execute(
            "INSERT INTO profiles (id, name, appkey, generation, base_url, sandbox, tier, auth_status, created_at)
             VALUES ('p', 'p', 'kkkkkk', 'media', 'https://media.meituan.com', 0, '2000', 'open',
                     '2026-12-01T10:00:00+08:00')",
            [],
        )
        .unwrap();
        // (id, stored status, raw status, platform)
        let orders = [
            ("legacy-paid", "paid", 1, None),
            ("media-paid", "paid", 2, Some(1)),
            ("media-odd", "paid", 7, Some(1)),
            ("media-refunded", "refunded", 4, Some(2)),
        ];
        for (id, status, raw, platform) in orders {
            conn.execute(
                "INSERT INTO orders (profile_id, order_id, pay_time, mod_time, sid, status, raw_status,
                        platform, pay_price_cents, profit_cents, raw_json, pay_day)
                 VALUES ('p', ?1, 0, 0, 's', ?2, ?3, ?4, 100, 10, '{}', '2026-12-01')",
                rusqlite::params![id, status, raw, platform],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        let totals = |conn: &Connection| -> Vec<(String, i64, i64)> {
            conn.prepare(
                "SELECT status, sum(orders), sum(pay_price_cents) FROM order_day_totals
                  WHERE orders > 0 GROUP BY status ORDER BY status",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        let row = |s: &str, n: i64| (s.to_owned(), n, n * 100);
        assert_eq!(
            totals(&conn),
            vec![row("paid", 2), row("refunded", 1), row("unknown", 1)]
        );
        // The odd order is later sent with a documented status: it moves.
        conn.execute(
            "UPDATE orders SET raw_status = 2 WHERE order_id = 'media-odd'",
            [],
        )
        .unwrap();
        assert_eq!(totals(&conn), vec![row("paid", 3), row("refunded", 1)]);
        // A new odd one, then gone again.
        conn.execute(
            "INSERT INTO orders (profile_id, order_id, pay_time, mod_time, sid, status, raw_status,
                    platform, pay_price_cents, profit_cents, raw_json, pay_day)
             VALUES ('p', 'legacy-odd', 0, 0, 's', 'paid', 0, NULL, 100, 10, '{}', '2026-12-01')",
            [],
        )
        .unwrap();
        assert_eq!(
            totals(&conn),
            vec![row("paid", 3), row("refunded", 1), row("unknown", 1)]
        );
        conn.execute("DELETE FROM orders WHERE order_id = 'legacy-odd'", [])
            .unwrap();
        assert_eq!(totals(&conn), vec![row("paid", 3), row("refunded", 1)]);
    }

    /// Migration 0019 on a database of the schema before it: the early
    /// refusals already in the ledger become observations (a refusal at the
    /// limit, an unlimited tier and a day without refusal do not), and the
    /// ledger's days get the probe and reopened columns.
    #[test]
    fn migration_0019_keeps_the_early_refusals_already_in_the_ledger() {
        let at = MIGRATIONS
            .iter()
            .position(|m| *m == include_str!("../../migrations/0019_quota_observations.sql"))
            .unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..at] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", at as i64).unwrap();
        for (id, tier) in [("a", "3000"), ("b", "unlimited")] {
            conn.execute(
                "INSERT INTO profiles (id, name, appkey, generation, base_url, sandbox, tier, auth_status, created_at)
                 VALUES (?1, ?1, ?1, 'media', 'https://media.meituan.com', 0, ?2, 'open', '2026-12-01T10:00:00+08:00')",
                rusqlite::params![id, tier],
            )
            .unwrap();
        }
        for (appkey, day, used, refused) in [
            ("a", "2026-12-01", 2001, Some("2026-12-01T20:00:00+08:00")),
            ("a", "2026-12-02", 3000, Some("2026-12-02T23:00:00+08:00")),
            ("a", "2026-12-03", 2500, None),
            ("b", "2026-12-01", 2001, Some("2026-12-01T21:00:00+08:00")),
        ] {
            conn.execute(
                "INSERT INTO quota_days (appkey, day, used, server_exhausted_at) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![appkey, day, used, refused],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        let kept: Vec<(String, String, String, String, u32, u32)> = conn
            .prepare(
                "SELECT profile_id, observed_at, day, kind, used, assumed_limit FROM quota_observations",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            kept,
            vec![(
                "a".to_owned(),
                "2026-12-01T20:00:00+08:00".to_owned(),
                "2026-12-01".to_owned(),
                "early_refusal".to_owned(),
                2001,
                3000
            )]
        );
        let (reopened, probe): (i64, Option<i64>) = conn
            .query_row(
                "SELECT reopened, probe_call_id FROM quota_days WHERE appkey = 'a' AND day = '2026-12-03'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((reopened, probe), (0, None));
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let store = Store::open(&path).unwrap();
        store
            .connect()
            .unwrap()
            .pragma_update(None, "user_version", 999)
            .unwrap();
        let err = Store::open(&path).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Storage);
    }
}
