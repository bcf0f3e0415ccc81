//! Daily quota per appkey per Beijing day, reset at 00:00 +08:00 on the
//! injected clock; the burst rule (402); what counts and what does not.

mod common;

use common::*;
use sandbox::Tier;
use serde_json::json;
use tokio::task::JoinSet;

/// 2023-11-14 23:59:00 Beijing (15:59:00 UTC).
const BEFORE_MIDNIGHT_MS: i64 = 1_699_977_540_000;
/// 2023-11-15 00:00:00 Beijing.
const MIDNIGHT_MS: i64 = 1_699_977_600_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_exhausts_and_resets_at_beijing_midnight() {
    let (mut cfg, clock) = manual_config(BEFORE_MIDNIGHT_MS);
    cfg.tier = Tier::T2000;
    let sb = start(cfg).await;
    let demo = sb.demo_account();
    let base = sb.base_url().to_owned();
    let (k, s) = (demo.appkey.clone(), demo.secret.expose().to_owned());
    let ts = BEFORE_MIDNIGHT_MS / 1000;

    // 1999 legacy calls and one media call: both generations share the
    // appkey's daily count.
    let mut set = JoinSet::new();
    for n in 0..1999 {
        let (base, k, s) = (base.clone(), k.clone(), s.clone());
        set.spawn(async move {
            let sid = format!("s{n}");
            legacy(
                &base,
                "/api/generateLink",
                &k,
                &s,
                ts,
                &[("actId", "33"), ("linkType", "1"), ("sid", &sid)],
            )
            .await
            .2
        });
        if set.len() >= 32 {
            let v = set.join_next().await.unwrap().unwrap();
            assert_eq!(v["status"], 0, "{v}");
        }
    }
    while let Some(v) = set.join_next().await {
        assert_eq!(v.unwrap()["status"], 0);
    }
    let v = media(
        &base,
        REFERRAL,
        &k,
        &s,
        BEFORE_MIDNIGHT_MS,
        &json!({"actId": "33", "linkType": 1}),
    )
    .await
    .2;
    assert_eq!(v["code"], 0, "{v}");

    // Call 2001 is refused by both generations, with Meituan's shapes.
    let v = legacy(
        &base,
        "/api/generateLink",
        &k,
        &s,
        ts,
        &[("actId", "33"), ("linkType", "1")],
    )
    .await
    .2;
    assert_eq!(v["status"], 1006, "{v}");
    // The documented words and the per-day limit; no reset time, which no
    // source gives (issue 18).
    assert_eq!(v["des"], "请求次数超过授权额度（每日2000次）", "{v}");
    let v = media(
        &base,
        REFERRAL,
        &k,
        &s,
        BEFORE_MIDNIGHT_MS,
        &json!({"actId": "33", "linkType": 1}),
    )
    .await
    .2;
    assert_eq!(v, json!({"code": 403, "message": "请求次数超过授权额度"}));

    // One millisecond before midnight it is still yesterday.
    clock.set(MIDNIGHT_MS - 1);
    let v = media(
        &base,
        REFERRAL,
        &k,
        &s,
        MIDNIGHT_MS - 1,
        &json!({"actId": "33", "linkType": 1}),
    )
    .await
    .2;
    assert_eq!(v["code"], 403, "{v}");

    // The admin endpoint reports what the server really received.
    let (status, stats) = get_json(&format!("{base}/__admin/stats")).await;
    assert_eq!(status, 200);
    let mine = &stats[&k];
    assert_eq!(mine["day"], "2023-11-14", "{mine}");
    assert_eq!(mine["calls"], 2000, "refused calls are not counted: {mine}");
    assert_eq!(mine["refused_quota"], 3, "{mine}");
    assert_eq!(mine["limit"], 2000);
    assert_eq!(mine["remaining"], 0);
    assert_eq!(mine["resets_at_ms"], MIDNIGHT_MS);
    assert_eq!(mine["by_endpoint"]["/api/generateLink"], 1999);

    // 00:00 Beijing: a new day, a fresh quota.
    clock.set(MIDNIGHT_MS);
    let v = legacy(
        &base,
        "/api/generateLink",
        &k,
        &s,
        MIDNIGHT_MS / 1000,
        &[("actId", "33"), ("linkType", "1")],
    )
    .await
    .2;
    assert_eq!(v["status"], 0, "{v}");
    let today = sb.admin().day_stats(&k).unwrap();
    assert_eq!(today.day, "2023-11-15");
    assert_eq!(today.calls, 1);
    assert_eq!(today.refused_quota, 0);
    let stats = sb.admin().stats();
    let history = stats[&k]["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["day"], "2023-11-14");
    assert_eq!(history.last().unwrap()["calls"], 2000);
}

#[tokio::test]
async fn burst_rule_answers_402_and_is_switchable() {
    let (cfg, _clock) = manual_config(MIDNIGHT_MS);
    let sb = start(cfg).await;
    let demo = sb.demo_account();
    let base = sb.base_url().to_owned();
    let (k, s) = (demo.appkey.clone(), demo.secret.expose().to_owned());
    let (status, _) = post_json(
        &format!("{base}/__admin/config"),
        &json!({"rate_limit": {"max_calls": 3, "per_ms": 60_000}}),
    )
    .await;
    assert_eq!(status, 200);
    let body = json!({"actId": "33", "linkType": 1});
    for _ in 0..3 {
        assert_eq!(
            media(&base, REFERRAL, &k, &s, MIDNIGHT_MS, &body).await.2["code"],
            0
        );
    }
    let v = media(&base, REFERRAL, &k, &s, MIDNIGHT_MS, &body).await.2;
    assert_eq!(
        v,
        json!({"code": 402, "message": "请求过于频繁，请稍后再试"})
    );
    let v = legacy(
        &base,
        "/api/generateLink",
        &k,
        &s,
        MIDNIGHT_MS / 1000,
        &[("actId", "33"), ("linkType", "1")],
    )
    .await
    .2;
    assert_eq!(v["status"], 1007, "{v}");
    assert_eq!(v["des"], "请求过于频繁，请稍后再试");
    let d = sb.admin().day_stats(&k).unwrap();
    assert_eq!((d.calls, d.refused_rate), (3, 2), "{d:?}");

    post_json(
        &format!("{base}/__admin/config"),
        &json!({"rate_limit": null}),
    )
    .await;
    assert_eq!(
        media(&base, REFERRAL, &k, &s, MIDNIGHT_MS, &body).await.2["code"],
        0
    );
}

#[tokio::test]
async fn unauthenticated_calls_do_not_count() {
    let (cfg, _clock) = manual_config(MIDNIGHT_MS);
    let sb = start(cfg).await;
    let demo = sb.demo_account();
    let base = sb.base_url().to_owned();
    let k = demo.appkey.clone();
    let body = json!({"actId": "33", "linkType": 1});
    // Wrong secret, stale timestamp.
    assert_eq!(
        media(&base, REFERRAL, &k, "wrong", MIDNIGHT_MS, &body)
            .await
            .2["code"],
        400
    );
    let s = demo.secret.expose();
    assert_eq!(
        media(&base, REFERRAL, &k, s, MIDNIGHT_MS - 200_000, &body)
            .await
            .2["code"],
        400
    );
    // A served call with a bad parameter does count.
    assert_eq!(
        media(&base, REFERRAL, &k, s, MIDNIGHT_MS, &json!({"linkType": 1}))
            .await
            .2["code"],
        1
    );
    let d = sb.admin().day_stats(&k).unwrap();
    assert_eq!(
        (d.calls, d.refused_auth, d.refused_params),
        (1, 2, 1),
        "{d:?}"
    );
}
