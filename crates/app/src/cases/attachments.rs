//! Attachments: files are uploaded first (Zendesk's `uploads` flow), get an upload token, and
//! are attached to a message when a comment names that token in `uploads`. Content is stored
//! once per SHA-256 with a size limit; unclaimed uploads expire.

use crate::model;
use crate::{Actor, App, AppError, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use store::{AttachmentRow, NewAttachment};

/// The files of one upload token after an upload.
#[derive(Debug, Clone)]
pub struct Upload {
    pub token: String,
    pub attachment: model::Attachment,
    pub all: Vec<model::Attachment>,
    pub expires_at: i64,
}

/// Keep the last path component, drop control characters, cap the length.
pub fn clean_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = last.chars().filter(|c| !c.is_control()).take(255).collect();
    let name = name.trim().to_string();
    if name.is_empty() || name == "." || name == ".." {
        None
    } else {
        Some(name)
    }
}

/// A declared `type/subtype` if it is well formed, else a guess from the extension.
pub fn content_type_for(declared: Option<&str>, file_name: &str) -> String {
    let ok = |t: &str| {
        let mut parts = t.split('/');
        let (a, b) = (parts.next().unwrap_or(""), parts.next());
        let tok = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        tok(a) && b.is_some_and(tok) && parts.next().is_none()
    };
    if let Some(d) = declared {
        let base = d
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if ok(&base) && base != "application/x-www-form-urlencoded" {
            return base;
        }
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "eml" => "message/rfc822",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "odt" => "application/vnd.oasis.opendocument.text",
        _ => "application/octet-stream",
    }
    .to_string()
}

/// The seconds to wait when `e` is an upload-quota refusal (for a `Retry-After`).
pub fn quota_retry_secs(e: &AppError) -> Option<u64> {
    let AppError::Invalid(errs) = e else {
        return None;
    };
    let f = errs.iter().find(|f| f.code == "quota")?;
    f.detail
        .rsplit_once("retry in ")
        .and_then(|(_, r)| r.trim_end_matches(" s").parse().ok())
}

impl App {
    /// Store a file under a new upload token, or add it to `token` (an unclaimed upload of
    /// the same user).
    pub async fn upload(
        &self,
        actor: &Actor,
        file_name: &str,
        content_type: Option<&str>,
        data: &[u8],
        token: Option<&str>,
    ) -> Result<Upload> {
        let name = clean_file_name(file_name)
            .ok_or_else(|| AppError::invalid("filename", "required", "a file name"))?;
        if data.len() > self.config.max_attachment_bytes {
            return Err(AppError::invalid(
                "file",
                "too-large",
                self.config.max_attachment_bytes.to_string(),
            ));
        }
        let ctype = content_type_for(content_type, &name);
        let sha = hex::encode(Sha256::digest(data));
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        self.check_upload_quota(&mut tx, actor, data.len(), now)
            .await?;
        let upload_token = match token.filter(|t| !t.is_empty()) {
            Some(t) => {
                if tx.pending_uploads(t, actor.user_id).await?.is_empty() {
                    return Err(AppError::invalid("token", "unknown-upload", t.to_string()));
                }
                t.to_string()
            }
            None => crate::auth::new_token(),
        };
        tx.put_blob(&sha, data, now).await?;
        let file_token = crate::auth::new_token();
        let row = tx
            .insert_attachment(
                &NewAttachment {
                    token: &file_token,
                    upload_token: &upload_token,
                    uploader_id: actor.user_id,
                    file_name: &name,
                    content_type: &ctype,
                    sha256: &sha,
                    created_at: now,
                    content_id: None,
                },
                data.len() as i64,
            )
            .await?;
        let all = tx.pending_uploads(&upload_token, actor.user_id).await?;
        tx.commit().await?;
        let first = all.first().map(|a| a.created_at).unwrap_or(now);
        Ok(Upload {
            token: upload_token,
            attachment: row.into(),
            all: crate::model::all(all),
            expires_at: first + self.config.upload_ttl.as_millis() as i64,
        })
    }

    /// Bytes per user and hour (customers get less than staff): a file that would take the
    /// caller over it is refused with the code `quota`, its detail saying when there is room.
    pub(crate) async fn check_upload_quota(
        &self,
        tx: &mut store::Tx,
        actor: &Actor,
        size: usize,
        now: i64,
    ) -> Result<()> {
        const HOUR_MS: i64 = 3_600_000;
        let quota = if actor.role.is_staff() {
            self.config.upload_quota_staff
        } else {
            self.config.upload_quota_customer
        };
        let (used, oldest) = tx.uploaded_since(actor.user_id, now - HOUR_MS).await?;
        let used = used.max(0) as u64;
        if used.saturating_add(size as u64) <= quota {
            return Ok(());
        }
        let retry_secs = oldest.map_or(3600, |o| ((o + HOUR_MS - now) / 1000).max(1));
        Err(AppError::Invalid(vec![crate::FieldError::new(
            "file",
            "quota",
            format!("{quota} bytes per hour, {used} used; retry in {retry_secs} s"),
        )]))
    }

