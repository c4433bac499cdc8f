//! Single-use links to set a password (issue 16): an agent is invited rather than given a
//! password, and anyone on staff who forgot theirs asks for a reset link. Only the link's
//! hash is stored; a link works once, and a new one replaces the earlier one of the same
//! purpose. The reset request answers the same whether or not the address exists, and is
//! rate limited per address (in the database, so every node agrees) and per client address.

use super::{check_password, hash_password, hash_token, new_token};
use crate::people::{NewUser, UserView};
use crate::{Actor, App, AppError, Result};
use domain::{EmailAddress, Role};
use store::NewOutbox;

/// How long an invitation stays good.
pub const INVITATION_TTL_MS: i64 = 7 * 24 * 3_600_000;
/// How long a reset link stays good.
pub const RESET_TTL_MS: i64 = 3_600_000;
/// The links that set a password (other purposes, such as a customer's sign-in link, never
/// do).
const PASSWORD_PURPOSES: &[&str] = &["invitation", "reset"];
/// Reset links one account may be sent per hour.
const RESETS_PER_HOUR: i64 = 3;

/// What became of a link: sent by email, or to be handed over by the administrator (no
/// mailbox or no relay yet: the link is shown to them once).
#[derive(Debug, Clone)]
pub struct LinkSent {
    pub email: String,
    /// Shown to the administrator when it could not be emailed; None once queued.
    pub link: Option<String>,
    pub expires_at: i64,
}

/// Whose link this is, for the page that sets the password.
#[derive(Debug, Clone)]
pub struct LinkInfo {
    /// invitation | reset
    pub purpose: String,
    pub name: String,
    pub email: String,
    /// The account's language: the page speaks it, as the email did.
    pub locale: domain::Locale,
}

/// The language of an account's emails.
pub(crate) fn locale_of(u: &store::UserRow) -> &'static str {
    if u.locale.starts_with("en") {
        "en"
    } else {
        "fr"
    }
}

impl App {
    /// Create a staff account without a password and send it an invitation link (admin).
    pub async fn invite_staff(
        &self,
        actor: &Actor,
        mut new: NewUser,
        base: &str,
    ) -> Result<(UserView, LinkSent)> {
        actor.require_admin()?;
        if !new.role.is_some_and(|r| r.is_staff()) {
            return Err(AppError::invalid("role", "not-staff", "agent"));
        }
        if new.emails.is_empty() {
            return Err(AppError::invalid("email", "required", "email"));
        }
        new.password = None;
        let user = self.create_user(Some(actor), new).await?;
        let sent = self
            .send_password_link(user.user.id, "invitation", Some(actor), base)
            .await?;
        Ok((user, sent))
    }

