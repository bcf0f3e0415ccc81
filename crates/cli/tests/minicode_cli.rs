//! `mtu minicode` end to end on a sandbox profile (its secret in the real
//! keychain of the test session) and the embedded sandbox shared through
//! the data folder: the image written at --out, the JSON contract
//! `{"link_id","image_url","out","from_library","calls_spent"}`, the second
//! ask from the library with 0 calls, and refusals that cost no call.

mod common;

use common::{mtu, mtu_raw, SandboxHome};
use desk_core::profiles::Generation;

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn run(generation: Generation, target: [&str; 2]) {
    let Some(sb) = SandboxHome::open("mtu-minicode", generation) else {
        return;
    };
    let home = sb.home.as_path();
    let calls = || sb.calls();

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
    let first = mtu(home, &strs(&a));
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
    let second = mtu(home, &strs(&a));
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
        let o = mtu_raw(home, &bad);
        assert!(!o.status.success(), "{bad:?} succeeded");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.trim().is_empty(), "{bad:?}: no message");
    }
    let o = mtu_raw(home, &strs(&args(&home_s)));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("invalid out") && err.contains("folder"),
        "{err}"
    );
    assert_eq!(calls(), 1, "a refusal reached the sandbox");

    sb.finish();
}

#[test]
fn legacy_minicode_writes_the_png_then_answers_from_the_library() {
    run(Generation::Legacy, ["--act", "33"]);
}

#[test]
fn media_minicode_for_a_sku_writes_the_png_then_answers_from_the_library() {
    run(Generation::Media, ["--sku", "sku-7Hq2"]);
}
