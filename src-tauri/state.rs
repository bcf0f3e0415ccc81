//! What the shell holds for the lifetime of the app: handles into desk-core,
//! built once at start-up and passed to commands through Tauri's state.

use crate::commands::app::StartupMarks;
use desk_core::logging::Redactor;
use desk_core::secrets::clipboard::SecretClipboard;
use desk_core::secrets::vault::KeyringVault;
use desk_core::{Desk, SystemClock};
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The core's wiring ([`Desk`], the same `mtu` opens; its fields read
/// through `Deref`: `state.store`, `state.api`, …) plus what only the shell
/// has.
pub struct AppState {
    desk: Desk,
    pub redactor: Redactor,
    /// Copies secrets to the OS clipboard and clears them (timer, quit).
    pub clipboard: Arc<SecretClipboard>,
    /// Local callback receivers, one per profile at most (console/callback).
    pub receivers: Arc<desk_core::callback::Receivers>,
    /// When `run` began, and whether the first screen was reported painted.
    started: Instant,
    painted: AtomicBool,
}

impl AppState {
    pub fn open(
        data_dir: PathBuf,
        redactor: Redactor,
        started: Instant,
    ) -> desk_core::Result<Self> {
        // The same wiring `mtu` opens (desk_core::Desk), plus the shell's own
        // parts: the clipboard, the receivers, the start-up marks.
        let desk = Desk::open(
            &data_dir,
            Arc::new(KeyringVault::new(redactor.clone())),
            Arc::new(SystemClock),
        )?;
        Ok(AppState {
            desk,
            redactor,
            clipboard: Arc::new(SecretClipboard::system()),
            receivers: Arc::default(),
            started,
            painted: AtomicBool::new(false),
        })
    }

    /// Logs, once, how long the first screen took from the start of `run`,
    /// with the UI's own marks (relative to the page's navigation start).
    pub fn startup_painted(&self, marks: StartupMarks) {
        if !self.painted.swap(true, Ordering::Relaxed) {
            let ms = self.started.elapsed().as_millis() as u64;
            tracing::info!(
                ms,
                script_ms = marks.script_ms,
                mounted_ms = marks.mounted_ms,
                loaded_ms = marks.loaded_ms,
                painted_ms = marks.painted_ms,
                "first screen painted"
            );
        }
    }

    /// Call when the app quits: clears a copied secret still on the
    /// clipboard and stops the embedded sandbox (flushing its counters).
    pub fn on_exit(&self) {
        if let Err(e) = self.clipboard.clear_if_ours() {
            tracing::warn!(error = %e, "could not clear the clipboard on quit");
        }
        tauri::async_runtime::block_on(self.sandbox.shutdown());
    }
}

impl Deref for AppState {
    type Target = Desk;

    fn deref(&self) -> &Desk {
        &self.desk
    }
}
