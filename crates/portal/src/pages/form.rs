//! The embeddable contact form (D1, C2): `/form/{key}` (a page any allowed site frames),
//! `/form/{key}/embed.js` (the one `<script>` tag a site adds: it draws the frame and
//! follows its height), and the POST that files the case through
//! `app::App::submit_contact_form` (spam checks included). No session: the signed form
//! token is the form's protection, and the middleware's same-origin check still applies.

use crate::error::{PortalError, render};
use crate::pages::{Path, Query};
use askama::Template;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Locale;
use serde::Deserialize;
use std::net::SocketAddr;
use web::AppState;
use web::extract::BaseUrl;
use web::form::FormState;
use web::i18n::T;

pub struct FieldView {
    pub key: String,
    pub label: String,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
}

pub struct TopicView {
    pub key: String,
    pub label: String,
    pub fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    t: T,
    form_name: String,
    embed: bool,
    parent_origin: Option<String>,
    topics: Vec<TopicView>,
    form: FormState,
    token: String,
    pow_bits: u32,
    action: String,
    again: String,
    /// The form's key (deflection counts are per form).
    key: String,
    receipt: Option<app::portal::forms::FormReceipt>,
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    lang: Option<String>,
    origin: Option<String>,
    embed: Option<String>,
}

/// What the page needs to know of how it is shown.
struct Shown {
    locale: Locale,
    embed: bool,
    origin: Option<String>,
}

fn shown(f: &app::portal::forms::ContactForm, q: &FormQuery) -> Shown {
    Shown {
        locale: q
            .lang
            .as_deref()
            .and_then(|l| Locale::parse(l).ok())
            .unwrap_or(f.locale),
        embed: q.embed.as_deref() == Some("1"),
        // Only an origin the administrator allowed hears the frame's height.
        origin: q
            .origin
            .clone()
            .filter(|o| f.allowed_origins.iter().any(|a| a == o)),
    }
}

fn query_of(sh: &Shown) -> String {
    let mut q: Vec<(&str, String)> = vec![("lang", sh.locale.as_str().to_string())];
    if sh.embed {
        q.push(("embed", "1".into()));
    }
    if let Some(o) = &sh.origin {
        q.push(("origin", o.clone()));
    }
    serde_urlencoded::to_string(q).unwrap_or_default()
}

async fn page(
    s: &AppState,
    f: &app::portal::forms::ContactForm,
    sh: &Shown,
    form: FormState,
    field_errors: &[(String, String)],
    receipt: Option<app::portal::forms::FormReceipt>,
) -> Result<Response, PortalError> {
    let l = sh.locale;
    let token = s
        .app
        .form_token(f)
        .await
        .map_err(|e| PortalError::App(e, l))?;
    let topics = f
        .topics
        .iter()
        .map(|tp| TopicView {
            key: tp.key.clone(),
            label: tp.label(l).to_string(),
            fields: tp
                .fields
                .iter()
                .map(|x| FieldView {
                    key: x.key.clone(),
                    label: x.label(l).to_string(),
                    required: x.required,
                    value: form.val(&format!("field.{}", x.key), "").to_string(),
                    error: field_errors
                        .iter()
                        .find(|(k, _)| *k == format!("field.{}", x.key))
                        .map(|(_, m)| m.clone()),
                })
                .collect(),
        })
        .collect();
    let q = query_of(sh);
    let mut r = render(&FormPage {
        t: T::new(l, "Europe/Paris", s.app.clock.now().as_millisecond()),
        form_name: f.name.clone(),
        embed: sh.embed,
        parent_origin: sh.origin.clone(),
        topics,
        form,
        token: token.token,
        pow_bits: token.pow_bits,
        action: format!("/form/{}?{q}", f.key),
        again: format!("/form/{}?{q}", f.key),
        key: f.key.clone(),
        receipt,
    });
    framed_by(&mut r, &f.allowed_origins, "");
    Ok(r)
}

