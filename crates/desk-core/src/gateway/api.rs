//! The signed-call gateway: the one path every call to Meituan (or the
//! sandbox) takes.
//!
//! load the secret from the vault → reserve one call in the quota ledger
//! (committed before anything is sent) → sign with the clock's time → send
//! once → record the outcome in the call log.
//!
//! A request refused by validation is refused before the reservation; one
//! the client refuses before sending is taken back, since Meituan cannot
//! have counted it. Everything else counts, whatever the answer.

use crate::clock::{beijing, next_beijing_midnight, Clock};
use crate::error::{Error, ErrorCode, Result};
use crate::gateway::quota::{CallOutcome, QuotaLedger};
use crate::profiles::{self, Generation, Profile};
use crate::secrets::vault::{SecretKind, Vault};
use crate::store::Store;
use meituan_union::{
    ApiErrorKind, Client, ClientConfig, Credentials, LegacyEndpoint, MediaEndpoint,
};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where a sandbox profile's calls go: the sandbox embedded in the app,
/// started on first use. The gateway only asks for its address.
pub trait SandboxProvider: Send + Sync {
    /// The running sandbox's base URL (starting it if needed).
    fn base_url(&self) -> Pin<Box<dyn Future<Output = Result<String>> + Send + '_>>;
}

/// A sandbox already running at a known address (tests, `mtu sandbox`).
pub struct FixedSandbox(pub String);

impl SandboxProvider for FixedSandbox {
    fn base_url(&self) -> Pin<Box<dyn Future<Output = Result<String>> + Send + '_>> {
        let url = self.0.clone();
        Box::pin(async move { Ok(url) })
    }
}

/// Timeouts of the HTTP client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiOptions {
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

impl Default for ApiOptions {
    fn default() -> Self {
        let c = ClientConfig::default();
        ApiOptions {
            connect_timeout: c.connect_timeout,
            timeout: c.timeout,
        }
    }
}

/// A call's failure before it is mapped to [`Error`]: the protocol error is
/// kept whole so `verify` can tell an appkey from a secret problem.
#[derive(Debug)]
pub(crate) enum CallError {
    Local(Error),
    Remote(meituan_union::Error),
}

impl From<Error> for CallError {
    fn from(e: Error) -> Self {
        CallError::Local(e)
    }
}

/// The gateway. Cheap to share behind an `Arc`; safe across threads.
pub struct Api {
    store: Store,
    vault: Arc<dyn Vault>,
    clock: Arc<dyn Clock>,
    ledger: QuotaLedger,
    sandbox: Option<Arc<dyn SandboxProvider>>,
    options: ApiOptions,
    /// One HTTP client (and connection pool) per base URL.
    clients: Mutex<HashMap<String, Client>>,
    /// Held (shared) while this gateway lives: see [`settle_interrupted_calls`].
    _gateway_lock: Option<std::fs::File>,
}

/// A call still pending this long after it started belongs to no live
/// process: the client gives up far sooner (connect + answer timeouts).
pub const STALE_PENDING_SECS: i64 = 300;

/// Settles the call-log rows that processes killed mid-call left pending
/// (counted as spent: they may have been sent), and returns the lock this
/// gateway then holds, shared, for as long as it lives.
///
/// Every gateway holds `<data folder>/locks/gateway.lock` shared. One that
/// gets it exclusively at start knows no other gateway lives on this data
/// folder, so every pending row is a dead process's and is settled. When
/// another gateway lives (the app while `mtu` starts), only rows pending
/// longer than [`STALE_PENDING_SECS`] are, so its calls in flight are left
/// alone.
fn settle_interrupted_calls(store: &Store, clock: &dyn Clock) -> Option<std::fs::File> {
    let dir = match store.path().parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let path = dir.join("locks").join("gateway.lock");
    let lock = (|| -> std::io::Result<(std::fs::File, bool)> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir.join("locks"))?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok((file, true)),
            Err(std::fs::TryLockError::WouldBlock) => Ok((file, false)),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    })();
    let (file, alone) = match lock {
        Ok((file, alone)) => (Some(file), alone),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot lock the gateway lock file");
            (None, false)
        }
    };
    let before = (!alone).then(|| {
        crate::clock::beijing_rfc3339(clock.now() - chrono::Duration::seconds(STALE_PENDING_SECS))
    });
    let settled = store.connect().and_then(|mut conn| {
        crate::gateway::quota::sql::settle_interrupted(&mut conn, before.as_deref())
    });
    match settled {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            calls = n,
            "settled calls left pending by an ended process (counted as spent)"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot settle calls left pending"),
    }
    let file = file?;
    if alone {
        // Exclusive for the settling only; shared from now on.
        if let Err(e) = file.unlock() {
            tracing::warn!(error = %e, "cannot release the gateway lock");
            return None;
        }
    }
    match file.lock_shared() {
        Ok(()) => Some(file),
        Err(e) => {
            tracing::warn!(error = %e, "cannot hold the gateway lock");
            None
        }
    }
}

