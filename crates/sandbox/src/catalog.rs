//! The seeded 选品 catalog: cities, categories, legacy `/api/mtunion/sku`
//! products and `/api/mtunion/poi` stores, plus the city and ranking-list
//! membership of the media `query_coupon` coupons. Same seed, same catalog.
//!
//! City and category ids are the sandbox's own (no public source lists
//! Meituan's); see the provenance table.

use crate::data::{self, fnv1a, rng_for, Coupon};
use rand::Rng;

/// A city: id, name, centre (longitude, latitude) × 1 000 000.
#[derive(Clone, Copy, Debug)]
pub struct City {
    pub id: i64,
    pub name: &'static str,
    pub lng: i64,
    pub lat: i64,
}

/// The sandbox's cities (ids are the sandbox's own).
pub static CITIES: [City; 5] = [
    City {
        id: 1,
        name: "北京",
        lng: 116_404_000,
        lat: 39_928_000,
    },
    City {
        id: 10,
        name: "上海",
        lng: 121_473_700,
        lat: 31_230_400,
    },
    City {
        id: 20,
        name: "广州",
        lng: 113_264_400,
        lat: 23_129_100,
    },
    City {
        id: 30,
        name: "深圳",
        lng: 114_057_900,
        lat: 22_543_100,
    },
    City {
        id: 50,
        name: "杭州",
        lng: 120_155_100,
        lat: 30_274_100,
    },
];

/// A product category of a legacy business line.
#[derive(Clone, Copy, Debug)]
pub struct Category {
    pub id: i64,
    pub name: &'static str,
    /// Legacy `businessLine`.
    pub line: i64,
}

/// The sandbox's categories (ids are the sandbox's own), by legacy line:
/// 2 外卖/闪购, 3 酒店, 4 优选, 6 到餐, 7 到综.
pub static CATEGORIES: [Category; 17] = [
    Category {
        id: 2001,
        name: "美食",
        line: 2,
    },
    Category {
        id: 2002,
        name: "甜点饮品",
        line: 2,
    },
    Category {
        id: 2003,
        name: "超市便利",
        line: 2,
    },
    Category {
        id: 2004,
        name: "生鲜果蔬",
        line: 2,
    },
    Category {
        id: 2005,
        name: "医药健康",
        line: 2,
    },
    Category {
        id: 3001,
        name: "经济型酒店",
        line: 3,
    },
    Category {
        id: 3002,
        name: "高档酒店",
        line: 3,
    },
    Category {
        id: 4001,
        name: "蔬菜豆制品",
        line: 4,
    },
    Category {
        id: 4002,
        name: "水果鲜花",
        line: 4,
    },
    Category {
        id: 4003,
        name: "肉禽蛋",
        line: 4,
    },
    Category {
        id: 4004,
        name: "粮油调味",
        line: 4,
    },
    Category {
        id: 4005,
        name: "休闲零食",
        line: 4,
    },
    Category {
        id: 4006,
        name: "日用百货",
        line: 4,
    },
    Category {
        id: 6001,
        name: "火锅",
        line: 6,
    },
    Category {
        id: 6002,
        name: "自助餐",
        line: 6,
    },
    Category {
        id: 7001,
        name: "休闲娱乐",
        line: 7,
    },
    Category {
        id: 7002,
        name: "丽人",
        line: 7,
    },
];

/// Legacy business lines a `businessLine` parameter may name (SPEC.md
/// enumeration 1 2 3 4 5 9 10, plus 6 and 7 that the sandbox's orders use).
pub const LEGACY_LINES: [i64; 9] = [1, 2, 3, 4, 5, 6, 7, 9, 10];

/// A legacy `/api/mtunion/sku` product.
#[derive(Clone, Debug)]
pub struct Sku {
    pub sku_id: String,
    pub name: String,
    /// Fen.
    pub price: i64,
    /// 1/100 percent ("400" = 4 %).
    pub commission_percent: u32,
    pub category: &'static Category,
    pub city_id: i64,
    pub act_id: u32,
    pub sales_volume: u32,
}

