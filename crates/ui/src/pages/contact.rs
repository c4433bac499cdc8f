//! Log a contact (A6): a phone call, a visit, a letter or a fax becomes a case in a few
//! keystrokes, through the same `create_case` as every other channel. The customer is found
//! by email or phone, or created on the spot.

use crate::Chrome;
use crate::error::{PageError, PageResult, render};
use crate::extract::Form;
use crate::form::{FieldMap, FormState};
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
    f: FormState,
}

async fn contact_page(s: &AppState, agent: Agent, f: FormState) -> PageResult {
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
        f,
    }))
}

pub async fn show_contact(State(s): State<AppState>, agent: Agent) -> PageResult {
    contact_page(&s, agent, FormState::default()).await
}

/// The use case's field names on this form: (field, input, label).
const CONTACT_FIELDS: FieldMap = &[
    ("email", "email", "field-email"),
    ("phone", "phone", "field-phone"),
    ("name", "name", "field-name"),
    ("subject", "subject", "field-subject"),
    ("comment", "subject", "field-subject"),
    ("received_at", "received_at", "received-at"),
    ("team_id", "team", "field-team"),
    ("category_id", "category", "field-category"),
    ("comment.body", "body", "contact-said"),
];

#[derive(Deserialize, Clone)]
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
    let typed = FormState::typed([
        ("channel", f.channel.as_str()),
        ("name", f.name.as_str()),
        ("email", f.email.as_str()),
        ("phone", f.phone.as_str()),
        ("subject", f.subject.as_str()),
        ("body", f.body.as_str()),
        ("kind", f.kind.as_str()),
        ("team", f.team.as_str()),
        ("category", f.category.as_str()),
        ("received_at", f.received_at.as_str()),
        (
            "assign_to_me",
            if f.assign_to_me.is_some() { "1" } else { "" },
        ),
    ]);
    match log_contact(&s, &agent, f).await {
        Ok(r) => Ok(r),
        Err(Refused::App(e)) => {
            let form = typed
                .refused(&agent.t, e, CONTACT_FIELDS)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(contact_page(&s, agent, form).await?))
        }
        Err(Refused::Input(input, message)) => {
            let mut form = typed;
            form.add(input, message);
            Ok(super::refused(contact_page(&s, agent, form).await?))
        }
        Err(Refused::Page(e)) => Err(e),
    }
}

/// Why a contact form was refused: a use case's error, an input the page could not read,
/// or an error for the error page.
enum Refused {
    App(app::AppError),
    Input(&'static str, String),
    Page(PageError),
}

impl From<PageError> for Refused {
    fn from(e: PageError) -> Self {
        Refused::Page(e)
    }
}

async fn log_contact(
    s: &AppState,
    agent: &Agent,
    f: ContactForm,
) -> Result<axum::response::Response, Refused> {
    let a = agent;
    let channel: Channel = super::parse_enum(a, "channel", &f.channel)?;
    if !matches!(
        channel,
        Channel::Phone | Channel::Visit | Channel::Letter | Channel::Fax
    ) {
        return Err(Refused::Input("channel", a.t.t("expect-choice")));
    }
    let kind: Kind = if f.kind.is_empty() {
        Kind::Question
    } else {
        super::parse_enum(a, "kind", &f.kind)?
    };
    let email = match f.email.trim() {
        "" => None,
        e => Some(EmailAddress::parse(e).map_err(|_| {
            Refused::App(app::AppError::invalid(
                "email",
                "email-invalid",
                e.to_string(),
            ))
        })?),
    };
    let phone = match f.phone.trim() {
        "" => None,
        p => Some(Phone::parse(p).map_err(|_| Refused::Input("phone", a.t.t("expect-phone")))?),
    };
    // Found by email, then phone, or created with both (the phone is never dropped).
    let requester_id = s
        .app
        .contact_person(a.actor(), email.as_ref(), phone.as_ref(), &f.name)
        .await
        .map_err(Refused::App)?;
    let requester = RequesterRef::Id(requester_id);
    let received_at = match f.received_at.trim() {
        "" => None,
        v => Some(
            a.t.parse_input_at(v)
                .ok_or_else(|| Refused::Input("received_at", a.t.t("expect-date-time")))?,
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
        .map_err(Refused::App)?;
    Ok(super::see_other(&format!("/cases/{}", out.case.id)))
}
