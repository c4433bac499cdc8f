//! Email administration (issue 16): the outbound relay with a test email, mailboxes (IMAP
//! or delivered by the team's mail server over LMTP, with the MTA settings to copy),
//! templates with a preview, the outbox (state, retry) and the quarantine (reason, raw,
//! re-process, dismiss). Administrators only: the use cases check it. Secrets are never
//! shown back; a blank password field keeps the stored one.

use crate::Chrome;
use crate::error::{PageError, PageResult, render};
use crate::extract::{Form, Path, Query};
use crate::form::{FieldMap, FormState, notice};
use crate::i18n::T;
use crate::session::Agent;
use app::email::relay::{RelayInput, RelayView};
use app::model;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use web::AppState;

use super::refused;

// ---------- overview: relay, test email, mailboxes ----------

pub struct MailboxLine {
    pub id: i64,
    pub address: String,
    pub name: String,
    pub team: String,
    /// imap | lmtp
    pub mode: &'static str,
    pub imap_host: String,
    pub checked_at: Option<i64>,
    pub error: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_email.html")]
struct EmailPage {
    t: T,
    chrome: Chrome,
    relay: RelayView,
    relay_port: String,
    relay_form: FormState,
    test_form: FormState,
    my_email: String,
    mailboxes: Vec<MailboxLine>,
    counts: Vec<(&'static str, i64)>,
    quarantined: usize,
    notice: Option<String>,
}

const RELAY_FIELDS: FieldMap = &[
    ("relay.password", "password", "relay-password"),
    ("relay.host", "host", "relay-host"),
    ("relay.port", "port", "relay-port"),
    ("relay.security", "security", "relay-security"),
];

const TEST_FIELDS: FieldMap = &[("test.to", "to", "test-to")];

async fn email_page(
    s: &AppState,
    agent: Agent,
    relay_form: FormState,
    test_form: FormState,
    notice: Option<String>,
) -> PageResult {
    let a = &agent;
    let relay = s.app.relay_view(a.actor()).await.map_err(|e| a.err(e))?;
    let boxes = s
        .app
        .list_mailboxes(a.actor())
        .await
        .map_err(|e| a.err(e))?;
    let teams = super::team_names(&s.app, a.actor()).await;
    let mailboxes = boxes
        .into_iter()
        .map(|m| MailboxLine {
            id: m.id,
            team: m
                .team_id
                .and_then(|t| teams.get(&t).cloned())
                .unwrap_or_default(),
            mode: if m.imap_host.is_some() {
                "imap"
            } else {
                "lmtp"
            },
            imap_host: m.imap_host.unwrap_or_default(),
            checked_at: m.imap_checked_at,
            error: m.imap_error.unwrap_or_default(),
            active: m.active,
            address: m.address,
            name: m.name,
        })
        .collect();
    let by_state = s.app.outbox_counts(a.actor()).await.map_err(|e| a.err(e))?;
    let counts = ["queued", "failed", "not_sent", "sent"]
        .into_iter()
        .map(|st| {
            let n = by_state
                .iter()
                .find(|(k, _)| k == st)
                .map_or(0, |(_, n)| *n);
            (st, n)
        })
        .collect();
    let quarantined = s
        .app
        .list_quarantine(a.actor(), false, 0, 500)
        .await
        .map_err(|e| a.err(e))?
        .len();
    let my_email = s
        .app
        .me(a.actor())
        .await
        .ok()
        .and_then(|v| v.primary_email().map(str::to_string))
        .unwrap_or_default();
    let chrome = Chrome::of(a, &s.app, "admin").await;
    Ok(render(&EmailPage {
        t: agent.t.clone(),
        chrome,
        relay_port: relay.port.to_string(),
        relay,
        relay_form,
        test_form,
        my_email,
        mailboxes,
        counts,
        quarantined,
        notice,
    }))
}

pub async fn show_email(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    email_page(&s, agent, FormState::default(), FormState::default(), n).await
}

#[derive(Deserialize)]
pub struct RelayForm {
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: String,
    #[serde(default)]
    security: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    clear_password: Option<String>,
}

pub async fn post_relay(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<RelayForm>,
) -> PageResult {
    let typed = FormState::typed([
        ("host", f.host.as_str()),
        ("port", f.port.as_str()),
        ("security", f.security.as_str()),
        ("user", f.user.as_str()),
    ]);
    let port = match f.port.trim() {
        "" => None,
        p => match p.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let mut form = typed;
                form.add("port", agent.t.t("expect-whole-number"));
                let page = email_page(&s, agent, form, FormState::default(), None).await?;
                return Ok(refused(page));
            }
        },
    };
    let input = RelayInput {
        host: f.host,
        port,
        security: f.security,
        user: f.user,
        password: if f.clear_password.is_some() {
            Some(String::new())
        } else {
            Some(f.password).filter(|p| !p.is_empty())
        },
    };
    match s.app.save_relay(agent.actor(), input).await {
        Ok(_) => Ok(super::see_other("/admin/email?notice=relay-saved")),
        Err(e) => {
            let form = typed
                .refused(&agent.t, e, RELAY_FIELDS)
                .map_err(|e| agent.err(e))?;
            let page = email_page(&s, agent, form, FormState::default(), None).await?;
            Ok(refused(page))
        }
    }
}

