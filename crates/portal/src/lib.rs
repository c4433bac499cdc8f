//! The customer-facing pages (ADR 0004, ADR 0006): the customer portal (my cases, a case's
//! public thread, "yes, it is solved" / "no, still a problem", a new case, the profile).
//! Kept apart from the agent screens (`ui`) so that nothing written for staff can reach a
//! customer by accident:
//!
//! - its own session cookie ([`SESSION_COOKIE`]), never the agents' one, and sessions of
//!   the customer audience only (`app::App::customer_session`), so a customer session can
//!   never authorize an agent page and the reverse;
//! - its own templates (`templates/`), rendering only the customer read models `app`
//!   returns to an end user (`app::portal`: the public thread, authors by name; never an
//!   internal note, an internal field or another customer's address);
//! - every read and write through an `app` use case called with the customer's session,
//!   like every other transport; this crate depends on `app`, `domain` and `web` (state,
//!   errors, translations, browser helpers), never on `store` or `ui`
//!   (`crates/app/tests/boundaries.rs`).

pub mod assets;
pub mod error;
pub mod pages;
pub mod session;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use pages::{cases, chat, form, help, profile, sign_in};
use web::AppState;

/// The customer session cookie; the agents' is `ui::session::COOKIE` (`guichet_session`).
pub const SESSION_COOKIE: &str = "guichet_customer_session";

/// The company's name on every customer page (its colour comes in `/portal/brand.css`, so
/// even an error page has it).
#[derive(Debug, Clone, Default)]
pub struct Brand {
    /// Empty: the pages say "Customer area" / "Espace client".
    pub name: String,
    /// The logo's version when there is one (`/portal/logo?v=…`).
    pub logo: Option<String>,
}

/// The branding an administrator set (the default when unreadable: a page never fails on it).
pub async fn brand(s: &AppState) -> Brand {
    let b = s.app.branding().await.unwrap_or_default();
    Brand {
        name: b.name,
        logo: b.logo,
    }
}

/// `/portal/logo?v=…`: the company's logo, kept by browsers for good (its address changes
/// with it).
async fn logo(axum::extract::State(s): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::IntoResponse;
    match s.app.logo().await {
        Ok(Some((ctype, data))) => {
            let mut r = web::browser::file_response("logo", &ctype, data);
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            r
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// `/portal/brand.css`: the company's colour as the stylesheet's variables.
async fn brand_css(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let b = s.app.branding().await.unwrap_or_default();
    let mut r = format!(
        ":root {{ --brand: {c}; --brand-dark: color-mix(in srgb, {c} 80%, black); }}\n",
        c = b.colour
    )
    .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    r
}

/// The customer pages' routes, merged by the binary beside `web` and `ui`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/portal", get(cases::home))
        .route("/portal/sign-in", get(sign_in::show).post(sign_in::post))
        .route(
            "/portal/sign-in/{token}",
            get(sign_in::show_link).post(sign_in::use_link),
        )
        .route("/portal/c/{token}", get(sign_in::case_link))
        .route(
            "/portal/access/jwt",
            get(sign_in::jwt_get).post(sign_in::jwt_post),
        )
        .route("/portal/sign-out", post(sign_in::sign_out))
        .route("/portal/cases", get(cases::list).post(cases::create))
        .route("/portal/cases/new", get(cases::new_form))
        .route("/portal/cases/{id}", get(cases::show))
        .route("/portal/cases/{id}/reply", post(cases::reply))
        .route("/portal/cases/{id}/confirm", post(cases::confirm))
        .route("/portal/cases/{id}/reopen", post(cases::reopen))
        .route("/portal/cases/{id}/solve", post(cases::mark_solved))
        .route("/portal/files/{id}", get(cases::file))
        .route("/portal/profile", get(profile::show).post(profile::save))
        .route("/portal/static/{name}", get(assets::serve))
        .route("/portal/brand.css", get(brand_css))
        .route("/portal/logo", get(logo))
        .route("/help/files/{id}/{name}", get(help::file))
        .route("/form/{key}", get(form::show).post(form::submit))
        .route("/help", get(help::home))
        .route("/help/suggest", get(help::suggest))
        .route("/help/track", post(help::track))
        .route("/help/sections/{id}", get(help::section))
        .route("/help/articles/{id}", get(help::article))
        .route("/help/articles/{id}/vote", post(help::vote))
        .route("/form/{key}/embed.js", get(form::embed_js))
        .route("/form/{key}/chat.js", get(chat::loader_js))
        .route("/form/{key}/chat", get(chat::frame))
        .layer(DefaultBodyLimit::max(session::MAX_MULTIPART_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::load,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    fn ids(src: &str) -> Vec<String> {
        src.lines()
            .filter(|l| !l.starts_with(['#', ' ']) && l.contains(" ="))
            .map(|l| l.split(" =").next().unwrap_or("").trim().to_string())
            .collect()
    }

    #[test]
    fn every_portal_string_exists_in_french_and_english() {
        let en = ids(include_str!("../../web/locales/en/portal.ftl"));
        let fr = ids(include_str!("../../web/locales/fr/portal.ftl"));
        assert_eq!(en, fr);
        assert!(en.len() > 60);
    }

    /// Every literal id a portal template or handler translates exists in English and
    /// French (a missing one would show its id to a customer).
    #[test]
    fn every_literal_id_in_the_portal_is_translated() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![];
        for sub in ["templates", "src", "src/pages"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let p = e.unwrap().path();
                if p.is_file() {
                    files.push(p);
                }
            }
        }
        let mut missing = vec![];
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for call in ["t.t(\"", "t.t1(\"", "t.tn(\"", "t.ta(\"", "words(l, \""] {
                for part in text.split(call).skip(1) {
                    let id = part.split('"').next().unwrap_or("");
                    let literal = !id.is_empty()
                        && !id.ends_with('-')
                        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                    if !literal {
                        continue;
                    }
                    for l in [domain::Locale::En, domain::Locale::Fr] {
                        if web::i18n::tr(l, id, &[("x", "1")]) == id
                            && web::i18n::tr_n(l, id, 2) == id
                        {
                            missing.push(format!("{} ({l:?}): {id}", f.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "untranslated: {missing:?}");
    }

    #[test]
    fn every_status_a_customer_can_see_has_words() {
        for s in ["new", "open", "pending", "hold", "solved", "closed"] {
            for l in [domain::Locale::En, domain::Locale::Fr] {
                let id = format!("portal-status-{s}");
                assert_ne!(web::i18n::tr(l, &id, &[]), id);
            }
        }
    }
}
