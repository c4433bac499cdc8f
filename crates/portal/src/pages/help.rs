//! The knowledge base's public pages (F1): `/help` (search and the tree of categories,
//! sections and articles), an article (breadcrumbs, related articles, the other language,
//! "was this helpful?"), search, and the suggestions the contact form and the new-case page
//! show while the customer writes (`/help/suggest`, JSON). In the reader's language: `?lang=`,
//! else a signed-in customer's, else the browser's; an article not translated into it does
//! not show.

use crate::error::{PortalError, render};
use crate::pages::{Path, Query};
use crate::session::MaybeCustomer;
use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::Locale;
use serde::Deserialize;
use std::net::SocketAddr;
use web::AppState;
use web::browser::{browser_locale, cookie_value, is_tls};
use web::i18n::T;

/// Titles a section shows on the help centre's home (its own page lists them all).
const SECTION_PREVIEW: usize = 5;

/// The anonymous voter's cookie (one vote per visitor and article, changeable).
const VOTER_COOKIE: &str = "guichet_kb_voter";

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
    q: Option<String>,
    voted: Option<String>,
    /// Deflection: the visitor's token and where the suggestion was shown.
    v: Option<String>,
    src: Option<String>,
}

fn locale(m: &MaybeCustomer, h: &HeaderMap, lang: &Option<String>) -> Locale {
    lang.as_deref()
        .and_then(|l| Locale::parse(l).ok())
        .or_else(|| m.0.as_ref().map(|s| s.locale))
        .unwrap_or_else(|| browser_locale(h))
}

fn t_of(s: &AppState, m: &MaybeCustomer, l: Locale) -> T {
    let tz =
        m.0.as_ref()
            .map(|s| s.time_zone.clone())
            .unwrap_or_else(|| "Europe/Paris".into());
    T::new(l, &tz, s.app.clock.now().as_millisecond())
}

#[derive(Template)]
#[template(path = "help.html")]
struct HomePage {
    t: T,
    brand: crate::Brand,
    tree: app::kb::KbTree,
    q: String,
    hits: Option<Vec<app::kb::KbHit>>,
    signed_in: bool,
}

