//! The knowledge base's editors (issue 17, F1): categories and sections (supervisors), and
//! articles (agents): where it goes, public or internal, draft / published (optionally from
//! a date) / archived, labels, and its title and Markdown text in French and in English,
//! each language saved on its own (an untranslated article does not show in that language).

use crate::Chrome;
use crate::error::{PageResult, render};
use crate::extract::{Form, Path, Query, Upload};
use crate::form::{FieldMap, FormState, notice};
use crate::i18n::T;
use crate::session::Agent;
use app::kb::{ArticleInput, KbArticle, KbGroup};
use askama::Template;
use axum::extract::State;
use domain::Locale;
use std::collections::HashMap;
use web::AppState;

#[derive(Template)]
#[template(path = "admin_kb.html")]
struct KbPage {
    t: T,
    chrome: Chrome,
    categories: Vec<KbGroup>,
    sections: Vec<KbGroup>,
    articles: Vec<KbArticle>,
    f: FormState,
    notice: Option<String>,
}

impl KbPage {
    /// An article's title in the agent's language, else in the other one.
    fn title_of(&self, a: &KbArticle) -> String {
        a.text(self.t.locale)
            .or_else(|| a.translations.first())
            .map(|x| x.title.clone())
            .unwrap_or_else(|| format!("#{}", a.id))
    }
    fn section_name(&self, id: &i64) -> String {
        self.sections
            .iter()
            .find(|s| s.id == *id)
            .map(|s| s.name(self.t.locale).to_string())
            .unwrap_or_default()
    }
    fn langs(&self, a: &KbArticle) -> String {
        a.translations
            .iter()
            .map(|x| x.locale.as_str().to_uppercase())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

pub async fn show_kb(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    kb_page(&s, agent, FormState::default(), n).await
}

async fn kb_page(s: &AppState, agent: Agent, f: FormState, notice: Option<String>) -> PageResult {
    let (categories, sections) = s.app.kb_groups().await.map_err(|e| agent.err(e))?;
    let articles = s
        .app
        .kb_articles(agent.actor())
        .await
        .map_err(|e| agent.err(e))?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&KbPage {
        t: agent.t,
        chrome,
        categories,
        sections,
        articles,
        f,
        notice,
    }))
}

#[derive(serde::Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    name_fr: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    description_fr: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    category: String,
}

const GROUP_FIELDS: FieldMap = &[
    ("name", "name_fr", "admin-kb-name-fr"),
    ("category_id", "category", "admin-kb-category"),
];

async fn save_group(s: &AppState, agent: Agent, f: GroupForm, section: bool) -> PageResult {
    let parent = if section {
        super::opt_id(&agent, "category", &f.category)?
    } else {
        None
    };
    let g = KbGroup {
        id: 0,
        parent_id: parent,
        position: 0,
        name_fr: f.name_fr.clone(),
        name_en: f.name_en.clone(),
        description_fr: f.description_fr.clone(),
        description_en: f.description_en.clone(),
        ..Default::default()
    };
    let r = if section {
        s.app.kb_save_section(agent.actor(), None, g).await
    } else {
        s.app.kb_save_category(agent.actor(), None, g).await
    };
    match r {
        Ok(_) => Ok(super::see_other("/admin/kb?notice=saved")),
        Err(e) => {
            let form = FormState::typed([
                ("name_fr", f.name_fr.as_str()),
                ("name_en", f.name_en.as_str()),
            ])
            .refused(&agent.t, e, GROUP_FIELDS)
            .map_err(|e| agent.err(e))?;
            Ok(super::refused(kb_page(s, agent, form, None).await?))
        }
    }
}

pub async fn post_category(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<GroupForm>,
) -> PageResult {
    save_group(&s, agent, f, false).await
}

pub async fn post_section(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<GroupForm>,
) -> PageResult {
    save_group(&s, agent, f, true).await
}

#[derive(serde::Deserialize)]
pub struct NewArticleForm {
    #[serde(default)]
    section: String,
    #[serde(default)]
    title: String,
}

