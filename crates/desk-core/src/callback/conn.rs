//! The receiver's connections: a listener that caps how many are open, and
//! an I/O wrapper that enforces the request-head deadline and reads in
//! small pieces so no connection can make hyper grow a large buffer.
//!
//! Every reply closes its connection (`Connection: close`), so a connection
//! carries one request and moves through three phases: reading the request
//! head (the wrapper's deadline applies), reading the body (the handler's
//! deadline applies) and handling (verifying and storing; never cut off).
//!
//! When all slots are taken, a new connection takes the slot of the
//! longest-open one that is still reading its request: a flood of stalled
//! senders cannot keep a real push out, and memory stays bounded by the
//! cap. Only when every open connection is being handled is a newcomer
//! refused with 503.

use super::receiver::ACK_ERR;
use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// The most one read hands to hyper. hyper grows its read buffer only when
/// a read fills it, so this keeps each connection's buffer near 32 KiB.
const READ_CHUNK: usize = 16 * 1024;

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for the request line and headers.
    Head = 0,
    /// The handler is reading the body.
    Body = 1,
    /// The body is complete; verifying and storing.
    Handling = 2,
}

/// One open connection, shared by its I/O wrapper, its handler and the
/// registry.
#[derive(Debug)]
pub(crate) struct ConnState {
    id: u64,
    phase: AtomicU8,
    evicted: AtomicBool,
    /// The task waiting on a read, woken when the connection is evicted.
    waker: Mutex<Option<Waker>>,
}

