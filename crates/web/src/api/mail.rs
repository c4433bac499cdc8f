//! The email channel over HTTP (admins): mailboxes (`/mailboxes`, the IMAP password is
//! write-only), the quarantine (list, show, raw original, re-process, dismiss), the
//! outbox, the email templates; and for staff, the emails of a case and their originals.

use super::tickets::path_id;
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, Params};
use crate::render::{ts, ts_opt};
use app::email::Ingested;
use app::model;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapIn {
    host: Option<String>,
    port: Option<i64>,
    #[serde(default)]
    security: Option<String>,
    user: Option<String>,
    password: Option<String>,
    #[serde(default)]
    folder: Option<String>,
    #[serde(default)]
    poll_seconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxIn {
    address: String,
    name: String,
    #[serde(default)]
    group_id: Option<i64>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    imap: Option<ImapIn>,
    #[serde(default)]
    active: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxEnvelope {
    mailbox: MailboxIn,
}

fn data(m: MailboxIn, old: Option<&model::Mailbox>) -> model::MailboxFields {
    let imap = m.imap;
    model::MailboxFields {
        address: m.address,
        name: m.name,
        team_id: m.group_id,
        locale: m.locale.unwrap_or_else(|| "fr".into()),
        imap_host: imap.as_ref().and_then(|i| i.host.clone()),
        imap_port: imap.as_ref().and_then(|i| i.port),
        imap_security: imap
            .as_ref()
            .and_then(|i| i.security.clone())
            .unwrap_or_else(|| "tls".into()),
        imap_user: imap.as_ref().and_then(|i| i.user.clone()),
        // Write-only: an update without a password keeps the stored one.
        imap_password: imap
            .as_ref()
            .and_then(|i| i.password.clone())
            .or_else(|| old.and_then(|o| o.imap_password.clone())),
        imap_folder: imap
            .as_ref()
            .and_then(|i| i.folder.clone())
            .unwrap_or_else(|| "INBOX".into()),
        imap_poll_seconds: imap.as_ref().and_then(|i| i.poll_seconds).unwrap_or(60),
        active: m.active.unwrap_or(true),
    }
}

fn mailbox(m: &model::Mailbox) -> Value {
    json!({
        "id": m.id, "address": m.address, "name": m.name, "group_id": m.team_id,
        "locale": m.locale, "active": m.active,
        "imap": m.imap_host.as_ref().map(|h| json!({
            "host": h, "port": m.imap_port, "security": m.imap_security, "user": m.imap_user,
            "folder": m.imap_folder, "poll_seconds": m.imap_poll_seconds,
            "password_set": m.imap_password.is_some(),
            "uidvalidity": m.imap_uidvalidity, "last_uid": m.imap_last_uid,
            "checked_at": ts_opt(m.imap_checked_at), "error": m.imap_error,
        })),
        "created_at": ts(m.created_at), "updated_at": ts(m.updated_at),
    })
}

pub async fn list_mailboxes(State(s): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let all = s
        .app
        .list_mailboxes(&ctx.actor)
        .await
        .map_err(|e| ctx.err(e))?;
    let items: Vec<Value> = all.iter().map(mailbox).collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"mailboxes": items, "count": items.len()}),
    ))
}

pub async fn create_mailbox(
    State(s): State<AppState>,
    ctx: Ctx,
    Body(env): Body<MailboxEnvelope>,
) -> Result<Response, ApiError> {
    let m = s
        .app
        .create_mailbox(&ctx.actor, data(env.mailbox, None))
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"mailbox": mailbox(&m)}),
    ))
}

pub async fn show_mailbox(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let m = s
        .app
        .get_mailbox(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(StatusCode::OK, json!({"mailbox": mailbox(&m)})))
}

pub async fn update_mailbox(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Body(env): Body<MailboxEnvelope>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let old = s
        .app
        .get_mailbox(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let m = s
        .app
        .update_mailbox(&ctx.actor, id, data(env.mailbox, Some(&old)))
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(StatusCode::OK, json!({"mailbox": mailbox(&m)})))
}

pub async fn delete_mailbox(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .delete_mailbox(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn quarantined(q: &model::Quarantined) -> Value {
    json!({
        "id": q.id, "mailbox_id": q.mailbox_id, "source": q.source,
        "envelope_from": q.envelope_from, "envelope_to": q.envelope_to,
        "reason": q.reason, "detail": q.detail, "from": q.from_addr, "subject": q.subject,
        "size": q.size, "created_at": ts(q.created_at), "resolved_at": ts_opt(q.resolved_at),
        "resolved_by": q.resolved_by, "resolution": q.resolution, "ticket_id": q.case_id,
    })
}

pub async fn list_quarantine(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let all = matches!(p.get("include_resolved"), Some("true" | "1"));
    let after = p.int("after_id", ctx.locale)?.unwrap_or(0);
    let limit = p.int("limit", ctx.locale)?.unwrap_or(100).clamp(1, 1000);
    let rows = s
        .app
        .list_quarantine(&ctx.actor, all, after, limit)
        .await
        .map_err(|e| ctx.err(e))?;
    let items: Vec<Value> = rows.iter().map(quarantined).collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"quarantine": items, "count": items.len()}),
    ))
}

pub async fn show_quarantined(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let (q, _) = s
        .app
        .quarantined(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"quarantined": quarantined(&q)}),
    ))
}

