//! `mtu sandbox` prints exactly one JSON line when ready, serves signed
//! requests, and stops cleanly on SIGTERM.

use std::process::Command;
#[cfg(unix)]
use {
    serde_json::Value,
    std::io::{BufRead, BufReader, Read, Write},
    std::net::TcpStream,
    std::process::{Child, Stdio},
    std::sync::mpsc,
    std::time::{Duration, Instant},
};

// The serving tests stop the sandbox with SIGTERM, which Windows lacks.
#[cfg(unix)]
fn http_get(base_url: &str, path_and_query: &str) -> (u16, Value) {
    let addr = base_url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("HTTP response");
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    // Replies are small and sent with a Content-Length, not chunked.
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[cfg(unix)]
fn wait(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[cfg(unix)]
#[test]
fn prints_one_json_line_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mtu"))
        .args([
            "sandbox",
            "--seed",
            "7",
            "--orders-per-month",
            "1200",
            "--tier",
            "3000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mtu starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a ready line within a minute");
    let ready: Value = serde_json::from_str(&first).expect("the line is JSON");
    let base = ready["base_url"].as_str().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{ready}");
    let appkey = ready["demo"]["appkey"].as_str().unwrap().to_owned();
    let secret = ready["demo"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32);
    assert_eq!(ready["demo"]["callback_secret"].as_str().unwrap().len(), 32);
    assert_eq!(ready.as_object().unwrap().len(), 2, "{ready}");

    // A signed call goes through, with the demo credentials printed.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let q = meituan_union::sign::legacy_wire_query(
        &secret,
        &[
            ("appkey", &appkey),
            ("ts", &now),
            ("actId", "33"),
            ("linkType", "1"),
        ],
    );
    let (status, v) = http_get(&base, &format!("/api/generateLink?{q}"));
    assert_eq!(status, 200);
    assert_eq!(v["status"], 0, "{v}");
    // The flags reached the server.
    let (_, stats) = http_get(&base, "/__admin/stats");
    assert_eq!(stats[&appkey]["calls"], 1, "{stats}");
    assert_eq!(stats[&appkey]["tier"], "3000", "{stats}");

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait(&mut child, Duration::from_secs(10)).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
    // Nothing else was printed on stdout.
    std::thread::sleep(Duration::from_millis(50));
    assert!(rx.try_recv().is_err(), "exactly one line on stdout");
    assert!(std::net::TcpStream::connect(base.trim_start_matches("http://")).is_err());
}

/// A supervisor may stop the sandbox the moment it reads the ready line: the
/// signal handlers are in place before the line is printed.
#[cfg(unix)]
#[test]
fn sigterm_right_after_the_ready_line_is_a_clean_stop() {
    for _ in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mtu"))
            .args(["sandbox", "--orders-per-month", "10"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("mtu starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("{\"base_url\""), "{line}");
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let status = wait(&mut child, Duration::from_secs(10)).expect("exits");
        assert!(status.success(), "{status:?}");
    }
}

#[test]
fn rejects_an_unknown_tier() {
    let out = Command::new(env!("CARGO_BIN_EXE_mtu"))
        .args(["sandbox", "--tier", "4000"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown tier"), "{err}");
}
