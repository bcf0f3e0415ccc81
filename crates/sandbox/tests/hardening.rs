//! Hostile or careless input (issue 16, item 6): an admin clock offset that
//! overflows, parameters that are not UTF-8, and values no caller can mean.
//! Each is refused with the right shape, and the sandbox keeps serving.

mod common;

use common::*;
use meituan_union::sign::{legacy_wire_query, media_sign, MediaRequestParts};
use sandbox::{AccountSpec, ManualClock, RunningSandbox};
use serde_json::{json, Value};

const APPKEY: &str = "hardening-app";
const SECRET: &str = "hardening-secret";
const QUALITY: &str = "/api/getqualityscorebysid";
const LINK: &str = "/api/generateLink";

/// 0xFFFD, what a lossy decoder makes of `%FF`, percent-encoded.
const REPLACEMENT: &str = "%EF%BF%BD";

async fn sandbox() -> (RunningSandbox, ManualClock) {
    let (mut cfg, clock) = manual_config(VECTOR_MS);
    cfg.extra_accounts = vec![AccountSpec::new(APPKEY, SECRET)];
    (start(cfg).await, clock)
}

fn ts() -> String {
    (VECTOR_MS / 1000).to_string()
}

/// A signed legacy query string for `params` (plus appkey and ts).
fn legacy_query(params: &[(&str, &str)]) -> String {
    let ts = ts();
    let mut all: Vec<(&str, &str)> = vec![("appkey", APPKEY), ("ts", &ts)];
    all.extend_from_slice(params);
    legacy_wire_query(SECRET, &all)
}

async fn legacy_get(sb: &RunningSandbox, path: &str, params: &[(&str, &str)]) -> Value {
    legacy(
        sb.base_url(),
        path,
        APPKEY,
        SECRET,
        VECTOR_MS / 1000,
        params,
    )
    .await
    .2
}

async fn media_post(sb: &RunningSandbox, path: &str, body: &Value) -> Value {
    media(sb.base_url(), path, APPKEY, SECRET, VECTOR_MS, body)
        .await
        .2
}

/// A media POST signed over `signed_query` but sent with `wire_query`.
async fn media_with_query(
    sb: &RunningSandbox,
    path: &str,
    signed_query: &[(&str, &str)],
    wire_query: &str,
    body: &[u8],
) -> Value {
    let ts = VECTOR_MS.to_string();
    let sig = media_sign(
        SECRET,
        &MediaRequestParts {
            method: "POST",
            path,
            query: Some(signed_query),
            body: Some(body),
            app_key: APPKEY,
            timestamp_ms: &ts,
            extra_signed_headers: &[],
        },
    );
    let res = client()
        .post(format!("{}{path}?{wire_query}", sb.base_url()))
        .header("Content-Type", "application/json;charset=utf-8")
        .header("S-Ca-App", APPKEY)
        .header("S-Ca-Timestamp", &ts)
        .header("Content-MD5", &sig.content_md5)
        .header("S-Ca-Signature-Headers", &sig.signature_headers)
        .header("S-Ca-Signature", &sig.signature)
        .body(body.to_vec())
        .send()
        .await
        .expect("request");
    res.json().await.unwrap_or(Value::Null)
}

fn assert_legacy_param_error(v: &Value, what: &str) {
    assert_eq!(v["status"], 1005, "{what}: {v}");
    assert!(
        v["des"].as_str().unwrap_or("").starts_with("参数错误"),
        "{what}: {v}"
    );
}

fn assert_media_param_error(v: &Value, what: &str) {
    assert_eq!(v["code"], 1, "{what}: {v}");
    assert!(
        v["message"].as_str().unwrap_or("").starts_with("参数错误"),
        "{what}: {v}"
    );
}

async fn legacy_link_works(sb: &RunningSandbox) {
    let v = legacy_get(sb, LINK, &[("actId", "33"), ("linkType", "1")]).await;
    assert_eq!(v["status"], 0, "{v}");
}

