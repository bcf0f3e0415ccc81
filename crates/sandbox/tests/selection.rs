//! 选品 (issue 20): the images the sandbox serves itself, `query_coupon`
//! city and ranking-list filters and `searchId` paging, mini-program codes,
//! and the legacy `/api/mtunion/{city,category,sku,poi}` endpoints.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const MS: i64 = 1_700_000_000_000;
const TS: i64 = MS / 1000;

/// Checks a PNG the way a decoder would (signature, chunk CRCs, IHDR first
/// and IEND last, the zlib stream's stored blocks, the row filters and
/// palette indices) and returns its width and height.
fn check_png(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], &[0x89, b'P', b'N', b'G', 13, 10, 26, 10]);
    let mut at = 8;
    let mut kinds = Vec::new();
    let (mut ihdr, mut plte, mut idat) = (Vec::new(), Vec::new(), Vec::new());
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        let crc = u32::from_be_bytes(bytes[at + 8 + len..at + 12 + len].try_into().unwrap());
        assert_eq!(crc, sandbox::images::crc32(&[kind, data]), "chunk CRC");
        match kind {
            b"IHDR" => ihdr = data.to_vec(),
            b"PLTE" => plte = data.to_vec(),
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        kinds.push(String::from_utf8(kind.to_vec()).unwrap());
        at += 12 + len;
    }
    assert_eq!(at, bytes.len());
    assert_eq!(kinds.first().map(String::as_str), Some("IHDR"));
    assert_eq!(kinds.last().map(String::as_str), Some("IEND"));
    assert_eq!(ihdr.len(), 13);
    let w = u32::from_be_bytes(ihdr[0..4].try_into().unwrap());
    let h = u32::from_be_bytes(ihdr[4..8].try_into().unwrap());
    assert_eq!(&ihdr[8..], &[8, 3, 0, 0, 0], "8-bit palette");
    assert!(!plte.is_empty() && plte.len() % 3 == 0);
    // zlib: header, stored blocks, Adler-32.
    assert_eq!((u16::from(idat[0]) << 8 | u16::from(idat[1])) % 31, 0);
    let mut raw = Vec::new();
    let mut p = 2;
    loop {
        let head = idat[p];
        assert_eq!(head & 0b110, 0, "stored block");
        let len = u16::from_le_bytes([idat[p + 1], idat[p + 2]]);
        let nlen = u16::from_le_bytes([idat[p + 3], idat[p + 4]]);
        assert_eq!(len, !nlen);
        raw.extend_from_slice(&idat[p + 5..p + 5 + len as usize]);
        p += 5 + len as usize;
        if head & 1 == 1 {
            break;
        }
    }
    assert_eq!(p + 4, idat.len());
    assert_eq!(raw.len(), ((w + 1) * h) as usize);
    let colours = plte.len() / 3;
    for row in raw.chunks((w + 1) as usize) {
        assert_eq!(row[0], 0, "filter none");
        assert!(row[1..].iter().all(|&i| (i as usize) < colours));
    }
    (w, h)
}

async fn fetch(url: &str) -> (reqwest::StatusCode, Option<String>, Vec<u8>) {
    let res = client().get(url).send().await.expect("request");
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, ct, res.bytes().await.unwrap().to_vec())
}

struct Sb {
    sb: sandbox::RunningSandbox,
    k: String,
    s: String,
}

async fn sandbox() -> Sb {
    let (cfg, _clock) = manual_config(MS);
    let sb = start(cfg).await;
    let demo = sb.demo_account();
    Sb {
        k: demo.appkey.clone(),
        s: demo.secret.expose().to_owned(),
        sb,
    }
}

impl Sb {
    fn base(&self) -> &str {
        self.sb.base_url()
    }
    async fn coupon(&self, body: Value) -> Value {
        media(self.base(), COUPON, &self.k, &self.s, MS, &body)
            .await
            .2
    }
    async fn legacy(&self, path: &str, params: &[(&str, &str)]) -> Value {
        legacy(self.base(), path, &self.k, &self.s, TS, params)
            .await
            .2
    }
    fn calls(&self) -> u64 {
        self.sb.admin().day_stats(&self.k).unwrap().calls
    }
}

fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap_or_else(|| panic!("data: {v}"))
        .iter()
        .map(|x| {
            x["couponPackDetail"]["skuViewId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn coupon_images_are_served_by_the_sandbox_as_valid_png() {
    let sb = sandbox().await;
    let v = sb.coupon(json!({"pageSize": 5})).await;
    assert_eq!(v["code"], 0, "{v}");
    let calls = sb.calls();
    let item = &v["data"][0];
    let head = item["couponPackDetail"]["headUrl"].as_str().unwrap();
    let sku = item["couponPackDetail"]["skuViewId"].as_str().unwrap();
    assert_eq!(head, format!("{}/img/sku/{sku}.png", sb.base()));
    let (status, ct, png) = fetch(head).await;
    assert_eq!(status, 200);
    assert_eq!(ct.as_deref(), Some("image/png"));
    assert_eq!(check_png(&png), (96, 96));
    // Deterministic: the same bytes again, and from another sandbox of the
    // same seed; another product, another picture.
    assert_eq!(fetch(head).await.2, png);
    let other = sandbox().await;
    let again = format!("{}/img/sku/{sku}.png", other.base());
    assert_eq!(fetch(&again).await.2, png);
    let head2 = v["data"][1]["couponPackDetail"]["headUrl"]
        .as_str()
        .unwrap();
    assert_ne!(fetch(head2).await.2, png);

    let logo = item["brandInfo"]["brandLogoUrl"].as_str().unwrap();
    assert!(
        logo.starts_with(&format!("{}/img/brand/", sb.base())),
        "{logo}"
    );
    let (status, _, png) = fetch(logo).await;
    assert_eq!(status, 200);
    assert_eq!(check_png(&png), (64, 64));

    // Images are not API calls: not counted.
    assert_eq!(sb.calls(), calls);

    // Unknown images are 404.
    for path in [
        "/img/sku/NOPE.png",
        &format!("/img/sku/{sku}.jpg"),
        "/img/brand/x.png",
        "/img/poi/0000000000000000.png",
        "/img/minicode/xyz.png",
        "/img/minicode/0123456789ABCDEF0123.png",
        "/img/other/a.png",
        "/img/sku",
    ] {
        let (status, _, _) = fetch(&format!("{}{path}", sb.base())).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn mini_codes_are_fetchable_from_the_sandbox_and_distinct() {
    let sb = sandbox().await;
    let mut pngs = BTreeSet::new();
    for sid in ["s1", "s2"] {
        let v = sb
            .legacy(
                "/api/miniCode",
                &[("actId", "33"), ("sid", sid), ("linkType", "4")],
            )
            .await;
        assert_eq!(v["status"], 0, "{v}");
        let url = v["data"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("{}/img/minicode/", sb.base())) && url.ends_with(".png"),
            "{url}"
        );
        let (status, ct, png) = fetch(url).await;
        assert_eq!((status.as_u16(), ct.as_deref()), (200, Some("image/png")));
        assert_eq!(check_png(&png), (116, 116));
        pngs.insert(png);
    }
    // Media linkType 6 answers a mini-program code image too.
    let v = media(
        sb.base(),
        REFERRAL,
        &sb.k,
        &sb.s,
        MS,
        &json!({"skuViewId": "abc", "sid": "s1", "linkType": 6}),
    )
    .await
    .2;
    assert_eq!(v["code"], 0, "{v}");
    let url = v["data"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/img/minicode/", sb.base())),
        "{url}"
    );
    let (status, _, png) = fetch(url).await;
    assert_eq!(status, 200);
    check_png(&png);
    pngs.insert(png);
    assert_eq!(pngs.len(), 3, "one code per link");
}

#[tokio::test]
async fn query_coupon_filters_by_city() {
    let sb = sandbox().await;
    let all = ids(&sb.coupon(json!({"pageSize": 1000})).await);
    assert_eq!(all.len(), 120);
    let mut seen = BTreeSet::new();
    for city in [1, 10, 20, 30, 50] {
        let v = sb.coupon(json!({"pageSize": 1000, "cityId": city})).await;
        let got = ids(&v);
        assert!(!got.is_empty(), "city {city}");
        assert!(got.len() < all.len());
        for id in got {
            assert!(seen.insert(id), "a coupon is in one city only");
        }
    }
    assert_eq!(seen.len(), all.len(), "every coupon has a city");
    // A city the sandbox does not have matches nothing; 0 is "not sent".
    assert!(ids(&sb.coupon(json!({"cityId": 999})).await).is_empty());
    assert_eq!(
        ids(&sb.coupon(json!({"cityId": 0, "pageSize": 1000})).await).len(),
        120
    );
    assert_eq!(sb.coupon(json!({"cityId": -1})).await["code"], 1);
    // Combined with platform.
    let v = sb
        .coupon(json!({"pageSize": 1000, "cityId": 10, "platform": 2}))
        .await;
    let both = ids(&v);
    let city = ids(&sb.coupon(json!({"pageSize": 1000, "cityId": 10})).await);
    assert!(!both.is_empty() && both.len() < city.len());
    assert!(both.iter().all(|id| city.contains(id)));
}

#[tokio::test]
async fn query_coupon_ranking_lists() {
    let sb = sandbox().await;
    let p1 = ids(&sb.coupon(json!({"platform": 1, "pageSize": 1000})).await);
    let p2 = ids(&sb.coupon(json!({"platform": 2, "pageSize": 1000})).await);
    for l in [1, 2, 3, 4] {
        let got = ids(&sb
            .coupon(json!({"platform": 1, "listTopiId": l, "pageSize": 1000}))
            .await);
        assert!(!got.is_empty() && got.len() < p1.len(), "list {l}");
        assert!(got.iter().all(|id| p1.contains(id)));
        // Without platform a list is read on platform 1.
        let mut no_platform = ids(&sb.coupon(json!({"listTopiId": l, "pageSize": 1000})).await);
        let mut sorted = got.clone();
        no_platform.sort();
        sorted.sort();
        assert_eq!(no_platform, sorted);
    }
    // 到店 3 同城热销 is every 到店 coupon; 2 and 5 are subsets.
    let mut l3 = ids(&sb
        .coupon(json!({"platform": 2, "listTopiId": 3, "pageSize": 1000}))
        .await);
    let mut all2 = p2.clone();
    l3.sort();
    all2.sort();
    assert_eq!(l3, all2);
    for l in [2, 5] {
        let got = ids(&sb
            .coupon(json!({"platform": 2, "listTopiId": l, "pageSize": 1000}))
            .await);
        assert!(!got.is_empty() && got.len() < p2.len(), "到店 list {l}");
    }
    // Lists a platform does not offer are parameter errors.
    for (platform, l) in [(1, 5), (2, 1), (2, 4), (1, 6)] {
        let v = sb
            .coupon(json!({"platform": platform, "listTopiId": l}))
            .await;
        assert_eq!(v["code"], 1, "platform {platform} list {l}: {v}");
    }
    // 到店酒店 and 到家医药 need list 3.
    let v = sb.coupon(json!({"platform": 2, "bizLine": 3})).await;
    assert_eq!(v["code"], 1, "{v}");
    let v = sb
        .coupon(json!({"platform": 2, "bizLine": 3, "listTopiId": 3}))
        .await;
    assert_eq!(v["code"], 0, "{v}");
    let v = sb
        .coupon(json!({"platform": 1, "bizLine": 5, "listTopiId": 1}))
        .await;
    assert_eq!(v["code"], 1, "{v}");
    // A list wins over a keyword: no keyword filter, no searchId.
    let v = sb
        .coupon(json!({"platform": 1, "listTopiId": 1, "searchText": "zzzz", "pageSize": 1000}))
        .await;
    assert!(v.get("searchId").is_none(), "{v}");
    assert!(!ids(&v).is_empty());
    // 到店 lists sort by sales, descending, by default.
    let v = sb
        .coupon(json!({"platform": 2, "listTopiId": 3, "pageSize": 1000}))
        .await;
    let sales: Vec<u32> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["couponPackDetail"]["saleVolume"]
                .as_str()
                .unwrap()
                .trim_end_matches('+')
                .parse()
                .unwrap()
        })
        .collect();
    assert!(sales.windows(2).all(|w| w[0] >= w[1]), "{sales:?}");
}

#[tokio::test]
async fn keyword_search_pages_with_its_search_id() {
    let sb = sandbox().await;
    // The most common shop name gives the longest search.
    let all = sb.coupon(json!({"pageSize": 1000})).await;
    let mut best = (String::new(), 0);
    for x in all["data"].as_array().unwrap() {
        let brand = x["brandInfo"]["brandName"].as_str().unwrap();
        let head: String = brand.chars().take(2).collect();
        let n = all["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|y| {
                y["couponPackDetail"]["name"]
                    .as_str()
                    .unwrap()
                    .contains(&head)
                    || y["brandInfo"]["brandName"]
                        .as_str()
                        .unwrap()
                        .contains(&head)
            })
            .count();
        if n > best.1 {
            best = (head, n);
        }
    }
    let (kw, n) = best;
    assert!(n >= 7, "{kw}: {n}");
    let full = ids(&sb.coupon(json!({"searchText": kw, "pageSize": 1000})).await);
    assert_eq!(full.len(), n);

    let p1 = sb.coupon(json!({"searchText": kw, "pageSize": 3})).await;
    let search_id = p1["searchId"].as_str().expect("searchId").to_owned();
    assert_eq!(p1["hasNext"], true);
    let mut pages = ids(&p1);
    let mut page_no = 2;
    loop {
        let v = sb
            .coupon(
                json!({"searchText": kw, "pageSize": 3, "pageNo": page_no, "searchId": search_id}),
            )
            .await;
        assert_eq!(v["code"], 0, "{v}");
        assert_eq!(
            v["searchId"],
            search_id.as_str(),
            "same query, same searchId"
        );
        // The same page asked again is the same page.
        let again = sb
            .coupon(
                json!({"searchText": kw, "pageSize": 3, "pageNo": page_no, "searchId": search_id}),
            )
            .await;
        assert_eq!(again, v);
        pages.extend(ids(&v));
        if v["hasNext"] != true {
            break;
        }
        page_no += 1;
    }
    assert_eq!(pages, full, "pages cover the result once, in order");
    assert_eq!(page_no as usize, n.div_ceil(3));
    // Another sort is another search; a stale searchId does not disturb it.
    let other = sb
        .coupon(json!({"searchText": kw, "pageSize": 3, "sortField": 2, "searchId": search_id}))
        .await;
    assert_eq!(other["code"], 0);
    assert_ne!(other["searchId"], search_id.as_str());
    // No keyword, no searchId.
    assert!(sb
        .coupon(json!({"pageSize": 3}))
        .await
        .get("searchId")
        .is_none());
}

