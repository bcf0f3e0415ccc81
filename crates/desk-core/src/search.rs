//! 选品 (issue 20 item 1): find products to promote, by keyword, platform,
//! city, category or ranking list, through whichever search the profile's
//! generation offers:
//!
//! - media: `query_coupon` (`searchText`, `platform`, `cityId`,
//!   `listTopiId`, `pageNo`, `pageSize` 20; the `searchId` of page 1 is sent
//!   with the later pages of the same keyword search);
//! - legacy: `/api/mtunion/sku` (`cityId`, `categoryId`, `pageNo`,
//!   `pageSize`), with `/api/mtunion/city` and `/api/mtunion/category` for
//!   the filter lists. It has no keyword and no platform; no
//!   `businessLine` is sent (every line's products).
//!
//! Every call goes through the gateway ([`Api`]), so it is counted by the
//! quota ledger. Pages are kept per profile, normalized query and page for
//! the Beijing day (the core's clock): a page asked again that day costs no
//! call. Bad input is refused before any call, naming the field and rule.
//!
//! Images: only a URL a search answer named is fetched (remembered with the
//! page), through [`crate::images::fetch_image`] (2 MB cap, image magic
//! check), and kept on disk under the data folder.
//!
//! 收藏: favorites are kept per profile in SQLite and can become a batch
//! ([`favorites_batch_text`] is text [`crate::links::batch::parse`] reads).

use crate::clock::{beijing_day, beijing_rfc3339, Clock};
use crate::error::{Error, FieldError, Result};
use crate::gateway::api::Api;
use crate::images::{self, ImageKind};
use crate::profiles::{Generation, Profile};
use crate::store::Store;
use meituan_union::mtunion::{CategoryRequest, CityRequest, MtunionSku, SkuRequest};
use meituan_union::{Coupon, Platform, QueryCouponRequest};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// This feature's SQL.
pub mod sql;

/// Items per page asked of Meituan (`query_coupon`'s documented default;
/// `PaginationTrait`'s default for `/api/mtunion/*`).
pub const PAGE_SIZE: u32 = 20;
/// Deepest page accepted.
pub const MAX_PAGE: u32 = 10_000;
/// Longest keyword (`searchText` 1..=100 characters, SPEC.md:99).
pub const MAX_KEYWORD_CHARS: usize = 100;
/// Largest image fetched.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// Most favorites a profile keeps.
pub const MAX_FAVORITES: u32 = 1_000;
/// Pages of 100 read for a legacy filter list at most.
const MAX_FILTER_PAGES: u32 = 5;
/// Page size of the legacy filter lists (`PaginationTrait`: 1~100).
const FILTER_PAGE_SIZE: u32 = 100;

/// Ranking lists (`listTopiId`) of media `query_coupon` (bububa/meituan
/// `model/query_coupon.go:28`): 到家 1 精选, 2 今日必推, 3 同城热销,
/// 4 跟推爆款; 到店 2 今日必推, 3 同城热销, 5 实时热销.
pub const MEDIA_LISTS: &[(i64, &str)] = &[
    (1, "精选"),
    (2, "今日必推"),
    (3, "同城热销"),
    (4, "跟推爆款"),
    (5, "实时热销"),
];

/// The ranking lists a platform offers (bububa/meituan
/// `model/query_coupon.go:28`): 到家 1-4, 到店 2, 3 and 5.
pub fn media_lists_of(platform: u8) -> &'static [i64] {
    if platform == 2 {
        &[2, 3, 5]
    } else {
        &[1, 2, 3, 4]
    }
}

/// What to search. Empty fields are not filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SearchQuery {
    #[serde(default)]
    pub keyword: Option<String>,
    /// 1 到家, 2 到店 (media only).
    #[serde(default)]
    pub platform: Option<u8>,
    #[serde(default)]
    pub city_id: Option<i64>,
    /// Legacy only.
    #[serde(default)]
    pub category_id: Option<i64>,
    /// A ranking list (`listTopiId`, media only).
    #[serde(default)]
    pub list_id: Option<i64>,
    /// From 1.
    pub page: u32,
}

