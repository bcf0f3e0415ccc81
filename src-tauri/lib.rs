//! The Tauri shell: it only wires. Everything worth testing lives in
//! desk-core and is testable without a window.

pub mod alerts;
pub mod bindings;
pub mod commands;
pub mod navigation;
pub mod state;

use desk_core::logging::{self, Redactor};
use state::AppState;

/// Starts the desktop app.
pub fn run() {
    let started = std::time::Instant::now();
    #[cfg(target_os = "linux")]
    draw_without_dmabuf_renderer();
    let redactor = Redactor::new();
    let data_dir = match desk_core::paths::data_dir() {
        Ok(dir) => dir,
        Err(e) => fatal(&format!("Union Desk cannot use its data folder: {e}")),
    };
    let _log_guard = logging::init(
        &desk_core::paths::log_dir(&data_dir),
        "union-desk",
        &redactor,
    )
    .unwrap_or_else(|e| fatal(&format!("Union Desk cannot open its log file: {e}")));
    let state = AppState::open(data_dir, redactor, started)
        .unwrap_or_else(|e| fatal(&format!("Union Desk cannot open its database: {e}")));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "starting");

    let builder = commands::specta_builder();
    tauri::Builder::default()
        .plugin(navigation::guard())
        // Registered for signed updates; nothing calls `check` until a release endpoint exists.
        .plugin(tauri_plugin_updater::Builder::new().build())
        // Used from Rust only (no webview permission): the due-answer alerts
        // and opening the fixed console address in the browser.
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            alerts::start(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| fatal(&format!("Union Desk could not start its window: {e}")))
        .run(|app, event| {
            // Clear a secret we copied and stop the embedded sandbox on quit.
            if let tauri::RunEvent::Exit = event {
                use tauri::Manager;
                app.state::<AppState>().on_exit();
            }
        });
}

/// Linux: WebKitGTK's DMA-BUF renderer costs the app about 80 MB and ~0.3 s
/// of start-up where no GPU does the work (idle PSS of all three processes
/// 315 MB with it, 230 MB without; BENCHMARKS.md), and it is behind the
/// blank-window reports of some GPU drivers. The app's screens are forms and
/// tables, which WebKit draws as well through its other path. A user who
/// sets `WEBKIT_DISABLE_DMABUF_RENDERER` themselves (e.g. `=0`) keeps their
/// choice.
#[cfg(target_os = "linux")]
fn draw_without_dmabuf_renderer() {
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if std::env::var_os(VAR).is_none() {
        // Still single-threaded here; WebKit reads it when its first web
        // process starts.
        std::env::set_var(VAR, "1");
    }
}

fn fatal(message: &str) -> ! {
    tracing::error!("{message}");
    eprintln!("{message}");
    std::process::exit(1);
}
