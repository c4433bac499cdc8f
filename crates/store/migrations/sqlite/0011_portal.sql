-- Issue 17: the customer portal. Customer sessions live beside the agents' in one table,
-- told apart by their audience; a session opened from a "view your case" link is bound to
-- that one case. A sign-in link may carry the case it opens.
ALTER TABLE sessions ADD COLUMN audience TEXT NOT NULL DEFAULT 'staff';
ALTER TABLE sessions ADD COLUMN case_id BIGINT;
ALTER TABLE account_links ADD COLUMN case_id BIGINT;
CREATE INDEX account_links_created ON account_links(user_id, purpose, created_at);
-- Per team: a customer may mark their own open case solved (Zendesk's can_be_solved_by_me).
ALTER TABLE teams ADD COLUMN customers_can_solve BOOLEAN NOT NULL DEFAULT 1;
-- Per organisation: its members see one another's cases in the portal (Zendesk's
-- shared_tickets).
ALTER TABLE organizations ADD COLUMN shared_tickets BOOLEAN NOT NULL DEFAULT 0;
-- Contact forms any site embeds (D1, C2): topics (each to a team and a category, with
-- its own extra fields) as validated JSON; the sites allowed to frame the form.
CREATE TABLE contact_forms (
    id              INTEGER PRIMARY KEY,
    form_key        TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    locale          TEXT NOT NULL DEFAULT 'fr',
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    topics          TEXT NOT NULL DEFAULT '[]',
    active          BOOLEAN NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
-- A form token (signed, time-stamped, with its proof of work) is good for one submission.
CREATE TABLE used_form_tokens (
    token_hash  TEXT PRIMARY KEY,
    used_at     BIGINT NOT NULL
);
CREATE INDEX used_form_tokens_at ON used_form_tokens(used_at);
-- The knowledge base (F1): categories → sections → articles, each article in French and/or
-- English (one translation row per language; an article without a translation in a
-- language does not show in it), Markdown kept with its sanitised HTML.
CREATE TABLE kb_categories (
    id              INTEGER PRIMARY KEY,
    position        BIGINT NOT NULL DEFAULT 0,
    name_fr         TEXT NOT NULL DEFAULT '',
    name_en         TEXT NOT NULL DEFAULT '',
    description_fr  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE TABLE kb_sections (
    id              INTEGER PRIMARY KEY,
    category_id     BIGINT NOT NULL REFERENCES kb_categories(id) ON DELETE CASCADE,
    position        BIGINT NOT NULL DEFAULT 0,
    name_fr         TEXT NOT NULL DEFAULT '',
    name_en         TEXT NOT NULL DEFAULT '',
    description_fr  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX kb_sections_category ON kb_sections(category_id, position);
CREATE TABLE kb_articles (
    id              INTEGER PRIMARY KEY,
    section_id      BIGINT NOT NULL REFERENCES kb_sections(id) ON DELETE CASCADE,
    author_id       BIGINT REFERENCES users(id) ON DELETE SET NULL,
    -- public | internal (staff only)
    visibility      TEXT NOT NULL DEFAULT 'public',
    -- draft | published | archived; published with publish_at in the future: scheduled
    state           TEXT NOT NULL DEFAULT 'draft',
    publish_at      BIGINT,
    labels          TEXT NOT NULL DEFAULT '',
    position        BIGINT NOT NULL DEFAULT 0,
    votes_up        BIGINT NOT NULL DEFAULT 0,
    votes_down      BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX kb_articles_section ON kb_articles(section_id, position);
CREATE TABLE kb_translations (
    id              INTEGER PRIMARY KEY,
    article_id      BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale          TEXT NOT NULL,
    title           TEXT NOT NULL,
    body_md         TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    -- folded title and text (accents and case removed), what search reads
    search_text     TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (article_id, locale)
);
-- "Was this helpful?": one vote per voter (a user, or an anonymous visitor's cookie), changeable.
CREATE TABLE kb_votes (
    article_id      BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    voter           TEXT NOT NULL,
    value           BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (article_id, voter)
);
-- Full text of each translation (rowid = kb_translations.id), written with it.
CREATE VIRTUAL TABLE kb_fts USING fts5(doc, tokenize = 'porter unicode61 remove_diacritics 2');
