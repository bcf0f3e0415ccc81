//! Links: sids, generation (through the gateway and its quota ledger), the
//! library, QR codes and batches. Each command is a line or two over desk-core.

use crate::state::AppState;
use desk_core::export::ExportFormat;
use desk_core::links::batch::{
    self, BatchDefaults, BatchPlan, BatchReport, BatchRow, BatchSummary,
};
use desk_core::links::sids::{self, Sid, SidCreated};
use desk_core::links::{self, Generated, LibraryPage, LibraryQuery, LinkEntry, LinkRequest};
use desk_core::profiles;
use desk_core::IpcError;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub fn sids_list(
    state: State<'_, AppState>,
    profile_id: String,
    include_archived: bool,
) -> Result<Vec<Sid>, IpcError> {
    Ok(sids::list(&state.store, &profile_id, include_archived)?)
}

#[tauri::command]
#[specta::specta]
pub fn sid_create(
    state: State<'_, AppState>,
    profile_id: String,
    sid: String,
    name: Option<String>,
) -> Result<SidCreated, IpcError> {
    Ok(sids::create(
        &state.store,
        state.clock.as_ref(),
        &profile_id,
        &sid,
        name.as_deref(),
    )?)
}

#[tauri::command]
#[specta::specta]
pub fn sid_rename(state: State<'_, AppState>, id: u32, name: String) -> Result<Sid, IpcError> {
    Ok(sids::rename(&state.store, id, &name)?)
}

#[tauri::command]
#[specta::specta]
pub fn sid_set_archived(
    state: State<'_, AppState>,
    id: u32,
    archived: bool,
) -> Result<Sid, IpcError> {
    Ok(sids::set_archived(&state.store, id, archived)?)
}

#[tauri::command]
#[specta::specta]
pub async fn link_generate(
    state: State<'_, AppState>,
    profile_id: String,
    request: LinkRequest,
) -> Result<Generated, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(links::generate(&state.api, &profile, &request).await?)
}

#[tauri::command]
#[specta::specta]
pub fn link_library(
    state: State<'_, AppState>,
    profile_id: String,
    query: LibraryQuery,
    offset: u32,
    limit: u32,
) -> Result<LibraryPage, IpcError> {
    Ok(links::library(
        &state.store,
        &profile_id,
        &query,
        offset,
        limit,
    )?)
}

#[tauri::command]
#[specta::specta]
pub fn link_set_label(
    state: State<'_, AppState>,
    id: u32,
    label: String,
) -> Result<LinkEntry, IpcError> {
    Ok(links::set_label(&state.store, id, &label)?)
}

#[tauri::command]
#[specta::specta]
pub fn link_delete(state: State<'_, AppState>, id: u32) -> Result<(), IpcError> {
    Ok(links::delete(&state.store, id)?)
}

/// The QR code of a text as a `data:image/png;base64,…` URL.
#[tauri::command]
#[specta::specta]
pub fn link_qr(text: String) -> Result<String, IpcError> {
    Ok(links::qr_data_url(&text)?)
}

/// Saves a library link's QR code as a PNG in the exports folder; returns its path.
#[tauri::command]
#[specta::specta]
pub fn link_save_qr(state: State<'_, AppState>, id: u32) -> Result<String, IpcError> {
    let entry = links::get(&state.store, id)?;
    let path = super::orders::export_path(&state, &format!("qr-{id}"), "png")?;
    links::save_qr(&entry.url, &path)?;
    Ok(path.display().to_string())
}

#[tauri::command]
#[specta::specta]
pub fn link_export(
    state: State<'_, AppState>,
    profile_id: String,
    query: LibraryQuery,
    format: ExportFormat,
) -> Result<String, IpcError> {
    let path = super::orders::export_path(&state, "links", super::orders::extension(format))?;
    links::export(&state.store, &profile_id, &query, format, &path)?;
    Ok(path.display().to_string())
}

/// Parses a pasted list or CSV text and stores it as a batch.
#[tauri::command]
#[specta::specta]
pub fn batch_create(
    state: State<'_, AppState>,
    profile_id: String,
    text: String,
    defaults: BatchDefaults,
) -> Result<BatchSummary, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    let rows = batch::parse(&text, &defaults)?;
    Ok(batch::create(
        &state.store,
        state.clock.as_ref(),
        &profile,
        &rows,
        "paste",
    )?)
}

#[tauri::command]
#[specta::specta]
pub fn batch_plan(
    state: State<'_, AppState>,
    profile_id: String,
    batch_id: u32,
) -> Result<BatchPlan, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(batch::plan(&state.api, &profile, batch_id)?)
}

/// Runs (or resumes) a batch; the UI polls `batch_summary` for progress.
#[tauri::command]
#[specta::specta]
pub async fn batch_run(
    state: State<'_, AppState>,
    profile_id: String,
    batch_id: u32,
) -> Result<BatchReport, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    let api = state.api.clone();
    Ok(batch::run(api, &profile, batch_id, batch::DEFAULT_CONCURRENCY, None).await?)
}

#[tauri::command]
#[specta::specta]
pub fn batch_summary(state: State<'_, AppState>, batch_id: u32) -> Result<BatchSummary, IpcError> {
    Ok(batch::summary(&state.store, batch_id)?)
}

/// Puts the rows that failed for a passing reason (network, server, burst
/// limit, clock) back in the queue; returns how many. The next run tries
/// only those.
#[tauri::command]
#[specta::specta]
pub fn batch_retry_errors(state: State<'_, AppState>, batch_id: u32) -> Result<u32, IpcError> {
    Ok(batch::retry_errors(&state.store, batch_id)?)
}

#[tauri::command]
#[specta::specta]
pub fn batch_list(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<Vec<BatchSummary>, IpcError> {
    Ok(batch::list(&state.store, &profile_id)?)
}

#[tauri::command]
#[specta::specta]
pub fn batch_rows(
    state: State<'_, AppState>,
    batch_id: u32,
    offset: u32,
    limit: u32,
) -> Result<Vec<BatchRow>, IpcError> {
    Ok(batch::rows(&state.store, batch_id, offset, limit)?)
}

#[tauri::command]
#[specta::specta]
pub fn batch_export(
    state: State<'_, AppState>,
    batch_id: u32,
    format: ExportFormat,
) -> Result<String, IpcError> {
    let name = format!("batch-{batch_id}");
    let path = super::orders::export_path(&state, &name, super::orders::extension(format))?;
    // Worded in the language the user chose for the app.
    let language = desk_core::settings::Settings::load(&state.store)?.language;
    batch::export(&state.store, batch_id, format, &path, language)?;
    Ok(path.display().to_string())
}
