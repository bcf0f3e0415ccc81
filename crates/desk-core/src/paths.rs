//! Where the app keeps its data. The GUI and `mtu` share one folder: the
//! platform's app-data directory for the app identifier (the same folder
//! Tauri's `app_data_dir` names), or `UNION_DESK_HOME` when set.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The app identifier from `tauri.conf.json`.
pub const APP_IDENTIFIER: &str = "com.uniondesk.desktop";
/// Environment variable that overrides the data folder (tests use temp dirs).
pub const HOME_ENV: &str = "UNION_DESK_HOME";

/// The data folder, created if missing, private to the user (see
/// [`prepare_data_dir`]).
pub fn data_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => directories::BaseDirs::new()
            .ok_or_else(|| Error::Storage("no home directory for this user".into()))?
            .data_dir()
            .join(APP_IDENTIFIER),
    };
    prepare_data_dir(&dir)?;
    Ok(dir)
}

/// Creates the data folder (0700 on Unix: it holds orders, callback bodies
/// and secret hints) and tightens what an older version left readable to
/// others: the folder, the database and its `-wal`/`-shm`/`-journal` files,
/// and the app's own subfolders (`logs`, `sandbox`, `exports`) with the
/// files in `logs` and `sandbox` lose their group and other permission bits.
/// Nothing else in the folder is touched, and a shared sticky folder (such
/// as `/tmp` given as `UNION_DESK_HOME`) or the home folder itself is never
/// changed. Tightening is best effort: a failure is logged, not fatal.
pub fn prepare_data_dir(dir: &Path) -> Result<()> {
    create_private_dir(dir)
        .map_err(|e| Error::Storage(format!("cannot create data folder {}: {e}", dir.display())))?;
    #[cfg(unix)]
    tighten_data_dir(dir);
    Ok(())
}

/// `create_dir_all`, with the last folder created 0700 on Unix.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    #[cfg(unix)]
    let builder = {
        let mut builder = std::fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
    };
    #[cfg(not(unix))]
    let builder = std::fs::DirBuilder::new();
    match builder.create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn tighten_data_dir(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    const STICKY: u32 = 0o1000;
    let Ok(meta) = std::fs::metadata(dir) else {
        return;
    };
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    let is_home = home.is_some_and(|h| same_file(&h, dir));
    if meta.permissions().mode() & STICKY != 0 || is_home {
        tracing::warn!(
            folder = %dir.display(),
            "the data folder is shared or the home folder; its permissions are left as they are"
        );
        return;
    }
    // The folder itself may be a link to where the user keeps the data:
    // follow it for the folder, but never for anything inside.
    tighten(dir, &meta);
    let db = database_path(dir);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        tighten_entry(Path::new(&name));
    }
    for sub in ["logs", "sandbox", "exports"] {
        let sub = dir.join(sub);
        if !tighten_entry(&sub) || sub.ends_with("exports") {
            continue;
        }
        if let Ok(entries) = std::fs::read_dir(&sub) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_file()) {
                    tighten_entry(&entry.path());
                }
            }
        }
    }
}

/// Removes the group and other bits of a regular file or folder (not a
/// link); true when `path` is a folder.
#[cfg(unix)]
fn tighten_entry(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() {
        tighten(path, &meta);
    }
    kind.is_dir()
}

#[cfg(unix)]
fn tighten(path: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 == 0 {
        return;
    }
    let tight = std::fs::Permissions::from_mode(mode & !0o077);
    if let Err(e) = std::fs::set_permissions(path, tight) {
        tracing::warn!(path = %path.display(), error = %e, "cannot make private to this user");
    }
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// A folder of the app's own inside the data folder, created 0700 on Unix
/// when missing (kept images).
pub fn private_dir(dir: &Path) -> Result<()> {
    create_private_dir(dir)
        .map_err(|e| Error::Storage(format!("cannot create {}: {e}", dir.display())))
}

/// Mini-program code images kept with their library links.
pub fn minicodes_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("minicodes")
}