    /// A new invitation for a staff account (the earlier link stops working).
    pub async fn resend_invitation(
        &self,
        actor: &Actor,
        user_id: i64,
        base: &str,
    ) -> Result<LinkSent> {
        actor.require_admin()?;
        let u = self
            .store
            .user(user_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if !u.role.parse::<Role>().is_ok_and(|r| r.is_staff()) {
            return Err(AppError::NotFound("user"));
        }
        self.send_password_link(user_id, "invitation", Some(actor), base)
            .await
    }

    /// "Forgot password": a reset link by email to a staff account with this address. The
    /// answer is the same whether or not it exists; at most three links an hour per account.
    pub async fn request_password_reset(&self, email: &str, base: &str) -> Result<()> {
        let taken = self.reset_requests.take(&super::client_ip());
        if !taken.allowed {
            return Err(AppError::Throttled(taken.reset_secs.max(1)));
        }
        let Ok(email) = EmailAddress::parse(email) else {
            return Ok(());
        };
        // The answer goes back at once, whatever follows: its timing says nothing of
        // whether the account exists. The link is written and queued on its own.
        let app = self.clone();
        let base = base.to_string();
        tokio::spawn(async move {
            if let Err(e) = app.send_reset(&email, &base).await {
                tracing::warn!(error = %e, "password reset link not sent");
            }
        });
        Ok(())
    }

    async fn send_reset(&self, email: &EmailAddress, base: &str) -> Result<()> {
        let Some(u) = self.store.user_by_identity("email", email.as_str()).await? else {
            return Ok(());
        };
        let staff = u.role.parse::<Role>().is_ok_and(|r| r.is_staff());
        if !staff || !u.active {
            return Ok(());
        }
        self.send_password_link(u.id, "reset", None, base).await?;
        Ok(())
    }

    /// Write a link and queue its email in one transaction.
    async fn send_password_link(
        &self,
        user_id: i64,
        purpose: &'static str,
        by: Option<&Actor>,
        base: &str,
    ) -> Result<LinkSent> {
        let now = self.now_ms();
        let ttl = if purpose == "invitation" {
            INVITATION_TTL_MS
        } else {
            RESET_TTL_MS
        };
        let token = new_token();
        let link = format!("{}/password/{token}", base.trim_end_matches('/'));
        let mut tx = self.store.begin().await?;
        // Counted in the transaction that writes the link (one writer on SQLite: exact).
        if purpose == "reset"
            && tx
                .account_links_since(user_id, "reset", now - 3_600_000)
                .await?
                >= RESETS_PER_HOUR
        {
            tx.rollback().await?;
            tracing::info!(user = user_id, "password reset refused: too many this hour");
            return Ok(LinkSent {
                email: String::new(),
                link: None,
                expires_at: now,
            });
        }
        let u = tx
            .user_in_tx(user_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let email = tx
            .identities_in_tx(user_id)
            .await?
            .into_iter()
            .find(|i| i.kind == "email")
            .map(|i| i.value)
            .ok_or_else(|| AppError::invalid("email", "required", "email"))?;
        tx.insert_account_link(&hash_token(&token), user_id, purpose, now, now + ttl)
            .await?;
        let relay = self.relay_configured().await?;
        let key = if purpose == "invitation" {
            "invitation"
        } else {
            "password_reset"
        };
        let expires = crate::email::format_local(now + ttl, &u.time_zone, locale_of(&u));
        let vars = minijinja::context! {
            user_name => u.name,
            inviter_name => by.map(|a| a.name.clone()).unwrap_or_default(),
            link => link.clone(),
            expires => expires,
        };
        let queued = self
            .queue_account_mail(&mut tx, &u, &email, key, purpose, vars, now)
            .await?;
        tx.commit().await?;
        Ok(LinkSent {
            email,
            // An administrator may hand the link over when mail cannot carry it yet; a
            // reset link is never shown (the requester is not signed in).
            link: (by.is_some() && !(queued && relay)).then_some(link),
            expires_at: now + ttl,
        })
    }

    /// Queue an email about an account (a link to set a password or to sign in), in the
    /// account's language, from the first active mailbox. False when there is no mailbox
    /// yet (nothing can carry it).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn queue_account_mail(
        &self,
        tx: &mut store::Tx,
        u: &store::UserRow,
        email: &str,
        template: &'static str,
        purpose: &str,
        vars: minijinja::Value,
        now: i64,
    ) -> Result<bool> {
        let Some(mb) = tx.mailboxes_in_tx().await?.into_iter().find(|b| b.active) else {
            return Ok(false);
        };
        let locale = locale_of(u);
        let (subject, text) = self.render_template(tx, template, locale, vars).await?;
        let message_key =
            mail::thread::notice_id(&self.config.mail.domain, None, purpose, &new_token()[..12]);
        let raw = mail::build(&mail::Outgoing {
            from_name: mb.name.clone(),
            from: mb.address.clone(),
            to: vec![(Some(u.name.clone()), email.to_string())],
            reply_to: None,
            subject,
            text,
            html: None,
            message_id: message_key.clone(),
            in_reply_to: vec![],
            references: vec![],
            auto_submitted: Some("auto-generated"),
            date: now / 1000,
            language: Some(locale.to_string()),
            attachments: vec![],
        });
        tx.insert_outbox(&NewOutbox {
            kind: template,
            case_id: None,
            message_id: None,
            user_id: Some(u.id),
            mailbox_id: Some(mb.id),
            envelope_from: &mb.address,
            recipient: email,
            message_key: &message_key,
            raw: &raw,
            created_at: now,
        })
        .await?;
        Ok(true)
    }

    /// Staff accounts with an invitation not used yet: (user id, expiry).
    pub async fn pending_invitations(&self, actor: &Actor) -> Result<Vec<(i64, i64)>> {
        actor.require_supervisor()?;
        Ok(self.store.pending_invitations(self.now_ms()).await?)
    }

    /// Whose link this is, while it is good (the page shows the name before the form).
    pub async fn password_link(&self, token: &str) -> Result<LinkInfo> {
        let expired = || AppError::invalid("token", "link-expired", String::new());
        let (user_id, purpose) = self
            .store
            .account_link(&hash_token(token), self.now_ms())
            .await?
            .filter(|(_, p)| PASSWORD_PURPOSES.contains(&p.as_str()))
            .ok_or_else(expired)?;
        let u = self.store.user(user_id).await?.ok_or_else(expired)?;
        if !u.active {
            return Err(expired());
        }
        let email = self
            .store
            .identities(user_id)
            .await?
            .into_iter()
            .find(|i| i.kind == "email")
            .map(|i| i.value)
            .unwrap_or_default();
        Ok(LinkInfo {
            purpose,
            locale: domain::Locale::parse(&u.locale).unwrap_or(domain::Locale::Fr),
            name: u.name,
            email,
        })
    }

    /// Set the password with a link (once): every session of the account ends. Returns the
    /// account's email, to sign in with.
    pub async fn set_password_with_link(&self, token: &str, password: &str) -> Result<String> {
        check_password(password)?;
        let info = self.password_link(token).await?;
        let owned = password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&owned))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let Some((user_id, purpose)) = tx.take_account_link(&hash_token(token), now).await? else {
            // Used by a concurrent request between the check and now.
            return Err(AppError::invalid("token", "link-expired", String::new()));
        };
        if !PASSWORD_PURPOSES.contains(&purpose.as_str()) {
            tx.rollback().await?;
            return Err(AppError::invalid("token", "link-expired", String::new()));
        }
        tx.set_password_hash(user_id, &hash, now).await?;
        tx.delete_all_sessions(user_id).await?;
        // Any other invitation or reset link of the account stops working too.
        tx.expire_account_links(user_id, now).await?;
        tx.commit().await?;
        Ok(info.email)
    }
}
