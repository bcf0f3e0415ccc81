//! Legacy MD5 (openapi.meituan.com /api/*).

use super::*;

/// Parameters in signing order: byte order of the key, `sign` left out.
/// Ties (a repeated key) are broken by value so the result never depends on
/// the order the caller listed them in.
pub(super) fn legacy_sorted<'a>(params: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
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
pub(super) const STACK_PARAMS: usize = 16;

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
pub(super) const JOIN_BUFFER: usize = 384;

/// Copies `src` into `dst` (same length) in 8-byte words plus a byte tail,
/// inline: the pieces of a canonical string are 1–40 bytes, where a call
/// to `memcpy` costs more than the copy itself.
#[inline(always)]
pub(super) fn copy_short(dst: &mut [u8], src: &[u8]) {
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
