//! axum's `Form`, `Path` and `Query`, with their rejections as translated pages: a form that
//! does not parse names what was wrong (422), an id that is not a number is a page that does
//! not exist (404). axum's own rejections are English plain text.

use crate::error::PageError;
use crate::session::{MaybeSession, browser_locale};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::IntoResponse;
use domain::Locale;
use serde::de::DeserializeOwned;

fn locale(ext: &axum::http::Extensions, h: &axum::http::HeaderMap) -> Locale {
    ext.get::<MaybeSession>()
        .and_then(|m| m.0.as_ref().map(|s| s.locale))
        .unwrap_or_else(|| browser_locale(h))
}

/// The detail axum gives, without its generic prefix.
fn detail(r: impl IntoResponse + std::fmt::Display) -> String {
    let s = r.to_string();
    s.rsplit(": ").next().unwrap_or(&s).to_string()
}

pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let l = locale(req.extensions(), req.headers());
        // No text field takes NUL or other control characters (domain rule; PostgreSQL
        // refuses NUL): refuse the form naming the field, before anything is written.
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, 2 * 1024 * 1024)
            .await
            .map_err(|e| PageError::Field("form", e.to_string(), l))?;
        if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            && let Some((k, _)) = pairs
                .iter()
                .find(|(k, v)| domain::has_forbidden_control(k) || domain::has_forbidden_control(v))
        {
            return Err(PageError::Field(
                "form",
                format!("{}: a control character", k.escape_debug()),
                l,
            ));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) => Err(PageError::Field("form", detail(e), l)),
        }
    }
}

pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(_) => Err(PageError::App(
                app::AppError::NotFound("page"),
                locale(&parts.extensions, &parts.headers),
            )),
        }
    }
}

pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(PageError::Field(
                "query",
                detail(e),
                locale(&parts.extensions, &parts.headers),
            )),
        }
    }
}

/// A multipart form with at most one file (part `file`) and its text fields; a file input
/// left empty gives no file. Text fields take no control characters, as in `Form`.
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    /// (name, declared type, bytes)
    pub file: Option<(String, Option<String>, Vec<u8>)>,
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = PageError;
    async fn from_request(req: Request, _: &S) -> Result<Self, PageError> {
        let l = locale(req.extensions(), req.headers());
        let parts = web::browser::multipart_parts(req)
            .await
            .map_err(|e| PageError::Field("form", e, l))?;
        let mut out = Upload {
            fields: Default::default(),
            file: None,
        };
        for p in parts {
            if p.name == "file" {
                out.file = Some((p.file_name.unwrap_or_default(), p.content_type, p.data));
                continue;
            }
            let Some(text) = p.text() else {
                return Err(PageError::Field(
                    "form",
                    format!("{}: not UTF-8 text", p.name.escape_debug()),
                    l,
                ));
            };
            if domain::has_forbidden_control(text) {
                return Err(PageError::Field(
                    "form",
                    format!("{}: a control character", p.name.escape_debug()),
                    l,
                ));
            }
            out.fields.insert(p.name.clone(), text.to_string());
        }
        Ok(out)
    }
}
