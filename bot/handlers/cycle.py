"""/cycle (/siklus): start a cycle with a topic and target, see where the community is, move to the next
stage, change the questions, record student results. Registers the whole feature (answers, RTL,
journal, good practice) and its scheduler tick and what it gives other features (`cycle_core.CycleProvider`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.cycle.core import (
    STAGES,
    CycleError,
    Override,
    Stage,
    apply_overrides,
    default_plan,
    parse_target,
    split_start,
    target_met,
)
from domain.cycle.ops import local_date, new_question_key, parse_results, stage_from_word, stage_times
from domain.cycle.star import level_facts
from storage.cycle_rows import Override as StoredOverride

from ..buttons import add_buttons
from ..commands import Command
from ..keyboards import cb
from ..render import local
from ..services import KContext, Services
from . import cycle_answers, cycle_core, cycle_journal, cycle_rtl, cycle_star
from .common import Scope, build_scope, find_group, handler, refuse, school_calendar
from .cycle_core import (
    close_stage,
    community_bank,
    counts,
    open_stage,
    summary_data,
    tick,
)
from .setup import level_keyboard

START = ("mulai", "start")
NEXT = ("lanjut", "next")
QUESTIONS = ("pertanyaan", "questions")
RESULTS = ("hasil", "results")
HELP = ("bantuan", "help", "?")


def _rest(scope: Scope, skip: int) -> str:
    """The message text after the command and `skip` words, spacing inside kept."""
    text = (scope.message.text or "") if scope.message else ""
    parts = text.split(None, skip + 1)
    return parts[skip + 1].strip() if len(parts) > skip + 1 else ""


@handler(audience="member")
async def cmd_cycle(scope: Scope) -> None:
    args = [a.lower() for a in (scope.ctx.args or [])]
    sub = args[0] if args else ""
    if sub in START:
        await start_cycle(scope)
    elif sub in NEXT:
        await next_stage(scope)
    elif sub in QUESTIONS:
        await questions(scope, args[1:])
    elif sub in RESULTS:
        await results(scope, scope.ctx.args[1:] if scope.ctx.args else [])
    elif sub in HELP:
        await scope.reply("cycle/usage")
    elif sub:
        await scope.reply("cycle/usage", unknown=sub)
    else:
        await show(scope)


async def _pic_only(scope: Scope) -> bool:
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return False
    return True


async def meeting_weekdays(services: Services, community_id: int) -> tuple[int, ...] | None:
    rhythm = services.feeds.rhythm
    if rhythm is None:
        return None
    try:
        days = await rhythm.meeting_weekdays(community_id)
    except Exception:  # the rhythm feature failing must not stop a cycle: plan without meetings
        return None
    return tuple(days) if days else None


async def start_cycle(scope: Scope) -> None:
    assert scope.community is not None and scope.message is not None
    if not await _pic_only(scope):
        return
    if not scope.is_group:
        await scope.reply("errors/group_only")
        return
    raw, group_name = split_start(_rest(scope, 1))
    group = None
    if group_name is not None:  # `… kelompok <nama>`: the cycle is for that working group
        group = await find_group(scope, group_name, example="cycle")
        if group is None:
            return
    try:
        target = parse_target(raw)
    except CycleError as exc:
        await scope.reply("cycle/bad_target", code=exc.code, raw=raw)
        return
    services, community = scope.services, scope.community
    repo = services.repos.cycle.cycles
    active = await repo.active(community.id)
    if active is not None:
        await scope.reply("cycle/already_active", cycle=active)
        return
    now = services.now_ts()
    today = local_date(now, community.tz)
    cal = await school_calendar(services, community)
    weekdays = await meeting_weekdays(services, community.id)
    try:
        plans = default_plan(today, meeting_weekdays=weekdays, is_school_day=cal.is_school_day)
    except CycleError:
        plans = default_plan(today, is_school_day=cal.is_school_day)
    times = stage_times(plans, community.tz, now, cal.is_school_day)
    thread = scope.message.message_thread_id if scope.message.is_topic_message else None
    cycle_id = await repo.start(community.id, target.topic, raw, thread, scope.user_id, now,
                                (scope.chat_id, scope.message.message_id),
                                [(t.stage.value, t.opens_at, t.closes_at, t.reminder_at) for t in times],
                                group_id=group.id if group is not None else None)
    if cycle_id is None:
        active = await repo.active(community.id)
        if active is not None and active.origin_message_id != scope.message.message_id:
            await scope.reply("cycle/already_active", cycle=active)
        return
    stages = await repo.stages(cycle_id)
    level = level_facts(community.settings)
    await scope.reply("cycle/started", target=target, stages=_dated(stages, community.tz),
                      meetings=bool(weekdays), level=level, group=group.name if group else None,
                      markup=None if level["jenjang"] else level_keyboard(scope))  # optional: one tap
    for s in stages:
        if s.opens_at <= now:
            await open_stage(services, scope.ctx.bot, s, now, asked=True)  # the PIC asked: at once


class DatedStage(NamedTuple):
    """A stage with its local opening and closing times, for the templates (attributes: Jinja reads them
    directly, dict keys only after a failed attribute lookup)."""

    row: Any
    opens: datetime
    closes: datetime


def _dated(stages: list[Any], tz: str) -> list[DatedStage]:
    return [DatedStage(s, local(s.opens_at, tz), local(s.closes_at, tz)) for s in stages]


async def show(scope: Scope) -> None:
    assert scope.community is not None
    st = scope.services.repos.cycle
    cycle = await st.cycles.active(scope.community.id)
    if cycle is None:
        await scope.reply("cycle/none")
        return
    stages = await st.cycles.stages(cycle.id)
    current = next((s for s in stages if s.status == "open"), None)
    per_q: list[tuple[str, int]] = []
    answered = members = 0
    if current is not None:
        answered, members = await counts(scope.services, current)
        by_key = await st.cycles.answer_counts(current.id)
        per_q = [(q["text"], by_key.get(q["key"], 0)) for q in current.questions]
    rtl_open = await st.rtl.count(scope.community.id, status="open")
    problems = await st.journal.count_shared_since(scope.community.id, scope.services.now_ts() - 7 * 86400)
    linked = scope.services.feeds.observe  # lesson observations (/amati) of the cycle
    await scope.reply("cycle/view", cycle=cycle, stages=_dated(stages, scope.community.tz), current=current,
                      answered=answered, members=members, per_q=per_q, rtl_open=rtl_open, problems=problems,
                      observations=await linked.of_cycle(cycle.id) if linked else [])


async def next_stage(scope: Scope) -> None:
    assert scope.community is not None
    if not await _pic_only(scope):
        return
    services = scope.services
    repo = services.repos.cycle.cycles
    cycle = await repo.active(scope.community.id)
    if cycle is None:
        await scope.reply("cycle/none")
        return
    stages = await repo.stages(cycle.id)
    current = next((s for s in stages if s.status == "open"), None)
    now = services.now_ts()
    if current is None:  # between stages: open the next one now
        nxt = next(s for s in stages if s.status == "planned")
        await repo.pull_forward(nxt.id, now)
        await scope.reply("cycle/stage/advanced", closed=None, opened=nxt.stage)
        await open_stage(services, scope.ctx.bot, (await repo.stage(nxt.id)), now,  # type: ignore[arg-type]
                         asked=True)
        return
    answered, _ = await counts(services, current)
    if answered == 0:
        markup = InlineKeyboardMarkup([[
            InlineKeyboardButton(scope.t("cycle.btn_close_anyway"), callback_data=cb("cy", "adv", current.id)),
            InlineKeyboardButton(scope.t("cycle.btn_cancel"), callback_data=cb("cy", "no", current.id)),
        ]])
        await scope.reply("cycle/stage/confirm_empty", stage=current, markup=markup)
        return
    await _advance(scope, current)


async def _advance(scope: Scope, current: Any) -> None:
    nxt = Stage(current.stage).next()
    await scope.reply("cycle/stage/advanced", closed=current.stage, opened=nxt.value if nxt else None,
                      quote=scope.query is None)
    await close_stage(scope.services, scope.ctx.bot, current, scope.services.now_ts(), early=True)


async def questions(scope: Scope, args: list[str]) -> None:
    assert scope.community is not None and scope.message is not None
    services, community = scope.services, scope.community
    bank = await community_bank(services, community)
    if not args:
        await scope.reply("cycle/stage/questions", bank=[(s, bank[s]) for s in STAGES])
        return
    if not await _pic_only(scope):
        return
    action = {"tambah": "add", "add": "add", "hapus": "drop", "drop": "drop", "ubah": "reword",
              "reword": "reword"}.get(args[0])
    if action is None:
        await scope.reply("cycle/stage/questions_usage")
        return
    word = args[1] if len(args) > 1 else ""
    text = _rest(scope, 3) or None
    if action == "add":
        stage = stage_from_word(word)
        if stage is None:
            await scope.reply("cycle/stage/questions_error", code="unknown_stage", qkey=word)
            return
        key = new_question_key(stage, [q.key for qs in bank.values() for q in qs])
    else:
        key = word
        stage = next((s for s, qs in bank.items() if any(q.key == key for q in qs)), None)
        if stage is None:
            await scope.reply("cycle/stage/questions_error", code="unknown_key", qkey=key)
            return
    ov = Override(action, stage.value, key, text)  # type: ignore[arg-type]
    try:
        apply_overrides(bank, [ov])
    except CycleError as exc:
        await scope.reply("cycle/stage/questions_error", code=exc.code, qkey=key)
        return
    await services.repos.cycle.cycles.add_override(community.id, StoredOverride(action, stage.value, key, text),
                                                   scope.user_id, services.now_ts(),
                                                   (scope.chat_id, scope.message.message_id))
    await scope.reply("cycle/stage/questions_changed", action=action, qkey=key, stage=stage.value, text=text)


async def results(scope: Scope, args: list[str]) -> None:
    assert scope.community is not None
    if not await _pic_only(scope):
        return
    repo = scope.services.repos.cycle.cycles
    cycle = await repo.active(scope.community.id) or await repo.latest(scope.community.id)
    if cycle is None:
        await scope.reply("cycle/none")
        return
    try:
        before, after = parse_results(args)
    except CycleError:
        await scope.reply("cycle/bad_results")
        return
    await repo.set_results(cycle.id, before, after)
    if cycle.status == "done":  # recorded after the end: the stored summary follows
        await repo.save_summary(cycle.id, cycle.community_id, cycle.ended_at or scope.services.now_ts(),
                                await summary_data(scope.services, cycle.id))
    try:
        met = target_met(parse_target(cycle.target_raw), after)
    except CycleError:
        met = None
    await scope.reply("cycle/results_saved", before=before, after=after, met=met, cycle=cycle)


async def on_cycle_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) >= 3 and parts[1] in ("g", "x") and parts[2].isdigit():
        await cycle_answers.on_nav_button(scope, parts)
        return
    if len(parts) != 3 or parts[1] not in ("adv", "no") or not parts[2].isdigit():
        await scope.answer("errors.stale_button", alert=True)
        return
    stage = await scope.services.repos.cycle.cycles.stage(int(parts[2]))
    if stage is None or scope.community is None or stage.community_id != scope.community.id or not scope.is_group:
        await scope.answer("errors.stale_button", alert=True)
        return
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    if stage.status != "open":
        await scope.answer("cycle.stage_already_closed", alert=True)
        return
    await scope.answer()
    if parts[1] == "no":
        await scope.edit("cycle/stage/advance_cancelled", stage=stage)
        return
    await scope.edit("cycle/stage/advance_confirmed", stage=stage)
    await _advance(scope, stage)


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("cycle", "siklus", cmd_cycle, audience="member"))
    add_buttons(app, "cy", on_cycle_button)
    services.ticks.append(("cycle", tick))
    services.feeds.cycle = cycle_core.CycleProvider(services)
    cycle_answers.register(app, services)
    cycle_rtl.register(app, services)
    cycle_journal.register(app, services)
    cycle_star.register(app, services)
