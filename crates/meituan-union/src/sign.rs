//! Pure signing for the three Meituan Union schemes (SPEC.md A.4, B, C.1).
//!
//! Nothing here does I/O or reads the clock: timestamps are inputs, so every
//! function is deterministic and testable against `vectors.json`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::Sha256;
use std::borrow::Cow;
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;

/// The parameter that carries the signature; never part of what is signed.
const SIGN_KEY: &str = "sign";

mod callback;
mod legacy;
mod media;

pub use callback::*;
pub use legacy::*;
pub use media::*;

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

fn md5_hex(bytes: &[u8]) -> String {
    hex_lower(&Md5::digest(bytes))
}

fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    BASE64.encode(mac.finalize().into_bytes())
}

fn hex_lower(digest: &[u8]) -> String {
    let mut out = String::with_capacity(2 * digest.len());
    push_hex_lower(&mut out, digest);
    out
}

/// The two lower-case hex digits of every byte value, so encoding takes
/// one table lookup per byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = [DIGITS[b >> 4], DIGITS[b & 0x0f]];
        b += 1;
    }
    table
};

/// Writes the lower-case hex of (up to 16 bytes of) `digest` into `hex`.
fn write_hex_lower(hex: &mut [u8; 32], digest: &[u8]) {
    for (pair, &b) in hex.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
}

/// Appends the lower-case hex of (up to 16 bytes of) `digest` to `out`.
fn push_hex_lower(out: &mut String, digest: &[u8]) {
    let mut hex = [0u8; 32];
    write_hex_lower(&mut hex, digest);
    let n = 2 * digest.len().min(16);
    out.push_str(std::str::from_utf8(&hex[..n]).expect("hex digits are ASCII"));
}