impl Api {
    /// The gateway over a data folder's store. Settles the calls that an
    /// ended process left pending (see [`settle_interrupted_calls`]).
    pub fn new(store: Store, vault: Arc<dyn Vault>, clock: Arc<dyn Clock>) -> Self {
        let gateway_lock = settle_interrupted_calls(&store, clock.as_ref());
        Api {
            _gateway_lock: gateway_lock,
            ledger: QuotaLedger::new(store.clone(), clock.clone()),
            store,
            vault,
            clock,
            sandbox: None,
            options: ApiOptions::default(),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// How sandbox profiles reach their sandbox.
    pub fn with_sandbox(mut self, sandbox: Arc<dyn SandboxProvider>) -> Self {
        self.sandbox = Some(sandbox);
        self
    }

    pub fn with_options(mut self, options: ApiOptions) -> Self {
        self.options = options;
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn vault(&self) -> &dyn Vault {
        self.vault.as_ref()
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn ledger(&self) -> &QuotaLedger {
        &self.ledger
    }

    /// The base URL a profile's calls go to.
    pub async fn base_url(&self, profile: &Profile) -> Result<String> {
        match (&profile.base_url, profile.sandbox) {
            (Some(url), _) => Ok(url.clone()),
            (None, true) => match &self.sandbox {
                Some(sandbox) => sandbox.base_url().await,
                None => Err(Error::Internal(
                    "this front end cannot start the embedded sandbox".into(),
                )),
            },
            (None, false) => Ok(profile.generation.default_base_url().to_owned()),
        }
    }

    fn client(&self, base_url: &str) -> Result<Client> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(base_url) {
            return Ok(c.clone());
        }
        let url =
            url::Url::parse(base_url).map_err(|e| Error::invalid("base_url", e.to_string()))?;
        let config = ClientConfig {
            connect_timeout: self.options.connect_timeout,
            timeout: self.options.timeout,
            ..ClientConfig::with_base_url(url)
        };
        let client = Client::new(config).map_err(|e| map_error(e, self.clock.as_ref()))?;
        clients.insert(base_url.to_owned(), client.clone());
        Ok(client)
    }

    /// Calls a legacy (`/api/*`) endpoint for `profile` through the ledger.
    pub async fn legacy<E: LegacyEndpoint>(
        &self,
        profile: &Profile,
        request: &E,
    ) -> Result<E::Response> {
        self.legacy_call(profile, request)
            .await
            .map_err(|e| self.map_call_error(e))
    }

    /// Calls a cps_open endpoint for `profile` through the ledger.
    pub async fn media<E: MediaEndpoint>(
        &self,
        profile: &Profile,
        request: &E,
    ) -> Result<E::Response> {
        self.media_call(profile, request)
            .await
            .map_err(|e| self.map_call_error(e))
    }

    pub(crate) fn map_call_error(&self, e: CallError) -> Error {
        match e {
            CallError::Local(e) => e,
            CallError::Remote(e) => map_error(e, self.clock.as_ref()),
        }
    }

    pub(crate) async fn legacy_call<E: LegacyEndpoint>(
        &self,
        profile: &Profile,
        request: &E,
    ) -> std::result::Result<E::Response, CallError> {
        self.legacy_counted(profile, request, false).await
    }

    /// A legacy call counted as the day's probe (see
    /// [`QuotaLedger::reserve_probe`]): its answer is kept as an observation.
    pub(crate) async fn legacy_probe<E: LegacyEndpoint>(
        &self,
        profile: &Profile,
        request: &E,
    ) -> std::result::Result<E::Response, CallError> {
        self.legacy_counted(profile, request, true).await
    }

    async fn legacy_counted<E: LegacyEndpoint>(
        &self,
        profile: &Profile,
        request: &E,
        probe: bool,
    ) -> std::result::Result<E::Response, CallError> {
        expect_generation(profile, Generation::Legacy, E::PATH)?;
        request.validate().map_err(CallError::Remote)?;
        let credentials = self.credentials(profile)?;
        let client = self.client(&self.base_url(profile).await?)?;
        let reservation = if probe {
            self.ledger.reserve_probe(profile, E::PATH)?
        } else {
            self.ledger.reserve(profile, E::PATH)?
        };
        let now_ms = self.clock.now().timestamp_millis();
        let outcome = client.legacy(request, &credentials, now_ms).await;
        self.settle(reservation, &outcome.attempt, outcome.result.as_ref().err())?;
        outcome.result.map_err(CallError::Remote)
    }

    pub(crate) async fn media_call<E: MediaEndpoint>(
        &self,
        profile: &Profile,
        request: &E,
    ) -> std::result::Result<E::Response, CallError> {
        self.media_counted(profile, request, false).await
    }

    /// A media call counted as the day's probe (see
    /// [`QuotaLedger::reserve_probe`]): its answer is kept as an observation.
    pub(crate) async fn media_probe<E: MediaEndpoint>(
        &self,
        profile: &Profile,
        request: &E,
    ) -> std::result::Result<E::Response, CallError> {
        self.media_counted(profile, request, true).await
    }

    async fn media_counted<E: MediaEndpoint>(
        &self,
        profile: &Profile,
        request: &E,
        probe: bool,
    ) -> std::result::Result<E::Response, CallError> {
        expect_generation(profile, Generation::Media, E::PATH)?;
        request.validate().map_err(CallError::Remote)?;
        let credentials = self.credentials(profile)?;
        let client = self.client(&self.base_url(profile).await?)?;
        let reservation = if probe {
            self.ledger.reserve_probe(profile, E::PATH)?
        } else {
            self.ledger.reserve(profile, E::PATH)?
        };
        let now_ms = self.clock.now().timestamp_millis();
        let outcome = client.media(request, &credentials, now_ms).await;
        self.settle(reservation, &outcome.attempt, outcome.result.as_ref().err())?;
        outcome.result.map_err(CallError::Remote)
    }

    fn credentials(&self, profile: &Profile) -> Result<Credentials> {
        let secret = profiles::load_secret(self.vault.as_ref(), profile, SecretKind::ApiSecret)?;
        Ok(Credentials::new(profile.appkey.clone(), secret))
    }

    /// Records the outcome of a reserved call (or takes the reservation back
    /// when nothing was sent).
    fn settle(
        &self,
        reservation: crate::gateway::quota::Reservation,
        attempt: &meituan_union::Attempt,
        error: Option<&meituan_union::Error>,
    ) -> Result<()> {
        if !attempt.sent {
            // Refused before sending, or no connection could be made: the
            // server never saw it, so it is not one of the day's calls.
            if let Some(e) = error {
                tracing::info!(endpoint = attempt.endpoint, error = %e, "call not sent; not counted");
            }
            return self.ledger.cancel(reservation);
        }
        let outcome = match error {
            None => CallOutcome {
                ok: true,
                http_status: attempt.http_status,
                ..CallOutcome::default()
            },
            Some(e) => CallOutcome {
                ok: false,
                http_status: attempt.http_status,
                api_code: match e {
                    meituan_union::Error::Api { code, .. } => Some(code.to_string()),
                    _ => None,
                },
                error_code: Some(map_error(e.clone(), self.clock.as_ref()).code()),
                quota_refused: e.api_kind() == Some(ApiErrorKind::QuotaExceeded),
                quota_refusal_documented: matches!(
                    e,
                    meituan_union::Error::Api {
                        generation: meituan_union::ApiGeneration::Media,
                        ..
                    }
                ),
            },
        };
        if let Some(e) = error {
            tracing::info!(endpoint = attempt.endpoint, http_status = ?attempt.http_status, error = %e, "signed call failed");
        }
        self.ledger.finish(reservation, &outcome)
    }
}

fn expect_generation(profile: &Profile, wanted: Generation, path: &str) -> Result<()> {
    if profile.generation != wanted {
        return Err(Error::invalid(
            "generation",
            format!(
                "{path} is a {} endpoint but profile {:?} uses the {} API",
                wanted.as_str(),
                profile.name,
                profile.generation.as_str()
            ),
        ));
    }
    Ok(())
}

/// Maps a protocol error to the core's kinds. Server bodies stay out of the
/// message: they are logged, not shown.
///
/// An API refusal is read from documented signals only
/// ([`meituan_union::Error::api_kind`]): the media code table. Every legacy
/// refusal, and a media code outside the table, stays [`Error::Api`] with
/// Meituan's code and message as sent; no word in the message is read, so a
/// real refusal is never misread as quota, signature or authorization.
pub fn map_error(e: meituan_union::Error, clock: &dyn Clock) -> Error {
    use meituan_union::Error as M;
    let kind = e.api_kind();
    match e {
        M::Network { message } => Error::Network(message),
        M::Timeout => Error::Timeout("no answer before the timeout".into()),
        M::Http { status, .. } => Error::Http { status },
        M::Decode { reason, .. } => Error::Decode(reason),
        M::InvalidArgument { field, reason } => Error::invalid(field, reason),
        M::ClockSkew { offset_secs } => Error::ClockSkew { offset_secs },
        M::Api { code, message, .. } => match kind {
            Some(ApiErrorKind::AuthFailed) => Error::AuthFailed(message),
            Some(ApiErrorKind::TooFrequent) => Error::TooFrequent,
            Some(ApiErrorKind::QuotaExceeded) => Error::QuotaExhausted {
                resets_at: next_beijing_midnight(clock.now()).with_timezone(&beijing()),
            },
            _ => Error::Api {
                code: code.to_string(),
                message,
            },
        },
    }
}

/// The code a protocol error maps to (for the call log).
pub fn error_code_of(e: &meituan_union::Error, clock: &dyn Clock) -> ErrorCode {
    map_error(e.clone(), clock).code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use chrono::{TimeZone, Utc};

    #[test]
    fn protocol_errors_map_to_core_codes() {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 15, 0, 0).unwrap());
        let m = |e| map_error(e, &clock);
        use meituan_union::Error as M;
        assert_eq!(
            m(M::Network {
                message: "refused".into()
            })
            .code(),
            ErrorCode::Network
        );
        assert_eq!(m(M::Timeout).code(), ErrorCode::Timeout);
        assert_eq!(
            m(M::Http {
                status: 502,
                body: "x".into()
            })
            .code(),
            ErrorCode::Http
        );
        assert_eq!(
            m(M::Decode {
                raw: "x".into(),
                reason: "not JSON".into()
            })
            .code(),
            ErrorCode::Decode
        );
        assert_eq!(
            m(M::InvalidArgument {
                field: "sid",
                reason: "too long".into()
            })
            .code(),
            ErrorCode::InvalidInput
        );
        assert_eq!(
            m(M::ClockSkew { offset_secs: 300 }).code(),
            ErrorCode::ClockSkew
        );
        let media = |code: i64, msg: &str| {
            m(M::Api {
                generation: meituan_union::ApiGeneration::Media,
                code,
                message: msg.into(),
            })
        };
        let legacy = |code: i64, msg: &str| {
            m(M::Api {
                generation: meituan_union::ApiGeneration::Legacy,
                code,
                message: msg.into(),
            })
        };
        let api = media;
        assert_eq!(api(400, "鉴权不通过").code(), ErrorCode::AuthFailed);
        assert_eq!(api(402, "请求过于频繁").code(), ErrorCode::TooFrequent);
        assert_eq!(api(999, "系统出现异常").code(), ErrorCode::Api);
        match api(403, "请求次数超过授权额度") {
            Error::QuotaExhausted { resets_at } => {
                assert_eq!(resets_at.to_rfc3339(), "2026-03-02T00:00:00+08:00")
            }
            other => panic!("expected quota, got {other:?}"),
        }
        // Legacy refusals have no documented codes: whatever their code or
        // words, they stay a generic refusal with both kept as sent.
        for (code, msg) in [
            (
                1006,
                "请求次数超过授权额度（每日2000次，北京时间00:00重置）",
            ),
            (403, "请求次数超过授权额度"),
            (1002, "签名错误"),
            (400, "鉴权不通过"),
            (1004, "API权限未开通"),
            (1007, "请求过于频繁，请稍后再试"),
        ] {
            match legacy(code, msg) {
                Error::Api { code: c, message } => {
                    assert_eq!((c, message.as_str()), (code.to_string(), msg))
                }
                other => panic!("legacy {code} {msg}: expected a generic refusal, got {other:?}"),
            }
        }
        // A media code outside the table is not read by its words either.
        assert_eq!(api(1004, "API权限未开通").code(), ErrorCode::Api);
        assert_eq!(api(7, "签名错误").code(), ErrorCode::Api);
    }
}
