//! Administration pages (agents, roles and compensation limits, teams, categories, canned
//! answers, standards, the charter, API tokens) and the agent's charter page with its
//! acknowledgement (B5). Each page calls the same `app` functions as the API, whose role
//! checks decide: supervisors see the admin menu, only admins change staff and the charter.

use crate::Chrome;
use crate::error::{PageError, PageResult, render};
use crate::extract::{Form, Path, Query};
use crate::form::{FieldMap, FormState, notice};
use crate::i18n::T;
use crate::session::Agent;
use app::model;
use app::people::{NewUser, UserChanges};
use askama::Template;
use axum::extract::State;
use domain::{EmailAddress, Role};
use serde::Deserialize;
use web::AppState;
use web::extract::BaseUrl;

fn require_supervisor(a: &Agent) -> Result<(), PageError> {
    a.actor().require_supervisor().map_err(|e| a.err(e))
}

#[derive(Template)]
#[template(path = "admin_home.html")]
struct AdminHome {
    t: T,
    chrome: Chrome,
}

pub async fn admin_home(State(s): State<AppState>, agent: Agent) -> PageResult {
    require_supervisor(&agent)?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&AdminHome { t: agent.t, chrome }))
}

// ---------- agents ----------

pub struct AgentLine {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub limit: String,
    pub limit_input: String,
    pub active: bool,
    /// Invited and not signed up yet: until when the link works.
    pub invited_until: Option<i64>,
    pub has_password: bool,
}

#[derive(Template)]
#[template(path = "admin_agents.html")]
struct AgentsPage {
    t: T,
    chrome: Chrome,
    agents: Vec<AgentLine>,
    f: FormState,
    notice: Option<String>,
    /// A link the administrator hands over because mail cannot carry it yet: (email, link).
    handover: Option<(String, String)>,
}

fn cents_input(c: i64) -> String {
    if c == i64::MAX {
        String::new()
    } else {
        format!("{}.{:02}", c / 100, c % 100)
    }
}

const AGENT_FIELDS: FieldMap = &[
    ("user.name", "name", "field-name"),
    ("name", "name", "field-name"),
    ("user.email", "email", "field-email"),
    ("email", "email", "field-email"),
    ("role", "role", "field-role"),
    ("user.compensation_limit", "limit", "field-limit"),
];

async fn agents_page(
    s: &AppState,
    agent: Agent,
    f: FormState,
    notice: Option<String>,
    handover: Option<(String, String)>,
) -> PageResult {
    require_supervisor(&agent)?;
    let rows = s
        .app
        .staff_members(agent.actor(), 5000)
        .await
        .map_err(|e| agent.err(e))?;
    let invited: std::collections::HashMap<i64, i64> = s
        .app
        .pending_invitations(agent.actor())
        .await
        .map_err(|e| agent.err(e))?
        .into_iter()
        .collect();
    let mut agents = Vec::new();
    for v in rows {
        let email = v.primary_email().unwrap_or_default().to_string();
        let u = v.user;
        agents.push(AgentLine {
            id: u.id,
            limit: agent
                .t
                .money(u.compensation_limit_cents, &s.app.config.limit_currency),
            limit_input: cents_input(u.compensation_limit_cents),
            invited_until: invited.get(&u.id).copied(),
            has_password: u.has_password,
            name: u.name,
            email,
            role: u.role,
            active: u.active,
        });
    }
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&AgentsPage {
        t: agent.t,
        chrome,
        agents,
        f,
        notice,
        handover,
    }))
}

pub async fn show_agents(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    agents_page(&s, agent, FormState::default(), n, None).await
}

#[derive(Deserialize)]
pub struct NewAgentForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    limit: String,
    #[serde(default)]
    locale: String,
}

fn limit_cents(a: &Agent, v: &str) -> Result<Option<i64>, PageError> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    super::case::parse_amount(v)
        .map(Some)
        .ok_or_else(|| PageError::Field("limit", a.t.t("expect-amount"), a.s.locale))
}

