//! The business line an order belongs to, in each API generation, with the
//! names Meituan uses and the public source of each.
//!
//! The two generations number their lines differently: legacy `orderList`
//! has one `businessLine` (plus `subBusinessLine` under line 2), media
//! `query_order` has a `platform` and a `businessLine` inside it. The same
//! number means different things (legacy 4 is 优选, media 1/4 is 团好货), so a
//! line is always kept with its generation and platform: [`OrderLine`].
//!
//! Sources ("D" dtapps/go-library `service/meituan/`, "B" bububa/meituan):
//! - legacy: B `enum/businessLine.go:9-25` (lines 1–7) and `:31-41`
//!   (sub-lines 1–5 of line 2);
//! - media platform 1: D `media.query_order.go@c37755e:18` (1–8, 11) and
//!   B `model/query_order.go:12` (adds 9 and 12);
//! - media platform 2: D `@c37755e:18` (1, 2) and B `:12` (adds 3–6, 15);
//! - `999` 新客CPA on both platforms: B `:12`.

use crate::enums::Platform;

/// One line, as a generation reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderLine {
    /// Legacy `businessLine`, with `subBusinessLine` when one was sent
    /// (0 counts as none).
    Legacy { line: i64, sub: Option<i64> },
    /// Media `platform` and `businessLine`.
    Media { platform: i64, line: i64 },
}

/// The names of a known line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineName {
    /// Meituan's own name.
    pub zh: &'static str,
    /// Our English rendering of it.
    pub en: &'static str,
    /// Where the code and name are documented.
    pub source: &'static str,
}

const B_LEGACY: &str = "bububa/meituan enum/businessLine.go:9-41";
const D_MEDIA: &str = "dtapps/go-library service/meituan/media.query_order.go@c37755e:18";
const B_MEDIA: &str = "bububa/meituan model/query_order.go:12";

const fn name(zh: &'static str, en: &'static str, source: &'static str) -> LineName {
    LineName { zh, en, source }
}

/// Legacy lines: `(businessLine, subBusinessLine, name)`.
const LEGACY: &[(i64, Option<i64>, LineName)] = &[
    (1, None, name("平台", "Platform-wide campaigns", B_LEGACY)),
    (
        2,
        None,
        name("外卖/闪购", "Takeaway / Flash delivery", B_LEGACY),
    ),
    (2, Some(1), name("外卖", "Takeaway", B_LEGACY)),
    (2, Some(2), name("闪购", "Flash delivery", B_LEGACY)),
    (
        2,
        Some(3),
        name("团好货", "Tuanhaohuo (e-commerce)", B_LEGACY),
    ),
    (
        2,
        Some(4),
        name("拼好饭", "Pinhaofan (group meals)", B_LEGACY),
    ),
    (
        2,
        Some(5),
        name("虚拟券包", "Virtual coupon packs", B_LEGACY),
    ),
    (3, None, name("酒店", "Hotels", B_LEGACY)),
    (4, None, name("优选", "Meituan Select", B_LEGACY)),
    (5, None, name("地推", "Offline promotion", B_LEGACY)),
    (6, None, name("到餐", "Dining in store", B_LEGACY)),
    (
        7,
        None,
        name("到综", "Leisure & services in store", B_LEGACY),
    ),
];

