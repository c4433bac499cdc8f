//! The case page: timeline of messages, notes and events; the composer with canned answers;
//! properties; standard clocks; the complaint register (A2), playbook (A7) and compensation
//! with approval (A8); merge and link (A4); the customer sidebar (E3) and who else is here
//! (E4).

use crate::Chrome;
use crate::error::{PageError, PageResult, render};
use crate::extract::{Form, Path, Query};
use crate::form::FormState;
use crate::i18n::T;
use crate::session::Agent;
use app::cases::{CaseChanges, CommentInput, ComplaintPatch, NewCompensation};
use app::model;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use domain::{CompensationKind, Currency, JourneyStage, Kind, LinkKind, Priority, Status};
use serde::Deserialize;
use web::AppState;

pub enum Item {
    Message {
        id: i64,
        author: String,
        by_customer: bool,
        public: bool,
        automatic: bool,
        channel: String,
        html: String,
        at: i64,
        /// How the message went out by email: (state class, words).
        delivery: Option<(String, String)>,
        /// Its files not already shown in its text: (id, name, size).
        files: Vec<(i64, String, String)>,
    },
    Event {
        actor: String,
        text: String,
        at: i64,
    },
}

pub struct ClockLine {
    pub name: String,
    pub metric: String,
    pub state: String,
    pub due_at: Option<i64>,
    pub breached: bool,
}

pub struct CompLine {
    pub id: i64,
    pub kind: String,
    pub amount: String,
    pub status: String,
    pub note: String,
    pub requested_by: String,
    pub decided_by: String,
}

