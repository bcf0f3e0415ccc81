//! What a command needs from the core, built the same way the desktop app
//! builds it: the data folder (`UNION_DESK_HOME` or the app's), its
//! database, the OS keychain, the system clock, the embedded sandbox and the
//! signed-call gateway over them.

use desk_core::api::Api;
use desk_core::embedded::EmbeddedSandbox;
use desk_core::logging::Redactor;
use desk_core::profiles::{self, Profile};
use desk_core::vault::KeyringVault;
use desk_core::{Store, SystemClock};
use std::sync::Arc;

pub struct Desk {
    pub store: Store,
    pub vault: Arc<KeyringVault>,
    pub clock: Arc<SystemClock>,
    pub sandbox: Arc<EmbeddedSandbox>,
    pub api: Arc<Api>,
}

impl Desk {
    pub fn open() -> anyhow::Result<Desk> {
        let dir = desk_core::paths::data_dir()?;
        let store = Store::open(desk_core::paths::database_path(&dir))?;
        let vault = Arc::new(KeyringVault::new(Redactor::new()));
        let clock = Arc::new(SystemClock);
        let sandbox = Arc::new(EmbeddedSandbox::new(&dir));
        let api = Arc::new(
            Api::new(store.clone(), vault.clone(), clock.clone()).with_sandbox(sandbox.clone()),
        );
        Ok(Desk {
            store,
            vault,
            clock,
            sandbox,
            api,
        })
    }

    /// The profile named `name`, or the only profile there is.
    pub fn profile(&self, name: Option<&str>) -> anyhow::Result<Profile> {
        Ok(profiles::select(&self.store, name)?)
    }

    /// Stops a sandbox this process started, flushing its counters.
    pub async fn close(&self) {
        self.sandbox.shutdown().await;
    }
}

/// A runtime for the async parts (HTTP, the embedded sandbox).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
