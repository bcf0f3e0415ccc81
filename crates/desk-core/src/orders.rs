//! Synced orders: normalization of both API generations into one row shape,
//! exact money (integer cents parsed from Meituan's decimal strings, never
//! through floats), the upsert by order id, and the reads behind the Orders
//! screen (filtered pages, totals per sid and per day).

use crate::clock::beijing;
use crate::error::{Error, Result};
use crate::store::{self, Store};
use chrono::{NaiveDate, TimeZone};
use meituan_union::{LegacyOrder, MediaOrder, OrderLine};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An order's status, the same words for both API generations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Paid,
    Completed,
    Refunded,
    Cancelled,
    Risk,
    Settled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Paid,
        OrderStatus::Completed,
        OrderStatus::Refunded,
        OrderStatus::Cancelled,
        OrderStatus::Risk,
        OrderStatus::Settled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Paid => "paid",
            OrderStatus::Completed => "completed",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Risk => "risk",
            OrderStatus::Settled => "settled",
        }
    }

    pub fn parse(s: &str) -> Result<OrderStatus> {
        OrderStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "status",
                    "must be paid, completed, refunded, cancelled, risk or settled",
                )
            })
    }

    /// Whether the order still earns (not refunded, cancelled or held by risk control).
    pub fn is_valid(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid | OrderStatus::Completed | OrderStatus::Settled
        )
    }
}

/// Parses a decimal amount in yuan (`"30.5"`, `"-1.20"`, `"7"`) into cents,
/// exactly. More than two decimals are accepted only when the extra digits
/// are zeros, since rounding would make totals differ from Meituan's.
pub fn parse_cents(field: &str, text: &str) -> Result<i64> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    let bad = || Error::Decode(format!("{field}: {text:?} is not an amount"));
    let (negative, digits) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
        || int_part.len() > 15
    {
        return Err(bad());
    }
    if frac_part.len() > 2 && frac_part[2..].bytes().any(|b| b != b'0') {
        return Err(Error::Decode(format!(
            "{field}: {text:?} has fractions of a cent"
        )));
    }
    let whole: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| bad())?
    };
    let frac = frac_part.as_bytes();
    let tenths = frac.first().map_or(0, |b| i64::from(b - b'0'));
    let hundredths = frac.get(1).map_or(0, |b| i64::from(b - b'0'));
    let cents = whole * 100 + tenths * 10 + hundredths;
    Ok(if negative { -cents } else { cents })
}

/// Cents as a yuan string with two decimals: 3050 → `"30.50"`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// The Beijing date of an epoch-seconds instant, `YYYY-MM-DD`.
pub fn beijing_date_of(epoch_s: i64) -> String {
    beijing()
        .timestamp_opt(epoch_s, 0)
        .single()
        .map(|t| t.date_naive().format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The first instant (epoch s) of a Beijing date.
pub fn beijing_day_start(day: NaiveDate) -> i64 {
    beijing()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("fixed offsets are unambiguous")
        .timestamp()
}

/// One order as stored (the `orders` table's columns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct OrderRow {
    pub order_id: String,
    /// Epoch seconds.
    #[specta(type = f64)]
    pub pay_time: i64,
    #[specta(type = f64)]
    pub mod_time: i64,
    pub sid: String,
    pub status: OrderStatus,
    pub raw_status: i32,
    /// Meituan's `businessLine` code, as sent.
    pub business_line: Option<i32>,
    /// Media `platform` (1 到家及其他, 2 到店); `None` for legacy orders.
    pub platform: Option<i32>,
    /// Legacy `subBusinessLine` (under line 2), when one was sent.
    pub sub_business_line: Option<i32>,
    /// The line with its generation and platform
    /// ([`meituan_union::OrderLine::key`]); names come from [`lines`].
    pub line_key: Option<String>,
    pub act_id: Option<String>,
    pub product_name: Option<String>,
    #[specta(type = f64)]
    pub pay_price_cents: i64,
    #[specta(type = f64)]
    pub profit_cents: i64,
    #[specta(type = f64)]
    pub cpa_profit_cents: i64,
    #[specta(type = f64)]
    pub refund_price_cents: i64,
    #[specta(type = f64)]
    pub refund_profit_cents: i64,
    /// The order as Meituan sent it (re-serialized), for export and debugging.
    #[serde(skip)]
    pub raw_json: String,
}

impl OrderRow {
    /// The order's line, when Meituan sent one.
    pub fn line(&self) -> Option<OrderLine> {
        self.line_key.as_deref().and_then(OrderLine::parse)
    }

    /// Commission of the order (CPS + CPA), before refunds.
    pub fn commission_cents(&self) -> i64 {
        self.profit_cents + self.cpa_profit_cents
    }
}

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

/// What an upsert of a page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct UpsertCounts {
    pub new: u32,
    pub updated: u32,
    /// Seen again with nothing changed.
    pub unchanged: u32,
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, o: Self) {
        self.new += o.new;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// Filters of the Orders screen. Dates are Beijing dates (inclusive) of the
/// pay time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct OrderFilter {
    /// `YYYY-MM-DD`, Beijing.
    pub from: Option<String>,
    pub to: Option<String>,
    pub sid: Option<String>,
    pub status: Option<OrderStatus>,
    /// A `businessLine` code in any generation or platform (`mtu orders
    /// --business-line`); prefer `line`.
    pub business_line: Option<i32>,
    /// One line by its key ([`LineOption::key`]).
    #[serde(default)]
    pub line: Option<String>,
}

