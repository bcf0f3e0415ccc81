//! The local callback receiver: an axum listener (loopback unless the user
//! explicitly chooses otherwise) that verifies each push with the callback
//! secret, answers in Meituan's exact format, stores each order event once
//! and keeps a live feed for the UI and the CLI.
//!
//! Its limits ([`ReceiverConfig`]): the request head must arrive within
//! `header_timeout` and the body within `body_timeout` (408 otherwise), the
//! body is cut off at `max_body` while it is read (413), and at most
//! `max_connections` connections are open (see `conn.rs` for which one
//! gives way). Every reply closes its connection.

use super::conn::{Conn, GuardedListener, Phase, Registry};
use crate::clock::{beijing_rfc3339, Clock};
use crate::error::{Error, Result};
use crate::store::Store;
use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use meituan_union::sign::{callback_canonical, verify_callback, MAX_CALLBACK_BODY};
use meituan_union::Secret;
use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// The acknowledgement Meituan expects, byte for byte.
pub const ACK_OK: &str = r#"{"errcode":"0","errmsg":"ok"}"#;
/// The refusal, byte for byte.
pub const ACK_ERR: &str = r#"{"errcode":"1","errmsg":"err"}"#;

/// Feed entries kept in memory.
const FEED_LEN: usize = 500;

/// Default time for the request line and headers to arrive.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for the whole body to arrive once the headers have.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(15);
/// Default cap on open connections.
pub const MAX_CONNECTIONS: usize = 64;

#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    pub bind: SocketAddr,
    /// Profile id the events are filed under ('' for none).
    pub scope: String,
    pub secret: Secret,
    /// Longest body read; a longer one is refused (413) as soon as it
    /// passes this, without reading the rest.
    pub max_body: usize,
    /// Must be true to bind anything but loopback.
    pub allow_non_loopback: bool,
    /// From the connection's start to the end of its request head; then the
    /// connection gets a 408 and is closed.
    pub header_timeout: Duration,
    /// From the end of the head to the end of the body; then a 408.
    pub body_timeout: Duration,
    /// Open connections at most. When all are taken, the longest-open one
    /// still reading its request is closed for the newcomer.
    pub max_connections: usize,
}

impl ReceiverConfig {
    /// Loopback on `port` (0 picks a free one), the protocol's body limit.
    pub fn loopback(port: u16, scope: impl Into<String>, secret: Secret) -> Self {
        ReceiverConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], port)),
            scope: scope.into(),
            secret,
            max_body: MAX_CALLBACK_BODY,
            allow_non_loopback: false,
            header_timeout: HEADER_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FeedOutcome {
    /// A new order event, stored.
    Stored,
    /// A replay of a stored event: acknowledged, not stored again.
    Duplicate,
    /// Refused (`reason` says why); answered with the error body.
    Rejected,
}

/// Why a push was refused, as a code the screens translate (`reason`
/// keeps the English detail for logs and the terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FeedReason {
    BodyTooLarge,
    /// Closed to make room for another (too many open connections).
    Evicted,
    /// The connection closed before the body was complete.
    Incomplete,
    /// The body did not arrive within the deadline.
    Timeout,
    /// No callback secret is set yet, so nothing can be verified.
    NoSecret,
    /// Not a JSON object, or unreadable.
    Unreadable,
    /// No `sign` field, or not a string.
    SignMissing,
    /// The `sign` does not match: a wrong callback secret, or a forgery.
    SignMismatch,
    /// Authentic, but without an order id.
    OrderIdMissing,
    /// Could not be stored (not acknowledged, so Meituan sends it again).
    Storage,
}

