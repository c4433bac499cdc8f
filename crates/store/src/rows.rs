//! Plain rows as stored. Enum-like columns are text holding the domain wire names;
//! timestamps are UTC milliseconds.

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct CaseRow {
    pub id: i64,
    pub subject: String,
    pub description: String,
    pub status: String,
    pub priority: Option<String>,
    pub kind: String,
    pub ticket_type: Option<String>,
    pub channel: String,
    pub journey_stage: Option<String>,
    pub requester_id: i64,
    pub submitter_id: i64,
    pub received_by_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub category_id: Option<i64>,
    pub external_id: Option<String>,
    pub tags: String,
    pub custom_fields: String,
    pub due_at: Option<i64>,
    pub next_due_at: i64,
    pub received_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub solved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub transfer_count: i64,
    pub reopen_count: i64,
    pub merged_into_id: Option<i64>,
    pub agreed_solution: Option<String>,
    pub solved_on_the_spot: bool,
    pub promised_at: Option<i64>,
    pub follow_up_at: Option<i64>,
    pub follow_up_done_at: Option<i64>,
    pub prevention_suggestion: Option<String>,
    pub root_cause: Option<String>,
    pub complaint_resolved_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// First public, non-automatic agent reply (Zendesk's first reply).
    pub first_reply_at: Option<i64>,
}

impl CaseRow {
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.split_whitespace().map(str::to_string).collect()
    }
}

pub(crate) const CASE_COLUMNS: &str = "id, subject, description, status, priority, kind, ticket_type, \
    channel, journey_stage, requester_id, submitter_id, received_by_id, assignee_id, team_id, \
    organization_id, category_id, external_id, tags, custom_fields, due_at, next_due_at, received_at, \
    created_at, updated_at, solved_at, closed_at, transfer_count, reopen_count, merged_into_id, \
    agreed_solution, solved_on_the_spot, promised_at, follow_up_at, follow_up_done_at, \
    prevention_suggestion, root_cause, complaint_resolved_at, deleted_at, first_reply_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub case_id: i64,
    pub author_id: i64,
    pub public: bool,
    pub channel: String,
    pub body: String,
    pub html_body: String,
    pub automatic: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub case_id: i64,
    pub actor_id: Option<i64>,
    pub kind: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub created_at: i64,
}

/// An event to append (ids and case come from the transaction).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: &'static str,
    pub field: Option<&'static str>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub locale: String,
    pub time_zone: String,
    pub organization_id: Option<i64>,
    pub external_id: Option<String>,
    pub postal_address: Option<String>,
    pub notes: Option<String>,
    pub details: Option<String>,
    pub tags: String,
    pub password_hash: Option<String>,
    pub compensation_limit_cents: i64,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const USER_COLUMNS: &str = "id, name, role, locale, time_zone, organization_id, external_id, \
    postal_address, notes, details, tags, password_hash, compensation_limit_cents, active, created_at, updated_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdentityRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub value: String,
    pub is_primary: bool,
    pub failing: bool,
    pub created_at: i64,
    /// Why the address stopped taking our mail (the bounce or the server's answer).
    pub failing_reason: Option<String>,
    pub failing_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub external_id: Option<String>,
    pub domain_names: String,
    pub details: Option<String>,
    pub notes: Option<String>,
    pub tags: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub shared_tickets: bool,
}

pub(crate) const ORG_COLUMNS: &str = "id, name, external_id, domain_names, details, notes, tags, created_at, updated_at, shared_tickets";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub is_public: bool,
    pub deleted: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const TEAM_COLUMNS: &str =
    "id, name, description, is_public, deleted, created_at, updated_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CompensationRow {
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub amount_cents: i64,
    pub currency: String,
    pub note: String,
    pub status: String,
    pub requested_by_id: i64,
    pub decided_by_id: Option<i64>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub case_id: i64,
    pub other_id: i64,
    pub kind: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub user_id: i64,
    pub job_type: String,
    pub total: i64,
    pub status: String,
    pub results: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub token: String,
    /// Shared by the files of one upload until a comment claims them.
    pub upload_token: Option<String>,
    pub message_id: Option<i64>,
    pub uploader_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
    /// Shown in the HTML of its email (`cid:`) rather than listed.
    pub inline: bool,
    pub content_id: Option<String>,
}

/// An API token as its owner or an administrator lists it (never its value or hash).
#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
}

/// An authenticated token's owner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenOwner {
    pub token_id: i64,
    pub user_id: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct CalendarRow {
    pub id: i64,
    pub name: String,
    /// IANA time zone name.
    pub time_zone: String,
    /// JSON `[[start, end], …]`, minutes since Sunday 00:00 (Zendesk's schedule intervals).
    pub intervals: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct HolidayRow {
    pub id: i64,
    pub calendar_id: i64,
    pub name: String,
    /// `YYYY-MM-DD`, inclusive.
    pub start_date: String,
    pub end_date: String,
    /// Every year on the same days.
    pub recurring: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct StandardRow {
    pub id: i64,
    pub name: String,
    pub metric: String,
    /// JSON of `domain::standards::Scope`.
    pub scope: String,
    pub threshold_minutes: i64,
    pub target_percent: f64,
    pub unacceptable_minutes: Option<i64>,
    pub warn_percent: i64,
    /// None: round the clock.
    pub calendar_id: Option<i64>,
    /// JSON of `domain::standards::Actions`.
    pub actions: String,
    pub active: bool,
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct ClockRow {
    pub id: i64,
    pub case_id: i64,
    pub standard_id: i64,
    pub instance: i32,
    pub metric: String,
    pub state: String,
    pub started_at: i64,
    pub running_since: Option<i64>,
    pub elapsed_ms: i64,
    /// JSON `[[start, end|null], …]`.
    pub pauses: String,
    pub due_at: Option<i64>,
    pub warn_at: Option<i64>,
    pub unacceptable_at: Option<i64>,
    pub target_at: Option<i64>,
    pub fulfilled_at: Option<i64>,
    pub breached_at: Option<i64>,
    pub warning_fired_at: Option<i64>,
    pub breach_fired_at: Option<i64>,
    pub unacceptable_fired_at: Option<i64>,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub updated_at: i64,
}

/// A durable job waiting in the `jobs` table.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct QueuedJob {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub run_at: i64,
    pub payload: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub standard_id: Option<i64>,
    /// JSON details (standard name, clock state…).
    pub detail: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct CharterVersionRow {
    pub version: i64,
    pub vision: String,
    /// JSON snapshot of the standards at publication.
    pub standards: String,
    pub published_by: i64,
    pub published_at: i64,
}
