//! The order callback (订单回推): the callback URL with validation, its
//! registration (sandbox console or the secret pasted from the real
//! console, kept in the vault), the signed test push with a diagnosis of
//! the reply, and the optional local receiver.

mod conn;
pub mod push;
pub mod receiver;

use crate::clock::{beijing_rfc3339, Clock};
use crate::console::sandbox::SandboxConsole;
use crate::console::Via;
use crate::error::{Error, Result};
use crate::profiles::{self, masked, Profile};
use crate::secrets::vault::{SecretKind, Vault};
use crate::store::Store;

/// This feature's SQL.
pub mod sql;
/// Re-exported so the shell can wrap a pasted secret without depending on the protocol crate.
pub use meituan_union::Secret;
use serde::Serialize;
use std::net::IpAddr;
use url::{Host, Url};

pub use push::{send_test_push, test_order_fields, Diagnosis, TestPushOptions, TestPushReport};
pub use receiver::{
    start_receiver, FeedItem, FeedOutcome, FeedReason, ReceiverConfig, ReceiverHandle,
    ReceiverStatus, Receivers, ACK_ERR, ACK_OK, BODY_TIMEOUT, HEADER_TIMEOUT, MAX_CONNECTIONS,
};

/// Longest callback URL accepted (the console's own limit is not known;
/// this matches the sandbox's).
pub const MAX_URL_LEN: usize = 512;

/// Whether `host` is this machine (127.0.0.0/8, ::1, localhost).
pub fn is_loopback_host(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(d) => {
            let d = d.to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
    }
}

/// Whether an IP is loopback (used for the receiver's bind address).
pub fn is_loopback_ip(ip: IpAddr) -> bool {
    ip.is_loopback()
}

/// Something about an accepted callback URL worth telling the user. No
/// public source says Meituan requires https or refuses any host
/// (docs/research/meituan-provenance.md row 83), so these are warnings,
/// never refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum UrlWarning {
    /// Plain http: the pushes (with order details) travel unencrypted.
    PlainHttp,
    /// This computer (127.0.0.0/8, ::1, localhost): only local tests reach
    /// it; Meituan's servers cannot.
    ThisComputer,
    /// A private-network address (10/8, 172.16/12, 192.168/16, 169.254/16,
    /// fc00::/7, fe80::/10, `.local`): Meituan's servers cannot reach it.
    PrivateNetwork,
}

/// A callback URL as it will be registered, with what is worth telling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CheckedUrl {
    pub url: String,
    pub warnings: Vec<UrlWarning>,
}

/// Whether `host` is a private-network address Meituan cannot reach.
fn is_private_host(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_private() || ip.is_link_local(),
        Host::Ipv6(ip) => {
            let first = ip.segments()[0];
            (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        Host::Domain(d) => d.to_ascii_lowercase().ends_with(".local"),
    }
}

/// The warnings for an accepted callback URL.
pub fn url_warnings(url: &Url) -> Vec<UrlWarning> {
    let mut warnings = Vec::new();
    if url.scheme() == "http" {
        warnings.push(UrlWarning::PlainHttp);
    }
    if let Some(host) = url.host() {
        if is_loopback_host(&host) {
            warnings.push(UrlWarning::ThisComputer);
        } else if is_private_host(&host) {
            warnings.push(UrlWarning::PrivateNetwork);
        }
    }
    warnings
}

/// Checks a callback URL and says what is worth telling about it.
pub fn check_callback_url(raw: &str) -> Result<CheckedUrl> {
    let url = validate_callback_url(raw)?;
    Ok(CheckedUrl {
        warnings: url_warnings(&url),
        url: url.to_string(),
    })
}

/// Checks a callback URL: http or https, a host, no user name or password
/// in it, no fragment. Plain http and hosts Meituan cannot reach are
/// accepted (see [`url_warnings`]): no source says Meituan refuses them.
pub fn validate_callback_url(raw: &str) -> Result<Url> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Error::invalid("url", "the callback URL is empty"));
    }
    if text.len() > MAX_URL_LEN {
        return Err(Error::invalid(
            "url",
            format!("the callback URL is longer than {MAX_URL_LEN} characters"),
        ));
    }
    let url =
        Url::parse(text).map_err(|e| Error::invalid("url", format!("not a valid URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(
            "url",
            "the URL must not contain a user name or password",
        ));
    }
    match url.scheme() {
        "https" | "http" => {}
        other => {
            return Err(Error::invalid(
                "url",
                format!("the scheme must be http or https, not {other}"),
            ))
        }
    }
    if url.host().is_none() {
        return Err(Error::invalid("url", "the URL has no host"));
    }
    if url.fragment().is_some() {
        return Err(Error::invalid(
            "url",
            "a #fragment is never sent to the server; remove it",
        ));
    }
    Ok(url)
}

