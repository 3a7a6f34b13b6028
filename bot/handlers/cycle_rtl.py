"""/rtl: follow-up plans (rencana tindak lanjut) — what, who, by when, how measured. Added in one line
or, in private, step by step; the owner is reminded in private before the due date and marks the item
done / not done with a note; the evaluation stage lists every open item."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application

from domain.cycle.ops import Person, local_date, match_owner, to_ts
from domain.cycle.rtl import RtlError, due_reminder_at, parse_due, parse_rtl_line
from storage.cycle_rtl import RtlItem
from storage.models import Flow

from .. import quiet
from ..buttons import add_buttons
from ..commands import Command
from ..flows import FlowSpec
from ..outbox import Outgoing, send_once
from ..render import local
from ..services import KContext, Services, render
from .common import Scope, build_scope, handler, refuse, school_calendar
from .cycle_core import dated_items, rtl_list_markup, user_locale

if TYPE_CHECKING:
    from telegram.ext import ExtBot

ADD = ("tambah", "add")
DONE = ("selesai", "done")
NOT_DONE = ("belum", "notdone", "gagal")
FLOW_ADD, FLOW_NOTE = "rtl_add", "rtl_note"
NOTE_MAX = 500
ADD_STEPS = ("what", "who", "due", "measure")


@handler(audience="member")
async def cmd_rtl(scope: Scope) -> None:
    args = scope.ctx.args or []
    sub = args[0].lower() if args else ""
    if sub in ADD:
        await add(scope, " ".join(args[1:]))
    elif sub in DONE or sub in NOT_DONE:
        await mark_typed(scope, "done" if sub in DONE else "not_done", args[1:])
    elif sub:
        await scope.reply("cycle/rtl/usage")
    else:
        await show(scope)


async def show(scope: Scope) -> None:
    assert scope.community is not None
    items = await scope.services.repos.cycle.rtl.list(scope.community.id)
    today = local_date(scope.services.now_ts(), scope.community.tz)
    open_items = [i for i in items if i.status == "open"]
    closed = [i for i in items if i.status != "open"][-5:]
    await scope.reply("cycle/rtl/list", open_items=dated_items(open_items, today), closed=dated_items(closed, today))


async def _people(scope: Scope) -> list[Person]:
    assert scope.community is not None
    out = []
    for m in await scope.services.repos.members.list(scope.community.id):
        u = await scope.services.repos.users.get(m.user_id)
        if u is not None:
            out.append(Person(u.id, u.first_name, u.full_name, u.username))
    return out


async def add(scope: Scope, line: str) -> None:
    assert scope.community is not None and scope.message is not None
    if not line.strip() and not scope.is_group:
        await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW_ADD, "what", {},
                                               scope.services.now_ts(), community_id=scope.community.id)
        await scope.reply("cycle/rtl/ask_what")
        return
    today = local_date(scope.services.now_ts(), scope.community.tz)
    try:
        spec = parse_rtl_line(line, today=today, locale=scope.locale)
    except RtlError as exc:
        await scope.reply("cycle/rtl/bad", code=exc.code)
        return
    owner = None
    who = spec.who
    target = scope.message.reply_to_message
    if target is not None and target.from_user and not target.from_user.is_bot:
        tu = target.from_user
        await scope.services.repos.users.upsert(tu.id, tu.first_name, tu.last_name, tu.username, tu.language_code,
                                                scope.services.now_ts())
        owner, who = tu.id, who or tu.full_name
    else:
        owner = match_owner(who, await _people(scope), scope.user_id)
    await create(scope, {"what": spec.what, "who": who, "due": spec.due.isoformat(), "measure": spec.measure},
                 owner)


async def create(scope: Scope, data: dict[str, Any], owner: int | None) -> None:
    assert scope.community is not None and scope.message is not None
    services, community = scope.services, scope.community
    now = services.now_ts()
    cycle = await services.repos.cycle.cycles.active(community.id)
    due = date.fromisoformat(data["due"])
    calendar = await school_calendar(services, community)
    remind_at = to_ts(due_reminder_at(due, community.tz, is_school_day=calendar.is_school_day,
                                      after=services.clock.now()))
    st = services.repos.cycle.rtl
    item_id = await st.add(community.id, cycle.id if cycle else None, data["what"], data["who"], owner, data["due"],
                           data["measure"], scope.user_id, now, remind_at, (scope.chat_id, scope.message.message_id))
    item = await st.get(item_id)
    reminded = await services.repos.users.get(owner or scope.user_id)
    await scope.reply("cycle/rtl/added", item=item, due=due, owner=reminded, remind=local(remind_at, community.tz))


async def on_add_text(scope: Scope, flow: Flow, message: Any) -> None:
    text = " ".join((message.text or "").split())
    data = dict(flow.data)
    step = flow.step
    community = await scope.services.repos.communities.get(flow.community_id) if flow.community_id else None
    if community is None or not text:
        await scope.reply("cycle/rtl/ask_" + step)
        return
    scope.community = community
    if step == "due":
        try:
            parse_due(text, today=local_date(scope.services.now_ts(), community.tz), locale=scope.locale)
        except RtlError as exc:
            await scope.reply("cycle/rtl/bad", code=exc.code)
            await scope.reply("cycle/rtl/ask_due")
            return
    limit = 300 if step == "what" else 200
    if len(text) > limit:
        await scope.reply("cycle/rtl/bad", code="too_long")
        await scope.reply("cycle/rtl/ask_" + step)
        return
    data[step] = None if text == "-" and step in ("who", "measure") else text
    nxt = ADD_STEPS.index(step) + 1
    if nxt < len(ADD_STEPS):
        await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW_ADD, ADD_STEPS[nxt], data,
                                               scope.services.now_ts(), community_id=community.id)
        await scope.reply("cycle/rtl/ask_" + ADD_STEPS[nxt])
        return
    await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    due = parse_due(data["due"], today=local_date(scope.services.now_ts(), community.tz))
    data["due"] = due.isoformat()
    scope.member = await scope.services.repos.members.get(community.id, scope.user_id)
    await create(scope, data, match_owner(data.get("who"), await _people(scope), scope.user_id))


# -- done / not done ------------------------------------------------------------------------------
async def _may_mark(scope: Scope, item: RtlItem) -> bool:
    if scope.user_id in (item.owner_user_id, item.created_by):
        return True
    community = await scope.services.repos.communities.get(item.community_id)
    if community is None:
        return False
    scope.community = community
    scope.member = await scope.services.repos.members.get(community.id, scope.user_id)
    return await scope.is_pic()


async def mark_typed(scope: Scope, status: str, args: list[str]) -> None:
    assert scope.community is not None
    num = args[0].lstrip("#") if args else ""
    item = await scope.services.repos.cycle.rtl.get(int(num)) if num.isdigit() else None
    if item is None or item.community_id != scope.community.id:
        await scope.reply("cycle/rtl/unknown_item", num=num)
        return
    if not await _may_mark(scope, item):
        await refuse(scope, "cycle/rtl/not_yours")
        return
    st = scope.services.repos.cycle.rtl
    await st.set_status(item.id, status, scope.services.now_ts())
    note = " ".join(args[1:])[:NOTE_MAX] or None
    if note:
        await st.set_note(item.id, note)
    await scope.reply("cycle/rtl/marked", item=await st.get(item.id))


async def on_rtl_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) != 3 or parts[1] not in ("d", "n") or not parts[2].isdigit():
        await scope.answer("errors.stale_button", alert=True)
        return
    st = scope.services.repos.cycle.rtl
    item = await st.get(int(parts[2]))
    if item is None or (scope.is_group and (scope.community is None or scope.community.id != item.community_id)):
        await scope.answer("errors.stale_button", alert=True)
        return
    if not await _may_mark(scope, item):
        await scope.answer("cycle.rtl_not_yours_alert", alert=True)
        return
    status = "done" if parts[1] == "d" else "not_done"
    await st.set_status(item.id, status, scope.services.now_ts())
    await scope.answer("cycle.rtl_marked_alert", id=item.id)
    if scope.is_group:
        community = await scope.services.repos.communities.get(item.community_id)
        items = await st.list(item.community_id, status="open")
        today = local_date(scope.services.now_ts(), community.tz)  # type: ignore[union-attr]
        await scope.edit("cycle/rtl/open_items", items=dated_items(items, today),
                         markup=rtl_list_markup(scope.services.renderer, scope.locale, items))
        return
    await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW_NOTE, "note", {"item": item.id},
                                           scope.services.now_ts(), community_id=item.community_id)
    await scope.edit("cycle/rtl/marked", item=await st.get(item.id))
    await scope.reply("cycle/rtl/ask_note")


async def on_note_text(scope: Scope, flow: Flow, message: Any) -> None:
    text = " ".join((message.text or "").split())
    await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    if text and text != "-":
        await scope.services.repos.cycle.rtl.set_note(int(flow.data["item"]), text[:NOTE_MAX])
        await scope.reply("cycle/rtl/note_saved")
        return
    await scope.reply("cycle/rtl/note_skipped")


# -- the scheduler and the evaluation stage ---------------------------------------------------------
async def tick(services: Services, bot: ExtBot, now_dt: Any) -> None:
    st = services.repos.cycle.rtl
    for item in await st.due_reminders(to_ts(now_dt)):
        community = await services.repos.communities.get(item.community_id)
        user = await services.repos.users.get(item.remind_user_id)
        sent: object = True
        if community is not None and user is not None and user.reachable:
            at = await quiet.send_at(services, community, now_dt, private=True)
            if at != now_dt and at is not None and local_date(to_ts(at), community.tz) <= date.fromisoformat(item.due):
                continue  # a meeting, the night or a day off: the next pass asks again
            if at != now_dt:  # only after the due date: stale, dropped
                await st.mark_reminded(item.id)
                continue
            loc = user_locale(services, user, community)
            text = render(services, community, loc, "cycle/rtl/reminder", item=item, due=date.fromisoformat(item.due))
            markup = rtl_list_markup(services.renderer, loc, [item])
            sent = await send_once(services, bot, f"rt:r:{item.id}", user.id, Outgoing(text, markup))
        if sent is not None:  # failed for now (timeout, network): the next pass tries again
            await st.mark_reminded(item.id)


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("rtl", "rtl", cmd_rtl, audience="member"))
    services.flows[FLOW_ADD] = FlowSpec(FLOW_ADD, on_add_text)
    services.flows[FLOW_NOTE] = FlowSpec(FLOW_NOTE, on_note_text)
    add_buttons(app, "rt", on_rtl_button)
    services.ticks.append(("rtl", tick))
