//! "Real account" fixtures: response bodies in the shapes public sources
//! document (`tests/data/real_account/cases.json` names the source of each),
//! replayed through the client's decoders exactly as a call reads them. Each
//! case states what a promoter should see: the decoded answer, or the typed
//! refusal with Meituan's raw code and message kept, or an unreadable answer
//! with its raw body kept. Callback pushes are checked with the callback
//! secret as a receiver checks them; acknowledgement bodies are replayed in
//! desk-core, which classifies them.

use meituan_union::*;
use serde_json::Value;
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/real_account")
}

/// What a replayed body decoded to, reduced to what the user sees.
#[derive(Debug, PartialEq)]
enum Seen {
    Url(String),
    Orders {
        count: usize,
        total: Option<i64>,
    },
    /// One order (`/api/order`): its id, raw status and risk flag.
    Order {
        id: String,
        status: i64,
        risk: bool,
    },
    Scores {
        count: usize,
        total: i64,
    },
    Coupons(usize),
    Refusal(ApiErrorKind, i64, String),
    Unreadable(String),
}

fn seen<T>(result: Result<T, Error>, ok: impl FnOnce(T) -> Seen) -> Seen {
    match result {
        Ok(v) => ok(v),
        Err(e @ Error::Api { .. }) => {
            let kind = e.api_kind().expect("an API refusal has a kind");
            let Error::Api { code, message, .. } = e else {
                unreachable!()
            };
            Seen::Refusal(kind, code, message)
        }
        Err(Error::Decode { raw, .. }) => Seen::Unreadable(raw),
        Err(other) => panic!("unexpected error kind {other:?}"),
    }
}

fn replay(generation: &str, endpoint: &str, raw: &[u8]) -> Seen {
    match (generation, endpoint) {
        ("legacy", "generateLink") => seen(decode_legacy_answer::<GenerateLinkRequest>(raw), |r| {
            Seen::Url(r.url)
        }),
        ("legacy", "miniCode") => seen(decode_legacy_answer::<MiniCodeRequest>(raw), |r| {
            Seen::Url(r.url)
        }),
        ("legacy", "orderList") => seen(decode_legacy_answer::<OrderListRequest>(raw), |r| {
            Seen::Orders {
                count: r.orders.len(),
                total: Some(r.total),
            }
        }),
        ("legacy", "order") => seen(decode_legacy_answer::<OrderRequest>(raw), |o| Seen::Order {
            id: o.orderid.clone().expect("an order id"),
            status: o.status_code.expect("a status"),
            risk: o.is_risk_order(),
        }),
        ("legacy", "getqualityscorebysid") => {
            seen(decode_legacy_answer::<QualityScoreRequest>(raw), |r| {
                Seen::Scores {
                    count: r.scores.len(),
                    total: r.total,
                }
            })
        }
        ("media", "get_referral_link") => {
            seen(decode_media_answer::<ReferralLinkRequest>(raw), |r| {
                Seen::Url(r.link.expect("a link"))
            })
        }
        ("media", "query_order") => seen(decode_media_answer::<QueryOrderRequest>(raw), |r| {
            Seen::Orders {
                count: r.orders.len(),
                total: None,
            }
        }),
        ("media", "query_coupon") => seen(decode_media_answer::<QueryCouponRequest>(raw), |r| {
            Seen::Coupons(r.coupons.len())
        }),
        other => panic!("no decoder for {other:?}"),
    }
}

fn kind_named(name: &str) -> ApiErrorKind {
    match name {
        "Unavailable" => ApiErrorKind::Unavailable,
        "Param" => ApiErrorKind::Param,
        "Processing" => ApiErrorKind::Processing,
        "AuthFailed" => ApiErrorKind::AuthFailed,
        "MethodNotAllowed" => ApiErrorKind::MethodNotAllowed,
        "TooFrequent" => ApiErrorKind::TooFrequent,
        "QuotaExceeded" => ApiErrorKind::QuotaExceeded,
        "System" => ApiErrorKind::System,
        "Other" => ApiErrorKind::Other,
        other => panic!("unknown kind {other}"),
    }
}

fn expected(expect: &Value, raw: &[u8]) -> Seen {
    if let Some(ok) = expect.get("ok") {
        if let Some(url) = ok.get("url") {
            return Seen::Url(url.as_str().unwrap().to_owned());
        }
        if let Some(id) = ok.get("order") {
            return Seen::Order {
                id: id.as_str().unwrap().to_owned(),
                status: ok["status"].as_i64().unwrap(),
                risk: ok["risk"].as_bool().unwrap(),
            };
        }
        if let Some(n) = ok.get("scores") {
            return Seen::Scores {
                count: n.as_u64().unwrap() as usize,
                total: ok["total"].as_i64().unwrap(),
            };
        }
        if let Some(n) = ok.get("coupons") {
            return Seen::Coupons(n.as_u64().unwrap() as usize);
        }
        return Seen::Orders {
            count: ok["orders"].as_u64().unwrap() as usize,
            total: ok.get("total").and_then(Value::as_i64),
        };
    }
    if let Some(r) = expect.get("refusal") {
        return Seen::Refusal(
            kind_named(r["kind"].as_str().unwrap()),
            r["code"].as_i64().unwrap(),
            r["message"].as_str().unwrap().to_owned(),
        );
    }
    assert_eq!(expect.get("unreadable"), Some(&Value::Bool(true)));
    Seen::Unreadable(String::from_utf8(raw.to_vec()).unwrap())
}

