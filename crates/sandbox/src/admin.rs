//! Loopback-only admin endpoints (`/__admin/…`) and the library-side
//! [`AdminHandle`] over the same operations: counters, faults, clock,
//! reset, runtime switches, order injection, callback log.

use crate::clock::{beijing_day, clamp_offset, offset_in_bounds, MAX_CLOCK_OFFSET_MS};
use crate::config::{RateLimit, SpecialCaseOutcome, Tier};
use crate::data::{self, Fate, Order, OrderTotals, TimeType, View};
use crate::faults::{FaultConfig, FaultState};
use crate::server::json_reply;
use crate::state::{lock, read, write, DayStats, Delivery, Shared};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// An order to add "now" (`POST /__admin/orders`); missing fields are
/// taken from a synthetic order of the same business line.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct NewOrder {
    /// Defaults to the demo account.
    #[serde(default)]
    pub appkey: Option<String>,
    /// A legacy `businessLine` code (2, 3, 4, 6, 7; default 2). Without
    /// `sub_business_line` the first sandbox line of the code is taken
    /// (2 → 外卖); a code no sandbox line has is refused.
    #[serde(default)]
    pub business_line: Option<u8>,
    /// A legacy `subBusinessLine` under line 2 (1 外卖, 2 闪购, 3 团好货,
    /// 4 拼好饭, 5 虚拟券包).
    #[serde(default)]
    pub sub_business_line: Option<u8>,
    #[serde(default)]
    pub payprice_cents: Option<i64>,
    #[serde(default)]
    pub sid: Option<String>,
}

/// Library access to the admin operations, for tests and the host app.
#[derive(Clone)]
pub struct AdminHandle {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for AdminHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminHandle")
    }
}

impl AdminHandle {
    /// The sandbox's "now" (injected clock plus admin offset), epoch ms.
    pub fn now_ms(&self) -> i64 {
        self.shared.now_ms()
    }

    /// Same JSON as `GET /__admin/stats`.
    pub fn stats(&self) -> Value {
        self.shared.stats_json()
    }

    /// Today's counters of one appkey.
    pub fn day_stats(&self, appkey: &str) -> Option<DayStats> {
        let (i, _) = self.shared.account(appkey)?;
        Some(self.shared.runtime(i).quota.today.clone())
    }

    /// Replaces the fault rules; a `clock_offset_ms` beyond ±100 years
    /// ([`crate::MAX_CLOCK_OFFSET_MS`]) is clamped to it.
    pub fn set_faults(&self, mut config: FaultConfig) {
        config.clock_offset_ms = clamp_offset(config.clock_offset_ms);
        *lock(&self.shared.faults) = FaultState::new(config);
    }

    pub fn clear_faults(&self) {
        self.set_faults(FaultConfig::default());
    }

    /// Moves the sandbox's whole notion of time by `offset_ms` from the
    /// injected clock. Offsets beyond ±100 years
    /// ([`crate::MAX_CLOCK_OFFSET_MS`]) are clamped to it.
    pub fn set_clock_offset_ms(&self, offset_ms: i64) {
        self.shared
            .admin_offset_ms
            .store(clamp_offset(offset_ms), Ordering::SeqCst);
    }

    /// Back to the state right after start.
    pub fn reset(&self) {
        self.shared.reset_all();
    }

    pub fn set_rate_limit(&self, rate_limit: Option<RateLimit>) {
        lock(&self.shared.switches).rate_limit = rate_limit;
    }

    pub fn set_special_case_outcome(&self, outcome: SpecialCaseOutcome) {
        lock(&self.shared.switches).special_case_outcome = outcome;
    }

    /// Totals of the orders an `orderList` window would return now (both
    /// ends inclusive, no other filter, every line): the legacy view, see
    /// [`AdminHandle::orders_in_view`]. By pay time both views return the
    /// same orders; by modification time they differ once settlements fall
    /// in the window.
    pub fn orders_in_range(
        &self,
        appkey: &str,
        start_s: i64,
        end_s: i64,
        time_type: TimeType,
    ) -> Option<OrderTotals> {
        self.orders_in_view(appkey, View::Legacy, start_s, end_s, time_type)
    }

