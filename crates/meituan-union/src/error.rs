//! Error kinds of the protocol client. No variant ever carries a secret:
//! requests are refused before signing, and server bodies are kept only as
//! the server sent them.

/// Longest server body kept in [`Error::Http`] and [`Error::Decode`].
pub const MAX_KEPT_BODY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The request could not be sent or the answer not read (DNS, refused
    /// connection, TLS, reset). The text has no URL, so no sign or appkey.
    #[error("network error: {message}")]
    Network { message: String },

    /// Connect or total timeout of [`crate::ClientConfig`] elapsed.
    #[error("the request timed out")]
    Timeout,

    /// The server answered with a non-2xx HTTP status.
    #[error("HTTP status {status}")]
    Http { status: u16, body: String },

    /// The server refused the call: `status != 0` (legacy, with `des`) or
    /// `code != 0` (media, with `message`). See [`Error::api_kind`].
    #[error("Meituan refused the call (code {code}): {message}")]
    Api { code: i64, message: String },

    /// The answer was not the JSON the endpoint documents.
    #[error("could not read the answer: {reason}")]
    Decode { raw: String, reason: String },

    /// Refused before any call was made (nothing sent, no quota spent).
    #[error("invalid {field}: {reason}")]
    InvalidArgument { field: &'static str, reason: String },

    /// The server refused the timestamp or the signature and its `Date`
    /// header is more than the allowed window (legacy 60 s, media 120 s)
    /// away from our clock. Positive: the server is ahead of us.
    #[error("the computer clock is off by {offset_secs} s from Meituan's")]
    ClockSkew { offset_secs: i64 },
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn decode(raw: &[u8], reason: impl Into<String>) -> Self {
        Error::Decode {
            raw: truncate_body(raw),
            reason: reason.into(),
        }
    }

    /// The documented meaning of an [`Error::Api`] code, if this is one.
    pub fn api_kind(&self) -> Option<ApiErrorKind> {
        match self {
            Error::Api { code, message } => Some(ApiErrorKind::classify(*code, message)),
            _ => None,
        }
    }

    /// True when the request never left this process (validation), so the
    /// server cannot have counted it.
    pub fn is_before_send(&self) -> bool {
        matches!(self, Error::InvalidArgument { .. })
    }
}

/// The documented meanings of Meituan's public error codes ("API公共错误码",
/// SPEC.md C.2). The legacy API publishes no codes (SPEC.md A.3); its
/// `status` is read against the same table, and a few message words are
/// recognised when the code is not in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiErrorKind {
    /// -1 接口不可用
    Unavailable,
    /// 1 参数错误
    Param,
    /// 2 请求处理异常
    Processing,
    /// 400 鉴权不通过 (bad signature, expired timestamp, unknown appkey)
    AuthFailed,
    /// 401 不允许的请求方式
    MethodNotAllowed,
    /// 402 请求过于频繁
    TooFrequent,
    /// 403 请求次数超过授权额度 (the daily quota)
    QuotaExceeded,
    /// 999 系统出现异常
    System,
    /// Anything else.
    Other,
}

impl ApiErrorKind {
    pub fn from_code(code: i64) -> Self {
        match code {
            -1 => ApiErrorKind::Unavailable,
            1 => ApiErrorKind::Param,
            2 => ApiErrorKind::Processing,
            400 => ApiErrorKind::AuthFailed,
            401 => ApiErrorKind::MethodNotAllowed,
            402 => ApiErrorKind::TooFrequent,
            403 => ApiErrorKind::QuotaExceeded,
            999 => ApiErrorKind::System,
            _ => ApiErrorKind::Other,
        }
    }

    /// Code first; for codes outside the table, the message words Meituan's
    /// console uses (签名/鉴权, 频繁, 额度/次数).
    pub fn classify(code: i64, message: &str) -> Self {
        match Self::from_code(code) {
            ApiErrorKind::Other => {
                if message.contains("签名") || message.contains("鉴权") {
                    ApiErrorKind::AuthFailed
                } else if message.contains("频繁") {
                    ApiErrorKind::TooFrequent
                } else if message.contains("额度") || message.contains("次数") {
                    ApiErrorKind::QuotaExceeded
                } else {
                    ApiErrorKind::Other
                }
            }
            known => known,
        }
    }

    /// Worth trying again later without changing the request.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ApiErrorKind::Unavailable
                | ApiErrorKind::Processing
                | ApiErrorKind::TooFrequent
                | ApiErrorKind::System
        )
    }
}

pub(crate) fn truncate_body(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if text.len() <= MAX_KEPT_BODY {
        return text.into_owned();
    }
    let mut end = MAX_KEPT_BODY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(ApiErrorKind::from_code(400), ApiErrorKind::AuthFailed);
        assert_eq!(ApiErrorKind::from_code(402), ApiErrorKind::TooFrequent);
        assert_eq!(ApiErrorKind::from_code(403), ApiErrorKind::QuotaExceeded);
        assert_eq!(ApiErrorKind::from_code(1), ApiErrorKind::Param);
        assert_eq!(
            ApiErrorKind::classify(7, "签名错误"),
            ApiErrorKind::AuthFailed
        );
        assert_eq!(
            ApiErrorKind::classify(7, "调用次数超限"),
            ApiErrorKind::QuotaExceeded
        );
        assert_eq!(ApiErrorKind::classify(7, "oops"), ApiErrorKind::Other);
        let e = Error::Api {
            code: 403,
            message: "请求次数超过授权额度".into(),
        };
        assert_eq!(e.api_kind(), Some(ApiErrorKind::QuotaExceeded));
        assert_eq!(Error::Timeout.api_kind(), None);
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        let long = "中".repeat(MAX_KEPT_BODY);
        let t = truncate_body(long.as_bytes());
        assert!(t.len() <= MAX_KEPT_BODY + "…".len());
        assert!(t.ends_with('…'));
    }
}
