-- Membership follows the Telegram group (issue 12). Someone who leaves, is removed or banned keeps their
-- row (role, named-PIC mark, history) but is inactive; coming back restores what they had.
ALTER TABLE members ADD COLUMN left_at BIGINT;  -- NULL: in the group as far as the bot knows
ALTER TABLE members ADD COLUMN active_before_left BIGINT NOT NULL DEFAULT 0;  -- `active` to restore on return
