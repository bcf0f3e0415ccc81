//! Accounts & keys: profiles, their secrets (in: `set_secret`; out: never —
//! `reveal_secret` returns a picture, `copy_secret` writes the OS clipboard
//! from Rust), and verify. Each command is a line or two over desk-core.

use crate::state::AppState;
use desk_core::embedded;
use desk_core::profiles::verify::{self, VerifyReport};
use desk_core::profiles::{self, CreateProfileInput, Generation, ProfileSummary, ProfileUpdate};
use desk_core::secrets::clipboard::{self, CopyReceipt};
use desk_core::secrets::reveal::{self, RevealStyle};
use desk_core::secrets::vault::{SecretInput, SecretKind};
use desk_core::IpcError;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub fn list_profiles(state: State<'_, AppState>) -> Result<Vec<ProfileSummary>, IpcError> {
    Ok(profiles::list(&state.store)?
        .iter()
        .map(|p| p.summary())
        .collect())
}

#[tauri::command]
#[specta::specta]
pub fn create_profile(
    state: State<'_, AppState>,
    input: CreateProfileInput,
) -> Result<ProfileSummary, IpcError> {
    let new = input.into_new();
    Ok(profiles::create(
        &state.store,
        state.vault.as_ref(),
        state.clock.as_ref(),
        new,
    )?
    .summary())
}

/// A profile on the embedded sandbox's demo account (started if needed).
#[tauri::command]
#[specta::specta]
pub async fn create_sandbox_profile(
    state: State<'_, AppState>,
    name: Option<String>,
    generation: Generation,
) -> Result<ProfileSummary, IpcError> {
    let (store, vault, clock) = (&state.store, state.vault.as_ref(), state.clock.as_ref());
    let p = embedded::create_sandbox_profile(
        store,
        vault,
        clock,
        &state.sandbox,
        name.as_deref(),
        generation,
    );
    Ok(p.await?.summary())
}

#[tauri::command]
#[specta::specta]
pub fn update_profile(
    state: State<'_, AppState>,
    id: String,
    change: ProfileUpdate,
) -> Result<ProfileSummary, IpcError> {
    Ok(profiles::update(&state.store, &id, change)?.summary())
}

/// Deletes the profile and its keychain entries.
#[tauri::command]
#[specta::specta]
pub fn delete_profile(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    Ok(profiles::delete(&state.store, state.vault.as_ref(), &id)?)
}

/// Stores a secret typed or pasted in the UI. The reply carries only the
/// masked hint.
#[tauri::command]
#[specta::specta]
pub fn set_secret(
    state: State<'_, AppState>,
    id: String,
    kind: SecretKind,
    secret: SecretInput,
) -> Result<ProfileSummary, IpcError> {
    let p = profiles::set_secret(
        &state.store,
        state.vault.as_ref(),
        &id,
        kind,
        secret.secret(),
    )?;
    Ok(p.summary())
}

#[tauri::command]
#[specta::specta]
pub fn remove_secret(
    state: State<'_, AppState>,
    id: String,
    kind: SecretKind,
) -> Result<ProfileSummary, IpcError> {
    Ok(profiles::remove_secret(&state.store, state.vault.as_ref(), &id, kind)?.summary())
}

/// Finds the key in text pasted from the console and stores it.
#[tauri::command]
#[specta::specta]
pub fn import_secret_from_text(
    state: State<'_, AppState>,
    id: String,
    kind: SecretKind,
    text: SecretInput,
) -> Result<ProfileSummary, IpcError> {
    let vault = state.vault.as_ref();
    Ok(profiles::import_secret_from_text(&state.store, vault, &id, kind, &text)?.summary())
}

#[tauri::command]
#[specta::specta]
pub async fn verify_profile(
    state: State<'_, AppState>,
    id: String,
) -> Result<VerifyReport, IpcError> {
    Ok(verify::verify(&state.api, &id).await?)
}

/// The secret drawn as a PNG `data:` URL: pixels, not text.
#[tauri::command]
#[specta::specta]
pub fn reveal_secret(
    state: State<'_, AppState>,
    id: String,
    kind: SecretKind,
    dark: bool,
) -> Result<String, IpcError> {
    let style = RevealStyle {
        dark,
        ..RevealStyle::default()
    };
    Ok(reveal::reveal_profile_secret(
        &state.store,
        state.vault.as_ref(),
        &id,
        kind,
        style,
    )?)
}

/// Copies the secret to the OS clipboard (marked sensitive); returns when
/// it will be cleared, for the countdown. Async so it runs on Tauri's tokio
/// runtime, where the clear timer is spawned.
#[tauri::command]
#[specta::specta]
pub async fn copy_secret(
    state: State<'_, AppState>,
    id: String,
    kind: SecretKind,
) -> Result<CopyReceipt, IpcError> {
    let (store, vault, clock) = (&state.store, state.vault.as_ref(), state.clock.clone());
    Ok(clipboard::copy_profile_secret(
        &state.clipboard,
        store,
        vault,
        clock,
        &id,
        kind,
    )?)
}

/// Clears the clipboard now if it still holds our copy.
#[tauri::command]
#[specta::specta]
pub fn clear_copied_secret(state: State<'_, AppState>) -> Result<bool, IpcError> {
    Ok(state.clipboard.clear_if_ours()?)
}
