//! Translations of categories and sections (Zendesk's `categories/{id}/translations`,
//! `sections/{id}/translations`): a category or a section is named in French and/or in
//! English; each named language is one translation (`title` the name, `body` the
//! description). Their ids are derived, not rows: `GROUP_TRANSLATION_BASE` + 4 × the
//! group's id + 2 for a section + 1 for English, so `DELETE translations/{id}` tells them
//! from an article's. The last language of a group cannot be removed (rename it instead).

use super::help_center::{
    HcPath, bad_locale, envelope, err, hc_locale, id_of, one_group, slice, wire,
};
use crate::AppState;
use crate::error::{ApiError, json_ok};
use crate::extract::{Body, Ctx, MaybeCtx, Params};
use crate::render::ts;
use app::kb::KbGroup;
use app::{AppError, FieldError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Locale;
use serde::Deserialize;
use serde_json::{Value, json};

/// Where the derived ids of group translations start (above any row id, below 2^53).
pub const GROUP_TRANSLATION_BASE: i64 = 1 << 50;

fn translation_id(g: &KbGroup, l: Locale) -> i64 {
    GROUP_TRANSLATION_BASE
        + g.id * 4
        + if g.parent_id.is_some() { 2 } else { 0 }
        + if l == Locale::En { 1 } else { 0 }
}

/// A derived id read back: (group id, is a section, language).
pub fn decode(id: i64) -> Option<(i64, bool, Locale)> {
    let n = id.checked_sub(GROUP_TRANSLATION_BASE).filter(|n| *n >= 4)?;
    let l = if n & 1 == 1 { Locale::En } else { Locale::Fr };
    Some((n / 4, n & 2 == 2, l))
}

fn named(g: &KbGroup, l: Locale) -> Option<(&str, &str)> {
    let (n, d) = match l {
        Locale::Fr => (&g.name_fr, &g.description_fr),
        Locale::En => (&g.name_en, &g.description_en),
    };
    (!n.is_empty()).then_some((n.as_str(), d.as_str()))
}

fn kind(sections: bool) -> (&'static str, &'static str, &'static str) {
    if sections {
        ("section", "sections", "Section")
    } else {
        ("category", "categories", "Category")
    }
}

fn tr_json(g: &KbGroup, l: Locale, base: &str) -> Value {
    let sections = g.parent_id.is_some();
    let (_, plural, source_type) = kind(sections);
    let (name, desc) = named(g, l).unwrap_or(("", ""));
    json!({
        "id": translation_id(g, l),
        "url": format!("{base}/api/v2/help_center/{plural}/{}/translations/{}.json", g.id, wire(l)),
        "html_url": format!("{base}/help?lang={}", l.as_str()),
        "source_id": g.id,
        "source_type": source_type,
        "locale": wire(l),
        "title": name,
        "body": desc,
        "outdated": false,
        "draft": false,
        "hidden": false,
        "created_at": ts(g.created_at),
        "updated_at": ts(g.updated_at),
    })
}

fn path_locale(path: &HcPath, l: Locale) -> Result<Locale, ApiError> {
    let raw = path.label.as_deref().unwrap_or("");
    hc_locale(raw).ok_or_else(|| bad_locale(raw, l))
}

async fn list(
    s: AppState,
    m: MaybeCtx,
    path: HcPath,
    p: Params,
    sections: bool,
) -> Result<Response, ApiError> {
    let (what, plural, _) = kind(sections);
    let id = id_of(&path, m.locale, what)?;
    let g = one_group(&s, &m, id, m.locale, sections).await?;
    let langs: Vec<Locale> = [Locale::Fr, Locale::En]
        .into_iter()
        .filter(|l| named(&g, *l).is_some())
        .collect();
    let ids: Vec<i64> = langs.iter().map(|l| translation_id(&g, *l)).collect();
    let (page, sl) = slice(&ids, &p, m.locale)?;
    let items = page
        .iter()
        .filter_map(|tid| langs.iter().find(|l| translation_id(&g, **l) == *tid))
        .map(|l| (translation_id(&g, *l), tr_json(&g, *l, &m.base)))
        .collect();
    let url = format!("/api/v2/help_center/{plural}/{id}/translations.json");
    Ok(json_ok(
        StatusCode::OK,
        envelope("translations", items, sl, &m.base, &url, &p),
    ))
}

async fn missing(
    s: AppState,
    m: MaybeCtx,
    path: HcPath,
    sections: bool,
) -> Result<Response, ApiError> {
    let id = id_of(&path, m.locale, kind(sections).0)?;
    let g = one_group(&s, &m, id, m.locale, sections).await?;
    let missing: Vec<&str> = [Locale::Fr, Locale::En]
        .into_iter()
        .filter(|l| named(&g, *l).is_none())
        .map(wire)
        .collect();
    Ok(json_ok(StatusCode::OK, json!({"locales": missing})))
}

async fn show(
    s: AppState,
    m: MaybeCtx,
    path: HcPath,
    sections: bool,
) -> Result<Response, ApiError> {
    let id = id_of(&path, m.locale, kind(sections).0)?;
    let l = path_locale(&path, m.locale)?;
    let g = one_group(&s, &m, id, m.locale, sections).await?;
    if named(&g, l).is_none() {
        return Err(ApiError::App(AppError::NotFound("translation"), m.locale));
    }
    Ok(json_ok(
        StatusCode::OK,
        json!({"translation": tr_json(&g, l, &m.base)}),
    ))
}

/// What a translation of a group carries; other keys of Zendesk's object (a client sends
/// the whole object back: `id`, `url`, `draft`…) are ignored, as for articles.
#[derive(Deserialize)]
pub struct GroupTranslationIn {
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Deserialize)]
pub struct GroupTranslationEnvelope {
    translation: GroupTranslationIn,
}

