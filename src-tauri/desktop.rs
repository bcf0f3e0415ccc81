//! What a desktop user expects of the window (issue 19 item 14): opening the
//! app again focuses the running one, and the window comes back where and
//! as large as it was left, never smaller than its minimum nor off-screen.

use std::path::Path;
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime, WebviewWindow};
use tauri_plugin_window_state::StateFlags;

/// The main window's label (tauri.conf.json).
pub const MAIN_WINDOW: &str = "main";

/// tauri.conf.json's `minWidth` × `minHeight` for the main window, logical
/// pixels (a test keeps them equal).
const MIN_SIZE: (f64, f64) = (900.0, 600.0);

/// The remembered window state lives in the data folder, beside the
/// database, so a `UNION_DESK_HOME` (tests, a second set of accounts) has
/// its own and a run never inherits another folder's window size.
const WINDOW_STATE_FILE: &str = "window-state.json";

/// A second launch on the same data folder hands over to the running app,
/// which shows and focuses its window; the second process exits. Must be
/// the first plugin registered (the plugin's docs), so the second process
/// stops before anything else starts.
///
/// One instance per data folder, not per machine: each folder has its own
/// database, and the GUI tests start many apps, each on a temporary folder
/// (`UNION_DESK_HOME`), while a developer's own app may be running. Linux
/// names the D-Bus lock after the folder; Windows and macOS lock per app
/// (the plugin has no id there), which only matters for tests run in
/// parallel there. Without a session bus the plugin does nothing and the
/// app starts as usual.
pub fn single_instance<R: Runtime>(data_dir: &Path) -> TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(instance_id(desk_core::paths::APP_IDENTIFIER, data_dir))
        .callback(|app, _args, _cwd| {
            tracing::info!("the app was opened again: focusing this window");
            focus_main_window(app);
        })
        .build()
}

/// The D-Bus id for one data folder: the app identifier plus a hash of the
/// folder's path (an element of a D-Bus name may not start with a digit,
/// hence the `i`).
fn instance_id(identifier: &str, data_dir: &Path) -> String {
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    format!(
        "{identifier}.i{:016x}",
        fnv1a(dir.as_os_str().as_encoded_bytes())
    )
}

/// FNV-1a, 64 bit: stable across builds and Rust versions, unlike std's
/// hasher, so two versions of the app find each other's lock.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Remembers the main window's size, position and maximized state in the
/// data folder. Not its visibility: the window starts hidden and is shown
/// once its page has loaded (lib.rs). Nothing of it is granted to the
/// webview: the plugin saves on quit and restores at start-up by itself.
pub fn window_state<R: Runtime>(data_dir: &Path) -> TauriPlugin<R> {
    // The plugin joins the name to the app's config folder; an absolute
    // path replaces that folder (`Path::join`), which keeps the file in
    // the data folder.
    let file = data_dir.join(WINDOW_STATE_FILE);
    tauri_plugin_window_state::Builder::new()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        .with_filename(file.to_string_lossy())
        .build()
}

/// After the remembered state was applied: a window smaller than its
/// minimum grows to it, and one that is not reachable on any monitor
/// (a monitor unplugged, a resolution lowered) is centred.
pub fn keep_main_window_usable<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    if let Err(e) = keep_usable(&window) {
        tracing::info!(error = %e, "could not check the restored window size and position");
    }
}

fn keep_usable<R: Runtime>(window: &WebviewWindow<R>) -> tauri::Result<()> {
    let scale = window.scale_factor()?;
    let size = window.inner_size()?.to_logical::<f64>(scale);
    if size.width + 0.5 < MIN_SIZE.0 || size.height + 0.5 < MIN_SIZE.1 {
        let grown =
            tauri::LogicalSize::new(size.width.max(MIN_SIZE.0), size.height.max(MIN_SIZE.1));
        tracing::info!(
            width = size.width,
            height = size.height,
            "the remembered window was smaller than its minimum"
        );
        window.set_size(grown)?;
    }
    // Wayland tells no position: nothing to check there.
    let Ok(position) = window.outer_position() else {
        return Ok(());
    };
    let outer = window.outer_size()?;
    let rect = Rect {
        x: position.x,
        y: position.y,
        width: outer.width,
        height: outer.height,
    };
    let monitors: Vec<Rect> = window
        .available_monitors()?
        .iter()
        .map(|m| Rect {
            x: m.position().x,
            y: m.position().y,
            width: m.size().width,
            height: m.size().height,
        })
        .collect();
    if !monitors.is_empty() && !reachable(rect, &monitors) {
        tracing::info!(
            x = rect.x,
            y = rect.y,
            "the remembered window position is off-screen: centring the window"
        );
        window.center()?;
    }
    Ok(())
}

