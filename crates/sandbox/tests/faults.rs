//! Each fault mode, switched at runtime through `POST /__admin/faults`.

mod common;

use common::*;
use sandbox::RunningSandbox;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

struct Ctx {
    sb: RunningSandbox,
    k: String,
    s: String,
}

async fn ctx() -> Ctx {
    let (cfg, _clock) = manual_config(VECTOR_MS);
    let sb = start(cfg).await;
    let demo = sb.demo_account();
    Ctx {
        k: demo.appkey.clone(),
        s: demo.secret.expose().to_owned(),
        sb,
    }
}

impl Ctx {
    async fn faults(&self, cfg: Value) {
        let (status, v) = post_json(&format!("{}/__admin/faults", self.sb.base_url()), &cfg).await;
        assert_eq!(status, 200, "{v}");
    }

    fn link_url(&self, ts_s: i64) -> String {
        let ts = ts_s.to_string();
        let q = meituan_union::sign::legacy_wire_query(
            &self.s,
            &[
                ("appkey", &self.k),
                ("ts", &ts),
                ("actId", "33"),
                ("linkType", "1"),
            ],
        );
        format!("{}/api/generateLink?{q}", self.sb.base_url())
    }

    async fn link(&self) -> reqwest::Result<reqwest::Response> {
        client().get(self.link_url(VECTOR_MS / 1000)).send().await
    }

    async fn media_link(&self) -> Value {
        media(
            self.sb.base_url(),
            REFERRAL,
            &self.k,
            &self.s,
            VECTOR_MS,
            &json!({"actId": "33", "linkType": 1}),
        )
        .await
        .2
    }

    fn calls(&self) -> (u64, u64) {
        let d = self.sb.admin().day_stats(&self.k).unwrap();
        (d.calls, d.faults)
    }
}

#[tokio::test]
async fn error_fault_uses_each_api_own_error_shape() {
    let c = ctx().await;
    c.faults(json!({"rules": [{"kind": "error"}]})).await;
    let v: Value = c.link().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], 1009, "{v}");
    assert_eq!(
        c.media_link().await,
        json!({"code": 2, "message": "请求处理异常"})
    );
    assert_eq!(
        c.calls(),
        (0, 2),
        "faulted requests are not counted as calls"
    );
    // Admin and console paths are never faulted.
    let (status, v) = get_json(&format!("{}/__admin/faults", c.sb.base_url())).await;
    assert_eq!(status, 200);
    assert_eq!(v["fired"], json!([2]));
}

#[tokio::test]
async fn http_5xx_fault() {
    let c = ctx().await;
    c.faults(json!({"rules": [{"path": "/api/generateLink", "kind": "http_5xx", "status": 502}]}))
        .await;
    let res = c.link().await.unwrap();
    assert_eq!(res.status(), 502);
    assert!(res.headers().contains_key("date"));
    // Other paths are untouched.
    assert_eq!(c.media_link().await["code"], 0);
}

#[tokio::test]
async fn malformed_body_fault() {
    let c = ctx().await;
    c.faults(json!({"rules": [{"path": "/cps_open/*", "kind": "malformed"}]}))
        .await;
    let res = client()
        .post(format!("{}{}", c.sb.base_url(), QUERY_ORDER))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let text = res.text().await.unwrap();
    assert!(text.starts_with("{\"code\":0"));
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
}

#[tokio::test]
async fn reset_fault_drops_the_connection() {
    let c = ctx().await;
    c.faults(json!({"rules": [{"kind": "reset", "times": 1}]}))
        .await;
    let err = c.link().await.expect_err("the connection is reset");
    assert!(!err.is_timeout(), "{err:?}");
    let text = format!("{err:?}").to_lowercase();
    assert!(
        text.contains("reset") || text.contains("closed") || text.contains("incomplete"),
        "{text}"
    );
    // `times: 1`: the next request is served.
    let v: Value = c.link().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], 0, "{v}");
    assert_eq!(c.calls(), (1, 1));
}

#[tokio::test]
async fn latency_fault_delays_then_serves() {
    let c = ctx().await;
    c.faults(json!({"rules": [{"kind": "latency", "latency_ms": 400}]}))
        .await;
    let t = Instant::now();
    let v: Value = c.link().await.unwrap().json().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(v["status"], 0);
    // A client timeout shorter than the latency sees a timeout.
    let err = meituan_union::http::client_builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap()
        .get(c.link_url(VECTOR_MS / 1000))
        .send()
        .await
        .expect_err("times out");
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn error_rate_is_partial_and_seeded() {
    let c = ctx().await;
    let cfg = json!({"rules": [{"kind": "http_5xx", "rate": 0.5}], "seed": 9});
    let run = || async {
        c.faults(cfg.clone()).await;
        let mut pattern = Vec::new();
        for _ in 0..40 {
            pattern.push(c.link().await.unwrap().status().is_server_error());
        }
        pattern
    };
    let first = run().await;
    let failures = first.iter().filter(|f| **f).count();
    assert!((8..=32).contains(&failures), "{failures} of 40");
    assert_eq!(run().await, first, "same seed, same faults");
}

#[tokio::test]
async fn clock_offset_fault_skews_the_gateway_clock() {
    let c = ctx().await;
    c.faults(json!({"clock_offset_ms": 300_000})).await;
    let res = c.link().await.unwrap();
    assert_eq!(res.headers()["date"], "Tue, 14 Nov 2023 22:18:20 GMT");
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        v["status"], 1003,
        "our ts is 5 minutes behind the gateway: {v}"
    );
    assert_eq!(c.media_link().await["code"], 400);
    // A client that corrects itself from the Date header gets through.
    let res = client()
        .get(c.link_url(VECTOR_MS / 1000 + 300))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], 0);
    // Clearing the faults restores the clock.
    c.faults(json!({})).await;
    let v: Value = c.link().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], 0);
}

#[tokio::test]
async fn admin_clock_moves_the_whole_sandbox() {
    let c = ctx().await;
    let (status, v) = post_json(
        &format!("{}/__admin/clock", c.sb.base_url()),
        &json!({"advance_ms": 86_400_000}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["now_ms"], VECTOR_MS + 86_400_000);
    assert_eq!(v["beijing_day"], "2023-11-16");
    // Requests must now carry the moved time.
    let v: Value = c.link().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], 1003);
    let res = client()
        .get(c.link_url(VECTOR_MS / 1000 + 86_400))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], 0);
    assert_eq!(c.sb.admin().day_stats(&c.k).unwrap().day, "2023-11-16");
    // Reset puts everything back.
    let (status, _) = post_json(&format!("{}/__admin/reset", c.sb.base_url()), &json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(c.sb.admin().now_ms(), VECTOR_MS);
    assert_eq!(c.calls(), (0, 0));
}
