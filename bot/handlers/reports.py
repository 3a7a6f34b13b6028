"""Weekly group summary, /report (XLSX + PDF), principal digests, recognition opt-out.

Commands: /summary (/ringkasan, PIC, group): show or set the weekly time (`waktu Jumat 15:00`), `off`/`on`,
`now`; /report (/laporan): PIC in the group or in private, principal in private; /digest (principal,
private): now, or `waktu Senin 06:30`; /anonymous (/anonim) on|off: whether the summary may thank me by name.
Callback `rp:<community>:<period>` picks the community of a report in private.
Ticks: `reports_summaries`, `reports_digests` (paced background runs, see bot/jobs/broadcast.py).
The summary itself (its slot, content, card and tick) is in `bot/handlers/reports_summary.py`.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application

from domain.quiet import send_at as quiet_at
from domain.reports.exports import pdf_bytes, xlsx_bytes
from domain.reports.period import (
    PeriodError,
    iso_week_key,
    next_weekly,
    parse_period,
    parse_weekly,
    period_token,
    week_end,
)
from storage.models import Community

from .. import chartpool
from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, call
from ..jobs import broadcast
from ..keyboards import cb
from ..outbox import Outgoing, send_once
from ..services import KContext, Services
from ..usecases.reports_data import (
    cycle_bounds,
    cycle_status,
    cycle_summaries,
    last_cycle_bounds,
    snapshot,
    stage_title,
)
from ..usecases.reports_doc import build_doc, report_data
from .common import Scope, build_scope, handler, refuse, school_calendar
from .reports_summary import (
    RETRY_S,
    build_summary,
    details_markup,
    due_after,
    failure_outcome,
    run_due,
    send_card,
    slot_after,
    slot_of,
    summary_details,
    summary_due_after,
    tick_summaries,
)

if TYPE_CHECKING:
    from telegram.ext import ExtBot

log = logging.getLogger(__name__)
DIGEST_PART_MAX = 3800
DIGEST_DEFAULT = (0, 7 * 60)  # Monday 07:00


# -- principal digests ---------------------------------------------------------------------------
async def digest_parts(services: Services, user_id: int, locale: str, communities: list[Community],
                       now: datetime) -> list[str]:
    r = services.renderer
    blocks = []
    for c in communities:
        snap = await snapshot(services, c, now, weeks=5)  # the 4 completed weeks and this one
        blocks.append(r.render(locale, "reports/digest_community", community=c, snap=snap))
    head = r.render(locale, "reports/digest_head", count=len(communities), now=now.astimezone(
        ZoneInfo(communities[0].tz)))
    parts, current = [], head
    for b in blocks:
        if len(current) + len(b) + 2 > DIGEST_PART_MAX:
            parts.append(current)
            current = b[:DIGEST_PART_MAX]
        else:
            current = f"{current}\n\n{b}"
    parts.append(current)
    return parts


async def digest_locale(services: Services, user_id: int, communities: list[Community]) -> str:
    user = await services.repos.users.get(user_id)
    return (user.locale if user and user.locale else None) or communities[0].locale


async def send_digest(services: Services, bot: ExtBot, user_id: int, key: str, now: datetime,
                      until: int | None = None) -> str:
    communities = [c for c in await services.repos.principals.communities_of(user_id) if c.active]
    if not communities:
        return "empty"
    locale = await digest_locale(services, user_id, communities)
    parts = await digest_parts(services, user_id, locale, communities, now)
    for i, text in enumerate(parts):
        k = key if i == 0 else f"{key}:{i}"
        res = await send_once(services, bot, k, user_id, Outgoing(text, paced=True, until=until))
        if res is None:
            return await failure_outcome(services, k, key)
    return "sent"


async def digest_one(services: Services, bot: ExtBot, d: Any) -> None:
    now = services.clock.now()
    tz = ZoneInfo(d.tz)
    due = datetime.fromtimestamp(d.next_due_at, UTC)
    nxt = int(next_weekly(max(now, due), tz, d.weekday, d.minute).timestamp())
    week = iso_week_key(due.astimezone(tz).date())
    r = services.repos.reports
    user = await services.repos.users.get(d.user_id)
    if user is None or not user.reachable or now >= week_end(due, tz) or d.last_week == week:
        await r.advance_digest(d.user_id, nxt, None, services.now_ts())  # blocked / never started: skip
        return
    communities = [c for c in await services.repos.principals.communities_of(d.user_id) if c.active]
    if communities:  # the quiet policy with the school days of their first community (private: 06:00-20:00)
        at = quiet_at(now, tz, await school_calendar(services, communities[0]), private=True)
        if at != now:
            later = at is not None and at < week_end(due, tz)
            await r.advance_digest(d.user_id, int(at.timestamp()) if later else nxt,  # type: ignore[union-attr]
                                   None, services.now_ts())
            return
    outcome = await send_digest(services, bot, d.user_id, f"dig:{d.user_id}:{week}", now,
                                int(week_end(due, tz).timestamp()))
    if outcome == "failed" and now.timestamp() + RETRY_S < week_end(due, tz).timestamp():
        await r.advance_digest(d.user_id, int(now.timestamp()) + RETRY_S, None, services.now_ts())
        return
    await r.advance_digest(d.user_id, nxt, week, services.now_ts())


async def tick_digests(services: Services, bot: ExtBot, now: datetime) -> None:
    r = services.repos.reports
    await r.schedule_new_principals(int(now.timestamp()), due_after)
    await broadcast.spawn(services, "digests", lambda: run_due(
        services, r.due_digests, lambda d: digest_one(services, bot, d), lambda d: d.user_id))


# -- commands ------------------------------------------------------------------------------------
def _args(scope: Scope) -> list[str]:
    return list(scope.ctx.args or [])


async def _weekly_args(scope: Scope, args: list[str], template: str) -> tuple[int, int] | None:
    try:
        return parse_weekly(" ".join(args[1:]))
    except PeriodError as exc:
        await scope.reply("reports/bad_time", code=exc.code, usage=template)
        return None


@handler(audience="pic", where="group")
async def cmd_summary(scope: Scope) -> None:
    assert scope.community is not None
    services, c = scope.services, scope.community
    r = services.repos.reports
    now = services.clock.now()
    await r.schedule_new_communities(services.now_ts(), summary_due_after)
    sched = await r.summary(c.id)
    args = _args(scope)
    word = args[0].lower() if args else ""
    changed = None
    if word in ("waktu", "time", "jam"):
        slot = await _weekly_args(scope, args, "summary")
        if slot is None:
            return
        nxt = slot_after(await school_calendar(services, c), c.tz, c.work_days, *slot, now)
        await r.set_summary(c.id, services.now_ts(), nxt, weekday=slot[0], minute=slot[1])
        changed = "time"
    elif word in ("off", "mati", "stop", "on", "nyala", "aktif") and sched is not None:
        on = word in ("on", "nyala", "aktif")
        nxt = slot_after(await school_calendar(services, c), c.tz, c.work_days, sched.weekday, sched.minute, now)
        await r.set_summary(c.id, services.now_ts(), nxt, weekday=sched.weekday, minute=sched.minute, enabled=on)
        changed = "on" if on else "off"
    elif word in ("sekarang", "now"):
        summary = await build_summary(services, c, now)
        if summary is None:
            await scope.reply("reports/summary_empty")
            return
        send = send_card(scope.ctx.bot, summary, details_markup(services, c))
        with contextlib.suppress(SendFailed):
            await call(services, scope.chat_id, lambda cid: send(cid, scope.thread))
        return
    elif word:
        await scope.reply("reports/summary_settings", sched=None, unknown=True)
        return
    sched = await r.summary(c.id)
    assert sched is not None
    wd, mi = slot_of(sched)
    when = datetime.fromtimestamp(sched.next_due_at, UTC).astimezone(ZoneInfo(c.tz))
    await scope.reply("reports/summary_settings", sched=sched, weekday=wd, hour=mi // 60, minute=mi % 60,
                      next_at=when, changed=changed)


@handler(audience="member")
async def cmd_anonymous(scope: Scope) -> None:
    assert scope.community is not None
    args = [a.lower() for a in _args(scope)]
    member = scope.member
    if member is None:
        await refuse(scope, "errors/not_member")
        return
    if args and args[0] in ("on", "ya", "aktif", "yes"):
        await scope.services.repos.members.set_flag(member.community_id, member.user_id, "allow_named", False)
        await scope.reply("reports/anonymous", anonymous=True, changed=True)
    elif args and args[0] in ("off", "tidak", "mati", "no"):
        await scope.services.repos.members.set_flag(member.community_id, member.user_id, "allow_named", True)
        await scope.reply("reports/anonymous", anonymous=False, changed=True)
    else:
        await scope.reply("reports/anonymous", anonymous=not member.allow_named, changed=False)


async def report_options(scope: Scope) -> list[Community]:
    """Communities this person may get a report of from a private chat."""
    overseen = await scope.services.repos.principals.communities_of(scope.user_id)
    out = {c.id: c for c in overseen}
    if scope.community is not None and scope.community.id not in out and await scope.is_pic():
        out[scope.community.id] = scope.community
    return list(out.values())


@handler()
async def cmd_report(scope: Scope) -> None:
    text = " ".join(_args(scope))
    if scope.is_group:
        if scope.community is None or not await scope.is_pic():
            await refuse(scope, "errors/not_pic")
            return
        await make_report(scope, scope.community, text)
        return
    options = await report_options(scope)
    if not options:
        await scope.reply("errors/left_group" if scope.member and scope.member.departed else "reports/not_allowed")
        return
    if len(options) == 1:
        await make_report(scope, options[0], text)
        return
    period = await read_period(scope, options[0], text)
    if period is None:
        return
    code = period_token(text) or period.code
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(c.display_name[:60], callback_data=cb("rp", c.id, code))]
                                   for c in options[:20]])
    await scope.reply("reports/pick_community", markup=markup)


async def on_report_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) != 3 or not parts[1].isdigit() or scope.is_group:
        await scope.answer("errors.stale_button", alert=True)
        return
    community = await scope.services.repos.communities.get(int(parts[1]))
    if community is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    scope.community = community
    scope.member = await scope.services.repos.members.get(community.id, scope.user_id)
    if not (await scope.is_principal() or await scope.is_pic()):
        await scope.answer("reports.not_yours", alert=True)
        return
    await scope.answer()
    await make_report(scope, community, parts[2])


async def read_period(scope: Scope, community: Community, text: str) -> Any:
    now = scope.services.clock.now()
    status = await cycle_status(scope.services, community.id, now)
    bounds = cycle_bounds(status)
    if bounds is None and period_token(text) == "c":  # no cycle running: the last completed one
        bounds = last_cycle_bounds(await cycle_summaries(scope.services, community.id, 0, int(now.timestamp()) + 1))
    try:
        return parse_period(text, now=now, tz=ZoneInfo(community.tz), cycle=bounds)
    except PeriodError as exc:
        await scope.reply("reports/bad_period", code=exc.code, text=text[:80])
        return None


async def make_report(scope: Scope, community: Community, text: str) -> None:
    services, bot = scope.services, scope.ctx.bot
    period = await read_period(scope, community, text)
    if period is None:
        return
    locale = scope.locale
    status = await scope.reply("reports/progress", step=1, community=community)

    async def progress(step: int) -> None:
        if status is None:
            return
        body = services.renderer.render(locale, "reports/progress", step=step, community=community)
        try:
            await call(services, scope.chat_id, lambda cid: bot.edit_message_text(
                body, chat_id=cid, message_id=status.message_id))
        except SendFailed:
            pass

    data = await report_data(services, community, period)
    doc = build_doc(services.renderer, locale, community, period, data, services.clock.now())
    await progress(2)
    pool = chartpool.pool(services)
    xlsx = await pool.run(xlsx_bytes, doc)
    await progress(3)
    pdf = await pool.run(pdf_bytes, doc)
    summary = services.renderer.render(locale, "reports/report", community=community, period=period, data=data,
                                       stage=stage_title((data.cycle or {}).get("stage"), locale))
    if status is not None:
        try:
            await call(services, scope.chat_id, lambda cid: bot.edit_message_text(
                summary, chat_id=cid, message_id=status.message_id))
        except SendFailed:
            await scope.send_html(summary)
    base = f"laporan-kombel-{community.id}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    for data_bytes, ext in ((xlsx, "xlsx"), (pdf, "pdf")):
        try:
            await call(services, scope.chat_id, lambda cid, b=data_bytes, e=ext: bot.send_document(
                cid, InputFile(b, filename=f"{base}.{e}"), caption=services.renderer.t(locale, f"reports.file_{e}"),
                message_thread_id=scope.thread))
        except SendFailed:
            return


@handler(where="private")
async def cmd_digest(scope: Scope) -> None:
    services = scope.services
    communities = [c for c in await services.repos.principals.communities_of(scope.user_id)]
    if not communities:
        await scope.reply("reports/not_principal")
        return
    r = services.repos.reports
    now = services.clock.now()
    args = _args(scope)
    if args and args[0].lower() in ("waktu", "time", "jam"):
        slot = await _weekly_args(scope, args, "digest")
        if slot is None:
            return
        tz = communities[0].tz
        nxt = next_weekly(now, ZoneInfo(tz), *slot)
        await r.set_digest(scope.user_id, services.now_ts(), weekday=slot[0], minute=slot[1], tz=tz,
                           next_due_at=int(nxt.timestamp()))
        await scope.reply("reports/digest_settings", weekday=slot[0], hour=slot[1] // 60, minute=slot[1] % 60,
                          next_at=nxt.astimezone(ZoneInfo(tz)), tz=tz)
        return
    if args:
        await scope.reply("reports/bad_time", code="usage", usage="digest")
        return
    active = [c for c in communities if c.active] or communities
    for text in await digest_parts(services, scope.user_id, scope.locale, active, now):
        await scope.send_html(text)


def register(app: Application, services: Services) -> None:
    services.commands.add(
        Command("summary", "ringkasan", cmd_summary, audience="pic", private=False),
        Command("report", "laporan", cmd_report, audience="pic"),
        Command("digest", "ikhtisar", cmd_digest, audience="principal", group=False),
        Command("anonymous", "anonim", cmd_anonymous, audience="member"),
    )
    add_buttons(app, "rp", on_report_button)
    services.start_routes["sum"] = summary_details
    services.ticks.append(("reports_summaries", tick_summaries))
    services.ticks.append(("reports_digests", tick_digests))