pub struct Customer {
    pub id: i64,
    pub name: String,
    /// Each address with, when it refuses our mail, why.
    pub emails: Vec<(String, Option<String>)>,
    pub phones: Vec<String>,
    pub address: String,
    pub notes: String,
    pub history: Vec<(i64, String, String, String, i64)>,
    pub compensated: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    t: T,
    chrome: Chrome,
    c: model::Case,
    items: Vec<Item>,
    clocks: Vec<ClockLine>,
    comps: Vec<CompLine>,
    my_limit: String,
    playbook: Vec<(&'static str, bool)>,
    links: Vec<(i64, String)>,
    customer: Customer,
    teams: Vec<(i64, String)>,
    agents: Vec<(i64, String)>,
    categories: Vec<(i64, String)>,
    canned: Vec<(String, String)>,
    presence: Vec<app::live::Presence>,
    can_write: bool,
    /// Where a public reply goes, or why it will not leave: (is a warning, words).
    route: Option<(bool, String)>,
    reply_form: FormState,
    comp_form: FormState,
    props_form: FormState,
    register_form: FormState,
    rel_form: FormState,
    notice: Option<String>,
    /// The knowledge-base search of the composer's panel, and its hits (internal ones too).
    kb_q: String,
    kb_hits: Vec<app::kb::KbHit>,
}

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelineFragment {
    t: T,
    items: Vec<Item>,
}

/// An event in words: field names and wire values translated, people and teams named.
fn describe(
    t: &T,
    e: &model::Event,
    names: &std::collections::HashMap<i64, String>,
    teams: &std::collections::HashMap<i64, String>,
) -> String {
    let f = e.field.as_deref().unwrap_or("");
    let field = if f.is_empty() {
        String::new()
    } else {
        let k = format!("field-{}", f.replace(['.', '_'], "-"));
        let s = t.t(&k);
        if s == k { f.to_string() } else { s }
    };
    let show = |v: &Option<String>| -> String {
        let v = v.clone().unwrap_or_default();
        let id = v.parse::<i64>().ok();
        let group = match f {
            "status" => "status",
            "priority" => "priority",
            "kind" => "kind",
            "journey_stage" => "stage",
            "assignee_id" => return id.and_then(|i| names.get(&i).cloned()).unwrap_or(v),
            "team_id" => return id.and_then(|i| teams.get(&i).cloned()).unwrap_or(v),
            "playbook" => return t.t(format!("playbook-{v}")),
            _ => return v,
        };
        if v.is_empty() { v } else { t.v(group, &v) }
    };
    let (old, new) = (show(&e.old_value), show(&e.new_value));
    let kind = format!("event-{}", e.kind.replace('_', "-"));
    let label = t.t(&kind);
    let label = if label == kind { e.kind.clone() } else { label };
    match e.kind.as_str() {
        "field_changed" => t.ta(
            "event-changed-field",
            &[("field", &field), ("old", &old), ("new", &new)],
        ),
        "assigned" => {
            let who = e.new_value.as_deref().and_then(|v| v.parse::<i64>().ok());
            let name = who.and_then(|i| names.get(&i).cloned());
            t.t1("event-assigned-to", name.unwrap_or_else(|| t.t("someone")))
        }
        "transferred" => t.t("event-transferred-case"),
        "compensation" | "compensation_decided" => {
            compensation_words(t, e.new_value.as_deref().unwrap_or(""))
                .map(|(what, status)| {
                    let id = match (e.kind.as_str(), status.as_str()) {
                        ("compensation_decided", "approved") => "event-compensation-approved",
                        ("compensation_decided", _) => "event-compensation-declined",
                        (_, "approved") => "event-compensation-given",
                        _ => "event-compensation-asked",
                    };
                    t.t1(id, what)
                })
                .unwrap_or(label)
        }
        _ if new.is_empty() => label,
        _ => format!("{label} {new}"),
    }
}

/// An outbound message's delivery state in words: (CSS class, sentence).
fn delivery_words(t: &T, d: &app::email::outbox_types::Delivery) -> (String, String) {
    let text = match d.state.as_str() {
        "sent" => t.ta(
            "delivery-sent",
            &[("to", &d.recipient), ("at", &t.at(d.at))],
        ),
        "failed" => t.ta(
            "delivery-failed",
            &[
                ("to", &d.recipient),
                ("error", d.error.as_deref().unwrap_or("")),
            ],
        ),
        "not_sent" => {
            let why = d.error.as_deref().unwrap_or("");
            t.ta(
                &format!("not-sent-{}", why.replace('_', "-")),
                &[("to", &d.recipient)],
            )
        }
        _ => match &d.error {
            Some(e) => t.ta("delivery-retrying", &[("to", &d.recipient), ("error", e)]),
            None => t.ta("delivery-queued", &[("to", &d.recipient)]),
        },
    };
    (d.state.clone(), text)
}

/// What the composer says about where a public reply goes, before it is sent.
async fn route_notice(s: &AppState, a: &Agent, case_id: i64) -> Option<(bool, String)> {
    let r = s.app.reply_route(a.actor(), case_id).await.ok()?;
    let t = &a.t;
    Some(match (&r.not_sent, &r.to) {
        (Some(n), _) => (
            true,
            t.ta(
                &format!("not-sent-{}", n.code().replace('_', "-")),
                &[("to", n.address().unwrap_or(""))],
            ),
        ),
        (None, Some(to)) if !r.relay => (true, t.ta("route-no-relay", &[("to", to)])),
        (None, Some(to)) => (false, t.ta("route-to", &[("to", to)])),
        (None, None) => return None,
    })
}

/// A compensation event's stored value (`[id] kind cents CUR (status)`, as written since
/// the register began) in words: (`remboursement de 120,00 €`, status).
fn compensation_words(t: &T, v: &str) -> Option<(String, String)> {
    let (head, status) = v.rsplit_once(" (")?;
    let status = status.strip_suffix(')')?.to_string();
    let parts: Vec<&str> = head.split(' ').collect();
    let [kind, cents, currency] = match parts.as_slice() {
        [_, k, c, cur] | [k, c, cur] => [*k, *c, *cur],
        _ => return None,
    };
    let cents: i64 = cents.parse().ok()?;
    let kind = t.v("compensation", kind);
    Some((
        t.ta(
            "compensation-of",
            &[("kind", &kind), ("amount", &t.money(cents, currency))],
        ),
        status,
    ))
}

async fn timeline(s: &AppState, a: &Agent, c: &model::Case) -> Result<Vec<Item>, PageError> {
    let (msgs, _) = s
        .app
        .case_messages(
            a.actor(),
            c.id,
            model::Page {
                limit: 2000,
                ..model::Page::default()
            },
        )
        .await
        .map_err(|e| a.err(e))?;
    let events = s
        .app
        .case_events(a.actor(), c.id)
        .await
        .map_err(|e| a.err(e))?;
    let assignees = events
        .iter()
        .filter(|e| e.field.as_deref() == Some("assignee_id"))
        .flat_map(|e| [&e.old_value, &e.new_value])
        .filter_map(|v| v.as_deref().and_then(|v| v.parse::<i64>().ok()));
    let ids: Vec<i64> = msgs
        .iter()
        .map(|m| m.author_id)
        .chain(events.iter().filter_map(|e| e.actor_id))
        .chain(assignees)
        .collect();
    let names = super::names(&s.app, a.actor(), ids).await;
    let teams = super::team_names(&s.app, a.actor()).await;
    let deliveries = s
        .app
        .case_deliveries(a.actor(), c.id)
        .await
        .unwrap_or_default();
    let mut files = s.app.attachments_of(&msgs).await.map_err(|e| a.err(e))?;
    let mut items: Vec<(i64, i64, Item)> = Vec::new();
    for m in msgs {
        // Pictures the email shows in its text are not listed again.
        let message_files = files
            .remove(&m.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|f| !(f.inline && m.html_body.contains(&format!("/attachments/{}\"", f.id))))
            .map(|f| (f.id, f.file_name, a.t.size(f.size)))
            .collect();
        items.push((
            m.created_at,
            0,
            Item::Message {
                id: m.id,
                author: names.get(&m.author_id).cloned().unwrap_or_default(),
                by_customer: m.author_id == c.requester_id,
                public: m.public,
                automatic: m.automatic,
                channel: m.channel,
                html: m.html_body,
                at: m.created_at,
                delivery: deliveries.get(&m.id).map(|d| delivery_words(&a.t, d)),
                files: message_files,
            },
        ));
    }
    for e in events {
        // Messages already show themselves.
        if matches!(e.kind.as_str(), "comment" | "note" | "created") {
            continue;
        }
        items.push((
            e.created_at,
            1,
            Item::Event {
                actor: e
                    .actor_id
                    .and_then(|i| names.get(&i).cloned())
                    .unwrap_or_else(|| a.t.t("system")),
                text: describe(&a.t, &e, &names, &teams),
                at: e.created_at,
            },
        ));
    }
    items.sort_by_key(|(at, k, _)| (*at, *k));
    Ok(items.into_iter().map(|(_, _, i)| i).collect())
}

async fn customer(s: &AppState, a: &Agent, c: &model::Case) -> Customer {
    let u = s.app.get_user(a.actor(), c.requester_id).await.ok();
    let history = s
        .app
        .requester_cases(a.actor(), c.requester_id, 15)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|h| h.id != c.id)
        .map(|h| (h.id, h.subject, h.channel, h.status, h.created_at))
        .collect();
    let compensated = s
        .app
        .requester_compensation_totals(a.actor(), c.requester_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(cur, cents)| a.t.money(cents, &cur))
        .collect::<Vec<_>>()
        .join(", ");
    match u {
        Some(v) => Customer {
            id: v.user.id,
            name: v.user.name.clone(),
            emails: v
                .identities
                .iter()
                .filter(|i| i.kind == "email")
                .map(|i| {
                    let why = i.failing.then(|| {
                        a.t.t1(
                            "email-failing",
                            i.failing_reason.clone().unwrap_or_default(),
                        )
                    });
                    (i.value.clone(), why)
                })
                .collect(),
            phones: v
                .identities
                .iter()
                .filter(|i| i.kind == "phone")
                .map(|i| i.value.clone())
                .collect(),
            address: v.user.postal_address.clone().unwrap_or_default(),
            notes: v.user.notes.clone().unwrap_or_default(),
            history,
            compensated,
        },
        None => Customer {
            id: c.requester_id,
            name: String::new(),
            emails: vec![],
            phones: vec![],
            address: String::new(),
            notes: String::new(),
            history,
            compensated,
        },
    }
}

