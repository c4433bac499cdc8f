//! The stylesheet and scripts, compiled into the binary (no front-end build step). Served
//! with an ETag so browsers revalidate cheaply; pages link them by a content hash so a new
//! release is fetched at once.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// (name, content type, body)
pub const FILES: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/app.js"),
    ),
];

static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(_, _, body)| {
            format!(
                "\"{}\"",
                &hex::encode(Sha256::digest(body.as_bytes()))[..16]
            )
        })
        .collect()
});

/// The version part of asset links (`/static/app.js?v=…`).
pub fn version() -> &'static str {
    static V: LazyLock<String> =
        LazyLock::new(|| ETAGS.join("").replace('"', "")[..12].to_string());
    &V
}

/// Bytes of CSS and JavaScript a page loads (the budget is 100 KB).
pub fn page_weight() -> usize {
    FILES.iter().map(|(_, _, b)| b.len()).sum()
}

pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(i) = FILES.iter().position(|(n, _, _)| *n == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (_, ctype, body) = FILES[i];
    let etag = &ETAGS[i];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}
