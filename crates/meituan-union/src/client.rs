//! The async HTTP client: build and sign a typed request, send it once, read
//! the answer into a typed response or an [`Error`] kind.
//!
//! The client never retries: every attempt may spend daily quota, so the
//! caller (the quota ledger) decides. Each call returns an [`Outcome`]: the
//! result plus an [`Attempt`] record (was it sent, HTTP status, latency) for
//! the call log.
//!
//! Time is an input: `now_ms` (epoch milliseconds) sets `ts` /
//! `S-Ca-Timestamp` and is compared with the server's `Date` header.

use crate::error::truncate_body;
use crate::legacy::LegacyEndpoint;
use crate::media::MediaEndpoint;
use crate::sign::{legacy_wire_query, media_sign, MediaRequestParts};
use crate::validate;
use crate::{ApiErrorKind, Error, Secret};
use serde_json::Value;
use std::fmt;
use std::time::{Duration, Instant};
use url::Url;

pub const LEGACY_BASE_URL: &str = "https://openapi.meituan.com";
pub const MEDIA_BASE_URL: &str = "https://media.meituan.com";
/// Legacy `ts` is valid for 60 s (SPEC.md A.3).
pub const LEGACY_CLOCK_WINDOW_SECS: i64 = 60;
/// `S-Ca-Timestamp` is valid for 2 minutes (SPEC.md C.1).
pub const MEDIA_CLOCK_WINDOW_SECS: i64 = 120;
/// Largest answer read; an order page of 100 is about 100 KB.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Which API generation a call belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiGeneration {
    /// `openapi.meituan.com/api/*`, MD5 query signature.
    Legacy,
    /// `media.meituan.com/cps_open/*`, S-Ca HMAC headers.
    Media,
}

impl ApiGeneration {
    pub fn clock_window_secs(self) -> i64 {
        match self {
            ApiGeneration::Legacy => LEGACY_CLOCK_WINDOW_SECS,
            ApiGeneration::Media => MEDIA_CLOCK_WINDOW_SECS,
        }
    }
}

/// How the client reaches Meituan (or the sandbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub legacy_base_url: Url,
    pub media_base_url: Url,
    pub connect_timeout: Duration,
    /// Whole request, from connect to the last body byte.
    pub timeout: Duration,
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            legacy_base_url: Url::parse(LEGACY_BASE_URL).expect("constant URL"),
            media_base_url: Url::parse(MEDIA_BASE_URL).expect("constant URL"),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            user_agent: concat!("UnionDesk/", env!("CARGO_PKG_VERSION"), " (meituan-union)")
                .to_owned(),
        }
    }
}

impl ClientConfig {
    /// Both generations on one server (the sandbox serves `/api/*` and
    /// `/cps_open/*` side by side).
    pub fn with_base_url(base_url: Url) -> Self {
        ClientConfig {
            legacy_base_url: base_url.clone(),
            media_base_url: base_url,
            ..ClientConfig::default()
        }
    }

    pub fn base_url(&self, generation: ApiGeneration) -> &Url {
        match generation {
            ApiGeneration::Legacy => &self.legacy_base_url,
            ApiGeneration::Media => &self.media_base_url,
        }
    }
}

/// An appkey and its secret (API 密钥). `Debug` shows the appkey only.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub app_key: String,
    pub secret: Secret,
}

impl Credentials {
    pub fn new(app_key: impl Into<String>, secret: Secret) -> Self {
        Credentials {
            app_key: app_key.into(),
            secret,
        }
    }

    fn validate(&self) -> Result<(), Error> {
        if self.app_key.trim().is_empty() {
            return Err(Error::invalid("appkey", "must not be empty"));
        }
        if self.app_key.len() > 128 || self.app_key.chars().any(|c| c.is_control() || c == ' ') {
            return Err(Error::invalid("appkey", "is not an appkey"));
        }
        if self.secret.is_empty() {
            return Err(Error::invalid("secret", "must not be empty"));
        }
        Ok(())
    }
}

/// A signed request ready to send: what goes on the wire, nothing else (no
/// secret). Useful to show in a debugger or to replay against the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    pub generation: ApiGeneration,
    /// The endpoint path, e.g. `/api/orderList`.
    pub endpoint: &'static str,
    pub method: &'static str,
    pub url: Url,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
}

