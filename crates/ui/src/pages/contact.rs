//! Log a contact (A6): a phone call, a visit, a letter or a fax becomes a case in a few
//! keystrokes, through the same `create_case` as every other channel. The customer is found
//! by email or phone, or created on the spot.

use crate::Chrome;
use crate::error::{PageError, PageResult, render};
use crate::extract::Form;
use crate::i18n::T;
use crate::session::Agent;
use app::cases::{CommentInput, NewCase, RequesterRef};
use askama::Template;
use axum::extract::State;
use domain::{Channel, EmailAddress, Kind, Phone};
use serde::Deserialize;
use web::AppState;

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    t: T,
    chrome: Chrome,
    teams: Vec<(i64, String)>,
    categories: Vec<(i64, String)>,
    now_input: String,
}

pub async fn show_contact(State(s): State<AppState>, agent: Agent) -> PageResult {
    let teams = super::team_choices(&agent, &s.app).await?;
    let categories = super::category_choices(&agent, &s.app).await?;
    let chrome = Chrome::of(&agent, &s.app, "contact").await;
    let now_input = agent.t.input_at(&Some(agent.t.now_ms));
    Ok(render(&ContactPage {
        t: agent.t,
        chrome,
        teams,
        categories,
        now_input,
    }))
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    assign_to_me: Option<String>,
}

pub async fn post_contact(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<ContactForm>,
) -> PageResult {
    let a = &agent;
    let l = a.s.locale;
    let channel: Channel = super::parse_enum(a, "channel", &f.channel)?;
    if !matches!(
        channel,
        Channel::Phone | Channel::Visit | Channel::Letter | Channel::Fax
    ) {
        return Err(PageError::Field("channel", f.channel.clone(), l));
    }
    let kind: Kind = if f.kind.is_empty() {
        Kind::Question
    } else {
        super::parse_enum(a, "kind", &f.kind)?
    };
    let email = match f.email.trim() {
        "" => None,
        e => Some(EmailAddress::parse(e).map_err(|_| {
            a.err(app::AppError::invalid(
                "email",
                "email-invalid",
                e.to_string(),
            ))
        })?),
    };
    let phone = match f.phone.trim() {
        "" => None,
        p => Some(Phone::parse(p).map_err(|e| PageError::Field("phone", e.to_string(), l))?),
    };
    // Found by email, then phone, or created with both (the phone is never dropped).
    let requester_id = s
        .app
        .contact_person(a.actor(), email.as_ref(), phone.as_ref(), &f.name)
        .await
        .map_err(|e| a.err(e))?;
    let requester = RequesterRef::Id(requester_id);
    let received_at = match f.received_at.trim() {
        "" => None,
        v => Some(
            a.t.parse_input_at(v)
                .ok_or_else(|| PageError::Field("received_at", a.t.t("expect-datetime"), l))?,
        ),
    };
    let body = f.body.trim().to_string();
    let out = s
        .app
        .create_case(
            a.actor(),
            NewCase {
                subject: Some(f.subject.trim().to_string()).filter(|x| !x.is_empty()),
                comment: (!body.is_empty()).then(|| CommentInput {
                    body: body.clone(),
                    public: Some(true),
                    // What the customer said, recorded on their behalf.
                    author_id: Some(requester_id),
                    ..Default::default()
                }),
                requester: Some(requester),
                channel: Some(channel),
                kind: Some(kind),
                team_id: super::opt_id(a, "team", &f.team)?,
                category_id: super::opt_id(a, "category", &f.category)?,
                assignee_id: f.assign_to_me.is_some().then_some(a.actor().user_id),
                received_at,
                received_by_id: Some(a.actor().user_id),
                ..Default::default()
            },
            None,
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(super::see_other(&format!("/cases/{}", out.case.id)))
}
