//! The stylesheet and scripts of the agent screens, compiled into the binary (no front-end
//! build step), served by `web::browser::StaticFiles`.

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use std::sync::LazyLock;
use web::browser::StaticFiles;

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

static SERVED: LazyLock<StaticFiles> = LazyLock::new(|| StaticFiles::new(FILES));

/// The version part of asset links (`/static/app.js?v=…`).
pub fn version() -> &'static str {
    SERVED.version()
}

/// Bytes of CSS and JavaScript a page loads (the budget is 100 KB).
pub fn page_weight() -> usize {
    SERVED.weight()
}

pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    SERVED.serve(&file, &headers)
}
