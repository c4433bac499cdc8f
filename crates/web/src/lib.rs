//! HTTP: the Zendesk-style JSON API, health endpoints and the OpenAPI document. Only this
//! crate knows HTTP and JSON; it translates requests into application use cases.

#![recursion_limit = "512"]
pub mod api;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod ratelimit;
pub mod render;
pub mod sentence;

use crate::api::{categories, groups, mail, orgs, search, standards, tickets, uploads, users};
use crate::error::{ApiError, json_ok};
use crate::extract::locale_of;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Router, ServiceExt};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::Layer;

#[derive(Clone)]
pub struct AppState {
    pub app: app::App,
    pub max_body_bytes: usize,
    pub limiter: Arc<ratelimit::RateLimiter>,
}

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub max_body_bytes: usize,
    pub rate_limit_per_minute: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            rate_limit_per_minute: 700,
        }
    }
}

const OPENAPI: &str = include_str!("../openapi.json");

async fn openapi() -> Response {
    let mut r = OPENAPI.into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

async fn healthz() -> Response {
    json_ok(StatusCode::OK, json!({"status": "ok"}))
}

async fn readyz(State(s): State<AppState>) -> Response {
    match s.app.store.ping().await {
        Ok(()) => json_ok(
            StatusCode::OK,
            json!({"status": "ok", "database": s.app.store.backend()}),
        ),
        Err(_) => json_ok(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "unavailable"}),
        ),
    }
}

async fn no_endpoint(req: Request) -> Response {
    let (parts, _) = req.into_parts();
    ApiError::NoEndpoint(locale_of(&parts)).into_response()
}

