//! 推广位质量分 (issue 20 item 3): a sid's daily quality score, with what a
//! fetch would cost before it is made. Each command is a line over desk-core.

use crate::state::AppState;
use desk_core::links::quality::{self, QualityPreview, QualityQuery, QualityReport};
use desk_core::profiles;
use desk_core::IpcError;
use tauri::State;

/// What fetching the range would cost now (0 when fetched today), with the
/// stored answer when it is free. Makes no call.
#[tauri::command]
#[specta::specta]
pub fn sid_quality_preview(
    state: State<'_, AppState>,
    profile_id: String,
    query: QualityQuery,
) -> Result<QualityPreview, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(quality::preview(
        &state.store,
        state.clock.as_ref(),
        &profile,
        &query,
    )?)
}

/// The range's quality scores: from the store when fetched today, unless
/// `refresh` asks Meituan again.
#[tauri::command]
#[specta::specta]
pub async fn sid_quality_fetch(
    state: State<'_, AppState>,
    profile_id: String,
    query: QualityQuery,
    refresh: bool,
) -> Result<QualityReport, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(quality::fetch(&state.api, &profile, &query, refresh).await?)
}