#[derive(Deserialize)]
pub struct TestForm {
    #[serde(default)]
    to: String,
}

pub async fn post_test_email(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<TestForm>,
) -> PageResult {
    match s.app.send_test_email(agent.actor(), &f.to).await {
        Ok(id) => Ok(super::see_other(&format!(
            "/admin/email/outbox?notice=test-queued#o{id}"
        ))),
        Err(e) => {
            let form = FormState::typed([("to", f.to.as_str())])
                .refused(&agent.t, e, TEST_FIELDS)
                .map_err(|e| agent.err(e))?;
            let page = email_page(&s, agent, FormState::default(), form, None).await?;
            Ok(refused(page))
        }
    }
}

// ---------- one mailbox ----------

#[derive(Template)]
#[template(path = "admin_mailbox.html")]
struct MailboxPage {
    t: T,
    chrome: Chrome,
    /// None: a new mailbox.
    id: Option<i64>,
    m: model::Mailbox,
    /// The stored values as the inputs show them.
    port: String,
    poll: String,
    team: String,
    mode: String,
    active: String,
    f: FormState,
    teams: Vec<(i64, String)>,
    lmtp_bind: String,
    imap_enabled: bool,
    notice: Option<String>,
}

const MAILBOX_FIELDS: FieldMap = &[
    ("mailbox.address", "address", "mailbox-address"),
    ("mailbox.name", "name", "mailbox-name"),
    ("mailbox.team_id", "team", "field-team"),
    ("mailbox.group_id", "team", "field-team"),
    ("mailbox.locale", "locale", "mailbox-locale"),
    ("mailbox.imap.host", "imap_host", "mailbox-imap-host"),
    ("mailbox.imap.port", "imap_port", "mailbox-imap-port"),
    (
        "mailbox.imap.security",
        "imap_security",
        "mailbox-imap-security",
    ),
    ("mailbox.imap.user", "imap_user", "mailbox-imap-user"),
    (
        "mailbox.imap.poll_seconds",
        "imap_poll_seconds",
        "mailbox-imap-poll",
    ),
];

fn blank_mailbox() -> model::Mailbox {
    model::Mailbox {
        id: 0,
        address: String::new(),
        name: String::new(),
        team_id: None,
        locale: "fr".into(),
        imap_host: None,
        imap_port: None,
        imap_security: "tls".into(),
        imap_user: None,
        imap_password: None,
        imap_folder: "INBOX".into(),
        imap_poll_seconds: 60,
        imap_uidvalidity: None,
        imap_last_uid: 0,
        imap_checked_at: None,
        imap_error: None,
        active: true,
        created_at: 0,
        updated_at: 0,
    }
}

async fn mailbox_page(
    s: &AppState,
    agent: Agent,
    id: Option<i64>,
    f: FormState,
    notice: Option<String>,
) -> PageResult {
    let a = &agent;
    let m = match id {
        Some(id) => s
            .app
            .get_mailbox(a.actor(), id)
            .await
            .map_err(|e| a.err(e))?,
        None => {
            a.actor().require_admin().map_err(|e| a.err(e))?;
            blank_mailbox()
        }
    };
    let teams = super::team_choices(a, &s.app).await?;
    let chrome = Chrome::of(a, &s.app, "admin").await;
    Ok(render(&MailboxPage {
        t: agent.t.clone(),
        chrome,
        id,
        port: m.imap_port.map(|p| p.to_string()).unwrap_or_default(),
        poll: m.imap_poll_seconds.to_string(),
        team: m.team_id.map(|p| p.to_string()).unwrap_or_default(),
        mode: if m.imap_host.is_some() {
            "imap"
        } else {
            "lmtp"
        }
        .into(),
        active: if m.active { "1" } else { "" }.into(),
        m,
        f,
        teams,
        lmtp_bind: s.app.config.mail.lmtp_bind.clone(),
        imap_enabled: s.app.config.mail.imap_enabled,
        notice,
    }))
}

