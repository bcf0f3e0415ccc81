//! "Send a test push": URL validation and the diagnosis of each kind of
//! reply, against small servers on 127.0.0.1.

use chrono::Utc;
use desk_core::callback::{
    check_callback_url, send_test_push, start_receiver, validate_callback_url, Diagnosis,
    ReceiverConfig, TestPushOptions, UrlWarning,
};
use desk_core::{ManualClock, Store};
use meituan_union::Secret;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn opts() -> TestPushOptions {
    TestPushOptions {
        timeout: Duration::from_millis(1500),
        probe_forged: true,
    }
}

#[test]
fn url_validation() {
    // Accepted, with what is worth telling (no source says Meituan refuses
    // http or any host: provenance row 83; issue 18 item 4).
    for (ok, warnings) in [
        ("https://example.com/cb", vec![]),
        ("https://example.com:8443/meituan/callback?x=1", vec![]),
        ("http://example.com/cb", vec![UrlWarning::PlainHttp]),
        (
            "http://127.0.0.1:8080/callback",
            vec![UrlWarning::PlainHttp, UrlWarning::ThisComputer],
        ),
        ("https://localhost/cb", vec![UrlWarning::ThisComputer]),
        (
            "http://[::1]:9000/cb",
            vec![UrlWarning::PlainHttp, UrlWarning::ThisComputer],
        ),
        (
            "http://10.0.0.5/cb",
            vec![UrlWarning::PlainHttp, UrlWarning::PrivateNetwork],
        ),
        ("https://192.168.1.20/cb", vec![UrlWarning::PrivateNetwork]),
        ("https://172.16.0.1/cb", vec![UrlWarning::PrivateNetwork]),
        ("https://[fd00::1]/cb", vec![UrlWarning::PrivateNetwork]),
        ("https://printer.local/cb", vec![UrlWarning::PrivateNetwork]),
        ("https://172.32.0.1/cb", vec![]),
    ] {
        let checked = check_callback_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(checked.warnings, warnings, "{ok}");
    }
    for bad in [
        "",
        "ftp://example.com/cb",
        "https://user:pass@example.com/cb",
        "https://user@example.com/cb",
        "https://example.com/cb#frag",
        "not a url",
        "https://",
    ] {
        let err = validate_callback_url(bad).unwrap_err();
        assert_eq!(err.code(), desk_core::ErrorCode::InvalidInput, "{bad}");
    }
    let long = format!("https://example.com/{}", "a".repeat(600));
    assert!(validate_callback_url(&long).is_err());
}

/// A one-route server answering every request with `status` and `body`.
async fn canned(status: u16, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/cb")
}

#[tokio::test]
async fn our_own_receiver_acknowledges_and_rejects_a_forged_probe() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.sqlite3")).unwrap();
    let rx = start_receiver(
        store,
        Arc::new(ManualClock::new(Utc::now())),
        ReceiverConfig::loopback(0, "", Secret::from(SECRET)),
    )
    .await
    .unwrap();
    let r = send_test_push(
        &rx.url(),
        &Secret::from(SECRET),
        "appkey-1",
        Utc::now(),
        opts(),
    )
    .await;
    assert_eq!(r.diagnosis, Diagnosis::Ok, "{r:?}");
    assert!(r.ok);
    assert_eq!(r.http_status, Some(200));
    assert_eq!(r.forged_accepted, Some(false));
    // The receiver holds a different secret: their side is wrong.
    let r = send_test_push(
        &rx.url(),
        &Secret::from("ffffffffffffffffffffffffffffffff"),
        "appkey-1",
        Utc::now(),
        opts(),
    )
    .await;
    assert_eq!(r.diagnosis, Diagnosis::WrongSecret, "{r:?}");
    assert!(!r.ok);
}