    /// The order ids such a legacy window returns now, in the API's order.
    pub fn order_ids_in_range(
        &self,
        appkey: &str,
        start_s: i64,
        end_s: i64,
        time_type: TimeType,
    ) -> Option<Vec<String>> {
        self.order_ids_in_view(appkey, View::Legacy, start_s, end_s, time_type)
    }

    /// Totals of the orders a window returns now over every line as `view`
    /// sees it: [`View::Media`] selects settled orders by their settlement
    /// instant (`queryTimeType` 2 = `updateTime`), [`View::Legacy`] by
    /// their completion (`modTime`). `settled` counts media status "6".
    pub fn orders_in_view(
        &self,
        appkey: &str,
        view: View,
        start_s: i64,
        end_s: i64,
        time_type: TimeType,
    ) -> Option<OrderTotals> {
        let (_, acct) = self.shared.account(appkey)?;
        let now_s = self.shared.now_ms().div_euclid(1000);
        Some(read(&acct.book).totals(now_s, start_s, end_s, time_type, view))
    }

    /// The order ids of [`AdminHandle::orders_in_view`], in the API's order
    /// (by the filtered time, then orderid).
    pub fn order_ids_in_view(
        &self,
        appkey: &str,
        view: View,
        start_s: i64,
        end_s: i64,
        time_type: TimeType,
    ) -> Option<Vec<String>> {
        let (_, acct) = self.shared.account(appkey)?;
        let now_s = self.shared.now_ms().div_euclid(1000);
        let book = read(&acct.book);
        Some(
            book.select(now_s, start_s, end_s, time_type, view, |_| true)
                .into_iter()
                .map(|(o, _)| o.orderid.clone())
                .collect(),
        )
    }

    /// The order ids a media `query_order` window returns now for
    /// `platform` (absent = 1) and a `businessLine` list (empty = the
    /// documented default of that platform), in the API's order, with no
    /// other filter.
    pub fn media_order_ids_in_range(
        &self,
        appkey: &str,
        start_s: i64,
        end_s: i64,
        time_type: TimeType,
        platform: Option<i64>,
        lines: &[i64],
    ) -> Option<Vec<String>> {
        let (_, acct) = self.shared.account(appkey)?;
        let now_s = self.shared.now_ms().div_euclid(1000);
        let scope = crate::media::MediaScope::new(platform, lines);
        let book = read(&acct.book);
        Some(
            book.select(now_s, start_s, end_s, time_type, View::Media, |o| {
                scope.matches(o)
            })
            .into_iter()
            .map(|(o, _)| o.orderid.clone())
            .collect(),
        )
    }

    /// The monthly average order volume the frequency request uses.
    pub fn monthly_average(&self, appkey: &str) -> Option<f64> {
        let (_, acct) = self.shared.account(appkey)?;
        Some(read(&acct.book).monthly_average(self.shared.now_ms()))
    }

    pub fn tier(&self, appkey: &str) -> Option<Tier> {
        let (i, _) = self.shared.account(appkey)?;
        Some(self.shared.runtime(i).tier)
    }

    /// Adds a paid order now; it is pushed to the callback URL at the next
    /// tick. Returns its orderid.
    pub fn inject_order(&self, new: NewOrder) -> Option<String> {
        inject(&self.shared, &new).ok()
    }

    /// Completes, refunds or risk-flags an order now (pushed at the next
    /// tick).
    pub fn set_order_status(&self, appkey: &str, orderid: &str, fate: Fate) -> bool {
        change_status(&self.shared, appkey, orderid, fate).is_ok()
    }

