//! Where secrets live: the OS keychain, and nowhere else.
//!
//! [`KeyringVault`] talks to macOS Keychain, Windows Credential Manager or the
//! freedesktop Secret Service (gnome-keyring, KWallet) through `keyring` with
//! its platform features named, so it never silently falls back to an
//! in-memory mock. When no keychain is usable the call fails with
//! [`Error::KeychainUnavailable`] and nothing is stored anywhere else.
//! [`MemoryVault`] is for tests.
//!
//! Every secret a vault hands out or takes in is registered with the log
//! [`Redactor`], so even a careless log line cannot print it.

use crate::error::{Error, Result};
use crate::logging::Redactor;
use meituan_union::Secret;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

/// The keychain service name every entry of the app is filed under.
pub const SERVICE: &str = "union-desk";

/// Which of a profile's secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// The API 密钥 that signs calls.
    ApiSecret,
    /// The 回调密钥 that signs order pushes.
    CallbackSecret,
}

impl SecretKind {
    pub const ALL: [SecretKind; 2] = [SecretKind::ApiSecret, SecretKind::CallbackSecret];

    fn slug(self) -> &'static str {
        match self {
            SecretKind::ApiSecret => "api-secret",
            SecretKind::CallbackSecret => "callback-secret",
        }
    }
}

/// A secret arriving from the UI (IPC) or another front end. It can be
/// deserialized from a JSON string but never serialized, and its `Debug`
/// prints `<redacted>`, so a logged command argument shows nothing. In the
/// TypeScript bindings it is a plain `string`.
#[derive(Clone)]
pub struct SecretInput(Secret);

impl SecretInput {
    pub fn new(value: String) -> Self {
        SecretInput(Secret::new(value))
    }

    pub fn secret(&self) -> &Secret {
        &self.0
    }

    pub fn into_secret(self) -> Secret {
        self.0
    }
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for SecretInput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(SecretInput::new)
    }
}

impl specta::Type for SecretInput {
    fn inline(types: &mut specta::TypeCollection, generics: specta::Generics) -> specta::DataType {
        <String as specta::Type>::inline(types, generics)
    }
}

/// The keychain account name of one secret: `profile-<id>-api-secret`.
pub fn entry_user(profile_id: &str, kind: SecretKind) -> String {
    format!("profile-{profile_id}-{}", kind.slug())
}

/// A store of profile secrets.
pub trait Vault: Send + Sync {
    /// Stores (or replaces) a secret.
    fn put(&self, profile_id: &str, kind: SecretKind, secret: &Secret) -> Result<()>;
    /// The stored secret, or `None` when there is none.
    fn get(&self, profile_id: &str, kind: SecretKind) -> Result<Option<Secret>>;
    /// Removes a secret; removing a missing one is not an error.
    fn delete(&self, profile_id: &str, kind: SecretKind) -> Result<()>;
}

/// What the user should do when the keychain refuses; the UI shows the
/// translation of `keychain_unavailable`, this text goes to logs and the CLI.
const KEYCHAIN_HELP: &str =
    "Union Desk keeps secrets only in the system keychain and stored nothing. \
On Linux, start and unlock a Secret Service keyring (GNOME Keyring or KWallet); \
on macOS or Windows, unlock the login keychain or Credential Manager, then try again";

/// The OS keychain.
pub struct KeyringVault {
    redactor: Redactor,
    timeout: Duration,
}

impl KeyringVault {
    /// How long a keychain call may take before we give up. A locked keyring
    /// may show an unlock prompt, so this leaves a person time to type; on a
    /// headless machine it stops the call from hanging forever.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(90);

