//! Integration tests through the real HTTP server. The backend is chosen by
//! `GUICHET_TEST_DATABASE_URL` (a PostgreSQL server URL: each test gets its own fresh
//! database); by default each test gets a temporary SQLite file.

mod attachments;
mod authz;
mod bad_input;
mod cases;
mod categories;
mod chat;
mod chat_transport;
mod day_one;
mod durability;
mod faults;
mod help_center;
mod mail;
mod people;
mod portal;
mod search;
mod security;
mod security_b;
mod standards;
mod ui;

use app::{Actor, App};
use domain::{ManualClock, Role};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use std::sync::Arc;

/// The attachment size limit of test servers (small, so the limit is cheap to test).
pub const ATTACHMENT_LIMIT: usize = 256 * 1024;

pub struct TestApp {
    pub base: String,
    pub http: Client,
    pub app: App,
    /// The store under `app`, for tests that check what was written.
    pub store: store::Store,
    pub clock: Arc<ManualClock>,
    /// Basic credentials of the administrator.
    pub admin: (String, String),
    pub admin_id: i64,
    _db: TestDb,
}

/// One test's own database: a temporary SQLite file, or a PostgreSQL database that is
/// dropped when this value is.
pub struct TestDb {
    pub url: String,
    _tmp: Option<tempfile::TempDir>,
    /// PostgreSQL: (server URL, database name).
    pg_db: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.pg_db.take() else {
            return;
        };
        // Drop runs inside the test's runtime; use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&server).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut c)
                    .await;
                }
            })
        })
        .join();
    }
}

pub fn test_db_url() -> Option<String> {
    std::env::var("GUICHET_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A fresh database for one test.
pub async fn fresh_database() -> TestDb {
    match test_db_url() {
        Some(server) => {
            use sqlx::Connection;
            let name = format!("guichet_t_{}", rand::random::<u64>());
            let mut c = sqlx::PgConnection::connect(&server)
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut c)
                .await
                .expect("create test database");
            let (prefix, _) = server
                .rsplit_once('/')
                .expect("postgres url has a database");
            TestDb {
                url: format!("{prefix}/{name}"),
                _tmp: None,
                pg_db: Some((server.clone(), name)),
            }
        }
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            TestDb {
                url: format!("sqlite:{}", dir.path().join("t.db").display()),
                _tmp: Some(dir),
                pg_db: None,
            }
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(web::WebConfig {
        max_body_bytes: 64 * 1024,
        rate_limit_per_minute: 100_000,
    })
    .await
}

pub async fn spawn_app_with(cfg: web::WebConfig) -> TestApp {
    spawn_app_full(
        cfg,
        app::AppConfig {
            max_attachment_bytes: ATTACHMENT_LIMIT,
            ..Default::default()
        },
    )
    .await
}

pub async fn spawn_app_full(cfg: web::WebConfig, app_cfg: app::AppConfig) -> TestApp {
    let db = fresh_database().await;
    let url = db.url.clone();
    let store = store::Store::connect(&url, &store::StoreOptions::default())
        .await
        .expect("connect");
    let clock = Arc::new(ManualClock::new(
        "2026-03-02T09:00:00Z".parse().expect("time"),
    ));
    store.migrate(0).await.expect("migrate");
    let app = App::new(store.clone(), clock.clone(), app_cfg);
    let admin = app
        .create_admin("admin@guichet.test", "Ada Admin", "admin-password-1")
        .await
        .expect("admin");
    let token = app
        .create_token("admin@guichet.test", "tests")
        .await
        .expect("token");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = web::state(app.clone(), &cfg);
    let live = app.clone();
    tokio::spawn(async move { live.run_live_listener().await });
    let router = web::router(state.clone())
        .merge(::ui::router(state.clone()))
        .merge(::chatnet::router(state.clone(), Default::default()))
        .merge(::portal::router(state));
    tokio::spawn(web::serve_router(
        listener,
        router,
        std::future::pending(),
        Default::default(),
    ));
    TestApp {
        base: format!("http://{addr}"),
        http: Client::new(),
        app,
        store,
        clock,
        admin: ("admin@guichet.test/token".into(), token),
        admin_id: admin.user.id,
        _db: db,
    }
}

impl TestApp {
    pub fn req(&self, m: Method, path: &str, who: &(String, String)) -> RequestBuilder {
        self.http
            .request(m, format!("{}{}", self.base, path))
            .basic_auth(&who.0, Some(&who.1))
    }

    /// Send JSON as `who`; returns status and parsed body (Null when empty).
    pub async fn call(
        &self,
        m: Method,
        path: &str,
        who: &(String, String),
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.req(m, path, who);
        if let Some(b) = body {
            r = r.json(&b);
        }
        body_of(r.send().await.expect("request")).await
    }

    pub async fn admin(&self, m: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call(m, path, &self.admin.clone(), body).await
    }

    /// Create a user with a role and return API credentials for them.
    pub async fn user_with_role(&self, role: Role, email: &str) -> ((String, String), i64) {
        let (s, b) = self
            .admin(Method::POST, "/api/v2/users.json", Some(serde_json::json!({"user": {"name": email, "email": email, "guichet_role": role.as_str()}})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let token = self.app.create_token(email, "t").await.expect("token");
        (
            (format!("{email}/token"), token),
            b["user"]["id"].as_i64().expect("id"),
        )
    }

    pub async fn new_ticket(
        &self,
        who: &(String, String),
        subject: &str,
        requester_email: &str,
    ) -> Value {
        let (s, b) = self
            .call(
                Method::POST,
                "/api/v2/tickets.json",
                who,
                Some(serde_json::json!({"ticket": {"subject": subject, "comment": {"body": format!("Texte de {subject}")},
                    "requester": {"name": "Client", "email": requester_email}}})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["ticket"].clone()
    }

    pub fn actor(&self, user_id: i64, role: Role) -> Actor {
        Actor {
            user_id,
            role,
            name: String::new(),
        }
    }
}

pub async fn body_of(r: Response) -> (StatusCode, Value) {
    let s = r.status();
    let text = r.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (s, v)
}

/// A `multipart/form-data` body written out (the tests' reqwest has no multipart feature):
/// one part per (name, file name if a file, bytes); returns the content type and the body.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    const B: &str = "guichet-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, file, data) in parts {
        let head = match file {
            Some(f) => format!(
                "--{B}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            ),
            None => format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{B}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={B}"), body)
}

/// A picture for an article and a logo (real PNG files).
pub const SCREEN_PNG: &[u8] = include_bytes!("../fixtures/screen.png");
pub const LOGO_PNG: &[u8] = include_bytes!("../fixtures/logo.png");
