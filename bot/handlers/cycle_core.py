"""The engine of the inquiry cycle, shared by its handlers and the scheduler: opening a stage (posting
its questions), the live count, closing a stage (synthesis), the cycle summary, reminders, and the
what other features read (`cycle_status`, `cycle_summaries`, `cycle_feed`: `CycleProvider`)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.cycle.core import (
    CycleError,
    Override,
    Question,
    Stage,
    apply_overrides,
    build_summary,
    parse_target,
)
from domain.cycle.core import question_bank as default_bank
from domain.cycle.ops import local_date, to_ts
from domain.cycle.rtl import is_overdue
from domain.cycle.synthesis import AnswerIn, synthesize
from domain.reports.figures import quiet_days, rtl_figure, stalled
from storage.cycle_rows import History, StageRow
from storage.cycle_rtl import RtlItem
from storage.models import Community, User

from .. import live, quiet
from ..delivery import Sent
from ..feeds import CycleFeed, CycleGathered, CycleStatus, CycleSummary, Gathering
from ..keyboards import cb
from ..outbox import Outgoing, records, send_once
from ..render import cut_lines, cycle_texts, local
from ..services import render
from ..usecases.cycle_reports import activity_cycle, report_rows_cycle
from .common import deep_link, locale_for

if TYPE_CHECKING:
    from telegram.ext import ExtBot

    from ..services import Services

log = logging.getLogger(__name__)


def user_locale(services: Services, user: User | None, community: Community) -> str:
    return locale_for(services, user, community, False)


# -- questions ------------------------------------------------------------------------------------
async def community_bank(services: Services, community: Community) -> dict[Stage, list[Question]]:
    ovs = await services.repos.cycle.cycles.overrides(community.id)
    return apply_overrides(default_bank(cycle_texts(community.locale)),
                           [Override(o.action, o.stage, o.key, o.text) for o in ovs])  # type: ignore[arg-type]


def question_text(key: str, text: str, community_locale: str, locale: str) -> str:
    """A default question reads in the person's language; a PIC's own wording stays as written."""
    if locale == community_locale:
        return text
    for stage_qs in default_bank(cycle_texts(community_locale)).values():
        for q in stage_qs:
            if q.key == key and q.text == text:
                other = {x.key: x.text for qs in default_bank(cycle_texts(locale)).values() for x in qs}
                return other.get(key, text)
    return text


# -- counts ---------------------------------------------------------------------------------------
async def counts(services: Services, stage: StageRow) -> tuple[int, int]:
    if stage.status == "closed" and stage.members_at_close is not None:
        return stage.answered_at_close or 0, stage.members_at_close
    return await services.repos.cycle.cycles.answered_count(stage.id), await member_count(services, stage)


async def group_members(services: Services, cycle_id: int) -> list[int] | None:
    """The members of the working group a cycle is aimed at (`/siklus mulai … kelompok <nama>`), else None."""
    groups = services.feeds.groups
    return None if groups is None else await groups.cycle_members(cycle_id)


async def member_count(services: Services, stage: StageRow) -> int:
    """Who counts as a member of the stage: its cycle's group, else the whole community."""
    ids = await group_members(services, stage.cycle_id)
    return len(ids) if ids is not None else await services.repos.members.count(stage.community_id)


def header_markup(services: Services, community: Community, stage: StageRow) -> InlineKeyboardMarkup | None:
    if stage.status != "open" or not services.bot_username:
        return None
    label = services.renderer.t(community.locale, "cycle.btn_answer_private")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=deep_link(services.bot_username,
                                                                             f"cy_{stage.id}"))]])


async def header_text(services: Services, community: Community, stage: StageRow) -> str:
    """The stage card: while open, its questions; once closed, the stage's synthesis in their place (an edit,
    which costs the group no message)."""
    cycle = await services.repos.cycle.cycles.get(stage.cycle_id)
    answered, members = await counts(services, stage)
    closed = stage.status == "closed"
    text = render(services, community, community.locale, "cycle/stage/header", stage=stage, cycle=cycle,
                  answered=answered, members=members, closes=local(stage.closes_at, community.tz),
                  questions=[] if closed else [q["text"] for q in stage.questions])
    if closed:
        text = cut_lines(text + "\n" + await synthesis_text(services, community, stage), 4096)
    return text


