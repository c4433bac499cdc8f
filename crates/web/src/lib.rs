//! HTTP: the Zendesk-style JSON API, health endpoints and the OpenAPI document. Only this
//! crate knows HTTP and JSON; it translates requests into application use cases.

#![recursion_limit = "512"]
pub mod api;
pub mod browser;
pub mod error;
pub mod extract;
pub mod form;
pub mod i18n;
pub mod page_error;
pub mod ratelimit;
pub mod render;
pub mod sentence;

use crate::api::{
    categories, groups, hc_files, hc_group_tr, help_center as hc, mail, orgs, requests, search,
    standards, tickets, uploads, users,
};
use crate::error::{ApiError, json_ok};
use crate::extract::locale_of;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
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

/// Ready when this node can read and write: on SQLite a failing writer (disk full, I/O
/// error) makes it not ready until a real write succeeds again.
async fn readyz(State(s): State<AppState>) -> Response {
    let backend = s.app.backend();
    match s.app.readiness().await {
        Ok(w) => json_ok(
            StatusCode::OK,
            json!({"status": "ok", "database": backend,
                   "write_queue": {"depth": w.queue_depth, "capacity": w.queue_capacity}}),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            let mut r = json_ok(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"status": "unavailable", "database": backend,
                "reason": match e.kind() {
                    app::StorageKind::Full => "storage full",
                    app::StorageKind::Busy => "overloaded",
                    app::StorageKind::Unavailable => "database unavailable",
                }}),
            );
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(2),
            );
            r
        }
    }
}

/// The page a browser gets for an address that leads nowhere, set by the screens' crate
/// (`ui::router`): web knows no HTML.
static PAGE_NOT_FOUND: std::sync::OnceLock<fn(domain::Locale) -> Response> =
    std::sync::OnceLock::new();

/// Let browsers get a translated page instead of the API's JSON for unknown addresses
/// outside `/api/`.
pub fn set_page_not_found(f: fn(domain::Locale) -> Response) {
    let _ = PAGE_NOT_FOUND.set(f);
}

