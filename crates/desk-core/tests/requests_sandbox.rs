//! End to end against the sandbox console: API authorization, frequency
//! requests granted and refused, the special-case request drafted from the
//! user's figures, the callback registered at the local receiver and the
//! sandbox's signed pushes arriving in its feed.

use chrono::Utc;
use desk_core::callback::{self, start_receiver, FeedOutcome, ReceiverConfig};
use desk_core::console::applications::{self, RequestKind, RequestStatus};
use desk_core::console::authorization;
use desk_core::console::sandbox::SandboxConsole;
use desk_core::gateway::quota::QuotaLedger;
use desk_core::profiles::{self, AuthStatus, Endpoint, Generation, NewProfile, Profile, Tier};
use desk_core::secrets::vault::{MemoryVault, SecretKind, Vault};
use desk_core::{Store, SystemClock};
use std::sync::Arc;
use std::time::Duration;

struct Fx {
    _dir: tempfile::TempDir,
    store: Store,
    vault: MemoryVault,
    sandbox: sandbox::RunningSandbox,
    console: SandboxConsole,
    profile: Profile,
}

async fn fx(orders_per_month: u32, authorized: bool, special: sandbox::SpecialCaseOutcome) -> Fx {
    let config = sandbox::SandboxConfig {
        orders_per_month,
        demo_authorized: authorized,
        special_case_outcome: special,
        console_delays: sandbox::ConsoleDelays {
            first_authorization: Duration::from_millis(300),
            second_authorization: Duration::from_millis(300),
            special_case: Duration::from_millis(300),
        },
        ..sandbox::SandboxConfig::default()
    };
    let sandbox = sandbox::Sandbox::start(config).await.unwrap();
    let demo = sandbox.demo_account();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.sqlite3")).unwrap();
    let vault = MemoryVault::new();
    let profile = profiles::create(
        &store,
        &vault,
        &SystemClock,
        NewProfile {
            name: "sandbox".into(),
            appkey: demo.appkey.clone(),
            generation: Generation::Legacy,
            endpoint: Endpoint::EmbeddedSandbox,
            tier: Tier::T2000,
            api_secret: Some(demo.secret.clone()),
            callback_secret: None,
        },
    )
    .unwrap();
    let console = SandboxConsole::new(sandbox.base_url()).unwrap();
    Fx {
        _dir: dir,
        store,
        vault,
        sandbox,
        console,
        profile,
    }
}

#[tokio::test]
async fn authorization_goes_applying_then_open() {
    let f = fx(300, false, sandbox::SpecialCaseOutcome::Granted).await;
    let clock = SystemClock;
    let v = authorization::view(&f.store, &clock, &f.profile.id).unwrap();
    assert_eq!(v.status, AuthStatus::NotOpen);
    let v = authorization::apply_sandbox(&f.store, &clock, &f.console, &f.profile.id)
        .await
        .unwrap();
    assert_eq!(v.status, AuthStatus::Applying);
    assert_eq!(v.applications, 1);
    // A first application is answered within about an hour.
    let applied =
        desk_core::console::workdays::parse_instant(v.applied_at.as_deref().unwrap()).unwrap();
    let due = desk_core::console::workdays::parse_instant(v.due_at.as_deref().unwrap()).unwrap();
    assert_eq!(due - applied, chrono::Duration::hours(1));
    // Applying twice is refused locally.
    assert!(
        authorization::apply_sandbox(&f.store, &clock, &f.console, &f.profile.id)
            .await
            .is_err()
    );
    // Still pending right away.
    let v = authorization::refresh_sandbox(&f.store, &clock, &f.console, &f.profile.id)
        .await
        .unwrap();
    assert_eq!(v.status, AuthStatus::Applying);
    tokio::time::sleep(Duration::from_millis(450)).await;
    let v = authorization::refresh_sandbox(&f.store, &clock, &f.console, &f.profile.id)
        .await
        .unwrap();
    assert_eq!(v.status, AuthStatus::Open);
    let req = v.request.unwrap();
    assert_eq!(req.kind, RequestKind::Authorization);
    assert_eq!(req.status, RequestStatus::Granted);
    assert!(req.answered_at.is_some());
}

#[test]
fn a_second_application_is_due_in_two_working_days() {
    let applied = desk_core::console::workdays::parse_instant("2025-09-30T10:00:00+08:00").unwrap();
    assert_eq!(
        desk_core::clock::beijing_rfc3339(authorization::due_time(applied, 2)),
        "2025-10-10T10:00:00+08:00"
    );
    assert_eq!(
        desk_core::clock::beijing_rfc3339(authorization::due_time(applied, 1)),
        "2025-09-30T11:00:00+08:00"
    );
}