/// An agent is invited: the account is created without a password and the link to choose
/// one is emailed (or shown here when mail cannot carry it yet).
pub async fn post_agent(
    State(s): State<AppState>,
    agent: Agent,
    BaseUrl(base): BaseUrl,
    Form(f): Form<NewAgentForm>,
) -> PageResult {
    let a = &agent;
    let typed = FormState::typed([
        ("name", f.name.as_str()),
        ("email", f.email.as_str()),
        ("role", f.role.as_str()),
        ("limit", f.limit.as_str()),
        ("locale", f.locale.as_str()),
    ]);
    let mut form = typed.clone();
    let role = f.role.parse::<Role>().ok().filter(|r| r.is_staff());
    if role.is_none() {
        form.add("role", a.t.t("expect-choice"));
    }
    let email = EmailAddress::parse(f.email.trim()).ok();
    if email.is_none() {
        form.add(
            "email",
            crate::form::message(
                &a.t,
                &app::FieldError::new("email", "email-invalid", f.email.trim()),
                &a.t.t("field-email"),
            ),
        );
    }
    if f.name.trim().is_empty() {
        form.add(
            "name",
            crate::form::message(
                &a.t,
                &app::FieldError::new("name", "required", ""),
                &a.t.t("field-name"),
            ),
        );
    }
    let limit = match f.limit.trim() {
        "" => None,
        v => match super::case::parse_amount(v) {
            Some(c) => Some(c),
            None => {
                form.add("limit", a.t.t("expect-amount"));
                None
            }
        },
    };
    if form.has_errors() {
        let page = agents_page(&s, agent, form, None, None).await?;
        return Ok(super::refused(page));
    }
    let new = NewUser {
        name: Some(f.name.trim().to_string()),
        emails: email.into_iter().collect(),
        role,
        locale: domain::Locale::parse(&f.locale).ok(),
        compensation_limit_cents: limit,
        ..Default::default()
    };
    match s.app.invite_staff(a.actor(), new, &base).await {
        Ok((_, sent)) => {
            let n = Some(a.t.t1("notice-invited", &sent.email));
            let handover = sent.link.map(|l| (sent.email, l));
            agents_page(&s, agent, FormState::default(), n, handover).await
        }
        Err(e) => {
            let form = typed.refused(&a.t, e, AGENT_FIELDS).map_err(|e| a.err(e))?;
            let page = agents_page(&s, agent, form, None, None).await?;
            Ok(super::refused(page))
        }
    }
}

pub async fn post_agent_invite(
    State(s): State<AppState>,
    agent: Agent,
    BaseUrl(base): BaseUrl,
    Path(id): Path<i64>,
) -> PageResult {
    let sent = s
        .app
        .resend_invitation(agent.actor(), id, &base)
        .await
        .map_err(|e| agent.err(e))?;
    let n = Some(agent.t.t1("notice-invited", &sent.email));
    let handover = sent.link.map(|l| (sent.email, l));
    agents_page(&s, agent, FormState::default(), n, handover).await
}

#[derive(Deserialize)]
pub struct AgentUpdateForm {
    role: String,
    #[serde(default)]
    limit: String,
    #[serde(default)]
    active: Option<String>,
}

pub async fn post_agent_update(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<AgentUpdateForm>,
) -> PageResult {
    let a = &agent;
    let role: Role = super::parse_enum(a, "role", &f.role)?;
    s.app
        .update_user(
            a.actor(),
            id,
            UserChanges {
                role: Some(role),
                compensation_limit_cents: limit_cents(a, &f.limit)?,
                active: Some(f.active.is_some()),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(super::see_other("/admin/agents?notice=saved"))
}

// ---------- teams ----------

#[derive(Template)]
#[template(path = "admin_teams.html")]
struct TeamsPage {
    t: T,
    chrome: Chrome,
    /// (id, name, members, customers may mark their cases solved)
    teams: Vec<(i64, String, Vec<String>, bool)>,
    staff: Vec<(i64, String)>,
    f: FormState,
    notice: Option<String>,
}

pub async fn show_teams(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    teams_page(&s, agent, FormState::default(), n).await
}

async fn teams_page(
    s: &AppState,
    agent: Agent,
    f: FormState,
    notice: Option<String>,
) -> PageResult {
    require_supervisor(&agent)?;
    let mut teams = Vec::new();
    for t in s
        .app
        .list_teams(agent.actor(), 0, 1000)
        .await
        .map_err(|e| agent.err(e))?
    {
        if t.deleted {
            continue;
        }
        let members = s
            .app
            .team_members(agent.actor(), t.id)
            .await
            .map_err(|e| agent.err(e))?
            .into_iter()
            .map(|u| u.user.name)
            .collect();
        let solve = s
            .app
            .team_customers_can_solve(agent.actor(), t.id)
            .await
            .map_err(|e| agent.err(e))?;
        teams.push((t.id, t.name, members, solve));
    }
    let staff = s
        .app
        .staff_users(agent.actor(), 5000)
        .await
        .map_err(|e| agent.err(e))?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&TeamsPage {
        t: agent.t,
        chrome,
        teams,
        staff,
        f,
        notice,
    }))
}

