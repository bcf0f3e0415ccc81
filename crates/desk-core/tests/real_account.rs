//! The protocol crate's "real account" fixtures (bodies in the shapes public
//! sources document, `crates/meituan-union/tests/data/real_account`), replayed
//! through the client's decoders and desk-core's error mapping: what the app
//! hands the interface (`IpcError`) for each documented refusal. Only the
//! media code table is read into a kind; every other refusal reaches the
//! interface as `api` with Meituan's code and message as sent.
//!
//! The same replay writes `ui_expectations.json` beside the fixtures: what
//! the interface receives for each refusal, push, acknowledgement and the
//! order details of one `query_order` answer. The
//! UI's vitest (`ui/src/lib/i18n/realAccount.test.ts`) reads it and checks
//! the words each gets in both languages. After changing a fixture or the
//! mapping, refresh it with `UPDATE_REAL_ACCOUNT_UI=1 cargo test -p
//! desk-core --test real_account`; the test fails while it is stale.

use chrono::{TimeZone, Utc};
use desk_core::gateway::api::map_error;
use desk_core::{ErrorCode, IpcError, ManualClock};
use meituan_union::{
    decode_legacy_answer, decode_media_answer, Error, GenerateLinkRequest, MiniCodeRequest,
    OrderListRequest, OrderRequest, QualityScoreRequest, QueryCouponRequest, QueryOrderRequest,
    ReferralLinkRequest,
};
use serde_json::Value;
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../meituan-union/tests/data/real_account")
}

/// Each media order of an answer as the order detail shows it.
fn media_details(
    orders: &[meituan_union::MediaOrder],
) -> Vec<desk_core::orders::detail::OrderDetail> {
    orders
        .iter()
        .map(|o| {
            let row = desk_core::orders::from_media(o, desk_core::orders::MediaAsked::default());
            desk_core::orders::detail::of_row(row.unwrap(), None, false)
        })
        .collect()
}

/// The error a body decodes to, if any.
fn replay(generation: &str, endpoint: &str, raw: &[u8]) -> Option<Error> {
    match (generation, endpoint) {
        ("legacy", "generateLink") => decode_legacy_answer::<GenerateLinkRequest>(raw).err(),
        ("legacy", "miniCode") => decode_legacy_answer::<MiniCodeRequest>(raw).err(),
        ("legacy", "orderList") => decode_legacy_answer::<OrderListRequest>(raw).err(),
        ("legacy", "order") => decode_legacy_answer::<OrderRequest>(raw).err(),
        ("legacy", "getqualityscorebysid") => {
            decode_legacy_answer::<QualityScoreRequest>(raw).err()
        }
        ("media", "get_referral_link") => decode_media_answer::<ReferralLinkRequest>(raw).err(),
        ("media", "query_order") => decode_media_answer::<QueryOrderRequest>(raw).err(),
        ("media", "query_coupon") => decode_media_answer::<QueryCouponRequest>(raw).err(),
        other => panic!("no decoder for {other:?}"),
    }
}

/// What the interface should receive for a documented refusal.
fn expected_code(generation: &str, code: i64) -> ErrorCode {
    match (generation, code) {
        ("media", 400) => ErrorCode::AuthFailed,
        ("media", 402) => ErrorCode::TooFrequent,
        ("media", 403) => ErrorCode::QuotaExhausted,
        _ => ErrorCode::Api,
    }
}

