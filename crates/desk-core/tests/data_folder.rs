//! The data folder (issue 16 items 5 and 8): it holds orders, callback
//! bodies and secret hints, so on Unix it is 0700 and the database files are
//! 0600 whatever the umask, and an install made looser by an older version is
//! tightened when the app or `mtu` starts. A damaged database is reported
//! with its path and the way out.
#![cfg(unix)]

use desk_core::{paths, ErrorCode, Store};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// `UNION_DESK_HOME` and the umask are per process: one test at a time.
static PROCESS: Mutex<()> = Mutex::new(());

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// What the app and `mtu` do at start: find (create, tighten) the data
/// folder, then open the database in it.
fn start(home: &Path) -> (PathBuf, Store) {
    unsafe { libc::umask(0o022) };
    std::env::set_var(paths::HOME_ENV, home);
    let dir = paths::data_dir();
    std::env::remove_var(paths::HOME_ENV);
    let dir = dir.unwrap();
    assert_eq!(dir, home);
    let store = Store::open(paths::database_path(&dir)).unwrap();
    (dir, store)
}

fn side_file(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[test]
fn a_new_data_folder_and_database_are_private_under_umask_022() {
    let _one = PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    let base = tempfile::tempdir().unwrap();
    chmod(base.path(), 0o755);
    let home = base.path().join("com.uniondesk.desktop");
    let (dir, store) = start(&home);
    // A write, so the WAL and shared-memory files exist too.
    store
        .connect()
        .unwrap()
        .execute_batch("CREATE TABLE probe (x); INSERT INTO probe VALUES (1);")
        .unwrap();
    let db = paths::database_path(&dir);
    assert_eq!(mode(&dir), 0o700, "data folder");
    assert_eq!(mode(&db), 0o600, "database");
    for suffix in ["-wal", "-shm"] {
        let side = side_file(&db, suffix);
        assert!(side.exists(), "{} missing", side.display());
        assert_eq!(mode(&side), 0o600, "{}", side.display());
    }
    // The parent it lives in is not ours to change.
    assert_eq!(mode(base.path()), 0o755);
}

#[test]
fn an_existing_loose_install_is_tightened_at_start() {
    let _one = PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    let base = tempfile::tempdir().unwrap();
    let home = base.path().join("data");
    std::fs::create_dir(&home).unwrap();
    let db = paths::database_path(&home);
    drop(Store::open(&db).unwrap());
    // What an older version left under umask 022.
    let logs = paths::log_dir(&home);
    std::fs::create_dir(&logs).unwrap();
    let log = logs.join("union-desk.2026-03-01.log");
    std::fs::write(&log, b"line\n").unwrap();
    let sandbox = home.join("sandbox");
    std::fs::create_dir(&sandbox).unwrap();
    std::fs::write(sandbox.join("state.json"), b"{}").unwrap();
    let notes = home.join("notes.txt");
    std::fs::write(&notes, b"the user's own").unwrap();
    for (path, m) in [
        (&home, 0o755),
        (&db, 0o644),
        (&logs, 0o755),
        (&log, 0o644),
        (&sandbox, 0o755),
        (&sandbox.join("state.json"), 0o644),
        (&notes, 0o644),
    ] {
        chmod(path, m);
    }

    let (_, _store) = start(&home);

    assert_eq!(mode(&home), 0o700, "data folder");
    assert_eq!(mode(&db), 0o600, "database");
    assert_eq!(mode(&logs), 0o700, "log folder");
    assert_eq!(mode(&log), 0o600, "log file");
    assert_eq!(mode(&sandbox), 0o700, "sandbox folder");
    assert_eq!(mode(&sandbox.join("state.json")), 0o600, "sandbox state");
    assert_eq!(mode(&notes), 0o644, "a file that is not the app's");
}

#[test]
fn a_shared_sticky_folder_is_left_as_it_is() {
    let _one = PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    let base = tempfile::tempdir().unwrap();
    let shared = base.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o1777);
    let (dir, _store) = start(&shared);
    assert_eq!(mode(&dir), 0o1777);
    assert_eq!(mode(&paths::database_path(&dir)), 0o600);
}

#[test]
fn a_damaged_database_names_the_file_and_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = paths::database_path(dir.path());
    std::fs::write(
        &db,
        [b"this is not SQLite at all. ".as_slice(); 200].concat(),
    )
    .unwrap();

    let err = Store::open(&db).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage);
    let message = err.to_string();
    assert!(message.contains(&*db.to_string_lossy()), "{message}");
    assert!(message.contains("file is not a database"), "{message}");
    assert!(message.contains("move it aside"), "{message}");
    assert!(message.contains("union-desk.sqlite3.damaged"), "{message}");

    // With a backup beside it, the message points at the backup.
    let good = dir.path().join("good.sqlite3");
    drop(Store::open(&good).unwrap());
    let backup = side_file(&db, ".bak");
    std::fs::copy(&good, &backup).unwrap();
    let message = Store::open(&db).unwrap_err().to_string();
    assert!(message.contains(&*backup.to_string_lossy()), "{message}");
    assert!(message.contains("restore the backup"), "{message}");
    // The damaged file itself was not touched.
    assert!(std::fs::read(&db)
        .unwrap()
        .starts_with(b"this is not SQLite"));
}
