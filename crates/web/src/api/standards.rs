//! Service standards over HTTP (PRODUCT.md B): calendars as Zendesk
//! `business_hours/schedules`, Guichet's `standards` (each with its sentence), a read-only
//! Zendesk-shaped `slas/policies` view of them, the clocks of a case, attainment, the
//! service charter and its acknowledgements, and the caller's notifications.

use super::double;
use super::tickets::path_id;
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, Params};
use crate::render::{ts, ts_opt};
use crate::sentence::{SentenceParts, sentence};
use app::model;
use app::standards::clocks::{ClockView, Share, Window};
use app::standards::{CalendarInput, CalendarView, HolidayInput, StandardInput};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Locale;
use domain::standards::{Actions, Metric, Scope};
use serde::Deserialize;
use serde_json::{Value, json};

// ---------- calendars (business_hours/schedules) ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    start_time: u32,
    end_time: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    intervals: Option<Vec<Interval>>,
}

#[derive(Deserialize)]
pub struct ScheduleEnvelope {
    schedule: ScheduleIn,
}

#[derive(Deserialize)]
pub struct WorkweekIn {
    intervals: Vec<Interval>,
}

#[derive(Deserialize)]
pub struct WorkweekEnvelope {
    workweek: WorkweekIn,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    end_date: Option<String>,
    #[serde(default)]
    recurring: bool,
}

#[derive(Deserialize)]
pub struct HolidayEnvelope {
    holiday: HolidayIn,
}

impl From<ScheduleIn> for CalendarInput {
    fn from(i: ScheduleIn) -> Self {
        CalendarInput {
            name: i.name,
            time_zone: i.time_zone,
            intervals: intervals(i.intervals),
        }
    }
}

fn intervals(v: Option<Vec<Interval>>) -> Option<Vec<(u32, u32)>> {
    v.map(|v| v.into_iter().map(|i| (i.start_time, i.end_time)).collect())
}

fn holiday(h: &model::Holiday) -> Value {
    json!({
        "id": h.id, "name": h.name, "start_date": h.start_date, "end_date": h.end_date,
        "recurring": h.recurring,
    })
}

fn schedule(v: &CalendarView, base: &str) -> Value {
    json!({
        "id": v.row.id,
        "url": format!("{base}/api/v2/business_hours/schedules/{}.json", v.row.id),
        "name": v.row.name,
        "time_zone": v.row.time_zone,
        "intervals": v.intervals.iter().map(|(a, b)| json!({"start_time": a, "end_time": b})).collect::<Vec<_>>(),
        "holidays": v.holidays.iter().map(holiday).collect::<Vec<_>>(),
        "created_at": ts(v.row.created_at),
        "updated_at": ts(v.row.updated_at),
    })
}

pub async fn list_schedules(State(s): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let all = s.app.calendars(&ctx.actor).await.map_err(|e| ctx.err(e))?;
    let items: Vec<_> = all.iter().map(|c| schedule(c, &ctx.base)).collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"schedules": items, "count": all.len(), "next_page": null, "previous_page": null}),
    ))
}

pub async fn create_schedule(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<ScheduleEnvelope>,
) -> Result<Response, ApiError> {
    let input = CalendarInput::from(env.schedule);
    let v = s
        .app
        .create_calendar(&ctx.actor, input)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"schedule": schedule(&v, &ctx.base)}),
    ))
}

pub async fn show_schedule(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let v = s
        .app
        .calendar(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"schedule": schedule(&v, &ctx.base)}),
    ))
}

pub async fn update_schedule(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<ScheduleEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let input = CalendarInput::from(env.schedule);
    let v = s
        .app
        .update_calendar(&ctx.actor, id, input)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"schedule": schedule(&v, &ctx.base)}),
    ))
}

pub async fn update_workweek(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<WorkweekEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let input = CalendarInput {
        intervals: intervals(Some(env.workweek.intervals)),
        ..Default::default()
    };
    let v = s
        .app
        .update_calendar(&ctx.actor, id, input)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"workweek": {"intervals": schedule(&v, &ctx.base)["intervals"]}}),
    ))
}

pub async fn delete_schedule(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .delete_calendar(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list_holidays(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let v = s
        .app
        .calendar(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"holidays": v.holidays.iter().map(holiday).collect::<Vec<_>>()}),
    ))
}

