//! Shared set-up of the sandbox test suites (links_sandbox, sync_sandbox,
//! faults, bad_input) and of the sync/batch benches, which include this
//! file by path: a sandbox on 127.0.0.1 whose clock is the core's manual
//! clock, a Store in a tempdir, a MemoryVault, a profile on the sandbox's
//! demo account and the Api over them.

// Each test binary (and bench) compiles its own copy of this module and
// uses a different subset of it, so what one of them leaves unused is not
// dead code.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use desk_core::gateway::api::{Api, ApiOptions};
use desk_core::profiles::{self, Endpoint, Generation, NewProfile, Profile, Tier};
use desk_core::secrets::vault::MemoryVault;
use desk_core::{Clock, ManualClock, Store};
use sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use std::sync::Arc;

/// 2026-03-10 12:00 Beijing.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 4, 0, 0).unwrap()
}

pub struct SandboxHarness {
    pub dir: tempfile::TempDir,
    pub sandbox: Arc<RunningSandbox>,
    pub store: Store,
    pub vault: Arc<MemoryVault>,
    pub api: Arc<Api>,
    pub profile: Profile,
    pub clock: Arc<ManualClock>,
}

/// What differs between the suites. Defaults: a profile "demo", Legacy,
/// T2000, default Api options, starting at [`start_time`], on a sandbox
/// whose demo account is Unlimited (the rest of its config default).
pub struct Setup {
    name: &'static str,
    generation: Generation,
    tier: Tier,
    api_options: Option<ApiOptions>,
    at: DateTime<Utc>,
    sandbox: SandboxConfig,
}

pub fn setup() -> Setup {
    Setup {
        name: "demo",
        generation: Generation::Legacy,
        tier: Tier::T2000,
        api_options: None,
        at: start_time(),
        sandbox: SandboxConfig {
            tier: sandbox::Tier::Unlimited,
            ..SandboxConfig::default()
        },
    }
}

impl Setup {
    pub fn name(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    pub fn generation(mut self, generation: Generation) -> Self {
        self.generation = generation;
        self
    }

    /// The profile's tier (what the core's ledger counts against).
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }

    pub fn api_options(mut self, options: ApiOptions) -> Self {
        self.api_options = Some(options);
        self
    }

    pub fn start_at(mut self, at: DateTime<Utc>) -> Self {
        self.at = at;
        self
    }

    pub fn orders_per_month(mut self, orders_per_month: u32) -> Self {
        self.sandbox.orders_per_month = orders_per_month;
        self
    }

    /// The sandbox demo account's own tier.
    pub fn sandbox_tier(mut self, tier: sandbox::Tier) -> Self {
        self.sandbox.tier = tier;
        self
    }

    /// Starts the sandbox on a manual clock at the start time (its data
    /// laid out around that time) and attaches a fresh store to it.
    pub async fn start(mut self) -> SandboxHarness {
        let clock = Arc::new(ManualClock::new(self.at));
        let c = clock.clone();
        self.sandbox.clock = sandbox::Clock::from_fn(move || c.now().timestamp_millis());
        self.sandbox.data_anchor_ms = Some(self.at.timestamp_millis());
        let config = std::mem::take(&mut self.sandbox);
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        self.attach(Arc::new(sandbox), clock)
    }

    /// A fresh store, vault and profile on an already running sandbox and
    /// its clock.
    pub fn attach(self, sandbox: Arc<RunningSandbox>, clock: Arc<ManualClock>) -> SandboxHarness {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("desk.sqlite3")).unwrap();
        let vault = Arc::new(MemoryVault::new());
        let demo = sandbox.demo_account();
        let profile = profiles::create(
            &store,
            vault.as_ref(),
            clock.as_ref(),
            NewProfile {
                name: self.name.into(),
                appkey: demo.appkey.clone(),
                generation: self.generation,
                endpoint: Endpoint::Custom(sandbox.base_url().to_owned()),
                tier: self.tier,
                api_secret: Some(demo.secret.clone()),
                callback_secret: None,
            },
        )
        .unwrap();
        let mut api = Api::new(store.clone(), vault.clone(), clock.clone());
        if let Some(options) = self.api_options {
            api = api.with_options(options);
        }
        SandboxHarness {
            dir,
            sandbox,
            store,
            vault,
            api: Arc::new(api),
            profile,
            clock,
        }
    }
}

impl SandboxHarness {
    /// API calls the sandbox served today for the profile's appkey.
    pub fn sandbox_calls(&self) -> u64 {
        self.sandbox
            .admin()
            .day_stats(&self.profile.appkey)
            .map_or(0, |d| d.calls)
    }

    /// What the core's ledger counts as used today.
    pub fn ledger_used(&self) -> u32 {
        self.api.ledger().status(&self.profile).unwrap().used
    }
}
