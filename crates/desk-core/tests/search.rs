//! 选品 against the sandbox (issue 20 items 1, 7, 8): paging costs one
//! counted call per new page and none for a page asked again the same
//! Beijing day; the next day asks again; bad input costs no call and names
//! the field and rule; favorites survive reopening the store; only images
//! an answer named are fetched, and only images.

mod common;

use chrono::Duration;
use common::setup;
use desk_core::profiles::Generation;
use desk_core::search::{self, SearchItem, SearchQuery};
use desk_core::{Error, Store};
use std::io::{Read, Write};
use std::net::TcpListener;

fn keyword(k: &str, page: u32) -> SearchQuery {
    SearchQuery {
        keyword: Some(k.into()),
        page,
        ..Default::default()
    }
}

fn rule_of(e: Error) -> (String, Option<String>) {
    let f = e.field_errors();
    assert_eq!(f.len(), 1, "{e:?}");
    (f[0].field.clone(), f[0].rule.clone())
}

/// A keyword with more than one page of results in the sandbox catalogue.
const KEYWORD: &str = "券";

#[tokio::test]
async fn paging_back_costs_no_call_and_the_next_day_asks_again() {
    let h = setup().generation(Generation::Media).start().await;
    let p1 = search::search(&h.api, &h.profile, &keyword(KEYWORD, 1))
        .await
        .unwrap();
    assert_eq!((p1.from_cache, p1.calls_spent), (false, 1));
    assert!(p1.has_next, "the sandbox catalogue has a second page");
    assert_eq!(p1.items.len(), search::PAGE_SIZE as usize);
    assert!(!p1.next_page_cached);
    let first = &p1.items[0];
    assert!(first.key.starts_with("sku:"));
    assert!(first.price_cents.is_some() && first.commission_percent.is_some());
    assert!(first.commission_cents.is_some());
    // Its picture, served by the sandbox and named by the answer.
    let img = first.image_url.as_deref().expect("a picture");
    let data = search::image_data_url(&h.store, &h.profile, img)
        .await
        .unwrap();
    assert!(data.starts_with("data:image/png;base64,"), "{img}");
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (1, 1));

    let p2 = search::search(&h.api, &h.profile, &keyword(KEYWORD, 2))
        .await
        .unwrap();
    assert_eq!((p2.from_cache, p2.calls_spent), (false, 1));
    assert_ne!(p2.items[0].key, p1.items[0].key);
    // Page 1's searchId is kept for the later pages of the query.
    let search_id: Option<String> = h
        .store
        .connect()
        .unwrap()
        .query_row(
            "SELECT search_id FROM search_pages WHERE page = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(search_id.is_some_and(|s| !s.is_empty()));
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (2, 2));

    // Back to page 1 (spaces do not make another query): from the cache.
    let back = search::search(&h.api, &h.profile, &keyword("  券 ", 1))
        .await
        .unwrap();
    assert_eq!((back.from_cache, back.calls_spent), (true, 0));
    assert_eq!(back.items, p1.items);
    assert!(back.next_page_cached, "page 2 is cached too");
    let again = search::search(&h.api, &h.profile, &keyword(KEYWORD, 2))
        .await
        .unwrap();
    assert_eq!((again.from_cache, again.items), (true, p2.items.clone()));
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (2, 2));

    // Another query is another call.
    let other = search::search(
        &h.api,
        &h.profile,
        &SearchQuery {
            platform: Some(2),
            ..keyword(KEYWORD, 1)
        },
    )
    .await
    .unwrap();
    assert_eq!(other.calls_spent, 1);
    assert!(other.items.iter().all(|i| i.platform == Some(2)));
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (3, 3));

    // The next Beijing day (2026-03-11 00:00 +08:00 is 16:00 UTC): the
    // cache of yesterday answers nothing.
    h.clock.advance(Duration::hours(12));
    let next_day = search::search(&h.api, &h.profile, &keyword(KEYWORD, 1))
        .await
        .unwrap();
    assert_eq!((next_day.from_cache, next_day.calls_spent), (false, 1));
    assert_eq!(h.ledger_used(), 1, "a new day in the ledger");
}

