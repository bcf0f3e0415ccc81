//! Both API generations' orders normalized into one row shape.

use super::*;

fn opt_cents(field: &str, v: &Option<String>) -> Result<i64> {
    v.as_deref().map_or(Ok(0), |t| parse_cents(field, t))
}

fn put(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.to_owned(), v);
    }
}

/// Normalizes one legacy `orderList` item.
pub fn from_legacy(o: &LegacyOrder) -> Result<OrderRow> {
    let order_id = o
        .orderid
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::Decode("an order has no orderid".into()))?;
    let pay_time = o
        .paytime
        .ok_or_else(|| Error::Decode(format!("order {order_id} has no paytime")))?;
    let raw_status = o.status_code.unwrap_or(0);
    let status = match raw_status {
        // 1 已付款, 8 已完成, 9 已退款或风控 (yzchan-php `src/Order.php`;
        // dtapps `api.orderList.go`); any other code, or none, is shown as sent.
        1 => OrderStatus::Paid,
        8 => OrderStatus::Completed,
        9 if o.is_risk_order() => OrderStatus::Risk,
        9 => OrderStatus::Refunded,
        _ => OrderStatus::Unknown,
    };
    let mod_time = o
        .mod_time
        .unwrap_or_else(|| pay_time.max(o.refundtime.unwrap_or(0)));
    let mut raw = o.extra.clone();
    let s = |v: &Option<String>| v.clone().map(Value::String);
    let n = |v: Option<i64>| v.map(Value::from);
    put(&mut raw, "orderid", Some(Value::String(order_id.clone())));
    put(&mut raw, "paytime", n(o.paytime));
    put(&mut raw, "payprice", s(&o.payprice));
    put(&mut raw, "profit", s(&o.profit));
    put(&mut raw, "cpaProfit", s(&o.cpa_profit));
    put(&mut raw, "sid", s(&o.sid));
    put(&mut raw, "appkey", s(&o.appkey));
    put(&mut raw, "smstitle", s(&o.smstitle));
    put(&mut raw, "productId", s(&o.product_id));
    put(&mut raw, "productName", s(&o.product_name));
    put(&mut raw, "refundprice", s(&o.refundprice));
    put(&mut raw, "refundtime", n(o.refundtime));
    put(&mut raw, "refundprofit", s(&o.refundprofit));
    put(&mut raw, "cpaRefundProfit", s(&o.cpa_refund_profit));
    put(&mut raw, "status", n(o.status_code));
    put(
        &mut raw,
        "tradeTypeList",
        Some(Value::from(o.trade_type_list.clone())),
    );
    put(&mut raw, "riskOrder", n(o.risk_order));
    put(&mut raw, "actId", s(&o.act_id));
    put(&mut raw, "businessLine", n(o.business_line_code));
    put(&mut raw, "subBusinessLine", n(o.sub_business_line_code));
    put(&mut raw, "modTime", n(o.mod_time));
    Ok(OrderRow {
        pay_price_cents: opt_cents("payprice", &o.payprice)?,
        profit_cents: opt_cents("profit", &o.profit)?,
        cpa_profit_cents: opt_cents("cpaProfit", &o.cpa_profit)?,
        refund_price_cents: opt_cents("refundprice", &o.refundprice)?,
        refund_profit_cents: opt_cents("refundprofit", &o.refundprofit)?
            + opt_cents("cpaRefundProfit", &o.cpa_refund_profit)?,
        order_id,
        pay_time,
        mod_time,
        sid: o.sid.clone().unwrap_or_default(),
        status,
        raw_status: i32::try_from(raw_status).unwrap_or(0),
        business_line: o.business_line_code.and_then(|b| i32::try_from(b).ok()),
        platform: None,
        sub_business_line: o
            .sub_business_line_code
            .filter(|s| *s > 0)
            .and_then(|s| i32::try_from(s).ok()),
        line_key: o
            .business_line_code
            .map(|b| OrderLine::legacy(b, o.sub_business_line_code).key()),
        act_id: o.act_id.clone().filter(|s| !s.is_empty()),
        product_name: o.product_name.clone().filter(|s| !s.is_empty()),
        raw_json: Value::Object(raw).to_string(),
    })
}

