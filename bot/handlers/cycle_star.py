"""/goodpractice (/praktikbaik): a good-practice story in STAR form, written in private one part at a
time (either reading: Situation–Task–Action–Result or Situasi–Tantangan–Aksi–Refleksi), returned as a
PDF and as plain text ready for Ruang GTK (dulu PMM), as a Word document on request (one tap), and
optionally shared with the group."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.cycle.core import CycleError, parse_target, target_met
from domain.cycle.ops import clean_answer
from domain.cycle.star import (
    READINGS,
    SLOTS,
    StarStory,
    fit_draft,
    level_facts,
    star_docx,
    star_labels,
    star_pdf,
    star_text,
)
from storage.cycle_star import GoodPractice
from storage.models import Community, Flow

from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, call, in_topic
from ..flows import FlowSpec
from ..keyboards import cb
from ..render import cycle_texts
from ..services import KContext, Services, render
from .common import Scope, build_scope, deep_link, handler, join_markup, refuse

log = logging.getLogger(__name__)
FLOW = "star"
STEPS = ("title", *SLOTS)
TITLE_MAX = 150
FIELD_MAX = 2000
CHUNK = 3500


@handler(audience="member")
async def cmd_goodpractice(scope: Scope) -> None:
    assert scope.community is not None
    if scope.is_group:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(scope.t("cycle.btn_write_private"), url=deep_link(
            scope.services.bot_username, f"gp_{scope.community.id}"))]]) if scope.services.bot_username else None
        await scope.reply("cycle/star/go_private", markup=markup)
        return
    await begin(scope)


DRAFT_KEYS = {  # which cycle answers feed which slot of the draft
    "situation": ("refl.data", "refl.behind", "refl.causes"),
    "task": ("refl.priority", "refl.target"),
    "action": ("plan.strategy", "plan.model", "impl.adjust", "impl.observed"),
    "result": ("eval.result", "eval.worked", "eval.learned"),
}


async def draft(services: Services, community: Community, user_id: int, locale: str) -> dict[str, str]:
    """A prefilled write-up from the community's running or last cycle (empty without a cycle): its facts
    (community, school, dates, topic, target, measured result, RTL) and its answers, the writer's own first."""
    st = services.repos.cycle
    cycle = await st.cycles.active(community.id) or await st.cycles.latest(community.id)
    if cycle is None:
        return {}
    tz = ZoneInfo(community.tz)
    answers = await st.cycles.cycle_answers(cycle.id)
    by_slot = {slot: [text for _own in (True, False) for key in keys for k, uid, text in answers
                      if k == key and (uid == user_id) == _own] for slot, keys in DRAFT_KEYS.items()}
    try:
        target = parse_target(cycle.target_raw)
    except CycleError:
        target = None
    rtl = [i.what for i in await st.rtl.of_cycle(cycle.id)][:3]
    facts = {"cycle": cycle, "rtl": rtl, "level": level_facts(community.settings), "before": cycle.result_before, "after": cycle.result_after,
             "unit": target.unit if target else None,
             "met": target_met(target, cycle.result_after) if target and cycle.result_after is not None else None,
             "started": datetime.fromtimestamp(cycle.started_at, tz),
             "ended": datetime.fromtimestamp(cycle.ended_at, tz) if cycle.ended_at else None}
    heads = {slot: " ".join(render(services, community, locale, "cycle/star/draft", slot=slot, **facts).split())
             for slot in SLOTS}
    return {"title": cycle.topic[:TITLE_MAX], **fit_draft(heads, by_slot)}


async def begin(scope: Scope) -> None:
    assert scope.community is not None
    prefill = await draft(scope.services, scope.community, scope.user_id, scope.locale)
    await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, "reading", {"draft": prefill},
                                           scope.services.now_ts(), community_id=scope.community.id)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(star_labels(r, cycle_texts(scope.locale)).reading_name,
                                                         callback_data=cb("gp", "r", r))] for r in READINGS])
    await scope.reply("cycle/star/intro", markup=markup)


async def start_route(scope: Scope, rest: str) -> None:
    community = await scope.services.repos.communities.get(int(rest)) if rest.isdigit() else None
    if community is None:
        await scope.reply("errors/unknown_community")
        return
    scope.community = community
    scope.member = await scope.services.repos.members.get(community.id, scope.user_id)
    if scope.member is None or not scope.member.active:
        await refuse(scope, "errors/not_member", markup=join_markup(scope))
        return
    await scope.services.repos.users.set_current_community(scope.user_id, community.id, scope.services.now_ts())
    await begin(scope)


