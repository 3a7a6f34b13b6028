"""Mini-surveys: definitions and exact statistics (pure code: no Telegram, no database).

This module loads the built-in surveys and Likert labels and gathers the public names of
:mod:`domain.surveys.defs` (definitions), :mod:`domain.surveys.stats` (statistics and trends),
:mod:`domain.surveys.disclosure` (hidden roles, the published summary), :mod:`domain.surveys.prepost`
(pre/post tests) and :mod:`domain.surveys.format` (numbers for people).

Conventions
-----------
* Likert answers are integers 1..5 (1 = strongly disagree, 5 = strongly agree).
* Shares are fractions in 0..1 (``0.765``); :func:`fmt_percent` renders them ("76,5 %" / "76.5%").
* The 0–100 index is ``(mean - 1) / 4 * 100``.
* Choice and MCQ answers are 0-based option indices.
* Every figure is computed with :class:`fractions.Fraction` and converted to ``float`` once at the
  end, so results are the correctly rounded value of the exact figure (85, 78, 73, 70 → 76.5 exactly).
* "No data" is ``None``, never ``0`` and never a division by zero.
* Role breakdowns hide groups with fewer than ``floor`` (default 3) respondents: a hidden row carries no
  figures at all, not even its respondent count.
* Nothing published can be subtracted back to a hidden group (see :func:`disclosure`): whenever a role is
  hidden, every other figure of the survey (per item, overall, the pulse trend, reports) is computed without
  it, and a figure that would rest on 1..floor-1 answers is suppressed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.surveys.defs import (
    AGREE_MIN,
    BUILTIN_KINDS,
    DEFAULT_FLOOR,
    DEFAULT_LOCALE,
    ITEM_KINDS,
    LIKERT_MAX,
    LIKERT_MIN,
    SURVEY_KINDS,
    ItemKind,
    LikertLabels,
    SurveyDef,
    SurveyItem,
    SurveyKind,
)
from domain.surveys.disclosure import (
    Disclosure,
    ItemSummary,
    Response,
    SurveySummary,
    disclosure,
    focus_roles,
    survey_summary,
)
from domain.surveys.format import NA, fmt_number, fmt_percent
from domain.surveys.prepost import PrePost, mean_score_shown, prepost, prepost_published, score
from domain.surveys.stats import (
    ChoiceStats,
    LikertStats,
    RoleBreakdown,
    RoleRow,
    TrendPoint,
    by_role,
    choice_stats,
    likert_stats,
    pulse_trend,
    trend_series,
)

__all__ = [
    "AGREE_MIN",
    "BUILTIN_KINDS",
    "builtin_survey",
    "by_role",
    "choice_stats",
    "ChoiceStats",
    "DEFAULT_FLOOR",
    "DEFAULT_LOCALE",
    "Disclosure",
    "disclosure",
    "fmt_number",
    "fmt_percent",
    "focus_roles",
    "ITEM_KINDS",
    "ItemKind",
    "ItemSummary",
    "likert_labels",
    "LIKERT_MAX",
    "LIKERT_MIN",
    "likert_stats",
    "LikertLabels",
    "LikertStats",
    "mean_score_shown",
    "NA",
    "PrePost",
    "prepost",
    "prepost_published",
    "pulse_trend",
    "Response",
    "RoleBreakdown",
    "RoleRow",
    "score",
    "SURVEY_KINDS",
    "survey_summary",
    "SurveyDef",
    "SurveyItem",
    "SurveyKind",
    "SurveySummary",
    "SurveyTexts",
    "trend_series",
    "TrendPoint",
]



# ``messages/<locale>/surveys.toml`` as parsed, in one language (handed in by the bot: the domain reads no files).
SurveyTexts = Mapping[str, Any]


def likert_labels(texts: SurveyTexts) -> LikertLabels:
    data = texts["likert"]
    long, short = tuple(data["labels"]), tuple(data["short"])
    if len(long) != 5 or len(short) != 5:
        raise ValueError("surveys.toml: likert.labels and likert.short need 5 entries each")
    return LikertLabels(long=long, short=short)


def builtin_survey(kind: str, texts: SurveyTexts) -> SurveyDef:
    """The built-in ``pulse`` or ``satisfaction`` survey in the language of ``texts``."""
    if kind not in BUILTIN_KINDS:
        raise ValueError(f"no built-in survey of kind {kind!r} (built-in: {', '.join(BUILTIN_KINDS)})")
    data = texts[kind]
    items = tuple(
        SurveyItem(
            key=raw["key"],
            kind=raw["kind"],
            text=raw["text"],
            options=tuple(raw.get("options", ())),
            correct=raw.get("correct"),
            optional=bool(raw.get("optional", False)),
        )
        for raw in data["items"]
    )
    return SurveyDef(kind=kind, title=data["title"], items=items)  # type: ignore[arg-type]
