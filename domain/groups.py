"""Working groups: aiming something at one group — the `… kelompok <name>` / `… group <name>` suffix shared by
`/survei`, `/siklus mulai` and `/jadwal` (the bot looks the name up) — and a group's figures for the weekly
summary's line per group, with the survey anonymity floor applied within the group."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.surveys.core import DEFAULT_FLOOR, Response, SurveyDef, disclosure, survey_summary

GROUP_WORDS = ("kelompok", "group")
_WORD_RE = re.compile(r"(?<!\S)(?:kelompok|group)(?!\S)", re.IGNORECASE)


def split_group_suffix(text: str, *, last: bool = False,
                       is_name: Callable[[str], bool] | None = None) -> tuple[str, str | None]:
    """(the text before the group word, the group's name after it — "" if none was given), or (text, None)
    when there is no group word. `last`: the last group word is the suffix (free text before it may say
    "kelompok" too); `is_name`: a candidate name it rejects is not a suffix (e.g. "50 ke 80" of a target)."""
    raw = text or ""
    found = list(_WORD_RE.finditer(raw))
    for m in (reversed(found) if last else found):
        name = " ".join(raw[m.end():].split())
        if is_name is None or is_name(name):
            return raw[:m.start()].rstrip(), name
    return raw, None


SUMMARY_GROUPS_MAX = 4  # lines per group in the weekly summary (its length budget); the rest are counted


@dataclass(frozen=True, slots=True)
class GroupWeek:
    """One group's week: attendance at the meetings that were its business, the running cycle's open stage,
    and the latest survey's agreement among its members — each None when there is nothing (or, for the survey,
    too few respondents in a role within the group) to show."""

    name: str
    size: int
    attendance: float | None
    answered: int | None
    survey_agree: float | None
    survey_hidden: bool = False

    @property
    def empty(self) -> bool:
        return self.attendance is None and self.answered is None and self.survey_agree is None


def group_week(row: Mapping[str, Any], survey: SurveyDef | None = None, people: Sequence[Response] = (),
               *, floor: int = DEFAULT_FLOOR) -> GroupWeek:
    """`row`: a group's counts (size, meetings, present, stages, answered). The survey figure rests only on the
    responses `disclosure` publishes within the group (a role of fewer than `floor` of its members is left
    out), and is withheld when nobody is left."""
    size, meetings, stages = int(row["size"]), int(row["meetings"]), int(row["stages"])
    attendance = min(1.0, int(row["present"]) / (size * meetings)) if size and meetings else None
    answered = int(row["answered"]) if size and stages else None
    agree, hidden = None, False
    if survey is not None and survey.likert_items and people:
        shown = disclosure(survey, people, floor=floor)
        if shown.published:
            agree = survey_summary(survey, shown.published, floor=floor).overall.agree_share
        hidden = agree is None
    return GroupWeek(str(row["name"]), size, attendance, answered, agree, hidden)
