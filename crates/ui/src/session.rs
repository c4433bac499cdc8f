//! Who is at the keyboard. A middleware reads the session cookie once per request and, for
//! every state-changing request, enforces the CSRF rules: a same-origin request
//! (`Sec-Fetch-Site`/`Origin`) carrying the session's CSRF token (form field `csrf` or
//! header `X-CSRF-Token`). Handlers take an `Agent`, which exists only for signed-in staff.

use crate::error::PageError;
use crate::i18n::T;
use app::auth::sessions::Session;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::Locale;
use web::AppState;

pub const COOKIE: &str = "guichet_session";
/// Largest form a page posts (a reply with a long canned answer fits easily).
pub const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The session token in the request's cookies.
pub fn cookie_token(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The cookie that carries a new session: not readable by scripts, not sent by other
/// sites' forms, HTTPS-only when we are reached over TLS.
pub fn session_cookie(token: &str, secure: bool) -> String {
    // No Max-Age: the browser forgets it when it closes, the server's sliding expiry and
    // hard cap decide the rest (a fixed Max-Age would sign active agents out mid-shift).
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Behind a TLS-terminating proxy the request says so.
pub fn is_tls(h: &HeaderMap) -> bool {
    h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
}

pub fn browser_locale(h: &HeaderMap) -> Locale {
    h.get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or(Locale::En)
}

/// A cross-site request, as the browser tells it (`Sec-Fetch-Site`) or as its `Origin`
/// shows. Requests without either (non-browser clients) still need the CSRF token.
fn cross_site(h: &HeaderMap) -> bool {
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = h
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let o = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .unwrap_or("");
        return o != host;
    }
    false
}

fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
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
            let header_token = req
                .headers()
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let token = match header_token {
                Some(t) => t,
                None => {
                    let (parts, body) = req.into_parts();
                    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
                        Ok(b) => b,
                        Err(_) => return PageError::too_large(locale).into_response(),
                    };
                    let found = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                        .ok()
                        .and_then(|kv| kv.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v))
                        .unwrap_or_default();
                    req = Request::from_parts(parts, Body::from(bytes));
                    found
                }
            };
            if !same_secret(&token, &sess.csrf) {
                return PageError::csrf(locale).into_response();
            }
        }
    }
    req.extensions_mut().insert(MaybeSession(session));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A handler's own policy stands (a file served sandboxed); pages get ours.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    h.insert("x-frame-options", header::HeaderValue::from_static("DENY"));
    // Password links carry their token in the path: a Referer never leaves our origin.
    // (`no-referrer` would make Chromium send `Origin: null` on our own forms, which the
    // cross-site check refuses.)
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "x-content-type-options",
        header::HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cross_site_requests_are_recognised() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(!cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(cross_site(&h));
        let mut h2 = HeaderMap::new();
        h2.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(cross_site(&h2));
        h2.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(!cross_site(&h2));
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_over_tls() {
        let c = session_cookie("abc", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!session_cookie("abc", false).contains("Secure"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; guichet_session=tok; b=2"),
        );
        assert_eq!(cookie_token(&h).as_deref(), Some("tok"));
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }
}