/// RFC 3986 percent-encoding: only `A-Z a-z 0-9 - _ . ~` stay literal.
pub(crate) fn percent_encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0x0f) as usize] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::legacy::{copy_short, legacy_sorted, JOIN_BUFFER, STACK_PARAMS};
    use super::*;

    #[test]
    fn sign_is_never_signed() {
        let with = [("a", "1"), ("sign", "whatever"), ("b", "2")];
        let without = [("a", "1"), ("b", "2")];
        assert_eq!(legacy_canonical("s", &with), "sa1b2s");
        assert_eq!(legacy_sign("s", &with), legacy_sign("s", &without));
    }

    #[test]
    fn legacy_sign_matches_md5_of_canonical() {
        let p = [("b", "2"), ("a", "1"), ("c", "")];
        assert_eq!(
            legacy_sign("k", &p),
            md5_hex(legacy_canonical("k", &p).as_bytes())
        );
    }

    #[test]
    fn heap_paths_match_stack_paths() {
        // More parameters than the stack sort holds, and a canonical
        // string of many MD5 blocks.
        let keys: Vec<String> = (0..STACK_PARAMS + 5).map(|i| format!("k{i:03}")).collect();
        let many: Vec<(&str, &str)> = keys.iter().rev().map(|k| (k.as_str(), "v")).collect();
        assert_eq!(
            legacy_sign("s", &many),
            md5_hex(legacy_canonical("s", &many).as_bytes())
        );
        let long = "长".repeat(512);
        let p = [("b", long.as_str()), ("a", "1"), ("sign", "x")];
        let canonical = legacy_canonical("s", &p);
        assert!(canonical.len() > 1024);
        assert_eq!(canonical, format!("sa1b{long}s"));
        assert_eq!(legacy_sign("s", &p), md5_hex(canonical.as_bytes()));
        let mut sorted_many = many.clone();
        sorted_many.sort();
        assert_eq!(legacy_sign("s", &many), legacy_sign("s", &sorted_many));
    }

    #[test]
    fn a_full_stack_list_signs_in_byte_order() {
        // Exactly STACK_PARAMS parameters (the stack sort's limit), in
        // reverse order.
        let keys: Vec<String> = (0..STACK_PARAMS).map(|i| format!("key{i:02}")).collect();
        let p: Vec<(&str, &str)> = keys.iter().rev().map(|k| (k.as_str(), "v")).collect();
        let canonical = format!(
            "s{}s",
            keys.iter().map(|k| format!("{k}v")).collect::<String>()
        );
        assert_eq!(legacy_canonical("s", &p), canonical);
        assert_eq!(legacy_sign("s", &p), md5_hex(canonical.as_bytes()));
    }

    #[test]
    fn long_canonical_strings_are_streamed_with_the_same_result() {
        // Canonical strings of 383, 384 (the join buffer), 385 and 4068
        // bytes (64 of secret, 4 of keys, the value and "2"): the
        // joined and the streamed paths must give the MD5 of the canonical.
        for value_len in [JOIN_BUFFER - 69, JOIN_BUFFER - 68, JOIN_BUFFER - 67, 4000] {
            let long = "v".repeat(value_len);
            let p = [("b", "2"), ("a", long.as_str()), ("c", "")];
            let canonical = legacy_canonical("0123456789abcdef0123456789abcdef", &p);
            assert_eq!(
                legacy_sign("0123456789abcdef0123456789abcdef", &p),
                md5_hex(canonical.as_bytes()),
                "canonical of {} bytes",
                canonical.len()
            );
        }
    }

    #[test]
    fn copy_short_copies_every_length() {
        let src: Vec<u8> = (0u8..40).collect();
        for n in 0..=40 {
            let mut dst = vec![0xffu8; n];
            copy_short(&mut dst, &src[..n]);
            assert_eq!(dst, &src[..n]);
        }
    }

    #[test]
    fn legacy_sign_reads_and_compares_as_text() {
        let sign = legacy_sign("s", &[("a", "1")]);
        let text = md5_hex(b"sa1s");
        assert_eq!(sign.as_str(), text);
        assert_eq!(sign, text.as_str());
        assert_eq!(text, sign);
        assert_eq!(sign.to_string(), text);
        assert_eq!(format!("{sign:?}"), format!("{text:?}"));
        assert_eq!(String::from(sign), text);
        assert_eq!(serde_json::to_value(sign).unwrap(), serde_json::json!(text));
        assert_ne!(sign, legacy_sign("s", &[("a", "2")]));
    }

    #[test]
    fn stack_order_matches_full_sort() {
        // Keys sharing their 8-byte prefix, repeated keys, keys shorter than
        // 8 bytes, a NUL byte: the stack order must equal a plain sort.
        let lists: [&[(&str, &str)]; 4] = [
            &[
                ("startTimeB", "1"),
                ("startTimeA", "2"),
                ("startTime", "3"),
                ("start", "4"),
            ],
            &[("k", "2"), ("k", "1"), ("sign", "x"), ("k", "")],
            &[("ab\0", "1"), ("ab", "2"), ("a", "3"), ("", "4")],
            &[("z", "1"), ("y", "2"), ("x", "3")],
        ];
        for p in lists {
            let joined: String = legacy_sorted(p)
                .iter()
                .map(|(k, v)| format!("{k}{v}"))
                .collect();
            let canonical = format!("s{joined}s");
            assert_eq!(legacy_canonical("s", p), canonical);
            assert_eq!(legacy_sign("s", p), md5_hex(canonical.as_bytes()));
        }
    }

    #[test]
    fn callback_errors_are_kinds() {
        assert!(matches!(
            verify_callback("s", b"not json"),
            Err(CallbackError::NotJson(_))
        ));
        assert_eq!(
            verify_callback("s", b"[1,2]").unwrap_err(),
            CallbackError::NotAnObject
        );
        let big = vec![b' '; MAX_CALLBACK_BODY + 1];
        assert_eq!(
            verify_callback("s", &big).unwrap_err(),
            CallbackError::BodyTooLarge {
                limit: MAX_CALLBACK_BODY
            }
        );
    }

    #[test]
    fn callback_reasons() {
        let missing = verify_callback("s", br#"{"a":"1"}"#).unwrap();
        assert!(!missing.valid);
        assert_eq!(missing.reason.as_deref(), Some("sign missing"));
        let wrong = verify_callback("s", br#"{"a":"1","sign":"00"}"#).unwrap();
        assert_eq!(wrong.reason.as_deref(), Some("sign mismatch"));
        let number = verify_callback("s", br#"{"a":"1","sign":12}"#).unwrap();
        assert_eq!(number.reason.as_deref(), Some("sign is not a string"));
        let good_sign = md5_hex(b"sa1s");
        let body = format!(r#"{{"a":"1","sign":"{}"}}"#, good_sign.to_uppercase());
        let good = verify_callback("s", body.as_bytes()).unwrap();
        assert!(good.valid, "{good:?}");
        assert_eq!(good.reason, None);
        assert_eq!(good.expected_sign, good_sign);
    }

    #[test]
    fn callback_numbers_keep_source_text() {
        let c = callback_canonical(
            "s",
            br#"{"a":1.50,"b":1e3,"c":-0,"d":12345678901234567890123,"e":1E-2}"#,
        )
        .unwrap();
        assert_eq!(c, "sa1.50b1e3c-0d12345678901234567890123e1E-2s");
    }

    #[test]
    fn callback_arrays_are_compact_source_text() {
        let c = callback_canonical(
            "s",
            b"{ \"t\" : [ 2 , 3.0 ] , \"o\": {\"k\" : \"a b\\\" c\"} }",
        )
        .unwrap();
        assert_eq!(c, r#"so{"k":"a b\" c"}t[2,3.0]s"#);
    }

    #[test]
    fn repeated_key_keeps_last_value() {
        let c = callback_canonical("s", br#"{"a":"1","a":"2"}"#).unwrap();
        assert_eq!(c, "sa2s");
    }

    #[test]
    fn callback_check_debug_hides_canonical() {
        let check = verify_callback("topsecret-callback", br#"{"a":"1"}"#).unwrap();
        let dbg = format!("{check:?}");
        assert!(!dbg.contains("topsecret-callback"), "{dbg}");
    }

    #[test]
    fn mask_canonical_hides_secret() {
        let c = legacy_canonical("sek", &[("a", "1")]);
        assert_eq!(mask_canonical(&c, "sek"), "<secret>a1<secret>");
        assert_eq!(mask_canonical("unrelated", "sek"), "<redacted>");
    }

    #[test]
    fn json_params_conversion() {
        let map: Map<String, Value> =
            serde_json::from_str(r#"{"a":"x","b":12,"c":-3,"d":18446744073709551615}"#).unwrap();
        let got = legacy_params_from_json(&map).unwrap();
        assert_eq!(
            got,
            vec![
                ("a".into(), "x".into()),
                ("b".into(), "12".into()),
                ("c".into(), "-3".into()),
                ("d".into(), "18446744073709551615".into())
            ]
        );
        for (bad, want) in [
            (r#"{"k":true}"#, LegacyParamError::Bool { key: "k".into() }),
            (
                r#"{"k":1.0}"#,
                LegacyParamError::NotAnInteger {
                    key: "k".into(),
                    text: "1.0".into(),
                },
            ),
            (
                r#"{"k":null}"#,
                LegacyParamError::Unsupported {
                    key: "k".into(),
                    kind: "null",
                },
            ),
        ] {
            let map: Map<String, Value> = serde_json::from_str(bad).unwrap();
            assert_eq!(legacy_params_from_json(&map).unwrap_err(), want);
        }
    }

    #[test]
    fn media_ignores_unsignable_extra_headers() {
        let base = MediaRequestParts {
            method: "post",
            path: "/p",
            query: None,
            body: Some(b"{}"),
            app_key: "k",
            timestamp_ms: "1",
            extra_signed_headers: &[],
        };
        let extra = [
            ("S-Ca-Signature", "x"),
            ("content-md5", "y"),
            ("s-ca-app", "z"),
        ];
        let with = MediaRequestParts {
            extra_signed_headers: &extra,
            ..base
        };
        assert_eq!(media_sign("s", &base), media_sign("s", &with));
        assert!(media_sign("s", &base).string_to_sign.starts_with("POST\n"));
    }

    #[test]
    fn media_listing_without_the_app_header() {
        let parts = MediaRequestParts {
            method: "POST",
            path: "/p",
            query: None,
            body: Some(b"{}"),
            app_key: "k",
            timestamp_ms: "1",
            extra_signed_headers: &[("X-B", "b")],
        };
        assert_eq!(
            media_sign_listing("s", &parts, true),
            media_sign("s", &parts)
        );
        let without = media_sign_listing("s", &parts, false);
        assert_eq!(without.signature_headers, "S-Ca-Timestamp,X-B");
        assert_eq!(
            without.string_to_sign,
            format!("POST\n{}\nS-Ca-Timestamp:1\nX-B:b\n/p", content_md5(b"{}"))
        );
        assert_ne!(without.signature, media_sign("s", &parts).signature);
    }
}