/// Write a language's name and description onto a group (supervisors), then answer it.
async fn write(
    s: &AppState,
    ctx: &Ctx,
    mut g: KbGroup,
    l: Locale,
    i: GroupTranslationIn,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let sections = g.parent_id.is_some();
    let (name, desc) = g.text_mut(l);
    if let Some(t) = i.title {
        if t.trim().is_empty() {
            return Err(ctx.err(AppError::invalid("translation.title", "required", "title")));
        }
        *name = t;
    }
    if let Some(b) = i.body {
        *desc = b;
    }
    if name.is_empty() {
        return Err(ctx.err(AppError::invalid("translation.title", "required", "title")));
    }
    let id = g.id;
    s.app
        .kb_save_group(&ctx.actor, id, g)
        .await
        .map_err(|e| ctx.err(e.rename_fields(|f| Some(format!("translation.{f}")))))?;
    let m = MaybeCtx {
        actor: Some(ctx.actor.clone()),
        locale: ctx.locale,
        base: ctx.base.clone(),
    };
    let g = one_group(s, &m, id, ctx.locale, sections).await?;
    Ok(json_ok(
        status,
        json!({"translation": tr_json(&g, l, &ctx.base)}),
    ))
}

async fn staff_group(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    sections: bool,
) -> Result<KbGroup, ApiError> {
    ctx.actor.require_supervisor().map_err(|e| ctx.err(e))?;
    let (cats, secs) = s.app.kb_groups().await.map_err(err(ctx.locale))?;
    if sections { secs } else { cats }
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(ctx.err(AppError::NotFound(kind(sections).0)))
}

async fn create(
    s: AppState,
    ctx: Ctx,
    path: HcPath,
    i: GroupTranslationIn,
    sections: bool,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, kind(sections).0)?;
    let raw = i.locale.clone().unwrap_or_default();
    if raw.is_empty() {
        return Err(ctx.err(AppError::invalid(
            "translation.locale",
            "required",
            "locale",
        )));
    }
    let l = hc_locale(&raw).ok_or_else(|| bad_locale(&raw, ctx.locale))?;
    let g = staff_group(&s, &ctx, id, sections).await?;
    if named(&g, l).is_some() {
        return Err(ctx.err(AppError::Conflict(FieldError::new(
            "translation.locale",
            "taken",
            wire(l),
        ))));
    }
    if i.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(ctx.err(AppError::invalid("translation.title", "required", "title")));
    }
    write(&s, &ctx, g, l, i, StatusCode::CREATED).await
}