#[test]
fn documented_refusals_reach_the_interface_as_a_promoter_should_see_them() {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 15, 0, 0).unwrap());
    let dir = data_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let mut refusals = 0;
    let mut for_ui = Vec::new();
    for case in manifest["cases"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap();
        let generation = case["generation"].as_str().unwrap();
        if generation == "callback" {
            continue; // pushes and acknowledgements: below
        }
        let raw = std::fs::read(dir.join(file)).unwrap();
        let error = replay(generation, case["endpoint"].as_str().unwrap(), &raw);
        let expect = &case["expect"];
        if expect.get("ok").is_some() {
            assert!(error.is_none(), "{file}: {error:?}");
            continue;
        }
        let ipc: IpcError = map_error(error.expect("an error"), &clock).into();
        for_ui.push(serde_json::json!({"file": file, "ipc": ipc}));
        if expect.get("unreadable").is_some() {
            assert_eq!(ipc.code, ErrorCode::Decode, "{file}");
            continue;
        }
        refusals += 1;
        let refusal = &expect["refusal"];
        let code = refusal["code"].as_i64().unwrap();
        let message = refusal["message"].as_str().unwrap();
        assert_eq!(ipc.code, expected_code(generation, code), "{file}");
        match ipc.code {
            ErrorCode::Api => {
                // The raw code and text are kept for the interface to show.
                let details = ipc.details.as_ref().expect("details");
                assert_eq!(details["api_code"], code.to_string(), "{file}");
                assert_eq!(details["api_message"], message, "{file}");
            }
            ErrorCode::QuotaExhausted => {
                let details = ipc.details.as_ref().expect("details");
                assert_eq!(details["resets_at"], "2026-03-02T00:00:00+08:00");
            }
            ErrorCode::AuthFailed => assert!(ipc.message.contains(message), "{file}"),
            _ => {}
        }
    }
    assert!(refusals >= 21, "{refusals} refusals replayed");
    ui_expectations("refusals", Value::Array(for_ui));
}

/// Writes (with `UPDATE_REAL_ACCOUNT_UI=1`) or checks one section of
/// `ui_expectations.json`, the file the UI's vitest reads.
fn ui_expectations(section: &str, value: Value) {
    // Tests run in parallel; each writes its own section of the one file.
    static FILE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _file = FILE.lock().unwrap_or_else(|e| e.into_inner());
    let path = data_dir().join("ui_expectations.json");
    let mut file: Value = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    if std::env::var_os("UPDATE_REAL_ACCOUNT_UI").is_some() {
        file["about"] = Value::String(
            "Written by crates/desk-core/tests/real_account.rs from the fixtures in this folder: what the interface receives for each (IpcError for a refusal, the receiver's feed outcome for a push, the test push's diagnosis for an acknowledgement, the order detail for a query_order answer). Read by ui/src/lib/i18n/realAccount.test.ts.".into(),
        );
        file[section] = value;
        std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap() + "\n").unwrap();
        return;
    }
    assert_eq!(
        file[section],
        value,
        "{} is stale: rerun with UPDATE_REAL_ACCOUNT_UI=1",
        path.display()
    );
}

/// The documented acknowledgement bodies, both forms (string and integer
/// `errcode`), as the test push reads a receiver's reply.
#[test]
fn documented_acknowledgements_are_read_as_such() {
    use desk_core::callback::push::classify_body;
    let dir = data_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let mut for_ui = Vec::new();
    for case in manifest["cases"].as_array().unwrap() {
        if case["endpoint"] != "ack" {
            continue;
        }
        let file = case["file"].as_str().unwrap();
        let raw = std::fs::read_to_string(dir.join(file)).unwrap();
        let diagnosis = serde_json::to_value(classify_body(&raw)).unwrap();
        assert_eq!(diagnosis, case["expect"]["ack"], "{file}");
        for_ui.push(serde_json::json!({"file": file, "diagnosis": diagnosis}));
    }
    assert_eq!(for_ui.len(), 4);
    ui_expectations("acks", Value::Array(for_ui));
}