#[tokio::test]
async fn a_granted_frequency_request_changes_the_limit_the_ledger_uses() {
    // 1500 paid orders a month in the sandbox qualify for 3000/day.
    let f = fx(1500, true, sandbox::SpecialCaseOutcome::Granted).await;
    let clock = Arc::new(SystemClock);
    let ledger = QuotaLedger::new(f.store.clone(), clock.clone());
    assert_eq!(ledger.status(&f.profile).unwrap().limit, Some(2000));
    let req =
        applications::file_frequency_sandbox(&f.store, clock.as_ref(), &f.console, &f.profile.id)
            .await
            .unwrap();
    assert_eq!(req.kind, RequestKind::Frequency);
    assert_eq!(req.status, RequestStatus::Granted, "{req:?}");
    assert_eq!(req.tier_after, Some(Tier::T3000));
    let profile = profiles::get(&f.store, &f.profile.id).unwrap();
    assert_eq!(profile.tier, Tier::T3000);
    assert_eq!(ledger.status(&profile).unwrap().limit, Some(3000));
    assert_eq!(
        f.sandbox.admin().tier(&profile.appkey),
        Some(sandbox::Tier::T3000)
    );
    let history = applications::history(&f.store, clock.as_ref(), &f.profile.id).unwrap();
    assert_eq!(history.len(), 1);
}

