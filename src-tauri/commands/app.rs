//! App-wide commands: version, data folder, settings.

use crate::state::AppState;
use desk_core::settings::Settings;
use desk_core::IpcError;
use serde::Serialize;
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

/// The UI calls this once, after its first screen is on the glass. The log
/// line is the app's own start-up figure (bench/app_figures.sh reads it).
#[tauri::command]
#[specta::specta]
pub fn startup_painted(state: State<'_, AppState>) {
    state.startup_painted();
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
