//! The one way this workspace builds an HTTP client.
//!
//! reqwest runs on rustls with the `ring` crypto provider, the stack
//! tauri-plugin-updater already links, so the app carries one HTTP/TLS
//! stack. rustls needs a process-wide provider before the first client is
//! built; [`client_builder`] installs it once.

use std::sync::Once;

/// A `reqwest::ClientBuilder` whose TLS provider is installed.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// Installs `ring` as the process's rustls provider, unless one already is.
fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Err only means another thread installed one first: fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_client_builds_with_tls_ready() {
        let client = super::client_builder().build();
        assert!(client.is_ok());
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
