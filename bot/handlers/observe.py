"""/amati (/observe): peer observation of a lesson, run as lesson study (seeds 001, 002, 004).

The PIC, or a member who volunteers as model teacher, sets it up in the group (class; date time on a school
day; focus; optionally a working group). A card in the group, edited in place, takes 1-4 observers with a
tap. Each observer gets the six-aspect form of 001 in private: one tap per aspect (1-4, with a descriptor
about what pupils show), then evidence notes of what pupils did and said (text or photos). The debrief is
scheduled and posted in the group at its time, run in order — model teacher, observers, redesign ideas —
by replies to its card, and ends in an RTL item. Scores are seen by the model teacher and the observers
unless the model teacher shares them. An observation made while a cycle runs belongs to the cycle's
implementation stage and counts in the progress map (`feeds.observe.in_cycle`).

This module routes the command and the buttons; the flows live in `observe_setup` (set-up, the card, the
detail, sharing), `observe_form` (the form in private), `observe_debrief` and `observe_reports` (the feed)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

from ..buttons import add_buttons
from ..commands import Command
from ..flows import FlowSpec
from ..services import KContext, Services
from .common import Scope, build_scope, handler
from .observe_debrief import on_next, route_debrief, schedule_debrief, tick
from .observe_form import FLOW_NOTES, on_fill, on_finish, on_notes_text, on_rate
from .observe_reports import ObserveProvider
from .observe_setup import on_share, on_volunteer, setup, show_list, show_one

DEBRIEF = ("refleksi", "debrief")
HELP = ("bantuan", "help", "?")


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


# -- buttons ----------------------------------------------------------------------------------------
async def on_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    obs = await scope.services.repos.observations.get(int(parts[2])) if len(parts) >= 3 and parts[2].isdigit() else None
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


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("observe", "amati", cmd_observe, audience="member"))
    services.flows[FLOW_NOTES] = FlowSpec(FLOW_NOTES, on_notes_text)
    services.text_routes.append(("observe_debrief", route_debrief))
    add_buttons(app, "ob", on_button)
    services.ticks.append(("observe_debriefs", tick))
    services.feeds.observe = ObserveProvider(services)
