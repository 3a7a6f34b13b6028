"""The journal loop of seed 004, on top of `/jurnal`: a saved entry asks whether the day differed from the
plan and, if so, why; shared problems are gathered on one weekly card in the group (`/jurnal masalah`,
PIC) where members propose solutions by replying "<n> <solution>" and vote with one tap; the PIC fixes the
chosen solutions; each becomes a trial offered to the problem's writer, an RTL item once accepted; on the
trial's last school day the journal asks its owner about the effect. Names appear only where the writer
shared with their name."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.cycle.ops import clean_answer, local_date, local_ts, to_ts
from domain.cycle.rtl import due_reminder_at
from domain.journal_loop import (
    CARD_LIMITS,
    EFFECTS,
    MAX_PROPOSALS,
    TEXT_MAX,
    LoopError,
    Proposal,
    ask_clock,
    label,
    parse_proposal,
    trial_window,
    winner,
)
from domain.reports.period import iso_week_key
from storage.journal_loop import Card
from storage.live import LiveMessages
from storage.models import Community, Flow

from .. import live
from ..buttons import add_buttons
from ..delivery import Sent, home_thread
from ..flows import FlowSpec
from ..keyboards import cb
from ..outbox import Outgoing, records, send_once
from ..render import cycle_texts
from ..services import KContext, Services, render
from ..usecases.journal_reports import JournalProvider
from .common import Scope, build_scope, refuse, school_calendar
from .cycle_core import user_locale

if TYPE_CHECKING:
    from telegram.ext import ExtBot

FLOW_WHY, FLOW_EFFECT = "journal_why", "journal_effect"
WEEK_S = 7 * 86400
LEAD_S = 3 * 3600  # the card goes up by itself up to 3 hours before a meeting, when problems are waiting
AUTO_EVERY_S = 600  # that check runs at most every 10 minutes


def share_row(t: Any, entry_id: int) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t("cycle.btn_journal_share"), callback_data=cb("jr", "s", entry_id)),
            InlineKeyboardButton(t("journal_loop.btn_share_named"), callback_data=cb("jl", "n", entry_id))]


def saved_markup(t: Any, entry_id: int) -> InlineKeyboardMarkup:
    """Under a saved entry: did the day go as planned? and sharing (anonymous, or with the name)."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(t("journal_loop.btn_differed"), callback_data=cb("jl", "d", entry_id)),
         InlineKeyboardButton(t("journal_loop.btn_as_planned"), callback_data=cb("jl", "p", entry_id))],
        share_row(t, entry_id)])


def after_share_markup(t: Any, entry: Any) -> InlineKeyboardMarkup | None:
    """After sharing: the "differed? why?" question stays until answered; "with my name" until chosen."""
    rows = []
    if entry.differed is None:
        rows.append(saved_markup(t, entry.id).inline_keyboard[0])
    if not entry.share_named:
        rows.append(share_row(t, entry.id)[1:])
    return InlineKeyboardMarkup(rows) if rows else None


# -- the weekly card ----------------------------------------------------------------------------------
async def card_content(services: Services, community: Community, card: Card) -> tuple[str, InlineKeyboardMarkup | None]:
    problems = await services.repos.journal_loop.problems(card.id)
    loc = community.locale
    names = {}
    for p in problems:  # a name only where the writer shared with it
        member = await services.repos.members.get(community.id, p.entry.user_id) if p.entry.share_named else None
        if member is not None:
            names[p.id] = member.name
    for lim in CARD_LIMITS:  # tighter when a full card would not fit one message
        text = render(services, community, loc, "journal_loop/card", card=card, problems=problems, label=label,
                      max_proposals=MAX_PROPOSALS, names=names, lim=lim)
        if len(text) <= TEXT_MAX:
            break
    if card.status != "open":
        return text, None
    rows = []
    for p in problems:
        if p.proposals:
            rows.append([InlineKeyboardButton(f"👍 {label(p.n, k)}", callback_data=cb("jl", "v", x.id))
                         for k, x in enumerate(p.proposals)])
    if any(p.proposals for p in problems):
        rows.append([InlineKeyboardButton(services.renderer.t(loc, "journal_loop.btn_decide"),
                                          callback_data=cb("jl", "x", card.id))])
    return text, InlineKeyboardMarkup(rows) if rows else None


