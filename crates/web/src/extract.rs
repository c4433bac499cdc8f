//! Request extractors: the caller (`Ctx`: actor, language, base URL), JSON bodies whose
//! errors name the field, and tolerant query parameters (reference 1.3).

use crate::AppState;
use crate::error::ApiError;
use app::{Actor, AppError};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use base64::Engine;
use domain::Locale;
use serde::de::DeserializeOwned;

/// Preferred language from Accept-Language; English by default (Zendesk clients expect it).
pub fn locale_of(parts: &Parts) -> Locale {
    parts
        .headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or(Locale::En)
}

/// The address a server listens on, for links when no public URL is configured.
#[derive(Debug, Clone, Copy)]
pub struct LocalAddr(pub std::net::SocketAddr);

/// Our base URL for the links we send (`url`, `next_page`, `Location`): the configured
/// `public_url`, else the address we listen on. Never the request's Host header, which the
/// client chooses (a forged one would put an attacker's host in links clients follow).
pub fn base_url(state: &AppState, parts: &Parts) -> String {
    if let Some(u) = state.app.config.public_url.as_deref() {
        return u.trim_end_matches('/').to_string();
    }
    match parts.extensions.get::<LocalAddr>() {
        Some(LocalAddr(a)) => format!("http://{a}"),
        None => "http://localhost".to_string(),
    }
}

/// Our base URL for links we email (see `base_url`), as an extractor for page handlers.
pub struct BaseUrl(pub String);

impl FromRequestParts<AppState> for BaseUrl {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(BaseUrl(base_url(state, parts)))
    }
}

/// The client's address (the TCP peer; forwarding headers are not trusted).
pub fn client_ip(parts: &Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Credentials found in the Authorization header.
enum Credentials {
    Token { email: String, token: String },
    Password { email: String, password: String },
    Bearer(String),
}

fn credentials(parts: &Parts) -> Option<Credentials> {
    let h = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    if let Some(b) = h.strip_prefix("Bearer ") {
        return Some(Credentials::Bearer(b.trim().to_string()));
    }
    let b64 = h.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (user, secret) = s.split_once(':')?;
    match user.strip_suffix("/token") {
        Some(email) => Some(Credentials::Token {
            email: email.to_string(),
            token: secret.to_string(),
        }),
        None => Some(Credentials::Password {
            email: user.to_string(),
            password: secret.to_string(),
        }),
    }
}

/// The outcome of authenticating a request, left in its extensions by the rate limiter so
/// the extractors do not check the credentials (an Argon2 hash, a throttle count) twice.
#[derive(Clone)]
pub struct AuthOutcome(std::sync::Arc<std::sync::Mutex<Option<AuthResult>>>);

type AuthResult = Result<Option<Actor>, AppError>;

impl AuthOutcome {
    pub fn new(r: AuthResult) -> Self {
        Self(std::sync::Arc::new(std::sync::Mutex::new(Some(r))))
    }
}

/// The request's caller: the outcome the rate limiter found, else authenticate now.
async fn caller(state: &AppState, parts: &Parts) -> Result<Option<Actor>, AppError> {
    let found = parts
        .extensions
        .get::<AuthOutcome>()
        .and_then(|o| o.0.lock().ok().and_then(|mut g| g.take()));
    match found {
        Some(r) => r,
        None => authenticate(state, parts).await,
    }
}

pub async fn authenticate(state: &AppState, parts: &Parts) -> Result<Option<Actor>, AppError> {
    let app = &state.app;
    match credentials(parts) {
        None => Ok(None),
        Some(Credentials::Bearer(t)) => app.authenticate_bearer(&t).await.map(Some),
        Some(Credentials::Token { email, token }) => {
            app.authenticate_token(&email, &token).await.map(Some)
        }
        Some(Credentials::Password { email, password }) => {
            let auth = app.authenticate_password(&email, &password);
            match client_ip(parts) {
                Some(ip) => app::auth::CLIENT_IP.scope(ip, auth).await.map(Some),
                None => auth.await.map(Some),
            }
        }
    }
}

/// An authenticated API call.
pub struct Ctx {
    pub actor: Actor,
    pub locale: Locale,
    pub base: String,
}

impl Ctx {
    pub fn err(&self, e: AppError) -> ApiError {
        ApiError::App(e, self.locale)
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let locale = locale_of(parts);
        match caller(state, parts).await {
            Ok(Some(actor)) => Ok(Ctx {
                actor,
                locale,
                base: base_url(state, parts),
            }),
            Ok(None) => Err(ApiError::App(AppError::Unauthenticated, locale)),
            Err(e) => Err(ApiError::App(e, locale)),
        }
    }
}

/// A call that may be anonymous (`users/me`).
pub struct MaybeCtx {
    pub actor: Option<Actor>,
    pub locale: Locale,
    pub base: String,
}

impl FromRequestParts<AppState> for MaybeCtx {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let locale = locale_of(parts);
        let actor = match caller(state, parts).await {
            Ok(a) => a,
            Err(AppError::Unauthenticated) => None,
            Err(e) => return Err(ApiError::App(e, locale)),
        };
        Ok(MaybeCtx {
            actor,
            locale,
            base: base_url(state, parts),
        })
    }
}

