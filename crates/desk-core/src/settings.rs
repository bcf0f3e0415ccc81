//! User settings: language, clipboard timeout, sandbox default. Stored in the
//! `settings` table; never holds a secret.

use crate::error::{Error, Result};
use crate::store::Store;
use serde::{Deserialize, Serialize};

/// This feature's SQL.
pub mod sql;

/// The UI language. Simplified Chinese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

/// Allowed clipboard auto-clear timeouts, in seconds; `None` means never.
pub const CLIPBOARD_TIMEOUTS: [Option<u32>; 5] = [Some(10), Some(30), Some(60), Some(120), None];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Settings {
    pub language: Language,
    /// Seconds before a copied secret is cleared; `null` = never.
    pub clipboard_clear_secs: Option<u32>,
    /// Whether new users start on the embedded sandbox.
    pub sandbox_enabled: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            language: Language::ZhCn,
            clipboard_clear_secs: Some(30),
            sandbox_enabled: true,
        }
    }
}

const KEY: &str = "settings";

impl Settings {
    pub fn load(store: &Store) -> Result<Settings> {
        let conn = store.connect()?;
        match sql::get(&conn, KEY)? {
            // A value this build cannot read falls back to defaults rather
            // than locking the user out of the app.
            Some(raw) => Ok(serde_json::from_str(&raw).unwrap_or_default()),
            None => Ok(Settings::default()),
        }
    }

    pub fn validate(&self) -> Result<()> {
        if !CLIPBOARD_TIMEOUTS.contains(&self.clipboard_clear_secs) {
            return Err(Error::invalid(
                "clipboard_clear_secs",
                "must be 10, 30, 60, 120 seconds or never",
            ));
        }
        Ok(())
    }

    pub fn save(&self, store: &Store) -> Result<()> {
        self.validate()?;
        let raw = serde_json::to_string(self).map_err(|e| Error::Internal(e.to_string()))?;
        sql::put(&*store.connect()?, KEY, &raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let s = Settings::load(&store).unwrap();
        assert_eq!(s.language, Language::ZhCn);
        let changed = Settings {
            language: Language::En,
            clipboard_clear_secs: None,
            ..s
        };
        changed.save(&store).unwrap();
        assert_eq!(Settings::load(&store).unwrap(), changed);
    }

    #[test]
    fn refuses_odd_timeouts_and_keeps_the_old_value() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let bad = Settings {
            clipboard_clear_secs: Some(7),
            ..Settings::default()
        };
        assert_eq!(
            bad.save(&store).unwrap_err().code(),
            crate::ErrorCode::InvalidInput
        );
        assert_eq!(Settings::load(&store).unwrap(), Settings::default());
    }

    #[test]
    fn language_serializes_as_bcp47() {
        assert_eq!(serde_json::to_string(&Language::ZhCn).unwrap(), "\"zh-CN\"");
        assert_eq!(serde_json::to_string(&Language::En).unwrap(), "\"en\"");
    }
}