async def refresh_card(services: Services, bot: Any, card_id: int, *, force: bool = False) -> None:
    """The card's content changed (a proposal, a vote, a problem joined or explained): edited now or owed
    (`bot.live`, one edit per 30 s, the pass catches up); `force` at once (decided, or asked for again)."""
    await live.touch(services, bot, "problems", card_id, force=force)


@live.renders("problems")
async def problems_card(services: Services, card_id: int, part: str, now: int) -> live.LiveView | None:
    card = await services.repos.journal_loop.card(card_id)
    community = await services.repos.communities.get(card.community_id) if card else None
    if card is None or community is None or card.message_id is None:
        return None
    text, markup = await card_content(services, community, card)
    return live.LiveView(card.chat_id, card.message_id, text, markup)


async def post_card(scope: Scope) -> None:
    """`/jurnal masalah` in the group (PIC): this week's card, with every problem shared in the last 7 days."""
    assert scope.community is not None
    services, community = scope.services, scope.community
    now = services.now_ts()
    week = iso_week_key(local_date(now, community.tz))
    card, n = await services.repos.journal_loop.open_card(community.id, week, scope.chat_id, scope.thread,
                                                          scope.user_id, now, now - WEEK_S)
    if n == 0:
        await scope.reply("journal_loop/card_empty")
        return
    if card.message_id is not None:  # already posted this week: bring it up to date, point at it
        await refresh_card(services, scope.ctx.bot, card.id, force=True)
        await scope.reply("journal_loop/card_here", link=_message_link(scope.chat_id, card.message_id))
        return
    text, markup = await card_content(services, community, card)
    sent = await scope.send_html(text, markup=markup, quote=False)
    if sent is not None:
        await services.repos.journal_loop.set_card_message(card.id, scope.chat_id, sent.message_id)
        await services.repos.live.sent("problems", card.id, "", now)  # the post counts as its first edit


async def post_card_before_meeting(services: Services, bot: Any, community: Community, now: int) -> None:
    """The scheduler's card: new problems and a meeting of the community starting within LEAD_S."""
    rhythm = services.feeds.rhythm
    if rhythm is None or not community.active:
        return
    meetings = await rhythm.meetings_between(community.id, now, now + LEAD_S)
    if not any(m.get("status", "scheduled") == "scheduled" and int(m.get("start_ts") or 0) > now for m in meetings):
        return
    week = iso_week_key(local_date(now, community.tz))
    thread = home_thread(community)
    card, n = await services.repos.journal_loop.open_card(community.id, week, community.chat_id, thread, 0, now,
                                                          now - WEEK_S)
    if n == 0 or card.status != "open":
        return
    if card.message_id is not None:
        await refresh_card(services, bot, card.id)
        return
    text, markup = await card_content(services, community, card)
    await send_once(services, bot, f"jl:card:{card.id}", community.chat_id, Outgoing(
        text, markup, community_id=community.id, record=("journal_loop.card", {"card": card.id})))


@records("journal_loop.card")
async def record_card(services: Services, tx: Any, args: dict[str, Any], m: Sent) -> None:
    """The week's problems card; its post counts as its first edit (bot.live)."""
    await services.repos.journal_loop.set_card_message_in(tx, args["card"], m.chat_id, m.message_id)
    await LiveMessages.sent_in(tx, "problems", args["card"], "", services.now_ts())


def _message_link(chat_id: int, message_id: int) -> str | None:
    s = str(chat_id)
    return f"https://t.me/c/{s[4:]}/{message_id}" if s.startswith("-100") else None


async def route_card_reply(scope: Scope, message: Any) -> bool:
    """A reply to the card in the group is a proposal: "<problem number> <solution>"."""
    target = message.reply_to_message
    if not scope.is_group or target is None or scope.update.edited_message is not None or scope.community is None:
        return False
    card = await scope.services.repos.journal_loop.card_by_message(scope.chat_id, target.message_id)
    if card is None:
        return False
    if not (scope.member and scope.member.active) and not await scope.is_pic():
        await refuse(scope, "errors/not_member")
        return True
    problems = await scope.services.repos.journal_loop.problems(card.id)
    try:
        n, text = parse_proposal(message.text or message.caption, len(problems))
    except LoopError as exc:
        await scope.reply("journal_loop/proposal_bad", code=exc.code, count=len(problems))
        return True
    outcome, n = await scope.services.repos.journal_loop.add_proposal(
        card.id, n, text, scope.user_id, scope.services.now_ts(), (scope.chat_id, message.message_id), MAX_PROPOSALS)
    if outcome in ("added", "again"):
        await scope.react()
        await refresh_card(scope.services, scope.ctx.bot, card.id)
    else:
        await scope.reply("journal_loop/proposal_refused", code=outcome, n=n, max=MAX_PROPOSALS)
    return True


