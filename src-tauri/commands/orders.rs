//! Orders: sync (through the gateway and its quota ledger), the filtered
//! table, totals and exports. Each command is a line or two over desk-core.

use crate::state::AppState;
use desk_core::export::{ExportFormat, ExportProgress};
use desk_core::orders::sync::{self, SyncOptions, SyncPlan, SyncReport, SyncStatus};
use desk_core::orders::{self, LineOption, OrderFilter, OrderPage, OrderStats};
use desk_core::profiles;
use desk_core::{Error, IpcError};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::State;

/// A new file in `<data folder>/exports`, named after `stem` and the time.
pub(crate) fn export_path(state: &AppState, stem: &str, ext: &str) -> Result<PathBuf, Error> {
    desk_core::paths::new_export_path(&state.data_dir, stem, ext, state.clock.now())
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

/// Exports running now, by profile: rows written of rows to write. Polled
/// through `orders_export_progress` while `orders_export` runs.
static EXPORTS: Mutex<BTreeMap<String, ExportProgress>> = Mutex::new(BTreeMap::new());

fn exports() -> std::sync::MutexGuard<'static, BTreeMap<String, ExportProgress>> {
    EXPORTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes a profile's progress when its export ends, however it ends.
struct ExportRunning(String);

impl Drop for ExportRunning {
    fn drop(&mut self) {
        exports().remove(&self.0);
    }
}

/// Writes the filtered orders to the exports folder; returns the file's
/// path. The orders stream into the file off the UI's thread; the UI polls
/// `orders_export_progress` meanwhile.
#[tauri::command]
#[specta::specta]
pub async fn orders_export(
    state: State<'_, AppState>,
    profile_id: String,
    filter: OrderFilter,
    format: ExportFormat,
) -> Result<String, IpcError> {
    let path = export_path(&state, "orders", extension(format))?;
    let store = state.store.clone();
    let target = path.clone();
    exports().insert(profile_id.clone(), ExportProgress::default());
    let running = ExportRunning(profile_id);
    tauri::async_runtime::spawn_blocking(move || {
        let id = &running.0;
        orders::export_with_progress(&store, id, &filter, format, &target, |done, total| {
            exports().insert(id.clone(), ExportProgress { done, total });
        })
    })
    .await
    .map_err(|e| Error::Storage(format!("the export stopped: {e}")))??;
    Ok(path.display().to_string())
}

/// How far the profile's running export is; `None` when none is running.
#[tauri::command]
#[specta::specta]
pub fn orders_export_progress(profile_id: String) -> Option<ExportProgress> {
    exports().get(&profile_id).copied()
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
