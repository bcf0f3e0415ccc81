//! Monthly average and tier over 1,000,000 stored orders (issue 8: goal
//! ≤ 50 ms). `cargo bench -p desk-core --bench tier`.
//!
//! The orders are written straight into the `orders` table (the sync's own
//! path would take minutes and is measured by the sync bench), spread over
//! the four months the report reads, with a mix of statuses so the status
//! filter does real work. The figure is the median of several runs of
//! [`desk_core::console::tiers::report`] on a fresh connection, the way the screen
//! asks for it; the first (cold cache) run is printed apart.

use chrono::{TimeZone, Utc};
use desk_core::clock::beijing;
use desk_core::console::tiers;
use desk_core::profiles::{self, Endpoint, Generation, NewProfile, Tier};
use desk_core::secrets::vault::MemoryVault;
use desk_core::{ManualClock, Store};
use std::time::Instant;

const ORDERS: u32 = 1_000_000;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("tier bench: skipped (run with cargo bench)");
        return;
    }
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 4, 0, 0).unwrap();
    let clock = ManualClock::new(now);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("tier.sqlite3")).unwrap();
    let vault = MemoryVault::new();
    let profile = profiles::create(
        &store,
        &vault,
        &clock,
        NewProfile {
            name: "tier".into(),
            appkey: "0123456789abcdef0123456789abcdef".into(),
            generation: Generation::Legacy,
            endpoint: Endpoint::Custom("http://127.0.0.1:9".into()),
            tier: Tier::T2000,
            api_secret: None,
            callback_secret: None,
        },
    )
    .unwrap();

    let fill = Instant::now();
    let mut conn = store.connect().unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO orders (profile_id, order_id, pay_time, mod_time, sid, status,
                    raw_status, pay_price_cents, profit_cents, raw_json, pay_day)
                 VALUES (?1, ?2, ?3, ?3, 'sid', ?4, 1, 1000, 50, '{}', ?5)",
            )
            .unwrap();
        // 2025-11-01 .. 2026-03-10 Beijing, evenly.
        let from = Utc
            .with_ymd_and_hms(2025, 10, 31, 16, 0, 0)
            .unwrap()
            .timestamp();
        let span = now.timestamp() - from;
        let statuses = ["paid", "completed", "settled", "refunded", "risk"];
        for i in 0..ORDERS {
            let t = from + (i64::from(i) * span) / i64::from(ORDERS);
            stmt.execute(rusqlite::params![
                profile.id,
                format!("o{i:09}"),
                t,
                statuses[(i % 5) as usize],
                Utc.timestamp_opt(t, 0)
                    .unwrap()
                    .with_timezone(&beijing())
                    .format("%Y-%m-%d")
                    .to_string()
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    println!(
        "tier: {ORDERS} orders written in {:.1} s",
        fill.elapsed().as_secs_f64()
    );

    let run = || {
        let conn = store.connect().unwrap();
        let t = Instant::now();
        let report = tiers::report(&conn, &profile, now).unwrap();
        (t.elapsed().as_secs_f64() * 1e3, report)
    };
    let (cold, report) = run();
    let counted: u64 = report
        .months
        .iter()
        .filter(|m| m.counted)
        .map(|m| m.orders)
        .sum();
    assert!(counted > 0, "the report counted no orders");
    // The kept counts must equal counting the orders themselves.
    let conn = store.connect().unwrap();
    let scan = Instant::now();
    let scanned: u64 = report
        .months
        .iter()
        .filter(|m| m.counted)
        .map(|m| {
            let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", m.month), "%Y-%m-%d")
                .expect("month is YYYY-MM");
            tiers::count_month_by_scan(&conn, &profile.id, first).unwrap()
        })
        .sum();
    let scan_ms = scan.elapsed().as_secs_f64() * 1e3;
    drop(conn);
    assert_eq!(counted, scanned, "kept counts differ from the orders");
    println!("tier: the same months counted from the orders themselves: {scan_ms:.1} ms");
    let mut times: Vec<f64> = (0..15).map(|_| run().0).collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "tier report over {ORDERS} orders: median {median:.3} ms, max {:.3} ms, first {cold:.3} ms; \
         monthly average {} -> eligible {:?}",
        times.last().unwrap(),
        report.monthly_average,
        report.eligible_tier
    );
    println!("BENCH tier.report_ms {median:.3} ms <=50");
}
