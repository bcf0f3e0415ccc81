//! `mtu quota observations | probe | learned-limit` end to end: the quota
//! screen's observations card from a terminal, against the embedded
//! sandbox shared with the `mtu` processes through the data folder.

mod common;

use common::{assert_refused, mtu, mtu_raw, SandboxHome};
use desk_core::profiles::Generation;
use serde_json::{json, Value};

fn stdout(home: &std::path::Path, args: &[&str]) -> String {
    let out = mtu_raw(home, args);
    assert!(
        out.status.success(),
        "mtu {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A learned limit of 3 uses the day up after three links; the probe is
/// refused before it is needed, then accepted by the sandbox (which takes
/// 2000 a day): counted, kept as an observation, and the day reopened so
/// the next link goes through. `--clear` goes back to the tier's limit.
#[test]
fn a_probe_reopens_a_day_a_learned_limit_used_up_and_is_kept() {
    let Some(sb) = SandboxHome::open("mtu-quota", Generation::Legacy) else {
        return;
    };
    let home = sb.home.as_path();

    let seen = mtu(home, &["quota", "observations", "--json"]);
    assert_eq!(seen["entries"], json!([]));
    assert_eq!(seen["learned_limit"], Value::Null);
    assert_eq!(seen["tier_limit"], 2000);
    let text = stdout(home, &["quota", "observations"]);
    assert!(text.contains("our estimates"), "{text}");
    assert!(
        text.contains("Nothing observed yet that differs from our estimate."),
        "{text}"
    );

    // Bad limits are refused and change nothing.
    assert_refused(home, &["quota", "learned-limit", "0"], "between 1 and");
    assert_refused(
        home,
        &["quota", "learned-limit", "1000001"],
        "between 1 and",
    );
    assert_refused(home, &["quota", "learned-limit", "x"], "invalid value");
    assert_refused(home, &["quota", "learned-limit"], "DAILY_LIMIT");
    assert_eq!(mtu(home, &["quota", "--json"])["limit"], 2000);

    let set = mtu(home, &["quota", "learned-limit", "3", "--json"]);
    assert_eq!(set["learned_limit"]["daily_limit"], 3);
    let q = mtu(home, &["quota", "--json"]);
    assert_eq!(
        (&q["limit"], &q["limit_learned"]),
        (&json!(3), &json!(true))
    );
    let text = stdout(home, &["quota"]);
    assert!(
        text.contains("0 of 3 (learned limit) calls used today"),
        "{text}"
    );
    assert!(text.contains("by our estimate"), "{text}");

    // Not used up: no probe, nothing sent or counted.
    assert_refused(home, &["quota", "probe"], "not used up");
    assert_eq!(sb.calls(), 0);
    assert_eq!(mtu(home, &["quota", "--json"])["used"], 0);

    for act in ["33", "34", "35"] {
        mtu(home, &["link", "--act", act, "--sid", "cli1", "--json"]);
    }
    assert_refused(
        home,
        &["link", "--act", "36", "--sid", "cli1"],
        "used up, so nothing was sent",
    );
    assert_eq!(sb.calls(), 3);

    let report = mtu(home, &["quota", "probe", "--json"]);
    assert_eq!(report["outcome"], "accepted", "{report}");
    assert_eq!(report["error"], Value::Null);
    assert_eq!(report["status"]["reopened"], true);
    assert_eq!(report["status"]["used"], 4);
    assert_eq!(report["status"]["remaining"], Value::Null);
    assert_eq!(sb.calls(), 4, "the probe is one call, sent and counted");

    let seen = mtu(home, &["quota", "observations", "--json"]);
    let entries = seen["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{seen}");
    assert_eq!(entries[0]["kind"], "accepted_after_used_up");
    assert_eq!(
        (&entries[0]["used"], &entries[0]["assumed_limit"]),
        (&json!(4), &json!(3))
    );
    let text = stdout(home, &["quota", "observations"]);
    assert!(
        text.contains("Meituan accepted a probe at 4 counted, after the 3 we assumed"),
        "{text}"
    );
    assert!(
        text.contains("Learned daily call limit in use: 3"),
        "{text}"
    );
    assert!(text.contains("mtu quota learned-limit --clear"), "{text}");

    // Reopened: the next link goes through, and the text says so.
    mtu(home, &["link", "--act", "36", "--sid", "cli1", "--json"]);
    assert_eq!(sb.calls(), 5);
    let text = stdout(home, &["quota"]);
    assert!(text.contains("5 calls today; reopened"), "{text}");
    let q = mtu(home, &["quota", "--json"]);
    assert_eq!(
        (&q["reopened"], &q["remaining"]),
        (&json!(true), &Value::Null)
    );

    // A second probe is refused: the day is no longer used up.
    assert_refused(home, &["quota", "probe"], "not used up");
    assert_eq!(sb.calls(), 5);

    let cleared = mtu(home, &["quota", "learned-limit", "--clear", "--json"]);
    assert_eq!(cleared["learned_limit"], Value::Null);
    assert_eq!(cleared["entries"].as_array().unwrap().len(), 1, "kept");
    assert_eq!(mtu(home, &["quota", "--json"])["limit"], 2000);

    sb.finish();
}
