-- Scheduling across workers (issue 16): the scheduler pass may run in every worker process, and one sender
-- drains the outbox. So an outbox row carries what to send, not only its key: `payload` is the Bot API call as
-- JSON (method, parameters, topic, and the named recorder that writes what the sent message is, in the commit
-- that marks the key sent; bot/outbox.py) and `body` a photo's bytes, both until the row is settled (then dropped:
-- a sent row keeps no message text), `seq` the order rows were queued in (a chat's rows go out in that order),
-- `queued_in` the worker process that queued it (a process name, not a person).
ALTER TABLE outbox ADD COLUMN payload TEXT;
ALTER TABLE outbox ADD COLUMN body BYTEA;
ALTER TABLE outbox ADD COLUMN seq BIGINT;
ALTER TABLE outbox ADD COLUMN queued_in TEXT;
CREATE INDEX outbox_seq ON outbox (seq);
CREATE INDEX outbox_owed ON outbox (seq) WHERE status IN ('pending', 'sending') AND payload IS NOT NULL;
