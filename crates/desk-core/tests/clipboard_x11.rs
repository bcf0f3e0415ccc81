//! The secret clipboard on a real X11 clipboard (Xvfb), read from another
//! process with `xclip`: the copy is there, carries the "exclude from
//! history" marker, and is cleared by the timer only while it is still ours.
//! Runs only inside `tests/session.sh` under `xvfb-run` with `xclip`
//! installed; elsewhere it prints a skip line.

use desk_core::secrets::clipboard::SecretClipboard;
use desk_core::SystemClock;
use meituan_union::Secret;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

fn ready() -> bool {
    let session = std::env::var("UNION_DESK_TEST_SESSION").as_deref() == Ok("1");
    let display = std::env::var_os("DISPLAY").is_some();
    let xclip = Command::new("xclip").arg("-version").output().is_ok();
    if session && display && xclip {
        return true;
    }
    eprintln!("skipped: needs an X display and xclip (run under xvfb-run … tests/session.sh)");
    false
}

/// What another program sees on the clipboard (`None`: nothing).
fn xclip_out(target: Option<&str>) -> Option<String> {
    let mut cmd = Command::new("xclip");
    cmd.args(["-selection", "clipboard", "-o"]);
    if let Some(t) = target {
        cmd.args(["-t", t]);
    }
    let out = cmd.output().unwrap();
    (out.status.success() && !out.stdout.is_empty())
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_is_marked_and_cleared_only_while_ours() {
    if !ready() {
        return;
    }
    let secret = Secret::new("f4aa117ae871a7c7c922e6a885682eae".into());
    let clipboard = Arc::new(SecretClipboard::system());
    let receipt = clipboard
        .copy_with_timer(&secret, Some(1), Arc::new(SystemClock))
        .unwrap();
    assert_eq!(receipt.clear_after_secs, Some(1));
    assert_eq!(xclip_out(None).as_deref(), Some(secret.expose()));
    let targets = xclip_out(Some("TARGETS")).unwrap_or_default();
    assert!(
        targets.contains("x-kde-passwordManagerHint"),
        "sensitive marker missing from {targets:?}"
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(xclip_out(None), None, "cleared after the timeout");

    // The user copies something else before the timeout: left alone.
    let (_, generation) = clipboard
        .copy(&secret, Some(1), chrono::Utc::now())
        .unwrap();
    let mut other = Command::new("xclip")
        // Serve two reads (ours, then the check below), then exit.
        .args(["-selection", "clipboard", "-i", "-l", "2"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    other
        .stdin
        .take()
        .unwrap()
        .write_all(b"a shopping list")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cleared = clipboard
        .clear_due(
            generation,
            chrono::Utc::now() + chrono::Duration::seconds(5),
        )
        .unwrap();
    assert!(!cleared);
    assert_eq!(xclip_out(None).as_deref(), Some("a shopping list"));
    let _ = other.wait();
}
