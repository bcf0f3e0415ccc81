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
        8 => OrderStatus::Completed,
        9 if o.is_risk_order() => OrderStatus::Risk,
        9 => OrderStatus::Refunded,
        _ => OrderStatus::Paid,
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
        3 => OrderStatus::Completed,
        4 => OrderStatus::Cancelled,
        5 => OrderStatus::Risk,
        6 => OrderStatus::Settled,
        _ => OrderStatus::Paid,
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
        refund_price_cents: opt_cents("refundPrice", &o.refund_price)?,
        refund_profit_cents: opt_cents("refundProfit", &o.refund_profit)?
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
