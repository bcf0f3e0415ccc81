//! Error kinds of the protocol client. No variant ever carries a secret:
//! requests are refused before signing, and server bodies are kept only as
//! the server sent them.

use crate::client::ApiGeneration;

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
    /// `code != 0` (media, with `message`). `code` and `message` are kept
    /// exactly as sent, for the user to read. See [`Error::api_kind`].
    #[error("Meituan refused the call (code {code}): {message}")]
    Api {
        /// Which API answered: only the media API publishes its codes.
        generation: ApiGeneration,
        code: i64,
        message: String,
    },

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

    /// The documented meaning of an [`Error::Api`] code, if this is one
    /// (see [`ApiErrorKind::classify`]).
    pub fn api_kind(&self) -> Option<ApiErrorKind> {
        match self {
            Error::Api {
                generation, code, ..
            } => Some(ApiErrorKind::classify(*generation, *code)),
            _ => None,
        }
    }

    /// True when the request never left this process (validation), so the
    /// server cannot have counted it.
    pub fn is_before_send(&self) -> bool {
        matches!(self, Error::InvalidArgument { .. })
    }
}

/// The documented meanings of Meituan's public error codes: the media API's
/// "API公共错误码" table (SPEC.md C.2; vinzhuu/logseq-learn
/// `pages/美团联盟 - 接入 API.md:85-97`).
///
/// The legacy API publishes no codes: its sources document only `status`
/// 0 for success, anything else an error with the text in `des`
/// (dtapps/go-library `service/meituan/api.generate_link.go:11-12`; SPEC.md
/// A.3). A legacy refusal is therefore always [`ApiErrorKind::Other`],
/// whatever its code or words: reading it through the media table or by
/// words such as 次数/签名 would turn a guess into a wrong diagnosis. The
/// caller shows its code and message as sent; the local quota ledger, not
/// the server's words, guards the daily limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiErrorKind {
    /// media -1 接口不可用，请联系相关负责人
    Unavailable,
    /// media 1 参数错误，请参考接口文档或联系相关负责人
    Param,
    /// media 2 请求处理异常，请稍后再试
    Processing,
    /// media 400 鉴权不通过 (bad signature, expired timestamp, unknown appkey)
    AuthFailed,
    /// media 401 不允许的请求方式
    MethodNotAllowed,
    /// media 402 请求过于频繁，请稍后再试
    TooFrequent,
    /// media 403 请求次数超过授权额度 (the daily quota; the only documented
    /// quota signal)
    QuotaExceeded,
    /// media 999 系统出现异常，请稍后再试
    System,
    /// A code no public source documents for this API (every legacy code,
    /// and media codes outside the table): a generic refusal, shown with
    /// its raw code and message.
    Other,
}

impl ApiErrorKind {
    /// The media API's documented code table.
    pub fn from_media_code(code: i64) -> Self {
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

    /// A refusal's kind from documented signals only: media codes through
    /// their table; every legacy code is [`ApiErrorKind::Other`]. The
    /// message is never read.
    pub fn classify(generation: ApiGeneration, code: i64) -> Self {
        match generation {
            ApiGeneration::Media => Self::from_media_code(code),
            ApiGeneration::Legacy => ApiErrorKind::Other,
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
        use ApiGeneration::{Legacy, Media};
        assert_eq!(ApiErrorKind::from_media_code(400), ApiErrorKind::AuthFailed);
        assert_eq!(
            ApiErrorKind::from_media_code(402),
            ApiErrorKind::TooFrequent
        );
        assert_eq!(
            ApiErrorKind::from_media_code(403),
            ApiErrorKind::QuotaExceeded
        );
        assert_eq!(ApiErrorKind::from_media_code(1), ApiErrorKind::Param);
        assert_eq!(ApiErrorKind::classify(Media, 405), ApiErrorKind::Other);
        // Legacy codes are documented nowhere: never read through the media
        // table, whatever they are.
        for code in [-1, 1, 2, 400, 402, 403, 999, 1002, 1006, 7] {
            assert_eq!(ApiErrorKind::classify(Legacy, code), ApiErrorKind::Other);
        }
        let media = Error::Api {
            generation: Media,
            code: 403,
            message: "请求次数超过授权额度".into(),
        };
        assert_eq!(media.api_kind(), Some(ApiErrorKind::QuotaExceeded));
        // The same words from the legacy API are not a quota signal.
        let legacy = Error::Api {
            generation: Legacy,
            code: 403,
            message: "请求次数超过授权额度".into(),
        };
        assert_eq!(legacy.api_kind(), Some(ApiErrorKind::Other));
        let words = Error::Api {
            generation: Media,
            code: 7,
            message: "签名错误，调用次数超限".into(),
        };
        assert_eq!(words.api_kind(), Some(ApiErrorKind::Other));
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
