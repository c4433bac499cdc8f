//! The email channel's use cases. `ingest_email` is the one function every inbound
//! transport calls (IMAP poller, LMTP/SMTP listener, quarantine re-processing): parse,
//! refuse loops, drop duplicates, thread, then write through the same `create_case` /
//! `update_case` path as every other channel, with the email record, the compressed
//! original and the attachments in the same transaction. Outbound mail (agent replies,
//! acknowledgements, agent notifications) is rendered from templates and queued in the
//! `outbox` in the transaction of the change that causes it; `mailnet` sends it.

use crate::model;
use crate::cases::{CommentInput, NewCase};
use crate::{Actor, App, AppError, Result};
use domain::{Channel, EmailAddress, Locale, Role};
use mail::{AutoKind, Inbound, Limits};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;
use store::{
    CaseRow, MailboxData, MailboxRow, MessageRow, NewAttachment, NewEmail, NewOutbox,
    NewQuarantine, StoreError, Tx,
};

/// Email settings of the application.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// Right-hand side of our Message-IDs.
    pub domain: String,
    pub max_message_bytes: usize,
    /// Raw originals are kept this many days (0 = forever).
    pub raw_retention_days: i64,
    /// At most this many acknowledgements per sender address per hour (loop guard).
    pub acks_per_hour: i64,
    /// Outbound attempts before a mail is marked failed.
    pub max_attempts: i64,
    /// The authserv-id our receiving MTA writes in `Authentication-Results` (RFC 8601).
    /// Mail from a staff address counts as that agent's only with a DMARC (or aligned DKIM)
    /// pass under this id; empty: no staff mail is trusted.
    pub authserv_id: String,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            domain: "guichet.invalid".into(),
            max_message_bytes: 40 * 1024 * 1024,
            raw_retention_days: 90,
            acks_per_hour: 3,
            max_attempts: 10,
            authserv_id: String::new(),
        }
    }
}

pub use mail::auth::Verdict as AuthVerdict;

/// The DKIM/SPF/DMARC verdict the receiving MTA recorded on a stored email, if any.
pub fn auth_verdict(auth_results: Option<&str>) -> Option<AuthVerdict> {
    auth_results.map(mail::auth::verdict)
}

/// Where an inbound message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Imap,
    Lmtp,
    Reprocess,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Imap => "imap",
            Source::Lmtp => "lmtp",
            Source::Reprocess => "reprocess",
        }
    }
}

/// One delivery of raw bytes to Guichet.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub raw: &'a [u8],
    /// Known for IMAP (the polled mailbox).
    pub mailbox_id: Option<i64>,
    /// The envelope recipient (LMTP `RCPT TO`), with its plus detail.
    pub rcpt: Option<&'a str>,
    pub mail_from: Option<&'a str>,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    Created {
        case_id: i64,
    },
    Appended {
        case_id: i64,
    },
    /// The Message-ID was already stored: nothing written.
    Duplicate {
        case_id: i64,
    },
    Quarantined {
        id: i64,
        reason: String,
    },
}

/// What the case write needs to record the email in its own transaction.
#[derive(Debug)]
pub struct InboundMail {
    pub(crate) parsed: Inbound,
    pub(crate) mailbox_id: Option<i64>,
    pub(crate) raw_sha256: String,
    pub(crate) raw_size: i64,
    pub(crate) deflated: Vec<u8>,
    /// Sanitised HTML of the whole message.
    pub(crate) html: Option<String>,
    pub(crate) send_ack: bool,
    /// From a staff address without our MTA's proof: kept as an internal note, flagged.
    pub(crate) unverified_staff: bool,
}

impl InboundMail {
    pub(crate) fn automatic(&self) -> bool {
        self.parsed.auto != AutoKind::None
    }
}

pub(crate) fn deflate(raw: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(raw);
    e.finish().unwrap_or_default()
}

pub fn inflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut d = flate2::write::DeflateDecoder::new(Vec::new());
    d.write_all(data)
        .and_then(|_| d.finish())
        .map_err(|e| AppError::Internal(format!("inflate: {e}")))
}

enum Thread {
    Case(Box<CaseRow>),
    New,
}

impl App {
    fn mail_limits(&self) -> Limits {
        Limits {
            max_message_bytes: self.config.mail.max_message_bytes,
            max_attachment_bytes: self.config.max_attachment_bytes,
        }
    }

