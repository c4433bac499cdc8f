//! `/api/v2/tickets…`: Zendesk ticket endpoints over the case use cases.

use super::{Paging, cursor_body, double, offset_body, paging};
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, Params};
use crate::render;
use app::cases::{
    CaseChanges, CommentInput, ComplaintPatch, NewCase, NewCompensation, RequesterRef,
};
use app::model;
use app::{AppError, FieldError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{
    Channel, CompensationKind, JourneyStage, Kind, LinkKind, Priority, Status, TicketType,
};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(untagged)]
pub enum CommentIn {
    Text(String),
    Full {
        #[serde(default)]
        body: Option<String>,
        #[serde(default)]
        html_body: Option<String>,
        #[serde(default)]
        public: Option<bool>,
        #[serde(default)]
        author_id: Option<i64>,
        #[serde(default)]
        uploads: Option<Vec<String>>,
    },
    #[default]
    None,
}

#[derive(Deserialize, Clone, Debug)]
pub struct RequesterIn {
    #[serde(default)]
    name: Option<String>,
    email: String,
    #[serde(default)]
    locale: Option<String>,
}

#[derive(Deserialize, Default, Clone, Debug)]
pub struct ComplaintIn {
    #[serde(default, deserialize_with = "double")]
    agreed_solution: Option<Option<String>>,
    #[serde(default)]
    solved_on_the_spot: Option<bool>,
    #[serde(default, deserialize_with = "double")]
    promised_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    follow_up_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    follow_up_done_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    prevention_suggestion: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    root_cause: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    resolved_at: Option<Option<String>>,
}

/// A ticket in a request: every key optional (updates are merges).
#[derive(Deserialize, Default, Clone, Debug)]
pub struct TicketIn {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    comment: Option<CommentIn>,
    #[serde(default)]
    requester_id: Option<i64>,
    #[serde(default)]
    requester: Option<RequesterIn>,
    #[serde(default)]
    submitter_id: Option<i64>,
    #[serde(default, deserialize_with = "double")]
    assignee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    group_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    organization_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    category_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    priority: Option<Option<Priority>>,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default, rename = "type", deserialize_with = "double")]
    ticket_type: Option<Option<TicketType>>,
    #[serde(default)]
    kind: Option<Kind>,
    #[serde(default)]
    channel: Option<Channel>,
    #[serde(default, deserialize_with = "double")]
    journey_stage: Option<Option<JourneyStage>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    additional_tags: Option<Vec<String>>,
    #[serde(default)]
    remove_tags: Option<Vec<String>>,
    #[serde(default)]
    custom_fields: Option<Value>,
    #[serde(default, deserialize_with = "double")]
    external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    due_at: Option<Option<String>>,
    #[serde(default)]
    received_at: Option<String>,
    #[serde(default)]
    received_by_id: Option<i64>,
    #[serde(default)]
    complaint: Option<ComplaintIn>,
    /// Zendesk's safe update: with `updated_stamp`, a 409 if the ticket changed since.
    #[serde(default)]
    safe_update: Option<bool>,
    #[serde(default)]
    updated_stamp: Option<String>,
}

#[derive(Deserialize)]
pub struct TicketEnvelope {
    ticket: TicketIn,
}

#[derive(Deserialize)]
pub struct TicketsEnvelope {
    tickets: Vec<TicketIn>,
}

/// Collects field errors while converting a request.
struct Check(Vec<FieldError>);

impl Check {
    fn time(&mut self, field: &str, v: &Option<String>) -> Option<jiff::Timestamp> {
        let s = v.as_deref()?;
        match s.parse::<jiff::Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => match s
                .parse::<jiff::civil::Date>()
                .ok()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            {
                Some(z) => Some(z.timestamp()),
                None => {
                    self.0.push(FieldError::new(
                        field,
                        "invalid-value",
                        format!("'{s}' is not an ISO 8601 date-time"),
                    ));
                    None
                }
            },
        }
    }
    fn time2(
        &mut self,
        field: &str,
        v: &Option<Option<String>>,
    ) -> Option<Option<jiff::Timestamp>> {
        match v {
            None => None,
            Some(None) => Some(None),
            Some(s) => Some(self.time(field, s)),
        }
    }
    fn tags(&mut self, field: &str, v: &Option<Vec<String>>) -> Option<Vec<domain::Tag>> {
        let v = v.as_ref()?;
        match domain::parse_tags(v) {
            Ok(t) => Some(t),
            Err(e) => {
                self.0
                    .push(FieldError::new(field, "invalid-value", e.to_string()));
                None
            }
        }
    }
    fn text(
        &mut self,
        field: &str,
        v: &Option<Option<String>>,
        max: usize,
    ) -> Option<Option<String>> {
        match v {
            Some(Some(s)) if s.chars().count() > max => {
                self.0
                    .push(FieldError::new(field, "too-long", max.to_string()));
                None
            }
            Some(Some(s)) if s.trim().is_empty() => Some(None),
            other => other.clone(),
        }
    }
    fn done(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}

