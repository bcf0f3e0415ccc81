// Shared set-up of the bench binaries: a sandbox on 127.0.0.1 whose clock
// is the core's manual clock, and a profile on its demo account.

use chrono::{TimeZone, Utc};
use desk_core::api::Api;
use desk_core::profiles::{self, Endpoint, Generation, NewProfile, Profile, Tier};
use desk_core::vault::MemoryVault;
use desk_core::{Clock, ManualClock, Store};
use sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use std::sync::Arc;

pub struct Bench {
    pub _dir: tempfile::TempDir,
    pub sandbox: RunningSandbox,
    pub store: Store,
    pub api: Arc<Api>,
    pub profile: Profile,
}

pub async fn setup(generation: Generation, orders_per_month: u32) -> Bench {
    let at = Utc.with_ymd_and_hms(2026, 3, 10, 4, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let sandbox_clock = {
        let c = clock.clone();
        sandbox::Clock::from_fn(move || c.now().timestamp_millis())
    };
    let sandbox = Sandbox::start(SandboxConfig {
        orders_per_month,
        tier: sandbox::Tier::Unlimited,
        clock: sandbox_clock,
        data_anchor_ms: Some(at.timestamp_millis()),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("desk.sqlite3")).unwrap();
    let vault = Arc::new(MemoryVault::new());
    let demo = sandbox.demo_account();
    let profile = profiles::create(
        &store,
        vault.as_ref(),
        clock.as_ref(),
        NewProfile {
            name: "bench".into(),
            appkey: demo.appkey.clone(),
            generation,
            endpoint: Endpoint::Custom(sandbox.base_url().to_owned()),
            tier: Tier::Unlimited,
            api_secret: Some(demo.secret.clone()),
            callback_secret: None,
        },
    )
    .unwrap();
    let api = Arc::new(Api::new(store.clone(), vault, clock));
    Bench {
        _dir: dir,
        sandbox,
        store,
        api,
        profile,
    }
}

impl Bench {
    pub fn sandbox_calls(&self) -> u64 {
        self.sandbox
            .admin()
            .day_stats(&self.profile.appkey)
            .map_or(0, |d| d.calls)
    }
}
