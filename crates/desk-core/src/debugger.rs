//! The signature debugger (签名调试): given a pasted legacy request, media
//! request or order callback body, shows the string the scheme signs (the
//! secret masked), our signature beside the one given, and — when they
//! differ — where the difference most likely comes from, as reason codes the
//! UI translates.
//!
//! Everything here is pure: the pasted text, the secret and "now" are
//! inputs, and nothing touches the network. Signatures come from
//! `meituan_union::sign`, the code every request and the callback receiver
//! use; the diagnosis re-signs the input under the usual porting mistakes
//! (another key order, empty values dropped, encoded values, a different
//! Content-MD5, the API secret instead of the callback secret) and names the
//! variant that reproduces the given signature. [`check`] loads the
//! profile's secret from the vault and calls them; the secret never leaves
//! this module except inside a MAC, and every string returned has it masked.

use crate::clock::Clock;
use crate::error::Result;
use crate::profiles;
use crate::secrets::vault::{SecretKind, Vault};
use crate::store::Store;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use meituan_union::sign::{
    legacy_canonical, legacy_sign, mask_canonical, media_sign_listing, verify_callback,
    CallbackError, MediaRequestParts,
};
use meituan_union::Secret;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Legacy `ts`: epoch seconds, accepted within this many seconds of now.
pub const LEGACY_WINDOW_SECS: i64 = 60;
/// Media `S-Ca-Timestamp`: epoch milliseconds, accepted within this many
/// milliseconds of now.
pub const MEDIA_WINDOW_MS: i64 = 2 * 60 * 1000;

/// What was pasted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DebugKind {
    /// An openapi.meituan.com `/api/*` request (MD5 `sign` parameter).
    Legacy,
    /// A media.meituan.com `cps_open` request (S-Ca HMAC headers).
    Media,
    /// An order push (订单回推) body with its `sign` field.
    Callback,
}

impl DebugKind {
    /// The profile secret that signs this kind.
    pub fn secret_kind(self) -> SecretKind {
        match self {
            DebugKind::Legacy | DebugKind::Media => SecretKind::ApiSecret,
            DebugKind::Callback => SecretKind::CallbackSecret,
        }
    }
}

/// The pasted request or body, as the UI (or another front end) sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DebugInput {
    /// A full URL or just its query string.
    Legacy { request: String },
    /// The parts of a media request. `path` may be a full URL and may carry
    /// the query; `headers` is one `Name: value` per line.
    Media {
        method: String,
        path: String,
        query: String,
        headers: String,
        body: String,
    },
    /// The raw JSON text of the push.
    Callback { body: String },
}

impl DebugInput {
    pub fn kind(&self) -> DebugKind {
        match self {
            DebugInput::Legacy { .. } => DebugKind::Legacy,
            DebugInput::Media { .. } => DebugKind::Media,
            DebugInput::Callback { .. } => DebugKind::Callback,
        }
    }
}

/// Why a signature differs, or what else is wrong with the request. The UI
/// words each as `debugger.reason.<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DebugReason {
    /// No signature was given: only ours is shown.
    SignMissing,
    /// The given signature is ours over another key order (as written, or
    /// sorted ignoring case).
    KeyOrder,
    /// A parameter or field appears more than once.
    DuplicateKey,
    /// The given signature leaves out (or writes differently) an empty value.
    EmptyValue,
    /// Values were signed encoded (percent-encoding, `+` for a space, JSON
    /// escapes) or are not UTF-8.
    Encoding,
    /// The timestamp is missing or not in the unit the scheme wants (legacy
    /// `ts`: 10-digit seconds; media `S-Ca-Timestamp`: 13-digit milliseconds).
    TimestampFormat,
    /// The timestamp is too far from now (legacy ±60 s, media ±2 min).
    TimestampOutOfWindow,
    /// The `Content-MD5` header is not the MD5 of the body given. (Named
    /// explicitly: specta would write `content_md_5_mismatch`.)
    #[serde(rename = "content_md5_mismatch")]
    ContentMd5Mismatch,
    /// `S-Ca-Signature-Headers` does not list `S-Ca-Timestamp`.
    SignatureHeadersMissingTimestamp,
    /// The callback was signed with the API secret, not the callback secret.
    ApiSecretUsed,
    /// Nothing else explains the difference: most likely another secret.
    DifferentSecret,
}

impl DebugReason {
    /// Whether the reason accounts for a signature mismatch (as opposed to
    /// a problem the request has whatever its signature).
    fn explains_mismatch(self) -> bool {
        matches!(
            self,
            DebugReason::KeyOrder
                | DebugReason::DuplicateKey
                | DebugReason::EmptyValue
                | DebugReason::Encoding
                | DebugReason::ContentMd5Mismatch
                | DebugReason::ApiSecretUsed
        )
    }
}

/// Why the pasted text could not be checked at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum InputProblem {
    /// Nothing was pasted.
    Empty,
    /// A URL without a query string (nothing to sign).
    NoQuery,
    /// The callback body is not JSON.
    NotJson,
    /// The callback body is JSON but not an object.
    NotAnObject,
    /// The callback body is larger than any real push.
    TooLarge,
    /// The media request has no `S-Ca-App` header.
    MissingAppKey,
    /// The media request has no path.
    MissingPath,
}

/// Media-only details: the headers the signature depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MediaDetails {
    /// `Content-MD5` of the body given (empty for GET).
    pub content_md5: String,
    pub given_content_md5: Option<String>,
    /// The headers we signed, as `S-Ca-Signature-Headers` lists them.
    pub signature_headers: String,
    pub given_signature_headers: Option<String>,
}

/// The outcome of one check. Holds no secret: `canonical` shows it as
/// `<secret>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DebugReport {
    pub kind: DebugKind,
    /// The string the scheme signs, with the secret masked.
    pub canonical: String,
    /// Our signature.
    pub ours: String,
    /// The signature that was pasted, if any.
    pub given: Option<String>,
    pub matches: bool,
    /// In order of likelihood; empty when everything checks out.
    pub reasons: Vec<DebugReason>,
    /// The request's timestamp minus now, in seconds (legacy and media).
    pub skew_secs: Option<i64>,
    pub media: Option<MediaDetails>,
}

/// What [`check`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DebugCheck {
    Checked {
        report: Box<DebugReport>,
    },
    /// The pasted text could not be read.
    Unreadable {
        problem: InputProblem,
    },
    /// The profile has no secret of this kind in the keychain.
    NoSecret {
        secret: SecretKind,
    },
}

/// Loads the profile's secret for the input's scheme from the vault and
/// diagnoses the input against it at the clock's "now".
pub fn check(
    store: &Store,
    vault: &dyn Vault,
    clock: &dyn Clock,
    profile_id: &str,
    input: &DebugInput,
) -> Result<DebugCheck> {
    let profile = profiles::get(store, profile_id)?;
    let kind = input.kind().secret_kind();
    let Some(secret) = vault.get(&profile.id, kind)? else {
        return Ok(DebugCheck::NoSecret { secret: kind });
    };
    // A callback signed with the API secret is the classic mistake: try it
    // too when the profile has one (a keychain failure here only skips it).
    let api_secret = match input {
        DebugInput::Callback { .. } => vault.get(&profile.id, SecretKind::ApiSecret).ok().flatten(),
        _ => None,
    };
    Ok(
        match diagnose(input, &secret, api_secret.as_ref(), clock.now()) {
            Ok(report) => DebugCheck::Checked {
                report: Box::new(report),
            },
            Err(problem) => DebugCheck::Unreadable { problem },
        },
    )
}

