//! Zendesk's Help Center API over the knowledge base (issue 17, `app::kb`): categories,
//! sections, articles and their translations, article search with `result_type`, votes,
//! labels, and the two fixed lists Zendesk clients read before they write an article
//! (`guide/permission_groups`, `help_center/user_segments`).
//!
//! Guichet's model, said in Zendesk's words:
//! - Locales: `fr` and `en`; `en-us`, `en-gb`, `fr-fr`, `fr-ca`… are accepted and read as
//!   their language; English is echoed `en-us` (zenpy's default, so its objects round-trip)
//!   and French `fr`. The locale comes from the path (`/help_center/fr/articles`), else the
//!   `locale` parameter, else the caller's language.
//! - One permission group (id 1, every agent edits) and one user segment (id 1, "agents and
//!   admins", `user_type: "staff"`): `user_segment_id: null` is a public article, `1` an
//!   internal one. An article is created with its `permission_group_id`, as Zendesk
//!   requires; a `user_segment_id` left out means everyone (zenpy never sends a null).
//! - `draft` is the article's state, in all its languages at once (Guichet publishes an
//!   article, not a translation); `DELETE articles/{id}` archives.
//! - Bodies are HTML on the wire; Guichet stores what it is given (Markdown from its
//!   pages, HTML from the API) and always answers the sanitised HTML.
//! - Reads are open to anonymous callers for what the public help centre shows; staff
//!   see drafts and internal articles too.

use super::{Paging, cursor_body, double, offset_body, paging};
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, MaybeCtx, Params};
use crate::render::ts;
use app::kb::{ArticleInput, KbArticle, KbFilter, KbGroup, KbText, KbVote, Reader};
use app::{Actor, AppError, FieldError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Locale;
use serde::Deserialize;
use serde_json::{Value, json};

/// The one permission group: every agent writes articles.
pub const PERMISSION_GROUP: i64 = 1;
/// The one user segment: agents and administrators (internal articles).
pub const STAFF_SEGMENT: i64 = 1;

/// Path pieces of the routes, with or without a locale.
#[derive(Deserialize, Default)]
pub struct HcPath {
    #[serde(default)]
    pub(crate) locale: Option<String>,
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) label: Option<String>,
}

/// A Help Center locale read as a language (`en-us` → English).
pub fn hc_locale(raw: &str) -> Option<Locale> {
    let l = raw.trim().to_ascii_lowercase();
    match l.split(['-', '_']).next() {
        Some("fr") => Some(Locale::Fr),
        Some("en") => Some(Locale::En),
        _ => None,
    }
}

/// How a language is echoed.
pub fn wire(l: Locale) -> &'static str {
    match l {
        Locale::En => "en-us",
        Locale::Fr => "fr",
    }
}

pub(crate) fn bad_locale(raw: &str, l: Locale) -> ApiError {
    ApiError::Param(
        "locale",
        format!("unknown locale {raw:?}: Guichet's help centre is in fr and en (en-us)"),
        l,
    )
}

fn locale(path: &HcPath, p: &Params, fallback: Locale) -> Result<Locale, ApiError> {
    match path
        .locale
        .as_deref()
        .or(p.get("locale").filter(|x| !x.is_empty()))
    {
        Some(raw) => hc_locale(raw).ok_or_else(|| bad_locale(raw, fallback)),
        None => Ok(fallback),
    }
}

pub(crate) fn id_of(path: &HcPath, l: Locale, what: &'static str) -> Result<i64, ApiError> {
    path.id
        .as_deref()
        .and_then(|x| x.parse().ok())
        .ok_or(ApiError::App(AppError::NotFound(what), l))
}

pub(crate) fn err(l: Locale) -> impl Fn(AppError) -> ApiError {
    move |e| ApiError::App(e, l)
}

// ---------------------------------------------------------------- pages of a list

/// One page of a list held in memory (the knowledge base is thousands of rows, not
/// millions): offset pages by default, cursor pages with `page[size]`.
pub(crate) enum Slice {
    Offset {
        page: i64,
        per_page: i64,
        count: i64,
    },
    Cursor {
        size: i64,
        has_more: bool,
    },
}

pub(crate) fn slice(ids: &[i64], p: &Params, l: Locale) -> Result<(Vec<i64>, Slice), ApiError> {
    let n = ids.len();
    Ok(match paging(p, l)? {
        Paging::Offset { page, per_page } => {
            let start = ((page - 1) * per_page) as usize;
            let v = ids
                .iter()
                .skip(start)
                .take(per_page as usize)
                .copied()
                .collect();
            (
                v,
                Slice::Offset {
                    page,
                    per_page,
                    count: n as i64,
                },
            )
        }
        Paging::Cursor {
            size,
            after,
            before,
        } => {
            let pos = |id: i64| ids.iter().position(|x| *x == id);
            let size = size as usize;
            let (start, end) = match (after, before) {
                (Some(a), _) => {
                    let s = pos(a).map_or(n, |i| i + 1);
                    (s, (s + size).min(n))
                }
                (None, Some(b)) => {
                    let e = pos(b).unwrap_or(0);
                    (e.saturating_sub(size), e)
                }
                (None, None) => (0, size.min(n)),
            };
            (
                ids[start..end].to_vec(),
                Slice::Cursor {
                    size: size as i64,
                    has_more: end < n,
                },
            )
        }
    })
}

pub(crate) fn envelope(
    key: &str,
    items: Vec<(i64, Value)>,
    s: Slice,
    base: &str,
    path: &str,
    p: &Params,
) -> Value {
    let first = items.first().map(|x| x.0);
    let last = items.last().map(|x| x.0);
    let values = items.into_iter().map(|x| x.1).collect();
    match s {
        Slice::Offset {
            page,
            per_page,
            count,
        } => {
            let mut v = offset_body(key, values, count, page, per_page, base, path, p);
            v["page"] = json!(page);
            v["per_page"] = json!(per_page);
            v["page_count"] = json!((count + per_page - 1) / per_page);
            v
        }
        Slice::Cursor { size, has_more } => {
            cursor_body(key, values, first, last, has_more, size, base, path, p)
        }
    }
}