@live.renders("stage")
async def stage_card(services: Services, stage_id: int, part: str, now: int) -> live.LiveView | None:
    """The stage card as it should look now (the live mechanism edits it: `live.touch(..., "stage", id)`)."""
    stage = await services.repos.cycle.cycles.stage(stage_id)
    if stage is None or stage.header_message_id is None or stage.header_chat_id is None:
        return None
    community = await services.repos.communities.get(stage.community_id)
    if community is None:
        return None
    return live.LiveView(stage.header_chat_id, stage.header_message_id, await header_text(services, community, stage),
                         header_markup(services, community, stage))


CARD = "*"  # the question key of a stage card's prompt row: the reply says which question ("2. …")


# -- opening --------------------------------------------------------------------------------------
async def open_stage(services: Services, bot: ExtBot, stage: StageRow, now: int, *, asked: bool = False) -> None:
    community = await services.repos.communities.get(stage.community_id)
    if community is None:
        return
    bank = await community_bank(services, community)
    questions = [{"key": q.key, "text": q.text} for q in bank[Stage(stage.stage)]]
    if await services.repos.cycle.cycles.open_stage(stage.id, now, questions):
        opened = await services.repos.cycle.cycles.stage(stage.id)
        await post_prompts(services, bot, opened, asked=asked)  # type: ignore[arg-type]


async def quiet_now(services: Services, community: Community, asked: bool) -> bool:
    """A group post the scheduler makes on its own waits for a school day (bot.quiet); one a PIC's command
    causes (closing a stage early) goes at once. The stage stays unposted: the next pass asks again."""
    return not asked and not await quiet.may_send_now(services, community, services.clock.now(), private=False)


async def post_prompts(services: Services, bot: ExtBot, stage: StageRow, *, asked: bool = False) -> None:
    repo = services.repos.cycle.cycles
    community = await services.repos.communities.get(stage.community_id)
    cycle = await repo.get(stage.cycle_id)
    if community is None or cycle is None or not community.active or await quiet_now(services, community, asked):
        return
    thread = cycle.thread_id  # the topic the cycle was started in; without one, the home topic
    text = await header_text(services, community, stage)
    markup = header_markup(services, community, stage)
    # The stage is one card: the header, its questions as a numbered list, the live count and the button to
    # answer in private. It is recorded — live-count target and prompt (a reply to it is an answer) — in the
    # commit that marks it sent. Stages opened before cards have one prompt per question (`cy:q:`), still answerable.

    msg = await send_once(services, bot, f"cy:h:{stage.id}", community.chat_id, Outgoing(
        text, markup, community_id=community.id, thread=thread, record=("cycle.card", {"stage": stage.id})))
    failed = msg is None
    if stage.stage == Stage.EVALUATION.value:
        await post_open_items(services, bot, community, f"cy:rtl:{stage.id}", thread)
    if not failed:  # a send that may be retried (timeout, network) leaves the stage for the next pass
        await repo.mark(stage.id, posted=1)


@records("cycle.card")
async def record_card(services: Services, tx: Any, args: dict[str, Any], m: Sent) -> None:
    repo = services.repos.cycle.cycles
    await repo.set_header_in(tx, args["stage"], m.chat_id, m.message_id)
    await repo.add_prompt_in(tx, m.chat_id, m.message_id, args["stage"], CARD)


# -- the evaluation stage opens with the open RTL items (`/rtl` lists them the same way) --------
def dated_items(items: list[RtlItem], today: date) -> list[dict[str, Any]]:
    return [{"item": i, "due": date.fromisoformat(i.due), "overdue": i.status == "open" and is_overdue(
        date.fromisoformat(i.due), today)} for i in items]


def rtl_list_markup(r: Any, locale: str, items: list[RtlItem]) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(r.t(locale, "cycle.btn_rtl_done", id=i.id), callback_data=cb("rt", "d", i.id)),
             InlineKeyboardButton(r.t(locale, "cycle.btn_rtl_not_done", id=i.id), callback_data=cb("rt", "n", i.id))]
            for i in items if i.status == "open"][:8]
    return InlineKeyboardMarkup(rows) if rows else None


async def post_open_items(services: Services, bot: ExtBot, community: Community, key: str,
                          thread: int | None) -> None:
    items = await services.repos.cycle.rtl.list(community.id, status="open")
    if not items:
        return
    today = local_date(services.now_ts(), community.tz)
    text = render(services, community, community.locale, "cycle/rtl/open_items", items=dated_items(items, today))
    markup = rtl_list_markup(services.renderer, community.locale, items)
    await send_once(services, bot, key, community.chat_id, Outgoing(text, markup, community_id=community.id,
                                                                    thread=thread))



