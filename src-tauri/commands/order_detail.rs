//! One order in full: a stored order read back, and 查单 (ask Meituan for
//! one order by id, store it).

use crate::state::AppState;
use desk_core::orders::detail::{self as order_detail, OrderDetail};
use desk_core::profiles;
use desk_core::IpcError;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub fn orders_detail(
    state: State<'_, AppState>,
    profile_id: String,
    order_id: String,
) -> Result<OrderDetail, IpcError> {
    Ok(order_detail::detail(&state.store, &profile_id, &order_id)?)
}

/// Asks Meituan for one order (1 call, up to 3 for a media order not stored
/// yet) and stores it.
#[tauri::command]
#[specta::specta]
pub async fn orders_lookup(
    state: State<'_, AppState>,
    profile_id: String,
    order_id: String,
) -> Result<OrderDetail, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(order_detail::lookup(&state.api, &profile, &order_id).await?)
}
