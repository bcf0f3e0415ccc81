//! The tier advisor: the table at each boundary, the monthly-average
//! definition (which months, which statuses) on a real database.

use chrono::{DateTime, TimeZone, Utc};
use desk_core::clock::beijing;
use desk_core::console::tiers::{self, report_from_average, tier_for_average};
use desk_core::profiles::{self, Endpoint, Generation, NewProfile, Profile, Tier};
use desk_core::secrets::vault::MemoryVault;
use desk_core::{ManualClock, Store};

#[test]
fn table_boundaries() {
    let cases = [
        (0, Tier::T2000),
        (999, Tier::T2000),
        (1000, Tier::T3000),
        (1999, Tier::T3000),
        (2000, Tier::T6000),
        (4999, Tier::T6000),
        (5000, Tier::T15000),
        (9999, Tier::T15000),
        (10000, Tier::Unlimited),
        (1_000_000, Tier::Unlimited),
    ];
    for (n, tier) in cases {
        assert_eq!(tier_for_average(n), tier, "average {n}");
    }
}

/// (average, eligible limit, next limit (outer None: no next tier), orders needed)
type Case = (u64, Option<u32>, Option<Option<u32>>, u64);

#[test]
fn report_at_each_boundary_names_the_next_tier_and_the_gap() {
    // (average, eligible limit, next limit, orders needed)
    let cases: [Case; 9] = [
        (999, Some(2000), Some(Some(3000)), 1),
        (1000, Some(3000), Some(Some(6000)), 1000),
        (1999, Some(3000), Some(Some(6000)), 1),
        (2000, Some(6000), Some(Some(15000)), 3000),
        (4999, Some(6000), Some(Some(15000)), 1),
        (5000, Some(15000), Some(None), 5000),
        (9999, Some(15000), Some(None), 1),
        (10000, None, None, 0),
        (688, Some(2000), Some(Some(3000)), 312),
    ];
    for (avg, eligible, next, needed) in cases {
        let r = report_from_average(avg, vec![], Tier::T2000);
        assert_eq!(r.eligible_limit, eligible, "average {avg}");
        assert_eq!(r.next.as_ref().map(|n| n.limit), next, "average {avg}");
        if let Some(n) = &r.next {
            assert_eq!(n.orders_needed, needed, "average {avg}");
        }
        assert_eq!(r.current_limit, Some(2000));
        assert_eq!(r.can_request, avg >= 1000, "average {avg}");
    }
    // Already at the eligible tier: nothing to request.
    let r = report_from_average(2500, vec![], Tier::T6000);
    assert!(!r.can_request);
    let json = serde_json::to_value(&r).unwrap();
    for key in [
        "monthly_average",
        "months",
        "current_limit",
        "eligible_limit",
        "next",
    ] {
        assert!(json.get(key).is_some(), "{key} missing");
    }
    assert_eq!(json["next"]["limit"], 15000);
    assert_eq!(json["next"]["orders_needed"], 2500);

    // A request granted above the average (3000 with 98 orders a month):
    // the advisor speaks of the tier above the one the profile has, never
    // of one it already has.
    let r = report_from_average(98, vec![], Tier::T3000);
    assert_eq!(r.eligible_limit, Some(2000));
    assert_eq!(r.current_limit, Some(3000));
    assert!(!r.can_request);
    let next = r.next.expect("a tier above 3000");
    assert_eq!((next.limit, next.orders_needed), (Some(6000), 1902));
    // At the top tier there is nothing above, whatever the average.
    assert!(report_from_average(0, vec![], Tier::Unlimited)
        .next
        .is_none());
}

fn setup() -> (tempfile::TempDir, Store, Profile) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.sqlite3")).unwrap();
    let clock = ManualClock::new(Utc::now());
    let profile = profiles::create(
        &store,
        &MemoryVault::new(),
        &clock,
        NewProfile {
            name: "main".into(),
            appkey: "a1b2c3d4e5f60718293a4b5c6d7e8f90".into(),
            generation: Generation::Legacy,
            endpoint: Endpoint::EmbeddedSandbox,
            tier: Tier::T2000,
            api_secret: None,
            callback_secret: None,
        },
    )
    .unwrap();
    (dir, store, profile)
}

