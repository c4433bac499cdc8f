//! `/api/v2/users…`

use super::double;
use super::tickets::path_id;
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, MaybeCtx, Params};
use crate::render;
use app::model;
use app::people::{NewUser, UserChanges};
use app::{AppError, FieldError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::{EmailAddress, Locale, Phone, Role};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
pub struct UserIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    emails: Option<Vec<String>>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    phones: Option<Vec<String>>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    guichet_role: Option<Role>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default, deserialize_with = "double")]
    organization_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    postal_address: Option<Option<Value>>,
    #[serde(default, deserialize_with = "double")]
    notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    details: Option<Option<String>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    current_password: Option<String>,
    #[serde(default)]
    compensation_limit: Option<f64>,
    #[serde(default)]
    active: Option<bool>,
}

#[derive(Deserialize)]
pub struct UserEnvelope {
    user: UserIn,
}

struct Parsed {
    emails: Option<Vec<EmailAddress>>,
    phones: Option<Vec<Phone>>,
    role: Option<Role>,
    locale: Option<Locale>,
    time_zone: Option<String>,
    tags: Option<Vec<domain::Tag>>,
    postal: Option<Option<String>>,
    limit: Option<i64>,
}

fn parse(u: &UserIn) -> Result<Parsed, AppError> {
    let mut errs = Vec::new();
    let mut emails: Option<Vec<EmailAddress>> = None;
    let raw_emails: Vec<&String> = u.email.iter().chain(u.emails.iter().flatten()).collect();
    if u.email.is_some() || u.emails.is_some() {
        let mut v = Vec::new();
        for e in raw_emails {
            match EmailAddress::parse(e) {
                Ok(x) if !v.contains(&x) => v.push(x),
                Ok(_) => {}
                Err(_) => errs.push(FieldError::new("user.email", "email-invalid", e.clone())),
            }
        }
        emails = Some(v);
    }
    let mut phones = None;
    if u.phone.is_some() || u.phones.is_some() {
        let mut v = Vec::new();
        for p in u.phone.iter().chain(u.phones.iter().flatten()) {
            match Phone::parse(p) {
                Ok(x) if !v.contains(&x) => v.push(x),
                Ok(_) => {}
                Err(e) => errs.push(FieldError::new(
                    "user.phone",
                    "invalid-value",
                    format!("'{p}' {e}"),
                )),
            }
        }
        phones = Some(v);
    }
    // Zendesk's `role` has three values; `guichet_role` is finer and wins.
    let role = match (u.guichet_role, u.role.as_deref()) {
        (Some(r), _) => Some(r),
        (None, None) => None,
        (None, Some("end-user")) => Some(Role::EndUser),
        (None, Some("agent")) => Some(Role::Agent),
        (None, Some("admin")) => Some(Role::Admin),
        (None, Some(other)) => {
            errs.push(FieldError::new(
                "user.role",
                "invalid-value",
                format!("'{other}' (end-user, agent, admin)"),
            ));
            None
        }
    };
    let locale = match &u.locale {
        Some(l) => match Locale::parse(l) {
            Ok(l) => Some(l),
            Err(e) => {
                errs.push(FieldError::new(
                    "user.locale",
                    "invalid-value",
                    format!("'{l}' {e}"),
                ));
                None
            }
        },
        None => None,
    };
    let time_zone = match &u.time_zone {
        Some(t) => match domain::parse_time_zone(t) {
            Ok(t) => Some(t),
            Err(e) => {
                errs.push(FieldError::new(
                    "user.time_zone",
                    "invalid-value",
                    format!("'{t}' {e}"),
                ));
                None
            }
        },
        None => None,
    };
    let tags = match &u.tags {
        Some(t) => match domain::parse_tags(t) {
            Ok(t) => Some(t),
            Err(e) => {
                errs.push(FieldError::new("user.tags", "invalid-value", e.to_string()));
                None
            }
        },
        None => None,
    };
    let postal = u.postal_address.as_ref().map(|p| {
        p.as_ref().map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    });
    let limit = match u.compensation_limit {
        Some(x) if !x.is_finite() || x < 0.0 => {
            errs.push(FieldError::new(
                "user.compensation_limit",
                "negative",
                x.to_string(),
            ));
            None
        }
        Some(x) => Some((x * 100.0).round() as i64),
        None => None,
    };
    if let Some(n) = &u.name
        && n.chars().count() > 255
    {
        errs.push(FieldError::new("user.name", "too-long", "255"));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    Ok(Parsed {
        emails,
        phones,
        role,
        locale,
        time_zone,
        tags,
        postal,
        limit,
    })
}

pub async fn create_user(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<UserEnvelope>,
) -> Result<Response, ApiError> {
    let u = env.user;
    let p = parse(&u).map_err(|e| ctx.err(e))?;
    if u.name.as_deref().is_none_or(|n| n.trim().is_empty())
        && p.emails.as_ref().is_none_or(|e| e.is_empty())
    {
        return Err(ctx.err(AppError::invalid("user.name", "required", "name or email")));
    }
    let new = NewUser {
        name: u.name,
        emails: p.emails.unwrap_or_default(),
        phones: p.phones.unwrap_or_default(),
        role: p.role,
        locale: p.locale,
        time_zone: p.time_zone,
        organization_id: u.organization_id.flatten(),
        external_id: u.external_id.flatten(),
        postal_address: p.postal.flatten(),
        notes: u.notes.flatten(),
        details: u.details.flatten(),
        tags: p.tags.unwrap_or_default(),
        password: u.password,
        compensation_limit_cents: p.limit,
    };
    let v = s
        .app
        .create_user(Some(&ctx.actor), new)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"user": user_for(&ctx.actor, &v, &ctx.base)}),
    ))
}

