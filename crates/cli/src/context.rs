//! What a command needs from the core, built the same way the desktop app
//! builds it: the data folder (`UNION_DESK_HOME` or the app's), its
//! database, the OS keychain, the system clock, the embedded sandbox and the
//! signed-call gateway over them.

use desk_core::logging::Redactor;
use desk_core::secrets::vault::KeyringVault;
pub use desk_core::Desk;
use desk_core::SystemClock;
use std::sync::Arc;

/// The data folder's [`Desk`] (`UNION_DESK_HOME` or the app's) with the OS
/// keychain and the system clock: the same wiring the desktop app opens.
pub fn open_desk() -> anyhow::Result<Desk> {
    let dir = desk_core::paths::data_dir()?;
    Ok(Desk::open(
        &dir,
        Arc::new(KeyringVault::new(Redactor::new())),
        Arc::new(SystemClock),
    )?)
}

/// A runtime for the async parts (HTTP, the embedded sandbox).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
