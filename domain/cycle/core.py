"""The inquiry cycle of a learning community (siklus inkuiri komunitas belajar).

Pure domain code: no Telegram, no database. Four stages (refleksi awal → perencanaan →
implementasi → evaluasi), a question bank per stage read from the texts of ``messages/<locale>/cycle.toml``
(handed in by the bot: ``bot.render.cycle_texts``; the domain reads no files),
per-community overrides of that bank, parsing of the cycle's target ("literasi kelas 4: 40% → 70%
tuntas"), a default schedule aligned with the weekly meeting, and an end-of-cycle summary.

Errors are reported as :class:`CycleError` with a stable ``code`` the bot layer maps to a message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from typing import Any, Literal

from domain.groups import split_group_suffix
from domain.reports.figures import rtl_figure
from domain.text import clip

MAX_QUESTION_LEN = 200
TOPIC_MAX = 200  # what is stored of a cycle topic, and of the target as typed (UTF-16 code units)
RAW_MAX = 300


class CycleError(ValueError):
    """A domain error with a stable machine-readable ``code``."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class Stage(Enum):
    REFLECTION = "reflection"
    PLANNING = "planning"
    IMPLEMENTATION = "implementation"
    EVALUATION = "evaluation"

    def next(self) -> Stage | None:
        """The following stage, or ``None`` after EVALUATION (the cycle is complete)."""
        i = STAGES.index(self)
        return STAGES[i + 1] if i + 1 < len(STAGES) else None

    @classmethod
    def parse(cls, value: Stage | str) -> Stage:
        if isinstance(value, Stage):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise CycleError("unknown_stage", str(value)) from None


STAGES: tuple[Stage, ...] = (Stage.REFLECTION, Stage.PLANNING, Stage.IMPLEMENTATION, Stage.EVALUATION)


# --------------------------------------------------------------------------- messages / question bank


# ``messages/<locale>/cycle.toml`` as parsed, in one language: ``stages``, ``questions``, ``journal``, ``star``.
CycleTexts = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    stage: Stage
    text: str


@dataclass(frozen=True, slots=True)
class StageInfo:
    stage: Stage
    title: str
    description: str


def stage_info(texts: CycleTexts) -> dict[Stage, StageInfo]:
    raw = texts["stages"]
    return {s: StageInfo(s, raw[s.value]["title"], raw[s.value]["description"]) for s in STAGES}


def journal_prompt(texts: CycleTexts) -> str:
    """The daily-journal prompt (what happened today vs what should have happened)."""
    return str(texts["journal"]["prompt"])


def question_bank(texts: CycleTexts) -> dict[Stage, list[Question]]:
    """The default questions per stage, in order. A fresh copy each call (safe to mutate)."""
    raw = texts["questions"]
    return {s: [Question(q["key"], s, q["text"]) for q in raw.get(s.value, [])] for s in STAGES}


@dataclass(frozen=True, slots=True)
class Override:
    """A PIC's change to the bank: ``add`` a question (at the end of ``stage``), ``drop`` or ``reword`` one."""

    action: Literal["add", "drop", "reword"]
    stage: Stage | str
    key: str
    text: str | None = None


_KEY_RE = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)*$")


def _clean_text(text: str | None) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise CycleError("empty_text")
    if len(text) > MAX_QUESTION_LEN:
        raise CycleError("too_long", str(len(text)))
    return text


def apply_overrides(
    bank: Mapping[Stage, Sequence[Question]], overrides: Iterable[Override]
) -> dict[Stage, list[Question]]:
    """Apply overrides in order and return a new bank (the input is not modified).

    Codes: ``unknown_stage``, ``bad_action``, ``bad_key`` (keys are lower-case dotted words,
    e.g. ``refl.local1``), ``duplicate_key`` (a key is unique across the whole bank),
    ``unknown_key`` (drop/reword of a key not in that stage), ``empty_text``, ``too_long``.
    """
    out: dict[Stage, list[Question]] = {s: list(bank.get(s, ())) for s in STAGES}
    for ov in overrides:
        stage = Stage.parse(ov.stage)
        key = (ov.key or "").strip()
        questions = out[stage]
        idx = next((i for i, q in enumerate(questions) if q.key == key), None)
        if ov.action == "add":
            if not _KEY_RE.match(key):
                raise CycleError("bad_key", key)
            if any(q.key == key for qs in out.values() for q in qs):
                raise CycleError("duplicate_key", key)
            questions.append(Question(key, stage, _clean_text(ov.text)))
        elif ov.action == "drop":
            if idx is None:
                raise CycleError("unknown_key", key)
            del questions[idx]
        elif ov.action == "reword":
            if idx is None:
                raise CycleError("unknown_key", key)
            questions[idx] = Question(key, stage, _clean_text(ov.text))
        else:
            raise CycleError("bad_action", str(ov.action))
    return out


