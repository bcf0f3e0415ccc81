//! The sandbox embedded in the app: a local Meituan Union stand-in that a
//! sandbox profile's calls go to, started on loopback on first use.
//!
//! One data folder, one sandbox: the process that starts it writes its
//! address to `sandbox/running.json` in the data folder, and another process
//! on the same folder (the GUI and `mtu`) uses that one while it answers, so
//! both count against the same sandbox. Its state (quota counters, console
//! state) persists in `sandbox/state.json`, so a sandbox started by a later
//! process carries on where the last one stopped. Neither file holds a
//! secret: the sandbox derives its fake credentials from the seed.

use crate::error::{Error, Result};
use crate::gateway::api::SandboxProvider;
use meituan_union::Secret;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::Mutex;

/// The seed of the embedded sandbox's data and demo credentials. Fixed, so
/// a sandbox profile keeps working across restarts.
pub const SEED: u64 = 20_260_301;

/// The demo account's credentials (sandbox fakes, still kept as secrets).
#[derive(Debug, Clone)]
pub struct DemoCredentials {
    pub appkey: String,
    pub secret: Secret,
    pub callback_secret: Secret,
}

#[derive(Debug, Serialize, Deserialize)]
struct Advert {
    base_url: String,
    pid: u32,
}

enum Running {
    Own(sandbox::RunningSandbox),
    /// Another process's sandbox on the same data folder.
    Foreign(String),
}

/// Starts (or finds) the embedded sandbox of a data folder.
pub struct EmbeddedSandbox {
    dir: PathBuf,
    config: sandbox::SandboxConfig,
    running: Mutex<Option<Running>>,
}

impl EmbeddedSandbox {
    pub fn new(data_dir: &Path) -> Self {
        let dir = data_dir.join("sandbox");
        let config = sandbox::SandboxConfig {
            seed: SEED,
            state_file: Some(dir.join("state.json")),
            ..sandbox::SandboxConfig::default()
        };
        Self::with_config(dir, config)
    }

    /// For tests: a custom configuration (clock, tier, faults…).
    pub fn with_config(dir: PathBuf, config: sandbox::SandboxConfig) -> Self {
        EmbeddedSandbox {
            dir,
            config,
            running: Mutex::new(None),
        }
    }

    fn advert_path(&self) -> PathBuf {
        self.dir.join("running.json")
    }

    fn read_advert(&self) -> Option<String> {
        let bytes = std::fs::read(self.advert_path()).ok()?;
        let advert: Advert = serde_json::from_slice(&bytes).ok()?;
        answers(&advert.base_url).then_some(advert.base_url)
    }

    fn write_advert(&self, base_url: &str) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| Error::Storage(format!("cannot create {}: {e}", self.dir.display())))?;
        let advert = Advert {
            base_url: base_url.to_owned(),
            pid: std::process::id(),
        };
        let tmp = self.dir.join(format!("running.{}.tmp", std::process::id()));
        let bytes = serde_json::to_vec(&advert).map_err(|e| Error::Internal(e.to_string()))?;
        std::fs::write(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, self.advert_path()))
            .map_err(|e| Error::Storage(format!("cannot write the sandbox address: {e}")))
    }

    /// An exclusive lock on `sandbox/start.lock` (released when dropped),
    /// waited for off the async threads.
    async fn start_lock(&self) -> Result<std::fs::File> {
        let path = self.dir.join("start.lock");
        tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(file)
        })
        .await
        .map_err(|e| Error::Internal(format!("the sandbox start lock task failed: {e}")))?
        .map_err(|e| Error::Storage(format!("cannot lock the sandbox folder: {e}")))
    }

    /// The running sandbox's base URL, starting one when none answers.
    pub async fn ensure(&self) -> Result<String> {
        let mut running = self.running.lock().await;
        match running.as_ref() {
            Some(Running::Own(s)) => return Ok(s.base_url().to_owned()),
            Some(Running::Foreign(url)) if answers(url) => return Ok(url.clone()),
            _ => {}
        }
        if let Some(url) = self.read_advert() {
            *running = Some(Running::Foreign(url.clone()));
            return Ok(url);
        }
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| Error::Storage(format!("cannot create {}: {e}", self.dir.display())))?;
        // Two processes (the app and `mtu`) may get here at once: the one
        // holding the start lock starts the sandbox, the other then finds
        // its address instead of starting a second sandbox.
        let _start_lock = self.start_lock().await?;
        if let Some(url) = self.read_advert() {
            *running = Some(Running::Foreign(url.clone()));
            return Ok(url);
        }
        let started = sandbox::Sandbox::start(self.config.clone())
            .await
            .map_err(|e| Error::Internal(format!("cannot start the embedded sandbox: {e}")))?;
        let url = started.base_url().to_owned();
        self.write_advert(&url)?;
        tracing::info!(base_url = %url, "embedded sandbox started");
        *running = Some(Running::Own(started));
        Ok(url)
    }

    /// The demo account's credentials. They are derived from the seed, so a
    /// process using another's sandbox asks a private, unserved instance.
    pub async fn demo_credentials(&self) -> Result<DemoCredentials> {
        self.ensure().await?;
        let running = self.running.lock().await;
        let demo = match running.as_ref() {
            Some(Running::Own(s)) => s.demo_account(),
            _ => {
                let probe = sandbox::Sandbox::start(sandbox::SandboxConfig {
                    state_file: None,
                    port: 0,
                    ..self.config.clone()
                })
                .await
                .map_err(|e| Error::Internal(format!("cannot start the embedded sandbox: {e}")))?;
                let demo = probe.demo_account();
                probe.shutdown().await;
                demo
            }
        };
        Ok(DemoCredentials {
            appkey: demo.appkey,
            secret: demo.secret,
            callback_secret: demo.callback_secret,
        })
    }

    /// The sandbox this process runs, if it runs one (tests, admin).
    pub async fn admin(&self) -> Option<sandbox::AdminHandle> {
        match self.running.lock().await.as_ref() {
            Some(Running::Own(s)) => Some(s.admin()),
            _ => None,
        }
    }

    /// Stops this process's sandbox (flushing its state) and withdraws its
    /// address. Call on quit.
    pub async fn shutdown(&self) {
        let taken = self.running.lock().await.take();
        if let Some(Running::Own(s)) = taken {
            let url = s.base_url().to_owned();
            s.shutdown().await;
            let ours = std::fs::read(self.advert_path())
                .ok()
                .and_then(|b| serde_json::from_slice::<Advert>(&b).ok())
                .is_some_and(|a| a.base_url == url);
            if ours {
                let _ = std::fs::remove_file(self.advert_path());
            }
        }
    }
}

