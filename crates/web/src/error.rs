//! One error type for the HTTP API, rendered in Zendesk's error shapes (reference 1.6) with a
//! description translated to the caller's language. Internal details are logged, never sent.

use crate::i18n::tr;
use app::{AppError, FieldError, StorageKind};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Locale;
use serde_json::{Map, Value, json};

#[derive(Debug)]
pub enum ApiError {
    App(AppError, Locale),
    /// Body is not JSON (syntax).
    InvalidJson(String, Locale),
    BodyTooLarge(usize, Locale),
    /// Bad query parameter or URL piece.
    Param(&'static str, String, Locale),
    TooManyValues(&'static str, usize, Locale),
    SearchWindow(Locale),
    RateLimited(u64, Locale),
    NoEndpoint(Locale),
    Method(Locale),
    UnsupportedMediaType(Locale),
}

impl ApiError {
    pub fn app(e: AppError, l: Locale) -> Self {
        ApiError::App(e, l)
    }
}

fn field_details(l: Locale, errs: &[FieldError]) -> Value {
    let mut m = Map::new();
    for f in errs {
        let key = f.field.rsplit('.').next().unwrap_or(&f.field).to_string();
        let entry = m.entry(key).or_insert_with(|| Value::Array(vec![]));
        let description = tr(
            l,
            &format!("err-{}", f.code),
            &[
                ("field", &f.field),
                ("detail", &crate::i18n::detail_for(l, f.code, &f.detail)),
            ],
        );
        let error = match f.code {
            "email-taken" | "phone-taken" | "duplicate" | "taken" | "team-name-taken" => {
                "DuplicateValue"
            }
            "required" => "BlankValue",
            "unknown-reference" => "InvalidReference",
            _ => "InvalidValue",
        };
        if let Value::Array(a) = entry {
            a.push(json!({"description": description, "error": error, "code": f.code, "field": f.field}));
        }
    }
    Value::Object(m)
}

fn json_response(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// How a storage failure is answered, on the API and on the pages alike.
pub struct StoreAnswer {
    pub status: StatusCode,
    /// The API's `error` value.
    pub error: &'static str,
    /// The message id of the translated description.
    pub key: &'static str,
    pub retry_after_secs: u64,
}

/// 503 (database unreachable, writer overloaded) or 507 (disk full), always with a
/// `Retry-After`: nothing was written. Logs the failure (shed requests only now and then).
pub fn store_answer(e: &app::StorageError) -> StoreAnswer {
    static SHED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let kind = e.kind();
    let (status, error, key, retry_after_secs) = match kind {
        StorageKind::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Overloaded",
            "err-overloaded",
            1u64,
        ),
        StorageKind::Full => (
            StatusCode::INSUFFICIENT_STORAGE,
            "StorageFull",
            "err-storage-full",
            30,
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "DatabaseUnavailable",
            "err-unavailable",
            2,
        ),
    };
    if kind == StorageKind::Busy {
        let n = SHED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if n.is_power_of_two() {
            tracing::warn!(shed = n, "write queue full: requests shed");
        }
    } else {
        tracing::error!(error = %e, "storage error");
    }
    StoreAnswer {
        status,
        error,
        key,
        retry_after_secs,
    }
}

/// The API's answer to a storage failure (see [`store_answer`]).
pub fn store_unavailable(e: &app::StorageError, l: Locale) -> Response {
    let a = store_answer(e);
    let mut r = json_response(
        a.status,
        json!({"error": a.error, "description": tr(l, a.key, &[])}),
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(a.retry_after_secs));
    r
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::App(e, l) => match e {
                AppError::NotFound(_) => json_response(
                    StatusCode::NOT_FOUND,
                    json!({"error": "RecordNotFound", "description": tr(l, "err-not-found", &[])}),
                ),
                AppError::Unauthenticated => {
                    let mut r = json_response(
                        StatusCode::UNAUTHORIZED,
                        json!({"error": tr(Locale::En, "err-unauthenticated", &[]), "description": tr(l, "err-unauthenticated", &[])}),
                    );
                    r.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"Web Password\""),
                    );
                    r
                }
                AppError::Throttled(secs) => {
                    let mut r = json_response(
                        StatusCode::TOO_MANY_REQUESTS,
                        json!({"error": "TooManyFailedAttempts", "description": tr(l, "err-throttled", &[("detail", &secs.to_string())])}),
                    );
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                    r
                }
                AppError::Forbidden(why) => json_response(
                    StatusCode::FORBIDDEN,
                    json!({"error": "Forbidden", "description": tr(l, "err-forbidden", &[("detail", why)])}),
                ),
                AppError::Invalid(errs) => json_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"error": "RecordInvalid", "description": tr(l, "err-record-invalid", &[]), "details": field_details(l, &errs)}),
                ),
                AppError::Conflict(f) => json_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"error": "RecordInvalid", "description": tr(l, "err-record-invalid", &[]), "details": field_details(l, &[f])}),
                ),
                AppError::Store(e) => store_unavailable(&e, l),
                AppError::Internal(e) => {
                    tracing::error!(error = %e, "internal error");
                    json_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        json!({"error": "InternalError", "description": tr(l, "err-internal", &[])}),
                    )
                }
            },
            ApiError::InvalidJson(detail, l) => json_response(
                StatusCode::BAD_REQUEST,
                json!({"error": "InvalidJSON", "description": tr(l, "err-invalid-json", &[("detail", &detail)])}),
            ),
            ApiError::BodyTooLarge(limit, l) => json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"error": "PayloadTooLarge", "description": tr(l, "err-body-too-large", &[("detail", &crate::i18n::size(l, limit as u64))])}),
            ),
            ApiError::Param(name, detail, l) => json_response(
                StatusCode::BAD_REQUEST,
                json!({"error": {"title": "Invalid attribute", "message": tr(l, "err-invalid-parameter", &[("field", name), ("detail", &detail)])},
                       "description": tr(l, "err-invalid-parameter", &[("field", name), ("detail", &detail)]),
                       "details": {name: [{"description": detail, "error": "InvalidValue"}]}}),
            ),
            ApiError::TooManyValues(name, max, l) => json_response(
                StatusCode::BAD_REQUEST,
                json!({"error": "TooManyValues", "description": tr(l, "err-too-many-values", &[("field", name), ("detail", &max.to_string())]), "max_count": max}),
            ),
            ApiError::SearchWindow(l) => json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": "invalid", "description": tr(l, "err-search-window", &[])}),
            ),
            ApiError::RateLimited(secs, l) => {
                let mut r = json_response(
                    StatusCode::TOO_MANY_REQUESTS,
                    json!({"error": "TooManyRequests", "description": tr(l, "err-rate-limited", &[])}),
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
                r
            }
            ApiError::NoEndpoint(l) => json_response(
                StatusCode::NOT_FOUND,
                json!({"error": "InvalidEndpoint", "description": tr(l, "err-invalid-endpoint", &[])}),
            ),
            ApiError::UnsupportedMediaType(l) => json_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!({"error": "UnsupportedMediaType", "description": tr(l, "err-unsupported-media-type", &[])}),
            ),
            ApiError::Method(l) => json_response(
                StatusCode::METHOD_NOT_ALLOWED,
                json!({"error": "MethodNotAllowed", "description": tr(l, "err-method", &[])}),
            ),
        }
    }
}

pub(crate) fn json_ok(status: StatusCode, body: Value) -> Response {
    json_response(status, body)
}