# -- buttons ------------------------------------------------------------------------------------------
async def on_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    kind = parts[1] if len(parts) > 1 else ""
    ids = [int(p) for p in parts[2:] if p.isdigit()]
    if len(ids) != len(parts) - 2 or not ids or scope.user is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    fn = {"d": on_differed, "p": on_differed, "n": on_share_named, "v": on_vote, "x": on_decide,
          "a": on_trial_answer, "r": on_trial_answer, "e": on_effect}.get(kind)
    if fn is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    await fn(scope, kind, ids)


async def _my_entry(scope: Scope, entry_id: int) -> Any:
    entry = await scope.services.repos.journal_loop.entry(entry_id)
    if scope.is_group or entry is None or entry.user_id != scope.user_id:
        await scope.answer("errors.stale_button", alert=True)
        return None
    return entry


async def on_differed(scope: Scope, kind: str, ids: list[int]) -> None:
    entry = await _my_entry(scope, ids[0])
    if entry is None:
        return
    r = scope.services.repos.journal_loop
    await r.set_differed(entry.id, scope.user_id, kind == "d")
    await scope.answer()
    if kind == "p":
        await scope.edit("journal_loop/as_planned", markup=InlineKeyboardMarkup([share_row(scope.t, entry.id)]))
        return
    await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW_WHY, "text", {"entry": entry.id},
                                           scope.services.now_ts(), community_id=entry.community_id,
                                           prompt_message_id=scope.query.message.message_id)  # type: ignore[union-attr]
    await scope.edit("journal_loop/why", why=_why_prompt(scope.locale))


def _why_prompt(locale: str) -> str:
    return cycle_texts(locale)["journal"]["why"]


async def on_why_text(scope: Scope, flow: Flow, message: Any) -> None:
    text, clipped = clean_answer(message.text)
    if not text:
        await scope.reply("journal_loop/why_empty", why=_why_prompt(scope.locale))
        return
    await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    entry_id = int(flow.data.get("entry", 0))
    await scope.services.repos.journal_loop.set_why(entry_id, scope.user_id, text)
    await refresh_open_card(scope, entry_id)
    await scope.reply("journal_loop/why_saved", clipped=clipped, markup=InlineKeyboardMarkup([share_row(scope.t, entry_id)]))


async def on_share_named(scope: Scope, kind: str, ids: list[int]) -> None:
    entry = await _my_entry(scope, ids[0])
    if entry is None:
        return
    entry = await scope.services.repos.journal_loop.share(entry.id, scope.user_id, True, scope.services.now_ts())
    await scope.answer("cycle.journal_shared_alert")
    await scope.edit("journal_loop/shared_named", markup=after_share_markup(scope.t, entry))
    await refresh_open_card(scope, entry.id)


async def refresh_open_card(scope: Scope, entry_id: int) -> None:
    """An entry was shared or explained: the open cards it is a problem on show it."""
    for card_id in await scope.services.repos.journal_loop.open_cards_with(entry_id):
        await refresh_card(scope.services, scope.ctx.bot, card_id)


async def _member_here(scope: Scope) -> bool:
    """A button on the group card: only the group's active members (and PICs) may press it."""
    if not scope.is_group or scope.community is None:
        await scope.answer("errors.stale_button", alert=True)
        return False
    if not (scope.member and scope.member.active) and not await scope.is_pic():
        await refuse(scope, "errors/not_member")
        return False
    return True


async def on_vote(scope: Scope, kind: str, ids: list[int]) -> None:
    if not await _member_here(scope):
        return
    assert scope.community is not None
    outcome = await scope.services.repos.journal_loop.vote(ids[0], scope.user_id, scope.community.id)
    if outcome in ("missing", "closed"):
        await scope.answer("journal_loop.vote_" + outcome, alert=True)
        return
    await scope.answer("journal_loop.vote_" + outcome)
    card = await scope.services.repos.journal_loop.card_by_message(
        scope.chat_id, scope.query.message.message_id)  # type: ignore[union-attr]
    if card is not None:
        await refresh_card(scope.services, scope.ctx.bot, card.id)


