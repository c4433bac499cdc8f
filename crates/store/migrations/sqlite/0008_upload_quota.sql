-- Upload quotas (issue 14, finding 15): the bytes a user uploaded in the last hour.
CREATE INDEX attachments_uploader_time ON attachments(uploader_id, created_at);