pub async fn create_holiday(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<HolidayEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let h = env.holiday;
    let row = s
        .app
        .add_holiday(
            &ctx.actor,
            id,
            HolidayInput {
                name: h.name,
                start_date: h.start_date,
                end_date: h.end_date,
                recurring: h.recurring,
            },
        )
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"holiday": holiday(&row)}),
    ))
}

pub async fn delete_holiday(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, hid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let hid = path_id(&hid, &ctx)?;
    s.app
        .delete_holiday(&ctx.actor, id, hid)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------- standards ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    metric: Option<Metric>,
    #[serde(default)]
    scope: Option<Scope>,
    #[serde(default)]
    threshold_minutes: Option<i64>,
    #[serde(default)]
    target_percent: Option<f64>,
    #[serde(default, deserialize_with = "double")]
    unacceptable_minutes: Option<Option<i64>>,
    #[serde(default)]
    warn_percent: Option<i64>,
    #[serde(default, deserialize_with = "double")]
    calendar_id: Option<Option<i64>>,
    #[serde(default)]
    actions: Option<Actions>,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    position: Option<i64>,
}

#[derive(Deserialize)]
pub struct StandardEnvelope {
    standard: StandardIn,
}

impl From<StandardIn> for StandardInput {
    fn from(i: StandardIn) -> Self {
        StandardInput {
            name: i.name,
            metric: i.metric,
            scope: i.scope,
            threshold_minutes: i.threshold_minutes,
            target_percent: i.target_percent,
            unacceptable_minutes: i.unacceptable_minutes,
            warn_percent: i.warn_percent,
            calendar_id: i.calendar_id,
            actions: i.actions,
            active: i.active,
            position: i.position,
        }
    }
}

pub async fn parts_of(s: &AppState, r: &model::Standard) -> SentenceParts {
    let scope: Scope = serde_json::from_str(&r.scope).unwrap_or_default();
    let (team_names, category_names) = s.app.scope_names(&scope).await.unwrap_or_default();
    SentenceParts {
        metric: r.metric.clone(),
        scope,
        threshold_minutes: r.threshold_minutes,
        target_percent: r.target_percent,
        unacceptable_minutes: r.unacceptable_minutes,
        business_hours: r.calendar_id.is_some(),
        team_names,
        category_names,
    }
}

async fn standard(s: &AppState, r: &model::Standard, ctx: &Ctx) -> Value {
    let parts = parts_of(s, r).await;
    json!({
        "id": r.id,
        "url": format!("{}/api/v2/standards/{}.json", ctx.base, r.id),
        "name": r.name,
        "metric": r.metric,
        "scope": serde_json::from_str::<Value>(&r.scope).unwrap_or(json!({})),
        "threshold_minutes": r.threshold_minutes,
        "target_percent": r.target_percent,
        "unacceptable_minutes": r.unacceptable_minutes,
        "warn_percent": r.warn_percent,
        "calendar_id": r.calendar_id,
        "business_hours": r.calendar_id.is_some(),
        "actions": serde_json::from_str::<Value>(&r.actions).unwrap_or(json!({})),
        "active": r.active,
        "position": r.position,
        "sentence": sentence(ctx.locale, &parts),
        "sentences": {"en": sentence(Locale::En, &parts), "fr": sentence(Locale::Fr, &parts)},
        "created_at": ts(r.created_at),
        "updated_at": ts(r.updated_at),
    })
}

pub async fn list_standards(State(s): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let all = s.app.standards(&ctx.actor).await.map_err(|e| ctx.err(e))?;
    let mut items = Vec::new();
    for r in &all {
        items.push(standard(&s, r, &ctx).await);
    }
    Ok(json_ok(
        StatusCode::OK,
        json!({"standards": items, "count": all.len(), "next_page": null, "previous_page": null}),
    ))
}

pub async fn create_standard(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<StandardEnvelope>,
) -> Result<Response, ApiError> {
    let r = s
        .app
        .create_standard(&ctx.actor, env.standard.into())
        .await
        .map_err(|e| ctx.err(e))?;
    let body = json!({"standard": standard(&s, &r, &ctx).await});
    Ok(json_ok(StatusCode::CREATED, body))
}