pub async fn show_case(
    State(s): State<AppState>,
    agent: Agent,
    web::extract::BaseUrl(base): web::extract::BaseUrl,
    Path(id): Path<i64>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let mut forms = CaseForms {
        notice: crate::form::notice(&agent.t, &q),
        kb_q: q
            .get("kb")
            .map(|x| x.chars().take(200).collect())
            .unwrap_or_default(),
        ..Default::default()
    };
    // An article from the knowledge-base panel, put into the reply: its public link, or
    // its text (internal or unpublished articles, or when asked).
    if let Some(article) = q.get("insert").and_then(|x| x.parse::<i64>().ok()) {
        let ins = s
            .app
            .kb_insert(agent.actor(), article, agent.s.locale)
            .await
            .map_err(|e| agent.err(e))?;
        let text = if ins.public && q.get("how").map(String::as_str) != Some("text") {
            let sep = if agent.s.locale == domain::Locale::Fr {
                "\u{a0}:"
            } else {
                ":"
            };
            format!(
                "{}{sep} {}/help/articles/{article}?lang={}",
                ins.title,
                base.trim_end_matches('/'),
                ins.locale.as_str()
            )
        } else {
            ins.body_md
        };
        forms.reply = FormState::typed([("body", text.as_str())]);
    }
    case_page(&s, agent, id, forms).await
}

/// Forms of the case page that came back refused, with what was typed.
#[derive(Default)]
pub struct CaseForms {
    reply: FormState,
    comp: FormState,
    props: FormState,
    register: FormState,
    rel: FormState,
    /// "Saved." after a save (`?notice=saved`).
    notice: Option<String>,
    kb_q: String,
}

