"""/goodpractice (/praktikbaik): a good-practice story in STAR form, written in private one part at a
time (either reading: Situation–Task–Action–Result or Situasi–Tantangan–Aksi–Refleksi), returned as a
PDF and as plain text ready for Ruang GTK (dulu PMM), as a Word document on request (one tap), and
optionally shared with the group."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.cycle_ops import clean_answer
from domain.star import READINGS, SLOTS, StarStory, star_docx, star_labels, star_pdf, star_text
from storage.cycle import GoodPractice
from storage.models import Community, Flow

from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, call, in_topic
from ..flows import FlowSpec
from ..keyboards import cb
from ..services import KContext, Services
from .common import Scope, build_scope, deep_link, handler, join_markup, refuse
from .cycle_core import render, store

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
        await scope.reply("cycle/star_go_private", markup=markup)
        return
    await begin(scope)


async def begin(scope: Scope) -> None:
    assert scope.community is not None
    await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, "reading", {},
                                           scope.services.now_ts(), community_id=scope.community.id)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(star_labels(r, scope.locale).reading_name,
                                                         callback_data=cb("gp", "r", r))] for r in READINGS])
    await scope.reply("cycle/star_intro", markup=markup)


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


async def ask(scope: Scope, reading: str, step: str) -> None:
    labels = star_labels(reading, scope.locale)
    if step == "title":
        await scope.reply("cycle/star_ask_title")
        return
    await scope.reply("cycle/star_ask_slot", n=STEPS.index(step), label=labels.slots[step],
                      prompt=labels.prompts[step])


async def on_text(scope: Scope, flow: Flow, message: Any) -> None:
    data = dict(flow.data)
    if flow.step == "reading" or "reading" not in data:
        await scope.reply("cycle/star_use_buttons")
        return
    text, clipped = clean_answer(message.text)
    if not text or message.sticker:
        await scope.reply("cycle/answer_empty")
        await ask(scope, data["reading"], flow.step)
        return
    limit = TITLE_MAX if flow.step == "title" else FIELD_MAX
    if len(text) > limit:
        text, clipped = text[:limit].rstrip(), True
    data[flow.step] = text
    if clipped:
        await scope.reply("cycle/star_clipped", limit=limit)
    nxt = STEPS.index(flow.step) + 1
    if nxt < len(STEPS):
        await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, STEPS[nxt], data,
                                               scope.services.now_ts(), community_id=flow.community_id)
        await ask(scope, data["reading"], STEPS[nxt])
        return
    await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    community = await scope.services.repos.communities.get(int(flow.community_id or 0))
    if community is None:
        await scope.reply("errors/no_community")
        return
    cycle = await store(scope.services).cycles.active(community.id)
    gp_id = await store(scope.services).gp.add(community.id, cycle.id if cycle else None, scope.user_id, data,
                                               scope.services.now_ts(), (scope.chat_id, message.message_id))
    gp = await store(scope.services).gp.get(gp_id)
    await deliver(scope, community, gp)  # type: ignore[arg-type]


def story(gp: GoodPractice, author: str, community: Community) -> StarStory:
    return StarStory(title=gp.title, author=author, school=community.schools or community.display_name,
                     situation=gp.situation, task=gp.task, action=gp.action, result=gp.result,
                     reading=gp.reading)  # type: ignore[arg-type]


async def _send_pdf(scope: Scope, chat_id: int, st: StarStory, caption: str, locale: str, gp_id: int,
                    group: Community | None = None) -> None:
    await _send_file(scope, chat_id, star_pdf(st, locale), _file_name(locale, gp_id, "pdf"), caption, group)


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
    st = story(gp, scope.user.full_name if scope.user else "", community)
    await _send_pdf(scope, scope.chat_id, st, scope.render("cycle/star_pdf_caption", title=gp.title),
                    scope.locale, gp.id)
    text = star_text(st, scope.locale)
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
        await scope.reply("cycle/star_text", body=chunk.strip(), last=last, markup=markup)


async def on_gp_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if scope.is_group or len(parts) != 3 or parts[1] not in ("r", "s", "w"):
        await scope.answer("errors.stale_button", alert=True)
        return
    if parts[1] == "r":
        flow = await scope.services.repos.flows.get(scope.chat_id, scope.user_id)
        if parts[2] not in READINGS or flow is None or flow.name != FLOW or flow.step != "reading":
            await scope.answer("errors.stale_button", alert=True)
            return
        await scope.answer()
        await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, "title", {"reading": parts[2]},
                                               scope.services.now_ts(), community_id=flow.community_id)
        await scope.edit("cycle/star_reading_chosen", name=star_labels(parts[2], scope.locale).reading_name)
        await ask(scope, parts[2], "title")
        return
    gp = await store(scope.services).gp.get(int(parts[2])) if parts[2].isdigit() else None
    if gp is None or gp.user_id != scope.user_id:
        await scope.answer("errors.stale_button", alert=True)
        return
    community = await scope.services.repos.communities.get(gp.community_id)
    if parts[1] == "w":  # the Word version, in this private chat
        if community is None:
            await scope.answer("errors.stale_button", alert=True)
            return
        await scope.answer()
        st = story(gp, scope.user.full_name if scope.user else "", community)
        await _send_file(scope, scope.chat_id, star_docx(st, scope.locale), _file_name(scope.locale, gp.id, "docx"),
                         scope.render("cycle/star_docx_caption", title=gp.title))
        return
    if community is None or not await store(scope.services).gp.mark_shared(gp.id, scope.services.now_ts()):
        await scope.answer("cycle.star_already_shared", alert=True)
        return
    await scope.answer("cycle.star_shared_alert")
    name = scope.user.full_name if scope.user else ""
    caption = render(scope.services, community, community.locale, "cycle/star_shared_group", name=name,
                     title=gp.title)
    await _send_pdf(scope, community.chat_id, story(gp, name, community), caption, community.locale, gp.id,
                    community)


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("goodpractice", "praktikbaik", cmd_goodpractice, audience="member"))
    services.flows[FLOW] = FlowSpec(FLOW, on_text)
    services.start_routes["gp"] = start_route
    add_buttons(app, "gp", on_gp_button)
