//! Validation of what the user types into a profile form.

use super::*;

pub fn validate_name(name: &str) -> Result<String> {
    Ok(check_name(name)?)
}

pub fn validate_appkey(appkey: &str) -> Result<String> {
    Ok(check_appkey(appkey)?)
}

/// A base URL: https, or http only to this machine (a sandbox); no
/// credentials, query or fragment. Returned without a trailing slash. A
/// refusal names the broken rule (`empty`, `spaces`, `scheme`,
/// `http_not_local`, `not_url`, `credentials`, `query`), so the UI can say
/// exactly what is wrong.
pub fn validate_base_url(raw: &str) -> Result<String> {
    Ok(check_base_url(raw)?)
}

/// Checks a secret typed or pasted by the user; outer whitespace is dropped.
pub fn validate_secret(kind: SecretKind, secret: &Secret) -> Result<Secret> {
    Ok(check_secret(kind, secret)?)
}

pub(super) fn check_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(FieldError::new("name", "must not be empty"));
    }
    if chars > NAME_MAX_CHARS {
        return Err(FieldError::new(
            "name",
            format!("must be at most {NAME_MAX_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

pub(super) fn check_appkey(appkey: &str) -> Result<String, FieldError> {
    let appkey = appkey.trim();
    if appkey.is_empty() {
        return Err(FieldError::new("appkey", "must not be empty"));
    }
    if appkey.chars().any(char::is_whitespace) {
        return Err(FieldError::new("appkey", "must not contain spaces"));
    }
    if !appkey.chars().all(|c| c.is_ascii_graphic()) {
        return Err(FieldError::new(
            "appkey",
            "must contain only ASCII letters, digits and punctuation",
        ));
    }
    if appkey.chars().count() > APPKEY_MAX_CHARS {
        return Err(FieldError::new(
            "appkey",
            format!("must be at most {APPKEY_MAX_CHARS} characters"),
        ));
    }
    // Checked last: "a b" is better told about its space than its length.
    if appkey.chars().count() < APPKEY_MIN_CHARS {
        return Err(FieldError::rule(
            "appkey",
            "too_short",
            format!("is too short (at least {APPKEY_MIN_CHARS} characters)"),
        ));
    }
    Ok(appkey.to_owned())
}

pub(super) fn check_base_url(raw: &str) -> Result<String, FieldError> {
    let bad = |rule: &str, reason: String| FieldError::rule("base_url", rule, reason);
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(bad("empty", "must not be empty".into()));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("spaces", "must not contain spaces".into()));
    }
    let url = match url::Url::parse(raw) {
        Ok(url) => url,
        // "openapi.meituan.com": no scheme at all.
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            return Err(bad("scheme", "must start with https://".into()))
        }
        Err(e) => return Err(bad("not_url", format!("not a URL: {e}"))),
    };
    // Before the host: "openapi.meituan.com:443" parses with the scheme
    // "openapi.meituan.com" and no host.
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("scheme", "must start with https://".into()));
    }
    let host = url
        .host()
        .ok_or_else(|| bad("not_url", "has no host".into()))?;
    let loopback = match &host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    if url.scheme() == "http" && !loopback {
        return Err(bad(
            "http_not_local",
            "must use https (plain http only to this computer, e.g. a sandbox)".into(),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "credentials",
            "must not contain a user name or password".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("query", "must not contain ? or #".into()));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// The rules for one secret. Outer spaces and line breaks are dropped
/// (they come with a paste).
/// - API secret: 6 to 256 characters, no spaces or line breaks inside.
/// - Callback secret: 1 to 256 characters of printable ASCII (spaces
///   inside included). No source fixes its form; the UI warns, without
///   refusing, when it is not the manual's 32 hex digits.
///
/// A refusal names its rule (`empty`, `too_short`, `too_long`, `spaces`,
/// `not_printable`) so the form can say exactly what is wrong.
pub(super) fn check_secret(kind: SecretKind, secret: &Secret) -> Result<Secret, FieldError> {
    let value = secret.expose().trim();
    let chars = value.chars().count();
    let refuse = |rule: &str, reason: String| Err(FieldError::rule("secret", rule, reason));
    if chars == 0 {
        return refuse("empty", "must not be empty".into());
    }
    if chars > SECRET_MAX_CHARS {
        return refuse(
            "too_long",
            format!("is too long (at most {SECRET_MAX_CHARS} characters)"),
        );
    }
    match kind {
        SecretKind::ApiSecret => {
            if chars < SECRET_MIN_CHARS {
                return refuse(
                    "too_short",
                    format!("is too short (at least {SECRET_MIN_CHARS} characters)"),
                );
            }
            if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return refuse("spaces", "must not contain spaces or line breaks".into());
            }
        }
        SecretKind::CallbackSecret => {
            if !value.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
                return refuse(
                    "not_printable",
                    "must be printable ASCII (letters, digits, symbols, spaces)".into(),
                );
            }
        }
    }
    Ok(Secret::new(value.to_owned()))
}

/// Gathers every refused field of a form, so all are reported at once
/// instead of the first one only.
#[derive(Default)]
pub(super) struct Refusals(Vec<FieldError>);

impl Refusals {
    /// The value when it passed; otherwise the refusal is kept.
    pub(super) fn take<T>(&mut self, checked: Result<T, FieldError>) -> Option<T> {
        checked.map_err(|e| self.0.push(e)).ok()
    }

    /// A refusal found after the others (name taken) goes first: it is the
    /// first field of the form.
    pub(super) fn first(&mut self, e: FieldError) {
        self.0.insert(0, e);
    }

    pub(super) fn finish(self) -> Result<()> {
        Error::fields(self.0).map_or(Ok(()), Err)
    }
}

pub(super) fn name_taken() -> FieldError {
    FieldError::new("name_taken", "another profile already has this name")
}

/// The last four characters of a secret, shown as `••••1a2b`; nothing of a
/// secret shorter than [`HINT_MIN_CHARS`] (shown as `••••`).
pub fn secret_hint(secret: &Secret) -> String {
    let chars: Vec<char> = secret.expose().chars().collect();
    if chars.len() < HINT_MIN_CHARS {
        return String::new();
    }
    chars[chars.len() - 4..].iter().collect()
}

pub(super) fn new_profile_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}
