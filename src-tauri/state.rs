//! What the shell holds for the lifetime of the app: handles into desk-core,
//! built once at start-up and passed to commands through Tauri's state.

use crate::commands::app::StartupMarks;
use desk_core::api::Api;
use desk_core::clipboard::SecretClipboard;
use desk_core::embedded::EmbeddedSandbox;
use desk_core::logging::Redactor;
use desk_core::vault::{KeyringVault, Vault};
use desk_core::{Clock, Store, SystemClock};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub struct AppState {
    pub data_dir: PathBuf,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub redactor: Redactor,
    pub vault: Arc<dyn Vault>,
    /// The sandbox behind sandbox profiles, started on first use.
    pub sandbox: Arc<EmbeddedSandbox>,
    /// The signed-call gateway: every call to Meituan goes through its ledger.
    pub api: Arc<Api>,
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
        let store = Store::open(desk_core::paths::database_path(&data_dir))?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let vault: Arc<dyn Vault> = Arc::new(KeyringVault::new(redactor.clone()));
        let sandbox = Arc::new(EmbeddedSandbox::new(&data_dir));
        let api = Arc::new(
            Api::new(store.clone(), vault.clone(), clock.clone()).with_sandbox(sandbox.clone()),
        );
        Ok(AppState {
            data_dir,
            store,
            clock,
            redactor,
            vault,
            sandbox,
            api,
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
