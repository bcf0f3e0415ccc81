//! Order sync against the real sandbox on 127.0.0.1: what is stored equals
//! what the sandbox serves (ids, count, sums), a second sync makes only the
//! calls the changes need, an interrupted sync resumes without fetching a
//! page twice, and the reserve is respected. Ledger, report and the
//! sandbox's own call counter must agree everywhere.

use desk_core::orders::sync::{self, StopReason, SyncOptions};
use desk_core::orders::{self, OrderFilter, OrderStatus};
use desk_core::profiles::{Generation, Tier};
use desk_core::{Clock, ErrorCode, ManualClock};
use sandbox::{RunningSandbox, TimeType};
use std::collections::BTreeSet;
use std::sync::Arc;

mod common;

use common::SandboxHarness as Harness;

async fn harness(generation: Generation, orders_per_month: u32, tier: Tier) -> Harness {
    common::setup()
        .generation(generation)
        .tier(tier)
        .orders_per_month(orders_per_month)
        .start()
        .await
}

/// A fresh database and profile on a running sandbox and its clock.
fn attach(
    sandbox: Arc<RunningSandbox>,
    clock: Arc<ManualClock>,
    generation: Generation,
    tier: Tier,
) -> Harness {
    common::setup()
        .generation(generation)
        .tier(tier)
        .attach(sandbox, clock)
}

impl Harness {
    fn stored_ids(&self) -> BTreeSet<String> {
        orders::all(&self.store, &self.profile.id, &OrderFilter::default())
            .unwrap()
            .into_iter()
            .map(|o| o.order_id)
            .collect()
    }

    /// Asserts the stored orders are exactly the sandbox's orders modified
    /// in `[from, to]`: same ids, count and money sums.
    fn assert_equals_sandbox(&self, from: i64, to: i64) {
        let admin = self.sandbox.admin();
        let appkey = &self.profile.appkey;
        // Each generation sees the orders its own way: media orders change
        // again when they settle (status 6), legacy ones do not.
        let view = match self.profile.generation {
            Generation::Legacy => sandbox::View::Legacy,
            Generation::Media => sandbox::View::Media,
        };
        let ids: BTreeSet<String> = admin
            .order_ids_in_view(appkey, view, from, to, TimeType::Modified)
            .unwrap()
            .into_iter()
            .collect();
        assert!(!ids.is_empty(), "the sandbox served no orders to compare");
        assert_eq!(self.stored_ids(), ids, "stored order ids differ");
        let want = admin
            .orders_in_view(appkey, view, from, to, TimeType::Modified)
            .unwrap();
        let rows = orders::all(&self.store, &self.profile.id, &OrderFilter::default()).unwrap();
        assert_eq!(rows.len() as u64, want.count);
        let sum = |f: fn(&orders::OrderRow) -> i64| rows.iter().map(f).sum::<i64>();
        assert_eq!(sum(|o| o.pay_price_cents), want.payprice_cents);
        assert_eq!(sum(|o| o.profit_cents), want.profit_cents);
        assert_eq!(sum(|o| o.cpa_profit_cents), want.cpa_profit_cents);
        // Media coupon packs report no refunds (dtapps
        // media.query_order.go@c37755e:43), so the media view sums less.
        let refunds = match self.profile.generation {
            Generation::Legacy => want.refund_cents,
            Generation::Media => want.media_refund_cents,
        };
        assert_eq!(sum(|o| o.refund_price_cents), refunds);
        let count =
            |st: &[OrderStatus]| rows.iter().filter(|o| st.contains(&o.status)).count() as u64;
        assert_eq!(count(&[OrderStatus::Paid]), want.paid);
        // `completed` counts settled orders too; only media tells them apart.
        match self.profile.generation {
            Generation::Legacy => assert_eq!(count(&[OrderStatus::Completed]), want.completed),
            Generation::Media => {
                assert_eq!(count(&[OrderStatus::Settled]), want.settled);
                assert_eq!(
                    count(&[OrderStatus::Completed]),
                    want.completed - want.settled
                );
            }
        }
        assert_eq!(
            count(&[
                OrderStatus::Refunded,
                OrderStatus::Risk,
                OrderStatus::Cancelled
            ]),
            want.refunded_or_risk
        );
        // The screen's totals read the same rows.
        let stats = orders::stats(&self.store, &self.profile.id, &OrderFilter::default()).unwrap();
        assert_eq!(u64::from(stats.total.orders), want.count);
        assert_eq!(stats.total.pay_price_cents, want.payprice_cents);
        assert_eq!(
            stats.total.commission_cents,
            want.profit_cents + want.cpa_profit_cents
        );
        assert_eq!(
            stats.by_sid.iter().map(|s| s.pay_price_cents).sum::<i64>(),
            want.payprice_cents
        );
        assert_eq!(
            stats
                .by_day
                .iter()
                .map(|d| u64::from(d.orders))
                .sum::<u64>(),
            want.count
        );
    }
}