async fn no_endpoint(req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let wants_html = parts
        .headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html
        && !parts.uri.path().starts_with("/api/")
        && let Some(page) = PAGE_NOT_FOUND.get()
    {
        return page(locale_of(&parts));
    }
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
        .route(
            "/requests",
            get(requests::list_requests).post(requests::create_request),
        )
        .route("/requests/open", get(requests::open_requests))
        .route("/requests/solved", get(requests::solved_requests))
        .route("/requests/ccd", get(requests::ccd_requests))
        .route("/requests/search", get(requests::search_requests))
        .route(
            "/requests/{id}",
            get(requests::show_request).put(requests::update_request),
        )
        .route("/requests/{id}/comments", get(requests::request_comments))
        .route(
            "/help_center/categories",
            get(hc::list_categories_plain).post(hc::create_category),
        )
        .route("/help_center/{locale}/categories", get(hc::list_categories))
        .route(
            "/help_center/categories/{id}",
            get(hc::show_category)
                .put(hc::update_category)
                .delete(hc::delete_category),
        )
        .route(
            "/help_center/{locale}/categories/{id}",
            get(hc::show_category),
        )
        .route(
            "/help_center/categories/{id}/sections",
            get(hc::list_sections).post(hc::create_section),
        )
        .route(
            "/help_center/{locale}/categories/{id}/sections",
            get(hc::list_sections),
        )
        .route(
            "/help_center/categories/{id}/articles",
            get(hc::category_articles),
        )
        .route(
            "/help_center/{locale}/categories/{id}/articles",
            get(hc::category_articles),
        )
        .route(
            "/help_center/categories/{id}/translations",
            get(hc_group_tr::list_category_translations)
                .post(hc_group_tr::create_category_translation),
        )
        .route(
            "/help_center/categories/{id}/translations/missing",
            get(hc_group_tr::missing_category_translations),
        )
        .route(
            "/help_center/categories/{id}/translations/{label}",
            get(hc_group_tr::show_category_translation)
                .put(hc_group_tr::update_category_translation),
        )
        .route(
            "/help_center/sections/{id}/translations",
            get(hc_group_tr::list_section_translations)
                .post(hc_group_tr::create_section_translation),
        )
        .route(
            "/help_center/sections/{id}/translations/missing",
            get(hc_group_tr::missing_section_translations),
        )
        .route(
            "/help_center/sections/{id}/translations/{label}",
            get(hc_group_tr::show_section_translation).put(hc_group_tr::update_section_translation),
        )
        .route("/help_center/sections", get(hc::list_sections_plain))
        .route("/help_center/{locale}/sections", get(hc::list_sections))
        .route(
            "/help_center/sections/{id}",
            get(hc::show_section)
                .put(hc::update_section)
                .delete(hc::delete_section),
        )
        .route("/help_center/{locale}/sections/{id}", get(hc::show_section))
        .route(
            "/help_center/sections/{id}/articles",
            get(hc::section_articles).post(hc::create_article),
        )
        .route(
            "/help_center/{locale}/sections/{id}/articles",
            get(hc::section_articles).post(hc::create_article),
        )
        .route("/help_center/articles", get(hc::list_articles_plain))
        .route("/help_center/{locale}/articles", get(hc::list_articles))
        .route("/help_center/articles/search", get(hc::search_articles))
        .route("/help_center/articles/labels", get(hc::list_labels))
        .route(
            "/help_center/articles/{id}",
            get(hc::show_article)
                .put(hc::update_article)
                .delete(hc::archive_article),
        )
        .route(
            "/help_center/{locale}/articles/{id}",
            get(hc::show_article).put(hc::update_article),
        )
        .route(
            "/help_center/articles/{id}/translations",
            get(hc::list_translations).post(hc::create_translation),
        )
        .route(
            "/help_center/articles/{id}/translations/missing",
            get(hc::missing_translations),
        )
        .route(
            "/help_center/articles/{id}/translations/{label}",
            get(hc::show_translation).put(hc::update_translation),
        )
        .route(
            "/help_center/translations/{id}",
            delete(hc::delete_translation),
        )
        .route("/help_center/articles/{id}/up", post(hc::vote_up))
        .route("/help_center/articles/{id}/down", post(hc::vote_down))
        .route("/help_center/articles/{id}/votes", get(hc::list_votes))
        .route(
            "/help_center/articles/{id}/labels",
            get(hc::article_labels).post(hc::add_label),
        )
        .route(
            "/help_center/articles/{id}/labels/{label}",
            delete(hc::remove_label),
        )
        .route(
            "/help_center/articles/{id}/attachments",
            get(hc_files::list_files).post(hc_files::create_file),
        )
        .route(
            "/help_center/articles/{id}/attachments/inline",
            get(hc_files::list_inline),
        )
        .route(
            "/help_center/articles/{id}/attachments/block",
            get(hc_files::list_block),
        )
        .route(
            "/help_center/articles/{id}/bulk_attachments",
            post(hc_files::bulk_link),
        )
        .route(
            "/help_center/articles/attachments",
            post(hc_files::create_unassociated),
        )
        .route(
            "/help_center/articles/attachments/{id}",
            get(hc_files::show_file).delete(hc_files::delete_file),
        )
        .route("/help_center/deflection", get(hc::deflection))
        .route("/help_center/user_segments", get(hc::list_user_segments))
        .route(
            "/help_center/user_segments/{id}",
            get(hc::show_user_segment),
        )
        .route("/guide/permission_groups", get(hc::list_permission_groups))
        .route(
            "/guide/permission_groups/{id}",
            get(hc::show_permission_group),
        )
        .route("/users", get(users::list_users).post(users::create_user))
        .route("/users/me", get(users::me).put(users::update_me))
        .route("/users/search", get(users::search_users))
        .route("/users/show_many", get(users::show_many_users))
        .route("/api_tokens", get(users::list_tokens))
        .route("/api_tokens/{id}", delete(users::revoke_token))
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

fn shutdown_sender() -> &'static tokio::sync::watch::Sender<bool> {
    static S: std::sync::OnceLock<tokio::sync::watch::Sender<bool>> = std::sync::OnceLock::new();
    S.get_or_init(|| tokio::sync::watch::channel(false).0)
}

