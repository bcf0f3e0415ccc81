//! Legacy `/api/mtunion/{city,category,sku,poi}` (选品). Parameters follow
//! yzchan/meituan-union-php `src/request/{City,Category,Sku,Poi}Request.php`
//! (Y), reply fields dtapps/go-library `service/meituan/api.mtunion.*.go`
//! (D, @18b5a81). Where neither names a field, the name is OUR ASSUMPTION
//! (README, provenance table).
//!
//! A parameter sent as `0` counts as absent: Y sends every property, and
//! its defaults are 0 (`traits/*Trait.php:7`).

use super::{perr, ParamError, Params};
use crate::catalog::{self, Category, CATEGORIES, CITIES, LEGACY_LINES};
use crate::server::json_reply;
use crate::state::Shared;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

fn ok(data: Value) -> Response {
    json_reply(
        StatusCode::OK,
        &json!({"code": 0, "msg": "", "data": data}),
        None,
    )
}

impl Params {
    /// An integer where 0 means "not sent".
    fn int0(&self, k: &str) -> Result<Option<i64>, ParamError> {
        Ok(self.int(k)?.filter(|v| *v != 0))
    }

    /// `pageNo` (default 1) and `pageSize` (1–100, default 20; Y
    /// `traits/PaginationTrait.php:7-8`).
    fn paging(&self) -> Result<(usize, usize), ParamError> {
        let no = self.int_in("pageNo", 1, 1_000_000, Some(1))?;
        let size = self.int_in("pageSize", 1, 100, Some(20))?;
        Ok((((no - 1) * size) as usize, size as usize))
    }

    /// `businessLine`, one of the legacy codes.
    fn business_line(&self) -> Result<Option<i64>, ParamError> {
        let line = self.int0("businessLine")?;
        if line.is_some_and(|l| !LEGACY_LINES.contains(&l)) {
            return Err(perr("businessLine取值错误"));
        }
        Ok(line)
    }

    /// The legacy line of an `actId` (0 = absent; an act the sandbox has
    /// no line of matches nothing).
    fn act_line(&self) -> Result<Option<Option<i64>>, ParamError> {
        let Some(act) = self.act_id(false)?.filter(|a| *a != "0") else {
            return Ok(None);
        };
        Ok(Some(
            crate::data::LINES
                .iter()
                .find(|l| l.act_id.to_string() == act)
                .map(|l| i64::from(l.legacy.0)),
        ))
    }
}

fn page(items: Vec<Value>, skip: usize, size: usize) -> (Vec<Value>, usize) {
    let total = items.len();
    (items.into_iter().skip(skip).take(size).collect(), total)
}

/// `/api/mtunion/city` (Y `CityRequest.php`: `businessLine`, `pageNo`,
/// `pageSize`). Items `{cityId, cityName}` (D `api.mtunion.city.go:16-17`),
/// the same cities for every line.
pub(super) fn city(p: &Params) -> Result<Response, ParamError> {
    p.business_line()?;
    let (skip, size) = p.paging()?;
    let all = CITIES
        .iter()
        .map(|c| json!({"cityId": c.id, "cityName": c.name}))
        .collect();
    let (list, total) = page(all, skip, size);
    Ok(ok(json!({"dataList": list, "total": total})))
}

fn category_matches(c: &Category, line: Option<i64>, act_line: Option<Option<i64>>) -> bool {
    line.is_none_or(|l| c.line == l) && act_line.is_none_or(|a| a == Some(c.line))
}

/// `/api/mtunion/category` (Y `CategoryRequest.php`: `businessLine`,
/// `actId`, `pageNo`, `pageSize`). Items `{categoryId, categoryName}` (D
/// `api.mtunion.category.go:16-17`) + `businessLine` (OUR ASSUMPTION).
pub(super) fn category(p: &Params) -> Result<Response, ParamError> {
    let line = p.business_line()?;
    let act_line = p.act_line()?;
    let (skip, size) = p.paging()?;
    let all = CATEGORIES
        .iter()
        .filter(|c| category_matches(c, line, act_line))
        .map(|c| json!({"categoryId": c.id, "categoryName": c.name, "businessLine": c.line}))
        .collect();
    let (list, total) = page(all, skip, size);
    Ok(ok(json!({"dataList": list, "total": total})))
}

/// `/api/mtunion/sku` (Y `SkuRequest.php`: `businessLine`, `actId`,
/// `cityId`, `categoryId`, `pageNo`, `pageSize`). Items (D
/// `api.mtunion.sku.go:16-22`): `skuId`, `skuName`, `price` (fen, string:
/// `展示价格，单位分`), `pic` (URL), `categoryId`, `categoryName`,
/// `salesVolume`; plus (OUR ASSUMPTION) `commissionPercent` (string,
/// 1/100 %, "250" = 2.5 %, as media `query_coupon`), `actId`, `cityId`,
/// `businessLine`.
pub(super) fn sku(shared: &Shared, p: &Params) -> Result<Response, ParamError> {
    let line = p.business_line()?;
    let act = p.act_id(false)?.filter(|a| *a != "0");
    let city_id = p.int0("cityId")?;
    let category_id = p.int0("categoryId")?;
    let (skip, size) = p.paging()?;
    let img = shared.img_base();
    let all = shared
        .catalog
        .skus
        .iter()
        .filter(|s| {
            line.is_none_or(|l| s.category.line == l)
                && act.is_none_or(|a| s.act_id.to_string() == a)
                && city_id.is_none_or(|c| s.city_id == c)
                && category_id.is_none_or(|c| s.category.id == c)
        })
        .map(|s| {
            json!({
                "skuId": s.sku_id,
                "skuName": s.name,
                "price": s.price.to_string(),
                "pic": format!("{img}/sku/{}.png", s.sku_id),
                "categoryId": s.category.id,
                "categoryName": s.category.name,
                "salesVolume": s.sales_volume,
                "commissionPercent": s.commission_percent.to_string(),
                "actId": s.act_id,
                "cityId": s.city_id,
                "businessLine": s.category.line,
            })
        })
        .collect();
    let (list, total) = page(all, skip, size);
    Ok(ok(json!({"dataList": list, "total": total})))
}

