//! The knowledge base (issue 17, F1): categories → sections → articles, each article in
//! French and/or English (an article shows in a language only when translated into it),
//! written in Markdown (pulldown-cmark, then the ammonia sanitiser every HTML goes
//! through), public or internal (staff only), draft, published (or scheduled with a date),
//! archived. Search in the database in the reader's language, accent-insensitive.
//! Votes: "was this helpful?", one per signed-in user or anonymous visitor, changeable.
//!
//! Who may do what: anyone reads published public articles; staff also read internal
//! ones; agents (case writers) write articles; supervisors and administrators arrange
//! categories and sections.

mod deflection;
mod files;
mod manage;

pub use deflection::{CASE_WINDOW_MS, Deflection, DeflectionCounts, KbEventKind};
pub use files::{IMAGE_TYPES, KbFile, MAX_LINKED, sniff_image};
pub use manage::KbFilter;

use crate::{Actor, App, AppError, FieldError, Result};
use domain::Locale;
use domain::text::{fold, search_words};

/// Who reads the knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A visitor or a customer: published public articles.
    Public,
    /// Staff: internal articles too.
    Staff,
}

impl Reader {
    pub fn of(actor: Option<&Actor>) -> Reader {
        match actor {
            Some(a) if a.role.is_staff() => Reader::Staff,
            _ => Reader::Public,
        }
    }
    fn audience(self) -> store::KbAudience {
        match self {
            Reader::Public => store::KbAudience::Public,
            Reader::Staff => store::KbAudience::Staff,
        }
    }
}

/// A category or a section, named in both languages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KbGroup {
    pub id: i64,
    /// The category a section belongs to (None for a category).
    pub parent_id: Option<i64>,
    pub position: i64,
    pub name_fr: String,
    pub name_en: String,
    pub description_fr: String,
    pub description_en: String,
    /// When it was made and last changed (ignored when saving).
    pub created_at: i64,
    pub updated_at: i64,
}

impl KbGroup {
    /// The name in a language, else in the other one.
    pub fn name(&self, l: impl std::borrow::Borrow<Locale>) -> &str {
        match *l.borrow() {
            Locale::Fr if !self.name_fr.is_empty() => &self.name_fr,
            Locale::En if !self.name_en.is_empty() => &self.name_en,
            _ if !self.name_fr.is_empty() => &self.name_fr,
            _ => &self.name_en,
        }
    }
    pub fn description(&self, l: impl std::borrow::Borrow<Locale>) -> &str {
        match *l.borrow() {
            Locale::Fr if !self.description_fr.is_empty() => &self.description_fr,
            _ if !self.description_en.is_empty() => &self.description_en,
            _ => &self.description_fr,
        }
    }
    /// Its name and description in exactly one language, to change.
    pub fn text_mut(&mut self, l: Locale) -> (&mut String, &mut String) {
        match l {
            Locale::Fr => (&mut self.name_fr, &mut self.description_fr),
            Locale::En => (&mut self.name_en, &mut self.description_en),
        }
    }
}