/// A page framed by the sites the administrator allowed, nowhere else (its policy, with
/// `extra` directives such as `connect-src 'self'`).
pub(crate) fn framed_by(r: &mut Response, allowed: &[String], extra: &str) {
    let ancestors = std::iter::once("'self'".to_string())
        .chain(allowed.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    if let Ok(v) = HeaderValue::from_str(&format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; {extra}\
         frame-ancestors {ancestors}; form-action 'self'; base-uri 'none'"
    )) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// A script other sites' pages load (the tags an administrator pastes).
pub(crate) fn site_script(js: String) -> Response {
    let mut r = js.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    // Loaded by other sites' pages.
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    r
}

pub async fn show(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<FormQuery>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let f = s
        .app
        .public_contact_form(&key)
        .await
        .map_err(|e| PortalError::App(e, web::browser::browser_locale(&headers)))?;
    let sh = shown(&f, &q);
    page(&s, &f, &sh, FormState::default(), &[], None).await
}

/// Which inputs the use case's fields belong to.
const FIELDS: web::form::FieldMap = &[
    ("topic", "topic", "form-topic"),
    ("email", "email", "form-email"),
    ("name", "name", "form-name"),
    ("body", "body", "form-message"),
    ("comment.body", "body", "form-message"),
    ("subject", "subject", "form-subject"),
    ("files", "files", "portal-files"),
    ("filename", "files", "portal-files"),
    ("file", "files", "portal-files"),
];

pub async fn submit(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(key): Path<String>,
    Query(q): Query<FormQuery>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, PortalError> {
    let browser = web::browser::browser_locale(&headers);
    let f = s
        .app
        .public_contact_form(&key)
        .await
        .map_err(|e| PortalError::App(e, browser))?;
    let mut sh = shown(&f, &q);
    let parts = crate::pages::read_parts(req, sh.locale).await?;
    let get = |k: &str| parts.fields.get(k).cloned().unwrap_or_default();
    if let Ok(l) = Locale::parse(&get("lang")) {
        sh.locale = l;
    }
    let fields: Vec<(String, String)> = parts
        .fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("field.").map(|x| (x.to_string(), v.clone())))
        .collect();
    let sub = app::portal::forms::Submission {
        token: get("token"),
        nonce: get("nonce"),
        honeypot: get("website"),
        topic: get("topic"),
        name: get("name"),
        email: get("email"),
        subject: get("subject"),
        body: get("body"),
        fields: fields.clone(),
        locale: Some(sh.locale),
        files: parts.files,
    };
    let done = app::auth::CLIENT_IP
        .scope(peer.ip(), s.app.submit_contact_form(&key, sub))
        .await;
    let t = T::new(sh.locale, "Europe/Paris", 0);
    match done {
        Ok(receipt) => {
            let src = format!("form:{key}");
            crate::pages::help::case_filed(&s, &get("kb_visitor"), &src, receipt.case_id).await;
            page(&s, &f, &sh, FormState::default(), &[], Some(receipt)).await
        }
        Err(app::AppError::Throttled(secs)) => {
            let mut form = typed(&parts.fields);
            form.summary.push(t.throttled(secs));
            let mut r = page(&s, &f, &sh, form, &[], None).await?;
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            r.headers_mut().insert(header::RETRY_AFTER, secs.into());
            Ok(r)
        }
        Err(app::AppError::Invalid(errs)) => {
            // The extra fields' messages go next to them; the others through the map.
            let (extra, rest): (Vec<_>, Vec<_>) = errs
                .into_iter()
                .partition(|e| e.field.starts_with("field."));
            let field_errors: Vec<(String, String)> = extra
                .iter()
                .map(|e| {
                    let label = f
                        .topics
                        .iter()
                        .flat_map(|tp| tp.fields.iter())
                        .find(|x| format!("field.{}", x.key) == e.field)
                        .map(|x| x.label(sh.locale).to_string())
                        .unwrap_or_else(|| e.field.clone());
                    (e.field.clone(), web::form::message(&t, e, &label))
                })
                .collect();
            let mut form = typed(&parts.fields);
            if !rest.is_empty() {
                form = form
                    .refused(&t, app::AppError::Invalid(rest), FIELDS)
                    .map_err(|e| PortalError::App(e, sh.locale))?;
            }
            let mut r = page(&s, &f, &sh, form, &field_errors, None).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(PortalError::App(e, sh.locale)),
    }
}

fn typed(fields: &std::collections::HashMap<String, String>) -> FormState {
    FormState::typed(
        fields
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "token" | "nonce" | "website" | "kb_visitor"))
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// The one script a site adds: `<script src="…/form/{key}/embed.js" async></script>`. It
/// draws the frame where the tag is and follows the height the frame reports (messages
/// from Guichet's exact origin and that frame only).
pub async fn embed_js(
    State(s): State<AppState>,
    BaseUrl(base): BaseUrl,
    Path(key): Path<String>,
) -> Response {
    if s.app.public_contact_form(&key).await.is_err() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let origin = base.trim_end_matches('/');
    let js = format!(
        "(function(){{\"use strict\";var s=document.currentScript,base={origin:?},key={key:?};\
if(!s)return;var l=(s.getAttribute(\"data-lang\")||document.documentElement.lang||\"\").slice(0,2);\
var f=document.createElement(\"iframe\");\
f.src=base+\"/form/\"+encodeURIComponent(key)+\"?embed=1&origin=\"+encodeURIComponent(location.origin)+(l?\"&lang=\"+encodeURIComponent(l):\"\");\
f.title=s.getAttribute(\"data-title\")||\"Contact\";f.style.cssText=\"width:100%;border:0;min-height:640px\";\
window.addEventListener(\"message\",function(e){{if(e.origin!==base||e.source!==f.contentWindow)return;\
var d=e.data;if(d&&d.type===\"guichet-form-height\"&&d.height>0)f.style.minHeight=f.style.height=Math.min(d.height+4,5000)+\"px\";}});\
s.parentNode.insertBefore(f,s.nextSibling);}})();\n"
    );
    site_script(js)
}