# -- closing --------------------------------------------------------------------------------------
async def close_stage(services: Services, bot: ExtBot, stage: StageRow, now: int, *, early: bool) -> None:
    repo = services.repos.cycle.cycles
    answered, members = await counts(services, stage)
    if not await repo.close_stage(stage.id, now, answered, members):
        return
    await post_synthesis(services, bot, (await repo.stage(stage.id)), asked=early)  # type: ignore[arg-type]
    nxt = next((s for s in await repo.stages(stage.cycle_id) if s.seq == stage.seq + 1), None)
    if nxt is not None:
        if early:
            await repo.pull_forward(nxt.id, now)
            nxt = await repo.stage(nxt.id)
        if nxt is not None and nxt.opens_at <= now:
            await open_stage(services, bot, nxt, now, asked=early)


async def synthesis_text(services: Services, community: Community, stage: StageRow) -> str:
    repo = services.repos.cycle.cycles
    members = {m.user_id: m for m in await services.repos.members.list(community.id, active_only=False)}
    answers = [AnswerIn(a.user_id, a.question_key, a.text,
                        allow_quote=bool(members.get(a.user_id) and members[a.user_id].allow_quote))
               for a in await repo.answers(stage.id)]
    qs = stage.questions
    syn = synthesize(answers, stage.members_at_close or 0, locale=community.locale,
                     question_keys=[q["key"] for q in qs], names=[m.name for m in members.values()])
    texts = {q["key"]: q["text"] for q in qs}
    return render(services, community, community.locale, "cycle/stage/synthesis", stage=stage, syn=syn, texts=texts,
                  evidence=len(await repo.evidence(stage.id)))


async def post_synthesis(services: Services, bot: ExtBot, stage: StageRow, *, asked: bool = False) -> None:
    """The synthesis goes onto the stage's card (an edit: no message); the cycle's summary after the last stage
    (a message: on a day off it waits for the next pass on a school day, unless a PIC asked for it now)."""
    repo = services.repos.cycle.cycles
    community = await services.repos.communities.get(stage.community_id)
    cycle = await repo.get(stage.cycle_id)
    if community is None or cycle is None:
        return
    if community.active:  # the synthesis replaces the questions on the card: at once
        await live.touch(services, bot, "stage", stage.id, force=True)
    if cycle.status == "done" and stage.stage == Stage.EVALUATION.value:
        if community.active and await quiet_now(services, community, asked):
            return
        await post_summary(services, bot, community, cycle.id, cycle.thread_id)
    await repo.mark(stage.id, synth_posted=1)


async def summary_data(services: Services, cycle_id: int) -> dict[str, Any]:
    st = services.repos.cycle
    cycle = await st.cycles.get(cycle_id)
    assert cycle is not None
    try:
        target = parse_target(cycle.target_raw)
    except CycleError:
        target = None
    part = {}
    for s in await st.cycles.stages(cycle_id):
        if s.status != "planned":
            part[s.stage] = await counts(services, s)
    rtl = [i.status for i in await st.rtl.of_cycle(cycle_id)]
    summary = build_summary(target, topic=cycle.topic, before=cycle.result_before, after=cycle.result_after,
                            participation=part, rtl_statuses=rtl,
                            good_practices=await st.gp.count(cycle.community_id, cycle_id))
    return {
        "cycle_id": cycle.id, "topic": summary.topic, "target": cycle.target_raw,
        "goal": target.goal if target else None, "unit": target.unit if target else None,
        "before": summary.before, "after": summary.after, "met": summary.met,
        "participation": {s.value: [p.answered, p.members] for s, p in summary.participation.items()},
        "rtl": {"done": summary.rtl_done, "not_done": summary.rtl_not_done, "open": summary.rtl_open},
        "good_practices": summary.good_practices, "started_at": cycle.started_at, "ended_at": cycle.ended_at,
        "trials": await services.feeds.journal.cycle_trials(cycle_id) if services.feeds.journal else [],
        "strategy": next((text for key, _uid, text in await st.cycles.cycle_answers(cycle_id)
                          if key == "plan.strategy"), None),
    }


async def post_summary(services: Services, bot: ExtBot, community: Community, cycle_id: int,
                       thread: int | None = None) -> None:
    data = await summary_data(services, cycle_id)
    await services.repos.cycle.cycles.save_summary(cycle_id, community.id, data["ended_at"] or services.now_ts(), data)
    text = render(services, community, community.locale, "cycle/summary", s=data)
    if community.active:
        await send_once(services, bot, f"cy:sum:{cycle_id}", community.chat_id,
                        Outgoing(text, community_id=community.id, thread=thread))