async fn case_page(s: &AppState, agent: Agent, id: i64, forms: CaseForms) -> PageResult {
    let s = s.clone();
    let a = &agent;
    let c = s.app.get_case(a.actor(), id).await.map_err(|e| a.err(e))?;
    // Every panel is an independent read: fetch them side by side (on PostgreSQL each is a
    // round trip).
    let (items, clocks, comps, playbook, links, lists, customer, chrome, route) = tokio::join!(
        timeline(&s, a, &c),
        clock_lines(&s, a, id),
        comp_lines(&s, a, id),
        s.app.playbook(a.actor(), id),
        s.app.case_links(a.actor(), id),
        choices(&s, a),
        customer(&s, a, &c),
        Chrome::of(a, &s.app, "inbox"),
        route_notice(&s, a, id),
    );
    let (comps, my_limit) = comps?;
    let done = playbook.map_err(|e| a.err(e))?;
    let playbook = app::complaints::PLAYBOOK
        .iter()
        .map(|st| (*st, done.iter().any(|d| d.step == *st)))
        .collect();
    let links = links
        .map_err(|e| a.err(e))?
        .into_iter()
        .map(|l| (l.other_id, l.kind))
        .collect();
    let (teams, agents, categories, canned) = lists?;
    let presence = s.app.live.presence(id, a.actor().user_id);
    let kb_hits = if forms.kb_q.trim().is_empty() {
        vec![]
    } else {
        s.app
            .kb_search(app::kb::Reader::Staff, &forms.kb_q, agent.s.locale, 5)
            .await
            .map_err(|e| a.err(e))?
    };
    Ok(render(&CasePage {
        t: agent.t.clone(),
        chrome,
        can_write: agent.actor().role.can_write_cases(),
        c,
        items: items?,
        clocks: clocks?,
        comps,
        my_limit,
        playbook,
        links,
        customer,
        teams,
        agents,
        categories,
        canned,
        presence,
        route,
        reply_form: forms.reply,
        comp_form: forms.comp,
        props_form: forms.props,
        register_form: forms.register,
        rel_form: forms.rel,
        notice: forms.notice,
        kb_q: forms.kb_q,
        kb_hits,
    }))
}

async fn clock_lines(s: &AppState, a: &Agent, id: i64) -> Result<Vec<ClockLine>, PageError> {
    Ok(s.app
        .case_clocks(a.actor(), id)
        .await
        .map_err(|e| a.err(e))?
        .into_iter()
        .map(|k| ClockLine {
            name: k.standard_name.clone().unwrap_or_default(),
            metric: k.row.metric.clone(),
            state: k.row.state.clone(),
            due_at: k.row.due_at,
            breached: k.breached,
        })
        .collect())
}

/// The case's compensations, and the agent's own limit shown beside the form.
async fn comp_lines(
    s: &AppState,
    a: &Agent,
    id: i64,
) -> Result<(Vec<CompLine>, String), PageError> {
    let comp_rows = s
        .app
        .case_compensations(a.actor(), id)
        .await
        .map_err(|e| a.err(e))?;
    let ids: Vec<i64> = comp_rows
        .iter()
        .flat_map(|r| [Some(r.requested_by_id), r.decided_by_id])
        .flatten()
        .collect();
    let (names, limit) = tokio::join!(
        super::names(&s.app, a.actor(), ids),
        s.app.my_compensation_limit(a.actor())
    );
    let name = |i: i64| names.get(&i).cloned().unwrap_or_default();
    let limit = limit.unwrap_or(0);
    let lines = comp_rows
        .into_iter()
        .map(|r| CompLine {
            id: r.id,
            kind: r.kind,
            amount: a.t.money(r.amount_cents, &r.currency),
            status: r.status,
            note: r.note,
            requested_by: name(r.requested_by_id),
            decided_by: r.decided_by_id.map(name).unwrap_or_default(),
        })
        .collect();
    Ok((lines, a.t.money(limit, &s.app.config.limit_currency)))
}

type Choices = (
    Vec<(i64, String)>,
    Vec<(i64, String)>,
    Vec<(i64, String)>,
    Vec<(String, String)>,
);

/// What the property selects and the canned-answer list offer.
async fn choices(s: &AppState, a: &Agent) -> Result<Choices, PageError> {
    let (teams, agents, categories, canned) = tokio::join!(
        super::team_choices(a, &s.app),
        s.app.staff_users(a.actor(), app::cases::MAX_ASSIGNABLE),
        super::category_choices(a, &s.app),
        s.app.canned_answers(a.actor()),
    );
    let agents = agents
        .map_err(|e| a.err(e))?
        .into_iter()
        .filter(|u| u.active && u.role != "analyst")
        .map(|u| (u.id, u.name))
        .collect();
    let canned = canned
        .map_err(|e| a.err(e))?
        .into_iter()
        .map(|c| (c.shortcut, c.title))
        .collect();
    Ok((teams?, agents, categories?, canned))
}