/// A profile's callback setup, as the UI shows it (no secret, only a hint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CallbackConfig {
    pub profile_id: String,
    pub url: Option<String>,
    pub registered_at: Option<String>,
    /// Registered through the sandbox's console, or recorded by hand.
    pub via: Option<Via>,
    pub has_secret: bool,
    /// `••••1a2b`.
    pub secret_masked: Option<String>,
    /// What is worth telling about the registered URL (for a real account,
    /// a URL Meituan cannot reach is recorded, never shown as working).
    pub url_warnings: Vec<UrlWarning>,
}

/// The callback setup of a profile.
pub fn config(store: &Store, profile_id: &str) -> Result<CallbackConfig> {
    let profile = profiles::get(store, profile_id)?;
    let row = sql::get_config(&*store.connect()?, &profile.id)?;
    Ok(CallbackConfig {
        profile_id: profile.id.clone(),
        url: row.as_ref().map(|r| r.url.clone()),
        registered_at: row.as_ref().map(|r| r.registered_at.clone()),
        via: row.as_ref().map(|r| Via::from_stored(&r.via)),
        has_secret: profile.callback_secret_hint.is_some(),
        secret_masked: profile.callback_secret_hint.as_deref().map(masked),
        url_warnings: row
            .as_ref()
            .and_then(|r| Url::parse(&r.url).ok())
            .map(|u| url_warnings(&u))
            .unwrap_or_default(),
    })
}

fn save_config(
    store: &Store,
    clock: &dyn Clock,
    profile: &Profile,
    url: &Url,
    via: Via,
) -> Result<()> {
    sql::set_config(
        &*store.connect()?,
        &sql::ConfigRow {
            profile_id: profile.id.clone(),
            url: url.to_string(),
            registered_at: beijing_rfc3339(clock.now()),
            via: via.as_str().into(),
        },
    )
}

/// Real Meituan: the user submitted the URL in the console and pastes the
/// 回调密钥 it showed (or text containing it). Any non-empty printable-ASCII
/// secret is accepted, as in the account form (issue 18 item 4; see
/// [`profiles::callback_secret_from_paste`]). The secret goes to the vault.
pub fn register_manual(
    store: &Store,
    vault: &dyn Vault,
    clock: &dyn Clock,
    profile_id: &str,
    url: &str,
    pasted_secret: &Secret,
) -> Result<CallbackConfig> {
    let url = validate_callback_url(url)?;
    let profile = profiles::get(store, profile_id)?;
    let secret = profiles::callback_secret_from_paste(pasted_secret.expose(), &profile.appkey)?;
    profiles::set_secret(
        store,
        vault,
        &profile.id,
        SecretKind::CallbackSecret,
        &secret,
    )?;
    save_config(store, clock, &profile, &url, Via::Manual)?;
    config(store, &profile.id)
}

