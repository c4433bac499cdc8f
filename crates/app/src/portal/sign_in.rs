//! How a customer signs in to the portal without a password to remember (issue 17):
//!
//! - a **sign-in link** by email: single use, 15 minutes, only its hash stored, queued
//!   through the outbox; asked for with an address, answered the same whether or not a
//!   customer has it (the link is written and queued on its own task), at most five an hour
//!   per account (counted in the write transaction) and a token bucket per client address;
//! - a **case link** in Guichet's emails ("follow your request online"): valid seven days,
//!   usable more than once (people open an email again), and it opens a session bound to
//!   that one case — never the customer's other cases;
//! - an optional password, through the same Argon2id path and throttles as the agents'.
//!
//! Opening a sign-in link is two steps: the page shows a button, and only its POST uses
//! the link, so a mail scanner that follows links does not spend it.

use crate::auth::sessions::{Audience, Session};
use crate::auth::{client_ip, hash_token, new_token};
use crate::{App, AppError, Result};
use domain::{EmailAddress, Role};

/// How long a sign-in link stays good.
pub const SIGN_IN_TTL_MS: i64 = 15 * 60_000;
/// How long a case link in an email stays good.
pub const CASE_LINK_TTL_MS: i64 = 7 * 24 * 3_600_000;
/// Sign-in links one account may be sent per hour.
const SIGN_INS_PER_HOUR: i64 = 5;

/// A sign-in link while it is good: whose language the page speaks.
#[derive(Debug, Clone)]
pub struct SignInLink {
    pub locale: domain::Locale,
    /// The case the link was asked for from, opened after sign-in.
    pub case_id: Option<i64>,
}

impl App {
    /// "Send me a sign-in link": the same answer whether or not the address is a
    /// customer's; throttled per client address (429) before anything else.
    pub async fn request_sign_in_link(
        &self,
        email: &str,
        base: &str,
        case_id: Option<i64>,
    ) -> Result<()> {
        let taken = self.sign_in_requests.take(&client_ip());
        if !taken.allowed {
            return Err(AppError::Throttled(taken.reset_secs.max(1)));
        }
        let email = EmailAddress::parse(email.trim()).map_err(|_| {
            AppError::invalid(
                "email",
                "email-invalid",
                email.chars().take(80).collect::<String>(),
            )
        })?;
        let app = self.clone();
        let base = base.to_string();
        tokio::spawn(async move {
            if let Err(e) = app.send_sign_in(&email, &base, case_id).await {
                tracing::warn!(error = %e, "sign-in link not sent");
            }
        });
        Ok(())
    }

