//! The due-answer alerts: once a minute, any console request whose answer
//! is now due becomes one desktop notification ("refresh the console page").
//! What to say and when is desk-core's (`requests::alerts`); this file only
//! runs the timer and hands the words to the OS.

use crate::state::AppState;
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

/// How often the timer looks; due times are minutes or days away.
const EVERY: Duration = Duration::from_secs(60);

pub fn start(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        // A little after start-up, then every minute.
        tokio::time::sleep(Duration::from_secs(5)).await;
        loop {
            check(&app).await;
            tokio::time::sleep(EVERY).await;
        }
    });
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
