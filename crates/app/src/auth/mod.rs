//! Authentication: API tokens (stored as SHA-256, they are random and long), passwords
//! (Argon2id), and a throttle on failed password attempts.

pub mod links;
pub mod sessions;
pub mod throttle;

use crate::auth::throttle::{Buckets, Failures};
use crate::model;
use crate::{Actor, App, AppError, Result};
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash};
use domain::{EmailAddress, Role};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::sync::Mutex;

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compare two secrets in constant time (for equal lengths).
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
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

#[cfg(test)]
fn verify_password(pw: &str, hash: &str) -> bool {
    let mut mem = Vec::new();
    verify_with_memory(pw.as_bytes(), hash, &mut mem)
}

/// Largest Argon2 memory a stored hash may ask for (KiB): ours use 19 MiB.
const MAX_M_COST: u32 = 256 * 1024;

/// Verify `pw` against a PHC string, computing in `mem` (kept by the worker between calls,
/// so the 19 MiB of each hash are allocated once per worker, not once per attempt).
fn verify_with_memory(pw: &[u8], phc: &str, mem: &mut Vec<argon2::Block>) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(h.algorithm) else {
        return false;
    };
    let version = match h.version.map(argon2::Version::try_from) {
        None => argon2::Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Ok(p), Some(salt), Some(expected)) = (argon2::Params::try_from(&h), h.salt, h.hash) else {
        return false;
    };
    if p.m_cost() > MAX_M_COST {
        return false;
    }
    let expected = expected.as_bytes();
    let Ok(params) = argon2::Params::new(p.m_cost(), p.t_cost(), p.p_cost(), Some(expected.len()))
    else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    if mem.len() < params.block_count() {
        mem.resize(params.block_count(), argon2::Block::default());
    }
    let blocks = params.block_count();
    let mut out = vec![0u8; expected.len()];
    let a = Argon2::new(algorithm, version, params);
    if a.hash_password_into_with_memory(pw, salt, &mut out, &mut mem[..blocks])
        .is_err()
    {
        return false;
    }
    // Constant time: every byte compared.
    out.iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// The hash checked when the account is unknown, so timing does not reveal which exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

struct VerifyJob {
    password: String,
    hash: Option<String>,
    reply: tokio::sync::oneshot::Sender<bool>,
}

/// Password verification on a fixed set of worker threads (one per core), each reusing its
/// Argon2 memory, behind a bounded queue: at most `workers × 19 MiB` is ever in use, and
/// when the queue is full an attempt is refused at once (429) instead of waiting.
pub struct Verifier {
    queue: std::sync::mpsc::SyncSender<VerifyJob>,
}

impl Verifier {
    pub fn new(workers: usize, queue: usize) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel::<VerifyJob>(queue);
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..workers.max(1) {
            let rx = rx.clone();
            let _ = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut mem = Vec::new();
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        // The sender is gone with the App: stop.
                        let Ok(job) = job else { return };
                        let ok = match &job.hash {
                            Some(h) => verify_with_memory(job.password.as_bytes(), h, &mut mem),
                            None => {
                                verify_with_memory(job.password.as_bytes(), dummy_hash(), &mut mem);
                                false
                            }
                        };
                        let _ = job.reply.send(ok);
                    }
                });
        }
        Self { queue: tx }
    }

    /// Sized to the machine: one worker per core, four waiting per worker.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(16);
        Self::new(cores, cores * 4)
    }

    /// Verify, or `Throttled` at once when too many verifications already wait.
    async fn verify(&self, password: &str, hash: Option<String>) -> Result<bool> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.queue
            .try_send(VerifyJob {
                password: password.to_string(),
                hash,
                reply,
            })
            .map_err(|_| AppError::Throttled(1))?;
        rx.await
            .map_err(|_| AppError::Internal("password worker stopped".into()))
    }
}

/// Password rules: long enough, not absurdly long (Argon2 input bound).
pub fn check_password(pw: &str) -> Result<()> {
    let n = pw.chars().count();
    if !(10..=256).contains(&n) {
        return Err(AppError::invalid("password", "password-length", "10–256"));
    }
    Ok(())
}

tokio::task_local! {
    /// The address of the client a transport is serving; transports set it around the calls
    /// that may check a password (`CLIENT_IP.scope(ip, fut)`), so the throttles can key by it.
    pub static CLIENT_IP: std::net::IpAddr;
}

pub(crate) fn client_ip() -> Option<std::net::IpAddr> {
    CLIENT_IP.try_with(|ip| *ip).ok()
}

/// Failed-password throttles. A stranger must not be able to lock the real user out, and
/// one address must not be able to spray many accounts:
/// - per (account, address): 10 failures lock that pair (decaying over 15 minutes);
/// - per address: 30 failures lock the address for every account (the count decays, so
///   the address gets one more try every 30 s: a backoff, not a ban). Successes cost
///   nothing, so a client that sends its password with every call is not slowed;
/// - per account: 50 failures (from anywhere) lock it only for addresses that have
///   themselves failed on it, so a correct password from an address that never failed
///   still gets in;
/// - globally: password attempts are a token bucket (burst 200, 50 a second), and the
///   verifier's queue refuses at once when full (which bounds concurrent hashing whatever
///   the number of addresses).
pub struct LoginThrottle {
    pair: Failures<(String, Option<std::net::IpAddr>)>,
    ip_failures: Failures<Option<std::net::IpAddr>>,
    account: Failures<String>,
    global: Buckets<()>,
}