# -- scheduler ------------------------------------------------------------------------------------
async def tick(services: Services, bot: ExtBot, now_dt: Any) -> None:
    now = to_ts(now_dt)
    repo = services.repos.cycle.cycles
    for stage in await repo.due_to_close(now):
        await close_stage(services, bot, stage, now, early=False)
    for stage in await repo.due_to_open(now):
        await open_stage(services, bot, stage, now)
    for stage in await repo.unposted():
        if stage.status == "open":
            await post_prompts(services, bot, stage)
        else:
            await post_synthesis(services, bot, stage)
    for stage in await repo.due_reminders(now):
        await send_reminders(services, bot, stage)


async def send_reminders(services: Services, bot: ExtBot, stage: StageRow) -> None:
    """One private nudge per member who has not answered yet (never named in the group)."""
    community = await services.repos.communities.get(stage.community_id)
    settled = True  # a reminder that failed for now (timeout, network, 429s) keeps the stage for the next pass
    if community is not None and community.active:
        now = services.clock.now()
        at = await quiet.send_at(services, community, now, private=True)
        if at != now and at is not None and at.timestamp() < stage.closes_at:
            return  # a day off, the night or a meeting: the next pass asks again
        if at != now:  # it could only arrive after the stage closed: stale, dropped
            log.info("stage %s: reminders dropped, no quiet moment before the stage closes", stage.id)
            await services.repos.cycle.cycles.mark(stage.id, reminded=1)
            return
        answered = await services.repos.cycle.cycles.answered_users(stage.id)
        group = await group_members(services, stage.cycle_id)
        for m in await services.repos.members.list(community.id):
            if m.user_id in answered:  # an attempt a crash interrupted is moot now: never resent
                await services.repos.delivery.abandon(f"cy:r:{stage.id}:{m.user_id}", services.now_ts(), "answered")
                continue
            user = await services.repos.users.get(m.user_id)
            if (group is not None and m.user_id not in group) or user is None or not user.reachable:
                continue
            loc = user_locale(services, user, community)
            text = render(services, community, loc, "cycle/stage/reminder", stage=stage,
                          closes=local(stage.closes_at, community.tz), user=user)
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                services.renderer.t(loc, "cycle.btn_answer_now"), callback_data=cb("cy", "g", stage.id, 0))]])
            sent = await send_once(services, bot, f"cy:r:{stage.id}:{m.user_id}", m.user_id, Outgoing(text, markup))
            settled = settled and sent is not None
    if settled:
        await services.repos.cycle.cycles.mark(stage.id, reminded=1)


# -- what the weekly summary and reports read (CycleProvider) ------------------------------------------------------
def _current(stages: list[Any], now: int) -> tuple[Any, bool]:
    """The stage a cycle is at as of `now` (the open one, else the next to open, else the last) and whether
    it is open then."""
    def open_at(s: Any) -> bool:
        return s.opened_at is not None and s.opened_at <= now and (s.closed_at is None or s.closed_at > now)

    current = next((s for s in stages if open_at(s)), None) or next(
        (s for s in stages if s.opened_at is None or s.opened_at > now), stages[-1])
    return current, open_at(current)


def _status(cycle: Any, current: Any, is_open: bool, answered: int, members: int, last: int | None, now: int,
            tz: str, open_dues: list[str], good_practices: int) -> CycleStatus:
    """`CycleFeed.status`'s answer, from what was read (one definition for it and the summary's gathering);
    `open_dues`: the due dates of the community's open RTL items."""
    rtl = rtl_figure((("open", datetime.fromisoformat(due).date()) for due in open_dues), local_date(now, tz))
    return {
        "cycle_id": cycle.id, "topic": cycle.topic, "target": cycle.target_raw, "stage": current.stage,
        "stage_status": "open" if is_open else current.status, "opened_ts": current.opened_at,
        "closes_ts": current.closes_at,
        "cycle_opened_ts": cycle.started_at,
        "answered": answered, "members": members,
        "stalled": stalled(is_open, current.opened_at, current.closes_at, last, now, answered, members),
        "quiet_days": quiet_days(current.opened_at, last, now) if is_open else 0,
        "rtl_open": rtl.open, "rtl_overdue": rtl.overdue, "rtl_due_soon": rtl.due_soon,
        "good_practices": good_practices,
    }


def _closed_counts(stage: Any) -> tuple[int, int] | None:
    return (stage.answered_at_close or 0, stage.members_at_close) if (
        stage.status == "closed" and stage.members_at_close is not None) else None


