//! An application error explained to a person in a page, in their language: the status,
//! one sentence and the fields at fault, each by its label (`comment.body` → "Texte").
//! The agent screens (`ui`) and the customer pages (`portal`) wrap it in their own page.

use app::AppError;
use axum::http::{HeaderValue, StatusCode};
use domain::Locale;

/// What a page says of an error.
pub struct Explained {
    pub status: StatusCode,
    pub message: String,
    pub details: Vec<String>,
    pub retry_after: Option<HeaderValue>,
}

/// Why a page is refused, in the agent's words: the use case's reason has a message of its
/// own (`forbidden-administrators-only`), else a general one. Never the English reason.
pub fn forbidden_words(l: Locale, why: &str) -> String {
    let id: String = format!(
        "forbidden-{}",
        why.chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            })
            .collect::<String>()
    );
    let text = crate::i18n::tr(l, &id, &[]);
    if text == id {
        crate::i18n::tr(l, "forbidden-generic", &[])
    } else {
        text
    }
}

/// A use case's field name as the agent reads it: `comment.body` → "Texte",
/// `compensation.amount` → "Montant" (the screens' `field-…` labels); the name itself only
/// when no label exists.
pub fn field_label(l: Locale, field: &str) -> String {
    let key = field.replace(['.', '_'], "-");
    let candidates = [
        format!("field-{key}"),
        format!("field-{}", key.trim_start_matches("ticket-")),
        format!("field-comp-{}", key.trim_start_matches("compensation-")),
        format!("field-{}", key.rsplit('-').next().unwrap_or(&key)),
    ];
    for id in candidates {
        let text = crate::i18n::tr(l, &id, &[]);
        if text != id {
            return text;
        }
    }
    field.to_string()
}

fn field_messages(l: Locale, errs: &[app::FieldError]) -> Vec<String> {
    errs.iter()
        .map(|f| {
            crate::i18n::tr(
                l,
                &format!("err-{}", f.code),
                &[
                    ("field", &field_label(l, &f.field)),
                    ("detail", &crate::i18n::detail_for(l, f.code, &f.detail)),
                ],
            )
        })
        .collect()
}

/// The status, sentence and field messages of an application error (an unauthenticated
/// request is each audience's own business: a sign-in page).
pub fn explain(e: AppError, l: Locale) -> Explained {
    let tr = |id: &str, d: &str| crate::i18n::tr(l, id, &[("detail", d)]);
    let plain = |status, message| Explained {
        status,
        message,
        details: vec![],
        retry_after: None,
    };
    match e {
        AppError::NotFound(_) => plain(StatusCode::NOT_FOUND, tr("not-found-help", "")),
        AppError::Forbidden(why) => plain(StatusCode::FORBIDDEN, forbidden_words(l, why)),
        AppError::Unauthenticated => plain(StatusCode::UNAUTHORIZED, tr("error-signed-out", "")),
        AppError::Throttled(secs) => {
            let mut x = plain(
                StatusCode::TOO_MANY_REQUESTS,
                crate::i18n::T::new(l, "UTC", 0).throttled(secs),
            );
            x.retry_after = Some(HeaderValue::from(secs));
            x
        }
        AppError::Invalid(errs) => Explained {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: tr("err-record-invalid", ""),
            details: field_messages(l, &errs),
            retry_after: None,
        },
        AppError::Conflict(f) => Explained {
            status: StatusCode::CONFLICT,
            message: tr("err-record-invalid", ""),
            details: field_messages(l, &[f]),
            retry_after: None,
        },
        AppError::Store(e) => {
            // The same status and Retry-After as the API, said in words.
            let a = crate::error::store_answer(&e);
            let mut x = plain(a.status, tr(a.key, ""));
            x.retry_after = Some(HeaderValue::from(a.retry_after_secs));
            x
        }
        AppError::Internal(e) => {
            tracing::error!(error = %e, "internal error");
            plain(StatusCode::INTERNAL_SERVER_ERROR, tr("err-internal", ""))
        }
    }
}