    pub fn new(redactor: Redactor) -> Self {
        KeyringVault {
            redactor,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs one keychain operation on its own thread, so a keychain stuck
    /// behind an unanswered prompt turns into an error instead of a hang.
    fn run<T: Send + 'static>(
        &self,
        op: impl FnOnce() -> keyring::Result<T> + Send + 'static,
    ) -> Result<keyring::Result<T>> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let _ = tx.send(op());
            })
            .map_err(|e| Error::Internal(format!("cannot start the keychain thread: {e}")))?;
        rx.recv_timeout(self.timeout).map_err(|_| {
            Error::KeychainUnavailable(format!(
                "the keychain did not answer within {} s (is it locked?). {KEYCHAIN_HELP}",
                self.timeout.as_secs()
            ))
        })
    }

    fn entry(profile_id: &str, kind: SecretKind) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, &entry_user(profile_id, kind)).map_err(map_keyring_error)
    }
}

/// Maps a keyring failure; never includes the secret (keyring's own errors
/// carry none except `BadEncoding`, which is not formatted here).
fn map_keyring_error(e: keyring::Error) -> Error {
    match e {
        keyring::Error::PlatformFailure(inner) => {
            Error::KeychainUnavailable(format!("{inner}. {KEYCHAIN_HELP}"))
        }
        keyring::Error::NoStorageAccess(inner) => Error::KeychainUnavailable(format!(
            "access to the keychain was refused ({inner}). {KEYCHAIN_HELP}"
        )),
        keyring::Error::BadEncoding(_) => {
            Error::Internal("a keychain entry of Union Desk is not valid UTF-8".into())
        }
        keyring::Error::TooLong(attr, limit) => Error::invalid(
            "secret",
            format!("the keychain limits {attr} to {limit} bytes"),
        ),
        keyring::Error::Invalid(attr, reason) => {
            Error::Internal(format!("keychain attribute {attr} refused: {reason}"))
        }
        keyring::Error::Ambiguous(found) => Error::Internal(format!(
            "{} keychain entries match one Union Desk secret",
            found.len()
        )),
        keyring::Error::NoEntry => Error::NotFound("keychain entry".into()),
        other => Error::KeychainUnavailable(format!("{other}. {KEYCHAIN_HELP}")),
    }
}

impl Vault for KeyringVault {
    fn put(&self, profile_id: &str, kind: SecretKind, secret: &Secret) -> Result<()> {
        self.redactor.register(secret.expose());
        let entry = Self::entry(profile_id, kind)?;
        let value = secret.clone();
        self.run(move || entry.set_password(value.expose()))?
            .map_err(map_keyring_error)
    }

