//! `/api/v2/search` and `/api/v2/search/count` (reference 1.4 D).

use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Ctx, Params};
use crate::render;
use app::cases::search::{Hit, SortSpec, parse_sort_key};
use app::model;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// Zendesk serves at most the first 1000 results of a search.
const WINDOW: i64 = 1000;

fn hit(h: &Hit, base: &str) -> Value {
    let (mut v, t) = match h {
        Hit::Ticket(c) => (render::ticket(c, base), "ticket"),
        Hit::User(u) => (render::user(u, base), "user"),
        Hit::Organization(o) => (render::org(o, base), "organization"),
        Hit::Group(g) => (render::group(g, base), "group"),
    };
    v["result_type"] = json!(t);
    v
}

/// Hits in the caller's audience: a customer's tickets use the end-user view.
async fn hits_for(s: &AppState, ctx: &Ctx, hits: &[Hit]) -> Result<Vec<Value>, ApiError> {
    if ctx.actor.role.is_staff() {
        return Ok(hits.iter().map(|h| hit(h, &ctx.base)).collect());
    }
    let rows: Vec<model::Case> = hits
        .iter()
        .filter_map(|h| match h {
            Hit::Ticket(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let mut out = super::tickets::tickets_for(s, ctx, &rows).await?;
    for v in &mut out {
        v["result_type"] = json!("ticket");
    }
    Ok(out)
}

pub async fn search(State(s): State<AppState>, ctx: Ctx, p: Params) -> Result<Response, ApiError> {
    if p.get("page[size]").is_some() {
        return Err(ApiError::Param(
            "page",
            "page must be an integer (search uses offset pagination)".into(),
            ctx.locale,
        ));
    }
    let query = p.get("query").unwrap_or("");
    let page = p.int("page", ctx.locale)?.unwrap_or(1);
    let per_page = p.int("per_page", ctx.locale)?.unwrap_or(100);
    if page < 1 || !(1..=100).contains(&per_page) {
        return Err(ApiError::Param(
            "per_page",
            "page ≥ 1 and per_page between 1 and 100".into(),
            ctx.locale,
        ));
    }
    // `page` is bounded before any arithmetic: a huge page would overflow the offset.
    if page > WINDOW || (page - 1) * per_page >= WINDOW {
        return Err(ApiError::SearchWindow(ctx.locale));
    }
    let sort = SortSpec {
        by: match p.get("sort_by") {
            None => None,
            Some(v) => Some(
                parse_sort_key(v)
                    .ok_or_else(|| ApiError::Param("sort_by", format!("'{v}'"), ctx.locale))?,
            ),
        },
        dir: match p.get("sort_order") {
            None => None,
            Some("asc") => Some(model::Direction::Asc),
            Some("desc") => Some(model::Direction::Desc),
            Some(v) => {
                return Err(ApiError::Param(
                    "sort_order",
                    format!("'{v}' (asc, desc)"),
                    ctx.locale,
                ));
            }
        },
    };
    let limit = per_page.min(WINDOW - (page - 1) * per_page);
    let (hits, count) = s
        .app
        .search(&ctx.actor, query, sort, limit, (page - 1) * per_page)
        .await
        .map_err(|e| ctx.err(e))?;
    let items = hits_for(&s, &ctx, &hits).await?;
    let mut body = super::offset_body(
        "results",
        items,
        count.min(WINDOW),
        page,
        per_page,
        &ctx.base,
        "/api/v2/search.json",
        &p,
    );
    body["count"] = json!(count);
    body["facets"] = Value::Null;
    Ok(json_ok(StatusCode::OK, body))
}

pub async fn count(State(s): State<AppState>, ctx: Ctx, p: Params) -> Result<Response, ApiError> {
    let n = s
        .app
        .search_count(&ctx.actor, p.get("query").unwrap_or(""))
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(StatusCode::OK, json!({"count": n})))
}
