//! 小程序码 against the real sandbox on 127.0.0.1 and a real SQLite store:
//! the first ask spends one counted call and keeps a real image on disk; the
//! second is answered from the link library with 0 calls and no fetch; a
//! vanished file is fetched again with 0 calls; bad input costs nothing; an
//! answer URL that does not name an image is refused.

use desk_core::images::ImageKind;
use desk_core::links::minicode::{self, MiniCode};
use desk_core::links::{self, LibraryQuery, TargetKind};
use desk_core::profiles::{self, Endpoint, Generation, NewProfile, Tier};
use desk_core::ErrorCode;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

mod common;

use common::SandboxHarness as Harness;

async fn harness(generation: Generation) -> Harness {
    common::setup()
        .generation(generation)
        .tier(Tier::T2000)
        .start()
        .await
}

fn png_on_disk(code: &MiniCode) -> Vec<u8> {
    let bytes = std::fs::read(&code.png_path).unwrap();
    assert_eq!(
        ImageKind::sniff(&bytes),
        Some(ImageKind::Png),
        "{}",
        code.png_path
    );
    // A whole PNG: it decodes.
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    let info = decoder
        .read_info()
        .expect("a PNG that decodes")
        .info()
        .clone();
    assert!(
        info.width >= 32 && info.height >= 32,
        "{}x{}",
        info.width,
        info.height
    );
    assert!(code.data_url.starts_with("data:image/png;base64,"));
    bytes
}

fn code_field(e: &desk_core::Error) -> (String, Option<String>) {
    let f = e.field_errors();
    assert!(!f.is_empty(), "not a field refusal: {e}");
    (f[0].field.clone(), f[0].rule.clone())
}

async fn first_then_library(generation: Generation, kind: TargetKind, target: &str) {
    let h = harness(generation).await;
    let first = minicode::mini_code(&h.api, &h.profile, kind, target, "promo1")
        .await
        .unwrap();
    assert!(!first.from_library);
    assert_eq!(first.calls_spent, 1);
    assert_eq!(h.ledger_used(), 1);
    assert_eq!(h.sandbox_calls(), 1);
    assert!(
        first.image_url.starts_with("http://127.0.0.1:"),
        "the sandbox names its own images: {}",
        first.image_url
    );
    let bytes = png_on_disk(&first);
    assert!(Path::new(&first.png_path).starts_with(h.dir.path().join("minicodes")));

    let again = minicode::mini_code(&h.api, &h.profile, kind, &format!(" {target} "), "promo1")
        .await
        .unwrap();
    assert!(again.from_library);
    assert_eq!(again.calls_spent, 0);
    assert_eq!(again.link_id, first.link_id);
    assert_eq!(again.data_url, first.data_url);
    assert_eq!(png_on_disk(&again), bytes);
    assert_eq!(h.ledger_used(), 1, "the library answered");
    assert_eq!(h.sandbox_calls(), 1);

    // The code is a link of the library, found there like any other.
    let page = links::library(&h.store, &h.profile.id, &LibraryQuery::default(), 0, 50).unwrap();
    let entry = page
        .entries
        .iter()
        .find(|e| e.id == first.link_id)
        .expect("in the library");
    assert_eq!(entry.url, first.image_url);
    assert_eq!(entry.target, target);
    assert_eq!(entry.sid, "promo1");
    assert_eq!(entry.library_hits, 1);

    // The kept file vanished: fetched again from the stored URL, no call.
    std::fs::remove_file(&first.png_path).unwrap();
    let third = minicode::mini_code(&h.api, &h.profile, kind, target, "promo1")
        .await
        .unwrap();
    assert!(third.from_library);
    assert_eq!(third.calls_spent, 0);
    assert_eq!(png_on_disk(&third), bytes);
    assert_eq!(h.ledger_used(), 1);
    assert_eq!(h.sandbox_calls(), 1);

    // Saved as a PNG where the user asks; a folder is refused.
    let out = h.dir.path().join("saved.png");
    minicode::save_mini_code(&h.api, first.link_id, &out)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    let e = minicode::save_mini_code(&h.api, first.link_id, h.dir.path())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
    // Another sid is another code: one more call.
    let other = minicode::mini_code(&h.api, &h.profile, kind, target, "promo2")
        .await
        .unwrap();
    assert!(!other.from_library);
    assert_ne!(other.link_id, first.link_id);
    assert_eq!(h.ledger_used(), 2);
    assert_eq!(h.sandbox_calls(), 2);
}

