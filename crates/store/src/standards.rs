//! Calendars, standards, clocks, durable jobs, notifications and the service charter.

use crate::rows::*;
use crate::{Result, Store, StoreError, Tx, on_read, on_tx};

const CALENDAR_COLS: &str = "id, name, time_zone, intervals, created_at, updated_at";
const HOLIDAY_COLS: &str = "id, calendar_id, name, start_date, end_date, recurring, created_at";
const STANDARD_COLS: &str = "id, name, metric, scope, threshold_minutes, target_percent, \
    unacceptable_minutes, warn_percent, calendar_id, actions, active, position, created_at, \
    updated_at, deleted_at";
const CLOCK_COLS: &str = "id, case_id, standard_id, instance, metric, state, started_at, \
    running_since, elapsed_ms, pauses, due_at, warn_at, unacceptable_at, target_at, fulfilled_at, \
    breached_at, warning_fired_at, breach_fired_at, unacceptable_fired_at, team_id, assignee_id, \
    updated_at";
const JOB_COLS: &str =
    "id, kind, key, run_at, payload, attempts, last_error, created_at, updated_at";
const NOTIFICATION_COLS: &str =
    "id, user_id, kind, case_id, standard_id, detail, created_at, read_at";

/// Counts of finished clock instances in a window, for one group (team, agent or all).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct AttainmentCounts {
    pub group_id: Option<i64>,
    pub achieved: i64,
    pub breached: i64,
}

/// Open instances of a standard as of now, for one group.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenCounts {
    pub group_id: Option<i64>,
    pub open: i64,
    /// Past their deadline, still unfulfilled: certain breaches.
    pub overdue: i64,
    /// Past their warning point but not yet due.
    pub at_risk: i64,
}

/// How attainment is broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    All,
    Team,
    Agent,
}

impl Grouping {
    fn column(self) -> &'static str {
        match self {
            Grouping::All => "CAST(NULL AS BIGINT)",
            Grouping::Team => "team_id",
            Grouping::Agent => "assignee_id",
        }
    }

    /// PostgreSQL refuses to group by a constant.
    fn group_by(self) -> String {
        match self {
            Grouping::All => String::new(),
            g => format!(" GROUP BY {0} ORDER BY {0}", g.column()),
        }
    }
}

