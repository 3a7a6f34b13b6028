"""Mandatory learning hours (*jam wajib belajar*): /target for the PIC, /log (/catat) for members (listed
and undone by their owner only), /hours (/jam) for progress — a member sees their own; a PIC sees counts
in the group and the per-member list only in private — and the private mid-period nudge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, ExtBot

from domain.reports.figures import HoursFigure, hours_figure, hours_status
from domain.rhythm.durations import ParseError
from domain.rhythm.hours import (
    Period,
    behind,
    elapsed_fraction,
    parse_log,
    parse_target,
    progress,
    target_for,
)
from storage.models import Community, Member

from .. import quiet
from ..commands import Command
from ..keyboards import cb, inline_json, rows
from ..outbox import Outgoing, send_once
from ..services import Services
from ..usecases.rhythm_core import (
    LIST_WORDS,
    args_text,
    calendar_of,
    current_period,
    next_nudge_time,
    nudge_time,
    ts,
    tz_of,
)
from .common import Scope, handler

# Words a PIC may use to name a role in /target (the roles' own keys work too).
ROLE_ALIASES = {
    "kelas": "classroom", "classroom": "classroom", "mapel": "subject", "subject": "subject",
    "agama": "religion", "religion": "religion", "pjok": "pe", "pe": "pe", "olahraga": "pe",
    "bk": "counsellor", "counsellor": "counsellor", "counselor": "counsellor", "operator": "staff",
    "tendik": "staff", "staff": "staff", "lainnya": "other", "other": "other",
}
UNDO_WORDS = {"hapus", "undo", "batal", "remove"}
RECENT = 10


# -- /target --------------------------------------------------------------------------------------
@handler(audience="pic")
async def cmd_target(scope: Scope) -> None:
    c = scope.community
    assert c is not None
    hours = scope.services.repos.rhythm.hours
    text = args_text(scope)
    current = await hours.settings(c.id)
    if not text:
        await scope.reply("rhythm/hours/target_show", settings=current)
        return
    try:
        spec = parse_target(text, ROLE_ALIASES)
    except ParseError as err:
        await scope.reply("rhythm/hours/target_error", code=err.code, detail=err.detail or "")
        return
    kind = spec.period or (current.period if current else "month")
    now_dt = scope.services.clock.now()
    period = current_period(kind, c, now_dt)
    calendar = await calendar_of(scope.services, c)
    nudge = nudge_time(period, c, calendar)
    if nudge is None or nudge <= ts(now_dt):  # past this period's nudge (or none in it): the next one
        nudge = next_nudge_time(kind, period, c, calendar)
    await hours.set_target(c.id, spec.role, spec.minutes, kind, nudge, scope.services.now_ts())
    await scope.reply("rhythm/hours/target_set", spec=spec, period=kind,
                      role=scope.t(f"role.{spec.role}") if spec.role else None)


# -- /log -----------------------------------------------------------------------------------------
@handler(audience="member")
async def cmd_log(scope: Scope) -> None:
    c = scope.community
    assert c is not None and scope.message is not None
    services = scope.services
    hours = services.repos.rhythm.hours
    text = args_text(scope)
    first, _, rest = text.partition(" ")
    if first.lower() in LIST_WORDS:
        await show_logs(scope)
        return
    if first.lower() in UNDO_WORDS:
        await undo_log(scope, rest.strip())
        return
    tz = tz_of(c)
    try:
        spec = parse_log(text, now=services.clock.now(), tz=tz)
    except ParseError as err:
        await scope.reply("rhythm/hours/log_error", code=err.code, detail=err.detail or "")
        return
    noon = datetime(spec.on_date.year, spec.on_date.month, spec.on_date.day, 12, tzinfo=tz)
    entry, created = await hours.add_log(
        community_id=c.id, user_id=scope.user_id, minutes=spec.minutes, what=spec.what, on_date=spec.on_date,
        at_ts=ts(noon), chat_id=scope.chat_id, message_id=scope.message.message_id, now=services.now_ts())
    if not created:
        return
    mine = await my_progress(scope)
    markup = inline_json([[(scope.t("rhythm.btn.undo"), cb("sc", "u", entry.id))]])
    await scope.reply("rhythm/hours/log_added", entry=entry, me=mine, markup=markup)


async def show_logs(scope: Scope) -> None:
    assert scope.community is not None
    entries = await scope.services.repos.rhythm.hours.recent_logs(scope.community.id, scope.user_id, RECENT)
    markup = InlineKeyboardMarkup(rows([
        InlineKeyboardButton(scope.t("rhythm.btn.undo_n", n=i), callback_data=cb("sc", "u", e.id))
        for i, e in enumerate(entries, 1)], 5)) if entries else None
    await scope.reply("rhythm/hours/log_list", entries=entries, markup=markup)


async def undo_log(scope: Scope, n: str) -> None:
    assert scope.community is not None and scope.message is not None
    hours = scope.services.repos.rhythm.hours
    target = scope.message.reply_to_message
    if not n and target is not None:  # "/catat hapus" in reply to the /catat message
        entry = await hours.log_by_message(scope.chat_id, target.message_id)
        if entry is None:
            await scope.reply("rhythm/hours/log_error", code="not_a_log", detail="")
            return
        if entry.user_id != scope.user_id:
            await scope.reply("rhythm/hours/log_error", code="not_yours", detail="")
            return
    else:
        entries = await hours.recent_logs(scope.community.id, scope.user_id, RECENT)
        if not n.isdigit() or not 1 <= int(n) <= len(entries):
            await scope.reply("rhythm/hours/log_error", code="bad_number", detail=n, count=len(entries))
            return
        entry = entries[int(n) - 1]
    if not await hours.delete_log(entry.id, scope.user_id, scope.services.now_ts()):
        await scope.reply("rhythm/hours/log_error", code="already_undone", detail="")
        return
    await scope.reply("rhythm/hours/log_removed", entry=entry)


async def on_undo_button(scope: Scope, parts: list[str]) -> None:
    """`sc:u:<log id>`: only the owner of the entry may undo it."""
    hours = scope.services.repos.rhythm.hours
    entry = await hours.log(int(parts[2])) if len(parts) == 3 and parts[2].isdigit() else None
    if entry is None or scope.community is None or entry.community_id != scope.community.id:
        await scope.answer("errors.stale_button", alert=True)
        return
    if entry.user_id != scope.user_id:
        await scope.answer("rhythm.not_your_entry", alert=True)
        return
    if not await hours.delete_log(entry.id, scope.user_id, scope.services.now_ts()):
        await scope.answer("rhythm.already_undone", alert=True)
        return
    await scope.answer("rhythm.undone")
    await scope.edit("rhythm/hours/log_removed", entry=entry)


# -- /hours ---------------------------------------------------------------------------------------
async def _period_and_targets(services: Services, c: Community, now_dt: datetime) -> tuple[str, dict[Any, int], Period]:
    """The community's hours period kind (month unless set), its targets by role, and the current period."""
    settings = await services.repos.rhythm.hours.settings(c.id)
    kind = settings.period if settings else "month"
    return kind, (settings.targets if settings else {}), current_period(kind, c, now_dt)


