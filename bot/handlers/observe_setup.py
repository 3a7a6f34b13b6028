"""Setting an observation up in the group, the volunteers' card, one observation's detail and the
list, and the model teacher sharing the scores. See :mod:`bot.handlers.observe`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.cycle.ops import local_date
from domain.observe import (
    MAX_OBSERVERS,
    ObservationError,
    aspect_means,
    may_see_ratings,
    parse_setup,
)
from storage.models import Community
from storage.observe import Observation

from ..keyboards import cb
from ..render import tz_label
from ..services import Services
from .common import Scope, refuse, school_calendar
from .groups import edit_text
from .observe_common import _local, _obs_in, member_names_all
from .observe_form import send_form


def _rest(scope: Scope) -> str:
    text = (scope.message.text or "") if scope.message else ""
    parts = text.split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


# -- set-up and the volunteers' card ----------------------------------------------------------------
async def setup(scope: Scope) -> None:
    assert scope.community is not None and scope.message is not None
    services, community = scope.services, scope.community
    model = scope.user_id
    target = scope.message.reply_to_message
    if target is not None and target.from_user and not target.from_user.is_bot and target.from_user.id != model:
        if not await scope.is_pic():  # only the PIC names someone else as model teacher
            await refuse(scope, "errors/not_pic")
            return
        other = await services.repos.members.get(community.id, target.from_user.id)
        if other is None or not other.active:
            await scope.reply("errors/not_member")
            return
        model = other.user_id
    now = services.now_ts()
    calendar = await school_calendar(services, community)
    try:
        spec = parse_setup(_rest(scope), today=local_date(now, community.tz), locale=scope.locale,
                           is_school_day=calendar.is_school_day)
        at_ts = int(datetime.combine(spec.day, spec.at, ZoneInfo(community.tz)).timestamp())
        if at_ts <= now:
            raise ObservationError("past")
    except ObservationError as exc:
        await scope.reply("observe/bad", code=exc.code, name="", groups=[], debrief=False)
        return
    group_id = None
    if spec.group:
        group = await services.repos.work_groups.by_name(community.id, spec.group)
        if group is None:
            names = [g.name for g in await services.repos.work_groups.list(community.id)]
            await scope.reply("observe/bad", code="unknown_group", name=spec.group, groups=names, debrief=False)
            return
        group_id = group.id
    cycle = await services.repos.cycle.cycles.active(community.id)
    stage_id = None
    if cycle is not None:
        stages = await services.repos.cycle.cycles.stages(cycle.id)
        stage_id = next((s.id for s in stages if s.stage == "implementation"), None)
    obs_id = await services.repos.observations.create(
        community_id=community.id, cycle_id=cycle.id if cycle else None, stage_id=stage_id, group_id=group_id,
        model=model, class_label=spec.class_label, focus=spec.focus, at_ts=at_ts, user_id=scope.user_id, now=now,
        chat_id=scope.chat_id, thread_id=scope.thread, origin=(scope.chat_id, scope.message.message_id))
    obs = await services.repos.observations.get(obs_id)
    assert obs is not None
    text, markup = await card_content(services, community, obs)
    sent = await scope.send_html(text, markup=markup)
    if sent is not None:
        await services.repos.observations.set_card(obs.id, sent.message_id)


async def card_content(services: Services, community: Community, obs: Observation) -> tuple[str, InlineKeyboardMarkup]:
    names = await member_names_all(services, community.id)
    observers = [names.get(u, "?") for u in await services.repos.observations.observers(obs.id)]
    group = await services.repos.work_groups.get(obs.group_id) if obs.group_id else None
    cycle = await services.repos.cycle.cycles.get(obs.cycle_id) if obs.cycle_id else None
    loc = community.locale
    text = services.renderer.render(
        loc, "observe/card", obs=obs, model=names.get(obs.model_user_id, "?"), when=_local(obs.at_ts, community.tz),
        tz=tz_label(community.tz), group=group.name if group else None, topic=cycle.topic if cycle else None,
        observers=observers, limit=MAX_OBSERVERS)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(services.renderer.t(loc, "observe.btn_volunteer"),
                                                         callback_data=cb("ob", "v", obs.id))]])
    return text, markup


async def on_volunteer(scope: Scope, obs: Observation) -> None:
    services = scope.services
    community = scope.community
    if not scope.is_group or community is None or community.id != obs.community_id:
        await scope.answer("errors.stale_button", alert=True)
        return
    if (scope.member is None or not scope.member.active) and not await scope.is_pic():
        await refuse(scope, "errors/not_member")
        return
    if scope.user_id == obs.model_user_id:
        await scope.answer("observe.is_model", alert=True)
        return
    if obs.group_id is not None and obs.group_id not in await services.repos.work_groups.groups_of(community.id,
                                                                                                   scope.user_id):
        group = await services.repos.work_groups.get(obs.group_id)
        await scope.answer("observe.not_in_group", alert=True, name=group.name if group else "")
        return
    if obs.debrief_step is not None:
        await scope.answer("observe.closed", alert=True)
        return
    outcome = await services.repos.observations.toggle_observer(obs.id, scope.user_id, services.now_ts(), MAX_OBSERVERS)
    if outcome == "full":
        await scope.answer("observe.full", alert=True)
        return
    if outcome == "joined":
        sent = await send_form(services, scope.ctx.bot, community, obs, scope.user_id, 0) \
            if scope.user is not None and scope.user.reachable else None
        await scope.answer("observe.joined" if sent else "observe.joined_no_private", alert=not sent, id=obs.id)
    else:
        await scope.answer("observe.withdrawn")
    text, markup = await card_content(services, community, obs)
    await edit_text(scope, text, markup)


# -- one observation, its scores, sharing -----------------------------------------------------------
async def detail_content(scope: Scope, obs: Observation) -> tuple[str, InlineKeyboardMarkup | None]:
    assert scope.community is not None
    services, community = scope.services, scope.community
    names = await member_names_all(services, community.id)
    observers = await services.repos.observations.observers(obs.id)
    see = may_see_ratings(scope.user_id, model=obs.model_user_id, observers=observers, shared=bool(obs.share_ratings))
    means = aspect_means((a, s) for _, a, s in await services.repos.observations.ratings(obs.id)) if see else None
    evidence = len(await services.repos.observations.notes(obs.id, ("evidence", "photo")))
    text = scope.render("observe/detail", obs=obs, model=names.get(obs.model_user_id, "?"),
                        when=_local(obs.at_ts, community.tz), tz=tz_label(community.tz),
                        observers=[names.get(u, "?") for u in observers], evidence=evidence, means=means,
                        debrief=_local(obs.debrief_at, community.tz) if obs.debrief_at else None)
    rows = []
    if not scope.is_group and scope.user_id in observers:
        rows.append([InlineKeyboardButton(scope.t("observe.btn_fill"), callback_data=cb("ob", "o", obs.id))])
    if not scope.is_group and scope.user_id == obs.model_user_id:
        key, value = ("observe.btn_share_off", 0) if obs.share_ratings else ("observe.btn_share_on", 1)
        rows.append([InlineKeyboardButton(scope.t(key), callback_data=cb("ob", "s", obs.id, value))])
    return text, InlineKeyboardMarkup(rows) if rows else None


async def show_one(scope: Scope, obs_id: int) -> None:
    obs = await _obs_in(scope, obs_id)
    if obs is None:
        await scope.reply("observe/unknown", num=obs_id)
        return
    text, markup = await detail_content(scope, obs)
    await scope.send_html(text, markup=markup)


async def show_list(scope: Scope) -> None:
    assert scope.community is not None
    names = await member_names_all(scope.services, scope.community.id)
    tz = scope.community.tz
    items = [{"obs": o, "model": names.get(o.model_user_id, "?"), "when": _local(o.at_ts, tz),
              "debrief": _local(o.debrief_at, tz) if o.debrief_at else None}
             for o in await scope.services.repos.observations.list(scope.community.id)]
    await scope.reply("observe/list", items=items)


async def on_share(scope: Scope, obs: Observation, parts: list[str]) -> None:
    if len(parts) != 4 or parts[3] not in ("0", "1"):
        await scope.answer("errors.stale_button", alert=True)
        return
    if scope.user_id != obs.model_user_id:
        await scope.answer("observe.not_model", alert=True)
        return
    await scope.services.repos.observations.update(obs.id, share_ratings=int(parts[3]))
    await scope.answer("observe.shared_on" if parts[3] == "1" else "observe.shared_off")
    scope.community = await scope.services.repos.communities.get(obs.community_id)
    updated = await scope.services.repos.observations.get(obs.id)
    assert updated is not None
    text, markup = await detail_content(scope, updated)
    await edit_text(scope, text, markup)
