-- Working groups (kelompok kerja, 001/004: e.g. "Kelas rendah", "Kelas tinggi", a subject) and peer
-- observation of a lesson with the six-aspect rubric of 001, run as lesson study (002/004): a model teacher,
-- 1-4 observers who record what pupils do and say, a debrief in order that ends in an RTL item.

CREATE TABLE work_groups (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    title           TEXT    NOT NULL,           -- the group's name ("Kelas rendah")
    created_by      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    removed_at      INTEGER
);
CREATE UNIQUE INDEX work_groups_name ON work_groups (community_id, title COLLATE NOCASE) WHERE removed_at IS NULL;

CREATE TABLE work_group_members (
    group_id   INTEGER NOT NULL REFERENCES work_groups(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX work_group_members_user ON work_group_members (user_id);

CREATE TABLE observations (
    id                INTEGER PRIMARY KEY,
    community_id      INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    cycle_id          INTEGER REFERENCES cycles(id) ON DELETE SET NULL,
    stage_id          INTEGER REFERENCES cycle_stages(id) ON DELETE SET NULL,
    group_id          INTEGER REFERENCES work_groups(id) ON DELETE SET NULL,
    model_user_id     INTEGER NOT NULL,
    class_label       TEXT    NOT NULL,
    focus             TEXT    NOT NULL,
    at_ts             INTEGER NOT NULL,        -- when the lesson is taught
    created_by        INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    share_ratings     INTEGER NOT NULL DEFAULT 0,  -- only the model teacher sets it
    debrief_at        INTEGER,
    debrief_step      TEXT,                    -- NULL (not started) | model | observers | redesign | rtl | done
    rtl_id            INTEGER REFERENCES rtl_items(id) ON DELETE SET NULL,
    card_chat_id      INTEGER NOT NULL,
    card_message_id   INTEGER,
    debrief_chat_id   INTEGER,
    debrief_message_id INTEGER,
    thread_id         INTEGER,
    origin_chat_id    INTEGER NOT NULL,
    origin_message_id INTEGER NOT NULL,
    UNIQUE (origin_chat_id, origin_message_id)
);
CREATE INDEX observations_community ON observations (community_id, at_ts);
CREATE INDEX observations_debrief ON observations (debrief_step, debrief_at);

CREATE TABLE observation_observers (
    observation_id INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    joined_at      INTEGER NOT NULL,
    PRIMARY KEY (observation_id, user_id)
);

CREATE TABLE observation_ratings (
    observation_id INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    aspect         TEXT    NOT NULL,
    score          INTEGER NOT NULL,            -- 1..4 (domain.observation.SCORES)
    rated_at       INTEGER NOT NULL,
    PRIMARY KEY (observation_id, user_id, aspect)
);

-- Evidence notes (what pupils did and said; a photo) and the debrief's contributions.
CREATE TABLE observation_notes (
    id             INTEGER PRIMARY KEY,
    observation_id INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    kind           TEXT    NOT NULL,            -- evidence | photo | model | observers | redesign
    text           TEXT,
    file_id        TEXT,
    created_at     INTEGER NOT NULL,
    chat_id        INTEGER NOT NULL,
    message_id     INTEGER NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX observation_notes_obs ON observation_notes (observation_id, kind);

-- A survey aimed at one working group: only its members answer; its figures rest on them alone (the survey's
-- own anonymity floor then applies within the group).
CREATE TABLE survey_groups (
    survey_id INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
    group_id  INTEGER NOT NULL REFERENCES work_groups(id) ON DELETE CASCADE
);