/// One push as the live feed shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FeedItem {
    /// Increasing from 1 for the receiver's lifetime.
    pub seq: u32,
    pub received_at: String,
    pub outcome: FeedOutcome,
    /// English detail, for logs and the terminal.
    pub reason: Option<String>,
    /// Why it was refused, for the screens.
    pub reason_code: Option<FeedReason>,
    pub order_id: Option<String>,
    /// Meituan's status code as pushed: the order query's values, 1 付款
    /// (paid), 8 完成 (completed), 9 退款或风控 (refunded or risk control)
    /// (provenance row 90). Kept as sent; anything else is shown raw.
    pub status: Option<String>,
    /// Meituan's refundType as pushed, when not empty: 1 全部退 (whole),
    /// 2 部分退 (part), 3 风控 (risk control) (provenance row 91). Kept as
    /// sent; anything else is shown raw.
    pub refund_type: Option<String>,
    pub pay_price: Option<String>,
    pub sid: Option<String>,
    pub event_id: Option<i64>,
    pub bytes: u32,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    scope: String,
    /// Replaced when a new callback secret is registered while running.
    secret: std::sync::RwLock<Secret>,
    max_body: usize,
    body_timeout: Duration,
    feed: Mutex<(u32, VecDeque<FeedItem>)>,
    live: broadcast::Sender<FeedItem>,
}

