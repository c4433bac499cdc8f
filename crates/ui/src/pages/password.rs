//! "Forgot password" and the page a password link opens (an invitation or a reset). No
//! session: the origin check of `session::load` protects these forms, the link's token is
//! single use, and the request answers the same whether or not the address exists.

use crate::error::{PageError, render};
use crate::extract::{Form, Path};
use crate::form::FormState;
use crate::i18n::T;
use crate::session::browser_locale;
use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use web::AppState;
use web::extract::BaseUrl;

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    t: T,
    sent: bool,
    email: String,
    error: Option<String>,
}

pub async fn show_forgot(headers: HeaderMap) -> Response {
    render(&ForgotPage {
        t: T::new(browser_locale(&headers), "UTC", 0),
        sent: false,
        email: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn post_forgot(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    BaseUrl(base): BaseUrl,
    Form(f): Form<ForgotForm>,
) -> Response {
    let locale = browser_locale(&headers);
    let t = T::new(locale, "UTC", 0);
    let asked =
        app::auth::CLIENT_IP.scope(peer.ip(), s.app.request_password_reset(&f.email, &base));
    match asked.await {
        Ok(()) => render(&ForgotPage {
            t,
            sent: true,
            email: String::new(),
            error: None,
        }),
        Err(app::AppError::Throttled(secs)) => {
            let mut r = render(&ForgotPage {
                error: Some(t.throttled(secs)),
                t,
                sent: false,
                email: f.email.chars().take(200).collect(),
            });
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            r.headers_mut().insert(header::RETRY_AFTER, secs.into());
            r
        }
        Err(e) => PageError::App(e, locale).into_response(),
    }
}

#[derive(Template)]
#[template(path = "password_set.html")]
struct SetPage {
    t: T,
    /// None: the link no longer works.
    who: Option<app::auth::links::LinkInfo>,
    token: String,
    f: FormState,
}

fn set_page(
    t: T,
    who: Option<app::auth::links::LinkInfo>,
    token: String,
    f: FormState,
) -> Response {
    let expired = who.is_none();
    let mut r = render(&SetPage { t, who, token, f });
    if expired {
        *r.status_mut() = StatusCode::GONE;
    }
    r
}

pub async fn show_set(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let who = s.app.password_link(&token).await.ok();
    let locale = who
        .as_ref()
        .map(|w| w.locale)
        .unwrap_or_else(|| browser_locale(&headers));
    set_page(T::new(locale, "UTC", 0), who, token, FormState::default())
}

#[derive(Deserialize)]
pub struct SetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

pub async fn post_set(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<SetForm>,
) -> Response {
    let Ok(who) = s.app.password_link(&token).await else {
        let t = T::new(browser_locale(&headers), "UTC", 0);
        return set_page(t, None, token, FormState::default());
    };
    let locale = who.locale;
    let t = T::new(locale, "UTC", 0);
    if f.password != f.again {
        let mut form = FormState::default();
        form.add("again", t.t("password-mismatch"));
        let mut r = set_page(t, Some(who), token, form);
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return r;
    }
    match s.app.set_password_with_link(&token, &f.password).await {
        Ok(_) => super::see_other("/login?notice=password-set"),
        Err(app::AppError::Invalid(errs)) if errs.iter().any(|e| e.code == "link-expired") => {
            set_page(t, None, token, FormState::default())
        }
        Err(e) => {
            const MAP: crate::form::FieldMap = &[("password", "password", "password-new")];
            match FormState::default().refused(&t, e, MAP) {
                Ok(form) => {
                    let mut r = set_page(t, Some(who), token, form);
                    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    r
                }
                Err(e) => PageError::App(e, locale).into_response(),
            }
        }
    }
}
