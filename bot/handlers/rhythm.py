"""The weekly rhythm: /schedule (/jadwal) to plan, list, move and cancel meetings, /offday (/libur) for a
community's days off, and the registration of the whole feature (RSVP and attendance in rhythm_attend,
learning hours in rhythm_hours; the guided set-up, rhythm_flow, builds on this module and is registered
beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application

from domain.groups import split_group_suffix
from domain.reports.figures import HoursFigure
from domain.rhythm.calendar import SchoolCalendar, parse_off_day
from domain.rhythm.durations import ParseError
from domain.rhythm.schedule import (
    ChangeSpec,
    Occurrence,
    ScheduleSpec,
    expand_weekly,
    find_overlap,
    parse_change,
    parse_offsets,
    parse_schedule,
)
from storage.activity import ActivityPart
from storage.models import Community
from storage.rhythm import Meeting

from ..commands import Command
from ..delivery import SendFailed, call, in_topic
from ..feeds import Gathering, MeetingRow, RhythmFeed
from ..keyboards import cb
from ..services import Services
from ..usecases import rhythm_reports
from ..usecases.rhythm_core import (
    HORIZON_DAYS,
    LIST_DAYS,
    LIST_WORDS,
    REFILL_DAYS,
    args_text,
    calendar_of,
    day_bounds,
    materialize,
    meeting_view,
    next_remind_at,
    offsets_of,
    plan_rows,
    refresh_off_days,
    shift_of,
    skip_notice_at,
    ts,
    tz_of,
    utc,
)
from . import rhythm_attend, rhythm_hours
from .common import Scope, find_group, handler, refuse

CANCEL_WORDS = {"batal", "cancel", "batalkan"}
MOVE_WORDS = {"pindah", "move", "geser", "ubah"}
REMIND_WORDS = {"pengingat", "reminders", "reminder", "ingatkan"}
REMOVE_WORDS = {"hapus", "remove", "delete"}


# -- /schedule ------------------------------------------------------------------------------------
@handler()
async def cmd_schedule(scope: Scope) -> None:
    if scope.community is None:
        await refuse(scope, "errors/no_community")
        return
    text = args_text(scope)
    if not text:
        await show_schedule(scope)
        return
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    first, _, rest = text.partition(" ")
    word = first.lower()
    if word in CANCEL_WORDS or word in MOVE_WORDS:
        await change_meeting(scope, "cancel" if word in CANCEL_WORDS else "move", rest.strip())
    elif word in REMIND_WORDS:
        await set_reminders(scope, rest.strip())
    else:
        await create_from_text(scope, text)


async def show_schedule(scope: Scope) -> None:
    c = scope.community
    assert c is not None
    now = scope.services.now_ts()
    rs = scope.services.repos.rhythm
    for series in await rs.meetings.active_series(c.id):
        await materialize(scope.services, series, c, now)
    meetings = await rs.meetings.between(c.id, now - 3 * 3600, now + LIST_DAYS * 86400)
    meetings = [m for m in meetings if m.end_ts > now]
    is_pic = await scope.is_pic()
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(scope.t("rhythm.btn.add"), callback_data=cb("sc", "new"))]]) \
        if is_pic else None
    await scope.reply("rhythm/schedule_list", meetings=[meeting_view(m, c) for m in meetings], is_pic=is_pic,
                      offsets=offsets_of(c), tz=c.tz, markup=markup)


async def create_from_text(scope: Scope, text: str) -> None:
    c = scope.community
    assert c is not None and scope.message is not None
    text, group_name = split_group_suffix(text, last=True, is_name=bool)
    group = None
    if group_name is not None:  # `… kelompok <nama>`: the meeting is for that working group
        group = await find_group(scope, group_name, example="schedule")
        if group is None:
            return
    try:
        spec = parse_schedule(text, now=scope.services.clock.now(), tz=tz_of(c), working_days=c.work_days)
    except ParseError as err:
        await scope.reply("rhythm/schedule_error", code=err.code, detail=err.detail or "")
        return
    await create_series(scope, spec, scope.chat_id, scope.message.message_id, group=group)


async def create_series(scope: Scope, spec: ScheduleSpec, chat_id: int, message_id: int, *,
                        group: dict[str, Any] | None = None) -> None:
    """Check a parsed spec against the calendar and the existing meetings, store it, confirm."""
    c = scope.community
    assert c is not None
    services = scope.services
    now = services.now_ts()
    calendar = await calendar_of(services, c)
    until = now + HORIZON_DAYS * 86400
    rows = plan_rows(spec, c, calendar, now, until, now)
    if spec.kind == "once":
        reason = calendar.off_reason(spec.date)  # type: ignore[arg-type]
        if reason is not None:
            await scope.reply("rhythm/schedule_error", code="off_day", detail=reason.name, day=spec.date)
            return
    new = [Occurrence(None, utc(r["start_ts"]), utc(r["end_ts"]), r["orig_date"]) for r in rows
           if r["status"] == "scheduled"]
    if new:
        clash = await find_clash(services, c, new)
        if clash is not None:
            await scope.reply("rhythm/schedule_error", code="overlap", detail="",
                              clash=meeting_view(clash, c))
            return
    series, created = await services.repos.rhythm.meetings.create_series(
        community_id=c.id, kind=spec.kind, weekdays=spec.weekdays, start_time=spec.start_time,
        duration_min=spec.duration_min, once_date=spec.date, place=spec.place, link=spec.link, agenda=spec.agenda,
        created_by=scope.user_id, chat_id=chat_id, message_id=message_id, now=now, occurrences=rows,
        materialized_until=until if spec.kind == "weekly" else 2**62,
        group_id=group.id if group is not None else None)  # its RSVP and attendance count the group
    if not created:
        return  # the same message delivered again: already confirmed
    upcoming = [m for m in await services.repos.rhythm.meetings.between(c.id, now, until) if m.series_id == series.id]
    await scope.reply("rhythm/schedule_created", spec=spec, tz=c.tz,
                      upcoming=[meeting_view(m, c) for m in upcoming[:4]], offsets=offsets_of(c),
                      group=group.name if group else None)


async def find_clash(services: Services, c: Any, new: list[Occurrence], *,
                     exclude_meeting: int | None = None, exclude_series: int | None = None) -> Meeting | None:
    """The existing meeting a new occurrence would overlap, if any."""
    lo = min(o.start_utc for o in new) - timedelta(days=1)
    hi = max(o.end_utc for o in new) + timedelta(days=1)
    rs = services.repos.rhythm.meetings
    meetings = [m for m in await rs.between(c.id, ts(lo), ts(hi))
                if m.status == "scheduled" and m.id != exclude_meeting and m.series_id != exclude_series]
    existing = [Occurrence(m.id, utc(m.start_ts), utc(m.end_ts), m.orig_date) for m in meetings]
    # weekly series beyond what is stored yet (a one-off far ahead)
    for s in await rs.active_series(c.id):
        if s.kind == "weekly" and s.id != exclude_series and s.materialized_until < ts(hi):
            for occ in expand_weekly(s.weekdays, s.start_time, s.duration_min, tz_of(c),
                                     max(utc(s.materialized_until), lo), hi):
                existing.append(Occurrence(-s.id, occ.start_utc, occ.end_utc, occ.local_date))
    hit = find_overlap(new, existing)
    if hit is None:
        return None
    if hit.series_id is not None and hit.series_id > 0:
        return next(m for m in meetings if m.id == hit.series_id)
    series = await rs.series(-(hit.series_id or 0))
    assert series is not None
    return Meeting(0, series.id, c.id, hit.local_date, ts(hit.start_utc), ts(hit.end_utc), "scheduled", None, None,
                   False, None, (), None, None, None, series.place, series.link, series.agenda, series.kind)


# -- moving and cancelling ------------------------------------------------------------------------
async def change_meeting(scope: Scope, action: str, text: str) -> None:
    c = scope.community
    assert c is not None
    services = scope.services
    now_dt = services.clock.now()
    now = services.now_ts()
    try:
        change = parse_change(action, text, now=now_dt, tz=tz_of(c), working_days=c.work_days)  # type: ignore[arg-type]
    except ParseError as err:
        await scope.reply("rhythm/change_error", action=action, code=err.code, detail=err.detail or "")
        return
    rs = services.repos.rhythm.meetings
    for series in await rs.active_series(c.id):
        await materialize(services, series, c, now)
    lo, hi = day_bounds(change.date, c)
    found = [m for m in await rs.on_day(c.id, change.date, lo, hi) if m.status != "cancelled"]
    if not found:
        await scope.reply("rhythm/change_error", action=action, code="no_meeting", detail="", day=change.date)
        return
    m = found[0]
    if m.start_ts <= now:
        await scope.reply("rhythm/change_error", action=action, code="started", detail="", day=change.date)
        return
    if action == "cancel":
        await cancel(scope, m, change)
    else:
        await move(scope, m, change)


async def cancel(scope: Scope, m: Meeting, change: ChangeSpec) -> None:
    c = scope.community
    assert c is not None
    rs = scope.services.repos.rhythm.meetings
    now = scope.services.now_ts()
    if change.series:
        await rs.end_series(m.series_id, change.reason, m.start_ts)
        series_view = await rs.series(m.series_id)
    else:
        series_view = None
        shift = shift_of(await calendar_of(scope.services, c), tz_of(c), m.start_ts, offsets_of(c), meeting_day=False)
        await rs.update(m.id, status="cancelled", reason_kind="pic", reason=change.reason, checkin_at=None,
                        next_remind_at=skip_notice_at(m.start_ts, offsets_of(c), now, shift)
                        if not m.reminders_done else None)
    await rhythm_attend.refresh_tallies(scope.services, scope.ctx.bot, m.id, force=True)
    await announce(scope, "rhythm/changed", action="cancel", m=meeting_view(m, c), series=series_view,
                   reason=change.reason)


async def move(scope: Scope, m: Meeting, change: ChangeSpec) -> None:
    c = scope.community
    assert c is not None
    services = scope.services
    rs = services.repos.rhythm.meetings
    tz = tz_of(c)
    now = services.now_ts()
    old = meeting_view(m, c)
    if change.series:
        series = await rs.series(m.series_id)
        assert series is not None
        if series.kind != "weekly":
            await scope.reply("rhythm/change_error", action="move", code="not_series", detail="")
            return
        spec = ScheduleSpec("weekly", change.new_weekdays or series.weekdays, change.new_time or series.start_time,
                            series.duration_min, None, series.place, series.link, series.agenda)
        calendar = await calendar_of(services, c)
        rows = [r for r in plan_rows(spec, c, calendar, m.start_ts - 86400, now + HORIZON_DAYS * 86400, now)
                if r["orig_date"] >= change.date]
        new = [Occurrence(None, utc(r["start_ts"]), utc(r["end_ts"]), r["orig_date"]) for r in rows
               if r["status"] == "scheduled"]
        clash = await find_clash(services, c, new, exclude_series=series.id) if new else None
        if clash is not None:
            await scope.reply("rhythm/schedule_error", code="overlap", detail="", clash=meeting_view(clash, c))
            return
        await rs.end_series(series.id, change.reason, m.start_ts)
        msg = scope.message
        groups = services.feeds.groups
        group = await groups.meeting_group(m.id) if groups is not None else None  # the moved series stays the group's
        moved, _ = await rs.create_series(
            community_id=c.id, kind="weekly", weekdays=spec.weekdays, start_time=spec.start_time,
            duration_min=spec.duration_min, once_date=None, place=spec.place, link=spec.link, agenda=spec.agenda,
            created_by=scope.user_id, chat_id=scope.chat_id, message_id=msg.message_id if msg else 0, now=now,
            occurrences=rows, materialized_until=now + HORIZON_DAYS * 86400,
            group_id=group.id if group is not None else None)
        await rhythm_attend.refresh_tallies(services, scope.ctx.bot, m.id, force=True)
        await announce(scope, "rhythm/changed", action="move_series", m=old, spec=spec, reason=change.reason)
        return
    start_local = utc(m.start_ts).astimezone(tz)
    day = change.new_date or start_local.date()
    new_start = datetime.combine(day, change.new_time or start_local.time(), tzinfo=tz)
    new_start_ts = ts(new_start)
    new_end_ts = new_start_ts + (m.end_ts - m.start_ts)
    if new_start_ts <= now:
        await scope.reply("rhythm/change_error", action="move", code="past", detail="")
        return
    calendar = await calendar_of(services, c)
    reason = calendar.off_reason(day)
    if reason is not None:
        await scope.reply("rhythm/schedule_error", code="off_day", detail=reason.name, day=day)
        return
    clash = await find_clash(services, c, [Occurrence(None, utc(new_start_ts), utc(new_end_ts), day)],
                             exclude_meeting=m.id)
    if clash is not None:
        await scope.reply("rhythm/schedule_error", code="overlap", detail="", clash=meeting_view(clash, c))
        return
    await rs.update(m.id, status="scheduled", start_ts=new_start_ts, end_ts=new_end_ts, moved=1, reason_kind="pic",
                    reason=change.reason, reminders_done="", checkin_at=new_end_ts,
                    next_remind_at=next_remind_at(new_start_ts, offsets_of(c), (), now,
                                                  shift_of(calendar, tz, new_start_ts, offsets_of(c))))
    moved = await rs.get(m.id)
    assert moved is not None
    await rhythm_attend.refresh_tallies(services, scope.ctx.bot, m.id, force=True)
    await announce(scope, "rhythm/changed", action="move", m=old, new=meeting_view(moved, c), reason=change.reason)


async def announce(scope: Scope, key: str, **kw: Any) -> None:
    """A change members must know about: said in the group (a PIC acting in private gets a confirmation)."""
    c = scope.community
    assert c is not None
    if scope.is_group:
        await scope.reply(key, **kw)
        return
    text = scope.services.renderer.render(c.locale, key, community=c, **kw)
    try:
        await call(scope.services, c.chat_id, in_topic(scope.services, c, lambda cid, thread: (
            scope.ctx.bot.send_message(cid, text, message_thread_id=thread))))
        sent = True
    except SendFailed:
        sent = False
    await scope.reply("rhythm/announced", sent=sent)


async def set_reminders(scope: Scope, text: str) -> None:
    c = scope.community
    assert c is not None
    services = scope.services
    try:
        offsets = parse_offsets(text)
    except ParseError as err:
        await scope.reply("rhythm/reminders_error", code=err.code, detail=err.detail or "")
        return
    now = services.now_ts()
    await services.repos.communities.set_setting(c.id, "reminder_offsets", list(offsets), now)
    c = scope.community = await services.repos.communities.get(c.id)
    assert c is not None
    rs = services.repos.rhythm.meetings
    changes = []
    calendar, tz = await calendar_of(services, c), tz_of(c)
    for m in await rs.between(c.id, now, now + HORIZON_DAYS * 86400):
        shift = shift_of(calendar, tz, m.start_ts, offsets, meeting_day=m.status == "scheduled")
        if m.status == "scheduled":
            changes.append((m.id, {"next_remind_at": next_remind_at(m.start_ts, offsets, m.reminders_done, now,
                                                                    shift)}))
        elif not m.reminders_done:
            changes.append((m.id, {"next_remind_at": skip_notice_at(m.start_ts, offsets, now, shift)}))
    await rs.update_many(changes)
    await scope.reply("rhythm/reminders_set", offsets=offsets)


# -- /offday --------------------------------------------------------------------------------------
@handler(audience="pic")
async def cmd_offday(scope: Scope) -> None:
    c = scope.community
    assert c is not None and scope.message is not None
    services = scope.services
    rs = services.repos.rhythm.off_days
    text = args_text(scope)
    now = services.now_ts()
    today = services.clock.now().astimezone(tz_of(c)).date()
    first, _, rest = text.partition(" ")
    if not text or first.lower() in LIST_WORDS:
        await scope.reply("rhythm/offday/list", days=await rs.list(c.id, today))
        return
    if first.lower() in REMOVE_WORDS:
        days = await rs.list(c.id, today)
        n = rest.strip()
        if not n.isdigit() or not 1 <= int(n) <= len(days):
            await scope.reply("rhythm/offday/error", code="bad_number", detail=n, count=len(days))
            return
        removed = await rs.remove(c.id, days[int(n) - 1].id)
        _, restored = await refresh_off_days(services, c, now)
        await scope.reply("rhythm/offday/removed", day=removed, restored=restored)
        return
    try:
        spec = parse_off_day(text, today=today)
    except ParseError as err:
        await scope.reply("rhythm/offday/error", code=err.code, detail=err.detail or "", count=0)
        return
    if spec.end < today:
        await scope.reply("rhythm/offday/error", code="past", detail="", count=0)
        return
    row, created = await rs.add(c.id, spec.start, spec.end, spec.label, scope.user_id, scope.chat_id,
                                scope.message.message_id, now)
    if not created:
        return
    skipped, _ = await refresh_off_days(services, c, now)
    await scope.reply("rhythm/offday/added", day=row, skipped=skipped)


# -- what the rhythm gives other features (bot.feeds.RhythmFeed) ------------------------------------------
def _row(m: Any, present: int, members: int, now: int) -> MeetingRow:
    return {"start_ts": m.start_ts, "end_ts": m.end_ts, "held": m.status == "scheduled" and m.end_ts <= now,
            "attended": present, "members": members, "status": m.status, "title": m.agenda or m.place or ""}


@dataclass(frozen=True)
class RhythmProvider(RhythmFeed):
    services: Services

    async def meeting_weekdays(self, community_id: int) -> tuple[int, ...]:
        series = await self.services.repos.rhythm.meetings.active_series(community_id)
        return tuple(sorted({d for s in series if s.kind == "weekly" for d in s.weekdays}))

    async def meetings_between(self, community_id: int, start_ts: int, end_ts: int) -> list[MeetingRow]:
        rows = await self.services.repos.rhythm.meetings.between_counted(community_id, int(start_ts), int(end_ts))
        members = await self.services.repos.members.count(community_id) if rows else 0
        now = self.services.now_ts()  # a meeting of one working group: attendance over the group
        return [_row(m, present, members if size is None else size, now) for m, present, size in rows]

    async def meeting_windows(self, community_id: int, start_ts: int, end_ts: int) -> list[tuple[int, int]]:
        """(start, end) of the meetings that take place, starting in [start_ts, end_ts): the quiet policy."""
        meetings = await self.services.repos.rhythm.meetings.between(community_id, int(start_ts), int(end_ts))
        return [(m.start_ts, m.end_ts) for m in meetings if m.status == "scheduled"]

    async def school_calendar(self, community: Community) -> SchoolCalendar:
        return await calendar_of(self.services, community)

    async def hours_summary(self, community_id: int, now: datetime) -> HoursFigure | None:
        return await rhythm_hours.hours_summary(self.services, community_id, now)

    async def activity(self, community_id: int, start_ts: int, end_ts: int) -> dict[int, dict[str, int]]:
        return await rhythm_reports.activity_rhythm(self.services, community_id, start_ts, end_ts)

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> dict[str, list[list[Any]]]:
        return await rhythm_reports.report_rows_rhythm(self.services, community_id, start_ts, end_ts)

    async def meetings(self, g: Gathering, start_ts: int, end_ts: int) -> list[MeetingRow]:
        rows = await self.services.repos.rhythm.meetings.between_counted(g.community.id, int(start_ts), int(end_ts))
        now = self.services.now_ts()
        return [_row(m, present, len(g.members) if size is None else size, now) for m, present, size in rows]

    async def hours(self, g: Gathering, moments: list[datetime]) -> list[HoursFigure | None]:
        return await rhythm_hours.hours_trend(self.services, g.community.id, moments, community=g.community,
                                              members=g.members)

    def activity_parts(self, g: Gathering, start_ts: int, end_ts: int) -> list[ActivityPart]:
        return [self.services.repos.rhythm.meetings.attended_part(g.community.id, int(start_ts), int(end_ts))]


async def tick_extend(services: Services, bot: Any, now: datetime) -> None:
    """Keep stored occurrences a few weeks ahead (each series is topped up about once a week)."""
    now_ts = ts(now)
    for series in await services.repos.rhythm.meetings.series_to_extend(now_ts + REFILL_DAYS * 86400):
        c = await services.repos.communities.get(series.community_id)
        if c is not None:
            await materialize(services, series, c, now_ts)


def register(app: Application, services: Services) -> None:
    services.commands.add(
        Command("schedule", "jadwal", cmd_schedule),
        Command("offday", "libur", cmd_offday, audience="pic"),
    )
    rhythm_attend.register(app, services)
    rhythm_hours.register(app, services)
    services.feeds.rhythm = RhythmProvider(services)
    services.ticks.insert(0, ("rhythm.extend", tick_extend))
