//! The legacy `/api/mtunion/*` catalogue endpoints (SPEC.md A.2 line 47):
//! `city`, `category`, `sku` (商品列表查询) and `poi` (门店POI查询). MD5-signed
//! GET calls like every legacy endpoint.
//!
//! Parameters: yzchan/meituan-union-php `src/request/{City,Category,Sku,Poi}Request.php`
//! (each request's traits: `BusinessLineTrait` `businessLine`,
//! `PaginationTrait` `pageNo`/`pageSize` "默认20，1~100", `ActIdTrait`
//! `actId`, `CityIdTrait` `cityId` "目前仅优选业务线单品推广使用",
//! `CategoryIdTrait` `categoryId`, `GeoTrait` `longitude`/`latitude`,
//! `SidTrait`, `SecondCategoryIdTrait`, and `PoiRequest`'s own
//! `filterConditionCodes` and `pageTraceId`); G-YDG/meituan-union-sdk
//! `src/Api/Client.php` (paths `api/mtunion/poi`, `api/mtunion/sku`).
//!
//! Answers: `{"code":0,"msg":"","data":{"dataList":[…],"total":N}}`, field
//! names from dtapps/go-library `service/meituan/api.mtunion.{city,category,sku,poi}.go`
//! (`cityId`/`cityName`; `categoryId`/`categoryName`; `skuId`, `skuName`,
//! `price` "展示价格，单位分", `pic`, `categoryId`, `categoryName`,
//! `salesVolume`; `poiViewId`, `poiName`, `poiPicUrl`, …, `pageTraceId`).
//! Decoding is lenient: numbers or strings, a `status`/`des` envelope as
//! well as `code`/`msg`, the list at `data.dataList`, `data` itself or the
//! top level, and likely alternative names (OUR ASSUMPTION) for fields no
//! source names (an item's `actId`, commission, image). Unknown fields are
//! kept in `extra`.

use crate::de::{lenient_i64, lenient_string};
use crate::legacy::LegacyEndpoint;
use crate::validate;
use crate::{BusinessLine, Error};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Largest `pageSize` (`PaginationTrait`: "页大小，默认20，1~100").
pub const MAX_MTUNION_PAGE_SIZE: u32 = 100;
/// `pageSize` when none is chosen (`PaginationTrait`: "默认20").
pub const DEFAULT_MTUNION_PAGE_SIZE: u32 = 20;

fn push_opt(p: &mut Vec<(&'static str, String)>, key: &'static str, v: Option<String>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        p.push((key, v));
    }
}

fn paging(p: &mut Vec<(&'static str, String)>, page_no: u32, page_size: u32) {
    p.push(("pageNo", page_no.to_string()));
    p.push(("pageSize", page_size.to_string()));
}

fn check_paging(page_no: u32, page_size: u32) -> Result<(), Error> {
    validate::page("pageNo", page_no)?;
    validate::limit("pageSize", page_size, MAX_MTUNION_PAGE_SIZE)
}

fn check_positive(field: &'static str, v: Option<i64>) -> Result<(), Error> {
    match v {
        Some(v) if v <= 0 => Err(Error::invalid(field, "must be a positive id")),
        _ => Ok(()),
    }
}

/// A page of an `/api/mtunion/*` answer.
#[derive(Debug, Clone, PartialEq)]
pub struct MtunionPage<T> {
    pub items: Vec<T>,
    /// `total` (the list's length when absent).
    pub total: i64,
    /// `pageTraceId` (poi paging; sent back with the next page).
    pub page_trace_id: Option<String>,
}

/// Reads `data.dataList` (or `data` as a list, or a top-level `dataList`),
/// `total` and `pageTraceId`.
fn decode_page<T: DeserializeOwned>(body: Value) -> Result<MtunionPage<T>, String> {
    let Value::Object(mut top) = body else {
        return Err("the answer is not a JSON object".to_owned());
    };
    let mut data = match top.remove("data") {
        Some(Value::Object(m)) => m,
        Some(Value::Array(list)) => {
            let mut m = Map::new();
            m.insert("dataList".into(), Value::Array(list));
            m
        }
        Some(Value::Null) | None if top.contains_key("dataList") => top,
        Some(Value::Null) => Map::new(),
        None => return Err("no \"data\" field".to_owned()),
        Some(other) => return Err(format!("\"data\" is not an object: {other}")),
    };
    let list = match data.remove("dataList").or_else(|| data.remove("list")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(format!("\"dataList\" is not a list: {other}")),
    };
    let items = list
        .into_iter()
        .filter(Value::is_object)
        .map(serde_json::from_value::<T>)
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| e.to_string())?;
    let total = match data.remove("total") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .unwrap_or(items.len() as i64);
    let page_trace_id = match data.remove("pageTraceId") {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Ok(MtunionPage {
        items,
        total,
        page_trace_id,
    })
}

// ---------------------------------------------------------------------------
// /api/mtunion/city
// ---------------------------------------------------------------------------

/// `/api/mtunion/city` (城市信息查询): `businessLine`, `pageNo`, `pageSize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CityRequest {
    pub business_line: Option<BusinessLine>,
    pub page_no: u32,
    pub page_size: u32,
}

