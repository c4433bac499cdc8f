//! Errors as translated HTML pages. Validation errors name the field, as in the API; storage
//! and internal errors are logged and shown without detail.

use crate::i18n::T;
use app::AppError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::Locale;

#[derive(Debug)]
pub enum PageError {
    App(AppError, Locale),
    /// A form field that does not parse (`field`, what was expected).
    Field(&'static str, String, Locale),
    Csrf(Locale),
    SignedOut(Locale),
    TooLarge(Locale),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: T,
    status: u16,
    message: String,
    details: Vec<String>,
}

impl PageError {
    pub fn csrf(l: Locale) -> Self {
        PageError::Csrf(l)
    }
    pub fn signed_out(l: Locale) -> Self {
        PageError::SignedOut(l)
    }
    pub fn too_large(l: Locale) -> Self {
        PageError::TooLarge(l)
    }
}

/// The page for an address that leads nowhere (the browser's side of the API's 404).
pub fn not_found_page(l: Locale) -> Response {
    let page = ErrorPage {
        t: T::new(l, "UTC", 0),
        status: 404,
        message: web::i18n::tr(l, "not-found-help", &[]),
        details: vec![],
    };
    match page.render() {
        Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

pub use web::page_error::{field_label, forbidden_words};

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut retry_after = None;
        let (status, locale, message, details) = match self {
            PageError::App(e, l) => {
                if matches!(e, AppError::Unauthenticated) {
                    return Redirect::to("/login").into_response();
                }
                let x = web::page_error::explain(e, l);
                retry_after = x.retry_after;
                (x.status, l, x.message, x.details)
            }
            PageError::Field(field, detail, l) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                l,
                web::i18n::tr(l, "err-record-invalid", &[]),
                vec![web::i18n::tr(
                    l,
                    "err-invalid-value",
                    &[("field", &field_label(l, field)), ("detail", &detail)],
                )],
            ),
            PageError::Csrf(l) => (
                StatusCode::FORBIDDEN,
                l,
                T::new(l, "UTC", 0).t("error-csrf"),
                vec![],
            ),
            PageError::SignedOut(l) => (
                StatusCode::UNAUTHORIZED,
                l,
                T::new(l, "UTC", 0).t("error-signed-out"),
                vec![],
            ),
            PageError::TooLarge(l) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                l,
                web::i18n::tr(
                    l,
                    "err-body-too-large",
                    &[("detail", &web::i18n::size(l, 1_048_576))],
                ),
                vec![],
            ),
        };
        let page = ErrorPage {
            t: T::new(locale, "UTC", 0),
            status: status.as_u16(),
            message,
            details,
        };
        let mut r = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => status.into_response(),
        };
        if let Some(v) = retry_after {
            r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        r
    }
}

/// Render a page template, or a 500 page if it cannot be (it always can: askama checks
/// templates at compile time; only a formatting error of a value could fail).
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub type PageResult = Result<Response, PageError>;
