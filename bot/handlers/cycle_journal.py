"""/journal (/jurnal): an opt-in daily journal. On school days, at the member's chosen local time, a
private prompt asks what happened in class compared with what should have happened. Entries stay
private unless shared; shared problems are listed for the next weekly discussion."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.cycle.core import CycleError, journal_prompt
from domain.cycle.ops import clean_answer, local_date, next_journal_at, parse_clock, to_ts
from storage.models import Flow

from .. import quiet
from ..buttons import add_buttons
from ..commands import Command
from ..delivery import Sent
from ..flows import FlowSpec
from ..outbox import Outgoing, records, send_once
from ..render import cycle_texts, local
from ..services import KContext, Services, render
from .common import Scope, build_scope, deep_link, handler, refuse, school_calendar
from .cycle_core import user_locale
from .journal_loop import after_share_markup, post_card, refresh_open_card, saved_markup

if TYPE_CHECKING:
    from telegram.ext import ExtBot

OFF = ("off", "mati", "stop", "berhenti")
SHARE = ("bagikan", "share")
PROBLEMS = ("masalah", "problems")
WRITE = ("tulis", "write")
FLOW = "journal_write"
LATE_S = 3 * 3600  # a prompt more than 3 hours late (the bot was down) is skipped, not sent at night
PENDING_S = 12 * 3600  # a plain private message within 12 hours of an unanswered prompt is the entry
WEEK_S = 7 * 86400


@handler(audience="member")
async def cmd_journal(scope: Scope) -> None:
    assert scope.community is not None
    args = [a.lower() for a in (scope.ctx.args or [])]
    sub = args[0] if args else ""
    if sub in PROBLEMS:
        await problems(scope)
        return
    if scope.is_group:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(scope.t("btn.open_private"), url=deep_link(
            scope.services.bot_username, f"c{scope.community.id}"))]]) if scope.services.bot_username else None
        await scope.reply("cycle/journal/private_only", markup=markup)
        return
    repo = scope.services.repos.cycle.journal
    now = scope.services.now_ts()
    if sub in OFF:
        await repo.subscribe(scope.user_id, scope.community.id, None, 0)
        await scope.reply("cycle/journal/off")
    elif sub in SHARE:
        last = (await repo.entries(scope.user_id, scope.community.id, 1) or [None])[0]
        if last is None:
            await scope.reply("cycle/journal/nothing_to_share")
            return
        await scope.services.repos.journal_loop.share(last.id, scope.user_id, False, now)
        await scope.reply("cycle/journal/shared")
        await refresh_open_card(scope, last.id)
    elif sub in WRITE:
        await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, "text", {}, now,
                                               community_id=scope.community.id)
        await scope.reply("cycle/journal/prompt", prompt=journal_prompt(cycle_texts(scope.locale)))
    elif sub:
        try:
            h, m = parse_clock(sub)
        except CycleError:
            await scope.reply("cycle/journal/bad_time", raw=sub)
            return
        hhmm = f"{h:02d}:{m:02d}"
        calendar = await school_calendar(scope.services, scope.community)
        next_at = next_journal_at(hhmm, scope.community.tz, now, calendar.is_school_day)
        await repo.subscribe(scope.user_id, scope.community.id, hhmm, next_at)
        await scope.reply("cycle/journal/on", hhmm=hhmm, next=local(next_at, scope.community.tz))
    else:
        sub_row = await repo.sub(scope.user_id, scope.community.id)
        entries = await repo.entries(scope.user_id, scope.community.id, 3)
        await scope.reply("cycle/journal/status", sub=sub_row if sub_row and sub_row.enabled else None,
                          next=local(sub_row.next_at, scope.community.tz) if sub_row else None, entries=entries)


async def problems(scope: Scope) -> None:
    assert scope.community is not None
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    if scope.is_group:  # the weekly card: proposals and votes in the group (journal_loop)
        await post_card(scope)
        return
    shared = await scope.services.repos.cycle.journal.shared_since(scope.community.id, scope.services.now_ts() - WEEK_S)
    rows = []
    for e in shared:  # anonymous unless the writer shared with their name
        e = await scope.services.repos.journal_loop.entry(e.id) or e
        member = await scope.services.repos.members.get(scope.community.id, e.user_id) if e.share_named else None
        name = member.name if member else None
        rows.append({"entry": e, "name": name, "day": datetime.fromisoformat(e.day)})
    await scope.reply("cycle/journal/problems", rows=rows)


async def save_entry(scope: Scope, community_id: int, message: Any) -> None:
    text, clipped = clean_answer(message.text)
    if not text:
        await scope.reply("cycle/answer/empty")
        return
    community = await scope.services.repos.communities.get(community_id)
    now = scope.services.now_ts()
    day = local_date(now, community.tz if community else "Asia/Jakarta").isoformat()
    entry_id = await scope.services.repos.cycle.journal.add_entry(scope.user_id, community_id, day, text, now,
                                                            (scope.chat_id, message.message_id))
    await scope.reply("cycle/journal/saved", clipped=clipped, markup=saved_markup(scope.t, entry_id))


async def route_journal(scope: Scope, message: Any) -> bool:
    """Private text answering today's journal prompt (by reply, or simply the next message)."""
    if scope.is_group or scope.update.edited_message is not None or not message.text:
        return False
    repo = scope.services.repos.cycle.journal
    target = message.reply_to_message
    if target is not None:
        sub = await repo.by_prompt(scope.user_id, target.message_id)
    else:
        sub = await repo.pending_prompt(scope.user_id, scope.services.now_ts() - PENDING_S)
    if sub is None:
        return False
    await save_entry(scope, sub.community_id, message)
    return True


