//! What the agent web UI stores of its own: browser sessions, canned answers, the complaint
//! playbook's checklist, compensation decisions; and the live-update channel between nodes
//! (PostgreSQL `NOTIFY`/`LISTEN`; SQLite runs in one process and needs none).

use crate::rows::CompensationRow;
use crate::{Db, Result, Store, Tx, on_read, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// `staff` (the agent screens) or `customer` (the portal): a session opens only the
    /// pages of its audience.
    pub audience: String,
    /// A customer session opened from a "view your case" link sees only this case.
    pub case_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct CannedRow {
    pub id: i64,
    pub shortcut: String,
    pub title: String,
    pub body: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaybookRow {
    pub case_id: i64,
    pub step: String,
    pub done_by: Option<i64>,
    pub done_at: i64,
}

/// The PostgreSQL channel every node listens on for live updates.
pub const LIVE_CHANNEL: &str = "guichet_live";

const SESSION_COLS: &str = "token_hash, user_id, csrf_token, user_agent, created_at, last_seen_at, expires_at, audience, case_id";
const CANNED_COLS: &str = "id, shortcut, title, body, created_by, created_at, updated_at";
const COMP_COLS: &str = "id, case_id, kind, amount_cents, currency, note, status, requested_by_id, decided_by_id, created_at, decided_at";

impl Tx {
    pub async fn insert_session(&mut self, s: &SessionRow) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, user_agent, created_at, last_seen_at, expires_at, audience, case_id) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)")
            .bind(&s.token_hash).bind(s.user_id).bind(&s.csrf_token).bind(&s.user_agent)
            .bind(s.created_at).bind(s.last_seen_at).bind(s.expires_at).bind(&s.audience).bind(s.case_id)
            .execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Sliding expiry: a session seen again lives on.
    pub async fn touch_session(&mut self, hash: &str, seen: i64, expires: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1")
            .bind(hash).bind(seen).bind(expires).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn delete_session(&mut self, hash: &str) -> Result<()> {
        on_tx!(self, t => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(hash).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Sign a user out everywhere but `keep` (after a password change).
    pub async fn delete_other_sessions(&mut self, user_id: i64, keep: &str) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id).bind(keep).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    /// Sign a user out everywhere (a password set through a link, a locked account).
    pub async fn delete_all_sessions(&mut self, user_id: i64) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    pub async fn delete_expired_sessions(&mut self, now: i64) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    pub async fn set_password_hash(&mut self, user_id: i64, hash: &str, at: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(user_id).bind(hash).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn insert_canned(&mut self, c: &CannedRow) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO canned_answers (shortcut, title, body, created_by, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6) RETURNING id")
            .bind(&c.shortcut).bind(&c.title).bind(&c.body).bind(c.created_by)
            .bind(c.created_at).bind(c.updated_at).fetch_one(&mut **t).await?);
        Ok(id)
    }

    pub async fn update_canned(&mut self, c: &CannedRow) -> Result<bool> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE canned_answers SET shortcut = $2, title = $3, body = $4, updated_at = $5 WHERE id = $1")
            .bind(c.id).bind(&c.shortcut).bind(&c.title).bind(&c.body).bind(c.updated_at)
            .execute(&mut **t).await?.rows_affected());
        Ok(n == 1)
    }

    pub async fn delete_canned(&mut self, id: i64) -> Result<bool> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM canned_answers WHERE id = $1")
            .bind(id).execute(&mut **t).await?.rows_affected());
        Ok(n == 1)
    }

    /// Tick or untick a playbook step; returns whether anything changed.
    pub async fn set_playbook_step(
        &mut self,
        case_id: i64,
        step: &str,
        done: bool,
        by: i64,
        at: i64,
    ) -> Result<bool> {
        let n = if done {
            on_tx!(self, t => sqlx::query(
                "INSERT INTO playbook_steps (case_id, step, done_by, done_at) VALUES ($1,$2,$3,$4) \
                 ON CONFLICT (case_id, step) DO NOTHING")
                .bind(case_id).bind(step).bind(by).bind(at).execute(&mut **t).await?.rows_affected())
        } else {
            on_tx!(self, t => sqlx::query("DELETE FROM playbook_steps WHERE case_id = $1 AND step = $2")
                .bind(case_id).bind(step).execute(&mut **t).await?.rows_affected())
        };
        Ok(n == 1)
    }

    pub async fn compensations_in_tx(&mut self, case_id: i64) -> Result<Vec<CompensationRow>> {
        let sql = format!("SELECT {COMP_COLS} FROM compensations WHERE case_id = $1");
        let r = on_tx!(self, t => sqlx::query_as::<_, CompensationRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(case_id).fetch_all(&mut **t).await?);
        Ok(r)
    }

    pub async fn compensation_in_tx(&mut self, id: i64) -> Result<Option<CompensationRow>> {
        let sql = format!("SELECT {COMP_COLS} FROM compensations WHERE id = $1");
        let r = on_tx!(self, t => sqlx::query_as::<_, CompensationRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(id).fetch_optional(&mut **t).await?);
        Ok(r)
    }

    /// Decide a requested compensation; false when it was no longer waiting (decided by
    /// someone else in between).
    pub async fn decide_compensation(
        &mut self,
        id: i64,
        status: &str,
        by: i64,
        at: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE compensations SET status = $2, decided_by_id = $3, decided_at = $4 \
             WHERE id = $1 AND status = 'requested'")
            .bind(id).bind(status).bind(by).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(n == 1)
    }
}