/// The documented push bodies, POSTed to the app's own receiver holding the
/// callback secret: each authentic one is acknowledged and stored with its
/// order id and status as sent (text or number); the one signed with the
/// API secret is refused as a sign mismatch and not stored.
#[tokio::test]
async fn documented_pushes_reach_the_receiver_as_a_promoter_should_see_them() {
    use desk_core::callback::{start_receiver, FeedOutcome, ReceiverConfig, ACK_ERR, ACK_OK};
    use desk_core::Store;
    use std::sync::Arc;
    let dir = data_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let secret = manifest["callback_secret"].as_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("t.sqlite3")).unwrap();
    let receiver = start_receiver(
        store,
        Arc::new(ManualClock::new(Utc::now())),
        ReceiverConfig::loopback(0, "real", meituan_union::Secret::from(secret)),
    )
    .await
    .unwrap();
    let http = meituan_union::http::client_builder().build().unwrap();
    let mut for_ui = Vec::new();
    for case in manifest["cases"].as_array().unwrap() {
        if case["endpoint"] != "push" {
            continue;
        }
        let file = case["file"].as_str().unwrap();
        let expect = &case["expect"]["push"];
        let raw = std::fs::read(dir.join(file)).unwrap();
        let before = receiver.feed_after(0).len();
        let reply = http
            .post(receiver.url())
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        let status = reply.status().as_u16();
        let body = reply.text().await.unwrap();
        let feed = receiver.feed_after(0);
        assert_eq!(feed.len(), before + 1, "{file}");
        let item = feed.last().unwrap();
        if expect["verified"].as_bool().unwrap() {
            assert_eq!((status, body.as_str()), (200, ACK_OK), "{file}");
            assert_eq!(item.outcome, FeedOutcome::Stored, "{file}: {item:?}");
            assert_eq!(
                item.order_id.as_deref(),
                expect["orderid"].as_str(),
                "{file}"
            );
            assert_eq!(item.status.as_deref(), expect["status"].as_str(), "{file}");
            assert_eq!(
                item.refund_type.as_deref(),
                expect["refund_type"].as_str(),
                "{file}"
            );
        } else {
            assert_eq!((status, body.as_str()), (400, ACK_ERR), "{file}");
            assert_eq!(item.outcome, FeedOutcome::Rejected, "{file}");
            assert_eq!(
                serde_json::to_value(item.reason_code).unwrap(),
                "sign_mismatch",
                "{file}"
            );
        }
        for_ui.push(serde_json::json!({
            "file": file,
            "outcome": item.outcome,
            "reason_code": item.reason_code,
            "status": item.status,
            "refund_type": item.refund_type,
        }));
    }
    assert!(for_ui.len() >= 8);
    receiver.stop().await;
    ui_expectations("pushes", Value::Array(for_ui));
}

/// `/api/order` answers in the documented shapes (dtapps `api.order.go`:
/// the three lists as objects, the risk flag named `riskApiOrder`) and the
/// sandbox's array form: each is read, and shown with its state.
#[test]
fn documented_legacy_orders_read_as_a_promoter_should_see_them() {
    use desk_core::orders::detail as order_detail;
    use desk_core::orders::{self, OrderStatus};
    let shown = |file: &str| {
        let raw = std::fs::read(data_dir().join(file)).unwrap();
        let order = decode_legacy_answer::<OrderRequest>(&raw).unwrap();
        order_detail::of_row(orders::from_legacy(&order).unwrap(), None, false)
    };
    let done = shown("legacy_order_ok_object_lists.json");
    assert_eq!(done.order.status, OrderStatus::Completed);
    assert!(!done.risk);
    assert_eq!(done.order.profit_cents, 122);
    assert_eq!(
        done.line.as_ref().and_then(|l| l.name_zh.as_deref()),
        Some("外卖")
    );

    // Status 9 with riskApiOrder 1: risk control, not a refund.
    let risk = shown("legacy_order_ok_risk_refund.json");
    assert_eq!(risk.order.status, OrderStatus::Risk);
    assert!(risk.risk);
    assert_eq!(risk.order.refund_profit_cents, 122);

    // Status 9 without the flag: a refund; the lists as arrays read too.
    let refunded = shown("legacy_order_ok_array_lists.json");
    assert_eq!(refunded.order.status, OrderStatus::Refunded);
    assert!(!refunded.risk);
    assert_eq!(refunded.order.refund_profit_cents, 122);
}

