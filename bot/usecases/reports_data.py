"""What summaries, reports and digests say, gathered from the other features through their typed feeds
(`services.feeds`, `bot/feeds.py`).

Every feed is optional: a feature that is absent (or fails: logged) gives `None`, and the texts say "no data
yet" for that part. The feeds, who provides and who reads them are listed in docs/architecture.md ("Typed
feeds"). No SQL and no Telegram here; decisions live in `domain/`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from domain.cycle.core import Stage, stage_info
from domain.programme.progress_map import (
    FocusLevel,
    attention,
    indicators_from,
    progress_map,
    suggestion,
    with_placement,
)
from domain.reports.figures import Attendance, HoursFigure, attendance, survey_respondents
from domain.reports.figures import survey_agreement as agreement
from domain.reports.period import iso_week_key, midnight_ts, week_of
from domain.reports.recognition import Contributor, merge_activity, top_contributors
from storage.activity import activity
from storage.models import Community, Member

from ..feeds import CycleStatus, CycleSummary, Gathering, MeetingRow, PulsePoint, SurveyHeadline
from ..render import cycle_texts

if TYPE_CHECKING:
    from ..services import Services

log = logging.getLogger(__name__)
TREND_WEEKS = 6
MAP_WEEKS = 8  # meetings window of the progress map
CYCLE_WEEKS = 26  # cycles / surveys window of the progress map


def features(services: Services) -> set[str]:
    f = services.feeds
    return {name for name, feed in (("rhythm", f.rhythm), ("cycle", f.cycle), ("surveys", f.surveys)) if feed}


async def cycle_status(services: Services, community_id: int, now: datetime) -> CycleStatus | None:
    cycle = services.feeds.cycle
    return None if cycle is None else await guarded("cycle.status", cycle.status(community_id, now))


async def cycle_summaries(services: Services, community_id: int, start_ts: int, end_ts: int) -> list[CycleSummary] | None:
    cycle = services.feeds.cycle
    return None if cycle is None else await guarded("cycle.summaries", cycle.summaries(community_id, start_ts, end_ts))


def stage_title(stage: Any, locale: str) -> str | None:
    if stage is None:
        return None
    try:
        return stage_info(cycle_texts(locale))[Stage.parse(stage)].title
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
    meetings: list[MeetingRow] | None
    held: int = 0
    scheduled: int = 0
    attendance: float | None = None
    next_meeting: datetime | None = None
    next_title: str | None = None
    hours: HoursFigure | None = None
    cycle: CycleStatus | None = None
    stage: str | None = None
    answer_rate: float | None = None
    surveys: list[SurveyHeadline] | None = None
    survey: SurveyHeadline | None = None
    survey_closed: Any = None  # the latest survey itself (`storage.surveys.Survey`), for the line per group
    survey_agreement: float | None = None
    survey_n: int | None = None  # the respondents the agreement is computed on (`domain.reports.figures.survey_respondents`)
    pulse: list[PulsePoint] | None = None
    trend: list[WeekPoint] = field(default_factory=list)
    levels: list[FocusLevel] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    last_cycle: CycleSummary | None = None  # the last completed cycle, when none is running
    suggestion: str | None = None  # one thing the principal can do (`domain.programme.progress_map.suggestion`)
    members: list[Member] = field(default_factory=list)  # active members, read once

    @property
    def done_trend(self) -> list[WeekPoint]:
        """The trend's completed weeks (the current week is still open: its slot would read "–")."""
        return self.trend[:-1]

    @property
    def pulse_shares(self) -> list[float | None]:
        """Agreement of the weekly pulses since the community existed, without a still-empty current week."""
        out = [p.get("agree_share") for p in self.pulse or []]
        while out and out[0] is None:
            out.pop(0)
        if out and out[-1] is None:
            out.pop()
        return out

    @property
    def attendance_change(self) -> float | None:
        """Change of the attendance rate between the last two completed weeks (points of %)."""
        done = [p.attendance for p in self.done_trend]
        if len(done) < 2 or done[-1] is None or done[-2] is None:
            return None
        return done[-1] - done[-2]

    @property
    def has_data(self) -> bool:
        return bool(self.meetings or self.hours or self.cycle or self.surveys or
                    any(p.attendance is not None or p.hours is not None or p.answers is not None
                        for p in self.trend))

    @property
    def has_chart(self) -> bool:
        return any(p.attendance is not None or p.hours is not None or p.answers is not None for p in self.trend)


