//! Order pushes to a registered callback URL, received and verified by a
//! test receiver; bounded retries with backoff.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use common::*;
use meituan_union::sign::verify_callback;
use sandbox::{CallbackPolicy, RunningSandbox, TimeType};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Receiver {
    bodies: Mutex<Vec<Vec<u8>>>,
    /// Answer `{"errcode":"1"}` to this many pushes first.
    fail_first: AtomicU32,
    /// Acknowledge with the integer form `{"errcode":0}` (bububa
    /// `model/serve/res.go:10`) instead of the string "0".
    int_ack: AtomicBool,
}

async fn receive(State(r): State<Arc<Receiver>>, body: Bytes) -> String {
    r.bodies.lock().unwrap().push(body.to_vec());
    let failing = r
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        r#"{"errcode":"1","errmsg":"err"}"#.into()
    } else if r.int_ack.load(Ordering::SeqCst) {
        r#"{"errmsg":"ok","errcode":0}"#.into()
    } else {
        r#"{"errcode":"0","errmsg":"ok"}"#.into()
    }
}

async fn receiver(fail_first: u32) -> (String, Arc<Receiver>) {
    let r = Arc::new(Receiver::default());
    r.fail_first.store(fail_first, Ordering::SeqCst);
    let app = Router::new()
        .route("/cb", post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, r)
}

async fn callback_sandbox(orders_per_month: u32) -> (RunningSandbox, sandbox::ManualClock) {
    let (mut cfg, clock) = manual_config(VECTOR_MS);
    cfg.orders_per_month = orders_per_month;
    cfg.callbacks = CallbackPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(30),
    };
    (start(cfg).await, clock)
}

