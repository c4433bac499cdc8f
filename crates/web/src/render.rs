//! Rows → Zendesk-shaped JSON, with Guichet's own fields as extra keys.

use app::model;
use app::people::UserView;
use domain::Role;
use serde_json::{Value, json};

/// ISO 8601 UTC with second precision and `Z`, as Zendesk sends.
pub fn ts(ms: i64) -> Value {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => Value::String(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        Err(_) => Value::Null,
    }
}

pub fn ts_opt(ms: Option<i64>) -> Value {
    ms.map(ts).unwrap_or(Value::Null)
}

fn tags(s: &str) -> Value {
    Value::Array(
        s.split_whitespace()
            .map(|t| Value::String(t.into()))
            .collect(),
    )
}

pub fn ticket(c: &model::Case, base: &str) -> Value {
    let custom: Value = serde_json::from_str(&c.custom_fields).unwrap_or(json!([]));
    json!({
        "url": format!("{base}/api/v2/tickets/{}.json", c.id),
        "id": c.id,
        "external_id": c.external_id,
        "via": {"channel": c.channel, "source": {"from": {}, "to": {}, "rel": null}},
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "type": c.ticket_type,
        "subject": c.subject,
        "raw_subject": c.subject,
        "description": c.description,
        "priority": c.priority,
        "status": c.status,
        "recipient": null,
        "requester_id": c.requester_id,
        "submitter_id": c.submitter_id,
        "assignee_id": c.assignee_id,
        "organization_id": c.organization_id,
        "group_id": c.team_id,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "forum_topic_id": null,
        "problem_id": null,
        "has_incidents": false,
        "is_public": true,
        "due_at": ts_opt(c.due_at),
        "tags": tags(&c.tags),
        "custom_fields": custom.clone(),
        "fields": custom,
        "satisfaction_rating": null,
        "sharing_agreement_ids": [],
        "followup_ids": [],
        "brand_id": null,
        "allow_channelback": false,
        "allow_attachments": true,
        "from_messaging_channel": false,
        // Guichet's own fields.
        "kind": c.kind,
        "channel": c.channel,
        "journey_stage": c.journey_stage,
        "category_id": c.category_id,
        "received_by_id": c.received_by_id,
        "received_at": ts(c.received_at),
        "solved_at": ts_opt(c.solved_at),
        "closed_at": ts_opt(c.closed_at),
        "transfer_count": c.transfer_count,
        "reopen_count": c.reopen_count,
        "merged_into_id": c.merged_into_id,
        "complaint": {
            "agreed_solution": c.agreed_solution,
            "solved_on_the_spot": c.solved_on_the_spot,
            "promised_at": ts_opt(c.promised_at),
            "follow_up_at": ts_opt(c.follow_up_at),
            "follow_up_done_at": ts_opt(c.follow_up_done_at),
            "prevention_suggestion": c.prevention_suggestion,
            "root_cause": c.root_cause,
            "resolved_at": ts_opt(c.complaint_resolved_at),
        },
    })
}

/// A ticket as its customer (end user) sees it, from the customer view `app` builds (an
/// allow-list: `model::CustomerCase` has no internal field to leak). Fields the customer
/// view lacks are written as Zendesk's empty values.
pub fn ticket_end_user(c: &model::CustomerCase, base: &str) -> Value {
    json!({
        "url": format!("{base}/api/v2/tickets/{}.json", c.id),
        "id": c.id,
        "via": {"channel": c.channel, "source": {"from": {}, "to": {}, "rel": null}},
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "type": c.ticket_type,
        "subject": c.subject,
        "raw_subject": c.subject,
        "description": c.description,
        "priority": c.priority,
        "status": c.status,
        "requester_id": c.requester_id,
        "organization_id": c.organization_id,
        "collaborator_ids": [],
        "email_cc_ids": [],
        "is_public": true,
        "custom_fields": [],
        "fields": [],
        "allow_attachments": true,
        "channel": c.channel,
        "received_at": ts(c.received_at),
        "solved_at": ts_opt(c.solved_at),
        "closed_at": ts_opt(c.closed_at),
        "merged_into_id": c.merged_into_id,
        "complaint": {
            "agreed_solution": c.agreed_solution,
            "promised_at": ts_opt(c.promised_at),
            "resolved_at": ts_opt(c.complaint_resolved_at),
        },
    })
}