pub async fn home(
    State(s): State<AppState>,
    Extension(m): Extension<MaybeCustomer>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Result<Response, PortalError> {
    let l = locale(&m, &headers, &q.lang);
    let query = q.q.clone().unwrap_or_default();
    // A search shows its results, not the whole tree (which lists every article).
    let tree = if query.trim().is_empty() {
        s.app
            .kb_tree(app::kb::Reader::Public, l, SECTION_PREVIEW)
            .await
            .map_err(|e| PortalError::App(e, l))?
    } else {
        app::kb::KbTree { categories: vec![] }
    };
    let hits = if query.trim().is_empty() {
        None
    } else {
        Some(
            s.app
                .kb_search(app::kb::Reader::Public, &query, l, 20)
                .await
                .map_err(|e| PortalError::App(e, l))?,
        )
    };
    Ok(render(&HomePage {
        t: t_of(&s, &m, l),
        brand: crate::brand(&s).await,
        tree,
        q: query,
        hits,
        signed_in: m.0.is_some(),
    }))
}

#[derive(Template)]
#[template(path = "help_section.html")]
struct SectionPage {
    t: T,
    brand: crate::Brand,
    p: app::kb::KbSectionPage,
    signed_in: bool,
}

/// A section's page: every article of the section in the reader's language.
pub async fn section(
    State(s): State<AppState>,
    Extension(m): Extension<MaybeCustomer>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
) -> Result<Response, PortalError> {
    let l = locale(&m, &headers, &q.lang);
    let p = s
        .app
        .kb_section_page(app::kb::Reader::Public, id, l)
        .await
        .map_err(|e| PortalError::App(e, l))?;
    Ok(render(&SectionPage {
        t: t_of(&s, &m, l),
        brand: crate::brand(&s).await,
        p,
        signed_in: m.0.is_some(),
    }))
}

#[derive(Template)]
#[template(path = "help_article.html")]
struct ArticlePage {
    t: T,
    brand: crate::Brand,
    a: app::kb::KbPage,
    /// The files listed under the article (its pictures are in its text).
    files: Vec<app::kb::KbFile>,
    other: Option<Locale>,
    voted: bool,
    signed_in: bool,
}

impl ArticlePage {
    fn file_path(&self, f: &app::kb::KbFile) -> String {
        web::browser::kb_file_path(f.id, &f.file_name)
    }
}

pub async fn article(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(m): Extension<MaybeCustomer>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
) -> Result<Response, PortalError> {
    let l = locale(&m, &headers, &q.lang);
    let a = s
        .app
        .kb_page(app::kb::Reader::Public, id, l)
        .await
        .map_err(|e| PortalError::App(e, l))?;
    let other = a.locales.iter().copied().find(|x| *x != l);
    let files = s
        .app
        .kb_files(None, id, Some(false))
        .await
        .map_err(|e| PortalError::App(e, l))?;
    if let (Some(v), Some(src)) = (&q.v, &q.src)
        && let Err(e) = app::auth::CLIENT_IP
            .scope(
                peer.ip(),
                s.app.kb_track(v, src, app::kb::KbEventKind::Opened, &[id]),
            )
            .await
    {
        tracing::warn!(error = %e, "an opened suggestion could not be counted");
    }
    Ok(render(&ArticlePage {
        t: t_of(&s, &m, l),
        brand: crate::brand(&s).await,
        other,
        voted: q.voted.is_some(),
        signed_in: m.0.is_some(),
        a,
        files,
    }))
}

/// `/help/files/{id}/{name}`: a file of an article, to whoever may read the article — the
/// public for a published public article; staff (signed in to the agent screens, or
/// calling with API credentials) for any other. 404 otherwise, as for the article.
pub async fn file(
    State(s): State<AppState>,
    Extension(m): Extension<MaybeCustomer>,
    api: web::extract::MaybeCtx,
    headers: HeaderMap,
    Path((id, _name)): Path<(i64, String)>,
) -> Result<Response, PortalError> {
    let l = locale(&m, &headers, &None);
    let staff = match cookie_value(&headers, web::browser::STAFF_COOKIE) {
        Some(tok) => s.app.session(&tok).await.ok().map(|x| x.actor),
        None => None,
    };
    let actor = staff.or(api.actor);
    let (f, data) = s
        .app
        .kb_file_content(actor.as_ref(), id)
        .await
        .map_err(|e| PortalError::App(e, l))?;
    Ok(web::browser::file_response(
        &f.file_name,
        &f.content_type,
        data,
    ))
}

#[derive(Deserialize)]
pub struct VoteForm {
    #[serde(default)]
    helpful: String,
    #[serde(default)]
    lang: String,
}

/// "Was this helpful? yes / no": a signed-in customer votes as themself, a visitor by a
/// cookie of their own (set on their first vote).
pub async fn vote(
    State(s): State<AppState>,
    Extension(m): Extension<MaybeCustomer>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    crate::pages::Form(f): crate::pages::Form<VoteForm>,
) -> Result<Response, PortalError> {
    let l = Locale::parse(&f.lang).unwrap_or_else(|_| locale(&m, &headers, &None));
    let mut new_cookie = None;
    let voter = match &m.0 {
        Some(_) => None,
        None => Some(cookie_value(&headers, VOTER_COOKIE).unwrap_or_else(|| {
            let t = app::auth::new_token();
            new_cookie = Some(t.clone());
            t
        })),
    };
    s.app
        .kb_vote(
            m.0.as_ref().map(|x| &x.actor),
            voter.as_deref(),
            id,
            f.helpful == "yes",
            l,
        )
        .await
        .map_err(|e| PortalError::App(e, l))?;
    let mut r = Redirect::to(&format!(
        "/help/articles/{id}?lang={}&voted=1#vote",
        l.as_str()
    ))
    .into_response();
    if let Some(tok) = new_cookie {
        let c = format!(
            "{VOTER_COOKIE}={tok}; Path=/help; HttpOnly; SameSite=Lax; Max-Age=31536000{}",
            if is_tls(&headers) { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

/// Suggestions while a customer writes (the contact form, the new-case page): up to three
/// articles matching the text so far, as JSON `{"articles": [{id, title, snippet, url}]}`.
pub async fn suggest(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(m): Extension<MaybeCustomer>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let l = locale(&m, &headers, &q.lang);
    let text: String = q.q.unwrap_or_default().chars().take(500).collect();
    let hits = match app::auth::CLIENT_IP
        .scope(
            peer.ip(),
            s.app.kb_suggest(
                &text,
                l,
                q.v.as_deref().unwrap_or(""),
                q.src.as_deref().unwrap_or(""),
            ),
        )
        .await
    {
        Ok(h) => h,
        // Too many searches from this address: say so and when to ask again (the page
        // keeps what it shows); nothing else on the page depends on it.
        Err(app::AppError::Throttled(secs)) => {
            let mut r = (
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                axum::Json(serde_json::json!({ "articles": [], "retry_after": secs })),
            )
                .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return r;
        }
        Err(e) => {
            tracing::warn!(error = %e, "suggestions failed");
            Vec::new()
        }
    };
    let items: Vec<serde_json::Value> = hits
        .iter()
        .map(|h| {
            serde_json::json!({
                "id": h.article_id,
                "title": h.title,
                "snippet": h.snippet,
                "url": format!("/help/articles/{}?lang={}", h.article_id, l.as_str()),
            })
        })
        .collect();
    axum::Json(serde_json::json!({ "articles": items })).into_response()
}

#[derive(Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    v: String,
    #[serde(default)]
    src: String,
    /// `answered`: the articles (ids, comma-separated) the visitor said answered them.
    #[serde(default)]
    articles: String,
    #[serde(default)]
    kind: String,
}

/// `POST /help/track` (a beacon from the page): the visitor left the form after opening
/// a suggested article (`abandoned`), or said suggested articles answered them before a
/// chat (`answered`: counted as opened, then left). Always 204: counting never gets in a
/// visitor's way.
pub async fn track(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    crate::pages::Form(f): crate::pages::Form<TrackForm>,
) -> Response {
    if f.kind == "answered" {
        let ids: Vec<i64> = f
            .articles
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .take(3)
            .collect();
        if !ids.is_empty()
            && let Err(e) = app::auth::CLIENT_IP
                .scope(
                    peer.ip(),
                    s.app
                        .kb_track(&f.v, &f.src, app::kb::KbEventKind::Opened, &ids),
                )
                .await
        {
            tracing::warn!(error = %e, "an answering suggestion could not be counted");
        }
    }
    if matches!(f.kind.as_str(), "abandoned" | "answered")
        && let Err(e) = app::auth::CLIENT_IP
            .scope(
                peer.ip(),
                s.app
                    .kb_track(&f.v, &f.src, app::kb::KbEventKind::Abandoned, &[]),
            )
            .await
    {
        tracing::warn!(error = %e, "an abandoned form could not be counted");
    }
    axum::http::StatusCode::NO_CONTENT.into_response()
}

/// A case was filed from a page that showed suggestions: the articles this visitor opened
/// there in the last 7 days did not deflect it (counted after the case is safe; a failure
/// to count is logged, never shown).
pub async fn case_filed(s: &AppState, visitor: &str, source: &str, case_id: i64) {
    if visitor.is_empty() {
        return;
    }
    if let Err(e) = s.app.kb_track_case(visitor, source, case_id).await {
        tracing::warn!(error = %e, case_id, "a case after suggestions could not be counted");
    }
}
