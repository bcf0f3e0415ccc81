//! A client of the sandbox's console endpoints (`/__console/accounts/{appkey}/…`,
//! see `crates/sandbox/src/console.rs`). Against the real Meituan these steps
//! are done by the user in the browser; nothing here talks to Meituan.

use crate::error::{Error, Result};
use meituan_union::Secret;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// The sandbox console of one running sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConsole {
    base: String,
    http: reqwest::Client,
}

/// API authorization as the sandbox console reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteAuthorization {
    NotApplied,
    Pending {
        applied_at_ms: i64,
        ready_at_ms: i64,
        attempt: u32,
    },
    Approved,
    Closed,
}

/// The answer to a frequency request (the sandbox answers at once).
#[derive(Debug, Clone, PartialEq)]
pub struct FrequencyAnswer {
    pub granted: bool,
    pub tier_before: String,
    pub tier_after: String,
    pub monthly_average: f64,
    pub message: Option<String>,
}

/// A special-case request as the sandbox console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialState {
    pub id: u32,
    pub answer_at_ms: i64,
    /// `pending`, `granted` or `refused`.
    pub state: String,
    pub requested_tier: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorInner,
}

#[derive(Deserialize)]
struct ErrorInner {
    code: String,
    message: String,
}

fn decode<T: for<'de> Deserialize<'de>>(v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::Decode(format!("sandbox console: {e}")))
}

impl SandboxConsole {
    /// `base_url` is the sandbox's `http://127.0.0.1:PORT`.
    pub fn new(base_url: &str) -> Result<Self> {
        let http = meituan_union::http::client_builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(SandboxConsole {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, appkey: &str, tail: &str) -> String {
        format!("{}/__console/accounts/{appkey}{tail}", self.base)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value> {
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                Error::Timeout(format!("sandbox console: {e}"))
            } else {
                Error::Network(format!("sandbox console: {e}"))
            }
        })?;
        let status = resp.status();
        let body: Value = resp
            .json()
            .await
            .map_err(|e| Error::Decode(format!("sandbox console: {e}")))?;
        if status.is_success() {
            return Ok(body);
        }
        match serde_json::from_value::<ErrorBody>(body) {
            Ok(b) => Err(Error::Api {
                code: b.error.code,
                message: b.error.message,
            }),
            Err(_) => Err(Error::Http {
                status: status.as_u16(),
            }),
        }
    }

    fn parse_authorization(v: &Value) -> Result<RemoteAuthorization> {
        Ok(match v.get("state").and_then(Value::as_str) {
            Some("not_applied") => RemoteAuthorization::NotApplied,
            Some("pending") => RemoteAuthorization::Pending {
                applied_at_ms: v["applied_at_ms"].as_i64().unwrap_or(0),
                ready_at_ms: v["ready_at_ms"].as_i64().unwrap_or(0),
                attempt: v["attempt"].as_u64().unwrap_or(1) as u32,
            },
            Some("approved") => RemoteAuthorization::Approved,
            Some("closed") => RemoteAuthorization::Closed,
            other => {
                return Err(Error::Decode(format!(
                    "sandbox console: unknown authorization state {other:?}"
                )))
            }
        })
    }

    pub async fn apply_authorization(&self, appkey: &str) -> Result<RemoteAuthorization> {
        let v = self
            .send(self.http.post(self.url(appkey, "/authorization")))
            .await?;
        Self::parse_authorization(&v)
    }

    pub async fn authorization(&self, appkey: &str) -> Result<RemoteAuthorization> {
        let v = self
            .send(self.http.get(self.url(appkey, "/authorization")))
            .await?;
        Self::parse_authorization(&v)
    }

    pub async fn request_frequency(&self, appkey: &str) -> Result<FrequencyAnswer> {
        let v = self
            .send(self.http.post(self.url(appkey, "/frequency")))
            .await?;
        Ok(FrequencyAnswer {
            granted: v["granted"].as_bool().unwrap_or(false),
            tier_before: decode(v["tier_before"].clone())?,
            tier_after: decode(v["tier_after"].clone())?,
            monthly_average: v["monthly_average"].as_f64().unwrap_or(0.0),
            message: v["message"].as_str().map(str::to_owned),
        })
    }

    pub async fn request_special(
        &self,
        appkey: &str,
        reason: &str,
        requested_tier: Option<&str>,
    ) -> Result<SpecialState> {
        let mut body = json!({ "reason": reason });
        if let Some(t) = requested_tier {
            body["requested_tier"] = t.into();
        }
        let v = self
            .send(self.http.post(self.url(appkey, "/special")).json(&body))
            .await?;
        Ok(SpecialState {
            id: v["id"].as_u64().unwrap_or(0) as u32,
            answer_at_ms: v["answer_at_ms"].as_i64().unwrap_or(0),
            state: v["state"].as_str().unwrap_or("pending").to_owned(),
            requested_tier: v["requested_tier"].as_str().unwrap_or_default().to_owned(),
        })
    }

    /// Every special-case request of the account with its current state.
    pub async fn special_requests(&self, appkey: &str) -> Result<Vec<SpecialState>> {
        let v = self
            .send(self.http.get(self.url(appkey, "/special")))
            .await?;
        let list = v["requests"].as_array().cloned().unwrap_or_default();
        Ok(list
            .iter()
            .map(|r| {
                let answered = r["answered"].as_bool().unwrap_or(false);
                let state = if !answered {
                    "pending".to_owned()
                } else {
                    r["outcome"].as_str().unwrap_or("refused").to_owned()
                };
                SpecialState {
                    id: r["id"].as_u64().unwrap_or(0) as u32,
                    answer_at_ms: r["answer_at_ms"].as_i64().unwrap_or(0),
                    state,
                    requested_tier: r["requested_tier"].as_str().unwrap_or_default().to_owned(),
                }
            })
            .collect())
    }

    /// Registers the callback URL; the console answers with a fresh 回调密钥.
    pub async fn register_callback(&self, appkey: &str, url: &str) -> Result<Secret> {
        let v = self
            .send(
                self.http
                    .post(self.url(appkey, "/callback"))
                    .json(&json!({ "url": url })),
            )
            .await?;
        v.get("callback_secret")
            .and_then(Value::as_str)
            .map(|s| Secret::new(s.to_owned()))
            .ok_or_else(|| {
                Error::Decode("sandbox console: no callback_secret in the answer".into())
            })
    }
}