#[tokio::test]
async fn legacy_act_first_ask_spends_one_call_then_the_library_answers() {
    first_then_library(Generation::Legacy, TargetKind::Act, "33").await;
}

/// A legacy product of an activity (`actId:skuId`, sent as `skuId`).
#[tokio::test]
async fn legacy_product_first_ask_spends_one_call_then_the_library_answers() {
    first_then_library(Generation::Legacy, TargetKind::Act, "33:1234").await;
}

#[tokio::test]
async fn media_sku_first_ask_spends_one_call_then_the_library_answers() {
    first_then_library(Generation::Media, TargetKind::Sku, "sku-7Hq2").await;
}

#[tokio::test]
async fn media_act_code_is_a_link_type_6_link_of_the_library() {
    let h = harness(Generation::Media).await;
    let code = minicode::mini_code(&h.api, &h.profile, TargetKind::Act, "33", "promo1")
        .await
        .unwrap();
    png_on_disk(&code);
    let entry = links::get(&h.store, code.link_id).unwrap();
    assert_eq!(entry.link_types, vec![6]);
    // The links screen asking for the same linkType 6 link gets it from the
    // library too: the same call, the same answer.
    let generated = links::generate(
        &h.api,
        &h.profile,
        &links::LinkRequest {
            target_kind: TargetKind::Act,
            target: "33".into(),
            sid: "promo1".into(),
            link_types: vec![6],
            short_link: false,
        },
    )
    .await
    .unwrap();
    assert!(generated.cached);
    assert_eq!(generated.link.id, code.link_id);
    assert_eq!(h.sandbox_calls(), 1);
}

#[tokio::test]
async fn bad_input_is_refused_with_its_field_and_rule_and_costs_no_call() {
    let legacy = harness(Generation::Legacy).await;
    let cases: [(TargetKind, &str, &str, &str, Option<&str>); 6] = [
        (
            TargetKind::Sku,
            "sku-1",
            "promo1",
            "target_kind",
            Some("legacy_act_only"),
        ),
        (
            TargetKind::Text,
            "https://x",
            "promo1",
            "target_kind",
            Some("not_supported"),
        ),
        (TargetKind::Act, "  ", "promo1", "target", Some("empty")),
        (
            TargetKind::Act,
            "12a",
            "promo1",
            "target",
            Some("act_digits"),
        ),
        (TargetKind::Act, "33", "", "sid", Some("empty")),
        (TargetKind::Act, "33", "a b", "sid", None),
    ];
    for (kind, target, sid, field, rule) in cases {
        let e = minicode::mini_code(&legacy.api, &legacy.profile, kind, target, sid)
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{target:?}/{sid:?}: {e}");
        let (f, r) = code_field(&e);
        assert_eq!(f, field, "{target:?}/{sid:?}: {e}");
        if rule.is_some() {
            assert_eq!(r.as_deref(), rule, "{target:?}/{sid:?}: {e}");
        }
    }
    assert_eq!(legacy.ledger_used(), 0);
    assert_eq!(legacy.sandbox_calls(), 0);
    // No sid was added to the profile's list by a refused request.
    let sids = desk_core::links::sids::list(&legacy.store, &legacy.profile.id, true).unwrap();
    assert!(sids.is_empty(), "{sids:?}");

    let media = harness(Generation::Media).await;
    let e = minicode::mini_code(
        &media.api,
        &media.profile,
        TargetKind::Sku,
        "a sku",
        "promo1",
    )
    .await
    .unwrap_err();
    assert_eq!(code_field(&e), ("target".into(), Some("sku_form".into())));
    assert_eq!(media.sandbox_calls(), 0);
    // Saving a link that is not a mini-program code: not found, nothing written.
    let link = links::generate(
        &media.api,
        &media.profile,
        &links::LinkRequest {
            target_kind: TargetKind::Act,
            target: "33".into(),
            sid: "promo1".into(),
            link_types: vec![1],
            short_link: false,
        },
    )
    .await
    .unwrap();
    let out = media.dir.path().join("x.png");
    let e = minicode::save_mini_code(&media.api, link.link.id, &out)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    assert!(!out.exists());
}