/// A media order's refund from its coupon lines: the sum of `key` over
/// `orderDetail`, for an order whose order-level field is absent or empty.
/// dtapps `media.query_order.go@c37755e:43-45`: `refundPrice`/`refundProfit`
/// 只对非到店到餐、非到综、非酒店业务类型有效, those lines carry
/// `refundAmount`/`refundFee` per coupon line instead (`:37-38`).
fn refund_or_coupons(
    field: &str,
    order_level: &Option<String>,
    o: &MediaOrder,
    key: &str,
) -> Result<i64> {
    if order_level.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        return opt_cents(field, order_level);
    }
    o.order_detail.iter().try_fold(0, |sum, d| {
        let cents = match d.get(key) {
            Some(Value::String(t)) => parse_cents(key, t)?,
            Some(Value::Number(n)) => parse_cents(key, &n.to_string())?,
            _ => 0,
        };
        Ok(sum + cents)
    })
}

/// What a media `query_order` asked for, to place an order whose answer
/// leaves out its platform or line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaAsked {
    /// The `platform` sent; Meituan's default when none was is 1.
    pub platform: Option<i64>,
    /// The only `businessLine` asked for, when the list had exactly one.
    pub line: Option<i64>,
}

/// Normalizes one media `query_order` item.
pub fn from_media(o: &MediaOrder, asked: MediaAsked) -> Result<OrderRow> {
    let order_id = o
        .order_id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::Decode("an order has no orderId".into()))?;
    let pay_time = o
        .pay_time
        .ok_or_else(|| Error::Decode(format!("order {order_id} has no payTime")))?;
    let raw_status = o.status_code.unwrap_or(0);
    let status = match raw_status {
        // 2 付款 … 6 结算 (dtapps `media.query_order.go@c37755e:47`); any
        // other code, or none, is shown as sent.
        2 => OrderStatus::Paid,
        3 => OrderStatus::Completed,
        4 => OrderStatus::Cancelled,
        5 => OrderStatus::Risk,
        6 => OrderStatus::Settled,
        _ => OrderStatus::Unknown,
    };
    // Absent `platform` means 1 (bububa model/query_order.go:10).
    let platform = o.platform.or(asked.platform).unwrap_or(1);
    let line = o.business_line.or(asked.line);
    let mut raw = o.extra.clone();
    let s = |v: &Option<String>| v.clone().map(Value::String);
    let n = |v: Option<i64>| v.map(Value::from);
    put(&mut raw, "orderId", Some(Value::String(order_id.clone())));
    put(&mut raw, "platform", n(o.platform));
    put(&mut raw, "businessLine", n(o.business_line));
    put(&mut raw, "specificationName", s(&o.specification_name));
    put(&mut raw, "skuCount", n(o.sku_count));
    put(&mut raw, "cityName", s(&o.city_name));
    put(&mut raw, "categoryId", n(o.category_id));
    put(&mut raw, "categoryName", s(&o.category_name));
    put(&mut raw, "refundTime", s(&o.refund_time));
    put(&mut raw, "payTime", n(o.pay_time));
    put(&mut raw, "payPrice", s(&o.pay_price));
    put(&mut raw, "updateTime", n(o.update_time));
    put(&mut raw, "commissionRate", s(&o.commission_rate));
    put(&mut raw, "profit", s(&o.profit));
    put(&mut raw, "cpaProfit", s(&o.cpa_profit));
    put(&mut raw, "sid", s(&o.sid));
    put(&mut raw, "productId", s(&o.product_id));
    put(&mut raw, "productName", s(&o.product_name));
    put(&mut raw, "refundPrice", s(&o.refund_price));
    put(&mut raw, "refundProfit", s(&o.refund_profit));
    put(&mut raw, "cpaRefundProfit", s(&o.cpa_refund_profit));
    put(&mut raw, "status", n(o.status_code));
    put(&mut raw, "tradeType", n(o.trade_type_code));
    put(&mut raw, "actId", s(&o.act_id));
    put(&mut raw, "appkey", s(&o.appkey));
    if !o.order_detail.is_empty() {
        raw.insert(
            "orderDetail".into(),
            Value::Array(o.order_detail.iter().cloned().map(Value::Object).collect()),
        );
    }
    Ok(OrderRow {
        pay_price_cents: opt_cents("payPrice", &o.pay_price)?,
        profit_cents: opt_cents("profit", &o.profit)?,
        cpa_profit_cents: opt_cents("cpaProfit", &o.cpa_profit)?,
        refund_price_cents: refund_or_coupons("refundPrice", &o.refund_price, o, "refundAmount")?,
        refund_profit_cents: refund_or_coupons("refundProfit", &o.refund_profit, o, "refundFee")?
            + opt_cents("cpaRefundProfit", &o.cpa_refund_profit)?,
        order_id,
        pay_time,
        mod_time: o.update_time.unwrap_or(pay_time),
        sid: o.sid.clone().unwrap_or_default(),
        status,
        raw_status: i32::try_from(raw_status).unwrap_or(0),
        business_line: line.and_then(|b| i32::try_from(b).ok()),
        platform: i32::try_from(platform).ok(),
        sub_business_line: None,
        line_key: line.map(|l| OrderLine::media(platform, l).key()),
        act_id: o.act_id.clone().filter(|s| !s.is_empty()),
        product_name: o.product_name.clone().filter(|s| !s.is_empty()),
        raw_json: Value::Object(raw).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn media(v: Value) -> Result<OrderRow> {
        from_media(&serde_json::from_value(v).unwrap(), MediaAsked::default())
    }

    /// A 到店 order's refunds are in its coupon lines only (dtapps
    /// `media.query_order.go@c37755e:37-38`, `:43`): the row sums them, so
    /// refund totals hold for every line.
    #[test]
    fn a_daodian_refund_comes_from_its_coupon_lines() {
        let row = media(json!({
            "orderId": "1", "payTime": 1_700_000_000, "payPrice": "90.00", "status": "4",
            "platform": 2, "businessLine": 1, "profit": "4.50", "cpaRefundProfit": "",
            "orderDetail": [
                {"couponStatus": "4", "basicAmount": "45.00", "refundAmount": "45.00", "refundFee": "2.25"},
                {"couponStatus": "4", "basicAmount": "45.00", "refundAmount": 45, "refundFee": "2.25"},
                {"couponStatus": "2", "basicAmount": "0.00"}
            ]
        }))
        .unwrap();
        assert_eq!(row.refund_price_cents, 9000);
        assert_eq!(row.refund_profit_cents, 450);
        // An empty order-level field is no refund: the coupon lines count.
        let row = media(json!({
            "orderId": "2", "payTime": 1_700_000_000, "payPrice": "10.00", "refundPrice": "",
            "refundProfit": " ", "orderDetail": [{"refundAmount": "3.00", "refundFee": "0.30"}]
        }))
        .unwrap();
        assert_eq!((row.refund_price_cents, row.refund_profit_cents), (300, 30));
    }

    #[test]
    fn an_order_level_refund_wins_and_a_bad_coupon_amount_is_refused() {
        let row = media(json!({
            "orderId": "3", "payTime": 1_700_000_000, "payPrice": "10.00",
            "refundPrice": "10.00", "refundProfit": "0.50", "cpaRefundProfit": "1.00",
            "orderDetail": [{"refundAmount": "4.00", "refundFee": "0.20"}]
        }))
        .unwrap();
        assert_eq!(
            (row.refund_price_cents, row.refund_profit_cents),
            (1000, 150)
        );
        let err = media(json!({
            "orderId": "4", "payTime": 1_700_000_000, "payPrice": "10.00",
            "orderDetail": [{"refundAmount": "4.x"}]
        }))
        .unwrap_err();
        assert!(err.to_string().contains("refundAmount"), "{err}");
    }
}
