//! Email: mailboxes and their IMAP state, emails tied to case messages, raw originals,
//! the quarantine, the outbox and the templates.

use crate::{Result, Store, Tx, on_read, on_tx};

const MAILBOX_COLS: &str = "id, address, name, team_id, locale, imap_host, imap_port, \
    imap_security, imap_user, imap_password, imap_folder, imap_poll_seconds, imap_uidvalidity, \
    imap_last_uid, imap_checked_at, imap_error, active, created_at, updated_at";
const EMAIL_COLS: &str = "id, message_key, direction, case_id, message_id, mailbox_id, \
    from_addr, to_addrs, subject, in_reply_to, refs, auto_kind, auth_results, full_text, html, \
    raw_sha256, created_at";
const QUARANTINE_COLS: &str = "id, mailbox_id, source, envelope_from, envelope_to, reason, \
    detail, from_addr, subject, size, created_at, resolved_at, resolved_by, resolution, case_id";
const OUTBOX_COLS: &str = "id, kind, case_id, message_id, user_id, mailbox_id, envelope_from, \
    recipient, message_key, raw, state, attempts, next_attempt_at, locked_until, last_error, \
    sent_at, created_at";

#[derive(Clone, sqlx::FromRow, PartialEq)]
pub struct MailboxRow {
    pub id: i64,
    pub address: String,
    pub name: String,
    pub team_id: Option<i64>,
    pub locale: String,
    pub imap_host: Option<String>,
    pub imap_port: Option<i64>,
    /// none | starttls | tls
    pub imap_security: String,
    pub imap_user: Option<String>,
    pub imap_password: Option<String>,
    pub imap_folder: String,
    pub imap_poll_seconds: i64,
    pub imap_uidvalidity: Option<i64>,
    pub imap_last_uid: i64,
    pub imap_checked_at: Option<i64>,
    pub imap_error: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for MailboxRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxRow")
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

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct EmailRow {
    pub id: i64,
    pub message_key: String,
    /// in | out
    pub direction: String,
    pub case_id: i64,
    pub message_id: Option<i64>,
    pub mailbox_id: Option<i64>,
    pub from_addr: String,
    /// Space separated.
    pub to_addrs: String,
    pub subject: String,
    pub in_reply_to: Option<String>,
    /// Space separated, oldest first.
    pub refs: Option<String>,
    pub auto_kind: String,
    pub auth_results: Option<String>,
    pub full_text: String,
    pub html: Option<String>,
    pub raw_sha256: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct QuarantineRow {
    pub id: i64,
    pub mailbox_id: Option<i64>,
    pub source: String,
    pub envelope_from: Option<String>,
    pub envelope_to: Option<String>,
    pub reason: String,
    pub detail: Option<String>,
    pub from_addr: Option<String>,
    pub subject: Option<String>,
    pub size: i64,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<i64>,
    pub resolution: Option<String>,
    pub case_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    /// reply | ack | notification | test
    pub kind: String,
    pub case_id: Option<i64>,
    pub message_id: Option<i64>,
    pub user_id: Option<i64>,
    pub mailbox_id: Option<i64>,
    pub envelope_from: String,
    pub recipient: String,
    pub message_key: String,
    pub raw: Vec<u8>,
    /// queued | sent | failed | not_sent (never queued: `last_error` says why)
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct TemplateRow {
    pub key: String,
    pub locale: String,
    pub subject: String,
    pub body: String,
    pub updated_at: i64,
}

/// A mailbox as written by an admin (IMAP state is the poller's).
#[derive(Debug, Clone, Default)]
pub struct MailboxData {
    pub address: String,
    pub name: String,
    pub team_id: Option<i64>,
    pub locale: String,
    pub imap_host: Option<String>,
    pub imap_port: Option<i64>,
    pub imap_security: String,
    pub imap_user: Option<String>,
    pub imap_password: Option<String>,
    pub imap_folder: String,
    pub imap_poll_seconds: i64,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct NewEmail<'a> {
    pub message_key: &'a str,
    pub direction: &'a str,
    pub case_id: i64,
    pub message_id: Option<i64>,
    pub mailbox_id: Option<i64>,
    pub from_addr: &'a str,
    pub to_addrs: &'a str,
    pub subject: &'a str,
    pub in_reply_to: Option<&'a str>,
    pub refs: Option<&'a str>,
    pub auto_kind: &'a str,
    pub auth_results: Option<&'a str>,
    pub full_text: &'a str,
    pub html: Option<&'a str>,
    pub raw_sha256: Option<&'a str>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewQuarantine<'a> {
    pub mailbox_id: Option<i64>,
    pub source: &'a str,
    pub envelope_from: Option<&'a str>,
    pub envelope_to: Option<&'a str>,
    pub reason: &'a str,
    pub detail: Option<&'a str>,
    pub from_addr: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub size: i64,
    /// Deflated original.
    pub raw: &'a [u8],
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewOutbox<'a> {
    pub kind: &'a str,
    pub case_id: Option<i64>,
    pub message_id: Option<i64>,
    pub user_id: Option<i64>,
    pub mailbox_id: Option<i64>,
    pub envelope_from: &'a str,
    pub recipient: &'a str,
    pub message_key: &'a str,
    pub raw: &'a [u8],
    pub created_at: i64,
}

fn bind_mailbox<'q, DB: sqlx::Database>(
    q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    m: &'q MailboxData,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    q.bind(m.address.clone())
        .bind(m.name.clone())
        .bind(m.team_id)
        .bind(m.locale.clone())
        .bind(m.imap_host.clone())
        .bind(m.imap_port)
        .bind(m.imap_security.clone())
        .bind(m.imap_user.clone())
        .bind(m.imap_password.clone())
        .bind(m.imap_folder.clone())
        .bind(m.imap_poll_seconds)
        .bind(m.active)
}

impl Tx {
    // ---------- mailboxes ----------

    pub async fn insert_mailbox(&mut self, m: &MailboxData, at: i64) -> Result<i64> {
        let sql = "INSERT INTO mailboxes (address, name, team_id, locale, imap_host, imap_port, \
             imap_security, imap_user, imap_password, imap_folder, imap_poll_seconds, active, \
             created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) \
             RETURNING id";
        use sqlx::Row;
        let id: i64 = on_tx!(self, t => bind_mailbox(sqlx::query(sql), m).bind(at)
            .fetch_one(&mut **t).await?.try_get(0)?);
        Ok(id)
    }

    pub async fn update_mailbox(&mut self, id: i64, m: &MailboxData, at: i64) -> Result<()> {
        let sql = "UPDATE mailboxes SET address=$1, name=$2, team_id=$3, locale=$4, imap_host=$5, \
            imap_port=$6, imap_security=$7, imap_user=$8, imap_password=$9, imap_folder=$10, \
            imap_poll_seconds=$11, active=$12, updated_at=$13 WHERE id=$14";
        on_tx!(self, t => bind_mailbox(sqlx::query(sql), m).bind(at).bind(id)
            .execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn delete_mailbox(&mut self, id: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query("DELETE FROM mailboxes WHERE id = $1").bind(id)
            .execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// The poller's bookkeeping: where it is in the folder, and its last error.
    pub async fn set_imap_state(
        &mut self,
        id: i64,
        uidvalidity: Option<i64>,
        last_uid: i64,
        error: Option<&str>,
        at: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "UPDATE mailboxes SET imap_uidvalidity=$1, imap_last_uid=$2, imap_error=$3, imap_checked_at=$4 WHERE id=$5")
            .bind(uidvalidity).bind(last_uid).bind(error).bind(at).bind(id).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    // ---------- emails ----------

    /// Fails with `StoreError::Conflict` when the Message-ID is already stored.
    pub async fn insert_email(&mut self, e: &NewEmail<'_>) -> Result<i64> {
        let sql = "INSERT INTO emails (message_key, direction, case_id, message_id, mailbox_id, \
            from_addr, to_addrs, subject, in_reply_to, refs, auto_kind, auth_results, full_text, \
            html, raw_sha256, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) \
            RETURNING id";
        let id: (i64,) = on_tx!(self, t => sqlx::query_as(sql)
            .bind(e.message_key).bind(e.direction).bind(e.case_id).bind(e.message_id)
            .bind(e.mailbox_id).bind(e.from_addr).bind(e.to_addrs).bind(e.subject)
            .bind(e.in_reply_to).bind(e.refs).bind(e.auto_kind).bind(e.auth_results)
            .bind(e.full_text).bind(e.html).bind(e.raw_sha256).bind(e.created_at)
            .fetch_one(&mut **t).await?);
        Ok(id.0)
    }

    pub async fn put_raw_email(
        &mut self,
        sha256: &str,
        size: i64,
        deflated: &[u8],
        at: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO raw_emails (sha256, size, deflated, created_at) VALUES ($1,$2,$3,$4) \
             ON CONFLICT (sha256) DO NOTHING")
            .bind(sha256).bind(size).bind(deflated).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Raw originals older than `before` are dropped (retention); their emails stay.
    pub async fn purge_raw_emails(&mut self, before: i64) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM raw_emails WHERE created_at < $1")
            .bind(before).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    /// Mark an address as failing (a bounce) on whoever owns it.
    /// Mark an address as refusing our mail (with the server's reason), or as good again.
    pub async fn set_identity_failing(
        &mut self,
        email: &str,
        failing: Option<(&str, i64)>,
    ) -> Result<u64> {
        let (reason, at) = failing.unzip();
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE user_identities SET failing = $1, failing_reason = $2, failing_at = $3              WHERE kind = 'email' AND value = $4")
            .bind(failing.is_some()).bind(reason).bind(at).bind(email)
            .execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    /// Send a failed mail again (an administrator fixed the cause).
    pub async fn retry_outbox(&mut self, id: i64, now: i64) -> Result<bool> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE outbox SET state = 'queued', next_attempt_at = $1, locked_until = NULL              WHERE id = $2 AND state = 'failed'")
            .bind(now).bind(id).execute(&mut **t).await?.rows_affected());
        Ok(n == 1)
    }

    /// A message that could not be queued, recorded with why (`last_error`), so the case and
    /// the API say it was not sent instead of staying silent.
    pub async fn insert_not_sent(&mut self, o: &NewOutbox<'_>, reason: &str) -> Result<i64> {
        let id: (i64,) = on_tx!(self, t => sqlx::query_as(
            "INSERT INTO outbox (kind, case_id, message_id, user_id, mailbox_id, envelope_from,              recipient, message_key, raw, state, last_error, next_attempt_at, created_at)              VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'not_sent',$10,$11,$11) RETURNING id")
            .bind(o.kind).bind(o.case_id).bind(o.message_id).bind(o.user_id).bind(o.mailbox_id)
            .bind(o.envelope_from).bind(o.recipient).bind(o.message_key).bind(o.raw)
            .bind(reason).bind(o.created_at).fetch_one(&mut **t).await?);
        Ok(id.0)
    }

    /// The case's emails in order: (Message-ID key, direction `in`/`out`).
    pub async fn email_threads_of_case(&mut self, case_id: i64) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = on_tx!(self, t => sqlx::query_as(
            "SELECT message_key, direction FROM emails WHERE case_id = $1 ORDER BY id")
            .bind(case_id).fetch_all(&mut **t).await?);
        Ok(rows)
    }

    /// The mailbox the case's mail last came in through.
    pub async fn case_mailbox(&mut self, case_id: i64) -> Result<Option<i64>> {
        let r: Option<(Option<i64>,)> = on_tx!(self, t => sqlx::query_as(
            "SELECT mailbox_id FROM emails WHERE case_id = $1 AND mailbox_id IS NOT NULL ORDER BY id DESC LIMIT 1")
            .bind(case_id).fetch_optional(&mut **t).await?);
        Ok(r.and_then(|r| r.0))
    }

    pub async fn mailboxes_in_tx(&mut self) -> Result<Vec<MailboxRow>> {
        let sql = format!("SELECT {MAILBOX_COLS} FROM mailboxes ORDER BY id");
        let r = on_tx!(self, t => sqlx::query_as::<_, MailboxRow>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(&mut **t).await?);
        Ok(r)
    }

    /// Open cases of a team (or of all) received before `before`: the queue ahead.
    /// Open cases of the same team queue received earlier, counted up to `cap` (the count
    /// walks the team's partial inbox index, so its cost is bounded inside the write).
    pub async fn open_cases_ahead(
        &mut self,
        team_id: Option<i64>,
        before: i64,
        cap: i64,
    ) -> Result<i64> {
        let team = if team_id.is_some() {
            "team_id = $1"
        } else {
            "team_id IS NULL AND $1 IS NULL"
        };
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM cases \
             WHERE status IN ('new', 'open', 'pending', 'hold') AND deleted_at IS NULL \
             AND {team} AND status IN ('new', 'open') AND merged_into_id IS NULL \
             AND received_at < $2 LIMIT $3) ahead"
        );
        // `team` is one of two literals above.
        let r: (i64,) = on_tx!(self, t => sqlx::query_as(sqlx::AssertSqlSafe(&*sql))
            .bind(team_id).bind(before).bind(cap).fetch_one(&mut **t).await?);
        Ok(r.0)
    }

    // ---------- quarantine ----------

    pub async fn insert_quarantine(&mut self, q: &NewQuarantine<'_>) -> Result<i64> {
        let sql = "INSERT INTO quarantine (mailbox_id, source, envelope_from, envelope_to, reason, \
            detail, from_addr, subject, size, raw, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) \
            RETURNING id";
        let id: (i64,) = on_tx!(self, t => sqlx::query_as(sql)
            .bind(q.mailbox_id).bind(q.source).bind(q.envelope_from).bind(q.envelope_to)
            .bind(q.reason).bind(q.detail).bind(q.from_addr).bind(q.subject).bind(q.size)
            .bind(q.raw).bind(q.created_at).fetch_one(&mut **t).await?);
        Ok(id.0)
    }

    pub async fn resolve_quarantine(
        &mut self,
        id: i64,
        by: i64,
        resolution: &str,
        case_id: Option<i64>,
        at: i64,
    ) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE quarantine SET resolved_at=$1, resolved_by=$2, resolution=$3, case_id=$4 \
             WHERE id=$5 AND resolved_at IS NULL")
            .bind(at).bind(by).bind(resolution).bind(case_id).bind(id).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    // ---------- outbox ----------

    pub async fn insert_outbox(&mut self, o: &NewOutbox<'_>) -> Result<i64> {
        let sql = "INSERT INTO outbox (kind, case_id, message_id, user_id, mailbox_id, envelope_from, \
            recipient, message_key, raw, next_attempt_at, created_at) \
            VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id";
        let id: (i64,) = on_tx!(self, t => sqlx::query_as(sql)
            .bind(o.kind).bind(o.case_id).bind(o.message_id).bind(o.user_id).bind(o.mailbox_id)
            .bind(o.envelope_from).bind(o.recipient).bind(o.message_key).bind(o.raw)
            .bind(o.created_at).fetch_one(&mut **t).await?);
        Ok(id.0)
    }

    /// Mails of `kind` queued to `recipient` since `since` (the acknowledgement rate limit).
    pub async fn outbox_count_since(
        &mut self,
        recipient: &str,
        kind: &str,
        since: i64,
    ) -> Result<i64> {
        let r: (i64,) = on_tx!(self, t => sqlx::query_as(
            "SELECT COUNT(*) FROM outbox WHERE recipient = $1 AND kind = $2 AND created_at >= $3")
            .bind(recipient).bind(kind).bind(since).fetch_one(&mut **t).await?);
        Ok(r.0)
    }

    /// Take a due mail for sending until `lease_until`; false when another node has it.
    pub async fn lease_outbox(&mut self, id: i64, now: i64, lease_until: i64) -> Result<bool> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE outbox SET locked_until = $1 WHERE id = $2 AND state = 'queued' \
             AND next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until < $3)")
            .bind(lease_until).bind(id).bind(now).execute(&mut **t).await?.rows_affected());
        Ok(n == 1)
    }

