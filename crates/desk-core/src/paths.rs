//! Where the app keeps its data. The GUI and `mtu` share one folder: the
//! platform's app-data directory for the app identifier (the same folder
//! Tauri's `app_data_dir` names), or `UNION_DESK_HOME` when set.

use crate::error::{Error, Result};
use std::path::PathBuf;

/// The app identifier from `tauri.conf.json`.
pub const APP_IDENTIFIER: &str = "com.uniondesk.desktop";
/// Environment variable that overrides the data folder (tests use temp dirs).
pub const HOME_ENV: &str = "UNION_DESK_HOME";

/// The data folder, created if missing.
pub fn data_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => directories::BaseDirs::new()
            .ok_or_else(|| Error::Storage("no home directory for this user".into()))?
            .data_dir()
            .join(APP_IDENTIFIER),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Storage(format!("cannot create data folder {}: {e}", dir.display())))?;
    Ok(dir)
}

/// The SQLite database inside a data folder.
pub fn database_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("union-desk.sqlite3")
}

/// The log folder inside a data folder.
pub fn log_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}
