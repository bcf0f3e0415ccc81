//! Links and batches against the real sandbox on 127.0.0.1: a repeated
//! request is answered from the library with 0 calls (the ledger and the
//! sandbox's own counter agree), batches plan, refuse, run with bounded
//! concurrency, resume, and export.

use desk_core::export::ExportFormat;
use desk_core::links::batch::{self, BatchDefaults, RowStatus};
use desk_core::links::sids;
use desk_core::links::{self, LibraryQuery, LinkRequest, TargetKind};
use desk_core::profiles::{Generation, Tier};
use desk_core::settings::Language;
use desk_core::{Clock, ErrorCode};
use std::sync::Arc;

mod common;

use common::SandboxHarness as Harness;

async fn harness(generation: Generation, tier: Tier) -> Harness {
    common::setup()
        .generation(generation)
        .tier(tier)
        .start()
        .await
}

impl Harness {
    fn fill_ledger(&self, used: u32) {
        let day = desk_core::clock::beijing_day(self.clock.now())
            .format("%Y-%m-%d")
            .to_string();
        self.store
            .connect()
            .unwrap()
            .execute(
                "INSERT INTO quota_days (appkey, day, used) VALUES (?1, ?2, ?3)
                 ON CONFLICT(appkey, day) DO UPDATE SET used = excluded.used",
                rusqlite::params![self.profile.appkey, day, used],
            )
            .unwrap();
    }
}

fn act(target: &str, sid: &str, types: &[u8], short: bool) -> LinkRequest {
    LinkRequest {
        target_kind: TargetKind::Act,
        target: target.into(),
        sid: sid.into(),
        link_types: types.to_vec(),
        short_link: short,
    }
}

/// A legacy product found by 选品 is linked as that product of its
/// activity (`actId:skuId`, sent as `skuId`): its own link, its own library
/// entry; the media API refuses the form before any call.
#[tokio::test]
async fn legacy_product_of_an_activity_gets_its_own_link() {
    let h = harness(Generation::Legacy, Tier::T2000).await;
    let activity = links::generate(&h.api, &h.profile, &act("42", "p1", &[1], false))
        .await
        .unwrap();
    let product = links::generate(&h.api, &h.profile, &act("42:1234", "p1", &[1], false))
        .await
        .unwrap();
    assert!(!product.cached);
    assert_ne!(product.link.url, activity.link.url);
    assert!(
        product.link.url.contains("/act/42/sku/1234?"),
        "{}",
        product.link.url
    );
    assert_eq!(product.link.target, "42:1234");
    assert_eq!(h.sandbox_calls(), 2);
    for bad in ["42:", ":1234", "42:12a", "42:1:2"] {
        let e = links::generate(&h.api, &h.profile, &act(bad, "p1", &[1], false))
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{bad}");
    }
    assert_eq!(h.sandbox_calls(), 2, "a refused target cost a call");

    let media = harness(Generation::Media, Tier::T2000).await;
    let e = links::generate(
        &media.api,
        &media.profile,
        &act("42:1234", "p1", &[1], false),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(media.sandbox_calls(), 0);
}

#[tokio::test]
async fn legacy_repeated_request_costs_no_call() {
    let h = harness(Generation::Legacy, Tier::T2000).await;
    let first = links::generate(&h.api, &h.profile, &act("33", "promo1", &[1], false))
        .await
        .unwrap();
    assert!(!first.cached);
    assert!(first.link.url.starts_with("https://"), "{}", first.link.url);
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (1, 1));
    // The sid used is now a named record.
    let sids = sids::list(&h.store, &h.profile.id, false).unwrap();
    assert_eq!(sids.len(), 1);
    assert_eq!(sids[0].sid, "promo1");

    for _ in 0..3 {
        let again = links::generate(&h.api, &h.profile, &act(" 33", "promo1", &[1], false))
            .await
            .unwrap();
        assert!(again.cached);
        assert_eq!(again.link.url, first.link.url);
    }
    assert_eq!(
        (h.sandbox_calls(), h.ledger_used()),
        (1, 1),
        "the library spent quota"
    );
    let entry = links::get(&h.store, first.link.id).unwrap();
    assert_eq!(entry.library_hits, 3);

    // A different request is a new call: short link, another type, another sid.
    let short = links::generate(&h.api, &h.profile, &act("33", "promo1", &[1], true))
        .await
        .unwrap();
    assert!(!short.cached);
    assert_ne!(short.link.url, first.link.url);
    links::generate(&h.api, &h.profile, &act("33", "promo2", &[2], false))
        .await
        .unwrap();
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (3, 3));

    // Library search and filters.
    let all = links::library(&h.store, &h.profile.id, &LibraryQuery::default(), 0, 50).unwrap();
    assert_eq!(all.total, 3);
    let by_sid = links::library(
        &h.store,
        &h.profile.id,
        &LibraryQuery {
            sid: Some("promo2".into()),
            ..Default::default()
        },
        0,
        50,
    )
    .unwrap();
    assert_eq!(by_sid.total, 1);
    let by_type = links::library(
        &h.store,
        &h.profile.id,
        &LibraryQuery {
            link_type: Some(1),
            act_id: Some("33".into()),
            ..Default::default()
        },
        0,
        50,
    )
    .unwrap();
    assert_eq!(by_type.total, 2);
    links::set_label(&h.store, first.link.id, "春节活动").unwrap();
    let found = links::library(
        &h.store,
        &h.profile.id,
        &LibraryQuery {
            search: Some("春节".into()),
            ..Default::default()
        },
        0,
        50,
    )
    .unwrap();
    assert_eq!(found.entries.len(), 1);
    assert_eq!(found.entries[0].id, first.link.id);

    // Legacy links are for activities only; refused before any call.
    let err = links::generate(
        &h.api,
        &h.profile,
        &LinkRequest {
            target_kind: TargetKind::Sku,
            ..act("abc", "promo1", &[1], false)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(h.sandbox_calls(), 3);

    // Export and QR file.
    let path = h.dir.path().join("library.csv");
    let n = links::export(
        &h.store,
        &h.profile.id,
        &LibraryQuery::default(),
        ExportFormat::Csv,
        &path,
    )
    .unwrap();
    assert_eq!(n, 3);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains(&first.link.url));
    let png = h.dir.path().join("qr.png");
    links::save_qr(&first.link.url, &png).unwrap();
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
}