async fn no_method(req: Request) -> Response {
    let (parts, _) = req.into_parts();
    ApiError::Method(locale_of(&parts)).into_response()
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/tickets",
            get(tickets::list_tickets).post(tickets::create_ticket),
        )
        .route("/tickets/show_many", get(tickets::show_many_tickets))
        .route("/tickets/create_many", post(tickets::create_many_tickets))
        .route("/tickets/update_many", put(tickets::update_many_tickets))
        .route(
            "/tickets/destroy_many",
            axum::routing::delete(tickets::destroy_many_tickets),
        )
        .route(
            "/tickets/{id}",
            get(tickets::show_ticket)
                .put(tickets::update_ticket)
                .delete(tickets::delete_ticket),
        )
        .route("/tickets/{id}/comments", get(tickets::list_comments))
        .route("/tickets/{id}/events", get(tickets::list_events))
        .route("/tickets/{id}/merge", post(tickets::merge_tickets))
        .route(
            "/tickets/{id}/links",
            get(tickets::list_links).post(tickets::create_link),
        )
        .route(
            "/tickets/{id}/compensations",
            get(tickets::list_compensations).post(tickets::create_compensation),
        )
        .route("/tickets/{id}/confirm", post(tickets::confirm_ticket))
        .route("/users", get(users::list_users).post(users::create_user))
        .route("/users/me", get(users::me).put(users::update_me))
        .route("/users/search", get(users::search_users))
        .route("/users/show_many", get(users::show_many_users))
        .route(
            "/users/{id}",
            get(users::show_user)
                .put(users::update_user)
                .delete(users::delete_user),
        )
        .route(
            "/organizations",
            get(orgs::list_orgs).post(orgs::create_org),
        )
        .route("/organizations/show_many", get(orgs::show_many_orgs))
        .route("/organizations/search", get(orgs::search_orgs))
        .route("/organizations/create_many", post(orgs::create_many_orgs))
        .route(
            "/organizations/{id}",
            get(orgs::show_org)
                .put(orgs::update_org)
                .delete(orgs::delete_org),
        )
        .route(
            "/groups",
            get(groups::list_groups).post(groups::create_group),
        )
        .route(
            "/groups/{id}",
            get(groups::show_group)
                .put(groups::update_group)
                .delete(groups::delete_group),
        )
        .route("/groups/{id}/users", get(groups::group_users))
        .route("/group_memberships", post(groups::create_membership))
        .route(
            "/categories",
            get(categories::list_categories).post(categories::create_category),
        )
        .route(
            "/categories/{id}",
            get(categories::show_category)
                .put(categories::update_category)
                .delete(categories::delete_category),
        )
        .route("/uploads", post(uploads::upload))
        .route(
            "/uploads/{token}",
            axum::routing::delete(uploads::delete_upload),
        )
        .route("/attachments/{id}", get(uploads::show_attachment))
        .route(
            "/attachments/{id}/content",
            get(uploads::attachment_content),
        )
        .route(
            "/business_hours/schedules",
            get(standards::list_schedules).post(standards::create_schedule),
        )
        .route(
            "/business_hours/schedules/{id}",
            get(standards::show_schedule)
                .put(standards::update_schedule)
                .delete(standards::delete_schedule),
        )
        .route(
            "/business_hours/schedules/{id}/workweek",
            put(standards::update_workweek),
        )
        .route(
            "/business_hours/schedules/{id}/holidays",
            get(standards::list_holidays).post(standards::create_holiday),
        )
        .route(
            "/business_hours/schedules/{id}/holidays/{hid}",
            delete(standards::delete_holiday),
        )
        .route(
            "/standards",
            get(standards::list_standards).post(standards::create_standard),
        )
        .route(
            "/standards/{id}",
            get(standards::show_standard)
                .put(standards::update_standard)
                .delete(standards::delete_standard),
        )
        .route("/standards/{id}/attainment", get(standards::attainment))
        .route("/slas/policies", get(standards::list_policies))
        .route("/slas/policies/{id}", get(standards::show_policy))
        .route("/tickets/{id}/clocks", get(standards::ticket_clocks))
        .route("/charter", get(standards::current_charter))
        .route(
            "/charter/versions",
            get(standards::list_charter_versions).post(standards::publish_charter),
        )
        .route(
            "/charter/versions/{v}",
            get(standards::show_charter_version),
        )
        .route(
            "/charter/versions/{v}/acknowledge",
            post(standards::acknowledge_charter),
        )
        .route(
            "/charter/versions/{v}/acknowledgements",
            get(standards::charter_acknowledgements),
        )
        .route("/notifications", get(standards::list_notifications))
        .route(
            "/notifications/{id}/read",
            put(standards::read_notification),
        )
        .route(
            "/mailboxes",
            get(mail::list_mailboxes).post(mail::create_mailbox),
        )
        .route(
            "/mailboxes/{id}",
            get(mail::show_mailbox)
                .put(mail::update_mailbox)
                .delete(mail::delete_mailbox),
        )
        .route("/quarantine", get(mail::list_quarantine))
        .route(
            "/quarantine/{id}",
            get(mail::show_quarantined).delete(mail::dismiss_quarantined),
        )
        .route("/quarantine/{id}/raw", get(mail::raw_quarantined))
        .route(
            "/quarantine/{id}/reprocess",
            post(mail::reprocess_quarantined),
        )
        .route("/outbox", get(mail::list_outbox))
        .route("/email_templates", get(mail::list_templates))
        .route(
            "/email_templates/{key}/{locale}",
            put(mail::put_template).delete(mail::reset_template),
        )
        .route("/tickets/{id}/emails", get(mail::case_emails))
        .route(
            "/tickets/{id}/emails/{email_id}/original",
            get(mail::email_original),
        )
        .route("/search", get(search::search))
        .route("/search/count", get(search::count))
        .route("/job_statuses", get(tickets::list_jobs))
        .route("/job_statuses/{id}", get(tickets::show_job))
        .route("/openapi", get(openapi))
        .method_not_allowed_fallback(no_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ratelimit::limit,
        ));
    Router::new()
        .nest("/api/v2", api)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(no_endpoint)
        .method_not_allowed_fallback(no_method)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            json_ok(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": "InternalError", "description": "Internal error"}),
            )
        }))
        .with_state(state)
}

/// Zendesk clients use `/x.json` and `/x` interchangeably: strip the suffix before routing.
fn strip_json_suffix(mut req: Request) -> Request {
    let path = req.uri().path();
    if let Some(stripped) = path.strip_suffix(".json") {
        let pq = match req.uri().query() {
            Some(q) => format!("{stripped}?{q}"),
            None => stripped.to_string(),
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

pub fn state(app: app::App, cfg: &WebConfig) -> AppState {
    AppState {
        app,
        max_body_bytes: cfg.max_body_bytes,
        limiter: Arc::new(ratelimit::RateLimiter::new(cfg.rate_limit_per_minute)),
    }
}

/// Serve the API until `shutdown` resolves, finishing requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(state), shutdown).await
}

/// Serve a router built from `router` and others merged into it (the agent pages).
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = match listener.local_addr() {
        Ok(a) => app.layer(axum::Extension(extract::LocalAddr(a))),
        Err(_) => app,
    };
    let svc = tower::util::MapRequestLayer::new(strip_json_suffix).layer(app);
    axum::serve(
        listener,
        svc.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
