//! Quota: today's calls against the profile's tier and the daily history,
//! from the ledger every signed call goes through.

use crate::state::AppState;
use desk_core::gateway::quota::probe::{self, ProbeReport};
use desk_core::gateway::quota::{DayUsage, QuotaObservations, QuotaStatus};
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

/// What the app observed about the profile's quota (the last 90 days), what
/// that suggests, and the learned limit in use (issue 18 item 10).
#[tauri::command]
#[specta::specta]
pub fn quota_observations(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<QuotaObservations, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(state.api.ledger().observations(&profile)?)
}

/// The one probe call beyond a used-up day: counted, and Meituan's answer
/// kept as an observation.
#[tauri::command]
#[specta::specta]
pub async fn quota_probe(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<ProbeReport, IpcError> {
    Ok(probe::probe(&state.api, &profile_id).await?)
}

/// Adopts a daily limit learned from the observations (`null`: back to the
/// tier's); returns the observations card as it is then.
#[tauri::command]
#[specta::specta]
pub fn quota_set_learned_limit(
    state: State<'_, AppState>,
    profile_id: String,
    daily_limit: Option<u32>,
) -> Result<QuotaObservations, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    let ledger = state.api.ledger();
    ledger.set_learned_limit(&profile, daily_limit)?;
    Ok(ledger.observations(&profile)?)
}