/// `GET /cases/{id}/timeline`: the timeline alone, for live refresh.
pub async fn timeline_fragment(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
) -> PageResult {
    let c = s
        .app
        .get_case(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    let items = timeline(&s, &agent, &c).await?;
    Ok(render(&TimelineFragment { t: agent.t, items }))
}

#[derive(Deserialize)]
pub struct CannedQuery {
    shortcut: String,
}

/// `GET /cases/{id}/canned?shortcut=…`: the canned answer rendered for this case, to preview
/// and insert before sending.
pub async fn canned_preview(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Query(q): Query<CannedQuery>,
) -> PageResult {
    let (c, text) = s
        .app
        .render_canned(agent.actor(), id, &q.shortcut)
        .await
        .map_err(|e| agent.err(e))?;
    let body = serde_json::json!({"shortcut": c.shortcut, "title": c.title, "text": text});
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    /// `reply` (public) or `note` (internal).
    #[serde(default)]
    mode: String,
    /// Optional status to set with the message.
    #[serde(default)]
    status: String,
}

pub async fn post_reply(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<ReplyForm>,
) -> PageResult {
    let public = match f.mode.as_str() {
        "note" => false,
        "reply" | "" => true,
        other => return Err(PageError::Field("mode", other.to_string(), agent.s.locale)),
    };
    let status = if f.status.is_empty() {
        None
    } else {
        Some(super::parse_enum::<Status>(&agent, "status", &f.status)?)
    };
    let comment = (!f.body.trim().is_empty()).then(|| CommentInput {
        body: f.body.replace("\r\n", "\n"),
        public: Some(public),
        via: Some(domain::Channel::Web),
        ..Default::default()
    });
    let typed = FormState::typed([
        ("body", f.body.as_str()),
        ("mode", f.mode.as_str()),
        ("status", f.status.as_str()),
    ]);
    let result = if comment.is_none() && status.is_none() {
        Err(app::AppError::invalid("comment.body", "required", ""))
    } else {
        s.app
            .update_case(
                agent.actor(),
                id,
                CaseChanges {
                    comment,
                    status,
                    ..Default::default()
                },
            )
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) => Ok(super::see_other(&format!("/cases/{id}"))),
        // What was typed comes back in the composer, the reason beside it.
        Err(e) => {
            const MAP: crate::form::FieldMap = &[
                ("comment.body", "body", "composer-body"),
                ("comment", "body", "composer-body"),
                ("status", "status", "field-status"),
            ];
            let reply = typed.refused(&agent.t, e, MAP).map_err(|e| agent.err(e))?;
            let forms = CaseForms {
                reply,
                ..Default::default()
            };
            Ok(super::refused(case_page(&s, agent, id, forms).await?))
        }
    }
}

#[derive(Deserialize)]
pub struct PropertiesForm {
    /// `updated_at` of the case as the page showed it.
    #[serde(default)]
    seen: Option<i64>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    tags: String,
}

pub async fn post_properties(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<PropertiesForm>,
) -> PageResult {
    let tags = f.tags.clone();
    match save_properties(&s, &agent, id, f).await {
        Ok(r) => Ok(r),
        // Refused: the page again with the case as it is now (a colleague's change shows),
        // the reason at the top of the panel, and the tags as typed.
        Err(PageError::App(e, _)) => {
            const MAP: crate::form::FieldMap = &[
                ("tags", "tags", "field-tags"),
                ("ticket.tags", "tags", "field-tags"),
            ];
            // A colleague changed the case: nothing typed is kept (saving it again would
            // undo their change); the panel shows the case as it is now.
            let stale = matches!(&e, app::AppError::Conflict(f) if f.code == "stale");
            let typed = if stale {
                FormState::default()
            } else {
                FormState::typed([("tags", tags.as_str())])
            };
            let props = typed.refused(&agent.t, e, MAP).map_err(|e| agent.err(e))?;
            let forms = CaseForms {
                props,
                ..Default::default()
            };
            let page = case_page(&s, agent, id, forms).await?;
            Ok(if stale {
                (axum::http::StatusCode::CONFLICT, page).into_response()
            } else {
                super::refused(page)
            })
        }
        Err(e) => Err(e),
    }
}

