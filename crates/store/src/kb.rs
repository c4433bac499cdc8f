//! The knowledge base (issue 17, F1): categories, sections, articles and their per-language
//! translations, votes, and full-text search in the database (FTS5 `kb_fts` written with
//! each translation on SQLite; a generated `tsvector` in the translation's own language on
//! PostgreSQL).

use crate::{Result, Store, Tx, on_read, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KbCategoryRow {
    pub id: i64,
    pub position: i64,
    pub name_fr: String,
    pub name_en: String,
    pub description_fr: String,
    pub description_en: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KbSectionRow {
    pub id: i64,
    pub category_id: i64,
    pub position: i64,
    pub name_fr: String,
    pub name_en: String,
    pub description_fr: String,
    pub description_en: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KbArticleRow {
    pub id: i64,
    pub section_id: i64,
    pub author_id: Option<i64>,
    pub visibility: String,
    pub state: String,
    pub publish_at: Option<i64>,
    pub labels: String,
    pub position: i64,
    pub votes_up: i64,
    pub votes_down: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KbTranslationRow {
    pub id: i64,
    pub article_id: i64,
    pub locale: String,
    pub title: String,
    pub body_md: String,
    pub body_html: String,
    pub search_text: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A search hit: the article, its title in the language searched, and the text's start.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KbHitRow {
    pub article_id: i64,
    pub section_id: i64,
    pub title: String,
    pub body_md: String,
}

const CAT_COLS: &str =
    "id, position, name_fr, name_en, description_fr, description_en, created_at, updated_at";
const SEC_COLS: &str = "id, category_id, position, name_fr, name_en, description_fr, description_en, created_at, updated_at";
const ART_COLS: &str = "id, section_id, author_id, visibility, state, publish_at, labels, position, votes_up, votes_down, created_at, updated_at";
const TR_COLS: &str =
    "id, article_id, locale, title, body_md, body_html, search_text, created_at, updated_at";

/// Who reads: published, public articles only (a customer), or internal ones too (staff);
/// drafts and archived articles are for the editors' lists only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbAudience {
    Public,
    Staff,
}

impl KbAudience {
    fn sql(self, now_param: &str) -> String {
        let vis = match self {
            KbAudience::Public => " AND a.visibility = 'public'",
            KbAudience::Staff => "",
        };
        format!(
            "a.state = 'published' AND (a.publish_at IS NULL OR a.publish_at <= {now_param}){vis}"
        )
    }
}

impl Tx {
    pub async fn insert_kb_category(&mut self, c: &KbCategoryRow) -> Result<i64> {
        Ok(on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO kb_categories (position, name_fr, name_en, description_fr, description_en, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id")
            .bind(c.position).bind(&c.name_fr).bind(&c.name_en).bind(&c.description_fr)
            .bind(&c.description_en).bind(c.created_at).fetch_one(&mut **t).await?))
    }

    pub async fn update_kb_category(&mut self, c: &KbCategoryRow) -> Result<u64> {
        Ok(on_tx!(self, t => sqlx::query(
            "UPDATE kb_categories SET position=$2, name_fr=$3, name_en=$4, description_fr=$5, description_en=$6, updated_at=$7 WHERE id=$1")
            .bind(c.id).bind(c.position).bind(&c.name_fr).bind(&c.name_en).bind(&c.description_fr)
            .bind(&c.description_en).bind(c.updated_at).execute(&mut **t).await?.rows_affected()))
    }

    pub async fn insert_kb_section(&mut self, c: &KbSectionRow) -> Result<i64> {
        Ok(on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO kb_sections (category_id, position, name_fr, name_en, description_fr, description_en, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id")
            .bind(c.category_id).bind(c.position).bind(&c.name_fr).bind(&c.name_en).bind(&c.description_fr)
            .bind(&c.description_en).bind(c.created_at).fetch_one(&mut **t).await?))
    }

    pub async fn update_kb_section(&mut self, c: &KbSectionRow) -> Result<u64> {
        Ok(on_tx!(self, t => sqlx::query(
            "UPDATE kb_sections SET category_id=$2, position=$3, name_fr=$4, name_en=$5, description_fr=$6, description_en=$7, updated_at=$8 WHERE id=$1")
            .bind(c.id).bind(c.category_id).bind(c.position).bind(&c.name_fr).bind(&c.name_en)
            .bind(&c.description_fr).bind(&c.description_en).bind(c.updated_at)
            .execute(&mut **t).await?.rows_affected()))
    }

    pub async fn insert_kb_article(&mut self, a: &KbArticleRow) -> Result<i64> {
        Ok(on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO kb_articles (section_id, author_id, visibility, state, publish_at, labels, position, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id")
            .bind(a.section_id).bind(a.author_id).bind(&a.visibility).bind(&a.state).bind(a.publish_at)
            .bind(&a.labels).bind(a.position).bind(a.created_at).fetch_one(&mut **t).await?))
    }

    pub async fn update_kb_article(&mut self, a: &KbArticleRow) -> Result<u64> {
        Ok(on_tx!(self, t => sqlx::query(
            "UPDATE kb_articles SET section_id=$2, visibility=$3, state=$4, publish_at=$5, labels=$6, position=$7, updated_at=$8 WHERE id=$1")
            .bind(a.id).bind(a.section_id).bind(&a.visibility).bind(&a.state).bind(a.publish_at)
            .bind(&a.labels).bind(a.position).bind(a.updated_at).execute(&mut **t).await?.rows_affected()))
    }

    /// Write an article's text in one language (and its search document).
    pub async fn put_kb_translation(&mut self, tr: &KbTranslationRow) -> Result<()> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO kb_translations (article_id, locale, title, body_md, body_html, search_text, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$7) \
             ON CONFLICT (article_id, locale) DO UPDATE SET title = excluded.title, body_md = excluded.body_md, \
             body_html = excluded.body_html, search_text = excluded.search_text, updated_at = excluded.updated_at \
             RETURNING id")
            .bind(tr.article_id).bind(&tr.locale).bind(&tr.title).bind(&tr.body_md).bind(&tr.body_html)
            .bind(&tr.search_text).bind(tr.updated_at).fetch_one(&mut **t).await?);
        if let Tx::Sqlite(t) = self {
            sqlx::query("DELETE FROM kb_fts WHERE rowid = $1")
                .bind(id)
                .execute(&mut **t)
                .await?;
            sqlx::query("INSERT INTO kb_fts (rowid, doc) VALUES ($1, $2)")
                .bind(id)
                .bind(&tr.search_text)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    /// Remove an article's text in one language.
    pub async fn delete_kb_translation(&mut self, article_id: i64, locale: &str) -> Result<u64> {
        let id: Option<i64> = on_tx!(self, t => sqlx::query_scalar(
            "DELETE FROM kb_translations WHERE article_id = $1 AND locale = $2 RETURNING id")
            .bind(article_id).bind(locale).fetch_optional(&mut **t).await?);
        if let (Some(id), Tx::Sqlite(t)) = (id, &mut *self) {
            sqlx::query("DELETE FROM kb_fts WHERE rowid = $1")
                .bind(id)
                .execute(&mut **t)
                .await?;
        }
        Ok(id.map_or(0, |_| 1))
    }

    /// Record a vote (changeable: the voter's earlier vote is replaced) and recount;
    /// returns the vote and the article's new counts.
    pub async fn vote_kb_article(
        &mut self,
        article_id: i64,
        voter: &str,
        value: i64,
        now: i64,
    ) -> Result<(KbVoteRow, i64, i64)> {
        let sql = format!(
            "INSERT INTO kb_votes (article_id, voter, value, created_at, updated_at) VALUES ($1,$2,$3,$4,$4) \
             ON CONFLICT (article_id, voter) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at \
             RETURNING {VOTE_COLS}"
        );
        let vote: KbVoteRow = on_tx!(self, t => sqlx::query_as(sqlx::AssertSqlSafe(&*sql))
            .bind(article_id).bind(voter).bind(value).bind(now).fetch_one(&mut **t).await?);
        let (up, down): (i64, i64) = on_tx!(self, t => sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN value > 0 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN value < 0 THEN 1 ELSE 0 END), 0) FROM kb_votes WHERE article_id = $1")
            .bind(article_id).fetch_one(&mut **t).await?);
        on_tx!(self, t => sqlx::query("UPDATE kb_articles SET votes_up = $2, votes_down = $3 WHERE id = $1")
            .bind(article_id).bind(up).bind(down).execute(&mut **t).await?.rows_affected());
        Ok((vote, up, down))
    }

    /// Delete a category or a section with what it holds (`table` is one of the two);
    /// on SQLite the search rows of its translations go too.
    pub async fn delete_kb_group(&mut self, table: KbGroupTable, id: i64) -> Result<u64> {
        let owned = match table {
            KbGroupTable::Category => {
                "SELECT t.id FROM kb_translations t JOIN kb_articles a ON a.id = t.article_id \
                 JOIN kb_sections s ON s.id = a.section_id WHERE s.category_id = $1"
            }
            KbGroupTable::Section => {
                "SELECT t.id FROM kb_translations t JOIN kb_articles a ON a.id = t.article_id \
                 WHERE a.section_id = $1"
            }
        };
        if let Tx::Sqlite(t) = self {
            let sql = format!("DELETE FROM kb_fts WHERE rowid IN ({owned})");
            sqlx::query(sqlx::AssertSqlSafe(&*sql))
                .bind(id)
                .execute(&mut **t)
                .await?;
        }
        let sql = match table {
            KbGroupTable::Category => "DELETE FROM kb_categories WHERE id = $1",
            KbGroupTable::Section => "DELETE FROM kb_sections WHERE id = $1",
        };
        Ok(on_tx!(self, t => sqlx::query(sql).bind(id).execute(&mut **t).await?.rows_affected()))
    }
}

/// Which kind of knowledge-base group a delete removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbGroupTable {
    Category,
    Section,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KbVoteRow {
    pub id: i64,
    pub article_id: i64,
    /// `user:{id}` or `anon:{hash}`.
    pub voter: String,
    pub value: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// PostgreSQL ranks at most this many matching texts of one query: `ts_rank` reads each
/// text's vector, and a word held by thousands of articles tells little about which of
/// them answers (words held by fewer are ranked in full). SQLite's bm25 ranks inside the
/// index and needs no such bound.
const PG_RANKED: i64 = 2000;

const VOTE_COLS: &str = "id, article_id, voter, value, created_at, updated_at";

impl Store {
    pub async fn kb_categories(&self) -> Result<Vec<KbCategoryRow>> {
        let sql = format!("SELECT {CAT_COLS} FROM kb_categories ORDER BY position, id");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbCategoryRow>(sqlx::AssertSqlSafe(&*sql))
            .fetch_all(p).await?),
        )
    }

    pub async fn kb_sections(&self) -> Result<Vec<KbSectionRow>> {
        let sql = format!("SELECT {SEC_COLS} FROM kb_sections ORDER BY position, id");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbSectionRow>(sqlx::AssertSqlSafe(&*sql))
            .fetch_all(p).await?),
        )
    }

    /// Every article (the editors' list), or those of one section.
    pub async fn kb_articles(&self, section: Option<i64>) -> Result<Vec<KbArticleRow>> {
        let sql = format!(
            "SELECT {ART_COLS} FROM kb_articles WHERE ($1 IS NULL OR section_id = $1) ORDER BY position, id"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbArticleRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(section).fetch_all(p).await?),
        )
    }

    /// The articles an audience may read, with their title in one language (those without
    /// a translation in it are left out), in their section's order; their text too when
    /// `with_text` (else `body_md` is empty: a tree of titles need not read every text).
    pub async fn kb_readable(
        &self,
        audience: KbAudience,
        locale: &str,
        now: i64,
        section: Option<i64>,
        with_text: bool,
    ) -> Result<Vec<KbHitRow>> {
        let body = if with_text {
            "t.body_md"
        } else {
            "'' AS body_md"
        };
        let sql = format!(
            "SELECT a.id AS article_id, a.section_id, t.title, {body} FROM kb_articles a \
             JOIN kb_translations t ON t.article_id = a.id AND t.locale = $1 \
             WHERE {} AND ($3 IS NULL OR a.section_id = $3) ORDER BY a.position, a.id",
            audience.sql("$2")
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbHitRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(locale).bind(now).bind(section).fetch_all(p).await?),
        )
    }

    /// An article's votes, oldest first.
    pub async fn kb_votes(&self, article_id: i64) -> Result<Vec<KbVoteRow>> {
        let sql = format!("SELECT {VOTE_COLS} FROM kb_votes WHERE article_id = $1 ORDER BY id");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbVoteRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(article_id).fetch_all(p).await?),
        )
    }

    /// Articles that have a text in `locale`, in a section or a category or all: those an
    /// audience reads, or (None) every article but the archived ones (the editors' view).
    pub async fn kb_article_list(
        &self,
        locale: &str,
        audience: Option<KbAudience>,
        now: i64,
        section: Option<i64>,
        category: Option<i64>,
    ) -> Result<Vec<KbArticleRow>> {
        let visible = match audience {
            Some(a) => a.sql("$2"),
            None => "a.state <> 'archived' AND $2 = $2".to_string(),
        };
        let cols = ART_COLS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols} FROM kb_articles a WHERE \
             EXISTS (SELECT 1 FROM kb_translations t WHERE t.article_id = a.id AND t.locale = $1) \
             AND {visible} AND ($3 IS NULL OR a.section_id = $3) \
             AND ($4 IS NULL OR a.section_id IN (SELECT s.id FROM kb_sections s WHERE s.category_id = $4)) \
             ORDER BY a.position, a.id"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbArticleRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(locale).bind(now).bind(section).bind(category).fetch_all(p).await?),
        )
    }

    pub async fn kb_article(&self, id: i64) -> Result<Option<KbArticleRow>> {
        let sql = format!("SELECT {ART_COLS} FROM kb_articles WHERE id = $1");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbArticleRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(id).fetch_optional(p).await?),
        )
    }

    /// The sections holding at least one article an audience reads, in any language.
    pub async fn kb_sections_read(&self, audience: KbAudience, now: i64) -> Result<Vec<i64>> {
        let sql = format!(
            "SELECT DISTINCT a.section_id FROM kb_articles a WHERE {} \
             AND EXISTS (SELECT 1 FROM kb_translations t WHERE t.article_id = a.id)",
            audience.sql("$1")
        );
        Ok(
            on_read!(self, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(&*sql))
            .bind(now).fetch_all(p).await?),
        )
    }

    pub async fn kb_translation_by_id(&self, id: i64) -> Result<Option<KbTranslationRow>> {
        let sql = format!("SELECT {TR_COLS} FROM kb_translations WHERE id = $1");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbTranslationRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(id).fetch_optional(p).await?),
        )
    }

    pub async fn kb_translations(&self, article_id: i64) -> Result<Vec<KbTranslationRow>> {
        let sql =
            format!("SELECT {TR_COLS} FROM kb_translations WHERE article_id = $1 ORDER BY locale");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbTranslationRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(article_id).fetch_all(p).await?),
        )
    }

    /// Articles whose text in `locale` matches `words`, best first: those holding every
    /// word, then (when they are fewer than `limit`) those holding any. Ranked by FTS5's
    /// bm25 on SQLite, `ts_rank` in the language's stemming on PostgreSQL. Only the best
    /// matches are joined to their articles (the ranking itself never leaves the index),
    /// with the full join as the fallback when those are not enough for `limit`.
    pub async fn kb_search(
        &self,
        words: &[String],
        locale: &str,
        audience: KbAudience,
        now: i64,
        limit: i64,
    ) -> Result<Vec<KbHitRow>> {
        if words.is_empty() {
            return Ok(vec![]);
        }
        let mut out: Vec<KbHitRow> = Vec::new();
        if words.len() > 1 {
            out = self
                .kb_match(words, true, locale, audience, now, limit)
                .await?;
            if out.len() as i64 >= limit {
                return Ok(out);
            }
        }
        for h in self
            .kb_match(words, false, locale, audience, now, limit)
            .await?
        {
            if out.len() as i64 >= limit {
                break;
            }
            if !out.iter().any(|o| o.article_id == h.article_id) {
                out.push(h);
            }
        }
        Ok(out)
    }

    async fn kb_match(
        &self,
        words: &[String],
        all: bool,
        locale: &str,
        audience: KbAudience,
        now: i64,
        limit: i64,
    ) -> Result<Vec<KbHitRow>> {
        // The best matches looked at before their articles are read.
        let cap = (limit * 30).max(150);
        let capped = self
            .kb_match_capped(words, all, locale, audience, now, limit, Some(cap))
            .await?;
        if capped.len() as i64 >= limit {
            return Ok(capped);
        }
        self.kb_match_capped(words, all, locale, audience, now, limit, None)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn kb_match_capped(
        &self,
        words: &[String],
        all: bool,
        locale: &str,
        audience: KbAudience,
        now: i64,
        limit: i64,
        cap: Option<i64>,
    ) -> Result<Vec<KbHitRow>> {
        let visible = audience.sql("$3");
        let cap = cap.unwrap_or(i64::MAX);
        match &self.db {
            crate::Db::Sqlite { .. } => {
                let m = words
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(if all { " AND " } else { " OR " });
                let sql = format!(
                    "WITH top AS (SELECT rowid AS rid, bm25(kb_fts) AS r FROM kb_fts WHERE kb_fts MATCH $1 \
                     ORDER BY r LIMIT $5) \
                     SELECT a.id AS article_id, a.section_id, t.title, t.body_md FROM top \
                     JOIN kb_translations t ON t.id = top.rid JOIN kb_articles a ON a.id = t.article_id \
                     WHERE t.locale = $2 AND {visible} ORDER BY top.r, a.id LIMIT $4"
                );
                Ok(
                    on_read!(self, p => sqlx::query_as::<_, KbHitRow>(sqlx::AssertSqlSafe(&*sql))
                    .bind(m).bind(locale).bind(now).bind(limit).bind(cap).fetch_all(p).await?),
                )
            }
            crate::Db::Postgres(_) => {
                let q = words.join(if all { " & " } else { " | " });
                let sql = format!(
                    "WITH q AS (SELECT to_tsquery(CASE WHEN $2 = 'fr' THEN 'french'::regconfig ELSE 'english'::regconfig END, $1) AS q), \
                     m AS (SELECT t.id, t.tsv FROM kb_translations t, q \
                     WHERE t.tsv @@ q.q AND t.locale = $2 LIMIT {PG_RANKED}), \
                     top AS (SELECT m.id, ts_rank(m.tsv, q.q) AS r FROM m, q ORDER BY r DESC, m.id LIMIT $5) \
                     SELECT a.id AS article_id, a.section_id, t.title, t.body_md FROM top \
                     JOIN kb_translations t ON t.id = top.id JOIN kb_articles a ON a.id = t.article_id \
                     WHERE {visible} ORDER BY top.r DESC, a.id LIMIT $4"
                );
                Ok(
                    on_read!(self, p => sqlx::query_as::<_, KbHitRow>(sqlx::AssertSqlSafe(&*sql))
                    .bind(q).bind(locale).bind(now).bind(limit).bind(cap).fetch_all(p).await?),
                )
            }
        }
    }
}