    /// Callback delivery records, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.shared.deliveries).clone()
    }

    /// Runs one callback tick now (tests use it instead of waiting for the
    /// poll interval).
    pub async fn push_callbacks_now(&self) {
        crate::callbacks::tick(&self.shared).await;
    }

    pub fn appkeys(&self) -> Vec<String> {
        self.shared
            .accounts
            .iter()
            .map(|a| a.appkey.clone())
            .collect()
    }
}

fn inject(shared: &Shared, new: &NewOrder) -> Result<String, String> {
    let i = match &new.appkey {
        Some(k) => shared.account(k).ok_or("unknown appkey")?.0,
        None => shared.demo,
    };
    let acct = &shared.accounts[i];
    let now_s = shared.now_ms().div_euclid(1000);
    let code = new.business_line.unwrap_or(2);
    let line = data::line_for_legacy(code, new.sub_business_line).ok_or_else(|| {
        match new.sub_business_line {
            Some(sub) => {
                format!("no sandbox line has legacy businessLine {code} / subBusinessLine {sub}")
            }
            None => format!("no sandbox line has legacy businessLine {code}"),
        }
    })?;
    let serial = lock(&acct.rt).injected_orders.len() as u64 + 1;
    let order = {
        let book = read(&acct.book);
        // A synthetic order of the line, else any order turned into one.
        let same_line = book
            .orders
            .iter()
            .find(|o| o.media_platform == line.media.0 && o.media_line == line.media.1);
        let mut template = same_line
            .or_else(|| book.orders.first())
            .ok_or("no template order")?
            .clone();
        if same_line.is_none() {
            template.set_line(line);
            template.act_id = line.act_id;
            template.trade_types = vec![2];
            template.cpa_profit = 0;
            template.smstitle = format!("【{}】{}", line.name, template.product_name);
        }
        let payprice = new.payprice_cents.unwrap_or(template.payprice).max(1);
        let salt = data::fnv1a(acct.appkey.as_bytes()) % 1000;
        Order {
            orderid: (3_400_000_000_000_000u64 + salt * 100_000_000_000 + serial).to_string(),
            ordertime: now_s - 30,
            paytime: now_s,
            fate: None,
            fate_at: now_s,
            payprice,
            profit: (payprice * i64::from(template.commission_rate) + 5_000) / 10_000,
            sid: new.sid.clone().unwrap_or_else(|| template.sid.clone()),
            ..template
        }
    };
    let orderid = order.orderid.clone();
    let idx = write(&acct.book).insert(order.clone());
    lock(&acct.rt).injected_orders.push(order);
    lock(&shared.pending_pushes).push_back((i, idx, data::EventKind::Paid, now_s));
    shared.mark_dirty();
    Ok(orderid)
}

fn change_status(shared: &Shared, appkey: &str, orderid: &str, fate: Fate) -> Result<(), String> {
    let (i, acct) = shared.account(appkey).ok_or("unknown appkey")?;
    let now_s = shared.now_ms().div_euclid(1000);
    let idx = {
        let mut book = write(&acct.book);
        let visible = book.get(orderid).is_some_and(|o| o.paytime <= now_s);
        if !visible {
            return Err("no such order (yet)".into());
        }
        book.set_fate(orderid, fate, now_s).ok_or("no such order")?
    };
    lock(&acct.rt)
        .fate_changes
        .push((orderid.to_owned(), fate, now_s));
    let kind = match fate {
        Fate::Complete => data::EventKind::Completed,
        Fate::Refund => data::EventKind::Refunded,
        Fate::Risk => data::EventKind::Risk,
    };
    lock(&shared.pending_pushes).push_back((i, idx, kind, now_s));
    shared.mark_dirty();
    Ok(())
}

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__admin/stats", get(stats))
        .route("/__admin/faults", get(get_faults).post(set_faults))
        .route("/__admin/clock", get(get_clock).post(set_clock))
        .route("/__admin/reset", post(reset))
        .route("/__admin/config", get(get_config).post(set_config))
        .route("/__admin/callbacks", get(callbacks))
        .route("/__admin/orders", post(add_order))
        .route("/__admin/orders/summary", get(summary))
        .route("/__admin/orders/{orderid}/status", post(order_status))
        .route("/__admin/accounts", get(accounts))
}

