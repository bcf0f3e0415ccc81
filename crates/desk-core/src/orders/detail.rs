//! One order in full, for a promoter answering "where is my order": the
//! stored order read back with every field Meituan sent (coupon lines,
//! refund, risk, specification, city, category), and 查单, which asks
//! Meituan for one order by id and updates the stored copy.
//!
//! Media orders carry a parent status and per-coupon `orderDetail` lines;
//! the documentation says to trust the coupon lines when they differ
//! (dtapps `media.query_order.go@c37755e:47`, `建议以orderDetail中每张券状态为准`),
//! so both are kept and shown.

use crate::error::{Error, Result};
use crate::gateway::api::Api;
use crate::orders::{self, LineOption, MediaAsked, OrderRow};
use crate::profiles::{Generation, Profile};
use crate::store::Store;
use meituan_union::lines::MEDIA_ORDER_PASSES;
use meituan_union::{BusinessLine, OrderLine, OrderRequest, QueryOrderRequest, SearchType};
use serde::Serialize;
use serde_json::{Map, Value};

/// Per-coupon commission state (`orderDetail[].couponStatus`, dtapps
/// `media.query_order.go@c37755e:31`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CouponStatus {
    /// 1 付款
    Paid,
    /// 2 完成（或券已核销）
    Completed,
    /// 3 结算
    Settled,
    /// 4 失效（含取消或风控）
    Invalid,
    /// A code no source names.
    Unknown,
}

impl CouponStatus {
    fn of(code: Option<i64>) -> Self {
        match code {
            Some(1) => CouponStatus::Paid,
            Some(2) => CouponStatus::Completed,
            Some(3) => CouponStatus::Settled,
            Some(4) => CouponStatus::Invalid,
            _ => CouponStatus::Unknown,
        }
    }
}

/// One coupon or sub-order of a media order. Money in cents, instants in
/// epoch seconds; `None` when Meituan sent nothing (or something unreadable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CouponLine {
    pub status: CouponStatus,
    /// The raw `couponStatus`, as sent.
    pub status_code: Option<String>,
    pub item_order_id: Option<String>,
    #[specta(type = Option<f64>)]
    pub basic_amount_cents: Option<i64>,
    #[specta(type = Option<f64>)]
    pub fee_cents: Option<i64>,
    #[specta(type = Option<f64>)]
    pub refund_amount_cents: Option<i64>,
    #[specta(type = Option<f64>)]
    pub refund_fee_cents: Option<i64>,
    #[specta(type = Option<f64>)]
    pub finish_time: Option<i64>,
    #[specta(type = Option<f64>)]
    pub refund_time: Option<i64>,
    #[specta(type = Option<f64>)]
    pub settle_time: Option<i64>,
    #[specta(type = Option<f64>)]
    pub update_time: Option<i64>,
}

/// CPS (per sale) or CPA (per action: a new customer, a reward).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TradeKind {
    Cps,
    Cpa,
}

/// Everything a promoter needs to answer a buyer about one order.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct OrderDetail {
    pub order: OrderRow,
    /// The parent `status` is a code a source names (legacy 1, 8, 9; media
    /// 2 to 6). When it is not, `order.status` is `unknown` and the detail
    /// shows [`OrderDetail::status_code`].
    pub status_known: bool,
    /// The raw parent `status`, as sent (`None` when Meituan sent none).
    pub status_code: Option<String>,
    /// The name the user gave the order's sid, if any.
    pub sid_name: Option<String>,
    /// The order's business line with its names.
    pub line: Option<LineOption>,
    /// Meituan's risk control holds the order (legacy `riskOrder` 1, media
    /// status 5).
    pub risk: bool,
    pub trade: Option<TradeKind>,
    /// When the latest refund happened (epoch s), when Meituan said: the
    /// order-level `refundTime`, else the latest coupon line's (a 到店
    /// order has no order-level refund fields, dtapps
    /// `media.query_order.go@c37755e:43-45`).
    #[specta(type = Option<f64>)]
    pub refund_time: Option<i64>,
    /// Commission taken back by a refund (`refundProfit`; legacy
    /// `refundprofit`), when sent; else the sum of the coupon lines'
    /// `refundFee` (`:38`), when any line has one. `order.refund_profit_cents`
    /// is this plus [`OrderDetail::cpa_refund_profit_cents`].
    #[specta(type = Option<f64>)]
    pub refund_profit_cents: Option<i64>,
    /// The CPA reward taken back (`cpaRefundProfit`), when sent.
    #[specta(type = Option<f64>)]
    pub cpa_refund_profit_cents: Option<i64>,
    pub product_id: Option<String>,
    pub specification: Option<String>,
    pub sku_count: Option<i64>,
    pub city: Option<String>,
    pub category: Option<String>,
    /// `categoryId` (dtapps `media.query_order.go@c37755e:53`).
    pub category_id: Option<String>,
    /// Commission rate in 1/10000 (300 = 3 %), media only.
    pub commission_rate: Option<i64>,
    pub coupons: Vec<CouponLine>,
    /// Stored in the local database (a lookup stores what it finds).
    pub stored: bool,
    /// Calls a lookup spent (0 for a stored order read back).
    pub calls: u32,
}

