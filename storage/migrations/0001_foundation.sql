-- Communities, people, roles, principals, pending conversations, and the delivery ledger.
-- Times are INTEGER unix seconds, UTC. Portable SQL (no SQLite-only types) so a PostgreSQL backend can follow.

CREATE TABLE communities (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL UNIQUE,
    chat_title    TEXT    NOT NULL DEFAULT '',
    name          TEXT,
    kind          TEXT,                 -- intra | kkg | mgmp | other
    schools       TEXT,
    tz            TEXT    NOT NULL DEFAULT 'Asia/Jakarta',
    work_days     INTEGER NOT NULL DEFAULT 5,
    locale        TEXT    NOT NULL DEFAULT 'id',
    active        INTEGER NOT NULL DEFAULT 1,
    setup_done    INTEGER NOT NULL DEFAULT 0,
    settings_json TEXT    NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,   -- the Telegram user id
    first_name     TEXT    NOT NULL DEFAULT '',
    last_name      TEXT,
    username       TEXT,
    language_code  TEXT,
    locale         TEXT,                  -- chosen with /language; NULL follows the community
    private_status TEXT    NOT NULL DEFAULT 'unknown',  -- unknown | started | blocked
    current_community_id INTEGER REFERENCES communities(id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE members (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role         TEXT    NOT NULL DEFAULT 'other',
    pic          INTEGER,                 -- NULL: PIC if a group admin; 1: named PIC; 0: removed by a PIC
    active       INTEGER NOT NULL DEFAULT 1,
    allow_quote  INTEGER NOT NULL DEFAULT 1,
    allow_named  INTEGER NOT NULL DEFAULT 1,
    joined_at    INTEGER NOT NULL,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX members_user ON members (user_id);

CREATE TABLE principals (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    linked_at    INTEGER NOT NULL,
    linked_by    INTEGER,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX principals_user ON principals (user_id);

CREATE TABLE principal_links (
    token_hash   TEXT    PRIMARY KEY,     -- sha256 of the token; the token itself is never stored
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    created_by   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    used_by      INTEGER
);

-- A multi-step conversation waiting for a person's next text or tap (survives restarts).
CREATE TABLE flows (
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    data_json    TEXT    NOT NULL DEFAULT '{}',
    prompt_message_id INTEGER,
    community_id INTEGER REFERENCES communities(id) ON DELETE CASCADE,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

-- Updates already handled, so a re-delivered update changes nothing.
CREATE TABLE processed_updates (
    update_id  INTEGER PRIMARY KEY,
    handled_at INTEGER NOT NULL
);

-- Scheduled and broadcast sends, keyed by what they are (e.g. 'reminder:42:1440'), so a restart or a
-- second pass never sends the same thing twice, and a send that failed is retried or marked.
CREATE TABLE outbox (
    key          TEXT    PRIMARY KEY,
    chat_id      INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending',   -- pending | sent | skipped | failed
    message_id   INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER
);
CREATE INDEX outbox_chat ON outbox (chat_id);
