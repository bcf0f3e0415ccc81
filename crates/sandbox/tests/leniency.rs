//! Rules the sandbox used to enforce without a source (issue 18 item 8): it
//! must not refuse what Meituan may accept, and it keeps refusing what a
//! source states. Each relaxed rule is checked next to the sourced one.

mod common;

use common::*;
use meituan_union::sign::{legacy_wire_query, media_sign_listing, MediaRequestParts};
use sandbox::{AccountSpec, ManualClock, RunningSandbox};
use serde_json::{json, Value};

const APPKEY: &str = "leniency-app";
const SECRET: &str = "leniency-secret";
const LINK: &str = "/api/generateLink";
const QUALITY: &str = "/api/getqualityscorebysid";

async fn sandbox() -> (RunningSandbox, ManualClock) {
    let (mut cfg, clock) = manual_config(VECTOR_MS);
    cfg.extra_accounts = vec![AccountSpec::new(APPKEY, SECRET)];
    (start(cfg).await, clock)
}

/// A legacy GET of `params` plus `appkey`, signed as given (no `ts` added).
async fn legacy_as_given(sb: &RunningSandbox, path: &str, params: &[(&str, &str)]) -> Value {
    let mut all: Vec<(&str, &str)> = vec![("appkey", APPKEY)];
    all.extend_from_slice(params);
    let query = legacy_wire_query(SECRET, &all);
    get_raw(&format!("{}{path}?{query}", sb.base_url())).await.2
}

#[tokio::test]
async fn legacy_ts_is_required_only_where_it_is_documented() {
    let (sb, _clock) = sandbox().await;
    let now = (VECTOR_MS / 1000).to_string();
    let stale = (VECTOR_MS / 1000 - 600).to_string();
    // generateLink and miniCode document appkey + sign only (dtapps
    // api.generate_link.go:30-33, api.mini_code.go:30-33): served without ts.
    let v = legacy_as_given(&sb, LINK, &[("actId", "33"), ("linkType", "1")]).await;
    assert_eq!(v["status"], 0, "{v}");
    let v = legacy_as_given(&sb, "/api/miniCode", &[("actId", "33")]).await;
    assert_eq!(v["status"], 0, "{v}");
    // When sent, it is still checked.
    let v = legacy_as_given(
        &sb,
        LINK,
        &[("actId", "33"), ("linkType", "1"), ("ts", &stale)],
    )
    .await;
    assert_eq!(v["status"], 1003, "{v}");
    // orderList and getqualityscorebysid document ts (api.orderList.go:55,
    // api.getqualityscorebysid.go:41): refused without it, served with it.
    let window = [
        ("businessLine", "2"),
        ("startTime", "1699990000"),
        ("endTime", "1699999000"),
    ];
    let v = legacy_as_given(&sb, ORDER_LIST, &window).await;
    assert_eq!(v["status"], 1003, "{v}");
    let mut with_ts = window.to_vec();
    with_ts.push(("ts", &now));
    let v = legacy_as_given(&sb, ORDER_LIST, &with_ts).await;
    assert!(v["dataList"].is_array(), "{v}");
    let dates = [("beginDate", "2023-11-01"), ("endDate", "2023-11-05")];
    let v = legacy_as_given(&sb, QUALITY, &dates).await;
    assert_eq!(v["status"], 1003, "{v}");
}

#[tokio::test]
async fn an_upper_case_legacy_sign_is_accepted() {
    let (sb, _clock) = sandbox().await;
    let now = (VECTOR_MS / 1000).to_string();
    let all = [
        ("appkey", APPKEY),
        ("actId", "33"),
        ("linkType", "1"),
        ("ts", now.as_str()),
    ];
    let query = legacy_wire_query(SECRET, &all);
    let sign = meituan_union::sign::legacy_sign(SECRET, &all).to_string();
    let upper = query.replace(&sign, &sign.to_uppercase());
    assert_ne!(upper, query);
    let v = get_raw(&format!("{}{LINK}?{upper}", sb.base_url())).await.2;
    assert_eq!(v["status"], 0, "{v}");
    // A wrong sign is still refused, whatever its case.
    let wrong = query.replace(&sign, &"A".repeat(32));
    let v = get_raw(&format!("{}{LINK}?{wrong}", sb.base_url())).await.2;
    assert_eq!(v["status"], 1002, "{v}");
}

