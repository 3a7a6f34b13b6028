-- Issue 15: the seeds' missing practices — the community agreement and core team (003, PIC steps 1–2), the
-- programme's activities with teachers, pupils and parents counted (002), and the community placing itself
-- on the progress map once a term (003).

-- The core team (tim inti / tim kecil) the PIC names: the people who drive the community.
CREATE TABLE core_team (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (community_id, user_id)
);

-- The agreement: values and commitments, a few lines. Every change is a new row (the latest is the
-- agreement); acceptances are per row, so changing the text asks everyone again.
CREATE TABLE agreements (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_by INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX agreements_by_community ON agreements (community_id, id);

CREATE TABLE agreement_acceptances (
    agreement_id INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (agreement_id, user_id)
);

-- The programme's activities (002): forum berbagi praktik baik, klub belajar siswa berbasis proyek, kelas
-- inspirasi orang tua, lesson study, or a custom one; the day it was held (local date, and its local
-- midnight in UTC seconds for window queries) and how many teachers, pupils and parents took part.
CREATE TABLE programme_activities (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT,
    held_on TEXT NOT NULL,
    held_ts INTEGER NOT NULL,
    teachers INTEGER NOT NULL DEFAULT 0,
    pupils INTEGER NOT NULL DEFAULT 0,
    parents INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX programme_activities_by_day ON programme_activities (community_id, held_ts);

-- The progress map's self-assessment: one per community and term ("2026/2027-1": odd semester), opened
-- by a PIC with a card in the group; each member places the community on each indicator (0 mulai,
-- 1 berjalan, 2 membudaya).
CREATE TABLE map_assessments (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    term TEXT NOT NULL,
    opened_by INTEGER,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER,
    chat_id INTEGER,
    message_id INTEGER,
    UNIQUE (community_id, term)
);

CREATE TABLE map_placements (
    assessment_id INTEGER NOT NULL REFERENCES map_assessments(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    level INTEGER NOT NULL,
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (assessment_id, user_id, indicator)
);