/// The sid manager saves a Chinese sid (with a warning); a link for it is
/// made too, in both generations: the protocol client refuses only an empty
/// or over-64-character sid (issue 18 item 7; vector L02 signs a Chinese sid).
#[tokio::test]
async fn a_sid_the_sid_manager_saves_makes_a_link_in_both_generations() {
    for generation in [Generation::Legacy, Generation::Media] {
        let h = harness(generation, Tier::T2000).await;
        let created =
            sids::create(&h.store, h.clock.as_ref(), &h.profile.id, "推广位1", None).unwrap();
        assert!(!created.warnings.is_empty());
        let made = links::generate(&h.api, &h.profile, &act("33", "推广位1", &[1], false))
            .await
            .unwrap();
        assert!(made.link.url.starts_with("https://"), "{}", made.link.url);
        // The link is made, and the documented recommendation is told.
        assert_eq!(made.sid_warnings, created.warnings, "{generation:?}");
        assert_eq!(made.sid_warnings[0].found, vec!["推", "广", "位"]);
        assert_eq!(
            (h.sandbox_calls(), h.ledger_used()),
            (1, 1),
            "{generation:?}"
        );
    }
}

#[tokio::test]
async fn media_links_for_act_sku_text_and_lists() {
    let h = harness(Generation::Media, Tier::T2000).await;
    let list = links::generate(&h.api, &h.profile, &act("33", "m1", &[3, 1, 2], false))
        .await
        .unwrap();
    assert!(!list.cached);
    assert_eq!(list.link.link_types, vec![1, 2, 3]);
    assert_eq!(list.link.links.len(), 3, "{:?}", list.link.links);
    assert_eq!(list.link.url, list.link.links["1"]);
    let same = links::generate(&h.api, &h.profile, &act("33", "m1", &[2, 3, 1], false))
        .await
        .unwrap();
    assert!(same.cached);
    let sku = links::generate(
        &h.api,
        &h.profile,
        &LinkRequest {
            target_kind: TargetKind::Sku,
            ..act("sku123abc", "m1", &[2], false)
        },
    )
    .await
    .unwrap();
    assert!(!sku.cached);
    let text = links::generate(
        &h.api,
        &h.profile,
        &LinkRequest {
            target_kind: TargetKind::Text,
            ..act("https://i.meituan.com/awp/x?id=1", "m1", &[1], false)
        },
    )
    .await
    .unwrap();
    assert!(!text.cached);
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (3, 3));
}

