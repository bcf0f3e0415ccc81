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

/// Largest callback body we agree to parse. Real order pushes are about
/// 1 KB; the cap keeps a hostile sender from making a receiver parse
/// megabytes per request.
pub const MAX_CALLBACK_BODY: usize = 64 * 1024;

/// The parameter that carries the signature; never part of what is signed.
const SIGN_KEY: &str = "sign";

/// Headers the S-Ca layout never signs (SPEC C.1).
const MEDIA_UNSIGNED_HEADERS: [&str; 3] =
    ["S-Ca-Signature", "S-Ca-Signature-Headers", "Content-MD5"];
const MEDIA_APP_HEADER: &str = "S-Ca-App";
const MEDIA_TIMESTAMP_HEADER: &str = "S-Ca-Timestamp";

// ---------------------------------------------------------------------------
// Legacy MD5 (openapi.meituan.com /api/*)
// ---------------------------------------------------------------------------

/// Parameters in signing order: byte order of the key, `sign` left out.
/// Ties (a repeated key) are broken by value so the result never depends on
/// the order the caller listed them in.
fn legacy_sorted<'a>(params: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .copied()
        .filter(|(k, _)| *k != SIGN_KEY)
        .collect();
    sorted.sort_unstable();
    sorted
}

/// Parameter lists up to this size are sorted on the stack (requests carry
/// 6–12).
const STACK_PARAMS: usize = 16;

/// The first 8 bytes of a key as a big-endian integer, zero-padded when the
/// key is shorter. Whenever two prefixes differ, their integer order is the
/// byte order of the keys.
fn key_prefix(key: &str) -> u64 {
    let bytes = key.as_bytes();
    if let Some(head) = bytes.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    let mut prefix = 0u64;
    for i in 0..8 {
        prefix = (prefix << 8) | u64::from(bytes.get(i).copied().unwrap_or(0));
    }
    prefix
}

/// Calls `f` with the indices of the parameters in signing order (`sign`
/// left out), without a heap allocation for the usual short lists: signing
/// sits on the hot path of batch link generation and of the callback
/// receiver.
fn with_legacy_order<R>(params: &[(&str, &str)], f: impl FnOnce(&[usize]) -> R) -> R {
    if params.len() > STACK_PARAMS {
        let mut order: Vec<usize> = (0..params.len())
            .filter(|&i| params[i].0 != SIGN_KEY)
            .collect();
        order.sort_unstable_by(|&a, &b| params[a].cmp(&params[b]));
        return f(&order);
    }
    // Sort indices rather than the parameters themselves. Keys are compared
    // by their 8-byte prefixes first (one integer comparison for most
    // pairs); equal prefixes fall back to the full (key, value) byte order,
    // so the result is exactly the order of `legacy_sorted`.
    let mut prefixes = [0u64; STACK_PARAMS];
    let mut order = [0usize; STACK_PARAMS];
    let mut n = 0;
    for (i, (k, _)) in params.iter().enumerate() {
        if *k != SIGN_KEY {
            prefixes[i] = key_prefix(k);
            order[n] = i;
            n += 1;
        }
    }
    let less = |a: usize, b: usize| {
        prefixes[a] < prefixes[b] || (prefixes[a] == prefixes[b] && params[a] < params[b])
    };
    // Insertion sort: the lists are short and often nearly sorted. The index
    // being placed stays in a register while larger ones shift up one slot
    // (cheaper than swapping it down step by step).
    for i in 1..n {
        let current = order[i];
        let mut j = i;
        while j > 0 && less(current, order[j - 1]) {
            order[j] = order[j - 1];
            j -= 1;
        }
        order[j] = current;
    }
    f(&order[..n])
}

/// `secret + k1 + v1 + k2 + v2 + … + secret`, keys in byte order, `sign`
/// excluded, values used exactly as given (an empty value leaves the bare
/// key, as vector L03 shows). The result contains the secret twice: treat it
/// like the secret itself (see [`mask_canonical`]).
pub fn legacy_canonical(secret: &str, params: &[(&str, &str)]) -> String {
    with_legacy_order(params, |order| {
        let sorted = || order.iter().map(|&i| params[i]);
        let len = 2 * secret.len() + sorted().map(|(k, v)| k.len() + v.len()).sum::<usize>();
        let mut out = String::with_capacity(len);
        out.push_str(secret);
        for (k, v) in sorted() {
            out.push_str(k);
            out.push_str(v);
        }
        out.push_str(secret);
        out
    })
}

