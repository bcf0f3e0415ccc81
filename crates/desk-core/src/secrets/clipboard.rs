//! Copying a secret without the webview ever holding it: Rust writes it to
//! the OS clipboard, marked "sensitive / exclude from history" where the OS
//! has such a marker, and clears it after the user's timeout — but only if
//! the clipboard still holds what we put there (compared by hash, so the
//! value itself is not kept) — and again on quit.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use meituan_union::Secret;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// What the secret clipboard needs from the OS clipboard.
pub trait ClipboardBackend: Send {
    /// Writes text marked as sensitive (kept out of clipboard history and
    /// cloud sync where the platform supports it).
    fn set_sensitive_text(&mut self, text: &str) -> Result<()>;
    /// The current text, `None` when the clipboard holds no text.
    fn text(&mut self) -> Result<Option<String>>;
    fn clear(&mut self) -> Result<()>;
}

/// The OS clipboard through `arboard`. Opened on first use: a CLI or a
/// headless test never needs a display. On X11 and Wayland the clipboard is
/// served by its owner, so this value must live as long as the app.
#[derive(Default)]
pub struct SystemClipboard {
    inner: Option<arboard::Clipboard>,
}

impl SystemClipboard {
    pub fn new() -> Self {
        Self::default()
    }

    fn open(&mut self) -> Result<&mut arboard::Clipboard> {
        if self.inner.is_none() {
            self.inner = Some(arboard::Clipboard::new().map_err(clipboard_error)?);
        }
        Ok(self.inner.as_mut().expect("just opened"))
    }
}

fn clipboard_error(e: arboard::Error) -> Error {
    // arboard's messages never contain the clipboard's content.
    Error::Internal(format!("the clipboard is not available: {e}"))
}

impl ClipboardBackend for SystemClipboard {
    fn set_sensitive_text(&mut self, text: &str) -> Result<()> {
        let cb = self.open()?;
        let set = cb.set();
        #[cfg(any(
            target_os = "linux",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd"
        ))]
        let set = {
            use arboard::SetExtLinux;
            // `x-kde-passwordManagerHint: secret`, honoured by KDE Klipper,
            // GNOME extensions and most clipboard managers.
            set.exclude_from_history()
        };
        #[cfg(target_os = "windows")]
        let set = {
            use arboard::SetExtWindows;
            // ExcludeClipboardContentFromMonitorProcessing-style markers for
            // Win+V history and cloud clipboard.
            set.exclude_from_history().exclude_from_cloud()
        };
        #[cfg(target_os = "macos")]
        let set = {
            use arboard::SetExtApple;
            // org.nspasteboard.ConcealedType
            set.exclude_from_history()
        };
        set.text(text.to_owned()).map_err(clipboard_error)
    }

    fn text(&mut self) -> Result<Option<String>> {
        match self.open()?.get_text() {
            Ok(t) => Ok(Some(t)),
            Err(arboard::Error::ContentNotAvailable) => Ok(None),
            Err(e) => Err(clipboard_error(e)),
        }
    }

    fn clear(&mut self) -> Result<()> {
        self.open()?.clear().map_err(clipboard_error)
    }
}

/// What a copy returns to the UI: when the clipboard will be cleared, for
/// the countdown. Never the secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct CopyReceipt {
    /// RFC 3339 (+08:00); `null` when the user chose never to clear.
    pub clears_at: Option<String>,
    /// Seconds until then, for the countdown; `null` = never.
    pub clear_after_secs: Option<u32>,
}

struct Pending {
    hash: [u8; 32],
    deadline: Option<DateTime<Utc>>,
    /// Distinguishes copies, so an old timer does not clear a newer copy early.
    generation: u64,
}

