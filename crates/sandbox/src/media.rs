//! media.meituan.com cps_open API: POST, JSON body, S-Ca HMAC-SHA256
//! headers (SPEC.md C). Errors use the public code table (C.2):
//! 400 鉴权不通过, 401 不允许的请求方式, 402 请求过于频繁, 403 请求次数超过授权额度,
//! 1 参数错误.

use crate::data::{self, Order, OrderState, TimeType, View, MEDIA_COUPON_PACK};
use crate::legacy::ParamError;
use crate::links::{self, LinkSubject};
use crate::server::json_reply;
use crate::state::{read, Refusal, Shared};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use subtle::ConstantTimeEq;

const ENDPOINTS: [&str; 3] = ["get_referral_link", "query_order", "query_coupon"];

/// Oldest order `query_order` serves ("近3个月").
const QUERY_ORDER_HORIZON_S: i64 = 92 * 86_400;

fn reply(code: i64, message: &str, reason: Option<&str>) -> Response {
    json_reply(
        StatusCode::OK,
        &json!({"code": code, "message": message}),
        reason,
    )
}

fn auth_refused(reason: &str) -> Response {
    reply(400, "鉴权不通过", Some(reason))
}

fn ok(mut extra: Map<String, Value>, data: Value) -> Response {
    let mut m = Map::new();
    m.insert("code".into(), 0.into());
    m.insert("message".into(), "成功".into());
    m.insert("data".into(), data);
    m.append(&mut extra);
    json_reply(StatusCode::OK, &Value::Object(m), None)
}

fn perr(s: impl Into<String>) -> ParamError {
    ParamError(s.into())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(endpoint) = ENDPOINTS.iter().find(|e| **e == name) else {
        return json_reply(
            StatusCode::NOT_FOUND,
            &json!({"code": -1, "message": "接口不可用"}),
            Some("unknown media endpoint"),
        );
    };
    if method != Method::POST {
        return reply(401, "不允许的请求方式", Some("method not allowed"));
    }
    // A query that is not UTF-8 is refused before authentication: the
    // signature covers the decoded text, which it does not have.
    let Some(query_pairs) = crate::urlencoded::parse_strict(uri.query().unwrap_or("").as_bytes())
    else {
        return reply(
            1,
            crate::legacy::NOT_UTF8,
            Some("query parameter is not valid UTF-8"),
        );
    };

    // 1. S-Ca-App
    let Some((i, acct)) = header(&headers, "S-Ca-App").and_then(|k| shared.account(k)) else {
        shared.record_unknown_appkey();
        return auth_refused("S-Ca-App missing or unknown");
    };
    let fail = |reason: &str| {
        shared.record(i, |d| d.refused_auth += 1);
        auth_refused(reason)
    };

    // 2. S-Ca-Timestamp, epoch ms within the window.
    let Some(ts_text) = header(&headers, "S-Ca-Timestamp") else {
        return fail("S-Ca-Timestamp missing");
    };
    let Some(ts) = ts_text
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| ts_text.parse::<i64>().ok())
        .flatten()
    else {
        return fail("S-Ca-Timestamp is not epoch milliseconds");
    };
    let window = u64::try_from(shared.config.media_ts_window.as_millis()).unwrap_or(u64::MAX);
    if shared.server_now_ms().abs_diff(ts) > window {
        return fail("S-Ca-Timestamp outside the window");
    }

    // 3. The signed-header list must include the timestamp (dtapps
    //    media.sign.go:25 `必须包括S-Ca-Timestamp`); S-Ca-App is only
    //    recommended (`建议将S-Ca-App也添加进去`), so a list without it is
    //    checked without it.
    let Some(signature) = header(&headers, "S-Ca-Signature") else {
        return fail("S-Ca-Signature missing");
    };
    let Some(list) = header(&headers, "S-Ca-Signature-Headers") else {
        return fail("S-Ca-Signature-Headers missing");
    };
    let names: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if !names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("S-Ca-Timestamp"))
    {
        return fail("S-Ca-Signature-Headers lacks S-Ca-Timestamp");
    }
    let signs_app = names.iter().any(|n| n.eq_ignore_ascii_case("S-Ca-App"));
    let mut extra: Vec<(&str, &str)> = Vec::new();
    for n in &names {
        if n.eq_ignore_ascii_case("S-Ca-App") || n.eq_ignore_ascii_case("S-Ca-Timestamp") {
            continue;
        }
        match header(&headers, n) {
            Some(v) => extra.push((n, v)),
            None => return fail("a signed header is missing"),
        }
    }

    // 4. Content-MD5 must be the MD5 of the bytes received.
    let md5 = meituan_union::sign::content_md5(&body);
    if header(&headers, "Content-MD5") != Some(md5.as_str()) {
        return fail("Content-MD5 missing or not the MD5 of the body");
    }

    // 5. The signature.
    let query: Vec<(&str, &str)> = query_pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let parts = meituan_union::sign::MediaRequestParts {
        method: "POST",
        path: uri.path(),
        query: (!query.is_empty()).then_some(query.as_slice()),
        body: Some(&body),
        app_key: &acct.appkey,
        timestamp_ms: ts_text,
        extra_signed_headers: &extra,
    };
    let expected = meituan_union::sign::media_sign_listing(acct.secret.expose(), &parts, signs_app);
    if !bool::from(signature.as_bytes().ct_eq(expected.signature.as_bytes())) {
        return fail("S-Ca-Signature mismatch");
    }

    // 6. Authorization, burst rule, daily quota.
    if !shared.runtime(i).is_authorized() {
        return fail("API authorization not approved");
    }
    match shared.admit(i, uri.path()) {
        Ok(()) => {}
        Err(Refusal::Rate) => return reply(402, "请求过于频繁，请稍后再试", Some("rate limited")),
        Err(Refusal::Quota { .. }) => {
            return reply(403, "请求次数超过授权额度", Some("daily quota exhausted"))
        }
    }

    // 7. The body.
    let is_json = header(&headers, "Content-Type").is_some_and(|c| {
        c.trim_start()
            .to_ascii_lowercase()
            .starts_with("application/json")
    });
    let utf8 = std::str::from_utf8(&body).is_ok();
    let parsed = if is_json && utf8 {
        serde_json::from_slice::<Value>(&body).ok()
    } else {
        None
    };
    let result = match parsed {
        None if !is_json => Err(perr("Content-Type必须为application/json")),
        None if !utf8 => Err(perr("请求体不是合法的UTF-8编码")),
        Some(Value::Object(m)) => {
            let b = Body(m);
            let now_ms = shared.now_ms();
            match *endpoint {
                "get_referral_link" => referral_link(&shared.img_base(), &acct.appkey, &b),
                "query_order" => query_order(&shared, i, &b, now_ms),
                _ => query_coupon(&shared, &b),
            }
        }
        _ => Err(perr("请求体必须是JSON对象")),
    };
    match result {
        Ok(res) => res,
        Err(ParamError(detail)) => {
            shared.record(i, |d| d.refused_params += 1);
            reply(1, &format!("参数错误: {detail}"), Some("bad parameter"))
        }
    }
}