fn endpoint_url(base: &Url, path: &str, query: Option<&str>) -> Result<Url, Error> {
    // Concatenate rather than `Url::join`, which would drop a base path
    // prefix.
    let mut text = format!("{}{}", base.as_str().trim_end_matches('/'), path);
    if let Some(q) = query {
        text.push('?');
        text.push_str(q);
    }
    Url::parse(&text).map_err(|e| Error::invalid("base_url", e.to_string()))
}

/// Validates, adds `appkey` and `ts` (seconds of `now_ms`), signs, and
/// builds the GET URL. Pure: no I/O.
pub fn prepare_legacy<E: LegacyEndpoint>(
    base_url: &Url,
    request: &E,
    credentials: &Credentials,
    now_ms: i64,
) -> Result<PreparedRequest, Error> {
    request.validate()?;
    credentials.validate()?;
    validate::now_ms(now_ms)?;
    let mut params = request.params();
    params.retain(|(_, v)| !v.is_empty());
    params.push(("appkey", credentials.app_key.clone()));
    params.push(("ts", (now_ms / 1000).to_string()));
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let query = legacy_wire_query(credentials.secret.expose(), &pairs);
    Ok(PreparedRequest {
        generation: ApiGeneration::Legacy,
        endpoint: E::PATH,
        method: "GET",
        url: endpoint_url(base_url, E::PATH, Some(&query))?,
        headers: Vec::new(),
        body: None,
    })
}

/// Validates, serializes the body once, signs those exact bytes and builds
/// the S-Ca headers. Pure: no I/O.
pub fn prepare_media<E: MediaEndpoint>(
    base_url: &Url,
    request: &E,
    credentials: &Credentials,
    now_ms: i64,
) -> Result<PreparedRequest, Error> {
    request.validate()?;
    credentials.validate()?;
    validate::now_ms(now_ms)?;
    let body = serde_json::to_vec(request).map_err(|e| Error::invalid("body", e.to_string()))?;
    let timestamp = now_ms.to_string();
    let sig = media_sign(
        credentials.secret.expose(),
        &MediaRequestParts {
            method: "POST",
            path: E::PATH,
            query: None,
            body: Some(&body),
            app_key: &credentials.app_key,
            timestamp_ms: &timestamp,
            extra_signed_headers: &[],
        },
    );
    let headers = vec![
        ("Content-Type", "application/json".to_owned()),
        ("Content-MD5", sig.content_md5),
        ("S-Ca-App", credentials.app_key.clone()),
        ("S-Ca-Timestamp", timestamp),
        ("S-Ca-Signature", sig.signature),
        ("S-Ca-Signature-Headers", sig.signature_headers),
    ];
    Ok(PreparedRequest {
        generation: ApiGeneration::Media,
        endpoint: E::PATH,
        method: "POST",
        url: endpoint_url(base_url, E::PATH, None)?,
        headers,
        body: Some(body),
    })
}

/// What happened on the wire, for the call log and the quota ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub generation: ApiGeneration,
    pub endpoint: &'static str,
    /// False when the request was refused before sending (validation), or
    /// when no connection could be made (DNS failure, connection refused,
    /// connect timeout, TLS handshake): the server never saw it, so it
    /// costs no call.
    pub sent: bool,
    /// The HTTP status, when an answer arrived.
    pub http_status: Option<u16>,
    /// From just before sending to the last body byte (or the failure).
    pub latency: Option<Duration>,
    /// The server's `Date` header, epoch seconds.
    pub server_time: Option<i64>,
}

impl Attempt {
    fn not_sent(generation: ApiGeneration, endpoint: &'static str) -> Self {
        Attempt {
            generation,
            endpoint,
            sent: false,
            http_status: None,
            latency: None,
            server_time: None,
        }
    }

    /// An HTTP answer came back, so the server saw the call.
    pub fn reached_server(&self) -> bool {
        self.http_status.is_some()
    }
}

/// The result of one call plus its [`Attempt`] record.
#[derive(Debug)]
pub struct Outcome<T> {
    pub result: Result<T, Error>,
    pub attempt: Attempt,
}

impl<T> Outcome<T> {
    pub fn into_result(self) -> Result<T, Error> {
        self.result
    }

    fn map<U>(self, f: impl FnOnce(T) -> Result<U, Error>) -> Outcome<U> {
        Outcome {
            result: self.result.and_then(f),
            attempt: self.attempt,
        }
    }
}