/// A legacy signature: 32 lower-case hex digits, held inline.
///
/// Signing runs for every legacy request, every batch row and every callback
/// check, so the signature lives on the stack instead of in a heap `String`.
/// It reads as a `&str` (`Deref`, `AsRef<str>`, `Display`) and compares with
/// `str` and `String` in either order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LegacySign([u8; 32]);

impl LegacySign {
    /// The signature as text.
    pub fn as_str(&self) -> &str {
        // Built only from the ASCII digits of `HEX_PAIRS`.
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
}

impl std::ops::Deref for LegacySign {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for LegacySign {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for LegacySign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for LegacySign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<LegacySign> for String {
    fn from(sign: LegacySign) -> String {
        sign.as_str().to_owned()
    }
}

impl serde::Serialize for LegacySign {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for LegacySign {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for LegacySign {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for LegacySign {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<LegacySign> for str {
    fn eq(&self, other: &LegacySign) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<LegacySign> for &str {
    fn eq(&self, other: &LegacySign) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<LegacySign> for String {
    fn eq(&self, other: &LegacySign) -> bool {
        self == other.as_str()
    }
}

/// Canonical strings up to this many bytes are joined on the stack before
/// hashing; a typical request's is ~200 (the secret twice plus 6–12
/// parameters). Longer ones are streamed into the hasher.
const JOIN_BUFFER: usize = 384;

/// Copies `src` into `dst` (same length) in 8-byte words plus a byte tail,
/// inline: the pieces of a canonical string are 1–40 bytes, where a call
/// to `memcpy` costs more than the copy itself.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (dw, sw) in (&mut d).zip(&mut s) {
        let word: [u8; 8] = sw.try_into().expect("8-byte chunk");
        dw.copy_from_slice(&word);
    }
    for (db, sb) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *db = *sb;
    }
}

/// Lower-case hex MD5 of [`legacy_canonical`].
pub fn legacy_sign(secret: &str, params: &[(&str, &str)]) -> LegacySign {
    with_legacy_order(params, |order| {
        // Join the canonical string in a stack buffer and hash it in one
        // call (the hasher's per-call bookkeeping costs more than the copy);
        // a canonical string too long for the buffer is streamed instead.
        let mut buf = [0u8; JOIN_BUFFER];
        let mut pos = 0;
        let mut put = |piece: &str| match buf.get_mut(pos..pos + piece.len()) {
            Some(slot) => {
                copy_short(slot, piece.as_bytes());
                pos += piece.len();
                true
            }
            None => false,
        };
        let joined = put(secret)
            && order.iter().all(|&i| put(params[i].0) && put(params[i].1))
            && put(secret);
        let digest = if joined {
            Md5::digest(&buf[..pos])
        } else {
            let mut hasher = Md5::new();
            hasher.update(secret.as_bytes());
            for &i in order {
                let (k, v) = params[i];
                hasher.update(k.as_bytes());
                hasher.update(v.as_bytes());
            }
            hasher.update(secret.as_bytes());
            hasher.finalize()
        };
        let mut hex = [0u8; 32];
        write_hex_lower(&mut hex, &digest);
        LegacySign(hex)
    })
}

/// The legacy wire query: every parameter plus `sign`, keys in byte order,
/// percent-encoded (RFC 3986 unreserved characters kept, space as `%20`).
/// Matches the `wire_query` of the legacy vectors.
pub fn legacy_wire_query(secret: &str, params: &[(&str, &str)]) -> String {
    let sign = legacy_sign(secret, params);
    let mut all = legacy_sorted(params);
    all.push((SIGN_KEY, sign.as_str()));
    all.sort_unstable();
    let mut out = String::new();
    for (i, (k, v)) in all.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(&mut out, k);
        out.push('=');
        percent_encode_into(&mut out, v);
    }
    out
}

/// Why a JSON value cannot be a legacy parameter (vector L10).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegacyParamError {
    #[error("parameter {key:?}: bool values are ambiguous; pass \"0\"/\"1\" strings")]
    Bool { key: String },
    #[error("parameter {key:?}: number {text} is not an integer; pass it as a string")]
    NotAnInteger { key: String, text: String },
    #[error("parameter {key:?}: {kind} values cannot be signed; pass a string")]
    Unsupported { key: String, kind: &'static str },
}

/// Turns a JSON object of parameters into strings the way the reference
/// does: strings as they are, integers as plain decimal; bools, floats,
/// null, arrays and objects are refused because SDKs stringify them
/// differently (SPEC A.4).
pub fn legacy_params_from_json(
    params: &Map<String, Value>,
) -> Result<Vec<(String, String)>, LegacyParamError> {
    params
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => {
                    if let Some(i) = n.as_i64() {
                        i.to_string()
                    } else if let Some(u) = n.as_u64() {
                        u.to_string()
                    } else {
                        return Err(LegacyParamError::NotAnInteger {
                            key: k.clone(),
                            text: n.to_string(),
                        });
                    }
                }
                Value::Bool(_) => return Err(LegacyParamError::Bool { key: k.clone() }),
                Value::Null => {
                    return Err(LegacyParamError::Unsupported {
                        key: k.clone(),
                        kind: "null",
                    })
                }
                Value::Array(_) => {
                    return Err(LegacyParamError::Unsupported {
                        key: k.clone(),
                        kind: "array",
                    })
                }
                Value::Object(_) => {
                    return Err(LegacyParamError::Unsupported {
                        key: k.clone(),
                        kind: "object",
                    })
                }
            };
            Ok((k.clone(), text))
        })
        .collect()
}

/// Replaces the secret at both ends of a legacy/callback canonical string
/// with `<secret>`, for showing the canonical string in a debugger or a log
/// without revealing the key.
pub fn mask_canonical(canonical: &str, secret: &str) -> String {
    if !secret.is_empty()
        && canonical.len() >= 2 * secret.len()
        && canonical.starts_with(secret)
        && canonical.ends_with(secret)
    {
        let middle = &canonical[secret.len()..canonical.len() - secret.len()];
        format!("<secret>{middle}<secret>")
    } else {
        // Not shaped like a canonical string of this secret: reveal nothing.
        "<redacted>".to_owned()
    }
}

// ---------------------------------------------------------------------------
// Order callback (订单回推), MD5 keyed with the callback secret
// ---------------------------------------------------------------------------

/// Why a callback body could not be checked at all. A body that parses but
/// carries a wrong or missing sign is not an error: see [`CallbackCheck`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("callback body is not valid JSON: {0}")]
    NotJson(String),
    #[error("callback body is JSON but not an object")]
    NotAnObject,
    #[error("callback body is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
}

/// Outcome of [`verify_callback`].
///
/// `canonical` holds the callback secret at both ends, so `Debug` does not
/// print it; use [`mask_canonical`] to show it.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackCheck {
    pub valid: bool,
    /// Lower-case hex sign the body should carry.
    pub expected_sign: String,
    pub canonical: String,
    /// Why `valid` is false, in English: "sign missing", "sign is not a
    /// string", "sign mismatch".
    pub reason: Option<String>,
}