#[tokio::test]
async fn batch_plans_runs_resumes_and_repeats_for_free() {
    let h = harness(Generation::Legacy, Tier::T2000).await;
    // 12 rows, 10 distinct requests (two duplicates), one bad line.
    let mut input = String::from("actId,sid,linkType\n");
    for i in 0..10 {
        input.push_str(&format!("{},b{},{}\n", 100 + i, i % 3, 1 + i % 4));
    }
    input.push_str("100,b0,1\n101,b1,2\n");
    input.push_str("x1,b1,1\n");
    let parsed = batch::parse(&input, &BatchDefaults::default()).unwrap();
    assert_eq!(parsed.len(), 13);
    let b = batch::create(&h.store, h.clock.as_ref(), &h.profile, &parsed, "paste").unwrap();
    assert_eq!(b.counts.rows, 13);
    assert_eq!(b.counts.error, 1, "the bad actId row is an error at once");
    let plan = batch::plan(&h.api, &h.profile, b.id).unwrap();
    assert_eq!(plan.calls_needed, 10);
    assert_eq!(plan.from_library, 0);
    assert_eq!(plan.remaining_today, Some(2000));
    assert!(plan.fits);

    // Refused when larger than what remains today; nothing is sent.
    h.fill_ledger(1995);
    let err = batch::run(h.api.clone(), &h.profile, b.id, 4, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("remain"), "{err}");
    assert_eq!(h.sandbox_calls(), 0);
    h.fill_ledger(0);

    let progress = std::sync::Mutex::new(Vec::new());
    let cb = |p: &batch::BatchProgress| progress.lock().unwrap().push(p.finished);
    let report = batch::run(h.api.clone(), &h.profile, b.id, 3, Some(&cb))
        .await
        .unwrap();
    assert_eq!(report.calls, 10);
    assert!(!report.interrupted);
    assert_eq!(report.counts.pending, 0);
    assert_eq!(report.counts.done, 10);
    assert_eq!(report.counts.library, 2);
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (10, 10));
    let seen = progress.into_inner().unwrap();
    assert_eq!(seen.last().copied(), Some(12));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    let rows = batch::rows(&h.store, b.id, 0, 100).unwrap();
    assert!(rows
        .iter()
        .filter(|r| r.status != RowStatus::Error)
        .all(|r| r.url.as_deref().is_some_and(|u| !u.is_empty())));
    let bad = rows.iter().find(|r| r.status == RowStatus::Error).unwrap();
    assert_eq!(bad.error_code, Some(ErrorCode::InvalidInput));
    // Stored with the code and field the screens translate.
    let problem = bad.problem.as_ref().expect("a problem code");
    assert_eq!(problem.kind, batch::RowProblemKind::Invalid);
    assert_eq!(problem.field.as_deref(), Some("target"));

    // Running it again does nothing; the same list again costs 0 calls.
    let again = batch::run(h.api.clone(), &h.profile, b.id, 3, None)
        .await
        .unwrap();
    assert_eq!(again.calls, 0);
    let b2 = batch::create(&h.store, h.clock.as_ref(), &h.profile, &parsed, "paste").unwrap();
    let plan2 = batch::plan(&h.api, &h.profile, b2.id).unwrap();
    assert_eq!((plan2.calls_needed, plan2.from_library), (0, 12));
    let r2 = batch::run(h.api.clone(), &h.profile, b2.id, 3, None)
        .await
        .unwrap();
    assert_eq!(r2.calls, 0);
    assert_eq!(r2.counts.library, 12);
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (10, 10));

    // Results export, in the user's language: the screen's column names,
    // statuses and row sentence, never the core's English detail.
    let english_detail = bad.error.clone().expect("the terminal's detail");
    for (language, name) in [(Language::ZhCn, "zh"), (Language::En, "en")] {
        let path = h.dir.path().join(format!("batch-{name}.csv"));
        assert_eq!(
            batch::export(&h.store, b.id, ExportFormat::Csv, &path, language).unwrap(),
            13
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        let header = text.lines().next().unwrap();
        assert_eq!(header, batch::export_headers(language).join(","), "{name}");
        let word = |key: &str| desk_core::words::t(language, key, &[]);
        assert!(text.contains(&format!(",{},", word("links.batch.status.library"))));
        let sentence = batch::row_error_text(language, bad).unwrap();
        assert_eq!(sentence, word("invalid.target"), "{name}");
        assert!(text.contains(&sentence), "{name}: {text}");
        assert!(!text.contains(&english_detail), "{name}: {text}");
    }
    let zh = std::fs::read_to_string(h.dir.path().join("batch-zh.csv")).unwrap();
    assert!(zh.contains("来自链接库") && zh.contains("出错"), "{zh}");
}

