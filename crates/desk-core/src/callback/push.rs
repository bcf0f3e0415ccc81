//! "Send a test push": a realistic order body signed with the callback
//! secret exactly as Meituan signs it, POSTed to the callback URL, and a
//! plain diagnosis of what came back.

use super::receiver::{ACK_ERR, ACK_OK};
use super::validate_callback_url;
use chrono::{DateTime, Utc};
use meituan_union::Secret;
use serde::Serialize;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};
use url::Host;

/// What the test push found, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Diagnosis {
    /// The receiver acknowledged: `{"errcode":"0","errmsg":"ok"}`, or the
    /// same with the integer `0` (both forms are documented).
    Ok,
    /// The URL itself is refused (see `detail`).
    InvalidUrl,
    /// The host name does not resolve.
    Dns,
    /// Nothing listens there, or the network refused the connection.
    Connect,
    /// The TLS handshake failed (certificate, protocol, or plain http on an https URL).
    Tls,
    /// No answer within the timeout.
    Timeout,
    /// An HTTP error status.
    HttpStatus,
    /// The receiver answered `{"errcode":"1",…}` (or the integer `1`): it
    /// rejected the push, most often because its callback secret is not the
    /// one Meituan issued.
    WrongSecret,
    /// A 2xx answer whose body is not exactly the acknowledgement Meituan expects.
    UnexpectedBody,
}

/// The outcome of one test push. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct TestPushReport {
    pub url: String,
    pub ok: bool,
    pub diagnosis: Diagnosis,
    /// English, for the CLI and logs; the UI translates `diagnosis`.
    pub detail: String,
    pub http_status: Option<u16>,
    /// The first 500 characters of the reply body.
    pub reply: Option<String>,
    pub elapsed_ms: u64,
    pub order_id: String,
    /// With `probe_forged`: whether the receiver also accepted a push with a
    /// wrong sign (it then does not verify signatures at all).
    pub forged_accepted: Option<bool>,
}

#[derive(Debug, Clone, Copy)]
pub struct TestPushOptions {
    pub timeout: Duration,
    /// After a successful push, also send one with a wrong sign and report
    /// whether it was (wrongly) accepted.
    pub probe_forged: bool,
}

impl Default for TestPushOptions {
    fn default() -> Self {
        TestPushOptions {
            timeout: Duration::from_secs(10),
            probe_forged: true,
        }
    }
}

/// The fields of a realistic paid 团购 order push (without `sign`), as the
/// sandbox and Meituan send them: every value a string. The order id starts
/// with 9 and is derived from `now`, so it never collides with a real one the
/// user has seen before and a receiver can tell it apart.
pub fn test_order_fields(appkey: &str, now: DateTime<Utc>) -> Map<String, Value> {
    let pay = now.timestamp();
    let order_id = format!("9{:017}", now.timestamp_millis().rem_euclid(10i64.pow(17)));
    let s = |v: &str| Value::String(v.to_owned());
    let mut m = Map::new();
    m.insert("orderid".into(), s(&order_id));
    m.insert("smstitle".into(), s("联盟助手测试推送 双人套餐"));
    m.insert("sid".into(), s("uniondesk_test"));
    m.insert("appkey".into(), s(appkey));
    m.insert("actId".into(), s("2"));
    m.insert("businessLine".into(), s("1"));
    m.insert("subBusinessLine".into(), s("0"));
    m.insert("type".into(), s("0"));
    // 1 付款: a push's status takes the order query's values, 1 paid,
    // 8 completed, 9 refunded or risk (dtapps `service_http.order.go:24`
    // → `api.orderList.go:30`; docs/research/meituan-provenance.md row 90).
    m.insert("status".into(), s("1"));
    m.insert("paytime".into(), s(&pay.to_string()));
    m.insert("ordertime".into(), s(&(pay - 60).to_string()));
    m.insert("modTime".into(), s(&pay.to_string()));
    m.insert("total".into(), s("88.00"));
    m.insert("direct".into(), s("88.00"));
    m.insert("payPrice".into(), s("88.00"));
    m.insert("quantity".into(), s("1"));
    m.insert("ratio".into(), s("0.0300"));
    m.insert("uid".into(), s("0"));
    m.insert("dealid".into(), s("700000001"));
    m.insert("productId".into(), s("700000001"));
    m.insert("productName".into(), s("联盟助手测试推送 双人套餐"));
    m.insert("consumeType".into(), s(""));
    m.insert("refundType".into(), s(""));
    m.insert("encryptionVoucherId".into(), s(""));
    m
}

