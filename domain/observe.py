"""Peer observation of a lesson (001's six-aspect rubric, run as 002/004's lesson study) and working groups.

Pure logic: the rubric, parsing of the set-up line and of a debrief time, the order of the debrief, who may
see ratings, and the per-group anonymity floor. Observers rate what they saw of *pupils' learning* under
each aspect (1-4, each score with a descriptor); the model teacher alone decides whether the ratings go
beyond the model teacher and the observers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, time

from domain.cycle.rtl import RtlError, parse_due

# 001, Tabel 1: the six aspects observed
ASPECTS = ("preparation", "management", "interaction", "methods", "mastery", "assessment")
SCORES = (1, 2, 3, 4)
MAX_OBSERVERS = 4
MAX_CLASS = 60
MAX_FOCUS = 200
MAX_NOTE = 1000
MAX_GROUP_NAME = 40
GROUP_FLOOR = 3  # a group's figure is shown only if at least this many people stand behind it

# The debrief, in order (lesson study): the model teacher first, then the observers on pupils' learning,
# then the redesign; it ends in an RTL item.
STEPS = ("model", "observers", "redesign", "rtl", "done")

_TIME_RE = re.compile(r"^(?:jam\s+|pukul\s+|at\s+)?(\d{1,2})[:.](\d{2})$")


class ObservationError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ObservationSpec:
    class_label: str
    day: date
    at: time
    focus: str
    group: str | None


def parse_when(text: str, *, today: date, locale: str = "id",
               is_school_day: Callable[[date], bool] | None = None) -> tuple[date, time]:
    """"Selasa 11/8 09:00", "11/8 9.00", "besok 07:30": a date (any form `parse_due` reads) and a time.
    Codes: ``missing_time``, ``bad_time``, the `parse_due` codes, ``not_school_day``."""
    words = " ".join((text or "").split()).split(" ")
    if not words or not words[-1]:
        raise ObservationError("empty")
    tail = words[-1].lower()
    m = _TIME_RE.match(tail)
    head = words[:-1]
    if m is None:
        raise ObservationError("missing_time")
    hh, mm = int(m[1]), int(m[2])
    if hh > 23 or mm > 59:
        raise ObservationError("bad_time")
    head = [w for w in head if w.lower() not in ("jam", "pukul", "at")]
    # a weekday name before a date ("Selasa 11/8") only confirms it: the date decides
    if len(head) > 1 and not any(c.isdigit() for c in head[0]) and any(c.isdigit() for c in head[1]):
        head = head[1:]
    try:
        day = parse_due(" ".join(head), today=today, locale=locale)
    except RtlError as exc:
        raise ObservationError(exc.code) from None
    if is_school_day is not None and not is_school_day(day):
        raise ObservationError("not_school_day")
    return day, time(hh, mm)


def parse_setup(text: str, *, today: date, locale: str = "id",
                is_school_day: Callable[[date], bool] | None = None) -> ObservationSpec:
    """"class; date time; focus[; working group]", e.g. "4A; Selasa 11/8 09:00; ide pokok teks; Kelas tinggi".
    Codes: ``empty``, ``missing_parts``, ``too_many_parts``, ``too_long`` and those of `parse_when`."""
    if not (text or "").strip():
        raise ObservationError("empty")
    parts = [" ".join(p.split()) for p in text.split(";")]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    if len(parts) > 4:
        raise ObservationError("too_many_parts")
    if len(parts) < 3 or not all(parts[:3]):
        raise ObservationError("missing_parts")
    class_label, when, focus = parts[:3]
    if len(class_label) > MAX_CLASS or len(focus) > MAX_FOCUS or (len(parts) == 4 and len(parts[3]) > MAX_GROUP_NAME):
        raise ObservationError("too_long")
    day, at = parse_when(when, today=today, locale=locale, is_school_day=is_school_day)
    return ObservationSpec(class_label, day, at, focus, parts[3] if len(parts) == 4 and parts[3] else None)


def clean_group_name(text: str) -> str:
    """A working group's name as typed, spaces tidied. Codes: ``empty``, ``too_long``."""
    name = " ".join((text or "").split())
    if not name:
        raise ObservationError("empty")
    if len(name) > MAX_GROUP_NAME:
        raise ObservationError("too_long")
    return name


def next_step(step: str | None, *, observers_left: int) -> str:
    """The debrief step after `step` once its contribution is in (the observers' step waits for each
    observer, unless the model teacher or PIC moves on)."""
    if step is None:
        return "model"
    if step == "model" and observers_left == 0:  # no observer (or all absent): straight to the redesign
        return "redesign"
    if step == "observers" and observers_left > 0:
        return "observers"
    return STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]


def may_speak(step: str | None, user_id: int, *, model: int, observers: Iterable[int]) -> bool:
    """Who contributes at a step: the model teacher at "model", an observer at "observers", anyone at
    "redesign"."""
    if step == "model":
        return user_id == model
    if step == "observers":
        return user_id in set(observers)
    return step == "redesign"


def may_see_ratings(user_id: int, *, model: int, observers: Iterable[int], shared: bool) -> bool:
    return shared or user_id == model or user_id in set(observers)


def aspect_means(ratings: Iterable[tuple[str, int]]) -> dict[str, float]:
    """Mean score per aspect, in rubric order, from (aspect, score) pairs."""
    sums: dict[str, list[int]] = {}
    for aspect, score in ratings:
        sums.setdefault(aspect, []).append(int(score))
    return {a: sum(sums[a]) / len(sums[a]) for a in ASPECTS if a in sums}


def group_visible(people: int, *, floor: int = GROUP_FLOOR) -> bool:
    """A per-group figure is published only if at least `floor` people stand behind it (0 = nothing to
    hide: an empty line says no one)."""
    return people == 0 or people >= floor