#[tokio::test]
async fn a_killed_batch_resumes_without_repeating_finished_rows() {
    let h = harness(Generation::Legacy, Tier::T2000).await;
    let mut input = String::new();
    for i in 0..8 {
        input.push_str(&format!("{},s1,1\n", 200 + i));
    }
    let parsed = batch::parse(&input, &BatchDefaults::default()).unwrap();
    let b = batch::create(&h.store, h.clock.as_ref(), &h.profile, &parsed, "file").unwrap();
    let notify = Arc::new(tokio::sync::Notify::new());
    let cb = {
        let notify = notify.clone();
        move |p: &batch::BatchProgress| {
            if p.finished == 3 {
                notify.notify_one();
            }
        }
    };
    // Drop the run after three rows are stored: like closing the app.
    tokio::select! {
        _ = batch::run(h.api.clone(), &h.profile, b.id, 1, Some(&cb)) => panic!("finished before the kill"),
        _ = notify.notified() => {}
    }
    let after_kill = batch::summary(&h.store, b.id).unwrap().counts;
    assert!(after_kill.done >= 3);
    assert!(after_kill.pending >= 1);
    let before: Vec<_> = batch::rows(&h.store, b.id, 0, 100).unwrap();
    let rest = batch::run(h.api.clone(), &h.profile, b.id, 1, None)
        .await
        .unwrap();
    assert_eq!(rest.counts.pending, 0);
    assert_eq!(rest.counts.done + rest.counts.library, 8);
    // Finished rows kept their links; at most the one call in flight at the
    // kill was made twice.
    let after = batch::rows(&h.store, b.id, 0, 100).unwrap();
    for (a, b) in before.iter().zip(&after) {
        if a.status == RowStatus::Done {
            assert_eq!(a.url, b.url);
        }
    }
    assert!(h.sandbox_calls() <= 9, "{} calls", h.sandbox_calls());
    assert_eq!(h.sandbox_calls(), u64::from(h.ledger_used()));
}

