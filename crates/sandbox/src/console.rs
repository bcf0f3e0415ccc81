//! Sandbox-only console actions (`/__console/accounts/{appkey}/…`): what a
//! promoter does in the Meituan Union web console, with compressed waiting
//! times. Against the real Meituan these steps happen in the browser.

use crate::config::{SpecialCaseOutcome, Tier};
use crate::server::json_reply;
use crate::state::{lock, read, Authorization, CallbackRegistration, Shared, SpecialRequest};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__console/accounts/{appkey}", get(overview))
        .route(
            "/__console/accounts/{appkey}/authorization",
            get(authorization_status).post(apply_authorization),
        )
        .route(
            "/__console/accounts/{appkey}/authorization/close",
            post(close_authorization),
        )
        .route(
            "/__console/accounts/{appkey}/frequency",
            get(frequency_status).post(request_frequency),
        )
        .route(
            "/__console/accounts/{appkey}/special",
            get(special_status).post(request_special),
        )
        .route(
            "/__console/accounts/{appkey}/callback",
            get(callback_status)
                .post(register_callback)
                .delete(remove_callback),
        )
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json_reply(
        status,
        &json!({"error": {"code": code, "message": message}}),
        Some(code),
    )
}

fn ok(v: Value) -> Response {
    json_reply(StatusCode::OK, &v, None)
}

fn find(shared: &Shared, appkey: &str) -> Option<usize> {
    shared.account(appkey).map(|(i, _)| i)
}

/// `now_ms` plus a configured waiting time, saturating.
fn later(now_ms: i64, delay: std::time::Duration) -> i64 {
    now_ms.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))
}

fn unknown_account() -> Response {
    error(StatusCode::NOT_FOUND, "unknown_account", "appkey不存在")
}

fn authorization_view(a: &Authorization, applications: u32) -> Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    if let (Some(obj), Authorization::Pending { attempt, .. }) = (v.as_object_mut(), a) {
        obj.insert(
            "stands_for".into(),
            if *attempt <= 1 {
                "about 1 hour (预计1小时内返回结果)"
            } else {
                "2 working days (预计两个工作日内返回审核结果)"
            }
            .into(),
        );
    }
    if let Some(obj) = v.as_object_mut() {
        obj.insert("applications".into(), applications.into());
    }
    v
}

fn tier_view(tier: Tier) -> Value {
    json!({"tier": tier.as_str(), "limit": tier.daily_limit()})
}

async fn overview(State(shared): State<Arc<Shared>>, Path(appkey): Path<String>) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let avg = read(&shared.accounts[i].book).monthly_average(shared.now_ms());
    let rt = shared.runtime(i);
    ok(json!({
        "appkey": appkey,
        "authorization": authorization_view(&rt.authorization, rt.applications),
        "frequency": tier_view(rt.tier),
        "monthly_average_orders": avg,
        "qualifies_for": Tier::for_monthly_average(avg).as_str(),
        "callback": rt.callback.as_ref().map(|c| json!({"url": c.url, "registered_at_ms": c.registered_at_ms})),
        "special_requests": rt.special_requests.iter().map(|r| special_view(Some(r))).collect::<Vec<_>>(),
    }))
}

async fn authorization_status(
    State(shared): State<Arc<Shared>>,
    Path(appkey): Path<String>,
) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let rt = shared.runtime(i);
    ok(authorization_view(&rt.authorization, rt.applications))
}

async fn apply_authorization(
    State(shared): State<Arc<Shared>>,
    Path(appkey): Path<String>,
) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let now = shared.now_ms();
    let delays = shared.config.console_delays;
    let mut rt = shared.runtime(i);
    match rt.authorization {
        Authorization::Pending { .. } => {
            return error(
                StatusCode::CONFLICT,
                "already_pending",
                "API权限申请中，请耐心等待",
            )
        }
        Authorization::Approved { .. } => {
            return error(StatusCode::CONFLICT, "already_approved", "API权限已开通")
        }
        Authorization::NotApplied | Authorization::Closed { .. } => {}
    }
    rt.applications += 1;
    let attempt = rt.applications;
    let delay = if attempt <= 1 {
        delays.first_authorization
    } else {
        delays.second_authorization
    };
    rt.authorization = Authorization::Pending {
        applied_at_ms: now,
        ready_at_ms: later(now, delay),
        attempt,
    };
    shared.mark_dirty();
    ok(authorization_view(&rt.authorization, rt.applications))
}

