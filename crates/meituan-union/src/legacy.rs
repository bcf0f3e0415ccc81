//! Typed endpoints of the legacy union API on `openapi.meituan.com`
//! (SPEC.md A.2): HTTP GET, query string signed with MD5.
//!
//! Each request lists its own parameters; the client adds `appkey`, `ts`
//! and `sign`. Empty parameters are never listed, so what is signed is what
//! is sent (SPEC.md A.4 reference policy).

use crate::de::{lenient_i64, lenient_i64_list, lenient_string};
use crate::enums::*;
use crate::validate;
use crate::Error;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A legacy endpoint: its path, its parameters, and how to read its answer.
pub trait LegacyEndpoint {
    type Response;
    /// Path under the legacy base URL, e.g. `/api/orderList`.
    const PATH: &'static str;

    /// Checks the arguments; nothing is sent when this fails.
    fn validate(&self) -> Result<(), Error>;

    /// Parameters besides `appkey`, `ts` and `sign`, as decimal or raw
    /// strings, never empty.
    fn params(&self) -> Vec<(&'static str, String)>;

    /// Reads a successful answer (the `status`/`code` envelope has already
    /// been checked). The error text becomes [`Error::Decode`]'s reason.
    fn decode(body: Value) -> Result<Self::Response, String>;
}

fn push_opt(params: &mut Vec<(&'static str, String)>, key: &'static str, value: Option<String>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        params.push((key, v));
    }
}

fn bool01(b: bool) -> String {
    if b { "1" } else { "0" }.to_owned()
}

/// `data` of a `{status, des, data}` answer.
fn data_field(body: Value) -> Result<Value, String> {
    match body {
        Value::Object(mut m) => m
            .remove("data")
            .ok_or_else(|| "no \"data\" field".to_owned()),
        _ => Err("the answer is not a JSON object".to_owned()),
    }
}

fn data_url(body: Value) -> Result<String, String> {
    match data_field(body)? {
        Value::String(s) if !s.is_empty() => Ok(s),
        Value::String(_) => Err("\"data\" is empty".to_owned()),
        other => Err(format!("\"data\" is not a string: {other}")),
    }
}

// ---------------------------------------------------------------------------
// /api/generateLink
// ---------------------------------------------------------------------------

/// `/api/generateLink`: a promotion link for an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateLinkRequest {
    pub act_id: String,
    pub sid: Option<String>,
    pub link_type: LegacyLinkType,
    /// `shortLink`: sent as `"1"`/`"0"`, never as a bool (vector L10).
    pub short_link: bool,
    pub city_id: Option<u64>,
    pub sku_id: Option<String>,
    pub category_id: Option<u64>,
}

impl GenerateLinkRequest {
    pub fn new(act_id: impl Into<String>, link_type: LegacyLinkType) -> Self {
        GenerateLinkRequest {
            act_id: act_id.into(),
            sid: None,
            link_type,
            short_link: false,
            city_id: None,
            sku_id: None,
            category_id: None,
        }
    }
}

/// The generated link (or mini-code image URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkResponse {
    pub url: String,
}

impl LegacyEndpoint for GenerateLinkRequest {
    type Response = LinkResponse;
    const PATH: &'static str = "/api/generateLink";

    fn validate(&self) -> Result<(), Error> {
        validate::numeric_id("actId", &self.act_id)?;
        if let Some(sid) = &self.sid {
            validate::sid("sid", sid)?;
        }
        if let Some(sku) = &self.sku_id {
            validate::numeric_id("skuId", sku)?;
        }
        Ok(())
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("actId", self.act_id.clone()),
            ("linkType", self.link_type.code().to_string()),
            ("shortLink", bool01(self.short_link)),
        ];
        push_opt(&mut p, "sid", self.sid.clone());
        push_opt(&mut p, "cityId", self.city_id.map(|v| v.to_string()));
        push_opt(&mut p, "skuId", self.sku_id.clone());
        push_opt(
            &mut p,
            "categoryId",
            self.category_id.map(|v| v.to_string()),
        );
        p
    }

    fn decode(body: Value) -> Result<LinkResponse, String> {
        data_url(body).map(|url| LinkResponse { url })
    }
}

// ---------------------------------------------------------------------------
// /api/miniCode
// ---------------------------------------------------------------------------

