//! Signing throughput beside the bare hash over the same bytes.
//!
//! `cargo bench -p meituan-union --bench sign`. Besides criterion's report,
//! the bench prints `ratio = bare time / sign time` from the *minimum* time
//! of many short batches, which stays meaningful on a loaded machine where
//! means are dominated by preemption. Goal: ratio ≥ 0.8.

use criterion::{black_box, Criterion, Throughput};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use meituan_union::sign::{
    content_md5, legacy_canonical, legacy_sign, media_sign, MediaRequestParts,
};
use sha2::Sha256;
use std::time::{Duration, Instant};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

/// Vector L01's parameters, in the order a request lists them.
const PARAMS: &[(&str, &str)] = &[
    ("appkey", "5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c"),
    ("ts", "1700000000"),
    ("businessLine", "2"),
    ("actId", "33"),
    ("startTime", "1699977600"),
    ("endTime", "1700064000"),
    ("page", "1"),
    ("limit", "100"),
    ("queryTimeType", "1"),
];

/// Vector M02's body.
const BODY: &str = r#"{"platform":2,"listTopiId":2,"longitude":113227669,"latitude":23093816,"searchText":"奶茶","pageNo":1,"pageSize":20}"#;

fn media_parts() -> MediaRequestParts<'static> {
    MediaRequestParts {
        method: "POST",
        path: "/cps_open/common/api/v1/query_coupon",
        query: None,
        body: Some(BODY.as_bytes()),
        app_key: "demo-app-key",
        timestamp_ms: "1700000000123",
        extra_signed_headers: &[],
    }
}

fn bare_hmac(sts: &str) -> impl AsRef<[u8]> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(black_box(b"demo-app-secret")).unwrap();
    mac.update(black_box(sts.as_bytes()));
    mac.finalize().into_bytes()
}

fn legacy(c: &mut Criterion) {
    let canonical = legacy_canonical(SECRET, PARAMS);
    let mut g = c.benchmark_group("legacy");
    g.throughput(Throughput::Bytes(canonical.len() as u64));
    g.bench_function("legacy_sign", |b| {
        b.iter(|| legacy_sign(black_box(SECRET), black_box(PARAMS)))
    });
    g.bench_function("bare_md5", |b| {
        b.iter(|| Md5::digest(black_box(canonical.as_bytes())))
    });
    g.finish();
}

fn media(c: &mut Criterion) {
    let parts = media_parts();
    let sts = media_sign("demo-app-secret", &parts).string_to_sign;
    let mut g = c.benchmark_group("media");
    g.throughput(Throughput::Bytes(sts.len() as u64));
    g.bench_function("media_sign", |b| {
        b.iter(|| media_sign(black_box("demo-app-secret"), black_box(&parts)))
    });
    g.bench_function("bare_hmac_sha256", |b| b.iter(|| bare_hmac(&sts)));
    // The scheme itself hashes the body too (Content-MD5).
    g.bench_function("bare_md5_body_plus_hmac", |b| {
        b.iter(|| (content_md5(black_box(BODY.as_bytes())), bare_hmac(&sts)))
    });
    g.finish();
}

/// Minimum time per call over `batches` batches of `per_batch` calls.
fn min_per_call<R>(mut f: impl FnMut() -> R, batches: usize, per_batch: usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..batches {
        let start = Instant::now();
        for _ in 0..per_batch {
            black_box(f());
        }
        best = best.min(start.elapsed() / per_batch as u32);
    }
    best
}

fn min_ratios() {
    let canonical = legacy_canonical(SECRET, PARAMS);
    let parts = media_parts();
    let sts = media_sign("demo-app-secret", &parts).string_to_sign;
    let (b, n) = (3000, 200);
    let legacy = min_per_call(|| legacy_sign(black_box(SECRET), black_box(PARAMS)), b, n);
    let md5 = min_per_call(|| Md5::digest(black_box(canonical.as_bytes())), b, n);
    let media = min_per_call(
        || media_sign(black_box("demo-app-secret"), black_box(&parts)),
        b,
        n,
    );
    let hmac = min_per_call(|| bare_hmac(&sts), b, n);
    let md5_hmac = min_per_call(
        || (content_md5(black_box(BODY.as_bytes())), bare_hmac(&sts)),
        b,
        n,
    );
    let ratio = |bare: Duration, ours: Duration| bare.as_secs_f64() / ours.as_secs_f64();
    println!(
        "min-of-batches (ns/call): legacy_sign {} | bare_md5 {} | ratio {:.2}",
        legacy.as_nanos(),
        md5.as_nanos(),
        ratio(md5, legacy)
    );
    println!(
        "min-of-batches (ns/call): media_sign {} | bare_hmac_sha256 {} | ratio {:.2}",
        media.as_nanos(),
        hmac.as_nanos(),
        ratio(hmac, media)
    );
    println!(
        "min-of-batches (ns/call): media_sign {} | bare md5(body)+hmac {} | ratio {:.2}",
        media.as_nanos(),
        md5_hmac.as_nanos(),
        ratio(md5_hmac, media)
    );
}

fn main() {
    min_ratios();
    let mut c = Criterion::default().configure_from_args();
    legacy(&mut c);
    media(&mut c);
    c.final_summary();
}