fn int_of(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn cents_of(v: Option<&Value>) -> Option<i64> {
    text_of(v).and_then(|t| orders::parse_cents("amount", &t).ok())
}

fn coupon_line(m: &Map<String, Value>) -> CouponLine {
    let code = int_of(m.get("couponStatus"));
    CouponLine {
        status: CouponStatus::of(code),
        status_code: text_of(m.get("couponStatus")),
        item_order_id: text_of(m.get("itemOrderId")),
        basic_amount_cents: cents_of(m.get("basicAmount")),
        fee_cents: cents_of(m.get("couponFee")),
        refund_amount_cents: cents_of(m.get("refundAmount")),
        refund_fee_cents: cents_of(m.get("refundFee")),
        finish_time: int_of(m.get("finishTime")),
        refund_time: int_of(m.get("refundTime")),
        settle_time: int_of(m.get("settleTime")),
        update_time: int_of(m.get("updateTime")),
    }
}

/// The detail of a normalized order, from the fields Meituan sent.
pub fn of_row(order: OrderRow, sid_name: Option<String>, stored: bool) -> OrderDetail {
    let raw: Map<String, Value> = serde_json::from_str(&order.raw_json).unwrap_or_default();
    let media = raw.contains_key("orderId");
    let coupons = match raw.get("orderDetail") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .map(coupon_line)
            .collect(),
        Some(Value::Object(one)) => vec![coupon_line(one)],
        _ => Vec::new(),
    };
    let trade = if media {
        match int_of(raw.get("tradeType")) {
            Some(1) => Some(TradeKind::Cps),
            Some(2) => Some(TradeKind::Cpa),
            _ => None,
        }
    } else {
        // Legacy tradeTypeList: 3 is the CPA reward of 优选.
        match raw.get("tradeTypeList") {
            Some(Value::Array(list)) if list.iter().any(|v| int_of(Some(v)) == Some(3)) => {
                Some(TradeKind::Cpa)
            }
            Some(Value::Array(list)) if !list.is_empty() => Some(TradeKind::Cps),
            _ => None,
        }
    };
    let risk = order.status == orders::OrderStatus::Risk
        || int_of(raw.get("riskOrder").or_else(|| raw.get("riskApiOrder"))) == Some(1);
    let line = order.line().map(|l| LineOption::of(l, 0));
    let status_code = text_of(raw.get("status"));
    // The known codes are normalize's: a status it does not name is Unknown.
    let status_known = order.status != orders::OrderStatus::Unknown;
    OrderDetail {
        sid_name,
        line,
        risk,
        trade,
        status_known,
        status_code,
        refund_time: int_of(raw.get("refundTime").or_else(|| raw.get("refundtime")))
            .or_else(|| coupons.iter().filter_map(|c| c.refund_time).max()),
        refund_profit_cents: cents_of(raw.get("refundProfit").or_else(|| raw.get("refundprofit")))
            .or_else(|| {
                coupons
                    .iter()
                    .filter_map(|c| c.refund_fee_cents)
                    .reduce(|a, b| a + b)
            }),
        cpa_refund_profit_cents: cents_of(raw.get("cpaRefundProfit")),
        product_id: text_of(raw.get("productId")),
        specification: text_of(raw.get("specificationName")),
        sku_count: int_of(raw.get("skuCount")),
        city: text_of(raw.get("cityName")),
        category: text_of(raw.get("categoryName")),
        category_id: text_of(raw.get("categoryId")),
        commission_rate: media.then(|| int_of(raw.get("commissionRate"))).flatten(),
        coupons,
        stored,
        calls: 0,
        order,
    }
}

