//! Files that belong to no case: the knowledge base's pictures and attachments, and the
//! company's logo. Their bytes sit in `blobs` beside the case attachments'; a blob goes
//! when nothing refers to it any more (`delete_orphan_blobs`).

use crate::{Result, Store, Tx, on_read, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KbAttachmentRow {
    pub id: i64,
    /// None until the file is linked to its article (an upload made before the article).
    pub article_id: Option<i64>,
    pub uploader_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Shown in the article's text (a picture) rather than listed under it.
    pub inline: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BrandFileRow {
    pub name: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub updated_at: i64,
}

const KBA_COLS: &str = "id, article_id, uploader_id, file_name, content_type, size, sha256, inline, created_at, updated_at";
const BRAND_COLS: &str = "name, file_name, content_type, size, sha256, updated_at";

impl Tx {
    pub async fn insert_kb_attachment(&mut self, a: &KbAttachmentRow) -> Result<KbAttachmentRow> {
        let sql = format!(
            "INSERT INTO kb_attachments (article_id, uploader_id, file_name, content_type, size, sha256, inline, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING {KBA_COLS}"
        );
        let r = on_tx!(self, t => sqlx::query_as::<_, KbAttachmentRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(a.article_id).bind(a.uploader_id).bind(&a.file_name).bind(&a.content_type)
            .bind(a.size).bind(&a.sha256).bind(a.inline).bind(a.created_at).bind(a.updated_at)
            .fetch_one(&mut **t).await?);
        Ok(r)
    }

    /// Link files not yet linked to any article to `article_id`; returns how many.
    pub async fn link_kb_attachments(
        &mut self,
        article_id: i64,
        ids: &[i64],
        at: i64,
    ) -> Result<u64> {
        let mut n = 0;
        for id in ids {
            n += on_tx!(self, t => sqlx::query(
                "UPDATE kb_attachments SET article_id = $1, updated_at = $2 WHERE id = $3 AND article_id IS NULL")
                .bind(article_id).bind(at).bind(id).execute(&mut **t).await?.rows_affected());
        }
        Ok(n)
    }

    pub async fn delete_kb_attachment(&mut self, id: i64) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM kb_attachments WHERE id = $1")
            .bind(id).execute(&mut **t).await?.rows_affected());
        if n > 0 {
            self.delete_orphan_blobs().await?;
        }
        Ok(n)
    }

    /// Delete files never linked to an article, uploaded before `before`.
    pub async fn delete_stale_kb_attachments(&mut self, before: i64) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query(
            "DELETE FROM kb_attachments WHERE article_id IS NULL AND created_at < $1")
            .bind(before).execute(&mut **t).await?.rows_affected());
        if n > 0 {
            self.delete_orphan_blobs().await?;
        }
        Ok(n)
    }

    /// Set (or with None remove) a named brand file.
    pub async fn put_brand_file(&mut self, name: &str, f: Option<&BrandFileRow>) -> Result<()> {
        on_tx!(self, t => sqlx::query("DELETE FROM brand_files WHERE name = $1")
            .bind(name).execute(&mut **t).await?.rows_affected());
        if let Some(f) = f {
            on_tx!(self, t => sqlx::query(
                "INSERT INTO brand_files (name, file_name, content_type, size, sha256, updated_at) VALUES ($1,$2,$3,$4,$5,$6)")
                .bind(name).bind(&f.file_name).bind(&f.content_type).bind(f.size).bind(&f.sha256)
                .bind(f.updated_at).execute(&mut **t).await?.rows_affected());
        }
        self.delete_orphan_blobs().await?;
        Ok(())
    }

    /// Delete the stored bytes no case attachment, knowledge-base file or brand file uses.
    pub async fn delete_orphan_blobs(&mut self) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query(
            "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = blobs.sha256) \
             AND NOT EXISTS (SELECT 1 FROM kb_attachments k WHERE k.sha256 = blobs.sha256) \
             AND NOT EXISTS (SELECT 1 FROM brand_files b WHERE b.sha256 = blobs.sha256)")
            .execute(&mut **t).await?.rows_affected());
        Ok(n)
    }
}

impl Store {
    pub async fn kb_attachment(&self, id: i64) -> Result<Option<KbAttachmentRow>> {
        let sql = format!("SELECT {KBA_COLS} FROM kb_attachments WHERE id = $1");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbAttachmentRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(id).fetch_optional(p).await?),
        )
    }

    /// An article's files in upload order.
    pub async fn kb_attachments(&self, article_id: i64) -> Result<Vec<KbAttachmentRow>> {
        let sql =
            format!("SELECT {KBA_COLS} FROM kb_attachments WHERE article_id = $1 ORDER BY id");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, KbAttachmentRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(article_id).fetch_all(p).await?),
        )
    }

    pub async fn brand_file(&self, name: &str) -> Result<Option<BrandFileRow>> {
        let sql = format!("SELECT {BRAND_COLS} FROM brand_files WHERE name = $1");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, BrandFileRow>(sqlx::AssertSqlSafe(&*sql))
            .bind(name).fetch_optional(p).await?),
        )
    }
}
