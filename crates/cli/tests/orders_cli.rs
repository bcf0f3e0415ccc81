//! `mtu orders list` and `mtu orders export` over a stored order table
//! (issue 16 items 1, 5 and 8). The orders are written straight into the
//! database of a temporary data folder: no sandbox, network or keychain.

mod common;

use common::mtu_raw;
use desk_core::orders::{OrderRow, OrderStatus};
use desk_core::profiles::{self, Endpoint, Generation, NewProfile, Tier};
use desk_core::secrets::vault::MemoryVault;
use desk_core::{Store, SystemClock};
use serde_json::Value;
use std::process::Output;
// Only the unix-only tests below run other programs or name paths.
#[cfg(unix)]
use {std::path::Path, std::process::Command};

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "mtu failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn order(i: i64) -> OrderRow {
    OrderRow {
        order_id: format!("o{i}"),
        pay_time: 1_772_000_000 + i * 3600,
        mod_time: 1_772_000_000 + i * 3600,
        sid: "s1".into(),
        status: OrderStatus::Paid,
        raw_status: 1,
        // Even orders 外卖 (media 1/1), odd ones 商品超值券包 (media 1/7).
        business_line: Some(if i % 2 == 0 { 1 } else { 7 }),
        platform: Some(1),
        sub_business_line: None,
        line_key: Some(if i % 2 == 0 { "media:1:1" } else { "media:1:7" }.into()),
        act_id: Some("33".into()),
        product_name: Some("外卖".into()),
        pay_price_cents: 1000 + i,
        profit_cents: 50,
        cpa_profit_cents: 0,
        refund_price_cents: 0,
        refund_profit_cents: 0,
        raw_json: "{}".into(),
    }
}

/// A data folder with one profile (no secret) and `n` stored orders.
fn home_with_orders(n: i64) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(desk_core::paths::database_path(home.path())).unwrap();
    let profile = profiles::create(
        &store,
        &MemoryVault::new(),
        &SystemClock,
        NewProfile {
            name: "main".into(),
            appkey: "0123456789abcdef0123456789abcdef".into(),
            generation: Generation::Legacy,
            endpoint: Endpoint::Meituan,
            tier: Tier::default(),
            api_secret: None,
            callback_secret: None,
        },
    )
    .unwrap();
    let rows: Vec<OrderRow> = (0..n).map(order).collect();
    desk_core::orders::sql::upsert(&store.connect().unwrap(), &profile.id, &rows).unwrap();
    home
}

#[test]
fn list_limit_zero_shows_no_rows_only_the_count() {
    let home = home_with_orders(3);

    let page: Value = serde_json::from_str(&ok(&mtu_raw(
        home.path(),
        &["orders", "list", "--limit", "0", "--json"],
    )))
    .unwrap();
    assert_eq!(page["rows"].as_array().unwrap().len(), 0, "{page}");
    assert_eq!(page["total"], 3);

    let out = mtu_raw(home.path(), &["orders", "list", "--limit", "0"]);
    assert_eq!(ok(&out), "", "rows printed for --limit 0");
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "0 of 3");

    let out = mtu_raw(home.path(), &["orders", "list", "--limit", "2"]);
    assert_eq!(ok(&out).lines().count(), 2);
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "1–2 of 3");
}

#[test]
fn lines_are_named_and_filter_by_key() {
    let home = home_with_orders(5);

    let lines: Value =
        serde_json::from_str(&ok(&mtu_raw(home.path(), &["orders", "lines", "--json"]))).unwrap();
    let lines = lines.as_array().unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["key"], "media:1:1");
    assert_eq!(lines[0]["name_zh"], "外卖");
    assert_eq!(lines[0]["orders"], 3);
    assert_eq!(lines[1]["key"], "media:1:7");
    assert_eq!(lines[1]["name_zh"], "商品超值券包");
    assert_eq!(lines[1]["platform_zh"], "到家及其他");
    assert_eq!(lines[1]["orders"], 2);

    let page: Value = serde_json::from_str(&ok(&mtu_raw(
        home.path(),
        &["orders", "list", "--line", "media:1:7", "--json"],
    )))
    .unwrap();
    assert_eq!(page["total"], 2, "{page}");
    assert!(page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["line_key"] == "media:1:7"));

    let text = ok(&mtu_raw(
        home.path(),
        &["orders", "list", "--line", "media:1:1"],
    ));
    assert_eq!(text.lines().count(), 3);
    assert!(
        text.lines().all(|l| l.ends_with("Takeaway (外卖)")),
        "{text}"
    );

    let bad = mtu_raw(home.path(), &["orders", "list", "--line", "外卖"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("line"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn get_reads_one_stored_order_and_refuses_a_bad_id_before_any_call() {
    let home = home_with_orders(3);
    let d: Value = serde_json::from_str(&ok(&mtu_raw(
        home.path(),
        &["orders", "get", "o1", "--local", "--json"],
    )))
    .unwrap();
    assert_eq!(d["order"]["order_id"], "o1");
    assert_eq!(d["order"]["line_key"], "media:1:7");
    assert_eq!(d["line"]["name_zh"], "商品超值券包");
    assert_eq!(d["calls"], 0);
    assert_eq!(d["stored"], true);

    let missing = mtu_raw(home.path(), &["orders", "get", "o9", "--local"]);
    assert!(!missing.status.success());

    // Not digits: refused before the account (or its secret) is touched.
    let bad = mtu_raw(home.path(), &["orders", "get", "12ab"]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("order"), "{err}");
}

#[cfg(unix)]
#[test]
fn export_never_follows_a_planted_link_nor_replaces_a_fifo() {
    let home = home_with_orders(3);
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();

    // The link at the temporary name an earlier version used.
    std::os::unix::fs::symlink(&victim, dir.path().join(".out.csv.part")).unwrap();
    let out = dir.path().join("out.csv");
    let arg = out.to_str().unwrap();
    let json: Value = serde_json::from_str(&ok(&mtu_raw(
        home.path(),
        &["orders", "export", arg, "--json"],
    )))
    .unwrap();
    assert_eq!(json["rows"], 3);
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&out)
        .unwrap()
        .file_type()
        .is_file());

    // A link at the target itself: refused, link and victim untouched.
    let linked = dir.path().join("linked.csv");
    std::os::unix::fs::symlink(&victim, &linked).unwrap();
    let refused = mtu_raw(home.path(), &["orders", "export", linked.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert!(stderr.contains(linked.to_str().unwrap()), "{stderr}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&linked)
        .unwrap()
        .file_type()
        .is_symlink());

    // A FIFO at the target: refused and still a FIFO.
    use std::os::unix::fs::FileTypeExt;
    let fifo = dir.path().join("pipe.xlsx");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let refused = mtu_raw(home.path(), &["orders", "export", fifo.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("FIFO"));
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());

    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".out.csv.part",
            "linked.csv",
            "out.csv",
            "pipe.xlsx",
            "victim.txt"
        ]
    );
}

/// A first run under umask 022 makes a private data folder.
#[cfg(unix)]
#[test]
fn a_first_run_makes_a_private_data_folder() {
    use std::os::unix::fs::PermissionsExt;
    let base = tempfile::tempdir().unwrap();
    let home = base.path().join("fresh");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 022; exec '{}' orders list",
            env!("CARGO_BIN_EXE_mtu")
        ))
        .env("UNION_DESK_HOME", &home)
        .output()
        .unwrap();
    // No profile yet: the command fails, after opening the database.
    assert!(!out.status.success());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home), 0o700);
    assert_eq!(mode(&desk_core::paths::database_path(&home)), 0o600);
}