#[tokio::test]
async fn bad_input_costs_no_call_and_names_the_field() {
    let h = setup().generation(Generation::Media).start().await;
    let cases: Vec<(SearchQuery, &str, &str)> = vec![
        (keyword("", 1), "keyword", "empty"),
        (keyword("   ", 1), "keyword", "empty"),
        (SearchQuery::default_page(), "keyword", "empty"),
        (keyword(&"奶".repeat(101), 1), "keyword", "too_long"),
        (keyword("奶茶", 0), "page", "range"),
        (keyword("奶茶", 10_001), "page", "range"),
        (
            SearchQuery {
                platform: Some(3),
                ..keyword("奶茶", 1)
            },
            "platform",
            "unknown",
        ),
        (
            SearchQuery {
                category_id: Some(5),
                ..keyword("奶茶", 1)
            },
            "category_id",
            "unsupported",
        ),
        (
            SearchQuery {
                list_id: Some(999),
                ..SearchQuery::default_page()
            },
            "list_id",
            "unknown",
        ),
        (
            SearchQuery {
                city_id: Some(-1),
                ..keyword("奶茶", 1)
            },
            "city_id",
            "range",
        ),
    ];
    for (q, field, rule) in cases {
        let e = search::search(&h.api, &h.profile, &q).await.unwrap_err();
        assert_eq!(
            rule_of(e),
            (field.to_owned(), Some(rule.to_owned())),
            "{q:?}"
        );
    }
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (0, 0));
    // 100 characters is fine.
    let ok = search::search(&h.api, &h.profile, &keyword(&"奶".repeat(100), 1))
        .await
        .unwrap();
    assert_eq!(ok.calls_spent, 1);
}

trait DefaultPage {
    fn default_page() -> Self;
}
impl DefaultPage for SearchQuery {
    fn default_page() -> Self {
        SearchQuery {
            page: 1,
            ..Default::default()
        }
    }
}

#[tokio::test]
async fn a_legacy_profile_refuses_what_its_search_lacks_without_a_call() {
    let h = setup().generation(Generation::Legacy).start().await;
    for (q, field) in [
        (keyword("奶茶", 1), "keyword"),
        (
            SearchQuery {
                platform: Some(1),
                category_id: Some(1),
                ..SearchQuery::default_page()
            },
            "platform",
        ),
        (
            SearchQuery {
                list_id: Some(1),
                ..SearchQuery::default_page()
            },
            "list_id",
        ),
    ] {
        let e = search::search(&h.api, &h.profile, &q).await.unwrap_err();
        assert_eq!(
            rule_of(e),
            (field.to_owned(), Some("unsupported".to_owned()))
        );
    }
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (0, 0));
    let media = search::filters(&h.api, &{
        let mut p = h.profile.clone();
        p.generation = Generation::Media;
        p
    })
    .await
    .unwrap();
    assert!(media.supported && media.keyword);
    assert!(media.cities.is_empty() && media.categories.is_empty());
    assert_eq!(media.platforms.len(), 2);
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (0, 0));
}

fn item(sku: &str) -> SearchItem {
    SearchItem {
        key: format!("sku:{sku}"),
        sku_view_id: Some(sku.into()),
        name: format!("商品 {sku}"),
        price_cents: Some(1290),
        ..Default::default()
    }
}