fn opts(days: u32) -> SyncOptions {
    SyncOptions {
        initial_days: Some(days),
        ..Default::default()
    }
}

async fn full_then_incremental(generation: Generation) {
    let h = harness(generation, 3000, Tier::T6000).await;
    let plan = sync::plan(&h.api, &h.profile, &opts(7)).unwrap();
    assert_eq!(plan.windows, 7);
    assert!(plan.fits);
    let first = sync::sync(&h.api, &h.profile, &opts(7), None)
        .await
        .unwrap();
    assert!(first.complete);
    assert_eq!(first.calls, first.pages);
    assert!(first.calls >= plan.min_calls);
    assert_eq!(u64::from(first.calls), h.sandbox_calls(), "sandbox count");
    assert_eq!(first.calls, h.ledger_used(), "ledger count");
    assert_eq!(first.updated, 0);
    h.assert_equals_sandbox(plan.from, plan.to);
    assert_eq!(first.synced_until, Some(plan.to));
    // The stored range the tier report reads.
    let range = |h: &Harness| {
        desk_core::orders::sync::sql::synced_range(&h.store.connect().unwrap(), &h.profile.id)
            .unwrap()
    };
    assert_eq!(range(&h), Some((plan.from, plan.to)));

    // Three hours later: new orders, completions, refunds.
    h.clock.advance(chrono::Duration::hours(3));
    let now = h.clock.now().timestamp();
    let admin = h.sandbox.admin();
    let changed = admin
        .order_ids_in_range(&h.profile.appkey, plan.to + 1, now, TimeType::Modified)
        .unwrap();
    assert!(!changed.is_empty(), "the sandbox changed nothing in 3 h");
    let before_calls = h.sandbox_calls();
    let plan2 = sync::plan(&h.api, &h.profile, &opts(7)).unwrap();
    assert_eq!(plan2.windows, 1);
    let second = sync::sync(&h.api, &h.profile, &opts(7), None)
        .await
        .unwrap();
    assert!(second.complete);
    // Only the calls the changes need: one window, one page per business
    // line (legacy) or per question (media: 到家, 到家 券包, 到店) while
    // under 100 changes.
    assert!(changed.len() < 100);
    let lines = match generation {
        Generation::Legacy => sync::legacy_lines().len() as u32,
        Generation::Media => meituan_union::lines::MEDIA_ORDER_PASSES.len() as u32,
    };
    assert_eq!(second.calls, lines);
    assert_eq!(u64::from(second.calls), h.sandbox_calls() - before_calls);
    assert_eq!(second.new + second.updated, changed.len() as u32);
    assert!(second.updated > 0, "no status change was picked up");
    h.assert_equals_sandbox(plan.from, now);
    assert_eq!(first.calls + second.calls, h.ledger_used());
    // Incremental runs keep where the history starts.
    assert_eq!(range(&h), Some((plan.from, now)));
    // Asked for 10 days while 7 are stored: one run reaches back to them.
    let longer = sync::plan(&h.api, &h.profile, &opts(10)).unwrap();
    assert_eq!(longer.from, now - 10 * 86_400 + 1);
    assert_eq!(longer.windows, 10);
    let back = sync::sync(&h.api, &h.profile, &opts(10), None)
        .await
        .unwrap();
    assert!(back.complete);
    assert_eq!(range(&h), Some((longer.from, now)));
    h.assert_equals_sandbox(longer.from, now);
}