fn complaint(ck: &mut Check, c: &Option<ComplaintIn>) -> Option<ComplaintPatch> {
    let c = c.as_ref()?;
    Some(ComplaintPatch {
        agreed_solution: ck.text(
            "ticket.complaint.agreed_solution",
            &c.agreed_solution,
            10_000,
        ),
        solved_on_the_spot: c.solved_on_the_spot,
        promised_at: ck.time2("ticket.complaint.promised_at", &c.promised_at),
        follow_up_at: ck.time2("ticket.complaint.follow_up_at", &c.follow_up_at),
        follow_up_done_at: ck.time2("ticket.complaint.follow_up_done_at", &c.follow_up_done_at),
        prevention_suggestion: ck.text(
            "ticket.complaint.prevention_suggestion",
            &c.prevention_suggestion,
            10_000,
        ),
        root_cause: ck.text("ticket.complaint.root_cause", &c.root_cause, 10_000),
        resolved_at: ck.time2("ticket.complaint.resolved_at", &c.resolved_at),
    })
}

pub(crate) fn comment(c: &Option<CommentIn>, fallback: &Option<String>) -> Option<CommentInput> {
    match c {
        Some(CommentIn::Text(t)) => Some(CommentInput {
            body: t.clone(),
            ..Default::default()
        }),
        Some(CommentIn::Full {
            body,
            html_body,
            public,
            author_id,
            uploads,
        }) => {
            // A comment given only as HTML keeps its text for search and plain display.
            let html = html_body.as_ref().map(|h| sanitize(h));
            let text = body
                .clone()
                .or_else(|| html.as_ref().map(|h| strip_tags(h)))
                .unwrap_or_default();
            Some(CommentInput {
                body: text,
                html_body: html,
                public: *public,
                author_id: *author_id,
                uploads: uploads.clone().unwrap_or_default(),
                via: None,
                inbound: None,
                form: None,
                chat: None,
            })
        }
        _ => fallback.as_ref().map(|d| CommentInput {
            body: d.clone(),
            ..Default::default()
        }),
    }
}