pub async fn update_user(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<UserEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    apply_update(s, ctx, id, env.user).await
}

/// `PUT /users/me`: the caller's own profile (the route has no id to extract).
pub async fn update_me(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<UserEnvelope>,
) -> Result<Response, ApiError> {
    let id = ctx.actor.user_id;
    apply_update(s, ctx, id, env.user).await
}

async fn apply_update(s: AppState, ctx: Ctx, id: i64, u: UserIn) -> Result<Response, ApiError> {
    let p = parse(&u).map_err(|e| ctx.err(e))?;
    let ch = UserChanges {
        name: u.name,
        emails: p.emails,
        phones: p.phones,
        role: p.role,
        locale: p.locale,
        time_zone: p.time_zone,
        organization_id: u.organization_id,
        external_id: u.external_id,
        postal_address: p.postal,
        notes: u.notes,
        details: u.details,
        tags: p.tags,
        password: u.password,
        current_password: u.current_password,
        compensation_limit_cents: p.limit,
        active: u.active,
    };
    let v = s
        .app
        .update_user(&ctx.actor, id, ch)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"user": user_for(&ctx.actor, &v, &ctx.base)}),
    ))
}

/// A user in the caller's audience: a customer sees their own profile without the staff's
/// notes, details, tags or external id.
fn user_for(actor: &app::Actor, v: &app::people::UserView, base: &str) -> Value {
    if actor.role.is_staff() {
        render::user(v, base)
    } else {
        render::user_end_user(v, base)
    }
}

pub async fn show_user(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let v = s
        .app
        .get_user(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"user": user_for(&ctx.actor, &v, &ctx.base)}),
    ))
}

pub async fn delete_user(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let v = s
        .app
        .deactivate_user(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"user": user_for(&ctx.actor, &v, &ctx.base)}),
    ))
}

/// Zendesk answers 200 with an anonymous user when credentials are missing or wrong.
pub async fn me(State(s): State<AppState>, ctx: MaybeCtx) -> Result<Response, ApiError> {
    match ctx.actor {
        Some(a) => {
            let v = s
                .app
                .me(&a)
                .await
                .map_err(|e| ApiError::App(e, ctx.locale))?;
            Ok(json_ok(
                StatusCode::OK,
                json!({"user": user_for(&a, &v, &ctx.base)}),
            ))
        }
        None => Ok(json_ok(
            StatusCode::OK,
            json!({"user": {"id": null, "name": "Anonymous user", "email": "invalid@example.com", "role": "end-user", "locale": ctx.locale.as_str(), "active": true}}),
        )),
    }
}