/// A new article: a draft in the agent's language, opened in the editor.
pub async fn post_new_article(
    State(s): State<AppState>,
    agent: Agent,
    Form(f): Form<NewArticleForm>,
) -> PageResult {
    let section = super::opt_id(&agent, "section", &f.section)?.unwrap_or(0);
    let r = s
        .app
        .kb_create_article(
            agent.actor(),
            ArticleInput {
                section_id: section,
                visibility: "public".into(),
                state: "draft".into(),
                publish_at: None,
                labels: vec![],
                position: 0,
            },
            agent.s.locale,
            &f.title,
            "",
        )
        .await;
    match r {
        Ok(id) => Ok(super::see_other(&format!(
            "/admin/kb/articles/{id}?notice=saved"
        ))),
        Err(e) => {
            const MAP: FieldMap = &[
                ("title", "title", "admin-kb-title"),
                ("section_id", "section", "admin-kb-section"),
            ];
            let form = FormState::typed([("title", f.title.as_str())])
                .refused(&agent.t, e, MAP)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(kb_page(&s, agent, form, None).await?))
        }
    }
}

#[derive(Template)]
#[template(path = "admin_kb_article.html")]
struct ArticlePage {
    t: T,
    chrome: Chrome,
    a: KbArticle,
    sections: Vec<(i64, String)>,
    /// (locale, title, Markdown) for French then English, empty when untranslated.
    texts: Vec<(String, String, String)>,
    f: FormState,
    notice: Option<String>,
    publish_at: String,
    files: Vec<app::kb::KbFile>,
}

impl ArticlePage {
    fn file_path(&self, f: &app::kb::KbFile) -> String {
        web::browser::kb_file_path(f.id, &f.file_name)
    }
    /// What to paste in the Markdown: a picture, or a link to the file.
    fn file_markdown(&self, f: &app::kb::KbFile) -> String {
        let label: String = f
            .file_name
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | '\\'))
            .collect();
        if f.inline {
            format!("![{label}]({})", self.file_path(f))
        } else {
            format!("[{label}]({})", self.file_path(f))
        }
    }
}

async fn article_page(
    s: &AppState,
    agent: Agent,
    id: i64,
    f: FormState,
    notice: Option<String>,
) -> PageResult {
    let a = s
        .app
        .kb_article(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    let (cats, secs) = s.app.kb_groups().await.map_err(|e| agent.err(e))?;
    let l = agent.s.locale;
    let sections = secs
        .iter()
        .map(|x| {
            let cat = cats
                .iter()
                .find(|c| Some(c.id) == x.parent_id)
                .map(|c| c.name(l).to_string())
                .unwrap_or_default();
            (x.id, format!("{cat} › {}", x.name(l)))
        })
        .collect();
    let texts = [Locale::Fr, Locale::En]
        .iter()
        .map(|loc| {
            let (t, b) = a
                .text(*loc)
                .map(|x| (x.title.clone(), x.body_md.clone()))
                .unwrap_or_default();
            (loc.as_str().to_string(), t, b)
        })
        .collect();
    let publish_at = agent.t.input_at(&a.publish_at);
    let files = s
        .app
        .kb_files(Some(agent.actor()), id, None)
        .await
        .map_err(|e| agent.err(e))?;
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&ArticlePage {
        t: agent.t,
        chrome,
        a,
        sections,
        texts,
        f,
        notice,
        publish_at,
        files,
    }))
}

/// A file for the article: a picture to show in its text, or a file listed under it.
pub async fn post_file(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    up: Upload,
) -> PageResult {
    let inline = up.fields.get("kind").map(String::as_str) != Some("attachment");
    let r = match &up.file {
        None => Err(app::AppError::invalid("file", "required", "file")),
        Some((name, ctype, data)) => {
            s.app
                .kb_upload(
                    agent.actor(),
                    Some(id),
                    name,
                    ctype.as_deref(),
                    data,
                    inline,
                )
                .await
        }
    };
    match r {
        Ok(_) => Ok(super::see_other(&format!(
            "/admin/kb/articles/{id}?notice=saved#files"
        ))),
        Err(e) => {
            const MAP: FieldMap = &[("file", "file", "admin-kb-file")];
            let form = FormState::default()
                .refused(&agent.t, e, MAP)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                article_page(&s, agent, id, form, None).await?,
            ))
        }
    }
}