/// Diagnoses any kind of input. `api_secret` is only used for callbacks
/// (to recognise a push signed with the wrong secret).
pub fn diagnose(
    input: &DebugInput,
    secret: &Secret,
    api_secret: Option<&Secret>,
    now: DateTime<Utc>,
) -> Result<DebugReport, InputProblem> {
    match input {
        DebugInput::Legacy { request } => diagnose_legacy(request, secret, now),
        DebugInput::Media {
            method,
            path,
            query,
            headers,
            body,
        } => diagnose_media(
            &MediaPaste {
                method,
                path,
                query,
                headers,
                body,
            },
            secret,
            now,
        ),
        DebugInput::Callback { body } => diagnose_callback(body, secret, api_secret),
    }
}

/// A canonical string for display: the secret at both ends shown as
/// `<secret>`, and any other occurrence of it (a secret pasted as a value)
/// hidden too. The same masking as `mtu sign --mask-secret`.
pub fn masked(canonical: &str, secret: &Secret) -> String {
    let s = secret.expose();
    let out = mask_canonical(canonical, s);
    if s.is_empty() {
        out
    } else {
        out.replace(s, "<secret>")
    }
}

/// Any text that might contain the secret (a media string-to-sign), shown
/// with every occurrence masked.
fn masked_anywhere(text: &str, secret: &Secret) -> String {
    let s = secret.expose();
    if s.is_empty() {
        text.to_owned()
    } else {
        text.replace(s, "<secret>")
    }
}

/// Adds a reason once, keeping the order of discovery.
fn note(reasons: &mut Vec<DebugReason>, reason: DebugReason) {
    if !reasons.contains(&reason) {
        reasons.push(reason);
    }
}

/// Ends a diagnosis: "most likely a different secret" when the signatures
/// differ and nothing found explains it.
fn conclude(reasons: &mut Vec<DebugReason>, given: Option<&str>, matches: bool) {
    if given.is_some()
        && !matches
        && !reasons.iter().any(|r| r.explains_mismatch())
        && !reasons.contains(&DebugReason::DifferentSecret)
    {
        reasons.push(DebugReason::DifferentSecret);
    }
}

// ---------------------------------------------------------------------------
// Query strings
// ---------------------------------------------------------------------------

/// One `key=value` of a query string, as written and decoded.
#[derive(Debug, Clone)]
struct QueryParam {
    raw_key: String,
    raw_value: String,
    /// Percent-decoded, `+` read as a space (what a server's form parser
    /// hands the signing code).
    key: String,
    value: String,
    /// Percent-decoded, `+` kept as a plus sign.
    key_plus: String,
    value_plus: String,
    /// Whether every percent escape decoded to UTF-8.
    utf8: bool,
}

/// Percent-decodes `s`; `plus_is_space` reads `+` as a space. Returns the
/// text (invalid UTF-8 replaced) and whether it was valid UTF-8.
fn percent_decode(s: &str, plus_is_space: bool) -> (String, bool) {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if b == b'+' && plus_is_space { b' ' } else { b });
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(text) => (text, true),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
    }
}

/// Go's `url.QueryEscape` (form encoding): unreserved characters kept,
/// space as `+`, everything else `%XX`.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// RFC 3986 encoding (space as `%20`).
fn percent_encode(s: &str) -> String {
    form_encode(s).replace('+', "%20")
}

/// The query part of a pasted URL or query string (`None` when a URL has
/// none). A fragment is dropped.
fn query_part(text: &str) -> Option<&str> {
    let text = text.trim();
    let text = text.split('#').next().unwrap_or("");
    if let Some((_, q)) = text.split_once('?') {
        return Some(q);
    }
    if text.contains("://") || text.starts_with('/') {
        return None;
    }
    Some(text)
}

fn parse_query(query: &str) -> Vec<QueryParam> {
    query
        .split('&')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (raw_key, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
            let (key, k_ok) = percent_decode(raw_key, true);
            let (value, v_ok) = percent_decode(raw_value, true);
            let (key_plus, _) = percent_decode(raw_key, false);
            let (value_plus, _) = percent_decode(raw_value, false);
            QueryParam {
                raw_key: raw_key.to_owned(),
                raw_value: raw_value.to_owned(),
                key,
                value,
                key_plus,
                value_plus,
                utf8: k_ok && v_ok,
            }
        })
        .collect()
}

/// Whether some key appears twice.
fn has_duplicates<'a>(keys: impl Iterator<Item = &'a str>) -> bool {
    let mut seen = std::collections::HashSet::new();
    keys.into_iter().any(|k| !seen.insert(k))
}

