"""Answers to the stage questions: by replying to a prompt in the group, or in private one question at
a time (skip, back, resend to change). Edited messages update the stored answer; photos, documents and
voice notes are kept as evidence."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application

from domain.cycle.ops import clean_answer, split_numbered
from storage.models import Flow

from .. import live
from ..flows import FlowSpec
from ..keyboards import cb
from ..services import Services
from .common import Scope, join_markup, refuse
from .cycle_core import CARD, question_text

FLOW = "cycle_answer"


def _evidence(message: Any) -> tuple[str, str] | None:
    if message.photo:
        return "photo", message.photo[-1].file_id
    if message.document:
        return "document", message.document.file_id
    if message.voice:
        return "voice", message.voice.file_id
    return None


async def store_answer(scope: Scope, message: Any, stage_id: int, key: str | None, source: str,
                       body: str | None = None) -> str:
    """Check and store one answer (`body`, when given, instead of the message's text or caption). Returns what
    happened: not_member | closed | sticker | which (no question given) | empty | first | saved | clipped |
    evidence (the caller words the reply)."""
    services = scope.services
    repo = services.repos.cycle.cycles
    state = await repo.stage_state(stage_id)
    if state is None or scope.member is None or not scope.member.active \
            or scope.member.community_id != state[0]:
        return "not_member"
    if state[1] != "open":
        return "closed"
    if not await may_answer(scope, stage_id):
        return "other_group"
    if message.sticker:
        return "sticker"
    if key is None:
        return "which"
    now = services.now_ts()
    ev = _evidence(message)
    if ev is not None:
        raw = message.caption if body is None else body
        caption, _ = clean_answer(raw)
        await repo.add_evidence(stage_id, scope.user_id, key, ev[0], ev[1], raw, scope.chat_id,
                                message.message_id, now)
        first = await repo.save_answer(
            stage_id, scope.user_id, key, caption, source, scope.chat_id, message.message_id, now, keep_text=True)
        result = "evidence"
    else:
        text, clipped = clean_answer(message.text if body is None else body)
        if not text:
            return "empty"
        first = await repo.save_answer(
            stage_id, scope.user_id, key, text, source, scope.chat_id, message.message_id, now)
        result = "clipped" if clipped else "saved"
    if first:  # a new participant: the card's live count (edited now or owed, bot/live.py)
        await live.touch(services, scope.ctx.bot, "stage", stage_id)
    if first:
        return "first" if result == "saved" else result
    return result


async def may_answer(scope: Scope, stage_id: int) -> bool:
    """Only the group's members answer a cycle aimed at a working group (`/siklus mulai … kelompok <nama>`)."""
    groups = scope.services.feeds.groups
    return groups is None or await groups.stage_may_answer(stage_id, scope.user_id)


async def _open_stage_title(scope: Scope, stage_id: int) -> str | None:
    repo = scope.services.repos.cycle.cycles
    stage = await repo.stage(stage_id)
    if stage is None:
        return None
    now_open = next((s for s in await repo.stages(stage.cycle_id) if s.status == "open"), None)
    return now_open.stage if now_open else None


async def tell(scope: Scope, outcome: str, stage_id: int, *, edited: bool = False) -> None:
    """The friendly word after an answer attempt; a stored group answer just gets its 👍."""
    if outcome == "not_member":
        await refuse(scope, "errors/not_member", markup=join_markup(scope))
    elif outcome == "other_group":
        await refuse(scope, "groups/cycle_other_group")
    elif outcome == "closed":
        await scope.reply("cycle/stage/closed", open_stage=await _open_stage_title(scope, stage_id))
    elif outcome in ("sticker", "empty", "clipped"):
        await scope.reply(f"cycle/answer/{outcome}")
    elif outcome == "evidence":
        await scope.reply("cycle/answer/evidence")
    elif outcome == "which":
        stage = await scope.services.repos.cycle.cycles.stage(stage_id)
        await scope.reply("cycle/answer/which", n=len(stage.questions) if stage else 0)
    elif outcome in ("first", "saved") and scope.is_group and not edited:
        await scope.react()  # the receipt: a silent 👍 once the answer is durable (the header explains it)


async def route_answers(scope: Scope, message: Any) -> bool:
    """Text route: a reply to a stage card or an older stage's question prompt (new or edited), or an edit of an answer given in private."""
    edited = scope.update.edited_message is not None
    repo = scope.services.repos.cycle.cycles
    if scope.is_group:
        target = message.reply_to_message
        if target is None or target.from_user is None or target.from_user.id != scope.ctx.bot.id:
            return False
        prompt = await repo.prompt(scope.chat_id, target.message_id)
        if prompt is None:
            return False
        if prompt.question_key == CARD:
            key, body = await _card_question(scope, message, prompt.stage_id)
            outcome = await store_answer(scope, message, prompt.stage_id, key, "group", body)
        else:  # a stage opened before cards: one prompt per question
            outcome = await store_answer(scope, message, prompt.stage_id, prompt.question_key, "group")
        await tell(scope, outcome, prompt.stage_id, edited=edited)
        return True
    if edited and message.text:
        return await _private_edit(scope, message)
    return False


async def _card_question(scope: Scope, message: Any, stage_id: int) -> tuple[str | None, str | None]:
    """Which question a reply to a stage card answers, and the answer: "2. …" names it; without a number,
    the stage's only question, or the only one this member has not answered yet. (None, None): ask."""
    repo = scope.services.repos.cycle.cycles
    stage = await repo.stage(stage_id)
    if stage is None or not stage.questions:
        return None, None
    qs = stage.questions
    raw = message.text if message.text is not None else message.caption
    index, body = split_numbered(raw, len(qs))
    if index is not None:
        return qs[index]["key"], body
    if len(qs) == 1:
        return qs[0]["key"], None
    answered = {a.question_key for a in await repo.answers(stage_id, scope.user_id)}
    left = [q["key"] for q in qs if q["key"] not in answered]
    return (left[0], None) if len(left) == 1 else (None, None)


async def _private_edit(scope: Scope, message: Any) -> bool:
    text, clipped = clean_answer(message.text)
    if not text:
        return False
    repo = scope.services.repos.cycle.cycles
    before = await repo.update_answer_by_message(scope.chat_id, message.message_id, text, scope.services.now_ts())
    if before is None:
        return False
    stage = await repo.stage(before.stage_id)
    if stage is not None and stage.status != "open":
        await scope.reply("cycle/stage/closed", open_stage=await _open_stage_title(scope, stage.id))
        return True
    await scope.reply("cycle/answer/clipped" if clipped else "cycle/answer/updated")
    return True


# -- private, one question at a time --------------------------------------------------------------
async def begin_private(scope: Scope, stage_id: int, index: int | None) -> None:
    """Start (or move within) the private answering of a stage, after checking who and what."""
    services = scope.services
    stage = await services.repos.cycle.cycles.stage(stage_id)
    community = await services.repos.communities.get(stage.community_id) if stage else None
    if stage is None or community is None:
        await scope.reply("cycle/stage/unknown")
        return
    scope.community = community
    scope.member = await services.repos.members.get(community.id, scope.user_id)
    if scope.member is None or not scope.member.active:
        await refuse(scope, "errors/not_member", markup=join_markup(scope))
        return
    if stage.status != "open":
        await scope.reply("cycle/stage/closed", open_stage=await _open_stage_title(scope, stage.id))
        return
    if not await may_answer(scope, stage.id):
        await refuse(scope, "groups/cycle_other_group")
        return
    answers = {a.question_key: a for a in await services.repos.cycle.cycles.answers(stage.id, scope.user_id)}
    qs = stage.questions
    if index is None:  # from the deep link: the first question not yet answered
        index = next((i for i, q in enumerate(qs) if q["key"] not in answers), 0)
    index = max(0, min(index, len(qs)))
    await services.repos.users.set_current_community(scope.user_id, community.id, services.now_ts())
    if index >= len(qs):
        await finish(scope, stage.id)
        return
    await services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, "answer", {"stage": stage.id, "i": index},
                                     services.now_ts(), community_id=community.id)
    q = qs[index]
    current = answers.get(q["key"])
    buttons = []
    if index > 0:
        buttons.append(InlineKeyboardButton(scope.t("cycle.btn_back"), callback_data=cb("cy", "g", stage.id,
                                                                                         index - 1)))
    buttons.append(InlineKeyboardButton(scope.t("cycle.btn_skip"), callback_data=cb("cy", "g", stage.id, index + 1)))
    buttons.append(InlineKeyboardButton(scope.t("cycle.btn_done"), callback_data=cb("cy", "x", stage.id)))
    await scope.reply("cycle/answer/private_question", stage=stage, i=index + 1, n=len(qs),
                      text=question_text(q["key"], q["text"], community.locale, scope.locale),
                      current=current.text if current else None, markup=InlineKeyboardMarkup([buttons]))