#[tokio::test]
async fn legacy_sync_equals_the_sandbox_and_second_sync_is_incremental() {
    full_then_incremental(Generation::Legacy).await;
}

#[tokio::test]
async fn media_sync_equals_the_sandbox_and_second_sync_is_incremental() {
    full_then_incremental(Generation::Media).await;
}

async fn interrupted_resumes_without_repeating(generation: Generation) {
    // Reference: one uninterrupted sync on its own database.
    let h = harness(generation, 9000, Tier::T6000).await;
    let reference = sync::sync(&h.api, &h.profile, &opts(5), None)
        .await
        .unwrap();
    assert!(reference.pages > 12, "too few pages to interrupt");

    // Same sandbox and time, a fresh database: stop after 5 pages, then
    // after 4 more, then finish.
    let h2 = attach(h.sandbox.clone(), h.clock.clone(), generation, Tier::T6000);
    let before = h2.sandbox_calls();
    let mut stopped = opts(5);
    stopped.max_pages = Some(5);
    let a = sync::sync(&h2.api, &h2.profile, &stopped, None)
        .await
        .unwrap();
    assert_eq!(
        (a.pages, a.complete, a.stopped),
        (5, false, Some(StopReason::PageBudget))
    );
    let st = sync::status(&h2.store, &h2.profile.id).unwrap();
    assert!(st.interrupted);
    assert_eq!(st.pages_done, 5);
    // The progress the screen draws: 5 windows, some done, pages still due.
    assert_eq!(st.windows, 5);
    assert!(st.windows_done < st.windows, "{st:?}");
    assert!(st.pages_left_min > 0, "{st:?}");
    stopped.max_pages = Some(4);
    let b = sync::sync(&h2.api, &h2.profile, &stopped, None)
        .await
        .unwrap();
    assert_eq!(b.pages, 4);
    let plan = sync::plan(&h2.api, &h2.profile, &opts(5)).unwrap();
    assert!(plan.resumes);
    let c = sync::sync(&h2.api, &h2.profile, &opts(5), None)
        .await
        .unwrap();
    assert!(c.complete);
    assert_eq!(
        a.pages + b.pages + c.pages,
        reference.pages,
        "a page was fetched twice"
    );
    assert_eq!(u64::from(reference.pages), h2.sandbox_calls() - before);
    assert_eq!(h2.ledger_used(), reference.pages);
    assert_eq!(a.new + b.new + c.new, reference.new);
    let done = sync::status(&h2.store, &h2.profile.id).unwrap();
    assert!(!done.interrupted);
    assert_eq!((done.pages_left_min, done.windows), (0, 0));
    assert_eq!(
        h2.stored_ids(),
        h.stored_ids(),
        "the resumed sync stored other orders"
    );
}

#[tokio::test]
async fn legacy_interrupted_sync_resumes_without_repeating_a_page() {
    interrupted_resumes_without_repeating(Generation::Legacy).await;
}

#[tokio::test]
async fn media_interrupted_sync_resumes_without_repeating_a_page() {
    interrupted_resumes_without_repeating(Generation::Media).await;
}