/// A request (Zendesk's Requests API): the requester's view of a ticket, from the same
/// customer allow-list as [`ticket_end_user`], with `can_be_solved_by_me`.
pub fn request(c: &model::CustomerCase, can_be_solved_by_me: bool, base: &str) -> Value {
    json!({
        "url": format!("{base}/api/v2/requests/{}.json", c.id),
        "id": c.id,
        "status": c.status,
        "priority": c.priority,
        "type": c.ticket_type,
        "subject": c.subject,
        "description": c.description,
        "organization_id": c.organization_id,
        "via": {"channel": c.channel, "source": {"from": {}, "to": {}, "rel": null}},
        "custom_fields": [],
        "fields": [],
        "requester_id": c.requester_id,
        "collaborator_ids": [],
        "email_cc_ids": [],
        "is_public": true,
        "due_at": null,
        "can_be_solved_by_me": can_be_solved_by_me,
        "solved": matches!(c.status.as_str(), "solved" | "closed"),
        "followup_source_id": null,
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
    })
}

/// A public comment of a request, as its requester reads it (author by id, never an
/// internal note: the thread holds public messages only).
pub fn request_comment(m: &app::portal::PortalMessage, html: Option<&String>, base: &str) -> Value {
    json!({
        "id": m.id,
        "type": "Comment",
        "request_id": null,
        "author_id": m.author_id,
        "body": m.body,
        "html_body": html.cloned().unwrap_or_else(|| m.body.clone()),
        "plain_body": m.body,
        "public": true,
        "attachments": m.attachments.iter().map(|a| {
            let content = format!("{base}/api/v2/attachments/{}/content", a.id);
            json!({"id": a.id, "file_name": a.file_name, "size": a.size,
                "content_url": content, "mapped_content_url": content,
                "url": format!("{base}/api/v2/attachments/{}.json", a.id)})
        }).collect::<Vec<_>>(),
        "created_at": ts(m.created_at),
    })
}

/// The audit a customer gets with their own create or comment: their public comment, the
/// creation and the status it moved to; no other field change.
pub fn audit_end_user(
    c: &model::Case,
    author: i64,
    message: Option<&model::Message>,
    atts: &[model::Attachment],
    events: &[model::Event],
    base: &str,
) -> Value {
    let audit_id = events.first().map(|e| e.id);
    let mut items = Vec::new();
    if let Some(m) = message.filter(|m| m.public) {
        items.push(comment(m, audit_id, atts, base));
    }
    for e in events {
        match (e.kind.as_str(), e.field.as_deref()) {
            ("field_changed", Some("status")) => items.push(json!({
                "id": e.id, "type": "Change", "field_name": "status", "value": e.new_value, "previous_value": e.old_value,
            })),
            ("created", _) => items.push(json!({"id": e.id, "type": "Create", "field_name": "status", "value": c.status})),
            _ => {}
        }
    }
    json!({
        "id": audit_id,
        "ticket_id": c.id,
        "created_at": ts(events.first().map(|e| e.created_at).unwrap_or(c.updated_at)),
        "author_id": author,
        "metadata": {"system": {}, "custom": {}},
        "via": {"channel": c.channel},
        "events": items,
    })
}

/// An attachment as Zendesk shows it; `content_url` needs the caller's credentials.
pub fn attachment(a: &model::Attachment, base: &str) -> Value {
    let content = format!("{base}/api/v2/attachments/{}/content", a.id);
    json!({
        "id": a.id,
        "url": format!("{base}/api/v2/attachments/{}.json", a.id),
        "file_name": a.file_name,
        "content_url": content,
        "mapped_content_url": content,
        "content_type": a.content_type,
        "size": a.size,
        "width": null,
        "height": null,
        "inline": a.inline,
        "content_id": a.content_id,
        "deleted": false,
        "malware_access_override": false,
        "malware_scan_result": "not_scanned",
        "thumbnails": [],
        "sha256": a.sha256,
        "created_at": ts(a.created_at),
    })
}

pub fn comment(
    m: &model::Message,
    audit_id: Option<i64>,
    atts: &[model::Attachment],
    base: &str,
) -> Value {
    comment_delivered(m, audit_id, atts, base, None)
}

