//! `/api/v2/organizations…`

use super::tickets::path_id;
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, Params};
use crate::render;
use app::AppError;
use app::model;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default, Clone)]
pub struct OrgIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "super::double")]
    external_id: Option<Option<String>>,
    #[serde(default)]
    domain_names: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::double")]
    details: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::double")]
    notes: Option<Option<String>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    /// Members see one another's cases in the portal.
    #[serde(default)]
    shared_tickets: Option<bool>,
}

#[derive(Deserialize)]
pub struct OrgEnvelope {
    organization: OrgIn,
}

#[derive(Deserialize)]
pub struct OrgsEnvelope {
    organizations: Vec<OrgIn>,
}

fn tags(v: &Option<Vec<String>>) -> Result<Option<String>, AppError> {
    match v {
        None => Ok(None),
        Some(t) => domain::parse_tags(t)
            .map(|t| Some(t.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" ")))
            .map_err(|e| AppError::invalid("organization.tags", "invalid-value", e.to_string())),
    }
}

fn data(o: &OrgIn) -> Result<model::OrgFields, AppError> {
    Ok(model::OrgFields {
        name: o
            .name
            .clone()
            .ok_or_else(|| AppError::invalid("organization.name", "required", "name"))?,
        external_id: o.external_id.clone().flatten(),
        domain_names: serde_json::to_string(&o.domain_names.clone().unwrap_or_default())
            .unwrap_or_else(|_| "[]".into()),
        details: o.details.clone().flatten(),
        notes: o.notes.clone().flatten(),
        tags: tags(&o.tags)?.unwrap_or_default(),
        shared_tickets: o.shared_tickets.unwrap_or(false),
    })
}

pub async fn create_org(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<OrgEnvelope>,
) -> Result<Response, ApiError> {
    let d = data(&env.organization).map_err(|e| ctx.err(e))?;
    let o = s
        .app
        .create_org(&ctx.actor, d)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"organization": render::org(&o, &ctx.base)}),
    ))
}

pub async fn create_many_orgs(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<OrgsEnvelope>,
) -> Result<Response, ApiError> {
    if env.organizations.len() > app::cases::jobs::MAX_BATCH {
        return Err(ApiError::TooManyValues(
            "organizations",
            app::cases::jobs::MAX_BATCH,
            ctx.locale,
        ));
    }
    let mut results = Vec::new();
    for (i, o) in env.organizations.iter().enumerate() {
        let r = match data(o) {
            Ok(d) => s.app.create_org(&ctx.actor, d).await,
            Err(e) => Err(e),
        };
        match r {
            Ok(o) => results.push(json!({"index": i, "id": o.id, "status": "Created"})),
            Err(e @ (AppError::Forbidden(_) | AppError::Store(_))) => return Err(ctx.err(e)),
            Err(e) => results.push(json!({"index": i, "status": "Failed", "error": e.to_string()})),
        }
    }
    let n = results.len();
    Ok(json_ok(
        StatusCode::OK,
        json!({"job_status": {"id": null, "status": "completed", "total": n, "progress": n, "results": results}}),
    ))
}

pub async fn show_org(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let o = s
        .app
        .get_org(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"organization": org_for(&ctx, &o)}),
    ))
}

/// An organisation in the caller's audience (a member who is an end user sees its name).
fn org_for(ctx: &Ctx, o: &model::Org) -> Value {
    if ctx.actor.role.is_staff() {
        render::org(o, &ctx.base)
    } else {
        render::org_end_user(o, &ctx.base)
    }
}

pub async fn update_org(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<OrgEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let o = env.organization;
    let t = tags(&o.tags).map_err(|e| ctx.err(e))?;
    let row = s
        .app
        .update_org(&ctx.actor, id, |d| {
            if let Some(n) = o.name {
                d.name = n;
            }
            if let Some(x) = o.shared_tickets {
                d.shared_tickets = x;
            }
            if let Some(x) = o.external_id {
                d.external_id = x;
            }
            if let Some(x) = o.domain_names {
                d.domain_names = serde_json::to_string(&x).unwrap_or_else(|_| "[]".into());
            }
            if let Some(x) = o.details {
                d.details = x;
            }
            if let Some(x) = o.notes {
                d.notes = x;
            }
            if let Some(x) = t {
                d.tags = x;
            }
        })
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"organization": render::org(&row, &ctx.base)}),
    ))
}

pub async fn delete_org(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .delete_org(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list_orgs(
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
        .list_orgs(&ctx.actor, after.unwrap_or(0), size + 1)
        .await
        .map_err(|e| ctx.err(e))?;
    let more = v.len() as i64 > size;
    v.truncate(size as usize);
    let items = v.iter().map(|o| render::org(o, &ctx.base)).collect();
    Ok(json_ok(
        StatusCode::OK,
        super::cursor_body(
            "organizations",
            items,
            v.first().map(|o| o.id),
            v.last().map(|o| o.id),
            more,
            size,
            &ctx.base,
            "/api/v2/organizations.json",
            &p,
        ),
    ))
}

pub async fn show_many_orgs(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let ids = p.ids("ids", 100, ctx.locale)?;
    let mut items = Vec::new();
    for id in ids {
        match s.app.get_org(&ctx.actor, id).await {
            Ok(o) => items.push(org_for(&ctx, &o)),
            Err(AppError::NotFound(_)) => {}
            Err(e) => return Err(ctx.err(e)),
        }
    }
    let n = items.len();
    Ok(json_ok(
        StatusCode::OK,
        json!({"organizations": items, "next_page": null, "previous_page": null, "count": n}),
    ))
}

pub async fn search_orgs(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let v = match (p.get("external_id"), p.get("name")) {
        (Some(ext), _) => s.app.org_by_external_id(&ctx.actor, ext).await,
        (None, Some(name)) => s.app.org_by_name(&ctx.actor, name).await,
        (None, None) => {
            return Err(ApiError::Param(
                "external_id",
                "external_id or name is required".into(),
                ctx.locale,
            ));
        }
    }
    .map_err(|e| ctx.err(e))?;
    let n = v.len();
    Ok(json_ok(
        StatusCode::OK,
        json!({"organizations": v.iter().map(|o| render::org(o, &ctx.base)).collect::<Vec<_>>(), "next_page": null, "previous_page": null, "count": n}),
    ))
}
