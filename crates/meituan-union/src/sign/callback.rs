//! Order callback (订单回推), MD5 keyed with the callback secret.

use super::*;

/// Largest callback body we agree to parse. Real order pushes are about
/// 1 KB; the cap keeps a hostile sender from making a receiver parse
/// megabytes per request.
pub const MAX_CALLBACK_BODY: usize = 64 * 1024;

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