/// Media orders completed (parent status "3") and cancelled with a refund
/// ("4", every coupon 失效 with its refund): dtapps
/// `media.query_order.go@c37755e:31,37-39,47`.
#[test]
fn documented_completed_and_refunded_media_orders_read_as_a_promoter_should_see_them() {
    use desk_core::orders::detail::CouponStatus;
    use desk_core::orders::OrderStatus;
    let raw =
        std::fs::read(data_dir().join("media_query_order_ok_completed_refunded.json")).unwrap();
    let answer = decode_media_answer::<QueryOrderRequest>(&raw).unwrap();
    let shown = media_details(&answer.orders);
    assert_eq!(shown[0].order.status, OrderStatus::Completed);
    assert_eq!(shown[0].order.refund_profit_cents, 0);
    assert_eq!(shown[0].order.profit_cents, 122);

    let cancelled = &shown[1];
    assert_eq!(cancelled.order.status, OrderStatus::Cancelled);
    assert!(!cancelled.risk);
    assert_eq!(
        cancelled.line.as_ref().and_then(|l| l.name_zh.as_deref()),
        Some("到综")
    );
    assert_eq!(cancelled.order.refund_profit_cents, 360);
    assert_eq!(cancelled.refund_time, Some(1_700_090_000));
    assert_eq!(
        cancelled
            .coupons
            .iter()
            .map(|c| (c.status, c.refund_amount_cents, c.refund_fee_cents))
            .collect::<Vec<_>>(),
        vec![(CouponStatus::Invalid, Some(3000), Some(180)); 2]
    );
}

/// Orders in the shapes dtapps `media.query_order.go@c37755e` and bububa
/// `model/query_order.go` document (status as text or number, `orderDetail`
/// as a list or one object, `appKey`, no `platform`): decoded, normalized
/// and shown the way a promoter should read them.
#[test]
fn documented_media_orders_read_as_a_promoter_should_see_them() {
    use desk_core::orders::detail::{CouponStatus, TradeKind};
    use desk_core::orders::OrderStatus;
    let raw = std::fs::read(data_dir().join("media_query_order_ok_lines.json")).unwrap();
    let answer = decode_media_answer::<QueryOrderRequest>(&raw).unwrap();
    assert_eq!(answer.orders.len(), 4);
    assert_eq!(answer.scroll_id.as_deref(), Some("next-1"));
    let shown = media_details(&answer.orders);

    // 到店 1 is 到餐: paid, with each coupon's own state (one redeemed).
    let dine = &shown[0];
    assert_eq!(dine.order.line_key.as_deref(), Some("media:2:1"));
    assert_eq!(
        dine.line.as_ref().and_then(|l| l.name_zh.as_deref()),
        Some("到餐")
    );
    assert_eq!(dine.order.status, OrderStatus::Paid);
    assert_eq!(
        dine.coupons.iter().map(|c| c.status).collect::<Vec<_>>(),
        vec![CouponStatus::Completed, CouponStatus::Paid]
    );
    assert_eq!(dine.specification.as_deref(), Some("周末可用"));
    assert_eq!(dine.city.as_deref(), Some("北京"));
    assert_eq!(dine.commission_rate, Some(300));

    // 到家 7 is 商品超值券包, settled; its one coupon line came as an object.
    let pack = &shown[1];
    assert_eq!(
        pack.line.as_ref().and_then(|l| l.name_zh.as_deref()),
        Some("商品超值券包")
    );
    assert_eq!(pack.order.status, OrderStatus::Settled);
    assert_eq!(pack.coupons.len(), 1);
    assert_eq!(pack.coupons[0].status, CouponStatus::Settled);
    assert_eq!(pack.coupons[0].settle_time, Some(1_702_000_000));
    assert_eq!(pack.sku_count, Some(2));

    // 到家 5 医药, a CPA reward held by risk control (status as a number).
    let pharmacy = &shown[2];
    assert_eq!(
        pharmacy.line.as_ref().and_then(|l| l.name_zh.as_deref()),
        Some("医药")
    );
    assert_eq!(pharmacy.order.status, OrderStatus::Risk);
    assert!(pharmacy.risk);
    assert_eq!(pharmacy.trade, Some(TradeKind::Cpa));
    assert_eq!(pharmacy.order.cpa_profit_cents, 650);

    // No platform (Meituan's default is 1) and a code no source names: kept
    // as sent, shown as its code rather than guessed at.
    let unknown = &shown[3];
    assert_eq!(unknown.order.line_key.as_deref(), Some("media:1:10"));
    let line = unknown.line.as_ref().unwrap();
    assert_eq!((line.name_zh.as_deref(), line.code), (None, 10));
    assert_eq!(line.platform_zh.as_deref(), Some("到家及其他"));
}

