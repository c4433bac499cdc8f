//! Administration: mailboxes, quarantine, outbox and originals.

use super::*;

impl App {
    pub async fn list_mailboxes(&self, actor: &Actor) -> Result<Vec<model::Mailbox>> {
        actor.require_admin()?;
        Ok(crate::model::all(self.store.mailboxes().await?))
    }

    pub async fn get_mailbox(&self, actor: &Actor, id: i64) -> Result<model::Mailbox> {
        actor.require_admin()?;
        (self
            .store
            .mailbox(id)
            .await?
            .ok_or(AppError::NotFound("mailbox")))
        .map(Into::into)
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
                "not-allowed",
                m.locale.clone(),
            ));
        }
        if !matches!(m.imap_security.as_str(), "none" | "starttls" | "tls") {
            errs.push(crate::FieldError::new(
                "mailbox.imap.security",
                "not-allowed",
                m.imap_security.clone(),
            ));
        }
        if let Some(p) = m.imap_port
            && !(1..=65535).contains(&p)
        {
            errs.push(crate::FieldError::new(
                "mailbox.imap.port",
                "out-of-range",
                "1–65535",
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
                "out-of-range",
                "5–86400",
            ));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errs))
        }
    }

    pub async fn create_mailbox(
        &self,
        actor: &Actor,
        mut m: model::MailboxFields,
    ) -> Result<model::Mailbox> {
        actor.require_admin()?;
        Self::check_mailbox(&mut m)?;
        self.check_refs(m.team_id, None, None).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_mailbox(&m.clone().into(), now)
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
        Ok(crate::model::all(
            self.store
                .quarantine_list(include_resolved, after_id, limit)
                .await?,
        ))
    }

    /// A quarantined message and its original bytes.
    pub async fn quarantined(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(model::Quarantined, Vec<u8>)> {
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

    /// How many outbox mails each state holds (queued, sent, failed, not_sent).
    pub async fn outbox_counts(&self, actor: &Actor) -> Result<Vec<(String, i64)>> {
        actor.require_admin()?;
        Ok(self.store.outbox_counts().await?)
    }

    /// The latest outbox mails, newest first (the outbox page).
    pub async fn recent_outbox(
        &self,
        actor: &Actor,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<model::OutboxMail>> {
        actor.require_admin()?;
        Ok(crate::model::all(
            self.store.outbox_recent(state, limit.clamp(1, 500)).await?,
        ))
    }

    pub async fn list_outbox(
        &self,
        actor: &Actor,
        state: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<model::OutboxMail>> {
        actor.require_admin()?;
        Ok(crate::model::all(
            self.store.outbox_list(state, after_id, limit).await?,
        ))
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
