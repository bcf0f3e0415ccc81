//! One file per domain; each command is a line or two over desk-core.
//! Every fallible command returns `Result<T, IpcError>`, which reaches the
//! UI as `{code, message, details?}`.

pub mod app;
// Console workflows and the callback.
pub mod callback;
pub mod console;
pub mod debugger;
pub mod links;
pub mod minicode;
pub mod order_detail;
pub mod orders;
pub mod profiles;
pub mod quality;
pub mod quota;
pub mod search;

/// `list.rs` names each command once; here it becomes the specta list.
macro_rules! app_commands {
    ($($module:ident :: $command:ident),* $(,)?) => {
        tauri_specta::collect_commands![$($module::$command),*]
    };
}

/// Every command the webview may call (`list.rs`): the handler, the
/// generated TypeScript bindings, and the capability (a test checks the
/// capability grants exactly these).
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(include!("list.rs"))
        // The call-frequency table's rows, lowest first: the UI's tier
        // choosers read them from here instead of a copy of their own.
        .constant("TIERS", desk_core::profiles::Tier::ALL)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn root() -> &'static std::path::Path {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// The command names of `list.rs`, which build.rs's app manifest uses.
    fn manifest_commands() -> BTreeSet<String> {
        let list = std::fs::read_to_string(root().join("src-tauri/commands/list.rs")).unwrap();
        let body = &list[list.find('{').unwrap() + 1..list.rfind('}').unwrap()];
        body.split(',')
            .filter_map(|s| s.trim().split_once("::").map(|(_, c)| c.to_string()))
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
            "commands/list.rs vs commands::specta_builder"
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
