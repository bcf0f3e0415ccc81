//! media.meituan.com cps_open, S-Ca HMAC-SHA256.

use super::*;

/// Headers the S-Ca layout never signs (SPEC C.1).
const MEDIA_UNSIGNED_HEADERS: [&str; 3] =
    ["S-Ca-Signature", "S-Ca-Signature-Headers", "Content-MD5"];
const MEDIA_APP_HEADER: &str = "S-Ca-App";
const MEDIA_TIMESTAMP_HEADER: &str = "S-Ca-Timestamp";

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
