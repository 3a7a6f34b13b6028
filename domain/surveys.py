"""Mini-surveys: definitions and exact statistics (pure code: no Telegram, no database).

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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal, get_args

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal

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


# --------------------------------------------------------------------------------------------------
# Likert statistics
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LikertStats:
    n: int
    mean: float | None
    agree_share: float | None  # 0..1
    index: float | None  # 0..100


@dataclass(frozen=True, slots=True)
class _Exact:
    """Exact figures behind a LikertStats (kept so that averages of averages stay exact)."""

    n: int
    mean: Fraction | None
    agree: Fraction | None

    @property
    def index(self) -> Fraction | None:
        return None if self.mean is None else (self.mean - 1) / 4 * 100

    def public(self) -> LikertStats:
        idx = self.index
        return LikertStats(
            n=self.n,
            mean=_f(self.mean),
            agree_share=_f(self.agree),
            index=_f(idx),
        )


def _f(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


def _check_likert(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not LIKERT_MIN <= v <= LIKERT_MAX:
        raise ValueError(f"Likert answer must be an integer 1..5, got {v!r}")
    return v


def _exact(values: Iterable[int]) -> _Exact:
    vals = [_check_likert(v) for v in values]
    n = len(vals)
    if n == 0:
        return _Exact(0, None, None)
    return _Exact(n, Fraction(sum(vals), n), Fraction(sum(1 for v in vals if v >= AGREE_MIN), n))


def _average(parts: Sequence[_Exact], n: int) -> _Exact:
    """Unweighted mean of the figures of ``parts`` that have data; ``n`` is reported as given."""
    have = [p for p in parts if p.n > 0]
    if not have:
        return _Exact(n, None, None)
    k = len(have)
    return _Exact(
        n,
        sum((p.mean for p in have), Fraction(0)) / k,  # type: ignore[misc]
        sum((p.agree for p in have), Fraction(0)) / k,  # type: ignore[misc]
    )


def likert_stats(values: Sequence[int]) -> LikertStats:
    """n, mean (1..5), share answering 4 or 5 (0..1) and index 0–100. Empty → n=0 and Nones."""
    return _exact(values).public()


# --------------------------------------------------------------------------------------------------
# Role breakdown
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleRow:
    role: str
    stats: LikertStats | None  # None when hidden
    hidden: bool


@dataclass(frozen=True, slots=True)
class RoleBreakdown:
    rows: list[RoleRow]
    rerata_agree: float | None  # unweighted mean of the visible roles' agree shares
    rerata_index: float | None  # unweighted mean of the visible roles' indexes
    overall: LikertStats  # per respondent, over the visible roles only (hidden roles are left out)
    rerata_mean: float | None = None  # unweighted mean of the visible roles' means
    hidden: int = 0  # respondents of the hidden roles, left out of every figure

    @property
    def visible(self) -> list[RoleRow]:
        return [r for r in self.rows if not r.hidden]

    @property
    def any_hidden(self) -> bool:
        return any(r.hidden for r in self.rows)


def _breakdown(per_role: Mapping[str, _Exact], shown: set[str], overall: _Exact, hidden: int) -> RoleBreakdown:
    rows: list[RoleRow] = []
    visible: list[_Exact] = []
    for role, ex in per_role.items():
        if role in shown:
            rows.append(RoleRow(role, ex.public(), False))
            visible.append(ex)
        else:
            rows.append(RoleRow(role, None, True))
    rer = _average(visible, len(visible))
    return RoleBreakdown(
        rows=rows,
        rerata_agree=_f(rer.agree),
        rerata_index=_f(rer.index),
        overall=overall.public(),
        rerata_mean=_f(rer.mean),
        hidden=hidden,
    )


def by_role(answers: Sequence[tuple[str, int]], *, floor: int = DEFAULT_FLOOR) -> RoleBreakdown:
    """Per-role Likert figures for one item (one answer per respondent).

    Rows keep the order in which roles first appear. Roles with fewer than ``floor`` respondents are
    hidden. "Rerata" is the unweighted mean of the visible roles' figures (as in the study: 85, 78, 73,
    70 → 76.5); ``overall`` is computed per respondent over the answers of the visible roles only, so
    that it cannot be subtracted back to a hidden role.
    """
    groups: dict[str, list[int]] = {}
    for role, value in answers:
        groups.setdefault(role, []).append(value)
    per_role = {role: _exact(vals) for role, vals in groups.items()}
    shown = {role for role, ex in per_role.items() if ex.n >= floor}
    overall = _exact(v for role, v in answers if role in shown)
    return _breakdown(per_role, shown, overall, sum(ex.n for role, ex in per_role.items() if role not in shown))


# --------------------------------------------------------------------------------------------------
# Choice items
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChoiceStats:
    n: int
    counts: tuple[int, ...]
    shares: tuple[float | None, ...]  # 0..1 per option; None when n == 0


def choice_stats(values: Sequence[int], n_options: int) -> ChoiceStats:
    """Counts and shares per option; ``values`` are 0-based option indices."""
    if n_options < 1:
        raise ValueError("n_options must be positive")
    counts = [0] * n_options
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < n_options:
            raise ValueError(f"option index must be 0..{n_options - 1}, got {v!r}")
        counts[v] += 1
    n = len(values)
    shares = tuple(None if n == 0 else float(Fraction(c, n)) for c in counts)
    return ChoiceStats(n=n, counts=tuple(counts), shares=shares)


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


# --------------------------------------------------------------------------------------------------
# Pre/post tests
# --------------------------------------------------------------------------------------------------


def score(answers: Mapping[str, int | str], items: Iterable[SurveyItem]) -> int:
    """Number of MCQ items answered correctly. An answer is an option index or the option's text."""
    correct = 0
    for it in items:
        if it.kind != "mcq" or it.key not in answers:
            continue
        a = answers[it.key]
        if isinstance(a, bool):
            continue
        if isinstance(a, int):
            correct += a == it.correct
        elif isinstance(a, str) and it.correct is not None:
            correct += a.strip() == it.options[it.correct]
    return correct


