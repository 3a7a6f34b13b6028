"""What the rhythm's handlers and ticks share: the community's calendar and reminder offsets, turning a
series into stored occurrences (with holidays and off-days marked, not dropped), and the view of a
meeting that templates show (local times with the zone label)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from domain.quiet import reminder_instant
from domain.rhythm.calendar import CommunityOffDay, OffDay, SchoolCalendar, plan_weekly
from domain.rhythm.hours import Period, nudge_at, period_bounds
from domain.rhythm.schedule import DEFAULT_REMINDER_OFFSETS, Occurrence, occurrence_once
from storage.models import Community
from storage.rhythm import Meeting, Series

from ..render import tz_label
from ..services import Services

HORIZON_DAYS = 42  # occurrences stored this far ahead…
REFILL_DAYS = 35  # …topped up when less than this is left (the listing shows 28 days)
LIST_DAYS = 28
CHECKIN_WINDOW_S = 3 * 3600
ANSWERS = {"h": "yes", "i": "excused", "d": "online"}
LIST_WORDS = {"daftar", "list", "lihat"}


def args_text(scope: Any) -> str:
    """Everything after the command, as typed (Telegram splits `ctx.args` on spaces only)."""
    msg = scope.message
    parts = (msg.text if msg is not None and msg.text else "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def tz_of(community: Community) -> ZoneInfo:
    return ZoneInfo(community.tz)


def offsets_of(community: Community) -> tuple[int, ...]:
    raw = community.settings.get("reminder_offsets")
    return tuple(raw) if raw else DEFAULT_REMINDER_OFFSETS


async def calendar_of(services: Services, community: Community) -> SchoolCalendar:
    rows = await services.repos.rhythm.off_days.list(community.id)
    return SchoolCalendar(
        community.work_days, [CommunityOffDay(r.start, r.end, r.label) for r in rows], language=community.locale,
        include_cuti_bersama=bool(community.settings.get("skip_cuti_bersama", True)))


def ts(dt: datetime) -> int:
    return int(dt.timestamp())


def utc(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


Shift = Mapping[int, "int | None"]  # offset -> minutes before the start it really goes (None: not at all)


def shift_of(calendar: SchoolCalendar, tz: tzinfo, start_ts: int, offsets: Iterable[int], *,
             meeting_day: bool = True) -> dict[int, int | None]:
    """Each reminder moved off a day off to the last school day before (domain.quiet.reminder_instant)."""
    start = utc(start_ts).astimezone(tz)
    out: dict[int, int | None] = {}
    for o in offsets:
        at = reminder_instant(start, o, calendar, meeting_day=meeting_day)
        out[o] = None if at is None else (start_ts - ts(at)) // 60
    return out


def next_remind_at(start_ts: int, offsets: Iterable[int], done: Iterable[int], now: int,
                   shift: Shift | None = None) -> int | None:
    """When the tick should next look at this occurrence's reminders (None: nothing left)."""
    eff = {o: (shift.get(o, o) if shift is not None else o) for o in offsets if o not in set(done)}
    left = [start_ts - e * 60 for e in eff.values() if e is not None]
    if not left or now >= start_ts:
        return None
    return max(min(left), now)


def skip_notice_at(start_ts: int, offsets: Iterable[int], now: int, shift: Shift | None = None) -> int | None:
    """A skipped or cancelled occurrence is announced once, in the earliest reminder slot (moved off a day off)."""
    eff = shift.get(max(offsets), max(offsets)) if shift is not None else max(offsets)
    if now >= start_ts or eff is None:
        return None
    return max(start_ts - eff * 60, now)


async def meeting_shift(services: Services, community: Community, m: Any, offsets: Iterable[int]) -> Shift:
    """`shift_of` for one stored meeting (a skip notice when it does not take place)."""
    return shift_of(await calendar_of(services, community), tz_of(community), m.start_ts, offsets,
                    meeting_day=m.status == "scheduled")


def occurrence_row(occ: Occurrence, reason: OffDay | None, offsets: tuple[int, ...], now: int,
                   calendar: SchoolCalendar, tz: tzinfo) -> dict[str, Any]:
    start, end = ts(occ.start_utc), ts(occ.end_utc)
    row: dict[str, Any] = {"orig_date": occ.local_date, "start_ts": start, "end_ts": end}
    shift = shift_of(calendar, tz, start, offsets, meeting_day=reason is None)
    if reason is None:
        row.update(status="scheduled", next_remind_at=next_remind_at(start, offsets, (), now, shift), checkin_at=end)
    else:
        row.update(status="skipped", reason_kind=reason.kind, reason=reason.name,
                   next_remind_at=skip_notice_at(start, offsets, now, shift))
    return row


