//! Case use cases (A1–A8). Each writes the case, its message, its events and its search
//! document in one transaction.

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
    /// Set by the email channel only: the email this message is, written in the same
    /// transaction (its Message-ID, original, attachments).
    pub inbound: Option<std::sync::Arc<crate::email::InboundMail>>,
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
}

impl CaseChanges {
    /// True when nothing but a comment is asked for.
    fn only_comment(&self) -> bool {
        let mut c = self.clone();
        c.comment = None;
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

/// How many staff the assignee list of a case offers at most.
pub const MAX_ASSIGNABLE: i64 = 2000;

impl App {
    // ---------- reads ----------

    /// Cases as the actor may list them: staff every case, a customer only the cases they
    /// requested. `order` and `dir` sort; `page` is an offset or an id cursor.
    pub async fn list_cases(
        &self,
        actor: &Actor,
        order: model::CaseOrder,
        dir: model::Direction,
        page: model::Page,
    ) -> Result<Vec<model::Case>> {
        let mut f = visible_cases(actor);
        f.sort = order.into();
        f.dir = dir.into();
        Ok(model::all(self.store.cases(&f, page.into()).await?))
    }

    /// How many cases [`App::list_cases`] would list in all.
    pub async fn count_cases(&self, actor: &Actor) -> Result<i64> {
        Ok(self.store.count_cases(&visible_cases(actor)).await?)
    }

    /// These cases, those the actor may see (others are left out, as if absent).
    pub async fn cases_by_ids(&self, actor: &Actor, ids: &[i64]) -> Result<Vec<model::Case>> {
        Ok(self
            .store
            .cases_by_ids(ids)
            .await?
            .into_iter()
            .filter(|c| actor.role.is_staff() || c.requester_id == actor.user_id)
            .map(Into::into)
            .collect())
    }

    /// A customer's latest cases, newest first (the case page's history). Staff only.
    pub async fn requester_cases(
        &self,
        actor: &Actor,
        requester_id: i64,
        limit: i64,
    ) -> Result<Vec<model::Case>> {
        actor.require_staff()?;
        let mut f = store::CaseFilter {
            sort: store::CaseSort::CreatedAt,
            dir: store::SortDir::Desc,
            ..Default::default()
        };
        f.push(store::Cond::Col {
            col: store::CaseCol::RequesterId,
            cmp: store::Cmp::Eq,
            val: store::Val::Int(requester_id),
        });
        let page = store::Page {
            limit,
            ..store::Page::default()
        };
        Ok(model::all(self.store.cases(&f, page).await?))
    }

    /// What a customer was granted in all, per currency (cents). Staff only.
    pub async fn requester_compensation_totals(
        &self,
        actor: &Actor,
        requester_id: i64,
    ) -> Result<Vec<(String, i64)>> {
        actor.require_staff()?;
        Ok(self.store.compensations_of_requester(requester_id).await?)
    }

    /// A case as the actor may see it: customers only their own (others look absent).
    pub async fn get_case(&self, actor: &Actor, id: i64) -> Result<model::Case> {
        let c = self
            .store
            .case(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        if !actor.role.is_staff() && c.requester_id != actor.user_id {
            return Err(AppError::NotFound("ticket"));
        }
        Ok(c.into())
    }

    pub async fn case_messages(
        &self,
        actor: &Actor,
        id: i64,
        page: model::Page,
    ) -> Result<(Vec<model::Message>, i64)> {
        self.get_case(actor, id).await?;
        let public_only = !actor.role.is_staff();
        let rows = self.store.messages(id, public_only, page.into()).await?;
        let n = self.store.count_messages(id, public_only).await?;
        Ok((crate::model::all(rows), n))
    }

    /// What each case's customer sees as its description: the first public message
    /// (never an internal note, even when the case began with one); empty when none.
    pub async fn public_descriptions(
        &self,
        case_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>> {
        Ok(self
            .store
            .first_public_bodies(case_ids)
            .await?
            .into_iter()
            .collect())
    }

    pub async fn case_events(&self, actor: &Actor, id: i64) -> Result<Vec<model::Event>> {
        actor.require_staff()?;
        self.get_case(actor, id).await?;
        Ok(crate::model::all(self.store.events(id).await?))
    }

    pub async fn case_links(&self, actor: &Actor, id: i64) -> Result<Vec<model::Link>> {
        actor.require_staff()?;
        self.get_case(actor, id).await?;
        Ok(crate::model::all(self.store.links(id).await?))
    }

    pub async fn case_compensations(&self, actor: &Actor, id: i64) -> Result<Vec<model::Compensation>> {
        actor.require_staff()?;
        self.get_case(actor, id).await?;
        Ok(crate::model::all(self.store.compensations(id).await?))
    }

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

    // ---------- create ----------

    /// Create a case on any channel (A1, A6). `idempotency` is (key, request fingerprint).
    pub async fn create_case(
        &self,
        actor: &Actor,
        new: NewCase,
        idempotency: Option<(&str, &str)>,
    ) -> Result<CaseOutcome> {
        // On PostgreSQL two requests with one key can race; the loser's transaction rolls
        // back on the key's unique index and the retry replays the winner.
        for attempt in 0..2 {
            match self.create_case_once(actor, new.clone(), idempotency).await {
                Err(AppError::Conflict(f)) if f.field == "Idempotency-Key" && attempt == 0 => {
                    continue;
                }
                r => return r,
            }
        }
        Err(AppError::Internal("idempotency retry".into()))
    }

    async fn create_case_once(
        &self,
        actor: &Actor,
        new: NewCase,
        idempotency: Option<(&str, &str)>,
    ) -> Result<CaseOutcome> {
        if actor.role == Role::Analyst {
            return Err(AppError::Forbidden("your role cannot change cases"));
        }
        let customer = !actor.role.is_staff();
        let comment = new
            .comment
            .clone()
            .filter(|c| !c.body.trim().is_empty() || !c.uploads.is_empty());
        let mut errs = Vec::new();
        let subject = match new.subject.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => s.to_string(),
            // Zendesk takes the start of the first comment when no subject is given.
            _ => comment
                .as_ref()
                .map(|c| {
                    c.body
                        .lines()
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(80)
                        .collect::<String>()
                })
                .unwrap_or_default(),
        };
        if subject.trim().is_empty() {
            errs.push(FieldError::new(
                "ticket.comment",
                "required",
                "a comment or a subject",
            ));
        }
        if subject.chars().count() > MAX_SUBJECT {
            errs.push(FieldError::new(
                "ticket.subject",
                "too-long",
                MAX_SUBJECT.to_string(),
            ));
        }
        if let Some(c) = &comment
            && c.body.len() > self.config.max_body_chars
        {
            errs.push(FieldError::new(
                "ticket.comment.body",
                "too-long",
                self.config.max_body_chars.to_string(),
            ));
        }
        let via_mail = comment.as_ref().is_some_and(|c| c.inbound.is_some());
        if customer
            && (new.assignee_id.is_some()
                || (new.team_id.is_some() && !via_mail)
                || new.status.is_some_and(|s| s != Status::New))
        {
            return Err(AppError::Forbidden("customers cannot assign or set status"));
        }
        if customer && !via_mail {
            errs.extend(staff_only_fields(&new));
        }
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        if let Some(a) = new.assignee_id {
            self.check_staff_user("ticket.assignee_id", a).await?;
        }
        if let Some(a) = new.received_by_id {
            self.check_staff_user("ticket.received_by_id", a).await?;
        }
        self.check_refs(new.team_id, new.organization_id, new.category_id)
            .await?;
        let status = match new.status.unwrap_or(Status::New) {
            Status::Closed => {
                return Err(lifecycle_err(LifecycleError::AgentCannotClose));
            }
            s => s,
        };

        // The requester is usually known: read it on the reader pool, before the write
        // transaction, so the single SQLite writer holds its lock for as short as possible.
        let known = match (customer, &new.requester) {
            (true, _) | (false, None) => Some(actor.user_id),
            (false, Some(RequesterRef::Id(id))) => Some(*id),
            (false, Some(RequesterRef::Email { email, .. })) => self
                .store
                .user_by_identity("email", email.as_str())
                .await?
                .map(|u| u.id),
        };
        let known = match known {
            Some(id) => match self.store.user(id).await? {
                Some(u) => Some(Person {
                    id: u.id,
                    organization_id: u.organization_id,
                    text: person_text(&u, &self.store.identities(u.id).await?),
                }),
                None => {
                    return Err(AppError::invalid(
                        "ticket.requester_id",
                        "unknown-reference",
                        id.to_string(),
                    ));
                }
            },
            None => None,
        };

        let now = self.now_ms();
        // Refresh the cached standards before taking a connection for the write:
        // inside it, a refresh would need a second one (a full pool would deadlock).
        self.standards_snapshot().await?;
        let mut tx = self.store.begin().await?;
        if let Some((key, fp)) = idempotency
            && let Some((old_fp, id)) = tx.idempotency_lookup(actor.user_id, key).await?
        {
            tx.rollback().await?;
            if old_fp != fp {
                return Err(AppError::invalid(
                    "Idempotency-Key",
                    "idempotency-mismatch",
                    key.to_string(),
                ));
            }
            let case = self
                .store
                .case(id)
                .await?
                .ok_or(AppError::NotFound("ticket"))?;
            return Ok(CaseOutcome {
                case: case.into(),
                message: None,
                events: vec![],
                attachments: vec![],
                replayed: true,
            });
        }
        let requester = match known {
            Some(p) => p,
            None => {
                // A new customer (or one created since the read above).
                let Some(RequesterRef::Email {
                    email,
                    name,
                    locale,
                }) = &new.requester
                else {
                    return Err(AppError::Internal("requester not resolved".into()));
                };
                let id = self
                    .find_or_create_customer(&mut tx, email, name.as_deref(), *locale)
                    .await?;
                let u = tx.user_in_tx(id).await?.ok_or(AppError::NotFound("user"))?;
                Person {
                    id,
                    organization_id: u.organization_id,
                    text: person_text(&u, &tx.identities_in_tx(id).await?),
                }
            }
        };
        let requester_id = requester.id;
        let submitter_id = match new.submitter_id {
            Some(s) if !customer => {
                if tx.user_in_tx(s).await?.is_none() {
                    return Err(AppError::invalid(
                        "ticket.submitter_id",
                        "unknown-reference",
                        s.to_string(),
                    ));
                }
                s
            }
            _ => actor.user_id,
        };
        let organization_id = new.organization_id.or(requester.organization_id);
        let channel = new
            .channel
            .unwrap_or(if customer { Channel::Web } else { Channel::Api });
        let received_at = new.received_at.map(ms).filter(|r| *r <= now).unwrap_or(now);
        let tags: Vec<String> = new.tags.iter().map(|t| t.as_str().to_string()).collect();
        let mut case = CaseRow {
            id: 0,
            subject: subject.clone(),
            description: comment.as_ref().map(|c| c.body.clone()).unwrap_or_default(),
            status: status.as_str().into(),
            priority: new.priority.map(|p| p.as_str().into()),
            kind: new.kind.unwrap_or(Kind::Question).as_str().into(),
            ticket_type: new.ticket_type.map(|t| t.as_str().into()),
            channel: channel.as_str().into(),
            journey_stage: new.journey_stage.map(|j| j.as_str().into()),
            requester_id,
            submitter_id,
            received_by_id: new.received_by_id.or(if customer {
                None
            } else {
                Some(actor.user_id)
            }),
            assignee_id: if customer { None } else { new.assignee_id },
            team_id: if customer && !via_mail {
                None
            } else {
                new.team_id
            },
            organization_id,
            category_id: new.category_id,
            external_id: new.external_id.clone(),
            tags: tags.join(" "),
            custom_fields: new
                .custom_fields
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_else(|| "[]".into()),
            due_at: opt_ms(new.due_at),
            next_due_at: opt_ms(new.due_at).unwrap_or(i64::MAX),
            received_at,
            created_at: now,
            updated_at: now,
            solved_at: (status == Status::Solved).then_some(now),
            closed_at: None,
            transfer_count: 0,
            reopen_count: 0,
            merged_into_id: None,
            agreed_solution: None,
            solved_on_the_spot: false,
            promised_at: None,
            follow_up_at: None,
            follow_up_done_at: None,
            prevention_suggestion: None,
            root_cause: None,
            complaint_resolved_at: None,
            deleted_at: None,
            first_reply_at: None,
        };
        let mut ev = Events::default();
        ev.add("created", Some(channel.as_str().into()));
        if let Some(p) = &new.complaint {
            apply_complaint(&mut case, p, &mut ev);
        }
        let clock_events = creation_clock_events(&case, status, now);
        let clocks = self
            .plan_clocks(&mut tx, &mut case, &clock_events, true, now)
            .await?;
        case.id = tx.insert_case(&case).await?;
        self.write_clocks(&mut tx, &case, clocks, now).await?;
        tx.insert_case_tags(case.id, &tags).await?;
        if let Some(a) = case.assignee_id {
            ev.add("assigned", Some(a.to_string()));
        }
        let mut attachments = Vec::new();
        let message = match &comment {
            Some(c) => {
                let author = match c.author_id {
                    Some(a) if !customer => {
                        if tx.user_in_tx(a).await?.is_none() {
                            return Err(AppError::invalid(
                                "ticket.comment.author_id",
                                "unknown-reference",
                                a.to_string(),
                            ));
                        }
                        a
                    }
                    _ => {
                        if customer {
                            actor.user_id
                        } else {
                            c.author_id.unwrap_or(requester_id)
                        }
                    }
                };
                let public = if customer {
                    true
                } else {
                    c.public.unwrap_or(true)
                };
                let html = c
                    .html_body
                    .clone()
                    .unwrap_or_else(|| html_from_text(&c.body));
                let m = tx
                    .insert_message(
                        case.id,
                        author,
                        public,
                        channel.as_str(),
                        &c.body,
                        &html,
                        c.inbound.as_ref().is_some_and(|i| i.automatic()),
                        now,
                    )
                    .await?;
                attachments = crate::attachments::claim(
                    &mut tx,
                    "ticket.comment.uploads",
                    &c.uploads,
                    actor.user_id,
                    m.id,
                )
                .await?;
                if let Some(inb) = &c.inbound {
                    attachments = self.write_inbound(&mut tx, &case, &m, inb, now).await?;
                    self.queue_ack(&mut tx, &case, inb, now).await?;
                } else if public && !customer && author != requester_id {
                    self.queue_reply(&mut tx, &case, &m, &attachments, now)
                        .await?;
                }
                ev.add(
                    if public { "comment" } else { "note" },
                    Some(m.id.to_string()),
                );
                Some(m)
            }
            None => None,
        };
        let doc = format!("{} {} {}", subject, requester.text, case.description);
        // An internal first note stays out of the customer's search document.
        let public_doc = match &message {
            Some(m) if !m.public => format!("{} {}", subject, requester.text),
            _ => doc.clone(),
        };
        tx.insert_search_doc(case.id, &fold(&doc), &fold(&public_doc))
            .await?;
        let events = tx
            .insert_events(case.id, Some(actor.user_id), now, &ev.0)
            .await?;
        if let Some((key, fp)) = idempotency {
            tx.idempotency_save(actor.user_id, key, fp, case.id, now)
                .await
                .map_err(|e| match e {
                    store::StoreError::Conflict(_) => AppError::Conflict(FieldError::new(
                        "Idempotency-Key",
                        "duplicate",
                        key.to_string(),
                    )),
                    e => e.into(),
                })?;
        }
        tx.commit().await?;
        self.announce_case(&case, actor, "created").await;
        Ok(CaseOutcome {
            case: case.into(),
            message: message.map(Into::into),
            events: crate::model::all(events),
            attachments: crate::model::all(attachments),
            replayed: false,
        })
    }

    // ---------- update ----------

    /// Change a case: fields, assignment, status and/or a comment, as one audited write.
    pub async fn update_case(
        &self,
        actor: &Actor,
        id: i64,
        ch: CaseChanges,
    ) -> Result<CaseOutcome> {
        let customer = !actor.role.is_staff();
        if customer && !ch.only_comment() {
            return Err(AppError::Forbidden("customers may only add a comment"));
        }
        if !customer {
            actor.require_case_writer()?;
        }
        if let Some(Some(a)) = ch.assignee_id {
            self.check_staff_user("ticket.assignee_id", a).await?;
        }
        self.check_refs(
            ch.team_id.flatten(),
            ch.organization_id.flatten(),
            ch.category_id.flatten(),
        )
        .await?;
        if let Some(c) = &ch.comment
            && c.body.len() > self.config.max_body_chars
        {
            return Err(AppError::invalid(
                "ticket.comment.body",
                "too-long",
                self.config.max_body_chars.to_string(),
            ));
        }
        let now = self.now_ms();
        // Refresh the cached standards before taking a connection for the write:
        // inside it, a refresh would need a second one (a full pool would deadlock).
        self.standards_snapshot().await?;
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        let inbound = ch.comment.as_ref().and_then(|c| c.inbound.clone());
        // Mail threaded to this case by our own Message-ID may come from a colleague the
        // customer copied: the email channel decided it belongs here.
        if customer && inbound.is_none() && c.requester_id != actor.user_id {
            return Err(AppError::NotFound("ticket"));
        }
        if let Some(seen) = ch.unchanged_since
            && c.updated_at > seen
        {
            // Checked here, on the row this transaction has locked: two stale saves racing
            // cannot both pass a check made before the write.
            return Err(AppError::Conflict(FieldError::new(
                "ticket",
                "stale",
                fmt_ms(Some(c.updated_at)).unwrap_or_default(),
            )));
        }
        if c.status == Status::Closed.as_str() {
            return Err(lifecycle_err(LifecycleError::Closed));
        }
        let mut ev = Events::default();
        let mut rebuild_doc = false;
        let register_before = (
            c.promised_at,
            c.follow_up_at,
            c.follow_up_done_at,
            c.complaint_resolved_at,
        );
        let mut clock_events = Vec::new();

        if let Some(s) = &ch.subject {
            let s = domain::required_text(s, MAX_SUBJECT)
                .map_err(|e| AppError::invalid("ticket.subject", "invalid", e.to_string()))?;
            ev.change("subject", Some(c.subject.clone()), Some(s.clone()));
            rebuild_doc |= s != c.subject;
            c.subject = s;
        }
        if let Some(p) = ch.priority {
            let new = p.map(|p| p.as_str().to_string());
            ev.change("priority", c.priority.clone(), new.clone());
            c.priority = new;
        }
        if let Some(t) = ch.ticket_type {
            let new = t.map(|t| t.as_str().to_string());
            ev.change("type", c.ticket_type.clone(), new.clone());
            c.ticket_type = new;
        }
        if let Some(k) = ch.kind {
            ev.change("kind", Some(c.kind.clone()), Some(k.as_str().into()));
            c.kind = k.as_str().into();
        }
        if let Some(j) = ch.journey_stage {
            let new = j.map(|j| j.as_str().to_string());
            ev.change("journey_stage", c.journey_stage.clone(), new.clone());
            c.journey_stage = new;
        }
        if let Some(r) = ch.requester_id {
            if tx.user_in_tx(r).await?.is_none() {
                return Err(AppError::invalid(
                    "ticket.requester_id",
                    "unknown-reference",
                    r.to_string(),
                ));
            }
            ev.change(
                "requester_id",
                Some(c.requester_id.to_string()),
                Some(r.to_string()),
            );
            rebuild_doc |= r != c.requester_id;
            c.requester_id = r;
        }
        // D3: a hand-off from one agent or team to another counts as a transfer.
        let mut transferred = false;
        if let Some(a) = ch.assignee_id
            && a != c.assignee_id
        {
            transferred |= c.assignee_id.is_some() && a.is_some();
            ev.change(
                "assignee_id",
                c.assignee_id.map(|x| x.to_string()),
                a.map(|x| x.to_string()),
            );
            c.assignee_id = a;
        }
        if let Some(t) = ch.team_id
            && t != c.team_id
        {
            transferred |= c.team_id.is_some() && t.is_some();
            ev.change(
                "group_id",
                c.team_id.map(|x| x.to_string()),
                t.map(|x| x.to_string()),
            );
            c.team_id = t;
        }
        if transferred {
            c.transfer_count += 1;
            ev.add("transferred", Some(c.transfer_count.to_string()));
        }
        if let Some(o) = ch.organization_id {
            ev.change(
                "organization_id",
                c.organization_id.map(|x| x.to_string()),
                o.map(|x| x.to_string()),
            );
            c.organization_id = o;
        }
        if let Some(cat) = ch.category_id {
            ev.change(
                "category_id",
                c.category_id.map(|x| x.to_string()),
                cat.map(|x| x.to_string()),
            );
            c.category_id = cat;
        }
        if let Some(x) = &ch.external_id {
            ev.change("external_id", c.external_id.clone(), x.clone());
            c.external_id = x.clone();
        }
        if let Some(d) = ch.due_at {
            let new = opt_ms(d);
            ev.change("due_at", fmt_ms(c.due_at), fmt_ms(new));
            c.due_at = new;
            c.next_due_at = new.unwrap_or(i64::MAX);
        }
        if let Some(cf) = &ch.custom_fields {
            let new = cf.to_string();
            ev.change(
                "custom_fields",
                Some(c.custom_fields.clone()),
                Some(new.clone()),
            );
            c.custom_fields = new;
        }
        if ch.tags.is_some() || !ch.additional_tags.is_empty() || !ch.remove_tags.is_empty() {
            let mut tags: Vec<String> = match &ch.tags {
                Some(t) => t.iter().map(|t| t.as_str().to_string()).collect(),
                None => c.tag_list(),
            };
            for t in &ch.additional_tags {
                if !tags.iter().any(|x| x == t.as_str()) {
                    tags.push(t.as_str().into());
                }
            }
            tags.retain(|x| !ch.remove_tags.iter().any(|r| r.as_str() == x));
            if tags.len() > domain::MAX_TAGS {
                return Err(AppError::invalid(
                    "ticket.tags",
                    "too-many",
                    domain::MAX_TAGS.to_string(),
                ));
            }
            tags.sort();
            let new = tags.join(" ");
            if new != c.tags {
                ev.change("tags", Some(c.tags.clone()), Some(new.clone()));
                c.tags = new;
                tx.set_case_tags(c.id, &tags).await?;
            }
        }
        if let Some(p) = &ch.complaint {
            apply_complaint(&mut c, p, &mut ev);
        }

        // The comment, and the status it implies.
        let from: Status = c
            .status
            .parse()
            .map_err(|_| AppError::Internal("bad status".into()))?;
        let mut transition: Option<Transition> = match ch.status {
            Some(s) => Some(lifecycle::agent_sets_status(from, s).map_err(lifecycle_err)?),
            None => None,
        };
        let mut message = None;
        let mut attachments = Vec::new();
        if let Some(cm) = ch
            .comment
            .as_ref()
            .filter(|c| !c.body.trim().is_empty() || !c.uploads.is_empty())
        {
            let author_id = match cm.author_id {
                Some(a) if !customer => a,
                _ => actor.user_id,
            };
            let author = tx.user_in_tx(author_id).await?.ok_or_else(|| {
                AppError::invalid(
                    "ticket.comment.author_id",
                    "unknown-reference",
                    author_id.to_string(),
                )
            })?;
            let by_customer = author.role == Role::EndUser.as_str();
            let automatic = inbound.as_ref().is_some_and(|i| i.automatic());
            let public = if by_customer {
                true
            } else {
                cm.public.unwrap_or(true)
            };
            let html = cm
                .html_body
                .clone()
                .unwrap_or_else(|| html_from_text(&cm.body));
            let m = tx
                .insert_message(
                    c.id,
                    author_id,
                    public,
                    if inbound.is_some() {
                        Channel::Email.as_str()
                    } else {
                        c.channel.as_str()
                    },
                    &cm.body,
                    &html,
                    automatic,
                    now,
                )
                .await?;
            attachments = crate::attachments::claim(
                &mut tx,
                "ticket.comment.uploads",
                &cm.uploads,
                actor.user_id,
                m.id,
            )
            .await?;
            if let Some(inb) = &inbound {
                attachments = self.write_inbound(&mut tx, &c, &m, inb, now).await?;
            }
            if !by_customer && public {
                self.queue_reply(&mut tx, &c, &m, &attachments, now).await?;
            }
            tx.append_search_doc(c.id, &fold(&cm.body), public).await?;
            clock_events.push(ClockEvent::Message {
                at: now,
                from_customer: by_customer,
                public,
                automatic,
                answered: c.first_reply_at.is_some()
                    || matches!(from, Status::Solved | Status::Closed)
                    || c.reopen_count > 0,
            });
            if !by_customer && public && c.first_reply_at.is_none() {
                c.first_reply_at = Some(now);
            }
            ev.add(
                if public { "comment" } else { "note" },
                Some(m.id.to_string()),
            );
            if transition.is_none() && public && !automatic {
                let t = if by_customer {
                    lifecycle::after_customer_reply(from)
                } else {
                    lifecycle::after_agent_reply(from)
                };
                transition = Some(t.map_err(lifecycle_err)?);
            }
            message = Some(m);
        }
        if let Some(t) = transition {
            if t.to != from {
                clock_events.push(ClockEvent::Status {
                    at: now,
                    from,
                    to: t.to,
                });
                ev.change(
                    "status",
                    Some(from.as_str().into()),
                    Some(t.to.as_str().into()),
                );
                c.status = t.to.as_str().into();
                if t.to == Status::Solved {
                    c.solved_at = Some(now);
                }
            }
            if t.reopened {
                c.reopen_count += 1;
                c.solved_at = None;
                ev.add("reopened", Some(c.reopen_count.to_string()));
            }
        }
        if ev.0.is_empty() {
            tx.rollback().await?;
            return Ok(CaseOutcome {
                case: c.into(),
                message: None,
                events: vec![],
                attachments: vec![],
                replayed: false,
            });
        }
        register_clock_events(&c, register_before, now, &mut clock_events);
        c.updated_at = now;
        let clocks = self
            .plan_clocks(&mut tx, &mut c, &clock_events, false, now)
            .await?;
        tx.update_case(&c).await?;
        self.write_clocks(&mut tx, &c, clocks, now).await?;
        if rebuild_doc {
            self.rebuild_search_doc(&mut tx, &c).await?;
        }
        // A new assignee other than the actor hears about it (in-app and by email).
        if let Some(Some(a)) = ch.assignee_id
            && a != actor.user_id
            && ev.0.iter().any(|e| e.field == Some("assignee_id"))
        {
            let detail = serde_json::json!({ "by": actor.user_id }).to_string();
            tx.insert_notifications(&[a], "assigned", Some(c.id), None, &detail, now)
                .await?;
            self.queue_agent_notice(&mut tx, &[a], "assigned", &c, None, now)
                .await?;
        }
        let events = tx
            .insert_events(c.id, Some(actor.user_id), now, &ev.0)
            .await?;
        tx.commit().await?;
        let what = match &message {
            Some(m) if m.public => "comment",
            Some(_) => "note",
            None => "updated",
        };
        self.announce_case(&c, actor, what).await;
        Ok(CaseOutcome {
            case: c.into(),
            message: message.map(Into::into),
            events: crate::model::all(events),
            attachments: crate::model::all(attachments),
            replayed: false,
        })
    }

    /// A public reply (agent) or a customer message.
    pub async fn reply(&self, actor: &Actor, id: i64, body: &str) -> Result<CaseOutcome> {
        let comment = CommentInput {
            body: body.into(),
            public: Some(true),
            ..Default::default()
        };
        self.update_case(
            actor,
            id,
            CaseChanges {
                comment: Some(comment),
                ..Default::default()
            },
        )
        .await
    }

    /// An internal note, never shown to the customer.
    pub async fn add_note(&self, actor: &Actor, id: i64, body: &str) -> Result<CaseOutcome> {
        actor.require_staff()?;
        let comment = CommentInput {
            body: body.into(),
            public: Some(false),
            ..Default::default()
        };
        self.update_case(
            actor,
            id,
            CaseChanges {
                comment: Some(comment),
                ..Default::default()
            },
        )
        .await
    }

    pub async fn assign(
        &self,
        actor: &Actor,
        id: i64,
        team: Option<i64>,
        agent: Option<i64>,
    ) -> Result<CaseOutcome> {
        self.update_case(
            actor,
            id,
            CaseChanges {
                team_id: Some(team),
                assignee_id: Some(agent),
                ..Default::default()
            },
        )
        .await
    }

    pub async fn set_status(&self, actor: &Actor, id: i64, status: Status) -> Result<CaseOutcome> {
        self.update_case(
            actor,
            id,
            CaseChanges {
                status: Some(status),
                ..Default::default()
            },
        )
        .await
    }

    /// The customer confirms the solution: the case closes (A3, seed 001).
    pub async fn confirm_by_customer(&self, actor: &Actor, id: i64) -> Result<CaseOutcome> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        if c.requester_id != actor.user_id {
            if actor.role.is_staff() {
                return Err(AppError::Forbidden("only the customer confirms a solution"));
            }
            return Err(AppError::NotFound("ticket"));
        }
        let from: Status = c
            .status
            .parse()
            .map_err(|_| AppError::Internal("bad status".into()))?;
        let t = lifecycle::customer_confirms(from).map_err(lifecycle_err)?;
        c.status = t.to.as_str().into();
        c.closed_at = Some(now);
        c.updated_at = now;
        tx.update_case(&c).await?;
        let mut ev = Events::default();
        ev.change(
            "status",
            Some(from.as_str().into()),
            Some(t.to.as_str().into()),
        );
        ev.add("confirmed_by_customer", None);
        let events = tx
            .insert_events(c.id, Some(actor.user_id), now, &ev.0)
            .await?;
        tx.commit().await?;
        self.announce_case(&c, actor, "confirmed").await;
        Ok(CaseOutcome {
            case: c.into(),
            message: None,
            events: crate::model::all(events),
            attachments: vec![],
            replayed: false,
        })
    }

    /// Close solved cases that stayed quiet for the configured period (A3). Safe to run
    /// on many nodes at once: each case is re-checked under its lock.
    pub async fn close_quiet_solved(&self) -> Result<usize> {
        let now = self.now_ms();
        let cutoff = now - self.config.quiet_period.as_millis() as i64;
        let mut closed = 0;
        loop {
            let mut tx = self.store.begin().await?;
            let ids = tx.quiet_solved_cases(cutoff, 200).await?;
            if ids.is_empty() {
                tx.rollback().await?;
                return Ok(closed);
            }
            for id in ids {
                let Some(mut c) = tx.case_for_update(id).await? else {
                    continue;
                };
                if c.status != Status::Solved.as_str() || c.solved_at.is_none_or(|s| s >= cutoff) {
                    continue;
                }
                c.status = Status::Closed.as_str().into();
                c.closed_at = Some(now);
                c.updated_at = now;
                tx.update_case(&c).await?;
                let ev = [
                    NewEvent {
                        kind: "field_changed",
                        field: Some("status"),
                        old_value: Some("solved".into()),
                        new_value: Some("closed".into()),
                    },
                    NewEvent {
                        kind: "closed_after_quiet_period",
                        field: None,
                        old_value: None,
                        new_value: None,
                    },
                ];
                tx.insert_events(c.id, None, now, &ev).await?;
                closed += 1;
            }
            tx.commit().await?;
        }
    }

    /// Soft delete: the case and its log stay in the database, hidden everywhere.
    pub async fn delete_case(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_case_writer()?;
        let now = self.now_ms();
        // Refresh the cached standards before taking a connection for the write:
        // inside it, a refresh would need a second one (a full pool would deadlock).
        self.standards_snapshot().await?;
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        c.deleted_at = Some(now);
        c.updated_at = now;
        let clocks = self.plan_clocks(&mut tx, &mut c, &[], false, now).await?;
        tx.update_case(&c).await?;
        self.write_clocks(&mut tx, &c, clocks, now).await?;
        tx.insert_events(
            id,
            Some(actor.user_id),
            now,
            &[NewEvent {
                kind: "deleted",
                field: None,
                old_value: None,
                new_value: None,
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Merge duplicates into `target` (A4): their messages move over, they close.
    pub async fn merge_cases(
        &self,
        actor: &Actor,
        target: i64,
        sources: &[i64],
    ) -> Result<CaseOutcome> {
        self.merge_cases_with(actor, target, sources, false).await
    }

    /// Merge; cases of another customer are refused (their messages and files would go to
    /// the target's customer, and they would lose sight of them) unless `as_internal`: then
    /// their messages arrive as internal notes, which no customer sees.
    pub async fn merge_cases_with(
        &self,
        actor: &Actor,
        target: i64,
        sources: &[i64],
        as_internal: bool,
    ) -> Result<CaseOutcome> {
        actor.require_case_writer()?;
        if sources.is_empty() || sources.contains(&target) {
            return Err(AppError::invalid(
                "ids",
                "merge-sources",
                "one or more other ticket ids",
            ));
        }
        let now = self.now_ms();
        // Refresh the cached standards before taking a connection for the write:
        // inside it, a refresh would need a second one (a full pool would deadlock).
        self.standards_snapshot().await?;
        let mut tx = self.store.begin().await?;
        let mut t = tx
            .case_for_update(target)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        if t.status == Status::Closed.as_str() {
            return Err(lifecycle_err(LifecycleError::Closed));
        }
        let mut ev_target = Events::default();
        for &sid in sources {
            let mut s = tx
                .case_for_update(sid)
                .await?
                .ok_or_else(|| AppError::invalid("ids", "unknown-reference", sid.to_string()))?;
            if s.status == Status::Closed.as_str() {
                return Err(AppError::invalid("ids", "case-closed", sid.to_string()));
            }
            if s.requester_id != t.requester_id {
                if !as_internal {
                    return Err(AppError::invalid(
                        "ids",
                        "merge-requesters",
                        sid.to_string(),
                    ));
                }
                tx.move_messages_as_internal(sid, target).await?;
            } else {
                tx.move_messages(sid, target).await?;
            }
            let old = s.status.clone();
            s.status = Status::Closed.as_str().into();
            s.closed_at = Some(now);
            s.merged_into_id = Some(target);
            s.updated_at = now;
            // A merged duplicate leaves the measures: its open clocks are cancelled.
            let clocks = self.plan_clocks(&mut tx, &mut s, &[], false, now).await?;
            tx.update_case(&s).await?;
            self.write_clocks(&mut tx, &s, clocks, now).await?;
            tx.set_search_doc(sid, &fold(&s.subject), &fold(&s.subject))
                .await?;
            let ev = [
                NewEvent {
                    kind: "merged_into",
                    field: None,
                    old_value: None,
                    new_value: Some(target.to_string()),
                },
                NewEvent {
                    kind: "field_changed",
                    field: Some("status"),
                    old_value: Some(old),
                    new_value: Some("closed".into()),
                },
            ];
            tx.insert_events(sid, Some(actor.user_id), now, &ev).await?;
            ev_target.add("merged_from", Some(sid.to_string()));
        }
        t.updated_at = now;
        tx.update_case(&t).await?;
        self.rebuild_search_doc(&mut tx, &t).await?;
        let events = tx
            .insert_events(target, Some(actor.user_id), now, &ev_target.0)
            .await?;
        tx.commit().await?;
        self.announce_case(&t, actor, "merged").await;
        Ok(CaseOutcome {
            case: t.into(),
            message: None,
            events: crate::model::all(events),
            attachments: vec![],
            replayed: false,
        })
    }

    /// Link two related cases (A4); the link shows on both.
    pub async fn link_cases(
        &self,
        actor: &Actor,
        id: i64,
        other: i64,
        kind: LinkKind,
    ) -> Result<model::Link> {
        actor.require_case_writer()?;
        if id == other {
            return Err(AppError::invalid(
                "link.ticket_id",
                "link-self",
                other.to_string(),
            ));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.case_for_update(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        tx.case_for_update(other).await?.ok_or_else(|| {
            AppError::invalid("link.ticket_id", "unknown-reference", other.to_string())
        })?;
        let link = LinkRow {
            case_id: id,
            other_id: other,
            kind: kind.as_str().into(),
            created_by: Some(actor.user_id),
            created_at: now,
        };
        tx.insert_link(&link).await?;
        for (a, b) in [(id, other), (other, id)] {
            tx.insert_events(
                a,
                Some(actor.user_id),
                now,
                &[NewEvent {
                    kind: "linked",
                    field: Some("link"),
                    old_value: None,
                    new_value: Some(format!("{}:{b}", kind.as_str())),
                }],
            )
            .await?;
        }
        tx.commit().await?;
        if let Ok(Some(c)) = self.store.case(id).await {
            self.announce_case(&c, actor, "linked").await;
        }
        Ok(link.into())
    }

    /// Record a compensation (A2). Within the actor's authority limit it is approved at once;
    /// above it, it waits for a supervisor's decision (A8).
    pub async fn record_compensation(
        &self,
        actor: &Actor,
        case_id: i64,
        comp: NewCompensation,
    ) -> Result<model::Compensation> {
        actor.require_case_writer()?;
        if comp.amount_cents < 0 {
            return Err(AppError::invalid(
                "compensation.amount",
                "negative",
                comp.amount_cents.to_string(),
            ));
        }
        let now = self.now_ms();
        let limit = self
            .store
            .user(actor.user_id)
            .await?
            .map(|u| u.compensation_limit_cents)
            .unwrap_or(0);
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(case_id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        // The authority is a total per case in the currency the limits are set in: several
        // small gestures, or one in another currency, go to a supervisor (A8).
        let given: i64 = tx
            .compensations_in_tx(case_id)
            .await?
            .iter()
            .filter(|r| r.status == "approved" && r.currency == comp.currency.as_str())
            .map(|r| r.amount_cents)
            .sum();
        let approved = comp.currency.as_str() == self.config.limit_currency
            && given.saturating_add(comp.amount_cents) <= limit;
        let mut row = CompensationRow {
            id: 0,
            case_id,
            kind: comp.kind.as_str().into(),
            amount_cents: comp.amount_cents,
            currency: comp.currency.as_str().into(),
            note: comp.note,
            status: if approved { "approved" } else { "requested" }.into(),
            requested_by_id: actor.user_id,
            decided_by_id: approved.then_some(actor.user_id),
            created_at: now,
            decided_at: approved.then_some(now),
        };
        row.id = tx.insert_compensation(&row).await?;
        c.updated_at = now;
        tx.update_case(&c).await?;
        let what = format!(
            "{} {} {} ({})",
            row.kind, row.amount_cents, row.currency, row.status
        );
        tx.insert_events(
            case_id,
            Some(actor.user_id),
            now,
            &[NewEvent {
                kind: "compensation",
                field: None,
                old_value: None,
                new_value: Some(what),
            }],
        )
        .await?;
        if !approved {
            // A8: the supervisors are asked to decide.
            let mut deciders = tx.users_with_role_in_tx(Role::Supervisor.as_str()).await?;
            deciders.extend(tx.users_with_role_in_tx(Role::Admin.as_str()).await?);
            deciders.retain(|u| *u != actor.user_id);
            let detail = serde_json::json!({
                "by": actor.user_id,
                "compensation_id": row.id,
                "amount_cents": row.amount_cents,
                "currency": row.currency,
            })
            .to_string();
            tx.insert_notifications(
                &deciders,
                "approval_requested",
                Some(case_id),
                None,
                &detail,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.announce_case(&c, actor, "compensation").await;
        Ok(row.into())
    }
}

/// The fields of a new case only staff may set, each named when an end user sets it: a
/// customer gives a subject, a comment and uploads (A1); back-dating, priority, another
/// organisation, the register or custom fields would let them start clocks in the past,
/// jump the queue or write internal data. A 422 naming the field (not a silent drop), so a
/// client sees what was refused.
fn staff_only_fields(new: &NewCase) -> Vec<FieldError> {
    let set = [
        ("ticket.priority", new.priority.is_some()),
        ("ticket.channel", new.channel.is_some()),
        ("ticket.received_at", new.received_at.is_some()),
        ("ticket.received_by_id", new.received_by_id.is_some()),
        ("ticket.organization_id", new.organization_id.is_some()),
        ("ticket.category_id", new.category_id.is_some()),
        ("ticket.submitter_id", new.submitter_id.is_some()),
        ("ticket.type", new.ticket_type.is_some()),
        ("ticket.kind", new.kind.is_some()),
        ("ticket.journey_stage", new.journey_stage.is_some()),
        ("ticket.tags", !new.tags.is_empty()),
        ("ticket.custom_fields", new.custom_fields.is_some()),
        ("ticket.external_id", new.external_id.is_some()),
        ("ticket.due_at", new.due_at.is_some()),
        ("ticket.complaint", new.complaint.is_some()),
        (
            "ticket.comment.author_id",
            new.comment.as_ref().is_some_and(|c| c.author_id.is_some()),
        ),
    ];
    set.iter()
        .filter(|(_, s)| *s)
        .map(|(f, _)| FieldError::new(*f, "end-user-field", "staff only"))
        .collect()
}

/// The clock events of a new case: it exists, and its register may carry dates.
fn creation_clock_events(c: &CaseRow, status: Status, now: i64) -> Vec<ClockEvent> {
    let mut out = vec![ClockEvent::Created {
        at: c.received_at,
        status,
    }];
    register_clock_events(c, (None, None, None, None), now, &mut out);
    out
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