/// One product or coupon found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SearchItem {
    /// `sku:<skuViewId>` (media) or `act:<actId>:sku:<skuId>` (legacy;
    /// `legacy-sku:<skuId>` when the answer named no actId).
    pub key: String,
    pub sku_view_id: Option<String>,
    pub act_id: Option<String>,
    pub sku_id: Option<String>,
    pub name: String,
    pub brand: Option<String>,
    pub image_url: Option<String>,
    pub price_cents: Option<i64>,
    pub original_price_cents: Option<i64>,
    /// Percent: 4.0 = 4 %.
    pub commission_percent: Option<f64>,
    /// Commission per sale, in cents (computed as price × rate when the
    /// answer gives none).
    pub commission_cents: Option<i64>,
    pub platform: Option<u8>,
    /// Sales as Meituan words them (e.g. `1000+`).
    pub sales: Option<String>,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SearchPage {
    pub query: SearchQuery,
    pub items: Vec<SearchItem>,
    pub has_next: bool,
    /// Answered from today's cache.
    pub from_cache: bool,
    /// Calls this answer spent (0 or 1).
    pub calls_spent: u32,
    /// The next page is cached today (asking for it costs no call).
    pub next_page_cached: bool,
    /// When the page was fetched from Meituan (RFC 3339, +08:00).
    pub fetched_at: String,
}

/// A choice of a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Choice {
    pub id: i64,
    pub name: String,
}

/// The filters the profile's generation offers; an empty list means the
/// generation has no such filter (the UI hides it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SearchFilters {
    /// False when the generation has no product search at all.
    pub supported: bool,
    pub generation: Generation,
    /// Whether a keyword can be searched (media only).
    pub keyword: bool,
    pub platforms: Vec<Choice>,
    pub cities: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub lists: Vec<Choice>,
}

/// A 收藏 entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Favorite {
    pub key: String,
    pub item: SearchItem,
    pub added_at: String,
}

fn refuse(field: &str, rule: &str, reason: impl Into<String>) -> Error {
    FieldError::rule(field, rule, reason).into()
}

/// The query with its keyword trimmed (whitespace runs made one space; an
/// empty keyword is none), checked for the profile's generation.
fn normalize(profile: &Profile, q: &SearchQuery) -> Result<SearchQuery> {
    let keyword = q
        .keyword
        .as_deref()
        .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|k| !k.is_empty());
    if let Some(k) = &keyword {
        let n = k.chars().count();
        if n > MAX_KEYWORD_CHARS {
            return Err(refuse(
                "keyword",
                "too_long",
                format!("is {n} characters; at most {MAX_KEYWORD_CHARS}"),
            ));
        }
    }
    if q.page == 0 || q.page > MAX_PAGE {
        return Err(refuse(
            "page",
            "range",
            format!("is {}; pages run from 1 to {MAX_PAGE}", q.page),
        ));
    }
    if let Some(p) = q.platform {
        if !(1..=2).contains(&p) {
            return Err(refuse(
                "platform",
                "unknown",
                format!("is {p}; 1 (到家) or 2 (到店)"),
            ));
        }
    }
    for (field, v) in [
        ("city_id", q.city_id),
        ("category_id", q.category_id),
        ("list_id", q.list_id),
    ] {
        if v.is_some_and(|v| v <= 0) {
            return Err(refuse(field, "range", "must be a positive id"));
        }
    }
    let unsupported = |field: &str, what: &str| {
        refuse(
            field,
            "unsupported",
            format!(
                "{what} is not offered by the {} API's search",
                profile.generation.as_str()
            ),
        )
    };
    match profile.generation {
        Generation::Media => {
            if q.category_id.is_some() {
                return Err(unsupported("category_id", "a category"));
            }
        }
        Generation::Legacy => {
            if keyword.is_some() {
                return Err(unsupported(
                    "keyword",
                    "a keyword (/api/mtunion/sku has none)",
                ));
            }
            if q.platform.is_some() {
                return Err(unsupported("platform", "a platform"));
            }
            if q.list_id.is_some() {
                return Err(unsupported("list_id", "a ranking list"));
            }
        }
    }
    if keyword.is_none() && q.list_id.is_none() && q.category_id.is_none() {
        return Err(refuse(
            "keyword",
            "empty",
            "give a keyword, a category or a ranking list",
        ));
    }
    if let Some(list) = q.list_id {
        // A list is read within a platform, 到家 when none is given
        // (bububa/meituan `model/query_coupon.go:10,28`).
        let platform = q.platform.unwrap_or(1);
        if !media_lists_of(platform).contains(&list) {
            return Err(refuse(
                "list_id",
                "unknown",
                format!("{list} is not a ranking list of platform {platform}"),
            ));
        }
    }
    Ok(SearchQuery {
        keyword,
        platform: q.platform,
        city_id: q.city_id,
        category_id: q.category_id,
        list_id: q.list_id,
        page: q.page,
    })
}