/// Issue 16 item 4: every local argument is checked before a call is
/// counted. Each bad input below is refused with `invalid_input`, and the
/// ledger, the call log and the sandbox's own counter stay where they were;
/// the same request with good extras then costs exactly one call.
#[tokio::test]
async fn bad_local_arguments_are_refused_before_any_call() {
    use desk_core::links::LinkExtras;
    let h = harness(Generation::Legacy, Tier::T2000).await;
    let dir = h.dir.path();
    let call_log = || -> i64 {
        h.store
            .connect()
            .unwrap()
            .query_row("SELECT count(*) FROM call_log", [], |r| r.get(0))
            .unwrap()
    };
    let good = act("33", "promo1", &[1], false);
    std::fs::create_dir(dir.join("a-folder")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("victim.png"), dir.join("link.png")).unwrap();
    let extras =
        |label: Option<String>, qr: Option<std::path::PathBuf>| LinkExtras { label, qr_path: qr };
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut cases: Vec<(&str, LinkRequest, LinkExtras)> = vec![
        (
            "label of 100 characters",
            good.clone(),
            extras(Some("x".repeat(100)), None),
        ),
        (
            "label with a control character",
            good.clone(),
            extras(Some("a\u{7}b".into()), None),
        ),
        (
            "QR in a folder that does not exist",
            good.clone(),
            extras(None, Some("/nonexistent/dir/x.png".into())),
        ),
        (
            "QR onto a folder",
            good.clone(),
            extras(None, Some(dir.join("a-folder"))),
        ),
        (
            "QR naming no file",
            good.clone(),
            extras(None, Some("/".into())),
        ),
        (
            "sid with a space",
            act("33", "a b", &[1], false),
            LinkExtras::default(),
        ),
        (
            "sid too long",
            act("33", &"s".repeat(300), &[1], false),
            LinkExtras::default(),
        ),
        (
            "target not an actId",
            act("x33", "promo1", &[1], false),
            LinkExtras::default(),
        ),
        (
            "no link type",
            act("33", "promo1", &[], false),
            LinkExtras::default(),
        ),
        (
            "link type 9",
            act("33", "promo1", &[9], false),
            LinkExtras::default(),
        ),
    ];
    #[cfg(unix)]
    {
        cases.push((
            "QR onto a symbolic link",
            good.clone(),
            extras(None, Some(dir.join("link.png"))),
        ));
        cases.push((
            "QR onto a device",
            good.clone(),
            extras(None, Some("/dev/null".into())),
        ));
    }
    // A folder this user cannot write in (root writes anywhere: skip then).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.join("read-only");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
        if std::fs::File::create(ro.join("probe")).is_err() {
            cases.push((
                "QR in a read-only folder",
                good.clone(),
                extras(None, Some(ro.join("x.png"))),
            ));
        }
    }
    let (used, logged, served) = (h.ledger_used(), call_log(), h.sandbox_calls());
    for (name, req, extras) in &cases {
        let err = links::generate_with(&h.api, &h.profile, req, extras)
            .await
            .expect_err(name);
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{name}: {err}");
        assert_eq!(h.ledger_used(), used, "{name}: the ledger counted a call");
        assert_eq!(call_log(), logged, "{name}: the call log grew");
        assert_eq!(
            h.sandbox_calls(),
            served,
            "{name}: a call reached the sandbox"
        );
    }
    assert!(
        !dir.join("victim.png").exists(),
        "the link was not followed"
    );
    let qr = dir.join("ok.png");
    let label = "y".repeat(80);
    let made = links::generate_with(
        &h.api,
        &h.profile,
        &good,
        &extras(Some(label.clone()), Some(qr.clone())),
    )
    .await
    .unwrap();
    assert!(!made.cached);
    assert_eq!(made.link.label.as_deref(), Some(label.as_str()));
    assert!(std::fs::read(&qr).unwrap().starts_with(b"\x89PNG"));
    assert_eq!(h.ledger_used(), used + 1);
    assert_eq!(h.sandbox_calls(), served + 1);
    eprintln!(
        "{} bad inputs refused with 0 calls counted or sent",
        cases.len()
    );
}

/// Issue 16 item 8: a dry run of a batch plans it without storing anything;
/// an unclosed quote is refused naming its line.
#[tokio::test]
async fn batch_dry_run_writes_nothing_and_an_unclosed_quote_names_its_line() {
    let h = harness(Generation::Legacy, Tier::T2000).await;
    let batches = || -> i64 {
        h.store
            .connect()
            .unwrap()
            .query_row(
                "SELECT (SELECT count(*) FROM link_batches) + (SELECT count(*) FROM link_batch_rows)",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    links::generate(&h.api, &h.profile, &act("33", "s1", &[1], false))
        .await
        .unwrap();
    let defaults = BatchDefaults {
        sid: Some("s1".into()),
        link_types: vec![1],
        short_link: false,
    };
    let parsed = batch::parse("33\n34\n34\nx\n35,s2,9\n", &defaults).unwrap();
    let (used, before) = (h.ledger_used(), batches());
    let plan = batch::plan_parsed(&h.api, &h.profile, &parsed).unwrap();
    assert_eq!(batches(), before, "a dry run stored a batch");
    assert_eq!(h.ledger_used(), used);
    assert_eq!(
        (plan.counts.rows, plan.counts.pending, plan.counts.error),
        (5, 3, 2)
    );
    assert_eq!(plan.from_library, 1, "33 is in the library");
    assert_eq!(plan.calls_needed, 1, "34 twice is one call");
    // The stored batch plans the same.
    let stored = batch::create(&h.store, h.clock.as_ref(), &h.profile, &parsed, "t").unwrap();
    assert_eq!(batch::plan(&h.api, &h.profile, stored.id).unwrap(), plan);

    let text = "33,s1,1\n\"34,s1,1\n35,s1,1\n36,s1,1\n";
    let err = batch::parse(text, &defaults).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let message = err.to_string();
    assert!(
        message.contains("line 2") && message.contains("never closed"),
        "{message}"
    );
    // Closed quotes, quotes inside a cell and in comments are fine.
    let fine = "# a \"comment\n\"33\",s1,1\n34,\"s\"\"1\",1\n35,s1\"x,1\n";
    let rows = batch::parse(fine, &defaults).unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
}