/// One reqwest client, built once and reused (connection pool, TLS
/// config). Cloning is cheap.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let mut builder = crate::http::client_builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(config.user_agent.clone())
            .gzip(true)
            // A signed call must not be replayed to another host.
            .redirect(reqwest::redirect::Policy::none());
        if is_loopback(&config.legacy_base_url) && is_loopback(&config.media_base_url) {
            // The sandbox: a system proxy must not see (or break) it.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| Error::Network {
            message: error_chain(&e),
        })?;
        Ok(Client { http, config })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Validates, signs and sends a legacy request once.
    pub async fn legacy<E: LegacyEndpoint>(
        &self,
        request: &E,
        credentials: &Credentials,
        now_ms: i64,
    ) -> Outcome<E::Response> {
        let prepared = prepare_legacy(&self.config.legacy_base_url, request, credentials, now_ms);
        self.send_decoded(prepared, ApiGeneration::Legacy, E::PATH, now_ms, E::decode)
            .await
    }

    /// Validates, signs and sends a media request once.
    pub async fn media<E: MediaEndpoint>(
        &self,
        request: &E,
        credentials: &Credentials,
        now_ms: i64,
    ) -> Outcome<E::Response> {
        let prepared = prepare_media(&self.config.media_base_url, request, credentials, now_ms);
        self.send_decoded(prepared, ApiGeneration::Media, E::PATH, now_ms, E::decode)
            .await
    }

    /// The shared tail of [`Client::legacy`] and [`Client::media`]: a request
    /// refused while preparing is reported as not sent; a sent one is
    /// decoded by its endpoint.
    async fn send_decoded<R>(
        &self,
        prepared: Result<PreparedRequest, Error>,
        generation: ApiGeneration,
        path: &'static str,
        now_ms: i64,
        decode: fn(Value) -> Result<R, String>,
    ) -> Outcome<R> {
        let prepared = match prepared {
            Ok(p) => p,
            Err(e) => {
                return Outcome {
                    result: Err(e),
                    attempt: Attempt::not_sent(generation, path),
                }
            }
        };
        self.send(&prepared, now_ms)
            .await
            .map(|(body, raw)| decode(body).map_err(|reason| Error::decode(&raw, reason)))
    }

    /// Sends a prepared request once and checks the `status`/`code`
    /// envelope. On success returns the JSON answer and its raw bytes.
    pub async fn send(&self, prepared: &PreparedRequest, now_ms: i64) -> Outcome<(Value, Vec<u8>)> {
        let mut attempt = Attempt {
            sent: true,
            ..Attempt::not_sent(prepared.generation, prepared.endpoint)
        };
        let method = if prepared.method == "POST" {
            reqwest::Method::POST
        } else {
            reqwest::Method::GET
        };
        let mut builder = self.http.request(method, prepared.url.clone());
        for (name, value) in &prepared.headers {
            builder = builder.header(*name, value);
        }
        if let Some(body) = &prepared.body {
            builder = builder.body(body.clone());
        }

        let started = Instant::now();
        let mut no_connection = false;
        let result = async {
            let response = builder.send().await.map_err(|e| {
                // reqwest tells a failure to connect apart from one after
                // the request went out (a reset, a hang-up, a read timeout).
                no_connection = e.is_connect();
                transport_error(e)
            })?;
            let status = response.status().as_u16();
            attempt.http_status = Some(status);
            attempt.server_time = response
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_http_date);
            let raw = read_limited(response).await?;
            Ok::<_, Error>((status, raw))
        }
        .await;
        let elapsed = started.elapsed();
        attempt.latency = Some(elapsed);
        if no_connection {
            attempt.sent = false;
        }

        let result = result.and_then(|(status, raw)| {
            // Our clock when the answer arrived, to compare with `Date`.
            let now_at_answer_ms = now_ms.saturating_add(elapsed.as_millis() as i64);
            let skew = clock_skew(prepared.generation, attempt.server_time, now_at_answer_ms);
            interpret(prepared.generation, status, raw, skew)
        });
        Outcome { result, attempt }
    }
}

/// Reads an HTTP 200 answer of a legacy endpoint exactly as a call does
/// (envelope, then the endpoint's decoder), without any I/O: for replaying
/// recorded or documented bodies.
pub fn decode_legacy_answer<E: LegacyEndpoint>(raw: &[u8]) -> Result<E::Response, Error> {
    let (body, raw) = interpret(ApiGeneration::Legacy, 200, raw.to_vec(), None)?;
    E::decode(body).map_err(|reason| Error::decode(&raw, reason))
}