    /// Remove an unclaimed upload of the caller (all its files).
    pub async fn delete_upload(&self, actor: &Actor, token: &str) -> Result<()> {
        // Our tokens are short and alphanumeric; anything else (a NUL, which PostgreSQL
        // refuses in text, included) names no upload.
        if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(AppError::NotFound("upload"));
        }
        let mut tx = self.store.begin().await?;
        let n = tx.delete_uploads(Some((token, actor.user_id)), 0).await?;
        if n == 0 {
            return Err(AppError::NotFound("upload"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// An attachment the actor may see: their own unclaimed upload, or a file on a message
    /// of a case they may read (customers: public messages of their own cases).
    pub async fn attachment(&self, actor: &Actor, id: i64) -> Result<model::Attachment> {
        let a = self
            .store
            .attachment(id)
            .await?
            .ok_or(AppError::NotFound("attachment"))?;
        match a.message_id {
            None if a.uploader_id == actor.user_id => Ok(a.into()),
            None => Err(AppError::NotFound("attachment")),
            Some(m) => {
                let m = self
                    .store
                    .message(m)
                    .await?
                    .ok_or(AppError::NotFound("attachment"))?;
                if !m.public && !actor.role.is_staff() {
                    return Err(AppError::NotFound("attachment"));
                }
                self.get_case(actor, m.case_id)
                    .await
                    .map_err(|_| AppError::NotFound("attachment"))?;
                Ok(a.into())
            }
        }
    }

    pub async fn attachment_content(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(model::Attachment, Vec<u8>)> {
        let a = self.attachment(actor, id).await?;
        let data = self
            .store
            .blob(&a.sha256)
            .await?
            .ok_or_else(|| AppError::Internal(format!("blob {} missing", a.sha256)))?;
        Ok((a, data))
    }

    /// Attachments of messages the caller already may read, by message id.
    pub async fn attachments_of(
        &self,
        messages: &[model::Message],
    ) -> Result<HashMap<i64, Vec<model::Attachment>>> {
        let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
        let mut by: HashMap<i64, Vec<model::Attachment>> = HashMap::new();
        for a in self.store.attachments_of(&ids).await? {
            if let Some(m) = a.message_id {
                by.entry(m).or_default().push(a.into());
            }
        }
        Ok(by)
    }

    /// Delete uploads never attached within the upload TTL (case files, and knowledge-base
    /// files never linked to an article), and their orphaned content.
    pub async fn purge_stale_uploads(&self) -> Result<u64> {
        let before = self.now_ms() - self.config.upload_ttl.as_millis() as i64;
        let mut tx = self.store.begin().await?;
        let n =
            tx.delete_uploads(None, before).await? + tx.delete_stale_kb_attachments(before).await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// Claim the upload tokens of a comment for its new message, in the comment's transaction:
/// an unknown, foreign or already used token fails the whole write. Returns the files.
pub(crate) async fn claim(
    tx: &mut store::Tx,
    field: &str,
    tokens: &[String],
    uploader_id: i64,
    message_id: i64,
) -> Result<Vec<AttachmentRow>> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    for t in tokens {
        if tx.claim_uploads(t, uploader_id, message_id).await? == 0 {
            return Err(AppError::invalid(field, "unknown-upload", t.clone()));
        }
    }
    Ok(tx.message_attachments(message_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            clean_file_name("C:\\Users\\a\\photo.png").as_deref(),
            Some("photo.png")
        );
        assert_eq!(
            clean_file_name("fac\u{0}ture\n.pdf").as_deref(),
            Some("facture.pdf")
        );
        assert_eq!(clean_file_name("  "), None);
        assert_eq!(clean_file_name("dir/"), None);
        assert_eq!(clean_file_name(".."), None);
    }

    #[test]
    fn content_types_are_checked_or_guessed() {
        assert_eq!(content_type_for(Some("image/PNG; x=1"), "a"), "image/png");
        assert_eq!(
            content_type_for(Some("nonsense"), "a.pdf"),
            "application/pdf"
        );
        assert_eq!(
            content_type_for(Some("text/html\r\nX: y"), "a.bin"),
            "application/octet-stream"
        );
        assert_eq!(content_type_for(None, "Photo.JPG"), "image/jpeg");
        assert_eq!(content_type_for(None, "noext"), "application/octet-stream");
    }
}