#[tokio::test]
async fn favorites_survive_reopening_and_become_a_batch() {
    let h = setup().generation(Generation::Media).start().await;
    let id = h.profile.id.clone();
    search::favorite_add(&h.store, h.clock.as_ref(), &id, &item("AAA")).unwrap();
    h.clock.advance(Duration::seconds(1));
    let favs = search::favorite_add(&h.store, h.clock.as_ref(), &id, &item("BBB")).unwrap();
    assert_eq!(favs.len(), 2);
    // Adding again refreshes, does not duplicate.
    let favs = search::favorite_add(&h.store, h.clock.as_ref(), &id, &item("AAA")).unwrap();
    assert_eq!(
        favs.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
        ["sku:AAA", "sku:BBB"]
    );
    // A key that does not match the item is refused.
    let mut bad = item("CCC");
    bad.key = "sku:other".into();
    let e = search::favorite_add(&h.store, h.clock.as_ref(), &id, &bad).unwrap_err();
    assert_eq!(rule_of(e).0, "key");

    let path = h.store.path().to_path_buf();
    let reopened = Store::open(&path).unwrap();
    let favs = search::favorites(&reopened, &id).unwrap();
    assert_eq!(favs.len(), 2);
    assert_eq!(favs[0].item, item("AAA"));

    let text = search::favorites_batch_text(&reopened, &id, "demo_wx01").unwrap();
    assert_eq!(text, "sku:AAA,demo_wx01,1\nsku:BBB,demo_wx01,1\n");
    let rows = desk_core::links::batch::parse(&text, &Default::default()).unwrap();
    assert_eq!(rows.len(), 2);
    // The batch made of them is ready: every row pending, with a link type,
    // and its plan needs one call per row.
    let batch =
        search::favorites_to_batch(&reopened, h.clock.as_ref(), &h.profile, " demo_wx01 ").unwrap();
    assert_eq!(batch.source, "favorites");
    let rows = desk_core::links::batch::rows(&reopened, batch.id, 0, 10).unwrap();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(r.status.as_str(), "pending", "{r:?}");
        assert_eq!(
            (r.sid.as_str(), r.link_types.clone()),
            ("demo_wx01", vec![1])
        );
        assert_eq!(r.target_kind, desk_core::links::TargetKind::Sku);
    }
    assert_eq!(rows[0].target, "AAA");
    let plan = desk_core::links::batch::plan(&h.api, &h.profile, batch.id).unwrap();
    assert_eq!(plan.calls_needed, 2, "{plan:?}");
    let report = desk_core::links::batch::run(h.api.clone(), &h.profile, batch.id, 2, None)
        .await
        .unwrap();
    assert_eq!(report.calls, 2);
    let rows = desk_core::links::batch::rows(&reopened, batch.id, 0, 10).unwrap();
    assert!(
        rows.iter()
            .all(|r| r.status.as_str() == "done" && r.url.is_some()),
        "{rows:?}"
    );
    let e = search::favorites_batch_text(&reopened, &id, "a,b").unwrap_err();
    assert_eq!(rule_of(e).0, "sid");

    let favs = search::favorite_remove(&reopened, &id, "sku:AAA").unwrap();
    assert_eq!(favs.len(), 1);
    assert_eq!(search::favorites(&reopened, &id).unwrap().len(), 1);
}

/// Serves each connection one canned HTTP answer.
fn serve(replies: Vec<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for reply in replies {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            let mut buf = [0u8; 4096];
            let mut seen = Vec::new();
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = conn.write_all(&reply);
        }
    });
    base
}

fn answer(body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

#[tokio::test]
async fn only_named_images_are_fetched_and_only_images() {
    let h = setup().generation(Generation::Media).start().await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRrest";
    // One PNG then, for a second fetch that must not happen, HTML.
    let base = serve(vec![answer(png), answer(b"<html>later</html>")]);
    let good = format!("{base}/img/a.png");
    let html_base = serve(vec![answer(b"<!doctype html><p>not found</p>")]);
    let html = format!("{html_base}/img/b.png");
    // A search answer named both (as a page fetched today would).
    let mut conn = h.store.connect().unwrap();
    desk_core::search::sql::put_page(
        &mut conn,
        &h.profile.id,
        "test",
        1,
        "2026-03-10",
        r#"{"items":[],"has_next":false}"#,
        None,
        "2026-03-10T12:00:00+08:00",
        &[good.as_str(), html.as_str()],
    )
    .unwrap();
    drop(conn);

    let e = search::image_data_url(&h.store, &h.profile, "http://127.0.0.1:1/img/never.png")
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(e),
        ("image_url".to_owned(), Some("not_named".to_owned()))
    );

    let url = search::image_data_url(&h.store, &h.profile, &good)
        .await
        .unwrap();
    assert!(url.starts_with("data:image/png;base64,"), "{url}");
    // From the disk cache the second time (the server would answer HTML).
    let again = search::image_data_url(&h.store, &h.profile, &good)
        .await
        .unwrap();
    assert_eq!(again, url);
    assert!(h.dir.path().join("images/search").is_dir());

    let e = search::image_data_url(&h.store, &h.profile, &html)
        .await
        .unwrap_err();
    assert_eq!(e.code(), desk_core::ErrorCode::Decode, "{e}");
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (0, 0));
}

