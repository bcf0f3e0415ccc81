//! Legacy union API (`openapi.meituan.com/api/*`): HTTP GET, query string,
//! MD5 `sign`, `ts` in seconds. Success shapes follow SPEC.md A.2; the
//! status codes of refusals are the sandbox's own choice (no public source
//! shows Meituan's), listed in the README.

use crate::clock::{beijing_day, month_start_offset};
use crate::data::{self, LegacyStatus, Order, OrderState, TimeType, View};
use crate::links;
use crate::server::json_reply;
use crate::state::{read, Refusal, Shared};
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use subtle::ConstantTimeEq;

mod mtunion;

/// Legacy `status` values of refusals (sandbox choice, see the README).
pub(crate) mod code {
    pub const APPKEY: i64 = 1001;
    pub const SIGN: i64 = 1002;
    pub const TIMESTAMP: i64 = 1003;
    pub const NOT_AUTHORIZED: i64 = 1004;
    pub const PARAMS: i64 = 1005;
    pub const QUOTA: i64 = 1006;
    pub const RATE: i64 = 1007;
    pub const NO_ORDER: i64 = 1008;
    pub const FAULT: i64 = 1009;
    pub const METHOD: i64 = 1010;
    pub const INTERNAL: i64 = 1011;
}

const ENDPOINTS: [&str; 9] = [
    "generateLink",
    "miniCode",
    "orderList",
    "order",
    "getqualityscorebysid",
    "mtunion/city",
    "mtunion/category",
    "mtunion/sku",
    "mtunion/poi",
];

/// The reply wrapper of an endpoint: `{"status","des"}` for the classic
/// endpoints, `{"code","msg"}` for `/api/mtunion/*` (dtapps
/// `api.mtunion.city.go:12-13`, same in `category`, `sku`, `poi`). Refusals
/// of `/api/mtunion/*` use the same codes in that wrapper (OUR ASSUMPTION).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Envelope {
    Status,
    Code,
}

impl Envelope {
    fn refuse(self, status: i64, des: &str, reason: &str) -> Response {
        match self {
            Envelope::Status => refuse(status, des, reason),
            Envelope::Code => json_reply(
                StatusCode::OK,
                &json!({"code": status, "msg": des}),
                Some(reason),
            ),
        }
    }
}

/// The refusal of a query whose percent-decoded bytes are not UTF-8.
pub(crate) const NOT_UTF8: &str = "参数错误: 参数不是合法的UTF-8编码";

fn refuse(status: i64, des: &str, reason: &str) -> Response {
    json_reply(
        StatusCode::OK,
        &json!({"status": status, "des": des}),
        Some(reason),
    )
}

fn ok(data: Value) -> Response {
    json_reply(
        StatusCode::OK,
        &json!({"status": 0, "des": "", "data": data}),
        None,
    )
}

/// A parameter problem, reported as `参数错误: <detail>`.
pub(crate) struct ParamError(pub String);

fn perr(s: impl Into<String>) -> ParamError {
    ParamError(s.into())
}

struct Params(Vec<(String, String)>);

impl Params {
    /// The value of `k`, `None` when absent or empty (SPEC: empty means
    /// "not sent" for the reference client).
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn int(&self, k: &str) -> Result<Option<i64>, ParamError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|_| v.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
                .map(Some)
                .ok_or_else(|| perr(format!("{k}必须是整数"))),
        }
    }

    fn int_in(&self, k: &str, lo: i64, hi: i64, default: Option<i64>) -> Result<i64, ParamError> {
        match self.int(k)?.or(default) {
            None => Err(perr(format!("{k}不能为空"))),
            Some(v) if v < lo || v > hi => Err(perr(format!("{k}取值范围为{lo}~{hi}"))),
            Some(v) => Ok(v),
        }
    }

    fn seconds(&self, k: &str) -> Result<i64, ParamError> {
        let v = self.get(k).ok_or_else(|| perr(format!("{k}不能为空")))?;
        if v.len() != 10 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(perr(format!("{k}必须是10位秒级时间戳")));
        }
        v.parse()
            .map_err(|_| perr(format!("{k}必须是10位秒级时间戳")))
    }

    fn sid(&self) -> Result<&str, ParamError> {
        let sid = self.get("sid").unwrap_or("");
        if sid.chars().count() > 64 {
            return Err(perr("sid长度不能超过64个字符"));
        }
        Ok(sid)
    }

    /// `skuId`: one product of the activity (generateLink: SPEC.md line 44;
    /// miniCode: yzchan-php `src/request/MiniCodeRequest.php` at fe7c5123).
    fn sku_id(&self) -> Result<Option<&str>, ParamError> {
        match self.get("skuId") {
            None | Some("") => Ok(None),
            Some(s) if s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(s)),
            Some(_) => Err(perr("skuId必须是整数")),
        }
    }

    fn act_id(&self, required: bool) -> Result<Option<&str>, ParamError> {
        match self.get("actId") {
            None if required => Err(perr("actId不能为空")),
            None => Ok(None),
            Some(a) if a.len() <= 18 && a.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(a)),
            Some(_) => Err(perr("actId必须是整数")),
        }
    }
}

pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
) -> Response {
    serve(shared, &name, method, query)
}

/// `/api/mtunion/{city,category,sku,poi}`: the same checks as every legacy
/// endpoint, the `{"code","msg","data"}` wrapper.
pub(crate) async fn handle_mtunion(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
) -> Response {
    serve(shared, &format!("mtunion/{name}"), method, query)
}

fn serve(shared: Arc<Shared>, name: &str, method: Method, query: Option<String>) -> Response {
    let Some(endpoint) = ENDPOINTS.iter().find(|e| **e == name) else {
        return json_reply(
            StatusCode::NOT_FOUND,
            &json!({"status": 404, "des": "接口不存在"}),
            Some("unknown legacy endpoint"),
        );
    };
    let env = if endpoint.starts_with("mtunion/") {
        Envelope::Code
    } else {
        Envelope::Status
    };
    if method != Method::GET {
        return env.refuse(
            code::METHOD,
            "不允许的请求方式，请使用GET",
            "method not allowed",
        );
    }
    // Parameters that are not UTF-8 are refused before anything else: the
    // sign covers the decoded text, which they do not have.
    let Some(pairs) = crate::urlencoded::parse_strict(query.unwrap_or_default().as_bytes()) else {
        return env.refuse(code::PARAMS, NOT_UTF8, "parameter is not valid UTF-8");
    };
    let params = Params(pairs);

    // 1. appkey
    let Some(appkey) = params.get("appkey") else {
        shared.record_unknown_appkey();
        return env.refuse(code::APPKEY, "缺少参数appkey", "appkey missing");
    };
    let Some((i, acct)) = shared.account(appkey) else {
        shared.record_unknown_appkey();
        return env.refuse(code::APPKEY, "appkey不存在", "unknown appkey");
    };

    // 2. sign, over every parameter sent except `sign` itself.
    let Some(given) = params
        .0
        .iter()
        .find(|(k, _)| k == "sign")
        .map(|(_, v)| v.as_str())
    else {
        shared.record(i, |d| d.refused_auth += 1);
        return env.refuse(code::SIGN, "缺少参数sign", "sign missing");
    };
    let signed: Vec<(&str, &str)> = params
        .0
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let expected = meituan_union::sign::legacy_sign(acct.secret.expose(), &signed);
    // Every SDK sends lower-case hex, but no source says Meituan refuses
    // upper case: compared case-insensitively.
    let given = given.to_ascii_lowercase();
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        shared.record(i, |d| d.refused_auth += 1);
        return env.refuse(code::SIGN, "签名错误", "sign mismatch");
    }

    // 3. ts (checked after the sign, which proves the client sent it).
    //    Documented only on orderList and getqualityscorebysid (dtapps
    //    api.orderList.go:55, api.getqualityscorebysid.go:41: `请求时刻10位
    //    时间戳(秒级)，有效期60s`); elsewhere it is checked when sent.
    let window = shared.config.legacy_ts_window.as_secs();
    let server_now_s = shared.server_now_ms().div_euclid(1000);
    //    dtapps documents it on the four `mtunion` calls too
    //    (api.mtunion.city.go:38, category :38, sku :43, poi :53).
    let ts_required =
        matches!(*endpoint, "orderList" | "getqualityscorebysid") || env == Envelope::Code;
    match params.get("ts") {
        None if !ts_required => {}
        None => {
            shared.record(i, |d| d.refused_auth += 1);
            return env.refuse(code::TIMESTAMP, "缺少参数ts", "ts missing");
        }
        Some(ts) => {
            let parsed = (ts.len() == 10 && ts.bytes().all(|b| b.is_ascii_digit()))
                .then(|| ts.parse::<i64>().ok())
                .flatten();
            let Some(ts) = parsed else {
                shared.record(i, |d| d.refused_auth += 1);
                return env.refuse(
                    code::TIMESTAMP,
                    "ts格式错误，应为10位秒级时间戳",
                    "ts malformed",
                );
            };
            if server_now_s.abs_diff(ts) > window {
                shared.record(i, |d| d.refused_auth += 1);
                return env.refuse(
                    code::TIMESTAMP,
                    &format!("请求已过期：ts与服务器时间相差超过{window}秒"),
                    "ts outside window",
                );
            }
        }
    }

    // 4. API authorization.
    if !shared.runtime(i).is_authorized() {
        shared.record(i, |d| d.refused_auth += 1);
        return env.refuse(
            code::NOT_AUTHORIZED,
            "API权限未开通",
            "authorization not approved",
        );
    }

    // 5. Burst rule and daily quota.
    match shared.admit(i, &format!("/api/{endpoint}")) {
        Ok(()) => {}
        Err(Refusal::Rate) => {
            return env.refuse(code::RATE, "请求过于频繁，请稍后再试", "rate limited")
        }
        Err(Refusal::Quota { limit }) => {
            return env.refuse(
                code::QUOTA,
                // The media quota words (vinzhuu/logseq-learn, code 403) and
                // the per-day limit (seed manual line 16, `2000次/天`). No
                // source gives the reset time, so the text does not state one
                // (the counter's Beijing-midnight day is our assumption).
                &format!("请求次数超过授权额度（每日{limit}次）"),
                "daily quota exhausted",
            );
        }
    }

    if params
        .0
        .iter()
        .enumerate()
        .any(|(n, (k, _))| params.0[..n].iter().any(|(k2, _)| k2 == k))
    {
        shared.record(i, |d| d.refused_params += 1);
        return env.refuse(code::PARAMS, "参数错误: 参数重复", "duplicate parameter");
    }

    let now_ms = shared.now_ms();
    let result = match *endpoint {
        "orderList" => order_list(&shared, i, &params, now_ms),
        "order" => order(&shared, i, &params, now_ms),
        "generateLink" => generate_link(appkey, &params),
        "miniCode" => mini_code(&shared.img_base(), appkey, &params),
        "mtunion/city" => mtunion::city(&params),
        "mtunion/category" => mtunion::category(&params),
        "mtunion/sku" => mtunion::sku(&shared, &params),
        "mtunion/poi" => mtunion::poi(&shared, &params),
        _ => quality_score(&shared, appkey, &params, now_ms),
    };
    match result {
        Ok(res) => res,
        Err(ParamError(detail)) => {
            shared.record(i, |d| d.refused_params += 1);
            env.refuse(
                code::PARAMS,
                &format!("参数错误: {detail}"),
                "bad parameter",
            )
        }
    }
}

