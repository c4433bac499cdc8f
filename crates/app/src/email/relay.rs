//! The outbound SMTP relay an administrator sets in the pages (stored in `settings`), with
//! the config file and environment winning where they set one; and the test email that
//! proves the settings work, sent through the outbox like any other mail.

use super::*;
use crate::FieldError;

const RELAY_KEY: &str = "smtp_relay";

/// Where outbound mail goes. The password never leaves `app` except to the sender.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelaySettings {
    pub host: String,
    pub port: u16,
    /// none | starttls | tls
    pub security: String,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for RelaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelaySettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// The relay as the settings page shows it: never the password, only whether one is set.
#[derive(Debug, Clone, Default)]
pub struct RelayView {
    pub host: String,
    pub port: u16,
    pub security: String,
    pub user: String,
    pub password_set: bool,
    /// Set in the config file or environment: the page shows it read-only.
    pub from_config: bool,
}

/// A change from the settings page. `password: None` keeps the stored one; `Some("")`
/// removes it. An empty host turns the relay off (mail waits in the outbox).
#[derive(Debug, Clone, Default)]
pub struct RelayInput {
    pub host: String,
    pub port: Option<i64>,
    pub security: String,
    pub user: String,
    pub password: Option<String>,
}

impl App {
    async fn stored_relay(&self) -> Result<Option<RelaySettings>> {
        Ok(self
            .store
            .setting(RELAY_KEY)
            .await?
            .and_then(|v| serde_json::from_str::<RelaySettings>(&v).ok())
            .filter(|r| !r.host.is_empty()))
    }

    /// The relay the sender uses now: the config's, else the one set in the pages.
    pub async fn relay_for_sender(&self) -> Result<Option<RelaySettings>> {
        if let Some(r) = &self.config.mail.relay {
            return Ok(Some(r.clone()));
        }
        self.stored_relay().await
    }

    /// Whether mail can leave at all (the case page warns before a reply waits).
    pub async fn relay_configured(&self) -> Result<bool> {
        Ok(self.relay_for_sender().await?.is_some())
    }

    pub async fn relay_view(&self, actor: &Actor) -> Result<RelayView> {
        actor.require_admin()?;
        let (r, from_config) = match &self.config.mail.relay {
            Some(r) => (Some(r.clone()), true),
            None => (self.stored_relay().await?, false),
        };
        Ok(match r {
            Some(r) => RelayView {
                host: r.host,
                port: r.port,
                security: r.security,
                user: r.user.unwrap_or_default(),
                password_set: r.password.is_some(),
                from_config,
            },
            None => RelayView {
                port: 587,
                security: "starttls".into(),
                ..Default::default()
            },
        })
    }

    /// Save the relay from the settings page; the sender picks it up within a second.
    pub async fn save_relay(&self, actor: &Actor, input: RelayInput) -> Result<RelayView> {
        actor.require_admin()?;
        if self.config.mail.relay.is_some() {
            return Err(AppError::Forbidden(
                "the SMTP relay is set in the configuration file or environment",
            ));
        }
        let host = input.host.trim().to_string();
        let mut errs = Vec::new();
        if host.len() > 253
            || host
                .chars()
                .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')))
        {
            errs.push(FieldError::new("relay.host", "host-invalid", host.clone()));
        }
        let port = input.port.unwrap_or(587);
        if !(1..=65535).contains(&port) {
            errs.push(FieldError::new("relay.port", "out-of-range", "1–65535"));
        }
        let security = input.security.trim().to_string();
        if !matches!(security.as_str(), "none" | "starttls" | "tls") {
            errs.push(FieldError::new(
                "relay.security",
                "not-allowed",
                security.clone(),
            ));
        }
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let old = tx
            .setting_in_tx(RELAY_KEY)
            .await?
            .and_then(|v| serde_json::from_str::<RelaySettings>(&v).ok());
        let user = Some(input.user.trim().to_string()).filter(|u| !u.is_empty());
        // The stored password is kept only for the same server and account: sent to another
        // one (or in clear), it would hand the secret to whoever runs it.
        let same_place = old.as_ref().is_some_and(|o| {
            o.host == host && o.port == port as u16 && o.security == security && o.user == user
        });
        let password = match input.password {
            None if same_place => old.and_then(|o| o.password),
            None if old.as_ref().is_some_and(|o| o.password.is_some()) => {
                tx.rollback().await?;
                return Err(AppError::invalid("relay.password", "password-again", ""));
            }
            None => None,
            Some(p) if p.is_empty() => None,
            Some(p) => Some(p),
        };
        let r = RelaySettings {
            host,
            port: port as u16,
            security,
            user,
            password,
        };
        let json = serde_json::to_string(&r).map_err(|e| AppError::Internal(e.to_string()))?;
        tx.put_setting(RELAY_KEY, &json, now).await?;
        tx.commit().await?;
        self.relay_view(actor).await
    }

