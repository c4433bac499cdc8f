//! One module per screen. Handlers are `verb_noun`, take an `Agent`, call `app` with the
//! agent's `Actor` (so the API's authorization rules apply unchanged) and render a template
//! or redirect after a write (post/redirect/get).

pub mod admin;
pub mod admin_email;
pub mod admin_forms;
pub mod admin_kb;
pub mod admin_standards;
pub mod case;
pub mod contact;
pub mod inbox;
pub mod login;
pub mod notifications;
pub mod password;
pub mod search;
pub mod settings;

use crate::error::PageError;
use crate::session::Agent;
use axum::response::{IntoResponse, Redirect, Response};

/// How many notifications the agent has not read (the menu's badge).
pub async fn unread_notifications(a: &Agent, app: &app::App) -> usize {
    app.notifications(a.actor(), true, 100)
        .await
        .map(|v| v.len())
        .unwrap_or(0)
}

/// The newest charter version the agent has not acknowledged yet (B5).
pub async fn charter_pending(a: &Agent, app: &app::App) -> Option<i64> {
    app.charter_pending(a.actor()).await.ok().flatten()
}

/// Every team's name by id (deleted ones too: old cases still show them).
pub async fn team_names(
    app: &app::App,
    actor: &app::Actor,
) -> std::collections::HashMap<i64, String> {
    app.team_names(actor).await.unwrap_or_default()
}

/// The teams a select offers: (id, name), deleted ones left out.
pub async fn team_choices(a: &Agent, app: &app::App) -> Result<Vec<(i64, String)>, PageError> {
    Ok(app
        .list_teams(a.actor(), 0, 1000)
        .await
        .map_err(|e| a.err(e))?
        .into_iter()
        .filter(|t| !t.deleted)
        .map(|t| (t.id, t.name))
        .collect())
}

/// The categories a select offers: (id, "Parent › Child").
pub async fn category_choices(a: &Agent, app: &app::App) -> Result<Vec<(i64, String)>, PageError> {
    Ok(app
        .categories(a.actor())
        .await
        .map_err(|e| a.err(e))?
        .into_iter()
        .map(|v| (v.row.id, v.path.join(" › ")))
        .collect())
}

/// A page re-rendered with a refused form answers 422 (the browser shows it all the same).
pub fn refused(r: Response) -> Response {
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
}

/// 303 to a page after a successful form.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// An optional id from a form's select (`""` = none).
pub fn opt_id(a: &Agent, field: &'static str, v: &str) -> Result<Option<i64>, PageError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<i64>()
        .map(Some)
        .map_err(|_| PageError::Field(field, a.t.t("expect-number"), a.s.locale))
}

/// A wire enum from a form's select.
pub fn parse_enum<E: std::str::FromStr>(
    a: &Agent,
    field: &'static str,
    v: &str,
) -> Result<E, PageError> {
    v.trim()
        .parse::<E>()
        .map_err(|_| PageError::Field(field, v.to_string(), a.s.locale))
}

/// A name for a user id (the timeline, the inbox).
pub async fn names(
    app: &app::App,
    actor: &app::Actor,
    ids: impl IntoIterator<Item = i64>,
) -> std::collections::HashMap<i64, String> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    app.user_names(actor, &ids).await.unwrap_or_default()
}
