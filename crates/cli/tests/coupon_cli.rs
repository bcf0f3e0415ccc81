//! `mtu coupon search` end to end (issue 20 items 1, 6, 7): a media sandbox
//! profile; `{"items":[{"sku_view_id","name","price","commission_percent",
//! ...}],"has_next",...}`; the same page again the same day costs no call;
//! a `sku_view_id` found makes a link with `mtu link --sku`; bad input is
//! refused with the field before any call.

use desk_core::embedded::{create_sandbox_profile, EmbeddedSandbox};
use desk_core::logging::Redactor;
use desk_core::profiles::{self, Generation};
use desk_core::vault::KeyringVault;
use desk_core::{ErrorCode, Store, SystemClock};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mtu_raw(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mtu"))
        .args(args)
        .env("UNION_DESK_HOME", home)
        .output()
        .expect("mtu runs")
}

fn mtu(home: &Path, args: &[&str]) -> Value {
    let out = mtu_raw(home, args);
    assert!(
        out.status.success(),
        "mtu {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn temp_home() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("mtu-coupon-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn coupon_search_json_pages_from_the_cache_and_links() {
    let home = temp_home();
    let store = Store::open(desk_core::paths::database_path(&home)).unwrap();
    let vault = KeyringVault::new(Redactor::new());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = EmbeddedSandbox::new(&home);
    let profile = match rt.block_on(create_sandbox_profile(
        &store,
        &vault,
        &SystemClock,
        &sandbox,
        None,
        Generation::Media,
    )) {
        Ok(p) => p,
        Err(e)
            if e.code() == ErrorCode::KeychainUnavailable
                && std::env::var_os("UNION_DESK_TEST_SESSION").is_none() =>
        {
            eprintln!("skipped: no keychain ({e})");
            return;
        }
        Err(e) => panic!("cannot create the sandbox profile: {e}"),
    };
    let admin = rt
        .block_on(sandbox.admin())
        .expect("this process runs the sandbox");
    let calls = || admin.day_stats(&profile.appkey).map_or(0, |d| d.calls);

    let args = ["coupon", "search", "--keyword", "券", "--json"];
    let first = mtu(&home, &args);
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
    let second = mtu(&home, &page2);
    assert_eq!(second["calls_spent"], 1);
    assert_eq!(calls(), 2);
    let back = mtu(&home, &args);
    assert_eq!(
        (&back["from_cache"], &back["calls_spent"]),
        (&Value::from(true), &Value::from(0))
    );
    assert_eq!(back["items"], first["items"]);
    assert_eq!(back["next_page_cached"], true);
    assert_eq!(calls(), 2, "a cached page reached the sandbox");

    // The readable table.
    let out = mtu_raw(&home, &args[..args.len() - 1]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains(sku), "{text}");
    assert!(text.contains("0 calls: from today's cache"), "{text}");
    assert!(text.contains("--page 2 is cached"), "{text}");

    // A sku_view_id found makes a link.
    let link = mtu(&home, &["link", "--sku", sku, "--sid", "demo01", "--json"]);
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
        let out = mtu_raw(&home, &a);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{a:?} succeeded");
        assert!(err.contains(says), "{a:?}: {err}");
    }
    assert_eq!(calls(), after_link, "refused input reached the sandbox");

    let filters = mtu(&home, &["coupon", "filters", "--json"]);
    assert_eq!(filters["generation"], "media");
    assert_eq!(filters["platforms"].as_array().unwrap().len(), 2);

    profiles::delete(&store, &vault, &profile.id).unwrap();
    rt.block_on(sandbox.shutdown());
    let _ = std::fs::remove_dir_all(&home);
}
