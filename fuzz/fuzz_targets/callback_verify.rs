//! The pushed-callback body parser and verifier: any bytes must give a
//! typed answer, never a panic; a body we sign ourselves must verify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use md5::{Digest, Md5};
use meituan_union::sign::{sign_callback_fields, verify_callback};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(check) = verify_callback(SECRET, data) else {
        return;
    };
    // The canonical string is the legacy construction keyed by the secret.
    assert!(check.canonical.starts_with(SECRET) && check.canonical.ends_with(SECRET));
    assert_eq!(check.expected_sign, md5_hex(check.canonical.as_bytes()));
    assert_eq!(check.valid, check.reason.is_none());

    // Round trip: the same fields signed the way Meituan signs a push must
    // verify (a mismatch would refuse real callbacks).
    if let Ok(mut fields) =
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(data)
    {
        let sign = sign_callback_fields(SECRET, &fields);
        fields.insert("sign".into(), serde_json::Value::String(sign));
        let body = serde_json::to_vec(&fields).unwrap();
        if let Ok(again) = verify_callback(SECRET, &body) {
            assert!(again.valid, "self-signed body refused: {:?}", again.reason);
        }
    }
});