pub async fn show_standard(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let r = s
        .app
        .standard(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let body = json!({"standard": standard(&s, &r, &ctx).await});
    Ok(json_ok(StatusCode::OK, body))
}

pub async fn update_standard(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<StandardEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let r = s
        .app
        .update_standard(&ctx.actor, id, env.standard.into())
        .await
        .map_err(|e| ctx.err(e))?;
    let body = json!({"standard": standard(&s, &r, &ctx).await});
    Ok(json_ok(StatusCode::OK, body))
}

pub async fn delete_standard(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .delete_standard(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn share(sh: &Share) -> Value {
    json!({
        "achieved": sh.achieved,
        "breached": sh.breached,
        "share_percent": sh.share,
        "target_percent": sh.target_percent,
        "below_target": sh.below_target,
        "open": sh.open,
        "overdue": sh.overdue,
        "warning": sh.warning,
        "projected_percent": sh.projected,
        "at_risk": sh.at_risk,
    })
}

/// `GET /standards/{id}/attainment?window=day|week|month` or `start_time=&end_time=`
/// (epoch seconds), optional `group_by=team|agent`.
pub async fn attainment(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    p: Params,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let l = ctx.locale;
    let window = match (p.int("start_time", l)?, p.int("end_time", l)?) {
        (Some(a), Some(b)) if a < b => Window::Range {
            from: a.saturating_mul(1000),
            to: b.saturating_mul(1000),
        },
        (Some(_), Some(_)) => {
            return Err(ApiError::Param(
                "end_time",
                "must be after start_time".into(),
                l,
            ));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(ApiError::Param(
                "start_time",
                "give both start_time and end_time".into(),
                l,
            ));
        }
        (None, None) => match p.get("window").unwrap_or("week") {
            "day" => Window::Day,
            "week" => Window::Week,
            "month" => Window::Month,
            other => {
                return Err(ApiError::Param(
                    "window",
                    format!("'{other}' is not one of: day, week, month"),
                    l,
                ));
            }
        },
    };
    let group = match p.get("group_by") {
        None | Some("") => model::Grouping::All,
        Some("team") => model::Grouping::Team,
        Some("agent") => model::Grouping::Agent,
        Some(other) => {
            return Err(ApiError::Param(
                "group_by",
                format!("'{other}' is not one of: team, agent"),
                l,
            ));
        }
    };
    let a = s
        .app
        .attainment(&ctx.actor, id, window, group)
        .await
        .map_err(|e| ctx.err(e))?;
    let key = match group {
        model::Grouping::Team => "team_id",
        _ => "agent_id",
    };
    let groups: Vec<Value> = a
        .groups
        .iter()
        .map(|g| {
            let mut v = share(g);
            v[key] = json!(g.group_id);
            v
        })
        .collect();
    let mut body = json!({
        "standard_id": a.standard.id,
        "from": ts(a.from),
        "to": ts(a.to),
    });
    for (k, v) in share(&a.total).as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    if group != model::Grouping::All {
        body["groups"] = Value::Array(groups);
    }
    Ok(json_ok(StatusCode::OK, json!({"attainment": body})))
}

// ---------- slas/policies (read-only Zendesk view) ----------

fn policy(r: &model::Standard, text: &str, base: &str) -> Option<Value> {
    let metric: Metric = r.metric.parse().ok()?;
    let name = metric.zendesk_name()?;
    let scope: Scope = serde_json::from_str(&r.scope).unwrap_or_default();
    let mut all = Vec::new();
    if !scope.team_ids.is_empty() {
        all.push(json!({"field": "group_id", "operator": "includes", "value": scope.team_ids}));
    }
    if !scope.channels.is_empty() {
        all.push(json!({"field": "via_id", "operator": "includes", "value": scope.channels}));
    }
    if !scope.tags.is_empty() {
        all.push(
            json!({"field": "current_tags", "operator": "includes", "value": scope.tags.join(" ")}),
        );
    }
    let priorities: Vec<&str> = if scope.priorities.is_empty() {
        vec!["low", "normal", "high", "urgent"]
    } else {
        scope.priorities.iter().map(|p| p.as_str()).collect()
    };
    let metrics: Vec<Value> = priorities
        .iter()
        .map(|p| {
            json!({"priority": p, "metric": name, "target": r.threshold_minutes,
                   "business_hours": r.calendar_id.is_some()})
        })
        .collect();
    Some(json!({
        "id": r.id,
        "url": format!("{base}/api/v2/slas/policies/{}.json", r.id),
        "title": r.name,
        "description": text,
        "position": r.position,
        "filter": {"all": all, "any": []},
        "policy_metrics": metrics,
        "created_at": ts(r.created_at),
        "updated_at": ts(r.updated_at),
    }))
}

pub async fn list_policies(State(s): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let all = s.app.standards(&ctx.actor).await.map_err(|e| ctx.err(e))?;
    let mut items = Vec::new();
    for r in all.iter().filter(|r| r.active) {
        let text = sentence(ctx.locale, &parts_of(&s, r).await);
        items.extend(policy(r, &text, &ctx.base));
    }
    let n = items.len();
    Ok(json_ok(
        StatusCode::OK,
        json!({"sla_policies": items, "count": n, "next_page": null, "previous_page": null}),
    ))
}

pub async fn show_policy(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let r = s
        .app
        .standard(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let text = sentence(ctx.locale, &parts_of(&s, &r).await);
    let p = policy(&r, &text, &ctx.base)
        .ok_or_else(|| ctx.err(app::AppError::NotFound("sla_policy")))?;
    Ok(json_ok(StatusCode::OK, json!({"sla_policy": p})))
}

// ---------- clocks of a case ----------

fn clock(c: &ClockView) -> Value {
    let pauses: Vec<Value> = c
        .inst
        .pauses
        .iter()
        .map(|(a, b)| json!({"start": ts(*a), "end": ts_opt(*b)}))
        .collect();
    json!({
        "id": c.row.id,
        "standard_id": c.row.standard_id,
        "standard": c.standard_name,
        "metric": c.row.metric,
        "instance": c.row.instance,
        "state": c.row.state,
        "breached": c.breached,
        "started_at": ts(c.row.started_at),
        "due_at": ts_opt(c.row.due_at),
        "warn_at": ts_opt(c.row.warn_at),
        "unacceptable_at": ts_opt(c.row.unacceptable_at),
        "fulfilled_at": ts_opt(c.row.fulfilled_at),
        "breached_at": ts_opt(c.row.breached_at),
        "paused_spans": pauses,
        "elapsed_business_minutes": c.elapsed_business_ms / 60_000,
        "elapsed_calendar_minutes": c.elapsed_calendar_ms / 60_000,
        "warning_fired_at": ts_opt(c.row.warning_fired_at),
        "breach_fired_at": ts_opt(c.row.breach_fired_at),
        "unacceptable_fired_at": ts_opt(c.row.unacceptable_fired_at),
    })
}

pub async fn ticket_clocks(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let all = s
        .app
        .case_clocks(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"clocks": all.iter().map(clock).collect::<Vec<_>>()}),
    ))
}

// ---------- charter ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CharterIn {
    vision: String,
}