/// `/api/miniCode`: a mini-program QR code image URL; `link_type` must be
/// [`LegacyLinkType::WechatMiniProgram`] (4) or
/// [`LegacyLinkType::YouxuanMiniProgram`] (8). `sku_id` asks for one
/// product of the activity (yzchan-php `src/request/MiniCodeRequest.php`
/// at fe7c5123, lines 7 and 23: the request carries `skuId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiniCodeRequest {
    pub act_id: String,
    pub sid: Option<String>,
    pub link_type: LegacyLinkType,
    pub sku_id: Option<String>,
}

impl LegacyEndpoint for MiniCodeRequest {
    type Response = LinkResponse;
    const PATH: &'static str = "/api/miniCode";

    fn validate(&self) -> Result<(), Error> {
        validate::numeric_id("actId", &self.act_id)?;
        if let Some(sid) = &self.sid {
            validate::sid("sid", sid)?;
        }
        if !matches!(
            self.link_type,
            LegacyLinkType::WechatMiniProgram | LegacyLinkType::YouxuanMiniProgram
        ) {
            return Err(Error::invalid(
                "linkType",
                format!("is {}; a mini code needs 4 or 8", self.link_type.code()),
            ));
        }
        if let Some(sku) = &self.sku_id {
            validate::numeric_id("skuId", sku)?;
        }
        Ok(())
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("actId", self.act_id.clone()),
            ("linkType", self.link_type.code().to_string()),
        ];
        push_opt(&mut p, "sid", self.sid.clone());
        push_opt(&mut p, "skuId", self.sku_id.clone());
        p
    }

    fn decode(body: Value) -> Result<LinkResponse, String> {
        data_url(body).map(|url| LinkResponse { url })
    }
}

// ---------------------------------------------------------------------------
// /api/orderList
// ---------------------------------------------------------------------------

/// `/api/orderList`: one page of orders in a window of at most one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderListRequest {
    /// At least one of `business_line` and `act_id` (“至少有一个”).
    pub business_line: Option<BusinessLine>,
    pub act_id: Option<String>,
    /// Epoch seconds; `end_time - start_time` ≤ 86 400.
    pub start_time: i64,
    pub end_time: i64,
    /// From 1.
    pub page: u32,
    /// 1..=100.
    pub limit: u32,
    pub query_time_type: QueryTimeType,
}

