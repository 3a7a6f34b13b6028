-- Mini-surveys: definitions (frozen when started), the messages that carry them, one answer per
-- (survey, person, item), and the weekly pulse schedule. Times are INTEGER unix seconds, UTC.

CREATE TABLE surveys (
    id                INTEGER PRIMARY KEY,
    community_id      INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    chat_id           INTEGER NOT NULL,            -- the group the survey is posted in
    kind              TEXT    NOT NULL,            -- pulse | satisfaction | prepost | custom
    phase             TEXT,                        -- pre | post (prepost only)
    pair_id           INTEGER REFERENCES surveys(id) ON DELETE SET NULL,  -- a post-test's pre-test
    title             TEXT    NOT NULL,
    items_json        TEXT    NOT NULL,            -- the items as started (wording in the group's language)
    locale            TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'open',  -- open | closing (results pending) | closed
    posted            INTEGER NOT NULL DEFAULT 0,  -- 1 once the header and every item are in the group
    header_message_id INTEGER,
    respondents       INTEGER NOT NULL DEFAULT 0,  -- people with at least one answer
    header_count      INTEGER NOT NULL DEFAULT 0,  -- the count the header shows now
    header_edited_at  INTEGER,
    created_by        INTEGER NOT NULL,
    source_key        TEXT UNIQUE,                 -- 'msg:<chat>:<message>' or 'sched:<community>:<ts>': re-delivery safe
    opened_at         INTEGER NOT NULL,
    closes_at         INTEGER,                     -- NULL: open until a PIC closes it
    closed_at         INTEGER
);
CREATE INDEX surveys_status_due ON surveys (status, closes_at);
CREATE INDEX surveys_community ON surveys (community_id, status, closed_at);

-- Group messages that carry an item (a text item is answered by replying to it).
CREATE TABLE survey_messages (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    item_idx   INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX survey_messages_survey ON survey_messages (survey_id, item_idx);

CREATE TABLE survey_answers (
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    item_idx    INTEGER NOT NULL,
    value_int   INTEGER,                 -- Likert 1..5, or an option index
    value_text  TEXT,                    -- open answers
    role        TEXT    NOT NULL,        -- the member's role when answering
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (survey_id, user_id, item_idx)
);

-- The weekly pulse: after each weekly meeting (mode 'meeting') or at a fixed local day and time ('fixed').
CREATE TABLE survey_schedules (
    community_id  INTEGER PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    mode          TEXT    NOT NULL,      -- meeting | fixed
    weekday       INTEGER,               -- fixed: 0 = Monday
    minute_of_day INTEGER,               -- fixed: local wall-clock minutes
    open_hours    INTEGER NOT NULL,      -- how long each pulse stays open
    checked_until INTEGER NOT NULL,      -- meeting mode: meetings ending up to here are handled
    next_due_at   INTEGER NOT NULL,
    created_by    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX survey_schedules_due ON survey_schedules (next_due_at);
