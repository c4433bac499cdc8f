//! Zendesk's Requests API (issue 17): the requester's own view of their tickets, as the
//! portal shows them (`app::portal`): public comments only, the customer allow-list of
//! fields, `can_be_solved_by_me`. Any signed-in user calls it for the requests they made
//! (an agent's own requests too); `PUT` changes only `comment` and `solved`.

use super::tickets::{CommentIn, comment, path_id};
use super::{Paging, offset_body, paging};
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, MaybeCtx, Params};
use crate::render;
use app::AppError;
use app::cases::CustomerMove;
use app::portal::{PortalCase, PortalItem, PortalScope, Viewer};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// Most requests one page lists (Zendesk's `per_page` cap).
const MAX_PER_PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct RequestIn {
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    comment: Option<CommentIn>,
    /// `true`: the requester marks it solved (when `can_be_solved_by_me`).
    #[serde(default)]
    solved: Option<bool>,
    /// A closed request this one follows up (Zendesk's `via_followup_source_id`).
    #[serde(default)]
    via_followup_source_id: Option<i64>,
    /// Anonymous requests only: who asks.
    #[serde(default)]
    requester: Option<AnonymousRequester>,
}

#[derive(Deserialize, Default)]
pub struct AnonymousRequester {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
pub struct RequestEnvelope {
    request: RequestIn,
}

fn offset(p: &Params, ctx: &Ctx) -> Result<(i64, i64), ApiError> {
    match paging(p, ctx.locale)? {
        Paging::Offset { page, per_page } => Ok((page, per_page.min(MAX_PER_PAGE))),
        // Requests page by offset in Zendesk; a cursor request gets the first page.
        Paging::Cursor { size, .. } => Ok((1, size.min(MAX_PER_PAGE))),
    }
}

async fn list(
    s: &AppState,
    ctx: &Ctx,
    p: &Params,
    open_only: bool,
    solved_only: bool,
    path: &str,
) -> Result<Response, ApiError> {
    let (page, per_page) = offset(p, ctx)?;
    let v = Viewer::from(&ctx.actor);
    if solved_only {
        // Solved and closed requests: through the search, which filters by status.
        return search_page(s, ctx, p, "status>=solved", page, per_page, path).await;
    }
    let l = s
        .app
        .portal_cases(
            &v,
            PortalScope::Mine,
            open_only,
            (page - 1) * per_page,
            per_page,
        )
        .await
        .map_err(|e| ctx.err(e))?;
    let items = l
        .cases
        .iter()
        .map(|i| render::request(&i.case, i.can_be_solved_by_me, &ctx.base))
        .collect();
    Ok(json_ok(
        StatusCode::OK,
        offset_body(
            "requests", items, l.total, page, per_page, &ctx.base, path, p,
        ),
    ))
}

/// `GET /requests`: the caller's requests, newest activity first.
pub async fn list_requests(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    list(&s, &ctx, &p, false, false, "/api/v2/requests.json").await
}

/// `GET /requests/open`: those still in progress (new, open, pending, on hold).
pub async fn open_requests(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    list(&s, &ctx, &p, true, false, "/api/v2/requests/open.json").await
}

/// `GET /requests/solved`: solved and closed ones.
pub async fn solved_requests(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    list(&s, &ctx, &p, false, true, "/api/v2/requests/solved.json").await
}

/// `GET /requests/ccd`: requests the caller is copied on. Guichet has no copies on cases
/// yet, so the list is empty (and says so with `count: 0`).
pub async fn ccd_requests(ctx: Ctx, p: Params) -> Result<Response, ApiError> {
    let (page, per_page) = offset(&p, &ctx)?;
    Ok(json_ok(
        StatusCode::OK,
        offset_body(
            "requests",
            vec![],
            0,
            page,
            per_page,
            &ctx.base,
            "/api/v2/requests/ccd.json",
            &p,
        ),
    ))
}

/// `GET /requests/search?query=…&status=open,hold`: the caller's requests whose public
/// text matches (never an internal note), offset pages of at most 100.
pub async fn search_requests(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let (page, per_page) = offset(&p, &ctx)?;
    let mut q = p.get("query").unwrap_or("").to_string();
    if let Some(st) = p.get("status").filter(|x| !x.is_empty()) {
        let wanted: Vec<&str> = st.split(',').map(str::trim).collect();
        let open = ["new", "open", "pending", "hold"];
        let cond = if wanted.iter().all(|w| open.contains(w)) && wanted.len() > 1 {
            "status<solved".to_string()
        } else {
            format!("status:{}", wanted[0])
        };
        q = format!("{q} {cond}");
    }
    search_page(
        &s,
        &ctx,
        &p,
        &q,
        page,
        per_page,
        "/api/v2/requests/search.json",
    )
    .await
}

async fn search_page(
    s: &AppState,
    ctx: &Ctx,
    p: &Params,
    query: &str,
    page: i64,
    per_page: i64,
    path: &str,
) -> Result<Response, ApiError> {
    let v = Viewer::from(&ctx.actor);
    let (items, n) = s
        .app
        .search_requests(&v, query, per_page, (page - 1) * per_page)
        .await
        .map_err(|e| ctx.err(e))?;
    let items = items
        .iter()
        .map(|i: &PortalItem| render::request(&i.case, i.can_be_solved_by_me, &ctx.base))
        .collect();
    Ok(json_ok(
        StatusCode::OK,
        offset_body("requests", items, n, page, per_page, &ctx.base, path, p),
    ))
}

fn one(pc: &PortalCase, base: &str) -> Value {
    json!({"request": render::request(&pc.case, pc.can_mark_solved, base)})
}

pub async fn show_request(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let pc = s
        .app
        .portal_case(&Viewer::from(&ctx.actor), id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(StatusCode::OK, one(&pc, &ctx.base)))
}

/// `GET /requests/{id}/comments`: the public thread, oldest first.
pub async fn request_comments(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    p: Params,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let (page, per_page) = offset(&p, &ctx)?;
    let pc = s
        .app
        .portal_case(&Viewer::from(&ctx.actor), id)
        .await
        .map_err(|e| ctx.err(e))?;
    let n = pc.thread.len() as i64;
    let items = pc
        .thread
        .iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
        .map(|m| render::request_comment(m, pc.html_bodies.get(&m.id), &ctx.base))
        .collect();
    let path = format!("/api/v2/requests/{id}/comments.json");
    Ok(json_ok(
        StatusCode::OK,
        offset_body("comments", items, n, page, per_page, &ctx.base, &path, &p),
    ))
}

/// `POST /requests`: a new request by the caller (a follow-up of a closed one with
/// `via_followup_source_id`); without credentials, when the administrator allows anonymous
/// requests, for the `requester` named in the body (rate limited like the contact form).
pub async fn create_request(
    State(s): State<AppState>,
    maybe: MaybeCtx,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Body(env): Body<RequestEnvelope>,
) -> Result<Response, ApiError> {
    let r = env.request;
    let c = comment(&r.comment, &None).unwrap_or_default();
    let Some(actor) = maybe.actor else {
        let who = r.requester.unwrap_or_default();
        let pc = app::auth::CLIENT_IP
            .scope(
                peer.ip(),
                s.app.anonymous_request(
                    &who.name,
                    &who.email,
                    r.subject.as_deref().unwrap_or(""),
                    &c.body,
                ),
            )
            .await
            .map_err(|e| ApiError::App(rename(e), maybe.locale))?;
        return Ok(json_ok(StatusCode::CREATED, one(&pc, &maybe.base)));
    };
    let ctx = Ctx {
        actor,
        locale: maybe.locale,
        base: maybe.base,
    };
    let out = s
        .app
        .portal_new_case(
            &Viewer::from(&ctx.actor),
            r.subject.as_deref().unwrap_or(""),
            &c.body,
            c.uploads,
            r.via_followup_source_id,
        )
        .await
        .map_err(|e| ctx.err(rename(e)))?;
    let pc = s
        .app
        .portal_case(&Viewer::from(&ctx.actor), out.case.id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(StatusCode::CREATED, one(&pc, &ctx.base)))
}

/// `PUT /requests/{id}`: a comment and/or `solved: true`; nothing else changes.
pub async fn update_request(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<RequestEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let r = env.request;
    let c = comment(&r.comment, &None).unwrap_or_default();
    let mv = match r.solved {
        Some(true) => Some(CustomerMove::Solved),
        _ => None,
    };
    let v = Viewer::from(&ctx.actor);
    s.app
        .portal_update(&v, id, &c.body, c.uploads, mv)
        .await
        .map_err(|e| ctx.err(rename(e)))?;
    let pc = s.app.portal_case(&v, id).await.map_err(|e| ctx.err(e))?;
    Ok(json_ok(StatusCode::OK, one(&pc, &ctx.base)))
}

/// The use case's field names as the wire's (`comment.body` → `request.comment.body`).
fn rename(e: AppError) -> AppError {
    e.rename_fields(|f| match f {
        "subject" | "follow_up_of" | "comment" | "comment.body" | "comment.uploads"
        | "requester.email" | "requester.name" => Some(match f {
            "follow_up_of" => "request.via_followup_source_id".to_string(),
            other => format!("request.{other}"),
        }),
        _ => None,
    })
}
