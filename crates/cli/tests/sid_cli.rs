//! `mtu sid quality` end to end (issue 20 item 3): a sandbox profile and a
//! named sid; `{"rows":[{"date",...}]}` for the range, once a day per sid
//! and range (a repeat costs no call, `--refresh` one), and bad input
//! (over 90 days, from after to, a malformed date, an unknown sid) refused
//! with a clear error before any call.

mod common;

use common::{assert_refused, mtu, mtu_raw, SandboxHome};
use desk_core::links::quality;
use desk_core::links::sids;
use desk_core::profiles::Generation;
use desk_core::SystemClock;

#[test]
fn sid_quality_json_once_a_day_and_bad_input_costs_no_call() {
    let Some(sb) = SandboxHome::open("mtu-sid", Generation::Legacy) else {
        return;
    };
    let home = sb.home.as_path();
    sids::create(
        &sb.store,
        &SystemClock,
        &sb.profile.id,
        "demo_wx01",
        Some("微信群"),
    )
    .unwrap();
    let calls = || sb.calls();

    let (from, to) = quality::default_range(&SystemClock);
    let (from, to) = (from.to_string(), to.to_string());
    let args = [
        "sid",
        "quality",
        "--sid",
        "demo_wx01",
        "--from",
        &from,
        "--to",
        &to,
        "--json",
    ];
    let first = mtu(home, &args);
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 30, "{first}");
    assert_eq!(rows[0]["date"], from.as_str());
    assert_eq!(rows[29]["date"], to.as_str());
    assert!(rows[0]["quality_grade"].is_string());
    assert!(rows[0]["repurchase_rate"].is_string());
    assert_eq!(calls(), 1);
    let again = mtu(home, &args);
    assert_eq!(again, first);
    assert_eq!(
        calls(),
        1,
        "the same range the same day reached the sandbox"
    );
    let mut refresh = args.to_vec();
    refresh.push("--refresh");
    assert_eq!(mtu(home, &refresh), first);
    assert_eq!(calls(), 2);

    // The readable table names the sid and says it cost nothing.
    let out = mtu_raw(home, &args[..args.len() - 1]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("微信群 (demo_wx01)"), "{text}");
    assert!(text.contains("0 calls: already fetched today"), "{text}");

    let today = chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d").unwrap();
    let over = (today - chrono::Duration::days(91)).to_string();
    let bad: [(&[&str], &str); 4] = [
        (
            &["--sid", "demo_wx01", "--from", &over, "--to", &to],
            "at most 90",
        ),
        (
            &["--sid", "demo_wx01", "--from", &to, "--to", &from],
            "after",
        ),
        (
            &["--sid", "demo_wx01", "--from", "2026-13-01", "--to", &to],
            "YYYY-MM-DD",
        ),
        (
            &["--sid", "nope", "--from", &from, "--to", &to],
            "not a sid",
        ),
    ];
    for (extra, says) in bad {
        let mut a = vec!["sid", "quality", "--json"];
        a.extend_from_slice(extra);
        assert_refused(home, &a, says);
    }
    assert_eq!(calls(), 2, "refused input reached the sandbox");

    sb.finish();
}
