//! Typed endpoints of the `media.meituan.com` cps_open gateway (SPEC.md C):
//! HTTP POST with a JSON body, signed with S-Ca HMAC-SHA256.
//!
//! The request types serialize to the JSON body (absent options are left
//! out). The client serializes once, hashes those bytes for `Content-MD5`
//! and sends the same bytes.

use crate::de::{lenient_i64, lenient_string};
use crate::enums::*;
use crate::validate;
use crate::Error;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A cps_open endpoint: its path, its JSON body, and how to read its answer.
pub trait MediaEndpoint: Serialize {
    type Response;
    /// Path under the media base URL.
    const PATH: &'static str;

    /// Checks the arguments; nothing is sent when this fails.
    fn validate(&self) -> Result<(), Error>;

    /// Reads a successful answer (the `code`/`status` envelope has already
    /// been checked).
    fn decode(body: Value) -> Result<Self::Response, String>;
}

fn take_field(body: &mut Value, key: &str) -> Option<Value> {
    body.as_object_mut().and_then(|m| m.remove(key))
}

// ---------------------------------------------------------------------------
// get_referral_link
// ---------------------------------------------------------------------------

/// `get_referral_link`: a promotion link for an activity (`act_id`), a
/// product (`sku_view_id`) or a pasted Meituan URL/text (`text`) — exactly
/// one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferralLinkRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub act_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_view_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub sid: String,
    /// One link type, or…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_type: Option<MediaLinkType>,
    /// …several at once (wins over `link_type` on Meituan's side).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_type_list: Option<Vec<MediaLinkType>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_line: Option<i64>,
}