/// A legacy `/api/mtunion/poi` store (外卖).
#[derive(Clone, Debug)]
pub struct Poi {
    pub poi_view_id: String,
    pub name: String,
    pub category: &'static Category,
    pub city_id: i64,
    pub lng: i64,
    pub lat: i64,
    /// Tenths of a point, 35–50.
    pub score: u32,
    pub month_sale: u32,
    /// Fen.
    pub shipping_fee: i64,
    /// Yuan.
    pub min_price: i64,
    pub delivery_minutes: u32,
    pub full_sale: (u32, u32),
}

/// Everything of the catalog that is not the coupon list.
#[derive(Debug)]
pub struct Catalog {
    pub skus: Vec<Sku>,
    pub pois: Vec<Poi>,
}

const YOUXUAN_GOODS: [(&str, i64); 12] = [
    ("小白菜500g", 4001),
    ("嫩豆腐2盒", 4001),
    ("麒麟西瓜1个", 4002),
    ("红富士苹果2.5kg", 4002),
    ("鲜鸡蛋30枚", 4003),
    ("冷鲜鸡腿1kg", 4003),
    ("东北大米5kg", 4004),
    ("生抽500ml", 4004),
    ("每日坚果30袋", 4005),
    ("薯片家庭装", 4005),
    ("抽纸24包", 4006),
    ("洗衣凝珠50颗", 4006),
];

const WAIMAI_GOODS: [(&str, i64); 8] = [
    ("黄焖鸡米饭单人餐", 2001),
    ("招牌麻辣烫", 2001),
    ("杨枝甘露大杯", 2002),
    ("芝士奶盖茶", 2002),
    ("矿泉水24瓶", 2003),
    ("方便面5连包", 2003),
    ("时令水果拼盘", 2004),
    ("维生素C泡腾片", 2005),
];

const POI_HEAD: [&str; 6] = ["老街", "阿婆", "金牌", "小城", "味道", "一家"];
const POI_TAIL: [&str; 6] = [
    "烤肉饭",
    "牛肉面",
    "炸鸡汉堡",
    "轻食沙拉",
    "水果捞",
    "便利店",
];

fn category(id: i64) -> &'static Category {
    CATEGORIES
        .iter()
        .find(|c| c.id == id)
        .unwrap_or(&CATEGORIES[0])
}

impl Catalog {
    pub fn new(seed: u64) -> Catalog {
        let mut rng = rng_for(seed, "mtunion-sku");
        let skus = (0..96u32)
            .map(|i| {
                // Two thirds 优选 (act 42), one third 外卖 (act 33).
                let youxuan = i % 3 != 2;
                let (name, cat, act_id, rate) = if youxuan {
                    let (n, c) = YOUXUAN_GOODS[rng.gen_range(0..YOUXUAN_GOODS.len())];
                    (n, c, 42, rng.gen_range(100..=300))
                } else {
                    let (n, c) = WAIMAI_GOODS[rng.gen_range(0..WAIMAI_GOODS.len())];
                    (n, c, 33, rng.gen_range(300..=600))
                };
                let city = CITIES[rng.gen_range(0..CITIES.len())];
                Sku {
                    sku_id: (780_000_000u64 + u64::from(i) * 7_919 + rng.gen_range(0..97))
                        .to_string(),
                    name: format!("{name}（{}）", city.name),
                    price: rng.gen_range(190..=9_990i64) / 10 * 10,
                    commission_percent: rate,
                    category: category(cat),
                    city_id: city.id,
                    act_id,
                    sales_volume: rng.gen_range(0..20_000),
                }
            })
            .collect();
        let mut rng = rng_for(seed, "mtunion-poi");
        let pois = (0..60u32)
            .map(|i| {
                let city = CITIES[(i as usize) % CITIES.len()];
                let head = POI_HEAD[rng.gen_range(0..POI_HEAD.len())];
                let tail = POI_TAIL[rng.gen_range(0..POI_TAIL.len())];
                let full = [20u32, 30, 38, 50][rng.gen_range(0..4)];
                Poi {
                    poi_view_id: format!("{:016x}", fnv1a(format!("{seed}:poi:{i}").as_bytes())),
                    name: format!("{head}{tail}（{}{}店）", city.name, i / 5 + 1),
                    category: category(2001 + i64::from(i % 5)),
                    city_id: city.id,
                    lng: city.lng + rng.gen_range(-60_000..=60_000),
                    lat: city.lat + rng.gen_range(-45_000..=45_000),
                    score: rng.gen_range(35..=50),
                    month_sale: rng.gen_range(50..5_000),
                    shipping_fee: [0i64, 100, 250, 300, 450][rng.gen_range(0..5)],
                    min_price: [15i64, 20, 25, 30][rng.gen_range(0..4)],
                    delivery_minutes: rng.gen_range(20..60),
                    full_sale: (full, full * 2 / 3),
                }
            })
            .collect();
        Catalog { skus, pois }
    }
}