/// The filter in epoch seconds, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedFilter {
    pub from_s: Option<i64>,
    pub to_s: Option<i64>,
    pub sid: Option<String>,
    pub status: Option<OrderStatus>,
    pub business_line: Option<i32>,
    pub line_key: Option<String>,
}

fn parse_day(field: &str, s: &str) -> Result<NaiveDate> {
    let s = s.trim();
    // Exactly YYYY-MM-DD: chrono's %Y alone also takes "26-03-10" (year 26)
    // and "-2026-03-10".
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape {
        return Err(Error::invalid(field, "must be a date YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, "must be a date YYYY-MM-DD"))
}

impl OrderFilter {
    pub fn resolve(&self) -> Result<ResolvedFilter> {
        let from = self
            .from
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_day("from", s))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_day("to", s))
            .transpose()?;
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(Error::invalid("to", "is before the start date"));
            }
        }
        let line_key = match self
            .line
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(key) => Some(
                OrderLine::parse(key)
                    .ok_or_else(|| {
                        Error::invalid("line", "must be a line such as legacy:2:1 or media:1:7")
                    })?
                    .key(),
            ),
        };
        Ok(ResolvedFilter {
            from_s: from.map(beijing_day_start),
            to_s: to.map(|t| beijing_day_start(t) + 86_399),
            sid: self.sid.clone().filter(|s| !s.is_empty()),
            status: self.status,
            business_line: self.business_line,
            line_key,
        })
    }
}

/// One page of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct OrderPage {
    /// Rows matching the filter (all pages).
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<OrderRow>,
}

/// Totals of a group (a sid, a day, or everything).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct Totals {
    /// The sid or the day; empty for the grand total.
    pub key: String,
    pub orders: u32,
    #[specta(type = f64)]
    pub pay_price_cents: i64,
    /// CPS + CPA commission of every order.
    #[specta(type = f64)]
    pub commission_cents: i64,
    /// Commission of the orders that still earn (paid, completed, settled).
    #[specta(type = f64)]
    pub valid_commission_cents: i64,
    #[specta(type = f64)]
    pub refund_price_cents: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct OrderStats {
    pub total: Totals,
    pub by_sid: Vec<Totals>,
    /// Oldest day first.
    pub by_day: Vec<Totals>,
}

pub const MAX_PAGE_ROWS: u32 = 1000;

/// A page of a profile's orders, newest payment first.
pub fn list(
    store: &Store,
    profile_id: &str,
    filter: &OrderFilter,
    offset: u32,
    limit: u32,
) -> Result<OrderPage> {
    let f = filter.resolve()?;
    let limit = limit.clamp(1, MAX_PAGE_ROWS);
    let conn = store.connect()?;
    let total = store::orders::count(&conn, profile_id, &f)?;
    let rows = store::orders::page(&conn, profile_id, &f, offset, limit)?;
    Ok(OrderPage {
        total,
        offset,
        rows,
    })
}

/// Totals per sid and per Beijing day for the filter.
pub fn stats(store: &Store, profile_id: &str, filter: &OrderFilter) -> Result<OrderStats> {
    let f = filter.resolve()?;
    let conn = store.connect()?;
    store::orders::stats(&conn, profile_id, &f)
}

