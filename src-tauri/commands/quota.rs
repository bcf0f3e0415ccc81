//! Quota: today's calls against the profile's tier and the daily history,
//! from the ledger every signed call goes through.

use crate::state::AppState;
use desk_core::gateway::quota::{DayUsage, QuotaStatus};
use desk_core::profiles;
use desk_core::IpcError;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub fn quota_status(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<QuotaStatus, IpcError> {
    Ok(state
        .api
        .ledger()
        .status(&profiles::get(&state.store, &profile_id)?)?)
}

/// The last `days` Beijing days (1–366), oldest first.
#[tauri::command]
#[specta::specta]
pub fn quota_history(
    state: State<'_, AppState>,
    profile_id: String,
    days: u32,
) -> Result<Vec<DayUsage>, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(state.api.ledger().history(&profile, days.clamp(1, 366))?)
}