// ---------------------------------------------------------------- rendering

fn group_json(g: &KbGroup, kind: &str, l: Locale, base: &str) -> Value {
    let wl = wire(l);
    let source = if g.name_fr.is_empty() {
        Locale::En
    } else {
        Locale::Fr
    };
    let mut v = json!({
        "id": g.id,
        "url": format!("{base}/api/v2/help_center/{wl}/{kind}/{}.json", g.id),
        "html_url": format!("{base}/help?lang={}", l.as_str()),
        "name": g.name(l),
        "description": g.description(l),
        "locale": wl,
        "source_locale": wire(source),
        "position": g.position,
        "outdated": false,
        "created_at": ts(g.created_at),
        "updated_at": ts(g.updated_at),
    });
    if let Some(c) = g.parent_id {
        v["category_id"] = json!(c);
    }
    v
}

fn draft(a: &KbArticle) -> bool {
    a.state != "published"
}

fn article_json(a: &KbArticle, t: &KbText, base: &str) -> Value {
    let wl = wire(t.locale);
    json!({
        "id": a.id,
        "url": format!("{base}/api/v2/help_center/{wl}/articles/{}.json", a.id),
        "html_url": format!("{base}/help/articles/{}?lang={}", a.id, t.locale.as_str()),
        "author_id": a.author_id,
        "comments_disabled": true,
        "draft": draft(a),
        "promoted": false,
        "position": a.position,
        "vote_sum": a.votes_up - a.votes_down,
        "vote_count": a.votes_up + a.votes_down,
        "section_id": a.section_id,
        "created_at": ts(a.created_at),
        "updated_at": ts(a.updated_at.max(t.updated_at)),
        "edited_at": ts(t.updated_at),
        "name": t.title,
        "title": t.title,
        "source_locale": wire(a.translations.iter().min_by_key(|x| x.id).map_or(t.locale, |x| x.locale)),
        "locale": wl,
        "outdated": false,
        "outdated_locales": [],
        "permission_group_id": PERMISSION_GROUP,
        "user_segment_id": if a.internal() { Some(STAFF_SEGMENT) } else { None },
        "content_tag_ids": [],
        "label_names": a.labels,
        "body": t.body_html,
        "state": a.state,
        "publish_at": a.publish_at.map(ts),
    })
}

fn translation_json(a: &KbArticle, t: &KbText, base: &str) -> Value {
    let wl = wire(t.locale);
    json!({
        "id": t.id,
        "url": format!("{base}/api/v2/help_center/articles/{}/translations/{wl}.json", a.id),
        "html_url": format!("{base}/help/articles/{}?lang={}", a.id, t.locale.as_str()),
        "source_id": a.id,
        "source_type": "Article",
        "locale": wl,
        "title": t.title,
        "body": t.body_html,
        "outdated": false,
        "draft": draft(a),
        "hidden": false,
        "created_at": ts(t.created_at),
        "updated_at": ts(t.updated_at),
        "created_by_id": a.author_id,
        "updated_by_id": a.author_id,
    })
}

fn vote_json(v: &KbVote, base: &str) -> Value {
    json!({
        "id": v.id,
        "url": format!("{base}/api/v2/help_center/votes/{}.json", v.id),
        "user_id": v.user_id,
        "value": v.value,
        "item_id": v.article_id,
        "item_type": "Article",
        "created_at": ts(v.created_at),
        "updated_at": ts(v.updated_at),
    })
}

/// A label's id, derived from its name (labels are words on articles, not rows): FNV-1a,
/// kept below 2^53 so JavaScript clients read it exactly.
pub fn label_id(name: &str) -> i64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in name.to_lowercase().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    (h & ((1 << 53) - 1)).max(1) as i64
}

fn label_json(name: &str, created: i64, base: &str) -> Value {
    let id = label_id(name);
    json!({
        "id": id,
        "url": format!("{base}/api/v2/help_center/articles/labels/{id}.json"),
        "name": name,
        "created_at": ts(created),
        "updated_at": ts(created),
    })
}

// ---------------------------------------------------------------- categories, sections

#[derive(Deserialize, Default)]
pub struct GroupIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    position: Option<i64>,
    #[serde(default)]
    category_id: Option<i64>,
}

#[derive(Deserialize)]
pub struct CategoryEnvelope {
    category: GroupIn,
}

#[derive(Deserialize)]
pub struct SectionEnvelope {
    section: GroupIn,
}

/// The categories (`sections == false`) or sections a caller sees: staff every one;
/// others those holding an article of the public help centre.
async fn visible_groups(
    s: &AppState,
    actor: Option<&Actor>,
    l: Locale,
    sections: bool,
) -> Result<Vec<KbGroup>, ApiError> {
    let (cats, secs) = s.app.kb_groups_for(actor).await.map_err(err(l))?;
    Ok(if sections { secs } else { cats })
}

async fn list_groups(
    s: &AppState,
    m: &MaybeCtx,
    path: &HcPath,
    p: &Params,
    sections: bool,
    of_category: Option<i64>,
    url: &str,
) -> Result<Response, ApiError> {
    let l = locale(path, p, m.locale)?;
    let groups: Vec<KbGroup> = visible_groups(s, m.actor.as_ref(), l, sections)
        .await?
        .into_iter()
        .filter(|g| of_category.is_none() || g.parent_id == of_category)
        .collect();
    let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
    let (page, sl) = slice(&ids, p, m.locale)?;
    let kind = if sections { "sections" } else { "categories" };
    let items = page
        .iter()
        .filter_map(|id| groups.iter().find(|g| g.id == *id))
        .map(|g| (g.id, group_json(g, kind, l, &m.base)))
        .collect();
    Ok(json_ok(
        StatusCode::OK,
        envelope(kind, items, sl, &m.base, url, p),
    ))
}

pub(crate) async fn one_group(
    s: &AppState,
    m: &MaybeCtx,
    id: i64,
    l: Locale,
    sections: bool,
) -> Result<KbGroup, ApiError> {
    let what = if sections { "section" } else { "category" };
    visible_groups(s, m.actor.as_ref(), l, sections)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(ApiError::App(AppError::NotFound(what), m.locale))
}

