//! The local Meituan Union sandbox: an axum server on loopback that checks
//! signatures, timestamps and quota exactly as Meituan does and serves
//! deterministic synthetic data.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sandbox::SandboxError> {
//! let running = sandbox::Sandbox::start(sandbox::SandboxConfig::default()).await?;
//! println!("{}", running.base_url());
//! let demo = running.demo_account();
//! running.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! See `README.md` beside this crate for the HTTP surface, the error codes
//! chosen where Meituan's are unknown, and the console/admin endpoints.

mod admin;
mod callbacks;
pub mod catalog;
pub mod clock;
mod config;
mod console;
pub mod data;
mod faults;
pub mod images;
mod legacy;
pub mod links;
mod media;
mod server;
mod state;
mod urlencoded;

pub use admin::{AdminHandle, NewOrder};
pub use clock::{Clock, ManualClock, MAX_CLOCK_OFFSET_MS};
pub use config::{
    AccountSpec, CallbackPolicy, ConsoleDelays, RateLimit, SandboxConfig, SpecialCaseOutcome, Tier,
    UnknownTier,
};
pub use data::{Fate, OrderTotals, TimeType, View};
pub use faults::{FaultConfig, FaultKind, FaultRule};
pub use state::{DayStats, Delivery};

use meituan_union::Secret;
use state::{lock, PersistedState, Shared};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("state file {path}: {message}")]
    StateFile { path: PathBuf, message: String },
    #[error("account appkey {0:?} is empty or given twice")]
    InvalidAccount(String),
    #[error("cannot build the callback HTTP client: {0}")]
    HttpClient(String),
}

/// The demo account's credentials. They are sandbox fakes derived from the
/// seed; the secrets are still wrapped so they do not end up in logs.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    pub appkey: String,
    pub secret: Secret,
    /// The callback secret currently in force (changes when a callback URL
    /// is registered through the console).
    pub callback_secret: Secret,
}

/// Entry point.
pub struct Sandbox;

impl Sandbox {
    /// Binds 127.0.0.1 and serves on the current tokio runtime until
    /// [`RunningSandbox::shutdown`] or drop.
    pub async fn start(config: SandboxConfig) -> Result<RunningSandbox, SandboxError> {
        let persisted = match &config.state_file {
            Some(path) => load_state(path)?,
            None => None,
        };
        let port = config.port;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| SandboxError::Bind { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { port, source })?;
        let shared = Arc::new(Shared::build(config, persisted)?);
        let _ = shared.public_base.set(format!("http://{addr}"));
        shared.mark_dirty();

        let (stop_tx, stop_rx) = watch::channel(false);
        let app = server::router(shared.clone())
            .into_make_service_with_connect_info::<server::ConnMeta>();
        let mut server_stop = stop_rx.clone();
        let server = tokio::spawn(async move {
            let serve = axum::serve(server::SandboxListener(listener), app).with_graceful_shutdown(
                async move {
                    let _ = server_stop.changed().await;
                },
            );
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "sandbox server stopped with an error");
            }
        });
        let callbacks = tokio::spawn(callbacks::run(shared.clone(), stop_rx.clone()));
        let persister = tokio::spawn(persist_loop(shared.clone(), stop_rx));
        Ok(RunningSandbox {
            base_url: format!("http://{addr}"),
            addr,
            shared,
            stop: stop_tx,
            server: Some(server),
            tasks: vec![callbacks],
            persister: Some(persister),
        })
    }
}

/// A sandbox being served. Dropping it stops the server (without waiting);
/// [`RunningSandbox::shutdown`] waits and flushes the state file.
pub struct RunningSandbox {
    base_url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    tasks: Vec<JoinHandle<()>>,
    persister: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`, the base of both API generations.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn demo_account(&self) -> DemoAccount {
        let i = self.shared.demo;
        let generation = lock(&self.shared.accounts[i].rt).callback_generation;
        let acct = &self.shared.accounts[i];
        DemoAccount {
            appkey: acct.appkey.clone(),
            secret: acct.secret.clone(),
            callback_secret: self.shared.callback_secret(i, generation),
        }
    }

    /// The current callback secret of any served account.
    pub fn callback_secret(&self, appkey: &str) -> Option<Secret> {
        let (i, acct) = self.shared.account(appkey)?;
        let generation = lock(&acct.rt).callback_generation;
        Some(self.shared.callback_secret(i, generation))
    }

    pub fn admin(&self) -> AdminHandle {
        AdminHandle {
            shared: self.shared.clone(),
        }
    }

    /// Stops accepting, lets in-flight requests finish, writes the state
    /// file one last time.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..) {
            // Callback retries may be sleeping; they are not worth waiting for.
            t.abort();
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
        }
        if let Some(p) = self.persister.take() {
            let _ = p.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn load_state(path: &Path) -> Result<Option<PersistedState>, SandboxError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SandboxError::StateFile {
                path: path.to_owned(),
                message: e.to_string(),
            })
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| SandboxError::StateFile {
            path: path.to_owned(),
            message: format!("not a sandbox state file: {e}"),
        })
}

fn write_state(shared: &Shared) {
    let Some(path) = &shared.config.state_file else {
        return;
    };
    if !shared.dirty.swap(false, Ordering::SeqCst) {
        return;
    }
    let snapshot = shared.persisted();
    let result = serde_json::to_vec_pretty(&snapshot)
        .map_err(std::io::Error::other)
        .and_then(|bytes| {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            // Write-then-rename so a crash never leaves half a file.
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, path)
        });
    if let Err(e) = result {
        shared.mark_dirty();
        tracing::warn!(path = %path.display(), error = %e, "cannot write the sandbox state file");
    }
}

async fn persist_loop(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    if shared.config.state_file.is_none() {
        return;
    }
    let mut interval = tokio::time::interval(std::time::Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = interval.tick() => write_state(&shared),
            _ = stop.changed() => {
                write_state(&shared);
                return;
            }
        }
    }
}
