-- New members are welcomed in one group message a day, edited as others join (issue 14).
-- welcomes: that day's message (recorded in the commit that marks its outbox key `wl:<community>:<day>` sent);
-- its list is edited at most once per interval, joins in between mark it dirty and the scheduler pass catches up.
CREATE TABLE welcomes (
    community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    day TEXT NOT NULL,                        -- local date, ISO
    chat_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    edited_at BIGINT NOT NULL,
    dirty BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (community_id, day)
);
CREATE INDEX welcomes_dirty ON welcomes (dirty, edited_at);
-- who joined that day, in order (the names are read from users when the message is written)
CREATE TABLE welcome_joiners (
    community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (community_id, day, user_id)
);
