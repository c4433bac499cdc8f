-- Zendesk-style uploads: several files share one upload token until a comment claims them.
ALTER TABLE attachments ADD COLUMN upload_token TEXT;
UPDATE attachments SET upload_token = token;
CREATE INDEX attachments_upload ON attachments(upload_token);
-- Cases by category (reports, and the check before a category is deleted).
CREATE INDEX cases_category ON cases(category_id);
