//! API tokens, idempotency keys, job statuses and attachment blobs.

use crate::rows::*;
use crate::{Result, Store, Tx, on_read, on_tx};

impl Tx {
    pub async fn insert_token(
        &mut self,
        user_id: i64,
        hash: &str,
        name: &str,
        at: i64,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES ($1,$2,$3,$4) RETURNING id")
            .bind(user_id).bind(hash).bind(name).bind(at).fetch_one(&mut **t).await?);
        Ok(id)
    }

    /// Claim an idempotency key; returns the resource id of an earlier request with the same
    /// key, with its fingerprint.
    pub async fn idempotency_lookup(
        &mut self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<(String, i64)>> {
        let r = on_tx!(self, t => sqlx::query_as::<_, (String, i64)>(
            "SELECT fingerprint, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(user_id).bind(key).fetch_optional(&mut **t).await?);
        Ok(r)
    }

    pub async fn idempotency_save(
        &mut self,
        user_id: i64,
        key: &str,
        fingerprint: &str,
        resource_id: i64,
        at: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, resource_id, created_at) VALUES ($1,$2,$3,$4,$5)")
            .bind(user_id).bind(key).bind(fingerprint).bind(resource_id).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn save_job(&mut self, j: &JobRow) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO job_statuses (id, user_id, job_type, total, status, results, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8)")
            .bind(&j.id).bind(j.user_id).bind(&j.job_type).bind(j.total).bind(&j.status).bind(&j.results)
            .bind(j.created_at).bind(j.updated_at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }
}

const ATTACHMENT_COLS: &str = "id, token, upload_token, message_id, uploader_id, file_name, content_type, size, sha256, created_at, inline, content_id";

/// A new upload, before it is stored.
pub struct NewAttachment<'a> {
    pub token: &'a str,
    pub upload_token: &'a str,
    pub uploader_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub created_at: i64,
    /// A picture of an HTML email shown in its text, with its `Content-ID`.
    pub content_id: Option<&'a str>,
}

impl Tx {
    /// Store content once per SHA-256; a second upload of the same bytes shares it.
    pub async fn put_blob(&mut self, sha256: &str, data: &[u8], at: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO blobs (sha256, size, data, created_at) VALUES ($1,$2,$3,$4) ON CONFLICT (sha256) DO NOTHING")
            .bind(sha256).bind(data.len() as i64).bind(data).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn insert_attachment(
        &mut self,
        a: &NewAttachment<'_>,
        size: i64,
    ) -> Result<AttachmentRow> {
        let sql = format!(
            "INSERT INTO attachments (token, upload_token, uploader_id, file_name, content_type, size, sha256, created_at, inline, content_id) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING {ATTACHMENT_COLS}"
        );
        let r = on_tx!(self, t => sqlx::query_as::<_, AttachmentRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(a.token).bind(a.upload_token).bind(a.uploader_id).bind(a.file_name).bind(a.content_type)
            .bind(size).bind(a.sha256).bind(a.created_at).bind(a.content_id.is_some())
            .bind(a.content_id).fetch_one(&mut **t).await?);
        Ok(r)
    }

    /// An inbound email's HTML once its inline pictures point at their attachments: the
    /// stored email and the message that shows it.
    pub async fn set_inbound_html(
        &mut self,
        message_id: i64,
        message_key: &str,
        html: &str,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query("UPDATE messages SET html_body = $1 WHERE id = $2")
            .bind(html).bind(message_id).execute(&mut **t).await?.rows_affected());
        on_tx!(self, t => sqlx::query("UPDATE emails SET html = $1 WHERE message_key = $2")
            .bind(html).bind(message_key).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Bytes `uploader_id` uploaded since `since` (ms), and when the oldest of those was:
    /// the upload quota's window (case and knowledge-base files). Files that came by email do
    /// not count.
    pub async fn uploaded_since(
        &mut self,
        uploader_id: i64,
        since: i64,
    ) -> Result<(i64, Option<i64>)> {
        let sql = "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT), MIN(created_at) FROM (\
                   SELECT size, created_at FROM attachments \
                   WHERE uploader_id = $1 AND created_at > $2 AND upload_token NOT LIKE 'mail-%' \
                   UNION ALL SELECT size, created_at FROM kb_attachments \
                   WHERE uploader_id = $1 AND created_at > $2) u";
        let r: (i64, Option<i64>) = on_tx!(self, t => sqlx::query_as(sql)
            .bind(uploader_id).bind(since).fetch_one(&mut **t).await?);
        Ok(r)
    }

    /// Unclaimed attachments of an upload token that belong to `uploader_id`.
    pub async fn pending_uploads(
        &mut self,
        upload_token: &str,
        uploader_id: i64,
    ) -> Result<Vec<AttachmentRow>> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLS} FROM attachments WHERE upload_token = $1 AND uploader_id = $2 \
             AND message_id IS NULL ORDER BY id"
        );
        let r = on_tx!(self, t => sqlx::query_as::<_, AttachmentRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(upload_token).bind(uploader_id).fetch_all(&mut **t).await?);
        Ok(r)
    }

    pub async fn message_attachments(&mut self, message_id: i64) -> Result<Vec<AttachmentRow>> {
        let sql =
            format!("SELECT {ATTACHMENT_COLS} FROM attachments WHERE message_id = $1 ORDER BY id");
        let r = on_tx!(self, t => sqlx::query_as::<_, AttachmentRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(message_id).fetch_all(&mut **t).await?);
        Ok(r)
    }

    /// Attach the unclaimed files of an upload token to a message; returns how many.
    pub async fn claim_uploads(
        &mut self,
        upload_token: &str,
        uploader_id: i64,
        message_id: i64,
    ) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE attachments SET message_id = $1 WHERE upload_token = $2 AND uploader_id = $3 AND message_id IS NULL")
            .bind(message_id).bind(upload_token).bind(uploader_id).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }

    /// Delete unclaimed uploads (one token of one uploader, or all older than `before`) and
    /// the blobs nothing refers to any more; returns the attachments deleted.
    pub async fn delete_uploads(
        &mut self,
        upload_token: Option<(&str, i64)>,
        before: i64,
    ) -> Result<u64> {
        let n = match upload_token {
            Some((tok, uploader)) => on_tx!(self, t => sqlx::query(
                "DELETE FROM attachments WHERE upload_token = $1 AND uploader_id = $2 AND message_id IS NULL")
                .bind(tok).bind(uploader).execute(&mut **t).await?.rows_affected()),
            None => on_tx!(self, t => sqlx::query(
                "DELETE FROM attachments WHERE message_id IS NULL AND created_at < $1")
                .bind(before).execute(&mut **t).await?.rows_affected()),
        };
        if n > 0 {
            self.delete_orphan_blobs().await?;
        }
        Ok(n)
    }
}

