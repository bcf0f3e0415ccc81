//! Synced orders: normalization of both API generations into one row shape,
//! exact money (integer cents parsed from Meituan's decimal strings, never
//! through floats), the upsert by order id, and the reads behind the Orders
//! screen (filtered pages, totals per sid and per day).

use crate::error::{Error, Result};
use crate::store::Store;
use chrono::NaiveDate;
use meituan_union::{LegacyOrder, MediaOrder, OrderLine};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod detail;
mod export;
mod filter;
mod money;
mod normalize;
pub mod sync;

pub use export::*;
pub use filter::*;
pub use money::*;
pub use normalize::*;

/// This feature's SQL.
pub mod sql;

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
    /// A parent `status` no source names (media 7, legacy 2, none sent):
    /// shown as sent ([`OrderRow::raw_status`]), never as paid. Stored as
    /// `paid` (the `orders.status` CHECK of migration 0005 has no other
    /// word) and told apart by [`sql::KNOWN_PAID`] when read back.
    Unknown,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Paid,
        OrderStatus::Completed,
        OrderStatus::Refunded,
        OrderStatus::Cancelled,
        OrderStatus::Risk,
        OrderStatus::Settled,
        OrderStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Paid => "paid",
            OrderStatus::Completed => "completed",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Risk => "risk",
            OrderStatus::Settled => "settled",
            OrderStatus::Unknown => "unknown",
        }
    }

    /// The word kept in `orders.status`: an unknown status is kept as
    /// `paid` (see [`OrderStatus::Unknown`]).
    pub fn stored(self) -> &'static str {
        match self {
            OrderStatus::Unknown => "paid",
            st => st.as_str(),
        }
    }

    pub fn parse(s: &str) -> Result<OrderStatus> {
        OrderStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "status",
                    "must be paid, completed, refunded, cancelled, risk, settled or unknown",
                )
            })
    }

    /// Whether the order's commission counts as valid (not refunded,
    /// cancelled or held by risk control). An unknown status counts, as the
    /// kept day totals (stored `paid`) count it: our assumption, that a code
    /// no source names has not taken the commission back.
    pub fn is_valid(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid
                | OrderStatus::Completed
                | OrderStatus::Settled
                | OrderStatus::Unknown
        )
    }
}

// The Beijing date of an epoch-seconds instant (`YYYY-MM-DD`) and the
// first instant of a Beijing date: from `meituan_union::beijing`.
pub use meituan_union::beijing::{
    date_of_epoch_s as beijing_date_of, day_start_s as beijing_day_start,
};

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
    let total = sql::count(&conn, profile_id, &f)?;
    let rows = sql::page(&conn, profile_id, &f, offset, limit)?;
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
    sql::stats(&conn, profile_id, &f)
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
    let mut found: Vec<(OrderLine, u32)> = sql::line_counts(&conn, profile_id)?
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
    sql::page(&conn, profile_id, &f, 0, u32::MAX)
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
        // 1 is 已付款; 2 or no status is no legacy status a source names.
        for (code, st) in [
            (Some(1), OrderStatus::Paid),
            (Some(2), OrderStatus::Unknown),
            (None, OrderStatus::Unknown),
        ] {
            let mut o = base.clone();
            o.status_code = code;
            assert_eq!(from_legacy(&o).unwrap().status, st, "{code:?}");
        }
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
            (7, OrderStatus::Unknown),
            (1, OrderStatus::Unknown),
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
