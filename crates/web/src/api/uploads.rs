//! `/api/v2/uploads` and `/api/v2/attachments`: Zendesk's two-step attachment flow. The raw
//! file is posted to `uploads?filename=…` (optionally `&token=…` to add to an earlier
//! upload), the returned token goes into a comment's `uploads`, and the content is fetched
//! with the caller's credentials from `attachments/{id}/content`.

use crate::AppState;
use crate::api::tickets::path_id;
use crate::error::{ApiError, json_ok};
use crate::extract::{Ctx, Params};
use crate::render;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::json;

/// An upload's refusal: over the hourly quota, 429 with the field error and when to come
/// back; anything else as usual.
pub fn error_response(e: app::AppError, ctx: &Ctx) -> Response {
    let secs = app::cases::attachments::quota_retry_secs(&e);
    let mut r = ctx.err(e).into_response();
    if let Some(secs) = secs {
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        r.headers_mut()
            .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
    }
    r
}

pub async fn upload(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let Some(name) = p.get("filename").filter(|n| !n.trim().is_empty()) else {
        return Err(ApiError::Param("filename", "required".into(), ctx.locale));
    };
    let limit = s.app.config.max_attachment_bytes;
    let data = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::BodyTooLarge(limit, ctx.locale))?;
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let up = match s
        .app
        .upload(&ctx.actor, name, ctype, &data, p.get("token"))
        .await
    {
        Ok(up) => up,
        Err(e) => return Ok(error_response(e, &ctx)),
    };
    let body = json!({"upload": {
        "token": up.token,
        "expires_at": render::ts(up.expires_at),
        "attachment": render::attachment(&up.attachment, &ctx.base),
        "attachments": up.all.iter().map(|a| render::attachment(a, &ctx.base)).collect::<Vec<_>>(),
    }});
    Ok(json_ok(StatusCode::CREATED, body))
}

pub async fn delete_upload(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    s.app
        .delete_upload(&ctx.actor, &token)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn show_attachment(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let a = s
        .app
        .attachment(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"attachment": render::attachment(&a, &ctx.base)}),
    ))
}

/// Types a browser may show in place; everything else downloads.
const INLINE: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
];

pub async fn attachment_content(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let (a, data) = s
        .app
        .attachment_content(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let inline = INLINE.contains(&a.content_type.as_str());
    let ascii: String = a
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(&a.file_name, NON_ALPHANUMERIC)
    );
    let mut r = data.into_response();
    let h = r.headers_mut();
    let ctype = if a.content_type == "text/plain" {
        "text/plain; charset=utf-8".to_string()
    } else {
        a.content_type.clone()
    };
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ctype)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", a.sha256)) {
        h.insert(header::ETAG, v);
    }
    Ok(r)
}