/// A message or status change of a case, for replaying its clocks.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryItem {
    pub at_ms: i64,
    /// "message" or "status".
    pub what: String,
    pub public: Option<bool>,
    pub automatic: Option<bool>,
    pub author_role: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl Tx {
    // ---------- calendars ----------

    pub async fn insert_calendar(&mut self, c: &CalendarRow) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO calendars (name, time_zone, intervals, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5) RETURNING id")
            .bind(&c.name).bind(&c.time_zone).bind(&c.intervals).bind(c.created_at).bind(c.updated_at)
            .fetch_one(&mut **t).await?);
        Ok(id)
    }

    pub async fn update_calendar(&mut self, c: &CalendarRow) -> Result<()> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE calendars SET name=$2, time_zone=$3, intervals=$4, updated_at=$5 WHERE id=$1")
            .bind(c.id).bind(&c.name).bind(&c.time_zone).bind(&c.intervals).bind(c.updated_at)
            .execute(&mut **t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Delete a calendar no standard uses; false when one does.
    pub async fn delete_unused_calendar(&mut self, id: i64) -> Result<bool> {
        let used: i64 = on_tx!(self, t => sqlx::query_scalar(
            "SELECT COUNT(*) FROM standards WHERE calendar_id = $1")
            .bind(id).fetch_one(&mut **t).await?);
        if used > 0 {
            return Ok(false);
        }
        on_tx!(self, t => sqlx::query("DELETE FROM holidays WHERE calendar_id = $1")
            .bind(id).execute(&mut **t).await?.rows_affected());
        let n = on_tx!(self, t => sqlx::query("DELETE FROM calendars WHERE id = $1")
            .bind(id).execute(&mut **t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(true)
    }

    pub async fn insert_holiday(&mut self, h: &HolidayRow) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO holidays (calendar_id, name, start_date, end_date, recurring, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6) RETURNING id")
            .bind(h.calendar_id).bind(&h.name).bind(&h.start_date).bind(&h.end_date).bind(h.recurring)
            .bind(h.created_at).fetch_one(&mut **t).await?);
        Ok(id)
    }

    pub async fn delete_holiday(&mut self, calendar_id: i64, id: i64) -> Result<()> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM holidays WHERE calendar_id = $1 AND id = $2")
            .bind(calendar_id).bind(id).execute(&mut **t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    // ---------- standards ----------

    pub async fn insert_standard(&mut self, s: &StandardRow) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO standards (name, metric, scope, threshold_minutes, target_percent, \
             unacceptable_minutes, warn_percent, calendar_id, actions, active, position, created_at, \
             updated_at, deleted_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id")
            .bind(&s.name).bind(&s.metric).bind(&s.scope).bind(s.threshold_minutes).bind(s.target_percent)
            .bind(s.unacceptable_minutes).bind(s.warn_percent).bind(s.calendar_id).bind(&s.actions)
            .bind(s.active).bind(s.position).bind(s.created_at).bind(s.updated_at).bind(s.deleted_at)
            .fetch_one(&mut **t).await?);
        Ok(id)
    }

    pub async fn update_standard(&mut self, s: &StandardRow) -> Result<()> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE standards SET name=$2, metric=$3, scope=$4, threshold_minutes=$5, target_percent=$6, \
             unacceptable_minutes=$7, warn_percent=$8, calendar_id=$9, actions=$10, active=$11, \
             position=$12, updated_at=$13, deleted_at=$14 WHERE id=$1")
            .bind(s.id).bind(&s.name).bind(&s.metric).bind(&s.scope).bind(s.threshold_minutes)
            .bind(s.target_percent).bind(s.unacceptable_minutes).bind(s.warn_percent).bind(s.calendar_id)
            .bind(&s.actions).bind(s.active).bind(s.position).bind(s.updated_at).bind(s.deleted_at)
            .execute(&mut **t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    // ---------- clocks ----------

    pub async fn clocks_of_case_in_tx(&mut self, case_id: i64) -> Result<Vec<ClockRow>> {
        let sql = format!("SELECT {CLOCK_COLS} FROM clocks WHERE case_id = $1 ORDER BY id");
        let r = on_tx!(self, t => sqlx::query_as::<_, ClockRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(case_id).fetch_all(&mut **t).await?);
        Ok(r)
    }

    /// Insert new clock instances and update changed ones in one statement per 40 rows
    /// (one round trip instead of one per clock).
    pub async fn upsert_clocks(&mut self, rows: &[ClockRow]) -> Result<()> {
        const COLS: usize = 21;
        for chunk in rows.chunks(40) {
            let values = (0..chunk.len())
                .map(|r| {
                    let ps: Vec<String> =
                        (1..=COLS).map(|c| format!("${}", r * COLS + c)).collect();
                    format!("({})", ps.join(","))
                })
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "INSERT INTO clocks (case_id, standard_id, instance, metric, state, started_at, \
                 running_since, elapsed_ms, pauses, due_at, warn_at, unacceptable_at, target_at, \
                 fulfilled_at, breached_at, warning_fired_at, breach_fired_at, unacceptable_fired_at, \
                 team_id, assignee_id, updated_at) VALUES {values} \
                 ON CONFLICT (case_id, standard_id, instance) DO UPDATE SET state = excluded.state, \
                 running_since = excluded.running_since, elapsed_ms = excluded.elapsed_ms, \
                 pauses = excluded.pauses, due_at = excluded.due_at, warn_at = excluded.warn_at, \
                 unacceptable_at = excluded.unacceptable_at, target_at = excluded.target_at, \
                 fulfilled_at = excluded.fulfilled_at, breached_at = excluded.breached_at, \
                 warning_fired_at = excluded.warning_fired_at, breach_fired_at = excluded.breach_fired_at, \
                 unacceptable_fired_at = excluded.unacceptable_fired_at, team_id = excluded.team_id, \
                 assignee_id = excluded.assignee_id, updated_at = excluded.updated_at"
            );
            on_tx!(self, t => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(&*sql));
                for c in chunk {
                    q = q.bind(c.case_id).bind(c.standard_id).bind(c.instance).bind(&c.metric)
                        .bind(&c.state).bind(c.started_at).bind(c.running_since).bind(c.elapsed_ms)
                        .bind(&c.pauses).bind(c.due_at).bind(c.warn_at).bind(c.unacceptable_at)
                        .bind(c.target_at).bind(c.fulfilled_at).bind(c.breached_at)
                        .bind(c.warning_fired_at).bind(c.breach_fired_at)
                        .bind(c.unacceptable_fired_at).bind(c.team_id).bind(c.assignee_id)
                        .bind(c.updated_at);
                }
                q.execute(&mut **t).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// The messages (with their author's role) and status changes of a case, oldest first.
    pub async fn case_history(&mut self, case_id: i64) -> Result<Vec<HistoryItem>> {
        let sql = "SELECT m.created_at AS at_ms, 'message' AS what, m.public AS public, \
                m.automatic AS automatic, u.role AS author_role, NULL AS old_value, NULL AS new_value \
             FROM messages m JOIN users u ON u.id = m.author_id WHERE m.case_id = $1 \
             UNION ALL \
             SELECT e.created_at, 'status', NULL, NULL, NULL, e.old_value, e.new_value \
             FROM case_events e WHERE e.case_id = $1 AND e.field = 'status' \
             ORDER BY at_ms, what";
        let r = on_tx!(self, t => sqlx::query_as::<_, HistoryItem>(sql)
            .bind(case_id).fetch_all(&mut **t).await?);
        Ok(r)
    }

    // ---------- jobs ----------

    /// Schedule (or move) the job with this key.
    pub async fn upsert_job(
        &mut self,
        kind: &str,
        key: &str,
        run_at: i64,
        payload: &str,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO jobs (kind, key, run_at, payload, attempts, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,0,$5,$5) \
             ON CONFLICT (key) DO UPDATE SET run_at = excluded.run_at, payload = excluded.payload, \
             attempts = 0, last_error = NULL, updated_at = excluded.updated_at")
            .bind(kind).bind(key).bind(run_at).bind(payload).bind(now)
            .execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn delete_job(&mut self, key: &str) -> Result<()> {
        on_tx!(self, t => sqlx::query("DELETE FROM jobs WHERE key = $1")
            .bind(key).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Take the job with this key if it is still due and no other node holds it
    /// (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite's single writer serialises).
    pub async fn claim_job(&mut self, key: &str, now: i64) -> Result<Option<QueuedJob>> {
        let lock = if self.is_postgres() {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE key = $1 AND run_at <= $2{lock}");
        let r = on_tx!(self, t => sqlx::query_as::<_, QueuedJob>(sqlx::AssertSqlSafe(&*sql))
            .bind(key).bind(now).fetch_optional(&mut **t).await?);
        Ok(r)
    }

    /// Record a failed attempt and when to try again.
    pub async fn job_failed(
        &mut self,
        id: i64,
        error: &str,
        retry_at: i64,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "UPDATE jobs SET attempts = attempts + 1, last_error = $2, run_at = $3, updated_at = $4 WHERE id = $1")
            .bind(id).bind(error).bind(retry_at).bind(now).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    // ---------- notifications and charter ----------

    /// One notification per user.
    pub async fn insert_notifications(
        &mut self,
        user_ids: &[i64],
        kind: &str,
        case_id: Option<i64>,
        standard_id: Option<i64>,
        detail: &str,
        at: i64,
    ) -> Result<()> {
        for chunk in user_ids.chunks(500) {
            let ids = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "INSERT INTO notifications (user_id, kind, case_id, standard_id, detail, created_at) \
                 SELECT id, $1, $2, $3, $4, $5 FROM users WHERE id IN ({ids})"
            );
            on_tx!(self, t => sqlx::query(sqlx::AssertSqlSafe(&*sql))
                .bind(kind).bind(case_id).bind(standard_id).bind(detail).bind(at)
                .execute(&mut **t).await?.rows_affected());
        }
        Ok(())
    }

    pub async fn mark_notification_read(&mut self, user_id: i64, id: i64, at: i64) -> Result<bool> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2")
            .bind(id).bind(user_id).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(n > 0)
    }

    /// Publish the next version of the charter; returns its number.
    pub async fn insert_charter_version(
        &mut self,
        vision: &str,
        standards: &str,
        by: i64,
        at: i64,
    ) -> Result<i64> {
        let v: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO charter_versions (version, vision, standards, published_by, published_at) \
             SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4 FROM charter_versions RETURNING version")
            .bind(vision).bind(standards).bind(by).bind(at).fetch_one(&mut **t).await?);
        Ok(v)
    }

    /// Record an acknowledgement; a repeated one keeps the first time.
    pub async fn ack_charter(&mut self, version: i64, user_id: i64, at: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO charter_acks (version, user_id, acked_at) VALUES ($1,$2,$3) \
             ON CONFLICT (version, user_id) DO NOTHING")
            .bind(version).bind(user_id).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Active users with this role.
    pub async fn users_with_role_in_tx(&mut self, role: &str) -> Result<Vec<i64>> {
        let r = on_tx!(self, t => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM users WHERE active AND role = $1 ORDER BY id")
            .bind(role).fetch_all(&mut **t).await?);
        Ok(r)
    }

    /// Active members of a team with this role.
    pub async fn team_members_with_role(&mut self, team_id: i64, role: &str) -> Result<Vec<i64>> {
        let r = on_tx!(self, t => sqlx::query_scalar::<_, i64>(
            "SELECT u.id FROM team_members m JOIN users u ON u.id = m.user_id \
             WHERE m.team_id = $1 AND u.role = $2 AND u.active ORDER BY u.id")
            .bind(team_id).bind(role).fetch_all(&mut **t).await?);
        Ok(r)
    }
}

impl Store {
    pub async fn calendars(&self) -> Result<Vec<CalendarRow>> {
        let sql = format!("SELECT {CALENDAR_COLS} FROM calendars ORDER BY id");
        let r = on_read!(self, p => sqlx::query_as::<_, CalendarRow>(sqlx::AssertSqlSafe(&*sql))
            .fetch_all(p).await?);
        Ok(r)
    }

    pub async fn calendar(&self, id: i64) -> Result<Option<CalendarRow>> {
        let sql = format!("SELECT {CALENDAR_COLS} FROM calendars WHERE id = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, CalendarRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    /// Holidays of every calendar, or of one.
    pub async fn holidays(&self, calendar_id: Option<i64>) -> Result<Vec<HolidayRow>> {
        let filter = if calendar_id.is_some() {
            "WHERE calendar_id = $1"
        } else {
            "WHERE calendar_id <> $1"
        };
        let sql = format!("SELECT {HOLIDAY_COLS} FROM holidays {filter} ORDER BY start_date, id");
        let r = on_read!(self, p => sqlx::query_as::<_, HolidayRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(calendar_id.unwrap_or(0)).fetch_all(p).await?);
        Ok(r)
    }

    /// Standards not deleted, in their order.
    pub async fn standards(&self) -> Result<Vec<StandardRow>> {
        let sql = format!(
            "SELECT {STANDARD_COLS} FROM standards WHERE deleted_at IS NULL ORDER BY position, id"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, StandardRow>(sqlx::AssertSqlSafe(&*sql))
            .fetch_all(p).await?);
        Ok(r)
    }

    /// Was any standard ever created (deleted ones included)?
    pub async fn standards_exist(&self) -> Result<bool> {
        let n: i64 = on_read!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM standards LIMIT 1) s")
            .fetch_one(p).await?);
        Ok(n > 0)
    }

    pub async fn standard(&self, id: i64) -> Result<Option<StandardRow>> {
        let sql =
            format!("SELECT {STANDARD_COLS} FROM standards WHERE id = $1 AND deleted_at IS NULL");
        let r = on_read!(self, p => sqlx::query_as::<_, StandardRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn clocks_of_case(&self, case_id: i64) -> Result<Vec<ClockRow>> {
        let sql = format!("SELECT {CLOCK_COLS} FROM clocks WHERE case_id = $1 ORDER BY id");
        let r = on_read!(self, p => sqlx::query_as::<_, ClockRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(case_id).fetch_all(p).await?);
        Ok(r)
    }

    /// Finished instances of a standard with `from <= fulfilled_at < to`, achieved and
    /// breached, per group.
    pub async fn attainment_counts(
        &self,
        standard_id: i64,
        from: i64,
        to: i64,
        group: Grouping,
    ) -> Result<Vec<AttainmentCounts>> {
        let (g, gb) = (group.column(), group.group_by());
        let sql = format!(
            "SELECT {g} AS group_id, \
                COALESCE(SUM(CASE WHEN state = 'achieved' THEN 1 ELSE 0 END), 0) AS achieved, \
                COALESCE(SUM(CASE WHEN state = 'breached' THEN 1 ELSE 0 END), 0) AS breached \
             FROM clocks WHERE standard_id = $1 AND state IN ('achieved', 'breached') \
                AND fulfilled_at >= $2 AND fulfilled_at < $3{gb}"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, AttainmentCounts>(sqlx::AssertSqlSafe(&*sql))
            .bind(standard_id).bind(from).bind(to).fetch_all(p).await?);
        Ok(r)
    }

    /// Open instances of a standard, with how many are overdue or past their warning.
    pub async fn open_clock_counts(
        &self,
        standard_id: i64,
        now: i64,
        group: Grouping,
    ) -> Result<Vec<OpenCounts>> {
        let (g, gb) = (group.column(), group.group_by());
        let sql = format!(
            "SELECT {g} AS group_id, COUNT(*) AS open, \
                COALESCE(SUM(CASE WHEN due_at <= $2 OR breached_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS overdue, \
                COALESCE(SUM(CASE WHEN due_at > $2 AND breached_at IS NULL AND warn_at <= $2 THEN 1 ELSE 0 END), 0) AS at_risk \
             FROM clocks WHERE standard_id = $1 AND state IN ('active', 'paused'){gb}"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, OpenCounts>(sqlx::AssertSqlSafe(&*sql))
            .bind(standard_id).bind(now).fetch_all(p).await?);
        Ok(r)
    }

    /// Keys of jobs due now, oldest first.
    pub async fn due_job_keys(&self, now: i64, limit: i64) -> Result<Vec<(String, String)>> {
        let r = on_read!(self, p => sqlx::query_as::<_, (String, String)>(
            "SELECT kind, key FROM jobs WHERE run_at <= $1 ORDER BY run_at LIMIT $2")
            .bind(now).bind(limit).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn job_by_key(&self, key: &str) -> Result<Option<QueuedJob>> {
        let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE key = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, QueuedJob>(sqlx::AssertSqlSafe(&*sql))
            .bind(key).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn notifications(
        &self,
        user_id: i64,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<NotificationRow>> {
        let unread = if unread_only {
            " AND read_at IS NULL"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications WHERE user_id = $1{unread} \
             ORDER BY id DESC LIMIT $2"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, NotificationRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(user_id).bind(limit).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn charter_versions(&self) -> Result<Vec<CharterVersionRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, CharterVersionRow>(
            "SELECT version, vision, standards, published_by, published_at FROM charter_versions ORDER BY version DESC")
            .fetch_all(p).await?);
        Ok(r)
    }

    pub async fn charter_acks(&self, version: i64) -> Result<Vec<(i64, i64)>> {
        let r = on_read!(self, p => sqlx::query_as::<_, (i64, i64)>(
            "SELECT user_id, acked_at FROM charter_acks WHERE version = $1 ORDER BY user_id")
            .bind(version).fetch_all(p).await?);
        Ok(r)
    }

    /// Every acknowledgement of one user: (version, acknowledged at).
    pub async fn charter_acks_of_user(&self, user_id: i64) -> Result<Vec<(i64, i64)>> {
        let r = on_read!(self, p => sqlx::query_as::<_, (i64, i64)>(
            "SELECT version, acked_at FROM charter_acks WHERE user_id = $1")
            .bind(user_id).fetch_all(p).await?);
        Ok(r)
    }

    /// Active staff who must acknowledge the charter (agents, supervisors, admins).
    pub async fn charter_audience(&self) -> Result<Vec<(i64, String)>> {
        let r = on_read!(self, p => sqlx::query_as::<_, (i64, String)>(
            "SELECT id, name FROM users WHERE active AND role IN ('agent', 'supervisor', 'admin') ORDER BY id")
            .fetch_all(p).await?);
        Ok(r)
    }

    /// Benchmarks only: `n` finished clock instances of one standard over the cases with
    /// ids `first_case .. first_case + cases`, finishing evenly over `[from, from + span)`;
    /// about 85 % achieved, spread over ten teams and twenty agents ids.
    pub async fn bench_fill_clocks(
        &self,
        standard_id: i64,
        first_case: i64,
        cases: i64,
        n: i64,
        from: i64,
        span: i64,
    ) -> Result<()> {
        let cols = "case_id, standard_id, instance, metric, state, started_at, elapsed_ms, \
            fulfilled_at, team_id, assignee_id, updated_at";
        let vals = "$2 + (i % $3), $1, 1000 + i / $3, 'first_response', \
            CASE WHEN i % 20 < 17 THEN 'achieved' ELSE 'breached' END, \
            $4 + (i * $5) / $6 - 3600000, 3600000, $4 + (i * $5) / $6, 1 + i % 10, 1 + i % 20, $4";
        let sql = match &self.db {
            crate::Db::Sqlite { .. } => format!(
                "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i + 1 < $6) \
                 INSERT INTO clocks ({cols}) SELECT {vals} FROM g"
            ),
            crate::Db::Postgres(_) => format!(
                "INSERT INTO clocks ({cols}) SELECT {vals} FROM generate_series(0::BIGINT, $6 - 1) AS g(i)"
            ),
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, t => sqlx::query(sqlx::AssertSqlSafe(&*sql))
            .bind(standard_id).bind(first_case).bind(cases).bind(from).bind(span).bind(n)
            .execute(&mut **t).await?.rows_affected());
        tx.commit().await?;
        Ok(())
    }
}
