//! `/api/v2/groups…` (Guichet teams) and group memberships.

use super::tickets::path_id;
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, Params};
use crate::render;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct GroupIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_public: Option<bool>,
}

#[derive(Deserialize)]
pub struct GroupEnvelope {
    group: GroupIn,
}

pub async fn create_group(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<GroupEnvelope>,
) -> Result<Response, ApiError> {
    let g = env.group;
    let t = s
        .app
        .create_team(
            &ctx.actor,
            g.name.as_deref().unwrap_or(""),
            g.description.as_deref().unwrap_or(""),
            g.is_public.unwrap_or(true),
        )
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"group": render::group(&t, &ctx.base)}),
    ))
}

pub async fn show_group(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let t = s
        .app
        .get_team(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"group": render::group(&t, &ctx.base)}),
    ))
}

pub async fn update_group(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<GroupEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let g = env.group;
    let t = s
        .app
        .update_team(&ctx.actor, id, g.name, g.description, g.is_public)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"group": render::group(&t, &ctx.base)}),
    ))
}

pub async fn delete_group(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .delete_team(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list_groups(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let (size, after) = match super::paging(&p, ctx.locale)? {
        super::Paging::Cursor { size, after, .. } => (size, after),
        super::Paging::Offset { per_page, .. } => (per_page, None),
    };
    let mut v = s
        .app
        .list_teams(&ctx.actor, after.unwrap_or(0), size + 1)
        .await
        .map_err(|e| ctx.err(e))?;
    let more = v.len() as i64 > size;
    v.truncate(size as usize);
    let items = v.iter().map(|t| render::group(t, &ctx.base)).collect();
    Ok(json_ok(
        StatusCode::OK,
        super::cursor_body(
            "groups",
            items,
            v.first().map(|t| t.id),
            v.last().map(|t| t.id),
            more,
            size,
            &ctx.base,
            "/api/v2/groups.json",
            &p,
        ),
    ))
}

pub async fn group_users(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let v = s
        .app
        .team_members(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let n = v.len();
    Ok(json_ok(
        StatusCode::OK,
        json!({"users": v.iter().map(|u| render::user(u, &ctx.base)).collect::<Vec<_>>(), "next_page": null, "previous_page": null, "count": n}),
    ))
}

#[derive(Deserialize)]
pub struct MembershipIn {
    user_id: i64,
    group_id: i64,
}

#[derive(Deserialize)]
pub struct MembershipEnvelope {
    group_membership: MembershipIn,
}

pub async fn create_membership(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<MembershipEnvelope>,
) -> Result<Response, ApiError> {
    let m = env.group_membership;
    s.app
        .add_team_member(&ctx.actor, m.group_id, m.user_id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"group_membership": {"user_id": m.user_id, "group_id": m.group_id, "default": false}}),
    ))
}
