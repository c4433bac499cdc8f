//! Cases, messages, events, tags, links, compensations and the full-text document.

use crate::filter::{Sql, Val, push_order, push_where};
use crate::rows::*;
use crate::{CaseFilter, Result, Store, StoreError, Tx, on_read, on_tx};

macro_rules! bind_vals {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Val::Int(i) => q.bind(*i),
                Val::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }};
}

/// Paging of case lists: offset, or keyset on id for cursor pagination.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
    /// Only rows with id greater than this (ascending cursor).
    pub after_id: Option<i64>,
    /// Only rows with id lower than this (descending cursor).
    pub before_id: Option<i64>,
}

impl Tx {
    pub async fn insert_case(&mut self, c: &CaseRow) -> Result<i64> {
        let sql = "INSERT INTO cases (subject, description, status, priority, kind, ticket_type, channel, \
            journey_stage, requester_id, submitter_id, received_by_id, assignee_id, team_id, organization_id, \
            category_id, external_id, tags, custom_fields, due_at, next_due_at, received_at, created_at, \
            updated_at, solved_at, closed_at, transfer_count, reopen_count, merged_into_id, agreed_solution, \
            solved_on_the_spot, promised_at, follow_up_at, follow_up_done_at, prevention_suggestion, root_cause, \
            complaint_resolved_at, deleted_at, first_reply_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,\
            $17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33,$34,$35,$36,$37,$38) RETURNING id";
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(sql)
            .bind(&c.subject).bind(&c.description).bind(&c.status).bind(&c.priority).bind(&c.kind)
            .bind(&c.ticket_type).bind(&c.channel).bind(&c.journey_stage).bind(c.requester_id)
            .bind(c.submitter_id).bind(c.received_by_id).bind(c.assignee_id).bind(c.team_id)
            .bind(c.organization_id).bind(c.category_id).bind(&c.external_id).bind(&c.tags)
            .bind(&c.custom_fields).bind(c.due_at).bind(c.next_due_at).bind(c.received_at)
            .bind(c.created_at).bind(c.updated_at).bind(c.solved_at).bind(c.closed_at)
            .bind(c.transfer_count).bind(c.reopen_count).bind(c.merged_into_id).bind(&c.agreed_solution)
            .bind(c.solved_on_the_spot).bind(c.promised_at).bind(c.follow_up_at).bind(c.follow_up_done_at)
            .bind(&c.prevention_suggestion).bind(&c.root_cause).bind(c.complaint_resolved_at)
            .bind(c.deleted_at).bind(c.first_reply_at)
            .fetch_one(&mut **t).await?);
        Ok(id)
    }

    /// Write back every mutable column of a case read earlier in this transaction.
    pub async fn update_case(&mut self, c: &CaseRow) -> Result<()> {
        let sql = "UPDATE cases SET subject=$2, description=$3, status=$4, priority=$5, kind=$6, \
            ticket_type=$7, channel=$8, journey_stage=$9, requester_id=$10, submitter_id=$11, \
            received_by_id=$12, assignee_id=$13, team_id=$14, organization_id=$15, category_id=$16, \
            external_id=$17, tags=$18, custom_fields=$19, due_at=$20, next_due_at=$21, received_at=$22, \
            updated_at=$23, solved_at=$24, closed_at=$25, transfer_count=$26, reopen_count=$27, \
            merged_into_id=$28, agreed_solution=$29, solved_on_the_spot=$30, promised_at=$31, \
            follow_up_at=$32, follow_up_done_at=$33, prevention_suggestion=$34, root_cause=$35, \
            complaint_resolved_at=$36, deleted_at=$37, first_reply_at=$38 WHERE id=$1";
        let n = on_tx!(self, t => sqlx::query(sql)
            .bind(c.id).bind(&c.subject).bind(&c.description).bind(&c.status).bind(&c.priority)
            .bind(&c.kind).bind(&c.ticket_type).bind(&c.channel).bind(&c.journey_stage)
            .bind(c.requester_id).bind(c.submitter_id).bind(c.received_by_id).bind(c.assignee_id)
            .bind(c.team_id).bind(c.organization_id).bind(c.category_id).bind(&c.external_id)
            .bind(&c.tags).bind(&c.custom_fields).bind(c.due_at).bind(c.next_due_at).bind(c.received_at)
            .bind(c.updated_at).bind(c.solved_at).bind(c.closed_at).bind(c.transfer_count)
            .bind(c.reopen_count).bind(c.merged_into_id).bind(&c.agreed_solution)
            .bind(c.solved_on_the_spot).bind(c.promised_at).bind(c.follow_up_at)
            .bind(c.follow_up_done_at).bind(&c.prevention_suggestion).bind(&c.root_cause)
            .bind(c.complaint_resolved_at).bind(c.deleted_at).bind(c.first_reply_at)
            .execute(&mut **t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Read a live case and lock it until the end of the transaction (PostgreSQL; SQLite's
    /// single writer already serialises).
    pub async fn case_for_update(&mut self, id: i64) -> Result<Option<CaseRow>> {
        let lock = if self.is_postgres() {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql =
            format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1 AND deleted_at IS NULL{lock}");
        let row = on_tx!(self, t => sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(id).fetch_optional(&mut **t).await?);
        Ok(row)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_message(
        &mut self,
        case_id: i64,
        author_id: i64,
        public: bool,
        channel: &str,
        body: &str,
        html_body: &str,
        automatic: bool,
        at: i64,
    ) -> Result<MessageRow> {
        let sql = "INSERT INTO messages (case_id, author_id, public, channel, body, html_body, automatic, created_at) \
            VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(sql)
            .bind(case_id).bind(author_id).bind(public).bind(channel).bind(body).bind(html_body)
            .bind(automatic).bind(at).fetch_one(&mut **t).await?);
        Ok(MessageRow {
            id,
            case_id,
            author_id,
            public,
            channel: channel.to_string(),
            body: body.to_string(),
            html_body: html_body.to_string(),
            automatic,
            created_at: at,
        })
    }

    /// Append events to the case's immutable log (A5), in one statement.
    pub async fn insert_events(
        &mut self,
        case_id: i64,
        actor_id: Option<i64>,
        at: i64,
        events: &[NewEvent],
    ) -> Result<Vec<EventRow>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        // Seven placeholders per row, bound in the column order below.
        let rows: Vec<String> = (0..events.len())
            .map(|i| {
                let p: Vec<String> = (1..=7).map(|k| format!("${}", i * 7 + k)).collect();
                format!("({})", p.join(","))
            })
            .collect();
        let sql = format!(
            "INSERT INTO case_events (case_id, actor_id, created_at, kind, field, old_value, new_value) \
             VALUES {} RETURNING id",
            rows.join(",")
        );
        let mut ids: Vec<i64> = on_tx!(self, t => {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(&*sql));
            for e in events {
                q = q.bind(case_id).bind(actor_id).bind(at)
                    .bind(e.kind).bind(e.field).bind(&e.old_value).bind(&e.new_value);
            }
            q.fetch_all(&mut **t).await?
        });
        // Ids follow the VALUES order; RETURNING's own order is not guaranteed.
        ids.sort_unstable();
        Ok(ids
            .into_iter()
            .zip(events)
            .map(|(id, e)| EventRow {
                id,
                case_id,
                actor_id,
                kind: e.kind.to_string(),
                field: e.field.map(str::to_string),
                old_value: e.old_value.clone(),
                new_value: e.new_value.clone(),
                created_at: at,
            })
            .collect())
    }

    /// Tags of a new case, in one statement.
    pub async fn insert_case_tags(&mut self, case_id: i64, tags: &[String]) -> Result<()> {
        if tags.is_empty() {
            return Ok(());
        }
        let rows: Vec<String> = (0..tags.len())
            .map(|i| format!("(${},${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO case_tags (case_id, tag) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(",")
        );
        on_tx!(self, t => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(&*sql));
            for tag in tags {
                q = q.bind(case_id).bind(tag);
            }
            q.execute(&mut **t).await?.rows_affected()
        });
        Ok(())
    }

    pub async fn set_case_tags(&mut self, case_id: i64, tags: &[String]) -> Result<()> {
        on_tx!(self, t => sqlx::query("DELETE FROM case_tags WHERE case_id = $1")
            .bind(case_id).execute(&mut **t).await?.rows_affected());
        self.insert_case_tags(case_id, tags).await
    }

    /// The search documents of a new case (text already folded by the caller): `doc` for
    /// staff (every message), `public_doc` for its customer (public text only).
    pub async fn insert_search_doc(
        &mut self,
        case_id: i64,
        doc: &str,
        public_doc: &str,
    ) -> Result<()> {
        match self {
            Tx::Sqlite(t) => {
                sqlx::query("INSERT INTO case_fts (rowid, doc) VALUES ($1, $2)")
                    .bind(case_id)
                    .bind(doc)
                    .execute(&mut **t)
                    .await?;
                sqlx::query("INSERT INTO case_fts_public (rowid, doc) VALUES ($1, $2)")
                    .bind(case_id)
                    .bind(public_doc)
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Postgres(t) => {
                sqlx::query("INSERT INTO case_search (case_id, doc, pub_doc) VALUES ($1, $2, $3)")
                    .bind(case_id)
                    .bind(doc)
                    .bind(public_doc)
                    .execute(&mut **t)
                    .await?;
            }
        }
        Ok(())
    }

    /// Replace the case's search documents (text already folded by the caller).
    pub async fn set_search_doc(
        &mut self,
        case_id: i64,
        doc: &str,
        public_doc: &str,
    ) -> Result<()> {
        match self {
            Tx::Sqlite(t) => {
                for (table, text) in [("case_fts", doc), ("case_fts_public", public_doc)] {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DELETE FROM {table} WHERE rowid = $1"
                    )))
                    .bind(case_id)
                    .execute(&mut **t)
                    .await?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO {table} (rowid, doc) VALUES ($1, $2)"
                    )))
                    .bind(case_id)
                    .bind(text)
                    .execute(&mut **t)
                    .await?;
                }
            }
            Tx::Postgres(t) => {
                sqlx::query(
                    "INSERT INTO case_search (case_id, doc, pub_doc) VALUES ($1, $2, $3) \
                     ON CONFLICT (case_id) DO UPDATE SET doc = EXCLUDED.doc, pub_doc = EXCLUDED.pub_doc",
                )
                .bind(case_id)
                .bind(doc)
                .bind(public_doc)
                .execute(&mut **t)
                .await?;
            }
        }
        Ok(())
    }

    /// Add text (a new message) to the case's search document; a public message also to
    /// its public document.
    pub async fn append_search_doc(
        &mut self,
        case_id: i64,
        text: &str,
        public: bool,
    ) -> Result<()> {
        match self {
            Tx::Sqlite(t) => {
                let tables: &[&str] = if public {
                    &["case_fts", "case_fts_public"]
                } else {
                    &["case_fts"]
                };
                for table in tables {
                    let n = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE {table} SET doc = doc || ' ' || $2 WHERE rowid = $1"
                    )))
                    .bind(case_id)
                    .bind(text)
                    .execute(&mut **t)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "INSERT INTO {table} (rowid, doc) VALUES ($1, $2)"
                        )))
                        .bind(case_id)
                        .bind(text)
                        .execute(&mut **t)
                        .await?;
                    }
                }
            }
            Tx::Postgres(t) => {
                sqlx::query(
                    "INSERT INTO case_search (case_id, doc, pub_doc) VALUES ($1, $2, CASE WHEN $3 THEN $2 ELSE '' END) \
                     ON CONFLICT (case_id) DO UPDATE SET doc = case_search.doc || ' ' || EXCLUDED.doc, \
                     pub_doc = CASE WHEN $3 THEN case_search.pub_doc || ' ' || EXCLUDED.doc ELSE case_search.pub_doc END",
                )
                .bind(case_id)
                .bind(text)
                .bind(public)
                .execute(&mut **t)
                .await?;
            }
        }
        Ok(())
    }

    /// Move every message of `from` to `into` (merge, A4).
    pub async fn move_messages(&mut self, from: i64, into: i64) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query("UPDATE messages SET case_id = $2 WHERE case_id = $1")
            .bind(from).bind(into).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    /// Move every message of `from` to `into` as internal notes (a merge across customers:
    /// the target's customer must not receive another customer's messages or files).
    pub async fn move_messages_as_internal(&mut self, from: i64, into: i64) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query("UPDATE messages SET case_id = $2, public = $3 WHERE case_id = $1")
            .bind(from).bind(into).bind(false).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    pub async fn messages_in_tx(&mut self, case_id: i64) -> Result<Vec<MessageRow>> {
        let v = on_tx!(self, t => sqlx::query_as::<_, MessageRow>(
            "SELECT id, case_id, author_id, public, channel, body, html_body, automatic, created_at \
             FROM messages WHERE case_id = $1 ORDER BY id").bind(case_id).fetch_all(&mut **t).await?);
        Ok(v)
    }

    pub async fn insert_link(&mut self, l: &LinkRow) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO case_links (case_id, other_id, kind, created_by, created_at) VALUES ($1,$2,$3,$4,$5)")
            .bind(l.case_id).bind(l.other_id).bind(&l.kind).bind(l.created_by).bind(l.created_at)
            .execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn insert_compensation(&mut self, c: &CompensationRow) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO compensations (case_id, kind, amount_cents, currency, note, status, requested_by_id, \
             decided_by_id, created_at, decided_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id")
            .bind(c.case_id).bind(&c.kind).bind(c.amount_cents).bind(&c.currency).bind(&c.note)
            .bind(&c.status).bind(c.requested_by_id).bind(c.decided_by_id).bind(c.created_at)
            .bind(c.decided_at).fetch_one(&mut **t).await?);
        Ok(id)
    }

    /// Solved cases whose solve time is older than the cutoff (candidates for closing).
    pub async fn quiet_solved_cases(&mut self, solved_before: i64, limit: i64) -> Result<Vec<i64>> {
        let v = on_tx!(self, t => sqlx::query_scalar(
            "SELECT id FROM cases WHERE status = 'solved' AND solved_at < $1 AND deleted_at IS NULL \
             ORDER BY solved_at LIMIT $2").bind(solved_before).bind(limit).fetch_all(&mut **t).await?);
        Ok(v)
    }
}