#[tokio::test]
async fn a_sync_killed_mid_call_loses_at_most_the_call_in_flight() {
    let h = harness(Generation::Media, 9000, Tier::T6000).await;
    let reference = sync::sync(&h.api, &h.profile, &opts(5), None)
        .await
        .unwrap();
    let h2 = attach(
        h.sandbox.clone(),
        h.clock.clone(),
        Generation::Media,
        Tier::T6000,
    );
    let before = h2.sandbox_calls();
    let pages_seen = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let notify = Arc::new(tokio::sync::Notify::new());
    let cb = {
        let pages_seen = pages_seen.clone();
        let notify = notify.clone();
        move |p: &sync::SyncProgress| {
            pages_seen.store(p.pages, std::sync::atomic::Ordering::SeqCst);
            if p.pages == 6 {
                notify.notify_one();
            }
        }
    };
    // Drop the sync future right after page 6 is stored: like a kill.
    let o = opts(5);
    tokio::select! {
        _ = sync::sync(&h2.api, &h2.profile, &o, Some(&cb)) => panic!("finished before the kill"),
        _ = notify.notified() => {}
    }
    let st = sync::status(&h2.store, &h2.profile.id).unwrap();
    assert!(st.interrupted);
    assert!(st.pages_done >= 6);
    let rest = sync::sync(&h2.api, &h2.profile, &opts(5), None)
        .await
        .unwrap();
    assert!(rest.complete);
    let spent = h2.sandbox_calls() - before;
    // At most the one call in flight at the kill is repeated.
    assert!(
        spent <= u64::from(reference.pages) + 1,
        "{spent} calls for {} pages",
        reference.pages
    );
    assert_eq!(h2.stored_ids(), h.stored_ids());
}

#[tokio::test]
async fn the_reserve_is_kept_unless_allowed() {
    let h = harness(Generation::Legacy, 300, Tier::T2000).await;
    // 1,700 of 2,000 used: 300 left, 400 (20 %) reserved.
    let day = desk_core::clock::beijing_day(h.clock.now())
        .format("%Y-%m-%d")
        .to_string();
    h.store
        .connect()
        .unwrap()
        .execute(
            "INSERT INTO quota_days (appkey, day, used) VALUES (?1, ?2, 1700)",
            rusqlite::params![h.profile.appkey, day],
        )
        .unwrap();
    let plan = sync::plan(&h.api, &h.profile, &opts(2)).unwrap();
    assert_eq!(plan.remaining_today, Some(300));
    assert_eq!(plan.reserve, Some(400));
    assert_eq!(plan.usable, Some(0));
    assert!(!plan.fits);
    let err = sync::sync(&h.api, &h.profile, &opts(2), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("reserve"), "{err}");
    assert_eq!(h.sandbox_calls(), 0, "a refused sync made a call");
    let mut allowed = opts(2);
    allowed.allow_reserve = true;
    let r = sync::sync(&h.api, &h.profile, &allowed, None)
        .await
        .unwrap();
    assert!(r.complete);
    assert_eq!(u64::from(r.calls), h.sandbox_calls());

    // A smaller reserve lets an ordinary sync start again.
    sync::set_reserve_percent(&h.store, 5).unwrap();
    let plan = sync::plan(&h.api, &h.profile, &opts(2)).unwrap();
    assert_eq!(plan.reserve, Some(100));
    assert!(plan.fits, "{plan:?}");
}

#[tokio::test]
async fn a_sync_stops_at_the_reserve_and_resumes_later() {
    let h = harness(Generation::Media, 6000, Tier::T2000).await;
    sync::set_reserve_percent(&h.store, 20).unwrap();
    // 1,585 used: the estimate (5 windows × 3 questions) fits in the 15
    // calls left outside the reserve, but the first windows need more
    // pages than that.
    let day = desk_core::clock::beijing_day(h.clock.now())
        .format("%Y-%m-%d")
        .to_string();
    h.store
        .connect()
        .unwrap()
        .execute(
            "INSERT INTO quota_days (appkey, day, used) VALUES (?1, ?2, 1585)",
            rusqlite::params![h.profile.appkey, day],
        )
        .unwrap();
    let r = sync::sync(&h.api, &h.profile, &opts(5), None)
        .await
        .unwrap();
    assert_eq!(r.stopped, Some(StopReason::Reserve));
    assert_eq!(r.calls, 15);
    assert_eq!(h.ledger_used(), 1600);
    let mut allowed = opts(5);
    allowed.allow_reserve = true;
    let rest = sync::sync(&h.api, &h.profile, &allowed, None)
        .await
        .unwrap();
    assert!(rest.complete);
}

