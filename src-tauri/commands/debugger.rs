//! The signature debugger (签名调试): read-only, no network. The profile's
//! secret is read from the keychain in desk-core and never crosses IPC; the
//! reply carries only masked canonical strings and signatures.

use crate::state::AppState;
use desk_core::debugger::{self, DebugCheck, DebugInput};
use desk_core::IpcError;
use tauri::State;

/// Checks a pasted legacy request, media request or callback body against
/// the profile's API secret (requests) or callback secret (callbacks).
#[tauri::command]
#[specta::specta]
pub fn debugger_check(
    state: State<'_, AppState>,
    profile_id: String,
    input: DebugInput,
) -> Result<DebugCheck, IpcError> {
    Ok(debugger::check(
        &state.store,
        &*state.vault,
        &*state.clock,
        &profile_id,
        &input,
    )?)
}