async fn save_properties(s: &AppState, agent: &Agent, id: i64, f: PropertiesForm) -> PageResult {
    let a = agent;
    let c = s.app.get_case(a.actor(), id).await.map_err(|e| a.err(e))?;
    not_stale(a, &c, f.seen)?;
    let mut ch = CaseChanges {
        // Re-checked on the locked row inside the write (the check above is only the early
        // answer: two stale saves could both pass it).
        unchanged_since: f.seen,
        ..Default::default()
    };
    if !f.status.is_empty() && f.status != c.status {
        ch.status = Some(super::parse_enum::<Status>(a, "status", &f.status)?);
    }
    let prio = if f.priority.is_empty() {
        None
    } else {
        Some(super::parse_enum::<Priority>(a, "priority", &f.priority)?)
    };
    if prio.map(|p| p.as_str().to_string()) != c.priority {
        ch.priority = Some(prio);
    }
    let team = super::opt_id(a, "team", &f.team)?;
    let assignee = super::opt_id(a, "assignee", &f.assignee)?;
    if team != c.team_id {
        ch.team_id = Some(team);
    }
    if assignee != c.assignee_id {
        ch.assignee_id = Some(assignee);
    }
    let category = super::opt_id(a, "category", &f.category)?;
    if category != c.category_id {
        ch.category_id = Some(category);
    }
    if !f.kind.is_empty() && f.kind != c.kind {
        ch.kind = Some(super::parse_enum::<Kind>(a, "kind", &f.kind)?);
    }
    let stage = if f.stage.is_empty() {
        None
    } else {
        Some(super::parse_enum::<JourneyStage>(a, "stage", &f.stage)?)
    };
    if stage.map(|p| p.as_str().to_string()) != c.journey_stage {
        ch.journey_stage = Some(stage);
    }
    let tags = domain::parse_tags([f.tags.as_str()]).map_err(|_| {
        a.err(app::AppError::invalid(
            "tags",
            "invalid-value",
            f.tags.trim(),
        ))
    })?;
    let now_tags: Vec<&str> = tags.iter().map(|t| t.as_str()).collect();
    let mut old_tags: Vec<&str> = c.tags.split_whitespace().collect();
    old_tags.sort_unstable();
    if now_tags != old_tags {
        ch.tags = Some(tags);
    }
    s.app
        .update_case(a.actor(), id, ch)
        .await
        .map_err(|e| a.err(e))?;
    Ok(super::see_other(&format!("/cases/{id}?notice=saved")))
}

#[derive(Deserialize)]
pub struct ComplaintForm {
    #[serde(default)]
    seen: Option<i64>,
    #[serde(default)]
    agreed_solution: String,
    #[serde(default)]
    solved_on_the_spot: Option<String>,
    #[serde(default)]
    promised_at: String,
    #[serde(default)]
    follow_up_at: String,
    #[serde(default)]
    follow_up_done: Option<String>,
    #[serde(default)]
    root_cause: String,
    #[serde(default)]
    prevention_suggestion: String,
    #[serde(default)]
    resolved: Option<String>,
}

/// A form sends every field; if the case changed after the page was shown, saving it would
/// silently undo a colleague's change (an assignment, a tag). Refuse instead.
fn not_stale(a: &Agent, c: &model::Case, seen: Option<i64>) -> Result<(), PageError> {
    match seen {
        Some(s) if s < c.updated_at => Err(a.err(app::AppError::Conflict(app::FieldError::new(
            "ticket",
            "stale",
            a.t.at(c.updated_at),
        )))),
        _ => Ok(()),
    }
}