/// A rectangle in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rect {
    x: i32,
    y: i32,
    width: u32,
    height: u32,
}

/// How much of the window must show on one monitor: enough of its top
/// strip (where the title bar is) to see it and drag it back.
const REACHABLE_WIDTH: i64 = 200;
const REACHABLE_HEIGHT: i64 = 50;

/// Whether the window's top strip shows on some monitor: at least
/// [`REACHABLE_WIDTH`] pixels of it (or its whole width, if narrower)
/// across, and its top edge with [`REACHABLE_HEIGHT`] pixels below it
/// inside the monitor.
fn reachable(window: Rect, monitors: &[Rect]) -> bool {
    let (left, top) = (i64::from(window.x), i64::from(window.y));
    let right = left + i64::from(window.width);
    let need_width = REACHABLE_WIDTH.min(i64::from(window.width));
    monitors.iter().any(|m| {
        let (m_left, m_top) = (i64::from(m.x), i64::from(m.y));
        let (m_right, m_bottom) = (m_left + i64::from(m.width), m_top + i64::from(m.height));
        let across = right.min(m_right) - left.max(m_left);
        across >= need_width && top >= m_top && top + REACHABLE_HEIGHT <= m_bottom
    })
}

/// Shows the main window, restores it if minimized, and gives it focus.
pub fn focus_main_window<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    let steps = [
        ("unminimize", window.unminimize()),
        ("show", window.show()),
        ("focus", window.set_focus()),
    ];
    for (step, result) in steps {
        if let Err(e) = result {
            tracing::warn!(step, error = %e, "could not bring the main window forward");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: Rect = Rect {
        x: 0,
        y: 0,
        width: 1920,
        height: 1080,
    };
    const RIGHT: Rect = Rect {
        x: 1920,
        y: 0,
        width: 1280,
        height: 1024,
    };

    fn at(x: i32, y: i32) -> Rect {
        Rect {
            x,
            y,
            width: 1200,
            height: 780,
        }
    }

    #[test]
    fn a_window_is_reachable_when_its_title_strip_shows_on_a_monitor() {
        assert!(reachable(at(100, 100), &[SCREEN]));
        // Mostly off to the right, 300 px still showing: fine.
        assert!(reachable(at(1620, 100), &[SCREEN]));
        // Only 100 px showing: not enough to grab.
        assert!(!reachable(at(1820, 100), &[SCREEN]));
        // On a second monitor that is gone.
        assert!(!reachable(at(2200, 100), &[SCREEN]));
        assert!(reachable(at(2200, 100), &[SCREEN, RIGHT]));
        // Title bar above the screen, or below its bottom edge.
        assert!(!reachable(at(100, -40), &[SCREEN]));
        assert!(!reachable(at(100, 1050), &[SCREEN]));
        assert!(reachable(at(100, 1000), &[SCREEN]));
        // Left of the screen.
        assert!(!reachable(at(-1100, 100), &[SCREEN]));
        assert!(reachable(at(-900, 100), &[SCREEN]));
    }

    #[test]
    fn one_instance_per_data_folder() {
        let a = instance_id("com.uniondesk.desktop", Path::new("/no/such/a"));
        let b = instance_id("com.uniondesk.desktop", Path::new("/no/such/b"));
        assert_ne!(a, b);
        assert_eq!(
            a,
            instance_id("com.uniondesk.desktop", Path::new("/no/such/a"))
        );
        // A valid D-Bus well-known name once the plugin appends its part.
        let name = format!("{a}.SingleInstance");
        assert!(name.len() <= 255);
        for element in name.split('.') {
            assert!(!element.is_empty());
            assert!(!element.starts_with(|c: char| c.is_ascii_digit()), "{name}");
            assert!(
                element
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{name}"
            );
        }
    }

    #[test]
    fn the_minimum_size_matches_tauri_conf() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let conf = std::fs::read_to_string(root.join("tauri.conf.json")).unwrap();
        let conf: serde_json::Value = serde_json::from_str(&conf).unwrap();
        let main = conf["app"]["windows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["label"] == MAIN_WINDOW)
            .unwrap();
        assert_eq!(main["minWidth"].as_f64(), Some(MIN_SIZE.0));
        assert_eq!(main["minHeight"].as_f64(), Some(MIN_SIZE.1));
    }
}