impl std::fmt::Debug for CallbackCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackCheck")
            .field("valid", &self.valid)
            .field("expected_sign", &self.expected_sign)
            .field("canonical", &"<contains secret>")
            .field("reason", &self.reason)
            .finish()
    }
}

/// Top-level fields of a callback body, each with its exact source text.
/// A `BTreeMap` sorts keys by bytes (the signing order) and keeps the last
/// value of a repeated key, as PHP's json_decode does.
type RawFields = BTreeMap<String, Box<RawValue>>;

fn parse_callback(raw_body: &[u8]) -> Result<RawFields, CallbackError> {
    if raw_body.len() > MAX_CALLBACK_BODY {
        return Err(CallbackError::BodyTooLarge {
            limit: MAX_CALLBACK_BODY,
        });
    }
    // Raw values, not `Value`: serde_json rewrites some numbers (`1e3` →
    // `1e+3`) even with `arbitrary_precision`, and the sign covers the text.
    let whole: &RawValue =
        serde_json::from_slice(raw_body).map_err(|e| CallbackError::NotJson(e.to_string()))?;
    if !whole.get().trim_start().starts_with('{') {
        return Err(CallbackError::NotAnObject);
    }
    serde_json::from_str(whole.get()).map_err(|e| CallbackError::NotJson(e.to_string()))
}

