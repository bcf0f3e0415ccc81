//! 小程序码 (issue 20 item 2): a mini-program code for an act or sku and a
//! sid (one counted call the first time, then from the link library), saved
//! as a PNG in the exports folder, or copied. Each command is a line or two
//! over desk-core.

use crate::state::AppState;
use desk_core::links::minicode::{self, MiniCode};
use desk_core::links::TargetKind;
use desk_core::profiles;
use desk_core::IpcError;
use tauri::State;

/// The code with its image as a data URL; `from_library`/`calls_spent` say
/// what it cost. Also the per-row mini code of batch results (the row's
/// target kind, target and sid).
#[tauri::command]
#[specta::specta]
pub async fn mini_code(
    state: State<'_, AppState>,
    profile_id: String,
    target_kind: TargetKind,
    target: String,
    sid: String,
) -> Result<MiniCode, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(minicode::mini_code(&state.api, &profile, target_kind, &target, &sid).await?)
}

/// Saves a code's image as a PNG in the exports folder; returns its path
/// (shown with `reveal_export`).
#[tauri::command]
#[specta::specta]
pub async fn mini_code_save(state: State<'_, AppState>, link_id: u32) -> Result<String, IpcError> {
    let path = super::orders::export_path(&state, &format!("minicode-{link_id}"), "png")?;
    minicode::save_mini_code(&state.api, link_id, &path).await?;
    Ok(path.display().to_string())
}

/// Puts the code on the OS clipboard as an image (a PNG as pixels, ready
/// to paste into a chat; another format as its kept file).
#[tauri::command]
#[specta::specta]
pub async fn mini_code_copy(state: State<'_, AppState>, link_id: u32) -> Result<(), IpcError> {
    minicode::copy_mini_code(&state.api, link_id).await?;
    Ok(())
}