fn data_list(v: &Value) -> &Vec<Value> {
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["msg"], "", "{v}");
    v["data"]["dataList"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
}

#[tokio::test]
async fn mtunion_city_and_category() {
    let sb = sandbox().await;
    let v = sb.legacy("/api/mtunion/city", &[]).await;
    let cities = data_list(&v);
    assert_eq!(v["data"]["total"], 5);
    assert_eq!(cities[0], json!({"cityId": 1, "cityName": "北京"}));
    let v = sb
        .legacy(
            "/api/mtunion/city",
            &[("businessLine", "4"), ("pageNo", "3"), ("pageSize", "2")],
        )
        .await;
    assert_eq!(data_list(&v).len(), 1);
    assert_eq!(v["data"]["total"], 5);
    // yzchan sends unset properties as 0.
    let v = sb
        .legacy("/api/mtunion/city", &[("businessLine", "0")])
        .await;
    assert_eq!(data_list(&v).len(), 5);

    let v = sb
        .legacy("/api/mtunion/category", &[("businessLine", "4")])
        .await;
    let cats = data_list(&v);
    assert_eq!(cats.len(), 6);
    assert!(cats.iter().all(|c| c["businessLine"] == 4
        && c["categoryId"].is_i64()
        && c["categoryName"].is_string()));
    let by_act = sb.legacy("/api/mtunion/category", &[("actId", "42")]).await;
    assert_eq!(by_act["data"], v["data"], "act 42 is 优选");
    let all = sb.legacy("/api/mtunion/category", &[]).await;
    assert!(data_list(&all).len() > cats.len());
    let none = sb
        .legacy("/api/mtunion/category", &[("actId", "999")])
        .await;
    assert!(data_list(&none).is_empty());
    // Bad parameters: code 1005 in the code/msg wrapper.
    for params in [
        &[("businessLine", "8")][..],
        &[("pageSize", "101")],
        &[("pageNo", "x")],
        &[("actId", "a1")],
    ] {
        let v = sb.legacy("/api/mtunion/category", params).await;
        assert_eq!(v["code"], 1005, "{params:?}: {v}");
        assert!(v["msg"].as_str().unwrap().starts_with("参数错误"), "{v}");
    }
}