async def on_decide(scope: Scope, kind: str, ids: list[int]) -> None:
    if not await _member_here(scope):
        return
    assert scope.community is not None
    community = scope.community
    card = await scope.services.repos.journal_loop.card(ids[0])
    if card is None or card.community_id != community.id:
        await scope.answer("errors.stale_button", alert=True)
        return
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    r = scope.services.repos.journal_loop
    if not await r.decide(card.id):
        await scope.answer("journal_loop.vote_closed", alert=True)
        return
    now = scope.services.now_ts()
    calendar = await school_calendar(scope.services, community)
    start, end = trial_window(local_date(now, community.tz), calendar.is_school_day)
    latest = await scope.services.repos.cycle.cycles.latest(community.id)
    cycle_id = latest.id if latest is not None and latest.status == "active" else None
    offers = 0
    for p in await r.problems(card.id):
        chosen = winner([Proposal(x.id, x.votes) for x in p.proposals])
        if chosen is None:
            continue
        trial_id = await r.add_trial(community.id, p.id, chosen, p.entry.user_id, cycle_id, start.isoformat(),
                                     end.isoformat(), now)
        if trial_id is not None:
            offers += 1
            await offer_trial(scope.services, scope.ctx.bot, community, trial_id)
    await scope.answer("journal_loop.decided_alert", n=offers)
    await refresh_card(scope.services, scope.ctx.bot, card.id, force=True)


async def offer_trial(services: Services, bot: Any, community: Community, trial_id: int) -> None:
    trial = await services.repos.journal_loop.trial(trial_id)
    user = await services.repos.users.get(trial.owner_user_id or 0) if trial else None
    member = await services.repos.members.get(community.id, user.id) if user else None
    if trial is None or user is None or not user.reachable or (member is not None and member.departed):
        return  # someone who left the group is not asked
    loc = user_locale(services, user, community)
    text = render(services, community, loc, "journal_loop/trial_offer", trial=trial, start=date.fromisoformat(
        trial.start_day), end=date.fromisoformat(trial.end_day))
    t = services.renderer.t
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(t(loc, "journal_loop.btn_try"), callback_data=cb("jl", "a", trial.id)),
        InlineKeyboardButton(t(loc, "journal_loop.btn_not_now"), callback_data=cb("jl", "r", trial.id))]])
    await send_once(services, bot, f"jl:o:{trial.id}", user.id, Outgoing(text, markup))


async def _my_trial(scope: Scope, trial_id: int) -> Any:
    trial = await scope.services.repos.journal_loop.trial(trial_id)
    if scope.is_group or trial is None or trial.owner_user_id != scope.user_id:
        await scope.answer("errors.stale_button", alert=True)
        return None, None
    community = await scope.services.repos.communities.get(trial.community_id)
    member = await scope.services.repos.members.get(trial.community_id, scope.user_id)
    if community is None or (member is not None and member.departed):
        await scope.answer("errors.left_group", alert=True)
        return None, None
    return trial, community


async def on_trial_answer(scope: Scope, kind: str, ids: list[int]) -> None:
    trial, community = await _my_trial(scope, ids[0])
    if trial is None:
        return
    r, services = scope.services.repos.journal_loop, scope.services
    if kind == "r":
        ok = await r.decline(trial.id, scope.user_id)
        await scope.answer()
        if ok:
            await scope.edit("journal_loop/trial_declined")
        return
    if trial.status != "offered":
        await scope.answer("journal_loop.already", alert=True)
        return
    end = date.fromisoformat(trial.end_day)
    calendar = await school_calendar(services, community)
    journal = await services.repos.cycle.journal.sub(scope.user_id, community.id)
    h, m = ask_clock(journal.hhmm if journal and journal.enabled else None)
    ask_at = local_ts(end, h, community.tz, m)
    remind = int(due_reminder_at(end, community.tz, is_school_day=calendar.is_school_day).timestamp())
    rtl_id = await services.repos.cycle.rtl.add(
        community.id, trial.cycle_id, scope.t("journal_loop.rtl_what", solution=trial.solution or ""), None,
        scope.user_id, trial.end_day, scope.t("journal_loop.rtl_measure"), scope.user_id, services.now_ts(),
        remind, (scope.chat_id, scope.query.message.message_id))  # type: ignore[union-attr]
    await r.accept(trial.id, scope.user_id, rtl_id, ask_at)
    await scope.answer()
    await scope.edit("journal_loop/trial_accepted", trial=trial, rtl_id=rtl_id, start=date.fromisoformat(trial.start_day),
                     end=end, ask=datetime.fromtimestamp(ask_at, ZoneInfo(community.tz)))


