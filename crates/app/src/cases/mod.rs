//! Cases (A1–A8): one module per use case family. Each writes the case, its message, its
//! events and its search document in one transaction. This module holds the types the
//! use cases take and return and the helpers they share; `read` lists and reads, `create`
//! and `update` are the two write paths every transport calls, `actions` the one-step
//! shortcuts (reply, note, assign, status, customer confirmation, quiet close, delete),
//! `merge` merges and links, `compensation` records a gesture (A2, A8).
//! Beside them: `attachments` (uploads and files), `categories` (the tree), `search` (the
//! query language), `views` (the inbox), `jobs` (bulk operations), `canned` (canned
//! answers), `html` (the sanitiser every transport uses before storing HTML).

mod actions;
pub mod attachments;
pub mod canned;
pub mod categories;
mod compensation;
mod create;
pub mod html;
pub mod jobs;
mod merge;
mod read;
pub mod search;
mod update;
pub mod views;

pub use read::MAX_ASSIGNABLE;

use crate::model;
use crate::{Actor, App, AppError, FieldError, Result};
use domain::lifecycle::{self, LifecycleError, Transition};
use domain::standards::ClockEvent;
use domain::text::fold;
use domain::{
    Channel, CompensationKind, Currency, EmailAddress, JourneyStage, Kind, LinkKind, Locale,
    Priority, Role, Status, Tag, TicketType,
};
use jiff::Timestamp;
use store::{CaseRow, CompensationRow, LinkRow, NewEvent, Tx};

/// Who the case is for.
#[derive(Debug, Clone)]
pub enum RequesterRef {
    Id(i64),
    Email {
        email: EmailAddress,
        name: Option<String>,
        locale: Option<Locale>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct CommentInput {
    pub body: String,
    /// Already sanitised HTML, or empty (then derived from the text).
    pub html_body: Option<String>,
    pub public: Option<bool>,
    /// Staff may post on behalf of another user (e.g. the requester, for a phone call).
    pub author_id: Option<i64>,
    /// Upload tokens of the caller whose files this message carries.
    pub uploads: Vec<String>,
    /// Where the message was written when it is not the case's own channel: `Web` for a
    /// reply typed in the agent screens. `None`: the case's channel (email for inbound mail).
    pub via: Option<Channel>,
    /// Set by the email channel only: the email this message is, written in the same
    /// transaction (its Message-ID, original, attachments).
    pub inbound: Option<std::sync::Arc<crate::email::InboundMail>>,
    /// Set by the contact form only (`App::submit_contact_form`): the topic the customer
    /// chose routes the case (team, category, fields) and the acknowledgement goes out,
    /// as the email channel does. Only `app` can make one.
    pub form: Option<std::sync::Arc<crate::portal::forms::FormRouting>>,
    /// Set by the live chat only (`app::chat`): the message is one of a conversation's,
    /// numbered in its event log in the same transaction, delivered live (never emailed).
    pub chat: Option<std::sync::Arc<crate::chat::ChatStamp>>,
}

/// A2 complaint register: every field optional; `Some(None)` clears.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComplaintPatch {
    pub agreed_solution: Option<Option<String>>,
    pub solved_on_the_spot: Option<bool>,
    pub promised_at: Option<Option<Timestamp>>,
    pub follow_up_at: Option<Option<Timestamp>>,
    pub follow_up_done_at: Option<Option<Timestamp>>,
    pub prevention_suggestion: Option<Option<String>>,
    pub root_cause: Option<Option<String>>,
    pub resolved_at: Option<Option<Timestamp>>,
}

#[derive(Debug, Clone, Default)]
pub struct NewCase {
    pub subject: Option<String>,
    pub comment: Option<CommentInput>,
    pub requester: Option<RequesterRef>,
    pub submitter_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub category_id: Option<i64>,
    pub priority: Option<Priority>,
    pub status: Option<Status>,
    pub ticket_type: Option<TicketType>,
    pub kind: Option<Kind>,
    pub channel: Option<Channel>,
    pub journey_stage: Option<JourneyStage>,
    pub tags: Vec<Tag>,
    pub custom_fields: Option<serde_json::Value>,
    pub external_id: Option<String>,
    pub due_at: Option<Timestamp>,
    /// When the contact happened, if earlier than now (A6: a call logged after hanging up).
    pub received_at: Option<Timestamp>,
    pub received_by_id: Option<i64>,
    pub complaint: Option<ComplaintPatch>,
}

/// Changes to a case; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CaseChanges {
    pub subject: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Option<Priority>>,
    pub ticket_type: Option<Option<TicketType>>,
    pub kind: Option<Kind>,
    pub journey_stage: Option<Option<JourneyStage>>,
    pub requester_id: Option<i64>,
    pub assignee_id: Option<Option<i64>>,
    pub team_id: Option<Option<i64>>,
    pub organization_id: Option<Option<i64>>,
    pub category_id: Option<Option<i64>>,
    pub tags: Option<Vec<Tag>>,
    pub additional_tags: Vec<Tag>,
    pub remove_tags: Vec<Tag>,
    pub custom_fields: Option<serde_json::Value>,
    pub external_id: Option<Option<String>>,
    pub due_at: Option<Option<Timestamp>>,
    pub comment: Option<CommentInput>,
    pub complaint: Option<ComplaintPatch>,
    /// Safe update: refuse (409, code `stale`) if the case changed after this instant
    /// (ms). Checked inside the write transaction, on the locked row.
    pub unchanged_since: Option<i64>,
    /// What the customer says of their case in the portal (with or without a comment).
    pub customer_move: Option<CustomerMove>,
}