/// A comment with, for staff, how its email went (Guichet's addition to Zendesk's shape):
/// `delivery: {state: queued|sent|failed|not_sent, recipient, error, attempts, at}`.
pub fn comment_delivered(
    m: &model::Message,
    audit_id: Option<i64>,
    atts: &[model::Attachment],
    base: &str,
    delivery: Option<&app::email::outbox_types::Delivery>,
) -> Value {
    let delivery = delivery.map(|d| {
        json!({
            "state": d.state,
            "recipient": (!d.recipient.is_empty()).then_some(&d.recipient),
            "error": d.error,
            "attempts": d.attempts,
            "at": ts(d.at),
        })
    });
    json!({
        "id": m.id,
        "type": "Comment",
        "author_id": m.author_id,
        "body": m.body,
        "html_body": m.html_body,
        "plain_body": m.body,
        "public": m.public,
        "attachments": atts.iter().map(|a| attachment(a, base)).collect::<Vec<_>>(),
        "audit_id": audit_id,
        "via": {"channel": m.channel},
        "created_at": ts(m.created_at),
        "metadata": {"system": {}, "custom": {}},
        "delivery": delivery,
    })
}

/// The audit Zendesk returns with a create or update: the comment and field changes.
pub fn audit(
    c: &model::Case,
    author: i64,
    message: Option<&model::Message>,
    atts: &[model::Attachment],
    events: &[model::Event],
    base: &str,
) -> Value {
    let audit_id = events.first().map(|e| e.id);
    let mut items = Vec::new();
    if let Some(m) = message {
        let mut v = comment(m, audit_id, atts, base);
        v["id"] = json!(m.id);
        items.push(v);
    }
    for e in events {
        match (e.kind.as_str(), &e.field) {
            ("field_changed", Some(f)) => items.push(json!({
                "id": e.id, "type": "Change", "field_name": f, "value": e.new_value, "previous_value": e.old_value,
            })),
            ("created", _) => items.push(json!({"id": e.id, "type": "Create", "field_name": "status", "value": c.status})),
            _ => {}
        }
    }
    json!({
        "id": audit_id,
        "ticket_id": c.id,
        "created_at": ts(events.first().map(|e| e.created_at).unwrap_or(c.updated_at)),
        "author_id": author,
        "metadata": {"system": {}, "custom": {}},
        "via": {"channel": c.channel},
        "events": items,
    })
}

pub fn event(e: &model::Event) -> Value {
    json!({
        "id": e.id, "ticket_id": e.case_id, "actor_id": e.actor_id, "kind": e.kind, "field": e.field,
        "old_value": e.old_value, "new_value": e.new_value, "created_at": ts(e.created_at),
    })
}

pub fn link(l: &model::Link) -> Value {
    json!({"ticket_id": l.case_id, "other_ticket_id": l.other_id, "kind": l.kind, "created_by_id": l.created_by, "created_at": ts(l.created_at)})
}

pub fn compensation(c: &model::Compensation) -> Value {
    json!({
        "id": c.id, "ticket_id": c.case_id, "kind": c.kind, "amount": c.amount_cents as f64 / 100.0,
        "amount_cents": c.amount_cents, "currency": c.currency, "note": c.note, "status": c.status,
        "requested_by_id": c.requested_by_id, "decided_by_id": c.decided_by_id,
        "created_at": ts(c.created_at), "decided_at": ts_opt(c.decided_at),
    })
}

