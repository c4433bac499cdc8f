-- Issue 18, live chat (ADR 0007). A visitor is a token's hash (the widget keeps the token),
-- later the customer they turn out to be. A conversation is a case of channel `chat` with
-- what only a live conversation has; every visible thing in it is an event numbered from
-- `last_seq`, with no gaps, and a sender's client id appears once per conversation.
CREATE TABLE chat_visitors (
    id              INTEGER PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    user_id         BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL
);
CREATE TABLE chat_conversations (
    case_id         BIGINT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    visitor_id      BIGINT NOT NULL REFERENCES chat_visitors(id) ON DELETE CASCADE,
    -- queued | active | ended
    state           TEXT NOT NULL,
    team_id         BIGINT,
    queued_at       BIGINT NOT NULL,
    accepted_at     BIGINT,
    first_reply_at  BIGINT,
    ended_at        BIGINT,
    last_seq        BIGINT NOT NULL DEFAULT 0,
    -- The last event each side has seen (read marks; only ever grow).
    visitor_read_seq BIGINT NOT NULL DEFAULT 0,
    staff_read_seq  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX chat_conversations_visitor ON chat_conversations(visitor_id, queued_at);
CREATE INDEX chat_conversations_queue ON chat_conversations(state, team_id, queued_at);
CREATE TABLE chat_events (
    case_id         BIGINT NOT NULL REFERENCES chat_conversations(case_id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    -- message | joined | transferred | ended
    kind            TEXT NOT NULL,
    message_id      BIGINT,
    client_id       TEXT,
    author_id       BIGINT,
    -- What the visitor is told with it (the team a chat was transferred to).
    detail          TEXT,
    at              BIGINT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE UNIQUE INDEX chat_events_client ON chat_events(case_id, client_id);
-- A contact form may offer the live chat beside it (its topics are the chat's pre-chat
-- topics, its allowed sites the widget's).
ALTER TABLE contact_forms ADD COLUMN chat BOOLEAN NOT NULL DEFAULT 0;
-- An agent's chat status (online, away, offline) and when their pages were last open
-- (their live stream touches it): "online" counts only while their pages are.
CREATE TABLE agent_presence (
    user_id         INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    status          TEXT NOT NULL,
    changed_at      BIGINT NOT NULL,
    seen_at         BIGINT NOT NULL
);
CREATE INDEX agent_presence_online ON agent_presence(status, seen_at);
