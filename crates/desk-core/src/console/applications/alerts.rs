//! Desktop alerts for console answers that are now due ("refresh the console
//! page"). The shell runs [`take_due_alerts`] on a timer and hands each alert
//! to the OS notification service; everything that decides *what* to say and
//! *when* lives here, so it is tested without a window.

use super::{take_due_notifications, ConsoleRequest, RequestKind};
use crate::clock::Clock;
use crate::error::Result;
use crate::profiles;
use crate::settings::{Language, Settings};
use crate::store::Store;

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueAlert {
    pub request_id: i64,
    pub title: String,
    pub body: String,
}

/// Every request whose answer became due since the last call, each returned
/// once, worded in the user's language.
pub fn take_due_alerts(store: &Store, clock: &dyn Clock) -> Result<Vec<DueAlert>> {
    let due = take_due_notifications(store, clock)?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let language = Settings::load(store)?.language;
    let mut alerts = Vec::with_capacity(due.len());
    for request in due {
        // A profile deleted in between still gets its alert, unnamed.
        let name = profiles::get(store, &request.profile_id)
            .map(|p| p.name)
            .unwrap_or_default();
        alerts.push(alert_for(&request, &name, language));
    }
    Ok(alerts)
}

/// The words of one alert.
pub fn alert_for(request: &ConsoleRequest, profile_name: &str, language: Language) -> DueAlert {
    let filed = request
        .filed_at
        .get(..16)
        .unwrap_or(&request.filed_at)
        .replace('T', " ");
    // Where the answer shows in the console; the console is in Chinese only.
    let path = match request.kind {
        RequestKind::Authorization => "我要推广 → API 授权",
        RequestKind::Frequency => "我要推广 → API 授权 → 频次申请",
        RequestKind::SpecialCase => "我要推广 → API 授权 → 【问号图标】 → 特殊情况申请",
    };
    let (title, body) = match language {
        Language::ZhCn => {
            let what = match request.kind {
                RequestKind::Authorization => "API 授权申请",
                RequestKind::Frequency => "频次申请",
                RequestKind::SpecialCase => "特殊情况申请",
            };
            let who = if profile_name.is_empty() {
                String::new()
            } else {
                format!("「{profile_name}」")
            };
            if request.kind == RequestKind::SpecialCase {
                // Meituan contacts the promoter within two working days
                // (seed `000_0a499e18fb5d9012.txt:19`); no answer page is
                // described, so none is promised.
                (
                    "特殊情况申请：两个工作日已过".to_owned(),
                    format!(
                        "{who}{filed} 提交的特殊情况申请已过两个工作日，美团会主动联系你。如果还没有联系，请到美团联盟后台（{path}）查看。"
                    ),
                )
            } else {
                (
                    format!("{what}的结果应已出来"),
                    format!(
                        "{who}{filed} 提交的{what}已到预计答复时间。请刷新美团联盟后台（{path}）查看结果，再回到联盟助手记录。"
                    ),
                )
            }
        }
        Language::En => {
            let what = match request.kind {
                RequestKind::Authorization => "API authorization application",
                RequestKind::Frequency => "call frequency request",
                RequestKind::SpecialCase => "special-case request",
            };
            let who = if profile_name.is_empty() {
                String::new()
            } else {
                format!(" of “{profile_name}”")
            };
            if request.kind == RequestKind::SpecialCase {
                (
                    "Special-case request: two working days have passed".to_owned(),
                    format!(
                        "The {what}{who} filed {filed} is two working days old; Meituan contacts you about it. If it has not, check the Meituan Union console ({path})."
                    ),
                )
            } else {
                (
                    format!("Your {what} should have an answer"),
                    format!(
                        "The {what}{who} filed {filed} has reached its expected answer time. Refresh the Meituan Union console ({path}) to see the result, then record it in Union Desk."
                    ),
                )
            }
        }
    };
    DueAlert {
        request_id: request.id,
        title,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::beijing;
    use crate::profiles::{Endpoint, Generation, NewProfile, Tier};
    use crate::secrets::vault::MemoryVault;
    use crate::ManualClock;
    use chrono::{Duration, TimeZone, Utc};

    fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
        beijing()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn setup() -> (tempfile::TempDir, Store, ManualClock, String) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.sqlite3")).unwrap();
        // Thursday 2025-09-25 10:00 Beijing: two working days later is
        // Sunday 09-28, a make-up workday (调休) before National Day.
        let clock = ManualClock::new(bj(2025, 9, 25, 10, 0));
        let profile = profiles::create(
            &store,
            &MemoryVault::new(),
            &clock,
            NewProfile {
                name: "小店推广".into(),
                appkey: "a1b2c3d4e5f60718293a4b5c6d7e8f90".into(),
                generation: Generation::Legacy,
                endpoint: Endpoint::Meituan,
                tier: Tier::T2000,
                api_secret: None,
                callback_secret: None,
            },
        )
        .unwrap();
        (dir, store, clock, profile.id)
    }

    fn file_special_case(store: &Store, clock: &ManualClock, profile: &str, text: &str) -> i64 {
        super::super::file_special_case_manual(store, clock, profile, text, None)
            .unwrap()
            .id
    }

    const REASON: &str = "本月订单因平台活动暂时下降，下月恢复，申请保持 3000 次/天。";

    #[test]
    fn an_alert_comes_once_when_the_answer_is_due_in_the_users_language() {
        let (_dir, store, clock, profile) = setup();
        let filed = file_special_case(&store, &clock, &profile, REASON);
        // Not yet due: nothing, however often the timer asks.
        clock.advance(Duration::hours(47));
        assert!(take_due_alerts(&store, &clock).unwrap().is_empty());
        // Sunday 09-28 10:00 Beijing (a working day that year): due.
        clock.set(bj(2025, 9, 28, 10, 0));
        let alerts = take_due_alerts(&store, &clock).unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].request_id, filed);
        assert_eq!(alerts[0].title, "特殊情况申请：两个工作日已过");
        assert!(
            alerts[0].body.contains("「小店推广」2025-09-25 10:00"),
            "{}",
            alerts[0].body
        );
        assert!(
            alerts[0].body.contains("美团会主动联系你"),
            "{}",
            alerts[0].body
        );
        // Shown once.
        clock.advance(Duration::minutes(5));
        assert!(take_due_alerts(&store, &clock).unwrap().is_empty());

        // In English when the user chose English. Filed Tuesday 09-30
        // 10:00: due Friday 10-10 10:00, the second working day after the
        // National Day holiday (10-01 … 10-08).
        let mut settings = Settings::load(&store).unwrap();
        settings.language = Language::En;
        settings.save(&store).unwrap();
        clock.set(bj(2025, 9, 30, 10, 0));
        file_special_case(
            &store,
            &clock,
            &profile,
            "Orders dipped during a promotion; they recover next month.",
        );
        clock.set(bj(2025, 10, 10, 9, 59));
        assert!(take_due_alerts(&store, &clock).unwrap().is_empty());
        clock.set(bj(2025, 10, 10, 10, 0));
        let alerts = take_due_alerts(&store, &clock).unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            alerts[0].title,
            "Special-case request: two working days have passed"
        );
        assert!(
            alerts[0].body.contains("of “小店推广”"),
            "{}",
            alerts[0].body
        );
    }

    #[test]
    fn an_answered_request_raises_no_alert() {
        let (_dir, store, clock, profile) = setup();
        let filed = file_special_case(&store, &clock, &profile, REASON);
        super::super::record_outcome(&store, &clock, filed, super::super::Outcome::Refused, None)
            .unwrap();
        clock.advance(Duration::days(10));
        assert!(take_due_alerts(&store, &clock).unwrap().is_empty());
    }
}
