//! `mtu callback serve` and `mtu callback test` as the built binary (issue
//! 16, item 8): pushed control characters are printed escaped, and a failed
//! test push says in words what happened. Network only on 127.0.0.1.

use desk_core::callback::push::{signed_body, test_order_fields};
use meituan_union::Secret;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn mtu(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mtu"))
        .args(args)
        .env("UNION_DESK_HOME", home)
        .env("MTU_CALLBACK_SECRET", SECRET)
        .env_remove("MTU_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Characters a terminal would act on or reorder.
fn has_raw_controls(text: &str) -> bool {
    text.chars()
        .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}')
}

/// POSTs `body` to `addr` and returns the whole reply.
fn post(addr: &str, body: &[u8]) -> String {
    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut req = format!(
        "POST /callback HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    sock.write_all(&req).unwrap();
    let mut out = String::new();
    let _ = sock.read_to_string(&mut out);
    out
}

#[test]
fn serve_prints_pushed_control_characters_escaped() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_mtu"))
            .args(["callback", "serve", "--port", "0"])
            .env("UNION_DESK_HOME", home.path())
            .env("MTU_CALLBACK_SECRET", SECRET)
            .env_remove("MTU_PROFILE")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("listening on ").unwrap().to_owned();
    let addr = url
        .strip_prefix("http://")
        .and_then(|u| u.strip_suffix("/callback"))
        .unwrap()
        .to_owned();

    let mut fields = test_order_fields("appkey-1", chrono::Utc::now());
    let order = "77\u{0}88\u{202e}txt.exe\u{1b}[2J";
    fields.insert("orderid".into(), Value::String(order.into()));
    fields.insert("status".into(), Value::String("2\u{1b}]0;x\u{7}".into()));
    let reply = post(&addr, &signed_body(&Secret::from(SECRET), &fields));
    assert!(
        reply.ends_with(r#"{"errcode":"0","errmsg":"ok"}"#),
        "{reply}"
    );

    let line = lines.next().unwrap().unwrap();
    assert!(!has_raw_controls(&line), "raw control characters: {line:?}");
    assert!(
        line.contains(r"order=77\u{0}88\u{202e}txt.exe\u{1b}[2J status=2\u{1b}]0;x\u{7}"),
        "{line}"
    );
    assert!(line.contains(" Stored "), "{line}");
    assert!(!line.contains(SECRET));
}

/// A server on 127.0.0.1 answering each request with `status` and `body`.
fn canned(status: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut sock in listener.incoming().flatten() {
            let mut buf = [0u8; 65536];
            let _ = sock.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = sock.read(&mut buf);
            let reply = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes());
        }
    });
    format!("http://{addr}/callback")
}

fn stderr_of_test(url: &str, extra: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["callback", "test", url, "--no-probe"];
    args.extend_from_slice(extra);
    let out = mtu(home.path(), &args);
    assert!(!out.status.success(), "{url} acknowledged");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!stderr.contains(SECRET) && !stdout.contains(SECRET));
    assert!(!has_raw_controls(&stderr), "{stderr:?}");
    assert!(!has_raw_controls(&stdout), "{stdout:?}");
    stderr
}

#[test]
fn a_failed_test_push_says_what_happened_in_words() {
    // Nothing listening.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://{addr}/callback");
    let stderr = stderr_of_test(&url, &[]);
    assert!(
        stderr.contains(&format!("connection refused at {addr}")),
        "{stderr}"
    );
    assert!(stderr.contains("nothing is listening there"), "{stderr}");
    assert!(!stderr.contains("(Connect)"), "{stderr}");

    // An HTTP error status.
    let url = canned("404 Not Found", "no such page");
    let stderr = stderr_of_test(&url, &[]);
    assert!(stderr.contains("answered HTTP 404 Not Found"), "{stderr}");
    assert!(stderr.contains("no such page"), "{stderr}");

    // 200, but not Meituan's acknowledgement (and a control character in it).
    let url = canned("200 OK", "success\u{1b}[0m");
    let stderr = stderr_of_test(&url, &[]);
    assert!(
        stderr.contains("not Meituan's acknowledgement format"),
        "{stderr}"
    );
    assert!(stderr.contains(r"success\u{1b}[0m"), "{stderr}");

    // Accepted, never answered.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let holder = std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(3));
        drop(held);
    });
    let url = format!("http://{addr}/callback");
    let stderr = stderr_of_test(&url, &["--timeout", "1"]);
    assert!(
        stderr.contains(&format!("no answer from {url} within 1000 ms")),
        "{stderr}"
    );
    holder.join().unwrap();
}
