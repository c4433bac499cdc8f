//! The read models and inputs the use cases speak, one vocabulary for every transport
//! (ADR 0004). The store's rows stay inside `store` and `app`: a transport names
//! `app::model::Case`, never `store::CaseRow`, so a change of schema stops here, and what a
//! transport may read is what the use cases chose to return.
//!
//! Each model lists its fields once; the macro writes the conversion from (or into) the
//! store's row, so the compiler checks that both agree.

/// A read model: a struct and its conversions from and into the store's row (a use case
/// that edits a record reads it, changes the model and writes it back).
macro_rules! from_row {
    ($(#[$m:meta])* $name:ident <- $row:ty { $($(#[$fm:meta])* $f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        pub struct $name { $($(#[$fm])* pub $f: $t,)* }
        impl From<$row> for $name {
            #[inline]
            fn from(r: $row) -> Self {
                Self { $($f: r.$f,)* }
            }
        }
        impl From<$name> for $row {
            #[inline]
            fn from(r: $name) -> Self {
                Self { $($f: r.$f,)* }
            }
        }
    };
}

/// An input: a struct and its conversion into the store's row.
macro_rules! into_row {
    ($(#[$m:meta])* $name:ident -> $row:ty { $($(#[$fm:meta])* $f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        pub struct $name { $($(#[$fm])* pub $f: $t,)* }
        impl From<$name> for $row {
            #[inline]
            fn from(r: $name) -> Self {
                Self { $($f: r.$f,)* }
            }
        }
    };
}

from_row! {
    /// A case as staff see it (every field).
    #[derive(Debug, Clone, PartialEq)]
    Case <- store::CaseRow {
        id: i64,
        subject: String,
        description: String,
        status: String,
        priority: Option<String>,
        kind: String,
        ticket_type: Option<String>,
        channel: String,
        journey_stage: Option<String>,
        requester_id: i64,
        submitter_id: i64,
        received_by_id: Option<i64>,
        assignee_id: Option<i64>,
        team_id: Option<i64>,
        organization_id: Option<i64>,
        category_id: Option<i64>,
        external_id: Option<String>,
        tags: String,
        custom_fields: String,
        due_at: Option<i64>,
        next_due_at: i64,
        received_at: i64,
        created_at: i64,
        updated_at: i64,
        solved_at: Option<i64>,
        closed_at: Option<i64>,
        transfer_count: i64,
        reopen_count: i64,
        merged_into_id: Option<i64>,
        agreed_solution: Option<String>,
        solved_on_the_spot: bool,
        promised_at: Option<i64>,
        follow_up_at: Option<i64>,
        follow_up_done_at: Option<i64>,
        prevention_suggestion: Option<String>,
        root_cause: Option<String>,
        complaint_resolved_at: Option<i64>,
        deleted_at: Option<i64>,
        /// First public, non-automatic agent reply (Zendesk's first reply).
        first_reply_at: Option<i64>,
    }
}

from_row! {
    /// A message of a case (public reply or internal note).
    #[derive(Debug, Clone, PartialEq)]
    Message <- store::MessageRow {
        id: i64,
        case_id: i64,
        author_id: i64,
        public: bool,
        channel: String,
        body: String,
        html_body: String,
        automatic: bool,
        created_at: i64,
    }
}

from_row! {
    /// One entry of a case's immutable event log.
    #[derive(Debug, Clone, PartialEq)]
    Event <- store::EventRow {
        id: i64,
        case_id: i64,
        actor_id: Option<i64>,
        kind: String,
        field: Option<String>,
        old_value: Option<String>,
        new_value: Option<String>,
        created_at: i64,
    }
}

/// A user (customer or staff). The password hash stays in `app`; `has_password` says
/// whether one is set.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
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
    pub has_password: bool,
    pub compensation_limit_cents: i64,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<store::UserRow> for User {
    fn from(r: store::UserRow) -> Self {
        Self {
            has_password: r.password_hash.is_some(),
            id: r.id,
            name: r.name,
            role: r.role,
            locale: r.locale,
            time_zone: r.time_zone,
            organization_id: r.organization_id,
            external_id: r.external_id,
            postal_address: r.postal_address,
            notes: r.notes,
            details: r.details,
            tags: r.tags,
            compensation_limit_cents: r.compensation_limit_cents,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

from_row! {
    /// An email address or phone number of a user.
    #[derive(Debug, Clone, PartialEq)]
    Identity <- store::IdentityRow {
        id: i64,
        user_id: i64,
        kind: String,
        value: String,
        is_primary: bool,
        failing: bool,
        created_at: i64,
        failing_reason: Option<String>,
        failing_at: Option<i64>,
    }
}

from_row! {
    /// An organization.
    #[derive(Debug, Clone, PartialEq)]
    Org <- store::OrgRow {
        id: i64,
        name: String,
        external_id: Option<String>,
        domain_names: String,
        details: Option<String>,
        notes: Option<String>,
        tags: String,
        created_at: i64,
        updated_at: i64,
        /// Its members see one another's cases in the portal (Zendesk's `shared_tickets`).
        shared_tickets: bool,
    }
}

from_row! {
    /// A team (Zendesk's group).
    #[derive(Debug, Clone, PartialEq)]
    Team <- store::TeamRow {
        id: i64,
        name: String,
        description: String,
        is_public: bool,
        deleted: bool,
        created_at: i64,
        updated_at: i64,
    }
}

from_row! {
    /// A category of the tree (without its path).
    #[derive(Debug, Clone, PartialEq)]
    Category <- store::CategoryRow {
        id: i64,
        parent_id: Option<i64>,
        name: String,
        created_at: i64,
        updated_at: i64,
    }
}

from_row! {
    /// A compensation (A8) recorded on a case.
    #[derive(Debug, Clone, PartialEq)]
    Compensation <- store::CompensationRow {
        id: i64,
        case_id: i64,
        kind: String,
        amount_cents: i64,
        currency: String,
        note: String,
        status: String,
        requested_by_id: i64,
        decided_by_id: Option<i64>,
        created_at: i64,
        decided_at: Option<i64>,
    }
}

from_row! {
    /// A link between two cases.
    #[derive(Debug, Clone, PartialEq)]
    Link <- store::LinkRow {
        case_id: i64,
        other_id: i64,
        kind: String,
        created_by: Option<i64>,
        created_at: i64,
    }
}

from_row! {
    /// A bulk job and its results.
    #[derive(Debug, Clone, PartialEq)]
    Job <- store::JobRow {
        id: String,
        user_id: i64,
        job_type: String,
        total: i64,
        status: String,
        results: String,
        created_at: i64,
        updated_at: i64,
    }
}

from_row! {
    /// A stored file, claimed by a message or still an upload.
    #[derive(Debug, Clone, PartialEq)]
    Attachment <- store::AttachmentRow {
        id: i64,
        token: String,
        /// Shared by the files of one upload until a comment claims them.
        upload_token: Option<String>,
        message_id: Option<i64>,
        uploader_id: i64,
        file_name: String,
        content_type: String,
        size: i64,
        sha256: String,
        created_at: i64,
        inline: bool,
        content_id: Option<String>,
    }
}

from_row! {
    /// An API token as its owner or an administrator lists it (never its value or hash).
    #[derive(Debug, Clone, PartialEq)]
    ApiToken <- store::ApiTokenRow {
        id: i64,
        user_id: i64,
        name: String,
        created_at: i64,
        last_used_at: Option<i64>,
        expires_at: Option<i64>,
    }
}

from_row! {
    /// A business-hours calendar as stored (its `intervals` JSON).
    #[derive(Debug, Clone, PartialEq)]
    CalendarRecord <- store::CalendarRow {
        id: i64,
        name: String,
        /// IANA time zone name.
        time_zone: String,
        /// JSON `[[start, end], …]`, minutes since Sunday 00:00 (Zendesk's schedule intervals).
        intervals: String,
        created_at: i64,
        updated_at: i64,
    }
}

from_row! {
    /// A holiday of a calendar.
    #[derive(Debug, Clone, PartialEq)]
    Holiday <- store::HolidayRow {
        id: i64,
        calendar_id: i64,
        name: String,
        /// `YYYY-MM-DD`, inclusive.
        start_date: String,
        end_date: String,
        /// Every year on the same days.
        recurring: bool,
        created_at: i64,
    }
}

from_row! {
    /// A service standard as written by an administrator.
    #[derive(Debug, Clone, PartialEq)]
    Standard <- store::StandardRow {
        id: i64,
        name: String,
        metric: String,
        /// JSON of `domain::standards::Scope`.
        scope: String,
        threshold_minutes: i64,
        target_percent: f64,
        unacceptable_minutes: Option<i64>,
        warn_percent: i64,
        /// None: round the clock.
        calendar_id: Option<i64>,
        /// JSON of `domain::standards::Actions`.
        actions: String,
        active: bool,
        position: i64,
        created_at: i64,
        updated_at: i64,
        deleted_at: Option<i64>,
    }
}

from_row! {
    /// A notification for one user.
    #[derive(Debug, Clone, PartialEq)]
    Notification <- store::NotificationRow {
        id: i64,
        user_id: i64,
        kind: String,
        case_id: Option<i64>,
        standard_id: Option<i64>,
        /// JSON details (standard name, clock state…).
        detail: String,
        created_at: i64,
        read_at: Option<i64>,
    }
}

from_row! {
    /// A published version of the service charter.
    #[derive(Debug, Clone, PartialEq)]
    CharterVersion <- store::CharterVersionRow {
        version: i64,
        vision: String,
        /// JSON snapshot of the standards at publication.
        standards: String,
        published_by: i64,
        published_at: i64,
    }
}

from_row! {
    /// A support mailbox with its IMAP settings and state. `Debug` hides the password.
    #[derive(Clone, PartialEq)]
    Mailbox <- store::MailboxRow {
        id: i64,
        address: String,
        name: String,
        team_id: Option<i64>,
        locale: String,
        imap_host: Option<String>,
        imap_port: Option<i64>,
        /// none | starttls | tls
        imap_security: String,
        imap_user: Option<String>,
        imap_password: Option<String>,
        imap_folder: String,
        imap_poll_seconds: i64,
        imap_uidvalidity: Option<i64>,
        imap_last_uid: i64,
        imap_checked_at: Option<i64>,
        imap_error: Option<String>,
        active: bool,
        created_at: i64,
        updated_at: i64,
    }
}

from_row! {
    /// An email stored with its case message.
    #[derive(Debug, Clone, PartialEq)]
    Email <- store::EmailRow {
        id: i64,
        message_key: String,
        /// in | out
        direction: String,
        case_id: i64,
        message_id: Option<i64>,
        mailbox_id: Option<i64>,
        from_addr: String,
        /// Space separated.
        to_addrs: String,
        subject: String,
        in_reply_to: Option<String>,
        /// Space separated, oldest first.
        refs: Option<String>,
        auto_kind: String,
        auth_results: Option<String>,
        full_text: String,
        html: Option<String>,
        raw_sha256: Option<String>,
        created_at: i64,
    }
}

from_row! {
    /// An email set aside, with its reason.
    #[derive(Debug, Clone, PartialEq)]
    Quarantined <- store::QuarantineRow {
        id: i64,
        mailbox_id: Option<i64>,
        source: String,
        envelope_from: Option<String>,
        envelope_to: Option<String>,
        reason: String,
        detail: Option<String>,
        from_addr: Option<String>,
        subject: Option<String>,
        size: i64,
        created_at: i64,
        resolved_at: Option<i64>,
        resolved_by: Option<i64>,
        resolution: Option<String>,
        case_id: Option<i64>,
    }
}

from_row! {
    /// An outgoing email (final bytes) and its delivery state.
    #[derive(Debug, Clone, PartialEq)]
    OutboxMail <- store::OutboxRow {
        id: i64,
        /// reply | ack | notification
        kind: String,
        case_id: Option<i64>,
        message_id: Option<i64>,
        user_id: Option<i64>,
        mailbox_id: Option<i64>,
        envelope_from: String,
        recipient: String,
        message_key: String,
        raw: Vec<u8>,
        /// queued | sent | failed
        state: String,
        attempts: i64,
        next_attempt_at: i64,
        locked_until: Option<i64>,
        last_error: Option<String>,
        sent_at: Option<i64>,
        created_at: i64,
    }
}

from_row! {
    /// A canned answer.
    #[derive(Debug, Clone, PartialEq)]
    Canned <- store::CannedRow {
        id: i64,
        shortcut: String,
        title: String,
        body: String,
        created_by: Option<i64>,
        created_at: i64,
        updated_at: i64,
    }
}

from_row! {
    /// A ticked step of a case's resolution playbook (A7).
    #[derive(Debug, Clone, PartialEq)]
    PlaybookStep <- store::PlaybookRow {
        case_id: i64,
        step: String,
        done_by: Option<i64>,
        done_at: i64,
    }
}

into_row! {
    /// An organization as written by staff.
    #[derive(Debug, Clone, PartialEq)]
    OrgFields -> store::OrgData {
        name: String,
        external_id: Option<String>,
        domain_names: String,
        details: Option<String>,
        notes: Option<String>,
        tags: String,
        shared_tickets: bool,
    }
}

into_row! {
    /// A mailbox as written by an administrator (the IMAP state is the poller's). `Debug`
    /// hides the password.
    #[derive(Clone, PartialEq, Default)]
    MailboxFields -> store::MailboxData {
        address: String,
        name: String,
        team_id: Option<i64>,
        locale: String,
        imap_host: Option<String>,
        imap_port: Option<i64>,
        imap_security: String,
        imap_user: Option<String>,
        imap_password: Option<String>,
        imap_folder: String,
        imap_poll_seconds: i64,
        active: bool,
    }
}

from_row! {
    /// One instance of a standard's clock on a case.
    #[derive(Debug, Clone, PartialEq)]
    Clock <- store::ClockRow {
        id: i64,
        case_id: i64,
        standard_id: i64,
        instance: i32,
        metric: String,
        state: String,
        started_at: i64,
        running_since: Option<i64>,
        elapsed_ms: i64,
        /// JSON `[[start, end|null], …]`.
        pauses: String,
        due_at: Option<i64>,
        warn_at: Option<i64>,
        unacceptable_at: Option<i64>,
        target_at: Option<i64>,
        fulfilled_at: Option<i64>,
        breached_at: Option<i64>,
        warning_fired_at: Option<i64>,
        breach_fired_at: Option<i64>,
        unacceptable_fired_at: Option<i64>,
        team_id: Option<i64>,
        assignee_id: Option<i64>,
        updated_at: i64,
    }
}

/// How attainment is broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    All,
    Team,
    Agent,
}

impl From<Grouping> for store::Grouping {
    fn from(g: Grouping) -> Self {
        match g {
            Grouping::All => store::Grouping::All,
            Grouping::Team => store::Grouping::Team,
            Grouping::Agent => store::Grouping::Agent,
        }
    }
}

/// A case as its customer sees it: an allow-list of the staff model's fields, made only by
/// [`crate::App::customer_cases`]. A field added to [`Case`] stays internal until it is
/// added here. No tags, custom fields, assignee, team, received_by, kind, journey stage,
/// root cause, prevention, follow-up or due dates; `description` is the first *public*
/// message (a case may begin with an internal note); `hold` reads `open`, as Zendesk shows
/// it to end users.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerCase {
    pub id: i64,
    pub subject: String,
    pub description: String,
    pub status: String,
    pub priority: Option<String>,
    pub ticket_type: Option<String>,
    pub channel: String,
    pub requester_id: i64,
    pub organization_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub received_at: i64,
    pub solved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub merged_into_id: Option<i64>,
    /// The complaint register's part the customer was told (A2).
    pub agreed_solution: Option<String>,
    pub promised_at: Option<i64>,
    pub complaint_resolved_at: Option<i64>,
}

impl CustomerCase {
    pub(crate) fn of(c: &Case, description: String) -> Self {
        let status = if c.status == "hold" {
            "open".to_string()
        } else {
            c.status.clone()
        };
        Self {
            id: c.id,
            subject: c.subject.clone(),
            description,
            status,
            priority: c.priority.clone(),
            ticket_type: c.ticket_type.clone(),
            channel: c.channel.clone(),
            requester_id: c.requester_id,
            organization_id: c.organization_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
            received_at: c.received_at,
            solved_at: c.solved_at,
            closed_at: c.closed_at,
            merged_into_id: c.merged_into_id,
            agreed_solution: c.agreed_solution.clone(),
            promised_at: c.promised_at,
            complaint_resolved_at: c.complaint_resolved_at,
        }
    }
}

impl Case {
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.split_whitespace().map(str::to_string).collect()
    }
}

impl std::fmt::Debug for MailboxFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxFields")
            .field("address", &self.address)
            .field("imap_host", &self.imap_host)
            .field("imap_user", &self.imap_user)
            .field(
                "imap_password",
                &self.imap_password.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("id", &self.id)
            .field("address", &self.address)
            .field("imap_host", &self.imap_host)
            .field("imap_user", &self.imap_user)
            .field(
                "imap_password",
                &self.imap_password.as_ref().map(|_| "[redacted]"),
            )
            .field("imap_last_uid", &self.imap_last_uid)
            .finish_non_exhaustive()
    }
}

/// Paging of a list: offset, or keyset on id for cursor pagination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
    /// Only rows with id greater than this (ascending cursor).
    pub after_id: Option<i64>,
    /// Only rows with id lower than this (descending cursor).
    pub before_id: Option<i64>,
}

