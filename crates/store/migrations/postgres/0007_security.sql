-- Security review (issue 14).
-- A second search document per case with public text only (subject, requester, public
-- messages): customers' searches read `pub_tsv`, so a word that exists only in an internal
-- note never matches for them.
ALTER TABLE case_search ADD COLUMN pub_doc TEXT NOT NULL DEFAULT '';
ALTER TABLE case_search ADD COLUMN pub_tsv tsvector GENERATED ALWAYS AS
    (to_tsvector('english'::regconfig, pub_doc) || to_tsvector('french'::regconfig, pub_doc)) STORED;
CREATE INDEX case_search_pub_tsv ON case_search USING GIN (pub_tsv);
-- Cases without an internal note: the full document is already public text. The others are
-- rebuilt from their subject, requester name and public messages (lower-cased; accents of
-- older cases stay as written).
UPDATE case_search s SET pub_doc = CASE
    WHEN NOT EXISTS (SELECT 1 FROM messages m WHERE m.case_id = s.case_id AND NOT m.public) THEN s.doc
    ELSE lower((SELECT c.subject FROM cases c WHERE c.id = s.case_id) || ' '
         || COALESCE((SELECT u.name FROM cases c JOIN users u ON u.id = c.requester_id WHERE c.id = s.case_id), '')
         || ' ' || COALESCE((SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM messages m
                             WHERE m.case_id = s.case_id AND m.public), ''))
END;

-- API tokens: an optional expiry; listing and revoking read these rows.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