/// One order of `/api/orderList` (and the `data` of `/api/order`). Money
/// stays text (`"30.50"`), exactly as sent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyOrder {
    #[serde(default, alias = "orderId", deserialize_with = "lenient_string")]
    pub orderid: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub paytime: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub payprice: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub profit: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub cpa_profit: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub sid: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub appkey: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub smstitle: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub product_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub refundprice: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub refundtime: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub refundprofit: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub cpa_refund_profit: Option<String>,
    /// See [`LegacyOrder::status`].
    #[serde(default, rename = "status", deserialize_with = "lenient_i64")]
    pub status_code: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64_list")]
    pub trade_type_list: Vec<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub risk_order: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub act_id: Option<String>,
    #[serde(default, rename = "businessLine", deserialize_with = "lenient_i64")]
    pub business_line_code: Option<i64>,
    #[serde(default, rename = "subBusinessLine", deserialize_with = "lenient_i64")]
    pub sub_business_line_code: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub mod_time: Option<i64>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LegacyOrder {
    pub fn status(&self) -> Option<LegacyOrderStatus> {
        self.status_code.and_then(LegacyOrderStatus::from_code)
    }
    pub fn business_line(&self) -> Option<BusinessLine> {
        self.business_line_code.and_then(BusinessLine::from_code)
    }
    pub fn sub_business_line(&self) -> Option<SubBusinessLine> {
        self.sub_business_line_code
            .and_then(SubBusinessLine::from_code)
    }
    /// `riskOrder` 1 (`/api/orderList`), or `riskApiOrder` 1, the name
    /// dtapps/go-library documents on `/api/order`
    /// (`service/meituan/api.order.go:29`, `0表示非风控订单，1表示风控订单`).
    pub fn is_risk_order(&self) -> bool {
        let flag = |v: Option<&Value>| match v {
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            Some(Value::String(s)) => s.trim() == "1",
            _ => false,
        };
        self.risk_order == Some(1) || flag(self.extra.get("riskApiOrder"))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderListResponse {
    pub orders: Vec<LegacyOrder>,
    pub total: i64,
}

impl LegacyEndpoint for OrderListRequest {
    type Response = OrderListResponse;
    const PATH: &'static str = "/api/orderList";

    fn validate(&self) -> Result<(), Error> {
        if self.business_line.is_none() && self.act_id.is_none() {
            return Err(Error::invalid(
                "businessLine",
                "give a business line, an actId, or both",
            ));
        }
        if let Some(act) = &self.act_id {
            validate::numeric_id("actId", act)?;
        }
        validate::window(
            self.start_time,
            self.end_time,
            Some(validate::MAX_LEGACY_ORDER_WINDOW_SECS),
        )?;
        validate::page("page", self.page)?;
        validate::limit("limit", self.limit, validate::MAX_ORDER_LIMIT)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("startTime", self.start_time.to_string()),
            ("endTime", self.end_time.to_string()),
            ("page", self.page.to_string()),
            ("limit", self.limit.to_string()),
            ("queryTimeType", self.query_time_type.code().to_string()),
        ];
        push_opt(
            &mut p,
            "businessLine",
            self.business_line.map(|b| b.code().to_string()),
        );
        push_opt(&mut p, "actId", self.act_id.clone());
        p
    }

    fn decode(body: Value) -> Result<OrderListResponse, String> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Page {
            data_list: Option<Vec<LegacyOrder>>,
            #[serde(default, deserialize_with = "lenient_i64")]
            total: Option<i64>,
        }
        // Documented without a wrapper; accept a `data` wrapper too.
        let body = match body {
            Value::Object(mut m) if !m.contains_key("dataList") && m.contains_key("data") => {
                m.remove("data").unwrap_or(Value::Null)
            }
            other => other,
        };
        let page: Page = serde_json::from_value(body).map_err(|e| e.to_string())?;
        let orders = page
            .data_list
            .ok_or_else(|| "no \"dataList\" field".to_owned())?;
        let total = page.total.unwrap_or(orders.len() as i64);
        Ok(OrderListResponse { orders, total })
    }
}

// ---------------------------------------------------------------------------
// /api/order
// ---------------------------------------------------------------------------

/// `/api/order`: one order by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub order_id: String,
    pub business_line: Option<BusinessLine>,
    pub act_id: Option<String>,
    /// `full`: also return refund and profit detail lists.
    pub full: bool,
    /// Required by Meituan for 团好货 orders.
    pub product_id: Option<String>,
}

impl LegacyEndpoint for OrderRequest {
    type Response = LegacyOrder;
    const PATH: &'static str = "/api/order";

    fn validate(&self) -> Result<(), Error> {
        validate::numeric_id("orderId", &self.order_id)?;
        if let Some(act) = &self.act_id {
            validate::numeric_id("actId", act)?;
        }
        if let Some(pid) = &self.product_id {
            validate::text("productId", pid, 64)?;
        }
        Ok(())
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("orderId", self.order_id.clone()),
            ("full", bool01(self.full)),
        ];
        push_opt(
            &mut p,
            "businessLine",
            self.business_line.map(|b| b.code().to_string()),
        );
        push_opt(&mut p, "actId", self.act_id.clone());
        push_opt(&mut p, "productId", self.product_id.clone());
        p
    }

    fn decode(body: Value) -> Result<LegacyOrder, String> {
        let data = data_field(body)?;
        if !data.is_object() {
            return Err(format!("\"data\" is not an object: {data}"));
        }
        serde_json::from_value(data).map_err(|e| e.to_string())
    }
}

// ---------------------------------------------------------------------------
// /api/getqualityscorebysid
// ---------------------------------------------------------------------------

/// Longest `getqualityscorebysid` range in days (`日期间隔最长为90天`,
/// yzchan/meituan-union-php `src/request/traits/DateBetweenTrait.php:8`).
pub const MAX_QUALITY_RANGE_DAYS: i64 = 90;

