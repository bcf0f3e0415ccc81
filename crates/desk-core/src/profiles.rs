//! Profiles: the user's Meituan Union accounts. The database holds the
//! public part (name, appkey, generation, base URL, tier, authorization
//! status); secrets go to the [`Vault`] and nowhere else. Deleting a profile
//! deletes its keychain entries first, so no orphan secret stays behind.

use crate::clock::{beijing_rfc3339, Clock};
use crate::error::{Error, FieldError, Result};
use crate::secrets::vault::{SecretInput, SecretKind, Vault};
use crate::store::Store;
use meituan_union::Secret;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

mod import;
mod validate;
pub mod verify;

pub use import::*;
pub use validate::*;

/// This feature's SQL.
pub mod sql;

/// Meituan's gateway for the union API (`/api/*`, MD5 signing).
pub const LEGACY_BASE_URL: &str = "https://openapi.meituan.com";
/// Meituan's cps_open gateway (HMAC signing).
pub const MEDIA_BASE_URL: &str = "https://media.meituan.com";

pub const NAME_MAX_CHARS: usize = 40;
pub const APPKEY_MAX_CHARS: usize = 64;
/// The shortest appkey accepted. Our assumption: every appkey public
/// sources show has 32 characters, but no source gives a rule, so the bound
/// is loose (the same floor as the API secret's); it catches a half-pasted
/// or made-up appkey such as "abc" before Meituan is asked.
pub const APPKEY_MIN_CHARS: usize = 6;
/// Windows Credential Manager caps a secret at 2560 bytes; real ones are 32.
pub const SECRET_MAX_CHARS: usize = 256;
/// The shortest API secret accepted. The API secret is our own floor: the
/// console issues 32 hex digits. No source gives the callback secret a
/// form, so any non-empty printable ASCII is accepted there (issue 18).
pub const SECRET_MIN_CHARS: usize = crate::logging::MIN_SECRET_LEN;
/// A secret shorter than this shows no characters in its hint: four of a
/// short secret would give away too much of it.
pub const HINT_MIN_CHARS: usize = 12;

/// Which API generation (and signing scheme) a profile uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Generation {
    /// `openapi.meituan.com/api/*`, MD5 `sign` parameter.
    Legacy,
    /// `media.meituan.com/cps_open/*`, S-Ca HMAC headers.
    Media,
}

impl Generation {
    pub fn as_str(self) -> &'static str {
        match self {
            Generation::Legacy => "legacy",
            Generation::Media => "media",
        }
    }

    /// Meituan's own gateway for this generation.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Generation::Legacy => LEGACY_BASE_URL,
            Generation::Media => MEDIA_BASE_URL,
        }
    }
}

impl FromStr for Generation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "legacy" => Ok(Generation::Legacy),
            "media" => Ok(Generation::Media),
            _ => Err(Error::invalid("generation", "must be legacy or media")),
        }
    }
}

/// The daily call limit Meituan grants (调用频次): one definition in
/// `meituan-union`, shared with the sandbox.
pub use meituan_union::Tier;

/// API authorization (API 授权): 未开通 → 申请中 → 已开通 (or refused).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum AuthStatus {
    /// 未开通
    #[default]
    NotOpen,
    /// 申请中
    Applying,
    /// 已开通
    Open,
    /// The application was refused.
    Refused,
}

impl AuthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthStatus::NotOpen => "not_open",
            AuthStatus::Applying => "applying",
            AuthStatus::Open => "open",
            AuthStatus::Refused => "refused",
        }
    }
}

impl FromStr for AuthStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "not_open" => Ok(AuthStatus::NotOpen),
            "applying" => Ok(AuthStatus::Applying),
            "open" => Ok(AuthStatus::Open),
            "refused" => Ok(AuthStatus::Refused),
            _ => Err(Error::invalid(
                "auth_status",
                "must be not_open, applying, open or refused",
            )),
        }
    }
}

/// A stored profile. Holds no secret, only the last four characters of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub appkey: String,
    pub generation: Generation,
    /// `None` for a sandbox profile (the embedded sandbox's address is known
    /// only once it runs).
    pub base_url: Option<String>,
    pub sandbox: bool,
    pub tier: Tier,
    pub auth_status: AuthStatus,
    pub auth_applications: u32,
    /// RFC 3339, +08:00.
    pub auth_applied_at: Option<String>,
    pub api_secret_hint: Option<String>,
    pub callback_secret_hint: Option<String>,
    /// RFC 3339, +08:00.
    pub created_at: String,
    /// When the app last established `auth_status` (RFC 3339, +08:00);
    /// `None` until a verify or an authorization step says anything: the
    /// default `NotOpen` is then not a fact.
    pub auth_checked_at: Option<String>,
}