/// An order as a legacy `orderList` item.
pub(crate) fn list_item(o: &Order, st: &OrderState, appkey: &str) -> Value {
    let mut m = Map::new();
    m.insert("orderid".into(), o.orderid.clone().into());
    m.insert("paytime".into(), o.paytime.to_string().into());
    m.insert("payprice".into(), data::yuan(o.payprice).into());
    m.insert("profit".into(), data::yuan(o.profit).into());
    m.insert("cpaProfit".into(), data::yuan(o.cpa_profit).into());
    m.insert("sid".into(), o.sid.clone().into());
    m.insert("appkey".into(), appkey.into());
    m.insert("smstitle".into(), o.smstitle.clone().into());
    m.insert("productId".into(), o.product_id.clone().into());
    m.insert("productName".into(), o.product_name.clone().into());
    if st.refunded {
        m.insert("refundprice".into(), data::yuan(o.payprice).into());
        m.insert("refundtime".into(), o.fate_at.to_string().into());
        m.insert("refundprofit".into(), data::yuan(o.profit).into());
        m.insert("cpaRefundProfit".into(), data::yuan(o.cpa_profit).into());
    }
    m.insert("status".into(), (st.status as i64).into());
    m.insert("tradeTypeList".into(), json!(o.trade_types));
    m.insert("riskOrder".into(), i64::from(st.risk).into());
    m.insert("actId".into(), o.act_id.into());
    m.insert("businessLine".into(), o.legacy_line.into());
    m.insert("subBusinessLine".into(), o.legacy_sub.into());
    m.insert("modTime".into(), st.mod_time.to_string().into());
    m.insert("extra".into(), "".into());
    m.insert("tradeTypeBusinessTypeMapStr".into(), "".into());
    Value::Object(m)
}

