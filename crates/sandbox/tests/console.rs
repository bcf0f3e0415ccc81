//! Console actions: API authorization, frequency request, special-case
//! request, callback registration; and the state file that keeps them.

mod common;

use common::*;
use sandbox::{ConsoleDelays, SandboxConfig, SpecialCaseOutcome, Tier};
use serde_json::json;
use std::time::Duration;

fn delays() -> ConsoleDelays {
    ConsoleDelays {
        first_authorization: Duration::from_secs(3),
        second_authorization: Duration::from_secs(10),
        special_case: Duration::from_secs(7),
    }
}

fn url(sb: &sandbox::RunningSandbox, tail: &str) -> String {
    format!(
        "{}/__console/accounts/{}/{tail}",
        sb.base_url(),
        sb.demo_account().appkey
    )
}

#[tokio::test]
async fn authorization_first_in_about_an_hour_second_in_two_working_days() {
    let (mut cfg, clock) = manual_config(VECTOR_MS);
    cfg.demo_authorized = false;
    cfg.console_delays = delays();
    let sb = start(cfg).await;
    let demo = sb.demo_account();
    let (k, s) = (demo.appkey.clone(), demo.secret.expose().to_owned());
    let base = sb.base_url().to_owned();
    let call = |now_ms: i64| {
        let (base, k, s) = (base.clone(), k.clone(), s.clone());
        async move {
            legacy(
                &base,
                "/api/generateLink",
                &k,
                &s,
                now_ms / 1000,
                &[("actId", "33"), ("linkType", "1")],
            )
            .await
            .2
        }
    };

    assert_eq!(call(VECTOR_MS).await["status"], 1004);
    let body = json!({"actId": "33", "linkType": 1});
    assert_eq!(
        media(&base, REFERRAL, &k, &s, VECTOR_MS, &body).await.2["code"],
        400
    );
    let (_, v) = get_json(&url(&sb, "authorization")).await;
    assert_eq!(v["state"], "not_applied", "{v}");

    let (status, v) = post_json(&url(&sb, "authorization"), &json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "pending");
    assert_eq!(v["attempt"], 1);
    assert_eq!(v["ready_at_ms"], VECTOR_MS + 3000);
    assert!(v["stands_for"].as_str().unwrap().contains("1 hour"), "{v}");
    let (status, v) = post_json(&url(&sb, "authorization"), &json!({})).await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (409, Some("already_pending"))
    );

    clock.set(VECTOR_MS + 2999);
    assert_eq!(call(VECTOR_MS + 2999).await["status"], 1004);
    clock.set(VECTOR_MS + 3000);
    assert_eq!(call(VECTOR_MS + 3000).await["status"], 0);
    let (_, v) = get_json(&url(&sb, "authorization")).await;
    assert_eq!(v["state"], "approved", "{v}");
    let (status, _) = post_json(&url(&sb, "authorization"), &json!({})).await;
    assert_eq!(status, 409);

    // Closed, then a second application: two working days.
    let (status, v) = post_json(&url(&sb, "authorization/close"), &json!({})).await;
    assert_eq!(
        (status.as_u16(), v["state"].as_str()),
        (200, Some("closed"))
    );
    assert_eq!(call(VECTOR_MS + 3000).await["status"], 1004);
    let (_, v) = post_json(&url(&sb, "authorization"), &json!({})).await;
    assert_eq!(v["attempt"], 2);
    assert_eq!(v["ready_at_ms"], VECTOR_MS + 3000 + 10_000);
    assert!(
        v["stands_for"].as_str().unwrap().contains("2 working days"),
        "{v}"
    );
    clock.set(VECTOR_MS + 13_000);
    assert_eq!(call(VECTOR_MS + 13_000).await["status"], 0);
}