/// A customer's own status change (the portal's buttons, the Requests API's `solved`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerMove {
    /// "No, still a problem": a solved case reopens (the reopening counts).
    StillAProblem,
    /// "Mark as solved" on an open case, where the case's team allows it and the case has
    /// an assignee (Zendesk's `can_be_solved_by_me`).
    Solved,
}

impl CaseChanges {
    /// True when nothing but a comment is asked for.
    fn only_comment(&self) -> bool {
        let mut c = self.clone();
        c.comment = None;
        c.customer_move = None;
        c.subject.is_none()
            && c.status.is_none()
            && c.priority.is_none()
            && c.ticket_type.is_none()
            && c.kind.is_none()
            && c.journey_stage.is_none()
            && c.requester_id.is_none()
            && c.assignee_id.is_none()
            && c.team_id.is_none()
            && c.organization_id.is_none()
            && c.category_id.is_none()
            && c.tags.is_none()
            && c.additional_tags.is_empty()
            && c.remove_tags.is_empty()
            && c.custom_fields.is_none()
            && c.external_id.is_none()
            && c.due_at.is_none()
            && c.complaint.is_none()
    }
}

/// What a write did: the case after it, the message it added, the events it appended.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    pub case: model::Case,
    pub message: Option<model::Message>,
    pub events: Vec<model::Event>,
    /// Files the new message carries (claimed from its `uploads`).
    pub attachments: Vec<model::Attachment>,
    /// The request replayed an earlier one with the same Idempotency-Key.
    pub replayed: bool,
}

#[derive(Debug, Clone)]
pub struct NewCompensation {
    pub kind: CompensationKind,
    pub amount_cents: i64,
    pub currency: Currency,
    pub note: String,
}

const MAX_SUBJECT: usize = 500;

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn opt_ms(t: Option<Timestamp>) -> Option<i64> {
    t.map(ms)
}

fn fmt_ms(v: Option<i64>) -> Option<String> {
    v.and_then(|m| Timestamp::from_millisecond(m).ok())
        .map(|t| t.to_string())
}

/// The requester of a case being created, with what the case copies from them.
struct Person {
    id: i64,
    organization_id: Option<i64>,
    /// Name and identities, for the case's search document.
    text: String,
}

fn person_text(u: &store::UserRow, ids: &[store::IdentityRow]) -> String {
    let mut s = u.name.clone();
    for i in ids {
        s.push(' ');
        s.push_str(&i.value);
    }
    s
}

fn lifecycle_err(e: LifecycleError) -> AppError {
    let code = match e {
        LifecycleError::Closed => "case-closed",
        LifecycleError::BackToNew => "status-back-to-new",
        LifecycleError::AgentCannotClose => "status-agent-close",
        LifecycleError::NotSolved => "status-not-solved",
    };
    AppError::invalid("status", code, e.to_string())
}

/// Every case for staff; a customer's own cases for a customer.
fn visible_cases(actor: &Actor) -> store::CaseFilter {
    let mut f = store::CaseFilter::default();
    if !actor.role.is_staff() {
        f.push(store::Cond::Col {
            col: store::CaseCol::RequesterId,
            cmp: store::Cmp::Eq,
            val: store::Val::Int(actor.user_id),
        });
    }
    f
}

/// Events collected during a use case, written in one go.
#[derive(Default)]
struct Events(Vec<NewEvent>);

impl Events {
    fn change(&mut self, field: &'static str, old: Option<String>, new: Option<String>) {
        if old != new {
            self.0.push(NewEvent {
                kind: "field_changed",
                field: Some(field),
                old_value: old,
                new_value: new,
            });
        }
    }
    fn add(&mut self, kind: &'static str, value: Option<String>) {
        self.0.push(NewEvent {
            kind,
            field: None,
            old_value: None,
            new_value: value,
        });
    }
}

/// Plain text as safe HTML (escaped, line breaks kept); shared by every transport.
pub fn html_from_text(text: &str) -> String {
    let mut out = String::from("<div class=\"zd-comment\"><p>");
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out.push_str("</p></div>");
    out
}

