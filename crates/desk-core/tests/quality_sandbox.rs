//! 推广位质量分 against the sandbox (issue 20 item 3): one call for a
//! fresh range, none for the same range again the same Beijing day, one
//! for a refresh or the next day, and none for anything refused.

mod common;

use chrono::Duration;
use common::setup;
use desk_core::links::quality::{self, QualityQuery};
use desk_core::links::sids;
use desk_core::profiles::Generation;
use desk_core::Error;

fn query(sid: &str, from: &str, to: &str) -> QualityQuery {
    QualityQuery {
        sid: sid.into(),
        from: from.into(),
        to: to.into(),
    }
}

fn field_of(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected an invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn quality_is_fetched_once_a_day_unless_refreshed() {
    let h = setup().start().await;
    sids::create(
        &h.store,
        h.clock.as_ref(),
        &h.profile.id,
        "demo_wx01",
        Some("微信群"),
    )
    .unwrap();
    // The default range: the last 30 Beijing days (start: 2026-03-10).
    let (from, to) = quality::default_range(h.clock.as_ref());
    assert_eq!(
        (from.to_string(), to.to_string()),
        ("2026-02-09".into(), "2026-03-10".into())
    );
    let q = query("demo_wx01", "2026-02-09", "2026-03-10");

    let before = quality::preview(&h.store, h.clock.as_ref(), &h.profile, &q).unwrap();
    assert_eq!((before.calls, before.report.is_none()), (1, true));

    let first = quality::fetch(&h.api, &h.profile, &q, false).await.unwrap();
    assert_eq!((first.calls, first.cached), (1, false));
    assert_eq!(first.sid_name, "微信群");
    assert_eq!(first.rows.len(), 30);
    assert_eq!(first.rows[0].date, "2026-02-09");
    assert_eq!(first.rows[29].date, "2026-03-10");
    assert!(first
        .rows
        .iter()
        .all(|r| r.quality_grade.is_some() && r.repurchase_rate.is_some()));
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (1, 1));

    // Same range (or a part of it) the same day: from the store.
    let second = quality::fetch(&h.api, &h.profile, &q, false).await.unwrap();
    assert_eq!((second.calls, second.cached), (0, true));
    assert_eq!(second.rows, first.rows);
    let part = quality::fetch(
        &h.api,
        &h.profile,
        &query("demo_wx01", "2026-03-01", "2026-03-10"),
        false,
    )
    .await
    .unwrap();
    assert_eq!((part.calls, part.cached, part.rows.len()), (0, true, 10));
    let peek = quality::preview(&h.store, h.clock.as_ref(), &h.profile, &q).unwrap();
    assert_eq!(peek.calls, 0);
    assert_eq!(peek.report.unwrap().rows, first.rows);
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (1, 1));

    // Asked again: one call, the same deterministic figures.
    let refreshed = quality::fetch(&h.api, &h.profile, &q, true).await.unwrap();
    assert_eq!((refreshed.calls, refreshed.cached), (1, false));
    assert_eq!(refreshed.rows, first.rows);
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (2, 2));

    // The longest range allowed (90 days apart, 91 rows) is one page.
    let longest = quality::fetch(
        &h.api,
        &h.profile,
        &query("demo_wx01", "2025-12-01", "2026-03-01"),
        false,
    )
    .await
    .unwrap();
    assert_eq!((longest.calls, longest.rows.len()), (1, 91));
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (3, 3));

    // The next Beijing day, the same range is fetched again.
    h.clock.advance(Duration::days(1));
    let next_day = quality::fetch(&h.api, &h.profile, &q, false).await.unwrap();
    assert_eq!((next_day.calls, next_day.cached), (1, false));
}

#[tokio::test]
async fn bad_quality_requests_cost_no_call() {
    let h = setup().start().await;
    sids::create(&h.store, h.clock.as_ref(), &h.profile.id, "demo_wx01", None).unwrap();
    let refused = [
        // 91 days apart: over MAX_QUALITY_RANGE_DAYS.
        (query("demo_wx01", "2025-12-01", "2026-03-02"), "to"),
        (query("demo_wx01", "2026-03-10", "2026-03-01"), "from"),
        (query("demo_wx01", "2026-3-01", "2026-03-10"), "from"),
        (query("demo_wx01", "2026-03-01", "2026-02-30"), "to"),
        // Before the first day Meituan serves (近3个月).
        (query("demo_wx01", "2025-11-30", "2026-01-10"), "from"),
        (query("not_a_sid", "2026-03-01", "2026-03-10"), "sid"),
    ];
    for (q, field) in refused {
        let e = quality::fetch(&h.api, &h.profile, &q, true)
            .await
            .unwrap_err();
        assert_eq!(field_of(e), field, "{q:?}");
        let e = quality::preview(&h.store, h.clock.as_ref(), &h.profile, &q).unwrap_err();
        assert_eq!(field_of(e), field, "{q:?}");
    }
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (0, 0));
}

#[tokio::test]
async fn media_profiles_are_told_the_endpoint_is_legacy_only() {
    let h = setup().generation(Generation::Media).start().await;
    sids::create(&h.store, h.clock.as_ref(), &h.profile.id, "demo_wx01", None).unwrap();
    let q = query("demo_wx01", "2026-03-01", "2026-03-10");
    let e = quality::fetch(&h.api, &h.profile, &q, false)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("legacy-only"), "{e}");
    assert_eq!(field_of(e), "generation");
    assert_eq!((h.sandbox_calls(), h.ledger_used()), (0, 0));
}
