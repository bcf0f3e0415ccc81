//! Desktop notifications, on timers:
//! - the due-answer alerts: once a minute, any console request whose answer
//!   is now due becomes one notification ("refresh the console page");
//! - the quota alerts: every half minute, a profile whose calls today passed
//!   80 % or reached 100 % of its limit gets one notification per threshold
//!   per Beijing day.
//!
//! What to say and when is desk-core's (`requests::alerts`, `quota_alerts`);
//! this file only runs the timers and hands the words to the OS.

use crate::state::AppState;
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

/// How often the due-answer timer looks; due times are minutes or days away.
const EVERY: Duration = Duration::from_secs(60);
/// How often the quota timer looks: a batch run can pass 80 % within
/// minutes, and a look is a few small queries.
const QUOTA_EVERY: Duration = Duration::from_secs(30);

pub fn start(app: AppHandle) {
    let quota_app = app.clone();
    tauri::async_runtime::spawn(async move {
        // A little after start-up, then every minute.
        tokio::time::sleep(Duration::from_secs(5)).await;
        loop {
            check(&app).await;
            tokio::time::sleep(EVERY).await;
        }
    });
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        loop {
            check_quota(&quota_app).await;
            tokio::time::sleep(QUOTA_EVERY).await;
        }
    });
}

async fn check_quota(app: &AppHandle) {
    let state = app.state::<AppState>();
    let (store, ledger, clock) = (
        state.store.clone(),
        state.api.ledger().clone(),
        state.clock.clone(),
    );
    let alerts = tokio::task::spawn_blocking(move || {
        desk_core::quota_alerts::take_quota_alerts(&store, &ledger, clock.as_ref())
    })
    .await;
    let alerts = match alerts {
        Ok(Ok(alerts)) => alerts,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "could not read today's quota for the quota alerts");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "the quota alert check stopped");
            return;
        }
    };
    for alert in alerts {
        let percent = alert.threshold.percent();
        // Recorded as given already: with no notification service (a bare
        // desktop, the GUI tests under Xvfb) it is not retried; the Quota
        // screen shows the same level.
        let shown = app
            .notification()
            .builder()
            .title(&alert.title)
            .body(&alert.body)
            .show();
        match shown {
            Ok(()) => tracing::info!(profile = alert.profile_id, percent, "quota alert shown"),
            Err(e) => {
                tracing::info!(profile = alert.profile_id, percent, error = %e, "could not show the quota alert")
            }
        }
    }
}

async fn check(app: &AppHandle) {
    let state = app.state::<AppState>();
    let (store, clock) = (state.store.clone(), state.clock.clone());
    let alerts = tokio::task::spawn_blocking(move || {
        desk_core::requests::alerts::take_due_alerts(&store, clock.as_ref())
    })
    .await;
    let alerts = match alerts {
        Ok(Ok(alerts)) => alerts,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "could not read due console requests");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "the due-request check stopped");
            return;
        }
    };
    for alert in alerts {
        // No notification service (a bare desktop): the request still shows
        // 答复应已出来 on its screen; the log says why no alert appeared.
        let shown = app
            .notification()
            .builder()
            .title(&alert.title)
            .body(&alert.body)
            .show();
        match shown {
            Ok(()) => tracing::info!(request = alert.request_id, "answer-due alert shown"),
            Err(e) => {
                tracing::warn!(request = alert.request_id, error = %e, "could not show the answer-due alert")
            }
        }
    }
}
