//! Contact forms (issue 17): what an administrator defines (topics as JSON the use case
//! validates) and the form tokens already used.

use crate::{Result, Store, Tx, on_read, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactFormRow {
    pub id: i64,
    pub form_key: String,
    pub name: String,
    pub locale: String,
    /// JSON list of origins (`https://www.example.com`) allowed to frame the form.
    pub allowed_origins: String,
    /// JSON list of topics.
    pub topics: String,
    pub active: bool,
    /// The live chat is offered on this form (its widget: `/form/{key}/chat.js`).
    pub chat: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const FORM_COLS: &str =
    "id, form_key, name, locale, allowed_origins, topics, active, chat, created_at, updated_at";

impl Tx {
    pub async fn insert_contact_form(&mut self, f: &ContactFormRow) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO contact_forms (form_key, name, locale, allowed_origins, topics, active, chat, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id")
            .bind(&f.form_key).bind(&f.name).bind(&f.locale).bind(&f.allowed_origins)
            .bind(&f.topics).bind(f.active).bind(f.chat).bind(f.created_at).fetch_one(&mut **t).await?);
        Ok(id)
    }

    pub async fn update_contact_form(&mut self, f: &ContactFormRow) -> Result<u64> {
        Ok(on_tx!(self, t => sqlx::query(
            "UPDATE contact_forms SET name=$2, locale=$3, allowed_origins=$4, topics=$5, active=$6, chat=$7, updated_at=$8 \
             WHERE id=$1")
            .bind(f.id).bind(&f.name).bind(&f.locale).bind(&f.allowed_origins).bind(&f.topics)
            .bind(f.active).bind(f.chat).bind(f.updated_at).execute(&mut **t).await?.rows_affected()))
    }

    pub async fn delete_contact_form(&mut self, id: i64) -> Result<u64> {
        Ok(
            on_tx!(self, t => sqlx::query("DELETE FROM contact_forms WHERE id = $1")
            .bind(id).execute(&mut **t).await?.rows_affected()),
        )
    }

    /// Spend a form token: false when it was already used. Tokens older than `forget_before`
    /// are forgotten (they are expired anyway).
    pub async fn use_form_token(
        &mut self,
        token_hash: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<bool> {
        on_tx!(self, t => sqlx::query("DELETE FROM used_form_tokens WHERE used_at < $1")
            .bind(forget_before).execute(&mut **t).await?.rows_affected());
        let n = on_tx!(self, t => sqlx::query(
            "INSERT INTO used_form_tokens (token_hash, used_at) VALUES ($1, $2) ON CONFLICT (token_hash) DO NOTHING")
            .bind(token_hash).bind(now).execute(&mut **t).await?.rows_affected());
        Ok(n == 1)
    }

    /// A setting, created with `value` when absent (a secret every node must share).
    pub async fn setting_or_insert(&mut self, key: &str, value: &str, at: i64) -> Result<String> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING")
            .bind(key).bind(value).bind(at).execute(&mut **t).await?.rows_affected());
        let r: (String,) = on_tx!(self, t => sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key).fetch_one(&mut **t).await?);
        Ok(r.0)
    }
}

impl Store {
    pub async fn contact_forms(&self) -> Result<Vec<ContactFormRow>> {
        let sql = format!("SELECT {FORM_COLS} FROM contact_forms ORDER BY id");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, ContactFormRow>(sqlx::AssertSqlSafe(&*sql))
            .fetch_all(p).await?),
        )
    }

    pub async fn contact_form(&self, id: i64) -> Result<Option<ContactFormRow>> {
        let sql = format!("SELECT {FORM_COLS} FROM contact_forms WHERE id = $1");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, ContactFormRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(id).fetch_optional(p).await?),
        )
    }

    pub async fn contact_form_by_key(&self, key: &str) -> Result<Option<ContactFormRow>> {
        let sql = format!("SELECT {FORM_COLS} FROM contact_forms WHERE form_key = $1");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, ContactFormRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(key).fetch_optional(p).await?),
        )
    }
}