pub async fn show_new_mailbox(State(s): State<AppState>, agent: Agent) -> PageResult {
    mailbox_page(&s, agent, None, FormState::default(), None).await
}

pub async fn show_mailbox(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    mailbox_page(&s, agent, Some(id), FormState::default(), n).await
}

#[derive(Deserialize)]
pub struct MailboxForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    imap_host: String,
    #[serde(default)]
    imap_port: String,
    #[serde(default)]
    imap_security: String,
    #[serde(default)]
    imap_user: String,
    #[serde(default)]
    imap_password: String,
    #[serde(default)]
    imap_folder: String,
    #[serde(default)]
    imap_poll_seconds: String,
    #[serde(default)]
    active: Option<String>,
}

impl MailboxForm {
    fn typed(&self) -> FormState {
        FormState::typed([
            ("address", self.address.as_str()),
            ("name", self.name.as_str()),
            ("team", self.team.as_str()),
            ("locale", self.locale.as_str()),
            ("mode", self.mode.as_str()),
            ("imap_host", self.imap_host.as_str()),
            ("imap_port", self.imap_port.as_str()),
            ("imap_security", self.imap_security.as_str()),
            ("imap_user", self.imap_user.as_str()),
            ("imap_folder", self.imap_folder.as_str()),
            ("imap_poll_seconds", self.imap_poll_seconds.as_str()),
            ("active", if self.active.is_some() { "1" } else { "" }),
        ])
    }
}

/// The form's fields for the use case, or the form back with what could not be read.
fn mailbox_fields(
    t: &T,
    f: &MailboxForm,
    stored: Option<&model::Mailbox>,
) -> Result<model::MailboxFields, FormState> {
    let mut form = f.typed();
    let number = |form: &mut FormState, input: &str, v: &str| -> Option<i64> {
        match v.trim() {
            "" => None,
            v => v.parse::<i64>().map_or_else(
                |_| {
                    form.add(input, t.t("expect-whole-number"));
                    None
                },
                Some,
            ),
        }
    };
    let team_id = number(&mut form, "team", &f.team);
    let imap = f.mode == "imap";
    let imap_port = number(&mut form, "imap_port", &f.imap_port);
    let poll = number(&mut form, "imap_poll_seconds", &f.imap_poll_seconds).unwrap_or(60);
    let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    // The stored password goes only to the server and account it was given for.
    let security = if f.imap_security.is_empty() {
        "tls".to_string()
    } else {
        f.imap_security.clone()
    };
    let stored_password = stored.and_then(|m| {
        let same = m.imap_host == opt(&f.imap_host)
            && m.imap_port == imap_port
            && m.imap_security == security
            && m.imap_user == opt(&f.imap_user);
        if same { m.imap_password.clone() } else { None }
    });
    if imap
        && f.imap_password.is_empty()
        && stored_password.is_none()
        && stored.is_some_and(|m| m.imap_password.is_some())
    {
        form.add(
            "imap_password",
            crate::form::message(
                t,
                &app::FieldError::new("imap_password", "password-again", ""),
                &t.t("mailbox-imap-password"),
            ),
        );
    }
    if form.has_errors() {
        return Err(form);
    }
    Ok(model::MailboxFields {
        address: f.address.trim().to_string(),
        name: f.name.trim().to_string(),
        team_id,
        locale: if f.locale.is_empty() {
            "fr".into()
        } else {
            f.locale.clone()
        },
        imap_host: if imap { opt(&f.imap_host) } else { None },
        imap_port: if imap { imap_port } else { None },
        imap_security: security,
        imap_user: if imap { opt(&f.imap_user) } else { None },
        // Blank keeps the stored password (it is never shown back).
        imap_password: if !imap {
            None
        } else if f.imap_password.is_empty() {
            stored_password
        } else {
            Some(f.imap_password.clone())
        },
        imap_folder: opt(&f.imap_folder).unwrap_or_else(|| "INBOX".into()),
        imap_poll_seconds: poll,
        active: f.active.is_some(),
    })
}