async def finish(scope: Scope, stage_id: int) -> None:
    flow = await scope.services.repos.flows.get(scope.chat_id, scope.user_id)
    if flow is not None and flow.name == FLOW:
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    stage = await scope.services.repos.cycle.cycles.stage(stage_id)
    mine = await scope.services.repos.cycle.cycles.answers(stage_id, scope.user_id)
    await scope.reply("cycle/answer/private_done", answered=len(mine), n=len(stage.questions) if stage else 0)


async def on_flow_text(scope: Scope, flow: Flow, message: Any) -> None:
    if scope.update.edited_message is not None:
        if not (message.text and await _private_edit(scope, message)):
            await scope.reply("cycle/answer/updated_none")
        return
    stage_id, index = int(flow.data["stage"]), int(flow.data["i"])
    stage = await scope.services.repos.cycle.cycles.stage(stage_id)
    if stage is None or index >= len(stage.questions):
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
        await scope.reply("cycle/stage/unknown")
        return
    scope.member = await scope.services.repos.members.get(stage.community_id, scope.user_id)
    outcome = await store_answer(scope, message, stage_id, stage.questions[index]["key"], "private")
    if outcome in ("not_member", "closed", "other_group"):
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    if outcome in ("not_member", "closed", "other_group", "sticker", "empty", "clipped", "evidence"):
        await tell(scope, outcome, stage_id)
    if outcome in ("first", "saved", "clipped", "evidence"):
        await begin_private(scope, stage_id, index + 1)


async def on_nav_button(scope: Scope, parts: list[str]) -> None:
    if scope.is_group:
        await scope.answer("cycle.private_button", alert=True)
        return
    await scope.answer()
    stage_id = int(parts[2])
    if parts[1] == "x":
        await finish(scope, stage_id)
        return
    if len(parts) != 4 or not parts[3].isdigit():
        await scope.reply("cycle/stage/unknown")
        return
    await begin_private(scope, stage_id, int(parts[3]))


async def start_route(scope: Scope, rest: str) -> None:
    if not rest.isdigit():
        await scope.reply("cycle/stage/unknown")
        return
    await begin_private(scope, int(rest), None)


def register(app: Application, services: Services) -> None:
    services.flows[FLOW] = FlowSpec(FLOW, on_flow_text)
    services.text_routes.append(("cycle_answers", route_answers))
    services.start_routes["cy"] = start_route