/// One sync per profile at a time, across processes: a second sync is
/// refused before any call while the first holds the lease, naming it; a
/// lease row left by a dead process is taken over at once (no expiry to
/// wait for); a sync whose lease was taken over stops at once and what it
/// stored stays, resumable. (`interrupted.rs` kills a real child process.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_one_sync_per_profile_runs_at_a_time() {
    use desk_core::orders::sync::sql as leases;
    let h = harness(Generation::Legacy, 3000, Tier::T6000).await;
    let now = || h.clock.now().timestamp();
    let lease_rows = || -> i64 {
        h.store
            .connect()
            .unwrap()
            .query_row("SELECT COUNT(*) FROM sync_leases", [], |r| r.get(0))
            .unwrap()
    };

    // A live holder (here this process, as `mtu orders sync` would be).
    let held = sync::SyncLease::acquire(&h.store, h.clock.as_ref(), &h.profile.id).unwrap();
    let before = h.sandbox_calls();
    let err = sync::sync(&h.api, &h.profile, &opts(2), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SyncRunning);
    let message = err.to_string();
    assert!(
        message.contains(&format!("pid {}", std::process::id()))
            && message.contains(&format!("since {}", held.holder().since)),
        "{message}"
    );
    assert_eq!(h.sandbox_calls(), before, "a refused sync made a call");
    drop(held);
    assert_eq!(lease_rows(), 0, "a dropped lease clears its row");

    // A row left by a process that died (it holds no lock any more), even
    // one that has not expired: taken over at once.
    let conn = h.store.connect().unwrap();
    assert!(leases::acquire_lease(
        &conn,
        &h.profile.id,
        "mtu-4242",
        now(),
        now() + sync::LEASE_SECS
    )
    .unwrap());
    let done = sync::sync(&h.api, &h.profile, &opts(2), None)
        .await
        .unwrap();
    assert!(done.complete && done.pages > 0, "{done:?}");
    assert_eq!(lease_rows(), 0, "the lease is dropped when the sync ends");

    // A second sync while the first is between two pages (held there by its
    // progress callback): refused at once; the first then finishes.
    h.clock.advance(chrono::Duration::hours(2));
    let (at_page, first_paused) = std::sync::mpsc::channel::<()>();
    let (resume, wait_resume) = std::sync::mpsc::channel::<()>();
    let wait_resume = std::sync::Mutex::new(wait_resume);
    let first = {
        let (api, profile) = (h.api.clone(), h.profile.clone());
        tokio::spawn(async move {
            let hold = move |p: &sync::SyncProgress| {
                if p.pages == 1 {
                    at_page.send(()).unwrap();
                    let rx = wait_resume.lock().unwrap();
                    rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
                }
            };
            sync::sync(&api, &profile, &opts(2), Some(&hold)).await
        })
    };
    tokio::task::spawn_blocking(move || {
        first_paused.recv_timeout(std::time::Duration::from_secs(30))
    })
    .await
    .unwrap()
    .expect("the first sync reached its first page");
    let calls = h.sandbox_calls();
    let second = sync::sync(&h.api, &h.profile, &opts(2), None).await;
    assert!(
        matches!(&second, Err(e) if e.code() == ErrorCode::SyncRunning),
        "{second:?}"
    );
    assert_eq!(h.sandbox_calls(), calls, "the refused sync made a call");
    resume.send(()).unwrap();
    let first = first.await.unwrap().unwrap();
    assert!(first.complete, "{first:?}");
    assert_eq!(lease_rows(), 0);

    // A sync whose lease another took over (it stalled past the lease) stops
    // before its next page; the pages it stored stay and a later sync resumes.
    let h2 = harness(Generation::Legacy, 9000, Tier::T6000).await;
    let store = h2.store.clone();
    let profile_id = h2.profile.id.clone();
    let steal = move |_: &sync::SyncProgress| {
        store
            .connect()
            .unwrap()
            .execute(
                "UPDATE sync_leases SET holder = 'another' WHERE profile_id = ?1",
                [&profile_id],
            )
            .unwrap();
    };
    let calls0 = h2.sandbox_calls();
    let err = sync::sync(&h2.api, &h2.profile, &opts(5), Some(&steal))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SyncRunning);
    assert_eq!(
        h2.sandbox_calls() - calls0,
        1,
        "exactly one page before it noticed"
    );
    assert!(sync::status(&h2.store, &h2.profile.id).unwrap().interrupted);
    h2.store
        .connect()
        .unwrap()
        .execute("DELETE FROM sync_leases", [])
        .unwrap();
    let rest = sync::sync(&h2.api, &h2.profile, &opts(5), None)
        .await
        .unwrap();
    assert!(rest.complete);
    assert_eq!(
        u64::from(rest.pages) + 1,
        h2.sandbox_calls() - calls0,
        "the resumed sync fetched no page twice"
    );
}