impl Store {
    /// Tell every node's listener about a live update (PostgreSQL `NOTIFY`, sent after the
    /// write committed). A no-op on SQLite, which runs in one process.
    pub async fn notify_live(&self, payload: &str) -> Result<()> {
        if let Db::Postgres(p) = &self.db {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(LIVE_CHANNEL)
                .bind(payload)
                .execute(p)
                .await?;
        }
        Ok(())
    }

    pub async fn session(&self, hash: &str) -> Result<Option<SessionRow>> {
        let sql = format!("SELECT {SESSION_COLS} FROM sessions WHERE token_hash = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, SessionRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(hash).fetch_optional(p).await?);
        Ok(r)
    }

    /// The newest charter version this user has not acknowledged (one query, every page).
    pub async fn charter_unacknowledged(&self, user_id: i64) -> Result<Option<i64>> {
        let r = on_read!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT v.version FROM charter_versions v WHERE v.version = (SELECT MAX(version) FROM charter_versions) \
             AND NOT EXISTS (SELECT 1 FROM charter_acks a WHERE a.version = v.version AND a.user_id = $1)")
            .bind(user_id).fetch_optional(p).await?);
        Ok(r)
    }

    /// The teams a user belongs to.
    pub async fn team_ids_of(&self, user_id: i64) -> Result<Vec<i64>> {
        let r = on_read!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id")
            .bind(user_id).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn canned_answers(&self) -> Result<Vec<CannedRow>> {
        let sql = format!("SELECT {CANNED_COLS} FROM canned_answers ORDER BY shortcut");
        let r = on_read!(self, p => sqlx::query_as::<_, CannedRow>(sqlx::AssertSqlSafe(&*sql))
            .fetch_all(p).await?);
        Ok(r)
    }

    pub async fn canned_by_shortcut(&self, shortcut: &str) -> Result<Option<CannedRow>> {
        let sql = format!("SELECT {CANNED_COLS} FROM canned_answers WHERE shortcut = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, CannedRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(shortcut).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn playbook_steps(&self, case_id: i64) -> Result<Vec<PlaybookRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, PlaybookRow>(
            "SELECT case_id, step, done_by, done_at FROM playbook_steps WHERE case_id = $1 ORDER BY done_at")
            .bind(case_id).fetch_all(p).await?);
        Ok(r)
    }

    /// Approved compensation given to a customer over all their cases, per currency (E3).
    pub async fn compensations_of_requester(
        &self,
        requester_id: i64,
    ) -> Result<Vec<(String, i64)>> {
        let r = on_read!(self, p => sqlx::query_as::<_, (String, i64)>(
            "SELECT w.currency, CAST(SUM(w.amount_cents) AS BIGINT) FROM compensations w \
             JOIN cases c ON c.id = w.case_id \
             WHERE c.requester_id = $1 AND w.status = 'approved' GROUP BY w.currency ORDER BY w.currency")
            .bind(requester_id).fetch_all(p).await?);
        Ok(r)
    }

    /// A dedicated connection listening on the live channel (PostgreSQL only).
    pub async fn live_listener(&self) -> Result<Option<sqlx::postgres::PgListener>> {
        match &self.db {
            Db::Postgres(p) => {
                let mut l = sqlx::postgres::PgListener::connect_with(p).await?;
                l.listen(LIVE_CHANNEL).await?;
                Ok(Some(l))
            }
            Db::Sqlite { .. } => Ok(None),
        }
    }
}
