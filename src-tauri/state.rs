//! What the shell holds for the lifetime of the app: handles into desk-core,
//! built once at start-up and passed to commands through Tauri's state.

use desk_core::logging::Redactor;
use desk_core::{Clock, Store, SystemClock};
use std::path::PathBuf;
use std::sync::Arc;

pub struct AppState {
    pub data_dir: PathBuf,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub redactor: Redactor,
}

impl AppState {
    pub fn open(data_dir: PathBuf, redactor: Redactor) -> desk_core::Result<Self> {
        let store = Store::open(desk_core::paths::database_path(&data_dir))?;
        Ok(AppState {
            data_dir,
            store,
            clock: Arc::new(SystemClock),
            redactor,
        })
    }
}
