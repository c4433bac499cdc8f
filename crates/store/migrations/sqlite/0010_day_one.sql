-- Issue 16: settings an administrator edits in the pages (the outbound relay), why an
-- address is failing, and single-use links to set a password (invitations, resets).
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
ALTER TABLE user_identities ADD COLUMN failing_reason TEXT;
ALTER TABLE user_identities ADD COLUMN failing_at BIGINT;
CREATE TABLE account_links (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX account_links_user ON account_links(user_id, purpose);
-- Pictures of an HTML email shown in its text (`cid:`), kept in place.
ALTER TABLE attachments ADD COLUMN inline BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN content_id TEXT;
-- The case page reads a case's outbox rows (delivery state of each message) on every view.
CREATE INDEX outbox_case ON outbox(case_id, id);