fn ok(v: Value) -> Response {
    json_reply(StatusCode::OK, &v, None)
}

fn bad(message: &str) -> Response {
    json_reply(
        StatusCode::BAD_REQUEST,
        &json!({"error": message}),
        Some(message),
    )
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    ok(shared.stats_json())
}

fn faults_view(shared: &Shared) -> Value {
    let f = lock(&shared.faults);
    json!({"config": f.config, "fired": f.fired()})
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    ok(faults_view(&shared))
}

async fn set_faults(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<FaultConfig>, axum::extract::rejection::JsonRejection>,
) -> Response {
    match body {
        Ok(Json(cfg)) if !offset_in_bounds(cfg.clock_offset_ms) => bad(&format!(
            "clock_offset_ms must be within ±{MAX_CLOCK_OFFSET_MS} ms (100 years)"
        )),
        Ok(Json(cfg)) => {
            *lock(&shared.faults) = FaultState::new(cfg);
            ok(faults_view(&shared))
        }
        Err(e) => bad(&e.body_text()),
    }
}

fn clock_view(shared: &Shared) -> Value {
    let now = shared.now_ms();
    json!({
        "now_ms": now,
        "offset_ms": shared.admin_offset_ms.load(Ordering::SeqCst),
        "beijing_day": beijing_day(now).to_string(),
        "resets_at_ms": crate::clock::next_beijing_midnight_ms(now),
    })
}

async fn get_clock(State(shared): State<Arc<Shared>>) -> Response {
    ok(clock_view(&shared))
}

#[derive(Deserialize)]
struct ClockBody {
    #[serde(default)]
    offset_ms: Option<i64>,
    #[serde(default)]
    advance_ms: Option<i64>,
    #[serde(default)]
    set_ms: Option<i64>,
}

async fn set_clock(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<ClockBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(b)) = body else {
        return bad("expected {\"offset_ms\"|\"advance_ms\"|\"set_ms\": <ms>}");
    };
    // The new offset, applied in the order offset, advance, set; refused
    // (leaving the clock alone) when any step overflows or the result is
    // beyond ±100 years.
    let base_ms = shared.clock.now_ms();
    let next = |current: i64| -> Option<i64> {
        let mut offset = b.offset_ms.unwrap_or(current);
        if let Some(a) = b.advance_ms {
            offset = offset.checked_add(a)?;
        }
        if let Some(t) = b.set_ms {
            offset = t.checked_sub(base_ms)?;
        }
        offset_in_bounds(offset).then_some(offset)
    };
    let moved = shared
        .admin_offset_ms
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, next);
    if moved.is_err() {
        return bad(&format!(
            "the clock offset must stay within ±{MAX_CLOCK_OFFSET_MS} ms (100 years) of the injected clock"
        ));
    }
    ok(clock_view(&shared))
}

#[derive(Deserialize, Default)]
struct ResetBody {
    #[serde(default)]
    scope: Option<String>,
}

async fn reset(State(shared): State<Arc<Shared>>, body: Option<Json<ResetBody>>) -> Response {
    let scope = body
        .and_then(|Json(b)| b.scope)
        .unwrap_or_else(|| "all".into());
    match scope.as_str() {
        "all" => shared.reset_all(),
        "quota" => shared.reset_quota(),
        "faults" => *lock(&shared.faults) = FaultState::default(),
        "clock" => shared.admin_offset_ms.store(0, Ordering::SeqCst),
        _ => return bad("scope must be all, quota, faults or clock"),
    }
    ok(json!({"reset": scope}))
}

#[derive(Deserialize, Serialize)]
struct RateLimitBody {
    max_calls: u32,
    per_ms: u64,
}

