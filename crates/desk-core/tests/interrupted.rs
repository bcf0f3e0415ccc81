//! What a killed process leaves behind must not get in the way (issue 16,
//! items 2 and 8):
//!
//! - a sync killed with SIGKILL while it holds its profile's lease: the
//!   next sync starts at once (it waited 5 minutes before), and while the
//!   holder lives a sync is refused naming its pid and since when;
//! - a call counted by the ledger whose process was killed before it could
//!   record the outcome: the next gateway start settles its `pending` row
//!   (counted as spent), but leaves a live process's call in flight alone.
//!
//! The child is this test binary, re-run with `INTERRUPTED_CHILD_HOME` set
//! and filtered to [`interrupted_child_entry`] (as in `crash.rs`). The
//! secret travels by environment into a `MemoryVault`: no keychain.

use chrono::{TimeZone, Utc};
use desk_core::gateway::api::Api;
use desk_core::orders::sync::{self, SyncOptions};
use desk_core::profiles::{self, Endpoint, Generation, NewProfile, Profile, Tier};
use desk_core::secrets::vault::{MemoryVault, SecretKind};
use desk_core::{ErrorCode, IpcError, ManualClock, Store};
use meituan_union::Secret;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HOME_ENV: &str = "INTERRUPTED_CHILD_HOME";
const MODE_ENV: &str = "INTERRUPTED_CHILD_MODE";
const URL_ENV: &str = "INTERRUPTED_CHILD_URL";
const APPKEY_ENV: &str = "INTERRUPTED_CHILD_APPKEY";
const SECRET_ENV: &str = "INTERRUPTED_CHILD_SECRET";
const PROFILE: &str = "interrupted";

/// 2026-03-10 12:00 Beijing, on both sides.
fn fixed_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 4, 0, 0).unwrap()
}

fn opts() -> SyncOptions {
    SyncOptions {
        initial_days: Some(2),
        allow_reserve: true,
        ..Default::default()
    }
}

/// The child's body: runs only when re-executed by a test below.
#[test]
fn interrupted_child_entry() {
    let Some(home) = std::env::var_os(HOME_ENV) else {
        return;
    };
    let mode = std::env::var(MODE_ENV).expect("mode");
    let secret = Secret::new(std::env::var(SECRET_ENV).expect("secret"));
    let clock = Arc::new(ManualClock::new(fixed_now()));
    let store = Store::open(desk_core::paths::database_path(Path::new(&home))).expect("open");
    let vault = Arc::new(MemoryVault::new());
    let profile = profiles::select(&store, Some(PROFILE)).expect("profile");
    let profile = profiles::set_secret(
        &store,
        vault.as_ref(),
        &profile.id,
        SecretKind::ApiSecret,
        &secret,
    )
    .expect("secret");
    let api = Arc::new(Api::new(store, vault, clock));
    let ready = || {
        use std::io::Write;
        println!("READY");
        std::io::stdout().flush().ok();
    };
    match mode.as_str() {
        // Holds the sync lease between its first and second page.
        "sync" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            let hold = move |p: &sync::SyncProgress| {
                if p.pages == 1 {
                    ready();
                    // Bounded so a child the parent failed to kill still ends.
                    std::thread::sleep(Duration::from_secs(60));
                }
            };
            let _ = rt.block_on(sync::sync(&api, &profile, &opts(), Some(&hold)));
        }
        // A call counted and in flight: reserved, never finished.
        "call" => {
            let reservation = api
                .ledger()
                .reserve(&profile, "/api/generateLink")
                .expect("reserve");
            ready();
            std::thread::sleep(Duration::from_secs(60));
            drop(reservation);
        }
        other => panic!("unknown mode {other}"),
    }
}

struct Setup {
    home: tempfile::TempDir,
    sandbox: sandbox::RunningSandbox,
    rt: tokio::runtime::Runtime,
    store: Store,
    api: Arc<Api>,
    profile: Profile,
    secret: Secret,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now_ms = fixed_now().timestamp_millis();
    let sandbox = rt
        .block_on(sandbox::Sandbox::start(sandbox::SandboxConfig {
            tier: sandbox::Tier::Unlimited,
            clock: sandbox::Clock::fixed(now_ms),
            data_anchor_ms: Some(now_ms),
            orders_per_month: 3000,
            ..sandbox::SandboxConfig::default()
        }))
        .unwrap();
    let demo = sandbox.demo_account();
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(desk_core::paths::database_path(home.path())).unwrap();
    let vault = Arc::new(MemoryVault::new());
    let clock = Arc::new(ManualClock::new(fixed_now()));
    let profile = profiles::create(
        &store,
        vault.as_ref(),
        clock.as_ref(),
        NewProfile {
            name: PROFILE.into(),
            appkey: demo.appkey.clone(),
            generation: Generation::Legacy,
            endpoint: Endpoint::Custom(sandbox.base_url().to_owned()),
            tier: Tier::Unlimited,
            api_secret: Some(demo.secret.clone()),
            callback_secret: None,
        },
    )
    .unwrap();
    let api = Arc::new(Api::new(store.clone(), vault, clock));
    Setup {
        home,
        sandbox,
        rt,
        store,
        api,
        profile,
        secret: demo.secret,
    }
}