/// A stand-in legacy server: every call is answered with a mini code whose
/// URL names `{base}/code.png`, which is an HTML page, not an image.
fn fake_legacy_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicU32>) {
    use std::sync::atomic::{AtomicU32, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let calls = std::sync::Arc::new(AtomicU32::new(0));
    let (b, c) = (base.clone(), calls.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&seen);
            let (ctype, body) =
                if head.starts_with("GET /api/miniCode") && head.contains("actId=44") {
                    c.fetch_add(1, Ordering::SeqCst);
                    (
                        "application/json",
                        r#"{"status":0,"des":"","data":"file:///etc/passwd"}"#.to_owned(),
                    )
                } else if head.starts_with("GET /api/miniCode") {
                    c.fetch_add(1, Ordering::SeqCst);
                    (
                        "application/json",
                        format!(r#"{{"status":0,"des":"","data":"{b}/code.png"}}"#),
                    )
                } else {
                    (
                        "image/png",
                        "<html><body>not an image</body></html>".to_owned(),
                    )
                };
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(reply.as_bytes());
        }
    });
    (base, calls)
}

#[tokio::test]
async fn an_answer_url_that_is_not_an_image_is_refused_and_not_asked_again() {
    use std::sync::atomic::Ordering;
    let h = harness(Generation::Legacy).await;
    let (base, calls) = fake_legacy_server();
    let profile = profiles::create(
        &h.store,
        h.vault.as_ref(),
        h.clock.as_ref(),
        NewProfile {
            name: "fake".into(),
            appkey: "fakeappkey0001".into(),
            generation: Generation::Legacy,
            endpoint: Endpoint::Custom(base),
            tier: Tier::T2000,
            api_secret: Some(h.sandbox.demo_account().secret.clone()),
            callback_secret: None,
        },
    )
    .unwrap();
    let e = minicode::mini_code(&h.api, &profile, TargetKind::Act, "33", "promo1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Decode, "{e}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Nothing kept as an image.
    let dir = h.dir.path().join("minicodes");
    assert!(
        !dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none(),
        "no file kept"
    );
    // Asked again: the paid answer is in the library, so no second call;
    // its URL is still refused.
    let e = minicode::mini_code(&h.api, &profile, TargetKind::Act, "33", "promo1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Decode, "{e}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // An answer naming a file: URL is the server's fault, not the user's,
    // and nothing is read from the disk.
    let e = minicode::mini_code(&h.api, &profile, TargetKind::Act, "44", "promo1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Decode, "{e}");
    assert!(e.to_string().contains("not an http(s) URL"), "{e}");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// Runs only inside `tests/session.sh` under `xvfb-run` with `xclip`.
fn x11_ready() -> bool {
    let session = std::env::var("UNION_DESK_TEST_SESSION").as_deref() == Ok("1");
    let display = std::env::var_os("DISPLAY").is_some();
    let xclip = std::process::Command::new("xclip")
        .arg("-version")
        .output()
        .is_ok();
    if session && display && xclip {
        return true;
    }
    eprintln!("skipped: needs an X display and xclip (run under xvfb-run … tests/session.sh)");
    false
}

/// A PNG's size and pixels as 8-bit RGBA (palette and grey expanded).
fn rgba(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    let out = match info.color_type {
        png::ColorType::Rgba => px.to_vec(),
        png::ColorType::Rgb => px
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => px
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => px.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => unreachable!("expanded"),
    };
    (info.width, info.height, out)
}

/// 复制图片 puts the code's pixels on the clipboard (image/png), so pasting
/// into a chat gives the picture; copying spends no call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_puts_the_code_image_on_the_clipboard() {
    if !x11_ready() {
        return;
    }
    let h = harness(Generation::Legacy).await;
    let code = minicode::mini_code(&h.api, &h.profile, TargetKind::Act, "33", "promo1")
        .await
        .unwrap();
    let path = minicode::copy_mini_code(&h.api, code.link_id)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), png_on_disk(&code));
    let out = std::process::Command::new("xclip")
        .args(["-selection", "clipboard", "-o", "-t", "image/png"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h_px, pixels) = rgba(&out.stdout);
    let (kw, kh, kept) = rgba(&png_on_disk(&code));
    assert_eq!((w, h_px), (kw, kh));
    assert!(
        pixels == kept,
        "the clipboard holds other pixels than the code"
    );
    // Still 1 call: copying spends nothing.
    assert_eq!(h.sandbox_calls(), 1);
}