impl Store {
    pub async fn case(&self, id: i64) -> Result<Option<CaseRow>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1 AND deleted_at IS NULL");
        let r = on_read!(self, p => sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    /// Cases matching a filter, in the filter's order.
    pub async fn cases(&self, f: &CaseFilter, page: Page) -> Result<Vec<CaseRow>> {
        let pg = matches!(self.db, crate::Db::Postgres(_));
        let mut hint = match (&self.db, f.index) {
            (crate::Db::Sqlite { .. }, Some(i)) => i.hint(),
            _ => "",
        };
        if let (crate::Db::Sqlite { read, .. }, Some((m, h))) =
            (&self.db, crate::filter::frequent_text_scan(f))
        {
            let t = crate::filter::fts_table(f.public_text);
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM (SELECT rowid FROM {t} WHERE {t} MATCH $1 LIMIT $2)"
            )))
            .bind(m)
            .bind(crate::filter::FREQUENT_MATCHES)
            .fetch_one(read)
            .await?;
            if n >= crate::filter::FREQUENT_MATCHES {
                hint = h;
            }
        }
        let mut sql = Sql {
            text: format!("SELECT {CASE_COLUMNS} FROM cases{hint}"),
            binds: vec![],
        };
        let mut f = f.clone();
        if let Some(a) = page.after_id {
            f.conds.push(crate::filter::Cond::Col {
                col: crate::filter::CaseCol::Id,
                cmp: crate::Cmp::Gt,
                val: Val::Int(a),
            });
        }
        if let Some(b) = page.before_id {
            f.conds.push(crate::filter::Cond::Col {
                col: crate::filter::CaseCol::Id,
                cmp: crate::Cmp::Lt,
                val: Val::Int(b),
            });
        }
        push_where(&mut sql, &f, pg);
        push_order(&mut sql, &f);
        let l = sql.bind(Val::Int(page.limit));
        let o = sql.bind(Val::Int(page.offset));
        sql.text.push_str(&format!(" LIMIT {l} OFFSET {o}"));
        let rows = on_read!(self, p => {
            let q = bind_vals!(sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(&*sql.text)), &sql.binds);
            q.fetch_all(p).await?
        });
        Ok(rows)
    }

    pub async fn count_cases(&self, f: &CaseFilter) -> Result<i64> {
        let pg = matches!(self.db, crate::Db::Postgres(_));
        let mut sql = Sql {
            text: "SELECT COUNT(*) FROM cases".into(),
            binds: vec![],
        };
        push_where(&mut sql, f, pg);
        let n: i64 = on_read!(self, p => {
            let q = bind_vals!(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(&*sql.text)), &sql.binds);
            q.fetch_one(p).await?
        });
        Ok(n)
    }

    /// Count matches, stopping at `cap` (a view's badge needs no exact count past it).
    pub async fn count_cases_capped(&self, f: &CaseFilter, cap: i64) -> Result<i64> {
        let pg = matches!(self.db, crate::Db::Postgres(_));
        let hint = match (&self.db, f.index) {
            (crate::Db::Sqlite { .. }, Some(i)) => i.hint(),
            _ => "",
        };
        let mut sql = Sql {
            text: format!("SELECT COUNT(*) FROM (SELECT 1 FROM cases{hint}"),
            binds: vec![],
        };
        push_where(&mut sql, f, pg);
        let c = sql.bind(Val::Int(cap));
        sql.text.push_str(&format!(" LIMIT {c}) capped"));
        let n: i64 = on_read!(self, p => {
            let q = bind_vals!(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(&*sql.text)), &sql.binds);
            q.fetch_one(p).await?
        });
        Ok(n)
    }

    pub async fn cases_by_ids(&self, ids: &[i64]) -> Result<Vec<CaseRow>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut f = CaseFilter::default();
        f.push(crate::filter::Cond::In {
            col: crate::filter::CaseCol::Id,
            vals: ids.iter().map(|i| Val::Int(*i)).collect(),
            negated: false,
        });
        self.cases(
            &f,
            Page {
                limit: ids.len() as i64,
                ..Page::default()
            },
        )
        .await
    }

    /// Messages of a case, oldest first; `public_only` hides internal notes.
    pub async fn messages(
        &self,
        case_id: i64,
        public_only: bool,
        page: Page,
    ) -> Result<Vec<MessageRow>> {
        let sql = format!(
            "SELECT id, case_id, author_id, public, channel, body, html_body, automatic, created_at \
             FROM messages WHERE case_id = $1 {} AND id > $2 ORDER BY id LIMIT $3 OFFSET $4",
            if public_only {
                "AND public = $5"
            } else {
                "AND $5 = $5"
            }
        );
        let v = on_read!(self, p => sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(case_id).bind(page.after_id.unwrap_or(0)).bind(page.limit).bind(page.offset)
            .bind(true).fetch_all(p).await?);
        Ok(v)
    }

    pub async fn message(&self, id: i64) -> Result<Option<MessageRow>> {
        let v = on_read!(self, p => sqlx::query_as::<_, MessageRow>(
            "SELECT id, case_id, author_id, public, channel, body, html_body, automatic, created_at \
             FROM messages WHERE id = $1").bind(id).fetch_optional(p).await?);
        Ok(v)
    }

    /// The body of each case's first public message: what its customer sees as the
    /// description (the first message may be an internal note).
    pub async fn first_public_bodies(&self, case_ids: &[i64]) -> Result<Vec<(i64, String)>> {
        if case_ids.is_empty() {
            return Ok(vec![]);
        }
        let ps: Vec<String> = (0..case_ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT case_id, body FROM messages WHERE id IN \
             (SELECT MIN(id) FROM messages WHERE public = $1 AND case_id IN ({}) GROUP BY case_id)",
            ps.join(", ")
        );
        let v = on_read!(self, p => {
            let mut q = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(&*sql)).bind(true);
            for id in case_ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await?
        });
        Ok(v)
    }

    pub async fn count_messages(&self, case_id: i64, public_only: bool) -> Result<i64> {
        let sql = if public_only {
            "SELECT COUNT(*) FROM messages WHERE case_id = $1 AND public = $2"
        } else {
            "SELECT COUNT(*) FROM messages WHERE case_id = $1 AND $2 = $2"
        };
        let n: i64 = on_read!(self, p => sqlx::query_scalar(sql).bind(case_id).bind(true).fetch_one(p).await?);
        Ok(n)
    }

    pub async fn events(&self, case_id: i64) -> Result<Vec<EventRow>> {
        let v = on_read!(self, p => sqlx::query_as::<_, EventRow>(
            "SELECT id, case_id, actor_id, kind, field, old_value, new_value, created_at \
             FROM case_events WHERE case_id = $1 ORDER BY id").bind(case_id).fetch_all(p).await?);
        Ok(v)
    }

    pub async fn links(&self, case_id: i64) -> Result<Vec<LinkRow>> {
        let v = on_read!(self, p => sqlx::query_as::<_, LinkRow>(
            "SELECT case_id, other_id, kind, created_by, created_at FROM case_links \
             WHERE case_id = $1 OR other_id = $1 ORDER BY created_at").bind(case_id).fetch_all(p).await?);
        Ok(v)
    }

    pub async fn compensations(&self, case_id: i64) -> Result<Vec<CompensationRow>> {
        let v = on_read!(self, p => sqlx::query_as::<_, CompensationRow>(
            "SELECT id, case_id, kind, amount_cents, currency, note, status, requested_by_id, decided_by_id, \
             created_at, decided_at FROM compensations WHERE case_id = $1 ORDER BY id")
            .bind(case_id).fetch_all(p).await?);
        Ok(v)
    }

    /// Number of live cases (for benchmarks and status).
    pub async fn case_total(&self) -> Result<i64> {
        let n: i64 = on_read!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE deleted_at IS NULL").fetch_one(p).await?);
        Ok(n)
    }
}