#[tokio::test]
async fn a_receiver_that_accepts_anything_is_flagged() {
    let url = canned(200, r#"{"errcode":"0","errmsg":"ok"}"#).await;
    let r = send_test_push(&url, &Secret::from(SECRET), "k", Utc::now(), opts()).await;
    assert_eq!(r.diagnosis, Diagnosis::Ok);
    assert_eq!(r.forged_accepted, Some(true));
    assert!(r.detail.contains("does not verify"));
}

#[tokio::test]
async fn http_errors_and_wrong_bodies_are_told_apart() {
    let url = canned(502, "bad gateway").await;
    let r = send_test_push(&url, &Secret::from(SECRET), "k", Utc::now(), opts()).await;
    assert_eq!(r.diagnosis, Diagnosis::HttpStatus);
    assert_eq!(r.http_status, Some(502));
    assert!(
        r.detail
            .contains("answered HTTP 502 Bad Gateway (with \"bad gateway\")"),
        "{}",
        r.detail
    );

    // The integer form is documented too (dtapps/go-library
    // service_http.order.go, bububa/meituan model/serve/res.go): an
    // acknowledgement, not an unexpected body.
    let url = canned(200, r#"{"errcode":0,"errmsg":"ok"}"#).await;
    let r = send_test_push(&url, &Secret::from(SECRET), "k", Utc::now(), opts()).await;
    assert_eq!(r.diagnosis, Diagnosis::Ok, "{r:?}");
    assert!(r.ok);
    assert_eq!(r.reply.as_deref(), Some(r#"{"errcode":0,"errmsg":"ok"}"#));
    let url = canned(200, r#"{"errcode":1,"errmsg":"err"}"#).await;
    let r = send_test_push(&url, &Secret::from(SECRET), "k", Utc::now(), opts()).await;
    assert_eq!(r.diagnosis, Diagnosis::WrongSecret, "{r:?}");
    // Another code, or a code of another type, is still not an acknowledgement.
    let url = canned(200, r#"{"errcode":"2","errmsg":"?"}"#).await;
    let r = send_test_push(&url, &Secret::from(SECRET), "k", Utc::now(), opts()).await;
    assert_eq!(r.diagnosis, Diagnosis::UnexpectedBody, "{r:?}");
    let url = canned(200, r#"{"errcode":false,"errmsg":"ok"}"#).await;
    let r = send_test_push(&url, &Secret::from(SECRET), "k", Utc::now(), opts()).await;
    assert_eq!(r.diagnosis, Diagnosis::UnexpectedBody, "{r:?}");

    let url = canned(200, "success").await;
    let r = send_test_push(&url, &Secret::from(SECRET), "k", Utc::now(), opts()).await;
    assert_eq!(r.diagnosis, Diagnosis::UnexpectedBody);
    assert!(
        r.detail
            .contains("not Meituan's acknowledgement format {\"errcode\":\"0\",\"errmsg\":\"ok\"}: it sent \"success\""),
        "{}",
        r.detail
    );

    let url = canned(200, r#"{"errcode":"1","errmsg":"err"}"#).await;
    let r = send_test_push(&url, &Secret::from(SECRET), "k", Utc::now(), opts()).await;
    assert_eq!(r.diagnosis, Diagnosis::WrongSecret);
}

#[tokio::test]
async fn nothing_listening_is_a_connection_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let r = send_test_push(
        &format!("http://{addr}/cb"),
        &Secret::from(SECRET),
        "k",
        Utc::now(),
        opts(),
    )
    .await;
    assert_eq!(r.diagnosis, Diagnosis::Connect, "{r:?}");
    assert_eq!(
        r.detail,
        format!(
            "connection refused at {addr}: nothing is listening there (is the receiver running, on this port?)"
        )
    );
}

#[tokio::test]
async fn a_silent_server_is_a_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let options = TestPushOptions {
        timeout: Duration::from_millis(300),
        probe_forged: false,
    };
    let r = send_test_push(
        &format!("http://{addr}/cb"),
        &Secret::from(SECRET),
        "k",
        Utc::now(),
        options,
    )
    .await;
    assert_eq!(r.diagnosis, Diagnosis::Timeout, "{r:?}");
    assert!(
        r.detail
            .starts_with(&format!("no answer from http://{addr}/cb within 300 ms")),
        "{}",
        r.detail
    );
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_failure() {
    let url = canned(200, "{}").await.replace("http://", "https://");
    let r = send_test_push(&url, &Secret::from(SECRET), "k", Utc::now(), opts()).await;
    assert_eq!(r.diagnosis, Diagnosis::Tls, "{r:?}");
}

#[tokio::test]
async fn an_invalid_url_is_reported_without_sending() {
    let r = send_test_push(
        "ftp://example.com/cb",
        &Secret::from(SECRET),
        "k",
        Utc::now(),
        opts(),
    )
    .await;
    assert_eq!(r.diagnosis, Diagnosis::InvalidUrl);
    assert!(r.http_status.is_none());
}

#[test]
fn the_test_order_is_signed_as_meituan_signs_it() {
    let fields = desk_core::callback::test_order_fields("appkey-1", Utc::now());
    let body = desk_core::callback::push::signed_body(&Secret::from(SECRET), &fields);
    let check = meituan_union::sign::verify_callback(SECRET, &body).unwrap();
    assert!(check.valid);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    for key in [
        "orderid", "paytime", "payPrice", "status", "sid", "appkey", "modTime", "sign",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
}
