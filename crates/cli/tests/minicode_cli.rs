//! `mtu minicode` end to end on a sandbox profile (its secret in the real
//! keychain of the test session) and the embedded sandbox shared through
//! the data folder: the image written at --out, the JSON contract
//! `{"link_id","image_url","out","from_library","calls_spent"}`, the second
//! ask from the library with 0 calls, and refusals that cost no call.

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

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn temp_home() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("mtu-minicode-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(generation: Generation, target: [&str; 2]) {
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
        generation,
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

    let out = home.join("code.png");
    let out_s = out.to_str().unwrap();
    let args = |out: &str| {
        vec![
            "minicode", target[0], target[1], "--sid", "cli1", "--out", out, "--json",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    };
    let a = args(out_s);
    let first = mtu(&home, &strs(&a));
    assert_eq!(first["from_library"], false, "{first}");
    assert_eq!(first["calls_spent"], 1);
    assert_eq!(first["out"], out_s);
    assert!(first["link_id"].as_u64().is_some());
    let image_url = first["image_url"].as_str().unwrap().to_owned();
    assert!(image_url.starts_with("http://127.0.0.1:"), "{image_url}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(calls(), 1);

    let out2 = home.join("again.png");
    let a = args(out2.to_str().unwrap());
    let second = mtu(&home, &strs(&a));
    assert_eq!(second["from_library"], true);
    assert_eq!(second["calls_spent"], 0);
    assert_eq!(second["link_id"], first["link_id"]);
    assert_eq!(second["image_url"], image_url.as_str());
    assert_eq!(std::fs::read(&out2).unwrap(), bytes);
    assert_eq!(calls(), 1, "the second ask reached the sandbox");

    // Refused before any call: an existing folder, a missing folder, an
    // empty sid, both targets.
    let home_s = home.to_str().unwrap().to_owned();
    let missing = home.join("no/such/dir/x.png");
    for bad in [
        strs(&args(&home_s)),
        strs(&args(missing.to_str().unwrap())),
        vec![
            "minicode", target[0], target[1], "--sid", "", "--out", out_s,
        ],
        vec![
            "minicode", "--act", "33", "--sku", "s1", "--sid", "cli1", "--out", out_s,
        ],
    ] {
        let o = mtu_raw(&home, &bad);
        assert!(!o.status.success(), "{bad:?} succeeded");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.trim().is_empty(), "{bad:?}: no message");
    }
    let o = mtu_raw(&home, &strs(&args(&home_s)));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("invalid out") && err.contains("folder"),
        "{err}"
    );
    assert_eq!(calls(), 1, "a refusal reached the sandbox");

    profiles::delete(&store, &vault, &profile.id).unwrap();
    rt.block_on(sandbox.shutdown());
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn legacy_minicode_writes_the_png_then_answers_from_the_library() {
    run(Generation::Legacy, ["--act", "33"]);
}

#[test]
fn media_minicode_for_a_sku_writes_the_png_then_answers_from_the_library() {
    run(Generation::Media, ["--sku", "sku-7Hq2"]);
}
