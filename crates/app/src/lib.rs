//! Use cases. Every transport (JSON API, web pages, mail, chat, CLI) calls these functions;
//! each one checks who may do it, validates references, and writes its changes together
//! with their case events in one transaction.

pub mod auth;
pub mod cases;
pub mod complaints;
pub mod email;
mod error;
pub mod live;
pub mod model;
pub mod people;
pub mod standards;

pub use error::{AppError, CODES, FieldError, Result, StorageError, StorageKind, text_field};

use domain::{Clock, Role};
use std::sync::Arc;
use store::Store;

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// A solved case closes by itself after this quiet period (A3).
    pub quiet_period: jiff::SignedDuration,
    /// Longest message body accepted, in bytes.
    pub max_body_chars: usize,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
    /// Unclaimed uploads are deleted after this long.
    pub upload_ttl: jiff::SignedDuration,
    pub mail: email::MailConfig,
    /// The currency compensation authority limits are expressed in (A8); a gesture in
    /// another currency always goes to a supervisor, and only an admin approves it.
    pub limit_currency: String,
    /// No single compensation may be larger than this, in cents (a typo such as 120000
    /// for 120,00 is refused rather than sent to a supervisor).
    pub compensation_ceiling_cents: i64,
    /// Base of the links we send (`https://support.example.com`); None: the address we
    /// listen on. Never taken from a request's Host header.
    pub public_url: Option<String>,
    /// Bytes a user may upload per hour: customers, and staff.
    pub upload_quota_customer: u64,
    pub upload_quota_staff: u64,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            quiet_period: jiff::SignedDuration::from_hours(96),
            max_body_chars: 256 * 1024,
            max_attachment_bytes: 20 * 1024 * 1024,
            upload_ttl: jiff::SignedDuration::from_hours(24),
            mail: email::MailConfig::default(),
            limit_currency: "EUR".into(),
            compensation_ceiling_cents: 10_000_000,
            public_url: None,
            upload_quota_customer: 50 * 1024 * 1024,
            upload_quota_staff: 1024 * 1024 * 1024,
        }
    }
}

/// The application: storage, time and settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<AppConfig>,
    pub(crate) throttle: Arc<auth::LoginThrottle>,
    /// Password-link requests per client address.
    pub(crate) reset_requests: Arc<auth::throttle::Buckets<Option<std::net::IpAddr>>>,
    pub(crate) verifier: Arc<auth::Verifier>,
    pub(crate) snapshot: Arc<standards::SnapshotCache>,
    /// Live updates for the open agent screens.
    pub live: Arc<live::Bus>,
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: AppConfig) -> Self {
        Self {
            store,
            clock,
            config: Arc::new(config),
            throttle: Arc::new(auth::LoginThrottle::default()),
            // Five at once, then one every three minutes.
            reset_requests: Arc::new(auth::throttle::Buckets::new(5, 1.0 / 180.0)),
            verifier: Arc::new(auth::Verifier::for_this_machine()),
            snapshot: Arc::new(standards::SnapshotCache::default()),
            live: Arc::new(live::Bus::default()),
        }
    }

    /// "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Whether this node can write now (`/readyz`): on SQLite a real one-row write.
    pub async fn readiness(&self) -> std::result::Result<Readiness, StorageError> {
        self.store
            .ready()
            .await
            .map(|w| Readiness {
                queue_depth: w.queue_depth,
                queue_capacity: w.queue_capacity,
            })
            .map_err(StorageError)
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }
}

/// A ready node's write queue.
#[derive(Debug, Clone, Copy)]
pub struct Readiness {
    /// SQLite: requests queued for the writer; PostgreSQL: connections in use.
    pub queue_depth: usize,
    pub queue_capacity: usize,
}

/// Who is acting: an authenticated user with a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub name: String,
}

impl Actor {
    pub fn require_staff(&self) -> Result<()> {
        if self.role.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden("agents only"))
        }
    }
    pub fn require_case_writer(&self) -> Result<()> {
        if self.role.can_write_cases() {
            Ok(())
        } else {
            Err(AppError::Forbidden("your role cannot change cases"))
        }
    }
    pub fn require_admin(&self) -> Result<()> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden("administrators only"))
        }
    }
    pub fn require_supervisor(&self) -> Result<()> {
        if matches!(self.role, Role::Admin | Role::Supervisor) {
            Ok(())
        } else {
            Err(AppError::Forbidden("supervisors and administrators only"))
        }
    }
}
