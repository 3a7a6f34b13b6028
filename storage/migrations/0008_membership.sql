-- Membership follows the Telegram group (issue 12). Someone who leaves, is removed or banned keeps their
-- row (role, named-PIC mark, history) but is inactive; coming back restores what they had.
ALTER TABLE members ADD COLUMN left_at INTEGER;  -- NULL: in the group as far as the bot knows
ALTER TABLE members ADD COLUMN active_before_left INTEGER NOT NULL DEFAULT 0;  -- `active` to restore on return
