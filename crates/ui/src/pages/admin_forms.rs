//! Contact forms in the administration (issue 17): a form's name, language, the sites
//! allowed to embed it, and its topics — each sends to a team and a category and may ask
//! its own extra fields. The page shows the `<script>` tag and the frame address to paste.

use crate::Chrome;
use crate::error::{PageResult, render};
use crate::extract::{Form, Path, Query, Upload};
use crate::form::{FieldMap, FormState, notice};
use crate::i18n::T;
use crate::session::Agent;
use app::portal::forms::{ContactForm, ContactFormInput, Topic, TopicField};
use askama::Template;
use axum::extract::State;
use domain::Locale;
use std::collections::HashMap;
use web::AppState;
use web::extract::BaseUrl;

/// Blank topic rows offered below the existing ones.
const NEW_ROWS: usize = 2;

#[derive(Template)]
#[template(path = "admin_forms.html")]
struct FormsPage {
    t: T,
    chrome: Chrome,
    forms: Vec<ContactForm>,
    anonymous: bool,
    branding: app::portal::Branding,
    /// The branding form as typed when refused.
    bf: FormState,
    f: FormState,
    notice: Option<String>,
}

pub async fn show_forms(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    forms_page(&s, agent, FormState::default(), n).await
}

async fn forms_page(
    s: &AppState,
    agent: Agent,
    f: FormState,
    notice: Option<String>,
) -> PageResult {
    forms_page_with(s, agent, f, FormState::default(), notice).await
}

async fn forms_page_with(
    s: &AppState,
    agent: Agent,
    f: FormState,
    bf: FormState,
    notice: Option<String>,
) -> PageResult {
    let branding = s.app.branding().await.map_err(|e| agent.err(e))?;
    let forms = s
        .app
        .contact_forms(agent.actor())
        .await
        .map_err(|e| agent.err(e))?;
    let anonymous = s
        .app
        .anonymous_requests_allowed()
        .await
        .map_err(|e| agent.err(e))?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&FormsPage {
        t: agent.t,
        chrome,
        forms,
        anonymous,
        branding,
        bf,
        f,
        notice,
    }))
}

/// One topic row of the editor, as shown.
pub struct TopicRow {
    pub i: usize,
    pub key: String,
    pub label_fr: String,
    pub label_en: String,
    pub team_id: Option<i64>,
    pub category_id: Option<i64>,
    /// One extra field per line: `key ; libellé ; label ; *` (the star: required).
    pub fields: String,
}

#[derive(Template)]
#[template(path = "admin_form.html")]
struct FormPage {
    t: T,
    chrome: Chrome,
    form: ContactForm,
    rows: Vec<TopicRow>,
    teams: Vec<(i64, String)>,
    categories: Vec<(i64, String)>,
    f: FormState,
    notice: Option<String>,
    script: String,
    /// The chat widget's tag, when the chat is on.
    chat_script: Option<String>,
    frame: String,
}

