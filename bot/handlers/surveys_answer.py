"""Answering surveys: one tap per item in private, one item at a time (deep link `sv_<survey>` from the
card; `sv:<survey>:<item>:<option>`), a one-item check on the card in the group (and the item messages of
surveys posted before cards), open answers typed in private or by replying to the card of a one-item check. Every tap is an upsert per (survey, member, item); callback data is untrusted."""

from __future__ import annotations

from typing import Any

from telegram import Update

from domain.surveys.core import likert_labels
from storage.models import Flow
from storage.surveys import Survey

from .. import live
from ..keyboards import role_keyboard
from ..render import survey_texts
from ..services import KContext
from .common import Scope, build_scope, refuse
from .surveys_post import header_markup, item_markup

FLOW = "survey_text"
TEXT_MAX = 1000


def parse_data(data: str) -> tuple[int, int, str] | None:
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != "sv" or not all(p.isascii() and p.isdigit() for p in parts[1:3]):
        return None
    if not ((parts[3].isascii() and parts[3].isdigit()) or parts[3] == "s") or len(parts[1]) > 12 \
            or len(parts[2]) > 3 or len(parts[3]) > 2:
        return None
    return int(parts[1]), int(parts[2]), parts[3]


def valid_option(survey: Survey, idx: int, opt: str, *, private: bool) -> bool:
    item = survey.items[idx]
    if opt == "s":
        return item.kind == "text" and private
    v = int(opt)
    if item.kind == "likert":
        return 1 <= v <= 5
    if item.kind in ("choice", "mcq"):
        return 0 <= v < len(item.options)
    return False


def answer_label(survey: Survey, idx: int, value: int | str | None) -> str | None:
    if value is None:
        return None
    item = survey.items[idx]
    if item.kind == "likert" and isinstance(value, int):
        return f"{value} — {likert_labels(survey_texts(survey.locale)).label(value)}"
    if item.kind in ("choice", "mcq") and isinstance(value, int):
        return item.options[value]
    return str(value)


async def on_survey_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parsed = parse_data(scope.query.data or "")  # type: ignore[union-attr]
    if parsed is None or scope.user is None:
        await scope.answer("sv.forged_alert", alert=True)
        return
    sid, idx, opt = parsed
    survey = await scope.services.repos.surveys.get(sid)
    if (survey is None or (scope.is_group and survey.chat_id != scope.chat_id) or idx >= len(survey.items)
            or not valid_option(survey, idx, opt, private=not scope.is_group)):
        await scope.answer("sv.forged_alert", alert=True)
        return
    if not survey.is_open:
        await scope.answer("sv.closed_alert", alert=True)
        return
    same = scope.community is not None and scope.community.id == survey.community_id  # a tap in its group
    member = scope.member if same else await scope.services.repos.members.get(survey.community_id, scope.user_id)
    if member is None or not member.active:
        await scope.answer("sv.not_member_alert", alert=True)
        return
    if await outside_group(scope, survey):
        await scope.answer("groups.survey_other_group", alert=True)
        return
    if not same:
        scope.community = await scope.services.repos.communities.get(survey.community_id)
    if opt == "s":  # skipping an open question in private
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
        await scope.answer("sv.skipped_alert")
        await show_next(scope, survey, idx + 1, edit=True)
        return
    status = await scope.services.repos.surveys.answer(sid, scope.user_id, idx, value_int=int(opt), role=member.role,
                                                       now=scope.services.now_ts())
    if status == "closed":
        await scope.answer("sv.closed_alert", alert=True)
        return
    await scope.answer(f"sv.{status}_alert", answer=answer_label(survey, idx, int(opt)))
    await count_changed(scope, survey, status)
    if not scope.is_group:
        await show_next(scope, survey, idx + 1, edit=True)


async def count_changed(scope: Scope, before: Survey, status: str) -> None:
    """After a stored answer: a new respondent changes the card's live count (edited now or owed, bot/live.py);
    another item of someone already counted does not."""
    if status != "new":
        return
    now = await scope.services.repos.surveys.get(before.id)
    if now is not None and now.respondents != before.respondents:
        await live.touch(scope.services, scope.ctx.bot, "survey", before.id)


async def outside_group(scope: Scope, survey: Survey) -> bool:
    """A survey aimed at a working group (`/survei … kelompok <name>`) and a person not in it."""
    groups = scope.services.feeds.groups
    return groups is not None and not await groups.survey_may_answer(survey.id, scope.user_id)


