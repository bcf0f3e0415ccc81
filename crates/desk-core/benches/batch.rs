//! Bench: a batch of 1,000 links from the sandbox, then the same batch
//! again (answered by the library: 0 calls). Prints seconds and calls.
//!
//! `cargo bench -p desk-core --bench batch`

#[path = "common/mod.rs"]
mod common;

use desk_core::links::batch::{self, BatchDefaults};
use desk_core::profiles::Generation;
use std::time::Instant;

const ROWS: u32 = 1_000;
const CONCURRENCY: usize = 8;

async fn one(generation: Generation) {
    let b = common::setup(generation, 300).await;
    let mut input = String::new();
    for i in 0..ROWS {
        input.push_str(&format!("{},bench{},1\n", 10_000 + i, i % 5));
    }
    let parsed = batch::parse(&input, &BatchDefaults::default()).unwrap();
    let clock = desk_core::SystemClock;
    for round in ["first", "repeat"] {
        let created = batch::create(&b.store, &clock, &b.profile, &parsed, "bench").unwrap();
        let before = b.sandbox_calls();
        let started = Instant::now();
        let report = batch::run(b.api.clone(), &b.profile, created.id, CONCURRENCY, None)
            .await
            .unwrap();
        let secs = started.elapsed().as_secs_f64();
        let spent = b.sandbox_calls() - before;
        println!(
            "batch {:<6} {round:<6} {ROWS} links in {secs:.2} s: {} calls (sandbox {spent}), \
             {} done, {} from the library, {} errors",
            generation.as_str(),
            report.calls,
            report.counts.done,
            report.counts.library,
            report.counts.error
        );
        // The ledger counts every call sent; the sandbox does not count a
        // call it refused or never fully received, so it can only be lower.
        assert!(u64::from(report.calls) >= spent);
        if round == "repeat" {
            assert_eq!(spent, 0, "a repeated batch spent calls");
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        one(Generation::Legacy).await;
        one(Generation::Media).await;
    });
}
