//! Who is signed in to the portal. A middleware reads the customer cookie once per request
//! (never the agents' one: `app::App::customer_session` opens only customer sessions) and,
//! for every state-changing request, enforces the same CSRF rules as the agent screens: a
//! same-origin request carrying the session's token (header `X-CSRF-Token`, the form field
//! `csrf`, or the `csrf` part of a multipart form — read here, so no handler can forget).
//! Handlers take a [`Customer`], which exists only for a signed-in customer.

use crate::error::PortalError;
use app::auth::sessions::Session;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::Locale;
use web::AppState;
use web::browser::{browser_locale, cross_site, same_secret};
use web::i18n::T;

pub use crate::SESSION_COOKIE as COOKIE;

/// Largest urlencoded form (a reply of the longest allowed text fits).
pub const MAX_FORM_BYTES: usize = 1024 * 1024;
/// Largest multipart form: a message and a few files.
pub const MAX_MULTIPART_BYTES: usize = 45 * 1024 * 1024;

/// The customer session of the request, if any (set by `load`).
#[derive(Clone)]
pub struct MaybeCustomer(pub Option<Session>);

/// The language a page speaks: the customer's own, else the browser's.
pub fn page_locale(parts_ext: &axum::http::Extensions, h: &axum::http::HeaderMap) -> Locale {
    parts_ext
        .get::<MaybeCustomer>()
        .and_then(|m| m.0.as_ref().map(|s| s.locale))
        .unwrap_or_else(|| browser_locale(h))
}

/// Paths whose POST has no session: asking for a link, using one, the password form, the
/// contact form (its signed token is its protection) and an article's vote (harmless,
/// one per visitor).
fn before_sign_in(path: &str) -> bool {
    path == "/portal/sign-in"
        || path.starts_with("/portal/sign-in/")
        || path.starts_with("/form/")
        || path.starts_with("/help/")
}

/// Middleware on every portal route.
pub async fn load(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let session = match web::browser::cookie_value(req.headers(), COOKIE) {
        Some(tok) => s.app.customer_session(&tok).await.ok(),
        None => None,
    };
    let locale = session
        .as_ref()
        .map(|x| x.locale)
        .unwrap_or_else(|| browser_locale(req.headers()));
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    // Single sign-on arrives from the customer's site by design (a cross-site form post);
    // the token's signature, freshness and single use are its protection.
    let sso = req.uri().path() == "/portal/access/jwt";
    if unsafe_method && !sso {
        if cross_site(req.headers()) {
            return PortalError::Csrf(locale).into_response();
        }
        if !before_sign_in(req.uri().path()) {
            let Some(sess) = &session else {
                return PortalError::SignedOut(locale).into_response();
            };
            let (r, token) = match csrf_of(req).await {
                Ok(x) => x,
                Err(()) => return PortalError::TooLarge(locale).into_response(),
            };
            req = r;
            if !same_secret(&token, &sess.csrf) {
                return PortalError::Csrf(locale).into_response();
            }
        }
    }
    req.extensions_mut().insert(MaybeCustomer(session));
    let mut res = next.run(req).await;
    web::browser::page_headers(res.headers_mut());
    res
}

/// The CSRF token of a state-changing request, and the request to pass on (its body read
/// and handed back).
async fn csrf_of(req: Request) -> Result<(Request, String), ()> {
    web::browser::csrf_token_of(req, MAX_FORM_BYTES, MAX_MULTIPART_BYTES)
        .await
        .map_err(|_| ())
}

/// A signed-in customer, with their translator.
pub struct Customer {
    pub s: Session,
    pub t: T,
}

impl Customer {
    pub fn err(&self, e: app::AppError) -> PortalError {
        PortalError::App(e, self.s.locale)
    }
}

impl FromRequestParts<AppState> for Customer {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<MaybeCustomer>()
            .and_then(|m| m.0.clone());
        match session {
            Some(sess) => {
                let t = T::new(
                    sess.locale,
                    &sess.time_zone,
                    s.app.clock.now().as_millisecond(),
                );
                Ok(Customer { s: sess, t })
            }
            None if parts.method == Method::GET => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/portal");
                let q = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                Err(Redirect::to(&format!("/portal/sign-in?{q}")).into_response())
            }
            None => Err(PortalError::SignedOut(browser_locale(&parts.headers)).into_response()),
        }
    }
}

/// Where to go after sign-in: a portal path only (never another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/portal") && !n.starts_with("//") && !n.contains('\\') => {
            n.to_string()
        }
        _ => "/portal/cases".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_sign_in_only_portal_paths_are_followed() {
        assert_eq!(safe_next(Some("/portal/cases/4")), "/portal/cases/4");
        assert_eq!(safe_next(Some("https://evil.example")), "/portal/cases");
        assert_eq!(safe_next(Some("//evil.example")), "/portal/cases");
        assert_eq!(safe_next(Some("/admin")), "/portal/cases");
        assert_eq!(safe_next(None), "/portal/cases");
    }
}