def effect_markup(t: Any, trial_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(f"journal_loop.btn_effect.{e}"),
                                                       callback_data=cb("jl", "e", trial_id, i))
                                  for i, e in enumerate(EFFECTS)]])


async def on_effect(scope: Scope, kind: str, ids: list[int]) -> None:
    trial, community = await _my_trial(scope, ids[0])
    if trial is None:
        return
    if len(ids) != 2 or not 0 <= ids[1] < len(EFFECTS) or trial.status != "accepted":
        await scope.answer("errors.stale_button", alert=True)
        return
    effect = EFFECTS[ids[1]]
    now = scope.services.now_ts()
    await scope.services.repos.journal_loop.set_effect(trial.id, scope.user_id, effect, now)
    if trial.rtl_id:
        await scope.services.repos.cycle.rtl.set_status(trial.rtl_id, "done", now)
    await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW_EFFECT, "text", {"trial": trial.id},
                                           now, community_id=community.id,
                                           prompt_message_id=scope.query.message.message_id)  # type: ignore[union-attr]
    await scope.answer()
    await scope.edit("journal_loop/effect_saved", trial=trial, effect=effect)


async def on_effect_text(scope: Scope, flow: Flow, message: Any) -> None:
    text, clipped = clean_answer(message.text)
    if not text:
        await scope.reply("journal_loop/effect_note_empty")
        return
    await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    await scope.services.repos.journal_loop.set_effect_note(int(flow.data.get("trial", 0)), scope.user_id, text)
    await scope.reply("journal_loop/effect_note_saved", clipped=clipped)


# -- the scheduler pass ------------------------------------------------------------------------------
async def tick(services: Services, bot: ExtBot, now_dt: Any) -> None:
    now = to_ts(now_dt)
    r = services.repos.journal_loop
    if now - services.extra.get("jl_auto_at", 0) >= AUTO_EVERY_S:  # the card before the weekly meeting
        services.extra["jl_auto_at"] = now
        for community_id in await r.communities_with_new_problems(now - WEEK_S):
            community = await services.repos.communities.get(community_id)
            if community is not None:
                await post_card_before_meeting(services, bot, community, now)
    for trial in await r.due_asks(now):
        community = await services.repos.communities.get(trial.community_id)
        user = await services.repos.users.get(trial.owner_user_id or 0)
        if community is None or user is None or not user.reachable:
            await r.mark_asked(trial.id, None)
            continue
        calendar = await school_calendar(services, community)
        today = local_date(now, community.tz)
        if not calendar.is_school_day(today):  # an off-day added since: ask on the next school day
            nxt = calendar.next_school_day(today + timedelta(days=1)) or today + timedelta(days=1)
            when = datetime.fromtimestamp(trial.ask_at or now, ZoneInfo(community.tz))
            await r.postpone(trial.id, local_ts(nxt, when.hour, community.tz, when.minute))
            continue
        loc = user_locale(services, user, community)
        text = render(services, community, loc, "journal_loop/effect_ask", trial=trial)
        markup = effect_markup(lambda k, loc=loc, **kw: services.renderer.t(loc, k, **kw), trial.id)
        await send_once(services, bot, f"jl:e:{trial.id}", user.id, Outgoing(
            text, markup, record=("journal_loop.ask", {"trial": trial.id})),
            also=lambda tx, trial_id=trial.id: r.asked_in(tx, trial_id))


@records("journal_loop.ask")
async def record_ask(services: Services, tx: Any, args: dict[str, Any], m: Sent) -> None:
    await services.repos.journal_loop.ask_sent_in(tx, args["trial"], m.message_id)


def register(app: Application, services: Services) -> None:
    services.flows[FLOW_WHY] = FlowSpec(FLOW_WHY, on_why_text)
    services.flows[FLOW_EFFECT] = FlowSpec(FLOW_EFFECT, on_effect_text)
    services.text_routes.append(("journal_loop", route_card_reply))
    add_buttons(app, "jl", on_button)
    services.ticks.append(("journal_loop", tick))
    services.feeds.journal = JournalProvider(services)
