//! The callback: URL, registration (secret to the keychain, never back to
//! the webview), the signed test push and the local receiver's live feed.

use crate::state::AppState;
use desk_core::callback::Secret;
use desk_core::callback::{
    self, CallbackConfig, CheckedUrl, FeedItem, ReceiverConfig, ReceiverStatus, TestPushOptions,
    TestPushReport,
};
use desk_core::profiles;
use desk_core::requests::console::SandboxConsole;
use desk_core::vault::SecretKind;
use desk_core::{Error, IpcError};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
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
    let profile = profiles::get(&state.store, &profile_id)?;
    let config = if profile.sandbox {
        let console = SandboxConsole::new(&state.sandbox.ensure().await?)?;
        callback::register_sandbox(
            &state.store,
            state.vault.as_ref(),
            state.clock.as_ref(),
            &console,
            &profile_id,
            &url,
        )
        .await?
    } else {
        let pasted = Secret::new(pasted_secret.ok_or_else(|| {
            Error::invalid("callback_secret", "paste the 回调密钥 the console showed")
        })?);
        callback::register_manual(
            &state.store,
            state.vault.as_ref(),
            state.clock.as_ref(),
            &profile_id,
            &url,
            &pasted,
        )?
    };
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
    let profile = profiles::get(&state.store, &profile_id)?;
    // No secret yet is fine: pushes are refused until one is registered.
    let secret = state
        .vault
        .get(&profile.id, SecretKind::CallbackSecret)?
        .unwrap_or_else(|| Secret::new(String::new()));
    let ip = if allow_remote {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    };
    let config = ReceiverConfig {
        bind: SocketAddr::new(ip, port),
        allow_non_loopback: allow_remote,
        ..ReceiverConfig::loopback(port, profile.id.clone(), secret)
    };
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
