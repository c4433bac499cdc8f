//! The customer's profile: name, language, time zone, and an optional password (for those
//! who prefer one to sign-in links). Addresses and phone numbers are shown, not edited: an
//! identity is proved (a link sent to it), never just typed.

use crate::Brand;
use crate::error::{PortalResult, render};
use crate::pages::Form;
use crate::pages::cases::Frame;
use crate::session::Customer;
use app::people::UserChanges;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::collections::HashMap;
use web::AppState;
use web::form::FormState;
use web::i18n::T;

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    t: T,
    brand: Brand,
    frame: Frame,
    form: FormState,
    name: String,
    locale: String,
    time_zone: String,
    emails: Vec<String>,
    phones: Vec<String>,
    has_password: bool,
    zones: &'static [&'static str],
    notice: Option<String>,
}

/// The time zones offered first (any IANA name is accepted).
const ZONES: &[&str] = &[
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Luxembourg",
    "Europe/Zurich",
    "Europe/London",
    "America/Montreal",
    "America/Toronto",
    "America/New_York",
    "Africa/Casablanca",
    "Africa/Dakar",
    "Africa/Abidjan",
    "Indian/Reunion",
    "America/Martinique",
    "America/Guadeloupe",
    "Pacific/Noumea",
    "UTC",
];

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

async fn page(s: &AppState, c: Customer, form: FormState, notice: Option<String>) -> PortalResult {
    if c.s.case_id.is_some() {
        return Err(c.err(app::AppError::Unauthenticated));
    }
    let me = s.app.me(&c.s.actor).await.map_err(|e| c.err(e))?;
    let of = |kind: &str| {
        me.identities
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.value.clone())
            .collect::<Vec<_>>()
    };
    Ok(render(&ProfilePage {
        brand: crate::brand(s).await,
        frame: Frame::of(&c, "profile"),
        form,
        name: me.user.name.clone(),
        locale: me.user.locale.clone(),
        time_zone: me.user.time_zone.clone(),
        emails: of("email"),
        phones: of("phone"),
        has_password: me.user.has_password,
        zones: ZONES,
        notice,
        t: c.t,
    }))
}

pub async fn show(
    State(s): State<AppState>,
    c: Customer,
    crate::pages::Query(q): crate::pages::Query<NoticeQuery>,
) -> PortalResult {
    let mut n = HashMap::new();
    if let Some(v) = q.notice {
        n.insert("notice".to_string(), v);
    }
    let notice = web::form::notice(&c.t, &n);
    page(&s, c, FormState::default(), notice).await
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    current_password: String,
}

const FIELDS: web::form::FieldMap = &[
    ("name", "name", "portal-name"),
    ("locale", "locale", "portal-language"),
    ("time_zone", "time_zone", "portal-time-zone"),
    ("user.time_zone", "time_zone", "portal-time-zone"),
    ("password", "password", "portal-new-password"),
    ("user.password", "password", "portal-new-password"),
    (
        "user.current_password",
        "current_password",
        "portal-current-password",
    ),
];

pub async fn save(
    State(s): State<AppState>,
    c: Customer,
    Form(f): Form<ProfileForm>,
) -> PortalResult {
    if c.s.case_id.is_some() {
        return Err(c.err(app::AppError::Unauthenticated));
    }
    let typed = FormState::typed([
        ("name", f.name.as_str()),
        ("locale", f.locale.as_str()),
        ("time_zone", f.time_zone.as_str()),
    ]);
    let mut errs = Vec::new();
    let locale = domain::Locale::parse(&f.locale)
        .map_err(|_| app::FieldError::new("locale", "invalid-value", f.locale.clone()));
    let tz = domain::parse_time_zone(&f.time_zone)
        .map_err(|_| app::FieldError::new("time_zone", "time-zone-unknown", f.time_zone.clone()));
    if let Err(e) = &locale {
        errs.push(e.clone());
    }
    if let Err(e) = &tz {
        errs.push(e.clone());
    }
    let result = if errs.is_empty() {
        s.app
            .update_user(
                &c.s.actor,
                c.s.actor.user_id,
                UserChanges {
                    name: Some(f.name.clone()),
                    locale: locale.ok(),
                    time_zone: tz.ok(),
                    password: (!f.password.is_empty()).then(|| f.password.clone()),
                    current_password: (!f.current_password.is_empty())
                        .then(|| f.current_password.clone()),
                    ..Default::default()
                },
            )
            .await
            .map(|_| ())
    } else {
        Err(app::AppError::Invalid(errs))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/portal/profile?notice=saved").into_response()),
        Err(e) => {
            let form = typed.refused(&c.t, e, FIELDS).map_err(|e| c.err(e))?;
            let mut r = page(&s, c, form, None).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
