//! Crash safety of the quota ledger (issue 8 item 2).
//!
//! A child process makes many concurrent signed calls through the gateway
//! ([`desk_core::gateway::api::Api`]) to a sandbox served by this process, and is
//! killed with SIGKILL at a random moment, 100 times over. After each kill
//! the database is reopened (what a restart does) and checked:
//!
//! - the ledger never counts fewer calls than the sandbox received;
//! - it counts at most the calls that were in flight (the child's
//!   concurrency) more than the sandbox received;
//! - the day counter and the call log agree;
//! - `PRAGMA integrity_check` answers `ok`.
//!
//! The child is this same test binary, re-run with `CRASH_CHILD_HOME` set
//! and filtered to [`crash_child_entry`], so no extra binary target is
//! needed. The secret travels by environment into a `MemoryVault`: no
//! keychain is involved.

use chrono::{TimeZone, Utc};
use desk_core::gateway::api::Api;
use desk_core::profiles::{self, Endpoint, Generation, NewProfile, Tier};
use desk_core::secrets::vault::{MemoryVault, SecretKind};
use desk_core::{ManualClock, Store};
use meituan_union::legacy::GenerateLinkRequest;
use meituan_union::{LegacyLinkType, Secret};
use rand::Rng;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HOME_ENV: &str = "CRASH_CHILD_HOME";
const URL_ENV: &str = "CRASH_CHILD_URL";
const APPKEY_ENV: &str = "CRASH_CHILD_APPKEY";
const SECRET_ENV: &str = "CRASH_CHILD_SECRET";
const NOW_ENV: &str = "CRASH_CHILD_NOW_MS";
/// Calls the child keeps in flight at once: the most the ledger may be
/// ahead of the sandbox after one kill.
const CONCURRENCY: usize = 8;
const ROUNDS: usize = 100;
const PROFILE: &str = "crash";

/// 2026-03-10 12:00 Beijing: a fixed clock on both sides keeps every call on
/// one Beijing day whatever the wall clock does during the run.
fn fixed_now_ms() -> i64 {
    Utc.with_ymd_and_hms(2026, 3, 10, 4, 0, 0)
        .unwrap()
        .timestamp_millis()
}

