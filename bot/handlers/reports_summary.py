"""The weekly group summary (`/summary`'s content and its tick, issue 6): the slot of a community's week, the
summary built from the typed feeds (`reports_data.snapshot`) as one card (the chart with the summary as its
caption, the whole text in private behind its button), and its paced run (`reports_summaries`). The commands
and the principal digests are in `bot/handlers/reports.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile

from domain.groups import SUMMARY_GROUPS_MAX, GroupWeek
from domain.quiet import weekly_slot
from domain.reports.charts import summary_chart
from domain.reports.period import (
    iso_week_key,
    next_weekly,
    week_end,
)
from domain.rhythm.calendar import SchoolCalendar
from storage.models import Community
from storage.reports import SummarySchedule

from .. import chartpool, quiet
from ..feeds import Gathering
from ..jobs import broadcast
from ..outbox import Outgoing, send_once
from ..render import cut_lines, fmt_date
from ..services import Services
from ..usecases.reports_data import (
    Snapshot,
    contributors,
    guarded,
    snapshot,
)
from .common import Scope, deep_link, refuse, school_calendar

if TYPE_CHECKING:
    from telegram.ext import ExtBot

SUMMARY_MAX = 1500
CAPTION_MAX = 1024  # Telegram's limit for a photo's caption: the weekly summary is one photo with its caption
RETRY_S = 600


def default_slot(work_days: int) -> tuple[int, int]:
    """End of the school week: Friday 15:00, or Saturday 12:00 for a six-day week."""
    return (5, 12 * 60) if work_days == 6 else (4, 15 * 60)


def slot_of(s: SummarySchedule) -> tuple[int, int]:
    d = default_slot(s.work_days)
    return (d[0] if s.weekday is None else s.weekday, d[1] if s.minute is None else s.minute)


def due_after(tz: str, work_days: int, weekday: int | None, minute: int | None, after_ts: int) -> int:
    """storage.reports.DueFn: the first slot after `after_ts` (default slot when weekday/minute are None)."""
    d = default_slot(work_days)
    wd = d[0] if weekday is None else weekday
    mi = d[1] if minute is None else minute
    return int(next_weekly(datetime.fromtimestamp(after_ts, UTC), ZoneInfo(tz), wd, mi).timestamp())


def summary_due_after(tz: str, work_days: int, weekday: int | None, minute: int | None, after_ts: int) -> int:
    """storage.reports.DueFn for summaries: the first slot after `after_ts`, moved back to the last school day
    of its week by the national calendar (domain.quiet.weekly_slot); the community's own off-days are seen
    from the next slot on (`summary_one`), or by the quiet policy when the slot comes."""
    return slot_after(SchoolCalendar(work_days if work_days in (5, 6) else 5), tz, work_days, weekday, minute,
                      datetime.fromtimestamp(after_ts, UTC))


def slot_after(calendar: SchoolCalendar, tz: str, work_days: int, weekday: int | None, minute: int | None,
               after: datetime) -> int:
    d = default_slot(work_days)
    wd, mi = (d[0] if weekday is None else weekday), (d[1] if minute is None else minute)
    slot = weekly_slot(calendar, ZoneInfo(tz), wd, mi, after)
    return int((slot or next_weekly(after, ZoneInfo(tz), wd, mi)).timestamp())


async def summary_groups(services: Services, snap: Snapshot, start_ts: int) -> list[GroupWeek]:
    """The line per working group (`/kelompok`, `feeds.groups.week`), when the community has groups: one
    statement, with the latest survey's answers of each group's members."""
    groups = services.feeds.groups
    if groups is None:
        return []
    got = await guarded("groups.week", groups.week(Gathering(snap.community, snap.now, snap.members), start_ts,
                                                    snap.survey_closed))
    return got or []


# -- the weekly group summary -------------------------------------------------------------------
@dataclass
class Summary:
    text: str             # the whole summary (details, in private behind the card's button)
    chart: bytes | None
    caption: str          # the card: the summary in at most CAPTION_MAX characters (the photo's caption)


async def build_summary(services: Services, community: Community, now: datetime, *,
                        chart: bool = True) -> Summary | None:
    """The summary of this week (None when there is nothing at all to say yet)."""
    snap = await snapshot(services, community, now)
    tz = ZoneInfo(community.tz)
    start_ts = int(datetime(snap.start.year, snap.start.month, snap.start.day, tzinfo=tz).timestamp())
    thanks = await contributors(services, community, start_ts, int(now.timestamp()) + 1, members=snap.members)
    if not snap.has_data and not thanks:
        return None
    r, loc = services.renderer, community.locale
    groups = await summary_groups(services, snap, start_ts)
    text = r.render(loc, "reports/summary", community=community, snap=snap, thanks=thanks,
                    groups=groups[:SUMMARY_GROUPS_MAX], groups_more=max(0, len(groups) - SUMMARY_GROUPS_MAX))
    if len(text) > SUMMARY_MAX:  # very long names or titles: the compact form drops the optional lines
        text = r.render(loc, "reports/summary", community=community, snap=snap, thanks=thanks[:1], compact=True)
    caption = text
    for short in ({"thanks": thanks[:1]}, {"thanks": thanks[:1], "compact": True}):  # the survey line goes last
        if len(caption) <= CAPTION_MAX:
            break
        caption = r.render(loc, "reports/summary", community=community, snap=snap, **short)
    if len(caption) > CAPTION_MAX:  # still too long (names, titles): whole lines up to the limit
        caption = cut_lines(caption, CAPTION_MAX)
    png = None
    if chart and snap.has_chart:
        series = {r.t(loc, "reports.chart.attendance"): [p.attendance for p in snap.trend],
                  r.t(loc, "reports.chart.hours"): [p.hours for p in snap.trend],
                  r.t(loc, "reports.chart.answers"): [p.answers for p in snap.trend]}
        series = {k: v for k, v in series.items() if any(x is not None for x in v)}
        first = snap.start - timedelta(weeks=len(snap.trend) - 1)
        last = min(snap.end, now.astimezone(tz).date())  # nothing after now
        period = f"{fmt_date(first, loc, 'd MMM')} – {fmt_date(last, loc, 'd MMM y')}"
        png = await chartpool.pool(services).run(
            summary_chart, [p.label for p in snap.trend], series, r.t(loc, "reports.chart.title", period=period),
            kind="share", locale=loc, ylabel=r.t(loc, "reports.chart.unit"))
    return Summary(text[:4096], png, caption)


def details_markup(services: Services, community: Community) -> InlineKeyboardMarkup | None:
    """The card's button: the whole summary in private (deep link `sum_<community>`)."""
    if not services.bot_username:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(services.renderer.t(community.locale, "reports.btn_details"),
                                                       url=deep_link(services.bot_username, f"sum_{community.id}"))]])