/// 查单 (issue 20 item 4): one order by id from the sandbox, stored; a
/// coupon-pack order found by asking line 7; a bad id costs nothing.
async fn lookup_one_order(generation: Generation) {
    use desk_core::orders::detail as order_detail;
    let h = harness(generation, 600, Tier::T6000).await;
    let now = h.clock.now().timestamp();
    let admin = h.sandbox.admin();
    let ids = admin
        .order_ids_in_range(&h.profile.appkey, now - 3 * 86_400, now, TimeType::Pay)
        .unwrap();
    assert!(!ids.is_empty());
    let id = &ids[0];

    let d = order_detail::lookup(&h.api, &h.profile, id).await.unwrap();
    assert_eq!(&d.order.order_id, id);
    assert!(d.stored);
    assert!(d.calls >= 1 && d.calls <= 3, "{} calls", d.calls);
    assert_eq!(u64::from(d.calls), h.sandbox_calls());
    assert_eq!(d.calls, h.ledger_used());
    assert!(d.line.is_some(), "no line: {d:?}");
    // Now stored: the screen reads it back without a call.
    let again = order_detail::detail(&h.store, &h.profile.id, id).unwrap();
    assert_eq!(again.order, d.order);
    assert_eq!(again.calls, 0);
    // Known now: a second lookup asks its line directly, one call.
    let before = h.sandbox_calls();
    let second = order_detail::lookup(&h.api, &h.profile, id).await.unwrap();
    assert_eq!(second.calls, 1);
    assert_eq!(h.sandbox_calls() - before, 1);

    // A bad id: refused here, nothing sent.
    let before = h.sandbox_calls();
    let err = order_detail::lookup(&h.api, &h.profile, "12ab")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(h.sandbox_calls(), before);

    // An id Meituan does not know.
    let err = order_detail::lookup(&h.api, &h.profile, "1")
        .await
        .unwrap_err();
    assert!(
        matches!(err.code(), ErrorCode::NotFound | ErrorCode::Api),
        "{err:?}"
    );
}

#[tokio::test]
async fn legacy_lookup_of_one_order() {
    lookup_one_order(Generation::Legacy).await;
}

