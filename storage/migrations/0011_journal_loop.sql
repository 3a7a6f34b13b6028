-- The journal loop of seed 004: a journal entry says whether the day differed from the plan and why;
-- shared problems are gathered weekly on one group card where members propose and vote on solutions; the
-- chosen solution becomes a trial (an RTL item) whose owner reports its effect through the journal.
ALTER TABLE journal_entries ADD COLUMN differed INTEGER;          -- 1 differed from the plan, 0 as planned
ALTER TABLE journal_entries ADD COLUMN why TEXT;                  -- the answer to "why?"
ALTER TABLE journal_entries ADD COLUMN share_named INTEGER NOT NULL DEFAULT 0;  -- the writer allowed the name

-- Problems shared and not yet on a card, across communities (the card posted before the weekly meeting).
CREATE INDEX journal_entries_shared_at ON journal_entries (shared_at) WHERE shared_at IS NOT NULL;

CREATE TABLE jl_cards (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    week         TEXT    NOT NULL,                 -- ISO week, local
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER,
    thread_id    INTEGER,
    status       TEXT    NOT NULL DEFAULT 'open',  -- open | decided
    edited_at    INTEGER,
    dirty        INTEGER NOT NULL DEFAULT 0,
    created_by   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (community_id, week)
);
CREATE INDEX jl_cards_dirty ON jl_cards (dirty, edited_at);
CREATE INDEX jl_cards_message ON jl_cards (chat_id, message_id);

CREATE TABLE jl_problems (
    id       INTEGER PRIMARY KEY,
    card_id  INTEGER NOT NULL REFERENCES jl_cards(id) ON DELETE CASCADE,
    n        INTEGER NOT NULL,
    entry_id INTEGER NOT NULL REFERENCES journal_entries(id) ON DELETE CASCADE,
    UNIQUE (card_id, n),
    UNIQUE (entry_id)
);

CREATE TABLE jl_proposals (
    id          INTEGER PRIMARY KEY,
    problem_id  INTEGER NOT NULL REFERENCES jl_problems(id) ON DELETE CASCADE,
    text        TEXT    NOT NULL,
    proposed_by INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    origin_chat_id    INTEGER NOT NULL,
    origin_message_id INTEGER NOT NULL,
    UNIQUE (origin_chat_id, origin_message_id)
);
CREATE INDEX jl_proposals_problem ON jl_proposals (problem_id, id);

CREATE TABLE jl_votes (
    problem_id  INTEGER NOT NULL REFERENCES jl_problems(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    proposal_id INTEGER NOT NULL REFERENCES jl_proposals(id) ON DELETE CASCADE,
    PRIMARY KEY (problem_id, user_id)
);
CREATE INDEX jl_votes_proposal ON jl_votes (proposal_id);

-- A chosen solution tried in the writer's class: offered to them, accepted (an RTL item) or declined.
CREATE TABLE jl_trials (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    problem_id    INTEGER REFERENCES jl_problems(id) ON DELETE SET NULL,
    proposal_id   INTEGER REFERENCES jl_proposals(id) ON DELETE SET NULL,
    owner_user_id INTEGER,
    cycle_id      INTEGER REFERENCES cycles(id) ON DELETE SET NULL,
    rtl_id        INTEGER REFERENCES rtl_items(id) ON DELETE SET NULL,
    start_day     TEXT    NOT NULL,
    end_day       TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'offered',  -- offered | accepted | declined
    ask_at        INTEGER,
    asked         INTEGER NOT NULL DEFAULT 0,
    ask_message_id INTEGER,
    effect        TEXT,                                -- helped | partly | not_yet
    effect_note   TEXT,
    effect_at     INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX jl_trials_problem ON jl_trials (problem_id);
CREATE INDEX jl_trials_ask ON jl_trials (asked, ask_at);
CREATE INDEX jl_trials_community ON jl_trials (community_id, created_at);