async def community_progress(services: Services, c: Community, now_dt: datetime) -> dict[str, Any]:
    """Everyone's minutes in the current period against their target, and who is behind the pace."""
    kind, targets, period = await _period_and_targets(services, c, now_dt)
    members = await services.repos.members.list(c.id)
    totals = await services.repos.rhythm.hours.minutes_by_user(c.id, ts(period.start_utc), ts(period.end_utc))
    elapsed = elapsed_fraction(period, now_dt)
    by_id: dict[int, Member] = {m.user_id: m for m in members}
    plist = progress({uid: totals.get(uid, 0) for uid in by_id},
                     {uid: target_for(m.role, targets) for uid, m in by_id.items()},
                     elapsed_fraction=elapsed, members=list(by_id))
    late = behind(plist, elapsed)
    figure = hours_figure(((p.minutes, p.target_minutes) for p in plist), elapsed,
                          target_minutes=target_for(None, targets))
    return {"kind": kind, "period": period, "targets": targets, "elapsed": elapsed, "progress": plist,
            "behind": late, "members": by_id, "has_target": bool(targets), "figure": figure}


async def my_progress(scope: Scope) -> dict[str, Any] | None:
    """This member's minutes in the current period against their target (only their own rows are read)."""
    c, member = scope.community, scope.member
    assert c is not None
    if member is None or not member.active or member.community_id != c.id:
        return None
    now_dt = scope.services.clock.now()
    kind, targets, period = await _period_and_targets(scope.services, c, now_dt)
    logged, met = await scope.services.repos.rhythm.hours.minutes_of(c.id, member.user_id, ts(period.start_utc),
                                                                     ts(period.end_utc))
    target = target_for(member.role, targets)
    me = progress({member.user_id: logged + met}, target, elapsed_fraction=elapsed_fraction(period, now_dt))[0]
    status = hours_status(me.minutes, me.target_minutes, elapsed_fraction(period, now_dt))
    return {"p": me, "status": status, "meetings": met, "logged": logged, "kind": kind, "period": period,
            "has_target": me.target_minutes > 0}