async fn close_authorization(
    State(shared): State<Arc<Shared>>,
    Path(appkey): Path<String>,
) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let now = shared.now_ms();
    let mut rt = shared.runtime(i);
    rt.authorization = Authorization::Closed { closed_at_ms: now };
    shared.mark_dirty();
    ok(authorization_view(&rt.authorization, rt.applications))
}

async fn frequency_status(
    State(shared): State<Arc<Shared>>,
    Path(appkey): Path<String>,
) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let rt = shared.runtime(i);
    let mut v = tier_view(rt.tier);
    v["requests"] = serde_json::to_value(&rt.frequency_requests).unwrap_or_default();
    ok(v)
}

async fn request_frequency(
    State(shared): State<Arc<Shared>>,
    Path(appkey): Path<String>,
) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let now = shared.now_ms();
    let avg = read(&shared.accounts[i].book).monthly_average(now);
    let qualifies = Tier::for_monthly_average(avg);
    let mut rt = shared.runtime(i);
    if !rt.is_authorized() {
        return error(StatusCode::CONFLICT, "not_authorized", "请先开通API权限");
    }
    let before = rt.tier;
    let granted = qualifies > before;
    if granted {
        rt.tier = qualifies;
    }
    let req = crate::state::FrequencyRequest {
        at_ms: now,
        monthly_average: avg,
        qualifies_for: qualifies,
        tier_before: before,
        granted,
        tier_after: rt.tier,
    };
    rt.frequency_requests.push(req.clone());
    shared.mark_dirty();
    let mut v = serde_json::to_value(&req).unwrap_or_default();
    v["limit"] = rt.tier.daily_limit().into();
    if !granted {
        // The console's words (seed `000_0a499e18fb5d9012.txt:74`); the way
        // on is the 【问号图标】>【特殊情况申请】 path (`:18`), given apart.
        v["message"] = "非常抱歉，您的频次申请暂时没有通过".into();
        v["next_step"] = "【问号图标】>【特殊情况申请】".into();
    }
    ok(v)
}

#[derive(Deserialize)]
struct SpecialBody {
    reason: String,
    #[serde(default)]
    requested_tier: Option<String>,
}

async fn special_status(State(shared): State<Arc<Shared>>, Path(appkey): Path<String>) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let rt = shared.runtime(i);
    let list: Vec<Value> = rt
        .special_requests
        .iter()
        .map(|r| special_view(Some(r)))
        .collect();
    ok(json!({"requests": list, "tier": rt.tier.as_str()}))
}

async fn request_special(
    State(shared): State<Arc<Shared>>,
    Path(appkey): Path<String>,
    body: Option<Json<SpecialBody>>,
) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let Some(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "需要JSON: {\"reason\": \"…\"}",
        );
    };
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_reason",
            "申请理由不能为空且不超过1000字",
        );
    }
    let now = shared.now_ms();
    let outcome = lock(&shared.switches).special_case_outcome;
    let delay = shared.config.console_delays.special_case;
    let mut rt = shared.runtime(i);
    if !rt.is_authorized() {
        return error(StatusCode::CONFLICT, "not_authorized", "请先开通API权限");
    }
    // The seed offers 【特殊情况申请】 on the page of a refused frequency
    // request (seed `:18`): without one there is nothing to appeal.
    if !rt.frequency_requests.iter().any(|r| !r.granted) {
        return error(
            StatusCode::CONFLICT,
            "no_refusal",
            "特殊情况申请需在频次申请未通过后提交",
        );
    }
    if rt.special_requests.iter().any(|r| !r.answered) {
        return error(
            StatusCode::CONFLICT,
            "already_pending",
            "已有特殊情况申请在审核中",
        );
    }
    let requested = match body.requested_tier.as_deref().map(str::parse::<Tier>) {
        None => match rt.tier.next() {
            Some(t) => t,
            None => {
                return error(
                    StatusCode::CONFLICT,
                    "already_unlimited",
                    "当前频次已为不限",
                )
            }
        },
        Some(Ok(t)) if t > rt.tier => t,
        Some(Ok(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_tier",
                "申请的频次必须高于当前频次",
            )
        }
        Some(Err(e)) => return error(StatusCode::BAD_REQUEST, "bad_tier", &e.to_string()),
    };
    let req = SpecialRequest {
        id: rt.special_requests.len() as u32 + 1,
        at_ms: now,
        reason,
        requested_tier: requested,
        answer_at_ms: later(now, delay),
        outcome,
        answered: false,
    };
    rt.special_requests.push(req);
    shared.mark_dirty();
    let last = rt.special_requests.last().cloned();
    ok(special_view(last.as_ref()))
}