    async fn send_sign_in(
        &self,
        email: &EmailAddress,
        base: &str,
        case_id: Option<i64>,
    ) -> Result<()> {
        let Some(u) = self.store.user_by_identity("email", email.as_str()).await? else {
            return Ok(());
        };
        // The portal is for customers; staff sign in on the agent screens.
        if u.role != Role::EndUser.as_str() || !u.active {
            return Ok(());
        }
        let now = self.now_ms();
        let token = new_token();
        let mut tx = self.store.begin().await?;
        if tx
            .account_links_since(u.id, "sign_in", now - 3_600_000)
            .await?
            >= SIGN_INS_PER_HOUR
        {
            tx.rollback().await?;
            tracing::info!(user = u.id, "sign-in link refused: too many this hour");
            return Ok(());
        }
        tx.insert_account_link_for(
            &hash_token(&token),
            u.id,
            "sign_in",
            case_id,
            now,
            now + SIGN_IN_TTL_MS,
        )
        .await?;
        let link = format!("{}/portal/sign-in/{token}", base.trim_end_matches('/'));
        let locale = crate::auth::links::locale_of(&u);
        let vars = minijinja::context! {
            user_name => u.name,
            link => link,
            expires => crate::email::format_local(now + SIGN_IN_TTL_MS, &u.time_zone, locale),
        };
        self.queue_account_mail(&mut tx, &u, email.as_str(), "sign_in", "sign_in", vars, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A sign-in link while it is good (the page that shows the button).
    pub async fn sign_in_link(&self, token: &str) -> Result<SignInLink> {
        let expired = || AppError::invalid("token", "link-expired", String::new());
        let (user_id, purpose, case_id) = self
            .store
            .account_link_full(&hash_token(token), self.now_ms())
            .await?
            .ok_or_else(expired)?;
        if purpose != "sign_in" {
            return Err(expired());
        }
        let u = self.store.user(user_id).await?.ok_or_else(expired)?;
        Ok(SignInLink {
            locale: domain::Locale::parse(&u.locale).unwrap_or(domain::Locale::Fr),
            case_id,
        })
    }

    /// Use a sign-in link (once) and open a customer session.
    pub async fn sign_in_with_link(
        &self,
        token: &str,
        user_agent: &str,
    ) -> Result<(String, Session, Option<i64>)> {
        let expired = || AppError::invalid("token", "link-expired", String::new());
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let Some((user_id, purpose, case_id)) = tx
            .take_account_link_with_case(&hash_token(token), now)
            .await?
        else {
            return Err(expired());
        };
        if purpose != "sign_in" {
            tx.rollback().await?;
            return Err(expired());
        }
        tx.commit().await?;
        let actor = self.customer_actor(user_id).await.map_err(|_| expired())?;
        let (cookie, session) = self
            .open_session(actor, Audience::Customer, None, user_agent)
            .await?;
        Ok((cookie, session, case_id))
    }

    /// Open a case link from an email: a session that sees only that case.
    pub async fn sign_in_with_case_link(
        &self,
        token: &str,
        user_agent: &str,
    ) -> Result<(String, Session)> {
        let expired = || AppError::invalid("token", "link-expired", String::new());
        let (user_id, purpose, case_id) = self
            .store
            .account_link_full(&hash_token(token), self.now_ms())
            .await?
            .ok_or_else(expired)?;
        let Some(case_id) = case_id.filter(|_| purpose == "case") else {
            return Err(expired());
        };
        let actor = self.customer_actor(user_id).await.map_err(|_| expired())?;
        self.open_session(actor, Audience::Customer, Some(case_id), user_agent)
            .await
    }

    /// Sign in to the portal with a password (customers who chose one).
    pub async fn sign_in_customer(
        &self,
        email: &str,
        password: &str,
        user_agent: &str,
    ) -> Result<(String, Session)> {
        let actor = self.authenticate_password(email, password).await?;
        if actor.role != Role::EndUser {
            // Staff use the agent screens; the answer is the one of a wrong password.
            return Err(AppError::Unauthenticated);
        }
        self.open_session(actor, Audience::Customer, None, user_agent)
            .await
    }

    /// The link to a case written into an email to its customer, when Guichet knows its
    /// public address (`public_url`); None otherwise. Written in the email's transaction.
    pub(crate) async fn case_link(
        &self,
        tx: &mut store::Tx,
        case_id: i64,
        customer: &store::UserRow,
        now: i64,
    ) -> Result<Option<String>> {
        let Some(base) = self.config.public_url.as_deref() else {
            return Ok(None);
        };
        if customer.role != Role::EndUser.as_str() {
            return Ok(None);
        }
        let token = new_token();
        tx.insert_account_link_for(
            &hash_token(&token),
            customer.id,
            "case",
            Some(case_id),
            now,
            now + CASE_LINK_TTL_MS,
        )
        .await?;
        Ok(Some(format!(
            "{}/portal/c/{token}",
            base.trim_end_matches('/')
        )))
    }

    async fn customer_actor(&self, user_id: i64) -> Result<crate::Actor> {
        let u = self
            .store
            .user(user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let actor = crate::auth::actor_from(&u)?;
        if actor.role != Role::EndUser {
            return Err(AppError::Unauthenticated);
        }
        Ok(actor)
    }
}

/// How far a single-sign-on token's `iat` may be from our clock (Zendesk allows 3 min).
const JWT_SKEW_MS: i64 = 180_000;

#[derive(serde::Deserialize)]
struct JwtHeader {
    alg: String,
}

/// The claims we read (Zendesk's `/access/jwt` names).
#[derive(serde::Deserialize)]
struct JwtClaims {
    iat: Option<i64>,
    exp: Option<i64>,
    jti: Option<String>,
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    locale_id: Option<serde_json::Value>,
}

impl App {
    /// Single sign-on for sites that already know their customers: an HS256 JWT signed
    /// with the configured secret (Zendesk's claims: `iat` within 3 minutes, a `jti` used
    /// once, `email`, `name`, optional `exp` and `locale_id`) opens a customer session for
    /// that address, creating the customer when new. Staff accounts never sign in here.
    pub async fn sign_in_with_jwt(&self, jwt: &str, user_agent: &str) -> Result<(String, Session)> {
        use base64::Engine;
        use hmac::{Hmac, Mac};
        let bad = |why: &str| AppError::invalid("jwt", "jwt-invalid", why.to_string());
        let Some(secret) = &self.config.portal_jwt_secret else {
            return Err(AppError::NotFound("page"));
        };
        let mut parts = jwt.trim().split('.');
        let (Some(h), Some(p), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("three parts"));
        };
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header: JwtHeader = b64
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| bad("header"))?;
        if header.alg != "HS256" {
            return Err(bad("alg"));
        }
        let sig = b64.decode(sig).map_err(|_| bad("signature"))?;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.expose().as_bytes())
            .map_err(|_| bad("secret"))?;
        mac.update(format!("{h}.{p}").as_bytes());
        mac.verify_slice(&sig).map_err(|_| bad("signature"))?;
        let claims: JwtClaims = b64
            .decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| bad("claims"))?;
        let now = self.now_ms();
        let iat = claims.iat.ok_or_else(|| bad("iat"))? * 1000;
        if (iat - now).abs() > JWT_SKEW_MS {
            return Err(bad("iat"));
        }
        if claims.exp.is_some_and(|e| e * 1000 < now) {
            return Err(bad("exp"));
        }
        let jti = claims
            .jti
            .filter(|j| !j.is_empty())
            .ok_or_else(|| bad("jti"))?;
        let email = claims.email.ok_or_else(|| bad("email"))?;
        let email = EmailAddress::parse(email.trim()).map_err(|_| bad("email"))?;
        let locale = match claims.locale_id {
            Some(serde_json::Value::String(s)) if s.starts_with("en") => "en",
            _ => "fr",
        };
        let mut tx = self.store.begin().await?;
        let fresh = tx
            .use_form_token(
                &hash_token(&format!("jwt:{jti}")),
                now,
                now - 2 * JWT_SKEW_MS,
            )
            .await?;
        tx.commit().await?;
        if !fresh {
            return Err(bad("jti"));
        }
        if let Some(u) = self.store.user_by_identity("email", email.as_str()).await?
            && u.role != Role::EndUser.as_str()
        {
            return Err(AppError::Forbidden("agents only"));
        }
        let id = self
            .ensure_customer(email.as_str(), claims.name.as_deref(), locale)
            .await?;
        let actor = self.customer_actor(id).await?;
        self.open_session(actor, Audience::Customer, None, user_agent)
            .await
    }
}
