//! One error shape for the whole app. The core's [`Error`] carries the
//! developer-facing detail; [`IpcError`] is what crosses to the UI as
//! `{code, message, details?}`, where `code` picks a translated sentence.
//! No variant ever holds a secret.

use serde::{Deserialize, Serialize};

/// Codes the UI maps to translated text (`ui/src/lib/i18n/*.json`, `error.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A bug or an unexpected state; the log has the detail.
    Internal,
    /// The user's input was refused (`details.field` names it when known).
    InvalidInput,
    /// The thing asked for does not exist.
    NotFound,
    /// The local database or data folder failed.
    Storage,
    /// No usable OS keychain: nothing was stored.
    KeychainUnavailable,
    /// The network could not be reached.
    Network,
    /// The server did not answer in time.
    Timeout,
    /// The server answered with an HTTP error.
    Http,
    /// The API refused the call with its own code.
    Api,
    /// Wrong appkey or secret (Meituan 400).
    AuthFailed,
    /// Calls too close together (Meituan 402).
    TooFrequent,
    /// The day's quota is used up (local ledger or Meituan 403).
    QuotaExhausted,
    /// The computer's clock is too far from the server's.
    ClockSkew,
    /// The server's answer could not be read.
    Decode,
    /// The API authorization (API 授权) of the account is not open yet.
    AuthNotOpen,
    /// The system browser could not be opened; the user opens the address by hand.
    BrowserUnavailable,
    /// An order sync of the same account is already running (this window or `mtu`).
    SyncRunning,
}

impl ErrorCode {
    /// The snake_case name, as the IPC, the database and the catalogues
    /// (`error.<name>`) spell it.
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            _ => format!("{self:?}"),
        }
    }
}

/// The error crossing the IPC boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct IpcError {
    pub code: ErrorCode,
    /// English, for logs and developers; the UI shows the translation of `code`.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// The core's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("internal error: {0}")]
    Internal(String),
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: String },
    /// Several fields of one form refused at once (never empty), so a form
    /// can mark them all; the first is reported as `details.field` too.
    #[error("{}", describe_fields(.0))]
    InvalidFields(Vec<FieldError>),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("storage error: {0}")]
    Storage(String),
    #[error("the OS keychain is not available: {0}")]
    KeychainUnavailable(String),
    /// Today's calls are used up; nothing was sent.
    #[error(
        "today's calls are used up, so nothing was sent; we estimate they come back at {} \
         (Meituan does not publish the reset time)",
        .resets_at.to_rfc3339()
    )]
    QuotaExhausted {
        /// Next midnight in Beijing time (+08:00).
        resets_at: chrono::DateTime<chrono::FixedOffset>,
    },
    #[error("network error: {0}")]
    Network(String),
    #[error("the server did not answer in time: {0}")]
    Timeout(String),
    #[error("the server answered HTTP {status}")]
    Http { status: u16 },
    #[error("the API refused the call: code {code}: {message}")]
    Api { code: String, message: String },
    #[error("the appkey or secret was refused: {0}")]
    AuthFailed(String),
    #[error("calls are too frequent; wait a moment")]
    TooFrequent,
    #[error("the computer's clock is off by {offset_secs} s from the server's")]
    ClockSkew {
        /// Server clock minus ours, in seconds (positive: this computer is behind).
        offset_secs: i64,
    },
    #[error("the server's answer could not be read: {0}")]
    Decode(String),
    #[error("the account's API authorization is not open: {0}")]
    AuthNotOpen(String),
    #[error("the system browser could not be opened")]
    BrowserUnavailable,
    /// Carries who holds the sync (pid, what, since) when that is known.
    #[error("an order sync of this account is already running{}", .0.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    SyncRunning(Option<crate::orders::sync::SyncHolder>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One refused field: its name, a short English reason (logs, the command
/// line) and, where the UI words the broken rules differently, which rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
            rule: None,
        }
    }

    /// A refusal naming the rule that was broken (`details.fields[].rule`).
    pub fn rule(field: impl Into<String>, rule: &str, reason: impl Into<String>) -> Self {
        FieldError {
            rule: Some(rule.to_owned()),
            ..FieldError::new(field, reason)
        }
    }

    /// The same refusal under another field name.
    pub fn named(self, field: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            ..self
        }
    }
}

impl From<meituan_union::UnknownTier> for Error {
    fn from(_: meituan_union::UnknownTier) -> Self {
        Error::invalid("tier", "must be 2000, 3000, 6000, 15000 or unlimited")
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::InvalidFields(vec![e])
    }
}