/// Media lines: `(platform, businessLine, name)`.
const MEDIA: &[(i64, i64, LineName)] = &[
    (1, 1, name("外卖", "Takeaway", D_MEDIA)),
    (
        1,
        2,
        name("闪购红包", "Flash-delivery red packets", D_MEDIA),
    ),
    (1, 3, name("酒旅", "Hotels & travel", D_MEDIA)),
    (1, 4, name("团好货", "Tuanhaohuo (e-commerce)", D_MEDIA)),
    (1, 5, name("医药", "Pharmacy", D_MEDIA)),
    (1, 6, name("拼好饭", "Pinhaofan (group meals)", D_MEDIA)),
    (1, 7, name("商品超值券包", "Value coupon packs", D_MEDIA)),
    (1, 8, name("买菜", "Groceries", D_MEDIA)),
    (1, 9, name("美团私域", "Meituan private channels", B_MEDIA)),
    (1, 11, name("闪购商品", "Flash-delivery goods", D_MEDIA)),
    (1, 12, name("省钱包", "Savings packs", B_MEDIA)),
    (1, 999, name("新客CPA", "New-customer CPA", B_MEDIA)),
    (2, 1, name("到餐", "Dining in store", D_MEDIA)),
    (2, 2, name("到综", "Leisure & services in store", D_MEDIA)),
    (2, 3, name("酒店", "Hotels", B_MEDIA)),
    (2, 4, name("门票", "Tickets", B_MEDIA)),
    (2, 5, name("民宿", "Homestays", B_MEDIA)),
    (2, 6, name("度假", "Holidays", B_MEDIA)),
    (2, 15, name("到店红包", "In-store red packets", B_MEDIA)),
    (2, 999, name("新客CPA", "New-customer CPA", B_MEDIA)),
];

/// Media platform names (D `media.query_order.go@c37755e:17`).
pub fn platform_name(platform: i64) -> Option<LineName> {
    const D_PLATFORM: &str = "dtapps/go-library service/meituan/media.query_order.go@c37755e:17";
    match platform {
        1 => Some(name("到家及其他", "Delivery & other", D_PLATFORM)),
        2 => Some(name("到店", "In store", D_PLATFORM)),
        _ => None,
    }
}

/// 商品超值券包: left out of a media `query_order` without `businessLine`,
/// and the only line returned when the list holds it (D `@c37755e:18`).
pub const MEDIA_COUPON_PACK: i64 = 7;

/// The media `query_order` questions that together cover every line the
/// app names, one after the other for each time window:
/// - platform 1 without `businessLine`: every 到家 line except 7 (and 12);
/// - platform 1 with `[7]`: only 商品超值券包 (D `@c37755e:18`);
/// - platform 2 with every documented 到店 line: without a list Meituan
///   answers 到餐 only (B `:12`, `不填则默认传1`).
///
/// 省钱包 (12) would need a fourth question with `[12]` alone and scroll
/// paging (B `:12`, `:36`); only the newer document names it, so the app
/// does not ask yet.
pub const MEDIA_ORDER_PASSES: [(Platform, &[i64]); 3] = [
    (Platform::Daojia, &[]),
    (Platform::Daojia, &[MEDIA_COUPON_PACK]),
    (Platform::Daodian, &[1, 2, 3, 4, 5, 6, 15]),
];

impl OrderLine {
    /// A legacy line; a `subBusinessLine` of 0 or less counts as none.
    pub fn legacy(line: i64, sub: Option<i64>) -> Self {
        OrderLine::Legacy {
            line,
            sub: sub.filter(|s| *s > 0),
        }
    }

    pub fn media(platform: i64, line: i64) -> Self {
        OrderLine::Media { platform, line }
    }

    /// A stable text key: `legacy:2:1`, `legacy:3`, `media:1:7`.
    pub fn key(&self) -> String {
        match *self {
            OrderLine::Legacy { line, sub: Some(s) } => format!("legacy:{line}:{s}"),
            OrderLine::Legacy { line, sub: None } => format!("legacy:{line}"),
            OrderLine::Media { platform, line } => format!("media:{platform}:{line}"),
        }
    }

    /// The line of a key made by [`OrderLine::key`].
    pub fn parse(key: &str) -> Option<Self> {
        let mut parts = key.split(':');
        let kind = parts.next()?;
        let nums: Vec<i64> = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
        match (kind, nums.as_slice()) {
            ("legacy", [line]) => Some(OrderLine::legacy(*line, None)),
            ("legacy", [line, sub]) if *sub > 0 => Some(OrderLine::legacy(*line, Some(*sub))),
            ("media", [platform, line]) => Some(OrderLine::media(*platform, *line)),
            _ => None,
        }
    }