@dataclass(frozen=True, slots=True)
class PrePost:
    n_pre: int
    n_post: int
    n_paired: int
    mean_pre: float | None  # over paired members
    mean_post: float | None  # over paired members
    gain: float | None  # normalised gain of the class means; None = n/a
    individual: dict[str, float | None] = field(default_factory=dict)  # member → g (None = n/a)
    max_score: int = 0
    paired: bool = True  # False: the class means of everyone who took each test (see prepost_published)
    withheld: bool = False  # True: the figures would expose fewer people than the floor; only counts are given


def _gain(pre: Fraction, post: Fraction, max_score: int) -> Fraction | None:
    return None if pre >= max_score else (post - pre) / (max_score - pre)


def prepost(pre: Mapping[str, int | float], post: Mapping[str, int | float], max_score: int) -> PrePost:
    """Pre/post comparison on the members who took both tests.

    g = (mean_post − mean_pre) / (max − mean_pre), computed on the paired class means; ``None`` (n/a)
    when nobody took both or mean_pre == max. ``individual`` holds each paired member's own g.
    """
    if isinstance(max_score, bool) or max_score <= 0:
        raise ValueError("max_score must be positive")
    for label, d in (("pre", pre), ("post", post)):
        for m, s in d.items():
            if isinstance(s, bool) or not 0 <= s <= max_score:
                raise ValueError(f"{label} score of {m!r} must be 0..{max_score}, got {s!r}")
    paired = [m for m in pre if m in post]
    individual = {m: _f(_gain(Fraction(pre[m]), Fraction(post[m]), max_score)) for m in paired}
    if not paired:
        return PrePost(len(pre), len(post), 0, None, None, None, individual, max_score)
    k = len(paired)
    mpre = sum((Fraction(pre[m]) for m in paired), Fraction(0)) / k
    mpost = sum((Fraction(post[m]) for m in paired), Fraction(0)) / k
    return PrePost(
        n_pre=len(pre),
        n_post=len(post),
        n_paired=k,
        mean_pre=float(mpre),
        mean_post=float(mpost),
        gain=_f(_gain(mpre, mpost, max_score)),
        individual=individual,
        max_score=max_score,
    )


def _off_floor(k: int, floor: int) -> bool:
    """A group of k people that may not be published on its own (1..floor-1)."""
    return 0 < k < floor


