//! Completed orders reach 结算 (settled) in the media view.
//!
//! dtapps/go-library `service/meituan/media.query_order.go@c37755e`:
//! parent `status` 6 结算 (`:47`), coupon `couponStatus` 3 结算 (`:31`),
//! `settleTime` once the order enters its settlement period (`:40`). When
//! that happens is not documented; the sandbox settles at 00:00 Beijing on
//! the 25th of the month after completion (our assumption, README). The
//! legacy view does not change: status 8, `modTime` the completion time.

mod common;

use common::*;
use sandbox::data::settlement_at;
use sandbox::{ManualClock, RunningSandbox, SandboxConfig, TimeType, View};
use serde_json::{json, Value};

/// 2023-10-10 00:00 Beijing: a day of orders paid (and completed) in
/// October, which settle on 2023-11-25 00:00 Beijing.
const OCT_10: i64 = 1_696_867_200;
/// 2023-11-25 00:00 Beijing.
const NOV_25: i64 = 1_700_841_600;
/// 2023-11-01 00:00 Beijing: orders completed before it settle on NOV_25.
const NOV_1: i64 = NOV_25 - 24 * 86_400;

/// `finishTime` of an item's first coupon line, if completed.
fn finish_of(item: &Value) -> Option<i64> {
    item["orderDetail"][0]["finishTime"].as_str()?.parse().ok()
}

async fn sandbox(seed: u64) -> (RunningSandbox, ManualClock) {
    let clock = ManualClock::new(VECTOR_MS);
    let sb = start(SandboxConfig {
        seed,
        orders_per_month: 600,
        clock: clock.clock(),
        data_anchor_ms: Some(VECTOR_MS),
        ..SandboxConfig::default()
    })
    .await;
    (sb, clock)
}

/// A `query_order` at the clock's time; `body` as given.
async fn query(sb: &RunningSandbox, clock: &ManualClock, body: Value) -> Vec<Value> {
    let demo = sb.demo_account();
    let v = media(
        sb.base_url(),
        QUERY_ORDER,
        &demo.appkey,
        demo.secret.expose(),
        clock.now_ms(),
        &body,
    )
    .await
    .2;
    assert_eq!(v["code"], 0, "{body} → {v}");
    v["data"]["dataList"].as_array().unwrap().clone()
}

/// One order looked up by id (platform 2, 到餐: its items carry
/// `orderDetail` with one line per coupon).
async fn by_id(sb: &RunningSandbox, clock: &ManualClock, id: &str) -> Value {
    let list = query(sb, clock, json!({"orderId": id, "platform": 2})).await;
    assert_eq!(list.len(), 1, "{id}: {list:?}");
    list[0].clone()
}

/// Every item of an update-time window, all three questions of the app.
async fn updated_in(sb: &RunningSandbox, clock: &ManualClock, start: i64, end: i64) -> Vec<Value> {
    let mut out = Vec::new();
    for extra in [
        json!({"platform": 1}),
        json!({"platform": 1, "businessLine": [7]}),
        json!({"platform": 2, "businessLine": [1, 2]}),
    ] {
        let mut page = 1;
        loop {
            let mut body = json!({"startTime": start, "endTime": end, "queryTimeType": 2,
                                  "limit": 100, "page": page});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            let list = query(sb, clock, body).await;
            let n = list.len();
            out.extend(list);
            if n < 100 {
                break;
            }
            page += 1;
        }
    }
    out
}

fn set_clock_s(clock: &ManualClock, s: i64) {
    clock.set(s * 1000);
}

