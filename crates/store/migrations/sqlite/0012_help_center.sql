-- Issue 17, the Help Center API: a vote is an object with an id (Zendesk's votes API lists,
-- shows and changes them), and it records when it last changed.
CREATE TABLE kb_votes_new (
    id              INTEGER PRIMARY KEY,
    article_id      BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    voter           TEXT NOT NULL,
    value           BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL DEFAULT 0,
    UNIQUE (article_id, voter)
);
INSERT INTO kb_votes_new (article_id, voter, value, created_at, updated_at)
    SELECT article_id, voter, value, created_at, created_at FROM kb_votes;
DROP TABLE kb_votes;
ALTER TABLE kb_votes_new RENAME TO kb_votes;
-- Deflection, measured honestly (issue 17, F1): per visitor (a random token the page keeps,
-- stored hashed) and per source ('portal' or 'form:{key}'), an article was shown as a
-- suggestion, opened from it, the form left after opening it (a deflection candidate), or a
-- case filed anyway within 7 days (not deflected). One row per kind, article, source and
-- visitor: the counts are of people, not of keystrokes.
CREATE TABLE kb_events (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    article_id      BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    source          TEXT NOT NULL,
    visitor         TEXT NOT NULL,
    case_id         BIGINT,
    at              BIGINT NOT NULL,
    UNIQUE (kind, article_id, source, visitor)
);
CREATE INDEX kb_events_visitor ON kb_events(visitor, kind, at);
CREATE INDEX kb_events_at ON kb_events(at);