def prepost_published(
    pre: Mapping[str, int | float],
    post: Mapping[str, int | float],
    max_score: int,
    *,
    floor: int = DEFAULT_FLOOR,
    pre_shown: bool = True,
    post_shown: bool = True,
) -> PrePost:
    """The pre/post comparison that may be published next to each test's own results.

    Each test's own mean covers everyone who took it. The comparison on the members who took both is
    published only if it cannot be subtracted from those: at least ``floor`` paired members, and the
    unpaired of each test 0 or at least ``floor``. Otherwise it compares the two class means (everyone who
    took each test; ``paired`` False) — figures already published. ``pre_shown``/``post_shown``: whether
    each test's mean score is published (no item withheld); if either is not, only the counts are given
    (``withheld``).
    """
    full = prepost(pre, post, max_score)
    k = full.n_paired
    if not (pre_shown and post_shown) or len(pre) < floor or len(post) < floor:
        return PrePost(len(pre), len(post), k, None, None, None, max_score=max_score, paired=False, withheld=True)
    if k >= floor and not _off_floor(len(pre) - k, floor) and not _off_floor(len(post) - k, floor):
        return replace(full, individual={})
    mpre = sum((Fraction(v) for v in pre.values()), Fraction(0)) / len(pre)
    mpost = sum((Fraction(v) for v in post.values()), Fraction(0)) / len(post)
    return PrePost(
        n_pre=len(pre), n_post=len(post), n_paired=k, mean_pre=float(mpre), mean_post=float(mpost),
        gain=_f(_gain(mpre, mpost, max_score)), max_score=max_score, paired=False,
    )


def mean_score_shown(summary: SurveySummary) -> bool:
    """A test's mean score may be published: somebody took it and no item is withheld (else the mean,
    minus the published items, would give the withheld item's few answers)."""
    return summary.n_published > 0 and not summary.any_withheld


# --------------------------------------------------------------------------------------------------
# Weekly pulse trend
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week_start: date
    items: dict[str, LikertStats]
    overall: LikertStats  # unweighted mean across the items that have answers; n = max item n
    hidden: int = 0  # respondents left out (their role was hidden in their survey's results)


def pulse_trend(weeks: Iterable[tuple[date, Mapping[str, Sequence[int]]]]) -> list[TrendPoint]:
    """One point per week, sorted by week start. Weeks without answers keep Nones (gaps in charts)."""
    points = []
    for week_start, per_item in sorted(weeks, key=lambda w: w[0]):
        exact = {key: _exact(vals) for key, vals in per_item.items()}
        n = max((e.n for e in exact.values()), default=0)
        points.append(
            TrendPoint(
                week_start=week_start,
                items={k: e.public() for k, e in exact.items()},
                overall=_average(list(exact.values()), n).public(),
            )
        )
    return points


def trend_series(
    points: Sequence[TrendPoint], keys: Sequence[str], metric: str = "agree_share"
) -> dict[str, list[float | None]]:
    """Chart-ready series per item key (and ``"overall"`` if asked for) of one LikertStats field."""
    if metric not in ("mean", "agree_share", "index", "n"):
        raise ValueError(f"unknown metric {metric!r}")
    out: dict[str, list[float | None]] = {}
    for key in keys:
        series: list[float | None] = []
        for p in points:
            st = p.overall if key == "overall" else p.items.get(key)
            series.append(None if st is None else getattr(st, metric))
        out[key] = series
    return out


# --------------------------------------------------------------------------------------------------
# Formatting (Babel)
# --------------------------------------------------------------------------------------------------

NA = "–"


def _round_half_up(x: float | Decimal, decimals: int) -> Decimal:
    d = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    d = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(d) if d == 0 else d  # no "-0,0"


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def fmt_number(x: float | None, locale: str = DEFAULT_LOCALE, decimals: int = 1, *, na: str = NA) -> str:
    """3.75 → "3,8" (id) / "3.8" (en). Rounds half up (as a teacher would); None → ``na``."""
    if x is None:
        return na
    d = _round_half_up(x, decimals)
    return format_decimal(d, format=_pattern(decimals), locale=_normalize_locale(locale))


def fmt_percent(x: float | None, locale: str = DEFAULT_LOCALE, decimals: int = 1, *, na: str = NA) -> str:
    """Share 0..1 → percent with ``decimals`` decimals.

    0.765 → "76,5 %" (id: with a space, as the bot writes it everywhere, see ``bot.render.fmt_percent``)
    / "76.5%" (en). Rounds half up on the decimal value (0.7425 → "74,3 %"); None → ``na``.
    """
    if x is None:
        return na
    lang = _normalize_locale(locale)
    d = _round_half_up(Decimal(repr(float(x))).scaleb(2), decimals)
    n = format_decimal(d, format=_pattern(decimals), locale=lang)
    return f"{n} %" if lang == "id" else f"{n}%"
