"""The throttle policy of live messages (stage cards, survey cards, RSVP tallies and check-ins, the journal
loop's problems card, the day's welcome): one interval for all of them. A change is shown at once when the
message's last edit is at least INTERVAL_S old, else it is owed and the scheduler's catch-up makes it once
the interval has passed — a burst of answers costs one edit now and one later, never a message. Pure: the
caller gives the times."""

from __future__ import annotations

from enum import Enum

INTERVAL_S = 30  # at most one edit of a live message per this many seconds (Telegram counts edits in a group)


class Decision(Enum):
    EDIT_NOW = "edit_now"
    OWE = "owe"


def decide(last_edit: int | None, now: int, *, force: bool = False, interval: int = INTERVAL_S) -> Decision:
    """What a change of a live message's content calls for. `last_edit` None: never edited since it was sent.
    `force`: the message's state changed for good (closed, cancelled, moved) — shown at once."""
    if force or last_edit is None or now - last_edit >= interval:
        return Decision.EDIT_NOW
    return Decision.OWE


def owed_due_before(now: int, interval: int = INTERVAL_S) -> int:
    """Owed edits whose last edit is at or before this instant may be made now (the catch-up)."""
    return now - interval