pub async fn raw_quarantined(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let (_, raw) = s
        .app
        .quarantined(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(raw_download(raw, &format!("quarantine-{id}.eml")))
}

fn ingested(i: &Ingested) -> Value {
    match i {
        Ingested::Created { case_id } => json!({"outcome": "created", "ticket_id": case_id}),
        Ingested::Appended { case_id } => json!({"outcome": "appended", "ticket_id": case_id}),
        Ingested::Duplicate { case_id } => json!({"outcome": "duplicate", "ticket_id": case_id}),
        Ingested::Quarantined { id, reason } => {
            json!({"outcome": "quarantined", "quarantine_id": id, "reason": reason})
        }
    }
}

pub async fn reprocess_quarantined(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    p: Params,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    // `?mailbox_id=N` delivers it to another mailbox (an unknown recipient, say).
    let mailbox_id = p.int("mailbox_id", ctx.locale)?;
    let r = s
        .app
        .reprocess_quarantined(&ctx.actor, id, mailbox_id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(StatusCode::OK, json!({"result": ingested(&r)})))
}

pub async fn dismiss_quarantined(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    s.app
        .dismiss_quarantined(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn outbox(o: &model::OutboxMail) -> Value {
    json!({
        "id": o.id, "kind": o.kind, "ticket_id": o.case_id, "comment_id": o.message_id,
        "user_id": o.user_id, "mailbox_id": o.mailbox_id, "from": o.envelope_from,
        "to": o.recipient, "message_id": o.message_key, "state": o.state,
        "attempts": o.attempts, "next_attempt_at": ts(o.next_attempt_at),
        "last_error": o.last_error, "sent_at": ts_opt(o.sent_at), "created_at": ts(o.created_at),
    })
}

pub async fn list_outbox(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let state = p.get("state").filter(|v| !v.is_empty()).map(str::to_string);
    if let Some(v) = &state
        && !matches!(v.as_str(), "queued" | "sent" | "failed" | "not_sent")
    {
        return Err(ApiError::Param(
            "state",
            format!("'{v}' must be queued, sent, failed or not_sent"),
            ctx.locale,
        ));
    }
    let after = p.int("after_id", ctx.locale)?.unwrap_or(0);
    let limit = p.int("limit", ctx.locale)?.unwrap_or(100).clamp(1, 1000);
    let rows = s
        .app
        .list_outbox(&ctx.actor, state.as_deref(), after, limit)
        .await
        .map_err(|e| ctx.err(e))?;
    let items: Vec<Value> = rows.iter().map(outbox).collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"outbox": items, "count": items.len()}),
    ))
}

fn email(e: &model::Email) -> Value {
    let verdict = app::email::auth_verdict(e.auth_results.as_deref())
        .map(|v| json!({"server": v.server, "dkim": v.dkim, "spf": v.spf, "dmarc": v.dmarc}));
    json!({
        "id": e.id, "message_id": e.message_key, "direction": e.direction,
        "comment_id": e.message_id, "mailbox_id": e.mailbox_id, "from": e.from_addr,
        "to": e.to_addrs.split_whitespace().collect::<Vec<_>>(), "subject": e.subject,
        "in_reply_to": e.in_reply_to, "references": e.refs.as_deref().map(|r| r.split_whitespace().collect::<Vec<_>>()),
        "auto": e.auto_kind, "authentication_results": e.auth_results,
        "authentication": verdict,
        "full_text": e.full_text, "html": e.html, "original_kept": e.raw_sha256.is_some(),
        "created_at": ts(e.created_at),
    })
}

pub async fn case_emails(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let rows = s
        .app
        .case_emails(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let items: Vec<Value> = rows.iter().map(email).collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"emails": items, "count": items.len()}),
    ))
}

pub async fn email_original(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, email_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, &ctx)?;
    let email_id = path_id(&email_id, &ctx)?;
    let raw = s
        .app
        .email_original(&ctx.actor, email_id, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(raw_download(
        raw,
        &format!("ticket-{id}-email-{email_id}.eml"),
    ))
}

/// A stranger's raw mail, as a download only: never rendered or sniffed as HTML by the
/// browser (its parts may hold scripts), and sandboxed should it be opened anyway.
fn raw_download(raw: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "message/rfc822".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        raw,
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    subject: String,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateEnvelope {
    email_template: TemplateIn,
}

pub async fn list_templates(State(s): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let all = s
        .app
        .list_templates(&ctx.actor)
        .await
        .map_err(|e| ctx.err(e))?;
    let items: Vec<Value> = all
        .iter()
        .map(|(k, l, sub, body, custom)| {
            json!({"key": k, "locale": l, "subject": sub, "body": body, "customised": custom})
        })
        .collect();
    Ok(json_ok(StatusCode::OK, json!({"email_templates": items})))
}

pub async fn put_template(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((key, locale)): Path<(String, String)>,
    Body(env): Body<TemplateEnvelope>,
) -> Result<Response, ApiError> {
    let t = env.email_template;
    s.app
        .put_template(&ctx.actor, &key, &locale, &t.subject, &t.body)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"email_template": {"key": key, "locale": locale, "subject": t.subject, "body": t.body, "customised": true}}),
    ))
}

pub async fn reset_template(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((key, locale)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    s.app
        .reset_template(&ctx.actor, &key, &locale)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