pub async fn list_categories(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    list_groups(
        &s,
        &m,
        &path,
        &p,
        false,
        None,
        "/api/v2/help_center/categories.json",
    )
    .await
}

pub async fn list_categories_plain(
    st: State<AppState>,
    m: MaybeCtx,
    p: Params,
) -> Result<Response, ApiError> {
    list_categories(st, m, Path(HcPath::default()), p).await
}

pub async fn list_sections(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    let cat = match path.id {
        Some(_) => Some(id_of(&path, m.locale, "category")?),
        None => None,
    };
    let url = match cat {
        Some(c) => format!("/api/v2/help_center/categories/{c}/sections.json"),
        None => "/api/v2/help_center/sections.json".into(),
    };
    if let Some(c) = cat {
        let l = locale(&path, &p, m.locale)?;
        one_group(&s, &m, c, l, false).await?;
    }
    list_groups(&s, &m, &path, &p, true, cat, &url).await
}

pub async fn list_sections_plain(
    st: State<AppState>,
    m: MaybeCtx,
    p: Params,
) -> Result<Response, ApiError> {
    list_sections(st, m, Path(HcPath::default()), p).await
}

pub async fn show_category(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    show_group(&s, &m, &path, &p, false).await
}

pub async fn show_section(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    show_group(&s, &m, &path, &p, true).await
}

async fn show_group(
    s: &AppState,
    m: &MaybeCtx,
    path: &HcPath,
    p: &Params,
    sections: bool,
) -> Result<Response, ApiError> {
    let l = locale(path, p, m.locale)?;
    let (what, kind, key) = if sections {
        ("section", "sections", "section")
    } else {
        ("category", "categories", "category")
    };
    let id = id_of(path, m.locale, what)?;
    let g = one_group(s, m, id, l, sections).await?;
    Ok(json_ok(
        StatusCode::OK,
        json!({ key: group_json(&g, kind, l, &m.base) }),
    ))
}

/// Write a group's name and description in one language onto what it had.
fn apply(g: &mut KbGroup, i: &GroupIn, l: Locale) {
    let (name, desc) = g.text_mut(l);
    if let Some(n) = &i.name {
        *name = n.clone();
    }
    if let Some(d) = &i.description {
        *desc = d.clone();
    }
    if let Some(p) = i.position {
        g.position = p;
    }
}

fn group_locale(i: &GroupIn, path: &HcPath, p: &Params, ctx: &Ctx) -> Result<Locale, ApiError> {
    match &i.locale {
        Some(raw) if !raw.is_empty() => hc_locale(raw).ok_or_else(|| bad_locale(raw, ctx.locale)),
        _ => locale(path, p, ctx.locale),
    }
}

fn rename(e: AppError, key: &'static str) -> AppError {
    e.rename_fields(|f| Some(format!("{key}.{f}")))
}

pub async fn create_category(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
    Body(env): Body<CategoryEnvelope>,
) -> Result<Response, ApiError> {
    let i = env.category;
    let l = group_locale(&i, &HcPath::default(), &p, &ctx)?;
    if i.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ctx.err(AppError::invalid("category.name", "required", "name")));
    }
    let mut g = KbGroup::default();
    apply(&mut g, &i, l);
    let id = s
        .app
        .kb_save_category(&ctx.actor, None, g)
        .await
        .map_err(|e| ctx.err(rename(e, "category")))?;
    group_answer(&s, &ctx, id, l, false, StatusCode::CREATED).await
}

pub async fn create_section(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    p: Params,
    Body(env): Body<SectionEnvelope>,
) -> Result<Response, ApiError> {
    let cat = id_of(&path, ctx.locale, "category")?;
    let i = env.section;
    let l = group_locale(&i, &path, &p, &ctx)?;
    if i.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ctx.err(AppError::invalid("section.name", "required", "name")));
    }
    let mut g = KbGroup {
        parent_id: Some(cat),
        ..Default::default()
    };
    apply(&mut g, &i, l);
    let id = s
        .app
        .kb_save_section(&ctx.actor, None, g)
        .await
        .map_err(|e| match e {
            AppError::Invalid(v) if v.iter().any(|f| f.field == "category_id") => {
                AppError::NotFound("category")
            }
            e => rename(e, "section"),
        })
        .map_err(|e| ctx.err(e))?;
    group_answer(&s, &ctx, id, l, true, StatusCode::CREATED).await
}

async fn group_answer(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    l: Locale,
    sections: bool,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let (cats, secs) = s.app.kb_groups().await.map_err(|e| ctx.err(e))?;
    let (list, kind, key) = if sections {
        (secs, "sections", "section")
    } else {
        (cats, "categories", "category")
    };
    let g = list
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(ctx.err(AppError::NotFound(key)))?;
    Ok(json_ok(
        status,
        json!({ key: group_json(&g, kind, l, &ctx.base) }),
    ))
}

pub async fn update_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    p: Params,
    Body(env): Body<CategoryEnvelope>,
) -> Result<Response, ApiError> {
    update_group(&s, &ctx, &path, &p, env.category, false).await
}

pub async fn update_section(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    p: Params,
    Body(env): Body<SectionEnvelope>,
) -> Result<Response, ApiError> {
    update_group(&s, &ctx, &path, &p, env.section, true).await
}

async fn update_group(
    s: &AppState,
    ctx: &Ctx,
    path: &HcPath,
    p: &Params,
    i: GroupIn,
    sections: bool,
) -> Result<Response, ApiError> {
    let key = if sections { "section" } else { "category" };
    let id = id_of(path, ctx.locale, key)?;
    let l = group_locale(&i, path, p, ctx)?;
    ctx.actor.require_supervisor().map_err(|e| ctx.err(e))?;
    let (cats, secs) = s.app.kb_groups().await.map_err(|e| ctx.err(e))?;
    let mut g = if sections { secs } else { cats }
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(ctx.err(AppError::NotFound(key)))?;
    apply(&mut g, &i, l);
    if sections && let Some(c) = i.category_id {
        g.parent_id = Some(c);
    }
    s.app
        .kb_save_group(&ctx.actor, id, g)
        .await
        .map_err(|e| ctx.err(rename(e, key)))?;
    group_answer(s, ctx, id, l, sections, StatusCode::OK).await
}

