"""One definition per figure that the summary, its chart, `/jam`, the principal's digest and `/laporan` show.

Every output reads these dataclasses; none recomputes a figure on its own. Pure functions, no I/O.

- **Attendance rate** (:func:`attendance`): over the *held* meetings of a window, present marks / seats
  (members counted when the meeting ended). Meetings not held yet, cancelled or skipped are not counted.
- **Hours on target** (:func:`hours_status`, :func:`hours_figure`): per member with a target, one of
  ``met`` (minutes ≥ target), ``on_pace`` (not met, but not behind the pro-rata pace of
  :func:`domain.rhythm.hours.is_behind`), ``behind``, or ``not_judged`` ("belum dinilai": less than
  ``MIN_ELAPSED_TO_JUDGE`` of the period has passed and the target is not met yet — such a member is never
  counted on target). Once the window is over (elapsed ≥ 1) a member is on target only if the target is met.
  *On target* = met + on pace; the rate is on target / judged members.
- **Cycle answer rate and stage** (:class:`CycleFigure`): members who answered at least one question of the
  stage open at the moment / members (at close for a closed stage).
- **Stalled** (:func:`stalled`): a stage is open and in the second half of its planned window (or past it),
  nobody has answered for ``STALL_DAYS`` days (counted from its opening when nobody answered at all), and
  fewer than half the members have answered. Anything else is on schedule: a stage where most members
  answered early and the rest of the window is quiet, or a stage that has just opened.
- **Survey agreement** (:func:`survey_agreement`): share of answers 4–5 on a 1–5 scale among the answers a
  survey *published* (hidden roles left out, `domain.surveys.core.disclosure`), read from its headline.
- **Pre/post** (:func:`prepost_of`, :class:`PrePost`): the class means of a paired test in % of its maximum
  score and the normalised gain ``(post − pre) / (100 − pre)``.
- **RTL** (:func:`rtl_figure`, :class:`RtlFigure`): done / not done / open counts of the follow-up items, and
  of the open ones how many are overdue (from the day after the due date) or due within 7 days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from domain.rhythm.hours import BEHIND_TOLERANCE, MIN_ELAPSED_TO_JUDGE

STALL_DAYS = 3
STALL_S = STALL_DAYS * 86400
HoursStatus = Literal["met", "on_pace", "behind", "not_judged", "no_target"]


# -- attendance --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Attendance:
    held: int  # meetings held in the window
    scheduled: int  # meetings planned in the window (held or not)
    attended: int  # present marks at held meetings
    seats: int  # members counted at held meetings

    @property
    def rate(self) -> float | None:
        return self.attended / self.seats if self.seats else None


def attendance(meetings: Iterable[tuple[bool, int, int]]) -> Attendance:
    """`meetings`: (held, attended, members) per meeting of the window."""
    held = scheduled = attended = seats = 0
    for was_held, present, members in meetings:
        scheduled += 1
        if was_held:
            held += 1
            attended += int(present or 0)
            seats += int(members or 0)
    return Attendance(held, scheduled, attended, seats)


# -- learning hours ----------------------------------------------------------------------------------
def hours_status(minutes: int, target: int, elapsed: float, *, tolerance: float = BEHIND_TOLERANCE,
                 min_elapsed: float = MIN_ELAPSED_TO_JUDGE) -> HoursStatus:
    """Where one member stands; see the module docstring."""
    if target <= 0:
        return "no_target"
    if minutes >= target:
        return "met"
    if elapsed >= 1:
        return "behind"
    if elapsed < min_elapsed:
        return "not_judged"
    return "behind" if minutes < tolerance * target * elapsed else "on_pace"


@dataclass(frozen=True, slots=True)
class HoursFigure:
    members: int  # active members
    with_target: int
    met: int
    on_pace: int
    behind: int
    not_judged: int
    target_minutes: int  # the community default target of the period (0 = none)
    elapsed: float  # fraction of the period elapsed (1 = over)

    @property
    def on_target(self) -> int:
        return self.met + self.on_pace

    @property
    def judged(self) -> int:
        return self.with_target - self.not_judged

    @property
    def rate(self) -> float | None:
        """On target / judged members; None when nobody can be judged yet (a gap, never a 0 or 100 %)."""
        return self.on_target / self.judged if self.judged else None


def hours_figure(pairs: Iterable[tuple[int, int]], elapsed: float, *, members: int | None = None,
                 target_minutes: int = 0) -> HoursFigure:
    """`pairs`: (minutes, target) per active member."""
    counts = {"met": 0, "on_pace": 0, "behind": 0, "not_judged": 0, "no_target": 0}
    n = 0
    for minutes, target in pairs:
        n += 1
        counts[hours_status(int(minutes or 0), int(target or 0), elapsed)] += 1
    return HoursFigure(n if members is None else members, n - counts["no_target"], counts["met"],
                       counts["on_pace"], counts["behind"], counts["not_judged"], int(target_minutes), elapsed)


# -- the inquiry cycle -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CycleFigure:
    stage: str  # a domain.cycle.core.Stage value
    stage_open: bool
    answered: int
    members: int
    stalled: bool
    quiet_days: int  # whole days since the last answer (or since the stage opened)
    rtl_open: int = 0
    rtl_overdue: int = 0
    rtl_due_soon: int = 0
    rtl_done: int = 0
    good_practices: int = 0

    @property
    def rate(self) -> float | None:
        return self.answered / self.members if self.members else None


def quiet_days(opened_at: int | None, last_answer_at: int | None, now_ts: int) -> int:
    since = last_answer_at if last_answer_at is not None else opened_at
    return 0 if since is None else max(0, (now_ts - since) // 86400)


def stalled(stage_open: bool, opened_at: int | None, closes_at: int | None, last_answer_at: int | None,
            now_ts: int, answered: int, members: int) -> bool:
    """See the module docstring: open, in its second half, quiet for STALL_DAYS days, fewer than half answered."""
    if not stage_open or opened_at is None or now_ts - opened_at < STALL_S:
        return False
    if closes_at is not None and closes_at > opened_at and (now_ts - opened_at) * 2 < closes_at - opened_at:
        return False
    if last_answer_at is not None and now_ts - last_answer_at < STALL_S:
        return False
    return 2 * answered < members


# -- pre/post ----------------------------------------------------------------------------------------
def normalised_gain(pre_pct: float | None, post_pct: float | None) -> float | None:
    """Hake's normalised gain from two class means in %; None when undefined (no data, or pre = 100 %)."""
    if pre_pct is None or post_pct is None or pre_pct >= 100:
        return None
    return (post_pct - pre_pct) / (100 - pre_pct)