    /// Queue a test email to `to` from the first active mailbox; the outbox page shows what
    /// the relay answered. Returns the outbox id.
    pub async fn send_test_email(&self, actor: &Actor, to: &str) -> Result<i64> {
        actor.require_admin()?;
        let to = EmailAddress::parse(to.trim())
            .map_err(|_| AppError::invalid("test.to", "email-invalid", to.trim().to_string()))?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mailbox = tx
            .mailboxes_in_tx()
            .await?
            .into_iter()
            .find(|b| b.active)
            .ok_or_else(|| AppError::invalid("test.to", "no-mailbox", String::new()))?;
        let key = mail::thread::notice_id(
            &self.config.mail.domain,
            None,
            "test",
            &crate::auth::new_token()[..12],
        );
        let locale = locale_of(
            &actor_locale(&mut tx, actor.user_id).await?,
            &mailbox.locale,
        );
        let (subject, text) = match locale {
            "fr" => (
                "Guichet : e-mail de test".to_string(),
                format!(
                    "Bonjour,\n\nCet e-mail de test a été envoyé par {} depuis Guichet. \
                     S’il vous parvient, le serveur d’envoi est bien configuré.\n",
                    actor.name
                ),
            ),
            _ => (
                "Guichet: test email".to_string(),
                format!(
                    "Hello,\n\nThis test email was sent by {} from Guichet. If it reached \
                     you, outgoing mail is set up correctly.\n",
                    actor.name
                ),
            ),
        };
        let out = mail::Outgoing {
            from_name: mailbox.name.clone(),
            from: mailbox.address.clone(),
            to: vec![(None, to.to_string())],
            reply_to: None,
            subject,
            text,
            html: None,
            message_id: key.clone(),
            in_reply_to: vec![],
            references: vec![],
            auto_submitted: Some("auto-generated"),
            date: now / 1000,
            language: Some(locale.to_string()),
            attachments: vec![],
        };
        let raw = mail::build(&out);
        let id = tx
            .insert_outbox(&NewOutbox {
                kind: "test",
                case_id: None,
                message_id: None,
                user_id: Some(actor.user_id),
                mailbox_id: Some(mailbox.id),
                envelope_from: &mailbox.address,
                recipient: to.as_str(),
                message_key: &key,
                raw: &raw,
                created_at: now,
            })
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Send a failed mail again (the administrator fixed the relay or the address).
    pub async fn retry_outbox(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_admin()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let item = self
            .store
            .outbox_item(id)
            .await?
            .ok_or(AppError::NotFound("outbox"))?;
        if !tx.retry_outbox(id, now).await? {
            return Err(AppError::Conflict(FieldError::new(
                "outbox",
                "not-failed",
                item.state,
            )));
        }
        // The address is given another chance too.
        if item.kind != "notification" {
            tx.set_identity_failing(&item.recipient, None).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One outbox mail (its raw bytes included), for the admin page.
    pub async fn outbox_mail(&self, actor: &Actor, id: i64) -> Result<model::OutboxMail> {
        actor.require_admin()?;
        self.store
            .outbox_item(id)
            .await?
            .map(Into::into)
            .ok_or(AppError::NotFound("outbox"))
    }
}

async fn actor_locale(tx: &mut Tx, user_id: i64) -> Result<String> {
    Ok(tx
        .user_in_tx(user_id)
        .await?
        .map(|u| u.locale)
        .unwrap_or_default())
}