fn order_list(shared: &Shared, i: usize, p: &Params, now_ms: i64) -> Result<Response, ParamError> {
    let act_id = p.act_id(false)?;
    let business_line = p.int("businessLine")?;
    if act_id.is_none() && business_line.is_none() {
        return Err(perr("businessLine和actId至少传一个"));
    }
    let start = p.seconds("startTime")?;
    let end = p.seconds("endTime")?;
    if end < start {
        return Err(perr("endTime不能早于startTime"));
    }
    if end - start > 86_400 {
        return Err(perr("查询时间范围不能超过1天"));
    }
    let page = p.int_in("page", 1, 1_000_000, Some(1))?;
    let limit = p.int_in("limit", 1, 100, Some(20))?;
    let time_type =
        TimeType::from_code(p.int_in("queryTimeType", 1, 2, Some(1))?).unwrap_or(TimeType::Pay);
    let acct = &shared.accounts[i];
    let book = read(&acct.book);
    let act: Option<u32> = act_id.and_then(|a| a.parse().ok());
    let now_s = now_ms.div_euclid(1000);
    let rows = book.select(now_s, start, end, time_type, View::Legacy, |o| {
        business_line.is_none_or(|b| i64::from(o.legacy_line) == b)
            && act.is_none_or(|a| o.act_id == a)
    });
    let total = rows.len();
    let data_list: Vec<Value> = rows
        .iter()
        .skip(((page - 1) * limit) as usize)
        .take(limit as usize)
        .map(|(o, st)| list_item(o, st, &acct.appkey))
        .collect();
    // Success has no status wrapper (SPEC A.2).
    Ok(json_reply(
        StatusCode::OK,
        &json!({"dataList": data_list, "total": total}),
        None,
    ))
}

fn order(shared: &Shared, i: usize, p: &Params, now_ms: i64) -> Result<Response, ParamError> {
    let order_id = p.get("orderId").ok_or_else(|| perr("orderId不能为空"))?;
    let business_line = p.int("businessLine")?;
    let act_id = p.act_id(false)?;
    let full = p.int_in("full", 0, 1, Some(0))? == 1;
    let acct = &shared.accounts[i];
    let book = read(&acct.book);
    let found = book.get(order_id).and_then(|o| {
        let st = o.state_at(now_ms.div_euclid(1000))?;
        let bl_ok = business_line.is_none_or(|b| i64::from(o.legacy_line) == b);
        let act_ok = act_id.is_none_or(|a| a == o.act_id.to_string());
        (bl_ok && act_ok).then_some((o, st))
    });
    let Some((o, st)) = found else {
        return Ok(refuse(code::NO_ORDER, "订单不存在", "no such order"));
    };
    let mut m = Map::new();
    m.insert("actId".into(), o.act_id.into());
    m.insert("businessLine".into(), o.legacy_line.into());
    m.insert("subBusinessLine".into(), o.legacy_sub.into());
    m.insert("quantity".into(), o.quantity.into());
    m.insert("orderId".into(), o.orderid.clone().into());
    m.insert("paytime".into(), o.paytime.to_string().into());
    m.insert("modTime".into(), st.mod_time.to_string().into());
    m.insert("payprice".into(), data::yuan(o.payprice).into());
    m.insert("profit".into(), data::yuan(o.profit).into());
    m.insert("cpaProfit".into(), data::yuan(o.cpa_profit).into());
    m.insert("sid".into(), o.sid.clone().into());
    m.insert("appkey".into(), acct.appkey.clone().into());
    m.insert("smstitle".into(), o.smstitle.clone().into());
    m.insert("status".into(), (st.status as i64).into());
    m.insert("tradeTypeList".into(), json!(o.trade_types));
    m.insert("riskOrder".into(), i64::from(st.risk).into());
    let (refund_profit, cpa_refund) = if st.refunded {
        (data::yuan(o.profit), data::yuan(o.cpa_profit))
    } else {
        (String::new(), String::new())
    };
    m.insert("refundprofit".into(), refund_profit.into());
    m.insert("cpaRefundProfit".into(), cpa_refund.into());
    m.insert("productId".into(), o.product_id.clone().into());
    m.insert("productName".into(), o.product_name.clone().into());
    if full {
        let refunds = if st.refunded {
            json!([{"id": format!("{}01", o.orderid), "refundPrice": data::yuan(o.payprice),
                    "refundTime": o.fate_at.to_string(), "refundType": 1}])
        } else {
            json!([])
        };
        let refund_profits = if st.refunded {
            json!([{"id": format!("{}01", o.orderid), "refundProfit": data::yuan(o.profit),
                    "refundFinishTime": o.fate_at.to_string(), "type": 1}])
        } else {
            json!([])
        };
        let consume = if st.status == LegacyStatus::Completed {
            json!([{"id": format!("{}02", o.orderid), "consumeProfit": data::yuan(o.profit),
                    "consumeFinishTime": o.fate_at.to_string(), "type": "1"}])
        } else {
            json!([])
        };
        m.insert("refundInfoList".into(), refunds);
        m.insert("refundProfitList".into(), refund_profits);
        m.insert("consumeProfitList".into(), consume);
    }
    Ok(ok(Value::Object(m)))
}

