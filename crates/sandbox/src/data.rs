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
use chrono::{Datelike, NaiveDate};
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

/// Which API generation reads the timeline. They differ in one thing
/// only: the media view knows settlement (结算), the legacy view does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// `orderList`, `order`, callbacks: a settled order stays 8 已完成 and
    /// its `modTime` stays the completion time.
    Legacy,
    /// `query_order`: a settled order is `status` "6", its coupon lines
    /// `couponStatus` "3" with `settleTime`, and its `updateTime` is the
    /// settlement instant.
    Media,
}

/// Day of the Beijing month on which completed orders settle (see
/// [`settlement_at`]).
pub const SETTLEMENT_DAY: u32 = 25;

/// When an order completed at `completed_at_s` settles: 00:00 Beijing on the
/// 25th of the Beijing month after the completion's month.
///
/// Meituan documents only that an order becomes 结算 "完成并且进入结算账期时"
/// (dtapps/go-library service/meituan/media.query_order.go@c37755e:40), not
/// when the accounting period comes: this monthly rule is **none: our
/// assumption** (README, provenance table).
pub fn settlement_at(completed_at_s: i64) -> i64 {
    let day = beijing_day(completed_at_s.saturating_mul(1000));
    let next_month = month_start_offset(day, 1);
    let settle_day = next_month
        .with_day(SETTLEMENT_DAY)
        .expect("every month has a 25th");
    beijing_midnight_s(settle_day)
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
    /// Legacy `businessLine` (bububa/meituan enum/businessLine.go:9-25).
    /// Read under its old name from state files written before the media
    /// codes existed (see [`Order::upgrade_codes`]).
    #[serde(alias = "business_line")]
    pub legacy_line: u8,
    /// Legacy `subBusinessLine` under line 2, 0 for none (`:31-41`).
    #[serde(alias = "sub_business_line")]
    pub legacy_sub: u8,
    /// Media `platform`: 1 到家及其他, 2 到店 (dtapps
    /// service/meituan/media.query_order.go@c37755e:17). 0 only in an
    /// order restored from an older state file, until upgraded.
    #[serde(default)]
    pub media_platform: u8,
    /// Media `businessLine` within the platform (`@c37755e:18`).
    #[serde(default)]
    pub media_line: u8,
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
    /// Epoch seconds of the latest event the legacy view sees (payment,
    /// completion, refund or risk; never settlement).
    pub mod_time: i64,
    /// The settlement instant once reached (completed orders only; the
    /// media view's status 6).
    pub settled_at: Option<i64>,
}

impl OrderState {
    /// The modification time `view` reports and filters on: the media
    /// `updateTime` is the settlement instant once settled, the legacy
    /// `modTime` never moves for settlement.
    pub fn time_in(&self, view: View) -> i64 {
        match (view, self.settled_at) {
            (View::Media, Some(at)) => at,
            _ => self.mod_time,
        }
    }

    /// The media `updateTime`.
    pub fn update_time(&self) -> i64 {
        self.time_in(View::Media)
    }
}

