//! Signing in to the portal: ask for a link by email (the same answer for any address),
//! open it (a button: only the POST uses the link, so mail scanners cannot spend it), or
//! use a password; a case link from an email opens that case at once; sign out.

use crate::Brand;
use crate::error::{PortalError, PortalResult, render};
use crate::pages::{Form, Path, Query};
use crate::session::{COOKIE, MaybeCustomer, safe_next};
use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use web::AppState;
use web::browser::{browser_locale, clear_cookie, is_tls, session_cookie};
use web::extract::BaseUrl;
use web::form::FormState;
use web::i18n::T;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    t: T,
    brand: Brand,
    form: FormState,
    /// The link was asked for: the page says to check the mailbox.
    sent: bool,
    next: String,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn show(
    State(s): State<AppState>,
    Extension(m): Extension<MaybeCustomer>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    if m.0.as_ref().is_some_and(|s| s.case_id.is_none()) {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    render(&SignInPage {
        t: T::new(browser_locale(&headers), "UTC", 0),
        brand: crate::brand(&s).await,
        form: FormState::default(),
        sent: false,
        next: safe_next(q.next.as_deref()),
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    /// Empty: send a link; else sign in with it.
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn post(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    BaseUrl(base): BaseUrl,
    Form(f): Form<SignInForm>,
) -> Response {
    let locale = browser_locale(&headers);
    let t = T::new(locale, "UTC", 0);
    let next = safe_next(Some(&f.next));
    let typed = FormState::typed([("email", f.email.as_str())]);
    let brand = crate::brand(&s).await;
    let again = |form: FormState, status: StatusCode| {
        let mut r = render(&SignInPage {
            t: t.clone(),
            brand: brand.clone(),
            form,
            sent: false,
            next: next.clone(),
        });
        *r.status_mut() = status;
        r
    };
    if f.password.is_empty() {
        let case = next
            .strip_prefix("/portal/cases/")
            .and_then(|id| id.parse::<i64>().ok());
        let asked = app::auth::CLIENT_IP
            .scope(peer.ip(), s.app.request_sign_in_link(&f.email, &base, case));
        return match asked.await {
            Ok(()) => render(&SignInPage {
                t: t.clone(),
                brand: crate::brand(&s).await,
                form: FormState::default(),
                sent: true,
                next: next.clone(),
            }),
            Err(app::AppError::Throttled(secs)) => {
                let mut form = typed;
                form.summary.push(t.throttled(secs));
                let mut r = again(form, StatusCode::TOO_MANY_REQUESTS);
                r.headers_mut().insert(header::RETRY_AFTER, secs.into());
                r
            }
            Err(e) => match typed.refused(&t, e, &[("email", "email", "portal-email")]) {
                Ok(form) => again(form, StatusCode::UNPROCESSABLE_ENTITY),
                Err(e) => PortalError::App(e, locale).into_response(),
            },
        };
    }
    let ua = user_agent(&headers);
    let signed = app::auth::CLIENT_IP.scope(
        peer.ip(),
        s.app.sign_in_customer(&f.email, &f.password, &ua),
    );
    match signed.await {
        Ok((token, _)) => signed_in(&headers, &token, &next),
        Err(app::AppError::Throttled(secs)) => {
            let mut form = typed;
            form.summary.push(t.throttled(secs));
            let mut r = again(form, StatusCode::TOO_MANY_REQUESTS);
            r.headers_mut().insert(header::RETRY_AFTER, secs.into());
            r
        }
        Err(app::AppError::Unauthenticated) => {
            let mut form = typed;
            form.summary.push(t.t("portal-password-wrong"));
            again(form, StatusCode::UNAUTHORIZED)
        }
        Err(e) => PortalError::App(e, locale).into_response(),
    }
}

fn user_agent(h: &HeaderMap) -> String {
    h.get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The session cookie and the way on.
fn signed_in(h: &HeaderMap, token: &str, next: &str) -> Response {
    let mut r = Redirect::to(next).into_response();
    if let Ok(v) = session_cookie(COOKIE, token, is_tls(h)).parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "sign_in_link.html")]
struct LinkPage {
    t: T,
    brand: Brand,
    /// False: the link no longer works (used, expired, unknown).
    good: bool,
}

/// The page a sign-in link opens: a button that uses it.
pub async fn show_link(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let (locale, good) = match s.app.sign_in_link(&token).await {
        Ok(l) => (l.locale, true),
        Err(_) => (browser_locale(&headers), false),
    };
    let mut r = render(&LinkPage {
        t: T::new(locale, "UTC", 0),
        brand: crate::brand(&s).await,
        good,
    });
    if !good {
        *r.status_mut() = StatusCode::GONE;
    }
    r
}

/// The button: use the link once and sign in.
pub async fn use_link(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    match s.app.sign_in_with_link(&token, &user_agent(&headers)).await {
        Ok((cookie, _, case)) => {
            let next = case
                .map(|c| format!("/portal/cases/{c}"))
                .unwrap_or_else(|| "/portal/cases".into());
            signed_in(&headers, &cookie, &next)
        }
        Err(_) => {
            let mut r = render(&LinkPage {
                t: T::new(browser_locale(&headers), "UTC", 0),
                brand: crate::brand(&s).await,
                good: false,
            });
            *r.status_mut() = StatusCode::GONE;
            r
        }
    }
}

/// A case link from an email: a session for that case only, then its page. Following it
/// twice is fine (people open an email again); it stops after seven days.
pub async fn case_link(
    State(s): State<AppState>,
    headers: HeaderMap,
    Extension(m): Extension<MaybeCustomer>,
    Path(token): Path<String>,
) -> Response {
    match s
        .app
        .sign_in_with_case_link(&token, &user_agent(&headers))
        .await
    {
        Ok((cookie, sess)) => {
            let target = format!("/portal/cases/{}", sess.case_id.unwrap_or_default());
            // Already signed in as this customer with a full session: keep it.
            if m.0
                .as_ref()
                .is_some_and(|cur| cur.actor.user_id == sess.actor.user_id && cur.case_id.is_none())
            {
                let _ = s.app.sign_out(&sess).await;
                return Redirect::to(&target).into_response();
            }
            signed_in(&headers, &cookie, &target)
        }
        Err(_) => {
            let mut r = render(&LinkPage {
                t: T::new(browser_locale(&headers), "UTC", 0),
                brand: crate::brand(&s).await,
                good: false,
            });
            *r.status_mut() = StatusCode::GONE;
            r
        }
    }
}

#[derive(Deserialize, Default)]
pub struct JwtParams {
    #[serde(default)]
    jwt: String,
    #[serde(default)]
    return_to: Option<String>,
}

/// Single sign-on (Zendesk's `/access/jwt`): the site sends its customer here with a
/// signed token, by GET (`?jwt=`) or, better (no token in logs), by POST (`jwt` field).
pub async fn jwt_get(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<JwtParams>,
) -> Response {
    jwt(&s, &headers, q).await
}

pub async fn jwt_post(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<JwtParams>,
) -> Response {
    jwt(&s, &headers, f).await
}

async fn jwt(s: &AppState, headers: &HeaderMap, p: JwtParams) -> Response {
    match s.app.sign_in_with_jwt(&p.jwt, &user_agent(headers)).await {
        Ok((token, _)) => signed_in(headers, &token, &safe_next(p.return_to.as_deref())),
        Err(e) => PortalError::App(e, browser_locale(headers)).into_response(),
    }
}

pub async fn sign_out(
    State(s): State<AppState>,
    Extension(m): Extension<MaybeCustomer>,
) -> PortalResult {
    if let Some(sess) = &m.0 {
        s.app
            .sign_out(sess)
            .await
            .map_err(|e| PortalError::App(e, sess.locale))?;
    }
    let mut r = Redirect::to("/portal/sign-in").into_response();
    if let Ok(v) = clear_cookie(COOKIE).parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}