pub async fn delete_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "category")?;
    s.app
        .kb_delete_category(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete_section(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "section")?;
    s.app
        .kb_delete_section(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------- articles

#[derive(Deserialize, Default)]
pub struct ArticleIn {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default, deserialize_with = "double")]
    user_segment_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    permission_group_id: Option<Option<i64>>,
    #[serde(default)]
    draft: Option<bool>,
    #[serde(default)]
    label_names: Option<Vec<String>>,
    #[serde(default)]
    position: Option<i64>,
    #[serde(default)]
    section_id: Option<i64>,
    /// Guichet's own: publish later (with `draft: false`), ISO 8601.
    #[serde(default, deserialize_with = "double")]
    publish_at: Option<Option<String>>,
}

#[derive(Deserialize)]
pub struct ArticleEnvelope {
    article: ArticleIn,
}

fn segment(v: Option<i64>) -> Result<String, AppError> {
    match v {
        None => Ok("public".into()),
        Some(STAFF_SEGMENT) => Ok("internal".into()),
        Some(other) => Err(AppError::invalid(
            "article.user_segment_id",
            "unknown-reference",
            other.to_string(),
        )),
    }
}

fn check_group(v: Option<Option<i64>>, required: bool) -> Result<(), AppError> {
    match v {
        None if !required => Ok(()),
        None | Some(None) => Err(AppError::invalid(
            "article.permission_group_id",
            "required",
            "permission_group_id",
        )),
        Some(Some(PERMISSION_GROUP)) => Ok(()),
        Some(Some(other)) => Err(AppError::invalid(
            "article.permission_group_id",
            "unknown-reference",
            other.to_string(),
        )),
    }
}

fn publish_at(v: &Option<Option<String>>, keep: Option<i64>) -> Result<Option<i64>, AppError> {
    match v {
        None => Ok(keep),
        Some(None) => Ok(None),
        Some(Some(raw)) => raw
            .parse::<jiff::Timestamp>()
            .map(|t| Some(t.as_millisecond()))
            .map_err(|_| AppError::invalid("article.publish_at", "invalid-value", raw.clone())),
    }
}

fn state_of(draft: Option<bool>, keep: &str) -> String {
    match draft {
        Some(true) => "draft".into(),
        Some(false) => "published".into(),
        None => keep.to_string(),
    }
}

async fn article_in(
    s: &AppState,
    actor: Option<&Actor>,
    id: i64,
    l: Locale,
) -> Result<KbArticle, ApiError> {
    s.app.kb_article_for(actor, id).await.map_err(err(l))
}

fn text_or_404(a: &KbArticle, l: Locale, ml: Locale) -> Result<&KbText, ApiError> {
    a.text(l)
        .ok_or(ApiError::App(AppError::NotFound("translation"), ml))
}

/// Articles of a list, rendered in one language.
async fn article_page(
    s: &AppState,
    m: &MaybeCtx,
    l: Locale,
    ids: &[i64],
    p: &Params,
    url: &str,
) -> Result<Response, ApiError> {
    let (page, sl) = slice(ids, p, m.locale)?;
    let mut items = Vec::with_capacity(page.len());
    for id in page {
        let a = article_in(s, m.actor.as_ref(), id, m.locale).await?;
        if let Some(t) = a.text(l) {
            items.push((id, article_json(&a, t, &m.base)));
        }
    }
    Ok(json_ok(
        StatusCode::OK,
        envelope("articles", items, sl, &m.base, url, p),
    ))
}

