//! The Zendesk-style JSON API under `/api/v2`, one module per resource.

pub mod categories;
pub mod groups;
pub mod hc_files;
pub mod hc_group_tr;
pub mod help_center;
pub mod mail;
pub mod orgs;
pub mod requests;
pub mod search;
pub mod standards;
pub mod tickets;
pub mod uploads;
pub mod users;

use crate::error::ApiError;
use crate::extract::Params;
use base64::Engine;
use domain::Locale;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

/// `Some(None)` for an explicit JSON null, `None` when the key is absent.
pub fn double<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// How a list was asked to be paged.
pub enum Paging {
    Offset {
        page: i64,
        per_page: i64,
    },
    Cursor {
        size: i64,
        after: Option<i64>,
        before: Option<i64>,
    },
}

fn decode_cursor(k: &'static str, v: &str, l: Locale) -> Result<i64, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(v)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("id:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::Param(k, "invalid cursor".into(), l))
}

pub fn encode_cursor(id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

pub fn paging(p: &Params, l: Locale) -> Result<Paging, ApiError> {
    let size = p.int("page[size]", l)?;
    let after = p.get("page[after]").filter(|s| !s.is_empty());
    let before = p.get("page[before]").filter(|s| !s.is_empty());
    if size.is_some() || after.is_some() || before.is_some() {
        let size = size.unwrap_or(100);
        if !(1..=100).contains(&size) {
            return Err(ApiError::Param(
                "page[size]",
                "must be between 1 and 100".into(),
                l,
            ));
        }
        return Ok(Paging::Cursor {
            size,
            after: after
                .map(|a| decode_cursor("page[after]", a, l))
                .transpose()?,
            before: before
                .map(|b| decode_cursor("page[before]", b, l))
                .transpose()?,
        });
    }
    let page = p.int("page", l)?.unwrap_or(1);
    let per_page = p.int("per_page", l)?.unwrap_or(100);
    if page < 1 {
        return Err(ApiError::Param("page", "must be 1 or more".into(), l));
    }
    if !(1..=100).contains(&per_page) {
        return Err(ApiError::Param(
            "per_page",
            "must be between 1 and 100".into(),
            l,
        ));
    }
    if page.saturating_mul(per_page) > 1_000_000 {
        return Err(ApiError::Param(
            "page",
            "too deep; use cursor pagination (page[size])".into(),
            l,
        ));
    }
    Ok(Paging::Offset { page, per_page })
}

/// Rebuild a URL with some parameters replaced (pagination links).
pub fn url_with(base: &str, path: &str, params: &Params, set: &[(&str, String)]) -> String {
    let mut pairs: Vec<(String, String)> = params
        .0
        .iter()
        .filter(|(k, _)| {
            !set.iter().any(|(s, _)| s == k) && !k.starts_with("page[")
                || k == "page[size]" && !set.iter().any(|(s, _)| *s == "page[size]")
        })
        .cloned()
        .collect();
    for (k, v) in set {
        pairs.push((k.to_string(), v.clone()));
    }
    let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{base}{path}?{q}")
}

/// Offset-paginated envelope.
pub fn offset_body(
    key: &str,
    items: Vec<Value>,
    count: i64,
    page: i64,
    per_page: i64,
    base: &str,
    path: &str,
    p: &Params,
) -> Value {
    let next = (page * per_page < count).then(|| {
        url_with(
            base,
            path,
            p,
            &[
                ("page", (page + 1).to_string()),
                ("per_page", per_page.to_string()),
            ],
        )
    });
    let prev = (page > 1).then(|| {
        url_with(
            base,
            path,
            p,
            &[
                ("page", (page - 1).to_string()),
                ("per_page", per_page.to_string()),
            ],
        )
    });
    json!({ key: items, "next_page": next, "previous_page": prev, "count": count })
}

/// Cursor-paginated envelope; `links.next` is null whenever `has_more` is false (both
/// zenpy and node-zendesk stop on that).
pub fn cursor_body(
    key: &str,
    items: Vec<Value>,
    first_id: Option<i64>,
    last_id: Option<i64>,
    has_more: bool,
    size: i64,
    base: &str,
    path: &str,
    p: &Params,
) -> Value {
    let after = last_id.map(encode_cursor);
    let before = first_id.map(encode_cursor);
    let next = if has_more {
        after.as_ref().map(|a| {
            url_with(
                base,
                path,
                p,
                &[("page[after]", a.clone()), ("page[size]", size.to_string())],
            )
        })
    } else {
        None
    };
    let prev = before.as_ref().map(|b| {
        url_with(
            base,
            path,
            p,
            &[
                ("page[before]", b.clone()),
                ("page[size]", size.to_string()),
            ],
        )
    });
    json!({
        key: items,
        "meta": {"has_more": has_more, "after_cursor": if has_more { after } else { None }, "before_cursor": before},
        "links": {"next": next, "prev": prev},
    })
}
