//! One file per domain; each command is a line or two over desk-core.
//! Every fallible command returns `Result<T, IpcError>`, which reaches the
//! UI as `{code, message, details?}`.

pub mod app;

/// Every command the webview may call, in one list: used for the handler,
/// the generated TypeScript bindings, and the capability (build.rs keeps the
/// same names in the app manifest; a test checks they agree).
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        app::app_info,
        app::get_settings,
        app::save_settings,
    ])
}