fn labels_param(p: &Params) -> Vec<String> {
    p.get("label_names")
        .unwrap_or("")
        .split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// `GET articles`, `sections/{id}/articles`, `categories/{id}/articles` (with or without a
/// locale in the path); `label_names=a,b` keeps articles with one of them.
async fn list_articles_in(
    s: &AppState,
    m: &MaybeCtx,
    path: &HcPath,
    p: &Params,
    scope: Option<&str>,
) -> Result<Response, ApiError> {
    let l = locale(path, p, m.locale)?;
    let mut f = KbFilter {
        labels: labels_param(p),
        ..Default::default()
    };
    let url = match scope {
        Some("sections") => {
            let id = id_of(path, m.locale, "section")?;
            one_group(s, m, id, l, true).await?;
            f.section_id = Some(id);
            format!("/api/v2/help_center/sections/{id}/articles.json")
        }
        Some(_) => {
            let id = id_of(path, m.locale, "category")?;
            one_group(s, m, id, l, false).await?;
            f.category_id = Some(id);
            format!("/api/v2/help_center/categories/{id}/articles.json")
        }
        None => "/api/v2/help_center/articles.json".into(),
    };
    let ids = s
        .app
        .kb_list(m.actor.as_ref(), l, &f)
        .await
        .map_err(err(m.locale))?;
    article_page(s, m, l, &ids, p, &url).await
}

pub async fn list_articles(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    list_articles_in(&s, &m, &path, &p, None).await
}

pub async fn list_articles_plain(
    State(s): State<AppState>,
    m: MaybeCtx,
    p: Params,
) -> Result<Response, ApiError> {
    list_articles_in(&s, &m, &HcPath::default(), &p, None).await
}

pub async fn section_articles(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    list_articles_in(&s, &m, &path, &p, Some("sections")).await
}

pub async fn category_articles(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    list_articles_in(&s, &m, &path, &p, Some("categories")).await
}

/// `GET articles/{id}`: in the asked language, else in the article's first one (Zendesk
/// answers the article in its source locale).
pub async fn show_article(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    let id = id_of(&path, m.locale, "article")?;
    let asked = path.locale.is_some() || p.get("locale").is_some_and(|x| !x.is_empty());
    let l = locale(&path, &p, m.locale)?;
    let a = article_in(&s, m.actor.as_ref(), id, m.locale).await?;
    let t = match a.text(l) {
        Some(t) => t,
        None if !asked => a
            .translations
            .first()
            .ok_or(ApiError::App(AppError::NotFound("article"), m.locale))?,
        None => return Err(ApiError::App(AppError::NotFound("translation"), m.locale)),
    };
    Ok(json_ok(
        StatusCode::OK,
        json!({"article": article_json(&a, t, &m.base)}),
    ))
}

/// `POST sections/{id}/articles`: title, body, locale, `permission_group_id` (required, as
/// in Zendesk), `user_segment_id` (null or left out: everyone — zenpy drops a null key —,
/// 1: staff only), draft, labels, position.
pub async fn create_article(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    p: Params,
    Body(env): Body<ArticleEnvelope>,
) -> Result<Response, ApiError> {
    let section = id_of(&path, ctx.locale, "section")?;
    ctx.actor.require_case_writer().map_err(|e| ctx.err(e))?;
    let i = env.article;
    let l = match &i.locale {
        Some(raw) if !raw.is_empty() => {
            hc_locale(raw).ok_or_else(|| bad_locale(raw, ctx.locale))?
        }
        _ => locale(&path, &p, ctx.locale)?,
    };
    let mut errs: Vec<FieldError> = Vec::new();
    let mut push = |r: Result<(), AppError>| {
        if let Err(AppError::Invalid(v)) = r {
            errs.extend(v);
        }
    };
    push(check_group(i.permission_group_id, true));
    let visibility = segment(i.user_segment_id.flatten()).unwrap_or_else(|e| {
        push(Err(e));
        String::new()
    });
    let publish = publish_at(&i.publish_at, None).unwrap_or_else(|e| {
        push(Err(e));
        None
    });
    if i.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        push(Err(AppError::invalid("article.title", "required", "title")));
    }
    if !errs.is_empty() {
        return Err(ctx.err(AppError::Invalid(errs)));
    }
    let (_, secs) = s.app.kb_groups().await.map_err(|e| ctx.err(e))?;
    if !secs.iter().any(|g| g.id == section) {
        return Err(ctx.err(AppError::NotFound("section")));
    }
    let input = ArticleInput {
        section_id: section,
        visibility,
        state: state_of(i.draft, "published"),
        publish_at: publish,
        labels: i.label_names.clone().unwrap_or_default(),
        position: i.position.unwrap_or(0),
    };
    let id = s
        .app
        .kb_create_article(
            &ctx.actor,
            input,
            l,
            i.title.as_deref().unwrap_or(""),
            i.body.as_deref().unwrap_or(""),
        )
        .await
        .map_err(|e| ctx.err(rename(e, "article")))?;
    let a = article_in(&s, Some(&ctx.actor), id, ctx.locale).await?;
    let t = text_or_404(&a, l, ctx.locale)?;
    Ok(json_ok(
        StatusCode::CREATED,
        json!({"article": article_json(&a, t, &ctx.base)}),
    ))
}

/// `PUT articles/{id}`: the settings (section, position, labels, segment, permission
/// group, Guichet's `publish_at`); title, body and draft change through translations, and
/// are ignored here as in Zendesk (zenpy sends the whole object back).
pub async fn update_article(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    p: Params,
    Body(env): Body<ArticleEnvelope>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "article")?;
    let l = locale(&path, &p, ctx.locale)?;
    let i = env.article;
    ctx.actor.require_case_writer().map_err(|e| ctx.err(e))?;
    let a = article_in(&s, Some(&ctx.actor), id, ctx.locale).await?;
    check_group(i.permission_group_id, false).map_err(|e| ctx.err(e))?;
    let visibility = match i.user_segment_id {
        None => a.visibility.clone(),
        Some(v) => segment(v).map_err(|e| ctx.err(e))?,
    };
    let input = ArticleInput {
        section_id: i.section_id.unwrap_or(a.section_id),
        visibility,
        state: a.state.clone(),
        publish_at: publish_at(&i.publish_at, a.publish_at).map_err(|e| ctx.err(e))?,
        labels: i.label_names.clone().unwrap_or(a.labels.clone()),
        position: i.position.unwrap_or(a.position),
    };
    s.app
        .kb_save_article(&ctx.actor, Some(id), input)
        .await
        .map_err(|e| ctx.err(rename(e, "article")))?;
    let a = article_in(&s, Some(&ctx.actor), id, ctx.locale).await?;
    let t = a
        .text(l)
        .or_else(|| a.translations.first())
        .ok_or(ctx.err(AppError::NotFound("article")))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"article": article_json(&a, t, &ctx.base)}),
    ))
}

/// `DELETE articles/{id}`: archives it (Zendesk's meaning).
pub async fn archive_article(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "article")?;
    s.app
        .kb_archive_article(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------- translations

#[derive(Deserialize, Default)]
pub struct TranslationIn {
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    draft: Option<bool>,
}

#[derive(Deserialize)]
pub struct TranslationEnvelope {
    translation: TranslationIn,
}

pub async fn list_translations(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    let id = id_of(&path, m.locale, "article")?;
    let a = article_in(&s, m.actor.as_ref(), id, m.locale).await?;
    let ids: Vec<i64> = a.translations.iter().map(|t| t.id).collect();
    let (page, sl) = slice(&ids, &p, m.locale)?;
    let items = page
        .iter()
        .filter_map(|tid| a.translations.iter().find(|t| t.id == *tid))
        .map(|t| (t.id, translation_json(&a, t, &m.base)))
        .collect();
    let url = format!("/api/v2/help_center/articles/{id}/translations.json");
    Ok(json_ok(
        StatusCode::OK,
        envelope("translations", items, sl, &m.base, &url, &p),
    ))
}

/// `GET articles/{id}/translations/missing`: the languages it is not written in yet.
pub async fn missing_translations(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, m.locale, "article")?;
    let a = article_in(&s, m.actor.as_ref(), id, m.locale).await?;
    let missing: Vec<&str> = [Locale::Fr, Locale::En]
        .into_iter()
        .filter(|l| a.text(*l).is_none())
        .map(wire)
        .collect();
    Ok(json_ok(StatusCode::OK, json!({"locales": missing})))
}