fn bj(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    beijing()
        .with_ymd_and_hms(y, m, d, h, min, s)
        .unwrap()
        .with_timezone(&Utc)
}

/// Inserts `n` orders paid at `at` with `status`.
fn orders(store: &Store, profile: &Profile, at: DateTime<Utc>, status: &str, n: u32, tag: &str) {
    let mut conn = store.connect().unwrap();
    let tx = conn.transaction().unwrap();
    for i in 0..n {
        tx.execute(
            "INSERT INTO orders (profile_id, order_id, pay_time, mod_time, status, raw_status, \
             pay_price_cents, profit_cents, raw_json, pay_day) VALUES (?1, ?2, ?3, ?3, ?4, 2, 1000, 30, '{}', ?5)",
            rusqlite::params![
                profile.id,
                format!("{tag}-{i}"),
                at.timestamp(),
                status,
                at.with_timezone(&beijing()).format("%Y-%m-%d").to_string()
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn monthly_average_counts_three_complete_beijing_months_and_the_right_statuses() {
    let (_dir, store, profile) = setup();
    let now = bj(2026, 3, 15, 12, 0, 0);
    // December 2025: outside the window.
    orders(
        &store,
        &profile,
        bj(2025, 12, 31, 23, 59, 59),
        "paid",
        5000,
        "dec",
    );
    // December 31 16:00 UTC is January 1 00:00 in Beijing: counts for January.
    orders(
        &store,
        &profile,
        Utc.with_ymd_and_hms(2025, 12, 31, 16, 0, 0).unwrap(),
        "paid",
        1000,
        "jan-edge",
    );
    orders(
        &store,
        &profile,
        bj(2026, 1, 10, 8, 0, 0),
        "completed",
        500,
        "jan",
    );
    orders(
        &store,
        &profile,
        bj(2026, 1, 11, 8, 0, 0),
        "cancelled",
        700,
        "jan-x",
    );
    orders(
        &store,
        &profile,
        bj(2026, 2, 5, 8, 0, 0),
        "settled",
        1200,
        "feb",
    );
    orders(
        &store,
        &profile,
        bj(2026, 2, 6, 8, 0, 0),
        "refunded",
        300,
        "feb-x",
    );
    orders(
        &store,
        &profile,
        bj(2026, 2, 7, 8, 0, 0),
        "risk",
        300,
        "feb-y",
    );
    // Feb 28 23:59:59 Beijing is still February.
    orders(
        &store,
        &profile,
        bj(2026, 2, 28, 23, 59, 59),
        "paid",
        1,
        "feb-last",
    );
    // The current month: shown, not counted.
    orders(
        &store,
        &profile,
        bj(2026, 3, 1, 0, 0, 0),
        "paid",
        9000,
        "mar",
    );

    let conn = store.connect().unwrap();
    let r = tiers::report(&conn, &profile, now).unwrap();
    let months: Vec<(String, u64, bool)> = r
        .months
        .iter()
        .map(|m| (m.month.clone(), m.orders, m.counted))
        .collect();
    assert_eq!(
        months,
        vec![
            ("2025-12".into(), 5000, true),
            ("2026-01".into(), 1500, true),
            ("2026-02".into(), 1201, true),
            ("2026-03".into(), 9000, false),
        ]
    );
    // Window is Dec, Jan, Feb for a "now" in March: (5000 + 1500 + 1201) / 3.
    assert_eq!(r.monthly_average, (5000 + 1500 + 1201) / 3);
    assert_eq!(r.eligible_tier, Tier::T6000);

    // In April the window moves to Jan–Mar and December drops out.
    let r = tiers::report(&conn, &profile, bj(2026, 4, 1, 0, 0, 0)).unwrap();
    assert_eq!(r.monthly_average, (1500 + 1201 + 9000) / 3);
    assert_eq!(r.months.last().unwrap().month, "2026-04");
}

#[test]
fn monthly_average_boundary_999_vs_1000_from_orders() {
    let (_dir, store, profile) = setup();
    let now = bj(2026, 5, 2, 9, 0, 0);
    orders(
        &store,
        &profile,
        bj(2026, 2, 3, 9, 0, 0),
        "paid",
        999,
        "feb",
    );
    orders(
        &store,
        &profile,
        bj(2026, 3, 3, 9, 0, 0),
        "paid",
        999,
        "mar",
    );
    orders(
        &store,
        &profile,
        bj(2026, 4, 3, 9, 0, 0),
        "paid",
        999,
        "apr",
    );
    let conn = store.connect().unwrap();
    let r = tiers::report(&conn, &profile, now).unwrap();
    assert_eq!(r.monthly_average, 999);
    assert_eq!(r.eligible_limit, Some(2000));
    assert_eq!(r.next.as_ref().unwrap().orders_needed, 1);
    // Three more orders in the window make the total 3000: average 1000.
    orders(
        &store,
        &profile,
        bj(2026, 4, 30, 23, 0, 0),
        "paid",
        3,
        "apr-more",
    );
    let r = tiers::report(&conn, &profile, now).unwrap();
    assert_eq!(r.monthly_average, 1000);
    assert_eq!(r.eligible_limit, Some(3000));
    assert!(r.can_request);
}

/// The kept per-month counts (migration 0008's triggers) must always equal a
/// count of the orders themselves, whatever the sync does to them: new
/// orders, status changes (refunds), a corrected pay time that moves an
/// order to another month, the same order re-upserted, deletions, and a
/// deleted profile.
#[test]
fn kept_month_counts_always_equal_a_count_of_the_orders() {
    let (_dir, store, profile) = setup();
    let conn = store.connect().unwrap();
    let statuses = [
        "paid",
        "completed",
        "settled",
        "refunded",
        "cancelled",
        "risk",
    ];
    let months: Vec<chrono::NaiveDate> = (1..=6)
        .map(|m| chrono::NaiveDate::from_ymd_opt(2026, m, 1).unwrap())
        .collect();
    // A small deterministic generator (no extra dependency): 64-bit LCG.
    let mut seed: u64 = 0x2026_1130;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let upsert = |id: u64, at: DateTime<Utc>, status: &str| {
        conn.execute(
            "INSERT INTO orders (profile_id, order_id, pay_time, mod_time, status, raw_status, \
             pay_price_cents, profit_cents, raw_json, pay_day) VALUES (?1, ?2, ?3, ?3, ?4, 2, 1000, 30, '{}', ?5)
             ON CONFLICT(profile_id, order_id) DO UPDATE SET pay_time = excluded.pay_time,
                status = excluded.status, pay_day = excluded.pay_day",
            rusqlite::params![
                profile.id,
                format!("o{id}"),
                at.timestamp(),
                status,
                at.with_timezone(&beijing()).format("%Y-%m-%d").to_string()
            ],
        )
        .unwrap();
    };
    let check = |round: u32| {
        let mut total = 0;
        for first in &months {
            let kept = tiers::count_month(&conn, &profile.id, *first).unwrap();
            let scanned = tiers::count_month_by_scan(&conn, &profile.id, *first).unwrap();
            assert_eq!(kept, scanned, "round {round}, month {first}");
            total += kept;
        }
        total
    };
    let mut seen_any = false;
    for round in 0..40 {
        for _ in 0..50 {
            let id = next(300);
            match next(10) {
                0 => {
                    conn.execute(
                        "DELETE FROM orders WHERE profile_id = ?1 AND order_id = ?2",
                        rusqlite::params![profile.id, format!("o{id}")],
                    )
                    .unwrap();
                }
                _ => {
                    // Around month ends too: the last and first Beijing hours.
                    let month = 1 + next(6) as u32;
                    let at = match next(3) {
                        0 => bj(2026, month, 1, 0, 0, 0),
                        1 => bj(2026, month, 1, 0, 0, 0) - chrono::Duration::seconds(1),
                        _ => bj(2026, month, 1 + next(27) as u32, next(24) as u32, 0, 0),
                    };
                    upsert(id, at, statuses[next(6) as usize]);
                }
            }
        }
        seen_any |= check(round) > 0;
    }
    assert!(seen_any, "the generator never produced a counted order");
    // Deleting the profile cascades to its orders and their counts.
    drop(conn);
    profiles::delete(&store, &MemoryVault::new(), &profile.id).unwrap();
    let conn = store.connect().unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM order_month_counts WHERE profile_id = ?1",
            [&profile.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

/// Sets the synced range the way a finished sync leaves it.
fn synced(store: &Store, profile: &Profile, from: DateTime<Utc>, until: DateTime<Utc>) {
    store
        .connect()
        .unwrap()
        .execute(
            "INSERT INTO order_sync_state (profile_id, synced_until, synced_from) VALUES (?1, ?2, ?3)",
            rusqlite::params![profile.id, until.timestamp(), from.timestamp()],
        )
        .unwrap();
}

#[test]
fn the_report_says_which_months_the_synced_history_covers() {
    let (_dir, store, profile) = setup();
    let now = bj(2026, 3, 10, 12, 0, 0);
    orders(
        &store,
        &profile,
        bj(2026, 1, 20, 9, 0, 0),
        "paid",
        900,
        "jan",
    );
    orders(
        &store,
        &profile,
        bj(2026, 2, 20, 9, 0, 0),
        "paid",
        1200,
        "feb",
    );
    let conn = store.connect().unwrap();

    // Never synced: nothing is covered; the estimate says so.
    let r = tiers::report(&conn, &profile, now).unwrap();
    assert!(!r.history_complete);
    assert_eq!(r.history_from, None);
    assert_eq!(r.source, tiers::AverageSource::Estimate);
    assert_eq!(r.counted_orders, 2100);
    // From 2025-12-01 00:00 Beijing to 03-10 12:00: 99 days and a half.
    assert_eq!(r.history_days_needed, 100);

    // Synced from mid-January: December and January are incomplete (too
    // low), February and the current month are covered.
    synced(&store, &profile, bj(2026, 1, 15, 0, 0, 0), now);
    let r = tiers::report(&conn, &profile, now).unwrap();
    let complete: Vec<(String, bool)> = r
        .months
        .iter()
        .map(|m| (m.month.clone(), m.complete))
        .collect();
    assert_eq!(
        complete,
        vec![
            ("2025-12".into(), false),
            ("2026-01".into(), false),
            ("2026-02".into(), true),
            ("2026-03".into(), true),
        ]
    );
    assert!(!r.history_complete);

    // Synced back to December: the estimate covers all three months.
    conn.execute(
        "UPDATE order_sync_state SET synced_from = ?2 WHERE profile_id = ?1",
        rusqlite::params![profile.id, bj(2025, 12, 1, 0, 0, 0).timestamp()],
    )
    .unwrap();
    let r = tiers::report(&conn, &profile, now).unwrap();
    assert!(r.history_complete);
    assert_eq!(r.monthly_average, 700);
}

#[test]
fn a_figure_typed_in_from_the_console_is_preferred_to_the_estimate() {
    let (_dir, store, profile) = setup();
    let now = bj(2026, 3, 10, 12, 0, 0);
    orders(
        &store,
        &profile,
        bj(2026, 2, 20, 9, 0, 0),
        "paid",
        600,
        "feb",
    );
    let conn = store.connect().unwrap();
    tiers::set_console_figure(&conn, &profile.id, Some(2300), "2026-03-10T12:00:00+08:00").unwrap();
    let r = tiers::report(&conn, &profile, now).unwrap();
    assert_eq!(r.source, tiers::AverageSource::Console);
    assert_eq!(r.monthly_average, 2300);
    assert_eq!(r.estimated_average, 200);
    assert_eq!(r.eligible_tier, Tier::T6000);
    assert!(r.can_request);
    assert_eq!(
        r.console_figure.as_ref().map(|c| c.monthly_orders),
        Some(2300)
    );
    // Too large a figure is refused and the stored one stays.
    let err =
        tiers::set_console_figure(&conn, &profile.id, Some(tiers::MAX_CONSOLE_FIGURE + 1), "x")
            .unwrap_err();
    assert_eq!(err.code(), desk_core::ErrorCode::InvalidInput);
    assert_eq!(
        tiers::report(&conn, &profile, now).unwrap().monthly_average,
        2300
    );
    // Cleared: back to the estimate.
    tiers::set_console_figure(&conn, &profile.id, None, "x").unwrap();
    let r = tiers::report(&conn, &profile, now).unwrap();
    assert_eq!(
        (r.source, r.monthly_average),
        (tiers::AverageSource::Estimate, 200)
    );
}