def attendance_of(meetings: list[dict[str, Any]]) -> Attendance:
    """The attendance figure (`domain.reports.figures.attendance`) of `meetings_between` rows."""
    return attendance((bool(m.get("held")), int(m.get("attended") or 0), int(m.get("members") or 0))
                      for m in meetings)


def _attendance(meetings: list[dict[str, Any]]) -> tuple[int, int, float | None]:
    a = attendance_of(meetings)
    return a.held, a.scheduled, a.rate


async def snapshot(services: Services, community: Community, now: datetime, *,
                   weeks: int = TREND_WEEKS) -> Snapshot:
    """This week of one community, with the trend of the last `weeks` weeks and the progress map.

    Gathered once per (community, moment) through the typed feeds (`bot.feeds`): the active members read
    once, one call per feature, a fixed number of statements whatever the history (at most 12 with the thanks
    line and the line per working group: `tests/test_figures_agree.py` counts them)."""
    tz = ZoneInfo(community.tz)
    cid = community.id
    feeds = services.feeds
    now_ts = int(now.timestamp())
    start, end = week_of(now.astimezone(tz).date())
    s_ts, e_ts = midnight_ts(start, tz), midnight_ts(end + timedelta(days=1), tz)
    first = start - timedelta(weeks=max(weeks, MAP_WEEKS) - 1)
    g = Gathering(community, now, await services.repos.members.list(cid))
    history = None if feeds.rhythm is None else await guarded(
        "meetings", feeds.rhythm.meetings(g, midnight_ts(first, tz), e_ts + 14 * 86400))
    snap = Snapshot(community, now, start, end, iso_week_key(start), features(services), None, members=g.members)
    born_ts = community.created_at if community.created_at is not None else (
        await services.repos.communities.created_at(cid))
    born = datetime.fromtimestamp(born_ts, UTC).astimezone(tz).date() if born_ts else first
    if history is not None:
        history = sorted(history, key=lambda m: int(m.get("start_ts") or 0))
        snap.meetings = [m for m in history if s_ts <= int(m.get("start_ts") or 0) < e_ts]
        past_week = [m for m in snap.meetings if int(m.get("start_ts") or 0) <= now_ts]
        snap.held, snap.scheduled, snap.attendance = _attendance(past_week)
        upcoming = [m for m in history if int(m.get("start_ts") or 0) > now_ts and not off(m)]
        if upcoming:
            snap.next_meeting = datetime.fromtimestamp(int(upcoming[0]["start_ts"]), UTC).astimezone(tz)
            snap.next_title = upcoming[0].get("title")
    # the trend, one point per week, oldest first (figures as of the end of that week; this week: now)
    weeks_shown = [start - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)
                   if start - timedelta(weeks=i) + timedelta(days=7) > born]  # no point before the community
    moments = [now if w0 == start else datetime.fromtimestamp(midnight_ts(w0 + timedelta(days=7), tz) - 1, UTC)
               for w0 in weeks_shown] or [now]
    past = moments[:-1]
    got = None if feeds.rhythm is None else await guarded("hours", feeds.rhythm.hours(g, moments))
    hours_past, snap.hours = (got[:-1], got[-1]) if got and len(got) == len(moments) else ([None] * len(past), None)
    since = now_ts - CYCLE_WEEKS * 7 * 86400
    cyc = None if feeds.cycle is None else await guarded("cycle", feeds.cycle.gather(g, moments, since))
    snap.cycle, cycle_past, cycles = (cyc.status, cyc.rates, cyc.summaries) if cyc else (
        None, [None] * len(past), None)
    if snap.cycle:
        snap.stage = stage_title(snap.cycle.get("stage"), community.locale)
        snap.answer_rate = rate(snap.cycle.get("answered"), snap.cycle.get("members"))
    sv = None if feeds.surveys is None else await guarded("surveys", feeds.surveys.gather(g, since, 4))
    snap.surveys, snap.pulse = (sv.latest, sv.pulse) if sv else (None, None)
    if snap.surveys:
        snap.survey = max(snap.surveys, key=lambda s: int(s.get("closed_at") or 0))
        snap.survey_closed = sv.closed.get(snap.survey.get("id")) if sv else None
        snap.survey_agreement = agreement(snap.survey)
        snap.survey_n = survey_respondents(snap.survey)
    for j, w0 in enumerate(weeks_shown):
        w_s, w_e = midnight_ts(w0, tz), midnight_ts(w0 + timedelta(days=7), tz)
        att = None
        if history is not None:
            att = _attendance([m for m in history if w_s <= int(m.get("start_ts") or 0) < min(w_e, now_ts + 1)])[2]
        live = j == len(weeks_shown) - 1
        hrs = snap.hours if live else hours_past[j]
        answers = snap.answer_rate if live else cycle_past[j]
        snap.trend.append(WeekPoint(f"{w0.day}/{w0.month}", att, hrs.rate if hrs else None, answers))
    if not snap.cycle and cycles:
        snap.last_cycle = max(cycles, key=lambda c: int(c.get("ended_at") or 0))
    map_meetings = None if history is None else [
        m for m in history if int(m.get("start_ts") or 0) >= now_ts - MAP_WEEKS * 7 * 86400]
    inds = indicators_from(map_meetings, cycles, snap.cycle,
                           [{"agreement": agreement(s)} for s in (snap.surveys or [])], now_ts)
    snap.levels = await placed_map(services, g, inds, since, now_ts + 1)
    pulse_shares = snap.pulse_shares
    snap.attention = attention(
        attendance=[p.attendance for p in snap.done_trend[-4:]],
        held_last_two_weeks=None if history is None else sum(
            1 for m in history if m.get("held") and now_ts - 14 * 86400 <= int(m.get("start_ts") or 0) <= now_ts),
        hours_on_track=snap.hours.rate if snap.hours else None,
        stalled=bool(snap.cycle.get("stalled")) if snap.cycle else None,
        rtl_overdue=int(snap.cycle.get("rtl_overdue") or 0) if snap.cycle else None,
        pulse=[None if v is None else float(v) for v in pulse_shares],
    )[:1]  # at most one "needs attention" line
    snap.suggestion = suggestion(attention=snap.attention, next_meeting=snap.next_meeting is not None,
                                 cycle_done=snap.last_cycle is not None)
    return snap