impl ReferralLinkRequest {
    pub fn for_activity(
        act_id: impl Into<String>,
        sid: impl Into<String>,
        link_type: MediaLinkType,
    ) -> Self {
        ReferralLinkRequest {
            act_id: Some(act_id.into()),
            sku_view_id: None,
            text: None,
            sid: sid.into(),
            link_type: Some(link_type),
            link_type_list: None,
            platform: None,
            biz_line: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralLinkResponse {
    /// `data`: the link when one link type was asked for.
    pub link: Option<String>,
    /// `referralLinkMap`: link type code → link, when several were asked for.
    pub links: BTreeMap<String, String>,
    /// Set when a pasted product link resolved to a product.
    pub sku_view_id: Option<String>,
}

impl MediaEndpoint for ReferralLinkRequest {
    type Response = ReferralLinkResponse;
    const PATH: &'static str = "/cps_open/common/api/v1/get_referral_link";

    fn validate(&self) -> Result<(), Error> {
        let targets = [
            self.act_id.is_some(),
            self.sku_view_id.is_some(),
            self.text.is_some(),
        ]
        .iter()
        .filter(|t| **t)
        .count();
        if targets != 1 {
            return Err(Error::invalid(
                "actId",
                "give exactly one of actId, skuViewId and text",
            ));
        }
        if let Some(act) = &self.act_id {
            validate::numeric_id("actId", act)?;
        }
        if let Some(sku) = &self.sku_view_id {
            validate::text("skuViewId", sku, 128)?;
        }
        if let Some(text) = &self.text {
            validate::text("text", text, 2048)?;
        }
        validate::sid("sid", &self.sid)?;
        match (&self.link_type, &self.link_type_list) {
            (None, None) => Err(Error::invalid("linkType", "give a link type")),
            (_, Some(list)) if list.is_empty() => {
                Err(Error::invalid("linkTypeList", "must not be empty"))
            }
            _ => Ok(()),
        }
    }

    fn decode(mut body: Value) -> Result<ReferralLinkResponse, String> {
        let link = match take_field(&mut body, "data") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => return Err(format!("\"data\" is not a string: {other}")),
        };
        let mut links = BTreeMap::new();
        if let Some(Value::Object(m)) = take_field(&mut body, "referralLinkMap") {
            for (k, v) in m {
                if let Value::String(s) = v {
                    links.insert(k, s);
                }
            }
        }
        let sku_view_id = match take_field(&mut body, "skuViewId") {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        if link.is_none() && links.is_empty() {
            return Err("no link in \"data\" or \"referralLinkMap\"".to_owned());
        }
        Ok(ReferralLinkResponse {
            link,
            links,
            sku_view_id,
        })
    }
}

// ---------------------------------------------------------------------------
// query_order
// ---------------------------------------------------------------------------

/// `query_order`: orders of the last three months, by pay or update time,
/// with numbered pages or scroll paging.
///
/// Scroll paging: set `search_type` to [`SearchType::Scroll`] and leave
/// `scroll_id` empty for the first page; then call
/// [`QueryOrderRequest::next_scroll_page`] with each answer until it returns
/// `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryOrderRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Business line codes of the chosen platform (`999` 新客CPA, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub business_line: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_time_type: Option<QueryTimeType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<TradeType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_type: Option<SearchType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scroll_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl QueryOrderRequest {
    /// A window query (the shape of vector M01), first page.
    pub fn window(
        start_time: i64,
        end_time: i64,
        query_time_type: QueryTimeType,
        search_type: SearchType,
        limit: u32,
    ) -> Self {
        QueryOrderRequest {
            platform: None,
            business_line: Vec::new(),
            order_id: None,
            sid: None,
            start_time: Some(start_time),
            end_time: Some(end_time),
            query_time_type: Some(query_time_type),
            trade_type: None,
            search_type: Some(search_type),
            scroll_id: None,
            page: Some(1),
            limit: Some(limit),
        }
    }

    /// The request for the page after `answer`, or `None` when the answer
    /// was the last page: in scroll mode when no `scrollId` came back or the
    /// page was short; in page mode when the page was short.
    pub fn next_scroll_page(&self, answer: &QueryOrderResponse) -> Option<QueryOrderRequest> {
        let limit = self.limit.unwrap_or(validate::MAX_ORDER_LIMIT) as usize;
        if answer.orders.is_empty() || answer.orders.len() < limit {
            return None;
        }
        let mut next = self.clone();
        match self.search_type {
            Some(SearchType::Scroll) => {
                let id = answer.scroll_id.clone().filter(|s| !s.is_empty())?;
                if self.scroll_id.as_deref() == Some(id.as_str()) {
                    // The same cursor again would loop forever.
                    return None;
                }
                next.scroll_id = Some(id);
            }
            _ => next.page = Some(self.page.unwrap_or(1) + 1),
        }
        Some(next)
    }
}

/// One order of `query_order`. Money stays text, as sent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaOrder {
    #[serde(default, deserialize_with = "lenient_string")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub platform: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub business_line: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub pay_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub pay_price: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub update_time: Option<i64>,
    /// `300` means 3 %.
    #[serde(default, deserialize_with = "lenient_string")]
    pub commission_rate: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub profit: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub cpa_profit: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub sid: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub product_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub refund_price: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub refund_profit: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub cpa_refund_profit: Option<String>,
    /// See [`MediaOrder::status`].
    #[serde(default, rename = "status", deserialize_with = "lenient_i64")]
    pub status_code: Option<i64>,
    #[serde(default, rename = "tradeType", deserialize_with = "lenient_i64")]
    pub trade_type_code: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub act_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub appkey: Option<String>,
    /// Refund instant as sent (epoch s in bububa, text in dtapps; only for
    /// lines other than 到餐/到综/酒店).
    #[serde(default, deserialize_with = "lenient_string")]
    pub refund_time: Option<String>,
    /// 规格 (D `media.query_order.go@c37755e:29`).
    #[serde(default, deserialize_with = "lenient_string")]
    pub specification_name: Option<String>,
    /// Items bought (团好货 and coupon packs only, D `@c37755e:53`).
    #[serde(default, deserialize_with = "lenient_i64")]
    pub sku_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub city_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub category_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub category_name: Option<String>,
    /// Per coupon or sub-order lines: an array, or one object as some
    /// clients type it.
    #[serde(default, deserialize_with = "crate::de::object_or_list")]
    pub order_detail: Vec<Map<String, Value>>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MediaOrder {
    pub fn status(&self) -> Option<MediaOrderStatus> {
        self.status_code.and_then(MediaOrderStatus::from_code)
    }
    pub fn trade_type(&self) -> Option<TradeType> {
        self.trade_type_code.and_then(TradeType::from_code)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryOrderResponse {
    pub orders: Vec<MediaOrder>,
    /// Cursor of the next page in scroll mode.
    pub scroll_id: Option<String>,
    pub sku_count: Option<i64>,
}

impl MediaEndpoint for QueryOrderRequest {
    type Response = QueryOrderResponse;
    const PATH: &'static str = "/cps_open/common/api/v1/query_order";

    fn validate(&self) -> Result<(), Error> {
        match (self.start_time, self.end_time) {
            // No source limits the window (dtapps media.query_order.go
            // @c37755e:70 says only 查询近3个月): any ordered window is sent.
            // The app's own sync still asks one day at a time.
            (Some(s), Some(e)) => validate::window(s, e, None)?,
            (None, None) => {
                if self.order_id.is_none() {
                    return Err(Error::invalid(
                        "startTime",
                        "give a time window or an orderId",
                    ));
                }
            }
            _ => {
                return Err(Error::invalid(
                    "endTime",
                    "startTime and endTime go together",
                ))
            }
        }
        if let Some(id) = &self.order_id {
            validate::numeric_id("orderId", id)?;
        }
        if let Some(sid) = &self.sid {
            validate::sid("sid", sid)?;
        }
        if let Some(page) = self.page {
            validate::page("page", page)?;
        }
        if let Some(limit) = self.limit {
            validate::limit("limit", limit, validate::MAX_ORDER_LIMIT)?;
        }
        if self.scroll_id.is_some() && self.search_type != Some(SearchType::Scroll) {
            return Err(Error::invalid(
                "scrollId",
                "only used with searchType 2 (scroll)",
            ));
        }
        if let Some(scroll) = &self.scroll_id {
            validate::text("scrollId", scroll, 1024)?;
        }
        Ok(())
    }

    fn decode(mut body: Value) -> Result<QueryOrderResponse, String> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            #[serde(default)]
            data_list: Option<Vec<MediaOrder>>,
            #[serde(default, deserialize_with = "lenient_string")]
            scroll_id: Option<String>,
            #[serde(default, deserialize_with = "lenient_i64")]
            sku_count: Option<i64>,
        }
        let data = take_field(&mut body, "data").ok_or("no \"data\" field")?;
        if data.is_null() {
            // An empty window comes back as `data: null` in some answers.
            return Ok(QueryOrderResponse {
                orders: Vec::new(),
                scroll_id: None,
                sku_count: None,
            });
        }
        let data: Data = serde_json::from_value(data).map_err(|e| e.to_string())?;
        Ok(QueryOrderResponse {
            orders: data.data_list.unwrap_or_default(),
            scroll_id: data.scroll_id.filter(|s| !s.is_empty()),
            sku_count: data.sku_count,
        })
    }
}

// ---------------------------------------------------------------------------
// query_coupon
// ---------------------------------------------------------------------------

/// `query_coupon`: products / coupon packs to promote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QueryCouponRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_line: Option<i64>,
    /// Degrees × 1 000 000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_cap: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_floor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_cap: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_floor: Option<i64>,
    /// At most 20.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vp_sku_view_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_topi_id: Option<i64>,
    /// 1..=100 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_no: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<CouponSortField>,
    /// As Meituan defines it (1 or 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asc_desc_order: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_area_id: Option<i64>,
}

/// One product of `query_coupon`; the nested blocks are kept as sent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coupon {
    #[serde(default)]
    pub coupon_pack_detail: Option<Map<String, Value>>,
    #[serde(default)]
    pub brand_info: Option<Map<String, Value>>,
    #[serde(default)]
    pub commission_info: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Coupon {
    /// `couponPackDetail.skuViewId`, the id to ask a link for.
    pub fn sku_view_id(&self) -> Option<String> {
        match self.coupon_pack_detail.as_ref()?.get("skuViewId")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryCouponResponse {
    pub coupons: Vec<Coupon>,
    pub has_next: bool,
    pub search_id: Option<String>,
}

/// `pageSize` of `query_coupon` when none is sent (bububa/meituan
/// `model/query_coupon.go:34`: `不填返回默认分页20`). No source gives a
/// maximum, so the client sends any size of at least 1.
pub const DEFAULT_COUPON_PAGE_SIZE: u32 = 20;

impl MediaEndpoint for QueryCouponRequest {
    type Response = QueryCouponResponse;
    const PATH: &'static str = "/cps_open/common/api/v1/query_coupon";

    fn validate(&self) -> Result<(), Error> {
        if self.vp_sku_view_ids.len() > 20 {
            return Err(Error::invalid(
                "vpSkuViewIds",
                format!(
                    "has {} ids; at most 20 are allowed",
                    self.vp_sku_view_ids.len()
                ),
            ));
        }
        if let Some(text) = &self.search_text {
            validate::text("searchText", text, 100)?;
        }
        if let Some(page) = self.page_no {
            validate::page("pageNo", page)?;
        }
        if let Some(size) = self.page_size {
            if size == 0 {
                return Err(Error::invalid(
                    "pageSize",
                    "must be at least 1 (leave it out for Meituan's default of 20)",
                ));
            }
        }
        if let Some(order) = self.asc_desc_order {
            if !(1..=2).contains(&order) {
                return Err(Error::invalid("ascDescOrder", "must be 1 or 2"));
            }
        }
        if self.longitude.is_some() != self.latitude.is_some() {
            return Err(Error::invalid(
                "latitude",
                "longitude and latitude go together",
            ));
        }
        if let (Some(lo), Some(la)) = (self.longitude, self.latitude) {
            if lo.abs() > 180_000_000 || la.abs() > 90_000_000 {
                return Err(Error::invalid(
                    "longitude",
                    "coordinates are degrees × 1 000 000",
                ));
            }
        }
        if let (Some(floor), Some(cap)) = (self.price_floor, self.price_cap) {
            if floor > cap {
                return Err(Error::invalid("priceFloor", "is above priceCap"));
            }
        }
        if let (Some(floor), Some(cap)) = (self.commission_floor, self.commission_cap) {
            if floor > cap {
                return Err(Error::invalid("commissionFloor", "is above commissionCap"));
            }
        }
        Ok(())
    }

    fn decode(mut body: Value) -> Result<QueryCouponResponse, String> {
        let coupons = match take_field(&mut body, "data") {
            None | Some(Value::Null) => Vec::new(),
            Some(data @ Value::Array(_)) => {
                serde_json::from_value(data).map_err(|e| e.to_string())?
            }
            Some(other) => return Err(format!("\"data\" is not a list: {other}")),
        };
        let has_next = matches!(take_field(&mut body, "hasNext"), Some(Value::Bool(true)));
        let search_id = match take_field(&mut body, "searchId") {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        Ok(QueryCouponResponse {
            coupons,
            has_next,
            search_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn invalid_field(r: Result<(), Error>) -> &'static str {
        match r {
            Err(Error::InvalidArgument { field, .. }) => field,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn query_order_body_is_vector_m01_shape() {
        let r = QueryOrderRequest::window(
            1_790_494_200,
            1_790_496_000,
            QueryTimeType::ModifyTime,
            SearchType::Scroll,
            100,
        );
        let body = serde_json::to_string(&r).unwrap();
        // Same fields as vector M01 (our field order differs, which is fine:
        // the bytes hashed are the bytes sent).
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            v,
            json!({"endTime":1790496000,"limit":100,"page":1,"queryTimeType":2,"searchType":2,"startTime":1790494200})
        );
    }

    #[test]
    fn referral_link_body_and_validation() {
        let mut r = ReferralLinkRequest::for_activity("33", "user_1001", MediaLinkType::H5Long);
        r.link_type = None;
        r.link_type_list = Some(vec![
            MediaLinkType::H5Long,
            MediaLinkType::H5Short,
            MediaLinkType::Deeplink,
            MediaLinkType::MiniProgramPath,
        ]);
        // Vector M07's body, byte for byte.
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"actId":"33","sid":"user_1001","linkTypeList":[1,2,3,4]}"#
        );
        assert!(r.validate().is_ok());
        let mut bad = r.clone();
        bad.text = Some("https://x".into());
        assert_eq!(invalid_field(bad.validate()), "actId");
        let mut bad = r.clone();
        bad.sid = "x".repeat(65);
        assert_eq!(invalid_field(bad.validate()), "sid");
        let mut bad = r.clone();
        bad.link_type_list = None;
        assert_eq!(invalid_field(bad.validate()), "linkType");
    }

    #[test]
    fn query_order_validation() {
        let ok = QueryOrderRequest::window(
            1_700_000_000,
            1_700_003_600,
            QueryTimeType::PayTime,
            SearchType::Page,
            100,
        );
        assert!(ok.validate().is_ok());
        let mut r = ok.clone();
        r.limit = Some(101);
        assert_eq!(invalid_field(r.validate()), "limit");
        let mut r = ok.clone();
        r.page = Some(0);
        assert_eq!(invalid_field(r.validate()), "page");
        // No source limits the window: a month is sent.
        let mut r = ok.clone();
        r.end_time = Some(1_700_000_000 + 31 * 86_400);
        assert!(r.validate().is_ok());
        let mut r = ok.clone();
        r.end_time = r.start_time;
        assert_eq!(invalid_field(r.validate()), "endTime");
        let mut r = ok.clone();
        r.end_time = None;
        assert_eq!(invalid_field(r.validate()), "endTime");
        let mut r = ok.clone();
        r.scroll_id = Some("abc".into());
        assert_eq!(invalid_field(r.validate()), "scrollId");
    }

    #[test]
    fn scroll_paging() {
        let first = QueryOrderRequest::window(
            1_700_000_000,
            1_700_003_600,
            QueryTimeType::ModifyTime,
            SearchType::Scroll,
            2,
        );
        let order = |id: &str| -> MediaOrder {
            serde_json::from_value(json!({"orderId": id, "status": "3", "tradeType": 1})).unwrap()
        };
        let full = QueryOrderResponse {
            orders: vec![order("1"), order("2")],
            scroll_id: Some("s1".into()),
            sku_count: None,
        };
        let second = first.next_scroll_page(&full).unwrap();
        assert_eq!(second.scroll_id.as_deref(), Some("s1"));
        assert!(second.validate().is_ok());
        // Same cursor again: stop rather than loop.
        assert!(second.next_scroll_page(&full).is_none());
        let short = QueryOrderResponse {
            orders: vec![order("3")],
            scroll_id: Some("s2".into()),
            sku_count: None,
        };
        assert!(second.next_scroll_page(&short).is_none());
        assert_eq!(full.orders[0].status(), Some(MediaOrderStatus::Completed));
        assert_eq!(full.orders[0].trade_type(), Some(TradeType::Cps));
        // Page mode counts pages.
        let paged = QueryOrderRequest {
            search_type: Some(SearchType::Page),
            ..first
        };
        assert_eq!(paged.next_scroll_page(&full).unwrap().page, Some(2));
    }

    #[test]
    fn decodes_answers() {
        let r = ReferralLinkRequest::decode(json!({"code":0,"data":"https://l","skuViewId":"abc"}))
            .unwrap();
        assert_eq!(r.link.as_deref(), Some("https://l"));
        assert_eq!(r.sku_view_id.as_deref(), Some("abc"));
        let r = ReferralLinkRequest::decode(
            json!({"code":0,"referralLinkMap":{"1":"https://a","3":"imeituan://b"}}),
        )
        .unwrap();
        assert_eq!(r.links.len(), 2);
        assert!(ReferralLinkRequest::decode(json!({"code":0})).is_err());

        let o = QueryOrderRequest::decode(json!({"code":0,"data":{"dataList":[{"orderId":"1","payPrice":"9.90","status":6,"orderDetail":[{"couponStatus":"1"}]}],"scrollId":"n"}})).unwrap();
        assert_eq!(o.orders[0].status(), Some(MediaOrderStatus::Settled));
        assert_eq!(o.orders[0].order_detail.len(), 1);
        assert_eq!(o.scroll_id.as_deref(), Some("n"));
        // bububa types orderDetail as one object; the newer fields decode.
        let o = QueryOrderRequest::decode(json!({"code":0,"data":{"dataList":[{"orderId":"2","payTime":1,"orderDetail":{"couponStatus":"3"},"skuCount":"2","cityName":"北京","categoryId":12,"categoryName":"便利店","specificationName":"大份","refundTime":"1700000000"}]}})).unwrap();
        let first = &o.orders[0];
        assert_eq!(first.order_detail.len(), 1);
        assert_eq!(first.sku_count, Some(2));
        assert_eq!(first.city_name.as_deref(), Some("北京"));
        assert_eq!(first.category_id, Some(12));
        assert_eq!(first.specification_name.as_deref(), Some("大份"));
        assert_eq!(first.refund_time.as_deref(), Some("1700000000"));
        assert!(first.extra.get("cityName").is_none());

        let c = QueryCouponRequest::decode(json!({"code":0,"data":[{"couponPackDetail":{"skuViewId":"v1"},"commissionInfo":{"commissionPercent":300}}],"hasNext":true,"searchId":"s"})).unwrap();
        assert_eq!(c.coupons[0].sku_view_id().as_deref(), Some("v1"));
        assert!(c.has_next);
    }

    #[test]
    fn coupon_validation() {
        let mut q = QueryCouponRequest {
            platform: Some(Platform::Daodian),
            search_text: Some("奶茶".into()),
            page_no: Some(1),
            page_size: Some(20),
            ..Default::default()
        };
        assert!(q.validate().is_ok());
        // No source gives a maximum page size (only the default of 20).
        q.page_size = Some(21);
        assert!(q.validate().is_ok());
        q.page_size = Some(0);
        assert_eq!(invalid_field(q.validate()), "pageSize");
        q.page_size = Some(20);
        q.vp_sku_view_ids = vec!["a".into(); 21];
        assert_eq!(invalid_field(q.validate()), "vpSkuViewIds");
        q.vp_sku_view_ids.clear();
        q.search_text = Some("x".repeat(101));
        assert_eq!(invalid_field(q.validate()), "searchText");
        q.search_text = None;
        q.longitude = Some(113_227_669);
        assert_eq!(invalid_field(q.validate()), "latitude");
    }
}
