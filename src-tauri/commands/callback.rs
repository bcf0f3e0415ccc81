//! The callback: URL, registration (secret to the keychain, never back to
//! the webview), the signed test push and the local receiver's live feed.

use crate::state::AppState;
use desk_core::callback::{
    self, CallbackConfig, CheckedUrl, FeedItem, ReceiverStatus, TestPushOptions, TestPushReport,
};
use desk_core::profiles;
use desk_core::secrets::vault::SecretKind;
use desk_core::{Error, IpcError};
use tauri::State;

#[tauri::command]
#[specta::specta]
pub fn callback_config(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<CallbackConfig, IpcError> {
    Ok(callback::config(&state.store, &profile_id)?)
}

/// The URL as it will be registered with what is worth telling, or why it
/// is refused.
#[tauri::command]
#[specta::specta]
pub fn callback_validate_url(url: String) -> Result<CheckedUrl, IpcError> {
    Ok(callback::check_callback_url(&url)?)
}

/// Sandbox: the console issues the secret. Real: `pasted_secret` is what the
/// console showed (or text containing it).
#[tauri::command]
#[specta::specta]
pub async fn callback_register(
    state: State<'_, AppState>,
    profile_id: String,
    url: String,
    pasted_secret: Option<String>,
) -> Result<CallbackConfig, IpcError> {
    let config = state
        .register_callback(&profile_id, &url, pasted_secret)
        .await?;
    let profile = profiles::get(&state.store, &profile_id)?;
    let secret = profiles::load_secret(state.vault.as_ref(), &profile, SecretKind::CallbackSecret)?;
    state.receivers.set_secret(&profile_id, secret).await;
    Ok(config)
}

/// Sends the signed test push to `url` (default: the registered URL).
#[tauri::command]
#[specta::specta]
pub async fn callback_test_push(
    state: State<'_, AppState>,
    profile_id: String,
    url: Option<String>,
) -> Result<TestPushReport, IpcError> {
    let profile = profiles::get(&state.store, &profile_id)?;
    let url = match url {
        Some(u) => u,
        None => callback::config(&state.store, &profile_id)?
            .url
            .ok_or_else(|| Error::invalid("url", "no callback URL registered yet"))?,
    };
    let secret = profiles::load_secret(state.vault.as_ref(), &profile, SecretKind::CallbackSecret)?;
    Ok(callback::send_test_push(
        &url,
        &secret,
        &profile.appkey,
        state.clock.now(),
        TestPushOptions::default(),
    )
    .await)
}

/// Starts the profile's receiver on `port` (0: any free port), on loopback
/// unless `allow_remote`.
#[tauri::command]
#[specta::specta]
pub async fn callback_receiver_start(
    state: State<'_, AppState>,
    profile_id: String,
    port: u16,
    allow_remote: bool,
) -> Result<ReceiverStatus, IpcError> {
    let config = state.receiver_config(&profile_id, port, allow_remote)?;
    Ok(state
        .receivers
        .start(state.store.clone(), state.clock.clone(), config)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn callback_receiver_stop(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<ReceiverStatus, IpcError> {
    Ok(state.receivers.stop(&profile_id).await)
}

#[tauri::command]
#[specta::specta]
pub async fn callback_receiver_status(
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<ReceiverStatus, IpcError> {
    Ok(state.receivers.status(&profile_id).await)
}

/// Feed entries after `after` (a sequence number), oldest first.
#[tauri::command]
#[specta::specta]
pub async fn callback_feed(
    state: State<'_, AppState>,
    profile_id: String,
    after: u32,
) -> Result<Vec<FeedItem>, IpcError> {
    Ok(state.receivers.feed_after(&profile_id, after).await)
}