/// Where a new profile's calls go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Endpoint {
    /// Meituan's gateway for the generation.
    #[default]
    Meituan,
    /// Another address (a sandbox run by `mtu sandbox`, a proxy).
    Custom(String),
    /// The sandbox embedded in the app, started on loopback when needed.
    EmbeddedSandbox,
}

/// What it takes to create a profile.
#[derive(Debug, Clone)]
pub struct NewProfile {
    pub name: String,
    pub appkey: String,
    pub generation: Generation,
    pub endpoint: Endpoint,
    pub tier: Tier,
    pub api_secret: Option<Secret>,
    pub callback_secret: Option<Secret>,
}

/// What the UI sends to create a profile.
#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct CreateProfileInput {
    pub name: String,
    pub appkey: String,
    pub generation: Generation,
    /// `null`: Meituan's gateway for the generation.
    pub base_url: Option<String>,
    /// `null`: 2000, the tier after the first approval.
    pub tier: Option<Tier>,
    pub api_secret: Option<SecretInput>,
    pub callback_secret: Option<SecretInput>,
}

impl CreateProfileInput {
    pub fn into_new(self) -> NewProfile {
        NewProfile {
            name: self.name,
            appkey: self.appkey,
            generation: self.generation,
            endpoint: match self.base_url.filter(|u| !u.trim().is_empty()) {
                Some(url) => Endpoint::Custom(url),
                None => Endpoint::Meituan,
            },
            tier: self.tier.unwrap_or_default(),
            api_secret: self.api_secret.map(SecretInput::into_secret),
            callback_secret: self.callback_secret.map(SecretInput::into_secret),
        }
    }
}

/// What a profile edit may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub appkey: Option<String>,
    pub tier: Option<Tier>,
    /// Ignored for sandbox profiles.
    pub base_url: Option<String>,
}

/// What the Accounts screen lists: never a secret, only whether one is
/// stored and a masked hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ProfileSummary {
    pub id: String,
    pub name: String,
    pub appkey: String,
    pub generation: Generation,
    /// Meituan's or a custom address; `null` for the embedded sandbox.
    pub base_url: Option<String>,
    pub sandbox: bool,
    pub tier: Tier,
    pub auth_status: AuthStatus,
    /// False until a verify or an authorization step established
    /// `auth_status`: the screens then say 未检查, not 未开通.
    pub auth_checked: bool,
    pub auth_applications: u32,
    pub auth_applied_at: Option<String>,
    pub has_api_secret: bool,
    pub has_callback_secret: bool,
    /// `••••` + the last four characters, or `null`.
    pub api_secret_hint: Option<String>,
    pub callback_secret_hint: Option<String>,
    pub created_at: String,
}

/// The masked form of a secret's stored hint.
pub fn masked(hint: &str) -> String {
    format!("••••{hint}")
}

impl From<&Profile> for ProfileSummary {
    fn from(p: &Profile) -> Self {
        ProfileSummary {
            id: p.id.clone(),
            name: p.name.clone(),
            appkey: p.appkey.clone(),
            generation: p.generation,
            base_url: p.base_url.clone(),
            sandbox: p.sandbox,
            tier: p.tier,
            auth_status: p.auth_status,
            auth_checked: p.auth_checked_at.is_some(),
            auth_applications: p.auth_applications,
            auth_applied_at: p.auth_applied_at.clone(),
            has_api_secret: p.api_secret_hint.is_some(),
            has_callback_secret: p.callback_secret_hint.is_some(),
            api_secret_hint: p.api_secret_hint.as_deref().map(masked),
            callback_secret_hint: p.callback_secret_hint.as_deref().map(masked),
            created_at: p.created_at.clone(),
        }
    }
}

impl Profile {
    pub fn summary(&self) -> ProfileSummary {
        self.into()
    }

    pub fn hint(&self, kind: SecretKind) -> Option<&str> {
        match kind {
            SecretKind::ApiSecret => self.api_secret_hint.as_deref(),
            SecretKind::CallbackSecret => self.callback_secret_hint.as_deref(),
        }
    }
}

// ---------------------------------------------------------------------------
// Operations