/// `/api/getqualityscorebysid`: 优选 sid quality score and repurchase rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityScoreRequest {
    pub sid: Option<String>,
    pub score_type: QualityScoreType,
    /// Defaults to [`BusinessLine::Youxuan`] (the only one documented).
    pub business_line: BusinessLine,
    /// `yyyy-mm-dd`; at most 90 days apart (`日期间隔最长为90天`,
    /// yzchan/meituan-union-php `src/request/traits/DateBetweenTrait.php:8`).
    /// `beginDate` must also be later than three months ago (`:7`); the
    /// client has no clock here and leaves that check to Meituan.
    pub begin_date: NaiveDate,
    pub end_date: NaiveDate,
    pub city_id: Option<u64>,
    pub category_id: Option<u64>,
    pub promotion_type: Option<u32>,
    pub page_no: u32,
    /// 1..=100.
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QualityScore {
    #[serde(default, deserialize_with = "lenient_string")]
    pub appkey: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub sid: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub date: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub quality_grade: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub repurchase_rate: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QualityScoreResponse {
    pub scores: Vec<QualityScore>,
    pub total: i64,
}

impl LegacyEndpoint for QualityScoreRequest {
    type Response = QualityScoreResponse;
    const PATH: &'static str = "/api/getqualityscorebysid";

    fn validate(&self) -> Result<(), Error> {
        if let Some(sid) = &self.sid {
            validate::sid("sid", sid)?;
        }
        if self.begin_date > self.end_date {
            return Err(Error::invalid("endDate", "must not be before beginDate"));
        }
        if (self.end_date - self.begin_date).num_days() > MAX_QUALITY_RANGE_DAYS {
            return Err(Error::invalid(
                "endDate",
                format!("at most {MAX_QUALITY_RANGE_DAYS} days after beginDate"),
            ));
        }
        validate::page("pageNo", self.page_no)?;
        validate::limit("pageSize", self.page_size, 100)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("type", self.score_type.code().to_string()),
            ("businessLine", self.business_line.code().to_string()),
            ("beginDate", self.begin_date.format("%Y-%m-%d").to_string()),
            ("endDate", self.end_date.format("%Y-%m-%d").to_string()),
            ("pageNo", self.page_no.to_string()),
            ("pageSize", self.page_size.to_string()),
        ];
        push_opt(&mut p, "sid", self.sid.clone());
        push_opt(&mut p, "cityId", self.city_id.map(|v| v.to_string()));
        push_opt(
            &mut p,
            "categoryId",
            self.category_id.map(|v| v.to_string()),
        );
        push_opt(
            &mut p,
            "promotionType",
            self.promotion_type.map(|v| v.to_string()),
        );
        p
    }

    fn decode(body: Value) -> Result<QualityScoreResponse, String> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            #[serde(default)]
            data_list: Option<Vec<QualityScore>>,
            #[serde(default, deserialize_with = "lenient_i64")]
            total: Option<i64>,
        }
        let data: Data = serde_json::from_value(data_field(body)?).map_err(|e| e.to_string())?;
        let scores = data.data_list.unwrap_or_default();
        let total = data.total.unwrap_or(scores.len() as i64);
        Ok(QualityScoreResponse { scores, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order_list() -> OrderListRequest {
        OrderListRequest {
            business_line: Some(BusinessLine::WaimaiShangou),
            act_id: Some("33".into()),
            start_time: 1_699_977_600,
            end_time: 1_700_064_000,
            page: 1,
            limit: 100,
            query_time_type: QueryTimeType::PayTime,
        }
    }

    fn invalid_field(r: Result<(), Error>) -> &'static str {
        match r {
            Err(Error::InvalidArgument { field, .. }) => field,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn order_list_params_are_the_vector_l01_params() {
        let mut p = order_list().params();
        p.sort();
        let want = [
            ("actId", "33"),
            ("businessLine", "2"),
            ("endTime", "1700064000"),
            ("limit", "100"),
            ("page", "1"),
            ("queryTimeType", "1"),
            ("startTime", "1699977600"),
        ];
        let got: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn order_list_validation() {
        assert!(order_list().validate().is_ok());
        let mut r = order_list();
        r.end_time = r.start_time + 86_401;
        assert_eq!(invalid_field(r.validate()), "endTime");
        let mut r = order_list();
        r.end_time = r.start_time;
        assert_eq!(invalid_field(r.validate()), "endTime");
        let mut r = order_list();
        r.limit = 101;
        assert_eq!(invalid_field(r.validate()), "limit");
        let mut r = order_list();
        r.page = 0;
        assert_eq!(invalid_field(r.validate()), "page");
        let mut r = order_list();
        r.business_line = None;
        r.act_id = None;
        assert_eq!(invalid_field(r.validate()), "businessLine");
    }

    #[test]
    fn empty_params_are_never_listed() {
        let mut r = order_list();
        r.act_id = None;
        assert!(r
            .params()
            .iter()
            .all(|(k, v)| *k != "actId" && !v.is_empty()));
        let mut g = GenerateLinkRequest::new("33", LegacyLinkType::H5);
        g.sid = Some(String::new());
        g.sku_id = Some(String::new());
        assert!(g.params().iter().all(|(_, v)| !v.is_empty()));
        assert!(g.params().contains(&("shortLink", "0".to_owned())));
    }

    #[test]
    fn generate_link_validation() {
        let mut g = GenerateLinkRequest::new("33", LegacyLinkType::H5);
        g.sid = Some("x".repeat(65));
        assert_eq!(invalid_field(g.validate()), "sid");
        g.sid = Some("ok_sid".into());
        assert!(g.validate().is_ok());
        let g = GenerateLinkRequest::new("", LegacyLinkType::H5);
        assert_eq!(invalid_field(g.validate()), "actId");
        let m = MiniCodeRequest {
            act_id: "33".into(),
            sid: None,
            link_type: LegacyLinkType::H5,
            sku_id: None,
        };
        assert_eq!(invalid_field(m.validate()), "linkType");
        let m = MiniCodeRequest {
            link_type: LegacyLinkType::WechatMiniProgram,
            sku_id: Some("12a".into()),
            ..m
        };
        assert_eq!(invalid_field(m.validate()), "skuId");
        let m = MiniCodeRequest {
            sku_id: Some("1234".into()),
            ..m
        };
        assert!(m.params().contains(&("skuId", "1234".into())));
    }

    #[test]
    fn decodes_order_list_with_string_or_number_fields() {
        let body = json!({"dataList":[
            {"orderid":"1","paytime":"1700000000","payprice":"30.50","status":"8","tradeTypeList":[2,3],"businessLine":2,"extraField":"x"},
            {"orderid":2,"paytime":1700000001,"payprice":30.5,"status":9,"riskOrder":1}
        ],"total":"2"});
        let r = OrderListRequest::decode(body).unwrap();
        assert_eq!(r.total, 2);
        assert_eq!(r.orders[0].status(), Some(LegacyOrderStatus::Completed));
        assert_eq!(r.orders[0].trade_type_list, vec![2, 3]);
        assert_eq!(
            r.orders[0].business_line(),
            Some(BusinessLine::WaimaiShangou)
        );
        assert_eq!(r.orders[0].extra.get("extraField"), Some(&json!("x")));
        assert_eq!(r.orders[1].orderid.as_deref(), Some("2"));
        assert_eq!(r.orders[1].payprice.as_deref(), Some("30.5"));
        assert!(r.orders[1].is_risk_order());
        assert!(OrderListRequest::decode(json!({"total":0})).is_err());
    }

    #[test]
    fn decodes_link_and_order() {
        let r = GenerateLinkRequest::decode(json!({"status":0,"des":"","data":"https://x"}));
        assert_eq!(r.unwrap().url, "https://x");
        assert!(GenerateLinkRequest::decode(json!({"status":0,"data":""})).is_err());
        let o =
            OrderRequest::decode(json!({"status":0,"data":{"orderId":"9","status":1}})).unwrap();
        assert_eq!(o.orderid.as_deref(), Some("9"));
        assert_eq!(o.status(), Some(LegacyOrderStatus::Paid));
    }

    #[test]
    fn quality_score_params_and_validation() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mut q = QualityScoreRequest {
            sid: None,
            score_type: QualityScoreType::Estimated,
            business_line: BusinessLine::Youxuan,
            begin_date: d("2024-01-01"),
            end_date: d("2024-01-31"),
            city_id: None,
            category_id: None,
            promotion_type: None,
            page_no: 1,
            page_size: 20,
        };
        assert!(q.validate().is_ok());
        assert!(q.params().contains(&("beginDate", "2024-01-01".to_owned())));
        q.end_date = d("2024-03-31");
        assert!(q.validate().is_ok(), "90 days apart is the limit");
        q.end_date = d("2024-04-01");
        assert_eq!(invalid_field(q.validate()), "endDate");
    }
}
