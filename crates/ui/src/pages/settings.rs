//! The agent's own settings: language, time zone, password.

use crate::Chrome;
use crate::error::{PageResult, render};
use crate::extract::{Form, Query};
use crate::form::FormState;
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
    f: FormState,
    pw: FormState,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<u8>,
}

async fn settings_page(
    s: &AppState,
    agent: Agent,
    saved: bool,
    f: FormState,
    pw: FormState,
) -> PageResult {
    let chrome = Chrome::of(&agent, &s.app, "settings").await;
    Ok(render(&SettingsPage {
        time_zone: agent.s.time_zone.clone(),
        t: agent.t,
        chrome,
        saved,
        f,
        pw,
    }))
}

pub async fn show_settings(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    settings_page(
        &s,
        agent,
        q.saved.is_some(),
        FormState::default(),
        FormState::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    locale: String,
    #[serde(default)]
    time_zone: String,
}

pub async fn post_settings(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<SettingsForm>,
) -> PageResult {
    let mut form = FormState::typed([
        ("locale", f.locale.as_str()),
        ("time_zone", f.time_zone.as_str()),
    ]);
    let locale = domain::Locale::parse(&f.locale).ok();
    if locale.is_none() {
        form.add("locale", agent.t.t("expect-choice"));
    }
    let tz = domain::parse_time_zone(&f.time_zone).ok();
    if tz.is_none() {
        form.add(
            "time_zone",
            crate::form::message(
                &agent.t,
                &app::FieldError::new("time_zone", "time-zone-unknown", f.time_zone.trim()),
                &agent.t.t("field-time-zone"),
            ),
        );
    }
    let (Some(locale), Some(tz)) = (locale, tz) else {
        let page = settings_page(&s, agent, false, form, FormState::default()).await?;
        return Ok(super::refused(page));
    };
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
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

pub async fn post_password(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    match s.app.change_password(&agent.s, &f.current, &f.new).await {
        Ok(()) => Ok(super::see_other("/settings?saved=1")),
        Err(e) => {
            const MAP: crate::form::FieldMap = &[
                ("current_password", "current", "password-current"),
                ("password", "new", "password-new"),
            ];
            // Passwords are never sent back into the page.
            let pw = FormState::default()
                .refused(&agent.t, e, MAP)
                .map_err(|e| agent.err(e))?;
            let page = settings_page(&s, agent, false, FormState::default(), pw).await?;
            Ok(super::refused(page))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    status: String,
    #[serde(default)]
    back: String,
}

/// `POST /me/status`: the agent's chat status from the header's switch, then back to the
/// page it was set on.
pub async fn post_status(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<StatusForm>,
) -> PageResult {
    s.app
        .set_agent_status(agent.actor(), &f.status)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other(&super::login::safe_next(&f.back)))
}
