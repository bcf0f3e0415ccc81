//! The core's wiring, built once: a data folder's database, the vault and
//! the clock given by the caller, the embedded sandbox and the signed-call
//! gateway over them. The desktop shell and `mtu` both open a [`Desk`], so
//! they see the same profiles, ledger and library the same way; the few
//! decisions that used to live in a front end's command body (which
//! console registers a callback, where a receiver listens) are here too.

use crate::callback::{self, CallbackConfig, ReceiverConfig};
use crate::clock::Clock;
use crate::console::sandbox::SandboxConsole;
use crate::embedded::EmbeddedSandbox;
use crate::error::{Error, Result};
use crate::gateway::api::Api;
use crate::profiles::{self, Profile};
use crate::secrets::vault::SecretKind;
use crate::secrets::vault::Vault;
use crate::store::Store;
use meituan_union::Secret;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Desk {
    pub data_dir: PathBuf,
    pub store: Store,
    pub vault: Arc<dyn Vault>,
    pub clock: Arc<dyn Clock>,
    /// The sandbox behind sandbox profiles, started on first use.
    pub sandbox: Arc<EmbeddedSandbox>,
    /// The signed-call gateway: every call to Meituan goes through its ledger.
    pub api: Arc<Api>,
}

impl Desk {
    /// Opens (creating and migrating) the database of `data_dir`.
    pub fn open(data_dir: &Path, vault: Arc<dyn Vault>, clock: Arc<dyn Clock>) -> Result<Desk> {
        let store = Store::open(crate::paths::database_path(data_dir))?;
        let sandbox = Arc::new(EmbeddedSandbox::new(data_dir));
        let api = Arc::new(
            Api::new(store.clone(), vault.clone(), clock.clone()).with_sandbox(sandbox.clone()),
        );
        Ok(Desk {
            data_dir: data_dir.to_path_buf(),
            store,
            vault,
            clock,
            sandbox,
            api,
        })
    }

    /// The profile named `name`, or the only profile there is.
    pub fn profile(&self, name: Option<&str>) -> Result<Profile> {
        profiles::select(&self.store, name)
    }

    /// Registers a callback URL: through the embedded sandbox's console for
    /// a sandbox profile; for a real one, recorded with the 回调密钥 the user
    /// pasted from Meituan's console (required there).
    pub async fn register_callback(
        &self,
        profile_id: &str,
        url: &str,
        pasted_secret: Option<String>,
    ) -> Result<CallbackConfig> {
        let profile = profiles::get(&self.store, profile_id)?;
        if profile.sandbox {
            let console = SandboxConsole::new(&self.sandbox.ensure().await?)?;
            callback::register_sandbox(
                &self.store,
                self.vault.as_ref(),
                self.clock.as_ref(),
                &console,
                profile_id,
                url,
            )
            .await
        } else {
            let pasted = Secret::new(pasted_secret.ok_or_else(|| {
                Error::invalid("callback_secret", "paste the 回调密钥 the console showed")
            })?);
            callback::register_manual(
                &self.store,
                self.vault.as_ref(),
                self.clock.as_ref(),
                profile_id,
                url,
                &pasted,
            )
        }
    }

    /// The local receiver's set-up for a profile: on `port` (0: any free
    /// one), on loopback unless `allow_remote`, with the profile's callback
    /// secret (none yet is fine: pushes are refused until one is set).
    pub fn receiver_config(
        &self,
        profile_id: &str,
        port: u16,
        allow_remote: bool,
    ) -> Result<ReceiverConfig> {
        let profile = profiles::get(&self.store, profile_id)?;
        let secret = self
            .vault
            .get(&profile.id, SecretKind::CallbackSecret)?
            .unwrap_or_else(|| Secret::new(String::new()));
        Ok(receiver_config(port, allow_remote, profile.id, secret))
    }

    /// Stops a sandbox this process started, flushing its counters.
    pub async fn close(&self) {
        self.sandbox.shutdown().await;
    }
}

/// Where a receiver listens: loopback, or every interface when the user
/// allows pushes from other machines.
pub fn receiver_config(
    port: u16,
    allow_remote: bool,
    scope: String,
    secret: Secret,
) -> ReceiverConfig {
    let ip = if allow_remote {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    };
    ReceiverConfig {
        bind: SocketAddr::new(ip, port),
        allow_non_loopback: allow_remote,
        ..ReceiverConfig::loopback(port, scope, secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receiver_listens_on_loopback_unless_remote_pushes_are_allowed() {
        let local = receiver_config(0, false, "p".into(), Secret::new(String::new()));
        assert!(local.bind.ip().is_loopback());
        assert!(!local.allow_non_loopback);
        let remote = receiver_config(8080, true, "p".into(), Secret::new(String::new()));
        assert!(remote.bind.ip().is_unspecified());
        assert_eq!(remote.bind.port(), 8080);
        assert!(remote.allow_non_loopback);
    }

    #[tokio::test]
    async fn open_builds_one_wiring_over_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let desk = Desk::open(
            dir.path(),
            Arc::new(crate::secrets::vault::MemoryVault::new()),
            Arc::new(crate::ManualClock::new(chrono::Utc::now())),
        )
        .unwrap();
        assert!(crate::paths::database_path(dir.path()).exists());
        assert_eq!(desk.data_dir, dir.path());
        // No profile yet: selecting one says so.
        assert!(desk.profile(None).is_err());
        // A real profile needs the pasted 回调密钥.
        let p = profiles::create(
            &desk.store,
            desk.vault.as_ref(),
            desk.clock.as_ref(),
            profiles::NewProfile {
                name: "real".into(),
                appkey: "0123456789abcdef0123456789abcdef".into(),
                generation: profiles::Generation::Legacy,
                endpoint: profiles::Endpoint::Meituan,
                tier: profiles::Tier::default(),
                api_secret: None,
                callback_secret: None,
            },
        )
        .unwrap();
        let err = desk
            .register_callback(&p.id, "https://example.com/cb", None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "callback_secret"),
            "{err:?}"
        );
        let cfg = desk.receiver_config(&p.id, 0, false).unwrap();
        assert!(cfg.bind.ip().is_loopback());
        desk.close().await;
    }
}