# --------------------------------------------------------------------------- target


@dataclass(frozen=True, slots=True)
class Target:
    """The cycle's measurable aim.

    ``unit`` is ``"%"`` when a percent sign was used, followed by any trailing label
    (``"% tuntas"``); without a percent sign it is the trailing label (``"poin"``) or ``None``.
    A topic without numbers is allowed (``baseline``/``goal`` are ``None``): teachers often
    name the problem in the reflection stage and fix the numbers later. ``"topic: 70%"``
    gives a goal without a baseline.
    """

    topic: str
    baseline: float | None
    goal: float | None
    unit: str | None
    raw: str

    @property
    def is_percent(self) -> bool:
        return bool(self.unit) and self.unit.startswith("%")


_NUM = r"\d{1,6}(?:[.,]\d{1,3})?"
_ARROW = (
    r"(?:→|➝|➔|⟶|⇒|=>|-+>|–>|—>|>|s/d"
    r"|(?<![^\W\d_])(?:ke|to|menjadi|jadi|hingga|sampai)(?![^\W\d_]))"
)
_RANGE_RE = re.compile(
    rf"(?<![\d.,])(?P<b>{_NUM})\s*(?P<bp>%|persen\b|percent\b)?\s*{_ARROW}\s*(?P<g>{_NUM})\s*(?P<gp>%|persen\b|percent\b)?"
    r"\s*(?P<rest>[^\d]*)$",
    re.IGNORECASE,
)
_GOAL_ONLY_RE = re.compile(
    rf"^(?P<g>{_NUM})\s*(?P<gp>%|persen\b|percent\b)?\s*(?P<rest>[^\d]*)$", re.IGNORECASE
)
_TOPIC_TAIL_RE = re.compile(r"(?:[\s:;,\-–—=]|\bdari\b|\bfrom\b)+$", re.IGNORECASE)


def _num(s: str) -> float:
    return float(s.replace(",", "."))


def _unit(percent: bool, rest: str) -> str | None:
    label = " ".join(rest.strip(" .,:;()").split())
    if percent:
        return f"% {label}" if label else "%"
    return label or None


def parse_target(text: str) -> Target:
    """Parse "literasi kelas 4: 40 % → 70 % tuntas", "literasi 40 ke 70", "menulis kelas 3: 50->75".

    Codes: ``empty_topic`` (nothing before the numbers, or empty text); ``bad_target``
    (goal ≤ baseline, or a percentage outside 0–100).
    """
    raw = text if isinstance(text, str) else ""
    s = " ".join(raw.split())
    baseline = goal = None
    unit = None
    topic = s
    m = _RANGE_RE.search(s)
    if m:
        topic = s[: m.start()]
        baseline, goal = _num(m["b"]), _num(m["g"])
        unit = _unit(bool(m["bp"] or m["gp"]), m["rest"])
    elif ":" in s:
        head, _, tail = s.rpartition(":")
        g = _GOAL_ONLY_RE.match(tail.strip())
        if g:
            topic, goal = head, _num(g["g"])
            unit = _unit(bool(g["gp"]), g["rest"])
    topic = _TOPIC_TAIL_RE.sub("", topic).strip()
    if not any(ch.isalpha() for ch in topic):
        raise CycleError("empty_topic")
    target = Target(topic=clip(topic, TOPIC_MAX), baseline=baseline, goal=goal, unit=unit, raw=clip(raw, RAW_MAX))
    if target.is_percent and any(v is not None and not 0 <= v <= 100 for v in (baseline, goal)):
        raise CycleError("bad_target", "percent_range")
    if baseline is not None and goal is not None and goal <= baseline:
        raise CycleError("bad_target", "goal_not_above_baseline")
    return target


def split_start(text: str) -> tuple[str, str | None]:
    """`/siklus mulai <target> kelompok <name>`: (the target as typed, the group's name or None). The last
    group word counts, and only before a name that is not part of the target ("diskusi kelompok: 50 ke 80")."""
    return split_group_suffix(text, last=True, is_name=lambda n: bool(n) and ":" not in n
                              and not _RANGE_RE.search(n) and not _GOAL_ONLY_RE.match(n))


def target_met(target: Target | None, after_value: float | None) -> bool | None:
    """``None`` when it cannot be judged (no target, no numeric goal, no result yet)."""
    if target is None or target.goal is None or after_value is None:
        return None
    return after_value >= target.goal


# --------------------------------------------------------------------------- default plan


@dataclass(frozen=True, slots=True)
class StagePlan:
    stage: Stage
    opens: date
    closes: date


def weekday_school(d: date) -> bool:
    return d.weekday() < 5


_SEARCH_LIMIT = 400  # days; a calendar with no school day in >a year is a configuration error


