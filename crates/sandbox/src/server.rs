//! The HTTP side: listener, router, shared middleware and reply helpers.

use crate::clock::http_date;
use crate::faults::FaultAction;
use crate::state::{lock, Shared};
use crate::{admin, console, images, legacy, media};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CONTENT_TYPE, DATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use serde_json::Value;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// What a handler knows about the connection it is served on.
#[derive(Clone, Debug)]
pub(crate) struct ConnMeta {
    pub peer: SocketAddr,
    /// Set by the reset fault: the connection is torn down with an RST at
    /// the next read or write.
    pub kill: Arc<AtomicBool>,
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, SandboxListener>> for ConnMeta {
    fn connect_info(stream: IncomingStream<'_, SandboxListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP listener whose connections can be reset on demand.
pub(crate) struct SandboxListener(pub TcpListener);

impl Listener for SandboxListener {
    type Io = ResettableStream;
    type Addr = ConnMeta;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let kill = Arc::new(AtomicBool::new(false));
                    return (
                        ResettableStream {
                            inner: stream,
                            kill: kill.clone(),
                        },
                        ConnMeta { peer, kill },
                    );
                }
                // Out of descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnMeta {
            peer: self.0.local_addr()?,
            kill: Arc::new(AtomicBool::new(false)),
        })
    }
}

pub(crate) struct ResettableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

impl ResettableStream {
    fn check(&self) -> io::Result<()> {
        if self.kill.load(Ordering::SeqCst) {
            // Linger 0 makes the close that follows send RST, not FIN.
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(std::time::Duration::ZERO));
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "sandbox reset fault",
            ));
        }
        Ok(())
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// Header naming why the sandbox refused a request (sandbox-only, to help
/// debugging; Meituan sends nothing like it).
pub(crate) const REASON_HEADER: &str = "x-sandbox-reason";

pub(crate) fn json_reply(status: StatusCode, body: &Value, reason: Option<&str>) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, bytes).into_response();
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    if let Some(r) = reason.and_then(|r| HeaderValue::from_str(r).ok()) {
        res.headers_mut().insert(REASON_HEADER, r);
    }
    res
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/api/{name}", any(legacy::handle))
        .route("/api/mtunion/{name}", any(legacy::handle_mtunion))
        .route("/cps_open/common/api/v1/{name}", any(media::handle))
        .layer(middleware::from_fn_with_state(shared.clone(), fault_layer));
    let local = admin::router()
        .merge(console::router())
        .layer(middleware::from_fn(loopback_only));
    // Images stand for CDN files: not faulted, signed or counted.
    let img = Router::new().route("/img/{kind}/{file}", axum::routing::get(images::handle));
    Router::new()
        .merge(api)
        .merge(img)
        .merge(local)
        .fallback(not_found)
        .layer(middleware::map_response_with_state(
            shared.clone(),
            add_date,
        ))
        .layer(middleware::from_fn(contain_panics))
        .with_state(shared)
}

/// Serves each request in its own task, so a handler that panics costs that
/// request a 500 instead of its connection, and nothing else: shared state is
/// behind locks that recover from poisoning (`state::lock`), and every other
/// request goes on being served. Media paths answer in the public code table
/// (999 系统出现异常); legacy ones with the sandbox's own 1011.
async fn contain_panics(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    match tokio::spawn(next.run(req)).await {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(%path, error = %e, "sandbox handler panicked");
            let body = if path.starts_with("/api/") {
                serde_json::json!({"status": crate::legacy::code::INTERNAL, "des": "系统出现异常"})
            } else if path.starts_with("/cps_open/") {
                serde_json::json!({"code": 999, "message": "系统出现异常"})
            } else {
                serde_json::json!({"error": "sandbox internal error"})
            };
            json_reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                &body,
                Some("handler panicked"),
            )
        }
    }
}

async fn not_found() -> Response {
    json_reply(
        StatusCode::NOT_FOUND,
        &serde_json::json!({"code": -1, "message": "接口不可用"}),
        Some("no such path"),
    )
}

/// Every reply carries `Date` from the (possibly skewed) gateway clock, so
/// clients can measure their own clock error.
async fn add_date(State(shared): State<Arc<Shared>>, mut res: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&http_date(shared.server_now_ms())) {
        res.headers_mut().insert(DATE, v);
    }
    res
}

/// Admin and console endpoints answer loopback peers only.
async fn loopback_only(
    ConnectInfo(meta): ConnectInfo<ConnMeta>,
    req: Request,
    next: Next,
) -> Response {
    if !meta.peer.ip().is_loopback() {
        return json_reply(
            StatusCode::FORBIDDEN,
            &serde_json::json!({"error": "admin and console endpoints are loopback-only"}),
            Some("non-loopback peer"),
        );
    }
    next.run(req).await
}

/// The appkey a request claims, before any check (to count faults).
fn claimed_appkey(req: &Request) -> Option<String> {
    if let Some(v) = req.headers().get("S-Ca-App") {
        return v.to_str().ok().map(str::to_owned);
    }
    let q = req.uri().query()?;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "appkey")
        .map(|(_, v)| v.into_owned())
}

async fn fault_layer(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(meta): ConnectInfo<ConnMeta>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let decision = lock(&shared.faults).decide(&path);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let Some(action) = decision.action else {
        return next.run(req).await;
    };
    if let Some((i, _)) = claimed_appkey(&req).and_then(|k| shared.account(&k)) {
        shared.record(i, |d| d.faults += 1);
    }
    let legacy = path.starts_with("/api/");
    match action {
        FaultAction::Error => {
            let body = if legacy {
                serde_json::json!({"status": crate::legacy::code::FAULT, "des": "系统繁忙，请稍后重试"})
            } else {
                serde_json::json!({"code": 2, "message": "请求处理异常"})
            };
            json_reply(StatusCode::OK, &body, Some("fault: error"))
        }
        FaultAction::Http(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut res = (status, format!("{} (sandbox fault)", status)).into_response();
            res.headers_mut()
                .insert(REASON_HEADER, HeaderValue::from_static("fault: http_5xx"));
            res
        }
        FaultAction::Malformed => {
            let text: &'static str = if legacy {
                "{\"status\":0,\"des\":\"\",\"data\":{\"dataList\":[{\"orderid\":\"33"
            } else {
                "{\"code\":0,\"message\":\"成功\",\"data\":{\"dataList\":[{\"orderId\":"
            };
            let mut res = Response::new(Body::from(text));
            res.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            );
            res.headers_mut()
                .insert(REASON_HEADER, HeaderValue::from_static("fault: malformed"));
            res
        }
        FaultAction::Reset => {
            meta.kill.store(true, Ordering::SeqCst);
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    #[tokio::test]
    async fn a_panicking_handler_costs_one_request_only() {
        async fn boom() -> &'static str {
            panic!("handler bug")
        }
        let app = Router::new()
            .route("/cps_open/common/api/v1/boom", get(boom))
            .route("/api/boom", get(boom))
            .route("/fine", get(|| async { "fine" }))
            .layer(middleware::from_fn(contain_panics));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let http = meituan_union::http::client_builder().build().unwrap();

        let res = http
            .get(format!("{base}/cps_open/common/api/v1/boom"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 500);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["code"], 999, "{v}");
        let res = http.get(format!("{base}/api/boom")).send().await.unwrap();
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["status"], crate::legacy::code::INTERNAL, "{v}");
        for _ in 0..3 {
            let res = http.get(format!("{base}/fine")).send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(res.text().await.unwrap(), "fine");
        }
        server.abort();
    }
}
