//! The SQLite store: one file, WAL, a busy timeout, foreign keys, and
//! numbered migrations tracked by `PRAGMA user_version`. Each table's queries
//! live in their own file beside this one.

pub mod profiles;
pub mod quota;
pub mod settings;
// Console requests and callbacks (issue 7).
pub mod callbacks;
pub mod requests;
// Links and orders (issue 6).
pub mod batch;
pub mod links;
pub mod orders;
pub mod sids;
pub mod sync;

use crate::error::{Error, Result};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Numbered migrations, applied in order; index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_profiles.sql"),
    include_str!("../../migrations/0003_quota.sql"),
    include_str!("../../migrations/0004_links.sql"),
    include_str!("../../migrations/0005_orders.sql"),
    include_str!("../../migrations/0006_requests.sql"),
    include_str!("../../migrations/0007_callbacks.sql"),
];

/// How long a writer waits for another (the GUI and `mtu` share the file).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle on the database file. Cheap to clone; each [`Store::connect`]
/// opens a fresh connection, so threads and processes never share one.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database and brings it to the latest schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let store = Store {
            path: path.as_ref().to_path_buf(),
        };
        let mut conn = store.connect()?;
        migrate(&mut conn)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new connection with the house settings applied.
    pub fn connect(&self) -> Result<Connection> {
        let conn = Connection::open(&self.path)
            .map_err(|e| Error::Storage(format!("cannot open {}: {e}", self.path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(conn)
    }
}

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

fn migrate(conn: &mut Connection) -> Result<()> {
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