#[tokio::test]
async fn a_refused_frequency_request_leads_to_a_special_case_request() {
    let f = fx(300, true, sandbox::SpecialCaseOutcome::Granted).await;
    let clock = Arc::new(SystemClock);
    let ledger = QuotaLedger::new(f.store.clone(), clock.clone());
    let req =
        applications::file_frequency_sandbox(&f.store, clock.as_ref(), &f.console, &f.profile.id)
            .await
            .unwrap();
    assert_eq!(req.status, RequestStatus::Refused);
    assert_eq!(
        profiles::get(&f.store, &f.profile.id).unwrap().tier,
        Tier::T2000
    );

    let draft =
        applications::draft_special_case(&f.store, &ledger, clock.as_ref(), &f.profile.id).unwrap();
    assert!(
        draft.text.contains("特申请将调用频次提升至3000次/天"),
        "{}",
        draft.text
    );
    assert_eq!(draft.figures.requested_tier, Some(Tier::T3000));
    assert_eq!(draft.figures.tier.months.len(), 4);
    // Nothing synced: the draft states no monthly figure at all (an
    // estimate from missing months would be too low and is not Meituan's).
    assert!(!draft.figures.tier.history_complete);
    assert!(!draft.text.contains("月均"), "{}", draft.text);
    // With synced history covering the months, our estimate is given and
    // said to be one; never as the console's figure.
    let mut covered = draft.figures.clone();
    covered.tier.source = desk_core::console::tiers::AverageSource::Estimate;
    covered.tier.history_complete = true;
    covered.tier.estimated_average = 900;
    let profile = profiles::get(&f.store, &f.profile.id).unwrap();
    let estimated = applications::draft_text(&profile, &covered);
    assert!(
        estimated.contains("估算月均约900单（以联盟后台数据为准）"),
        "{estimated}"
    );
    assert!(!estimated.contains("数据中心显示"), "{estimated}");
    // With the console's own figure typed in, the draft quotes it as such.
    desk_core::console::tiers::set_console_figure(
        &f.store.connect().unwrap(),
        &f.profile.id,
        Some(1200),
        "2026-12-05T10:00:00+08:00",
    )
    .unwrap();
    let quoted =
        applications::draft_special_case(&f.store, &ledger, clock.as_ref(), &f.profile.id).unwrap();
    assert!(
        quoted.text.contains("联盟后台数据中心显示月均订单量1200单"),
        "{}",
        quoted.text
    );
    // The user edits the draft before sending it.
    let edited = format!("{}（补充：近期新增推广位较多）", draft.text);
    let req = applications::file_special_case_sandbox(
        &f.store,
        clock.as_ref(),
        &f.console,
        &f.profile.id,
        &edited,
        None,
    )
    .await
    .unwrap();
    assert_eq!(req.kind, RequestKind::SpecialCase);
    assert_eq!(req.status, RequestStatus::Filed);
    assert_eq!(req.justification.as_deref(), Some(edited.as_str()));
    let filed = desk_core::console::workdays::parse_instant(&req.filed_at).unwrap();
    assert_eq!(
        req.due_at,
        desk_core::console::workdays::due_after(filed, 2).due_at
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    let history =
        applications::refresh_sandbox(&f.store, clock.as_ref(), &f.console, &f.profile.id)
            .await
            .unwrap();
    let special = history
        .iter()
        .find(|r| r.kind == RequestKind::SpecialCase)
        .unwrap();
    assert_eq!(special.status, RequestStatus::Granted);
    let profile = profiles::get(&f.store, &f.profile.id).unwrap();
    assert_eq!(profile.tier, Tier::T3000);
    assert_eq!(ledger.status(&profile).unwrap().limit, Some(3000));
    assert_eq!(history.len(), 2);
}

#[tokio::test]
async fn a_refused_special_case_request_is_recorded() {
    let f = fx(300, true, sandbox::SpecialCaseOutcome::Refused).await;
    let clock = SystemClock;
    // A special case follows a refused frequency request (seed `:18`).
    let refused = applications::file_frequency_sandbox(&f.store, &clock, &f.console, &f.profile.id)
        .await
        .unwrap();
    assert_eq!(refused.status, RequestStatus::Refused);
    applications::file_special_case_sandbox(
        &f.store,
        &clock,
        &f.console,
        &f.profile.id,
        "理由",
        None,
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await;
    let history = applications::refresh_sandbox(&f.store, &clock, &f.console, &f.profile.id)
        .await
        .unwrap();
    let special = history
        .iter()
        .find(|r| r.kind == RequestKind::SpecialCase)
        .unwrap();
    assert_eq!(special.status, RequestStatus::Refused);
    assert_eq!(
        profiles::get(&f.store, &f.profile.id).unwrap().tier,
        Tier::T2000
    );
}

#[tokio::test]
async fn sandbox_pushes_arrive_at_the_local_receiver() {
    let f = fx(300, true, sandbox::SpecialCaseOutcome::Granted).await;
    let clock = Arc::new(SystemClock);
    // Start without a secret: the registration below issues it.
    let receiver = start_receiver(
        f.store.clone(),
        clock.clone(),
        ReceiverConfig::loopback(0, f.profile.id.clone(), meituan_union::Secret::from("")),
    )
    .await
    .unwrap();
    let cfg = callback::register_sandbox(
        &f.store,
        &f.vault,
        clock.as_ref(),
        &f.console,
        &f.profile.id,
        &receiver.url(),
    )
    .await
    .unwrap();
    assert_eq!(cfg.url.as_deref(), Some(receiver.url().as_str()));
    assert!(cfg.has_secret);
    let secret = f
        .vault
        .get(&f.profile.id, SecretKind::CallbackSecret)
        .unwrap()
        .unwrap();
    assert_eq!(
        secret.expose(),
        f.sandbox
            .callback_secret(&f.profile.appkey)
            .unwrap()
            .expose()
    );
    receiver.set_secret(secret.clone());

    let admin = f.sandbox.admin();
    let id = admin
        .inject_order(sandbox::NewOrder {
            appkey: Some(f.profile.appkey.clone()),
            ..Default::default()
        })
        .unwrap();
    let mut stored = Vec::new();
    for _ in 0..50 {
        stored = receiver
            .feed_after(0)
            .into_iter()
            .filter(|i| i.outcome == FeedOutcome::Stored)
            .collect();
        if !stored.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        stored
            .iter()
            .any(|i| i.order_id.as_deref() == Some(id.as_str())),
        "feed: {:?}, deliveries: {:?}",
        receiver.feed_after(0),
        admin.deliveries()
    );
    assert!(receiver
        .feed_after(0)
        .iter()
        .all(|i| i.outcome != FeedOutcome::Rejected));

    // The test push to the same receiver with the stored secret passes.
    let report = callback::send_test_push(
        &receiver.url(),
        &secret,
        &f.profile.appkey,
        Utc::now(),
        callback::TestPushOptions::default(),
    )
    .await;
    assert!(report.ok, "{report:?}");
    assert_eq!(report.forged_accepted, Some(false));
}

/// A real account: the user records a frequency request filed in the
/// console. It waits for its answer (due by the working-day calendar, our
/// assumption), and is not "overdue" the moment it is recorded (issue 19
/// item 6); only after the due time has passed is the answer due.
#[test]
fn a_recorded_real_frequency_request_waits_before_it_is_due() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.sqlite3")).unwrap();
    // Friday 2026-12-04 16:00 Beijing: two working days on is Tuesday.
    let filed = desk_core::console::workdays::parse_instant("2026-12-04T16:00:00+08:00").unwrap();
    let clock = desk_core::clock::ManualClock::new(filed);
    let profile = profiles::create(
        &store,
        &MemoryVault::new(),
        &clock,
        NewProfile {
            name: "real".into(),
            appkey: "ak_real_0001".into(),
            generation: Generation::Legacy,
            endpoint: Endpoint::Meituan,
            tier: Tier::T2000,
            api_secret: None,
            callback_secret: None,
        },
    )
    .unwrap();
    let req = applications::file_frequency_manual(&store, &clock, &profile.id).unwrap();
    assert_eq!(req.status, RequestStatus::Filed);
    assert!(!req.answer_due, "overdue at once: {req:?}");
    assert!(req.due_at > req.filed_at, "{req:?}");
    assert_eq!(
        req.due_at,
        desk_core::clock::beijing_rfc3339(desk_core::console::workdays::due_instant(filed, 2))
    );
    // Still waiting on Monday; due once the time has passed.
    clock.set(desk_core::console::workdays::parse_instant("2026-12-07T16:00:00+08:00").unwrap());
    assert!(
        !applications::get(&store, &clock, req.id)
            .unwrap()
            .answer_due
    );
    clock.set(desk_core::console::workdays::parse_instant("2026-12-09T09:00:00+08:00").unwrap());
    assert!(
        applications::get(&store, &clock, req.id)
            .unwrap()
            .answer_due
    );
}
