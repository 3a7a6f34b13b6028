"""Reminders with RSVP buttons (Hadir / Izin / Daring) whose tally is edited in place, skip notices for
holidays and cancellations, the attendance check-in after a meeting, and /attendance (/hadir) for a PIC
to correct it. Reminders are computed from the database by a tick; the outbox makes each go out once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ExtBot

from domain.rhythm.schedule import due_reminder, parse_date_token, reminders_to_send
from storage.models import Community
from storage.rhythm import Meeting, Meetings

from .. import live, outbox, quiet
from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, Sent, call, edit_html
from ..feeds import GroupRef
from ..keyboards import cb, rows
from ..outbox import Outgoing, records, send_once
from ..services import KContext, Services
from ..usecases.rhythm_core import (
    ANSWERS,
    CHECKIN_WINDOW_S,
    day_bounds,
    meeting_shift,
    meeting_view,
    next_remind_at,
    offsets_of,
    skip_notice_at,
    ts,
    tz_of,
    utc,
)
from .common import Scope, build_scope, handler, refuse

MAX_ATTENDANCE_BUTTONS = 60
ABSENT_WORDS = {"tidak", "absen", "no", "absent", "hapus", "remove"}


async def meeting_group(services: Services, meeting_id: int) -> GroupRef | None:
    """The working group a meeting is for (`/jadwal … kelompok <nama>`): name and member ids; else None."""
    groups = services.feeds.groups
    return None if groups is None else await groups.meeting_group(meeting_id)


# -- rendering the live messages ------------------------------------------------------------------
async def render_live(services: Services, c: Community, m: Meeting, kind: str, now: int) -> tuple[str, Any]:
    """Text and keyboard of a reminder, skip notice or check-in message, as they should look now."""
    rs = services.repos.rhythm.meetings
    view = meeting_view(m, c)
    r = services.renderer
    if kind == "checkin":
        closes = m.end_ts + CHECKIN_WINDOW_S
        count = (await rs.present_counts([m.id])).get(m.id, 0)
        is_open = now < closes and m.status == "scheduled"
        text = r.render(c.locale, "rhythm/attend/checkin", community=c, m=view, count=count, open=is_open,
                        closes=utc(closes).astimezone(tz_of(c)))
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(r.t(c.locale, "rhythm.btn.checkin"),
                                                             callback_data=cb("rv", "c", m.id))]]) if is_open else None
        return text, markup
    if kind == "skip":
        return r.render(c.locale, "rhythm/attend/skip_notice", community=c, m=view), None
    tz = tz_of(c)
    today = utc(now).astimezone(tz).date()
    days = (view.start.date() - today).days
    tally = await rs.tally(m.id)
    group = await meeting_group(services, m.id)
    is_open = m.status == "scheduled" and now < m.start_ts
    left = max(0, (m.start_ts - now + 30) // 60)  # to the nearest minute: a pass 30 s late still says "1 hour"
    text = r.render(c.locale, "rhythm/attend/reminder", community=c, m=view, tally=tally, open=is_open, days=days,
                    left=left, group=group)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(r.t(c.locale, f"rhythm.btn.{code}"), callback_data=cb("rv", "r", m.id, code))
        for code in ANSWERS]]) if is_open else None
    return text, markup


async def refresh_tallies(services: Services, bot: ExtBot, meeting_id: int, *, force: bool = False,
                          only: str | None = None) -> None:
    """A meeting's live messages (reminders' RSVP tallies, the check-in; `only` one kind of them) changed: edited
    now or owed (`bot.live`), so a burst of taps costs one edit per message per interval; `force` at once."""
    for mm in await services.repos.rhythm.meetings.messages(meeting_id):
        if mm.kind != "skip" and (only is None or mm.kind == only):
            await live.touch(services, bot, "meeting", meeting_id, mm.kind, force=force)


@live.renders("meeting")
async def meeting_message(services: Services, meeting_id: int, kind: str, now: int) -> live.LiveView | None:
    rs = services.repos.rhythm.meetings
    m = await rs.get(meeting_id)
    mm = await rs.message(meeting_id, kind) if m is not None else None
    c = await services.repos.communities.get(m.community_id) if m is not None else None
    if m is None or mm is None or c is None:
        return None
    text, markup = await render_live(services, c, m, kind, now)
    return live.LiveView(mm.chat_id, mm.message_id, text, markup)


# -- ticks ----------------------------------------------------------------------------------------
async def tick_reminders(services: Services, bot: ExtBot, now_dt: datetime) -> None:
    """Reminders and skip notices that are due (or were missed, if the meeting has not started yet)."""
    now = ts(now_dt)
    rs = services.repos.rhythm.meetings
    for m in await rs.due_reminders(now):
        c = await services.repos.communities.get(m.community_id)
        if c is None or not c.active:
            await rs.update(m.id, next_remind_at=None)
            continue
        offsets = offsets_of(c)
        held = m.status == "scheduled"  # the PIC scheduled it for that day: its reminders may go on it
        at = await quiet.send_at(services, c, now_dt, private=False,
                                 scheduled_for=utc(m.start_ts).astimezone(tz_of(c)).date() if held else None)
        if at != now_dt:  # a day off before the meeting: later, if still before it starts (else nothing)
            await rs.update(m.id, next_remind_at=ts(at) if at is not None and ts(at) < m.start_ts else None)
            continue
        shift = await meeting_shift(services, c, m, offsets)  # each reminder moved off days off
        if not held:  # a holiday, an off-day or a cancellation: one notice
            eff = shift[max(offsets)]
            decision = due_reminder(utc(m.start_ts), max(offsets) if eff is None else eff, now_dt)
            if decision == "not_yet":
                await rs.update(m.id, next_remind_at=skip_notice_at(m.start_ts, offsets, now, shift))
                continue
            if decision != "skip" and not await _send(services, bot, c, m, f"sk:{m.id}:{m.start_ts}", "skip", 0, False):
                continue
            await rs.update(m.id, next_remind_at=None, reminders_done=[max(offsets)])
            continue
        real = {e: o for o, e in sorted(shift.items(), reverse=True) if e is not None}  # effective -> offset
        dropped = [o for o, e in shift.items() if e is None]  # no school day to go on
        off, decision, superseded = reminders_to_send(utc(m.start_ts), real, [
            e for o, e in shift.items() if e is not None and o in m.reminders_done], now_dt)
        off = None if off is None else real[off]
        done = set(m.reminders_done) | {real[e] for e in superseded} | set(dropped)
        if off is not None:
            if not await _send(services, bot, c, m, f"rm:{m.id}:{m.start_ts}:{off}", f"r{off}", off,
                               decision == "late_send"):
                if superseded:
                    await rs.update(m.id, reminders_done=done)
                continue  # a transient failure: the next pass retries
            done.add(off)
        await rs.update(m.id, reminders_done=done, next_remind_at=next_remind_at(m.start_ts, offsets, done, now,
                                                                                  shift))


async def _send(services: Services, bot: ExtBot, c: Community, m: Meeting, key: str, kind: str, offset: int,
                late: bool) -> bool:
    """Send one live message through the outbox; True once it is settled (sent now, before, or given up)."""
    now = services.now_ts()
    text, markup = await render_live(services, c, m, kind, now)
    # a reminder or skip notice is stale once the meeting has begun, a check-in once its window has closed
    until = m.end_ts + CHECKIN_WINDOW_S if kind == "checkin" else m.start_ts
    msg = await send_once(services, bot, key, c.chat_id, Outgoing(text, markup, community_id=c.id, until=until, record=(
        "meeting.message", {"meeting": m.id, "kind": kind, "offset": offset, "late": late})))
    return msg is not None or await outbox.status(services, key) in ("sent", "skipped")


@records("meeting.message")
async def record_message(services: Services, tx: Any, args: dict[str, Any], sent: Sent) -> None:
    await Meetings.add_message_in(tx, args["meeting"], args["kind"], sent.chat_id, sent.message_id, args["offset"],
                                  args["late"])


async def tick_checkins(services: Services, bot: ExtBot, now_dt: datetime) -> None:
    """After a meeting ends: the check-in message, open for CHECKIN_WINDOW_S; then closed."""
    now = ts(now_dt)
    rs = services.repos.rhythm.meetings
    for m in await rs.due_checkins(now):
        c = await services.repos.communities.get(m.community_id)
        closes = m.end_ts + CHECKIN_WINDOW_S
        if c is None or not c.active or m.status != "scheduled" or now >= closes:
            await rs.update(m.id, checkin_at=None)
            continue
        if await _send(services, bot, c, m, f"ci:{m.id}:{m.end_ts}", "checkin", 0, False):
            mm = [x for x in await rs.messages(m.id) if x.kind == "checkin"]
            await rs.update(m.id, checkin_at=None, checkin_closes_at=closes,
                            checkin_message_id=mm[0].message_id if mm else None)
    for m in await rs.due_checkin_closes(now):
        await refresh_tallies(services, bot, m.id, force=True, only="checkin")
        await rs.update(m.id, checkin_closes_at=None)


# -- buttons --------------------------------------------------------------------------------------
async def on_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) < 3 or not parts[2].isdigit() or scope.community is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    rs = scope.services.repos.rhythm.meetings
    m = await rs.get(int(parts[2]))
    if m is None or m.community_id != scope.community.id:
        await scope.answer("errors.stale_button", alert=True)
        return
    if parts[1] == "a" and len(parts) == 4 and parts[3].isdigit():
        await toggle_attendance(scope, m, int(parts[3]))
        return
    if not (scope.member and scope.member.active):
        await refuse(scope, "errors/not_member")
        return
    group = await meeting_group(scope.services, m.id) if parts[1] in ("r", "c") else None
    if group is not None and scope.user_id not in group.members:
        await scope.answer("groups.meeting_other_group", alert=True)
        return
    now = scope.services.now_ts()
    if parts[1] == "r" and len(parts) == 4 and parts[3] in ANSWERS:
        if m.status != "scheduled" or now >= m.start_ts:
            await scope.answer("rhythm.rsvp_closed", alert=True)
            return
        changed = await rs.set_rsvp(m.id, scope.user_id, ANSWERS[parts[3]], now)
        await scope.answer("rhythm.rsvp_saved", answer=scope.t(f"rhythm.btn.{parts[3]}"))
        if changed:
            await refresh_tallies(scope.services, ctx.bot, m.id)
        return
    if parts[1] == "c" and len(parts) == 3:
        if m.status != "scheduled" or not m.start_ts <= now < m.end_ts + CHECKIN_WINDOW_S:
            await scope.answer("rhythm.checkin_closed", alert=True)
            return
        changed = await rs.set_attendance(m.id, scope.user_id, True, "self", scope.user_id, now)
        await scope.answer("rhythm.checkin_saved", minutes=m.duration_min)
        if changed:
            await refresh_tallies(scope.services, ctx.bot, m.id, only="checkin")
        return
    await scope.answer("errors.stale_button", alert=True)


# -- /attendance ----------------------------------------------------------------------------------
@handler(audience="pic")
async def cmd_attendance(scope: Scope) -> None:
    c = scope.community
    assert c is not None
    services = scope.services
    rs = services.repos.rhythm.meetings
    now = services.now_ts()
    args = [a.lower() for a in (scope.ctx.args or [])]
    m: Meeting | None = None
    day_arg = next((a for a in args if a not in ABSENT_WORDS), None)
    if day_arg is not None:
        today = services.clock.now().astimezone(tz_of(c)).date()
        try:
            day = parse_date_token(day_arg, today, prefer="past")
        except ValueError:
            day = None
        if day is None:
            await scope.reply("rhythm/attend/error", code="bad_date", detail=day_arg)
            return
        lo, hi = day_bounds(day, c)
        found = [x for x in await rs.on_day(c.id, day, lo, hi) if x.status == "scheduled" and x.start_ts <= now]
        m = found[0] if found else None
    else:
        m = await rs.last_started(c.id, now, now - 30 * 86400)
    if m is None:
        await scope.reply("rhythm/attend/error", code="no_meeting", detail=day_arg or "")
        return
    target = scope.message.reply_to_message if scope.message else None
    if target is not None and target.from_user is not None and not target.from_user.is_bot:
        present = not (set(args) & ABSENT_WORDS)
        member = await services.repos.members.get(c.id, target.from_user.id)
        if member is None or not member.active:
            await scope.reply("rhythm/attend/error", code="not_member", detail=target.from_user.full_name)
            return
        await rs.set_attendance(m.id, member.user_id, present, "pic", scope.user_id, now)
        await refresh_tallies(services, scope.ctx.bot, m.id, only="checkin")
        await scope.reply("rhythm/attend/marked", m=meeting_view(m, c), name=member.name, present=present)
        return
    text, markup = await attendance_list(scope, m)
    await scope.send_html(text, markup=markup)


async def attendance_list(scope: Scope, m: Meeting) -> tuple[str, InlineKeyboardMarkup | None]:
    c = scope.community
    assert c is not None
    members = await scope.services.repos.members.list(c.id)
    group = await meeting_group(scope.services, m.id)
    if group is not None:  # a meeting of one working group: its members only
        members = [mb for mb in members if mb.user_id in group.members]
    marks = await scope.services.repos.rhythm.meetings.attendance(m.id)
    people = [(mb.name, marks.get(mb.user_id, False)) for mb in members]
    buttons = [InlineKeyboardButton(("✅ " if marks.get(mb.user_id) else "▫️ ") + mb.name[:40],
                                    callback_data=cb("rv", "a", m.id, mb.user_id))
               for mb in members[:MAX_ATTENDANCE_BUTTONS]]
    text = scope.render("rhythm/attend/list", m=meeting_view(m, c), people=people,
                        present=sum(1 for _, p in people if p), more=len(members) > MAX_ATTENDANCE_BUTTONS)
    return text, InlineKeyboardMarkup(rows(buttons, 2)) if buttons else None


async def toggle_attendance(scope: Scope, m: Meeting, user_id: int) -> None:
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    services = scope.services
    member = await services.repos.members.get(m.community_id, user_id)
    now = services.now_ts()
    if member is None or not member.active or m.start_ts > now or m.status != "scheduled":
        await scope.answer("errors.stale_button", alert=True)
        return
    rs = services.repos.rhythm.meetings
    present = not (await rs.attendance(m.id)).get(user_id, False)
    await rs.set_attendance(m.id, user_id, present, "pic", scope.user_id, now)
    await scope.answer("rhythm.attendance_toggled", name=member.name[:60], present=present)
    text, markup = await attendance_list(scope, m)
    await _edit(scope, text, markup)
    await refresh_tallies(services, scope.ctx.bot, m.id, only="checkin")


async def _edit(scope: Scope, text: str, markup: Any) -> None:
    q = scope.query
    if q is None or q.message is None:
        return
    mid = q.message.message_id
    try:
        await call(scope.services, scope.chat_id, lambda cid: edit_html(scope.ctx.bot, cid, mid, text, markup))
    except SendFailed:
        pass


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("attendance", "hadir", cmd_attendance, audience="pic"))
    add_buttons(app, "rv", on_button)
    services.ticks.extend([
        ("rhythm.reminders", tick_reminders),
        ("rhythm.checkins", tick_checkins),
    ])
