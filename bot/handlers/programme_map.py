"""/map (/peta): the progress map (*peta kemajuan komunitas belajar*) as the community places itself (003).

Once a term a PIC opens a short self-assessment (`/peta buka`, in the group): one card, with a button that
opens the form in private. There each member places the community on each indicator of the map with one
tap (mulai / berjalan / membudaya), on one message edited in place. `/peta` shows, per focus, the level
computed from activity beside the community's own placement and its change since the last term; the report
and the principal's digest show the same (`feeds.map`: `MapProvider`, with the map's agreement and
activity indicators, in one statement).

Buttons (`pm`): `pm:p:<assessment>:<index>:<0..2>` a placement, `pm:r:<assessment>` place again.
Deep link: `/start pm_<assessment>`."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.programme.core import accepted_share, indicators, next_unanswered, placement, term_of
from domain.programme.progress_map import LEVELS
from storage.models import Community
from storage.programme import Assessment, map_facts

from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, call, edit_html
from ..feeds import Gathering, MapFeed, ProgrammeGathered
from ..keyboards import cb
from ..services import KContext, Services
from ..usecases.reports_data import snapshot
from .common import Scope, build_scope, deep_link, handler, reconcile, refuse

OPEN_WORDS = ("buka", "open")
CLOSE_WORDS = ("tutup", "close")
MAP_WEEKS = 26


def term_now(services: Services, community: Community) -> str:
    return term_of(services.clock.now().astimezone(ZoneInfo(community.tz)).date())


def term_label(services: Services, locale: str, term: str) -> str:
    years, half = term.rsplit("-", 1)
    return services.renderer.t(locale, f"map.term_{half}", years=years)


async def feed_programme(services: Services, g: Gathering, start_ts: int, end_ts: int) -> ProgrammeGathered:
    """`feeds.map`: the map's indicators of this issue and the community's own placement (this term's
    and the last earlier term's), in one statement (`storage.programme.map_facts`)."""
    term = term_of(g.now.astimezone(ZoneInfo(g.community.tz)).date())
    facts = await map_facts(services.db, g.community.id, start_ts, end_ts, term)
    return ProgrammeGathered({"programme_activities": facts.activities,
                          "agreement_accepted": accepted_share(facts.accepted, (m.user_id for m in g.members))},
                         placement(facts.own), placement(facts.before))


@handler(audience="member")
async def cmd_map(scope: Scope) -> None:
    args = [a.lower() for a in (scope.ctx.args or [])]
    c = scope.community
    assert c is not None
    services = scope.services
    if args and args[0] not in OPEN_WORDS + CLOSE_WORDS or len(args) > 1:
        await scope.reply("programme/map/usage")
        return
    if args and not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    term = term_now(services, c)
    current = await services.repos.map.of_term(c.id, term)
    if args and args[0] in OPEN_WORDS:
        if not scope.is_group:
            await refuse(scope, "errors/group_only")
            return
        current = await services.repos.map.open(c.id, term, scope.user_id, services.now_ts())
        sent = await scope.send_html(await card_text(services, c, current), markup=card_markup(services, c, current),
                                     quote=False)
        if sent is not None:
            await services.repos.map.set_card(current.id, sent.chat_id, sent.message_id)
        return
    if args:  # close
        if current is None or not current.open:
            await scope.reply("programme/map/not_open", term=term_label(services, scope.locale, term))
            return
        await services.repos.map.close(current.id, services.now_ts())
        current = await services.repos.map.get(current.id)
        await refresh_card(scope, c, current)  # type: ignore[arg-type]
        await scope.react()
        return
    snap = await snapshot(services, c, services.clock.now(), weeks=1)
    respondents = await services.repos.map.respondents(current.id) if current else 0
    await scope.reply("programme/map/show", levels=snap.levels, current=current, respondents=respondents,
                      term=term_label(services, scope.locale, term), pic=await scope.is_pic())


def card_markup(services: Services, c: Community, a: Assessment) -> InlineKeyboardMarkup | None:
    """The group card's button, in the group's language (the card is also edited from members' private chats)."""
    if not a.open:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        services.renderer.t(c.locale, "map.fill"), url=deep_link(services.bot_username, f"pm_{a.id}"))]])


async def card_text(services: Services, c: Community, a: Assessment) -> str:
    own = placement(await services.repos.map.answers(a.id))
    return services.renderer.render(c.locale, "programme/map/card", community=c, a=a, own=own,
                                    term=term_label(services, c.locale, a.term),
                                    respondents=await services.repos.map.respondents(a.id),
                                    members=await services.repos.members.count(c.id))


