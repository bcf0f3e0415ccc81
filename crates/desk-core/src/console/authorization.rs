//! API authorization (API 授权) per profile: 未开通 → 申请中 → 已开通, and
//! refused → re-apply. Each application is tracked as a request with its due
//! time: about one hour for a first application, two working days after.
//! Sandbox profiles perform the step against the sandbox console; for the
//! real Meituan the user opens [`CONSOLE_URL`] and marks the outcome (and the
//! keys module's "verify" confirms 已开通 with a real signed call).

use super::Via;
use crate::clock::{beijing_rfc3339, Clock};
use crate::console::applications::{
    self, ConsoleRequest, RequestKind, RequestStatus, ANSWER_WORKING_DAYS,
};
use crate::console::sandbox::{RemoteAuthorization, SandboxConsole};
use crate::console::workdays;
use crate::error::{Error, Result};
use crate::profiles::{self, AuthStatus, Profile};
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// The Meituan Union console; API 授权 is under 我要推广 → API 授权.
pub const CONSOLE_URL: &str = "https://union.meituan.com/";

/// Where in the console the page is, for the user.
pub const CONSOLE_PATH_ZH: &str = "我要推广 → API 授权";

/// How long a first application takes to be answered.
pub const FIRST_ANSWER: Duration = Duration::hours(1);

/// When the answer of application number `attempt` (1-based) filed at
/// `applied_at` is due.
pub fn due_time(applied_at: DateTime<Utc>, attempt: u32) -> DateTime<Utc> {
    if attempt <= 1 {
        applied_at + FIRST_ANSWER
    } else {
        workdays::due_instant(applied_at, ANSWER_WORKING_DAYS)
    }
}

/// A profile's authorization as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AuthorizationView {
    pub profile_id: String,
    pub status: AuthStatus,
    /// False until a verify or an authorization step established `status`.
    pub checked: bool,
    pub applications: u32,
    pub applied_at: Option<String>,
    /// When the current application's answer is due (while 申请中).
    pub due_at: Option<String>,
    /// 申请中 and past the due time: refresh the console page.
    pub answer_due: bool,
    pub sandbox: bool,
    pub console_url: String,
    pub console_path: String,
    /// The latest authorization request of the tracker.
    pub request: Option<ConsoleRequest>,
}

fn latest_request(
    store: &Store,
    clock: &dyn Clock,
    profile: &Profile,
) -> Result<Option<ConsoleRequest>> {
    let now = clock.now();
    crate::console::applications::sql::list(
        &*store.connect()?,
        &profile.id,
        Some(RequestKind::Authorization.as_str()),
    )?
    .into_iter()
    .next()
    .map(|r| applications::to_request(r, now))
    .transpose()
}

/// The authorization state of a profile.
pub fn view(store: &Store, clock: &dyn Clock, profile_id: &str) -> Result<AuthorizationView> {
    let profile = profiles::get(store, profile_id)?;
    let request = latest_request(store, clock, &profile)?;
    let applying = profile.auth_status == AuthStatus::Applying;
    let due_at = request
        .as_ref()
        .filter(|r| applying && r.status == RequestStatus::Filed)
        .map(|r| r.due_at.clone());
    let answer_due = applying && request.as_ref().is_some_and(|r| r.answer_due);
    Ok(AuthorizationView {
        profile_id: profile.id.clone(),
        status: profile.auth_status,
        checked: profile.auth_checked_at.is_some(),
        applications: profile.auth_applications,
        applied_at: profile.auth_applied_at.clone(),
        due_at,
        answer_due,
        sandbox: profile.sandbox,
        console_url: CONSOLE_URL.into(),
        console_path: CONSOLE_PATH_ZH.into(),
        request,
    })
}

fn record_application(
    store: &Store,
    clock: &dyn Clock,
    profile_id: &str,
    via: Via,
) -> Result<Profile> {
    let profile = profiles::get(store, profile_id)?;
    match profile.auth_status {
        AuthStatus::NotOpen | AuthStatus::Refused => {}
        AuthStatus::Applying => {
            return Err(Error::invalid(
                "auth_status",
                "an application is already waiting for an answer",
            ))
        }
        AuthStatus::Open => {
            return Err(Error::invalid(
                "auth_status",
                "the API authorization is already open",
            ))
        }
    }
    let profile = profiles::set_auth_status(store, clock, profile_id, AuthStatus::Applying)?;
    let now = clock.now();
    let due = due_time(now, profile.auth_applications);
    applications::insert(
        store,
        &profile,
        RequestKind::Authorization,
        now,
        due,
        None,
        None,
        None,
        via,
    )?;
    Ok(profile)
}