fn opt_text(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub async fn post_complaint(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<ComplaintForm>,
) -> PageResult {
    let typed = FormState::typed([
        ("agreed_solution", f.agreed_solution.as_str()),
        ("promised_at", f.promised_at.as_str()),
        ("follow_up_at", f.follow_up_at.as_str()),
        ("root_cause", f.root_cause.as_str()),
        ("prevention_suggestion", f.prevention_suggestion.as_str()),
    ]);
    match save_complaint(&s, &agent, id, f).await {
        Ok(r) => Ok(r),
        Err(e) => {
            const MAP: crate::form::FieldMap = &[
                (
                    "agreed_solution",
                    "agreed_solution",
                    "field-complaint-agreed-solution",
                ),
                ("promised_at", "promised_at", "field-complaint-promised-at"),
                (
                    "follow_up_at",
                    "follow_up_at",
                    "field-complaint-follow-up-at",
                ),
                ("root_cause", "root_cause", "field-complaint-root-cause"),
                (
                    "prevention_suggestion",
                    "prevention_suggestion",
                    "field-complaint-prevention-suggestion",
                ),
            ];
            let register = match e {
                // A colleague changed the case: its register as it is now, with the reason.
                PageError::App(app::AppError::Conflict(f), _) if f.code == "stale" => {
                    FormState::default()
                        .refused(&agent.t, app::AppError::Conflict(f), MAP)
                        .map_err(|e| agent.err(e))?
                }
                PageError::App(e, _) => {
                    typed.refused(&agent.t, e, MAP).map_err(|e| agent.err(e))?
                }
                PageError::Field(field, detail, _) => {
                    let mut form = typed;
                    form.add(field, detail);
                    form
                }
                other => return Err(other),
            };
            let forms = CaseForms {
                register,
                ..Default::default()
            };
            Ok(super::refused(case_page(&s, agent, id, forms).await?))
        }
    }
}

async fn save_complaint(s: &AppState, agent: &Agent, id: i64, f: ComplaintForm) -> PageResult {
    let a = agent;
    let c = s.app.get_case(a.actor(), id).await.map_err(|e| a.err(e))?;
    not_stale(a, &c, f.seen)?;
    let when = |field: &'static str, v: &str| -> Result<Option<jiff::Timestamp>, PageError> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        a.t.parse_input_at(v)
            .map(Some)
            .ok_or_else(|| PageError::Field(field, a.t.t("expect-date-time"), a.s.locale))
    };
    let now = jiff::Timestamp::from_millisecond(a.t.now_ms).ok();
    let mut p = ComplaintPatch::default();
    let set_text = |cur: &Option<String>, new: &str| -> Option<Option<String>> {
        let n = opt_text(new);
        (n != *cur).then_some(n)
    };
    p.agreed_solution = set_text(&c.agreed_solution, &f.agreed_solution);
    p.root_cause = set_text(&c.root_cause, &f.root_cause);
    p.prevention_suggestion = set_text(&c.prevention_suggestion, &f.prevention_suggestion);
    let spot = f.solved_on_the_spot.is_some();
    if spot != c.solved_on_the_spot {
        p.solved_on_the_spot = Some(spot);
    }
    let same_minute = |cur: Option<i64>, new: Option<jiff::Timestamp>| {
        cur.map(|m| m / 60_000) == new.map(|t| t.as_millisecond() / 60_000)
    };
    let promised = when("promised_at", &f.promised_at)?;
    if !same_minute(c.promised_at, promised) {
        p.promised_at = Some(promised);
    }
    let follow = when("follow_up_at", &f.follow_up_at)?;
    if !same_minute(c.follow_up_at, follow) {
        p.follow_up_at = Some(follow);
    }
    match (f.follow_up_done.is_some(), c.follow_up_done_at.is_some()) {
        (true, false) => p.follow_up_done_at = Some(now),
        (false, true) => p.follow_up_done_at = Some(None),
        _ => {}
    }
    match (f.resolved.is_some(), c.complaint_resolved_at.is_some()) {
        (true, false) => p.resolved_at = Some(now),
        (false, true) => p.resolved_at = Some(None),
        _ => {}
    }
    if p != ComplaintPatch::default() {
        s.app
            .update_case(
                a.actor(),
                id,
                CaseChanges {
                    complaint: Some(p),
                    // Re-checked on the locked row inside the write (the check above is
                    // only the early answer: two stale saves could both pass it).
                    unchanged_since: f.seen,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| a.err(e))?;
    }
    Ok(super::see_other(&format!(
        "/cases/{id}?notice=saved#register"
    )))
}

#[derive(Deserialize)]
pub struct PlaybookForm {
    step: String,
    #[serde(default)]
    done: Option<String>,
}

pub async fn post_playbook(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<PlaybookForm>,
) -> PageResult {
    let done = matches!(f.done.as_deref(), Some("1" | "on" | "true"));
    s.app
        .set_playbook_step(agent.actor(), id, &f.step, done)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other(&format!("/cases/{id}#playbook")))
}

/// `12`, `12.5`, `12,50` → cents.
pub fn parse_amount(s: &str) -> Option<i64> {
    let s = s
        .trim()
        .replace([' ', '\u{a0}', '\u{202f}'], "")
        .replace(',', ".");
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (s.clone(), String::new()),
    };
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let i: i64 = int.parse().ok()?;
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    i.checked_mul(100)?.checked_add(f)
}

#[derive(Deserialize)]
pub struct CompensationForm {
    kind: String,
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    note: String,
}