/// Creates a profile on the embedded sandbox's demo account, its secrets
/// stored in the vault like any other. `name` defaults to "Sandbox" (with a
/// number when taken).
pub async fn create_sandbox_profile(
    store: &crate::Store,
    vault: &dyn crate::secrets::vault::Vault,
    clock: &dyn crate::Clock,
    sandbox: &EmbeddedSandbox,
    name: Option<&str>,
    generation: crate::profiles::Generation,
) -> Result<crate::profiles::Profile> {
    use crate::profiles::{self, Endpoint, NewProfile, Tier};
    let demo = sandbox.demo_credentials().await?;
    let name = match name {
        Some(n) => n.to_owned(),
        None => {
            let taken: Vec<String> = profiles::list(store)?
                .into_iter()
                .map(|p| p.name.to_lowercase())
                .collect();
            (1..)
                .map(|i| {
                    if i == 1 {
                        "Sandbox".to_owned()
                    } else {
                        format!("Sandbox {i}")
                    }
                })
                .find(|n| !taken.contains(&n.to_lowercase()))
                .expect("an unused name exists")
        }
    };
    profiles::create(
        store,
        vault,
        clock,
        NewProfile {
            name,
            appkey: demo.appkey,
            generation,
            endpoint: Endpoint::EmbeddedSandbox,
            tier: Tier::T2000,
            api_secret: Some(demo.secret),
            callback_secret: Some(demo.callback_secret),
        },
    )
}

impl SandboxProvider for EmbeddedSandbox {
    fn base_url(&self) -> Pin<Box<dyn Future<Output = Result<String>> + Send + '_>> {
        Box::pin(self.ensure())
    }
}

/// Whether something accepts connections at a loopback base URL.
fn answers(base_url: &str) -> bool {
    let Ok(url) = url::Url::parse(base_url) else {
        return false;
    };
    let (Some(url::Host::Ipv4(ip)), Some(port)) = (url.host(), url.port()) else {
        return false;
    };
    if !ip.is_loopback() {
        return false;
    }
    TcpStream::connect_timeout(&SocketAddr::from((ip, port)), Duration::from_millis(300)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_sandbox_per_data_folder_and_it_outlives_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let first = EmbeddedSandbox::new(dir.path());
        let url = first.ensure().await.unwrap();
        assert!(url.starts_with("http://127.0.0.1:"));
        assert_eq!(first.ensure().await.unwrap(), url);
        // A second user of the folder (another process in real life) finds it.
        let second = EmbeddedSandbox::new(dir.path());
        assert_eq!(second.ensure().await.unwrap(), url);
        assert!(second.admin().await.is_none());
        let a = first.demo_credentials().await.unwrap();
        let b = second.demo_credentials().await.unwrap();
        assert_eq!(a.appkey, b.appkey);
        assert_eq!(a.secret.expose(), b.secret.expose());
        // When the owner stops, the other starts its own.
        first.shutdown().await;
        assert!(!dir.path().join("sandbox/running.json").exists());
        let again = second.ensure().await.unwrap();
        assert!(answers(&again));
        assert!(second.admin().await.is_some());
        second.shutdown().await;
        // Its state persists; no secret is in it.
        let state = std::fs::read_to_string(dir.path().join("sandbox/state.json")).unwrap();
        assert!(!state.contains(a.secret.expose()));
    }

    /// Several users of one data folder starting at the same moment (the
    /// app and `mtu`): exactly one starts a sandbox, all use it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn simultaneous_starts_share_one_sandbox() {
        for _round in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let users: Vec<std::sync::Arc<EmbeddedSandbox>> = (0..6)
                .map(|_| std::sync::Arc::new(EmbeddedSandbox::new(dir.path())))
                .collect();
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(users.len()));
            let tasks: Vec<_> = users
                .iter()
                .map(|u| {
                    let (u, b) = (u.clone(), barrier.clone());
                    tokio::spawn(async move {
                        b.wait().await;
                        u.ensure().await.unwrap()
                    })
                })
                .collect();
            let mut urls = std::collections::BTreeSet::new();
            for t in tasks {
                urls.insert(t.await.unwrap());
            }
            assert_eq!(urls.len(), 1, "users got different sandboxes: {urls:?}");
            let mut owners = 0;
            for u in &users {
                owners += usize::from(u.admin().await.is_some());
            }
            assert_eq!(owners, 1, "{owners} sandboxes were started");
            for u in &users {
                u.shutdown().await;
            }
        }
    }
}
