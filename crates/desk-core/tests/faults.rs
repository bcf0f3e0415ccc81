//! Fault injection (issue 8 item 3): with the sandbox failing in every way
//! it can (HTTP 5xx, the API's own error, malformed bodies, connection
//! resets, answers slower than the timeout, a skewed gateway clock), every
//! user-facing operation of the core — verify, one link, a batch, an order
//! sync — ends quickly with a typed error whose code the UI translates, and
//! the ledger accounts for every request the sandbox saw (no silent spend
//! by retries). Afterwards the same sync resumes and completes, and the
//! same batch input costs calls only for the rows that failed.

use desk_core::gateway::api::ApiOptions;
use desk_core::links::batch::{self, BatchDefaults};
use desk_core::links::{self, LinkRequest, TargetKind};
use desk_core::orders::sync::{self, SyncOptions};
use desk_core::orders::{self, OrderFilter};
use desk_core::profiles::verify;
use desk_core::profiles::{Generation, Tier};
use desk_core::{Clock, ErrorCode};
use sandbox::{FaultConfig, FaultKind, FaultRule, TimeType};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_millis(600);
/// An operation must end within this, whatever the fault (responsiveness).
const BOUND: Duration = Duration::from_secs(8);

mod common;

use common::SandboxHarness as H;

async fn harness(generation: Generation) -> H {
    common::setup()
        .name("faults")
        .generation(generation)
        .tier(Tier::T15000)
        .orders_per_month(3000)
        .api_options(ApiOptions {
            connect_timeout: TIMEOUT,
            timeout: TIMEOUT,
        })
        .start()
        .await
}

impl H {
    /// Every API request the sandbox saw, served or not.
    fn seen(&self) -> u64 {
        let d = self
            .sandbox
            .admin()
            .day_stats(&self.profile.appkey)
            .unwrap_or_default();
        d.calls + d.faults + d.refused_auth + d.refused_quota + d.refused_rate
    }

    fn ledger(&self) -> u64 {
        u64::from(self.ledger_used())
    }

    fn link(&self, n: u32) -> LinkRequest {
        let (kind, target) = match self.profile.generation {
            Generation::Legacy => (TargetKind::Act, "33".to_string()),
            Generation::Media => (TargetKind::Act, "33".to_string()),
        };
        LinkRequest {
            target_kind: kind,
            target,
            sid: format!("fault{n}"),
            link_types: vec![1],
            short_link: false,
        }
    }
}

/// Every code a user can see must have a sentence in both languages.
fn assert_translated(code: ErrorCode) {
    let key = serde_json::to_value(code).unwrap();
    let key = key.as_str().unwrap();
    for lang in ["en", "zh-CN"] {
        let path = format!(
            "{}/../../ui/src/lib/i18n/{lang}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let sentence = json["error"][key].as_str().unwrap_or("");
        assert!(
            !sentence.trim().is_empty(),
            "{lang}: no translation for error.{key}"
        );
    }
}

fn rule(kind: FaultKind) -> FaultRule {
    FaultRule {
        path: None,
        kind,
        rate: 1.0,
        latency_ms: 0,
        status: None,
        times: None,
    }
}

struct Scenario {
    name: &'static str,
    config: FaultConfig,
    /// Codes acceptable for this fault (one unless the protocol leaves a choice).
    codes: &'static [ErrorCode],
}

fn scenarios() -> Vec<Scenario> {
    let one = |kind| FaultConfig {
        rules: vec![rule(kind)],
        ..Default::default()
    };
    let mut slow = rule(FaultKind::Latency);
    slow.latency_ms = 3 * TIMEOUT.as_millis() as u64;
    let mut s502 = rule(FaultKind::Http5xx);
    s502.status = Some(502);
    vec![
        Scenario {
            name: "http 503",
            config: one(FaultKind::Http5xx),
            codes: &[ErrorCode::Http],
        },
        Scenario {
            name: "http 502",
            config: FaultConfig {
                rules: vec![s502],
                ..Default::default()
            },
            codes: &[ErrorCode::Http],
        },
        Scenario {
            name: "api error body",
            config: one(FaultKind::Error),
            codes: &[ErrorCode::Api],
        },
        Scenario {
            name: "malformed body",
            config: one(FaultKind::Malformed),
            codes: &[ErrorCode::Decode],
        },
        Scenario {
            name: "connection reset",
            config: one(FaultKind::Reset),
            codes: &[ErrorCode::Network],
        },
        Scenario {
            name: "slower than the timeout",
            config: FaultConfig {
                rules: vec![slow],
                ..Default::default()
            },
            codes: &[ErrorCode::Timeout],
        },
        Scenario {
            name: "gateway clock 10 min ahead",
            config: FaultConfig {
                clock_offset_ms: 10 * 60 * 1000,
                ..Default::default()
            },
            codes: &[ErrorCode::ClockSkew],
        },
    ]
}

async fn timed<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let out = tokio::time::timeout(BOUND, f)
        .await
        .unwrap_or_else(|_| panic!("{what} hung for more than {BOUND:?}"));
    assert!(started.elapsed() < BOUND);
    out
}

