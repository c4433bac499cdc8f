//! What every page for a browser shares, whoever it is for (the agent screens in `ui`, the
//! customer portal in `portal`): reading a session cookie by name, the cookie a new session
//! is carried in, the cross-site check that guards state changes, a constant-time token
//! comparison, the browser's language, and the security headers of a page. Each audience
//! keeps its own cookie name and its own session lookup.

use axum::http::{HeaderMap, HeaderValue, header};
use domain::Locale;

/// The agent screens' session cookie (a customer's is the portal's own).
pub const STAFF_COOKIE: &str = "guichet_session";

/// The value of cookie `name` in the request (at most 128 characters, else ignored).
pub fn cookie_value(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The cookie that carries a new session: not readable by scripts, not sent by other
/// sites' forms, HTTPS-only when we are reached over TLS. No Max-Age: the browser forgets
/// it when it closes, the server's sliding expiry and hard cap decide the rest.
pub fn session_cookie(name: &str, token: &str, secure: bool) -> String {
    format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The cookie that ends a session in the browser.
pub fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Behind a TLS-terminating proxy the request says so.
pub fn is_tls(h: &HeaderMap) -> bool {
    h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
}

/// The language the browser prefers (English when it names neither of ours).
pub fn browser_locale(h: &HeaderMap) -> Locale {
    h.get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or(Locale::En)
}

/// A cross-site request, as the browser tells it (`Sec-Fetch-Site`) or as its `Origin`
/// shows. Requests without either (non-browser clients) still need the CSRF token.
pub fn cross_site(h: &HeaderMap) -> bool {
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = h
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let o = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .unwrap_or("");
        return o != host;
    }
    false
}

/// Compare two secrets in constant time (for equal lengths).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The CSRF token a state-changing request carries: the `X-CSRF-Token` header, else the
/// form's `csrf` field, or the `csrf` part of a multipart form (the body is read, up to
/// `form_limit` or `multipart_limit` bytes, and handed back).
pub async fn csrf_token_of(
    req: axum::extract::Request,
    form_limit: usize,
    multipart_limit: usize,
) -> Result<(axum::extract::Request, String), axum::extract::Request> {
    use axum::body::Body;
    use axum::extract::{FromRequest, Request};
    if let Some(t) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    {
        return Ok((req, t));
    }
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let limit = if multipart {
        multipart_limit
    } else {
        form_limit
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return Err(Request::from_parts(parts, Body::empty()));
    };
    let mut found = String::new();
    if multipart {
        let probe = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
        if let Ok(mut mp) = axum::extract::Multipart::from_request(probe, &()).await {
            while let Ok(Some(field)) = mp.next_field().await {
                if field.name() == Some("csrf") {
                    found = field.text().await.unwrap_or_default();
                    break;
                }
            }
        }
    } else {
        found = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|kv| kv.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v))
            .unwrap_or_default();
    }
    Ok((Request::from_parts(parts, Body::from(bytes)), found))
}

/// One part of a multipart form: a file when it has a file name (a file input left empty
/// still sends one nameless, empty part: it is left out).
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

impl Part {
    /// A text part's value; None when it is not UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.data).ok()
    }
}

/// Every part of a multipart form (the body limit is the router's), in order. `Err` says
/// what was wrong in axum's words (not multipart, a broken part, too large).
pub async fn multipart_parts(req: axum::extract::Request) -> Result<Vec<Part>, String> {
    use axum::extract::FromRequest;
    let mut mp = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|e| e.body_text())?;
    let mut out = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let data = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
        if file_name.as_deref() == Some("") && data.is_empty() {
            continue;
        }
        out.push(Part {
            name,
            file_name,
            content_type,
            data,
        });
    }
    Ok(out)
}

/// Where a knowledge-base file is read (the help centre's path, with the file's name).
pub fn kb_file_path(id: i64, file_name: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    /// Everything but letters, digits and `-._~` (a path segment readable in Markdown).
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    format!(
        "/help/files/{id}/{}",
        utf8_percent_encode(file_name, SEGMENT)
    )
}

/// The headers every page gets: not cached, not framed, no sniffing, a strict content
/// policy (unless the handler set its own), and a Referer that never leaves our origin
/// (links carry tokens in their path; `no-referrer` would make Chromium send
/// `Origin: null` on our own forms, which the cross-site check refuses).
pub fn page_headers(h: &mut HeaderMap) {
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // A handler that sets its own policy decides who may frame it (`frame-ancestors`):
    // the contact form is framed by the sites its administrator allowed.
    if !h.contains_key("x-frame-options") && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        );
    }
}

/// Stylesheets and scripts compiled into the binary, served with an ETag (browsers
/// revalidate cheaply) and linked by a content hash (`?v=`), so a new release is fetched at
/// once: (name, content type, body).
pub struct StaticFiles {
    files: &'static [(&'static str, &'static str, &'static str)],
    etags: Vec<String>,
    version: String,
}

impl StaticFiles {
    pub fn new(files: &'static [(&'static str, &'static str, &'static str)]) -> Self {
        use sha2::{Digest, Sha256};
        let etags: Vec<String> = files
            .iter()
            .map(|(_, _, body)| {
                format!(
                    "\"{}\"",
                    &hex::encode(Sha256::digest(body.as_bytes()))[..16]
                )
            })
            .collect();
        let version = etags.join("").replace('"', "").chars().take(12).collect();
        StaticFiles {
            files,
            etags,
            version,
        }
    }

    /// The version part of the links (`/static/app.js?v=…`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Bytes of all the files (the page-weight budgets).
    pub fn weight(&self) -> usize {
        self.files.iter().map(|(_, _, b)| b.len()).sum()
    }

    /// One file by name: 304 when the browser has it, 404 when there is none.
    pub fn serve(&self, name: &str, headers: &HeaderMap) -> axum::response::Response {
        use axum::http::StatusCode;
        use axum::response::IntoResponse;
        let Some(i) = self.files.iter().position(|(n, _, _)| *n == name) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let (_, ctype, body) = self.files[i];
        let etag = &self.etags[i];
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
}

/// A stored file as a browser gets it from us: a picture shown as itself, anything else
/// downloaded as bytes (never rendered on our origin), sandboxed, not cached by proxies.
pub fn file_response(
    file_name: &str,
    content_type: &str,
    data: Vec<u8>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let picture = app::kb::IMAGE_TYPES.contains(&content_type);
    let mut r = data.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(if picture {
            content_type
        } else {
            "application/octet-stream"
        })
        .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if !picture {
        let ascii: String = file_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_site_requests_are_recognised() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(!cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(cross_site(&h));
        let mut h2 = HeaderMap::new();
        h2.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(cross_site(&h2));
        h2.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(!cross_site(&h2));
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_over_tls() {
        let c = session_cookie("s", "abc", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!session_cookie("s", "abc", false).contains("Secure"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; guichet_session=tok; guichet_customer_session=c"),
        );
        assert_eq!(cookie_value(&h, "guichet_session").as_deref(), Some("tok"));
        assert_eq!(
            cookie_value(&h, "guichet_customer_session").as_deref(),
            Some("c")
        );
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }
}
