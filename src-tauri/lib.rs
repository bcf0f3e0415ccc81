//! The Tauri shell: it only wires. Everything worth testing lives in
//! desk-core and is testable without a window.

pub mod alerts;
pub mod bindings;
pub mod commands;
pub mod desktop;
pub mod navigation;
pub mod state;

use desk_core::logging::{self, Redactor};
use desktop::MAIN_WINDOW;
use state::AppState;
use tauri::webview::PageLoadEvent;
use tauri::Manager;

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
    // Built before the data folder moves into the state.
    let single_instance = desktop::single_instance(&data_dir);
    let window_state = desktop::window_state(&data_dir);
    let state = AppState::open(data_dir, redactor, started)
        .unwrap_or_else(|e| fatal(&format!("Union Desk cannot open its database: {e}")));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "starting");

    let builder = commands::specta_builder();
    tauri::Builder::default()
        // First, so a second launch hands over and exits before any other
        // plugin or the window starts.
        .plugin(single_instance)
        .plugin(window_state)
        .plugin(navigation::guard())
        // Registered for signed updates; nothing calls `check` until a release endpoint exists.
        .plugin(tauri_plugin_updater::Builder::new().build())
        // Used from Rust only (no webview permission): the due-answer alerts
        // and opening the fixed console address in the browser.
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .invoke_handler(builder.invoke_handler())
        .on_page_load(|webview, payload| {
            if payload.event() == PageLoadEvent::Finished {
                show_main_window(webview.app_handle());
            }
        })
        .setup(move |app| {
            builder.mount_events(app);
            // The window exists now, with its remembered size and place.
            desktop::keep_main_window_usable(app.handle());
            alerts::start(app.handle().clone());
            show_main_window_later(app.handle().clone());
            #[cfg(unix)]
            quit_when_the_system_asks(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| fatal(&format!("Union Desk could not start its window: {e}")))
        .run(|app, event| {
            // Clear a secret we copied and stop the embedded sandbox on quit.
            if let tauri::RunEvent::Exit = event {
                app.state::<AppState>().on_exit();
            }
        });
}

/// The main window starts hidden (tauri.conf.json) and is shown once its
/// page has loaded. Shown earlier, WebKitGTK draws the empty view and waits
/// for the web process's first frame; in about one launch in four that wait
/// runs into WebKit's 500 ms timeout (BENCHMARKS.md, start-up). It also
/// spares every platform a blank white window.
fn show_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        if let Err(e) = window.show() {
            tracing::warn!("cannot show the main window: {e}");
        }
    }
}

/// If the page never finishes loading, the window is shown anyway, so the
/// user sees what went wrong instead of nothing.
fn show_main_window_later(app: tauri::AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("show-window".into())
        .spawn(move || {
            std::thread::sleep(SHOW_WINDOW_AT_THE_LATEST);
            show_main_window(&app);
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the window fallback timer: {e}");
    }
}

const SHOW_WINDOW_AT_THE_LATEST: std::time::Duration = std::time::Duration::from_secs(3);

/// A logout, a shutdown or `kill` asks the app to quit with SIGTERM (a
/// terminal with SIGINT). It quits as through the window's close button:
/// a copied secret is cleared from the clipboard, the window's size and
/// place are kept for the next start, the embedded sandbox saves its
/// counters. If that has not ended the process after a few seconds, or a
/// second signal comes, it ends at once.
#[cfg(unix)]
fn quit_when_the_system_asks(app: tauri::AppHandle) {
    use tokio::signal::unix::{signal, SignalKind};
    tauri::async_runtime::spawn(async move {
        let (mut term, mut int) = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(term), Ok(int)) => (term, int),
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!("cannot listen for quit signals: {e}");
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("asked to quit by the system: closing as through the window");
        app.exit(0);
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = tokio::time::sleep(QUIT_AT_THE_LATEST) => {}
        }
        tracing::warn!("quitting did not finish in time: ending now");
        std::process::exit(1);
    });
}

#[cfg(unix)]
const QUIT_AT_THE_LATEST: std::time::Duration = std::time::Duration::from_secs(5);

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