#[derive(Deserialize)]
pub struct TeamForm {
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn post_team(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<TeamForm>,
) -> PageResult {
    const MAP: FieldMap = &[
        ("name", "name", "field-name"),
        ("description", "description", "field-description"),
    ];
    match s
        .app
        .create_team(agent.actor(), &f.name, &f.description, true)
        .await
    {
        Ok(_) => Ok(super::see_other("/admin/teams?notice=saved")),
        Err(e) => {
            let form = FormState::typed([
                ("name", f.name.as_str()),
                ("description", f.description.as_str()),
            ])
            .refused(&agent.t, e, MAP)
            .map_err(|e| agent.err(e))?;
            Ok(super::refused(teams_page(&s, agent, form, None).await?))
        }
    }
}

#[derive(Deserialize)]
pub struct TeamPortalForm {
    #[serde(default)]
    customers_can_solve: Option<String>,
}

/// A team's portal setting: its customers may mark their own open case solved.
pub async fn post_team_portal(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<TeamPortalForm>,
) -> PageResult {
    s.app
        .set_team_customers_can_solve(agent.actor(), id, f.customers_can_solve.is_some())
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/admin/teams?notice=saved"))
}

#[derive(Deserialize)]
pub struct MemberForm {
    user: String,
}

pub async fn post_member(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> PageResult {
    let user = super::opt_id(&agent, "user", &f.user)?
        .ok_or_else(|| agent.err(app::AppError::invalid("user", "required", "user")))?;
    s.app
        .add_team_member(agent.actor(), id, user)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/admin/teams?notice=saved"))
}

// ---------- categories ----------

#[derive(Template)]
#[template(path = "admin_categories.html")]
struct CategoriesPage {
    t: T,
    chrome: Chrome,
    categories: Vec<(i64, String)>,
    f: FormState,
    notice: Option<String>,
}

pub async fn show_categories(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    categories_page(&s, agent, FormState::default(), n).await
}

async fn categories_page(
    s: &AppState,
    agent: Agent,
    f: FormState,
    notice: Option<String>,
) -> PageResult {
    require_supervisor(&agent)?;
    let categories = super::category_choices(&agent, &s.app).await?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&CategoriesPage {
        t: agent.t,
        chrome,
        categories,
        f,
        notice,
    }))
}

#[derive(Deserialize)]
pub struct CategoryForm {
    name: String,
    #[serde(default)]
    parent: String,
}

pub async fn post_category(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<CategoryForm>,
) -> PageResult {
    const MAP: FieldMap = &[
        ("name", "name", "field-name"),
        ("category.name", "name", "field-name"),
        ("parent_id", "parent", "field-parent"),
        ("category.parent_id", "parent", "field-parent"),
    ];
    let parent = super::opt_id(&agent, "parent", &f.parent)?;
    match s.app.create_category(agent.actor(), &f.name, parent).await {
        Ok(_) => Ok(super::see_other("/admin/categories?notice=saved")),
        Err(e) => {
            let form = FormState::typed([("name", f.name.as_str()), ("parent", f.parent.as_str())])
                .refused(&agent.t, e, MAP)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                categories_page(&s, agent, form, None).await?,
            ))
        }
    }
}

// ---------- canned answers ----------

#[derive(Template)]
#[template(path = "admin_canned.html")]
struct CannedPage {
    t: T,
    chrome: Chrome,
    canned: Vec<model::Canned>,
    variables: Vec<&'static str>,
    /// The form that was refused (None: the new one) with what was typed.
    failed: Option<Option<i64>>,
    f: FormState,
    notice: Option<String>,
}

