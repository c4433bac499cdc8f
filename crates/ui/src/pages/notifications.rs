//! The agent's notifications: assignments, warnings and breaches of standards, approvals
//! requested and decided (A8), a new charter version (B5). Opening one marks it read.

use crate::Chrome;
use crate::error::{PageResult, render};
use crate::extract::Path;
use crate::i18n::T;
use crate::session::Agent;
use askama::Template;
use axum::extract::State;
use web::AppState;

pub struct Line {
    pub id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub at: i64,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    t: T,
    chrome: Chrome,
    lines: Vec<Line>,
}

pub async fn show_notifications(State(s): State<AppState>, agent: Agent) -> PageResult {
    let lines = s
        .app
        .notifications(agent.actor(), false, 100)
        .await
        .map_err(|e| agent.err(e))?
        .into_iter()
        .map(|n| Line {
            id: n.id,
            kind: n.kind.replace('_', "-"),
            case_id: n.case_id,
            at: n.created_at,
            read: n.read_at.is_some(),
        })
        .collect();
    let chrome = Chrome::of(&agent, &s.app, "notifications").await;
    Ok(render(&NotificationsPage {
        t: agent.t,
        chrome,
        lines,
    }))
}

/// `POST /notifications/{id}/open`: mark read, then go to what it is about.
pub async fn post_open(State(s): State<AppState>, agent: Agent, Path(id): Path<i64>) -> PageResult {
    let target = s
        .app
        .notifications(agent.actor(), false, 100)
        .await
        .map_err(|e| agent.err(e))?
        .into_iter()
        .find(|n| n.id == id)
        .map(|n| match (n.kind.as_str(), n.case_id) {
            ("charter_published", _) => "/charter".to_string(),
            (_, Some(c)) => format!("/cases/{c}"),
            _ => "/notifications".to_string(),
        });
    s.app
        .mark_notification_read(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other(
        &target.unwrap_or_else(|| "/notifications".into()),
    ))
}
