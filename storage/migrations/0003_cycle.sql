-- The inquiry cycle: cycles and their stages, prompts posted in the group, answers and evidence,
-- per-community question changes, RTL follow-up items, daily journal, good practices (STAR), summaries.
-- Times are INTEGER unix seconds, UTC; dates without time (RTL due) are ISO 'YYYY-MM-DD' text.

CREATE TABLE cycles (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    topic         TEXT    NOT NULL,
    target_raw    TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'active',   -- active | done
    result_before REAL,
    result_after  REAL,
    thread_id     INTEGER,                              -- forum topic the cycle was started in
    started_by    INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    origin_chat_id    INTEGER NOT NULL,
    origin_message_id INTEGER NOT NULL,
    UNIQUE (origin_chat_id, origin_message_id)
);
-- one active cycle per community
CREATE UNIQUE INDEX cycles_one_active ON cycles (community_id) WHERE status = 'active';
CREATE INDEX cycles_ended ON cycles (community_id, ended_at);

CREATE TABLE cycle_stages (
    id             INTEGER PRIMARY KEY,
    cycle_id       INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    community_id   INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    stage          TEXT    NOT NULL,                    -- reflection | planning | implementation | evaluation
    seq            INTEGER NOT NULL,
    opens_at       INTEGER NOT NULL,
    closes_at      INTEGER NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'planned',  -- planned | open | closed
    opened_at      INTEGER,
    closed_at      INTEGER,
    questions_json TEXT    NOT NULL DEFAULT '[]',       -- the questions as posted: [{"key":..,"text":..}]
    header_chat_id    INTEGER,
    header_message_id INTEGER,
    posted         INTEGER NOT NULL DEFAULT 0,          -- prompts posted in the group
    synth_posted   INTEGER NOT NULL DEFAULT 0,          -- synthesis (and, at the end, the summary) posted
    reminder_at    INTEGER NOT NULL,
    reminded       INTEGER NOT NULL DEFAULT 0,
    answered_at_close INTEGER,
    members_at_close  INTEGER,
    UNIQUE (cycle_id, stage)
);
CREATE INDEX cycle_stages_opens ON cycle_stages (status, opens_at);
CREATE INDEX cycle_stages_closes ON cycle_stages (status, closes_at);
CREATE INDEX cycle_stages_posted ON cycle_stages (status, posted, synth_posted);
CREATE INDEX cycle_stages_reminder ON cycle_stages (reminded, reminder_at);

-- One message per question in the group: a reply to it is an answer.
CREATE TABLE cycle_prompts (
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    stage_id     INTEGER NOT NULL REFERENCES cycle_stages(id) ON DELETE CASCADE,
    question_key TEXT    NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX cycle_prompts_stage ON cycle_prompts (stage_id);

-- Upserted per (stage, member, question); chat/message say which message holds the current text.
CREATE TABLE cycle_answers (
    stage_id     INTEGER NOT NULL REFERENCES cycle_stages(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    question_key TEXT    NOT NULL,
    text         TEXT    NOT NULL DEFAULT '',
    source       TEXT    NOT NULL,                      -- group | private
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (stage_id, user_id, question_key)
);
CREATE INDEX cycle_answers_message ON cycle_answers (chat_id, message_id);

CREATE TABLE cycle_evidence (
    id           INTEGER PRIMARY KEY,
    stage_id     INTEGER NOT NULL REFERENCES cycle_stages(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    question_key TEXT    NOT NULL,
    kind         TEXT    NOT NULL,                      -- photo | document | voice
    file_id      TEXT    NOT NULL,
    caption      TEXT,
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX cycle_evidence_stage ON cycle_evidence (stage_id);

-- A PIC's changes to the question bank, applied in order (domain.cycle.apply_overrides).
CREATE TABLE cycle_question_overrides (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    action       TEXT    NOT NULL,                      -- add | drop | reword
    stage        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    text         TEXT,
    created_by   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    origin_chat_id    INTEGER NOT NULL,
    origin_message_id INTEGER NOT NULL,
    UNIQUE (origin_chat_id, origin_message_id)
);
CREATE INDEX cycle_question_overrides_community ON cycle_question_overrides (community_id, id);

CREATE TABLE cycle_summaries (
    cycle_id     INTEGER PRIMARY KEY REFERENCES cycles(id) ON DELETE CASCADE,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    ended_at     INTEGER NOT NULL,
    summary_json TEXT    NOT NULL
);
CREATE INDEX cycle_summaries_community ON cycle_summaries (community_id, ended_at);

-- RTL (rencana tindak lanjut): what, who, by when, how measured.
CREATE TABLE rtl_items (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    cycle_id      INTEGER REFERENCES cycles(id) ON DELETE SET NULL,
    what          TEXT    NOT NULL,
    who           TEXT,
    owner_user_id INTEGER,
    due           TEXT    NOT NULL,
    measure       TEXT,
    status        TEXT    NOT NULL DEFAULT 'open',     -- open | done | not_done
    note          TEXT,
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    closed_at     INTEGER,
    remind_at     INTEGER NOT NULL,
    reminded      INTEGER NOT NULL DEFAULT 0,
    origin_chat_id    INTEGER NOT NULL,
    origin_message_id INTEGER NOT NULL,
    UNIQUE (origin_chat_id, origin_message_id)
);
CREATE INDEX rtl_items_community ON rtl_items (community_id, status);
CREATE INDEX rtl_items_remind ON rtl_items (reminded, remind_at);

-- Daily journal: opt-in per member and community, with a local time of day.
CREATE TABLE journal_subs (
    user_id        INTEGER NOT NULL,
    community_id   INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    hhmm           TEXT    NOT NULL,
    enabled        INTEGER NOT NULL DEFAULT 1,
    next_at        INTEGER NOT NULL,
    last_prompt_at INTEGER,
    last_prompt_message_id INTEGER,
    PRIMARY KEY (user_id, community_id)
);
CREATE INDEX journal_subs_due ON journal_subs (enabled, next_at);

CREATE TABLE journal_entries (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    day          TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    shared_at    INTEGER,
    created_at   INTEGER NOT NULL,
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX journal_entries_user ON journal_entries (user_id, created_at);
CREATE INDEX journal_entries_shared ON journal_entries (community_id, shared_at);

CREATE TABLE good_practices (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    cycle_id     INTEGER REFERENCES cycles(id) ON DELETE SET NULL,
    user_id      INTEGER NOT NULL,
    reading      TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    situation    TEXT    NOT NULL,
    task         TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    result       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    shared_at    INTEGER,
    origin_chat_id    INTEGER NOT NULL,
    origin_message_id INTEGER NOT NULL,
    UNIQUE (origin_chat_id, origin_message_id)
);
CREATE INDEX good_practices_community ON good_practices (community_id, cycle_id);