pub async fn post_new_mailbox(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<MailboxForm>,
) -> PageResult {
    let fields = match mailbox_fields(&agent.t, &f, None) {
        Ok(m) => m,
        Err(form) => return Ok(refused(mailbox_page(&s, agent, None, form, None).await?)),
    };
    match s.app.create_mailbox(agent.actor(), fields).await {
        Ok(m) => Ok(super::see_other(&format!(
            "/admin/email/mailboxes/{}?notice=saved",
            m.id
        ))),
        Err(e) => {
            let form = f
                .typed()
                .refused(&agent.t, e, MAILBOX_FIELDS)
                .map_err(|e| agent.err(e))?;
            Ok(refused(mailbox_page(&s, agent, None, form, None).await?))
        }
    }
}

pub async fn post_mailbox(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<MailboxForm>,
) -> PageResult {
    let stored = s
        .app
        .get_mailbox(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    let fields = match mailbox_fields(&agent.t, &f, Some(&stored)) {
        Ok(m) => m,
        Err(form) => {
            return Ok(refused(
                mailbox_page(&s, agent, Some(id), form, None).await?,
            ));
        }
    };
    match s.app.update_mailbox(agent.actor(), id, fields).await {
        Ok(_) => Ok(super::see_other(&format!(
            "/admin/email/mailboxes/{id}?notice=saved"
        ))),
        Err(e) => {
            let form = f
                .typed()
                .refused(&agent.t, e, MAILBOX_FIELDS)
                .map_err(|e| agent.err(e))?;
            Ok(refused(
                mailbox_page(&s, agent, Some(id), form, None).await?,
            ))
        }
    }
}

pub async fn post_mailbox_delete(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
) -> PageResult {
    s.app
        .delete_mailbox(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/admin/email?notice=mailbox-removed"))
}

// ---------- templates ----------

pub struct TemplateLine {
    pub key: String,
    pub locale: String,
    pub subject: String,
    pub custom: bool,
}

#[derive(Template)]
#[template(path = "admin_templates.html")]
struct TemplatesPage {
    t: T,
    chrome: Chrome,
    templates: Vec<TemplateLine>,
    notice: Option<String>,
}

pub async fn show_templates(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let templates = s
        .app
        .list_templates(agent.actor())
        .await
        .map_err(|e| agent.err(e))?
        .into_iter()
        .map(|(key, locale, subject, _, custom)| TemplateLine {
            key,
            locale,
            subject,
            custom,
        })
        .collect();
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&TemplatesPage {
        notice: notice(&agent.t, &q),
        t: agent.t,
        chrome,
        templates,
    }))
}

#[derive(Template)]
#[template(path = "admin_template.html")]
struct TemplatePage {
    t: T,
    chrome: Chrome,
    key: String,
    locale: String,
    subject: String,
    body: String,
    custom: bool,
    variables: Vec<&'static str>,
    f: FormState,
    preview: Option<(String, String)>,
    notice: Option<String>,
}

const TEMPLATE_FIELDS: FieldMap = &[
    ("email_template.subject", "subject", "template-subject"),
    ("email_template.body", "body", "template-body"),
];

async fn template_page(
    s: &AppState,
    agent: Agent,
    key: String,
    locale: String,
    f: FormState,
    preview: Option<(String, String)>,
    notice: Option<String>,
) -> PageResult {
    let all = s
        .app
        .list_templates(agent.actor())
        .await
        .map_err(|e| agent.err(e))?;
    let Some((_, _, subject, body, custom)) =
        all.into_iter().find(|(k, l, ..)| *k == key && *l == locale)
    else {
        return Err(agent.err(app::AppError::NotFound("template")));
    };
    let variables = app::email::templates::KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_vec())
        .unwrap_or_default();
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&TemplatePage {
        t: agent.t.clone(),
        chrome,
        key,
        locale,
        subject,
        body,
        custom,
        variables,
        f,
        preview,
        notice,
    }))
}

pub async fn show_template(
    State(s): State<AppState>,
    agent: Agent,
    Path((key, locale)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    template_page(&s, agent, key, locale, FormState::default(), None, n).await
}

#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    /// preview | save
    #[serde(default)]
    action: String,
}

