//! Inbound mail: the one entry point (loops, duplicates, threading, the case write with its email) and the quarantine.

use super::*;

/// Where screening leaves a mail: to be written (its mailbox and parsed form), or settled
/// already (quarantined, or a duplicate of one stored).
enum Screened {
    Take(Box<(MailboxRow, Inbound)>),
    Settled(Ingested),
}

impl App {
    /// The single entry point of inbound mail: route it to a mailbox and screen it (loops,
    /// duplicates), thread it and name its sender, then write it as a reply to its case or
    /// as a new case; what cannot be used is quarantined with its reason.
    pub async fn ingest_email(&self, d: Delivery<'_>) -> Result<Ingested> {
        let (mailbox, parsed) = match self.screen_inbound(&d).await? {
            Screened::Take(taken) => *taken,
            Screened::Settled(done) => return Ok(done),
        };
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
        let html = parsed
            .html
            .as_deref()
            .map(crate::cases::html::sanitize_email);
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
            via: Some(Channel::Email),
            inbound: Some(inbound.clone()),
            form: None,
            chat: None,
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
        self.settle_inbound(&d, &mailbox, &inbound, result).await
    }

    /// Which mailbox the mail is for, and whether it is usable at all: parsed, with an
    /// answerable sender, not one of our own coming back, not already stored.
    async fn screen_inbound(&self, d: &Delivery<'_>) -> Result<Screened> {
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
                    d,
                    None,
                    "unknown-recipient",
                    d.rcpt.map(str::to_string),
                    None,
                )
                .await
                .map(Screened::Settled);
        };
        let parsed = match mail::parse(d.raw, &self.mail_limits()) {
            Ok(p) => p,
            Err(e) => {
                return self
                    .quarantine(d, Some(mailbox.id), e.code(), None, None)
                    .await
                    .map(Screened::Settled);
            }
        };
        if let Err(e) = EmailAddress::parse(&parsed.from) {
            // mail-parser takes what a header holds; a customer needs an address we can
            // answer. Found by the fuzzer: without this the message failed (IMAP stuck on
            // it, LMTP answering 451 for ever).
            return self
                .quarantine(
                    d,
                    Some(mailbox.id),
                    "bad-sender",
                    Some(format!("{}: {e}", parsed.from)),
                    Some(&parsed),
                )
                .await
                .map(Screened::Settled);
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
                .quarantine(d, Some(mailbox.id), "loop", Some(why), Some(&parsed))
                .await
                .map(Screened::Settled);
        }
        if let Some(e) = self.store.email_by_key(&parsed.message_id).await? {
            return Ok(Screened::Settled(Ingested::Duplicate {
                case_id: e.case_id,
            }));
        }
        Ok(Screened::Take(Box::new((mailbox.clone(), parsed))))
    }

    /// What the write's failure means for this mail: a duplicate raced in, or data the
    /// database refuses, or input the case rules refuse (both quarantined with the bytes);
    /// anything else (an outage) stays an error for the sender to retry.
    async fn settle_inbound(
        &self,
        d: &Delivery<'_>,
        mailbox: &MailboxRow,
        inbound: &InboundMail,
        result: Result<Ingested>,
    ) -> Result<Ingested> {
        match result {
            Err(AppError::Conflict(f)) if f.field == "message_id" => {
                let e = self.store.email_by_key(&inbound.parsed.message_id).await?;
                Ok(Ingested::Duplicate {
                    case_id: e.map(|e| e.case_id).unwrap_or_default(),
                })
            }
            Err(AppError::Store(crate::StorageError(StoreError::Db(e))))
                if e.as_database_error().is_some() =>
            {
                // The database refused this message's data (not an outage, which stays a
                // temporary failure for the sender to retry): quarantine it with its bytes
                // rather than answer 451 for ever.
                tracing::warn!(error = %e, "inbound email refused by the database");
                self.quarantine(
                    d,
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
                    d,
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

    pub(crate) async fn ensure_customer(
        &self,
        email: &str,
        name: Option<&str>,
        locale: &str,
    ) -> Result<i64> {
        let email = EmailAddress::parse(email)
            .map_err(|e| AppError::invalid("from", "email-invalid", e.to_string()))?;
        let locale: Option<Locale> = Locale::parse(locale).ok();
        let created = async {
            let mut tx = self.store.begin().await?;
            let id = self
                .find_or_create_customer(&mut tx, &email, name, locale)
                .await?;
            tx.commit().await?;
            Ok::<i64, AppError>(id)
        }
        .await;
        match created {
            // Two first messages from one new address at once (two form submissions on
            // PostgreSQL): the other request created the customer; use theirs.
            Err(AppError::Conflict(_)) => self
                .store
                .user_by_identity("email", email.as_str())
                .await?
                .map(|u| u.id)
                .ok_or(AppError::Internal("customer vanished".into())),
            r => r,
        }
    }

    async fn mark_bounced(&self, p: &Inbound) -> Result<()> {
        let Some(b) = &p.bounce else {
            return Ok(());
        };
        let now = self.now_ms();
        let why = bounce_reason(b);
        let mut tx = self.store.begin().await?;
        for a in &b.failed {
            tx.set_identity_failing(a, Some((&why, now))).await?;
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
            let why = bounce_reason(b);
            for a in &b.failed {
                tx.set_identity_failing(a, Some((&why, now))).await?;
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
        // Pictures shown in the email's HTML (`cid:`): (Content-ID, attachment id).
        let mut pictures: Vec<(String, i64)> = Vec::new();
        for a in p.attachments.iter().filter(|a| !a.too_large) {
            let sha = hex::encode(Sha256::digest(&a.data));
            tx.put_blob(&sha, &a.data, now).await?;
            let name = crate::cases::attachments::clean_file_name(&a.name)
                .unwrap_or_else(|| "attachment".into());
            let token = crate::auth::new_token();
            let content_id = a.content_id.as_deref().filter(|_| a.inline);
            let row = tx
                .insert_attachment(
                    &NewAttachment {
                        token: &token,
                        upload_token: &upload_token,
                        uploader_id: m.author_id,
                        file_name: &name,
                        content_type: &a.content_type,
                        sha256: &sha,
                        created_at: now,
                        content_id,
                    },
                    a.data.len() as i64,
                )
                .await?;
            if let Some(c) = content_id {
                pictures.push((c.to_string(), row.id));
            }
        }
        tx.claim_uploads(&upload_token, m.author_id, m.id).await?;
        // An HTML email with pictures in its text is shown as its (sanitised) HTML, each
        // picture in its place, served to staff at `/attachments/{id}`.
        if !pictures.is_empty()
            && let Some(original) = &p.html
        {
            let ids = pictures.iter().cloned().collect();
            let html = crate::cases::html::sanitize_email_pictures(original, &ids);
            tx.set_inbound_html(m.id, &p.message_id, &html).await?;
        }
        Ok(tx.message_attachments(m.id).await?)
    }
}

/// What a bounce says about why the address failed, kept on the address.
fn bounce_reason(b: &mail::Bounce) -> String {
    b.reason
        .clone()
        .unwrap_or_else(|| "bounced (no reason given)".into())
}
