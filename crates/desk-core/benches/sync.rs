//! Bench: a full order sync of about 30,000 orders from the sandbox, for
//! both API generations. Prints seconds, pages and calls (the sandbox's own
//! count and the ledger's); calls must equal pages.
//!
//! `cargo bench -p desk-core --bench sync`

#[path = "common/mod.rs"]
mod common;

use desk_core::orders::sync::{self, SyncOptions};
use desk_core::orders::{self, OrderFilter};
use desk_core::profiles::Generation;
use std::time::Instant;

/// Synced range and order volume giving about 30,000 orders in the range.
const DAYS: u32 = 30;
const ORDERS_PER_MONTH: u32 = 27_000;

async fn one(generation: Generation) {
    let b = common::setup(generation, ORDERS_PER_MONTH).await;
    let options = SyncOptions {
        initial_days: Some(DAYS),
        ..Default::default()
    };
    let plan = sync::plan(&b.api, &b.profile, &options).unwrap();
    let started = Instant::now();
    let report = sync::sync(&b.api, &b.profile, &options, None)
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let stored = orders::list(&b.store, &b.profile.id, &OrderFilter::default(), 0, 1)
        .unwrap()
        .total;
    let want = b
        .sandbox
        .admin()
        // Each API generation sees the orders its own way (media orders
        // change again when they settle).
        .orders_in_view(
            &b.profile.appkey,
            match generation {
                Generation::Legacy => sandbox::View::Legacy,
                Generation::Media => sandbox::View::Media,
            },
            plan.from,
            plan.to,
            sandbox::TimeType::Modified,
        )
        .unwrap();
    let ledger = b.api.ledger().status(&b.profile).unwrap().used;
    println!(
        "sync {:<6} {DAYS} days: {stored} orders (sandbox {}) in {secs:.2} s; \
         {} pages, {} calls (ledger {ledger}, sandbox {}); one call per page: {}",
        generation.as_str(),
        want.count,
        report.pages,
        report.calls,
        b.sandbox_calls(),
        report.calls == report.pages && u64::from(report.calls) == b.sandbox_calls()
    );
    assert_eq!(
        u64::from(stored),
        want.count,
        "stored orders differ from the sandbox"
    );
    assert_eq!(u64::from(report.calls), b.sandbox_calls());
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // useful either: both just run the measurement once.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        one(Generation::Media).await;
        one(Generation::Legacy).await;
    });
}
