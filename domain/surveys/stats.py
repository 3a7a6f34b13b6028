"""Exact survey statistics: Likert means, agreement shares and the 0–100 index, role breakdowns with
small groups hidden, choice counts, the weekly pulse trend.

Pure code: no Telegram, no database. Conventions: see :mod:`domain.surveys.core`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from domain.surveys.defs import AGREE_MIN, DEFAULT_FLOOR, _check_likert

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
