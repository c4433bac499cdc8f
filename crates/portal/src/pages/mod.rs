//! The portal's pages, one module per screen, and the extractors they share: a form, a path
//! or a query that does not parse is a translated page in the customer's language (422, or
//! 404 for an id that is not a number), never axum's English plain text.

pub mod cases;
pub mod chat;
pub mod form;
pub mod help;
pub mod profile;
pub mod sign_in;

use crate::error::PortalError;
use crate::session::page_locale;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = PortalError;
    async fn from_request(req: Request, _: &S) -> Result<Self, PortalError> {
        let l = page_locale(req.extensions(), req.headers());
        let bytes = axum::body::to_bytes(req.into_body(), crate::session::MAX_FORM_BYTES)
            .await
            .map_err(|_| PortalError::TooLarge(l))?;
        web::form::parse_form(&bytes)
            .map(Form)
            .map_err(|(f, d)| PortalError::Field(f, d, l))
    }
}

pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = PortalError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PortalError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(_) => Err(PortalError::App(
                app::AppError::NotFound("page"),
                page_locale(&parts.extensions, &parts.headers),
            )),
        }
    }
}

pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = PortalError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, PortalError> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str::<T>(q).map(Query).map_err(|e| {
            PortalError::Field(
                "query",
                e.to_string(),
                page_locale(&parts.extensions, &parts.headers),
            )
        })
    }
}

/// A multipart form's text fields and files (name, content type, bytes), read whole (the
/// middleware already bounded the body); refused naming the field on a control character.
pub struct Posted {
    pub fields: std::collections::HashMap<String, String>,
    pub files: Vec<(String, Option<String>, Vec<u8>)>,
}

/// Most files one form carries.
pub const MAX_FILES: usize = 5;

pub async fn read_parts(req: Request, l: domain::Locale) -> Result<Posted, PortalError> {
    let parts = web::browser::multipart_parts(req)
        .await
        .map_err(|e| PortalError::Field("form", e, l))?;
    let mut fields = std::collections::HashMap::new();
    let mut files = Vec::new();
    for p in parts {
        match p.file_name {
            Some(file_name) if p.name == "files" => {
                if files.len() == MAX_FILES {
                    return Err(PortalError::App(
                        app::AppError::invalid("files", "too-many", MAX_FILES.to_string()),
                        l,
                    ));
                }
                files.push((file_name, p.content_type, p.data));
            }
            _ => {
                let Some(text) = std::str::from_utf8(&p.data).ok() else {
                    return Err(PortalError::Field(
                        "form",
                        format!("{}: not UTF-8 text", p.name.escape_debug()),
                        l,
                    ));
                };
                if domain::has_forbidden_control(text) {
                    return Err(PortalError::Field(
                        "form",
                        format!("{}: a control character", p.name.escape_debug()),
                        l,
                    ));
                }
                fields.insert(p.name, text.to_string());
            }
        }
    }
    Ok(Posted { fields, files })
}
