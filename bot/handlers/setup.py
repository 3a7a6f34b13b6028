"""/setup: a PIC describes the community step by step — name, type, school(s), time zone, working week,
language — with buttons where possible and typed replies otherwise. Each step is stored, so a restart
mid-way resumes where it was.

In a group with topics, the community's scheduled posts go to its home topic (`bot.delivery.home_thread`):
the topic where set-up was completed, or the one where a PIC types `/setup topic` (`/atur topik`);
`/setup topic general` (`/atur topik umum`) puts them back in General.

Optional, for the STAR write-up: `/setup level` (`/atur jenjang`) sets the school level and phase in one tap
(`domain.cycle.star.LEVELS`), `/setup subject <name>` (`/atur mapel Bahasa Indonesia`) the subject; both are kept in
the community's settings (`level`, `subject`)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.cycle.star import LEVELS, SUBJECT_MAX, level_facts
from storage.models import KINDS, Flow

from ..buttons import add_buttons
from ..commands import Command, CommandRegistry
from ..delivery import HOME_TOPIC, home_thread
from ..flows import FlowSpec
from ..keyboards import cb, kind_keyboard, language_keyboard, tz_keyboard, week_keyboard
from ..services import KContext
from ..settings import SUPPORTED_LOCALES, ZONES
from .common import Scope, build_scope, handler, refuse

FLOW = "setup"
NAME_MAX = 80
SCHOOLS_MAX = 300
STEPS = ("name", "kind", "schools", "tz", "week", "lang")
LABEL_TO_TZ = {label: tz for tz, label in ZONES.items()}
TOPIC_WORDS = ("topik", "topic")
GENERAL_WORDS = ("umum", "general", "utama", "reset")
LEVEL_WORDS = ("jenjang", "level", "fase", "phase", "kelas")
SUBJECT_WORDS = ("mapel", "subject")
CLEAR_WORDS = ("hapus", "clear", "kosongkan", "remove")


@handler(audience="pic", where="group")
async def cmd_setup(scope: Scope) -> None:
    assert scope.community is not None
    args = [a.lower() for a in (scope.ctx.args or [])]
    if args and args[0] in TOPIC_WORDS:
        await set_topic(scope, args[1:])
        return
    if args and args[0] in LEVEL_WORDS:
        await scope.reply("setup/level_pick", facts=level_facts(scope.community.settings),
                          markup=level_keyboard(scope))
        return
    if args and args[0] in SUBJECT_WORDS:
        await set_subject(scope, " ".join((scope.ctx.args or [])[1:]).strip())
        return
    data = {"thread": scope.thread} if scope.thread is not None else {}  # set-up done here: posts go here
    await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, "name", data,
                                           scope.services.now_ts(), community_id=scope.community.id)
    await ask_step(scope, "name")


async def set_topic(scope: Scope, args: list[str]) -> None:
    """`/setup topic` inside a topic: scheduled posts go there; `/setup topic general`: back to General."""
    c = scope.community
    assert c is not None and scope.message is not None
    if not scope.message.chat.is_forum:
        await scope.reply("setup/topic_no_topics")
        return
    now = scope.services.now_ts()
    if args and args[0] in GENERAL_WORDS:
        if home_thread(c) is not None:
            await scope.services.repos.communities.set_setting(c.id, HOME_TOPIC, None, now)
        await scope.reply("setup/topic_general")
        return
    if args or scope.thread is None:  # in General, or an unknown word: where posts go now, and how to move them
        await scope.reply("setup/topic_how", link=scope.topic_link(home_thread(c)))
        return
    if home_thread(c) != scope.thread:
        await scope.services.repos.communities.set_setting(c.id, HOME_TOPIC, scope.thread, now)
    await scope.reply("setup/topic_set")


def level_keyboard(scope: Scope) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(scope.t(f"level.{code}"), callback_data=cb("su", "lv", code)) for code in LEVELS]
    return InlineKeyboardMarkup([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


async def set_subject(scope: Scope, text: str) -> None:
    """`/setup subject <name>`: the subject the community works on (for the STAR write-up); `hapus` clears."""
    c = scope.community
    assert c is not None
    now = scope.services.now_ts()
    if not text:
        await scope.reply("setup/subject_how", facts=level_facts(c.settings))
        return
    if len(text) > SUBJECT_MAX:
        await scope.reply("setup/subject_long", limit=SUBJECT_MAX)
        return
    value = None if text.lower() in CLEAR_WORDS else " ".join(text.split())
    await scope.services.repos.communities.set_setting(c.id, "subject", value, now)
    await scope.reply("setup/subject_set", subject=value)


async def on_level_button(scope: Scope, code: str) -> None:
    """One tap: jenjang and fase (any PIC of the community, in its group; the message may be old)."""
    if not scope.is_group or scope.community is None:  # the buttons are only posted in the group
        await scope.answer("errors.stale_button", alert=True)
        return
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    if code not in LEVELS or scope.community is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    await scope.services.repos.communities.set_setting(scope.community.id, "level", code, scope.services.now_ts())
    await scope.answer()
    jenjang, fase = LEVELS[code]
    await scope.edit("setup/level_set", jenjang=jenjang, fase=fase)


async def ask_step(scope: Scope, step: str, **kw: Any) -> None:
    r, loc = scope.services.renderer, scope.locale
    if step in ("name", "schools"):
        prompt = await scope.ask(f"setup/ask_{step}", **kw)
        if prompt is not None:
            await scope.services.repos.flows.set_prompt(scope.chat_id, scope.user_id, prompt.message_id)
        return
    markup = {"kind": kind_keyboard, "tz": tz_keyboard, "week": week_keyboard}.get(step)
    keyboard = markup(r, loc) if markup else language_keyboard(r, loc, "su")
    await scope.reply(f"setup/ask_{step}", markup=keyboard, quote=scope.query is None, **kw)


async def on_setup_text(scope: Scope, flow: Flow, message: Any) -> None:
    text = (message.text or "").strip()
    if flow.step not in ("name", "schools"):
        await scope.reply("setup/use_buttons")
        await ask_step(scope, flow.step)
        return
    now = scope.services.now_ts()
    communities = scope.services.repos.communities
    if flow.step == "name":
        if len(text) < 2 or not any(ch.isalnum() for ch in text):
            await scope.reply("setup/bad_name_empty")
            await ask_step(scope, "name")
            return
        if len(text) > NAME_MAX:
            await scope.reply("setup/bad_name_long", max=NAME_MAX, length=len(text))
            await ask_step(scope, "name")
            return
        scope.community = await communities.update(flow.community_id, now, name=text)  # type: ignore[arg-type]
        await advance(scope, flow, "kind")
        return
    if len(text) > SCHOOLS_MAX:
        await scope.reply("setup/bad_schools_long", max=SCHOOLS_MAX)
        await ask_step(scope, "schools")
        return
    schools = None if text in ("", "-") else " ".join(text.split())
    scope.community = await communities.update(flow.community_id, now, schools=schools)  # type: ignore[arg-type]
    await advance(scope, flow, "tz")


async def advance(scope: Scope, flow: Flow, step: str) -> None:
    await scope.services.repos.flows.start(flow.chat_id, flow.user_id, FLOW, step, flow.data,
                                           scope.services.now_ts(), community_id=flow.community_id)
    await ask_step(scope, step)


async def on_setup_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) != 3:
        await scope.answer("errors.stale_button", alert=True)
        return
    _, field, value = parts
    if field == "lv":
        await on_level_button(scope, value)
        return
    repos = scope.services.repos
    flow = await repos.flows.get(scope.chat_id, scope.user_id)
    if flow is None or flow.name != FLOW:
        if not await scope.is_pic():
            await refuse(scope, "errors/not_pic")
        else:
            await scope.answer("setup.not_running", alert=True)
        return
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    if field != flow.step:
        await scope.answer("setup.other_step", alert=True)
        return
    now = scope.services.now_ts()
    cid = flow.community_id
    if field == "kind" and value in KINDS:
        scope.community = await repos.communities.update(cid, now, kind=value)  # type: ignore[arg-type]
        nxt = "schools"
    elif field == "tz" and value in LABEL_TO_TZ:
        scope.community = await repos.communities.update(cid, now, tz=LABEL_TO_TZ[value])  # type: ignore[arg-type]
        nxt = "week"
    elif field == "week" and value in ("5", "6"):
        scope.community = await repos.communities.update(cid, now, work_days=int(value))  # type: ignore[arg-type]
        nxt = "lang"
    elif field == "lang" and value in SUPPORTED_LOCALES:
        scope.community = await repos.communities.update(cid, now, locale=value,  # type: ignore[arg-type]
                                                         setup_done=1)
        scope.locale = value
        thread = flow.data.get("thread") or scope.thread
        if thread is not None and home_thread(scope.community) != thread:  # completed in a topic: posts go here
            await repos.communities.set_setting(cid, HOME_TOPIC, int(thread), now)  # type: ignore[arg-type]
        await repos.flows.end(flow.chat_id, flow.user_id)
        await scope.answer()
        await scope.edit("setup/chosen", field=field, value=scope.t(f"lang.{value}"))
        in_general = bool(scope.message is not None and scope.message.chat.is_forum and thread is None
                          and home_thread(scope.community) is None)  # a hint: posts could go to a topic
        await scope.reply("setup/done", quote=False, topic=thread is not None, forum=in_general)
        return
    else:
        await scope.answer("errors.stale_button", alert=True)
        return
    await scope.answer()
    shown = scope.t(f"{'tz' if field == 'tz' else field}.{value}")
    await scope.edit("setup/chosen", field=field, value=shown)
    await advance(scope, flow, nxt)


def register(app: Application, registry: CommandRegistry, flows: dict[str, FlowSpec]) -> None:
    registry.add(Command("setup", "atur", cmd_setup, audience="pic", private=False))
    flows[FLOW] = FlowSpec(FLOW, on_setup_text)
    add_buttons(app, "su", on_setup_button)