// ---- the admin clock ------------------------------------------------------

#[tokio::test]
async fn clock_offset_of_i64_max_is_refused_and_the_sandbox_keeps_serving() {
    let (sb, _clock) = sandbox().await;
    let url = format!("{}/__admin/clock", sb.base_url());

    for body in [
        json!({"offset_ms": i64::MAX}),
        json!({"offset_ms": i64::MIN}),
        json!({"advance_ms": i64::MAX}),
        json!({"set_ms": i64::MIN}),
        json!({"set_ms": i64::MAX}),
        // Just past the ±100-year bound.
        json!({"offset_ms": 3_155_760_000_001i64}),
    ] {
        let (status, v) = post_json(&url, &body).await;
        assert_eq!(status, 400, "{body}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
        // Nothing moved.
        assert_eq!(sb.admin().now_ms(), VECTOR_MS, "{body}");
    }

    // The next ordinary requests are served: admin, legacy, media.
    let (status, v) = get_json(&url).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["now_ms"], VECTOR_MS);
    legacy_link_works(&sb).await;
    let v = media_post(&sb, REFERRAL, &json!({"actId": "33", "linkType": 1})).await;
    assert_eq!(v["code"], 0, "{v}");
    let (status, _) = get_json(&format!("{}/__admin/stats", sb.base_url())).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn clock_offsets_within_the_bound_still_move_the_clock() {
    let (sb, _clock) = sandbox().await;
    let url = format!("{}/__admin/clock", sb.base_url());
    let century = 3_155_760_000_000i64;
    let (status, v) = post_json(&url, &json!({"offset_ms": century})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["now_ms"], VECTOR_MS + century);
    // Advancing past the bound from there is refused, and leaves it alone.
    let (status, v) = post_json(&url, &json!({"advance_ms": 1})).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(sb.admin().now_ms(), VECTOR_MS + century);
    let (status, v) = post_json(&url, &json!({"advance_ms": -century})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["now_ms"], VECTOR_MS);
    let (status, v) = post_json(&url, &json!({"set_ms": VECTOR_MS + 86_400_000})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["offset_ms"], 86_400_000);
}

#[tokio::test]
async fn gateway_clock_skew_beyond_the_bound_is_refused() {
    let (sb, _clock) = sandbox().await;
    let url = format!("{}/__admin/faults", sb.base_url());
    let (status, v) = post_json(&url, &json!({"clock_offset_ms": i64::MAX})).await;
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].is_string(), "{v}");
    legacy_link_works(&sb).await;
    let (status, v) = post_json(&url, &json!({"clock_offset_ms": 300_000})).await;
    assert_eq!(status, 200, "{v}");
}

#[tokio::test]
async fn library_clock_offset_saturates_instead_of_overflowing() {
    let (sb, _clock) = sandbox().await;
    sb.admin().set_clock_offset_ms(i64::MAX);
    let now = sb.admin().now_ms();
    assert!(now > VECTOR_MS, "{now}");
    let (status, v) = get_json(&format!("{}/__admin/stats", sb.base_url())).await;
    assert_eq!(status, 200, "{v}");
    let (status, _) = get_json(&format!("{}/__admin/clock", sb.base_url())).await;
    assert_eq!(status, 200);
    sb.admin().set_clock_offset_ms(0);
    assert_eq!(sb.admin().now_ms(), VECTOR_MS);
    legacy_link_works(&sb).await;
}

// ---- parameters that are not UTF-8 ----------------------------------------