impl CannedPage {
    /// A field of an existing answer as the page shows it: typed if its form came back.
    fn field<'a>(&'a self, id: &i64, name: &str, stored: &'a str) -> &'a str {
        if self.failed == Some(Some(*id)) {
            self.f.val(name, stored)
        } else {
            stored
        }
    }
    fn error(&self, id: Option<i64>, name: &str) -> Option<&str> {
        (self.failed == Some(id))
            .then(|| self.f.err(name))
            .flatten()
    }
    fn error_of(&self, id: &i64, name: &str) -> Option<&str> {
        self.error(Some(*id), name)
    }
    fn is_failed(&self, id: &i64) -> bool {
        self.failed == Some(Some(*id))
    }
    fn new_field(&self, name: &str) -> &str {
        if self.failed == Some(None) {
            self.f.val(name, "")
        } else {
            ""
        }
    }
}

async fn canned_page(
    s: &AppState,
    agent: Agent,
    failed: Option<Option<i64>>,
    f: FormState,
    notice: Option<String>,
) -> PageResult {
    require_supervisor(&agent)?;
    let canned = s
        .app
        .canned_answers(agent.actor())
        .await
        .map_err(|e| agent.err(e))?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&CannedPage {
        t: agent.t,
        chrome,
        canned,
        variables: app::cases::canned::VARIABLES
            .iter()
            .map(|(n, _)| *n)
            .collect(),
        failed,
        f,
        notice,
    }))
}

pub async fn show_canned(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    canned_page(&s, agent, None, FormState::default(), n).await
}

#[derive(Deserialize)]
pub struct CannedForm {
    #[serde(default)]
    shortcut: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn save_canned(s: &AppState, agent: Agent, id: Option<i64>, f: CannedForm) -> PageResult {
    const MAP: FieldMap = &[
        ("shortcut", "shortcut", "field-shortcut"),
        ("title", "title", "field-title"),
        ("body", "body", "field-body"),
    ];
    match s
        .app
        .save_canned(agent.actor(), id, &f.shortcut, &f.title, &f.body)
        .await
    {
        Ok(_) => Ok(super::see_other("/admin/canned?notice=saved")),
        Err(e) => {
            let form = FormState::typed([
                ("shortcut", f.shortcut.as_str()),
                ("title", f.title.as_str()),
                ("body", f.body.as_str()),
            ])
            .refused(&agent.t, e, MAP)
            .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                canned_page(s, agent, Some(id), form, None).await?,
            ))
        }
    }
}

pub async fn post_canned(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<CannedForm>,
) -> PageResult {
    save_canned(&s, agent, None, f).await
}

pub async fn post_canned_update(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<CannedForm>,
) -> PageResult {
    save_canned(&s, agent, Some(id), f).await
}

