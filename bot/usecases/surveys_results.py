"""From stored answers to the figures people see: the domain statistics applied to one survey.

No Telegram here: the handlers and the scheduler render these results with templates and charts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.surveys.core import (
    PrePost,
    Response,
    SurveySummary,
    TrendPoint,
    disclosure,
    focus_roles,
    mean_score_shown,
    prepost_published,
    pulse_trend,
    score,
    survey_summary,
)
from domain.surveys.timing import week_start
from storage.surveys import Answer, Survey, Surveys


@dataclass(frozen=True)
class TestItem:
    text: str
    n: int
    correct_share: float | None
    withheld: int = 0  # answers not shown (fewer than the floor)


@dataclass(frozen=True)
class Results:
    survey: Survey
    summary: SurveySummary
    test_items: tuple[TestItem, ...] = ()
    pp: PrePost | None = None  # post-tests: the comparison with the pre-test
    mean_score: float | None = None  # tests: mean score of this phase
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.summary.n_respondents

    @property
    def n_published(self) -> int:
        """Respondents the published figures are computed from (hidden roles left out)."""
        return self.summary.n_published

    @property
    def is_test(self) -> bool:
        return self.survey.kind == "prepost"

    @property
    def has_likert(self) -> bool:
        return any(it.kind == "likert" for it in self.survey.items)


def responses(survey: Survey, answers: list[Answer]) -> list[Response]:
    """One Response per person; the role is the one they had at their latest answer."""
    by_user: dict[int, dict[str, int | str]] = {}
    roles: dict[int, tuple[int, str]] = {}
    for a in answers:
        if not 0 <= a.item_idx < len(survey.items):
            continue
        item = survey.items[a.item_idx]
        value = a.value_text if item.kind == "text" else a.value_int
        if value is None:
            continue
        by_user.setdefault(a.user_id, {})[item.key] = value
        if a.user_id not in roles or a.answered_at >= roles[a.user_id][0]:
            roles[a.user_id] = (a.answered_at, a.role)
    return [Response(answers=ans, role=roles[uid][1]) for uid, ans in by_user.items()]


def scores(survey: Survey, answers: list[Answer]) -> dict[str, int]:
    per_user: dict[int, dict[str, int | str]] = {}
    for a in answers:
        if 0 <= a.item_idx < len(survey.items) and a.value_int is not None:
            per_user.setdefault(a.user_id, {})[survey.items[a.item_idx].key] = a.value_int
    return {str(uid): score(ans, survey.items) for uid, ans in per_user.items()}


async def compute(repo: Surveys, survey: Survey) -> Results:
    """The published figures of one survey: hidden roles and withheld items are left out of everything
    (domain.surveys.core.disclosure), so every consumer — results, charts, summaries, reports — shows the same."""
    answers = await repo.answers(survey.id)
    people = responses(survey, answers)
    summary = survey_summary(survey.definition, people)
    if survey.kind != "prepost":
        return Results(survey, summary, extra={"likert": published_likert(survey, people),
                                               "focus_roles": focus_roles(survey.definition, people)})
    test_items = []
    for s in summary.items:
        share = None
        if s.choice is not None and s.choice.n and s.item.correct is not None:
            share = s.choice.counts[s.item.correct] / s.choice.n
        test_items.append(TestItem(s.item.text, s.n, share, s.withheld))
    mine = scores(survey, answers)
    max_score = survey.definition.max_score
    shown = mean_score_shown(summary)
    mean = sum(mine.values()) / len(mine) if mine and shown else None
    pp = None
    if survey.phase == "post" and survey.pair_id is not None:
        pre = await repo.get(survey.pair_id)
        if pre is not None:
            pre_answers = await repo.answers(pre.id)
            pre_shown = mean_score_shown(survey_summary(pre.definition, responses(pre, pre_answers)))
            pp = prepost_published(scores(pre, pre_answers), mine, max_score, pre_shown=pre_shown,
                                   post_shown=shown)
    return Results(survey, summary, tuple(test_items), pp, mean)


def published_likert(survey: Survey, people: list[Response]) -> dict[str, list[int]]:
    """The Likert answers the published figures rest on, per item, sorted (who gave them is not kept)."""
    shown = disclosure(survey.definition, people).published
    return {it.key: sorted(int(r.answers[it.key]) for r in shown if it.key in r.answers)
            for it in survey.items if it.kind == "likert"}


def frozen(r: Results) -> dict[str, Any]:
    """What a closed survey published, kept on the survey (`Surveys.freeze`): later summaries, reports and
    trends read it, so erasing someone's answers afterwards cannot show up as a difference of figures."""
    return {"headline": headline(r), "likert": r.extra.get("likert", {}), "hidden": r.summary.hidden}