def plan_rows(series_like: Any, community: Community, calendar: SchoolCalendar, from_ts: int, to_ts: int,
              now: int) -> list[dict[str, Any]]:
    """Stored rows for the occurrences of a series (or parsed spec) starting in [from_ts, to_ts)."""
    tz, offsets = tz_of(community), offsets_of(community)
    if series_like.kind == "once":
        occ = occurrence_once(_once_date(series_like), series_like.start_time, series_like.duration_min, tz)
        return [occurrence_row(occ, None, offsets, now, calendar, tz)]
    planned = plan_weekly(series_like.weekdays, series_like.start_time, series_like.duration_min, tz,
                          utc(from_ts), utc(to_ts), calendar)
    return [occurrence_row(occ, reason, offsets, now, calendar, tz) for occ, reason in planned]


def _once_date(x: Any) -> date:
    return x.once_date if isinstance(x, Series) else x.date


async def materialize(services: Services, series: Series, community: Community, now: int) -> None:
    """Store the series' occurrences up to the horizon (idempotent: existing dates are kept)."""
    until = now + HORIZON_DAYS * 86400
    if series.kind != "weekly" or series.materialized_until >= now + REFILL_DAYS * 86400:
        return
    calendar = await calendar_of(services, community)
    rows = plan_rows(series, community, calendar, max(series.materialized_until, now), until, now)
    await services.repos.rhythm.meetings.extend_series(series.id, community.id, rows, until)


async def refresh_off_days(services: Services, community: Community, now: int) -> tuple[int, int]:
    """After an off-day is added or removed: skip the scheduled occurrences now falling on an off-day,
    restore the ones skipped for a community off-day that no longer is. Returns (skipped, restored)."""
    rs = services.repos.rhythm
    calendar = await calendar_of(services, community)
    offsets = offsets_of(community)
    tz = tz_of(community)
    changes: list[tuple[int, dict[str, Any]]] = []
    skipped = restored = 0
    for m in await rs.meetings.between(community.id, now, now + HORIZON_DAYS * 86400):
        local = utc(m.start_ts).astimezone(tz).date()
        reason = calendar.off_reason(local)
        if m.status == "scheduled" and reason is not None and reason.kind == "community" and not m.moved:
            changes.append((m.id, {"status": "skipped", "reason_kind": "community", "reason": reason.name,
                                   "next_remind_at": skip_notice_at(m.start_ts, offsets, now, shift_of(
                                       calendar, tz, m.start_ts, offsets, meeting_day=False)), "checkin_at": None}))
            skipped += 1
        elif m.status == "skipped" and m.reason_kind == "community" and reason is None:
            changes.append((m.id, {"status": "scheduled", "reason_kind": None, "reason": None,
                                   "next_remind_at": next_remind_at(m.start_ts, offsets, (), now, shift_of(
                                       calendar, tz, m.start_ts, offsets)),
                                   "reminders_done": "", "checkin_at": m.end_ts}))
            restored += 1
    await rs.meetings.update_many(changes)
    return skipped, restored


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting as the templates show it: local times, the zone's label. Attributes, not a dict: Jinja
    reads `m.start` from an object directly, from a dict only after a failed attribute lookup."""

    id: int
    start: datetime
    end: datetime
    tz: str
    duration: int
    place: str | None
    link: str | None
    agenda: str | None
    status: str
    reason_kind: str | None
    reason: str
    moved: bool
    orig_date: date
    once: bool


def meeting_view(m: Meeting, community: Community) -> MeetingView:
    tz = tz_of(community)
    return MeetingView(m.id, utc(m.start_ts).astimezone(tz), utc(m.end_ts).astimezone(tz), tz_label(community.tz),
                       m.duration_min, m.place, m.link, m.agenda, m.status, m.reason_kind, m.reason or "", m.moved,
                       m.orig_date, m.kind == "once")


def current_period(kind: str, community: Community, now: datetime) -> Period:
    tz = tz_of(community)
    return period_bounds(kind, now.astimezone(tz).date(), tz)  # type: ignore[arg-type]


def nudge_time(period: Period, community: Community, calendar: SchoolCalendar) -> int | None:
    """When members behind the pace get their private nudge: a school-day afternoon from mid-period on
    (None: no school day left from the middle of this period, no nudge in it)."""
    at = nudge_at(period, tz_of(community), calendar.is_school_day)
    return None if at is None else ts(at)


def next_nudge_time(kind: str, period: Period, community: Community, calendar: SchoolCalendar) -> int | None:
    """The nudge of the first period after ``period`` that has one (None only for a calendar with no school
    day in the next two years)."""
    for _ in range(110 if kind == "week" else 25):
        period = period_bounds(kind, period.end_date + timedelta(days=1), tz_of(community))  # type: ignore[arg-type]
        at = nudge_time(period, community, calendar)
        if at is not None:
            return at
    return None


def day_bounds(day: date, community: Community) -> tuple[int, int]:
    tz = tz_of(community)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return ts(start), ts(start + timedelta(days=1))