/// Remove markup; used for the plain text of an HTML-only comment.
fn strip_tags(h: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in h.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// HTML bodies keep their formatting, minus anything that could run in a browser.
fn sanitize(h: &str) -> String {
    app::cases::html::sanitize(h)
}

pub fn new_case(t: &TicketIn) -> Result<NewCase, AppError> {
    let mut ck = Check(vec![]);
    let requester = match (&t.requester, t.requester_id) {
        (Some(r), _) => match domain::EmailAddress::parse(&r.email) {
            Ok(email) => Some(RequesterRef::Email {
                email,
                name: r.name.clone(),
                locale: r
                    .locale
                    .as_deref()
                    .and_then(|l| domain::Locale::parse(l).ok()),
            }),
            Err(_) => {
                ck.0.push(FieldError::new(
                    "ticket.requester.email",
                    "email-invalid",
                    r.email.clone(),
                ));
                None
            }
        },
        (None, Some(id)) => Some(RequesterRef::Id(id)),
        (None, None) => None,
    };
    let new = NewCase {
        subject: t.subject.clone(),
        comment: comment(&t.comment, &t.description),
        requester,
        submitter_id: t.submitter_id,
        assignee_id: t.assignee_id.flatten(),
        team_id: t.group_id.flatten(),
        organization_id: t.organization_id.flatten(),
        category_id: t.category_id.flatten(),
        priority: t.priority.flatten(),
        status: t.status,
        ticket_type: t.ticket_type.flatten(),
        kind: t.kind,
        channel: t.channel,
        journey_stage: t.journey_stage.flatten(),
        tags: ck.tags("ticket.tags", &t.tags).unwrap_or_default(),
        custom_fields: t.custom_fields.clone(),
        external_id: t.external_id.clone().flatten(),
        due_at: ck.time2("ticket.due_at", &t.due_at).flatten(),
        received_at: ck.time("ticket.received_at", &t.received_at),
        received_by_id: t.received_by_id,
        complaint: complaint(&mut ck, &t.complaint),
    };
    ck.done()?;
    Ok(new)
}

/// `safe_update: true` with `updated_stamp`: the instant the client last saw. Timestamps go
/// out with second precision, so a stamp stands for its whole second.
fn safe_update(ck: &mut Check, t: &TicketIn) -> Option<i64> {
    if t.safe_update != Some(true) {
        return None;
    }
    if t.updated_stamp.is_none() {
        ck.0.push(FieldError::new(
            "ticket.updated_stamp",
            "required",
            "updated_stamp with safe_update",
        ));
        return None;
    }
    let ms = ck
        .time("ticket.updated_stamp", &t.updated_stamp)?
        .as_millisecond();
    Some(ms - ms.rem_euclid(1000) + 999)
}

pub fn changes(t: &TicketIn) -> Result<CaseChanges, AppError> {
    let mut ck = Check(vec![]);
    let ch = CaseChanges {
        subject: t.subject.clone(),
        status: t.status,
        priority: t.priority,
        ticket_type: t.ticket_type,
        kind: t.kind,
        journey_stage: t.journey_stage,
        requester_id: t.requester_id,
        assignee_id: t.assignee_id,
        team_id: t.group_id,
        organization_id: t.organization_id,
        category_id: t.category_id,
        tags: ck.tags("ticket.tags", &t.tags),
        additional_tags: ck
            .tags("ticket.additional_tags", &t.additional_tags)
            .unwrap_or_default(),
        remove_tags: ck
            .tags("ticket.remove_tags", &t.remove_tags)
            .unwrap_or_default(),
        custom_fields: t.custom_fields.clone(),
        external_id: t.external_id.clone(),
        due_at: ck.time2("ticket.due_at", &t.due_at),
        comment: comment(&t.comment, &None),
        complaint: complaint(&mut ck, &t.complaint),
        unchanged_since: safe_update(&mut ck, t),
        customer_move: None,
    };
    ck.done()?;
    Ok(ch)
}

/// The request an Idempotency-Key stands for: every field of the ticket, so a retry that
/// changes any of them (priority, tags, uploads…) is a 422, not a silent replay of another
/// request.
fn fingerprint(body: &TicketIn) -> String {
    hex::encode(Sha256::digest(format!("{body:?}").as_bytes()))
}

/// Tickets in the caller's audience: staff get the staff view, a customer the end-user view
/// (its description is the first public message, read in one query for the page).
pub async fn tickets_for(
    s: &AppState,
    ctx: &Ctx,
    rows: &[model::Case],
) -> Result<Vec<Value>, ApiError> {
    if ctx.actor.role.is_staff() {
        return Ok(rows.iter().map(|c| render::ticket(c, &ctx.base)).collect());
    }
    let views = s
        .app
        .customer_cases(&ctx.actor, rows)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(views
        .iter()
        .map(|c| render::ticket_end_user(c, &ctx.base))
        .collect())
}

pub async fn ticket_for(s: &AppState, ctx: &Ctx, c: &model::Case) -> Result<Value, ApiError> {
    let mut v = tickets_for(s, ctx, std::slice::from_ref(c)).await?;
    Ok(v.pop().unwrap_or(Value::Null))
}

/// The audit of a write in the caller's audience.
fn audit_for(ctx: &Ctx, out: &app::cases::CaseOutcome) -> Value {
    let f = if ctx.actor.role.is_staff() {
        render::audit
    } else {
        render::audit_end_user
    };
    f(
        &out.case,
        ctx.actor.user_id,
        out.message.as_ref(),
        &out.attachments,
        &out.events,
        &ctx.base,
    )
}

fn with_location(mut r: Response, url: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(url) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}

pub async fn create_ticket(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Body(env): Body<TicketEnvelope>,
) -> Result<Response, ApiError> {
    let new = new_case(&env.ticket).map_err(|e| ctx.err(e))?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(k) = &key
        && (k.is_empty() || k.len() > 255)
    {
        return Err(ApiError::Param(
            "Idempotency-Key",
            "1 to 255 characters".into(),
            ctx.locale,
        ));
    }
    let fp = fingerprint(&env.ticket);
    let out = s
        .app
        .create_case(&ctx.actor, new, key.as_deref().map(|k| (k, fp.as_str())))
        .await
        .map_err(|e| ctx.err(e.rename_fields(ticket_wire_field)))?;
    let t = ticket_for(&s, &ctx, &out.case).await?;
    let url = format!("{}/api/v2/tickets/{}.json", ctx.base, out.case.id);
    let body = json!({"ticket": t, "audit": audit_for(&ctx, &out)});
    let mut r = with_location(json_ok(StatusCode::CREATED, body), &url);
    if out.replayed {
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(r)
}

pub async fn show_ticket(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let c = s
        .app
        .get_case(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let t = ticket_for(&s, &ctx, &c).await?;
    Ok(json_ok(StatusCode::OK, json!({ "ticket": t })))
}

pub fn path_id(raw: &str, ctx: &Ctx) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::App(AppError::NotFound("record"), ctx.locale))
}

pub async fn update_ticket(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<TicketEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let ch = changes(&env.ticket).map_err(|e| ctx.err(e))?;
    let out = match s.app.update_case(&ctx.actor, id, ch).await {
        Ok(o) => o,
        Err(AppError::Conflict(f)) if f.code == "stale" => return Ok(update_conflict(&ctx, &f)),
        Err(e) => return Err(ctx.err(e.rename_fields(ticket_wire_field))),
    };
    let t = ticket_for(&s, &ctx, &out.case).await?;
    let body = json!({"ticket": t, "audit": audit_for(&ctx, &out)});
    Ok(json_ok(StatusCode::OK, body))
}

/// Zendesk's answer to a safe update of a ticket changed since `updated_stamp`: 409.
fn update_conflict(ctx: &Ctx, f: &FieldError) -> Response {
    let d = crate::i18n::tr(
        ctx.locale,
        "err-stale",
        &[("field", &f.field), ("detail", &f.detail)],
    );
    json_ok(
        StatusCode::CONFLICT,
        json!({"error": "UpdateConflict", "description": d, "details": {"updated_at": [{"description": d, "error": "UpdateConflict", "code": f.code, "field": f.field}]}}),
    )
}

pub async fn delete_ticket(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .delete_case(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The order a ticket list asks for (`sort_by`/`sort`, `sort_order`).
fn list_order(ctx: &Ctx, p: &Params) -> Result<(model::CaseOrder, model::Direction), ApiError> {
    let order = match p.get("sort_by").or(p.get("sort")) {
        None | Some("id") => model::CaseOrder::Id,
        Some("created_at") => model::CaseOrder::CreatedAt,
        Some("updated_at") => model::CaseOrder::UpdatedAt,
        Some("status") => model::CaseOrder::Status,
        Some("priority") => model::CaseOrder::Priority,
        Some(o) => {
            return Err(ApiError::Param(
                "sort_by",
                format!("'{o}' (id, created_at, updated_at, status, priority)"),
                ctx.locale,
            ));
        }
    };
    let dir = match p.get("sort_order") {
        None | Some("asc") => model::Direction::Asc,
        Some("desc") => model::Direction::Desc,
        Some(o) => {
            return Err(ApiError::Param(
                "sort_order",
                format!("'{o}' (asc, desc)"),
                ctx.locale,
            ));
        }
    };
    Ok((order, dir))
}

pub async fn list_tickets(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let (order, dir) = list_order(&ctx, &p)?;
    let path = "/api/v2/tickets.json";
    match paging(&p, ctx.locale)? {
        Paging::Offset { page, per_page } => {
            let n = s
                .app
                .count_cases(&ctx.actor)
                .await
                .map_err(|e| ctx.err(e))?;
            let rows = s
                .app
                .list_cases(
                    &ctx.actor,
                    order,
                    dir,
                    model::Page {
                        limit: per_page,
                        offset: (page - 1) * per_page,
                        ..model::Page::default()
                    },
                )
                .await
                .map_err(|e| ctx.err(e))?;
            let items = tickets_for(&s, &ctx, &rows).await?;
            Ok(json_ok(
                StatusCode::OK,
                offset_body("tickets", items, n, page, per_page, &ctx.base, path, &p),
            ))
        }
        Paging::Cursor {
            size,
            after,
            before,
        } => {
            // Cursors walk ids; going backwards reads descending and flips the page.
            let backwards = before.is_some() && after.is_none();
            let dir = if backwards {
                model::Direction::Desc
            } else {
                model::Direction::Asc
            };
            let mut rows = s
                .app
                .list_cases(
                    &ctx.actor,
                    model::CaseOrder::Id,
                    dir,
                    model::Page {
                        limit: size + 1,
                        offset: 0,
                        after_id: after,
                        before_id: if backwards { before } else { None },
                    },
                )
                .await
                .map_err(|e| ctx.err(e))?;
            let has_more = rows.len() as i64 > size;
            rows.truncate(size as usize);
            if backwards {
                rows.reverse();
            }
            let items = tickets_for(&s, &ctx, &rows).await?;
            let body = cursor_body(
                "tickets",
                items,
                rows.first().map(|c| c.id),
                rows.last().map(|c| c.id),
                if backwards { true } else { has_more },
                size,
                &ctx.base,
                path,
                &p,
            );
            Ok(json_ok(StatusCode::OK, body))
        }
    }
}

pub async fn show_many_tickets(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let ids = p.ids("ids", 100, ctx.locale)?;
    let rows = s
        .app
        .cases_by_ids(&ctx.actor, &ids)
        .await
        .map_err(|e| ctx.err(e))?;
    let visible = tickets_for(&s, &ctx, &rows).await?;
    let n = visible.len();
    Ok(json_ok(
        StatusCode::OK,
        json!({"tickets": visible, "next_page": null, "previous_page": null, "count": n}),
    ))
}

pub async fn create_many_tickets(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<TicketsEnvelope>,
) -> Result<Response, ApiError> {
    if env.tickets.len() > app::cases::jobs::MAX_BATCH {
        return Err(ApiError::TooManyValues(
            "tickets",
            app::cases::jobs::MAX_BATCH,
            ctx.locale,
        ));
    }
    let mut items = Vec::new();
    for (i, t) in env.tickets.iter().enumerate() {
        items.push(new_case(t).map_err(|e| ctx.err(prefix_fields(e, &format!("tickets[{i}]"))))?);
    }
    let job = s
        .app
        .create_cases_many(&ctx.actor, items, ticket_wire_field)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"job_status": render::job(&job, &ctx.base)}),
    ))
}