impl From<Page> for store::Page {
    fn from(p: Page) -> Self {
        store::Page {
            limit: p.limit,
            offset: p.offset,
            after_id: p.after_id,
            before_id: p.before_id,
        }
    }
}

/// Order of a case list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    #[default]
    Id,
    CreatedAt,
    UpdatedAt,
    Status,
    Priority,
    TicketType,
    /// The next deadline (the inbox's order).
    NextDue,
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

impl From<CaseOrder> for store::CaseSort {
    fn from(o: CaseOrder) -> Self {
        match o {
            CaseOrder::Id => store::CaseSort::Id,
            CaseOrder::CreatedAt => store::CaseSort::CreatedAt,
            CaseOrder::UpdatedAt => store::CaseSort::UpdatedAt,
            CaseOrder::Status => store::CaseSort::Status,
            CaseOrder::Priority => store::CaseSort::Priority,
            CaseOrder::TicketType => store::CaseSort::TicketType,
            CaseOrder::NextDue => store::CaseSort::NextDue,
        }
    }
}

impl From<Direction> for store::SortDir {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Asc => store::SortDir::Asc,
            Direction::Desc => store::SortDir::Desc,
        }
    }
}

/// Converts a list of rows into their models.
pub(crate) fn all<R, M: From<R>>(rows: Vec<R>) -> Vec<M> {
    rows.into_iter().map(M::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailbox_password_never_reaches_a_log_line() {
        let m = MailboxFields {
            address: "support@example.com".into(),
            imap_password: Some("s3cret-imap".into()),
            ..Default::default()
        };
        let shown = format!("{m:?}");
        assert!(!shown.contains("s3cret-imap"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}
