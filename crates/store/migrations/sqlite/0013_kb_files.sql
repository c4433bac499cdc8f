-- Issue 17, files of the knowledge base: an article's pictures (shown in its text, `inline`)
-- and attachments (listed under it), stored once per SHA-256 in `blobs` as case
-- attachments are. A file uploaded before its article exists (Zendesk's unassociated
-- upload) has no article yet; it is linked later or purged with stale uploads.
CREATE TABLE kb_attachments (
    id              INTEGER PRIMARY KEY,
    article_id      BIGINT REFERENCES kb_articles(id) ON DELETE CASCADE,
    uploader_id     BIGINT NOT NULL,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    inline          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX kb_attachments_article ON kb_attachments(article_id, id);
CREATE INDEX kb_attachments_sha ON kb_attachments(sha256);
-- The company's pictures on the customer pages (today the logo), by name.
CREATE TABLE brand_files (
    name            TEXT PRIMARY KEY,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);