async def guarded(name: str, call: Awaitable[Any]) -> Any:
    """A feed call; None when it fails (logged: one feature never breaks the summary)."""
    try:
        return await call
    except Exception:
        log.exception("feed %s failed", name)
        return None


async def placed_map(services: Services, g: Gathering, inds: dict[str, float | None], start_ts: int,
                     end_ts: int) -> list[FocusLevel]:
    """The computed map, with the indicators of the agreement and programme activities in [start_ts, end_ts)
    and the community's own placement as of `g.now` beside it (issue 15): `feeds.map`, one statement."""
    got = None if services.feeds.map is None else await guarded("map", services.feeds.map.gather(g, start_ts, end_ts))
    extra, own = (got.indicators, (got.own, got.before)) if got else ({}, None)
    levels = progress_map({**inds, **{k: v for k, v in extra.items() if k in inds}})
    return with_placement(levels, *own) if own else levels


async def contributors(services: Services, community: Community, start_ts: int, end_ts: int, *,
                       members: list[Member] | None = None) -> list[Contributor]:
    """The week's top contributors: the features' activity in one statement (their `activity_parts`); a
    feature without statements to share is asked for its `activity`."""
    if members is None:
        members = await services.repos.members.list(community.id)
    g = Gathering(community, datetime.fromtimestamp(end_ts, UTC), members)
    batched, parts = [], []
    for f in services.feeds.activity_sources():
        mine = f.activity_parts(g, start_ts, end_ts)
        if mine is None:
            parts.append(await guarded("activity", f.activity(community.id, start_ts, end_ts)))
        else:
            batched.extend(mine)
    if batched:
        parts.insert(0, await guarded("activity", activity(services.db, batched)))
    merged = merge_activity(parts)
    if not merged:
        return []
    names = {m.user_id: m.name for m in members}
    return top_contributors(merged, names, [m.user_id for m in members if m.allow_named])


async def report_rows(services: Services, community: Community, start_ts: int, end_ts: int) -> dict[str, list[list]]:
    """The sheets the features provide (their `report_rows`)."""
    out: dict[str, list[list]] = {}
    for name, report_rows_of in services.feeds.sheet_sources():
        rows = await guarded(f"{name}.report_rows", report_rows_of(community.id, start_ts, end_ts))
        for key, table in (rows or {}).items():
            if table:
                out[str(key)] = [list(r) for r in table]
    return out


def week_label_key(community: Community, when: datetime) -> str:
    return iso_week_key(when.astimezone(ZoneInfo(community.tz)).date())