/// One city (`cityId`, `cityName`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MtunionCity {
    #[serde(default, alias = "id", deserialize_with = "lenient_i64")]
    pub city_id: Option<i64>,
    #[serde(default, alias = "name", deserialize_with = "lenient_string")]
    pub city_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LegacyEndpoint for CityRequest {
    type Response = MtunionPage<MtunionCity>;
    const PATH: &'static str = "/api/mtunion/city";

    fn validate(&self) -> Result<(), Error> {
        check_paging(self.page_no, self.page_size)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        push_opt(
            &mut p,
            "businessLine",
            self.business_line.map(|b| b.code().to_string()),
        );
        paging(&mut p, self.page_no, self.page_size);
        p
    }

    fn decode(body: Value) -> Result<Self::Response, String> {
        decode_page(body)
    }
}

// ---------------------------------------------------------------------------
// /api/mtunion/category
// ---------------------------------------------------------------------------

/// `/api/mtunion/category` (商品类目查询): `businessLine`, `actId`,
/// `pageNo`, `pageSize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRequest {
    pub business_line: Option<BusinessLine>,
    pub act_id: Option<String>,
    pub page_no: u32,
    pub page_size: u32,
}

/// One category (`categoryId`, `categoryName`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MtunionCategory {
    #[serde(default, alias = "id", deserialize_with = "lenient_i64")]
    pub category_id: Option<i64>,
    #[serde(default, alias = "name", deserialize_with = "lenient_string")]
    pub category_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LegacyEndpoint for CategoryRequest {
    type Response = MtunionPage<MtunionCategory>;
    const PATH: &'static str = "/api/mtunion/category";

    fn validate(&self) -> Result<(), Error> {
        if let Some(act) = &self.act_id {
            validate::numeric_id("actId", act)?;
        }
        check_paging(self.page_no, self.page_size)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        push_opt(
            &mut p,
            "businessLine",
            self.business_line.map(|b| b.code().to_string()),
        );
        push_opt(&mut p, "actId", self.act_id.clone());
        paging(&mut p, self.page_no, self.page_size);
        p
    }

    fn decode(body: Value) -> Result<Self::Response, String> {
        decode_page(body)
    }
}

// ---------------------------------------------------------------------------
// /api/mtunion/sku
// ---------------------------------------------------------------------------

/// `/api/mtunion/sku` (商品列表查询): `businessLine`, `actId`, `cityId`,
/// `categoryId`, `pageNo`, `pageSize`. No source lists a keyword.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SkuRequest {
    pub business_line: Option<BusinessLine>,
    pub act_id: Option<String>,
    pub city_id: Option<i64>,
    pub category_id: Option<i64>,
    pub page_no: u32,
    pub page_size: u32,
}

/// One product of `/api/mtunion/sku`. Sourced names (dtapps): `skuId`,
/// `skuName`, `price` (cents), `pic`, `categoryId`, `categoryName`,
/// `salesVolume`. The aliases and `actId`/`commissionPercent`/
/// `commission` are OUR ASSUMPTION (no source names them).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MtunionSku {
    #[serde(default, deserialize_with = "lenient_string")]
    pub sku_id: Option<String>,
    #[serde(default, alias = "name", deserialize_with = "lenient_string")]
    pub sku_name: Option<String>,
    /// 展示价格，单位分 (dtapps); kept as sent.
    #[serde(default, deserialize_with = "lenient_string")]
    pub price: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub original_price: Option<String>,
    /// 商品主图 (a URL).
    #[serde(
        default,
        alias = "picUrl",
        alias = "imageUrl",
        alias = "headUrl",
        deserialize_with = "lenient_string"
    )]
    pub pic: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub category_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub category_name: Option<String>,
    #[serde(default, alias = "saleVolume", deserialize_with = "lenient_string")]
    pub sales_volume: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub act_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub brand_name: Option<String>,
    /// Commission rate as sent (OUR ASSUMPTION: 1/100 % like media's
    /// `commissionPercent`).
    #[serde(default, alias = "commissionRate", deserialize_with = "lenient_string")]
    pub commission_percent: Option<String>,
    /// Commission per sale as sent (OUR ASSUMPTION: cents, like `price`).
    #[serde(default, deserialize_with = "lenient_string")]
    pub commission: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LegacyEndpoint for SkuRequest {
    type Response = MtunionPage<MtunionSku>;
    const PATH: &'static str = "/api/mtunion/sku";

    fn validate(&self) -> Result<(), Error> {
        if let Some(act) = &self.act_id {
            validate::numeric_id("actId", act)?;
        }
        check_positive("cityId", self.city_id)?;
        check_positive("categoryId", self.category_id)?;
        check_paging(self.page_no, self.page_size)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        push_opt(
            &mut p,
            "businessLine",
            self.business_line.map(|b| b.code().to_string()),
        );
        push_opt(&mut p, "actId", self.act_id.clone());
        push_opt(&mut p, "cityId", self.city_id.map(|v| v.to_string()));
        push_opt(
            &mut p,
            "categoryId",
            self.category_id.map(|v| v.to_string()),
        );
        paging(&mut p, self.page_no, self.page_size);
        p
    }

    fn decode(body: Value) -> Result<Self::Response, String> {
        decode_page(body)
    }
}

