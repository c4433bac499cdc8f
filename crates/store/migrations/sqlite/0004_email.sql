-- Email channel (C1): mailboxes with their IMAP state, every email in or out tied to its
-- case message (the unique message_key makes one Message-ID one message), raw originals
-- (compressed, with a retention sweep), the quarantine, the durable outbox, and the
-- admin-editable templates. Timestamps are UTC milliseconds.
CREATE TABLE mailboxes (
    id                 INTEGER PRIMARY KEY,
    address            TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    team_id            BIGINT REFERENCES teams(id),
    locale             TEXT NOT NULL DEFAULT 'fr',
    imap_host          TEXT,
    imap_port          BIGINT,
    imap_security      TEXT NOT NULL DEFAULT 'tls',
    imap_user          TEXT,
    imap_password      TEXT,
    imap_folder        TEXT NOT NULL DEFAULT 'INBOX',
    imap_poll_seconds  BIGINT NOT NULL DEFAULT 60,
    imap_uidvalidity   BIGINT,
    imap_last_uid      BIGINT NOT NULL DEFAULT 0,
    imap_checked_at    BIGINT,
    imap_error         TEXT,
    active             BOOLEAN NOT NULL DEFAULT 1,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE raw_emails (
    sha256      TEXT PRIMARY KEY,
    size        BIGINT NOT NULL,
    deflated    BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX raw_emails_created ON raw_emails(created_at);

CREATE TABLE emails (
    id            INTEGER PRIMARY KEY,
    message_key   TEXT NOT NULL UNIQUE,
    direction     TEXT NOT NULL,
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    message_id    BIGINT REFERENCES messages(id),
    mailbox_id    BIGINT REFERENCES mailboxes(id),
    from_addr     TEXT NOT NULL,
    to_addrs      TEXT NOT NULL,
    subject       TEXT NOT NULL,
    in_reply_to   TEXT,
    refs          TEXT,
    auto_kind     TEXT NOT NULL DEFAULT 'none',
    auth_results  TEXT,
    full_text     TEXT NOT NULL DEFAULT '',
    html          TEXT,
    raw_sha256    TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX emails_case ON emails(case_id, id);
CREATE INDEX emails_message ON emails(message_id);

CREATE TABLE quarantine (
    id              INTEGER PRIMARY KEY,
    mailbox_id      BIGINT REFERENCES mailboxes(id),
    source          TEXT NOT NULL,
    envelope_from   TEXT,
    envelope_to     TEXT,
    reason          TEXT NOT NULL,
    detail          TEXT,
    from_addr       TEXT,
    subject         TEXT,
    size            BIGINT NOT NULL,
    raw             BLOB NOT NULL,
    created_at      BIGINT NOT NULL,
    resolved_at     BIGINT,
    resolved_by     BIGINT REFERENCES users(id),
    resolution      TEXT,
    case_id         BIGINT REFERENCES cases(id)
);
CREATE INDEX quarantine_open ON quarantine(resolved_at, id);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    case_id          BIGINT REFERENCES cases(id),
    message_id       BIGINT REFERENCES messages(id),
    user_id          BIGINT REFERENCES users(id),
    mailbox_id       BIGINT REFERENCES mailboxes(id),
    envelope_from    TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    message_key      TEXT NOT NULL UNIQUE,
    raw              BLOB NOT NULL,
    state            TEXT NOT NULL DEFAULT 'queued',
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    locked_until     BIGINT,
    last_error       TEXT,
    sent_at          BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox(recipient, kind, created_at);

CREATE TABLE email_templates (
    key         TEXT NOT NULL,
    locale      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (key, locale)
);