impl Setup {
    /// Starts the child in `mode` and waits until it says READY.
    fn child(&self, mode: &str) -> Child {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "interrupted_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HOME_ENV, self.home.path())
            .env(MODE_ENV, mode)
            .env(URL_ENV, self.sandbox.base_url())
            .env(APPKEY_ENV, &self.profile.appkey)
            .env(SECRET_ENV, self.secret.expose())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                let _ = child.kill();
                panic!("the child ended before READY");
            }
            if line.trim_end().ends_with("READY") {
                break;
            }
        }
        child
    }

    fn sandbox_calls(&self) -> u64 {
        self.sandbox
            .admin()
            .day_stats(&self.profile.appkey)
            .map_or(0, |d| d.calls)
    }

    fn call_rows(&self) -> Vec<(String, Option<String>)> {
        let conn = self.store.connect().unwrap();
        let mut stmt = conn
            .prepare("SELECT outcome, error_code FROM call_log ORDER BY id")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        rows
    }

    fn ledger_used(&self) -> u32 {
        self.api.ledger().status(&self.profile).unwrap().used
    }
}

/// A sync killed while it holds the lease: the next one starts at once,
/// with no clock moved; while the holder lives, the refusal names it.
#[test]
fn a_killed_sync_does_not_block_the_next_one() {
    let s = setup();
    let mut child = s.child("sync");
    let child_pid = child.id();

    // The holder lives: refused before any call, naming pid and since.
    let calls = s.sandbox_calls();
    let err =
        s.rt.block_on(sync::sync(&s.api, &s.profile, &opts(), None))
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SyncRunning);
    let message = err.to_string();
    assert!(
        message.contains(&format!("pid {child_pid}")),
        "the refusal names the holder's pid: {message}"
    );
    assert!(
        message.contains("since 2026-03-10T12:00:00+08:00"),
        "the refusal says since when: {message}"
    );
    let ipc = IpcError::from(err);
    let details = ipc.details.expect("details");
    assert_eq!(details["pid"], child_pid);
    assert_eq!(details["since"], "2026-03-10T12:00:00+08:00");
    assert!(details["what"].as_str().unwrap().contains("order sync"));
    assert_eq!(s.sandbox_calls(), calls, "a refused sync made a call");

    // Killed mid-sync (SIGKILL: no destructor, no release).
    child.kill().unwrap();
    child.wait().unwrap();
    let rows: i64 = s
        .store
        .connect()
        .unwrap()
        .query_row("SELECT count(*) FROM sync_leases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1, "the killed sync left its lease row");

    // The next sync starts at once: same clock, no waiting for expiry.
    let started = Instant::now();
    let report =
        s.rt.block_on(sync::sync(&s.api, &s.profile, &opts(), None))
            .expect("the next sync runs at once");
    assert!(report.complete, "{report:?}");
    assert!(report.pages > 0);
    eprintln!(
        "a killed sync's lease taken over; the next sync ran {} pages in {:.2} s",
        report.pages,
        started.elapsed().as_secs_f64()
    );
    let rows: i64 = s
        .store
        .connect()
        .unwrap()
        .query_row("SELECT count(*) FROM sync_leases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0, "the lease is released when the sync ends");
}

/// A call counted by a process that was then killed stays `pending` until
/// a gateway starts while no other runs: then it is settled, still counted.
/// A live process's call in flight is left alone, unless it has been
/// pending longer than any call can be.
#[test]
fn calls_left_pending_by_a_killed_process_are_settled_at_the_next_start() {
    let s = setup();
    let used_before = s.ledger_used();
    let mut child = s.child("call");
    assert_eq!(
        s.ledger_used(),
        used_before + 1,
        "the child's call is counted"
    );
    assert_eq!(s.call_rows(), vec![("pending".to_owned(), None)]);

    // Another gateway starts while the child lives: its call is fresh,
    // so it may still be in flight and stays pending.
    let clock = Arc::new(ManualClock::new(fixed_now()));
    let vault = Arc::new(MemoryVault::new());
    drop(Api::new(s.store.clone(), vault.clone(), clock.clone()));
    assert_eq!(s.call_rows(), vec![("pending".to_owned(), None)]);

    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(s.call_rows(), vec![("pending".to_owned(), None)]);

    // A restart. `s.api` still lives (a gateway of this process), so the
    // next one cannot know the row is dead unless it is older than any
    // call can be.
    drop(Api::new(s.store.clone(), vault.clone(), clock.clone()));
    assert_eq!(s.call_rows(), vec![("pending".to_owned(), None)]);
    clock.advance(chrono::Duration::seconds(
        desk_core::gateway::api::STALE_PENDING_SECS + 1,
    ));
    drop(Api::new(s.store.clone(), vault.clone(), clock.clone()));
    assert_eq!(
        s.call_rows(),
        vec![("error".to_owned(), Some("interrupted".to_owned()))],
        "a call pending longer than any call can be is settled"
    );
    assert_eq!(s.ledger_used(), used_before + 1, "and still counted");

    // With no other gateway alive, every pending row is settled at once.
    let mut child = s.child("call");
    child.kill().unwrap();
    child.wait().unwrap();
    let Setup {
        api, store, home, ..
    } = s;
    drop(api);
    let pending = |store: &Store| -> i64 {
        store
            .connect()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM call_log WHERE outcome = 'pending'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(pending(&store), 1);
    let fresh = Arc::new(ManualClock::new(fixed_now()));
    let api = Api::new(store.clone(), vault, fresh);
    assert_eq!(pending(&store), 0, "settled at the gateway's start");
    let used: i64 = store
        .connect()
        .unwrap()
        .query_row("SELECT sum(used) FROM quota_days", [], |r| r.get(0))
        .unwrap();
    let logged: i64 = store
        .connect()
        .unwrap()
        .query_row("SELECT count(*) FROM call_log", [], |r| r.get(0))
        .unwrap();
    assert_eq!(used, 2, "both interrupted calls count as spent");
    assert_eq!(logged, used, "the day counter and the call log agree");
    drop(api);
    drop(home);
}
