"""The progress map (*peta kemajuan komunitas belajar*): a level per focus, computed from activity.

Three focuses (the official guidance, `DOMAIN.md`): ``learning`` (fokus pada pembelajaran),
``collaboration`` (budaya kolaborasi dan tanggung jawab kolektif), ``results`` (orientasi pada hasil
belajar peserta didik). Three levels: ``starting`` (mulai), ``running`` (berjalan), ``embedded``
(membudaya).

Each indicator earns 0, 1 or 2 points against two thresholds (``THRESHOLDS``); a focus's level is the
mean of the points of its indicators that have data: mean >= 1.5 -> embedded, >= 0.75 -> running, else
starting. A focus with no indicator data is ``starting`` with ``has_data=False``. The indicators, their
windows and thresholds are documented in ``docs/progress-map.md``; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

LEVELS = ("starting", "running", "embedded")
FOCUSES = ("learning", "collaboration", "results")

# indicator -> (points-1 threshold, points-2 threshold); values at or above earn the points.
THRESHOLDS: dict[str, tuple[float, float]] = {
    "meetings_held_ratio": (0.5, 0.85),  # meetings held / scheduled, last 8 weeks
    "attendance_rate": (0.5, 0.75),  # attended / members over held meetings, last 8 weeks
    "cycles_completed": (1, 2),  # inquiry cycles finished, last 26 weeks
    "answer_rate": (0.4, 0.7),  # members who answered the current cycle stage's questions
    "peer_observations": (1, 3),  # classroom observations recorded, last 26 weeks
    "good_practices": (1, 3),  # good practices written (STAR), last 26 weeks
    "survey_agreement": (0.6, 0.8),  # share agreeing (4–5 of 5) in the latest survey
    "results_recorded": (1, 2),  # cycles with students' results recorded before and after
    "targets_met": (1, 2),  # cycles whose target for students' results was met
    "programme_activities": (2, 4),  # programme activities held (forum, club, parents' class…), last 26 weeks
    "agreement_accepted": (0.5, 0.8),  # active members who accepted the current community agreement
}

INDICATORS: dict[str, tuple[str, ...]] = {
    "learning": ("meetings_held_ratio", "attendance_rate", "cycles_completed", "programme_activities"),
    "collaboration": ("answer_rate", "peer_observations", "good_practices", "survey_agreement",
                      "agreement_accepted"),
    "results": ("results_recorded", "targets_met"),
}

EMBEDDED_MEAN = 1.5
RUNNING_MEAN = 0.75


@dataclass(frozen=True)
class FocusLevel:
    focus: str
    level: str
    points: dict[str, int]  # indicator -> 0..2, only indicators with data
    has_data: bool
    own: str | None = None  # the community's own placement this term (`/peta`), None: not placed
    own_before: str | None = None  # its placement in the last term it placed itself

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)


def points(indicator: str, value: float | None) -> int | None:
    if value is None:
        return None
    one, two = THRESHOLDS[indicator]
    return 2 if value >= two else 1 if value >= one else 0


def level_of(pts: list[int]) -> str:
    if not pts:
        return "starting"
    mean = sum(pts) / len(pts)
    return "embedded" if mean >= EMBEDDED_MEAN else "running" if mean >= RUNNING_MEAN else "starting"


def progress_map(indicators: Mapping[str, float | None]) -> list[FocusLevel]:
    """One level per focus, in ``FOCUSES`` order. Unknown indicator names raise ``KeyError``."""
    unknown = set(indicators) - set(THRESHOLDS)
    if unknown:
        raise KeyError(f"unknown indicators: {sorted(unknown)}")
    out = []
    for focus in FOCUSES:
        pts = {name: p for name in INDICATORS[focus]
               if (p := points(name, indicators.get(name))) is not None}
        out.append(FocusLevel(focus, level_of(list(pts.values())), pts, bool(pts)))
    return out


def with_placement(levels: list[FocusLevel], own: Mapping[str, str] | None,
                   before: Mapping[str, str] | None = None) -> list[FocusLevel]:
    """The computed levels with the community's own placement beside them (and the one of the last term)."""
    if not own and not before:
        return levels
    return [replace(lv, own=(own or {}).get(lv.focus), own_before=(before or {}).get(lv.focus)) for lv in levels]


