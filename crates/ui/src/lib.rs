//! The agent web UI (issue 5, ADR 0002): server-rendered pages (askama) over the same `app`
//! use cases as the JSON API, small ES modules for shortcuts and live updates, sessions in
//! our store. Only this crate and `web` know HTTP.

pub mod assets;
pub mod error;
pub mod extract;
pub mod form;
pub mod i18n;
pub mod live;
pub mod pages;
pub mod session;

use axum::Router;
use axum::routing::{get, post};
use pages::{
    admin, admin_email, admin_forms, admin_kb, admin_standards, case, contact, inbox, login,
    notifications, password, search, settings,
};
use web::AppState;

/// What every page's frame shows: who is signed in, the CSRF token its forms carry, the
/// menu the role allows, and whether a charter version waits for acknowledgement (B5).
pub struct Chrome {
    pub user_name: String,
    pub user_id: i64,
    pub csrf: String,
    pub is_admin: bool,
    pub is_supervisor: bool,
    pub charter_pending: Option<i64>,
    pub unread: usize,
    pub section: &'static str,
    /// The agent's chat status (online, away, offline), switched in the header.
    pub chat_status: String,
}

impl Chrome {
    pub async fn of(a: &session::Agent, app: &app::App, section: &'static str) -> Chrome {
        let (charter_pending, unread, chat_status) = tokio::join!(
            pages::charter_pending(a, app),
            pages::unread_notifications(a, app),
            app.agent_status(&a.s.actor)
        );
        Chrome {
            user_name: a.s.actor.name.clone(),
            user_id: a.s.actor.user_id,
            csrf: a.s.csrf.clone(),
            is_admin: a.is_admin(),
            is_supervisor: a.is_supervisor(),
            charter_pending,
            unread,
            section,
            chat_status: chat_status.unwrap_or_else(|_| "offline".into()),
        }
    }
}

