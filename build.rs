//! tauri-build, with an app manifest: the app's own commands get permissions
//! (`allow-<command>`), so the capability files grant exactly these and the
//! webview can call nothing else. Keep the list equal to
//! `src-tauri/commands/mod.rs` (a test checks it).

/// Every command of the app, as registered in `commands::specta_builder`.
const COMMANDS: &[&str] = &[
    "app_info",
    "get_settings",
    "save_settings",
    "sids_list",
    "sid_create",
    "sid_rename",
    "sid_set_archived",
    "link_generate",
    "link_library",
    "link_set_label",
    "link_delete",
    "link_qr",
    "link_save_qr",
    "link_export",
    "batch_create",
    "batch_plan",
    "batch_run",
    "batch_summary",
    "batch_list",
    "batch_rows",
    "batch_export",
    "orders_sync_plan",
    "orders_sync",
    "orders_sync_status",
    "orders_list",
    "orders_stats",
    "orders_export",
    "orders_reserve_percent",
    "orders_set_reserve_percent",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
