//! `mtu workdays`, `mtu tier` and `mtu callback`, run as the built binary on
//! a temporary data folder. Network only on 127.0.0.1.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn mtu(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mtu"));
    cmd.args(args)
        .env("UNION_DESK_HOME", home)
        .env_remove("MTU_CALLBACK_SECRET")
        .env_remove("MTU_PROFILE")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn workdays_add_prints_the_due_time_first() {
    let home = tempfile::tempdir().unwrap();
    let out = mtu(
        home.path(),
        &["workdays", "add", "2025-09-30T10:00:00+08:00", "2"],
        &[],
    );
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).lines().next(),
        Some("2025-10-10T10:00:00+08:00")
    );
    // 2026 Spring Festival; the input is in UTC, the answer in +08:00.
    let out = mtu(
        home.path(),
        &["workdays", "add", "2026-02-13T01:30:00Z", "2"],
        &[],
    );
    assert_eq!(
        stdout(&out).lines().next(),
        Some("2026-02-24T09:30:00+08:00")
    );
    let out = mtu(
        home.path(),
        &["workdays", "add", "2027-10-01T09:00:00+08:00", "1"],
        &[],
    );
    let text = stdout(&out);
    assert_eq!(text.lines().next(), Some("2027-10-04T09:00:00+08:00"));
    assert!(
        text.contains("note: no official holiday data for 2027"),
        "{text}"
    );
    let out = mtu(home.path(), &["workdays", "add", "tomorrow", "2"], &[]);
    assert!(!out.status.success());
}

#[test]
fn tier_json_has_the_documented_keys() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let added = mtu(
        h,
        &[
            "profile",
            "add",
            "--name",
            "t",
            "--appkey",
            "abc123",
            "--generation",
            "legacy",
            "--no-secret",
            "--json",
        ],
        &[],
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let out = mtu(h, &["tier", "--json"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "monthly_average",
            "months",
            "current_limit",
            "eligible_limit",
            "next"
        ]
    );
    assert_eq!(v["monthly_average"], 0);
    assert_eq!(v["months"].as_array().unwrap().len(), 4);
    assert_eq!(v["current_limit"], 2000);
    assert_eq!(v["next"]["limit"], 3000);
    assert_eq!(v["next"]["orders_needed"], 1000);
}

/// Kills the receiver even when an assertion fails.
struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn callback_serve_and_test_push() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_mtu"))
            .args(["callback", "serve", "--port", "0", "--json"])
            .env("UNION_DESK_HOME", h)
            .env("MTU_CALLBACK_SECRET", SECRET)
            .env_remove("MTU_PROFILE")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let url = first["listening"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let ok = mtu(
        h,
        &["callback", "test", &url, "--json"],
        &[("MTU_CALLBACK_SECRET", SECRET)],
    );
    assert!(ok.status.success(), "{}", stdout(&ok));
    let report: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(report["diagnosis"], "ok");
    assert_eq!(report["forged_accepted"], false);

    let wrong = mtu(
        h,
        &["callback", "test", &url, "--json"],
        &[("MTU_CALLBACK_SECRET", "ffffffffffffffffffffffffffffffff")],
    );
    assert!(!wrong.status.success());
    let report: Value = serde_json::from_slice(&wrong.stdout).unwrap();
    assert_eq!(report["diagnosis"], "wrong_secret");

    // The feed printed: the stored push, the rejected forged probe, the
    // rejected push with the wrong secret.
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let item: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        outcomes.push(item["outcome"].as_str().unwrap().to_owned());
    }
    assert_eq!(outcomes, ["stored", "rejected", "rejected"]);

    // A URL that is no callback URL (not http or https) is refused before
    // anything is sent.
    let bad = mtu(
        h,
        &["callback", "test", "ftp://example.com/cb", "--json"],
        &[("MTU_CALLBACK_SECRET", SECRET)],
    );
    assert!(!bad.status.success());
    let report: Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(report["diagnosis"], "invalid_url");
}

#[test]
fn serving_on_a_public_address_needs_consent() {
    let home = tempfile::tempdir().unwrap();
    let out = mtu(
        home.path(),
        &["callback", "serve", "--port", "0", "--bind", "0.0.0.0"],
        &[("MTU_CALLBACK_SECRET", SECRET)],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("127.0.0.1"));
}