async def refresh_card(scope: Scope, c: Community, a: Assessment) -> None:
    """The group's card, edited in place (count, or the result once closed)."""
    if not a.chat_id or not a.message_id:
        return
    text = await card_text(scope.services, c, a)
    markup = card_markup(scope.services, c, a)
    try:
        await call(scope.services, a.chat_id, lambda cid: edit_html(scope.ctx.bot, cid, a.message_id, text, markup))
    except SendFailed:
        pass


async def _member_of(scope: Scope, a: Assessment | None) -> Community | None:
    """The assessment's community if it is open and the person may place it; refuses otherwise."""
    services = scope.services
    c = await services.repos.communities.get(a.community_id) if a else None
    if a is None or c is None:
        if scope.query is None:
            await refuse(scope, "errors/unknown_community")
        else:
            await scope.answer("errors.stale_button", alert=True)
        return None
    member = await services.repos.members.get(c.id, scope.user_id)
    if member is not None:
        member = await reconcile(services, scope.ctx, c, scope.user_id, member)
    scope.community, scope.member = c, member
    if member is None or not member.active:
        await refuse(scope, "errors/not_member")
        return None
    if not a.open:
        if scope.query is not None:
            await scope.answer("map.closed", alert=True)
        else:
            await scope.reply("programme/map/closed")
        return None
    return c


def question_markup(scope: Scope, a: Assessment, index: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(scope.t(f"reports.level.{lv}").capitalize(),
                                                       callback_data=cb("pm", "p", a.id, index, n))
                                  for n, lv in enumerate(LEVELS)]])


async def start_form(scope: Scope, rest: str) -> None:
    """`/start pm_<assessment>`: the form in private, from the first indicator not placed yet."""
    a = await scope.services.repos.map.get(int(rest)) if rest.isdigit() else None
    if await _member_of(scope, a) is None:
        return
    assert a is not None
    mine = await scope.services.repos.map.answers_of(a.id, scope.user_id)
    index = next_unanswered(mine)
    if index is None:
        await scope.reply("programme/map/done", own=placement(mine.items()), markup=again_markup(scope, a))
        return
    await scope.reply("programme/map/question", **question_kw(index), markup=question_markup(scope, a, index))


def again_markup(scope: Scope, a: Assessment) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(scope.t("map.again"), callback_data=cb("pm", "r", a.id))]])


def question_kw(index: int) -> dict[str, Any]:
    focus, indicator = indicators()[index]
    return {"n": index + 1, "total": len(indicators()), "focus": focus, "indicator": indicator}


async def on_map_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    services = scope.services
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    ok = len(parts) >= 3 and all(p.isdigit() for p in parts[2:]) and (
        (parts[1] == "p" and len(parts) == 5 and int(parts[3]) < len(indicators()) and int(parts[4]) < len(LEVELS))
        or (parts[1] == "r" and len(parts) == 3))
    if not ok or scope.is_group:
        await scope.answer("errors.stale_button", alert=True)
        return
    a = await services.repos.map.get(int(parts[2]))
    c = await _member_of(scope, a)
    if c is None:
        return
    assert a is not None
    if parts[1] == "r":
        await scope.answer()
        await scope.edit("programme/map/question", **question_kw(0), markup=question_markup(scope, a, 0))
        return
    index, level = int(parts[3]), int(parts[4])
    before = await services.repos.map.answers_of(a.id, scope.user_id)
    await services.repos.map.place(a.id, scope.user_id, indicators()[index][1], level, services.now_ts())
    await scope.answer()
    if not before:  # a new respondent: the group card's count
        await refresh_card(scope, c, a)
    if index + 1 < len(indicators()):
        await scope.edit("programme/map/question", **question_kw(index + 1),
                         markup=question_markup(scope, a, index + 1))
        return
    mine = await services.repos.map.answers_of(a.id, scope.user_id)
    await scope.edit("programme/map/done", own=placement(mine.items()), markup=again_markup(scope, a))


class MapProvider(MapFeed):
    def __init__(self, services: Services) -> None:
        self.services = services

    async def gather(self, g: Gathering, start_ts: int, end_ts: int) -> ProgrammeGathered:
        return await feed_programme(self.services, g, start_ts, end_ts)


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("map", "peta", cmd_map, audience="member"))
    services.start_routes["pm"] = start_form
    services.feeds.map = MapProvider(services)
    add_buttons(app, "pm", on_map_button)
