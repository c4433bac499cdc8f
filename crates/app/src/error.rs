//! Application errors. Validation errors name the field and carry a stable code that the
//! transports translate (Fluent message id).

use store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The input the error is about, as the use case names it (`subject`, `comment.body`,
    /// `ticket_type`): a field of the typed input it received. Each transport turns it into
    /// its own wire name (`ticket.subject` in the JSON API) with [`AppError::rename_fields`].
    pub field: String,
    /// Stable code, also the Fluent message id suffix (`err-<code>`).
    pub code: &'static str,
    /// Extra detail (English), e.g. the accepted values.
    pub detail: String,
}

/// Every validation code. Each has an `err-<code>` message in every locale (the web crate's
/// i18n test checks), and debug builds refuse a code missing from this list.
pub const CODES: &[&str] = &[
    "case-closed",
    "duplicate",
    "email-invalid",
    "email-taken",
    "has-children",
    "idempotency-mismatch",
    "in-use",
    "invalid",
    "invalid-value",
    "link-self",
    "merge-sources",
    "negative",
    "not-staff",
    "password-length",
    "phone-taken",
    "required",
    "search-query",
    "status-agent-close",
    "status-back-to-new",
    "status-not-solved",
    "category-cycle",
    "too-large",
    "too-long",
    "unknown-reference",
    "unknown-upload",
    "password-wrong",
    "over-authority",
    "already-decided",
    "template",
    "shortcut",
    "stale",
    // Security review (issue 14).
    "end-user-field",
    "merge-requesters",
    "own-request",
    "control-character",
    "too-many",
    "quota",
    // Day one from the pages (issue 16).
    "host-invalid",
    "out-of-range",
    "not-allowed",
    "no-mailbox",
    "not-failed",
    "link-expired",
    "over-ceiling",
    "currency-unknown",
    "in-the-future",
    "team-name-taken",
    "taken",
    "threshold-range",
    "share-range",
    "unacceptable-order",
    "time-zone-unknown",
    "password-again",
    "not-closed",
    "form-expired",
    "too-fast",
    "spam-suspected",
    "proof-missing",
    "jwt-invalid",
    "contrast-low",
    // Knowledge-base files and the logo (issue 17).
    "not-an-image",
    // Live chat (issue 18).
    "chat-ended",
];

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, detail: impl Into<String>) -> Self {
        debug_assert!(CODES.contains(&code), "error code {code} is not in CODES");
        Self {
            field: field.into(),
            code,
            detail: detail.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("not authenticated")]
    Unauthenticated,
    #[error("too many attempts, retry in {0} s")]
    Throttled(u64),
    #[error("invalid: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("conflict on {0:?}")]
    Conflict(FieldError),
    /// The database could not do it; nothing was written.
    #[error(transparent)]
    Store(StorageError),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    /// The same error with its field names translated by a transport into its own wire
    /// names; `rename` returns None to keep a name as it is.
    pub fn rename_fields(self, rename: impl Fn(&str) -> Option<String>) -> Self {
        let apply = |mut f: FieldError| {
            if let Some(n) = rename(&f.field) {
                f.field = n;
            }
            f
        };
        match self {
            AppError::Invalid(v) => AppError::Invalid(v.into_iter().map(apply).collect()),
            AppError::Conflict(f) => AppError::Conflict(apply(f)),
            o => o,
        }
    }

    pub fn invalid(
        field: impl Into<String>,
        code: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        AppError::Invalid(vec![FieldError::new(field, code, detail)])
    }
}

/// A required text field, trimmed: empty is `required`, too long is `too-long` (codes the
/// screens translate; the domain's English message never reaches a page).
pub fn text_field(field: &str, raw: &str, max: usize) -> Result<String> {
    domain::required_text(raw, max).map_err(|e| match e {
        domain::ValueError::TooLong(n) => AppError::invalid(field, "too-long", n.to_string()),
        _ => AppError::invalid(field, "required", ""),
    })
}

/// An optional text field: empty is fine, else as [`text_field`] (length, characters).
pub fn optional_text(field: &str, raw: &str, max: usize) -> Result<String> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    text_field(field, raw, max)
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("record"),
            // The database's words ("UNIQUE constraint failed: …") stay in the log.
            StoreError::Conflict(what) => {
                tracing::debug!(%what, "unique constraint");
                AppError::Conflict(FieldError::new(conflict_field(&what), "taken", ""))
            }
            other => AppError::Store(StorageError(other)),
        }
    }
}

/// Map a database constraint name or message to the request field it concerns.
fn conflict_field(what: &str) -> &'static str {
    let w = what.to_lowercase();
    if w.contains("identit") {
        "email"
    } else if w.contains("external_id") {
        "external_id"
    } else if w.contains("name_key") || w.contains("name") {
        "name"
    } else if w.contains("idempotency") {
        "Idempotency-Key"
    } else if w.contains("shortcut") {
        "shortcut"
    } else if w.contains("address") {
        "address"
    } else {
        "id"
    }
}

/// A storage failure, as transports see it: what kind (to choose 503 or 507 and a
/// `Retry-After`) and a message for the log. The store's error stays inside `app`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StorageError(pub(crate) StoreError);

/// What went wrong with the database, for the answer a transport gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// The write queue is full: retry in a moment.
    Busy,
    /// The disk is full.
    Full,
    /// Unreachable, timed out, or any other database failure.
    Unavailable,
}

impl StorageError {
    pub fn kind(&self) -> StorageKind {
        match self.0 {
            StoreError::Busy => StorageKind::Busy,
            StoreError::Full(_) => StorageKind::Full,
            _ => StorageKind::Unavailable,
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