impl ConnState {
    pub(crate) fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Release);
    }

    pub(crate) fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Acquire) {
            0 => Phase::Head,
            1 => Phase::Body,
            _ => Phase::Handling,
        }
    }

    /// Whether the connection was closed to make room for another.
    pub(crate) fn evicted(&self) -> bool {
        self.evicted.load(Ordering::Acquire)
    }

    fn evict(&self) {
        self.evicted.store(true, Ordering::Release);
        if let Some(waker) = lock(&self.waker).take() {
            waker.wake();
        }
    }

    fn register(&self, waker: &Waker) {
        let mut slot = lock(&self.waker);
        match &*slot {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The open connections, oldest first.
#[derive(Debug)]
pub(crate) struct Registry {
    max: usize,
    next_id: u64,
    open: BTreeMap<u64, Arc<ConnState>>,
}

impl Registry {
    pub(crate) fn new(max: usize) -> Arc<Mutex<Registry>> {
        Arc::new(Mutex::new(Registry {
            max: max.max(1),
            next_id: 0,
            open: BTreeMap::new(),
        }))
    }

    /// A slot for a new connection: a free one, else the one of the
    /// longest-open connection still reading its request (which is closed).
    /// `None` when every open connection is being handled.
    fn admit(&mut self) -> Option<Arc<ConnState>> {
        while self.open.len() >= self.max {
            let victim = self
                .open
                .iter()
                .find(|(_, c)| c.phase() != Phase::Handling)
                .map(|(id, _)| *id)?;
            if let Some(conn) = self.open.remove(&victim) {
                conn.evict();
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        let conn = Arc::new(ConnState {
            id,
            phase: AtomicU8::new(Phase::Head as u8),
            evicted: AtomicBool::new(false),
            waker: Mutex::new(None),
        });
        self.open.insert(id, conn.clone());
        Some(conn)
    }

    /// Closes every connection still reading (when the receiver stops).
    pub(crate) fn evict_readers(&mut self) {
        let readers: Vec<u64> = self
            .open
            .iter()
            .filter(|(_, c)| c.phase() != Phase::Handling)
            .map(|(id, _)| *id)
            .collect();
        for id in readers {
            if let Some(conn) = self.open.remove(&id) {
                conn.evict();
            }
        }
    }

    pub(crate) fn open_count(&self) -> usize {
        self.open.len()
    }
}

/// What a refused connection is told.
fn busy_reply() -> Vec<u8> {
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ACK_ERR}",
        ACK_ERR.len()
    )
    .into_bytes()
}

/// What a connection whose request head did not arrive in time is told.
fn head_timeout_reply() -> Vec<u8> {
    format!(
        "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ACK_ERR}",
        ACK_ERR.len()
    )
    .into_bytes()
}

/// A TCP listener that admits connections through the [`Registry`].
pub(crate) struct GuardedListener {
    inner: TcpListener,
    registry: Arc<Mutex<Registry>>,
    head_timeout: Duration,
}

impl GuardedListener {
    pub(crate) fn new(
        inner: TcpListener,
        registry: Arc<Mutex<Registry>>,
        head_timeout: Duration,
    ) -> Self {
        GuardedListener {
            inner,
            registry,
            head_timeout,
        }
    }
}

/// Accept errors that concern one connection only (the next accept works).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

impl axum::serve::Listener for GuardedListener {
    type Io = GuardedIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (GuardedIo, SocketAddr) {
        loop {
            let (stream, addr) = match self.inner.accept().await {
                Ok(accepted) => accepted,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of file descriptors and the like: wait, then retry.
                    tracing::warn!(error = %e, "callback receiver cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let admitted = lock(&self.registry).admit();
            match admitted {
                Some(state) => {
                    let io = GuardedIo {
                        deadline_at: Instant::now() + self.head_timeout,
                        deadline: Box::pin(tokio::time::sleep(self.head_timeout)),
                        stream,
                        state,
                        registry: self.registry.clone(),
                    };
                    return (io, addr);
                }
                None => {
                    // Best effort: a fresh socket's send buffer is empty.
                    let _ = stream.try_write(&busy_reply());
                    tracing::debug!("callback receiver busy: a connection was refused");
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection's socket with its deadline and registry slot. Dropping it
/// (hyper does when the connection ends) frees the slot.
pub(crate) struct GuardedIo {
    stream: TcpStream,
    state: Arc<ConnState>,
    registry: Arc<Mutex<Registry>>,
    deadline_at: Instant,
    deadline: Pin<Box<Sleep>>,
}

impl GuardedIo {
    pub(crate) fn state(&self) -> &Arc<ConnState> {
        &self.state
    }

    fn head_timed_out(&mut self) -> io::Error {
        // Nothing of a response was written in this phase, so a complete
        // 408 can go out; best effort, the socket is closed right after.
        let _ = self.stream.try_write(&head_timeout_reply());
        io::Error::new(io::ErrorKind::TimedOut, "request head not received in time")
    }
}

impl Drop for GuardedIo {
    fn drop(&mut self) {
        // Ids are never reused; an evicted connection is already gone.
        lock(&self.registry).open.remove(&self.state.id);
    }
}

fn evicted_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "closed to make room for another connection",
    )
}

impl AsyncRead for GuardedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.state.evicted() {
            return Poll::Ready(Err(evicted_error()));
        }
        this.state.register(cx.waker());
        if this.state.evicted() {
            return Poll::Ready(Err(evicted_error()));
        }
        let in_head = this.state.phase() == Phase::Head;
        if in_head && Instant::now() >= this.deadline_at {
            return Poll::Ready(Err(this.head_timed_out()));
        }
        let max = buf.remaining().min(READ_CHUNK);
        let dst = buf.initialize_unfilled_to(max);
        let mut piece = ReadBuf::new(dst);
        match Pin::new(&mut this.stream).poll_read(cx, &mut piece) {
            Poll::Ready(Ok(())) => {
                let n = piece.filled().len();
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if in_head && this.deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(this.head_timed_out()));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// The handler's view of its connection (through axum's `ConnectInfo`).
#[derive(Debug, Clone)]
pub(crate) struct Conn(pub(crate) Arc<ConnState>);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, GuardedListener>>
    for Conn
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, GuardedListener>) -> Self {
        Conn(stream.io().state().clone())
    }
}