fn config_view(shared: &Shared) -> Value {
    let s = lock(&shared.switches);
    json!({
        "rate_limit": s.rate_limit.map(|r| RateLimitBody { max_calls: r.max_calls, per_ms: r.per.as_millis() as u64 }),
        "special_case_outcome": s.special_case_outcome,
    })
}

async fn get_config(State(shared): State<Arc<Shared>>) -> Response {
    ok(config_view(&shared))
}

async fn set_config(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(v)) = body else {
        return bad("expected a JSON object");
    };
    if let Some(r) = v.get("rate_limit") {
        let parsed = if r.is_null() {
            Ok(None)
        } else {
            serde_json::from_value::<RateLimitBody>(r.clone()).map(|b| {
                Some(RateLimit {
                    max_calls: b.max_calls,
                    per: Duration::from_millis(b.per_ms),
                })
            })
        };
        match parsed {
            Ok(rl) => lock(&shared.switches).rate_limit = rl,
            Err(_) => return bad("rate_limit must be null or {\"max_calls\":N,\"per_ms\":M}"),
        }
    }
    if let Some(o) = v.get("special_case_outcome") {
        match serde_json::from_value::<SpecialCaseOutcome>(o.clone()) {
            Ok(o) => lock(&shared.switches).special_case_outcome = o,
            Err(_) => return bad("special_case_outcome must be granted or refused"),
        }
    }
    ok(config_view(&shared))
}

async fn callbacks(State(shared): State<Arc<Shared>>) -> Response {
    ok(json!({"deliveries": *lock(&shared.deliveries)}))
}

async fn add_order(State(shared): State<Arc<Shared>>, body: Option<Json<NewOrder>>) -> Response {
    let new = body.map(|Json(b)| b).unwrap_or_default();
    match inject(&shared, &new) {
        Ok(id) => ok(json!({"orderid": id})),
        Err(e) => bad(&e),
    }
}

#[derive(Deserialize)]
struct StatusBody {
    #[serde(default)]
    appkey: Option<String>,
    status: Fate,
}

async fn order_status(
    State(shared): State<Arc<Shared>>,
    Path(orderid): Path<String>,
    body: Result<Json<StatusBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(b)) = body else {
        return bad("expected {\"status\": \"complete\"|\"refund\"|\"risk\"}");
    };
    let appkey = b
        .appkey
        .unwrap_or_else(|| shared.accounts[shared.demo].appkey.clone());
    match change_status(&shared, &appkey, &orderid, b.status) {
        Ok(()) => ok(json!({"orderid": orderid, "status": b.status})),
        Err(e) => bad(&e),
    }
}

#[derive(Deserialize)]
struct SummaryQuery {
    #[serde(default)]
    appkey: Option<String>,
    start: i64,
    end: i64,
    #[serde(default)]
    time_type: Option<i64>,
    /// `legacy` (default) or `media`.
    #[serde(default)]
    view: Option<View>,
}

async fn summary(
    State(shared): State<Arc<Shared>>,
    q: Result<Query<SummaryQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return bad("expected ?start=<s>&end=<s>[&appkey=…&time_type=1|2&view=legacy|media]");
    };
    let appkey = q
        .appkey
        .unwrap_or_else(|| shared.accounts[shared.demo].appkey.clone());
    let tt = TimeType::from_code(q.time_type.unwrap_or(1)).unwrap_or(TimeType::Pay);
    let handle = AdminHandle {
        shared: shared.clone(),
    };
    let view = q.view.unwrap_or(View::Legacy);
    match handle.orders_in_view(&appkey, view, q.start, q.end, tt) {
        Some(t) => ok(serde_json::to_value(t).unwrap_or_default()),
        None => bad("unknown appkey"),
    }
}

async fn accounts(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<Value> = shared
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let rt = shared.runtime(i);
            json!({"appkey": a.appkey, "demo": i == shared.demo, "tier": rt.tier.as_str(),
                   "authorized": rt.is_authorized()})
        })
        .collect();
    ok(json!({"accounts": list}))
}