#[tokio::test]
async fn frequency_request_follows_the_tier_table() {
    // 2500 valid orders a month → n ≥ 2000 → 6000 calls a day.
    let (mut cfg, _clock) = manual_config(VECTOR_MS);
    cfg.orders_per_month = 2500;
    let sb = start(cfg).await;
    let k = sb.demo_account().appkey;
    let avg = sb.admin().monthly_average(&k).unwrap();
    assert!((2500.0..2700.0).contains(&avg), "{avg}");
    let (status, v) = post_json(&url(&sb, "frequency"), &json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["granted"], true, "{v}");
    assert_eq!(v["tier_after"], "6000");
    assert_eq!(v["limit"], 6000);
    assert_eq!(sb.admin().tier(&k), Some(Tier::T6000));
    assert_eq!(sb.admin().stats()[&k]["limit"], 6000);
    // Asking again gains nothing: refused.
    let (_, v) = post_json(&url(&sb, "frequency"), &json!({})).await;
    assert_eq!(v["granted"], false, "{v}");
    let (_, v) = get_json(&url(&sb, "frequency")).await;
    assert_eq!(v["requests"].as_array().unwrap().len(), 2);

    // 300 a month stays at 2000.
    let (cfg, _clock) = manual_config(VECTOR_MS);
    let sb = start(SandboxConfig {
        orders_per_month: 300,
        ..cfg
    })
    .await;
    let (_, v) = post_json(&url(&sb, "frequency"), &json!({})).await;
    assert_eq!(v["granted"], false, "{v}");
    assert_eq!(v["qualifies_for"], "2000");
    assert_eq!(v["message"], "非常抱歉，您的频次申请暂时没有通过", "{v}");
    assert!(
        v["next_step"].as_str().unwrap().contains("特殊情况申请"),
        "{v}"
    );
    assert_eq!(
        sb.admin().tier(&sb.demo_account().appkey),
        Some(Tier::T2000)
    );
}

#[tokio::test]
async fn each_tier_is_reachable_by_volume() {
    for (volume, tier) in [
        (999, Tier::T2000),
        (1000, Tier::T3000),
        (2000, Tier::T6000),
        (5000, Tier::T15000),
        (10000, Tier::Unlimited),
    ] {
        let (mut cfg, _clock) = manual_config(VECTOR_MS);
        cfg.orders_per_month = volume;
        let sb = start(cfg).await;
        let (_, v) = post_json(&url(&sb, "frequency"), &json!({})).await;
        assert_eq!(v["qualifies_for"], tier.as_str(), "{volume}: {v}");
    }
}