fn fields_text(fields: &[TopicField]) -> String {
    fields
        .iter()
        .map(|x| {
            format!(
                "{} ; {} ; {}{}",
                x.key,
                x.label_fr,
                x.label_en,
                if x.required { " ; *" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn rows_of(topics: &[Topic]) -> Vec<TopicRow> {
    let mut rows: Vec<TopicRow> = topics
        .iter()
        .enumerate()
        .map(|(i, t)| TopicRow {
            i,
            key: t.key.clone(),
            label_fr: t.label_fr.clone(),
            label_en: t.label_en.clone(),
            team_id: t.team_id,
            category_id: t.category_id,
            fields: fields_text(&t.fields),
        })
        .collect();
    for i in topics.len()..topics.len() + NEW_ROWS {
        rows.push(TopicRow {
            i,
            key: String::new(),
            label_fr: String::new(),
            label_en: String::new(),
            team_id: None,
            category_id: None,
            fields: String::new(),
        });
    }
    rows
}

async fn form_page(
    s: &AppState,
    agent: Agent,
    form: ContactForm,
    rows: Vec<TopicRow>,
    f: FormState,
    notice: Option<String>,
    base: &str,
) -> PageResult {
    let teams = super::team_choices(&agent, &s.app).await?;
    let categories = super::category_choices(&agent, &s.app).await?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    let base = base.trim_end_matches('/');
    Ok(render(&FormPage {
        t: agent.t,
        chrome,
        script: format!(
            "<script src=\"{base}/form/{}/embed.js\" async></script>",
            form.key
        ),
        frame: format!("{base}/form/{}", form.key),
        chat_script: form.chat.then(|| {
            format!(
                "<script src=\"{base}/form/{}/chat.js\" async></script>",
                form.key
            )
        }),
        form,
        rows,
        teams,
        categories,
        f,
        notice,
    }))
}

pub async fn show_form(
    State(s): State<AppState>,
    agent: Agent,
    BaseUrl(base): BaseUrl,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let form = s
        .app
        .contact_form(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    let n = notice(&agent.t, &q);
    let rows = rows_of(&form.topics);
    form_page(&s, agent, form, rows, FormState::default(), n, &base).await
}

#[derive(serde::Deserialize)]
pub struct NewForm {
    #[serde(default)]
    name: String,
}

/// A new form starts with one topic (every message lands somewhere from the first day).
pub async fn post_new_form(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<NewForm>,
) -> PageResult {
    let l = agent.s.locale;
    let input = ContactFormInput {
        name: f.name.clone(),
        locale: l,
        allowed_origins: vec![],
        topics: vec![Topic {
            key: "question".into(),
            label_fr: "Une question".into(),
            label_en: "A question".into(),
            team_id: None,
            category_id: None,
            fields: vec![],
        }],
        active: true,
        chat: false,
    };
    match s.app.save_contact_form(agent.actor(), None, input).await {
        Ok(form) => Ok(super::see_other(&format!(
            "/admin/forms/{}?notice=saved",
            form.id
        ))),
        Err(e) => {
            const MAP: FieldMap = &[("name", "name", "field-name")];
            let form = FormState::typed([("name", f.name.as_str())])
                .refused(&agent.t, e, MAP)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(forms_page(&s, agent, form, None).await?))
        }
    }
}

/// Read an extra-fields text: one per line, `key ; libellé ; label ; *`.
fn parse_fields(text: &str) -> Vec<TopicField> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split(';').map(str::trim).collect();
            TopicField {
                key: parts.first().copied().unwrap_or("").to_string(),
                label_fr: parts.get(1).copied().unwrap_or("").to_string(),
                label_en: parts.get(2).copied().unwrap_or("").to_string(),
                required: parts.get(3).is_some_and(|x| *x == "*"),
            }
        })
        .collect()
}

pub async fn post_form(
    State(s): State<AppState>,
    agent: Agent,
    BaseUrl(base): BaseUrl,
    Path(id): Path<i64>,
    Form(kv): Form<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| {
        kv.iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    let mut topics = Vec::new();
    for i in 0..60 {
        let key = get(&format!("t{i}_key")).trim().to_lowercase();
        let label_fr = get(&format!("t{i}_fr")).trim().to_string();
        let label_en = get(&format!("t{i}_en")).trim().to_string();
        let fields = get(&format!("t{i}_fields"));
        let team_id = super::opt_id(&agent, "team", &get(&format!("t{i}_team")))?;
        let category_id = super::opt_id(&agent, "category", &get(&format!("t{i}_category")))?;
        // A row left blank (or emptied) is no topic.
        if key.is_empty() && label_fr.is_empty() && label_en.is_empty() {
            continue;
        }
        rows.push(TopicRow {
            i: rows.len(),
            key: key.clone(),
            label_fr: label_fr.clone(),
            label_en: label_en.clone(),
            team_id,
            category_id,
            fields: fields.clone(),
        });
        topics.push(Topic {
            key,
            label_fr,
            label_en,
            team_id,
            category_id,
            fields: parse_fields(&fields),
        });
    }
    let origins: Vec<String> = get("origins")
        .lines()
        .map(|l| l.trim().trim_end_matches('/').to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let input = ContactFormInput {
        name: get("name"),
        locale: Locale::parse(&get("locale")).unwrap_or(agent.s.locale),
        allowed_origins: origins,
        topics,
        active: !get("active").is_empty(),
        chat: !get("chat").is_empty(),
    };
    match s
        .app
        .save_contact_form(agent.actor(), Some(id), input.clone())
        .await
    {
        Ok(_) => Ok(super::see_other(&format!("/admin/forms/{id}?notice=saved"))),
        Err(e) => {
            const MAP: FieldMap = &[
                ("name", "name", "field-name"),
                ("allowed_origins", "origins", "admin-form-origins"),
            ];
            let typed =
                FormState::typed([("name", input.name.as_str()), ("origins", &get("origins"))]);
            let f = typed.refused(&agent.t, e, MAP).map_err(|e| agent.err(e))?;
            let mut form = s
                .app
                .contact_form(agent.actor(), id)
                .await
                .map_err(|e| agent.err(e))?;
            form.allowed_origins = input.allowed_origins;
            let n = rows.len();
            for i in n..n + NEW_ROWS {
                rows.push(TopicRow {
                    i,
                    key: String::new(),
                    label_fr: String::new(),
                    label_en: String::new(),
                    team_id: None,
                    category_id: None,
                    fields: String::new(),
                });
            }
            Ok(super::refused(
                form_page(&s, agent, form, rows, f, None, &base).await?,
            ))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct BrandingForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    colour: String,
}

/// The customer pages' company name and colour.
pub async fn post_branding(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<BrandingForm>,
) -> PageResult {
    let b = app::portal::Branding {
        name: f.name.clone(),
        colour: f.colour.clone(),
        logo: None,
    };
    match s.app.save_branding(agent.actor(), b).await {
        Ok(_) => Ok(super::see_other("/admin/forms?notice=saved")),
        Err(e) => {
            const MAP: FieldMap = &[
                ("name", "name", "admin-brand-name"),
                ("colour", "colour", "admin-brand-colour"),
            ];
            let bf = FormState::typed([("name", f.name.as_str()), ("colour", f.colour.as_str())])
                .refused(&agent.t, e, MAP)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                forms_page_with(&s, agent, FormState::default(), bf, None).await?,
            ))
        }
    }
}

/// The customer pages' logo: a new picture, or (`remove`) none.
pub async fn post_logo(State(s): State<AppState>, agent: Agent, up: Upload) -> PageResult {
    let r = if up.fields.contains_key("remove") {
        s.app.save_logo(agent.actor(), None).await
    } else {
        match &up.file {
            None => Err(app::AppError::invalid("logo", "required", "logo")),
            Some((name, _, data)) => s.app.save_logo(agent.actor(), Some((name, data))).await,
        }
    };
    match r {
        Ok(_) => Ok(super::see_other("/admin/forms?notice=saved#logo-form")),
        Err(e) => {
            const MAP: FieldMap = &[("logo", "logo", "admin-brand-logo")];
            let bf = FormState::default()
                .refused(&agent.t, e, MAP)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                forms_page_with(&s, agent, FormState::default(), bf, None).await?,
            ))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct AnonymousForm {
    #[serde(default)]
    anonymous: Option<String>,
}

/// Whether anyone may file a request through the API without credentials.
pub async fn post_anonymous(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<AnonymousForm>,
) -> PageResult {
    s.app
        .set_anonymous_requests(agent.actor(), f.anonymous.is_some())
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/admin/forms?notice=saved"))
}

pub async fn post_delete_form(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
) -> PageResult {
    s.app
        .delete_contact_form(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/admin/forms?notice=saved"))
}
