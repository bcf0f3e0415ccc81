//! Promotion positions (推广位 / sid): named records per profile. The sid
//! code is what Meituan attributes orders to, so it never changes once
//! created; "rename" changes the label, and archiving hides a sid from the
//! pickers while its orders and links stay.

use crate::clock::{beijing_rfc3339, Clock};
use crate::error::{Error, FieldError, Result};
use crate::profiles::Generation;
use crate::store::Store;
use serde::{Deserialize, Serialize};

/// This feature's SQL.
pub mod sql;

/// Longest sid Meituan accepts (characters).
pub const SID_MAX_CHARS: usize = 64;
/// Longest label.
pub const NAME_MAX_CHARS: usize = 40;

/// A stored sid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Sid {
    pub id: u32,
    pub profile_id: String,
    /// The code sent to Meituan.
    pub sid: String,
    /// The user's label.
    pub name: String,
    pub archived: bool,
    pub created_at: String,
}

/// A documented recommendation an accepted sid does not follow, for the
/// API generation of its profile: Meituan may still accept the sid, so this
/// is told, never refused. The recommendations and their sources are
/// `meituan_union::validate::sid_warnings` (issue 18 item 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SidWarning {
    /// The generation whose documentation makes the recommendation.
    pub generation: Generation,
    /// The characters outside the recommendation, each once, in order of
    /// appearance (at most 8).
    pub found: Vec<String>,
    /// The public source of the recommendation, `owner/repo:path:line`.
    pub source: String,
}

/// A created sid plus the warnings about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SidCreated {
    pub sid: Sid,
    pub warnings: Vec<SidWarning>,
}

/// Checks a sid code: 1–64 characters, no whitespace or control characters
/// (our own rule: such a sid is almost always a paste mistake, and a space
/// cannot be told apart on screen). Everything else is accepted; see
/// [`warnings`] for what is worth telling.
pub fn validate_sid(sid: &str) -> Result<()> {
    if sid.is_empty() {
        return Err(Error::invalid("sid", "must not be empty"));
    }
    let chars = sid.chars().count();
    if chars > SID_MAX_CHARS {
        return Err(Error::invalid(
            "sid",
            format!("is {chars} characters long; at most {SID_MAX_CHARS} are allowed"),
        ));
    }
    if let Some(c) = sid.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            "sid",
            format!("contains {c:?}; spaces and control characters are not allowed"),
        ));
    }
    Ok(())
}

/// The documented recommendations `sid` does not follow for `generation`.
pub fn warnings(generation: Generation, sid: &str) -> Vec<SidWarning> {
    let api = match generation {
        Generation::Legacy => meituan_union::ApiGeneration::Legacy,
        Generation::Media => meituan_union::ApiGeneration::Media,
    };
    meituan_union::validate::sid_warnings(api, sid)
        .into_iter()
        .map(|w| {
            let found = match &w {
                meituan_union::validate::SidWarning::LegacyCharacters { found }
                | meituan_union::validate::SidWarning::MediaCharacters { found } => {
                    found.iter().map(char::to_string).collect()
                }
            };
            SidWarning {
                generation,
                found,
                source: w.source().to_owned(),
            }
        })
        .collect()
}

