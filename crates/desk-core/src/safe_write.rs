//! Writing a file the user asked for (an export, a QR code PNG) without
//! trusting what is already in the target folder.
//!
//! - A target that exists and is not a regular file (a symbolic link to
//!   anything, a device, a FIFO, a socket, a folder) is refused: it is never
//!   followed, opened or replaced.
//! - The bytes go to a temporary file with a random name, created exclusively
//!   (`O_CREAT | O_EXCL`, which never follows a link) in the target's folder,
//!   are synced, and the file is then renamed over the target. A planted
//!   symlink at a predictable temporary name has nothing to hijack.
//! - On any failure (a full disk, a write error, a refused target) the
//!   temporary file is removed: nothing half-written is left behind.
//!
//! A new file is private to the user (0600 on Unix); an existing regular
//! file that is replaced keeps its permission bits.

use crate::error::{Error, Result};
use std::fs::{File, Metadata};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (see the module docs).
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file_with(path, |file| file.write_all(bytes))
}

/// Like [`write_file_atomically`], with `fill` writing the content into the
/// temporary file. Whatever `fill` returns as an error, the temporary file is
/// removed and the target is left as it was.
pub fn write_file_with(path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> Result<()> {
    let io_err = |e: io::Error| Error::Storage(format!("cannot write {}: {e}", path.display()));
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid("path", format!("{} names no file", path.display())))?;
    let dir: PathBuf = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let existing = regular_target(path)?;

    // `.NAME.XXXXXX.part`: hidden, recognisable, random, and short enough
    // for any file system however long the target's name is.
    let stem: String = name.to_string_lossy().chars().take(40).collect();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".part")
        .tempfile_in(&dir)
        .map_err(io_err)?;
    // From here on, dropping `tmp` (any early return) removes the file.
    if let Some(meta) = &existing {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(io_err)?;
    }
    fill(tmp.as_file_mut()).map_err(io_err)?;
    tmp.as_file_mut().flush().map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;

    // Check again just before the rename: the target may have been swapped
    // for a link or a special file while we wrote.
    let existing = regular_target(path)?;
    match existing {
        // Nothing there a moment ago: do not replace whatever appears now.
        None => match tmp.persist_noclobber(path) {
            Ok(_) => {}
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
                // `e.file` is dropped here, removing the temporary file.
                regular_target(path)?;
                return Err(Error::Storage(format!(
                    "cannot write {}: another program created it meanwhile; try again",
                    path.display()
                )));
            }
            // File systems without `RENAME_NOREPLACE` or hard links (FAT,
            // some network shares): a plain rename, after one more check.
            Err(e) => {
                let tmp = e.file;
                regular_target(path)?;
                tmp.persist(path).map_err(|e| io_err(e.error))?;
            }
        },
        Some(_) => {
            tmp.persist(path).map_err(|e| io_err(e.error))?;
        }
    }
    sync_dir(&dir);
    Ok(())
}

/// The target's metadata when it is a regular file, `None` when nothing is
/// there, and a refusal naming the path for anything else. Links are not
/// followed.
fn regular_target(path: &Path) -> Result<Option<Metadata>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Storage(format!(
                "cannot write {}: {e}",
                path.display()
            )))
        }
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(Some(meta));
    }
    let what = if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a folder"
    } else {
        special_kind(&meta)
    };
    Err(Error::invalid(
        "path",
        format!(
            "{} is {what}, not a regular file; it was left untouched (choose another file name)",
            path.display()
        ),
    ))
}

#[cfg(unix)]
fn special_kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_meta: &Metadata) -> &'static str {
    "a special file"
}

/// Makes the rename durable (best effort: not every file system can sync a
/// folder, and the file itself is already synced).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        write_file_atomically(&path, b"one").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_file_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "only the target is left");
    }

    #[test]
    fn a_path_without_a_file_name_is_refused() {
        let err = write_file_atomically(Path::new("/"), b"x").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidInput);
    }
}
