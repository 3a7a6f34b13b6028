"""/activity (/kegiatan): the PIC records the programme's activities (002) — forum berbagi praktik baik, klub
belajar siswa berbasis proyek, kelas inspirasi orang tua, lesson study, or a custom one — with the day and
how many teachers, pupils and parents took part: one tap for the kind, one reply for the rest. The report
gets the list and a participation table in 002's form (per period, first period against last).

Buttons (`ak`): `ak:k:<community>:<kind>`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.programme.core import (
    KINDS,
    ProgrammeError,
    clean_title,
    first_and_last,
    parse_details,
    participation,
)
from domain.reports.period import midnight_ts
from storage.models import Community, Flow
from storage.programme import Activity

from ..buttons import add_buttons
from ..commands import Command
from ..feeds import ProgrammeFeed
from ..flows import FlowSpec
from ..keyboards import cb
from ..services import KContext, Services
from .common import Scope, build_scope, handler, is_pic, pic_flow_community, refuse

FLOW = "activity"
LIST_WORDS = ("daftar", "list")
DELETE_WORDS = ("hapus", "delete")
MAP_WEEKS = 26


def today_of(services: Services, community: Community) -> date:
    return services.clock.now().astimezone(ZoneInfo(community.tz)).date()


@handler(audience="pic")
async def cmd_activity(scope: Scope) -> None:
    c = scope.community
    assert c is not None
    args = [a.lower() for a in (scope.ctx.args or [])]
    if not args:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(scope.t(f"activity.kind.{k}"),
                                                             callback_data=cb("ak", "k", c.id, k))] for k in KINDS])
        await scope.reply("programme/activity/pick", markup=markup)
        return
    if args[0] in LIST_WORDS and len(args) == 1:
        end = today_of(scope.services, c)
        start = end - timedelta(weeks=MAP_WEEKS)
        acts = await scope.services.repos.activities.between(c.id, midnight_ts(start, ZoneInfo(c.tz)),
                                                             midnight_ts(end + timedelta(days=1), ZoneInfo(c.tz)))
        await scope.reply("programme/activity/list", acts=acts, weeks=MAP_WEEKS)
        return
    if args[0] in DELETE_WORDS and len(args) == 2 and args[1].lstrip("#").isdigit():
        removed = await scope.services.repos.activities.delete(c.id, int(args[1].lstrip("#")))
        await scope.reply("programme/activity/deleted", ok=removed, id=args[1].lstrip("#"))
        return
    await scope.reply("programme/activity/usage")


async def on_activity_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    services = scope.services
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) != 4 or parts[1] != "k" or not parts[2].isdigit() or parts[3] not in KINDS:
        await scope.answer("errors.stale_button", alert=True)
        return
    community = await services.repos.communities.get(int(parts[2]))
    if community is None or (scope.is_group and community.chat_id != scope.chat_id):
        await scope.answer("errors.stale_button", alert=True)
        return
    member = await services.repos.members.get(community.id, scope.user_id)
    scope.community, scope.member = community, member
    if not await is_pic(services, ctx, community, scope.user_id, member, in_group=scope.is_group):
        await refuse(scope, "errors/not_pic")
        return
    kind = parts[3]
    step = "title" if kind == "custom" else "details"
    await services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, step, {"kind": kind}, services.now_ts(),
                                     community_id=community.id)
    await scope.answer()
    await scope.edit("programme/activity/kind", kind=kind)
    await ask(scope, step)


async def ask(scope: Scope, step: str, **kw: Any) -> None:
    prompt = await scope.ask(f"programme/activity/ask_{step}", **kw)
    if prompt is not None:
        await scope.services.repos.flows.set_prompt(scope.chat_id, scope.user_id, prompt.message_id)


async def on_activity_text(scope: Scope, flow: Flow, message: Any) -> None:
    services = scope.services
    community = await pic_flow_community(scope, flow)
    if community is None:
        return
    text = (message.text or "").strip()
    data = dict(flow.data)
    try:
        if flow.step == "title":
            data["title"] = clean_title(text)
            await services.repos.flows.start(flow.chat_id, flow.user_id, FLOW, "details", data, services.now_ts(),
                                             community_id=community.id)
            await ask(scope, "details")
            return
        details = parse_details(text, today=today_of(services, community))
    except ProgrammeError as exc:
        await scope.reply("programme/activity/bad", code=exc.code, text=text[:60], **exc.detail)
        await ask(scope, flow.step)
        return
    await services.repos.flows.end(flow.chat_id, flow.user_id)
    held_ts = midnight_ts(details.held_on, ZoneInfo(community.tz))
    aid = await services.repos.activities.add(community.id, data["kind"], data.get("title"), details.held_on,
                                              held_ts, details.teachers, details.pupils, details.parents,
                                              scope.user_id, services.now_ts())
    await scope.reply("programme/activity/saved", id=aid, kind=data["kind"], title=data.get("title"),
                      d=details)


def label(services: Services, locale: str, a: Activity) -> str:
    return a.title or services.renderer.t(locale, f"activity.kind.{a.kind}")


async def report_rows_programme(services: Services, community_id: int, start_ts: int,
                                end_ts: int) -> dict[str, list[list]]:
    """Sheets of `/report`: the activities, participation per period, and 002's first-against-last table
    (first row = header; in the community's language, like the other features' sheets)."""
    c = await services.repos.communities.get(community_id)
    if c is None:
        return {}
    acts = await services.repos.activities.between(community_id, start_ts, end_ts)
    if not acts:
        return {}
    tz = ZoneInfo(c.tz)
    loc = c.locale

    def t(key: str, **kw: Any) -> str:
        return services.renderer.t(loc, f"activity.{key}", **kw)

    start = datetime.fromtimestamp(start_ts, UTC).astimezone(tz).date()
    end = datetime.fromtimestamp(end_ts - 1, UTC).astimezone(tz).date()
    head = [t("col.teachers"), t("col.pupils"), t("col.parents")]
    listing = [[t("col.date"), t("col.activity"), *head]] + [
        [a.held_on.isoformat(), label(services, loc, a), a.teachers, a.pupils, a.parents] for a in acts]
    per = participation([(a.held_on, a.teachers, a.pupils, a.parents) for a in acts], start, end)

    def span(p: Any) -> str:
        return f"{p.start:%d/%m}–{p.end:%d/%m/%Y}"

    table = [[t("col.period"), t("col.activities"), *head]] + [
        [span(p), p.activities, p.teachers, p.pupils, p.parents] for p in per]
    out = {"programme_activities": listing, "programme_participation": table}
    pair = first_and_last(per)
    if pair is not None:
        a, b = pair
        change = [[t("col.no"), t("col.aspect"), t("col.first", period=span(a)), t("col.last", period=span(b)),
                   t("col.change")]]
        for n, (key, x, y) in enumerate((("teachers", a.teachers, b.teachers), ("pupils", a.pupils, b.pupils),
                                         ("parents", a.parents, b.parents),
                                         ("activities", a.activities, b.activities)), start=1):
            change.append([n, t(f"aspect.{key}"), x, y, f"{y - x:+d}"])
        out["programme_change"] = change
    return out


class ProgrammeProvider(ProgrammeFeed):
    def __init__(self, services: Services) -> None:
        self.services = services

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> dict[str, list[list]]:
        return await report_rows_programme(self.services, community_id, start_ts, end_ts)


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("activity", "kegiatan", cmd_activity, audience="pic"))
    services.flows[FLOW] = FlowSpec(FLOW, on_activity_text)
    services.feeds.programme = ProgrammeProvider(services)
    add_buttons(app, "ak", on_activity_button)