    /// The single entry point of inbound mail.
    pub async fn ingest_email(&self, d: Delivery<'_>) -> Result<Ingested> {
        let mailboxes = self.store.mailboxes().await?;
        let mailbox = match (d.mailbox_id, d.rcpt) {
            (Some(id), _) => mailboxes.iter().find(|m| m.id == id),
            (None, Some(r)) => {
                let base = mail::thread::base_address(r);
                mailboxes.iter().find(|m| m.address == base)
            }
            (None, None) => None,
        };
        let Some(mailbox) = mailbox else {
            return self
                .quarantine(
                    &d,
                    None,
                    "unknown-recipient",
                    d.rcpt.map(str::to_string),
                    None,
                )
                .await;
        };
        let parsed = match mail::parse(d.raw, &self.mail_limits()) {
            Ok(p) => p,
            Err(e) => {
                return self
                    .quarantine(&d, Some(mailbox.id), e.code(), None, None)
                    .await;
            }
        };
        if let Err(e) = EmailAddress::parse(&parsed.from) {
            // mail-parser takes what a header holds; a customer needs an address we can
            // answer. Found by the fuzzer: without this the message failed (IMAP stuck on
            // it, LMTP answering 451 for ever).
            return self
                .quarantine(
                    &d,
                    Some(mailbox.id),
                    "bad-sender",
                    Some(format!("{}: {e}", parsed.from)),
                    Some(&parsed),
                )
                .await;
        }
        let domain = self.config.mail.domain.clone();
        let own_address = mailboxes
            .iter()
            .any(|m| m.address == mail::thread::base_address(&parsed.from));
        if own_address || mail::thread::is_ours(&parsed.message_id, &domain) {
            let why = if own_address {
                format!("sent from our own address {}", parsed.from)
            } else {
                format!("our own Message-ID {} came back", parsed.message_id)
            };
            return self
                .quarantine(&d, Some(mailbox.id), "loop", Some(why), Some(&parsed))
                .await;
        }
        if let Some(e) = self.store.email_by_key(&parsed.message_id).await? {
            return Ok(Ingested::Duplicate { case_id: e.case_id });
        }
        let sender = self.store.user_by_identity("email", &parsed.from).await?;
        let sender_staff = sender
            .as_ref()
            .is_some_and(|u| u.role.parse::<Role>().is_ok_and(|r| r.is_staff()));
        // Anyone can write a staff address in `From:` (and their own Authentication-Results):
        // only our MTA's verdict makes it the agent's reply; otherwise an internal note.
        let unverified_staff = sender_staff
            && !mail::auth::sender_verified(
                &parsed.all_authentication_results,
                &self.config.mail.authserv_id,
                &parsed.from,
            );
        let thread = self
            .find_thread(&parsed, d.rcpt, sender.as_ref().map(|u| u.id), sender_staff)
            .await?;
        if parsed.auto == AutoKind::Bounce && matches!(thread, Thread::New) {
            self.mark_bounced(&parsed).await?;
            return self
                .quarantine(
                    &d,
                    Some(mailbox.id),
                    "unmatched-bounce",
                    None,
                    Some(&parsed),
                )
                .await;
        }

        let raw_sha256 = hex::encode(Sha256::digest(d.raw));
        let html = parsed.html.as_deref().map(crate::html::sanitize);
        let body = if parsed.display_text.trim().is_empty() {
            // Attachment-only mail still makes a message.
            format!("({})", parsed.subject)
        } else {
            parsed.display_text.clone()
        };
        let send_ack = parsed.auto == AutoKind::None && !sender_staff;
        let inbound = Arc::new(InboundMail {
            mailbox_id: Some(mailbox.id),
            raw_size: d.raw.len() as i64,
            deflated: deflate(d.raw),
            raw_sha256,
            html,
            send_ack,
            unverified_staff,
            parsed,
        });
        let p = &inbound.parsed;
        let sender_id = match &sender {
            Some(u) => u.id,
            None => {
                self.ensure_customer(&p.from, p.from_name.as_deref(), &mailbox.locale)
                    .await?
            }
        };
        let actor = Actor {
            user_id: sender_id,
            role: sender
                .as_ref()
                .and_then(|u| u.role.parse().ok())
                .unwrap_or(Role::EndUser),
            name: p.from_name.clone().unwrap_or_default(),
        };
        let comment = CommentInput {
            body: body.clone(),
            html_body: None,
            public: Some(!unverified_staff),
            author_id: Some(sender_id),
            uploads: vec![],
            inbound: Some(inbound.clone()),
        };
        let result = match thread {
            Thread::Case(c) if c.status != "closed" => self
                .update_case(
                    &actor,
                    c.id,
                    crate::cases::CaseChanges {
                        comment: Some(comment),
                        ..Default::default()
                    },
                )
                .await
                .map(|o| Ingested::Appended { case_id: o.case.id }),
            _ => {
                let new = NewCase {
                    subject: Some(if p.subject.trim().is_empty() {
                        body.lines().next().unwrap_or("").chars().take(80).collect()
                    } else {
                        mail::thread::clean_subject(&p.subject)
                    }),
                    comment: Some(comment),
                    channel: Some(Channel::Email),
                    team_id: mailbox.team_id,
                    ..Default::default()
                };
                self.create_case(&actor, new, None)
                    .await
                    .map(|o| Ingested::Created { case_id: o.case.id })
            }
        };
        match result {
            Err(AppError::Conflict(f)) if f.field == "message_id" => {
                let e = self.store.email_by_key(&inbound.parsed.message_id).await?;
                Ok(Ingested::Duplicate {
                    case_id: e.map(|e| e.case_id).unwrap_or_default(),
                })
            }
            Err(AppError::Store(crate::StorageError(StoreError::Db(e)))) if e.as_database_error().is_some() => {
                // The database refused this message's data (not an outage, which stays a
                // temporary failure for the sender to retry): quarantine it with its bytes
                // rather than answer 451 for ever.
                tracing::warn!(error = %e, "inbound email refused by the database");
                self.quarantine(
                    &d,
                    Some(mailbox.id),
                    "unstorable",
                    Some(e.to_string()),
                    Some(&inbound.parsed),
                )
                .await
            }
            Err(AppError::Invalid(errs)) => {
                let detail = errs
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.code))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.quarantine(
                    &d,
                    Some(mailbox.id),
                    "rejected",
                    Some(detail),
                    Some(&inbound.parsed),
                )
                .await
            }
            r => r,
        }
    }

    /// A message too large to take: its headers are kept in quarantine, with its size.
    pub async fn quarantine_oversized(
        &self,
        mailbox_id: Option<i64>,
        header: &[u8],
        size: usize,
        source: Source,
    ) -> Result<Ingested> {
        let parsed = mail::parse(header, &Limits::default()).ok();
        let d = Delivery {
            raw: header,
            mailbox_id,
            rcpt: None,
            mail_from: None,
            source,
        };
        self.quarantine(
            &d,
            mailbox_id,
            "too-large",
            Some(format!("{size} bytes; only the header is kept")),
            parsed.as_ref(),
        )
        .await
    }

    /// Threading precedence: a Message-ID we stored (one we sent, or one we received) in
    /// In-Reply-To/References → plus address → `[#N]` in the subject → new case. An id
    /// that merely looks like ours (`gc{N}-…@domain`) proves nothing: anyone can write
    /// one, so only the stored ones count. Plus address and subject tag are easy to
    /// forge, so they count only for the requester or staff.
    async fn find_thread(
        &self,
        p: &Inbound,
        rcpt: Option<&str>,
        sender_id: Option<i64>,
        sender_staff: bool,
    ) -> Result<Thread> {
        let parents = p.parent_ids();
        if let Some(e) = self.store.first_known_email(&parents).await?
            && let Some(c) = self.live_case(e.case_id).await?
        {
            return Ok(Thread::Case(Box::new(c)));
        }
        let trusted = |c: &CaseRow| sender_staff || Some(c.requester_id) == sender_id;
        let plus = rcpt.and_then(mail::thread::plus_case).or_else(|| {
            p.to.iter()
                .chain(p.cc.iter())
                .find_map(|a| mail::thread::plus_case(a))
        });
        for n in [plus, mail::thread::subject_case(&p.subject)]
            .into_iter()
            .flatten()
        {
            if let Some(c) = self.live_case(n).await?
                && trusted(&c)
            {
                return Ok(Thread::Case(Box::new(c)));
            }
        }
        Ok(Thread::New)
    }

    /// The case, following merges; None when unknown or deleted.
    async fn live_case(&self, id: i64) -> Result<Option<CaseRow>> {
        let mut id = id;
        for _ in 0..8 {
            match self.store.case(id).await? {
                Some(c) if c.deleted_at.is_some() => return Ok(None),
                Some(c) => match c.merged_into_id {
                    Some(m) => id = m,
                    None => return Ok(Some(c)),
                },
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    async fn ensure_customer(&self, email: &str, name: Option<&str>, locale: &str) -> Result<i64> {
        let email = EmailAddress::parse(email)
            .map_err(|e| AppError::invalid("from", "email-invalid", e.to_string()))?;
        let locale: Option<Locale> = Locale::parse(locale).ok();
        let mut tx = self.store.begin().await?;
        let id = self
            .find_or_create_customer(&mut tx, &email, name, locale)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn mark_bounced(&self, p: &Inbound) -> Result<()> {
        let Some(b) = &p.bounce else {
            return Ok(());
        };
        let mut tx = self.store.begin().await?;
        for a in &b.failed {
            tx.set_identity_failing(a, true).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn quarantine(
        &self,
        d: &Delivery<'_>,
        mailbox_id: Option<i64>,
        reason: &str,
        detail: Option<String>,
        parsed: Option<&Inbound>,
    ) -> Result<Ingested> {
        let now = self.now_ms();
        let deflated = deflate(d.raw);
        // Whatever made the message unusable must not make its quarantine row unstorable.
        let clean = |s: Option<&str>| s.map(|s| domain::strip_forbidden_controls(s).into_owned());
        let (envelope_from, envelope_to) = (clean(d.mail_from), clean(d.rcpt));
        let detail = clean(detail.as_deref());
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_quarantine(&NewQuarantine {
                mailbox_id,
                source: d.source.as_str(),
                envelope_from: envelope_from.as_deref(),
                envelope_to: envelope_to.as_deref(),
                reason,
                detail: detail.as_deref(),
                from_addr: parsed.map(|p| p.from.as_str()),
                subject: parsed.map(|p| p.subject.as_str()),
                size: d.raw.len() as i64,
                raw: &deflated,
                created_at: now,
            })
            .await?;
        tx.commit().await?;
        tracing::info!(id, reason, "email quarantined");
        Ok(Ingested::Quarantined {
            id,
            reason: reason.to_string(),
        })
    }

    /// Called by the case write, in its transaction, right after the message row.
    pub(crate) async fn write_inbound(
        &self,
        tx: &mut Tx,
        case: &CaseRow,
        m: &MessageRow,
        inb: &InboundMail,
        now: i64,
    ) -> Result<Vec<store::AttachmentRow>> {
        let p = &inb.parsed;
        tx.put_raw_email(&inb.raw_sha256, inb.raw_size, &inb.deflated, now)
            .await?;
        let to =
            p.to.iter()
                .chain(p.cc.iter())
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
        let refs = p.references.join(" ");
        tx.insert_email(&NewEmail {
            message_key: &p.message_id,
            direction: "in",
            case_id: case.id,
            message_id: Some(m.id),
            mailbox_id: inb.mailbox_id,
            from_addr: &p.from,
            to_addrs: &to,
            subject: &p.subject,
            in_reply_to: p.in_reply_to.first().map(String::as_str),
            refs: (!refs.is_empty()).then_some(refs.as_str()),
            auto_kind: p.auto.as_str(),
            auth_results: p.authentication_results.as_deref(),
            full_text: &p.text,
            html: inb.html.as_deref(),
            raw_sha256: Some(&inb.raw_sha256),
            created_at: now,
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict(crate::FieldError::new(
                "message_id",
                "duplicate",
                p.message_id.clone(),
            )),
            e => e.into(),
        })?;
        if let Some(b) = &p.bounce {
            for a in &b.failed {
                tx.set_identity_failing(a, true).await?;
            }
        }
        if inb.unverified_staff {
            tx.insert_events(
                case.id,
                None,
                now,
                &[store::NewEvent {
                    kind: "email_unverified",
                    field: None,
                    old_value: None,
                    new_value: Some(p.from.clone()),
                }],
            )
            .await?;
        }
        let upload_token = format!("mail-{}", m.id);
        for a in p.attachments.iter().filter(|a| !a.too_large) {
            let sha = hex::encode(Sha256::digest(&a.data));
            tx.put_blob(&sha, &a.data, now).await?;
            let name =
                crate::attachments::clean_file_name(&a.name).unwrap_or_else(|| "attachment".into());
            let token = crate::auth::new_token();
            tx.insert_attachment(
                &NewAttachment {
                    token: &token,
                    upload_token: &upload_token,
                    uploader_id: m.author_id,
                    file_name: &name,
                    content_type: &a.content_type,
                    sha256: &sha,
                    created_at: now,
                },
                a.data.len() as i64,
            )
            .await?;
        }
        tx.claim_uploads(&upload_token, m.author_id, m.id).await?;
        Ok(tx.message_attachments(m.id).await?)
    }

    // ---------- outbound ----------

    /// The mailbox a case's mail goes out through: the one it came in by, else its
    /// team's, else the first active one.
    async fn outbound_mailbox(&self, tx: &mut Tx, case: &CaseRow) -> Result<Option<MailboxRow>> {
        let boxes = tx.mailboxes_in_tx().await?;
        let via = tx.case_mailbox(case.id).await?;
        Ok(via
            .and_then(|id| boxes.iter().find(|b| b.id == id))
            .or_else(|| {
                boxes
                    .iter()
                    .find(|b| b.active && b.team_id.is_some() && b.team_id == case.team_id)
            })
            .or_else(|| boxes.iter().find(|b| b.active))
            .cloned())
    }

    /// The customer's address we may write to (primary first, never a failing one).
    async fn reachable_email(&self, tx: &mut Tx, user_id: i64) -> Result<Option<String>> {
        Ok(tx
            .identities_in_tx(user_id)
            .await?
            .into_iter()
            .find(|i| i.kind == "email" && !i.failing)
            .map(|i| i.value))
    }

    /// Queue a public staff message of a case to its requester (in the writing tx).
    pub(crate) async fn queue_reply(
        &self,
        tx: &mut Tx,
        case: &CaseRow,
        m: &MessageRow,
        attachments: &[store::AttachmentRow],
        now: i64,
    ) -> Result<()> {
        let Some(mailbox) = self.outbound_mailbox(tx, case).await? else {
            return Ok(());
        };
        let Some(requester) = tx.user_in_tx(case.requester_id).await? else {
            return Ok(());
        };
        let Some(to) = self.reachable_email(tx, requester.id).await? else {
            return Ok(());
        };
        if mailbox.address == mail::thread::base_address(&to) {
            return Ok(());
        }
        let agent = tx.user_in_tx(m.author_id).await?;
        let locale = locale_of(&requester.locale, &mailbox.locale);
        let vars = minijinja::context! {
            case_id => case.id,
            subject => case.subject,
            body => m.body,
            customer_name => requester.name,
            agent_name => agent.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
            mailbox_name => mailbox.name,
        };
        let (subject, text) = self.render_template(tx, "reply", locale, vars).await?;
        let mut files = Vec::new();
        for a in attachments {
            if let Some(data) = self.store.blob(&a.sha256).await? {
                files.push((a.file_name.clone(), a.content_type.clone(), data));
            }
        }
        let key = mail::thread::message_id(
            &self.config.mail.domain,
            case.id,
            m.id,
            &crate::auth::new_token()[..12],
        );
        self.queue_mail(
            tx,
            QueueMail {
                kind: "reply",
                case,
                message_id: Some(m.id),
                user_id: Some(requester.id),
                mailbox: &mailbox,
                to: &to,
                to_name: Some(requester.name.clone()),
                key,
                subject,
                text,
                auto: None,
                locale,
                files,
            },
            now,
        )
        .await
    }

    /// Tell a customer their case is received and when to expect an answer (seed 001).
    pub(crate) async fn queue_ack(
        &self,
        tx: &mut Tx,
        case: &CaseRow,
        inb: &InboundMail,
        now: i64,
    ) -> Result<()> {
        let p = &inb.parsed;
        if !inb.send_ack || p.null_return_path {
            return Ok(());
        }
        let Some(mailbox) = self.outbound_mailbox(tx, case).await? else {
            return Ok(());
        };
        let recent = tx
            .outbox_count_since(&p.from, "ack", now - 3_600_000)
            .await?;
        if recent >= self.config.mail.acks_per_hour {
            return Ok(());
        }
        let Some(requester) = tx.user_in_tx(case.requester_id).await? else {
            return Ok(());
        };
        let locale = locale_of(&requester.locale, &mailbox.locale);
        // The applicable first-response promise, and how many cases are ahead.
        let due = tx
            .clocks_of_case_in_tx(case.id)
            .await?
            .into_iter()
            .filter(|c| c.metric == "first_response")
            .filter_map(|c| c.due_at)
            .min();
        let ahead = tx
            .open_cases_ahead(case.team_id, case.received_at, 1000)
            .await?;
        let tz = requester.time_zone.clone();
        let expected = due.map(|ms| format_local(ms, &tz, locale));
        let vars = minijinja::context! {
            case_id => case.id,
            subject => case.subject,
            customer_name => requester.name,
            mailbox_name => mailbox.name,
            expected => expected,
            ahead => ahead,
        };
        let (subject, text) = self.render_template(tx, "ack", locale, vars).await?;
        let key = mail::thread::notice_id(
            &self.config.mail.domain,
            Some(case.id),
            "ack",
            &crate::auth::new_token()[..12],
        );
        self.queue_mail(
            tx,
            QueueMail {
                kind: "ack",
                case,
                message_id: None,
                user_id: Some(requester.id),
                mailbox: &mailbox,
                to: &p.from,
                to_name: p.from_name.clone(),
                key,
                subject,
                text,
                auto: Some("auto-replied"),
                locale,
                files: vec![],
            },
            now,
        )
        .await
    }

    /// Email an agent about a case: assignment, or a standard's warning/breach.
    pub(crate) async fn queue_agent_notice(
        &self,
        tx: &mut Tx,
        user_ids: &[i64],
        kind: &str,
        case: &CaseRow,
        standard: Option<&str>,
        now: i64,
    ) -> Result<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let Some(mailbox) = self.outbound_mailbox(tx, case).await? else {
            return Ok(());
        };
        for &uid in user_ids {
            let Some(user) = tx.user_in_tx(uid).await? else {
                continue;
            };
            if !user.active {
                continue;
            }
            let Some(to) = self.reachable_email(tx, uid).await? else {
                continue;
            };
            let locale = locale_of(&user.locale, &mailbox.locale);
            let vars = minijinja::context! {
                kind => kind,
                case_id => case.id,
                subject => case.subject,
                agent_name => user.name,
                standard => standard,
                priority => case.priority,
            };
            let (subject, text) = self
                .render_template(tx, "notification", locale, vars)
                .await?;
            let key = mail::thread::notice_id(
                &self.config.mail.domain,
                Some(case.id),
                &format!("n{uid}"),
                &crate::auth::new_token()[..12],
            );
            self.queue_mail(
                tx,
                QueueMail {
                    kind: "notification",
                    case,
                    message_id: None,
                    user_id: Some(uid),
                    mailbox: &mailbox,
                    to: &to,
                    to_name: Some(user.name.clone()),
                    key,
                    subject,
                    text,
                    auto: Some("auto-generated"),
                    locale,
                    files: vec![],
                },
                now,
            )
            .await?;
        }
        Ok(())
    }

    async fn queue_mail(&self, tx: &mut Tx, q: QueueMail<'_>, now: i64) -> Result<()> {
        let thread = tx.email_threads_of_case(q.case.id).await?;
        let in_reply_to: Vec<String> = thread.last().cloned().into_iter().collect();
        let (local, dom) = q
            .mailbox
            .address
            .rsplit_once('@')
            .unwrap_or((q.mailbox.address.as_str(), ""));
        let reply_to = format!("{local}+c{}@{dom}", q.case.id);
        let out = mail::Outgoing {
            from_name: q.mailbox.name.clone(),
            from: q.mailbox.address.clone(),
            to: vec![(q.to_name, q.to.to_string())],
            reply_to: Some(reply_to),
            subject: q.subject.clone(),
            text: q.text.clone(),
            html: None,
            message_id: q.key.clone(),
            in_reply_to,
            references: thread,
            auto_submitted: q.auto,
            date: now / 1000,
            language: Some(q.locale.to_string()),
            attachments: q.files,
        };
        let raw = mail::build(&out);
        tx.insert_outbox(&NewOutbox {
            kind: q.kind,
            case_id: Some(q.case.id),
            message_id: q.message_id,
            user_id: q.user_id,
            mailbox_id: Some(q.mailbox.id),
            envelope_from: &q.mailbox.address,
            recipient: q.to,
            message_key: &q.key,
            raw: &raw,
            created_at: now,
        })
        .await?;
        // Customers' mail joins the case's thread so their replies come back to it.
        if q.kind != "notification" {
            tx.insert_email(&NewEmail {
                message_key: &q.key,
                direction: "out",
                case_id: q.case.id,
                message_id: q.message_id,
                mailbox_id: Some(q.mailbox.id),
                from_addr: &q.mailbox.address,
                to_addrs: q.to,
                subject: &q.subject,
                in_reply_to: out.in_reply_to.first().map(String::as_str),
                refs: None,
                auto_kind: if q.auto.is_some() {
                    "auto-reply"
                } else {
                    "none"
                },
                auth_results: None,
                full_text: &q.text,
                html: None,
                raw_sha256: None,
                created_at: now,
            })
            .await?;
        }
        Ok(())
    }

    // ---------- the sender's side (called by mailnet) ----------

    /// Lease a due outbox mail for sending; None when another sender took it.
    pub async fn lease_outbox(&self, id: i64) -> Result<Option<model::OutboxMail>> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let ok = tx.lease_outbox(id, now, now + 120_000).await?;
        tx.commit().await?;
        if !ok {
            return Ok(None);
        }
        Ok(self.store.outbox_item(id).await?.map(Into::into))
    }

    pub async fn due_outbox(&self, limit: i64) -> Result<Vec<i64>> {
        Ok(self.store.due_outbox(self.now_ms(), limit).await?)
    }

    /// Record a send attempt. A temporary failure retries with exponential backoff
    /// (30 s, 1 min, 2 min … capped at 6 h); a permanent one, or too many, gives up.
    pub async fn outbox_result(
        &self,
        row: &model::OutboxMail,
        result: std::result::Result<(), (bool, String)>,
    ) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        match result {
            Ok(()) => tx.outbox_sent(row.id, now).await?,
            Err((permanent, msg)) => {
                let attempts = row.attempts + 1;
                let next = (!permanent && attempts < self.config.mail.max_attempts).then(|| {
                    let backoff = 30_000i64
                        .saturating_mul(1 << attempts.min(20))
                        .min(6 * 3_600_000);
                    now + backoff / 2
                });
                tx.outbox_attempt_failed(row.id, &msg, next).await?;
                if permanent && row.kind != "notification" {
                    // The customer's address does not take our mail.
                    tx.set_identity_failing(&row.recipient, true).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drop raw originals past the retention period.
    pub async fn purge_raw_emails(&self) -> Result<u64> {
        let days = self.config.mail.raw_retention_days;
        if days <= 0 {
            return Ok(0);
        }
        let mut tx = self.store.begin().await?;
        let n = tx
            .purge_raw_emails(self.now_ms() - days * 86_400_000)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    // ---------- admin: mailboxes, quarantine, outbox, originals ----------

    pub async fn list_mailboxes(&self, actor: &Actor) -> Result<Vec<model::Mailbox>> {
        actor.require_admin()?;
        Ok(crate::model::all(self.store.mailboxes().await?))
    }

    pub async fn get_mailbox(&self, actor: &Actor, id: i64) -> Result<model::Mailbox> {
        actor.require_admin()?;
        (self.store
            .mailbox(id)
            .await?
            .ok_or(AppError::NotFound("mailbox"))).map(Into::into)
    }

    fn check_mailbox(m: &mut model::MailboxFields) -> Result<()> {
        let mut errs = Vec::new();
        match EmailAddress::parse(&m.address) {
            Ok(a) => {
                m.address = a.as_str().to_string();
                if m.address.split('@').next().unwrap_or("").contains('+') {
                    errs.push(crate::FieldError::new(
                        "mailbox.address",
                        "invalid",
                        "no plus detail in a mailbox address",
                    ));
                }
            }
            Err(e) => errs.push(crate::FieldError::new(
                "mailbox.address",
                "email-invalid",
                e.to_string(),
            )),
        }
        if m.name.trim().is_empty() {
            errs.push(crate::FieldError::new(
                "mailbox.name",
                "required",
                "a display name",
            ));
        }
        if !matches!(m.locale.as_str(), "fr" | "en") {
            errs.push(crate::FieldError::new(
                "mailbox.locale",
                "invalid-value",
                "fr or en",
            ));
        }
        if !matches!(m.imap_security.as_str(), "none" | "starttls" | "tls") {
            errs.push(crate::FieldError::new(
                "mailbox.imap.security",
                "invalid-value",
                "none, starttls or tls",
            ));
        }
        if let Some(p) = m.imap_port
            && !(1..=65535).contains(&p)
        {
            errs.push(crate::FieldError::new(
                "mailbox.imap.port",
                "invalid-value",
                "1 to 65535",
            ));
        }
        if m.imap_host.is_some() && (m.imap_user.is_none() || m.imap_password.is_none()) {
            errs.push(crate::FieldError::new(
                "mailbox.imap.user",
                "required",
                "user and password with a host",
            ));
        }
        if !(5..=86_400).contains(&m.imap_poll_seconds) {
            errs.push(crate::FieldError::new(
                "mailbox.imap.poll_seconds",
                "invalid-value",
                "5 to 86400",
            ));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errs))
        }
    }

    pub async fn create_mailbox(&self, actor: &Actor, mut m: model::MailboxFields) -> Result<model::Mailbox> {
        actor.require_admin()?;
        Self::check_mailbox(&mut m)?;
        self.check_refs(m.team_id, None, None).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx.insert_mailbox(&m.clone().into(), now).await.map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict(crate::FieldError::new(
                "mailbox.address",
                "duplicate",
                m.address.clone(),
            )),
            e => e.into(),
        })?;
        tx.commit().await?;
        self.get_mailbox(actor, id).await
    }

    pub async fn update_mailbox(
        &self,
        actor: &Actor,
        id: i64,
        mut m: model::MailboxFields,
    ) -> Result<model::Mailbox> {
        actor.require_admin()?;
        self.get_mailbox(actor, id).await?;
        Self::check_mailbox(&mut m)?;
        self.check_refs(m.team_id, None, None).await?;
        let mut tx = self.store.begin().await?;
        tx.update_mailbox(id, &m.clone().into(), self.now_ms())
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::Conflict(crate::FieldError::new(
                    "mailbox.address",
                    "duplicate",
                    m.address.clone(),
                )),
                e => e.into(),
            })?;
        tx.commit().await?;
        self.get_mailbox(actor, id).await
    }

    /// A mailbox that has mail on record is deactivated rather than deleted.
    pub async fn delete_mailbox(&self, actor: &Actor, id: i64) -> Result<()> {
        let m = self.get_mailbox(actor, id).await?;
        let mut tx = self.store.begin().await?;
        if tx.delete_mailbox(id).await.is_err() {
            tx.rollback().await?;
            let mut data = mailbox_data(&m);
            data.active = false;
            let mut tx = self.store.begin().await?;
            tx.update_mailbox(id, &data, self.now_ms()).await?;
            tx.commit().await?;
            return Ok(());
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every mailbox with its IMAP settings, for the mail transports (not an admin
    /// action: no actor).
    pub async fn mailboxes_for_transport(&self) -> Result<Vec<model::Mailbox>> {
        Ok(model::all(self.store.mailboxes().await?))
    }

    /// Whether this address is in the domain of one of our mailboxes (an LMTP recipient we
    /// accept: an unknown local part is quarantined, so an admin sees a mistyped address).
    pub async fn is_our_domain(&self, address: &str) -> Result<bool> {
        let Some((_, domain)) = address.rsplit_once('@') else {
            return Ok(false);
        };
        Ok(self.store.mailboxes().await?.iter().any(|b| {
            b.address
                .rsplit_once('@')
                .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain))
        }))
    }

    /// The poller's bookkeeping (not an admin action).
    pub async fn save_imap_state(
        &self,
        mailbox_id: i64,
        uidvalidity: Option<i64>,
        last_uid: i64,
        error: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.set_imap_state(mailbox_id, uidvalidity, last_uid, error, self.now_ms())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_quarantine(
        &self,
        actor: &Actor,
        include_resolved: bool,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<model::Quarantined>> {
        actor.require_admin()?;
        Ok(crate::model::all(self
            .store
            .quarantine_list(include_resolved, after_id, limit)
            .await?))
    }

    /// A quarantined message and its original bytes.
    pub async fn quarantined(&self, actor: &Actor, id: i64) -> Result<(model::Quarantined, Vec<u8>)> {
        actor.require_admin()?;
        let (row, raw) = self
            .store
            .quarantine_item(id)
            .await?
            .ok_or(AppError::NotFound("quarantined message"))?;
        Ok((row.into(), inflate(&raw)?))
    }

    /// Run a quarantined message through the pipeline again (after a mailbox was added,
    /// say). It stays in quarantine, with the new reason, when it still cannot be used.
    /// `mailbox_id` overrides the mailbox it is delivered to.
    pub async fn reprocess_quarantined(
        &self,
        actor: &Actor,
        id: i64,
        mailbox_id: Option<i64>,
    ) -> Result<Ingested> {
        let (row, raw) = self.quarantined(actor, id).await?;
        if row.resolved_at.is_some() {
            return Err(AppError::invalid(
                "quarantine.id",
                "invalid",
                "already resolved",
            ));
        }
        if row.reason == "too-large" {
            // Only the header was kept: there is no message to take.
            return Err(AppError::invalid(
                "quarantine.id",
                "invalid",
                "only the header of a message too large was kept",
            ));
        }
        if let Some(m) = mailbox_id
            && self.store.mailbox(m).await?.is_none()
        {
            return Err(AppError::invalid(
                "mailbox_id",
                "unknown-reference",
                m.to_string(),
            ));
        }
        let outcome = self
            .ingest_email(Delivery {
                raw: &raw,
                mailbox_id: mailbox_id.or(row.mailbox_id),
                rcpt: row.envelope_to.as_deref(),
                mail_from: row.envelope_from.as_deref(),
                source: Source::Reprocess,
            })
            .await?;
        let (resolution, case_id) = match &outcome {
            Ingested::Created { case_id } => ("created", Some(*case_id)),
            Ingested::Appended { case_id } => ("appended", Some(*case_id)),
            Ingested::Duplicate { case_id } => ("duplicate", Some(*case_id)),
            Ingested::Quarantined { .. } => ("requarantined", None),
        };
        let mut tx = self.store.begin().await?;
        tx.resolve_quarantine(id, actor.user_id, resolution, case_id, self.now_ms())
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Dismiss a quarantined message (kept, marked resolved).
    pub async fn dismiss_quarantined(&self, actor: &Actor, id: i64) -> Result<()> {
        self.quarantined(actor, id).await?;
        let mut tx = self.store.begin().await?;
        tx.resolve_quarantine(id, actor.user_id, "dismissed", None, self.now_ms())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_outbox(
        &self,
        actor: &Actor,
        state: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<model::OutboxMail>> {
        actor.require_admin()?;
        Ok(crate::model::all(self.store.outbox_list(state, after_id, limit).await?))
    }

    /// The emails of a case (staff only).
    pub async fn case_emails(&self, actor: &Actor, case_id: i64) -> Result<Vec<model::Email>> {
        actor.require_staff()?;
        self.get_case(actor, case_id).await?;
        Ok(crate::model::all(self.store.emails_of_case(case_id).await?))
    }

    /// The original bytes of an inbound email (staff), while retention keeps them.
    pub async fn email_original(
        &self,
        actor: &Actor,
        email_id: i64,
        case_id: i64,
    ) -> Result<Vec<u8>> {
        let emails = self.case_emails(actor, case_id).await?;
        let e = emails
            .iter()
            .find(|e| e.id == email_id)
            .ok_or(AppError::NotFound("email"))?;
        let sha = e
            .raw_sha256
            .as_deref()
            .ok_or(AppError::NotFound("original"))?;
        let data = self
            .store
            .raw_email(sha)
            .await?
            .ok_or(AppError::NotFound("original"))?;
        inflate(&data)
    }
}

struct QueueMail<'a> {
    kind: &'static str,
    case: &'a CaseRow,
    message_id: Option<i64>,
    user_id: Option<i64>,
    mailbox: &'a MailboxRow,
    to: &'a str,
    to_name: Option<String>,
    key: String,
    subject: String,
    text: String,
    auto: Option<&'static str>,
    locale: &'static str,
    files: Vec<(String, String, Vec<u8>)>,
}

fn mailbox_data(m: &model::Mailbox) -> MailboxData {
    MailboxData {
        address: m.address.clone(),
        name: m.name.clone(),
        team_id: m.team_id,
        locale: m.locale.clone(),
        imap_host: m.imap_host.clone(),
        imap_port: m.imap_port,
        imap_security: m.imap_security.clone(),
        imap_user: m.imap_user.clone(),
        imap_password: m.imap_password.clone(),
        imap_folder: m.imap_folder.clone(),
        imap_poll_seconds: m.imap_poll_seconds,
        active: m.active,
    }
}

fn locale_of(user: &str, mailbox: &str) -> &'static str {
    let pick = |s: &str| {
        if s.starts_with("fr") {
            Some("fr")
        } else if s.starts_with("en") {
            Some("en")
        } else {
            None
        }
    };
    pick(user).or_else(|| pick(mailbox)).unwrap_or("en")
}

/// "lundi 24 novembre 2026 à 11:30" / "Monday 24 November 2026 at 11:30", in the
/// customer's time zone.
fn format_local(ms: i64, tz: &str, locale: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    let z = ts.to_zoned(zone);
    let (days, months, at) = if locale == "fr" {
        (
            [
                "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
            ],
            [
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ],
            "à",
        )
    } else {
        (
            [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ],
            [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            "at",
        )
    };
    let day = days[z.weekday().to_monday_zero_offset() as usize];
    let month = months[(z.month() - 1) as usize];
    format!(
        "{day} {} {month} {} {at} {:02}:{:02} ({})",
        z.day(),
        z.year(),
        z.hour(),
        z.minute(),
        z.time_zone().iana_name().unwrap_or("UTC")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deflate_round_trips() {
        let raw = b"From: a@b.fr\r\n\r\nbonjour ".repeat(100);
        let d = deflate(&raw);
        assert!(d.len() < raw.len() / 5);
        assert_eq!(inflate(&d).unwrap(), raw);
        assert!(inflate(b"not deflate data at all").is_err());
    }

    #[test]
    fn expected_time_reads_in_the_customers_language_and_zone() {
        // 2026-11-24T10:30:00Z
        let ms = 1_795_516_200_000;
        assert_eq!(
            format_local(ms, "Europe/Paris", "fr"),
            "mardi 24 novembre 2026 à 11:30 (Europe/Paris)"
        );
        assert_eq!(
            format_local(ms, "America/Montreal", "en"),
            "Tuesday 24 November 2026 at 05:30 (America/Montreal)"
        );
        assert_eq!(locale_of("fr-CA", "en"), "fr");
        assert_eq!(locale_of("de", "en"), "en");
    }
}