async fn every_operation_fails_cleanly(generation: Generation) {
    let h = harness(generation).await;
    let mut n = 0;
    for s in scenarios() {
        h.sandbox.admin().set_faults(s.config.clone());
        let (seen0, ledger0) = (h.seen(), h.ledger());
        let ctx = |op: &str| format!("{} / {} / {op}", generation.as_str(), s.name);
        let check = |op: &str, code: ErrorCode| {
            assert!(
                s.codes.contains(&code),
                "{}: got {code:?}, want one of {:?}",
                ctx(op),
                s.codes
            );
            assert_translated(code);
        };

        // Verify reports the problem rather than failing.
        let report = timed(&ctx("verify"), verify::verify(&h.api, &h.profile.id))
            .await
            .unwrap();
        assert!(!report.ok, "{}: verify passed under a fault", ctx("verify"));
        check("verify", report.code.expect("verify names a code"));
        assert!(!report.message.is_empty());

        // One link.
        n += 1;
        let err = timed(
            &ctx("link"),
            links::generate(&h.api, &h.profile, &h.link(n)),
        )
        .await
        .unwrap_err();
        check("link", err.code());

        // A batch of three distinct links: every row ends in a typed error.
        let input = (0..3)
            .map(|i| format!("33,b{n}x{i},1"))
            .collect::<Vec<_>>()
            .join("\n");
        let parsed = batch::parse(&input, &BatchDefaults::default()).unwrap();
        let created =
            batch::create(&h.store, h.clock.as_ref(), &h.profile, &parsed, "faults").unwrap();
        let report = timed(
            &ctx("batch"),
            batch::run(h.api.clone(), &h.profile, created.id, 3, None),
        )
        .await
        .unwrap();
        assert_eq!(report.counts.error, 3, "{}: {report:?}", ctx("batch"));
        for row in batch::rows(&h.store, created.id, 0, 10).unwrap() {
            check("batch row", row.error_code.expect("row error code"));
        }

        // An order sync stops at the first failed page with a typed error.
        let err = timed(
            &ctx("sync"),
            sync::sync(
                &h.api,
                &h.profile,
                &SyncOptions {
                    initial_days: Some(2),
                    ..Default::default()
                },
                None,
            ),
        )
        .await
        .unwrap_err();
        check("sync", err.code());

        // No silent spend: each request the sandbox saw is in the ledger,
        // and nothing was sent twice behind the user's back (1 verify +
        // 1 link + 3 batch rows + 1 sync page).
        // A request given up on by the timeout may or may not have been
        // counted by the server (here the sandbox drops it): the ledger
        // counts it either way, so it may only be above the server.
        let (seen, ledger) = (h.seen() - seen0, h.ledger() - ledger0);
        assert_eq!(ledger, 6, "{}: retries or missing calls", ctx("all"));
        if s.codes == [ErrorCode::Timeout] {
            assert!(
                seen <= ledger,
                "{}: sandbox {seen} > ledger {ledger}",
                ctx("all")
            );
        } else {
            assert_eq!(ledger, seen, "{}: ledger vs sandbox", ctx("all"));
        }
    }

    // Faults gone: the interrupted sync resumes and completes, and stores
    // exactly what the sandbox serves.
    h.sandbox.admin().clear_faults();
    let opts = SyncOptions {
        initial_days: Some(2),
        ..Default::default()
    };
    let plan = sync::plan(&h.api, &h.profile, &opts).unwrap();
    let (seen0, ledger0) = (h.seen(), h.ledger());
    let done = sync::sync(&h.api, &h.profile, &opts, None).await.unwrap();
    assert!(done.complete);
    assert_eq!(u64::from(done.calls), h.seen() - seen0);
    assert_eq!(u64::from(done.calls), h.ledger() - ledger0);
    let want = h
        .sandbox
        .admin()
        .orders_in_range(&h.profile.appkey, plan.from, plan.to, TimeType::Modified)
        .unwrap();
    let stored = orders::all(&h.store, &h.profile.id, &OrderFilter::default()).unwrap();
    assert!(want.count > 0);
    assert_eq!(stored.len() as u64, want.count);
    let _ = h.clock.now();
}