/// The JSON API's name of a case input the use cases name (`subject` → `ticket.subject`,
/// `ticket_type` → `ticket.type`); None keeps a name that is not a ticket field.
pub fn ticket_wire_field(input: &str) -> Option<String> {
    const TICKET_FIELDS: &[&str] = &[
        "subject",
        "comment",
        "comment.body",
        "comment.author_id",
        "comment.uploads",
        "requester_id",
        "submitter_id",
        "assignee_id",
        "received_by_id",
        "priority",
        "channel",
        "received_at",
        "organization_id",
        "category_id",
        "kind",
        "journey_stage",
        "tags",
        "custom_fields",
        "external_id",
        "due_at",
        "complaint",
    ];
    if input == "ticket_type" {
        return Some("ticket.type".into());
    }
    TICKET_FIELDS
        .contains(&input)
        .then(|| format!("ticket.{input}"))
}

fn prefix_fields(e: AppError, prefix: &str) -> AppError {
    match e {
        AppError::Invalid(v) => AppError::Invalid(
            v.into_iter()
                .map(|mut f| {
                    f.field = format!("{prefix}.{}", f.field.trim_start_matches("ticket."));
                    f
                })
                .collect(),
        ),
        o => o,
    }
}

#[derive(Deserialize)]
pub struct UpdateManyEnvelope {
    #[serde(default)]
    tickets: Option<Vec<TicketIn>>,
    #[serde(default)]
    ticket: Option<TicketIn>,
}