def indicators_from(
    meetings: list[Mapping[str, object]] | None,
    cycles: list[Mapping[str, object]] | None,
    status: Mapping[str, object] | None,
    surveys: list[Mapping[str, object]] | None,
    now_ts: int,
) -> dict[str, float | None]:
    """Indicator values from the feeds' plain data (see ``docs/progress-map.md``); None = no data."""
    out: dict[str, float | None] = dict.fromkeys(THRESHOLDS)
    if meetings is not None:
        past = [m for m in meetings if int(m.get("start_ts", 0) or 0) <= now_ts]  # type: ignore[call-overload]
        held = [m for m in past if m.get("held")]
        if past:
            out["meetings_held_ratio"] = len(held) / len(past)
        seats = sum(int(m.get("members", 0) or 0) for m in held)  # type: ignore[call-overload]
        if seats:
            out["attendance_rate"] = sum(int(m.get("attended", 0) or 0) for m in held) / seats  # type: ignore[call-overload]
    if cycles is not None:  # a cycle summary exists once a cycle ended; older keys are accepted too
        out["cycles_completed"] = sum(1 for c in cycles if c.get("completed", bool(c.get("ended_at"))))
        out["peer_observations"] = sum(int(c.get("observations", 0) or 0) for c in cycles)  # type: ignore[call-overload]
        out["good_practices"] = sum(int(c.get("good_practices", 0) or 0) for c in cycles)  # type: ignore[call-overload]
        out["results_recorded"] = sum(1 for c in cycles if c.get(
            "results_recorded", c.get("before") is not None and c.get("after") is not None))
        out["targets_met"] = sum(1 for c in cycles if c.get("target_met", c.get("met")) is True)
    if status:
        members = int(status.get("members", 0) or 0)  # type: ignore[call-overload]
        if members:
            out["answer_rate"] = int(status.get("answered", 0) or 0) / members  # type: ignore[call-overload]
        if cycles is None and status.get("good_practices") is not None:
            out["good_practices"] = int(status["good_practices"])  # type: ignore[call-overload]
    if surveys:
        agreeing = [s.get("agreement") for s in surveys if s.get("agreement") is not None]
        if agreeing:
            out["survey_agreement"] = float(agreeing[-1])  # type: ignore[arg-type]
    return out


# -- "needs your attention" (principal digest) -----------------------------------------------------
LOW_ATTENDANCE = 0.5
FALLING_ATTENDANCE = 0.2  # drop between the last two weeks with data
LOW_HOURS = 0.5  # share of members on track for their learning hours
FALLING_PULSE = 0.1  # drop of the share agreeing between the last two pulses


def _last_two(values: list[float | None]) -> tuple[float | None, float | None]:
    known = [v for v in values if v is not None]
    return (known[-2] if len(known) > 1 else None), (known[-1] if known else None)


def attention(
    *,
    attendance: list[float | None],
    held_last_two_weeks: int | None,
    hours_on_track: float | None,
    stalled: bool | None,
    rtl_overdue: int | None,
    pulse: list[float | None],
) -> list[str]:
    """Codes of what a principal should look at, most urgent first; None = that feature has no data."""
    out = []
    if held_last_two_weeks == 0:
        out.append("no_meetings")
    if stalled:
        out.append("cycle_stalled")
    if rtl_overdue:
        out.append("rtl_overdue")
    before, last = _last_two(attendance)
    if last is not None and last < LOW_ATTENDANCE:
        out.append("low_attendance")
    elif before is not None and last is not None and before - last >= FALLING_ATTENDANCE:
        out.append("attendance_falling")
    if hours_on_track is not None and hours_on_track < LOW_HOURS:
        out.append("hours_behind")
    before, last = _last_two(pulse)
    if before is not None and last is not None and before - last >= FALLING_PULSE:
        out.append("pulse_falling")
    return out


def suggestion(*, attention: list[str], next_meeting: bool, cycle_done: bool) -> str:
    """One concrete thing the principal can do this week (a code; the sentence is in the templates)."""
    if attention and attention[0] in ("no_meetings", "low_attendance", "attendance_falling"):
        return "protect_slot"  # keep the Hari Belajar Guru slot free of other duties
    if attention and attention[0] == "cycle_stalled":
        return "ask_pic"  # ask the PIC what holds the stage up
    if attention and attention[0] == "hours_behind":
        return "hours_time"  # give members time for their learning hours
    if cycle_done:
        return "share_result"  # let the community present its result at the staff meeting
    if next_meeting:
        return "join_meeting"  # join the next meeting
    return "protect_slot"