# -- private: one item at a time ------------------------------------------------------------------
async def open_in_private(scope: Scope, payload: str) -> None:
    """/start sv_<id>: the survey one item at a time, from the first one not answered yet."""
    ok = payload.isascii() and payload.isdigit() and len(payload) <= 12
    survey = await scope.services.repos.surveys.get(int(payload)) if ok else None
    if survey is None:
        await scope.reply("surveys/not_found", number=payload[:12])
        return
    community = await scope.services.repos.communities.get(survey.community_id)
    scope.community = community
    member = await scope.services.repos.members.get(survey.community_id, scope.user_id)
    if member is None or not member.active:
        await scope.reply("surveys/answer/private_not_member", markup=role_keyboard(
            scope.services.renderer, scope.locale, survey.community_id))
        return
    if not survey.is_open:
        await scope.reply("surveys/answer/private_closed", survey=survey)
        return
    if await outside_group(scope, survey):
        await scope.reply("groups/survey_other_group")
        return
    await scope.services.repos.users.set_current_community(scope.user_id, survey.community_id,
                                                           scope.services.now_ts())
    mine = await scope.services.repos.surveys.answers_of(survey.id, scope.user_id)
    first = next((i for i in range(len(survey.items)) if i not in mine), 0)
    await show_next(scope, survey, first, edit=False)


async def show_next(scope: Scope, survey: Survey, idx: int, *, edit: bool) -> None:
    services = scope.services
    if idx >= len(survey.items):
        await services.repos.flows.end(scope.chat_id, scope.user_id)
        mine = await services.repos.surveys.answers_of(survey.id, scope.user_id)
        if edit:
            await scope.edit("surveys/answer/private_done", survey=survey, answered=len(mine))
        else:
            await scope.reply("surveys/answer/private_done", survey=survey, answered=len(mine))
        return
    item = survey.items[idx]
    mine = await services.repos.surveys.answers_of(survey.id, scope.user_id)
    current = answer_label(survey, idx, mine[idx].value) if idx in mine else None
    kw: dict[str, Any] = {"survey": survey, "item": item, "number": idx + 1, "total": len(survey.items),
                          "private": True, "current": current}
    markup = item_markup(services, survey, idx, scope.locale, private=True)
    if edit:
        await scope.edit("surveys/answer/item", markup=markup, **kw)
    else:
        await scope.reply("surveys/answer/item", markup=markup, **kw)
    if item.kind == "text":
        await services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, "text", {"sid": survey.id, "idx": idx},
                                         services.now_ts(), community_id=survey.community_id)


async def on_flow_text(scope: Scope, flow: Flow, message: Any) -> None:
    """A typed answer to an open question, in private."""
    survey = await scope.services.repos.surveys.get(int(flow.data.get("sid", 0)))
    idx = int(flow.data.get("idx", -1))
    if survey is None or not 0 <= idx < len(survey.items):
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
        await scope.reply("surveys/not_found", number=str(flow.data.get("sid", "")))
        return
    scope.community = await scope.services.repos.communities.get(survey.community_id)
    if await save_text(scope, survey, idx, message):
        await show_next(scope, survey, idx + 1, edit=False)


async def save_text(scope: Scope, survey: Survey, idx: int, message: Any) -> bool:
    text = (message.text or "").strip()
    if not text:
        await scope.reply("surveys/answer/text_needed")
        return False
    if len(text) > TEXT_MAX:
        await scope.reply("surveys/answer/text_too_long", max=TEXT_MAX, length=len(text))
        return False
    member = await scope.services.repos.members.get(survey.community_id, scope.user_id)
    if member is None or not member.active:
        await refuse(scope, "errors/not_member", markup=role_keyboard(
            scope.services.renderer, scope.locale, None if scope.is_group else survey.community_id))
        return False
    if await outside_group(scope, survey):
        await scope.reply("groups/survey_other_group")
        return False
    status = await scope.services.repos.surveys.answer(survey.id, scope.user_id, idx, value_text=text,
                                                       role=member.role, now=scope.services.now_ts())
    if status == "closed":
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
        await scope.reply("surveys/answer/private_closed", survey=survey)
        return False
    await scope.reply("surveys/answer/text_saved", changed=status == "changed")
    await count_changed(scope, survey, status)
    return True


async def route_group_reply(scope: Scope, message: Any) -> bool:
    """Text route: a reply, in the group, to the message of an open question (or to a survey's card)."""
    target = message.reply_to_message
    if not scope.is_group or target is None or not target.from_user or target.from_user.id != scope.ctx.bot.id:
        return False
    found = await scope.services.repos.surveys.item_by_message(scope.chat_id, target.message_id)
    if found is None:
        return await card_reply(scope, target.message_id)
    survey = await scope.services.repos.surveys.get(found[0])
    if survey is None:
        return False
    if not survey.is_open:
        await scope.reply("surveys/answer/private_closed", survey=survey)
        return True
    if survey.items[found[1]].kind != "text":
        await scope.reply("surveys/answer/use_buttons")
        return True
    await save_text(scope, survey, found[1], message)
    return True


async def card_reply(scope: Scope, message_id: int) -> bool:
    """A reply to the card of a survey with several items: they are answered one tap each in private, so the
    answer points there (the card's deep-link button), briefly."""
    survey = await scope.services.repos.surveys.by_header(scope.chat_id, message_id)
    if survey is None:
        return False
    if not survey.is_open:
        await scope.reply("surveys/answer/private_closed", survey=survey)
        return True
    await scope.reply("surveys/answer/card_reply", survey=survey, markup=header_markup(scope.services, survey, scope.locale))
    return True