pub async fn show_translation(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, m.locale, "article")?;
    let raw = path.label.as_deref().unwrap_or("");
    let l = hc_locale(raw).ok_or_else(|| bad_locale(raw, m.locale))?;
    let a = article_in(&s, m.actor.as_ref(), id, m.locale).await?;
    let t = text_or_404(&a, l, m.locale)?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"translation": translation_json(&a, t, &m.base)}),
    ))
}

/// `POST articles/{id}/translations`: a new language (422 naming `locale` when it exists:
/// use `PUT`).
pub async fn create_translation(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    Body(env): Body<TranslationEnvelope>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "article")?;
    let i = env.translation;
    let raw = i.locale.clone().unwrap_or_default();
    if raw.is_empty() {
        return Err(ctx.err(AppError::invalid(
            "translation.locale",
            "required",
            "locale",
        )));
    }
    let l = hc_locale(&raw).ok_or_else(|| bad_locale(&raw, ctx.locale))?;
    ctx.actor.require_case_writer().map_err(|e| ctx.err(e))?;
    let a = article_in(&s, Some(&ctx.actor), id, ctx.locale).await?;
    if a.text(l).is_some() {
        return Err(ctx.err(AppError::Conflict(FieldError::new(
            "translation.locale",
            "taken",
            wire(l),
        ))));
    }
    write_translation(&s, &ctx, a, l, i, StatusCode::CREATED).await
}

/// `PUT articles/{id}/translations/{locale}`: title, body, and `draft` (the article's
/// state); keys left out keep their value.
pub async fn update_translation(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    Body(env): Body<TranslationEnvelope>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "article")?;
    let raw = path.label.as_deref().unwrap_or("");
    let l = hc_locale(raw).ok_or_else(|| bad_locale(raw, ctx.locale))?;
    ctx.actor.require_case_writer().map_err(|e| ctx.err(e))?;
    let a = article_in(&s, Some(&ctx.actor), id, ctx.locale).await?;
    text_or_404(&a, l, ctx.locale)?;
    write_translation(&s, &ctx, a, l, env.translation, StatusCode::OK).await
}

async fn write_translation(
    s: &AppState,
    ctx: &Ctx,
    a: KbArticle,
    l: Locale,
    i: TranslationIn,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let old = a.text(l);
    let title = i
        .title
        .clone()
        .or_else(|| old.map(|t| t.title.clone()))
        .unwrap_or_default();
    let body = i
        .body
        .clone()
        .or_else(|| old.map(|t| t.body_md.clone()))
        .unwrap_or_default();
    s.app
        .kb_save_text_and_state(
            &ctx.actor,
            a.id,
            l,
            &title,
            &body,
            i.draft.map(|d| state_of(Some(d), &a.state)),
        )
        .await
        .map_err(|e| ctx.err(rename(e, "translation")))?;
    let a = article_in(s, Some(&ctx.actor), a.id, ctx.locale).await?;
    let t = text_or_404(&a, l, ctx.locale)?;
    Ok(json_ok(
        status,
        json!({"translation": translation_json(&a, t, &ctx.base)}),
    ))
}

pub async fn delete_translation(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "translation")?;
    if id >= super::hc_group_tr::GROUP_TRANSLATION_BASE {
        return super::hc_group_tr::delete(&s, &ctx, id).await;
    }
    s.app
        .kb_delete_translation_by_id(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------- search

/// `GET articles/search?query=…&locale=…&category=1,2&section=3&label_names=a,b`: offset
/// pages (at most 100 a page); each result carries `result_type: "article"` and a
/// `snippet`. Staff find internal articles too; never a draft.
pub async fn search_articles(
    State(s): State<AppState>,
    m: MaybeCtx,
    p: Params,
) -> Result<Response, ApiError> {
    let l = locale(&HcPath::default(), &p, m.locale)?;
    let (page, per_page) = match paging(&p, m.locale)? {
        Paging::Offset { page, per_page } => (page, per_page),
        Paging::Cursor { size, .. } => (1, size),
    };
    let query = p.get("query").unwrap_or("").trim().to_string();
    let ids_param = |k: &'static str| -> Result<Vec<i64>, ApiError> {
        p.get(k)
            .unwrap_or("")
            .split(',')
            .filter(|x| !x.trim().is_empty())
            .map(|x| {
                x.trim()
                    .parse()
                    .map_err(|_| ApiError::Param(k, format!("not an id: {x:?}"), m.locale))
            })
            .collect()
    };
    let cats = ids_param("category")?;
    let secs = ids_param("section")?;
    let labels = labels_param(&p);
    if query.is_empty() && cats.is_empty() && secs.is_empty() && labels.is_empty() {
        return Err(ApiError::Param(
            "query",
            "give query, category, section or label_names".into(),
            m.locale,
        ));
    }
    let reader = Reader::of(m.actor.as_ref());
    // The sections asked for, by themselves and/or by their category.
    let section_ids: Vec<i64> = if cats.is_empty() {
        secs.clone()
    } else {
        let (_, sections) = s.app.kb_groups().await.map_err(err(m.locale))?;
        let mut v: Vec<i64> = sections
            .iter()
            .filter(|g| g.parent_id.is_some_and(|c| cats.contains(&c)))
            .filter(|g| secs.is_empty() || secs.contains(&g.id))
            .map(|g| g.id)
            .collect();
        if v.is_empty() {
            // No section there: nothing can match.
            v.push(0);
        }
        v
    };
    // Every article the caller may find with these filters (never a draft).
    let f = KbFilter {
        labels: labels.clone(),
        section_ids,
        published_only: true,
        ..Default::default()
    };
    let allowed = s
        .app
        .kb_list(m.actor.as_ref(), l, &f)
        .await
        .map_err(err(m.locale))?;
    // The words' matches, best first, kept when the filters allow them.
    let mut snippets = std::collections::HashMap::new();
    let ids: Vec<i64> = if query.is_empty() {
        allowed
    } else {
        let keep: std::collections::HashSet<i64> = allowed.into_iter().collect();
        s.app
            .kb_search_many(reader, &query, l, 1000)
            .await
            .map_err(err(m.locale))?
            .into_iter()
            .filter(|h| keep.contains(&h.article_id))
            .map(|h| {
                snippets.insert(h.article_id, h.snippet);
                h.article_id
            })
            .collect()
    };
    let count = ids.len() as i64;
    let mut items = Vec::new();
    for id in ids
        .iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
    {
        let a = article_in(&s, m.actor.as_ref(), *id, m.locale).await?;
        if let Some(t) = a.text(l) {
            let mut v = article_json(&a, t, &m.base);
            v["result_type"] = json!("article");
            v["snippet"] = json!(snippets.get(id).cloned().unwrap_or_default());
            items.push((*id, v));
        }
    }
    let url = "/api/v2/help_center/articles/search.json";
    Ok(json_ok(
        StatusCode::OK,
        envelope(
            "results",
            items,
            Slice::Offset {
                page,
                per_page,
                count,
            },
            &m.base,
            url,
            &p,
        ),
    ))
}