#[test]
fn the_fixture_instants_are_what_they_say() {
    use chrono::{FixedOffset, TimeZone};
    let bj = FixedOffset::east_opt(8 * 3600).unwrap();
    let at = |y, m, d| {
        bj.with_ymd_and_hms(y, m, d, 0, 0, 0)
            .single()
            .unwrap()
            .timestamp()
    };
    assert_eq!(OCT_10, at(2023, 10, 10));
    assert_eq!(NOV_25, at(2023, 11, 25));
    assert_eq!(settlement_at(OCT_10 + 12 * 3600), NOV_25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_order_settles_in_the_media_view_only() {
    let (sb, clock) = sandbox(21).await;
    // A 到餐 order paid and completed on 10 October.
    let day = query(
        &sb,
        &clock,
        json!({"startTime": OCT_10, "endTime": OCT_10 + 86_399, "platform": 2,
               "queryTimeType": 1, "limit": 100}),
    )
    .await;
    let item = day
        .iter()
        .find(|o| o["status"] == "3" && finish_of(o).is_some_and(|f| f < NOV_1))
        .expect("a 到餐 order paid on 10 October and completed in October")
        .clone();
    let id = item["orderId"].as_str().unwrap().to_owned();
    let finish = finish_of(&item).unwrap();
    assert_eq!(settlement_at(finish), NOV_25);

    // Just before the settlement instant: completed, coupons 完成.
    set_clock_s(&clock, NOV_25 - 1);
    let before = by_id(&sb, &clock, &id).await;
    assert_eq!(before["status"], "3", "{before}");
    assert_eq!(before["updateTime"], finish, "{before}");
    let lines = before["orderDetail"].as_array().unwrap();
    assert!(!lines.is_empty());
    for l in lines {
        assert_eq!(l["couponStatus"], "2", "{before}");
        assert!(l.get("settleTime").is_none(), "{before}");
        assert_eq!(l["updateTime"], finish.to_string(), "{before}");
    }

    // From the settlement instant on: 6, coupons 3 with settleTime, and
    // the update time moves to the settlement.
    set_clock_s(&clock, NOV_25 + 90);
    let after = by_id(&sb, &clock, &id).await;
    assert_eq!(after["status"], "6", "{after}");
    assert_eq!(after["updateTime"], NOV_25, "{after}");
    let lines = after["orderDetail"].as_array().unwrap();
    assert_eq!(lines.len(), before["orderDetail"].as_array().unwrap().len());
    for l in lines {
        assert_eq!(l["couponStatus"], "3", "{after}");
        assert_eq!(l["settleTime"], NOV_25.to_string(), "{after}");
        assert_eq!(l["updateTime"], NOV_25.to_string(), "{after}");
        assert_eq!(l["finishTime"], finish.to_string(), "{after}");
    }
    // Everything else is as before.
    for k in ["payPrice", "profit", "payTime", "sid", "productName"] {
        assert_eq!(after[k], before[k], "{k}");
    }

    // The pay-time window of 10 October now reads every order completed
    // in October as settled (those completed in November settle in
    // December).
    let day_now = query(
        &sb,
        &clock,
        json!({"startTime": OCT_10, "endTime": OCT_10 + 86_399, "platform": 2,
               "queryTimeType": 1, "limit": 100}),
    )
    .await;
    assert_eq!(day_now.len(), day.len());
    for (was, is) in day.iter().zip(&day_now) {
        let october = finish_of(was).is_some_and(|f| f < NOV_1);
        let want = match was["status"].as_str().unwrap() {
            "3" if october => "6",
            other => other,
        };
        assert_eq!(is["status"], want, "{was} → {is}");
    }

    // An update-time window holding only the settlement instant returns
    // the order, with every other order settled at that instant.
    let settled = updated_in(&sb, &clock, NOV_25, NOV_25).await;
    assert!(settled.iter().any(|o| o["orderId"] == id.as_str()), "{id}");
    assert!(
        settled.len() > 100,
        "a month settles at once: {}",
        settled.len()
    );
    for o in &settled {
        assert_eq!(o["status"], "6", "{o}");
        assert_eq!(o["updateTime"], NOV_25, "{o}");
    }
    // The second before holds nothing settled, and not this order.
    let just_before = updated_in(&sb, &clock, NOV_25 - 1, NOV_25 - 1).await;
    assert!(just_before.iter().all(|o| o["orderId"] != id.as_str()));
    assert!(just_before.iter().all(|o| o["status"] != "6"));
    // Its old update time (the completion) no longer finds it.
    let at_finish = updated_in(&sb, &clock, finish, finish).await;
    assert!(at_finish.iter().all(|o| o["orderId"] != id.as_str()));

    // The admin's media figures agree; its legacy ones see no settlement.
    let admin = sb.admin();
    let demo = sb.demo_account();
    let media = admin
        .orders_in_view(
            &demo.appkey,
            View::Media,
            NOV_25,
            NOV_25,
            TimeType::Modified,
        )
        .unwrap();
    assert_eq!(media.count as usize, settled.len());
    assert_eq!(media.settled, media.count);
    assert_eq!(media.completed, media.count);
    let mut want: Vec<String> = settled
        .iter()
        .map(|o| o["orderId"].as_str().unwrap().to_owned())
        .collect();
    want.sort();
    let mut ids = admin
        .order_ids_in_view(
            &demo.appkey,
            View::Media,
            NOV_25,
            NOV_25,
            TimeType::Modified,
        )
        .unwrap();
    ids.sort();
    assert_eq!(ids, want);
    let legacy = admin
        .orders_in_range(&demo.appkey, NOV_25, NOV_25, TimeType::Modified)
        .unwrap();
    assert_eq!(legacy.count, 0, "{legacy:?}");
    let by_pay = admin
        .orders_in_range(&demo.appkey, OCT_10, OCT_10 + 86_399, TimeType::Pay)
        .unwrap();
    assert!(by_pay.settled > 0 && by_pay.settled <= by_pay.completed);
    let over_http = get_json(&format!(
        "{}/__admin/orders/summary?start={NOV_25}&end={NOV_25}&time_type=2&view=media",
        sb.base_url()
    ))
    .await
    .1;
    assert_eq!(over_http["settled"], media.settled, "{over_http}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_view_keeps_status_8_and_the_completion_time() {
    let (sb, clock) = sandbox(21).await;
    set_clock_s(&clock, NOV_25 + 90);
    let demo = sb.demo_account();
    let (k, s) = (demo.appkey.clone(), demo.secret.expose().to_owned());
    let ts = NOV_25 + 90;
    let list = |start: i64, end: i64, qtt: &'static str| {
        let (base, k, s) = (sb.base_url().to_owned(), k.clone(), s.clone());
        async move {
            let (start, end) = (start.to_string(), end.to_string());
            legacy(
                &base,
                ORDER_LIST,
                &k,
                &s,
                ts,
                &[
                    ("businessLine", "6"),
                    ("startTime", &start),
                    ("endTime", &end),
                    ("queryTimeType", qtt),
                    ("limit", "100"),
                ],
            )
            .await
            .2
        }
    };
    // By modification time the settlement instant holds nothing.
    let v = list(NOV_25, NOV_25, "2").await;
    assert_eq!(v["total"], 0, "{v}");
    // By pay time: orders of 10 October completed in October (settled in
    // the media view) are still 8, with their completion as modTime.
    let v = list(OCT_10, OCT_10 + 86_399, "1").await;
    let items = v["dataList"].as_array().unwrap();
    let settled: Vec<&Value> = items
        .iter()
        .filter(|o| o["status"] == 8)
        .filter(|o| o["modTime"].as_str().unwrap().parse::<i64>().unwrap() < NOV_1)
        .collect();
    assert!(!settled.is_empty(), "{v}");
    for o in settled {
        let m: i64 = o["modTime"].as_str().unwrap().parse().unwrap();
        assert_eq!(settlement_at(m), NOV_25, "{o}");
    }
    assert!(items
        .iter()
        .all(|o| [1, 8, 9].contains(&o["status"].as_i64().unwrap())));
}

/// Same seed, same clock after a settlement: the same settled data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settled_data_is_deterministic() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (sb, clock) = sandbox(33).await;
        set_clock_s(&clock, NOV_25 + 3600);
        runs.push(updated_in(&sb, &clock, NOV_25 - 86_400, NOV_25 + 3600).await);
    }
    assert!(runs[0].iter().any(|o| o["status"] == "6"));
    assert_eq!(runs[0], runs[1]);
}