/// The secret clipboard: copy, timed clear, clear on quit.
pub struct SecretClipboard {
    backend: Mutex<Box<dyn ClipboardBackend>>,
    pending: Mutex<Option<Pending>>,
    generation: std::sync::atomic::AtomicU64,
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl SecretClipboard {
    pub fn new(backend: Box<dyn ClipboardBackend>) -> Self {
        SecretClipboard {
            backend: Mutex::new(backend),
            pending: Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn system() -> Self {
        Self::new(Box::new(SystemClipboard::new()))
    }

    fn backend(&self) -> std::sync::MutexGuard<'_, Box<dyn ClipboardBackend>> {
        self.backend.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Option<Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Copies `secret`, to be cleared `clear_after_secs` after `now` (`None`:
    /// never, though still on quit). Returns the receipt and the copy's
    /// generation for [`SecretClipboard::clear_due`].
    pub fn copy(
        &self,
        secret: &Secret,
        clear_after_secs: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<(CopyReceipt, u64)> {
        self.backend().set_sensitive_text(secret.expose())?;
        let generation = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        let deadline = clear_after_secs.map(|s| now + chrono::Duration::seconds(i64::from(s)));
        *self.pending() = Some(Pending {
            hash: digest(secret.expose()),
            deadline,
            generation,
        });
        Ok((
            CopyReceipt {
                clears_at: deadline.map(crate::clock::beijing_rfc3339),
                clear_after_secs,
            },
            generation,
        ))
    }

    /// Clears the clipboard if it still holds our last copy. Returns whether
    /// it cleared. Either way our copy is forgotten.
    pub fn clear_if_ours(&self) -> Result<bool> {
        let Some(pending) = self.pending().take() else {
            return Ok(false);
        };
        let mut backend = self.backend();
        let ours = backend.text()?.is_some_and(|t| digest(&t) == pending.hash);
        if ours {
            backend.clear()?;
        }
        Ok(ours)
    }

    /// The timer's entry point: clears when copy `generation` is still the
    /// latest and its deadline has passed at `now`.
    pub fn clear_due(&self, generation: u64, now: DateTime<Utc>) -> Result<bool> {
        {
            let pending = self.pending();
            match pending.as_ref() {
                Some(p) if p.generation == generation && p.deadline.is_some_and(|d| now >= d) => {}
                _ => return Ok(false),
            }
        }
        self.clear_if_ours()
    }

    /// The deadline of the pending copy, if any.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.pending().as_ref().and_then(|p| p.deadline)
    }

    /// Copies and starts the clear timer (a task on the current tokio
    /// runtime, or a thread outside one); the timer sleeps on the wall clock
    /// and then asks `clock` whether the deadline passed.
    pub fn copy_with_timer(
        self: &Arc<Self>,
        secret: &Secret,
        clear_after_secs: Option<u32>,
        clock: Arc<dyn crate::Clock>,
    ) -> Result<CopyReceipt> {
        let (receipt, generation) = self.copy(secret, clear_after_secs, clock.now())?;
        if let Some(secs) = clear_after_secs {
            let this = Arc::clone(self);
            let delay = std::time::Duration::from_secs(u64::from(secs));
            let clear = move || {
                if let Err(e) = this.clear_due(generation, clock.now()) {
                    tracing::warn!(error = %e, "could not clear the clipboard");
                }
            };
            // On a tokio runtime (the app's async commands) a task; called
            // from a plain thread, a thread, rather than a panic.
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => {
                    handle.spawn(async move {
                        tokio::time::sleep(delay).await;
                        clear();
                    });
                }
                Err(_) => {
                    std::thread::Builder::new()
                        .name("clipboard-clear".into())
                        .spawn(move || {
                            std::thread::sleep(delay);
                            clear();
                        })
                        .map_err(|e| {
                            Error::Internal(format!("cannot start the clear timer: {e}"))
                        })?;
                }
            }
        }
        Ok(receipt)
    }
}

/// Copies a profile's secret with the user's clear timeout (settings).
pub fn copy_profile_secret(
    clipboard: &Arc<SecretClipboard>,
    store: &crate::Store,
    vault: &dyn crate::secrets::vault::Vault,
    clock: Arc<dyn crate::Clock>,
    profile_id: &str,
    kind: crate::secrets::vault::SecretKind,
) -> Result<CopyReceipt> {
    let profile = crate::profiles::get(store, profile_id)?;
    let secret = crate::profiles::load_secret(vault, &profile, kind)?;
    let timeout = crate::settings::Settings::load(store)?.clipboard_clear_secs;
    clipboard.copy_with_timer(&secret, timeout, clock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A clipboard in memory that records whether copies were marked sensitive.
    #[derive(Clone, Default)]
    pub struct FakeClipboard(Arc<Mutex<(Option<String>, bool)>>);

    impl ClipboardBackend for FakeClipboard {
        fn set_sensitive_text(&mut self, text: &str) -> Result<()> {
            *self.0.lock().unwrap() = (Some(text.to_owned()), true);
            Ok(())
        }
        fn text(&mut self) -> Result<Option<String>> {
            Ok(self.0.lock().unwrap().0.clone())
        }
        fn clear(&mut self) -> Result<()> {
            *self.0.lock().unwrap() = (None, false);
            Ok(())
        }
    }

    impl FakeClipboard {
        fn user_copies(&self, text: &str) {
            *self.0.lock().unwrap() = (Some(text.to_owned()), false);
        }
        fn get(&self) -> Option<String> {
            self.0.lock().unwrap().0.clone()
        }
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 4, 0, 0).unwrap()
    }

    #[test]
    fn copy_marks_sensitive_and_clears_after_the_timeout() {
        let fake = FakeClipboard::default();
        let cb = SecretClipboard::new(Box::new(fake.clone()));
        let (receipt, gen) = cb
            .copy(&Secret::new("secret-value-1".into()), Some(30), t0())
            .unwrap();
        assert_eq!(
            receipt.clears_at.as_deref(),
            Some("2026-03-01T12:00:30+08:00")
        );
        assert_eq!(receipt.clear_after_secs, Some(30));
        assert_eq!(fake.get().as_deref(), Some("secret-value-1"));
        assert!(fake.0.lock().unwrap().1, "marked sensitive");
        // Not yet.
        assert!(!cb
            .clear_due(gen, t0() + chrono::Duration::seconds(29))
            .unwrap());
        assert!(fake.get().is_some());
        assert!(cb
            .clear_due(gen, t0() + chrono::Duration::seconds(30))
            .unwrap());
        assert_eq!(fake.get(), None);
    }

    #[test]
    fn leaves_the_clipboard_alone_when_the_user_copied_something_else() {
        let fake = FakeClipboard::default();
        let cb = SecretClipboard::new(Box::new(fake.clone()));
        let (_, gen) = cb
            .copy(&Secret::new("secret-value-1".into()), Some(10), t0())
            .unwrap();
        fake.user_copies("a shopping list");
        assert!(!cb
            .clear_due(gen, t0() + chrono::Duration::seconds(60))
            .unwrap());
        assert_eq!(fake.get().as_deref(), Some("a shopping list"));
    }

    #[test]
    fn an_old_timer_does_not_cut_a_newer_copy_short() {
        let fake = FakeClipboard::default();
        let cb = SecretClipboard::new(Box::new(fake.clone()));
        let (_, first) = cb
            .copy(&Secret::new("secret-value-1".into()), Some(10), t0())
            .unwrap();
        let later = t0() + chrono::Duration::seconds(5);
        let (_, second) = cb
            .copy(&Secret::new("secret-value-2".into()), Some(30), later)
            .unwrap();
        assert!(!cb
            .clear_due(first, t0() + chrono::Duration::seconds(10))
            .unwrap());
        assert_eq!(fake.get().as_deref(), Some("secret-value-2"));
        assert!(cb
            .clear_due(second, later + chrono::Duration::seconds(30))
            .unwrap());
        assert_eq!(fake.get(), None);
    }

    #[test]
    fn never_means_no_timer_but_quit_still_clears() {
        let fake = FakeClipboard::default();
        let cb = SecretClipboard::new(Box::new(fake.clone()));
        let (receipt, gen) = cb
            .copy(&Secret::new("secret-value-1".into()), None, t0())
            .unwrap();
        assert_eq!(receipt.clears_at, None);
        assert!(!cb.clear_due(gen, t0() + chrono::Duration::days(1)).unwrap());
        assert!(fake.get().is_some());
        // On quit.
        assert!(cb.clear_if_ours().unwrap());
        assert_eq!(fake.get(), None);
        assert!(!cb.clear_if_ours().unwrap());
    }

    #[test]
    fn receipt_never_contains_the_secret() {
        let cb = SecretClipboard::new(Box::new(FakeClipboard::default()));
        let (receipt, _) = cb
            .copy(&Secret::new("secret-value-1".into()), Some(30), t0())
            .unwrap();
        assert!(!serde_json::to_string(&receipt)
            .unwrap()
            .contains("secret-value-1"));
    }

    #[tokio::test]
    async fn copying_a_profile_secret_uses_the_settings_timeout() {
        use crate::profiles::{self, Endpoint, Generation, NewProfile, Tier};
        use crate::secrets::vault::{MemoryVault, SecretKind};
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(dir.path().join("db")).unwrap();
        let vault = MemoryVault::new();
        let clock: Arc<dyn crate::Clock> = Arc::new(crate::ManualClock::new(t0()));
        let p = profiles::create(
            &store,
            &vault,
            clock.as_ref(),
            NewProfile {
                name: "a".into(),
                appkey: "key001".into(),
                generation: Generation::Legacy,
                endpoint: Endpoint::Meituan,
                tier: Tier::T2000,
                api_secret: Some(Secret::new("secret-value-1".into())),
                callback_secret: None,
            },
        )
        .unwrap();
        crate::settings::Settings {
            clipboard_clear_secs: Some(10),
            ..Default::default()
        }
        .save(&store)
        .unwrap();
        let fake = FakeClipboard::default();
        let cb = Arc::new(SecretClipboard::new(Box::new(fake.clone())));
        let receipt = copy_profile_secret(
            &cb,
            &store,
            &vault,
            clock.clone(),
            &p.id,
            SecretKind::ApiSecret,
        )
        .unwrap();
        assert_eq!(receipt.clear_after_secs, Some(10));
        assert_eq!(
            receipt.clears_at.as_deref(),
            Some("2026-03-01T12:00:10+08:00")
        );
        assert_eq!(fake.get().as_deref(), Some("secret-value-1"));
        let e = copy_profile_secret(
            &cb,
            &store,
            &vault,
            clock,
            &p.id,
            SecretKind::CallbackSecret,
        )
        .unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::NotFound);
    }

    #[test]
    fn the_timer_also_runs_outside_a_runtime() {
        let fake = FakeClipboard::default();
        let cb = Arc::new(SecretClipboard::new(Box::new(fake.clone())));
        let clock = Arc::new(crate::ManualClock::new(t0()));
        cb.copy_with_timer(
            &Secret::new("secret-value-1".into()),
            Some(1),
            clock.clone(),
        )
        .unwrap();
        clock.advance(chrono::Duration::seconds(1));
        std::thread::sleep(std::time::Duration::from_millis(1500));
        assert_eq!(fake.get(), None);
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn the_timer_clears_by_itself() {
        let fake = FakeClipboard::default();
        let cb = Arc::new(SecretClipboard::new(Box::new(fake.clone())));
        let clock = Arc::new(crate::ManualClock::new(t0()));
        cb.copy_with_timer(
            &Secret::new("secret-value-1".into()),
            Some(10),
            clock.clone(),
        )
        .unwrap();
        clock.advance(chrono::Duration::seconds(10));
        tokio::time::sleep(std::time::Duration::from_secs(11)).await;
        assert_eq!(fake.get(), None);
    }
}
