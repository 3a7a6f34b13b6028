-- Weekly group summaries and principal digests: when each is next due (UTC), indexed for the scheduler.
-- Opting out of being named in recognition is members.allow_named (0001).

CREATE TABLE report_schedules (
    community_id    BIGINT PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    weekday         BIGINT,              -- 0 = Monday .. 6 = Sunday; NULL = default (end of school week)
    minute          BIGINT,              -- minutes after local midnight; NULL = default
    enabled         BIGINT NOT NULL DEFAULT 1,
    next_due_at     BIGINT NOT NULL,     -- UTC seconds of the next summary
    last_week       TEXT,                 -- ISO week of the last summary handled ('2026-W48')
    updated_at      BIGINT NOT NULL
);
CREATE INDEX report_schedules_due ON report_schedules (next_due_at);

CREATE TABLE digest_schedules (
    user_id         BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    weekday         BIGINT NOT NULL DEFAULT 0,   -- Monday
    minute          BIGINT NOT NULL DEFAULT 420, -- 07:00 local
    tz              TEXT    NOT NULL,
    next_due_at     BIGINT NOT NULL,
    last_week       TEXT,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX digest_schedules_due ON digest_schedules (next_due_at);

-- How far new communities / principals have been given a schedule (so no pass scans them all).
CREATE TABLE report_watermarks (
    name  TEXT    PRIMARY KEY,
    value BIGINT NOT NULL
);
CREATE INDEX principals_linked ON principals (linked_at);