impl Order {
    /// The sandbox line the order belongs to (by its media pair, which is
    /// unique per line; two lines share legacy 2/2).
    pub fn line(&self) -> Option<&'static Line> {
        line_for_media(self.media_platform, self.media_line)
    }

    /// Sets the codes of `line` (both generations).
    pub fn set_line(&mut self, line: &Line) {
        (self.legacy_line, self.legacy_sub) = line.legacy;
        (self.media_platform, self.media_line) = line.media;
    }

    /// An order restored from a state file written before the sandbox had
    /// media codes carries legacy codes only, with 到餐/到综 as 9/10 (codes
    /// no source has): gives it the codes of its line (6/7 for those two,
    /// 外卖 for a line the sandbox no longer has).
    pub fn upgrade_codes(&mut self) {
        if self.media_platform != 0 {
            return;
        }
        let (line, sub) = match (self.legacy_line, self.legacy_sub) {
            (9, _) => (6, 0),
            (10, _) => (7, 0),
            pair => pair,
        };
        let line = line_for_legacy(line, (sub != 0).then_some(sub)).unwrap_or(&LINES[0]);
        self.set_line(line);
    }

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
            settled_at: None,
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
                settled_at: self.settle_at().filter(|at| *at <= now_s),
            },
            _ => paid,
        })
    }

    /// When the order settles, if it is to complete (see
    /// [`settlement_at`]); whether that is reached yet is
    /// [`OrderState::settled_at`].
    pub fn settle_at(&self) -> Option<i64> {
        (self.fate == Some(Fate::Complete)).then(|| settlement_at(self.fate_at))
    }

    /// Media `status`: 2 付款, 3 完成, 4 取消 (refund), 5 风控, 6 结算
    /// (dtapps media.query_order.go@c37755e:47).
    pub fn media_status(state: &OrderState) -> &'static str {
        match state.status {
            LegacyStatus::Completed if state.settled_at.is_some() => "6",
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
    /// Settlement of a completed order: seen by the media view only, so it
    /// is never pushed to callbacks (they carry the legacy view).
    Settled,
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
    /// The part of `refund_cents` a media `query_order` reports: at order
    /// level (`refundPrice`), or on 到店 lines in the coupon lines
    /// (`refundAmount`, dtapps media.query_order.go@c37755e:37, `:43`);
    /// coupon packs (media line 7) return no refund data (`:43`).
    pub media_refund_cents: i64,
    pub paid: u64,
    /// Legacy status 8: every completed order, settled or not.
    pub completed: u64,
    /// The part of `completed` already settled (media status "6"); media
    /// status "3" is `completed - settled`.
    pub settled: u64,
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
        let mut events = Vec::with_capacity(orders.len() * 3);
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
            if let Some(at) = o.settle_at() {
                events.push(Event {
                    at,
                    order: i as u32,
                    kind: EventKind::Settled,
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
            EventKind::Settled => o.settle_at() == Some(e.at),
            kind => o.fate.map(fate_event) == Some(kind) && o.fate_at == e.at,
        }
    }

    /// Orders matching a window at `now_s` as `view` sees them, in a stable
    /// order: by the filtered time, then orderid. Both window ends are
    /// inclusive. The views differ for [`TimeType::Modified`] only: the
    /// media view's time is the settlement instant once settled.
    pub fn select(
        &self,
        now_s: i64,
        start_s: i64,
        end_s: i64,
        time_type: TimeType,
        view: View,
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
                // event the view sees (settlement for the media view only),
                // so only orders with such an event inside the window (and
                // those the admin API changed) can match: no scan of the
                // whole book per page.
                let mut candidates: Vec<u32> = self
                    .events_between(start_s.saturating_sub(1), end_s.min(now_s))
                    .iter()
                    .filter(|e| view == View::Media || e.kind != EventKind::Settled)
                    .map(|e| e.order)
                    .chain(self.touched.iter().copied())
                    .collect();
                candidates.sort_unstable();
                candidates.dedup();
                for i in candidates {
                    let o = &self.orders[i as usize];
                    if let Some(st) = o.state_at(now_s) {
                        let t = st.time_in(view);
                        if t >= start_s && t <= end_s && filter(o) {
                            out.push((o, st));
                        }
                    }
                }
                out.sort_by(|(a, sa), (b, sb)| {
                    (sa.time_in(view), &a.orderid).cmp(&(sb.time_in(view), &b.orderid))
                });
            }
        }
        out
    }

    /// Totals over [`OrderBook::select`] with no extra filter.
    pub fn totals(
        &self,
        now_s: i64,
        start_s: i64,
        end_s: i64,
        tt: TimeType,
        view: View,
    ) -> OrderTotals {
        let mut t = OrderTotals::default();
        for (o, st) in self.select(now_s, start_s, end_s, tt, view, |_| true) {
            t.count += 1;
            t.payprice_cents += o.payprice;
            t.profit_cents += o.profit;
            t.cpa_profit_cents += o.cpa_profit;
            if st.status == LegacyStatus::RefundedOrRisk && st.refunded {
                t.refund_cents += o.payprice;
                if (o.media_platform, o.media_line) != (1, MEDIA_COUPON_PACK) {
                    t.media_refund_cents += o.payprice;
                }
            }
            match st.status {
                LegacyStatus::Paid => t.paid += 1,
                LegacyStatus::Completed => t.completed += 1,
                LegacyStatus::RefundedOrRisk => t.refunded_or_risk += 1,
            }
            if st.settled_at.is_some() {
                t.settled += 1;
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
            .select(now_s, start, end, TimeType::Pay, View::Legacy, |_| true)
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

/// Legacy `businessLine` 4 优选, the line with CPA rewards and a
/// `tradeTypeList` in its pushes (bububa/meituan enum/businessLine.go:9-25).
pub const LEGACY_YOUXUAN: u8 = 4;

/// Media platform-1 line 7 商品超值券包: left out of a `query_order` without
/// `businessLine`, the only line returned when the list holds it (dtapps
/// service/meituan/media.query_order.go@c37755e:18).
pub const MEDIA_COUPON_PACK: u8 = 7;

/// One synthetic business line, with its codes in both API generations.
///
/// The generations number their lines independently (the protocol crate's
/// `meituan_union::lines`): legacy `businessLine` with `subBusinessLine`
/// under line 2 (bububa/meituan enum/businessLine.go:9-41), media
/// `platform` with a `businessLine` inside it (dtapps
/// service/meituan/media.query_order.go@c37755e:17-18, bububa
/// model/query_order.go:10-12). No source says which legacy line an order
/// of a media line is: the pairing in [`LINES`] is the sandbox's own
/// assumption (README, provenance table).
#[derive(Debug)]
pub struct Line {
    /// Meituan's name of the line; also the tag of product titles.
    pub name: &'static str,
    /// Legacy `(businessLine, subBusinessLine)`; sub 0 = none.
    pub legacy: (u8, u8),
    /// Media `(platform, businessLine)`.
    pub media: (u8, u8),
    pub act_id: u32,
    /// Share of the draw; 0 for a line whose orders are taken from another
    /// line after the draw (see [`RED_PACKET_SHARE`]), which keeps every
    /// other order of a seed as it was.
    weight: u32,
    /// Pay price range in yuan.
    price: (u32, u32),
    /// Commission rate range in 1/10000.
    rate: (u32, u32),
    /// Delay range (minutes) from payment to completion.
    complete_min: (i64, i64),
}

/// The sandbox's lines. The first line of a legacy code is the one the
/// admin API picks for that code alone (2 → 外卖).
pub static LINES: [Line; 11] = [
    Line {
        name: "外卖",
        legacy: (2, 1),
        media: (1, 1),
        act_id: 33,
        weight: 34,
        price: (15, 90),
        rate: (300, 600),
        complete_min: (30, 180),
    },
    Line {
        name: "拼好饭",
        legacy: (2, 4),
        media: (1, 6),
        act_id: 35,
        weight: 8,
        price: (8, 30),
        rate: (300, 600),
        complete_min: (30, 150),
    },
    Line {
        // Media 11 闪购商品 (not 2 闪购红包).
        name: "闪购",
        legacy: (2, 2),
        media: (1, 11),
        act_id: 38,
        weight: 8,
        price: (20, 200),
        rate: (200, 500),
        complete_min: (40, 240),
    },
    Line {
        // Legacy has no 医药 line; delivered like 闪购, so under it.
        name: "医药",
        legacy: (2, 2),
        media: (1, 5),
        act_id: 39,
        weight: 4,
        price: (15, 150),
        rate: (200, 600),
        complete_min: (40, 240),
    },
    Line {
        name: "团好货",
        legacy: (2, 3),
        media: (1, 4),
        act_id: 40,
        weight: 6,
        price: (10, 99),
        rate: (500, 1500),
        complete_min: (1440, 7200),
    },
    Line {
        // Legacy 5 虚拟券包, media 7 商品超值券包.
        name: "券包",
        legacy: (2, 5),
        media: (1, MEDIA_COUPON_PACK),
        act_id: 45,
        weight: 5,
        price: (10, 60),
        rate: (500, 1500),
        complete_min: (60, 10080),
    },
    Line {
        // Media 8 买菜.
        name: "优选",
        legacy: (LEGACY_YOUXUAN, 0),
        media: (1, 8),
        act_id: 42,
        weight: 12,
        price: (5, 60),
        rate: (100, 300),
        complete_min: (1440, 4320),
    },
    Line {
        // Media 1/3 酒旅.
        name: "酒店",
        legacy: (3, 0),
        media: (1, 3),
        act_id: 7,
        weight: 6,
        price: (150, 800),
        rate: (300, 600),
        complete_min: (1440, 20160),
    },
    Line {
        name: "到餐",
        legacy: (6, 0),
        media: (2, 1),
        act_id: 21,
        weight: 11,
        price: (30, 300),
        rate: (200, 800),
        complete_min: (120, 28800),
    },
    Line {
        name: "到综",
        legacy: (7, 0),
        media: (2, 2),
        act_id: 22,
        weight: 6,
        price: (50, 500),
        rate: (300, 1000),
        complete_min: (120, 28800),
    },
    Line {
        // Media 1/2 闪购红包 (D `@c37755e:18`): never drawn, a share of the
        // 闪购 orders become it ([`RED_PACKET_SHARE`]). Legacy 2/2 闪购 and
        // the 闪购 activity are our assumption (no source pairs them).
        name: "闪购红包",
        legacy: (2, 2),
        media: (1, 2),
        act_id: 38,
        weight: 0,
        price: (20, 200),
        rate: (200, 500),
        complete_min: (40, 240),
    },
];

/// One in this many 闪购 orders (by a hash of the order id, so the same
/// seed gives the same orders) is a media 1/2 闪购红包 order instead of a
/// 1/11 闪购商品 one.
pub const RED_PACKET_SHARE: u64 = 3;

/// Moves a share of the 闪购 orders to 闪购红包 ([`RED_PACKET_SHARE`]),
/// after the draw and without the random generator.
fn red_packets(o: &mut Order) {
    if (o.media_platform, o.media_line) != (1, 11)
        || !fnv1a(format!("red-packet:{}", o.orderid).as_bytes()).is_multiple_of(RED_PACKET_SHARE)
    {
        return;
    }
    let line = line_for_media(1, 2).expect("the 闪购红包 line");
    o.set_line(line);
    o.act_id = line.act_id;
    o.smstitle = format!("【{}】{}", line.name, o.product_name);
}

/// The line of a legacy code: with `sub`, the line with exactly that pair;
/// without, the first line of `line` (2 → 外卖).
pub fn line_for_legacy(line: u8, sub: Option<u8>) -> Option<&'static Line> {
    LINES
        .iter()
        .find(|l| l.legacy.0 == line && sub.is_none_or(|s| l.legacy.1 == s))
}

/// The line of a media `(platform, businessLine)` pair.
pub fn line_for_media(platform: u8, line: u8) -> Option<&'static Line> {
    LINES.iter().find(|l| l.media == (platform, line))
}

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

const DRUGS: [&str; 4] = ["布洛芬缓释胶囊", "维生素C片", "医用外科口罩", "感冒灵颗粒"];

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

/// `(smstitle, productId, productName)` of a new order of `line`; titles
/// are tagged with the line's name (【外卖】…, 【拼好饭】…, 【医药】…).
fn titles(rng: &mut ChaCha8Rng, line: &Line) -> (String, String, String) {
    let shop = format!(
        "{}{}",
        SHOP_HEAD[rng.gen_range(0..SHOP_HEAD.len())],
        SHOP_TAIL[rng.gen_range(0..SHOP_TAIL.len())]
    );
    let tag = line.name;
    let (name, with_id) = match line.media {
        (1, 1) => (shop, false),
        (1, 6) => (format!("{shop}单人餐"), false),
        (1, 4) | (1, 8) | (1, 11) => (GOODS[rng.gen_range(0..GOODS.len())].to_owned(), true),
        (1, 5) => (DRUGS[rng.gen_range(0..DRUGS.len())].to_owned(), true),
        (1, 7) => (format!("{shop}超值券包"), true),
        (1, 3) => (HOTELS[rng.gen_range(0..HOTELS.len())].to_owned(), false),
        (2, 1) => (format!("{shop}双人套餐"), true),
        (2, 2) => (VENUES[rng.gen_range(0..VENUES.len())].to_owned(), true),
        _ => (format!("{shop}代金券"), false),
    };
    let id = if with_id {
        rng.gen_range(100_000_000u64..999_999_999).to_string()
    } else {
        String::new()
    };
    (format!("【{tag}】{name}"), id, name)
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
            let trade_types: Vec<u8> = if line.legacy.0 == LEGACY_YOUXUAN {
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
                legacy_line: line.legacy.0,
                legacy_sub: line.legacy.1,
                media_platform: line.media.0,
                media_line: line.media.1,
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
            red_packets(o);
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
        let by_pay = b.select(now, now - day, now, TimeType::Pay, View::Legacy, |_| true);
        let by_mod = b.select(
            now,
            now - day,
            now,
            TimeType::Modified,
            View::Legacy,
            |_| true,
        );
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
    /// every order would, in both views (the media one moves settled
    /// orders to their settlement instant), also after admin injections and
    /// fate changes.
    #[test]
    fn modified_window_matches_a_full_scan() {
        let mut b = book(11, 400);
        let first = b.orders.iter().map(|o| o.paytime).min().unwrap();
        let last = b
            .orders
            .iter()
            .map(|o| o.settle_at().unwrap_or(o.fate_at).max(o.paytime))
            .max()
            .unwrap();
        let scan = |b: &OrderBook, view: View, now: i64, start: i64, end: i64| -> Vec<String> {
            let mut v: Vec<(i64, String)> = b
                .orders
                .iter()
                .filter_map(|o| {
                    let st = o.state_at(now)?;
                    let t = st.time_in(view);
                    (t >= start && t <= end).then(|| (t, o.orderid.clone()))
                })
                .collect();
            v.sort();
            v.into_iter().map(|(_, id)| id).collect()
        };
        let indexed = |b: &OrderBook, view: View, now: i64, start: i64, end: i64| {
            b.select(now, start, end, TimeType::Modified, view, |_| true)
                .into_iter()
                .map(|(o, _)| o.orderid.clone())
                .collect::<Vec<String>>()
        };
        // Every settlement instant of the book, each with a window of its
        // own second only.
        let mut settlements: Vec<i64> = b.orders.iter().filter_map(Order::settle_at).collect();
        settlements.sort_unstable();
        settlements.dedup();
        assert!(settlements.len() >= 3, "{settlements:?}");
        let span = (last - first).max(1);
        let mut checked = [0usize; 2];
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
                // A refunded order completed instead: it settles on the new
                // rule, with no timeline event of its own.
                let id = b
                    .orders
                    .iter()
                    .find(|o| o.fate == Some(Fate::Refund))
                    .unwrap()
                    .orderid
                    .clone();
                b.set_fate(&id, Fate::Complete, first + span / 4);
            }
            let windows = (0..40i64)
                .map(|k| {
                    let now = first + span * (k % 10) / 9;
                    let start = first + span * k / 40;
                    (now, start, start + 86_400 * (1 + k % 3))
                })
                .chain(settlements.iter().map(|at| (last, *at, *at)));
            for (now, start, end) in windows {
                for (n, view) in [View::Legacy, View::Media].into_iter().enumerate() {
                    let want = scan(&b, view, now, start, end);
                    assert_eq!(
                        indexed(&b, view, now, start, end),
                        want,
                        "round {round} {view:?} now {now} [{start}, {end}]"
                    );
                    checked[n] += want.len();
                }
            }
        }
        assert!(checked.iter().all(|c| *c > 0), "{checked:?}");
    }

    /// Settlement: 00:00 Beijing on the 25th of the month after completion,
    /// seen by the media view only.
    #[test]
    fn completed_orders_settle_on_the_25th_of_the_next_month() {
        let at = |y: i32, m: u32, d: u32, h: i64| {
            beijing_midnight_s(NaiveDate::from_ymd_opt(y, m, d).unwrap()) + h * 3600
        };
        assert_eq!(settlement_at(at(2023, 11, 14, 12)), at(2023, 12, 25, 0));
        // Late on the last Beijing day of a year (16:00 UTC is midnight).
        assert_eq!(settlement_at(at(2023, 12, 31, 23)), at(2024, 1, 25, 0));
        assert_eq!(settlement_at(at(2024, 1, 1, 0)), at(2024, 2, 25, 0));
        assert_eq!(settlement_at(at(2024, 1, 31, 23)), at(2024, 2, 25, 0));

        let b = book(5, 100);
        let o = b
            .orders
            .iter()
            .find(|o| o.fate == Some(Fate::Complete))
            .unwrap();
        let settle = o.settle_at().unwrap();
        assert!(settle > o.fate_at);
        let before = o.state_at(settle - 1).unwrap();
        assert_eq!(before.settled_at, None);
        assert_eq!(Order::media_status(&before), "3");
        let after = o.state_at(settle).unwrap();
        assert_eq!(after.status, LegacyStatus::Completed);
        assert_eq!(after.settled_at, Some(settle));
        assert_eq!(Order::media_status(&after), "6");
        assert_eq!(after.time_in(View::Legacy), o.fate_at);
        assert_eq!(after.update_time(), settle);
        // Only completed orders settle.
        assert!(b
            .orders
            .iter()
            .filter(|o| o.fate != Some(Fate::Complete))
            .all(|o| o.settle_at().is_none()));
        // Totals: settled is the part of completed the media view shows as 6.
        let t = b.totals(settle, settle, settle, TimeType::Modified, View::Media);
        assert!(t.settled > 0 && t.settled == t.completed && t.count == t.settled);
        let t = b.totals(settle, settle, settle, TimeType::Modified, View::Legacy);
        assert_eq!(t.count, 0, "the legacy view sees no settlement");
    }

    /// Every line has its own media pair, and every code it carries is a
    /// documented one of its generation (the protocol crate's catalogue):
    /// no legacy 9/10, no invented platform mapping.
    #[test]
    fn line_codes_are_documented_in_both_generations() {
        use meituan_union::lines::OrderLine;
        let mut media: Vec<(u8, u8)> = LINES.iter().map(|l| l.media).collect();
        media.sort_unstable();
        media.dedup();
        assert_eq!(media.len(), LINES.len(), "one media pair per line");
        for l in &LINES {
            let sub = (l.legacy.1 != 0).then_some(i64::from(l.legacy.1));
            let legacy = OrderLine::legacy(i64::from(l.legacy.0), sub);
            assert!(
                OrderLine::known(false).contains(&legacy),
                "{} legacy {:?}",
                l.name,
                l.legacy
            );
            let m = OrderLine::media(i64::from(l.media.0), i64::from(l.media.1));
            assert!(
                OrderLine::known(true).contains(&m),
                "{} media {:?}",
                l.name,
                l.media
            );
            assert!(sub.is_none() || l.legacy.0 == 2, "sub-lines only under 2");
        }
        let name = |legacy: (u8, u8)| LINES.iter().find(|l| l.legacy == legacy).map(|l| l.media);
        assert_eq!(name((6, 0)), Some((2, 1)), "到餐");
        assert_eq!(name((7, 0)), Some((2, 2)), "到综");
        assert_eq!(name((2, 5)), Some((1, MEDIA_COUPON_PACK)), "券包");
        assert!(LINES.iter().all(|l| l.legacy.0 != 9 && l.legacy.0 != 10));
        assert_eq!(line_for_legacy(2, None).map(|l| l.name), Some("外卖"));
        assert_eq!(line_for_legacy(2, Some(4)).map(|l| l.name), Some("拼好饭"));
        assert_eq!(line_for_legacy(4, None).map(|l| l.name), Some("优选"));
        assert!(line_for_legacy(9, None).is_none());
        assert!(line_for_legacy(2, Some(9)).is_none());
    }

    #[test]
    fn generated_orders_cover_every_line_with_its_codes_and_title() {
        let b = book(4, 600);
        for l in &LINES {
            let of_line: Vec<&Order> = b
                .orders
                .iter()
                .filter(|o| o.line().is_some_and(|x| x.media == l.media))
                .collect();
            assert!(!of_line.is_empty(), "no {} order", l.name);
            for o in of_line {
                assert_eq!((o.legacy_line, o.legacy_sub), l.legacy);
                assert_eq!(o.act_id, l.act_id);
                assert!(
                    o.smstitle.starts_with(&format!("【{}】", l.name)),
                    "{}",
                    o.smstitle
                );
                // Only 优选 has CPA rewards.
                let youxuan = l.legacy.0 == LEGACY_YOUXUAN;
                assert!(youxuan || (o.trade_types == [2] && o.cpa_profit == 0));
            }
        }
        assert!(b.orders.iter().all(|o| o.line().is_some()));
    }

    /// Injected orders in a state file written before the media codes
    /// existed (legacy field names, 到餐/到综 as 9/10) load and get the
    /// codes of their line.
    #[test]
    fn orders_of_an_older_state_file_are_upgraded() {
        let o = book(5, 10).orders[0].clone();
        let mut old = serde_json::to_value(&o).unwrap();
        let m = old.as_object_mut().unwrap();
        for k in ["legacy_line", "legacy_sub", "media_platform", "media_line"] {
            m.remove(k);
        }
        for (line, sub, want_legacy, want_media) in [
            (9, 0, (6, 0), (2, 1)),
            (10, 0, (7, 0), (2, 2)),
            (2, 3, (2, 3), (1, 4)),
            (4, 0, (4, 0), (1, 8)),
            (1, 0, (2, 1), (1, 1)),
        ] {
            m.insert("business_line".into(), line.into());
            m.insert("sub_business_line".into(), sub.into());
            let mut back: Order = serde_json::from_value(serde_json::Value::Object(m.clone()))
                .expect("an old order decodes");
            assert_eq!(back.media_platform, 0);
            back.upgrade_codes();
            assert_eq!((back.legacy_line, back.legacy_sub), want_legacy);
            assert_eq!((back.media_platform, back.media_line), want_media);
            back.upgrade_codes();
            assert_eq!((back.media_platform, back.media_line), want_media);
        }
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
        let hits = b.select(now, now, now, TimeType::Pay, View::Legacy, |o| {
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
