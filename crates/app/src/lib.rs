//! Use cases. Every transport (JSON API, web pages, mail, chat, CLI) calls these functions;
//! each one checks who may do it, validates references, and writes its changes together
//! with their case events in one transaction.

pub mod auth;
pub mod cases;
pub mod chat;
pub mod complaints;
pub mod email;
mod error;
pub mod kb;
pub mod live;
pub mod model;
pub mod people;
pub mod portal;
pub mod standards;

pub use error::{
    AppError, CODES, FieldError, Result, StorageError, StorageKind, optional_text, text_field,
};

use domain::{Clock, Role};
use std::sync::Arc;
use store::Store;

/// A secret from the configuration: its `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: &str) -> Self {
        Secret(s.to_string())
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

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
    /// The HS256 secret of customers' single sign-on (`/portal/access/jwt`); None: off.
    pub portal_jwt_secret: Option<Secret>,
    /// Bytes a user may upload per hour: customers, and staff.
    pub upload_quota_customer: u64,
    pub upload_quota_staff: u64,
    /// A live chat with no message for this long ends by itself, with a notice.
    pub chat_idle: jiff::SignedDuration,
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
            portal_jwt_secret: None,
            chat_idle: jiff::SignedDuration::from_mins(20),
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
    /// Customer sign-in-link requests per client address.
    pub(crate) sign_in_requests: Arc<auth::throttle::Buckets<Option<std::net::IpAddr>>>,
    /// Contact-form submissions per client address, and for everyone.
    pub(crate) form_requests: Arc<auth::throttle::Buckets<Option<std::net::IpAddr>>>,
    pub(crate) form_global: Arc<auth::throttle::Buckets<()>>,
    /// Deflection events counted per client address (beyond, they go uncounted).
    pub(crate) kb_events: Arc<auth::throttle::Buckets<Option<std::net::IpAddr>>>,
    /// Suggestion searches while someone writes, per client address.
    pub(crate) kb_suggestions: Arc<auth::throttle::Buckets<Option<std::net::IpAddr>>>,
    /// New chat visitors per client address (each one is a customer account).
    pub(crate) chat_new_visitors: Arc<auth::throttle::Buckets<Option<std::net::IpAddr>>>,
    /// Chat messages per visitor.
    pub(crate) chat_sends: Arc<auth::throttle::Buckets<i64>>,
    /// Typing signals passed on per (conversation, staff side).
    pub(crate) chat_typing_budget: Arc<auth::throttle::Buckets<(i64, bool)>>,
    /// Writes of an agent's "pages open" mark, per agent (one per 20 s is enough for a
    /// 90 s freshness).
    pub(crate) agent_seen_writes: Arc<auth::throttle::Buckets<i64>>,
    /// The secret form tokens are signed with (read once from `settings`).
    pub(crate) form_secret: Arc<std::sync::OnceLock<Vec<u8>>>,
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
            // Ten at once, then one a minute (a household or an office shares an address).
            sign_in_requests: Arc::new(auth::throttle::Buckets::new(10, 1.0 / 60.0)),
            // Ten at once, then one every 30 s per address; 300, then 5 a second, for all.
            form_requests: Arc::new(auth::throttle::Buckets::new(10, 1.0 / 30.0)),
            form_global: Arc::new(auth::throttle::Buckets::new(300, 5.0)),
            // Sixty at once, then two a second: a visitor typing never reaches it; a script
            // forging visitors to inflate the counts soon does.
            kb_events: Arc::new(auth::throttle::Buckets::new(60, 2.0)),
            // The page asks after a pause in the typing (debounced): 120 at once, then four
            // a second, is an office of writers; a script searching in a loop is slowed.
            kb_suggestions: Arc::new(auth::throttle::Buckets::new(120, 4.0)),
            // Thirty at once, then one every ten seconds: an office behind one address
            // opening chats never reaches it; a script minting accounts soon does.
            chat_new_visitors: Arc::new(auth::throttle::Buckets::new(30, 0.1)),
            // Thirty at once, then two a second: faster than anyone types.
            chat_sends: Arc::new(auth::throttle::Buckets::new(30, 2.0)),
            chat_typing_budget: Arc::new(auth::throttle::Buckets::new(2, 1.0)),
            agent_seen_writes: Arc::new(auth::throttle::Buckets::new(1, 0.05)),
            form_secret: Arc::new(std::sync::OnceLock::new()),
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
