//! Invariants of the three signing schemes, checked with proptest: parameter
//! order never matters, `sign` is never signed, any UTF-8 works, and a
//! changed character changes the signature.

use meituan_union::sign::*;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Distinct keys (a repeated key is legal but makes "change one value"
/// ambiguous), none of them `sign`, with arbitrary UTF-8 values.
fn params_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::btree_map("[a-zA-Z_][a-zA-Z0-9_-]{0,11}", ".{0,24}", 1..10)
        .prop_map(|m| {
            m.into_iter()
                .filter(|(k, _)| k != "sign")
                .collect::<Vec<_>>()
        })
        .prop_filter("at least one parameter", |p| !p.is_empty())
}

fn pairs(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Replaces the character at `at` (modulo the length) with a different one.
fn change_one_char(s: &str, at: usize, replacement: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return replacement.to_string();
    }
    let i = at % chars.len();
    let new = if chars[i] == replacement {
        if replacement == 'a' {
            'b'
        } else {
            'a'
        }
    } else {
        replacement
    };
    chars
        .iter()
        .enumerate()
        .map(|(j, c)| if j == i { new } else { *c })
        .collect()
}

fn is_lower_hex_32(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn legacy_order_never_matters(
        secret in ".{0,40}",
        params in params_strategy(),
        perm in any::<proptest::sample::Index>(),
        seed in any::<u64>(),
    ) {
        let p = pairs(&params);
        let mut shuffled = p.clone();
        // A deterministic shuffle driven by the generated seed.
        let n = shuffled.len();
        let mut state = seed | 1;
        for i in (1..n).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        shuffled.rotate_left(perm.index(n.max(1)) % n.max(1));
        prop_assert_eq!(legacy_canonical(&secret, &p), legacy_canonical(&secret, &shuffled));
        prop_assert_eq!(legacy_sign(&secret, &p), legacy_sign(&secret, &shuffled));
    }

    #[test]
    fn legacy_canonical_is_plain_byte_order(
        secret in "[s]{0,3}",
        params in proptest::collection::vec(("[ab\u{0}é]{0,10}", "[xy]{0,3}"), 0..40),
    ) {
        // Keys sharing long prefixes (and NUL bytes) exercise the sort's
        // prefix fast path; more than 32 parameters exercise the heap path.
        let p = pairs(&params);
        let mut naive: Vec<(&str, &str)> = p.iter().copied().filter(|(k, _)| *k != "sign").collect();
        naive.sort();
        let mut want = secret.clone();
        for (k, v) in &naive {
            want.push_str(k);
            want.push_str(v);
        }
        want.push_str(&secret);
        prop_assert_eq!(legacy_canonical(&secret, &p), want);
    }

    #[test]
    fn legacy_sign_is_never_signed(
        secret in ".{0,40}",
        params in params_strategy(),
        sign_value in ".{0,40}",
        at in any::<proptest::sample::Index>(),
    ) {
        let p = pairs(&params);
        let mut with_sign = p.clone();
        with_sign.insert(at.index(p.len() + 1), ("sign", sign_value.as_str()));
        prop_assert_eq!(legacy_canonical(&secret, &p), legacy_canonical(&secret, &with_sign));
        prop_assert_eq!(legacy_sign(&secret, &p), legacy_sign(&secret, &with_sign));
    }

    #[test]
    fn legacy_any_utf8_works(secret in ".{0,40}", params in params_strategy()) {
        let p = pairs(&params);
        let canonical = legacy_canonical(&secret, &p);
        prop_assert!(canonical.starts_with(secret.as_str()) && canonical.ends_with(secret.as_str()));
        let expected_len = 2 * secret.len() + params.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
        prop_assert_eq!(canonical.len(), expected_len);
        for (k, v) in &params {
            let kv = format!("{k}{v}");
            prop_assert!(canonical.contains(&kv));
        }
        let sign = legacy_sign(&secret, &p);
        prop_assert!(is_lower_hex_32(&sign));
        // The wire query decodes back to exactly the params plus the sign.
        let query = legacy_wire_query(&secret, &p);
        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut want = params.clone();
        want.push(("sign".into(), sign.into()));
        want.sort();
        prop_assert_eq!(decoded, want);
    }

    #[test]
    fn legacy_changed_char_changes_sign(
        secret in ".{1,40}",
        params in params_strategy(),
        which in any::<proptest::sample::Index>(),
        at in any::<usize>(),
        replacement in any::<char>(),
        in_secret in any::<bool>(),
    ) {
        let p = pairs(&params);
        let before = legacy_sign(&secret, &p);
        if in_secret {
            let changed = change_one_char(&secret, at, replacement);
            prop_assert_ne!(before, legacy_sign(&changed, &p));
        } else {
            let i = which.index(params.len());
            let mut changed = params.clone();
            changed[i].1 = change_one_char(&params[i].1, at, replacement);
            prop_assert_ne!(before, legacy_sign(&secret, &pairs(&changed)));
        }
    }

    #[test]
    fn callback_round_trip_and_invariants(
        secret in ".{1,40}",
        params in params_strategy(),
        numbers in proptest::collection::btree_map("[a-z]{1,6}", any::<i64>(), 0..4),
        which in any::<proptest::sample::Index>(),
        at in any::<usize>(),
        replacement in any::<char>(),
    ) {
        let mut fields = Map::new();
        for (k, v) in &params {
            fields.insert(k.clone(), Value::String(v.clone()));
        }
        for (k, n) in &numbers {
            fields.insert(format!("n_{k}"), Value::from(*n));
        }
        let sign = sign_callback_fields(&secret, &fields);
        prop_assert!(is_lower_hex_32(&sign));

        // Field order in the body never matters, and `sign` itself is ignored.
        let mut reversed: Vec<(String, Value)> = fields.clone().into_iter().collect();
        reversed.reverse();
        let mut body_map: Map<String, Value> = reversed.into_iter().collect();
        body_map.insert("sign".into(), Value::String(sign.clone()));
        let body = serde_json::to_vec(&body_map).unwrap();
        let check = verify_callback(&secret, &body).unwrap();
        prop_assert!(check.valid, "{:?}", check);
        prop_assert_eq!(&check.expected_sign, &sign);
        prop_assert_eq!(sign_callback_fields(&secret, &body_map), sign.clone());

        // Upper-case sign is accepted.
        body_map.insert("sign".into(), Value::String(sign.to_uppercase()));
        let upper = serde_json::to_vec(&body_map).unwrap();
        prop_assert!(verify_callback(&secret, &upper).unwrap().valid);

        // A changed character in any string field breaks the sign.
        let i = which.index(params.len());
        let (k, v) = &params[i];
        body_map.insert(k.clone(), Value::String(change_one_char(v, at, replacement)));
        body_map.insert("sign".into(), Value::String(sign.clone()));
        let tampered = serde_json::to_vec(&body_map).unwrap();
        let check = verify_callback(&secret, &tampered).unwrap();
        prop_assert!(!check.valid);
        prop_assert_eq!(check.reason.as_deref(), Some("sign mismatch"));
    }

    #[test]
    fn media_invariants(
        secret in ".{1,40}",
        app_key in "[a-zA-Z0-9-]{1,32}",
        ts in 0u64..10_000_000_000_000,
        path in "/[a-z_/]{0,40}",
        query in params_strategy(),
        body in proptest::collection::vec(any::<u8>(), 0..200),
        at in any::<usize>(),
        replacement in any::<u8>(),
        seed in any::<u64>(),
    ) {
        let ts = ts.to_string();
        let q = pairs(&query);
        let parts = MediaRequestParts {
            method: "POST",
            path: &path,
            query: Some(&q),
            body: Some(&body),
            app_key: &app_key,
            timestamp_ms: &ts,
            extra_signed_headers: &[],
        };
        let sig = media_sign(&secret, &parts);
        prop_assert_eq!(&sig.signature_headers, "S-Ca-App,S-Ca-Timestamp");
        prop_assert_eq!(&sig.content_md5, &content_md5(&body));
        prop_assert!(sig.string_to_sign.starts_with("POST\n"));

        // Query order never matters.
        let mut shuffled = q.clone();
        let n = shuffled.len();
        shuffled.rotate_left((seed as usize) % n.max(1));
        shuffled.reverse();
        let same = media_sign(&secret, &MediaRequestParts { query: Some(&shuffled), ..parts });
        prop_assert_eq!(&same, &sig);

        // A changed body byte changes Content-MD5 and the signature.
        let mut changed = body.clone();
        if changed.is_empty() {
            changed.push(replacement);
        } else {
            let i = at % changed.len();
            changed[i] = if changed[i] == replacement { replacement.wrapping_add(1) } else { replacement };
        }
        let other = media_sign(&secret, &MediaRequestParts { body: Some(&changed), ..parts });
        prop_assert_ne!(&other.content_md5, &sig.content_md5);
        prop_assert_ne!(&other.signature, &sig.signature);

        // A changed timestamp or secret changes the signature.
        let ts2 = format!("{ts}1");
        let other = media_sign(&secret, &MediaRequestParts { timestamp_ms: &ts2, ..parts });
        prop_assert_ne!(&other.signature, &sig.signature);
        let secret2 = change_one_char(&secret, at, replacement as char);
        prop_assert_ne!(&media_sign(&secret2, &parts).signature, &sig.signature);
    }
}