@handler(audience="member")
async def cmd_hours(scope: Scope) -> None:
    c = scope.community
    assert c is not None
    mine = await my_progress(scope) if scope.member and scope.member.active else None
    if not await scope.is_pic():
        await scope.reply("rhythm/hours/me", me=mine)
        return
    data = await community_progress(scope.services, c, scope.services.clock.now())
    fig: HoursFigure = data["figure"]
    people = [] if scope.is_group else [
        {"name": data["members"][p.member_id].name, "p": p,
         "status": hours_status(p.minutes, p.target_minutes, data["elapsed"])} for p in data["progress"]]
    await scope.reply("rhythm/hours/pic", me=mine, fig=fig, people=people, kind=data["kind"],
                      period=data["period"], has_target=data["has_target"])


# -- nudges and the summary feed ------------------------------------------------------------------
async def tick_nudges(services: Services, bot: ExtBot, now_dt: datetime) -> None:
    """Mid-period: one private nudge per member behind the pace, if they started the bot. Never in groups."""
    now = ts(now_dt)
    hours = services.repos.rhythm.hours
    for cid in await hours.due_nudges(now):
        c = await services.repos.communities.get(cid)
        settings = await hours.settings(cid)
        if c is None or settings is None or not settings.targets:
            await hours.set_nudge_at(cid, None, now)
            continue
        period = current_period(settings.period, c, now_dt)
        calendar = await calendar_of(services, c)
        this = nudge_time(period, c, calendar)
        if this is not None and now < this:  # the nudge of a period the bot was down for: wait for this one's
            await hours.set_nudge_at(cid, this, now)
            continue
        at = await quiet.send_at(services, c, now_dt, private=True) if this is not None and c.active else now_dt
        if at != now_dt and at is not None and at < period.end_utc:  # a meeting, the night or a day off
            await hours.set_nudge_at(cid, int(at.timestamp()), now)
            continue
        if this is not None and c.active and at == now_dt:  # (none in a period with no school day left from
            data = await community_progress(services, c, now_dt)  # its middle, nor one held past its end)
            for p in data["behind"]:
                await send_nudge(services, bot, c, data["members"][p.member_id], p, data, period)
        await hours.set_nudge_at(cid, next_nudge_time(settings.period, period, c, calendar), now)


async def send_nudge(services: Services, bot: ExtBot, c: Community, member: Member, p: Any, data: dict[str, Any],
                     period: Period) -> None:
    user = await services.repos.users.get(member.user_id)
    if user is None or not user.reachable:
        return
    locale = user.locale or c.locale
    text = services.renderer.render(locale, "rhythm/hours/nudge", community=c, p=p, kind=data["kind"], period=period,
                                    user=user)
    key = f"nudge:{c.id}:{member.user_id}:{period.start_date.isoformat()}"
    await send_once(services, bot, key, member.user_id, Outgoing(text))


async def hours_summary(services: Services, community_id: int, now: Any) -> HoursFigure | None:
    """The hours figure of the current period as of `now` (`domain.reports.figures`), as `/jam` shows it."""
    now_dt = now if isinstance(now, datetime) else datetime.fromtimestamp(int(now), UTC)
    c = await services.repos.communities.get(community_id)
    if c is None:
        return None
    return (await community_progress(services, c, now_dt))["figure"]


async def hours_trend(services: Services, community_id: int, moments: list[datetime], *,
                      community: Community | None = None, members: list[Member] | None = None,
                      ) -> list[HoursFigure | None]:
    """The hours figure as of each of `moments` (oldest first), in a fixed number of queries (two when the
    caller gives the community and its active members): a past moment counts only what was logged and
    attended by then; the present is `/jam`'s figure."""
    c = community or await services.repos.communities.get(community_id)
    if c is None or not moments:
        return [None] * len(moments)
    kind, targets, _ = await _period_and_targets(services, c, moments[-1])
    if members is None:
        members = await services.repos.members.list(c.id)
    periods = [current_period(kind, c, m) for m in moments]
    now = services.now_ts()
    ends = [ts(p.end_utc) if ts(m) >= now - 60 else min(ts(p.end_utc), ts(m) + 1) for p, m in zip(periods, moments,
                                                                                                  strict=True)]
    events = await services.repos.rhythm.hours.minutes_events(c.id, min(ts(p.start_utc) for p in periods), max(ends))
    out: list[HoursFigure | None] = []
    for period, moment, end in zip(periods, moments, ends, strict=True):
        start = ts(period.start_utc)
        totals: dict[int, int] = {}
        for uid, at, minutes in events:
            if start <= at < end:
                totals[uid] = totals.get(uid, 0) + minutes
        out.append(hours_figure(((totals.get(m.user_id, 0), target_for(m.role, targets)) for m in members),
                                elapsed_fraction(period, moment), target_minutes=target_for(None, targets)))
    return out


def register(app: Application, services: Services) -> None:
    services.commands.add(
        Command("target", "target", cmd_target, audience="pic"),
        Command("log", "catat", cmd_log, audience="member"),
        Command("hours", "jam", cmd_hours, audience="member"),
    )
    services.ticks.append(("rhythm.nudges", tick_nudges))