/// Creates a profile and stores its secrets in the vault. If the vault
/// refuses, the profile is not created either.
pub fn create(
    store: &Store,
    vault: &dyn Vault,
    clock: &dyn Clock,
    new: NewProfile,
) -> Result<Profile> {
    // Every field is checked, so a form can mark all that are wrong at once.
    let mut refused = Refusals::default();
    let name = refused.take(check_name(&new.name));
    let appkey = refused.take(check_appkey(&new.appkey));
    let endpoint = match &new.endpoint {
        Endpoint::Meituan => Some((Some(new.generation.default_base_url().to_owned()), false)),
        Endpoint::Custom(url) => refused.take(check_base_url(url)).map(|u| (Some(u), false)),
        Endpoint::EmbeddedSandbox => Some((None, true)),
    };
    // Each secret under its own name: both may be wrong.
    let mut secret = |s: &Option<Secret>, kind: SecretKind, field: &str| {
        s.as_ref()
            .and_then(|s| refused.take(check_secret(kind, s).map_err(|e| e.named(field))))
    };
    let api_secret = secret(&new.api_secret, SecretKind::ApiSecret, "api_secret");
    let callback_secret = secret(
        &new.callback_secret,
        SecretKind::CallbackSecret,
        "callback_secret",
    );
    let conn = store.connect()?;
    if let Some(name) = &name {
        if sql::get_by_name(&conn, name)?.is_some() {
            refused.first(name_taken());
        }
    }
    refused.finish()?;
    let (Some(name), Some(appkey), Some((base_url, sandbox))) = (name, appkey, endpoint) else {
        return Err(Error::Internal("a refused field was not reported".into()));
    };
    let profile = Profile {
        id: new_profile_id(),
        name,
        appkey,
        generation: new.generation,
        base_url,
        sandbox,
        tier: new.tier,
        auth_status: AuthStatus::NotOpen,
        auth_applications: 0,
        auth_applied_at: None,
        api_secret_hint: None,
        callback_secret_hint: None,
        created_at: beijing_rfc3339(clock.now()),
        auth_checked_at: None,
    };
    sql::insert(&conn, &profile)?;
    let stored = [
        (SecretKind::ApiSecret, api_secret),
        (SecretKind::CallbackSecret, callback_secret),
    ];
    for (kind, secret) in stored.iter() {
        let Some(secret) = secret else { continue };
        if let Err(e) = put_secret(&conn, vault, &profile.id, *kind, secret) {
            // Leave nothing behind: neither the row nor a half-stored secret.
            for kind in SecretKind::ALL {
                let _ = vault.delete(&profile.id, kind);
            }
            let _ = sql::delete(&conn, &profile.id);
            return Err(e);
        }
    }
    get(store, &profile.id)
}

fn put_secret(
    conn: &rusqlite::Connection,
    vault: &dyn Vault,
    id: &str,
    kind: SecretKind,
    secret: &Secret,
) -> Result<()> {
    vault.put(id, kind, secret)?;
    sql::set_hint(conn, id, kind, Some(&secret_hint(secret)))
}

pub fn list(store: &Store) -> Result<Vec<Profile>> {
    sql::list(&*store.connect()?)
}

pub fn get(store: &Store, id: &str) -> Result<Profile> {
    sql::get(&*store.connect()?, id)?.ok_or_else(|| Error::not_found("profile", id))
}

/// The profile named `name`, or, with no name, the only profile there is.
pub fn select(store: &Store, name: Option<&str>) -> Result<Profile> {
    let conn = store.connect()?;
    match name {
        Some(name) => sql::get_by_name(&conn, name.trim())?
            .ok_or_else(|| Error::not_found("no profile named", format!("{:?}", name.trim()))),
        None => {
            let mut all = sql::list(&conn)?;
            match all.len() {
                0 => Err(Error::NotFound(
                    "no profile yet; add one first (mtu profile add)".into(),
                )),
                1 => Ok(all.remove(0)),
                n => Err(Error::invalid(
                    "profile",
                    format!("there are {n} profiles; choose one by name (--profile NAME)"),
                )),
            }
        }
    }
}

/// Deletes a profile and its keychain entries. If the keychain cannot be
/// reached the profile stays, so its secrets are never orphaned.
pub fn delete(store: &Store, vault: &dyn Vault, id: &str) -> Result<()> {
    let profile = get(store, id)?;
    for kind in SecretKind::ALL {
        vault.delete(&profile.id, kind)?;
    }
    sql::delete(&*store.connect()?, &profile.id)?;
    Ok(())
}

/// Stores (or replaces) one of a profile's secrets.
pub fn set_secret(
    store: &Store,
    vault: &dyn Vault,
    id: &str,
    kind: SecretKind,
    secret: &Secret,
) -> Result<Profile> {
    let secret = validate_secret(kind, secret)?;
    let profile = get(store, id)?;
    put_secret(&*store.connect()?, vault, &profile.id, kind, &secret)?;
    get(store, id)
}