pub async fn update_many_tickets(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
    Body(env): Body<UpdateManyEnvelope>,
) -> Result<Response, ApiError> {
    let mut items = Vec::new();
    match (env.tickets, env.ticket) {
        (Some(list), _) => {
            if list.len() > app::cases::jobs::MAX_BATCH {
                return Err(ApiError::TooManyValues(
                    "tickets",
                    app::cases::jobs::MAX_BATCH,
                    ctx.locale,
                ));
            }
            for (i, t) in list.iter().enumerate() {
                let id = t.id.ok_or_else(|| {
                    ctx.err(AppError::invalid(
                        format!("tickets[{i}].id"),
                        "required",
                        "id",
                    ))
                })?;
                items.push((
                    id,
                    changes(t).map_err(|e| ctx.err(prefix_fields(e, &format!("tickets[{i}]"))))?,
                ));
            }
        }
        (None, Some(t)) => {
            let ids = p.ids("ids", app::cases::jobs::MAX_BATCH, ctx.locale)?;
            let ch = changes(&t).map_err(|e| ctx.err(e))?;
            items = ids.into_iter().map(|id| (id, ch.clone())).collect();
        }
        (None, None) => {
            return Err(ctx.err(AppError::invalid(
                "tickets",
                "required",
                "tickets or ticket",
            )));
        }
    }
    let job = s
        .app
        .update_cases_many(&ctx.actor, items, ticket_wire_field)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"job_status": render::job(&job, &ctx.base)}),
    ))
}