fn validate_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "must not be empty"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(Error::invalid(
            "name",
            format!("at most {NAME_MAX_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "contains control characters"));
    }
    Ok(name.to_owned())
}

/// Creates a sid for a profile. `name` defaults to the code.
pub fn create(
    store: &Store,
    clock: &dyn Clock,
    profile_id: &str,
    sid: &str,
    name: Option<&str>,
) -> Result<SidCreated> {
    validate_sid(sid)?;
    let name = validate_name(name.filter(|n| !n.trim().is_empty()).unwrap_or(sid))?;
    let conn = store.connect()?;
    let generation = crate::profiles::sql::get(&conn, profile_id)?
        .ok_or_else(|| Error::not_found("profile", profile_id))?
        .generation;
    let warnings = warnings(generation, sid);
    // The code is valid, but taken: said as such, not as the sid rules
    // (issue 19). An archived one is not restored behind the user's back:
    // the refusal says it is archived, and restoring is one click.
    match sql::by_code(&conn, profile_id, sid)? {
        Some(s) if s.archived => return Err(archived(sid)),
        Some(_) => {
            return Err(
                FieldError::rule("sid", "exists", "this profile already has this sid").into(),
            )
        }
        None => {}
    }
    let id =
        sql::insert(&conn, profile_id, sid, &name, &beijing_rfc3339(clock.now())).map_err(|e| {
            match e {
                Error::Storage(m) if m.contains("FOREIGN KEY") => {
                    Error::not_found("profile", profile_id)
                }
                other => other,
            }
        })?;
    Ok(SidCreated {
        sid: get(store, id)?,
        warnings,
    })
}

pub fn get(store: &Store, id: u32) -> Result<Sid> {
    sql::get(&*store.connect()?, id)?.ok_or_else(|| Error::not_found("sid", id))
}

/// A profile's sids; archived ones only when asked.
pub fn list(store: &Store, profile_id: &str, include_archived: bool) -> Result<Vec<Sid>> {
    sql::list(&*store.connect()?, profile_id, include_archived)
}

/// Changes a sid's label.
pub fn rename(store: &Store, id: u32, name: &str) -> Result<Sid> {
    let name = validate_name(name)?;
    if sql::set_name(&*store.connect()?, id, &name)? == 0 {
        return Err(Error::not_found("sid", id));
    }
    get(store, id)
}

/// Archives (or restores) a sid.
pub fn set_archived(store: &Store, id: u32, archived: bool) -> Result<Sid> {
    if sql::set_archived(&*store.connect()?, id, archived)? == 0 {
        return Err(Error::not_found("sid", id));
    }
    get(store, id)
}

/// The refusal of an archived sid (rule `archived`, so the UI says so
/// rather than repeating the sid rules).
fn archived(sid: &str) -> Error {
    FieldError::rule(
        "sid",
        "archived",
        format!("{sid} is archived; restore it first"),
    )
    .into()
}

/// Refuses a sid a link cannot use (invalid, or archived by the user)
/// without writing anything: checked before a call is made.
pub fn check_usable(store: &Store, profile_id: &str, sid: &str) -> Result<()> {
    validate_sid(sid)?;
    match sql::by_code(&*store.connect()?, profile_id, sid)? {
        Some(s) if s.archived => Err(archived(sid)),
        _ => Ok(()),
    }
}

/// Makes sure a sid code used in a request is known for the profile
/// (creating it, named after itself, the first time), so links and orders
/// always show a named sid. Refuses an archived sid.
pub fn ensure(store: &Store, clock: &dyn Clock, profile_id: &str, sid: &str) -> Result<()> {
    validate_sid(sid)?;
    let conn = store.connect()?;
    match sql::by_code(&conn, profile_id, sid)? {
        Some(s) if s.archived => Err(archived(sid)),
        Some(_) => Ok(()),
        None => {
            sql::insert(&conn, profile_id, sid, sid, &beijing_rfc3339(clock.now()))?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_rules() {
        assert!(validate_sid("promo_01-a").is_ok());
        assert!(validate_sid("推广位1").is_ok());
        assert!(validate_sid("").is_err());
        assert!(validate_sid("a b").is_err());
        assert!(validate_sid("a\tb").is_err());
        assert!(validate_sid("a\u{7}").is_err());
        assert!(validate_sid("a\u{3000}b").is_err(), "ideographic space");
        assert!(validate_sid(&"x".repeat(64)).is_ok());
        assert!(validate_sid(&"x".repeat(65)).is_err());
        // 64 Chinese characters are 64 characters, not 192 bytes.
        assert!(validate_sid(&"中".repeat(64)).is_ok());
    }

    fn store_with_profile() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        store
            .connect()
            .unwrap()
            .execute(
                "INSERT INTO profiles (id, name, appkey, generation, sandbox, tier, created_at)
                 VALUES ('p1', 'main', 'k', 'legacy', 1, '2000', '2026-12-05T10:00:00+08:00')",
                [],
            )
            .unwrap();
        (dir, store)
    }

    /// The rule an IPC refusal names (`details.rule`), which picks the UI's
    /// sentence.
    fn ipc_rule(e: Error) -> (String, Option<String>) {
        let json = serde_json::to_value(crate::error::IpcError::from(e)).unwrap();
        assert_eq!(json["code"], "invalid_input", "{json}");
        (
            json["details"]["field"].as_str().unwrap().to_owned(),
            json["details"]["rule"].as_str().map(str::to_owned),
        )
    }

    /// Adding a sid the profile already has is refused as "already added"
    /// (rule `exists`), not as the sid rules it follows; an archived one
    /// as "archived" (rule `archived`), without restoring it or renaming
    /// it behind the user's back (issue 19). Neither adds a row.
    #[test]
    fn adding_a_known_sid_says_it_exists_or_is_archived() {
        let (_dir, store) = store_with_profile();
        let clock = crate::clock::ManualClock::new(chrono::Utc::now());
        let wx = create(&store, &clock, "p1", "wx01", Some("公众号"))
            .unwrap()
            .sid;
        let e = create(&store, &clock, "p1", "wx01", Some("别的名字")).unwrap_err();
        assert_eq!(ipc_rule(e), ("sid".into(), Some("exists".into())));

        set_archived(&store, wx.id, true).unwrap();
        let e = create(&store, &clock, "p1", "wx01", None).unwrap_err();
        assert_eq!(ipc_rule(e), ("sid".into(), Some("archived".into())));
        let all = list(&store, "p1", true).unwrap();
        assert_eq!(all.len(), 1);
        assert!(all[0].archived, "still archived");
        assert_eq!(all[0].name, "公众号", "name unchanged");
        // A link with the archived sid is refused the same way.
        let e = check_usable(&store, "p1", "wx01").unwrap_err();
        assert_eq!(ipc_rule(e), ("sid".into(), Some("archived".into())));

        // A new code is still added.
        assert!(create(&store, &clock, "p1", "wx02", None).is_ok());
        // An invalid code still says the sid rules (no rule).
        let e = create(&store, &clock, "p1", "a b", None).unwrap_err();
        assert_eq!(ipc_rule(e), ("sid".into(), None));
    }

    /// Each generation warns by its own documented recommendation, naming
    /// the characters outside it and the source; a sid that follows it
    /// gets no warning.
    #[test]
    fn warnings_follow_the_generation_documentation() {
        assert_eq!(warnings(Generation::Legacy, "promo01"), vec![]);
        assert_eq!(warnings(Generation::Media, "Promo_01"), vec![]);
        let legacy = warnings(Generation::Legacy, "Promo_推广1");
        assert_eq!(legacy.len(), 1);
        assert_eq!(legacy[0].generation, Generation::Legacy);
        assert_eq!(legacy[0].found, vec!["P", "_", "推", "广"]);
        assert!(
            legacy[0].source.contains("generatelink.go"),
            "{:?}",
            legacy[0]
        );
        // Upper case and '_' follow the media recommendation; Chinese does not.
        let media = warnings(Generation::Media, "Promo_推广1");
        assert_eq!(media[0].generation, Generation::Media);
        assert_eq!(media[0].found, vec!["推", "广"]);
        assert!(
            media[0].source.contains("get_referral_link.go"),
            "{:?}",
            media[0]
        );
        assert_eq!(warnings(Generation::Media, "a-b")[0].found, vec!["-"]);
    }
}
