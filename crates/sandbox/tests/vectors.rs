//! Requests built by hand from `vectors.json` reference values are accepted;
//! the same requests with one byte changed or a stale timestamp are refused.

mod common;

use common::*;
use sandbox::{AccountSpec, ManualClock, RunningSandbox, SandboxConfig};
use serde_json::Value;

const LEGACY_APPKEY: &str = "5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c";
const LEGACY_SECRET: &str = "0123456789abcdef0123456789abcdef";

async fn vector_sandbox(ms: i64) -> (RunningSandbox, ManualClock) {
    let (mut cfg, clock) = manual_config(ms);
    cfg.extra_accounts = vec![
        AccountSpec::new(LEGACY_APPKEY, LEGACY_SECRET),
        AccountSpec::new("test-app", "test-secret"),
        AccountSpec::new("demo-app-key", "demo-app-secret"),
    ];
    (start(cfg).await, clock)
}

fn wire(id: &str) -> String {
    vector(id)["reference"]["wire_query"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn legacy_wire(base: &str, path: &str, query: &str) -> Value {
    get_raw(&format!("{base}{path}?{query}")).await.2
}

#[tokio::test]
async fn legacy_reference_requests_are_accepted() {
    let (sb, _clock) = vector_sandbox(VECTOR_MS).await;
    let base = sb.base_url();

    // L01 / L05 (same wire query) and L03 (empty actId sent as a bare key).
    for id in ["L01", "L05", "L03"] {
        let v = legacy_wire(base, ORDER_LIST, &wire(id)).await;
        assert!(v["dataList"].is_array(), "{id}: {v}");
        assert!(v["total"].is_u64(), "{id}: {v}");
    }
    // Link vectors: Chinese, case-differing names, reserved characters, emoji.
    for id in ["L02", "L04", "L06", "L08"] {
        let v = legacy_wire(base, "/api/generateLink", &wire(id)).await;
        assert_eq!(v["status"], 0, "{id}: {v}");
        assert!(
            v["data"].as_str().unwrap().contains("sandbox.invalid"),
            "{id}: {v}"
        );
    }
    // L07: the signature is right (not 1002) but a 365-character sid is
    // over Meituan's 64-character limit.
    let v = legacy_wire(base, "/api/generateLink", &wire("L07")).await;
    assert_eq!(v["status"], 1005, "{v}");
    assert!(v["des"].as_str().unwrap().contains("sid"), "{v}");
    // L09: signed right, but orderList needs a window.
    let v = legacy_wire(base, ORDER_LIST, &wire("L09")).await;
    assert_eq!(v["status"], 1005, "{v}");
    // L12: the retired runion form (key= instead of appkey=) is refused.
    let v = legacy_wire(base, ORDER_LIST, &wire("L12")).await;
    assert_eq!(v["status"], 1001, "{v}");

    let stats = sb.admin().day_stats(LEGACY_APPKEY).unwrap();
    assert_eq!(stats.calls, 9, "{stats:?}");
    assert_eq!(stats.refused_params, 2, "{stats:?}");
}

#[tokio::test]
async fn legacy_one_byte_changed_or_stale_ts_is_refused() {
    let (sb, clock) = vector_sandbox(VECTOR_MS).await;
    let base = sb.base_url();
    let good = wire("L01");

    // A parameter byte changed after signing.
    let tampered = good.replace("limit=100", "limit=10");
    assert_ne!(tampered, good);
    let v = legacy_wire(base, ORDER_LIST, &tampered).await;
    assert_eq!(v["status"], 1002, "{v}");
    assert_eq!(v["des"], "签名错误");
    // A sign byte changed.
    let sign = vector("L01")["reference"]["sign"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut bad_sign = sign.clone().into_bytes();
    bad_sign[0] = if bad_sign[0] == b'0' { b'1' } else { b'0' };
    let v = legacy_wire(
        base,
        ORDER_LIST,
        &good.replace(&sign, std::str::from_utf8(&bad_sign).unwrap()),
    )
    .await;
    assert_eq!(v["status"], 1002, "{v}");
    // Upper-case hex is not what the reference sends, but no source says
    // Meituan refuses it: accepted (and counted).
    let v = legacy_wire(base, ORDER_LIST, &good.replace(&sign, &sign.to_uppercase())).await;
    assert!(v["dataList"].is_array(), "{v}");
    // Unknown appkey.
    let v = legacy_wire(
        base,
        ORDER_LIST,
        &good.replace(LEGACY_APPKEY, "ffffffffffffffffffffffffffffffff"),
    )
    .await;
    assert_eq!(v["status"], 1001, "{v}");

    // The window is ±60 s.
    clock.set(VECTOR_MS + 60_000);
    assert!(legacy_wire(base, ORDER_LIST, &good).await["dataList"].is_array());
    clock.set(VECTOR_MS + 61_000);
    let v = legacy_wire(base, ORDER_LIST, &good).await;
    assert_eq!(v["status"], 1003, "{v}");
    clock.set(VECTOR_MS - 61_000);
    assert_eq!(legacy_wire(base, ORDER_LIST, &good).await["status"], 1003);

    let s = sb.admin().day_stats(LEGACY_APPKEY).unwrap();
    assert_eq!(s.calls, 2, "only the in-window requests count: {s:?}");
    assert_eq!(s.refused_auth, 4, "{s:?}");
}

/// Sends a media vector exactly as `vectors.json` gives it.
async fn send_media_vector(
    base: &str,
    v: &Value,
    body_override: Option<&[u8]>,
) -> (reqwest::StatusCode, Value) {
    let inputs = &v["inputs"];
    let reference = &v["reference"];
    let body = inputs["body_utf8"].as_str().unwrap_or("").as_bytes();
    let body = body_override.unwrap_or(body);
    let method =
        reqwest::Method::from_bytes(inputs["method"].as_str().unwrap().as_bytes()).unwrap();
    let mut req = client()
        .request(
            method,
            format!("{base}{}", inputs["path"].as_str().unwrap()),
        )
        .header("Content-Type", "application/json")
        .header("S-Ca-App", inputs["app_key"].as_str().unwrap())
        .header("S-Ca-Timestamp", inputs["S-Ca-Timestamp"].as_str().unwrap())
        .header(
            "S-Ca-Signature",
            reference["S-Ca-Signature"].as_str().unwrap(),
        )
        .header(
            "S-Ca-Signature-Headers",
            reference["S-Ca-Signature-Headers"].as_str().unwrap(),
        );
    let md5 = reference["Content-MD5"].as_str().unwrap();
    if !md5.is_empty() {
        req = req.header("Content-MD5", md5);
    }
    if let Some(extra) = inputs["extra_headers"].as_object() {
        for (k, val) in extra {
            req = req.header(k.as_str(), val.as_str().unwrap());
        }
    }
    let res = req.body(body.to_vec()).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn vector_ms(v: &Value) -> i64 {
    v["inputs"]["S-Ca-Timestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn media_reference_requests_are_accepted() {
    let (sb, clock) = vector_sandbox(VECTOR_MS).await;
    let base = sb.base_url();
    for id in ["M01", "M02", "M03", "M05", "M07"] {
        let v = vector(id);
        clock.set(vector_ms(&v));
        let (status, body) = send_media_vector(base, &v, None).await;
        assert_eq!(status, 200);
        assert_eq!(body["code"], 0, "{id}: {body}");
        assert_eq!(body["message"], "成功", "{id}: {body}");
    }
    // M07 asks for four link types at once.
    let v = vector("M07");
    clock.set(vector_ms(&v));
    let (_, body) = send_media_vector(base, &v, None).await;
    assert_eq!(
        body["referralLinkMap"].as_object().unwrap().len(),
        4,
        "{body}"
    );
    // M06: the signature of an empty body is right; the empty body is not a
    // JSON object, so it is a parameter error, not an auth error.
    let v = vector("M06");
    clock.set(vector_ms(&v));
    let (_, body) = send_media_vector(base, &v, None).await;
    assert_eq!(body["code"], 1, "{body}");
    // M04 signs a GET to a path the sandbox does not serve.
    let v = vector("M04");
    clock.set(vector_ms(&v));
    let (_, body) = send_media_vector(base, &v, None).await;
    assert_eq!(body["code"], -1, "{body}");
    // The cps_open gateway only takes POST.
    let res = client()
        .get(format!("{base}{QUERY_ORDER}"))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 401, "{body}");
    assert_eq!(body["message"], "不允许的请求方式");
}

#[tokio::test]
async fn media_one_byte_changed_or_stale_timestamp_is_refused() {
    let (sb, clock) = vector_sandbox(VECTOR_MS).await;
    let base = sb.base_url();
    let v = vector("M02");
    let ms = vector_ms(&v);
    clock.set(ms);
    let body = v["inputs"]["body_utf8"]
        .as_str()
        .unwrap()
        .as_bytes()
        .to_vec();

    // One body byte changed: Content-MD5 no longer matches.
    let mut changed = body.clone();
    let pos = changed.iter().position(|b| *b == b'2').unwrap();
    changed[pos] = b'3';
    let (_, r) = send_media_vector(base, &v, Some(&changed)).await;
    assert_eq!(r["code"], 400, "{r}");
    assert_eq!(r["message"], "鉴权不通过");

    // Body and Content-MD5 changed together: the signature no longer matches.
    let mut v2 = v.clone();
    v2["reference"]["Content-MD5"] = meituan_union::sign::content_md5(&changed).into();
    let (_, r) = send_media_vector(base, &v2, Some(&changed)).await;
    assert_eq!(r["code"], 400, "{r}");

    // One signature byte changed.
    let mut v3 = v.clone();
    let sig = v["reference"]["S-Ca-Signature"].as_str().unwrap();
    let flipped: String = sig
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 3 {
                if c == 'A' {
                    'B'
                } else {
                    'A'
                }
            } else {
                c
            }
        })
        .collect();
    v3["reference"]["S-Ca-Signature"] = flipped.into();
    assert_eq!(send_media_vector(base, &v3, None).await.1["code"], 400);

    // Signed-header list without S-Ca-Timestamp.
    let mut v4 = v.clone();
    v4["reference"]["S-Ca-Signature-Headers"] = "S-Ca-App".into();
    assert_eq!(send_media_vector(base, &v4, None).await.1["code"], 400);

    // The window is ±120 s.
    clock.set(ms + 120_000);
    assert_eq!(send_media_vector(base, &v, None).await.1["code"], 0);
    clock.set(ms + 120_001);
    assert_eq!(send_media_vector(base, &v, None).await.1["code"], 400);
    clock.set(ms - 120_001);
    assert_eq!(send_media_vector(base, &v, None).await.1["code"], 400);

    // Unknown app key.
    clock.set(ms);
    let mut v5 = v.clone();
    v5["inputs"]["app_key"] = "nobody".into();
    assert_eq!(send_media_vector(base, &v5, None).await.1["code"], 400);

    let s = sb.admin().day_stats("demo-app-key").unwrap();
    assert_eq!(s.calls, 1, "{s:?}");
    assert_eq!(s.refused_auth, 6, "{s:?}");
}

#[tokio::test]
async fn refusals_name_their_reason_and_every_reply_has_a_date() {
    let (sb, _clock) = vector_sandbox(VECTOR_MS).await;
    let (_, headers, _) = get_raw(&format!(
        "{}{}?{}",
        sb.base_url(),
        ORDER_LIST,
        wire("L01").replace("limit=100", "limit=10")
    ))
    .await;
    assert_eq!(headers["x-sandbox-reason"], "sign mismatch");
    assert_eq!(headers["date"], "Tue, 14 Nov 2023 22:13:20 GMT");
    let (_, headers, _) = get_raw(&format!("{}/nothing-here", sb.base_url())).await;
    assert_eq!(headers["date"], "Tue, 14 Nov 2023 22:13:20 GMT");
}

#[tokio::test]
async fn legacy_parameter_rules() {
    let (cfg, _clock) = manual_config(VECTOR_MS);
    let sb = start(SandboxConfig {
        orders_per_month: 600,
        ..cfg
    })
    .await;
    let demo = sb.demo_account();
    let (k, s) = (demo.appkey.as_str(), demo.secret.expose());
    let base = sb.base_url();
    let ts = VECTOR_MS / 1000;
    let call = |path: &'static str, params: Vec<(&'static str, String)>| {
        let base = base.to_owned();
        let (k, s) = (k.to_owned(), s.to_owned());
        async move {
            let p: Vec<(&str, &str)> = params.iter().map(|(a, b)| (*a, b.as_str())).collect();
            legacy(&base, path, &k, &s, ts, &p).await.2
        }
    };
    let day = ts - 86_400;
    let t = |x: i64| x.to_string();
    // Window over a day.
    let v = call(
        ORDER_LIST,
        vec![
            ("businessLine", t(2)),
            ("startTime", t(day - 1)),
            ("endTime", t(ts)),
        ],
    )
    .await;
    assert_eq!(v["status"], 1005, "{v}");
    assert!(v["des"].as_str().unwrap().contains("1天"), "{v}");
    // Neither actId nor businessLine.
    let v = call(ORDER_LIST, vec![("startTime", t(day)), ("endTime", t(ts))]).await;
    assert_eq!(v["status"], 1005, "{v}");
    // limit over 100, page under 1, millisecond times.
    for (k2, val) in [("limit", "101"), ("page", "0")] {
        let v = call(
            ORDER_LIST,
            vec![
                ("businessLine", t(2)),
                ("startTime", t(day)),
                ("endTime", t(ts)),
                (k2, val.to_owned()),
            ],
        )
        .await;
        assert_eq!(v["status"], 1005, "{k2}: {v}");
    }
    let v = call(
        ORDER_LIST,
        vec![
            ("businessLine", t(2)),
            ("startTime", t(day * 1000)),
            ("endTime", t(ts * 1000)),
        ],
    )
    .await;
    assert_eq!(v["status"], 1005, "{v}");
    // sid of 65 characters; 64 is fine.
    let v = call(
        "/api/generateLink",
        vec![
            ("actId", t(33)),
            ("linkType", t(1)),
            ("sid", "a".repeat(65)),
        ],
    )
    .await;
    assert_eq!(v["status"], 1005, "{v}");
    let v = call(
        "/api/generateLink",
        vec![
            ("actId", t(33)),
            ("linkType", t(1)),
            ("sid", "a".repeat(64)),
        ],
    )
    .await;
    assert_eq!(v["status"], 0, "{v}");
    // Unknown order.
    let v = call("/api/order", vec![("orderId", "1".into())]).await;
    assert_eq!(v["status"], 1008, "{v}");
    // A real order round-trips through /api/order.
    let list = call(
        ORDER_LIST,
        vec![
            ("businessLine", t(2)),
            ("startTime", t(day)),
            ("endTime", t(ts)),
            ("limit", t(1)),
        ],
    )
    .await;
    let id = list["dataList"][0]["orderid"]
        .as_str()
        .expect("an order in the last day")
        .to_owned();
    let v = call("/api/order", vec![("orderId", id.clone()), ("full", t(1))]).await;
    assert_eq!(v["status"], 0, "{v}");
    assert_eq!(v["data"]["orderId"], id.as_str());
    assert!(v["data"]["refundInfoList"].is_array());
    // miniCode and quality score shapes.
    let v = call("/api/miniCode", vec![("actId", t(33)), ("linkType", t(4))]).await;
    assert!(v["data"].as_str().unwrap().ends_with(".png"), "{v}");
    let v = call(
        "/api/getqualityscorebysid",
        vec![
            ("sid", "demo_wx01".into()),
            ("beginDate", "2023-11-01".into()),
            ("endDate", "2023-11-03".into()),
        ],
    )
    .await;
    assert_eq!(v["data"]["total"], 3, "{v}");
    assert_eq!(v["data"]["dataList"][0]["sid"], "demo_wx01");
    // Non-GET.
    let res = client()
        .post(format!("{base}{ORDER_LIST}"))
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["status"], 1010, "{v}");
}

