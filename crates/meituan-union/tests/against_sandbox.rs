//! The protocol crate's real async `Client` against the project's real
//! local sandbox (crate `sandbox`): every endpoint of both API generations
//! and every documented refusal, read by the client into the right typed
//! kind (project issue 4: what is proven against the sandbox must hold
//! against Meituan).
//!
//! The sandbox links its own copy of this crate (a dev-dependency cycle is
//! a separate compilation), so only strings and numbers cross between the
//! two: never pass this crate's types to the sandbox API.
//!
//! The sandbox's admin handle is the ground truth: the order ids a window
//! holds, and the per-appkey counters of what the server really received.

use chrono::NaiveDate;
use meituan_union::*;
use sandbox::{DayStats, FaultConfig, ManualClock, RateLimit, RunningSandbox, SandboxConfig};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use tokio::task::JoinSet;
use url::Url;

/// 2023-11-14T22:13:20Z (2023-11-15 06:13:20 Beijing): the sandbox's "now"
/// and the client's.
const NOW_MS: i64 = 1_700_000_000_000;
const NOW_S: i64 = NOW_MS / 1000;
/// A one-day window fully in the past: [now − 2 days, now − 1 day].
const WINDOW_START: i64 = NOW_S - 2 * 86_400;
const WINDOW_END: i64 = WINDOW_START + 86_400;

const ORDER_LIST: &str = "/api/orderList";
const GENERATE_LINK: &str = "/api/generateLink";
const QUERY_ORDER: &str = "/cps_open/common/api/v1/query_order";
const REFERRAL: &str = "/cps_open/common/api/v1/get_referral_link";

struct Env {
    sandbox: RunningSandbox,
    client: Client,
    creds: Credentials,
    /// The demo secret as text, to look for it in every output.
    secret: String,
}

impl Env {
    fn appkey(&self) -> &str {
        &self.creds.app_key
    }

    fn today(&self) -> DayStats {
        self.sandbox
            .admin()
            .day_stats(self.appkey())
            .expect("the demo appkey is served")
    }

    fn endpoint_calls(&self, path: &str) -> u64 {
        self.today().by_endpoint.get(path).copied().unwrap_or(0)
    }

    /// Refusals of unknown appkeys today (`_unknown_appkey` in the stats).
    fn unknown_appkey_refusals(&self) -> u64 {
        self.sandbox.admin().stats()["_unknown_appkey"]["refused_auth"]
            .as_u64()
            .unwrap_or(0)
    }

    /// The call each refusal test sends through the legacy generation.
    async fn probe_legacy(&self, creds: &Credentials) -> Outcome<impl std::fmt::Debug> {
        let request = link_request(LegacyLinkType::H5, false, "s1");
        self.client.legacy(&request, creds, NOW_MS).await
    }

    /// The call each refusal test sends through the media generation.
    async fn probe_media(&self, creds: &Credentials) -> Outcome<impl std::fmt::Debug> {
        self.client.media(&referral_request(), creds, NOW_MS).await
    }

    fn with_secret(&self, secret: &str) -> Credentials {
        Credentials::new(self.creds.app_key.clone(), Secret::from(secret))
    }
}

async fn start_with(orders_per_month: u32, tweak: impl FnOnce(&mut SandboxConfig)) -> Env {
    let clock = ManualClock::new(NOW_MS);
    let mut config = SandboxConfig {
        seed: 4,
        orders_per_month,
        clock: clock.clock(),
        ..SandboxConfig::default()
    };
    tweak(&mut config);
    let sandbox = sandbox::Sandbox::start(config)
        .await
        .expect("the sandbox starts");
    let demo = sandbox.demo_account();
    let secret = demo.secret.expose().to_owned();
    let client = Client::new(ClientConfig {
        timeout: Duration::from_secs(20),
        ..ClientConfig::with_base_url(Url::parse(sandbox.base_url()).unwrap())
    })
    .expect("client");
    let creds = Credentials::new(demo.appkey.clone(), Secret::from(secret.as_str()));
    Env {
        sandbox,
        client,
        creds,
        secret,
    }
}

async fn start(orders_per_month: u32) -> Env {
    start_with(orders_per_month, |_| {}).await
}

/// No Debug/Display form a caller could log contains `secret`.
fn assert_no_secret<T: std::fmt::Debug>(outcome: &Outcome<T>, secret: &str) {
    let mut texts = vec![format!("{outcome:?}"), format!("{:#?}", outcome.attempt)];
    if let Err(e) = &outcome.result {
        texts.push(format!("{e}"));
        texts.push(format!("{e:?}"));
    }
    for t in texts {
        assert!(!t.contains(secret), "secret leaked: {t}");
    }
}

/// The refusal of a call that reached the server, as `(code, kind, message)`.
fn api_refusal<T: std::fmt::Debug>(outcome: &Outcome<T>) -> (i64, ApiErrorKind, String) {
    assert!(
        outcome.attempt.sent && outcome.attempt.reached_server(),
        "{outcome:?}"
    );
    assert_eq!(outcome.attempt.http_status, Some(200), "{outcome:?}");
    match &outcome.result {
        Err(e @ Error::Api { code, message, .. }) => {
            (*code, e.api_kind().unwrap(), message.clone())
        }
        other => panic!("expected an API refusal, got {other:?}"),
    }
}

/// An API refusal (see [`api_refusal`]) that names none of `secrets` in
/// any form a caller could log.
fn refused<T: std::fmt::Debug>(
    outcome: &Outcome<T>,
    secrets: &[&str],
) -> (i64, ApiErrorKind, String) {
    for secret in secrets {
        assert_no_secret(outcome, secret);
    }
    api_refusal(outcome)
}