async fn update(
    s: AppState,
    ctx: Ctx,
    path: HcPath,
    i: GroupTranslationIn,
    sections: bool,
) -> Result<Response, ApiError> {
    let id = id_of(&path, ctx.locale, kind(sections).0)?;
    let l = path_locale(&path, ctx.locale)?;
    let g = staff_group(&s, &ctx, id, sections).await?;
    if named(&g, l).is_none() {
        return Err(ctx.err(AppError::NotFound("translation")));
    }
    write(&s, &ctx, g, l, i, StatusCode::OK).await
}

/// `DELETE translations/{id}` of a category or a section: that language's name and
/// description go; the last language stays (422).
pub async fn delete(s: &AppState, ctx: &Ctx, tid: i64) -> Result<Response, ApiError> {
    let Some((id, sections, l)) = decode(tid) else {
        return Err(ctx.err(AppError::NotFound("translation")));
    };
    let mut g = staff_group(s, ctx, id, sections)
        .await
        .map_err(|e| match e {
            ApiError::App(AppError::NotFound(_), l) => {
                ApiError::App(AppError::NotFound("translation"), l)
            }
            e => e,
        })?;
    if named(&g, l).is_none() {
        return Err(ctx.err(AppError::NotFound("translation")));
    }
    let other = if l == Locale::Fr {
        Locale::En
    } else {
        Locale::Fr
    };
    if named(&g, other).is_none() {
        return Err(ctx.err(AppError::invalid(
            "translation",
            "invalid-value",
            "the last language of a category or section stays: rename it instead",
        )));
    }
    let (name, desc) = g.text_mut(l);
    name.clear();
    desc.clear();
    s.app
        .kb_save_group(&ctx.actor, id, g)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

macro_rules! handlers {
    ($sections:expr, $list:ident, $missing:ident, $show:ident, $create:ident, $update:ident) => {
        pub async fn $list(
            State(s): State<AppState>,
            m: MaybeCtx,
            Path(path): Path<HcPath>,
            p: Params,
        ) -> Result<Response, ApiError> {
            list(s, m, path, p, $sections).await
        }
        pub async fn $missing(
            State(s): State<AppState>,
            m: MaybeCtx,
            Path(path): Path<HcPath>,
        ) -> Result<Response, ApiError> {
            missing(s, m, path, $sections).await
        }
        pub async fn $show(
            State(s): State<AppState>,
            m: MaybeCtx,
            Path(path): Path<HcPath>,
        ) -> Result<Response, ApiError> {
            show(s, m, path, $sections).await
        }
        pub async fn $create(
            State(s): State<AppState>,
            ctx: Ctx,
            Path(path): Path<HcPath>,
            Body(env): Body<GroupTranslationEnvelope>,
        ) -> Result<Response, ApiError> {
            create(s, ctx, path, env.translation, $sections).await
        }
        pub async fn $update(
            State(s): State<AppState>,
            ctx: Ctx,
            Path(path): Path<HcPath>,
            Body(env): Body<GroupTranslationEnvelope>,
        ) -> Result<Response, ApiError> {
            update(s, ctx, path, env.translation, $sections).await
        }
    };
}

handlers!(
    false,
    list_category_translations,
    missing_category_translations,
    show_category_translation,
    create_category_translation,
    update_category_translation
);
handlers!(
    true,
    list_section_translations,
    missing_section_translations,
    show_section_translation,
    create_section_translation,
    update_section_translation
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_read_back_and_never_meet_row_ids() {
        let g = KbGroup {
            id: 77,
            parent_id: Some(3),
            ..Default::default()
        };
        let id = translation_id(&g, Locale::En);
        assert_eq!(decode(id), Some((77, true, Locale::En)));
        let c = KbGroup {
            id: 5,
            ..Default::default()
        };
        assert_eq!(
            decode(translation_id(&c, Locale::Fr)),
            Some((5, false, Locale::Fr))
        );
        assert_eq!(decode(12), None);
        assert_eq!(decode(GROUP_TRANSLATION_BASE + 1), None);
        assert!(translation_id(&g, Locale::En) < (1 << 53));
    }
}