#[tokio::test]
async fn media_parameter_rules_and_scroll_paging() {
    let (cfg, _clock) = manual_config(VECTOR_MS);
    let sb = start(SandboxConfig {
        orders_per_month: 3000,
        ..cfg
    })
    .await;
    let demo = sb.demo_account();
    let (k, s) = (demo.appkey.clone(), demo.secret.expose().to_owned());
    let base = sb.base_url().to_owned();
    let ts = VECTOR_MS / 1000;
    let post = |path: &'static str, body: Value| {
        let (base, k, s) = (base.clone(), k.clone(), s.clone());
        async move { media(&base, path, &k, &s, VECTOR_MS, &body).await.2 }
    };
    use serde_json::json;
    let v = post(QUERY_ORDER, json!({"startTime": ts, "endTime": ts - 1})).await;
    assert_eq!(v["code"], 1, "{v}");
    assert!(
        v["message"].as_str().unwrap().starts_with("参数错误"),
        "{v}"
    );
    let v = post(
        QUERY_ORDER,
        json!({"startTime": ts - 3600, "endTime": ts, "limit": 101}),
    )
    .await;
    assert_eq!(v["code"], 1, "{v}");
    let v = post(
        QUERY_ORDER,
        json!({"startTime": ts - 3600, "endTime": ts, "page": 0}),
    )
    .await;
    assert_eq!(v["code"], 1, "{v}");
    let v = post(
        REFERRAL,
        json!({"actId": "33", "sid": "x".repeat(65), "linkType": 1}),
    )
    .await;
    assert_eq!(v["code"], 1, "{v}");
    let v = post(REFERRAL, json!({"sid": "x", "linkType": 1})).await;
    assert_eq!(v["code"], 1, "{v}");
    let v = post(COUPON, json!({"platform": 1, "pageSize": 0})).await;
    assert_eq!(v["code"], 1, "{v}");
    let v = post(COUPON, json!({"platform": 1, "pageSize": 5})).await;
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["data"].as_array().unwrap().len(), 5);
    assert_eq!(v["hasNext"], true);

    // Scroll paging returns the same orders as page paging, in the same order.
    let window = json!({"startTime": ts - 86_400, "endTime": ts, "queryTimeType": 1});
    let mut by_page = Vec::new();
    for page in 1.. {
        let mut b = window.clone();
        b["page"] = page.into();
        b["limit"] = 37.into();
        let v = post(QUERY_ORDER, b).await;
        let list = v["data"]["dataList"].as_array().unwrap().clone();
        by_page.extend(
            list.iter()
                .map(|o| o["orderId"].as_str().unwrap().to_owned()),
        );
        if list.len() < 37 {
            break;
        }
    }
    let mut by_scroll = Vec::new();
    let mut scroll: Option<String> = None;
    loop {
        let mut b = window.clone();
        b["searchType"] = 2.into();
        b["limit"] = 37.into();
        if let Some(s) = &scroll {
            b["scrollId"] = s.clone().into();
        }
        let v = post(QUERY_ORDER, b).await;
        assert_eq!(v["code"], 0, "{v}");
        let list = v["data"]["dataList"].as_array().unwrap().clone();
        if list.is_empty() {
            break;
        }
        by_scroll.extend(
            list.iter()
                .map(|o| o["orderId"].as_str().unwrap().to_owned()),
        );
        scroll = Some(v["data"]["scrollId"].as_str().unwrap().to_owned());
    }
    assert!(by_page.len() > 37, "{}", by_page.len());
    assert_eq!(by_page, by_scroll);
    // Without platform or businessLine: platform 1 without coupon packs,
    // a part of the window's orders in the window's order.
    let expected = sb
        .admin()
        .media_order_ids_in_range(&k, ts - 86_400, ts, sandbox::TimeType::Pay, None, &[])
        .unwrap();
    assert_eq!(by_page, expected);
    let all = sb
        .admin()
        .order_ids_in_range(&k, ts - 86_400, ts, sandbox::TimeType::Pay)
        .unwrap();
    let in_all: Vec<&String> = all.iter().filter(|id| by_page.contains(id)).collect();
    assert_eq!(in_all.len(), by_page.len());
    assert!(by_page.len() < all.len());
    // A scrollId from another query is refused.
    let mut b = json!({"startTime": ts - 3600, "endTime": ts, "searchType": 2});
    b["scrollId"] = scroll.unwrap().into();
    assert_eq!(post(QUERY_ORDER, b).await["code"], 1);
}