const WINDOW_SECS: u64 = 15 * 60;
const MAX_FAILURES: u32 = 10;

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            pair: Failures::new(MAX_FAILURES, WINDOW_SECS),
            ip_failures: Failures::new(30, WINDOW_SECS),
            account: Failures::new(50, WINDOW_SECS),
            global: Buckets::new(200, 50.0),
        }
    }
}

impl LoginThrottle {
    fn check(&self, account: &str, ip: Option<std::net::IpAddr>) -> Result<()> {
        let pair = (account.to_string(), ip);
        if let Some(s) = self
            .ip_failures
            .locked(&ip)
            .or_else(|| self.pair.locked(&pair))
        {
            return Err(AppError::Throttled(s));
        }
        if self.pair.count(&pair) > 0.0
            && let Some(s) = self.account.locked(&account.to_string())
        {
            return Err(AppError::Throttled(s));
        }
        let t = self.global.take(&());
        if !t.allowed {
            return Err(AppError::Throttled(t.reset_secs));
        }
        Ok(())
    }
    fn fail(&self, account: &str, ip: Option<std::net::IpAddr>) {
        self.pair.fail(&(account.to_string(), ip));
        self.ip_failures.fail(&ip);
        self.account.fail(&account.to_string());
    }
    fn succeed(&self, account: &str, ip: Option<std::net::IpAddr>) {
        self.pair.clear(&(account.to_string(), ip));
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

    /// Email and password, throttled per address, per account and address, and globally
    /// (see `LoginThrottle`); the client's address comes from `CLIENT_IP` when the transport
    /// set it.
    pub async fn authenticate_password(&self, email: &str, password: &str) -> Result<Actor> {
        let ip = client_ip();
        let key = EmailAddress::parse(email)
            .map(|e| e.as_str().to_string())
            .unwrap_or_else(|_| email.trim().to_lowercase().chars().take(254).collect());
        self.throttle.check(&key, ip)?;
        let Ok(email) = EmailAddress::parse(email) else {
            self.throttle.fail(&key, ip);
            return Err(AppError::Unauthenticated);
        };
        let user = self.store.user_by_identity("email", email.as_str()).await?;
        let hash = user.as_ref().and_then(|u| u.password_hash.clone());
        // Argon2 is deliberately slow and big: it runs on the verifier's workers. An unknown
        // account is checked against a dummy hash so timing does not reveal which exist.
        let ok = self.verifier.verify(password, hash).await?;
        match (ok, user) {
            (true, Some(u)) => {
                self.throttle.succeed(&key, ip);
                self.actor_of(u.id).await
            }
            _ => {
                self.throttle.fail(&key, ip);
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
    ) -> Result<Vec<model::ApiToken>> {
        let whose = if actor.role == Role::Admin {
            user_id
        } else {
            match user_id {
                Some(u) if u != actor.user_id => return Err(AppError::NotFound("user")),
                _ => Some(actor.user_id),
            }
        };
        Ok(crate::model::all(self.store.tokens(whose).await?))
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
    pub async fn tokens_of_email(&self, email: &str) -> Result<Vec<model::ApiToken>> {
        let email = EmailAddress::parse(email)
            .map_err(|_| AppError::invalid("email", "email-invalid", email.to_string()))?;
        let user = self
            .store
            .user_by_identity("email", email.as_str())
            .await?
            .ok_or(AppError::NotFound("user"))?;
        Ok(crate::model::all(self.store.tokens(Some(user.id)).await?))
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
    fn throttle_locks_the_pair_not_the_account_for_others() {
        let t = LoginThrottle::default();
        let stranger = Some("203.0.113.9".parse().unwrap());
        let owner = Some("198.51.100.4".parse().unwrap());
        for _ in 0..MAX_FAILURES {
            assert!(t.check("a@b.c", stranger).is_ok());
            t.fail("a@b.c", stranger);
        }
        assert!(matches!(
            t.check("a@b.c", stranger),
            Err(AppError::Throttled(_))
        ));
        assert!(t.check("a@b.c", owner).is_ok());
        assert!(t.check("other@b.c", stranger).is_ok());
    }

    #[test]
    fn verify_with_reused_memory_matches_the_library() {
        let h = hash_password("correct horse battery").unwrap();
        let mut mem = Vec::new();
        assert!(verify_with_memory(b"correct horse battery", &h, &mut mem));
        assert!(!verify_with_memory(b"correct horse batterx", &h, &mut mem));
        assert!(verify_with_memory(b"correct horse battery", &h, &mut mem));
        assert!(!verify_with_memory(
            b"x",
            "$argon2id$v=19$m=9999999,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            &mut mem
        ));
        assert!(!verify_with_memory(b"x", "not a hash", &mut mem));
    }
}
