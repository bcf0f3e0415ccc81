//! Files written for the user (issue 16 item 1): exports and QR code PNGs
//! never follow a planted link, never replace a special file, and leave no
//! temporary file behind when a write fails.
//!
//! The full-disk case runs in a child process (this same test binary, re-run
//! with `SAFE_WRITE_CHILD_DIR` set and filtered to [`fsize_child_entry`])
//! under a file size limit (`RLIMIT_FSIZE`), so a write fails with `EFBIG`
//! part way through as it would on a full disk, without limiting the other
//! tests.
#![cfg(unix)]

use desk_core::export::{self, Cell, ExportFormat};
use desk_core::{links, safe_write, ErrorCode};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

const CHILD_ENV: &str = "SAFE_WRITE_CHILD_DIR";

fn rows(n: usize) -> Vec<Vec<Cell>> {
    (0..n)
        .map(|i| {
            vec![
                Cell::Text(format!("order-{i}")),
                Cell::Money(i as i64 * 100),
            ]
        })
        .collect()
}

fn export_csv(path: &Path) -> desk_core::Result<()> {
    export::write_table(path, ExportFormat::Csv, "orders", &["id", "paid"], &rows(3))
}

/// Every name in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[test]
fn a_link_planted_at_the_old_temporary_name_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join(".out.csv.part")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join(".qr.png.part")).unwrap();
    let out = dir.path().join("out.csv");

    export_csv(&out).unwrap();
    links::save_qr("https://example.invalid/a", &dir.path().join("qr.png")).unwrap();

    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"precious",
        "victim overwritten"
    );
    let meta = std::fs::symlink_metadata(&out).unwrap();
    assert!(meta.file_type().is_file(), "out.csv is not a regular file");
    assert!(std::fs::read(&out).unwrap().starts_with(export::BOM));
    let png = std::fs::symlink_metadata(dir.path().join("qr.png")).unwrap();
    assert!(png.file_type().is_file());
    // The planted links are the attacker's; they are left alone, and no
    // temporary file of ours remains.
    assert_eq!(
        listing(dir.path()),
        [
            ".out.csv.part",
            ".qr.png.part",
            "out.csv",
            "qr.png",
            "victim.txt"
        ]
    );
}

#[test]
fn a_link_at_the_target_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let out = dir.path().join("out.csv");
    std::os::unix::fs::symlink(&victim, &out).unwrap();
    let dangling = dir.path().join("qr.png");
    std::os::unix::fs::symlink(dir.path().join("nowhere.png"), &dangling).unwrap();

    let err = export_csv(&out).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let message = err.to_string();
    assert!(message.contains(&*out.to_string_lossy()), "{message}");
    assert!(message.contains("symbolic link"), "{message}");

    let err = links::save_qr("https://example.invalid/a", &dangling).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");

    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&out)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!dir.path().join("nowhere.png").exists());
    assert_eq!(listing(dir.path()), ["out.csv", "qr.png", "victim.txt"]);
}

#[test]
fn a_fifo_or_a_folder_at_the_target_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.csv");
    mkfifo(&fifo);
    let err = export_csv(&fifo).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(err.to_string().contains("FIFO"), "{err}");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());

    let folder = dir.path().join("out.xlsx");
    std::fs::create_dir(&folder).unwrap();
    let err = safe_write::write_file_atomically(&folder, b"x").unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(folder.is_dir());
    assert_eq!(listing(dir.path()), ["out.csv", "out.xlsx"]);
}

/// A character device like `/dev/null` (made in a temp folder, so a broken
/// build cannot replace the real one). Making a device node needs root;
/// elsewhere this test says so and passes.
#[test]
fn a_device_at_the_target_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let dev = dir.path().join("null");
    let c = std::ffi::CString::new(dev.as_os_str().as_encoded_bytes()).unwrap();
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    if made != 0 {
        eprintln!(
            "skipped: cannot make a device node ({})",
            std::io::Error::last_os_error()
        );
        return;
    }
    let before = std::fs::symlink_metadata(&dev).unwrap();
    let err = export_csv(&dev).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(err.to_string().contains("a device"), "{err}");
    let after = std::fs::symlink_metadata(&dev).unwrap();
    assert!(after.file_type().is_char_device());
    assert_eq!((after.ino(), after.rdev()), (before.ino(), before.rdev()));
    assert_eq!(listing(dir.path()), ["null"]);
}

#[test]
fn a_failing_writer_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    std::fs::write(&out, b"old export").unwrap();
    let err = safe_write::write_file_with(&out, |f| {
        f.write_all(&[b'x'; 10_000])?;
        Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
    })
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage);
    assert!(err.to_string().contains(&*out.to_string_lossy()), "{err}");
    assert_eq!(listing(dir.path()), ["out.csv"]);
    assert_eq!(std::fs::read(&out).unwrap(), b"old export");
}

#[test]
fn a_missing_folder_is_reported_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gone").join("out.csv");
    let err = export_csv(&out).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage);
    assert!(err.to_string().contains(&*out.to_string_lossy()), "{err}");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_new_file_is_private_and_a_replaced_file_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.csv");
    export_csv(&new).unwrap();
    assert_eq!(std::fs::metadata(&new).unwrap().mode() & 0o777, 0o600);

    let shared = dir.path().join("shared.csv");
    std::fs::write(&shared, b"old").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    export_csv(&shared).unwrap();
    assert_eq!(std::fs::metadata(&shared).unwrap().mode() & 0o777, 0o640);
    assert!(std::fs::read(&shared).unwrap().starts_with(export::BOM));
    assert_eq!(listing(dir.path()), ["new.csv", "shared.csv"]);
}

/// Child half of [`a_full_disk_leaves_no_temporary_file`]: under a 64 KiB
/// file size limit, export 1 MiB over an existing file.
#[test]
fn fsize_child_entry() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let limit = libc::rlimit {
        rlim_cur: 64 * 1024,
        rlim_max: 64 * 1024,
    };
    unsafe {
        // Past the limit, write() fails with EFBIG instead of killing us.
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
    let out = Path::new(&dir).join("o.csv");
    match export::write_atomically(&out, &vec![b'x'; 1 << 20]) {
        Ok(()) => println!("CHILD-RESULT ok"),
        Err(e) => println!("CHILD-RESULT {:?}: {e}", e.code()),
    }
}

#[test]
fn a_full_disk_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.csv");
    std::fs::write(&out, b"old export").unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "fsize_child_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
    let result = stdout
        .lines()
        .find_map(|l| l.find("CHILD-RESULT").map(|at| &l[at..]))
        .unwrap_or_else(|| panic!("no result from the child: {stdout}"));
    assert!(result.starts_with("CHILD-RESULT Storage:"), "{result}");
    assert!(result.contains("o.csv"), "{result}");
    assert_eq!(listing(dir.path()), ["o.csv"], "a temporary file was left");
    assert_eq!(std::fs::read(&out).unwrap(), b"old export");
}