async fn register(sb: &RunningSandbox, url: &str) -> String {
    let k = sb.demo_account().appkey;
    let (status, v) = post_json(
        &format!("{}/__console/accounts/{k}/callback", sb.base_url()),
        &json!({ "url": url }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["callback_secret"].as_str().unwrap().to_owned()
}

async fn wait_for(r: &Receiver, n: usize) -> Vec<Vec<u8>> {
    for _ in 0..500 {
        if r.bodies.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    r.bodies.lock().unwrap().clone()
}

#[tokio::test]
async fn pushes_are_signed_with_the_callback_secret_not_the_api_secret() {
    let (sb, _clock) = callback_sandbox(30).await;
    let (url, r) = receiver(0).await;
    let cb_secret = register(&sb, &url).await;
    let demo = sb.demo_account();
    assert_eq!(demo.callback_secret.expose(), cb_secret);
    assert_ne!(demo.secret.expose(), cb_secret);

    let (status, v) = post_json(
        &format!("{}/__admin/orders", sb.base_url()),
        &json!({"business_line": 4, "payprice_cents": 1280, "sid": "cb_test"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let orderid = v["orderid"].as_str().unwrap().to_owned();
    let got = wait_for(&r, 1).await;
    assert_eq!(got.len(), 1);
    let body = &got[0];
    let check = verify_callback(&cb_secret, body).unwrap();
    assert!(check.valid, "{check:?}");
    // The API secret is the wrong key for a push (SPEC B).
    assert!(!verify_callback(demo.secret.expose(), body).unwrap().valid);
    let v: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["orderid"], orderid.as_str());
    assert_eq!(v["status"], "1");
    assert_eq!(v["payPrice"], "12.80");
    assert_eq!(v["sid"], "cb_test");
    assert_eq!(v["appkey"], demo.appkey.as_str());
    assert!(
        v["tradeTypeList"].is_array(),
        "优选 pushes carry the array: {v}"
    );

    // A status change is pushed too.
    let (status, v) = post_json(
        &format!("{}/__admin/orders/{orderid}/status", sb.base_url()),
        &json!({"status": "refund"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let got = wait_for(&r, 2).await;
    let v: Value = serde_json::from_slice(&got[1]).unwrap();
    assert_eq!(v["status"], "9");
    assert_eq!(v["refundType"], "1");
    assert!(verify_callback(&cb_secret, &got[1]).unwrap().valid);

    // Re-registering issues a fresh secret; later pushes use it.
    let second = register(&sb, &url).await;
    assert_ne!(second, cb_secret);
    sb.admin()
        .inject_order(sandbox::NewOrder::default())
        .unwrap();
    let got = wait_for(&r, 3).await;
    assert!(verify_callback(&second, &got[2]).unwrap().valid);
    assert!(!verify_callback(&cb_secret, &got[2]).unwrap().valid);
    // The receiver may see the third body before the sandbox logs it.
    let mut log = sb.admin().deliveries();
    for _ in 0..100 {
        if log.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        log = sb.admin().deliveries();
    }
    assert_eq!(log.len(), 3);
    assert!(
        log.iter().all(|d| d.delivered && d.attempts == 1),
        "{log:?}"
    );
}

/// The integer acknowledgement `{"errcode":0}` ends the retries as the
/// string one does, and a risk-control push says `refundType` 3 (bububa
/// `model/serve/order.go:64` RISK_REFUND) where a refund says 1 (issue 18).
#[tokio::test]
async fn an_integer_ack_is_an_ack_and_risk_pushes_say_refund_type_3() {
    let (sb, _clock) = callback_sandbox(30).await;
    let (url, r) = receiver(0).await;
    r.int_ack.store(true, Ordering::SeqCst);
    register(&sb, &url).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (status, v) = post_json(
            &format!("{}/__admin/orders", sb.base_url()),
            &json!({"business_line": 4, "payprice_cents": 990, "sid": "cb_int"}),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        ids.push(v["orderid"].as_str().unwrap().to_owned());
    }
    wait_for(&r, 2).await;
    for (id, change) in ids.iter().zip(["risk", "refund"]) {
        let (status, v) = post_json(
            &format!("{}/__admin/orders/{id}/status", sb.base_url()),
            &json!({ "status": change }),
        )
        .await;
        assert_eq!(status, 200, "{v}");
    }
    let got = wait_for(&r, 4).await;
    let pushed: Vec<Value> = got
        .iter()
        .map(|b| serde_json::from_slice(b).unwrap())
        .collect();
    let of = |id: &str, status: &str| {
        pushed
            .iter()
            .find(|v| v["orderid"] == id && v["status"] == status)
            .unwrap_or_else(|| panic!("no push {id}/{status}: {pushed:?}"))
            .clone()
    };
    assert_eq!(of(&ids[0], "1")["refundType"], "");
    assert_eq!(of(&ids[0], "9")["refundType"], "3");
    assert_eq!(of(&ids[1], "9")["refundType"], "1");
    let mut log = sb.admin().deliveries();
    for _ in 0..100 {
        if log.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        log = sb.admin().deliveries();
    }
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(
        log.iter().all(|d| d.delivered && d.attempts == 1),
        "the integer ack is an ack: {log:?}"
    );
    assert_eq!(got.len(), 4, "no push was sent again");
}

#[tokio::test]
async fn failed_pushes_are_retried_with_backoff_then_given_up() {
    let (sb, _clock) = callback_sandbox(30).await;
    // Two failures, then success: delivered on the third attempt.
    let (url, r) = receiver(2).await;
    register(&sb, &url).await;
    let started = std::time::Instant::now();
    sb.admin()
        .inject_order(sandbox::NewOrder::default())
        .unwrap();
    let got = wait_for(&r, 3).await;
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|b| b == &got[0]),
        "retries resend the same bytes"
    );
    // Backoff 10 ms then 20 ms.
    assert!(started.elapsed() >= Duration::from_millis(30));
    for _ in 0..100 {
        if !sb.admin().deliveries().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let d = &sb.admin().deliveries()[0];
    assert!(d.delivered && d.attempts == 3, "{d:?}");

    // A receiver that never acknowledges gets exactly max_attempts tries.
    let (url, r) = receiver(u32::MAX).await;
    register(&sb, &url).await;
    sb.admin()
        .inject_order(sandbox::NewOrder::default())
        .unwrap();
    let got = wait_for(&r, 4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(r.bodies.lock().unwrap().len(), 4, "bounded: {}", got.len());
    let log = sb.admin().deliveries();
    let last = log.last().unwrap();
    assert!(!last.delivered, "{last:?}");
    assert_eq!(last.attempts, 4);
    assert!(
        last.last_error.as_deref().unwrap().contains("errcode"),
        "{last:?}"
    );
}

#[tokio::test]
async fn timeline_events_are_pushed_as_the_clock_reaches_them() {
    let (sb, clock) = callback_sandbox(3000).await;
    let (url, r) = receiver(0).await;
    let cb_secret = register(&sb, &url).await;
    let k = sb.demo_account().appkey;
    let t0 = VECTOR_MS / 1000;
    // Six hours pass.
    clock.set(VECTOR_MS + 6 * 3600 * 1000);
    let expected_paid = sb
        .admin()
        .order_ids_in_range(&k, t0 + 1, t0 + 6 * 3600, TimeType::Pay)
        .unwrap();
    assert!(!expected_paid.is_empty());
    sb.admin().push_callbacks_now().await;
    let got = r.bodies.lock().unwrap().clone();
    let pushes: Vec<Value> = got
        .iter()
        .map(|b| {
            assert!(verify_callback(&cb_secret, b).unwrap().valid);
            serde_json::from_slice(b).unwrap()
        })
        .collect();
    let paid: Vec<&str> = pushes
        .iter()
        .filter(|p| p["status"] == "1" && p["paytime"] == p["modTime"])
        .map(|p| p["orderid"].as_str().unwrap())
        .collect();
    assert_eq!(
        paid, expected_paid,
        "one 'paid' push per new order, in time order"
    );
    // Orders paid earlier that completed, were refunded or risk-flagged in
    // the six hours are pushed too, each with its new status.
    let older_changed: Vec<String> = sb
        .admin()
        .order_ids_in_range(&k, t0 + 1, t0 + 6 * 3600, TimeType::Modified)
        .unwrap()
        .into_iter()
        .filter(|id| !expected_paid.contains(id))
        .collect();
    assert!(!older_changed.is_empty(), "the window changes older orders");
    for id in &older_changed {
        assert!(
            pushes.iter().any(|p| p["orderid"] == id.as_str()
                && (p["status"] == "8" || p["status"] == "9")
                && p["paytime"].as_str().unwrap().parse::<i64>().unwrap() <= t0),
            "the status change of older order {id} is pushed"
        );
    }
    // Nothing is pushed twice.
    let before = got.len();
    sb.admin().push_callbacks_now().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(r.bodies.lock().unwrap().len(), before);
}

/// Settlement (the media view's 结算) is not pushed: pushes carry the
/// legacy view, where a settled order stays 8 with its completion time.
#[tokio::test]
async fn settlement_is_not_pushed() {
    // 2023-11-25 00:00 Beijing: October's completed orders settle.
    const NOV_25: i64 = 1_700_841_600;
    let (sb, clock) = callback_sandbox(3000).await;
    clock.set((NOV_25 - 60) * 1000);
    let (url, r) = receiver(0).await;
    register(&sb, &url).await;
    clock.set((NOV_25 + 60) * 1000);
    sb.admin().push_callbacks_now().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let k = sb.demo_account().appkey;
    let admin = sb.admin();
    let settled = admin
        .order_ids_in_view(&k, sandbox::View::Media, NOV_25, NOV_25, TimeType::Modified)
        .unwrap();
    assert!(settled.len() > 100, "a month settles: {}", settled.len());
    let changed = admin
        .order_ids_in_range(&k, NOV_25 - 59, NOV_25 + 60, TimeType::Modified)
        .unwrap();
    let pushed: Vec<String> = r
        .bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| {
            serde_json::from_slice::<Value>(b).unwrap()["orderid"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        pushed.iter().all(|id| changed.contains(id)),
        "{} pushes, not all legacy changes",
        pushed.len()
    );
    assert!(
        settled
            .iter()
            .all(|id| !pushed.contains(id) || changed.contains(id)),
        "a settlement was pushed"
    );
}