/// `/api/mtunion/poi` (Y `PoiRequest.php`: `sid`, `longitude`, `latitude`
/// (×1e6, 火星坐标系, Y `traits/GeoTrait.php`), `categoryId`,
/// `secondCategoryId`, `businessLine` fixed to 2 外卖 (`:36`),
/// `filterConditionCodes` (≤ 6, `:41`), `pageTraceId` (`:57`), `pageNo`, `pageSize`).
/// Items (D `api.mtunion.poi.go:16-32`): `poiViewId`, `poiName`,
/// `poiPicUrl`, `poiScore`, `monthSale`, `shippingFee`, `minPrice`,
/// `distance` (metres; "" without a location), `avgDeliveryTime`,
/// `merchantFullSale`, `newCustomerDiscount`; data also `pageTraceId` (D
/// `:34`) and `total`; plus (OUR ASSUMPTION) `cityId`, `categoryId`,
/// `categoryName`. With a location: the stores of the nearest city, nearest
/// first; without: every store (OUR ASSUMPTION), or those of `cityId`.
pub(super) fn poi(shared: &Shared, p: &Params) -> Result<Response, ParamError> {
    if p.business_line()?.is_some_and(|l| l != 2) {
        return Err(perr("businessLine只支持2（外卖）"));
    }
    p.sid()?;
    let (lng, lat) = (p.int0("longitude")?, p.int0("latitude")?);
    let here = match (lng, lat) {
        (Some(lng), Some(lat)) => {
            if !(-180_000_000..=180_000_000).contains(&lng)
                || !(-90_000_000..=90_000_000).contains(&lat)
            {
                return Err(perr("longitude/latitude超出范围（需乘以1000000）"));
            }
            Some((lng, lat))
        }
        (None, None) => None,
        _ => return Err(perr("longitude和latitude需同时传入")),
    };
    let city_id = p.int0("cityId")?;
    let category_id = p.int0("categoryId")?;
    p.int0("secondCategoryId")?;
    if let Some(codes) = p.get("filterConditionCodes") {
        if codes.split(',').filter(|c| !c.trim().is_empty()).count() > 6 {
            return Err(perr("filterConditionCodes筛选项目不超过6类"));
        }
    }
    let (skip, size) = p.paging()?;
    let near_city = here.map(|(lng, lat)| catalog::nearest_city(lng, lat).id);
    let mut rows: Vec<(&catalog::Poi, Option<i64>)> = shared
        .catalog
        .pois
        .iter()
        .filter(|x| {
            near_city.is_none_or(|c| x.city_id == c)
                && city_id.is_none_or(|c| x.city_id == c)
                && category_id.is_none_or(|c| x.category.id == c)
        })
        .map(|x| {
            (
                x,
                here.map(|(lng, lat)| catalog::distance_m(lng, lat, x.lng, x.lat)),
            )
        })
        .collect();
    rows.sort_by_key(|(x, d)| (*d, x.poi_view_id.clone()));
    let img = shared.img_base();
    let all = rows
        .iter()
        .map(|(x, d)| {
            let mut m = Map::new();
            m.insert("poiViewId".into(), x.poi_view_id.clone().into());
            m.insert("poiName".into(), x.name.clone().into());
            m.insert(
                "poiPicUrl".into(),
                format!("{img}/poi/{}.png", x.poi_view_id).into(),
            );
            m.insert(
                "poiScore".into(),
                format!("{}.{}", x.score / 10, x.score % 10).into(),
            );
            m.insert("monthSale".into(), format!("月售{}", x.month_sale).into());
            m.insert("shippingFee".into(), catalog::yuan(x.shipping_fee).into());
            m.insert("minPrice".into(), x.min_price.to_string().into());
            m.insert(
                "distance".into(),
                d.map(|d| d.to_string()).unwrap_or_default().into(),
            );
            m.insert(
                "avgDeliveryTime".into(),
                x.delivery_minutes.to_string().into(),
            );
            m.insert(
                "merchantFullSale".into(),
                format!("{}减{}", x.full_sale.0, x.full_sale.1).into(),
            );
            m.insert("newCustomerDiscount".into(), "新客减1".into());
            m.insert("cityId".into(), x.city_id.into());
            m.insert("categoryId".into(), x.category.id.into());
            m.insert("categoryName".into(), x.category.name.into());
            Value::Object(m)
        })
        .collect();
    let (list, total) = page(all, skip, size);
    // Bound to the query, not the page: the same on every page of it.
    let trace = format!(
        "{:016x}",
        crate::data::fnv1a(format!("poi|{here:?}|{city_id:?}|{category_id:?}|{size}").as_bytes())
    );
    Ok(ok(
        json!({"dataList": list, "total": total, "pageTraceId": trace}),
    ))
}