#[test]
fn documented_bodies_decode_to_what_a_promoter_should_see() {
    let dir = data_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert!(cases.len() >= 49, "{} cases", cases.len());
    let mut media_codes = std::collections::BTreeSet::new();
    for case in cases {
        let file = case["file"].as_str().unwrap();
        assert!(
            !case["source"].as_str().unwrap_or_default().is_empty(),
            "{file} names no source"
        );
        let raw = std::fs::read(dir.join(file)).unwrap();
        let generation = case["generation"].as_str().unwrap();
        if generation == "callback" {
            continue; // below
        }
        let got = replay(generation, case["endpoint"].as_str().unwrap(), &raw);
        assert_eq!(got, expected(&case["expect"], &raw), "{file}");
        if let (Seen::Refusal(kind, code, _), "media") = (&got, generation) {
            if *kind != ApiErrorKind::Other {
                media_codes.insert(*code);
            }
        }
    }
    // Every code of the media table, each in both envelopes.
    assert_eq!(
        media_codes.into_iter().collect::<Vec<_>>(),
        vec![-1, 1, 2, 400, 401, 402, 403, 999]
    );
}

#[test]
fn only_the_documented_media_code_is_a_quota_signal() {
    let dir = data_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    for case in manifest["cases"].as_array().unwrap() {
        let raw = std::fs::read(dir.join(case["file"].as_str().unwrap())).unwrap();
        let generation = case["generation"].as_str().unwrap();
        if generation == "callback" {
            continue;
        }
        if let Seen::Refusal(kind, code, message) =
            replay(generation, case["endpoint"].as_str().unwrap(), &raw)
        {
            let quota = kind == ApiErrorKind::QuotaExceeded;
            assert_eq!(
                quota,
                generation == "media" && code == 403,
                "{generation} {code} {message}"
            );
            let auth = kind == ApiErrorKind::AuthFailed;
            assert_eq!(
                auth,
                generation == "media" && code == 400,
                "{generation} {code} {message}"
            );
        }
    }
}

/// Order pushes in each documented shape (every field a string; numbers as
/// JSON numbers; wepkg's int status; 优选's `tradeTypeList` array) verify
/// with the callback secret and carry the documented status 1, 8 or 9 and
/// `refundType`; one signed with the API secret does not verify.
#[test]
fn documented_pushes_verify_with_the_callback_secret_only() {
    let dir = data_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let secret = manifest["callback_secret"].as_str().unwrap();
    let mut statuses = std::collections::BTreeSet::new();
    let mut pushes = 0;
    for case in manifest["cases"].as_array().unwrap() {
        if case["endpoint"] != "push" {
            continue;
        }
        pushes += 1;
        let file = case["file"].as_str().unwrap();
        let raw = std::fs::read(dir.join(file)).unwrap();
        let expect = &case["expect"]["push"];
        let check = sign::verify_callback(secret, &raw).unwrap();
        assert_eq!(
            check.valid,
            expect["verified"].as_bool().unwrap(),
            "{file}: {:?}",
            check.reason
        );
        let body: Value = serde_json::from_slice(&raw).unwrap();
        // A status or refundType is read whether it came as text or number.
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => panic!("{file}: {other}"),
        };
        assert_eq!(text(&body["orderid"]), expect["orderid"], "{file}");
        let status = text(&body["status"]);
        assert_eq!(status, expect["status"], "{file}");
        if let Some(refund_type) = expect.get("refund_type") {
            assert_eq!(&text(&body["refundType"]), refund_type, "{file}");
        }
        if check.valid {
            statuses.insert(status);
        }
    }
    assert!(pushes >= 8, "{pushes} pushes");
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        vec!["1".to_owned(), "8".into(), "9".into()]
    );
}

/// `query_order` with the refund and category fields dtapps
/// `media.query_order.go@c37755e` documents (issue 18): order-level refunds
/// and the category on a 到家 order (`:43-46`, `:53-54`), a 到店 refund
/// carried by its coupon lines only (`:37-39`, `:43-45`), a coupon line's
/// `settleTime` (`:40`), and a parent status no source names, kept as sent.
#[test]
fn documented_refund_and_category_fields_are_kept_as_sent() {
    let raw = std::fs::read(data_dir().join("media_query_order_ok_refund_fields.json")).unwrap();
    let answer = decode_media_answer::<QueryOrderRequest>(&raw).unwrap();
    let [media, daodian, settled, unknown] = &answer.orders[..] else {
        panic!("4 orders: {:?}", answer.orders)
    };
    assert_eq!(media.category_id, Some(15));
    assert_eq!(media.category_name.as_deref(), Some("水果"));
    assert_eq!(media.refund_price.as_deref(), Some("59.90"));
    assert_eq!(media.refund_profit.as_deref(), Some("2.40"));
    assert_eq!(media.cpa_refund_profit.as_deref(), Some("0.50"));
    assert_eq!(media.refund_time.as_deref(), Some("1700200000"));
    assert_eq!(media.status(), Some(MediaOrderStatus::Cancelled));

    // 到店: no order-level refund field at all; each coupon line has its own.
    assert_eq!(
        (
            &daodian.refund_price,
            &daodian.refund_profit,
            &daodian.refund_time
        ),
        (&None, &None, &None)
    );
    let lines: Vec<_> = daodian
        .order_detail
        .iter()
        .map(|d| {
            (
                d["couponStatus"].as_str().unwrap(),
                d["refundAmount"].as_str().unwrap(),
                d["refundFee"].as_str().unwrap(),
                d["refundTime"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("4", "45.00", "2.25", "1700090000"),
            ("4", "45.00", "2.25", "1700093600")
        ]
    );
    assert_eq!(settled.order_detail[0]["settleTime"], "1702000000");
    assert_eq!(settled.status(), Some(MediaOrderStatus::Settled));

    // Status 7: read as the number sent, no documented meaning.
    assert_eq!(unknown.status_code, Some(7));
    assert_eq!(unknown.status(), None);
}