/// Real Meituan: the user clicked 去开通 in the console (the shell opens
/// [`CONSOLE_URL`]); records 申请中 and the due time.
pub fn apply_manual(
    store: &Store,
    clock: &dyn Clock,
    profile_id: &str,
) -> Result<AuthorizationView> {
    record_application(store, clock, profile_id, Via::Manual)?;
    view(store, clock, profile_id)
}

/// Records the answer the user saw in the console (or the sandbox gave).
pub fn mark_outcome(
    store: &Store,
    clock: &dyn Clock,
    profile_id: &str,
    granted: bool,
) -> Result<AuthorizationView> {
    let profile = profiles::get(store, profile_id)?;
    if profile.auth_status != AuthStatus::Applying && !granted {
        return Err(Error::invalid(
            "auth_status",
            "there is no application waiting for an answer",
        ));
    }
    let status = if granted {
        AuthStatus::Open
    } else {
        AuthStatus::Refused
    };
    profiles::set_auth_status(store, clock, profile_id, status)?;
    if let Some(req) = latest_request(store, clock, &profile)? {
        if req.status == RequestStatus::Filed {
            crate::console::applications::sql::answer(
                &*store.connect()?,
                req.id,
                if granted { "granted" } else { "refused" },
                None,
                &beijing_rfc3339(clock.now()),
                None,
            )?;
        }
    }
    view(store, clock, profile_id)
}

/// Sandbox: applies through the sandbox console, then tracks locally.
pub async fn apply_sandbox(
    store: &Store,
    clock: &dyn Clock,
    console: &SandboxConsole,
    profile_id: &str,
) -> Result<AuthorizationView> {
    let profile = profiles::get(store, profile_id)?;
    applications::require_sandbox(&profile)?;
    match console.apply_authorization(&profile.appkey).await {
        Ok(_) => {}
        // The sandbox already shows it open: bring the local state along.
        Err(Error::Api { code, .. }) if code == "already_approved" => {
            return refresh_sandbox(store, clock, console, profile_id).await
        }
        Err(e) => return Err(e),
    }
    record_application(store, clock, profile_id, Via::Sandbox)?;
    view(store, clock, profile_id)
}

/// Sandbox: reads the console's state and records an answer if there is one.
pub async fn refresh_sandbox(
    store: &Store,
    clock: &dyn Clock,
    console: &SandboxConsole,
    profile_id: &str,
) -> Result<AuthorizationView> {
    let profile = profiles::get(store, profile_id)?;
    applications::require_sandbox(&profile)?;
    match console.authorization(&profile.appkey).await? {
        RemoteAuthorization::Approved if profile.auth_status != AuthStatus::Open => {
            if profile.auth_status != AuthStatus::Applying {
                profiles::set_auth_status(store, clock, profile_id, AuthStatus::Open)?;
            } else {
                mark_outcome(store, clock, profile_id, true)?;
            }
        }
        RemoteAuthorization::Closed if profile.auth_status == AuthStatus::Applying => {
            mark_outcome(store, clock, profile_id, false)?;
        }
        _ => {}
    }
    view(store, clock, profile_id)
}

#[cfg(test)]
mod tests {
    use super::CONSOLE_URL;

    /// The only address the app opens in the browser (`open_console`): it
    /// must stay Meituan Union's console, over HTTPS, with nothing appended.
    #[test]
    fn the_console_address_is_meituan_unions_over_https() {
        let url = url::Url::parse(CONSOLE_URL).unwrap();
        assert_eq!(url.scheme(), "https");
        assert_eq!(url.host_str(), Some("union.meituan.com"));
        assert_eq!(url.port(), None);
        assert_eq!((url.path(), url.query(), url.fragment()), ("/", None, None));
        assert!(url.username().is_empty() && url.password().is_none());
    }
}