    pub async fn outbox_sent(&mut self, id: i64, at: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "UPDATE outbox SET state='sent', sent_at=$1, attempts = attempts + 1, locked_until=NULL, last_error=NULL WHERE id=$2")
            .bind(at).bind(id).execute(&mut **t).await?.rows_affected());
        // A password link is not kept once delivered: the database holds only its hash.
        on_tx!(self, t => sqlx::query(
            "UPDATE outbox SET raw = $1 WHERE id = $2 AND kind IN ('invitation', 'password_reset')")
            .bind(&b""[..]).bind(id).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// A failed attempt: retry at `next` or give up (`failed`).
    pub async fn outbox_attempt_failed(
        &mut self,
        id: i64,
        error: &str,
        next: Option<i64>,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, locked_until = NULL, \
             state = CASE WHEN $2 IS NULL THEN 'failed' ELSE 'queued' END, \
             next_attempt_at = COALESCE($2, next_attempt_at) WHERE id = $3")
            .bind(error).bind(next).bind(id).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    // ---------- templates ----------

    pub async fn put_template(
        &mut self,
        key: &str,
        locale: &str,
        subject: &str,
        body: &str,
        at: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO email_templates (key, locale, subject, body, updated_at) VALUES ($1,$2,$3,$4,$5) \
             ON CONFLICT (key, locale) DO UPDATE SET subject = EXCLUDED.subject, body = EXCLUDED.body, \
             updated_at = EXCLUDED.updated_at")
            .bind(key).bind(locale).bind(subject).bind(body).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn delete_template(&mut self, key: &str, locale: &str) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM email_templates WHERE key = $1 AND locale = $2")
            .bind(key).bind(locale).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    pub async fn template_in_tx(&mut self, key: &str, locale: &str) -> Result<Option<TemplateRow>> {
        let r = on_tx!(self, t => sqlx::query_as::<_, TemplateRow>(
            "SELECT key, locale, subject, body, updated_at FROM email_templates WHERE key = $1 AND locale = $2")
            .bind(key).bind(locale).fetch_optional(&mut **t).await?);
        Ok(r)
    }
}

impl Store {
    pub async fn mailboxes(&self) -> Result<Vec<MailboxRow>> {
        let sql = format!("SELECT {MAILBOX_COLS} FROM mailboxes ORDER BY id");
        let r = on_read!(self, p => sqlx::query_as::<_, MailboxRow>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(p).await?);
        Ok(r)
    }

    pub async fn mailbox(&self, id: i64) -> Result<Option<MailboxRow>> {
        let sql = format!("SELECT {MAILBOX_COLS} FROM mailboxes WHERE id = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, MailboxRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn email_by_key(&self, key: &str) -> Result<Option<EmailRow>> {
        let sql = format!("SELECT {EMAIL_COLS} FROM emails WHERE message_key = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, EmailRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(key).fetch_optional(p).await?);
        Ok(r)
    }

    /// The first email among `keys` that we know, in the order given.
    pub async fn first_known_email(&self, keys: &[&str]) -> Result<Option<EmailRow>> {
        for k in keys {
            if let Some(e) = self.email_by_key(k).await? {
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    pub async fn emails_of_case(&self, case_id: i64) -> Result<Vec<EmailRow>> {
        let sql = format!("SELECT {EMAIL_COLS} FROM emails WHERE case_id = $1 ORDER BY id");
        let r = on_read!(self, p => sqlx::query_as::<_, EmailRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(case_id).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn raw_email(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let r: Option<(Vec<u8>,)> = on_read!(self, p => sqlx::query_as(
            "SELECT deflated FROM raw_emails WHERE sha256 = $1").bind(sha256).fetch_optional(p).await?);
        Ok(r.map(|r| r.0))
    }

    pub async fn quarantine_list(
        &self,
        include_resolved: bool,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<QuarantineRow>> {
        let sql = format!(
            "SELECT {QUARANTINE_COLS} FROM quarantine WHERE id > $1 AND ($2 OR resolved_at IS NULL) ORDER BY id LIMIT $3"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, QuarantineRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(after_id).bind(include_resolved).bind(limit).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn quarantine_item(&self, id: i64) -> Result<Option<(QuarantineRow, Vec<u8>)>> {
        let sql = format!("SELECT {QUARANTINE_COLS} FROM quarantine WHERE id = $1");
        let row = on_read!(self, p => sqlx::query_as::<_, QuarantineRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id).fetch_optional(p).await?);
        let Some(row) = row else {
            return Ok(None);
        };
        let raw: (Vec<u8>,) = on_read!(self, p => sqlx::query_as("SELECT raw FROM quarantine WHERE id = $1")
            .bind(id).fetch_one(p).await?);
        Ok(Some((row, raw.0)))
    }

    /// Ids of queued mails due by `now` and not leased, oldest first.
    pub async fn due_outbox(&self, now: i64, limit: i64) -> Result<Vec<i64>> {
        let r: Vec<(i64,)> = on_read!(self, p => sqlx::query_as(
            "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= $1 \
             AND (locked_until IS NULL OR locked_until < $1) ORDER BY next_attempt_at, id LIMIT $2")
            .bind(now).bind(limit).fetch_all(p).await?);
        Ok(r.into_iter().map(|r| r.0).collect())
    }

    pub async fn outbox_item(&self, id: i64) -> Result<Option<OutboxRow>> {
        let sql = format!("SELECT {OUTBOX_COLS} FROM outbox WHERE id = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, OutboxRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    /// The mailbox the case's mail last came in through (read side).
    pub async fn case_mailbox_id(&self, case_id: i64) -> Result<Option<i64>> {
        let r: Option<(Option<i64>,)> = on_read!(self, p => sqlx::query_as(
            "SELECT mailbox_id FROM emails WHERE case_id = $1 AND mailbox_id IS NOT NULL ORDER BY id DESC LIMIT 1")
            .bind(case_id).fetch_optional(p).await?);
        Ok(r.and_then(|r| r.0))
    }

    pub async fn outbox_of_case(&self, case_id: i64) -> Result<Vec<OutboxRow>> {
        let sql = format!("SELECT {OUTBOX_COLS} FROM outbox WHERE case_id = $1 ORDER BY id");
        let r = on_read!(self, p => sqlx::query_as::<_, OutboxRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(case_id).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn outbox_list(
        &self,
        state: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let sql = format!(
            "SELECT {OUTBOX_COLS} FROM outbox WHERE id > $1 AND ($2 IS NULL OR state = $2) ORDER BY id LIMIT $3"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, OutboxRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(after_id).bind(state).bind(limit).fetch_all(p).await?);
        Ok(r)
    }

    /// How many mails each state holds (the email admin page's counts).
    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>> {
        let r: Vec<(String, i64)> = on_read!(self, p => sqlx::query_as(
            "SELECT state, COUNT(*) FROM outbox GROUP BY state")
            .fetch_all(p).await?);
        Ok(r)
    }

    /// The latest mails, newest first (the outbox page), optionally of one state.
    pub async fn outbox_recent(&self, state: Option<&str>, limit: i64) -> Result<Vec<OutboxRow>> {
        let sql = format!(
            "SELECT {OUTBOX_COLS} FROM outbox WHERE ($1 IS NULL OR state = $1) ORDER BY id DESC LIMIT $2"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, OutboxRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(state).bind(limit).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn templates(&self) -> Result<Vec<TemplateRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, TemplateRow>(
            "SELECT key, locale, subject, body, updated_at FROM email_templates ORDER BY key, locale")
            .fetch_all(p).await?);
        Ok(r)
    }

    pub async fn template(&self, key: &str, locale: &str) -> Result<Option<TemplateRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, TemplateRow>(
            "SELECT key, locale, subject, body, updated_at FROM email_templates WHERE key = $1 AND locale = $2")
            .bind(key).bind(locale).fetch_optional(p).await?);
        Ok(r)
    }
}