/// The city of a `query_coupon` coupon (one each; OUR ASSUMPTION).
pub fn coupon_city(c: &Coupon) -> i64 {
    CITIES[(fnv1a(format!("city:{}", c.sku_view_id).as_bytes()) % CITIES.len() as u64) as usize].id
}

/// Ranking lists (`listTopiId`) a platform offers (bububa/meituan
/// model/query_coupon.go:28): 到家 1 精选, 2 今日必推, 3 同城热销, 4 跟推爆款;
/// 到店 2 今日必推, 3 同城热销 (全部商品), 5 实时热销.
pub fn lists_of(platform: i64) -> &'static [i64] {
    if platform == 2 {
        &[2, 3, 5]
    } else {
        &[1, 2, 3, 4]
    }
}

/// Whether a coupon is on ranking list `list` (membership is the sandbox's
/// own, from the coupon id; 到店 3 is every coupon, as documented).
pub fn on_list(c: &Coupon, list: i64) -> bool {
    if !lists_of(i64::from(c.platform)).contains(&list) {
        return false;
    }
    let h = fnv1a(format!("list:{}", c.sku_view_id).as_bytes());
    match (c.platform, list) {
        (2, 3) => true,
        (_, 1) => h.is_multiple_of(3),
        (_, 2) => h % 4 == 1,
        (_, 3) => h.is_multiple_of(2),
        (_, 4) => c.sale_volume >= 10_000 || h % 5 == 2,
        _ => h % 3 == 1,
    }
}

/// Approximate distance in metres between two points given × 1 000 000.
pub fn distance_m(lng1: i64, lat1: i64, lng2: i64, lat2: i64) -> i64 {
    let lat = (lat1 + lat2) as f64 / 2e6;
    let dx = (lng1 - lng2) as f64 / 1e6 * 111_320.0 * lat.to_radians().cos();
    let dy = (lat1 - lat2) as f64 / 1e6 * 110_540.0;
    (dx * dx + dy * dy).sqrt().round() as i64
}

/// The city nearest to a point.
pub fn nearest_city(lng: i64, lat: i64) -> &'static City {
    CITIES
        .iter()
        .min_by_key(|c| distance_m(lng, lat, c.lng, c.lat))
        .unwrap_or(&CITIES[0])
}

/// Yuan text of fen, re-exported for the answers.
pub fn yuan(fen: i64) -> String {
    data::yuan(fen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_deterministic_and_consistent() {
        let a = Catalog::new(7);
        let b = Catalog::new(7);
        assert_eq!(
            a.skus.iter().map(|s| &s.sku_id).collect::<Vec<_>>(),
            b.skus.iter().map(|s| &s.sku_id).collect::<Vec<_>>()
        );
        let c = Catalog::new(8);
        assert_ne!(a.skus[0].sku_id, c.skus[0].sku_id);
        let mut ids: Vec<_> = a.skus.iter().map(|s| &s.sku_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), a.skus.len(), "sku ids are unique");
        for s in &a.skus {
            assert!(CITIES.iter().any(|c| c.id == s.city_id));
            assert_eq!(s.category.line, if s.act_id == 42 { 4 } else { 2 });
        }
        for p in &a.pois {
            assert_eq!(nearest_city(p.lng, p.lat).id, p.city_id);
        }
    }

    #[test]
    fn every_list_of_each_platform_holds_coupons() {
        let coupons = data::coupons(1);
        for platform in [1i64, 2] {
            for &l in lists_of(platform) {
                let n = coupons
                    .iter()
                    .filter(|c| i64::from(c.platform) == platform && on_list(c, l))
                    .count();
                assert!(n > 0, "platform {platform} list {l}");
            }
        }
        assert!(coupons.iter().all(|c| !on_list(c, 6)));
    }
}