// ---------------------------------------------------------------------------
// /api/mtunion/poi
// ---------------------------------------------------------------------------

/// `/api/mtunion/poi` (门店POI查询): `businessLine` (fixed 2 外卖 in
/// yzchan's `PoiRequest`), `sid`, `longitude`/`latitude` (火星坐标,
/// degrees × 1e6: SPEC.md), `categoryId`, `secondCategoryId`,
/// `filterConditionCodes`, `pageTraceId` (not on the first page; then the
/// previous answer's), `pageNo`, `pageSize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoiRequest {
    pub business_line: BusinessLine,
    pub sid: Option<String>,
    pub longitude: i64,
    pub latitude: i64,
    pub category_id: Option<i64>,
    pub second_category_id: Option<i64>,
    pub filter_condition_codes: Option<String>,
    pub page_trace_id: Option<String>,
    pub page_no: u32,
    pub page_size: u32,
}

/// One shop of `/api/mtunion/poi` (dtapps `api.mtunion.poi.go`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MtunionPoi {
    #[serde(default, deserialize_with = "lenient_string")]
    pub poi_view_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub poi_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub poi_pic_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub poi_score: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub month_sale: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub shipping_fee: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub min_price: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub distance: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LegacyEndpoint for PoiRequest {
    type Response = MtunionPage<MtunionPoi>;
    const PATH: &'static str = "/api/mtunion/poi";

    fn validate(&self) -> Result<(), Error> {
        if let Some(sid) = &self.sid {
            validate::sid("sid", sid)?;
        }
        if self.longitude.abs() > 180_000_000 || self.latitude.abs() > 90_000_000 {
            return Err(Error::invalid(
                "longitude",
                "coordinates are degrees × 1 000 000",
            ));
        }
        check_positive("categoryId", self.category_id)?;
        check_positive("secondCategoryId", self.second_category_id)?;
        if let Some(codes) = &self.filter_condition_codes {
            validate::text("filterConditionCodes", codes, 256)?;
        }
        if let Some(trace) = &self.page_trace_id {
            validate::text("pageTraceId", trace, 1024)?;
        }
        check_paging(self.page_no, self.page_size)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("businessLine", self.business_line.code().to_string()),
            ("longitude", self.longitude.to_string()),
            ("latitude", self.latitude.to_string()),
        ];
        push_opt(&mut p, "sid", self.sid.clone());
        push_opt(
            &mut p,
            "categoryId",
            self.category_id.map(|v| v.to_string()),
        );
        push_opt(
            &mut p,
            "secondCategoryId",
            self.second_category_id.map(|v| v.to_string()),
        );
        push_opt(
            &mut p,
            "filterConditionCodes",
            self.filter_condition_codes.clone(),
        );
        push_opt(&mut p, "pageTraceId", self.page_trace_id.clone());
        paging(&mut p, self.page_no, self.page_size);
        p
    }

    fn decode(body: Value) -> Result<Self::Response, String> {
        decode_page(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sorted(mut p: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
        p.sort();
        p
    }

    fn invalid_field(r: Result<(), Error>) -> &'static str {
        match r {
            Err(Error::InvalidArgument { field, .. }) => field,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn mtunion_params_are_the_sourced_names() {
        let sku = SkuRequest {
            business_line: Some(BusinessLine::Youxuan),
            act_id: Some("33".into()),
            city_id: Some(1),
            category_id: Some(7),
            page_no: 2,
            page_size: 20,
        };
        assert!(sku.validate().is_ok());
        assert_eq!(
            sorted(sku.params()),
            vec![
                ("actId", "33".to_owned()),
                ("businessLine", "4".to_owned()),
                ("categoryId", "7".to_owned()),
                ("cityId", "1".to_owned()),
                ("pageNo", "2".to_owned()),
                ("pageSize", "20".to_owned()),
            ]
        );
        let bare = SkuRequest {
            page_no: 1,
            page_size: 20,
            ..Default::default()
        };
        assert_eq!(
            sorted(bare.params()),
            vec![("pageNo", "1".to_owned()), ("pageSize", "20".to_owned())]
        );
        let city = CityRequest {
            business_line: Some(BusinessLine::Youxuan),
            page_no: 1,
            page_size: 100,
        };
        assert!(city.validate().is_ok());
        assert!(city.params().contains(&("businessLine", "4".to_owned())));
        let cat = CategoryRequest {
            business_line: None,
            act_id: Some("2".into()),
            page_no: 1,
            page_size: 100,
        };
        assert!(cat.params().contains(&("actId", "2".to_owned())));
        let poi = PoiRequest {
            business_line: BusinessLine::WaimaiShangou,
            sid: Some("s1".into()),
            longitude: 116_397_128,
            latitude: 39_916_527,
            category_id: None,
            second_category_id: None,
            filter_condition_codes: None,
            page_trace_id: Some("t1".into()),
            page_no: 2,
            page_size: 20,
        };
        assert!(poi.validate().is_ok());
        let p = poi.params();
        assert!(p.contains(&("longitude", "116397128".to_owned())));
        assert!(p.contains(&("pageTraceId", "t1".to_owned())));
        assert!(p.contains(&("businessLine", "2".to_owned())));
    }

    #[test]
    fn mtunion_validation() {
        let ok = SkuRequest {
            page_no: 1,
            page_size: 20,
            ..Default::default()
        };
        let mut r = ok.clone();
        r.page_size = 101;
        assert_eq!(invalid_field(r.validate()), "pageSize");
        let mut r = ok.clone();
        r.page_no = 0;
        assert_eq!(invalid_field(r.validate()), "pageNo");
        let mut r = ok.clone();
        r.act_id = Some("x1".into());
        assert_eq!(invalid_field(r.validate()), "actId");
        let mut r = ok;
        r.city_id = Some(0);
        assert_eq!(invalid_field(r.validate()), "cityId");
    }

    #[test]
    fn mtunion_answers_decode_leniently() {
        let page = SkuRequest::decode(json!({"code":0,"msg":"","data":{"dataList":[
            {"skuId":"101","skuName":"鲜牛奶","price":"1290","pic":"http://127.0.0.1:1/img/a.png",
             "categoryId":7,"categoryName":"乳品","salesVolume":1000,"somethingNew":true},
            {"skuId":102,"name":"面包","price":590,"picUrl":"http://x/b.png","actId":33,"commissionRate":"500"}
        ],"total":"57"}}))
        .unwrap();
        assert_eq!(page.total, 57);
        let a = &page.items[0];
        assert_eq!(
            (
                a.sku_id.as_deref(),
                a.sku_name.as_deref(),
                a.price.as_deref()
            ),
            (Some("101"), Some("鲜牛奶"), Some("1290"))
        );
        assert_eq!(a.sales_volume.as_deref(), Some("1000"));
        assert_eq!(a.extra.get("somethingNew"), Some(&json!(true)));
        let b = &page.items[1];
        assert_eq!(b.sku_id.as_deref(), Some("102"));
        assert_eq!(b.sku_name.as_deref(), Some("面包"));
        assert_eq!(b.pic.as_deref(), Some("http://x/b.png"));
        assert_eq!(b.act_id.as_deref(), Some("33"));
        assert_eq!(b.commission_percent.as_deref(), Some("500"));

        let cities = CityRequest::decode(
            json!({"status":0,"des":"","data":{"dataList":[{"cityId":"1","cityName":"北京"}]}}),
        )
        .unwrap();
        assert_eq!(cities.total, 1);
        assert_eq!(cities.items[0].city_id, Some(1));
        assert_eq!(cities.items[0].city_name.as_deref(), Some("北京"));
        // `data` as the list itself, or null.
        let cats = CategoryRequest::decode(
            json!({"code":0,"data":[{"categoryId":3,"categoryName":"水果"}]}),
        )
        .unwrap();
        assert_eq!(cats.items[0].category_id, Some(3));
        let empty = CategoryRequest::decode(json!({"code":0,"data":null})).unwrap();
        assert!(empty.items.is_empty());
        let poi = PoiRequest::decode(json!({"code":0,"data":{"dataList":[{"poiViewId":"p1","poiName":"店","monthSale":"月售100"}],"pageTraceId":"t2"}})).unwrap();
        assert_eq!(poi.page_trace_id.as_deref(), Some("t2"));
        assert_eq!(poi.items[0].poi_view_id.as_deref(), Some("p1"));
        assert!(SkuRequest::decode(json!({"code":0})).is_err());
        assert!(SkuRequest::decode(json!({"code":0,"data":{"dataList":"x"}})).is_err());
    }
}
