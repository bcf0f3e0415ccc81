//! `mtu link` and `mtu orders` end to end: a sandbox profile (secret in the
//! real keychain of the test session), the embedded sandbox shared with the
//! `mtu` processes through the data folder, and the JSON contracts:
//! `{"url","cached"}` and `{"pages","calls","new","updated"}`.

use desk_core::embedded::{create_sandbox_profile, EmbeddedSandbox};
use desk_core::logging::Redactor;
use desk_core::profiles::{self, Generation};
use desk_core::vault::KeyringVault;
use desk_core::{ErrorCode, Store, SystemClock};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn mtu(home: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_mtu"))
        .args(args)
        .env("UNION_DESK_HOME", home)
        .output()
        .expect("mtu runs");
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
    let dir = std::env::temp_dir().join(format!("mtu-link-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn link_twice_costs_one_call_and_orders_sync_lists_and_exports() {
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
        Generation::Legacy,
    )) {
        Ok(p) => p,
        Err(e)
            if e.code() == ErrorCode::KeychainUnavailable
                && std::env::var_os("UNION_DESK_TEST_SESSION").is_none() =>
        {
            // Outside `cargo xtask test` there may be no keychain; inside
            // its session there always is, and this test runs for real.
            eprintln!("skipped: no keychain ({e})");
            return;
        }
        Err(e) => panic!("cannot create the sandbox profile: {e}"),
    };
    let admin = rt
        .block_on(sandbox.admin())
        .expect("this process runs the sandbox");
    let calls = || admin.day_stats(&profile.appkey).map_or(0, |d| d.calls);

    let first = mtu(&home, &["link", "--act", "33", "--sid", "cli1", "--json"]);
    assert_eq!(first["cached"], false);
    let url = first["url"].as_str().unwrap().to_owned();
    assert!(!url.is_empty());
    let second = mtu(&home, &["link", "--act", "33", "--sid", "cli1", "--json"]);
    assert_eq!(second["cached"], true);
    assert_eq!(second["url"], url.as_str());
    assert_eq!(calls(), 1, "the repeated request reached the sandbox");

    let before = calls();
    let sync = mtu(&home, &["orders", "sync", "--days", "2", "--json"]);
    let pages = sync["pages"].as_u64().unwrap();
    assert_eq!(sync["calls"].as_u64().unwrap(), pages);
    assert_eq!(calls() - before, pages);
    assert!(pages >= 14, "two windows of seven business lines");
    let new = sync["new"].as_u64().unwrap();
    assert!(new > 0, "no orders synced: {sync}");
    assert_eq!(sync["updated"], 0);

    let stats = mtu(&home, &["orders", "stats", "--json"]);
    assert_eq!(stats["total"]["orders"].as_u64().unwrap(), new);
    let list = mtu(&home, &["orders", "list", "--limit", "5", "--json"]);
    assert_eq!(list["total"].as_u64().unwrap(), new);
    assert_eq!(list["rows"].as_array().unwrap().len() as u64, new.min(5));

    let csv = home.join("orders.csv");
    let exported = mtu(
        &home,
        &["orders", "export", csv.to_str().unwrap(), "--json"],
    );
    assert_eq!(exported["rows"].as_u64().unwrap(), new);
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(
        String::from_utf8_lossy(&bytes).lines().count() as u64,
        new + 1
    );

    profiles::delete(&store, &vault, &profile.id).unwrap();
    rt.block_on(sandbox.shutdown());
    let _ = std::fs::remove_dir_all(&home);
}