/// A raw callback field as the PHP SDK casts it to string: strings decoded,
/// numbers with their exact source text, arrays/objects as compact JSON
/// (the source text without insignificant whitespace), null → "",
/// true → "1", false → "".
fn raw_field_text(raw: &RawValue) -> Result<Cow<'_, str>, CallbackError> {
    let text = raw.get();
    Ok(match text.as_bytes().first() {
        Some(b'"') => Cow::Owned(
            serde_json::from_str::<String>(text)
                .map_err(|e| CallbackError::NotJson(e.to_string()))?,
        ),
        Some(b't') => Cow::Borrowed("1"),
        Some(b'f') | Some(b'n') => Cow::Borrowed(""),
        Some(b'[') | Some(b'{') => Cow::Owned(minify_json(text)),
        _ => Cow::Borrowed(text),
    })
}

/// Drops whitespace outside strings; everything else is kept byte for byte
/// (how an array or object field of a push is signed).
pub fn minify_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

/// A `Value` field cast the same way, for pushes we build ourselves.
/// serde_json serializes the same number text it holds, so the body sent
/// and the sign agree.
fn value_field_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::Bool(true) => Cow::Borrowed("1"),
        Value::Bool(false) | Value::Null => Cow::Borrowed(""),
        Value::Array(_) | Value::Object(_) => {
            Cow::Owned(serde_json::to_string(value).unwrap_or_default())
        }
    }
}

