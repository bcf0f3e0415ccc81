//! Runs every vector of `tests/data/vectors.json` (a copy of
//! `shared/meituan/vectors.json`) through the library and checks the
//! `reference` answers. A vector with an unknown id or scheme fails the test,
//! so a new vector cannot be skipped silently.

use meituan_union::sign::*;
use serde_json::{Map, Value};

fn vectors() -> Vec<Value> {
    let text = include_str!("data/vectors.json");
    let doc: Value = serde_json::from_str(text).expect("vectors.json parses");
    doc["vectors"].as_array().expect("vectors array").clone()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key} is not a string in {v}"))
}

fn obj<'a>(v: &'a Value, key: &str) -> &'a Map<String, Value> {
    v[key]
        .as_object()
        .unwrap_or_else(|| panic!("field {key} is not an object in {v}"))
}

fn as_pairs(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Results other SDKs compute that differ from the reference must differ
/// from ours too (proves we are not accidentally one of the divergent models).
fn check_divergent_results(vector: &Value, ours: &str) {
    let Some(results) = vector["sdk_results"].as_array() else {
        return;
    };
    for r in results {
        let (Some(result), Some(same)) = (r["result"].as_str(), r["same_as_reference"].as_bool())
        else {
            continue;
        };
        assert_eq!(
            result == ours,
            same,
            "{}: model {:?} result {result} vs ours {ours}",
            vector["id"],
            r["model"]
        );
    }
}

fn run_legacy(v: &Value) -> usize {
    let id = s(v, "id");
    let inputs = &v["inputs"];
    let reference = &v["reference"];
    let secret = s(inputs, "secret");
    match id {
        "L10" => {
            let err = legacy_params_from_json(obj(inputs, "params")).unwrap_err();
            assert_eq!(
                err,
                LegacyParamError::Bool {
                    key: "shortLink".into()
                },
                "{id}"
            );
            assert!(reference["sign"].is_null());
            assert!(s(reference, "error").contains("bool values are ambiguous"));
            assert!(err.to_string().contains("bool values are ambiguous"));
            // The advised fix: send "0" instead of false.
            let mut fixed = obj(inputs, "params").clone();
            fixed.insert("shortLink".into(), Value::String("0".into()));
            let owned = legacy_params_from_json(&fixed).unwrap();
            assert_eq!(
                legacy_sign(secret, &as_pairs(&owned)),
                s(reference, "sign_if_sent_as_string_0"),
                "{id}"
            );
            2
        }
        "L11" => {
            let a = legacy_params_from_json(obj(inputs, "params_a")).unwrap();
            let b = legacy_params_from_json(obj(inputs, "params_b")).unwrap();
            let (a, b) = (as_pairs(&a), as_pairs(&b));
            assert_eq!(legacy_canonical(secret, &a), s(reference, "canonical_a"));
            assert_eq!(legacy_canonical(secret, &b), s(reference, "canonical_b"));
            assert_eq!(legacy_sign(secret, &a), s(reference, "sign_a"));
            assert_eq!(legacy_sign(secret, &b), s(reference, "sign_b"));
            4
        }
        _ => {
            let owned = legacy_params_from_json(obj(inputs, "params"))
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            let params = as_pairs(&owned);
            assert_eq!(
                legacy_canonical(secret, &params),
                s(reference, "canonical_string"),
                "{id} canonical"
            );
            let sign = legacy_sign(secret, &params);
            assert_eq!(sign, s(reference, "sign"), "{id} sign");
            assert_eq!(
                legacy_wire_query(secret, &params),
                s(reference, "wire_query"),
                "{id} wire query"
            );
            check_divergent_results(v, &sign);
            3
        }
    }
}

fn run_callback(v: &Value) -> usize {
    let id = s(v, "id");
    let inputs = &v["inputs"];
    let reference = &v["reference"];
    let secret = s(inputs, "callback_secret");
    let body = s(inputs, "raw_body").as_bytes();

    assert_eq!(
        callback_canonical(secret, body).unwrap(),
        s(reference, "canonical_string"),
        "{id} canonical"
    );
    let check = verify_callback(secret, body).unwrap();
    assert_eq!(check.expected_sign, s(reference, "sign"), "{id} sign");
    assert_eq!(check.canonical, s(reference, "canonical_string"));
    let want_valid = reference["verify_callback"][0].as_bool().unwrap();
    assert_eq!(check.valid, want_valid, "{id} valid");
    assert_eq!(check.reason, None, "{id}");
    check_divergent_results(v, &check.expected_sign);

    // The API secret is the classic mistake (SPEC B): it must not verify.
    let wrong = verify_callback(s(inputs, "api_secret"), body).unwrap();
    assert!(!wrong.valid, "{id}: API secret must not verify");
    assert_eq!(wrong.reason.as_deref(), Some("sign mismatch"));

    // Building the same push from fields gives the same sign.
    let fields: Map<String, Value> = serde_json::from_slice(body).unwrap();
    assert_eq!(
        sign_callback_fields(secret, &fields),
        s(reference, "sign"),
        "{id} sign_callback_fields"
    );
    5
}

fn run_media(v: &Value) -> usize {
    let id = s(v, "id");
    let inputs = &v["inputs"];
    let reference = &v["reference"];

    let query_owned = match &inputs["query"] {
        Value::Null => None,
        Value::Object(m) => Some(legacy_params_from_json(m).unwrap()),
        other => panic!("{id}: query {other}"),
    };
    let query_pairs = query_owned.as_deref().map(as_pairs);
    let body = match &inputs["body_utf8"] {
        Value::Null => None,
        Value::String(b) => Some(b.as_bytes()),
        other => panic!("{id}: body {other}"),
    };
    let extra_owned: Vec<(String, String)> = obj(inputs, "extra_headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let extra = as_pairs(&extra_owned);
    let parts = MediaRequestParts {
        method: s(inputs, "method"),
        path: s(inputs, "path"),
        query: query_pairs.as_deref(),
        body,
        app_key: s(inputs, "app_key"),
        timestamp_ms: s(inputs, "S-Ca-Timestamp"),
        extra_signed_headers: &extra,
    };
    let got = media_sign(s(inputs, "app_secret"), &parts);
    assert_eq!(got.content_md5, s(reference, "Content-MD5"), "{id} md5");
    assert_eq!(
        got.string_to_sign,
        s(reference, "string_to_sign"),
        "{id} string to sign"
    );
    assert_eq!(got.signature, s(reference, "S-Ca-Signature"), "{id} sig");
    assert_eq!(
        got.signature_headers,
        s(reference, "S-Ca-Signature-Headers"),
        "{id} headers"
    );
    // The declared signed-header list is the one we produce.
    let declared: Vec<&str> = inputs["signed_headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(got.signature_headers, declared.join(","), "{id}");
    if let Some(b) = body {
        if !parts.method.eq_ignore_ascii_case("GET") {
            assert_eq!(content_md5(b), got.content_md5);
        }
    }
    check_divergent_results(v, &got.signature);
    4
}

#[test]
fn every_vector_matches_the_reference() {
    let all = vectors();
    assert!(all.len() >= 24, "expected the full vector set");
    let mut ids = Vec::new();
    let mut checks = 0;
    for v in &all {
        let id = s(v, "id").to_owned();
        checks += match s(v, "scheme") {
            "legacy-md5" => run_legacy(v),
            "callback-md5" => run_callback(v),
            "media-s-ca-hmac" => run_media(v),
            other => panic!("{id}: unknown scheme {other}"),
        };
        ids.push(id);
    }
    for want in [
        "L01", "L05", "L10", "L11", "L12", "C01", "C05", "M01", "M04", "M07",
    ] {
        assert!(ids.iter().any(|i| i == want), "{want} missing");
    }
    assert!(checks > 3 * all.len());
}

#[test]
fn empty_body_md5_matches_the_file() {
    let doc: Value = serde_json::from_str(include_str!("data/vectors.json")).unwrap();
    assert_eq!(
        content_md5(b""),
        doc["md5_of_empty_base64"].as_str().unwrap()
    );
}