/// Checks a city or category against today's filter lists, when known.
fn check_known(store: &Store, clock: &dyn Clock, profile: &Profile, q: &SearchQuery) -> Result<()> {
    let conn = store.connect()?;
    let Some(json) = sql::filters(&conn, &profile.id, &day(clock))? else {
        return Ok(());
    };
    let Ok(filters) = serde_json::from_str::<SearchFilters>(&json) else {
        return Ok(());
    };
    for (field, value, list) in [
        ("city_id", q.city_id, &filters.cities),
        ("category_id", q.category_id, &filters.categories),
    ] {
        if let Some(v) = value {
            if !list.is_empty() && !list.iter().any(|c| c.id == v) {
                return Err(refuse(field, "unknown", format!("{v} is not in the list")));
            }
        }
    }
    Ok(())
}

fn day(clock: &dyn Clock) -> String {
    beijing_day(clock.now()).format("%Y-%m-%d").to_string()
}

/// The cache key of a query without its page.
fn query_key(generation: Generation, q: &SearchQuery) -> String {
    let o = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    format!(
        "{}|p={}|c={}|cat={}|l={}|k={}",
        generation.as_str(),
        q.platform.map(|p| p.to_string()).unwrap_or_default(),
        o(q.city_id),
        o(q.category_id),
        o(q.list_id),
        q.keyword.as_deref().unwrap_or("")
    )
}

#[derive(Serialize, Deserialize)]
struct StoredPage {
    items: Vec<SearchItem>,
    has_next: bool,
}

