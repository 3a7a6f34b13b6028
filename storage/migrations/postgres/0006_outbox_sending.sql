-- Crash-safe outbox (issue 7). Before calling Telegram, `bot/delivery.py` marks the entry 'sending'
-- durably (status pending -> sending -> sent | pending | skipped). An entry found 'sending' by a later
-- attempt belongs to a process that died during the call: Telegram may or may not have delivered it.
-- Such attempts, and calls that timed out, are counted in `ambiguous`: only a key with ambiguous > 0 can
-- have reached its chat twice (Telegram has no idempotency key). They are re-sent (at least once).
ALTER TABLE outbox ADD COLUMN ambiguous BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN sending_at BIGINT;