async def published(repo: Surveys, survey: Survey) -> dict[str, Any]:
    """The frozen figures of a closed survey (computed now for one closed before they were kept)."""
    return survey.published or frozen(await compute(repo, survey))


def headline(r: Results) -> dict[str, Any]:
    """The figures a weekly summary or report shows for one closed survey."""
    s = r.survey
    out: dict[str, Any] = {
        "id": s.id, "kind": s.kind, "phase": s.phase, "title": s.title, "opened_at": s.opened_at,
        "closed_at": s.closed_at, "respondents": r.n_published, "hidden": r.summary.hidden,
    }
    if r.has_likert:
        o = r.summary.overall
        out.update(n=o.n, mean=o.mean, agree_share=o.agree_share, index=o.index)
        if r.summary.by_role is not None:
            out["rerata_agree"] = r.summary.by_role.rerata_agree
        if r.extra.get("focus_roles"):
            out["focus_roles"] = r.extra["focus_roles"]
    if r.is_test:
        out.update(mean_score=r.mean_score, max_score=s.definition.max_score)
        if r.pp is not None:
            out.update(mean_pre=r.pp.mean_pre, mean_post=r.pp.mean_post, n_paired=r.pp.n_paired, gain=r.pp.gain)
    return out


def trend_start(tz: str, weeks: int, now: int) -> int:
    """Where the weekly pulse of the last `weeks` weeks starts (midnight of the first week)."""
    zone = ZoneInfo(tz)
    return int(_midnight(week_start(now, zone) - timedelta(weeks=weeks - 1), zone))


async def trend(repo: Surveys, community_id: int, tz: str, weeks: int, now: int, *,
                closed: list[Survey] | None = None) -> list[TrendPoint]:
    """The weekly pulse over the last `weeks` weeks (this one included), one point per week. `closed`: the
    community's surveys closed since at least `trend_start` (read here when not given)."""
    zone = ZoneInfo(tz)
    first = week_start(now, zone) - timedelta(weeks=weeks - 1)
    start = trend_start(tz, weeks, now)
    per_week: dict[date, dict[str, list[int]]] = {first + timedelta(weeks=i): {} for i in range(weeks)}
    hidden: dict[date, int] = {}
    if closed is None:
        closed = await repo.closed_between(community_id, start, now + 1, kind="pulse")
    for survey in closed:
        if survey.kind != "pulse" or not start <= (survey.closed_at or 0) < now + 1:
            continue
        wk = week_start(survey.opened_at, zone)
        if wk not in per_week:
            continue
        bucket = per_week[wk]
        # the answers the survey's own results were computed from, as published: hidden roles left out
        shown = await published(repo, survey)
        hidden[wk] = hidden.get(wk, 0) + int(shown["hidden"])
        for key, values in shown["likert"].items():
            bucket.setdefault(key, []).extend(values)
    return [replace(p, hidden=hidden.get(p.week_start, 0)) for p in pulse_trend(per_week.items())]


def _midnight(d: date, zone: ZoneInfo) -> float:
    from datetime import datetime, time

    return datetime.combine(d, time(0, 0), tzinfo=zone).timestamp()