/// A business line the profile has orders in, with its names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LineOption {
    /// [`meituan_union::OrderLine::key`]: `legacy:2:1`, `media:1:7`.
    pub key: String,
    /// Media platform; `None` for legacy lines.
    pub platform: Option<i32>,
    /// Meituan's `businessLine` code.
    pub code: i32,
    pub sub: Option<i32>,
    /// Meituan's name and ours in English, when a public source documents
    /// the line; `None`: shown as its code.
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub platform_zh: Option<String>,
    pub platform_en: Option<String>,
    /// Stored orders of the line.
    pub orders: u32,
}

impl LineOption {
    /// The names of `line`, with `orders` stored orders.
    pub fn of(line: OrderLine, orders: u32) -> Self {
        let name = line.name();
        let platform = line
            .platform()
            .and_then(meituan_union::lines::platform_name);
        LineOption {
            key: line.key(),
            platform: line.platform().and_then(|p| i32::try_from(p).ok()),
            code: i32::try_from(line.code()).unwrap_or(i32::MAX),
            sub: match line {
                OrderLine::Legacy { sub, .. } => sub.and_then(|s| i32::try_from(s).ok()),
                OrderLine::Media { .. } => None,
            },
            name_zh: name.map(|n| n.zh.to_owned()),
            name_en: name.map(|n| n.en.to_owned()),
            platform_zh: platform.map(|n| n.zh.to_owned()),
            platform_en: platform.map(|n| n.en.to_owned()),
            orders,
        }
    }
}

/// The lines a profile has stored orders in (platform, then code order),
/// for the filter and for naming rows.
pub fn lines(store: &Store, profile_id: &str) -> Result<Vec<LineOption>> {
    let conn = store.connect()?;
    let mut found: Vec<(OrderLine, u32)> = store::orders::line_counts(&conn, profile_id)?
        .into_iter()
        .filter_map(|(key, n)| OrderLine::parse(&key).map(|l| (l, n)))
        .collect();
    found.sort_by_key(|(l, _)| *l);
    Ok(found
        .into_iter()
        .map(|(l, n)| LineOption::of(l, n))
        .collect())
}

/// Every order matching the filter, for export (newest first).
pub fn all(store: &Store, profile_id: &str, filter: &OrderFilter) -> Result<Vec<OrderRow>> {
    let f = filter.resolve()?;
    let conn = store.connect()?;
    store::orders::page(&conn, profile_id, &f, 0, u32::MAX)
}

/// The columns of an order export, in order.
pub const EXPORT_HEADERS: [&str; 17] = [
    "order_id",
    "pay_time",
    "mod_time",
    "sid",
    "status",
    "raw_status",
    "platform",
    "business_line",
    "sub_business_line",
    "business_line_name",
    "act_id",
    "product_name",
    "pay_price",
    "profit",
    "cpa_profit",
    "refund_price",
    "refund_profit",
];