pub async fn post_canned_delete(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
) -> PageResult {
    s.app
        .delete_canned(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/admin/canned?notice=saved"))
}

// ---------- charter ----------

#[derive(Template)]
#[template(path = "charter.html")]
struct CharterPage {
    t: T,
    chrome: Chrome,
    version: Option<i64>,
    vision: String,
    published_at: i64,
    standards: Vec<(String, String)>,
    acknowledged_at: Option<i64>,
}

fn charter_standards(v: &model::CharterVersion, l: domain::Locale) -> Vec<(String, String)> {
    let j = web::api::standards::charter(v, l, None);
    j["standards"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["name"].as_str().unwrap_or("").to_string(),
                        s["sentence"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn show_charter(State(s): State<AppState>, agent: Agent) -> PageResult {
    let versions = s
        .app
        .charter_versions(agent.actor())
        .await
        .map_err(|e| agent.err(e))?;
    let acks = s
        .app
        .my_charter_acks(agent.actor())
        .await
        .map_err(|e| agent.err(e))?;
    let latest = versions.into_iter().max_by_key(|v| v.version);
    let chrome = Chrome::of(&agent, &s.app, "charter").await;
    let page = match latest {
        Some(v) => CharterPage {
            version: Some(v.version),
            vision: v.vision.clone(),
            published_at: v.published_at,
            standards: charter_standards(&v, agent.s.locale),
            acknowledged_at: acks.get(&v.version).copied(),
            t: agent.t,
            chrome,
        },
        None => CharterPage {
            version: None,
            vision: String::new(),
            published_at: 0,
            standards: vec![],
            acknowledged_at: None,
            t: agent.t,
            chrome,
        },
    };
    Ok(render(&page))
}

pub async fn post_acknowledge(
    State(s): State<AppState>,
    agent: Agent,
    Path(v): Path<i64>,
) -> PageResult {
    s.app
        .acknowledge_charter(agent.actor(), v)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/charter"))
}

#[derive(Template)]
#[template(path = "admin_charter.html")]
struct AdminCharterPage {
    t: T,
    chrome: Chrome,
    versions: Vec<(i64, i64)>,
    latest_vision: String,
    acknowledged: Vec<(String, i64)>,
    pending: Vec<String>,
    f: FormState,
    notice: Option<String>,
}

pub async fn show_admin_charter(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    admin_charter_page(&s, agent, FormState::default(), n).await
}

async fn admin_charter_page(
    s: &AppState,
    agent: Agent,
    f: FormState,
    notice: Option<String>,
) -> PageResult {
    require_supervisor(&agent)?;
    let versions = s
        .app
        .charter_versions(agent.actor())
        .await
        .map_err(|e| agent.err(e))?;
    let latest = versions.iter().max_by_key(|v| v.version).cloned();
    let (acknowledged, pending) = match &latest {
        Some(v) => {
            let a = s
                .app
                .charter_acknowledgements(agent.actor(), v.version)
                .await
                .map_err(|e| agent.err(e))?;
            (
                a.acknowledged
                    .into_iter()
                    .map(|(_, n, at)| (n, at))
                    .collect(),
                a.pending.into_iter().map(|(_, n)| n).collect(),
            )
        }
        None => (vec![], vec![]),
    };
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&AdminCharterPage {
        t: agent.t,
        chrome,
        latest_vision: latest.map(|v| v.vision).unwrap_or_default(),
        versions: versions
            .iter()
            .map(|v| (v.version, v.published_at))
            .collect(),
        acknowledged,
        pending,
        f,
        notice,
    }))
}

#[derive(Deserialize)]
pub struct CharterForm {
    #[serde(default)]
    vision: String,
}

pub async fn post_charter(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<CharterForm>,
) -> PageResult {
    match s.app.publish_charter(agent.actor(), &f.vision).await {
        Ok(_) => Ok(super::see_other("/admin/charter?notice=saved")),
        Err(e) => {
            const MAP: FieldMap = &[("charter.vision", "vision", "charter-vision")];
            let form = FormState::typed([("vision", f.vision.as_str())])
                .refused(&agent.t, e, MAP)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                admin_charter_page(&s, agent, form, None).await?,
            ))
        }
    }
}

// ---------- API tokens ----------

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    t: T,
    chrome: Chrome,
    created: Option<(String, String)>,
}

pub async fn show_tokens(State(s): State<AppState>, agent: Agent) -> PageResult {
    require_supervisor(&agent)?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&TokensPage {
        t: agent.t,
        chrome,
        created: None,
    }))
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

/// A new API token, shown once. Supervisors make their own; admins may make one for any
/// member of staff (an integration's account).
pub async fn post_token(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<TokenForm>,
) -> PageResult {
    require_supervisor(&agent)?;
    let mine = s
        .app
        .me(agent.actor())
        .await
        .map_err(|e| agent.err(e))?
        .primary_email()
        .unwrap_or("")
        .to_string();
    let email = if f.email.trim().is_empty() {
        mine.clone()
    } else {
        f.email.trim().to_string()
    };
    if email != mine {
        agent.actor().require_admin().map_err(|e| agent.err(e))?;
        let found = match EmailAddress::parse(&email) {
            Ok(target) => s
                .app
                .user_by_email(agent.actor(), &target)
                .await
                .map_err(|e| agent.err(e))?,
            Err(_) => None,
        };
        let u = found.ok_or_else(|| {
            agent.err(app::AppError::invalid(
                "email",
                "unknown-reference",
                email.clone(),
            ))
        })?;
        if u.role == "end-user" {
            return Err(agent.err(app::AppError::invalid("email", "not-staff", email.clone())));
        }
    }
    let name = if f.name.trim().is_empty() {
        "web"
    } else {
        f.name.trim()
    };
    let token = s
        .app
        .create_token(&email, name)
        .await
        .map_err(|e| agent.err(e))?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&TokensPage {
        t: agent.t,
        chrome,
        created: Some((email, token)),
    }))
}
