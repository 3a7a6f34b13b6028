"""Surveys in the group: posting a survey (one card: answered one tap per item in private; a one-item check
is answered on the card itself), keeping the card's count of respondents current (`bot.live`), closing
(the results go into the next weekly summary; `/survei hasil N` shows them on request, with charts). Also the
scheduler tick (closing on time, the weekly pulse) and what other features read (`SurveysProvider`)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ExtBot

from domain.reports.charts import trend_chart
from domain.surveys.core import builtin_survey, likert_labels, trend_series
from domain.surveys.timing import next_slot
from storage.activity import ActivityPart
from storage.models import Community
from storage.surveys import PulseSchedule, Survey

from .. import live, quiet
from ..delivery import Sent
from ..feeds import Gathering, PulsePoint, SurveyHeadline, SurveysFeed, SurveysGathered
from ..keyboards import cb
from ..outbox import Outgoing, records, send_once
from ..render import local, survey_texts
from ..services import Services, render
from ..usecases.surveys_results import compute, frozen, published, trend, trend_start
from .common import deep_link

log = logging.getLogger(__name__)
PULSE_OPEN_HOURS = 48
MEETING_RECHECK_S = 86400


# -- keyboards ------------------------------------------------------------------------------------
def item_markup(services: Services, survey: Survey, idx: int, locale: str, *,
                private: bool = False) -> InlineKeyboardMarkup | None:
    item = survey.items[idx]
    if item.kind == "likert":
        rows = [[InlineKeyboardButton(label, callback_data=cb("sv", survey.id, idx, v))
                 for v, label in enumerate(likert_labels(survey_texts(survey.locale)).short, start=1)]]
    elif item.kind in ("choice", "mcq"):
        rows = [[InlineKeyboardButton(opt, callback_data=cb("sv", survey.id, idx, i))]
                for i, opt in enumerate(item.options)]
    elif private:
        rows = [[InlineKeyboardButton(services.renderer.t(locale, "sv.btn_skip"),
                                      callback_data=cb("sv", survey.id, idx, "s"))]]
    else:
        return None
    return InlineKeyboardMarkup(rows)


def inline(survey: Survey) -> bool:
    """A one-item check with buttons is answered on the card itself, in the group."""
    return len(survey.items) == 1 and survey.items[0].kind in ("likert", "choice", "mcq")


def header_markup(services: Services, survey: Survey, locale: str) -> InlineKeyboardMarkup | None:
    rows = []
    if inline(survey) and survey.is_open:
        rows = list(item_markup(services, survey, 0, locale).inline_keyboard)  # type: ignore[union-attr]
    if services.bot_username:
        rows.append([InlineKeyboardButton(services.renderer.t(locale, "sv.btn_private"),
                                          url=deep_link(services.bot_username, f"sv_{survey.id}"))])
    return InlineKeyboardMarkup(rows) if rows else None


def header_text(services: Services, community: Community, survey: Survey, count: int) -> str:
    return render(services, community, community.locale, "surveys/header", survey=survey, count=count,
                  closes=local(survey.closes_at, community.tz), closed=not survey.is_open, inline=inline(survey))


def split_lines(text: str, limit: int = 3800) -> list[str]:
    """Parts of at most `limit` characters, cut between lines (templates keep tags within a line)."""
    parts: list[str] = []
    chunk: list[str] = []
    size = 0
    for line in text.split("\n"):
        if size + len(line) + 1 > limit and chunk:
            parts.append("\n".join(chunk))
            chunk, size = [], 0
        chunk.append(line[:limit])
        size += len(line[:limit]) + 1
    if chunk:
        parts.append("\n".join(chunk))
    return [p for p in parts if p.strip()]


# -- posting --------------------------------------------------------------------------------------
async def post_survey(services: Services, bot: ExtBot, survey: Survey,
                      answering: tuple[int, int | None] | None = None) -> bool:
    """Put the survey's card in the group (at most once, resumable). Surveys posted before cards kept one
    message per item (`sv:<id>:i<n>`): their buttons and replies still answer. `answering`: the PIC's
    command (message id, topic) that started it; the card answers it when posted in that topic (an answer
    to what someone typed, not one more post of the bot's own, issue 14)."""
    community = await services.repos.communities.get(survey.community_id)
    if community is None:
        return False
    r = services.repos.surveys
    text = header_text(services, community, survey, survey.respondents)
    markup = header_markup(services, survey, community.locale)
    await send_once(services, bot, f"sv:{survey.id}:h", survey.chat_id, Outgoing(
        text, markup, community_id=community.id, reply_to=answering,
        record=("survey.card", {"survey": survey.id, "one_item": len(survey.items) == 1})),
        also=lambda tx: r.set_posted_in(tx, survey.id))
    return True


@records("survey.card")
async def record_card(services: Services, tx: Any, args: dict[str, Any], m: Sent) -> None:
    await services.repos.surveys.card_sent_in(tx, args["survey"], m.chat_id, m.message_id, args["one_item"])


@live.renders("survey")
async def survey_card(services: Services, survey_id: int, part: str, now: int) -> live.LiveView | None:
    """The card as it should look now: the number of respondents, its buttons while open (`live.touch(...,
    "survey", id)` after a new respondent; forced when it closes)."""
    survey = await services.repos.surveys.get(survey_id)
    if survey is None or survey.header_message_id is None:
        return None
    community = await services.repos.communities.get(survey.community_id)
    if community is None:
        return None
    markup = header_markup(services, survey, community.locale) if survey.is_open else None
    return live.LiveView(survey.chat_id, survey.header_message_id,
                         header_text(services, community, survey, survey.respondents), markup)


# -- closing and results --------------------------------------------------------------------------
async def close_survey(services: Services, bot: ExtBot, survey: Survey) -> bool:
    """Stop answers and settle the results (no post: they go into the weekly summary). False if it was
    already closed."""
    if not await services.repos.surveys.close(survey.id, services.now_ts()):
        return False
    await post_results(services, bot, survey.id)
    return True


async def post_results(services: Services, bot: ExtBot, survey_id: int) -> None:
    r = services.repos.surveys
    survey = await r.get(survey_id)
    community = await services.repos.communities.get(survey.community_id) if survey else None
    if survey is None or community is None:
        return
    results = await compute(r, survey)
    key = "surveys/results/test" if results.is_test else "surveys/results/show"
    # What every later summary, report, trend and `/survei hasil N` shows, kept once: the text too, so answers
    # erased later cannot reappear as the difference between two versions of it.
    text = render(services, community, community.locale, key, r=results)
    await r.freeze(survey.id, {**frozen(results), "text": text})
    await live.touch(services, bot, "survey", survey.id, force=True)  # closed: no buttons, at once
    await r.mark_closed(survey.id)


def results_parts(survey: Survey) -> list[str]:
    """The results of a closed survey as kept when it closed, in message-sized parts (`/survei hasil N`)."""
    return split_lines((survey.published or {}).get("text") or "")


async def trend_chart_png(services: Services, community: Community, points: list[Any], items: list[Any]) -> bytes:
    loc = community.locale
    keys = [it.key for it in items]
    series = trend_series(points, [*keys, "overall"])
    named = {it.text if len(it.text) < 40 else services.renderer.t(loc, f"sv.focus.{it.key}"): series[it.key]
             for it in items}
    named[services.renderer.t(loc, "sv.overall")] = series["overall"]
    labels = [services.renderer.t(loc, "sv.week_label", d=p.week_start.day, m=p.week_start.month) for p in points]
    return await asyncio.to_thread(trend_chart, labels, named, services.renderer.t(loc, "sv.chart_trend"),
                                   locale=loc)


# -- starting (shared by the command and the weekly schedule) -------------------------------------
async def start_survey(services: Services, bot: ExtBot, community: Community, *, definition: Any,
                       created_by: int, closes_at: int | None, source_key: str, phase: str | None = None,
                       pair_id: int | None = None, group_id: int | None = None,
                       answering: tuple[int, int | None] | None = None) -> tuple[Survey, bool]:
    """`group_id`: aimed at one working group (only its members answer), recorded before it is posted.
    `answering`: the command in the group that started it (post_survey)."""
    survey, created = await services.repos.surveys.create(
        community_id=community.id, chat_id=community.chat_id, definition=definition, locale=community.locale,
        created_by=created_by, now=services.now_ts(), closes_at=closes_at, source_key=source_key, phase=phase,
        pair_id=pair_id, individual=bool(community.settings.get("survey_individual")))
    if created and group_id is not None:
        await services.feeds.groups.target_survey(survey.id, group_id)  # type: ignore[union-attr]
    if created or not survey.posted:
        await post_survey(services, bot, survey, answering)
    return survey, created


# -- the scheduler tick ---------------------------------------------------------------------------
async def held(services: Services, community_id: int, now: datetime) -> bool:
    """A group post the scheduler makes on its own waits for the community's school day (bot.quiet)."""
    community = await services.repos.communities.get(community_id)
    return community is not None and not await quiet.may_send_now(services, community, now, private=False)


async def tick(services: Services, bot: ExtBot, now: datetime) -> None:
    r = services.repos.surveys
    ts = int(now.timestamp())
    for survey in await r.due_to_close(ts):
        if await held(services, survey.community_id, now):  # answers stop now; the results wait (quiet policy)
            await r.close(survey.id, ts)
            continue
        await close_survey(services, bot, survey)
    for survey in await r.closing():
        if not await held(services, survey.community_id, now):
            await post_results(services, bot, survey.id)
    for survey in await r.unposted():
        if not await held(services, survey.community_id, now):
            await post_survey(services, bot, survey)
    for sched in await r.due_schedules(ts):
        await run_schedule(services, bot, sched, now)


async def run_schedule(services: Services, bot: ExtBot, sched: PulseSchedule, now: datetime) -> None:
    r = services.repos.surveys
    ts = int(now.timestamp())
    community = await services.repos.communities.get(sched.community_id)
    if community is None or not community.active:
        await r.advance_schedule(sched.community_id, checked_until=ts, next_due_at=ts + MEETING_RECHECK_S, now=ts)
        return
    zone = ZoneInfo(community.tz)
    rhythm = services.feeds.rhythm
    if sched.mode == "meeting" and rhythm is not None:
        ended = [m for m in await rhythm.meetings_between(community.id, sched.checked_until - 86400, ts)
                 if sched.checked_until < int(m["end_ts"]) <= ts and m.get("status", "scheduled") == "scheduled"]
        if ended:
            last = max(int(m["end_ts"]) for m in ended)
            await _start_pulse(services, bot, community, sched, f"sched:{community.id}:{last}", ts)
        # from 12 h back, so a meeting already under way is followed too
        upcoming = [int(m["end_ts"]) for m in await rhythm.meetings_between(community.id, ts - 12 * 3600, ts + 8 * 86400)
                    if int(m["end_ts"]) > ts]
        nxt = min([*upcoming, ts + MEETING_RECHECK_S])
    elif sched.weekday is not None and sched.minute_of_day is not None:
        at = await quiet.send_at(services, community, now, private=False)
        if at != now:  # a day off: on the next school day (one pending pulse at most: the slot moves)
            nxt = int(at.timestamp()) if at is not None else next_slot(sched.weekday, sched.minute_of_day, zone, now)
            await r.advance_schedule(community.id, checked_until=ts, next_due_at=nxt, now=ts)
            return
        await _start_pulse(services, bot, community, sched, f"sched:{community.id}:{sched.next_due_at}", ts)
        nxt = next_slot(sched.weekday, sched.minute_of_day, zone, now)
    else:  # meeting mode without the weekly-rhythm feature: nothing to follow, look again tomorrow
        nxt = ts + MEETING_RECHECK_S
    await r.advance_schedule(community.id, checked_until=ts, next_due_at=nxt, now=ts)


async def _start_pulse(services: Services, bot: ExtBot, community: Community, sched: PulseSchedule, key: str,
                       ts: int) -> None:
    await start_survey(services, bot, community, definition=builtin_survey("pulse", survey_texts(community.locale)),
                       created_by=sched.created_by, closes_at=ts + sched.open_hours * 3600, source_key=key)


# -- what surveys give other features (bot.feeds.SurveysFeed) -------------------------------------------
def _points(ps: list[Any]) -> list[PulsePoint]:
    return [{"week_start": p.week_start, "n": p.overall.n, "mean": p.overall.mean,
             "agree_share": p.overall.agree_share, "index": p.overall.index, "hidden": p.hidden,
             "items": {k: v.agree_share for k, v in p.items.items()}} for p in ps]


class SurveysProvider(SurveysFeed):
    def __init__(self, services: Services) -> None:
        self.services = services

    async def latest(self, community_id: int, start_ts: int, end_ts: int) -> list[SurveyHeadline]:
        r = self.services.repos.surveys
        return [(await published(r, s))["headline"] for s in await r.closed_between(community_id, start_ts, end_ts)]

    async def pulse_trend(self, community_id: int, weeks: int) -> list[PulsePoint]:
        community = await self.services.repos.communities.get(community_id)
        if community is None or weeks <= 0:
            return []
        return _points(await trend(self.services.repos.surveys, community_id, community.tz, weeks,
                                   self.services.now_ts()))

    async def gather(self, g: Gathering, since_ts: int, weeks: int) -> SurveysGathered:
        """`latest` since `since_ts` and `pulse_trend` of `weeks` weeks from one read of the surveys (with the
        definitions of the latest, for the line per working group)."""
        r, c, now = self.services.repos.surveys, g.community, self.services.now_ts()
        start = min(int(since_ts), trend_start(c.tz, weeks, now)) if weeks > 0 else int(since_ts)
        closed = await r.closed_between(c.id, start, now + 1)
        recent = [s for s in closed if (s.closed_at or 0) >= since_ts]
        latest = [(await published(r, s))["headline"] for s in recent]
        pulse = _points(await trend(r, c.id, c.tz, weeks, now, closed=closed)) if weeks > 0 else []
        return SurveysGathered(latest, pulse, {s.id: s for s in recent})

    async def activity(self, community_id: int, start_ts: int, end_ts: int) -> dict[int, dict[str, int]]:
        by_user = await self.services.repos.surveys.responses_by_user(community_id, int(start_ts), int(end_ts))
        return {uid: {"responses": n} for uid, n in by_user.items()}

    def activity_parts(self, g: Gathering, start_ts: int, end_ts: int) -> list[ActivityPart]:
        return [self.services.repos.surveys.responses_part(g.community.id, int(start_ts), int(end_ts))]


def install_feed(services: Services) -> None:
    services.feeds.surveys = SurveysProvider(services)
