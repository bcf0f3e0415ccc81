//! The protocol crate's "real account" fixtures (bodies in the shapes public
//! sources document, `crates/meituan-union/tests/data/real_account`), replayed
//! through the client's decoders and desk-core's error mapping: what the app
//! hands the interface (`IpcError`) for each documented refusal. Only the
//! media code table is read into a kind; every other refusal reaches the
//! interface as `api` with Meituan's code and message as sent.

use chrono::{TimeZone, Utc};
use desk_core::gateway::api::map_error;
use desk_core::{ErrorCode, IpcError, ManualClock};
use meituan_union::{
    decode_legacy_answer, decode_media_answer, Error, GenerateLinkRequest, MiniCodeRequest,
    OrderListRequest, QueryCouponRequest, QueryOrderRequest, ReferralLinkRequest,
};
use serde_json::Value;
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../meituan-union/tests/data/real_account")
}

/// The error a body decodes to, if any.
fn replay(generation: &str, endpoint: &str, raw: &[u8]) -> Option<Error> {
    match (generation, endpoint) {
        ("legacy", "generateLink") => decode_legacy_answer::<GenerateLinkRequest>(raw).err(),
        ("legacy", "miniCode") => decode_legacy_answer::<MiniCodeRequest>(raw).err(),
        ("legacy", "orderList") => decode_legacy_answer::<OrderListRequest>(raw).err(),
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
    for case in manifest["cases"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap();
        let generation = case["generation"].as_str().unwrap();
        let raw = std::fs::read(dir.join(file)).unwrap();
        let error = replay(generation, case["endpoint"].as_str().unwrap(), &raw);
        let expect = &case["expect"];
        if expect.get("ok").is_some() {
            assert!(error.is_none(), "{file}: {error:?}");
            continue;
        }
        let ipc: IpcError = map_error(error.expect("an error"), &clock).into();
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
    assert!(refusals >= 20, "{refusals} refusals replayed");
}

/// Orders in the shapes dtapps `media.query_order.go@c37755e` and bububa
/// `model/query_order.go` document (status as text or number, `orderDetail`
/// as a list or one object, `appKey`, no `platform`): decoded, normalized
/// and shown the way a promoter should read them.
#[test]
fn documented_media_orders_read_as_a_promoter_should_see_them() {
    use desk_core::orders::detail::{self as order_detail, CouponStatus, TradeKind};
    use desk_core::orders::{self, MediaAsked, OrderStatus};
    let raw = std::fs::read(data_dir().join("media_query_order_ok_lines.json")).unwrap();
    let answer = decode_media_answer::<QueryOrderRequest>(&raw).unwrap();
    assert_eq!(answer.orders.len(), 4);
    assert_eq!(answer.scroll_id.as_deref(), Some("next-1"));
    let shown: Vec<_> = answer
        .orders
        .iter()
        .map(|o| {
            order_detail::of_row(
                orders::from_media(o, MediaAsked::default()).unwrap(),
                None,
                false,
            )
        })
        .collect();

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