pub async fn list_users(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let path = "/api/v2/users.json";
    match super::paging(&p, ctx.locale)? {
        super::Paging::Cursor { size, after, .. } => {
            let mut v = s
                .app
                .list_users(&ctx.actor, after.unwrap_or(0), size + 1)
                .await
                .map_err(|e| ctx.err(e))?;
            let more = v.len() as i64 > size;
            v.truncate(size as usize);
            let items = v.iter().map(|u| render::user(u, &ctx.base)).collect();
            Ok(json_ok(
                StatusCode::OK,
                super::cursor_body(
                    "users",
                    items,
                    v.first().map(|u| u.user.id),
                    v.last().map(|u| u.user.id),
                    more,
                    size,
                    &ctx.base,
                    path,
                    &p,
                ),
            ))
        }
        super::Paging::Offset { page, per_page } => {
            // Offset over ids: skip whole pages by walking the keyset.
            ctx.actor.require_staff().map_err(|e| ctx.err(e))?;
            let all = s
                .app
                .count_users(&ctx.actor)
                .await
                .map_err(|e| ctx.err(e))?;
            let (rows, _) = s
                .app
                .search_users(&ctx.actor, "", per_page, (page - 1) * per_page)
                .await
                .map_err(|e| ctx.err(e))?;
            let items = rows.iter().map(|u| render::user(u, &ctx.base)).collect();
            Ok(json_ok(
                StatusCode::OK,
                super::offset_body("users", items, all, page, per_page, &ctx.base, path, &p),
            ))
        }
    }
}

pub async fn search_users(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let path = "/api/v2/users/search.json";
    if let Some(ext) = p.get("external_id") {
        let v = s
            .app
            .user_by_external_id(&ctx.actor, ext)
            .await
            .map_err(|e| ctx.err(e))?;
        let n = v.len() as i64;
        let items = v.iter().map(|u| render::user(u, &ctx.base)).collect();
        return Ok(json_ok(
            StatusCode::OK,
            super::offset_body("users", items, n, 1, 100, &ctx.base, path, &p),
        ));
    }
    let q = p.get("query").unwrap_or("");
    let (page, per_page) = match super::paging(&p, ctx.locale)? {
        super::Paging::Offset { page, per_page } => (page, per_page),
        super::Paging::Cursor { size, .. } => (1, size),
    };
    let (v, n) = s
        .app
        .search_users(&ctx.actor, q, per_page, (page - 1) * per_page)
        .await
        .map_err(|e| ctx.err(e))?;
    let items = v.iter().map(|u| render::user(u, &ctx.base)).collect();
    Ok(json_ok(
        StatusCode::OK,
        super::offset_body("users", items, n, page, per_page, &ctx.base, path, &p),
    ))
}

pub async fn show_many_users(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let ids = p.ids("ids", 100, ctx.locale)?;
    let mut items = Vec::new();
    for id in ids {
        match s.app.get_user(&ctx.actor, id).await {
            Ok(v) => items.push(user_for(&ctx.actor, &v, &ctx.base)),
            Err(AppError::NotFound(_)) => {}
            Err(e) => return Err(ctx.err(e)),
        }
    }
    let n = items.len();
    Ok(json_ok(
        StatusCode::OK,
        json!({"users": items, "next_page": null, "previous_page": null, "count": n}),
    ))
}

fn api_token(t: &model::ApiToken, base: &str) -> Value {
    json!({
        "id": t.id,
        "url": format!("{base}/api/v2/api_tokens/{}.json", t.id),
        "user_id": t.user_id,
        "description": t.name,
        "created_at": render::ts(t.created_at),
        "last_used_at": render::ts_opt(t.last_used_at),
        "expires_at": render::ts_opt(t.expires_at),
        "active": true,
    })
}

/// `GET /api_tokens`: the caller's own tokens; an administrator sees every token, or one
/// user's with `user_id`. Never the token values (only their SHA-256 is stored).
pub async fn list_tokens(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let user = p.int("user_id", ctx.locale)?;
    let v = s
        .app
        .list_tokens(&ctx.actor, user)
        .await
        .map_err(|e| ctx.err(e))?;
    let items: Vec<Value> = v.iter().map(|t| api_token(t, &ctx.base)).collect();
    let n = items.len();
    Ok(json_ok(
        StatusCode::OK,
        json!({"api_tokens": items, "count": n, "next_page": null, "previous_page": null}),
    ))
}

/// `DELETE /api_tokens/{id}`: revoke a token (its owner or an administrator); 204.
pub async fn revoke_token(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .revoke_token(Some(&ctx.actor), id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(axum::response::IntoResponse::into_response(
        StatusCode::NO_CONTENT,
    ))
}
