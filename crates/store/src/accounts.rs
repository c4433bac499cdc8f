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
        self.insert_account_link_for(token_hash, user_id, purpose, None, now, expires_at)
            .await
    }

    /// [`Tx::insert_account_link`], naming the case the link opens (a customer's sign-in
    /// link asked for from a case page).
    pub async fn insert_account_link_for(
        &mut self,
        token_hash: &str,
        user_id: i64,
        purpose: &str,
        case_id: Option<i64>,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        // A case link (one per email sent) lives beside the others of its case; every
        // other purpose keeps one good link at a time.
        if purpose != "case" {
            on_tx!(self, t => sqlx::query(
                "UPDATE account_links SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
                .bind(now).bind(user_id).bind(purpose).execute(&mut **t).await?.rows_affected());
        }
        on_tx!(self, t => sqlx::query(
            "INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at, case_id) \
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(token_hash).bind(user_id).bind(purpose).bind(now).bind(expires_at).bind(case_id)
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

    /// Links of this purpose sent to this user since `since` (ms): the rate limits of
    /// resets and sign-in links. On PostgreSQL the user's row is locked first, so two
    /// requests counting at once are served one after the other and the cap holds (SQLite's
    /// single writer already serialises).
    pub async fn account_links_since(
        &mut self,
        user_id: i64,
        purpose: &str,
        since: i64,
    ) -> Result<i64> {
        if self.is_postgres() {
            on_tx!(self, t => sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(user_id).execute(&mut **t).await?.rows_affected());
        }
        let r: (i64,) = on_tx!(self, t => sqlx::query_as(
            "SELECT COUNT(*) FROM account_links WHERE user_id = $1 AND purpose = $2 AND created_at >= $3")
            .bind(user_id).bind(purpose).bind(since).fetch_one(&mut **t).await?);
        Ok(r.0)
    }

    /// Use a link once: its user, purpose and case, or None when unknown, used or expired.
    pub async fn take_account_link_with_case(
        &mut self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(i64, String, Option<i64>)>> {
        let r: Option<(i64, String, Option<i64>)> = on_tx!(self, t => sqlx::query_as(
            "UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
             AND expires_at > $1 RETURNING user_id, purpose, case_id")
            .bind(now).bind(token_hash).fetch_optional(&mut **t).await?);
        Ok(r)
    }

    /// A team's portal setting: may its customers mark their own open case solved.
    pub async fn set_team_customers_can_solve(&mut self, team_id: i64, on: bool) -> Result<u64> {
        Ok(on_tx!(self, t => sqlx::query(
            "UPDATE teams SET customers_can_solve = $2 WHERE id = $1")
            .bind(team_id).bind(on).execute(&mut **t).await?.rows_affected()))
    }

    /// Whether a team lets its customers mark an open case solved, read in the write.
    pub async fn team_customers_can_solve_in_tx(&mut self, team_id: i64) -> Result<bool> {
        let r: Option<(bool,)> = on_tx!(self, t => sqlx::query_as(
            "SELECT customers_can_solve FROM teams WHERE id = $1")
            .bind(team_id).fetch_optional(&mut **t).await?);
        Ok(r.is_none_or(|r| r.0))
    }
}

impl Store {
    /// Whether a team lets its customers mark an open case solved (true when the case has no
    /// team: the default).
    pub async fn team_customers_can_solve(&self, team_id: i64) -> Result<bool> {
        let r: Option<(bool,)> = on_read!(self, p => sqlx::query_as(
            "SELECT customers_can_solve FROM teams WHERE id = $1")
            .bind(team_id).fetch_optional(p).await?);
        Ok(r.is_none_or(|r| r.0))
    }

    /// Whether an organisation shares its cases among its members.
    pub async fn org_shared_tickets(&self, org_id: i64) -> Result<bool> {
        let r: Option<(bool,)> = on_read!(self, p => sqlx::query_as(
            "SELECT shared_tickets FROM organizations WHERE id = $1")
            .bind(org_id).fetch_optional(p).await?);
        Ok(r.is_some_and(|r| r.0))
    }

    /// A link's user, purpose and case while it is good (not used, not expired).
    pub async fn account_link_full(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(i64, String, Option<i64>)>> {
        let r: Option<(i64, String, Option<i64>)> = on_read!(self, p => sqlx::query_as(
            "SELECT user_id, purpose, case_id FROM account_links WHERE token_hash = $1 \
             AND used_at IS NULL AND expires_at > $2")
            .bind(token_hash).bind(now).fetch_optional(p).await?);
        Ok(r)
    }

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