struct Body(Map<String, Value>);

impl Body {
    fn present(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }

    fn int(&self, k: &str) -> Result<Option<i64>, ParamError> {
        match self.present(k) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| perr(format!("{k}必须是整数"))),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) if s.bytes().all(|b| b.is_ascii_digit()) => s
                .parse()
                .map(Some)
                .map_err(|_| perr(format!("{k}必须是整数"))),
            Some(_) => Err(perr(format!("{k}必须是整数"))),
        }
    }

    fn int_in(&self, k: &str, lo: i64, hi: i64, default: Option<i64>) -> Result<i64, ParamError> {
        match self.int(k)?.or(default) {
            None => Err(perr(format!("{k}不能为空"))),
            Some(v) if v < lo || v > hi => Err(perr(format!("{k}取值范围为{lo}~{hi}"))),
            Some(v) => Ok(v),
        }
    }

    fn text(&self, k: &str) -> Result<Option<String>, ParamError> {
        match self.present(k) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(perr(format!("{k}必须是字符串"))),
        }
    }

    fn int_list(&self, k: &str) -> Result<Option<Vec<i64>>, ParamError> {
        match self.present(k) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_i64().ok_or_else(|| perr(format!("{k}必须是整数数组"))))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(|v| Some(vec![v]))
                .ok_or_else(|| perr(format!("{k}必须是整数数组"))),
            Some(_) => Err(perr(format!("{k}必须是整数数组"))),
        }
    }

    fn sid(&self) -> Result<String, ParamError> {
        let sid = self.text("sid")?.unwrap_or_default();
        if sid.chars().count() > 64 {
            return Err(perr("sid长度不能超过64个字符"));
        }
        Ok(sid)
    }
}

fn referral_link(img_base: &str, appkey: &str, b: &Body) -> Result<Response, ParamError> {
    let act = b.text("actId")?;
    let sku = match b.text("skuViewId")? {
        Some(s) => Some(s),
        None => b.text("productViewSign")?,
    };
    let text = b.text("text")?;
    let subject = match (&act, &sku, &text) {
        (Some(a), _, _) => {
            if !a.bytes().all(|c| c.is_ascii_digit()) {
                return Err(perr("actId必须是整数"));
            }
            LinkSubject::Act(a)
        }
        (None, Some(s), _) => LinkSubject::Sku(s),
        (None, None, Some(t)) => {
            if t.chars().count() > 2000 {
                return Err(perr("text长度不能超过2000个字符"));
            }
            LinkSubject::Text(t)
        }
        _ => return Err(perr("actId、skuViewId、text至少传一个")),
    };
    let sid = b.sid()?;
    let mut extra = Map::new();
    if let LinkSubject::Sku(s) = subject {
        extra.insert("skuViewId".into(), s.into());
    }
    if let Some(list) = b.int_list("linkTypeList")? {
        // One entry per link type at most (the reply maps type to link).
        if list.len() > 6 {
            return Err(perr("linkTypeList最多6个"));
        }
        if list.is_empty() || list.iter().any(|t| !(1..=6).contains(t)) {
            return Err(perr("linkTypeList取值范围为1~6"));
        }
        let mut map = Map::new();
        for t in &list {
            map.insert(
                t.to_string(),
                links::media_link(img_base, appkey, subject, &sid, *t as u8).into(),
            );
        }
        let first = links::media_link(img_base, appkey, subject, &sid, list[0] as u8);
        extra.insert("referralLinkMap".into(), Value::Object(map));
        return Ok(ok(extra, first.into()));
    }
    let link_type = b.int_in("linkType", 1, 6, None)? as u8;
    Ok(ok(
        extra,
        links::media_link(img_base, appkey, subject, &sid, link_type).into(),
    ))
}

