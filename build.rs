//! tauri-build, with an app manifest: the app's own commands get permissions
//! (`allow-<command>`), so the capability files grant exactly these and the
//! webview can call nothing else. The list is `src-tauri/commands/list.rs`,
//! shared with `commands::specta_builder`.

/// The app's commands come from `src-tauri/commands/list.rs`, the one list
/// `commands::specta_builder` registers too.
macro_rules! app_commands {
    ($($module:ident :: $command:ident),* $(,)?) => {
        const COMMANDS: &[&str] = &[$(stringify!($command)),*];
    };
}
include!("src-tauri/commands/list.rs");

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/commands/list.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
