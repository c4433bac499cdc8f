//! `/api/v2/categories…`: the case category tree (Guichet's own resource; Zendesk has no
//! equivalent for tickets). Each category carries its `path` from the root.

use super::double;
use super::tickets::path_id;
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx};
use crate::render;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "double")]
    parent_id: Option<Option<i64>>,
}

#[derive(Deserialize)]
pub struct CategoryEnvelope {
    category: CategoryIn,
}

pub async fn list_categories(State(s): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let all = s.app.categories(&ctx.actor).await.map_err(|e| ctx.err(e))?;
    let items: Vec<_> = all.iter().map(|c| render::category(c, &ctx.base)).collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"categories": items, "count": all.len(), "next_page": null, "previous_page": null}),
    ))
}

pub async fn create_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<CategoryEnvelope>,
) -> Result<Response, ApiError> {
    let c = env.category;
    let v = s
        .app
        .create_category(
            &ctx.actor,
            c.name.as_deref().unwrap_or(""),
            c.parent_id.flatten(),
        )
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"category": render::category(&v, &ctx.base)}),
    ))
}

pub async fn show_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let v = s
        .app
        .category(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"category": render::category(&v, &ctx.base)}),
    ))
}

pub async fn update_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<CategoryEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let c = env.category;
    let v = s
        .app
        .update_category(&ctx.actor, id, c.name.as_deref(), c.parent_id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"category": render::category(&v, &ctx.base)}),
    ))
}

pub async fn delete_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .delete_category(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