/// Product pictures a search answer named, kept for the day's pages.
pub fn search_images_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("images").join("search")
}

/// The SQLite database inside a data folder.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("union-desk.sqlite3")
}

/// The log folder inside a data folder.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// The exports folder inside a data folder: CSV and XLSX exports and saved
/// QR code PNGs.
pub fn exports_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("exports")
}

/// A new file in `<data folder>/exports` (created if needed), named after
/// `stem` and the Beijing time `at`: `orders-20261205-093000.csv`.
pub fn new_export_path(
    data_dir: &Path,
    stem: &str,
    ext: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<PathBuf> {
    let dir = exports_dir(data_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Storage(format!("cannot create {}: {e}", dir.display())))?;
    let at = at
        .with_timezone(&crate::clock::beijing())
        .format("%Y%m%d-%H%M%S");
    Ok(dir.join(format!("{stem}-{at}.{ext}")))
}

/// `path` checked to be an existing file directly in the data folder's
/// exports folder (links and `..` resolved), for "show in folder": a path
/// from the webview names nothing else. Returns the file's path under
/// [`exports_dir`].
pub fn export_file(data_dir: &Path, path: &Path) -> Result<PathBuf> {
    let refuse = || {
        Error::invalid(
            "path",
            "only a file in the app's exports folder can be shown",
        )
    };
    let dir = exports_dir(data_dir);
    let real_dir = dir.canonicalize().map_err(|_| refuse())?;
    let real = path.canonicalize().map_err(|_| refuse())?;
    match real.file_name() {
        Some(name) if real.parent() == Some(real_dir.as_path()) && real.is_file() => {
            Ok(dir.join(name))
        }
        _ => Err(refuse()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_export_is_named_after_its_beijing_time_in_the_exports_folder() {
        use chrono::TimeZone;
        let dir = tempfile::tempdir().unwrap();
        // 01:30 UTC is 09:30 in Beijing.
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 5, 1, 30, 0).unwrap();
        let path = new_export_path(dir.path(), "orders", "csv", at).unwrap();
        assert_eq!(
            path,
            exports_dir(dir.path()).join("orders-20261205-093000.csv")
        );
        assert!(exports_dir(dir.path()).is_dir());
    }

    #[test]
    fn only_a_file_in_the_exports_folder_is_an_export() {
        let data = tempfile::tempdir().unwrap();
        let exports = exports_dir(data.path());
        assert!(
            export_file(data.path(), &exports.join("links.csv")).is_err(),
            "no folder yet"
        );
        std::fs::create_dir_all(exports.join("sub")).unwrap();
        std::fs::write(exports.join("links.csv"), "x").unwrap();
        std::fs::write(exports.join("sub/inner.csv"), "x").unwrap();
        std::fs::write(data.path().join("outside.csv"), "x").unwrap();

        let ok = export_file(data.path(), &exports.join("links.csv")).unwrap();
        assert_eq!(ok, exports.join("links.csv"));
        let dotted = exports.join("sub").join("..").join("links.csv");
        assert_eq!(export_file(data.path(), &dotted).unwrap(), ok);

        for bad in [
            exports.join("missing.csv"),
            exports.join("sub"),
            exports.join("sub/inner.csv"),
            exports.clone(),
            exports.join("..").join("outside.csv"),
            data.path().join("outside.csv"),
            database_path(data.path()),
            PathBuf::from("links.csv"),
            PathBuf::new(),
        ] {
            let err = export_file(data.path(), &bad).unwrap_err();
            assert_eq!(
                err.code(),
                crate::ErrorCode::InvalidInput,
                "{}",
                bad.display()
            );
        }
        #[cfg(unix)]
        {
            // A link in the exports folder to a file elsewhere is refused.
            let link = exports.join("link.csv");
            std::os::unix::fs::symlink(data.path().join("outside.csv"), &link).unwrap();
            assert!(export_file(data.path(), &link).is_err());
        }
    }
}
