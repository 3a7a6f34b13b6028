"""/amati (/observe): peer observation of a lesson, run as lesson study (seeds 001, 002, 004).

The PIC, or a member who volunteers as model teacher, sets it up in the group (class; date time on a school
day; focus; optionally a working group). A card in the group, edited in place, takes 1-4 observers with a
tap. Each observer gets the six-aspect form of 001 in private: one tap per aspect (1-4, with a descriptor
about what pupils show), then evidence notes of what pupils did and said (text or photos). The debrief is
scheduled and posted in the group at its time, run in order — model teacher, observers, redesign ideas —
by replies to its card, and ends in an RTL item. Scores are seen by the model teacher and the observers
unless the model teacher shares them. An observation made while a cycle runs belongs to the cycle's
implementation stage and counts in the progress map (hook `observations_in_cycle`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.cycle_ops import local_date, match_owner, to_ts
from domain.observation import (
    ASPECTS,
    MAX_NOTE,
    MAX_OBSERVERS,
    SCORES,
    STEPS,
    ObservationError,
    aspect_means,
    group_visible,
    may_see_ratings,
    may_speak,
    next_step,
    parse_setup,
    parse_when,
)
from domain.recognition import display_names
from domain.rtl import RtlError, due_reminder_at, parse_rtl_line
from storage.models import Community, Flow
from storage.observe import Observation

from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, call, edit_html, in_topic, post_message, send_once
from ..flows import FlowSpec
from ..keyboards import cb
from ..render import tz_label
from ..services import KContext, Services
from .common import Scope, build_scope, handler, refuse, school_calendar
from .cycle_core import store, user_locale
from .cycle_rtl import _people
from .groups import edit_text, repos

if TYPE_CHECKING:
    from telegram.ext import ExtBot

DEBRIEF = ("refleksi", "debrief")
HELP = ("bantuan", "help", "?")
FLOW_NOTES = "observe_notes"


def _rest(scope: Scope) -> str:
    text = (scope.message.text or "") if scope.message else ""
    parts = text.split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


def _local(ts: int, tz: str) -> datetime:
    return datetime.fromtimestamp(ts, ZoneInfo(tz))


@handler(audience="member")
async def cmd_observe(scope: Scope) -> None:
    args = scope.ctx.args or []
    sub = args[0].lower() if args else ""
    if not sub:
        await show_list(scope)
    elif sub.lstrip("#").isdigit() and len(args) == 1:
        await show_one(scope, int(sub.lstrip("#")))
    elif sub in DEBRIEF:
        await schedule_debrief(scope, args[1:])
    elif sub in HELP:
        await scope.reply("observe/usage")
    elif not scope.is_group:
        await scope.reply("observe/private_setup")
    else:
        await setup(scope)


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
        group = await repos(services)[0].by_name(community.id, spec.group)
        if group is None:
            names = [g.name for g in await repos(services)[0].list(community.id)]
            await scope.reply("observe/bad", code="unknown_group", name=spec.group, groups=names, debrief=False)
            return
        group_id = group.id
    cycle = await store(services).cycles.active(community.id)
    stage_id = None
    if cycle is not None:
        stage_id = next((s.id for s in await store(services).cycles.stages(cycle.id) if s.stage == "implementation"),
                        None)
    obs_id = await repos(services)[1].create(
        community_id=community.id, cycle_id=cycle.id if cycle else None, stage_id=stage_id, group_id=group_id,
        model=model, class_label=spec.class_label, focus=spec.focus, at_ts=at_ts, user_id=scope.user_id, now=now,
        chat_id=scope.chat_id, thread_id=scope.thread, origin=(scope.chat_id, scope.message.message_id))
    obs = await repos(services)[1].get(obs_id)
    assert obs is not None
    text, markup = await card_content(services, community, obs)
    sent = await scope.send_html(text, markup=markup)
    if sent is not None:
        await repos(services)[1].set_card(obs.id, sent.message_id)


async def card_content(services: Services, community: Community, obs: Observation) -> tuple[str, InlineKeyboardMarkup]:
    names = await member_names_all(services, community.id)
    observers = [names.get(u, "?") for u in await repos(services)[1].observers(obs.id)]
    group = await repos(services)[0].get(obs.group_id) if obs.group_id else None
    cycle = await store(services).cycles.get(obs.cycle_id) if obs.cycle_id else None
    loc = community.locale
    text = services.renderer.render(
        loc, "observe/card", obs=obs, model=names.get(obs.model_user_id, "?"), when=_local(obs.at_ts, community.tz),
        tz=tz_label(community.tz), group=group.name if group else None, topic=cycle.topic if cycle else None,
        observers=observers, limit=MAX_OBSERVERS)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(services.renderer.t(loc, "observe.btn_volunteer"),
                                                         callback_data=cb("ob", "v", obs.id))]])
    return text, markup


async def member_names_all(services: Services, community_id: int) -> dict[int, str]:
    """Names of everyone who was a member (a departed model teacher is still named on their cards)."""
    return {m.user_id: m.name for m in await services.repos.members.list(community_id, active_only=False)}


async def _obs_in(scope: Scope, obs_id: int) -> Observation | None:
    obs = await repos(scope.services)[1].get(obs_id)
    return obs if obs is not None and scope.community is not None and obs.community_id == scope.community.id else None


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
    if obs.group_id is not None and obs.group_id not in await repos(services)[0].groups_of(community.id, scope.user_id):
        group = await repos(services)[0].get(obs.group_id)
        await scope.answer("observe.not_in_group", alert=True, name=group.name if group else "")
        return
    if obs.debrief_step is not None:
        await scope.answer("observe.closed", alert=True)
        return
    outcome = await repos(services)[1].toggle_observer(obs.id, scope.user_id, services.now_ts(), MAX_OBSERVERS)
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
    mine = {a: s for _, a, s in await repos(services)[1].ratings(obs.id, user_id)}
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
    if community is None or scope.user_id not in await repos(scope.services)[1].observers(obs.id):
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
    await repos(scope.services)[1].rate(obs.id, scope.user_id, ASPECTS[index], int(parts[4]), scope.services.now_ts())
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
    obs = await repos(scope.services)[1].get(int(flow.data["obs"]))
    if obs is None:
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
        await scope.reply("observe/unknown", num=flow.data["obs"])
        return
    text = " ".join((message.text or message.caption or "").split())[:MAX_NOTE] or None
    photo = message.photo[-1].file_id if message.photo else None
    if text is None and photo is None:
        await scope.reply("observe/note_empty")
        return
    await repos(scope.services)[1].add_note(obs.id, scope.user_id, "photo" if photo else "evidence", text, photo,
                                            scope.services.now_ts(), (scope.chat_id, message.message_id))
    await scope.react()


async def on_finish(scope: Scope, obs: Observation) -> None:
    community = await _observer_of(scope, obs)
    if community is None:
        return
    await scope.answer()
    flow = await scope.services.repos.flows.get(scope.chat_id, scope.user_id)
    if flow is not None and flow.name == FLOW_NOTES:
        await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    mine = await repos(scope.services)[1].ratings(obs.id, scope.user_id)
    notes = [n for n in await repos(scope.services)[1].notes(obs.id, ("evidence", "photo"))
             if n["user_id"] == scope.user_id]
    debrief = _local(obs.debrief_at, community.tz) if obs.debrief_at else None
    await scope.edit("observe/form_done", obs=obs, rated=len(mine), n=len(ASPECTS), evidence=len(notes),
                     debrief=debrief)


# -- one observation, its scores, sharing -----------------------------------------------------------
async def detail_content(scope: Scope, obs: Observation) -> tuple[str, InlineKeyboardMarkup | None]:
    assert scope.community is not None
    services, community = scope.services, scope.community
    names = await member_names_all(services, community.id)
    observers = await repos(services)[1].observers(obs.id)
    see = may_see_ratings(scope.user_id, model=obs.model_user_id, observers=observers, shared=bool(obs.share_ratings))
    means = aspect_means((a, s) for _, a, s in await repos(services)[1].ratings(obs.id)) if see else None
    evidence = len(await repos(services)[1].notes(obs.id, ("evidence", "photo")))
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
             for o in await repos(scope.services)[1].list(scope.community.id)]
    await scope.reply("observe/list", items=items)


async def on_share(scope: Scope, obs: Observation, parts: list[str]) -> None:
    if len(parts) != 4 or parts[3] not in ("0", "1"):
        await scope.answer("errors.stale_button", alert=True)
        return
    if scope.user_id != obs.model_user_id:
        await scope.answer("observe.not_model", alert=True)
        return
    await repos(scope.services)[1].update(obs.id, share_ratings=int(parts[3]))
    await scope.answer("observe.shared_on" if parts[3] == "1" else "observe.shared_off")
    scope.community = await scope.services.repos.communities.get(obs.community_id)
    updated = await repos(scope.services)[1].get(obs.id)
    assert updated is not None
    text, markup = await detail_content(scope, updated)
    await edit_text(scope, text, markup)


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
    await repos(services)[1].update(obs.id, debrief_at=when_ts)
    await scope.reply("observe/debrief_set", obs=obs, when=_local(when_ts, community.tz), tz=tz_label(community.tz))


async def debrief_content(services: Services, community: Community, obs: Observation) -> tuple[str, Any]:
    names = await member_names_all(services, community.id)
    repo = repos(services)[1]
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
    rtl = await store(services).rtl.get(obs.rtl_id) if obs.rtl_id else None
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
    obs = await repos(services)[1].get(obs_id)
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
        left = len(await repos(scope.services)[1].observers(obs.id))
    await repos(scope.services)[1].update(obs.id, debrief_step=next_step(obs.debrief_step, observers_left=left))
    await scope.answer()
    await _refresh_debrief(scope.services, scope.ctx.bot, obs.id)


async def route_debrief(scope: Scope, message: Any) -> bool:
    """A reply to a debrief card: the contribution of the step now open, or the closing RTL line."""
    target = message.reply_to_message
    if not scope.is_group or target is None or not target.from_user or target.from_user.id != scope.ctx.bot.id:
        return False
    repo = repos(scope.services)[1]
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
    rtl_id = await store(services).rtl.add(community.id, obs.cycle_id, spec.what, spec.who, owner,
                                           spec.due.isoformat(), spec.measure, scope.user_id, now, remind_at,
                                           (scope.chat_id, message.message_id))
    await repos(services)[1].update(obs.id, rtl_id=rtl_id, debrief_step="done")
    await scope.react()
    await _refresh_debrief(services, scope.ctx.bot, obs.id)


async def tick(services: Services, bot: ExtBot, now_dt: Any) -> None:
    repo = repos(services)[1]
    for obs in await repo.due_debriefs(to_ts(now_dt)):
        community = await services.repos.communities.get(obs.community_id)
        if community is None or not community.active:
            await repo.update(obs.id, debrief_step="done")
            continue
        text, markup = await debrief_content(services, community, obs)
        msg = await send_once(services, bot, f"ob:d:{obs.id}", community.chat_id, in_topic(
            services, community, lambda cid, t, text=text, markup=markup: bot.send_message(
                cid, text, reply_markup=markup, message_thread_id=t), obs.thread_id))
        if msg is None:
            continue  # failed for now: the next pass tries again
        await repo.update(obs.id, debrief_step="model",
                          debrief_chat_id=msg.chat_id if msg else community.chat_id,
                          debrief_message_id=msg.message_id if msg else None)


# -- buttons ----------------------------------------------------------------------------------------
async def on_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    obs = await repos(scope.services)[1].get(int(parts[2])) if len(parts) >= 3 and parts[2].isdigit() else None
    if obs is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    kind = parts[1]
    if kind == "v":
        await on_volunteer(scope, obs)
    elif kind == "r":
        await on_rate(scope, obs, parts)
    elif kind == "o":
        await on_fill(scope, obs)
    elif kind == "f":
        await on_finish(scope, obs)
    elif kind == "s":
        await on_share(scope, obs, parts)
    elif kind == "n":
        await on_next(scope, obs)
    else:
        await scope.answer("errors.stale_button", alert=True)


# -- hooks: the progress map and the report -----------------------------------------------------------
async def observations_in_cycle(services: Services, cycle_id: int) -> int:
    return await repos(services)[1].count_in_cycle(cycle_id)


async def observations_of_cycle(services: Services, cycle_id: int) -> list[dict[str, Any]]:
    """The observations set up during a cycle (its implementation stage), for the cycle's view."""
    cycle = await store(services).cycles.get(cycle_id)
    if cycle is None:
        return []
    names = await member_names_all(services, cycle.community_id)
    return [{"id": o.id, "model": names.get(o.model_user_id, "?"), "class_label": o.class_label}
            for o in await repos(services)[1].of_cycle(cycle_id)]


