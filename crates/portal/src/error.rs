//! Errors as the customer's pages show them: a translated page in the portal's frame (never
//! the agents'), the fields at fault by their labels; a signed-out request goes to the
//! sign-in page.

use crate::Brand;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::Locale;
use web::i18n::T;

#[derive(Debug)]
pub enum PortalError {
    App(app::AppError, Locale),
    /// A form or path value that does not parse (`field`, what was expected).
    Field(&'static str, String, Locale),
    Csrf(Locale),
    SignedOut(Locale),
    TooLarge(Locale),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: T,
    brand: Brand,
    status: u16,
    message: String,
    details: Vec<String>,
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let words = |l: Locale, id: &str| web::i18n::tr(l, id, &[]);
        let (l, x) = match self {
            PortalError::App(app::AppError::Unauthenticated, _) => {
                return Redirect::to("/portal/sign-in").into_response();
            }
            PortalError::App(e, l) => (l, web::page_error::explain(e, l)),
            PortalError::Field(field, detail, l) => (
                l,
                web::page_error::Explained {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: words(l, "err-record-invalid"),
                    details: vec![web::i18n::tr(
                        l,
                        "err-invalid-value",
                        &[
                            ("field", &web::page_error::field_label(l, field)),
                            ("detail", &detail),
                        ],
                    )],
                    retry_after: None,
                },
            ),
            PortalError::Csrf(l) => (l, plain(StatusCode::FORBIDDEN, words(l, "portal-csrf"))),
            PortalError::SignedOut(l) => (
                l,
                plain(StatusCode::UNAUTHORIZED, words(l, "portal-signed-out")),
            ),
            PortalError::TooLarge(l) => (
                l,
                plain(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    web::i18n::tr(
                        l,
                        "err-body-too-large",
                        &[(
                            "detail",
                            &web::i18n::size(l, crate::session::MAX_MULTIPART_BYTES as u64),
                        )],
                    ),
                ),
            ),
        };
        page(l, x)
    }
}

fn plain(status: StatusCode, message: String) -> web::page_error::Explained {
    web::page_error::Explained {
        status,
        message,
        details: vec![],
        retry_after: None,
    }
}

fn page(l: Locale, x: web::page_error::Explained) -> Response {
    let p = ErrorPage {
        t: T::new(l, "UTC", 0),
        brand: Brand::default(),
        status: x.status.as_u16(),
        message: x.message,
        details: x.details,
    };
    let mut r = match p.render() {
        Ok(html) => (x.status, Html(html)).into_response(),
        Err(_) => x.status.into_response(),
    };
    if let Some(v) = x.retry_after {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    r
}

/// Render a page template (a 500 when a value cannot be formatted; askama checks the
/// templates themselves at compile time).
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "portal template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub type PortalResult = Result<Response, PortalError>;
