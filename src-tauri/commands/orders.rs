//! Orders: sync (through the gateway and its quota ledger), the filtered
//! table, totals and exports. Each command is a line or two over desk-core.

use crate::state::AppState;
use desk_core::export::ExportFormat;
use desk_core::orders::{self, LineOption, OrderFilter, OrderPage, OrderStats};
use desk_core::profiles;
use desk_core::sync::{self, SyncOptions, SyncPlan, SyncReport, SyncStatus};
use desk_core::{Error, IpcError};
use std::path::PathBuf;
use tauri::State;

/// A new file in `<data folder>/exports`, named after `stem` and the time.
pub(crate) fn export_path(state: &AppState, stem: &str, ext: &str) -> Result<PathBuf, Error> {
    let dir = desk_core::paths::exports_dir(&state.data_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Storage(format!("cannot create {}: {e}", dir.display())))?;
    let at = state
        .clock
        .now()
        .with_timezone(&desk_core::clock::beijing())
        .format("%Y%m%d-%H%M%S");
    Ok(dir.join(format!("{stem}-{at}.{ext}")))
}

pub(crate) fn extension(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Xlsx => "xlsx",
    }
}

#[tauri::command]
#[specta::specta]
pub fn orders_sync_plan(
    state: State<'_, AppState>,
    profile_id: String,
    options: SyncOptions,
) -> Result<SyncPlan, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(sync::plan(&state.api, &profile, &options)?)
}

/// Runs (or resumes) a sync; the UI polls `orders_sync_status` for progress.
#[tauri::command]
#[specta::specta]
pub async fn orders_sync(
    state: State<'_, AppState>,
    profile_id: String,
    options: SyncOptions,
) -> Result<SyncReport, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(sync::sync(&state.api, &profile, &options, None).await?)
}

#[tauri::command]
#[specta::specta]
pub fn orders_sync_status(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<SyncStatus, IpcError> {
    Ok(sync::status(&state.store, &profile_id)?)
}

#[tauri::command]
#[specta::specta]
pub fn orders_list(
    state: State<'_, AppState>,
    profile_id: String,
    filter: OrderFilter,
    offset: u32,
    limit: u32,
) -> Result<OrderPage, IpcError> {
    Ok(orders::list(
        &state.store,
        &profile_id,
        &filter,
        offset,
        limit,
    )?)
}

#[tauri::command]
#[specta::specta]
pub fn orders_stats(
    state: State<'_, AppState>,
    profile_id: String,
    filter: OrderFilter,
) -> Result<OrderStats, IpcError> {
    Ok(orders::stats(&state.store, &profile_id, &filter)?)
}

/// The business lines the profile has stored orders in, with their names.
#[tauri::command]
#[specta::specta]
pub fn orders_lines(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<Vec<LineOption>, IpcError> {
    Ok(orders::lines(&state.store, &profile_id)?)
}

/// Writes the filtered orders to the exports folder; returns the file's path.
#[tauri::command]
#[specta::specta]
pub fn orders_export(
    state: State<'_, AppState>,
    profile_id: String,
    filter: OrderFilter,
    format: ExportFormat,
) -> Result<String, IpcError> {
    let path = export_path(&state, "orders", extension(format))?;
    orders::export(&state.store, &profile_id, &filter, format, &path)?;
    Ok(path.display().to_string())
}

#[tauri::command]
#[specta::specta]
pub fn orders_reserve_percent(state: State<'_, AppState>) -> Result<u32, IpcError> {
    Ok(sync::reserve_percent(&state.store)?)
}

#[tauri::command]
#[specta::specta]
pub fn orders_set_reserve_percent(
    state: State<'_, AppState>,
    percent: u32,
) -> Result<u32, IpcError> {
    sync::set_reserve_percent(&state.store, percent)?;
    Ok(sync::reserve_percent(&state.store)?)
}
