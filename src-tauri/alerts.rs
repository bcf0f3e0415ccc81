//! Desktop notifications, on timers:
//! - the due-answer alerts: once a minute, any console request whose answer
//!   is now due becomes one notification ("refresh the console page");
//! - the quota alerts: every half minute, a profile whose calls today passed
//!   80 % or reached 100 % of its limit gets one notification per threshold
//!   per Beijing day.
//!
//! What to say and when is desk-core's (`console::applications::alerts`, `gateway::quota_alerts`);
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
    every(app.clone(), EVERY, check);
    every(app, QUOTA_EVERY, check_quota);
}

/// Runs `look` a little after start-up, then every `period`.
fn every<F, Fut>(app: AppHandle, period: Duration, look: F)
where
    F: Fn(AppHandle) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        loop {
            look(app.clone()).await;
            tokio::time::sleep(period).await;
        }
    });
}

/// Runs a core query off the async threads; `None` (logged) when it fails.
async fn take<T: Send + 'static>(
    what: &'static str,
    query: impl FnOnce() -> desk_core::Result<Vec<T>> + Send + 'static,
) -> Option<Vec<T>> {
    match tokio::task::spawn_blocking(query).await {
        Ok(Ok(alerts)) => Some(alerts),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, what, "could not read what to notify");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, what, "the notification check stopped");
            None
        }
    }
}

/// Hands one notification to the OS. With no notification service (a bare
/// desktop, the GUI tests under Xvfb) it is not retried: the screens show
/// the same state, and the log says why no notification appeared.
fn notify(
    app: &AppHandle,
    title: &str,
    body: &str,
) -> Result<(), tauri_plugin_notification::Error> {
    app.notification().builder().title(title).body(body).show()
}

async fn check_quota(app: AppHandle) {
    let state = app.state::<AppState>();
    let (store, ledger, clock) = (
        state.store.clone(),
        state.api.ledger().clone(),
        state.clock.clone(),
    );
    let Some(alerts) = take("quota alerts", move || {
        desk_core::gateway::quota_alerts::take_quota_alerts(&store, &ledger, clock.as_ref())
    })
    .await
    else {
        return;
    };
    for alert in alerts {
        let percent = alert.threshold.percent();
        match notify(&app, &alert.title, &alert.body) {
            Ok(()) => tracing::info!(profile = alert.profile_id, percent, "quota alert shown"),
            Err(e) => {
                tracing::info!(profile = alert.profile_id, percent, error = %e, "could not show the quota alert")
            }
        }
    }
}

async fn check(app: AppHandle) {
    let state = app.state::<AppState>();
    let (store, clock) = (state.store.clone(), state.clock.clone());
    let Some(alerts) = take("due console requests", move || {
        desk_core::console::applications::alerts::take_due_alerts(&store, clock.as_ref())
    })
    .await
    else {
        return;
    };
    for alert in alerts {
        match notify(&app, &alert.title, &alert.body) {
            Ok(()) => tracing::info!(request = alert.request_id, "answer-due alert shown"),
            Err(e) => {
                tracing::warn!(request = alert.request_id, error = %e, "could not show the answer-due alert")
            }
        }
    }
}