#[tokio::test]
async fn invalid_utf8_in_a_legacy_query_is_refused() {
    let (sb, _clock) = sandbox().await;
    // Signed over what a lossy decoder makes of %FF, so only the decoding
    // can refuse it.
    let signed = legacy_query(&[("actId", "33"), ("linkType", "1"), ("sid", "\u{FFFD}")]);
    assert!(signed.contains(REPLACEMENT), "{signed}");
    let (_, _, v) = get_raw(&format!(
        "{}{LINK}?{}",
        sb.base_url(),
        signed.replace(REPLACEMENT, "%FF")
    ))
    .await;
    assert_legacy_param_error(&v, "%FF in a value");
    assert!(v["des"].as_str().unwrap().contains("UTF-8"), "{v}");

    // In a key, and an overlong encoding of '/'.
    let signed = legacy_query(&[("actId", "33"), ("linkType", "1"), ("\u{FFFD}", "1")]);
    let (_, _, v) = get_raw(&format!(
        "{}{LINK}?{}",
        sb.base_url(),
        signed.replace(REPLACEMENT, "%FF")
    ))
    .await;
    assert_legacy_param_error(&v, "%FF in a key");
    let signed = legacy_query(&[
        ("actId", "33"),
        ("linkType", "1"),
        ("sid", "\u{FFFD}\u{FFFD}"),
    ]);
    let (_, _, v) = get_raw(&format!(
        "{}{LINK}?{}",
        sb.base_url(),
        signed.replace(&format!("{REPLACEMENT}{REPLACEMENT}"), "%C0%AF")
    ))
    .await;
    assert_legacy_param_error(&v, "overlong UTF-8");

    // Neighbours: the replacement character itself, sent as valid UTF-8,
    // and Chinese text are accepted.
    for sid in ["\u{FFFD}", "推广位1"] {
        let v = legacy_get(
            &sb,
            LINK,
            &[("actId", "33"), ("linkType", "1"), ("sid", sid)],
        )
        .await;
        assert_eq!(v["status"], 0, "{sid}: {v}");
    }
}

#[tokio::test]
async fn invalid_utf8_in_a_media_query_or_body_is_refused() {
    let (sb, _clock) = sandbox().await;
    let body = br#"{"actId":"33","linkType":1}"#;

    // %FF in the query, signed over its lossy decoding.
    let v = media_with_query(&sb, REFERRAL, &[("x", "\u{FFFD}")], "x=%FF", body).await;
    assert_media_param_error(&v, "%FF in the query");
    assert!(v["message"].as_str().unwrap().contains("UTF-8"), "{v}");
    // Neighbour: the same query sent as valid UTF-8 is served.
    let v = media_with_query(&sb, REFERRAL, &[("x", "\u{FFFD}")], "x=%EF%BF%BD", body).await;
    assert_eq!(v["code"], 0, "{v}");

    // A raw 0xFF byte inside a JSON string of the body.
    let mut bad = br#"{"actId":"33","linkType":1,"sid":""#.to_vec();
    bad.extend_from_slice(b"\xFF\"}");
    let (_, _, v) = media_bytes(sb.base_url(), REFERRAL, APPKEY, SECRET, VECTOR_MS, &bad).await;
    assert_media_param_error(&v, "0xFF in the body");
    assert!(v["message"].as_str().unwrap().contains("UTF-8"), "{v}");
    // A lone surrogate escape is no character either.
    let lone = br#"{"actId":"33","linkType":1,"sid":"\udcff"}"#;
    let (_, _, v) = media_bytes(sb.base_url(), REFERRAL, APPKEY, SECRET, VECTOR_MS, lone).await;
    assert_media_param_error(&v, "lone surrogate");
    // Neighbour: a sid with Chinese text and an escaped pair is served.
    let fine = r#"{"actId":"33","linkType":1,"sid":"推广\ud83d\ude00"}"#;
    let (_, _, v) = media_bytes(
        sb.base_url(),
        REFERRAL,
        APPKEY,
        SECRET,
        VECTOR_MS,
        fine.as_bytes(),
    )
    .await;
    assert_eq!(v["code"], 0, "{v}");
}

// ---- values no caller can mean ----------------------------------------------