/// The exact bytes of a push: the fields plus `sign`.
pub fn signed_body(secret: &Secret, fields: &Map<String, Value>) -> Vec<u8> {
    let mut m = fields.clone();
    m.remove("sign");
    let sign = meituan_union::sign::sign_callback_fields(secret.expose(), &m);
    m.insert("sign".into(), Value::String(sign));
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

fn report(
    url: &str,
    order_id: &str,
    start: Instant,
    diagnosis: Diagnosis,
    detail: String,
) -> TestPushReport {
    TestPushReport {
        url: url.to_owned(),
        ok: diagnosis == Diagnosis::Ok,
        diagnosis,
        detail,
        http_status: None,
        reply: None,
        elapsed_ms: start.elapsed().as_millis() as u64,
        order_id: order_id.to_owned(),
        forged_accepted: None,
    }
}

/// Whether the error chain of a failed request names TLS.
fn is_tls_error(e: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        let text = format!("{err} {err:?}").to_ascii_lowercase();
        if [
            "tls",
            "certificate",
            "rustls",
            "handshake",
            "corrupt message",
            "invalidcontenttype",
        ]
        .iter()
        .any(|w| text.contains(w))
        {
            return true;
        }
        source = err.source();
    }
    false
}

/// The innermost cause of a failed request ("Connection refused (os error
/// 111)", "invalid peer certificate: …"), and the I/O error kind when the
/// chain holds one.
fn root_cause(e: &reqwest::Error) -> (String, Option<std::io::ErrorKind>) {
    let mut last: &dyn std::error::Error = e;
    let mut kind = None;
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            kind = Some(io.kind());
        }
        last = err;
        source = err.source();
    }
    (last.to_string(), kind)
}

