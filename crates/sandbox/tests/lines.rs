//! Business lines as each API generation numbers them, over HTTP.
//!
//! Media `query_order` (dtapps/go-library
//! `service/meituan/media.query_order.go@c37755e:17-18`, bububa/meituan
//! `model/query_order.go:10-12,20`): `platform` absent = 1; platform 1
//! without `businessLine` = every line but 7; a list with 7 = type 7 only;
//! platform 2 without `businessLine` = 到餐 only. Legacy `orderList`
//! (bububa `enum/businessLine.go:9-41`): 到餐/到综 are 6/7, not 9/10.

mod common;

use common::*;
use sandbox::{Clock, RunningSandbox, SandboxConfig, TimeType};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashSet};

const TS: i64 = VECTOR_MS / 1000;
/// A week of orders, paid before "now".
const START: i64 = TS - 7 * 86_400;

async fn sandbox() -> RunningSandbox {
    start(SandboxConfig {
        seed: 11,
        orders_per_month: 1500,
        clock: Clock::fixed(VECTOR_MS),
        ..SandboxConfig::default()
    })
    .await
}

/// Every item of a media query (scrolling to the end), `extra` merged into
/// a week's window by pay time.
async fn media_all(sb: &RunningSandbox, extra: Value) -> Vec<Value> {
    let demo = sb.demo_account();
    let mut out = Vec::new();
    let mut scroll: Option<String> = None;
    loop {
        let mut body = json!({"startTime": START, "endTime": TS, "queryTimeType": 1,
                              "searchType": 2, "limit": 100});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        if let Some(s) = &scroll {
            body["scrollId"] = s.clone().into();
        }
        let v = media(
            sb.base_url(),
            QUERY_ORDER,
            &demo.appkey,
            demo.secret.expose(),
            VECTOR_MS,
            &body,
        )
        .await
        .2;
        assert_eq!(v["code"], 0, "{body} → {v}");
        let list = v["data"]["dataList"].as_array().unwrap().clone();
        if list.is_empty() {
            break;
        }
        out.extend(list);
        scroll = Some(v["data"]["scrollId"].as_str().unwrap().to_owned());
    }
    out
}

fn pair(o: &Value) -> (i64, i64) {
    (
        o["platform"].as_i64().unwrap(),
        o["businessLine"].as_i64().unwrap(),
    )
}

