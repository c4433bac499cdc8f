//! An article's files (issue 17, F1): pictures shown in its text (`inline`, written in the
//! Markdown as `![…](/help/files/{id}/{name})`) and attachments listed under it. Agents
//! upload them (to an article, or first and linked later, as Zendesk's unassociated
//! uploads); whoever may read the article may read its files, nobody else: a file of a
//! draft or an internal article answers 404 to the public, as the article does.

use super::manage::{is_public_now, is_staff};
use crate::cases::attachments::{clean_file_name, content_type_for};
use crate::{Actor, App, AppError, Result};
use sha2::{Digest, Sha256};

/// Most files linked to an article in one call (Zendesk's bulk limit).
pub const MAX_LINKED: usize = 20;

/// One file of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct KbFile {
    pub id: i64,
    pub article_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub inline: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<store::KbAttachmentRow> for KbFile {
    fn from(r: store::KbAttachmentRow) -> Self {
        KbFile {
            id: r.id,
            article_id: r.article_id,
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            inline: r.inline,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Pictures a browser shows in a page. SVG is not one of them: it can carry scripts.
pub const IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The picture type the bytes themselves say (never the name or the declared type).
pub fn sniff_image(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

impl App {
    /// Upload a file for an article (or for one to come, `article_id` None): agents. A
    /// picture shown in the text (`inline`) must be a PNG, JPEG, GIF or WebP picture.
    pub async fn kb_upload(
        &self,
        actor: &Actor,
        article_id: Option<i64>,
        file_name: &str,
        declared_type: Option<&str>,
        data: &[u8],
        inline: bool,
    ) -> Result<KbFile> {
        actor.require_case_writer()?;
        let name = clean_file_name(file_name)
            .ok_or_else(|| AppError::invalid("file", "required", "a file name"))?;
        if data.is_empty() {
            return Err(AppError::invalid("file", "required", "an empty file"));
        }
        if data.len() > self.config.max_attachment_bytes {
            return Err(AppError::invalid(
                "file",
                "too-large",
                self.config.max_attachment_bytes.to_string(),
            ));
        }
        // The bytes decide whether it is a picture; a file that only claims to be one
        // (or an SVG) is stored as a download.
        let ctype = match sniff_image(data) {
            Some(t) => t.to_string(),
            None if inline => {
                return Err(AppError::invalid(
                    "file",
                    "not-an-image",
                    "PNG, JPEG, GIF or WebP",
                ));
            }
            None => {
                // "Some bytes" says nothing: the name's extension says more.
                let declared = declared_type.filter(|t| !t.starts_with("application/octet-stream"));
                let t = content_type_for(declared, &name);
                if t.starts_with("image/") {
                    "application/octet-stream".to_string()
                } else {
                    t
                }
            }
        };
        if let Some(id) = article_id {
            self.store
                .kb_article(id)
                .await?
                .ok_or(AppError::NotFound("article"))?;
        }
        let sha = hex::encode(Sha256::digest(data));
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        self.check_upload_quota(&mut tx, actor, data.len(), now)
            .await?;
        tx.put_blob(&sha, data, now).await?;
        let row = tx
            .insert_kb_attachment(&store::KbAttachmentRow {
                id: 0,
                article_id,
                uploader_id: actor.user_id,
                file_name: name,
                content_type: ctype,
                size: data.len() as i64,
                sha256: sha,
                inline,
                created_at: now,
                updated_at: now,
            })
            .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// An article's files as the caller may see them (all, or only the pictures shown in
    /// the text, or only the attachments listed under it).
    pub async fn kb_files(
        &self,
        actor: Option<&Actor>,
        article_id: i64,
        inline: Option<bool>,
    ) -> Result<Vec<KbFile>> {
        self.kb_readable_article(actor, article_id).await?;
        Ok(self
            .store
            .kb_attachments(article_id)
            .await?
            .into_iter()
            .filter(|r| inline.is_none_or(|i| r.inline == i))
            .map(KbFile::from)
            .collect())
    }

    /// One file, when the caller may read its article; a file not linked yet: staff only.
    pub async fn kb_file(&self, actor: Option<&Actor>, id: i64) -> Result<KbFile> {
        let r = self
            .store
            .kb_attachment(id)
            .await?
            .ok_or(AppError::NotFound("attachment"))?;
        match r.article_id {
            Some(a) => self
                .kb_readable_article(actor, a)
                .await
                .map_err(|_| AppError::NotFound("attachment"))?,
            None if is_staff(actor) => {}
            None => return Err(AppError::NotFound("attachment")),
        }
        Ok(r.into())
    }

    /// A file and its bytes, as `kb_file` allows.
    pub async fn kb_file_content(
        &self,
        actor: Option<&Actor>,
        id: i64,
    ) -> Result<(KbFile, Vec<u8>)> {
        let f = self.kb_file(actor, id).await?;
        let data = self
            .store
            .blob(&f.sha256)
            .await?
            .ok_or_else(|| AppError::Internal(format!("blob {} missing", f.sha256)))?;
        Ok((f, data))
    }

    /// Delete a file (agents); its bytes go when nothing else uses them.
    pub async fn kb_delete_file(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_case_writer()?;
        let mut tx = self.store.begin().await?;
        if tx.delete_kb_attachment(id).await? == 0 {
            return Err(AppError::NotFound("attachment"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Link files uploaded before their article to it (agents): all or none; a file
    /// already linked or unknown is named.
    pub async fn kb_link_files(
        &self,
        actor: &Actor,
        article_id: i64,
        ids: &[i64],
    ) -> Result<Vec<KbFile>> {
        actor.require_case_writer()?;
        if ids.is_empty() || ids.len() > MAX_LINKED {
            return Err(AppError::invalid(
                "attachment_ids",
                "invalid-value",
                format!("1 to {MAX_LINKED} ids"),
            ));
        }
        self.store
            .kb_article(article_id)
            .await?
            .ok_or(AppError::NotFound("article"))?;
        let mut tx = self.store.begin().await?;
        for id in ids {
            if tx
                .link_kb_attachments(article_id, &[*id], self.now_ms())
                .await?
                == 0
            {
                return Err(AppError::invalid(
                    "attachment_ids",
                    "unknown-upload",
                    id.to_string(),
                ));
            }
        }
        tx.commit().await?;
        self.kb_files(Some(actor), article_id, None).await
    }

    async fn kb_readable_article(&self, actor: Option<&Actor>, id: i64) -> Result<()> {
        let a = self
            .store
            .kb_article(id)
            .await?
            .ok_or(AppError::NotFound("article"))?;
        if is_staff(actor) || is_public_now(&a, self.now_ms()) {
            Ok(())
        } else {
            Err(AppError::NotFound("article"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sniff_image;

    #[test]
    fn pictures_are_known_by_their_bytes() {
        assert_eq!(
            sniff_image(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(sniff_image(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"GIF89a\x01\0"), Some("image/gif"));
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_image(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff_image(b"%PDF-1.7"), None);
        assert_eq!(sniff_image(b""), None);
    }
}