fn describe_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("invalid {}: {}", f.field, f.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Every refused field, or `None` when there is none. One field is
    /// reported as [`Error::InvalidFields`] too, so callers see one shape.
    pub fn fields(errors: Vec<FieldError>) -> Option<Self> {
        (!errors.is_empty()).then_some(Error::InvalidFields(errors))
    }

    /// The refused fields of an invalid-input error, in order; empty for
    /// any other error.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::InvalidInput { field, reason } => vec![FieldError::new(field, reason)],
            Error::InvalidFields(fields) => fields.clone(),
            _ => Vec::new(),
        }
    }

    /// `what id` not found. The id comes from the caller (the UI, the
    /// command line) and may be anything: only its first 64 characters are
    /// kept, so the message stays short whatever was asked for.
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        let id = id.to_string();
        let mut short: String = id.chars().take(64).collect();
        if short.len() < id.len() {
            short.push('…');
        }
        Error::NotFound(format!("{what} {short}"))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Internal(_) => ErrorCode::Internal,
            Error::InvalidInput { .. } | Error::InvalidFields(_) => ErrorCode::InvalidInput,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Storage(_) => ErrorCode::Storage,
            Error::KeychainUnavailable(_) => ErrorCode::KeychainUnavailable,
            Error::QuotaExhausted { .. } => ErrorCode::QuotaExhausted,
            Error::Network(_) => ErrorCode::Network,
            Error::Timeout(_) => ErrorCode::Timeout,
            Error::Http { .. } => ErrorCode::Http,
            Error::Api { .. } => ErrorCode::Api,
            Error::AuthFailed(_) => ErrorCode::AuthFailed,
            Error::TooFrequent => ErrorCode::TooFrequent,
            Error::ClockSkew { .. } => ErrorCode::ClockSkew,
            Error::Decode(_) => ErrorCode::Decode,
            Error::AuthNotOpen(_) => ErrorCode::AuthNotOpen,
            Error::BrowserUnavailable => ErrorCode::BrowserUnavailable,
            Error::SyncRunning(_) => ErrorCode::SyncRunning,
        }
    }

    fn details(&self) -> Option<serde_json::Value> {
        match self {
            // `field`/`reason`/`rule`: the first refused field, as before;
            // `fields`: all of them, so a form marks every one at once.
            Error::InvalidInput { .. } | Error::InvalidFields(_) => {
                let fields = self.field_errors();
                let first = fields.first()?;
                let mut details = serde_json::json!({
                    "field": first.field,
                    "reason": first.reason,
                    "fields": fields,
                });
                if let Some(rule) = &first.rule {
                    details["rule"] = rule.as_str().into();
                }
                Some(details)
            }
            Error::QuotaExhausted { resets_at } => Some(serde_json::json!({
                "resets_at": resets_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
            })),
            Error::Http { status } => Some(serde_json::json!({ "status": status })),
            Error::Api { code, message } => {
                Some(serde_json::json!({ "api_code": code, "api_message": message }))
            }
            Error::ClockSkew { offset_secs } => {
                Some(serde_json::json!({ "offset_secs": offset_secs }))
            }
            Error::SyncRunning(Some(h)) => Some(serde_json::json!({
                "pid": h.pid, "what": h.what, "since": h.since
            })),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

impl From<Error> for IpcError {
    fn from(e: Error) -> Self {
        IpcError {
            code: e.code(),
            message: e.to_string(),
            details: e.details(),
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for IpcError {}

#[cfg(test)]
mod tests {
    #[test]
    fn an_error_code_is_named_as_the_ipc_spells_it() {
        assert_eq!(ErrorCode::QuotaExhausted.name(), "quota_exhausted");
        assert_eq!(ErrorCode::Api.name(), "api");
        let json = serde_json::to_string(&ErrorCode::AuthNotOpen).unwrap();
        assert_eq!(json, format!("\"{}\"", ErrorCode::AuthNotOpen.name()));
    }

    use super::*;

    #[test]
    fn ipc_error_serializes_as_code_message_details() {
        let e: IpcError = Error::invalid("appkey", "must be 32 hex characters").into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "invalid_input");
        assert_eq!(json["details"]["field"], "appkey");
        let e: IpcError = Error::Storage("disk full".into()).into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "storage");
        assert!(json.get("details").is_none());
    }

    #[test]
    fn several_refused_fields_cross_together_and_print_together() {
        let e = Error::fields(vec![
            FieldError::new("appkey", "must not contain spaces"),
            FieldError::rule("base_url", "http_not_local", "must use https"),
        ])
        .unwrap();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert_eq!(
            e.to_string(),
            "invalid appkey: must not contain spaces; invalid base_url: must use https"
        );
        let json = serde_json::to_value(IpcError::from(e)).unwrap();
        assert_eq!(json["details"]["field"], "appkey");
        assert_eq!(json["details"]["fields"][0]["field"], "appkey");
        assert!(json["details"]["fields"][0].get("rule").is_none());
        assert_eq!(json["details"]["fields"][1]["field"], "base_url");
        assert_eq!(json["details"]["fields"][1]["rule"], "http_not_local");
        assert!(Error::fields(Vec::new()).is_none());
        // The single-field shape lists itself too.
        let json = serde_json::to_value(IpcError::from(Error::invalid("sid", "empty"))).unwrap();
        assert_eq!(json["details"]["fields"][0]["field"], "sid");
    }

    #[test]
    fn quota_exhausted_carries_resets_at_in_beijing_time() {
        use chrono::TimeZone;
        let resets_at = crate::clock::beijing()
            .with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
            .unwrap();
        let e: IpcError = Error::QuotaExhausted { resets_at }.into();
        assert_eq!(e.code, ErrorCode::QuotaExhausted);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "quota_exhausted");
        assert_eq!(json["details"]["resets_at"], "2026-03-02T00:00:00+08:00");
        let e: IpcError = Error::ClockSkew { offset_secs: -95 }.into();
        assert_eq!(
            serde_json::to_value(&e).unwrap()["details"]["offset_secs"],
            -95
        );
    }
}
