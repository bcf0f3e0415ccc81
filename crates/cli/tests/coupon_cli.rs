//! `mtu coupon search` end to end (issue 20 items 1, 6, 7): a media sandbox
//! profile; `{"items":[{"sku_view_id","name","price","commission_percent",
//! ...}],"has_next",...}`; the same page again the same day costs no call;
//! a `sku_view_id` found makes a link with `mtu link --sku`; bad input is
//! refused with the field before any call.

mod common;

use common::{assert_refused, mtu, mtu_raw, SandboxHome};
use desk_core::profiles::Generation;
use serde_json::Value;

#[test]
fn coupon_search_json_pages_from_the_cache_and_links() {
    let Some(sb) = SandboxHome::open("mtu-coupon", Generation::Media) else {
        return;
    };
    let home = sb.home.as_path();
    let calls = || sb.calls();

    let args = ["coupon", "search", "--keyword", "券", "--json"];
    let first = mtu(home, &args);
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 20, "{first}");
    assert_eq!(first["has_next"], true);
    assert_eq!(
        (&first["from_cache"], &first["calls_spent"]),
        (&Value::from(false), &Value::from(1))
    );
    let item = &items[0];
    let sku = item["sku_view_id"].as_str().expect("a sku_view_id");
    assert!(item["name"].as_str().is_some_and(|n| !n.is_empty()));
    let price = item["price"].as_f64().expect("price in yuan, a number");
    let cents = item["price_cents"].as_i64().unwrap();
    assert_eq!((price * 100.0).round() as i64, cents);
    assert!(item["commission_percent"].as_f64().is_some());
    assert!(item["commission"].as_f64().is_some());
    assert_eq!(calls(), 1);

    // Page 2, then page 1 again: one more call, then none.
    let mut page2 = args.to_vec();
    page2.extend(["--page", "2"]);
    let second = mtu(home, &page2);
    assert_eq!(second["calls_spent"], 1);
    assert_eq!(calls(), 2);
    let back = mtu(home, &args);
    assert_eq!(
        (&back["from_cache"], &back["calls_spent"]),
        (&Value::from(true), &Value::from(0))
    );
    assert_eq!(back["items"], first["items"]);
    assert_eq!(back["next_page_cached"], true);
    assert_eq!(calls(), 2, "a cached page reached the sandbox");

    // The readable table.
    let out = mtu_raw(home, &args[..args.len() - 1]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains(sku), "{text}");
    assert!(text.contains("0 calls: from today's cache"), "{text}");
    assert!(text.contains("--page 2 is cached"), "{text}");

    // A sku_view_id found makes a link.
    let link = mtu(home, &["link", "--sku", sku, "--sid", "demo01", "--json"]);
    assert!(link.to_string().contains("http"), "{link}");
    let after_link = calls();

    let long = "奶".repeat(101);
    let bad: [(&[&str], &str); 5] = [
        (&[], "invalid keyword"),
        (&["--keyword", "  "], "invalid keyword"),
        (&["--keyword", &long], "invalid keyword"),
        (&["--keyword", "券", "--page", "0"], "invalid page"),
        (&["--keyword", "券", "--platform", "3"], "invalid platform"),
    ];
    for (extra, says) in bad {
        let mut a = vec!["coupon", "search", "--json"];
        a.extend_from_slice(extra);
        assert_refused(home, &a, says);
    }
    assert_eq!(calls(), after_link, "refused input reached the sandbox");

    let filters = mtu(home, &["coupon", "filters", "--json"]);
    assert_eq!(filters["generation"], "media");
    assert_eq!(filters["platforms"].as_array().unwrap().len(), 2);

    sb.finish();
}
