//! Deterministic synthetic orders and coupons.
//!
//! An account's orders are a timeline laid out once from (seed, appkey,
//! anchor day, volume): each order has a pay time and, usually, a later
//! "fate" (completion, refund or risk control) with its own time. What the
//! API shows is that timeline read at the current (injected) time: orders
//! whose pay time is still ahead do not exist yet, and an order's status and
//! modification time are those of its latest event not after "now". So the
//! same seed and the same clock give the same answers, and letting the clock
//! run makes new orders appear and old ones change (which is what incremental
//! sync by modification time and the callbacks need).

use crate::clock::{beijing_day, beijing_midnight_s, month_start_offset};
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which time an order window filters on (`queryTimeType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeType {
    /// 1: pay time.
    Pay,
    /// 2: time of the latest modification.
    Modified,
}

impl TimeType {
    pub fn from_code(code: i64) -> Option<TimeType> {
        match code {
            1 => Some(TimeType::Pay),
            2 => Some(TimeType::Modified),
            _ => None,
        }
    }
}

/// How an order ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// 已完成 (legacy status 8).
    Complete,
    /// 已退款 (legacy 9, full refund).
    Refund,
    /// 风控 (legacy 9 with riskOrder 1).
    Risk,
}

/// One synthetic (or injected) order. Money is in fen (cents), times are
/// epoch seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub orderid: String,
    pub ordertime: i64,
    pub paytime: i64,
    /// The event after payment and when it happens; `None` keeps the order
    /// paid (status 1) for ever.
    pub fate: Option<Fate>,
    pub fate_at: i64,
    pub payprice: i64,
    pub profit: i64,
    pub cpa_profit: i64,
    /// Commission rate in 1/10000 (300 = 3 %), as media `commissionRate`.
    pub commission_rate: u32,
    pub sid: String,
    pub act_id: u32,
    pub business_line: u8,
    pub sub_business_line: u8,
    pub smstitle: String,
    pub product_id: String,
    pub product_name: String,
    pub trade_types: Vec<u8>,
    pub quantity: u32,
    pub uid: u64,
}

/// Legacy order status (1 已付款, 8 已完成, 9 已退款或风控).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LegacyStatus {
    Paid = 1,
    Completed = 8,
    RefundedOrRisk = 9,
}

/// An order as seen at some instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderState {
    pub status: LegacyStatus,
    pub risk: bool,
    pub refunded: bool,
    /// Epoch seconds of the latest event.
    pub mod_time: i64,
}

impl Order {
    /// The order at `now_s`, or `None` if it has not been paid yet.
    pub fn state_at(&self, now_s: i64) -> Option<OrderState> {
        if self.paytime > now_s {
            return None;
        }
        let paid = OrderState {
            status: LegacyStatus::Paid,
            risk: false,
            refunded: false,
            mod_time: self.paytime,
        };
        Some(match self.fate {
            Some(fate) if self.fate_at <= now_s => OrderState {
                status: match fate {
                    Fate::Complete => LegacyStatus::Completed,
                    Fate::Refund | Fate::Risk => LegacyStatus::RefundedOrRisk,
                },
                risk: fate == Fate::Risk,
                refunded: fate == Fate::Refund,
                mod_time: self.fate_at,
            },
            _ => paid,
        })
    }

    /// Media `status`: 2 付款, 3 完成, 4 取消 (refund), 5 风控.
    pub fn media_status(state: &OrderState) -> &'static str {
        match state.status {
            LegacyStatus::Paid => "2",
            LegacyStatus::Completed => "3",
            LegacyStatus::RefundedOrRisk if state.risk => "5",
            LegacyStatus::RefundedOrRisk => "4",
        }
    }
}

/// What happened to an order at some instant; callbacks push these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Paid,
    Completed,
    Refunded,
    Risk,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: i64,
    pub order: u32,
    pub kind: EventKind,
}

/// All orders of one account plus the indexes the API needs.
#[derive(Debug, Default)]
pub struct OrderBook {
    pub orders: Vec<Order>,
    /// Indexes into `orders`, sorted by (paytime, orderid).
    pay_index: Vec<u32>,
    /// Every event, sorted by (time, order).
    events: Vec<Event>,
    by_id: HashMap<String, u32>,
    /// Orders added or changed through the admin API: their timeline events
    /// are missing or stale, so a modification-time query checks them all.
    touched: Vec<u32>,
}

/// Totals over a set of orders, for tests that compare with a client's sums.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OrderTotals {
    pub count: u64,
    pub payprice_cents: i64,
    pub profit_cents: i64,
    pub cpa_profit_cents: i64,
    pub refund_cents: i64,
    pub paid: u64,
    pub completed: u64,
    pub refunded_or_risk: u64,
}

impl OrderBook {
    pub fn new(orders: Vec<Order>) -> Self {
        let mut book = OrderBook {
            orders,
            ..Default::default()
        };
        book.reindex();
        book
    }

    fn reindex(&mut self) {
        let orders = &self.orders;
        let mut pay_index: Vec<u32> = (0..orders.len() as u32).collect();
        pay_index.sort_by(|a, b| {
            let (oa, ob) = (&orders[*a as usize], &orders[*b as usize]);
            (oa.paytime, &oa.orderid).cmp(&(ob.paytime, &ob.orderid))
        });
        self.pay_index = pay_index;
        self.by_id = orders
            .iter()
            .enumerate()
            .map(|(i, o)| (o.orderid.clone(), i as u32))
            .collect();
        let mut events = Vec::with_capacity(orders.len() * 2);
        for (i, o) in orders.iter().enumerate() {
            events.push(Event {
                at: o.paytime,
                order: i as u32,
                kind: EventKind::Paid,
            });
            if let Some(f) = o.fate {
                events.push(Event {
                    at: o.fate_at,
                    order: i as u32,
                    kind: fate_event(f),
                });
            }
        }
        events.sort_by_key(|e| (e.at, e.order, e.kind as u8));
        self.events = events;
    }

    pub fn get(&self, orderid: &str) -> Option<&Order> {
        self.by_id.get(orderid).map(|i| &self.orders[*i as usize])
    }

    /// Adds an order (admin injection); returns its index. Admin changes
    /// are pushed to callbacks by the caller, at once, so they get no
    /// timeline event here (the timeline would push them a second time).
    pub fn insert(&mut self, order: Order) -> u32 {
        let idx = self.orders.len() as u32;
        let pos = self.pay_index.partition_point(|i| {
            let o = &self.orders[*i as usize];
            (o.paytime, &o.orderid) < (order.paytime, &order.orderid)
        });
        self.pay_index.insert(pos, idx);
        self.by_id.insert(order.orderid.clone(), idx);
        self.touched.push(idx);
        self.orders.push(order);
        idx
    }

    /// Sets an order's fate at `at` (admin status change); returns the
    /// order's index. The replaced timeline event, if any, stays in the list
    /// and [`OrderBook::event_is_current`] tells the callback worker to skip
    /// it.
    pub fn set_fate(&mut self, orderid: &str, fate: Fate, at: i64) -> Option<u32> {
        let idx = *self.by_id.get(orderid)?;
        let order = &mut self.orders[idx as usize];
        order.fate = Some(fate);
        order.fate_at = at.max(order.paytime);
        self.touched.push(idx);
        Some(idx)
    }

    /// Events with `after < at <= upto`, in time order.
    pub fn events_between(&self, after: i64, upto: i64) -> &[Event] {
        let lo = self.events.partition_point(|e| e.at <= after);
        let hi = self.events.partition_point(|e| e.at <= upto);
        &self.events[lo..hi.max(lo)]
    }

    /// Whether an event still describes the order (a later admin change may
    /// have replaced a fate).
    pub fn event_is_current(&self, e: &Event) -> bool {
        let o = &self.orders[e.order as usize];
        match e.kind {
            EventKind::Paid => o.paytime == e.at,
            kind => o.fate.map(fate_event) == Some(kind) && o.fate_at == e.at,
        }
    }

    /// Orders matching a window at `now_s`, in a stable order: by the
    /// filtered time, then orderid. Both window ends are inclusive.
    pub fn select(
        &self,
        now_s: i64,
        start_s: i64,
        end_s: i64,
        time_type: TimeType,
        filter: impl Fn(&Order) -> bool,
    ) -> Vec<(&Order, OrderState)> {
        let mut out = Vec::new();
        match time_type {
            TimeType::Pay => {
                let lo = self
                    .pay_index
                    .partition_point(|i| self.orders[*i as usize].paytime < start_s);
                for i in &self.pay_index[lo..] {
                    let o = &self.orders[*i as usize];
                    if o.paytime > end_s {
                        break;
                    }
                    if let Some(st) = o.state_at(now_s) {
                        if filter(o) {
                            out.push((o, st));
                        }
                    }
                }
            }
            TimeType::Modified => {
                // An order's modification time is the time of its latest
                // event, so only orders with an event inside the window (and
                // those the admin API changed) can match: no scan of the
                // whole book per page.
                let mut candidates: Vec<u32> = self
                    .events_between(start_s.saturating_sub(1), end_s.min(now_s))
                    .iter()
                    .map(|e| e.order)
                    .chain(self.touched.iter().copied())
                    .collect();
                candidates.sort_unstable();
                candidates.dedup();
                for i in candidates {
                    let o = &self.orders[i as usize];
                    if let Some(st) = o.state_at(now_s) {
                        if st.mod_time >= start_s && st.mod_time <= end_s && filter(o) {
                            out.push((o, st));
                        }
                    }
                }
                out.sort_by(|(a, sa), (b, sb)| {
                    (sa.mod_time, &a.orderid).cmp(&(sb.mod_time, &b.orderid))
                });
            }
        }
        out
    }

    /// Totals over [`OrderBook::select`] with no extra filter.
    pub fn totals(&self, now_s: i64, start_s: i64, end_s: i64, tt: TimeType) -> OrderTotals {
        let mut t = OrderTotals::default();
        for (o, st) in self.select(now_s, start_s, end_s, tt, |_| true) {
            t.count += 1;
            t.payprice_cents += o.payprice;
            t.profit_cents += o.profit;
            t.cpa_profit_cents += o.cpa_profit;
            if st.status == LegacyStatus::RefundedOrRisk && st.refunded {
                t.refund_cents += o.payprice;
            }
            match st.status {
                LegacyStatus::Paid => t.paid += 1,
                LegacyStatus::Completed => t.completed += 1,
                LegacyStatus::RefundedOrRisk => t.refunded_or_risk += 1,
            }
        }
        t
    }

    /// Monthly average order volume as the tier table reads it: the mean,
    /// over the last three complete Beijing months before `now_ms`, of the
    /// orders paid in the month whose status at `now_ms` is 1 or 8.
    pub fn monthly_average(&self, now_ms: i64) -> f64 {
        let now_s = now_ms.div_euclid(1000);
        let this_month = month_start_offset(beijing_day(now_ms), 0);
        let start = beijing_midnight_s(month_start_offset(this_month, -3));
        let end = beijing_midnight_s(this_month) - 1;
        let valid = self
            .select(now_s, start, end, TimeType::Pay, |_| true)
            .into_iter()
            .filter(|(_, st)| st.status != LegacyStatus::RefundedOrRisk)
            .count();
        valid as f64 / 3.0
    }
}

fn fate_event(f: Fate) -> EventKind {
    match f {
        Fate::Complete => EventKind::Completed,
        Fate::Refund => EventKind::Refunded,
        Fate::Risk => EventKind::Risk,
    }
}

/// FNV-1a, a stable hash (std's hasher is randomized per process).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A ChaCha stream for one purpose, from the seed and a label.
pub(crate) fn rng_for(seed: u64, label: &str) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ fnv1a(label.as_bytes()))
}

/// Promotion positions the synthetic orders are attributed to.
pub const SIDS: [&str; 5] = [
    "demo_wx01",
    "demo_pyq02",
    "demo_dy03",
    "demo_qq04",
    "demo_site05",
];

struct Line {
    business_line: u8,
    sub: u8,
    act_id: u32,
    weight: u32,
    /// Pay price range in yuan.
    price: (u32, u32),
    /// Commission rate range in 1/10000.
    rate: (u32, u32),
    /// Delay range (minutes) from payment to completion.
    complete_min: (i64, i64),
}

const LINES: [Line; 8] = [
    Line {
        business_line: 2,
        sub: 1,
        act_id: 33,
        weight: 40,
        price: (15, 90),
        rate: (300, 600),
        complete_min: (30, 180),
    },
    Line {
        business_line: 2,
        sub: 2,
        act_id: 38,
        weight: 12,
        price: (20, 200),
        rate: (200, 500),
        complete_min: (40, 240),
    },
    Line {
        business_line: 2,
        sub: 3,
        act_id: 40,
        weight: 6,
        price: (10, 99),
        rate: (500, 1500),
        complete_min: (1440, 7200),
    },
    Line {
        business_line: 4,
        sub: 0,
        act_id: 42,
        weight: 12,
        price: (5, 60),
        rate: (100, 300),
        complete_min: (1440, 4320),
    },
    Line {
        business_line: 1,
        sub: 0,
        act_id: 2,
        weight: 8,
        price: (20, 200),
        rate: (200, 500),
        complete_min: (120, 28800),
    },
    Line {
        business_line: 3,
        sub: 0,
        act_id: 7,
        weight: 6,
        price: (150, 800),
        rate: (300, 600),
        complete_min: (1440, 20160),
    },
    Line {
        business_line: 9,
        sub: 0,
        act_id: 21,
        weight: 10,
        price: (30, 300),
        rate: (200, 800),
        complete_min: (120, 28800),
    },
    Line {
        business_line: 10,
        sub: 0,
        act_id: 22,
        weight: 6,
        price: (50, 500),
        rate: (300, 1000),
        complete_min: (120, 28800),
    },
];

const SHOP_HEAD: [&str; 8] = [
    "老王", "小李", "阿香", "川味", "粤式", "湘村", "北方", "江南",
];
const SHOP_TAIL: [&str; 8] = [
    "麻辣烫",
    "黄焖鸡米饭",
    "兰州拉面",
    "煲仔饭",
    "奶茶铺",
    "炸鸡",
    "饺子馆",
    "寿司",
];
const GOODS: [&str; 8] = [
    "当季水果礼盒",
    "纸巾12包",
    "洗衣凝珠",
    "鲜牛奶1L",
    "坚果混合装",
    "冷冻水饺",
    "抽纸家庭装",
    "鸡蛋30枚",
];
const HOTELS: [&str; 4] = ["示例大酒店", "样板快捷酒店", "演示精品民宿", "沙盒假日酒店"];
const VENUES: [&str; 4] = ["示例KTV", "样板足疗", "演示健身房", "沙盒密室逃脱"];

/// Relative weight of each hour of the day (lunch and dinner peaks).
const HOUR_WEIGHTS: [u32; 24] = [
    2, 1, 1, 1, 1, 1, 2, 4, 6, 5, 6, 12, 14, 8, 5, 5, 6, 10, 14, 12, 8, 6, 4, 3,
];

fn pick_weighted(rng: &mut ChaCha8Rng, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u32 = weights.clone().sum();
    let mut x = rng.gen_range(0..total);
    for (i, w) in weights.enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    0
}

fn titles(rng: &mut ChaCha8Rng, line: &Line) -> (String, String, String) {
    let shop = format!(
        "{}{}",
        SHOP_HEAD[rng.gen_range(0..SHOP_HEAD.len())],
        SHOP_TAIL[rng.gen_range(0..SHOP_TAIL.len())]
    );
    let product_id = || -> String { String::new() };
    match (line.business_line, line.sub) {
        (2, 1) => (format!("【外卖】{shop}"), product_id(), shop),
        (2, 2) => {
            let goods = GOODS[rng.gen_range(0..GOODS.len())];
            (format!("【闪购】{goods}"), product_id(), goods.to_owned())
        }
        (2, 3) | (4, _) => {
            let goods = GOODS[rng.gen_range(0..GOODS.len())];
            let tag = if line.business_line == 4 {
                "优选"
            } else {
                "团好货"
            };
            let id = rng.gen_range(100_000_000u64..999_999_999).to_string();
            (format!("【{tag}】{goods}"), id, goods.to_owned())
        }
        (3, _) => {
            let h = HOTELS[rng.gen_range(0..HOTELS.len())];
            (format!("【酒店】{h}"), product_id(), h.to_owned())
        }
        (9, _) => {
            let id = rng.gen_range(100_000_000u64..999_999_999).to_string();
            (
                format!("【到店美食】{shop}双人套餐"),
                id,
                format!("{shop}双人套餐"),
            )
        }
        (10, _) => {
            let v = VENUES[rng.gen_range(0..VENUES.len())];
            let id = rng.gen_range(100_000_000u64..999_999_999).to_string();
            (format!("【休闲娱乐】{v}"), id, v.to_owned())
        }
        _ => (
            format!("【美团】{shop}代金券"),
            product_id(),
            format!("{shop}代金券"),
        ),
    }
}

/// Inputs of [`generate`].
#[derive(Clone, Copy, Debug)]
pub struct GenParams<'a> {
    pub seed: u64,
    pub appkey: &'a str,
    /// Any instant of the anchor day (epoch ms).
    pub anchor_ms: i64,
    pub orders_per_month: u32,
}

/// Months of history before the anchor month, and months after it.
pub const MONTHS_BEFORE: i32 = 4;
pub const MONTHS_AFTER: i32 = 1;

/// Lays out an account's order timeline. Per Beijing calendar month from
/// four months before the anchor's month to one month after it: exactly
/// `orders_per_month` orders that end completed, plus 5 % more that are
/// refunded and 3 % more that are caught by risk control.
pub fn generate(p: GenParams<'_>) -> Vec<Order> {
    let mut rng = rng_for(p.seed, &format!("orders:{}", p.appkey));
    let salt = fnv1a(p.appkey.as_bytes()) % 1000;
    let anchor_day = beijing_day(p.anchor_ms);
    let mut orders = Vec::new();
    let mut serial: u64 = 0;
    let n = p.orders_per_month as u64;
    let n_refund = (n * 5 + 50) / 100;
    let n_risk = (n * 3 + 50) / 100;
    for m in -MONTHS_BEFORE..=MONTHS_AFTER {
        let first: NaiveDate = month_start_offset(anchor_day, m);
        let next = month_start_offset(first, 1);
        let start_s = beijing_midnight_s(first);
        let days = (beijing_midnight_s(next) - start_s) / 86_400;
        let mut month: Vec<Order> = Vec::with_capacity((n + n_refund + n_risk) as usize);
        let fates = std::iter::repeat_n(Fate::Complete, n as usize)
            .chain(std::iter::repeat_n(Fate::Refund, n_refund as usize))
            .chain(std::iter::repeat_n(Fate::Risk, n_risk as usize));
        for fate in fates {
            let day = rng.gen_range(0..days);
            let hour = pick_weighted(&mut rng, HOUR_WEIGHTS.iter().copied()) as i64;
            let paytime = start_s + day * 86_400 + hour * 3600 + rng.gen_range(0..3600i64);
            let line = &LINES[pick_weighted(&mut rng, LINES.iter().map(|l| l.weight))];
            let yuan_cents = rng.gen_range(line.price.0 * 100..=line.price.1 * 100) as i64;
            // Prices end in .x0 or .x9 like real menus.
            let payprice = (yuan_cents / 10) * 10 + if rng.gen_bool(0.3) { 9 } else { 0 };
            let rate = rng.gen_range(line.rate.0..=line.rate.1);
            let profit = (payprice * rate as i64 + 5_000) / 10_000;
            let trade_types: Vec<u8> = if line.business_line == 4 {
                match rng.gen_range(0..3) {
                    0 => vec![2],
                    1 => vec![2, 3],
                    _ => vec![3],
                }
            } else {
                vec![2]
            };
            let cpa_profit = if trade_types.contains(&3) {
                rng.gen_range(200..=600)
            } else {
                0
            };
            let fate_delay_s = match fate {
                Fate::Complete => rng.gen_range(line.complete_min.0..=line.complete_min.1) * 60,
                Fate::Refund => rng.gen_range(10..=2 * 1440i64) * 60,
                Fate::Risk => rng.gen_range(60..=3 * 1440i64) * 60,
            };
            let sid = if rng.gen_bool(0.05) {
                String::new()
            } else {
                SIDS[pick_weighted(&mut rng, [5u32, 4, 3, 2, 1].into_iter())].to_owned()
            };
            let (smstitle, product_id, product_name) = titles(&mut rng, line);
            let quantity = if rng.gen_bool(0.8) {
                1
            } else {
                rng.gen_range(2..=4)
            };
            let uid = rng.gen_range(10_000_000u64..999_999_999);
            month.push(Order {
                orderid: String::new(),
                ordertime: paytime - rng.gen_range(5..120i64),
                paytime,
                fate: Some(fate),
                fate_at: paytime + fate_delay_s,
                payprice,
                profit,
                cpa_profit,
                commission_rate: rate,
                sid,
                act_id: line.act_id,
                business_line: line.business_line,
                sub_business_line: line.sub,
                smstitle,
                product_id,
                product_name,
                trade_types,
                quantity,
                uid,
            });
        }
        month.sort_by_key(|o| o.paytime);
        for o in &mut month {
            serial += 1;
            // 16 digits like real ids; unique per account by construction.
            let id = 3_300_000_000_000_000u64
                + salt * 100_000_000_000
                + serial * 97
                + rng.gen_range(0..97);
            o.orderid = id.to_string();
        }
        orders.extend(month);
    }
    orders
}

/// Formats fen as yuan with two decimals: 3050 → "30.50".
pub fn yuan(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// A coupon of the synthetic `query_coupon` catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coupon {
    pub sku_view_id: String,
    pub name: String,
    pub brand: String,
    pub platform: u8,
    pub biz_line: u8,
    pub original_price: i64,
    pub sell_price: i64,
    /// 1/100 percent, as `commissionPercent` ("400" = 4 %).
    pub commission_percent: u32,
    pub sale_volume: u32,
}

/// The coupon catalog (same for every account; depends on the seed only).
pub fn coupons(seed: u64) -> Vec<Coupon> {
    let mut rng = rng_for(seed, "coupons");
    const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..120)
        .map(|i| {
            let platform = if i % 3 == 0 { 2 } else { 1 };
            let biz_line = if platform == 2 {
                rng.gen_range(1..=3)
            } else {
                0
            };
            let shop = format!(
                "{}{}",
                SHOP_HEAD[rng.gen_range(0..SHOP_HEAD.len())],
                SHOP_TAIL[rng.gen_range(0..SHOP_TAIL.len())]
            );
            let name = match rng.gen_range(0..3) {
                0 => format!("{shop}{}元代金券", [20, 30, 50, 100][rng.gen_range(0..4)]),
                1 => format!("{shop}单人套餐"),
                _ => format!("{}（{}）", GOODS[rng.gen_range(0..GOODS.len())], shop),
            };
            let original_price = rng.gen_range(1_000..=30_000i64) / 10 * 10;
            let sell_price = original_price * rng.gen_range(50..=95) / 100 / 10 * 10;
            let sku_view_id: String = (0..24)
                .map(|_| ALNUM[rng.gen_range(0..ALNUM.len())] as char)
                .collect();
            Coupon {
                sku_view_id,
                name,
                brand: shop,
                platform,
                biz_line,
                original_price,
                sell_price: sell_price.max(100),
                commission_percent: rng.gen_range(100..=1500),
                sale_volume: [100u32, 1000, 10000][rng.gen_range(0..3)],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANCHOR: i64 = 1_700_000_000_000; // 2023-11-15 06:13:20 Beijing

    fn book(seed: u64, n: u32) -> OrderBook {
        OrderBook::new(generate(GenParams {
            seed,
            appkey: "k",
            anchor_ms: ANCHOR,
            orders_per_month: n,
        }))
    }

    #[test]
    fn same_seed_same_orders_other_seed_other_orders() {
        assert_eq!(book(7, 50).orders, book(7, 50).orders);
        assert_ne!(book(7, 50).orders, book(8, 50).orders);
    }

    #[test]
    fn monthly_average_equals_volume_for_complete_months() {
        // Mid-month, all events of three months back have long happened, so
        // only refunds/risk of the month before can still be pending; they
        // are extra orders on top of the volume, and the average counts
        // statuses 1 and 8 only.
        let b = book(3, 200);
        let avg = b.monthly_average(ANCHOR);
        assert!((200.0..200.0 + 16.0).contains(&avg), "{avg}");
        assert_eq!(Tier::for_monthly_average(avg), Tier::T2000);
        let b = book(3, 1000);
        assert!(b.monthly_average(ANCHOR) >= 1000.0);
    }

    use crate::config::Tier;

    #[test]
    fn orders_appear_and_change_with_time() {
        let b = book(5, 100);
        let now = ANCHOR / 1000;
        let visible = b
            .orders
            .iter()
            .filter(|o| o.state_at(now).is_some())
            .count();
        assert!(visible > 0 && visible < b.orders.len());
        // Some order is paid now and completed a day later.
        let o = b
            .orders
            .iter()
            .find(|o| o.fate == Some(Fate::Complete) && o.paytime <= now && o.fate_at > now)
            .expect("an order in flight");
        assert_eq!(o.state_at(now).unwrap().status, LegacyStatus::Paid);
        let later = o.state_at(o.fate_at).unwrap();
        assert_eq!(later.status, LegacyStatus::Completed);
        assert_eq!(later.mod_time, o.fate_at);
    }

    #[test]
    fn modified_window_finds_status_changes() {
        let b = book(5, 100);
        let now = ANCHOR / 1000;
        let day = 86_400;
        let by_pay = b.select(now, now - day, now, TimeType::Pay, |_| true);
        let by_mod = b.select(now, now - day, now, TimeType::Modified, |_| true);
        assert!(by_mod.iter().any(|(o, _)| o.paytime < now - day));
        assert!(by_mod.iter().all(|(_, st)| st.mod_time >= now - day));
        assert!(!by_pay.is_empty());
    }

    #[test]
    fn order_ids_are_unique_and_16_digits() {
        let b = book(9, 300);
        let mut ids: Vec<&str> = b.orders.iter().map(|o| o.orderid.as_str()).collect();
        assert!(ids.iter().all(|i| i.len() == 16));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), b.orders.len());
    }

    /// The indexed modification-time query returns exactly what a scan of
    /// every order would, also after admin injections and fate changes.
    #[test]
    fn modified_window_matches_a_full_scan() {
        let mut b = book(11, 400);
        let first = b.orders.iter().map(|o| o.paytime).min().unwrap();
        let last = b
            .orders
            .iter()
            .map(|o| o.fate_at.max(o.paytime))
            .max()
            .unwrap();
        let scan = |b: &OrderBook, now: i64, start: i64, end: i64| -> Vec<String> {
            let mut v: Vec<(i64, String)> = b
                .orders
                .iter()
                .filter_map(|o| {
                    let st = o.state_at(now)?;
                    (st.mod_time >= start && st.mod_time <= end)
                        .then(|| (st.mod_time, o.orderid.clone()))
                })
                .collect();
            v.sort();
            v.into_iter().map(|(_, id)| id).collect()
        };
        let indexed = |b: &OrderBook, now: i64, start: i64, end: i64| -> Vec<String> {
            b.select(now, start, end, TimeType::Modified, |_| true)
                .into_iter()
                .map(|(o, _)| o.orderid.clone())
                .collect()
        };
        let span = (last - first).max(1);
        let mut checked = 0;
        for round in 0..3 {
            if round == 1 {
                let mut o = b.orders[3].clone();
                o.orderid = "9999000011112222".into();
                o.paytime = first + span / 2;
                o.fate = None;
                b.insert(o);
            }
            if round == 2 {
                let id = b.orders[7].orderid.clone();
                b.set_fate(&id, Fate::Refund, first + span / 3);
            }
            for k in 0..40i64 {
                let now = first + span * (k % 10) / 9;
                let start = first + span * k / 40;
                let end = start + 86_400 * (1 + k % 3);
                let want = scan(&b, now, start, end);
                assert_eq!(indexed(&b, now, start, end), want, "round {round} k {k}");
                checked += want.len();
            }
        }
        assert!(checked > 0, "no window held any order");
    }

    #[test]
    fn yuan_formatting() {
        assert_eq!(yuan(3050), "30.50");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-120), "-1.20");
    }

    #[test]
    fn injected_order_is_visible_and_fate_change_retires_old_event() {
        let mut b = book(5, 10);
        let now = ANCHOR / 1000;
        let mut o = b.orders[0].clone();
        o.orderid = "3400000000000001".into();
        o.paytime = now;
        o.fate = None;
        b.insert(o);
        assert_eq!(
            b.get("3400000000000001")
                .unwrap()
                .state_at(now)
                .unwrap()
                .status,
            LegacyStatus::Paid
        );
        let hits = b.select(now, now, now, TimeType::Pay, |o| {
            o.orderid == "3400000000000001"
        });
        assert_eq!(hits.len(), 1);
        assert!(b
            .set_fate("3400000000000001", Fate::Refund, now + 5)
            .is_some());
        assert_eq!(
            b.get("3400000000000001")
                .unwrap()
                .state_at(now + 5)
                .unwrap()
                .status,
            LegacyStatus::RefundedOrRisk
        );
        // A generated order whose completion was scheduled gets refunded
        // instead: its completion event is no longer current.
        let (idx, planned) = b
            .orders
            .iter()
            .enumerate()
            .find(|(_, o)| o.fate == Some(Fate::Complete))
            .map(|(i, o)| (i, o.fate_at))
            .unwrap();
        let id = b.orders[idx].orderid.clone();
        let ev = *b
            .events_between(planned - 1, planned)
            .iter()
            .find(|e| e.order as usize == idx && e.kind == EventKind::Completed)
            .unwrap();
        assert!(b.event_is_current(&ev));
        b.set_fate(&id, Fate::Refund, planned - 10);
        assert!(!b.event_is_current(&ev));
        assert!(b.set_fate("nope", Fate::Refund, now).is_none());
    }
}