/// A media POST whose signed-header list is `S-Ca-Timestamp` alone (when
/// `list_app` is false), signed over what the list names (`sign_app`).
async fn media_listing(sb: &RunningSandbox, list_app: bool, sign_app: bool) -> Value {
    let body = br#"{"actId":"33","linkType":1,"sid":"s1"}"#;
    let ts = VECTOR_MS.to_string();
    let sig = media_sign_listing(
        SECRET,
        &MediaRequestParts {
            method: "POST",
            path: REFERRAL,
            query: None,
            body: Some(body),
            app_key: APPKEY,
            timestamp_ms: &ts,
            extra_signed_headers: &[],
        },
        sign_app,
    );
    let list = if list_app {
        "S-Ca-App,S-Ca-Timestamp"
    } else {
        "S-Ca-Timestamp"
    };
    let res = client()
        .post(format!("{}{REFERRAL}", sb.base_url()))
        .header("Content-Type", "application/json")
        .header("S-Ca-App", APPKEY)
        .header("S-Ca-Timestamp", &ts)
        .header("Content-MD5", &sig.content_md5)
        .header("S-Ca-Signature-Headers", list)
        .header("S-Ca-Signature", &sig.signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    res.json().await.unwrap()
}

#[tokio::test]
async fn s_ca_app_in_the_signed_headers_is_recommended_not_required() {
    let (sb, _clock) = sandbox().await;
    // dtapps media.sign.go:25: S-Ca-Timestamp 必须, S-Ca-App 建议.
    assert_eq!(media_listing(&sb, false, false).await["code"], 0);
    assert_eq!(media_listing(&sb, true, true).await["code"], 0);
    // The list and the signature must still agree.
    assert_eq!(media_listing(&sb, true, false).await["code"], 400);
    assert_eq!(media_listing(&sb, false, true).await["code"], 400);
}

#[tokio::test]
async fn media_order_window_and_coupon_page_size_have_no_invented_maximum() {
    let (sb, _clock) = sandbox().await;
    let post = |path: &'static str, body: Value| {
        let base = sb.base_url().to_owned();
        async move { media(&base, path, APPKEY, SECRET, VECTOR_MS, &body).await.2 }
    };
    let now = VECTOR_MS / 1000;
    // A week in one query: served (only "近3个月" is documented).
    let v = post(
        QUERY_ORDER,
        json!({"startTime": now - 7 * 86_400, "endTime": now, "limit": 100}),
    )
    .await;
    assert_eq!(v["code"], 0, "{v}");
    // Older than three months: still refused (dtapps media.query_order.go
    // @c37755e:70 `查询近3个月的订单明细`).
    let v = post(
        QUERY_ORDER,
        json!({"startTime": now - 100 * 86_400, "endTime": now - 99 * 86_400}),
    )
    .await;
    assert_eq!(v["code"], 1, "{v}");
    // 21 coupons on one page: served (only the default of 20 is documented).
    let v = post(COUPON, json!({"platform": 1, "pageSize": 21})).await;
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["data"].as_array().unwrap().len(), 21, "{v}");
    // Without pageSize: the documented default of 20.
    let v = post(COUPON, json!({"platform": 1})).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 20, "{v}");
    let v = post(COUPON, json!({"platform": 1, "pageSize": 0})).await;
    assert_eq!(v["code"], 1, "{v}");
}

#[tokio::test]
async fn quality_score_range_is_the_documented_90_days() {
    let (sb, _clock) = sandbox().await;
    let now = (VECTOR_MS / 1000).to_string();
    // The clock is at 2023-11-14; the earliest beginDate is 2023-08-01.
    for (end, status) in [("2023-10-30", 0), ("2023-10-31", 1005)] {
        let v = legacy_as_given(
            &sb,
            QUALITY,
            &[("beginDate", "2023-08-01"), ("endDate", end), ("ts", &now)],
        )
        .await;
        assert_eq!(v["status"], status, "{end}: {v}");
    }
}
