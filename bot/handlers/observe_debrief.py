"""The debrief: scheduled, posted in the group at its time, run in order by replies to its card (model
teacher, observers, redesign ideas) and closed with an RTL item. See :mod:`bot.handlers.observe`."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.cycle.ops import local_date, match_owner, to_ts
from domain.cycle.rtl import RtlError, due_reminder_at, parse_rtl_line
from domain.observe import (
    MAX_NOTE,
    STEPS,
    ObservationError,
    aspect_means,
    may_speak,
    next_step,
    parse_when,
)
from storage.models import Community
from storage.observe import Observation

from ..delivery import SendFailed, Sent, call, edit_html
from ..keyboards import cb
from ..outbox import Outgoing, records, send_once
from ..render import tz_label
from ..services import Services
from .common import Scope, refuse, school_calendar
from .cycle_rtl import _people
from .observe_common import _local, _obs_in, member_names_all

if TYPE_CHECKING:
    from telegram.ext import ExtBot


# -- the debrief ------------------------------------------------------------------------------------
async def _leader(scope: Scope, obs: Observation) -> bool:
    return scope.user_id == obs.model_user_id or await scope.is_pic()


async def schedule_debrief(scope: Scope, args: list[str]) -> None:
    assert scope.community is not None
    community, services = scope.community, scope.services
    num = args[0].lstrip("#") if args else ""
    obs = await _obs_in(scope, int(num)) if num.isdigit() else None
    if obs is None:
        if not num:
            await scope.reply("observe/bad", code="missing_parts", name="", groups=[], debrief=True)
        else:
            await scope.reply("observe/unknown", num=num)
        return
    if not await _leader(scope, obs):
        await refuse(scope, "observe/not_leader")
        return
    if obs.debrief_step is not None:
        await scope.reply("observe/debrief_wait", step="done", model="")
        return
    now = services.now_ts()
    calendar = await school_calendar(services, community)
    try:
        day, at = parse_when(" ".join(args[1:]), today=local_date(now, community.tz), locale=scope.locale,
                             is_school_day=calendar.is_school_day)
        when_ts = int(datetime.combine(day, at, ZoneInfo(community.tz)).timestamp())
        if when_ts <= now:
            raise ObservationError("past")
        if when_ts < obs.at_ts:
            raise ObservationError("before_lesson")
    except ObservationError as exc:
        await scope.reply("observe/bad", code=exc.code, name="", groups=[], debrief=True)
        return
    await services.repos.observations.update(obs.id, debrief_at=when_ts)
    await scope.reply("observe/debrief_set", obs=obs, when=_local(when_ts, community.tz), tz=tz_label(community.tz))


async def debrief_content(services: Services, community: Community, obs: Observation) -> tuple[str, Any]:
    names = await member_names_all(services, community.id)
    repo = services.repos.observations
    observers = await repo.observers(obs.id)
    notes = await repo.notes(obs.id, ("model", "observers", "redesign"))
    spoken = {n["user_id"] for n in notes if n["kind"] == "observers"}
    step = obs.debrief_step or "model"
    done_upto = STEPS.index(step)
    counts = {"model": None, "observers": f"{len(spoken & set(observers))}/{len(observers)}",
              "redesign": str(sum(1 for n in notes if n["kind"] == "redesign")),
              "rtl": f"#{obs.rtl_id}" if obs.rtl_id else None}
    steps = [{"key": k, "state": "done" if i < done_upto else "now" if i == done_upto else "todo",
              "note": counts[k] if i <= done_upto or k != "rtl" else None}
             for i, k in enumerate(STEPS[:-1])]
    rtl = await services.repos.cycle.rtl.get(obs.rtl_id) if obs.rtl_id else None
    means = aspect_means((a, s) for _, a, s in await repo.ratings(obs.id)) if obs.share_ratings else None
    loc = community.locale
    text = services.renderer.render(
        loc, "observe/debrief_card", obs=obs, model=names.get(obs.model_user_id, "?"), steps=steps, step=step,
        waiting=[names.get(u, "?") for u in observers if u not in spoken] or ["–"], rtl=rtl,
        rtl_due=date.fromisoformat(rtl.due) if rtl else None, means=means)
    r = services.renderer
    if step in ("model", "observers"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(r.t(loc, "observe.btn_next"),
                                                             callback_data=cb("ob", "n", obs.id))]])
    elif step == "redesign":
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(r.t(loc, "observe.btn_close_rtl"),
                                                             callback_data=cb("ob", "n", obs.id))]])
    else:
        markup = None
    return text, markup


async def _refresh_debrief(services: Services, bot: Any, obs_id: int) -> None:
    obs = await services.repos.observations.get(obs_id)
    if obs is None or obs.debrief_chat_id is None or obs.debrief_message_id is None:
        return
    community = await services.repos.communities.get(obs.community_id)
    assert community is not None
    text, markup = await debrief_content(services, community, obs)
    mid = obs.debrief_message_id
    try:
        await call(services, obs.debrief_chat_id, lambda cid: edit_html(bot, cid, mid, text, markup))
    except SendFailed:
        pass


async def on_next(scope: Scope, obs: Observation) -> None:
    if scope.community is None or scope.community.id != obs.community_id or obs.debrief_step is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    if not await _leader(scope, obs):
        await scope.answer("observe.not_leader", alert=True)
        return
    if obs.debrief_step in ("rtl", "done"):
        await scope.answer("observe.closed", alert=True)
        return
    left = 0
    if obs.debrief_step == "model":  # moving on from the model teacher: to the observers, if any
        left = len(await scope.services.repos.observations.observers(obs.id))
    await scope.services.repos.observations.update(
        obs.id, debrief_step=next_step(obs.debrief_step, observers_left=left))
    await scope.answer()
    await _refresh_debrief(scope.services, scope.ctx.bot, obs.id)


async def route_debrief(scope: Scope, message: Any) -> bool:
    """A reply to a debrief card: the contribution of the step now open, or the closing RTL line."""
    target = message.reply_to_message
    if not scope.is_group or target is None or not target.from_user or target.from_user.id != scope.ctx.bot.id:
        return False
    repo = scope.services.repos.observations
    obs = await repo.by_debrief_message(scope.chat_id, target.message_id)
    if obs is None or scope.community is None:
        return False
    if (scope.member is None or not scope.member.active) and not await scope.is_pic():
        await refuse(scope, "errors/not_member")
        return True
    step = obs.debrief_step or "model"
    names = await member_names_all(scope.services, scope.community.id)
    observers = await repo.observers(obs.id)
    text = " ".join((message.text or message.caption or "").split())[:MAX_NOTE]
    if step == "rtl" and await _leader(scope, obs):
        await close_with_rtl(scope, obs, text, message)
        return True
    if not text or not may_speak(step, scope.user_id, model=obs.model_user_id, observers=observers):
        await scope.reply("observe/debrief_wait", step=step, model=names.get(obs.model_user_id, "?"))
        return True
    stored = await repo.add_note(obs.id, scope.user_id, step, text, None, scope.services.now_ts(),
                                 (scope.chat_id, message.message_id))
    if stored:
        spoken = {n["user_id"] for n in await repo.notes(obs.id, ("observers",))}
        left = len(set(observers) - spoken)
        if step != "redesign":
            await repo.update(obs.id, debrief_step=next_step(step, observers_left=left))
    await scope.react()
    await _refresh_debrief(scope.services, scope.ctx.bot, obs.id)
    return True


async def close_with_rtl(scope: Scope, obs: Observation, line: str, message: Any) -> None:
    community = scope.community
    assert community is not None
    services = scope.services
    now = services.now_ts()
    try:
        spec = parse_rtl_line(line, today=local_date(now, community.tz), locale=scope.locale)
    except RtlError as exc:
        await scope.reply("observe/rtl_bad", code=exc.code)
        return
    owner = match_owner(spec.who, await _people(scope), obs.model_user_id)
    calendar = await school_calendar(services, community)
    remind_at = to_ts(due_reminder_at(spec.due, community.tz, is_school_day=calendar.is_school_day))
    rtl_id = await services.repos.cycle.rtl.add(community.id, obs.cycle_id, spec.what, spec.who, owner,
                                                spec.due.isoformat(), spec.measure, scope.user_id, now, remind_at,
                                                (scope.chat_id, message.message_id))
    await services.repos.observations.update(obs.id, rtl_id=rtl_id, debrief_step="done")
    await scope.react()
    await _refresh_debrief(services, scope.ctx.bot, obs.id)


async def tick(services: Services, bot: ExtBot, now_dt: Any) -> None:
    repo = services.repos.observations
    for obs in await repo.due_debriefs(to_ts(now_dt)):
        community = await services.repos.communities.get(obs.community_id)
        if community is None or not community.active:
            await repo.update(obs.id, debrief_step="done")
            continue
        text, markup = await debrief_content(services, community, obs)
        # queued with the step's advance; the message it becomes is recorded in the commit that marks it sent
        await send_once(services, bot, f"ob:d:{obs.id}", community.chat_id, Outgoing(
            text, markup, community_id=community.id, thread=obs.thread_id, record=("observe.debrief", {"obs": obs.id})),
            also=lambda tx, obs_id=obs.id: repo.update_in(tx, obs_id, debrief_step="model"))


@records("observe.debrief")
async def record_debrief(services: Services, tx: Any, args: dict[str, Any], m: Sent) -> None:
    await services.repos.observations.update_in(tx, args["obs"], debrief_chat_id=m.chat_id,
                                                debrief_message_id=m.message_id)