def send_card(bot: Any, summary: Summary, markup: InlineKeyboardMarkup | None) -> Any:
    """The summary as one message: the chart with the card as its caption (text alone without a chart)."""
    if summary.chart is not None:
        png = summary.chart
        return lambda cid, thread: bot.send_photo(cid, InputFile(png, filename="ringkasan.png"),
                                                  caption=summary.caption, reply_markup=markup,
                                                  message_thread_id=thread)
    return lambda cid, thread: bot.send_message(cid, summary.caption, reply_markup=markup, message_thread_id=thread)


async def post_summary(services: Services, bot: ExtBot, community: Community, key: str,
                       now: datetime, until: int | None = None) -> str:
    """Send the summary (one message) under `key`, not after `until` (its week's end: a retry after that would
    be last week's news). Returns sent | already | empty | failed | skipped."""
    done = await services.repos.outbox.get(key)
    if done is not None and done.status in ("sent", "skipped"):
        return "already"
    summary = await build_summary(services, community, now)
    if summary is None:
        return "empty"
    res = await send_once(services, bot, key, community.chat_id, Outgoing(
        summary.caption, details_markup(services, community), photo=summary.chart, filename="ringkasan.png",
        community_id=community.id, paced=True, until=until))
    if res is None:
        return await failure_outcome(services, key, key)
    return "sent" if res else "already"


