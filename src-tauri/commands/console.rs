//! Console workflows: working days, the tier advisor, API authorization and
//! the request tracker. Sandbox profiles act through the embedded sandbox's
//! console; real ones are tracked while the user acts in the browser.

use crate::state::AppState;
use desk_core::console::actions::ConsoleActions;
use desk_core::console::applications::{self, ConsoleRequest, Outcome, SpecialCaseDraft};
use desk_core::console::authorization::{self, AuthorizationView};
use desk_core::console::tiers::{self, TierReport};
use desk_core::console::workdays::{self, DueTime};
use desk_core::profiles::{self, Tier};
use desk_core::IpcError;
use tauri::State;

fn actions(state: &AppState) -> ConsoleActions<'_> {
    ConsoleActions {
        store: &state.store,
        clock: state.clock.as_ref(),
        sandbox: &state.sandbox,
    }
}

#[tauri::command]
#[specta::specta]
pub fn workdays_due(from: String, days: u32) -> Result<DueTime, IpcError> {
    Ok(workdays::due_after(workdays::parse_instant(&from)?, days))
}

#[tauri::command]
#[specta::specta]
pub fn tier_report(state: State<'_, AppState>, profile_id: String) -> Result<TierReport, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    Ok(tiers::report(
        &*state.store.connect()?,
        &profile,
        state.clock.now(),
    )?)
}

/// Stores (or with `None` forgets) the monthly average the user read in the
/// console's 数据中心; returns the report that now prefers it.
#[tauri::command]
#[specta::specta]
pub fn tier_set_console_average(
    state: State<'_, AppState>,
    profile_id: String,
    monthly_orders: Option<u32>,
) -> Result<TierReport, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    let conn = state.store.connect()?;
    tiers::set_console_figure(
        &conn,
        &profile.id,
        monthly_orders.map(u64::from),
        &desk_core::clock::beijing_rfc3339(state.clock.now()),
    )?;
    Ok(tiers::report(&conn, &profile, state.clock.now())?)
}

#[tauri::command]
#[specta::specta]
pub fn authorization_view(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<AuthorizationView, IpcError> {
    Ok(authorization::view(
        &state.store,
        state.clock.as_ref(),
        &profile_id,
    )?)
}

/// Sandbox: applies through the sandbox console. Real: records 申请中 after
/// the user clicked 去开通 in the console page.
#[tauri::command]
#[specta::specta]
pub async fn authorization_apply(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<AuthorizationView, IpcError> {
    Ok(actions(&state).apply_authorization(&profile_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn authorization_refresh(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<AuthorizationView, IpcError> {
    Ok(actions(&state).refresh_authorization(&profile_id).await?)
}

/// Real profiles: the outcome the user saw in the console.
#[tauri::command]
#[specta::specta]
pub fn authorization_mark(
    state: State<'_, AppState>,
    profile_id: String,
    granted: bool,
) -> Result<AuthorizationView, IpcError> {
    Ok(authorization::mark_outcome(
        &state.store,
        state.clock.as_ref(),
        &profile_id,
        granted,
    )?)
}

#[tauri::command]
#[specta::specta]
pub fn requests_history(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<Vec<ConsoleRequest>, IpcError> {
    Ok(applications::history(
        &state.store,
        state.clock.as_ref(),
        &profile_id,
    )?)
}

/// Sandbox: filed and answered at once. Real: filed; record the outcome next.
#[tauri::command]
#[specta::specta]
pub async fn frequency_request(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<ConsoleRequest, IpcError> {
    Ok(actions(&state).file_frequency(&profile_id).await?)
}

#[tauri::command]
#[specta::specta]
pub fn request_record_outcome(
    state: State<'_, AppState>,
    id: i64,
    outcome: Outcome,
    note: Option<String>,
) -> Result<ConsoleRequest, IpcError> {
    Ok(applications::record_outcome(
        &state.store,
        state.clock.as_ref(),
        id,
        outcome,
        note.as_deref(),
    )?)
}

#[tauri::command]
#[specta::specta]
pub fn special_case_draft(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<SpecialCaseDraft, IpcError> {
    Ok(applications::draft_special_case(
        &state.store,
        state.api.ledger(),
        state.clock.as_ref(),
        &profile_id,
    )?)
}

#[tauri::command]
#[specta::specta]
pub async fn special_case_file(
    state: State<'_, AppState>,
    profile_id: String,
    justification: String,
    requested_tier: Option<Tier>,
) -> Result<ConsoleRequest, IpcError> {
    Ok(actions(&state)
        .file_special_case(&profile_id, &justification, requested_tier)
        .await?)
}

/// Sandbox: picks up the console's answers. Real: the history as it stands.
#[tauri::command]
#[specta::specta]
pub async fn requests_refresh(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<Vec<ConsoleRequest>, IpcError> {
    Ok(actions(&state).refresh_requests(&profile_id).await?)
}

/// Opens the Meituan Union console in the system browser, for the steps a
/// real account takes there. The address is fixed in desk-core: the webview
/// cannot choose what is opened.
#[tauri::command]
#[specta::specta]
pub fn open_console(app: tauri::AppHandle) -> Result<(), IpcError> {
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_url(authorization::CONSOLE_URL, None::<&str>)
        .map_err(|e| {
            tracing::warn!(error = %e, "could not open the console in the browser");
            IpcError::from(desk_core::Error::BrowserUnavailable)
        })
}