fn trade_type_of(o: &Order) -> i64 {
    if o.trade_types == [3] {
        2
    } else {
        1
    }
}

/// Which orders a `query_order` asks for, by media `(platform,
/// businessLine)`. "D" is dtapps/go-library
/// `service/meituan/media.query_order.go@c37755e`, "B" bububa/meituan
/// `model/query_order.go`:
/// - `platform` absent → 1 (B `:10` `不填则默认1`);
/// - platform 1 without `businessLine` (absent or `[]`) → every line except
///   7 商品超值券包 and 12 省钱包 (D `:18` `不传则默认传空表示返回除类型7以外的全部类型查询`;
///   B `:12` also leaves out 省钱包);
/// - platform 1 with 7 in the list → type 7 only (D `:18`
///   `若输入参数含7 商品超值券包，则只返回商品超值券包订单`);
/// - platform 2 without `businessLine` → 1 到餐 only (B `:12` `不填则默认传1`);
/// - otherwise the listed lines of the platform: a code the sandbox has no
///   orders of is accepted and matches nothing.
///
/// An `orderId` lookup goes through the same scope (B `:20`: without
/// `businessLine` only orders that are not coupon packs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MediaScope {
    platform: i64,
    lines: LineScope,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum LineScope {
    AllExcept(&'static [i64]),
    Only(Vec<i64>),
}

/// Platform-1 lines a query without `businessLine` leaves out: 7
/// 商品超值券包 (D `:18`) and 12 省钱包 (B `:12`).
const NOT_BY_DEFAULT: &[i64] = &[MEDIA_COUPON_PACK as i64, 12];

impl MediaScope {
    pub(crate) fn new(platform: Option<i64>, lines: &[i64]) -> MediaScope {
        let platform = platform.unwrap_or(1);
        let coupon_pack = i64::from(MEDIA_COUPON_PACK);
        let lines = match (platform, lines) {
            (1, []) => LineScope::AllExcept(NOT_BY_DEFAULT),
            (1, l) if l.contains(&coupon_pack) => LineScope::Only(vec![coupon_pack]),
            (2, []) => LineScope::Only(vec![1]),
            (_, l) => LineScope::Only(l.to_vec()),
        };
        MediaScope { platform, lines }
    }

    pub(crate) fn matches(&self, o: &Order) -> bool {
        let line = i64::from(o.media_line);
        i64::from(o.media_platform) == self.platform
            && match &self.lines {
                LineScope::AllExcept(out) => !out.contains(&line),
                LineScope::Only(only) => only.contains(&line),
            }
    }
}

/// Lines whose items carry `orderDetail` (D `:42`
/// `只支持到家外卖商品券、到家医药、到家闪购商品业务、到店到餐、到综、酒店类型`): every 到店
/// line, 医药 (1/5), 闪购商品 (1/11), and 商品超值券包 (1/7) read as the
/// 到家外卖商品券 (our reading: no source pairs the two names).
fn has_order_detail(o: &Order) -> bool {
    matches!(
        (o.media_platform, o.media_line),
        (2, _) | (1, 5) | (1, 11) | (1, MEDIA_COUPON_PACK)
    )
}

/// Lines whose coupon lines carry `refundAmount`/`refundFee`/`refundTime`
/// (D `:37-39`: 到店到餐、到综、酒店子订单、到家闪购商品、到家医药).
fn has_detail_refunds(o: &Order) -> bool {
    matches!((o.media_platform, o.media_line), (2, _) | (1, 5) | (1, 11))
}

fn is_coupon_pack(o: &Order) -> bool {
    (o.media_platform, o.media_line) == (1, MEDIA_COUPON_PACK)
}

/// A stable pick for an order (same order, same answer).
fn pick<'a>(o: &Order, salt: &str, from: &[&'a str]) -> &'a str {
    let h = data::fnv1a(format!("{salt}:{}", o.orderid).as_bytes());
    from[(h % from.len() as u64) as usize]
}

/// `specificationName` (D `:29` `规格信息`), where a line has one.
fn specification(o: &Order) -> &'static str {
    match (o.media_platform, o.media_line) {
        (1, 4) | (1, 8) | (1, 11) => pick(o, "spec", &["标准装", "家庭装", "组合装"]),
        (1, 5) => pick(o, "spec", &["1盒", "2盒装", "3盒装"]),
        (1, 6) => "单人份",
        (1, MEDIA_COUPON_PACK) => pick(o, "spec", &["4张装", "6张装", "8张装"]),
        (2, 1) => pick(o, "spec", &["工作日可用", "周末通用"]),
        _ => "",
    }
}

