-- Security review (issue 14).
-- A second search document per case with public text only (subject, requester, public
-- messages): customers' searches read it, so a word that exists only in an internal note
-- never matches for them.
CREATE VIRTUAL TABLE case_fts_public USING fts5(doc, tokenize = 'porter unicode61 remove_diacritics 2');
-- Cases without an internal note: the full document is already public text. The others are
-- rebuilt from their subject, requester name and public messages (FTS5 folds accents itself).
INSERT INTO case_fts_public (rowid, doc)
SELECT c.id,
       CASE WHEN NOT EXISTS (SELECT 1 FROM messages m WHERE m.case_id = c.id AND m.public = 0)
                 AND EXISTS (SELECT 1 FROM case_fts f WHERE f.rowid = c.id)
            THEN (SELECT f.doc FROM case_fts f WHERE f.rowid = c.id)
            ELSE lower(c.subject || ' ' || COALESCE((SELECT u.name FROM users u WHERE u.id = c.requester_id), '')
                 || ' ' || COALESCE((SELECT group_concat(m.body, ' ') FROM messages m
                                     WHERE m.case_id = c.id AND m.public = 1), ''))
       END
FROM cases c;

-- API tokens: an optional expiry; listing and revoking read these rows.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