#[derive(Deserialize)]
pub struct CharterEnvelope {
    charter: CharterIn,
}

/// Names kept in a charter snapshot (absent from versions published before issue 16).
fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

pub fn charter(v: &model::CharterVersion, l: Locale, acked_at: Option<i64>) -> Value {
    let items: Vec<Value> = serde_json::from_str(&v.standards).unwrap_or_default();
    let standards: Vec<Value> = items
        .iter()
        .map(|it| {
            let parts = SentenceParts {
                metric: it["metric"].as_str().unwrap_or("").into(),
                scope: serde_json::from_value(it["scope"].clone()).unwrap_or_default(),
                threshold_minutes: it["threshold_minutes"].as_i64().unwrap_or(0),
                target_percent: it["target_percent"].as_f64().unwrap_or(0.0),
                unacceptable_minutes: it["unacceptable_minutes"].as_i64(),
                business_hours: it["business_hours"].as_bool().unwrap_or(false),
                team_names: names(&it["team_names"]),
                category_names: names(&it["category_names"]),
            };
            json!({"standard_id": it["id"], "name": it["name"], "sentence": sentence(l, &parts)})
        })
        .collect();
    json!({
        "version": v.version,
        "vision": v.vision,
        "standards": standards,
        "published_by": v.published_by,
        "published_at": ts(v.published_at),
        "acknowledged_at": ts_opt(acked_at),
    })
}