def _next_school_day(d: date, is_school_day: Callable[[date], bool]) -> date:
    for _ in range(_SEARCH_LIMIT):
        if is_school_day(d):
            return d
        d += timedelta(days=1)
    raise CycleError("no_school_days")


def default_plan(
    start: date,
    *,
    meeting_weekdays: tuple[int, ...] | None = None,
    weeks_per_stage: int = 2,
    is_school_day: Callable[[date], bool] = weekday_school,
) -> list[StagePlan]:
    """A consecutive schedule for the four stages.

    Each stage opens on a school day (the first one on/after ``start``, then the first school day
    after the previous stage closed) and nominally lasts ``weeks_per_stage`` weeks. With weekly
    meeting days, a stage closes on the meeting day nearest its nominal end (ties go later, so a
    stage is never cut more than 3 days short); if that meeting falls on a non-school day (holiday)
    the stage closes at the next meeting that is a school day, so the synthesis is discussed in an
    actual meeting. Without meeting days, a stage closes on the last school day of its nominal span
    (or the first one after it, if the whole span is a holiday).

    Codes: ``bad_plan`` (weeks_per_stage < 1, weekday not in 0–6), ``no_school_days``,
    ``no_meeting_school_day`` (no meeting day is a school day within a year, e.g. a Saturday
    meeting in a Monday–Friday school).
    """
    if weeks_per_stage < 1:
        raise CycleError("bad_plan", "weeks_per_stage")
    meetings = tuple(sorted(set(meeting_weekdays or ())))
    if any(not 0 <= w <= 6 for w in meetings):
        raise CycleError("bad_plan", "weekday")
    plans: list[StagePlan] = []
    opens = _next_school_day(start, is_school_day)
    for stage in STAGES:
        nominal_end = opens + timedelta(days=7 * weeks_per_stage - 1)
        if meetings:
            candidates = [
                nominal_end + timedelta(days=off)
                for off in range(-3, 4)
                if (nominal_end + timedelta(days=off)).weekday() in meetings
                and nominal_end + timedelta(days=off) > opens
            ]
            close = min(candidates, key=lambda d: (abs((d - nominal_end).days), -d.toordinal()))
            for _ in range(_SEARCH_LIMIT // 7):
                if is_school_day(close):
                    break
                close += timedelta(days=1)
                while close.weekday() not in meetings:
                    close += timedelta(days=1)
            else:
                raise CycleError("no_meeting_school_day")
        else:
            close = nominal_end
            while close > opens and not is_school_day(close):
                close -= timedelta(days=1)
            if not is_school_day(close):
                close = _next_school_day(nominal_end, is_school_day)
        plans.append(StagePlan(stage, opens, close))
        opens = _next_school_day(close + timedelta(days=1), is_school_day)
    return plans


# --------------------------------------------------------------------------- summary

RtlStatus = Literal["done", "not_done", "open"]


@dataclass(frozen=True, slots=True)
class Participation:
    answered: int
    members: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.members if self.members else None


@dataclass(frozen=True, slots=True)
class CycleSummary:
    topic: str
    target: Target | None
    before: float | None
    after: float | None
    met: bool | None
    participation: dict[Stage, Participation] = field(default_factory=dict)
    rtl_done: int = 0
    rtl_not_done: int = 0
    rtl_open: int = 0
    good_practices: int = 0

    @property
    def rtl_total(self) -> int:
        return self.rtl_done + self.rtl_not_done + self.rtl_open


def build_summary(
    target: Target | None,
    *,
    topic: str | None = None,
    before: float | None = None,
    after: float | None = None,
    participation: Mapping[Stage | str, tuple[int, int]] | None = None,
    rtl_statuses: Iterable[str] = (),
    good_practices: int = 0,
) -> CycleSummary:
    """Summarise a finished (or running) cycle from plain values.

    ``before`` defaults to the target's baseline; ``participation`` maps a stage to
    ``(answered, members)``; ``rtl_statuses`` are "done" / "not_done" / "open" (code
    ``bad_status`` otherwise).
    """
    if before is None and target is not None:
        before = target.baseline
    part = {Stage.parse(k): Participation(int(a), int(m)) for k, (a, m) in (participation or {}).items()}
    try:
        rtl = rtl_figure((st, None) for st in rtl_statuses)
    except ValueError as err:
        raise CycleError("bad_status", str(err)) from None
    return CycleSummary(
        topic=topic if topic is not None else (target.topic if target else ""),
        target=target,
        before=before,
        after=after,
        met=target_met(target, after),
        participation={s: part[s] for s in STAGES if s in part},
        rtl_done=rtl.done,
        rtl_not_done=rtl.not_done,
        rtl_open=rtl.open,
        good_practices=good_practices,
    )