pub fn router(state: AppState) -> Router {
    web::set_page_not_found(error::not_found_page);
    Router::new()
        .route("/", get(inbox::home))
        .route("/login", get(login::show_login).post(login::sign_in))
        .route("/logout", post(login::sign_out))
        .route(
            "/password/forgot",
            get(password::show_forgot).post(password::post_forgot),
        )
        .route(
            "/password/{token}",
            get(password::show_set).post(password::post_set),
        )
        .route("/inbox/{view}", get(inbox::show_inbox))
        .route("/cases/{id}", get(case::show_case))
        .route("/cases/{id}/reply", post(case::post_reply))
        .route("/cases/{id}/properties", post(case::post_properties))
        .route("/cases/{id}/complaint", post(case::post_complaint))
        .route("/cases/{id}/playbook", post(case::post_playbook))
        .route("/cases/{id}/compensations", post(case::post_compensation))
        .route(
            "/cases/{id}/compensations/{cid}/decide",
            post(case::post_decision),
        )
        .route("/cases/{id}/merge", post(case::post_merge))
        .route("/cases/{id}/link", post(case::post_link))
        .route("/cases/{id}/canned", get(case::canned_preview))
        .route("/attachments/{id}", get(case::attachment_file))
        .route("/cases/{id}/timeline", get(case::timeline_fragment))
        .route("/cases/{id}/presence", post(live::post_presence))
        .route(
            "/contact/new",
            get(contact::show_contact).post(contact::post_contact),
        )
        .route("/search", get(search::show_search))
        .route("/notifications", get(notifications::show_notifications))
        .route("/notifications/{id}/open", post(notifications::post_open))
        .route(
            "/settings",
            get(settings::show_settings).post(settings::post_settings),
        )
        .route("/settings/password", post(settings::post_password))
        .route("/me/status", post(settings::post_status))
        .route("/charter", get(admin::show_charter))
        .route("/charter/{v}/acknowledge", post(admin::post_acknowledge))
        .route("/admin", get(admin::admin_home))
        .route(
            "/admin/agents",
            get(admin::show_agents).post(admin::post_agent),
        )
        .route("/admin/agents/{id}", post(admin::post_agent_update))
        .route("/admin/agents/{id}/invite", post(admin::post_agent_invite))
        .route(
            "/admin/teams",
            get(admin::show_teams).post(admin::post_team),
        )
        .route("/admin/teams/{id}/members", post(admin::post_member))
        .route("/admin/teams/{id}/portal", post(admin::post_team_portal))
        .route(
            "/admin/forms",
            get(admin_forms::show_forms).post(admin_forms::post_new_form),
        )
        .route("/admin/kb", get(admin_kb::show_kb))
        .route("/admin/kb/categories", post(admin_kb::post_category))
        .route("/admin/kb/sections", post(admin_kb::post_section))
        .route("/admin/kb/articles", post(admin_kb::post_new_article))
        .route(
            "/admin/kb/articles/{id}",
            get(admin_kb::show_article).post(admin_kb::post_article),
        )
        .route(
            "/admin/kb/articles/{id}/text/{lang}",
            post(admin_kb::post_text),
        )
        .route("/admin/kb/articles/{id}/files", post(admin_kb::post_file))
        .route(
            "/admin/kb/articles/{id}/files/{file}/delete",
            post(admin_kb::post_delete_file),
        )
        .route("/admin/forms/logo", post(admin_forms::post_logo))
        .route("/admin/forms/anonymous", post(admin_forms::post_anonymous))
        .route("/admin/forms/branding", post(admin_forms::post_branding))
        .route(
            "/admin/forms/{id}",
            get(admin_forms::show_form).post(admin_forms::post_form),
        )
        .route(
            "/admin/forms/{id}/delete",
            post(admin_forms::post_delete_form),
        )
        .route(
            "/admin/categories",
            get(admin::show_categories).post(admin::post_category),
        )
        .route(
            "/admin/canned",
            get(admin::show_canned).post(admin::post_canned),
        )
        .route("/admin/canned/{id}", post(admin::post_canned_update))
        .route("/admin/canned/{id}/delete", post(admin::post_canned_delete))
        .route(
            "/admin/standards",
            get(admin_standards::show_standards).post(admin_standards::post_new_standard),
        )
        .route(
            "/admin/standards/new",
            get(admin_standards::show_new_standard).post(admin_standards::post_new_standard),
        )
        .route(
            "/admin/standards/{id}",
            get(admin_standards::show_standard).post(admin_standards::post_standard),
        )
        .route(
            "/admin/standards/{id}/active",
            post(admin_standards::post_standard_active),
        )
        .route(
            "/admin/calendars/new",
            get(admin_standards::show_new_calendar).post(admin_standards::post_new_calendar),
        )
        .route(
            "/admin/calendars/{id}",
            get(admin_standards::show_calendar).post(admin_standards::post_calendar),
        )
        .route(
            "/admin/calendars/{id}/holidays",
            post(admin_standards::post_holiday),
        )
        .route(
            "/admin/calendars/{id}/holidays/{hid}/delete",
            post(admin_standards::post_holiday_delete),
        )
        .route(
            "/admin/charter",
            get(admin::show_admin_charter).post(admin::post_charter),
        )
        .route(
            "/admin/tokens",
            get(admin::show_tokens).post(admin::post_token),
        )
        .route("/admin/email", get(admin_email::show_email))
        .route("/admin/email/relay", post(admin_email::post_relay))
        .route("/admin/email/test", post(admin_email::post_test_email))
        .route(
            "/admin/email/mailboxes/new",
            get(admin_email::show_new_mailbox).post(admin_email::post_new_mailbox),
        )
        .route(
            "/admin/email/mailboxes/{id}",
            get(admin_email::show_mailbox).post(admin_email::post_mailbox),
        )
        .route(
            "/admin/email/mailboxes/{id}/delete",
            post(admin_email::post_mailbox_delete),
        )
        .route("/admin/email/templates", get(admin_email::show_templates))
        .route(
            "/admin/email/templates/{key}/{locale}",
            get(admin_email::show_template).post(admin_email::post_template),
        )
        .route(
            "/admin/email/templates/{key}/{locale}/reset",
            post(admin_email::post_template_reset),
        )
        .route("/admin/email/outbox", get(admin_email::show_outbox))
        .route(
            "/admin/email/outbox/{id}/retry",
            post(admin_email::post_outbox_retry),
        )
        .route("/admin/email/quarantine", get(admin_email::show_quarantine))
        .route(
            "/admin/email/quarantine/{id}/raw",
            get(admin_email::quarantine_raw),
        )
        .route(
            "/admin/email/quarantine/{id}/reprocess",
            post(admin_email::post_quarantine_reprocess),
        )
        .route(
            "/admin/email/quarantine/{id}/dismiss",
            post(admin_email::post_quarantine_dismiss),
        )
        .route("/live", get(live::stream))
        .layer(axum::extract::DefaultBodyLimit::max(
            session::MAX_UPLOAD_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::load,
        ))
        .route("/static/{file}", get(assets::asset))
        .with_state(state)
}