/// Removes one of a profile's secrets.
pub fn remove_secret(
    store: &Store,
    vault: &dyn Vault,
    id: &str,
    kind: SecretKind,
) -> Result<Profile> {
    let profile = get(store, id)?;
    vault.delete(&profile.id, kind)?;
    sql::set_hint(&*store.connect()?, &profile.id, kind, None)?;
    get(store, id)
}

/// A profile's secret from the vault; an error that names the missing
/// secret when there is none.
pub fn load_secret(vault: &dyn Vault, profile: &Profile, kind: SecretKind) -> Result<Secret> {
    vault.get(&profile.id, kind)?.ok_or_else(|| {
        let what = match kind {
            SecretKind::ApiSecret => "API secret (密钥)",
            SecretKind::CallbackSecret => "callback secret (回调密钥)",
        };
        Error::NotFound(format!(
            "profile {:?} has no {what} in the keychain; set it first",
            profile.name
        ))
    })
}

pub fn update(store: &Store, id: &str, change: ProfileUpdate) -> Result<Profile> {
    let mut profile = get(store, id)?;
    let conn = store.connect()?;
    // Every changed field is checked before anything is stored, and all
    // refusals are reported together.
    let mut refused = Refusals::default();
    let name = change.name.and_then(|n| refused.take(check_name(&n)));
    let appkey = change.appkey.and_then(|a| refused.take(check_appkey(&a)));
    let base_url = change
        .base_url
        .filter(|_| !profile.sandbox)
        .and_then(|u| refused.take(check_base_url(&u)));
    if let Some(name) = &name {
        if let Some(other) = sql::get_by_name(&conn, name)? {
            if other.id != profile.id {
                refused.first(name_taken());
            }
        }
    }
    refused.finish()?;
    if let Some(name) = name {
        profile.name = name;
    }
    if let Some(appkey) = appkey {
        profile.appkey = appkey;
    }
    if let Some(tier) = change.tier {
        profile.tier = tier;
    }
    if let Some(url) = base_url {
        profile.base_url = Some(url);
    }
    sql::update_fields(&conn, &profile)?;
    get(store, id)
}