async def ask(scope: Scope, reading: str, step: str, prefill: dict[str, str] | None = None) -> None:
    """Ask for one part; with a draft from the cycle, show it and offer to use it (typing replaces it)."""
    labels = star_labels(reading, cycle_texts(scope.locale))
    text = (prefill or {}).get(step) or None
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(scope.t("cycle.btn_use_draft"),
                                                         callback_data=cb("gp", "d", step))]]) if text else None
    if step == "title":
        await scope.reply("cycle/star/ask_title", draft=text, markup=markup)
        return
    await scope.reply("cycle/star/ask_slot", n=STEPS.index(step), label=labels.slots[step],
                      prompt=labels.prompts[step], draft=text, markup=markup)


async def on_text(scope: Scope, flow: Flow, message: Any) -> None:
    data = dict(flow.data)
    if flow.step == "reading" or "reading" not in data:
        await scope.reply("cycle/star/use_buttons")
        return
    text, clipped = clean_answer(message.text)
    if not text or message.sticker:
        await scope.reply("cycle/answer/empty")
        await ask(scope, data["reading"], flow.step, data.get("draft"))
        return
    await store_step(scope, flow, text, clipped, message.message_id)


async def store_step(scope: Scope, flow: Flow, text: str, clipped: bool, origin_id: int) -> None:
    """Keep this part (typed, or the draft accepted) and ask the next; after the last, save and deliver."""
    data = dict(flow.data)
    limit = TITLE_MAX if flow.step == "title" else FIELD_MAX
    if len(text) > limit:
        text, clipped = text[:limit].rstrip(), True
    data[flow.step] = text
    if clipped:
        await scope.reply("cycle/star/clipped", limit=limit)
    nxt = STEPS.index(flow.step) + 1
    if nxt < len(STEPS):
        await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, STEPS[nxt], data,
                                               scope.services.now_ts(), community_id=flow.community_id)
        await ask(scope, data["reading"], STEPS[nxt], data.get("draft"))
        return
    await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    community = await scope.services.repos.communities.get(int(flow.community_id or 0))
    if community is None:
        await scope.reply("errors/no_community")
        return
    cycle = await scope.services.repos.cycle.cycles.active(community.id)
    data.pop("draft", None)
    gp_id = await scope.services.repos.cycle.gp.add(community.id, cycle.id if cycle else None, scope.user_id, data,
                                                    scope.services.now_ts(), (scope.chat_id, origin_id))
    gp = await scope.services.repos.cycle.gp.get(gp_id)
    await deliver(scope, community, gp)  # type: ignore[arg-type]


def story(gp: GoodPractice, author: str, community: Community, photos: tuple[bytes, ...] = ()) -> StarStory:
    return StarStory(title=gp.title, author=author, school=community.schools or community.display_name,
                     situation=gp.situation, task=gp.task, action=gp.action, result=gp.result,
                     reading=gp.reading, photos=photos)  # type: ignore[arg-type]


async def photos_of(scope: Scope, gp: GoodPractice) -> tuple[bytes, ...]:
    """The evidence photos the cycle already holds (up to 4), downloaded from Telegram; one that fails is
    left out."""
    if gp.cycle_id is None:
        return ()
    out = []
    for file_id in await scope.services.repos.cycle.cycles.cycle_photos(gp.cycle_id):
        try:
            f = await scope.ctx.bot.get_file(file_id)
            out.append(bytes(await f.download_as_bytearray()))
        except Exception:  # noqa: BLE001 - network, expired file: the write-up goes out without it
            log.warning("evidence photo not downloaded for good practice %s", gp.id)
    return tuple(out)


async def _send_pdf(scope: Scope, chat_id: int, st: StarStory, caption: str, locale: str, gp_id: int,
                    group: Community | None = None) -> None:
    await _send_file(scope, chat_id, star_pdf(st, cycle_texts(locale)), _file_name(locale, gp_id, "pdf"), caption, group)


def _file_name(locale: str, gp_id: int, ext: str) -> str:
    return f"praktik-baik-{gp_id}.{ext}" if locale == "id" else f"good-practice-{gp_id}.{ext}"


