"""What summaries, reports and digests say, gathered from the other features through `services.hooks`.

Every hook is optional: a feature that has not landed (or fails) gives `None`, and the texts say "no data
yet" for that part. The hooks and the keys read from their dicts are listed in docs/architecture.md
("Reports: hooks consumed"). No SQL and no Telegram here; decisions live in `domain/`.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from domain.cycle import Stage, stage_info
from domain.progress_map import FocusLevel, attention, indicators_from, progress_map
from domain.recognition import Contributor, merge_activity, top_contributors
from domain.report_period import iso_week_key, midnight_ts, week_of
from storage.models import Community

if TYPE_CHECKING:
    from ..services import Services

log = logging.getLogger(__name__)
TREND_WEEKS = 6
MAP_WEEKS = 8  # meetings window of the progress map
CYCLE_WEEKS = 26  # cycles / surveys window of the progress map
FEATURE_HOOKS = {"rhythm": "meetings_between", "cycle": "cycle_status", "surveys": "survey_latest"}


async def hook(services: Services, name: str, *args: Any) -> Any:
    """Call an optional hook; None when absent or when it fails (logged: one feature never breaks ours)."""
    fn = services.hooks.get(name)
    if fn is None:
        return None
    try:
        result = fn(*args)
        if inspect.isawaitable(result):
            result = await result
        return result
    except Exception:
        log.exception("hook %s failed", name)
        return None


def features(services: Services) -> set[str]:
    return {f for f, h in FEATURE_HOOKS.items() if h in services.hooks}


def agreement(survey: dict[str, Any] | None) -> float | None:
    if not survey:
        return None
    v = survey.get("agree_share", survey.get("agreement"))
    return None if v is None else float(v)


def stage_title(stage: Any, locale: str) -> str | None:
    if stage is None:
        return None
    try:
        return stage_info(locale)[Stage.parse(stage)].title
    except Exception:
        return str(stage)


def rate(num: Any, den: Any) -> float | None:
    try:
        return int(num) / int(den) if den else None
    except (TypeError, ValueError):
        return None


def off(meeting: dict[str, Any]) -> bool:
    """A meeting that will not take place (cancelled by the PIC, or skipped for a holiday/off-day)."""
    return meeting.get("status") in ("cancelled", "skipped")


def last_cycle_bounds(summaries: list[dict[str, Any]] | None) -> tuple[int, int] | None:
    """(start, end) of the last completed cycle: "this cycle" once no cycle is running."""
    done = [s for s in summaries or [] if s.get("started_at") and s.get("ended_at")]
    if not done:
        return None
    last = max(done, key=lambda s: int(s["ended_at"]))
    return int(last["started_at"]), int(last["ended_at"])


def cycle_bounds(status: dict[str, Any] | None) -> tuple[int, int] | None:
    """(start, closes) of the "this cycle" period: from the cycle's own start (`cycle_opened_ts`), falling
    back to the current stage's `opened_ts` for a provider that does not give it."""
    if not status:
        return None
    start = status.get("cycle_opened_ts") or status.get("opened_ts")
    return (int(start), int(status.get("closes_ts") or 0)) if start else None


@dataclass
class WeekPoint:
    label: str
    attendance: float | None
    hours: float | None
    answers: float | None


@dataclass
class Snapshot:
    community: Community
    now: datetime
    start: date
    end: date
    week: str
    features: set[str]
    meetings: list[dict[str, Any]] | None
    held: int = 0
    scheduled: int = 0
    attendance: float | None = None
    next_meeting: datetime | None = None
    next_title: str | None = None
    hours: dict[str, Any] | None = None
    cycle: dict[str, Any] | None = None
    stage: str | None = None
    answer_rate: float | None = None
    surveys: list[dict[str, Any]] | None = None
    survey: dict[str, Any] | None = None
    survey_agreement: float | None = None
    pulse: list[dict[str, Any]] | None = None
    trend: list[WeekPoint] = field(default_factory=list)
    levels: list[FocusLevel] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return bool(self.meetings or self.hours or self.cycle or self.surveys or
                    any(p.attendance is not None or p.hours is not None or p.answers is not None
                        for p in self.trend))

    @property
    def has_chart(self) -> bool:
        return any(p.attendance is not None or p.hours is not None or p.answers is not None for p in self.trend)


def _attendance(meetings: list[dict[str, Any]]) -> tuple[int, int, float | None]:
    held = [m for m in meetings if m.get("held")]
    seats = sum(int(m.get("members") or 0) for m in held)
    return len(held), len(meetings), (sum(int(m.get("attended") or 0) for m in held) / seats if seats else None)