/// `categoryId`/`categoryName` (D `:53-54`) from the category lists of B
/// `:14` (闪购商品 and 到综 ones), chosen by product name.
fn category(o: &Order) -> Option<(i64, &'static str)> {
    let name = o.product_name.as_str();
    let has = |w: &str| name.contains(w);
    match (o.media_platform, o.media_line) {
        (1, 11) => Some(if has("水果") {
            (15, "水果")
        } else if has("坚果") {
            (25, "休闲食品")
        } else if has("水饺") || has("鸡蛋") {
            (24, "生鲜食材")
        } else if has("洗衣") {
            (107, "美妆日化")
        } else {
            (12, "大型连锁商超便利店")
        }),
        (2, 2) => Some(if has("KTV") {
            (1853, "K歌")
        } else if has("健身") {
            (206, "运动健身")
        } else {
            (3, "休闲娱乐")
        }),
        _ => None,
    }
}

const CITIES: [&str; 8] = [
    "北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安",
];

/// Splits `total` over `n` parts, the remainder on the first ones.
fn share(total: i64, n: i64, k: i64) -> i64 {
    total / n + i64::from(k < total % n)
}

/// `couponStatus` of every coupon line of an order in state `st`: 1 付款,
/// 2 完成, 3 结算, 4 失效 (D `:31`).
fn coupon_status(st: &OrderState) -> &'static str {
    match st.status {
        data::LegacyStatus::Paid => "1",
        data::LegacyStatus::Completed if st.settled_at.is_some() => "3",
        data::LegacyStatus::Completed => "2",
        data::LegacyStatus::RefundedOrRisk => "4",
    }
}

/// One line per coupon / sub-order (as many as the order's quantity), all
/// in the order's state ([`coupon_status`]); a settled line carries
/// `settleTime` (D `:40`, one settlement per order here, so the latest is
/// the only one).
fn order_detail(o: &Order, st: &OrderState) -> Value {
    let n = i64::from(o.quantity.max(1));
    let completed = st.status == data::LegacyStatus::Completed;
    let coupon_status = coupon_status(st);
    let lines = (0..n)
        .map(|k| {
            let basic = share(o.payprice, n, k);
            let fee = share(o.profit, n, k);
            let mut d = Map::new();
            d.insert("couponStatus".into(), coupon_status.into());
            if o.media_platform == 2 {
                // 子订单号 of 到店 coupons only (D `:32`).
                d.insert(
                    "itemOrderId".into(),
                    format!("{}{:02}", o.orderid, k + 1).into(),
                );
            }
            if completed {
                d.insert("finishTime".into(), o.fate_at.to_string().into());
                if is_coupon_pack(o) {
                    // The takeaway order the coupon was used on (D `:36`).
                    let h = data::fnv1a(format!("view:{}:{k}", o.orderid).as_bytes());
                    let id = 6_000_000_000_000_000u64 + h % 1_000_000_000_000_000;
                    d.insert("orderViewId".into(), id.to_string().into());
                }
            }
            if let Some(at) = st.settled_at {
                d.insert("settleTime".into(), at.to_string().into());
            }
            d.insert("basicAmount".into(), data::yuan(basic).into());
            let fee = if coupon_status == "4" { 0 } else { fee };
            d.insert("couponFee".into(), data::yuan(fee).into());
            if st.refunded && has_detail_refunds(o) {
                d.insert("refundAmount".into(), data::yuan(basic).into());
                d.insert("refundFee".into(), data::yuan(share(o.profit, n, k)).into());
                d.insert("refundTime".into(), o.fate_at.to_string().into());
            }
            d.insert("updateTime".into(), st.update_time().to_string().into());
            Value::Object(d)
        })
        .collect();
    Value::Array(lines)
}

