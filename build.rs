//! tauri-build, with an app manifest: the app's own commands get permissions
//! (`allow-<command>`), so the capability files grant exactly these and the
//! webview can call nothing else. Keep the list equal to
//! `src-tauri/commands/mod.rs` (a test checks it).

/// Every command of the app, as registered in `commands::specta_builder`.
const COMMANDS: &[&str] = &["app_info", "get_settings", "save_settings"];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