/// A batch hit by a burst of faults: after they stop, the same input run
/// again calls only for the rows that failed; the ones that worked come
/// from the library at no cost.
async fn batch_resumes_after_faults(generation: Generation) {
    let h = harness(generation).await;
    let input = (0..10)
        .map(|i| format!("33,r{i},1"))
        .collect::<Vec<_>>()
        .join("\n");
    let parsed = batch::parse(&input, &BatchDefaults::default()).unwrap();
    let mut burst = rule(FaultKind::Http5xx);
    burst.times = Some(4);
    h.sandbox.admin().set_faults(FaultConfig {
        rules: vec![burst],
        ..Default::default()
    });
    let first = batch::create(&h.store, h.clock.as_ref(), &h.profile, &parsed, "a").unwrap();
    let seen0 = h.seen();
    let r1 = batch::run(h.api.clone(), &h.profile, first.id, 1, None)
        .await
        .unwrap();
    assert_eq!((r1.counts.error, r1.counts.done), (4, 6), "{r1:?}");
    assert_eq!(u64::from(r1.calls), h.seen() - seen0);

    h.sandbox.admin().clear_faults();
    let again = batch::create(&h.store, h.clock.as_ref(), &h.profile, &parsed, "b").unwrap();
    let seen1 = h.seen();
    let r2 = batch::run(h.api.clone(), &h.profile, again.id, 2, None)
        .await
        .unwrap();
    assert_eq!(r2.counts.error, 0, "{r2:?}");
    assert_eq!(r2.calls, 4, "only the failed rows cost a call");
    assert_eq!(h.seen() - seen1, 4);
    assert_eq!(h.ledger(), h.seen());

    // The first batch itself, resumed: "retry failed rows" puts its four
    // 5xx rows back in the queue; they now come from the library (the
    // second batch fetched them), so finishing it costs nothing.
    assert_eq!(batch::retry_errors(&h.store, first.id).unwrap(), 4);
    let plan = batch::plan(&h.api, &h.profile, first.id).unwrap();
    assert_eq!(
        (plan.counts.pending, plan.calls_needed, plan.from_library),
        (4, 0, 4)
    );
    let seen2 = h.seen();
    let r3 = batch::run(h.api.clone(), &h.profile, first.id, 2, None)
        .await
        .unwrap();
    assert_eq!(
        (r3.counts.error, r3.counts.pending, r3.calls),
        (0, 0, 0),
        "{r3:?}"
    );
    assert_eq!(r3.counts.done + r3.counts.library, 10, "{r3:?}");
    assert_eq!(h.seen(), seen2, "no call for rows the library holds");
    assert_eq!(batch::retry_errors(&h.store, first.id).unwrap(), 0);
}

/// A burst-limited batch resumed on the same batch: only the rows refused
/// for a passing reason are retried, and each costs exactly one call.
async fn failed_rows_are_retried_on_the_same_batch(generation: Generation) {
    let h = harness(generation).await;
    let input = (0..6)
        .map(|i| format!("33,q{i},1"))
        .collect::<Vec<_>>()
        .join("\n");
    let parsed = batch::parse(&input, &BatchDefaults::default()).unwrap();
    let mut burst = rule(FaultKind::Http5xx);
    burst.times = Some(3);
    h.sandbox.admin().set_faults(FaultConfig {
        rules: vec![burst],
        ..Default::default()
    });
    let b = batch::create(&h.store, h.clock.as_ref(), &h.profile, &parsed, "retry").unwrap();
    let r1 = batch::run(h.api.clone(), &h.profile, b.id, 1, None)
        .await
        .unwrap();
    assert_eq!((r1.counts.error, r1.counts.done), (3, 3), "{r1:?}");
    h.sandbox.admin().clear_faults();
    assert_eq!(batch::retry_errors(&h.store, b.id).unwrap(), 3);
    let seen = h.seen();
    let r2 = batch::run(h.api.clone(), &h.profile, b.id, 2, None)
        .await
        .unwrap();
    assert_eq!(
        (r2.counts.error, r2.counts.done, r2.calls),
        (0, 6, 3),
        "{r2:?}"
    );
    assert_eq!(
        h.seen() - seen,
        3,
        "one call per retried row, none for finished rows"
    );
    assert_eq!(h.ledger(), h.seen());
    let err = batch::retry_errors(&h.store, 9_999).unwrap_err();
    assert_eq!(err.code(), desk_core::ErrorCode::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_failed_rows_are_retried_on_the_same_batch() {
    failed_rows_are_retried_on_the_same_batch(Generation::Legacy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_failed_rows_are_retried_on_the_same_batch() {
    failed_rows_are_retried_on_the_same_batch(Generation::Media).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_operations_fail_cleanly_and_resume() {
    every_operation_fails_cleanly(Generation::Legacy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_operations_fail_cleanly_and_resume() {
    every_operation_fails_cleanly(Generation::Media).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_batch_resumes_after_faults() {
    batch_resumes_after_faults(Generation::Legacy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_batch_resumes_after_faults() {
    batch_resumes_after_faults(Generation::Media).await;
}
