-- Weekly rhythm: meeting series and their concrete occurrences, reminders and their live messages,
-- RSVPs, attendance, community off-days, learning-hour targets and logs.
-- Times are INTEGER unix seconds UTC; local dates are ISO 'YYYY-MM-DD' text in the community's zone.
-- Every due-time query of the scheduler pass has its index (meetings_remind, meetings_checkin,
-- meetings_checkin_close, meeting_messages_dirty, series_extend, hour_settings_nudge).

-- A weekly series, or a one-off meeting (kind 'once', one occurrence).
CREATE TABLE meeting_series (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,             -- weekly | once
    weekdays      TEXT    NOT NULL,             -- '0,3' (0 = Monday)
    start_time    TEXT    NOT NULL,             -- 'HH:MM' local wall-clock time
    duration_min  INTEGER NOT NULL,
    once_date     TEXT,                         -- for kind 'once'
    place         TEXT,
    link          TEXT,
    agenda        TEXT,
    active        INTEGER NOT NULL DEFAULT 1,   -- 0: ended by a PIC
    end_reason    TEXT,
    materialized_until INTEGER NOT NULL,        -- occurrences exist for starts before this time
    created_by    INTEGER NOT NULL,
    chat_id       INTEGER NOT NULL,             -- the message that created it (idempotent re-delivery)
    message_id    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX series_community ON meeting_series (community_id, active);
CREATE INDEX series_extend ON meeting_series (kind, active, materialized_until);

-- One concrete meeting. Skipped (holiday, off-day) and cancelled ones stay, with their reason, so they
-- are announced and listed rather than silently dropped.
CREATE TABLE meetings (
    id            INTEGER PRIMARY KEY,
    series_id     INTEGER NOT NULL REFERENCES meeting_series(id) ON DELETE CASCADE,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    orig_date     TEXT    NOT NULL,             -- the planned local date (identity within the series)
    start_ts      INTEGER NOT NULL,
    end_ts        INTEGER NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'scheduled',  -- scheduled | skipped | cancelled
    reason_kind   TEXT,                         -- holiday | cuti_bersama | community | pic
    reason        TEXT,
    moved         INTEGER NOT NULL DEFAULT 0,
    next_remind_at INTEGER,                     -- the next reminder (or skip notice) due; NULL: none left
    reminders_done TEXT NOT NULL DEFAULT '',    -- offsets (minutes) sent or superseded, '1440,60'
    checkin_at    INTEGER,                      -- when to post the attendance check-in; NULL: posted / none
    checkin_closes_at INTEGER,                  -- when to close it; NULL: closed / none
    checkin_message_id INTEGER,
    UNIQUE (series_id, orig_date)
);
CREATE INDEX meetings_community_start ON meetings (community_id, start_ts);
CREATE INDEX meetings_remind ON meetings (next_remind_at);
CREATE INDEX meetings_checkin ON meetings (checkin_at);
CREATE INDEX meetings_checkin_close ON meetings (checkin_closes_at);

-- The group messages that show a meeting's live RSVP tally (edited in place, at a capped rate).
CREATE TABLE meeting_messages (
    meeting_id    INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,             -- 'r1440', 'r60' (reminders) | 'skip'
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    offset_min    INTEGER NOT NULL DEFAULT 0,
    late          INTEGER NOT NULL DEFAULT 0,
    last_edit_at  INTEGER NOT NULL,
    dirty         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_id, kind)
);
CREATE INDEX meeting_messages_dirty ON meeting_messages (dirty);

CREATE TABLE rsvps (
    meeting_id    INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    answer        TEXT    NOT NULL,             -- yes | excused | online
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

CREATE TABLE attendance (
    meeting_id    INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    present       INTEGER NOT NULL,
    source        TEXT    NOT NULL,             -- self | pic
    marked_by     INTEGER NOT NULL,
    marked_at     INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX attendance_user ON attendance (user_id);

-- A community's own days off (exam weeks, semester break), inclusive local dates.
CREATE TABLE off_days (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    start_date    TEXT    NOT NULL,
    end_date      TEXT    NOT NULL,
    label         TEXT    NOT NULL DEFAULT '',
    created_by    INTEGER NOT NULL,
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX off_days_community ON off_days (community_id, end_date);

-- Learning-hour target per community ('' = everyone) and optionally per role.
CREATE TABLE hour_targets (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    role          TEXT    NOT NULL DEFAULT '',
    minutes       INTEGER NOT NULL,
    PRIMARY KEY (community_id, role)
);

-- The period of the targets and when the mid-period nudge of the current period is due.
CREATE TABLE hour_settings (
    community_id  INTEGER PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    period        TEXT    NOT NULL,             -- week | month
    nudge_at      INTEGER,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX hour_settings_nudge ON hour_settings (nudge_at);

CREATE TABLE learning_logs (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    minutes       INTEGER NOT NULL,
    what          TEXT    NOT NULL DEFAULT '',
    on_date       TEXT    NOT NULL,
    at_ts         INTEGER NOT NULL,             -- local noon of on_date, in UTC (for period sums)
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    deleted_at    INTEGER,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX learning_logs_period ON learning_logs (community_id, at_ts);
CREATE INDEX learning_logs_user ON learning_logs (user_id, created_at);
