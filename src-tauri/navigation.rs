//! The webview shows the app's own pages and nothing else: any navigation to
//! another origin (a link in a remote answer, an injected `location = …`) is
//! refused. External pages open in the system browser through an explicit
//! command, never inside the app's window.

use tauri::{plugin::TauriPlugin, Runtime};

/// Whether `url` is one of the app's own pages (the embedded UI).
pub fn is_app_url(url: &tauri::Url) -> bool {
    match url.scheme() {
        // Linux/macOS custom protocol.
        "tauri" => url.host_str() == Some("localhost"),
        // Windows/Android serve the custom protocol over http(s)://tauri.localhost.
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// A plugin that vetoes every navigation away from the app.
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = is_app_url(url);
            if !allowed {
                tracing::warn!(scheme = url.scheme(), host = ?url.host_str(), "refused a navigation away from the app");
            }
            allowed
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> tauri::Url {
        s.parse().unwrap()
    }

    #[test]
    fn only_the_app_origin_is_allowed() {
        assert!(is_app_url(&url("tauri://localhost/")));
        assert!(is_app_url(&url("tauri://localhost/index.html#x")));
        assert!(is_app_url(&url("http://tauri.localhost/")));
        assert!(!is_app_url(&url("https://union.meituan.com/")));
        assert!(!is_app_url(&url("http://127.0.0.1:8080/")));
        assert!(!is_app_url(&url("tauri://evil.example/")));
        assert!(!is_app_url(&url("file:///etc/passwd")));
        assert!(!is_app_url(&url("data:text/html,hi")));
    }
}