fn group_of_cat(r: store::KbCategoryRow) -> KbGroup {
    KbGroup {
        id: r.id,
        parent_id: None,
        position: r.position,
        name_fr: r.name_fr,
        name_en: r.name_en,
        description_fr: r.description_fr,
        description_en: r.description_en,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

fn group_of_sec(r: store::KbSectionRow) -> KbGroup {
    KbGroup {
        id: r.id,
        parent_id: Some(r.category_id),
        position: r.position,
        name_fr: r.name_fr,
        name_en: r.name_en,
        description_fr: r.description_fr,
        description_en: r.description_en,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// An article's title in one language, with the start of its text (lists, search, the
/// suggestions while a customer writes).
#[derive(Debug, Clone, PartialEq)]
pub struct KbHit {
    pub article_id: i64,
    pub section_id: i64,
    pub title: String,
    /// The first ~200 characters of the text, without Markdown.
    pub snippet: String,
}

/// Text without HTML tags (a body written in HTML through the API is searched and
/// quoted by its words, not its markup).
fn plain_text(md: &str) -> String {
    if !md.contains('<') {
        return md.to_string();
    }
    let mut out = String::with_capacity(md.len());
    let mut in_tag = false;
    for c in md.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn snippet(md: &str) -> String {
    let plain: String = plain_text(md)
        .chars()
        .map(|c| if "#*_`>[]()!|".contains(c) { ' ' } else { c })
        .collect();
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        if out.chars().count() + w.chars().count() > 200 {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn hit(r: store::KbHitRow) -> KbHit {
    KbHit {
        article_id: r.article_id,
        section_id: r.section_id,
        title: r.title,
        snippet: snippet(&r.body_md),
    }
}

/// A section with the first titles of its articles and how many it holds.
#[derive(Debug, Clone)]
pub struct KbSectionList {
    pub section: KbGroup,
    pub articles: Vec<KbHit>,
    pub total: usize,
}

/// The tree a reader sees in one language: categories, their sections, and the first
/// titles of each (a section's page lists them all).
#[derive(Debug, Clone)]
pub struct KbTree {
    pub categories: Vec<(KbGroup, Vec<KbSectionList>)>,
}

/// A section's page: where it is, and all its articles in one language.
#[derive(Debug, Clone)]
pub struct KbSectionPage {
    pub category: KbGroup,
    pub section: KbGroup,
    pub articles: Vec<KbHit>,
}

/// One article as a reader sees it.
#[derive(Debug, Clone)]
pub struct KbPage {
    pub id: i64,
    pub locale: Locale,
    pub title: String,
    /// Sanitised HTML from the Markdown.
    pub html: String,
    pub category: KbGroup,
    pub section: KbGroup,
    pub internal: bool,
    pub labels: Vec<String>,
    pub updated_at: i64,
    pub votes_up: i64,
    pub votes_down: i64,
    /// Other articles of the section in this language.
    pub related: Vec<KbHit>,
    /// The languages it exists in (a link to the other one).
    pub locales: Vec<Locale>,
}

/// An article's text in one language.
#[derive(Debug, Clone)]
pub struct KbText {
    pub id: i64,
    pub locale: Locale,
    pub title: String,
    pub body_md: String,
    /// Sanitised HTML from the Markdown.
    pub body_html: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An article as its editors see it: every language, every state.
#[derive(Debug, Clone)]
pub struct KbArticle {
    pub id: i64,
    pub section_id: i64,
    pub author_id: Option<i64>,
    pub created_at: i64,
    pub visibility: String,
    pub state: String,
    pub publish_at: Option<i64>,
    pub labels: Vec<String>,
    pub position: i64,
    pub votes_up: i64,
    pub votes_down: i64,
    pub updated_at: i64,
    pub translations: Vec<KbText>,
}

impl KbArticle {
    /// Its text in a language.
    pub fn text(&self, l: Locale) -> Option<&KbText> {
        self.translations.iter().find(|t| t.locale == l)
    }
    /// Customers read it (when published and not scheduled later).
    pub fn internal(&self) -> bool {
        self.visibility == "internal"
    }
    /// Its settings as they are, to save with one of them changed.
    pub fn input(&self) -> ArticleInput {
        ArticleInput {
            section_id: self.section_id,
            visibility: self.visibility.clone(),
            state: self.state.clone(),
            publish_at: self.publish_at,
            labels: self.labels.clone(),
            position: self.position,
        }
    }
}

/// A vote as recorded, with the article's new counts.
#[derive(Debug, Clone)]
pub struct KbVote {
    pub id: i64,
    pub article_id: i64,
    /// The signed-in voter (None: an anonymous visitor of the help centre).
    pub user_id: Option<i64>,
    /// 1 (helpful) or -1.
    pub value: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub votes_up: i64,
    pub votes_down: i64,
}

fn vote_of(v: store::KbVoteRow, up: i64, down: i64) -> KbVote {
    KbVote {
        id: v.id,
        article_id: v.article_id,
        user_id: v.voter.strip_prefix("user:").and_then(|x| x.parse().ok()),
        value: v.value,
        created_at: v.created_at,
        updated_at: v.updated_at,
        votes_up: up,
        votes_down: down,
    }
}

/// What an editor saves of an article (the text goes per language).
#[derive(Debug, Clone)]
pub struct ArticleInput {
    pub section_id: i64,
    /// `public` or `internal`.
    pub visibility: String,
    /// `draft`, `published` or `archived`.
    pub state: String,
    pub publish_at: Option<i64>,
    pub labels: Vec<String>,
    pub position: i64,
}

/// Markdown to the HTML shown: pulldown-cmark, then the sanitiser (raw HTML in the
/// Markdown is cleaned like any other).
pub fn markdown_html(md: &str) -> String {
    let mut opts = pulldown_cmark::Options::empty();
    opts.insert(pulldown_cmark::Options::ENABLE_TABLES);
    opts.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let parser = pulldown_cmark::Parser::new_ext(md, opts);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    crate::cases::html::sanitize(&html)
}

const MAX_TITLE: usize = 250;
const MAX_BODY: usize = 200_000;

fn check_group(name_fr: &str, name_en: &str) -> Result<()> {
    if name_fr.trim().is_empty() && name_en.trim().is_empty() {
        return Err(AppError::invalid("name", "required", "name"));
    }
    crate::optional_text("name", name_fr, 200)?;
    crate::optional_text("name", name_en, 200)?;
    Ok(())
}

impl App {
    /// Categories and sections (any reader: they are only names).
    pub async fn kb_groups(&self) -> Result<(Vec<KbGroup>, Vec<KbGroup>)> {
        let cats = self.store.kb_categories().await?;
        let secs = self.store.kb_sections().await?;
        Ok((
            cats.into_iter().map(group_of_cat).collect(),
            secs.into_iter().map(group_of_sec).collect(),
        ))
    }

    /// The tree a reader sees in a language (empty sections and categories left out), with
    /// at most `per_section` titles a section.
    pub async fn kb_tree(&self, reader: Reader, l: Locale, per_section: usize) -> Result<KbTree> {
        let (cats, secs) = self.kb_groups().await?;
        let arts = self
            .store
            .kb_readable(reader.audience(), l.as_str(), self.now_ms(), None, false)
            .await?;
        let mut categories = Vec::new();
        for c in cats {
            let mut sections = Vec::new();
            for s in secs.iter().filter(|s| s.parent_id == Some(c.id)) {
                let all: Vec<&store::KbHitRow> =
                    arts.iter().filter(|a| a.section_id == s.id).collect();
                if all.is_empty() {
                    continue;
                }
                sections.push(KbSectionList {
                    section: s.clone(),
                    total: all.len(),
                    articles: all
                        .into_iter()
                        .take(per_section)
                        .map(|a| KbHit {
                            article_id: a.article_id,
                            section_id: a.section_id,
                            title: a.title.clone(),
                            snippet: String::new(),
                        })
                        .collect(),
                });
            }
            if !sections.is_empty() {
                categories.push((c, sections));
            }
        }
        Ok(KbTree { categories })
    }

    /// A section's page in a language: every article a reader may read there, with the
    /// start of its text (404 when none is readable in that language).
    pub async fn kb_section_page(
        &self,
        reader: Reader,
        id: i64,
        l: Locale,
    ) -> Result<KbSectionPage> {
        let missing = || AppError::NotFound("section");
        let (cats, secs) = self.kb_groups().await?;
        let section = secs.into_iter().find(|s| s.id == id).ok_or_else(missing)?;
        let category = cats
            .into_iter()
            .find(|c| Some(c.id) == section.parent_id)
            .ok_or_else(missing)?;
        let articles: Vec<KbHit> = self
            .store
            .kb_readable(reader.audience(), l.as_str(), self.now_ms(), Some(id), true)
            .await?
            .into_iter()
            .map(hit)
            .collect();
        if articles.is_empty() {
            return Err(missing());
        }
        Ok(KbSectionPage {
            category,
            section,
            articles,
        })
    }

    /// One article for a reader, in a language (404 when it is not readable in it).
    pub async fn kb_page(&self, reader: Reader, id: i64, l: Locale) -> Result<KbPage> {
        let missing = || AppError::NotFound("article");
        let now = self.now_ms();
        let a = self.store.kb_article(id).await?.ok_or_else(missing)?;
        let readable = self
            .store
            .kb_readable(reader.audience(), l.as_str(), now, Some(a.section_id), true)
            .await?;
        if !readable.iter().any(|r| r.article_id == id) {
            return Err(missing());
        }
        let trs = self.store.kb_translations(id).await?;
        let tr = trs
            .iter()
            .find(|t| t.locale == l.as_str())
            .ok_or_else(missing)?;
        let (cats, secs) = self.kb_groups().await?;
        let section = secs
            .into_iter()
            .find(|s| s.id == a.section_id)
            .ok_or_else(missing)?;
        let category = cats
            .into_iter()
            .find(|c| Some(c.id) == section.parent_id)
            .ok_or_else(missing)?;
        Ok(KbPage {
            id,
            locale: l,
            title: tr.title.clone(),
            html: tr.body_html.clone(),
            category,
            section,
            internal: a.visibility == "internal",
            labels: a.labels.split_whitespace().map(str::to_string).collect(),
            updated_at: a.updated_at.max(tr.updated_at),
            votes_up: a.votes_up,
            votes_down: a.votes_down,
            related: readable
                .into_iter()
                .filter(|r| r.article_id != id)
                .take(5)
                .map(hit)
                .collect(),
            locales: trs
                .iter()
                .filter_map(|t| Locale::parse(&t.locale).ok())
                .collect(),
        })
    }

    /// Articles matching `query` in a language, best first (any of its words; accents and
    /// case ignored; French or English stemming on PostgreSQL).
    pub async fn kb_search(
        &self,
        reader: Reader,
        query: &str,
        l: Locale,
        limit: i64,
    ) -> Result<Vec<KbHit>> {
        self.kb_search_many(reader, query, l, limit.clamp(1, 50))
            .await
    }

    /// The same, for a caller that pages the results itself (the API): up to 1,000.
    pub async fn kb_search_many(
        &self,
        reader: Reader,
        query: &str,
        l: Locale,
        limit: i64,
    ) -> Result<Vec<KbHit>> {
        let words = domain::text::meaningful_words(search_words(query));
        Ok(self
            .store
            .kb_search(
                &words,
                l.as_str(),
                reader.audience(),
                self.now_ms(),
                limit.clamp(1, 1000),
            )
            .await?
            .into_iter()
            .map(hit)
            .collect())
    }

    /// "Was this helpful?": one vote per voter (`user:{id}` or an anonymous visitor's
    /// token), changeable; only on an article the voter may read.
    pub async fn kb_vote(
        &self,
        actor: Option<&Actor>,
        anonymous: Option<&str>,
        id: i64,
        helpful: bool,
        l: Locale,
    ) -> Result<KbVote> {
        self.kb_page(Reader::of(actor), id, l).await?;
        let voter = match (actor, anonymous) {
            (Some(a), _) => format!("user:{}", a.user_id),
            (None, Some(tok)) if !tok.is_empty() && tok.len() <= 64 => {
                format!("anon:{}", crate::auth::hash_token(tok))
            }
            _ => return Err(AppError::invalid("voter", "required", "voter")),
        };
        let mut tx = self.store.begin().await?;
        let (vote, up, down) = tx
            .vote_kb_article(id, &voter, if helpful { 1 } else { -1 }, self.now_ms())
            .await?;
        tx.commit().await?;
        Ok(vote_of(vote, up, down))
    }

    /// Every article with its languages (editors: staff).
    pub async fn kb_articles(&self, actor: &Actor) -> Result<Vec<KbArticle>> {
        actor.require_staff()?;
        let mut out = Vec::new();
        for a in self.store.kb_articles(None).await? {
            out.push(self.kb_article_of(a).await?);
        }
        Ok(out)
    }

    pub async fn kb_article(&self, actor: &Actor, id: i64) -> Result<KbArticle> {
        actor.require_staff()?;
        let a = self
            .store
            .kb_article(id)
            .await?
            .ok_or(AppError::NotFound("article"))?;
        self.kb_article_of(a).await
    }

    pub(crate) async fn kb_article_of(&self, a: store::KbArticleRow) -> Result<KbArticle> {
        let trs = self.store.kb_translations(a.id).await?;
        Ok(KbArticle {
            id: a.id,
            section_id: a.section_id,
            author_id: a.author_id,
            created_at: a.created_at,
            visibility: a.visibility,
            state: a.state,
            publish_at: a.publish_at,
            labels: a.labels.split_whitespace().map(str::to_string).collect(),
            position: a.position,
            votes_up: a.votes_up,
            votes_down: a.votes_down,
            updated_at: a.updated_at,
            translations: trs
                .into_iter()
                .filter_map(|t| {
                    Locale::parse(&t.locale).ok().map(|l| KbText {
                        id: t.id,
                        locale: l,
                        title: t.title,
                        body_md: t.body_md,
                        body_html: t.body_html,
                        created_at: t.created_at,
                        updated_at: t.updated_at,
                    })
                })
                .collect(),
        })
    }

    /// Change a category or a section (a group with a category), supervisors.
    pub async fn kb_save_group(&self, actor: &Actor, id: i64, g: KbGroup) -> Result<i64> {
        if g.parent_id.is_some() {
            self.kb_save_section(actor, Some(id), g).await
        } else {
            self.kb_save_category(actor, Some(id), g).await
        }
    }

    /// Create (`id` None) or change a category (supervisors).
    pub async fn kb_save_category(
        &self,
        actor: &Actor,
        id: Option<i64>,
        g: KbGroup,
    ) -> Result<i64> {
        actor.require_supervisor()?;
        check_group(&g.name_fr, &g.name_en)?;
        let now = self.now_ms();
        let row = store::KbCategoryRow {
            id: id.unwrap_or(0),
            position: g.position,
            name_fr: g.name_fr.trim().into(),
            name_en: g.name_en.trim().into(),
            description_fr: g.description_fr,
            description_en: g.description_en,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        let id = match id {
            None => tx.insert_kb_category(&row).await?,
            Some(id) => {
                if tx.update_kb_category(&row).await? == 0 {
                    return Err(AppError::NotFound("category"));
                }
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// Create or change a section of a category (supervisors).
    pub async fn kb_save_section(&self, actor: &Actor, id: Option<i64>, g: KbGroup) -> Result<i64> {
        actor.require_supervisor()?;
        check_group(&g.name_fr, &g.name_en)?;
        let category_id = g
            .parent_id
            .ok_or_else(|| AppError::invalid("category_id", "required", "category"))?;
        let (cats, _) = self.kb_groups().await?;
        if !cats.iter().any(|c| c.id == category_id) {
            return Err(AppError::invalid(
                "category_id",
                "unknown-reference",
                category_id.to_string(),
            ));
        }
        let now = self.now_ms();
        let row = store::KbSectionRow {
            id: id.unwrap_or(0),
            category_id,
            position: g.position,
            name_fr: g.name_fr.trim().into(),
            name_en: g.name_en.trim().into(),
            description_fr: g.description_fr,
            description_en: g.description_en,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        let id = match id {
            None => tx.insert_kb_section(&row).await?,
            Some(id) => {
                if tx.update_kb_section(&row).await? == 0 {
                    return Err(AppError::NotFound("section"));
                }
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// An article's settings checked and made a row (agents).
    async fn article_row(
        &self,
        actor: &Actor,
        id: Option<i64>,
        a: ArticleInput,
    ) -> Result<store::KbArticleRow> {
        actor.require_case_writer()?;
        let mut errs = Vec::new();
        if !matches!(a.visibility.as_str(), "public" | "internal") {
            errs.push(FieldError::new(
                "visibility",
                "invalid-value",
                a.visibility.clone(),
            ));
        }
        if !matches!(a.state.as_str(), "draft" | "published" | "archived") {
            errs.push(FieldError::new("state", "invalid-value", a.state.clone()));
        }
        let labels = domain::parse_tags(a.labels.iter().map(String::as_str))
            .map_err(|e| AppError::invalid("labels", "invalid-value", e.to_string()))?;
        let (_, secs) = self.kb_groups().await?;
        if !secs.iter().any(|s| s.id == a.section_id) {
            errs.push(FieldError::new(
                "section_id",
                "unknown-reference",
                a.section_id.to_string(),
            ));
        }
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        let now = self.now_ms();
        Ok(store::KbArticleRow {
            id: id.unwrap_or(0),
            section_id: a.section_id,
            author_id: Some(actor.user_id),
            visibility: a.visibility,
            state: a.state,
            publish_at: a.publish_at,
            labels: labels
                .iter()
                .map(|t| t.as_str().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            position: a.position,
            votes_up: 0,
            votes_down: 0,
            created_at: now,
            updated_at: now,
        })
    }

    /// Create or change an article's settings (agents).
    pub async fn kb_save_article(
        &self,
        actor: &Actor,
        id: Option<i64>,
        a: ArticleInput,
    ) -> Result<i64> {
        let row = self.article_row(actor, id, a).await?;
        let mut tx = self.store.begin().await?;
        let id = match id {
            None => tx.insert_kb_article(&row).await?,
            Some(id) => {
                if tx.update_kb_article(&row).await? == 0 {
                    return Err(AppError::NotFound("article"));
                }
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// A new article with its first text, written together (never an article without a
    /// text when the text is refused).
    pub async fn kb_create_article(
        &self,
        actor: &Actor,
        a: ArticleInput,
        l: Locale,
        title: &str,
        body_md: &str,
    ) -> Result<i64> {
        let row = self.article_row(actor, None, a).await?;
        let mut text = self.translation_row(0, l, title, body_md)?;
        let mut tx = self.store.begin().await?;
        let id = tx.insert_kb_article(&row).await?;
        text.article_id = id;
        tx.put_kb_translation(&text).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A text checked and made a row, its HTML and search document computed.
    fn translation_row(
        &self,
        article_id: i64,
        l: Locale,
        title: &str,
        body_md: &str,
    ) -> Result<store::KbTranslationRow> {
        let title = crate::text_field("title", title.trim(), MAX_TITLE)?;
        if title.is_empty() {
            return Err(AppError::invalid("title", "required", "title"));
        }
        if body_md.len() > MAX_BODY {
            return Err(AppError::invalid("body", "too-long", MAX_BODY.to_string()));
        }
        if domain::has_forbidden_control(body_md) {
            return Err(AppError::invalid(
                "body",
                "invalid-value",
                "control character",
            ));
        }
        let now = self.now_ms();
        Ok(store::KbTranslationRow {
            id: 0,
            article_id,
            locale: l.as_str().into(),
            search_text: fold(&format!("{title} {title} {}", plain_text(body_md))),
            body_html: markdown_html(body_md),
            title,
            body_md: body_md.to_string(),
            created_at: now,
            updated_at: now,
        })
    }

    /// Write an article's title and Markdown in one language (agents).
    pub async fn kb_save_translation(
        &self,
        actor: &Actor,
        article_id: i64,
        l: Locale,
        title: &str,
        body_md: &str,
    ) -> Result<()> {
        self.kb_save_text_and_state(actor, article_id, l, title, body_md, None)
            .await
    }

    /// The same, and the article's state (`draft`, `published`…) changed with it in one
    /// transaction (the Help Center API's `PUT translations/{locale}` with `draft`).
    pub async fn kb_save_text_and_state(
        &self,
        actor: &Actor,
        article_id: i64,
        l: Locale,
        title: &str,
        body_md: &str,
        state: Option<String>,
    ) -> Result<()> {
        actor.require_case_writer()?;
        let text = self.translation_row(article_id, l, title, body_md)?;
        let a = self
            .store
            .kb_article(article_id)
            .await?
            .ok_or(AppError::NotFound("article"))?;
        let settings = match state.filter(|s| *s != a.state) {
            Some(state) => {
                let input = ArticleInput {
                    state,
                    ..self.kb_article_of(a).await?.input()
                };
                Some(self.article_row(actor, Some(article_id), input).await?)
            }
            None => None,
        };
        let mut tx = self.store.begin().await?;
        tx.put_kb_translation(&text).await?;
        if let Some(row) = settings
            && tx.update_kb_article(&row).await? == 0
        {
            return Err(AppError::NotFound("article"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Remove an article's text in one language (it no longer shows in it).
    pub async fn kb_delete_translation(
        &self,
        actor: &Actor,
        article_id: i64,
        l: Locale,
    ) -> Result<()> {
        actor.require_case_writer()?;
        let mut tx = self.store.begin().await?;
        if tx.delete_kb_translation(article_id, l.as_str()).await? == 0 {
            return Err(AppError::NotFound("translation"));
        }
        tx.commit().await?;
        Ok(())
    }
}

/// What an agent inserts into a reply from the knowledge base.
#[derive(Debug, Clone)]
pub struct KbInsert {
    pub title: String,
    pub body_md: String,
    /// The language of the text given.
    pub locale: Locale,
    /// Customers can read it (published, public, in that language): a link will do.
    pub public: bool,
}

impl App {
    /// An article to quote in a reply (staff): its title and text in the agent's language
    /// (else its other one), and whether its public page can be linked to.
    pub async fn kb_insert(&self, actor: &Actor, id: i64, l: Locale) -> Result<KbInsert> {
        actor.require_staff()?;
        let a = self.kb_article(actor, id).await?;
        let tx = a
            .text(l)
            .or_else(|| a.translations.first())
            .cloned()
            .ok_or(AppError::NotFound("article"))?;
        let (locale, title, body_md) = (tx.locale, tx.title, tx.body_md);
        let public = self.kb_page(Reader::Public, id, locale).await.is_ok();
        Ok(KbInsert {
            title,
            body_md,
            locale,
            public,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_sanitised_html() {
        let h = markdown_html(
            "# Titre\n\n**gras** <script>alert(1)</script> [lien](javascript:alert(1))",
        );
        assert!(
            h.contains("<h1>Titre</h1>") && h.contains("<strong>gras</strong>"),
            "{h}"
        );
        assert!(!h.contains("<script") && !h.contains("javascript:"), "{h}");
    }

    #[test]
    fn snippets_drop_markdown_and_stop_near_200_characters() {
        let s = snippet(&format!(
            "## Réinitialiser\n\n*Ouvrez* le menu. {}",
            "mot ".repeat(100)
        ));
        assert!(s.starts_with("Réinitialiser Ouvrez le menu."), "{s}");
        assert!(s.chars().count() <= 202 && s.ends_with('…'));
    }
}
