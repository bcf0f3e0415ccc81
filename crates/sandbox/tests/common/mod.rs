//! Helpers shared by the sandbox integration tests: hand-built signed
//! requests (plain reqwest plus the protocol crate's signing functions).
#![allow(dead_code)]

use meituan_union::sign::{legacy_wire_query, media_sign, MediaRequestParts};
use sandbox::{ManualClock, RunningSandbox, Sandbox, SandboxConfig};
use serde_json::Value;

/// 2023-11-14 22:13:20 UTC, the `ts` of the legacy vectors.
pub const VECTOR_MS: i64 = 1_700_000_000_000;

pub fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../meituan-union/tests/data/vectors.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("vectors.json")).expect("vectors JSON")
}

pub fn vector(id: &str) -> Value {
    vectors()["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("vector {id}"))
        .clone()
}

pub async fn start(config: SandboxConfig) -> RunningSandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

/// A config on a manual clock at `ms`.
pub fn manual_config(ms: i64) -> (SandboxConfig, ManualClock) {
    let clock = ManualClock::new(ms);
    let cfg = SandboxConfig {
        clock: clock.clock(),
        orders_per_month: 60,
        ..SandboxConfig::default()
    };
    (cfg, clock)
}

pub fn client() -> reqwest::Client {
    meituan_union::http::client_builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap()
}

/// GET a legacy endpoint, signing `params` (plus appkey and ts) with `secret`.
pub async fn legacy(
    base: &str,
    path: &str,
    appkey: &str,
    secret: &str,
    ts_s: i64,
    params: &[(&str, &str)],
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
    let ts = ts_s.to_string();
    let mut all: Vec<(&str, &str)> = vec![("appkey", appkey), ("ts", &ts)];
    all.extend_from_slice(params);
    let q = legacy_wire_query(secret, &all);
    get_raw(&format!("{base}{path}?{q}")).await
}

pub async fn get_raw(url: &str) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
    let res = client().get(url).send().await.expect("request");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, v)
}

/// POST a media endpoint with a signed JSON body.
pub async fn media(
    base: &str,
    path: &str,
    appkey: &str,
    secret: &str,
    ts_ms: i64,
    body: &Value,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    media_bytes(base, path, appkey, secret, ts_ms, &bytes).await
}

pub async fn media_bytes(
    base: &str,
    path: &str,
    appkey: &str,
    secret: &str,
    ts_ms: i64,
    body: &[u8],
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
    let ts = ts_ms.to_string();
    let sig = media_sign(
        secret,
        &MediaRequestParts {
            method: "POST",
            path,
            query: None,
            body: Some(body),
            app_key: appkey,
            timestamp_ms: &ts,
            extra_signed_headers: &[],
        },
    );
    let res = client()
        .post(format!("{base}{path}"))
        .header("Content-Type", "application/json;charset=utf-8")
        .header("S-Ca-App", appkey)
        .header("S-Ca-Timestamp", &ts)
        .header("Content-MD5", &sig.content_md5)
        .header("S-Ca-Signature-Headers", &sig.signature_headers)
        .header("S-Ca-Signature", &sig.signature)
        .body(body.to_vec())
        .send()
        .await
        .expect("request");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

pub async fn post_json(url: &str, body: &Value) -> (reqwest::StatusCode, Value) {
    let res = client().post(url).json(body).send().await.expect("request");
    let status = res.status();
    let v = res.json().await.unwrap_or(Value::Null);
    (status, v)
}

pub async fn get_json(url: &str) -> (reqwest::StatusCode, Value) {
    let res = client().get(url).send().await.expect("request");
    let status = res.status();
    let v = res.json().await.unwrap_or(Value::Null);
    (status, v)
}

pub const ORDER_LIST: &str = "/api/orderList";
pub const QUERY_ORDER: &str = "/cps_open/common/api/v1/query_order";
pub const REFERRAL: &str = "/cps_open/common/api/v1/get_referral_link";
pub const COUPON: &str = "/cps_open/common/api/v1/query_coupon";