/// Keeps the first (or last) of every repeated key, in the original order.
fn dedupe(pairs: &[(String, String)], keep_last: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        match out.iter_mut().find(|(ok, _)| ok == k) {
            Some(existing) if keep_last => existing.1 = v.clone(),
            Some(_) => {}
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

fn refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Lower-case hex MD5 of `text`, through the core's legacy signer: with an
/// empty secret and one parameter whose key is the text and whose value is
/// empty, its canonical string is exactly `text`.
fn md5_hex(text: &str) -> String {
    legacy_sign("", &[(text, "")]).to_string()
}

/// `secret + k1 + v1 + … + secret` over the pairs in the order given.
fn joined_canonical(secret: &Secret, pairs: &[(String, String)]) -> String {
    let mut out = String::from(secret.expose());
    for (k, v) in pairs {
        out.push_str(k);
        out.push_str(v);
    }
    out.push_str(secret.expose());
    out
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

// ---------------------------------------------------------------------------
// Legacy requests
// ---------------------------------------------------------------------------

/// Diagnoses a pasted legacy request: a full URL or its query string.
pub fn diagnose_legacy(
    request: &str,
    secret: &Secret,
    now: DateTime<Utc>,
) -> Result<DebugReport, InputProblem> {
    if request.trim().is_empty() {
        return Err(InputProblem::Empty);
    }
    let query = query_part(request).ok_or(InputProblem::NoQuery)?;
    let all = parse_query(query);
    if all.is_empty() {
        return Err(InputProblem::NoQuery);
    }
    let is_sign = |p: &&QueryParam| p.key == "sign";
    let given = all
        .iter()
        .find(is_sign)
        .map(|p| p.value.trim().to_owned())
        .filter(|s| !s.is_empty());
    let params: Vec<&QueryParam> = all.iter().filter(|p| !is_sign(p)).collect();
    let decoded: Vec<(String, String)> = params
        .iter()
        .map(|p| (p.key.clone(), p.value.clone()))
        .collect();

    let pairs = refs(&decoded);
    let canonical = legacy_canonical(secret.expose(), &pairs);
    let ours = legacy_sign(secret.expose(), &pairs).to_string();
    let matches = given
        .as_deref()
        .is_some_and(|g| g.eq_ignore_ascii_case(&ours));

    let mut reasons = Vec::new();
    if given.is_none() {
        note(&mut reasons, DebugReason::SignMissing);
    }

    // The timestamp, whatever the signature says.
    let ts = params
        .iter()
        .find(|p| p.key == "ts")
        .map(|p| p.value.trim());
    let mut skew_secs = None;
    match ts {
        Some(ts) if ts.len() == 10 && ts.bytes().all(|b| b.is_ascii_digit()) => {
            let skew = ts.parse::<i64>().unwrap_or(0) - now.timestamp();
            skew_secs = Some(skew);
            if skew.abs() > LEGACY_WINDOW_SECS {
                note(&mut reasons, DebugReason::TimestampOutOfWindow);
            }
        }
        _ => note(&mut reasons, DebugReason::TimestampFormat),
    }

    // Structural problems that change what a server signs.
    if has_duplicates(decoded.iter().map(|(k, _)| k.as_str())) && !matches {
        note(&mut reasons, DebugReason::DuplicateKey);
    }
    if params.iter().any(|p| !p.utf8) && !matches {
        note(&mut reasons, DebugReason::Encoding);
    }

    // Re-sign under the usual mistakes; the first that reproduces the given
    // sign names the cause.
    if let (Some(g), false) = (given.as_deref(), matches) {
        let hit = |canonical: &str| md5_hex(canonical).eq_ignore_ascii_case(g);
        let candidates: Vec<(DebugReason, String)> = {
            let mut c = Vec::new();
            // Key order: as written, or sorted ignoring case.
            c.push((DebugReason::KeyOrder, joined_canonical(secret, &decoded)));
            // (A stable sort: keys equal ignoring case stay as written.)
            let mut folded = decoded.clone();
            folded.sort_by_key(|(k, _)| k.to_lowercase());
            c.push((DebugReason::KeyOrder, joined_canonical(secret, &folded)));
            // Repeated keys: only the first or the last one signed.
            for keep_last in [false, true] {
                let one = sorted(dedupe(&decoded, keep_last));
                c.push((DebugReason::DuplicateKey, joined_canonical(secret, &one)));
            }
            // Empty values dropped.
            let non_empty: Vec<_> = decoded
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .cloned()
                .collect();
            c.push((
                DebugReason::EmptyValue,
                joined_canonical(secret, &sorted(non_empty)),
            ));
            // Encodings: as written on the wire, `+` kept, form-encoded,
            // RFC 3986-encoded.
            let variants: [Vec<(String, String)>; 4] = [
                params
                    .iter()
                    .map(|p| (p.raw_key.clone(), p.raw_value.clone()))
                    .collect(),
                params
                    .iter()
                    .map(|p| (p.key_plus.clone(), p.value_plus.clone()))
                    .collect(),
                decoded
                    .iter()
                    .map(|(k, v)| (form_encode(k), form_encode(v)))
                    .collect(),
                decoded
                    .iter()
                    .map(|(k, v)| (percent_encode(k), percent_encode(v)))
                    .collect(),
            ];
            for v in variants {
                c.push((DebugReason::Encoding, joined_canonical(secret, &sorted(v))));
            }
            c
        };
        for (reason, candidate) in candidates {
            if candidate != canonical && hit(&candidate) {
                note(&mut reasons, reason);
                break;
            }
        }
        // An empty value is a likely suspect even when no variant hits.
        if decoded.iter().any(|(_, v)| v.is_empty())
            && !reasons.iter().any(|r| r.explains_mismatch())
        {
            note(&mut reasons, DebugReason::EmptyValue);
        }
    }
    conclude(&mut reasons, given.as_deref(), matches);

    Ok(DebugReport {
        kind: DebugKind::Legacy,
        canonical: masked(&canonical, secret),
        ours,
        given,
        matches,
        reasons,
        skew_secs,
        media: None,
    })
}

// ---------------------------------------------------------------------------
// Order callbacks
// ---------------------------------------------------------------------------

/// Top-level fields of a JSON object in source order, repeats kept.
struct OrderedFields(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for OrderedFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OrderedFields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<OrderedFields, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: Box<RawValue> = map.next_value()?;
                    out.push((key, value));
                }
                Ok(OrderedFields(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A field as the PHP SDK casts it (strings decoded, numbers as written,
/// true → "1", false/null → "", arrays/objects compact); `escaped` keeps a
/// string's JSON source text (escapes not decoded) instead.
fn field_text(raw: &RawValue, escaped: bool) -> String {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') if escaped => text[1..text.len() - 1].to_owned(),
        Some(b'"') => serde_json::from_str::<String>(text).unwrap_or_default(),
        Some(b't') => "1".to_owned(),
        Some(b'f') | Some(b'n') => String::new(),
        Some(b'[') | Some(b'{') => meituan_union::sign::minify_json(text),
        _ => text.to_owned(),
    }
}

/// Diagnoses a pasted order push body with the callback secret; `api_secret`
/// (optional) recognises a push signed with the API secret instead.
pub fn diagnose_callback(
    body: &str,
    secret: &Secret,
    api_secret: Option<&Secret>,
) -> Result<DebugReport, InputProblem> {
    let body = body.trim();
    if body.is_empty() {
        return Err(InputProblem::Empty);
    }
    let check = verify_callback(secret.expose(), body.as_bytes()).map_err(|e| match e {
        CallbackError::NotJson(_) => InputProblem::NotJson,
        CallbackError::NotAnObject => InputProblem::NotAnObject,
        CallbackError::BodyTooLarge { .. } => InputProblem::TooLarge,
    })?;
    let fields: OrderedFields = serde_json::from_str(body).map_err(|_| InputProblem::NotJson)?;
    // The core keeps the last of a repeated field; so does this.
    let given = fields
        .0
        .iter()
        .rev()
        .find(|(k, _)| k == "sign")
        .map(|(_, v)| match v.get().starts_with('"') {
            true => field_text(v, false),
            false => v.get().to_owned(),
        })
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let matches = check.valid;
    let ours = check.expected_sign.clone();

    let mut reasons = Vec::new();
    if given.is_none() {
        note(&mut reasons, DebugReason::SignMissing);
    }
    let unsigned: Vec<&(String, Box<RawValue>)> =
        fields.0.iter().filter(|(k, _)| k != "sign").collect();
    let texts = |escaped: bool| -> Vec<(String, String)> {
        unsigned
            .iter()
            .map(|(k, v)| (k.clone(), field_text(v, escaped)))
            .collect()
    };
    let decoded = texts(false);
    if has_duplicates(decoded.iter().map(|(k, _)| k.as_str())) && !matches {
        note(&mut reasons, DebugReason::DuplicateKey);
    }

    if let (Some(g), false) = (given.as_deref(), matches) {
        let hit = |canonical: &str| md5_hex(canonical).eq_ignore_ascii_case(g);
        let last_wins = sorted(dedupe(&decoded, true));
        let mut candidates: Vec<(DebugReason, String)> = Vec::new();
        if let Some(api) = api_secret {
            if let Ok(other) = verify_callback(api.expose(), body.as_bytes()) {
                candidates.push((DebugReason::ApiSecretUsed, other.canonical.clone()));
            }
            let non_empty: Vec<_> = last_wins
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .cloned()
                .collect();
            candidates.push((
                DebugReason::ApiSecretUsed,
                joined_canonical(api, &non_empty),
            ));
        }
        candidates.push((DebugReason::KeyOrder, joined_canonical(secret, &decoded)));
        let mut folded = dedupe(&decoded, true);
        folded.sort_by_key(|(k, _)| k.to_lowercase());
        candidates.push((DebugReason::KeyOrder, joined_canonical(secret, &folded)));
        candidates.push((
            DebugReason::DuplicateKey,
            joined_canonical(secret, &sorted(dedupe(&decoded, false))),
        ));
        let non_empty: Vec<_> = last_wins
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .cloned()
            .collect();
        candidates.push((
            DebugReason::EmptyValue,
            joined_canonical(secret, &non_empty),
        ));
        candidates.push((
            DebugReason::Encoding,
            joined_canonical(secret, &sorted(dedupe(&texts(true), true))),
        ));
        for (reason, candidate) in candidates {
            if candidate != check.canonical && hit(&candidate) {
                note(&mut reasons, reason);
                break;
            }
        }
    }
    conclude(&mut reasons, given.as_deref(), matches);

    Ok(DebugReport {
        kind: DebugKind::Callback,
        canonical: masked(&check.canonical, secret),
        ours,
        given,
        matches,
        reasons,
        skew_secs: None,
        media: None,
    })
}

// ---------------------------------------------------------------------------
// Media requests
// ---------------------------------------------------------------------------

const APP_HEADER: &str = "S-Ca-App";
const TIMESTAMP_HEADER: &str = "S-Ca-Timestamp";
const SIGNATURE_HEADER: &str = "S-Ca-Signature";
const SIGNATURE_HEADERS_HEADER: &str = "S-Ca-Signature-Headers";
const CONTENT_MD5_HEADER: &str = "Content-MD5";

/// A pasted media request, field by field.
#[derive(Debug, Clone, Copy)]
pub struct MediaPaste<'a> {
    /// `POST` when empty.
    pub method: &'a str,
    /// The path, or a full URL; may carry the query after `?`.
    pub path: &'a str,
    /// `k=v&…` (a leading `?` is fine); used when `path` has no query.
    pub query: &'a str,
    /// One `Name: value` per line.
    pub headers: &'a str,
    /// The exact body text (ignored for GET).
    pub body: &'a str,
}

fn parse_headers(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            let name = name.trim();
            (!name.is_empty()).then(|| (name.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// HMAC-SHA256 of `message`, base64 (RFC 2104 over `sha2`).
fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    block.fill(0);
    BASE64.encode(outer)
}

/// The S-Ca string-to-sign with every part given (headers and query in the
/// order given), for re-signing under a variant.
fn media_string(
    method: &str,
    md5: &str,
    headers: &[(String, String)],
    path: &str,
    query: &[(String, String)],
    bare_empty: bool,
) -> String {
    let mut s = format!("{method}\n{md5}\n");
    for (n, v) in headers {
        s.push_str(&format!("{n}:{v}\n"));
    }
    s.push_str(path);
    for (i, (k, v)) in query.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(k);
        if !(v.is_empty() && bare_empty) {
            s.push('=');
            s.push_str(v);
        }
    }
    s
}

/// Diagnoses a pasted media request.
pub fn diagnose_media(
    paste: &MediaPaste,
    secret: &Secret,
    now: DateTime<Utc>,
) -> Result<DebugReport, InputProblem> {
    let headers = parse_headers(paste.headers);
    let mut method = paste.method.trim().to_ascii_uppercase();
    if method.is_empty() {
        method = "POST".to_owned();
    }
    // Path: a full URL loses its scheme and host; a query after `?` wins
    // over the query field.
    let mut path = paste.path.trim();
    if let Some((_, rest)) = path.split_once("://") {
        path = rest.find('/').map_or("/", |i| &rest[i..]);
    }
    let path = path.split('#').next().unwrap_or("");
    let (path, query_text) = match path.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path, paste.query.trim().trim_start_matches('?')),
    };
    if path.is_empty() {
        return Err(InputProblem::MissingPath);
    }
    let app_key = header(&headers, APP_HEADER)
        .filter(|v| !v.is_empty())
        .ok_or(InputProblem::MissingAppKey)?;
    let timestamp = header(&headers, TIMESTAMP_HEADER).unwrap_or("");
    let given = header(&headers, SIGNATURE_HEADER)
        .map(str::to_owned)
        .filter(|s| !s.is_empty());
    let given_list = header(&headers, SIGNATURE_HEADERS_HEADER).map(str::to_owned);
    let given_md5 = header(&headers, CONTENT_MD5_HEADER).map(str::to_owned);

    let query = parse_query(query_text);
    let decoded: Vec<(String, String)> = query
        .iter()
        .map(|p| (p.key.clone(), p.value.clone()))
        .collect();
    let body = (method != "GET").then_some(paste.body.as_bytes());

    // The headers the signature covers: the given list, or the default.
    let list: Vec<String> = match &given_list {
        Some(l) => l
            .split(',')
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect(),
        None => vec![APP_HEADER.to_owned(), TIMESTAMP_HEADER.to_owned()],
    };
    let lists = |name: &str| list.iter().any(|n| n.eq_ignore_ascii_case(name));
    let extra: Vec<(String, String)> = list
        .iter()
        .filter(|n| {
            !n.eq_ignore_ascii_case(APP_HEADER) && !n.eq_ignore_ascii_case(TIMESTAMP_HEADER)
        })
        .map(|n| (n.clone(), header(&headers, n).unwrap_or("").to_owned()))
        .collect();

    let query_refs = refs(&decoded);
    let extra_refs = refs(&extra);
    let core = media_sign_listing(
        secret.expose(),
        &MediaRequestParts {
            method: &method,
            path,
            query: Some(&query_refs),
            body,
            app_key,
            timestamp_ms: timestamp,
            extra_signed_headers: &extra_refs,
        },
        lists(APP_HEADER),
    );
    let ours_md5 = core.content_md5.clone();
    // The signed headers in signing order, with their values.
    let value_of = |n: &str| -> String {
        if n.eq_ignore_ascii_case(APP_HEADER) {
            app_key.to_owned()
        } else if n.eq_ignore_ascii_case(TIMESTAMP_HEADER) {
            timestamp.to_owned()
        } else {
            header(&headers, n).unwrap_or("").to_owned()
        }
    };
    let (string_to_sign, ours, signature_headers, signed) = if lists(TIMESTAMP_HEADER) {
        let signed: Vec<(String, String)> = core
            .signature_headers
            .split(',')
            .map(|n| (n.to_owned(), value_of(n)))
            .collect();
        (
            core.string_to_sign,
            core.signature,
            core.signature_headers,
            signed,
        )
    } else {
        // A list without the timestamp: sign what it lists, as a server
        // reading the list would, and say the list is wrong.
        let mut signed: Vec<(String, String)> =
            list.iter().map(|n| (n.clone(), value_of(n))).collect();
        signed.sort();
        let mut q = decoded.clone();
        q.sort();
        let sts = media_string(&method, &ours_md5, &signed, path, &q, true);
        let sig = hmac_sha256_base64(secret.expose().as_bytes(), sts.as_bytes());
        let names = signed
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(",");
        (sts, sig, names, signed)
    };
    let matches = given.as_deref() == Some(ours.as_str());

    let mut reasons = Vec::new();
    if given.is_none() {
        note(&mut reasons, DebugReason::SignMissing);
    }
    if !lists(TIMESTAMP_HEADER) {
        note(&mut reasons, DebugReason::SignatureHeadersMissingTimestamp);
    }
    let mut skew_secs = None;
    if timestamp.len() == 13 && timestamp.bytes().all(|b| b.is_ascii_digit()) {
        let skew_ms = timestamp.parse::<i64>().unwrap_or(0) - now.timestamp_millis();
        skew_secs = Some(skew_ms / 1000);
        if skew_ms.abs() > MEDIA_WINDOW_MS {
            note(&mut reasons, DebugReason::TimestampOutOfWindow);
        }
    } else {
        note(&mut reasons, DebugReason::TimestampFormat);
    }
    let md5_differs = given_md5
        .as_deref()
        .is_some_and(|g| !g.is_empty() && g != ours_md5);
    if md5_differs {
        note(&mut reasons, DebugReason::ContentMd5Mismatch);
    }
    if query.iter().any(|p| !p.utf8) && !matches {
        note(&mut reasons, DebugReason::Encoding);
    }
    if has_duplicates(decoded.iter().map(|(k, _)| k.as_str())) && !matches {
        note(&mut reasons, DebugReason::DuplicateKey);
    }

    if let (Some(g), false) = (given.as_deref(), matches) {
        let key = secret.expose().as_bytes();
        let q_sorted = sorted(decoded.clone());
        let sts = |md5: &str, h: &[(String, String)], q: &[(String, String)], bare: bool| {
            media_string(&method, md5, h, path, q, bare)
        };
        let mut candidates: Vec<(DebugReason, String)> = Vec::new();
        // Content-MD5: the header's value (the body changed after signing),
        // or none at all for an empty body.
        if let Some(m) = given_md5.as_deref().filter(|m| *m != ours_md5) {
            candidates.push((
                DebugReason::ContentMd5Mismatch,
                sts(m, &signed, &q_sorted, true),
            ));
        }
        if !ours_md5.is_empty() {
            candidates.push((
                DebugReason::ContentMd5Mismatch,
                sts("", &signed, &q_sorted, true),
            ));
        }
        // Key order: headers sorted ignoring case, query as written.
        let mut folded = signed.clone();
        folded.sort_by_key(|(n, _)| n.to_lowercase());
        candidates.push((
            DebugReason::KeyOrder,
            sts(&ours_md5, &folded, &q_sorted, true),
        ));
        candidates.push((
            DebugReason::KeyOrder,
            sts(&ours_md5, &signed, &decoded, true),
        ));
        // Empty query values as `k=` or dropped.
        candidates.push((
            DebugReason::EmptyValue,
            sts(&ours_md5, &signed, &q_sorted, false),
        ));
        let non_empty: Vec<_> = q_sorted
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .cloned()
            .collect();
        candidates.push((
            DebugReason::EmptyValue,
            sts(&ours_md5, &signed, &non_empty, true),
        ));
        // Query values encoded: as written on the wire, or form-encoded.
        let raw: Vec<_> = query
            .iter()
            .map(|p| (p.raw_key.clone(), p.raw_value.clone()))
            .collect();
        candidates.push((
            DebugReason::Encoding,
            sts(&ours_md5, &signed, &sorted(raw), true),
        ));
        let encoded: Vec<_> = decoded
            .iter()
            .map(|(k, v)| (k.clone(), form_encode(v)))
            .collect();
        candidates.push((
            DebugReason::Encoding,
            sts(&ours_md5, &signed, &sorted(encoded), true),
        ));
        // Repeated query keys: the first or the last one signed.
        for keep_last in [false, true] {
            candidates.push((
                DebugReason::DuplicateKey,
                sts(
                    &ours_md5,
                    &signed,
                    &sorted(dedupe(&decoded, keep_last)),
                    true,
                ),
            ));
        }
        for (reason, candidate) in candidates {
            if candidate != string_to_sign && hmac_sha256_base64(key, candidate.as_bytes()) == g {
                note(&mut reasons, reason);
                break;
            }
        }
    }
    conclude(&mut reasons, given.as_deref(), matches);

    Ok(DebugReport {
        kind: DebugKind::Media,
        canonical: masked_anywhere(&string_to_sign, secret),
        ours,
        given,
        matches,
        reasons,
        skew_secs,
        media: Some(MediaDetails {
            content_md5: ours_md5,
            given_content_md5: given_md5,
            signature_headers,
            given_signature_headers: given_list,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{Endpoint, Generation, NewProfile, Tier};
    use crate::secrets::vault::MemoryVault;
    use crate::ManualClock;
    use chrono::TimeZone;
    use serde_json::Value;

    const LEGACY_SECRET: &str = "0123456789abcdef0123456789abcdef";
    const CALLBACK_SECRET: &str = "fedcba9876543210fedcba9876543210";
    use DebugReason::*;

    fn vector(id: &str) -> Value {
        let all: Value =
            serde_json::from_str(include_str!("../../meituan-union/tests/data/vectors.json"))
                .unwrap();
        all["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
            .unwrap_or_else(|| panic!("vector {id}"))
            .clone()
    }

    fn sdk_result(v: &Value, model_prefix: &str) -> String {
        v["sdk_results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"].as_str().unwrap().starts_with(model_prefix))
            .unwrap_or_else(|| panic!("sdk result {model_prefix}"))["result"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    fn secret(s: &str) -> Secret {
        Secret::from(s)
    }

    fn at_secs(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    /// Every report must be free of the secret once serialized (what IPC
    /// sends).
    fn assert_no_secret(report: &DebugReport, secrets: &[&str]) {
        let json = serde_json::to_string(report).unwrap();
        for s in secrets {
            assert!(!json.contains(s), "secret leaked: {json}");
        }
    }

    /// The wire query of a legacy vector's params, with `sign` as given.
    fn legacy_url(params: &Value, sign: Option<&str>) -> String {
        let mut q: Vec<String> = params
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(&text(v))))
            .collect();
        if let Some(sign) = sign {
            q.push(format!("sign={sign}"));
        }
        format!("https://openapi.meituan.com/api/orderList?{}", q.join("&"))
    }

    fn legacy(id: &str, sign: Option<&str>, now: i64) -> DebugReport {
        let v = vector(id);
        let url = legacy_url(&v["inputs"]["params"], sign);
        let report = diagnose_legacy(&url, &secret(LEGACY_SECRET), at_secs(now)).unwrap();
        assert_no_secret(&report, &[LEGACY_SECRET]);
        report
    }

    fn reference_sign(id: &str) -> String {
        vector(id)["reference"]["sign"].as_str().unwrap().to_owned()
    }

    const TS: i64 = 1_700_000_000;

    #[test]
    fn legacy_known_good_vectors_match_with_the_secret_masked() {
        for id in ["L01", "L02", "L04", "L06", "L08", "L09"] {
            let v = vector(id);
            let sign = reference_sign(id);
            let r = legacy(id, Some(&sign), TS);
            assert!(r.matches, "{id}: {r:?}");
            assert_eq!(r.ours, sign, "{id}");
            assert_eq!(r.reasons, vec![], "{id}");
            let reference = v["reference"]["canonical_string"].as_str().unwrap();
            let middle = &reference[LEGACY_SECRET.len()..reference.len() - LEGACY_SECRET.len()];
            assert_eq!(r.canonical, format!("<secret>{middle}<secret>"), "{id}");
            assert_eq!(r.skew_secs, Some(0));
        }
        // Just the query string, and an upper-case sign, work as well.
        let v = vector("L01");
        let url = legacy_url(
            &v["inputs"]["params"],
            Some(&reference_sign("L01").to_uppercase()),
        );
        let query = url.split_once('?').unwrap().1;
        let r = diagnose_legacy(query, &secret(LEGACY_SECRET), at_secs(TS)).unwrap();
        assert!(r.matches);
    }

    #[test]
    fn legacy_empty_value_dropped_by_the_client() {
        let v = vector("L03");
        let dropped = sdk_result(&v, "raw values, empty dropped");
        let r = legacy("L03", Some(&dropped), TS);
        assert!(!r.matches);
        assert_eq!(r.reasons, vec![EmptyValue]);
        // The reference sign of the same request matches.
        assert!(legacy("L03", Some(&reference_sign("L03")), TS).matches);
    }

    #[test]
    fn legacy_case_insensitive_key_order() {
        let v = vector("L04");
        let folded = sdk_result(&v, "case-insensitive key sort");
        let r = legacy("L04", Some(&folded), TS);
        assert_eq!(r.reasons, vec![KeyOrder]);
    }

    #[test]
    fn legacy_keys_signed_in_the_order_written() {
        let s = secret(LEGACY_SECRET);
        let as_written = md5_hex(&format!("{LEGACY_SECRET}ts1700000000b2a1{LEGACY_SECRET}"));
        let url = format!("ts=1700000000&b=2&a=1&sign={as_written}");
        let r = diagnose_legacy(&url, &s, at_secs(TS)).unwrap();
        assert_eq!(r.reasons, vec![KeyOrder]);
    }

    #[test]
    fn legacy_form_encoded_values_are_an_encoding_problem() {
        for id in ["L02", "L06", "L08"] {
            let v = vector(id);
            let encoded = sdk_result(&v, "form-encoded values");
            let r = legacy(id, Some(&encoded), TS);
            assert_eq!(r.reasons, vec![Encoding], "{id}");
        }
    }

    #[test]
    fn legacy_plus_read_as_plus_instead_of_space() {
        // The client sent `sid=a+b` unencoded and signed "a+b"; a server
        // reads the plus as a space.
        let s = secret(LEGACY_SECRET);
        let signed_plus = legacy_sign(LEGACY_SECRET, &[("ts", "1700000000"), ("sid", "a+b")]);
        let url = format!("ts=1700000000&sid=a+b&sign={signed_plus}");
        let r = diagnose_legacy(&url, &s, at_secs(TS)).unwrap();
        assert!(r.canonical.contains("sida b"), "{}", r.canonical);
        assert_eq!(r.reasons, vec![Encoding]);
    }

    #[test]
    fn legacy_non_utf8_escapes_are_an_encoding_problem() {
        // 啊 in GBK.
        let url = "ts=1700000000&sid=%B0%A1&sign=00000000000000000000000000000000";
        let r = diagnose_legacy(url, &secret(LEGACY_SECRET), at_secs(TS)).unwrap();
        assert_eq!(r.reasons, vec![Encoding]);
    }

    #[test]
    fn legacy_duplicate_keys() {
        let first_only = legacy_sign(LEGACY_SECRET, &[("ts", "1700000000"), ("actId", "33")]);
        let url = format!("ts=1700000000&actId=33&actId=34&sign={first_only}");
        let r = diagnose_legacy(&url, &secret(LEGACY_SECRET), at_secs(TS)).unwrap();
        assert!(!r.matches);
        assert_eq!(r.reasons, vec![DuplicateKey]);
    }

    #[test]
    fn legacy_timestamp_window_and_format() {
        let sign = reference_sign("L01");
        // ±60 s is fine, 61 s is not; the signature itself still matches.
        assert_eq!(legacy("L01", Some(&sign), TS + 60).reasons, vec![]);
        assert_eq!(legacy("L01", Some(&sign), TS - 60).reasons, vec![]);
        let late = legacy("L01", Some(&sign), TS + 61);
        assert!(late.matches);
        assert_eq!(late.reasons, vec![TimestampOutOfWindow]);
        assert_eq!(late.skew_secs, Some(-61));
        // Milliseconds instead of seconds, or no ts at all.
        let ms = legacy_sign(LEGACY_SECRET, &[("ts", "1700000000000"), ("a", "1")]);
        let r = diagnose_legacy(
            &format!("ts=1700000000000&a=1&sign={ms}"),
            &secret(LEGACY_SECRET),
            at_secs(TS),
        )
        .unwrap();
        assert!(r.matches);
        assert_eq!(r.reasons, vec![TimestampFormat]);
        let none = legacy_sign(LEGACY_SECRET, &[("a", "1")]);
        let r = diagnose_legacy(
            &format!("a=1&sign={none}"),
            &secret(LEGACY_SECRET),
            at_secs(TS),
        )
        .unwrap();
        assert_eq!(r.reasons, vec![TimestampFormat]);
    }

    #[test]
    fn legacy_different_secret_when_nothing_else_explains() {
        let other = legacy_sign(
            "another-secret-another-secret-00",
            &[("ts", "1700000000"), ("a", "1")],
        );
        let r = diagnose_legacy(
            &format!("ts=1700000000&a=1&sign={other}"),
            &secret(LEGACY_SECRET),
            at_secs(TS),
        )
        .unwrap();
        assert!(!r.matches);
        assert_eq!(r.given.as_deref(), Some(other.as_str()));
        assert_eq!(r.reasons, vec![DifferentSecret]);
        // A late timestamp does not explain a wrong signature.
        let r = diagnose_legacy(
            &format!("ts=1700000000&a=1&sign={other}"),
            &secret(LEGACY_SECRET),
            at_secs(TS + 3600),
        )
        .unwrap();
        assert_eq!(r.reasons, vec![TimestampOutOfWindow, DifferentSecret]);
    }

    #[test]
    fn legacy_without_sign_shows_ours() {
        let r = legacy("L01", None, TS);
        assert_eq!(r.given, None);
        assert!(!r.matches);
        assert_eq!(r.ours, reference_sign("L01"));
        assert_eq!(r.reasons, vec![SignMissing]);
    }

    #[test]
    fn unreadable_inputs_are_named() {
        let s = secret(LEGACY_SECRET);
        let now = at_secs(TS);
        assert_eq!(diagnose_legacy("  ", &s, now), Err(InputProblem::Empty));
        assert_eq!(
            diagnose_legacy("https://openapi.meituan.com/api/orderList", &s, now),
            Err(InputProblem::NoQuery)
        );
        assert_eq!(diagnose_callback("", &s, None), Err(InputProblem::Empty));
        assert_eq!(
            diagnose_callback("{nope", &s, None),
            Err(InputProblem::NotJson)
        );
        assert_eq!(
            diagnose_callback("[1]", &s, None),
            Err(InputProblem::NotAnObject)
        );
        let paste = MediaPaste {
            method: "POST",
            path: "/cps_open/x",
            query: "",
            headers: "S-Ca-Timestamp: 1700000000000",
            body: "{}",
        };
        assert_eq!(
            diagnose_media(&paste, &s, now),
            Err(InputProblem::MissingAppKey)
        );
        let paste = MediaPaste {
            path: " ",
            headers: "S-Ca-App: k",
            ..paste
        };
        assert_eq!(
            diagnose_media(&paste, &s, now),
            Err(InputProblem::MissingPath)
        );
    }

    #[test]
    fn masking_hides_the_secret_everywhere() {
        let s = secret("sek-123456");
        let canonical = legacy_canonical("sek-123456", &[("a", "sek-123456")]);
        assert_eq!(masked(&canonical, &s), "<secret>a<secret><secret>");
        assert_eq!(masked("unrelated", &s), "<redacted>");
    }

    // -- callbacks --------------------------------------------------------

    fn callback_body(id: &str) -> String {
        vector(id)["inputs"]["raw_body"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn with_sign(body: &str, old: &str, new: &str) -> String {
        assert!(body.contains(old));
        body.replace(old, new)
    }

    #[test]
    fn callback_known_good_vectors_match() {
        for id in ["C01", "C02", "C03", "C04", "C05"] {
            let v = vector(id);
            let r = diagnose_callback(
                &callback_body(id),
                &secret(CALLBACK_SECRET),
                Some(&secret(LEGACY_SECRET)),
            )
            .unwrap();
            assert!(r.matches, "{id}: {r:?}");
            assert_eq!(r.reasons, vec![], "{id}");
            let reference = v["reference"]["canonical_string"].as_str().unwrap();
            let middle = &reference[CALLBACK_SECRET.len()..reference.len() - CALLBACK_SECRET.len()];
            assert_eq!(r.canonical, format!("<secret>{middle}<secret>"), "{id}");
            assert_no_secret(&r, &[CALLBACK_SECRET, LEGACY_SECRET]);
        }
    }

    #[test]
    fn callback_signed_with_the_api_secret() {
        let v = vector("C01");
        let wrong = sdk_result(&v, "API secret used");
        let body = with_sign(&callback_body("C01"), &reference_sign("C01"), &wrong);
        let with_api = diagnose_callback(
            &body,
            &secret(CALLBACK_SECRET),
            Some(&secret(LEGACY_SECRET)),
        )
        .unwrap();
        assert_eq!(with_api.reasons, vec![ApiSecretUsed]);
        assert_no_secret(&with_api, &[CALLBACK_SECRET, LEGACY_SECRET]);
        // Without the API secret to try, it can only be "another secret".
        let without = diagnose_callback(&body, &secret(CALLBACK_SECRET), None).unwrap();
        assert_eq!(without.reasons, vec![DifferentSecret]);
    }

    #[test]
    fn callback_empty_values_dropped() {
        for id in ["C01", "C03", "C05"] {
            let v = vector(id);
            let dropped = sdk_result(&v, "empty values dropped");
            let body = with_sign(&callback_body(id), &reference_sign(id), &dropped);
            let r = diagnose_callback(&body, &secret(CALLBACK_SECRET), None).unwrap();
            assert_eq!(r.reasons, vec![EmptyValue], "{id}");
        }
    }

    #[test]
    fn callback_key_order_duplicates_and_escapes() {
        let s = secret(CALLBACK_SECRET);
        let md5 = |middle: &str| md5_hex(&format!("{CALLBACK_SECRET}{middle}{CALLBACK_SECRET}"));
        let body = format!(r#"{{"b":"2","a":"1","sign":"{}"}}"#, md5("b2a1"));
        assert_eq!(
            diagnose_callback(&body, &s, None).unwrap().reasons,
            vec![KeyOrder]
        );
        let body = format!(r#"{{"a":"1","a":"2","sign":"{}"}}"#, md5("a1"));
        assert_eq!(
            diagnose_callback(&body, &s, None).unwrap().reasons,
            vec![DuplicateKey]
        );
        let body = format!(r#"{{"sid":"u\u00e9","sign":"{}"}}"#, md5(r"sidu\u00e9"));
        let r = diagnose_callback(&body, &s, None).unwrap();
        assert!(r.canonical.contains("sidué"), "{}", r.canonical);
        assert_eq!(r.reasons, vec![Encoding]);
        let body = r#"{"a":"1"}"#;
        assert_eq!(
            diagnose_callback(body, &s, None).unwrap().reasons,
            vec![SignMissing]
        );
    }

    // -- media ------------------------------------------------------------

    /// A media vector as pasted: headers from the reference, the query
    /// percent-encoded, the body as is.
    fn media_paste(id: &str) -> (String, String, String, String, String) {
        let v = vector(id);
        let i = &v["inputs"];
        let r = &v["reference"];
        let mut headers = format!(
            "S-Ca-App: {}\nS-Ca-Timestamp: {}\nS-Ca-Signature: {}\nS-Ca-Signature-Headers: {}\n",
            i["app_key"].as_str().unwrap(),
            i["S-Ca-Timestamp"].as_str().unwrap(),
            r["S-Ca-Signature"].as_str().unwrap(),
            r["S-Ca-Signature-Headers"].as_str().unwrap(),
        );
        let md5 = r["Content-MD5"].as_str().unwrap();
        if !md5.is_empty() {
            headers.push_str(&format!("Content-MD5: {md5}\n"));
        }
        for (k, v) in i["extra_headers"].as_object().unwrap() {
            headers.push_str(&format!("{k}: {}\n", v.as_str().unwrap()));
        }
        let query = match &i["query"] {
            Value::Object(q) => q
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(&text(v))))
                .collect::<Vec<_>>()
                .join("&"),
            _ => String::new(),
        };
        (
            i["method"].as_str().unwrap().to_owned(),
            i["path"].as_str().unwrap().to_owned(),
            query,
            headers,
            i["body_utf8"].as_str().unwrap_or("").to_owned(),
        )
    }

    fn media_secret(id: &str) -> Secret {
        secret(vector(id)["inputs"]["app_secret"].as_str().unwrap())
    }

    fn media_now(id: &str) -> DateTime<Utc> {
        let ts: i64 = vector(id)["inputs"]["S-Ca-Timestamp"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        Utc.timestamp_millis_opt(ts).unwrap()
    }

    fn media(
        id: &str,
        edit: impl FnOnce(&mut (String, String, String, String, String)),
    ) -> DebugReport {
        let mut p = media_paste(id);
        edit(&mut p);
        let paste = MediaPaste {
            method: &p.0,
            path: &p.1,
            query: &p.2,
            headers: &p.3,
            body: &p.4,
        };
        let s = media_secret(id);
        let r = diagnose_media(&paste, &s, media_now(id)).unwrap();
        assert_no_secret(&r, &[s.expose()]);
        r
    }

    #[test]
    fn media_known_good_vectors_match() {
        for id in ["M01", "M02", "M03", "M04", "M05", "M06", "M07"] {
            let v = vector(id);
            let r = media(id, |_| {});
            assert!(r.matches, "{id}: {r:?}");
            assert_eq!(r.reasons, vec![], "{id}");
            assert_eq!(
                r.canonical,
                v["reference"]["string_to_sign"].as_str().unwrap(),
                "{id}"
            );
            let m = r.media.unwrap();
            assert_eq!(
                m.content_md5,
                v["reference"]["Content-MD5"].as_str().unwrap()
            );
            assert_eq!(
                m.signature_headers,
                v["reference"]["S-Ca-Signature-Headers"].as_str().unwrap()
            );
        }
        // A full URL in the path field, with its query, works too.
        let r = media("M04", |p| {
            p.1 = format!("https://media.meituan.com{}?{}", p.1, p.2);
            p.2 = String::new();
        });
        assert!(r.matches, "{r:?}");
    }

    #[test]
    fn own_hmac_agrees_with_the_core() {
        for id in ["M01", "M05"] {
            let v = vector(id);
            let sts = v["reference"]["string_to_sign"].as_str().unwrap();
            assert_eq!(
                hmac_sha256_base64(media_secret(id).expose().as_bytes(), sts.as_bytes()),
                v["reference"]["S-Ca-Signature"].as_str().unwrap()
            );
        }
        // Keys longer than a block are hashed first (RFC 4231 case 6).
        let long = [0xaau8; 131];
        assert_eq!(
            hmac_sha256_base64(
                &long,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            BASE64.encode([
                0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f, 0x0d, 0x8a, 0x26, 0xaa, 0xcb, 0xf5,
                0xb7, 0x7f, 0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14, 0x05, 0x46, 0x04, 0x0f,
                0x0e, 0xe3, 0x7f, 0x54
            ])
        );
    }

    fn set_header(headers: &str, name: &str, value: Option<&str>) -> String {
        let mut out: String = headers
            .lines()
            .filter(|l| {
                !l.to_lowercase()
                    .starts_with(&format!("{}:", name.to_lowercase()))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        if let Some(v) = value {
            out.push_str(&format!("{name}: {v}\n"));
        }
        out
    }

    #[test]
    fn media_no_content_md5_for_an_empty_body() {
        let v = vector("M06");
        let sig = sdk_result(&v, "no Content-MD5");
        let r = media("M06", |p| {
            p.3 = set_header(&p.3, "S-Ca-Signature", Some(&sig));
            p.3 = set_header(&p.3, "Content-MD5", None);
        });
        assert_eq!(r.reasons, vec![ContentMd5Mismatch]);
    }

    #[test]
    fn media_body_changed_after_signing() {
        // The header and the signature belong to the compact body; the body
        // pasted was re-serialized with spaces.
        let r = media("M02", |p| p.4 = p.4.replace(",", ", "));
        assert!(!r.matches);
        assert_eq!(r.reasons, vec![ContentMd5Mismatch]);
        let m = r.media.unwrap();
        assert_ne!(m.given_content_md5.as_deref(), Some(m.content_md5.as_str()));
    }

    #[test]
    fn media_case_insensitive_header_order() {
        let v = vector("M05");
        let sig = sdk_result(&v, "case-insensitive header sort");
        let r = media("M05", |p| {
            p.3 = set_header(&p.3, "S-Ca-Signature", Some(&sig))
        });
        assert_eq!(r.reasons, vec![KeyOrder]);
    }

    #[test]
    fn media_escaped_query_values() {
        let v = vector("M04");
        let sig = sdk_result(&v, "query values url.QueryEscape");
        let r = media("M04", |p| {
            p.3 = set_header(&p.3, "S-Ca-Signature", Some(&sig))
        });
        assert_eq!(r.reasons, vec![Encoding]);
    }

    #[test]
    fn media_empty_query_value_written_as_key_equals() {
        let v = vector("M04");
        let sts = v["reference"]["string_to_sign"]
            .as_str()
            .unwrap()
            .replace("?empty&", "?empty=&");
        let sig = hmac_sha256_base64(media_secret("M04").expose().as_bytes(), sts.as_bytes());
        let r = media("M04", |p| {
            p.3 = set_header(&p.3, "S-Ca-Signature", Some(&sig))
        });
        assert_eq!(r.reasons, vec![EmptyValue]);
    }

    #[test]
    fn media_signature_headers_without_the_timestamp() {
        let v = vector("M01");
        let sts = "POST\nfZoSpUUECIApXyXOe+dCoA==\nS-Ca-App:test-app\n/cps_open/common/api/v1/query_order";
        let sig = hmac_sha256_base64(b"test-secret", sts.as_bytes());
        let r = media("M01", |p| {
            p.3 = set_header(&p.3, "S-Ca-Signature-Headers", Some("S-Ca-App"));
            p.3 = set_header(&p.3, "S-Ca-Signature", Some(&sig));
        });
        assert!(r.matches, "{r:?}");
        assert_eq!(r.canonical, sts);
        assert_eq!(r.reasons, vec![SignatureHeadersMissingTimestamp]);
        assert_ne!(r.ours, v["reference"]["S-Ca-Signature"].as_str().unwrap());
    }

    #[test]
    fn media_timestamp_window_and_format() {
        let ok = media("M07", |_| {});
        assert_eq!(ok.skew_secs, Some(0));
        let s = media_secret("M07");
        let mut p = media_paste("M07");
        let paste = |p: &(String, String, String, String, String)| {
            (
                p.0.clone(),
                p.1.clone(),
                p.2.clone(),
                p.3.clone(),
                p.4.clone(),
            )
        };
        let run = |p: &(String, String, String, String, String), now: DateTime<Utc>| {
            diagnose_media(
                &MediaPaste {
                    method: &p.0,
                    path: &p.1,
                    query: &p.2,
                    headers: &p.3,
                    body: &p.4,
                },
                &s,
                now,
            )
            .unwrap()
        };
        let now = media_now("M07");
        let copy = paste(&p);
        assert_eq!(
            run(&copy, now + chrono::Duration::seconds(120)).reasons,
            vec![]
        );
        let late = run(&copy, now + chrono::Duration::seconds(121));
        assert!(late.matches);
        assert_eq!(late.reasons, vec![TimestampOutOfWindow]);
        // Seconds instead of milliseconds (the signature is then ours over
        // that text, so it is not a signature problem).
        p.3 = set_header(&p.3, "S-Ca-Timestamp", Some("1700000000"));
        let r = run(&p, now);
        assert_eq!(r.reasons, vec![TimestampFormat, DifferentSecret]);
    }

    #[test]
    fn media_different_secret() {
        let r = media("M07", |p| {
            p.3 = set_header(
                &p.3,
                "S-Ca-Signature",
                Some("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo9PT0="),
            )
        });
        assert_eq!(r.reasons, vec![DifferentSecret]);
        assert_eq!(
            r.ours,
            vector("M07")["reference"]["S-Ca-Signature"]
                .as_str()
                .unwrap()
        );
    }

    // -- the profile's secret ---------------------------------------------

    #[test]
    fn check_uses_the_profiles_secret_and_says_when_there_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let vault = MemoryVault::new();
        let clock = ManualClock::new(at_secs(TS));
        let p = profiles::create(
            &store,
            &vault,
            &clock,
            NewProfile {
                name: "主账号".into(),
                appkey: "5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c".into(),
                generation: Generation::Legacy,
                endpoint: Endpoint::Meituan,
                tier: Tier::T2000,
                api_secret: Some(secret(LEGACY_SECRET)),
                callback_secret: None,
            },
        )
        .unwrap();
        let url = legacy_url(
            &vector("L01")["inputs"]["params"],
            Some(&reference_sign("L01")),
        );
        let got = check(
            &store,
            &vault,
            &clock,
            &p.id,
            &DebugInput::Legacy { request: url },
        )
        .unwrap();
        let DebugCheck::Checked { report } = &got else {
            panic!("{got:?}")
        };
        assert!(report.matches);
        let json = serde_json::to_string(&got).unwrap();
        assert!(json.contains(r#""status":"checked""#), "{json}");
        assert!(!json.contains(LEGACY_SECRET));

        let body = callback_body("C01");
        let got = check(
            &store,
            &vault,
            &clock,
            &p.id,
            &DebugInput::Callback { body: body.clone() },
        )
        .unwrap();
        assert_eq!(
            got,
            DebugCheck::NoSecret {
                secret: SecretKind::CallbackSecret
            }
        );
        vault
            .put(&p.id, SecretKind::CallbackSecret, &secret(CALLBACK_SECRET))
            .unwrap();
        let got = check(
            &store,
            &vault,
            &clock,
            &p.id,
            &DebugInput::Callback { body },
        )
        .unwrap();
        assert!(matches!(got, DebugCheck::Checked { ref report } if report.matches));
        let got = check(
            &store,
            &vault,
            &clock,
            &p.id,
            &DebugInput::Legacy {
                request: "https://openapi.meituan.com/api/x".into(),
            },
        )
        .unwrap();
        assert_eq!(
            got,
            DebugCheck::Unreadable {
                problem: InputProblem::NoQuery
            }
        );
        assert!(check(
            &store,
            &vault,
            &clock,
            "nope",
            &DebugInput::Callback { body: "{}".into() }
        )
        .is_err());
    }

    #[test]
    fn input_deserializes_from_the_ui_shape() {
        let input: DebugInput = serde_json::from_str(r#"{"kind":"callback","body":"{}"}"#).unwrap();
        assert_eq!(input.kind(), DebugKind::Callback);
        assert_eq!(input.kind().secret_kind(), SecretKind::CallbackSecret);
        assert_eq!(
            serde_json::to_value(DifferentSecret).unwrap(),
            Value::String("different_secret".into())
        );
        assert_eq!(
            serde_json::to_value(ContentMd5Mismatch).unwrap(),
            Value::String("content_md5_mismatch".into())
        );
    }
}
