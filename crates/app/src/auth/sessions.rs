//! Browser sessions for the agent web UI. The cookie carries a random token; the database
//! keeps only its SHA-256, the user, a CSRF token and the expiry (sliding). Sign-in goes
//! through `authenticate_password`, so the failed-login throttle applies to pages too.

use crate::auth::{check_password, hash_password, hash_token, new_token};
use crate::{Actor, App, AppError, Result};
use store::SessionRow;

/// A session lives this long after its last use.
pub const SESSION_IDLE_MS: i64 = 12 * 3600 * 1000;
/// However active, a session ends this long after sign-in (a stolen cookie does not live
/// for ever).
pub const SESSION_MAX_MS: i64 = 7 * 24 * 3600 * 1000;
/// `last_seen_at` is written at most this often (not on every page).
const TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub token_hash: String,
    pub csrf: String,
    pub locale: domain::Locale,
    pub time_zone: String,
    /// A customer session opened by a "view your case" link sees only this case.
    pub case_id: Option<i64>,
}

/// Who a session is for: the agent screens or the customer portal. A session opens only
/// the pages of its own audience, whatever cookie carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Staff,
    Customer,
}

impl Audience {
    fn as_str(self) -> &'static str {
        match self {
            Audience::Staff => "staff",
            Audience::Customer => "customer",
        }
    }
}

fn session_of(row: SessionRow, actor: Actor, u: &store::UserRow) -> Session {
    Session {
        actor,
        token_hash: row.token_hash,
        csrf: row.csrf_token,
        locale: domain::Locale::parse(&u.locale).unwrap_or(domain::Locale::Fr),
        time_zone: u.time_zone.clone(),
        case_id: row.case_id,
    }
}

impl App {
    /// Check the password and open a session; returns the cookie's token. Only staff may use
    /// the agent screens: a customer's correct password opens nothing here.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        user_agent: &str,
    ) -> Result<(String, Session)> {
        let actor = self.authenticate_password(email, password).await?;
        actor.require_staff()?;
        self.open_session(actor, Audience::Staff, None, user_agent)
            .await
    }

    /// Write a new session for this actor and audience; returns the cookie's token.
    pub(crate) async fn open_session(
        &self,
        actor: Actor,
        audience: Audience,
        case_id: Option<i64>,
        user_agent: &str,
    ) -> Result<(String, Session)> {
        let token = new_token();
        let now = self.now_ms();
        let row = SessionRow {
            token_hash: hash_token(&token),
            user_id: actor.user_id,
            csrf_token: new_token(),
            user_agent: user_agent.chars().take(300).collect(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + SESSION_IDLE_MS,
            audience: audience.as_str().into(),
            case_id,
        };
        let mut tx = self.store.begin().await?;
        tx.delete_expired_sessions(now).await?;
        tx.insert_session(&row).await?;
        tx.commit().await?;
        let u = self
            .store
            .user(actor.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok((token, session_of(row, actor, &u)))
    }

    /// The agent session a cookie token names, if it is still valid and its user still
    /// active. A customer's session is not one.
    pub async fn session(&self, token: &str) -> Result<Session> {
        self.session_for(token, Audience::Staff).await
    }

    /// The customer (portal) session a cookie token names.
    pub async fn customer_session(&self, token: &str) -> Result<Session> {
        self.session_for(token, Audience::Customer).await
    }

    async fn session_for(&self, token: &str, audience: Audience) -> Result<Session> {
        let hash = hash_token(token);
        let row = self
            .store
            .session(&hash)
            .await?
            .filter(|r| r.audience == audience.as_str())
            .ok_or(AppError::Unauthenticated)?;
        let now = self.now_ms();
        if row.expires_at < now || now - row.created_at > SESSION_MAX_MS {
            return Err(AppError::Unauthenticated);
        }
        if now - row.last_seen_at > TOUCH_EVERY_MS {
            let mut tx = self.store.begin().await?;
            tx.touch_session(&hash, now, now + SESSION_IDLE_MS).await?;
            tx.commit().await?;
        }
        // One read of the user gives the actor, the language and the time zone.
        let u = self
            .store
            .user(row.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let actor = crate::auth::actor_from(&u)?;
        Ok(session_of(row, actor, &u))
    }

    /// Whether a session still stands (a live stream checks it now and then).
    pub async fn session_alive(&self, s: &Session) -> bool {
        let now = self.now_ms();
        matches!(
            self.store.session(&s.token_hash).await,
            Ok(Some(r)) if r.expires_at >= now && now - r.created_at <= SESSION_MAX_MS
        )
    }

    pub async fn sign_out(&self, s: &Session) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.delete_session(&s.token_hash).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Change one's own password: the current one must be given; every other session of the
    /// user ends (a stolen cookie stops working).
    pub async fn change_password(&self, s: &Session, current: &str, new: &str) -> Result<()> {
        let email = self
            .store
            .identities(s.actor.user_id)
            .await?
            .into_iter()
            .find(|i| i.kind == "email" && i.is_primary)
            .map(|i| i.value)
            .ok_or(AppError::Unauthenticated)?;
        if self.authenticate_password(&email, current).await.is_err() {
            return Err(AppError::invalid(
                "current_password",
                "password-wrong",
                String::new(),
            ));
        }
        check_password(new)?;
        let owned = new.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&owned))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let mut tx = self.store.begin().await?;
        tx.set_password_hash(s.actor.user_id, &hash, self.now_ms())
            .await?;
        tx.expire_account_links(s.actor.user_id, self.now_ms())
            .await?;
        tx.delete_other_sessions(s.actor.user_id, &s.token_hash)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