/// A special request as the console shows it: the outcome stays hidden
/// (`null`) until its answer time.
fn special_view(req: Option<&SpecialRequest>) -> Value {
    let Some(r) = req else {
        return Value::Null;
    };
    json!({
        "id": r.id,
        "at_ms": r.at_ms,
        "reason": r.reason,
        "requested_tier": r.requested_tier.as_str(),
        "answer_at_ms": r.answer_at_ms,
        "stands_for": "2 working days (两个工作日内联系)",
        "answered": r.answered,
        "outcome": r.answered.then_some(r.outcome),
        "state": if !r.answered { "pending" } else if r.outcome == SpecialCaseOutcome::Granted { "granted" } else { "refused" },
    })
}

#[derive(Deserialize)]
struct CallbackBody {
    url: String,
}

fn valid_callback_url(s: &str) -> bool {
    s.len() <= 512
        && url::Url::parse(s)
            .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .unwrap_or(false)
}

async fn callback_status(
    State(shared): State<Arc<Shared>>,
    Path(appkey): Path<String>,
) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let url = shared
        .runtime(i)
        .callback
        .as_ref()
        .map(|c| (c.url.clone(), c.registered_at_ms));
    let deliveries = lock(&shared.deliveries);
    let mine: Vec<_> = deliveries
        .iter()
        .filter(|d| Some(&d.url) == url.as_ref().map(|(u, _)| u))
        .collect();
    ok(json!({
        "url": url.as_ref().map(|(u, _)| u.clone()),
        "registered_at_ms": url.as_ref().map(|(_, t)| *t),
        "deliveries": {
            "total": mine.len(),
            "delivered": mine.iter().filter(|d| d.delivered).count(),
            "failed": mine.iter().filter(|d| !d.delivered).count(),
        },
    }))
}

async fn register_callback(
    State(shared): State<Arc<Shared>>,
    Path(appkey): Path<String>,
    body: Option<Json<CallbackBody>>,
) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    let Some(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "需要JSON: {\"url\": \"https://…\"}",
        );
    };
    let url = body.url.trim().to_owned();
    if !valid_callback_url(&url) {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_url",
            "回调地址必须是http或https链接",
        );
    }
    let now = shared.now_ms();
    let generation = {
        let mut rt = shared.runtime(i);
        rt.callback_generation += 1;
        rt.callback = Some(CallbackRegistration {
            url: url.clone(),
            registered_at_ms: now,
            cursor_s: now.div_euclid(1000),
        });
        rt.callback_generation
    };
    shared.mark_dirty();
    let secret = shared.callback_secret(i, generation);
    // The console shows the fresh 回调密钥 once, on submit (DESIGN.md).
    ok(json!({
        "url": url,
        "registered_at_ms": now,
        "callback_secret": secret.expose(),
    }))
}

async fn remove_callback(
    State(shared): State<Arc<Shared>>,
    Path(appkey): Path<String>,
) -> Response {
    let Some(i) = find(&shared, &appkey) else {
        return unknown_account();
    };
    shared.runtime(i).callback = None;
    shared.mark_dirty();
    ok(json!({"url": null}))
}