async def failure_outcome(services: Services, failed_key: str, key: str) -> str:
    entry = await services.repos.outbox.get(failed_key)
    if entry is not None and entry.status == "skipped":  # forbidden / refused: do not retry this week
        if failed_key != key:
            await services.repos.outbox.claim(key, entry.chat_id, services.now_ts())
            await services.repos.outbox.mark(key, "skipped", services.now_ts(), error="part_failed")
        return "skipped"
    return "failed"


async def summary_details(scope: Scope, rest: str) -> None:
    """`/start sum_<community>` (the card's button): the whole summary of this week, in private, for a member."""
    community = await scope.services.repos.communities.get(int(rest)) if rest.isdigit() else None
    member = await scope.services.repos.members.get(community.id, scope.user_id) if community else None
    if community is None or member is None or not member.active:
        await refuse(scope, "errors/not_member")
        return
    summary = await build_summary(scope.services, community, scope.services.clock.now(), chart=False)
    if summary is None:
        await scope.reply("reports/summary_empty")
        return
    await scope.send_html(summary.text, quote=False)


async def summary_one(services: Services, bot: ExtBot, s: SummarySchedule) -> None:
    now = services.clock.now()
    tz = ZoneInfo(s.tz)
    due = datetime.fromtimestamp(s.next_due_at, UTC)
    community = await services.repos.communities.get(s.community_id)
    if community is None:
        return
    ends = week_end(due, tz)  # the next slot: in a later week, on its last school day up to the slot's day
    nxt = slot_after(await school_calendar(services, community), s.tz, s.work_days, s.weekday, s.minute,
                     max(now, ends - timedelta(seconds=1)))
    week = iso_week_key(due.astimezone(tz).date())
    r = services.repos.reports
    if not (s.enabled and s.active and s.setup_done) or now >= ends or s.last_week == week:
        await r.advance_summary(s.community_id, nxt, None, services.now_ts())  # off, or missed its week
        return
    at = await quiet.send_at(services, community, now, private=False)
    if at != now:  # a day off: later this week if a school day is left, else the week has no summary
        later = at is not None and at < ends
        await r.advance_summary(s.community_id, int(at.timestamp()) if later else nxt,  # type: ignore[union-attr]
                                None, services.now_ts())
        return
    outcome = await post_summary(services, bot, community, f"sum:{community.id}:{week}", now, int(ends.timestamp()))
    if outcome == "failed" and now.timestamp() + RETRY_S < week_end(due, tz).timestamp():
        await r.advance_summary(s.community_id, int(now.timestamp()) + RETRY_S, None, services.now_ts())
        return
    await r.advance_summary(s.community_id, nxt, week, services.now_ts())


async def run_due(services: Services, fetch: Any, one: Any, ident: Any) -> None:
    """Drain what is due in batches; an item is handled once per run even if it stays due."""
    seen: set[int] = set()
    while True:
        due = [d for d in await fetch(services.now_ts()) if ident(d) not in seen]
        if not due:
            return
        seen.update(ident(d) for d in due)
        await broadcast.run_all(due, one)


async def tick_summaries(services: Services, bot: ExtBot, now: datetime) -> None:
    r = services.repos.reports
    await r.schedule_new_communities(int(now.timestamp()), summary_due_after)
    await broadcast.spawn(services, "summaries", lambda: run_due(
        services, r.due_summaries, lambda s: summary_one(services, bot, s), lambda s: s.community_id))
