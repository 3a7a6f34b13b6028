-- The live count on a stage's header message is edited at most once per interval; answers in between
-- mark it dirty and the scheduler pass catches up (Telegram limits edits in a group like messages).
ALTER TABLE cycle_stages ADD COLUMN header_edited_at BIGINT;
ALTER TABLE cycle_stages ADD COLUMN header_dirty BIGINT NOT NULL DEFAULT 0;
CREATE INDEX cycle_stages_header_dirty ON cycle_stages (header_dirty, header_edited_at);