fn sid_name(store: &Store, profile_id: &str, sid: &str) -> Result<Option<String>> {
    if sid.is_empty() {
        return Ok(None);
    }
    Ok(
        crate::links::sids::sql::by_code(&*store.connect()?, profile_id, sid)?
            .map(|s| s.name)
            .filter(|n| n != sid),
    )
}

/// A stored order in full.
pub fn detail(store: &Store, profile_id: &str, order_id: &str) -> Result<OrderDetail> {
    let row = crate::orders::sql::get(&*store.connect()?, profile_id, order_id)?
        .ok_or_else(|| Error::not_found("order", order_id))?;
    let name = sid_name(store, profile_id, &row.sid)?;
    Ok(of_row(row, name, true))
}

/// Checks an order id before anything is sent: 1 to 32 digits (spaces
/// around it are ignored).
pub fn check_order_id(order_id: &str) -> Result<String> {
    let id = order_id.trim();
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid("order_id", "an order id is 1 to 32 digits"));
    }
    Ok(id.to_owned())
}

/// 查单: asks Meituan for one order by id, stores (or updates) it and
/// returns it in full. Legacy: one `/api/order` call. Media: `query_order`
/// with `orderId`, asking the order's known platform and line first, then
/// each of [`MEDIA_ORDER_PASSES`] until it is found (a coupon-pack order is
/// only returned when line 7 is asked for, bububa `model/query_order.go:20`),
/// so an unknown order costs up to three calls.
pub async fn lookup(api: &Api, profile: &Profile, order_id: &str) -> Result<OrderDetail> {
    let id = check_order_id(order_id)?;
    let store = api.store();
    let known = crate::orders::sql::get(&*store.connect()?, &profile.id, &id)?;
    let mut calls = 0u32;
    let found = match profile.generation {
        Generation::Legacy => {
            let business_line = known.as_ref().and_then(|o| match o.line() {
                Some(OrderLine::Legacy { line, .. }) => BusinessLine::from_code(line),
                _ => None,
            });
            let req = OrderRequest {
                order_id: id.clone(),
                business_line,
                act_id: None,
                full: true,
                product_id: known
                    .as_ref()
                    .and_then(|o| serde_json::from_str::<Map<String, Value>>(&o.raw_json).ok())
                    .and_then(|raw| text_of(raw.get("productId"))),
            };
            calls += 1;
            let answer = api.legacy(profile, &req).await?;
            Some(orders::from_legacy(&answer)?)
        }
        Generation::Media => {
            let mut questions: Vec<(i64, Vec<i64>)> = Vec::new();
            if let Some(OrderLine::Media { platform, line }) = known.as_ref().and_then(|o| o.line())
            {
                questions.push((platform, vec![line]));
            }
            for (platform, lines) in MEDIA_ORDER_PASSES {
                let q = (platform.code(), lines.to_vec());
                if !questions.contains(&q) {
                    questions.push(q);
                }
            }
            let mut hit = None;
            for (platform, lines) in questions {
                let req = QueryOrderRequest {
                    platform: meituan_union::Platform::from_code(platform),
                    business_line: lines.clone(),
                    order_id: Some(id.clone()),
                    sid: None,
                    start_time: None,
                    end_time: None,
                    query_time_type: None,
                    trade_type: None,
                    search_type: Some(SearchType::Page),
                    scroll_id: None,
                    page: Some(1),
                    limit: Some(10),
                };
                calls += 1;
                let answer = api.media(profile, &req).await?;
                let asked = MediaAsked {
                    platform: Some(platform),
                    line: match lines.as_slice() {
                        [only] => Some(*only),
                        _ => None,
                    },
                };
                if let Some(o) = answer
                    .orders
                    .iter()
                    .find(|o| o.order_id.as_deref() == Some(id.as_str()))
                {
                    hit = Some(orders::from_media(o, asked)?);
                    break;
                }
            }
            hit
        }
    };
    let Some(row) = found else {
        return Err(Error::not_found("order", &id));
    };
    let mut conn = store.connect()?;
    let tx = conn.transaction()?;
    crate::orders::sql::upsert(&tx, &profile.id, std::slice::from_ref(&row))?;
    tx.commit()?;
    // Read back what is stored: an older answer never undoes a newer change.
    let stored = crate::orders::sql::get(&conn, &profile.id, &id)?.unwrap_or(row);
    let name = sid_name(store, &profile.id, &stored.sid)?;
    let mut detail = of_row(stored, name, true);
    detail.calls = calls;
    Ok(detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use meituan_union::{LegacyOrder, MediaOrder};
    use serde_json::json;

    /// A media order as Meituan sends it, read into its detail.
    fn media_detail(order: serde_json::Value) -> OrderDetail {
        let o: MediaOrder = serde_json::from_value(order).unwrap();
        of_row(
            orders::from_media(&o, MediaAsked::default()).unwrap(),
            None,
            true,
        )
    }

    #[test]
    fn media_detail_keeps_parent_status_and_every_coupon_line() {
        let o: MediaOrder = serde_json::from_value(json!({
            "orderId": "77", "payTime": 1_700_000_000, "payPrice": "88.00", "status": "2",
            "platform": 2, "businessLine": 1, "tradeType": 1, "commissionRate": "300",
            "profit": "2.64", "specificationName": "双人餐", "cityName": "北京",
            "orderDetail": [
                {"couponStatus": "2", "itemOrderId": "7701", "basicAmount": "44.00",
                 "couponFee": "1.32", "finishTime": "1700003600"},
                {"couponStatus": "1", "itemOrderId": "7702", "basicAmount": "44.00",
                 "couponFee": "1.32"},
                {"couponStatus": "9"}
            ]
        }))
        .unwrap();
        let row = orders::from_media(&o, MediaAsked::default()).unwrap();
        let d = of_row(row, Some("微信群".into()), true);
        assert_eq!(d.order.status, orders::OrderStatus::Paid);
        assert_eq!(d.coupons.len(), 3);
        assert_eq!(d.coupons[0].status, CouponStatus::Completed);
        assert_eq!(d.coupons[0].basic_amount_cents, Some(4400));
        assert_eq!(d.coupons[0].finish_time, Some(1_700_003_600));
        assert_eq!(d.coupons[1].status, CouponStatus::Paid);
        assert_eq!(d.coupons[2].status, CouponStatus::Unknown);
        assert_eq!(d.coupons[2].status_code.as_deref(), Some("9"));
        assert_eq!(d.trade, Some(TradeKind::Cps));
        assert_eq!(d.commission_rate, Some(300));
        assert_eq!(d.specification.as_deref(), Some("双人餐"));
        assert_eq!(d.city.as_deref(), Some("北京"));
        assert_eq!(
            d.line.as_ref().and_then(|l| l.name_zh.as_deref()),
            Some("到餐")
        );
        assert!(!d.risk);
    }

    #[test]
    fn media_detail_keeps_category_id_refunds_and_coupon_refund_lines() {
        let o: MediaOrder = serde_json::from_value(json!({
            "orderId": "78", "payTime": 1_700_000_000, "payPrice": "120.00", "status": 4,
            "platform": 1, "businessLine": 11, "profit": "6.00", "cpaProfit": "0.50",
            "refundPrice": "120.00", "refundTime": "1700009000", "refundProfit": "6.00",
            "cpaRefundProfit": "0.50", "categoryId": 15, "categoryName": "水果",
            "skuCount": "2",
            "orderDetail": [
                {"couponStatus": "4", "basicAmount": "60.00", "couponFee": "0.00",
                 "refundAmount": "60.00", "refundFee": "3.01", "refundTime": "1700009000"},
                {"couponStatus": "3", "basicAmount": "60.00", "couponFee": "2.99",
                 "settleTime": "1700500000"}
            ]
        }))
        .unwrap();
        let row = orders::from_media(&o, MediaAsked::default()).unwrap();
        let d = of_row(row, None, true);
        assert!(d.status_known);
        assert_eq!(d.status_code.as_deref(), Some("4"));
        assert_eq!(d.order.status, orders::OrderStatus::Cancelled);
        assert_eq!(d.category.as_deref(), Some("水果"));
        assert_eq!(d.category_id.as_deref(), Some("15"));
        assert_eq!(d.sku_count, Some(2));
        assert_eq!(d.refund_time, Some(1_700_009_000));
        assert_eq!(d.refund_profit_cents, Some(600));
        assert_eq!(d.cpa_refund_profit_cents, Some(50));
        assert_eq!(d.order.refund_profit_cents, 650);
        assert_eq!(d.coupons[0].status, CouponStatus::Invalid);
        assert_eq!(d.coupons[0].refund_amount_cents, Some(6000));
        assert_eq!(d.coupons[0].refund_fee_cents, Some(301));
        assert_eq!(d.coupons[0].refund_time, Some(1_700_009_000));
        assert_eq!(d.coupons[0].settle_time, None);
        assert_eq!(d.coupons[1].status, CouponStatus::Settled);
        assert_eq!(d.coupons[1].settle_time, Some(1_700_500_000));
        assert_eq!(d.coupons[1].refund_fee_cents, None);
    }

    /// A 到店 order sends no order-level refund fields (dtapps
    /// `media.query_order.go@c37755e:43-45`): the detail's refunded
    /// commission and refund time come from its coupon lines (`:37-39`).
    #[test]
    fn a_daodian_refund_reads_from_its_coupon_lines() {
        let d = media_detail(json!({
            "orderId": "82", "payTime": 1_700_000_000, "payPrice": "90.00", "status": "4",
            "platform": 2, "businessLine": 1,
            "orderDetail": [
                {"couponStatus": "4", "refundAmount": "45.00", "refundFee": "2.25",
                 "refundTime": "1700090000"},
                {"couponStatus": "4", "refundAmount": "45.00", "refundFee": "2.25",
                 "refundTime": "1700093600"}
            ]
        }));
        assert_eq!(d.refund_profit_cents, Some(450));
        assert_eq!(d.order.refund_profit_cents, 450);
        assert_eq!(d.order.refund_price_cents, 9000);
        assert_eq!(d.refund_time, Some(1_700_093_600));
        assert_eq!(d.cpa_refund_profit_cents, None);
        // No refund anywhere: none.
        let d = media_detail(json!({
            "orderId": "83", "payTime": 1_700_000_000, "payPrice": "9.00", "status": "2",
            "orderDetail": [{"couponStatus": "1", "refundFee": "", "refundTime": ""}]
        }));
        assert_eq!((d.refund_profit_cents, d.refund_time), (None, None));
    }

    #[test]
    fn an_unknown_parent_status_is_kept_as_sent_not_read_as_paid() {
        let d = media_detail(json!({
            "orderId": "79", "payTime": 1_700_000_000, "payPrice": "1.00", "status": "7"
        }));
        assert!(!d.status_known);
        assert_eq!(d.status_code.as_deref(), Some("7"));
        // Legacy 2 is no legacy status either; media 2 is 付款.
        let l: LegacyOrder = serde_json::from_value(json!({
            "orderid": "6", "paytime": "1700000000", "payprice": "1.00", "status": 2
        }))
        .unwrap();
        let d = of_row(orders::from_legacy(&l).unwrap(), None, true);
        assert!(!d.status_known);
        assert_eq!(d.status_code.as_deref(), Some("2"));
        // No status at all: unknown, no code.
        let d = media_detail(json!({
            "orderId": "80", "payTime": 1_700_000_000, "payPrice": "1.00"
        }));
        assert!(!d.status_known);
        assert_eq!(d.status_code, None);
        let d = media_detail(json!({
            "orderId": "81", "payTime": 1_700_000_000, "payPrice": "1.00", "status": "2"
        }));
        assert!(d.status_known);
    }

    #[test]
    fn legacy_detail_reads_risk_and_the_cpa_reward() {
        let o: LegacyOrder = serde_json::from_value(json!({
            "orderid": "5", "paytime": "1700000000", "payprice": "10.00", "status": 9,
            "riskOrder": 1, "businessLine": 4, "tradeTypeList": [2, 3], "refundtime": "1700009999"
        }))
        .unwrap();
        let d = of_row(orders::from_legacy(&o).unwrap(), None, false);
        assert!(d.risk);
        assert_eq!(d.order.status, orders::OrderStatus::Risk);
        assert_eq!(d.trade, Some(TradeKind::Cpa));
        assert_eq!(d.refund_time, Some(1_700_009_999));
        assert!(d.status_known);
        assert_eq!(
            d.line.as_ref().and_then(|l| l.name_zh.as_deref()),
            Some("优选")
        );
        assert!(d.coupons.is_empty());
    }

    #[test]
    fn an_order_id_is_digits() {
        assert_eq!(
            check_order_id(" 3300000000000123 ").unwrap(),
            "3300000000000123"
        );
        for bad in ["", "  ", "12a", "-1", "1 2", &"9".repeat(33)] {
            let err = check_order_id(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { field, .. } if field == "order_id"),
                "{bad}"
            );
        }
    }
}