/// An order as a media `query_order` item, with its media codes.
pub(crate) fn media_item(o: &Order, st: &OrderState, appkey: &str) -> Value {
    let mut m = Map::new();
    m.insert("platform".into(), o.media_platform.into());
    m.insert("businessLine".into(), o.media_line.into());
    m.insert("orderId".into(), o.orderid.clone().into());
    m.insert("payTime".into(), o.paytime.into());
    m.insert("payPrice".into(), data::yuan(o.payprice).into());
    // The settlement instant once settled (D `:40`), so a sync by update
    // time (`queryTimeType` 2) sees the change.
    m.insert("updateTime".into(), st.update_time().into());
    m.insert(
        "commissionRate".into(),
        o.commission_rate.to_string().into(),
    );
    m.insert("profit".into(), data::yuan(o.profit).into());
    m.insert("cpaProfit".into(), data::yuan(o.cpa_profit).into());
    m.insert("sid".into(), o.sid.clone().into());
    m.insert("productId".into(), o.product_id.clone().into());
    m.insert("productName".into(), o.product_name.clone().into());
    m.insert("specificationName".into(), specification(o).into());
    // 超值券包订单本期不返回退款数据 (D `:43-45`): no refund fields at all.
    // `refundPrice`/`refundTime`/`refundProfit` 只对非到店到餐、非到综、非酒店业务类型有效
    // (D `:43-45`): a 到店 order's refunds are in its coupon lines
    // (`refundAmount`/`refundFee`/`refundTime`, D `:37-39`); its
    // `cpaRefundProfit` (D `:46`, no such limit) stays.
    if !is_coupon_pack(o) {
        let (rp, rt, rprof, rcpa) = if st.refunded {
            (
                data::yuan(o.payprice),
                o.fate_at.to_string(),
                data::yuan(o.profit),
                data::yuan(o.cpa_profit),
            )
        } else {
            Default::default()
        };
        if o.media_platform != 2 {
            m.insert("refundPrice".into(), rp.into());
            m.insert("refundTime".into(), rt.into());
            m.insert("refundProfit".into(), rprof.into());
        }
        m.insert("cpaRefundProfit".into(), rcpa.into());
    }
    m.insert("status".into(), Order::media_status(st).into());
    m.insert("tradeType".into(), trade_type_of(o).into());
    m.insert("actId".into(), o.act_id.into());
    m.insert("appkey".into(), appkey.into());
    // 团好货 and coupon-pack CPS orders only (D `:51`).
    let sku_lines = matches!(
        (o.media_platform, o.media_line),
        (1, 4) | (1, MEDIA_COUPON_PACK)
    );
    if sku_lines && trade_type_of(o) == 1 {
        m.insert("skuCount".into(), o.quantity.max(1).into());
    }
    // Coupon packs (D `:52`) and 到店 lines (B `:107`).
    if is_coupon_pack(o) || o.media_platform == 2 {
        m.insert("cityName".into(), pick(o, "city", &CITIES).into());
    }
    if let Some((id, name)) = category(o) {
        m.insert("categoryId".into(), id.into());
        m.insert("categoryName".into(), name.into());
    }
    if has_order_detail(o) {
        m.insert("orderDetail".into(), order_detail(o, st));
    }
    Value::Object(m)
}

/// An opaque scroll cursor bound to the query it continues.
fn scroll_id(offset: usize, query_key: &str) -> String {
    format!("{:x}-{:016x}", offset, data::fnv1a(query_key.as_bytes()))
}

fn parse_scroll(id: &str, query_key: &str) -> Option<usize> {
    let (off, tag) = id.split_once('-')?;
    (tag == format!("{:016x}", data::fnv1a(query_key.as_bytes())))
        .then(|| usize::from_str_radix(off, 16).ok())
        .flatten()
}

fn query_order(shared: &Shared, i: usize, b: &Body, now_ms: i64) -> Result<Response, ParamError> {
    let now_s = now_ms.div_euclid(1000);
    let platform = b.int("platform")?;
    if platform.is_some_and(|p| p != 1 && p != 2) {
        return Err(perr("platform取值范围为1~2"));
    }
    let lines = b.int_list("businessLine")?;
    let order_id = b.text("orderId")?;
    let sid = b.sid()?;
    let time_type =
        TimeType::from_code(b.int_in("queryTimeType", 1, 2, Some(1))?).unwrap_or(TimeType::Pay);
    let trade_type = b.int("tradeType")?;
    if trade_type.is_some_and(|t| t != 1 && t != 2) {
        return Err(perr("tradeType取值范围为1~2"));
    }
    let search_type = b.int_in("searchType", 1, 2, Some(1))?;
    let limit = b.int_in("limit", 1, 100, Some(20))?;
    let page = b.int_in("page", 1, 1_000_000, Some(1))?;
    let (start, end) = match (b.int("startTime")?, b.int("endTime")?) {
        (Some(s), Some(e)) => {
            if !(1_000_000_000..10_000_000_000).contains(&s)
                || !(1_000_000_000..10_000_000_000).contains(&e)
            {
                return Err(perr("startTime和endTime必须是10位秒级时间戳"));
            }
            if e < s {
                return Err(perr("endTime不能早于startTime"));
            }
            if s < now_s - QUERY_ORDER_HORIZON_S {
                return Err(perr("只支持查询近3个月的订单"));
            }
            (s, e)
        }
        (None, None) if order_id.is_some() => (now_s - QUERY_ORDER_HORIZON_S, now_s),
        _ => return Err(perr("startTime和endTime不能为空")),
    };

    let acct = &shared.accounts[i];
    let book = read(&acct.book);
    let scope = MediaScope::new(platform, lines.as_deref().unwrap_or_default());
    let rows = book.select(now_s, start, end, time_type, View::Media, |o| {
        scope.matches(o)
            && order_id.as_ref().is_none_or(|id| *id == o.orderid)
            && (sid.is_empty() || o.sid == sid)
            && trade_type.is_none_or(|t| trade_type_of(o) == t)
    });
    let query_key = format!(
        "{platform:?}|{lines:?}|{order_id:?}|{sid}|{time_type:?}|{trade_type:?}|{start}|{end}|{limit}"
    );
    let offset = if search_type == 2 {
        match b.text("scrollId")? {
            None => 0,
            Some(id) => parse_scroll(&id, &query_key).ok_or_else(|| perr("scrollId无效"))?,
        }
    } else {
        ((page - 1) * limit) as usize
    };
    let list: Vec<Value> = rows
        .iter()
        .skip(offset)
        .take(limit as usize)
        .map(|(o, st)| media_item(o, st, &acct.appkey))
        .collect();
    let mut data = Map::new();
    data.insert("skuCount".into(), list.len().into());
    if search_type == 2 {
        let next = (offset + list.len()).min(rows.len());
        data.insert("scrollId".into(), scroll_id(next, &query_key).into());
    }
    data.insert("dataList".into(), Value::Array(list));
    Ok(ok(Map::new(), Value::Object(data)))
}