fn beijing_time(epoch_s: i64) -> String {
    beijing()
        .timestamp_opt(epoch_s, 0)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// One order as export cells (times in Beijing, money in yuan).
pub fn export_cells(o: &OrderRow) -> Vec<crate::export::Cell> {
    use crate::export::Cell;
    vec![
        Cell::Text(o.order_id.clone()),
        Cell::Text(beijing_time(o.pay_time)),
        Cell::Text(beijing_time(o.mod_time)),
        Cell::Text(o.sid.clone()),
        Cell::Text(o.status.as_str().to_owned()),
        Cell::Int(i64::from(o.raw_status)),
        o.platform.map_or(Cell::Empty, |p| Cell::Int(i64::from(p))),
        o.business_line
            .map_or(Cell::Empty, |b| Cell::Int(i64::from(b))),
        o.sub_business_line
            .map_or(Cell::Empty, |b| Cell::Int(i64::from(b))),
        // Meituan's own (Chinese) name; empty when no source names the line.
        o.line()
            .and_then(|l| l.name())
            .map_or(Cell::Empty, |n| Cell::Text(n.zh.to_owned())),
        o.act_id.clone().map_or(Cell::Empty, Cell::Text),
        o.product_name.clone().map_or(Cell::Empty, Cell::Text),
        Cell::Money(o.pay_price_cents),
        Cell::Money(o.profit_cents),
        Cell::Money(o.cpa_profit_cents),
        Cell::Money(o.refund_price_cents),
        Cell::Money(o.refund_profit_cents),
    ]
}

/// Writes the filtered orders to `path` as CSV or XLSX (by `format`);
/// returns how many rows were written.
pub fn export(
    store: &Store,
    profile_id: &str,
    filter: &OrderFilter,
    format: crate::export::ExportFormat,
    path: &std::path::Path,
) -> Result<u32> {
    export_with_progress(store, profile_id, filter, format, path, |_, _| {})
}

/// Rows between two progress reports of an export.
pub const EXPORT_PROGRESS_EVERY: u32 = 2_000;

/// [`export`], streamed: the orders come off SQLite one at a time into the
/// file, and `progress(done, total)` is called with `(0, total)` first,
/// then every [`EXPORT_PROGRESS_EVERY`] rows and once at the end. The count
/// and the rows are read in one transaction, so `total` is exactly what is
/// written even while a sync stores more orders.
pub fn export_with_progress(
    store: &Store,
    profile_id: &str,
    filter: &OrderFilter,
    format: crate::export::ExportFormat,
    path: &std::path::Path,
    progress: impl Fn(u32, u32),
) -> Result<u32> {
    let f = filter.resolve()?;
    let mut conn = store.connect()?;
    // A read transaction: one snapshot for the count and the rows.
    let tx = conn.transaction()?;
    let total = store::orders::count(&tx, profile_id, &f)?;
    progress(0, total);
    let mut done = 0u32;
    crate::export::write_table_with(path, format, "orders", &EXPORT_HEADERS, |sink| {
        store::orders::for_each(&tx, profile_id, &f, |row| {
            sink(&export_cells(&row))?;
            done += 1;
            if done.is_multiple_of(EXPORT_PROGRESS_EVERY) {
                progress(done, total);
            }
            Ok(())
        })
    })?;
    tx.commit()?;
    progress(done, total);
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_are_exact() {
        assert_eq!(parse_cents("x", "30.50").unwrap(), 3050);
        assert_eq!(parse_cents("x", "30.5").unwrap(), 3050);
        assert_eq!(parse_cents("x", "7").unwrap(), 700);
        assert_eq!(parse_cents("x", "0.07").unwrap(), 7);
        assert_eq!(parse_cents("x", ".9").unwrap(), 90);
        assert_eq!(parse_cents("x", "-1.20").unwrap(), -120);
        assert_eq!(parse_cents("x", "1.100").unwrap(), 110);
        assert_eq!(parse_cents("x", "").unwrap(), 0);
        // 0.1 + 0.2 in floats is 0.30000000000000004; here it is 30 cents.
        assert_eq!(
            parse_cents("x", "0.1").unwrap() + parse_cents("x", "0.2").unwrap(),
            30
        );
        assert_eq!(parse_cents("x", "99999999.99").unwrap(), 9_999_999_999);
        for bad in ["1.234", "abc", "1,5", "1.2.3", "-", "."] {
            assert!(parse_cents("x", bad).is_err(), "{bad} accepted");
        }
        assert_eq!(format_cents(3050), "30.50");
        assert_eq!(format_cents(-7), "-0.07");
    }

    #[test]
    fn legacy_status_mapping_keeps_risk_apart_from_refund() {
        let base: LegacyOrder = serde_json::from_value(serde_json::json!({
            "orderid": "123", "paytime": "1700000000", "payprice": "30.50",
            "profit": "1.53", "cpaProfit": "0", "sid": "s1", "status": 9,
            "riskOrder": 1, "businessLine": 2, "modTime": "1700000100",
            "refundprice": "30.50", "refundprofit": "1.53"
        }))
        .unwrap();
        let row = from_legacy(&base).unwrap();
        assert_eq!(row.status, OrderStatus::Risk);
        assert_eq!(row.raw_status, 9);
        assert_eq!(row.pay_price_cents, 3050);
        assert_eq!(row.refund_profit_cents, 153);
        assert_eq!(row.mod_time, 1_700_000_100);
        let mut refunded = base.clone();
        refunded.risk_order = Some(0);
        assert_eq!(
            from_legacy(&refunded).unwrap().status,
            OrderStatus::Refunded
        );
        let raw: Value = serde_json::from_str(&row.raw_json).unwrap();
        assert_eq!(raw["payprice"], "30.50");
        // Line 2 without a sub-line.
        assert_eq!(row.line_key.as_deref(), Some("legacy:2"));
        assert_eq!(row.platform, None);
        let mut sub = base.clone();
        sub.sub_business_line_code = Some(3);
        let row = from_legacy(&sub).unwrap();
        assert_eq!(row.line_key.as_deref(), Some("legacy:2:3"));
        assert_eq!(
            row.line().and_then(|l| l.name()).map(|n| n.zh),
            Some("团好货")
        );
    }

    #[test]
    fn media_lines_keep_their_platform_and_the_question_fills_gaps() {
        let order = |v: Value| -> MediaOrder { serde_json::from_value(v).unwrap() };
        let base = serde_json::json!({"orderId": "9", "payTime": 1700000000});
        // As sent: 到家 4 is 团好货 (legacy 4 would be 优选).
        let mut v = base.clone();
        v["platform"] = 1.into();
        v["businessLine"] = 4.into();
        let row = from_media(&order(v), MediaAsked::default()).unwrap();
        assert_eq!(row.line_key.as_deref(), Some("media:1:4"));
        assert_eq!(
            row.line().and_then(|l| l.name()).map(|n| n.zh),
            Some("团好货")
        );
        // 到店 1 is 到餐.
        let mut v = base.clone();
        v["platform"] = 2.into();
        v["businessLine"] = 1.into();
        let row = from_media(&order(v), MediaAsked::default()).unwrap();
        assert_eq!(row.line_key.as_deref(), Some("media:2:1"));
        // No platform in the answer: the one asked for, else Meituan's default 1.
        let mut v = base.clone();
        v["businessLine"] = 2.into();
        let asked = MediaAsked {
            platform: Some(2),
            line: None,
        };
        assert_eq!(
            from_media(&order(v.clone()), asked)
                .unwrap()
                .line_key
                .as_deref(),
            Some("media:2:2")
        );
        assert_eq!(
            from_media(&order(v), MediaAsked::default())
                .unwrap()
                .platform,
            Some(1)
        );
        // No line in the answer to a question for 券包 alone: it is 券包.
        let asked = MediaAsked {
            platform: Some(1),
            line: Some(7),
        };
        let row = from_media(&order(base.clone()), asked).unwrap();
        assert_eq!(row.line_key.as_deref(), Some("media:1:7"));
        // Nothing known: no line.
        let row = from_media(&order(base), MediaAsked::default()).unwrap();
        assert_eq!(row.line_key, None);
        // Fields newer clients document are kept for export and detail.
        let row = from_media(
            &order(serde_json::json!({"orderId": "8", "payTime": 1700000000,
                "platform": 1, "businessLine": 7, "skuCount": 3, "cityName": "北京"})),
            MediaAsked::default(),
        )
        .unwrap();
        let raw: Value = serde_json::from_str(&row.raw_json).unwrap();
        assert_eq!(raw["skuCount"], 3);
        assert_eq!(raw["cityName"], "北京");
    }

    #[test]
    fn a_line_filter_needs_a_line_key() {
        let f = OrderFilter {
            line: Some(" media:1:7 ".into()),
            ..Default::default()
        };
        assert_eq!(f.resolve().unwrap().line_key.as_deref(), Some("media:1:7"));
        for bad in ["7", "外卖", "media:1", "legacy:2:0"] {
            let f = OrderFilter {
                line: Some(bad.into()),
                ..Default::default()
            };
            let err = f.resolve().unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { field, .. } if field == "line"),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn media_status_mapping() {
        for (code, st) in [
            (2, OrderStatus::Paid),
            (3, OrderStatus::Completed),
            (4, OrderStatus::Cancelled),
            (5, OrderStatus::Risk),
            (6, OrderStatus::Settled),
        ] {
            let o: MediaOrder = serde_json::from_value(serde_json::json!({
                "orderId": "9", "payTime": 1700000000, "payPrice": "12.00",
                "profit": "0.60", "status": code, "updateTime": 1700000500
            }))
            .unwrap();
            let row = from_media(&o, MediaAsked::default()).unwrap();
            assert_eq!(row.status, st);
            assert_eq!(row.mod_time, 1_700_000_500);
            assert_eq!(row.commission_cents(), 60);
        }
    }

    #[test]
    fn filter_dates_are_beijing_days() {
        let f = OrderFilter {
            from: Some("2026-03-01".into()),
            to: Some("2026-03-01".into()),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        // 2026-03-01 00:00 +08:00 is 2026-02-28 16:00 UTC.
        assert_eq!(f.from_s, Some(1_772_294_400));
        assert_eq!(f.to_s, Some(1_772_294_400 + 86_399));
        assert!(OrderFilter {
            from: Some("2026-03-02".into()),
            to: Some("2026-03-01".into()),
            ..Default::default()
        }
        .resolve()
        .is_err());
        assert_eq!(beijing_date_of(1_772_294_400), "2026-03-01");
        assert_eq!(beijing_date_of(1_772_294_399), "2026-02-28");
    }
}
