//! `cargo xtask bench`: every performance figure in one table.

use super::*;

/// Measures every figure of issue 8 and prints one table. The work is in
/// `bench/run.sh` (criterion and bench binaries, Xvfb for the app), so this
/// stays dependency-free; the release binary and `.deb` sizes come from the
/// last `cargo xtask package`.
pub(crate) fn bench() -> Result {
    if cfg!(windows) {
        return Err("bench/run.sh needs bash (Linux or macOS)".into());
    }
    sh(&root(), "bash", &["bench/run.sh"])
}