pub fn user(v: &UserView, base: &str) -> Value {
    let u = &v.user;
    let role: Role = u.role.parse().unwrap_or(Role::EndUser);
    let emails: Vec<&str> = v
        .identities
        .iter()
        .filter(|i| i.kind == "email")
        .map(|i| i.value.as_str())
        .collect();
    let phones: Vec<&str> = v
        .identities
        .iter()
        .filter(|i| i.kind == "phone")
        .map(|i| i.value.as_str())
        .collect();
    let postal: Value = u
        .postal_address
        .as_deref()
        .map(|p| serde_json::from_str(p).unwrap_or(Value::String(p.into())))
        .unwrap_or(Value::Null);
    json!({
        "id": u.id,
        "url": format!("{base}/api/v2/users/{}.json", u.id),
        "name": u.name,
        "email": v.primary_email(),
        "phone": v.primary_phone(),
        "created_at": ts(u.created_at),
        "updated_at": ts(u.updated_at),
        "time_zone": u.time_zone,
        "iana_time_zone": u.time_zone,
        "locale": u.locale,
        "locale_id": null,
        "organization_id": u.organization_id,
        "role": role.zendesk_role(),
        "role_type": null,
        "guichet_role": u.role,
        "verified": true,
        "external_id": u.external_id,
        "tags": tags(&u.tags),
        "alias": null,
        "active": u.active,
        "shared": false,
        "suspended": false,
        "notes": u.notes,
        "details": u.details,
        "photo": null,
        "user_fields": {},
        "emails": emails,
        "phones": phones,
        // Addresses that refuse our mail, with the bounce or the server's answer (staff
        // only: the end user's allow-list leaves it out).
        "failing_emails": v.identities.iter().filter(|i| i.kind == "email" && i.failing)
            .map(|i| json!({"email": i.value, "reason": i.failing_reason,
                            "since": i.failing_at.map(ts)}))
            .collect::<Vec<_>>(),
        "postal_address": postal,
        "compensation_limit": if u.compensation_limit_cents == i64::MAX { Value::Null } else { json!(u.compensation_limit_cents as f64 / 100.0) },
    })
}

/// A user as an end user sees their own profile: an allow-list without the staff's notes,
/// details, tags, external id or compensation authority.
pub fn user_end_user(v: &UserView, base: &str) -> Value {
    let full = user(v, base);
    let mut out = serde_json::Map::new();
    for k in [
        "id",
        "url",
        "name",
        "email",
        "phone",
        "created_at",
        "updated_at",
        "time_zone",
        "iana_time_zone",
        "locale",
        "locale_id",
        "organization_id",
        "role",
        "verified",
        "active",
        "photo",
        "emails",
        "phones",
        "postal_address",
    ] {
        out.insert(k.into(), full[k].clone());
    }
    out.insert("user_fields".into(), json!({}));
    out.insert("suspended".into(), json!(false));
    Value::Object(out)
}

pub fn org(o: &model::Org, base: &str) -> Value {
    let domains: Value = serde_json::from_str(&o.domain_names).unwrap_or(json!([]));
    json!({
        "url": format!("{base}/api/v2/organizations/{}.json", o.id),
        "id": o.id, "name": o.name, "shared_tickets": o.shared_tickets, "shared_comments": false,
        "external_id": o.external_id, "created_at": ts(o.created_at), "updated_at": ts(o.updated_at),
        "domain_names": domains, "details": o.details, "notes": o.notes, "group_id": null,
        "tags": tags(&o.tags), "organization_fields": {},
    })
}

/// An organisation as one of its members (an end user) sees it: its name, never the staff's
/// notes, details, tags or external id.
pub fn org_end_user(o: &model::Org, base: &str) -> Value {
    json!({
        "url": format!("{base}/api/v2/organizations/{}.json", o.id),
        "id": o.id, "name": o.name, "created_at": ts(o.created_at), "updated_at": ts(o.updated_at),
    })
}

pub fn group(t: &model::Team, base: &str) -> Value {
    json!({
        "url": format!("{base}/api/v2/groups/{}.json", t.id),
        "id": t.id, "name": t.name, "description": t.description, "is_public": t.is_public,
        "default": false, "deleted": t.deleted, "created_at": ts(t.created_at), "updated_at": ts(t.updated_at),
    })
}

pub fn job(j: &model::Job, base: &str) -> Value {
    let results: Value = serde_json::from_str(&j.results).unwrap_or(json!([]));
    json!({
        "id": j.id, "url": format!("{base}/api/v2/job_statuses/{}.json", j.id), "total": j.total,
        "progress": j.total, "status": j.status, "job_type": j.job_type,
        "message": format!("Completed at {}", jiff::Timestamp::from_millisecond(j.updated_at).map(|t| t.strftime("%Y-%m-%d %H:%M:%S +0000").to_string()).unwrap_or_default()),
        "results": results,
    })
}

pub fn category(c: &app::cases::categories::CategoryView, base: &str) -> Value {
    json!({
        "id": c.row.id,
        "url": format!("{base}/api/v2/categories/{}.json", c.row.id),
        "name": c.row.name,
        "parent_id": c.row.parent_id,
        "path": c.path,
        "full_name": c.path.join(" > "),
        "depth": c.path.len().saturating_sub(1),
        "created_at": ts(c.row.created_at),
        "updated_at": ts(c.row.updated_at),
    })
}