#[tokio::test]
async fn quality_score_dates_older_than_three_months_are_refused() {
    // The clock is at 2023-11-14 (Beijing): the earliest beginDate is
    // 2023-08-01, the first day of the month three months back.
    let (sb, _clock) = sandbox().await;
    for (begin, end) in [
        ("00000101", "00000105"),
        ("0000-01-01", "0000-01-05"),
        ("20230731", "20230801"),
        // Not a date in either format.
        ("2023-8-1", "2023-08-05"),
        ("+2023-08-01", "2023-08-05"),
    ] {
        let v = legacy_get(&sb, QUALITY, &[("beginDate", begin), ("endDate", end)]).await;
        assert_legacy_param_error(&v, &format!("{begin}..{end}"));
    }
    // Neighbours: ordinary dates in both formats, and the first day allowed.
    for (begin, end) in [
        ("20231101", "20231105"),
        ("2023-11-01", "2023-11-30"),
        ("20230801", "20230807"),
        ("2023-08-01", "2023-08-01"),
    ] {
        let v = legacy_get(&sb, QUALITY, &[("beginDate", begin), ("endDate", end)]).await;
        assert_eq!(v["status"], 0, "{begin}..{end}: {v}");
    }
}

#[tokio::test]
async fn a_link_type_list_longer_than_the_link_types_is_refused() {
    let (sb, _clock) = sandbox().await;
    let huge: Vec<i64> = (0..10_000).map(|i| 1 + i % 6).collect();
    for list in [huge, vec![1, 2, 3, 4, 5, 6, 1]] {
        let v = media_post(&sb, REFERRAL, &json!({"actId": "33", "linkTypeList": list})).await;
        assert_media_param_error(&v, &format!("{} entries", list.len()));
    }
    // Neighbour: every link type once is served.
    let v = media_post(
        &sb,
        REFERRAL,
        &json!({"actId": "33", "linkTypeList": [1, 2, 3, 4, 5, 6]}),
    )
    .await;
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["referralLinkMap"].as_object().unwrap().len(), 6, "{v}");
}

#[tokio::test]
async fn coupon_price_floor_above_cap_is_refused() {
    let (sb, _clock) = sandbox().await;
    let v = media_post(&sb, COUPON, &json!({"priceFloor": 50, "priceCap": 10})).await;
    assert_media_param_error(&v, "priceFloor > priceCap");
    let v = media_post(
        &sb,
        COUPON,
        &json!({"commissionFloor": 20, "commissionCap": 5}),
    )
    .await;
    assert_media_param_error(&v, "commissionFloor > commissionCap");
    // Neighbours: equal bounds, a proper range, one bound alone, and a
    // bound too large to multiply into cents without overflow.
    for body in [
        json!({"priceFloor": 10, "priceCap": 10}),
        json!({"priceFloor": 10, "priceCap": 50}),
        json!({"priceCap": 50}),
        json!({"commissionFloor": 5, "commissionCap": 20}),
        json!({"priceFloor": 100_000_000_000_000_000i64}),
    ] {
        let v = media_post(&sb, COUPON, &body).await;
        assert_eq!(v["code"], 0, "{body}: {v}");
    }
}

#[tokio::test]
async fn negative_coupon_bounds_are_refused() {
    let (sb, _clock) = sandbox().await;
    for body in [
        json!({"commissionFloor": -1}),
        json!({"commissionCap": -1}),
        json!({"priceFloor": -1}),
        json!({"priceCap": -5, "priceFloor": -10}),
    ] {
        let v = media_post(&sb, COUPON, &body).await;
        assert_media_param_error(&v, &body.to_string());
    }
    // Neighbour: zero is a bound.
    for body in [json!({"commissionFloor": 0}), json!({"priceFloor": 0})] {
        let v = media_post(&sb, COUPON, &body).await;
        assert_eq!(v["code"], 0, "{body}: {v}");
    }
}