@dataclass(frozen=True, slots=True)
class PrePost:
    title: str
    pre_pct: float | None
    post_pct: float | None

    @property
    def gain(self) -> float | None:
        return normalised_gain(self.pre_pct, self.post_pct)


# -- survey agreement ------------------------------------------------------------------------------
def survey_agreement(headline: Mapping[str, Any] | None) -> float | None:
    """The agreement share a survey published (its headline's ``agree_share``); None without one."""
    if not headline:
        return None
    v = headline.get("agree_share", headline.get("agreement"))
    return None if v is None else float(v)


def survey_respondents(headline: Mapping[str, Any] | None) -> int | None:
    """The n that goes with a survey's published figures: for a survey with Likert statements, the respondents
    its agreement (and mean, index) is computed on — the published overall n (``n``: roles under the
    anonymity floor left out, and anyone who answered no statement); for one without (a test), its published
    respondents. A headline kept before ``n`` was part of it gives its published respondents."""
    if not headline:
        return None
    n = headline.get("n") if survey_agreement(headline) is not None else None
    n = headline.get("respondents") if n is None else n
    return None if n is None else int(n)


def prepost_of(headline: Mapping[str, Any]) -> PrePost | None:
    """The pre/post figure of a test survey's headline (``mean_pre``/``mean_post`` in points of
    ``max_score``); None for a survey without a paired comparison."""
    if headline.get("mean_pre") is None or not headline.get("max_score"):
        return None
    top = float(headline["max_score"])
    post = headline.get("mean_post")
    return PrePost(str(headline.get("title") or ""), float(headline["mean_pre"]) * 100 / top,
                   None if post is None else float(post) * 100 / top)


# -- RTL ---------------------------------------------------------------------------------------------
DUE_SOON_DAYS = 7
RTL_STATUSES = ("done", "not_done", "open")


@dataclass(frozen=True, slots=True)
class RtlFigure:
    done: int = 0
    not_done: int = 0
    open: int = 0
    overdue: int = 0  # open and past the due date
    due_soon: int = 0  # open and due within DUE_SOON_DAYS days

    @property
    def total(self) -> int:
        return self.done + self.not_done + self.open


def rtl_figure(items: Iterable[tuple[str, date | None]], today: date | None = None) -> RtlFigure:
    """`items`: (status, due date) per follow-up item; overdue/due soon are counted when `today` is given.
    Raises ValueError on an unknown status."""
    counts = dict.fromkeys(RTL_STATUSES, 0)
    overdue = soon = 0
    for status, due in items:
        if status not in counts:
            raise ValueError(status)
        counts[status] += 1
        if status == "open" and due is not None and today is not None:
            overdue += today > due
            soon += 0 <= (due - today).days <= DUE_SOON_DAYS
    return RtlFigure(counts["done"], counts["not_done"], counts["open"], overdue, soon)


__all__ = ["STALL_DAYS", "Attendance", "CycleFigure", "HoursFigure", "PrePost", "RtlFigure", "attendance",
           "hours_figure", "hours_status", "normalised_gain", "prepost_of", "quiet_days", "rtl_figure", "stalled",
           "survey_agreement"]
