//! The agent's own settings: language, time zone, password.

use crate::Chrome;
use crate::error::{PageResult, render};
use crate::extract::{Form, Query};
use crate::i18n::T;
use crate::session::Agent;
use app::people::UserChanges;
use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use web::AppState;

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    t: T,
    chrome: Chrome,
    time_zone: String,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<u8>,
}

pub async fn show_settings(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let chrome = Chrome::of(&agent, &s.app, "settings").await;
    Ok(render(&SettingsPage {
        time_zone: agent.s.time_zone.clone(),
        t: agent.t,
        chrome,
        saved: q.saved.is_some(),
    }))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    locale: String,
    time_zone: String,
}

pub async fn post_settings(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<SettingsForm>,
) -> PageResult {
    let locale = domain::Locale::parse(&f.locale)
        .map_err(|_| agent.err(app::AppError::invalid("locale", "invalid-value", "en, fr")))?;
    let tz = domain::parse_time_zone(&f.time_zone).map_err(|_| {
        agent.err(app::AppError::invalid(
            "time_zone",
            "invalid-value",
            f.time_zone.clone(),
        ))
    })?;
    s.app
        .update_user(
            agent.actor(),
            agent.actor().user_id,
            UserChanges {
                locale: Some(locale),
                time_zone: Some(tz),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/settings?saved=1"))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
}

pub async fn post_password(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    s.app
        .change_password(&agent.s, &f.current, &f.new)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/settings?saved=1"))
}