    /// Meituan's `businessLine` code.
    pub fn code(&self) -> i64 {
        match *self {
            OrderLine::Legacy { line, .. } | OrderLine::Media { line, .. } => line,
        }
    }

    /// The media platform, `None` for a legacy line.
    pub fn platform(&self) -> Option<i64> {
        match *self {
            OrderLine::Media { platform, .. } => Some(platform),
            OrderLine::Legacy { .. } => None,
        }
    }

    /// The documented name. A legacy sub-line no source names falls back
    /// to its parent line's name; anything else unknown is `None`, and the
    /// caller shows the raw code.
    pub fn name(&self) -> Option<LineName> {
        match *self {
            OrderLine::Legacy { line, sub } => LEGACY
                .iter()
                .find(|(l, s, _)| *l == line && *s == sub)
                .or_else(|| LEGACY.iter().find(|(l, s, _)| *l == line && s.is_none()))
                .map(|(_, _, n)| *n),
            OrderLine::Media { platform, line } => MEDIA
                .iter()
                .find(|(p, l, _)| *p == platform && *l == line)
                .map(|(_, _, n)| *n),
        }
    }

    /// Every documented line of one generation.
    pub fn known(media: bool) -> Vec<OrderLine> {
        if media {
            MEDIA
                .iter()
                .map(|(p, l, _)| OrderLine::media(*p, *l))
                .collect()
        } else {
            LEGACY
                .iter()
                .map(|(l, s, _)| OrderLine::legacy(*l, *s))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for media in [false, true] {
            for line in OrderLine::known(media) {
                assert_eq!(OrderLine::parse(&line.key()), Some(line), "{line:?}");
                assert!(line.name().is_some(), "{line:?}");
            }
        }
        assert_eq!(OrderLine::legacy(2, Some(0)).key(), "legacy:2");
        assert_eq!(OrderLine::parse("legacy:2:0"), None);
        assert_eq!(OrderLine::parse("media:1"), None);
        assert_eq!(OrderLine::parse("media:1:x"), None);
        assert_eq!(OrderLine::parse("other:1:1"), None);
        assert_eq!(OrderLine::parse(""), None);
    }

    #[test]
    fn the_same_code_means_different_lines_per_generation() {
        let name = |l: OrderLine| l.name().map(|n| n.zh);
        assert_eq!(name(OrderLine::legacy(4, None)), Some("优选"));
        assert_eq!(name(OrderLine::media(1, 4)), Some("团好货"));
        assert_eq!(name(OrderLine::legacy(1, None)), Some("平台"));
        assert_eq!(name(OrderLine::media(1, 1)), Some("外卖"));
        assert_eq!(name(OrderLine::media(2, 1)), Some("到餐"));
        assert_eq!(name(OrderLine::media(1, 7)), Some("商品超值券包"));
        // An unnamed legacy sub-line keeps its parent's name.
        assert_eq!(name(OrderLine::legacy(2, Some(9))), Some("外卖/闪购"));
        // No source names these.
        assert_eq!(name(OrderLine::legacy(9, None)), None);
        assert_eq!(name(OrderLine::media(1, 10)), None);
        assert_eq!(name(OrderLine::media(3, 1)), None);
    }

    #[test]
    fn passes_ask_for_coupon_packs_alone() {
        let with_seven: Vec<_> = MEDIA_ORDER_PASSES
            .iter()
            .filter(|(_, l)| l.contains(&MEDIA_COUPON_PACK))
            .collect();
        assert_eq!(with_seven.len(), 1);
        assert_eq!(with_seven[0].1, &[MEDIA_COUPON_PACK]);
        assert!(MEDIA_ORDER_PASSES
            .iter()
            .any(|(p, l)| *p == Platform::Daodian && l.contains(&1) && l.contains(&2)));
    }
}
