//! The local callback receiver: exact replies, forged / tampered / oversized
//! pushes refused, replays stored once.

use chrono::Utc;
use desk_core::callback::push::{signed_body, test_order_fields};
use desk_core::callback::sql::recent_events;
use desk_core::callback::{
    start_receiver, FeedOutcome, FeedReason, ReceiverConfig, ACK_ERR, ACK_OK,
};
use desk_core::{ManualClock, Store};
use meituan_union::Secret;
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    receiver: desk_core::callback::ReceiverHandle,
    http: reqwest::Client,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.sqlite3")).unwrap();
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let receiver = start_receiver(
        store.clone(),
        clock,
        ReceiverConfig::loopback(0, "scope-a", Secret::from(SECRET)),
    )
    .await
    .unwrap();
    Fixture {
        _dir: dir,
        store,
        receiver,
        http: meituan_union::http::client_builder().build().unwrap(),
    }
}

impl Fixture {
    async fn post(&self, body: Vec<u8>) -> (u16, String) {
        let r = self
            .http
            .post(self.receiver.url())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    fn stored(&self) -> usize {
        recent_events(&self.store.connect().unwrap(), "scope-a", 1000)
            .unwrap()
            .len()
    }
}

fn push(order: &str, status: &str) -> serde_json::Map<String, Value> {
    let mut f = test_order_fields("appkey-1", Utc::now());
    f.insert("orderid".into(), Value::String(order.into()));
    f.insert("status".into(), Value::String(status.into()));
    f
}

#[tokio::test]
async fn a_signed_push_is_acknowledged_exactly_and_stored() {
    let fx = fixture().await;
    let body = signed_body(&Secret::from(SECRET), &push("1001", "2"));
    let (status, reply) = fx.post(body).await;
    assert_eq!(status, 200);
    assert_eq!(reply, ACK_OK);
    assert_eq!(reply, r#"{"errcode":"0","errmsg":"ok"}"#);
    let events = recent_events(&fx.store.connect().unwrap(), "scope-a", 10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].order_id, "1001");
    assert_eq!(events[0].status, "2");
    let feed = fx.receiver.feed_after(0);
    assert_eq!(feed.len(), 1);
    assert_eq!(feed[0].outcome, FeedOutcome::Stored);
    assert_eq!(feed[0].order_id.as_deref(), Some("1001"));
}

#[tokio::test]
async fn forged_push_is_refused_and_not_stored() {
    let fx = fixture().await;
    // Signed with another secret.
    let body = signed_body(
        &Secret::from("ffffffffffffffffffffffffffffffff"),
        &push("1002", "2"),
    );
    let (status, reply) = fx.post(body).await;
    assert_eq!(reply, ACK_ERR);
    assert_eq!(reply, r#"{"errcode":"1","errmsg":"err"}"#);
    assert_eq!(status, 400);
    // No sign at all.
    let unsigned = serde_json::to_vec(&Value::Object(push("1003", "2"))).unwrap();
    assert_eq!(fx.post(unsigned).await.1, ACK_ERR);
    // Not JSON.
    assert_eq!(fx.post(b"orderid=1&sign=x".to_vec()).await.1, ACK_ERR);
    assert_eq!(fx.stored(), 0);
    let feed = fx.receiver.feed_after(0);
    assert_eq!(feed.len(), 3);
    assert!(feed.iter().all(|i| i.outcome == FeedOutcome::Rejected));
    assert_eq!(feed[0].reason.as_deref(), Some("sign mismatch"));
    assert_eq!(feed[1].reason.as_deref(), Some("sign missing"));
    // The screens get a code to translate, never the English words.
    let codes: Vec<_> = feed.iter().map(|i| i.reason_code).collect();
    assert_eq!(
        codes,
        [
            Some(FeedReason::SignMismatch),
            Some(FeedReason::SignMissing),
            Some(FeedReason::Unreadable)
        ]
    );
}

#[tokio::test]
async fn tampered_push_is_refused() {
    let fx = fixture().await;
    let body = signed_body(&Secret::from(SECRET), &push("1004", "2"));
    let mut v: serde_json::Map<String, Value> = serde_json::from_slice(&body).unwrap();
    // The sign stays; the amount changes after signing.
    v.insert("payPrice".into(), Value::String("8800.00".into()));
    let (_, reply) = fx.post(serde_json::to_vec(&v).unwrap()).await;
    assert_eq!(reply, ACK_ERR);
    // An added field is tampering too.
    let mut v: serde_json::Map<String, Value> = serde_json::from_slice(&body).unwrap();
    v.insert("extra".into(), Value::String("1".into()));
    assert_eq!(fx.post(serde_json::to_vec(&v).unwrap()).await.1, ACK_ERR);
    assert_eq!(fx.stored(), 0);
    // The untouched body still passes.
    assert_eq!(fx.post(body).await.1, ACK_OK);
    assert_eq!(fx.stored(), 1);
}

#[tokio::test]
async fn oversized_push_is_refused_before_it_is_read() {
    let fx = fixture().await;
    let mut fields = push("1005", "2");
    fields.insert(
        "productName".into(),
        Value::String("x".repeat(meituan_union::sign::MAX_CALLBACK_BODY + 10)),
    );
    let body = signed_body(&Secret::from(SECRET), &fields);
    assert!(body.len() > meituan_union::sign::MAX_CALLBACK_BODY);
    let (status, reply) = fx.post(body).await;
    assert_eq!(status, 413);
    assert_eq!(reply, ACK_ERR);
    // Chunked (no Content-Length) is cut off at the limit as well.
    let addr = fx.receiver.local_addr();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /callback HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("400\r\n{}\r\n", " ".repeat(1024));
    for _ in 0..100 {
        if sock.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = sock.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.ends_with(ACK_ERR), "{answer}");
    assert_eq!(fx.stored(), 0);
}

#[tokio::test]
async fn a_replayed_push_is_acknowledged_but_stored_once() {
    let fx = fixture().await;
    let body = signed_body(&Secret::from(SECRET), &push("1006", "2"));
    for _ in 0..3 {
        assert_eq!(fx.post(body.clone()).await.1, ACK_OK);
    }
    // The same event with its keys in another order and spaces is the same event.
    let v: Value = serde_json::from_slice(&body).unwrap();
    let mut pairs: Vec<(String, Value)> = v.as_object().unwrap().clone().into_iter().collect();
    pairs.reverse();
    let reordered = format!(
        "{{ {} }}",
        pairs
            .iter()
            .map(|(k, v)| format!("{}: {}", serde_json::to_string(k).unwrap(), v))
            .collect::<Vec<_>>()
            .join(" , ")
    );
    assert_eq!(fx.post(reordered.into_bytes()).await.1, ACK_OK);
    let events = recent_events(&fx.store.connect().unwrap(), "scope-a", 10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].duplicates, 3);
    // A status change of the same order is a new event.
    let done = signed_body(&Secret::from(SECRET), &push("1006", "3"));
    assert_eq!(fx.post(done).await.1, ACK_OK);
    assert_eq!(fx.stored(), 2);
    let outcomes: Vec<FeedOutcome> = fx
        .receiver
        .feed_after(0)
        .iter()
        .map(|i| i.outcome)
        .collect();
    assert_eq!(
        outcomes,
        vec![
            FeedOutcome::Stored,
            FeedOutcome::Duplicate,
            FeedOutcome::Duplicate,
            FeedOutcome::Duplicate,
            FeedOutcome::Stored
        ]
    );
}

#[tokio::test]
async fn only_post_is_served_and_non_loopback_needs_consent() {
    let fx = fixture().await;
    let r = fx.http.get(fx.receiver.url()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.sqlite3")).unwrap();
    let mut cfg = ReceiverConfig::loopback(0, "", Secret::from(SECRET));
    cfg.bind = "0.0.0.0:0".parse().unwrap();
    let err = start_receiver(store, Arc::new(ManualClock::new(Utc::now())), cfg)
        .await
        .unwrap_err();
    assert_eq!(err.code(), desk_core::ErrorCode::InvalidInput);
}

/// `levels` objects nested in one another around a string.
fn nested(levels: usize) -> Value {
    let mut v = Value::String("leaf".into());
    for i in 0..levels {
        v = if i % 2 == 0 {
            let mut m = serde_json::Map::new();
            m.insert("a".into(), v);
            Value::Object(m)
        } else {
            Value::Array(vec![v])
        };
    }
    v
}

#[tokio::test]
async fn an_authentic_push_nested_200_levels_deep_is_acknowledged_and_stored() {
    let fx = fixture().await;
    let mut fields = push("1007", "2");
    fields.insert("extra".into(), nested(200));
    let body = signed_body(&Secret::from(SECRET), &fields);
    assert!(
        meituan_union::sign::verify_callback(SECRET, &body)
            .unwrap()
            .valid
    );
    let (status, reply) = fx.post(body.clone()).await;
    let feed = fx.receiver.feed_after(0);
    assert_eq!((status, reply.as_str()), (200, ACK_OK), "{feed:?}");
    let events = recent_events(&fx.store.connect().unwrap(), "scope-a", 10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].order_id, "1007");
    assert_eq!(events[0].status, "2");
    assert_eq!(events[0].body.as_bytes(), &body[..]);
    assert_eq!(feed[0].outcome, FeedOutcome::Stored);
    // Pushed again: the same event, acknowledged, stored once.
    assert_eq!(fx.post(body).await.1, ACK_OK);
    assert_eq!(fx.stored(), 1);
    // Forged at the same depth: still refused.
    let forged = signed_body(&Secret::from("ffffffffffffffffffffffffffffffff"), &fields);
    assert_eq!(fx.post(forged).await.1, ACK_ERR);
    assert_eq!(fx.stored(), 1);
}

/// The test push is a paid order in the documented values of a push's
/// `status` (the order query's: 1 paid, 8 completed, 9 refunded or risk;
/// provenance row 90), every value a string.
#[test]
fn the_test_push_is_a_paid_order_in_documented_values() {
    let fields = test_order_fields("appkey-1", Utc::now());
    assert_eq!(fields["status"], Value::String("1".into()));
    assert!(fields.values().all(Value::is_string), "{fields:?}");
}
