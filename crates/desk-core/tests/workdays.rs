//! Due times on the mainland China calendar, checked against the facts of
//! chinese-calendar 1.11.0 (`is_workday`), across holidays with make-up
//! workdays (调休).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use desk_core::console::workdays::{due_after, parse_instant, DayKind, WorkCalendar};

fn at(s: &str) -> DateTime<Utc> {
    parse_instant(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn national_day_2025_is_skipped_and_the_saturday_make_up_day_counts() {
    // 2025-10-01..08 are off; Sat 10-11 is a make-up workday.
    let from = at("2025-09-30T14:30:00+08:00");
    assert_eq!(due_after(from, 1).due_at, "2025-10-09T14:30:00+08:00");
    assert_eq!(due_after(from, 2).due_at, "2025-10-10T14:30:00+08:00");
    assert_eq!(due_after(from, 3).due_at, "2025-10-11T14:30:00+08:00");
    let d = due_after(from, 2);
    assert_eq!(d.skipped.len(), 8, "{:?}", d.skipped);
    assert!(d.note.is_none());
    // Fri 09-26 + 1 working day is Sun 09-28, a make-up workday.
    assert_eq!(
        due_after(at("2025-09-26T09:00:00+08:00"), 1).due_at,
        "2025-09-28T09:00:00+08:00"
    );
}

#[test]
fn spring_festival_2026_make_up_saturdays() {
    // Sat 02-14 is worked; 02-15..23 are off; Sat 02-28 is worked.
    let fri = at("2026-02-13T10:00:00+08:00");
    assert_eq!(due_after(fri, 1).due_at, "2026-02-14T10:00:00+08:00");
    assert_eq!(due_after(fri, 2).due_at, "2026-02-24T10:00:00+08:00");
    let make_up = at("2026-02-14T18:00:00+08:00");
    assert_eq!(due_after(make_up, 2).due_at, "2026-02-25T18:00:00+08:00");
    assert_eq!(
        due_after(at("2026-02-27T08:00:00+08:00"), 1).due_at,
        "2026-02-28T08:00:00+08:00"
    );
}

#[test]
fn new_year_2026_sunday_make_up_day() {
    // 2026-01-01..03 off, Sun 01-04 worked.
    let d = due_after(at("2025-12-31T23:59:59+08:00"), 2);
    assert_eq!(d.due_at, "2026-01-05T23:59:59+08:00");
}

#[test]
fn the_day_is_taken_in_beijing_time_whatever_the_input_offset() {
    // 2025-09-30T17:00Z is already 10-01 01:00 in Beijing (a holiday).
    let d = due_after(at("2025-09-30T17:00:00Z"), 1);
    assert_eq!(d.from, "2025-10-01T01:00:00+08:00");
    assert_eq!(d.due_at, "2025-10-09T01:00:00+08:00");
}

#[test]
fn zero_working_days_is_the_given_time() {
    let d = due_after(at("2025-10-03T12:00:00+08:00"), 0);
    assert_eq!(d.due_at, "2025-10-03T12:00:00+08:00");
}

#[test]
fn day_kinds_match_the_official_schedule() {
    let cal = WorkCalendar::china();
    assert_eq!(
        cal.day_kind(day("2025-10-06")),
        DayKind::Holiday {
            name: "中秋".into()
        }
    );
    assert_eq!(
        cal.day_kind(day("2025-10-11")),
        DayKind::MakeUpWorkday {
            name: "国庆节".into()
        }
    );
    assert_eq!(cal.day_kind(day("2025-10-12")), DayKind::Weekend);
    assert_eq!(cal.day_kind(day("2025-10-13")), DayKind::Workday);
    assert!(cal.covers(2025) && cal.covers(2026));
    assert!(!cal.covers(2027));
}

#[test]
fn years_without_data_fall_back_to_weekdays_with_a_note() {
    // 2027-10-01 is a Friday; without data the next working day is Monday.
    let d = due_after(at("2027-10-01T09:00:00+08:00"), 1);
    assert_eq!(d.due_at, "2027-10-04T09:00:00+08:00");
    assert_eq!(d.assumed_years, vec![2027]);
    assert!(d.note.as_deref().unwrap().contains("2027"));
    // Crossing into a year without data also notes it.
    let d = due_after(at("2026-12-31T09:00:00+08:00"), 2);
    assert_eq!(d.due_at, "2027-01-04T09:00:00+08:00");
    assert_eq!(d.assumed_years, vec![2027]);
    // A calendar without data treats the 2025 National Day as working days.
    let plain = WorkCalendar::weekdays_only();
    let d = plain.add_workdays(at("2025-09-30T14:30:00+08:00"), 1);
    assert_eq!(d.due_at, "2025-10-01T14:30:00+08:00");
    assert_eq!(d.assumed_years, vec![2025]);
}

#[test]
fn shipped_data_counts_match_the_source_for_2025_and_2026() {
    // chinese-calendar 1.11.0: 2025 has 28 listed holidays and 5 make-up
    // workdays; 2026 has 33 and 6 (counted from constants.py).
    let cal = WorkCalendar::china();
    let count = |year: i32, pred: &dyn Fn(&DayKind) -> bool| {
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        let mut n = 0;
        while d.year() == year {
            if pred(&cal.day_kind(d)) {
                n += 1;
            }
            d = d.succ_opt().unwrap();
        }
        n
    };
    let holidays = |k: &DayKind| matches!(k, DayKind::Holiday { .. });
    let make_up = |k: &DayKind| matches!(k, DayKind::MakeUpWorkday { .. });
    assert_eq!(count(2025, &holidays), 28);
    assert_eq!(count(2025, &make_up), 5);
    assert_eq!(count(2026, &holidays), 33);
    assert_eq!(count(2026, &make_up), 6);
}

#[test]
fn bad_time_is_refused() {
    assert!(parse_instant("2025-13-01T00:00:00+08:00").is_err());
    assert!(parse_instant("yesterday").is_err());
}