/// `host:port` of a URL, for messages.
fn host_port(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// What went wrong with a request that got no HTTP answer, in words.
fn failure_detail(
    e: &reqwest::Error,
    diagnosis: Diagnosis,
    url: &url::Url,
    timeout: Duration,
) -> String {
    let (cause, kind) = root_cause(e);
    let at = host_port(url);
    match (diagnosis, kind) {
        (Diagnosis::Timeout, _) => format!(
            "no answer from {url} within {} ms: the receiver accepted nothing or is too slow",
            timeout.as_millis()
        ),
        (Diagnosis::Tls, _) => format!(
            "the TLS handshake with {at} failed ({cause}): a certificate problem, or the server speaks plain http on an https URL"
        ),
        (_, Some(std::io::ErrorKind::ConnectionRefused)) => format!(
            "connection refused at {at}: nothing is listening there (is the receiver running, on this port?)"
        ),
        (_, Some(std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted)) => {
            format!("the connection to {at} was closed before the receiver answered ({cause})")
        }
        _ if e.is_connect() => format!("cannot connect to {at}: {cause}"),
        _ => format!("the exchange with {url} failed before a complete answer: {cause}"),
    }
}

/// At most `max` characters of a reply, with control and invisible
/// characters escaped, for a one-line message.
fn snippet(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// Classifies a reply body: an acknowledgement, a refusal, or something else.
///
/// Both documented forms count: `errcode` as the string `"0"` / `"1"`
/// (wepkg/union-meituan `api.go` CallbackOrder comment, nilorg/meituan-union
/// `constants.go:4-7`) and as the integer `0` / `1` (dtapps/go-library
/// `service/meituan/service_http.order.go:41,54,59`, bububa/meituan
/// `model/serve/res.go:5,10,12`). Which one Meituan requires is not
/// documented; the app's own receiver answers the string form.
pub fn classify_body(body: &str) -> Diagnosis {
    let trimmed = body.trim();
    if trimmed == ACK_OK {
        return Diagnosis::Ok;
    }
    if trimmed == ACK_ERR {
        return Diagnosis::WrongSecret;
    }
    let Ok(Value::Object(reply)) = serde_json::from_str::<Value>(trimmed) else {
        return Diagnosis::UnexpectedBody;
    };
    match reply.get("errcode") {
        Some(Value::String(code)) if code == "0" => Diagnosis::Ok,
        Some(Value::Number(code)) if code.as_i64() == Some(0) => Diagnosis::Ok,
        Some(Value::String(code)) if code == "1" => Diagnosis::WrongSecret,
        Some(Value::Number(code)) if code.as_i64() == Some(1) => Diagnosis::WrongSecret,
        _ => Diagnosis::UnexpectedBody,
    }
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
) -> Result<(u16, String), reqwest::Error> {
    let resp = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await?;
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// Sends one signed test push to `url` and diagnoses the reply. Never fails:
/// every problem is a [`Diagnosis`].
pub async fn send_test_push(
    url: &str,
    secret: &Secret,
    appkey: &str,
    now: DateTime<Utc>,
    options: TestPushOptions,
) -> TestPushReport {
    let start = Instant::now();
    let fields = test_order_fields(appkey, now);
    let order_id = fields["orderid"].as_str().unwrap_or_default().to_owned();
    let parsed = match validate_callback_url(url) {
        Ok(u) => u,
        Err(e) => return report(url, &order_id, start, Diagnosis::InvalidUrl, e.to_string()),
    };
    let url = parsed.as_str().to_owned();
    // Resolve first so a name that does not exist is told apart from a
    // server that does not answer.
    if let Some(Host::Domain(domain)) = parsed.host() {
        let port = parsed.port_or_known_default().unwrap_or(443);
        match tokio::time::timeout(options.timeout, tokio::net::lookup_host((domain, port))).await {
            Err(_) => {
                return report(
                    &url,
                    &order_id,
                    start,
                    Diagnosis::Dns,
                    format!("looking up {domain} timed out"),
                )
            }
            Ok(Err(e)) => {
                return report(
                    &url,
                    &order_id,
                    start,
                    Diagnosis::Dns,
                    format!("{domain} does not resolve: {e}"),
                )
            }
            Ok(Ok(_)) => {}
        }
    }
    let client = match meituan_union::http::client_builder()
        .timeout(options.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "UnionDesk/",
            env!("CARGO_PKG_VERSION"),
            " test-push"
        ))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            let detail = format!("cannot set up an HTTP client: {e}");
            return report(&url, &order_id, start, Diagnosis::Connect, detail);
        }
    };
    let body = signed_body(secret, &fields);
    let (status, reply) = match post(&client, &url, body).await {
        Ok(r) => r,
        Err(e) => {
            let diagnosis = if e.is_timeout() {
                Diagnosis::Timeout
            } else if is_tls_error(&e) {
                Diagnosis::Tls
            } else {
                Diagnosis::Connect
            };
            let detail = failure_detail(&e, diagnosis, &parsed, options.timeout);
            return report(&url, &order_id, start, diagnosis, detail);
        }
    };
    let mut out = report(&url, &order_id, start, Diagnosis::Ok, String::new());
    out.http_status = Some(status);
    out.reply = Some(reply.chars().take(500).collect());
    let by_body = classify_body(&reply);
    out.diagnosis = if by_body == Diagnosis::WrongSecret {
        Diagnosis::WrongSecret
    } else if !(200..300).contains(&status) {
        Diagnosis::HttpStatus
    } else {
        by_body
    };
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default();
    let got = if reply.trim().is_empty() {
        "an empty body".to_owned()
    } else {
        format!("\"{}\"", snippet(reply.trim(), 80))
    };
    out.detail = match out.diagnosis {
        Diagnosis::Ok => "the receiver acknowledged the push".into(),
        Diagnosis::WrongSecret => "the receiver rejected a correctly signed push: its callback secret is probably not the one the console issued".into(),
        Diagnosis::HttpStatus => format!(
            "the receiver at {url} answered HTTP {status}{reason} (with {got}); Meituan needs HTTP 200 and {ACK_OK}"
        ),
        _ => format!(
            "the receiver answered HTTP {status}, but the body is not Meituan's acknowledgement format {ACK_OK}: it sent {got}"
        ),
    };
    out.ok = out.diagnosis == Diagnosis::Ok;
    if out.ok && options.probe_forged {
        let mut forged = fields.clone();
        forged.insert("sign".into(), Value::String("0".repeat(32)));
        let forged_body = serde_json::to_vec(&Value::Object(forged)).unwrap_or_default();
        if let Ok((_, reply)) = post(&client, &url, forged_body).await {
            let accepted = classify_body(&reply) == Diagnosis::Ok;
            out.forged_accepted = Some(accepted);
            if accepted {
                out.detail = "the receiver acknowledged the push, but it also accepted one with a wrong sign: it does not verify signatures".into();
            }
        }
    }
    out.elapsed_ms = start.elapsed().as_millis() as u64;
    out
}