fn apply_complaint(c: &mut CaseRow, p: &ComplaintPatch, ev: &mut Events) {
    if let Some(v) = &p.agreed_solution {
        ev.change(
            "complaint.agreed_solution",
            c.agreed_solution.clone(),
            v.clone(),
        );
        c.agreed_solution = v.clone();
    }
    if let Some(v) = p.solved_on_the_spot {
        ev.change(
            "complaint.solved_on_the_spot",
            Some(c.solved_on_the_spot.to_string()),
            Some(v.to_string()),
        );
        c.solved_on_the_spot = v;
    }
    let mut ts = |field: &'static str, slot: &mut Option<i64>, v: &Option<Option<Timestamp>>| {
        if let Some(v) = v {
            let new = opt_ms(*v);
            ev.change(field, fmt_ms(*slot), fmt_ms(new));
            *slot = new;
        }
    };
    ts("complaint.promised_at", &mut c.promised_at, &p.promised_at);
    ts(
        "complaint.follow_up_at",
        &mut c.follow_up_at,
        &p.follow_up_at,
    );
    ts(
        "complaint.follow_up_done_at",
        &mut c.follow_up_done_at,
        &p.follow_up_done_at,
    );
    ts(
        "complaint.resolved_at",
        &mut c.complaint_resolved_at,
        &p.resolved_at,
    );
    if let Some(v) = &p.prevention_suggestion {
        ev.change(
            "complaint.prevention_suggestion",
            c.prevention_suggestion.clone(),
            v.clone(),
        );
        c.prevention_suggestion = v.clone();
    }
    if let Some(v) = &p.root_cause {
        ev.change("complaint.root_cause", c.root_cause.clone(), v.clone());
        c.root_cause = v.clone();
    }
}

impl App {
    // ---------- reference checks ----------

    async fn check_staff_user(&self, field: &str, id: i64) -> Result<()> {
        let u = self.store.user(id).await?;
        match u {
            Some(u) if u.role != Role::EndUser.as_str() && u.active => Ok(()),
            Some(_) => Err(AppError::invalid(field, "not-staff", id.to_string())),
            None => Err(AppError::invalid(
                field,
                "unknown-reference",
                id.to_string(),
            )),
        }
    }

    pub(crate) async fn check_refs(
        &self,
        team: Option<i64>,
        org: Option<i64>,
        category: Option<i64>,
    ) -> Result<()> {
        let mut errs = Vec::new();
        if let Some(t) = team
            && self.store.team(t).await?.is_none()
        {
            errs.push(FieldError::new(
                "group_id",
                "unknown-reference",
                t.to_string(),
            ));
        }
        if let Some(o) = org
            && self.store.org(o).await?.is_none()
        {
            errs.push(FieldError::new(
                "organization_id",
                "unknown-reference",
                o.to_string(),
            ));
        }
        if let Some(c) = category
            && self.store.category(c).await?.is_none()
        {
            errs.push(FieldError::new(
                "category_id",
                "unknown-reference",
                c.to_string(),
            ));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errs))
        }
    }

    async fn people_text(&self, tx: &mut Tx, user_id: i64) -> Result<String> {
        Ok(match tx.user_in_tx(user_id).await? {
            Some(u) => person_text(&u, &tx.identities_in_tx(user_id).await?),
            None => String::new(),
        })
    }

    async fn rebuild_search_doc(&self, tx: &mut Tx, c: &CaseRow) -> Result<()> {
        let mut doc = format!(
            "{} {}",
            c.subject,
            self.people_text(tx, c.requester_id).await?
        );
        let mut public = doc.clone();
        for m in tx.messages_in_tx(c.id).await? {
            doc.push(' ');
            doc.push_str(&m.body);
            if m.public {
                public.push(' ');
                public.push_str(&m.body);
            }
        }
        tx.set_search_doc(c.id, &fold(&doc), &fold(&public)).await?;
        Ok(())
    }
}

/// Clock events for changes of the complaint register's dates (A2).
fn register_clock_events(
    c: &CaseRow,
    before: (Option<i64>, Option<i64>, Option<i64>, Option<i64>),
    now: i64,
    out: &mut Vec<ClockEvent>,
) {
    let (promised, follow_up, follow_up_done, resolved) = before;
    if c.promised_at != promised {
        out.push(ClockEvent::Promise {
            at: now,
            date: c.promised_at,
        });
    }
    if c.follow_up_at != follow_up {
        out.push(ClockEvent::FollowUp {
            at: now,
            date: c.follow_up_at,
        });
    }
    if c.follow_up_done_at.is_some() && follow_up_done.is_none() {
        out.push(ClockEvent::FollowUpDone { at: now });
    }
    if c.complaint_resolved_at.is_some() && resolved.is_none() {
        out.push(ClockEvent::ComplaintResolved { at: now });
    }
}
