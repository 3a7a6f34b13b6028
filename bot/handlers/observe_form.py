"""The observation form, in private: one tap per aspect (1-4), then evidence notes of what pupils did
and said (text or photos). See :mod:`bot.handlers.observe`."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.observe import (
    ASPECTS,
    MAX_NOTE,
    SCORES,
)
from storage.models import Community, Flow
from storage.observe import Observation

from ..delivery import SendFailed, call, post_message
from ..keyboards import cb
from ..services import Services
from .common import Scope, refuse
from .cycle_core import user_locale
from .groups import edit_text
from .observe_common import _local, member_names_all

FLOW_NOTES = "observe_notes"


# -- the form, in private ---------------------------------------------------------------------------
async def _person_locale(services: Services, user_id: int, community: Community) -> str:
    return user_locale(services, await services.repos.users.get(user_id), community)


async def form_content(services: Services, community: Community, obs: Observation, user_id: int, index: int,
                       loc: str) -> tuple[str, InlineKeyboardMarkup]:
    names = await member_names_all(services, community.id)
    r = services.renderer
    if index >= len(ASPECTS):
        text = r.render(loc, "observe/form_notes", obs=obs)
        return text, InlineKeyboardMarkup([[InlineKeyboardButton(r.t(loc, "observe.btn_done"),
                                                                 callback_data=cb("ob", "f", obs.id))]])
    aspect = ASPECTS[index]
    mine = {a: s for _, a, s in await services.repos.observations.ratings(obs.id, user_id)}
    text = r.render(loc, "observe/form_aspect", obs=obs, model=names.get(obs.model_user_id, "?"), i=index + 1,
                    n=len(ASPECTS), aspect=aspect, current=mine.get(aspect))
    buttons = [InlineKeyboardButton(r.t(loc, f"observe.score.{s}"), callback_data=cb("ob", "r", obs.id, index, s))
               for s in SCORES]
    return text, InlineKeyboardMarkup([buttons[:2], buttons[2:]])


async def send_form(services: Services, bot: Any, community: Community, obs: Observation, user_id: int,
                    index: int) -> bool:
    loc = await _person_locale(services, user_id, community)
    text, markup = await form_content(services, community, obs, user_id, index, loc)
    try:
        await call(services, user_id, lambda cid: post_message(bot, cid, text, reply_markup=markup))
    except SendFailed:
        return False
    return True


async def _observer_of(scope: Scope, obs: Observation) -> Community | None:
    """The community, if the presser is one of the observation's observers and still in the group."""
    community = await scope.services.repos.communities.get(obs.community_id)
    if community is None or scope.user_id not in await scope.services.repos.observations.observers(obs.id):
        await scope.answer("observe.not_observer", alert=True)
        return None
    scope.community = community
    scope.member = await scope.services.repos.members.get(community.id, scope.user_id)
    if (scope.member is None or not scope.member.active) and not await scope.is_pic():
        await refuse(scope, "errors/not_member")
        return None
    return community


async def on_rate(scope: Scope, obs: Observation, parts: list[str]) -> None:
    if len(parts) != 5 or not parts[3].isdigit() or not parts[4].isdigit() or int(parts[3]) >= len(ASPECTS) \
            or int(parts[4]) not in SCORES:
        await scope.answer("errors.stale_button", alert=True)
        return
    community = await _observer_of(scope, obs)
    if community is None:
        return
    index = int(parts[3])
    await scope.services.repos.observations.rate(obs.id, scope.user_id, ASPECTS[index], int(parts[4]),
                                                 scope.services.now_ts())
    await scope.answer("observe.rated")
    if index + 1 >= len(ASPECTS):
        await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW_NOTES, "notes", {"obs": obs.id},
                                               scope.services.now_ts(), community_id=community.id)
    text, markup = await form_content(scope.services, community, obs, scope.user_id, index + 1, scope.locale)
    await edit_text(scope, text, markup)


async def on_fill(scope: Scope, obs: Observation) -> None:
    community = await _observer_of(scope, obs)
    if community is None:
        return
    await scope.answer()
    text, markup = await form_content(scope.services, community, obs, scope.user_id, 0, scope.locale)
    await scope.send_html(text, markup=markup)


async def on_notes_text(scope: Scope, flow: Flow, message: Any) -> None:
    obs = await scope.services.repos.observations.get(int(flow.data["obs"]))
    if obs is None:
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
        await scope.reply("observe/unknown", num=flow.data["obs"])
        return
    text = " ".join((message.text or message.caption or "").split())[:MAX_NOTE] or None
    photo = message.photo[-1].file_id if message.photo else None
    if text is None and photo is None:
        await scope.reply("observe/note_empty")
        return
    await scope.services.repos.observations.add_note(obs.id, scope.user_id, "photo" if photo else "evidence", text,
                                                     photo, scope.services.now_ts(),
                                                     (scope.chat_id, message.message_id))
    await scope.react()


async def on_finish(scope: Scope, obs: Observation) -> None:
    community = await _observer_of(scope, obs)
    if community is None:
        return
    await scope.answer()
    flow = await scope.services.repos.flows.get(scope.chat_id, scope.user_id)
    if flow is not None and flow.name == FLOW_NOTES:
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    mine = await scope.services.repos.observations.ratings(obs.id, scope.user_id)
    notes = [n for n in await scope.services.repos.observations.notes(obs.id, ("evidence", "photo"))
             if n["user_id"] == scope.user_id]
    debrief = _local(obs.debrief_at, community.tz) if obs.debrief_at else None
    await scope.edit("observe/form_done", obs=obs, rated=len(mine), n=len(ASPECTS), evidence=len(notes),
                     debrief=debrief)