/// Searches: today's cached page (0 calls) or one counted call.
pub async fn search(api: &Api, profile: &Profile, q: &SearchQuery) -> Result<SearchPage> {
    let q = normalize(profile, q)?;
    let store = api.store();
    let clock = api.clock();
    check_known(store, clock, profile, &q)?;
    let key = query_key(profile.generation, &q);
    let today = day(clock);
    let next_cached = |store: &Store| -> Result<bool> {
        sql::has_page(&*store.connect()?, &profile.id, &key, q.page + 1, &today)
    };
    if let Some(c) = sql::page(&*store.connect()?, &profile.id, &key, q.page, &today)? {
        if let Ok(stored) = serde_json::from_str::<StoredPage>(&c.page_json) {
            let next_page_cached = stored.has_next && next_cached(store)?;
            return Ok(SearchPage {
                query: q,
                items: stored.items,
                has_next: stored.has_next,
                from_cache: true,
                calls_spent: 0,
                next_page_cached,
                fetched_at: c.fetched_at,
            });
        }
    }
    let (items, has_next, search_id) = match profile.generation {
        Generation::Media => {
            // Later pages of a keyword search send page 1's searchId.
            let search_id = match (&q.keyword, q.page) {
                (Some(_), p) if p > 1 => {
                    sql::page(&*store.connect()?, &profile.id, &key, 1, &today)?
                        .and_then(|c| c.search_id)
                }
                _ => None,
            };
            let request = media_request(&q, search_id);
            let answer = api.media(profile, &request).await?;
            let items = answer.coupons.iter().filter_map(media_item).collect();
            (items, answer.has_next, answer.search_id)
        }
        Generation::Legacy => {
            let request = SkuRequest {
                business_line: None,
                act_id: None,
                city_id: q.city_id,
                category_id: q.category_id,
                page_no: q.page,
                page_size: PAGE_SIZE,
            };
            let answer = api.legacy(profile, &request).await?;
            let got = answer.items.len() as i64;
            let items: Vec<SearchItem> = answer.items.iter().filter_map(legacy_item).collect();
            let seen = i64::from(q.page - 1) * i64::from(PAGE_SIZE) + got;
            let has_next = got >= i64::from(PAGE_SIZE) && seen < answer.total;
            (items, has_next, None)
        }
    };
    let fetched_at = beijing_rfc3339(clock.now());
    let page_json = serde_json::to_string(&StoredPage {
        items: items.clone(),
        has_next,
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let urls: Vec<&str> = items
        .iter()
        .filter_map(|i| i.image_url.as_deref())
        .collect();
    let mut conn = store.connect()?;
    sql::put_page(
        &mut conn,
        &profile.id,
        &key,
        q.page,
        &today,
        &page_json,
        search_id.as_deref(),
        &fetched_at,
        &urls,
    )?;
    let next_page_cached = has_next && next_cached(store)?;
    Ok(SearchPage {
        query: q,
        items,
        has_next,
        from_cache: false,
        calls_spent: 1,
        next_page_cached,
        fetched_at,
    })
}

/// The `query_coupon` body of a query: `searchId` (page 1's) only with a
/// later page of a keyword search (bububa/meituan `model/query_coupon.go:32`).
fn media_request(q: &SearchQuery, page1_search_id: Option<String>) -> QueryCouponRequest {
    let search_id = page1_search_id.filter(|_| q.keyword.is_some() && q.page > 1);
    QueryCouponRequest {
        platform: q.platform.and_then(|p| Platform::from_code(i64::from(p))),
        search_text: q.keyword.clone(),
        city_id: q.city_id,
        list_topi_id: q.list_id,
        search_id,
        page_no: Some(q.page),
        page_size: Some(PAGE_SIZE),
        ..Default::default()
    }
}

fn text_of(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Yuan text (`"12.9"`) to cents, rounding fractions of a cent.
fn yuan_cents(text: &str) -> Option<i64> {
    let v: f64 = text.trim().parse().ok()?;
    v.is_finite().then(|| (v * 100.0).round() as i64)
}

/// Cents text (`"1290"`); a decimal is read as yuan (lenient).
fn cents_text(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.contains('.') {
        yuan_cents(t)
    } else {
        t.parse().ok()
    }
}

/// Commission per sale: the price × the rate, rounded to the cent.
fn commission_of(price_cents: Option<i64>, percent: Option<f64>) -> Option<i64> {
    Some((price_cents? as f64 * percent? / 100.0).round() as i64)
}

/// A `query_coupon` item; `None` without a `skuViewId` (nothing to link).
fn media_item(c: &Coupon) -> Option<SearchItem> {
    let sku = c.sku_view_id()?;
    let empty = Map::new();
    let detail = c.coupon_pack_detail.as_ref().unwrap_or(&empty);
    let brand = c.brand_info.as_ref().unwrap_or(&empty);
    let commission = c.commission_info.as_ref().unwrap_or(&empty);
    let price_cents = text_of(detail, "sellPrice").and_then(|t| yuan_cents(&t));
    // `commissionPercent` is in 1/100 % ("400" = 4 %, dtapps
    // media.query_coupon.go CommissionInfo).
    let commission_percent = text_of(commission, "commissionPercent")
        .and_then(|t| t.parse::<f64>().ok())
        .map(|v| v / 100.0);
    let commission_cents = text_of(commission, "commission")
        .and_then(|t| yuan_cents(&t))
        .or_else(|| commission_of(price_cents, commission_percent));
    Some(SearchItem {
        key: format!("sku:{sku}"),
        sku_view_id: Some(sku),
        act_id: None,
        sku_id: None,
        name: text_of(detail, "name").unwrap_or_default(),
        brand: text_of(brand, "brandName"),
        image_url: text_of(detail, "headUrl").filter(|u| images::check_url(u).is_ok()),
        price_cents,
        original_price_cents: text_of(detail, "originalPrice").and_then(|t| yuan_cents(&t)),
        commission_percent,
        commission_cents,
        platform: text_of(detail, "platform").and_then(|p| p.parse().ok()),
        sales: text_of(detail, "saleVolume"),
    })
}

/// An `/api/mtunion/sku` item; `None` without a `skuId`.
fn legacy_item(s: &MtunionSku) -> Option<SearchItem> {
    let sku = s.sku_id.clone().filter(|v| !v.is_empty())?;
    let act = s.act_id.clone().filter(|v| !v.is_empty());
    let price_cents = s.price.as_deref().and_then(cents_text);
    let commission_percent = s
        .commission_percent
        .as_deref()
        .and_then(|t| t.trim().parse::<f64>().ok())
        .map(|v| v / 100.0);
    let commission_cents = s
        .commission
        .as_deref()
        .and_then(cents_text)
        .or_else(|| commission_of(price_cents, commission_percent));
    Some(SearchItem {
        key: match &act {
            Some(a) => format!("act:{a}:sku:{sku}"),
            None => format!("legacy-sku:{sku}"),
        },
        sku_view_id: None,
        act_id: act,
        sku_id: Some(sku),
        name: s.sku_name.clone().unwrap_or_default(),
        brand: s.brand_name.clone(),
        image_url: s.pic.clone().filter(|u| images::check_url(u).is_ok()),
        price_cents,
        original_price_cents: s.original_price.as_deref().and_then(cents_text),
        commission_percent,
        commission_cents,
        platform: None,
        sales: s.sales_volume.clone(),
    })
}

/// The filters the profile's generation offers, cached for the day. Media:
/// no call (platforms and lists are fixed; it has no city or category
/// list endpoint). Legacy: `/api/mtunion/city` and `/api/mtunion/category`
/// (counted calls) the first time of the day.
pub async fn filters(api: &Api, profile: &Profile) -> Result<SearchFilters> {
    let choices = |list: &[(i64, &str)]| -> Vec<Choice> {
        list.iter()
            .map(|(id, name)| Choice {
                id: *id,
                name: (*name).to_owned(),
            })
            .collect()
    };
    if profile.generation == Generation::Media {
        return Ok(SearchFilters {
            supported: true,
            generation: Generation::Media,
            keyword: true,
            platforms: choices(&[(1, "到家"), (2, "到店")]),
            cities: Vec::new(),
            categories: Vec::new(),
            lists: choices(MEDIA_LISTS),
        });
    }
    let store = api.store();
    let today = day(api.clock());
    if let Some(json) = sql::filters(&*store.connect()?, &profile.id, &today)? {
        if let Ok(f) = serde_json::from_str::<SearchFilters>(&json) {
            return Ok(f);
        }
    }
    let mut cities = Vec::new();
    for page_no in 1..=MAX_FILTER_PAGES {
        let request = CityRequest {
            business_line: None,
            page_no,
            page_size: FILTER_PAGE_SIZE,
        };
        let answer = api.legacy(profile, &request).await?;
        let got = answer.items.len();
        cities.extend(answer.items.into_iter().filter_map(|c| {
            Some(Choice {
                id: c.city_id?,
                name: c.city_name.unwrap_or_default(),
            })
        }));
        if got < FILTER_PAGE_SIZE as usize || cities.len() as i64 >= answer.total {
            break;
        }
    }
    let mut categories = Vec::new();
    for page_no in 1..=MAX_FILTER_PAGES {
        let request = CategoryRequest {
            business_line: None,
            act_id: None,
            page_no,
            page_size: FILTER_PAGE_SIZE,
        };
        let answer = api.legacy(profile, &request).await?;
        let got = answer.items.len();
        categories.extend(answer.items.into_iter().filter_map(|c| {
            Some(Choice {
                id: c.category_id?,
                name: c.category_name.unwrap_or_default(),
            })
        }));
        if got < FILTER_PAGE_SIZE as usize || categories.len() as i64 >= answer.total {
            break;
        }
    }
    let f = SearchFilters {
        supported: true,
        generation: Generation::Legacy,
        keyword: false,
        platforms: Vec::new(),
        cities,
        categories,
        lists: Vec::new(),
    };
    let json = serde_json::to_string(&f).map_err(|e| Error::Internal(e.to_string()))?;
    sql::put_filters(
        &*store.connect()?,
        &profile.id,
        &today,
        &json,
        &beijing_rfc3339(api.clock().now()),
    )?;
    Ok(f)
}

fn mime_kind(mime: &str) -> Option<ImageKind> {
    [
        ImageKind::Png,
        ImageKind::Jpeg,
        ImageKind::Gif,
        ImageKind::Webp,
    ]
    .into_iter()
    .find(|k| k.mime() == mime)
}

/// A `data:` URL of an image a search answer named for this profile:
/// from the disk cache, or fetched once (2 MB at most, PNG/JPEG/GIF/WebP
/// only). A URL no answer named is refused (`image_url`, rule
/// `not_named`) without any request.
pub async fn image_data_url(store: &Store, profile: &Profile, url: &str) -> Result<String> {
    let url = url.trim();
    let named = sql::image(&*store.connect()?, &profile.id, url)?;
    let Some((file, mime)) = named else {
        return Err(refuse(
            "image_url",
            "not_named",
            "no search answer named this image",
        ));
    };
    let dir = crate::paths::search_images_dir(&store.data_dir());
    if let (Some(file), Some(kind)) = (file, mime.as_deref().and_then(mime_kind)) {
        if let Ok(bytes) = std::fs::read(dir.join(&file)) {
            if ImageKind::sniff(&bytes) == Some(kind) {
                return Ok(images::data_url(&bytes, kind));
            }
        }
    }
    let (bytes, kind) =
        images::fetch_image(&images::shared_client()?, url, MAX_IMAGE_BYTES).await?;
    let name = format!("{}.{}", hex_sha256(url), kind.extension());
    let kept = crate::paths::private_dir(&dir)
        .and_then(|()| crate::safe_write::write_file_atomically(&dir.join(&name), &bytes));
    if kept.is_ok() {
        sql::set_image_file(&*store.connect()?, &profile.id, url, &name, kind.mime())?;
    } else {
        tracing::warn!("cannot keep a search image on disk");
    }
    Ok(images::data_url(&bytes, kind))
}

fn hex_sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------
// 收藏
// ---------------------------------------------------------------------------

/// The profile's favorites, oldest first.
pub fn favorites(store: &Store, profile_id: &str) -> Result<Vec<Favorite>> {
    let rows = sql::favorites(&*store.connect()?, profile_id)?;
    Ok(rows
        .into_iter()
        .filter_map(|(key, json, added_at)| {
            let item = serde_json::from_str(&json).ok()?;
            Some(Favorite {
                key,
                item,
                added_at,
            })
        })
        .collect())
}

fn check_item(item: &SearchItem) -> Result<()> {
    let key = item.key.trim();
    let well_formed = match (&item.sku_view_id, &item.act_id, &item.sku_id) {
        (Some(v), _, _) => key == format!("sku:{v}"),
        (None, Some(a), Some(s)) => key == format!("act:{a}:sku:{s}"),
        (None, Some(a), None) => key == format!("act:{a}"),
        (None, None, Some(s)) => key == format!("legacy-sku:{s}"),
        (None, None, None) => false,
    };
    if key.is_empty() || key.len() > 200 || !well_formed {
        return Err(refuse(
            "key",
            "malformed",
            "is not the key of a search result",
        ));
    }
    if item.name.chars().count() > 500 {
        return Err(refuse("name", "too_long", "at most 500 characters"));
    }
    Ok(())
}

/// Adds an item to the profile's favorites (again: its details refresh).
pub fn favorite_add(
    store: &Store,
    clock: &dyn Clock,
    profile_id: &str,
    item: &SearchItem,
) -> Result<Vec<Favorite>> {
    check_item(item)?;
    crate::profiles::get(store, profile_id)?;
    let conn = store.connect()?;
    let known = favorites(store, profile_id)?
        .iter()
        .any(|f| f.key == item.key);
    if !known && sql::favorite_count(&conn, profile_id)? >= MAX_FAVORITES {
        return Err(refuse(
            "favorites",
            "too_many",
            format!("at most {MAX_FAVORITES}; remove some first"),
        ));
    }
    let json = serde_json::to_string(item).map_err(|e| Error::Internal(e.to_string()))?;
    sql::put_favorite(
        &conn,
        profile_id,
        &item.key,
        &json,
        &beijing_rfc3339(clock.now()),
    )?;
    favorites(store, profile_id)
}

/// Removes a favorite (nothing happens when it is not one).
pub fn favorite_remove(store: &Store, profile_id: &str, key: &str) -> Result<Vec<Favorite>> {
    sql::remove_favorite(&*store.connect()?, profile_id, key.trim())?;
    favorites(store, profile_id)
}

/// The link type of a batch made from favorites: 1, the H5 link of both
/// generations (legacy `linkType` 1 H5, media 1 H5 long link), the batch
/// panel's default too.
pub const FAVORITES_LINK_TYPE: u8 = 1;

/// The favorites as batch input for `sid`: one `target,sid,type` row each
/// (`sku:<skuViewId>` for media, `act:<actId>:<skuId>` for a legacy
/// product, `act:<actId>` for a legacy activity, type
/// [`FAVORITES_LINK_TYPE`]). A favorite with nothing to link (a legacy
/// product without an actId) becomes a `#` comment line, which the batch
/// parser skips.
pub fn favorites_batch_text(store: &Store, profile_id: &str, sid: &str) -> Result<String> {
    let sid = sid.trim();
    meituan_union::validate::sid("sid", sid)
        .map_err(|e| refuse("sid", "invalid", e.to_string()))?;
    if sid.contains([',', '\t', '"', '\n', '\r', '#']) {
        return Err(refuse(
            "sid",
            "characters",
            "must not contain , \" # tabs or line breaks",
        ));
    }
    let favs = favorites(store, profile_id)?;
    if favs.is_empty() {
        return Err(refuse("favorites", "empty", "no favorites to send"));
    }
    let mut out = String::new();
    for f in favs {
        match (&f.item.sku_view_id, &f.item.act_id, &f.item.sku_id) {
            (Some(v), _, _) => out.push_str(&format!("sku:{v},{sid},{FAVORITES_LINK_TYPE}\n")),
            // A legacy product: that product of its activity (actId:skuId).
            (None, Some(a), Some(s)) => {
                out.push_str(&format!("act:{a}:{s},{sid},{FAVORITES_LINK_TYPE}\n"))
            }
            (None, Some(a), None) => {
                out.push_str(&format!("act:{a},{sid},{FAVORITES_LINK_TYPE}\n"))
            }
            _ => out.push_str(&format!(
                "# {}: no actId to link\n",
                f.key.replace(['\n', '\r'], " ")
            )),
        }
    }
    Ok(out)
}

/// A batch of the profile's favorites for `sid`, through the batch's own
/// parse and create path (rows ready to plan and run); its summary.
pub fn favorites_to_batch(
    store: &Store,
    clock: &dyn Clock,
    profile: &Profile,
    sid: &str,
) -> Result<crate::links::batch::BatchSummary> {
    let text = favorites_batch_text(store, &profile.id, sid)?;
    let rows = crate::links::batch::parse(
        &text,
        &crate::links::batch::BatchDefaults {
            sid: Some(sid.trim().to_owned()),
            link_types: vec![FAVORITES_LINK_TYPE],
            short_link: false,
        },
    )?;
    crate::links::batch::create(store, clock, profile, &rows, "favorites")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_items_read_prices_rates_and_commission() {
        let c: Coupon = serde_json::from_value(json!({
            "couponPackDetail": {"skuViewId":"v1","name":"奶茶","headUrl":"http://127.0.0.1:9/img/a.png",
                "sellPrice":"12.9","originalPrice":"20","platform":2,"saleVolume":"1000+"},
            "brandInfo": {"brandName":"茶店"},
            "commissionInfo": {"commissionPercent":"400"}
        }))
        .unwrap();
        let i = media_item(&c).unwrap();
        assert_eq!(i.key, "sku:v1");
        assert_eq!(
            (i.price_cents, i.original_price_cents),
            (Some(1290), Some(2000))
        );
        assert_eq!(i.commission_percent, Some(4.0));
        // 12.90 × 4 % = 0.516 → 52 cents.
        assert_eq!(i.commission_cents, Some(52));
        assert_eq!(i.platform, Some(2));
        let given: Coupon = serde_json::from_value(json!({
            "couponPackDetail": {"skuViewId":"v2","sellPrice":"10","headUrl":"file:///etc/passwd"},
            "commissionInfo": {"commissionPercent":"500","commission":"0.45"}
        }))
        .unwrap();
        let i = media_item(&given).unwrap();
        assert_eq!(i.commission_cents, Some(45));
        assert_eq!(i.image_url, None, "only http(s) images are kept");
    }

    #[test]
    fn later_pages_of_a_keyword_search_send_page_1s_search_id() {
        let q = |keyword: Option<&str>, page| SearchQuery {
            keyword: keyword.map(str::to_owned),
            list_id: Some(2),
            page,
            ..Default::default()
        };
        let body =
            |q: &SearchQuery| serde_json::to_value(media_request(q, Some("s1".into()))).unwrap();
        assert_eq!(body(&q(Some("奶茶"), 2))["searchId"], "s1");
        assert_eq!(body(&q(Some("奶茶"), 2))["searchText"], "奶茶");
        assert_eq!(body(&q(Some("奶茶"), 2))["pageSize"], 20);
        assert!(body(&q(Some("奶茶"), 1)).get("searchId").is_none());
        assert!(body(&q(None, 3)).get("searchId").is_none());
        assert_eq!(body(&q(None, 3))["listTopiId"], 2);
    }

    #[test]
    fn legacy_items_read_cents() {
        let s: MtunionSku = serde_json::from_value(
            json!({"skuId":"7","skuName":"牛奶","price":"1290","commissionPercent":"1000","actId":"33"}),
        )
        .unwrap();
        let i = legacy_item(&s).unwrap();
        assert_eq!(i.key, "act:33:sku:7");
        assert_eq!((i.price_cents, i.commission_cents), (Some(1290), Some(129)));
        let bare: MtunionSku = serde_json::from_value(json!({"skuId":8,"price":500})).unwrap();
        assert_eq!(legacy_item(&bare).unwrap().key, "legacy-sku:8");
    }

    #[test]
    fn the_query_key_ignores_the_page_and_spacing() {
        let p = |k: &str, page| SearchQuery {
            keyword: Some(k.into()),
            page,
            ..Default::default()
        };
        let g = Generation::Media;
        let mk = |q: &SearchQuery| {
            let k = q
                .keyword
                .as_deref()
                .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "));
            query_key(
                g,
                &SearchQuery {
                    keyword: k,
                    ..q.clone()
                },
            )
        };
        assert_eq!(mk(&p(" 奶茶  大杯 ", 1)), mk(&p("奶茶 大杯", 2)));
        assert_ne!(mk(&p("奶茶", 1)), mk(&p("咖啡", 1)));
    }
}
