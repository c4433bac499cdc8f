//! Zendesk's article attachments API (issue 17, `app::kb` files): an article's pictures
//! (`inline: true`, referenced in its body by their `content_url`) and attachments (listed
//! under it). Uploads are multipart forms with a `file` part and an `inline` part, as zenpy
//! sends them; a file may be uploaded before its article and linked to it later
//! (`articles/{id}/bulk_attachments` with `attachment_ids`). Whoever may read an article
//! may read its files; agents upload and delete them.

use super::help_center::{HcPath, envelope, err, id_of, slice};
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, MaybeCtx, Params};
use crate::render::ts;
use app::kb::KbFile;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Locale;
use serde::Deserialize;
use serde_json::{Value, json};

fn file_json(f: &KbFile, base: &str) -> Value {
    json!({
        "id": f.id,
        "url": format!("{base}/api/v2/help_center/articles/attachments/{}.json", f.id),
        "article_id": f.article_id,
        "file_name": f.file_name,
        "display_file_name": f.file_name,
        "content_url": format!("{base}{}", crate::browser::kb_file_path(f.id, &f.file_name)),
        "relative_path": crate::browser::kb_file_path(f.id, &f.file_name),
        "content_type": f.content_type,
        "size": f.size,
        "inline": f.inline,
        "created_at": ts(f.created_at),
        "updated_at": ts(f.updated_at),
    })
}

async fn list(
    s: AppState,
    m: MaybeCtx,
    path: HcPath,
    p: Params,
    inline: Option<bool>,
    suffix: &str,
) -> Result<Response, ApiError> {
    let id = id_of(&path, m.locale, "article")?;
    let files = s
        .app
        .kb_files(m.actor.as_ref(), id, inline)
        .await
        .map_err(err(m.locale))?;
    let ids: Vec<i64> = files.iter().map(|f| f.id).collect();
    let (page, sl) = slice(&ids, &p, m.locale)?;
    let items = page
        .iter()
        .filter_map(|fid| files.iter().find(|f| f.id == *fid))
        .map(|f| (f.id, file_json(f, &m.base)))
        .collect();
    let url = format!("/api/v2/help_center/articles/{id}/attachments{suffix}.json");
    Ok(json_ok(
        StatusCode::OK,
        envelope("article_attachments", items, sl, &m.base, &url, &p),
    ))
}

/// `GET articles/{id}/attachments`: every file of the article.
pub async fn list_files(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    list(s, m, path, p, None, "").await
}

/// `GET articles/{id}/attachments/inline`: the pictures shown in its text.
pub async fn list_inline(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    list(s, m, path, p, Some(true), "/inline").await
}

/// `GET articles/{id}/attachments/block`: the files listed under it.
pub async fn list_block(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    list(s, m, path, p, Some(false), "/block").await
}

/// `GET articles/attachments/{id}`.
pub async fn show_file(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, m.locale, "attachment")?;
    let f = s
        .app
        .kb_file(m.actor.as_ref(), id)
        .await
        .map_err(err(m.locale))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"article_attachment": file_json(&f, &m.base)}),
    ))
}

/// A multipart upload's `file` (name, declared type, bytes) and `inline` parts.
async fn read_upload(
    s: &AppState,
    req: Request,
    l: Locale,
) -> Result<(String, Option<String>, Vec<u8>, bool), ApiError> {
    let limit = s.app.config.max_attachment_bytes;
    let field = |d: String| ApiError::Param("file", d, l);
    let (parts, body) = req.into_parts();
    // The whole form within the file limit (plus room for the parts' headers).
    let bytes = axum::body::to_bytes(body, limit + 64 * 1024)
        .await
        .map_err(|_| ApiError::BodyTooLarge(limit, l))?;
    let req = Request::from_parts(parts, axum::body::Body::from(bytes));
    let all = crate::browser::multipart_parts(req)
        .await
        .map_err(|e| field(format!("a multipart form with a file part: {e}")))?;
    let mut file = None;
    let mut inline = false;
    for part in all {
        match part.name.as_str() {
            "file" => {
                file = Some((
                    part.file_name.unwrap_or_default(),
                    part.content_type,
                    part.data,
                ));
            }
            "inline" => {
                inline = match part.text().map(str::trim) {
                    Some("true" | "1") => true,
                    Some("false" | "0" | "") => false,
                    other => {
                        return Err(ApiError::Param(
                            "inline",
                            format!("true or false, not {:?}", other.unwrap_or("?")),
                            l,
                        ));
                    }
                };
            }
            _ => {}
        }
    }
    let (name, ctype, data) =
        file.ok_or_else(|| field("required: a part named \"file\"".to_string()))?;
    Ok((name, ctype, data, inline))
}

async fn create(
    s: AppState,
    ctx: Ctx,
    article: Option<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    let (name, ctype, data, inline) = read_upload(&s, req, ctx.locale).await?;
    let f = match s
        .app
        .kb_upload(&ctx.actor, article, &name, ctype.as_deref(), &data, inline)
        .await
    {
        Ok(f) => f,
        Err(e) => return Ok(super::uploads::error_response(e, &ctx)),
    };
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"article_attachment": file_json(&f, &ctx.base)}),
    ))
}

/// `POST articles/{id}/attachments` (multipart `file`, `inline`).
pub async fn create_file(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    req: Request,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "article")?;
    create(s, ctx, Some(id), req).await
}

/// `POST articles/attachments`: a file for an article to come.
pub async fn create_unassociated(
    State(s): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, ApiError> {
    create(s, ctx, None, req).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkIn {
    attachment_ids: Vec<i64>,
}

/// `POST articles/{id}/bulk_attachments` `{"attachment_ids": [..]}`: link files uploaded
/// before the article (at most 20; all or none).
pub async fn bulk_link(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    Body(b): Body<BulkIn>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "article")?;
    let files = s
        .app
        .kb_link_files(&ctx.actor, id, &b.attachment_ids)
        .await
        .map_err(|e| ctx.err(e))?;
    let items: Vec<Value> = files.iter().map(|f| file_json(f, &ctx.base)).collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"article_attachments": items}),
    ))
}

/// `DELETE articles/attachments/{id}`.
pub async fn delete_file(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "attachment")?;
    s.app
        .kb_delete_file(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