/// A running receiver. Dropping it stops the listener.
pub struct ReceiverHandle {
    addr: SocketAddr,
    inner: Arc<Inner>,
    connections: Arc<Mutex<Registry>>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ReceiverHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ReceiverHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/callback`: the URL to register.
    pub fn url(&self) -> String {
        format!("http://{}/callback", self.addr)
    }

    pub fn scope(&self) -> &str {
        &self.inner.scope
    }

    /// Verifies later pushes with `secret` (after a new registration).
    pub fn set_secret(&self, secret: Secret) {
        *self.inner.secret.write().unwrap_or_else(|e| e.into_inner()) = secret;
    }

    /// Feed entries with `seq > after`, oldest first.
    pub fn feed_after(&self, after: u32) -> Vec<FeedItem> {
        let feed = self.inner.feed.lock().unwrap_or_else(|e| e.into_inner());
        feed.1.iter().filter(|i| i.seq > after).cloned().collect()
    }

    /// New entries as they arrive.
    pub fn subscribe(&self) -> broadcast::Receiver<FeedItem> {
        self.inner.live.subscribe()
    }

    /// Connections open now (at most the configured cap, plus any just
    /// closed to make room that have not finished closing).
    pub fn open_connections(&self) -> usize {
        self.connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .open_count()
    }

    fn close_readers(&self) {
        self.connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .evict_readers();
    }

    /// Stops accepting and waits for the listener to end.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        self.close_readers();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for ReceiverHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.close_readers();
    }
}

/// Binds and serves on the current tokio runtime.
pub async fn start_receiver(
    store: Store,
    clock: Arc<dyn Clock>,
    config: ReceiverConfig,
) -> Result<ReceiverHandle> {
    if !config.bind.ip().is_loopback() && !config.allow_non_loopback {
        return Err(Error::invalid(
            "bind",
            "the receiver listens on this computer only (127.0.0.1) unless you explicitly allow another address",
        ));
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| Error::invalid("port", format!("cannot listen on {}: {e}", config.bind)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let (live, _) = broadcast::channel(256);
    let inner = Arc::new(Inner {
        store,
        clock,
        scope: config.scope,
        secret: std::sync::RwLock::new(config.secret),
        max_body: config.max_body,
        body_timeout: config.body_timeout,
        feed: Mutex::new((0, VecDeque::new())),
        live,
    });
    let connections = Registry::new(config.max_connections);
    let listener = GuardedListener::new(listener, connections.clone(), config.header_timeout);
    let app = Router::new()
        .fallback(handle)
        .with_state(inner.clone())
        .into_make_service_with_connect_info::<Conn>();
    let (stop, mut stop_rx) = watch::channel(false);
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stop_rx.changed().await;
        });
        if let Err(e) = serve.await {
            tracing::warn!(error = %e, "callback receiver stopped with an error");
        }
    });
    Ok(ReceiverHandle {
        addr,
        inner,
        connections,
        stop,
        task: Some(task),
    })
}

/// Every reply closes the connection, so a connection carries one request
/// and its deadlines are simple.
fn reply(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONNECTION, "close"),
        ],
        body,
    )
        .into_response()
}

/// The identity of an order event: SHA-256 of its signed fields without
/// `sign`, in signing order, so a replay maps to the same key whatever its
/// key order or whitespace.
fn event_key(body: &[u8]) -> Option<String> {
    let canonical = callback_canonical("", body).ok()?;
    Some(format!("{:x}", Sha256::digest(canonical.as_bytes())))
}

/// The top-level fields of a push, each kept as its source text. Nested
/// values are skipped, not decoded, so an authentic push is read however
/// deeply its other fields nest (decoding into `Value` stops at 128 levels).
type TopLevel = BTreeMap<String, Box<RawValue>>;

/// A top-level string or number field as text.
fn text_field(fields: &TopLevel, key: &str) -> Option<String> {
    let raw = fields.get(key)?.get();
    match raw.as_bytes().first()? {
        b'"' => serde_json::from_str::<String>(raw).ok(),
        b'-' | b'0'..=b'9' => Some(raw.to_owned()),
        _ => None,
    }
}

/// Why a body could not be read.
enum BodyError {
    /// Over the limit: reading stopped there.
    TooLarge,
    /// The connection broke (or was closed for another) mid-body.
    Broken,
}

/// Reads a body into one buffer, never holding more than `limit` bytes:
/// a frame that would pass it ends the read. `received` counts the bytes
/// so far (also when the caller gives up waiting).
async fn read_body(
    mut body: Body,
    limit: usize,
    declared: Option<usize>,
    received: &mut usize,
) -> std::result::Result<Vec<u8>, BodyError> {
    let mut out = Vec::with_capacity(declared.unwrap_or(4096).min(limit));
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        let Some(frame) = frame else {
            return Ok(out);
        };
        let Ok(frame) = frame.map_err(|_| BodyError::Broken) else {
            return Err(BodyError::Broken);
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        *received += data.len();
        if out.len() + data.len() > limit {
            return Err(BodyError::TooLarge);
        }
        out.extend_from_slice(&data);
    }
}

impl Inner {
    fn record(&self, mut item: FeedItem) -> FeedItem {
        let mut feed = self.feed.lock().unwrap_or_else(|e| e.into_inner());
        feed.0 += 1;
        item.seq = feed.0;
        feed.1.push_back(item.clone());
        while feed.1.len() > FEED_LEN {
            feed.1.pop_front();
        }
        drop(feed);
        let _ = self.live.send(item.clone());
        item
    }

    fn item(&self, outcome: FeedOutcome, reason: Option<&str>, bytes: usize) -> FeedItem {
        FeedItem {
            seq: 0,
            received_at: beijing_rfc3339(self.clock.now()),
            outcome,
            reason: reason.map(str::to_owned),
            reason_code: None,
            order_id: None,
            status: None,
            refund_type: None,
            pay_price: None,
            sid: None,
            event_id: None,
            bytes: bytes.min(u32::MAX as usize) as u32,
        }
    }

    fn reject(&self, status: StatusCode, code: FeedReason, reason: &str, bytes: usize) -> Response {
        let mut item = self.item(FeedOutcome::Rejected, Some(reason), bytes);
        item.reason_code = Some(code);
        self.record(item);
        reply(status, ACK_ERR)
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    request: Request<Body>,
) -> Response {
    // The head is in: the body deadline applies from here.
    conn.0.set_phase(Phase::Body);
    let response = handle_request(&inner, &conn, request).await;
    conn.0.set_phase(Phase::Handling);
    response
}

async fn handle_request(inner: &Inner, conn: &Conn, request: Request<Body>) -> Response {
    if request.method() != Method::POST {
        return reply(StatusCode::METHOD_NOT_ALLOWED, ACK_ERR);
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > inner.max_body) {
        return inner.reject(
            StatusCode::PAYLOAD_TOO_LARGE,
            FeedReason::BodyTooLarge,
            "body too large",
            declared.unwrap_or(0),
        );
    }
    let mut received = 0usize;
    let read = read_body(request.into_body(), inner.max_body, declared, &mut received);
    let bytes = match tokio::time::timeout(inner.body_timeout, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(BodyError::TooLarge)) => {
            return inner.reject(
                StatusCode::PAYLOAD_TOO_LARGE,
                FeedReason::BodyTooLarge,
                "body too large",
                received,
            )
        }
        Ok(Err(BodyError::Broken)) if conn.0.evicted() => {
            return inner.reject(
                StatusCode::SERVICE_UNAVAILABLE,
                FeedReason::Evicted,
                "connection closed to make room for another (too many open connections)",
                received,
            )
        }
        Ok(Err(BodyError::Broken)) => {
            return inner.reject(
                StatusCode::BAD_REQUEST,
                FeedReason::Incomplete,
                "connection closed before the body was complete",
                received,
            )
        }
        Err(_) => {
            let reason = format!(
                "body not complete within {} ms",
                inner.body_timeout.as_millis()
            );
            return inner.reject(
                StatusCode::REQUEST_TIMEOUT,
                FeedReason::Timeout,
                &reason,
                received,
            );
        }
    };
    // Complete: from here on the connection is never cut off.
    conn.0.set_phase(Phase::Handling);
    let secret = inner
        .secret
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if secret.is_empty() {
        return inner.reject(
            StatusCode::BAD_REQUEST,
            FeedReason::NoSecret,
            "no callback secret set yet",
            bytes.len(),
        );
    }
    let check = match verify_callback(secret.expose(), &bytes) {
        Ok(c) => c,
        Err(e) => {
            return inner.reject(
                StatusCode::BAD_REQUEST,
                FeedReason::Unreadable,
                &e.to_string(),
                bytes.len(),
            )
        }
    };
    if !check.valid {
        let reason = check.reason.as_deref().unwrap_or("sign mismatch");
        let code = if reason == "sign mismatch" {
            FeedReason::SignMismatch
        } else {
            FeedReason::SignMissing
        };
        return inner.reject(StatusCode::BAD_REQUEST, code, reason, bytes.len());
    }
    drop(secret);
    // The same top-level parse the signature check made, so it cannot fail
    // here for an authentic push, however deeply its fields nest.
    let fields: TopLevel = match serde_json::from_slice(&bytes) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "an authentic push could not be read");
            return inner.reject(
                StatusCode::BAD_REQUEST,
                FeedReason::Unreadable,
                "unreadable body",
                bytes.len(),
            );
        }
    };
    let Some(order_id) = text_field(&fields, "orderid").filter(|s| !s.is_empty()) else {
        return inner.reject(
            StatusCode::BAD_REQUEST,
            FeedReason::OrderIdMissing,
            "orderid missing",
            bytes.len(),
        );
    };
    let Some(key) = event_key(&bytes) else {
        return inner.reject(
            StatusCode::BAD_REQUEST,
            FeedReason::Unreadable,
            "unreadable body",
            bytes.len(),
        );
    };
    let received_at = beijing_rfc3339(inner.clock.now());
    let row = crate::callback::sql::EventRow {
        id: 0,
        scope: inner.scope.clone(),
        event_key: key,
        order_id: order_id.clone(),
        status: text_field(&fields, "status").unwrap_or_default(),
        mod_time: text_field(&fields, "modTime").unwrap_or_default(),
        pay_time: text_field(&fields, "paytime").unwrap_or_default(),
        sid: text_field(&fields, "sid").unwrap_or_default(),
        pay_price: text_field(&fields, "payPrice").unwrap_or_default(),
        appkey: text_field(&fields, "appkey").unwrap_or_default(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        received_at,
        duplicates: 0,
    };
    let store = inner.store.clone();
    let row_for_db = row.clone();
    let saved = tokio::task::spawn_blocking(move || {
        let mut conn = store.connect()?;
        crate::callback::sql::insert_event_once(&mut conn, &row_for_db)
    })
    .await;
    match saved {
        Ok(Ok((id, new))) => {
            let mut item = inner.item(
                if new {
                    FeedOutcome::Stored
                } else {
                    FeedOutcome::Duplicate
                },
                None,
                bytes.len(),
            );
            item.order_id = Some(order_id);
            item.status = Some(row.status);
            item.refund_type = text_field(&fields, "refundType").filter(|t| !t.is_empty());
            item.pay_price = Some(row.pay_price);
            item.sid = Some(row.sid);
            item.event_id = Some(id);
            inner.record(item);
            reply(StatusCode::OK, ACK_OK)
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot store a callback event");
            // Not acknowledged, so Meituan pushes it again later.
            inner.reject(
                StatusCode::INTERNAL_SERVER_ERROR,
                FeedReason::Storage,
                "storage error",
                bytes.len(),
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "callback store task failed");
            inner.reject(
                StatusCode::INTERNAL_SERVER_ERROR,
                FeedReason::Storage,
                "internal error",
                bytes.len(),
            )
        }
    }
}

/// Stored events of a scope with `id > after` (for a feed that survives a
/// restart of the receiver).
pub fn stored_events(
    store: &Store,
    scope: &str,
    after: i64,
    limit: u32,
) -> Result<Vec<crate::callback::sql::EventRow>> {
    crate::callback::sql::events_after(&*store.connect()?, scope, after, limit)
}

/// Whether a profile's receiver runs, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ReceiverStatus {
    pub running: bool,
    pub url: Option<String>,
    pub port: Option<u16>,
    /// The last feed sequence number (poll the feed after it).
    pub last_seq: u32,
}

/// The receivers the app runs, one per profile at most.
#[derive(Default)]
pub struct Receivers {
    running: tokio::sync::Mutex<std::collections::HashMap<String, ReceiverHandle>>,
}

impl Receivers {
    /// Starts (or restarts) the receiver of `scope`.
    pub async fn start(
        &self,
        store: Store,
        clock: Arc<dyn Clock>,
        config: ReceiverConfig,
    ) -> Result<ReceiverStatus> {
        let scope = config.scope.clone();
        let mut map = self.running.lock().await;
        if let Some(old) = map.remove(&scope) {
            old.stop().await;
        }
        let handle = start_receiver(store, clock, config).await?;
        let status = status_of(Some(&handle));
        map.insert(scope, handle);
        Ok(status)
    }

    pub async fn stop(&self, scope: &str) -> ReceiverStatus {
        if let Some(old) = self.running.lock().await.remove(scope) {
            old.stop().await;
        }
        status_of(None)
    }

    pub async fn status(&self, scope: &str) -> ReceiverStatus {
        status_of(self.running.lock().await.get(scope))
    }

    pub async fn feed_after(&self, scope: &str, after: u32) -> Vec<FeedItem> {
        self.running
            .lock()
            .await
            .get(scope)
            .map(|h| h.feed_after(after))
            .unwrap_or_default()
    }

    /// A newly registered secret reaches a running receiver at once.
    pub async fn set_secret(&self, scope: &str, secret: Secret) {
        if let Some(h) = self.running.lock().await.get(scope) {
            h.set_secret(secret);
        }
    }
}

fn status_of(handle: Option<&ReceiverHandle>) -> ReceiverStatus {
    match handle {
        Some(h) => ReceiverStatus {
            running: true,
            url: Some(h.url()),
            port: Some(h.local_addr().port()),
            last_seq: h.inner.feed.lock().unwrap_or_else(|e| e.into_inner()).0,
        },
        None => ReceiverStatus {
            running: false,
            url: None,
            port: None,
            last_seq: 0,
        },
    }
}