pub async fn post_compensation(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<CompensationForm>,
) -> PageResult {
    let a = &agent;
    let kind: CompensationKind = super::parse_enum(a, "kind", &f.kind)?;
    let mut form = FormState::typed([
        ("kind", f.kind.as_str()),
        ("amount", f.amount.as_str()),
        ("currency", f.currency.as_str()),
        ("note", f.note.as_str()),
    ]);
    let cur = if f.currency.trim().is_empty() {
        "EUR"
    } else {
        f.currency.as_str()
    };
    let amount_cents = parse_amount(&f.amount);
    if amount_cents.is_none() {
        form.add("amount", a.t.t("expect-amount"));
    }
    let currency = Currency::parse(cur).ok();
    if currency.is_none() {
        form.add(
            "currency",
            crate::form::message(
                &a.t,
                &app::FieldError::new("currency", "currency-unknown", cur.trim()),
                &a.t.t("field-comp-currency"),
            ),
        );
    }
    let (Some(amount_cents), Some(currency)) = (amount_cents, currency) else {
        let forms = CaseForms {
            comp: form,
            ..Default::default()
        };
        return Ok(super::refused(case_page(&s, agent, id, forms).await?));
    };
    let recorded = s
        .app
        .record_compensation(
            a.actor(),
            id,
            NewCompensation {
                kind,
                amount_cents,
                currency,
                note: f.note.trim().chars().take(2000).collect(),
            },
        )
        .await;
    match recorded {
        Ok(_) => Ok(super::see_other(&format!(
            "/cases/{id}?notice=saved#compensation"
        ))),
        Err(e) => {
            const MAP: crate::form::FieldMap = &[
                ("compensation.amount", "amount", "field-comp-amount"),
                ("compensation.currency", "currency", "field-comp-currency"),
                ("compensation.note", "note", "field-comp-note"),
            ];
            let comp = form.refused(&a.t, e, MAP).map_err(|e| a.err(e))?;
            let forms = CaseForms {
                comp,
                ..Default::default()
            };
            Ok(super::refused(case_page(&s, agent, id, forms).await?))
        }
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
}

pub async fn post_decision(
    State(s): State<AppState>,
    agent: Agent,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<DecisionForm>,
) -> PageResult {
    let approve = match f.decision.as_str() {
        "approve" => true,
        "decline" => false,
        other => {
            return Err(PageError::Field(
                "decision",
                other.to_string(),
                agent.s.locale,
            ));
        }
    };
    s.app
        .decide_compensation(agent.actor(), id, cid, approve)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other(&format!("/cases/{id}#compensation")))
}

#[derive(Deserialize)]
pub struct MergeForm {
    target: String,
}

/// Merge this case into another (this one closes, its messages move there).
pub async fn post_merge(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<MergeForm>,
) -> PageResult {
    let target = f.target.trim().trim_start_matches('#').parse::<i64>().ok();
    let result = match target {
        None => Err(app::AppError::invalid("merge_target", "required", "")),
        Some(t) => s.app.merge_cases(agent.actor(), t, &[id]).await.map(|_| ()),
    };
    match (result, target) {
        (Ok(()), Some(t)) => Ok(super::see_other(&format!("/cases/{t}"))),
        (Err(e), _) => relations_refused(&s, agent, id, e, f.target.trim()).await,
        (Ok(()), None) => Ok(super::see_other(&format!("/cases/{id}"))),
    }
}

#[derive(Deserialize)]
pub struct LinkForm {
    other: String,
    #[serde(default)]
    kind: String,
}

pub async fn post_link(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> PageResult {
    let kind: LinkKind = if f.kind.is_empty() {
        LinkKind::Related
    } else {
        super::parse_enum(&agent, "kind", &f.kind)?
    };
    let result = match f.other.trim().trim_start_matches('#').parse::<i64>() {
        Err(_) => Err(app::AppError::invalid("other", "required", "")),
        Ok(other) => s
            .app
            .link_cases(agent.actor(), id, other, kind)
            .await
            .map(|_| ()),
    };
    match result {
        Ok(()) => Ok(super::see_other(&format!(
            "/cases/{id}?notice=saved#relations"
        ))),
        Err(e) => relations_refused(&s, agent, id, e, f.other.trim()).await,
    }
}

/// A link or merge refused: the case page again, the reason in the relations panel (an
/// unknown case number is said as such, not as a missing page).
async fn relations_refused(
    s: &AppState,
    agent: Agent,
    id: i64,
    e: app::AppError,
    typed: &str,
) -> PageResult {
    let unknown = match &e {
        app::AppError::NotFound(_) => true,
        app::AppError::Invalid(errs) => errs.iter().any(|f| f.code == "unknown-reference"),
        _ => false,
    };
    let rel = match e {
        _ if unknown => {
            let mut f = FormState::default();
            f.summary
                .push(agent.t.t1("case-unknown", typed.trim_start_matches('#')));
            f
        }
        e => FormState::default()
            .refused(&agent.t, e, &[])
            .map_err(|e| agent.err(e))?,
    };
    let forms = CaseForms {
        rel,
        ..Default::default()
    };
    Ok(super::refused(case_page(s, agent, id, forms).await?))
}

/// A file of a case for the signed-in agent (the pictures an email shows in its text point
/// here): images display in place, anything else downloads; never run as a page.
pub async fn attachment_file(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
) -> PageResult {
    let (a, data) = s
        .app
        .attachment_content(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(web::browser::file_response(
        &a.file_name,
        &a.content_type,
        data,
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_amount;

    #[test]
    fn amounts_are_read_in_both_notations() {
        assert_eq!(parse_amount("45"), Some(4500));
        assert_eq!(parse_amount("45,5"), Some(4550));
        assert_eq!(parse_amount("1 200.05"), Some(120005));
        assert_eq!(parse_amount("-3"), None);
        assert_eq!(parse_amount("1.234"), None);
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(parse_amount(""), None);
    }
}
