"""What of a survey may be published: the roles hidden under the floor, and the whole-survey summary
computed without them so nothing published can be subtracted back to a hidden group.

Pure code: no Telegram, no database. Conventions: see :mod:`domain.surveys.core`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.surveys.defs import DEFAULT_FLOOR, SurveyDef, SurveyItem
from domain.surveys.stats import (
    ChoiceStats,
    LikertStats,
    RoleBreakdown,
    _average,
    _breakdown,
    _Exact,
    _exact,
    choice_stats,
    likert_stats,
)

# --------------------------------------------------------------------------------------------------
# Whole-survey summary
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    """One respondent's answers: likert → int 1..5, choice/mcq → option index, text → str."""

    answers: Mapping[str, int | str]
    role: str | None = None


@dataclass(frozen=True, slots=True)
class ItemSummary:
    item: SurveyItem
    likert: LikertStats | None = None
    choice: ChoiceStats | None = None
    texts: tuple[str, ...] = ()
    withheld: int = 0  # answers not shown: fewer than the floor (a choice or test item)

    @property
    def n(self) -> int:
        if self.likert is not None:
            return self.likert.n
        if self.choice is not None:
            return self.choice.n
        return len(self.texts)


@dataclass(frozen=True, slots=True)
class SurveySummary:
    n_respondents: int  # everyone who answered (the live count the group saw)
    items: tuple[ItemSummary, ...]
    overall: LikertStats  # averaged across Likert items; n = published respondents with a Likert answer
    by_role: RoleBreakdown | None = None  # present when responses carry roles and the survey has Likert items
    extra: dict[str, object] = field(default_factory=dict)
    hidden: int = 0  # respondents left out of every figure (their role is under the floor)
    floor: int = DEFAULT_FLOOR

    @property
    def n_published(self) -> int:
        """Respondents the figures are computed from."""
        return self.n_respondents - self.hidden

    @property
    def any_withheld(self) -> bool:
        return any(x.withheld for x in self.items)


def _likert_values(responses: Iterable[Response], key: str) -> list[int]:
    return [r.answers[key] for r in responses if key in r.answers]  # type: ignore[misc]


