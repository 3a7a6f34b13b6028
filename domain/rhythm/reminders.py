"""Meeting reminders: when they are due, which one to send after downtime (late ones only before the
meeting starts), and the offsets a PIC sets with ``/jadwal pengingat``.

Pure code: no Telegram, no database, no clock."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from domain.rhythm.durations import ParseError, parse_duration

# A reminder fired within this long after its due time counts as on time.
ON_TIME_GRACE = timedelta(minutes=5)
# One group reminder a meeting, the day before (with the RSVP buttons): the noise budget (issue 14) allows
# one; a PIC may add more with `/jadwal pengingat`.
DEFAULT_REMINDER_OFFSETS: tuple[int, ...] = (1440,)


# ----------------------------------------------------------------------------------------- reminders


def reminder_times(
    start_utc: datetime, offsets_min: Iterable[int] = DEFAULT_REMINDER_OFFSETS
) -> list[datetime]:
    """When to remind, earliest first: ``start - offset`` for each distinct positive offset."""
    return sorted({start_utc - timedelta(minutes=o) for o in offsets_min if o > 0})


ReminderDecision = Literal["send", "late_send", "skip", "not_yet"]


def due_reminder(
    start_utc: datetime, offset_min: int, now_utc: datetime, *, grace: timedelta = ON_TIME_GRACE
) -> ReminderDecision:
    """What to do with the reminder ``offset_min`` before ``start_utc``, looking at it at ``now_utc``.

    - ``"not_yet"``   before its due time (nothing to do yet);
    - ``"send"``      due, and at most ``grace`` late;
    - ``"late_send"`` missed (e.g. the bot was down) but the meeting has not started: still useful,
      the text should say how long until the start rather than "tomorrow"/"in 1 hour";
    - ``"skip"``      the meeting has started or is over: a reminder now is noise.
    """
    if now_utc >= start_utc:
        return "skip"
    due = start_utc - timedelta(minutes=offset_min)
    if now_utc < due:
        return "not_yet"
    return "send" if now_utc - due <= grace else "late_send"


def reminders_to_send(
    start_utc: datetime,
    offsets_min: Iterable[int],
    already_sent: Iterable[int],
    now_utc: datetime,
    *,
    grace: timedelta = ON_TIME_GRACE,
) -> tuple[int | None, ReminderDecision, list[int]]:
    """After downtime several reminders of one meeting may be due at once; send only one.

    Returns ``(offset_to_send or None, its decision, offsets_to_mark_skipped)``: the due reminder
    closest to the start is sent; earlier due ones are superseded and marked skipped.
    """
    sent = set(already_sent)
    due: list[tuple[int, ReminderDecision]] = []
    skipped: list[int] = []
    for off in sorted(set(offsets_min), reverse=True):
        if off in sent:
            continue
        decision = due_reminder(start_utc, off, now_utc, grace=grace)
        if decision == "skip":
            skipped.append(off)
        elif decision != "not_yet":
            due.append((off, decision))
    if not due:
        return None, "not_yet" if not skipped else "skip", skipped
    *superseded, (off, decision) = due  # sorted by offset descending: last is closest to start
    return off, decision, skipped + [o for o, _ in superseded]


# ------------------------------------------------------------------------------------------ offsets

MIN_REMINDER_OFFSET = 5
MAX_REMINDER_OFFSET = 7 * 24 * 60
MAX_REMINDERS = 3


def parse_offsets(text: str) -> tuple[int, ...]:
    """Reminder offsets in minutes before a meeting, one duration per word: ``"1440 60"``, ``"24j 30m"``.
    Distinct, largest first; 1 to 3 of them, each 5 min .. 7 days.
    Codes: ``empty``, ``bad_duration``, ``offset_range``, ``too_many``."""
    parts = [p for p in re.split(r"[\s,;]+", (text or "").strip()) if p]
    if not parts:
        raise ParseError("empty")
    out = {parse_duration(p) for p in parts}
    if len(out) > MAX_REMINDERS:
        raise ParseError("too_many", str(len(out)))
    for o in out:
        if not MIN_REMINDER_OFFSET <= o <= MAX_REMINDER_OFFSET:
            raise ParseError("offset_range", str(o))
    return tuple(sorted(out, reverse=True))
