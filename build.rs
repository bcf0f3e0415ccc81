//! tauri-build, with an app manifest: the app's own commands get permissions
//! (`allow-<command>`), so the capability files grant exactly these and the
//! webview can call nothing else. Keep the list equal to
//! `src-tauri/commands/mod.rs` (a test checks it).

/// Every command of the app, as registered in `commands::specta_builder`.
const COMMANDS: &[&str] = &[
    "app_info",
    "get_settings",
    "save_settings",
    "workdays_due",
    "tier_report",
    "authorization_view",
    "authorization_apply",
    "authorization_refresh",
    "authorization_mark",
    "requests_history",
    "frequency_request",
    "request_record_outcome",
    "special_case_draft",
    "special_case_file",
    "requests_refresh",
    "requests_due",
    "callback_config",
    "callback_validate_url",
    "callback_register",
    "callback_test_push",
    "callback_receiver_start",
    "callback_receiver_stop",
    "callback_receiver_status",
    "callback_feed",
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
