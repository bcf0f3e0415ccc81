//! One file per domain; each command is a line or two over desk-core.
//! Every fallible command returns `Result<T, IpcError>`, which reaches the
//! UI as `{code, message, details?}`.

pub mod app;
// Console workflows and the callback (issue 7).
pub mod callback;
pub mod console;
pub mod debugger;
pub mod links;
pub mod order_detail;
pub mod orders;
pub mod profiles;
pub mod quality;
pub mod quota;

/// Every command the webview may call, in one list: used for the handler,
/// the generated TypeScript bindings, and the capability (build.rs keeps the
/// same names in the app manifest; a test checks they agree).
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        app::app_info,
        app::startup_painted,
        app::get_settings,
        app::save_settings,
        app::reveal_export,
        console::workdays_due,
        console::tier_report,
        console::tier_set_console_average,
        console::authorization_view,
        console::authorization_apply,
        console::authorization_refresh,
        console::authorization_mark,
        console::requests_history,
        console::frequency_request,
        console::request_record_outcome,
        console::special_case_draft,
        console::special_case_file,
        console::requests_refresh,
        console::open_console,
        callback::callback_config,
        callback::callback_validate_url,
        callback::callback_register,
        callback::callback_test_push,
        callback::callback_receiver_start,
        callback::callback_receiver_stop,
        callback::callback_receiver_status,
        callback::callback_feed,
        debugger::debugger_check,
        links::sids_list,
        links::sid_create,
        links::sid_rename,
        links::sid_set_archived,
        quality::sid_quality_preview,
        quality::sid_quality_fetch,
        links::link_generate,
        links::link_library,
        links::link_set_label,
        links::link_delete,
        links::link_qr,
        links::link_save_qr,
        links::link_export,
        links::batch_create,
        links::batch_plan,
        links::batch_run,
        links::batch_summary,
        links::batch_retry_errors,
        links::batch_list,
        links::batch_rows,
        links::batch_export,
        orders::orders_sync_plan,
        orders::orders_sync,
        orders::orders_sync_status,
        orders::orders_list,
        orders::orders_stats,
        orders::orders_lines,
        order_detail::orders_detail,
        order_detail::orders_lookup,
        orders::orders_export,
        orders::orders_export_progress,
        orders::orders_reserve_percent,
        orders::orders_set_reserve_percent,
        profiles::list_profiles,
        profiles::create_profile,
        profiles::create_sandbox_profile,
        profiles::update_profile,
        profiles::delete_profile,
        profiles::set_secret,
        profiles::remove_secret,
        profiles::import_secret_from_text,
        profiles::verify_profile,
        profiles::reveal_secret,
        profiles::copy_secret,
        profiles::clear_copied_secret,
        quota::quota_status,
        quota::quota_history,
    ])
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn root() -> &'static std::path::Path {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// The command names in build.rs's app manifest.
    fn manifest_commands() -> BTreeSet<String> {
        let build = std::fs::read_to_string(root().join("build.rs")).unwrap();
        let start = build
            .find("const COMMANDS: &[&str] = &[")
            .expect("COMMANDS list in build.rs");
        let list = &build[start..];
        let list = &list[list.find('[').unwrap() + 1..];
        let list = &list[list.find('[').unwrap() + 1..list.find("];").unwrap()];
        list.split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The commands the generated bindings can invoke.
    fn registered_commands() -> BTreeSet<String> {
        let ts = crate::bindings::render();
        ts.split("TAURI_INVOKE(\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].to_string())
            .collect()
    }

    /// The app-command permissions the main window's capability grants.
    fn granted_commands() -> BTreeSet<String> {
        let raw = std::fs::read_to_string(root().join("capabilities/main-window.json")).unwrap();
        let cap: serde_json::Value = serde_json::from_str(&raw).unwrap();
        cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect()
    }

    #[test]
    fn manifest_registration_and_capability_agree() {
        let registered = registered_commands();
        assert!(!registered.is_empty());
        assert_eq!(
            manifest_commands(),
            registered,
            "build.rs COMMANDS vs commands::specta_builder"
        );
        assert_eq!(
            granted_commands(),
            registered,
            "capabilities/main-window.json vs commands::specta_builder"
        );
    }

    #[test]
    fn capability_grants_no_plugin_beyond_events() {
        let raw = std::fs::read_to_string(root().join("capabilities/main-window.json")).unwrap();
        for forbidden in ["fs:", "http:", "shell:"] {
            assert!(
                !raw.contains(forbidden),
                "capability must not grant {forbidden}"
            );
        }
        let conf = std::fs::read_to_string(root().join("tauri.conf.json")).unwrap();
        let conf: serde_json::Value = serde_json::from_str(&conf).unwrap();
        assert_eq!(conf["app"]["withGlobalTauri"], false);
        let csp = &conf["app"]["security"]["csp"];
        assert_eq!(csp["default-src"], "'self'");
        assert_eq!(csp["script-src"], "'self'");
        assert!(!csp.to_string().contains("unsafe-eval"));
    }
}