#[tokio::test]
async fn legacy_search_uses_the_mtunion_catalogue_and_its_lists() {
    let h = setup().generation(Generation::Legacy).start().await;
    let f = search::filters(&h.api, &h.profile).await.unwrap();
    assert!(f.supported && !f.keyword);
    assert!(f.platforms.is_empty() && f.lists.is_empty());
    assert!(!f.cities.is_empty() && !f.categories.is_empty());
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (2, 2));
    // Once a day.
    assert_eq!(search::filters(&h.api, &h.profile).await.unwrap(), f);
    assert_eq!(h.ledger_used(), 2);

    // A city the list does not hold: refused, no call.
    let e = search::search(
        &h.api,
        &h.profile,
        &SearchQuery {
            city_id: Some(987_654),
            category_id: Some(f.categories[0].id),
            page: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        rule_of(e),
        ("city_id".to_owned(), Some("unknown".to_owned()))
    );
    assert_eq!(h.ledger_used(), 2);

    // The first category with products.
    let mut found = None;
    for c in &f.categories {
        let q = SearchQuery {
            category_id: Some(c.id),
            page: 1,
            ..Default::default()
        };
        let page = search::search(&h.api, &h.profile, &q).await.unwrap();
        assert_eq!(page.calls_spent, 1);
        if !page.items.is_empty() {
            found = Some((q, page));
            break;
        }
    }
    let (q, page) = found.expect("a category of the sandbox has products");
    let spent = h.ledger_used();
    let again = search::search(&h.api, &h.profile, &q).await.unwrap();
    assert_eq!((again.from_cache, again.calls_spent), (true, 0));
    assert_eq!(h.ledger_used(), spent);
    let first = &page.items[0];
    assert!(first.key.starts_with("act:"), "{}", first.key);
    assert!(first.price_cents.is_some() && first.name.chars().count() > 0);
    // Its image, served by the sandbox, named by the answer.
    let img = first.image_url.as_deref().expect("a picture");
    let data = search::image_data_url(&h.store, &h.profile, img)
        .await
        .unwrap();
    assert!(data.starts_with("data:image/"), "{data}");
    assert_eq!(h.ledger_used(), spent, "images are not API calls");
}

#[tokio::test]
async fn ranking_lists_belong_to_a_platform() {
    let h = setup().generation(Generation::Media).start().await;
    let list = |platform, list_id| SearchQuery {
        platform,
        list_id: Some(list_id),
        page: 1,
        ..Default::default()
    };
    // 5 实时热销 is 到店's; 到家 is the platform when none is given.
    for q in [list(Some(1), 5), list(None, 5), list(Some(2), 1)] {
        let e = search::search(&h.api, &h.profile, &q).await.unwrap_err();
        assert_eq!(
            rule_of(e),
            ("list_id".to_owned(), Some("unknown".to_owned()))
        );
    }
    assert_eq!(h.ledger_used(), 0);
    let page = search::search(&h.api, &h.profile, &list(Some(2), 5))
        .await
        .unwrap();
    assert_eq!(page.calls_spent, 1);
    assert!(!page.items.is_empty());
    assert!(page.items.iter().all(|i| i.platform == Some(2)));
}
