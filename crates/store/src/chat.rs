//! Live chat (issue 18, ADR 0007): visitors (a token's hash, and the customer they turn out
//! to be), conversations (each one a case of channel `chat`, with what only a live
//! conversation has) and each conversation's numbered event log. The numbers come from
//! `chat_conversations.last_seq`, taken in the writing transaction: no gaps, no duplicates,
//! in commit order; `(case_id, client_id)` is unique, so a retried send writes nothing new.

use crate::{Result, Store, Tx, on_read, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChatVisitorRow {
    pub id: i64,
    pub token_hash: String,
    /// The customer this visitor is (a user of role end-user), once known.
    pub user_id: Option<i64>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChatConversationRow {
    pub case_id: i64,
    pub visitor_id: i64,
    /// queued | active | ended
    pub state: String,
    pub team_id: Option<i64>,
    pub queued_at: i64,
    pub accepted_at: Option<i64>,
    pub first_reply_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub last_seq: i64,
    /// The last event the visitor, and staff, have seen (read marks).
    pub visitor_read_seq: i64,
    pub staff_read_seq: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ChatEventRow {
    pub case_id: i64,
    pub seq: i64,
    /// message | joined | transferred | ended
    pub kind: String,
    pub message_id: Option<i64>,
    /// The sender's own id for this event (a retry carries the same one).
    pub client_id: Option<String>,
    pub author_id: Option<i64>,
    /// What the visitor is told with it (`transferred`: the team's name).
    pub detail: Option<String>,
    pub at: i64,
}

const VISITOR_COLS: &str = "id, token_hash, user_id, created_at, last_seen_at";
const CONV_COLS: &str = "case_id, visitor_id, state, team_id, queued_at, accepted_at, first_reply_at, ended_at, last_seq, visitor_read_seq, staff_read_seq";
const EVENT_COLS: &str = "case_id, seq, kind, message_id, client_id, author_id, detail, at";

impl Tx {
    pub async fn insert_chat_visitor(
        &mut self,
        token_hash: &str,
        user_id: Option<i64>,
        at: i64,
    ) -> Result<ChatVisitorRow> {
        let sql = format!(
            "INSERT INTO chat_visitors (token_hash, user_id, created_at, last_seen_at) VALUES ($1,$2,$3,$3) \
             RETURNING {VISITOR_COLS}"
        );
        Ok(
            on_tx!(self, t => sqlx::query_as::<_, ChatVisitorRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(token_hash).bind(user_id).bind(at).fetch_one(&mut **t).await?),
        )
    }

    pub async fn insert_chat_conversation(&mut self, c: &ChatConversationRow) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO chat_conversations (case_id, visitor_id, state, team_id, queued_at, accepted_at, first_reply_at, ended_at, last_seq) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)")
            .bind(c.case_id).bind(c.visitor_id).bind(&c.state).bind(c.team_id).bind(c.queued_at)
            .bind(c.accepted_at).bind(c.first_reply_at).bind(c.ended_at).bind(c.last_seq)
            .execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// A conversation read for a write (its row locked on PostgreSQL until the commit).
    pub async fn chat_conversation_for_update(
        &mut self,
        case_id: i64,
    ) -> Result<Option<ChatConversationRow>> {
        let lock = if self.is_postgres() {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!("SELECT {CONV_COLS} FROM chat_conversations WHERE case_id = $1{lock}");
        Ok(
            on_tx!(self, t => sqlx::query_as::<_, ChatConversationRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(case_id).fetch_optional(&mut **t).await?),
        )
    }

    /// Write a conversation's state and times (not its `last_seq`: `append_chat_event`
    /// owns it).
    pub async fn update_chat_conversation(&mut self, c: &ChatConversationRow) -> Result<u64> {
        Ok(on_tx!(self, t => sqlx::query(
            "UPDATE chat_conversations SET state = $1, team_id = $2, accepted_at = $3, first_reply_at = $4, ended_at = $5 \
             WHERE case_id = $6")
            .bind(&c.state).bind(c.team_id).bind(c.accepted_at).bind(c.first_reply_at).bind(c.ended_at)
            .bind(c.case_id).execute(&mut **t).await?.rows_affected()))
    }

    /// Move one side's read mark forward to `seq` (never back, never past the last
    /// event); returns whether it moved.
    pub async fn mark_chat_read(&mut self, case_id: i64, staff: bool, seq: i64) -> Result<bool> {
        let sql = if staff {
            "UPDATE chat_conversations SET staff_read_seq = $2 WHERE case_id = $1 AND staff_read_seq < $2 AND $2 <= last_seq"
        } else {
            "UPDATE chat_conversations SET visitor_read_seq = $2 WHERE case_id = $1 AND visitor_read_seq < $2 AND $2 <= last_seq"
        };
        Ok(on_tx!(self, t => sqlx::query(sql).bind(case_id).bind(seq)
            .execute(&mut **t).await?.rows_affected())
            > 0)
    }

    /// The event a sender already wrote with this client id, if any.
    pub async fn chat_event_by_client(
        &mut self,
        case_id: i64,
        client_id: &str,
    ) -> Result<Option<ChatEventRow>> {
        let sql =
            format!("SELECT {EVENT_COLS} FROM chat_events WHERE case_id = $1 AND client_id = $2");
        Ok(
            on_tx!(self, t => sqlx::query_as::<_, ChatEventRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(case_id).bind(client_id).fetch_optional(&mut **t).await?),
        )
    }

    /// Append an event with the conversation's next number (`e.seq` is ignored) and return
    /// it. The number is taken by incrementing the conversation's row, which serialises
    /// the writers of one conversation: numbers follow the commits, without gaps. A client
    /// id used before in this conversation is a `Conflict` (the caller answers the first).
    pub async fn append_chat_event(&mut self, e: &ChatEventRow) -> Result<ChatEventRow> {
        let seq: i64 = on_tx!(self, t => sqlx::query_scalar(
            "UPDATE chat_conversations SET last_seq = last_seq + 1 WHERE case_id = $1 RETURNING last_seq")
            .bind(e.case_id).fetch_one(&mut **t).await?);
        let sql = format!(
            "INSERT INTO chat_events (case_id, seq, kind, message_id, client_id, author_id, detail, at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING {EVENT_COLS}"
        );
        Ok(
            on_tx!(self, t => sqlx::query_as::<_, ChatEventRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(e.case_id).bind(seq).bind(&e.kind).bind(e.message_id).bind(&e.client_id)
            .bind(e.author_id).bind(&e.detail).bind(e.at).fetch_one(&mut **t).await?),
        )
    }
}

impl Tx {
    /// An agent's chat status, set now (their pages are open: seen now too).
    pub async fn set_agent_status(&mut self, user_id: i64, status: &str, now: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO agent_presence (user_id, status, changed_at, seen_at) VALUES ($1,$2,$3,$3) \
             ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at, \
             seen_at = excluded.seen_at")
            .bind(user_id).bind(status).bind(now).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// An agent's pages are open now.
    pub async fn touch_agent(&mut self, user_id: i64, now: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query("UPDATE agent_presence SET seen_at = $2 WHERE user_id = $1")
            .bind(user_id).bind(now).execute(&mut **t).await?.rows_affected());
        Ok(())
    }
}

impl Store {
    /// An agent's chat status, if they ever set one.
    pub async fn agent_status(&self, user_id: i64) -> Result<Option<String>> {
        Ok(on_read!(self, p => sqlx::query_scalar(
            "SELECT status FROM agent_presence WHERE user_id = $1")
            .bind(user_id).fetch_optional(p).await?))
    }

    /// Whether an agent is online and was seen since `since`: in one of `teams`, or
    /// anywhere when `teams` is None.
    pub async fn any_agent_online(&self, teams: Option<&[i64]>, since: i64) -> Result<bool> {
        let base = "SELECT COUNT(*) FROM agent_presence p \
                    JOIN users u ON u.id = p.user_id AND u.active = $2";
        let n: i64 = match teams {
            None => on_read!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "{base} WHERE p.status = 'online' AND p.seen_at >= $1")))
                .bind(since).bind(true).fetch_one(p).await?),
            Some(ts) => {
                let mut n = 0;
                for t in ts {
                    n += on_read!(self, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                        "{base} JOIN team_members m ON m.user_id = p.user_id AND m.team_id = $3 \
                         WHERE p.status = 'online' AND p.seen_at >= $1")))
                        .bind(since).bind(true).bind(*t).fetch_one(p).await?);
                    if n > 0 {
                        break;
                    }
                }
                n
            }
        };
        Ok(n > 0)
    }

    pub async fn chat_visitor_by_token(&self, token_hash: &str) -> Result<Option<ChatVisitorRow>> {
        let sql = format!("SELECT {VISITOR_COLS} FROM chat_visitors WHERE token_hash = $1");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, ChatVisitorRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(token_hash).fetch_optional(p).await?),
        )
    }

    pub async fn chat_conversation(&self, case_id: i64) -> Result<Option<ChatConversationRow>> {
        let sql = format!("SELECT {CONV_COLS} FROM chat_conversations WHERE case_id = $1");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, ChatConversationRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(case_id).fetch_optional(p).await?),
        )
    }

    /// Conversations of this team still queued that arrived before this one, plus one
    /// (its place in the queue).
    pub async fn chat_queue_position(
        &self,
        team_id: Option<i64>,
        queued_at: i64,
        case_id: i64,
    ) -> Result<i64> {
        let n: i64 = match team_id {
            Some(t) => on_read!(self, p => sqlx::query_scalar(
                "SELECT COUNT(*) FROM chat_conversations WHERE state = 'queued' AND team_id = $1 \
                 AND (queued_at < $2 OR (queued_at = $2 AND case_id < $3))")
                .bind(t).bind(queued_at).bind(case_id).fetch_one(p).await?),
            None => on_read!(self, p => sqlx::query_scalar(
                "SELECT COUNT(*) FROM chat_conversations WHERE state = 'queued' AND team_id IS NULL \
                 AND (queued_at < $1 OR (queued_at = $1 AND case_id < $2))")
                .bind(queued_at).bind(case_id).fetch_one(p).await?),
        };
        Ok(n + 1)
    }

    /// How long the team's recent chats waited for their first answer (milliseconds),
    /// the latest `limit` queued since `since`.
    pub async fn chat_recent_waits(
        &self,
        team_id: Option<i64>,
        since: i64,
        limit: i64,
    ) -> Result<Vec<i64>> {
        Ok(match team_id {
            Some(t) => on_read!(self, p => sqlx::query_scalar(
                "SELECT first_reply_at - queued_at FROM chat_conversations \
                 WHERE team_id = $1 AND queued_at >= $2 AND first_reply_at IS NOT NULL \
                 ORDER BY queued_at DESC LIMIT $3")
                .bind(t).bind(since).bind(limit).fetch_all(p).await?),
            None => on_read!(self, p => sqlx::query_scalar(
                "SELECT first_reply_at - queued_at FROM chat_conversations \
                 WHERE team_id IS NULL AND queued_at >= $1 AND first_reply_at IS NOT NULL \
                 ORDER BY queued_at DESC LIMIT $2")
                .bind(since).bind(limit).fetch_all(p).await?),
        })
    }

    /// A visitor's conversations, newest first, at most `limit`.
    pub async fn chat_conversations_of_visitor(
        &self,
        visitor_id: i64,
        limit: i64,
    ) -> Result<Vec<ChatConversationRow>> {
        let sql = format!(
            "SELECT {CONV_COLS} FROM chat_conversations WHERE visitor_id = $1 ORDER BY queued_at DESC, case_id DESC LIMIT $2"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, ChatConversationRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(visitor_id).bind(limit).fetch_all(p).await?),
        )
    }

    /// The event a sender wrote with this client id, if any (read outside a write).
    pub async fn chat_event_by_client(
        &self,
        case_id: i64,
        client_id: &str,
    ) -> Result<Option<ChatEventRow>> {
        let sql =
            format!("SELECT {EVENT_COLS} FROM chat_events WHERE case_id = $1 AND client_id = $2");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, ChatEventRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(case_id).bind(client_id).fetch_optional(p).await?),
        )
    }

    /// A conversation's events after number `after`, in order, at most `limit`.
    pub async fn chat_events_after(
        &self,
        case_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ChatEventRow>> {
        let sql = format!(
            "SELECT {EVENT_COLS} FROM chat_events WHERE case_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, ChatEventRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(case_id).bind(after).bind(limit).fetch_all(p).await?),
        )
    }
}