/// One count of the deflection report: a key (an article id, or a source) and a kind.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KbEventCount {
    pub key: String,
    pub kind: String,
    pub n: i64,
}

impl Tx {
    /// Record that a visitor met articles (`shown`, `opened`, `abandoned`, `case`); a
    /// repeat of the same kind, article, source and visitor is ignored.
    pub async fn insert_kb_events(
        &mut self,
        kind: &str,
        articles: &[i64],
        source: &str,
        visitor: &str,
        case_id: Option<i64>,
        now: i64,
    ) -> Result<u64> {
        let mut n = 0;
        for a in articles {
            n += on_tx!(self, t => sqlx::query(
                "INSERT INTO kb_events (kind, article_id, source, visitor, case_id, at) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM kb_articles WHERE id = $2) \
                 ON CONFLICT (kind, article_id, source, visitor) DO NOTHING")
                .bind(kind).bind(a).bind(source).bind(visitor).bind(case_id).bind(now)
                .execute(&mut **t).await?.rows_affected());
        }
        Ok(n)
    }
}

impl Store {
    /// The articles a visitor opened from a source since a time.
    pub async fn kb_opened_by(&self, visitor: &str, source: &str, since: i64) -> Result<Vec<i64>> {
        Ok(on_read!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT article_id FROM kb_events WHERE visitor = $1 AND kind = 'opened' AND source = $2 AND at >= $3 ORDER BY id")
            .bind(visitor).bind(source).bind(since).fetch_all(p).await?))
    }

    /// Counts per article and kind, and visitors per source and kind, in [since, until).
    pub async fn kb_event_counts(
        &self,
        since: i64,
        until: i64,
    ) -> Result<(Vec<KbEventCount>, Vec<KbEventCount>)> {
        let per_article = on_read!(self, p => sqlx::query_as::<_, KbEventCount>(
            "SELECT CAST(article_id AS TEXT) AS key, kind, COUNT(*) AS n FROM kb_events \
             WHERE at >= $1 AND at < $2 GROUP BY article_id, kind ORDER BY article_id")
            .bind(since).bind(until).fetch_all(p).await?);
        let per_source = on_read!(self, p => sqlx::query_as::<_, KbEventCount>(
            "SELECT source AS key, kind, COUNT(DISTINCT visitor) AS n FROM kb_events \
             WHERE at >= $1 AND at < $2 GROUP BY source, kind ORDER BY source")
            .bind(since).bind(until).fetch_all(p).await?);
        Ok((per_article, per_source))
    }
}
