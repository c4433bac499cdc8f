//! Sign-in and sign-out. A wrong password, an unknown email and a customer's account all get
//! the same answer; after ten failures the account waits (the app's throttle).

use crate::error::{PageError, PageResult, render};
use crate::extract::{Form, Query};
use crate::i18n::T;
use crate::session::{Agent, MaybeSession, browser_locale, clear_cookie, is_tls, session_cookie};
use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use web::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: T,
    next: String,
    email: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    notice: String,
}

/// Only a local path may follow sign-in (no open redirect).
pub(crate) fn safe_next(n: &str) -> String {
    // Browsers drop tabs and line breaks from URLs, so "/\t/evil" would become "//evil":
    // no control character or space at all, and never a second slash or backslash.
    let second = n.chars().nth(1);
    if n.starts_with('/')
        && !matches!(second, Some('/' | '\\'))
        && !n.contains('\\')
        && !n.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        n.to_string()
    } else {
        "/".to_string()
    }
}

pub async fn show_login(
    headers: HeaderMap,
    Extension(m): Extension<MaybeSession>,
    Query(q): Query<NextQuery>,
) -> Response {
    if m.0.is_some_and(|s| s.actor.role.is_staff()) {
        return super::see_other(&safe_next(&q.next));
    }
    let t = T::new(browser_locale(&headers), "UTC", 0);
    let notice = (q.notice == "password-set").then(|| t.t("password-set"));
    render(&LoginPage {
        t,
        next: safe_next(&q.next),
        email: String::new(),
        error: None,
        notice,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let locale = browser_locale(&headers);
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The throttles key by the client's address (see app::auth::LoginThrottle).
    let attempt = app::auth::CLIENT_IP.scope(peer.ip(), s.app.sign_in(&f.email, &f.password, ua));
    match attempt.await {
        Ok((token, _)) => {
            let mut r = super::see_other(&safe_next(&f.next));
            if let Ok(v) = session_cookie(&token, is_tls(&headers)).parse() {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let t = T::new(locale, "UTC", 0);
            let mut retry = None;
            let (status, msg) = match e {
                app::AppError::Throttled(secs) => {
                    retry = Some(secs);
                    (StatusCode::TOO_MANY_REQUESTS, t.throttled(secs))
                }
                app::AppError::Unauthenticated | app::AppError::Forbidden(_) => {
                    (StatusCode::UNAUTHORIZED, t.t("login-failed"))
                }
                other => return PageError::App(other, locale).into_response(),
            };
            let mut r = render(&LoginPage {
                t,
                next: safe_next(&f.next),
                email: f.email.chars().take(200).collect(),
                error: Some(msg),
                notice: None,
            });
            *r.status_mut() = status;
            if let Some(secs) = retry {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, secs.max(1).into());
            }
            r
        }
    }
}

pub async fn sign_out(State(s): State<AppState>, agent: Agent) -> PageResult {
    s.app.sign_out(&agent.s).await.map_err(|e| agent.err(e))?;
    let mut r = super::see_other("/login");
    if let Ok(v) = clear_cookie().parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_follow_sign_in() {
        assert_eq!(super::safe_next("/cases/4"), "/cases/4");
        assert_eq!(super::safe_next("//evil.example/x"), "/");
        assert_eq!(super::safe_next("https://evil.example"), "/");
        assert_eq!(super::safe_next("/\\evil"), "/");
        assert_eq!(super::safe_next("/\t/evil.example"), "/");
        assert_eq!(super::safe_next("/\n/evil.example"), "/");
    }
}
