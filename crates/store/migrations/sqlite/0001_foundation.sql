-- Guichet foundation schema (SQLite). Timestamps are UTC milliseconds since the epoch.
CREATE TABLE organizations (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL UNIQUE,
    external_id   TEXT UNIQUE,
    domain_names  TEXT NOT NULL DEFAULT '[]',
    details       TEXT,
    notes         TEXT,
    tags          TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE users (
    id                       INTEGER PRIMARY KEY,
    name                     TEXT NOT NULL,
    role                     TEXT NOT NULL,
    locale                   TEXT NOT NULL DEFAULT 'fr',
    time_zone                TEXT NOT NULL DEFAULT 'Europe/Paris',
    organization_id          INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
    external_id              TEXT UNIQUE,
    postal_address           TEXT,
    notes                    TEXT,
    details                  TEXT,
    tags                     TEXT NOT NULL DEFAULT '',
    password_hash            TEXT,
    compensation_limit_cents INTEGER NOT NULL DEFAULT 0,
    active                   BOOLEAN NOT NULL DEFAULT 1,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL
);
CREATE INDEX users_org ON users(organization_id);
CREATE INDEX users_role ON users(role, id);

CREATE TABLE user_identities (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    is_primary  BOOLEAN NOT NULL DEFAULT 0,
    failing     BOOLEAN NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX user_identities_user ON user_identities(user_id);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    is_public   BOOLEAN NOT NULL DEFAULT 1,
    deleted     BOOLEAN NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES categories(id),
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX categories_name ON categories(COALESCE(parent_id, 0), name);

CREATE TABLE cases (
    id                     INTEGER PRIMARY KEY,
    subject                TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    status                 TEXT NOT NULL,
    priority               TEXT,
    kind                   TEXT NOT NULL,
    ticket_type            TEXT,
    channel                TEXT NOT NULL,
    journey_stage          TEXT,
    requester_id           INTEGER NOT NULL REFERENCES users(id),
    submitter_id           INTEGER NOT NULL REFERENCES users(id),
    received_by_id         INTEGER REFERENCES users(id),
    assignee_id            INTEGER REFERENCES users(id),
    team_id                INTEGER REFERENCES teams(id),
    organization_id        INTEGER REFERENCES organizations(id),
    category_id            INTEGER REFERENCES categories(id),
    external_id            TEXT,
    tags                   TEXT NOT NULL DEFAULT '',
    custom_fields          TEXT NOT NULL DEFAULT '[]',
    due_at                 INTEGER,
    next_due_at            INTEGER NOT NULL,
    received_at            INTEGER NOT NULL,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    solved_at              INTEGER,
    closed_at              INTEGER,
    transfer_count         INTEGER NOT NULL DEFAULT 0,
    reopen_count           INTEGER NOT NULL DEFAULT 0,
    merged_into_id         INTEGER REFERENCES cases(id),
    agreed_solution        TEXT,
    solved_on_the_spot     BOOLEAN NOT NULL DEFAULT 0,
    promised_at            INTEGER,
    follow_up_at           INTEGER,
    follow_up_done_at      INTEGER,
    prevention_suggestion  TEXT,
    root_cause             TEXT,
    complaint_resolved_at  INTEGER,
    deleted_at             INTEGER
);
CREATE INDEX cases_team_inbox ON cases(team_id, next_due_at, id)
    WHERE status IN ('new', 'open', 'pending', 'hold') AND deleted_at IS NULL;
CREATE INDEX cases_requester ON cases(requester_id, id);
CREATE INDEX cases_assignee ON cases(assignee_id, status);
CREATE INDEX cases_status ON cases(status, id);
CREATE INDEX cases_created ON cases(created_at, id);
CREATE INDEX cases_updated ON cases(updated_at, id);
CREATE INDEX cases_solved ON cases(status, solved_at) WHERE status = 'solved';

CREATE TABLE case_tags (
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    tag      TEXT NOT NULL,
    PRIMARY KEY (tag, case_id)
);
CREATE INDEX case_tags_case ON case_tags(case_id);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    author_id   INTEGER NOT NULL REFERENCES users(id),
    public      BOOLEAN NOT NULL,
    channel     TEXT NOT NULL,
    body        TEXT NOT NULL,
    html_body   TEXT NOT NULL,
    automatic   BOOLEAN NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX messages_case ON messages(case_id, id);

CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    data        BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    token         TEXT NOT NULL UNIQUE,
    message_id    INTEGER REFERENCES messages(id),
    uploader_id   INTEGER NOT NULL REFERENCES users(id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL REFERENCES blobs(sha256),
    created_at    INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    actor_id    INTEGER REFERENCES users(id),
    kind        TEXT NOT NULL,
    field       TEXT,
    old_value   TEXT,
    new_value   TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE case_links (
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    other_id    INTEGER NOT NULL REFERENCES cases(id),
    kind        TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (case_id, other_id)
);

CREATE TABLE compensations (
    id               INTEGER PRIMARY KEY,
    case_id          INTEGER NOT NULL REFERENCES cases(id),
    kind             TEXT NOT NULL,
    amount_cents     INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    requested_by_id  INTEGER NOT NULL REFERENCES users(id),
    decided_by_id    INTEGER REFERENCES users(id),
    created_at       INTEGER NOT NULL,
    decided_at       INTEGER
);
CREATE INDEX compensations_case ON compensations(case_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);

CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    resource_id  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE job_statuses (
    id          TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    job_type    TEXT NOT NULL,
    total       INTEGER NOT NULL,
    status      TEXT NOT NULL,
    results     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- One document per case (subject, people, messages), folded to lower case without accents.
CREATE VIRTUAL TABLE case_fts USING fts5(doc, tokenize = 'porter unicode61 remove_diacritics 2');