async def snapshot(services: Services, community: Community, now: datetime, *,
                   weeks: int = TREND_WEEKS) -> Snapshot:
    """This week of one community, with the trend of the last `weeks` weeks and the progress map."""
    tz = ZoneInfo(community.tz)
    cid = community.id
    now_ts = int(now.timestamp())
    start, end = week_of(now.astimezone(tz).date())
    s_ts, e_ts = midnight_ts(start, tz), midnight_ts(end + timedelta(days=1), tz)
    first = start - timedelta(weeks=max(weeks, MAP_WEEKS) - 1)
    history = await hook(services, "meetings_between", cid, midnight_ts(first, tz), e_ts + 14 * 86400)
    snap = Snapshot(community, now, start, end, iso_week_key(start), features(services), None)
    if history is not None:
        history = sorted(history, key=lambda m: int(m.get("start_ts") or 0))
        snap.meetings = [m for m in history if s_ts <= int(m.get("start_ts") or 0) < e_ts]
        past_week = [m for m in snap.meetings if int(m.get("start_ts") or 0) <= now_ts]
        snap.held, snap.scheduled, snap.attendance = _attendance(past_week)
        upcoming = [m for m in history if int(m.get("start_ts") or 0) > now_ts and not off(m)]
        if upcoming:
            snap.next_meeting = datetime.fromtimestamp(int(upcoming[0]["start_ts"]), UTC).astimezone(tz)
            snap.next_title = upcoming[0].get("title")
    snap.hours = await hook(services, "hours_summary", cid, now)
    snap.cycle = await hook(services, "cycle_status", cid, now)
    if snap.cycle:
        snap.stage = stage_title(snap.cycle.get("stage"), community.locale)
        snap.answer_rate = rate(snap.cycle.get("answered"), snap.cycle.get("members"))
    since = now_ts - CYCLE_WEEKS * 7 * 86400
    snap.surveys = await hook(services, "survey_latest", cid, since, now_ts + 1)
    if snap.surveys:
        snap.survey = max(snap.surveys, key=lambda s: int(s.get("closed_at") or 0))
        snap.survey_agreement = agreement(snap.survey)
    snap.pulse = await hook(services, "pulse_trend", cid, 4)
    # the trend, one point per week, oldest first (hooks asked "as of the end of that week")
    for i in range(weeks - 1, -1, -1):
        w0 = start - timedelta(weeks=i)
        w_s, w_e = midnight_ts(w0, tz), midnight_ts(w0 + timedelta(days=7), tz)
        as_of = now if i == 0 else datetime.fromtimestamp(w_e - 1, UTC)
        att = None
        if history is not None:
            att = _attendance([m for m in history if w_s <= int(m.get("start_ts") or 0) < min(w_e, now_ts + 1)])[2]
        hrs = snap.hours if i == 0 else await hook(services, "hours_summary", cid, as_of)
        cyc = snap.cycle if i == 0 else await hook(services, "cycle_status", cid, as_of)
        snap.trend.append(WeekPoint(
            f"{w0.day}/{w0.month}", att,
            rate(hrs.get("on_track"), hrs.get("members")) if hrs else None,
            rate(cyc.get("answered"), cyc.get("members")) if cyc else None))
    cycles = await hook(services, "cycle_summaries", cid, since, now_ts + 1)
    map_meetings = None if history is None else [
        m for m in history if int(m.get("start_ts") or 0) >= now_ts - MAP_WEEKS * 7 * 86400]
    inds = indicators_from(map_meetings, cycles, snap.cycle,
                           [{"agreement": agreement(s)} for s in (snap.surveys or [])], now_ts)
    snap.levels = progress_map(inds)
    pulse_shares = [p.get("agree_share") for p in (snap.pulse or [])]
    snap.attention = attention(
        attendance=[p.attendance for p in snap.trend[-4:]],
        held_last_two_weeks=None if history is None else sum(
            1 for m in history if m.get("held") and now_ts - 14 * 86400 <= int(m.get("start_ts") or 0) <= now_ts),
        hours_on_track=rate(snap.hours.get("on_track"), snap.hours.get("members")) if snap.hours else None,
        stalled=bool(snap.cycle.get("stalled")) if snap.cycle else None,
        rtl_overdue=int(snap.cycle.get("rtl_overdue") or 0) if snap.cycle else None,
        pulse=[None if v is None else float(v) for v in pulse_shares],
    )
    return snap


async def contributors(services: Services, community: Community, start_ts: int, end_ts: int) -> list[Contributor]:
    parts = [await hook(services, f"activity_{f}", community.id, start_ts, end_ts)
             for f in ("rhythm", "cycle", "surveys")]
    activity = merge_activity(parts)
    if not activity:
        return []
    members = await services.repos.members.list(community.id)
    names = {m.user_id: m.name for m in members}
    return top_contributors(activity, names, [m.user_id for m in members if m.allow_named])


async def report_rows(services: Services, community: Community, start_ts: int, end_ts: int) -> dict[str, list[list]]:
    """Extra sheets the features provide (`report_rows_<feature>`), first row = header."""
    out: dict[str, list[list]] = {}
    for f in ("rhythm", "cycle", "surveys", "observe"):
        rows = await hook(services, f"report_rows_{f}", community.id, start_ts, end_ts)
        for key, table in (rows or {}).items():
            if table:
                out[str(key)] = [list(r) for r in table]
    return out


def week_label_key(community: Community, when: datetime) -> str:
    return iso_week_key(when.astimezone(ZoneInfo(community.tz)).date())