/// Media `query_coupon` (B = bububa/meituan `model/query_coupon.go`):
/// - priority `vpSkuViewIds` > `listTopiId` > `searchText` (B `:30`): with
///   ids, the list and the keyword are not used; with a list, no keyword;
/// - `listTopiId` per platform (B `:28`): 到家 1 2 3 4, 到店 2 3 5; required
///   and only 3 for 到家医药 (bizLine 5) and 到店酒店/门票 (bizLine 3/4);
///   a list query without `platform` reads platform 1 (B `:10`);
/// - sort (B `:38`): with a list, `sortField` 2 销量 and 3 佣金 are
///   descending, 1 售价 follows `ascDescOrder`; the default is 1 on 到家 and
///   2 on 到店; list 5 keeps its own order (by sales) whatever is asked;
/// - `cityId` keeps the coupons of one city (OUR ASSUMPTION: no source has
///   a `cityId` here, Meituan locates by `longitude`/`latitude`);
/// - a keyword search answers a `searchId` bound to the keyword and the
///   filters and sort (B `:32`, D `:62`); sent back with the next `pageNo`
///   it is accepted, a `searchId` of another query is ignored (B `:32`:
///   "如变更搜索关键字或排序规则，则也无需填写").
fn query_coupon(shared: &Shared, b: &Body) -> Result<Response, ParamError> {
    let platform = b.int("platform")?;
    if platform.is_some_and(|p| p != 1 && p != 2) {
        return Err(perr("platform取值范围为1~2"));
    }
    let biz_line = b.int("bizLine")?;
    let (lng, lat) = (b.int("longitude")?, b.int("latitude")?);
    if lng.is_some() != lat.is_some() {
        return Err(perr("longitude和latitude需同时传入"));
    }
    let city_id = b.int("cityId")?.filter(|c| *c != 0);
    if city_id.is_some_and(|c| c < 0) {
        return Err(perr("cityId必须是正整数"));
    }
    let mut search = b.text("searchText")?;
    if let Some(s) = &search {
        if s.chars().count() > 100 {
            return Err(perr("searchText长度为1~100个字符"));
        }
    }
    let ids: Option<Vec<String>> = match b.present("vpSkuViewIds") {
        None => None,
        Some(Value::Array(items)) => {
            if items.len() > 20 {
                return Err(perr("vpSkuViewIds最多20个"));
            }
            Some(
                items
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| perr("vpSkuViewIds必须是字符串数组"))?,
            )
        }
        Some(_) => return Err(perr("vpSkuViewIds必须是字符串数组")),
    };
    let mut list = b.int("listTopiId")?.filter(|l| *l != 0);
    if ids.is_some() {
        list = None;
        search = None;
    } else if list.is_some() {
        search = None;
    }
    // A list is read within a platform: absent = 1 (B `:10`).
    let list_platform = platform.unwrap_or(1);
    if let Some(l) = list {
        let allowed = crate::catalog::lists_of(list_platform);
        if !allowed.contains(&l) {
            return Err(perr(if list_platform == 2 {
                "listTopiId取值范围：到店为2、3、5"
            } else {
                "listTopiId取值范围：到家为1~4"
            }));
        }
    }
    let must_be_3 = ids.is_none()
        && matches!(
            (list_platform, biz_line),
            (1, Some(5)) | (2, Some(3)) | (2, Some(4))
        );
    if must_be_3 && list != Some(3) {
        return Err(perr("该业务类型listTopiId必填且只支持3"));
    }
    let search_id = b.text("searchId")?;
    let page_no = b.int_in("pageNo", 1, 10_000, Some(1))?;
    // No source gives a maximum; the default of 20 is documented
    // (bububa/meituan model/query_coupon.go:34 `不填返回默认分页20`).
    let page_size = b.int_in("pageSize", 1, i64::from(u32::MAX), Some(20))?;
    let default_sort = if list.is_some() && list_platform == 2 {
        2
    } else {
        1
    };
    let sort_field = b.int_in("sortField", 1, 3, Some(default_sort))?;
    let asc = b.int_in("ascDescOrder", 1, 2, Some(1))? == 1;
    let price_floor = b.int("priceFloor")?;
    let price_cap = b.int("priceCap")?;
    let comm_floor = b.int("commissionFloor")?;
    let comm_cap = b.int("commissionCap")?;
    for (k, v) in [
        ("priceFloor", price_floor),
        ("priceCap", price_cap),
        ("commissionFloor", comm_floor),
        ("commissionCap", comm_cap),
    ] {
        if v.is_some_and(|v| v < 0) {
            return Err(perr(format!("{k}不能为负数")));
        }
    }
    if let (Some(floor), Some(cap)) = (price_floor, price_cap) {
        if floor > cap {
            return Err(perr("priceFloor不能大于priceCap"));
        }
    }
    if let (Some(floor), Some(cap)) = (comm_floor, comm_cap) {
        if floor > cap {
            return Err(perr("commissionFloor不能大于commissionCap"));
        }
    }
    let platform = if list.is_some() {
        Some(list_platform)
    } else {
        platform
    };

    let mut rows: Vec<&data::Coupon> = shared
        .coupons
        .iter()
        .filter(|c| {
            platform.is_none_or(|p| i64::from(c.platform) == p)
                && biz_line.is_none_or(|bl| i64::from(c.biz_line) == bl)
                && city_id.is_none_or(|id| crate::catalog::coupon_city(c) == id)
                && list.is_none_or(|l| crate::catalog::on_list(c, l))
                && search
                    .as_ref()
                    .is_none_or(|s| c.name.contains(s.as_str()) || c.brand.contains(s.as_str()))
                && ids.as_ref().is_none_or(|ids| ids.contains(&c.sku_view_id))
                && price_floor.is_none_or(|f| c.sell_price >= f.saturating_mul(100))
                && price_cap.is_none_or(|cap| c.sell_price <= cap.saturating_mul(100))
                && comm_floor
                    .is_none_or(|f| i64::from(c.commission_percent) >= f.saturating_mul(100))
                && comm_cap
                    .is_none_or(|cap| i64::from(c.commission_percent) <= cap.saturating_mul(100))
        })
        .collect();
    let (sort_field, asc) = match list {
        Some(5) => (2, false),
        Some(_) => (sort_field, sort_field == 1 && asc),
        None => (sort_field, asc),
    };
    rows.sort_by_key(|c| {
        let key = match sort_field {
            1 => c.sell_price,
            2 => i64::from(c.sale_volume),
            _ => i64::from(c.commission_percent),
        };
        (if asc { key } else { -key }, c.sku_view_id.clone())
    });
    let img = shared.img_base();
    let skip = ((page_no - 1) * page_size) as usize;
    let page: Vec<Value> = rows
        .iter()
        .skip(skip)
        .take(page_size as usize)
        .map(|c| {
            json!({
                "couponPackDetail": {
                    "name": c.name, "skuViewId": c.sku_view_id,
                    "headUrl": format!("{img}/sku/{}.png", c.sku_view_id),
                    "saleVolume": format!("{}+", c.sale_volume),
                    "saleStatus": true,
                    "originalPrice": data::yuan(c.original_price),
                    "sellPrice": data::yuan(c.sell_price),
                    "platform": c.platform, "bizLine": c.biz_line,
                },
                "brandInfo": {
                    "brandName": c.brand,
                    "brandLogoUrl": format!("{img}/brand/{}.png", crate::images::brand_key(&c.brand)),
                },
                "commissionInfo": {
                    "commissionPercent": c.commission_percent.to_string(),
                    "commission": data::yuan(c.sell_price * i64::from(c.commission_percent) / 10_000),
                },
                "availablePoiInfo": {"availablePoiNum": 1 + data::fnv1a(c.sku_view_id.as_bytes()) % 50},
            })
        })
        .collect();
    let mut extra = Map::new();
    extra.insert("hasNext".into(), (skip + page.len() < rows.len()).into());
    if let Some(s) = &search {
        let key = format!(
            "{s}|{platform:?}|{biz_line:?}|{city_id:?}|{sort_field}|{asc}|{price_floor:?}|{price_cap:?}|{comm_floor:?}|{comm_cap:?}"
        );
        let id = format!("{:016x}", data::fnv1a(key.as_bytes()));
        if search_id.as_ref().is_some_and(|sent| *sent != id) {
            tracing::debug!("query_coupon: searchId of another query ignored");
        }
        extra.insert("searchId".into(), id.into());
    }
    Ok(ok(extra, Value::Array(page)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{generate, GenParams, LINES};

    fn orders() -> Vec<Order> {
        generate(GenParams {
            seed: 3,
            appkey: "k",
            anchor_ms: 1_700_000_000_000,
            orders_per_month: 400,
        })
    }

    fn pairs(scope: &MediaScope) -> Vec<(u8, u8)> {
        let mut v: Vec<(u8, u8)> = LINES
            .iter()
            .filter(|l| {
                let mut o = orders()[0].clone();
                o.set_line(l);
                scope.matches(&o)
            })
            .map(|l| l.media)
            .collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn scope_follows_the_documented_defaults() {
        // Absent platform = 1; no lines = every 到家 line but 7.
        let default = vec![
            (1, 1),
            (1, 2),
            (1, 3),
            (1, 4),
            (1, 5),
            (1, 6),
            (1, 8),
            (1, 11),
        ];
        assert_eq!(pairs(&MediaScope::new(None, &[])), default);
        assert_eq!(pairs(&MediaScope::new(Some(1), &[])), default);
        // 7 in the list: only 7, whatever else is listed.
        assert_eq!(pairs(&MediaScope::new(None, &[7])), vec![(1, 7)]);
        assert_eq!(pairs(&MediaScope::new(Some(1), &[1, 7, 11])), vec![(1, 7)]);
        // Platform 2 without lines: 到餐 only.
        assert_eq!(pairs(&MediaScope::new(Some(2), &[])), vec![(2, 1)]);
        assert_eq!(
            pairs(&MediaScope::new(Some(2), &[1, 2, 3, 15])),
            vec![(2, 1), (2, 2)]
        );
        // The list is read within the platform: 2 is 闪购红包 on 1, 到综 on
        // 2; legacy-only codes match nothing.
        assert_eq!(pairs(&MediaScope::new(Some(1), &[2])), vec![(1, 2)]);
        assert_eq!(pairs(&MediaScope::new(Some(2), &[9, 10, 7])), vec![]);
        assert_eq!(pairs(&MediaScope::new(None, &[1, 4])), vec![(1, 1), (1, 4)]);
        // Every line is in exactly one of the app's three passes.
        let passes = [
            MediaScope::new(Some(1), &[]),
            MediaScope::new(Some(1), &[7]),
            MediaScope::new(Some(2), &[1, 2, 3, 4, 5, 6, 15]),
        ];
        for l in &LINES {
            let mut o = orders()[0].clone();
            o.set_line(l);
            assert_eq!(passes.iter().filter(|p| p.matches(&o)).count(), 1, "{l:?}");
        }
    }

    #[test]
    fn items_carry_media_codes_and_the_fields_of_their_line() {
        let all = orders();
        let mut seen = std::collections::BTreeSet::new();
        for o in &all {
            let Some(st) = o.state_at(o.fate_at) else {
                continue;
            };
            let v = media_item(o, &st, "k");
            let pair = (
                v["platform"].as_u64().unwrap() as u8,
                v["businessLine"].as_u64().unwrap() as u8,
            );
            assert_eq!(pair, o.line().unwrap().media);
            seen.insert(pair);
            let detail = v.get("orderDetail").and_then(Value::as_array);
            match pair {
                (1, 7) => {
                    for k in [
                        "refundPrice",
                        "refundTime",
                        "refundProfit",
                        "cpaRefundProfit",
                    ] {
                        assert!(v.get(k).is_none(), "{k} on a coupon pack: {v}");
                    }
                    assert!(v["cityName"].is_string(), "{v}");
                    assert_eq!(v["skuCount"], o.quantity, "{v}");
                    assert_eq!(detail.unwrap().len(), o.quantity as usize);
                }
                (2, _) => {
                    let d = detail.expect("到店 orderDetail");
                    assert!(d.iter().all(|x| x["itemOrderId"].is_string()));
                    // Refunds per coupon line only (D `:37-39`, `:43`).
                    for k in ["refundPrice", "refundTime", "refundProfit"] {
                        assert!(v.get(k).is_none(), "{k} on a 到店 order: {v}");
                    }
                    assert!(v["cpaRefundProfit"].is_string());
                    if st.refunded {
                        let at = o.fate_at.to_string();
                        assert!(d
                            .iter()
                            .all(|x| x["refundFee"].is_string() && x["refundTime"] == *at));
                    }
                }
                (1, 5) | (1, 11) => {
                    let d = detail.expect("医药/闪购商品 orderDetail");
                    assert!(d.iter().all(|x| x.get("itemOrderId").is_none()));
                    if st.refunded {
                        assert!(d.iter().all(|x| x["refundAmount"].is_string()));
                    }
                }
                _ => {
                    assert!(detail.is_none(), "{v}");
                    // Every other line: order-level refunds once refunded.
                    let want = if st.refunded {
                        data::yuan(o.payprice)
                    } else {
                        String::new()
                    };
                    assert_eq!(v["refundPrice"], want, "{v}");
                    assert_eq!(v["refundProfit"].as_str().unwrap().is_empty(), !st.refunded);
                }
            }
            if pair == (1, 11) {
                assert!(v["categoryId"].is_i64() && v["categoryName"].is_string());
            }
            if let Some(d) = detail {
                // The coupon lines add up to the order.
                let cents = |x: &Value| {
                    let s = x.as_str().unwrap();
                    let (y, f) = s.split_once('.').unwrap();
                    y.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap()
                };
                let sum: i64 = d.iter().map(|x| cents(&x["basicAmount"])).sum();
                assert_eq!(sum, o.payprice);
                let status = match st.status {
                    data::LegacyStatus::Paid => "1",
                    data::LegacyStatus::Completed => "2",
                    data::LegacyStatus::RefundedOrRisk => "4",
                };
                assert!(d.iter().all(|x| x["couponStatus"] == status));
                assert!(d.iter().all(|x| x.get("settleTime").is_none()));
                // Once settled: 3 with the settlement time, the order 6.
                if let Some(at) = o.settle_at() {
                    let settled = o.state_at(at).unwrap();
                    let v = media_item(o, &settled, "k");
                    assert_eq!(v["status"], "6");
                    assert_eq!(v["updateTime"], at);
                    for x in v["orderDetail"].as_array().unwrap() {
                        assert_eq!(x["couponStatus"], "3");
                        assert_eq!(x["settleTime"], at.to_string());
                        assert_eq!(x["updateTime"], at.to_string());
                        assert_eq!(x["finishTime"], o.fate_at.to_string());
                    }
                }
            }
        }
        assert_eq!(seen.len(), LINES.len(), "{seen:?}");
        // Same order, same item.
        let o = &all[17];
        let st = o.state_at(o.paytime).unwrap();
        assert_eq!(media_item(o, &st, "k"), media_item(o, &st, "k"));
    }
}
