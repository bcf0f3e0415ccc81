//! The legacy canonicalizer and signer over arbitrary parameter lists:
//! no panic, the documented shape, and independence from parameter order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meituan_union::sign::{legacy_canonical, legacy_sign};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: the secret; then one `key=value` per line.
    let mut lines = text.split('\n');
    let secret = lines.next().unwrap_or("");
    let params: Vec<(&str, &str)> = lines
        .map(|l| l.split_once('=').unwrap_or((l, "")))
        .collect();
    let canonical = legacy_canonical(secret, &params);
    assert!(canonical.starts_with(secret) && canonical.ends_with(secret));
    let body_len: usize = params
        .iter()
        .filter(|(k, _)| *k != "sign")
        .map(|(k, v)| k.len() + v.len())
        .sum();
    assert_eq!(canonical.len(), 2 * secret.len() + body_len);

    let sign = legacy_sign(secret, &params);
    assert_eq!(sign.len(), 32);
    assert!(sign
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));

    let mut reversed = params.clone();
    reversed.reverse();
    assert_eq!(legacy_canonical(secret, &reversed), canonical);
    assert_eq!(legacy_sign(secret, &reversed), sign);
});
