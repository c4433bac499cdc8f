-- Service standards (B1–B5): calendars, standards, per-case clocks, durable jobs,
-- in-app notifications, the service charter. Timestamps are UTC milliseconds.
ALTER TABLE cases ADD COLUMN first_reply_at BIGINT;

CREATE TABLE calendars (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    -- Zendesk intervals: JSON [[start, end], …] in minutes since Sunday 00:00.
    intervals   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE holidays (
    id           INTEGER PRIMARY KEY,
    calendar_id  BIGINT NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    start_date   TEXT NOT NULL,
    end_date     TEXT NOT NULL,
    recurring    BOOLEAN NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);
CREATE INDEX holidays_calendar ON holidays(calendar_id);

CREATE TABLE standards (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL,
    metric                TEXT NOT NULL,
    scope                 TEXT NOT NULL DEFAULT '{}',
    threshold_minutes     BIGINT NOT NULL,
    target_percent        REAL NOT NULL,
    unacceptable_minutes  BIGINT,
    warn_percent          BIGINT NOT NULL DEFAULT 75,
    calendar_id           BIGINT REFERENCES calendars(id),
    actions               TEXT NOT NULL DEFAULT '{}',
    active                BOOLEAN NOT NULL DEFAULT 1,
    position              BIGINT NOT NULL DEFAULT 0,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    deleted_at            BIGINT
);

CREATE TABLE clocks (
    id                     INTEGER PRIMARY KEY,
    case_id                BIGINT NOT NULL REFERENCES cases(id),
    standard_id            BIGINT NOT NULL REFERENCES standards(id),
    instance               INTEGER NOT NULL,
    metric                 TEXT NOT NULL,
    state                  TEXT NOT NULL,
    started_at             BIGINT NOT NULL,
    running_since          BIGINT,
    elapsed_ms             BIGINT NOT NULL DEFAULT 0,
    pauses                 TEXT NOT NULL DEFAULT '[]',
    due_at                 BIGINT,
    warn_at                BIGINT,
    unacceptable_at        BIGINT,
    target_at              BIGINT,
    fulfilled_at           BIGINT,
    breached_at            BIGINT,
    warning_fired_at       BIGINT,
    breach_fired_at        BIGINT,
    unacceptable_fired_at  BIGINT,
    team_id                BIGINT,
    assignee_id            BIGINT,
    updated_at             BIGINT NOT NULL,
    UNIQUE (case_id, standard_id, instance)
);
-- Attainment: finished instances of a standard by the time they finished (covering).
CREATE INDEX clocks_finished ON clocks(standard_id, fulfilled_at, state, team_id, assignee_id)
    WHERE state IN ('achieved', 'breached');
-- Open instances of a standard (at risk, breached but still open).
CREATE INDEX clocks_open ON clocks(standard_id, due_at)
    WHERE state IN ('active', 'paused');

-- Durable jobs: one row per pending piece of work, keyed so it is scheduled once.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL UNIQUE,
    run_at      BIGINT NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    case_id     BIGINT REFERENCES cases(id),
    standard_id BIGINT REFERENCES standards(id),
    detail      TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);

CREATE TABLE charter_versions (
    version       BIGINT PRIMARY KEY,
    vision        TEXT NOT NULL,
    -- The standards as they were when published (JSON), so old versions read the same.
    standards     TEXT NOT NULL,
    published_by  BIGINT NOT NULL REFERENCES users(id),
    published_at  BIGINT NOT NULL
);

CREATE TABLE charter_acks (
    version   BIGINT NOT NULL REFERENCES charter_versions(version),
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    acked_at  BIGINT NOT NULL,
    PRIMARY KEY (version, user_id)
);