pub async fn post_template(
    State(s): State<AppState>,
    agent: Agent,
    Path((key, locale)): Path<(String, String)>,
    Form(f): Form<TemplateForm>,
) -> PageResult {
    let body = f.body.replace("\r\n", "\n");
    let typed = FormState::typed([("subject", f.subject.as_str()), ("body", body.as_str())]);
    let result = if f.action == "preview" {
        s.app
            .preview_template(agent.actor(), &key, &f.subject, &body)
            .await
            .map(Some)
    } else {
        s.app
            .put_template(agent.actor(), &key, &locale, &f.subject, &body)
            .await
            .map(|_| None)
    };
    match result {
        Ok(Some(preview)) => {
            template_page(&s, agent, key, locale, typed, Some(preview), None).await
        }
        Ok(None) => Ok(super::see_other(&format!(
            "/admin/email/templates/{key}/{locale}?notice=saved"
        ))),
        Err(e) => {
            let form = typed
                .refused(&agent.t, e, TEMPLATE_FIELDS)
                .map_err(|e| agent.err(e))?;
            let page = template_page(&s, agent, key, locale, form, None, None).await?;
            Ok(refused(page))
        }
    }
}

pub async fn post_template_reset(
    State(s): State<AppState>,
    agent: Agent,
    Path((key, locale)): Path<(String, String)>,
) -> PageResult {
    s.app
        .reset_template(agent.actor(), &key, &locale)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other(&format!(
        "/admin/email/templates/{key}/{locale}?notice=template-reset"
    )))
}

// ---------- outbox ----------

pub struct OutboxLine {
    pub id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub recipient: String,
    pub state: String,
    pub attempts: i64,
    /// The server's answer, or why it was not sent, in words.
    pub error: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
struct OutboxPage {
    t: T,
    chrome: Chrome,
    state: String,
    mails: Vec<OutboxLine>,
    relay_set: bool,
    notice: Option<String>,
}

pub async fn show_outbox(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let state = q.get("state").cloned().unwrap_or_default();
    let filter = match state.as_str() {
        "queued" | "sent" | "failed" | "not_sent" => Some(state.as_str()),
        _ => None,
    };
    let t = &agent.t;
    let mails = s
        .app
        .recent_outbox(agent.actor(), filter, 200)
        .await
        .map_err(|e| agent.err(e))?
        .into_iter()
        .map(|o| OutboxLine {
            error: match (o.state.as_str(), &o.last_error) {
                ("not_sent", Some(code)) => t.ta(
                    &format!("not-sent-{}", code.replace('_', "-")),
                    &[("to", &o.recipient)],
                ),
                (_, e) => e.clone().unwrap_or_default(),
            },
            next_attempt_at: (o.state == "queued").then_some(o.next_attempt_at),
            id: o.id,
            kind: o.kind,
            case_id: o.case_id,
            recipient: o.recipient,
            state: o.state,
            attempts: o.attempts,
            created_at: o.created_at,
            sent_at: o.sent_at,
        })
        .collect();
    let relay_set = s.app.relay_configured().await.map_err(|e| agent.err(e))?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&OutboxPage {
        notice: notice(&agent.t, &q),
        t: agent.t,
        chrome,
        state,
        mails,
        relay_set,
    }))
}

pub async fn post_outbox_retry(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
) -> PageResult {
    s.app
        .retry_outbox(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/admin/email/outbox?notice=retry-queued"))
}

// ---------- quarantine ----------

#[derive(Template)]
#[template(path = "admin_quarantine.html")]
struct QuarantinePage {
    t: T,
    chrome: Chrome,
    items: Vec<model::Quarantined>,
    mailboxes: HashMap<i64, String>,
    notice: Option<String>,
}

pub async fn show_quarantine(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let items = s
        .app
        .list_quarantine(agent.actor(), false, 0, 200)
        .await
        .map_err(|e| agent.err(e))?;
    let mailboxes = s
        .app
        .list_mailboxes(agent.actor())
        .await
        .map_err(|e| agent.err(e))?
        .into_iter()
        .map(|m| (m.id, m.address))
        .collect();
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&QuarantinePage {
        notice: notice(&agent.t, &q),
        t: agent.t,
        chrome,
        items,
        mailboxes,
    }))
}

/// The quarantined message as it arrived, to open in a mail client.
pub async fn quarantine_raw(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (_, raw) = s
        .app
        .quarantined(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"quarantine-{id}.eml\""),
            ),
        ],
        raw,
    )
        .into_response())
}

pub async fn post_quarantine_reprocess(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
) -> PageResult {
    let r = s
        .app
        .reprocess_quarantined(agent.actor(), id, None)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other(match r {
        app::email::Ingested::Quarantined { .. } => {
            "/admin/email/quarantine?notice=still-quarantined"
        }
        _ => "/admin/email/quarantine?notice=reprocessed",
    }))
}

pub async fn post_quarantine_dismiss(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
) -> PageResult {
    s.app
        .dismiss_quarantined(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/admin/email/quarantine?notice=dismissed"))
}
