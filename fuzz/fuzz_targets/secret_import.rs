//! Finding the key in text pasted from the Meituan console: any text gives
//! one 32-hex key that is really in the text (after full-width folding), or
//! a typed refusal; the excluded appkey is never returned.
#![no_main]

use desk_core::profiles::extract_key;
use desk_core::secrets::vault::SecretKind;
use libfuzzer_sys::fuzz_target;

const APPKEY: &str = "5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c";

fn fold(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let kind = if data.first().is_some_and(|b| b & 1 == 1) {
        SecretKind::CallbackSecret
    } else {
        SecretKind::ApiSecret
    };
    match extract_key(&text, kind, Some(APPKEY)) {
        Ok(secret) => {
            let key = secret.expose();
            assert_eq!(key.len(), 32);
            assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(!key.eq_ignore_ascii_case(APPKEY));
            let folded: String = text.chars().map(fold).collect();
            assert!(folded.contains(key), "returned a key not in the text");
        }
        Err(e) => assert_eq!(e.code(), desk_core::ErrorCode::InvalidInput),
    }
});