def _survey_exact(survey: SurveyDef, responses: Sequence[Response]) -> _Exact:
    likert = survey.likert_items
    parts = [_exact(_likert_values(responses, it.key)) for it in likert]
    n = sum(1 for r in responses if any(it.key in r.answers for it in likert))
    return _average(parts, n)


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Which responses the published figures of one survey may be computed from."""

    published: tuple[Response, ...]
    shown_roles: tuple[str, ...]  # in order of first appearance
    hidden_roles: tuple[str, ...]
    hidden: int  # respondents left out


def _role(r: Response) -> str:
    return r.role or ""


def disclosure(survey: SurveyDef, responses: Sequence[Response], *, floor: int = DEFAULT_FLOOR) -> Disclosure:
    """The responses every published figure of a survey is computed from (complementary suppression).

    What a survey with Likert items publishes: per visible role its respondents and survey-level figures
    (per item within the role, then averaged across items); per item and overall, the same figures over the
    visible roles; the mean of the visible roles ("Rerata"); respondent counts. Each of these is a function
    of *cells* — the answers of one role to one item. A role is visible only if at least ``floor`` of its
    respondents gave a Likert answer AND each of its Likert cells holds 0 or at least ``floor`` answers (a
    cell of 2 would otherwise come out as the role's mean minus its other items). Hidden roles are left out
    of every figure, so changing a hidden answer changes nothing published, and every published figure rests
    on cells of at least ``floor`` answers: no set of fewer respondents can be subtracted out.

    A survey without Likert items publishes no figure per role: everyone is one group, and each choice or
    test item with fewer than ``floor`` answers is withheld on its own (:func:`survey_summary`).
    """
    likert = survey.likert_items
    if not likert:
        return Disclosure(tuple(responses), (), (), 0)
    groups: dict[str, list[Response]] = {}
    for r in responses:
        groups.setdefault(_role(r), []).append(r)
    shown: list[str] = []
    hidden: list[str] = []
    for role, rs in groups.items():
        n = sum(1 for r in rs if any(it.key in r.answers for it in likert))
        cells = [sum(1 for r in rs if it.key in r.answers) for it in likert]
        ok = n >= floor and all(c == 0 or c >= floor for c in cells)
        (shown if ok else hidden).append(role)
    keep = set(shown)
    published = tuple(r for r in responses if _role(r) in keep)
    return Disclosure(published, tuple(shown), tuple(hidden), len(responses) - len(published))


def survey_summary(
    survey: SurveyDef, responses: Sequence[Response], *, floor: int = DEFAULT_FLOOR
) -> SurveySummary:
    """Per-item figures plus survey-level Likert figures, over the published responses only.

    Survey level = unweighted mean across the Likert items of each item's mean and agree share (so
    every statement counts equally even if some were skipped). ``by_role`` applies the same
    averaging within each role; the anonymity floor counts respondents, not answers, and hidden roles are
    left out of every figure (:func:`disclosure`). A choice/test item answered by 1..floor-1 published
    respondents is withheld (``withheld`` = its number of answers).
    Unknown item keys in answers are ignored; invalid values raise ``ValueError``.
    """
    d = disclosure(survey, responses, floor=floor)
    pub = d.published
    items: list[ItemSummary] = []
    for it in survey.items:
        if it.kind == "likert":
            items.append(ItemSummary(it, likert=likert_stats(_likert_values(pub, it.key))))
        elif it.kind in ("choice", "mcq"):
            vals = [r.answers[it.key] for r in pub if it.key in r.answers]
            if 0 < len(vals) < floor:
                items.append(ItemSummary(it, withheld=len(vals)))
            else:
                items.append(ItemSummary(it, choice=choice_stats(vals, len(it.options))))  # type: ignore[arg-type]
        else:
            texts = tuple(
                str(r.answers[it.key]).strip()
                for r in pub
                if it.key in r.answers and str(r.answers[it.key]).strip()
            )
            items.append(ItemSummary(it, texts=texts))
    overall = _survey_exact(survey, pub)
    breakdown = None
    if survey.likert_items and any(r.role is not None for r in responses):
        groups: dict[str, list[Response]] = {}
        for r in responses:
            groups.setdefault(_role(r), []).append(r)
        per_role = {role: _survey_exact(survey, rs) for role, rs in groups.items()}
        breakdown = _breakdown(per_role, set(d.shown_roles), overall, d.hidden)
    return SurveySummary(
        n_respondents=len(responses), items=tuple(items), overall=overall.public(), by_role=breakdown,
        hidden=d.hidden, floor=floor,
    )


def focus_roles(survey: SurveyDef, responses: Sequence[Response], *,
                floor: int = DEFAULT_FLOOR) -> dict[str, Any] | None:
    """The per-focus × per-role table of the effectiveness study: for each Likert statement (a focus of the
    pulse), the agree share of each *shown* role and "Rerata", the unweighted mean of those shares. Hidden
    roles (:func:`disclosure`) are left out of every cell and of the Rerata; ``hidden`` counts their
    respondents. None without roles or without a shown role."""
    if not survey.likert_items or not any(r.role for r in responses):
        return None
    d = disclosure(survey, responses, floor=floor)
    roles = [role for role in d.shown_roles if role]
    if not roles:
        return None
    rows = []
    for it in survey.likert_items:
        shares = {role: likert_stats([int(r.answers[it.key]) for r in d.published
                                      if _role(r) == role and it.key in r.answers]).agree_share for role in roles}
        known = [v for v in shares.values() if v is not None]
        rows.append({"key": it.key, "text": it.text, "shares": shares,
                     "rerata": sum(known) / len(known) if known else None})
    return {"roles": roles, "rows": rows, "hidden": d.hidden}
