//! `mtu link` and `mtu orders` end to end: a sandbox profile (secret in the
//! real keychain of the test session), the embedded sandbox shared with the
//! `mtu` processes through the data folder, and the JSON contracts:
//! `{"url","cached"}` and `{"pages","calls","new","updated"}`.

mod common;

use common::{mtu, SandboxHome};
use desk_core::profiles::Generation;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[test]
fn link_twice_costs_one_call_and_orders_sync_lists_and_exports() {
    let Some(sb) = SandboxHome::open("mtu-link", Generation::Legacy) else {
        return;
    };
    let home = sb.home.as_path();
    let calls = || sb.calls();

    let first = mtu(home, &["link", "--act", "33", "--sid", "cli1", "--json"]);
    assert_eq!(first["cached"], false);
    let url = first["url"].as_str().unwrap().to_owned();
    assert!(!url.is_empty());
    let second = mtu(home, &["link", "--act", "33", "--sid", "cli1", "--json"]);
    assert_eq!(second["cached"], true);
    assert_eq!(second["url"], url.as_str());
    assert_eq!(calls(), 1, "the repeated request reached the sandbox");

    let before = calls();
    let sync = mtu(home, &["orders", "sync", "--days", "2", "--json"]);
    let pages = sync["pages"].as_u64().unwrap();
    assert_eq!(sync["calls"].as_u64().unwrap(), pages);
    assert_eq!(calls() - before, pages);
    assert!(pages >= 14, "two windows of seven business lines");
    let new = sync["new"].as_u64().unwrap();
    assert!(new > 0, "no orders synced: {sync}");
    assert_eq!(sync["updated"], 0);

    let stats = mtu(home, &["orders", "stats", "--json"]);
    assert_eq!(stats["total"]["orders"].as_u64().unwrap(), new);
    let list = mtu(home, &["orders", "list", "--limit", "5", "--json"]);
    assert_eq!(list["total"].as_u64().unwrap(), new);
    assert_eq!(list["rows"].as_array().unwrap().len() as u64, new.min(5));

    let csv = home.join("orders.csv");
    let exported = mtu(home, &["orders", "export", csv.to_str().unwrap(), "--json"]);
    assert_eq!(exported["rows"].as_u64().unwrap(), new);
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(
        String::from_utf8_lossy(&bytes).lines().count() as u64,
        new + 1
    );

    sb.finish();
}

/// `mtu` with its exit code and both outputs.
fn mtu_raw(home: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_mtu"))
        .args(args)
        .env("UNION_DESK_HOME", home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mtu runs");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

/// Issue 16 items 4 and 8: bad local arguments fail before any call is
/// counted or sent; `link batch --dry-run` stores nothing; a batch with
/// failed rows exits 3 with a summary; an unclosed quote names its line.
#[test]
fn bad_input_costs_no_call_and_batch_exit_codes() {
    let Some(sb) = SandboxHome::open("mtu-link", Generation::Legacy) else {
        return;
    };
    let home = sb.home.as_path();
    let served = || sb.calls();
    let count = |sql: &str| -> i64 {
        sb.store
            .connect()
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    let ledger = || count("SELECT coalesce(sum(used), 0) FROM quota_days");
    let call_log = || count("SELECT count(*) FROM call_log");
    let batches = || count("SELECT count(*) FROM link_batches");
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let long_label = "x".repeat(100);
    let folder = home.join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            "label of 100 characters",
            vec![
                "link",
                "--act",
                "33",
                "--sid",
                "cli1",
                "--label",
                &long_label,
            ],
            "label",
        ),
        (
            "QR in a folder that does not exist",
            vec![
                "link",
                "--act",
                "33",
                "--sid",
                "cli1",
                "--qr",
                "/nonexistent/dir/x.png",
            ],
            "does not exist",
        ),
        (
            "QR onto a folder",
            vec![
                "link",
                "--act",
                "33",
                "--sid",
                "cli1",
                "--qr",
                folder.to_str().unwrap(),
            ],
            "folder",
        ),
        (
            "QR onto a device",
            vec!["link", "--act", "33", "--sid", "cli1", "--qr", "/dev/null"],
            "not a regular file",
        ),
        (
            "sid with a space",
            vec!["link", "--act", "33", "--sid", "a b"],
            "sid",
        ),
        (
            "target not an actId",
            vec!["link", "--act", "x1", "--sid", "cli1"],
            "actId",
        ),
        (
            "batch results into a folder that does not exist",
            vec![
                "link",
                "batch",
                "-",
                "--sid",
                "cli1",
                "--out",
                "/nonexistent/dir/o.csv",
            ],
            "does not exist",
        ),
    ];
    for (name, args, says) in &cases {
        let (l, c, s, b) = (ledger(), call_log(), served(), batches());
        let out = mtu_raw(home, args, Some("33\n34\n"));
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{name}: {}", stderr(&out));
        assert_eq!(ledger(), l, "{name}: the ledger counted a call");
        assert_eq!(call_log(), c, "{name}: the call log grew");
        assert_eq!(served(), s, "{name}: a call reached the sandbox");
        assert_eq!(batches(), b, "{name}: a batch was stored");
    }

    // A dry run plans and stores nothing.
    let out = mtu_raw(
        home,
        &["link", "batch", "-", "--sid", "cli1", "--dry-run", "--json"],
        Some("33\n34\n34\nx y z,,9\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["calls_needed"], 2, "{plan}");
    assert_eq!(plan["counts"]["error"], 1, "{plan}");
    assert_eq!(
        (batches(), call_log()),
        (0, 0),
        "a dry run wrote a batch or made a call"
    );

    // One bad row: the batch runs, then exits 3 with a summary.
    let out = mtu_raw(
        home,
        &["link", "batch", "-", "--sid", "cli1"],
        Some("33\n34\n34\nx y z,,9\n"),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("summary: 4 rows: 3 ok (2 by a call, 1 cached from the library), 1 failed, 0 pending; 2 calls made"),
        "{err}"
    );
    assert_eq!(served(), 2);
    let out = mtu_raw(
        home,
        &["link", "batch", "-", "--sid", "cli1", "--json"],
        Some("33\n34\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            report["ok"].as_u64(),
            report["failed"].as_u64(),
            report["cached"].as_u64()
        ),
        (Some(2), Some(0), Some(2))
    );

    // An unclosed quote: refused naming the line, nothing stored.
    let b = batches();
    let out = mtu_raw(
        home,
        &["link", "batch", "-", "--sid", "cli1"],
        Some("35\n\"36\n37\n38\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("line 2: a quote (\") opened here is never closed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(batches(), b);
    assert_eq!(served(), 2);

    let help = mtu_raw(home, &["link", "batch", "--help"], None);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("Exit status") && help.contains("  3  "),
        "{help}"
    );

    sb.finish();
}