#[tokio::test]
async fn media_lookup_of_one_order_including_a_coupon_pack() {
    lookup_one_order(Generation::Media).await;
    // A coupon-pack order (media line 7) is only answered when line 7 is
    // asked for; the lookup finds it anyway and shows its coupon lines.
    let h = harness(Generation::Media, 600, Tier::T6000).await;
    let now = h.clock.now().timestamp();
    let packs = h
        .sandbox
        .admin()
        .media_order_ids_in_range(
            &h.profile.appkey,
            now - 30 * 86_400,
            now,
            TimeType::Pay,
            Some(1),
            &[7],
        )
        .unwrap();
    let id = packs.first().expect("the sandbox serves coupon packs");
    let d = desk_core::orders::detail::lookup(&h.api, &h.profile, id)
        .await
        .unwrap();
    assert_eq!(d.order.line_key.as_deref(), Some("media:1:7"));
    assert_eq!(d.calls, 2, "到家 without 7, then 到家 券包");
    assert!(!d.coupons.is_empty(), "{d:?}");
    assert!(d.sku_count.is_some());
}

/// Issue 18 item 2: what a media sync stores reads back in full. 闪购红包
/// (media 1/2) orders arrive with their line; a refunded 到店 order, whose
/// refunds Meituan sends only in its coupon lines (dtapps
/// media.query_order.go@c37755e:37-39, `:43`), has them in the row's
/// totals and in each coupon line; a 闪购商品 order keeps its category id;
/// a refunded 到家 order shows the commission taken back.
#[tokio::test]
async fn media_details_carry_red_packets_coupon_refunds_and_categories() {
    use desk_core::orders::detail as order_detail;
    let h = harness(Generation::Media, 600, Tier::T6000).await;
    let run = sync::sync(&h.api, &h.profile, &opts(30), None)
        .await
        .unwrap();
    assert!(run.complete);
    let rows = orders::all(&h.store, &h.profile.id, &OrderFilter::default()).unwrap();
    let detail =
        |o: &orders::OrderRow| order_detail::detail(&h.store, &h.profile.id, &o.order_id).unwrap();
    let of_line = |key: &str| {
        rows.iter()
            .find(|o| o.line_key.as_deref() == Some(key))
            .cloned()
    };

    let red = of_line("media:1:2").expect("a 闪购红包 order");
    let d = detail(&red);
    assert_eq!(
        d.line.as_ref().and_then(|l| l.name_zh.as_deref()),
        Some("闪购红包")
    );
    assert!(d.status_known);

    let refunded_daodian = rows
        .iter()
        .filter(|o| o.platform == Some(2) && o.status == OrderStatus::Cancelled)
        .collect::<Vec<_>>();
    assert!(!refunded_daodian.is_empty(), "a refunded 到店 order");
    for o in refunded_daodian {
        assert_eq!(o.refund_price_cents, o.pay_price_cents, "{o:?}");
        assert_eq!(o.refund_profit_cents, o.profit_cents, "{o:?}");
        let d = detail(o);
        assert!(!d.coupons.is_empty());
        for c in &d.coupons {
            assert!(
                c.refund_fee_cents.is_some() && c.refund_time.is_some(),
                "{c:?}"
            );
        }
        let fees: i64 = d.coupons.iter().filter_map(|c| c.refund_fee_cents).sum();
        assert_eq!(fees, o.profit_cents);
        // No order-level refundProfit on 到店: the detail shows the coupon
        // lines' sum as the commission taken back.
        assert_eq!(d.refund_profit_cents, Some(fees), "{d:?}");
    }

    let goods = of_line("media:1:11").expect("a 闪购商品 order");
    let d = detail(&goods);
    assert!(d.category.is_some() && d.category_id.is_some(), "{d:?}");

    let refunded_daojia = rows
        .iter()
        .find(|o| o.line_key.as_deref() == Some("media:1:1") && o.status == OrderStatus::Cancelled)
        .expect("a refunded 外卖 order");
    let d = detail(refunded_daojia);
    assert_eq!(d.refund_profit_cents, Some(refunded_daojia.profit_cents));
    assert!(d.refund_time.is_some());
}