/// Records a change of API authorization status. Moving to `applying`
/// counts an application and stamps its time.
pub fn set_auth_status(
    store: &Store,
    clock: &dyn Clock,
    id: &str,
    status: AuthStatus,
) -> Result<Profile> {
    let mut profile = get(store, id)?;
    if status == AuthStatus::Applying && profile.auth_status != AuthStatus::Applying {
        profile.auth_applications += 1;
        profile.auth_applied_at = Some(beijing_rfc3339(clock.now()));
    }
    profile.auth_status = status;
    profile.auth_checked_at = Some(beijing_rfc3339(clock.now()));
    sql::update_auth(&*store.connect()?, &profile)?;
    get(store, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::vault::MemoryVault;
    use crate::{ErrorCode, ManualClock};
    use chrono::TimeZone;

    const KEY: &str = "f4aa117ae871a7c7c922e6a885682eae";
    const APPKEY: &str = "5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c";

    fn setup() -> (tempfile::TempDir, Store, MemoryVault, ManualClock) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 1, 4, 0, 0).unwrap());
        (dir, store, MemoryVault::new(), clock)
    }

    fn new(name: &str) -> NewProfile {
        NewProfile {
            name: name.into(),
            appkey: APPKEY.into(),
            generation: Generation::Legacy,
            endpoint: Endpoint::Meituan,
            tier: Tier::T2000,
            api_secret: Some(Secret::new(KEY.into())),
            callback_secret: None,
        }
    }

    #[test]
    fn create_stores_public_fields_in_db_and_secret_in_vault() {
        let (_d, store, vault, clock) = setup();
        let p = create(&store, &vault, &clock, new("主账号")).unwrap();
        assert_eq!(p.base_url.as_deref(), Some(LEGACY_BASE_URL));
        assert_eq!(p.created_at, "2026-03-01T12:00:00+08:00");
        assert_eq!(p.auth_status, AuthStatus::NotOpen);
        let s = p.summary();
        assert!(s.has_api_secret);
        assert!(!s.has_callback_secret);
        assert_eq!(s.api_secret_hint.as_deref(), Some("••••2eae"));
        assert_eq!(
            vault
                .get(&p.id, SecretKind::ApiSecret)
                .unwrap()
                .unwrap()
                .expose(),
            KEY
        );
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains(KEY));
        assert_eq!(list(&store).unwrap(), vec![p]);
    }

    #[test]
    fn names_are_unique_case_insensitively_and_bounded() {
        let (_d, store, vault, clock) = setup();
        create(&store, &vault, &clock, new("Main")).unwrap();
        let e = create(&store, &vault, &clock, new("main")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        // Its own field, so the forms say "taken" rather than "empty or too long".
        assert_eq!(fields(&e), ["name_taken"]);
        assert!(create(&store, &vault, &clock, new(&"名".repeat(40))).is_ok());
        let e = create(&store, &vault, &clock, new(&"名".repeat(41))).unwrap_err();
        assert!(e.to_string().contains("40"));
        assert!(create(&store, &vault, &clock, new("  ")).is_err());
    }

    #[test]
    fn appkey_and_base_url_validation() {
        assert_eq!(validate_appkey(&format!(" {APPKEY}\n")).unwrap(), APPKEY);
        assert!(validate_appkey("").is_err());
        assert!(validate_appkey("ab cd").is_err());
        assert!(validate_appkey(&"a".repeat(65)).is_err());
        assert!(validate_appkey(&"a".repeat(64)).is_ok());
        // Our floor of 6 (no source gives one): "abc" is refused by its rule,
        // counted after the outer spaces are dropped.
        assert!(validate_appkey("abc123").is_ok());
        for short in ["abc", " abc12 "] {
            let e = validate_appkey(short).unwrap_err();
            assert_eq!(refused(&e), [("appkey".into(), Some("too_short".into()))]);
            assert!(e.to_string().contains("at least 6"), "{e}");
        }
        assert_eq!(
            validate_base_url("https://openapi.meituan.com/").unwrap(),
            "https://openapi.meituan.com"
        );
        assert_eq!(
            validate_base_url("http://127.0.0.1:8123").unwrap(),
            "http://127.0.0.1:8123"
        );
        assert!(validate_base_url("http://localhost:9/").is_ok());
        assert!(validate_base_url("http://example.com").is_err());
        assert!(validate_base_url("ftp://example.com").is_err());
        assert!(validate_base_url("https://u:p@example.com").is_err());
        assert!(validate_base_url("https://example.com/?a=1").is_err());
        assert!(validate_base_url("not a url").is_err());
    }

    /// The refused fields of an error, as (field, rule) pairs.
    fn refused(e: &Error) -> Vec<(String, Option<String>)> {
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{e:?}");
        e.field_errors()
            .into_iter()
            .map(|f| (f.field, f.rule))
            .collect()
    }

    fn fields(e: &Error) -> Vec<String> {
        refused(e).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn create_reports_every_refused_field_at_once() {
        let (_d, store, vault, clock) = setup();
        // Issue 19 item 7: appkey "abc" with secret "12345" reports both,
        // each with its rule.
        let e = create(
            &store,
            &vault,
            &clock,
            NewProfile {
                appkey: "abc".into(),
                api_secret: Some(Secret::new("12345".into())),
                ..new("a")
            },
        )
        .unwrap_err();
        assert_eq!(
            refused(&e),
            [
                ("appkey".into(), Some("too_short".into())),
                ("api_secret".into(), Some("too_short".into())),
            ]
        );
        assert!(!e.to_string().contains("12345"), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("appkey") && msg.contains("api_secret"),
            "{msg}"
        );
        let ipc = serde_json::to_value(crate::IpcError::from(e)).unwrap();
        assert_eq!(ipc["details"]["field"], "appkey");
        assert_eq!(ipc["details"]["fields"][1]["field"], "api_secret");

        // Everything wrong at once, each secret under its own name.
        let e = create(
            &store,
            &vault,
            &clock,
            NewProfile {
                appkey: "密钥".into(),
                endpoint: Endpoint::Custom("http://example.com".into()),
                api_secret: Some(Secret::new("12345".into())),
                callback_secret: Some(Secret::new("回调".into())),
                ..new(" ")
            },
        )
        .unwrap_err();
        assert_eq!(
            refused(&e),
            [
                ("name".into(), None),
                ("appkey".into(), None),
                ("base_url".into(), Some("http_not_local".into())),
                ("api_secret".into(), Some("too_short".into())),
                ("callback_secret".into(), Some("not_printable".into())),
            ]
        );
        assert!(list(&store).unwrap().is_empty());

        // A taken name is reported with the other fields, first.
        create(&store, &vault, &clock, new("Main")).unwrap();
        let e = create(
            &store,
            &vault,
            &clock,
            NewProfile {
                appkey: "a b".into(),
                ..new("main")
            },
        )
        .unwrap_err();
        assert_eq!(fields(&e), ["name_taken", "appkey"]);
        assert_eq!(list(&store).unwrap().len(), 1);
    }

    #[test]
    fn update_reports_every_refused_field_and_changes_nothing() {
        let (_d, store, vault, clock) = setup();
        let p = create(&store, &vault, &clock, new("a")).unwrap();
        let e = update(
            &store,
            &p.id,
            ProfileUpdate {
                name: Some(String::new()),
                appkey: Some("a b".into()),
                tier: Some(Tier::Unlimited),
                base_url: Some("openapi.meituan.com".into()),
            },
        )
        .unwrap_err();
        assert_eq!(
            refused(&e),
            [
                ("name".into(), None),
                ("appkey".into(), None),
                ("base_url".into(), Some("scheme".into())),
            ]
        );
        assert_eq!(get(&store, &p.id).unwrap(), p);
    }

    #[test]
    fn a_refused_base_url_names_the_broken_rule() {
        for (url, rule) in [
            ("", "empty"),
            ("https://open api.meituan.com", "spaces"),
            ("openapi.meituan.com", "scheme"),
            ("openapi.meituan.com:443", "scheme"),
            ("ftp://example.com", "scheme"),
            ("https://", "not_url"),
            ("http://example.com", "http_not_local"),
            ("https://u:p@example.com", "credentials"),
            ("https://example.com/?a=1", "query"),
            ("https://example.com/#top", "query"),
        ] {
            let e = validate_base_url(url).unwrap_err();
            assert_eq!(
                refused(&e),
                [("base_url".into(), Some(rule.into()))],
                "{url:?}: {e}"
            );
        }
    }

    #[test]
    fn sandbox_profiles_have_no_stored_base_url() {
        let (_d, store, vault, clock) = setup();
        let mut n = new("sb");
        n.endpoint = Endpoint::EmbeddedSandbox;
        n.generation = Generation::Media;
        let p = create(&store, &vault, &clock, n).unwrap();
        assert!(p.sandbox);
        assert_eq!(p.base_url, None);
    }

    #[test]
    fn unavailable_keychain_creates_nothing() {
        let (_d, store, vault, clock) = setup();
        vault.set_unavailable(true);
        let e = create(&store, &vault, &clock, new("a")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::KeychainUnavailable);
        vault.set_unavailable(false);
        assert!(list(&store).unwrap().is_empty());
        assert!(vault.is_empty());
    }

    #[test]
    fn delete_removes_secrets_and_is_refused_while_keychain_is_away() {
        let (_d, store, vault, clock) = setup();
        let mut n = new("a");
        n.callback_secret = Some(Secret::new("cbcbcbcbcbcb".into()));
        let p = create(&store, &vault, &clock, n).unwrap();
        assert_eq!(vault.len(), 2);
        vault.set_unavailable(true);
        assert_eq!(
            delete(&store, &vault, &p.id).unwrap_err().code(),
            ErrorCode::KeychainUnavailable
        );
        vault.set_unavailable(false);
        assert_eq!(list(&store).unwrap().len(), 1);
        delete(&store, &vault, &p.id).unwrap();
        assert!(vault.is_empty());
        assert!(list(&store).unwrap().is_empty());
        assert_eq!(
            delete(&store, &vault, &p.id).unwrap_err().code(),
            ErrorCode::NotFound
        );
    }

    #[test]
    fn set_and_remove_secret_update_the_hint() {
        let (_d, store, vault, clock) = setup();
        let mut n = new("a");
        n.api_secret = None;
        let p = create(&store, &vault, &clock, n).unwrap();
        assert!(!p.summary().has_api_secret);
        assert_eq!(
            load_secret(&vault, &p, SecretKind::ApiSecret)
                .unwrap_err()
                .code(),
            ErrorCode::NotFound
        );
        let p = set_secret(
            &store,
            &vault,
            &p.id,
            SecretKind::CallbackSecret,
            &Secret::new(" abcdef0123456 ".into()),
        )
        .unwrap();
        assert_eq!(
            p.summary().callback_secret_hint.as_deref(),
            Some("••••3456")
        );
        assert_eq!(
            load_secret(&vault, &p, SecretKind::CallbackSecret)
                .unwrap()
                .expose(),
            "abcdef0123456"
        );
        assert!(set_secret(
            &store,
            &vault,
            &p.id,
            SecretKind::ApiSecret,
            &Secret::new("a b c d e f".into())
        )
        .is_err());
        assert!(set_secret(
            &store,
            &vault,
            &p.id,
            SecretKind::ApiSecret,
            &Secret::new("short".into())
        )
        .is_err());
        let p = remove_secret(&store, &vault, &p.id, SecretKind::CallbackSecret).unwrap();
        assert!(!p.summary().has_callback_secret);
        assert!(vault.is_empty());
    }

    /// Issue 18 item 4: no source fixes the callback secret's form, so any
    /// non-empty printable ASCII is kept as given; the API secret keeps its
    /// rules. A short secret shows nothing of itself in its hint.
    #[test]
    fn a_callback_secret_may_be_any_printable_ascii() {
        let (_d, store, vault, clock) = setup();
        let p = create(&store, &vault, &clock, new("a")).unwrap();
        let set =
            |kind, value: &str| set_secret(&store, &vault, &p.id, kind, &Secret::new(value.into()));
        let callback = SecretKind::CallbackSecret;
        for accepted in [
            "k",
            "abc",
            "two words",
            "p@ss:w0rd!~",
            &"x".repeat(SECRET_MAX_CHARS),
        ] {
            let saved = set(callback, accepted).unwrap_or_else(|e| panic!("{accepted:?}: {e}"));
            let stored = load_secret(&vault, &saved, callback).unwrap();
            assert_eq!(stored.expose(), accepted);
            let hint = saved.summary().callback_secret_hint.unwrap();
            if accepted.len() < HINT_MIN_CHARS {
                assert_eq!(hint, "••••", "{accepted:?}");
            } else {
                assert_eq!(hint.chars().count(), 8, "{accepted:?}");
            }
        }
        // Outer spaces and line breaks come with a paste: dropped.
        let saved = set(callback, "  pasted\n").unwrap();
        assert_eq!(
            load_secret(&vault, &saved, callback).unwrap().expose(),
            "pasted"
        );

        let rule = |kind, value: &str| {
            let e = set(kind, value).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput, "{value:?}");
            e.field_errors()[0].rule.clone().unwrap()
        };
        assert_eq!(rule(callback, "   "), "empty");
        assert_eq!(rule(callback, "密钥abc"), "not_printable");
        assert_eq!(rule(callback, "tab\tinside"), "not_printable");
        assert_eq!(
            rule(callback, &"x".repeat(SECRET_MAX_CHARS + 1)),
            "too_long"
        );
        // A refused secret leaves the stored one as it was.
        assert_eq!(
            load_secret(&vault, &saved, callback).unwrap().expose(),
            "pasted"
        );

        let api = SecretKind::ApiSecret;
        assert_eq!(rule(api, "abc"), "too_short");
        assert_eq!(rule(api, "two words"), "spaces");
        assert!(set(api, "abcdef").is_ok());
    }

    #[test]
    fn select_defaults_to_the_only_profile() {
        let (_d, store, vault, clock) = setup();
        assert_eq!(
            select(&store, None).unwrap_err().code(),
            ErrorCode::NotFound
        );
        let a = create(&store, &vault, &clock, new("a")).unwrap();
        assert_eq!(select(&store, None).unwrap(), a);
        let b = create(&store, &vault, &clock, new("b")).unwrap();
        assert_eq!(
            select(&store, None).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        assert_eq!(select(&store, Some("B")).unwrap(), b);
        assert_eq!(
            select(&store, Some("c")).unwrap_err().code(),
            ErrorCode::NotFound
        );
    }

    #[test]
    fn auth_status_counts_applications() {
        let (_d, store, vault, clock) = setup();
        let p = create(&store, &vault, &clock, new("a")).unwrap();
        let p = set_auth_status(&store, &clock, &p.id, AuthStatus::Applying).unwrap();
        assert_eq!(p.auth_applications, 1);
        assert_eq!(
            p.auth_applied_at.as_deref(),
            Some("2026-03-01T12:00:00+08:00")
        );
        let p = set_auth_status(&store, &clock, &p.id, AuthStatus::Refused).unwrap();
        clock.advance(chrono::Duration::hours(1));
        let p = set_auth_status(&store, &clock, &p.id, AuthStatus::Applying).unwrap();
        assert_eq!(p.auth_applications, 2);
        assert_eq!(
            p.auth_applied_at.as_deref(),
            Some("2026-03-01T13:00:00+08:00")
        );
        let p = set_auth_status(&store, &clock, &p.id, AuthStatus::Open).unwrap();
        assert_eq!(p.auth_status, AuthStatus::Open);
        assert_eq!(
            p.auth_checked_at.as_deref(),
            Some("2026-03-01T13:00:00+08:00")
        );
    }

    /// A new profile's status is the default, not a fact: unchecked until a
    /// step establishes it (issue 19 item 5).
    #[test]
    fn a_new_profile_is_unchecked_until_a_step_sets_its_status() {
        let (_d, store, vault, clock) = setup();
        let p = create(&store, &vault, &clock, new("a")).unwrap();
        assert_eq!(p.auth_checked_at, None);
        assert!(!p.summary().auth_checked);
        assert!(!get(&store, &p.id).unwrap().summary().auth_checked);
        let p = set_auth_status(&store, &clock, &p.id, AuthStatus::NotOpen).unwrap();
        assert!(
            p.summary().auth_checked,
            "a check that found 未开通 is checked"
        );
        assert_eq!(p.auth_status, AuthStatus::NotOpen);
    }

    #[test]
    fn update_changes_only_given_fields() {
        let (_d, store, vault, clock) = setup();
        let p = create(&store, &vault, &clock, new("a")).unwrap();
        create(&store, &vault, &clock, new("b")).unwrap();
        let u = update(
            &store,
            &p.id,
            ProfileUpdate {
                tier: Some(Tier::Unlimited),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(u.tier, Tier::Unlimited);
        assert_eq!(u.name, "a");
        assert!(update(
            &store,
            &p.id,
            ProfileUpdate {
                name: Some("B".into()),
                ..Default::default()
            }
        )
        .is_err());
        assert!(update(
            &store,
            &p.id,
            ProfileUpdate {
                base_url: Some("http://x.com".into()),
                ..Default::default()
            }
        )
        .is_err());
        let u = update(
            &store,
            &p.id,
            ProfileUpdate {
                base_url: Some("http://127.0.0.1:1/".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(u.base_url.as_deref(), Some("http://127.0.0.1:1"));
    }

    #[test]
    fn extract_key_from_console_text() {
        let k =
            |t: &str| extract_key(t, SecretKind::ApiSecret, None).map(|s| s.expose().to_owned());
        assert_eq!(k(&format!("密钥 {KEY}")).unwrap(), KEY);
        assert_eq!(
            k(&format!("API授权\n已开通\n密钥：\n  {KEY}  \n复制")).unwrap(),
            KEY
        );
        // Full-width colon and a key in full-width characters.
        let fw: String = KEY
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(k(&format!("密钥：{fw}")).unwrap(), KEY);
        // The same key twice is not ambiguous.
        assert_eq!(k(&format!("{KEY} {KEY}")).unwrap(), KEY);
        // 31 or 33 characters, or non-hex, are not keys.
        assert!(k(&format!("密钥 {}", &KEY[1..])).is_err());
        assert!(k(&format!("密钥 {KEY}0")).is_err());
        assert!(k("密钥 g4aa117ae871a7c7c922e6a885682eae").is_err());
        let none = k("nothing here").unwrap_err();
        assert_eq!(none.code(), ErrorCode::InvalidInput);
    }

    #[test]
    fn import_from_text_and_create_input() {
        let (_d, store, vault, clock) = setup();
        let input: CreateProfileInput = serde_json::from_value(serde_json::json!({
            "name": "ui", "appkey": APPKEY, "generation": "media",
            "base_url": null, "tier": "unlimited", "api_secret": null, "callback_secret": null
        }))
        .unwrap();
        let p = create(&store, &vault, &clock, input.into_new()).unwrap();
        assert_eq!(p.base_url.as_deref(), Some(MEDIA_BASE_URL));
        assert_eq!(p.tier, Tier::Unlimited);
        let pasted = SecretInput::new(format!("AppKey {APPKEY}\n回调密钥：{KEY}"));
        let p = import_secret_from_text(&store, &vault, &p.id, SecretKind::CallbackSecret, &pasted)
            .unwrap();
        assert_eq!(
            p.summary().callback_secret_hint.as_deref(),
            Some("••••2eae")
        );
        let bad = SecretInput::new(format!("AppKey {APPKEY}"));
        let e = import_secret_from_text(&store, &vault, &p.id, SecretKind::ApiSecret, &bad)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(!p.summary().has_api_secret);
    }

    #[test]
    fn extract_key_refuses_ambiguity_without_revealing_candidates() {
        let other = "0123456789abcdef0123456789abcdef";
        let e = extract_key(&format!("{KEY}\n{other}"), SecretKind::ApiSecret, None).unwrap_err();
        assert!(e.to_string().contains("2 different keys"));
        assert!(!e.to_string().contains(KEY) && !e.to_string().contains(other));
        // The appkey shown beside the secret is excluded when known...
        let page = format!("AppKey {APPKEY}\n密钥 {KEY}");
        assert_eq!(
            extract_key(&page, SecretKind::ApiSecret, Some(APPKEY))
                .unwrap()
                .expose(),
            KEY
        );
        // ...or the label decides.
        assert_eq!(
            extract_key(&page, SecretKind::ApiSecret, None)
                .unwrap()
                .expose(),
            KEY
        );
        let both = format!("密钥 {KEY}\n回调密钥：{other}");
        assert_eq!(
            extract_key(&both, SecretKind::CallbackSecret, None)
                .unwrap()
                .expose(),
            other
        );
        assert_eq!(
            extract_key(&both, SecretKind::ApiSecret, None)
                .unwrap()
                .expose(),
            KEY
        );
    }
}