async def cycle_status(services: Services, community_id: int, now_dt: Any) -> CycleStatus | None:
    now = to_ts(now_dt)
    st = services.repos.cycle
    live = now >= services.now_ts() - 60  # asked about the present, or as of a past moment (the trend)
    cycle = await st.cycles.active(community_id) if live else await st.cycles.at(community_id, now)
    community = await services.repos.communities.get(community_id)
    if cycle is None or community is None:
        return None
    current, is_open = _current(await st.cycles.stages(cycle.id), now)
    if live or not is_open:
        answered, members = await counts(services, current)
    else:
        answered = await st.cycles.answered_count(current.id, now)
        members = await member_count(services, current)
    last = await st.cycles.last_answer_at(current.id, None if live else now)
    return _status(cycle, current, is_open, answered, members, last, now, community.tz,
                   [i.due for i in await st.rtl.list(community_id, status="open")],
                   await st.gp.count(community_id, cycle.id))


def _rates(h: History, stamps: list[int], members: int) -> list[float | None]:
    """The answer rate as of each of `stamps`, from the cycles' history."""
    out: list[float | None] = []
    for now in stamps:
        cycle = next((c for c in reversed(h.cycles) if c.started_at <= now and (c.ended_at is None or c.ended_at > now)),
                     None)
        mine = [s for s in h.stages if cycle is not None and s.cycle_id == cycle.id]
        if not mine:
            out.append(None)
            continue
        current, is_open = _current(mine, now)
        if is_open:
            answered, of = sum(1 for t in h.firsts.get(current.id, []) if t <= now), members
        else:
            answered, of = _closed_counts(current) or (len(h.firsts.get(current.id, [])), members)
        out.append(answered / of if of else None)
    return out


async def cycle_feed(services: Services, g: Gathering, moments: list[Any], since: int) -> CycleGathered:
    """The summary's cycle figures in at most four statements: `cycle_status` now (the last of `moments`),
    the answer rate as of the others, and `cycle_summaries` since `since`."""
    stamps = [to_ts(m) for m in moments]
    now, cid = stamps[-1], g.community.id
    st = services.repos.cycle
    h = await st.cycles.history(cid, min(stamps), now + 1)
    status = None
    cycle = next((c for c in reversed(h.cycles) if c.status == "active"), None)
    if cycle is not None:
        current, is_open = _current([s for s in h.stages if s.cycle_id == cycle.id], now)
        answered, members = _closed_counts(current) or (len(h.firsts.get(current.id, [])), len(g.members))
        status = _status(cycle, current, is_open, answered, members, h.lasts.get(current.id), now, g.community.tz,
                         h.rtl_open_dues, h.good_practices.get(cycle.id, 0))
    summaries = [{**s.data, "observations": n} for s, n in await st.cycles.summaries_observed(cid, since, now + 1)]
    return CycleGathered(status, _rates(h, stamps[:-1], len(g.members)), summaries)  # type: ignore[arg-type]


async def cycle_summaries(services: Services, community_id: int, start: Any, end: Any) -> list[CycleSummary]:
    repo = services.repos.cycle.cycles
    linked = services.feeds.observe  # lesson observations (/amati) of the cycle
    return [{**s.data, "observations": await repo.observations(s.cycle_id)  # type: ignore[typeddict-item]
             + (await linked.in_cycle(s.cycle_id) if linked else 0)}
            for s in await repo.summaries(community_id, to_ts(start), to_ts(end))]


class CycleProvider(CycleFeed):
    """What the cycle gives other features (`bot.feeds.CycleFeed`)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def status(self, community_id: int, now: datetime) -> CycleStatus | None:
        return await cycle_status(self.services, community_id, now)

    async def summaries(self, community_id: int, start_ts: int, end_ts: int) -> list[CycleSummary]:
        return await cycle_summaries(self.services, community_id, start_ts, end_ts)

    async def activity(self, community_id: int, start_ts: int, end_ts: int) -> dict[int, dict[str, int]]:
        return await activity_cycle(self.services, community_id, start_ts, end_ts)

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> dict[str, list[list[Any]]]:
        return await report_rows_cycle(self.services, community_id, start_ts, end_ts)

    async def gather(self, g: Gathering, moments: list[datetime], since_ts: int) -> CycleGathered:
        return await cycle_feed(self.services, g, moments, since_ts)

    def activity_parts(self, g: Gathering, start_ts: int, end_ts: int) -> list[Any]:
        return self.services.repos.cycle.cycles.activity_parts(g.community.id, int(start_ts), int(end_ts))
