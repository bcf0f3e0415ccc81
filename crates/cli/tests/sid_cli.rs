//! `mtu sid quality` end to end (issue 20 item 3): a sandbox profile and a
//! named sid; `{"rows":[{"date",...}]}` for the range, once a day per sid
//! and range (a repeat costs no call, `--refresh` one), and bad input
//! (over 90 days, from after to, a malformed date, an unknown sid) refused
//! with a clear error before any call.

use desk_core::embedded::{create_sandbox_profile, EmbeddedSandbox};
use desk_core::logging::Redactor;
use desk_core::profiles::{self, Generation};
use desk_core::quality;
use desk_core::vault::KeyringVault;
use desk_core::{sids, ErrorCode, Store, SystemClock};
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
    let dir = std::env::temp_dir().join(format!("mtu-sid-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn sid_quality_json_once_a_day_and_bad_input_costs_no_call() {
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
            eprintln!("skipped: no keychain ({e})");
            return;
        }
        Err(e) => panic!("cannot create the sandbox profile: {e}"),
    };
    sids::create(
        &store,
        &SystemClock,
        &profile.id,
        "demo_wx01",
        Some("微信群"),
    )
    .unwrap();
    let admin = rt
        .block_on(sandbox.admin())
        .expect("this process runs the sandbox");
    let calls = || admin.day_stats(&profile.appkey).map_or(0, |d| d.calls);

    let (from, to) = quality::default_range(&SystemClock);
    let (from, to) = (from.to_string(), to.to_string());
    let args = [
        "sid",
        "quality",
        "--sid",
        "demo_wx01",
        "--from",
        &from,
        "--to",
        &to,
        "--json",
    ];
    let first = mtu(&home, &args);
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 30, "{first}");
    assert_eq!(rows[0]["date"], from.as_str());
    assert_eq!(rows[29]["date"], to.as_str());
    assert!(rows[0]["quality_grade"].is_string());
    assert!(rows[0]["repurchase_rate"].is_string());
    assert_eq!(calls(), 1);
    let again = mtu(&home, &args);
    assert_eq!(again, first);
    assert_eq!(
        calls(),
        1,
        "the same range the same day reached the sandbox"
    );
    let mut refresh = args.to_vec();
    refresh.push("--refresh");
    assert_eq!(mtu(&home, &refresh), first);
    assert_eq!(calls(), 2);

    // The readable table names the sid and says it cost nothing.
    let out = mtu_raw(&home, &args[..args.len() - 1]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("微信群 (demo_wx01)"), "{text}");
    assert!(text.contains("0 calls: already fetched today"), "{text}");

    let today = chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d").unwrap();
    let over = (today - chrono::Duration::days(91)).to_string();
    let bad: [(&[&str], &str); 4] = [
        (
            &["--sid", "demo_wx01", "--from", &over, "--to", &to],
            "at most 90",
        ),
        (
            &["--sid", "demo_wx01", "--from", &to, "--to", &from],
            "after",
        ),
        (
            &["--sid", "demo_wx01", "--from", "2026-13-01", "--to", &to],
            "YYYY-MM-DD",
        ),
        (
            &["--sid", "nope", "--from", &from, "--to", &to],
            "not a sid",
        ),
    ];
    for (extra, says) in bad {
        let mut a = vec!["sid", "quality", "--json"];
        a.extend_from_slice(extra);
        let out = mtu_raw(&home, &a);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{a:?} succeeded");
        assert!(err.contains(says), "{a:?}: {err}");
    }
    assert_eq!(calls(), 2, "refused input reached the sandbox");

    profiles::delete(&store, &vault, &profile.id).unwrap();
    rt.block_on(sandbox.shutdown());
    let _ = std::fs::remove_dir_all(&home);
}