/// The child's body: runs only when re-executed by [`ledger_survives_sigkill`].
#[test]
fn crash_child_entry() {
    let Some(home) = std::env::var_os(HOME_ENV) else {
        return;
    };
    let url = std::env::var(URL_ENV).expect("url");
    let appkey = std::env::var(APPKEY_ENV).expect("appkey");
    let secret = Secret::new(std::env::var(SECRET_ENV).expect("secret"));
    let now_ms: i64 = std::env::var(NOW_ENV).expect("now").parse().expect("now");
    let clock = Arc::new(ManualClock::new(
        Utc.timestamp_millis_opt(now_ms).single().expect("now"),
    ));
    let store = Store::open(desk_core::paths::database_path(Path::new(&home))).expect("open");
    let vault = Arc::new(MemoryVault::new());
    let profile = match profiles::select(&store, Some(PROFILE)) {
        Ok(p) => profiles::set_secret(
            &store,
            vault.as_ref(),
            &p.id,
            SecretKind::ApiSecret,
            &secret,
        )
        .expect("secret"),
        Err(_) => profiles::create(
            &store,
            vault.as_ref(),
            clock.as_ref(),
            NewProfile {
                name: PROFILE.into(),
                appkey,
                generation: Generation::Legacy,
                endpoint: Endpoint::Custom(url),
                tier: Tier::Unlimited,
                api_secret: Some(secret),
                callback_secret: None,
            },
        )
        .expect("create"),
    };
    let api = Arc::new(Api::new(store, vault, clock));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        println!("READY");
        use std::io::Write;
        std::io::stdout().flush().ok();
        let mut tasks = Vec::new();
        for _ in 0..CONCURRENCY {
            let api = api.clone();
            let profile = profile.clone();
            tasks.push(tokio::spawn(async move {
                // Bounded so a child the parent failed to kill still ends.
                let deadline = Instant::now() + Duration::from_secs(20);
                while Instant::now() < deadline {
                    let req = GenerateLinkRequest::new("1", LegacyLinkType::H5);
                    let _ = api.legacy(&profile, &req).await;
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

struct Counts {
    ledger: u64,
    call_log: u64,
    /// Call-log rows the kill left pending (settled at the next start).
    pending: u64,
}

fn ledger_counts(home: &Path, appkey: &str) -> Counts {
    // Opening through Store runs what a restarted app runs (migrations, WAL
    // recovery) before anything is read.
    let store = Store::open(desk_core::paths::database_path(home)).expect("reopen after kill");
    let conn = store.connect().unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok", "integrity_check after a kill");
    let ledger: i64 = conn
        .query_row(
            "SELECT coalesce(sum(used), 0) FROM quota_days WHERE appkey = ?1",
            [appkey],
            |r| r.get(0),
        )
        .unwrap();
    let call_log: i64 = conn
        .query_row(
            "SELECT count(*) FROM call_log WHERE appkey = ?1",
            [appkey],
            |r| r.get(0),
        )
        .unwrap();
    let pending: i64 = conn
        .query_row(
            "SELECT count(*) FROM call_log WHERE appkey = ?1 AND outcome = 'pending'",
            [appkey],
            |r| r.get(0),
        )
        .unwrap();
    Counts {
        ledger: ledger as u64,
        call_log: call_log as u64,
        pending: pending as u64,
    }
}

/// The sandbox's count once requests from the dead child stop arriving.
fn settled_received(admin: &sandbox::AdminHandle, appkey: &str) -> u64 {
    let read = || admin.day_stats(appkey).map_or(0, |s| s.calls);
    let mut last = read();
    let mut stable = 0;
    while stable < 4 {
        std::thread::sleep(Duration::from_millis(20));
        let now = read();
        if now == last {
            stable += 1;
        } else {
            stable = 0;
            last = now;
        }
    }
    last
}

#[test]
fn ledger_survives_sigkill() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now_ms = fixed_now_ms();
    let running = rt
        .block_on(sandbox::Sandbox::start(sandbox::SandboxConfig {
            tier: sandbox::Tier::Unlimited,
            clock: sandbox::Clock::fixed(now_ms),
            data_anchor_ms: Some(now_ms),
            ..sandbox::SandboxConfig::default()
        }))
        .unwrap();
    let admin = running.admin();
    let demo = running.demo_account();
    let home = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::thread_rng();
    let started = Instant::now();
    let (mut prev_ledger, mut prev_received) = (0u64, 0u64);
    let mut max_gap = 0u64;
    let mut kills_mid_setup = 0;
    let (mut left_pending, mut kills_leaving_pending) = (0u64, 0u64);

    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HOME_ENV, home.path())
            .env(URL_ENV, running.base_url())
            .env(APPKEY_ENV, &demo.appkey)
            .env(SECRET_ENV, demo.secret.expose())
            .env(NOW_ENV, now_ms.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if round % 10 == 5 {
            // Now and then die during start-up (migrations, profile setup).
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..15)));
            kills_mid_setup += 1;
        } else {
            let stdout = child.stdout.take().unwrap();
            let mut line = String::new();
            let mut reader = BufReader::new(stdout);
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap() == 0 {
                    panic!("child ended before READY (round {round})");
                }
                if line.trim_end().ends_with("READY") {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(rng.gen_range(5..120)));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let mut received = settled_received(&admin, &demo.appkey);
        let counts = ledger_counts(home.path(), &demo.appkey);
        // The child started a gateway, which settled what earlier kills
        // left pending: only this kill's calls in flight may be.
        assert!(
            counts.pending <= CONCURRENCY as u64,
            "round {round}: {} calls pending, more than one kill's in flight",
            counts.pending
        );
        left_pending += counts.pending;
        kills_leaving_pending += u64::from(counts.pending > 0);
        assert_eq!(
            counts.ledger, counts.call_log,
            "round {round}: day counter and call log disagree"
        );
        let in_bounds = |received: u64| {
            let grew = counts.ledger - prev_ledger;
            let got = received - prev_received;
            counts.ledger >= received && grew >= got && grew - got <= CONCURRENCY as u64
        };
        if !in_bounds(received) {
            // On a loaded machine the sandbox may read the dead child's last
            // requests late; give it one long pause before judging.
            std::thread::sleep(Duration::from_millis(500));
            received = settled_received(&admin, &demo.appkey);
        }
        assert!(
            counts.ledger >= received,
            "round {round}: ledger {} below the {received} calls the sandbox received",
            counts.ledger
        );
        assert!(
            counts.ledger - prev_ledger >= received - prev_received,
            "round {round}: this run's ledger grew less than the sandbox's count"
        );
        let gap = (counts.ledger - prev_ledger) - (received - prev_received);
        assert!(
            gap <= CONCURRENCY as u64,
            "round {round}: ledger ahead by {gap} > {CONCURRENCY} in-flight calls"
        );
        max_gap = max_gap.max(gap);
        prev_ledger = counts.ledger;
        prev_received = received;
    }
    eprintln!(
        "crash: {ROUNDS} SIGKILLs ({kills_mid_setup} during start-up), {prev_received} calls \
         received, ledger {prev_ledger}, largest per-kill gap {max_gap} (bound {CONCURRENCY}), {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The test must have exercised real traffic, not just empty starts.
    assert!(
        prev_received >= ROUNDS as u64,
        "only {prev_received} calls reached the sandbox"
    );

    // A restart (a gateway starting with no other alive) settles the calls
    // the last kill left pending, still counted (issue 16 item 8).
    let store = Store::open(desk_core::paths::database_path(home.path())).unwrap();
    let pending = || -> i64 {
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
    let left = pending();
    let api = Api::new(
        store.clone(),
        Arc::new(MemoryVault::new()),
        Arc::new(ManualClock::new(Utc.timestamp_millis_opt(now_ms).unwrap())),
    );
    assert_eq!(pending(), 0, "a restart left {left} calls pending");
    let after = ledger_counts(home.path(), &demo.appkey);
    assert_eq!((after.ledger, after.call_log), (prev_ledger, prev_ledger));
    eprintln!(
        "crash: {kills_leaving_pending} kills left {left_pending} calls pending, each settled \
         at the next start ({left} by the final restart), all still counted"
    );
    drop(api);
    drop(running);
    drop(rt);
}