#[tokio::test]
async fn mtunion_sku_filters_and_serves_its_pictures() {
    let sb = sandbox().await;
    let v = sb
        .legacy(
            "/api/mtunion/sku",
            &[("businessLine", "4"), ("cityId", "1"), ("pageSize", "100")],
        )
        .await;
    let skus = data_list(&v);
    assert!(!skus.is_empty());
    assert_eq!(v["data"]["total"], skus.len());
    for s in skus {
        assert_eq!(s["cityId"], 1, "{s}");
        assert_eq!(s["businessLine"], 4);
        assert_eq!(s["actId"], 42);
        assert!(s["skuId"]
            .as_str()
            .unwrap()
            .bytes()
            .all(|b| b.is_ascii_digit()));
        assert!(s["skuName"].as_str().unwrap().contains("北京"));
        let fen: i64 = s["price"].as_str().unwrap().parse().unwrap();
        assert!(fen > 0);
        let pct: i64 = s["commissionPercent"].as_str().unwrap().parse().unwrap();
        assert!((100..=600).contains(&pct));
        assert!(s["salesVolume"].is_u64() && s["categoryName"].is_string());
    }
    let cat = skus[0]["categoryId"].as_i64().unwrap().to_string();
    let v2 = sb
        .legacy(
            "/api/mtunion/sku",
            &[
                ("businessLine", "4"),
                ("cityId", "1"),
                ("categoryId", &cat),
                ("pageSize", "100"),
            ],
        )
        .await;
    let by_cat = data_list(&v2);
    assert!(!by_cat.is_empty() && by_cat.len() <= skus.len());
    assert!(by_cat
        .iter()
        .all(|s| s["categoryId"].as_i64() == cat.parse::<i64>().ok()));
    // Paging: pageSize 7 pages of the unfiltered list add up to the total.
    let first = sb.legacy("/api/mtunion/sku", &[("pageSize", "7")]).await;
    let total = first["data"]["total"].as_u64().unwrap();
    assert_eq!(total, 96);
    let last_page = total.div_ceil(7).to_string();
    let last = sb
        .legacy(
            "/api/mtunion/sku",
            &[("pageSize", "7"), ("pageNo", &last_page)],
        )
        .await;
    assert_eq!(data_list(&last).len() as u64, total - 7 * (total / 7));
    // The picture is on the sandbox.
    let pic = skus[0]["pic"].as_str().unwrap();
    assert!(pic.starts_with(&format!("{}/img/sku/", sb.base())), "{pic}");
    let (status, _, png) = fetch(pic).await;
    assert_eq!(status, 200);
    assert_eq!(check_png(&png), (96, 96));
}

