-- Agent web UI (issue 5): browser sessions (only the SHA-256 of the cookie's token is kept),
-- canned answers (E1), the resolution playbook's checklist per complaint (A7).
-- Timestamps are UTC milliseconds.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE canned_answers (
    id          INTEGER PRIMARY KEY,
    shortcut    TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE playbook_steps (
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    step        TEXT NOT NULL,
    done_by     BIGINT REFERENCES users(id),
    done_at     BIGINT NOT NULL,
    PRIMARY KEY (case_id, step)
);

-- Approvals waiting (A8) are found from the requested compensations.
CREATE INDEX compensations_requested ON compensations(status, case_id);