fn link_request(link_type: LegacyLinkType, short: bool, sid: &str) -> GenerateLinkRequest {
    let mut r = GenerateLinkRequest::new("33", link_type);
    r.sid = Some(sid.to_owned());
    r.short_link = short;
    r
}

fn referral_request() -> ReferralLinkRequest {
    ReferralLinkRequest::for_activity("33", "demo_wx01", MediaLinkType::H5Long)
}

fn order_list_page(business_line: BusinessLine, page: u32) -> OrderListRequest {
    OrderListRequest {
        business_line: Some(business_line),
        act_id: None,
        start_time: WINDOW_START,
        end_time: WINDOW_END,
        page,
        limit: 100,
        query_time_type: QueryTimeType::PayTime,
    }
}

// ---------------------------------------------------------------------------
// 1. Legacy API, success paths
// ---------------------------------------------------------------------------

#[tokio::test]
async fn legacy_generate_link_and_mini_code() {
    let env = start(60).await;
    let cases = [
        (
            LegacyLinkType::H5,
            false,
            "https://union.sandbox.invalid/act/33?",
        ),
        (LegacyLinkType::H5, true, "https://dpurl.sandbox.invalid/"),
        (LegacyLinkType::Deeplink, false, "imeituan-sandbox://"),
        (LegacyLinkType::GroupPassword, false, "￥SANDBOX"),
    ];
    let mut urls = HashSet::new();
    for (link_type, short, prefix) in cases {
        let outcome = env
            .client
            .legacy(
                &link_request(link_type, short, "demo_wx01"),
                &env.creds,
                NOW_MS,
            )
            .await;
        assert_no_secret(&outcome, &env.secret);
        assert_eq!(outcome.attempt.http_status, Some(200));
        let url = outcome.into_result().expect("a link").url;
        assert!(
            url.starts_with(prefix),
            "{link_type:?} short={short}: {url}"
        );
        urls.insert(url);
    }
    assert_eq!(urls.len(), cases.len(), "each link type gives its own link");

    // Links are deterministic per (appkey, actId, sid, type, short).
    let again = env
        .client
        .legacy(
            &link_request(LegacyLinkType::H5, true, "demo_wx01"),
            &env.creds,
            NOW_MS,
        )
        .await
        .into_result()
        .unwrap();
    assert!(urls.contains(&again.url));

    for link_type in [
        LegacyLinkType::WechatMiniProgram,
        LegacyLinkType::YouxuanMiniProgram,
    ] {
        let req = MiniCodeRequest {
            act_id: "33".into(),
            sid: Some("demo_wx01".into()),
            link_type,
            sku_id: None,
        };
        let outcome = env.client.legacy(&req, &env.creds, NOW_MS).await;
        assert_no_secret(&outcome, &env.secret);
        let url = outcome.into_result().expect("a mini code").url;
        // The sandbox serves the image itself, on its own address.
        let served = format!("{}/img/minicode/", env.sandbox.base_url());
        assert!(url.starts_with(&served) && url.ends_with(".png"), "{url}");
    }

    let today = env.today();
    assert_eq!(today.calls, 7, "{today:?}");
    assert_eq!(today.by_endpoint.get(GENERATE_LINK), Some(&5));
    assert_eq!(today.by_endpoint.get("/api/miniCode"), Some(&2));
    assert_eq!(today.refused_params + today.refused_auth, 0, "{today:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_order_list_pages_to_the_sandbox_truth_and_order_looks_up() {
    let env = start(9000).await;
    let truth: Vec<String> = env
        .sandbox
        .admin()
        .order_ids_in_range(
            env.appkey(),
            WINDOW_START,
            WINDOW_END,
            sandbox::TimeType::Pay,
        )
        .unwrap();
    let totals = env
        .sandbox
        .admin()
        .orders_in_range(
            env.appkey(),
            WINDOW_START,
            WINDOW_END,
            sandbox::TimeType::Pay,
        )
        .unwrap();
    assert_eq!(totals.count as usize, truth.len());
    assert!(truth.len() > 200, "the window holds {} orders", truth.len());

    // `orderList` needs a business line or an actId: every line's pages
    // together are the whole window.
    let mut seen: Vec<LegacyOrder> = Vec::new();
    let mut requests = 0u64;
    let mut max_pages = 0;
    for line in BusinessLine::ALL.iter().copied() {
        let mut page = 1;
        let mut line_orders = 0usize;
        loop {
            let outcome = env
                .client
                .legacy(&order_list_page(line, page), &env.creds, NOW_MS)
                .await;
            requests += 1;
            assert_no_secret(&outcome, &env.secret);
            let answer = outcome.into_result().expect("an order page");
            assert!(answer.orders.len() <= 100);
            line_orders += answer.orders.len();
            for o in &answer.orders {
                assert_eq!(o.business_line(), Some(line), "{o:?}");
                assert_eq!(o.appkey.as_deref(), Some(env.appkey()));
                let paid = o.paytime.expect("paytime");
                assert!((WINDOW_START..=WINDOW_END).contains(&paid), "{o:?}");
                assert!(o.status().is_some(), "{o:?}");
            }
            seen.extend(answer.orders.iter().cloned());
            if line_orders as i64 >= answer.total || answer.orders.is_empty() {
                assert_eq!(line_orders as i64, answer.total, "{line:?}");
                break;
            }
            page += 1;
        }
        max_pages = max_pages.max(page);
    }
    assert!(max_pages >= 2, "paging was exercised");

    let ids: Vec<String> = seen.iter().map(|o| o.orderid.clone().unwrap()).collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no order twice");
    let truth_set: HashSet<&String> = truth.iter().collect();
    assert_eq!(unique, truth_set, "the pages hold exactly the window");

    // Money adds up to the sandbox's totals.
    let cents = |s: &Option<String>| -> i64 {
        let s = s.as_deref().unwrap_or("0");
        let (yuan, fen) = s.split_once('.').unwrap_or((s, "0"));
        yuan.parse::<i64>().unwrap() * 100 + format!("{fen:0<2}")[..2].parse::<i64>().unwrap()
    };
    let pay: i64 = seen.iter().map(|o| cents(&o.payprice)).sum();
    assert_eq!(pay, totals.payprice_cents);

    // N pages = N requests.
    assert_eq!(env.endpoint_calls(ORDER_LIST), requests);
    assert_eq!(env.today().calls, requests);

    // `/api/order` for one of them, with the full detail lists.
    let pick = &seen[seen.len() / 2];
    let req = OrderRequest {
        order_id: pick.orderid.clone().unwrap(),
        business_line: pick.business_line(),
        act_id: None,
        full: true,
        product_id: None,
    };
    let outcome = env.client.legacy(&req, &env.creds, NOW_MS).await;
    assert_no_secret(&outcome, &env.secret);
    let one = outcome.into_result().expect("the order");
    assert_eq!(one.orderid, pick.orderid);
    assert_eq!(one.payprice, pick.payprice);
    assert_eq!(one.paytime, pick.paytime);
    assert_eq!(one.status_code, pick.status_code);
    assert_eq!(one.sid, pick.sid);
    assert!(one.extra.contains_key("refundInfoList"), "{one:?}");

    // An order id the sandbox does not have: 1008 订单不存在, kept as sent.
    let mut missing = req.clone();
    missing.order_id = "9".repeat(19);
    let outcome = env.client.legacy(&missing, &env.creds, NOW_MS).await;
    let (code, kind, message) = api_refusal(&outcome);
    assert_eq!((code, kind), (1008, ApiErrorKind::Other));
    assert_eq!(message, "订单不存在");
    assert_eq!(env.endpoint_calls("/api/order"), 2);
}

#[tokio::test]
async fn legacy_quality_score_by_sid() {
    let env = start(60).await;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut req = QualityScoreRequest {
        sid: None,
        score_type: QualityScoreType::Estimated,
        business_line: BusinessLine::Youxuan,
        begin_date: d("2023-11-01"),
        end_date: d("2023-11-07"),
        city_id: None,
        category_id: None,
        promotion_type: None,
        page_no: 1,
        page_size: 20,
    };
    let days = 7;
    let expected_total = (days * sandbox::data::SIDS.len()) as i64;
    let mut rows = Vec::new();
    loop {
        let outcome = env.client.legacy(&req, &env.creds, NOW_MS).await;
        assert_no_secret(&outcome, &env.secret);
        let answer = outcome.into_result().expect("scores");
        assert_eq!(answer.total, expected_total);
        if answer.scores.is_empty() {
            break;
        }
        rows.extend(answer.scores);
        if rows.len() as i64 >= answer.total {
            break;
        }
        req.page_no += 1;
    }
    assert_eq!(rows.len() as i64, expected_total);
    assert_eq!(req.page_no, 2, "35 rows in pages of 20");
    let keys: HashSet<(String, String)> = rows
        .iter()
        .map(|r| (r.sid.clone().unwrap(), r.date.clone().unwrap()))
        .collect();
    assert_eq!(keys.len(), rows.len(), "no (sid, date) twice");
    for r in &rows {
        assert_eq!(r.appkey.as_deref(), Some(env.appkey()));
        assert!(
            matches!(r.quality_grade.as_deref(), Some("A" | "B" | "C" | "D")),
            "{r:?}"
        );
        assert!(r.repurchase_rate.as_deref().unwrap().starts_with("0."));
    }

    // One sid only.
    req.sid = Some("demo_wx01".into());
    req.page_no = 1;
    let answer = env
        .client
        .legacy(&req, &env.creds, NOW_MS)
        .await
        .into_result()
        .unwrap();
    assert_eq!(answer.total, days as i64);
    assert!(answer
        .scores
        .iter()
        .all(|r| r.sid.as_deref() == Some("demo_wx01")));
    assert_eq!(env.endpoint_calls("/api/getqualityscorebysid"), 3);
}

/// Client and sandbox agree on `/api/getqualityscorebysid`: at most 90 days
/// apart (`日期间隔最长为90天`, yzchan/meituan-union-php
/// DateBetweenTrait.php:8; refused by the client before any call beyond
/// that) and both score types.
#[tokio::test]
async fn legacy_quality_score_limits_agree() {
    let env = start(60).await;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let base = QualityScoreRequest {
        sid: Some("demo_wx01".into()),
        score_type: QualityScoreType::Estimated,
        business_line: BusinessLine::Youxuan,
        begin_date: d("2023-08-01"),
        end_date: d("2023-10-01"),
        city_id: None,
        category_id: None,
        promotion_type: None,
        page_no: 1,
        page_size: 100,
    };
    // Two months (61 days): the old 31-day rule had no source; served.
    let outcome = env.client.legacy(&base, &env.creds, NOW_MS).await;
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    // 90 days apart: the documented limit, served.
    let mut ninety = base.clone();
    ninety.end_date = d("2023-10-30");
    let outcome = env.client.legacy(&ninety, &env.creds, NOW_MS).await;
    assert_eq!(outcome.result.expect("90 days").total, 91);
    // 91 days apart: refused before sending, no call spent.
    let mut wide = base.clone();
    wide.end_date = d("2023-10-31");
    let outcome = env.client.legacy(&wide, &env.creds, NOW_MS).await;
    assert!(
        matches!(
            outcome.result,
            Err(Error::InvalidArgument {
                field: "endDate",
                ..
            })
        ),
        "{:?}",
        outcome.result
    );
    assert!(!outcome.attempt.sent);
    // A week of actual (实际) scores: served.
    let mut actual = base.clone();
    actual.end_date = d("2023-08-07");
    actual.score_type = QualityScoreType::Actual;
    let outcome = env.client.legacy(&actual, &env.creds, NOW_MS).await;
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert_eq!(env.endpoint_calls("/api/getqualityscorebysid"), 3);
}

// ---------------------------------------------------------------------------
// 2. Media API, success paths
// ---------------------------------------------------------------------------

#[tokio::test]
async fn media_referral_links() {
    let env = start(60).await;
    let outcome = env
        .client
        .media(&referral_request(), &env.creds, NOW_MS)
        .await;
    assert_no_secret(&outcome, &env.secret);
    let one = outcome.into_result().expect("a link");
    let link = one.link.expect("data");
    assert!(link.starts_with("https://union.sandbox.invalid/"), "{link}");
    assert!(one.links.is_empty());

    // Several types at once come back in `referralLinkMap`.
    let mut many = referral_request();
    many.link_type = None;
    many.link_type_list = Some(vec![
        MediaLinkType::H5Long,
        MediaLinkType::H5Short,
        MediaLinkType::Deeplink,
        MediaLinkType::MiniProgramCode,
    ]);
    let outcome = env.client.media(&many, &env.creds, NOW_MS).await;
    assert_no_secret(&outcome, &env.secret);
    let answer = outcome.into_result().expect("links");
    let keys: Vec<&str> = answer.links.keys().map(String::as_str).collect();
    assert_eq!(keys, ["1", "2", "3", "6"], "{answer:?}");
    assert!(answer.links["2"].starts_with("https://dpurl.sandbox.invalid/"));
    assert!(answer.links["3"].starts_with("imeituan-sandbox://"));
    let served = format!("{}/img/minicode/", env.sandbox.base_url());
    assert!(answer.links["6"].starts_with(&served), "{answer:?}");
    assert_eq!(answer.links["1"], link, "the same link as asked alone");

    assert_eq!(env.endpoint_calls(REFERRAL), 2);
    assert_eq!(env.today().calls, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_query_order_scrolls_to_the_end() {
    let env = start(9000).await;
    let truth = env
        .sandbox
        .admin()
        .order_ids_in_range(
            env.appkey(),
            WINDOW_START,
            WINDOW_END,
            sandbox::TimeType::Pay,
        )
        .unwrap();
    assert!(truth.len() > 200, "the window holds {} orders", truth.len());

    // Without `businessLine` Meituan leaves out 商品超值券包 (7) and serves
    // platform 1 only (`platform` absent = 1), so the window takes the
    // app's three questions (`lines::MEDIA_ORDER_PASSES`). Each scrolls to
    // its end, in the window's order; together they are the window.
    let mut ids_by_pass: Vec<Vec<String>> = Vec::new();
    let mut requests = 0u64;
    let mut expected_requests = 0u64;
    for (platform, asked) in lines::MEDIA_ORDER_PASSES {
        let mut req = QueryOrderRequest::window(
            WINDOW_START,
            WINDOW_END,
            QueryTimeType::PayTime,
            SearchType::Scroll,
            100,
        );
        req.platform = Some(platform);
        req.business_line = asked.to_vec();
        let mut ids = Vec::new();
        let mut pass_requests = 0u64;
        loop {
            let outcome = env.client.media(&req, &env.creds, NOW_MS).await;
            pass_requests += 1;
            assert_no_secret(&outcome, &env.secret);
            let answer = outcome.into_result().expect("an order page");
            assert_eq!(answer.sku_count, Some(answer.orders.len() as i64));
            for o in &answer.orders {
                let paid = o.pay_time.expect("payTime");
                assert!((WINDOW_START..=WINDOW_END).contains(&paid), "{o:?}");
                assert_eq!(o.appkey.as_deref(), Some(env.appkey()));
                assert!(o.status().is_some(), "{o:?}");
                assert_eq!(o.platform, Some(platform.code()), "{o:?}");
                let line = o.business_line.expect("businessLine");
                if asked.is_empty() {
                    assert_ne!(line, lines::MEDIA_COUPON_PACK, "{o:?}");
                } else {
                    assert!(asked.contains(&line), "{o:?}");
                }
                let known = lines::OrderLine::media(platform.code(), line).name();
                assert!(known.is_some(), "{o:?}");
                ids.push(o.order_id.clone().unwrap());
            }
            match req.next_scroll_page(&answer) {
                Some(next) => req = next,
                None => break,
            }
            assert!(pass_requests < 100, "scrolling does not end");
        }
        assert!(!ids.is_empty(), "{platform:?} {asked:?} holds orders");
        // Full pages, then one short (or empty) page ends the scroll.
        assert_eq!(pass_requests, ids.len() as u64 / 100 + 1);
        let mine: HashSet<&String> = ids.iter().collect();
        let in_order: Vec<String> = truth
            .iter()
            .filter(|id| mine.contains(id))
            .cloned()
            .collect();
        assert_eq!(ids, in_order, "the window's order");
        requests += pass_requests;
        expected_requests += ids.len() as u64 / 100 + 1;
        ids_by_pass.push(ids);
    }
    let all: Vec<&String> = ids_by_pass.iter().flatten().collect();
    let unique: HashSet<&String> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "no order twice");
    assert_eq!(
        unique,
        truth.iter().collect::<HashSet<_>>(),
        "exactly the window"
    );
    assert_eq!(requests, expected_requests);
    assert_eq!(env.endpoint_calls(QUERY_ORDER), requests);

    // Numbered pages give the same orders (the first question).
    let first = &ids_by_pass[0];
    assert!(first.len() > 100, "{} orders", first.len());
    let mut paged = QueryOrderRequest::window(
        WINDOW_START,
        WINDOW_END,
        QueryTimeType::PayTime,
        SearchType::Page,
        50,
    );
    paged.platform = Some(lines::MEDIA_ORDER_PASSES[0].0);
    paged.page = Some(2);
    let page2 = env
        .client
        .media(&paged, &env.creds, NOW_MS)
        .await
        .into_result()
        .unwrap();
    let page2_ids: Vec<String> = page2
        .orders
        .iter()
        .map(|o| o.order_id.clone().unwrap())
        .collect();
    assert_eq!(page2_ids, first[50..100]);
    assert_eq!(page2.scroll_id, None);
}

#[tokio::test]
async fn media_query_coupon() {
    let env = start(60).await;
    let mut req = QueryCouponRequest {
        page_no: Some(1),
        page_size: Some(20),
        sort_field: Some(CouponSortField::Commission),
        asc_desc_order: Some(2),
        ..Default::default()
    };
    let outcome = env.client.media(&req, &env.creds, NOW_MS).await;
    assert_no_secret(&outcome, &env.secret);
    let first = outcome.into_result().expect("coupons");
    assert_eq!(first.coupons.len(), 20);
    assert!(first.has_next);
    let percent = |c: &Coupon| -> i64 {
        let info = c.commission_info.as_ref().unwrap();
        match &info["commissionPercent"] {
            serde_json::Value::String(s) => s.parse().unwrap(),
            other => other.as_i64().unwrap(),
        }
    };
    let p: Vec<i64> = first.coupons.iter().map(percent).collect();
    assert!(p.windows(2).all(|w| w[0] >= w[1]), "descending: {p:?}");
    assert!(first.coupons.iter().all(|c| c.sku_view_id().is_some()));

    req.page_no = Some(2);
    let second = env
        .client
        .media(&req, &env.creds, NOW_MS)
        .await
        .into_result()
        .unwrap();
    let a: HashSet<String> = first
        .coupons
        .iter()
        .filter_map(Coupon::sku_view_id)
        .collect();
    assert!(second
        .coupons
        .iter()
        .filter_map(Coupon::sku_view_id)
        .all(|id| !a.contains(&id)));

    // Asking for specific products returns those.
    let wanted: Vec<String> = a.iter().take(3).cloned().collect();
    let by_id = QueryCouponRequest {
        vp_sku_view_ids: wanted.clone(),
        ..Default::default()
    };
    let got = env
        .client
        .media(&by_id, &env.creds, NOW_MS)
        .await
        .into_result()
        .unwrap();
    let got_ids: HashSet<String> = got.coupons.iter().filter_map(Coupon::sku_view_id).collect();
    assert_eq!(got_ids, wanted.into_iter().collect::<HashSet<_>>());

    // A search carries a searchId.
    let search = QueryCouponRequest {
        search_text: Some("奶茶".into()),
        ..Default::default()
    };
    let found = env.client.media(&search, &env.creds, NOW_MS).await;
    assert!(found.result.is_ok(), "{found:?}");
    assert_eq!(
        env.endpoint_calls("/cps_open/common/api/v1/query_coupon"),
        4
    );
}

// ---------------------------------------------------------------------------
// 3. Refusals, read into typed kinds
// ---------------------------------------------------------------------------

#[tokio::test]
async fn wrong_secret_is_an_auth_failure_in_both_generations() {
    let env = start(60).await;
    let wrong_secret = "ffffffffffffffffffffffffffffffff";
    let wrong = env.with_secret(wrong_secret);

    let outcome = env.probe_legacy(&wrong).await;
    let (code, kind, message) = refused(&outcome, &[wrong_secret, &env.secret]);
    // Legacy: the sandbox's own code 1002 (no source documents one), kept
    // as a generic refusal with its text; never guessed from the words.
    assert_eq!((code, kind), (1002, ApiErrorKind::Other), "{message}");
    assert_eq!(message, "签名错误");

    let outcome = env.probe_media(&wrong).await;
    let (code, kind, message) = refused(&outcome, &[wrong_secret, &env.secret]);
    assert_eq!((code, kind), (400, ApiErrorKind::AuthFailed));
    assert_eq!(message, "鉴权不通过");

    let today = env.today();
    assert_eq!(today.refused_auth, 2, "{today:?}");
    assert_eq!(today.calls, 0, "refused calls spend no quota: {today:?}");
}

#[tokio::test]
async fn unknown_appkey_is_refused_in_both_generations() {
    let env = start(60).await;
    let stranger_secret = "0123456789abcdef0123456789abcdef";
    let stranger = Credentials::new("not-an-appkey-0000", Secret::from(stranger_secret));

    // Legacy: `1001 appkey不存在`. Its code is the sandbox's own, so the
    // client keeps it as `Other` with the text.
    let outcome = env.probe_legacy(&stranger).await;
    let (code, kind, message) = refused(&outcome, &[stranger_secret]);
    assert_eq!((code, kind), (1001, ApiErrorKind::Other));
    assert_eq!(message, "appkey不存在");

    // Media: 400 鉴权不通过.
    let outcome = env.probe_media(&stranger).await;
    let (code, kind, _) = refused(&outcome, &[stranger_secret]);
    assert_eq!((code, kind), (400, ApiErrorKind::AuthFailed));

    assert_eq!(env.unknown_appkey_refusals(), 2);
    assert_eq!(
        env.today(),
        DayStats {
            day: env.today().day,
            ..DayStats::default()
        }
    );
}

#[tokio::test]
async fn api_authorization_not_approved() {
    let env = start_with(60, |c| c.demo_authorized = false).await;
    let outcome = env.probe_legacy(&env.creds).await;
    let (code, kind, message) = refused(&outcome, &[&env.secret]);
    assert_eq!((code, kind), (1004, ApiErrorKind::Other));
    assert_eq!(message, "API权限未开通");
    let outcome = env.probe_media(&env.creds).await;
    let (code, kind, _) = refused(&outcome, &[&env.secret]);
    assert_eq!((code, kind), (400, ApiErrorKind::AuthFailed));
    let today = env.today();
    assert_eq!((today.calls, today.refused_auth), (0, 2), "{today:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_quota_exhausted_in_both_generations() {
    // The smallest tier is 2000 calls a day: spend them all.
    let env = start_with(60, |c| c.tier = sandbox::Tier::T2000).await;
    let mut set = JoinSet::new();
    let mut ok = 0;
    for n in 0..2000 {
        let (client, creds) = (env.client.clone(), env.creds.clone());
        set.spawn(async move {
            let req = link_request(LegacyLinkType::H5, false, &format!("s{n}"));
            client.legacy(&req, &creds, NOW_MS).await.result.is_ok()
        });
        if set.len() >= 16 {
            ok += usize::from(set.join_next().await.unwrap().unwrap());
        }
    }
    while let Some(r) = set.join_next().await {
        ok += usize::from(r.unwrap());
    }
    assert_eq!(ok, 2000);
    assert_eq!(env.today().calls, 2000);

    let outcome = env.probe_legacy(&env.creds).await;
    let (code, kind, message) = refused(&outcome, &[&env.secret]);
    // No source documents a legacy quota refusal: the sandbox's 1006 is a
    // generic refusal to the client, shown as sent. The local ledger, not
    // this text, is what guards the limit.
    assert_eq!((code, kind), (1006, ApiErrorKind::Other));
    assert!(message.contains("请求次数超过授权额度"), "{message}");

    let outcome = env.probe_media(&env.creds).await;
    let (code, kind, message) = refused(&outcome, &[&env.secret]);
    assert_eq!((code, kind), (403, ApiErrorKind::QuotaExceeded));
    assert_eq!(message, "请求次数超过授权额度");

    let today = env.today();
    assert_eq!((today.calls, today.refused_quota), (2000, 2), "{today:?}");
}

#[tokio::test]
async fn burst_rule_is_too_frequent_in_both_generations() {
    let env = start(60).await;
    env.sandbox.admin().set_rate_limit(Some(RateLimit {
        max_calls: 2,
        per: Duration::from_secs(600),
    }));
    for n in 0..2 {
        let req = link_request(LegacyLinkType::H5, false, &format!("s{n}"));
        let outcome = env.client.legacy(&req, &env.creds, NOW_MS).await;
        assert!(outcome.result.is_ok(), "{outcome:?}");
    }
    let outcome = env.probe_legacy(&env.creds).await;
    let (code, kind, message) = refused(&outcome, &[&env.secret]);
    assert_eq!((code, kind), (1007, ApiErrorKind::Other));
    assert_eq!(message, "请求过于频繁，请稍后再试");

    let outcome = env.probe_media(&env.creds).await;
    let (code, kind, message) = refused(&outcome, &[&env.secret]);
    assert_eq!((code, kind), (402, ApiErrorKind::TooFrequent));
    assert_eq!(message, "请求过于频繁，请稍后再试");
    assert!(kind.is_transient());

    let today = env.today();
    assert_eq!((today.calls, today.refused_rate), (2, 2), "{today:?}");

    // Switched off, calls go through again.
    env.sandbox.admin().set_rate_limit(None);
    let outcome = env.probe_media(&env.creds).await;
    assert!(outcome.result.is_ok(), "{outcome:?}");
}

/// The client's reading of a refusal caused by our clock: the offset is
/// measured from the `Date` header (one-second resolution).
fn expect_skew<T: std::fmt::Debug>(outcome: &Outcome<T>, want: i64) {
    match &outcome.result {
        Err(Error::ClockSkew { offset_secs }) => {
            assert!((offset_secs - want).abs() <= 1, "{offset_secs} vs {want}")
        }
        other => panic!("expected ClockSkew, got {other:?}"),
    }
}

#[tokio::test]
async fn stale_clock_is_clock_skew_in_both_generations() {
    let env = start(60).await;
    // The gateway's clock runs 5 minutes ahead of ours (the user's PC clock
    // is 5 minutes slow): our ts is stale for both windows.
    env.sandbox.admin().set_faults(FaultConfig {
        clock_offset_ms: 300_000,
        ..FaultConfig::default()
    });
    let outcome = env.probe_legacy(&env.creds).await;
    assert_no_secret(&outcome, &env.secret);
    assert_eq!(outcome.attempt.http_status, Some(200));
    assert_eq!(outcome.attempt.server_time, Some(NOW_S + 300));
    expect_skew(&outcome, 300);
    let outcome = env.probe_media(&env.creds).await;
    assert_no_secret(&outcome, &env.secret);
    match &outcome.result {
        Err(Error::ClockSkew { offset_secs }) => assert_eq!(*offset_secs, 300),
        other => panic!("expected ClockSkew, got {other:?}"),
    }
    env.sandbox.admin().clear_faults();

    // The sandbox's whole notion of time 200 s behind ours: outside the
    // legacy window (60 s) and the media one (120 s).
    env.sandbox.admin().set_clock_offset_ms(-200_000);
    let outcome = env.probe_legacy(&env.creds).await;
    expect_skew(&outcome, -200);
    let outcome = env.probe_media(&env.creds).await;
    match &outcome.result {
        Err(Error::ClockSkew { offset_secs }) => assert_eq!(*offset_secs, -200),
        other => panic!("expected ClockSkew, got {other:?}"),
    }

    // 90 s off: outside the legacy window only.
    env.sandbox.admin().set_clock_offset_ms(90_000);
    let outcome = env.probe_legacy(&env.creds).await;
    expect_skew(&outcome, 90);
    let outcome = env.probe_media(&env.creds).await;
    assert!(outcome.result.is_ok(), "{outcome:?}");

    let today = env.today();
    assert_eq!((today.refused_auth, today.calls), (5, 1), "{today:?}");
}

#[tokio::test]
async fn injected_processing_fault_is_transient() {
    let env = start(60).await;
    let fault: FaultConfig = serde_json::from_value(serde_json::json!({
        "rules": [{"kind": "error"}]
    }))
    .expect("a fault rule");
    env.sandbox.admin().set_faults(fault);
    let outcome = env.probe_media(&env.creds).await;
    let (code, kind, message) = refused(&outcome, &[&env.secret]);
    assert_eq!((code, kind), (2, ApiErrorKind::Processing));
    assert_eq!(message, "请求处理异常");
    assert!(kind.is_transient());
    let outcome = env.probe_legacy(&env.creds).await;
    let (code, kind, message) = api_refusal(&outcome);
    assert_eq!((code, kind), (1009, ApiErrorKind::Other));
    assert_eq!(message, "系统繁忙，请稍后重试");
    let today = env.today();
    assert_eq!((today.calls, today.faults), (0, 2), "{today:?}");
}

// ---------------------------------------------------------------------------
// 4. Refused before sending: the server sees nothing
// ---------------------------------------------------------------------------

fn assert_not_sent<T: std::fmt::Debug>(outcome: &Outcome<T>, field: &str, secret: &str) {
    assert_no_secret(outcome, secret);
    assert!(!outcome.attempt.sent, "{outcome:?}");
    assert!(!outcome.attempt.reached_server());
    match &outcome.result {
        Err(e @ Error::InvalidArgument { field: f, .. }) => {
            assert_eq!(*f, field, "{e}");
            assert!(e.is_before_send());
        }
        other => panic!("expected InvalidArgument({field}), got {other:?}"),
    }
}

/// Limits no source states are not enforced by the client or the sandbox
/// (issue 18 item 8): a media order window longer than a day (only "the
/// last 3 months" is documented) and a coupon page larger than 20 (only the
/// default of 20 is documented) are sent and served.
#[tokio::test]
async fn unsourced_limits_are_neither_refused_nor_enforced() {
    let env = start(60).await;
    let week = QueryOrderRequest::window(
        NOW_S - 7 * 86_400,
        NOW_S,
        QueryTimeType::PayTime,
        SearchType::Page,
        100,
    );
    let outcome = env.client.media(&week, &env.creds, NOW_MS).await;
    let page = outcome.result.expect("a week of orders");
    assert!(!page.orders.is_empty());
    let coupons = QueryCouponRequest {
        page_size: Some(50),
        ..Default::default()
    };
    let outcome = env.client.media(&coupons, &env.creds, NOW_MS).await;
    let answer = outcome.result.expect("a page of 50");
    assert!(answer.coupons.len() > 20, "{}", answer.coupons.len());
    assert_eq!(env.today().calls, 2);
}

/// A sid outside the documented recommendation (vector L02 signs a Chinese
/// one) is sent, signed and served in both generations: only an empty or
/// over-long sid is refused locally, and the sandbox refuses no more.
#[tokio::test]
async fn unusual_sids_are_sent_and_served_in_both_generations() {
    let env = start(60).await;
    for sid in ["推广位", "Wx-01:a b", &"推".repeat(64)] {
        let legacy = link_request(LegacyLinkType::H5, false, sid);
        let outcome = env.client.legacy(&legacy, &env.creds, NOW_MS).await;
        assert!(outcome.result.is_ok(), "legacy {sid}: {outcome:?}");
        let media = ReferralLinkRequest::for_activity("33", sid, MediaLinkType::H5Long);
        let outcome = env.client.media(&media, &env.creds, NOW_MS).await;
        assert!(outcome.result.is_ok(), "media {sid}: {outcome:?}");
    }
    assert_eq!(env.today().calls, 6);
}

#[tokio::test]
async fn invalid_arguments_never_reach_the_sandbox() {
    let env = start(60).await;
    let (c, k, s) = (&env.client, &env.creds, env.secret.as_str());

    let long_sid = link_request(LegacyLinkType::H5, false, &"x".repeat(65));
    assert_not_sent(&c.legacy(&long_sid, k, NOW_MS).await, "sid", s);
    let empty_sid = link_request(LegacyLinkType::H5, false, "");
    assert_not_sent(&c.legacy(&empty_sid, k, NOW_MS).await, "sid", s);
    let no_act = GenerateLinkRequest::new("", LegacyLinkType::H5);
    assert_not_sent(&c.legacy(&no_act, k, NOW_MS).await, "actId", s);
    let mini = MiniCodeRequest {
        act_id: "33".into(),
        sid: None,
        link_type: LegacyLinkType::H5,
        sku_id: None,
    };
    assert_not_sent(&c.legacy(&mini, k, NOW_MS).await, "linkType", s);

    let mut wide = order_list_page(BusinessLine::WaimaiShangou, 1);
    wide.end_time = wide.start_time + 86_401;
    assert_not_sent(&c.legacy(&wide, k, NOW_MS).await, "endTime", s);
    let mut big = order_list_page(BusinessLine::WaimaiShangou, 1);
    big.limit = 101;
    assert_not_sent(&c.legacy(&big, k, NOW_MS).await, "limit", s);
    let mut page0 = order_list_page(BusinessLine::WaimaiShangou, 0);
    page0.page = 0;
    assert_not_sent(&c.legacy(&page0, k, NOW_MS).await, "page", s);
    let mut neither = order_list_page(BusinessLine::WaimaiShangou, 1);
    neither.business_line = None;
    assert_not_sent(&c.legacy(&neither, k, NOW_MS).await, "businessLine", s);
    let mut millis = order_list_page(BusinessLine::WaimaiShangou, 1);
    millis.start_time *= 1000;
    millis.end_time *= 1000;
    assert_not_sent(&c.legacy(&millis, k, NOW_MS).await, "endTime", s);
    let bad_order = OrderRequest {
        order_id: "12a".into(),
        business_line: None,
        act_id: None,
        full: false,
        product_id: None,
    };
    assert_not_sent(&c.legacy(&bad_order, k, NOW_MS).await, "orderId", s);

    let mut two_targets = referral_request();
    two_targets.text = Some("https://i.meituan.com/x".into());
    assert_not_sent(&c.media(&two_targets, k, NOW_MS).await, "actId", s);
    let mut no_type = referral_request();
    no_type.link_type = None;
    assert_not_sent(&c.media(&no_type, k, NOW_MS).await, "linkType", s);
    let inverted = QueryOrderRequest::window(
        WINDOW_END,
        WINDOW_START,
        QueryTimeType::PayTime,
        SearchType::Scroll,
        100,
    );
    assert_not_sent(&c.media(&inverted, k, NOW_MS).await, "endTime", s);
    let mut stray_scroll = QueryOrderRequest::window(
        WINDOW_START,
        WINDOW_END,
        QueryTimeType::PayTime,
        SearchType::Page,
        100,
    );
    stray_scroll.scroll_id = Some("0-0".into());
    assert_not_sent(&c.media(&stray_scroll, k, NOW_MS).await, "scrollId", s);
    let coupons = QueryCouponRequest {
        page_size: Some(0),
        ..Default::default()
    };
    assert_not_sent(&c.media(&coupons, k, NOW_MS).await, "pageSize", s);
    let many = QueryCouponRequest {
        vp_sku_view_ids: vec!["1".into(); 21],
        ..Default::default()
    };
    assert_not_sent(&c.media(&many, k, NOW_MS).await, "vpSkuViewIds", s);

    // Unusable credentials and clock.
    let empty_secret = env.with_secret("");
    assert_not_sent(
        &c.media(&referral_request(), &empty_secret, NOW_MS).await,
        "secret",
        s,
    );
    let no_appkey = Credentials::new("", Secret::from(s));
    assert_not_sent(&c.legacy(&long_sid, &no_appkey, NOW_MS).await, "sid", s);
    let ok_req = link_request(LegacyLinkType::H5, false, "s1");
    assert_not_sent(&c.legacy(&ok_req, &no_appkey, NOW_MS).await, "appkey", s);
    assert_not_sent(&c.legacy(&ok_req, k, 0).await, "now", s);

    // The server saw none of them.
    let today = env.today();
    assert_eq!(
        today,
        DayStats {
            day: today.day.clone(),
            ..DayStats::default()
        }
    );
    assert_eq!(env.unknown_appkey_refusals(), 0);

    // …and a valid call right after is counted: the counters are live.
    assert!(c.legacy(&ok_req, k, NOW_MS).await.result.is_ok());
    assert_eq!(env.today().calls, 1);
}

/// What the sandbox refuses as 参数错误 (a call that spends quota) and the
/// client lets through is listed here; each must be `Param` (media) or a
/// 1005 (legacy), and count as a call.
#[tokio::test]
async fn server_side_parameter_errors_are_param_kind() {
    let env = start(60).await;
    // An unknown scroll id is only detectable by the server.
    let mut req = QueryOrderRequest::window(
        WINDOW_START,
        WINDOW_END,
        QueryTimeType::PayTime,
        SearchType::Scroll,
        100,
    );
    req.scroll_id = Some("0-0000000000000000".into());
    let outcome = env.client.media(&req, &env.creds, NOW_MS).await;
    let (code, kind, message) = refused(&outcome, &[&env.secret]);
    assert_eq!((code, kind), (1, ApiErrorKind::Param));
    assert!(message.starts_with("参数错误"), "{message}");

    // Older than the 92-day horizon of query_order.
    let old = QueryOrderRequest::window(
        NOW_S - 100 * 86_400,
        NOW_S - 99 * 86_400,
        QueryTimeType::PayTime,
        SearchType::Page,
        100,
    );
    let outcome = env.client.media(&old, &env.creds, NOW_MS).await;
    let (code, kind, message) = api_refusal(&outcome);
    assert_eq!((code, kind), (1, ApiErrorKind::Param));
    assert!(message.contains("3个月"), "{message}");

    let today = env.today();
    assert_eq!((today.calls, today.refused_params), (2, 2), "{today:?}");
    let by: BTreeMap<String, u64> = today.by_endpoint.clone();
    assert_eq!(by.get(QUERY_ORDER), Some(&2));
}
