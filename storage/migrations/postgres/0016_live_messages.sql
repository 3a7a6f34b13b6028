-- One live-message mechanism (issue 18 / issue 14): every message whose content follows the database — a stage
-- card, a survey card, a meeting's RSVP tally and check-in, the journal loop's problems card, the day's welcome —
-- keeps its edit throttle here, in one layout. `bot/live.py` edits it now if its last edit is at least the interval
-- (`domain/live.py`, 30 s) ago, else marks it owed; one scheduler tick makes the owed edits whose interval has
-- passed. The content is rendered from the database at edit time, per kind; where the message is lives with the
-- feature (cycle_stages.header_message_id, surveys.header_message_id, meeting_messages, jl_cards, welcomes).
-- kind: stage | survey | meeting | problems | welcome; ref: the feature's id (stage, survey, meeting, card,
-- community); part: which message of it ('' — or a meeting's 'r1440', 'r60', 'checkin'; the welcome's local day).
-- A row exists once the message was edited (a message never edited since it was sent is edited at once).
CREATE TABLE live_messages (
    kind      TEXT    NOT NULL,
    ref       BIGINT NOT NULL,
    part      TEXT    NOT NULL DEFAULT '',
    edited_at BIGINT NOT NULL,            -- the last edit (claimed before the call)
    owed      BIGINT NOT NULL DEFAULT 0,  -- 1: the content changed since the last edit
    gone      BIGINT NOT NULL DEFAULT 0,  -- 1: Telegram says the message no longer exists; never edited again
    PRIMARY KEY (kind, ref, part)
);
CREATE INDEX live_messages_owed ON live_messages (edited_at) WHERE owed = 1 AND gone = 0;

-- The three old layouts move in (what was owed stays owed).
INSERT INTO live_messages (kind, ref, part, edited_at, owed)
SELECT 'stage', id, '', COALESCE(header_edited_at, 0), header_dirty FROM cycle_stages
WHERE header_edited_at IS NOT NULL OR header_dirty = 1;
INSERT INTO live_messages (kind, ref, part, edited_at, owed)
SELECT 'survey', id, '', COALESCE(header_edited_at, 0),
       CASE WHEN respondents != header_count AND status = 'open' THEN 1 ELSE 0 END FROM surveys
WHERE header_message_id IS NOT NULL AND (header_edited_at IS NOT NULL OR (respondents != header_count AND status = 'open'));
INSERT INTO live_messages (kind, ref, part, edited_at, owed)
SELECT 'meeting', meeting_id, kind, last_edit_at, dirty FROM meeting_messages WHERE kind != 'skip';
INSERT INTO live_messages (kind, ref, part, edited_at, owed)
SELECT 'problems', id, '', COALESCE(edited_at, 0), dirty FROM jl_cards WHERE message_id IS NOT NULL;
INSERT INTO live_messages (kind, ref, part, edited_at, owed)
SELECT 'welcome', community_id, day, edited_at, dirty FROM welcomes;

DROP INDEX cycle_stages_header_dirty;
ALTER TABLE cycle_stages DROP COLUMN header_edited_at;
ALTER TABLE cycle_stages DROP COLUMN header_dirty;
ALTER TABLE surveys DROP COLUMN header_count;
ALTER TABLE surveys DROP COLUMN header_edited_at;
DROP INDEX meeting_messages_dirty;
ALTER TABLE meeting_messages DROP COLUMN last_edit_at;
ALTER TABLE meeting_messages DROP COLUMN dirty;
DROP INDEX jl_cards_dirty;
ALTER TABLE jl_cards DROP COLUMN edited_at;
ALTER TABLE jl_cards DROP COLUMN dirty;
DROP INDEX welcomes_dirty;
ALTER TABLE welcomes DROP COLUMN edited_at;
ALTER TABLE welcomes DROP COLUMN dirty;

-- A reply to a survey's card in the group is recognised by the card (a multi-item survey answers it with a pointer).
CREATE INDEX surveys_header ON surveys (chat_id, header_message_id);

