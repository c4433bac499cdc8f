//! Authentication: API tokens (stored as SHA-256, they are random and long), passwords
//! (Argon2id), and a throttle on failed password attempts.

use crate::{Actor, App, AppError, Result};
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};
use domain::{EmailAddress, Role};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_token() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rngs::OsRng;
    (0..40)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

pub fn hash_password(pw: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

fn verify_password(pw: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// Password rules: long enough, not absurdly long (Argon2 input bound).
pub fn check_password(pw: &str) -> Result<()> {
    let n = pw.chars().count();
    if !(10..=256).contains(&n) {
        return Err(AppError::invalid(
            "password",
            "password-length",
            "10 to 256 characters",
        ));
    }
    Ok(())
}

/// Counts failed password attempts per account; after `MAX_FAILURES` in a window the
/// account is locked for the rest of the window.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const MAX_FAILURES: u32 = 10;
const WINDOW: Duration = Duration::from_secs(15 * 60);

impl LoginThrottle {
    fn check(&self, key: &str) -> Result<()> {
        let g = self.failures.lock().expect("throttle lock");
        if let Some((n, since)) = g.get(key) {
            let age = since.elapsed();
            if *n >= MAX_FAILURES && age < WINDOW {
                return Err(AppError::Throttled((WINDOW - age).as_secs().max(1)));
            }
        }
        Ok(())
    }
    fn fail(&self, key: &str) {
        let mut g = self.failures.lock().expect("throttle lock");
        let e = g.entry(key.to_string()).or_insert((0, Instant::now()));
        if e.1.elapsed() >= WINDOW {
            *e = (0, Instant::now());
        }
        e.0 += 1;
        if g.len() > 100_000 {
            g.retain(|_, (_, t)| t.elapsed() < WINDOW);
        }
    }
    fn succeed(&self, key: &str) {
        self.failures.lock().expect("throttle lock").remove(key);
    }
}

/// The actor a user row stands for; deactivated users are nobody.
pub(crate) fn actor_from(u: &store::UserRow) -> Result<Actor> {
    if !u.active {
        return Err(AppError::Unauthenticated);
    }
    let role: Role = u
        .role
        .parse()
        .map_err(|_| AppError::Internal("bad role".into()))?;
    Ok(Actor {
        user_id: u.id,
        role,
        name: u.name.clone(),
    })
}

impl App {
    pub(crate) async fn actor_of(&self, user_id: i64) -> Result<Actor> {
        let u = self
            .store
            .user(user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        actor_from(&u)
    }

    /// `email/token:TOKEN` (Basic) — the token must belong to the user with that email.
    pub async fn authenticate_token(&self, email: &str, token: &str) -> Result<Actor> {
        let owner = self
            .store
            .live_token_owner(&hash_token(token), self.now_ms())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let email = EmailAddress::parse(email).map_err(|_| AppError::Unauthenticated)?;
        let user = self
            .store
            .user_by_identity("email", email.as_str())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if user.id != owner.user_id {
            return Err(AppError::Unauthenticated);
        }
        self.actor_of(owner.user_id).await
    }

    /// `Authorization: Bearer TOKEN`.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Actor> {
        let owner = self
            .store
            .live_token_owner(&hash_token(token), self.now_ms())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        self.actor_of(owner.user_id).await
    }

    /// Email and password, throttled per account.
    pub async fn authenticate_password(&self, email: &str, password: &str) -> Result<Actor> {
        let email = EmailAddress::parse(email).map_err(|_| AppError::Unauthenticated)?;
        let key = email.as_str().to_string();
        self.throttle.check(&key)?;
        let user = self.store.user_by_identity("email", email.as_str()).await?;
        let hash = user.as_ref().and_then(|u| u.password_hash.clone());
        let pw = password.to_string();
        // Argon2 is deliberately slow: keep it off the async workers. Verify against a dummy
        // hash when the account is unknown so timing does not reveal which emails exist.
        let ok = tokio::task::spawn_blocking(move || match hash {
            Some(h) => verify_password(&pw, &h),
            None => {
                let _ = hash_password(&pw);
                false
            }
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        match (ok, user) {
            (true, Some(u)) => {
                self.throttle.succeed(&key);
                self.actor_of(u.id).await
            }
            _ => {
                self.throttle.fail(&key);
                Err(AppError::Unauthenticated)
            }
        }
    }

    /// Create a new API token for the user with this email; returns the token (shown once).
    pub async fn create_token(&self, email: &str, name: &str) -> Result<String> {
        self.create_token_expiring(email, name, None)
            .await
            .map(|(_, t)| t)
    }

    /// Create a token that stops working at `expires_at` (if given); returns its id and the
    /// token (shown once).
    pub async fn create_token_expiring(
        &self,
        email: &str,
        name: &str,
        expires_at: Option<jiff::Timestamp>,
    ) -> Result<(i64, String)> {
        let email = EmailAddress::parse(email)
            .map_err(|_| AppError::invalid("email", "email-invalid", email.to_string()))?;
        let user = self
            .store
            .user_by_identity("email", email.as_str())
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let now = self.now_ms();
        let expires = expires_at.map(|t| t.as_millisecond());
        if expires.is_some_and(|e| e <= now) {
            return Err(AppError::invalid(
                "expires_at",
                "invalid-value",
                "a time in the future",
            ));
        }
        let token = new_token();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_token_expiring(user.id, &hash_token(&token), name, now, expires)
            .await?;
        tx.commit().await?;
        Ok((id, token))
    }

    /// API tokens an actor may see: an administrator every token (or one user's), anyone
    /// else their own.
    pub async fn list_tokens(
        &self,
        actor: &Actor,
        user_id: Option<i64>,
    ) -> Result<Vec<store::ApiTokenRow>> {
        let whose = if actor.role == Role::Admin {
            user_id
        } else {
            match user_id {
                Some(u) if u != actor.user_id => return Err(AppError::NotFound("user")),
                _ => Some(actor.user_id),
            }
        };
        Ok(self.store.tokens(whose).await?)
    }

    /// Revoke an API token: its owner or an administrator. Another user's token looks
    /// absent to a non-admin.
    pub async fn revoke_token(&self, actor: Option<&Actor>, id: i64) -> Result<()> {
        let t = self
            .store
            .token(id)
            .await?
            .ok_or(AppError::NotFound("api_token"))?;
        if let Some(a) = actor
            && a.role != Role::Admin
            && a.user_id != t.user_id
        {
            return Err(AppError::NotFound("api_token"));
        }
        let mut tx = self.store.begin().await?;
        tx.delete_token(id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tokens of the user with this email (the command line: no actor).
    pub async fn tokens_of_email(&self, email: &str) -> Result<Vec<store::ApiTokenRow>> {
        let email = EmailAddress::parse(email)
            .map_err(|_| AppError::invalid("email", "email-invalid", email.to_string()))?;
        let user = self
            .store
            .user_by_identity("email", email.as_str())
            .await?
            .ok_or(AppError::NotFound("user"))?;
        Ok(self.store.tokens(Some(user.id)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 40);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn password_hash_is_argon2id_and_verifies() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
    }

    #[test]
    fn throttle_locks_after_repeated_failures() {
        let t = LoginThrottle::default();
        for _ in 0..MAX_FAILURES {
            assert!(t.check("a@b.c").is_ok());
            t.fail("a@b.c");
        }
        assert!(matches!(t.check("a@b.c"), Err(AppError::Throttled(_))));
        assert!(t.check("other@b.c").is_ok());
    }
}