/// [`decode_legacy_answer`] for a media endpoint.
pub fn decode_media_answer<E: MediaEndpoint>(raw: &[u8]) -> Result<E::Response, Error> {
    let (body, raw) = interpret(ApiGeneration::Media, 200, raw.to_vec(), None)?;
    E::decode(body).map_err(|reason| Error::decode(&raw, reason))
}

/// Reads the answer into typed kinds: HTTP status, JSON, envelope.
fn interpret(
    generation: ApiGeneration,
    status: u16,
    raw: Vec<u8>,
    skew: Option<i64>,
) -> Result<(Value, Vec<u8>), Error> {
    if !(200..300).contains(&status) {
        if let (Some(offset_secs), 400 | 401 | 403) = (skew, status) {
            return Err(Error::ClockSkew { offset_secs });
        }
        // A gateway may still carry a JSON refusal in a 4xx body.
        if let Some((code, _)) = serde_json::from_slice::<Value>(&raw)
            .ok()
            .and_then(|v| envelope_error(&v))
        {
            if let Some(offset_secs) = skew.filter(|_| skew_explains(generation, code)) {
                return Err(Error::ClockSkew { offset_secs });
            }
        }
        return Err(Error::Http {
            status,
            body: truncate_body(&raw),
        });
    }
    let body: Value =
        serde_json::from_slice(&raw).map_err(|e| Error::decode(&raw, format!("not JSON: {e}")))?;
    if !body.is_object() {
        return Err(Error::decode(&raw, "not a JSON object"));
    }
    if let Some((code, message)) = envelope_error(&body) {
        if let Some(offset_secs) = skew.filter(|_| skew_explains(generation, code)) {
            return Err(Error::ClockSkew { offset_secs });
        }
        return Err(Error::Api {
            generation,
            code,
            message,
        });
    }
    Ok((body, raw))
}

/// Whether a refusal could be the clock's fault (the `Date` header is
/// already known to be outside the window). Legacy codes are not published,
/// so any legacy refusal counts (`ts` is valid for 60 s,
/// dtapps `api.orderList.go:55`); media says 400 for a bad signature or an
/// expired timestamp.
fn skew_explains(generation: ApiGeneration, code: i64) -> bool {
    match generation {
        ApiGeneration::Legacy => true,
        ApiGeneration::Media => {
            ApiErrorKind::classify(generation, code) == ApiErrorKind::AuthFailed
        }
    }
}

/// Server time minus ours, in whole seconds, when beyond the window.
fn clock_skew(generation: ApiGeneration, server_time: Option<i64>, now_ms: i64) -> Option<i64> {
    let server = server_time?;
    let offset = server - now_ms.div_euclid(1000);
    // `Date` has one-second resolution: allow one extra second.
    (offset.abs() > generation.clock_window_secs() + 1).then_some(offset)
}

fn parse_http_date(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|d| d.timestamp())
}

/// A non-zero `status` or `code` (number or numeric string) with the first
/// message field found. Both are read: legacy uses `status` + `des`, media
/// uses `code` or `status` + `message`.
fn envelope_error(body: &Value) -> Option<(i64, String)> {
    let obj = body.as_object()?;
    let code = ["status", "code"].iter().find_map(|k| match obj.get(*k)? {
        Value::Number(n) => n.as_i64().filter(|c| *c != 0),
        Value::String(s) => s.trim().parse::<i64>().ok().filter(|c| *c != 0),
        _ => None,
    })?;
    let message = ["des", "message", "msg", "errmsg"]
        .iter()
        .find_map(|k| match obj.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_default();
    Some((code, message))
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, Error> {
    let mut raw = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if raw.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(Error::decode(
                &raw,
                format!("the answer is larger than {MAX_RESPONSE_BYTES} bytes"),
            ));
        }
        raw.extend_from_slice(&chunk);
    }
    Ok(raw)
}

fn transport_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout;
    }
    if e.is_decode() {
        return Error::decode(b"", error_chain(&e));
    }
    Error::Network {
        message: error_chain(&e.without_url()),
    }
}