pub async fn destroy_many_tickets(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let ids = p.ids("ids", app::cases::jobs::MAX_BATCH, ctx.locale)?;
    let job = s
        .app
        .delete_cases_many(&ctx.actor, &ids)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"job_status": render::job(&job, &ctx.base)}),
    ))
}

/// How each staff message of the case went out by email; staff only (a customer's view of
/// their case has no delivery details).
async fn deliveries_for(
    s: &AppState,
    ctx: &Ctx,
    case_id: i64,
) -> Result<std::collections::HashMap<i64, app::email::outbox_types::Delivery>, ApiError> {
    if !ctx.actor.role.is_staff() {
        return Ok(Default::default());
    }
    s.app
        .case_deliveries(&ctx.actor, case_id)
        .await
        .map_err(|e| ctx.err(e))
}

pub async fn list_comments(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    p: Params,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let path = format!("/api/v2/tickets/{id}/comments.json");
    match paging(&p, ctx.locale)? {
        Paging::Offset { page, per_page } => {
            let (rows, n) = s
                .app
                .case_messages(
                    &ctx.actor,
                    id,
                    model::Page {
                        limit: per_page,
                        offset: (page - 1) * per_page,
                        ..model::Page::default()
                    },
                )
                .await
                .map_err(|e| ctx.err(e))?;
            let atts = s.app.attachments_of(&rows).await.map_err(|e| ctx.err(e))?;
            let deliveries = deliveries_for(&s, &ctx, id).await?;
            let items = rows
                .iter()
                .map(|m| {
                    render::comment_delivered(
                        m,
                        None,
                        att_slice(&atts, m.id),
                        &ctx.base,
                        deliveries.get(&m.id),
                    )
                })
                .collect();
            Ok(json_ok(
                StatusCode::OK,
                offset_body("comments", items, n, page, per_page, &ctx.base, &path, &p),
            ))
        }
        Paging::Cursor { size, after, .. } => {
            let (mut rows, _) = s
                .app
                .case_messages(
                    &ctx.actor,
                    id,
                    model::Page {
                        limit: size + 1,
                        after_id: after,
                        ..model::Page::default()
                    },
                )
                .await
                .map_err(|e| ctx.err(e))?;
            let has_more = rows.len() as i64 > size;
            rows.truncate(size as usize);
            let atts = s.app.attachments_of(&rows).await.map_err(|e| ctx.err(e))?;
            let deliveries = deliveries_for(&s, &ctx, id).await?;
            let items = rows
                .iter()
                .map(|m| {
                    render::comment_delivered(
                        m,
                        None,
                        att_slice(&atts, m.id),
                        &ctx.base,
                        deliveries.get(&m.id),
                    )
                })
                .collect();
            Ok(json_ok(
                StatusCode::OK,
                cursor_body(
                    "comments",
                    items,
                    rows.first().map(|m| m.id),
                    rows.last().map(|m| m.id),
                    has_more,
                    size,
                    &ctx.base,
                    &path,
                    &p,
                ),
            ))
        }
    }
}