/// Resolves once the server has begun shutting down: long-lived responses (the live
/// streams) end with it, so a drain does not wait for open agent tabs.
pub async fn shutting_down() {
    let mut rx = shutdown_sender().subscribe();
    let _ = rx.wait_for(|v| *v).await;
}

/// Limits of the HTTP listener (slow and idle clients, connection cap, shutdown).
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Open connections at most; beyond, new connections are closed at once.
    pub max_connections: usize,
    /// A request's headers must arrive within this time (slowloris), and a keep-alive
    /// connection idle this long is closed: keep it above a reverse proxy's upstream idle
    /// timeout (nginx and cloud balancers use 60 s), or the proxy may reuse a connection
    /// being closed.
    pub header_timeout: Duration,
    /// A request's whole body must arrive within this time.
    pub body_timeout: Duration,
    /// On shutdown, requests in flight get this long to finish.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_connections: 2048,
            header_timeout: Duration::from_secs(65),
            body_timeout: Duration::from_secs(120),
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// Serve the API until `shutdown` resolves, finishing requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(state), shutdown, ServeOptions::default()).await
}

/// Serve a router built from `router` and others merged into it (the agent pages). Each
/// connection is an HTTP/1.1 connection with a header timeout, each request body has a
/// deadline, and at most `max_connections` are open. On `shutdown` the listener closes, and
/// connections finish their requests in flight within `shutdown_grace`.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    opts: ServeOptions,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let body_timeout = opts.body_timeout;
    let app = app.layer(axum::middleware::from_fn(
        move |req: Request, next: axum::middleware::Next| async move {
            use axum::body::HttpBody;
            if req.body().size_hint().exact() == Some(0) {
                return next.run(req).await;
            }
            let (parts, body) = req.into_parts();
            let body = axum::body::Body::new(DeadlineBody::new(body, body_timeout));
            next.run(Request::from_parts(parts, body)).await
        },
    ));
    let app = match listener.local_addr() {
        Ok(a) => app.layer(axum::Extension(extract::LocalAddr(a))),
        Err(_) => app,
    };
    let svc = tower::util::MapRequestLayer::new(strip_json_suffix).layer(app);
    let slots = Arc::new(tokio::sync::Semaphore::new(opts.max_connections.max(1)));
    let max = opts.max_connections.max(1);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut refused: u64 = 0;
    loop {
        let (stream, addr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            refused += 1;
            if refused.is_power_of_two() {
                tracing::warn!(refused, "connection cap reached: connection closed");
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let svc = svc.clone();
        let hyper_svc =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(addr));
                let mut svc = svc.clone();
                async move {
                    use tower::Service;
                    let req = req.map(axum::body::Body::new);
                    svc.call(req).await
                }
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(opts.header_timeout)
            .serve_connection(TokioIo::new(stream), hyper_svc)
            .with_upgrades();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = async { let _ = stopping.wait_for(|s| *s).await; } => {
                    // Finish the request in flight, then close.
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    shutdown_sender().send_replace(true);
    tracing::info!("listener closed; finishing requests in flight");
    let all_closed = async {
        // Every connection holds a slot until it has closed.
        let _ = slots.acquire_many(max as u32).await;
    };
    if tokio::time::timeout(opts.shutdown_grace, all_closed)
        .await
        .is_err()
    {
        tracing::warn!(grace = ?opts.shutdown_grace, "requests still running at the shutdown deadline");
    }
    Ok(())
}

/// A request body that must arrive in full before a deadline (a client sending its body a
/// byte at a time cannot hold a connection and a handler forever).
struct DeadlineBody {
    inner: axum::body::Body,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl DeadlineBody {
    fn new(inner: axum::body::Body, within: Duration) -> Self {
        DeadlineBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(within)),
        }
    }
}

impl axum::body::HttpBody for DeadlineBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        if let Poll::Ready(f) = std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(f);
        }
        match this.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(BodyTimeout)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[derive(Debug)]
struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request body not received in time")
    }
}

impl std::error::Error for BodyTimeout {}
