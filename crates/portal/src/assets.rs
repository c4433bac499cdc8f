//! The portal's stylesheet and the contact form's script, compiled into the binary and
//! served by `web::browser::StaticFiles` (the portal's pages work without JavaScript; the
//! contact form needs it for its proof of work).

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use std::sync::LazyLock;
use web::browser::StaticFiles;

/// (name, content type, body)
pub const FILES: &[(&str, &str, &str)] = &[
    (
        "portal.css",
        "text/css; charset=utf-8",
        include_str!("../static/portal.css"),
    ),
    (
        "form.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/form.js"),
    ),
    (
        "chat.css",
        "text/css; charset=utf-8",
        include_str!("../static/chat.css"),
    ),
    (
        "chat.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/chat.js"),
    ),
];

static SERVED: LazyLock<StaticFiles> = LazyLock::new(|| StaticFiles::new(FILES));

/// The version part of asset links (`/portal/static/portal.css?v=…`).
pub fn version() -> &'static str {
    SERVED.version()
}

/// Bytes of CSS a portal page loads.
pub fn page_weight() -> usize {
    SERVED.weight()
}

pub async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Response {
    SERVED.serve(&name, &headers)
}