    fn get(&self, profile_id: &str, kind: SecretKind) -> Result<Option<Secret>> {
        let entry = Self::entry(profile_id, kind)?;
        match self.run(move || entry.get_password().map(Secret::new))? {
            Ok(secret) => {
                self.redactor.register(secret.expose());
                Ok(Some(secret))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn delete(&self, profile_id: &str, kind: SecretKind) -> Result<()> {
        let entry = Self::entry(profile_id, kind)?;
        match self.run(move || entry.delete_credential())? {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

/// An in-memory vault for tests; it can be switched to behave like an
/// unusable keychain.
#[derive(Default)]
pub struct MemoryVault {
    entries: Mutex<HashMap<String, Secret>>,
    unavailable: std::sync::atomic::AtomicBool,
    redactor: Redactor,
}

impl MemoryVault {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_redactor(redactor: Redactor) -> Self {
        MemoryVault {
            redactor,
            ..Self::default()
        }
    }

    /// From now on every call fails like a locked or missing keychain.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable
            .store(unavailable, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many secrets are stored (tests check nothing leaked in).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self) -> Result<()> {
        if self.unavailable.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::KeychainUnavailable(format!(
                "no Secret Service on the session bus. {KEYCHAIN_HELP}"
            )));
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Vault for MemoryVault {
    fn put(&self, profile_id: &str, kind: SecretKind, secret: &Secret) -> Result<()> {
        self.check()?;
        self.redactor.register(secret.expose());
        self.lock()
            .insert(entry_user(profile_id, kind), secret.clone());
        Ok(())
    }

    fn get(&self, profile_id: &str, kind: SecretKind) -> Result<Option<Secret>> {
        self.check()?;
        let found = self.lock().get(&entry_user(profile_id, kind)).cloned();
        if let Some(secret) = &found {
            self.redactor.register(secret.expose());
        }
        Ok(found)
    }

    fn delete(&self, profile_id: &str, kind: SecretKind) -> Result<()> {
        self.check()?;
        self.lock().remove(&entry_user(profile_id, kind));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn secret_input_deserializes_but_never_shows() {
        let input: SecretInput = serde_json::from_str("\"abcdef123456\"").unwrap();
        assert_eq!(input.secret().expose(), "abcdef123456");
        assert_eq!(format!("{input:?}"), "<redacted>");
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Args {
            secret: SecretInput,
        }
        let args: Args = serde_json::from_str(r#"{"secret":"abcdef123456"}"#).unwrap();
        assert!(!format!("{args:?}").contains("abcdef123456"));
    }

    #[test]
    fn memory_vault_round_trip_and_delete() {
        let vault = MemoryVault::new();
        let s = Secret::new("f4aa117ae871a7c7c922e6a885682eae".into());
        vault.put("p1", SecretKind::ApiSecret, &s).unwrap();
        assert_eq!(
            vault
                .get("p1", SecretKind::ApiSecret)
                .unwrap()
                .unwrap()
                .expose(),
            s.expose()
        );
        assert!(vault
            .get("p1", SecretKind::CallbackSecret)
            .unwrap()
            .is_none());
        assert!(vault.get("p2", SecretKind::ApiSecret).unwrap().is_none());
        vault.delete("p1", SecretKind::ApiSecret).unwrap();
        vault.delete("p1", SecretKind::ApiSecret).unwrap();
        assert!(vault.get("p1", SecretKind::ApiSecret).unwrap().is_none());
    }

    #[test]
    fn unavailable_vault_stores_nothing() {
        let vault = MemoryVault::new();
        vault.set_unavailable(true);
        let err = vault
            .put(
                "p1",
                SecretKind::ApiSecret,
                &Secret::new("abcdef123456".into()),
            )
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::KeychainUnavailable);
        assert!(err.to_string().contains("stored nothing"));
        vault.set_unavailable(false);
        assert!(vault.is_empty());
    }

    #[test]
    fn secrets_passing_through_are_registered_for_redaction() {
        let redactor = Redactor::new();
        let vault = MemoryVault::with_redactor(redactor.clone());
        vault
            .put(
                "p1",
                SecretKind::CallbackSecret,
                &Secret::new("cb-0123456789".into()),
            )
            .unwrap();
        assert_eq!(redactor.redact(b"x cb-0123456789 y"), b"x <redacted> y");
    }

    #[test]
    fn entry_names_are_per_profile_and_kind() {
        assert_eq!(
            entry_user("ab12", SecretKind::ApiSecret),
            "profile-ab12-api-secret"
        );
        assert_eq!(
            entry_user("ab12", SecretKind::CallbackSecret),
            "profile-ab12-callback-secret"
        );
    }

    #[test]
    fn keychain_platform_failures_are_unavailable_with_help() {
        let e = map_keyring_error(keyring::Error::PlatformFailure("no dbus".into()));
        assert_eq!(e.code(), ErrorCode::KeychainUnavailable);
        assert!(e.to_string().contains("no dbus"));
        let e = map_keyring_error(keyring::Error::NoStorageAccess("locked".into()));
        assert_eq!(e.code(), ErrorCode::KeychainUnavailable);
        assert!(e.to_string().contains("unlock"));
    }

    #[test]
    fn keyring_vault_times_out_instead_of_hanging() {
        let vault = KeyringVault::new(Redactor::new()).with_timeout(Duration::from_millis(50));
        let res = vault.run(|| {
            std::thread::sleep(Duration::from_secs(2));
            Ok(())
        });
        assert_eq!(res.unwrap_err().code(), ErrorCode::KeychainUnavailable);
    }
}
