//! App-wide commands: version, data folder, settings.

use crate::state::AppState;
use desk_core::settings::Settings;
use desk_core::IpcError;
use serde::{Deserialize, Serialize};
use tauri::State;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
}

#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: state.data_dir.display().to_string(),
    }
}

/// The UI's own start-up marks, in whole milliseconds since the page's
/// navigation started (`performance.now()`): the bundle's first line ran,
/// the root component mounted, the first screen's data arrived, and the
/// frame after it was painted.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
pub struct StartupMarks {
    pub script_ms: u32,
    pub mounted_ms: u32,
    pub loaded_ms: u32,
    pub painted_ms: u32,
}

/// The UI calls this once, after its first screen is on the glass. The log
/// line is the app's own start-up figure (bench/app_figures.sh reads it);
/// the UI's marks show where the web process spent its share.
#[tauri::command]
#[specta::specta]
pub fn startup_painted(state: State<'_, AppState>, marks: StartupMarks) {
    state.startup_painted(marks);
}

#[tauri::command]
#[specta::specta]
pub fn get_settings(state: State<'_, AppState>) -> Result<Settings, IpcError> {
    Ok(Settings::load(&state.store)?)
}

#[tauri::command]
#[specta::specta]
pub fn save_settings(state: State<'_, AppState>, settings: Settings) -> Result<Settings, IpcError> {
    settings.save(&state.store)?;
    Ok(Settings::load(&state.store)?)
}

/// Shows a file the app exported (CSV, XLSX, QR code PNG) selected in the
/// system's file manager. The path comes from the webview, so only a file
/// directly in the data folder's `exports` folder is shown; anything else
/// is refused before the file manager is asked.
#[tauri::command]
#[specta::specta]
pub fn reveal_export(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<(), IpcError> {
    use tauri_plugin_opener::OpenerExt;
    let file = desk_core::paths::export_file(&state.data_dir, std::path::Path::new(&path))?;
    app.opener().reveal_item_in_dir(&file).map_err(|e| {
        tracing::warn!(error = %e, "could not show the export in the file manager");
        IpcError::from(desk_core::Error::Storage(format!(
            "the file manager could not be opened: {e}"
        )))
    })
}
