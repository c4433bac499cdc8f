//! Settings an administrator edits in the pages (key → JSON text), and single-use links to
//! set a password (agent invitations, password resets): only the link's hash is stored.

use crate::{Result, Store, Tx, on_read, on_tx};

impl Tx {
    pub async fn put_setting(&mut self, key: &str, value: &str, at: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
            .bind(key).bind(value).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn setting_in_tx(&mut self, key: &str) -> Result<Option<String>> {
        let r: Option<(String,)> = on_tx!(self, t => sqlx::query_as(
            "SELECT value FROM settings WHERE key = $1")
            .bind(key).fetch_optional(&mut **t).await?);
        Ok(r.map(|r| r.0))
    }

    /// A new link; earlier unused links of the same purpose for this user stop working.
    pub async fn insert_account_link(
        &mut self,
        token_hash: &str,
        user_id: i64,
        purpose: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "UPDATE account_links SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
            .bind(now).bind(user_id).bind(purpose).execute(&mut **t).await?.rows_affected());
        on_tx!(self, t => sqlx::query(
            "INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(user_id).bind(purpose).bind(now).bind(expires_at)
            .execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Use a link once: its user and purpose, or None when unknown, used or expired.
    pub async fn take_account_link(
        &mut self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(i64, String)>> {
        let r: Option<(i64, String)> = on_tx!(self, t => sqlx::query_as(
            "UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
             AND expires_at > $1 RETURNING user_id, purpose")
            .bind(now).bind(token_hash).fetch_optional(&mut **t).await?);
        Ok(r)
    }

    /// Every unused link of a user stops working (a password was set, the account locked).
    pub async fn expire_account_links(&mut self, user_id: i64, now: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "UPDATE account_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now).bind(user_id).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Password links sent to this user in the last `since` ms (the reset rate limit).
    pub async fn account_links_since(&mut self, user_id: i64, since: i64) -> Result<i64> {
        let r: (i64,) = on_tx!(self, t => sqlx::query_as(
            "SELECT COUNT(*) FROM account_links WHERE user_id = $1 AND created_at >= $2")
            .bind(user_id).bind(since).fetch_one(&mut **t).await?);
        Ok(r.0)
    }
}

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let r: Option<(String,)> = on_read!(self, p => sqlx::query_as(
            "SELECT value FROM settings WHERE key = $1")
            .bind(key).fetch_optional(p).await?);
        Ok(r.map(|r| r.0))
    }

    /// Whether a link is still good (shown before the form), without using it.
    pub async fn account_link(&self, token_hash: &str, now: i64) -> Result<Option<(i64, String)>> {
        let r: Option<(i64, String)> = on_read!(self, p => sqlx::query_as(
            "SELECT user_id, purpose FROM account_links WHERE token_hash = $1 AND used_at IS NULL \
             AND expires_at > $2")
            .bind(token_hash).bind(now).fetch_optional(p).await?);
        Ok(r)
    }

    /// Staff who have an unused, unexpired invitation (the agents page says "invited").
    pub async fn pending_invitations(&self, now: i64) -> Result<Vec<(i64, i64)>> {
        let r: Vec<(i64, i64)> = on_read!(self, p => sqlx::query_as(
            "SELECT user_id, MAX(expires_at) FROM account_links WHERE purpose = 'invitation' \
             AND used_at IS NULL AND expires_at > $1 GROUP BY user_id")
            .bind(now).fetch_all(p).await?);
        Ok(r)
    }
}