impl Store {
    pub async fn attachment(&self, id: i64) -> Result<Option<AttachmentRow>> {
        let sql = format!("SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, AttachmentRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    /// Attachments of these messages, in upload order.
    pub async fn attachments_of(&self, message_ids: &[i64]) -> Result<Vec<AttachmentRow>> {
        if message_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = message_ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT {ATTACHMENT_COLS} FROM attachments WHERE message_id IN ({list}) ORDER BY id"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, AttachmentRow>(sqlx::AssertSqlSafe(&*sql))
            .fetch_all(p).await?);
        Ok(r)
    }

    pub async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let r = on_read!(self, p => sqlx::query_scalar::<_, Vec<u8>>("SELECT data FROM blobs WHERE sha256 = $1")
            .bind(sha256).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn token_owner(&self, hash: &str) -> Result<Option<TokenOwner>> {
        let r = on_read!(self, p => sqlx::query_as::<_, TokenOwner>(
            "SELECT id AS token_id, user_id FROM api_tokens WHERE token_hash = $1").bind(hash).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn job(&self, id: &str) -> Result<Option<JobRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, JobRow>(
            "SELECT id, user_id, job_type, total, status, results, created_at, updated_at FROM job_statuses WHERE id = $1")
            .bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn jobs_of(&self, user_id: i64, limit: i64) -> Result<Vec<JobRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, JobRow>(
            "SELECT id, user_id, job_type, total, status, results, created_at, updated_at FROM job_statuses \
             WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2").bind(user_id).bind(limit).fetch_all(p).await?);
        Ok(r)
    }
}
