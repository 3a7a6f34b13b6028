"""The guided way to plan a weekly meeting, for a PIC who prefers tapping: day → time → duration buttons,
then the place or link as a typed reply. The state is a `flows` row, so a restart mid-way resumes."""

from __future__ import annotations

from datetime import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.rhythm.schedule import ScheduleSpec, _split_rest
from storage.models import Flow

from ..buttons import add_buttons
from ..flows import FlowSpec
from ..keyboards import cb, rows
from ..services import KContext, Services
from .common import Scope, build_scope, refuse
from .rhythm import create_series
from .rhythm_hours import on_undo_button

FLOW = "rhythm_new"
TIMES = ("07:30", "09:00", "12:30", "13:00", "13:30", "14:00", "15:00", "16:00", "19:00", "19:30")
DURATIONS = (45, 60, 90, 120, 150, 180)
PLACE_MAX = 200


def day_keyboard(scope: Scope) -> InlineKeyboardMarkup:
    assert scope.community is not None
    days = range(scope.community.work_days)
    return InlineKeyboardMarkup(rows([
        InlineKeyboardButton(scope.t(f"rhythm.day.{d}"), callback_data=cb("sc", "d", d)) for d in days], 3))


def time_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(rows([
        InlineKeyboardButton(t, callback_data=cb("sc", "t", t.replace(":", ""))) for t in TIMES], 5))


def duration_keyboard(scope: Scope) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(rows([
        InlineKeyboardButton(scope.t("rhythm.btn.minutes", n=n), callback_data=cb("sc", "m", n))
        for n in DURATIONS], 3))


async def on_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if scope.community is None or len(parts) not in (2, 3):
        await scope.answer("errors.stale_button", alert=True)
        return
    if parts[1] == "u":  # undo of a learning-log entry (rhythm_hours)
        await on_undo_button(scope, parts)
        return
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    repos = scope.services.repos
    now = scope.services.now_ts()
    if parts == ["sc", "new"]:
        await repos.flows.start(scope.chat_id, scope.user_id, FLOW, "day", {}, now, community_id=scope.community.id)
        await scope.answer()
        await scope.reply("rhythm/ask_step", step="day", markup=day_keyboard(scope), quote=False)
        return
    flow = await repos.flows.get(scope.chat_id, scope.user_id)
    if flow is None or flow.name != FLOW or len(parts) != 3:
        await scope.answer("rhythm.flow_not_running", alert=True)
        return
    field, value = parts[1], parts[2]
    data = dict(flow.data)
    if field == "d" and flow.step == "day" and value.isdigit() and int(value) < scope.community.work_days:
        data["day"], nxt, markup = int(value), "time", time_keyboard()
        shown = scope.t(f"rhythm.day.{value}")
    elif field == "t" and flow.step == "time" and f"{value[:2]}:{value[2:]}" in TIMES:
        data["time"], nxt, markup = f"{value[:2]}:{value[2:]}", "duration", duration_keyboard(scope)
        shown = data["time"]
    elif field == "m" and flow.step == "duration" and value.isdigit() and int(value) in DURATIONS:
        data["duration"], nxt, markup = int(value), "place", None
        shown = scope.t("rhythm.btn.minutes", n=value)
    else:
        await scope.answer("rhythm.flow_other_step", alert=True)
        return
    await repos.flows.start(scope.chat_id, scope.user_id, FLOW, nxt, data, now, community_id=flow.community_id)
    await scope.answer()
    await scope.edit("rhythm/ask_step", step=flow.step, chosen=shown)
    if nxt == "place":
        prompt = await scope.ask("rhythm/ask_step", step="place")
        if prompt is not None:
            await repos.flows.set_prompt(scope.chat_id, scope.user_id, prompt.message_id)
        return
    await scope.reply("rhythm/ask_step", step=nxt, markup=markup, quote=False)


async def on_text(scope: Scope, flow: Flow, message: Any) -> None:
    text = " ".join((message.text or "").split())
    if flow.step != "place":
        await scope.reply("rhythm/ask_step", step="use_buttons")
        return
    if len(text) > PLACE_MAX:
        await scope.reply("rhythm/schedule_error", code="place_long", detail=str(PLACE_MAX))
        return
    place, link, agenda = _split_rest(text.split()) if text not in ("", "-") else (None, None, None)
    data = flow.data
    h, m = (int(x) for x in data["time"].split(":"))
    spec = ScheduleSpec("weekly", (data["day"],), time(h, m), data["duration"], None, place, link, agenda)
    if scope.community is None or scope.community.id != flow.community_id:
        scope.community = await scope.services.repos.communities.get(flow.community_id)  # type: ignore[arg-type]
    await scope.services.repos.flows.end(flow.chat_id, flow.user_id)
    await create_series(scope, spec, scope.chat_id, message.message_id)


def register(app: Application, services: Services) -> None:
    services.flows[FLOW] = FlowSpec(FLOW, on_text)
    add_buttons(app, "sc", on_button)
