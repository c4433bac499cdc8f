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

/// `scheme://host` as the client addressed us, so pagination links contain the client's
/// own base URL (zenpy and node-zendesk follow them verbatim).
pub fn base_url(parts: &Parts) -> String {
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|s| *s == "https" || *s == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
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

async fn authenticate(state: &AppState, parts: &Parts) -> Result<Option<Actor>, AppError> {
    let app = &state.app;
    match credentials(parts) {
        None => Ok(None),
        Some(Credentials::Bearer(t)) => app.authenticate_bearer(&t).await.map(Some),
        Some(Credentials::Token { email, token }) => {
            app.authenticate_token(&email, &token).await.map(Some)
        }
        Some(Credentials::Password { email, password }) => {
            app.authenticate_password(&email, &password).await.map(Some)
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
        match authenticate(state, parts).await {
            Ok(Some(actor)) => Ok(Ctx {
                actor,
                locale,
                base: base_url(parts),
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
        let actor = match authenticate(state, parts).await {
            Ok(a) => a,
            Err(AppError::Unauthenticated) => None,
            Err(e) => return Err(ApiError::App(e, locale)),
        };
        Ok(MaybeCtx {
            actor,
            locale,
            base: base_url(parts),
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
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::InvalidJson(e.to_string(), locale))?;
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

/// Query parameters, percent-decoded (keys too: `page%5Bsize%5D`), `+` as space, with the
/// junk values some clients send (`include=None`, `cursor=undefined`) dropped.
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q)
            .map_err(|e| ApiError::Param("query", e.to_string(), locale_of(parts)))?;
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