// ---------------------------------------------------------------- votes

async fn vote(s: &AppState, ctx: &Ctx, path: &HcPath, helpful: bool) -> Result<Response, ApiError> {
    let id = id_of(path, ctx.locale, "article")?;
    let a = article_in(s, Some(&ctx.actor), id, ctx.locale).await?;
    let l = a
        .translations
        .iter()
        .map(|t| t.locale)
        .find(|l| *l == ctx.locale)
        .or_else(|| a.translations.first().map(|t| t.locale))
        .ok_or(ctx.err(AppError::NotFound("article")))?;
    let v = s
        .app
        .kb_vote(Some(&ctx.actor), None, id, helpful, l)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"vote": vote_json(&v, &ctx.base)}),
    ))
}

/// `POST articles/{id}/up`: "helpful", one vote per signed-in user, changeable.
pub async fn vote_up(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    vote(&s, &ctx, &path, true).await
}

pub async fn vote_down(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    vote(&s, &ctx, &path, false).await
}

/// `GET articles/{id}/votes`: staff see every signed-in vote, a customer their own.
pub async fn list_votes(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    p: Params,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "article")?;
    let votes = s
        .app
        .kb_votes(&ctx.actor, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let ids: Vec<i64> = votes.iter().map(|v| v.id).collect();
    let (page, sl) = slice(&ids, &p, ctx.locale)?;
    let items = page
        .iter()
        .filter_map(|vid| votes.iter().find(|v| v.id == *vid))
        .map(|v| (v.id, vote_json(v, &ctx.base)))
        .collect();
    let url = format!("/api/v2/help_center/articles/{id}/votes.json");
    Ok(json_ok(
        StatusCode::OK,
        envelope("votes", items, sl, &ctx.base, &url, &p),
    ))
}

// ---------------------------------------------------------------- labels

pub async fn list_labels(
    State(s): State<AppState>,
    m: MaybeCtx,
    p: Params,
) -> Result<Response, ApiError> {
    let labels = s
        .app
        .kb_labels(m.actor.as_ref())
        .await
        .map_err(err(m.locale))?;
    let ids: Vec<i64> = labels.iter().map(|(n, _)| label_id(n)).collect();
    let (page, sl) = slice(&ids, &p, m.locale)?;
    let items = page
        .iter()
        .filter_map(|id| labels.iter().find(|(n, _)| label_id(n) == *id))
        .map(|(n, c)| (label_id(n), label_json(n, *c, &m.base)))
        .collect();
    Ok(json_ok(
        StatusCode::OK,
        envelope(
            "labels",
            items,
            sl,
            &m.base,
            "/api/v2/help_center/articles/labels.json",
            &p,
        ),
    ))
}

pub async fn article_labels(
    State(s): State<AppState>,
    m: MaybeCtx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, m.locale, "article")?;
    let a = article_in(&s, m.actor.as_ref(), id, m.locale).await?;
    let items: Vec<Value> = a
        .labels
        .iter()
        .map(|n| label_json(n, a.created_at, &m.base))
        .collect();
    Ok(json_ok(StatusCode::OK, json!({"labels": items})))
}

#[derive(Deserialize, Default)]
pub struct LabelIn {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct LabelEnvelope {
    label: LabelIn,
}

async fn set_labels(
    s: &AppState,
    ctx: &Ctx,
    a: &KbArticle,
    labels: Vec<String>,
) -> Result<(), ApiError> {
    s.app
        .kb_save_article(
            &ctx.actor,
            Some(a.id),
            ArticleInput {
                labels,
                ..a.input()
            },
        )
        .await
        .map_err(|e| {
            ctx.err(e.rename_fields(|f| (f == "labels").then(|| "label.name".to_string())))
        })?;
    Ok(())
}

/// `POST articles/{id}/labels`: adds one (201; 200 when it was already there).
pub async fn add_label(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
    Body(env): Body<LabelEnvelope>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "article")?;
    let name = env.label.name.trim().to_string();
    if name.is_empty() {
        return Err(ctx.err(AppError::invalid("label.name", "required", "name")));
    }
    ctx.actor.require_case_writer().map_err(|e| ctx.err(e))?;
    let a = article_in(&s, Some(&ctx.actor), id, ctx.locale).await?;
    let had = a.labels.iter().any(|x| x.eq_ignore_ascii_case(&name));
    if !had {
        let mut labels = a.labels.clone();
        labels.push(name.clone());
        set_labels(&s, &ctx, &a, labels).await?;
    }
    let a = article_in(&s, Some(&ctx.actor), id, ctx.locale).await?;
    let stored = a
        .labels
        .iter()
        .find(|x| x.eq_ignore_ascii_case(&name))
        .cloned()
        .unwrap_or(name);
    Ok(json_ok(
        if had {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        json!({"label": label_json(&stored, a.created_at, &ctx.base)}),
    ))
}

pub async fn remove_label(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, "article")?;
    let label: i64 = path
        .label
        .as_deref()
        .and_then(|x| x.parse().ok())
        .ok_or(ctx.err(AppError::NotFound("label")))?;
    ctx.actor.require_case_writer().map_err(|e| ctx.err(e))?;
    let a = article_in(&s, Some(&ctx.actor), id, ctx.locale).await?;
    let kept: Vec<String> = a
        .labels
        .iter()
        .filter(|n| label_id(n) != label)
        .cloned()
        .collect();
    if kept.len() == a.labels.len() {
        return Err(ctx.err(AppError::NotFound("label")));
    }
    set_labels(&s, &ctx, &a, kept).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------- fixed lists

fn permission_group(base: &str) -> Value {
    json!({
        "id": PERMISSION_GROUP,
        "url": format!("{base}/api/v2/guide/permission_groups/{PERMISSION_GROUP}.json"),
        "name": "Agents",
        "built_in": true,
        "publish": [],
        "edit": [],
        "created_at": ts(0),
        "updated_at": ts(0),
    })
}

fn staff_segment(base: &str) -> Value {
    json!({
        "id": STAFF_SEGMENT,
        "url": format!("{base}/api/v2/help_center/user_segments/{STAFF_SEGMENT}.json"),
        "name": "Agents and admins",
        "user_type": "staff",
        "built_in": true,
        "group_ids": [],
        "organization_ids": [],
        "tags": [],
        "or_tags": [],
        "added_user_ids": [],
        "created_at": ts(0),
        "updated_at": ts(0),
    })
}

/// `GET guide/permission_groups`: the one group (every agent edits and publishes).
pub async fn list_permission_groups(ctx: Ctx) -> Result<Response, ApiError> {
    ctx.actor.require_staff().map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"permission_groups": [permission_group(&ctx.base)], "next_page": null, "previous_page": null, "count": 1}),
    ))
}