/// When the caller acknowledged `version`, if they did.
async fn my_ack(s: &AppState, ctx: &Ctx, version: i64) -> Result<Option<i64>, ApiError> {
    let acks = s
        .app
        .my_charter_acks(&ctx.actor)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(acks.get(&version).copied())
}

/// The charter in force (latest version), in the caller's language.
pub async fn current_charter(State(s): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let all = s
        .app
        .charter_versions(&ctx.actor)
        .await
        .map_err(|e| ctx.err(e))?;
    let v = all
        .first()
        .ok_or_else(|| ctx.err(app::AppError::NotFound("charter")))?;
    let ack = my_ack(&s, &ctx, v.version).await?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"charter": charter(v, ctx.locale, ack)}),
    ))
}

pub async fn list_charter_versions(
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response, ApiError> {
    let all = s
        .app
        .charter_versions(&ctx.actor)
        .await
        .map_err(|e| ctx.err(e))?;
    let acks = s
        .app
        .my_charter_acks(&ctx.actor)
        .await
        .map_err(|e| ctx.err(e))?;
    let items: Vec<Value> = all
        .iter()
        .map(|v| charter(v, ctx.locale, acks.get(&v.version).copied()))
        .collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"charter_versions": items, "count": all.len()}),
    ))
}

pub async fn publish_charter(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<CharterEnvelope>,
) -> Result<Response, ApiError> {
    let v = s
        .app
        .publish_charter(&ctx.actor, &env.charter.vision)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"charter": charter(&v, ctx.locale, Some(v.published_at))}),
    ))
}

pub async fn show_charter_version(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(v): Path<String>,
) -> Result<Response, ApiError> {
    let v = path_id(&v, &ctx)?;
    let row = s
        .app
        .charter_version(&ctx.actor, v)
        .await
        .map_err(|e| ctx.err(e))?;
    let ack = my_ack(&s, &ctx, v).await?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"charter": charter(&row, ctx.locale, ack)}),
    ))
}

pub async fn acknowledge_charter(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(v): Path<String>,
) -> Result<Response, ApiError> {
    let v = path_id(&v, &ctx)?;
    s.app
        .acknowledge_charter(&ctx.actor, v)
        .await
        .map_err(|e| ctx.err(e))?;
    let at = my_ack(&s, &ctx, v).await?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"acknowledgement": {"version": v, "user_id": ctx.actor.user_id, "acknowledged_at": ts_opt(at)}}),
    ))
}

pub async fn charter_acknowledgements(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(v): Path<String>,
) -> Result<Response, ApiError> {
    let v = path_id(&v, &ctx)?;
    let a = s
        .app
        .charter_acknowledgements(&ctx.actor, v)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"acknowledgements": {
            "version": a.version,
            "acknowledged": a.acknowledged.iter().map(|(id, name, at)| json!({"user_id": id, "name": name, "acknowledged_at": ts(*at)})).collect::<Vec<_>>(),
            "pending": a.pending.iter().map(|(id, name)| json!({"user_id": id, "name": name})).collect::<Vec<_>>(),
        }}),
    ))
}

// ---------- notifications ----------

pub async fn list_notifications(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let unread = matches!(p.get("unread"), Some("true" | "1"));
    let limit = p.int("limit", ctx.locale)?.unwrap_or(50);
    let all = s
        .app
        .notifications(&ctx.actor, unread, limit)
        .await
        .map_err(|e| ctx.err(e))?;
    let items: Vec<Value> = all
        .iter()
        .map(|n| {
            json!({
                "id": n.id, "kind": n.kind, "ticket_id": n.case_id, "standard_id": n.standard_id,
                "detail": serde_json::from_str::<Value>(&n.detail).unwrap_or(json!({})),
                "created_at": ts(n.created_at), "read_at": ts_opt(n.read_at),
            })
        })
        .collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"notifications": items, "count": all.len()}),
    ))
}

pub async fn read_notification(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .mark_notification_read(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