async def report_rows(services: Services, community_id: int, start: int, end: int) -> dict[str, list[list]]:
    community = await services.repos.communities.get(community_id)
    if community is None:
        return {}
    groups_repo, repo = repos(services)
    members = await services.repos.members.list(community_id, active_only=False)
    names = display_names([(m.user_id, m.name, m.allow_named) for m in members],
                          lambda n: services.renderer.t(community.locale, "cycle.member_label", n=n))
    groups = {g.id: g for g in await groups_repo.list(community_id)}
    rows, per_group = [], {}
    for obs in await repo.between(community_id, start, end):
        ratings = await repo.ratings(obs.id)
        means = aspect_means((a, s) for _, a, s in ratings)
        shared = bool(obs.share_ratings) and means
        rows.append([obs.at_ts, names.get(obs.model_user_id, "?"), obs.class_label, obs.focus,
                     groups[obs.group_id].name if obs.group_id in groups else "",
                     len(await repo.observers(obs.id)), len(await repo.notes(obs.id, ("evidence", "photo"))),
                     round(sum(means.values()) / len(means), 2) if shared else None, obs.debrief_step or ""])
        if obs.group_id in groups:
            slot = per_group.setdefault(obs.group_id, [0, set(), []])
            slot[0] += 1
            if obs.share_ratings:
                slot[1].update(u for u, _, _ in ratings)
                slot[2].extend(s for _, _, s in ratings)
    attended = await _attendance_by_member(services, community_id, start, end)
    table = []
    for gid, g in groups.items():
        count, raters, scores = per_group.get(gid, [0, set(), []])
        # a group's mean is shown only if enough observers stand behind it (the anonymity floor per group)
        mean = round(sum(scores) / len(scores), 2) if scores and group_visible(len(raters)) else None
        rate = None
        if attended is not None and attended[1]:
            ids = await groups_repo.member_ids(gid)
            rate = round(100 * sum(attended[0].get(u, 0) for u in ids) / (attended[1] * len(ids)), 1) if ids else None
        table.append([g.name, g.members, count, mean, rate])
    return {"observations": rows, "work_groups": table}


async def _attendance_by_member(services: Services, community_id: int, start: int,
                                end: int) -> tuple[dict[int, int], int] | None:
    """(meetings attended per member, meetings held) in [start, end), from the rhythm feature's hooks."""
    meetings, activity = services.hooks.get("meetings_between"), services.hooks.get("activity_rhythm")
    if meetings is None or activity is None:
        return None
    held = sum(1 for m in await meetings(community_id, start, end) if m.get("held"))
    per = await activity(community_id, start, end)
    return {int(u): int(v.get("attended", 0) or 0) for u, v in (per or {}).items()}, held


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("observe", "amati", cmd_observe, audience="member"))
    services.flows[FLOW_NOTES] = FlowSpec(FLOW_NOTES, on_notes_text)
    services.text_routes.append(("observe_debrief", route_debrief))
    add_buttons(app, "ob", on_button)
    services.ticks.append(("observe_debriefs", tick))
    services.hooks["observations_in_cycle"] = lambda cycle_id: observations_in_cycle(services, cycle_id)
    services.hooks["observations_of_cycle"] = lambda cycle_id: observations_of_cycle(services, cycle_id)
    services.hooks["report_rows_observe"] = lambda cid, s, e: report_rows(services, cid, s, e)