async def _send_file(scope: Scope, chat_id: int, data: bytes, name: str, caption: str,
                     group: Community | None = None) -> None:
    """To this chat, or with `group` to that community's group (in its home topic)."""
    try:
        await call(scope.services, chat_id, in_topic(scope.services, group, lambda cid, thread: (
            scope.ctx.bot.send_document(cid, document=data, filename=name, caption=caption,
                                        message_thread_id=thread))))
    except SendFailed:
        pass


async def deliver(scope: Scope, community: Community, gp: GoodPractice) -> None:
    st = story(gp, scope.user.full_name if scope.user else "", community, await photos_of(scope, gp))
    await _send_pdf(scope, scope.chat_id, st, scope.render("cycle/star/pdf_caption", title=gp.title),
                    scope.locale, gp.id)
    text = star_text(st, cycle_texts(scope.locale))
    chunks, cur = [], ""
    for line in text.splitlines(keepends=True):
        if len(cur) + len(line) > CHUNK and cur:
            chunks.append(cur)
            cur = ""
        cur += line[:CHUNK]
    chunks.append(cur)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        markup = InlineKeyboardMarkup([
            [InlineKeyboardButton(scope.t("cycle.btn_docx"), callback_data=cb("gp", "w", gp.id))],
            [InlineKeyboardButton(scope.t("cycle.btn_share_group"), callback_data=cb("gp", "s", gp.id))],
        ]) if last else None
        await scope.reply("cycle/star/text", body=chunk.strip(), last=last, markup=markup)


async def on_gp_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if scope.is_group or len(parts) != 3 or parts[1] not in ("r", "s", "w", "d"):
        await scope.answer("errors.stale_button", alert=True)
        return
    if parts[1] == "r":
        flow = await scope.services.repos.flows.get(scope.chat_id, scope.user_id)
        if parts[2] not in READINGS or flow is None or flow.name != FLOW or flow.step != "reading":
            await scope.answer("errors.stale_button", alert=True)
            return
        await scope.answer()
        prefill = (flow.data or {}).get("draft") or {}
        await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, "title",
                                               {"reading": parts[2], "draft": prefill}, scope.services.now_ts(),
                                               community_id=flow.community_id)
        await scope.edit("cycle/star/reading_chosen", name=star_labels(parts[2], cycle_texts(scope.locale)).reading_name)
        await ask(scope, parts[2], "title", prefill)
        return
    if parts[1] == "d":  # the draft of this part, accepted as it is
        flow = await scope.services.repos.flows.get(scope.chat_id, scope.user_id)
        text = ((flow.data or {}).get("draft") or {}).get(parts[2]) if flow is not None else None
        if flow is None or flow.name != FLOW or flow.step != parts[2] or not text:
            await scope.answer("errors.stale_button", alert=True)
            return
        await scope.answer()
        await store_step(scope, flow, text, False, scope.query.message.message_id)  # type: ignore[union-attr]
        return
    gp = await scope.services.repos.cycle.gp.get(int(parts[2])) if parts[2].isdigit() else None
    if gp is None or gp.user_id != scope.user_id:
        await scope.answer("errors.stale_button", alert=True)
        return
    community = await scope.services.repos.communities.get(gp.community_id)
    if parts[1] == "w":  # the Word version, in this private chat
        if community is None:
            await scope.answer("errors.stale_button", alert=True)
            return
        await scope.answer()
        st = story(gp, scope.user.full_name if scope.user else "", community, await photos_of(scope, gp))
        await _send_file(scope, scope.chat_id, star_docx(st, cycle_texts(scope.locale)), _file_name(scope.locale, gp.id, "docx"),
                         scope.render("cycle/star/docx_caption", title=gp.title))
        return
    if community is None or not await scope.services.repos.cycle.gp.mark_shared(gp.id, scope.services.now_ts()):
        await scope.answer("cycle.star_already_shared", alert=True)
        return
    await scope.answer("cycle.star_shared_alert")
    name = scope.user.full_name if scope.user else ""
    caption = render(scope.services, community, community.locale, "cycle/star/shared_group", name=name,
                     title=gp.title)
    await _send_pdf(scope, community.chat_id, story(gp, name, community, await photos_of(scope, gp)), caption,
                    community.locale, gp.id, community)


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("goodpractice", "praktikbaik", cmd_goodpractice, audience="member"))
    services.flows[FLOW] = FlowSpec(FLOW, on_text)
    services.start_routes["gp"] = start_route
    add_buttons(app, "gp", on_gp_button)