fn pairs(items: &[Value]) -> BTreeSet<(i64, i64)> {
    items.iter().map(pair).collect()
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|o| o["orderId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_query_order_follows_the_documented_line_defaults() {
    let sb = sandbox().await;
    let all: Vec<String> = sb
        .admin()
        .order_ids_in_range(&sb.demo_account().appkey, START, TS, TimeType::Pay)
        .unwrap();

    // No platform, no businessLine: platform 1 only, every line but 7.
    let default = media_all(&sb, json!({})).await;
    assert_eq!(
        pairs(&default),
        BTreeSet::from([
            (1, 1),
            (1, 2),
            (1, 3),
            (1, 4),
            (1, 5),
            (1, 6),
            (1, 8),
            (1, 11)
        ]),
    );
    // The same with platform 1, or an empty list.
    assert_eq!(
        ids(&media_all(&sb, json!({"platform": 1})).await),
        ids(&default)
    );
    assert_eq!(
        ids(&media_all(&sb, json!({"platform": 1, "businessLine": []})).await),
        ids(&default)
    );

    // A list with 7: coupon packs only.
    let packs = media_all(&sb, json!({"businessLine": [7]})).await;
    assert_eq!(pairs(&packs), BTreeSet::from([(1, 7)]));
    let packs_too = media_all(&sb, json!({"platform": 1, "businessLine": [1, 7]})).await;
    assert_eq!(ids(&packs_too), ids(&packs));

    // Platform 2 without lines: 到餐 only; with [1, 2] both.
    let daocan = media_all(&sb, json!({"platform": 2})).await;
    assert_eq!(pairs(&daocan), BTreeSet::from([(2, 1)]));
    let daodian = media_all(&sb, json!({"platform": 2, "businessLine": [1, 2]})).await;
    assert_eq!(pairs(&daodian), BTreeSet::from([(2, 1), (2, 2)]));

    // The three questions together are the whole window, each order once.
    let mut union: Vec<String> = ids(&default);
    union.extend(ids(&packs));
    union.extend(ids(&daodian));
    let unique: HashSet<&String> = union.iter().collect();
    assert_eq!(unique.len(), union.len(), "no order in two answers");
    assert_eq!(unique, all.iter().collect::<HashSet<_>>());

    // Refunds: every refunded order but the coupon packs, at order level
    // except on 到店 lines, whose coupon lines carry them.
    let cents = |v: &Value| -> i64 {
        let s = v.as_str().unwrap_or("");
        match s.split_once('.') {
            Some((y, f)) => y.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap(),
            None => 0,
        }
    };
    assert!(daodian.iter().all(|o| o.get("refundPrice").is_none()));
    let refunds: i64 = default
        .iter()
        .chain(&packs)
        .map(|o| cents(&o["refundPrice"]))
        .chain(daodian.iter().flat_map(|o| {
            o["orderDetail"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| cents(&d["refundAmount"]))
        }))
        .sum();
    assert!(
        daodian.iter().any(|o| o["status"] == "4"),
        "some refunded 到店 orders"
    );
    let totals = sb
        .admin()
        .orders_in_range(&sb.demo_account().appkey, START, TS, TimeType::Pay)
        .unwrap();
    assert_eq!(refunds, totals.media_refund_cents);
    assert!(totals.media_refund_cents > 0);
    let refunded_packs = packs.iter().filter(|o| o["status"] == "4").count();
    assert_eq!(
        totals.media_refund_cents < totals.refund_cents,
        refunded_packs > 0,
        "{totals:?}"
    );

    // A listed line is read within its platform; unknown codes are
    // accepted and match nothing.
    let one = media_all(&sb, json!({"platform": 1, "businessLine": [1, 11]})).await;
    assert_eq!(pairs(&one), BTreeSet::from([(1, 1), (1, 11)]));
    for lines in [json!([9]), json!([10]), json!([99, 12])] {
        assert!(
            media_all(&sb, json!({"platform": 2, "businessLine": lines}))
                .await
                .is_empty()
        );
        assert!(
            media_all(&sb, json!({"platform": 1, "businessLine": lines}))
                .await
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_items_carry_only_documented_media_codes() {
    let sb = sandbox().await;
    let mut items = media_all(&sb, json!({})).await;
    items.extend(media_all(&sb, json!({"businessLine": [7]})).await);
    items.extend(media_all(&sb, json!({"platform": 2, "businessLine": [1, 2]})).await);
    assert!(items.len() > 300, "{}", items.len());
    let documented = meituan_union::lines::OrderLine::known(true);
    for o in &items {
        let (p, l) = pair(o);
        assert!(
            documented.contains(&meituan_union::lines::OrderLine::media(p, l)),
            "({p}, {l}) is no documented media line: {o}"
        );
        // Legacy-only codes never leak into the media view.
        assert!(!(p == 2 && (l == 9 || l == 10)), "{o}");
        assert!(!o["productName"].as_str().unwrap().is_empty());
        match (p, l) {
            (1, 7) => {
                assert!(o.get("refundPrice").is_none(), "{o}");
                assert!(o.get("refundProfit").is_none(), "{o}");
                assert!(o["cityName"].is_string(), "{o}");
                if o["tradeType"] == 1 {
                    assert!(o["skuCount"].as_i64().unwrap() >= 1, "{o}");
                }
                assert!(o["orderDetail"].is_array(), "{o}");
            }
            (2, _) => {
                let d = o["orderDetail"].as_array().expect("到店 orderDetail");
                assert!(!d.is_empty());
                for x in d {
                    assert!(x["itemOrderId"]
                        .as_str()
                        .unwrap()
                        .starts_with(o["orderId"].as_str().unwrap()));
                    assert!(
                        ["1", "2", "4"].contains(&x["couponStatus"].as_str().unwrap()),
                        "{x}"
                    );
                }
                assert!(o["cityName"].is_string(), "{o}");
            }
            (1, 5) | (1, 11) => assert!(o["orderDetail"].is_array(), "{o}"),
            _ => assert!(o.get("orderDetail").is_none(), "{o}"),
        }
        assert!(o.get("specificationName").is_some(), "{o}");
    }
    // Refunded 到店 coupons carry their refund.
    assert!(items.iter().any(|o| pair(o).0 == 2
        && o["status"] == "4"
        && o["orderDetail"][0]["refundAmount"].is_string()));
}

#[tokio::test]
async fn media_order_id_lookups_follow_the_same_line_rules() {
    let sb = sandbox().await;
    let demo = sb.demo_account();
    let ask = |body: Value| {
        let (base, k, s) = (
            sb.base_url().to_owned(),
            demo.appkey.clone(),
            demo.secret.expose().to_owned(),
        );
        async move {
            let v = media(&base, QUERY_ORDER, &k, &s, VECTOR_MS, &body).await.2;
            assert_eq!(v["code"], 0, "{v}");
            ids(v["data"]["dataList"].as_array().unwrap())
        }
    };
    let pack = media_all(&sb, json!({"businessLine": [7]})).await[0]["orderId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Without businessLine only orders that are not coupon packs.
    assert!(ask(json!({"orderId": pack})).await.is_empty());
    assert_eq!(
        ask(json!({"orderId": pack, "businessLine": [7]})).await,
        vec![pack.clone()]
    );

    let daozong = media_all(&sb, json!({"platform": 2, "businessLine": [2]})).await[0]["orderId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        ask(json!({"orderId": daozong})).await.is_empty(),
        "absent platform = 1"
    );
    assert!(
        ask(json!({"orderId": daozong, "platform": 2}))
            .await
            .is_empty(),
        "2 alone = 到餐"
    );
    assert_eq!(
        ask(json!({"orderId": daozong, "platform": 2, "businessLine": [2]})).await,
        vec![daozong]
    );
}

#[tokio::test]
async fn legacy_order_list_serves_daocan_and_daozong_as_6_and_7() {
    let sb = sandbox().await;
    let demo = sb.demo_account();
    let list = |bl: &'static str| {
        let (base, k, s) = (
            sb.base_url().to_owned(),
            demo.appkey.clone(),
            demo.secret.expose().to_owned(),
        );
        async move {
            let (start_s, end_s) = ((TS - 86_400).to_string(), TS.to_string());
            legacy(
                &base,
                ORDER_LIST,
                &k,
                &s,
                TS,
                &[
                    ("businessLine", bl),
                    ("startTime", &start_s),
                    ("endTime", &end_s),
                    ("limit", "100"),
                ],
            )
            .await
            .2
        }
    };
    for (bl, tag) in [("6", "【到餐】"), ("7", "【到综】")] {
        let v = list(bl).await;
        let items = v["dataList"].as_array().unwrap();
        assert!(!items.is_empty(), "businessLine {bl}: {v}");
        for o in items {
            assert_eq!(o["businessLine"].to_string(), bl, "{o}");
            assert_eq!(o["subBusinessLine"], 0, "{o}");
            assert!(o["smstitle"].as_str().unwrap().starts_with(tag), "{o}");
        }
    }
    for bl in ["9", "10", "1", "5"] {
        let v = list(bl).await;
        assert_eq!(v["total"], 0, "businessLine {bl}: {v}");
    }
    // Line 2 holds 外卖, 闪购 (and 医药), 团好货, 拼好饭 and 虚拟券包.
    let v = list("2").await;
    let subs: BTreeSet<i64> = v["dataList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["subBusinessLine"].as_i64().unwrap())
        .collect();
    assert_eq!(subs, BTreeSet::from([1, 2, 3, 4, 5]), "{v}");
}

#[tokio::test]
async fn admin_orders_take_legacy_codes() {
    let sb = sandbox().await;
    let base = sb.base_url();
    for (body, want_legacy, media_pair) in [
        (json!({}), (2, 1), (1, 1)),
        (json!({"business_line": 2}), (2, 1), (1, 1)),
        (json!({"business_line": 4}), (4, 0), (1, 8)),
        (json!({"business_line": 6}), (6, 0), (2, 1)),
        (json!({"business_line": 7}), (7, 0), (2, 2)),
        (
            json!({"business_line": 2, "sub_business_line": 5}),
            (2, 5),
            (1, 7),
        ),
    ] {
        let (status, v) = post_json(&format!("{base}/__admin/orders"), &body).await;
        assert_eq!(status, 200, "{body}: {v}");
        let id = v["orderid"].as_str().unwrap().to_owned();
        let demo = sb.demo_account();
        let got = legacy(
            base,
            "/api/order",
            &demo.appkey,
            demo.secret.expose(),
            TS,
            &[("orderId", &id)],
        )
        .await
        .2;
        assert_eq!(got["status"], 0, "{got}");
        assert_eq!(
            (
                got["data"]["businessLine"].as_i64().unwrap(),
                got["data"]["subBusinessLine"].as_i64().unwrap()
            ),
            want_legacy,
            "{body}"
        );
        let mut ask =
            json!({"orderId": id, "platform": media_pair.0, "businessLine": [media_pair.1]});
        ask["startTime"] = (TS - 60).into();
        ask["endTime"] = (TS + 60).into();
        let m = media(
            base,
            QUERY_ORDER,
            &demo.appkey,
            demo.secret.expose(),
            VECTOR_MS,
            &ask,
        )
        .await
        .2;
        let items = m["data"]["dataList"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{body}: {m}");
        assert_eq!(pair(&items[0]), media_pair);
    }
    // Codes no sandbox line has are refused.
    for body in [
        json!({"business_line": 9}),
        json!({"business_line": 2, "sub_business_line": 9}),
    ] {
        let (status, v) = post_json(&format!("{base}/__admin/orders"), &body).await;
        assert_eq!(status, 400, "{body}: {v}");
    }
}