async def on_write_text(scope: Scope, flow: Flow, message: Any) -> None:
    await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    await save_entry(scope, int(flow.community_id or 0), message)


async def on_journal_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) != 3 or parts[1] != "s" or not parts[2].isdigit() or scope.is_group:
        await scope.answer("errors.stale_button", alert=True)
        return
    entry = await scope.services.repos.journal_loop.share(int(parts[2]), scope.user_id, False,
                                                          scope.services.now_ts())
    if entry is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    await scope.answer("cycle.journal_shared_alert")
    await scope.edit("cycle/journal/shared", markup=after_share_markup(scope.t, entry))
    await refresh_open_card(scope, entry.id)


async def tick(services: Services, bot: ExtBot, now_dt: Any) -> None:
    now = to_ts(now_dt)
    repo = services.repos.cycle.journal
    for sub in await repo.due(now):
        community = await services.repos.communities.get(sub.community_id)
        user = await services.repos.users.get(sub.user_id)
        if community is None:
            await repo.subscribe(sub.user_id, sub.community_id, None, 0)
            continue
        school_day = (await school_calendar(services, community)).is_school_day
        due_at = sub.next_at
        if now - due_at > LATE_S:  # missed while the bot was down: only today's, if still recent
            due_at = next_journal_at(sub.hhmm, community.tz, now - LATE_S, school_day)
            if due_at > now:
                await repo.prompted(sub.user_id, sub.community_id, None, None, due_at)
                continue
        at = await quiet.send_at(services, community, now_dt, private=True)
        if at != now_dt:  # a meeting, the night or a day off: later the same day, else that day's is dropped
            later = at is not None and local_date(to_ts(at), community.tz) == local_date(due_at, community.tz)
            await repo.prompted(sub.user_id, sub.community_id, None, None, to_ts(at) if later else  # type: ignore[arg-type]
                                next_journal_at(sub.hhmm, community.tz, max(now, due_at), school_day))
            continue
        next_at = next_journal_at(sub.hhmm, community.tz, max(now, due_at), school_day)
        msg = None
        if user is not None and user.reachable:
            loc = user_locale(services, user, community)
            text = render(services, community, loc, "cycle/journal/prompt", prompt=journal_prompt(cycle_texts(loc)))
            day = local_date(due_at, community.tz).isoformat()
            msg = await send_once(services, bot, f"jr:{sub.user_id}:{sub.community_id}:{day}", user.id, Outgoing(
                text, record=("journal.prompt", {"user": sub.user_id, "community": sub.community_id})))
        await repo.prompted(sub.user_id, sub.community_id, now if msg else None,
                            msg.message_id if msg else None, next_at)


@records("journal.prompt")
async def record_prompt(services: Services, tx: Any, args: dict[str, Any], m: Sent) -> None:
    await services.repos.cycle.journal.prompt_sent_in(tx, args["user"], args["community"], m.message_id)


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("journal", "jurnal", cmd_journal, audience="member"))
    services.flows[FLOW] = FlowSpec(FLOW, on_write_text)
    services.text_routes.append(("cycle_journal", route_journal))
    add_buttons(app, "jr", on_journal_button)
    services.ticks.append(("journal", tick))