#[tokio::test]
async fn mtunion_poi_locates_and_pages() {
    let sb = sandbox().await;
    // Shanghai, ×1e6.
    let loc = [("longitude", "121480000"), ("latitude", "31220000")];
    let mut params = loc.to_vec();
    params.extend([("businessLine", "2"), ("pageSize", "5"), ("sid", "s1")]);
    let v = sb.legacy("/api/mtunion/poi", &params).await;
    let pois = data_list(&v).clone();
    assert_eq!(pois.len(), 5);
    let trace = v["data"]["pageTraceId"].as_str().unwrap().to_owned();
    let total = v["data"]["total"].as_u64().unwrap();
    assert!(total > 5);
    let dist: Vec<i64> = pois
        .iter()
        .map(|p| p["distance"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(dist.windows(2).all(|w| w[0] <= w[1]), "{dist:?}");
    for p in &pois {
        assert_eq!(p["cityId"], 10, "{p}");
        for k in [
            "poiViewId",
            "poiName",
            "poiPicUrl",
            "poiScore",
            "monthSale",
            "shippingFee",
            "minPrice",
            "avgDeliveryTime",
            "merchantFullSale",
        ] {
            assert!(p[k].is_string(), "{k}: {p}");
        }
    }
    let mut next = params.clone();
    next.extend([("pageNo", "2"), ("pageTraceId", trace.as_str())]);
    let v2 = sb.legacy("/api/mtunion/poi", &next).await;
    let page2 = data_list(&v2);
    assert_eq!(v2["data"]["pageTraceId"], trace.as_str());
    assert!(page2.iter().all(|p| !pois.contains(p)));
    let d2: i64 = page2[0]["distance"].as_str().unwrap().parse().unwrap();
    assert!(d2 >= *dist.last().unwrap());
    let (status, _, png) = fetch(pois[0]["poiPicUrl"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(check_png(&png), (96, 96));
    // Without a location: every store, no distance.
    let v = sb.legacy("/api/mtunion/poi", &[("pageSize", "100")]).await;
    assert_eq!(v["data"]["total"], 60);
    assert_eq!(data_list(&v)[0]["distance"], "");
    // Refusals.
    for params in [
        &[("businessLine", "4")][..],
        &[("longitude", "121480000")],
        &[("longitude", "121.48"), ("latitude", "31.22")],
        &[("filterConditionCodes", "1,2,3,4,5,6,7")],
    ] {
        let v = sb.legacy("/api/mtunion/poi", params).await;
        assert_eq!(v["code"], 1005, "{params:?}: {v}");
    }
}

#[tokio::test]
async fn mtunion_calls_are_signed_timed_and_counted() {
    let sb = sandbox().await;
    let base = sb.base().to_owned();
    for path in [
        "/api/mtunion/city",
        "/api/mtunion/category",
        "/api/mtunion/sku",
        "/api/mtunion/poi",
    ] {
        let before = sb.sb.admin().day_stats(&sb.k).unwrap();
        // A bad sign is refused and not counted.
        let v = legacy(&base, path, &sb.k, "not-the-secret", TS, &[])
            .await
            .2;
        assert_eq!(v["code"], 1002, "{path}: {v}");
        assert_eq!(v["msg"], "签名错误");
        // A stale ts too.
        let v = legacy(&base, path, &sb.k, &sb.s, TS - 600, &[]).await.2;
        assert_eq!(v["code"], 1003, "{path}: {v}");
        // ts is required on these.
        let q = meituan_union::sign::legacy_wire_query(&sb.s, &[("appkey", sb.k.as_str())]);
        let v = get_raw(&format!("{base}{path}?{q}")).await.2;
        assert_eq!(v["code"], 1003, "{path}: {v}");
        let after = sb.sb.admin().day_stats(&sb.k).unwrap();
        assert_eq!(after.calls, before.calls, "{path}");
        assert_eq!(after.refused_auth, before.refused_auth + 3, "{path}");
        // A good call is counted.
        let v = sb.legacy(path, &[]).await;
        assert_eq!(v["code"], 0, "{path}: {v}");
        assert_eq!(sb.calls(), before.calls + 1, "{path}");
    }
    // Unknown mtunion paths are 404.
    let v = sb.legacy("/api/mtunion/nope", &[]).await;
    assert_eq!(v["status"], 404, "{v}");
    // The burst rule applies like on every endpoint.
    let sb = sandbox().await;
    sb.sb.admin().set_rate_limit(Some(sandbox::RateLimit {
        max_calls: 1,
        per: std::time::Duration::from_secs(60),
    }));
    let v = sb.legacy("/api/mtunion/city", &[]).await;
    assert_eq!(v["code"], 0, "{v}");
    let v = sb.legacy("/api/mtunion/sku", &[]).await;
    assert_eq!(v["code"], 1007, "{v}");
}