/// Remove one of the article's files.
pub async fn post_delete_file(
    State(s): State<AppState>,
    agent: Agent,
    Path((id, file)): Path<(i64, i64)>,
) -> PageResult {
    // Only a file of this article: another article's file is not found here.
    let f = s
        .app
        .kb_file(Some(agent.actor()), file)
        .await
        .map_err(|e| agent.err(e))?;
    if f.article_id != Some(id) {
        return Err(agent.err(app::AppError::NotFound("attachment")));
    }
    s.app
        .kb_delete_file(agent.actor(), file)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other(&format!(
        "/admin/kb/articles/{id}?notice=saved#files"
    )))
}

pub async fn show_article(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let n = notice(&agent.t, &q);
    article_page(&s, agent, id, FormState::default(), n).await
}

#[derive(serde::Deserialize)]
pub struct ArticleForm {
    #[serde(default)]
    section: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    publish_at: String,
    #[serde(default)]
    labels: String,
}

pub async fn post_article(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<ArticleForm>,
) -> PageResult {
    let section = super::opt_id(&agent, "section", &f.section)?.unwrap_or(0);
    let publish_at = agent
        .t
        .parse_input_at(&f.publish_at)
        .map(|t| t.as_millisecond());
    let r = s
        .app
        .kb_save_article(
            agent.actor(),
            Some(id),
            ArticleInput {
                section_id: section,
                visibility: f.visibility.clone(),
                state: f.state.clone(),
                publish_at,
                labels: f
                    .labels
                    .split([',', ' '])
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
                position: 0,
            },
        )
        .await;
    match r {
        Ok(_) => Ok(super::see_other(&format!(
            "/admin/kb/articles/{id}?notice=saved"
        ))),
        Err(e) => {
            const MAP: FieldMap = &[
                ("labels", "labels", "admin-kb-labels"),
                ("section_id", "section", "admin-kb-section"),
            ];
            let form = FormState::typed([("labels", f.labels.as_str())])
                .refused(&agent.t, e, MAP)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                article_page(&s, agent, id, form, None).await?,
            ))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct TextForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    /// Present: remove this language's text.
    #[serde(default)]
    remove: Option<String>,
}

pub async fn post_text(
    State(s): State<AppState>,
    agent: Agent,
    Path((id, lang)): Path<(i64, String)>,
    Form(f): Form<TextForm>,
) -> PageResult {
    let l = Locale::parse(&lang).map_err(|_| agent.err(app::AppError::NotFound("page")))?;
    let r = if f.remove.is_some() {
        s.app.kb_delete_translation(agent.actor(), id, l).await
    } else {
        s.app
            .kb_save_translation(agent.actor(), id, l, &f.title, &f.body)
            .await
    };
    match r {
        Ok(()) => Ok(super::see_other(&format!(
            "/admin/kb/articles/{id}?notice=saved"
        ))),
        Err(e) => {
            let (t_in, b_in) = (format!("title_{lang}"), format!("body_{lang}"));
            let map: FieldMap = if l == Locale::Fr {
                &[
                    ("title", "title_fr", "admin-kb-title"),
                    ("body", "body_fr", "admin-kb-body"),
                ]
            } else {
                &[
                    ("title", "title_en", "admin-kb-title"),
                    ("body", "body_en", "admin-kb-body"),
                ]
            };
            let form = FormState::typed([
                (t_in.as_str(), f.title.as_str()),
                (b_in.as_str(), f.body.as_str()),
            ])
            .refused(&agent.t, e, map)
            .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                article_page(&s, agent, id, form, None).await?,
            ))
        }
    }
}