/// The error and its sources on one line; reqwest's own text alone is
/// often just "error sending request".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legacy::OrderListRequest;
    use crate::media::ReferralLinkRequest;
    use crate::{BusinessLine, MediaLinkType, QueryTimeType};

    fn creds() -> Credentials {
        Credentials::new(
            "5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c",
            Secret::from("0123456789abcdef0123456789abcdef"),
        )
    }

    #[test]
    fn prepared_legacy_matches_vector_l01() {
        let req = OrderListRequest {
            business_line: Some(BusinessLine::WaimaiShangou),
            act_id: Some("33".into()),
            start_time: 1_699_977_600,
            end_time: 1_700_064_000,
            page: 1,
            limit: 100,
            query_time_type: QueryTimeType::PayTime,
        };
        let base = Url::parse("http://127.0.0.1:9/prefix/").unwrap();
        let p = prepare_legacy(&base, &req, &creds(), 1_700_000_000_999).unwrap();
        assert_eq!(
            p.url.as_str(),
            "http://127.0.0.1:9/prefix/api/orderList?actId=33&appkey=5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c&businessLine=2&endTime=1700064000&limit=100&page=1&queryTimeType=1&sign=c9b126635e4070a9d789a876d42a5bca&startTime=1699977600&ts=1700000000"
        );
        assert!(!format!("{p:?}").contains("0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn prepared_media_matches_vector_m07() {
        let mut req = ReferralLinkRequest::for_activity("33", "user_1001", MediaLinkType::H5Long);
        req.link_type = None;
        req.link_type_list = Some(vec![
            MediaLinkType::H5Long,
            MediaLinkType::H5Short,
            MediaLinkType::Deeplink,
            MediaLinkType::MiniProgramPath,
        ]);
        let c = Credentials::new("demo-app-key", Secret::from("demo-app-secret"));
        let base = Url::parse(MEDIA_BASE_URL).unwrap();
        let p = prepare_media(&base, &req, &c, 1_700_000_000_999).unwrap();
        let header = |n: &str| p.headers.iter().find(|(k, _)| *k == n).unwrap().1.clone();
        assert_eq!(header("Content-MD5"), "y+IST8hXCMlhJChUUJglSw==");
        assert_eq!(
            header("S-Ca-Signature"),
            "QBTQdJuN7pBes4coBBsTe7v0epffchJ5d3mPVQixNBg="
        );
        assert_eq!(header("S-Ca-Signature-Headers"), "S-Ca-App,S-Ca-Timestamp");
        assert_eq!(header("S-Ca-Timestamp"), "1700000000999");
        assert_eq!(
            p.url.as_str(),
            "https://media.meituan.com/cps_open/common/api/v1/get_referral_link"
        );
    }

    #[test]
    fn envelope_reads_code_and_status() {
        let e = |v: Value| envelope_error(&v);
        assert_eq!(e(serde_json::json!({"status":0,"des":""})), None);
        assert_eq!(e(serde_json::json!({"code":"0","data":1})), None);
        assert_eq!(
            e(serde_json::json!({"status":1,"des":"参数错误"})),
            Some((1, "参数错误".into()))
        );
        assert_eq!(
            e(serde_json::json!({"code":"403","message":"请求次数超过授权额度"})),
            Some((403, "请求次数超过授权额度".into()))
        );
        assert_eq!(e(serde_json::json!({"dataList":[],"total":0})), None);
    }

    #[test]
    fn skew_window() {
        let now = 1_700_000_000_000;
        assert_eq!(
            clock_skew(ApiGeneration::Legacy, Some(1_700_000_061), now),
            None
        );
        assert_eq!(
            clock_skew(ApiGeneration::Legacy, Some(1_700_000_062), now),
            Some(62)
        );
        assert_eq!(
            clock_skew(ApiGeneration::Media, Some(1_700_000_062), now),
            None
        );
        assert_eq!(
            clock_skew(ApiGeneration::Media, Some(1_699_999_800), now),
            Some(-200)
        );
        assert_eq!(clock_skew(ApiGeneration::Media, None, now), None);
        assert_eq!(
            parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"),
            Some(1_700_000_000)
        );
    }

    #[test]
    fn invalid_credentials_refused_before_send() {
        let req = ReferralLinkRequest::for_activity("33", "s", MediaLinkType::H5Long);
        let c = Credentials::new("", Secret::from("x"));
        let base = Url::parse(MEDIA_BASE_URL).unwrap();
        assert!(matches!(
            prepare_media(&base, &req, &c, 1),
            Err(Error::InvalidArgument {
                field: "appkey",
                ..
            })
        ));
        let c = Credentials::new("k", Secret::from(""));
        assert!(matches!(
            prepare_media(&base, &req, &c, 1),
            Err(Error::InvalidArgument {
                field: "secret",
                ..
            })
        ));
    }
}
