//! Who is at the keyboard. A middleware reads the session cookie once per request and, for
//! every state-changing request, enforces the CSRF rules: a same-origin request
//! (`Sec-Fetch-Site`/`Origin`) carrying the session's CSRF token (form field `csrf` or
//! header `X-CSRF-Token`). Handlers take an `Agent`, which exists only for signed-in staff.

use crate::error::PageError;
use crate::i18n::T;
use app::auth::sessions::Session;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use web::AppState;

pub const COOKIE: &str = web::browser::STAFF_COOKIE;
/// Largest form a page posts (a reply with a long canned answer fits easily).
pub const MAX_FORM_BYTES: usize = 1024 * 1024;
/// Largest multipart form (a knowledge-base file, the logo): a file at the attachment
/// limit and its form around it.
pub const MAX_UPLOAD_BYTES: usize = 21 * 1024 * 1024;

pub use web::browser::{browser_locale, is_tls};
use web::browser::{cross_site, same_secret};

/// The session token in the request's cookies.
pub fn cookie_token(h: &HeaderMap) -> Option<String> {
    web::browser::cookie_value(h, COOKIE)
}

/// The cookie that carries a new agent session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    web::browser::session_cookie(COOKIE, token, secure)
}

pub fn clear_cookie() -> String {
    web::browser::clear_cookie(COOKIE)
}

/// The session of the request, if any (set by `load`).
#[derive(Clone)]
pub struct MaybeSession(pub Option<Session>);

/// Middleware on every page route: load the session, guard state changes.
pub async fn load(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let session = match cookie_token(req.headers()) {
        Some(tok) => s.app.session(&tok).await.ok(),
        None => None,
    };
    let locale = session
        .as_ref()
        .map(|x| x.locale)
        .unwrap_or_else(|| browser_locale(req.headers()));
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method {
        if cross_site(req.headers()) {
            return PageError::csrf(locale).into_response();
        }
        // Signing in, asking for a password link and using one have no session yet; the
        // origin check above is their protection.
        let p = req.uri().path();
        if p != "/login" && !p.starts_with("/password/") {
            let Some(sess) = &session else {
                return PageError::signed_out(locale).into_response();
            };
            let (r, token) =
                match web::browser::csrf_token_of(req, MAX_FORM_BYTES, MAX_UPLOAD_BYTES).await {
                    Ok(x) => x,
                    Err(_) => return PageError::too_large(locale).into_response(),
                };
            req = r;
            if !same_secret(&token, &sess.csrf) {
                return PageError::csrf(locale).into_response();
            }
        }
    }
    req.extensions_mut().insert(MaybeSession(session));
    let mut res = next.run(req).await;
    web::browser::page_headers(res.headers_mut());
    res
}

/// A signed-in member of staff, with their translator.
pub struct Agent {
    pub s: Session,
    pub t: T,
}

impl Agent {
    pub fn actor(&self) -> &app::Actor {
        &self.s.actor
    }
    pub fn err(&self, e: app::AppError) -> PageError {
        PageError::App(e, self.s.locale)
    }
    pub fn is_supervisor(&self) -> bool {
        matches!(
            self.s.actor.role,
            domain::Role::Admin | domain::Role::Supervisor
        )
    }
    pub fn is_admin(&self) -> bool {
        self.s.actor.role == domain::Role::Admin
    }
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<MaybeSession>()
            .and_then(|m| m.0.clone());
        match session {
            Some(sess) if sess.actor.role.is_staff() => {
                let t = T::new(
                    sess.locale,
                    &sess.time_zone,
                    s.app.clock.now().as_millisecond(),
                );
                Ok(Agent { s: sess, t })
            }
            Some(sess) => Err(
                PageError::App(app::AppError::Forbidden("agents only"), sess.locale)
                    .into_response(),
            ),
            None if parts.method == Method::GET => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let q = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                Err(Redirect::to(&format!("/login?{q}")).into_response())
            }
            None => Err(PageError::signed_out(browser_locale(&parts.headers)).into_response()),
        }
    }
}