fn canonical_of_texts(secret: &str, texts: &[(&str, Cow<'_, str>)]) -> String {
    let pairs: Vec<(&str, &str)> = texts.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    legacy_canonical(secret, &pairs)
}

fn raw_canonical(callback_secret: &str, fields: &RawFields) -> Result<String, CallbackError> {
    let texts = fields
        .iter()
        .filter(|(k, _)| k.as_str() != SIGN_KEY)
        .map(|(k, v)| Ok((k.as_str(), raw_field_text(v)?)))
        .collect::<Result<Vec<_>, CallbackError>>()?;
    Ok(canonical_of_texts(callback_secret, &texts))
}

/// Canonical string of a pushed callback body: the legacy construction over
/// every top-level field except `sign`, keyed with the callback secret.
pub fn callback_canonical(callback_secret: &str, raw_body: &[u8]) -> Result<String, CallbackError> {
    let fields = parse_callback(raw_body)?;
    raw_canonical(callback_secret, &fields)
}

/// Checks the `sign` field of a pushed callback body. The comparison is
/// constant-time and accepts an upper-case sign.
pub fn verify_callback(
    callback_secret: &str,
    raw_body: &[u8],
) -> Result<CallbackCheck, CallbackError> {
    let fields = parse_callback(raw_body)?;
    let canonical = raw_canonical(callback_secret, &fields)?;
    let expected_sign = md5_hex(canonical.as_bytes());
    let reason = match fields.get(SIGN_KEY) {
        None => Some("sign missing"),
        Some(raw) if raw.get().starts_with('"') => {
            let given: String = serde_json::from_str(raw.get())
                .map_err(|e| CallbackError::NotJson(e.to_string()))?;
            let given = given.to_ascii_lowercase();
            if given.is_empty() {
                Some("sign missing")
            } else if bool::from(given.as_bytes().ct_eq(expected_sign.as_bytes())) {
                None
            } else {
                Some("sign mismatch")
            }
        }
        Some(_) => Some("sign is not a string"),
    };
    Ok(CallbackCheck {
        valid: reason.is_none(),
        expected_sign,
        canonical,
        reason: reason.map(str::to_owned),
    })
}

/// Sign for a callback body built from `fields` (any `sign` field is
/// ignored), exactly as Meituan would sign the push. Serialize the same map
/// with `serde_json` to get the body; numbers keep their text both ways.
pub fn sign_callback_fields(callback_secret: &str, fields: &Map<String, Value>) -> String {
    let texts: Vec<(&str, Cow<'_, str>)> = fields
        .iter()
        .filter(|(k, _)| k.as_str() != SIGN_KEY)
        .map(|(k, v)| (k.as_str(), value_field_text(v)))
        .collect();
    md5_hex(canonical_of_texts(callback_secret, &texts).as_bytes())
}

// ---------------------------------------------------------------------------
// media.meituan.com cps_open, S-Ca HMAC-SHA256
// ---------------------------------------------------------------------------

/// `Content-MD5` header value: base64 of the MD5 of the exact body bytes.
pub fn content_md5(body: &[u8]) -> String {
    BASE64.encode(Md5::digest(body))
}

/// Everything the S-Ca signature covers. `timestamp_ms` is the
/// `S-Ca-Timestamp` header text (epoch milliseconds).
#[derive(Debug, Clone, Copy)]
pub struct MediaRequestParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a [(&'a str, &'a str)]>,
    pub body: Option<&'a [u8]>,
    pub app_key: &'a str,
    pub timestamp_ms: &'a str,
    /// Headers signed besides `S-Ca-App` and `S-Ca-Timestamp` (which are
    /// always signed; entries with those names, or with names that are never
    /// signed, are ignored).
    pub extra_signed_headers: &'a [(&'a str, &'a str)],
}

/// The headers to send: `Content-MD5` (omit it when empty),
/// `S-Ca-Signature`, `S-Ca-Signature-Headers`, plus `S-Ca-App` and
/// `S-Ca-Timestamp` from the parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSignature {
    pub content_md5: String,
    pub string_to_sign: String,
    pub signature: String,
    pub signature_headers: String,
}

/// `METHOD\nContent-MD5\n` + `name:value\n` per signed header (sorted by the
/// byte order of the name) + `path[?k=v&k…]` (query keys sorted, raw values,
/// a bare key when the value is empty). Content-MD5 is empty for GET or when
/// there is no body; an empty POST body hashes to `1B2M2Y8AsgTpgAmY7PhCfg==`.
pub fn media_sign(secret: &str, parts: &MediaRequestParts) -> MediaSignature {
    media_sign_listing(secret, parts, true)
}

/// [`media_sign`], with `S-Ca-App` among the signed headers only when
/// `sign_app_header` is set. The docs require `S-Ca-Timestamp` in
/// `S-Ca-Signature-Headers` and only recommend `S-Ca-App` (dtapps/go-library
/// `service/meituan/media.sign.go:25`: `其中必须包括S-Ca-Timestamp，建议将S-Ca-App也添加进去`),
/// so a server checks a list without it this way. Clients sign both.
pub fn media_sign_listing(
    secret: &str,
    parts: &MediaRequestParts,
    sign_app_header: bool,
) -> MediaSignature {
    let method: Cow<'_, str> = if parts.method.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(parts.method.to_ascii_uppercase())
    } else {
        Cow::Borrowed(parts.method)
    };
    let content_md5 = match parts.body {
        Some(body) if method != "GET" => content_md5(body),
        _ => String::new(),
    };

    let signable = |(name, _): &(&str, &str)| {
        !name.eq_ignore_ascii_case(MEDIA_APP_HEADER)
            && !name.eq_ignore_ascii_case(MEDIA_TIMESTAMP_HEADER)
            && !MEDIA_UNSIGNED_HEADERS
                .iter()
                .any(|u| name.eq_ignore_ascii_case(u))
    };
    let mut headers: Vec<(&str, &str)> = Vec::with_capacity(2 + parts.extra_signed_headers.len());
    if sign_app_header {
        headers.push((MEDIA_APP_HEADER, parts.app_key));
    }
    headers.push((MEDIA_TIMESTAMP_HEADER, parts.timestamp_ms));
    let fixed = headers.len();
    headers.extend(parts.extra_signed_headers.iter().copied().filter(signable));
    if headers.len() > fixed {
        headers.sort_unstable();
    }

    let query: Option<Vec<(&str, &str)>> = parts.query.filter(|q| !q.is_empty()).map(|q| {
        let mut q = q.to_vec();
        q.sort_unstable();
        q
    });

    let sts_len = method.len()
        + content_md5.len()
        + 2
        + headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 2)
            .sum::<usize>()
        + parts.path.len()
        + query
            .as_deref()
            .map_or(0, |q| q.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    let mut sts = String::with_capacity(sts_len);
    sts.push_str(&method);
    sts.push('\n');
    sts.push_str(&content_md5);
    sts.push('\n');
    for (name, value) in &headers {
        sts.push_str(name);
        sts.push(':');
        sts.push_str(value);
        sts.push('\n');
    }
    sts.push_str(parts.path);
    if let Some(query) = &query {
        sts.push('?');
        for (i, (k, v)) in query.iter().enumerate() {
            if i > 0 {
                sts.push('&');
            }
            sts.push_str(k);
            if !v.is_empty() {
                sts.push('=');
                sts.push_str(v);
            }
        }
    }

    let signature = hmac_sha256_base64(secret.as_bytes(), sts.as_bytes());
    let mut signature_headers =
        String::with_capacity(headers.iter().map(|(n, _)| n.len() + 1).sum());
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            signature_headers.push(',');
        }
        signature_headers.push_str(name);
    }
    MediaSignature {
        content_md5,
        string_to_sign: sts,
        signature,
        signature_headers,
    }
}

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