/// The refund, category and status fields dtapps
/// `media.query_order.go@c37755e` documents, as a promoter reads them in the
/// order detail (issue 18): a 到家 order's category with its id and the
/// commission and CPA reward a refund took back (`:43-46`, `:53-54`); a 到店
/// refund with no order-level field, summed from its coupon lines
/// (`:37-39`, `:43-45`); a coupon line's settlement (`:40`); a parent status
/// no source names, kept as sent (never 已付款). The details go to
/// `ui_expectations.json` ("orders"), where the UI's vitest renders them.
#[test]
fn documented_refund_category_and_status_fields_read_as_a_promoter_should_see_them() {
    use desk_core::orders::detail::CouponStatus;
    use desk_core::orders::OrderStatus;
    let file = "media_query_order_ok_refund_fields.json";
    let raw = std::fs::read(data_dir().join(file)).unwrap();
    let answer = decode_media_answer::<QueryOrderRequest>(&raw).unwrap();
    let shown = media_details(&answer.orders);
    let [media, daodian, settled, unknown] = &shown[..] else {
        panic!("4 orders")
    };

    // 到家 团好货, refunded: category 水果 with its id, the commission (2.40)
    // and the CPA reward (0.50) taken back, both order-level.
    assert_eq!(media.order.status, OrderStatus::Cancelled);
    assert!(media.status_known);
    assert_eq!(
        (media.category.as_deref(), media.category_id.as_deref()),
        (Some("水果"), Some("15"))
    );
    assert_eq!(media.refund_profit_cents, Some(240));
    assert_eq!(media.cpa_refund_profit_cents, Some(50));
    assert_eq!(media.order.refund_profit_cents, 290);
    assert_eq!(media.order.refund_price_cents, 5990);
    assert_eq!(media.refund_time, Some(1_700_200_000));

    // 到店 到餐, refunded, no order-level refund field: the sums of its
    // coupon lines, the latest coupon refund time.
    assert_eq!(
        daodian.line.as_ref().and_then(|l| l.name_zh.as_deref()),
        Some("到餐")
    );
    assert_eq!(daodian.order.status, OrderStatus::Cancelled);
    assert_eq!(daodian.order.refund_price_cents, 9000);
    assert_eq!(daodian.order.refund_profit_cents, 450);
    assert_eq!(daodian.refund_profit_cents, Some(450));
    assert_eq!(daodian.cpa_refund_profit_cents, None);
    assert_eq!(daodian.refund_time, Some(1_700_093_600));
    assert_eq!(
        daodian
            .coupons
            .iter()
            .map(|c| (
                c.status,
                c.refund_amount_cents,
                c.refund_fee_cents,
                c.refund_time
            ))
            .collect::<Vec<_>>(),
        vec![
            (
                CouponStatus::Invalid,
                Some(4500),
                Some(225),
                Some(1_700_090_000)
            ),
            (
                CouponStatus::Invalid,
                Some(4500),
                Some(225),
                Some(1_700_093_600)
            ),
        ]
    );
    assert_eq!(
        (daodian.category.as_deref(), daodian.category_id.as_deref()),
        (Some("烤肉"), Some("226"))
    );

    // 到综, settled: the coupon line's settlement time; no refund.
    assert_eq!(settled.order.status, OrderStatus::Settled);
    assert_eq!(settled.coupons[0].status, CouponStatus::Settled);
    assert_eq!(settled.coupons[0].settle_time, Some(1_702_000_000));
    assert_eq!(settled.coupons[0].finish_time, Some(1_700_100_000));
    assert_eq!(
        (settled.refund_profit_cents, settled.refund_time),
        (None, None)
    );
    assert_eq!(settled.order.refund_price_cents, 0);

    // Parent status 7: unknown, kept as sent, not 已付款; its commission
    // stays what Meituan said.
    assert_eq!(unknown.order.status, OrderStatus::Unknown);
    assert_eq!(unknown.order.raw_status, 7);
    assert!(!unknown.status_known);
    assert_eq!(unknown.status_code.as_deref(), Some("7"));
    assert_eq!(unknown.order.profit_cents, 75);
    assert_eq!(unknown.refund_profit_cents, None);

    let for_ui: Vec<Value> = shown
        .iter()
        .map(|d| serde_json::json!({"file": file, "detail": d}))
        .collect();
    ui_expectations("orders", Value::Array(for_ui));
}