/// Sandbox: registers the URL with the sandbox console, which answers with a
/// fresh callback secret; that secret goes to the vault at once.
pub async fn register_sandbox(
    store: &Store,
    vault: &dyn Vault,
    clock: &dyn Clock,
    console: &SandboxConsole,
    profile_id: &str,
    url: &str,
) -> Result<CallbackConfig> {
    let url = validate_callback_url(url)?;
    let profile = profiles::get(store, profile_id)?;
    if !profile.sandbox {
        return Err(Error::invalid(
            "profile",
            "this profile talks to the real Meituan: register the URL in the console and paste the secret it shows",
        ));
    }
    let secret = console
        .register_callback(&profile.appkey, url.as_str())
        .await?;
    profiles::set_secret(
        store,
        vault,
        &profile.id,
        SecretKind::CallbackSecret,
        &secret,
    )?;
    save_config(store, clock, &profile, &url, Via::Sandbox)?;
    config(store, &profile.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{Endpoint, Generation, NewProfile, Tier};
    use crate::secrets::vault::MemoryVault;
    use crate::{ErrorCode, ManualClock};
    use chrono::TimeZone;

    const APPKEY: &str = "5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c";
    const URL: &str = "https://example.com/meituan/callback";

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Store,
        vault: MemoryVault,
        clock: ManualClock,
        profile: Profile,
    }

    fn real_account() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let vault = MemoryVault::new();
        let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 1, 4, 0, 0).unwrap());
        let profile = profiles::create(
            &store,
            &vault,
            &clock,
            NewProfile {
                name: "real".into(),
                appkey: APPKEY.into(),
                generation: Generation::Legacy,
                endpoint: Endpoint::Meituan,
                tier: Tier::T2000,
                api_secret: None,
                callback_secret: None,
            },
        )
        .unwrap();
        Fixture {
            _dir: dir,
            store,
            vault,
            clock,
            profile,
        }
    }

    fn register(f: &Fixture, pasted: &str) -> Result<CallbackConfig> {
        register_manual(
            &f.store,
            &f.vault,
            &f.clock,
            &f.profile.id,
            URL,
            &Secret::new(pasted.into()),
        )
    }

    fn stored(f: &Fixture) -> String {
        let p = profiles::get(&f.store, &f.profile.id).unwrap();
        profiles::load_secret(&f.vault, &p, SecretKind::CallbackSecret)
            .unwrap()
            .expose()
            .to_owned()
    }

    /// Issue 18 item 4: any non-empty printable ASCII is a callback secret,
    /// taken as given (trimmed), as in the account form.
    #[test]
    fn a_non_hex_callback_secret_registers_for_a_real_account() {
        let f = real_account();
        for (pasted, kept) in [
            ("  cb-Secret_2026!  \n", "cb-Secret_2026!"),
            ("my callback secret", "my callback secret"),
            ("abc", "abc"),
        ] {
            let config = register(&f, pasted).unwrap_or_else(|e| panic!("{pasted:?}: {e}"));
            assert!(config.has_secret);
            assert_eq!(config.url.as_deref(), Some(URL));
            assert_eq!(stored(&f), kept);
        }
    }

    #[test]
    fn a_key_is_still_found_in_pasted_console_text() {
        let f = real_account();
        let key = "f4aa117ae871a7c7c922e6a885682eae";
        register(&f, key).unwrap();
        assert_eq!(stored(&f), key);
        // Console text: labelled, beside the appkey, full-width colon.
        register(
            &f,
            "AppKey：5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c\n回调密钥：0123456789abcdef0123456789abcdef 复制",
        )
        .unwrap();
        assert_eq!(stored(&f), "0123456789abcdef0123456789abcdef");
        // Several unlabelled keys: which one is meant is not guessed.
        let e = register(
            &f,
            "0123456789abcdef0123456789abcdef\nfedcba9876543210fedcba9876543210",
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert_eq!(e.field_errors()[0].field, "text");
    }

    #[test]
    fn an_empty_or_non_printable_secret_is_refused_with_its_rule_and_never_echoed() {
        let f = real_account();
        register(&f, "kept-secret-1").unwrap();
        for (pasted, rule) in [
            ("", "empty"),
            ("  \n\t ", "empty"),
            ("回调密钥是 secret中文", "not_printable"),
            ("tab\tinside-secret", "not_printable"),
            (&*"x".repeat(257), "too_long"),
            (APPKEY, "is_appkey"),
        ] {
            let e = register(&f, pasted).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput, "{pasted:?}");
            let fields = e.field_errors();
            assert_eq!(fields.len(), 1, "{pasted:?}");
            assert_eq!(fields[0].field, "callback_secret", "{pasted:?}");
            assert_eq!(fields[0].rule.as_deref(), Some(rule), "{pasted:?}");
            let text = format!("{e} {e:?}");
            let said = format!(
                "{text} {}",
                serde_json::to_string(&crate::IpcError::from(e)).unwrap()
            );
            if !pasted.trim().is_empty() {
                assert!(!said.contains(pasted.trim()), "{pasted:?} echoed: {said}");
            }
            assert!(
                !said.contains("secret中文") && !said.contains("inside-secret"),
                "{said}"
            );
            // Nothing replaced the stored secret.
            assert_eq!(stored(&f), "kept-secret-1");
        }
    }
}
