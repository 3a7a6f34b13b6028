"""Survey definitions: item and survey kinds, the Likert scale's bounds, the privacy floor, a survey's
items and its Likert labels.

Pure code: no Telegram, no database. Conventions: see :mod:`domain.surveys.core`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from babel import Locale, UnknownLocaleError

ItemKind = Literal["likert", "choice", "text", "mcq"]
SurveyKind = Literal["pulse", "satisfaction", "prepost", "custom"]

ITEM_KINDS: tuple[str, ...] = get_args(ItemKind)
SURVEY_KINDS: tuple[str, ...] = get_args(SurveyKind)
BUILTIN_KINDS: tuple[str, ...] = ("pulse", "satisfaction")
LIKERT_MIN, LIKERT_MAX = 1, 5
AGREE_MIN = 4  # 4 ("agree") and 5 ("strongly agree") count as agreeing
DEFAULT_FLOOR = 3
DEFAULT_LOCALE = "id"


# --------------------------------------------------------------------------------------------------
# Definitions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurveyItem:
    key: str
    kind: ItemKind
    text: str
    options: tuple[str, ...] = ()
    correct: int | None = None  # mcq only: index into options
    optional: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ITEM_KINDS:
            raise ValueError(f"unknown item kind {self.kind!r}")
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError(f"choice item {self.key!r} needs at least 2 options")
        if self.kind == "mcq":
            if len(self.options) < 2:
                raise ValueError(f"mcq item {self.key!r} needs at least 2 options")
            if self.correct is None or not 0 <= self.correct < len(self.options):
                raise ValueError(f"mcq item {self.key!r} needs a valid correct option")
        elif self.correct is not None:
            raise ValueError(f"only mcq items have a correct option ({self.key!r})")


@dataclass(frozen=True, slots=True)
class SurveyDef:
    kind: SurveyKind
    title: str
    items: tuple[SurveyItem, ...]

    def __post_init__(self) -> None:
        if self.kind not in SURVEY_KINDS:
            raise ValueError(f"unknown survey kind {self.kind!r}")
        keys = [it.key for it in self.items]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate item keys")

    def item(self, key: str) -> SurveyItem:
        for it in self.items:
            if it.key == key:
                return it
        raise KeyError(key)

    @property
    def likert_items(self) -> tuple[SurveyItem, ...]:
        return tuple(it for it in self.items if it.kind == "likert")

    @property
    def max_score(self) -> int:
        """Number of MCQ items (the maximum score of a pre/post test)."""
        return sum(1 for it in self.items if it.kind == "mcq")


@dataclass(frozen=True, slots=True)
class LikertLabels:
    long: tuple[str, ...]  # 5 labels, index 0 = value 1
    short: tuple[str, ...]  # 5 button labels

    def label(self, value: int) -> str:
        _check_likert(value)
        return self.long[value - 1]


def _normalize_locale(locale: str) -> str:
    try:
        return Locale.parse(locale.replace("-", "_")).language
    except (UnknownLocaleError, ValueError, TypeError):
        return DEFAULT_LOCALE


def _check_likert(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not LIKERT_MIN <= v <= LIKERT_MAX:
        raise ValueError(f"Likert answer must be an integer 1..5, got {v!r}")
    return v