pub async fn list_events(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let ev = s
        .app
        .case_events(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"events": ev.iter().map(render::event).collect::<Vec<_>>(), "count": ev.len()}),
    ))
}

#[derive(Deserialize)]
pub struct MergeIn {
    ids: Vec<i64>,
    /// Guichet: merge cases of other customers, their messages becoming internal notes.
    #[serde(default)]
    as_internal: bool,
}

pub async fn merge_tickets(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(m): Body<MergeIn>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    if m.ids.len() > 5 {
        return Err(ApiError::TooManyValues("ids", 5, ctx.locale));
    }
    let out = s
        .app
        .merge_cases_with(&ctx.actor, id, &m.ids, m.as_internal)
        .await
        .map_err(|e| ctx.err(e))?;
    let t = ticket_for(&s, &ctx, &out.case).await?;
    Ok(json_ok(StatusCode::OK, json!({ "ticket": t })))
}

#[derive(Deserialize)]
pub struct LinkIn {
    ticket_id: i64,
    #[serde(default)]
    kind: Option<LinkKind>,
}

#[derive(Deserialize)]
pub struct LinkEnvelope {
    link: LinkIn,
}

pub async fn create_link(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(l): Body<LinkEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let link = s
        .app
        .link_cases(
            &ctx.actor,
            id,
            l.link.ticket_id,
            l.link.kind.unwrap_or(LinkKind::Related),
        )
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"link": render::link(&link)}),
    ))
}

pub async fn list_links(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let v = s
        .app
        .case_links(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"links": v.iter().map(render::link).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
pub struct CompensationIn {
    kind: CompensationKind,
    amount: f64,
    currency: String,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
pub struct CompensationEnvelope {
    compensation: CompensationIn,
}

pub async fn create_compensation(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(c): Body<CompensationEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let c = c.compensation;
    let mut ck = Check(vec![]);
    let currency = domain::Currency::parse(&c.currency)
        .map_err(|e| {
            let _ = e;
            ck.0.push(FieldError::new(
                "compensation.currency",
                "currency-unknown",
                c.currency.trim(),
            ))
        })
        .ok();
    if !c.amount.is_finite() || c.amount < 0.0 || c.amount > 1e12 {
        ck.0.push(FieldError::new(
            "compensation.amount",
            "invalid-value",
            "a positive amount",
        ));
    }
    ck.done().map_err(|e| ctx.err(e))?;
    let comp = NewCompensation {
        kind: c.kind,
        amount_cents: (c.amount * 100.0).round() as i64,
        currency: currency.expect("checked above"),
        note: c.note.unwrap_or_default(),
    };
    let row = s
        .app
        .record_compensation(&ctx.actor, id, comp)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"compensation": render::compensation(&row)}),
    ))
}

pub async fn list_compensations(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let v = s
        .app
        .case_compensations(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"compensations": v.iter().map(render::compensation).collect::<Vec<_>>()}),
    ))
}

pub async fn confirm_ticket(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let out = s
        .app
        .confirm_by_customer(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let t = ticket_for(&s, &ctx, &out.case).await?;
    Ok(json_ok(StatusCode::OK, json!({ "ticket": t })))
}

pub async fn show_job(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let j = s.app.job(&ctx.actor, &id).await.map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"job_status": render::job(&j, &ctx.base)}),
    ))
}

pub async fn list_jobs(State(s): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let v = s.app.jobs(&ctx.actor).await.map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"job_statuses": v.iter().map(|j| render::job(j, &ctx.base)).collect::<Vec<_>>()}),
    ))
}

fn att_slice(
    by: &std::collections::HashMap<i64, Vec<model::Attachment>>,
    id: i64,
) -> &[model::Attachment] {
    by.get(&id).map(|v| v.as_slice()).unwrap_or(&[])
}
