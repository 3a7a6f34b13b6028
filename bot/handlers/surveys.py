"""/survey (/survei): PICs start the weekly pulse, a satisfaction survey, pre/post tests and custom
surveys, close them, schedule the pulse and see its trend; members see the open surveys.

Answers are inline buttons (see surveys_answer), not native polls: a non-anonymous poll shows every
voter's choice to the whole group, while a button tap stays between the member and the bot, and it can
be changed until the survey closes. The group sees aggregates only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application

from domain.groups import split_group_suffix
from domain.rhythm.durations import ParseError
from domain.surveys.core import builtin_survey
from domain.surveys.text import SurveyTextError, parse_survey_text
from domain.surveys.timing import next_slot, parse_close, parse_weekly_slot
from storage.surveys import PulseSchedule

from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, call, home_thread
from ..feeds import GroupRef
from ..flows import FlowSpec
from ..render import local, survey_texts
from ..services import Services
from ..usecases.surveys_results import trend
from .common import Scope, deep_link, find_group, handler, is_pic, join_markup, refuse
from .surveys_answer import (
    FLOW,
    answer_label,
    on_flow_text,
    on_survey_button,
    open_in_private,
    route_group_reply,
)
from .surveys_post import (
    PULSE_OPEN_HOURS,
    close_survey,
    install_feed,
    results_parts,
    split_lines,
    start_survey,
    tick,
    trend_chart_png,
)

SUBCOMMANDS = {
    "pulse": "pulse", "kepuasan": "satisfaction", "satisfaction": "satisfaction",
    "pre": "pre", "prepost": "pre", "tes": "pre", "test": "pre",
    "post": "post", "akhir": "post",
    "buat": "custom", "custom": "custom", "create": "custom",
    "tutup": "close", "close": "close",
    "jadwal": "schedule", "schedule": "schedule",
    "tren": "trend", "trend": "trend",
    "individu": "individual", "individual": "individual",
    "jawaban": "answers", "answers": "answers",
    "daftar": "list", "list": "list",
    "hasil": "results", "results": "results",
}
CLOSE_WORDS = ("tutup", "close")
OFF_WORDS = ("off", "stop", "hapus", "berhenti", "remove")
ON_WORDS = ("on", "aktif", "ya", "yes")
DEFAULT_OPEN_HOURS = {"pulse": PULSE_OPEN_HOURS, "satisfaction": 72}
TREND_WEEKS, TREND_MAX_WEEKS = 8, 26


def number(word: str | None) -> int | None:
    """A survey number typed by a person (ASCII digits, at most 12 of them), else None."""
    return int(word) if word and word.isascii() and word.isdigit() and len(word) <= 12 else None


@handler()
async def cmd_survey(scope: Scope) -> None:
    if scope.community is None:
        await scope.reply("errors/no_community")
        return
    text = scope.message.text if scope.message and scope.message.text else ""
    first, _, body = text.partition("\n")
    args = first.split()[1:]
    sub = SUBCOMMANDS.get(args[0].lower()) if args else "list"
    if sub is None:
        await scope.reply("surveys/usage", unknown=args[0][:30])
        return
    rest = args[1:]
    if sub in ("list", "trend", "results"):
        if await can_see(scope):
            await {"list": lambda: list_open(scope), "trend": lambda: trend_cmd(scope, rest),
                   "results": lambda: results_cmd(scope, rest)}[sub]()
        return
    if sub == "answers":
        await show_answers(scope, rest)
        return
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    if sub in ("pulse", "satisfaction", "pre", "custom", "post"):
        await start_cmd(scope, sub, rest, body)
    elif sub == "close":
        await close_cmd(scope, rest)
    elif sub == "schedule":
        await schedule_cmd(scope, rest)
    else:
        await individual_cmd(scope, rest)


async def can_see(scope: Scope) -> bool:
    """Members, PICs and the principal see open surveys and aggregates; others are offered to join."""
    if (scope.member and scope.member.active) or await scope.is_pic() or await scope.is_principal():
        return True
    await refuse(scope, "errors/not_member", markup=join_markup(scope))
    return False


async def list_open(scope: Scope) -> None:
    assert scope.community is not None
    pic = await scope.is_pic()
    surveys = await scope.services.repos.surveys.open_in(scope.community.id)
    markup = None
    if surveys and scope.services.bot_username:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(
            scope.t("sv.btn_answer", number=s.id, title=s.title[:40]),
            url=deep_link(scope.services.bot_username, f"sv_{s.id}"))] for s in surveys[:10]])
    await scope.reply("surveys/list", surveys=surveys, pic=pic, markup=markup,
                      closes={s.id: local(s.closes_at, scope.community.tz) for s in surveys})


# -- starting -------------------------------------------------------------------------------------
async def start_cmd(scope: Scope, sub: str, rest: list[str], body: str) -> None:
    assert scope.community is not None and scope.message is not None
    community = scope.community
    pair = None
    if sub == "post":
        n = number(rest[0] if rest else None)
        if n is None:
            await scope.reply("surveys/post_usage")
            return
        pair = await scope.services.repos.surveys.get(n)
        if pair is None or pair.community_id != community.id or pair.phase != "pre":
            await scope.reply("surveys/post_usage", number=n)
            return
        if pair.is_open:
            await scope.reply("surveys/pre_still_open", survey=pair)
            return
        rest = rest[1:]
    rest, group = await aimed_at_group(scope, rest)
    if group is False:
        return
    closes_at = await parse_close_option(scope, rest, DEFAULT_OPEN_HOURS.get(sub))
    if closes_at is False:
        return
    if sub in ("pulse", "satisfaction"):
        definition = builtin_survey(sub, survey_texts(community.locale))
    elif sub == "post":
        definition = pair.definition  # type: ignore[union-attr]
    else:
        kind = "prepost" if sub == "pre" else "custom"
        if not body.strip():
            await scope.reply("surveys/need_text", kind=kind)
            return
        try:
            definition = parse_survey_text("\n" + body, kind=kind)  # line 1 is the command itself
        except SurveyTextError as err:
            lines = ("\n" + body).split("\n")
            errors = [(e.line_no, e.code, e.detail, lines[e.line_no - 1].strip()[:80] if e.line_no else "")
                      for e in err.errors[:10]]
            await scope.reply("surveys/text_errors", kind=kind, errors=errors, more=len(err.errors) - len(errors))
            return
    phase = {"pre": "pre", "post": "post"}.get(sub)
    if group:  # the group's name in the title: on the header, the results and the report
        definition = replace(definition, title=f"{definition.title} · {group.name}")
    survey, created = await start_survey(
        scope.services, scope.ctx.bot, community, definition=definition, created_by=scope.user_id,
        closes_at=closes_at, source_key=f"msg:{scope.chat_id}:{scope.message.message_id}", phase=phase,
        pair_id=pair.id if pair else None, group_id=group.id if group else None,
        answering=(scope.message.message_id, scope.thread) if scope.is_group else None)
    if not scope.is_group and created:
        await scope.reply("surveys/started_private", survey=survey)
    elif created:  # posted in the community's home topic: say so where the PIC asked, if that is elsewhere
        # read again: posting may have found the home topic deleted and cleared it (bot.delivery.in_topic)
        home = home_thread(await scope.services.repos.communities.get(community.id))
        if home is not None and home != scope.thread:
            await scope.reply("surveys/started_in_topic", survey=survey, link=scope.topic_link(home))


async def aimed_at_group(scope: Scope, rest: list[str]) -> tuple[list[str], GroupRef | None | bool]:
    """`… kelompok <name>` / `… group <name>` (last): the working group the survey is for; False after an
    error (answered)."""
    head, name = split_group_suffix(" ".join(rest))
    if name is None:
        return rest, None
    group = await find_group(scope, name)
    return (rest, False) if group is None else (head.split(), group)


async def parse_close_option(scope: Scope, rest: list[str], default_hours: int | None) -> int | None | bool:
    """The closing time from `tutup …`/`close …`; a default for built-in surveys; False after an error."""
    assert scope.community is not None
    now = scope.services.clock.now()
    if not rest:
        return None if default_hours is None else int(now.timestamp()) + default_hours * 3600
    if rest[0].lower() not in CLOSE_WORDS:
        await scope.reply("surveys/bad_option", option=" ".join(rest)[:40])
        return False
    try:
        return parse_close(" ".join(rest[1:]), now=now, tz=ZoneInfo(scope.community.tz))
    except ParseError as err:
        await scope.reply("surveys/bad_close", code=err.code, given=" ".join(rest[1:])[:40])
        return False


# -- closing --------------------------------------------------------------------------------------
async def close_cmd(scope: Scope, rest: list[str]) -> None:
    assert scope.community is not None
    n = number(rest[0] if rest else None)
    survey = await scope.services.repos.surveys.get(n) if n is not None else None
    if survey is None or survey.community_id != scope.community.id:
        open_now = await scope.services.repos.surveys.open_in(scope.community.id)
        await scope.reply("surveys/close_usage", surveys=open_now, number=rest[0][:12] if rest else None)
        return
    if not await close_survey(scope.services, scope.ctx.bot, survey):
        await scope.reply("surveys/already_closed", survey=survey)
        return
    closed = await scope.services.repos.surveys.get(survey.id)
    await scope.reply("surveys/closed", survey=closed, respondents=closed.respondents if closed else 0)


async def results_cmd(scope: Scope, rest: list[str]) -> None:
    """`/survei hasil N`: a closed survey's results as kept when it closed (they are not posted on closing:
    the weekly summary carries them)."""
    assert scope.community is not None
    n = number(rest[0] if rest else None)
    survey = await scope.services.repos.surveys.get(n) if n is not None else None
    if survey is None or survey.community_id != scope.community.id:
        await scope.reply("surveys/not_found", number=rest[0][:12] if rest else "")
        return
    parts = results_parts(survey)
    if survey.is_open or not parts:
        await scope.reply("surveys/results/not_yet", survey=survey)
        return
    for part in parts:
        await scope.send_html(part)


# -- the weekly pulse schedule --------------------------------------------------------------------
async def schedule_cmd(scope: Scope, rest: list[str]) -> None:
    assert scope.community is not None
    r = scope.services.repos.surveys
    community = scope.community
    now = scope.services.clock.now()
    ts = int(now.timestamp())
    has_hook = scope.services.feeds.rhythm is not None
    if not rest:
        await scope.reply("surveys/schedule/show", sched=await r.schedule(community.id), has_hook=has_hook)
        return
    if rest[0].lower() in OFF_WORDS:
        removed = await r.delete_schedule(community.id)
        await scope.reply("surveys/schedule/off", removed=removed)
        return
    words = rest[1:] if rest[0].lower() == "pulse" else rest
    zone = ZoneInfo(community.tz)
    if words:
        try:
            weekday, minute = parse_weekly_slot(" ".join(words), now=now, tz=zone)
        except ParseError:
            await scope.reply("surveys/bad_slot", given=" ".join(words)[:40])
            return
        sched = PulseSchedule(community.id, "fixed", weekday, minute, PULSE_OPEN_HOURS, ts,
                              next_slot(weekday, minute, zone, now), scope.user_id)
    elif has_hook:
        sched = PulseSchedule(community.id, "meeting", None, None, PULSE_OPEN_HOURS, ts, ts, scope.user_id)
    else:
        await scope.reply("surveys/schedule/need_time")
        return
    await r.set_schedule(sched, ts)
    await scope.reply("surveys/schedule/set", sched=sched, first=local(sched.next_due_at, community.tz))


# -- trend ----------------------------------------------------------------------------------------
async def trend_cmd(scope: Scope, rest: list[str]) -> None:
    assert scope.community is not None
    weeks = max(2, min(number(rest[0] if rest else None) or TREND_WEEKS, TREND_MAX_WEEKS))
    community = scope.community
    points = await trend(scope.services.repos.surveys, community.id, community.tz, weeks, scope.services.now_ts())
    if not any(p.overall.n for p in points):
        await scope.reply("surveys/results/trend_empty", weeks=weeks)
        return
    await scope.reply("surveys/results/trend", points=points, weeks=weeks)
    pulse = builtin_survey("pulse", survey_texts(community.locale))
    png = await trend_chart_png(scope.services, community, points, list(pulse.likert_items))
    caption = scope.t("sv.caption_trend", weeks=weeks)
    try:
        await call(scope.services, scope.chat_id, lambda cid: scope.ctx.bot.send_photo(
            cid, photo=png, caption=caption, message_thread_id=scope.thread))
    except SendFailed:
        pass


# -- individual answers ---------------------------------------------------------------------------
async def individual_cmd(scope: Scope, rest: list[str]) -> None:
    assert scope.community is not None
    word = rest[0].lower() if rest else ""
    if word not in ON_WORDS + OFF_WORDS:
        await scope.reply("surveys/individual/usage",
                          enabled=bool(scope.community.settings.get("survey_individual")))
        return
    on = word in ON_WORDS
    await scope.services.repos.communities.set_setting(scope.community.id, "survey_individual", on,
                                                       scope.services.now_ts())
    # only surveys opened from now on: each open survey keeps what its respondents were told
    await scope.reply("surveys/individual/set", enabled=on,
                      open_surveys=await scope.services.repos.surveys.open_in(scope.community.id))


async def show_answers(scope: Scope, rest: list[str]) -> None:
    """Individual answers: only in private, only to a PIC or principal, only if the community allows it."""
    if scope.is_group:
        await scope.reply("surveys/results/answers_private_only")
        return
    r = scope.services.repos.surveys
    n = number(rest[0] if rest else None)
    survey = await r.get(n) if n is not None else None
    community = await scope.services.repos.communities.get(survey.community_id) if survey else None
    if survey is None or community is None:
        await scope.reply("surveys/not_found", number=rest[0][:12] if rest else "")
        return
    member = await scope.services.repos.members.get(community.id, scope.user_id)
    allowed = (await is_pic(scope.services, scope.ctx, community, scope.user_id, member)
               or await scope.services.repos.principals.is_principal(community.id, scope.user_id))
    if not allowed:
        await refuse(scope, "errors/not_pic")
        return
    scope.community = community
    if not survey.individual:  # fixed when the survey opened, as its respondents were told
        await scope.reply("surveys/individual/off", survey=survey)
        return
    names = {m.user_id: m for m in await scope.services.repos.members.list(community.id, active_only=False)}
    people: dict[int, dict[int, Any]] = {}
    for a in await r.answers(survey.id):
        people.setdefault(a.user_id, {})[a.item_idx] = a
    rows = [(names[uid].name if uid in names else str(uid), ans[next(iter(ans))].role,
             [(i + 1, answer_label(survey, i, ans[i].value)) for i in sorted(ans)])
            for uid, ans in people.items()]
    await send_long(scope, "surveys/results/answers", survey=survey, rows=rows)


async def send_long(scope: Scope, key: str, **kw: Any) -> None:
    """A message that may exceed Telegram's 4096 characters, split at line boundaries."""
    for part in split_lines(scope.render(key, **kw)):
        await scope.send_html(part)


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("survey", "survei", cmd_survey, audience="member"))
    services.flows[FLOW] = FlowSpec(FLOW, on_flow_text)
    services.start_routes["sv"] = open_in_private
    services.text_routes.append(("surveys", route_group_reply))
    services.ticks.append(("surveys", tick))
    install_feed(services)
    add_buttons(app, "sv", on_survey_button)