fn generate_link(appkey: &str, p: &Params) -> Result<Response, ParamError> {
    let act_id = p.act_id(true)?.unwrap_or_default();
    let sku_id = p.sku_id()?;
    let sid = p.sid()?;
    let link_type = p.int_in("linkType", 1, 8, None)? as u8;
    let short = p.int_in("shortLink", 0, 1, Some(0))? == 1;
    Ok(ok(links::legacy_link(
        appkey, act_id, sku_id, sid, link_type, short,
    )
    .into()))
}

fn mini_code(img_base: &str, appkey: &str, p: &Params) -> Result<Response, ParamError> {
    let act_id = p.act_id(true)?.unwrap_or_default();
    let sku_id = p.sku_id()?;
    let sid = p.sid()?;
    let link_type = p.int_in("linkType", 4, 8, Some(4))?;
    if link_type != 4 && link_type != 8 {
        return Err(perr("linkType只能为4或8"));
    }
    Ok(ok(links::mini_code(
        img_base,
        appkey,
        act_id,
        sku_id,
        sid,
        link_type as u8,
    )
    .into()))
}

/// `yyyy-MM-dd` or `yyyyMMdd`, digits only, a real calendar day.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let (y, m, d) = match b.len() {
        10 if b[4] == b'-'
            && b[7] == b'-'
            && digits(&b[..4])
            && digits(&b[5..7])
            && digits(&b[8..]) =>
        {
            (&s[..4], &s[5..7], &s[8..])
        }
        8 if digits(b) => (&s[..4], &s[4..6], &s[6..]),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn quality_score(
    shared: &Shared,
    appkey: &str,
    p: &Params,
    now_ms: i64,
) -> Result<Response, ParamError> {
    let sid = p.sid()?;
    // 1 预估 (estimated), 2 实际 (actual): the sandbox serves the same figures.
    p.int_in("type", 1, 2, Some(1))?;
    p.int_in("businessLine", 4, 4, Some(4))?;
    let begin = p
        .get("beginDate")
        .and_then(parse_date)
        .ok_or_else(|| perr("beginDate格式应为yyyy-MM-dd"))?;
    let end = p
        .get("endDate")
        .and_then(parse_date)
        .ok_or_else(|| perr("endDate格式应为yyyy-MM-dd"))?;
    if end < begin {
        return Err(perr("endDate不能早于beginDate"));
    }
    // "起始时间应晚于三个月前", read leniently: from the first day of the
    // Beijing month three months before this one.
    let earliest = month_start_offset(beijing_day(now_ms), -3);
    if begin < earliest {
        return Err(perr(format!(
            "beginDate不能早于{}（只支持查询近3个月）",
            earliest.format("%Y-%m-%d")
        )));
    }
    // `日期间隔最长为90天` (yzchan/meituan-union-php
    // src/request/traits/DateBetweenTrait.php:8).
    if (end - begin).num_days() > 90 {
        return Err(perr("查询日期范围不能超过90天"));
    }
    let page_no = p.int_in("pageNo", 1, 1_000_000, Some(1))?;
    let page_size = p.int_in("pageSize", 1, 100, Some(20))?;
    let sids: Vec<&str> = if sid.is_empty() {
        data::SIDS.to_vec()
    } else {
        vec![sid]
    };
    let mut rows = Vec::new();
    for day in begin.iter_days().take_while(|d| *d <= end) {
        for s in &sids {
            let h = data::fnv1a(format!("{}:{appkey}:{s}:{day}", shared.config.seed).as_bytes());
            let grade = ["A", "B", "C", "D"][(h % 4) as usize];
            let rate = (h >> 8) % 60;
            rows.push(json!({
                "appkey": appkey, "sid": s, "date": day.format("%Y-%m-%d").to_string(),
                "qualityGrade": grade, "repurchaseRate": format!("0.{rate:02}"),
            }));
        }
    }
    let total = rows.len();
    let list: Vec<Value> = rows
        .into_iter()
        .skip(((page_no - 1) * page_size) as usize)
        .take(page_size as usize)
        .collect();
    Ok(ok(json!({"dataList": list, "total": total})))
}