pub async fn show_permission_group(
    ctx: Ctx,
    Path(path): Path<HcPath>,
) -> Result<Response, ApiError> {
    ctx.actor.require_staff().map_err(|e| ctx.err(e))?;
    match id_of(&path, ctx.locale, "permission_group")? {
        PERMISSION_GROUP => Ok(json_ok(
            StatusCode::OK,
            json!({"permission_group": permission_group(&ctx.base)}),
        )),
        _ => Err(ctx.err(AppError::NotFound("permission_group"))),
    }
}

/// `GET help_center/user_segments`: the staff segment (internal articles); everyone
/// else is `user_segment_id: null`.
pub async fn list_user_segments(ctx: Ctx) -> Result<Response, ApiError> {
    ctx.actor.require_staff().map_err(|e| ctx.err(e))?;
    Ok(json_ok(
        StatusCode::OK,
        json!({"user_segments": [staff_segment(&ctx.base)], "next_page": null, "previous_page": null, "count": 1}),
    ))
}

pub async fn show_user_segment(ctx: Ctx, Path(path): Path<HcPath>) -> Result<Response, ApiError> {
    ctx.actor.require_staff().map_err(|e| ctx.err(e))?;
    match id_of(&path, ctx.locale, "user_segment")? {
        STAFF_SEGMENT => Ok(json_ok(
            StatusCode::OK,
            json!({"user_segment": staff_segment(&ctx.base)}),
        )),
        _ => Err(ctx.err(AppError::NotFound("user_segment"))),
    }
}

// ---------------------------------------------------------------- deflection

fn counts_json(c: &app::kb::DeflectionCounts) -> Value {
    json!({"shown": c.shown, "opened": c.opened, "abandoned": c.abandoned, "cases": c.cases})
}

fn day_param(p: &Params, k: &'static str, l: Locale) -> Result<Option<i64>, ApiError> {
    match p.get(k).filter(|x| !x.is_empty()) {
        None => Ok(None),
        Some(raw) => {
            if let Ok(t) = raw.parse::<jiff::Timestamp>() {
                return Ok(Some(t.as_millisecond()));
            }
            raw.parse::<jiff::civil::Date>()
                .ok()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| Some(z.timestamp().as_millisecond()))
                .ok_or_else(|| ApiError::Param(k, format!("not a date: {raw:?}"), l))
        }
    }
}

/// `GET help_center/deflection?since=2026-11-01&until=2026-12-01` (Guichet's own; staff):
/// per article and per source (`portal`, `form:{key}`), how many visitors were shown it as
/// a suggestion, opened it, left the form after opening it, and filed a case anyway within
/// 7 days. Default: the last 30 days.
pub async fn deflection(
    State(s): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> Result<Response, ApiError> {
    let now = s.app.clock.now().as_millisecond();
    let until = day_param(&p, "until", ctx.locale)?.unwrap_or(now + 1);
    let since = day_param(&p, "since", ctx.locale)?.unwrap_or(until - 30 * 24 * 3600 * 1000);
    let l = locale(&HcPath::default(), &p, ctx.locale)?;
    let d = s
        .app
        .kb_deflection(&ctx.actor, since, until, l)
        .await
        .map_err(|e| ctx.err(e))?;
    let articles: Vec<Value> = d
        .articles
        .iter()
        .map(|(id, title, c)| {
            let mut v = counts_json(c);
            v["article_id"] = json!(id);
            v["title"] = json!(title);
            v
        })
        .collect();
    let sources: Vec<Value> = d
        .sources
        .iter()
        .map(|(src, c)| {
            let mut v = counts_json(c);
            v["source"] = json!(src);
            v
        })
        .collect();
    Ok(json_ok(
        StatusCode::OK,
        json!({"deflection": {"since": ts(d.since), "until": ts(d.until), "case_window_days": 7,
            "articles": articles, "sources": sources}}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_center_locales_read_as_languages_and_echo_zenpys_default() {
        assert_eq!(hc_locale("en-us"), Some(Locale::En));
        assert_eq!(hc_locale("EN-GB"), Some(Locale::En));
        assert_eq!(hc_locale("fr-ca"), Some(Locale::Fr));
        assert_eq!(hc_locale("fr"), Some(Locale::Fr));
        assert_eq!(hc_locale("de"), None);
        assert_eq!(hc_locale(""), None);
        assert_eq!(wire(Locale::En), "en-us");
        assert_eq!(wire(Locale::Fr), "fr");
    }

    #[test]
    fn label_ids_are_stable_positive_and_safe_in_javascript() {
        let a = label_id("livraison");
        assert_eq!(a, label_id("Livraison"));
        assert_ne!(a, label_id("facture"));
        assert!(a > 0 && a < (1 << 53));
    }
}