#[tokio::test]
async fn special_case_request_outcome_is_configurable() {
    let (mut cfg, clock) = manual_config(VECTOR_MS);
    cfg.console_delays = delays();
    cfg.special_case_outcome = SpecialCaseOutcome::Granted;
    cfg.orders_per_month = 300;
    let sb = start(cfg).await;
    let k = sb.demo_account().appkey;

    // No refused frequency request yet: nothing to appeal (seed `:18`).
    let (status, v) = post_json(&url(&sb, "special"), &json!({"reason": "大促"})).await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (409, Some("no_refusal")),
        "{v}"
    );
    let (_, v) = post_json(&url(&sb, "frequency"), &json!({})).await;
    assert_eq!(v["granted"], false, "{v}");

    let (status, v) = post_json(&url(&sb, "special"), &json!({"reason": "  "})).await;
    assert_eq!(status, 400, "{v}");
    let (status, v) = post_json(
        &url(&sb, "special"),
        &json!({"reason": "x", "requested_tier": "2000"}),
    )
    .await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (400, Some("bad_tier"))
    );

    let (status, v) = post_json(
        &url(&sb, "special"),
        &json!({"reason": "大促期间订单量激增，申请提升频次"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "pending");
    assert_eq!(v["requested_tier"], "3000");
    assert_eq!(v["answer_at_ms"], VECTOR_MS + 7000);
    let (status, _) = post_json(&url(&sb, "special"), &json!({"reason": "again"})).await;
    assert_eq!(status, 409);
    let (_, v) = get_json(&url(&sb, "special")).await;
    assert_eq!(v["requests"][0]["state"], "pending", "{v}");
    assert!(v["requests"][0]["outcome"].is_null(), "no peeking: {v}");
    clock.set(VECTOR_MS + 7000);
    let (_, v) = get_json(&url(&sb, "special")).await;
    assert_eq!(v["requests"][0]["answered"], true, "{v}");
    assert_eq!(v["requests"][0]["state"], "granted", "{v}");
    assert_eq!(v["tier"], "3000");
    assert_eq!(sb.admin().tier(&k), Some(Tier::T3000));

    // Switched to "refused" at runtime.
    let (status, _) = post_json(
        &format!("{}/__admin/config", sb.base_url()),
        &json!({"special_case_outcome": "refused"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, v) = post_json(
        &url(&sb, "special"),
        &json!({"reason": "r", "requested_tier": "15000"}),
    )
    .await;
    assert_eq!(v["state"], "pending", "{v}");
    clock.set(VECTOR_MS + 14_000);
    let (_, v) = get_json(&url(&sb, "special")).await;
    assert_eq!(v["requests"][1]["outcome"], "refused", "{v}");
    assert_eq!(sb.admin().tier(&k), Some(Tier::T3000));
}

#[tokio::test]
async fn callback_registration_returns_a_fresh_secret() {
    let (cfg, _clock) = manual_config(VECTOR_MS);
    let sb = start(cfg).await;
    let initial = sb.demo_account().callback_secret.expose().to_owned();
    let (status, v) = post_json(&url(&sb, "callback"), &json!({"url": "ftp://x"})).await;
    assert_eq!(status, 400, "{v}");
    let (status, v) = post_json(
        &url(&sb, "callback"),
        &json!({"url": "https://example.invalid/cb"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let first = v["callback_secret"].as_str().unwrap().to_owned();
    assert_eq!(first.len(), 32);
    assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(first, initial);
    assert_eq!(sb.demo_account().callback_secret.expose(), first);
    let (_, v) = post_json(
        &url(&sb, "callback"),
        &json!({"url": "https://example.invalid/cb"}),
    )
    .await;
    assert_ne!(v["callback_secret"].as_str().unwrap(), first);
    let (_, v) = get_json(&url(&sb, "callback")).await;
    assert_eq!(v["url"], "https://example.invalid/cb");
    assert!(
        v.get("callback_secret").is_none(),
        "status never shows the secret"
    );
    let res = client().delete(url(&sb, "callback")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let (_, v) = get_json(&url(&sb, "callback")).await;
    assert!(v["url"].is_null());
    // Unknown accounts are 404.
    let (status, _) = get_json(&format!("{}/__console/accounts/nobody", sb.base_url())).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn state_file_keeps_console_state_and_counters_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    // The folder does not exist yet: the sandbox creates it.
    let path = dir.path().join("sandbox").join("state.json");
    let (mut cfg, clock) = manual_config(VECTOR_MS);
    cfg.state_file = Some(path.clone());
    cfg.demo_authorized = false;
    cfg.console_delays = delays();
    cfg.seed = 77;

    let sb = start(cfg.clone()).await;
    post_json(&url(&sb, "authorization"), &json!({})).await;
    let (_, v) = post_json(
        &url(&sb, "callback"),
        &json!({"url": "http://127.0.0.1:9/cb"}),
    )
    .await;
    let cb_secret = v["callback_secret"].as_str().unwrap().to_owned();
    clock.set(VECTOR_MS + 3000);
    let demo = sb.demo_account();
    for _ in 0..3 {
        let v = legacy(
            sb.base_url(),
            "/api/generateLink",
            &demo.appkey,
            demo.secret.expose(),
            (VECTOR_MS + 3000) / 1000,
            &[("actId", "33"), ("linkType", "1")],
        )
        .await
        .2;
        assert_eq!(v["status"], 0, "{v}");
    }
    let injected = sb
        .admin()
        .inject_order(sandbox::NewOrder::default())
        .unwrap();
    sb.shutdown().await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(&cb_secret), "the state file holds no secret");
    assert!(!text.contains(demo.secret.expose()));

    let sb = start(cfg.clone()).await;
    let again = sb.demo_account();
    assert_eq!(
        again.appkey, demo.appkey,
        "credentials derive from the seed"
    );
    assert_eq!(again.secret.expose(), demo.secret.expose());
    assert_eq!(again.callback_secret.expose(), cb_secret);
    let (_, v) = get_json(&url(&sb, "authorization")).await;
    assert_eq!(v["state"], "approved", "{v}");
    let (_, v) = get_json(&url(&sb, "callback")).await;
    assert_eq!(v["url"], "http://127.0.0.1:9/cb");
    assert_eq!(sb.admin().day_stats(&again.appkey).unwrap().calls, 3);
    let ids = sb
        .admin()
        .order_ids_in_range(
            &again.appkey,
            (VECTOR_MS + 3000) / 1000,
            (VECTOR_MS + 3000) / 1000,
            sandbox::TimeType::Pay,
        )
        .unwrap();
    assert!(ids.contains(&injected), "injected orders survive: {ids:?}");
    sb.shutdown().await;

    // Another seed is another sandbox: the file is not applied.
    cfg.seed = 78;
    let sb = start(cfg).await;
    let (_, v) = get_json(&url(&sb, "authorization")).await;
    assert_eq!(v["state"], "not_applied", "{v}");
    sb.shutdown().await;

    // A file that is not a state file is an error, not silently dropped.
    std::fs::write(&path, b"not json").unwrap();
    let (mut cfg, _clock) = manual_config(VECTOR_MS);
    cfg.state_file = Some(path);
    assert!(matches!(
        sandbox::Sandbox::start(cfg).await,
        Err(sandbox::SandboxError::StateFile { .. })
    ));
}
