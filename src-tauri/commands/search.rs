//! 选品 and 收藏 (issue 20 item 1): search products, the filters a profile's
//! generation offers, images an answer named (as `data:` URLs), and the
//! favorites list, which can become a batch. Each command is a line over
//! desk-core.

use crate::state::AppState;
use desk_core::profiles;
use desk_core::search::{self, Favorite, SearchFilters, SearchItem, SearchPage, SearchQuery};
use desk_core::IpcError;
use tauri::State;

/// One page of results: today's cached page (0 calls) or one counted call.
#[tauri::command]
#[specta::specta]
pub async fn search_products(
    state: State<'_, AppState>,
    profile_id: String,
    query: SearchQuery,
) -> Result<SearchPage, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(search::search(&state.api, &profile, &query).await?)
}

/// The filters the profile's generation offers (cached for the day).
#[tauri::command]
#[specta::specta]
pub async fn search_filters(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<SearchFilters, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(search::filters(&state.api, &profile).await?)
}

/// A `data:` URL of an image a search answer named.
#[tauri::command]
#[specta::specta]
pub async fn search_image(
    state: State<'_, AppState>,
    profile_id: String,
    url: String,
) -> Result<String, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(search::image_data_url(&state.store, &profile, &url).await?)
}

#[tauri::command]
#[specta::specta]
pub fn favorites_list(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<Vec<Favorite>, IpcError> {
    Ok(search::favorites(&state.store, &profile_id)?)
}

#[tauri::command]
#[specta::specta]
pub fn favorite_add(
    state: State<'_, AppState>,
    profile_id: String,
    item: SearchItem,
) -> Result<Vec<Favorite>, IpcError> {
    Ok(search::favorite_add(
        &state.store,
        state.clock.as_ref(),
        &profile_id,
        &item,
    )?)
}

#[tauri::command]
#[specta::specta]
pub fn favorite_remove(
    state: State<'_, AppState>,
    profile_id: String,
    key: String,
) -> Result<Vec<Favorite>, IpcError> {
    Ok(search::favorite_remove(&state.store, &profile_id, &key)?)
}

/// Creates a batch of the favorites for `sid` (the batch_create path) and
/// returns its id.
#[tauri::command]
#[specta::specta]
pub fn favorites_to_batch(
    state: State<'_, AppState>,
    profile_id: String,
    sid: String,
) -> Result<u32, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    let summary = search::favorites_to_batch(&state.store, state.clock.as_ref(), &profile, &sid)?;
    Ok(summary.id)
}