/// A JSON body deserialised into `T`; errors name the offending field path.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let locale = locale_of(&parts);
        let limit = state.max_body_bytes;
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| ApiError::BodyTooLarge(limit, locale))?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(ApiError::InvalidJson("empty body".into(), locale));
        }
        if !is_json(&parts) {
            // A browser may send text/plain or a form cross-site without a preflight, with
            // the Basic credentials it cached: only bodies declared JSON are taken.
            return Err(ApiError::UnsupportedMediaType(locale));
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::InvalidJson(e.to_string(), locale))?;
        if let Some(field) = control_char_path(&value, &mut String::new()) {
            return Err(ApiError::App(
                AppError::invalid(
                    field,
                    "control-character",
                    "NUL and control characters other than tab and line breaks",
                ),
                locale,
            ));
        }
        let t = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "body".to_string()
            } else {
                path
            };
            ApiError::App(
                AppError::invalid(field, "invalid-value", e.into_inner().to_string()),
                locale,
            )
        })?;
        Ok(Body(t))
    }
}

/// `application/json` or `application/*+json`, with any parameters.
fn is_json(parts: &Parts) -> bool {
    let Some(ct) = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json"
        || mime
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json") && sub.len() > 5)
}

/// The dotted path of the first string (key or value) holding a character no text field
/// takes (see `domain::has_forbidden_control`), as `serde_path_to_error` names fields.
fn control_char_path(v: &serde_json::Value, path: &mut String) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) if domain::has_forbidden_control(s) => Some(if path.is_empty() {
            "body".into()
        } else {
            path.clone()
        }),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let r = control_char_path(x, path);
            path.truncate(len);
            r
        }),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
            let r = if domain::has_forbidden_control(k) {
                Some(path.clone())
            } else {
                control_char_path(x, path)
            };
            path.truncate(len);
            r
        }),
        _ => None,
    }
}

/// Query parameters, percent-decoded (keys too: `page%5Bsize%5D`), `+` as space, with the
/// junk values some clients send (`include=None`, `cursor=undefined`) dropped.
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q)
            .map_err(|e| ApiError::Param("query", e.to_string(), locale_of(parts)))?;
        if let Some((k, _)) = pairs
            .iter()
            .find(|(k, v)| domain::has_forbidden_control(k) || domain::has_forbidden_control(v))
        {
            return Err(ApiError::Param(
                "query",
                format!("a control character in '{}'", k.escape_debug()),
                locale_of(parts),
            ));
        }
        Ok(Params(
            pairs
                .into_iter()
                .filter(|(_, v)| v != "None" && v != "undefined")
                .collect(),
        ))
    }
}

impl Params {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    pub fn int(&self, k: &'static str, l: Locale) -> Result<Option<i64>, ApiError> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::Param(k, format!("'{v}' must be an integer"), l)),
        }
    }

    /// `ids=1,2,3` (commas raw or encoded), at most `max`.
    pub fn ids(&self, k: &'static str, max: usize, l: Locale) -> Result<Vec<i64>, ApiError> {
        let Some(v) = self.get(k) else {
            return Err(ApiError::Param(k, "required".into(), l));
        };
        let ids: Vec<i64> = v
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::Param(k, format!("'{s}' must be an integer"), l))
            })
            .collect::<Result<_, _>>()?;
        if ids.len() > max {
            return Err(ApiError::TooManyValues(k, max, l));
        }
        Ok(ids)
    }
}
